/**
 * Test platforms on every engine. PGlite costs ~2–3 s and hundreds of MB to create, so the first
 * test process migrates and seeds one and dumps it as a template tarball (keyed by a hash of the
 * migrations and seed data); every test file then starts from that dump in well under a second.
 * PostgreSQL gets a template database the same way and each test file a fresh copy of it. Tests of
 * the CLI and the server on disk copy a seeded data directory (seededDataDir). `npm test` builds all
 * of them once before the test processes start (prepareTemplates).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildApp, MIGRATIONS, type Platform } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/core/config/index.js';
import { dumpPglite, openPglite, openPostgres, type Db } from '../../src/core/db/index.js';
import { createLogger } from '../../src/core/logger.js';

export const ADMIN_PASSWORD = 'test-admin-password-123';
export type Engine = 'pglite' | 'postgres';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEMPLATE_DIR = path.join(ROOT, '.tmp', 'templates');

/** Engines to run storage tests on: PGlite always, PostgreSQL when PROVDATA_TEST_PG_URL is set. */
export function engines(): Engine[] {
  return process.env.PROVDATA_TEST_PG_URL ? ['pglite', 'postgres'] : ['pglite'];
}

let warned = false;
/** Prints once per process that the PostgreSQL leg is skipped (so a green run says what it did not do). */
export function noteSkippedEngines(): void {
  if (!process.env.PROVDATA_TEST_PG_URL && !warned) {
    warned = true;
    process.stderr.write('ℹ PROVDATA_TEST_PG_URL is not set: storage tests run on PGlite only (PostgreSQL leg skipped).\n');
  }
}

function hashTree(dir: string, h: ReturnType<typeof createHash>, keep: (file: string) => boolean = () => true) {
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) hashTree(p, h, keep);
    else if (keep(f)) h.update(f).update(readFileSync(p));
  }
}

/**
 * Hash of everything a template depends on: the migrations and every source file that seeding may
 * run (the seed goes through ingestion, the warehouse and the open data workflow to publish the demo
 * datasets, so a list of "seed files" went stale). PostgreSQL templates outlive a checkout, so a
 * stale key would hand a later run yesterday's database; a few extra rebuilds are the cheaper error.
 */
let key: string | undefined;
function templateKey(): string {
  if (key) return key;
  const h = createHash('sha256');
  for (const m of MIGRATIONS) hashTree(fileURLToPath(m.dir), h);
  hashTree(path.join(ROOT, 'src'), h, (f) => !f.endsWith('.test.ts'));
  return (key = h.digest('hex').slice(0, 16));
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    PROVDATA_DATA_DIR: path.join(tmpdir(), `provdata-test-${process.pid}`),
    PROVDATA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    PROVDATA_LOGIN_RATE_PER_MINUTE: '1000',
    // PROVDATA_INGEST_WORKERS=2 npm test: the suite with large files read by two workers on any machine.
    ...(process.env.PROVDATA_INGEST_WORKERS ? { PROVDATA_INGEST_WORKERS: process.env.PROVDATA_INGEST_WORKERS } : {}),
    ...overrides,
  });
}

async function seeded(db: Db, config: Config): Promise<void> {
  const p = await buildApp({ config, db, logger: createLogger('silent'), auditHead: null });
  await p.migrate();
  await p.seed();
  await p.close();
}

/** Removes the templates of other source trees (each is ~50 MB; every edit of src/ makes a new key). */
function dropOtherTemplates(): void {
  for (const f of readdirSync(TEMPLATE_DIR)) {
    if (!f.includes(templateKey())) rmSync(path.join(TEMPLATE_DIR, f), { recursive: true, force: true });
  }
}

async function pgliteTemplate(config: Config): Promise<Blob> {
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  const file = path.join(TEMPLATE_DIR, `pglite-${templateKey()}.tar`);
  if (!existsSync(file)) {
    dropOtherTemplates();
    const db = await openPglite({});
    await seeded(db, config);
    const blob = await dumpPglite(db);
    await db.close();
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    renameSync(tmp, file); // atomic: parallel test files never read half a template
  }
  return new Blob([readFileSync(file)]);
}

function postgresUrl(db: string): string {
  const u = new URL(process.env.PROVDATA_TEST_PG_URL!);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * Creates the PostgreSQL template database unless it exists; `copy` then names a fresh copy of it
 * to create in the same locked section.
 */
async function postgresTemplate(config: Config, copy?: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.PROVDATA_TEST_PG_URL! });
  await admin.connect();
  const tpl = `provdata_tpl_${templateKey()}`;
  try {
    await admin.query('SELECT pg_advisory_lock(7042099)'); // one process builds the template
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [tpl]);
    if (!exists.rowCount) {
      await admin.query(`CREATE DATABASE ${tpl}_building`);
      const db = await openPostgres(postgresUrl(`${tpl}_building`), 2);
      await seeded(db, config);
      await db.close();
      await admin.query(`ALTER DATABASE ${tpl}_building RENAME TO ${tpl}`);
      // Templates of older trees would pile up on a shared server: keep the newest few (other
      // checkouts may be testing at the same time), drop the rest. Nobody copies one outside this lock.
      const old = await admin.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname ~ '^provdata_tpl_[0-9a-f]{16}$' ORDER BY oid DESC OFFSET 3",
      );
      for (const r of old.rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => {});
    }
    if (copy) await admin.query(`CREATE DATABASE ${copy} TEMPLATE ${tpl}`);
  } finally {
    await admin.query('SELECT pg_advisory_unlock(7042099)').catch(() => {});
    await admin.end();
  }
}

/** The data directory `provdata migrate` and `provdata seed` leave, built once per source tree. */
async function dataDirTemplate(): Promise<string> {
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  const dir = path.join(TEMPLATE_DIR, `datadir-${templateKey()}`);
  if (!existsSync(dir)) {
    dropOtherTemplates();
    const building = `${dir}.${process.pid}`;
    const p = await buildApp({ config: testConfig({ PROVDATA_DATA_DIR: building }), logger: createLogger('silent') });
    try {
      await p.migrate();
      await p.seed();
    } finally {
      await p.close();
    }
    try {
      renameSync(building, dir); // atomic: parallel test files never copy half a template
    } catch {
      rmSync(building, { recursive: true, force: true }); // another process renamed its copy first
    }
  }
  return dir;
}

/**
 * Fills the empty directory `dataDir` with an embedded data directory as `provdata migrate` and
 * `provdata seed` leave it — the database, the stored uploads of the demo datasets, the keys — with
 * the admin password ADMIN_PASSWORD, for tests that run the CLI or the server on disk. Seeding costs
 * ~10 s of CPU; copying the template, built once per source tree like the PGlite dump, a fraction.
 */
export async function seededDataDir(dataDir: string): Promise<void> {
  cpSync(await dataDirTemplate(), dataDir, { recursive: true });
}

async function postgresDatabase(config: Config): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `provdata_t_${process.pid}_${Date.now().toString(36)}`;
  await postgresTemplate(config, name);
  return {
    url: postgresUrl(name),
    drop: async () => {
      const c = new pg.Client({ connectionString: process.env.PROVDATA_TEST_PG_URL! });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Builds the seeded templates (PGlite dump, data directory, PostgreSQL database when under test)
 * unless they are current. scripts/test.mjs
 * runs this once before the test processes start: two files started at once would otherwise both
 * seed a PGlite template (the PostgreSQL one is built under a lock, the later process waiting).
 */
export async function prepareTemplates(): Promise<void> {
  const config = testConfig();
  await pgliteTemplate(config);
  await dataDirTemplate();
  if (engines().includes('postgres')) await postgresTemplate(config);
}

export interface TestPlatform extends Platform {
  engine: Engine;
  /** Logs in and returns the cookie header and CSRF token for app.inject(). */
  login(username?: string, password?: string): Promise<{ cookie: string; csrf: string }>;
}

/**
 * A migrated and seeded platform on the given engine, with the admin password ADMIN_PASSWORD.
 * Close it in `after()`.
 */
export async function testPlatform(engine: Engine = 'pglite', overrides: Record<string, string> = {}): Promise<TestPlatform> {
  noteSkippedEngines();
  const config = testConfig(overrides);
  let db: Db;
  let drop: (() => Promise<void>) | null = null;
  if (engine === 'pglite') {
    db = await openPglite({ loadDataDir: await pgliteTemplate(config) });
  } else {
    const d = await postgresDatabase(config);
    db = await openPostgres(d.url, 5);
    drop = d.drop;
  }
  // Each platform its own audit head: platforms of one process share the data directory, not the database.
  const auditHead = path.join(mkdtempSync(path.join(tmpdir(), 'provdata-head-')), 'head.json');
  const p = await buildApp({ config, db, logger: createLogger(config.logLevel), auditHead });
  await p.migrate();
  const close = p.close.bind(p);
  return Object.assign(p, {
    engine,
    async close() {
      await close();
      await db.close();
      rmSync(path.dirname(auditHead), { recursive: true, force: true });
      if (drop) await drop();
    },
    async login(username = 'admin', password = ADMIN_PASSWORD) {
      const r = await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
      if (r.statusCode !== 200) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
      const cookie = String(r.headers['set-cookie']).split(';')[0]!;
      return { cookie, csrf: (r.json() as { csrfToken: string }).csrfToken };
    },
  });
}
