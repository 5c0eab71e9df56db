import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Db, Queryable, QueryResult, Row, Tx } from '../db/index.js';
import { HeadFile, type AuditHead } from './head.js';

export { HeadFile, type AuditHead } from './head.js';

/** What happened, by whom, to what — one row of the security audit. */
export interface AuditEntry {
  actor: string | null;
  actorId: string | null;
  orgId: string | null;
  action: string;
  resource: string | null;
  outcome: 'success' | 'denied' | 'error';
  status?: number | null;
  requestId?: string | null;
  clientIp?: string | null;
  details?: Record<string, unknown> | null;
}

export interface VerifyResult {
  ok: boolean;
  rows: number;
  /** The first row whose hash or link does not match, when the chain is broken. */
  brokenAt?: { id: number; reason: string };
  /** The signed head the log was compared with (null: none kept, or none signed yet). */
  head: AuditHead | null;
  /** Why the log does not match its signed head (newest rows cut off, head file altered). */
  headProblem?: string;
}

const GENESIS = '0'.repeat(64);
const LOCK_KEY = 7_042_002;

/** Canonical JSON: keys sorted at every depth, so the hash does not depend on key order in jsonb. */
function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

interface StoredRow {
  id: number;
  at: Date;
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
  prev_hash: string;
  hash: string;
}

function rowHash(prev: string, r: Omit<StoredRow, 'prev_hash' | 'hash'>): string {
  const body = canonical({
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    actor_id: r.actor_id,
    org_id: r.org_id,
    action: r.action,
    resource: r.resource,
    outcome: r.outcome,
    status: r.status,
    request_id: r.request_id,
    client_ip: r.client_ip,
    details: r.details,
  });
  return createHash('sha256').update(prev).update('\n').update(body).digest('hex');
}

/** The append-only, hash-chained audit log. */
export class AuditLog {
  /** @param headFile where the signed head is kept, outside the database; null: none (the chain only). */
  constructor(private readonly db: Db, private readonly headFile: HeadFile | null = null) {}

  /**
   * Appends one row, chained to the previous one. Pass `tx` to commit the row with the change it
   * records; otherwise it is written in its own transaction.
   */
  async append(entry: AuditEntry, tx?: Queryable): Promise<void> {
    const write = async (q: Queryable) => {
      // One writer at a time: the chain needs the previous row's hash.
      await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const last = await q.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
      const prev = last.rows[0]?.hash ?? GENESIS;
      const idRow = await q.query<{ id: number }>("SELECT nextval('audit_log_id_seq')::int8 AS id");
      const row = {
        id: idRow.rows[0]!.id,
        at: new Date(),
        actor: entry.actor,
        actor_id: entry.actorId,
        org_id: entry.orgId,
        action: entry.action,
        resource: entry.resource,
        outcome: entry.outcome,
        status: entry.status ?? null,
        request_id: entry.requestId ?? null,
        client_ip: entry.clientIp ?? null,
        details: entry.details ?? null,
      };
      const hash = rowHash(prev, row);
      await q.query(
        `INSERT INTO audit_log (id, at, actor, actor_id, org_id, action, resource, outcome, status, request_id, client_ip, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [row.id, row.at, row.actor, row.actor_id, row.org_id, row.action, row.resource, row.outcome, row.status,
          row.request_id, row.client_ip, row.details === null ? null : JSON.stringify(row.details), prev, hash],
      );
    };
    if (tx) await write(tx);
    else await this.db.transaction(write);
  }

  /**
   * Recomputes the whole chain in id order and names the first row that does not match; then, when a
   * signed head is kept, checks that its row is still there with the same hash — so that cutting off
   * the newest rows (which leaves a chain that still links) is detected for every row up to the head.
   * Rows appended after the last signed head are covered by the chain only.
   */
  async verify(): Promise<VerifyResult> {
    let prev = GENESIS;
    let rows = 0;
    let after = 0;
    for (;;) {
      const page = await this.db.query<StoredRow>('SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000', [after]);
      for (const r of page.rows) {
        rows++;
        if (r.prev_hash !== prev) return { ok: false, rows, head: null, brokenAt: { id: r.id, reason: 'prev_hash does not link to the previous row (row removed or reordered)' } };
        if (rowHash(prev, r) !== r.hash) return { ok: false, rows, head: null, brokenAt: { id: r.id, reason: 'content does not match its hash (row edited)' } };
        prev = r.hash;
        after = r.id;
      }
      if (page.rows.length < 5000) break;
    }
    const stored = this.headFile?.read() ?? null;
    if (!stored) return { ok: true, rows, head: null };
    if (!stored.ok) return { ok: false, rows, head: null, headProblem: stored.reason };
    const problem = await this.headProblem(stored.head);
    return { ok: !problem, rows, head: stored.head, ...(problem ? { headProblem: problem } : {}) };
  }

  /** Why the log no longer holds the signed head, or undefined when it does. */
  private async headProblem(head: AuditHead): Promise<string | undefined> {
    const row = (await this.db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE id = $1', [head.lastId])).rows[0];
    if (!row) return `the log is shorter than its signed head: row id=${head.lastId}, the newest on ${head.at}, is missing (rows were removed)`;
    if (row.hash !== head.hash) return `row id=${head.lastId} does not match the head signed on ${head.at} (the log was replaced)`;
    return undefined;
  }

  /**
   * Signs the newest row into the head file (at intervals while serving, at every clean stop, and by
   * `provdata audit checkpoint`). When the stored head no longer holds, it is kept as evidence and the
   * problem returned, unless `force` (an operator re-anchoring after a documented restore).
   */
  async signHead(opts: { force?: boolean } = {}): Promise<{ head: AuditHead | null; problem?: string }> {
    if (!this.headFile) return { head: null };
    const stored = this.headFile.read();
    const problem = !stored ? undefined : stored.ok ? await this.headProblem(stored.head) : stored.reason;
    if (problem && !opts.force) return { head: stored?.ok ? stored.head : null, problem };
    const tail = (await this.db.query<{ id: number; hash: string }>('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1')).rows[0];
    if (!tail) return { head: null };
    if (stored?.ok && !problem && stored.head.lastId === tail.id) return { head: stored.head };
    const head: AuditHead = { lastId: tail.id, hash: tail.hash, at: new Date().toISOString() };
    this.headFile.write(head);
    return { head };
  }

  /** Recent rows, newest first, for the administration screens. */
  async list(opts: { limit: number; before?: number; actorId?: string }): Promise<StoredRow[]> {
    const r = await this.db.query<StoredRow>(
      `SELECT * FROM audit_log WHERE ($1::int8 IS NULL OR id < $1) AND ($2::text IS NULL OR actor_id = $2)
       ORDER BY id DESC LIMIT $3`,
      [opts.before ?? null, opts.actorId ?? null, opts.limit],
    );
    return r.rows;
  }
}

/**
 * A write request's commit record: appended by the first transaction that commits while the request
 * runs, inside that transaction (see {@link auditCommits}); `committed` once it has.
 */
export interface PendingAudit {
  entry: AuditEntry;
  committed: boolean;
  /**
   * Set when the response is on its way (server.ts, onSend): the request's own work is done, and a
   * transaction that commits later is background work a timer or promise carried the context into.
   */
  closed?: boolean;
}

const pendingAudit = new AsyncLocalStorage<PendingAudit>();

/** Runs `fn` — the rest of a write request — with its commit record pending. */
export function withPendingAudit<T>(pending: PendingAudit, fn: () => T): T {
  return pendingAudit.run(pending, fn);
}

/**
 * Runs `fn` outside any request's audit context. AsyncLocalStorage follows timers, immediates and
 * promises, so a timer started while a write request runs (a usage counter's flush) would otherwise
 * commit that request's record — or be rolled back with it. Start background work through this.
 */
export function outsideRequest<T>(fn: () => T): T {
  return pendingAudit.exit(fn);
}

/**
 * The database as the services see it. While a write request runs, the first of its transactions to
 * commit — or its first write statement sent on its own, which is made one — appends the request's
 * commit record as its last statement, so a change is never committed
 * without an audit row — not even when the process dies before the response, whose own row
 * (server.ts, onResponse) is written after it. When the audit row cannot be written, the change is
 * rolled back with it. Transactions outside a request (jobs, seeding, the CLI, which audits its
 * commands itself) are left as they are. `audit` must use the unwrapped database.
 */
export function auditCommits(db: Db, audit: AuditLog): Db {
  const transaction = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    const appended: { by: PendingAudit | null } = { by: null };
    const result = await db.transaction(async (tx) => {
      const value = await fn(tx);
      const pending = pendingAudit.getStore();
      if (pending && !pending.committed && !pending.closed) {
        await audit.append(pending.entry, tx);
        appended.by = pending;
      }
      return value;
    });
    if (appended.by) appended.by.committed = true;
    return result;
  };
  // A write statement sent on its own commits on its own: it becomes a transaction with the record.
  const query = <T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> => {
    const pending = pendingAudit.getStore();
    if (!pending || pending.committed || pending.closed || !WRITE_STATEMENT.test(sql)) return db.query<T>(sql, params);
    return transaction((tx) => tx.query<T>(sql, params));
  };
  return { ...db, query, transaction };
}

/** A statement that may change rows (a CTE may precede it). A false positive costs one extra transaction. */
const WRITE_STATEMENT = /^\s*(?:WITH\b[\s\S]*?\b)?(?:INSERT|UPDATE|DELETE|MERGE)\b/i;
