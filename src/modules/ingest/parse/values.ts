/**
 * Typed value parsers for cells of provincial files. All of them take the cell text and return
 * `null` when the text is not a value of that type (blank included); none of them throws.
 */

/** How a column writes its numbers: `1.234.567,89` is `{ decimal: ',', thousands: '.' }`. */
export interface NumberFormat {
  decimal: ',' | '.';
  thousands: '.' | ',';
}

/** The Vietnamese convention, used when nothing in the data decides. */
export const VIETNAMESE_NUMBER_FORMAT: NumberFormat = Object.freeze({ decimal: ',', thousands: '.' });
/** What machines write (XLSX numeric cells, JSON). */
export const MACHINE_NUMBER_FORMAT: NumberFormat = Object.freeze({ decimal: '.', thousands: ',' });

/** Whether a cell is empty or only whitespace. Throws nothing. */
export function isBlank(text: string | null | undefined): boolean {
  return text === null || text === undefined || text.trim() === '';
}

// Spaces used as thousands separators: space, no-break space, narrow no-break space, thin space.
const GROUP_SPACES = /[ \u00A0\u202F\u2009]/gu;
const NUMBER_SHAPE = /^[+-]?\d[\d.,]*$|^[+-]?[.,]\d+$/u;

interface NumberParts {
  negative: boolean;
  percent: boolean;
  body: string;
}

function splitNumber(text: string): NumberParts | null {
  let s = text.trim().replace(/\u2212/gu, '-');
  if (s === '') return null;
  let negative = false;
  let percent = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    negative = true;
    s = s.slice(1, -1).trim();
  }
  if (s.endsWith('%')) {
    percent = true;
    s = s.slice(0, -1).trim();
  }
  if (s.startsWith('-')) {
    if (negative) return null;
    negative = true;
    s = s.slice(1).trim();
  } else if (s.startsWith('+')) {
    s = s.slice(1).trim();
  }
  // Digits grouped with spaces ("1 234 567") only; a space anywhere else is not a number.
  if (/\s/u.test(s)) {
    if (!/^\d{1,3}([ \u00A0\u202F\u2009]\d{3})+([.,]\d+)?$/u.test(s)) return null;
    s = s.replace(GROUP_SPACES, '');
  }
  if (!NUMBER_SHAPE.test(s)) return null;
  return { negative, percent, body: s };
}

/** What a single number says about the decimal separator: a vote, or nothing when ambiguous. */
function decimalVote(body: string): ',' | '.' | null {
  const dots = body.split('.').length - 1;
  const commas = body.split(',').length - 1;
  if (dots > 0 && commas > 0) return body.lastIndexOf('.') > body.lastIndexOf(',') ? '.' : ',';
  if (dots + commas === 0) return null;
  const sep = dots > 0 ? '.' : ',';
  const other = sep === '.' ? ',' : '.';
  if (dots + commas > 1) return other; // repeated: it groups thousands
  const [intPart = '', frac = ''] = body.split(sep);
  if (frac.length !== 3) return sep;
  if (intPart === '' || intPart.length > 3 || intPart.startsWith('0')) return sep; // "0,125", "1234,567"
  return null; // "1.234": thousands or decimals, the column decides
}

function bodyToNumber(body: string, format: NumberFormat): number | null {
  const { decimal, thousands } = format;
  const [intPart = '', frac, ...more] = body.split(decimal);
  if (more.length > 0) return null;
  if (frac !== undefined && (frac === '' || !/^\d+$/u.test(frac))) return null;
  let digits = intPart;
  if (intPart.includes(thousands)) {
    const groups = intPart.split(thousands);
    if (!/^\d{1,3}$/u.test(groups[0]!) || groups.slice(1).some((g) => !/^\d{3}$/u.test(g))) return null;
    digits = groups.join('');
  }
  if (digits === '' && frac === undefined) return null;
  if (digits !== '' && !/^\d+$/u.test(digits)) return null;
  const value = Number(`${digits === '' ? '0' : digits}${frac === undefined ? '' : `.${frac}`}`);
  return Number.isFinite(value) ? value : null;
}

/**
 * Parses a number written the Vietnamese way (`1.234.567,89`), the English way (`1,234,567.89`) or
 * plainly (`1234567`, `-12,5`), with `(1.234)` as a negative and a trailing `%` dividing by 100.
 *
 * Without `format`, a number that shows its own separator decides alone; an ambiguous one such as
 * `1.234` follows the Vietnamese convention (1234). Pass the column's `inferNumberFormat` result to
 * decide ambiguous cells by the rest of the column.
 *
 * Returns `null` for blank or non-numeric text. Throws nothing.
 */
export function parseNumber(text: string, format?: NumberFormat): number | null {
  const parts = splitNumber(text);
  if (parts === null) return null;
  let fmt = format;
  if (fmt === undefined) {
    const vote = decimalVote(parts.body);
    fmt = vote === '.' ? MACHINE_NUMBER_FORMAT : VIETNAMESE_NUMBER_FORMAT;
  }
  let value = bodyToNumber(parts.body, fmt);
  if (value === null && format !== undefined) {
    // A cell that contradicts its column but is unambiguous on its own ("1.5" in a "1,5" column).
    const vote = decimalVote(parts.body);
    if (vote !== null && vote !== format.decimal) value = bodyToNumber(parts.body, vote === '.' ? MACHINE_NUMBER_FORMAT : VIETNAMESE_NUMBER_FORMAT);
  }
  if (value === null) return null;
  if (parts.percent) value = Number((value / 100).toPrecision(15));
  if (parts.negative) value = -value;
  return value === 0 ? 0 : value; // never -0
}

export interface InferredNumberFormat extends NumberFormat {
  /** False when no value of the sample decided and `fallback` was used. */
  decided: boolean;
}

/**
 * Decides a column's decimal separator from a sample of its values: every value that shows its
 * separator unambiguously votes (`1.234,5`, `12,5`, `1.234.567`), ambiguous ones (`1.234`) do not.
 * The majority wins; a tie or no vote gives `fallback` (the Vietnamese convention by default).
 * Non-numeric values are ignored. Throws nothing.
 */
export function inferNumberFormat(values: Iterable<string>, fallback: NumberFormat = VIETNAMESE_NUMBER_FORMAT): InferredNumberFormat {
  let comma = 0;
  let dot = 0;
  for (const v of values) {
    const parts = splitNumber(v);
    if (parts === null) continue;
    const vote = decimalVote(parts.body);
    if (vote === ',') comma++;
    else if (vote === '.') dot++;
  }
  if (comma === dot) return { ...fallback, decided: false };
  return comma > dot ? { decimal: ',', thousands: '.', decided: true } : { decimal: '.', thousands: ',', decided: true };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function isValidDate(y: number, m: number, d: number): boolean {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1]!;
}

function timePart(h: string | undefined, mi: string | undefined, s: string | undefined, frac: string | undefined): string | null {
  if (h === undefined) return '';
  const hh = Number(h);
  const mm = Number(mi);
  const ss = s === undefined ? 0 : Number(s);
  if (hh > 23 || mm > 59 || ss > 59) return null;
  return `T${pad(hh)}:${pad(mm)}:${pad(ss)}${frac === undefined ? '' : `.${frac.slice(0, 3).padEnd(3, '0')}`}`;
}

const DMY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?$/u;
const YMD = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/u;
const VIETNAMESE_LONG = /^ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})$/u;

/** Options of `parseDate`. */
export interface DateOptions {
  /** Read a bare number as an Excel serial date (1900 system). Default false. */
  excelSerial?: boolean;
  /** With `excelSerial`: the workbook uses the 1904 date system. */
  date1904?: boolean;
}

/**
 * Parses a date or timestamp into ISO 8601 text: `YYYY-MM-DD` for dates, `YYYY-MM-DDTHH:MM:SS`
 * for local timestamps, and a UTC `...Z` timestamp when the input has an offset.
 *
 * Accepts `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` (day first, always: the Vietnamese
 * order), optionally followed by `hh:mm[:ss]`; `yyyy-mm-dd` and ISO timestamps; "ngày 5 tháng 3 năm
 * 2024"; and, with `excelSerial`, Excel serial numbers. Impossible dates (31/02) give `null`.
 *
 * Returns `null` for anything else. Throws nothing.
 */
export function parseDate(text: string, options: DateOptions = {}): string | null {
  const s = text.trim().normalize('NFC');
  if (s === '') return null;
  let m = DMY.exec(s);
  if (m !== null) {
    const [, d, mo, y, h, mi, sec, frac] = m;
    if (!isValidDate(Number(y), Number(mo), Number(d))) return null;
    const time = timePart(h, mi, sec, frac);
    return time === null ? null : `${y}-${pad(Number(mo))}-${pad(Number(d))}${time}`;
  }
  m = YMD.exec(s);
  if (m !== null) {
    const [, y, mo, d, h, mi, sec, frac, zone] = m;
    if (!isValidDate(Number(y), Number(mo), Number(d))) return null;
    const time = timePart(h, mi, sec, frac);
    if (time === null) return null;
    const local = `${y}-${pad(Number(mo))}-${pad(Number(d))}${time}`;
    if (zone === undefined || time === '') return local;
    const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
    const ms = Date.parse(`${local}${offset}`);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  m = VIETNAMESE_LONG.exec(s.toLowerCase());
  if (m !== null) {
    const [, d, mo, y] = m;
    return isValidDate(Number(y), Number(mo), Number(d)) ? `${y}-${pad(Number(mo))}-${pad(Number(d))}` : null;
  }
  if (options.excelSerial === true && /^\d+(\.\d+)?$/u.test(s)) return excelSerialToIso(Number(s), options.date1904 === true);
  return null;
}

/**
 * Converts an Excel serial date to ISO text (`YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS` when it has a
 * time of day). In the 1900 system serial 1 is 1900-01-01 and Excel counts a 29 February 1900
 * that never existed (serial 60, which gives `null`); serials from 61 on are shifted back by it.
 * Returns `null` for serials out of range. Throws nothing.
 */
export function excelSerialToIso(serial: number, date1904 = false): string | null {
  if (!Number.isFinite(serial) || serial < 0 || serial >= 2958466) return null;
  let days = Math.floor(serial);
  let epochMs: number;
  if (date1904) {
    epochMs = Date.UTC(1904, 0, 1);
  } else {
    if (days === 0 || days === 60) return null;
    if (days > 60) days -= 1; // Lotus 1-2-3's leap-year bug, kept by Excel
    epochMs = Date.UTC(1899, 11, 31);
  }
  const seconds = Math.round((serial - Math.floor(serial)) * 86400);
  const date = new Date(epochMs + days * 86400000 + seconds * 1000);
  const iso = date.toISOString();
  return seconds === 0 ? iso.slice(0, 10) : iso.slice(0, 19);
}

const TRUE_WORDS = new Set(['co', 'true', 'yes', 'y', '1', 'x', 'dung', '✓', '✔']);
const FALSE_WORDS = new Set(['khong', 'false', 'no', 'n', '0', 'sai']);

/** Options of `parseBoolean`. */
export interface BooleanOptions {
  /** Read a blank cell as false (columns that tick with "x" and leave the rest empty). */
  blankIsFalse?: boolean;
}

/**
 * Parses Có/Không, x/blank, true/false, 1/0, Yes/No, Đúng/Sai (any case, with or without
 * diacritics). Returns `null` for anything else, and for blank unless `blankIsFalse`. Throws nothing.
 */
export function parseBoolean(text: string, options: BooleanOptions = {}): boolean | null {
  const folded = foldVietnamese(text);
  if (folded === '') return options.blankIsFalse === true ? false : null;
  if (TRUE_WORDS.has(folded)) return true;
  if (FALSE_WORDS.has(folded)) return false;
  return null;
}

/**
 * Folds text for matching names regardless of diacritics, case and spacing: lower-case, without
 * tone and shape marks, đ → d, whitespace collapsed and trimmed ("  Dân  Số " → "dan so").
 * Throws nothing.
 */
export function foldVietnamese(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/gu, 'd')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

export type ColumnType = 'integer' | 'number' | 'date' | 'boolean' | 'text';

export interface ColumnTypeGuess {
  type: ColumnType;
  /** Values that are blank. */
  blanks: number;
  /** Non-blank values that do not fit `type` (always 0 for `text`). */
  mismatches: number;
  /** For number and integer columns: the separators the column uses. */
  numberFormat?: InferredNumberFormat;
  /** For boolean columns ticked with "x": blank means false. */
  blankIsFalse?: boolean;
  /**
   * `commune-code`: every value is a 5-digit number up to 32999, the shape of the national code of
   * a xã/phường (administrative unit code); store it as text and check it against the geo module.
   */
  hint?: 'commune-code';
}

/** Share of non-blank values that must fit a type for the column to get it. */
const TYPE_THRESHOLD = 0.95;
/** Non-numbers a short column of at least four numbers (and three quarters numbers) may hold and stay a number column. */
const STRAY_CELLS = 2;

/**
 * Guesses a column's type from a sample of its values. The first type (boolean, integer, number,
 * date) that fits at least 95 % of the non-blank values wins (numbers also with at most two stray
 * cells among at least four numbers, three quarters of the column); otherwise text. Numbers with a leading
 * zero ("0123") make a column text: they are codes. A column of 0/1 only is integer. Throws nothing.
 */
export function inferColumnType(values: readonly string[]): ColumnTypeGuess {
  const present = values.map((v) => v.trim()).filter((v) => v !== '');
  const blanks = values.length - present.length;
  if (present.length === 0) return { type: 'text', blanks, mismatches: 0 };
  const fits = (ok: number): boolean => ok >= Math.ceil(present.length * TYPE_THRESHOLD);

  const folded = present.map(foldVietnamese);
  if (folded.every((v) => v === 'x') && blanks > 0) return { type: 'boolean', blanks, mismatches: 0, blankIsFalse: true };
  const boolOk = folded.filter((v) => (TRUE_WORDS.has(v) || FALSE_WORDS.has(v)) && v !== '1' && v !== '0').length;
  const binary = folded.filter((v) => v === '1' || v === '0').length;
  if (boolOk > 0 && fits(boolOk + binary)) return { type: 'boolean', blanks, mismatches: present.length - boolOk - binary };

  const hasLeadingZeroCode = present.some((v) => /^0\d+$/u.test(v));
  const numberFormat = inferNumberFormat(present);
  const numbers = present.map((v) => parseNumber(v, numberFormat));
  const numeric = numbers.filter((n): n is number => n !== null);
  // A short report column of numbers with a stray note ("chưa báo cáo") is still a number column:
  // one cell must not make it text; the stray cells become rejects with their reason.
  const strays = present.length - numeric.length;
  const fewStrays = numeric.length >= 4 && strays <= STRAY_CELLS && numeric.length >= present.length * 0.75;
  if (!hasLeadingZeroCode && numeric.length > 0 && (fits(numeric.length) || fewStrays)) {
    const mismatches = present.length - numeric.length;
    const hint = present.every((v) => /^\d{5}$/u.test(v) && Number(v) <= 32999) ? ('commune-code' as const) : undefined;
    const type: ColumnType = numeric.every((n) => Number.isInteger(n)) && !present.some((v) => v.endsWith('%')) ? 'integer' : 'number';
    return hint === undefined ? { type, blanks, mismatches, numberFormat } : { type, blanks, mismatches, numberFormat, hint };
  }
  if (hasLeadingZeroCode && present.every((v) => /^\d{5}$/u.test(v) && Number(v) <= 32999)) {
    return { type: 'text', blanks, mismatches: 0, hint: 'commune-code' };
  }

  const dates = present.filter((v) => parseDate(v) !== null).length;
  if (dates > 0 && fits(dates)) return { type: 'date', blanks, mismatches: present.length - dates };
  return { type: 'text', blanks, mismatches: 0 };
}
