/**
 * `npm run bench -- gateway [SECONDS] [ROWS]`: the LDOP gateway under load. autocannon at 64
 * connections against (a) a lookup by key (`?filter=ma_ho:eq:…`) and (b) a 100-row page, through
 * the full gateway — subsystem key, rate limit, agreement, field projection, masking of personal
 * data, row filter, ETag, daily volume, message log (group-committed hash chain) — and, in the same
 * run over the same database, the same two queries on a bare Fastify route calling the warehouse
 * with no policy at all (the limit). PGlite in memory by default; PostgreSQL when DATABASE_URL is set.
 * Ends with `RESULT gateway ours=<req/s> reference=<req/s> unit=req/s ratio=<ours/reference>`, where
 * each figure is the geometric mean of the two scenarios.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
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

const SECONDS = Number(process.argv[2] ?? 10);
const ROWS = Number(process.argv[3] ?? 20_000);
const CONNECTIONS = 64;
const PLACES = ['21553', '21583', '21589', '21592', '21601', '21607', '21609', '21616'];

const col = (name: string, title: string, type: ColumnSpec['type'], elementCode: string | null, key = false): ColumnSpec => ({
  name, title, type, elementCode, required: key, key, unit: null, codeList: null, rules: {},
});

async function* rows() {
  for (let i = 0; i < ROWS; i++) {
    yield {
      line: i + 2,
      values: {
        ma_ho: `H${String(i).padStart(7, '0')}`, ma_xa: PLACES[i % PLACES.length], ten_xa: `Xã thứ ${i % PLACES.length}`,
        ho_ten: `Nguyễn Văn ${i}`, so_cccd: `0520${String(i).padStart(8, '0')}`, so_dien_thoai: `09${String(i).padStart(8, '0')}`, dien_tich: (i % 500) / 100,
      },
    };
  }
}

async function cannon(label: string, url: string, headers: Record<string, string> = {}): Promise<CannonResult> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  process.stdout.write(`${label.padEnd(40)} ${Math.round(r.requests.average).toString().padStart(7)} req/s  p99 ${String(r.latency.p99).padStart(4)} ms  avg ${r.latency.average.toFixed(1)} ms  non-2xx ${r.non2xx}  errors ${r.errors}\n`);
  if (r.non2xx || r.errors) throw new Error(`${label}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'provdata-bench-gateway-'));
  const db: Db = url ? await openPostgres(url, 20) : await openPglite({});
  const config = loadConfig({ PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: 'bench-admin-password-1', LOG_LEVEL: 'silent', ...(url ? { DATABASE_URL: url } : {}) });
  const p = await buildApp({ config, db, logger: createLogger('silent') });
  const bare = Fastify({ logger: false });
  const slug = `bench-ho-${Date.now().toString(36)}`;
  try {
    await p.migrate();
    await p.seed();
    const ds = await p.catalog.createDataset(SYSTEM, {
      slug, title: 'Hộ trồng lúa (benchmark)', publisherOrgId: 'so-nn-mt', access: 'shared', personalData: true,
      columns: [
        col('ma_ho', 'Mã hộ', 'text', null, true), col('ma_xa', 'Mã xã', 'text', 'ma_xa'), col('ten_xa', 'Tên xã', 'text', null), col('ho_ten', 'Họ tên', 'text', 'ho_ten'),
        col('so_cccd', 'Số CCCD', 'text', 'so_cccd'), col('so_dien_thoai', 'Số điện thoại', 'text', 'so_dien_thoai'), col('dien_tich', 'Diện tích', 'number', null),
      ],
    });
    const columns = ds.columns.map((c) => ({ name: c.name, type: c.type }));
    await p.db.transaction(async (tx) => {
      const r = await p.warehouse.load(tx, { datasetId: ds.id, columns, keyColumns: ['ma_ho'], mode: 'replace', rows: rows(), createdBy: null });
      await p.catalog.noteVersion(tx, ds.id, { version: r.version, loadedAt: new Date(), rows: r.rowCount, quality: { validity: 1, completeness: 1, uniqueness: 1, freshness: 1, score: 1 } });
    });
    const fresh = await p.catalog.getDataset(SYSTEM, ds.id);
    await p.sharing.exposeDataset(fresh);
    const consumer = await p.sharing.createSubsystem(SYSTEM, { orgId: 'so-y-te', code: `bench-yte-${Date.now().toString(36)}`, name: 'Benchmark' });
    await p.sharing.updateSubsystem(SYSTEM, consumer.id, { rateLimitPerMinute: 10_000_000 });
    const { key } = await p.sharing.createKey(SYSTEM, consumer.id, { name: 'bench' });
    const service = (await p.sharing.listServices(SYSTEM, { q: slug })).items.find((i) => i.service.code === `dataset:${slug}`)!.service;
    const fields = ['ma_ho', 'ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich'];
    const a = await p.sharing.requestAgreement(SYSTEM, {
      consumerSubsystemId: consumer.id, serviceId: service.id, fields, clearFields: [], purpose: 'benchmark', legalBasis: 'benchmark',
      validFrom: new Date(Date.now() - 60_000).toISOString(), validTo: new Date(Date.now() + 86400_000).toISOString(), dailyRowLimit: 1_000_000_000,
    });
    await p.sharing.approve(SYSTEM, a.id, {});

    // The reference: the same warehouse queries on a bare route — no auth, agreement, masking or log.
    bare.get('/ref/lookup', async (req) => p.warehouse.query(ds.id, columns, { fields, filters: [{ column: 'ma_ho', op: 'eq', value: (req.query as { k: string }).k }], limit: 100 }));
    bare.get('/ref/page', async () => p.warehouse.query(ds.id, columns, { fields, limit: 100 }));
    const gwBase = await p.app.listen({ port: 0, host: '127.0.0.1' });
    const refBase = await bare.listen({ port: 0, host: '127.0.0.1' });
    const gwPath = `/ldop/v1/so-nn-mt/kho-du-lieu/dataset:${slug}`;
    const lookupKey = `H${String(Math.floor(ROWS / 2)).padStart(7, '0')}`;
    const auth = { 'x-ldop-key': key };

    process.stdout.write(`gateway: ${ROWS} rows on ${db.driver}, ${CONNECTIONS} connections, ${SECONDS} s per run\n`);
    // Warm both paths (JIT, caches, plans) before measuring.
    await autocannon({ url: `${gwBase}${gwPath}?limit=100`, connections: 8, duration: 2, headers: auth });
    await autocannon({ url: `${refBase}/ref/page`, connections: 8, duration: 2 });
    const gl = await cannon('(a) lookup by key — gateway', `${gwBase}${gwPath}?filter=ma_ho:eq:${lookupKey}`, auth);
    const rl = await cannon('(a) lookup by key — bare route', `${refBase}/ref/lookup?k=${lookupKey}`);
    const gp = await cannon('(b) 100-row page — gateway', `${gwBase}${gwPath}?limit=100`, auth);
    const rp = await cannon('(b) 100-row page — bare route', `${refBase}/ref/page`);
    await p.sharing.log.settle();
    const v = await p.sharing.log.verify();
    process.stdout.write(`message log: ${v.rows} rows, chain ${v.ok ? 'intact' : 'BROKEN'}\n`);
    process.stdout.write(`ratio (a) ${(gl.requests.average / rl.requests.average).toFixed(3)}  (b) ${(gp.requests.average / rp.requests.average).toFixed(3)}\n`);
    process.stdout.write(`p99 gateway (a) ${gl.latency.p99} ms (b) ${gp.latency.p99} ms; bare (a) ${rl.latency.p99} ms (b) ${rp.latency.p99} ms\n`);
    const ours = Math.sqrt(gl.requests.average * gp.requests.average);
    const reference = Math.sqrt(rl.requests.average * rp.requests.average);
    process.stdout.write(`RESULT gateway ours=${Math.round(ours)} reference=${Math.round(reference)} unit=req/s ratio=${(ours / reference).toFixed(3)}\n`);
  } finally {
    await bare.close();
    await p.close();
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
