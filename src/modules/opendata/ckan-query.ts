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

/**
 * A tsquery over the search document from a bound text, folded as the document is (opendata
 * migration 002: tone-folded, '/' as a space). A scalar subquery, so it is computed once per search.
 */
const foldedTsquery = (fn: 'plainto_tsquery' | 'phraseto_tsquery', placeholder: string) =>
  `(SELECT ${fn}('simple', translate(provdata_fold(${placeholder}), '/', ' ')))`;

/** SQL for one field and value, with `bind` adding a parameter and returning its placeholder. */
type Bind = (v: unknown) => string;

const FIELD_SQL: Record<string, (v: string, bind: Bind) => string> = {
  tags: (v, b) => `${b(v)} = ANY(p.tags)`,
  organization: (v, b) => `p.org_id = ${b(v)}`,
  owner_org: (v, b) => `p.org_id = ${b(v)}`,
  groups: (v, b) => `${b(v)} = ANY(p.groups)`,
  communes: (v, b) => `${b(v)} = ANY(p.communes)`,
  res_format: (v, b) => `EXISTS (SELECT 1 FROM unnest(p.formats) f WHERE lower(f) = lower(${b(v)}))`,
  license_id: (v, b) => `p.license_id = ${b(v)}`,
  name: (v, b) => `p.name = ${b(v)}`,
  id: (v, b) => `p.dataset_id::text = ${b(v)}`,
  // Title words are the weight-A part of the search document; the GIN index finds candidates, ts_filter keeps title hits.
  title: (v, b) => {
    const tsq = foldedTsquery('plainto_tsquery', b(v));
    return `p.search_tsv @@ ${tsq} AND ts_filter(p.search_tsv, '{a}') @@ ${tsq}`;
  },
  text: (v, b) => `p.search_tsv @@ ${foldedTsquery('plainto_tsquery', b(v))}`,
  dataset_type: (v) => (v === 'dataset' ? 'TRUE' : 'FALSE'),
  state: (v) => (v === 'active' ? 'TRUE' : 'FALSE'),
  private: (v) => (v === 'false' ? 'TRUE' : 'FALSE'),
};
/** Multi-valued fields and their array column (`field:*` = the package has at least one value). */
const ARRAY_FIELDS: Record<string, string> = { tags: 'tags', groups: 'groups', res_format: 'formats', communes: 'communes' };
const DATE_FIELDS: Record<string, string> = { metadata_modified: 'p.metadata_modified', metadata_created: 'p.metadata_created' };
/** `field:…` (optionally `+`/`-`), as opposed to a bare word. */
const FIELDED_TOKEN = /^[+\-!]?(?:[a-z_]+|\*):/;
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
    if (c.value === '*') sql = ARRAY_FIELDS[c.field] ? `cardinality(p.${ARRAY_FIELDS[c.field]}) > 0` : 'TRUE';
    else sql = f(c.value!, bind);
  }
  return c.negate ? `NOT (${sql})` : `(${sql})`;
}

/** A token of a fielded `q` that is not `field:…` — a bare word or quoted phrase, searched in `text` (Solr's df). */
function bareClause(tok: string): Clause {
  let t = tok;
  let negate = false;
  if (t.startsWith('+')) t = t.slice(1);
  else if (t.startsWith('-') || t.startsWith('!')) {
    negate = true;
    t = t.slice(1);
  }
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) t = t.slice(1, -1);
  return { field: 'text', value: t.replace(/\\(.)/g, '$1'), range: null, negate };
}

/**
 * Compiles an `fq` into an SQL condition over `opendata_packages p`. With `bareTerms` (a fielded
 * `q`, which CKAN hands to Solr's standard parser with the default field `text`), a token that is
 * not `field:value` searches the full text instead of being refused.
 * @throws AppError BAD_REQUEST (ckanType "Search Query Error") for syntax outside the subset.
 */
export function compileFq(fq: string, bind: Bind, opts: { bareTerms?: boolean } = {}): string {
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
    const bare = opts.bareTerms && !FIELDED_TOKEN.test(tok);
    groups[groups.length - 1]!.push(clauseSql(bare ? bareClause(tok) : parseClause(tok), bind));
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

/** Whether a `q` is fielded (`tags:economy`, `title:"du lich" res_format:CSV`): CKAN then skips dismax. */
export function isFieldedQuery(q: string): boolean {
  return q.split(/\s+/).some((t) => {
    const field = t.replace(/^[+\-!]/, '').split(':')[0]!;
    return FIELDED_TOKEN.test(t) && (field in FIELD_SQL || field in DATE_FIELDS || field === '*');
  });
}

/**
 * CKAN's default minimum-should-match, `mm=2<-1 5<80%` (ckan/lib/search/query.py): with 1 or 2
 * words all must match, with 3 to 5 all but one, with more 80 % of them (rounded down, as Solr).
 */
export function minimumMatch(n: number): number {
  if (n <= 2) return n;
  if (n <= 5) return n - 1;
  return Math.floor(n * 0.8);
}

/** Every k-element subset of 0…n−1 (as index lists), or null when there are more than `max`. */
function combinations(n: number, k: number, max: number): number[][] | null {
  let count = 1;
  for (let i = 0; i < k; i++) count = (count * (n - i)) / (i + 1);
  if (count > max) return null;
  const out: number[][] = [];
  const walk = (from: number, picked: number[]) => {
    if (picked.length === k) out.push(picked);
    else for (let i = from; i <= n - (k - picked.length); i++) walk(i + 1, [...picked, i]);
  };
  walk(0, []);
  return out;
}

/** Weights of the search document's parts {D, C, B, A}: CKAN's qf `title^4 tags^2 groups^2 text` → text 0.25, tags/groups 0.5, title 1. */
const RANK_WEIGHTS = "'{0.1, 0.25, 0.5, 1.0}'::float4[]";
const MAX_CLAUSES = 32;

/** A free-text `q` compiled to SQL over `opendata_packages p`: the match condition and a rank expression. */
export interface TextQuery {
  where: string;
  rank: string;
}

/**
 * Compiles a free-text `q` the way CKAN's dismax does it: each word (or `"quoted phrase"`) is a
 * clause searched in the tone-folded search document (title, tags and themes, description);
 * `+word` must match, `-word` must not; of the other clauses at least {@link minimumMatch} must
 * match — so `du lich` needs both words, not either. Ranked by weighted full-text rank (title
 * above tags and themes above description). Returns null when `q` has no searchable word.
 * @throws AppError BAD_REQUEST (ckanType "Search Query Error") when q has more than 32 clauses.
 */
export function compileText(q: string, bind: Bind): TextQuery | null {
  const optional: string[] = [];
  const required: string[] = [];
  const prohibited: string[] = [];
  for (const m of q.matchAll(/([+-]?)(?:"([^"]*)"?|(\S+))/g)) {
    const phrase = m[2] !== undefined;
    const text = (phrase ? m[2]! : m[3]!).replace(/"/g, ' ').trim();
    if (!/[\p{L}\p{N}]/u.test(text)) continue;
    const tsq = foldedTsquery(phrase ? 'phraseto_tsquery' : 'plainto_tsquery', bind(text));
    (m[1] === '+' ? required : m[1] === '-' ? prohibited : optional).push(tsq);
  }
  if (optional.length + required.length + prohibited.length > MAX_CLAUSES) throw searchQueryError(`q has more than ${MAX_CLAUSES} words`);
  const positive = [...required, ...optional];
  if (!positive.length && !prohibited.length) return null;
  const conds: string[] = [];
  const need = minimumMatch(optional.length);
  const combos = optional.length && need < optional.length ? combinations(optional.length, need, 64) : null;
  if (optional.length && need === optional.length) conds.push(`p.search_tsv @@ (${optional.join(' && ')})`);
  else if (combos) {
    // "2 of gia, ca, phe" as (gia & ca) | (gia & phe) | (ca & phe): the GIN index answers it exactly,
    // where an OR would fetch every row containing the commonest word ("gia" is in every "Gia Lai").
    conds.push(`p.search_tsv @@ (${combos.map((c) => `(${c.map((i) => optional[i]).join(' && ')})`).join(' || ')})`);
  } else if (optional.length) {
    // The OR finds candidates through the GIN index; the sum keeps those matching enough words.
    conds.push(`p.search_tsv @@ (${optional.join(' || ')})`);
    if (need > 1) conds.push(`(${optional.map((o) => `(p.search_tsv @@ ${o})::int`).join(' + ')}) >= ${need}`);
  }
  for (const r of required) conds.push(`p.search_tsv @@ ${r}`);
  for (const n of prohibited) conds.push(`NOT (p.search_tsv @@ ${n})`);
  return {
    where: conds.join(' AND ') || 'TRUE',
    rank: positive.length ? `ts_rank(${RANK_WEIGHTS}, p.search_tsv, (${positive.join(' || ')}))` : 'NULL::float8',
  };
}
