import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { loadSample } from '../opendata/index.js';
import { computeKpis, platformKpiSources, type Kpi } from './kpi.js';

for (const engine of engines()) {
  describe(`KPIs computed by the platform (${engine})`, () => {
    let p: TestPlatform;
    const kpis = async () => {
      const r = await p.app.inject({ method: 'GET', url: '/api/strategy/kpis' });
      assert.equal(r.statusCode, 200, r.body);
      return new Map((r.json() as Kpi[]).map((k) => [k.code, k]));
    };
    const sources = () => platformKpiSources({ catalog: p.catalog, opendata: p.opendata, sharing: p.sharing, sync: p.sync, org: p.org, indicators: p.indicators });

    before(async () => {
      p = await testPlatform(engine);
    });
    after(() => p.close());

    test('each KPI has its formula, targets and strategy target, and the figures of the module that owns them', async () => {
      const k = await kpis();
      assert.deepEqual([...k.keys()], [
        'open_datasets_published', 'ldop_agencies_connected_share', 'open_data_apps', 'indicators_automatic_share', 'datasets_synced_national', 'data_quality_average', 'iot_sensors_live',
      ]);
      for (const kpi of k.values()) assert.ok(kpi.formula.length > 20 && kpi.strategyTarget, kpi.code);
      const od = await p.opendata.kpi();
      assert.equal(k.get('open_datasets_published')!.value, od.openDatasets);
      assert.deepEqual(k.get('open_datasets_published')!.targets, [{ period: '2027', value: 100 }, { period: '2030', value: 200 }]);
      assert.equal(k.get('open_datasets_published')!.strategyTarget, 'B.1');
      assert.equal(k.get('open_data_apps')!.value, od.approvedApps);
      const ldop = await p.sharing.kpi();
      assert.equal(k.get('ldop_agencies_connected_share')!.value, Math.round((ldop.connected / ldop.agencies) * 1000) / 10);
      assert.equal(k.get('datasets_synced_national')!.value, 0, 'no national target is configured in a fresh install');
      assert.deepEqual([k.get('iot_sensors_live')!.available, k.get('iot_sensors_live')!.value], [false, null], 'not invented before the IoT module exists');
    });

    test('the average quality is broken down by agency, named', async () => {
      const q = (await kpis()).get('data_quality_average')!;
      assert.ok(q.value! > 0 && q.value! <= 100);
      const vh = q.breakdown!.find((b) => b.id === 'so-vh-tt-dl')!;
      assert.equal(vh.name, 'Sở Văn hóa, Thể thao và Du lịch');
      assert.ok(vh.count >= 2, 'its open-data sample and the tourism indicators\' dataset');
      const total = q.breakdown!.reduce((s, b) => s + b.count, 0);
      assert.equal(total, (await p.catalog.search(SYSTEM, { limit: 100 })).items.filter((d) => d.quality).length);
    });

    test('indicators count as automatic while their source datasets are loaded within their update period', async () => {
      const now = (await kpis()).get('indicators_automatic_share')!;
      assert.equal(now.value, 100, now.note);
      const later = await computeKpis(sources(), new Date(Date.now() + 60 * 86_400_000));
      const share = later.find((x) => x.code === 'indicators_automatic_share')!;
      // Two months on, the monthly sources are late; the quarterly (lao_dong_viec_lam) and annual (dan_so, san_pham_ocop) stay current.
      assert.equal(share.note, '3/7');
      assert.equal(share.value, 42.9);
    });

    test('publishing an open dataset moves the KPI at once', async () => {
      const before = (await kpis()).get('open_datasets_published')!.value!;
      await loadSample({ catalog: p.catalog, ingest: p.ingest, communes: [] }, {
        meta: { slug: 'kpi-mo-them', title: 'Tập mở thêm', publisherOrgId: 'so-khcn', access: 'open', licence: 'CC-BY-4.0' },
        columns: [['ma', 'Mã', 'text', { key: true }], ['so', 'Số', 'integer']],
        rows: [['a', 1], ['b', 2]],
      });
      const pub = await p.opendata.propose(SYSTEM, 'kpi-mo-them', {});
      await p.opendata.approve(SYSTEM, pub.id, 'ok');
      assert.equal((await kpis()).get('open_datasets_published')!.value, before + 1);
    });
  });
}
