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
import { parseNumber } from './values.js';

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
    if (topIndex < 0) topIndex = 0;
  }
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
  let group = '';
  for (let c = firstCol; c <= lastCol; c++) {
    const t = top.cells[c] ?? '';
    const b = bottom === null ? '' : (bottom[c] ?? '');
    if (t !== '') group = b !== '' ? t : '';
    else if (b === '') group = '';
    const upper = t !== '' ? t : group;
    names.push(upper !== '' && b !== '' ? `${upper} - ${b}` : upper !== '' ? upper : b);
  }

  let dataStart = topIndex + (bottom === null ? 1 : 2);
  const afterHeader = candidates[dataStart];
  if (afterHeader !== undefined && isColumnNumberRow(afterHeader.cells, firstCol, lastCol)) dataStart++;
  // Map back from the non-empty candidates to positions in `rows`.
  const dataRow = candidates[dataStart];
  const dataStartInRows = dataRow === undefined ? rows.length : rows.indexOf(dataRow);
  return { headers: normaliseHeaders(names), headerLine: top.line, firstCol, lastCol, dataStart: dataStartInRows };
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
export async function* gridDataRows(rows: AsyncIterable<GridRow>, firstCol: number, width: number): AsyncGenerator<TableRow, void, undefined> {
  for await (const grid of rows) {
    const values = dataValues(grid, firstCol, width);
    if (values !== null) yield { line: grid.line, values };
  }
}

/**
 * The shared header-then-rows step of grid readers: buffers the first rows, locates the header,
 * then streams the data rows, skipping empty ones.
 */
export async function* gridEvents(
  rows: AsyncIterable<GridRow>,
  headerRow: number | undefined,
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
    yield { kind: 'header', headers: located.headers, headerLine: located.headerLine, firstCol: located.firstCol };
    const width = located.headers.length;
    for (const row of scanned.slice(located.dataStart)) {
      if (nonEmpty(row.cells) === 0) continue;
      yield { kind: 'row', line: row.line, values: alignCells(row.cells, located.firstCol, width) };
    }
    scanned.length = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      const values = dataValues(next.value, located.firstCol, width);
      if (values !== null) yield { kind: 'row', line: next.value.line, values };
    }
  } finally {
    await iterator.return?.(undefined);
  }
}
