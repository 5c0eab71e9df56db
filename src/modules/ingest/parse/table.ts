import { ParseError } from './errors.js';
import type { TextEncoding } from './encoding.js';
import { emptyStructure, type StructureContext, type TableStructure } from './structure.js';
import type { NumberFormat } from './values.js';

export type TableFormat = 'csv' | 'xlsx' | 'json' | 'ndjson' | 'geojson';

/** One data row. `values[i]` belongs to `headers[i]`; cells are trimmed NFC text, '' when empty. */
export interface TableRow {
  /**
   * Where the row is in the file: the physical line of CSV/NDJSON (1-based, where the record
   * starts), the Excel row number of XLSX, the 1-based position of the record in a JSON array or
   * of the feature in a GeoJSON FeatureCollection.
   */
  line: number;
  /**
   * At least `headers.length` values. Grid formats keep cells found right of the last header
   * after them (a sign of a misaligned row); JSON formats add values for columns first seen late.
   */
  values: string[];
}

/** What the header step found. */
export interface TableHeader {
  /** Column names: trimmed, NFC, whitespace collapsed, never empty ("Cột 3"), unique ("Tên (2)"). */
  headers: string[];
  /** Line (row number for XLSX) of the first header row; 0 for JSON formats. */
  headerLine: number;
  /** Grid formats: the 0-based column of the first header cell (cells left of it are dropped). */
  firstCol?: number;
  /**
   * Grid formats: what structure recognition found (rows left out with their roles, total checks,
   * the group column). Filled in as the rows are read: complete once they have all been read.
   */
  structure?: TableStructure;
  /** Grid formats: the shape of the data block learnt from its first rows (for readers of later blocks). */
  context?: StructureContext;
}

/** An opened table: the header has been read, the rows stream on demand. */
export interface Table extends TableHeader {
  readonly structure: TableStructure;
  /** After an unpivot: the headers as the file has them (with the period columns). */
  readonly wideHeaders?: string[];
  readonly format: TableFormat;
  /**
   * Text encoding of CSV/JSON formats. XLSX: 'tcvn3' or 'vni' when cells typed in a legacy font
   * were repaired (as far as the cells read so far tell), else null.
   */
  readonly encoding: TextEncoding | null;
  /** Name of the sheet read (XLSX); null otherwise. */
  readonly sheet: string | null;
  /**
   * The number format to assume for numbers the file itself wrote (XLSX numeric cells, JSON
   * numbers are written with a '.' decimal); null when numbers are text typed by people (CSV).
   */
  readonly machineNumberFormat: NumberFormat | null;
  /**
   * The data rows, after the header (and the template's column-number row). Single use: a second
   * iteration throws `ParseError` PARSE_ROWS_ALREADY_READ. Errors of the file (bad JSON, corrupt
   * zip) surface here as `ParseError`.
   */
  readonly rows: AsyncIterable<TableRow>;
  /** Releases the source when the rows will not be read to the end. Safe to call twice. */
  close(): Promise<void>;
}

export type TableEvent = ({ kind: 'header' } & TableHeader) | ({ kind: 'row' } & TableRow);

export interface TableMeta {
  format: TableFormat;
  encoding: TextEncoding | null;
  sheet: string | null;
  machineNumberFormat: NumberFormat | null;
}

/**
 * Turns a reader's event stream (one header event, then rows) into a `Table`, reading up to the
 * header now. Throws `ParseError` PARSE_NO_HEADER when the stream ends before a header.
 */
export async function tableFromEvents(events: AsyncGenerator<TableEvent, void, undefined>, meta: TableMeta | (() => TableMeta)): Promise<Table> {
  const first = await events.next();
  if (first.done === true || first.value.kind !== 'header') {
    await events.return(undefined);
    throw new ParseError('PARSE_NO_HEADER', 'The file has no header row');
  }
  const header = first.value;
  let started = false;
  async function* rows(): AsyncGenerator<TableRow, void, undefined> {
    for (;;) {
      const next = await events.next();
      if (next.done === true) return;
      if (next.value.kind === 'row') yield { line: next.value.line, values: next.value.values };
    }
  }
  const resolved = typeof meta === 'function' ? meta() : meta;
  return {
    ...resolved,
    headers: header.headers,
    headerLine: header.headerLine,
    ...(header.firstCol === undefined ? {} : { firstCol: header.firstCol }),
    structure: header.structure ?? emptyStructure(),
    ...(header.context === undefined ? {} : { context: header.context }),
    rows: {
      [Symbol.asyncIterator](): AsyncIterator<TableRow> {
        if (started) throw new ParseError('PARSE_ROWS_ALREADY_READ', 'The rows of this table have already been read');
        started = true;
        const it = rows();
        return {
          next: () => it.next(),
          return: async () => {
            await events.return(undefined);
            return it.return(undefined);
          },
        };
      },
    },
    close: async () => {
      started = true;
      await events.return(undefined);
    },
  };
}

/** Makes header names usable as keys: collapsed whitespace, never empty, unique. */
export function normaliseHeaders(raw: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    // Control characters (NUL from binary junk) cannot be stored as text by PostgreSQL: drop them.
    let name = h.normalize('NFC').replace(/[\u0000-\u0008\u000e-\u001f\u007f]/gu, '').replace(/\s+/gu, ' ').trim();
    if (name === '') name = `Cột ${i + 1}`;
    const key = name.toLowerCase();
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    return count === 1 ? name : `${name} (${count})`;
  });
}
