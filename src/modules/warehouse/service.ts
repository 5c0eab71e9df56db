import { ident, type Db, type Queryable } from '../../core/db/index.js';
import { AppError, conflict, invalid, notFound } from '../../core/errors.js';
import { maskRow } from '../../core/masking.js';
import { compileQuery, LINE, unknownColumn, type OutColumn } from './compile.js';
import { badCursor, CursorBox, queryFingerprint } from './cursor.js';
import { PG_TYPES, RowEncoder, rowFromDb, stableJson } from './rows.js';
import {
  COLUMN_NAME,
  LOAD_MODES,
  MAX_LIMIT,
  WH_TYPES,
  type DiffResult,
  type EncoderPlan,
  type LoadInput,
  type LoadResult,
  type Row,
  type VersionInfo,
  type WhColumn,
  type WhQuery,
  type WhQueryResult,
} from './schema.js';
import { datasetTable, indexable, keyIndex, pathIndex, queryIndexName, tableName, WarehouseStore, type AccessPath, type IndexedColumns, type QueryIndex, type VersionRow } from './store.js';

/** PostgreSQL caps a table at 1600 columns; leave room for the system columns. */
const MAX_COLUMNS = 1500;
/** CSV handed to COPY in chunks of about this many characters: a load never sits whole in memory. */
const CSV_CHUNK_CHARS = 256 * 1024;
/** Rows per page of {@link WarehouseService.exportStream}: few round trips, a few MB held at most. */
export const EXPORT_PAGE_ROWS = 5000;
/**
 * A version with more rows than this is "large": a filter, search or sort no index serves is
 * refused (FILTER_NOT_INDEXED) rather than scanned, and a filtered total is counted exactly only up
 * to {@link EXACT_COUNT_MATCHES}. A sequential scan of 200,000 rows already takes 50–100 ms and
 * holds a connection meanwhile; of 10 million, seconds.
 */
export const LARGE_VERSION_ROWS = 200_000;
/** On a large version, matches counted exactly before the total becomes the planner's estimate. */
export const EXACT_COUNT_MATCHES = 10_000;
/**
 * How long a read trusts the latest version it looked up: a lookup then costs one statement, not two.
 * A version loaded by another process shows up within this delay (a load in this process, at once);
 * what is read meanwhile is the previous version, complete and consistent.
 */
const LATEST_CACHE_MS = 1000;
/** How long the list of a table's indexes is trusted before it is read again (other processes build them too). */
const INDEX_CACHE_MS = 10_000;

const shown = (s: unknown) => JSON.stringify(String(s)).slice(0, 80);

/** @throws AppError VALIDATION_FAILED for a bad column list. */
function checkColumns(columns: readonly WhColumn[]): void {
  if (!Array.isArray(columns) || columns.length === 0 || columns.length > MAX_COLUMNS) {
    throw invalid({ vi: `Bộ dữ liệu cần từ 1 đến ${MAX_COLUMNS} cột`, en: `A dataset needs 1 to ${MAX_COLUMNS} columns` }, [{ field: 'columns', message: 'count' }]);
  }
  const seen = new Set<string>();
  for (const c of columns) {
    if (!c || typeof c.name !== 'string' || !COLUMN_NAME.test(c.name)) {
      throw invalid(
        { vi: `Tên cột ${shown(c?.name)} không hợp lệ (chữ thường, số, gạch dưới; bắt đầu bằng chữ)`, en: `Invalid column name ${shown(c?.name)} (lower-case letters, digits, underscore; starting with a letter)` },
        [{ field: String(c?.name).slice(0, 80), message: 'invalid column name' }],
      );
    }
    if (!(WH_TYPES as readonly string[]).includes(c.type)) {
      throw invalid({ vi: `Kiểu ${shown(c.type)} của cột "${c.name}" không được hỗ trợ`, en: `Unsupported type ${shown(c.type)} for column "${c.name}"` }, [{ field: c.name, message: 'invalid type' }]);
    }
    if (seen.has(c.name)) throw invalid({ vi: `Cột "${c.name}" bị trùng`, en: `Duplicate column "${c.name}"` }, [{ field: c.name, message: 'duplicate' }]);
    seen.add(c.name);
  }
}

function checkKeyColumns(columns: readonly WhColumn[], keyColumns: readonly string[]): void {
  if (!Array.isArray(keyColumns)) throw invalid({ vi: 'Cột khóa phải là một danh sách', en: 'keyColumns must be a list' });
  const names = new Set(columns.map((c) => c.name));
  for (const k of keyColumns) if (!names.has(k)) throw unknownColumn(k);
  if (new Set(keyColumns).size !== keyColumns.length) throw invalid({ vi: 'Cột khóa bị trùng', en: 'Duplicate key column' }, [{ field: 'keyColumns', message: 'duplicate' }]);
  for (const k of keyColumns) {
    const c = columns.find((x) => x.name === k)!;
    if (c.type === 'geometry' || c.type === 'json') {
      throw invalid({ vi: `Cột "${k}" (${c.type}) không dùng làm khóa được`, en: `Column "${k}" (${c.type}) cannot be a key` }, [{ field: k, message: 'not a key type' }]);
    }
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Streams typed rows out as CSV chunks for COPY, counting nothing and holding one chunk at a time. */
async function* csvChunks(rows: AsyncIterable<{ line: number; values: Record<string, unknown> }>, encoder: RowEncoder): AsyncGenerator<string> {
  let buf = '';
  for await (const r of rows) {
    buf += encoder.line(r.line, r.values ?? {});
    if (buf.length >= CSV_CHUNK_CHARS) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

const presentVersion = (v: VersionRow): VersionInfo => ({
  version: v.version,
  mode: v.mode,
  rowsLoaded: Number(v.rows_loaded),
  rowCount: Number(v.row_count),
  added: Number(v.added),
  removed: Number(v.removed),
  keyColumns: v.key_columns ?? [],
  createdBy: v.created_by,
  createdAt: new Date(v.created_at).toISOString(),
  source: v.source,
});

const noVersion = (datasetId: string, version?: number) =>
  notFound(
    version === undefined
      ? { vi: `Bộ dữ liệu ${datasetId} chưa có dữ liệu`, en: `Dataset ${datasetId} has no data yet` }
      : { vi: `Bộ dữ liệu ${datasetId} không có phiên bản ${version}`, en: `Dataset ${datasetId} has no version ${version}` },
  );

/**
 * The shared data warehouse (Kho dữ liệu dùng chung): one typed table per dataset, every accepted
 * load an immutable version readable as of its number, and a safe query service over any version.
 *
 * This service does not authorise: it is used only by other modules (catalogue, ingestion, sharing,
 * open data, indicators), which check the acting principal and the sharing agreement before calling it.
 */
export class WarehouseService {
  private readonly store: WarehouseStore;
  private readonly cursors: CursorBox;
  private readonly largeRows: number;
  private readonly indexCache = new Map<string, { at: number; cols: IndexedColumns }>();
  private readonly columnCache = new Map<string, Map<string, string>>();
  private readonly latestCache = new Map<string, { at: number; v: VersionRow }>();
  /** The index build of each dataset in progress in this process (see {@link build}). */
  private readonly building = new Map<string, Promise<unknown>>();

  /**
   * @param opts.cursorKey 32 bytes sealing page cursors (the composition root derives it from the
   *   platform secret, so every instance accepts every other's cursors); random per process when absent.
   * @param opts.largeVersionRows see {@link LARGE_VERSION_ROWS} (tests lower it).
   */
  constructor(private readonly db: Db, opts: { cursorKey?: Buffer; largeVersionRows?: number } = {}) {
    this.store = new WarehouseStore(db);
    this.cursors = new CursorBox(opts.cursorKey);
    this.largeRows = opts.largeVersionRows ?? LARGE_VERSION_ROWS;
  }

  /**
   * Creates the dataset table, or adds the columns it lacks. Columns are never dropped (older versions
   * still need them). Runs in the caller's transaction, under the dataset's lock.
   * @throws AppError VALIDATION_FAILED for bad names or types; CONFLICT when a column's type changed.
   */
  async ensureTable(tx: Queryable, datasetId: string, columns: WhColumn[]): Promise<void> {
    await this.ensure(tx, datasetId, columns, true);
  }

  /** {@link ensureTable}; returns true when it created the table (without indexes unless asked). */
  private async ensure(tx: Queryable, datasetId: string, columns: WhColumn[], withIndexes: boolean): Promise<boolean> {
    tableName(datasetId);
    checkColumns(columns);
    await this.store.lock(tx, datasetId);
    const existing = await this.store.tableColumns(datasetId, tx);
    if (!existing) {
      await this.store.createTable(tx, datasetId, columns, withIndexes);
      return true;
    }
    const missing: WhColumn[] = [];
    for (const c of columns) {
      const has = existing.get(c.name);
      if (has === undefined) missing.push(c);
      else if (has !== PG_TYPES[c.type]) {
        throw new AppError(
          'CONFLICT',
          {
            vi: `Cột "${c.name}" đã có kiểu ${has}, không đổi sang ${c.type} được; hãy tạo cột mới`,
            en: `Column "${c.name}" is stored as ${has} and cannot change to ${c.type}; add a new column instead`,
          },
          { column: c.name },
        );
      }
    }
    await this.store.addColumns(tx, datasetId, missing);
    return false;
  }

  /**
   * Loads rows as one new immutable version, inside the caller's transaction: if anything throws
   * (including the rows iterator) the caller's rollback leaves the previous version as it was and no
   * version row. Rows stream through COPY; none is inserted one by one.
   *
   * - `replace`: the new version is exactly the rows given. Rows whose content is unchanged are kept
   *   (so re-loading the same file adds and removes nothing).
   * - `append`: the new version is the previous one plus the rows given.
   * - `upsert`: rows replace the current rows with the same key; other keys are untouched. A key
   *   occurring twice in one load is refused (VALIDATION_FAILED listing the lines), as is a row
   *   without a key value: silently keeping the last of two rows would hide an error in the source.
   *
   * Append and upsert must use the key columns of the current version; change them with a replace.
   * @throws AppError VALIDATION_FAILED (bad input, duplicate or missing keys), CONFLICT (type or key change).
   */
  async load(tx: Queryable, input: LoadInput): Promise<LoadResult> {
    const { datasetId, columns, mode } = input;
    const keyColumns = input.keyColumns ?? [];
    tableName(datasetId);
    checkColumns(columns);
    checkKeyColumns(columns, keyColumns);
    if (!(LOAD_MODES as readonly string[]).includes(mode)) throw invalid({ vi: `Chế độ nạp ${shown(mode)} không hợp lệ`, en: `Invalid load mode ${shown(mode)}` });
    if (mode === 'upsert' && keyColumns.length === 0) {
      throw invalid({ vi: 'Nạp kiểu upsert cần cột khóa', en: 'An upsert needs key columns' }, [{ field: 'keyColumns', message: 'required for upsert' }]);
    }

    await this.store.lock(tx, datasetId);
    // A table created by this load gets its indexes after the COPY (much faster than during it).
    const created = await this.ensure(tx, datasetId, columns, false);
    const prev = await this.store.latestVersion(datasetId, tx);
    const version = (prev?.version ?? 0) + 1;
    const prevRows = Number(prev?.row_count ?? 0);
    const keysChanged = prev !== null && !sameList(prev.key_columns ?? [], keyColumns);
    if (keysChanged && prevRows > 0 && mode !== 'replace') {
      throw conflict({
        vi: `Cột khóa khác với phiên bản ${prev!.version} (${(prev!.key_columns ?? []).join(', ') || 'không có'}); hãy nạp kiểu replace để đổi khóa`,
        en: `Key columns differ from version ${prev!.version} (${(prev!.key_columns ?? []).join(', ') || 'none'}); load in replace mode to change the key`,
      });
    }

    // With nothing current to compare against (first load, empty dataset) or nothing to compare
    // (append), rows go straight into the dataset table; otherwise through a staging table.
    const direct = mode === 'append' || prevRows === 0;
    const plan: EncoderPlan = { columns, keyColumns, version: direct ? version : null, requireKey: mode === 'upsert' };
    const encoder = RowEncoder.fromPlan(plan);
    const csv = () => (input.encoded ? input.encoded(plan) : csvChunks(input.rows, encoder));
    let rowsLoaded: number;
    let added: number;
    let removed = 0;
    if (direct) {
      rowsLoaded = await this.store.copy(tx, datasetTable(datasetId), encoder.copyColumns(), csv());
      added = rowsLoaded;
      if (mode === 'upsert') this.refuseDuplicates(await this.store.duplicateKeysInVersion(tx, datasetId, version), keyColumns);
    } else {
      const stage = await this.store.createStage(tx, columns);
      rowsLoaded = await this.store.copy(tx, stage, encoder.copyColumns(), csv());
      if (mode === 'upsert') {
        this.refuseDuplicates(await this.store.duplicateKeysInStage(tx, stage), keyColumns);
        removed = await this.store.upsertClose(tx, datasetId, stage, version);
        added = await this.store.upsertInsert(tx, datasetId, stage, columns, version);
      } else {
        removed = await this.store.replaceClose(tx, datasetId, stage, version);
        added = await this.store.replaceInsert(tx, datasetId, stage, columns, version);
        if (keysChanged) await this.store.rekey(tx, datasetId, stage, version);
      }
      await this.store.dropStage(tx, stage);
    }
    if (created) await this.store.createIndexes(tx, datasetId);
    // The access paths: the key (a lookup by key must never scan; IF NOT EXISTS, so this also gives
    // a table older than the key index, or a replace that changed the key, its index), and on a new
    // table the columns services and publications declared before it existed.
    const wanted = [keyIndex(datasetId, keyColumns), ...(created ? (await this.store.accessPaths(datasetId, tx)).map((a) => pathIndex(datasetId, a)) : [])];
    for (const index of wanted) if (index) await this.store.buildIndex(tx, datasetId, index);
    // Fresh statistics in the same transaction (ANALYZE counts the rows it inserted): without them
    // the planner, PGlite's above all, guesses a small table and scans instead of using the indexes.
    await this.store.analyze(datasetId, tx);
    this.indexCache.delete(datasetId);
    this.latestCache.delete(datasetId.toLowerCase());
    const rowCount = prevRows + added - removed;
    await this.store.insertVersion(tx, {
      dataset_id: datasetId,
      version,
      mode,
      rows_loaded: rowsLoaded,
      row_count: rowCount,
      added,
      removed,
      columns,
      key_columns: keyColumns,
      created_by: input.createdBy ?? null,
      source: input.source ?? null,
    });
    return { version, rowsLoaded, added, removed, rowCount };
  }

  private refuseDuplicates(dups: { key: string; lines: number[] }[], keyColumns: readonly string[]): void {
    if (!dups.length) return;
    const first = dups[0]!;
    const key = (JSON.parse(first.key) as unknown[]).join(', ');
    throw new AppError(
      'VALIDATION_FAILED',
      {
        vi: `Khóa (${keyColumns.join(', ')}) = (${key}) lặp lại ở các dòng ${first.lines.join(', ')}`,
        en: `Key (${keyColumns.join(', ')}) = (${key}) occurs more than once, at lines ${first.lines.join(', ')}`,
      },
      {
        errors: dups.map((d) => ({ field: keyColumns.join(','), message: `duplicate key ${d.key} at lines ${d.lines.join(', ')}` })),
        duplicates: dups.map((d) => ({ key: JSON.parse(d.key) as unknown[], lines: d.lines })),
      },
    );
  }

  /** Every version of a dataset, oldest first (empty when it has none). */
  async versions(datasetId: string): Promise<VersionInfo[]> {
    tableName(datasetId);
    return (await this.store.listVersions(datasetId)).map(presentVersion);
  }

  /** The latest version number, or null when the dataset has none. */
  async latestVersion(datasetId: string): Promise<number | null> {
    tableName(datasetId);
    return (await this.store.latestVersion(datasetId))?.version ?? null;
  }

  /**
   * Rows in a version (default: the latest; 0 when the dataset has no version yet).
   * @throws AppError NOT_FOUND for a version that does not exist.
   */
  async rowCount(datasetId: string, version?: number): Promise<number> {
    tableName(datasetId);
    const v = version === undefined ? await this.store.latestVersion(datasetId) : await this.store.getVersion(datasetId, version);
    if (!v) {
      if (version === undefined) return 0;
      throw noVersion(datasetId, version);
    }
    return Number(v.row_count);
  }

  /** Resolves the version to read. @throws AppError NOT_FOUND. */
  private async resolveVersion(datasetId: string, version: number | undefined): Promise<number> {
    return (await this.resolve(datasetId, version)).version;
  }

  /** The version row to read (the latest by default). @throws AppError NOT_FOUND, VALIDATION_FAILED. */
  private async resolve(datasetId: string, version: number | undefined): Promise<VersionRow> {
    if (version === undefined) {
      const key = datasetId.toLowerCase();
      const hit = this.latestCache.get(key);
      if (hit && performance.now() - hit.at < LATEST_CACHE_MS) return hit.v;
      const v = await this.store.latestVersion(datasetId);
      if (!v) throw noVersion(datasetId);
      if (this.latestCache.size > 10_000) this.latestCache.clear();
      this.latestCache.set(key, { at: performance.now(), v });
      return v;
    }
    if (!Number.isSafeInteger(version) || version < 1 || version > 2 ** 31 - 1) {
      throw invalid({ vi: 'Số phiên bản không hợp lệ', en: 'Invalid version number' }, [{ field: 'version', message: 'invalid' }]);
    }
    const v = await this.store.getVersion(datasetId, version);
    if (!v) throw noVersion(datasetId, version);
    return v;
  }

  /**
   * Reads one version of a dataset: field selection, filters, accent-insensitive text search, sort,
   * offset or cursor paging, counts, group-by aggregates. Columns are checked against `columns`
   * (the dataset schema); values are bound. Dates come back as 'YYYY-MM-DD', numbers as JS numbers
   * when within ±2^53 (else their exact text); system columns are hidden except `_line` on request.
   * A cursor keeps reading the version it started on; it is encrypted, and valid only for the same
   * query and the same `cursorScope` (the gateway passes its agreement: a cursor does not cross agreements).
   *
   * `masked` (from the catalogue's content gate) names the columns the caller sees masked: their
   * values come back masked, and the query may not search, filter, sort or group on them.
   * @throws AppError VALIDATION_FAILED (unknown column, bad value, bad cursor…), MASKED_COLUMN, NOT_FOUND (no such version).
   */
  async query(datasetId: string, columns: WhColumn[], q: WhQuery, opts: { cursorScope?: string; masked?: ReadonlySet<string> } = {}): Promise<WhQueryResult> {
    const masked = opts.masked ?? new Set<string>();
    tableName(datasetId);
    checkColumns(columns);
    if (!q || typeof q !== 'object') throw invalid({ vi: 'Truy vấn không hợp lệ', en: 'Invalid query' });
    const fingerprint = queryFingerprint(datasetId, stableJson({ f: q.filters ?? [], q: q.q ?? null, s: q.sort ?? [], scope: opts.cursorScope ?? null }));
    let v: VersionRow;
    let position = null;
    if (q.cursor !== undefined) {
      const d = this.cursors.decode(q.cursor, fingerprint);
      if (q.version !== undefined && q.version !== d.version) throw badCursor();
      v = await this.resolve(datasetId, d.version);
      position = d.pos;
    } else {
      v = await this.resolve(datasetId, q.version);
    }
    const version = v.version;
    const rows = Number(v.row_count);
    const present = await this.columnsAt(datasetId, version);
    if (!present) throw noVersion(datasetId);
    const c = compileQuery(datasetTable(datasetId), columns, new Set(present.keys()), version, q, position, MAX_LIMIT, masked);
    await this.refuseScan(datasetId, rows, q, present);
    const raw = await this.store.run(c.sql, c.params);
    // Nothing filters the rows: the version's row count is the exact total, kept by every load
    // (a count(*) would read the whole version: seconds on a 10M-row table).
    const unfiltered = !c.grouped && !(q.filters ?? []).length && !(typeof q.q === 'string' && q.q.trim());
    let total: number | undefined;
    let totalEstimated = false;
    if (!c.countSql) total = undefined;
    else if (unfiltered) total = rows;
    else if (c.grouped || rows <= this.largeRows) total = Number((await this.store.run(c.countSql, c.countParams))[0]?.n ?? 0);
    else {
      // A large version: counted through the index up to a bound, estimated beyond it.
      const n = await this.boundedCount(c.fromWhere!, c.countParams, EXACT_COUNT_MATCHES);
      total = n.total;
      totalEstimated = n.estimated;
    }
    const totals = total === undefined ? {} : { total, ...(totalEstimated ? { totalEstimated } : {}) };
    const decode = (r: Row) => maskRow(rowFromDb(r, c.out), masked);
    if (c.grouped) return { rows: raw.map(decode), ...totals };
    const page = raw.slice(0, c.limit);
    let nextCursor: string | null = null;
    if (raw.length > c.limit) {
      const last = page[page.length - 1]!;
      nextCursor = this.cursors.encode(version, { values: c.sort.map((_, i) => (last[`_s${i}`] ?? null) as string | null), id: String(last._id) }, fingerprint);
    }
    return { rows: page.map(decode), ...totals, nextCursor };
  }

  /**
   * Compares two versions: rows added, removed, and changed (same key, different content; needs
   * `keyColumns`). Rows carry the dataset columns and `_line`. Lists stop at `limit` (default 100,
   * at most 10 000); `counts` are always complete. Columns in `masked` come back masked everywhere,
   * the key of a changed row included.
   * @throws AppError NOT_FOUND for a version that does not exist; VALIDATION_FAILED for an unknown key column.
   */
  async diff(datasetId: string, columns: WhColumn[], keyColumns: string[], from: number, to: number, opts: { limit?: number; masked?: ReadonlySet<string> } = {}): Promise<DiffResult> {
    const masked = opts.masked ?? new Set<string>();
    tableName(datasetId);
    checkColumns(columns);
    checkKeyColumns(columns, keyColumns);
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 0 || limit > 10 * MAX_LIMIT) throw invalid({ vi: 'Giới hạn không hợp lệ', en: 'Invalid limit' }, [{ field: 'limit', message: 'invalid' }]);
    await this.resolveVersion(datasetId, from);
    await this.resolveVersion(datasetId, to);
    const present = new Set((await this.store.tableColumns(datasetId))?.keys() ?? []);
    const keyCols = keyColumns.map((k) => columns.find((c) => c.name === k)!);
    // ROW(...)::text: a hashable, exact rendering of the typed key values.
    const keyExpr = keyCols.length
      ? `ROW(${keyCols.map((c) => (present.has(c.name) ? `t.${ident(c.name)}` : `NULL::${PG_TYPES[c.type]}`)).join(', ')})::text`
      : 'NULL::text';
    const ids = await this.store.diffIds(datasetId, keyExpr, from, to, limit);
    const rows = await this.store.rowsById(datasetId, columns, present, ids.flatMap((x) => [x.a, x.b]).filter((x): x is string => x !== null));
    const out: OutColumn[] = [...columns, { name: LINE, type: 'integer' }];
    // Masked as it is read, so that nothing built from a row (the key of a changed row) can carry a clear value.
    const get = (id: string | null) => maskRow(rowFromDb(rows.get(id!) ?? {}, out), masked);
    const result: DiffResult = { added: [], removed: [], changed: [], counts: { added: 0, removed: 0, changed: 0 } };
    for (const x of ids) {
      result.counts[x.kind] = Number(x.total);
      if (x.kind === 'added') result.added.push(get(x.b));
      else if (x.kind === 'removed') result.removed.push(get(x.a));
      else {
        const after = get(x.b);
        result.changed.push({ key: Object.fromEntries(keyCols.map((c) => [c.name, after[c.name]])), before: get(x.a), after });
      }
    }
    return result;
  }

  /**
   * Every row of a version, fetched page by page (keyset on the row id, so memory stays flat and the
   * version read is fixed even if a new one is loaded meanwhile). For streamed downloads.
   *
   * The version and the table's columns are read once; each page is one indexed range read of
   * `pageSize` rows (default {@link EXPORT_PAGE_ROWS}), and the next page is asked for before the
   * rows of this one are handed out, so that PostgreSQL reads it while the caller encodes: at most
   * two pages are held at a time.
   * @throws AppError NOT_FOUND, VALIDATION_FAILED as {@link query}.
   */
  async *exportStream(datasetId: string, columns: WhColumn[], opts: { version?: number; fields?: string[]; pageSize?: number; masked?: ReadonlySet<string> } = {}): AsyncGenerator<Row> {
    const masked = opts.masked ?? new Set<string>();
    tableName(datasetId);
    checkColumns(columns);
    const version = await this.resolveVersion(datasetId, opts.version);
    const present = await this.store.tableColumns(datasetId);
    if (!present) throw noVersion(datasetId);
    const names = new Set(present.keys());
    const pageSize = opts.pageSize ?? EXPORT_PAGE_ROWS;
    const q: WhQuery = { version, limit: pageSize, ...(opts.fields ? { fields: opts.fields } : {}) };
    const table = datasetTable(datasetId);
    const fetch = (after: string | null) => {
      const c = compileQuery(table, columns, names, version, q, after === null ? null : { values: [], id: after }, Math.max(MAX_LIMIT, pageSize));
      const pending = this.store.run(c.sql, c.params).then((raw) => ({ raw, c }));
      // A consumer that stops early never awaits the prefetched page: its failure must not go unhandled.
      pending.catch(() => undefined);
      return pending;
    };
    let next = fetch(null);
    for (;;) {
      const { raw, c } = await next;
      const more = raw.length > c.limit;
      const page = more ? raw.slice(0, c.limit) : raw;
      if (more) next = fetch(String(page[page.length - 1]!._id));
      for (const r of page) yield maskRow(rowFromDb(r, c.out), masked);
      if (!more) return;
    }
  }

  /**
   * Query indexes of a dataset table, for the public reads of a published dataset (CKAN
   * `datastore_search`): a trigram GIN index on `provdata_fold(col)` for **every** text column of the
   * table — the `q` condition ORs them all, so one missing index means a full scan — and a b-tree
   * for each of `equalityColumns` (columns bound to a code list, key columns) that the table has.
   * Names are deterministic (`queryIndexName`); an index that exists is left alone, so running it
   * again (a second publication, a retried job) creates only what is missing. Each index is built in
   * its own short transaction, which holds a SHARE lock on the table while it builds: reads go on, a
   * load of the same dataset waits. The table is analysed afterwards when anything was built (the
   * planner needs statistics on the indexed expressions to choose between the indexes and a scan).
   * Meant for a background job: on a 10M-row table it takes minutes.
   * @throws AppError VALIDATION_FAILED for a bad dataset id; NOT_FOUND when the dataset has no table.
   */
  async ensureQueryIndexes(datasetId: string, equalityColumns: readonly string[] = []): Promise<QueryIndexReport> {
    tableName(datasetId);
    const present = await this.store.tableColumns(datasetId);
    if (!present) throw noVersion(datasetId);
    const wanted: QueryIndex[] = [];
    for (const [name, type] of present) {
      if (type === 'text' && !name.startsWith('_')) wanted.push({ name: queryIndexName(datasetId, name, 'search'), column: name, kind: 'search' });
    }
    for (const name of new Set(equalityColumns)) {
      const type = present.get(name);
      // Geometry and JSON have no useful b-tree equality; system columns are indexed already.
      if (!indexable(type) || name.startsWith('_')) continue;
      wanted.push({ name: queryIndexName(datasetId, name, 'equality'), column: name, kind: 'equality' });
    }
    return this.build(datasetId, wanted);
  }

  /**
   * Declares columns a dataset is read by — the filters of a sharing service or agreement, the
   * columns a preview sorts by — and builds their indexes: a b-tree on the column for `equality`
   * (eq, in, ranges, sorts), a b-tree on the folded text for `prefix` (`startsWith`, which compares
   * without diacritics or case). The paths are kept, so a dataset without a table yet gets them with
   * its first load. On PostgreSQL each index is built CONCURRENTLY (reads and loads go on); on PGlite
   * in a short transaction. Columns the dataset table lacks, JSON and geometry columns are skipped.
   * Meant for a background job: on a 10M-row table an index takes tens of seconds.
   * @throws AppError VALIDATION_FAILED for a bad dataset id.
   */
  async ensureAccessIndexes(datasetId: string, paths: readonly AccessPath[], reason: string): Promise<QueryIndexReport> {
    tableName(datasetId);
    const clean = paths.filter((a) => COLUMN_NAME.test(a.column) && (a.kind === 'equality' || a.kind === 'prefix'));
    await this.store.addAccessPaths(datasetId, clean, reason);
    const present = await this.store.tableColumns(datasetId);
    if (!present) return { indexes: [], analyzeMs: 0 };
    const wanted = clean.filter((a) => indexable(present.get(a.column)) && (a.kind === 'equality' || present.get(a.column) === 'text')).map((a) => pathIndex(datasetId, a));
    return this.build(datasetId, wanted);
  }

  /**
   * Builds the indexes of `wanted` the table lacks, then analyses it if anything was built. Builds
   * of one dataset in this process run one after the other: two CREATE INDEX CONCURRENTLY on one
   * table wait for each other's snapshots and PostgreSQL breaks the tie as a deadlock. (Between
   * processes the jobs' retries take care of it: an index left invalid is rebuilt.)
   */
  private build(datasetId: string, wanted: QueryIndex[]): Promise<QueryIndexReport> {
    const key = datasetId.toLowerCase();
    const run = (this.building.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.buildNow(datasetId, wanted));
    const settled = run.catch(() => undefined).finally(() => {
      if (this.building.get(key) === settled) this.building.delete(key);
    });
    this.building.set(key, settled);
    return run;
  }

  private async buildNow(datasetId: string, wanted: QueryIndex[]): Promise<QueryIndexReport> {
    const existing = await this.store.indexNames(datasetId);
    const report: QueryIndexReport = { indexes: [], analyzeMs: 0 };
    for (const index of wanted) {
      if (existing.has(index.name) && this.db.driver === 'pglite') {
        report.indexes.push({ ...index, created: false, ms: 0 });
        continue;
      }
      const t0 = performance.now();
      if (this.db.driver === 'postgres') {
        // Named but perhaps left invalid by a failed concurrent build: the store checks and rebuilds.
        if (existing.has(index.name) && (await this.store.isValidIndex(index.name))) {
          report.indexes.push({ ...index, created: false, ms: 0 });
          continue;
        }
        await this.store.createQueryIndexConcurrently(datasetId, index);
      } else {
        await this.db.transaction((tx) => this.store.createQueryIndex(tx, datasetId, index, null));
      }
      report.indexes.push({ ...index, created: true, ms: performance.now() - t0 });
    }
    this.indexCache.delete(datasetId);
    if (report.indexes.some((i) => i.created)) {
      const t0 = performance.now();
      await this.store.analyze(datasetId);
      report.analyzeMs = performance.now() - t0;
    }
    return report;
  }

  /**
   * The table's columns as a read of `version` needs them, cached per (dataset, version): one round
   * trip less on every lookup. Safe without expiry: columns are only ever added, and a column added
   * after a version was loaded holds NULL in every row of that version — which is what a column
   * the cached list lacks reads as (`NULL::type`).
   */
  private async columnsAt(datasetId: string, version: number): Promise<Map<string, string> | null> {
    const key = `${datasetId.toLowerCase()}:${version}`;
    const hit = this.columnCache.get(key);
    if (hit) return hit;
    const present = await this.store.tableColumns(datasetId);
    if (present) {
      if (this.columnCache.size > 10_000) this.columnCache.clear();
      this.columnCache.set(key, present);
    }
    return present;
  }

  /** What the table's valid indexes serve, cached for {@link INDEX_CACHE_MS}. */
  private async indexed(datasetId: string): Promise<IndexedColumns> {
    const hit = this.indexCache.get(datasetId);
    if (hit && performance.now() - hit.at < INDEX_CACHE_MS) return hit.cols;
    const cols = await this.store.indexedColumns(datasetId);
    if (this.indexCache.size > 10_000) this.indexCache.clear();
    this.indexCache.set(datasetId, { at: performance.now(), cols });
    return cols;
  }

  /**
   * On a large version, refuses a query no index serves: at least one filter must be an index read
   * (eq, in or a range on a column leading a b-tree; startsWith or contains on an indexed folded
   * column), or `q` must find a trigram index on every text column; without filters, the sort must
   * follow a b-tree (ascending: a descending sort with NULLs last is not the order of any b-tree here). Anything else reads every row of the table, holding a connection for seconds.
   * @throws AppError FILTER_NOT_INDEXED naming the columns that can be filtered on.
   */
  private async refuseScan(datasetId: string, rows: number, q: WhQuery, present: ReadonlyMap<string, string>): Promise<void> {
    const filters = q.filters ?? [];
    const search = typeof q.q === 'string' && q.q.trim() !== '';
    const sort = q.sort ?? [];
    const grouped = (q.groupBy ?? []).length > 0 || (q.aggregates ?? []).length > 0;
    if (rows <= this.largeRows || (!filters.length && !search && (grouped || !sort.length))) return;
    const idx = await this.indexed(datasetId);
    const served = filters.some((f) =>
      ['eq', 'in', 'lt', 'lte', 'gt', 'gte'].includes(f.op)
        ? idx.equality.has(f.column)
        : f.op === 'startsWith'
          ? idx.folded.has(f.column) || idx.trigram.has(f.column)
          : f.op === 'contains' && idx.trigram.has(f.column),
    );
    const textCols = [...present].filter(([n, t]) => t === 'text' && !n.startsWith('_')).map(([n]) => n);
    const searchServed = search && textCols.every((c) => idx.trigram.has(c));
    if (served || searchServed) return;
    // ASC NULLS LAST is the b-tree's own order; DESC NULLS LAST is not (a backward scan gives NULLS FIRST).
    if (!filters.length && !search && (sort[0]!.dir ?? 'asc') === 'asc' && idx.equality.has(sort[0]!.column)) return;
    const visible = (set: Set<string>) => [...set].filter((c) => !c.startsWith('_')).sort();
    const equality = visible(idx.equality);
    const text = visible(new Set([...idx.folded, ...idx.trigram]));
    const names = [...new Set([...equality, ...text])].sort();
    const shown = (l: string[]) => (l.length ? l.join(', ') : '—');
    throw new AppError(
      'FILTER_NOT_INDEXED',
      {
        vi: `Bộ dữ liệu có ${rows.toLocaleString('vi-VN')} dòng, quá lớn để đọc hết cho một truy vấn: hãy lọc bằng (eq, in, khoảng) hoặc sắp xếp theo một cột có chỉ mục (${shown(equality)}), hoặc tìm theo chữ trên cột (${shown(text)})`,
        en: `The dataset has ${rows} rows, too many to read for one query: filter by equality (eq, in, range) or sort on an indexed column (${shown(equality)}), or search text in (${shown(text)})`,
      },
      { indexedColumns: names, equalityColumns: equality, textColumns: text, rows },
    );
  }

  /**
   * The number of rows a query's filters and `q` select in a version, exact by default. With
   * `estimateAbove: N` (CKAN's `total_estimation_threshold`), rows are counted only up to N + 1: a
   * total of at most N is exact, a larger one is the planner's estimate (never below N + 1) and
   * `estimated` is true. Without filters or `q` the version's row count is exact and free either way.
   * @throws AppError VALIDATION_FAILED, NOT_FOUND as {@link query}.
   */
  async count(
    datasetId: string,
    columns: WhColumn[],
    q: Pick<WhQuery, 'version' | 'filters' | 'q'>,
    opts: { estimateAbove?: number } = {},
  ): Promise<{ total: number; estimated: boolean }> {
    tableName(datasetId);
    checkColumns(columns);
    const v = await this.resolve(datasetId, q.version);
    const version = v.version;
    const unfiltered = !(q.filters ?? []).length && !(typeof q.q === 'string' && q.q.trim());
    const threshold = opts.estimateAbove;
    if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold < 0)) {
      throw invalid({ vi: 'Ngưỡng ước lượng tổng không hợp lệ', en: 'Invalid total estimation threshold' }, [{ field: 'total_estimation_threshold', message: 'must be a natural number' }]);
    }
    if (unfiltered) return { total: Number(v.row_count), estimated: false };
    const present = await this.store.tableColumns(datasetId);
    if (!present) throw noVersion(datasetId);
    const cq: WhQuery = { version, filters: q.filters, q: q.q, limit: 1, count: true };
    const c = compileQuery(datasetTable(datasetId), columns, new Set(present.keys()), version, cq, null);
    await this.refuseScan(datasetId, Number(v.row_count), cq, present);
    if (threshold === undefined) return { total: Number((await this.store.run(c.countSql!, c.countParams))[0]?.n ?? 0), estimated: false };
    return this.boundedCount(c.fromWhere!, c.countParams, threshold);
  }

  /** Counts up to `threshold` + 1 rows: exact up to the threshold, the planner's estimate (never below) beyond. */
  private async boundedCount(fromWhere: string, params: readonly unknown[], threshold: number): Promise<{ total: number; estimated: boolean }> {
    const counted = await this.store.countUpTo(fromWhere, params, threshold + 1);
    if (counted <= threshold) return { total: counted, estimated: false };
    return { total: Math.max(counted, await this.store.estimateRows(fromWhere, params)), estimated: true };
  }
}

/** What {@link WarehouseService.ensureQueryIndexes} found and built, with the build time of each index. */
export interface QueryIndexReport {
  indexes: (QueryIndex & { created: boolean; ms: number })[];
  analyzeMs: number;
}
