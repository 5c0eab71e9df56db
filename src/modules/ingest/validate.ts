import { createHash } from 'node:crypto';
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
  index: number | null;
  regex: RegExp | null;
  numberFormat: NumberFormat | undefined;
  codes: Set<string> | null;
}

const MAX_VALUE_IN_REPORT = 200;

/**
 * Converts and checks rows of a parsed file against a dataset's columns: types (Vietnamese number
 * and date formats), required values, regex, range, length, allowed values and code-list membership.
 * Every problem becomes a {@link Reject} with a Vietnamese and an English reason.
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
    this.compiled = columns.map((col) => ({
      col,
      index: sourceIndex.get(col.name) ?? null,
      regex: col.rules.regex ? safeRegex(col.rules.regex) : null,
      numberFormat: opts.numberFormats.get(col.name),
      codes: col.codeList ? opts.codeLists.get(col.codeList) ?? null : null,
    }));
    this.keyColumns = this.compiled.filter((c) => c.col.key);
  }

  check(row: TableRow, quality?: QualityAccumulator): CheckedRow {
    const values: Record<string, unknown> = {};
    const rejects: Reject[] = [];
    const reject = (c: Compiled, raw: string, vi: string, en: string) =>
      rejects.push({ line: row.line, column: c.col.title || c.col.name, value: raw.slice(0, MAX_VALUE_IN_REPORT), vi, en });

    for (const c of this.compiled) {
      const raw = c.index === null ? '' : (row.values[c.index] ?? '');
      const required = c.col.required || c.col.rules.required === true || c.col.key;
      if (isBlank(raw)) {
        values[c.col.name] = null;
        if (required) reject(c, raw, 'Thiếu giá trị bắt buộc', 'Required value missing');
        quality?.cell({ required, present: false, valid: false, coded: false, codeOk: true });
        continue;
      }
      const before = rejects.length;
      const value = this.convert(c, raw, reject);
      let codeOk = true;
      if (rejects.length === before && value !== undefined) {
        this.checkRules(c, raw, value, reject);
        if (c.codes && !c.codes.has(String(value))) {
          codeOk = false;
          reject(c, raw, `Mã “${raw}” không có trong danh mục ${c.col.codeList}`, `Code "${raw}" is not in code list ${c.col.codeList}`);
        }
      }
      const valid = rejects.length === before;
      quality?.cell({ required, present: true, valid, coded: c.codes !== null, codeOk });
      values[c.col.name] = valid ? value : null;
      if (valid && typeof value === 'number' && quality) quality.numeric(c.col.name, value);
    }
    const key = this.keyColumns.length ? this.keyColumns.map((c) => String(values[c.col.name] ?? '')).join('\u001f') : null;
    if (quality) quality.row(createHash('md5').update(JSON.stringify(values)).digest('base64'));
    return { values, rejects, key };
  }

  private convert(c: Compiled, raw: string, reject: (c: Compiled, raw: string, vi: string, en: string) => void): unknown {
    const text = raw.trim();
    switch (c.col.type) {
      case 'text':
        return text.normalize('NFC');
      case 'integer': {
        const n = parseNumber(text, c.numberFormat);
        if (n === null || !Number.isInteger(n) || !Number.isSafeInteger(n)) {
          reject(c, raw, `“${raw}” không phải số nguyên`, `"${raw}" is not an integer`);
          return undefined;
        }
        return n;
      }
      case 'number': {
        const n = parseNumber(text, c.numberFormat);
        if (n === null || !Number.isFinite(n)) {
          reject(c, raw, `“${raw}” không phải số hợp lệ`, `"${raw}" is not a valid number`);
          return undefined;
        }
        return n;
      }
      case 'date': {
        const d = parseDate(text);
        if (d === null) {
          reject(c, raw, `“${raw}” không phải ngày hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)`, `"${raw}" is not a valid date (dd/mm/yyyy or yyyy-mm-dd)`);
          return undefined;
        }
        return d.slice(0, 10);
      }
      case 'boolean': {
        const b = parseBoolean(text);
        if (b === null) {
          reject(c, raw, `“${raw}” không phải Có/Không`, `"${raw}" is not yes/no`);
          return undefined;
        }
        return b;
      }
      case 'geometry':
      case 'json': {
        try {
          const v = JSON.parse(text) as unknown;
          if (c.col.type === 'geometry' && (typeof v !== 'object' || v === null || !('type' in v))) throw new Error('not geometry');
          return v;
        } catch {
          reject(c, raw, c.col.type === 'geometry' ? 'Hình học GeoJSON không hợp lệ' : 'JSON không hợp lệ', c.col.type === 'geometry' ? 'Invalid GeoJSON geometry' : 'Invalid JSON');
          return undefined;
        }
      }
    }
  }

  private checkRules(c: Compiled, raw: string, value: unknown, reject: (c: Compiled, raw: string, vi: string, en: string) => void): void {
    const r = c.col.rules;
    if (typeof value === 'string') {
      const len = [...value].length;
      if (r.minLength !== undefined && len < r.minLength) reject(c, raw, `Ngắn hơn ${r.minLength} ký tự`, `Shorter than ${r.minLength} characters`);
      if (r.maxLength !== undefined && len > r.maxLength) reject(c, raw, `Dài hơn ${r.maxLength} ký tự`, `Longer than ${r.maxLength} characters`);
      if (c.regex && !c.regex.test(value)) reject(c, raw, `Không đúng định dạng ${r.regex}`, `Does not match ${r.regex}`);
    }
    if (typeof value === 'number') {
      if (r.min !== undefined && value < r.min) reject(c, raw, `Nhỏ hơn giá trị tối thiểu ${r.min}`, `Below the minimum ${r.min}`);
      if (r.max !== undefined && value > r.max) reject(c, raw, `Lớn hơn giá trị tối đa ${r.max}`, `Above the maximum ${r.max}`);
    }
    if (r.enum && r.enum.length && !r.enum.includes(String(value))) {
      reject(c, raw, `Không thuộc các giá trị cho phép: ${r.enum.slice(0, 10).join(', ')}`, `Not one of the allowed values: ${r.enum.slice(0, 10).join(', ')}`);
    }
  }
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
