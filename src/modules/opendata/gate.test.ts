import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { DEMO_DATASETS } from './demo.js';

type Session = { cookie: string; csrf: string };
const h = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
interface Pub {
  id: string;
  state: string;
  version: number;
  scan: { rowsScanned: number; complete: boolean; findings: { column: string; kinds: string[]; matches: number; textValues?: number; example: string | null }[] };
}
const col = (name: string, title: string, type: 'text' | 'integer' = 'text') => ({ name, title, type, elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} });
/** Household heads of the Jarai and Kinh, as a "Chủ hộ" list of a support programme holds them. */
const HEADS = ['Ksor H’Hen', 'Rơ Mah Hmun', 'Nguyễn Văn An', 'Siu Thu', 'Trần Thị Bình', 'Kpă Thuyên', 'Nay Phin', 'Đinh Văn Lâm'];

/** The publication gate (issue 12, item 8): names on their own, every row scanned, every served version cleared. */
for (const engine of engines()) {
  describe(`open data publication gate (${engine})`, () => {
    let p: TestPlatform;
    let admin: Session;
    const load = async (slug: string, csv: string, columns: ReturnType<typeof col>[], create = true) => {
      if (create) {
        await p.catalog.createDataset(SYSTEM, { slug, title: `Tập ${slug}`, publisherOrgId: 'so-khcn', access: 'open', licence: 'CC-BY-4.0', themes: ['khoa-hoc-cong-nghe'], keywords: ['thử nghiệm'], columns });
      }
      const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(csv)]), { filename: `${slug}.csv`, contentType: 'text/csv' });
      const run = await p.ingest.ingest(SYSTEM, { dataset: slug, uploadId: u.id, mode: 'replace', validRowsOnly: false });
      assert.equal(run.status, 'loaded', JSON.stringify(run.rejects));
    };
    const propose = async (slug: string) => {
      const r = await p.app.inject({ method: 'POST', url: `/api/opendata/datasets/${slug}/proposals`, headers: h(admin), payload: {} });
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as Pub;
    };
    const approve = (id: string) => p.app.inject({ method: 'POST', url: `/api/opendata/publications/${id}/approve`, headers: h(admin), payload: {} });
    const datasetId = async (slug: string) => (await p.catalog.getDataset(SYSTEM, slug)).id;
    /** A publication as the portal recorded it before this gate: published once, its scan clean under the rules of the day. */
    const legacyPublication = async (slug: string, version: number, state: 'superseded' | 'pending', scan: object) => {
      const r = await p.db.query<{ id: string }>(
        `INSERT INTO opendata_publications (dataset_id, version, state, scan, proposed_at, published_at, unpublished_at)
         VALUES ($1::uuid, $2, $3, $4::jsonb, now() - interval '2 days', CASE WHEN $3 = 'superseded' THEN now() - interval '2 days' END, CASE WHEN $3 = 'superseded' THEN now() - interval '1 day' END) RETURNING id`,
        [await datasetId(slug), version, state, JSON.stringify(scan)],
      );
      return r.rows[0]!.id;
    };

    before(async () => {
      p = await testPlatform(engine);
      admin = await p.login();
    });
    after(() => p.close());

    test('a "Chủ hộ" column of full names blocks the proposal by its header, a column of names alone by the shape of its values', async () => {
      const rows = HEADS.map((n, i) => `${n},Làng ${['Plei Ơi', 'Ia Grai', 'Chư Sê'][i % 3]},${(i + 1) * 500000}`).join('\n');
      await load('gate-chu-ho', `Chủ hộ,Thôn,Số tiền hỗ trợ\n${rows}\n`, [col('chu_ho', 'Chủ hộ'), col('thon', 'Thôn'), col('so_tien', 'Số tiền hỗ trợ', 'integer')]);
      const byHeader = await propose('gate-chu-ho');
      assert.equal(byHeader.state, 'blocked', JSON.stringify(byHeader.scan));
      assert.deepEqual(byHeader.scan.findings.map((f) => [f.column, f.kinds]), [['chu_ho', ['full-name']]]);
      // No identifier in any row, and a header that says nothing about people: the values alone.
      await load('gate-danh-sach', `Danh sách,Thôn\n${HEADS.map((n) => `${n},Plei Ơi`).join('\n')}\n`, [col('danh_sach', 'Danh sách'), col('thon', 'Thôn')]);
      const byShape = await propose('gate-danh-sach');
      assert.equal(byShape.state, 'blocked', JSON.stringify(byShape.scan));
      const f = byShape.scan.findings.find((x) => x.column === 'danh_sach');
      assert.deepEqual([f?.kinds, f?.matches, f?.textValues], [['full-name'], HEADS.length, HEADS.length], 'the evidence: names among text values');
      assert.ok(f?.example && !HEADS.some((n) => byShape.scan.findings.some((x) => x.example?.includes(n))), 'the example is masked');
      const refused = await approve(byShape.id);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().code, 'CONFLICT');
      assert.match(refused.json().detail, /dữ liệu cá nhân ở các cột danh_sach/);
    });

    test('the demo’s open datasets (commune names, agencies, products) still pass the gate', async () => {
      for (const d of DEMO_DATASETS) {
        const pub = await propose(d.meta.slug);
        assert.equal(pub.state, 'pending', `${d.meta.slug}: ${JSON.stringify(pub.scan.findings)}`);
        assert.equal(pub.scan.complete, true);
      }
    });

    test('the scan reads every row: a CCCD after row 500,000 blocks the proposal', async () => {
      const n = 500_001;
      await p.catalog.createDataset(SYSTEM, { slug: 'gate-dai', title: 'Tập lớn', publisherOrgId: 'so-khcn', access: 'open', licence: 'CC-BY-4.0', themes: ['khoa-hoc-cong-nghe'], keywords: ['thử nghiệm'], columns: [col('ma', 'Mã')] });
      const id = await datasetId('gate-dai');
      // Straight into the warehouse (COPY): the ingest pipeline is not what this test is about.
      async function* rows() {
        for (let i = 1; i <= n; i++) yield { line: i + 1, values: { ma: i === n ? '064095001234' : `M${i}` } };
      }
      await p.db.transaction((tx) => p.warehouse.load(tx, { datasetId: id, columns: [{ name: 'ma', type: 'text' }], keyColumns: [], mode: 'replace', rows: rows(), createdBy: null }));
      const r = await p.app.inject({ method: 'POST', url: '/api/opendata/datasets/gate-dai/proposals', headers: h(admin), payload: { version: 1 } });
      assert.equal(r.statusCode, 201, r.body);
      const pub = r.json() as Pub;
      assert.equal(pub.scan.rowsScanned, n);
      assert.equal(pub.scan.complete, true);
      assert.equal(pub.state, 'blocked', JSON.stringify(pub.scan));
      assert.deepEqual(pub.scan.findings.map((f) => [f.column, f.kinds, f.matches]), [['ma', ['cccd'], 1]]);
    });

    test('a proposal whose scan did not read the whole version cannot be approved', async () => {
      await load('gate-dang-do', 'Mã,Ghi chú\nA1,Lễ hội đua voi\n', [col('ma', 'Mã'), col('ghi_chu', 'Ghi chú')]);
      const id = await legacyPublication('gate-dang-do', 1, 'pending', { rowsScanned: 500_000, complete: false, findings: [] });
      const r = await approve(id);
      assert.equal(r.statusCode, 409, r.body);
      assert.match(String(r.headers['content-type']), /problem\+json/);
      assert.equal(r.json().reason, 'scan-incomplete');
      assert.match(r.json().detail, /chưa đọc hết phiên bản/);
      assert.equal(r.json().detail, r.json().detail.normalize('NFC'));
      const pkg = await p.app.inject({ url: '/api/3/action/package_show?id=gate-dang-do' });
      assert.equal(pkg.statusCode, 404, 'nothing was published');
    });

    test('download?version= serves only versions that pass today’s gate: an older version is checked on demand', async () => {
      const cols = [col('ma', 'Mã'), col('ghi_chu', 'Ghi chú')];
      // v1 was published before names counted on their own; v2 replaced the names with remarks.
      await load('gate-phien-ban', `Mã,Ghi chú\n${HEADS.map((n, i) => `A${i},${n}`).join('\n')}\n`, cols);
      await legacyPublication('gate-phien-ban', 1, 'superseded', { rowsScanned: HEADS.length, complete: true, findings: [] });
      await load('gate-phien-ban', `Mã,Ghi chú\n${HEADS.map((_, i) => `A${i},Đã hỗ trợ`).join('\n')}\n`, cols, false);
      const v2 = await propose('gate-phien-ban');
      assert.equal(v2.state, 'pending', JSON.stringify(v2.scan));
      assert.equal((await approve(v2.id)).statusCode, 200);

      for (const format of ['csv', 'json', 'xlsx']) {
        const old = await p.app.inject({ url: `/api/opendata/datasets/gate-phien-ban/download/${format}?version=1` });
        assert.equal(old.statusCode, 409, `${format}: ${old.body.slice(0, 300)}`);
        assert.match(String(old.headers['content-type']), /problem\+json/);
        assert.equal(old.json().reason, 'version-not-cleared');
        assert.match(old.json().detail, /không qua được kiểm tra dữ liệu cá nhân/);
        assert.ok(!HEADS.some((n) => old.body.includes(n)), 'no name leaves');
      }
      const live = await p.app.inject({ url: '/api/opendata/datasets/gate-phien-ban/download/csv' });
      assert.equal(live.statusCode, 200, live.body);
      assert.match(live.body, /Đã hỗ trợ/);

      // A clean older version is checked on demand once, then served; the verdict is recorded per version.
      await load('gate-sach', 'Mã,Ghi chú\nA1,Lễ hội đua voi\n', cols);
      await legacyPublication('gate-sach', 1, 'superseded', { rowsScanned: 1, complete: true, findings: [] });
      await load('gate-sach', 'Mã,Ghi chú\nA1,Lễ hội cồng chiêng\n', cols, false);
      assert.equal((await approve((await propose('gate-sach')).id)).statusCode, 200);
      const clean = await p.app.inject({ url: '/api/opendata/datasets/gate-sach/download/csv?version=1' });
      assert.equal(clean.statusCode, 200, clean.body);
      assert.match(clean.body, /Lễ hội đua voi/);
      const checks = await p.db.query<{ version: number; passed: boolean }>('SELECT version, passed FROM opendata_version_checks WHERE dataset_id = $1::uuid ORDER BY version', [await datasetId('gate-sach')]);
      assert.deepEqual(checks.rows.map((r) => [Number(r.version), r.passed]), [[1, true], [2, true]]);
    });

    test('datastore_search serves the live version only when it passes today’s gate', async () => {
      const cols = [col('ma', 'Mã'), col('ghi_chu', 'Ghi chú')];
      await load('gate-truc-tiep', 'Mã,Ghi chú\nA1,Lễ hội đua voi\n', cols);
      assert.equal((await approve((await propose('gate-truc-tiep')).id)).statusCode, 200);
      // v2 carries a column of names and went live before names counted on their own (as a publication of the old rules did).
      await load('gate-truc-tiep', `Mã,Ghi chú\n${HEADS.map((n, i) => `A${i},${n}`).join('\n')}\n`, cols, false);
      const id = await datasetId('gate-truc-tiep');
      await p.db.query(`UPDATE opendata_publications SET version = 2 WHERE dataset_id = $1::uuid AND state = 'published'`, [id]);
      await p.db.query('UPDATE opendata_packages SET version = 2 WHERE dataset_id = $1::uuid', [id]);
      const pkg = await p.app.inject({ url: '/api/3/action/package_show?id=gate-truc-tiep' });
      const resource = (pkg.json().result.resources as { id: string; format: string }[]).find((r) => r.format === 'CSV')!;
      const r = await p.app.inject({ url: `/api/3/action/datastore_search?resource_id=${resource.id}` });
      assert.equal(r.statusCode, 409, r.body.slice(0, 300));
      assert.equal(r.json().success, false);
      assert.equal(r.json().error.reason, 'version-not-cleared');
      assert.ok(!HEADS.some((n) => r.body.includes(n)), 'no name leaves');
      const dl = await p.app.inject({ url: '/api/opendata/datasets/gate-truc-tiep/download/csv' });
      assert.equal(dl.statusCode, 409, dl.body.slice(0, 300));
    });

    test('usage counts survive a failed write and are written by the next flush', async () => {
      await load('gate-dem', 'Mã,Ghi chú\nA1,Lễ hội đua voi\n', [col('ma', 'Mã'), col('ghi_chu', 'Ghi chú')]);
      assert.equal((await approve((await propose('gate-dem')).id)).statusCode, 200);
      const id = await datasetId('gate-dem');
      const before = (await p.opendata.usage('gate-dem')).downloads;
      await p.db.query('ALTER TABLE opendata_usage RENAME TO opendata_usage_away');
      try {
        for (let i = 0; i < 3; i++) p.opendata.count(id, 'downloads');
        await p.opendata.flush();
      } finally {
        await p.db.query('ALTER TABLE opendata_usage_away RENAME TO opendata_usage');
      }
      await p.opendata.flush();
      assert.equal((await p.opendata.usage('gate-dem')).downloads, before + 3);
    });
  });
}
