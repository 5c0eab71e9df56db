import type { Queryable } from '../../core/db/index.js';
import { conflict, invalid } from '../../core/errors.js';
import type { MappingSpec } from './mapping.js';
import type { Batch, BatchStatus, Connector, DeadLetter, Run, RunStatus, Target, TargetPatch, TargetStatus } from './model.js';
import type { SecretBox } from '../../core/secrets.js';

interface TargetRow {
  code: string; ordinal: number; name: string; name_en: string; enabled: boolean; base_url: string | null; auth_token: string | null;
  batch_size: number; timeout_ms: number; updated_at: Date;
}
interface ConnectorRow {
  id: string; dataset_id: string; target_code: string; mapping: MappingSpec; enabled: boolean; created_by: string | null; created_at: Date; updated_at: Date;
}
interface RunRow {
  id: string; connector_id: string; version: number; status: RunStatus; batch_size: number; rows_total: string | number; batches_total: number;
  attempts: number; last_error: string | null; trigger: string; created_at: Date; started_at: Date | null; finished_at: Date | null;
}
interface BatchRow {
  run_id: string; batch_no: number; idempotency_key: string; first_row: string | number; row_count: number; sha256: string; status: BatchStatus;
  attempts: number; acks: number; duplicate_acks: number; ack_count: number | null; ack_sha256: string | null; last_error: string | null;
  first_sent_at: Date | null; last_sent_at: Date | null; acked_at: Date | null;
}
interface DeadLetterRow {
  id: string; run_id: string; connector_id: string; target_code: string; dataset_id: string; version: number; batch_no: number;
  idempotency_key: string | null; kind: 'rejected' | 'mapping'; http_status: number | null; reason_vi: string; raw: string | null;
  status: DeadLetter['status']; created_at: Date; resolved_at: Date | null;
}

const date = (d: Date | string | null) => (d === null ? null : new Date(d));

const toTarget = (r: TargetRow, box: SecretBox | null): Target => ({
  code: r.code, ordinal: r.ordinal, name: r.name, nameEn: r.name_en, enabled: r.enabled, baseUrl: r.base_url,
  token: r.auth_token === null || !box ? r.auth_token : box.unseal(r.auth_token),
  batchSize: r.batch_size, timeoutMs: r.timeout_ms, updatedAt: new Date(r.updated_at),
});
const toConnector = (r: ConnectorRow): Connector => ({
  id: r.id, datasetId: r.dataset_id, targetCode: r.target_code, mapping: r.mapping, enabled: r.enabled, createdBy: r.created_by,
  createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});
const toRun = (r: RunRow): Run => ({
  id: r.id, connectorId: r.connector_id, version: r.version, status: r.status, batchSize: r.batch_size, rowsTotal: Number(r.rows_total),
  batchesTotal: r.batches_total, attempts: r.attempts, lastError: r.last_error, trigger: r.trigger, createdAt: new Date(r.created_at),
  startedAt: date(r.started_at), finishedAt: date(r.finished_at),
});
const toBatch = (r: BatchRow): Batch => ({
  runId: r.run_id, batchNo: r.batch_no, idempotencyKey: r.idempotency_key, firstRow: Number(r.first_row), rowCount: r.row_count, sha256: r.sha256,
  status: r.status, attempts: r.attempts, acks: r.acks, duplicateAcks: r.duplicate_acks, ackCount: r.ack_count, ackSha256: r.ack_sha256, lastError: r.last_error,
  firstSentAt: date(r.first_sent_at), lastSentAt: date(r.last_sent_at), ackedAt: date(r.acked_at),
});
const toDeadLetter = (r: DeadLetterRow): DeadLetter => ({
  id: r.id, runId: r.run_id, connectorId: r.connector_id, targetCode: r.target_code, datasetId: r.dataset_id, version: r.version, batchNo: r.batch_no,
  idempotencyKey: r.idempotency_key, kind: r.kind, httpStatus: r.http_status, reasonVi: r.reason_vi, raw: r.raw, status: r.status,
  createdAt: new Date(r.created_at), resolvedAt: date(r.resolved_at),
});

const RUN_COLUMNS = 'id, connector_id, version, status, batch_size, rows_total, batches_total, attempts, last_error, trigger, created_at, started_at, finished_at';
const DEAD_COLUMNS = `l.id, l.run_id, r.connector_id, c.target_code, c.dataset_id, r.version, l.batch_no, b.idempotency_key, l.kind, l.http_status,
  l.reason_vi, l.raw, l.status, l.created_at, l.resolved_at`;
const DEAD_FROM = `sync_dead_letters l JOIN sync_runs r ON r.id = l.run_id JOIN sync_connectors c ON c.id = r.connector_id
  LEFT JOIN sync_batches b ON b.run_id = l.run_id AND b.batch_no = l.batch_no`;

/** SQL of the sync module. Only this file talks to its tables. */
export class SyncStore {
  /** `box` seals the targets' tokens at rest (core/secrets.ts); without it they are kept as given. */
  constructor(
    private readonly db: Queryable,
    private readonly box: SecretBox | null = null,
  ) {}

  with(q: Queryable): SyncStore {
    return new SyncStore(q, this.box);
  }

  // ---- targets ---------------------------------------------------------------------------------

  async listTargets(): Promise<Target[]> {
    return (await this.db.query<TargetRow>('SELECT * FROM sync_targets ORDER BY ordinal, code')).rows.map((r) => toTarget(r, this.box));
  }

  async getTarget(code: string): Promise<Target | null> {
    const r = await this.db.query<TargetRow>('SELECT * FROM sync_targets WHERE code = $1', [code]);
    return r.rows[0] ? toTarget(r.rows[0], this.box) : null;
  }

  async updateTarget(code: string, p: TargetPatch, by: string | null): Promise<Target | null> {
    const r = await this.db.query<TargetRow>(
      `UPDATE sync_targets SET
         enabled = COALESCE($2, enabled),
         base_url = CASE WHEN $3 THEN $4 ELSE base_url END,
         auth_token = CASE WHEN $5 THEN $6 ELSE auth_token END,
         batch_size = COALESCE($7, batch_size),
         timeout_ms = COALESCE($8, timeout_ms),
         updated_by = $9::uuid, updated_at = now()
       WHERE code = $1 RETURNING *`,
      [code, p.enabled ?? null, p.baseUrl !== undefined, p.baseUrl ?? null, p.token !== undefined, p.token ? this.seal(p.token) : null, p.batchSize ?? null, p.timeoutMs ?? null, by],
    );
    return r.rows[0] ? toTarget(r.rows[0], this.box) : null;
  }

  private seal(token: string): string {
    return this.box ? this.box.seal(token) : token;
  }

  /** Seals the tokens written before sealing existed (idempotent). Returns how many it sealed. */
  async sealLegacyTokens(): Promise<number> {
    if (!this.box) return 0;
    const r = await this.db.query<{ code: string; auth_token: string }>("SELECT code, auth_token FROM sync_targets WHERE auth_token IS NOT NULL AND auth_token NOT LIKE 'sealed:%'");
    for (const t of r.rows) await this.db.query('UPDATE sync_targets SET auth_token = $2 WHERE code = $1 AND auth_token = $3', [t.code, this.box.seal(t.auth_token), t.auth_token]);
    return r.rows.length;
  }

  // ---- connectors ------------------------------------------------------------------------------

  async insertConnector(c: { datasetId: string; targetCode: string; mapping: MappingSpec; enabled: boolean; createdBy: string | null }): Promise<Connector> {
    try {
      const r = await this.db.query<ConnectorRow>(
        `INSERT INTO sync_connectors (dataset_id, target_code, mapping, enabled, created_by) VALUES ($1::uuid, $2, $3::jsonb, $4, $5::uuid) RETURNING *`,
        [c.datasetId, c.targetCode, JSON.stringify(c.mapping), c.enabled, c.createdBy],
      );
      return toConnector(r.rows[0]!);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === '23505') throw conflict({ vi: `Tập dữ liệu đã có bộ kết nối tới hệ thống ${c.targetCode}`, en: `The dataset already has a connector to ${c.targetCode}` });
      if (code === '23503') throw invalid({ vi: `Không có hệ thống đích ${c.targetCode}`, en: `No target ${c.targetCode}` }, [{ field: 'target', message: 'unknown target' }]);
      throw e;
    }
  }

  async updateConnector(id: string, p: { mapping?: MappingSpec; enabled?: boolean }): Promise<Connector | null> {
    const r = await this.db.query<ConnectorRow>(
      `UPDATE sync_connectors SET mapping = COALESCE($2::jsonb, mapping), enabled = COALESCE($3, enabled), updated_at = now() WHERE id = $1 RETURNING *`,
      [id, p.mapping ? JSON.stringify(p.mapping) : null, p.enabled ?? null],
    );
    return r.rows[0] ? toConnector(r.rows[0]) : null;
  }

  async deleteConnector(id: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM sync_connectors WHERE id = $1', [id])).rowCount > 0;
  }

  async getConnector(id: string): Promise<Connector | null> {
    const r = await this.db.query<ConnectorRow>('SELECT * FROM sync_connectors WHERE id = $1::uuid', [id]);
    return r.rows[0] ? toConnector(r.rows[0]) : null;
  }

  async listConnectors(f: { datasetId?: string; targetCode?: string; enabledOnly?: boolean } = {}): Promise<Connector[]> {
    const r = await this.db.query<ConnectorRow>(
      `SELECT * FROM sync_connectors WHERE ($1::uuid IS NULL OR dataset_id = $1::uuid) AND ($2::text IS NULL OR target_code = $2) AND (NOT $3 OR enabled)
       ORDER BY created_at, id`,
      [f.datasetId ?? null, f.targetCode ?? null, f.enabledOnly ?? false],
    );
    return r.rows.map(toConnector);
  }

  // ---- runs ------------------------------------------------------------------------------------

  /** Creates the run of a connector and version unless it exists. `created` says which. */
  async insertRun(r: { connectorId: string; version: number; batchSize: number; rowsTotal: number; trigger: string }): Promise<{ run: Run; created: boolean }> {
    const ins = await this.db.query<RunRow>(
      `INSERT INTO sync_runs (connector_id, version, batch_size, rows_total, batches_total, trigger)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connector_id, version) DO NOTHING RETURNING ${RUN_COLUMNS}`,
      [r.connectorId, r.version, r.batchSize, r.rowsTotal, Math.ceil(r.rowsTotal / r.batchSize), r.trigger],
    );
    if (ins.rows[0]) return { run: toRun(ins.rows[0]), created: true };
    const cur = await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE connector_id = $1 AND version = $2`, [r.connectorId, r.version]);
    return { run: toRun(cur.rows[0]!), created: false };
  }

  async getRun(id: string): Promise<Run | null> {
    const r = await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id = $1::uuid`, [id]);
    return r.rows[0] ? toRun(r.rows[0]) : null;
  }

  async listRuns(connectorId: string): Promise<Run[]> {
    return (await this.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE connector_id = $1 ORDER BY version DESC`, [connectorId])).rows.map(toRun);
  }

  async runForVersion(connectorId: string, version: number | null): Promise<Run | null> {
    const r = await this.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE connector_id = $1 AND ($2::int IS NULL OR version = $2) ORDER BY version DESC LIMIT 1`,
      [connectorId, version],
    );
    return r.rows[0] ? toRun(r.rows[0]) : null;
  }

  /**
   * Takes a run for one worker: a lease, so that two jobs for the same run (a duplicate event, a
   * dead-letter retry) never send concurrently; an expired lease (crashed worker) can be taken over.
   */
  async claimRun(id: string, leaseMs: number): Promise<Run | null> {
    const r = await this.db.query<RunRow>(
      `UPDATE sync_runs SET status = 'running', lease_until = now() + make_interval(secs => $2), attempts = attempts + 1,
         started_at = COALESCE(started_at, now()), finished_at = NULL
       WHERE id = $1 AND (status <> 'running' OR lease_until IS NULL OR lease_until < now()) RETURNING ${RUN_COLUMNS}`,
      [id, leaseMs / 1000],
    );
    return r.rows[0] ? toRun(r.rows[0]) : null;
  }

  async renewLease(id: string, leaseMs: number): Promise<void> {
    await this.db.query("UPDATE sync_runs SET lease_until = now() + make_interval(secs => $2) WHERE id = $1 AND status = 'running'", [id, leaseMs / 1000]);
  }

  /** Ends a worker's hold on a run with a status and the last error (null clears it). */
  async releaseRun(id: string, status: RunStatus, lastError: string | null): Promise<void> {
    await this.db.query(
      `UPDATE sync_runs SET status = $2, last_error = $3, lease_until = NULL,
         finished_at = CASE WHEN $2 IN ('done', 'partial', 'failed') THEN now() END WHERE id = $1`,
      [id, status, lastError],
    );
  }

  /** Marks a run that is not running as waiting for a worker again. */
  async reopenRun(id: string): Promise<void> {
    await this.db.query("UPDATE sync_runs SET status = 'pending', finished_at = NULL WHERE id = $1 AND status <> 'running'", [id]);
  }

  /** After a dead letter is discarded: a partial run with no dead batch left is done. */
  async settleRun(id: string): Promise<void> {
    await this.db.query(
      `UPDATE sync_runs r SET status = 'done' WHERE id = $1 AND status = 'partial'
         AND NOT EXISTS (SELECT 1 FROM sync_batches b WHERE b.run_id = r.id AND b.status IN ('dead', 'sending'))
         AND (SELECT count(*) FROM sync_batches b WHERE b.run_id = r.id) >= r.batches_total`,
      [id],
    );
  }

  // ---- batches ---------------------------------------------------------------------------------

  async batchStates(runId: string): Promise<Map<number, BatchStatus>> {
    const r = await this.db.query<{ batch_no: number; status: BatchStatus }>('SELECT batch_no, status FROM sync_batches WHERE run_id = $1', [runId]);
    return new Map(r.rows.map((x) => [x.batch_no, x.status]));
  }

  async listBatches(runId: string): Promise<Batch[]> {
    return (await this.db.query<BatchRow>('SELECT * FROM sync_batches WHERE run_id = $1 ORDER BY batch_no', [runId])).rows.map(toBatch);
  }

  /**
   * Records a batch about to be sent (or re-sent). Its key never changes; its hash follows the
   * mapping in force (a batch retried after a mapping fix carries the fixed content).
   * An acknowledged batch is never touched again.
   */
  async prepareBatch(b: { runId: string; batchNo: number; key: string; firstRow: number; rowCount: number; sha256: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO sync_batches (run_id, batch_no, idempotency_key, first_row, row_count, sha256, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'sending')
       ON CONFLICT (run_id, batch_no) DO UPDATE SET row_count = EXCLUDED.row_count, sha256 = EXCLUDED.sha256, status = 'sending'
       WHERE sync_batches.status NOT IN ('acknowledged', 'discarded')`,
      [b.runId, b.batchNo, b.key, b.firstRow, b.rowCount, b.sha256],
    );
  }

  async markAttempt(runId: string, batchNo: number): Promise<void> {
    await this.db.query(
      'UPDATE sync_batches SET attempts = attempts + 1, first_sent_at = COALESCE(first_sent_at, now()), last_sent_at = now() WHERE run_id = $1 AND batch_no = $2',
      [runId, batchNo],
    );
  }

  async batchError(runId: string, batchNo: number, error: string): Promise<void> {
    await this.db.query('UPDATE sync_batches SET last_error = $3 WHERE run_id = $1 AND batch_no = $2', [runId, batchNo, error.slice(0, 2000)]);
  }

  /** Records an acknowledgement. Idempotent: a duplicate only bumps `acks`. */
  async acknowledge(runId: string, batchNo: number, ack: { count: number; sha256: string | null; duplicate: boolean }): Promise<void> {
    await this.db.query(
      `UPDATE sync_batches SET acks = acks + 1, last_error = NULL,
         duplicate_acks = duplicate_acks + CASE WHEN $5 OR status = 'acknowledged' THEN 1 ELSE 0 END,
         status = 'acknowledged',
         ack_count = CASE WHEN status = 'acknowledged' THEN ack_count ELSE $3 END,
         ack_sha256 = CASE WHEN status = 'acknowledged' THEN ack_sha256 ELSE $4 END,
         acked_at = COALESCE(acked_at, now())
       WHERE run_id = $1 AND batch_no = $2`,
      [runId, batchNo, ack.count, ack.sha256, ack.duplicate],
    );
  }

  /** Parks a batch in the dead-letter queue (its row, or a placeholder when the mapping failed before hashing). */
  async deadLetter(d: { runId: string; batchNo: number; kind: 'rejected' | 'mapping'; httpStatus: number | null; reasonVi: string; raw: string | null }): Promise<string> {
    await this.db.query("UPDATE sync_batches SET status = 'dead', last_error = $3 WHERE run_id = $1 AND batch_no = $2", [d.runId, d.batchNo, d.reasonVi.slice(0, 2000)]);
    // One open letter per batch: a batch refused again after a retry gets a fresh letter, the old one stays 'retried'.
    const r = await this.db.query<{ id: string }>(
      `INSERT INTO sync_dead_letters (run_id, batch_no, kind, http_status, reason_vi, raw) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [d.runId, d.batchNo, d.kind, d.httpStatus, d.reasonVi.slice(0, 4000), d.raw?.slice(0, 8000) ?? null],
    );
    return r.rows[0]!.id;
  }

  async getDeadLetter(id: string): Promise<DeadLetter | null> {
    const r = await this.db.query<DeadLetterRow>(`SELECT ${DEAD_COLUMNS} FROM ${DEAD_FROM} WHERE l.id = $1::uuid`, [id]);
    return r.rows[0] ? toDeadLetter(r.rows[0]) : null;
  }

  async listDeadLetters(f: { connectorId?: string; status?: string; targetCode?: string; limit: number }): Promise<DeadLetter[]> {
    const r = await this.db.query<DeadLetterRow>(
      `SELECT ${DEAD_COLUMNS} FROM ${DEAD_FROM}
       WHERE ($1::uuid IS NULL OR r.connector_id = $1::uuid) AND ($2::text IS NULL OR l.status = $2) AND ($3::text IS NULL OR c.target_code = $3)
       ORDER BY l.created_at DESC, l.id LIMIT $4`,
      [f.connectorId ?? null, f.status ?? null, f.targetCode ?? null, f.limit],
    );
    return r.rows.map(toDeadLetter);
  }

  /** Closes an open letter. Returns false when it was not open (already retried or discarded). */
  async resolveDeadLetter(id: string, status: 'retried' | 'discarded', by: string | null): Promise<boolean> {
    const r = await this.db.query(
      "UPDATE sync_dead_letters SET status = $2, resolved_at = now(), resolved_by = $3::uuid WHERE id = $1 AND status = 'open'",
      [id, status, by],
    );
    return r.rowCount > 0;
  }

  async setBatchStatus(runId: string, batchNo: number, status: BatchStatus): Promise<void> {
    await this.db.query('UPDATE sync_batches SET status = $3 WHERE run_id = $1 AND batch_no = $2', [runId, batchNo, status]);
  }

  // ---- status ----------------------------------------------------------------------------------

  async targetStatus(): Promise<TargetStatus[]> {
    const r = await this.db.query<{ code: string; name: string; enabled: boolean; connectors: string | number; runs: Record<string, number> | null; open: string | number; last: Date | null }>(
      `SELECT t.code, t.name, t.enabled,
         (SELECT count(*) FROM sync_connectors c WHERE c.target_code = t.code) AS connectors,
         (SELECT jsonb_object_agg(s.status, s.n) FROM (SELECT r.status, count(*)::int AS n FROM sync_runs r JOIN sync_connectors c ON c.id = r.connector_id
            WHERE c.target_code = t.code GROUP BY r.status) s) AS runs,
         (SELECT count(*) FROM sync_dead_letters l JOIN sync_runs r ON r.id = l.run_id JOIN sync_connectors c ON c.id = r.connector_id
            WHERE c.target_code = t.code AND l.status = 'open') AS open,
         (SELECT max(r.created_at) FROM sync_runs r JOIN sync_connectors c ON c.id = r.connector_id WHERE c.target_code = t.code) AS last
       FROM sync_targets t ORDER BY t.ordinal`,
    );
    return r.rows.map((x) => ({
      code: x.code, name: x.name, enabled: x.enabled, connectors: Number(x.connectors),
      runs: { pending: 0, running: 0, done: 0, partial: 0, failed: 0, ...(x.runs ?? {}) }, openDeadLetters: Number(x.open), lastRunAt: date(x.last),
    }));
  }
}
