/**
 * Resource limits of the readers: what a hostile or broken file can cost. Beyond them a reader
 * throws `ParseError` PARSE_LIMIT_EXCEEDED instead of growing without bound.
 */
import { ParseError } from './errors.js';

/** Excel's own width (XFD): a grid wider than this did not come from a spreadsheet. */
export const MAX_COLUMNS = 16_384;
/** Longest CSV record, all fields together, in characters (a 50 MB cell is refused, not buffered). */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;
/**
 * A workbook may inflate to this many times the compressed bytes read so far… Apache POI's default
 * (ZipSecureFile's MIN_INFLATE_RATIO 0.01). It was 200 until the bad-input test's 2 GiB bomb showed
 * why not: the zip stream reads ahead of the inflater, so the guard tripped only after ≈220 MB had
 * gone through exceljs, and the load worker's resident memory grew by ≈400 MB on the way.
 */
export const MAX_INFLATE_RATIO = 100;
/** …once past this many inflated bytes (small workbooks may compress very well). */
export const MIN_INFLATE_BUDGET = 16 * 1024 * 1024;

export function tooManyColumns(count: number, line?: number): ParseError {
  return new ParseError('PARSE_LIMIT_EXCEEDED', `A row has ${count} columns; at most ${MAX_COLUMNS} are read`, { limit: 'columns', max: MAX_COLUMNS, ...(line === undefined ? {} : { line }) });
}
