import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { loadSample } from '../opendata/index.js';
import { evaluate, parseExpression } from './formula.js';
import { DEMO_INDICATORS } from './demo.js';
import type { IndicatorDefinition } from './schema.js';

type Headers = Record<string, string>;
type Answer = {
  rows: { time: string | null; dimensions: Record<string, string>; values: Record<string, number | null>; compare?: Record<string, number | null>; change?: Record<string, number | null> }[];
  provenance: { indicator: string; formula: string; datasets: { slug: string; version: number }[]; sample: boolean }[];
  warnings: { code: string; measure: string }[];
  labels: Record<string, Record<string, string>>;
  measures: { code: string; sampleLabel: string | null }[];
  query: { dateRange: [string, string] | null; compareRange: [string, string] | null };
};

describe('derived expressions', () => {
  test('follow arithmetic precedence and flag a division by zero instead of inventing a number', () => {
    const e = parseExpression('doanh_thu_du_lich * 1000 / (khach_du_lich - 0) + -1');
    const flags = { divisionByZero: false };
    assert.equal(evaluate(e, { doanh_thu_du_lich: 3, khach_du_lich: 1500 }, flags), 1);
    assert.equal(evaluate(e, { doanh_thu_du_lich: 3, khach_du_lich: 0 }, flags), null);
    assert.equal(flags.divisionByZero, true);
    assert.throws(() => parseExpression('khach_du_lich * ; drop'), /Invalid character/);
    assert.throws(() => parseExpression('(khach_du_lich'), /Missing "\)"/);
  });
});

for (const engine of engines()) {
  describe(`indicators API (${engine})`, () => {
    let p: TestPlatform;
    let admin: Headers;
    const query = (body: Record<string, unknown>, headers: Headers = admin) => p.app.inject({ method: 'POST', url: '/api/indicators/query', headers, payload: body });
    const define = (body: IndicatorDefinition) => p.app.inject({ method: 'POST', url: '/api/indicators', headers: admin, payload: body });
    /** The sum of a column of a dataset's latest version over a date range, read from the warehouse directly. */
    const rawSum = async (slug: string, column: string, time: string, from: string, to: string) => {
      const ds = await p.catalog.getDataset(SYSTEM, slug);
      const r = await p.warehouse.query(ds.id, ds.columns.map((c) => ({ name: c.name, type: c.type })), {
        filters: [{ column: time, op: 'gte', value: from }, { column: time, op: 'lte', value: to }], aggregates: [{ fn: 'sum', column, as: 'total' }],
      });
      return Number(r.rows[0]!.total);
    };

    before(async () => {
      p = await testPlatform(engine);
      const { cookie, csrf } = await p.login();
      admin = { cookie, 'x-csrf-token': csrf };
    });
    after(() => p.close());

    test('the demo indicators carry the issue\'s codes and names, "dữ liệu mẫu", targets for 2026 and 2027 and a latest value', async () => {
      const r = await p.app.inject({ method: 'GET', url: '/api/indicators', headers: admin });
      assert.equal(r.statusCode, 200, r.body);
      const list = r.json() as { code: string; name: string; unit: string; sampleLabel: string; targets: { period: string }[]; latest: { value: number } | null; plan: { period: string; actual: number | null }[] }[];
      const names = Object.fromEntries(list.map((i) => [i.code, [i.name, i.unit]]));
      assert.deepEqual(
        { dan_so: names.dan_so, khach_du_lich: names.khach_du_lich, doanh_thu_du_lich: names.doanh_thu_du_lich, chi_so_iip: names.chi_so_iip, lao_dong_viec_lam: names.lao_dong_viec_lam, san_pham_ocop: names.san_pham_ocop },
        {
          dan_so: ['Dân số trung bình', 'người'], khach_du_lich: ['Lượt khách du lịch', 'lượt'], doanh_thu_du_lich: ['Doanh thu du lịch', 'tỷ đồng'],
          chi_so_iip: ['Chỉ số sản xuất công nghiệp IIP', '%'], lao_dong_viec_lam: ['Số lao động có việc làm', 'người'], san_pham_ocop: ['Số sản phẩm OCOP', 'sản phẩm'],
        },
      );
      for (const i of list) {
        assert.equal(i.sampleLabel, 'dữ liệu mẫu', i.code);
        assert.deepEqual(i.targets.map((t) => t.period), ['2026', '2027'], i.code);
        assert.ok(i.latest && typeof i.latest.value === 'number', `${i.code} has a latest value`);
        assert.equal(typeof i.plan.find((x) => x.period === '2026')!.actual, 'number', `${i.code} has an actual for 2026`);
      }
      const ds = await p.catalog.getDataset(SYSTEM, 'mau-du-lich-theo-thang');
      assert.match(ds.title, /\(dữ liệu mẫu\)$/);
      assert.equal(ds.latestVersion, 1, 'loaded through ingestion as a version');
    });

    test('aliases resolve to their indicator, with or without diacritics', async () => {
      for (const [alias, code] of [['khách du lịch', 'khach_du_lich'], ['du khách', 'khach_du_lich'], ['du khach', 'khach_du_lich'], ['IIP', 'chi_so_iip'], ['sản phẩm OCOP', 'san_pham_ocop']]) {
        const r = await p.app.inject({ method: 'GET', url: `/api/indicators/${encodeURIComponent(alias!)}`, headers: admin });
        assert.equal(r.statusCode, 200, `${alias}: ${r.body}`);
        assert.equal(r.json().code, code, alias);
      }
      assert.equal((await p.app.inject({ method: 'GET', url: '/api/indicators/khong-co', headers: admin })).statusCode, 404);
    });

    test('a query answers by commune and month from the pre-aggregation, equal to the raw rows, with its provenance', async () => {
      const r = await query({ measures: ['du khách', 'doanh_thu_du_lich'], dimensions: ['xa'], timeDimension: { granularity: 'month', dateRange: ['2025-01-01', '2025-12-31'] } });
      assert.equal(r.statusCode, 200, r.body);
      const a = r.json() as Answer;
      assert.equal(a.rows.length, 135 * 12, 'every commune, every month');
      assert.equal(Object.keys(a.labels.xa!).length, 135);
      assert.match(a.labels.xa![a.rows[0]!.dimensions.xa!]!, /^(Phường|Xã) /);
      const total = a.rows.reduce((s, row) => s + row.values.khach_du_lich!, 0);
      assert.equal(total, await rawSum('mau-du-lich-theo-thang', 'luot_khach', 'thang', '2025-01-01', '2025-12-31'));
      const prov = a.provenance.find((x) => x.indicator === 'khach_du_lich')!;
      assert.equal(prov.formula, 'SUM(luot_khach) — mau-du-lich-theo-thang');
      assert.deepEqual(prov.datasets.map((d) => [d.slug, d.version]), [['mau-du-lich-theo-thang', 1]]);
      assert.equal(prov.sample, true);
      assert.equal(a.measures[0]!.sampleLabel, 'dữ liệu mẫu');

      const yearly = (await query({ measures: ['khach_du_lich'], timeDimension: { granularity: 'year', dateRange: ['2025-03-15', '2025-06-02'] } })).json() as Answer;
      assert.deepEqual(yearly.query.dateRange, ['2025-01-01', '2025-12-31'], 'a range widens to whole periods of the granularity');
      assert.equal(yearly.rows[0]!.values.khach_du_lich, total);
    });

    test('stocks average over a longer period, flows add up; derived indicators compute per cell', async () => {
      const q = (await query({ measures: ['lao_dong_viec_lam'], timeDimension: { granularity: 'quarter', dateRange: ['2025-01-01', '2025-12-31'] } })).json() as Answer;
      const y = (await query({ measures: ['lao_dong_viec_lam'], timeDimension: { granularity: 'year', dateRange: ['2025-01-01', '2025-12-31'] } })).json() as Answer;
      assert.equal(q.rows.length, 4);
      const mean = q.rows.reduce((s, r) => s + r.values.lao_dong_viec_lam!, 0) / 4;
      assert.ok(Math.abs(y.rows[0]!.values.lao_dong_viec_lam! - mean) < 1e-6, 'a year of employment is the mean of its quarters');

      const d = (await query({ measures: ['chi_tieu_binh_quan_khach', 'khach_du_lich', 'doanh_thu_du_lich'], timeDimension: { granularity: 'year', dateRange: ['2025-01-01', '2025-12-31'] } })).json() as Answer;
      const v = d.rows[0]!.values;
      assert.ok(Math.abs(v.chi_tieu_binh_quan_khach! - (v.doanh_thu_du_lich! * 1000) / v.khach_du_lich!) < 1e-9);
      assert.equal(d.provenance[0]!.formula, 'doanh_thu_du_lich * 1000 / khach_du_lich');
      assert.deepEqual(d.provenance[0]!.datasets.map((x) => x.slug), ['mau-du-lich-theo-thang']);

      const ocop = (await query({ measures: ['san_pham_ocop'], dimensions: ['sao'], timeDimension: { granularity: 'year', dateRange: ['2026-01-01', '2026-12-31'] } })).json() as Answer;
      assert.deepEqual(ocop.rows.map((r) => r.dimensions.sao), ['3', '4', '5']);
      assert.equal(ocop.labels.sao!['5'], '5 sao');
    });

    test('compare: the same period a year before (so với cùng kỳ) and the period before', async () => {
      const r = (await query({ measures: ['khach_du_lich'], timeDimension: { granularity: 'month', dateRange: ['2025-06-01', '2025-08-31'] }, compare: 'previous_year' })).json() as Answer;
      assert.deepEqual(r.query.compareRange, ['2024-06-01', '2024-08-31']);
      const june2024 = await rawSum('mau-du-lich-theo-thang', 'luot_khach', 'thang', '2024-06-01', '2024-06-01');
      const june = r.rows[0]!;
      assert.equal(june.time, '2025-06-01');
      assert.equal(june.compare!.khach_du_lich, june2024);
      assert.equal(june.change!.khach_du_lich, Math.round(((june.values.khach_du_lich! - june2024) / june2024) * 10_000) / 10_000);
      const prev = (await query({ measures: ['khach_du_lich'], timeDimension: { granularity: 'quarter', dateRange: ['2025-04-01', '2025-06-30'] }, compare: 'previous_period' })).json() as Answer;
      assert.deepEqual(prev.query.compareRange, ['2025-01-01', '2025-03-31']);
      assert.equal(prev.rows[0]!.compare!.khach_du_lich, await rawSum('mau-du-lich-theo-thang', 'luot_khach', 'thang', '2025-01-01', '2025-03-01'));
    });

    test('filters are bound values: a quote is a value, not SQL', async () => {
      const some = (await query({ measures: ['dan_so'], dimensions: ['xa'], filters: [{ dimension: 'xa', operator: 'equals', values: ['21553', "' OR 1=1 --"] }], timeDimension: { granularity: 'year', dateRange: ['2026-01-01', '2026-12-31'] } })).json() as Answer;
      assert.deepEqual(some.rows.map((r) => r.dimensions.xa), ['21553']);
      const others = (await query({ measures: ['dan_so'], dimensions: ['xa'], filters: [{ dimension: 'xa', operator: 'notEquals', values: ['21553'] }], timeDimension: { granularity: 'year', dateRange: ['2026-01-01', '2026-12-31'] } })).json() as Answer;
      assert.equal(others.rows.length, 134);
      assert.equal((await query({ measures: ['dan_so'], dimensions: ['xa; DROP TABLE indicators_preagg'] })).statusCode, 400);
    });

    test('bad queries get problem+json with a stable reason and a Vietnamese message', async () => {
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ measures: ['khong_co'] }, 'UNKNOWN_INDICATOR', /Không có chỉ tiêu “khong_co”/],
        [{ measures: ['chi_so_iip'], dimensions: ['xa'] }, 'DIMENSION_NOT_AVAILABLE', /không có chiều “xa”/],
        [{ measures: ['khach_du_lich'], timeDimension: { granularity: 'month', dateRange: ['1600-01-01', '2100-12-31'] } }, 'DATE_RANGE_TOO_LONG', /dài quá 50 năm/],
        [{ measures: ['khach_du_lich'], timeDimension: { dateRange: ['2025-02-30', '2025-03-01'] } }, 'INVALID_DATE_RANGE', /Ngày không hợp lệ/],
        [{ measures: ['khach_du_lich'], timeDimension: { dateRange: ['2025-03-01', '2025-02-01'] } }, 'INVALID_DATE_RANGE', /sau ngày kết thúc/],
        [{ measures: ['dan_so'], timeDimension: { granularity: 'month' } }, 'GRANULARITY_TOO_FINE', /chỉ có số liệu theo năm/],
        [{ measures: ['dan_so'], compare: 'previous_year' }, 'COMPARE_NEEDS_DATE_RANGE', /cần khoảng thời gian/],
      ];
      for (const [body, reason, message] of cases) {
        const r = await query(body);
        assert.equal(r.statusCode, 400, `${reason}: ${r.body}`);
        assert.match(r.headers['content-type'] as string, /application\/problem\+json/);
        assert.equal(r.json().code, 'VALIDATION_FAILED');
        assert.equal(r.json().reason, reason);
        assert.match(r.json().detail, message);
      }
      assert.equal((await query({ measures: ['dan_so'] }, {})).statusCode, 401, 'not for anonymous callers');
    });

    test('bad definitions are refused: unknown column or indicator, a cycle, a target in another unit', async () => {
      const base = DEMO_INDICATORS.find((d) => d.code === 'khach_du_lich')!;
      const own = (over: Partial<IndicatorDefinition>): IndicatorDefinition => ({ ...base, code: 'thu_nghiem', name: 'Thử nghiệm', aliases: [], ...over });
      const refused = async (body: IndicatorDefinition, reason: string) => {
        const r = await define(body);
        assert.equal(r.statusCode, 400, `${reason}: ${r.body}`);
        assert.equal(r.json().reason, reason, r.body);
      };
      await refused(own({ formula: { kind: 'sum', column: 'khong_co_cot' } }), 'UNKNOWN_COLUMN');
      await refused(own({ formula: { kind: 'sum', column: 'ma_xa' } }), 'COLUMN_TYPE');
      await refused(own({ targets: [{ period: '2026', value: 13.5, unit: 'triệu lượt' }] }), 'TARGET_UNIT_MISMATCH');
      await refused(own({ source: undefined, formula: { kind: 'derived', expression: 'khach_du_lich / khong_co' } }), 'UNKNOWN_INDICATOR');
      await refused(own({ source: undefined, formula: { kind: 'derived', expression: 'thu_nghiem + 1' } }), 'CIRCULAR_DEFINITION');
      await refused(own({ source: undefined, grain: 'month', formula: { kind: 'derived', expression: 'dan_so / 2' } }), 'GRAIN_MISMATCH');
      const a = await define(own({ code: 'vong_a', name: 'Vòng A', source: undefined, formula: { kind: 'derived', expression: 'khach_du_lich * 2' } }));
      assert.equal(a.statusCode, 201, a.body);
      assert.equal((await define(own({ code: 'vong_b', name: 'Vòng B', source: undefined, formula: { kind: 'derived', expression: 'vong_a + 1' } }))).statusCode, 201);
      await refused(own({ code: 'vong_a', name: 'Vòng A', source: undefined, formula: { kind: 'derived', expression: 'vong_b * 2' } }), 'CIRCULAR_DEFINITION');
      const clash = await define(own({ aliases: ['du khách'] }));
      assert.equal(clash.statusCode, 409, 'an alias belongs to one indicator');
    });

    test('a ratio over a zero denominator is flagged and left empty, never shown as a number', async () => {
      await loadSample({ catalog: p.catalog, ingest: p.ingest, communes: [] }, {
        meta: { slug: 'thu-ty-le', title: 'Thử tỷ lệ', publisherOrgId: 'so-khcn', access: 'shared' },
        columns: [['ma_xa', 'Mã xã', 'text', { key: true }], ['thang', 'Tháng', 'date', { key: true }], ['tu', 'Tử số', 'number'], ['mau', 'Mẫu số', 'number']],
        rows: [['21553', '2025-01-01', 5, 2], ['21583', '2025-01-01', 3, 0]],
      });
      const r = await define({
        ...DEMO_INDICATORS[1]!, code: 'ty_le_thu', name: 'Tỷ lệ thử', aliases: [], unit: '%', targets: [], sample: false,
        source: { dataset: 'thu-ty-le', time: 'thang' }, formula: { kind: 'ratio', numerator: 'tu', denominator: 'mau', scale: 100 },
      });
      assert.equal(r.statusCode, 201, r.body);
      const a = (await query({ measures: ['ty_le_thu'], dimensions: ['xa'], timeDimension: { granularity: 'month', dateRange: ['2025-01-01', '2025-01-31'] } })).json() as Answer;
      assert.deepEqual(a.rows.map((x) => [x.dimensions.xa, x.values.ty_le_thu]), [['21553', 250], ['21583', null]]);
      assert.deepEqual(a.warnings.map((w) => [w.code, w.measure]), [['DIVISION_BY_ZERO', 'ty_le_thu']]);
    });

    test('a new version of a source dataset refreshes the pre-aggregation (the event subscriber), and answers say which version', async () => {
      const ds = await p.catalog.getDataset(SYSTEM, 'thu-ty-le');
      const csv = 'Mã xã,Tháng,Tử số,Mẫu số\n21553,2025-01-01,9,3\n21583,2025-01-01,4,2\n';
      const upload = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(csv)]), { filename: 'v2.csv', contentType: 'text/csv' });
      const run = await p.ingest.ingest(SYSTEM, { dataset: 'thu-ty-le', uploadId: upload.id, mode: 'replace', validRowsOnly: false });
      assert.equal(run.status, 'loaded');
      await p.indicators.onVersionPublished({ datasetId: ds.id, version: 2 });
      const state = await p.db.query<{ version: number }>("SELECT version FROM indicators_preagg_state WHERE code = 'ty_le_thu'");
      assert.equal(state.rows[0]!.version, 2, 'refreshed by the event, before any query');
      const a = (await query({ measures: ['ty_le_thu'], dimensions: ['xa'] })).json() as Answer;
      assert.deepEqual(a.rows.map((x) => x.values.ty_le_thu), [300, 200]);
      assert.deepEqual(a.warnings, []);
      assert.equal(a.provenance[0]!.datasets[0]!.version, 2);
    });
  });
}
