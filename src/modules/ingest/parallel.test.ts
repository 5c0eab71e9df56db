import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { PARALLEL_MIN_BYTES } from './load-feed.js';

/**
 * A file large enough to be read by two workers, with what must come out the same as with one:
 * every line number, rejects on both sides of block boundaries, and rows repeated from the
 * beginning of the file at its end (duplicates across blocks, for sạch).
 */
function bigReport(communes: string[]): { bytes: Buffer; rows: number; badLines: number[]; lineSum: number; amountSum: number } {
  const lines = ['BÁO CÁO SẢN LƯỢNG', 'Mã xã,Tên cơ sở,Sản lượng,Ngày báo cáo,Ghi chú'];
  const badLines: number[] = [];
  let lineSum = 0;
  let amountSum = 0;
  let line = 2;
  let rows = 0;
  let size = 0;
  for (let i = 1; size < PARALLEL_MIN_BYTES + 2 * 1024 * 1024; i++) {
    const bad = i % 40_009 === 0;
    const k = i > 250_000 ? i % 1000 : i; // the last rows repeat the first ones
    const name = k % 11 === 0 ? `"Hợp tác xã ""Ia Grai"", số ${k}\nchi nhánh"` : `Cơ sở chế biến cà phê số ${k}`;
    const text = `${bad ? 'XX' : communes[k % communes.length]},${name},${k % 1000},${String(1 + (k % 28)).padStart(2, '0')}/06/2025,Đã kiểm tra đầy đủ hồ sơ và sổ sách`;
    line++;
    rows++;
    if (bad) badLines.push(line);
    else {
      lineSum += line;
      amountSum += k % 1000;
    }
    lines.push(text);
    size += Buffer.byteLength(text) + 2;
    if (k % 11 === 0) line++; // the quoted line break
  }
  return { bytes: Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8'), rows, badLines, lineSum, amountSum };
}

for (const engine of engines()) {
  describe(`a large CSV file read by two workers (${engine})`, () => {
    let p: TestPlatform;
    before(async () => {
      p = await testPlatform(engine, { PROVDATA_INGEST_WORKERS: '2' });
    });
    after(() => p.close());

    test('loads every valid row with its line, rejects the invalid ones by line, and counts rows repeated across blocks', async () => {
      const file = bigReport([...(await p.dictionary.codeListValues('communes'))]);
      const upload = await p.ingest.upload(SYSTEM, Readable.from([file.bytes]), { filename: 'san-luong.csv', contentType: 'text/csv' });
      const r = await p.ingest.ingest(SYSTEM, { dataset: 'san-luong-lon', uploadId: upload.id, mode: 'replace', validRowsOnly: true, create: true });
      assert.equal(r.status, 'loaded', JSON.stringify({ ...r, rejects: r.rejects.slice(0, 3) }));
      assert.equal(r.rowsRead, file.rows);
      assert.equal(r.rowsRejected, file.badLines.length);
      assert.equal(r.rowsLoaded, file.rows - file.badLines.length);
      const rejected = [...new Set(r.rejects.map((x) => x.line))];
      assert.deepEqual(rejected, file.badLines.slice(0, rejected.length));
      const ds = await p.catalog.getDataset(SYSTEM, 'san-luong-lon');
      const amount = ds.columns.find((c) => c.title === 'Sản lượng')!.name;
      const sums = await p.db.query<{ n: string; lines: string; amounts: string }>(
        `SELECT count(*)::text AS n, sum(_line)::text AS lines, sum(${amount})::text AS amounts FROM wh.ds_${ds.id.replace(/-/g, '')}`,
      );
      assert.deepEqual(sums.rows[0], { n: String(r.rowsLoaded), lines: String(file.lineSum), amounts: String(file.amountSum) });
      // Rows 250,001 on repeat rows 1–1,000 (the rejected one excepted): duplicates across blocks.
      const run = await p.ingest.getRun(SYSTEM, r.runId);
      const details = (run.quality as { details: { duplicateRows: number } }).details;
      assert.equal(details.duplicateRows, file.rows - 250_000 - file.badLines.filter((l) => l > 250_000).length);
    });
  });
}
