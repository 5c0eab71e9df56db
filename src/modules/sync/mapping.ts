import { createHash } from 'node:crypto';
import type { FieldProblem } from '../../core/errors.js';

/**
 * The declarative mapping of a connector: how one row of a dataset becomes one record of a national
 * database. Pure functions only — validated when a connector is saved, compiled once per run.
 * The JSON schema of the document is in docs/sync.md.
 */

export const FIELD_TYPES = ['string', 'integer', 'number', 'boolean', 'date'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export const DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'DD-MM-YYYY', 'YYYYMMDD'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];
export const UNMAPPED = ['keep', 'null', 'error'] as const;
export type Unmapped = (typeof UNMAPPED)[number];

export type Scalar = string | number | boolean | null;

/** One field of the target record. */
export interface FieldMapping {
  /** Field name at the target. */
  target: string;
  /** Dataset column the value comes from (exclusive with `constant`). */
  source?: string;
  /** Fixed value, e.g. the province code (exclusive with `source`). */
  constant?: Scalar;
  /** Value used when the source is empty. */
  default?: Scalar;
  /** Code translation: source value (as text) → target value. */
  values?: Record<string, Scalar>;
  /** What to do with a value the `values` table does not list (default `keep`). */
  onUnmapped?: Unmapped;
  /** Type the target expects; the value is converted (default: as it comes). */
  type?: FieldType;
  /** Date format at the target (with `type: date`; default YYYY-MM-DD). */
  format?: DateFormat;
  /** The target refuses a record without this field: an empty value stops the batch before sending. */
  required?: boolean;
}

export interface MappingSpec {
  fields: FieldMapping[];
}

/** A dataset column as the mapping sees it. */
export interface SourceColumn {
  name: string;
  type: string;
}

export const TARGET_FIELD = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
export const MAX_FIELDS = 500;

/** Which source column types each target type can be converted from (without a `values` table). */
const CONVERTIBLE: Record<FieldType, readonly string[]> = {
  string: ['text', 'integer', 'number', 'date', 'boolean', 'json', 'geometry'],
  integer: ['text', 'integer', 'number', 'boolean'],
  number: ['text', 'integer', 'number'],
  boolean: ['text', 'integer', 'boolean'],
  date: ['text', 'date'],
};

const TYPE_VI: Record<FieldType, string> = { string: 'chuỗi', integer: 'số nguyên', number: 'số', boolean: 'đúng/sai', date: 'ngày' };
const shown = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v);

/**
 * Checks a mapping against the dataset's columns and returns every problem, each with a Vietnamese
 * message naming the field (so the steward can fix them all at once). Empty when the mapping is good.
 */
export function mappingProblems(spec: MappingSpec, columns: readonly SourceColumn[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (!spec || !Array.isArray(spec.fields) || spec.fields.length === 0) {
    add('mapping.fields', 'Ánh xạ cần ít nhất một trường đích');
    return problems;
  }
  if (spec.fields.length > MAX_FIELDS) add('mapping.fields', `Ánh xạ có tối đa ${MAX_FIELDS} trường`);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const targets = new Set<string>();
  spec.fields.forEach((f, i) => {
    const at = `mapping.fields[${i}]`;
    const name = typeof f.target === 'string' ? f.target : '';
    if (!TARGET_FIELD.test(name)) add(`${at}.target`, `Tên trường đích ${shown(f.target)} không hợp lệ (chữ cái, số, _ . -; tối đa 64 ký tự)`);
    else if (targets.has(name)) add(`${at}.target`, `Trường đích “${name}” bị khai báo hai lần`);
    targets.add(name);
    const label = `Trường “${name || i}”`;
    const hasSource = f.source !== undefined;
    const hasConstant = f.constant !== undefined;
    if (hasSource && hasConstant) add(at, `${label} chỉ được lấy từ một cột nguồn (source) hoặc một hằng số (constant), không được cả hai`);
    if (!hasSource && !hasConstant) add(at, `${label} cần một cột nguồn (source) hoặc một hằng số (constant)`);
    const col = hasSource ? byName.get(f.source!) : undefined;
    if (hasSource && !col) {
      add(`${at}.source`, `${label}: cột nguồn “${f.source}” không có trong tập dữ liệu (các cột: ${columns.map((c) => c.name).join(', ') || 'chưa có'})`);
    }
    if (f.format !== undefined && f.type !== 'date') add(`${at}.format`, `${label}: định dạng ngày chỉ dùng khi type là "date"`);
    if (f.onUnmapped !== undefined && f.values === undefined) add(`${at}.onUnmapped`, `${label}: onUnmapped chỉ dùng cùng bảng chuyển mã values`);
    if (f.values !== undefined && (typeof f.values !== 'object' || f.values === null || Array.isArray(f.values) || Object.keys(f.values).length === 0)) {
      add(`${at}.values`, `${label}: bảng chuyển mã values phải là một đối tượng có ít nhất một cặp mã`);
    }
    const type = f.type;
    if (type) {
      // With a code table the target value comes from the table; otherwise from the column.
      if (col && f.values === undefined && !CONVERTIBLE[type].includes(col.type)) {
        add(`${at}.type`, `${label}: không chuyển được cột “${col.name}” kiểu ${col.type} sang kiểu ${TYPE_VI[type]} (${type})`);
      }
      const fmt = f.format ?? 'YYYY-MM-DD';
      const check = (v: Scalar, what: string, field: string) => {
        if (v === null) return;
        const r = convert(v, type, fmt);
        if (!r.ok) add(field, `${label}: ${what} ${shown(v)} không chuyển được sang kiểu ${TYPE_VI[type]} (${type})`);
      };
      if (hasConstant) check(f.constant!, 'hằng số', `${at}.constant`);
      if (f.default !== undefined) check(f.default, 'giá trị mặc định', `${at}.default`);
      if (f.values && typeof f.values === 'object') {
        for (const [k, v] of Object.entries(f.values)) check(v, `mã “${k}” →`, `${at}.values.${k}`);
      }
    }
    if (f.required && hasConstant && f.constant === null) add(`${at}.constant`, `${label} là bắt buộc nhưng hằng số là null`);
  });
  return problems;
}

export type Converted = { ok: true; value: Scalar } | { ok: false };

const DATE_IN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;
const DATE_VN = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;

function realDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

function formatDate(y: number, m: number, d: number, fmt: DateFormat): string {
  const yy = String(y).padStart(4, '0');
  const mm = String(m).padStart(2, '0');
  const dd = String(d).padStart(2, '0');
  switch (fmt) {
    case 'DD/MM/YYYY': return `${dd}/${mm}/${yy}`;
    case 'DD-MM-YYYY': return `${dd}-${mm}-${yy}`;
    case 'YYYYMMDD': return `${yy}${mm}${dd}`;
    default: return `${yy}-${mm}-${dd}`;
  }
}

/** Converts one non-null value to a target type. Empty text becomes null for every type but string. */
export function convert(v: Scalar | undefined, type: FieldType, fmt: DateFormat = 'YYYY-MM-DD'): Converted {
  if (v === null || v === undefined) return { ok: true, value: null };
  if (type === 'string') return { ok: true, value: typeof v === 'string' ? v : String(v) };
  if (typeof v === 'string' && v.trim() === '') return { ok: true, value: null };
  switch (type) {
    case 'integer': {
      if (typeof v === 'boolean') return { ok: true, value: v ? 1 : 0 };
      if (typeof v === 'number') return Number.isInteger(v) ? { ok: true, value: v } : { ok: false };
      const s = v.trim();
      if (!/^-?\d+$/.test(s)) return { ok: false };
      const n = Number(s);
      // Beyond 2^53 the exact digits are kept as text rather than rounded.
      return { ok: true, value: Number.isSafeInteger(n) ? n : s };
    }
    case 'number': {
      if (typeof v === 'number') return { ok: true, value: v };
      if (typeof v === 'boolean') return { ok: false };
      const s = v.trim();
      if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) return { ok: false };
      return { ok: true, value: Number(s) };
    }
    case 'boolean': {
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (typeof v === 'number') return v === 1 || v === 0 ? { ok: true, value: v === 1 } : { ok: false };
      const s = v.trim().toLowerCase().normalize('NFC');
      if (['true', '1', 'có', 'co', 'x', 'yes'].includes(s)) return { ok: true, value: true };
      if (['false', '0', 'không', 'khong', 'no'].includes(s)) return { ok: true, value: false };
      return { ok: false };
    }
    case 'date': {
      if (typeof v !== 'string') return { ok: false };
      const s = v.trim();
      let m = DATE_IN.exec(s);
      let y: number, mo: number, d: number;
      if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      else if ((m = DATE_VN.exec(s))) [y, mo, d] = [Number(m[3]), Number(m[2]), Number(m[1])];
      else return { ok: false };
      if (!realDate(y, mo, d)) return { ok: false };
      return { ok: true, value: formatDate(y, mo, d, fmt) };
    }
  }
}

export type MappedRow = Record<string, Scalar>;
export type RowMapper = (row: Record<string, unknown>) => { record: MappedRow; problems: string[] };

const asScalar = (v: unknown): Scalar =>
  v === null || v === undefined ? null : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
const isEmpty = (v: Scalar) => v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Compiles a (validated) mapping into a function from a dataset row to a target record. Per field:
 * source or constant → default when empty → code table → type conversion and date format →
 * required check. Problems are Vietnamese sentences naming the field and the value.
 */
export function compileMapping(spec: MappingSpec): RowMapper {
  const fields = spec.fields.map((f) => ({ ...f, values: f.values ? new Map(Object.entries(f.values)) : null }));
  return (row) => {
    const record: MappedRow = {};
    const problems: string[] = [];
    for (const f of fields) {
      let v: Scalar = f.constant !== undefined ? f.constant : asScalar(row[f.source!]);
      if (isEmpty(v) && f.default !== undefined) v = f.default;
      if (f.values && !isEmpty(v)) {
        const key = String(v);
        if (f.values.has(key)) v = f.values.get(key)!;
        else if (f.onUnmapped === 'null') v = null;
        else if (f.onUnmapped === 'error') {
          problems.push(`trường “${f.target}”: mã ${shown(v)} không có trong bảng chuyển mã`);
          continue;
        }
      }
      if (f.type) {
        const c = convert(v, f.type, f.format ?? 'YYYY-MM-DD');
        if (!c.ok) {
          problems.push(`trường “${f.target}”: giá trị ${shown(v)} không chuyển được sang kiểu ${TYPE_VI[f.type]}`);
          continue;
        }
        v = c.value;
      }
      if (f.required && isEmpty(v)) {
        problems.push(`trường “${f.target}” là bắt buộc nhưng trống`);
        continue;
      }
      record[f.target] = v;
    }
    return { record, problems };
  };
}

/**
 * Canonical JSON: object keys sorted by code point, no whitespace, arrays in order. The target
 * computes the same over what it stored, so equal hashes mean equal content whatever the key order.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** SHA-256 (hex) of the canonical JSON of a batch's records: the hash sent and compared on acknowledgement. */
export function batchHash(records: readonly MappedRow[]): string {
  return createHash('sha256').update(canonicalJson(records)).digest('hex');
}
