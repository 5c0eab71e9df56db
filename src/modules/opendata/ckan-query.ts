/**
 * The subset of CKAN's Solr query syntax that CKAN clients and harvesters actually send in
 * `package_search`'s `fq` and `sort`, compiled into SQL over `opendata_packages p`:
 *
 * - clauses `field:value`, `field:"quoted value"`, `field:*`, ranges `field:[A TO B]` on dates,
 *   optionally prefixed by `+` (must) or `-` (must not);
 * - `AND` and `OR` between clauses (AND binds tighter; clauses side by side mean AND, as CKAN's
 *   facet links build them); `*:*` matches everything.
 *
 * Anything else (parentheses, unknown fields, unbalanced quotes) is a CKAN "Search Query Error",
 * never a server error.
 */
import { AppError } from '../../core/errors.js';

/** A CKAN "Search Query Error" (HTTP 400 in CKAN). */
export function searchQueryError(message: string): AppError {
  return new AppError('BAD_REQUEST', { vi: `Truy vấn tìm kiếm không hợp lệ: ${message}`, en: `Search Query is invalid: ${message}` }, { ckanType: 'Search Query Error' });
}

interface Clause {
  field: string;
  value: string | null;
  range: [string, string] | null;
  negate: boolean;
}

/** SQL for one field and value, with `bind` adding a parameter and returning its placeholder. */
type Bind = (v: unknown) => string;

const FIELD_SQL: Record<string, (v: string, bind: Bind) => string> = {
  tags: (v, b) => `${b(v)} = ANY(p.tags)`,
  organization: (v, b) => `p.org_id = ${b(v)}`,
  owner_org: (v, b) => `p.org_id = ${b(v)}`,
  groups: (v, b) => `${b(v)} = ANY(p.groups)`,
  res_format: (v, b) => `EXISTS (SELECT 1 FROM unnest(p.formats) f WHERE lower(f) = lower(${b(v)}))`,
  license_id: (v, b) => `p.license_id = ${b(v)}`,
  name: (v, b) => `p.name = ${b(v)}`,
  id: (v, b) => `p.dataset_id::text = ${b(v)}`,
  title: (v, b) => `p.search_tsv @@ plainto_tsquery('simple', provdata_fold(${b(v)}))`,
  text: (v, b) => `p.search_tsv @@ plainto_tsquery('simple', provdata_fold(${b(v)}))`,
  dataset_type: (v) => (v === 'dataset' ? 'TRUE' : 'FALSE'),
  state: (v) => (v === 'active' ? 'TRUE' : 'FALSE'),
  private: (v) => (v === 'false' ? 'TRUE' : 'FALSE'),
};
const DATE_FIELDS: Record<string, string> = { metadata_modified: 'p.metadata_modified', metadata_created: 'p.metadata_created' };
/** Fields the `fq` understands, for error messages and docs. */
export const FQ_FIELDS = [...Object.keys(FIELD_SQL), ...Object.keys(DATE_FIELDS)];

function tokenize(fq: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < fq.length) {
    const c = fq[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') throw searchQueryError('parentheses are not supported; use AND/OR between field:value clauses');
    let tok = '';
    while (i < fq.length && !/\s/.test(fq[i]!)) {
      const ch = fq[i]!;
      if (ch === '"') {
        const end = fq.indexOf('"', i + 1);
        if (end < 0) throw searchQueryError('unbalanced quotes');
        tok += fq.slice(i, end + 1);
        i = end + 1;
      } else if (ch === '[' || ch === '{') {
        const end = fq.slice(i).search(/[\]}]/);
        if (end < 0) throw searchQueryError('unbalanced range brackets');
        tok += fq.slice(i, i + end + 1);
        i += end + 1;
      } else if (ch === '(' || ch === ')') {
        throw searchQueryError('parentheses are not supported; use AND/OR between field:value clauses');
      } else {
        tok += ch;
        i++;
      }
    }
    tokens.push(tok);
  }
  return tokens;
}

function parseClause(tok: string): Clause {
  let negate = false;
  let t = tok;
  if (t.startsWith('+')) t = t.slice(1);
  else if (t.startsWith('-') || t.startsWith('!')) {
    negate = true;
    t = t.slice(1);
  }
  const colon = t.indexOf(':');
  if (colon <= 0) throw searchQueryError(`expected field:value, got ${JSON.stringify(tok.slice(0, 80))}`);
  const field = t.slice(0, colon);
  let raw = t.slice(colon + 1);
  if (!raw) throw searchQueryError(`missing value after ${field}:`);
  if (raw.startsWith('[') || raw.startsWith('{')) {
    const m = /^[[{]\s*(\S+)\s+TO\s+(\S+)\s*[\]}]$/.exec(raw);
    if (!m) throw searchQueryError(`bad range ${JSON.stringify(raw.slice(0, 80))}`);
    return { field, value: null, range: [m[1]!, m[2]!], negate };
  }
  if (raw.startsWith('"')) {
    if (!raw.endsWith('"') || raw.length < 2) throw searchQueryError('unbalanced quotes');
    raw = raw.slice(1, -1);
  } else if (raw.includes('"')) {
    throw searchQueryError('unbalanced quotes');
  }
  return { field, value: raw.replace(/\\(.)/g, '$1'), range: null, negate };
}

/** Solr date math is not supported beyond `NOW` and `*`; ISO dates are. */
function dateBound(v: string, bind: Bind): string | null {
  if (v === '*') return null;
  if (v === 'NOW') return 'now()';
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?$/.test(v) || Number.isNaN(Date.parse(v))) throw searchQueryError(`bad date ${JSON.stringify(v.slice(0, 40))}`);
  return `${bind(v)}::timestamptz`;
}

function clauseSql(c: Clause, bind: Bind): string {
  let sql: string;
  if (c.field === '*' && c.value === '*') sql = 'TRUE';
  else if (c.field in DATE_FIELDS) {
    const col = DATE_FIELDS[c.field]!;
    if (!c.range) {
      if (c.value !== '*') throw searchQueryError(`${c.field} needs a range [A TO B]`);
      sql = 'TRUE';
    } else {
      const lo = dateBound(c.range[0], bind);
      const hi = dateBound(c.range[1], bind);
      sql = [lo ? `${col} >= ${lo}` : null, hi ? `${col} <= ${hi}` : null].filter(Boolean).join(' AND ') || 'TRUE';
    }
  } else {
    const f = FIELD_SQL[c.field];
    if (!f) throw searchQueryError(`unknown field ${JSON.stringify(c.field.slice(0, 40))}; known: ${FQ_FIELDS.join(', ')}`);
    if (c.range) throw searchQueryError(`${c.field} does not take a range`);
    if (c.value === '*') sql = c.field === 'tags' || c.field === 'groups' || c.field === 'res_format' ? `cardinality(p.${c.field === 'res_format' ? 'formats' : c.field}) > 0` : 'TRUE';
    else sql = f(c.value!, bind);
  }
  return c.negate ? `NOT (${sql})` : `(${sql})`;
}

/**
 * Compiles an `fq` into an SQL condition over `opendata_packages p`.
 * @throws AppError BAD_REQUEST (ckanType "Search Query Error") for syntax outside the subset.
 */
export function compileFq(fq: string, bind: Bind): string {
  if (fq.length > 4000) throw searchQueryError('fq is too long');
  const tokens = tokenize(fq);
  if (!tokens.length) return 'TRUE';
  const groups: string[][] = [[]];
  let expectClause = true;
  for (const tok of tokens) {
    if (tok === 'AND' || tok === '&&' || tok === 'OR' || tok === '||') {
      if (expectClause) throw searchQueryError(`unexpected ${tok}`);
      if (tok === 'OR' || tok === '||') groups.push([]);
      expectClause = true;
      continue;
    }
    if (tok === 'NOT') throw searchQueryError('NOT is not supported; prefix the clause with -');
    groups[groups.length - 1]!.push(clauseSql(parseClause(tok), bind));
    expectClause = false;
  }
  if (expectClause) throw searchQueryError('the query ends with an operator');
  return groups.map((g) => `(${g.join(' AND ')})`).join(' OR ');
}

const SORT_SQL: Record<string, string> = {
  score: 'rank',
  metadata_modified: 'p.metadata_modified',
  metadata_created: 'p.metadata_created',
  title_string: 'p.title',
  title: 'p.title',
  name: 'p.name',
};
/** Sort fields `package_search` understands. */
export const SORT_FIELDS = Object.keys(SORT_SQL);

/**
 * Compiles CKAN's `sort` ("score desc, metadata_modified desc") into an ORDER BY list.
 * @throws AppError BAD_REQUEST (ckanType "Search Query Error") for unknown fields or directions.
 */
export function compileSort(sort: string): string {
  const parts = sort.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length || parts.length > 5) throw searchQueryError('sort needs 1 to 5 "field direction" pairs');
  const out = parts.map((p) => {
    const m = /^([a-z_]+)(?:\s+(asc|desc))?$/i.exec(p);
    if (!m) throw searchQueryError(`bad sort ${JSON.stringify(p.slice(0, 60))}`);
    const col = SORT_SQL[m[1]!];
    if (!col) throw searchQueryError(`cannot sort on ${JSON.stringify(m[1]!.slice(0, 40))}; known: ${SORT_FIELDS.join(', ')}`);
    return `${col} ${(m[2] ?? 'asc').toUpperCase()}${col === 'rank' ? ' NULLS LAST' : ''}`;
  });
  return [...out, 'p.name ASC'].join(', ');
}
