import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { openTable } from './index.js';

const MB = 1024 * 1024;

test('a ~200 MB CSV streams with flat memory', { timeout: 120_000 }, async () => {
  const target = 200 * MB;
  // Long notes keep the row count (and the test's run time) moderate for 200 MB of text.
  const note = 'Hộ gia đình thuộc diện chính sách, đã được hỗ trợ vốn vay ưu đãi; '.repeat(4);
  const line = (i: number): string => `${i};Xã Đắk Đoa số ${i % 977};${(i * 37) % 100000},${i % 100};15/03/2024;Có;"${note}${i}"\n`;
  const perChunk = 500;
  let produced = 0;
  let rowsWritten = 0;
  const source = Readable.from(
    (function* () {
      yield Buffer.from('Mã;Tên xã;Dân số;Ngày;Có trường;Ghi chú\n');
      while (produced < target) {
        let text = '';
        for (let k = 0; k < perChunk; k++) text += line(rowsWritten++);
        const bytes = Buffer.from(text, 'utf8');
        produced += bytes.length;
        yield bytes;
      }
    })(),
  );
  global.gc?.();
  const baseline = process.memoryUsage().heapUsed;
  const table = await openTable(source, { filename: 'lon.csv' });
  assert.deepEqual(table.headers, ['Mã', 'Tên xã', 'Dân số', 'Ngày', 'Có trường', 'Ghi chú']);
  let count = 0;
  let peak = 0;
  let lastLine = 0;
  for await (const row of table.rows) {
    count++;
    lastLine = row.line;
    if ((count & 0x3fff) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  assert.ok(produced >= target, `produced ${Math.round(produced / MB)} MB`);
  assert.equal(count, rowsWritten);
  assert.equal(lastLine, rowsWritten + 1);
  assert.ok(peak - baseline < 150 * MB, `heap grew by ${Math.round((peak - baseline) / MB)} MB`);
});
