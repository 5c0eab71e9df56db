import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { SYSTEM, type Principal } from '../../core/auth/index.js';
import type { Db } from '../../core/db/index.js';
import { conflict, invalid, notFound } from '../../core/errors.js';
import type { Job, JobQueue } from '../../core/jobs/index.js';
import type { CatalogService, Dataset } from '../catalog/index.js';
import type { WarehouseService } from '../warehouse/index.js';
import { HttpNationalTarget, type NationalTarget } from './client.js';
import { batchHash, compileMapping, mappingProblems, type MappedRow, type MappingSpec } from './mapping.js';
import type { Batch, Connector, DeadLetter, Reconciliation, Run, Target, TargetPatch, TargetStatus } from './model.js';
import { authorizeDataset, authorizeTargetAdmin } from './policy.js';
import { SyncStore } from './store.js';
import type { SecretBox } from '../../core/secrets.js';

/** The job queue the sync runs on; one job per run (re)start. */
export const SYNC_QUEUE = 'sync:run';

export interface SyncOptions {
  /** Attempts of one batch inside a job before the job fails and the queue retries it with backoff. */
  batchAttempts?: number;
  /** First pause between in-job attempts, doubled each time (with jitter). */
  batchBackoffMs?: number;
  /** How long a worker holds a run without renewing (a crashed worker's run is taken over after this). */
  leaseMs?: number;
  /** Attempts of a run's job in the queue before it is parked as failed. */
  jobAttempts?: number;
}

export interface SyncDeps {
  db: Db;
  jobs: JobQueue;
  catalog: CatalogService;
  warehouse: WarehouseService;
  logger: Logger;
  /** How a target is reached; HTTP/JSON unless a test or another transport says otherwise. */
  connect?: (t: Target) => NationalTarget;
  /** Seals the targets' tokens at rest. */
  secrets?: SecretBox;
  options?: SyncOptions;
}

export interface ConnectorInput {
  dataset: string;
  target: string;
  mapping: MappingSpec;
  enabled?: boolean;
}

/** Why a run stopped before the end; the job queue retries it. */
class RunInterrupted extends Error {}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

const noConnector = (id: string) => notFound({ vi: `Không có bộ kết nối ${id}`, en: `No connector ${id}` });
const noTarget = (code: string) => notFound({ vi: `Không có hệ thống đích ${code}`, en: `No target ${code}` });

/**
 * Synchronisation of datasets to the 13 key national databases. A connector maps a dataset to a
 * target; each new version of the dataset becomes a run (through the `dataset.version.published`
 * event and the job queue), delivered in fixed batches with an idempotency key each, acknowledged
 * batch by batch, resumable after any failure, with refused batches parked in a dead-letter queue
 * and a reconciliation report of what was sent against what was acknowledged.
 */
export class SyncService {
  private readonly store: SyncStore;
  private readonly opts: Required<SyncOptions>;
  private readonly log: Logger;
  private stopping = new AbortController();

  constructor(private readonly deps: SyncDeps) {
    this.store = new SyncStore(deps.db, deps.secrets ?? null);
    this.opts = { batchAttempts: 3, batchBackoffMs: 250, leaseMs: 120_000, jobAttempts: 12, ...deps.options };
    this.log = deps.logger.child({ component: 'sync' });
    deps.jobs.handle(SYNC_QUEUE, (job) => this.runJob(job));
  }

  private connect(t: Target): NationalTarget {
    return this.deps.connect ? this.deps.connect(t) : new HttpNationalTarget({ baseUrl: t.baseUrl ?? '', token: t.token, timeoutMs: t.timeoutMs });
  }

  // ---- targets (administrators) ----------------------------------------------------------------

  /** The 13 national targets. @throws AppError FORBIDDEN for anyone but administrators */
  async listTargets(actor: Principal): Promise<Target[]> {
    authorizeTargetAdmin(actor, 'sync:read');
    return this.store.listTargets();
  }

  /** @throws AppError FORBIDDEN, NOT_FOUND */
  async getTarget(actor: Principal, code: string): Promise<Target> {
    authorizeTargetAdmin(actor, 'sync:read');
    const t = await this.store.getTarget(code);
    if (!t) throw noTarget(code);
    return t;
  }

  /** Seals the targets' tokens written before they were sealed at rest (see core/secrets.ts). */
  async sealLegacyTokens(): Promise<number> {
    return this.store.sealLegacyTokens();
  }

  /**
   * Configures a target: address, token, batch size, timeout, on/off. A target cannot be enabled
   * without an address. @throws AppError FORBIDDEN, NOT_FOUND, VALIDATION_FAILED
   */
  async configureTarget(actor: Principal, code: string, patch: TargetPatch): Promise<Target> {
    const cur = await this.getTarget(actor, code);
    authorizeTargetAdmin(actor, 'sync:write');
    if (patch.baseUrl) {
      let u: URL;
      try {
        u = new URL(patch.baseUrl);
      } catch {
        throw invalid({ vi: 'Địa chỉ hệ thống đích không phải URL hợp lệ', en: 'The base URL is not a valid URL' }, [{ field: 'baseUrl', message: 'invalid URL' }]);
      }
      if (!['http:', 'https:'].includes(u.protocol) || u.username || u.password) {
        throw invalid({ vi: 'Địa chỉ phải là http(s)://… và không chứa tên/mật khẩu (dùng mã truy cập)', en: 'The base URL must be http(s) without credentials' }, [{ field: 'baseUrl', message: 'scheme or credentials' }]);
      }
    }
    const baseUrl = patch.baseUrl !== undefined ? patch.baseUrl : cur.baseUrl;
    if ((patch.enabled ?? cur.enabled) && !baseUrl) {
      throw invalid({ vi: 'Cần địa chỉ (baseUrl) trước khi bật hệ thống đích', en: 'A base URL is needed before enabling the target' }, [{ field: 'baseUrl', message: 'required to enable' }]);
    }
    const t = await this.store.updateTarget(code, patch, actor.id);
    if (!t) throw noTarget(code);
    this.log.info({ target: code, enabled: t.enabled, tokenChanged: patch.token !== undefined }, 'sync target configured');
    return t;
  }

  /** Asks the target whether it answers. @throws AppError FORBIDDEN, NOT_FOUND, VALIDATION_FAILED (no address) */
  async targetHealth(actor: Principal, code: string): Promise<{ ok: boolean; status: number | null; error: string | null }> {
    const t = await this.getTarget(actor, code);
    if (!t.baseUrl) throw invalid({ vi: 'Hệ thống đích chưa có địa chỉ', en: 'The target has no base URL' });
    return this.connect(t).health();
  }

  // ---- connectors (dataset stewards) -----------------------------------------------------------

  private async dataset(actor: Principal, idOrSlug: string): Promise<Dataset> {
    return this.deps.catalog.getDataset(actor, idOrSlug);
  }

  /** Checks a mapping against the dataset. @throws AppError VALIDATION_FAILED with every problem, in Vietnamese */
  private checkMapping(mapping: MappingSpec, ds: Dataset): void {
    const problems = mappingProblems(mapping, ds.columns.map((c) => ({ name: c.name, type: c.type })));
    if (problems.length) {
      throw invalid({ vi: `Ánh xạ không hợp lệ: ${problems.map((p) => p.message).join('; ')}`, en: 'Invalid mapping' }, problems);
    }
  }

  /**
   * Connects a dataset to a national target with a mapping, checked against the dataset's columns.
   * @throws AppError NOT_FOUND (dataset or target), FORBIDDEN, VALIDATION_FAILED, CONFLICT (already connected)
   */
  async createConnector(actor: Principal, input: ConnectorInput): Promise<Connector> {
    const ds = await this.dataset(actor, input.dataset);
    authorizeDataset(actor, 'sync:write', ds);
    if (!(await this.store.getTarget(input.target))) throw noTarget(input.target);
    this.checkMapping(input.mapping, ds);
    return this.store.insertConnector({ datasetId: ds.id, targetCode: input.target, mapping: input.mapping, enabled: input.enabled ?? true, createdBy: actor.id });
  }

  /** A connector and its dataset, if the caller may act on it. @throws AppError NOT_FOUND, FORBIDDEN */
  private async connectorFor(actor: Principal, id: string, permission: 'sync:read' | 'sync:write'): Promise<{ c: Connector; ds: Dataset }> {
    const c = await this.store.getConnector(id);
    if (!c) throw noConnector(id);
    let ds: Dataset;
    try {
      ds = await this.dataset(actor, c.datasetId);
    } catch {
      throw noConnector(id); // a dataset the caller cannot see: its connectors do not exist for them
    }
    authorizeDataset(actor, permission, ds);
    return { c, ds };
  }

  /** @throws AppError NOT_FOUND, FORBIDDEN */
  async getConnector(actor: Principal, id: string): Promise<Connector> {
    return (await this.connectorFor(actor, id, 'sync:read')).c;
  }

  /** Connectors the caller may read, optionally of one dataset or target. */
  async listConnectors(actor: Principal, f: { dataset?: string; target?: string } = {}): Promise<Connector[]> {
    let datasetId: string | undefined;
    if (f.dataset) datasetId = (await this.dataset(actor, f.dataset)).id;
    const all = await this.store.listConnectors({ datasetId, targetCode: f.target });
    return this.readable(actor, all, (c) => c.datasetId);
  }

  /** Keeps the items whose dataset the caller may read sync data of. */
  private async readable<T>(actor: Principal, items: T[], datasetOf: (x: T) => string): Promise<T[]> {
    const allowed = new Map<string, boolean>();
    const out: T[] = [];
    for (const x of items) {
      const id = datasetOf(x);
      if (!allowed.has(id)) {
        let ok = false;
        try {
          authorizeDataset(actor, 'sync:read', await this.dataset(actor, id));
          ok = true;
        } catch {
          ok = false;
        }
        allowed.set(id, ok);
      }
      if (allowed.get(id)) out.push(x);
    }
    return out;
  }

  /** Changes a connector's mapping or switches it on/off. @throws AppError NOT_FOUND, FORBIDDEN, VALIDATION_FAILED */
  async updateConnector(actor: Principal, id: string, patch: { mapping?: MappingSpec; enabled?: boolean }): Promise<Connector> {
    const { ds } = await this.connectorFor(actor, id, 'sync:write');
    if (patch.mapping) this.checkMapping(patch.mapping, ds);
    const c = await this.store.updateConnector(id, patch);
    if (!c) throw noConnector(id);
    return c;
  }

  /** Removes a connector with its runs, batches and dead letters. @throws AppError NOT_FOUND, FORBIDDEN */
  async deleteConnector(actor: Principal, id: string): Promise<void> {
    await this.connectorFor(actor, id, 'sync:write');
    await this.store.deleteConnector(id);
  }

  // ---- runs ------------------------------------------------------------------------------------

  /**
   * Delivery of a published version (the `dataset.version.published` subscriber). Idempotent: the
   * event arrives at least once, and a second arrival finds the runs it created.
   */
  async onVersionPublished(payload: Record<string, unknown>): Promise<void> {
    const datasetId = String(payload.datasetId ?? '');
    const version = Number(payload.version);
    if (!/^[0-9a-f-]{36}$/i.test(datasetId) || !Number.isInteger(version) || version < 1) {
      this.log.warn({ payload: { datasetId, version } }, 'sync: ignored malformed dataset.version.published');
      return;
    }
    for (const c of await this.store.listConnectors({ datasetId, enabledOnly: true })) {
      const t = await this.store.getTarget(c.targetCode);
      if (!t?.enabled || !t.baseUrl) {
        this.log.info({ connector: c.id, target: c.targetCode, version }, 'sync: target disabled, version not pushed');
        continue;
      }
      await this.startRun(c, t, version, 'event');
    }
  }

  /** Creates the run (if new) and its job in one transaction. */
  private async startRun(c: Connector, t: Target, version: number, trigger: string): Promise<{ run: Run; created: boolean }> {
    const rows = await this.deps.warehouse.rowCount(c.datasetId, version);
    return this.deps.db.transaction(async (tx) => {
      const r = await this.store.with(tx).insertRun({ connectorId: c.id, version, batchSize: t.batchSize, rowsTotal: rows, trigger });
      if (r.created) await this.deps.jobs.enqueue(SYNC_QUEUE, { runId: r.run.id }, { maxAttempts: this.opts.jobAttempts }, tx);
      return r;
    });
  }

  /**
   * Pushes a version (default: the latest) by hand: the first sync of an existing dataset, or a run
   * that failed and should resume. @throws AppError NOT_FOUND, FORBIDDEN, CONFLICT (target disabled, no data)
   */
  async push(actor: Principal, connectorId: string, version?: number): Promise<Run> {
    const { c, ds } = await this.connectorFor(actor, connectorId, 'sync:write');
    const t = (await this.store.getTarget(c.targetCode))!;
    if (!t.enabled || !t.baseUrl) throw conflict({ vi: `Hệ thống đích ${t.code} đang tắt`, en: `Target ${t.code} is disabled` });
    const v = version ?? ds.latestVersion;
    if (!v) throw conflict({ vi: 'Tập dữ liệu chưa có phiên bản nào', en: 'The dataset has no version yet' });
    const { run, created } = await this.startRun(c, t, v, 'manual');
    if (!created && run.status !== 'running' && run.status !== 'done') {
      await this.store.reopenRun(run.id);
      await this.deps.jobs.enqueue(SYNC_QUEUE, { runId: run.id }, { maxAttempts: this.opts.jobAttempts });
    }
    return (await this.store.getRun(run.id))!;
  }

  /** Runs of a connector, newest version first. @throws AppError NOT_FOUND, FORBIDDEN */
  async listRuns(actor: Principal, connectorId: string): Promise<Run[]> {
    await this.connectorFor(actor, connectorId, 'sync:read');
    return this.store.listRuns(connectorId);
  }

  private async runFor(actor: Principal, runId: string, permission: 'sync:read' | 'sync:write'): Promise<{ run: Run; c: Connector; ds: Dataset }> {
    const run = await this.store.getRun(runId);
    if (!run) throw notFound({ vi: `Không có lượt đồng bộ ${runId}`, en: `No run ${runId}` });
    return { run, ...(await this.connectorFor(actor, run.connectorId, permission)) };
  }

  /** @throws AppError NOT_FOUND, FORBIDDEN */
  async getRun(actor: Principal, runId: string): Promise<Run> {
    return (await this.runFor(actor, runId, 'sync:read')).run;
  }

  /** Every recorded batch of a run: sent, acknowledged, hash, attempts, last error. @throws AppError NOT_FOUND, FORBIDDEN */
  async listBatches(actor: Principal, runId: string): Promise<Batch[]> {
    await this.runFor(actor, runId, 'sync:read');
    return this.store.listBatches(runId);
  }

  /** The job: claims the run, delivers what is not yet acknowledged, and settles the run's status. */
  private async runJob(job: Job): Promise<void> {
    const runId = String(job.payload.runId ?? '');
    const claimed = await this.store.claimRun(runId, this.opts.leaseMs);
    if (!claimed) {
      const cur = await this.store.getRun(runId);
      if (cur?.status === 'running') throw new Error(`lượt đồng bộ ${runId} đang được một tiến trình khác xử lý`);
      return; // gone (connector deleted)
    }
    try {
      const status = await this.deliver(claimed);
      await this.store.releaseRun(runId, status, null);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const last = job.attempts >= job.max_attempts;
      await this.store.releaseRun(runId, last ? 'failed' : 'pending', message.slice(0, 2000));
      this.log.warn({ run: runId, attempts: job.attempts, final: last, err: message }, 'sync run interrupted; the queue retries it');
      throw e;
    }
  }

  /**
   * Streams the version's rows in their fixed order, cuts them into batches of the run's size and
   * sends each batch that is not yet acknowledged (nor dead nor discarded). Acknowledged batches are
   * skipped without mapping, so a resumed run never re-sends them; an unacknowledged one is re-sent
   * with its same key, and the target answers with what it already holds.
   */
  private async deliver(run: Run): Promise<'done' | 'partial'> {
    const c = await this.store.getConnector(run.connectorId);
    if (!c) throw new Error('bộ kết nối đã bị xóa');
    const t = await this.store.getTarget(c.targetCode);
    if (!t?.enabled || !t.baseUrl) throw new Error(`hệ thống đích ${c.targetCode} đang tắt`);
    const ds = await this.deps.catalog.getDataset(SYSTEM, c.datasetId);
    const client = this.connect(t);
    const map = compileMapping(c.mapping);
    const states = await this.store.batchStates(run.id);
    const skip = (n: number) => {
      const s = states.get(n);
      return s === 'acknowledged' || s === 'dead' || s === 'discarded';
    };
    const columns = ds.columns.map((col) => ({ name: col.name, type: col.type }));
    let index = 0;
    let buffer: Record<string, unknown>[] = [];
    const flush = async (batchNo: number) => {
      const rows = buffer;
      buffer = [];
      await this.sendBatch(run, c, ds, client, map, batchNo, batchNo * run.batchSize, rows);
      await this.store.renewLease(run.id, this.opts.leaseMs);
    };
    if (run.rowsTotal > 0) {
      for await (const row of this.deps.warehouse.exportStream(c.datasetId, columns, { version: run.version })) {
        const batchNo = Math.floor(index / run.batchSize);
        index++;
        if (skip(batchNo)) continue;
        buffer.push(row);
        if (buffer.length === run.batchSize) await flush(batchNo);
      }
      if (buffer.length) await flush(Math.floor((index - 1) / run.batchSize));
    }
    const after = await this.store.listBatches(run.id);
    const dead = after.some((b) => b.status === 'dead');
    const open = after.filter((b) => b.status === 'sending').map((b) => b.batchNo);
    if (open.length) throw new Error(`còn lô chưa được xác nhận: ${open.slice(0, 10).join(', ')}`);
    this.log.info({ run: run.id, target: c.targetCode, version: run.version, batches: after.length, dead }, 'sync run finished');
    return dead ? 'partial' : 'done';
  }

  private async sendBatch(
    run: Run, c: Connector, ds: Dataset, client: NationalTarget, map: ReturnType<typeof compileMapping>, batchNo: number, firstRow: number, rows: Record<string, unknown>[],
  ): Promise<void> {
    const records: MappedRow[] = [];
    const problems: string[] = [];
    rows.forEach((row, i) => {
      const m = map(row);
      records.push(m.record);
      for (const p of m.problems) if (problems.length < 20) problems.push(`dòng ${firstRow + i + 1} của phiên bản: ${p}`);
    });
    const key = `${c.id}:${run.version}:${batchNo}`;
    const sha256 = batchHash(records);
    await this.store.prepareBatch({ runId: run.id, batchNo, key, firstRow, rowCount: records.length, sha256 });
    if (problems.length) {
      await this.park(run.id, batchNo, { kind: 'mapping', httpStatus: null, reasonVi: `Không ánh xạ được lô ${batchNo}: ${problems.join('; ')}`, raw: null });
      return;
    }
    const signal = this.stopping.signal;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new RunInterrupted('dừng do máy chủ tắt');
      await this.store.markAttempt(run.id, batchNo);
      const out = await client.deliver({ idempotencyKey: key, connectorId: c.id, dataset: ds.slug, version: run.version, batchNo, records, sha256 }, signal);
      if (out.kind === 'ack') {
        await this.store.acknowledge(run.id, batchNo, { count: out.count, sha256: out.sha256, duplicate: out.duplicate });
        if (out.count !== records.length || (out.sha256 !== null && out.sha256 !== sha256)) {
          this.log.warn({ run: run.id, batch: batchNo, sent: records.length, acknowledged: out.count }, 'sync: acknowledgement differs from what was sent');
        }
        return;
      }
      if (out.kind === 'rejected') {
        await this.park(run.id, batchNo, { kind: 'rejected', httpStatus: out.status, reasonVi: out.reasonVi, raw: out.raw });
        return;
      }
      await this.store.batchError(run.id, batchNo, out.error);
      if (signal.aborted) throw new RunInterrupted('dừng do máy chủ tắt');
      if (out.kind === 'refused') throw new Error(`Lô ${batchNo}: ${out.error}`);
      this.log.info({ run: run.id, batch: batchNo, attempt, status: out.status, err: out.error }, 'sync: batch not acknowledged, retrying');
      if (attempt >= this.opts.batchAttempts) throw new Error(`Lô ${batchNo} chưa được xác nhận sau ${attempt} lần gửi: ${out.error}`);
      await sleep(this.opts.batchBackoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5), signal);
    }
  }

  private async park(runId: string, batchNo: number, d: { kind: 'rejected' | 'mapping'; httpStatus: number | null; reasonVi: string; raw: string | null }): Promise<void> {
    await this.deps.db.transaction((tx) => this.store.with(tx).deadLetter({ runId, batchNo, ...d }));
    this.log.warn({ run: runId, batch: batchNo, kind: d.kind, status: d.httpStatus }, 'sync: batch parked in the dead-letter queue');
  }

  // ---- dead letters ----------------------------------------------------------------------------

  /** Dead letters of the connectors the caller may read, newest first. */
  async listDeadLetters(actor: Principal, f: { connector?: string; target?: string; status?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    if (f.connector) await this.connectorFor(actor, f.connector, 'sync:read');
    const all = await this.store.listDeadLetters({ connectorId: f.connector, targetCode: f.target, status: f.status, limit: Math.min(f.limit ?? 100, 1000) });
    return this.readable(actor, all, (d) => d.datasetId);
  }

  private async letterFor(actor: Principal, id: string): Promise<DeadLetter> {
    const d = await this.store.getDeadLetter(id);
    if (!d) throw notFound({ vi: `Không có thư lỗi ${id}`, en: `No dead letter ${id}` });
    await this.connectorFor(actor, d.connectorId, 'sync:write');
    if (d.status !== 'open') throw conflict({ vi: `Thư lỗi đã được xử lý (${d.status === 'retried' ? 'đã gửi lại' : 'đã bỏ qua'})`, en: `The dead letter is already ${d.status}` });
    return d;
  }

  /**
   * Sends a parked batch again — typically after the mapping was fixed: it is mapped anew with the
   * connector's current mapping and sent under its original idempotency key.
   * @throws AppError NOT_FOUND, FORBIDDEN, CONFLICT (not open)
   */
  async retryDeadLetter(actor: Principal, id: string): Promise<DeadLetter> {
    const d = await this.letterFor(actor, id);
    await this.deps.db.transaction(async (tx) => {
      const s = this.store.with(tx);
      if (!(await s.resolveDeadLetter(id, 'retried', actor.id))) throw conflict({ vi: 'Thư lỗi đã được xử lý', en: 'The dead letter is no longer open' });
      await s.setBatchStatus(d.runId, d.batchNo, 'sending');
      await s.reopenRun(d.runId);
      await this.deps.jobs.enqueue(SYNC_QUEUE, { runId: d.runId }, { maxAttempts: this.opts.jobAttempts }, tx);
    });
    return (await this.store.getDeadLetter(id))!;
  }

  /** Gives up on a parked batch (it stays listed as discarded in reconciliation). @throws AppError NOT_FOUND, FORBIDDEN, CONFLICT */
  async discardDeadLetter(actor: Principal, id: string): Promise<DeadLetter> {
    const d = await this.letterFor(actor, id);
    await this.deps.db.transaction(async (tx) => {
      const s = this.store.with(tx);
      if (!(await s.resolveDeadLetter(id, 'discarded', actor.id))) throw conflict({ vi: 'Thư lỗi đã được xử lý', en: 'The dead letter is no longer open' });
      await s.setBatchStatus(d.runId, d.batchNo, 'discarded');
      await s.settleRun(d.runId);
    });
    return (await this.store.getDeadLetter(id))!;
  }

  // ---- reconciliation and status ---------------------------------------------------------------

  /**
   * What was sent against what the target acknowledged for one connector and version (default: the
   * latest run): rows, per-batch counts and hashes, and every batch that does not match. With
   * `live`, each batch is also looked up at the target. @throws AppError NOT_FOUND, FORBIDDEN
   */
  async reconcile(actor: Principal, connectorId: string, opts: { version?: number; live?: boolean } = {}): Promise<Reconciliation> {
    const { c } = await this.connectorFor(actor, connectorId, 'sync:read');
    const run = await this.store.runForVersion(c.id, opts.version ?? null);
    if (!run) throw notFound({ vi: `Bộ kết nối chưa có lượt đồng bộ${opts.version ? ` cho phiên bản ${opts.version}` : ''}`, en: 'No run for that version' });
    const batches = new Map((await this.store.listBatches(run.id)).map((b) => [b.batchNo, b]));
    const t = (await this.store.getTarget(c.targetCode))!;
    const live = !!opts.live && !!t.baseUrl;
    const client = live ? this.connect(t) : null;
    const report: Reconciliation = {
      connectorId: c.id, targetCode: c.targetCode, datasetId: c.datasetId, version: run.version, runId: run.id, runStatus: run.status,
      rows: { expected: run.rowsTotal, sent: 0, acknowledged: 0 },
      batches: { expected: run.batchesTotal, acknowledged: 0, unacknowledged: 0, dead: 0, discarded: 0, missing: 0, duplicateAcks: 0 },
      digest: { sent: '', acknowledged: '' }, mismatches: [], live, matches: false,
    };
    const sentHash = createHash('sha256');
    const ackHash = createHash('sha256');
    for (let n = 0; n < run.batchesTotal; n++) {
      const b = batches.get(n);
      if (!b) {
        report.batches.missing++;
        report.mismatches.push({ batchNo: n, idempotencyKey: null, problem: 'missing', sent: null, acknowledged: null });
        continue;
      }
      const sent = { count: b.rowCount, sha256: b.sha256 };
      if (b.attempts > 0) report.rows.sent += b.rowCount;
      sentHash.update(`${b.sha256}\n`);
      report.batches.duplicateAcks += b.duplicateAcks;
      let ack = b.status === 'acknowledged' ? { count: b.ackCount, sha256: b.ackSha256 } : null;
      if (client) {
        try {
          const held = await client.batchStatus(b.idempotencyKey);
          if (!held && b.status === 'acknowledged') {
            report.mismatches.push({ batchNo: n, idempotencyKey: b.idempotencyKey, problem: 'absent-at-target', sent, acknowledged: ack });
            continue;
          }
          if (held && b.status === 'acknowledged') ack = { count: held.count, sha256: held.sha256 };
        } catch (e) {
          throw conflict({ vi: `Không hỏi được hệ thống đích: ${e instanceof Error ? e.message : String(e)}`, en: 'The target did not answer' });
        }
      }
      if (b.status === 'acknowledged') {
        report.batches.acknowledged++;
        report.rows.acknowledged += ack?.count ?? 0;
        ackHash.update(`${ack?.sha256 ?? ''}\n`);
        if (ack?.count !== b.rowCount) report.mismatches.push({ batchNo: n, idempotencyKey: b.idempotencyKey, problem: 'count', sent, acknowledged: ack });
        else if (ack.sha256 !== null && ack.sha256 !== b.sha256) report.mismatches.push({ batchNo: n, idempotencyKey: b.idempotencyKey, problem: 'hash', sent, acknowledged: ack });
      } else {
        const problem = b.status === 'sending' ? 'unacknowledged' : b.status;
        report.batches[problem === 'unacknowledged' ? 'unacknowledged' : problem]++;
        report.mismatches.push({ batchNo: n, idempotencyKey: b.idempotencyKey, problem, sent, acknowledged: null });
      }
    }
    report.digest = { sent: sentHash.digest('hex'), acknowledged: ackHash.digest('hex') };
    report.matches = report.mismatches.length === 0 && report.rows.acknowledged === report.rows.expected;
    return report;
  }

  /** The latest run's reconciliation of every connector of a target the caller may read. @throws AppError NOT_FOUND */
  async reconcileTarget(actor: Principal, code: string, opts: { live?: boolean } = {}): Promise<Reconciliation[]> {
    if (!(await this.store.getTarget(code))) throw noTarget(code);
    const out: Reconciliation[] = [];
    for (const c of await this.listConnectors(actor, { target: code })) {
      if (await this.store.runForVersion(c.id, null)) out.push(await this.reconcile(actor, c.id, opts));
    }
    return out;
  }

  /** Per target: connectors, runs by status, open dead letters. Administrators only (it names every target). */
  async status(actor: Principal, code?: string): Promise<TargetStatus[]> {
    authorizeTargetAdmin(actor, 'sync:read');
    const all = await this.store.targetStatus();
    if (code && !all.some((s) => s.code === code)) throw noTarget(code);
    return code ? all.filter((s) => s.code === code) : all;
  }

  /**
   * Stops delivering: the request in flight is abandoned (the batch stays unacknowledged and is
   * re-sent with the same key by whichever worker resumes the run), so shutdown never waits for a
   * long sync. Called by the composition root before the job queue stops.
   */
  stop(): void {
    this.stopping.abort();
  }
}
