import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { feedInThread, LoadWorker, type LoadFeed } from './load-feed.js';
import { openTable } from './parse/index.js';
import { CHUNK_BYTES, CsvChunks, type FeedResult, type FeedSetup } from './row-feed.js';
import type { EncoderPlan } from '../warehouse/index.js';
import { ParseError } from './parse/index.js';

/**
 * A report as a steward sends it, messy enough to catch a block read apart from the file's
 * beginning: title rows, BOM, CRLF, quoted cells with line breaks and delimiters, blank lines,
 * invalid values (rejects), repeated rows (sạch), and a header that does not start in column A.
 */
function report(rows: number, opts: { clean?: boolean } = {}): Buffer {
  const lines = ['\uFEFFỦY BAN NHÂN DÂN TỈNH GIA LAI', 'BÁO CÁO SẢN LƯỢNG NĂM 2025', ',Mã xã,Tên cơ sở,Sản lượng,Ngày báo cáo,Ghi chú'];
  for (let n = 1; n <= rows; n++) {
    const i = n % 3000; // every row after the 3,000th repeats an earlier one
    const commune = (opts.clean ? n === 1 : i % 97 === 0) ? '99999' : String(23000 + (i % 5));
    const name = i % 7 === 0 ? `"Hợp tác xã ""Ia Grai"", số ${i}\r\nchi nhánh"` : `Cơ sở ${i % 300}`;
    const amount = i % 101 === 0 && !opts.clean ? 'không rõ' : `"${(i % 1000).toLocaleString('vi-VN')},5"`;
    const note = i % 13 === 0 ? '"Đã kiểm tra, đạt"' : '';
    lines.push(`,${commune},${name},${amount},${String(1 + (i % 28)).padStart(2, '0')}/06/2025,${note}`);
    if (n % 500 === 0) lines.push('');
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

const setup = (validRowsOnly: boolean): FeedSetup => ({
  targets: [
    { name: 'ma_xa', title: 'Mã xã', type: 'text', required: true, key: false, codeList: 'communes', rules: {} },
    { name: 'ten', title: 'Tên cơ sở', type: 'text', required: false, key: false, codeList: null, rules: { maxLength: 60 } },
    { name: 'san_luong', title: 'Sản lượng', type: 'number', required: false, key: false, codeList: null, rules: {} },
    { name: 'ngay', title: 'Ngày báo cáo', type: 'date', required: false, key: false, codeList: null, rules: {} },
    { name: 'ghi_chu', title: 'Ghi chú', type: 'text', required: false, key: false, codeList: null, rules: {} },
  ],
  sourceIndex: [['ma_xa', 0], ['ten', 1], ['san_luong', 2], ['ngay', 3], ['ghi_chu', 4]],
  numberFormats: [['san_luong', { decimal: ',', thousands: '.' }]],
  codeLists: [['communes', ['23000', '23001', '23002', '23003', '23004']]],
  keyColumns: [],
  validRowsOnly,
});

const plan: EncoderPlan = {
  columns: [{ name: 'ma_xa', type: 'text' }, { name: 'ten', type: 'text' }, { name: 'san_luong', type: 'number' }, { name: 'ngay', type: 'date' }, { name: 'ghi_chu', type: 'text' }],
  keyColumns: [],
  version: 1,
  requireKey: false,
};

/**
 * The file in pieces of 16 KiB, as the object store streams it, but the rest of it only once the
 * lead has found the header: a small file would otherwise all be sent before, as block 0.
 */
const stream = (file: Buffer, header: () => Promise<void>) => Readable.from((async function* () {
  for (let i = 0; i < file.length; i += 16384) {
    if (i === 128 * 1024) await header();
    yield file.subarray(i, i + 16384);
  }
})());

async function drain(feed: LoadFeed): Promise<{ csv: string; result: FeedResult }> {
  const parts: Buffer[] = [];
  for await (const chunk of feed.chunks) parts.push(Buffer.from(chunk));
  return { csv: Buffer.concat(parts).toString('utf8'), result: feed.result() };
}

async function inThread(file: Buffer, s: FeedSetup) {
  const table = await openTable(file, { filename: 'bao-cao.csv' });
  return drain(feedInThread(table, s, plan));
}

async function inWorkers(file: Buffer, s: FeedSetup, blockBytes: number) {
  const worker: LoadWorker = new LoadWorker(stream(file, () => worker.headerFound), { filename: 'bao-cao.csv', sheet: null, size: file.length }, { minBytes: 0, blockBytes });
  try {
    const out = await drain(worker.feed(s, plan));
    return { ...out, blocks: worker.blocks };
  } finally {
    await worker.stop();
  }
}

/** Everything a result says but the numeric samples (a merged sample is another uniform sample). */
const comparable = (r: FeedResult) => ({ ...r, quality: { ...r.quality, samples: r.quality.samples.map(([c, s]) => [c, s.seen, s.values.length]) } });

test('two workers reading a CSV file cut into blocks give the rows, rejects and quality of one thread, in the same order', async () => {
  const file = report(20_000);
  for (const validRowsOnly of [true, false]) {
    const one = await inThread(file, setup(validRowsOnly));
    for (const blockBytes of [1, 50_000, 300_000]) {
      const two = await inWorkers(file, setup(validRowsOnly), blockBytes);
      assert.ok(two.blocks > (blockBytes === 300_000 ? 2 : 10), `${two.blocks} blocks of ${blockBytes} bytes`);
      // All or nothing, one worker stops the rows at the first reject; two stop each at its own. The
      // load is refused either way, so only what they found must be the same.
      if (validRowsOnly) assert.equal(two.csv, one.csv, `the CSV for COPY (blocks of ${blockBytes} bytes)`);
      assert.deepEqual(comparable(two.result), comparable(one.result), `the result (blocks of ${blockBytes} bytes)`);
    }
    assert.ok(one.result.rowsRejected > 300 && one.result.quality.duplicateRows > 1000, `the file has rejects and repeated rows: ${one.result.rowsRejected}, ${one.result.quality.duplicateRows}`);
    if (validRowsOnly) assert.ok(one.csv.split('\n').length > 19_000, 'the valid rows are loaded');
  }
});

test('all or nothing, a reject in one worker stops the rows of the other: the load is refused anyway', async () => {
  // One reject, on the first data row; the rest of the file is valid.
  const file = report(20_000, { clean: true });
  const one = await inThread(file, setup(false));
  const two = await inWorkers(file, setup(false), 50_000);
  assert.equal(one.result.rowsRejected, 1);
  assert.deepEqual(comparable(two.result), comparable(one.result));
  assert.equal(one.csv, '');
  const all = await inThread(file, setup(true));
  // Without the stop, the second worker would send its blocks' rows: about half of these.
  assert.ok(two.csv.length < all.csv.length / 10, `${two.csv.length} characters of CSV sent for a refused load (all valid rows: ${all.csv.length})`);
});

test('a file read in blocks fails with the error one thread gives: the first in file order', async () => {
  const good = report(5_000);
  // Invalid UTF-8 late in the file, and a quote never closed at its end.
  const broken = Buffer.concat([good.subarray(0, 400_000), Buffer.from([0xc3, 0x28]), good.subarray(400_000), Buffer.from(',"never closed\r\n')]);
  const error = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (e) {
      return e;
    }
    assert.fail('no error');
  };
  const one = await error(() => inThread(broken, setup(true)));
  const two = await error(() => inWorkers(broken, setup(true), 30_000));
  assert.ok(one instanceof ParseError && one.code === 'PARSE_INVALID_ENCODING');
  assert.ok(two instanceof ParseError && two.code === one.code, String(two));
  const unclosed = Buffer.concat([good, Buffer.from(',"never closed\r\n')]);
  const one2 = await error(() => inThread(unclosed, setup(true)));
  const two2 = await error(() => inWorkers(unclosed, setup(true), 30_000));
  assert.ok(one2 instanceof ParseError && one2.code === 'PARSE_INVALID_CSV');
  assert.ok(two2 instanceof ParseError && two2.code === one2.code && two2.details.line === one2.details.line, String(two2));
});

test('CsvChunks gives the UTF-8 of its lines, whole lines per chunk, whatever the lines hold', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  // ASCII, Vietnamese, an astral character (two code units, four bytes), a lone surrogate (three bytes, U+FFFD).
  const pieces = ['a,b', 'Nguyễn Thị Hương', '😀', '\ud800', '"x ""y"""', '\r\n'];
  for (const [count, longest] of [[60_000, 10], [1_000, 2_000], [6, CHUNK_BYTES * 3]] as const) {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      let line = '';
      const parts = 1 + rnd(8);
      for (let j = 0; j < parts; j++) line += pieces[rnd(pieces.length)]!;
      lines.push(`${line}${'đ'.repeat(rnd(longest))}\n`);
    }
    const csv = new CsvChunks();
    const chunks: Uint8Array[] = [];
    for (const line of lines) {
      const full = csv.add(line);
      if (full) chunks.push(full);
    }
    const rest = csv.take();
    if (rest) chunks.push(rest);
    assert.equal(csv.take(), null);
    assert.ok(Buffer.concat(chunks).equals(Buffer.from(lines.join(''), 'utf8')), `longest ${longest}`);
    for (const c of chunks) assert.equal(c[c.length - 1], 10, 'a chunk ends with a whole line');
    if (longest === 10) assert.ok(chunks.length > 1 && chunks.slice(0, -1).every((c) => c.length >= CHUNK_BYTES && c.length < CHUNK_BYTES + 1_000));
  }
});
