/**
 * Rows on their way into and out of the warehouse: canonical values, the row hash and key, CSV for
 * COPY, and JSON-friendly values coming back. Pure functions, no database.
 */
import * as crypto from 'node:crypto';
import { AppError } from '../../core/errors.js';
import type { EncoderPlan, Row, WhColumn, WhType } from './schema.js';

/** PostgreSQL type of each warehouse type. Geometry is GeoJSON kept as jsonb. */
export const PG_TYPES: Record<WhType, string> = {
  text: 'text',
  integer: 'bigint',
  number: 'numeric',
  date: 'date',
  boolean: 'boolean',
  geometry: 'jsonb',
  json: 'jsonb',
};

/** Types read back through `::text` so both drivers return the same exact value (see {@link fromDb}). */
export const READ_AS_TEXT: ReadonlySet<WhType> = new Set(['integer', 'number', 'date']);

const INTEGER = /^-?\d{1,18}$/;
const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Files repeat the same few dates: remember recent answers (bounded) instead of re-checking each.
const checkedDates = new Map<string, boolean>();

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const known = checkedDates.get(s);
  if (known !== undefined) return known;
  const ok = checkDate(s);
  if (checkedDates.size >= 4096) checkedDates.clear();
  checkedDates.set(s, ok);
  return ok;
}

function checkDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** JSON with object keys sorted, so that equal GeoJSON/JSON values hash equally. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

const bad = (line: number | null, column: string, type: WhType, v: unknown) => {
  const shown = JSON.stringify(typeof v === 'bigint' ? String(v) : v)?.slice(0, 60) ?? String(v);
  const at = line === null ? '' : ` (dòng/line ${line})`;
  return new AppError(
    'VALIDATION_FAILED',
    { vi: `Giá trị ${shown} không hợp lệ cho cột "${column}" kiểu ${type}${at}`, en: `Value ${shown} is not a valid ${type} for column "${column}"${at}` },
    { errors: [{ field: column, message: `invalid ${type}` }], line },
  );
};

/**
 * The canonical text of one value as stored (and hashed), or null.
 * @throws AppError VALIDATION_FAILED when the value does not fit the column type.
 */
export function canonical(v: unknown, type: WhType, column: string, line: number | null): string | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'text': {
      const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : null;
      if (s === null || s.includes('\u0000')) throw bad(line, column, type, v);
      return s.normalize('NFC');
    }
    case 'integer':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
      if (typeof v === 'bigint' && v >= -(2n ** 63n) && v < 2n ** 63n) return String(v);
      if (typeof v === 'string' && INTEGER.test(v)) return String(BigInt(v));
      throw bad(line, column, type, v);
    case 'number':
      if (typeof v === 'number' && Number.isFinite(v)) return String(v);
      if (typeof v === 'bigint') return String(v);
      if (typeof v === 'string' && NUMERIC.test(v) && v.length <= 100) return v;
      throw bad(line, column, type, v);
    case 'date':
      if (typeof v === 'string' && isIsoDate(v)) return v;
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
      throw bad(line, column, type, v);
    case 'boolean':
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      throw bad(line, column, type, v);
    case 'geometry':
      if (typeof v === 'object' && !Array.isArray(v) && typeof (v as { type?: unknown }).type === 'string') return stableJson(v);
      throw bad(line, column, type, v);
    case 'json':
      if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol') throw bad(line, column, type, v);
      return stableJson(v);
  }
}

/** A CSV field in quotes; the regex runs only for the rare value that holds a quote. */
const quote = (s: string) => (s.indexOf('"') === -1 ? `"${s}"` : `"${s.replace(/"/g, '""')}"`);

/**
 * MD5 in hex of a string's UTF-8 bytes: the one-shot `crypto.hash` (Node ≥ 20.12, about three
 * times cheaper per row than a Hash object), else `createHash`. Same digest either way.
 */
const md5Hex: (text: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => crypto.hash('md5', text, 'hex')
    : (text) => crypto.createHash('md5').update(text).digest('hex');

/**
 * Encodes rows as CSV for COPY, with the system columns the warehouse adds: the source line, the row
 * hash and the key. One instance per load; the column order of {@link RowEncoder.copyColumns} is the
 * order of the fields.
 *
 * `_row_hash` is part of the versioning contract: replace mode compares it with the hashes of rows
 * loaded long ago, so its input (length-prefixed `name=len:value;` pairs of the non-null canonical
 * values in name order) and its function (MD5, hex) must never change.
 */
export class RowEncoder {
  /** Columns in hash order (by name), so that adding a column never changes existing hashes. */
  private readonly hashOrder: number[];
  /** `name=` of each column, for the hash text. */
  private readonly hashPrefix: string[];
  private readonly keyIdx: number[];
  private readonly lead: string;
  /** Reused for every row: the canonical values of the row being encoded. */
  private readonly canon: (string | null)[];

  constructor(
    private readonly columns: readonly WhColumn[],
    keyColumns: readonly string[],
    /** A constant leading field (the version number) when copying straight into the dataset table. */
    private readonly version: number | null,
    private readonly requireKey: boolean,
  ) {
    this.hashOrder = columns.map((_, i) => i).sort((a, b) => (columns[a]!.name < columns[b]!.name ? -1 : 1));
    this.hashPrefix = columns.map((c) => `${c.name}=`);
    this.keyIdx = keyColumns.map((k) => columns.findIndex((c) => c.name === k));
    this.lead = version === null ? '' : `${version},`;
    this.canon = new Array<string | null>(columns.length).fill(null);
  }

  /** The encoder a load planned (possibly in another thread). */
  static fromPlan(plan: EncoderPlan): RowEncoder {
    return new RowEncoder(plan.columns, plan.keyColumns, plan.version, plan.requireKey);
  }

  /** Column names of the CSV, for `copyFrom`. */
  copyColumns(): string[] {
    return [...(this.version === null ? [] : ['_version_from']), ...this.columns.map((c) => c.name), '_line', '_row_hash', '_key'];
  }

  /**
   * One CSV line. @throws AppError VALIDATION_FAILED for a value of the wrong type or a missing key.
   *
   * `checked`: the values come from the ingest's RowValidator, whose text is already trimmed, free
   * of NUL and NFC, and whose numbers are finite: they are their own canonical form, so the
   * per-value checks of {@link canonical} (a second NFC pass over every text) are skipped for them.
   */
  line(line: number, values: Record<string, unknown>, checked = false): string {
    const columns = this.columns;
    const canon = this.canon;
    let out = this.lead;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      const raw = values[c.name];
      const v =
        raw === null || raw === undefined
          ? null
          : checked && typeof raw === 'string' && c.type === 'text'
            ? raw
            : checked && typeof raw === 'number' && c.type === 'number'
              ? String(raw)
              : canonical(raw, c.type, c.name, line);
      canon[i] = v;
      out += v === null ? ',' : `${quote(v)},`;
    }
    // Hash: length-prefixed name/value pairs of the non-null values, in name order (unambiguous).
    let text = '';
    for (const i of this.hashOrder) {
      const v = canon[i];
      if (v !== null) text += `${this.hashPrefix[i]}${v.length}:${v};`;
    }
    const hash = md5Hex(text);
    let key: string | null = null;
    if (this.keyIdx.length) {
      if (this.requireKey) {
        const missing = this.keyIdx.find((i) => canon[i] === null);
        if (missing !== undefined) {
          const name = columns[missing]!.name;
          throw new AppError(
            'VALIDATION_FAILED',
            { vi: `Thiếu giá trị khóa "${name}" ở dòng ${line}`, en: `Missing key value "${name}" at line ${line}` },
            { errors: [{ field: name, message: 'key value required' }], line },
          );
        }
      }
      key = JSON.stringify(this.keyIdx.map((i) => canon[i]!));
    }
    return `${out}${Number.isSafeInteger(line) ? line : ''},${hash},${key === null ? '' : quote(key)}\n`;
  }
}

/** A numeric text as a JS number when that loses nothing important, else the exact text. */
export function numericValue(s: string): number | string {
  const n = Number(s);
  return Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : s;
}

/** Converts a value read from the dataset table (see {@link READ_AS_TEXT}) into JSON-friendly JS. */
export function fromDb(v: unknown, type: WhType | 'line'): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'integer':
    case 'number':
    case 'line':
      return numericValue(String(v));
    case 'date':
      return String(v);
    default:
      return v;
  }
}

/** Converts one row read with the given columns. */
export function rowFromDb(r: Row, columns: readonly { name: string; type: WhType | 'line' }[]): Row {
  const out: Row = {};
  for (const c of columns) out[c.name] = fromDb(r[c.name], c.type);
  return out;
}
