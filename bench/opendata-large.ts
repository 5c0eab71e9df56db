/**
 * `npm run bench -- opendata-large [ROWS] [ITERATIONS]`: the two 10M-row legs of the open data
 * benchmark (issue 5), on one published table of ROWS rows (default 10,000,000):
 *
 *  1. CKAN `datastore_search` through the whole HTTP path (`app.inject('/api/3/action/datastore_search?…')`:
 *     rate meter, parameter checks, published-resource lookup, warehouse query compilation, page + total,
 *     CKAN presenter, envelope) over a CKAN client's query mix — first pages, a page deep in the table,
 *     filters, `q`, `fields`, `sort` — against, per call and in the same run, the equivalent bare
 *     `SELECT … LIMIT 100 [OFFSET n]` on the same table (no total, no versions, no HTTP).
 *     `RESULT opendata-datastore ours=<p95 ms> reference=<p95 ms> unit=ms ratio=<reference/ours>`.
 *  2. The full CSV download (`GET /api/opendata/datasets/:dataset/download/csv`) over a real HTTP
 *     connection, the body consumed as a stream (bytes and rows counted), process RSS sampled every
 *     50 ms — against `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)` of the same rows on the same
 *     database (PGlite: `COPY … TO '/dev/blob'`, its only COPY TO, which returns the whole file in memory).
 *     `RESULT opendata-download ours=<rows/s> reference=<rows/s> unit=rows/s ratio=<ours/reference>`.
 *
 * The table is generated in SQL straight into the dataset table, in the shape a first warehouse load
 * leaves it (typed columns, `_version_from` = 1, source line, MD5 row hash, the row-id primary key and
 * key index, a `warehouse_versions` row), then published by inserting the publication, package snapshot
 * and resources as an approval does (the workflow — personal-data scan, approval — is covered by the
 * tests; the load path by `npm run bench -- ingest`). Commune codes are spread over the whole table,
 * as rows of many reports appended over time would be.
 *
 * PGlite file-backed in a temp dir by default; PostgreSQL when DATABASE_URL is set (create the
 * database before and drop it after: the bench leaves its tables there until then).
 * {@link benchOpendataLarge} runs both legs on a platform someone else built (bench/opendata.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { buildApp, type Platform } from '../src/app.js';
import { loadConfig } from '../src/core/config/index.js';
import { openPglite, openPostgres, type Db } from '../src/core/db/index.js';
import { createLogger } from '../src/core/logger.js';
import type { WhColumn } from '../src/modules/warehouse/index.js';

const SLUG = 'bench-large';
const COLUMNS: (WhColumn & { title: string })[] = [
  { name: 'ma_xa', type: 'text', title: 'Mã xã' },
  { name: 'ten_xa', type: 'text', title: 'Tên xã/phường' },
  { name: 'ten_co_so', type: 'text', title: 'Tên cơ sở' },
  { name: 'san_pham', type: 'text', title: 'Sản phẩm' },
  { name: 'nam', type: 'integer', title: 'Năm' },
  { name: 'san_luong', type: 'number', title: 'Sản lượng (tấn)' },
  { name: 'ngay_bao_cao', type: 'date', title: 'Ngày báo cáo' },
  { name: 'ocop', type: 'boolean', title: 'Có chứng nhận OCOP' },
  { name: 'so_lao_dong', type: 'integer', title: 'Số lao động' },
];
const PRODUCTS = ['Cà phê nhân', 'Hồ tiêu', 'Cao su mủ', 'Điều thô', 'Sắn lát', 'Mía cây', 'Chanh dây', 'Sầu riêng', 'Gỗ rừng trồng', 'Cá ngừ đại dương'];
const OWNERS = ['An', 'Bình', 'Cường', 'Dũng', 'Hạnh', 'Hương', 'Khánh', 'Linh', 'Minh', 'Ngọc', 'Phúc', 'Quân', 'Thảo', 'Trí', 'Vy', 'H’Hen', 'Blứk'];
/** Rows inserted per statement while generating (bounds one statement's WAL and PGlite's memory). */
const BATCH = 1_000_000;
/** Time one query kind may take before it stops short of ITERATIONS calls. */
const KIND_BUDGET_MS = 120_000;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
const say = (s: string) => process.stdout.write(`${s}\n`);

export interface LargeTable {
  datasetId: string;
  resourceId: string;
  table: string;
  rows: number;
  communes: string[];
  loadSeconds: number;
}

/**
 * Generates ROWS rows into a new dataset table and publishes it (see the file comment).
 * Takes ≈1–2 min per 10M rows on a local PostgreSQL.
 */
export async function loadLargeTable(p: Platform, rows: number): Promise<LargeTable> {
  const db = p.db;
  const t0 = performance.now();
  const datasetId = (await db.query<{ id: string }>('SELECT gen_random_uuid()::text AS id')).rows[0]!.id;
  const table = `wh.ds_${datasetId.replace(/-/g, '')}`;
  const units = (await db.query<{ code: string; name: string }>(`SELECT code, name FROM admin_units WHERE level = 'commune' ORDER BY code`)).rows;
  if (!units.length) throw new Error('no communes: seed() first');
  // The table exactly as the warehouse creates it (typed columns, system columns, primary key, key index).
  await db.transaction((tx) => p.warehouse.ensureTable(tx, datasetId, COLUMNS.map(({ name, type }) => ({ name, type }))));
  const names = COLUMNS.map((c) => c.name);
  // The row hash as RowEncoder computes it: MD5 of `name=len:value;` over the non-null values in name order.
  const hashText = [...names].sort().map((n) => `'${n}=' || length(${n}::text) || ':' || ${n}::text || ';'`).join(' || ');
  for (let from = 1; from <= rows; from += BATCH) {
    const to = Math.min(rows, from + BATCH - 1);
    await db.query(
      `INSERT INTO ${table} (${names.join(', ')}, "_version_from", "_line", "_row_hash")
       SELECT ${names.join(', ')}, 1, i + 1, md5(${hashText}) FROM (
         SELECT i, ($1::text[])[1 + h % cardinality($1::text[])] AS ma_xa, ($2::text[])[1 + h % cardinality($2::text[])] AS ten_xa,
                'Hợp tác xã ' || ($3::text[])[1 + (h / 7) % cardinality($3::text[])] || ' ' || ($4::text[])[1 + (h / 11) % cardinality($4::text[])] || ' số ' || i AS ten_co_so,
                ($3::text[])[1 + (h / 13) % cardinality($3::text[])] AS san_pham, (2015 + (h / 17) % 11)::bigint AS nam,
                ((h / 19) % 5000000 / 100.0)::numeric AS san_luong, DATE '2015-01-01' + ((h / 23) % 4000)::int AS ngay_bao_cao,
                (h / 29) % 3 = 0 AS ocop, ((h / 31) % 500)::bigint AS so_lao_dong
         FROM generate_series($5::int, $6::int) i, LATERAL (SELECT (i::bigint * 2654435761) % 4294967296 AS h) x) s`,
      [units.map((u) => u.code), units.map((u) => u.name), PRODUCTS, OWNERS, from, to],
    );
    process.stderr.write(`  generated ${to.toLocaleString('en')} rows (${((performance.now() - t0) / 1000).toFixed(0)} s)\r`);
  }
  process.stderr.write('\n');
  // What autovacuum would have done by the time a published table is read: statistics and the visibility map.
  await db.exec(`VACUUM (ANALYZE) ${table}`);
  await db.query(
    `INSERT INTO warehouse_versions (dataset_id, version, mode, rows_loaded, row_count, added, removed, columns, key_columns)
     VALUES ($1::uuid, 1, 'replace', $2, $2, $2, 0, $3::jsonb, '[]'::jsonb)`,
    [datasetId, rows, JSON.stringify(COLUMNS.map(({ name, type }) => ({ name, type })))],
  );
  const pub = (await db.query<{ id: string }>(
    `INSERT INTO opendata_publications (dataset_id, version, state, scan, published_at)
     VALUES ($1::uuid, 1, 'published', '{"rowsScanned":500000,"complete":false,"findings":[]}'::jsonb, now()) RETURNING id::text AS id`,
    [datasetId],
  )).rows[0]!.id;
  const meta = {
    slug: SLUG, titleEn: null, notesEn: null, keywords: [], themes: ['nong-nghiep'], orgName: 'Sở Nông nghiệp và Môi trường', orgNameEn: null,
    contact: { name: null, email: null }, spatial: { scope: 'province', communes: [] }, temporal: { start: null, end: null }, frequency: 'annual',
    accessRights: null, quality: null, rowCount: rows, columns: COLUMNS.map((c) => ({ ...c, unit: null })), versionCreatedAt: null, geometryColumn: null,
  };
  await db.query(
    `INSERT INTO opendata_packages (dataset_id, publication_id, name, title, notes, org_id, tags, groups, formats, license_id, version, meta, metadata_created, metadata_modified)
     VALUES ($1::uuid, $2::uuid, $3, 'Cơ sở sản xuất nông sản theo xã/phường', 'Bảng lớn của bài đo', 'so-nn-mt', ARRAY['nông sản'], ARRAY['nong-nghiep'],
             ARRAY['CSV', 'JSON', 'XLSX'], 'CC-BY-4.0', 1, $4::jsonb, now(), now())`,
    [datasetId, pub, SLUG, JSON.stringify(meta)],
  );
  await db.query(`INSERT INTO opendata_resources (dataset_id, format) SELECT $1::uuid, f FROM unnest(ARRAY['CSV', 'JSON', 'XLSX']) f`, [datasetId]);
  const resourceId = (await db.query<{ id: string }>(`SELECT id::text AS id FROM opendata_resources WHERE dataset_id = $1::uuid AND format = 'CSV'`, [datasetId])).rows[0]!.id;
  return { datasetId, resourceId, table, rows, communes: units.map((u) => u.code), loadSeconds: (performance.now() - t0) / 1000 };
}

interface Kind {
  name: string;
  /** Not part of the before/after mix (and its RESULT): a variant shown on its own line. */
  extra?: boolean;
  /** Query string after `resource_id=…`. */
  qs: (i: number) => string;
  /** The same page, bare: SQL and parameters. */
  bare: (i: number) => [string, unknown[]];
}

function queryMix(t: LargeTable): Kind[] {
  const all = COLUMNS.map((c) => c.name).join(', ');
  const textCols = COLUMNS.filter((c) => c.type === 'text').map((c) => c.name);
  const like = (n: string) => `(${textCols.map((c) => `provdata_fold(${c}) LIKE '%' || provdata_fold(${n}) || '%'`).join(' OR ')})`;
  const commune = (i: number) => t.communes[(i * 37) % t.communes.length]!;
  const enc = (o: unknown) => encodeURIComponent(JSON.stringify(o));
  const deep = Math.floor(t.rows / 2);
  return [
    { name: 'first page (limit 100)', qs: () => 'limit=100', bare: () => [`SELECT ${all} FROM ${t.table} ORDER BY _id LIMIT 100`, []] },
    { name: 'pages 2–5 (offset ≤ 400)', qs: (i) => `limit=100&offset=${100 * (1 + (i % 4))}`, bare: (i) => [`SELECT ${all} FROM ${t.table} ORDER BY _id LIMIT 100 OFFSET $1`, [100 * (1 + (i % 4))]] },
    { name: `deep page (offset ${deep.toLocaleString('en')})`, qs: () => `limit=100&offset=${deep}`, bare: () => [`SELECT ${all} FROM ${t.table} ORDER BY _id LIMIT 100 OFFSET $1`, [deep]] },
    {
      name: 'filter commune (code list: b-tree)', qs: (i) => `filters=${enc({ ma_xa: commune(i) })}`,
      bare: (i) => [`SELECT ${all} FROM ${t.table} WHERE ma_xa = $1 ORDER BY _id LIMIT 100`, [commune(i)]],
    },
    {
      name: 'filter commune + year, fields', qs: (i) => `filters=${enc({ ma_xa: commune(i), nam: 2020 + (i % 5) })}&fields=ten_co_so,san_pham,san_luong`,
      bare: (i) => [`SELECT ten_co_so, san_pham, san_luong FROM ${t.table} WHERE ma_xa = $1 AND nam = $2 ORDER BY _id LIMIT 100`, [commune(i), 2020 + (i % 5)]],
    },
    {
      name: 'q common word ("sau rieng")', qs: () => 'q=sau%20rieng',
      bare: () => [`SELECT ${all} FROM ${t.table} WHERE ${like('$1')} ORDER BY _id LIMIT 100`, ['sau rieng']],
    },
    {
      name: 'q common word, estimate above 1000', extra: true, qs: () => 'q=sau%20rieng&total_estimation_threshold=1000',
      bare: () => [`SELECT ${all} FROM ${t.table} WHERE ${like('$1')} ORDER BY _id LIMIT 100`, ['sau rieng']],
    },
    {
      name: 'q + filter commune', qs: (i) => `q=ho%20tieu&filters=${enc({ ma_xa: commune(i) })}`,
      bare: (i) => [`SELECT ${all} FROM ${t.table} WHERE ma_xa = $2 AND ${like('$1')} ORDER BY _id LIMIT 100`, ['ho tieu', commune(i)]],
    },
    // A sort no index serves is refused on a table this large (FILTER_NOT_INDEXED, issue 14): the
    // preview's sort is measured on the commune's b-tree.
    {
      name: 'fields + sort (indexed commune)', qs: () => `fields=ma_xa,ten_co_so,san_luong&sort=${encodeURIComponent('ma_xa asc')}`,
      bare: () => [`SELECT ma_xa, ten_co_so, san_luong FROM ${t.table} ORDER BY ma_xa NULLS LAST, _id LIMIT 100`, []],
    },
  ];
}

export interface DatastoreFigures {
  kinds: { name: string; n: number; oursP50: number; oursP95: number; bareP50: number; bareP95: number }[];
  oursP95: number;
  bareP95: number;
}

/** Leg 1: datastore_search p50/p95 per query kind and over the whole mix, against bare SELECTs. */
export async function benchDatastore(p: Platform, t: LargeTable, iterations: number): Promise<DatastoreFigures> {
  const kinds = queryMix(t);
  const ours: number[][] = kinds.map(() => []);
  const bare: number[][] = kinds.map(() => []);
  const call = async (k: Kind, i: number) => {
    const url = `/api/3/action/datastore_search?resource_id=${t.resourceId}&${k.qs(i)}`;
    let s = performance.now();
    const r = await p.app.inject({ url });
    const a = performance.now() - s;
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
    const body = JSON.parse(r.body) as { result: { records: unknown[]; total?: number } };
    const [sql, params] = k.bare(i);
    s = performance.now();
    const b = await p.db.query(sql, params);
    const bt = performance.now() - s;
    if (b.rows.length !== body.result.records.length) throw new Error(`${k.name}: ${body.result.records.length} records, bare SELECT ${b.rows.length}`);
    return { a, bt, total: body.result.total };
  };
  for (const [ki, k] of kinds.entries()) {
    // Warm-up: plans, caches.
    const w = await call(k, 0);
    // A kind whose calls take seconds stops after KIND_BUDGET_MS (at least 3 calls): n is printed.
    const started = performance.now();
    for (let i = 0; i < iterations && (i < 3 || performance.now() - started < KIND_BUDGET_MS); i++) {
      const r = await call(k, i + 1);
      ours[ki]!.push(r.a);
      bare[ki]!.push(r.bt);
    }
    say(`  ${k.name.padEnd(34)}${k.extra ? ' (extra)' : ''} n=${String(ours[ki]!.length).padStart(3)} ours p50 ${pct(ours[ki]!, 0.5).toFixed(1).padStart(8)} p95 ${pct(ours[ki]!, 0.95).toFixed(1).padStart(8)} ms | bare p50 ${pct(bare[ki]!, 0.5).toFixed(1).padStart(8)} p95 ${pct(bare[ki]!, 0.95).toFixed(1).padStart(8)} ms | total ${w.total?.toLocaleString('en') ?? '-'}`);
  }
  // The whole mix is the CKAN client's default calls (exact totals); extra variants are left out so it compares with earlier runs.
  const mixOurs = ours.filter((_, i) => !kinds[i]!.extra).flat();
  const mixBare = bare.filter((_, i) => !kinds[i]!.extra).flat();
  const figures: DatastoreFigures = {
    kinds: kinds.map((k, i) => ({ name: k.name, n: ours[i]!.length, oursP50: pct(ours[i]!, 0.5), oursP95: pct(ours[i]!, 0.95), bareP50: pct(bare[i]!, 0.5), bareP95: pct(bare[i]!, 0.95) })),
    oursP95: pct(mixOurs, 0.95),
    bareP95: pct(mixBare, 0.95),
  };
  say(`datastore_search, whole mix without extras (${mixOurs.length} calls): ours p50 ${pct(mixOurs, 0.5).toFixed(1)} p95 ${figures.oursP95.toFixed(1)} ms; bare SELECT p50 ${pct(mixBare, 0.5).toFixed(1)} p95 ${figures.bareP95.toFixed(1)} ms`);
  return figures;
}

export interface DownloadFigures {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  refRowsPerSecond: number;
  refSeconds: number;
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
}

/** Counts bytes and line ends of a stream of chunks. */
function counter() {
  const c = { bytes: 0, lines: 0, add: (b: Buffer) => {
    c.bytes += b.length;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) c.lines++;
  } };
  return c;
}

/** Leg 2: the full CSV download over HTTP with RSS sampled every 50 ms, against COPY TO of the same rows. */
export async function benchDownload(p: Platform, t: LargeTable): Promise<DownloadFigures> {
  const address = await p.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address}/api/opendata/datasets/${SLUG}/download/csv`;
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const r = process.memoryUsage().rss;
    samples.push(r);
    rssPeak = Math.max(rssPeak, r);
  }, 50);
  const c = counter();
  const s = performance.now();
  let firstByte = 0;
  await new Promise<void>((resolve, reject) => {
    http.get(url, (res) => {
      if (res.statusCode !== 200) reject(new Error(`download: ${res.statusCode}`));
      res.on('data', (b: Buffer) => {
        if (!firstByte) firstByte = performance.now() - s;
        c.add(b);
      });
      res.on('end', resolve);
      res.on('error', reject);
    }).on('error', reject);
  });
  const seconds = (performance.now() - s) / 1000;
  clearInterval(sampler);
  const rssAfter = process.memoryUsage().rss;
  const rows = c.lines - 1;
  if (rows !== t.rows) throw new Error(`download: ${rows} rows, expected ${t.rows}`);
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const deciles = samples.filter((_, i) => i % tenth === 0).map((x) => (x / 1e6).toFixed(0));
  say(`  ours: ${rows.toLocaleString('en')} rows, ${mb(c.bytes)} in ${seconds.toFixed(1)} s (first byte ${firstByte.toFixed(0)} ms) → ${Math.round(rows / seconds).toLocaleString('en')} rows/s`);
  say(`  RSS before ${mb(rssBefore)}, peak ${mb(rssPeak)} (+${mb(rssPeak - rssBefore)}), after ${mb(rssAfter)}; every ~${((tenth * 50) / 1000).toFixed(0)} s (MB): ${deciles.join(' ')}`);

  // Reference: COPY of the same rows (the version's rows; physical order is row-id order after a load).
  const cols = COLUMNS.map((x) => x.name).join(', ');
  const copySql = `COPY (SELECT ${cols} FROM ${t.table} WHERE "_version_from" <= 1 AND ("_version_to" IS NULL OR "_version_to" > 1)) TO STDOUT WITH (FORMAT csv, HEADER)`;
  const r = counter();
  const rs = performance.now();
  if (p.db.driver === 'postgres') {
    const client = new pg.Client({ connectionString: p.config.databaseUrl! });
    await client.connect();
    try {
      const stream = client.query(copyTo(copySql));
      for await (const b of stream) r.add(b as Buffer);
    } finally {
      await client.end();
    }
  } else {
    const raw = (p.db as unknown as { raw: PGlite }).raw;
    const res = await raw.query(copySql.replace('TO STDOUT', `TO '/dev/blob'`));
    r.add(Buffer.from(await res.blob!.arrayBuffer()));
  }
  const refSeconds = (performance.now() - rs) / 1000;
  if (r.lines - 1 !== t.rows) throw new Error(`COPY: ${r.lines - 1} rows, expected ${t.rows}`);
  say(`  COPY TO: ${mb(r.bytes)} in ${refSeconds.toFixed(1)} s → ${Math.round(t.rows / refSeconds).toLocaleString('en')} rows/s`);
  return { rows, bytes: c.bytes, seconds, rowsPerSecond: rows / seconds, refRowsPerSecond: t.rows / refSeconds, refSeconds, rssBefore, rssPeak, rssAfter };
}

/**
 * Both legs on a migrated and seeded platform: loads the table, measures, prints both RESULT lines
 * (datastore first, download last) and returns the figures.
 */
export async function benchOpendataLarge(p: Platform, rows: number, iterations: number) {
  Object.assign(p.opendata.limits, { anonymous: 1e9, key: 1e9 });
  const t = await loadLargeTable(p, rows);
  say(`opendata-large: ${rows.toLocaleString('en')} rows generated and published on ${p.db.driver} in ${t.loadSeconds.toFixed(0)} s`);
  // The query indexes, built by the same warehouse call as the job an approval queues ('ma_xa' is
  // the column a real dataset binds to the communes code list).
  const s = performance.now();
  const built = await p.warehouse.ensureQueryIndexes(t.datasetId, ['ma_xa']);
  say(`query indexes built in ${((performance.now() - s) / 1000).toFixed(1)} s (ANALYZE ${(built.analyzeMs / 1000).toFixed(1)} s):`);
  for (const i of built.indexes) say(`  ${i.kind === 'search' ? 'trigram GIN' : 'b-tree     '} ${i.column.padEnd(10)} ${(i.ms / 1000).toFixed(1).padStart(6)} s  ${i.name}`);
  say(`datastore_search: up to ${iterations} calls per kind (at least 3, ≤ ${KIND_BUDGET_MS / 1000} s a kind) after one warm-up; each call is followed by its bare SELECT`);
  const ds = await benchDatastore(p, t, iterations);
  say('CSV download (real HTTP connection):');
  const dl = await benchDownload(p, t);
  say(`RESULT opendata-datastore ours=${ds.oursP95.toFixed(2)} reference=${ds.bareP95.toFixed(2)} unit=ms ratio=${(ds.bareP95 / ds.oursP95).toFixed(3)}`);
  say(`RESULT opendata-download ours=${dl.rowsPerSecond.toFixed(0)} reference=${dl.refRowsPerSecond.toFixed(0)} unit=rows/s ratio=${(dl.rowsPerSecond / dl.refRowsPerSecond).toFixed(3)}`);
  return { table: t, datastore: ds, download: dl };
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 10_000_000);
  const iterations = Number(process.argv[3] ?? 20);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'provdata-bench-odl-'));
  const config = loadConfig({ PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: 'bench-admin-password-1', LOG_LEVEL: 'silent', PROVDATA_SEED_DEMO: 'false', DATABASE_URL: process.env.DATABASE_URL });
  const db: Db = config.databaseUrl ? await openPostgres(config.databaseUrl, 10) : await openPglite({ dataDir: path.join(dataDir, 'pg') });
  const p = await buildApp({ config, db, logger: createLogger('silent') });
  try {
    await p.migrate();
    await p.seed();
    await benchOpendataLarge(p, rows, iterations);
  } finally {
    await p.close();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main();
