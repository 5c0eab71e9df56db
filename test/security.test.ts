/**
 * No read route hands out what the access rules keep back. The test reads the OpenAPI document the
 * server serves, calls EVERY GET operation (and the read-only POSTs) with real ids of agency A's
 * `shared`, `private` and `open` datasets, their ingest runs and uploads, as
 *   (a) a signed-in analyst of agency B (who may see A's shared dataset in the catalogue, but not its
 *       rows outside an LDOP agreement, and A's open dataset's phone column only masked), and
 *   (b) a viewer of agency A (who reads A's rows, but personal columns only masked),
 * and looks for every value they may not read in the body, the headers (cursors, ETags,
 * Content-Disposition, URL- and base64-decoded), error messages, CSV, and the XML inside XLSX files.
 *
 * A route it cannot fill is listed in NOT_FILLED with the reason, and every write is listed in WRITES,
 * so a new route fails this test until someone decides how it is covered.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import JSZip from 'jszip';
import { CKAN_ACTIONS } from '../src/modules/opendata/index.js';
import { AGENCY_A, AGENCY_B, countIndicator, loadAccessFixture, OPEN, PRIVATE, SHARED, USERS, type Fixture } from './support/access-fixture.js';
import { operations, type OpenApiDoc, type Operation } from './support/openapi.js';
import { engines, testPlatform, type TestPlatform } from './support/platform.js';

/** GET operations this test does not call, and why. */
const NOT_FILLED: Record<string, string> = {
  'GET /ldop/v1/{member}/{subsystem}/{service}':
    'the LDOP gateway authenticates subsystems (API key or mTLS certificate of an agreement), not users: a user session gets 401; '
    + 'what it serves under an agreement is tested in src/modules/sharing/gateway.test.ts',
};

/** POSTs that only read: called like the GETs. */
const READ_ONLY_POSTS = new Set(['POST /api/dictionary/match', 'POST /api/3/action/{action}', 'POST /api/action/{action}', 'POST /api/indicators/query']);

/** Every other non-GET operation changes state: not a read route. A new one must be sorted here or above. */
const WRITES = new Set([
  'POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/orgs', 'PATCH /api/orgs/{id}', 'POST /api/users', 'PATCH /api/users/{id}',
  'POST /api/users/{id}/password', 'POST /api/apikeys', 'DELETE /api/apikeys/{id}', 'POST /api/dictionary/elements', 'PATCH /api/dictionary/elements/{code}',
  'POST /api/dictionary/elements/{code}/review', 'POST /api/dictionary/elements/{code}/approve', 'POST /api/dictionary/elements/{code}/deprecate',
  'PUT /api/dictionary/code-lists/{code}', 'POST /api/catalog/datasets', 'PATCH /api/catalog/datasets/{idOrSlug}', 'PUT /api/catalog/datasets/{idOrSlug}/schema',
  'POST /api/dictionary/elements/import', 'POST /api/uploads', 'POST /api/ingest/runs', 'POST /api/ldop/subsystems', 'PATCH /api/ldop/subsystems/{id}',
  'POST /api/ldop/subsystems/{id}/keys', 'DELETE /api/ldop/subsystems/{id}/keys/{keyId}', 'POST /api/ldop/subsystems/{id}/certificates',
  'DELETE /api/ldop/subsystems/{id}/certificates/{keyId}', 'POST /api/ldop/services', 'POST /api/ldop/agreements', 'PUT /api/ldop/agreements/{id}',
  'POST /api/ldop/agreements/{id}/approve', 'POST /api/ldop/agreements/{id}/reject', 'POST /api/ldop/agreements/{id}/request-changes',
  'POST /api/ldop/agreements/{id}/revoke', 'POST /api/ldop/checkpoints', 'POST /api/ldop/webhooks', 'DELETE /api/ldop/webhooks/{id}',
  'POST /api/notifications/{id}/read', 'PUT /api/sync/targets/{code}', 'POST /api/sync/connectors', 'PATCH /api/sync/connectors/{id}',
  'DELETE /api/sync/connectors/{id}', 'POST /api/sync/connectors/{id}/push', 'POST /api/sync/dead-letters/{id}/retry', 'POST /api/sync/dead-letters/{id}/discard',
  'POST /api/opendata/datasets/{dataset}/proposals', 'POST /api/opendata/publications/{id}/approve', 'POST /api/opendata/publications/{id}/reject',
  'POST /api/opendata/datasets/{dataset}/unpublish', 'POST /api/opendata/developers/keys', 'DELETE /api/opendata/developers/keys/self',
  'POST /api/opendata/developers/keys/{id}/revoke', 'POST /api/opendata/apps', 'POST /api/opendata/apps/{id}/review', 'POST /api/users/{id}/unlock',
  'POST /api/strategy/targets/{code}/updates', 'POST /api/strategy/tasks/{code}/updates', 'POST /api/strategy/databases/{code}/updates',
  'POST /api/strategy/projects/{code}/updates', 'POST /api/indicators', 'POST /api/iot/sensors', 'POST /api/iot/sensors/{id}/readings',
]);

/** Query strings to try on a route beyond its required parameters: the ways a value could be guessed or echoed. */
const EXTRA_QUERIES: Record<string, string[]> = {
  'GET /api/datasets/{dataset}/rows': ['', 'q=0793', 'q=0905', 'sort=so_cccd:desc', 'sort=dien_thoai:asc', 'fields=so_cccd,ho_ten', 'limit=1'],
  'GET /api/datasets/{dataset}/diff': ['from=1&to=2', 'from=2&to=1&limit=1'],
  'GET /api/catalog/datasets': ['', 'q=Chiasẻ', 'q=0793'],
};

const DATASETS = [SHARED, PRIVATE, OPEN];

interface Caller {
  name: string;
  headers: Record<string, string>;
  /** Values this caller may not read anywhere. */
  forbidden: string[];
}

for (const engine of engines()) {
  describe(`no read route leaks rows or masked values (${engine})`, () => {
    let p: TestPlatform;
    let fx: Fixture;
    let doc: OpenApiDoc;
    let admin: Record<string, string>;
    const callers: Caller[] = [];

    before(async () => {
      p = await testPlatform(engine);
      fx = await loadAccessFixture(p);
      doc = (await p.app.inject({ url: '/api/openapi.json' })).json();
      const session = async (u: { username: string; password: string }) => {
        const s = await p.login(u.username, u.password);
        return { cookie: s.cookie, 'x-csrf-token': s.csrf };
      };
      admin = await session({ username: 'admin', password: (await import('./support/platform.js')).ADMIN_PASSWORD });
      callers.push({
        name: 'analyst of agency B', headers: await session(USERS.analystB),
        forbidden: [...SHARED.personal, ...SHARED.other, ...PRIVATE.personal, ...PRIVATE.other, ...OPEN.personal],
      });
      // Indicators publish aggregates to every dashboard reader: B's steward tries one grouping A's shared
      // dataset by name, A's steward one grouping A's private dataset by CCCD. Both must be refused;
      // the sweep queries them either way, so an accepted one shows up as a leak.
      const stewards = { A: await session(USERS.stewardA), B: await session(USERS.stewardB) };
      for (const [who, def] of [['B', countIndicator('kt_b_chia_se', SHARED.slug, AGENCY_B, 'ho_ten')], ['A', countIndicator('kt_a_rieng', PRIVATE.slug, AGENCY_A, 'so_cccd')]] as const) {
        await p.app.inject({ method: 'POST', url: '/api/indicators', headers: stewards[who], payload: def });
        indicatorQueries.push({ measures: [def.code], dimensions: ['nhom'] });
      }
      callers.push({ name: 'viewer of agency A', headers: await session(USERS.viewerA), forbidden: [...SHARED.personal, ...PRIVATE.personal, ...OPEN.personal] });
    });
    after(() => p.close());

    /** Queries of the indicators defined over the fixture's datasets, by their dimension. */
    const indicatorQueries: Record<string, unknown>[] = [];

    /** Ids of a collection, listed by an administrator (real ids, whatever the collection holds). */
    const listed = async (url: string, field = 'id'): Promise<string[]> => {
      const r = await p.app.inject({ url, headers: admin });
      if (r.statusCode !== 200) return [];
      const body = r.json() as unknown;
      const items = Array.isArray(body) ? body : ((body as { items?: unknown[] }).items ?? []);
      return items.map((x) => String((x as Record<string, unknown>)[field])).filter((x) => x !== 'undefined').slice(0, 3);
    };

    /** Real values for a path parameter, or null when this test does not know how to fill it. */
    async function valuesFor(path: string, name: string): Promise<string[] | null> {
      const slugsAndIds = DATASETS.flatMap((d) => [d.slug, fx.ids[d.slug]!]);
      if (name === 'dataset' || name === 'idOrSlug') return slugsAndIds;
      if (name === 'action') return [...CKAN_ACTIONS];
      if (name === 'format') return ['csv', 'json', 'xlsx', 'geojson'];
      if (name === 'code') {
        if (path.startsWith('/api/geo/units/')) return listed('/api/geo/units', 'code');
        if (path.startsWith('/api/dictionary/elements/')) return ['so_cccd', 'so_dien_thoai'];
        if (path.startsWith('/api/dictionary/code-lists/')) return ['communes'];
        if (path.startsWith('/api/sync/targets/')) return listed('/api/sync/targets', 'code');
        if (path.startsWith('/api/indicators/')) return listed('/api/indicators', 'code');
        const strategy = /^(\/api\/strategy\/[a-z]+)\/\{code\}/.exec(path)?.[1];
        if (strategy) return listed(strategy, 'code');
        return null;
      }
      if (name === 'id') {
        if (path.startsWith('/api/orgs/')) return [AGENCY_A];
        if (path.startsWith('/api/uploads/')) return DATASETS.flatMap((d) => fx.runs[d.slug]!.map((r) => r.uploadId));
        if (path.startsWith('/api/ingest/runs/')) return DATASETS.flatMap((d) => fx.runs[d.slug]!.map((r) => r.runId));
        const collection = /^(\/api\/(?:ldop|sync|iot)\/[a-z-]+)\/\{id\}/.exec(path)?.[1];
        if (collection) {
          const ids = await listed(collection);
          // An empty collection still gets called, with an id that exists nowhere (the refusal must not leak either).
          return ids.length ? ids : ['00000000-0000-4000-8000-000000000000'];
        }
        return null;
      }
      return null;
    }

    /** Required query parameters, filled from the fixture. */
    function requiredQuery(op: Operation, slug: string): string {
      const q = new URLSearchParams();
      for (const prm of op.parameters ?? []) {
        if (prm.in !== 'query' || !prm.required) continue;
        if (prm.name === 'dataset') q.set('dataset', slug);
        else if (prm.name === 'from') q.set('from', '1');
        else if (prm.name === 'to') q.set('to', '2');
        else if (prm.name === 'lon') q.set('lon', '108.0');
        else if (prm.name === 'lat') q.set('lat', '14.0');
        else if (prm.name === 'quantity') q.set('quantity', 'pm25');
        else throw new Error(`no value for the required query parameter ${prm.name}`);
      }
      return q.toString();
    }

    test('every operation of the document is either called below, listed as not fillable with a reason, or a write', async () => {
      const unsorted: string[] = [];
      for (const { method, path, op } of operations(doc)) {
        const key = `${method} ${path}`;
        if (method === 'GET' || READ_ONLY_POSTS.has(key)) {
          if (NOT_FILLED[key]) continue;
          for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
            if (!(await valuesFor(path, name))) unsorted.push(`${key}: no value for {${name}}`);
          }
          void op;
        } else if (!WRITES.has(key)) {
          unsorted.push(`${key}: neither a write nor a read-only POST`);
        }
      }
      for (const key of [...Object.keys(NOT_FILLED), ...READ_ONLY_POSTS, ...WRITES]) {
        const [method, path] = key.split(' ') as [string, string];
        if (!doc.paths[path]?.[method.toLowerCase() as 'get']) unsorted.push(`${key}: listed here but not in the document`);
      }
      assert.deepEqual(unsorted, []);
    });

    test('as another agency and as a viewer of the owning agency, no read route returns a row value or a clear masked value', async () => {
      const leaks: string[] = [];
      const failures: string[] = [];
      let calls = 0;
      for (const { method, path, op } of operations(doc)) {
        const key = `${method} ${path}`;
        if (!(method === 'GET' || READ_ONLY_POSTS.has(key)) || NOT_FILLED[key]) continue;
        const urls = await expand(path, op, key);
        for (const caller of callers) {
          for (const { url, body } of urls) {
            const r = await p.app.inject({
              method: method as 'GET' | 'POST', url, headers: caller.headers, ...(body ? { payload: body } : {}),
            });
            calls++;
            if (r.statusCode >= 500) failures.push(`${caller.name} ${method} ${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
            const text = await exposedText(r);
            for (const v of caller.forbidden) if (text.includes(v.normalize('NFC'))) leaks.push(`${caller.name} ${method} ${url}: ${v}`);
          }
        }
      }
      assert.deepEqual(failures, []);
      assert.deepEqual(leaks, []);
      assert.ok(calls > 300, `only ${calls} calls: the enumeration is not exercising the routes`);
    });

    test('the sweep is not vacuous: the same scan finds the values where the rules let them through', async () => {
      const analystA = await p.login(USERS.analystA.username, USERS.analystA.password);
      const clear = await exposedText(await p.app.inject({ url: `/api/datasets/${SHARED.slug}/diff?from=1&to=2`, headers: { cookie: analystA.cookie } }));
      assert.ok(clear.includes('079301000222') && clear.includes('CHIASE-BA'));
      const rejects = await exposedText(await p.app.inject({ url: `/api/ingest/runs/${fx.runs[PRIVATE.slug]![0]!.runId}/rejects.csv`, headers: { cookie: analystA.cookie } }));
      assert.ok(rejects.includes('0793020009XY'), rejects);
    });

    /** The concrete calls of one operation: every real value of its path parameters, with its query variants. */
    async function expand(path: string, op: Operation, key: string): Promise<{ url: string; body?: Record<string, string> }[]> {
      let partial: { url: string; slug: string }[] = [{ url: path, slug: SHARED.slug }];
      for (const name of [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!)) {
        const values = (await valuesFor(path, name))!;
        partial = partial.flatMap((u) => values.map((v) => ({
          url: u.url.replace(`{${name}}`, encodeURIComponent(v)),
          slug: DATASETS.find((d) => d.slug === v || fx.ids[d.slug] === v)?.slug ?? u.slug,
        })));
      }
      const out: { url: string; body?: Record<string, string> }[] = [];
      for (const u of partial) {
        const slugs = path.includes('{dataset}') || path.includes('{idOrSlug}') ? [u.slug] : DATASETS.map((d) => d.slug);
        for (const slug of (op.parameters ?? []).some((x) => x.in === 'query' && x.name === 'dataset') ? slugs : [u.slug]) {
          const required = requiredQuery(op, slug);
          if (path.includes('{action}')) {
            // CKAN: every action with every dataset as package, resource and search text.
            const params = { id: slug, resource_id: fx.ids[slug]!, q: 'Chiasẻ', limit: '5' };
            out.push(key.startsWith('POST') ? { url: u.url, body: params } : { url: `${u.url}?${new URLSearchParams(params)}` });
            continue;
          }
          for (const extra of EXTRA_QUERIES[key] ?? ['']) {
            const qs = [required, extra].filter(Boolean).join('&');
            out.push({ url: qs ? `${u.url}?${qs}` : u.url });
          }
          if (key === 'POST /api/dictionary/match') out[out.length - 1]!.body = { headers: 'Số CCCD' } as never;
          if (key === 'POST /api/indicators/query') {
            out.pop();
            for (const q of indicatorQueries) out.push({ url: u.url, body: q as never });
          }
        }
      }
      // One call per distinct URL and body.
      return [...new Map(out.map((o) => [`${o.url} ${JSON.stringify(o.body ?? null)}`, o])).values()];
    }
  });
}

/**
 * Everything a response exposes, as text: the body (and the XML parts of a zip such as XLSX), every
 * header, their URL-decoded forms, and base64/base64url tokens decoded (cursors, ETags, tokens), with
 * XML character references resolved and NFC applied, so that a value is found however it was encoded.
 */
async function exposedText(r: { rawPayload: Buffer; headers: Record<string, unknown> }): Promise<string> {
  const parts: string[] = [];
  const raw = r.rawPayload;
  if (raw.length > 4 && raw[0] === 0x50 && raw[1] === 0x4b) {
    const zip = await JSZip.loadAsync(raw);
    for (const f of Object.values(zip.files)) if (!f.dir) parts.push(await f.async('string'));
  } else {
    parts.push(raw.toString('utf8'));
  }
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  parts.push(...headers);
  for (const h of headers) {
    try {
      parts.push(decodeURIComponent(h));
    } catch {
      // not URL-encoded
    }
  }
  const tokenSource = [...headers, ...parts.slice(0, 1).map((b) => b.slice(0, 200_000))].join('\n');
  let tokens = 0;
  for (const m of tokenSource.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    if (++tokens > 5000) break;
    for (const enc of ['base64', 'base64url'] as const) parts.push(Buffer.from(m[0], enc).toString('utf8'));
  }
  return parts
    .join('\n')
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .normalize('NFC');
}
