import { CsvTokenizer, type CsvRecord } from './csv-tokenizer.js';
import { decodeBuffer, decodeStream, detectEncoding, type TextEncoding } from './encoding.js';
import { gridDataRows, gridEvents, type GridRow } from './grid.js';
import { peekSource, type ByteSource } from './source.js';
import { emptyStructure, StructureTracker, type RoleOverride, type StructureContext, type TableStructure } from './structure.js';
import { tableFromEvents, type Table, type TableRow } from './table.js';

export type CsvDelimiter = ',' | ';' | '\t' | '|';
export type CsvQuote = '"' | "'";

export interface CsvDialect {
  delimiter: CsvDelimiter;
  quote: CsvQuote;
}

export interface CsvOptions {
  /** Skip detection and decode with this encoding. */
  encoding?: TextEncoding;
  delimiter?: CsvDelimiter;
  quote?: CsvQuote;
  /** Line number of the (first) header row, when detection should not guess. */
  headerRow?: number;
  /** The steward's decisions about rows of the data block, by label (see structure.ts). */
  overrides?: readonly RoleOverride[];
}

/** In order of preference on a tie: commas also occur inside text, tabs almost never. */
const DELIMITERS: readonly CsvDelimiter[] = ['\t', ';', '|', ','];
/** Bytes read before anything is decided: enough for encoding and dialect detection. */
export const SNIFF_BYTES = 64 * 1024;

function countOutsideQuotes(line: string, delimiter: string, quote: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === quote) quoted = !quoted;
    else if (ch === delimiter && !quoted) n++;
  }
  return n;
}

/**
 * Guesses the delimiter (`,` `;` tab `|`) and quote character of CSV text from its first lines:
 * the delimiter that appears the same non-zero number of times on most lines wins; ties go to the
 * one with more columns, then to tab, semicolon, pipe, comma. Throws nothing.
 */
export function detectCsvDialect(sample: string): CsvDialect {
  const quote: CsvQuote = countQuoteUse(sample, "'") > countQuoteUse(sample, '"') ? "'" : '"';
  // The last line of a sample may be cut short: leave it out when there are others.
  const lines = sample.split(/\r\n|\n|\r/u).filter((l) => l.trim() !== '');
  if (lines.length > 1 && !/[\r\n]$/u.test(sample)) lines.pop();
  const window = lines.slice(0, 50);
  let best: { delimiter: CsvDelimiter; consistent: number; mode: number } = { delimiter: ',', consistent: 0, mode: 0 };
  for (const delimiter of DELIMITERS) {
    const counts = window.map((l) => countOutsideQuotes(l, delimiter, quote));
    const freq = new Map<number, number>();
    for (const c of counts) if (c > 0) freq.set(c, (freq.get(c) ?? 0) + 1);
    let mode = 0;
    let consistent = 0;
    for (const [count, times] of freq) {
      if (times > consistent || (times === consistent && count > mode)) {
        mode = count;
        consistent = times;
      }
    }
    if (consistent > best.consistent || (consistent === best.consistent && mode > best.mode)) best = { delimiter, consistent, mode };
  }
  return { delimiter: best.delimiter, quote };
}

/** How often `q` is used as a quote: right after a line start or a delimiter, or right before one. */
function countQuoteUse(sample: string, q: string): number {
  const escaped = q === '"' ? '"' : "'";
  const re = new RegExp(`(^|[,;\\t|])${escaped}|${escaped}([,;\\t|]|$)`, 'gmu');
  return sample.match(re)?.length ?? 0;
}

/**
 * Streams the records of decoded CSV text with the line where each starts, cells trimmed. Records
 * are handed on in the batches one chunk completes, so that a chunk costs one tokenizer call.
 */
async function* csvRows(chunks: AsyncIterable<string>, dialect: CsvDialect, firstLine = 1): AsyncGenerator<GridRow, void, undefined> {
  const tokenizer = new CsvTokenizer({ delimiter: dialect.delimiter, quote: dialect.quote, firstLine });
  const batch: CsvRecord[] = [];
  const flush = function* (): Generator<GridRow, void, undefined> {
    for (let r = 0; r < batch.length; r++) {
      const record = batch[r]!;
      const cells = record.cells;
      for (let i = 0; i < cells.length; i++) cells[i] = trimCell(cells[i]!);
      yield record;
    }
    batch.length = 0;
  };
  for await (const chunk of chunks) {
    tokenizer.push(chunk, batch);
    yield* flush();
  }
  tokenizer.end(batch);
  yield* flush();
}

/** `trim()`, skipped for the usual cell that starts and ends with a visible ASCII character. */
function trimCell(s: string): string {
  if (s === '') return s;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f ? s : s.trim();
}

/**
 * Opens a CSV/TSV file: detects encoding (unless given), delimiter and quote, finds the header
 * beneath any title rows, and streams the rows.
 *
 * Throws `ParseError` PARSE_NO_HEADER for a file with no non-empty line; reading the rows throws
 * PARSE_INVALID_CSV for a quoted field never closed, PARSE_LIMIT_EXCEEDED for a record longer than
 * `MAX_RECORD_CHARS` or wider than `MAX_COLUMNS` (see limits.ts), or the source's own error.
 */
export async function readCsv(source: ByteSource, options: CsvOptions = {}): Promise<Table> {
  const peeked = await peekSource(source, SNIFF_BYTES);
  const { encoding, dialect } = sniffCsv(peeked.head, options);
  const events = gridEvents(csvRows(decodeStream(peeked.chunks, encoding), dialect), options.headerRow, { machineFormat: null, ...(options.overrides ? { overrides: options.overrides } : {}) });
  return tableFromEvents(events, { format: 'csv', encoding, sheet: null, machineNumberFormat: null });
}

/**
 * The encoding and dialect {@link readCsv} reads a file with, from its first {@link SNIFF_BYTES}
 * bytes: whoever cuts the file into blocks (load-feed.ts) must read it exactly as readCsv does.
 */
export function sniffCsv(head: Uint8Array, options: CsvOptions = {}): { encoding: TextEncoding; dialect: CsvDialect } {
  const encoding = options.encoding ?? detectEncoding(head).encoding;
  const detected = detectCsvDialect(decodeBuffer(head, encoding));
  return { encoding, dialect: { delimiter: options.delimiter ?? detected.delimiter, quote: options.quote ?? detected.quote } };
}

/** Where a block of a CSV file sits in it, and how the file reads: see {@link readCsvBlock}. */
export interface CsvBlock {
  encoding: TextEncoding;
  dialect: CsvDialect;
  /** Physical line of the block's first byte. */
  firstLine: number;
  /** Byte offset of the block in the file (for error messages). */
  offset: number;
  /** The header's first column and width, as the file's beginning located them. */
  firstCol: number;
  width: number;
  /** The shape of the data block the file's beginning showed: rows are classified as there (totals are not checked in a block). */
  context?: StructureContext;
  /** Where the block's rows left out are recorded. */
  structure?: TableStructure;
}

/**
 * The data rows of a block of a CSV file that starts on a record after the header (cut by
 * `CsvRecordEnds`), exactly as {@link readCsv} reads the same rows from the whole file: same lines,
 * same cells. Lets several threads read one large file. Throws what readCsv's rows throw.
 */
export function readCsvBlock(chunks: AsyncIterable<Uint8Array>, block: CsvBlock): AsyncGenerator<TableRow, void, undefined> {
  const tracker = block.context ? new StructureTracker(block.context, block.structure ?? emptyStructure(), false) : undefined;
  return gridDataRows(csvRows(decodeStream(chunks, block.encoding, block.offset), block.dialect, block.firstLine), block.firstCol, block.width, tracker);
}
