/**
 * Workbooks in the shapes a provincial steward sends (issue 13), made with exceljs by the tests:
 * "Biểu 01" with title rows, a note, a units line, a two-row merged header, a column-number row, a
 * "Tổng cộng" row, group headings with their sub-totals, totals as formulas with cached values, a
 * hidden column, text typed in TCVN3/VNI fonts and the signature block; a wide yearbook table.
 */
import ExcelJS from 'exceljs';
import { unicodeToTcvn3, unicodeToVni } from '../../src/modules/ingest/parse/index.js';

export type Crop = [name: string, planned: number, done: number, tonnes: number];
export interface CropGroup {
  marker: string;
  name: string;
  crops: Crop[];
}

/** The data rows of the template: two groups of crops. */
export const CROPS: CropGroup[] = [
  { marker: 'I', name: 'Cây hằng năm', crops: [['Lúa', 60, 70, 500], ['Ngô', 40, 40, 200], ['Sắn', 25, 30, 600]] },
  { marker: 'II', name: 'Cây lâu năm', crops: [['Cà phê', 30, 31, 150], ['Hồ tiêu', 20, 19, 50]] },
];

export interface TemplateOptions {
  /** Add this much to the "Tổng cộng" tonnes (a deliberately wrong total). */
  wrongTotalBy?: number;
  /** Font table the crop names are typed in. */
  font?: 'unicode' | 'tcvn3' | 'vni';
  /** Put a stray text cell in the "Thực hiện" column of the first crop. */
  strayCell?: string;
  /** Sheet name. */
  sheet?: string;
  /** Also a second sheet ("Biểu 02") with a small table, and an empty third one. */
  moreSheets?: boolean;
  /** Protect the sheet with a password (the content stays readable). */
  protect?: boolean;
}

/**
 * The provincial report template. Rows: 1–2 titles, 3 a note, 4 the units line, 6–7 the merged
 * header, 8 "(1) (2) …", 9 "Tổng cộng" (SUM formulas with cached results), 10 "I", 11–13 crops,
 * then each group (heading, crops, "Cộng"), the date line and the signature block: see
 * {@link templateLayout} for the exact lines.
 */
export async function provincialTemplate(options: TemplateOptions = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(options.sheet ?? 'Biểu 01');
  const font = options.font ?? 'unicode';
  const typed = (s: string) => (font === 'tcvn3' ? unicodeToTcvn3(s) : font === 'vni' ? unicodeToVni(s) : s);
  const fontName = font === 'tcvn3' ? '.VnTime' : font === 'vni' ? 'VNI-Times' : 'Times New Roman';
  const set = (addr: string, value: ExcelJS.CellValue, legacy = false) => {
    const cell = ws.getCell(addr);
    cell.value = legacy && typeof value === 'string' ? typed(value) : value;
    if (legacy) cell.font = { name: fontName };
  };
  set('A1', 'UBND XÃ IA GRAI');
  set('D1', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
  set('A2', 'Biểu 01: DIỆN TÍCH VÀ SẢN LƯỢNG CÂY TRỒNG NĂM 2025');
  set('A3', 'Ghi chú: số liệu ước thực hiện đến 31/12/2025');
  set('A4', 'Đơn vị tính: ha, tấn');
  set('A6', 'STT');
  set('B6', 'Loại cây', true);
  set('C6', 'Diện tích');
  set('E6', 'Sản lượng');
  set('F6', 'Mã nội bộ');
  set('C7', 'Kế hoạch');
  set('D7', 'Thực hiện');
  ws.mergeCells('A6:A7');
  ws.mergeCells('B6:B7');
  ws.mergeCells('C6:D6');
  ws.mergeCells('E6:E7');
  ws.mergeCells('F6:F7');
  ['(1)', '(2)', '(3)', '(4)', '(5)', '(6)'].forEach((t, i) => set(`${'ABCDEF'[i]}8`, t));
  // A hidden helper column (F): hidden is presentation, its cells are read like any other.
  ws.getColumn(6).hidden = true;

  const totalRow = 9;
  set(`B${totalRow}`, 'Tổng cộng', true);
  let r = totalRow + 1;
  const subtotalRows: number[] = [];
  const dataRows: number[] = [];
  for (const g of CROPS) {
    set(`A${r}`, g.marker);
    set(`B${r}`, g.name, true);
    const groupRow = r;
    r++;
    const first = r;
    g.crops.forEach(([name, planned, done, tonnes]) => {
      set(`A${r}`, dataRows.length + 1);
      set(`B${r}`, name, true);
      set(`C${r}`, planned);
      set(`D${r}`, options.strayCell && dataRows.length === 0 ? options.strayCell : done);
      set(`E${r}`, tonnes);
      set(`F${r}`, `CT-${dataRows.length + 1}`);
      dataRows.push(r);
      r++;
    });
    const last = r - 1;
    set(`B${r}`, 'Cộng', true);
    for (const [k, col] of ['C', 'D', 'E'].entries()) {
      const sum = g.crops.reduce((n, c) => n + (c[k + 1] as number), 0);
      set(`${col}${r}`, { formula: `SUM(${col}${first}:${col}${last})`, result: sum });
      set(`${col}${groupRow}`, sum);
    }
    subtotalRows.push(r);
    r++;
  }
  for (const [k, col] of ['C', 'D', 'E'].entries()) {
    const sum = CROPS.flatMap((g) => g.crops).reduce((n, c) => n + (c[k + 1] as number), 0);
    set(`${col}${totalRow}`, { formula: `SUM(${subtotalRows.map((x) => `${col}${x}`).join(',')})`, result: sum + (col === 'E' ? options.wrongTotalBy ?? 0 : 0) });
  }
  r++;
  set(`D${r}`, 'Ia Grai, ngày 05 tháng 01 năm 2026');
  r++;
  set(`B${r}`, 'Người lập biểu', true);
  set(`D${r}`, 'Thủ trưởng đơn vị');
  r++;
  set(`B${r}`, '(Ký, ghi rõ họ tên)');
  set(`D${r}`, '(Ký tên, đóng dấu)');
  r += 3;
  set(`B${r}`, 'Nguyễn Văn An', true);
  set(`D${r}`, 'Trần Thị Bình');
  if (options.protect) await ws.protect('mat-khau-bieu', { selectLockedCells: true });
  if (options.moreSheets) {
    const two = wb.addWorksheet('Biểu 02');
    two.addRow(['Biểu 02: SỐ HỘ NGHÈO']);
    two.addRow([]);
    two.addRow(['STT', 'Thôn', 'Số hộ nghèo']);
    two.addRow([1, 'Thôn 1', 12]);
    two.addRow([2, 'Thôn 2', 7]);
    two.addRow(['', 'Tổng số', 19]);
    wb.addWorksheet('Trống');
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The template's lines, as {@link provincialTemplate} lays them out (titles 1–4, header 6–7, "(1)…" 8, total 9, …). */
export function templateLayout(): { total: number; groups: number[]; subtotals: number[]; data: number[]; date: number; signatures: number[]; names: number } {
  let r = 10;
  const groups: number[] = [];
  const subtotals: number[] = [];
  const data: number[] = [];
  for (const g of CROPS) {
    groups.push(r++);
    for (const _ of g.crops) data.push(r++);
    subtotals.push(r++);
  }
  r++;
  const date = r++;
  const signatures = [r, r + 1];
  return { total: 9, groups, subtotals, data, date, signatures, names: r + 4 };
}

/** A yearbook table: a wide row per commune, "Năm 2021" … "Năm 2025" under one merged header. */
export async function yearbookTable(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Niên giám');
  ws.addRow(['Dân số trung bình phân theo xã']);
  ws.addRow(['Đơn vị tính: người']);
  ws.addRow(['Xã', 'Dân số trung bình', '', '', '', '']);
  ws.addRow(['', 'Năm 2021', 'Năm 2022', 'Năm 2023', 'Năm 2024', 'Năm 2025']);
  ws.mergeCells('A3:A4');
  ws.mergeCells('B3:F3');
  ws.addRow(['Ia Grai', 10000, 10100, 10250, 10400, 10520]);
  ws.addRow(['Ia Hrung', 8000, 8050, 8100, 8180, 8300]);
  ws.addRow(['Bàu Cạn', 6000, 6010, 6030, 6060, 6100]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
