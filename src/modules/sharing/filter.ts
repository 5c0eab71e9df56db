/**
 * The gateway's filter, sort and limit grammar (`?filter=col:op:value`, `?sort=col:dir`), and the
 * in-memory evaluation of the same filters for proxied REST services, whose rows never touch SQL.
 *
 * ```
 * filter = column ":" op [ ":" value ]        (repeat the parameter to AND several filters)
 * column = [a-z][a-z0-9_]{0,62}
 * op     = eq | ne | lt | lte | gt | gte | in | contains | startsWith | isNull | notNull
 * value  = the rest of the parameter, colons included; for `in`, items separated by ","
 *          where "\," is a literal comma and "\\" a literal backslash
 * ```
 * Values stay text here; the warehouse checks each against its column type and binds it.
 */
import { invalid } from '../../core/errors.js';
import type { WhFilter } from '../warehouse/index.js';

export const GATEWAY_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains', 'startsWith', 'isNull', 'notNull'] as const;
export type GatewayOp = (typeof GATEWAY_OPS)[number];
/** Operators an agreement's row filter may use (a row filter restricts; it never searches). */
export const ROW_FILTER_OPS = ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte'] as const;

export const MAX_FILTERS = 20;
export const MAX_FILTER_CHARS = 1000;
export const MAX_IN_ITEMS = 100;
export const MAX_ROW_FILTERS = 10;
const COLUMN = /^[a-z][a-z0-9_]{0,62}$/;

const bad = (vi: string, en: string, field = 'filter') => invalid({ vi, en }, [{ field, message: en }]);
const shown = (s: string) => JSON.stringify(s.slice(0, 60));

/** Splits an `in` list on unescaped commas. @throws AppError VALIDATION_FAILED on a dangling escape. */
export function splitList(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\') {
      const next = s[i + 1];
      if (next !== ',' && next !== '\\') throw bad('Ký tự thoát "\\" chỉ dùng trước "," hoặc "\\"', 'An escape "\\" may only precede "," or "\\"');
      cur += next;
      i++;
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Parses the `filter` query parameters of a gateway call.
 * @throws AppError VALIDATION_FAILED naming the offending parameter; never echoes more than 60 characters of it.
 */
export function parseFilters(raw: string | string[] | undefined): WhFilter[] {
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length > MAX_FILTERS) throw bad(`Tối đa ${MAX_FILTERS} bộ lọc`, `At most ${MAX_FILTERS} filters`);
  return list.map((f) => {
    if (typeof f !== 'string' || f.length > MAX_FILTER_CHARS) throw bad(`Bộ lọc dài quá ${MAX_FILTER_CHARS} ký tự`, `A filter is longer than ${MAX_FILTER_CHARS} characters`);
    const a = f.indexOf(':');
    const column = a < 0 ? f : f.slice(0, a);
    if (!COLUMN.test(column)) throw bad(`Tên cột ${shown(column)} không hợp lệ trong bộ lọc`, `Invalid column name ${shown(column)} in a filter`);
    if (a < 0) throw bad(`Bộ lọc ${shown(f)} thiếu phép so sánh (cột:phép:giá trị)`, `Filter ${shown(f)} lacks an operator (column:op:value)`);
    const b = f.indexOf(':', a + 1);
    const op = b < 0 ? f.slice(a + 1) : f.slice(a + 1, b);
    if (!(GATEWAY_OPS as readonly string[]).includes(op)) throw bad(`Phép lọc ${shown(op)} không được hỗ trợ`, `Unsupported filter operator ${shown(op)}`);
    if (op === 'isNull' || op === 'notNull') {
      if (b >= 0) throw bad(`Phép "${op}" không nhận giá trị`, `Operator "${op}" takes no value`);
      return { column, op: op as GatewayOp };
    }
    if (b < 0) throw bad(`Bộ lọc ${shown(f)} thiếu giá trị`, `Filter ${shown(f)} lacks a value`);
    const value = f.slice(b + 1).normalize('NFC');
    if (op === 'in') {
      const items = splitList(value);
      if (items.length > MAX_IN_ITEMS) throw bad(`"in" nhận tối đa ${MAX_IN_ITEMS} giá trị`, `"in" takes at most ${MAX_IN_ITEMS} values`);
      return { column, op: 'in', value: items };
    }
    return { column, op: op as GatewayOp, value };
  });
}

/** Parses `?sort=col` or `col:asc|desc`. @throws AppError VALIDATION_FAILED */
export function parseSort(raw: string | undefined): { column: string; dir: 'asc' | 'desc' }[] {
  if (raw === undefined || raw === '') return [];
  const m = /^([a-z][a-z0-9_]{0,62})(?::(asc|desc))?$/.exec(raw);
  if (!m) throw bad(`Sắp xếp ${shown(raw)} không hợp lệ (cột:asc|desc)`, `Invalid sort ${shown(raw)} (column:asc|desc)`, 'sort');
  return [{ column: m[1]!, dir: m[2] === 'desc' ? 'desc' : 'asc' }];
}

/**
 * Checks an agreement's row filter: a short list of restricting filters over known columns.
 * @throws AppError VALIDATION_FAILED
 */
export function checkRowFilter(filters: unknown, columns: ReadonlySet<string>): WhFilter[] {
  if (!Array.isArray(filters)) throw bad('Bộ lọc dòng phải là một danh sách', 'The row filter must be a list', 'rowFilter');
  if (filters.length > MAX_ROW_FILTERS) throw bad(`Bộ lọc dòng tối đa ${MAX_ROW_FILTERS} điều kiện`, `At most ${MAX_ROW_FILTERS} row-filter conditions`, 'rowFilter');
  return filters.map((f: unknown) => {
    const x = f as Partial<WhFilter> | null;
    if (!x || typeof x !== 'object' || typeof x.column !== 'string' || !columns.has(x.column)) {
      throw bad(`Cột ${shown(String(x?.column ?? ''))} của bộ lọc dòng không có trong dịch vụ`, `Row-filter column ${shown(String(x?.column ?? ''))} is not in the service`, 'rowFilter');
    }
    if (!(ROW_FILTER_OPS as readonly string[]).includes(String(x.op))) {
      throw bad(`Bộ lọc dòng chỉ dùng ${ROW_FILTER_OPS.join(', ')}`, `A row filter may only use ${ROW_FILTER_OPS.join(', ')}`, 'rowFilter');
    }
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    // JSON coercion may turn a one-item list into its item (or back): normalise by operator.
    const value = x.op === 'in' ? (Array.isArray(x.value) ? x.value : [x.value]) : Array.isArray(x.value) && x.value.length === 1 ? x.value[0] : x.value;
    if (x.op === 'in' ? !Array.isArray(value) || value.length === 0 || !value.every(scalar) : !scalar(value)) {
      throw bad(`Giá trị bộ lọc dòng cho cột "${x.column}" không hợp lệ`, `Invalid row-filter value for column "${x.column}"`, 'rowFilter');
    }
    return { column: x.column, op: x.op as WhFilter['op'], value: value as WhFilter['value'] };
  });
}

/** Is `narrow` at least as restrictive as `wide`? True when every condition of `wide` is kept in `narrow`. */
export function keepsConditions(wide: readonly WhFilter[], narrow: readonly WhFilter[]): boolean {
  const key = (f: WhFilter) => JSON.stringify([f.column, f.op, f.value ?? null]);
  const have = new Set(narrow.map(key));
  return wide.every((f) => {
    if (have.has(key(f))) return true;
    // An `in` narrowed to a subset of its values still restricts at least as much.
    if (f.op !== 'in' || !Array.isArray(f.value)) return false;
    const values = new Set(f.value.map((v) => String(v)));
    return narrow.some((n) => n.column === f.column && n.op === 'in' && Array.isArray(n.value) && n.value.every((v) => values.has(String(v))))
      || narrow.some((n) => n.column === f.column && n.op === 'eq' && values.has(String(n.value)));
  });
}

const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
function compare(a: unknown, b: unknown): number {
  const x = typeof a === 'number' ? a : Number(a);
  const y = Number(b);
  if (typeof a !== 'string' || (a.trim() !== '' && Number.isFinite(x) && String(b).trim() !== '' && Number.isFinite(y))) {
    if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  }
  const s = String(a);
  const t = String(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

/** Evaluates filters over plain rows (proxied REST services). Values compare as numbers when both are numeric. */
export function matchesAll(row: Record<string, unknown>, filters: readonly WhFilter[]): boolean {
  return filters.every((f) => {
    const v = row[f.column];
    const isNull = v === null || v === undefined || v === '';
    switch (f.op) {
      case 'isNull': return isNull;
      case 'notNull': return !isNull;
      case 'eq': return !isNull && compare(v, f.value) === 0;
      case 'ne': return isNull || compare(v, f.value) !== 0;
      case 'lt': return !isNull && compare(v, f.value) < 0;
      case 'lte': return !isNull && compare(v, f.value) <= 0;
      case 'gt': return !isNull && compare(v, f.value) > 0;
      case 'gte': return !isNull && compare(v, f.value) >= 0;
      case 'in': return !isNull && Array.isArray(f.value) && f.value.some((x) => compare(v, x) === 0);
      case 'contains': return !isNull && fold(String(v)).includes(fold(String(f.value)));
      case 'startsWith': return !isNull && fold(String(v)).startsWith(fold(String(f.value)));
      default: return false;
    }
  });
}
