import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { AppError } from '../../core/errors.js';
import type { WhColumn, WhQuery } from './index.js';

const COLS: WhColumn[] = [
  { name: 'ma_xa', type: 'text' },
  { name: 'ten', type: 'text' },
  { name: 'loai', type: 'text' },
  { name: 'dan_so', type: 'integer' },
  { name: 'dien_tich', type: 'number' },
  { name: 'ngay_lap', type: 'date' },
  { name: 'do_thi', type: 'boolean' },
  { name: 'ranh_gioi', type: 'geometry' },
];

// [ma_xa, ten, loai, dan_so, dien_tich, ngay_lap, do_thi]
const DATA: [string, string, string, number | null, number | null, string | null, boolean | null][] = [
  ['21553', 'Phường Pleiku', 'phuong', 70000, 25.5, '2025-07-01', true],
  ['21554', 'Phường Quy Nhơn', 'phuong', 120000, 30.25, '2025-07-01', true],
  ['21555', 'Xã Ia Grai', 'xa', 30000, 120, '2025-07-01', false],
  ['21556', 'Xã Đắk Đoa', 'xa', 45000, 98.75, '2024-01-15', false],
  ['21557', 'Xã Kbang', 'xa', null, 200, null, false],
  ['21558', 'Phường An Khê', 'phuong', 65000, null, '2023-12-31', null],
  ['21559', 'Xã Chư Sê', 'xa', 52000, 150.5, '2025-07-01', false],
  ['21560', 'Xã 100%_thật', 'xa', 1000, 1, '2020-01-01', false],
];

const isCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

for (const engine of engines()) {
  describe(`warehouse safe query (${engine})`, () => {
    let p: TestPlatform;
    const id = randomUUID();
    const q = (query: WhQuery) => p.warehouse.query(id, COLS, query);
    const codes = async (query: WhQuery) => (await q({ ...query, fields: ['ma_xa'], limit: 1000 })).rows.map((r) => r.ma_xa);

    before(async () => {
      p = await testPlatform(engine);
      async function* rows() {
        let line = 2;
        for (const [ma_xa, ten, loai, dan_so, dien_tich, ngay_lap, do_thi] of DATA) {
          yield { line: line++, values: { ma_xa, ten, loai, dan_so, dien_tich, ngay_lap, do_thi, ranh_gioi: { type: 'Point', coordinates: [108, 14] } } };
        }
      }
      await p.db.transaction((tx) => p.warehouse.load(tx, { datasetId: id, columns: COLS, keyColumns: ['ma_xa'], mode: 'replace', rows: rows(), createdBy: null }));
    });
    after(() => p.close());

    test('each filter operator answers exactly', async () => {
      assert.deepEqual(await codes({ filters: [{ column: 'loai', op: 'eq', value: 'phuong' }] }), ['21553', '21554', '21558']);
      assert.deepEqual(await codes({ filters: [{ column: 'do_thi', op: 'ne', value: false }] }), ['21553', '21554', '21558'], 'ne keeps NULLs');
      assert.deepEqual(await codes({ filters: [{ column: 'dan_so', op: 'gt', value: 60000 }] }), ['21553', '21554', '21558']);
      assert.deepEqual(await codes({ filters: [{ column: 'dan_so', op: 'gte', value: '65000' }] }), ['21553', '21554', '21558']);
      assert.deepEqual(await codes({ filters: [{ column: 'dien_tich', op: 'lt', value: 30.25 }] }), ['21553', '21560']);
      assert.deepEqual(await codes({ filters: [{ column: 'dien_tich', op: 'lte', value: 30.25 }] }), ['21553', '21554', '21560']);
      assert.deepEqual(await codes({ filters: [{ column: 'ngay_lap', op: 'lt', value: '2025-01-01' }] }), ['21556', '21558', '21560']);
      assert.deepEqual(await codes({ filters: [{ column: 'ma_xa', op: 'in', value: ['21555', '21557', '99999'] }] }), ['21555', '21557']);
      assert.deepEqual(await codes({ filters: [{ column: 'dan_so', op: 'isNull' }] }), ['21557']);
      assert.deepEqual(await codes({ filters: [{ column: 'ngay_lap', op: 'notNull' }, { column: 'loai', op: 'eq', value: 'xa' }] }), ['21555', '21556', '21559', '21560']);
      assert.deepEqual(await codes({ filters: [{ column: 'ten', op: 'startsWith', value: 'phuong' }] }), ['21553', '21554', '21558']);
      assert.deepEqual(await codes({ filters: [{ column: 'ten', op: 'contains', value: 'quy nhon' }] }), ['21554']);
      assert.deepEqual(await codes({ filters: [{ column: 'ten', op: 'contains', value: 'ĐẮK ĐOA' }] }), ['21556']);
      // LIKE wildcards in a value are literal characters.
      assert.deepEqual(await codes({ filters: [{ column: 'ten', op: 'contains', value: '%' }] }), ['21560']);
      assert.deepEqual(await codes({ filters: [{ column: 'ten', op: 'contains', value: '_' }] }), ['21560']);
      assert.deepEqual(await codes({ q: 'chu se' }), ['21559']);
      assert.deepEqual(await codes({ q: 'xa', filters: [{ column: 'dan_so', op: 'lt', value: 40000 }] }), ['21555', '21560']);
    });

    test('sorting puts NULLs last in both directions and ties break stably', async () => {
      assert.deepEqual(await codes({ sort: [{ column: 'dan_so', dir: 'desc' }] }), ['21554', '21553', '21558', '21559', '21556', '21555', '21560', '21557']);
      assert.deepEqual(await codes({ sort: [{ column: 'dien_tich', dir: 'asc' }] }), ['21560', '21553', '21554', '21556', '21555', '21559', '21557', '21558']);
      assert.deepEqual(await codes({ sort: [{ column: 'ngay_lap', dir: 'desc' }, { column: 'ma_xa', dir: 'desc' }] }), ['21559', '21555', '21554', '21553', '21556', '21558', '21560', '21557']);
    });

    test('offset pages, counts, field selection and the source line', async () => {
      const page = await q({ sort: [{ column: 'ma_xa' }], limit: 3, offset: 3, count: true, fields: ['ma_xa', 'ten', '_line'] });
      assert.equal(page.total, 8);
      assert.deepEqual(page.rows, [
        { ma_xa: '21556', ten: 'Xã Đắk Đoa', _line: 5 },
        { ma_xa: '21557', ten: 'Xã Kbang', _line: 6 },
        { ma_xa: '21558', ten: 'Phường An Khê', _line: 7 },
      ]);
      const all = await q({ limit: 1 });
      assert.deepEqual(Object.keys(all.rows[0]!), COLS.map((c) => c.name), 'system columns are hidden');
      assert.equal((await q({ filters: [{ column: 'loai', op: 'eq', value: 'xa' }], count: true, limit: 1 })).total, 5);
    });

    test('a cursor walks every row once in order, keeps its version, and is refused when altered', async () => {
      const sort: WhQuery['sort'] = [{ column: 'do_thi', dir: 'desc' }, { column: 'dan_so', dir: 'asc' }];
      const whole = await codes({ sort });
      const seen: unknown[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<typeof q>> = await q({ sort, limit: 3, fields: ['ma_xa'], ...(cursor ? { cursor } : {}) });
        seen.push(...page.rows.map((r) => r.ma_xa));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      assert.deepEqual(seen, whole);
      assert.equal(pages, 3);

      const first = await q({ sort, limit: 2, fields: ['ma_xa'] });
      const next = first.nextCursor!;
      // A cursor belongs to its query: another sort or filter refuses it.
      await assert.rejects(q({ sort: [{ column: 'ten' }], cursor: next }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ sort, filters: [{ column: 'loai', op: 'eq', value: 'xa' }], cursor: next }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ sort, cursor: next, offset: 2 }), isCode('VALIDATION_FAILED'));
      // Opaque: neither the keyset values nor any structure can be read from it.
      const raw = Buffer.from(next, 'base64url');
      assert.throws(() => JSON.parse(raw.toString('utf8')) as unknown);
      assert.doesNotMatch(raw.toString('latin1'), /"ver"|"k"|ma_xa|\d{5}/);
      // Altered, forged or garbage cursors are refused with VALIDATION_FAILED, never an SQL error.
      const flip = (i: number) => {
        const b = Buffer.from(raw);
        b[i]! ^= 1;
        return b.toString('base64url');
      };
      // The unkeyed format of before: anyone could write one that passed.
      const forgedOld = Buffer.from(JSON.stringify({ v: 1, ver: 1, k: ['0', null], id: '1', f: 'x'.repeat(22) })).toString('base64url');
      for (const bad of [
        'garbage',
        'eyJ2IjoxfQ',
        forgedOld,
        flip(0),
        flip(5),
        flip(20),
        flip(raw.length - 1),
        next.slice(0, -2),
        `${next}!`,
      ]) {
        await assert.rejects(q({ sort, cursor: bad }), isCode('VALIDATION_FAILED'), bad);
      }
    });

    test('group-by with aggregates gives exact answers', async () => {
      const r = await q({
        groupBy: ['loai'],
        aggregates: [
          { fn: 'count', as: 'so_xa' },
          { fn: 'count', column: 'dan_so', as: 'co_dan_so' },
          { fn: 'sum', column: 'dan_so', as: 'tong_dan_so' },
          { fn: 'avg', column: 'dien_tich', as: 'dien_tich_tb' },
          { fn: 'min', column: 'ngay_lap', as: 'som_nhat' },
          { fn: 'max', column: 'ma_xa', as: 'ma_cuoi' },
        ],
        sort: [{ column: 'tong_dan_so', dir: 'desc' }],
        count: true,
      });
      assert.equal(r.total, 2);
      assert.equal(r.nextCursor, undefined);
      assert.deepEqual(r.rows, [
        { loai: 'phuong', so_xa: 3, co_dan_so: 3, tong_dan_so: 255000, dien_tich_tb: 27.875, som_nhat: '2023-12-31', ma_cuoi: '21558' },
        { loai: 'xa', so_xa: 5, co_dan_so: 4, tong_dan_so: 128000, dien_tich_tb: 114.05, som_nhat: '2020-01-01', ma_cuoi: '21560' },
      ]);
      const total = await q({ aggregates: [{ fn: 'sum', column: 'dien_tich', as: 'tong' }] });
      assert.deepEqual(total.rows, [{ tong: 626 }]);
      const byTwo = await q({ groupBy: ['loai', 'do_thi'], aggregates: [{ fn: 'count', as: 'n' }], filters: [{ column: 'loai', op: 'eq', value: 'phuong' }] });
      assert.deepEqual(byTwo.rows, [
        { loai: 'phuong', do_thi: true, n: 2 },
        { loai: 'phuong', do_thi: null, n: 1 },
      ]);
      await assert.rejects(q({ groupBy: ['loai'], aggregates: [{ fn: 'sum', column: 'ten', as: 's' }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ groupBy: ['loai'], sort: [{ column: 'ten' }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ groupBy: ['loai'], aggregates: [{ fn: 'count', as: 'loai' }] }), isCode('VALIDATION_FAILED'));
    });

    test('unknown columns are refused in Vietnamese and English, naming the column', async () => {
      for (const bad of [
        { fields: ['ma_xa', 'mat_khau'] },
        { filters: [{ column: 'mat_khau', op: 'eq' as const, value: 'x' }] },
        { sort: [{ column: 'mat_khau' }] },
        { groupBy: ['mat_khau'] },
        { fields: ['_row_hash'] },
        { fields: ['_version_to'] },
      ]) {
        const e = await q(bad).then(() => assert.fail('expected a refusal'), (x: unknown) => x);
        assert.ok(e instanceof AppError && e.code === 'VALIDATION_FAILED', JSON.stringify(bad));
        assert.match(e.detail!.vi, /Cột ".+" không có trong bộ dữ liệu/);
        assert.match(e.detail!.en, /Unknown column/);
      }
      await assert.rejects(q({ filters: [{ column: 'dan_so', op: 'eq', value: 'nhiều' }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ filters: [{ column: 'ngay_lap', op: 'gt', value: '2025-13-01' }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ filters: [{ column: 'dan_so', op: 'contains', value: '1' }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ filters: [{ column: 'ranh_gioi', op: 'lt', value: '1' }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ limit: 1001 }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ limit: 0 }), isCode('VALIDATION_FAILED'));
      await assert.rejects(q({ sort: [{ column: 'ranh_gioi' }] }), isCode('VALIDATION_FAILED'));
    });

    test('injection attempts in names, values, sort and search are refused or harmless', async () => {
      const before = await q({ sort: [{ column: 'ma_xa' }], limit: 1000 });
      const attacks: WhQuery[] = [
        { fields: ['ma_xa", (SELECT version()) AS "x'] },
        { fields: ['ma_xa FROM wh.x; DROP TABLE warehouse_versions; --'] },
        { filters: [{ column: 'ten" = \'\' OR 1=1 --', op: 'eq', value: 'x' }] },
        { sort: [{ column: 'ma_xa; DROP TABLE warehouse_versions' }] },
        { sort: [{ column: 'ma_xa', dir: 'asc; DROP TABLE warehouse_versions' as 'asc' }] },
        { filters: [{ column: 'ma_xa', op: 'eq); DROP TABLE warehouse_versions; --' as 'eq', value: 'x' }] },
        { aggregates: [{ fn: 'count', as: 'n" FROM pg_user --' }] },
        { aggregates: [{ fn: 'pg_sleep' as 'count', column: 'dan_so', as: 'n' }] },
      ];
      for (const a of attacks) await assert.rejects(q(a), isCode('VALIDATION_FAILED'), JSON.stringify(a));
      // Values are bound: they simply match nothing.
      for (const v of ["'; DROP TABLE warehouse_versions; --", "x' OR '1'='1", '\\', "21553' --"]) {
        assert.deepEqual(await codes({ filters: [{ column: 'ma_xa', op: 'eq', value: v }] }), [], v);
        assert.deepEqual(await codes({ filters: [{ column: 'ten', op: 'contains', value: v }] }), [], v);
        assert.deepEqual(await codes({ q: v }), [], v);
        assert.deepEqual(await codes({ filters: [{ column: 'ma_xa', op: 'in', value: [v, `${v}'`] }] }), [], v);
      }
      await assert.rejects(q({ filters: [{ column: 'dan_so', op: 'eq', value: '1 OR 1=1' }] }), isCode('VALIDATION_FAILED'));
      const t = await p.db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`wh.ds_${id.replace(/-/g, '')}`]);
      assert.ok(t.rows[0]!.t, 'the dataset table still exists');
      assert.equal((await p.warehouse.versions(id)).length, 1);
      assert.deepEqual(await q({ sort: [{ column: 'ma_xa' }], limit: 1000 }), before, 'data unchanged');
    });

    test('export streams every row of a version page by page', async () => {
      const out: unknown[] = [];
      for await (const r of p.warehouse.exportStream(id, COLS, { pageSize: 3, fields: ['ma_xa'] })) out.push(r.ma_xa);
      assert.deepEqual(out, DATA.map((d) => d[0]));
    });

    test('a cursor keeps reading the version it started on after a new load', async () => {
      const other = randomUUID();
      const cols: WhColumn[] = [{ name: 'n', type: 'integer' }];
      const loadN = (from: number, to: number, mode: 'replace' | 'append') =>
        p.db.transaction((tx) =>
          p.warehouse.load(tx, {
            datasetId: other, columns: cols, keyColumns: [], mode, createdBy: null,
            rows: (async function* () { for (let i = from; i < to; i++) yield { line: i, values: { n: i } }; })(),
          }),
        );
      await loadN(0, 5, 'replace');
      const first = await p.warehouse.query(other, cols, { limit: 2, sort: [{ column: 'n' }] });
      await loadN(5, 10, 'append');
      const rest: unknown[] = [];
      let cursor = first.nextCursor ?? undefined;
      while (cursor) {
        const page: Awaited<ReturnType<typeof q>> = await p.warehouse.query(other, cols, { limit: 2, sort: [{ column: 'n' }], cursor });
        rest.push(...page.rows.map((r) => r.n));
        cursor = page.nextCursor ?? undefined;
      }
      assert.deepEqual(rest, [2, 3, 4]);
    });
  });
}
