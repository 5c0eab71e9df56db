import { isBlank, parseBoolean, parseDate, parseNumber, type NumberFormat, type TableRow } from './parse/index.js';
import type { QualityAccumulator } from './quality.js';

export type TargetType = 'text' | 'integer' | 'number' | 'date' | 'boolean' | 'geometry' | 'json';

export interface ColumnRules {
  required?: boolean;
  regex?: string;
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  enum?: string[];
}

/** A dataset column as validation sees it: the schema column merged with its dictionary element. */
export interface TargetColumn {
  name: string;
  title: string;
  type: TargetType;
  required: boolean;
  key: boolean;
  codeList: string | null;
  /** The code list's names, for the reason of a reject (its code when absent). */
  codeListName?: { vi: string; en: string | null } | null;
  rules: ColumnRules;
}

export interface Reject {
  line: number;
  column: string | null;
  value: string | null;
  vi: string;
  en: string;
}

export interface CheckedRow {
  values: Record<string, unknown>;
  rejects: Reject[];
  /** Canonical key (key columns joined), null when the dataset has no key. */
  key: string | null;
}

interface Compiled {
  col: TargetColumn;
  name: string;
  /** What a reject names: the column title, or its name. */
  label: string;
  type: TargetType;
  index: number | null;
  required: boolean;
  regex: RegExp | null;
  numberFormat: NumberFormat | undefined;
  codes: Set<string> | null;
  /** Whether any rule of `checkRules` applies: most columns have none. */
  hasRules: boolean;
  /** Dates and booleans: cell text → value (INVALID when it is none), as files repeat a few values. */
  memo: Map<string, unknown> | null;
}

const MAX_VALUE_IN_REPORT = 200;
/** Distinct cell texts remembered per date or boolean column before the memo starts over. */
const MEMO_SIZE = 4096;
/** What `convert` returns for a value that is not of the column's type. */
const INVALID: unique symbol = Symbol('invalid');

/**
 * Converts and checks rows of a parsed file against a dataset's columns: types (Vietnamese number
 * and date formats), required values, regex, range, length, allowed values and code-list membership.
 * Every problem becomes a {@link Reject} with a Vietnamese and an English reason.
 *
 * Written for the per-row hot path of an ingest: everything that depends only on the columns is
 * compiled once, and a row allocates its values, its reject list and little else.
 */
export class RowValidator {
  private readonly compiled: Compiled[];
  private readonly keyColumns: Compiled[];

  constructor(
    columns: readonly TargetColumn[],
    /** Column name → index of the file header that feeds it (absent: the column gets null). */
    sourceIndex: ReadonlyMap<string, number>,
    opts: { numberFormats: ReadonlyMap<string, NumberFormat>; codeLists: ReadonlyMap<string, Set<string>> },
  ) {
    this.compiled = columns.map((col) => {
      const r = col.rules;
      return {
        col,
        name: col.name,
        label: col.title || col.name,
        type: col.type,
        index: sourceIndex.get(col.name) ?? null,
        required: col.required || r.required === true || col.key,
        regex: r.regex ? safeRegex(r.regex) : null,
        numberFormat: opts.numberFormats.get(col.name),
        codes: col.codeList ? opts.codeLists.get(col.codeList) ?? null : null,
        hasRules: r.minLength !== undefined || r.maxLength !== undefined || !!r.regex || r.min !== undefined || r.max !== undefined || (r.enum !== undefined && r.enum.length > 0),
        memo: col.type === 'date' || col.type === 'boolean' ? new Map<string, unknown>() : null,
      };
    });
    this.keyColumns = this.compiled.filter((c) => c.col.key);
  }

  check(row: TableRow, quality?: QualityAccumulator): CheckedRow {
    const values: Record<string, unknown> = {};
    const rejects: Reject[] = [];
    const line = row.line;
    quality?.startRow();
    for (const c of this.compiled) {
      const raw = c.index === null ? '' : (row.values[c.index] ?? '');
      const required = c.required;
      if (isBlank(raw)) {
        values[c.name] = null;
        if (required) rejects.push(reject(line, c, raw, 'Thiếu giá trị bắt buộc', 'Required value missing'));
        quality?.cell(required, false, false, false, true, null);
        continue;
      }
      // PostgreSQL text cannot hold NUL: quarantine the row rather than fail the whole load.
      if (raw.includes('\u0000')) {
        rejects.push(reject(line, c, raw.replace(/\u0000/g, '\\0'), 'Giá trị chứa ký tự NUL (dữ liệu nhị phân)', 'The value contains a NUL character (binary data)'));
        quality?.cell(required, true, false, c.codes !== null, true, null);
        values[c.name] = null;
        continue;
      }
      const before = rejects.length;
      const value = convert(c, raw);
      let codeOk = true;
      if (value === INVALID) rejects.push(typeReject(line, c, raw));
      else {
        if (c.hasRules) this.checkRules(line, c, raw, value, rejects);
        if (c.codes !== null && !c.codes.has(typeof value === 'string' ? value : String(value))) {
          codeOk = false;
          const list = c.col.codeListName;
          rejects.push(reject(line, c, raw, `Mã “${raw}” không có trong ${list ? `“${list.vi}”` : `danh mục ${c.col.codeList}`}`, `Code "${raw}" is not in ${list ? `"${list.en ?? list.vi}"` : `code list ${c.col.codeList}`}`));
        }
      }
      const valid = rejects.length === before;
      const stored = valid ? value : null;
      values[c.name] = stored;
      quality?.cell(required, true, valid, c.codes !== null, codeOk, stored);
      if (valid && typeof value === 'number' && quality) quality.numeric(c.name, value);
    }
    const key = this.keyColumns.length ? this.keyColumns.map((c) => String(values[c.name] ?? '')).join('\u001f') : null;
    quality?.endRow();
    return { values, rejects, key };
  }

  private checkRules(line: number, c: Compiled, raw: string, value: unknown, rejects: Reject[]): void {
    const r = c.col.rules;
    if (typeof value === 'string') {
      if (r.minLength !== undefined || r.maxLength !== undefined) {
        const len = codePoints(value);
        if (r.minLength !== undefined && len < r.minLength) rejects.push(reject(line, c, raw, `Ngắn hơn ${r.minLength} ký tự`, `Shorter than ${r.minLength} characters`));
        if (r.maxLength !== undefined && len > r.maxLength) rejects.push(reject(line, c, raw, `Dài hơn ${r.maxLength} ký tự`, `Longer than ${r.maxLength} characters`));
      }
      if (c.regex && !c.regex.test(value)) rejects.push(reject(line, c, raw, `Không đúng định dạng ${r.regex}`, `Does not match ${r.regex}`));
    }
    if (typeof value === 'number') {
      if (r.min !== undefined && value < r.min) rejects.push(reject(line, c, raw, `Nhỏ hơn giá trị tối thiểu ${r.min}`, `Below the minimum ${r.min}`));
      if (r.max !== undefined && value > r.max) rejects.push(reject(line, c, raw, `Lớn hơn giá trị tối đa ${r.max}`, `Above the maximum ${r.max}`));
    }
    if (r.enum && r.enum.length && !r.enum.includes(String(value))) {
      rejects.push(reject(line, c, raw, `Không thuộc các giá trị cho phép: ${r.enum.slice(0, 10).join(', ')}`, `Not one of the allowed values: ${r.enum.slice(0, 10).join(', ')}`));
    }
  }
}

function reject(line: number, c: Compiled, raw: string, vi: string, en: string): Reject {
  return { line, column: c.label, value: raw.slice(0, MAX_VALUE_IN_REPORT), vi, en };
}

/** The reject of a value that `convert` could not read as the column's type. */
function typeReject(line: number, c: Compiled, raw: string): Reject {
  switch (c.type) {
    case 'integer':
      return reject(line, c, raw, `“${raw}” không phải số nguyên`, `"${raw}" is not an integer`);
    case 'number':
      return reject(line, c, raw, `“${raw}” không phải số hợp lệ`, `"${raw}" is not a valid number`);
    case 'date':
      return reject(line, c, raw, `“${raw}” không phải ngày hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)`, `"${raw}" is not a valid date (dd/mm/yyyy or yyyy-mm-dd)`);
    case 'boolean':
      return reject(line, c, raw, `“${raw}” không phải Có/Không`, `"${raw}" is not yes/no`);
    case 'geometry':
      return reject(line, c, raw, 'Hình học GeoJSON không hợp lệ', 'Invalid GeoJSON geometry');
    default:
      return reject(line, c, raw, 'JSON không hợp lệ', 'Invalid JSON');
  }
}

/** The cell as a value of the column's type, or INVALID. */
function convert(c: Compiled, raw: string): unknown {
  const text = raw.trim();
  switch (c.type) {
    case 'text':
      return text.normalize('NFC');
    case 'integer': {
      const n = plainNumber(text, c.numberFormat) ?? parseNumber(text, c.numberFormat);
      return n === null || !Number.isInteger(n) || !Number.isSafeInteger(n) ? INVALID : n;
    }
    case 'number': {
      const n = plainNumber(text, c.numberFormat) ?? parseNumber(text, c.numberFormat);
      return n === null || !Number.isFinite(n) ? INVALID : n;
    }
    case 'date':
    case 'boolean': {
      const memo = c.memo!;
      let v = memo.get(text);
      if (v === undefined) {
        if (c.type === 'date') {
          const d = parseDate(text);
          v = d === null ? INVALID : d.slice(0, 10);
        } else v = parseBoolean(text) ?? INVALID;
        if (memo.size >= MEMO_SIZE) memo.clear();
        memo.set(text, v);
      }
      return v;
    }
    case 'geometry':
    case 'json': {
      try {
        const v = JSON.parse(text) as unknown;
        if (c.type === 'geometry' && (typeof v !== 'object' || v === null || !('type' in v))) return INVALID;
        return v;
      } catch {
        return INVALID;
      }
    }
  }
}

const ZERO = 0x30;
const NINE = 0x39;
/** 10^0 … 10^15, all exact doubles. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The number the common shapes of a cell stand for, without the general parser: optional minus,
 * digits, the column's thousands separator between groups of three, and its decimal separator
 * followed by digits ("-1.234.567,89" in a Vietnamese column). It gives exactly what
 * `parseNumber(text, format)` gives for them; anything else (spaces, %, parentheses, the other
 * convention, more than 15 digits) returns null for the general parser to decide.
 */
export function plainNumber(text: string, format: NumberFormat | undefined): number | null {
  const n = text.length;
  if (n === 0 || n > 40 || format === undefined) return null;
  const decimal = format.decimal.charCodeAt(0);
  const thousands = format.thousands.charCodeAt(0);
  let i = text.charCodeAt(0) === 0x2d ? 1 : 0;
  const start = i;
  let int = 0;
  let digits = 0;
  let group = -1; // digits since the last thousands separator; -1 before the first one
  let grouped = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      int = int * 10 + (c - ZERO);
      digits++;
      if (group >= 0) group++;
      continue;
    }
    if (c === thousands) {
      // The first group has 1–3 digits, every later one exactly 3.
      if (digits === 0 || (group >= 0 ? group !== 3 : digits > 3)) return null;
      group = 0;
      grouped = true;
      continue;
    }
    if (c === decimal) break;
    return null;
  }
  if (digits === 0 || (grouped && group !== 3)) return null;
  // All digits, integer and fraction, as one integer: exact below 10^15 < 2^53.
  let all = int;
  let total = digits;
  let scale = 0;
  if (i < n) {
    if (i === n - 1) return null; // "12," has no fraction digits
    for (let k = i + 1; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c < ZERO || c > NINE) return null;
      all = all * 10 + (c - ZERO);
      total++;
      scale++;
    }
  }
  if (total > 15) return null;
  // One division of two exact doubles is correctly rounded, as Number() of the decimal text is.
  let value = scale === 0 ? all : all / POW10[scale]!;
  if (start === 1) value = -value;
  return value === 0 ? 0 : value; // never -0
}

/** Length in code points (what a steward counts as characters), without building an array. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Rules come from stewards: an invalid or catastrophic pattern must not take the server down. */
function safeRegex(pattern: string): RegExp | null {
  if (pattern.length > 500 || /(\([^)]*[+*][^)]*\))[+*{]/.test(pattern)) return null; // nested quantifiers: ReDoS risk
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return null;
  }
}
