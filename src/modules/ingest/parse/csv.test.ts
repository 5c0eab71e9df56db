import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { CsvRecordEnds, detectCsvDialect, openTable, ParseError, readCsv, readCsvBlock, sniffCsv, unicodeToTcvn3, unicodeToVni, type Table, type TableRow } from './index.js';

async function all(table: Table): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of table.rows) rows.push(row);
  return rows;
}

test('detects comma, semicolon, tab and pipe delimiters and the quote character', () => {
  assert.deepEqual(detectCsvDialect('a,b,c\n1,2,3\n'), { delimiter: ',', quote: '"' });
  assert.deepEqual(detectCsvDialect('Tên;Số\n"Ia Grai, Gia Lai";1,5\nAn Nhơn;2,5\n'), { delimiter: ';', quote: '"' });
  assert.deepEqual(detectCsvDialect('a\tb, c\n1\t2, 3\n'), { delimiter: '\t', quote: '"' });
  assert.deepEqual(detectCsvDialect('a|b|c\n1|2,5|3\n'), { delimiter: '|', quote: '"' });
  assert.deepEqual(detectCsvDialect("'a','b'\n'1','2'\n"), { delimiter: ',', quote: "'" });
});

test('reads a semicolon CSV with quoted fields, a BOM and CRLF, reporting where each row starts', async () => {
  const text = '\uFEFFMã xã;Tên xã;Ghi chú\r\n23677;Đắk Đoa;"có ""dấu"" ; chấm phẩy"\r\n\r\n24049;"Chư\r\nA Thai";\r\n21553;Quy Nhơn Bắc;x\r\n';
  const table = await readCsv(Buffer.from(text, 'utf8'));
  assert.equal(table.format, 'csv');
  assert.equal(table.encoding, 'utf-8');
  assert.deepEqual(table.headers, ['Mã xã', 'Tên xã', 'Ghi chú']);
  assert.equal(table.headerLine, 1);
  assert.deepEqual(await all(table), [
    { line: 2, values: ['23677', 'Đắk Đoa', 'có "dấu" ; chấm phẩy'] },
    // Line breaks inside cells come out as LF.
    { line: 4, values: ['24049', 'Chư\nA Thai', ''] },
    { line: 6, values: ['21553', 'Quy Nhơn Bắc', 'x'] },
  ]);
});

const REPORT = [
  'ỦY BAN NHÂN DÂN TỈNH GIA LAI,,,,CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
  'SỞ KHOA HỌC VÀ CÔNG NGHỆ,,,,Độc lập - Tự do - Hạnh phúc',
  ',,,,',
  'BÁO CÁO DÂN SỐ THEO XÃ NĂM 2024,,,,',
  'STT,Tên xã,Dân số,,Ghi chú',
  ',,Nam,Nữ,',
  '(1),(2),(3),(4),(5)',
  '1,Ia Grai,"1.234","1.300",',
  '2,Đắk Đoa,"2.345","2.400",Sáp nhập',
  ',,,,',
  '3,Kông Chro,"987","1.001",',
].join('\n');

test('finds the header beneath title rows, merges a two-row header and skips the column-number row', async () => {
  const table = await openTable(Buffer.from(REPORT), { filename: 'bao-cao.csv' });
  assert.deepEqual(table.headers, ['STT', 'Tên xã', 'Dân số - Nam', 'Dân số - Nữ', 'Ghi chú']);
  assert.equal(table.headerLine, 5);
  assert.deepEqual(await all(table), [
    { line: 8, values: ['1', 'Ia Grai', '1.234', '1.300', ''] },
    { line: 9, values: ['2', 'Đắk Đoa', '2.345', '2.400', 'Sáp nhập'] },
    { line: 11, values: ['3', 'Kông Chro', '987', '1.001', ''] },
  ]);
});

test('the same report read from TCVN3, VNI, Windows-1258 and UTF-16 bytes gives the same rows', async () => {
  const expected = await all(await openTable(Buffer.from(REPORT)));
  const sources: Record<string, Buffer> = {
    // VN3 writes the all-caps title with lower-case toned codes; it decodes back to capitals.
    tcvn3: Buffer.from(unicodeToTcvn3(REPORT), 'latin1'),
    vni: Buffer.from(unicodeToVni(REPORT), 'latin1'),
    'utf-16le': Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(REPORT, 'utf16le')]),
    'utf-16be': iconv.encode(REPORT, 'utf16be'),
  };
  for (const [encoding, bytes] of Object.entries(sources)) {
    const table = await openTable(bytes, { filename: 'bao-cao.csv' });
    assert.equal(table.encoding, encoding);
    assert.deepEqual(table.headers, ['STT', 'Tên xã', 'Dân số - Nam', 'Dân số - Nữ', 'Ghi chú'], encoding);
    assert.deepEqual(await all(table), expected, encoding);
  }
});

test('a forced header row overrides detection', async () => {
  const table = await readCsv(Buffer.from('a,b\nc,d\n1,2\n'), { headerRow: 2 });
  assert.deepEqual(table.headers, ['c', 'd']);
  assert.deepEqual(await all(table), [{ line: 3, values: ['1', '2'] }]);
});

test('empty and duplicate header names get usable names; extra cells are kept after the header width', async () => {
  const table = await readCsv(Buffer.from('Tên,,Tên,Số\nAn,1,Bình,2,thừa\nChi\n'));
  assert.deepEqual(table.headers, ['Tên', 'Cột 2', 'Tên (2)', 'Số']);
  assert.deepEqual(await all(table), [
    { line: 2, values: ['An', '1', 'Bình', '2', 'thừa'] },
    { line: 3, values: ['Chi', '', '', ''] },
  ]);
});

test('rejects an upload whose header row is missing', async () => {
  await assert.rejects(readCsv(Buffer.from('\n\n  \n')), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_NO_HEADER');
});

test('rows are single use', async () => {
  const table = await readCsv(Buffer.from('a\n1\n'));
  await all(table);
  await assert.rejects(all(table), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_ROWS_ALREADY_READ');
});

test('stopping early destroys the source stream', async () => {
  let produced = 0;
  const source = Readable.from(
    (function* () {
      yield Buffer.from('id,name\n');
      for (;;) {
        produced++;
        yield Buffer.from(`${produced},Xã số ${produced}\n`.repeat(100));
      }
    })(),
  );
  const table = await readCsv(source);
  let count = 0;
  for await (const row of table.rows) {
    count++;
    if (row.line >= 1000) break;
  }
  assert.equal(count, 999);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(source.destroyed, true);
  assert.ok(produced < 200, `stopped producing (${produced} chunks)`);
});

test('readCsvBlock reads a part of a file cut at a record end as readCsv reads the whole: title rows, offset header, quoted line breaks, U+FEFF in a cell, UTF-8 and TCVN3', async () => {
  const rows = Array.from({ length: 300 }, (_, i) =>
    i % 50 === 7 ? `;${i};"Xã Ia\r\nGrai";"có ""dấu"""` : i % 50 === 9 ? `;\uFEFF${i};\uFEFF"x"y;Đắk Đoa` : i % 50 === 11 ? ';;;' : `;${i};Chư Păh ${i};${(i * 1234.5).toFixed(1).replace('.', ',')}`,
  );
  const text = `\uFEFFỦY BAN NHÂN DÂN TỈNH GIA LAI\r\nBÁO CÁO NĂM 2024\r\n;STT;Tên xã;Số liệu\r\n${rows.join('\r\n')}\n\rlast;1;2;3`;
  for (const encoding of ['utf-8', 'tcvn3'] as const) {
    const bytes = encoding === 'utf-8' ? Buffer.from(text, 'utf8') : iconv.encode(unicodeToTcvn3(text.replace('\uFEFF', '').replace(/\uFEFF/g, ' ')), 'windows-1252');
    const whole = await readCsv(bytes);
    assert.equal(whole.encoding, encoding);
    assert.equal(whole.firstCol, 1);
    const expected = await all(whole);
    const { dialect } = sniffCsv(bytes.subarray(0, 65536));
    for (const at of [2000, 5000, bytes.length - 20]) {
      const scanner = new CsvRecordEnds(dialect);
      scanner.scan(bytes.subarray(0, at), 0, false);
      const cut = at + scanner.scan(bytes.subarray(at), 0, true);
      const head = await readCsv(bytes.subarray(0, cut));
      const got = await all(head);
      const block = readCsvBlock((async function* () { yield bytes.subarray(cut, cut + 100); yield bytes.subarray(cut + 100); })(), { encoding, dialect, firstLine: scanner.lineEnds + 1, offset: cut, firstCol: head.firstCol!, width: head.headers.length });
      for await (const row of block) got.push(row);
      assert.deepEqual(got, expected, `${encoding}, cut at byte ${cut}`);
    }
  }
});
