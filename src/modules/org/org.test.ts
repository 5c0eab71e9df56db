import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engines, testPlatform, ADMIN_PASSWORD, type TestPlatform } from '../../../test/support/platform.js';

for (const engine of engines()) {
  describe(`org and access (${engine})`, () => {
    let p: TestPlatform;
    before(async () => {
      p = await testPlatform(engine, { PROVDATA_LOGIN_MAX_FAILURES: '3' });
    });
    after(() => p.close());

    test('seeds Gia Lai, its agencies and its 135 communes as organisations', async () => {
      const r = await p.app.inject({ url: '/api/orgs?kind=commune' });
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().length, 135);
      const agencies = (await p.app.inject({ url: '/api/orgs?kind=agency' })).json() as { id: string; name: string }[];
      for (const name of ['Sở Khoa học và Công nghệ', 'Công an tỉnh', 'Sở Tài chính', 'Sở Nội vụ', 'Sở Y tế', 'Ban Quản lý Khu kinh tế tỉnh']) {
        assert.ok(agencies.some((a) => a.name === name), name);
      }
    });

    test('a wrong password is refused with a Vietnamese problem and no session cookie', async () => {
      const r = await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'nope-nope-nope' } });
      assert.equal(r.statusCode, 401);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      assert.equal(r.json().code, 'INVALID_CREDENTIALS');
      assert.equal(r.json().title, 'Tên đăng nhập hoặc mật khẩu không đúng');
      assert.equal(r.headers['set-cookie'], undefined);
    });

    test('login sets an HttpOnly SameSite cookie and /me answers with the role', async () => {
      const r = await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: ADMIN_PASSWORD } });
      assert.equal(r.statusCode, 200);
      const setCookie = String(r.headers['set-cookie']);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      const cookie = setCookie.split(';')[0]!;
      const me = await p.app.inject({ url: '/api/auth/me', headers: { cookie } });
      assert.equal(me.json().user.role, 'admin');
      assert.ok(me.json().user.permissions.includes('user:write'));
    });

    test('a cookie-authenticated write without the CSRF token is refused', async () => {
      const { cookie, csrf } = await p.login();
      const body = { username: 'steward.csrf', displayName: 'Cán bộ', orgId: 'so-y-te', role: 'steward' };
      const no = await p.app.inject({ method: 'POST', url: '/api/users', headers: { cookie }, payload: body });
      assert.equal(no.statusCode, 403);
      assert.equal(no.json().code, 'CSRF_FAILED');
      const wrong = await p.app.inject({ method: 'POST', url: '/api/users', headers: { cookie, 'x-csrf-token': csrf + 'x' }, payload: body });
      assert.equal(wrong.json().code, 'CSRF_FAILED');
      const ok = await p.app.inject({ method: 'POST', url: '/api/users', headers: { cookie, 'x-csrf-token': csrf }, payload: body });
      assert.equal(ok.statusCode, 201);
      assert.equal(ok.json().generatedPassword.length, 23);
    });

    test('roles are enforced: a viewer cannot list users, an admin can', async () => {
      const created = await p.org.createUser({ ...(await adminPrincipal(p)) }, { username: 'viewer1', displayName: 'Người xem', orgId: 'xa-21553', role: 'viewer', password: 'viewer-password-1' });
      assert.equal(created.user.role, 'viewer');
      const { cookie } = await p.login('viewer1', 'viewer-password-1');
      const r = await p.app.inject({ url: '/api/users', headers: { cookie } });
      assert.equal(r.statusCode, 403);
      assert.equal(r.json().code, 'FORBIDDEN');
      const admin = await p.login();
      assert.equal((await p.app.inject({ url: '/api/users', headers: { cookie: admin.cookie } })).statusCode, 200);
    });

    test('repeated failures lock the account even for the right password, and a reset unlocks it', async () => {
      await p.org.createUser(await adminPrincipal(p), { username: 'locky', displayName: 'Locky', orgId: 'so-tai-chinh', role: 'analyst', password: 'locky-password-1' });
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'locky', password: `wrong-${i}-xxxxxx` } });
        codes.push(r.json().code);
      }
      assert.deepEqual(codes, ['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED']);
      const right = await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'locky', password: 'locky-password-1' } });
      assert.equal(right.statusCode, 423);
      assert.ok(Number(right.headers['retry-after']) > 0);
      const u = await p.org.findUser(await adminPrincipal(p), 'locky');
      await p.org.setPassword(await adminPrincipal(p), u.id, { password: 'locky-password-2' });
      await p.login('locky', 'locky-password-2');
    });

    test('failures from one address lock only that address out: an attacker elsewhere cannot lock the admin out', async () => {
      const login = (password: string, remoteAddress: string, username = 'admin') =>
        p.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, payload: { username, password } });
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) codes.push((await login(`guess-${i}-xxxxxxxx`, '203.0.113.66')).json().code);
      assert.deepEqual(codes, ['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED']);
      // The attacker's address is locked out even with the right password...
      const attacker = await login(ADMIN_PASSWORD, '203.0.113.66');
      assert.equal(attacker.statusCode, 423);
      assert.match(attacker.json().detail, /Thử lại sau \d+ phút/);
      // ...the administrator, at another address, is not.
      const admin = await login(ADMIN_PASSWORD, '198.51.100.7');
      assert.equal(admin.statusCode, 200, admin.body);
      // Listed as locked (from some address) for administrators.
      const users = (await p.app.inject({ url: '/api/users', headers: { cookie: String(admin.headers['set-cookie']).split(';')[0]! } })).json() as { username: string; locked: boolean }[];
      assert.equal(users.find((u) => u.username === 'admin')?.locked, true);
    });

    test('each further failure after a lock-out doubles it (exponential back-off)', async () => {
      const fail = () => p.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.77', payload: { username: 'admin', password: 'not-the-password-1' } });
      for (let i = 0; i < 3; i++) await fail();
      const first = Number((await fail()).headers['retry-after']); // still locked: the first lock's remaining time
      // Let the lock run out, then fail once more: the next lock is twice as long (PROVDATA_LOGIN_LOCK_MINUTES 15 → 30).
      await p.db.query("UPDATE login_failures SET locked_until = now() - interval '1 second' WHERE client_ip = '203.0.113.77'");
      const second = await fail();
      assert.equal(second.json().code, 'ACCOUNT_LOCKED');
      assert.ok(first > 14 * 60 && first <= 15 * 60, `first lock ${first} s`);
      assert.ok(Number(second.headers['retry-after']) > 29 * 60, `second lock ${second.headers['retry-after']} s`);
    });

    test('an unknown name is locked out like a real one, so lock-outs do not reveal which accounts exist', async () => {
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        codes.push((await p.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.88', payload: { username: 'khong-ton-tai', password: `guess-${i}-xxxxxxxx` } })).json().code);
      }
      assert.deepEqual(codes, ['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED']);
    });

    test('an administrator lifts every lock-out of an account (POST /api/users/:id/unlock)', async () => {
      await p.org.createUser(await adminPrincipal(p), { username: 'mo.khoa', displayName: 'Mở khóa', orgId: 'so-tai-chinh', role: 'analyst', password: 'mo-khoa-password-1' });
      for (let i = 0; i < 3; i++) {
        await p.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '192.0.2.9', payload: { username: 'mo.khoa', password: `wrong-${i}-xxxxxx` } });
      }
      const right = () => p.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '192.0.2.9', payload: { username: 'mo.khoa', password: 'mo-khoa-password-1' } });
      assert.equal((await right()).statusCode, 423);
      const u = await p.org.findUser(await adminPrincipal(p), 'mo.khoa');
      const viewer = await p.login('viewer1', 'viewer-password-1');
      const refused = await p.app.inject({ method: 'POST', url: `/api/users/${u.id}/unlock`, headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf } });
      assert.equal(refused.statusCode, 403);
      const { cookie, csrf } = await p.login();
      const unlocked = await p.app.inject({ method: 'POST', url: `/api/users/${u.id}/unlock`, headers: { cookie, 'x-csrf-token': csrf } });
      assert.equal(unlocked.statusCode, 200, unlocked.body);
      assert.equal(unlocked.json().locked, false);
      assert.equal((await right()).statusCode, 200);
    });

    test('API keys: shown once, stored hashed, scoped, revocable and expiring', async () => {
      const { cookie, csrf } = await p.login();
      const created = await p.app.inject({ method: 'POST', url: '/api/apikeys', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'hệ thống một cửa', scopes: ['org:read'] } });
      assert.equal(created.statusCode, 201);
      const { key, apiKey } = created.json() as { key: string; apiKey: { id: string } };
      assert.match(key, /^pdk_[0-9a-f]{8}_/);
      const stored = await p.db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [apiKey.id]);
      assert.notEqual(stored.rows[0]!.key_hash, key);
      assert.ok(!JSON.stringify((await p.app.inject({ url: '/api/apikeys', headers: { cookie } })).json()).includes(key));

      const me = await p.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${key}` } });
      assert.equal(me.statusCode, 200);
      assert.equal(me.json().user.via, 'apikey');
      // The key is scoped to org:read: it cannot list users although its user is an admin.
      const users = await p.app.inject({ url: '/api/users', headers: { 'x-api-key': key } });
      assert.equal(users.statusCode, 403);
      // No CSRF for API keys (not a browser credential), but the scope still applies to writes.
      const write = await p.app.inject({ method: 'POST', url: '/api/orgs', headers: { authorization: `Bearer ${key}` }, payload: { id: 'x-test', kind: 'agency', name: 'Thử' } });
      assert.equal(write.statusCode, 403);

      const revoke = await p.app.inject({ method: 'DELETE', url: `/api/apikeys/${apiKey.id}`, headers: { cookie, 'x-csrf-token': csrf } });
      assert.equal(revoke.statusCode, 204);
      const after = await p.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${key}` } });
      assert.equal(after.statusCode, 401);
      assert.equal(after.json().code, 'INVALID_API_KEY');

      const admin = await adminPrincipal(p);
      const expiring = await p.org.createApiKey(admin, { name: 'ngắn hạn', expiresInDays: 1 });
      await p.db.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [expiring.apiKey.id]);
      assert.equal((await p.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${expiring.key}` } })).statusCode, 401);
    });

    test('a scope the role does not hold is refused when creating a key', async () => {
      await p.org.createUser(await adminPrincipal(p), { username: 'steward2', displayName: 'Steward', orgId: 'so-y-te', role: 'steward', password: 'steward-password-2' });
      const { cookie, csrf } = await p.login('steward2', 'steward-password-2');
      const r = await p.app.inject({ method: 'POST', url: '/api/apikeys', headers: { cookie, 'x-csrf-token': csrf }, payload: { name: 'k', scopes: ['user:write'] } });
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().code, 'VALIDATION_FAILED');
    });

    test('logout ends the session', async () => {
      const { cookie, csrf } = await p.login();
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'x-csrf-token': csrf } })).statusCode, 204);
      assert.equal((await p.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode, 401);
    });
  });
}

async function adminPrincipal(p: TestPlatform) {
  const { cookie } = await p.login();
  const me = (await p.app.inject({ url: '/api/auth/me', headers: { cookie } })).json().user;
  return { kind: 'user' as const, id: me.id, username: me.username, displayName: me.displayName, orgId: me.orgId, role: 'admin' as const, scopes: null };
}
