/**
 * Header location for grid formats (CSV, XLSX) shaped like Vietnamese report templates:
 *
 *   ỦY BAN NHÂN DÂN TỈNH GIA LAI        CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM      ← title rows
 *   BÁO CÁO DÂN SỐ NĂM 2024
 *   STT | Xã     | Dân số |      | Ghi chú                                      ← header row 1
 *       |        | Nam    | Nữ   |                                              ← header row 2
 *   (1) | (2)    | (3)    | (4)  | (5)                                          ← column-number row
 *   1   | Ia Grai| 1.234  | 1.300|                                              ← data
 *
 * Streaming readers cannot see merged-cell ranges before the data (XLSX stores them after the
 * rows), so a merge is recognised by its shape: a top cell followed by empty top cells whose
 * bottom cells are filled spans those columns.
 */
import { MAX_COLUMNS, tooManyColumns } from './limits.js';
import { normaliseHeaders, type TableEvent, type TableRow } from './table.js';
import { ParseError } from './errors.js';
import { emptyStructure, GROUP_COLUMN, LOOKAHEAD_ROWS, markerLevel, StructureTracker, structureContext, type RoleOverride, type RowRole } from './structure.js';
import { foldVietnamese, parseNumber, type NumberFormat } from './values.js';

export interface GridRow {
  line: number;
  /** 0-based cells; '' when empty. */
  cells: string[];
}

/** How many leading non-empty rows are examined to find the header. */
export const HEADER_SCAN_ROWS = 30;

export interface LocatedHeader {
  headers: string[];
  headerLine: number;
  firstCol: number;
  lastCol: number;
  /** Index in the scanned rows of the first data row. */
  dataStart: number;
  /** Each column's names in the header rows, top to bottom (a merged header kept as a path). */
  paths: string[][];
  /** Lines of the header rows. */
  headerLines: number[];
  /** Line of the template's column-number row, when there is one. */
  numberRowLine: number | null;
  /** The cells of the header rows, by line. */
  rawRows: Map<number, string[]>;
}

function nonEmpty(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) if (c !== '') n++;
  return n;
}

function extent(cells: readonly string[]): [number, number] {
  let first = -1;
  let last = -1;
  cells.forEach((c, i) => {
    if (c === '') return;
    if (first < 0) first = i;
    last = i;
  });
  return [first, last];
}

function isNumeric(text: string): boolean {
  return parseNumber(text) !== null;
}

/**
 * "(1) (2) (3)", "1 2 3" or "A B 1 2": the template's column-number row. Every column must be
 * numbered, and bare numbers need at least three columns, so that a first data row such as
 * "1 | 2" is not mistaken for it.
 */
function isColumnNumberRow(cells: readonly string[], firstCol: number, lastCol: number): boolean {
  const width = lastCol - firstCol + 1;
  const present: string[] = [];
  for (let c = firstCol; c <= lastCol; c++) if ((cells[c] ?? '') !== '') present.push(cells[c]!);
  if (present.length < 2 || present.length !== width) return false;
  const bracketed = present.every((cell) => /^\(.*\)$/u.test(cell));
  if (!bracketed && width < 3) return false;
  let expected = 1;
  let sawNumber = false;
  for (const cell of present) {
    const m = /^\(?\s*(\d+|[A-Za-z])\s*\)?$/u.exec(cell);
    if (m === null) return false;
    if (/^\d+$/u.test(m[1]!)) {
      if (Number(m[1]) !== expected) return false;
      expected++;
      sawNumber = true;
    } else if (sawNumber) {
      return false;
    }
  }
  return sawNumber;
}

/**
 * Finds the header in the first rows of a grid. `headerRow` (a line/row number) forces the first
 * header row. Returns null when no row can be a header (no non-empty row at all).
 */
export function locateHeader(rows: readonly GridRow[], headerRow?: number): LocatedHeader | null {
  const candidates = rows.filter((r) => nonEmpty(r.cells) > 0);
  if (candidates.length === 0) return null;
  let topIndex: number;
  if (headerRow !== undefined) {
    topIndex = candidates.findIndex((r) => r.line === headerRow);
    if (topIndex < 0) return null;
  } else {
    const width = Math.max(...candidates.map((r) => nonEmpty(r.cells)));
    const needed = width <= 1 ? 1 : Math.max(Math.min(3, width), Math.ceil(width * 0.5));
    topIndex = candidates.findIndex((r) => {
      const n = nonEmpty(r.cells);
      return n >= needed && r.cells.filter((c) => c !== '' && isNumeric(c)).length < n;
    });
    if (topIndex < 0) {
      // No row has the shape of a header: a first row of numbers alone is data, not names.
      if (candidates[0]!.cells.every((c) => c === '' || isNumeric(c))) return null;
      topIndex = 0;
    }
  }
  // A merged top row ("Xã | Dân số trung bình" over "Năm 2021 … Năm 2025") has too few cells to be
  // chosen itself: start at it when it sits right above the chosen row with the shape of a merge.
  const above = candidates[topIndex - 1];
  if (headerRow === undefined && above !== undefined && above.line === candidates[topIndex]!.line - 1 && nonEmpty(above.cells) >= 2
    && above.cells.every((c) => c === '' || !isNumeric(c)) && isSubHeader(above.cells, candidates[topIndex]!.cells)) topIndex--;
  const top = candidates[topIndex]!;
  let [firstCol, lastCol] = extent(top.cells);
  const next = candidates[topIndex + 1];
  let bottom: readonly string[] | null = null;
  if (next !== undefined && next.line === top.line + 1 && isSubHeader(top.cells, next.cells)) {
    bottom = next.cells;
    const [f, l] = extent(next.cells);
    firstCol = Math.min(firstCol, f);
    lastCol = Math.max(lastCol, l);
  }

  const names: string[] = [];
  const paths: string[][] = [];
  let group = '';
  for (let c = firstCol; c <= lastCol; c++) {
    const t = top.cells[c] ?? '';
    const b = bottom === null ? '' : (bottom[c] ?? '');
    if (t !== '') group = b !== '' ? t : '';
    else if (b === '') group = '';
    const upper = t !== '' ? t : group;
    names.push(upper !== '' && b !== '' ? `${upper} - ${b}` : upper !== '' ? upper : b);
    paths.push([upper, b].filter((x) => x !== ''));
  }

  let dataStart = topIndex + (bottom === null ? 1 : 2);
  const afterHeader = candidates[dataStart];
  let numberRowLine: number | null = null;
  if (afterHeader !== undefined && isColumnNumberRow(afterHeader.cells, firstCol, lastCol)) {
    numberRowLine = afterHeader.line;
    dataStart++;
  }
  // Map back from the non-empty candidates to positions in `rows`.
  const dataRow = candidates[dataStart];
  const dataStartInRows = dataRow === undefined ? rows.length : rows.indexOf(dataRow);
  const headerLines = bottom === null ? [top.line] : [top.line, next!.line];
  const rawRows = new Map<number, string[]>([[top.line, top.cells], ...(bottom === null ? [] : [[next!.line, next!.cells] as [number, string[]]])]);
  return { headers: normaliseHeaders(names), headerLine: top.line, firstCol, lastCol, dataStart: dataStartInRows, paths, headerLines, numberRowLine, rawRows };
}

/** Whether `bottom` is the second row of a two-row header under `top` (see the module comment). */
function isSubHeader(top: readonly string[], bottom: readonly string[]): boolean {
  const [tf, tl] = extent(top);
  const [bf, bl] = extent(bottom);
  if (isColumnNumberRow(bottom, Math.min(tf, bf), Math.max(tl, bl))) return false;
  let spans = false;
  let underEmpty = false;
  for (let c = Math.min(tf, bf); c <= Math.max(tl, bl); c++) {
    const t = top[c] ?? '';
    const b = bottom[c] ?? '';
    if (t !== '' && b === '') underEmpty = true;
    if (t === '' && b !== '') {
      // Walk left over the merged area to its anchor: a top cell with a bottom cell of its own.
      let p = c - 1;
      while (p >= 0 && (top[p] ?? '') === '' && (bottom[p] ?? '') !== '') p--;
      if (p >= 0 && (top[p] ?? '') !== '' && (bottom[p] ?? '') !== '') spans = true;
    }
  }
  if (!spans) return false;
  const allText = bottom.every((c) => c === '' || !isNumeric(c));
  return allText || underEmpty;
}

/** Cuts a grid row to the header's columns, keeping non-empty cells beyond it. */
export function alignCells(cells: readonly string[], firstCol: number, width: number): string[] {
  const values = cells.slice(firstCol);
  let end = values.length;
  while (end > width && values[end - 1] === '') end--;
  values.length = Math.max(width, end);
  for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = '';
  return values;
}

/** The values of a grid row past the header, or null for an empty row. @throws ParseError past MAX_COLUMNS. */
function dataValues(row: GridRow, firstCol: number, width: number): string[] | null {
  if (row.cells.length > MAX_COLUMNS) throw tooManyColumns(row.cells.length, row.line);
  if (nonEmpty(row.cells) === 0) return null;
  return alignCells(row.cells, firstCol, width);
}

/**
 * The data rows of grid rows that all come after the header, shaped as {@link gridEvents} shapes
 * them: a block of a CSV file read apart from its beginning (see `readCsvBlock`).
 */
export async function* gridDataRows(rows: AsyncIterable<GridRow>, firstCol: number, width: number, tracker?: StructureTracker): AsyncGenerator<TableRow, void, undefined> {
  for await (const grid of rows) {
    let values = dataValues(grid, firstCol, width);
    if (tracker !== undefined) {
      if (values === null) tracker.blank();
      else values = tracker.row(grid.line, values);
    }
    if (values !== null) yield { line: grid.line, values };
  }
}

/** Header rows beyond the first two (merged into the names); a deeper header is refused as no recognisable header. */
export const MAX_HEADER_ROWS = 8;

/**
 * Rows right below a located header that are more header: no number in any cell, no hierarchy
 * marker, while rows further down hold numbers ("a three-level merged header"). All the header
 * rows are then read again as one merged header ({@link mergedHeaderPaths}).
 */
function headerContinuation(ahead: readonly GridRow[], located: LocatedHeader) {
  const rows = ahead.filter((r) => nonEmpty(r.cells) > 0);
  // Values no header cell holds: a number, an e-mail address, a phone or identifier (seven digits or more).
  const dataLike = (c: string) => c !== '' && (isNumeric(c) || c.includes('@') || /\d{7,}/u.test(c.replace(/[\s.\-()+]/gu, '')));
  const numbered = (r: GridRow) => r.cells.some(dataLike);
  // A merged header leaves gaps (a parent spans children, a name runs down): a filled row under a
  // filled header is a row of a text table ("Đơn vị | Liên hệ | Ghi chú" over "HTX A | … | …"), not more header.
  const gaps = (cells: readonly string[]) => {
    for (let c = located.firstCol; c <= located.lastCol; c++) if ((cells[c] ?? '') === '') return true;
    return false;
  };
  const lastHeader = Math.max(...located.headerLines);
  let above: readonly string[] = ahead.find((r) => r.line === lastHeader)?.cells ?? headerCells(located, lastHeader);
  let n = 0;
  while (n < rows.length && !numbered(rows[n]!) && markerAt(rows[n]!, located.firstCol) === null && !isColumnNumberRow(rows[n]!.cells, located.firstCol, located.lastCol)
    && (gaps(rows[n]!.cells) || gaps(above))) {
    above = rows[n]!.cells;
    n++;
  }
  const none = { rows: 0, paths: located.paths, lines: [] as number[], numberRowLine: null as number | null, numberRowCells: [] as string[] };
  // Only a run of text rows that numbers follow (a table of text is not a header), and that starts right below the header.
  if (n === 0 || n >= rows.length || rows[0]!.line !== Math.max(...located.headerLines) + 1) return none;
  const lastCol = Math.max(located.lastCol, ...rows.slice(0, n).map((r) => extent(r.cells)[1]));
  const grid = [...located.headerLines.map((line) => ahead.find((r) => r.line === line)?.cells ?? headerCells(located, line)), ...rows.slice(0, n).map((r) => r.cells)]
    .map((cells) => Array.from({ length: lastCol - located.firstCol + 1 }, (_, c) => cells[located.firstCol + c] ?? ''));
  const paths = mergedHeaderPaths(grid);
  const after = rows[n];
  const numberRow = after !== undefined && isColumnNumberRow(after.cells, located.firstCol, located.lastCol) ? after : null;
  return { rows: n, paths, lines: rows.slice(0, n).map((r) => r.line), numberRowLine: numberRow?.line ?? null, numberRowCells: numberRow?.cells ?? [] };
}

function markerAt(row: GridRow, firstCol: number): number | null {
  return markerLevel(row.cells[firstCol] ?? '');
}

/** The cells of a header row of `located` (kept by gridEvents for a deeper header). */
function headerCells(located: LocatedHeader, line: number): string[] {
  return located.rawRows.get(line) ?? [];
}

/**
 * Each column's names down header rows of merged cells: an empty cell takes the value of its left
 * neighbour when it lies under the same parent and a row below it is filled (the shape a merged
 * cell leaves in a stream). Equal names that follow each other are kept once.
 */
export function mergedHeaderPaths(rows: readonly (readonly string[])[]): string[][] {
  const width = Math.max(0, ...rows.map((r) => r.length));
  const filled: string[][] = rows.map((r) => Array.from({ length: width }, (_, c) => r[c] ?? ''));
  for (let r = 0; r < rows.length; r++) {
    for (let c = 1; c < width; c++) {
      if (filled[r]![c] !== '') continue;
      const below = rows.slice(r + 1).some((row) => (row[c] ?? '') !== '');
      const sameParent = r === 0 || filled[r - 1]![c] === filled[r - 1]![c - 1];
      if (below && sameParent && filled[r]![c - 1] !== '') filled[r]![c] = filled[r]![c - 1]!;
    }
  }
  return Array.from({ length: width }, (_, c) => {
    const path: string[] = [];
    for (const row of filled) if (row[c] !== '' && path.at(-1) !== row[c]) path.push(row[c]!);
    return path;
  });
}

/** How {@link gridEvents} reads the data block. */
export interface GridOptions {
  /** The format of numbers the file itself wrote (XLSX), null for text typed by people (CSV). */
  machineFormat: NumberFormat | null;
  /** The steward's decisions about rows, by label. */
  overrides?: readonly RoleOverride[];
}

/** The role of a row above the header (titles, the units line, notes, a date). */
function aboveHeaderRole(cells: readonly string[]): { role: RowRole; reason: { vi: string; en: string } } {
  const text = foldVietnamese(cells.filter((c) => c !== '').join(' '));
  if (/^(don vi tinh|don vi:|dvt\b)/u.test(text) || /\(?don vi tinh/u.test(text)) return { role: 'unit', reason: { vi: 'Dòng đơn vị tính (trên dòng tiêu đề cột)', en: 'Units line (above the header)' } };
  if (/^(ghi chu|chu thich|\(\*\))/u.test(text)) return { role: 'note', reason: { vi: 'Ghi chú (trên dòng tiêu đề cột)', en: 'Note (above the header)' } };
  if (/ngay .{0,16}thang .{0,16}nam/u.test(text)) return { role: 'date', reason: { vi: 'Dòng ngày tháng (trên dòng tiêu đề cột)', en: 'Date line (above the header)' } };
  return { role: 'title', reason: { vi: 'Dòng tiêu đề của biểu (trên dòng tiêu đề cột)', en: 'Title row of the report (above the header)' } };
}

/**
 * The shared header-then-rows step of grid readers: buffers the first rows, locates the header,
 * reads the first rows of the data block to learn its shape (see structure.ts), then streams the
 * data rows, skipping empty ones and leaving out titles, totals, group headings and footers, which
 * the header event's `structure` records as they pass.
 */
export async function* gridEvents(
  rows: AsyncIterable<GridRow>,
  headerRow: number | undefined,
  options: GridOptions = { machineFormat: null },
): AsyncGenerator<TableEvent, void, undefined> {
  const scanned: GridRow[] = [];
  const iterator = rows[Symbol.asyncIterator]();
  try {
    let nonEmptyRows = 0;
    while (nonEmptyRows < HEADER_SCAN_ROWS) {
      const next = await iterator.next();
      if (next.done === true) break;
      if (next.value.cells.length > MAX_COLUMNS) throw tooManyColumns(next.value.cells.length, next.value.line);
      // With a forced header row, rows above it are titles: no need to keep them.
      if (headerRow !== undefined && next.value.line < headerRow) continue;
      scanned.push(next.value);
      if (nonEmpty(next.value.cells) > 0) nonEmptyRows++;
    }
    const located = locateHeader(scanned, headerRow);
    if (located === null) return;
    const structure = emptyStructure();
    structure.headerPaths = located.paths;
    const above: { line: number; cells: string[] }[] = [];
    const headerLines = new Set(located.headerLines);
    for (let i = 0; i < located.dataStart && i < scanned.length; i++) {
      const row = scanned[i]!;
      if (nonEmpty(row.cells) === 0 || headerLines.has(row.line)) continue;
      above.push({ line: row.line, cells: row.cells });
    }

    // The first rows of the data block, to learn its shape before any row is handed on.
    const ahead: GridRow[] = scanned.slice(located.dataStart);
    scanned.length = 0;
    let aheadData = ahead.filter((r) => nonEmpty(r.cells) > 0).length;
    let done = false;
    while (aheadData < LOOKAHEAD_ROWS) {
      const next = await iterator.next();
      if (next.done === true) {
        done = true;
        break;
      }
      if (next.value.cells.length > MAX_COLUMNS) throw tooManyColumns(next.value.cells.length, next.value.line);
      ahead.push(next.value);
      if (nonEmpty(next.value.cells) > 0) aheadData++;
    }
    const deeper = headerContinuation(ahead, located);
    if (deeper.rows > MAX_HEADER_ROWS) {
      throw new ParseError('PARSE_HEADER_TOO_DEEP', `The header seems to go on for ${deeper.rows + located.headerLines.length} rows (at most ${MAX_HEADER_ROWS + 2} are read)`, {
        line: located.headerLine, rows: deeper.rows + located.headerLines.length, max: MAX_HEADER_ROWS + 2,
      });
    }
    if (deeper.rows > 0) {
      located.headers = normaliseHeaders(deeper.paths.map((p) => p.join(' - ')));
      located.lastCol = located.firstCol + deeper.paths.length - 1;
      located.paths = deeper.paths;
      structure.headerPaths = deeper.paths;
      located.headerLines.push(...deeper.lines);
      if (deeper.numberRowLine !== null) located.numberRowLine = deeper.numberRowLine;
      for (const line of [...deeper.lines, deeper.numberRowLine]) {
        const i = ahead.findIndex((r) => r.line === line);
        if (i >= 0) ahead.splice(i, 1);
      }
      const numberRow = deeper.numberRowLine === null ? undefined : deeper.numberRowCells;
      if (numberRow !== undefined) above.push({ line: deeper.numberRowLine!, cells: numberRow });
    }
    const width = located.headers.length;
    const sample = ahead.filter((r) => nonEmpty(r.cells) > 0).map((r) => alignCells(r.cells, located.firstCol, width));
    const context = structureContext(located.headers, sample, options.machineFormat, options.overrides);
    const tracker = new StructureTracker(context, structure);
    above.sort((a, b) => a.line - b.line);
    for (const row of above) {
      if (row.cells.length === 0) continue;
      const { role, reason } = row.line === located.numberRowLine ? { role: 'column-numbers' as const, reason: { vi: 'Dòng đánh số cột “(1) (2) (3)…”', en: 'Column-number row "(1) (2) (3)…"' } } : aboveHeaderRole(row.cells);
      // Titles may lie left of the header's first column: keep their cells as they are.
      tracker.leaveOut(row.line, role, reason, row.cells.slice(0, Math.max(located.firstCol + width, extent(row.cells)[1] + 1)));
    }
    const headers = context.groups ? normaliseHeaders([...located.headers, GROUP_COLUMN]) : located.headers;
    yield { kind: 'header', headers, headerLine: located.headerLine, firstCol: located.firstCol, structure, context };
    const emit = (row: GridRow): string[] | null => {
      if (nonEmpty(row.cells) === 0) {
        tracker.blank();
        return null;
      }
      return tracker.row(row.line, alignCells(row.cells, located.firstCol, width));
    };
    for (const row of ahead) {
      const values = emit(row);
      if (values !== null) yield { kind: 'row', line: row.line, values };
    }
    ahead.length = 0;
    if (!done) {
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
        if (next.value.cells.length > MAX_COLUMNS) throw tooManyColumns(next.value.cells.length, next.value.line);
        const values = emit(next.value);
        if (values !== null) yield { kind: 'row', line: next.value.line, values };
      }
    }
    tracker.end();
  } finally {
    await iterator.return?.(undefined);
  }
}
