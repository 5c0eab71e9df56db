import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../core/config/index.js';
import type { Db } from '../../core/db/index.js';
import { API_KEY_PREFIX } from '../../core/http/index.js';
import { AppError, forbidden, invalid, notFound } from '../../core/errors.js';
import { authorize, checkScopes, type Permission, type Principal, type PrincipalResolver, type Role } from '../../core/auth/index.js';
import { generatePassword, hashPassword, passwordProblems, verifyPassword } from './passwords.js';
import { OrgStore, type OrgRow, type UserRow } from './store.js';
import { AGENCIES, PROVINCE } from './seed-data.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A commune as the org module needs it (provided by the geo module at composition). */
export interface CommuneRef {
  code: string;
  name: string;
  nameEn: string;
  fullName: string;
}

// A fixed hash so that logins for unknown users cost the same time as for known ones.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Sliding one-minute window of attempts per client address (per process). */
class AttemptWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(private readonly perMinute: number) {}
  /** Records an attempt; returns seconds to wait when over the limit, else 0. */
  hit(key: string): number {
    const now = Date.now();
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < 60_000);
    if (list.length >= this.perMinute) {
      this.hits.set(key, list);
      return Math.ceil((60_000 - (now - list[0]!)) / 1000);
    }
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 10_000) this.hits.delete(this.hits.keys().next().value!);
    return 0;
  }
}

function accountLocked(until: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new AppError('ACCOUNT_LOCKED', {
    vi: `Đăng nhập từ địa chỉ này vào tài khoản bị khóa tạm thời do sai mật khẩu nhiều lần. Thử lại sau ${minutes} phút hoặc nhờ quản trị viên mở khóa.`,
    en: `Logins to this account from this address are locked after repeated failures. Retry in ${minutes} min or ask an administrator to unlock it.`,
  }, { retryAfterSeconds: minutes * 60 });
}

function toPrincipal(u: UserRow, extra: Partial<Principal> = {}): Principal {
  return { kind: 'user', id: u.id, username: u.username, displayName: u.display_name, orgId: u.org_id, role: u.role, scopes: null, ...extra };
}

/**
 * Organisations, users, sessions and API keys. Every method that reads or changes non-public data
 * takes the acting principal first and checks it through the one authorisation layer.
 */
export class OrgService implements PrincipalResolver {
  private readonly store: OrgStore;
  private readonly loginWindow: AttemptWindow;

  constructor(private readonly db: Db, private readonly config: Config) {
    this.store = new OrgStore(db);
    this.loginWindow = new AttemptWindow(config.loginRatePerMinute);
  }

  // ---- authentication ----------------------------------------------------------------------

  /**
   * Checks a user name and password and opens a session.
   * @throws AppError RATE_LIMITED, ACCOUNT_LOCKED or INVALID_CREDENTIALS (same answer for unknown users and wrong passwords).
   */
  async login(username: string, password: string, client: { ip: string; userAgent: string }) {
    const wait = this.loginWindow.hit(client.ip);
    if (wait) {
      throw new AppError('RATE_LIMITED', { vi: `Quá nhiều lần đăng nhập. Thử lại sau ${wait} giây.`, en: `Too many login attempts. Retry in ${wait} s.` }, { retryAfterSeconds: wait });
    }
    const user = await this.store.findUserByName(username);
    const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
    // Locks are per account and client address: failures elsewhere never lock this address out.
    const locked = await this.store.lockedUntil(username, client.ip);
    if (locked) throw accountLocked(locked);
    if (!user || !ok || user.disabled) {
      if (!ok) {
        // Unknown names are counted too, so that a lock-out does not reveal which accounts exist.
        const until = await this.store.recordFailure(username, client.ip, this.config.loginMaxFailures, this.config.loginLockMinutes);
        if (until) throw accountLocked(until);
      }
      throw new AppError('INVALID_CREDENTIALS');
    }
    await this.store.recordSuccess(username, client.ip);
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.sessionHours * 3600_000);
    await this.store.insertSession({ tokenHash: sha256(token), userId: user.id, csrfToken, expiresAt, clientIp: client.ip, userAgent: client.userAgent });
    return { token, csrfToken, expiresAt, principal: toPrincipal(user, { csrfToken }) };
  }

  async logout(token: string): Promise<void> {
    await this.store.deleteSession(sha256(token));
  }

  async fromSession(token: string): Promise<Principal | null> {
    if (token.length > 200) return null;
    const u = await this.store.sessionUser(sha256(token));
    return u ? toPrincipal(u, { csrfToken: u.csrf_token }) : null;
  }

  async fromApiKey(key: string): Promise<Principal> {
    const u = key.startsWith(API_KEY_PREFIX) && key.length < 200 ? await this.store.apiKeyUser(sha256(key)) : null;
    if (!u) throw new AppError('INVALID_API_KEY');
    await this.store.touchApiKey(u.key_id);
    return toPrincipal(u, { kind: 'apikey', apiKeyId: u.key_id, scopes: (u.key_scopes as Permission[] | null) ?? null });
  }

  // ---- organisations -----------------------------------------------------------------------

  /** Organisations are public information (who the agencies and communes are). */
  listOrgs(kind?: string): Promise<OrgRow[]> {
    return this.store.listOrgs(kind);
  }

  async getOrg(id: string): Promise<OrgRow> {
    const o = await this.store.getOrg(id);
    if (!o) throw notFound({ vi: `Không có cơ quan ${id}`, en: `No organisation ${id}` });
    return o;
  }

  async createOrg(actor: Principal, o: { id: string; kind: 'agency' | 'external'; name: string; nameEn?: string; shortName?: string }): Promise<OrgRow> {
    authorize(actor, 'org:write');
    return this.store.insertOrg({ id: o.id, kind: o.kind, code: null, name: o.name.normalize('NFC'), name_en: o.nameEn ?? null, short_name: o.shortName?.normalize('NFC') ?? null, parent_id: PROVINCE.id });
  }

  async updateOrg(actor: Principal, id: string, patch: { name?: string; nameEn?: string; shortName?: string }): Promise<OrgRow> {
    authorize(actor, 'org:write');
    const o = await this.store.updateOrg(id, { name: patch.name?.normalize('NFC'), name_en: patch.nameEn, short_name: patch.shortName?.normalize('NFC') });
    if (!o) throw notFound({ vi: `Không có cơ quan ${id}`, en: `No organisation ${id}` });
    return o;
  }

  // ---- users -------------------------------------------------------------------------------

  async listUsers(actor: Principal, orgId?: string): Promise<UserRow[]> {
    authorize(actor, 'user:read');
    return this.store.listUsers(orgId);
  }

  async getUser(actor: Principal, id: string): Promise<UserRow> {
    if (actor.id !== id) authorize(actor, 'user:read');
    const u = await this.store.getUser(id);
    if (!u) throw notFound({ vi: 'Không có người dùng này', en: 'No such user' });
    return u;
  }

  async findUser(actor: Principal, username: string): Promise<UserRow> {
    authorize(actor, 'user:read');
    const u = await this.store.findUserByName(username);
    if (!u) throw notFound({ vi: `Không có người dùng ${username}`, en: `No user ${username}` });
    return u;
  }

  /** Creates a user. Without a password, one is generated and returned once. */
  async createUser(actor: Principal, u: { username: string; displayName: string; email?: string | null; orgId: string; role: Role; password?: string }) {
    authorize(actor, 'user:write');
    await this.getOrg(u.orgId);
    const password = u.password ?? generatePassword();
    const problem = passwordProblems(password);
    if (problem) throw invalid(problem, [{ field: 'password', message: problem.en }]);
    const row = await this.store.insertUser({
      username: u.username, displayName: u.displayName.normalize('NFC'), email: u.email ?? null, orgId: u.orgId, role: u.role,
      passwordHash: await hashPassword(password),
    });
    return { user: row, generatedPassword: u.password ? null : password };
  }

  async updateUser(actor: Principal, id: string, patch: { displayName?: string; role?: Role; orgId?: string; disabled?: boolean; email?: string | null }) {
    authorize(actor, 'user:write');
    if (actor.id === id && (patch.role && patch.role !== 'admin' || patch.disabled)) {
      throw forbidden({ vi: 'Không thể tự hạ quyền hoặc tự khóa tài khoản của mình', en: 'You cannot demote or disable yourself' });
    }
    if (patch.orgId) await this.getOrg(patch.orgId);
    const u = await this.store.updateUser(id, { ...patch, displayName: patch.displayName?.normalize('NFC') });
    if (!u) throw notFound({ vi: 'Không có người dùng này', en: 'No such user' });
    if (patch.disabled) await this.store.deleteSessionsOf(id);
    return u;
  }

  /**
   * Sets a password: a user changes their own (giving the current one), an admin resets anyone's
   * (a new one is generated when none is given). All sessions of the user end.
   */
  async setPassword(actor: Principal, id: string, opts: { current?: string; password?: string }) {
    const user = await this.getUser(actor, id);
    if (actor.id === id && actor.role !== 'admin') {
      if (!opts.current || !(await verifyPassword(opts.current, user.password_hash))) {
        throw new AppError('INVALID_CREDENTIALS', { vi: 'Mật khẩu hiện tại không đúng', en: 'Current password is wrong' });
      }
    } else {
      authorize(actor, 'user:write');
    }
    const password = opts.password ?? generatePassword();
    const problem = passwordProblems(password);
    if (problem) throw invalid(problem, [{ field: 'password', message: problem.en }]);
    await this.store.setPassword(id, await hashPassword(password));
    await this.store.deleteSessionsOf(id);
    return { generatedPassword: opts.password ? null : password };
  }

  /** Lifts every lock-out of a user's account (from every address). */
  async unlockUser(actor: Principal, id: string): Promise<UserRow> {
    authorize(actor, 'user:write');
    const u = await this.store.unlock(id);
    if (!u) throw notFound({ vi: 'Không có người dùng này', en: 'No such user' });
    return u;
  }

  /**
   * Display names of users, for showing who loaded or approved something. Names of officials acting
   * in their role are not personal data the caller must be authorised for; nothing else is returned.
   */
  async displayNames(ids: readonly string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids.filter(Boolean))];
    return new Map((await this.store.displayNames(unique)).map((r) => [r.id, r.display_name]));
  }

  // ---- API keys ----------------------------------------------------------------------------

  /**
   * Issues an API key for a user (oneself, or anyone for admins). The key is returned once and only
   * its hash is kept. Scopes must be permissions the user's role holds.
   */
  async createApiKey(actor: Principal, k: { userId?: string; name: string; scopes?: string[]; expiresInDays?: number }) {
    authorize(actor, 'apikey:write');
    const userId = k.userId ?? actor.id;
    if (!userId) throw invalid({ vi: 'Cần chỉ định người dùng', en: 'A user is required' });
    if (userId !== actor.id) authorize(actor, 'user:write');
    const user = await this.store.getUser(userId);
    if (!user) throw notFound({ vi: 'Không có người dùng này', en: 'No such user' });
    const scopes = k.scopes ? checkScopes(user.role, k.scopes) : null;
    const prefixId = randomBytes(4).toString('hex');
    const key = `${API_KEY_PREFIX}${prefixId}_${randomBytes(32).toString('base64url')}`;
    const expiresAt = k.expiresInDays ? new Date(Date.now() + k.expiresInDays * 86400_000) : null;
    const row = await this.store.insertApiKey({
      userId, name: k.name.normalize('NFC'), prefix: `${API_KEY_PREFIX}${prefixId}`, keyHash: sha256(key), scopes, createdBy: actor.id, expiresAt,
    });
    return { key, apiKey: row };
  }

  async listApiKeys(actor: Principal) {
    authorize(actor, 'apikey:write');
    return this.store.listApiKeys(actor.role === 'admin' ? undefined : actor.id!);
  }

  async revokeApiKey(actor: Principal, id: string): Promise<void> {
    authorize(actor, 'apikey:write');
    const k = await this.store.getApiKey(id);
    if (!k || (k.user_id !== actor.id && actor.role !== 'admin')) throw notFound({ vi: 'Không có khóa API này', en: 'No such API key' });
    await this.store.revokeApiKey(id);
  }

  // ---- seeding -----------------------------------------------------------------------------

  /**
   * First-run seed: the province, its agencies and communes, and the bootstrap administrator.
   * Idempotent. The generated admin password is returned only when the admin was created now.
   */
  async seed(communes: readonly CommuneRef[]): Promise<{ adminCreated: boolean; adminUser: string; generatedPassword: string | null }> {
    return this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      await store.upsertOrg(PROVINCE);
      for (const a of AGENCIES) await store.upsertOrg({ ...a, kind: 'agency', code: null, parent_id: PROVINCE.id });
      for (const c of communes) {
        await store.upsertOrg({ id: `xa-${c.code}`, kind: 'commune', code: c.code, name: `UBND ${c.fullName}`, name_en: `${c.nameEn} People's Committee`, short_name: c.fullName, parent_id: PROVINCE.id });
      }
      if ((await store.countUsers()) > 0) return { adminCreated: false, adminUser: this.config.adminUser, generatedPassword: null };
      const password = this.config.adminPassword ?? generatePassword();
      await store.insertUser({
        username: this.config.adminUser, displayName: 'Quản trị hệ thống', email: null, orgId: 'so-khcn', role: 'admin',
        passwordHash: await hashPassword(password),
      });
      return { adminCreated: true, adminUser: this.config.adminUser, generatedPassword: this.config.adminPassword ? null : password };
    });
  }
}
