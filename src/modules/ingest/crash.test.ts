/**
 * A load killed with SIGKILL in the middle (issue 3, "Bad input"): a child process loads a large
 * file on the same embedded data directory (or PostgreSQL database) and is killed mid-load. The
 * next opener takes over the dead process's lock, finds no partial version, reads the previous
 * version whole, verifies the audit chain and loads the next version normally.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildApp, type Platform } from '../../app.js';
import { SYSTEM } from '../../core/auth/index.js';
import { createLogger } from '../../core/logger.js';
import { ADMIN_PASSWORD, engines, seededDataDir, testConfig } from '../../../test/support/platform.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = path.join(ROOT, 'test', 'fixtures', 'ingest-crash-child.ts');
const BIG_ROWS = 300_000;
const SMALL = 'Mã xã,Tên xã,Dân số\r\n21553,Quy Nhơn Bắc,45678\r\n21583,Quy Nhơn,1234567\r\n21589,Quy Nhơn Tây,23456\r\n';

async function writeBigCsv(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('Mã xã,Tên xã,Dân số\r\n');
  const codes = ['21553', '21583', '21589'];
  for (let i = 0; i < BIG_ROWS; i++) {
    if (!out.write(`${codes[i % 3]},Xã thử nghiệm số ${i},${i}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

for (const engine of engines()) {
  describe(`a load killed with SIGKILL (${engine})`, () => {
    let dir: string;
    let env: Record<string, string>;
    let dropDb: (() => Promise<void>) | null = null;

    const open = async (): Promise<Platform> => buildApp({ config: testConfig(env), logger: createLogger('silent') });

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'provdata-crash-'));
      env = { PROVDATA_DATA_DIR: dir, PROVDATA_ADMIN_PASSWORD: ADMIN_PASSWORD };
      if (engine === 'postgres') {
        const base = process.env.PROVDATA_TEST_PG_URL!;
        const name = `provdata_crash_${process.pid}_${Date.now().toString(36)}`;
        const admin = new pg.Client({ connectionString: base });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        await admin.end();
        const u = new URL(base);
        u.pathname = `/${name}`;
        env.DATABASE_URL = u.toString();
        dropDb = async () => {
          const c = new pg.Client({ connectionString: base });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        };
      } else {
        await seededDataDir(dir);
      }
      const p = await open();
      try {
        await p.migrate();
        await p.seed();
        const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(SMALL, 'utf8')]), { filename: 'v1.csv', contentType: null });
        const r = await p.ingest.ingest(SYSTEM, { dataset: 'sap-do', uploadId: u.id, mode: 'replace', validRowsOnly: false, create: true });
        assert.equal(r.version, 1);
      } finally {
        await p.close();
      }
      await writeBigCsv(path.join(dir, 'big.csv'));
    });
    after(async () => {
      if (dropDb) await dropDb();
      rmSync(dir, { recursive: true, force: true });
    });

    test('leaves no partial version, keeps the previous one readable, the audit chain intact, and the next load is version 2', { timeout: 90_000 }, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path.join(dir, 'big.csv'), 'sap-do'], {
        cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'silent', ...(engine === 'pglite' ? { DATABASE_URL: '' } : {}) }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = once(child, 'exit');
      // Wait for the load to start, then give it time to be well inside the COPY before the kill.
      const t0 = Date.now();
      while (!out.includes('LOADING')) {
        assert.ok(Date.now() - t0 < 60_000 && child.exitCode === null, `child did not start the load: ${out} ${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (engine === 'pglite') assert.ok(existsSync(path.join(dir, 'provdata.lock')), 'the child holds the data directory lock');
      // PostgreSQL loads the file in a few seconds on an idle machine: kill it early there.
      await new Promise((r) => setTimeout(r, engine === 'pglite' ? 1500 : 300));
      assert.ok(!out.includes('DONE'), `the load finished before the kill; make the file bigger: ${out}`);
      child.kill('SIGKILL');
      const [, signal] = await exited;
      assert.equal(signal, 'SIGKILL');
      if (engine === 'pglite') assert.equal(readFileSync(path.join(dir, 'provdata.lock'), 'utf8'), String(child.pid), 'the dead child left its lock behind');

      // The next opener takes over the dead process's lock.
      const p = await open();
      try {
        const ds = await p.catalog.getDataset(SYSTEM, 'sap-do');
        assert.equal(ds.latestVersion, 1, 'the catalogue moved past version 1');
        assert.equal(ds.rowCount, 3);
        assert.deepEqual((await p.warehouse.versions(ds.id)).map((v) => [v.version, v.rowCount]), [[1, 3]]);
        const cols = ds.columns.map((c) => ({ name: c.name, type: c.type }));
        const v1 = await p.warehouse.query(ds.id, cols, { version: 1, limit: 100, count: true });
        assert.equal(v1.total, 3);
        assert.deepEqual(v1.rows.map((r) => Object.values(r)).sort(), [['21553', 'Quy Nhơn Bắc', 45678], ['21583', 'Quy Nhơn', 1234567], ['21589', 'Quy Nhơn Tây', 23456]].sort());
        // No row of the killed load survived anywhere in the dataset table, whatever its version.
        const all = await p.warehouse.query(ds.id, cols, { version: 1, limit: 10, count: true, q: 'thu nghiem' });
        assert.equal(all.total, 0);
        const runs = await p.ingest.listRuns(SYSTEM, 'sap-do');
        assert.ok(runs.every((r) => r.version === null || r.version === 1), JSON.stringify(runs.map((r) => r.version)));
        const audit = await p.audit.verify();
        assert.ok(audit.ok, JSON.stringify(audit));

        const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(SMALL.replace('45678', '45700'), 'utf8')]), { filename: 'v2.csv', contentType: null });
        const r = await p.ingest.ingest(SYSTEM, { dataset: 'sap-do', uploadId: u.id, mode: 'replace', validRowsOnly: false });
        assert.equal(r.status, 'loaded');
        assert.equal(r.version, 2);
        assert.equal((await p.catalog.getDataset(SYSTEM, 'sap-do')).latestVersion, 2);
        assert.equal(await p.warehouse.rowCount(ds.id, 2), 3);
      } finally {
        await p.close();
      }
    });
  });
}
