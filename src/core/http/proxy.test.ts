/**
 * The edge of the HTTP server: whose X-Forwarded-For and X-Forwarded-Proto are believed, the
 * session cookie's Secure flag, and who may read /metrics.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engines, testPlatform, ADMIN_PASSWORD, type TestPlatform } from '../../../test/support/platform.js';

const PROXY = '10.0.0.5';

/** The client address the audit recorded for a request (the request's `ip`). */
async function auditedIp(p: TestPlatform, requestId: string): Promise<string | null | undefined> {
  for (let i = 0; i < 100; i++) {
    const r = await p.db.query<{ client_ip: string | null }>("SELECT client_ip FROM audit_log WHERE request_id = $1 AND (details->>'stage') IS DISTINCT FROM 'commit'", [requestId]);
    if (r.rows[0]) return r.rows[0].client_ip;
    await new Promise((res) => setTimeout(res, 20));
  }
  return undefined;
}

for (const engine of engines()) {
  describe(`trusted proxies, Secure cookies and /metrics (${engine})`, () => {
    let p: TestPlatform;
    let admin: { cookie: string; csrf: string };
    before(async () => {
      p = await testPlatform(engine, { PROVDATA_TRUST_PROXY: `${PROXY},192.168.50.0/24`, PROVDATA_LOGIN_MAX_FAILURES: '2' });
      admin = await p.login();
    });
    after(() => p.close());

    test('a forged X-Forwarded-For from an untrusted peer does not change the client address; from a trusted proxy it does', async () => {
      const read = (remoteAddress: string, requestId: string) => p.app.inject({
        url: '/api/users', remoteAddress, headers: { cookie: admin.cookie, 'x-forwarded-for': '198.51.100.1', 'x-request-id': requestId },
      });
      assert.equal((await read('192.0.2.50', 'proxy-untrusted')).statusCode, 200);
      assert.equal(await auditedIp(p, 'proxy-untrusted'), '192.0.2.50');
      assert.equal((await read(PROXY, 'proxy-trusted')).statusCode, 200);
      assert.equal(await auditedIp(p, 'proxy-trusted'), '198.51.100.1');
      assert.equal((await read('192.168.50.7', 'proxy-cidr')).statusCode, 200);
      assert.equal(await auditedIp(p, 'proxy-cidr'), '198.51.100.1', 'a proxy inside a trusted CIDR is believed');
    });

    test('a client cannot escape the login lock-out by forging X-Forwarded-For on each attempt', async () => {
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await p.app.inject({
          method: 'POST', url: '/api/auth/login', remoteAddress: '192.0.2.60',
          headers: { 'x-forwarded-for': `198.51.100.${10 + i}` }, payload: { username: 'admin', password: `guess-${i}-xxxxxxxx` },
        });
        codes.push(r.json().code);
      }
      assert.deepEqual(codes, ['INVALID_CREDENTIALS', 'ACCOUNT_LOCKED', 'ACCOUNT_LOCKED']);
    });

    test('the session cookie is Secure when a trusted proxy says HTTPS, not when an untrusted client says so', async () => {
      const login = (remoteAddress: string) => p.app.inject({
        method: 'POST', url: '/api/auth/login', remoteAddress, headers: { 'x-forwarded-proto': 'https' }, payload: { username: 'admin', password: ADMIN_PASSWORD },
      });
      const viaProxy = await login(PROXY);
      assert.equal(viaProxy.statusCode, 200, viaProxy.body);
      assert.match(String(viaProxy.headers['set-cookie']), /;\s*Secure/i);
      const forged = await login('192.0.2.70');
      assert.equal(forged.statusCode, 200, forged.body);
      assert.doesNotMatch(String(forged.headers['set-cookie']), /Secure/i);
    });

    test('/metrics needs an administrator or an API key scoped to metrics:read', async () => {
      const anonymous = await p.app.inject({ url: '/metrics' });
      assert.equal(anonymous.statusCode, 401);
      assert.doesNotMatch(anonymous.body, /provdata_http_requests_total/);
      const created = await p.app.inject({ method: 'POST', url: '/api/apikeys', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: { name: 'prometheus', scopes: ['metrics:read'] } });
      assert.equal(created.statusCode, 201, created.body);
      const scraped = await p.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${created.json().key}` } });
      assert.equal(scraped.statusCode, 200);
      assert.match(scraped.body, /provdata_http_requests_total/);
      // The scrape key reads nothing else.
      assert.equal((await p.app.inject({ url: '/api/users', headers: { authorization: `Bearer ${created.json().key}` } })).statusCode, 403);
      await p.org.createUser({ kind: 'user', id: null, username: 'admin', displayName: 'Admin', orgId: 'so-khcn', role: 'admin', scopes: null },
        { username: 'metrics.viewer', displayName: 'Người xem', orgId: 'so-y-te', role: 'viewer', password: 'viewer-password-7' });
      const viewer = await p.login('metrics.viewer', 'viewer-password-7');
      assert.equal((await p.app.inject({ url: '/metrics', headers: { cookie: viewer.cookie } })).statusCode, 403);
    });

    test('signing an LDOP checkpoint takes sharing:checkpoint, not audit:read', async () => {
      const key = async (scope: string) => {
        const r = await p.app.inject({ method: 'POST', url: '/api/apikeys', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, payload: { name: scope, scopes: [scope] } });
        assert.equal(r.statusCode, 201, r.body);
        return (r.json() as { key: string }).key;
      };
      const reader = await key('audit:read');
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/ldop/checkpoints', headers: { authorization: `Bearer ${reader}` } })).statusCode, 403);
      const signer = await key('sharing:checkpoint');
      const signed = await p.app.inject({ method: 'POST', url: '/api/ldop/checkpoints', headers: { authorization: `Bearer ${signer}` } });
      assert.equal(signed.statusCode, 201, signed.body);
    });
  });
}
