/**
 * The national-sync drill: a few thousand rows pushed to a stand-in national endpoint that runs as
 * its own process and misbehaves on purpose — a reply slower than the timeout, 500 and 503, dropped
 * connections, a batch stored but answered with an error (acknowledged later as a duplicate), a 422
 * refusal of bad data, a crash and restart of the stand-in mid-sync, and a restart of our own side
 * mid-request. At the end every row is at the target exactly once by content, the reconciliation
 * report matches, the refused batch went through the dead-letter queue and, once the mapping was
 * fixed and it was retried, arrived; the bearer token never appeared in a response or a log line.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { buildApp, type Platform } from '../../app.js';
import { SYSTEM } from '../../core/auth/index.js';
import { createLogger } from '../../core/logger.js';
import { ADMIN_PASSWORD, engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { canonicalJson } from './mapping.js';

const STANDIN = fileURLToPath(new URL('../../../test/fixtures/national-standin.mjs', import.meta.url));
const ROWS = 3000;
const BATCH = 250;
const BATCHES = ROWS / BATCH;

interface StandInMessage {
  event: string;
  port?: number;
  key?: string;
  batchNo?: number;
  fault?: string | null;
}

/** The stand-in process: started, killed and restarted on the same port with its state file. */
class StandIn extends EventEmitter {
  child: ChildProcess | null = null;
  port = 0;
  constructor(readonly stateFile: string, readonly token: string) {
    super();
  }

  async start(): Promise<void> {
    const child = fork(STANDIN, [], {
      env: { ...process.env, STANDIN_PORT: String(this.port), STANDIN_STATE: this.stateFile, STANDIN_TOKEN: this.token },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    child.on('message', (m: StandInMessage) => this.emit('message', m));
    const ready = await this.next((m) => m.event === 'ready');
    this.port = ready.port!;
  }

  /** The next message matching `pred` (from this process or any restarted one). */
  next(pred: (m: StandInMessage) => boolean, timeoutMs = 60_000): Promise<StandInMessage> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('stand-in: message not seen in time')), timeoutMs);
      const on = (m: StandInMessage) => {
        if (!pred(m)) return;
        clearTimeout(t);
        this.off('message', on);
        resolve(m);
      };
      this.on('message', on);
    });
  }

  /** Kills the process outright (no clean shutdown), then starts a new one on the same port. */
  async crashAndRestart(downMs: number): Promise<void> {
    const c = this.child!;
    const gone = once(c, 'exit');
    c.kill('SIGKILL');
    await gone;
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async control(body: unknown): Promise<void> {
    const r = await fetch(`${this.url}/_control`, { method: 'POST', body: JSON.stringify(body) });
    assert.equal(r.status, 200);
  }

  async state(): Promise<{ batches: Record<string, { batchNo: number; count: number; sha256: string; records: Record<string, unknown>[] }>; receipts: Record<string, number> }> {
    return (await fetch(`${this.url}/_state`)).json() as never;
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}

/** The platform's own logger (same redaction), writing into an array so the test can read every line. */
function capturingLogger(lines: string[]) {
  const logger = createLogger('debug');
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = { write: (s: string) => lines.push(s) };
  return logger;
}

const GENDERS = ['Nam', 'Nữ'];
/** The source rows, generated; row 1000–1004 carry "Khác", which the first mapping does not translate. */
function sourceRows() {
  return Array.from({ length: ROWS }, (_, i) => ({
    ma_ho_so: `HS${String(i + 1).padStart(6, '0')}`,
    ho_ten: `Nguyễn Văn ${i + 1}`,
    gioi_tinh: i >= 1000 && i < 1005 ? 'Khác' : GENDERS[i % 2]!,
    ngay_sinh: `${String((i % 28) + 1).padStart(2, '0')}/${String((i % 12) + 1).padStart(2, '0')}/${1950 + (i % 60)}`,
    so_tien: 100_000 + i * 7,
  }));
}

const MAPPING = (values: Record<string, string>) => ({
  fields: [
    { target: 'maHoSo', source: 'ma_ho_so', required: true },
    { target: 'hoTen', source: 'ho_ten', type: 'string' },
    { target: 'gioiTinh', source: 'gioi_tinh', values },
    { target: 'ngaySinh', source: 'ngay_sinh', type: 'date', format: 'DD/MM/YYYY' },
    { target: 'soTien', source: 'so_tien', type: 'number' },
    { target: 'maTinh', constant: '52', required: true },
  ],
});

for (const engine of engines()) {
  describe(`national sync drill against a misbehaving stand-in (${engine})`, () => {
    let base: TestPlatform;
    let w: Platform;
    let standin: StandIn;
    let dir: string;
    const lines: string[] = [];
    const bodies: string[] = [];
    const token = `tok-${randomBytes(12).toString('hex')}`;
    let auth: Record<string, string>;

    const build = async () => buildApp({ config: base.config, db: base.db, logger: capturingLogger(lines) });
    const api = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => {
      const r = await w.app.inject({ method, url, headers: auth, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
      bodies.push(r.body);
      return r;
    };
    const waitRun = async (connectorId: string, statuses: string[], timeoutMs = 60_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const r = await api('GET', `/api/sync/connectors/${connectorId}/runs`);
        const run = (r.json() as { status: string; lastError: string | null }[])[0];
        if (run && statuses.includes(run.status)) return run;
        if (Date.now() > end) throw new Error(`run did not reach ${statuses.join('/')}: ${JSON.stringify(run)}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    };

    before(async () => {
      base = await testPlatform(engine);
      w = await build();
      dir = mkdtempSync(path.join(tmpdir(), 'standin-'));
      standin = new StandIn(path.join(dir, 'state.json'), token);
      await standin.start();
      const login = await w.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
      auth = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': (login.json() as { csrfToken: string }).csrfToken };
    });
    after(async () => {
      if (process.env.SYNC_DEBUG) for (const l of lines) if (/"component":"(sync|jobs)"/.test(l)) process.stderr.write(l);
      standin?.stop();
      await w?.close();
      await base?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('recovers from every injected failure: every row delivered once, reconciliation matches, the 422 batch goes through the dead-letter queue', { timeout: 120_000 }, async () => {
      // --- an administrator points the health database target at the stand-in ---------------------
      const t = await api('PUT', '/api/sync/targets/y-te', { enabled: true, baseUrl: standin.url, token, batchSize: BATCH, timeoutMs: 1500 });
      assert.equal(t.statusCode, 200, t.body);
      assert.equal(t.json().hasToken, true);
      const health = await api('GET', '/api/sync/targets/y-te/health');
      assert.equal(health.json().ok, true);

      // --- a dataset of the Sở Y tế and its connector ------------------------------------------------
      const ds = await w.catalog.createDataset(SYSTEM, {
        slug: 'ho-so-tro-cap-y-te', title: 'Hồ sơ trợ cấp y tế', publisherOrgId: 'so-y-te', access: 'shared', personalData: true,
        columns: [
          { name: 'ma_ho_so', title: 'Mã hồ sơ', type: 'text', elementCode: null, required: true, key: true, unit: null, codeList: null, rules: {} },
          { name: 'ho_ten', title: 'Họ tên', type: 'text', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} },
          { name: 'gioi_tinh', title: 'Giới tính', type: 'text', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} },
          { name: 'ngay_sinh', title: 'Ngày sinh', type: 'date', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} },
          { name: 'so_tien', title: 'Số tiền', type: 'number', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} },
        ],
      });
      const cr = await api('POST', '/api/sync/connectors', { dataset: ds.slug, target: 'y-te', mapping: MAPPING({ Nam: '1', 'Nữ': '2' }) });
      assert.equal(cr.statusCode, 201, cr.body);
      const connectorId = (cr.json() as { id: string }).id;

      // --- the national system validates; the stand-in is told how to misbehave, batch by batch ---------
      await standin.control({
        rules: { required: ['maHoSo', 'maTinh'], enums: { gioiTinh: ['1', '2', '3'] } },
        faults: {
          1: [{ type: 'delay', ms: 3000 }], // slower than the 1.5 s timeout; stored late → acknowledged twice
          2: [{ type: 'status', status: 500 }, { type: 'status', status: 503 }],
          3: [{ type: 'reset' }],
          5: [{ type: 'store-then-status', status: 503 }], // it had the batch already when we retried
          6: [{ type: 'store-then-reset' }],
          7: [{ type: 'hang' }], // stored, then the process is killed and restarted on the same port
          9: [{ type: 'status', status: 503 }, { type: 'status', status: 503 }, { type: 'status', status: 503 }], // the job gives up; the queue retries it
          10: [{ type: 'delay', ms: 500 }], // our own side restarts while this request is in flight
        },
      });
      const hung = standin.next((m) => m.event === 'hang');
      const tenInFlight = standin.next((m) => m.event === 'received' && m.batchNo === 10);

      // --- a version is published: the event enqueues the run, the job queue drives it ------------------
      const rows = sourceRows();
      const csv = ['Mã hồ sơ,Họ tên,Giới tính,Ngày sinh,Số tiền', ...rows.map((r) => [r.ma_ho_so, r.ho_ten, r.gioi_tinh, r.ngay_sinh, r.so_tien].join(','))].join('\n');
      const upload = await w.ingest.upload(SYSTEM, Readable.from([Buffer.from(csv, 'utf8')]), { filename: 'ho-so.csv', contentType: 'text/csv' });
      const loaded = await w.ingest.ingest(SYSTEM, { dataset: ds.slug, uploadId: upload.id, mode: 'replace', validRowsOnly: false });
      assert.equal(loaded.status, 'loaded');
      assert.equal(loaded.rowsLoaded, ROWS);
      w.jobs.start();

      // The stand-in crashes mid-sync and comes back with its state.
      await hung;
      await standin.crashAndRestart(300);

      // Our own process "restarts" while batch 10 is in flight: the request is abandoned, a new
      // platform on the same database resumes the run.
      await tenInFlight;
      await w.close();
      const { rows: ackedAtRestart } = await base.db.query<{ idempotency_key: string }>("SELECT idempotency_key FROM sync_batches WHERE status = 'acknowledged'");
      const receiptsAtRestart = (await standin.state()).receipts;
      w = await build();
      w.jobs.start();

      // --- the run ends partial: batch 4 was refused with 422 and sits in the dead-letter queue ---------
      const partial = await waitRun(connectorId, ['partial', 'done', 'failed']);
      assert.equal(partial.status, 'partial', JSON.stringify(partial));
      const letters = (await api('GET', `/api/sync/dead-letters?connector=${connectorId}&status=open`)).json() as {
        id: string; batchNo: number; kind: string; httpStatus: number; reasonVi: string; raw: string; idempotencyKey: string;
      }[];
      assert.equal(letters.length, 1, JSON.stringify(letters));
      const letter = letters[0]!;
      assert.equal(letter.batchNo, 4);
      assert.equal(letter.kind, 'rejected');
      assert.equal(letter.httpStatus, 422);
      assert.match(letter.reasonVi, /Hệ thống đích từ chối lô dữ liệu \(HTTP 422\).*trường “gioiTinh”.*Khác/);
      assert.match(letter.raw, /Khác/);
      const before = (await api('GET', `/api/sync/connectors/${connectorId}/reconciliation`)).json();
      assert.equal(before.matches, false);
      assert.deepEqual(before.mismatches.map((m: { batchNo: number; problem: string }) => [m.batchNo, m.problem]), [[4, 'dead']]);
      // Still there on a second look: nothing retries a refused batch by itself.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(((await api('GET', `/api/sync/dead-letters?connector=${connectorId}&status=open`)).json() as unknown[]).length, 1);

      // --- the steward fixes the mapping and retries the letter ------------------------------------------
      const fixed = await api('PATCH', `/api/sync/connectors/${connectorId}`, { mapping: MAPPING({ Nam: '1', 'Nữ': '2', 'Khác': '3' }) });
      assert.equal(fixed.statusCode, 200, fixed.body);
      const retried = await api('POST', `/api/sync/dead-letters/${letter.id}/retry`);
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal(retried.json().status, 'retried');
      const done = await waitRun(connectorId, ['done', 'failed']);
      assert.equal(done.status, 'done', JSON.stringify(done));

      // --- every row is at the target exactly once, by content -------------------------------------------
      const st = await standin.state();
      const keys = Object.keys(st.batches);
      assert.equal(keys.length, BATCHES);
      for (let n = 0; n < BATCHES; n++) assert.ok(st.batches[`${connectorId}:1:${n}`], `batch ${n} stored under its idempotency key`);
      const stored = keys.flatMap((k) => st.batches[k]!.records).map(canonicalJson).sort();
      const gender: Record<string, string> = { Nam: '1', 'Nữ': '2', 'Khác': '3' };
      const expected = rows.map((r) => canonicalJson({
        maHoSo: r.ma_ho_so, hoTen: r.ho_ten, gioiTinh: gender[r.gioi_tinh], ngaySinh: r.ngay_sinh, soTien: r.so_tien, maTinh: '52',
      })).sort();
      assert.equal(stored.length, ROWS);
      assert.deepEqual(stored, expected);

      // --- the reconciliation report matches -------------------------------------------------------------
      const rec = (await api('GET', `/api/sync/connectors/${connectorId}/reconciliation?live=true`)).json();
      assert.equal(rec.matches, true, JSON.stringify(rec.mismatches));
      assert.deepEqual(rec.rows, { expected: ROWS, sent: ROWS, acknowledged: ROWS });
      assert.equal(rec.batches.acknowledged, BATCHES);
      assert.equal(rec.digest.sent, rec.digest.acknowledged);
      assert.ok(rec.batches.duplicateAcks >= 3, `duplicate acknowledgements were recorded harmlessly (${rec.batches.duplicateAcks})`);
      const byTarget = (await api('GET', '/api/sync/targets/y-te/reconciliation')).json() as { matches: boolean }[];
      assert.deepEqual(byTarget.map((r) => r.matches), [true]);

      // --- batches record their attempts; resumed runs never re-sent an acknowledged batch ---------------
      const runs = (await api('GET', `/api/sync/connectors/${connectorId}/runs`)).json() as { id: string; attempts: number }[];
      const batches = (await api('GET', `/api/sync/runs/${runs[0]!.id}/batches`)).json() as { batchNo: number; attempts: number; status: string; sha256: string; ackSha256: string }[];
      assert.ok(batches.every((b) => b.status === 'acknowledged' && b.sha256 === b.ackSha256));
      const attempts = Object.fromEntries(batches.map((b) => [b.batchNo, b.attempts]));
      assert.ok(attempts[1]! >= 2 && attempts[2]! >= 3 && attempts[3]! >= 2 && attempts[5]! >= 2 && attempts[9]! >= 4, JSON.stringify(attempts));
      const receipts = st.receipts;
      for (const { idempotency_key } of ackedAtRestart) {
        assert.equal(receipts[idempotency_key], receiptsAtRestart[idempotency_key], `${idempotency_key} was not re-sent after the restart`);
      }
      assert.ok(ackedAtRestart.length >= 8, `most batches were acknowledged before our restart (${ackedAtRestart.length})`);
      const deadJobs = await base.db.query<{ n: number }>("SELECT count(*)::int AS n FROM jobs WHERE queue LIKE 'sync%' AND status = 'dead'");
      assert.equal(deadJobs.rows[0]!.n, 0);

      // --- a duplicate delivery of the event changes nothing ----------------------------------------------
      const sentBefore = Object.values((await standin.state()).receipts).reduce((a, b) => a + b, 0);
      await w.sync.onVersionPublished({ datasetId: ds.id, version: 1 });
      await w.jobs.drain();
      assert.equal((await api('GET', `/api/sync/connectors/${connectorId}/runs`)).json().length, 1);
      assert.equal(Object.values((await standin.state()).receipts).reduce((a, b) => a + b, 0), sentBefore);

      // --- the token never left: no API response, no log line, no stored error carries it ----------------
      assert.ok(lines.length > 50, 'the logger was captured');
      assert.ok(lines.some((l) => l.includes('sync: batch not acknowledged')), 'retries were logged');
      for (const l of lines) assert.ok(!l.includes(token), `token in a log line: ${l.slice(0, 200)}`);
      for (const b of bodies) assert.ok(!b.includes(token), `token in a response: ${b.slice(0, 200)}`);
      const errs = await base.db.query<{ t: string }>("SELECT coalesce(string_agg(last_error, ' '), '') AS t FROM sync_batches");
      assert.ok(!errs.rows[0]!.t.includes(token));
    });
  });
}
