import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { queryIndexName, type WhColumn, type WhQuery } from '../warehouse/index.js';
// The test compiles the very SQL datastore_search runs (same condition, same bound parameters), to
// EXPLAIN it: the public API answers rows, not plans.
import { compileQuery } from '../warehouse/compile.js';
import { QUERY_INDEX_QUEUE } from './index.js';

const SLUG = 'qi-nong-san';
const PRODUCTS = ['Sầu riêng', 'Hồ tiêu', 'Cà phê nhân', 'Chanh dây', 'Điều thô', 'Mía cây', 'Sắn lát'];
const ROWS = 3000;
const COLUMNS = [
  { name: 'ma_co_so', title: 'Mã cơ sở', type: 'text', key: true, codeList: null },
  { name: 'ma_xa', title: 'Mã xã/phường', type: 'text', key: false, codeList: 'communes' },
  { name: 'ten_co_so', title: 'Tên cơ sở', type: 'text', key: false, codeList: null },
  { name: 'san_pham', title: 'Sản phẩm', type: 'text', key: false, codeList: null },
  { name: 'nam', title: 'Năm', type: 'integer', key: false, codeList: null },
  { name: 'san_luong', title: 'Sản lượng (tấn)', type: 'number', key: false, codeList: null },
] as const;
const wh: WhColumn[] = COLUMNS.map((c) => ({ name: c.name, type: c.type }));

interface Search {
  total?: number;
  total_was_estimated: boolean;
  records: Record<string, unknown>[];
}

for (const engine of engines()) {
  describe(`query indexes of published datasets (${engine})`, () => {
    let p: TestPlatform;
    let datasetId: string;
    let resourceId: string;
    let communes: string[];

    const search = async (qs: string): Promise<Search> => {
      const r = await p.app.inject({ url: `/api/3/action/datastore_search?resource_id=${resourceId}&${qs}` });
      assert.equal(r.statusCode, 200, r.body);
      return (r.json() as { result: Search }).result;
    };
    const indexes = async () =>
      new Map((await p.db.query<{ name: string; def: string }>("SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = 'wh' AND tablename = $1", [`ds_${datasetId.replace(/-/g, '')}`])).rows.map((r) => [r.name, r.def]));
    const publish = async () => {
      const pub = await p.opendata.propose(SYSTEM, SLUG);
      assert.equal(pub.state, 'pending', JSON.stringify(pub.scan.findings));
      await p.opendata.approve(SYSTEM, pub.id);
    };
    /** Runs the queued jobs (the server's loop does this in the background) until none of ours is left. */
    const runJobs = async () => {
      await p.jobs.drain();
      const left = await p.db.query<{ status: string; last_error: string | null }>('SELECT status, last_error FROM jobs WHERE queue = $1 AND status <> $2', [QUERY_INDEX_QUEUE, 'done']);
      assert.deepEqual(left.rows, [], 'every index job ran and succeeded');
    };
    // Searches whose answers must not depend on the indexes: q with and without diacritics, in
    // another case, with a filter, filters on the code-list and key columns, a sort.
    const SEARCHES = [
      'q=s%E1%BA%A7u%20ri%C3%AAng', 'q=sau%20rieng', 'q=HO%20TIEU&limit=1000', 'q=ca%20phe&sort=san_luong%20desc&limit=50',
      () => `filters=${encodeURIComponent(JSON.stringify({ ma_xa: communes[3] }))}&limit=1000`,
      () => `q=chanh&filters=${encodeURIComponent(JSON.stringify({ ma_xa: [communes[1], communes[2]] }))}`,
      'filters=%7B%22ma_co_so%22%3A%22CS00042%22%7D', 'q=khong%20co%20dau%20nao', 'sort=ten_co_so%20desc&limit=20&offset=100',
    ];
    const runSearches = () => Promise.all(SEARCHES.map((s) => search(typeof s === 'string' ? s : s())));

    before(async () => {
      p = await testPlatform(engine);
      communes = (await p.geo.list()).filter((u) => u.level === 'commune').map((u) => u.code).sort();
      await p.catalog.createDataset(SYSTEM, {
        slug: SLUG, title: 'Cơ sở sản xuất nông sản', publisherOrgId: 'so-khcn', access: 'open', licence: 'CC-BY-4.0', themes: ['nong-nghiep'], keywords: ['nông sản'],
        columns: COLUMNS.map((c) => ({ ...c, elementCode: null, required: c.key, unit: null, rules: {} })),
      });
      const lines = ['Mã cơ sở,Mã xã/phường,Tên cơ sở,Sản phẩm,Năm,Sản lượng (tấn)'];
      for (let i = 0; i < ROWS; i++) {
        const product = PRODUCTS[(i * 3) % PRODUCTS.length]!;
        lines.push(`CS${String(i).padStart(5, '0')},${communes[i % 40]},Hợp tác xã ${product} số ${i},${product},${2015 + (i % 10)},${(i * 37) % 1000}.5`);
      }
      const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(lines.join('\n') + '\n')]), { filename: `${SLUG}.csv`, contentType: 'text/csv' });
      const run = await p.ingest.ingest(SYSTEM, { dataset: SLUG, uploadId: u.id, mode: 'replace', validRowsOnly: false });
      assert.equal(run.status, 'loaded', JSON.stringify(run.rejects?.slice(0, 3)));
      datasetId = (await p.catalog.getDataset(SYSTEM, SLUG)).id;
    });
    after(() => p.close());

    test('publishing queues the index build: after the job, a trigram index per text column and a b-tree per code-list or key column; the answers are the same', async () => {
      await publish();
      resourceId = (await p.db.query<{ id: string }>("SELECT id::text AS id FROM opendata_resources WHERE dataset_id = $1::uuid AND format = 'CSV'", [datasetId])).rows[0]!.id;
      const before = await indexes();
      for (const c of COLUMNS) assert.ok(!before.has(queryIndexName(datasetId, c.name, 'search')), 'nothing is built inside the approval');
      const unindexed = await runSearches();
      assert.equal(unindexed[0]!.total, unindexed[1]!.total, 'q with and without diacritics match the same rows');
      assert.ok(unindexed[0]!.total! > 300 && unindexed[0]!.total! < 600, `q=sầu riêng total ${unindexed[0]!.total}`);

      await runJobs();
      const after = await indexes();
      for (const c of COLUMNS.filter((x) => x.type === 'text')) {
        const def = after.get(queryIndexName(datasetId, c.name, 'search'));
        assert.ok(def, `trigram index on ${c.name}`);
        assert.match(def, /USING gin \(provdata_fold\(.+\) gin_trgm_ops\)/);
      }
      for (const c of ['ma_xa', 'ma_co_so']) assert.match(after.get(queryIndexName(datasetId, c, 'equality')) ?? '', /USING btree .*INCLUDE/, `b-tree on ${c}`);
      for (const c of ['nam', 'san_luong']) assert.ok(!after.has(queryIndexName(datasetId, c, 'equality')), `no b-tree on the plain column ${c}`);

      assert.deepEqual(await runSearches(), unindexed, 'datastore_search answers the same with the indexes');
    });

    test('a second publication neither fails nor duplicates the indexes', async () => {
      const first = await indexes();
      await publish();
      await runJobs();
      assert.deepEqual(await indexes(), first);
      const report = await p.warehouse.ensureQueryIndexes(datasetId, ['ma_xa', 'ma_co_so']);
      assert.ok(report.indexes.length === 6 && report.indexes.every((i) => !i.created), 'nothing left to build');
    });

    test('the compiled q condition and an equality filter use the indexes (EXPLAIN, parameters bound)', async () => {
      const present = new Set(COLUMNS.map((c) => c.name));
      const table = `wh.ds_${datasetId.replace(/-/g, '')}`;
      const plan = async (q: WhQuery) => {
        const c = compileQuery(table, wh, present, 1, { ...q, count: true }, null);
        return p.db.transaction(async (tx) => {
          // A few thousand rows fit in a few pages: the planner rightly prefers a sequential scan
          // there. Disabling it in this transaction only asks which index it would use on a big table.
          await tx.query("SELECT set_config('enable_seqscan', 'off', true)");
          const r = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${c.countSql!}`, c.countParams);
          const n = await tx.query<{ n: string }>(c.countSql!, c.countParams);
          return { plan: r.rows.map((x) => x['QUERY PLAN']).join('\n'), n: Number(n.rows[0]!.n) };
        });
      };
      const q = await plan({ q: 'sầu riêng' });
      for (const c of ['ma_co_so', 'ma_xa', 'ten_co_so', 'san_pham']) assert.ok(q.plan.includes(queryIndexName(datasetId, c, 'search')), `${c} arm:\n${q.plan}`);
      assert.doesNotMatch(q.plan, /Seq Scan/);
      assert.equal(q.n, (await search('q=sau%20rieng')).total, 'the same count through the indexes');
      const f = await plan({ filters: [{ column: 'ma_xa', op: 'eq', value: communes[3] }] });
      assert.ok(f.plan.includes(queryIndexName(datasetId, 'ma_xa', 'equality')), f.plan);
      assert.equal(f.n, ROWS / 40);
    });

    test('total_estimation_threshold: exact up to the threshold, estimated above it (total_was_estimated)', async () => {
      const exact = await search('q=sau%20rieng');
      assert.equal(exact.total_was_estimated, false);
      const under = await search(`q=sau%20rieng&total_estimation_threshold=${exact.total}`);
      assert.deepEqual([under.total, under.total_was_estimated], [exact.total, false]);
      const over = await search('q=sau%20rieng&total_estimation_threshold=100');
      assert.equal(over.total_was_estimated, true);
      assert.ok(over.total! > 100, `an estimate above the threshold: ${over.total}`);
      assert.deepEqual(over.records, exact.records, 'the records themselves are exact');
      const unfiltered = await search('total_estimation_threshold=10');
      assert.deepEqual([unfiltered.total, unfiltered.total_was_estimated], [ROWS, false], 'the unfiltered total is exact and free');
      const bad = await p.app.inject({ url: `/api/3/action/datastore_search?resource_id=${resourceId}&total_estimation_threshold=-1` });
      assert.equal(bad.statusCode, 409);
    });
  });
}
