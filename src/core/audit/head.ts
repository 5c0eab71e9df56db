import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The newest audit row at one moment: its id and hash, which chains every row before it. */
export interface AuditHead {
  lastId: number;
  hash: string;
  /** ISO time the head was signed. */
  at: string;
}

export type StoredHead = { ok: true; head: AuditHead } | { ok: false; reason: string } | null;

/**
 * The audit log's signed head, kept OUTSIDE the database (a file in the data directory, HMAC-SHA256
 * with a key derived from the platform secret). The hash chain alone cannot show that the newest
 * rows were cut off — the rest still links; a head signed earlier can: its row must still be there
 * with the same hash. Someone who can rewrite the database but not this file, or who has the file
 * but not the key, cannot hide a cut made after the head was signed.
 */
export class HeadFile {
  constructor(private readonly file: string, private readonly key: Buffer) {}

  private mac(h: AuditHead): string {
    return createHmac('sha256', this.key).update(`provdata-audit-head/v1\n${h.lastId}\n${h.hash}\n${h.at}`).digest('hex');
  }

  /** The stored head; `ok: false` when the file is unreadable or its signature does not match; null when there is none. */
  read(): StoredHead {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return null;
      return { ok: false, reason: `cannot read ${this.file}: ${(e as Error).message}` };
    }
    try {
      const o = JSON.parse(text) as { lastId?: unknown; hash?: unknown; at?: unknown; mac?: unknown };
      if (typeof o.lastId !== 'number' || typeof o.hash !== 'string' || typeof o.at !== 'string' || typeof o.mac !== 'string') throw new Error('fields');
      const head: AuditHead = { lastId: o.lastId, hash: o.hash, at: o.at };
      const want = Buffer.from(this.mac(head), 'hex');
      const got = Buffer.from(o.mac, 'hex');
      if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: `the signed head ${this.file} does not match its signature (altered, or signed with another key)` };
      return { ok: true, head };
    } catch {
      return { ok: false, reason: `the signed head ${this.file} is not a valid head file` };
    }
  }

  /** Replaces the stored head atomically (a crash leaves the old one or the new one, never half). */
  write(head: AuditHead): void {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...head, mac: this.mac(head) }) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
