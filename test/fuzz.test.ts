/**
 * Robustness fuzz of every write route in the OpenAPI document. Whatever a client sends — wrong
 * types, huge or deeply nested bodies, NUL bytes, invalid UTF-8, prototype-pollution keys, foreign
 * content types, garbage headers — the answer is never a 5xx, and every refusal is an RFC 9457
 * problem with a catalogue code that leaks no stack trace or SQL.
 *
 * Deterministic: the PRNG seed is printed; rerun a failure with PROVDATA_FUZZ_SEED=<seed>.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { engines, testPlatform, type TestPlatform } from './support/platform.js';

const SEED = Number(process.env.PROVDATA_FUZZ_SEED ?? 20260527) >>> 0;
const CASES_PER_ROUTE = Number(process.env.PROVDATA_FUZZ_CASES ?? 100);
const API_KEY_CASES_PER_ROUTE = Math.ceil(CASES_PER_ROUTE / 3);
const LEAK = /at .*\.ts:|SELECT|INSERT|syntax error/i;
const CODES = new Set(Object.keys(ERROR_CATALOGUE));

/** mulberry32: small, fast, and the same sequence on every machine for one seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const ODD_STRINGS = [
  '', ' ', 'a', 'fuzz', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800x', '\ufeffbom', '\u200b', '\u202eevil\u202c',
  'Đắk Đoa'.normalize('NFD'), 'Đắk Đoa', '👩‍👩‍👧‍👦', 'ﷺ', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǒ̚', '\r\n\t', '%00', '%ZZ', '../../etc/passwd', "'; DROP TABLE users; --",
  '<script>alert(1)</script>', '${jndi:ldap://x/a}', 'null', 'true', '-0', '1e309', '{{7*7}}', '\\', '"', 'x'.repeat(257),
  'x'.repeat(10_000), 'ö'.repeat(3000), '00000000-0000-4000-8000-000000000000', 'so-khcn', 'xa-21553', 'admin', 'viewer',
  'a@b.vn', 'not-an-email', 'fuzz-org-1', 'org:read', 'user:write', 'pdk_00000000_xxxx',
];
const ODD_NUMBERS = [0, -1, 1, 1.5, -0.0001, 1e308, -1e308, 2 ** 53 + 1, 3650, 3651, 65536, 12];
const KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', 'name', 'id', 'role', 'password', 'scopes', 'disabled', 'x'.repeat(500)];

function randomString(r: Rng): string {
  if (r.chance(0.7)) return r.pick(ODD_STRINGS);
  const len = r.pick([1, 5, 64, 65, 200, 1000]);
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(r.chance(0.8) ? 0x61 + r.int(26) : r.int(0x10000));
  return s;
}

function randomValue(r: Rng, depth = 0): unknown {
  const kind = r.int(depth > 3 ? 4 : 7);
  switch (kind) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick(ODD_NUMBERS);
    case 3: return randomString(r);
    case 4: return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(KEYS)] = randomValue(r, depth + 1);
      return o;
    }
  }
}

type Schema = Record<string, unknown> & { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; anyOf?: Schema[]; items?: Schema };

/** A value that mostly fits the schema, so the fuzz reaches services and SQL, not only the validator. */
function fromSchema(r: Rng, s: Schema | undefined, depth = 0): unknown {
  if (!s || depth > 5) return randomValue(r, depth);
  if (r.chance(0.15)) return randomValue(r, depth); // one wrong field at a time
  if (s.anyOf) return fromSchema(r, r.pick(s.anyOf), depth + 1);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return r.pick(s.enum as unknown[]);
  const type = Array.isArray(s.type) ? r.pick(s.type) : s.type;
  switch (type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(k) ? r.chance(0.95) : r.chance(0.6)) o[k] = fromSchema(r, sub, depth + 1);
      }
      if (r.chance(0.1)) o[r.pick(KEYS)] = randomValue(r, depth + 1);
      return o;
    }
    case 'array': return Array.from({ length: r.int(4) }, () => fromSchema(r, s.items, depth + 1));
    case 'integer': return typeof s.minimum === 'number' && r.chance(0.7) ? s.minimum + r.int(5) : r.pick(ODD_NUMBERS);
    case 'number': return r.pick(ODD_NUMBERS);
    case 'boolean': return r.chance(0.5);
    case 'null': return null;
    case 'string': {
      const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern) : null;
      const fitting = ODD_STRINGS.filter((x) => (!pattern || pattern.test(x)) && (s.maxLength === undefined || x.length <= Number(s.maxLength)) && x.length >= Number(s.minLength ?? 0));
      if (pattern && r.chance(0.6)) {
        const made = `fuzz-${r.int(1e6)}`;
        return pattern.test(made) ? made : r.pick(fitting.length ? fitting : ODD_STRINGS);
      }
      if (s.format === 'email' && r.chance(0.5)) return `fuzz${r.int(1e6)}@so-khcn.gialai.gov.vn`;
      return r.chance(0.6) && fitting.length ? r.pick(fitting) + (pattern ? '' : ` ${r.int(1e6)}`) : randomString(r);
    }
    default: return randomValue(r, depth);
  }
}

interface Body {
  label: string;
  payload?: string | Buffer;
  contentType?: string;
}

function deep(n: number, open: string, close: string, inner = '1'): string {
  return open.repeat(n) + inner + close.repeat(n);
}

/** One malformed or odd body, of the kind a broken client or an attacker sends. */
function randomBody(r: Rng, schema: Schema | undefined): Body {
  const json = (v: unknown, label: string): Body => ({ label, payload: JSON.stringify(v), contentType: 'application/json' });
  switch (r.int(16)) {
    case 0: case 1: case 2: case 3: return json(fromSchema(r, schema), 'schema-shaped');
    case 4: return json(randomValue(r), 'random JSON value');
    case 5: return r.pick([
      { label: 'no body, no content type' },
      { label: 'empty JSON body', payload: '', contentType: 'application/json' },
      { label: 'whitespace JSON body', payload: '   \n', contentType: 'application/json' },
      { label: 'JSON null', payload: 'null', contentType: 'application/json' },
    ]);
    case 6: return r.pick([
      { label: '__proto__ key', payload: `{"__proto__":{"role":"admin","isAdmin":true},"name":"x"}`, contentType: 'application/json' },
      { label: 'constructor.prototype key', payload: `{"constructor":{"prototype":{"polluted":1}},"name":"x"}`, contentType: 'application/json' },
      { label: 'nested __proto__', payload: `{"a":[{"b":{"__proto__":{"x":1}}}]}`, contentType: 'application/json' },
    ]);
    case 7: return r.pick([
      { label: 'deep array nesting', payload: deep(5000, '[', ']'), contentType: 'application/json' },
      { label: 'deep object nesting', payload: deep(3000, '{"a":', '}'), contentType: 'application/json' },
      { label: 'very deep array nesting', payload: deep(100_000, '[', ']'), contentType: 'application/json' },
    ]);
    case 8: return r.pick([
      { label: 'body just over the limit', payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }), contentType: 'application/json' },
      { label: 'huge string under the limit', payload: JSON.stringify({ name: 'ư'.repeat(300_000), id: 'fuzz-big', kind: 'agency' }), contentType: 'application/json' },
      { label: 'many keys', payload: JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))), contentType: 'application/json' },
    ]);
    case 9: {
      const bytes = Buffer.from(Array.from({ length: 1 + r.int(64) }, () => r.int(256)));
      return r.pick([
        { label: 'random bytes as JSON', payload: bytes, contentType: 'application/json' },
        { label: 'invalid UTF-8 inside a JSON string', payload: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('","id":"fuzz-utf","kind":"agency"}')]), contentType: 'application/json; charset=utf-8' },
        { label: 'UTF-16 body', payload: Buffer.from('{"name":"x"}', 'utf16le'), contentType: 'application/json; charset=utf-16' },
        { label: 'random bytes, no content type', payload: bytes },
      ]);
    }
    case 10: return r.pick([
      { label: 'truncated JSON', payload: '{"name": "x', contentType: 'application/json' },
      { label: 'trailing garbage', payload: '{"name":"x"} garbage', contentType: 'application/json' },
      { label: 'JSON with comments', payload: '{/* c */"name":"x"}', contentType: 'application/json' },
      { label: 'NaN literal', payload: '{"expiresInDays":NaN}', contentType: 'application/json' },
      { label: 'huge number', payload: `{"expiresInDays":1${'0'.repeat(400)}}`, contentType: 'application/json' },
      { label: 'duplicate keys', payload: '{"name":"a","name":{"x":1}}', contentType: 'application/json' },
      { label: 'escaped NUL', payload: '{"name":"\\u0000","id":"fuzz-nul","kind":"agency","displayName":"\\u0000"}', contentType: 'application/json' },
      { label: 'escaped lone surrogate', payload: '{"name":"\\ud800\\ud800","displayName":"\\udc00"}', contentType: 'application/json' },
    ]);
    case 11: return { label: 'array instead of object', payload: JSON.stringify([fromSchema(r, schema)]), contentType: 'application/json' };
    case 12: return r.pick([
      { label: 'text/plain', payload: JSON.stringify(fromSchema(r, schema)), contentType: 'text/plain' },
      { label: 'text/plain garbage', payload: randomString(r), contentType: 'text/plain; charset=utf-8' },
      { label: 'form-encoded', payload: 'name=x&id=fuzz&__proto__[a]=1', contentType: 'application/x-www-form-urlencoded' },
      { label: 'multipart', payload: '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n', contentType: 'multipart/form-data; boundary=b' },
      { label: 'XML', payload: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', contentType: 'application/xml' },
    ]);
    case 13: return r.pick([
      { label: 'garbage content type', payload: '{}', contentType: 'garbage' },
      { label: 'content type with odd parameters', payload: '{}', contentType: 'application/json; charset=latin1; boundary=x; x=' + 'y'.repeat(2000) },
      { label: 'vendor JSON type', payload: JSON.stringify(fromSchema(r, schema)), contentType: 'application/vnd.api+json' },
      { label: 'upper-case JSON type', payload: JSON.stringify(fromSchema(r, schema)), contentType: 'APPLICATION/JSON' },
    ]);
    default: return json(fromSchema(r, schema), 'schema-shaped');
  }
}

const QUERIES = [
  '', '?', '?a=1', '?__proto__[polluted]=1', '?constructor[prototype][polluted]=1', '?x=%ZZ', '?x=%00', '?kind[]=a&kind[]=b',
  `?${'k'.repeat(5000)}=v`, `?${'a=1&'.repeat(2000)}`, '?orgId=so-khcn&orgId=xa-21553', '?\u00ff=\u00fe', '?%F0%9F%92%A9=%ED%A0%80',
];

/** Odd headers; each is added on top of the request's credentials (or replaces them). */
function oddHeaders(r: Rng): { label: string; headers: Record<string, string>; replacesCredentials?: boolean } {
  switch (r.int(10)) {
    case 0: return { label: 'bad Accept-Language', headers: { 'accept-language': r.pick(['xx;q=abc', '*', 'en;q=2,vi;q=-1', 'e'.repeat(8000), 'vi-VN,en;q=0.5,,,;;', 'en'.repeat(3000)]) } };
    case 1: return { label: 'garbage cookie', headers: { cookie: r.pick(['provdata_session=%E0%A4%A', '=;;=;', 'provdata_session=' + 'x'.repeat(5000), 'provdata_session=', 'a'.repeat(8000), 'provdata_session="unterminated']) }, replacesCredentials: true };
    case 2: return { label: 'garbage Authorization', headers: { authorization: r.pick(['Bearer', 'Bearer ', 'Bearer pdk_', `Bearer pdk_${'x'.repeat(300)}`, 'Basic YWRtaW46YWRtaW4=', `Bearer ${'a'.repeat(10_000)}`, 'Bearer pdk_00000000_AAAA', 'bearer\tpdk_12345678_x', 'Digest x=y']) } };
    case 3: return { label: 'garbage X-API-Key', headers: { 'x-api-key': r.pick(['pdk_', 'x', 'pdk_'.repeat(100), ' ']) } };
    case 4: return { label: 'garbage CSRF token', headers: { 'x-csrf-token': r.pick(['', 'x', 'x'.repeat(10_000), 'null']) } };
    case 5: return { label: 'odd request id', headers: { 'x-request-id': r.pick(['', '../../x', 'x'.repeat(1000), 'a b', '<script>']) } };
    case 6: return { label: 'odd Accept', headers: { accept: r.pick(['application/xml', 'text/html', 'image/png', '*/*;q=0', 'garbage']) } };
    case 7: return { label: 'very long header', headers: { 'x-long': 'h'.repeat(16_000) } };
    case 8: return { label: 'forwarded spoof', headers: { 'x-forwarded-for': r.pick(['1.2.3.4', 'garbage', '::1, 127.0.0.1, x', '999.999.999.999']) } };
    default: return { label: 'no odd header', headers: {} };
  }
}

interface Failure {
  case: string;
  status: number;
  why: string;
  body: string;
}

/** Checks one response against the rules; returns why it breaks them, or null. */
function judge(status: number, contentType: string, body: string): string | null {
  if (status >= 500) return 'server error';
  if (LEAK.test(body)) return 'leaks a stack trace or SQL';
  if (status < 400) return null;
  if (!contentType.startsWith('application/problem+json')) return `refusal is ${contentType || 'untyped'}, not problem+json`;
  let code: unknown;
  try {
    code = (JSON.parse(body) as { code?: unknown }).code;
  } catch {
    return 'problem body is not JSON';
  }
  if (typeof code !== 'string' || !CODES.has(code)) return `code ${String(code)} is not in the catalogue`;
  return null;
}

/** Failures grouped by rule, route and kind of input, so one run shows every distinct problem. */
function summary(failures: Failure[]): string {
  const groups = new Map<string, number>();
  for (const f of failures) {
    const [, auth, method, url, rest] = /^#\d+ (\S+) (\S+) (\S+) (.*)$/.exec(f.case) ?? [];
    const key = `${f.status} ${f.why}: ${auth ?? ''} ${method ?? ''} ${(url ?? f.case).split('?')[0]!.slice(0, 40)} ${(rest ?? '').replace(/ headers=.*/, '')}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${n}× ${k}`).join('\n');
}

interface Route {
  method: string;
  path: string;
  schema?: Schema;
  isPublic: boolean;
}

for (const engine of engines()) {
  describe(`fuzz of every write route (${engine}, seed ${SEED})`, () => {
    let p: TestPlatform;
    let routes: Route[];
    let session: { cookie: string; csrf: string };
    let apiKey: string;
    let ids: string[];
    let relogins = 0;

    before(async () => {
      process.stderr.write(`ℹ fuzz seed ${SEED} (rerun with PROVDATA_FUZZ_SEED=${SEED}), ${CASES_PER_ROUTE} cases per route\n`);
      // A high failure limit: the login fuzz must not lock the admin out of the rest of the run.
      p = await testPlatform(engine, { PROVDATA_LOGIN_MAX_FAILURES: '1000', PROVDATA_LOGIN_RATE_PER_MINUTE: '100000' });
      session = await p.login();
      const doc = (await p.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> }; security?: unknown[] }>> };
      routes = [];
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
          routes.push({ method: method.toUpperCase(), path, schema: op.requestBody?.content?.['application/json']?.schema, isPublic: Array.isArray(op.security) && op.security.length === 0 });
        }
      }
      const key = await p.app.inject({ method: 'POST', url: '/api/apikeys', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, payload: { name: 'fuzz' } });
      apiKey = (key.json() as { key: string }).key;
      // Targets for path parameters: a victim user and key (never the admin or the fuzzing key, whose loss would end the run early).
      const victim = await p.app.inject({ method: 'POST', url: '/api/users', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, payload: { username: 'fuzz.victim', displayName: 'Victim', orgId: 'so-y-te', role: 'viewer' } });
      const victimKey = await p.app.inject({ method: 'POST', url: '/api/apikeys', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, payload: { name: 'victim' } });
      ids = [(victim.json() as { user: { id: string } }).user.id, (victimKey.json() as { apiKey: { id: string } }).apiKey.id, '00000000-0000-4000-8000-000000000000', 'so-y-te', 'xa-21553', 'not-a-uuid', '%00', 'x'.repeat(600), '..%2F..%2Fetc', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ', '%E0%A4%A'];
    });
    after(() => p.close());

    async function send(route: Route, r: Rng, auth: 'cookie' | 'apikey', caseNo: number, failures: Failure[]) {
      const body = randomBody(r, route.schema);
      const url = route.path.replace(/\{[^}]+\}/g, () => r.pick(ids)) + r.pick(QUERIES);
      const odd = r.chance(0.4) ? oddHeaders(r) : { label: 'plain', headers: {} as Record<string, string> };
      const creds: Record<string, string> = auth === 'cookie' ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : { authorization: `Bearer ${apiKey}` };
      const headers: Record<string, string> = { ...(odd.replacesCredentials ? {} : creds), ...odd.headers };
      if (body.contentType) headers['content-type'] = body.contentType;
      const res = await p.app.inject({ method: route.method as 'POST', url, headers, ...(body.payload !== undefined ? { payload: body.payload } : {}) });
      const why = judge(res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
      if (why) failures.push({ case: `#${caseNo} ${auth} ${route.method} ${url.slice(0, 120)} body=${body.label} headers=${odd.label}`, status: res.statusCode, why, body: res.body.slice(0, 300) });
      // Logout and password resets end sessions; log in again so the fuzz keeps reaching the handlers.
      if (auth === 'cookie' && !odd.replacesCredentials && res.statusCode === 401 && (res.json() as { code?: string }).code === 'UNAUTHENTICATED') {
        session = await p.login();
        relogins++;
      }
      return res.statusCode;
    }

    test('the document lists the write routes to fuzz', () => {
      assert.ok(routes.some((x) => x.method === 'POST' && x.path === '/api/orgs'));
      assert.ok(routes.some((x) => x.method === 'DELETE'));
      assert.ok(routes.length >= 8, `only ${routes.length} write routes`);
    });

    test('no random or malformed request to a write route causes a 5xx, a non-problem refusal or a leak (admin session)', async () => {
      const r = prng(SEED);
      const failures: Failure[] = [];
      const statuses = new Map<number, number>();
      let n = 0;
      for (const route of routes) {
        if (route.path === '/api/auth/login') continue; // its own fuzz below
        for (let i = 0; i < CASES_PER_ROUTE; i++) {
          const s = await send(route, r, 'cookie', n++, failures);
          statuses.set(s, (statuses.get(s) ?? 0) + 1);
        }
      }
      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${n} requests broke the rules (seed ${SEED}):\n${summary(failures)}\nfirst cases`);
      // The fuzz must reach past the validator: some requests succeed and some are validation failures.
      assert.ok([...statuses.keys()].some((s) => s < 300), `no request succeeded: ${JSON.stringify([...statuses])}`);
      assert.ok(statuses.has(400), 'no validation failure at all');
      assert.ok(relogins < n / 4, `${relogins} re-logins: the session kept dying, the fuzz mostly hit 401`);
    });

    test('no random or malformed request to a write route causes a 5xx, a non-problem refusal or a leak (API key)', async () => {
      const r = prng(SEED ^ 0x5bd1e995);
      const failures: Failure[] = [];
      let n = 0;
      let authorised = 0;
      for (const route of routes) {
        if (route.path === '/api/auth/login') continue;
        for (let i = 0; i < API_KEY_CASES_PER_ROUTE; i++) {
          const s = await send(route, r, 'apikey', n++, failures);
          if (s !== 401) authorised++;
        }
      }
      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${n} requests broke the rules (seed ${SEED}):\n${summary(failures)}\nfirst cases`);
      assert.ok(authorised > n / 2, `the API key was refused too often (${authorised}/${n})`);
    });

    test('login answers every malformed attempt with a catalogue problem and never a session', async () => {
      const r = prng(SEED ^ 0x1234567);
      const login: Route = { method: 'POST', path: '/api/auth/login', isPublic: true, schema: { type: 'object', properties: { username: { type: 'string', maxLength: 64 }, password: { type: 'string', maxLength: 256 } }, required: ['username', 'password'] } };
      const failures: Failure[] = [];
      for (let i = 0; i < CASES_PER_ROUTE; i++) {
        const body = randomBody(r, login.schema);
        const odd = r.chance(0.5) ? oddHeaders(r) : { label: 'plain', headers: {} as Record<string, string> };
        const headers: Record<string, string> = { ...odd.headers };
        if (body.contentType) headers['content-type'] = body.contentType;
        const res = await p.app.inject({ method: 'POST', url: '/api/auth/login' + r.pick(QUERIES), headers, ...(body.payload !== undefined ? { payload: body.payload } : {}) });
        const why = judge(res.statusCode, String(res.headers['content-type'] ?? ''), res.body) ?? (res.headers['set-cookie'] ? 'a malformed login opened a session' : null);
        if (why) failures.push({ case: `#${i} login body=${body.label} headers=${odd.label}`, status: res.statusCode, why, body: res.body.slice(0, 300) });
      }
      assert.deepEqual(failures.slice(0, 10), [], `${failures.length} login attempts broke the rules (seed ${SEED}):\n${summary(failures)}\nfirst cases`);
      // The admin can still log in: the fuzz neither locked nor broke the account.
      await p.login();
    });
  });
}
