/**
 * A streaming CSV tokenizer for decoded text: RFC 4180 plus what provincial files do. Written by
 * hand because the general-purpose parser it replaces (csv-parse) spent most of an ingest's
 * parsing time on options and bookkeeping this reader never uses.
 *
 * What it reads:
 * - any one-character delimiter (`,` `;` tab `|`) and quote (`"` or `'`); a doubled quote inside a
 *   quoted field is one quote;
 * - CRLF, LF and lone CR line ends, also mixed; a line break inside a quoted field comes out as LF;
 * - ragged rows (each record has the fields it has), a last line without a line end;
 * - blank lines (no character at all) are skipped but counted, so that every record carries the
 *   physical line where it starts;
 * - messy quoting as csv-parse's `relax_quotes` reads it, so that results do not change: a quote
 *   inside an unquoted field is a plain character, and a closing quote followed by something other
 *   than a delimiter or a line end makes the field literal text (`"abc"def` → `"abc"def`).
 *
 * It works on the chunks as they come: a field is sliced out of its chunk, and only a field cut by
 * a chunk boundary is joined from its pieces. Fields are returned as written (not trimmed).
 */
import { ParseError } from './errors.js';
import { MAX_COLUMNS, MAX_RECORD_CHARS } from './limits.js';

export interface CsvRecord {
  /** Physical line (1-based) where the record starts. */
  line: number;
  /** The fields, untrimmed; at least one. */
  cells: string[];
}

export interface CsvTokenizerOptions {
  /** One character. */
  delimiter: string;
  /** One character, different from the delimiter. */
  quote: string;
  /** Longest record, all fields together, in UTF-16 code units (default {@link MAX_RECORD_CHARS}). */
  maxRecordChars?: number;
  /** Most fields in one record (default {@link MAX_COLUMNS}). */
  maxColumns?: number;
  /** Physical line of the first character (default 1): a block of a file cut at a record end. */
  firstLine?: number;
}

const LF = 0x0a;
const CR = 0x0d;

/** Where the tokenizer stands between two characters. */
const enum State {
  /** At the start of a field: a quote here opens a quoted field. */
  FieldStart,
  /** Inside an unquoted field (or after a quoted one): delimiter and line ends are structure. */
  Unquoted,
  /** Inside a quoted field: only the quote is structure. */
  Quoted,
  /** Inside a quoted field, right after a quote that ended the previous chunk: the next character decides. */
  QuoteEnd,
}

/**
 * Turns decoded text chunks into records. Feed it with {@link CsvTokenizer.push} and finish with
 * {@link CsvTokenizer.end}; both append the records they complete to the array given.
 *
 * Throws `ParseError` PARSE_LIMIT_EXCEEDED (`details.limit` 'record' or 'columns') as soon as a
 * record grows past the limits, before buffering more of it, and PARSE_INVALID_CSV at the end of a
 * text whose last quoted field is never closed.
 */
export class CsvTokenizer {
  private readonly delim: number;
  private readonly quote: number;
  private readonly quoteChar: string;
  private readonly maxRecordChars: number;
  private readonly maxColumns: number;

  private state = State.FieldStart;
  /** Text of the current field gathered from earlier chunks. */
  private field = '';
  /** The current field was quoted (an empty quoted field still makes a record). */
  private wasQuoted = false;
  private cells: string[] = [];
  /** Characters in the finished fields of the current record. */
  private recordChars = 0;
  /** Physical line of the next character. */
  private line = 1;
  /** Line where the current record starts. */
  private recordLine = 1;
  /** The previous chunk ended with CR: an LF starting this one belongs to the same line end. */
  private skipLf = false;

  constructor(options: CsvTokenizerOptions) {
    if (options.delimiter.length !== 1 || options.quote.length !== 1 || options.delimiter === options.quote) {
      throw new TypeError('CSV delimiter and quote must be two different single characters');
    }
    this.delim = options.delimiter.charCodeAt(0);
    this.quote = options.quote.charCodeAt(0);
    this.quoteChar = options.quote;
    this.maxRecordChars = options.maxRecordChars ?? MAX_RECORD_CHARS;
    this.maxColumns = options.maxColumns ?? MAX_COLUMNS;
    this.line = this.recordLine = options.firstLine ?? 1;
  }

  /** Reads one chunk of text; appends the records it completes to `out`. */
  push(chunk: string, out: CsvRecord[]): void {
    const n = chunk.length;
    let i = 0;
    if (this.skipLf && n > 0) {
      this.skipLf = false;
      if (chunk.charCodeAt(0) === LF) i = 1;
    }
    const delim = this.delim;
    const quote = this.quote;
    while (i < n) {
      switch (this.state) {
        case State.FieldStart: {
          const c = chunk.charCodeAt(i);
          if (c === quote) {
            this.state = State.Quoted;
            i++;
            break;
          }
          if (c === LF || c === CR) {
            // A line with no character at all is skipped; `a,` followed by a line end is a record.
            if (this.cells.length === 0) this.newLine();
            else this.endRecord('', out);
            i = this.afterLineEnd(chunk, i);
            break;
          }
          this.state = State.Unquoted;
          break;
        }
        case State.Unquoted: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = chunk.charCodeAt(j);
            if (c === delim || c === LF || c === CR) break;
            j++;
          }
          if (j === n) {
            this.field = this.field === '' ? chunk.slice(i) : this.field + chunk.slice(i);
            this.checkSize(this.field.length);
            return;
          }
          const piece = chunk.slice(i, j);
          const value = this.field === '' ? piece : this.field + piece;
          this.field = '';
          if (c === delim) {
            this.endField(value);
            this.state = State.FieldStart;
            i = j + 1;
          } else {
            this.endRecord(value, out);
            i = this.afterLineEnd(chunk, j);
          }
          break;
        }
        case State.Quoted: {
          let j = i;
          let start = i;
          for (; j < n; j++) {
            const c = chunk.charCodeAt(j);
            if (c === quote) break;
            if (c === LF) this.line++;
            else if (c === CR) {
              // CRLF or a lone CR inside a field: one line, stored as LF.
              this.field += `${chunk.slice(start, j)}\n`;
              this.line++;
              if (j + 1 < n) {
                if (chunk.charCodeAt(j + 1) === LF) j++;
              } else this.skipLf = true;
              start = j + 1;
            }
          }
          if (j >= n) {
            if (start < n) this.field += chunk.slice(start);
            this.checkSize(this.field.length);
            return;
          }
          this.field += chunk.slice(start, j);
          if (j + 1 === n) {
            this.state = State.QuoteEnd;
            this.checkSize(this.field.length);
            return;
          }
          i = this.afterQuote(chunk, j + 1);
          break;
        }
        case State.QuoteEnd:
          i = this.afterQuote(chunk, i);
          break;
      }
    }
  }

  /** Finishes the text: the last record needs no line end. Appends it to `out`. */
  end(out: CsvRecord[]): void {
    this.skipLf = false;
    switch (this.state) {
      case State.Quoted:
        throw new ParseError('PARSE_INVALID_CSV', `The CSV file ends inside a quoted field: the record starting at line ${this.recordLine} has an opening quote that is never closed`, {
          line: this.recordLine,
        });
      case State.QuoteEnd:
        this.wasQuoted = true;
        break;
      default:
    }
    this.state = State.FieldStart;
    if (this.cells.length > 0 || this.field !== '' || this.wasQuoted) {
      const value = this.field;
      this.field = '';
      this.endField(value);
      this.emit(out);
    }
  }

  /**
   * After a quote inside a quoted field, at `k` (the next character): a second quote is an escaped
   * quote; a delimiter or line end closes the field; anything else turns the field into literal
   * text, as csv-parse's `relax_quotes` does. Returns where to go on.
   */
  private afterQuote(chunk: string, k: number): number {
    const c = chunk.charCodeAt(k);
    if (c === this.quote) {
      this.field += this.quoteChar;
      this.state = State.Quoted;
      return k + 1;
    }
    this.wasQuoted = true;
    if (c !== this.delim && c !== LF && c !== CR) this.field = `${this.quoteChar}${this.field}${this.quoteChar}`;
    this.state = State.Unquoted;
    return k;
  }

  private endField(value: string): void {
    this.recordChars += value.length;
    this.checkSize(0);
    if (this.cells.length >= this.maxColumns) {
      throw new ParseError('PARSE_LIMIT_EXCEEDED', `The row starting at line ${this.recordLine} has more than ${this.maxColumns} columns; at most ${this.maxColumns} are read`, {
        limit: 'columns',
        max: this.maxColumns,
        line: this.recordLine,
      });
    }
    this.cells.push(value);
    this.wasQuoted = false;
  }

  /** Ends the field and the record at a line end. */
  private endRecord(value: string, out: CsvRecord[]): void {
    this.endField(value);
    this.emit(out);
    this.newLine();
  }

  private emit(out: CsvRecord[]): void {
    out.push({ line: this.recordLine, cells: this.cells });
    this.cells = [];
    this.recordChars = 0;
    this.wasQuoted = false;
  }

  /** Counts a line end outside quotes: the next record starts on the next line. */
  private newLine(): void {
    this.line++;
    this.recordLine = this.line;
    this.state = State.FieldStart;
  }

  /** Index after the line end at `at` (CRLF is one line end, even split across chunks). */
  private afterLineEnd(chunk: string, at: number): number {
    if (chunk.charCodeAt(at) === CR) {
      if (at + 1 === chunk.length) this.skipLf = true;
      else if (chunk.charCodeAt(at + 1) === LF) return at + 2;
    }
    return at + 1;
  }

  private checkSize(pending: number): void {
    if (this.recordChars + pending > this.maxRecordChars) {
      throw new ParseError('PARSE_LIMIT_EXCEEDED', `The CSV record starting at line ${this.recordLine} is longer than ${this.maxRecordChars} characters`, {
        limit: 'record',
        max: this.maxRecordChars,
        line: this.recordLine,
      });
    }
  }
}

/**
 * Finds where records end in the raw bytes of a CSV file, the way {@link CsvTokenizer} reads them,
 * without decoding or building fields: a file can then be cut into blocks that start on a record
 * and be read by several threads (each a `CsvTokenizer` starting at the block's first line).
 *
 * Only for encodings where the delimiter, the quote, CR and LF are single ASCII bytes that never
 * occur inside another character: UTF-8 and the single-byte encodings (not UTF-16). It follows the
 * tokenizer's states, relaxed quoting included (a quote inside an unquoted field is text; text
 * after a closing quote makes the field unquoted), and counts physical lines as it does: LF, CRLF
 * and a lone CR are one line end each, inside quotes too.
 */
export class CsvRecordEnds {
  private readonly delim: number;
  private readonly quote: number;
  private state = State.FieldStart;
  /** The last byte seen was a CR: an LF next is the same line end. */
  private afterCr = false;
  /** Line ends seen so far. */
  lineEnds = 0;

  constructor(dialect: { delimiter: string; quote: string }) {
    this.delim = dialect.delimiter.charCodeAt(0);
    this.quote = dialect.quote.charCodeAt(0);
  }

  /**
   * Reads `bytes` from `from` on. With `stopAtRecordEnd`, stops just after the first LF that ends a
   * record (or a blank line) and returns that index; otherwise, or when there is none, reads to the
   * end and returns -1. Either way the state and line count stand where it stopped.
   */
  scan(bytes: Uint8Array, from: number, stopAtRecordEnd: boolean): number {
    const delim = this.delim;
    const quote = this.quote;
    let state = this.state;
    let lineEnds = this.lineEnds;
    let afterCr = this.afterCr;
    const n = bytes.length;
    let found = -1;
    for (let i = from; i < n; i++) {
      const c = bytes[i]!;
      if (c === LF) {
        if (!afterCr) lineEnds++;
        afterCr = false;
      } else if (c === CR) {
        lineEnds++;
        afterCr = true;
      } else afterCr = false;
      switch (state) {
        case State.Quoted:
          if (c === quote) state = State.QuoteEnd;
          continue;
        case State.QuoteEnd:
          if (c === quote) {
            state = State.Quoted;
            continue;
          }
          break;
        case State.FieldStart:
          if (c === quote) {
            state = State.Quoted;
            continue;
          }
          break;
        default:
      }
      // FieldStart, Unquoted, or right after a closing quote: structure is delimiter and line ends.
      if (c === delim) state = State.FieldStart;
      else if (c === LF || c === CR) {
        state = State.FieldStart;
        if (c === LF && stopAtRecordEnd) {
          found = i + 1;
          break;
        }
      } else state = State.Unquoted;
    }
    this.state = state;
    this.lineEnds = lineEnds;
    this.afterCr = afterCr;
    return found;
  }
}
