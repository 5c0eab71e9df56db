import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { repairLegacyText } from './encoding.js';
import { ParseError } from './errors.js';
import { gridEvents, type GridRow } from './grid.js';
import { peekSource, toByteChunks, toReadable, type ByteSource } from './source.js';
import { tableFromEvents, type Table } from './table.js';
import { foldVietnamese, MACHINE_NUMBER_FORMAT } from './values.js';

export interface XlsxOptions {
  /** Sheet name (exact, else compared with `foldVietnamese`). Default: the first visible sheet. */
  sheet?: string;
  /** Row number of the (first) header row, when detection should not guess. */
  headerRow?: number;
  /** Repair cells typed in TCVN3/VNI fonts with `repairLegacyText`. Default true. */
  repairLegacy?: boolean;
}

export interface SheetInfo {
  name: string;
  hidden: boolean;
}

/** The parts of exceljs' streaming readers this module uses (their typings omit them). */
interface StreamWorksheet extends AsyncIterable<StreamRow> {
  name?: string;
  /** A temp-file stream when exceljs had to park the sheet until the shared strings arrived. */
  iterator?: unknown;
}
interface StreamRow {
  number: number;
  values: unknown;
}
interface StreamWorkbook extends AsyncIterable<StreamWorksheet> {
  model?: unknown;
}

function createWorkbookReader(input: Readable): StreamWorkbook {
  const reader: unknown = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache', // needed to tell date cells from numbers
    entries: 'ignore',
  });
  return reader as StreamWorkbook;
}

function sheetsOf(workbook: StreamWorkbook): SheetInfo[] | null {
  const model = workbook.model;
  if (typeof model !== 'object' || model === null || !('sheets' in model) || !Array.isArray(model.sheets)) return null;
  const out: SheetInfo[] = [];
  for (const sheet of model.sheets as unknown[]) {
    if (typeof sheet !== 'object' || sheet === null || !('name' in sheet) || typeof sheet.name !== 'string') continue;
    const state = 'state' in sheet ? sheet.state : undefined;
    out.push({ name: sheet.name.normalize('NFC'), hidden: state === 'hidden' || state === 'veryHidden' });
  }
  return out;
}

function asXlsxError(error: unknown): ParseError {
  if (error instanceof ParseError) return error;
  return new ParseError('PARSE_INVALID_XLSX', `The XLSX file could not be read: ${(error as Error).message ?? String(error)}`, {}, { cause: error });
}

/**
 * Lists the sheets of an XLSX workbook, in workbook order. Reads the stream only up to the first
 * worksheet. Throws `ParseError` PARSE_INVALID_XLSX when the content is not a readable workbook.
 */
export async function listSheets(source: ByteSource): Promise<SheetInfo[]> {
  const input = toReadable(toByteChunks(source));
  const workbook = createWorkbookReader(input);
  try {
    for await (const worksheet of workbook) {
      skipSheet(worksheet);
      const sheets = sheetsOf(workbook);
      if (sheets !== null) return sheets;
    }
    return sheetsOf(workbook) ?? [];
  } catch (error) {
    throw asXlsxError(error);
  } finally {
    input.destroy();
  }
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Excel dates arrive as UTC instants; times within half a second of a whole second are rounded. */
function dateToText(date: Date): string {
  const ms = Math.round(date.getTime() / 1000) * 1000;
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0) return day;
  return `${day}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Excel keeps 15 significant digits; printing more would show binary noise (0.1 + 0.2). */
function numberToText(n: number): string {
  if (!Number.isFinite(n)) return '';
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(15)));
}

/**
 * One cell value of exceljs to text: numbers with '.' decimals and no grouping, dates as ISO
 * (`YYYY-MM-DD`, or with `THH:MM:SS` when there is a time), booleans as true/false, rich text and
 * hyperlinks as their text, formulas as their cached result, errors as their code (#N/A).
 */
export function cellToText(value: unknown, repair = true): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return (repair ? repairLegacyText(value) : value.normalize('NFC')).trim();
  if (typeof value === 'number') return numberToText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : dateToText(value);
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) {
      const text = (value.richText as unknown[])
        .map((run) => (typeof run === 'object' && run !== null && 'text' in run && typeof run.text === 'string' ? run.text : ''))
        .join('');
      return cellToText(text, repair);
    }
    if ('error' in value) return String(value.error);
    if ('formula' in value || 'sharedFormula' in value) return 'result' in value ? cellToText(value.result, repair) : '';
    if ('text' in value) return cellToText(value.text, repair);
  }
  return '';
}

function rowCells(row: StreamRow, repair: boolean): string[] {
  const values = row.values;
  if (!Array.isArray(values)) return [];
  const cells: string[] = [];
  // exceljs rows are 1-based sparse arrays: column A is index 1.
  for (let i = 1; i < values.length; i++) cells.push(cellToText(values[i], repair));
  return cells;
}

/**
 * Lets exceljs move past a sheet we do not read. A sheet parked in a temp file has a lazily
 * opened read stream that exceljs deletes the file under; unread, its ENOENT would be an uncaught
 * error. (A sheet still inside the zip is drained by exceljs itself.)
 */
function skipSheet(worksheet: StreamWorksheet): void {
  const parked = worksheet.iterator;
  if (parked instanceof Readable) {
    parked.on('error', () => {
      // The temp file is gone on purpose.
    });
    parked.destroy();
  }
}

function matchesSheet(name: string, wanted: string): boolean {
  return name.normalize('NFC') === wanted.normalize('NFC') || foldVietnamese(name) === foldVietnamese(wanted);
}

async function* xlsxRows(
  input: Readable,
  options: XlsxOptions,
  onSheet: (name: string) => void,
): AsyncGenerator<GridRow, void, undefined> {
  const workbook = createWorkbookReader(input);
  const repair = options.repairLegacy !== false;
  const seen: string[] = [];
  try {
    for await (const worksheet of workbook) {
      const name = (worksheet.name ?? '').normalize('NFC');
      seen.push(name);
      const sheets = sheetsOf(workbook);
      const wanted = options.sheet ?? sheets?.find((s) => !s.hidden)?.name ?? name;
      if (!matchesSheet(name, wanted)) {
        skipSheet(worksheet);
        continue;
      }
      onSheet(name);
      for await (const row of worksheet) yield { line: row.number, cells: rowCells(row, repair) };
      return;
    }
    const available = sheetsOf(workbook)?.map((s) => s.name) ?? seen;
    throw new ParseError('PARSE_SHEET_NOT_FOUND', `No sheet named "${options.sheet ?? ''}"`, { sheet: options.sheet, available });
  } catch (error) {
    throw asXlsxError(error);
  } finally {
    input.destroy();
  }
}

/**
 * Opens a sheet of an XLSX workbook with exceljs' streaming reader: finds the header beneath
 * title rows, merges a two-row header, skips the column-number row, converts cells to text with
 * `cellToText` and repairs legacy-font text.
 *
 * Throws `ParseError` PARSE_SHEET_NOT_FOUND (details.available lists the sheets),
 * PARSE_INVALID_XLSX for content that is not a workbook, PARSE_NO_HEADER for an empty sheet.
 */
export async function readXlsx(source: ByteSource, options: XlsxOptions = {}): Promise<Table> {
  const peeked = await peekSource(source, 4);
  if (peeked.head.length < 4 || peeked.head.readUInt32LE(0) !== 0x04034b50) {
    await peeked.release();
    throw new ParseError('PARSE_INVALID_XLSX', 'The file is not an XLSX workbook (no zip signature)');
  }
  let sheet: string | null = null;
  const rows = xlsxRows(toReadable(peeked.chunks), options, (name) => {
    sheet = name;
  });
  return tableFromEvents(gridEvents(rows, options.headerRow), () => ({
    format: 'xlsx',
    encoding: null,
    sheet,
    machineNumberFormat: MACHINE_NUMBER_FORMAT,
  }));
}
