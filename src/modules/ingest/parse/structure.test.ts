/**
 * The corpus of report shapes (issue 13), parsed without a database: each workbook is made here
 * with exceljs and the test checks the exact data rows, the rows left out with their roles, and
 * the total checks; then the bad inputs: a clear refusal or warning, no hang, no wrong rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { openTable, ParseError, periodValue, readCsv, type Table } from './index.js';
import { mergedHeaderPaths } from './grid.js';
import { CROPS, provincialTemplate, templateLayout, yearbookTable } from '../../../../test/support/report-shapes.js';

const LAYOUT = templateLayout();

async function rowsOf(table: Table): Promise<{ line: number; values: string[] }[]> {
  const out: { line: number; values: string[] }[] = [];
  for await (const r of table.rows) out.push({ line: r.line, values: r.values });
  return out;
}
const xlsx = async (build: (ws: ExcelJS.Worksheet, wb: ExcelJS.Workbook) => void | Promise<void>) => {
  const wb = new ExcelJS.Workbook();
  await build(wb.addWorksheet('Biểu 01'), wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
};
const roles = (t: Table) => t.structure.leftOut.map((r) => [r.line, r.role]);

test('the provincial template in TCVN3 and in VNI: exactly the crop rows, every other row left out with its role, totals all right', async () => {
  for (const font of ['tcvn3', 'vni'] as const) {
    const t = await openTable(await provincialTemplate({ font }), { filename: 'bieu.xlsx' });
    const rows = await rowsOf(t);
    assert.deepEqual(rows.map((r) => r.line), LAYOUT.data, font);
    assert.deepEqual(rows.map((r) => r.values[1]), CROPS.flatMap((g) => g.crops.map((c) => c[0])), font);
    assert.equal(t.encoding, font);
    assert.deepEqual(new Set(t.structure.leftOut.map((r) => r.role)), new Set(['title', 'note', 'unit', 'column-numbers', 'total', 'group', 'subtotal', 'date', 'signature', 'footer']));
    assert.equal(t.structure.totals.length, 15);
    assert.ok(t.structure.totals.every((c) => c.ok));
  }
});

test('formulas are read as their cached values; a protected sheet is read (not cracked); a hidden column is read like any other', async () => {
  const t = await openTable(await provincialTemplate({ protect: true }), { filename: 'bieu.xlsx' });
  const rows = await rowsOf(t);
  assert.equal(rows.length, 5);
  assert.deepEqual(rows.map((r) => r.values[5]), ['CT-1', 'CT-2', 'CT-3', 'CT-4', 'CT-5'], 'the hidden column F');
  const total = t.structure.leftOut.find((r) => r.role === 'total')!;
  assert.deepEqual(total.values.slice(2, 5), ['175', '190', '1500'], 'SUM formulas give their cached results');
});

test('merged cells across the data block and hidden rows: the merged value is on its first row only, a hidden row is data', async () => {
  const t = await openTable(await xlsx((ws) => {
    ws.addRow(['STT', 'Huyện', 'Xã', 'Dân số']);
    ws.addRow([1, 'Ia Grai', 'Ia Hrung', 8000]);
    ws.addRow([2, '', 'Ia Dêr', 9000]);
    ws.addRow([3, '', 'Ia Sao', 7000]);
    ws.mergeCells('B2:B4');
    ws.getRow(3).hidden = true;
  }), { filename: 'a.xlsx' });
  assert.deepEqual((await rowsOf(t)).map((r) => r.values), [['1', 'Ia Grai', 'Ia Hrung', '8000'], ['2', '', 'Ia Dêr', '9000'], ['3', '', 'Ia Sao', '7000']]);
  assert.deepEqual(roles(t), []);
});

test('a three-level merged header is joined into one name per column and kept as a header path', async () => {
  const t = await openTable(await xlsx((ws) => {
    ws.addRow(['Biểu 03: DÂN SỐ']);
    ws.addRow([]);
    ws.addRow(['STT', 'Xã', 'Dân số', '', '', '']);
    ws.addRow(['', '', 'Nam', '', 'Nữ', '']);
    ws.addRow(['', '', 'Thành thị', 'Nông thôn', 'Thành thị', 'Nông thôn']);
    ws.mergeCells('C3:F3');
    ws.mergeCells('C4:D4');
    ws.mergeCells('E4:F4');
    ws.addRow([1, 'Ia Grai', 1, 2, 3, 4]);
  }), { filename: 'a.xlsx' });
  assert.deepEqual(t.headers, ['STT', 'Xã', 'Dân số - Nam - Thành thị', 'Dân số - Nam - Nông thôn', 'Dân số - Nữ - Thành thị', 'Dân số - Nữ - Nông thôn']);
  assert.deepEqual(t.structure.headerPaths[5], ['Dân số', 'Nữ', 'Nông thôn']);
  assert.deepEqual((await rowsOf(t)).map((r) => r.values), [['1', 'Ia Grai', '1', '2', '3', '4']]);
  assert.deepEqual(mergedHeaderPaths([['A', 'B', ''], ['', 'x', 'y']]), [['A'], ['B', 'x'], ['B', 'y']]);
});

test('periods as columns: header text is parsed into years, months, quarters and categories', () => {
  assert.deepEqual(['Năm 2021', 'Dân số - Năm 2025', 'Tháng 3', 'Tháng 12/2024', 'T1/2025', 'Quý II', 'Quý 4/2025', '3 sao'].map(periodValue),
    ['2021', '2025', '3', '2024-12', '2025-01', '2', '2025-Q4', '3 sao']);
});

test('a wide yearbook table unpivots into one row per commune and year', async () => {
  const t = await openTable(await yearbookTable(), { filename: 'nien-giam.xlsx', unpivot: { from: 'Năm 2021', to: 'Năm 2025', into: ['nam', 'gia_tri'] } });
  assert.deepEqual(t.headers, ['Xã', 'nam', 'gia_tri']);
  const rows = await rowsOf(t);
  assert.equal(rows.length, 15);
  assert.deepEqual(rows.slice(0, 5).map((r) => r.values), [['Ia Grai', '2021', '10000'], ['Ia Grai', '2022', '10100'], ['Ia Grai', '2023', '10250'], ['Ia Grai', '2024', '10400'], ['Ia Grai', '2025', '10520']]);
  await assert.rejects(openTable(await yearbookTable(), { filename: 'a.xlsx', unpivot: { from: 'Năm 2020', to: 'Năm 2025', into: ['nam', 'gia_tri'] } }),
    (e: unknown) => e instanceof ParseError && e.code === 'PARSE_UNPIVOT_COLUMNS' && JSON.stringify(e.details.missing) === '["Năm 2020"]');
});

test('bad input: a sheet of numbers only has no recognisable header and is refused (PARSE_NO_HEADER)', async () => {
  await assert.rejects(openTable(await xlsx((ws) => {
    ws.addRow([1, 2, 3]);
    ws.addRow([4, 5, 6]);
  }), { filename: 'a.xlsx' }), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_NO_HEADER');
});

test('bad input: a total row that is the only row gives no data row; the total is left out, not loaded', async () => {
  const t = await readCsv(Buffer.from('STT;Xã;Dân số\n;Tổng cộng;25.000\n'));
  assert.deepEqual(await rowsOf(t), []);
  assert.deepEqual(roles(t), [[2, 'total']]);
  assert.deepEqual(t.structure.totals, [], 'nothing to compare it with');
});

test('bad input: two tables on one sheet: the first loads, the second is left out with a warning', async () => {
  const t = await openTable(await xlsx((ws) => {
    ws.addRow(['STT', 'Thôn', 'Số hộ']);
    ws.addRow([1, 'Thôn 1', 120]);
    ws.addRow([2, 'Thôn 2', 80]);
    ws.addRow([]);
    ws.addRow(['STT', 'Trường', 'Số học sinh']);
    ws.addRow([1, 'Trường A', 300]);
  }), { filename: 'a.xlsx' });
  assert.deepEqual((await rowsOf(t)).map((r) => r.values[1]), ['Thôn 1', 'Thôn 2']);
  assert.deepEqual(roles(t), [[5, 'second-table'], [6, 'second-table']]);
  assert.match(t.structure.warnings[0]!.vi, /bảng thứ hai \(từ dòng 5\)/u);
});

test('bad input: 10,000 empty formatted rows after the data are read quickly and load nothing', async () => {
  const bytes = await xlsx((ws) => {
    ws.addRow(['STT', 'Xã', 'Dân số']);
    ws.addRow([1, 'Ia Grai', 8000]);
    for (let r = 3; r < 10_003; r++) {
      const cell = ws.getCell(`A${r}`);
      cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFFF00' } };
      cell.border = { top: { style: 'thin' } };
    }
  });
  const started = Date.now();
  const t = await openTable(bytes, { filename: 'a.xlsx' });
  assert.deepEqual((await rowsOf(t)).map((r) => r.line), [2]);
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});

test('bad input: merged cells over the whole sheet give one title and no data rows, not a version of blanks', async () => {
  const t = await openTable(await xlsx((ws) => {
    ws.getCell('A1').value = 'BÁO CÁO';
    ws.mergeCells('A1:Z300');
  }), { filename: 'a.xlsx' });
  assert.deepEqual(await rowsOf(t), []);
});

test('bad input: circular formulas are read as their cached values (or empty), never evaluated, no hang', async () => {
  const t = await openTable(await xlsx((ws) => {
    ws.addRow(['STT', 'Xã', 'Dân số']);
    ws.addRow([1, 'Ia Grai', 8000]);
    ws.getCell('C3').value = { formula: 'C4+1', result: 5 };
    ws.getCell('C4').value = { formula: 'C3+1' } as ExcelJS.CellFormulaValue;
    ws.getCell('A3').value = 2;
    ws.getCell('B3').value = 'Ia Dêr';
    ws.getCell('A4').value = 3;
    ws.getCell('B4').value = 'Ia Sao';
  }), { filename: 'a.xlsx' });
  assert.deepEqual((await rowsOf(t)).map((r) => r.values), [['1', 'Ia Grai', '8000'], ['2', 'Ia Dêr', '5'], ['3', 'Ia Sao', '']]);
});

test('bad input: a 200-level header is refused with a clear limit (PARSE_HEADER_TOO_DEEP), not loaded as 200 rows of text', async () => {
  await assert.rejects(openTable(await xlsx((ws) => {
    ws.addRow(['STT', 'Tên', 'Giá trị']);
    for (let i = 0; i < 200; i++) ws.addRow(['', `Mức ${i}`, `Cấp ${i}`]);
    ws.addRow([1, 'A', 5]);
  }), { filename: 'a.xlsx' }), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_HEADER_TOO_DEEP' && e.details.rows === 201);
});

test('bad input: a workbook encrypted with a password to open is refused as such (PARSE_ENCRYPTED), not as an old .xls', async () => {
  // The start of what Excel writes: an OLE compound file whose directory holds the streams of
  // MS-OFFCRYPTO ("EncryptionInfo", "EncryptedPackage").
  const file = Buffer.alloc(4096);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(file, 0);
  ['Root Entry', 'EncryptionInfo', 'EncryptedPackage'].forEach((name, i) => {
    const at = 1024 + i * 128;
    file.write(name, at, 'utf16le');
    file.writeUInt16LE((name.length + 1) * 2, at + 64);
  });
  for (const filename of ['bao-cao.xlsx', 'bao-cao.xls']) {
    await assert.rejects(openTable(file, { filename }), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_ENCRYPTED', filename);
  }
});

test('a table of text under a one-row header keeps its rows as data: filled rows under a filled header are not more header', async () => {
  const t = await readCsv(Buffer.from('Đơn vị,Liên hệ,Ghi chú\nHTX A,Anh Ba,Trồng lúa\nHTX B,0912 345 678,an.nguyen@example.vn\nHTX C,Chị Tư,12\n'));
  assert.deepEqual(t.headers, ['Đơn vị', 'Liên hệ', 'Ghi chú']);
  assert.deepEqual((await rowsOf(t)).map((r) => r.values[0]), ['HTX A', 'HTX B', 'HTX C']);
});
