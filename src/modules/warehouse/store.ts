import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ident, qualified, type Queryable } from '../../core/db/index.js';
import { AppError, invalid } from '../../core/errors.js';
import { PG_TYPES, READ_AS_TEXT } from './rows.js';
import type { LoadMode, Row, WhColumn } from './schema.js';

/** Schema holding one table per dataset. */
export const WH_SCHEMA = 'wh';

export interface VersionRow {
  dataset_id: string;
  version: number;
  mode: LoadMode;
  rows_loaded: number;
  row_count: number;
  added: number;
  removed: number;
  key_columns: string[];
  created_by: string | null;
  created_at: Date | string;
  source: Record<string, unknown> | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `ds_<dataset id without dashes>`. @throws AppError VALIDATION_FAILED for a non-uuid id. */
export function tableName(datasetId: string): string {
  if (typeof datasetId !== 'string' || !UUID.test(datasetId)) {
    throw invalid({ vi: 'Mã bộ dữ liệu phải là UUID', en: 'The dataset id must be a UUID' }, [{ field: 'datasetId', message: 'not a uuid' }]);
  }
  return `ds_${datasetId.replace(/-/g, '').toLowerCase()}`;
}

/** The quoted, schema-qualified table of a dataset. */
export const datasetTable = (datasetId: string) => qualified(WH_SCHEMA, tableName(datasetId));

/** Version N of a table aliased `alias`: rows valid for N, i.e. in [_version_from, _version_to). */
const validAt = (alias: string, p: string) => `(${alias}."_version_from" <= ${p}::int AND (${alias}."_version_to" IS NULL OR ${alias}."_version_to" > ${p}::int))`;

/**
 * Database errors a load can raise on bad data (SQLSTATE class 22, "data exception") become
 * VALIDATION_FAILED naming the column; anything else is rethrown for the 500 handler.
 */
async function translate<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('22')) {
      const column = (e as { column?: string }).column;
      throw new AppError(
        'VALIDATION_FAILED',
        { vi: `Giá trị không hợp lệ khi nạp dữ liệu${column ? ` (cột "${column}")` : ''}`, en: `Invalid value while loading${column ? ` (column "${column}")` : ''}` },
        { sqlstate: code },
      );
    }
    throw e;
  }
}

/** SQL of the warehouse. Only this file (and the compiled queries it runs) talks to its tables. */
export class WarehouseStore {
  constructor(private readonly db: Queryable) {}

  /** Serialises loads and schema changes of one dataset until the transaction ends. */
  async lock(tx: Queryable, datasetId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('provdata.warehouse'), hashtext($1))`, [datasetId.toLowerCase()]);
  }

  /** The dataset table's columns and their SQL types, or null when it does not exist yet. */
  async tableColumns(datasetId: string, q: Queryable = this.db): Promise<Map<string, string> | null> {
    const r = await q.query<{ name: string; type: string | null }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM (SELECT to_regclass($1) AS rel) c LEFT JOIN pg_attribute a ON a.attrelid = c.rel AND a.attnum > 0 AND NOT a.attisdropped
       WHERE c.rel IS NOT NULL`,
      [`${WH_SCHEMA}.${tableName(datasetId)}`],
    );
    if (r.rows.length === 0) return null;
    return new Map(r.rows.filter((x) => x.name !== null).map((x) => [x.name, x.type ?? '']));
  }

  /**
   * Creates a dataset table. `withIndexes: false` leaves out the primary key and the key index so
   * that a first load can COPY into a bare table and build them once afterwards ({@link createIndexes}),
   * which is several times faster than maintaining them row by row.
   */
  async createTable(tx: Queryable, datasetId: string, columns: readonly WhColumn[], withIndexes = true): Promise<void> {
    const userCols = columns.map((c) => `${ident(c.name)} ${PG_TYPES[c.type]}`);
    // CACHE: ids are only an order and a tie-breaker, so gaps are fine and nextval stays cheap.
    const system = ['"_id" bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000) NOT NULL', '"_version_from" int NOT NULL', '"_version_to" int', '"_line" int', '"_row_hash" text NOT NULL', '"_key" text'];
    await tx.exec(`CREATE TABLE ${datasetTable(datasetId)} (${[...userCols, ...system].join(', ')})`);
    if (withIndexes) await this.createIndexes(tx, datasetId);
  }

  /** The row-id primary key (paging, updates) and the index of current keys (upserts). */
  async createIndexes(tx: Queryable, datasetId: string): Promise<void> {
    const t = datasetTable(datasetId);
    const name = tableName(datasetId);
    await tx.exec(`ALTER TABLE ${t} ADD CONSTRAINT ${ident(`${name}_pkey`)} PRIMARY KEY ("_id");
    CREATE INDEX ${ident(`${name}_key`)} ON ${t} ("_key") WHERE "_version_to" IS NULL;`);
  }

  async addColumns(tx: Queryable, datasetId: string, columns: readonly WhColumn[]): Promise<void> {
    if (!columns.length) return;
    await tx.exec(`ALTER TABLE ${datasetTable(datasetId)} ${columns.map((c) => `ADD COLUMN ${ident(c.name)} ${PG_TYPES[c.type]}`).join(', ')}`);
  }

  // ---- versions --------------------------------------------------------------------------------

  private static readonly VERSION_COLS =
    'dataset_id::text AS dataset_id, version, mode, rows_loaded, row_count, added, removed, key_columns, created_by, created_at, source';

  async latestVersion(datasetId: string, q: Queryable = this.db): Promise<VersionRow | null> {
    const r = await q.query<VersionRow>(
      `SELECT ${WarehouseStore.VERSION_COLS} FROM warehouse_versions WHERE dataset_id = $1::uuid ORDER BY version DESC LIMIT 1`,
      [datasetId],
    );
    return r.rows[0] ?? null;
  }

  async getVersion(datasetId: string, version: number): Promise<VersionRow | null> {
    const r = await this.db.query<VersionRow>(`SELECT ${WarehouseStore.VERSION_COLS} FROM warehouse_versions WHERE dataset_id = $1::uuid AND version = $2`, [
      datasetId,
      version,
    ]);
    return r.rows[0] ?? null;
  }

  async listVersions(datasetId: string): Promise<VersionRow[]> {
    const r = await this.db.query<VersionRow>(`SELECT ${WarehouseStore.VERSION_COLS} FROM warehouse_versions WHERE dataset_id = $1::uuid ORDER BY version`, [datasetId]);
    return r.rows;
  }

  async insertVersion(
    tx: Queryable,
    v: Omit<VersionRow, 'created_at'> & { columns: readonly WhColumn[] },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO warehouse_versions (dataset_id, version, mode, rows_loaded, row_count, added, removed, columns, key_columns, created_by, source)
       VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11::jsonb)`,
      [v.dataset_id, v.version, v.mode, v.rows_loaded, v.row_count, v.added, v.removed, JSON.stringify(v.columns), JSON.stringify(v.key_columns), v.created_by, v.source === null ? null : JSON.stringify(v.source)],
    );
  }

  // ---- loading ---------------------------------------------------------------------------------

  /** A temporary staging table for one load, dropped at the end of the load (and at commit anyway). */
  async createStage(tx: Queryable, columns: readonly WhColumn[]): Promise<string> {
    const name = ident(`wh_stage_${randomBytes(8).toString('hex')}`);
    const cols = columns.map((c) => `${ident(c.name)} ${PG_TYPES[c.type]}`);
    await tx.exec(`CREATE TEMPORARY TABLE ${name} (${[...cols, '"_line" int', '"_row_hash" text NOT NULL', '"_key" text'].join(', ')}) ON COMMIT DROP`);
    return name;
  }

  async dropStage(tx: Queryable, stage: string): Promise<void> {
    await tx.exec(`DROP TABLE IF EXISTS ${stage}`);
  }

  /** COPY of CSV chunks into `table` (already quoted). Returns the rows copied. */
  copy(tx: Queryable, table: string, columns: readonly string[], csv: AsyncIterable<string | Buffer> | Readable): Promise<number> {
    return translate(tx.copyFrom(table, columns, csv));
  }

  /** Keys occurring more than once in the rows of `where` (up to five), with their source lines. */
  async duplicateKeys(tx: Queryable, from: string, where: string, params: unknown[]): Promise<{ key: string; lines: number[] }[]> {
    const r = await tx.query<{ key: string; lines: number[] }>(
      `SELECT "_key" AS key, to_jsonb((array_agg("_line" ORDER BY "_line"))[1:5]) AS lines FROM ${from} WHERE ${where} GROUP BY "_key" HAVING count(*) > 1 ORDER BY min("_line") LIMIT 5`,
      params,
    );
    return r.rows;
  }

  /** Duplicate keys among the rows a direct load gave `version`. */
  duplicateKeysInVersion(tx: Queryable, datasetId: string, version: number) {
    return this.duplicateKeys(tx, datasetTable(datasetId), `"_version_from" = $1::int`, [version]);
  }

  /** Duplicate keys in a staging table. */
  duplicateKeysInStage(tx: Queryable, stage: string) {
    return this.duplicateKeys(tx, stage, 'TRUE', []);
  }

  /**
   * Replace, step 1: closes current rows whose content the new set no longer has. Rows are compared
   * as a multiset of hashes, so a file with two identical rows keeps two.
   */
  async replaceClose(tx: Queryable, datasetId: string, stage: string, version: number): Promise<number> {
    const t = datasetTable(datasetId);
    const r = await tx.query(
      `UPDATE ${t} t SET "_version_to" = $1::int FROM (
         SELECT c."_id" FROM (
           SELECT "_id", "_row_hash", row_number() OVER (PARTITION BY "_row_hash" ORDER BY "_id") AS rn FROM ${t} WHERE "_version_to" IS NULL
         ) c LEFT JOIN (SELECT "_row_hash", count(*) AS n FROM ${stage} GROUP BY "_row_hash") s ON s."_row_hash" = c."_row_hash"
         WHERE c.rn > coalesce(s.n, 0)
       ) x WHERE t."_id" = x."_id"`,
      [version],
    );
    return r.rowCount;
  }

  /** Replace, step 2: inserts the new rows whose content is not already current. */
  async replaceInsert(tx: Queryable, datasetId: string, stage: string, columns: readonly WhColumn[], version: number): Promise<number> {
    const t = datasetTable(datasetId);
    const names = columns.map((c) => ident(c.name));
    const r = await tx.query(
      `INSERT INTO ${t} (${[...names, '"_version_from"', '"_line"', '"_row_hash"', '"_key"'].join(', ')})
       SELECT ${[...names.map((n) => `s.${n}`), '$1::int', 's."_line"', 's."_row_hash"', 's."_key"'].join(', ')}
       FROM (SELECT *, row_number() OVER (PARTITION BY "_row_hash" ORDER BY "_line") AS "_rn" FROM ${stage}) s
       LEFT JOIN (SELECT "_row_hash", count(*) AS n FROM ${t} WHERE "_version_to" IS NULL AND "_version_from" < $1::int GROUP BY "_row_hash") c
         ON c."_row_hash" = s."_row_hash"
       WHERE s."_rn" > coalesce(c.n, 0)
       ORDER BY s."_line"`,
      [version],
    );
    return r.rowCount;
  }

  /** After a replace that changed the key columns: the kept rows take the key of their new copy. */
  async rekey(tx: Queryable, datasetId: string, stage: string, version: number): Promise<void> {
    const t = datasetTable(datasetId);
    await tx.query(
      `UPDATE ${t} t SET "_key" = s."_key"
       FROM (SELECT DISTINCT ON ("_row_hash") "_row_hash", "_key" FROM ${stage} ORDER BY "_row_hash", "_line") s
       WHERE t."_version_to" IS NULL AND t."_version_from" < $1::int AND t."_row_hash" = s."_row_hash" AND t."_key" IS DISTINCT FROM s."_key"`,
      [version],
    );
  }

  /**
   * Upsert, step 1: closes the current rows of every key the load carries, except one row already
   * identical to the incoming one (so re-sending an unchanged row changes nothing).
   */
  async upsertClose(tx: Queryable, datasetId: string, stage: string, version: number): Promise<number> {
    const t = datasetTable(datasetId);
    const r = await tx.query(
      `UPDATE ${t} t SET "_version_to" = $1::int FROM (
         SELECT c."_id" FROM (
           SELECT "_id", "_key", "_row_hash", row_number() OVER (PARTITION BY "_key", "_row_hash" ORDER BY "_id") AS rn
           FROM ${t} WHERE "_version_to" IS NULL AND "_key" IN (SELECT "_key" FROM ${stage})
         ) c JOIN ${stage} s ON s."_key" = c."_key"
         WHERE NOT (c."_row_hash" = s."_row_hash" AND c.rn = 1)
       ) x WHERE t."_id" = x."_id"`,
      [version],
    );
    return r.rowCount;
  }

  /** Upsert, step 2: inserts the incoming rows that are not already current unchanged. */
  async upsertInsert(tx: Queryable, datasetId: string, stage: string, columns: readonly WhColumn[], version: number): Promise<number> {
    const t = datasetTable(datasetId);
    const names = columns.map((c) => ident(c.name));
    const r = await tx.query(
      `INSERT INTO ${t} (${[...names, '"_version_from"', '"_line"', '"_row_hash"', '"_key"'].join(', ')})
       SELECT ${[...names.map((n) => `s.${n}`), '$1::int', 's."_line"', 's."_row_hash"', 's."_key"'].join(', ')} FROM ${stage} s
       WHERE NOT EXISTS (SELECT 1 FROM ${t} c WHERE c."_version_to" IS NULL AND c."_version_from" < $1::int AND c."_key" = s."_key" AND c."_row_hash" = s."_row_hash")
       ORDER BY s."_line"`,
      [version],
    );
    return r.rowCount;
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** Runs a query compiled by `compileQuery` (identifiers checked and quoted, values bound). */
  async run(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return (await this.db.query<Row>(sql, params)).rows;
  }

  /**
   * Rows that differ between two versions. Rows valid in only one of them are matched first by
   * content (hash, as a multiset) — equal content is no change — then by key: a key on both sides is
   * "changed", the rest "removed" or "added". Returns ids, at most `limit` of each kind, and full counts.
   */
  async diffIds(
    datasetId: string,
    keyExpr: string,
    from: number,
    to: number,
    limit: number,
  ): Promise<{ kind: 'added' | 'removed' | 'changed'; a: string | null; b: string | null; total: number }[]> {
    const t = datasetTable(datasetId);
    const r = await this.db.query<{ kind: 'added' | 'removed' | 'changed'; a: string | null; b: string | null; total: number }>(
      `WITH g AS (
         SELECT t."_id", t."_row_hash", ${keyExpr} AS k, row_number() OVER (PARTITION BY t."_row_hash" ORDER BY t."_id") AS hn
         FROM ${t} t WHERE ${validAt('t', '$1')} AND NOT ${validAt('t', '$2')}),
       n AS (
         SELECT t."_id", t."_row_hash", ${keyExpr} AS k, row_number() OVER (PARTITION BY t."_row_hash" ORDER BY t."_id") AS hn
         FROM ${t} t WHERE ${validAt('t', '$2')} AND NOT ${validAt('t', '$1')}),
       g2 AS (SELECT g.*, row_number() OVER (PARTITION BY g.k ORDER BY g."_id") AS kn FROM g
              WHERE NOT EXISTS (SELECT 1 FROM n WHERE n."_row_hash" = g."_row_hash" AND n.hn = g.hn)),
       n2 AS (SELECT n.*, row_number() OVER (PARTITION BY n.k ORDER BY n."_id") AS kn FROM n
              WHERE NOT EXISTS (SELECT 1 FROM g WHERE g."_row_hash" = n."_row_hash" AND g.hn = n.hn)),
       d AS (
         SELECT 'changed' AS kind, g2."_id" AS a, n2."_id" AS b FROM g2 JOIN n2 ON g2.k = n2.k AND g2.kn = n2.kn
         UNION ALL
         SELECT 'removed', g2."_id", NULL FROM g2 WHERE NOT EXISTS (SELECT 1 FROM n2 WHERE n2.k = g2.k AND n2.kn = g2.kn)
         UNION ALL
         SELECT 'added', NULL, n2."_id" FROM n2 WHERE NOT EXISTS (SELECT 1 FROM g2 WHERE g2.k = n2.k AND g2.kn = n2.kn))
       SELECT kind, a::text AS a, b::text AS b, total FROM (
         SELECT d.*, row_number() OVER (PARTITION BY kind ORDER BY coalesce(b, a), a) AS r, count(*) OVER (PARTITION BY kind) AS total FROM d) x
       WHERE r <= $3::int ORDER BY kind, r`,
      [from, to, limit],
    );
    return r.rows;
  }

  /** Rows by id, with the given columns (absent ones read as NULL) and the source line. */
  async rowsById(datasetId: string, columns: readonly WhColumn[], present: ReadonlySet<string>, ids: string[]): Promise<Map<string, Row>> {
    if (!ids.length) return new Map();
    const select = columns.map((c) => {
      const e = present.has(c.name) ? `t.${ident(c.name)}` : `NULL::${PG_TYPES[c.type]}`;
      return `${e}${READ_AS_TEXT.has(c.type) ? '::text' : ''} AS ${ident(c.name)}`;
    });
    const r = await this.db.query<Row>(
      `SELECT ${[...select, 't."_line"', 't."_id"::text AS "_id"'].join(', ')} FROM ${datasetTable(datasetId)} t WHERE t."_id" IN (SELECT (jsonb_array_elements_text($1::jsonb))::bigint)`,
      [JSON.stringify(ids)],
    );
    return new Map(r.rows.map((row) => [String(row._id), row]));
  }

  // ---- query indexes -----------------------------------------------------------------------------

  /** Names of the indexes a dataset table has. */
  async indexNames(datasetId: string): Promise<Set<string>> {
    const r = await this.db.query<{ name: string }>('SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', [WH_SCHEMA, tableName(datasetId)]);
    return new Set(r.rows.map((x) => x.name));
  }

  /**
   * Builds one query index if it does not exist yet, in the transaction `tx` (see {@link indexDdl}).
   * A plain CREATE INDEX: it takes a SHARE lock on the table until `tx` ends, so reads go on and
   * writes (a load) wait. Used on PGlite (one connection, no CONCURRENTLY) and inside a load.
   * Builders of one dataset are serialised by an advisory lock of their own (never the load's).
   */
  async createQueryIndex(tx: Queryable, datasetId: string, index: QueryIndex, maintenanceWorkMem: string | null): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('provdata.query-indexes'), hashtext($1))`, [datasetId.toLowerCase()]);
    if (maintenanceWorkMem) await tx.query(`SELECT set_config('maintenance_work_mem', $1, true)`, [maintenanceWorkMem]);
    await tx.exec(indexDdl(datasetId, index, false));
  }

  /**
   * Builds an index inside a load's transaction, which holds the dataset's lock already (no advisory
   * lock of the builders here: a builder waiting on the load while the load waits on it would deadlock).
   */
  async buildIndex(tx: Queryable, datasetId: string, index: QueryIndex): Promise<void> {
    await tx.exec(indexDdl(datasetId, index, false));
  }

  /**
   * Builds one query index with CREATE INDEX CONCURRENTLY (PostgreSQL, outside any transaction):
   * neither reads nor loads of the dataset wait for it. A build that failed half-way leaves an
   * INVALID index behind, which IF NOT EXISTS would keep forever: it is dropped and built again.
   */
  async createQueryIndexConcurrently(datasetId: string, index: QueryIndex): Promise<void> {
    if ((await this.isValidIndex(index.name)) === false) await this.db.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified(WH_SCHEMA, index.name)}`);
    await this.db.exec(indexDdl(datasetId, index, true));
  }

  /** Whether the index `name` is valid (usable by queries); null when there is none. */
  async isValidIndex(name: string): Promise<boolean | null> {
    const r = await this.db.query<{ valid: boolean }>('SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass($1)', [`${WH_SCHEMA}.${ident(name)}`]);
    return r.rows[0] ? r.rows[0].valid : null;
  }

  /**
   * What the valid indexes of a dataset table serve: `equality` holds the columns that lead a b-tree
   * (eq, in, ranges and sorts on them are index reads), `folded` those whose `provdata_fold(col)`
   * leads a b-tree (`startsWith`), `trigram` those with a trigram index on it (`startsWith`,
   * `contains` and `q`). Read from the catalogue,
   * so an index built by another process counts; an index still being built concurrently does not.
   */
  async indexedColumns(datasetId: string): Promise<IndexedColumns> {
    const r = await this.db.query<{ am: string; first: string }>(
      `SELECT am.amname AS am, pg_get_indexdef(i.indexrelid, 1, true) AS first
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
       WHERE i.indrelid = to_regclass($1) AND i.indisvalid AND i.indpred IS NULL`,
      [`${WH_SCHEMA}.${tableName(datasetId)}`],
    );
    const out: IndexedColumns = { equality: new Set(), folded: new Set(), trigram: new Set() };
    for (const x of r.rows) {
      const fold = /^provdata_fold\("?([a-z][a-z0-9_]*)"?\)/.exec(x.first);
      if (fold) (x.am === 'gin' ? out.trigram : out.folded).add(fold[1]!);
      else if (x.am === 'btree') out.equality.add(x.first.replace(/^"|"$/g, ''));
    }
    return out;
  }

  /** Records access paths of a dataset (idempotent). */
  async addAccessPaths(datasetId: string, paths: readonly AccessPath[], reason: string): Promise<void> {
    if (!paths.length) return;
    await this.db.query(
      `INSERT INTO warehouse_access_paths (dataset_id, column_name, kind, reason)
       SELECT $1::uuid, p->>'column', p->>'kind', $3 FROM jsonb_array_elements($2::jsonb) p
       ON CONFLICT DO NOTHING`,
      [datasetId, JSON.stringify(paths), reason],
    );
  }

  /** The access paths declared for a dataset. */
  async accessPaths(datasetId: string, q: Queryable = this.db): Promise<AccessPath[]> {
    const r = await q.query<AccessPath>(
      'SELECT column_name AS column, kind FROM warehouse_access_paths WHERE dataset_id = $1::uuid ORDER BY column_name, kind',
      [datasetId],
    );
    return r.rows;
  }

  /** Fresh planner statistics, including those of the indexed `provdata_fold(col)` expressions. */
  async analyze(datasetId: string, q: Queryable = this.db): Promise<void> {
    await q.exec(`ANALYZE ${datasetTable(datasetId)}`);
  }

  /**
   * The planner's estimate of the rows matching a compiled condition (`fromWhere` of a compiled
   * query, with its parameters): `EXPLAIN` only, nothing is read.
   */
  async estimateRows(fromWhere: string, params: readonly unknown[]): Promise<number> {
    const r = await this.db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) SELECT 1 ${fromWhere}`, params);
    const raw = r.rows[0]?.['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan?: { 'Plan Rows'?: number } }[];
    return Math.round(Number(plan[0]?.Plan?.['Plan Rows'] ?? 0));
  }

  /** Counts the rows of a compiled condition, stopping at `limit`. */
  async countUpTo(fromWhere: string, params: readonly unknown[], limit: number): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM (SELECT 1 ${fromWhere} LIMIT $${params.length + 1}::bigint) s`, [...params, limit]);
    return Number(r.rows[0]?.n ?? 0);
  }
}

/**
 * One query index of a dataset table: trigram search on a text column, a b-tree for equality
 * filters and sorts on a column, a b-tree on the folded text for prefix filters, or a b-tree on the
 * key columns (as-of lookups by key).
 */
export interface QueryIndex {
  name: string;
  /** The first indexed column; every column for a key index. */
  column: string;
  columns?: string[];
  kind: 'search' | 'equality' | 'prefix' | 'key';
}

/** A column a dataset is read by, and how it is compared. */
export interface AccessPath {
  column: string;
  kind: 'equality' | 'prefix';
}

export interface IndexedColumns {
  equality: Set<string>;
  folded: Set<string>;
  trigram: Set<string>;
}

/**
 * The DDL of a query index. Equality and key b-trees carry the version columns (INCLUDE), so that
 * one index range read finds a key's row in any version (as-of reads) and a filtered count can be
 * answered from the index alone once the table is vacuumed.
 */
function indexDdl(datasetId: string, index: QueryIndex, concurrently: boolean): string {
  const t = datasetTable(datasetId);
  const head = `CREATE INDEX${concurrently ? ' CONCURRENTLY' : ''} IF NOT EXISTS ${ident(index.name)} ON ${t}`;
  const col = ident(index.column);
  switch (index.kind) {
    case 'search':
      return `${head} USING gin (provdata_fold(${col}) gin_trgm_ops)`;
    case 'prefix':
      return `${head} (provdata_fold(${col}) text_pattern_ops)`;
    case 'key':
      return `${head} (${(index.columns ?? [index.column]).map(ident).join(', ')}) INCLUDE ("_version_from", "_version_to")`;
    case 'equality':
      return `${head} (${col}) INCLUDE ("_version_from", "_version_to")`;
  }
}

const INDEX_TAGS: Record<QueryIndex['kind'], string> = { search: 'qs', equality: 'qe', prefix: 'qp', key: 'qk' };

/**
 * The deterministic name of a query index: `ds_<id>_qs_<column>` (search), `_qe_` (equality),
 * `_qp_` (prefix); a column name too long for PostgreSQL's 63 characters is shortened and suffixed
 * with a hash of the full name, so two long names never collide.
 */
export function queryIndexName(datasetId: string, column: string, kind: QueryIndex['kind']): string {
  const base = `${tableName(datasetId)}_${INDEX_TAGS[kind]}_`;
  if (base.length + column.length <= 63) return base + column;
  return `${base}${column.slice(0, 63 - base.length - 9)}_${createHash('sha256').update(column).digest('hex').slice(0, 8)}`;
}

/** The index serving an access path. */
export function pathIndex(datasetId: string, a: AccessPath): QueryIndex {
  return { name: queryIndexName(datasetId, a.column, a.kind), column: a.column, kind: a.kind };
}

/** Whether a column of this SQL type can be indexed for filters (b-tree); system columns have theirs. */
export function indexable(type: string | undefined): boolean {
  return type !== undefined && type !== 'jsonb' && !type.startsWith('geometry');
}

/**
 * The index of a dataset's key: for one key column it is that column's equality index (same name,
 * same definition, so publishing the dataset finds it built); for several, one b-tree over all of
 * them, named by a hash of the list.
 */
export function keyIndex(datasetId: string, keyColumns: readonly string[]): QueryIndex | null {
  if (keyColumns.length === 0) return null;
  if (keyColumns.length === 1) return { name: queryIndexName(datasetId, keyColumns[0]!, 'equality'), column: keyColumns[0]!, kind: 'equality' };
  const name = `${tableName(datasetId)}_${INDEX_TAGS.key}_${createHash('sha256').update(keyColumns.join(',')).digest('hex').slice(0, 12)}`;
  return { name, column: keyColumns[0]!, columns: [...keyColumns], kind: 'key' };
}
