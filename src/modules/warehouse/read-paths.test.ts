import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM } from '../../core/auth/index.js';
import type { Db } from '../../core/db/index.js';
import { AppError } from '../../core/errors.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { WarehouseService } from './index.js';

// Every query shape the gateway, the rows API, CKAN's datastore_search and the portal's preview send
// for a lookup by key or an equality filter, captured as they are sent (SQL and bound parameters) and
// EXPLAINed on a dataset of more than 10,000 rows: none may read the dataset table sequentially.
const SLUG = 'rp-co-so-san-xuat';
const ROWS = 12_000;
const COLUMNS = [
  { name: 'ma_ho', title: 'Mã hộ', type: 'text', key: true, codeList: null },
  { name: 'ma_xa', title: 'Mã xã/phường', type: 'text', key: false, codeList: 'communes' },
  { name: 'ten_co_so', title: 'Tên cơ sở', type: 'text', key: false, codeList: null },
  { name: 'nam', title: 'Năm', type: 'integer', key: false, codeList: null },
  { name: 'dien_tich', title: 'Diện tích (ha)', type: 'number', key: false, codeList: null },
] as const;
const NAMES = ['Hợp tác xã Cà phê', 'Tổ hợp tác Hồ tiêu', 'Cơ sở Mía đường', 'Hợp tác xã Rau sạch', 'Cơ sở Dệt thổ cẩm', 'Tổ hợp tác Sầu riêng'];
const key = (i: number) => `H${String(i).padStart(6, '0')}`;

interface Captured {
  sql: string;
  params: unknown[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Nodes of a plan that read `table` sequentially. */
function seqScans(node: PlanNode, table: string): string[] {
  const here = node['Node Type'] === 'Seq Scan' && node['Relation Name'] === table ? [`Seq Scan on ${table}`] : [];
  return [...here, ...(node.Plans ?? []).flatMap((n) => seqScans(n, table))];
}

for (const engine of engines()) {
  describe(`read paths of a large dataset use its indexes (${engine})`, () => {
    let p: TestPlatform;
    let datasetId: string;
    let table: string;
    let resourceId: string;
    let communes: string[];
    let gatewayPath: string;
    let ldopKey: string;
    let cookie: string;
    let afterLoad: { indexes: string[]; stats: number };
    const captured: Captured[] = [];
    let capturing = false;

    /** Runs `call` and returns the statements it sent that read the dataset table. */
    const capture = async (call: () => Promise<unknown>): Promise<Captured[]> => {
      captured.length = 0;
      capturing = true;
      try {
        await call();
      } finally {
        capturing = false;
      }
      return captured.filter((c) => c.sql.includes(table.split('.')[1]!) && !/pg_index|pg_attribute|to_regclass/.test(c.sql)).map((c) => ({ ...c }));
    };
    const explain = async (c: Captured): Promise<string[]> => {
      const r = await p.db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${c.sql}`, c.params);
      const raw = r.rows[0]!['QUERY PLAN'];
      const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
      return seqScans(plan[0]!.Plan, table.split('.')[1]!);
    };
    const get = async (url: string, headers: Record<string, string> = {}) => {
      const r = await p.app.inject({ url, headers });
      assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
      return r;
    };

    before(async () => {
      // Large from 10,000 rows: every shape below must also pass the refusal of unindexed reads.
      p = await testPlatform(engine, { PROVDATA_LARGE_DATASET_ROWS: '10000' });
      communes = (await p.geo.list()).filter((u) => u.level === 'commune').map((u) => u.code).sort();
      await p.catalog.createDataset(SYSTEM, {
        slug: SLUG, title: 'Hộ sản xuất nông nghiệp', publisherOrgId: 'so-nn-mt', access: 'open', licence: 'CC-BY-4.0', themes: ['nong-nghiep'], keywords: ['hộ sản xuất'],
        columns: COLUMNS.map((c) => ({ ...c, elementCode: null, required: c.key, unit: null, rules: {} })),
      });
      const lines = ['Mã hộ,Mã xã/phường,Tên cơ sở,Năm,Diện tích (ha)'];
      for (let i = 0; i < ROWS; i++) lines.push(`${key(i)},${communes[i % communes.length]},${NAMES[i % NAMES.length]} ${i},${2015 + (i % 10)},${(i % 400) / 10}`);
      const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(lines.join('\n') + '\n')]), { filename: `${SLUG}.csv`, contentType: 'text/csv' });
      const run = await p.ingest.ingest(SYSTEM, { dataset: SLUG, uploadId: u.id, mode: 'replace', validRowsOnly: false });
      assert.equal(run.status, 'loaded', JSON.stringify(run.rejects?.slice(0, 3)));
      const ds = await p.catalog.getDataset(SYSTEM, SLUG);
      datasetId = ds.id;
      table = `wh.ds_${datasetId.replace(/-/g, '')}`;
      // What the load alone left (publishing and the agreement add indexes of their own below).
      afterLoad = {
        indexes: (await p.db.query<{ def: string }>('SELECT indexdef AS def FROM pg_indexes WHERE schemaname = $1 AND tablename = $2', ['wh', table.split('.')[1]])).rows.map((r) => r.def),
        stats: Number((await p.db.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_stats WHERE schemaname = $1 AND tablename = $2', ['wh', table.split('.')[1]])).rows[0]!.n),
      };

      // CKAN: publish (queues the query indexes) and run the jobs.
      const pub = await p.opendata.propose(SYSTEM, SLUG);
      assert.equal(pub.state, 'pending', JSON.stringify(pub.scan.findings));
      await p.opendata.approve(SYSTEM, pub.id);
      resourceId = (await p.db.query<{ id: string }>("SELECT id::text AS id FROM opendata_resources WHERE dataset_id = $1::uuid AND format = 'CSV'", [datasetId])).rows[0]!.id;

      // LDOP: the dataset's read service, a consumer and an agreement limited to ten communes.
      await p.sharing.exposeDataset(ds);
      const consumer = await p.sharing.createSubsystem(SYSTEM, { orgId: 'so-y-te', code: 'rp-yte', name: 'Hệ thống y tế' });
      ldopKey = (await p.sharing.createKey(SYSTEM, consumer.id, { name: 'rp' })).key;
      const service = (await p.sharing.listServices(SYSTEM, { q: SLUG })).items.find((i) => i.service.code === `dataset:${SLUG}`)!.service;
      const agreement = await p.sharing.requestAgreement(SYSTEM, {
        consumerSubsystemId: consumer.id, serviceId: service.id, fields: COLUMNS.map((c) => c.name), clearFields: [], purpose: 'Kiểm tra chỉ mục', legalBasis: 'Kiểm thử',
        rowFilter: [{ column: 'ma_xa', op: 'in', value: communes.slice(0, 10) }],
        validFrom: new Date(Date.now() - 60_000).toISOString(), validTo: new Date(Date.now() + 86_400_000).toISOString(), dailyRowLimit: 1_000_000,
      });
      await p.sharing.approve(SYSTEM, agreement.id, {});
      gatewayPath = `/ldop/v1/so-nn-mt/kho-du-lieu/dataset:${SLUG}`;
      await p.jobs.drain();
      const failed = await p.db.query<{ queue: string; last_error: string | null }>("SELECT queue, last_error FROM jobs WHERE status NOT IN ('done') AND queue IN ('opendata:query-indexes', 'ldop:access-indexes')");
      assert.deepEqual(failed.rows, [], 'the index jobs ran');

      cookie = (await p.login()).cookie;

      // Version 2 changes two households: version 1 stays readable as of its number.
      await p.db.transaction((tx) =>
        p.warehouse.load(tx, {
          datasetId, columns: COLUMNS.map((c) => ({ name: c.name, type: c.type })), keyColumns: ['ma_ho'], mode: 'upsert', createdBy: null,
          rows: Readable.from([5, 11_999].map((i) => ({ line: i + 2, values: { ma_ho: key(i), ma_xa: communes[0], ten_co_so: 'Đã đổi', nam: 2025, dien_tich: 1 } }))),
        }),
      );

      const db = p.db as Db & { query: Db['query'] };
      const original = db.query.bind(db);
      db.query = ((sql: string, params?: readonly unknown[]) => {
        if (capturing) captured.push({ sql, params: [...(params ?? [])] });
        return original(sql, params);
      }) as Db['query'];
    });
    after(() => p.close());

    test('the load analysed the table and built the key index (b-tree on the key column, carrying the version range)', async () => {
      assert.ok(afterLoad.indexes.some((d) => /\(ma_ho\) INCLUDE \(_version_from, _version_to\)/.test(d)), afterLoad.indexes.join('\n'));
      assert.ok(afterLoad.stats > 0, 'statistics exist right after the load');
    });

    test('the agreement row filter got its index when the agreement was approved', async () => {
      const paths = await p.db.query<{ column_name: string; kind: string }>('SELECT column_name, kind FROM warehouse_access_paths WHERE dataset_id = $1::uuid', [datasetId]);
      assert.deepEqual(paths.rows.map((r) => `${r.column_name}:${r.kind}`), ['ma_xa:equality']);
    });

    const shapes: [string, () => Promise<unknown>][] = [
      ['gateway: lookup by key', () => get(`${gatewayPath}?filter=ma_ho:eq:${key(5010)}`, { 'x-ldop-key': ldopKey })],
      ['gateway: equality filter on the commune', () => get(`${gatewayPath}?filter=ma_xa:eq:${communes[3]}&limit=100`, { 'x-ldop-key': ldopKey })],
      ['gateway: a list of keys', () => get(`${gatewayPath}?filter=ma_ho:in:${key(20)},${key(21)}&limit=10`, { 'x-ldop-key': ldopKey })],
      ['CKAN datastore_search: filter on the key', () => get(`/api/3/action/datastore_search?resource_id=${resourceId}&filters=${encodeURIComponent(JSON.stringify({ ma_ho: key(7777) }))}`)],
      ['CKAN datastore_search: filter on the commune, with its total', () => get(`/api/3/action/datastore_search?resource_id=${resourceId}&filters=${encodeURIComponent(JSON.stringify({ ma_xa: communes[5] }))}&limit=20`)],
      ['portal preview: first page', () => get(`/api/3/action/datastore_search?resource_id=${resourceId}&limit=20&fields=ma_ho,ma_xa,ten_co_so`)],
      ['portal preview: sorted by the key', () => get(`/api/3/action/datastore_search?resource_id=${resourceId}&limit=20&sort=ma_ho%20asc`)],
      ['rows API: a page of version 1', () => get(`/api/datasets/${SLUG}/rows?limit=50&version=1`, { cookie })],
      ['warehouse: lookup by key as of version 1', async () => {
        const r = await p.warehouse.query(datasetId, COLUMNS.map((c) => ({ name: c.name, type: c.type })), { version: 1, filters: [{ column: 'ma_ho', op: 'eq', value: key(11_999) }] });
        assert.deepEqual(r.rows.map((x) => x.ten_co_so), [`${NAMES[11_999 % NAMES.length]} 11999`], 'the row as it was in version 1');
      }],
      ['warehouse: lookup by key in the latest version', async () => {
        const r = await p.warehouse.query(datasetId, COLUMNS.map((c) => ({ name: c.name, type: c.type })), { filters: [{ column: 'ma_ho', op: 'eq', value: key(11_999) }] });
        assert.deepEqual(r.rows.map((x) => x.ten_co_so), ['Đã đổi']);
      }],
    ];
    for (const [name, call] of shapes) {
      test(`no sequential scan: ${name}`, async () => {
        const statements = await capture(call);
        assert.ok(statements.length > 0, 'the call read the dataset table');
        for (const s of statements) assert.deepEqual(await explain(s), [], `${s.sql}\n${JSON.stringify(s.params)}`);
      });
    }

    test('the gateway never counts', async () => {
      const statements = await capture(() => get(`${gatewayPath}?filter=ma_xa:eq:${communes[3]}&limit=5`, { 'x-ldop-key': ldopKey }));
      assert.equal(statements.filter((s) => /count\(/i.test(s.sql)).length, 0, statements.map((s) => s.sql).join('\n'));
    });

    test('a large version refuses a filter no index serves, naming the indexed columns, in Vietnamese', async () => {
      const small = new WarehouseService(p.db, { largeVersionRows: 10_000 });
      const cols = COLUMNS.map((c) => ({ name: c.name, type: c.type }));
      await assert.rejects(
        small.query(datasetId, cols, { filters: [{ column: 'ten_co_so', op: 'eq', value: `${NAMES[0]} 0` }] }),
        (e: unknown) => {
          assert.ok(e instanceof AppError && e.code === 'FILTER_NOT_INDEXED', String(e));
          assert.match(e.detail!.vi, /hãy lọc bằng \(eq, in, khoảng\) hoặc sắp xếp theo một cột có chỉ mục \(ma_ho, ma_xa\), hoặc tìm theo chữ trên cột \(.*ten_co_so.*\)/);
          assert.equal(e.detail!.vi, e.detail!.vi.normalize('NFC'));
          assert.ok((e.extra.indexedColumns as string[]).includes('ma_xa'));
          return true;
        },
      );
      // Served by an index: an indexed filter beside the unindexed one, a sort by an indexed column.
      const r = await small.query(datasetId, cols, { filters: [{ column: 'ma_ho', op: 'eq', value: key(6) }, { column: 'ten_co_so', op: 'eq', value: `${NAMES[0]} 6` }] });
      assert.deepEqual(r.rows.map((x) => x.ma_ho), [key(6)]);
      await small.query(datasetId, cols, { sort: [{ column: 'ma_ho', dir: 'asc' }], limit: 5 });
      await assert.rejects(small.query(datasetId, cols, { sort: [{ column: 'ma_ho', dir: 'desc' }], limit: 5 }), (e: unknown) => e instanceof AppError && e.code === 'FILTER_NOT_INDEXED', 'descending, NULLs last: no b-tree has that order');
      await assert.rejects(small.query(datasetId, cols, { sort: [{ column: 'dien_tich', dir: 'desc' }], limit: 5 }), (e: unknown) => e instanceof AppError && e.code === 'FILTER_NOT_INDEXED');
      // A filtered total on a large version is counted up to a bound, then estimated and marked so.
      const counted = await small.query(datasetId, cols, { filters: [{ column: 'ma_xa', op: 'in', value: communes.slice(0, 2) }], count: true, limit: 1 });
      const exact = await small.count(datasetId, cols, { filters: [{ column: 'ma_xa', op: 'in', value: communes.slice(0, 2) }] });
      assert.ok(exact.total > 100 && !exact.estimated);
      assert.equal(counted.total, exact.total);
      assert.equal(counted.totalEstimated, undefined, 'fewer matches than the bound: exact');
    });

    test('a filtered total on a large version is exact up to 10,000 matches and an estimate marked as such beyond (rows API, datastore_search)', async () => {
      const search = async (filters: Record<string, unknown>) =>
        ((await get(`/api/3/action/datastore_search?resource_id=${resourceId}&limit=1&filters=${encodeURIComponent(JSON.stringify(filters))}`)).json() as { result: { total: number; total_was_estimated: boolean } }).result;
      const few = await search({ ma_xa: communes[7] });
      assert.deepEqual([few.total, few.total_was_estimated], [Math.ceil((ROWS - 7) / communes.length), false]);
      const many = await search({ ma_xa: communes });
      assert.equal(many.total_was_estimated, true, 'more than 10,000 matches: estimated, and said so');
      assert.ok(many.total > 10_000, `estimate ${many.total}`);
    });

    test('the gateway answers an unindexed filter, a bad page size and a missing version with clear problem+json in Vietnamese', async () => {
      // The gateway's agreement filters on an indexed commune, so any call of it is an index read:
      // the refusal is seen on the rows API (a sort) and on CKAN (a filter).
      const sorted = await p.app.inject({ url: `/api/datasets/${SLUG}/rows?sort=dien_tich:desc`, headers: { cookie } });
      assert.equal(sorted.statusCode, 400, sorted.body);
      assert.match(sorted.headers['content-type'] as string, /application\/problem\+json/);
      const body = sorted.json() as { code: string; detail: string };
      assert.equal(body.code, 'FILTER_NOT_INDEXED');
      assert.match(body.detail, /^Bộ dữ liệu có 12\.000 dòng, quá lớn để đọc hết cho một truy vấn: .*\(ma_ho, ma_xa\)/);
      const ckan = await p.app.inject({ url: `/api/3/action/datastore_search?resource_id=${resourceId}&filters=${encodeURIComponent(JSON.stringify({ nam: 2020 }))}` });
      assert.equal(ckan.statusCode, 409, ckan.body);
      const cb = ckan.json() as { success: boolean; code: string; detail: string };
      assert.deepEqual([cb.success, cb.code], [false, 'FILTER_NOT_INDEXED']);
      assert.match(cb.detail, /cột có chỉ mục \(ma_ho, ma_xa\)/);
      const bigPage = await p.app.inject({ url: `${gatewayPath}?limit=5000`, headers: { 'x-ldop-key': ldopKey } });
      assert.equal(bigPage.statusCode, 400);
      assert.match(bigPage.headers['content-type'] as string, /application\/problem\+json/);
      assert.match((bigPage.json() as { detail: string }).detail, /limit phải từ 1 đến 1000/);
      const noVersion = await p.app.inject({ url: `/api/datasets/${SLUG}/rows?version=99`, headers: { cookie } });
      assert.equal(noVersion.statusCode, 404, noVersion.body);
      assert.match((noVersion.json() as { detail: string }).detail, /không có phiên bản 99/);
    });
  });
}
