import { Readable, pipeline } from 'node:stream';
import { parse as parseCsv, type Parser } from 'csv-parse';
import { decodeBuffer, decodeStream, detectEncoding, type TextEncoding } from './encoding.js';
import { ParseError } from './errors.js';
import { gridEvents, type GridRow } from './grid.js';
import { peekSource, type ByteSource } from './source.js';
import { tableFromEvents, type Table } from './table.js';

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
 * Rewrites CRLF and lone CR as LF. csv-parse counts a CRLF inside a quoted field as two lines,
 * which would shift every later line number; with LF only its counts are exact.
 */
async function* unixNewlines(chunks: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  let pendingCr = false;
  for await (const chunk of chunks) {
    let text: string = pendingCr ? `\r${chunk}` : chunk;
    pendingCr = text.endsWith('\r');
    if (pendingCr) text = text.slice(0, -1);
    if (text !== '') yield text.replace(/\r\n?/gu, '\n');
  }
  if (pendingCr) yield '\n';
}

async function* csvRows(chunks: AsyncIterable<string>, dialect: CsvDialect): AsyncGenerator<GridRow, void, undefined> {
  const parser: Parser = parseCsv({
    delimiter: dialect.delimiter,
    quote: dialect.quote,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
  });
  const input = Readable.from(unixNewlines(chunks), { objectMode: false, encoding: 'utf8' });
  const records = pipeline(input, parser, () => {
    // Errors reach the consumer through the parser's async iterator.
  });
  let lastEnd = 0;
  let lastEmpty = 0;
  try {
    for await (const item of records as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      const start = lastEnd + 1 + (item.info.empty_lines - lastEmpty);
      lastEnd = item.info.lines;
      lastEmpty = item.info.empty_lines;
      yield { line: start, cells: item.record.map((c) => c.trim()) };
    }
  } catch (error) {
    if (error instanceof ParseError) throw error;
    throw new ParseError('PARSE_INVALID_CSV', `The CSV file could not be read: ${(error as Error).message}`, { line: lastEnd + 1 }, { cause: error });
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/**
 * Opens a CSV/TSV file: detects encoding (unless given), delimiter and quote, finds the header
 * beneath any title rows, and streams the rows.
 *
 * Throws `ParseError` PARSE_NO_HEADER for a file with no non-empty line; reading the rows throws
 * PARSE_INVALID_CSV when csv-parse gives up, or the source's own error.
 */
export async function readCsv(source: ByteSource, options: CsvOptions = {}): Promise<Table> {
  const peeked = await peekSource(source, SNIFF_BYTES);
  const encoding = options.encoding ?? detectEncoding(peeked.head).encoding;
  const detected = detectCsvDialect(decodeBuffer(peeked.head, encoding));
  const dialect: CsvDialect = { delimiter: options.delimiter ?? detected.delimiter, quote: options.quote ?? detected.quote };
  const events = gridEvents(csvRows(decodeStream(peeked.chunks, encoding), dialect), options.headerRow);
  return tableFromEvents(events, { format: 'csv', encoding, sheet: null, machineNumberFormat: null });
}
