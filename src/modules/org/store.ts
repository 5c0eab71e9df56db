import type { Queryable } from '../../core/db/index.js';
import { conflict } from '../../core/errors.js';
import type { Role } from '../../core/auth/index.js';

export interface OrgRow {
  id: string;
  kind: 'province' | 'agency' | 'commune' | 'external';
  code: string | null;
  name: string;
  name_en: string | null;
  short_name: string | null;
  parent_id: string | null;
}

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  org_id: string;
  role: Role;
  password_hash: string;
  disabled: boolean;
  failed_logins: number;
  locked_until: Date | null;
  created_at: Date;
}

export interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  scopes: string[] | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** Translates unique violations into domain conflicts, in one place. */
async function translate<T>(p: Promise<T>, what: { vi: string; en: string }): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if ((e as { code?: string }).code === '23505') throw conflict(what);
    if ((e as { code?: string }).code === '23503') throw conflict({ vi: 'Tham chiếu không tồn tại', en: 'Referenced record does not exist' });
    throw e;
  }
}

/** SQL of the org module. Only this file talks to its tables. */
export class OrgStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): OrgStore {
    return new OrgStore(q);
  }

  async listOrgs(kind?: string): Promise<OrgRow[]> {
    const r = await this.db.query<OrgRow>(
      `SELECT id, kind, code, name, name_en, short_name, parent_id FROM organisations
       WHERE ($1::text IS NULL OR kind = $1) ORDER BY kind, name`,
      [kind ?? null],
    );
    return r.rows;
  }

  async getOrg(id: string): Promise<OrgRow | null> {
    const r = await this.db.query<OrgRow>('SELECT id, kind, code, name, name_en, short_name, parent_id FROM organisations WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  }

  async upsertOrg(o: OrgRow): Promise<void> {
    await this.db.query(
      `INSERT INTO organisations (id, kind, code, name, name_en, short_name, parent_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO NOTHING`,
      [o.id, o.kind, o.code, o.name, o.name_en, o.short_name, o.parent_id],
    );
  }

  async insertOrg(o: OrgRow): Promise<OrgRow> {
    await translate(
      this.db.query(
        'INSERT INTO organisations (id, kind, code, name, name_en, short_name, parent_id) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [o.id, o.kind, o.code, o.name, o.name_en, o.short_name, o.parent_id],
      ),
      { vi: `Mã cơ quan ${o.id} đã tồn tại`, en: `Organisation ${o.id} exists` },
    );
    return o;
  }

  async updateOrg(id: string, patch: Partial<Pick<OrgRow, 'name' | 'name_en' | 'short_name'>>): Promise<OrgRow | null> {
    const r = await this.db.query<OrgRow>(
      `UPDATE organisations SET name = COALESCE($2, name), name_en = COALESCE($3, name_en), short_name = COALESCE($4, short_name),
       updated_at = now() WHERE id = $1 RETURNING id, kind, code, name, name_en, short_name, parent_id`,
      [id, patch.name ?? null, patch.name_en ?? null, patch.short_name ?? null],
    );
    return r.rows[0] ?? null;
  }

  async countUsers(): Promise<number> {
    const r = await this.db.query<{ n: number }>('SELECT count(*)::int8 AS n FROM users');
    return r.rows[0]!.n;
  }

  async findUserByName(username: string): Promise<UserRow | null> {
    const r = await this.db.query<UserRow>('SELECT * FROM users WHERE lower(username) = lower($1)', [username]);
    return r.rows[0] ?? null;
  }

  async getUser(id: string): Promise<UserRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const r = await this.db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  }

  async displayNames(ids: string[]): Promise<{ id: string; display_name: string }[]> {
    const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (!valid.length) return [];
    const r = await this.db.query<{ id: string; display_name: string }>('SELECT id, display_name FROM users WHERE id = ANY($1::uuid[])', [valid]);
    return r.rows;
  }

  async listUsers(orgId?: string): Promise<UserRow[]> {
    const r = await this.db.query<UserRow>('SELECT * FROM users WHERE ($1::text IS NULL OR org_id = $1) ORDER BY username', [orgId ?? null]);
    return r.rows;
  }

  async insertUser(u: { username: string; displayName: string; email: string | null; orgId: string; role: Role; passwordHash: string }): Promise<UserRow> {
    const r = await translate(
      this.db.query<UserRow>(
        `INSERT INTO users (username, display_name, email, org_id, role, password_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [u.username, u.displayName, u.email, u.orgId, u.role, u.passwordHash],
      ),
      { vi: `Tên đăng nhập ${u.username} đã được dùng`, en: `User name ${u.username} is taken` },
    );
    return r.rows[0]!;
  }

  async updateUser(id: string, patch: { displayName?: string; role?: Role; orgId?: string; disabled?: boolean; email?: string | null }): Promise<UserRow | null> {
    const r = await translate(
      this.db.query<UserRow>(
        `UPDATE users SET display_name = COALESCE($2, display_name), role = COALESCE($3, role), org_id = COALESCE($4, org_id),
           disabled = COALESCE($5, disabled), email = CASE WHEN $6::boolean THEN $7 ELSE email END, updated_at = now()
         WHERE id = $1 RETURNING *`,
        [id, patch.displayName ?? null, patch.role ?? null, patch.orgId ?? null, patch.disabled ?? null, patch.email !== undefined, patch.email ?? null],
      ),
      { vi: 'Không cập nhật được người dùng', en: 'Could not update the user' },
    );
    return r.rows[0] ?? null;
  }

  async setPassword(id: string, hash: string): Promise<void> {
    await this.db.query(
      'UPDATE users SET password_hash = $2, password_changed_at = now(), failed_logins = 0, locked_until = NULL, updated_at = now() WHERE id = $1',
      [id, hash],
    );
    await this.db.query('DELETE FROM login_failures WHERE username = (SELECT lower(username) FROM users WHERE id = $1)', [id]);
  }

  /** When `client` is locked out of the account named `username` (as typed), else null. */
  async lockedUntil(username: string, client: string): Promise<Date | null> {
    const r = await this.db.query<{ locked_until: Date }>(
      'SELECT locked_until FROM login_failures WHERE username = $1 AND client_ip = $2 AND locked_until > now()',
      [username.toLowerCase(), client],
    );
    return r.rows[0] ? new Date(r.rows[0].locked_until) : null;
  }

  /**
   * Counts a failed login for the account and client address. From `maxFailures` on, the address is
   * locked out of the account for `lockMinutes`, doubled for each further failure (at most a day); a
   * day without failures starts the count again. Returns the lock's end, if any.
   */
  async recordFailure(username: string, client: string, maxFailures: number, lockMinutes: number): Promise<Date | null> {
    // Forget quiet pairs so that names typed at random do not pile up.
    await this.db.query("DELETE FROM login_failures WHERE last_at < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())");
    // One upsert: the count after this failure is `n`, and the lock follows from it.
    const n = "CASE WHEN f.last_at < now() - interval '1 day' THEN 1 ELSE f.failures + 1 END";
    const lock = (count: string) => `CASE WHEN ${count} >= $3
      THEN now() + make_interval(mins => LEAST(1440, $4::float8 * power(2, LEAST(${count} - $3, 20)))::int) END`;
    const r = await this.db.query<{ locked_until: Date | null }>(
      `INSERT INTO login_failures AS f (username, client_ip, failures, locked_until, last_at) VALUES ($1, $2, 1, ${lock('1')}, now())
       ON CONFLICT (username, client_ip) DO UPDATE SET failures = ${n}, locked_until = ${lock(n)}, last_at = now()
       RETURNING f.locked_until`,
      [username.toLowerCase(), client, maxFailures, lockMinutes],
    );
    const until = r.rows[0]?.locked_until ? new Date(r.rows[0].locked_until) : null;
    // Shown to administrators as "locked" (from some address); never read by login.
    if (until) await this.db.query('UPDATE users SET locked_until = GREATEST(locked_until, $2) WHERE lower(username) = $1', [username.toLowerCase(), until]);
    return until;
  }

  /** A successful login from `client` clears that address's failures for the account. */
  async recordSuccess(username: string, client: string): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE username = $1 AND client_ip = $2', [username.toLowerCase(), client]);
  }

  /** Lifts every lock-out of the account, from every address. */
  async unlock(id: string): Promise<UserRow | null> {
    const r = await this.db.query<UserRow>('UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = now() WHERE id = $1 RETURNING *', [id]);
    if (r.rows[0]) await this.db.query('DELETE FROM login_failures WHERE username = $1', [r.rows[0].username.toLowerCase()]);
    return r.rows[0] ?? null;
  }

  async insertSession(s: { tokenHash: string; userId: string; csrfToken: string; expiresAt: Date; clientIp: string; userAgent: string }): Promise<void> {
    await this.db.query(
      'INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, client_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)',
      [s.tokenHash, s.userId, s.csrfToken, s.expiresAt, s.clientIp, s.userAgent.slice(0, 300)],
    );
  }

  async sessionUser(tokenHash: string): Promise<(UserRow & { csrf_token: string }) | null> {
    const r = await this.db.query<UserRow & { csrf_token: string }>(
      `SELECT u.*, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
      [tokenHash],
    );
    return r.rows[0] ?? null;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  async deleteSessionsOf(userId: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
  }

  async insertApiKey(k: { userId: string; name: string; prefix: string; keyHash: string; scopes: string[] | null; createdBy: string | null; expiresAt: Date | null }): Promise<ApiKeyRow> {
    const r = await this.db.query<ApiKeyRow>(
      `INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING id, user_id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at`,
      [k.userId, k.name, k.prefix, k.keyHash, k.scopes, k.createdBy, k.expiresAt],
    );
    return r.rows[0]!;
  }

  async apiKeyUser(keyHash: string): Promise<(UserRow & { key_id: string; key_scopes: string[] | null }) | null> {
    const r = await this.db.query<UserRow & { key_id: string; key_scopes: string[] | null }>(
      `SELECT u.*, k.id AS key_id, k.scopes AS key_scopes FROM api_keys k JOIN users u ON u.id = k.user_id
       WHERE k.key_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()) AND NOT u.disabled`,
      [keyHash],
    );
    return r.rows[0] ?? null;
  }

  async touchApiKey(id: string): Promise<void> {
    // At most once a minute per key: a busy system must not turn every call into a write.
    await this.db.query(
      "UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
      [id],
    );
  }

  async listApiKeys(userId?: string): Promise<(ApiKeyRow & { username: string })[]> {
    const r = await this.db.query<ApiKeyRow & { username: string }>(
      `SELECT k.id, k.user_id, k.name, k.prefix, k.scopes, k.created_at, k.expires_at, k.revoked_at, k.last_used_at, u.username
       FROM api_keys k JOIN users u ON u.id = k.user_id WHERE ($1::uuid IS NULL OR k.user_id = $1) ORDER BY k.created_at DESC`,
      [userId ?? null],
    );
    return r.rows;
  }

  async getApiKey(id: string): Promise<ApiKeyRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const r = await this.db.query<ApiKeyRow>(
      'SELECT id, user_id, name, prefix, scopes, created_at, expires_at, revoked_at, last_used_at FROM api_keys WHERE id = $1',
      [id],
    );
    return r.rows[0] ?? null;
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.db.query('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1', [id]);
  }
}
