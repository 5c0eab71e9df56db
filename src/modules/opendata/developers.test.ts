import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

type Session = { cookie: string; csrf: string };
const h = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
interface KeyView {
  id: string; prefix: string; name: string; email: string; ratePerMinute: number; createdAt: string; revokedAt: string | null;
  revokedBy: 'holder' | 'editor' | null; callsToday: number; days: { day: string; calls: number }[];
}
interface Listed extends Omit<KeyView, 'days'> { callsTotal: number; lastUsed: string | null }
const today = () => new Date().toISOString().slice(0, 10);

for (const engine of engines()) {
  describe(`open data developers (${engine})`, () => {
    let p: TestPlatform;
    let admin: Session, steward: Session;
    const createKey = (payload: unknown) => p.app.inject({ method: 'POST', url: '/api/opendata/developers/keys', payload: payload as Record<string, unknown> });
    const newKey = async (name = 'Ứng dụng bản đồ', email = 'Dev.Nguyen@Example.vn') => {
      const r = await createKey({ name, email });
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as { id: string; key: string; ratePerMinute: number };
    };
    const self = (headers: Record<string, string>, method: 'GET' | 'DELETE' = 'GET') => p.app.inject({ method, url: '/api/opendata/developers/keys/self', headers });
    const ckan = (action: string, headers: Record<string, string>) => p.app.inject({ url: `/api/3/action/${action}`, headers });
    /** The audit row of an action, once the onResponse hook has written it. */
    const audited = async (action: string, resource: string) => {
      for (let i = 0; i < 50; i++) {
        const r = await p.db.query<{ actor: string | null; outcome: string }>('SELECT actor, outcome FROM audit_log WHERE action = $1 AND resource = $2 ORDER BY id DESC LIMIT 1', [action, resource]);
        if (r.rows[0]) return r.rows[0];
        await new Promise((res) => setTimeout(res, 20));
      }
      return null;
    };

    before(async () => {
      p = await testPlatform(engine);
      await p.org.createUser(SYSTEM, { username: 'dev.steward', displayName: 'Steward', orgId: 'so-khcn', role: 'steward', password: 'dev.steward-password-1' });
      admin = await p.login();
      steward = await p.login('dev.steward', 'dev.steward-password-1');
    });
    after(() => p.close());

    test('a key holder sees their own key and its calls of today, revokes it, and the CKAN API refuses it at once', async () => {
      const k = await newKey();
      assert.match(k.key, /^pod_[A-Za-z0-9_-]{32}$/);

      const before = await self({ 'x-ckan-api-key': k.key });
      assert.equal(before.statusCode, 200, before.body);
      const v0 = before.json() as KeyView;
      assert.equal(v0.id, k.id);
      assert.equal(v0.prefix, k.key.slice(0, 12));
      assert.equal(v0.name, 'Ứng dụng bản đồ');
      assert.equal(v0.email, 'd***@example.vn', 'the e-mail is masked even for its holder');
      assert.equal(v0.ratePerMinute, p.opendata.limits.key);
      assert.equal(v0.callsToday, 0);
      assert.equal(v0.revokedAt, null);
      assert.ok(!before.body.includes(k.key), 'the secret is never sent back');

      // Three CKAN calls with the key, in both ways CKAN clients send it; an anonymous call does not count.
      assert.equal((await ckan('organization_list', { authorization: k.key })).statusCode, 200);
      assert.equal((await ckan('status_show', { 'x-ckan-api-key': k.key })).statusCode, 200);
      assert.equal((await ckan('package_list', { authorization: k.key })).statusCode, 200);
      assert.equal((await ckan('package_list', {})).statusCode, 200);
      const counted = (await self({ authorization: k.key })).json() as KeyView;
      assert.equal(counted.callsToday, 3);
      assert.deepEqual(counted.days, [{ day: today(), calls: 3 }]);

      const revoked = await self({ 'x-ckan-api-key': k.key }, 'DELETE');
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.ok((revoked.json() as KeyView).revokedAt);
      assert.equal((revoked.json() as KeyView).revokedBy, 'holder');

      const refused = await ckan('package_list', { authorization: k.key });
      assert.equal(refused.statusCode, 403, 'CKAN answers an invalid key with its Authorization Error');
      assert.equal(refused.json().error.__type, 'Authorization Error');
      assert.equal(refused.json().code, 'FORBIDDEN');
      // The holder can still look at the revoked key (and revoking again changes nothing).
      const after = (await self({ 'x-ckan-api-key': k.key })).json() as KeyView;
      assert.equal(after.revokedAt, (revoked.json() as KeyView).revokedAt);
      assert.equal(after.callsToday, 3, 'the refused call is not counted');
      const again = await self({ 'x-ckan-api-key': k.key }, 'DELETE');
      assert.equal((again.json() as KeyView).revokedAt, after.revokedAt);
      assert.equal((await audited('opendata.key.revoke-self', '/api/opendata/developers/keys/self'))?.outcome, 'success', 'the revocation is audited');
    });

    test('calls per key are written by the usage flush and survive it', async () => {
      const k = await newKey('Bộ đếm');
      for (let i = 0; i < 5; i++) assert.equal((await ckan('status_show', { authorization: k.key })).statusCode, 200);
      await p.opendata.flush();
      const rows = await p.db.query<{ calls: string }>('SELECT calls FROM opendata_key_usage WHERE key_id = $1::uuid AND day = $2::date', [k.id, today()]);
      assert.equal(Number(rows.rows[0]?.calls), 5);
      assert.equal(((await self({ authorization: k.key })).json() as KeyView).callsToday, 5);
    });

    test('the holder routes refuse a missing, malformed or unknown key with a Vietnamese problem', async () => {
      const cases: [string, Record<string, string>][] = [
        ['no key', {}],
        ['not a pod_ key', { 'x-ckan-api-key': 'abc' }],
        ['one character short', { 'x-ckan-api-key': `pod_${'a'.repeat(31)}` }],
        ['unknown', { 'x-ckan-api-key': `pod_${'a'.repeat(32)}` }],
        ['with spaces inside', { authorization: `pod_${'a'.repeat(16)} ${'b'.repeat(15)}` }],
        ['a platform key as Bearer', { authorization: `Bearer pdk_${'x'.repeat(30)}` }],
      ];
      for (const [what, headers] of cases) {
        for (const method of ['GET', 'DELETE'] as const) {
          const r = await self(headers, method);
          assert.equal(r.statusCode, 401, `${what} ${method}: ${r.body}`);
          assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
          assert.equal(r.json().code, 'INVALID_API_KEY', what);
          assert.match(r.json().title, /Khóa API không hợp lệ/, what);
        }
      }
      const huge = await self({ 'x-ckan-api-key': `pod_${'a'.repeat(5000)}` });
      assert.equal(huge.statusCode, 400, huge.body);
      assert.equal(huge.json().title, 'Dữ liệu gửi lên không hợp lệ');
    });

    test('an editor lists keys with masked e-mails and calls, and revokes any key; the API refuses it at once', async () => {
      const k = await newKey('Ứng dụng cần thu hồi', 'lam.tran@example.vn');
      assert.equal((await ckan('status_show', { authorization: k.key })).statusCode, 200);
      const list = await p.app.inject({ url: '/api/opendata/developers/keys?limit=500', headers: h(admin) });
      assert.equal(list.statusCode, 200, list.body);
      const body = list.json() as { total: number; keys: Listed[] };
      assert.ok(body.total >= 1);
      const mine = body.keys.find((x) => x.id === k.id);
      assert.ok(mine, 'the new key is listed');
      assert.equal(mine.email, 'l***@example.vn');
      assert.equal(mine.prefix, k.key.slice(0, 12));
      assert.equal(mine.callsToday, 1);
      assert.equal(mine.callsTotal, 1);
      assert.equal(mine.lastUsed, today());
      assert.ok(!list.body.includes('lam.tran@'), 'no full e-mail leaves the server');
      assert.ok(!list.body.includes(k.key), 'no secret either');
      assert.equal((await audited('opendata.key.list', '/api/opendata/developers/keys'))?.actor, 'admin', 'reading the key list is audited');

      const revoke = await p.app.inject({ method: 'POST', url: `/api/opendata/developers/keys/${k.id}/revoke`, headers: h(admin) });
      assert.equal(revoke.statusCode, 200, revoke.body);
      assert.equal(revoke.json().revokedBy, 'editor');
      assert.equal((await audited('opendata.key.revoke', `/api/opendata/developers/keys/${k.id}/revoke`))?.outcome, 'success');
      const refused = await ckan('package_list', { 'x-ckan-api-key': k.key });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error.__type, 'Authorization Error');
      assert.equal(((await self({ authorization: k.key })).json() as KeyView).revokedBy, 'editor', 'the holder can see an editor revoked it');

      const active = (await p.app.inject({ url: '/api/opendata/developers/keys?state=active&limit=500', headers: h(admin) })).json() as { keys: Listed[] };
      assert.ok(!active.keys.some((x) => x.id === k.id), 'a revoked key is not active');
      const revokedOnly = (await p.app.inject({ url: '/api/opendata/developers/keys?state=revoked&limit=500', headers: h(admin) })).json() as { keys: Listed[] };
      assert.ok(revokedOnly.keys.some((x) => x.id === k.id));
      const missing = await p.app.inject({ method: 'POST', url: '/api/opendata/developers/keys/00000000-0000-4000-8000-000000000000/revoke', headers: h(admin) });
      assert.equal(missing.statusCode, 404, missing.body);
    });

    test('anonymous callers cannot list or revoke keys; a steward (no opendata:editor) is forbidden and the refusal audited', async () => {
      const k = await newKey('Khóa được bảo vệ');
      const anonList = await p.app.inject({ url: '/api/opendata/developers/keys' });
      assert.equal(anonList.statusCode, 401);
      assert.equal(anonList.json().code, 'UNAUTHENTICATED');
      assert.equal((await p.app.inject({ method: 'POST', url: `/api/opendata/developers/keys/${k.id}/revoke` })).statusCode, 401);
      // A developer key is not a platform credential: it opens no editor route.
      assert.equal((await p.app.inject({ url: '/api/opendata/developers/keys', headers: { 'x-ckan-api-key': k.key } })).statusCode, 401);
      const stewardList = await p.app.inject({ url: '/api/opendata/developers/keys', headers: h(steward) });
      assert.equal(stewardList.statusCode, 403);
      assert.equal((await p.app.inject({ method: 'POST', url: `/api/opendata/developers/keys/${k.id}/revoke`, headers: h(steward) })).statusCode, 403);
      assert.equal((await audited('opendata.key.revoke', `/api/opendata/developers/keys/${k.id}/revoke`))?.outcome, 'denied');
      assert.equal(((await self({ authorization: k.key })).json() as KeyView).revokedAt, null, 'still active');
    });

    test('bad key requests get a problem+json in Vietnamese and issue nothing', async () => {
      const count = async () => Number((await p.db.query<{ n: string }>('SELECT count(*) AS n FROM opendata_api_keys')).rows[0]!.n);
      const n0 = await count();
      const bad: [string, unknown, RegExp][] = [
        ['empty name', { name: '', email: 'a@example.vn' }, /body\/name/],
        ['blank name', { name: '   ', email: 'a@example.vn' }, /ít nhất 2 ký tự/],
        ['control characters', { name: 'Ứng\u0007 dụng', email: 'a@example.vn' }, /ký tự điều khiển/],
        ['right-to-left override', { name: 'abc\u202Egnp.exe', email: 'a@example.vn' }, /ký tự điều khiển/],
        ['NUL byte', { name: 'Ứng dụng\u0000', email: 'a@example.vn' }, /Ký tự NUL/],
        ['NUL in the e-mail', { name: 'Ứng dụng', email: 'a\u0000@example.vn' }, /Ký tự NUL/],
        ['bad e-mail', { name: 'Ứng dụng', email: 'không-phải-email' }, /body\/email/],
        ['e-mail with spaces', { name: 'Ứng dụng', email: 'a b@example.vn' }, /body\/email/],
        ['huge name', { name: 'x'.repeat(100_000), email: 'a@example.vn' }, /body\/name/],
        ['huge e-mail', { name: 'Ứng dụng', email: `${'a'.repeat(300)}@example.vn` }, /body\/email/],
        ['missing e-mail', { name: 'Ứng dụng' }, /email/],
        ['unknown field', { name: 'Ứng dụng', email: 'a@example.vn', ratePerMinute: 1_000_000 }, /body/],
        ['name not a string', { name: ['a', 'b'], email: 'a@example.vn' }, /body\/name/],
      ];
      for (const [what, payload, detail] of bad) {
        const r = await createKey(payload);
        assert.equal(r.statusCode, 400, `${what}: ${r.body}`);
        assert.match(String(r.headers['content-type']), /^application\/problem\+json/, what);
        const problem = r.json() as { title: string; detail: string; code: string };
        assert.equal(problem.code, 'VALIDATION_FAILED', what);
        assert.equal(problem.title, 'Dữ liệu gửi lên không hợp lệ', what);
        assert.match(problem.detail, detail, what);
      }
      const tooLarge = await p.app.inject({ method: 'POST', url: '/api/opendata/developers/keys', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(2_000_000), email: 'a@example.vn' }) });
      assert.equal(tooLarge.statusCode, 413);
      assert.equal(tooLarge.json().title, 'Dữ liệu gửi lên quá lớn');
      const notJson = await p.app.inject({ method: 'POST', url: '/api/opendata/developers/keys', headers: { 'content-type': 'application/json' }, payload: '{"name": "a", ' });
      assert.equal(notJson.statusCode, 400);
      assert.match(notJson.json().detail, /Yêu cầu không hợp lệ/);
      assert.equal(await count(), n0, 'no key was issued');
      // The English answer is there for those who ask for it.
      const en = await p.app.inject({ method: 'POST', url: '/api/opendata/developers/keys', headers: { 'accept-language': 'en' }, payload: { name: '  ', email: 'a@example.vn' } });
      assert.equal(en.json().title, 'Validation failed');
    });

    test('one client address gets at most ten new keys an hour; another address is not held back', async () => {
      const from = (remoteAddress: string, i: number) =>
        p.app.inject({ method: 'POST', url: '/api/opendata/developers/keys', remoteAddress, payload: { name: `Ứng dụng ${i}`, email: `dev${i}@example.vn` } });
      for (let i = 0; i < 10; i++) assert.equal((await from('203.0.113.7', i)).statusCode, 201);
      const over = await from('203.0.113.7', 10);
      assert.equal(over.statusCode, 429, over.body);
      assert.equal(over.json().code, 'RATE_LIMITED');
      assert.match(over.json().detail, /Mỗi địa chỉ chỉ tạo được 10 khóa mỗi giờ/);
      assert.ok(Number(over.headers['retry-after']) > 0 && Number(over.headers['retry-after']) <= 3600);
      assert.equal((await p.db.query("SELECT 1 FROM opendata_api_keys WHERE email = 'dev10@example.vn'")).rowCount, 0, 'no key was issued');
      assert.equal((await from('203.0.113.8', 11)).statusCode, 201);
    });
  });
}
