/**
 * The audit mechanism's guarantees that no single route can forget: the log cannot be emptied with
 * TRUNCATE, a read is recorded before its data leaves (or not served), and a request's pending
 * commit record stays with the request — not with timers it started.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditLog, HeadFile, outsideRequest } from './index.js';

const commitRows = async (p: TestPlatform, requestId: string) =>
  (await p.db.query("SELECT id FROM audit_log WHERE request_id = $1 AND details->>'stage' = 'commit'", [requestId])).rows.length;

for (const engine of engines()) {
  describe(`audit mechanism (${engine})`, () => {
    let p: TestPlatform;
    let admin: { cookie: string; csrf: string };
    before(async () => {
      p = await testPlatform(engine);
      await p.db.exec('CREATE TABLE audit_probe (note text NOT NULL)');
      const probe = (note: string) => p.db.query('INSERT INTO audit_probe (note) VALUES ($1)', [note]);
      // Two write routes that change nothing themselves but start a timer that does.
      p.app.post('/api/test/timer-after-response', { config: { public: true } }, async () => {
        setTimeout(() => void probe('after-response'), 150);
        return { ok: true };
      });
      p.app.post('/api/test/timer-during-request', { config: { public: true } }, async () => {
        outsideRequest(() => setTimeout(() => void probe('during-request'), 20));
        await sleep(300);
        return { ok: true };
      });
      admin = await p.login();
    });
    after(() => p.close());

    const probed = async (note: string) => {
      for (let i = 0; i < 200; i++) {
        if ((await p.db.query('SELECT 1 FROM audit_probe WHERE note = $1', [note])).rows.length) return true;
        await sleep(50);
      }
      return false;
    };

    test('TRUNCATE of the audit log is refused like UPDATE and DELETE', async () => {
      const before = (await p.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM audit_log')).rows[0]!.n;
      assert.ok(before > 0);
      await assert.rejects(p.db.exec('TRUNCATE audit_log'), /append-only/);
      assert.equal((await p.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM audit_log')).rows[0]!.n >= before, true);
    });

    test('a read whose audit row cannot be written is not served: 503 problem, no data, no route headers', async () => {
      await p.db.exec(`
        CREATE FUNCTION audit_test_refuse_read() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.request_id = 'audit-read-refused' THEN RAISE EXCEPTION 'audit storage unavailable'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER audit_test_refuse_read BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_test_refuse_read();`);
      try {
        const served = await p.app.inject({ url: '/api/users', headers: { cookie: admin.cookie, 'x-request-id': 'audit-read-served' } });
        assert.equal(served.statusCode, 200);
        assert.match(served.body, /"username":"admin"/);
        const r = await p.app.inject({ url: '/api/users', headers: { cookie: admin.cookie, 'x-request-id': 'audit-read-refused' } });
        assert.equal(r.statusCode, 503, r.body);
        assert.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(r.json().code, 'UNAVAILABLE');
        assert.match(r.json().detail, /nhật ký kiểm toán/);
        assert.doesNotMatch(r.body, /username|admin|audit storage unavailable/);
        assert.equal(r.headers['x-request-id'], 'audit-read-refused');
      } finally {
        await p.db.exec('DROP TRIGGER audit_test_refuse_read ON audit_log; DROP FUNCTION audit_test_refuse_read()');
      }
    });

    test('a timer a write request started commits after the response without the request\'s commit record', async () => {
      const r = await p.app.inject({ method: 'POST', url: '/api/test/timer-after-response', headers: { 'x-request-id': 'audit-timer-after' } });
      assert.equal(r.statusCode, 200);
      assert.ok(await probed('after-response'), 'the timer wrote nothing');
      assert.equal(await commitRows(p, 'audit-timer-after'), 0);
    });

    test('background work started with outsideRequest carries no commit record even while the request still runs', async () => {
      const r = await p.app.inject({ method: 'POST', url: '/api/test/timer-during-request', headers: { 'x-request-id': 'audit-timer-during' } });
      assert.equal(r.statusCode, 200);
      assert.ok(await probed('during-request'), 'the timer wrote nothing');
      assert.equal(await commitRows(p, 'audit-timer-during'), 0);
    });

    test('a head signed outside the database: rows appended after it verify, an edited head file does not', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'provdata-head-test-'));
      try {
        const file = path.join(dir, 'head.json');
        const log = new AuditLog(p.db, new HeadFile(file, randomBytes(32)));
        assert.equal((await log.verify()).head, null, 'no head before the first signing');
        const { head } = await log.signHead();
        assert.ok(head);
        await p.app.inject({ url: '/api/users', headers: { cookie: admin.cookie } }); // one more row
        const v = await log.verify();
        assert.equal(v.ok, true, v.headProblem);
        assert.equal(v.head?.lastId, head.lastId);
        const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        writeFileSync(file, JSON.stringify({ ...stored, lastId: head.lastId - 1 }));
        const forged = await log.verify();
        assert.equal(forged.ok, false);
        assert.match(forged.headProblem ?? '', /does not match its signature/);
        // Another key (another installation's, or none) does not verify it either.
        writeFileSync(file, JSON.stringify(stored));
        assert.match((await new AuditLog(p.db, new HeadFile(file, randomBytes(32))).verify()).headProblem ?? '', /signature/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('cutting off the newest rows after the head was signed fails verify naming the missing row, and the head is kept', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'provdata-head-test-'));
      try {
        const log = new AuditLog(p.db, new HeadFile(path.join(dir, 'head.json'), randomBytes(32)));
        await p.app.inject({ url: '/api/users', headers: { cookie: admin.cookie } });
        const { head } = await log.signHead();
        assert.ok(head);
        assert.equal((await log.verify()).ok, true);
        // An intruder with database rights removes the two newest rows around the trigger: the rest still links.
        await p.db.exec('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
        try {
          await p.db.query('DELETE FROM audit_log WHERE id >= (SELECT id FROM audit_log ORDER BY id DESC OFFSET 1 LIMIT 1)');
        } finally {
          await p.db.exec('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
        }
        const v = await log.verify();
        assert.equal(v.ok, false);
        assert.equal(v.brokenAt, undefined, 'the chain alone still links');
        assert.match(v.headProblem ?? '', new RegExp(`shorter than its signed head: row id=${head.lastId}\\b`));
        // Signing again does not overwrite the evidence.
        const again = await log.signHead();
        assert.match(again.problem ?? '', /shorter/);
        assert.equal(again.head?.lastId, head.lastId);
        assert.equal((await log.verify()).ok, false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
