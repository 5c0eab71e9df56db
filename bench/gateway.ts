/**
 * `npm run bench -- gateway [SECONDS] [SIZES]`: the LDOP gateway under load, per dataset size.
 * SIZES is a comma-separated list of row counts (default 10000,1000000,10000000 on PostgreSQL and
 * 10000,1000000 on PGlite). For each size, autocannon at 64 connections runs
 *
 *  (a) a lookup by key (`?filter=ma_ho:eq:…`) and (b) the first 100-row page
 *
 * through the full gateway — subsystem key, rate limit, agreement, field projection, masking of
 * personal data, ETag, daily volume, message log (group-committed hash chain) — and the same two
 * reads on **the reference: the physical limit**, a bare Fastify route sending plain SQL over `pg`
 * (or the PGlite instance) to a plain table with a primary key on `ma_ho`, holding the same rows,
 * with no warehouse code at all (its SQL is printed). A third line per scenario, the warehouse's
 * own query on a bare route with no policy, shows which part of the gap is the gateway's and which
 * the warehouse's (versions, typed decoding, cursor).
 *
 * PGlite in memory by default; PostgreSQL when DATABASE_URL is set (use a database of its own for
 * 10M rows: the tables are dropped after each size, the database is not). One line per size:
 *   `SIZE <rows> lookup ours=… reference=… ratio=… p99=…/… ms page ours=… reference=… ratio=…`
 * and at the end `RESULT gateway ours=<req/s> reference=<req/s> unit=req/s ratio=<ours/reference>`
 * for the largest size, each figure the geometric mean of the two scenarios.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { SYSTEM } from '../src/core/auth/index.js';
import { loadConfig } from '../src/core/config/index.js';
import { openPglite, openPostgres, type Db } from '../src/core/db/index.js';
import { createLogger } from '../src/core/logger.js';
import type { ColumnSpec } from '../src/modules/catalog/index.js';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: { url: string; connections: number; duration: number; headers?: Record<string, string> }) => Promise<CannonResult>;

const url = process.env.DATABASE_URL;
const SECONDS = Number(process.argv[2] ?? 10);
const SIZES = (process.argv[3] ?? (url ? '10000,1000000,10000000' : '10000,1000000')).split(',').map((s) => Number(s.replace(/_/g, '')));
if (!SIZES.every((n) => Number.isSafeInteger(n) && n > 0)) throw new Error(`bad sizes ${process.argv[3]}`);
const CONNECTIONS = 64;
const POOL = 20;
const PLACES = ['21553', '21583', '21589', '21592', '21601', '21607', '21609', '21616'];

const col = (name: string, title: string, type: ColumnSpec['type'], elementCode: string | null, key = false): ColumnSpec => ({
  name, title, type, elementCode, required: key, key, unit: null, codeList: null, rules: {},
});
const maHo = (i: number) => `H${String(i).padStart(8, '0')}`;

function* rows(n: number) {
  for (let i = 0; i < n; i++) {
    yield {
      line: i + 2,
      values: {
        ma_ho: maHo(i), ma_xa: PLACES[i % PLACES.length], ten_xa: `Xã thứ ${i % PLACES.length}`,
        ho_ten: `Nguyễn Văn ${i}`, so_cccd: `0520${String(i).padStart(8, '0')}`, so_dien_thoai: `09${String(i).padStart(8, '0')}`, dien_tich: (i % 500) / 100,
      },
    };
  }
}

/** The same rows, generated in SQL into the reference table (`g` is the row number). */
const REF_ROWS = (n: number) => `INSERT INTO bench_ref_ho (ma_ho, ma_xa, ten_xa, ho_ten, so_cccd, so_dien_thoai, dien_tich)
  SELECT 'H' || lpad(g::text, 8, '0'), (ARRAY['${PLACES.join("','")}'])[g % ${PLACES.length} + 1], 'Xã thứ ' || (g % ${PLACES.length}),
         'Nguyễn Văn ' || g, '0520' || lpad(g::text, 8, '0'), '09' || lpad(g::text, 8, '0'), (g % 500) / 100.0
  FROM generate_series(0, ${n - 1}) g`;
const REF_LOOKUP = 'SELECT ma_ho, ma_xa, ten_xa, ho_ten, so_dien_thoai, dien_tich FROM bench_ref_ho WHERE ma_ho = $1';
const REF_PAGE = 'SELECT ma_ho, ma_xa, ten_xa, ho_ten, so_dien_thoai, dien_tich FROM bench_ref_ho ORDER BY ma_ho LIMIT 100';

async function cannon(label: string, target: string, headers: Record<string, string> = {}): Promise<CannonResult> {
  const r = await autocannon({ url: target, connections: CONNECTIONS, duration: SECONDS, headers });
  process.stdout.write(`  ${label.padEnd(44)} ${Math.round(r.requests.average).toString().padStart(7)} req/s  p99 ${String(r.latency.p99).padStart(4)} ms  avg ${r.latency.average.toFixed(1)} ms  non-2xx ${r.non2xx}  errors ${r.errors}\n`);
  // A wrong answer stops the bench; a timeout (autocannon's 10 s, "errors") is a result, printed above.
  if (r.non2xx) throw new Error(`${label}: ${r.non2xx} non-2xx answers`);
  return r;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'provdata-bench-gateway-'));
  const db: Db = url ? await openPostgres(url, POOL) : await openPglite({});
  // The reference's own connections: plain `pg`, nothing of ours (on PGlite, the one instance).
  const refPool = url ? new pg.Pool({ connectionString: url, max: POOL }) : null;
  const refQuery = (sql: string, params: unknown[] = []) => (refPool ? refPool.query(sql, params).then((r) => r.rows) : db.query(sql, params).then((r) => r.rows));
  const config = loadConfig({ PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: 'bench-admin-password-1', LOG_LEVEL: 'silent', ...(url ? { DATABASE_URL: url } : {}) });
  const p = await buildApp({ config, db, logger: createLogger('silent') });
  const bare = Fastify({ logger: false });
  const summary: { size: number; gl: CannonResult; rl: CannonResult; gp: CannonResult; rp: CannonResult }[] = [];
  try {
    await p.migrate();
    await p.seed();
    const consumer = await p.sharing.createSubsystem(SYSTEM, { orgId: 'so-y-te', code: `bench-yte-${Date.now().toString(36)}`, name: 'Benchmark' });
    await p.sharing.updateSubsystem(SYSTEM, consumer.id, { rateLimitPerMinute: 10_000_000 });
    const { key } = await p.sharing.createKey(SYSTEM, consumer.id, { name: 'bench' });
    const fields = ['ma_ho', 'ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich'];

    // Routes read the dataset of the size being measured.
    let current: { id: string; columns: { name: string; type: ColumnSpec['type'] }[] } | null = null;
    bare.get('/ref/lookup', async (req) => refQuery(REF_LOOKUP, [(req.query as { k: string }).k]));
    bare.get('/ref/page', async () => refQuery(REF_PAGE));
    bare.get('/wh/lookup', async (req) => p.warehouse.query(current!.id, current!.columns, { fields, filters: [{ column: 'ma_ho', op: 'eq', value: (req.query as { k: string }).k }], limit: 100 }));
    bare.get('/wh/page', async () => p.warehouse.query(current!.id, current!.columns, { fields, limit: 100 }));
    const gwBase = await p.app.listen({ port: 0, host: '127.0.0.1' });
    const refBase = await bare.listen({ port: 0, host: '127.0.0.1' });
    const auth = { 'x-ldop-key': key };

    process.stdout.write(`gateway: sizes ${SIZES.join(', ')} on ${db.driver}, ${CONNECTIONS} connections, ${SECONDS} s per run, pools of ${POOL}\n`);
    process.stdout.write(`reference (bare Fastify route, ${refPool ? 'pg.Pool' : 'PGlite'}, plain table, PRIMARY KEY (ma_ho)):\n  lookup: ${REF_LOOKUP}\n  page:   ${REF_PAGE}\n`);
    for (const size of SIZES) {
      const slug = `bench-ho-${size}-${Date.now().toString(36)}`;
      const t0 = performance.now();
      const ds = await p.catalog.createDataset(SYSTEM, {
        slug, title: `Hộ trồng lúa (benchmark, ${size} dòng)`, publisherOrgId: 'so-nn-mt', access: 'shared', personalData: true,
        columns: [
          col('ma_ho', 'Mã hộ', 'text', null, true), col('ma_xa', 'Mã xã', 'text', 'ma_xa'), col('ten_xa', 'Tên xã', 'text', null), col('ho_ten', 'Họ tên', 'text', 'ho_ten'),
          col('so_cccd', 'Số CCCD', 'text', 'so_cccd'), col('so_dien_thoai', 'Số điện thoại', 'text', 'so_dien_thoai'), col('dien_tich', 'Diện tích', 'number', null),
        ],
      });
      const columns = ds.columns.map((c) => ({ name: c.name, type: c.type }));
      await p.db.transaction(async (tx) => {
        const r = await p.warehouse.load(tx, { datasetId: ds.id, columns, keyColumns: ['ma_ho'], mode: 'replace', rows: (async function* () { yield* rows(size); })(), createdBy: null });
        await p.catalog.noteVersion(tx, ds.id, { version: r.version, loadedAt: new Date(), rows: r.rowCount, quality: { validity: 1, completeness: 1, uniqueness: 1, freshness: 1, score: 1 } });
      });
      const loadS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      await refQuery('DROP TABLE IF EXISTS bench_ref_ho');
      await refQuery('CREATE TABLE bench_ref_ho (ma_ho text PRIMARY KEY, ma_xa text, ten_xa text, ho_ten text, so_cccd text, so_dien_thoai text, dien_tich numeric)');
      await refQuery(REF_ROWS(size));
      await refQuery('ANALYZE bench_ref_ho');
      const refS = (performance.now() - t1) / 1000;
      current = { id: ds.id, columns };
      await p.sharing.exposeDataset(await p.catalog.getDataset(SYSTEM, ds.id));
      const service = (await p.sharing.listServices(SYSTEM, { q: slug })).items.find((i) => i.service.code === `dataset:${slug}`)!.service;
      const a = await p.sharing.requestAgreement(SYSTEM, {
        consumerSubsystemId: consumer.id, serviceId: service.id, fields, clearFields: [], purpose: 'benchmark', legalBasis: 'benchmark',
        validFrom: new Date(Date.now() - 60_000).toISOString(), validTo: new Date(Date.now() + 86400_000).toISOString(), dailyRowLimit: 1_000_000_000,
      });
      await p.sharing.approve(SYSTEM, a.id, {});
      const gwPath = `/ldop/v1/so-nn-mt/kho-du-lieu/dataset:${slug}`;
      const lookupKey = maHo(Math.floor(size / 2));
      process.stdout.write(`${size} rows: loaded through the warehouse in ${loadS.toFixed(1)} s, reference table generated in ${refS.toFixed(1)} s\n`);
      // Warm every path (JIT, caches, plans) before measuring.
      for (const u of [`${gwBase}${gwPath}?limit=100`, `${gwBase}${gwPath}?filter=ma_ho:eq:${lookupKey}`]) await autocannon({ url: u, connections: 8, duration: 2, headers: auth });
      for (const u of [`${refBase}/ref/page`, `${refBase}/ref/lookup?k=${lookupKey}`, `${refBase}/wh/lookup?k=${lookupKey}`]) await autocannon({ url: u, connections: 8, duration: 2 });
      const gl = await cannon('(a) lookup by key — gateway', `${gwBase}${gwPath}?filter=ma_ho:eq:${lookupKey}`, auth);
      const rl = await cannon('(a) lookup by key — reference (plain SQL)', `${refBase}/ref/lookup?k=${lookupKey}`);
      await cannon('(a) lookup by key — warehouse alone', `${refBase}/wh/lookup?k=${lookupKey}`);
      const gp = await cannon('(b) 100-row page — gateway', `${gwBase}${gwPath}?limit=100`, auth);
      const rp = await cannon('(b) 100-row page — reference (plain SQL)', `${refBase}/ref/page`);
      await cannon('(b) 100-row page — warehouse alone', `${refBase}/wh/page`);
      const ratio = (x: CannonResult, y: CannonResult) => (x.requests.average / y.requests.average).toFixed(3);
      process.stdout.write(
        `SIZE ${size} lookup ours=${Math.round(gl.requests.average)} reference=${Math.round(rl.requests.average)} ratio=${ratio(gl, rl)} p99=${gl.latency.p99}/${rl.latency.p99} ms` +
          ` page ours=${Math.round(gp.requests.average)} reference=${Math.round(rp.requests.average)} ratio=${ratio(gp, rp)} p99=${gp.latency.p99}/${rp.latency.p99} ms\n`,
      );
      summary.push({ size, gl, rl, gp, rp });
      // Free the disk before the next size (10M rows are ~2 GB with their indexes).
      await p.db.exec(`DROP TABLE IF EXISTS wh.ds_${ds.id.replace(/-/g, '')}`);
      await refQuery('DROP TABLE IF EXISTS bench_ref_ho');
    }
    await p.sharing.log.settle();
    const v = await p.sharing.log.verify();
    process.stdout.write(`message log: ${v.rows} rows, chain ${v.ok ? 'intact' : 'BROKEN'}\n`);
    const last = summary[summary.length - 1]!;
    const ours = Math.sqrt(last.gl.requests.average * last.gp.requests.average);
    const reference = Math.sqrt(last.rl.requests.average * last.rp.requests.average);
    process.stdout.write(`RESULT gateway ours=${Math.round(ours)} reference=${Math.round(reference)} unit=req/s ratio=${(ours / reference).toFixed(3)} rows=${last.size}\n`);
  } finally {
    await bare.close();
    await p.close();
    await refPool?.end();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
