/**
 * Periods and categories as columns ("Năm 2021 … Năm 2025", "Tháng 1 … Tháng 12", "3 sao / 4 sao /
 * 5 sao" under one merged header) turned into the long form indicators need: one row per source
 * row and column, with the column's header parsed into a real year, month or category value.
 */
import { ParseError } from './errors.js';
import type { Table, TableRow } from './table.js';
import { foldVietnamese } from './values.js';

export interface UnpivotSpec {
  /** First and last header of the columns to turn into rows (inclusive, in file order). */
  from: string;
  to: string;
  /** Names of the two new columns: the period or category, and the value. */
  into: [string, string];
}

const key = (s: string) => foldVietnamese(s).replace(/[^a-z0-9]+/g, '');
const ROMAN: Record<string, number> = { i: 1, ii: 2, iii: 3, iv: 4 };

/** The last part of a merged header path: "Dân số - Năm 2021" → "Năm 2021". */
function leaf(header: string): string {
  const parts = header.split(' - ');
  return parts[parts.length - 1]!;
}

/**
 * The value a period or category header stands for: "Năm 2021" → "2021", "Tháng 3" → "3",
 * "Tháng 3/2024" or "T3/2024" → "2024-03", "Quý II" → "2", "Quý 1/2025" → "2025-Q1", anything
 * else → its own text ("3 sao").
 */
export function periodValue(header: string): string {
  const text = leaf(header).trim();
  const f = foldVietnamese(text);
  let m = /^(?:nam\s*)?((?:19|20)\d{2})$/u.exec(f);
  if (m) return m[1]!;
  m = /^(?:thang|t)\s*(\d{1,2})\s*[/-]\s*((?:19|20)\d{2})$/u.exec(f);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 12) return `${m[2]}-${m[1]!.padStart(2, '0')}`;
  m = /^thang\s*(\d{1,2})$/u.exec(f);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 12) return String(Number(m[1]));
  m = /^quy\s*(i{1,3}|iv|[1-4])(?:\s*[/-]\s*((?:19|20)\d{2}))?$/u.exec(f);
  if (m) {
    const q = ROMAN[m[1]!] ?? Number(m[1]);
    return m[2] ? `${m[2]}-Q${q}` : String(q);
  }
  return text;
}

/** Where the columns to unpivot are among `headers`. @throws ParseError PARSE_UNPIVOT_COLUMNS. */
export function unpivotColumns(headers: readonly string[], spec: UnpivotSpec): number[] {
  const find = (name: string) => {
    const k = key(name);
    const exact = headers.findIndex((h) => key(h) === k);
    return exact >= 0 ? exact : headers.findIndex((h) => key(leaf(h)) === k);
  };
  const a = find(spec.from);
  const b = find(spec.to);
  if (a < 0 || b < 0 || b < a) {
    throw new ParseError('PARSE_UNPIVOT_COLUMNS', `Columns "${spec.from}" … "${spec.to}" are not in the file, or not in that order`, {
      from: spec.from, to: spec.to, missing: [a < 0 ? spec.from : null, b < 0 ? spec.to : null].filter((x) => x !== null), available: headers.slice(0, 50),
    });
  }
  if (spec.into.length !== 2 || spec.into.some((n) => n.trim() === '')) {
    throw new ParseError('PARSE_UNPIVOT_COLUMNS', 'Two names are needed for the new columns (period, value)', { into: spec.into });
  }
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/**
 * The table in long form: the columns `spec` names become two (period or category, value), every
 * row one row per such column, on the same line. Rows whose value cell is empty are kept (the value
 * is missing, which đủ counts). @throws ParseError PARSE_UNPIVOT_COLUMNS.
 */
export function unpivotTable(table: Table, spec: UnpivotSpec): Table {
  const columns = unpivotColumns(table.headers, spec);
  const wide = new Set(columns);
  const keep = table.headers.map((_, i) => i).filter((i) => !wide.has(i));
  const periods = columns.map((c) => periodValue(table.headers[c]!));
  const headers = [...keep.map((i) => table.headers[i]!), spec.into[0].trim(), spec.into[1].trim()];
  const source = table.rows;
  async function* rows(): AsyncGenerator<TableRow, void, undefined> {
    for await (const row of source) {
      const ids = keep.map((i) => row.values[i] ?? '');
      for (let k = 0; k < columns.length; k++) yield { line: row.line, values: [...ids, periods[k]!, row.values[columns[k]!] ?? ''] };
    }
  }
  let started = false;
  const out: Table = Object.create(table) as Table;
  return Object.defineProperties(out, {
    headers: { value: headers, enumerable: true },
    wideHeaders: { value: table.headers, enumerable: true },
    rows: {
      enumerable: true,
      value: {
        [Symbol.asyncIterator](): AsyncIterator<TableRow> {
          if (started) throw new ParseError('PARSE_ROWS_ALREADY_READ', 'The rows of this table have already been read');
          started = true;
          return rows();
        },
      },
    },
  });
}
