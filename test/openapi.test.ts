/**
 * The OpenAPI document is the contract: it must list every route, and every route it does not mark
 * public must refuse anonymous callers. Enumerating the document (rather than a hand-kept list)
 * means a new route that forgets its permission is caught the day it lands.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { operations, type OpenApiDoc, type Operation } from './support/openapi.js';
import { testPlatform, type TestPlatform } from './support/platform.js';

const WEB_DIST = fileURLToPath(new URL('../web/dist/', import.meta.url));
const isPublic = (op: Operation) => op['x-public'] === true || (Array.isArray(op.security) && op.security.length === 0);

/** A value for a path parameter that passes its schema: a UUID unless the schema asks for digits. */
function plausible(name: string, schema: Record<string, unknown> | undefined): string {
  const pattern = typeof schema?.pattern === 'string' ? new RegExp(schema.pattern) : null;
  for (const candidate of ['00000000-0000-4000-8000-000000000000', '21553', 'so-khcn', `x${name}`]) {
    if (!pattern || pattern.test(candidate)) return candidate;
  }
  throw new Error(`no plausible value for path parameter ${name} (${String(schema?.pattern)})`);
}

function fillPath(p: string, op: Operation): string {
  return p.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const param = op.parameters?.find((x) => x.in === 'path' && x.name === name);
    return encodeURIComponent(plausible(name, param?.schema));
  });
}

/**
 * Parses `printRoutes({ commonPrefix: false })` into METHOD + path pairs. Each tree level is
 * indented by four characters; a node's path is its ancestors' segments followed by its own.
 */
export function registeredRoutes(tree: string): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:├── |└── )(\S+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const full = stack.join('').replace(/\/+/g, '/');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push({ method, path: full });
  }
  return out;
}

/** URL paths of the built web client's files, which fastify-static registers one route each. */
function staticFiles(): Set<string> {
  const files = new Set<string>();
  if (!existsSync(WEB_DIST)) return files;
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else files.add('/' + path.relative(WEB_DIST, p).split(path.sep).join('/'));
    }
  };
  walk(WEB_DIST);
  if (files.has('/index.html')) files.add('/');
  return files;
}

/** Routes deliberately left out of the document: the docs UI, the document itself, the SPA fallback, static files. */
function hidden(route: { path: string }, statics: Set<string>): boolean {
  return route.path === '/' || route.path === '/api/docs' || route.path.startsWith('/api/docs/') || route.path === '/api/openapi.json' || route.path === '/*' || statics.has(route.path);
}

describe('OpenAPI document and the anonymous caller', () => {
  let p: TestPlatform;
  let doc: OpenApiDoc;
  before(async () => {
    p = await testPlatform('pglite');
    const r = await p.app.inject({ url: '/api/openapi.json' });
    assert.equal(r.statusCode, 200, r.body);
    doc = r.json() as OpenApiDoc;
  });
  after(() => p.close());

  test('the document is OpenAPI 3.1 and served to anonymous callers', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.ok(operations(doc).length >= 15, `only ${operations(doc).length} operations`);
  });

  test('the route parser sees known routes, so the completeness check below is not vacuous', () => {
    const routes = registeredRoutes(p.app.printRoutes({ commonPrefix: false }));
    for (const r of [{ method: 'POST', path: '/api/auth/login' }, { method: 'PATCH', path: '/api/users/:id' }, { method: 'POST', path: '/api/users/:id/password' }, { method: 'GET', path: '/*' }]) {
      assert.ok(routes.some((x) => x.method === r.method && x.path === r.path), `${r.method} ${r.path} not parsed`);
    }
  });

  test('every route registered in Fastify is in the document, except the hidden ones', () => {
    const documented = new Set(operations(doc).map((o) => `${o.method} ${o.path}`));
    const statics = staticFiles();
    const registered = registeredRoutes(p.app.printRoutes({ commonPrefix: false }));
    const byPath = new Map<string, Set<string>>();
    for (const r of registered) byPath.set(r.path, (byPath.get(r.path) ?? new Set()).add(r.method));
    const missing: string[] = [];
    for (const r of registered) {
      if (hidden(r, statics)) continue;
      // Fastify adds a HEAD twin to every GET; the document lists the GET.
      if (r.method === 'HEAD' && byPath.get(r.path)!.has('GET')) continue;
      const openapiPath = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      if (!documented.has(`${r.method} ${openapiPath}`)) missing.push(`${r.method} ${r.path}`);
    }
    assert.deepEqual(missing, [], 'routes missing from /api/openapi.json');
    // And the other way: nothing documented that Fastify does not serve.
    const served = new Set(registered.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`));
    assert.deepEqual([...documented].filter((d) => !served.has(d)), []);
  });

  test('every operation not marked public refuses an anonymous caller with 401 UNAUTHENTICATED problem+json', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { method, path: p0, op } of operations(doc)) {
      if (isPublic(op)) continue;
      checked++;
      const url = fillPath(p0, op);
      // No body at all: authentication comes before validation, so an anonymous caller learns nothing of the schema.
      for (const payload of [undefined, {}]) {
        if (payload !== undefined && (method === 'GET' || method === 'DELETE')) continue;
        const r = await p.app.inject({ method: method as 'GET', url, ...(payload ? { payload } : {}) });
        const type = String(r.headers['content-type'] ?? '');
        const code = type.includes('json') ? (r.json() as { code?: string }).code : undefined;
        if (r.statusCode !== 401 || !type.startsWith('application/problem+json') || code !== 'UNAUTHENTICATED') {
          failures.push(`${method} ${url} ${payload ? 'with {}' : 'without body'} → ${r.statusCode} ${type} ${code ?? r.body.slice(0, 80)}`);
        }
      }
    }
    assert.ok(checked >= 8, `only ${checked} protected operations found`);
    assert.deepEqual(failures, []);
  });

  test('every public operation answers an anonymous caller without 401 or a server error', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { method, path: p0, op } of operations(doc)) {
      if (!isPublic(op)) continue;
      checked++;
      const query = op.parameters?.some((x) => x.name === 'lon') ? '?lon=108.0&lat=13.98' : '';
      const body = p0 === '/api/auth/login' ? { username: 'nobody', password: 'not-the-password' } : undefined;
      const r = await p.app.inject({ method: method as 'GET', url: fillPath(p0, op) + query, ...(body ? { payload: body } : {}) });
      // Login, and the developer-key routes that authenticate by the key itself, document their 401.
      if (r.statusCode === 401 && p0 !== '/api/auth/login' && !op.responses?.['401']) failures.push(`${method} ${p0} → 401`);
      if (r.statusCode >= 500) failures.push(`${method} ${p0} → ${r.statusCode}`);
    }
    assert.ok(checked >= 5, `only ${checked} public operations found`);
    assert.deepEqual(failures, []);
  });

  test('the docs UI is served to anonymous callers as HTML whose scripts and styles are all same-origin', async () => {
    let r = await p.app.inject({ url: '/api/docs' });
    for (let hops = 0; r.statusCode >= 300 && r.statusCode < 400 && hops < 3; hops++) {
      r = await p.app.inject({ url: new URL(String(r.headers.location), 'http://localhost/api/docs').pathname });
    }
    assert.equal(r.statusCode, 200, `${r.statusCode} ${r.body.slice(0, 200)}`);
    assert.match(String(r.headers['content-type']), /text\/html/);
    const urls = [...r.body.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
    assert.ok(urls.length > 0, 'no script or link found in the docs page');
    const foreign = urls.filter((u) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(u) && !/^https?:\/\/localhost[:/]/i.test(u));
    assert.deepEqual(foreign, [], 'the docs page loads assets from another origin (CDN)');
    // Each of those same-origin assets is actually served, anonymously.
    for (const u of urls) {
      const asset = await p.app.inject({ url: new URL(u, 'http://localhost/api/docs/').pathname });
      assert.equal(asset.statusCode, 200, `${u} → ${asset.statusCode}`);
    }
  });

  test('a refusal on the docs routes is problem+json like every other route', async () => {
    const r = await p.app.inject({ url: '/api/docs/static/does-not-exist.js' });
    assert.ok(r.statusCode >= 400 && r.statusCode < 500, String(r.statusCode));
    assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
  });
});
