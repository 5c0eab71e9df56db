import { Readable } from 'node:stream';
import { inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { LegacyTally, repairLegacyText, type LegacyEncoding } from './encoding.js';
import { ParseError } from './errors.js';
import { gridEvents, type GridRow } from './grid.js';
import { tcvn3ToUnicode, vniToUnicode } from './legacy.js';
import type { RoleOverride } from './structure.js';
import { MAX_COLUMNS, MAX_INFLATE_RATIO, MIN_INFLATE_BUDGET, tooManyColumns } from './limits.js';
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
  /** The steward's decisions about rows of the data block, by label (see structure.ts). */
  overrides?: readonly RoleOverride[];
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
  getCell?(column: number): { font?: { name?: string } } | undefined;
}
interface StreamWorkbook extends AsyncIterable<StreamWorksheet> {
  model?: unknown;
}

/** A zip entry as unzipper hands it to exceljs: a PassThrough of inflated bytes. */
interface ZipEntry {
  path: string;
  push(chunk: unknown, encoding?: BufferEncoding): boolean;
}

/**
 * Zip-bomb guard. exceljs inflates workbook parts with no limit (shared strings are cached whole,
 * a sheet stored before them is parked in a temp file), so a 2 MB file could inflate to
 * gigabytes. This counts the compressed bytes fed in and the inflated bytes every part yields;
 * past MIN_INFLATE_BUDGET and MAX_INFLATE_RATIO it ends the part early, fails the zip stream so
 * exceljs stops, and records a PARSE_LIMIT_EXCEEDED that the reader throws.
 *
 * It hooks the objects exceljs creates (the zip parser it pipes our input into, and the entries
 * that parser pushes) because exceljs offers no option for it; bad-input.test.ts checks it holds.
 */
class InflationGuard {
  private compressed = 0;
  private inflated = 0;
  error: ParseError | null = null;

  /** Counts the compressed bytes of a source. */
  async *count(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
    for await (const chunk of chunks) {
      this.compressed += chunk.length;
      yield chunk;
    }
  }

  /** Watches the zip parser `input` gets piped into (exceljs does `input.pipe(unzip.Parse())`). */
  watch(input: Readable): void {
    const pipe = input.pipe.bind(input);
    input.pipe = (<T extends NodeJS.WritableStream>(dest: T, opts?: { end?: boolean }): T => {
      const zip = dest as unknown as Readable;
      const push = zip.push.bind(zip);
      zip.push = (chunk: unknown, encoding?: BufferEncoding) => {
        if (typeof chunk === 'object' && chunk !== null && 'path' in chunk && 'push' in chunk) this.watchEntry(chunk as ZipEntry, zip, input);
        return push(chunk, encoding);
      };
      return pipe(dest, opts);
    }) as typeof input.pipe;
  }

  private watchEntry(entry: ZipEntry, zip: Readable, input: Readable): void {
    const push = entry.push.bind(entry);
    let cut = false;
    entry.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (cut) return false; // the rest of an entry cut short is dropped
      if (Buffer.isBuffer(chunk)) {
        this.inflated += chunk.length;
        if (this.inflated > MIN_INFLATE_BUDGET && this.inflated > MAX_INFLATE_RATIO * this.compressed) {
          cut = true;
          this.error = new ParseError('PARSE_LIMIT_EXCEEDED', `The workbook inflates to more than ${MAX_INFLATE_RATIO} times its size (zip bomb?)`, {
            limit: 'inflated', part: entry.path, inflatedBytes: this.inflated, compressedBytes: this.compressed,
          });
          // End the part cleanly (whoever reads it finishes), then stop the zip so exceljs throws.
          push(null);
          zip.destroy(this.error);
          input.destroy();
          return false;
        }
      }
      return push(chunk, encoding);
    };
  }
}


/** Workbooks up to this compressed size are put in canonical part order before exceljs reads them. */
const REORDER_MAX_BYTES = 64 * 1024 * 1024;
/** …and inflate to at most this much (bigger ones stream unchanged). */
const REORDER_MAX_INFLATED = 96 * 1024 * 1024;

/** Where a part must come for exceljs' streaming reader to parse sheets as they arrive. */
function partRank(path: string): number {
  if (path === '[Content_Types].xml') return 0;
  if (path === '_rels/.rels') return 1;
  if (path === 'xl/_rels/workbook.xml.rels') return 2;
  if (path === 'xl/workbook.xml') return 3;
  if (path === 'xl/sharedStrings.xml') return 4;
  if (path === 'xl/styles.xml') return 5;
  if (/^xl\/worksheets\/sheet\d+\.xml$/.test(path)) return 7;
  return 6;
}

/**
 * exceljs' streaming reader parks a worksheet that comes before the shared strings or the
 * workbook relationships in a temp file, and then, racing with the end of the zip stream, may drop
 * the part that comes last — losing the shared strings (empty text cells) or the sheet names.
 * Writers order parts as they like (exceljs itself stores sharedStrings.xml after the sheets), so a
 * workbook of reasonable size is re-packed here, uncompressed, with the parts a sheet needs first.
 * Inflating is bounded like the streaming zip-bomb guard; bigger or unreadable files pass unchanged
 * (exceljs then reports what is wrong with them).
 */
async function* canonicalPartOrder(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer, void, undefined> {
  const it = chunks[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await it.next();
    if (next.done === true) break;
    held.push(next.value);
    size += next.value.length;
    if (size > REORDER_MAX_BYTES) {
      yield* held;
      for (let n = await it.next(); n.done !== true; n = await it.next()) yield n.value;
      return;
    }
  }
  const whole = Buffer.concat(held);
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(whole, { checkCRC32: false });
  } catch {
    yield* held;
    return;
  }
  const parts = Object.values(zip.files).filter((f) => !f.dir);
  const ranks = parts.map((f) => partRank(f.name));
  if (ranks.every((r, i) => i === 0 || r >= ranks[i - 1]!)) {
    yield* held;
    return;
  }
  // Re-packing holds the parts in memory: only for workbooks that inflate to a modest size. The
  // declared sizes decide up front; counting while inflating catches parts that lie about theirs.
  const budget = Math.min(REORDER_MAX_INFLATED, Math.max(MIN_INFLATE_BUDGET, MAX_INFLATE_RATIO * whole.length));
  const declared = parts.reduce((sum, f) => sum + ((f as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0), 0);
  if (declared > budget) {
    yield* held;
    return;
  }
  let inflated = 0;
  const out = new JSZip();
  for (const f of [...parts].sort((a, b) => partRank(a.name) - partRank(b.name))) {
    // Inflate with zlib's own output cap, so a part lying about its size cannot take memory.
    const data = (f as unknown as { _data?: { compressedContent?: Uint8Array; compression?: { magic?: string } } })._data;
    const magic = data?.compression?.magic;
    let content: Buffer;
    try {
      if (!data?.compressedContent || (magic !== '\x08\x00' && magic !== '\x00\x00')) throw new Error('unsupported part');
      content = magic === '\x00\x00'
        ? Buffer.from(data.compressedContent)
        : inflateRawSync(data.compressedContent, { maxOutputLength: Math.max(1, budget - inflated) });
    } catch {
      // A zip bomb, a damaged part or an unusual method: pass the original bytes on, for the
      // streaming guard and exceljs to refuse with their own errors.
      yield* held;
      return;
    }
    inflated += content.length;
    if (inflated > budget) {
      yield* held;
      return;
    }
    out.file(f.name, content, { date: f.date });
  }
  const packed = await out.generateAsync({ type: 'nodebuffer', compression: 'STORE' });
  // In slices, like the file it replaces: the streaming guard weighs inflation against bytes read so far.
  for (let i = 0; i < packed.length; i += 64 * 1024) yield packed.subarray(i, i + 64 * 1024);
}

function createWorkbookReader(input: Readable): StreamWorkbook {
  const reader: unknown = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache', // needed to tell date cells from numbers
    entries: 'ignore',
  });
  // exceljs parses a worksheet at once when the shared strings and relationships came first, and
  // then reads `this.model.sheets` — which only exists after xl/workbook.xml. Writers (exceljs
  // itself, under load) may store workbook.xml after the sheets, and the reader crashed with
  // "Cannot read properties of undefined (reading 'sheets')". Hiding the relationships until the
  // workbook part is parsed sends such sheets down exceljs' own deferred path (parsed at the end,
  // with their names known).
  let rels: unknown;
  Object.defineProperty(reader, 'workbookRels', {
    configurable: true,
    get: () => ((reader as { model?: unknown }).model ? rels : undefined),
    set: (v: unknown) => {
      rels = v;
    },
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
  const guard = new InflationGuard();
  const input = toReadable(guard.count(canonicalPartOrder(toByteChunks(source))));
  guard.watch(input);
  const workbook = createWorkbookReader(input);
  try {
    for await (const worksheet of workbook) {
      skipSheet(worksheet);
      if (guard.error) throw guard.error;
      const sheets = sheetsOf(workbook);
      if (sheets !== null) return sheets;
    }
    if (guard.error) throw guard.error;
    return sheetsOf(workbook) ?? [];
  } catch (error) {
    throw guard.error ?? asXlsxError(error);
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
export function cellToText(value: unknown, repair = true, repaired?: (encoding: LegacyEncoding) => void): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return (repair ? repairLegacyText(value, repaired) : value.normalize('NFC')).trim();
  if (typeof value === 'number') return numberToText(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : dateToText(value);
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) {
      const text = (value.richText as unknown[])
        .map((run) => (typeof run === 'object' && run !== null && 'text' in run && typeof run.text === 'string' ? run.text : ''))
        .join('');
      return cellToText(text, repair, repaired);
    }
    if ('error' in value) return String(value.error);
    if ('formula' in value || 'sharedFormula' in value) return 'result' in value ? cellToText(value.result, repair, repaired) : '';
    if ('text' in value) return cellToText(value.text, repair, repaired);
  }
  return '';
}

/** The legacy table a cell's font name says its text was typed in (".VnTime" → TCVN3, "VNI-Times" → VNI), or null. */
function fontEncoding(name: string | undefined): LegacyEncoding | null {
  if (name === undefined) return null;
  if (/^\.vn/iu.test(name)) return 'tcvn3';
  if (/^vni[- ]/iu.test(name)) return 'vni';
  return null;
}

function rowCells(row: StreamRow, repair: boolean, repaired: (encoding: LegacyEncoding) => void): string[] {
  const values = row.values;
  if (!Array.isArray(values)) return [];
  if (values.length - 1 > MAX_COLUMNS) throw tooManyColumns(values.length - 1, row.number);
  const cells: string[] = [];
  // exceljs rows are 1-based sparse arrays: column A is index 1.
  for (let i = 1; i < values.length; i++) {
    const value: unknown = values[i];
    // A text cell in a TCVN3/VNI font is legacy bytes, whether or not it also reads as Vietnamese
    // ("Lóa" is "Lúa" typed in .VnTime): its font decides, where the text alone cannot.
    const legacy = repair && typeof value === 'string' && /[\u00A0-\u00FF]/u.test(value) ? fontEncoding(row.getCell?.(i)?.font?.name) : null;
    if (legacy !== null) {
      repaired(legacy);
      cells.push((legacy === 'tcvn3' ? tcvn3ToUnicode(value as string) : vniToUnicode(value as string)).normalize('NFC').trim());
    } else cells.push(cellToText(value, repair, repaired));
  }
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
  guard: InflationGuard,
  options: XlsxOptions,
  onSheet: (name: string) => void,
  legacy: LegacyTally,
): AsyncGenerator<GridRow, void, undefined> {
  guard.watch(input);
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
      for await (const row of worksheet) {
        if (guard.error) throw guard.error;
        yield { line: row.number, cells: rowCells(row, repair, legacy.repaired) };
      }
      if (guard.error) throw guard.error;
      return;
    }
    if (guard.error) throw guard.error;
    const available = sheetsOf(workbook)?.map((s) => s.name) ?? seen;
    throw new ParseError('PARSE_SHEET_NOT_FOUND', `No sheet named "${options.sheet ?? ''}"`, { sheet: options.sheet, available });
  } catch (error) {
    throw guard.error ?? asXlsxError(error);
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
  const guard = new InflationGuard();
  const legacy = new LegacyTally();
  const rows = xlsxRows(toReadable(guard.count(canonicalPartOrder(peeked.chunks))), guard, options, (name) => {
    sheet = name;
  }, legacy);
  const table = await tableFromEvents(gridEvents(rows, options.headerRow, { machineFormat: MACHINE_NUMBER_FORMAT, ...(options.overrides ? { overrides: options.overrides } : {}) }), () => ({
    format: 'xlsx',
    encoding: null,
    sheet,
    machineNumberFormat: MACHINE_NUMBER_FORMAT,
  }));
  // A workbook's text is Unicode, but cells typed in a TCVN3 or VNI font are legacy bytes in disguise:
  // its encoding names the font table that repaired them, as far as the cells read so far tell
  // (title rows and header at once; the preview's and the sample's rows by the time they report it).
  return Object.defineProperty(table, 'encoding', { get: () => legacy.encoding, enumerable: true });
}
