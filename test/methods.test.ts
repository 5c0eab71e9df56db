import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { testPlatform, type TestPlatform } from './support/platform.js';

/** A known path asked with a method it does not take is 405 with Allow, not a 404 that hides the path. */
describe('wrong HTTP method', () => {
  let p: TestPlatform;
  before(async () => {
    p = await testPlatform('pglite');
  });
  after(() => p.close());

  test('a known path with another method: 405 problem+json, Vietnamese detail, Allow header', async () => {
    const cases: [method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, allow: string][] = [
      ['DELETE', '/api/opendata/kpi', 'GET'], // a GET route asked with DELETE (the not-found handler)
      ['GET', '/api/auth/login', 'POST'], // a POST route asked with GET (the web client's catch-all)
      ['PUT', '/api/3/action/package_search', 'GET, POST'], // a parametric path
      ['PATCH', '/api/opendata/developers/keys/self', 'GET, DELETE'],
    ];
    for (const [method, url, allow] of cases) {
      const r = await p.app.inject({ method, url, headers: { 'accept-language': 'vi' } });
      assert.equal(r.statusCode, 405, `${method} ${url}: ${r.body}`);
      assert.equal(r.headers.allow, allow, `${method} ${url}`);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      const body = r.json() as { code: string; detail: string };
      assert.equal(body.code, 'METHOD_NOT_ALLOWED');
      assert.match(body.detail, new RegExp(`không nhận phương thức ${method}`));
    }
  });

  test('an unknown path is still 404, and the web client still gets its pages', async () => {
    for (const [method, url] of [['GET', '/api/khong-co'], ['POST', '/api/khong-co'], ['DELETE', '/khong-co']] as const) {
      const r = await p.app.inject({ method, url });
      assert.equal(r.statusCode, 404, `${method} ${url}: ${r.body}`);
      assert.equal(r.json().code, 'NOT_FOUND');
      assert.equal(r.headers.allow, undefined);
    }
    // Client-side routes still get the page from the catch-all (when the web client is built, as `npm test` does).
    if (existsSync(new URL('../web/dist/index.html', import.meta.url))) {
      const page = await p.app.inject({ url: '/open-data/search?q=du%20lich' });
      assert.equal(page.statusCode, 200, page.body.slice(0, 100));
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.equal((await p.app.inject({ method: 'POST', url: '/open-data/search' })).statusCode, 404, 'a page path takes no POST, and says so as 404');
    }
  });
});
