/**
 * The security audit: what is recorded for each request, and the hash chain that makes any later
 * edit or removal of a row detectable — through the API of AuditLog and through `provdata audit verify`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openPglite } from '../src/core/db/index.js';
import { runCli } from './support/cli.js';
import { engines, testPlatform, ADMIN_PASSWORD, type TestPlatform } from './support/platform.js';

interface AuditRow {
  id: number;
  actor: string | null;
  actor_id: string | null;
  org_id: string | null;
  action: string;
  resource: string | null;
  outcome: string;
  status: number | null;
  request_id: string | null;
  client_ip: string | null;
  details: Record<string, unknown> | null;
}

/**
 * The response's audit row of a request (a write's commit record, written with its change, is not
 * it). It is appended when the response ends, so wait for it briefly.
 */
async function auditRowOf(p: TestPlatform, requestId: string): Promise<AuditRow | undefined> {
  for (let i = 0; i < 100; i++) {
    const r = await p.db.query<AuditRow>("SELECT * FROM audit_log WHERE request_id = $1 AND (details->>'stage') IS DISTINCT FROM 'commit'", [requestId]);
    if (r.rows.length > 1) throw new Error(`${r.rows.length} audit rows for one request`);
    if (r.rows[0]) return r.rows[0];
    await new Promise((res) => setTimeout(res, 20));
  }
  return undefined;
}

/** Waits until every in-flight audit append has landed (the count stops moving). */
async function settled(p: TestPlatform): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const n = (await p.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM audit_log')).rows[0]!.n;
    if (n === last) return;
    last = n;
    await new Promise((res) => setTimeout(res, 30));
  }
}

for (const engine of engines()) {
  describe(`audit log (${engine})`, () => {
    let p: TestPlatform;
    let admin: { cookie: string; csrf: string };
    let adminId: string;
    before(async () => {
      p = await testPlatform(engine);
      admin = await p.login();
      adminId = (await p.app.inject({ url: '/api/auth/me', headers: { cookie: admin.cookie } })).json().user.id;
    });
    after(() => p.close());

    test('a write is recorded with actor, organisation, action, resource, outcome, request id and client address', async () => {
      const r = await p.app.inject({
        method: 'POST', url: '/api/orgs', remoteAddress: '10.20.30.40',
        headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'x-request-id': 'audit-write-1' },
        payload: { id: 'so-thu-nghiem', kind: 'agency', name: 'Sở Thử nghiệm' },
      });
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.headers['x-request-id'], 'audit-write-1');
      const row = await auditRowOf(p, 'audit-write-1');
      assert.ok(row, 'no audit row for the write');
      assert.deepEqual(
        { actor: row.actor, actor_id: row.actor_id, org_id: row.org_id, action: row.action, resource: row.resource, outcome: row.outcome, status: row.status, client_ip: row.client_ip },
        { actor: 'admin', actor_id: adminId, org_id: 'so-khcn', action: 'POST /api/orgs', resource: '/api/orgs', outcome: 'success', status: 201, client_ip: '10.20.30.40' },
      );
    });

    test('a write commits its audit record in its own transaction: a single statement, a service transaction, and a read writes none', async () => {
      const commitRows = async (requestId: string) =>
        (await p.db.query<AuditRow>("SELECT * FROM audit_log WHERE request_id = $1 AND details->>'stage' = 'commit'", [requestId])).rows;
      const headers = (id: string) => ({ cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'x-request-id': id });
      // A single INSERT (organisation): made a transaction with the record.
      const org = await p.app.inject({ method: 'POST', url: '/api/orgs', headers: headers('audit-commit-1'), payload: { id: 'so-ghi-nhat-ky', kind: 'agency', name: 'Sở Ghi nhật ký' } });
      assert.equal(org.statusCode, 201, org.body);
      // The record is there as soon as the response is: it was committed with the change.
      const [one, ...more] = await commitRows('audit-commit-1');
      assert.ok(one, 'no commit record');
      assert.deepEqual(more, [], 'one record per request');
      assert.deepEqual([one.action, one.outcome, one.status, one.actor_id], ['POST /api/orgs', 'success', null, adminId]);
      // A service's transaction (a dataset with its schema).
      const ds = await p.app.inject({ method: 'POST', url: '/api/catalog/datasets', headers: headers('audit-commit-2'), payload: { slug: 'nhat-ky-thu', title: 'Nhật ký thử', publisherOrgId: 'so-khcn' } });
      assert.ok(ds.statusCode < 300, ds.body);
      assert.equal((await commitRows('audit-commit-2')).length, 1);
      // Reads write none.
      await p.app.inject({ url: '/api/users?orgId=so-khcn', headers: headers('audit-commit-3') });
      await settled(p);
      assert.equal((await commitRows('audit-commit-3')).length, 0);
      assert.equal((await p.audit.verify()).ok, true, 'the chain holds with the records interleaved');
    });

    test('when its audit record cannot be written, the change is rolled back: nothing is committed unaudited', async () => {
      // Make the commit record fail (an auditor's storage problem), and only it.
      await p.db.exec(`
        CREATE FUNCTION audit_test_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.details->>'stage' = 'commit' THEN RAISE EXCEPTION 'audit storage unavailable'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER audit_test_refuse_commit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_test_refuse_commit();`);
      try {
        const r = await p.app.inject({
          method: 'POST', url: '/api/orgs', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'x-request-id': 'audit-refused-1' },
          payload: { id: 'so-khong-ghi', kind: 'agency', name: 'Sở Không ghi được' },
        });
        assert.equal(r.statusCode, 500, r.body);
        assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.doesNotMatch(r.body, /audit storage unavailable|at .*\.ts/, 'no internals in the answer');
        assert.equal((await p.db.query("SELECT 1 FROM organisations WHERE id = 'so-khong-ghi'")).rowCount, 0, 'the organisation was not created');
        const row = await auditRowOf(p, 'audit-refused-1');
        assert.deepEqual([row?.outcome, row?.status], ['error', 500], 'the failed request is still recorded');
      } finally {
        await p.db.exec('DROP TRIGGER audit_test_refuse_commit ON audit_log; DROP FUNCTION audit_test_refuse_commit()');
      }
    });

    test('a read of a non-public route is recorded; a read of a public route is not', async () => {
      const read = await p.app.inject({ url: '/api/users?orgId=so-khcn', headers: { cookie: admin.cookie, 'x-request-id': 'audit-read-1' } });
      assert.equal(read.statusCode, 200);
      const row = await auditRowOf(p, 'audit-read-1');
      assert.ok(row, 'no audit row for the read of /api/users');
      assert.equal(row.action, 'GET /api/users');
      assert.equal(row.resource, '/api/users', 'the query string is not part of the resource');
      assert.equal(row.outcome, 'success');
      assert.equal(row.actor, 'admin');

      const pub = await p.app.inject({ url: '/api/orgs', headers: { cookie: admin.cookie, 'x-request-id': 'audit-public-1' } });
      assert.equal(pub.statusCode, 200);
      await settled(p);
      assert.equal((await p.db.query('SELECT 1 FROM audit_log WHERE request_id = $1', ['audit-public-1'])).rows.length, 0);
    });

    test('a forbidden attempt is recorded with outcome denied and the status 403', async () => {
      await p.org.createUser({ kind: 'user', id: adminId, username: 'admin', displayName: 'Admin', orgId: 'so-khcn', role: 'admin', scopes: null },
        { username: 'audit.viewer', displayName: 'Người xem', orgId: 'xa-21553', role: 'viewer', password: 'viewer-password-9' });
      const viewer = await p.login('audit.viewer', 'viewer-password-9');
      const r = await p.app.inject({ method: 'POST', url: '/api/orgs', headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf, 'x-request-id': 'audit-denied-1' }, payload: { id: 'so-khong-duoc', kind: 'agency', name: 'Không được' } });
      assert.equal(r.statusCode, 403);
      const row = await auditRowOf(p, 'audit-denied-1');
      assert.ok(row, 'the refused attempt left no trace');
      assert.equal(row.outcome, 'denied');
      assert.equal(row.status, 403);
      assert.equal(row.actor, 'audit.viewer');
      assert.equal(row.org_id, 'xa-21553');
    });

    test('an anonymous write is recorded as denied; a write through an API key names the key', async () => {
      const anon = await p.app.inject({ method: 'POST', url: '/api/orgs', headers: { 'x-request-id': 'audit-anon-1' }, payload: {} });
      assert.equal(anon.statusCode, 401);
      const a = await auditRowOf(p, 'audit-anon-1');
      assert.ok(a);
      assert.equal(a.outcome, 'denied');
      assert.equal(a.actor, null);

      const created = await p.app.inject({ method: 'POST', url: '/api/apikeys', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: { name: 'audit' } });
      const { key, apiKey } = created.json() as { key: string; apiKey: { id: string } };
      const w = await p.app.inject({ method: 'PATCH', url: '/api/orgs/so-thu-nghiem', headers: { authorization: `Bearer ${key}`, 'x-request-id': 'audit-key-1' }, payload: { shortName: 'STN' } });
      assert.equal(w.statusCode, 200, w.body);
      const k = await auditRowOf(p, 'audit-key-1');
      assert.ok(k);
      assert.equal(k.actor, 'admin');
      assert.deepEqual(k.details, { apiKeyId: apiKey.id });
    });

    test('verify passes on an untouched log', async () => {
      await settled(p);
      const v = await p.audit.verify();
      assert.equal(v.ok, true, JSON.stringify(v.brokenAt));
      const n = (await p.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM audit_log')).rows[0]!.n;
      assert.equal(v.rows, n);
      assert.ok(n >= 6);
    });

    test('the append-only trigger refuses a plain UPDATE and DELETE of an audit row', async () => {
      const id = (await p.db.query<{ id: number }>('SELECT min(id) AS id FROM audit_log')).rows[0]!.id;
      await assert.rejects(p.db.query("UPDATE audit_log SET actor = 'mallory' WHERE id = $1", [id]), /append-only/);
      await assert.rejects(p.db.query('DELETE FROM audit_log WHERE id = $1', [id]), /append-only/);
      await assert.rejects(p.db.query('DELETE FROM audit_log'), /append-only/);
      assert.equal((await p.db.query<{ actor: string }>('SELECT actor FROM audit_log WHERE id = $1', [id])).rows[0]!.actor === 'mallory', false);
      assert.equal((await p.audit.verify()).ok, true);
    });

    test('editing one row around the trigger makes verify fail naming exactly that row', async () => {
      await settled(p);
      const rows = (await p.db.query<{ id: number; actor: string | null }>('SELECT id, actor FROM audit_log ORDER BY id')).rows;
      const victim = rows[Math.floor(rows.length / 2)]!;
      await p.db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      try {
        await p.db.query("UPDATE audit_log SET actor = 'mallory' WHERE id = $1", [victim.id]);
        const v = await p.audit.verify();
        assert.equal(v.ok, false);
        assert.equal(v.brokenAt?.id, victim.id);
        assert.match(v.brokenAt!.reason, /edited/);
        // Putting the value back restores the chain: the hash covers content, nothing else.
        await p.db.query('UPDATE audit_log SET actor = $2 WHERE id = $1', [victim.id, victim.actor]);
        assert.equal((await p.audit.verify()).ok, true);
      } finally {
        await p.db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      }
    });

    test('deleting a middle row makes verify fail at the row that followed it', async () => {
      await settled(p);
      const rows = (await p.db.query<AuditRow & { at: Date; prev_hash: string; hash: string }>('SELECT * FROM audit_log ORDER BY id')).rows;
      const i = Math.floor(rows.length / 2);
      const removed = rows[i]!;
      const next = rows[i + 1]!;
      await p.db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      try {
        await p.db.query('DELETE FROM audit_log WHERE id = $1', [removed.id]);
        const v = await p.audit.verify();
        assert.equal(v.ok, false);
        assert.equal(v.brokenAt?.id, next.id);
        assert.match(v.brokenAt!.reason, /removed|reordered/);
        await p.db.query(
          `INSERT INTO audit_log (id, at, actor, actor_id, org_id, action, resource, outcome, status, request_id, client_ip, details, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [removed.id, removed.at, removed.actor, removed.actor_id, removed.org_id, removed.action, removed.resource, removed.outcome, removed.status,
            removed.request_id, removed.client_ip, removed.details === null ? null : JSON.stringify(removed.details), removed.prev_hash, removed.hash],
        );
        assert.equal((await p.audit.verify()).ok, true, 'restoring the exact row restores the chain');
      } finally {
        await p.db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      }
    });

    test('removing the newest row is not detectable by the chain alone (documented limit)', async () => {
      // The chain proves every row links to its predecessor; a truncated tail still links. Recorded here
      // so that nobody relies on verify() for tail truncation without an external anchor of the last hash.
      await settled(p);
      const last = (await p.db.query<{ id: number }>('SELECT max(id) AS id FROM audit_log')).rows[0]!.id;
      await p.db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      try {
        const before = (await p.db.query('SELECT * FROM audit_log WHERE id = $1', [last])).rows[0]!;
        await p.db.query('DELETE FROM audit_log WHERE id = $1', [last]);
        assert.equal((await p.audit.verify()).ok, true);
        const b = before as unknown as AuditRow & { at: Date; prev_hash: string; hash: string };
        await p.db.query(
          `INSERT INTO audit_log (id, at, actor, actor_id, org_id, action, resource, outcome, status, request_id, client_ip, details, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [b.id, b.at, b.actor, b.actor_id, b.org_id, b.action, b.resource, b.outcome, b.status, b.request_id, b.client_ip, b.details === null ? null : JSON.stringify(b.details), b.prev_hash, b.hash],
        );
      } finally {
        await p.db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      }
    });

    test('the login itself is recorded under the user who logged in', async () => {
      const r = await p.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-request-id': 'audit-login-1' }, payload: { username: 'admin', password: ADMIN_PASSWORD } });
      assert.equal(r.statusCode, 200);
      const row = await auditRowOf(p, 'audit-login-1');
      assert.ok(row);
      assert.equal(row.action, 'auth.login');
      assert.equal(row.actor, 'admin');
      assert.equal(row.outcome, 'success');
    });
  });
}

/** Runs the CLI on a data directory; resolves with the exit code and output, never rejects. */
async function cli(dataDir: string, args: string[]): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PROVDATA_DATA_DIR: dataDir, PROVDATA_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const r = await runCli(args, { env, timeout: 60_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('provdata audit verify (CLI, embedded database on disk)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'provdata-audit-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('verify exits 0 on an intact log, and 1 naming the row after it was edited behind the trigger', async () => {
    for (const args of [['migrate'], ['seed'], ['user', 'add', 'kiem.toan', '--org', 'so-khcn', '--role', 'analyst'], ['user', 'add', 'kiem.toan2', '--org', 'xa-21553']]) {
      const r = await cli(dir, args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}`);
    }
    const ok = await cli(dir, ['audit', 'verify']);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /intact: 2 /);

    // The CLI has exited and released the directory: open it directly, as an intruder with file access would.
    const db = await openPglite({ dataDir: path.join(dir, 'pg') });
    let id: number;
    try {
      const rows = (await db.query<{ id: number; action: string }>('SELECT id, action FROM audit_log ORDER BY id')).rows;
      assert.deepEqual(rows.map((r) => r.action), ['user.create', 'user.create']);
      id = rows[0]!.id;
      await db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      await db.query("UPDATE audit_log SET actor = 'cli:someone-else' WHERE id = $1", [id]);
      await db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    } finally {
      await db.close();
    }
    const bad = await cli(dir, ['audit', 'verify']);
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, new RegExp(`id=${id}\\b`));
  });
});

describe('provdata audit verify against the signed head (CLI, embedded database on disk)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'provdata-audit-head-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('cutting the newest rows (which the chain alone cannot show) makes verify exit 1; checkpoint --force re-signs after a restore', async () => {
    // Every command signs the head when it stops cleanly.
    for (const args of [['migrate'], ['user', 'add', 'cat.bot', '--org', 'so-khcn'], ['user', 'add', 'cat.bot2', '--org', 'so-khcn']]) {
      const r = await cli(dir, args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.out}`);
    }
    const ok = await cli(dir, ['audit', 'verify']);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /intact: 2 .*signed head: id=\d+/);

    const db = await openPglite({ dataDir: path.join(dir, 'pg') });
    let last: number;
    try {
      last = (await db.query<{ id: number }>('SELECT max(id) AS id FROM audit_log')).rows[0]!.id;
      await db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      await db.query('DELETE FROM audit_log WHERE id = $1', [last]);
      await db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
    } finally {
      await db.close();
    }
    const cut = await cli(dir, ['audit', 'verify']);
    assert.equal(cut.code, 1, cut.out);
    assert.match(cut.out, new RegExp(`shorter than its signed head: row id=${last}\\b`));
    // The head is kept as evidence: a plain checkpoint refuses, the cut is still reported.
    const refused = await cli(dir, ['audit', 'checkpoint']);
    assert.equal(refused.code, 1, refused.out);
    assert.equal((await cli(dir, ['audit', 'verify'])).code, 1);
    // After a documented restore an operator re-signs; the reset itself is recorded in the log.
    const forced = await cli(dir, ['audit', 'checkpoint', '--force']);
    assert.equal(forced.code, 0, forced.out);
    const after = await cli(dir, ['audit', 'verify']);
    assert.equal(after.code, 0, after.out);
  });
});
