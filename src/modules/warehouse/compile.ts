/**
 * Compiles a {@link WhQuery} into one parameterised SELECT over a dataset table. Every column name is
 * checked against the dataset schema and quoted with `ident()`; every value is a bound parameter
 * checked against its column type first, so a bad value is a VALIDATION_FAILED, never an SQL error.
 */
import { ident } from '../../core/db/index.js';
import { AppError, invalid } from '../../core/errors.js';
import { isIsoDate, PG_TYPES, READ_AS_TEXT } from './rows.js';
import { AGGREGATE_FNS, FILTER_OPS, MAX_IN_VALUES, MAX_LIMIT, type WhColumn, type WhQuery, type WhSort, type WhType } from './schema.js';

/** The source line: the one system column a query may ask for. */
export const LINE = '_line';

/** A column as a query sees it; `_line` reads as an integer. */
interface QCol {
  name: string;
  type: WhType;
  /** SQL expression: the column, or a typed NULL when the table has not got it yet. */
  expr: string;
}

export interface OutColumn {
  name: string;
  type: WhType;
}

export interface CompiledQuery {
  sql: string;
  params: unknown[];
  countSql: string | null;
  countParams: unknown[];
  /** `FROM <table> t WHERE <filters, q, version>` with `countParams`: what a bounded count or an estimate reads (null when grouped). */
  fromWhere: string | null;
  /** Columns of each result row, in order, with the type to decode them with. */
  out: OutColumn[];
  /** Page size; the SELECT fetches one more row to know whether there is a next page. */
  limit: number;
  grouped: boolean;
  /** Normalised sort, for the cursor fingerprint and keyset values `_s0…`. */
  sort: { column: string; dir: 'asc' | 'desc' }[];
}

export interface CursorPosition {
  /** Sort values of the last row, as text (null for NULL). */
  values: (string | null)[];
  /** Row id of the last row (tie-breaker). */
  id: string;
}

const INTEGER = /^-?\d{1,19}$/;
const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const shown = (s: unknown) => JSON.stringify(String(s)).slice(0, 80);

/** The refusal for a column that is not in the dataset, in both languages. */
export function unknownColumn(name: unknown) {
  return invalid(
    { vi: `Cột ${shown(name)} không có trong bộ dữ liệu`, en: `Unknown column ${shown(name)}: not in the dataset` },
    [{ field: String(name).slice(0, 80), message: 'unknown column' }],
  );
}

const refuse = (vi: string, en: string, field = 'query') => invalid({ vi, en }, [{ field, message: en }]);

/** The refusal for searching, filtering, sorting or grouping on a column the caller sees masked. */
function maskedColumn(name: string) {
  return new AppError(
    'MASKED_COLUMN',
    {
      vi: `Cột “${name}” chứa dữ liệu cá nhân được che với bạn: không dùng để lọc, sắp xếp, gộp nhóm hay tính toán`,
      en: `Column "${name}" holds personal data masked for you: it cannot be filtered, sorted, grouped or aggregated on`,
    },
    { errors: [{ field: name, message: 'masked column' }] },
  );
}

const NONE: ReadonlySet<string> = new Set();

class Params {
  readonly list: unknown[] = [];
  add(v: unknown): string {
    this.list.push(v);
    return `$${this.list.length}`;
  }
}

const SCALAR: ReadonlySet<WhType> = new Set(['text', 'integer', 'number', 'date', 'boolean']);
const ORDERED: ReadonlySet<WhType> = new Set(['text', 'integer', 'number', 'date']);

/**
 * Checks one filter or cursor value against a column type and returns it as the text bound to a
 * `$n::type` parameter. @throws AppError VALIDATION_FAILED.
 */
export function bindText(v: unknown, col: { name: string; type: WhType }): string {
  const fail = () =>
    refuse(
      `Giá trị ${shown(typeof v === 'object' ? JSON.stringify(v) : v)} không hợp lệ cho cột "${col.name}" (${col.type})`,
      `Value ${shown(typeof v === 'object' ? JSON.stringify(v) : v)} is not a valid ${col.type} for column "${col.name}"`,
      col.name,
    );
  switch (col.type) {
    case 'text':
      if (typeof v !== 'string' || v.includes('\u0000')) throw fail();
      return v.normalize('NFC');
    case 'integer':
      if ((typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && INTEGER.test(v))) return String(v);
      throw fail();
    case 'number':
      if ((typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && NUMERIC.test(v) && v.length <= 100)) return String(v);
      throw fail();
    case 'date':
      if (typeof v === 'string' && isIsoDate(v)) return v;
      throw fail();
    case 'boolean':
      if (typeof v === 'boolean') return String(v);
      if (v === 'true' || v === 'false') return v;
      throw fail();
    default:
      throw fail();
  }
}

/** Escapes LIKE wildcards so that user text matches literally. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, '\\$&');

/**
 * Compiles a query for one version of a dataset.
 * @param table the quoted, qualified table name
 * @param declared the dataset schema (what may be named)
 * @param present column names the table actually has (a column declared after the last load reads as NULL)
 * @param cursor the decoded position to continue after, if any
 * @param maxLimit the largest page allowed: {@link MAX_LIMIT} for callers, more for the service's own export
 * @param masked columns the caller sees masked: they may be returned (the caller masks them) but take
 *   no part in the text search and are refused in filters, sort, grouping and aggregates, which would
 *   otherwise answer yes/no on a guessed value or hand back values in clear (a cursor, a min/max)
 * @throws AppError VALIDATION_FAILED for anything the query may not say; MASKED_COLUMN (above).
 */
export function compileQuery(
  table: string,
  declared: readonly WhColumn[],
  present: ReadonlySet<string>,
  version: number,
  q: WhQuery,
  cursor: CursorPosition | null,
  maxLimit = MAX_LIMIT,
  masked: ReadonlySet<string> = NONE,
): CompiledQuery {
  const cols = new Map<string, QCol>();
  for (const c of declared) {
    cols.set(c.name, { name: c.name, type: c.type, expr: present.has(c.name) ? `t.${ident(c.name)}` : `NULL::${PG_TYPES[c.type]}` });
  }
  const line: QCol = { name: LINE, type: 'integer', expr: 't."_line"' };
  const col = (name: unknown, allowLine = true): QCol => {
    if (typeof name === 'string') {
      if (allowLine && name === LINE) return line;
      const c = cols.get(name);
      if (c) return c;
    }
    throw unknownColumn(name);
  };
  /** A column that a condition, an order or an aggregate reads. */
  const usable = (name: unknown, allowLine = true): QCol => {
    const c = col(name, allowLine);
    if (masked.has(c.name)) throw maskedColumn(c.name);
    return c;
  };
  const list = <T>(v: T[] | undefined, what: string): T[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw refuse(`"${what}" phải là một danh sách`, `"${what}" must be a list`, what);
    return v;
  };

  const p = new Params();
  const vp = p.add(version);
  const where: string[] = [`t."_version_from" <= ${vp}::int`, `(t."_version_to" IS NULL OR t."_version_to" > ${vp}::int)`];

  for (const f of list(q.filters, 'filters')) {
    if (!f || typeof f !== 'object') throw refuse('Bộ lọc không hợp lệ', 'Invalid filter', 'filters');
    const c = usable(f.column);
    const op = f.op;
    if (!(FILTER_OPS as readonly string[]).includes(op)) throw refuse(`Phép lọc ${shown(op)} không được hỗ trợ`, `Unsupported filter operator ${shown(op)}`, c.name);
    const cast = PG_TYPES[c.type];
    const opRefused = () =>
      refuse(`Phép lọc "${op}" không dùng được cho cột "${c.name}" (${c.type})`, `Operator "${op}" does not apply to column "${c.name}" (${c.type})`, c.name);
    switch (op) {
      case 'isNull':
        where.push(`${c.expr} IS NULL`);
        break;
      case 'notNull':
        where.push(`${c.expr} IS NOT NULL`);
        break;
      case 'eq':
      case 'ne':
        if (!SCALAR.has(c.type)) throw opRefused();
        // ne keeps NULLs: a row without a value is "not equal" to any value.
        where.push(`${c.expr} ${op === 'eq' ? '=' : 'IS DISTINCT FROM'} ${p.add(bindText(f.value, c))}::${cast}`);
        break;
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        if (!ORDERED.has(c.type)) throw opRefused();
        const sqlOp = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[op];
        where.push(`${c.expr} ${sqlOp} ${p.add(bindText(f.value, c))}::${cast}`);
        break;
      }
      case 'in': {
        if (!SCALAR.has(c.type)) throw opRefused();
        const vs = f.value;
        if (!Array.isArray(vs) || vs.length === 0 || vs.length > MAX_IN_VALUES) {
          throw refuse(`"in" cần 1–${MAX_IN_VALUES} giá trị cho cột "${c.name}"`, `"in" needs 1–${MAX_IN_VALUES} values for column "${c.name}"`, c.name);
        }
        where.push(`${c.expr} IN (${vs.map((v) => `${p.add(bindText(v, c))}::${cast}`).join(', ')})`);
        break;
      }
      case 'contains':
      case 'startsWith': {
        if (c.type !== 'text') throw opRefused();
        const needle = p.add(likeEscape(bindText(f.value, c)));
        where.push(`provdata_fold(${c.expr}) LIKE ${op === 'contains' ? `'%' || ` : ''}provdata_fold(${needle}) || '%'`);
        break;
      }
    }
  }

  if (q.q !== undefined && q.q !== null) {
    if (typeof q.q !== 'string' || q.q.length > 200) throw refuse('Chuỗi tìm kiếm không hợp lệ', 'Invalid search text', 'q');
    const text = q.q.normalize('NFC').trim();
    if (text) {
      const textCols = [...cols.values()].filter((c) => c.type === 'text' && present.has(c.name) && !masked.has(c.name));
      const needle = p.add(likeEscape(text));
      where.push(textCols.length ? `(${textCols.map((c) => `provdata_fold(${c.expr}) LIKE '%' || provdata_fold(${needle}) || '%'`).join(' OR ')})` : 'FALSE');
    }
  }

  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw refuse(`"limit" phải từ 1 đến ${maxLimit}`, `"limit" must be between 1 and ${maxLimit}`, 'limit');
  }
  const offset = q.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw refuse('"offset" phải là số nguyên không âm', '"offset" must be a non-negative integer', 'offset');
  if (q.offset !== undefined && q.cursor !== undefined) throw refuse('Không dùng "offset" cùng "cursor"', 'Use either "offset" or "cursor", not both', 'cursor');

  const sortIn = list<WhSort>(q.sort, 'sort');
  const dirOf = (s: WhSort): 'asc' | 'desc' => {
    const d = s.dir ?? 'asc';
    if (d !== 'asc' && d !== 'desc') throw refuse(`Chiều sắp xếp ${shown(d)} không hợp lệ`, `Invalid sort direction ${shown(d)}`, 'sort');
    return d;
  };
  const whereSql = where.join(' AND ');
  const groupBy = list(q.groupBy, 'groupBy');
  const aggregates = list(q.aggregates, 'aggregates');

  if (groupBy.length || aggregates.length) {
    if (q.cursor !== undefined) throw refuse('Truy vấn gộp nhóm dùng "offset", không dùng "cursor"', 'Grouped queries page with "offset", not "cursor"', 'cursor');
    if (q.fields !== undefined) throw refuse('Truy vấn gộp nhóm không dùng "fields"', 'Grouped queries return their groups and aggregates, not "fields"', 'fields');
    const select: string[] = [];
    const out: OutColumn[] = [];
    const orderable = new Map<string, string>();
    const groupExprs: string[] = [];
    for (const g of groupBy) {
      const c = usable(g, false);
      if (!SCALAR.has(c.type)) throw refuse(`Không gộp nhóm theo cột "${c.name}" (${c.type})`, `Cannot group by column "${c.name}" (${c.type})`, c.name);
      if (orderable.has(c.name)) continue;
      select.push(`${c.expr}${READ_AS_TEXT.has(c.type) ? '::text' : ''} AS ${ident(c.name)}`);
      out.push({ name: c.name, type: c.type });
      orderable.set(c.name, c.expr);
      groupExprs.push(c.expr);
    }
    for (const a of aggregates) {
      if (!a || typeof a !== 'object' || !(AGGREGATE_FNS as readonly string[]).includes(a.fn)) throw refuse('Hàm gộp không hợp lệ', 'Invalid aggregate function', 'aggregates');
      if (typeof a.as !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(a.as) || orderable.has(a.as)) {
        throw refuse(`Tên kết quả gộp ${shown(a.as)} không hợp lệ hoặc bị trùng`, `Aggregate name ${shown(a.as)} is invalid or already used`, 'aggregates');
      }
      let expr: string;
      let type: WhType = 'number';
      if (a.fn === 'count') {
        expr = a.column === undefined ? 'count(*)' : `count(${usable(a.column, false).expr})`;
      } else {
        if (a.column === undefined) throw refuse(`Hàm "${a.fn}" cần một cột`, `Aggregate "${a.fn}" needs a column`, 'aggregates');
        const c = usable(a.column, false);
        const numeric = c.type === 'integer' || c.type === 'number';
        if ((a.fn === 'sum' || a.fn === 'avg') && !numeric) throw refuse(`Hàm "${a.fn}" cần cột số, "${c.name}" là ${c.type}`, `Aggregate "${a.fn}" needs a numeric column; "${c.name}" is ${c.type}`, c.name);
        if ((a.fn === 'min' || a.fn === 'max') && !ORDERED.has(c.type)) throw refuse(`Hàm "${a.fn}" không dùng được cho cột "${c.name}" (${c.type})`, `Aggregate "${a.fn}" does not apply to column "${c.name}" (${c.type})`, c.name);
        expr = `${a.fn}(${c.expr})`;
        if (a.fn === 'min' || a.fn === 'max') type = c.type;
      }
      select.push(`${expr}${type === 'text' ? '' : '::text'} AS ${ident(a.as)}`);
      out.push({ name: a.as, type });
      orderable.set(a.as, expr);
    }
    const order = sortIn.map((s) => {
      const e = typeof s?.column === 'string' ? orderable.get(s.column) : undefined;
      if (!e) throw refuse(`Chỉ sắp xếp theo cột gộp nhóm hoặc kết quả gộp, không theo ${shown(s?.column)}`, `Sort a grouped query by a group column or an aggregate, not ${shown(s?.column)}`, 'sort');
      return `${e} ${dirOf(s).toUpperCase()} NULLS LAST`;
    });
    order.push(...groupExprs.map((e) => `${e} ASC NULLS LAST`));
    const groupSql = groupExprs.length ? ` GROUP BY ${groupExprs.join(', ')}` : '';
    const countParams = [...p.list];
    const lp = p.add(limit);
    const op = p.add(offset);
    return {
      sql: `SELECT ${select.join(', ')} FROM ${table} t WHERE ${whereSql}${groupSql}${order.length ? ` ORDER BY ${order.join(', ')}` : ''} LIMIT ${lp}::int OFFSET ${op}::bigint`,
      params: p.list,
      countSql: q.count ? `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} t WHERE ${whereSql}${groupSql}) g` : null,
      countParams,
      fromWhere: null,
      out,
      limit,
      grouped: true,
      sort: [],
    };
  }

  // Plain rows.
  const fieldNames = q.fields === undefined ? declared.map((c) => c.name) : list(q.fields, 'fields');
  if (fieldNames.length === 0) throw refuse('"fields" không được rỗng', '"fields" must not be empty', 'fields');
  const out: OutColumn[] = [];
  const select: string[] = [];
  const seen = new Set<string>();
  for (const f of fieldNames) {
    const c = col(f);
    if (seen.has(c.name)) continue;
    seen.add(c.name);
    select.push(`${c.expr}${READ_AS_TEXT.has(c.type) ? '::text' : ''} AS ${ident(c.name)}`);
    out.push({ name: c.name, type: c.type });
  }
  const sort = sortIn.map((s) => {
    if (!s || typeof s !== 'object') throw refuse('Sắp xếp không hợp lệ', 'Invalid sort', 'sort');
    const c = usable(s.column);
    if (!SCALAR.has(c.type)) throw refuse(`Không sắp xếp theo cột "${c.name}" (${c.type})`, `Cannot sort by column "${c.name}" (${c.type})`, c.name);
    return { c, dir: dirOf(s) };
  });
  // Keyset values of the last row, for the next cursor.
  sort.forEach((s, i) => select.push(`${s.c.expr}::text AS "_s${i}"`));
  select.push('t."_id"::text AS "_id"');
  const countParams = [...p.list];
  const keyset: string[] = [];
  if (cursor) {
    if (cursor.values.length !== sort.length) throw refuse('Con trỏ không khớp truy vấn', 'The cursor does not match this query', 'cursor');
    let after = `t."_id" > ${p.add(cursor.id)}::bigint`;
    for (let i = sort.length - 1; i >= 0; i--) {
      const { c, dir } = sort[i]!;
      const v = cursor.values[i]!;
      if (v === null) {
        // NULLS LAST: after a NULL only more NULLs of this column follow.
        after = `(${c.expr} IS NULL AND ${after})`;
      } else {
        const b = `${p.add(bindText(v, c))}::${PG_TYPES[c.type]}`;
        after = `(${c.expr} ${dir === 'asc' ? '>' : '<'} ${b} OR ${c.expr} IS NULL OR (${c.expr} = ${b} AND ${after}))`;
      }
    }
    keyset.push(after);
  }
  const order = [...sort.map((s) => `${s.c.expr} ${s.dir.toUpperCase()} NULLS LAST`), 't."_id" ASC'];
  const lp = p.add(limit + 1);
  const op = p.add(offset);
  return {
    sql: `SELECT ${select.join(', ')} FROM ${table} t WHERE ${[whereSql, ...keyset].join(' AND ')} ORDER BY ${order.join(', ')} LIMIT ${lp}::int OFFSET ${op}::bigint`,
    params: p.list,
    countSql: q.count ? `SELECT count(*) AS n FROM ${table} t WHERE ${whereSql}` : null,
    countParams,
    fromWhere: `FROM ${table} t WHERE ${whereSql}`,
    out,
    limit,
    grouped: false,
    sort: sort.map((s) => ({ column: s.c.name, dir: s.dir })),
  };
}

