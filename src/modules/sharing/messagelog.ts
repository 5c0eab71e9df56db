/**
 * The LDOP message log (nhật ký trao đổi, non-repudiation as in X-Road): every exchange through the
 * gateway — served or refused — is one row chained to the previous one by SHA-256, and the head of
 * the chain is signed at intervals into checkpoints with the platform's Ed25519 key.
 *
 * Appends use group commit: concurrent requests queue their rows and one transaction writes the whole
 * queue under the chain lock. A request still waits for the commit of its own row before it answers
 * (no exchange without its log row), but 64 concurrent requests cost one chain lock, not 64.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db, Queryable } from '../../core/db/index.js';
import { notFound } from '../../core/errors.js';
import { loadOrCreateSigningKey, signCheckpoint, verifyCheckpoint, type SigningKey } from './keys.js';

export const GENESIS = '0'.repeat(64);
const LOCK_KEY = 7_042_004;
const BATCH = 400;

/** One exchange as the gateway reports it. */
export interface Exchange {
  consumerSubsystemId: string | null;
  consumerOrgId: string | null;
  providerOrgId: string | null;
  providerSubsystem: string | null;
  serviceCode: string | null;
  serviceId: string | null;
  agreementId: string | null;
  requestSha256: string;
  responseSha256: string;
  rows: number;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  requestId: string | null;
}

export interface LogRow {
  id: number;
  at: Date;
  consumer_subsystem_id: string | null;
  consumer_org_id: string | null;
  provider_org_id: string | null;
  provider_subsystem: string | null;
  service_code: string | null;
  service_id: string | null;
  agreement_id: string | null;
  request_sha256: string;
  response_sha256: string;
  rows: number;
  status: number;
  error_code: string | null;
  latency_ms: number;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

export interface CheckpointRow {
  id: number;
  at: Date;
  last_id: number;
  head_hash: string;
  key_id: string;
  signature: string;
}

export interface LogVerifyResult {
  ok: boolean;
  rows: number;
  checkpoints: number;
  /** The first row whose link or content does not match. */
  brokenAt?: { id: number; reason: string };
  /** The first checkpoint whose signature or head does not match. */
  badCheckpoint?: { id: number; reason: string };
}

const COLS = [
  'id', 'at', 'consumer_subsystem_id', 'consumer_org_id', 'provider_org_id', 'provider_subsystem', 'service_code', 'service_id', 'agreement_id',
  'request_sha256', 'response_sha256', 'rows', 'status', 'error_code', 'latency_ms', 'request_id',
] as const;

/** The hashed content of a row: its fields in a fixed order, dates as ISO 8601 with milliseconds. */
export function logRowHash(prev: string, r: Omit<LogRow, 'prev_hash' | 'hash'>): string {
  const body = JSON.stringify(COLS.map((c) => (c === 'at' ? new Date(r.at).toISOString() : c === 'id' || c === 'rows' || c === 'status' || c === 'latency_ms' ? Number(r[c]) : r[c] ?? null)));
  return createHash('sha256').update(prev).update('\n').update(body).digest('hex');
}

interface Pending {
  exchange: Exchange;
  resolve: (id: number) => void;
  reject: (e: unknown) => void;
}

export class MessageLog {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private key: SigningKey | null = null;

  constructor(private readonly db: Db, private readonly dataDir: string) {}

  /** Appends an exchange; resolves with its row id once committed. */
  append(exchange: Exchange): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ exchange, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** Resolves when every queued row is written. */
  async settle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, BATCH);
      try {
        const ids = await this.write(batch.map((b) => b.exchange));
        batch.forEach((b, i) => b.resolve(ids[i]!));
      } catch (e) {
        batch.forEach((b) => b.reject(e));
      }
    }
    this.flushing = null;
  }

  private write(list: Exchange[]): Promise<number[]> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const last = await tx.query<{ id: string; hash: string }>('SELECT m.id::text AS id, m.hash FROM ldop_message_log m ORDER BY m.id DESC LIMIT 1');
      let prev = last.rows[0]?.hash ?? GENESIS;
      let id = Number(last.rows[0]?.id ?? 0);
      const params: unknown[] = [];
      const tuples: string[] = [];
      const ids: number[] = [];
      const at = new Date();
      for (const e of list) {
        id++;
        const row: Omit<LogRow, 'prev_hash' | 'hash'> = {
          id, at, consumer_subsystem_id: e.consumerSubsystemId, consumer_org_id: e.consumerOrgId, provider_org_id: e.providerOrgId,
          provider_subsystem: e.providerSubsystem, service_code: e.serviceCode, service_id: e.serviceId, agreement_id: e.agreementId,
          request_sha256: e.requestSha256, response_sha256: e.responseSha256, rows: e.rows, status: e.status, error_code: e.errorCode,
          latency_ms: Math.round(e.latencyMs * 1000) / 1000, request_id: e.requestId,
        };
        const hash = logRowHash(prev, row);
        const values = [...COLS.map((c) => row[c]), prev, hash];
        tuples.push(`(${values.map((_, i) => `$${params.length + i + 1}`).join(', ')})`);
        params.push(...values);
        prev = hash;
        ids.push(id);
      }
      await tx.query(`INSERT INTO ldop_message_log (${[...COLS, 'prev_hash', 'hash'].join(', ')}) VALUES ${tuples.join(', ')}`, params);
      return ids;
    });
  }

  /** The signing key, loaded (or created) on first use and its public key registered. */
  async signingKey(q: Queryable = this.db): Promise<SigningKey> {
    if (!this.key) this.key = loadOrCreateSigningKey(this.dataDir);
    await q.query('INSERT INTO ldop_signing_keys (key_id, public_key_pem) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [this.key.keyId, this.key.publicKeyPem]);
    return this.key;
  }

  /** Signs the current head into a checkpoint (also when nothing changed since the last: a heartbeat). */
  async checkpoint(): Promise<CheckpointRow> {
    await this.settle();
    const key = await this.signingKey();
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const last = await tx.query<{ id: string; hash: string }>('SELECT m.id::text AS id, m.hash FROM ldop_message_log m ORDER BY m.id DESC LIMIT 1');
      const lastId = Number(last.rows[0]?.id ?? 0);
      const headHash = last.rows[0]?.hash ?? GENESIS;
      const at = new Date();
      const signature = signCheckpoint(key, { lastId, headHash, at: at.toISOString() });
      const r = await tx.query<CheckpointRow>(
        'INSERT INTO ldop_checkpoints (at, last_id, head_hash, key_id, signature) VALUES ($1, $2, $3, $4, $5) RETURNING id::int8 AS id, at, last_id::int8 AS last_id, head_hash, key_id, signature',
        [at, lastId, headHash, key.keyId, signature],
      );
      return normCheckpoint(r.rows[0]!);
    });
  }

  async checkpoints(limit = 100): Promise<CheckpointRow[]> {
    const r = await this.db.query<CheckpointRow>('SELECT id::int8 AS id, at, last_id::int8 AS last_id, head_hash, key_id, signature FROM ldop_checkpoints ORDER BY id DESC LIMIT $1', [limit]);
    return r.rows.map(normCheckpoint);
  }

  async getCheckpoint(id: number): Promise<CheckpointRow & { publicKeyPem: string }> {
    const r = await this.db.query<CheckpointRow & { public_key_pem: string }>(
      `SELECT c.id::int8 AS id, c.at, c.last_id::int8 AS last_id, c.head_hash, c.key_id, c.signature, k.public_key_pem
       FROM ldop_checkpoints c JOIN ldop_signing_keys k USING (key_id) WHERE c.id = $1`,
      [id],
    );
    const c = r.rows[0];
    if (!c) throw notFound({ vi: `Không có điểm kiểm tra ${id}`, en: `No checkpoint ${id}` });
    return { ...normCheckpoint(c), publicKeyPem: c.public_key_pem };
  }

  async publicKeys(): Promise<{ keyId: string; publicKeyPem: string; createdAt: Date }[]> {
    const r = await this.db.query<{ key_id: string; public_key_pem: string; created_at: Date }>('SELECT key_id, public_key_pem, created_at FROM ldop_signing_keys ORDER BY created_at');
    return r.rows.map((k) => ({ keyId: k.key_id, publicKeyPem: k.public_key_pem, createdAt: k.created_at }));
  }

  /**
   * Recomputes the whole chain in id order (ids are gap-free, so a deleted row is found too) and
   * checks every checkpoint's signature and that its head is the hash of the row it names.
   */
  async verify(): Promise<LogVerifyResult> {
    await this.settle();
    let prev = GENESIS;
    let rows = 0;
    let after = 0;
    const hashes = new Map<number, string>();
    const cps = (await this.db.query<CheckpointRow & { public_key_pem: string }>(
      `SELECT c.id::int8 AS id, c.at, c.last_id::int8 AS last_id, c.head_hash, c.key_id, c.signature, k.public_key_pem
       FROM ldop_checkpoints c JOIN ldop_signing_keys k USING (key_id) ORDER BY c.id`,
    )).rows.map((c) => ({ ...normCheckpoint(c), pem: c.public_key_pem }));
    const wanted = new Set(cps.map((c) => c.last_id));
    let broken: LogVerifyResult['brokenAt'];
    outer: for (;;) {
      const page = await this.db.query<LogRow>('SELECT * FROM ldop_message_log WHERE id > $1 ORDER BY id LIMIT 5000', [after]);
      for (const raw of page.rows) {
        const r = { ...raw, id: Number(raw.id), rows: Number(raw.rows), status: Number(raw.status), latency_ms: Number(raw.latency_ms) };
        rows++;
        if (r.id !== after + 1) { broken = { id: r.id, reason: `row ${after + 1} is missing (deleted)` }; break outer; }
        if (r.prev_hash !== prev) { broken = { id: r.id, reason: 'prev_hash does not link to the previous row (row removed or reordered)' }; break outer; }
        if (logRowHash(prev, r) !== r.hash) { broken = { id: r.id, reason: 'content does not match its hash (row edited)' }; break outer; }
        if (wanted.has(r.id)) hashes.set(r.id, r.hash);
        prev = r.hash;
        after = r.id;
      }
      if (page.rows.length < 5000) break;
    }
    let bad: LogVerifyResult['badCheckpoint'];
    for (const c of cps) {
      if (!verifyCheckpoint(c.pem, { lastId: c.last_id, headHash: c.head_hash, at: new Date(c.at).toISOString() }, c.signature)) {
        bad = { id: c.id, reason: 'signature does not verify' };
        break;
      }
      const expected = c.last_id === 0 ? GENESIS : hashes.get(c.last_id);
      if (!broken && expected !== c.head_hash) {
        bad = { id: c.id, reason: expected === undefined ? `row ${c.last_id} it signs is missing` : `head ${c.head_hash.slice(0, 12)}… differs from row ${c.last_id}'s hash` };
        break;
      }
    }
    return { ok: !broken && !bad, rows, checkpoints: cps.length, ...(broken ? { brokenAt: broken } : {}), ...(bad ? { badCheckpoint: bad } : {}) };
  }

  /**
   * Retention: writes the rows older than `days` days that a checkpoint covers (signing one now if
   * none does) to `<dir>/ldop-log-<first>-<last>.ndjson`: first line the checkpoint with its public
   * key, then one row per line. Rows stay in the table (it is append-only); the file is what an
   * archive keeps. Returns the file and row count (null file when there is nothing to archive).
   */
  async archive(days: number, dir: string): Promise<{ file: string | null; rows: number; checkpointId: number | null }> {
    const cutoff = new Date(Date.now() - days * 86400_000);
    const upTo = await this.db.query<{ id: string | null }>('SELECT max(id)::text AS id FROM ldop_message_log WHERE at < $1', [cutoff]);
    const lastOld = Number(upTo.rows[0]?.id ?? 0);
    if (!lastOld) return { file: null, rows: 0, checkpointId: null };
    let cp = (await this.db.query<{ id: string }>('SELECT c.id::text AS id FROM ldop_checkpoints c WHERE c.last_id >= $1 ORDER BY c.id LIMIT 1', [lastOld])).rows[0];
    if (!cp) cp = { id: String((await this.checkpoint()).id) };
    const checkpoint = await this.getCheckpoint(Number(cp.id));
    // Every row up to the checkpoint's head, so the file verifies on its own.
    const until = checkpoint.last_id;
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `ldop-log-1-${until}.ndjson`);
    const out = createWriteStream(file, { mode: 0o600 });
    const write = (s: string) => new Promise<void>((resolve, reject) => (out.write(s) ? resolve() : out.once('drain', resolve).once('error', reject)));
    await write(JSON.stringify({ type: 'checkpoint', ...checkpoint, at: new Date(checkpoint.at).toISOString() }) + '\n');
    let after = 0;
    let n = 0;
    while (after < until) {
      const page = await this.db.query<LogRow>('SELECT * FROM ldop_message_log WHERE id > $1 AND id <= $2 ORDER BY id LIMIT 5000', [after, until]);
      if (!page.rows.length) break;
      for (const r of page.rows) {
        await write(JSON.stringify({ type: 'row', ...r, id: Number(r.id), at: new Date(r.at).toISOString() }) + '\n');
        after = Number(r.id);
        n++;
      }
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    return { file, rows: n, checkpointId: checkpoint.id };
  }
}

function normCheckpoint<T extends CheckpointRow>(c: T): T {
  return { ...c, id: Number(c.id), last_id: Number(c.last_id) };
}
