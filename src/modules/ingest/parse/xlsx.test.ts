import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { listSheets, openTable, ParseError, readXlsx, unicodeToTcvn3, type Table, type TableRow } from './index.js';

async function all(table: Table): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of table.rows) rows.push(row);
  return rows;
}

/** A report shaped like the province's templates, on the second sheet of a workbook. */
async function reportWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const cover = wb.addWorksheet('Bìa');
  cover.getCell('A1').value = 'Trang bìa';
  cover.getCell('A2').value = 'không phải bảng';

  const ws = wb.addWorksheet('Dân số 2024');
  // Old template: the title was typed in a .VnTimeH font (TCVN3 codes inside a Unicode cell).
  ws.getCell('A1').value = unicodeToTcvn3('ỦY BAN NHÂN DÂN TỈNH GIA LAI');
  ws.getCell('E1').value = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
  ws.mergeCells('A3:F3');
  ws.getCell('A3').value = 'BÁO CÁO DÂN SỐ THEO XÃ';
  ws.getCell('A4').value = 'Gia Lai, ngày 15 tháng 3 năm 2024';
  ws.getRow(6).values = ['STT', 'Tên xã', 'Dân số', null, 'Ngày cập nhật', 'Có trường học'];
  ws.getRow(7).values = [null, null, 'Nam', 'Nữ', null, null];
  ws.mergeCells('A6:A7');
  ws.mergeCells('B6:B7');
  ws.mergeCells('C6:D6');
  ws.mergeCells('E6:E7');
  ws.mergeCells('F6:F7');
  ws.getRow(8).values = ['(1)', '(2)', '(3)', '(4)', '(5)', '(6)'];
  ws.getRow(9).values = [1, 'Ia Grai', 1234, 1300.5, new Date(Date.UTC(2024, 2, 15)), true];
  ws.getRow(10).values = [
    2,
    { richText: [{ text: 'Đắk ', font: { bold: true } }, { text: 'Đoa' }] },
    { formula: 'C9*2', result: 2468 },
    0.1 + 0.2,
    new Date(Date.UTC(2024, 0, 2, 8, 30, 0)),
    false,
  ];
  ws.getRow(12).values = [3, 'Vieät Nam', null, { error: '#N/A' }, null, 'Có'];
  ws.getCell('E9').numFmt = 'dd/mm/yyyy';
  ws.getCell('E10').numFmt = 'dd/mm/yyyy hh:mm';
  return Buffer.from(await wb.xlsx.writeBuffer());
}

test('reads a sheet chosen by name, beneath title rows, with a merged two-row header and the number row skipped', async () => {
  const table = await openTable(await reportWorkbook(), { filename: 'bao-cao.xlsx', sheet: 'Dân số 2024' });
  assert.equal(table.format, 'xlsx');
  assert.equal(table.sheet, 'Dân số 2024');
  assert.equal(table.encoding, 'tcvn3', 'the title typed in a TCVN3 font was repaired');
  assert.deepEqual(table.headers, ['STT', 'Tên xã', 'Dân số - Nam', 'Dân số - Nữ', 'Ngày cập nhật', 'Có trường học']);
  assert.equal(table.headerLine, 6);
  assert.deepEqual(await all(table), [
    { line: 9, values: ['1', 'Ia Grai', '1234', '1300.5', '2024-03-15', 'true'] },
    { line: 10, values: ['2', 'Đắk Đoa', '2468', '0.3', '2024-01-02T08:30:00', 'false'] },
    { line: 12, values: ['3', 'Việt Nam', '', '#N/A', '', 'Có'] },
  ]);
});

test('matches the sheet name regardless of diacritics and case', async () => {
  const table = await readXlsx(await reportWorkbook(), { sheet: 'dan so 2024' });
  assert.equal(table.sheet, 'Dân số 2024');
  assert.equal((await all(table)).length, 3);
});

test('reads the first sheet by default', async () => {
  const table = await readXlsx(await reportWorkbook());
  assert.equal(table.sheet, 'Bìa');
  assert.deepEqual(table.headers, ['Trang bìa']);
  assert.deepEqual(await all(table), [{ line: 2, values: ['không phải bảng'] }]);
});

test('repairs legacy-font text in cells, including titles above the header', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('S');
  // "Ghi chó" is TCVN3 for "Ghi chú" but also reads as valid Vietnamese: it is left alone.
  ws.getRow(1).values = ['Tªn x·', 'Ghi chó'];
  ws.getRow(2).values = ['§¾k §oa', 'Sôû Khoa hoïc vaø Coâng ngheä'];
  ws.getRow(3).values = ['Café', '© 2024'];
  const table = await readXlsx(Buffer.from(await wb.xlsx.writeBuffer()));
  assert.deepEqual(table.headers, ['Tên xã', 'Ghi chó']);
  assert.deepEqual(await all(table), [
    { line: 2, values: ['Đắk Đoa', 'Sở Khoa học và Công nghệ'] },
    { line: 3, values: ['Café', '© 2024'] },
  ]);
  assert.equal(table.encoding, 'tcvn3', 'two cells repaired from TCVN3, one from VNI');
});

test('names the legacy font table of a workbook as its encoding; null when all is Unicode', async () => {
  const book = async (rows: string[][]) => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('S');
    rows.forEach((r, i) => (ws.getRow(i + 1).values = r));
    return Buffer.from(await wb.xlsx.writeBuffer());
  };
  const unicode = await readXlsx(await book([['Tên xã', 'Ghi chú'], ['Đắk Đoa', 'Café']]));
  await all(unicode);
  assert.equal(unicode.encoding, null);
  // An ASCII header, VNI cells below it.
  const vni = await readXlsx(await book([['ma', 'ten'], ['1', 'Sôû Khoa hoïc vaø Coâng ngheä'], ['2', 'Vieät Nam']]));
  assert.deepEqual((await all(vni)).map((r) => r.values[1]), ['Sở Khoa học và Công nghệ', 'Việt Nam']);
  assert.equal(vni.encoding, 'vni');
});

test('lists the sheets of a workbook in order', async () => {
  assert.deepEqual(await listSheets(await reportWorkbook()), [
    { name: 'Bìa', hidden: false },
    { name: 'Dân số 2024', hidden: false },
  ]);
});

test('reports a missing sheet with the list of sheets', async () => {
  const table = await readXlsx(await reportWorkbook(), { sheet: 'Kinh tế' }).catch((e: unknown) => e);
  assert.ok(table instanceof ParseError);
  assert.equal(table.code, 'PARSE_SHEET_NOT_FOUND');
  assert.deepEqual(table.details['available'], ['Bìa', 'Dân số 2024']);
});

test('refuses content that is not a workbook', async () => {
  await assert.rejects(readXlsx(Buffer.from('a,b\n1,2\n')), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_INVALID_XLSX');
  const truncated = (await reportWorkbook()).subarray(0, 600);
  await assert.rejects(
    (async () => all(await readXlsx(truncated)))(),
    (e: unknown) => e instanceof ParseError && (e.code === 'PARSE_INVALID_XLSX' || e.code === 'PARSE_NO_HEADER'),
  );
});

test('streams a large sheet from a Node stream and can stop early', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Lớn');
  ws.addRow(['Mã', 'Tên']);
  for (let i = 1; i <= 5000; i++) ws.addRow([i, `Hộ ${i}`]);
  const bytes = Buffer.from(await wb.xlsx.writeBuffer());
  const table = await readXlsx(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
  let last: TableRow | undefined;
  for await (const row of table.rows) {
    last = row;
    if (row.line === 3000) break;
  }
  assert.deepEqual(last, { line: 3000, values: ['2999', 'Hộ 2999'] });
});

test('reads a workbook whose xl/workbook.xml is stored after its sheets, shared strings and relationships', async () => {
  // Zip entry order is the writer's choice; exceljs' reader crashed ("reading 'sheets'") on this one.
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Đầu').addRows([['Mã xã', 'Tên xã'], ['21553', 'Quy Nhơn Bắc']]);
  wb.addWorksheet('Biểu 02').addRows([['Mã xã', 'Dân số'], ['21583', '1.234']]);
  const zin = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer()));
  const names = Object.keys(zin.files);
  const first = ['xl/_rels/workbook.xml.rels', 'xl/sharedStrings.xml', 'xl/styles.xml'].filter((n) => names.includes(n));
  const zout = new JSZip();
  for (const n of [...first, ...names.filter((n) => n !== 'xl/workbook.xml' && !first.includes(n)), 'xl/workbook.xml']) {
    zout.file(n, await zin.files[n]!.async('nodebuffer'));
  }
  const late = await zout.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  for (const [sheet, expected] of [[undefined, ['21553', 'Quy Nhơn Bắc']], ['Biểu 02', ['21583', '1.234']]] as const) {
    const t = await openTable(late, { filename: 'bao-cao.xlsx', ...(sheet ? { sheet } : {}) });
    const rows: string[][] = [];
    for await (const r of t.rows) rows.push(r.values);
    assert.deepEqual(rows, [expected]);
  }
});
