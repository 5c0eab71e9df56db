/**
 * The one CSV writer of the platform's outputs (downloads, the LDOP gateway, the dictionary export,
 * ingestion's rejected-rows report): RFC 4180 cells, CRLF line ends, and spreadsheet formula
 * injection (CWE-1236) neutralised — a text cell starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return gets a leading `'`, as OWASP advises, so Excel or LibreOffice shows it as text
 * instead of running it. Numbers and booleans are written as they are and never touched (a
 * negative number stays a number). Files people open in a spreadsheet start with {@link CSV_BOM}:
 * without it Excel reads UTF-8 Vietnamese as mojibake.
 *
 * Not for COPY: the database's own CSV (core/db/sql.ts, warehouse/rows.ts) is read by PostgreSQL,
 * never by a spreadsheet, and must keep every value exactly.
 */

/** The UTF-8 byte order mark that makes spreadsheets read the file as UTF-8. */
export const CSV_BOM = '\uFEFF';

const FORMULA = /^[=+\-@\t\r]/;
/** A cell that must be quoted: a quote, comma or line break inside, or white space at either end (trimmed by readers). */
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** Prefixes a text a spreadsheet would read as a formula with `'`. */
export function neutraliseFormula(s: string): string {
  return FORMULA.test(s) ? `'${s}` : s;
}

/** Undoes {@link neutraliseFormula} when our own export is imported again. */
export function unneutraliseFormula(s: string): string {
  return s.startsWith("'") && FORMULA.test(s.slice(1)) ? s.slice(1) : s;
}

/** The text of a value in a spreadsheet cell: objects as JSON, dates as ISO 8601, null as empty. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** One CSV field: empty for null, numbers and booleans as they are, text neutralised and quoted when needed. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  const s = neutraliseFormula(cellText(v));
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record, CRLF-terminated. */
export function csvRow(values: readonly unknown[]): string {
  let line = values.length ? csvCell(values[0]) : '';
  for (let i = 1; i < values.length; i++) line += `,${csvCell(values[i])}`;
  return `${line}\r\n`;
}
