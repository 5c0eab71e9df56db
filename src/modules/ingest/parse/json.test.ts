import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { openTable, ParseError, readGeoJson, readJson, readNdjson, sniffFormat, type Table, type TableRow } from './index.js';

async function all(table: Table): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of table.rows) rows.push(row);
  return rows;
}

test('reads a JSON array of records, flattening nested objects and keeping arrays as JSON', async () => {
  const doc = [
    { ma_xa: '23677', ten: 'Đắk Đoa', dan_so: 1234, dia_chi: { huyen: 'Đắk Đoa', tinh: 'Gia Lai' }, the: ['a', 1] },
    { ma_xa: '21553', ten: 'Quy Nhơn Bắc', dan_so: null, ocop: true },
  ];
  const table = await readJson(Buffer.from(JSON.stringify(doc, null, 2)));
  assert.equal(table.format, 'json');
  assert.deepEqual(table.headers, ['ma_xa', 'ten', 'dan_so', 'dia_chi.huyen', 'dia_chi.tinh', 'the', 'ocop']);
  assert.equal(table.headerLine, 0);
  assert.deepEqual(await all(table), [
    { line: 1, values: ['23677', 'Đắk Đoa', '1234', 'Đắk Đoa', 'Gia Lai', '["a",1]', ''] },
    { line: 2, values: ['21553', 'Quy Nhơn Bắc', '', '', '', '', 'true'] },
  ]);
});

test('finds the records under a top-level property, or under the one named', async () => {
  const doc = JSON.stringify({ meta: { nguon: 'Sở', list: [1] }, data: [{ a: 'x' }, { a: 'y' }], other: [{ b: 1 }] });
  const table = await readJson(Buffer.from(doc));
  assert.deepEqual(table.headers, ['a']);
  assert.deepEqual(await all(table), [{ line: 1, values: ['x'] }, { line: 2, values: ['y'] }]);
  const other = await readJson(Buffer.from(doc), { arrayPath: 'other' });
  assert.deepEqual(await all(other), [{ line: 1, values: ['1'] }]);
  await assert.rejects(readJson(Buffer.from('{"a": 1}')), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_INVALID_JSON');
});

test('a key first seen after the header sample appends a column', async () => {
  const records = [{ a: 1 }, { a: 2 }, { a: 3, b: 'mới' }];
  const table = await readJson(Buffer.from(JSON.stringify(records)), { headerSample: 2 });
  assert.deepEqual(table.headers, ['a']);
  assert.deepEqual(await all(table), [
    { line: 1, values: ['1'] },
    { line: 2, values: ['2'] },
    { line: 3, values: ['3', 'mới'] },
  ]);
  assert.deepEqual(table.headers, ['a', 'b']);
});

test('malformed JSON fails with a coded error, at open inside the header sample and while reading after it', async () => {
  const isInvalid = (e: unknown): boolean => e instanceof ParseError && e.code === 'PARSE_INVALID_JSON';
  await assert.rejects(readJson(Buffer.from('[{"a": 1}, {"a": }]')), isInvalid);
  const good = Array.from({ length: 20000 }, (_, i) => `{"a": ${i}}`).join(',');
  const table = await readJson(Buffer.from(`[${good}, {"a": }]`), { headerSample: 1 });
  await assert.rejects(all(table), isInvalid);
});

test('reads NDJSON line by line, skipping blank lines, and names the bad line', async () => {
  const table = await readNdjson(Buffer.from('{"a":1,"b":"Gia Lai"}\r\n\n{"a":2}\n'));
  assert.equal(table.format, 'ndjson');
  assert.deepEqual(table.headers, ['a', 'b']);
  assert.deepEqual(await all(table), [
    { line: 1, values: ['1', 'Gia Lai'] },
    { line: 3, values: ['2', ''] },
  ]);
  const bad = await readNdjson(Buffer.from('{"a":1}\n{"a":\n'), { headerSample: 1 });
  await assert.rejects(all(bad), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_INVALID_JSON' && e.details['line'] === 2);
});

test('reads GeoJSON features: properties as columns, geometry as JSON text', async () => {
  const fc = {
    type: 'FeatureCollection',
    name: 'xa',
    features: [
      { type: 'Feature', id: 7, properties: { ma: '23677', ten: 'Đắk Đoa' }, geometry: { type: 'Point', coordinates: [108.1, 14.0] } },
      { type: 'Feature', properties: { ma: '21553', ten: 'Quy Nhơn Bắc' }, geometry: null },
    ],
  };
  const table = await readGeoJson(Buffer.from(JSON.stringify(fc)));
  assert.equal(table.format, 'geojson');
  assert.deepEqual(table.headers, ['ma', 'ten', 'id', 'geometry']);
  assert.deepEqual(await all(table), [
    { line: 1, values: ['23677', 'Đắk Đoa', '7', '{"type":"Point","coordinates":[108.1,14]}'] },
    { line: 2, values: ['21553', 'Quy Nhơn Bắc', '', ''] },
  ]);
  await assert.rejects(readGeoJson(Buffer.from('[{"a":1}]')), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_INVALID_GEOJSON');
});

test('a large JSON array streams in small chunks', async () => {
  const n = 20000;
  async function* chunks() {
    yield Buffer.from('[');
    for (let i = 0; i < n; i++) yield Buffer.from(`${i === 0 ? '' : ','}{"i":${i},"ten":"Hộ số ${i}"}`);
    yield Buffer.from(']');
  }
  const table = await readJson(Readable.from(chunks()));
  let count = 0;
  let last: TableRow | undefined;
  for await (const row of table.rows) {
    count++;
    last = row;
  }
  assert.equal(count, n);
  assert.deepEqual(last, { line: n, values: [String(n - 1), `Hộ số ${n - 1}`] });
});

test('sniffs the format from the first bytes and the file name', () => {
  const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]);
  assert.equal(sniffFormat(zip), 'xlsx');
  assert.equal(sniffFormat(zip, 'bao-cao.csv'), 'xlsx');
  assert.equal(sniffFormat(Buffer.from('  [{"a":1}]')), 'json');
  assert.equal(sniffFormat(Buffer.from('{"type": "FeatureCollection", "features": []}'), 'x.json'), 'geojson');
  assert.equal(sniffFormat(Buffer.from('{"a":1}\n{"a":2}\n')), 'ndjson');
  assert.equal(sniffFormat(Buffer.from('{"a":1}\n'), 'x.jsonl'), 'ndjson');
  assert.equal(sniffFormat(Buffer.from('a;b\n1;2\n')), 'csv');
  assert.equal(sniffFormat(Buffer.from('a\tb\n'), 'x.tsv'), 'csv');
  assert.equal(sniffFormat(Buffer.from('[1]'), 'x.csv'), 'csv');
  const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
  assert.throws(() => sniffFormat(ole), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_UNSUPPORTED_FORMAT');
  assert.throws(() => sniffFormat(Buffer.from('a,b'), 'old.xls'), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_UNSUPPORTED_FORMAT');
});

test('openTable dispatches on sniffed content, including UTF-16 JSON', async () => {
  const geo = await openTable(Buffer.from('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":null}]}'));
  assert.equal(geo.format, 'geojson');
  assert.deepEqual(await all(geo), [{ line: 1, values: ['1', ''] }]);
  const utf16 = await openTable(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('[{"tên":"Đắk Đoa"}]', 'utf16le')]), { filename: 'x.json' });
  assert.equal(utf16.encoding, 'utf-16le');
  assert.deepEqual(utf16.headers, ['tên']);
  assert.deepEqual(await all(utf16), [{ line: 1, values: ['Đắk Đoa'] }]);
  const nd = await openTable(Buffer.from('{"a":1}\n{"a":2}\n'), { filename: 'x.ndjson' });
  assert.equal(nd.format, 'ndjson');
  assert.equal((await all(nd)).length, 2);
});
