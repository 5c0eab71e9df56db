import { randomBytes } from 'node:crypto';
import { authorize, type Principal } from '../../core/auth/index.js';
import { AppError, invalid, notFound } from '../../core/errors.js';
import { maskPersonal } from '../../core/masking.js';
import { hashKey, type KeyListRow, type KeyRow, type OpendataStore } from './store.js';

/** A developer key: `pod_` then 24 random bytes in base64url (32 characters). */
export const DEVELOPER_KEY_FORMAT = /^pod_[A-Za-z0-9_-]{32}$/;
/** Days of per-key usage the key holder sees. */
export const KEY_USAGE_DAYS = 30;

/** What a key holder and an editor see of a key. Never the secret; the e-mail masked (see {@link presentKey}). */
export interface DeveloperKey {
  id: string;
  prefix: string;
  name: string;
  email: string;
  ratePerMinute: number;
  createdAt: string;
  revokedAt: string | null;
  revokedBy: 'holder' | 'editor' | null;
  callsToday: number;
}
export interface DeveloperKeySelf extends DeveloperKey {
  days: { day: string; calls: number }[];
}
export interface DeveloperKeyListed extends DeveloperKey {
  callsTotal: number;
  lastUsed: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const today = () => new Date().toISOString().slice(0, 10);

/**
 * The e-mail is always masked (`d***@example.vn`), for the holder and for editors alike. The holder
 * knows their own address, so showing it adds nothing — but a leaked key would then leak its holder's
 * e-mail too. Editors (`opendata:editor`) only need to recognise a key (name, prefix, use) to revoke
 * it; contacting the holder is not part of the workflow, so no role is given the address (personal
 * data, Decree 13/2023: disclose only what the task needs). It stays in the database for the
 * administrator who has to answer a complaint.
 */
export function presentKey(k: KeyRow, callsToday: number): DeveloperKey {
  return {
    id: k.id, prefix: k.prefix, name: k.name, email: String(maskPersonal(k.email)), ratePerMinute: Number(k.rate_per_minute),
    createdAt: iso(k.created_at)!, revokedAt: iso(k.revoked_at), revokedBy: k.revoked_by === null ? null : k.revoked_by === 'holder' ? 'holder' : 'editor', callsToday,
  };
}

const presentListed = (k: KeyListRow): DeveloperKeyListed => ({
  ...presentKey(k, Number(k.calls_today)), callsTotal: Number(k.calls_total), lastUsed: k.last_used,
});

const invalidKey = (why: { vi: string; en: string }) => new AppError('INVALID_API_KEY', why);

/**
 * Self-service developer keys of the public (CKAN) API: issuing, the holder's own view and
 * revocation (authenticated by the key itself), the editors' list and revocation, and the calls per
 * key and day — counted in memory and written by the portal's usage flush, never one write per call.
 */
export class DeveloperKeys {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly store: OpendataStore,
    private readonly ratePerMinute: () => number,
    /** Writes every pending counter (the portal's usage flush); called before counts are read. */
    private readonly flush: () => Promise<unknown>,
  ) {}

  /**
   * Issues a key, shown once: only its SHA-256 is kept.
   * @throws AppError VALIDATION_FAILED (a name without letters, control characters)
   */
  async create(k: { name: string; email: string }): Promise<{ id: string; key: string; ratePerMinute: number; createdAt: string }> {
    const name = k.name.normalize('NFC').trim();
    const problems: { field: string; message: string }[] = [];
    if ([...name].length < 2) problems.push({ field: 'name', message: 'Tên cần ít nhất 2 ký tự (không tính khoảng trắng)' });
    if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(k.name)) problems.push({ field: 'name', message: 'Tên không được chứa ký tự điều khiển' });
    if (problems.length) {
      throw invalid({ vi: problems.map((p) => p.message).join('; '), en: 'The name needs at least 2 visible characters and no control characters' }, problems);
    }
    const key = `pod_${randomBytes(24).toString('base64url')}`;
    const rate = this.ratePerMinute();
    const row = await this.store.insertKey({ key, name, email: k.email.trim().toLowerCase(), ratePerMinute: rate });
    return { id: row.id, key, ratePerMinute: rate, createdAt: iso(row.created_at)! };
  }

  /**
   * The key whose secret the caller holds — proof of possession is the only authentication — with
   * its calls per day. A revoked key is still shown (with when and by whom), so its holder can tell
   * why the API refuses it. @throws AppError INVALID_API_KEY (no key sent, malformed, unknown)
   */
  async self(secret: string | null): Promise<DeveloperKeySelf> {
    const k = await this.held(secret);
    await this.flush();
    const days = await this.store.keyUsage(k.id, KEY_USAGE_DAYS);
    const d = today();
    return { ...presentKey(k, days.find((x) => x.day === d)?.calls ?? 0), days };
  }

  /** The holder revokes their own key; idempotent. The CKAN API refuses it from the next call. @throws AppError INVALID_API_KEY */
  async revokeSelf(secret: string | null): Promise<DeveloperKeySelf> {
    const k = await this.held(secret);
    await this.store.revokeKey(k.id, 'holder');
    return this.self(secret);
  }

  /** Every key for an editor, newest first. @throws AppError FORBIDDEN */
  async list(actor: Principal, o: { limit?: number; offset?: number; state?: 'active' | 'revoked' } = {}): Promise<{ total: number; keys: DeveloperKeyListed[] }> {
    authorize(actor, 'opendata:editor');
    await this.flush();
    const { total, rows } = await this.store.keys({ limit: o.limit ?? 50, offset: o.offset ?? 0, state: o.state ?? null, today: today() });
    return { total, keys: rows.map(presentListed) };
  }

  /** An editor revokes any key; idempotent (an already revoked key keeps its first revocation). @throws AppError FORBIDDEN, NOT_FOUND */
  async revoke(actor: Principal, id: string): Promise<DeveloperKey> {
    authorize(actor, 'opendata:editor');
    const k = await this.store.revokeKey(id, actor.id ?? 'editor');
    if (!k) throw notFound({ vi: `Không có khóa API ${id.slice(0, 40)}`, en: `No API key ${id.slice(0, 40)}` });
    await this.flush();
    const usage = await this.store.keyUsage(k.id, 1);
    return presentKey(k, usage[0]?.day === today() ? usage[0].calls : 0);
  }

  /** Counts one served API call of a key (in memory, until the next flush). */
  countCall(keyId: string): void {
    const key = `${keyId}|${today()}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /** Takes the counted calls for the flush to write. */
  drain(): { keyId: string; day: string; calls: number }[] {
    const out = [...this.pending.entries()].map(([k, calls]) => {
      const [keyId, day] = k.split('|') as [string, string];
      return { keyId, day, calls };
    });
    this.pending.clear();
    return out;
  }

  /** Puts back calls whose write failed, so that the next flush writes them. */
  restore(calls: { keyId: string; day: string; calls: number }[]): void {
    for (const c of calls) {
      const key = `${c.keyId}|${c.day}`;
      this.pending.set(key, (this.pending.get(key) ?? 0) + c.calls);
    }
  }

  private async held(secret: string | null): Promise<KeyRow> {
    if (!secret) {
      throw invalidKey({ vi: 'Hãy gửi khóa trong header X-CKAN-API-Key (hoặc Authorization)', en: 'Send the key in the X-CKAN-API-Key (or Authorization) header' });
    }
    if (!DEVELOPER_KEY_FORMAT.test(secret)) {
      throw invalidKey({ vi: 'Khóa không đúng dạng: khóa dữ liệu mở bắt đầu bằng pod_ và có 36 ký tự', en: 'Malformed key: open data keys start with pod_ and are 36 characters long' });
    }
    const k = await this.store.keyBySecretHash(hashKey(secret));
    if (!k) throw invalidKey({ vi: 'Không có khóa API dữ liệu mở này', en: 'Unknown open data API key' });
    return k;
  }
}
