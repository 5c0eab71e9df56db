/**
 * What the rows around and inside the data block of a report template are. A provincial report
 * ("Biểu 01") is not a table: above the header there are titles, a units line and notes; inside the
 * data block there are total and sub-total rows ("Tổng cộng", "Cộng", "Toàn tỉnh"), "Trong đó" rows
 * and group headings ("I.", "A.", "1." above "1.1" or "-"); below it a signature block ("Người lập
 * biểu", "(Ký, ghi rõ họ tên)", "Ngày … tháng … năm …") and notes. Loaded as data, a total counts
 * twice in every sum and a signature turns a number column into text.
 *
 * {@link RowClassifier} gives each row after the header a role and a reason; only `data` rows reach
 * a version. Totals are not loaded but checked against the sum of the rows they cover
 * ({@link TotalChecker}); group headings become a column so that the hierarchy is kept. A steward
 * overrides a decision by the row's label ({@link rowLabelKey}), which carries over to the next file
 * of the same template. Pure functions and small state objects: no I/O.
 */
import { foldVietnamese, parseNumber, inferNumberFormat, type NumberFormat } from './values.js';

/** What a row of a report is. Only `data` rows are loaded. */
export type RowRole =
  | 'data'
  | 'title'
  | 'unit'
  | 'note'
  | 'column-numbers'
  | 'total'
  | 'subtotal'
  | 'of-which'
  | 'group'
  | 'signature'
  | 'date'
  | 'footer'
  | 'second-table'
  | 'excluded';

export const ROW_ROLES: readonly RowRole[] = [
  'data', 'title', 'unit', 'note', 'column-numbers', 'total', 'subtotal', 'of-which', 'group', 'signature', 'date', 'footer', 'second-table', 'excluded',
];

export interface Reason {
  vi: string;
  en: string;
}

/** A row kept out of the version, with why. */
export interface LeftOutRow {
  line: number;
  role: RowRole;
  reason: Reason;
  /** The row's cells (cut to the header's columns and a little beyond). */
  values: string[];
  /** What an override names the row by: see {@link rowLabelKey}. */
  label: string;
}

/** A total, sub-total or group heading compared with the sum of the data rows it covers, in one column. */
export interface TotalCheck {
  line: number;
  role: 'total' | 'subtotal' | 'group';
  label: string;
  column: string;
  stated: number;
  computed: number;
  /** Data rows summed. */
  rows: number;
  ok: boolean;
}

/** A steward's decision about rows with this label: load them (`data`) or keep them out (`excluded`). */
export interface RoleOverride {
  label: string;
  role: 'data' | 'excluded';
}

/** What structure recognition found in a table, filled in as its rows are read. */
export interface TableStructure {
  /** The first {@link MAX_LEFT_OUT} rows left out, in file order. */
  leftOut: LeftOutRow[];
  /** Every row left out. */
  leftOutCount: number;
  totals: TotalCheck[];
  /** Totals in parts of the file that could not be checked (a file read in blocks by two workers). */
  totalsUnchecked: number;
  /** The header of the column added for group headings ("Nhóm"), null when the table has none. */
  groupColumn: string | null;
  /** The header rows' names per column, top to bottom (a merged header kept as a path). */
  headerPaths: string[][];
  /** Problems of the table as a whole (two tables on one sheet…). */
  warnings: Reason[];
}

export const MAX_LEFT_OUT = 1000;
/** Rows after the header read before the data block's shape (groups, number columns) is decided. */
export const LOOKAHEAD_ROWS = 500;
export const GROUP_COLUMN = 'Nhóm';

export function emptyStructure(): TableStructure {
  return { leftOut: [], leftOutCount: 0, totals: [], totalsUnchecked: 0, groupColumn: null, headerPaths: [], warnings: [] };
}

/**
 * The key an override names a row by: the folded text of its non-numeric cells, joined — "Tổng
 * cộng", "Người lập biểu | Thủ trưởng đơn vị". The same in the next file of the same template.
 */
export function rowLabelKey(values: readonly string[]): string {
  const parts: string[] = [];
  for (const v of values) {
    if (v === '' || parseNumber(v) !== null) continue;
    parts.push(foldVietnamese(v));
  }
  return parts.join(' | ').slice(0, 200);
}

const SIGNATURE = /(nguoi lap bieu|nguoi lap|thu truong don vi|thu truong|ke toan truong|ky,? ghi ro ho ten|ky ten,? dong dau|ky,? dong dau|ky ten|noi nhan|giam doc|chu tich ubnd|t\/m uy ban|tm\. uy ban|kt\. chu tich|xac nhan cua)/u;
const DATE_LINE = /ngay .{0,16}thang .{0,16}nam/u;
const NOTE = /^(ghi chu|chu thich|nguon:|nguon so lieu|\(\*\)|\*)/u;
const UNIT = /^(don vi tinh|don vi:|dvt\b|đvt)/u;
const GRAND_TOTAL = /^(tong cong|tong so|tong|toan tinh|toan huyen|toan thi xa|toan thanh pho|toan xa|ca nuoc|toan quoc)\b/u;
const SUBTOTAL = /^(cong(?! hoa)\b|cong:)/u;
const OF_WHICH = /^(trong do|chia ra|trong so)\b/u;

/** Header of a column whose figures do not add up (ratios, averages, codes, numbering). */
const NOT_ADDITIVE = /(ty le|%|binh quan|trung binh|toc do|chi so|don gia|gia ban|stt|so thu tu|^tt$|^ma\b|nam sinh|xep hang)/u;

/** Level of a hierarchy marker: lower is higher in the tree; null when the cell is no marker. */
export function markerLevel(cell: string): number | null {
  const s = cell.trim();
  if (s === '') return null;
  if (/^[IVXLC]+\.?$/u.test(s)) return 1;
  if (/^[A-HJ-UW-Z]\.?$/u.test(s)) return 0; // A., B. (not I, V, X: Roman numerals)
  if (/^\d{1,4}\.?$/u.test(s)) return 2; // a running number; five digits and more are codes
  if (/^\d+\.\d+\.?$/u.test(s)) return 3;
  if (/^\d+\.\d+\.\d+\.?$/u.test(s)) return 4;
  if (/^[a-zđ]\)$/u.test(s) || /^[a-zđ]\.$/u.test(s)) return 5;
  if (/^[-–+*•]$/u.test(s)) return 6;
  return null;
}

/** What the header and the first rows of the data block tell about it, as plain data (posted to workers). */
export interface StructureContext {
  /** Number of header columns (before any group column). */
  width: number;
  headers: string[];
  /** Column of hierarchy markers (STT), or -1. */
  markerCol: number;
  /** The deepest marker level of the data block: rows marked above it are group headings. */
  leafLevel: number | null;
  /** Columns that hold numbers, with their number format; those that add up are checked against totals. */
  numberColumns: [index: number, format: NumberFormat, additive: boolean][];
  /** Whether a group column is added. */
  groups: boolean;
  overrides: RoleOverride[];
}

function isNumber(cell: string, format?: NumberFormat): boolean {
  return cell !== '' && parseNumber(cell, format) !== null;
}

/**
 * Reads the shape of the data block from its first rows: the STT column, the levels of its markers,
 * which columns hold numbers. `machineFormat`: the format of numbers written by the file (XLSX).
 */
export function structureContext(headers: readonly string[], rows: readonly string[][], machineFormat: NumberFormat | null, overrides: readonly RoleOverride[] = []): StructureContext {
  const width = headers.length;
  const folded = headers.map(foldVietnamese);
  let markerCol = folded.findIndex((h) => /^(stt|tt|so tt|so thu tu)$/u.test(h));
  const markers = (col: number) => rows.map((r) => r[col] ?? '').filter((v) => v !== '');
  if (markerCol < 0 && width > 1) {
    const first = markers(0);
    if (first.length > 0 && first.filter((v) => markerLevel(v) !== null).length >= first.length * 0.8) markerCol = 0;
  }
  let leafLevel: number | null = null;
  if (markerCol >= 0) {
    for (const v of markers(markerCol)) {
      const level = markerLevel(v);
      if (level !== null && (leafLevel === null || level > leafLevel)) leafLevel = level;
    }
  }
  const numberColumns: StructureContext['numberColumns'] = [];
  for (let c = 0; c < width; c++) {
    if (c === markerCol) continue;
    const present = rows.map((r) => r[c] ?? '').filter((v) => v !== '');
    if (present.length === 0) continue;
    const format = machineFormat ?? inferNumberFormat(present);
    const numeric = present.filter((v) => isNumber(v, format)).length;
    if (numeric >= Math.max(1, present.length * 0.6)) numberColumns.push([c, { decimal: format.decimal, thousands: format.thousands }, !NOT_ADDITIVE.test(folded[c]!)]);
  }
  const ctx: StructureContext = { width, headers: [...headers], markerCol, leafLevel, numberColumns, groups: false, overrides: [...overrides] };
  // A group column only when the first rows hold group headings.
  const probe = new RowClassifier(ctx);
  ctx.groups = rows.some((r) => probe.classify(r).role === 'group');
  return ctx;
}

const reason = (vi: string, en: string): Reason => ({ vi, en });

/**
 * Gives each row after the header its role. Stateful as a reader goes down the sheet: after a
 * signature block or a date line, everything below is footer; after an empty gap, a second header
 * starts a second table that is not loaded.
 */
export class RowClassifier {
  private readonly overrides: Map<string, RoleOverride['role']>;
  private footer = false;
  private secondTable = false;
  private sawData = false;
  private gap = false;

  constructor(private readonly ctx: StructureContext) {
    this.overrides = new Map(ctx.overrides.map((o) => [o.label, o.role]));
  }

  /** An empty row went past (a gap between blocks). */
  blank(): void {
    if (this.sawData) this.gap = true;
  }

  /** The role of a non-empty row (cells aligned to the header) and why. */
  classify(values: readonly string[]): { role: RowRole; reason: Reason; label: string } {
    const label = rowLabelKey(values);
    const forced = this.overrides.get(label);
    if (forced === 'data') return this.data(label);
    if (forced === 'excluded') return { role: 'excluded', reason: reason('Cán bộ dữ liệu đã chọn bỏ dòng này', 'The steward chose to leave this row out'), label };
    const out = this.recognise(values, label);
    if (out.role === 'data') return this.data(label);
    this.gap = false;
    return { ...out, label };
  }

  private data(label: string): { role: RowRole; reason: Reason; label: string } {
    this.sawData = true;
    this.gap = false;
    return { role: 'data', reason: reason('Dòng dữ liệu', 'Data row'), label };
  }

  private recognise(values: readonly string[], label: string): { role: RowRole; reason: Reason } {
    const { ctx } = this;
    if (this.secondTable) return { role: 'second-table', reason: reason('Thuộc bảng thứ hai trên cùng trang tính (chỉ nạp bảng đầu tiên)', 'Part of a second table on the same sheet (only the first is loaded)') };
    const numbers = ctx.numberColumns.filter(([c, f]) => isNumber(values[c] ?? '', f)).length;
    const text = values.filter((v) => v !== '' && parseNumber(v) === null);
    // The first words of the row that are not a hierarchy marker: "I | Tổng cộng" and "I. Tổng cộng" read "tong cong".
    const words = text.filter((t) => markerLevel(t) === null);
    const head = foldVietnamese(words[0] ?? '').replace(/^([ivxlc]+|[a-z]|\d+(\.\d+)*)[.)]\s+/u, '');
    if (numbers === 0 && SIGNATURE.test(label)) {
      this.footer = true;
      return { role: 'signature', reason: reason(`Khối chữ ký (“${text.join(' ').slice(0, 60)}”)`, 'Signature block') };
    }
    if (numbers === 0 && DATE_LINE.test(label)) {
      if (this.sawData) this.footer = true;
      return { role: 'date', reason: reason('Dòng ngày tháng (“Ngày … tháng … năm …”)', 'Date line ("Ngày … tháng … năm …")') };
    }
    if (numbers === 0 && NOTE.test(head)) {
      if (this.sawData) this.footer = true;
      return { role: 'note', reason: reason('Ghi chú', 'Note') };
    }
    if (this.footer) return { role: 'footer', reason: reason('Nằm dưới khối chữ ký/ghi chú cuối biểu', 'Below the signature block or closing notes') };
    if (numbers === 0 && UNIT.test(head)) return { role: 'unit', reason: reason('Dòng đơn vị tính', 'Units line') };
    if (GRAND_TOTAL.test(head)) return { role: 'total', reason: reason(`Dòng tổng (“${words[0] ?? ''}”): được đối chiếu với tổng các dòng, không nạp`, `Total row ("${words[0] ?? ''}"): checked against the sum of the rows, not loaded`) };
    if (SUBTOTAL.test(head)) return { role: 'subtotal', reason: reason(`Dòng cộng nhóm (“${words[0] ?? ''}”): được đối chiếu, không nạp`, `Sub-total row ("${words[0] ?? ''}"): checked, not loaded`) };
    if (OF_WHICH.test(head)) return { role: 'of-which', reason: reason('Dòng “Trong đó” (chi tiết của dòng trên, sẽ tính hai lần)', '"Of which" row (a part of the row above; would count twice)') };
    if (ctx.markerCol >= 0 && ctx.leafLevel !== null) {
      const level = markerLevel(values[ctx.markerCol] ?? '');
      if (level !== null && level < ctx.leafLevel && text.length > 0) {
        return { role: 'group', reason: reason(`Tiêu đề nhóm “${values[ctx.markerCol]}”: thành giá trị của cột “${GROUP_COLUMN}” cho các dòng bên dưới`, `Group heading "${values[ctx.markerCol]}": becomes the "${GROUP_COLUMN}" value of the rows below`) };
      }
    }
    const filled = values.filter((v) => v !== '').length;
    if (filled === 1 && numbers === 0 && text.length === 1 && ctx.width >= 3 && (text[0]!.length >= 30 || text[0]!.endsWith(':'))) {
      return { role: 'note', reason: reason('Dòng chỉ có một ô chữ dài (tiêu đề hoặc ghi chú, không phải dữ liệu)', 'A row with a single long text cell (a title or a note, not data)') };
    }
    // A header is words only: not one cell of it reads as a number.
    if (this.gap && this.sawData && numbers === 0 && ctx.numberColumns.length > 0 && filled >= 2 && text.length === filled) {
      const textInNumbers = ctx.numberColumns.filter(([c]) => (values[c] ?? '') !== '').length;
      if (textInNumbers >= Math.ceil(ctx.numberColumns.length / 2)) {
        this.secondTable = true;
        return { role: 'second-table', reason: reason('Tiêu đề của bảng thứ hai trên cùng trang tính: tách bảng này ra trang tính riêng', 'Header of a second table on the same sheet: move that table to a sheet of its own') };
      }
    }
    return { role: 'data', reason: reason('Dòng dữ liệu', 'Data row') };
  }
}

/**
 * Compares totals, sub-totals and group headings with the sum of the data rows they cover, in every
 * column whose figures add up. A total before the data (the usual "Tổng số" first row) is compared
 * when the table ends; a group heading carrying figures when its group closes. Tolerance: half a
 * unit of the total's last decimal (it was rounded to what it shows).
 */
export class TotalChecker {
  private readonly columns: [number, NumberFormat][];
  private readonly all: number[];
  private allRows = 0;
  private sinceBreak: number[];
  private sinceRows = 0;
  /** Open group headings, outermost first, with the sums of their rows. */
  private readonly groups: { level: number; line: number; label: string; values: string[]; sums: number[]; rows: number }[] = [];
  private readonly pendingTotals: { line: number; label: string; values: string[] }[] = [];

  constructor(
    private readonly ctx: StructureContext,
    private readonly out: TotalCheck[],
  ) {
    this.columns = ctx.numberColumns.filter(([, , additive]) => additive).map(([c, f]) => [c, f]);
    this.all = this.columns.map(() => 0);
    this.sinceBreak = this.columns.map(() => 0);
  }

  data(values: readonly string[]): void {
    this.allRows++;
    this.sinceRows++;
    for (const g of this.groups) g.rows++;
    this.columns.forEach(([c, f], k) => {
      const n = parseNumber(values[c] ?? '', f);
      if (n === null) return;
      this.all[k]! += n;
      this.sinceBreak[k]! += n;
      for (const g of this.groups) g.sums[k]! += n;
    });
  }

  total(line: number, label: string, values: readonly string[]): void {
    this.closeGroups(-Infinity);
    if (this.allRows === 0) this.pendingTotals.push({ line, label, values: [...values] });
    else this.compare(line, 'total', label, values, this.all, this.allRows);
    this.resetBreak();
  }

  subtotal(line: number, label: string, values: readonly string[]): void {
    if (this.sinceRows > 0) this.compare(line, 'subtotal', label, values, this.sinceBreak, this.sinceRows);
    this.resetBreak();
  }

  /** A group heading: closes the groups at its level or deeper; its figures, if any, are checked when it closes. */
  group(level: number, line: number, label: string, values: readonly string[]): void {
    this.closeGroups(level);
    this.groups.push({ level, line, label, values: [...values], sums: this.columns.map(() => 0), rows: 0 });
    this.resetBreak();
  }

  /** The table has ended: pending checks are made. */
  end(): void {
    this.closeGroups(-Infinity);
    for (const t of this.pendingTotals) if (this.allRows > 0) this.compare(t.line, 'total', t.label, t.values, this.all, this.allRows);
    this.pendingTotals.length = 0;
  }

  private resetBreak(): void {
    this.sinceBreak = this.columns.map(() => 0);
    this.sinceRows = 0;
  }

  private closeGroups(level: number): void {
    while (this.groups.length && this.groups.at(-1)!.level >= level) {
      const g = this.groups.pop()!;
      if (g.rows > 0) this.compare(g.line, 'group', g.label, g.values, g.sums, g.rows);
    }
  }

  private compare(line: number, role: TotalCheck['role'], label: string, values: readonly string[], sums: readonly number[], rows: number): void {
    this.columns.forEach(([c, f], k) => {
      const cell = values[c] ?? '';
      const stated = parseNumber(cell, f);
      if (stated === null) return;
      const computed = Number(sums[k]!.toPrecision(15));
      const decimals = decimalsOf(cell, f);
      const tolerance = Math.max(0.5 * 10 ** -decimals, 1e-9 * Math.abs(computed));
      this.out.push({ line, role, label, column: this.ctx.headers[c] ?? `Cột ${c + 1}`, stated, computed, rows, ok: Math.abs(stated - computed) <= tolerance });
    });
  }
}

/** Decimals a number cell shows ("12,5" → 1 in a Vietnamese column; a percentage counts two more). */
function decimalsOf(cell: string, f: NumberFormat): number {
  const i = cell.lastIndexOf(f.decimal);
  const digits = i < 0 ? 0 : cell.slice(i + 1).replace(/[^0-9]/gu, '').length;
  return cell.trim().endsWith('%') ? digits + 2 : digits;
}

/**
 * Structure recognition of one table as its rows stream: classifies each row, records the rows left
 * out (bounded), checks totals, and gives each data row the group it sits in (appended as the
 * {@link GROUP_COLUMN} value when the table has group headings).
 */
export class StructureTracker {
  private readonly classifier: RowClassifier;
  private readonly checker: TotalChecker | null;
  /** Open group headings, outermost first. */
  private readonly path: { level: number; label: string }[] = [];
  private warnedSecond = false;
  private lastLine: number | null = null;

  constructor(
    readonly ctx: StructureContext,
    readonly structure: TableStructure,
    /** Whether totals can be checked here (not in a block of a file read in parts). */
    checkTotals = true,
  ) {
    this.classifier = new RowClassifier(ctx);
    this.checker = checkTotals ? new TotalChecker(ctx, structure.totals) : null;
    if (ctx.groups) structure.groupColumn = GROUP_COLUMN;
  }

  /** Records a row kept out of the data (also rows above the header: titles, units, notes). */
  leaveOut(line: number, role: RowRole, why: Reason, values: readonly string[]): void {
    const s = this.structure;
    s.leftOutCount++;
    if (s.leftOut.length < MAX_LEFT_OUT) s.leftOut.push({ line, role, reason: why, values: values.slice(0, this.ctx.width + 4), label: rowLabelKey(values) });
  }

  blank(): void {
    this.classifier.blank();
  }

  /** The values to load for a non-empty row aligned to the header, or null when it is left out. */
  row(line: number, values: string[]): string[] | null {
    // Empty rows are not always in the file (a workbook stores none): a skipped line is a gap too.
    if (this.lastLine !== null && line > this.lastLine + 1) this.classifier.blank();
    this.lastLine = line;
    const { role, reason: why } = this.classifier.classify(values);
    if (role === 'data') {
      this.checker?.data(values);
      if (this.ctx.groups) values.splice(this.ctx.width, 0, this.path.map((g) => g.label).join(' / '));
      return values;
    }
    this.leaveOut(line, role, why, values);
    if (role === 'second-table' && !this.warnedSecond) {
      this.warnedSecond = true;
      this.structure.warnings.push(reason(
        `Trang tính có bảng thứ hai (từ dòng ${line}): chỉ bảng đầu tiên được nạp; hãy tách bảng thứ hai ra trang tính riêng`,
        `The sheet holds a second table (from line ${line}): only the first is loaded; move the second one to a sheet of its own`,
      ));
    }
    const label = values.filter((v) => v !== '' && parseNumber(v) === null && markerLevel(v) === null)[0] ?? '';
    if (role === 'group') {
      const level = markerLevel(values[this.ctx.markerCol] ?? '') ?? 0;
      while (this.path.length && this.path.at(-1)!.level >= level) this.path.pop();
      this.path.push({ level, label });
      this.checker?.group(level, line, label, values);
    } else if (role === 'total') {
      this.checker?.total(line, label, values);
      if (!this.checker) this.structure.totalsUnchecked++;
    } else if (role === 'subtotal') {
      this.checker?.subtotal(line, label, values);
      if (!this.checker) this.structure.totalsUnchecked++;
    }
    return null;
  }

  end(): void {
    this.checker?.end();
  }
}

/** One structure for a file whose parts were read apart (each part's rows left out, in line order). */
export function mergeStructures(parts: readonly TableStructure[]): TableStructure {
  const out = emptyStructure();
  for (const p of parts) {
    out.leftOut.push(...p.leftOut);
    out.leftOutCount += p.leftOutCount;
    out.totals.push(...p.totals);
    out.totalsUnchecked += p.totalsUnchecked;
    out.groupColumn ??= p.groupColumn;
    if (out.headerPaths.length === 0) out.headerPaths = p.headerPaths;
    out.warnings.push(...p.warnings);
  }
  out.leftOut.sort((a, b) => a.line - b.line);
  if (out.leftOut.length > MAX_LEFT_OUT) out.leftOut.length = MAX_LEFT_OUT;
  out.totals.sort((a, b) => a.line - b.line);
  return out;
}
