import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

type Session = { cookie: string; csrf: string };
const h = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
interface Ckan<T = Record<string, unknown>> {
  help: string;
  success: boolean;
  result: T;
  error: { __type: string; message?: string; [k: string]: unknown };
}
interface Pkg {
  id: string;
  name: string;
  title: string;
  organization: { name: string; title: string };
  resources: { id: string; url: string; format: string; name: string; datastore_active: boolean }[];
  tags: { name: string }[];
  groups: { name: string }[];
  license_id: string;
  metadata_created: string;
  metadata_modified: string;
  extras: { key: string; value: string }[];
}

const col = (name: string, title: string, type: 'text' | 'integer' | 'number' | 'date' | 'geometry', key = false) =>
  ({ name, title, type, elementCode: null, required: key, key, unit: null, codeList: null, rules: {} });

for (const engine of engines()) {
  describe(`open data portal (${engine})`, () => {
    let p: TestPlatform;
    let admin: Session, steward: Session;
    const ckan = async <T = Record<string, unknown>>(action: string, qs = '', headers: Record<string, string> = {}) => {
      const r = await p.app.inject({ url: `/api/3/action/${action}${qs ? `?${qs}` : ''}`, headers });
      return { status: r.statusCode, body: r.json() as Ckan<T> };
    };
    const load = async (slug: string, csv: string, columns: ReturnType<typeof col>[], meta: Record<string, unknown> = {}) => {
      await p.catalog.createDataset(SYSTEM, {
        slug, title: `Tập ${slug}`, publisherOrgId: 'so-khcn', access: 'open', licence: 'CC-BY-4.0', themes: ['khoa-hoc-cong-nghe'], keywords: ['thử nghiệm'], columns, ...meta,
      });
      const { Readable } = await import('node:stream');
      const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(csv)]), { filename: `${slug}.csv`, contentType: 'text/csv' });
      const run = await p.ingest.ingest(SYSTEM, { dataset: slug, uploadId: u.id, mode: 'replace', validRowsOnly: false });
      assert.equal(run.status, 'loaded', JSON.stringify(run.rejects));
    };
    const propose = (slug: string, s: Session = steward) =>
      p.app.inject({ method: 'POST', url: `/api/opendata/datasets/${slug}/proposals`, headers: h(s), payload: {} });
    const approve = (id: string, s: Session = admin) => p.app.inject({ method: 'POST', url: `/api/opendata/publications/${id}/approve`, headers: h(s), payload: {} });
    const publish = async (slug: string) => {
      const r = await propose(slug);
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.json().state, 'pending', r.body);
      const a = await approve(r.json().id);
      assert.equal(a.statusCode, 200, a.body);
      return a.json() as { id: string; state: string };
    };

    before(async () => {
      p = await testPlatform(engine);
      await p.org.createUser(SYSTEM, { username: 'od.steward', displayName: 'Steward', orgId: 'so-khcn', role: 'steward', password: 'od.steward-password-1' });
      admin = await p.login();
      steward = await p.login('od.steward', 'od.steward-password-1');
      await load('od-gia-ca-phe', 'Mã xã,Ngày,Giá (đồng/kg),Ghi chú\n23575,2025-01-02,120500,=HYPERLINK("http://x")\n23575,2025-01-03,121000,Giá cà phê nhân xô\n21553,2025-01-02,119800,-5% so với tuần trước\n', [
        col('ma_xa', 'Mã xã', 'text'), col('ngay', 'Ngày', 'date'), col('gia', 'Giá (đồng/kg)', 'number'), col('ghi_chu', 'Ghi chú', 'text'),
      ], { title: 'Giá cà phê nhân xô tại Gia Lai', keywords: ['cà phê', 'giá cả'], themes: ['nong-nghiep'] });
    });
    after(() => p.close());

    test('a dataset with a CCCD column cannot be published: the scan blocks it and names the column', async () => {
      await load('od-ho-tro', 'Họ tên,Số CCCD,Xã,Số tiền\nNguyễn Văn An,064095001234,Ia Grai,5000000\nTrần Thị Bình,052190004321,Pleiku,3000000\n', [
        col('ho_ten', 'Họ tên', 'text'), col('so_giay_to', 'Số CCCD', 'text'), col('xa', 'Xã', 'text'), col('so_tien', 'Số tiền', 'integer'),
      ]);
      const r = await propose('od-ho-tro');
      assert.equal(r.statusCode, 201, r.body);
      const pub = r.json() as { id: string; state: string; scan: { findings: { column: string; kinds: string[]; example: string }[] } };
      assert.equal(pub.state, 'blocked');
      const byCol = new Map(pub.scan.findings.map((f) => [f.column, f.kinds]));
      assert.ok(byCol.get('so_giay_to')?.includes('cccd'), JSON.stringify(pub.scan.findings));
      assert.ok(byCol.get('ho_ten')?.includes('full-name'), 'the name next to a CCCD is personal data');
      assert.ok(!pub.scan.findings.some((f) => f.example.includes('064095001234')), 'the report masks what it found');
      const a = await approve(pub.id);
      assert.equal(a.statusCode, 409, a.body);
      assert.match(a.json().detail, /so_giay_to/);
      assert.equal((await ckan('package_show', 'id=od-ho-tro')).status, 404);
    });

    test('recognises phones, e-mail, tax codes, bank accounts and house-number addresses in values', async () => {
      await load('od-lien-he', 'Đơn vị,Liên hệ,Ghi chú\nHTX A,0912 345 678,Số 12 đường Lê Lợi\nHTX B,an.nguyen@example.vn,STK 0123456789 Vietcombank\nHTX C,+84 389 123 456,MST 4101234567-001\n', [
        col('don_vi', 'Đơn vị', 'text'), col('lien_he', 'Liên hệ', 'text'), col('ghi_chu', 'Ghi chú', 'text'),
      ]);
      const pub = (await propose('od-lien-he')).json() as { state: string; scan: { findings: { column: string; kinds: string[] }[] } };
      assert.equal(pub.state, 'blocked');
      const kinds = new Map(pub.scan.findings.map((f) => [f.column, new Set(f.kinds)]));
      assert.deepEqual([...kinds.keys()], ['lien_he', 'ghi_chu']);
      for (const k of ['phone', 'email']) assert.ok(kinds.get('lien_he')!.has(k as never), k);
      for (const k of ['address', 'bank-account', 'tax-code']) assert.ok(kinds.get('ghi_chu')!.has(k as never), k);
    });

    test('only open datasets with a licence can be proposed', async () => {
      await p.catalog.createDataset(SYSTEM, { slug: 'od-rieng', title: 'Riêng', publisherOrgId: 'so-khcn', access: 'shared', licence: 'none' });
      const r = await propose('od-rieng');
      assert.equal(r.statusCode, 400, r.body);
      const fields = (r.json().errors as { field: string }[]).map((e) => e.field).sort();
      assert.deepEqual(fields, ['access', 'licence']);
    });

    test('a steward proposes, an approver publishes; it appears in the CKAN API; a steward cannot approve', async () => {
      const r = await propose('od-gia-ca-phe');
      assert.equal(r.json().state, 'pending', r.body);
      assert.equal((await approve(r.json().id, steward)).statusCode, 403);
      assert.equal((await ckan('package_show', 'id=od-gia-ca-phe')).status, 404, 'not public before approval');
      assert.equal((await approve(r.json().id)).statusCode, 200);
      const show = await ckan<Pkg>('package_show', 'id=od-gia-ca-phe');
      assert.equal(show.status, 200);
      assert.equal(show.body.success, true);
      assert.match(show.body.help, /\/api\/3\/action\/help_show\?name=package_show$/);
      const pkg = show.body.result;
      assert.equal(pkg.name, 'od-gia-ca-phe');
      assert.equal(pkg.organization.name, 'so-khcn');
      assert.equal(pkg.organization.title, 'Sở Khoa học và Công nghệ');
      assert.deepEqual(pkg.resources.map((x) => x.format), ['CSV', 'JSON', 'XLSX']);
      assert.ok(pkg.resources.every((x) => x.datastore_active && x.id && x.url.includes('/download/')));
      assert.deepEqual(pkg.tags.map((t) => t.name).sort(), ['cà phê', 'giá cả']);
      assert.equal(pkg.license_id, 'CC-BY-4.0');
      assert.match(pkg.metadata_modified, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+$/, 'CKAN timestamps have no zone suffix');
      assert.equal((await ckan<Pkg>('package_show', `id=${pkg.id}`)).body.result.name, 'od-gia-ca-phe', 'id or name');
      assert.ok((await ckan<string[]>('package_list')).body.result.includes('od-gia-ca-phe'));
    });

    test('package_search as CKAN documents it: q without diacritics, fq, rows/start, sort, facet.field', async () => {
      const s = await ckan<{ count: number; results: Pkg[]; facets: Record<string, Record<string, number>>; search_facets: Record<string, { items: { name: string; count: number }[] }> }>(
        'package_search', `q=${encodeURIComponent('gia ca phe')}&facet.field=${encodeURIComponent('["tags","organization","res_format"]')}&rows=5`,
      );
      assert.equal(s.status, 200, JSON.stringify(s.body));
      assert.equal(s.body.result.results[0]!.name, 'od-gia-ca-phe');
      assert.equal(s.body.result.facets.organization!['so-khcn'], 1);
      assert.ok(s.body.result.search_facets.res_format!.items.some((i) => i.name === 'CSV'));
      const fq = async (q: string) => (await ckan<{ count: number; results: Pkg[] }>('package_search', `fq=${encodeURIComponent(q)}&rows=1000`)).body.result;
      assert.deepEqual((await fq('tags:"cà phê"')).results.map((x) => x.name), ['od-gia-ca-phe']);
      assert.deepEqual((await fq('organization:so-khcn AND res_format:CSV')).results.map((x) => x.name), ['od-gia-ca-phe']);
      assert.equal((await fq('organization:so-khcn AND tags:khong-co')).count, 0);
      const either = await fq('tags:"cà phê" OR groups:du-lich');
      assert.ok(either.results.some((x) => x.name === 'od-gia-ca-phe') && either.results.some((x) => x.groups.some((g) => g.name === 'du-lich')));
      assert.ok((await fq('-tags:"cà phê"')).results.every((x) => x.name !== 'od-gia-ca-phe'));
      assert.equal((await fq('license_id:CC-BY-4.0 +dataset_type:dataset')).count, (await ckan<string[]>('package_list')).body.result.length);
      assert.ok((await fq('metadata_modified:[2020-01-01T00:00:00Z TO *]')).count >= 1);
      const all = (await ckan<{ count: number; results: Pkg[] }>('package_search', 'rows=2&start=1&sort=name%20asc')).body.result;
      const names = (await ckan<string[]>('package_list')).body.result;
      assert.deepEqual(all.results.map((x) => x.name), names.slice(1, 3));
      assert.equal(all.count, names.length);
      const titles = (await ckan<{ results: Pkg[] }>('package_search', 'rows=1000&sort=title_string%20asc')).body.result.results.map((x) => x.title);
      assert.deepEqual(titles, [...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    test('datastore_search as CKAN documents it: filters, q, fields, sort, limit, offset, total, fields with types, _links', async () => {
      const pkg = (await ckan<Pkg>('package_show', 'id=od-gia-ca-phe')).body.result;
      const rid = pkg.resources[0]!.id;
      const r = await ckan<{ total: number; records: Record<string, unknown>[]; fields: { id: string; type: string }[]; _links: { start: string; next: string }; limit: number }>(
        'datastore_search', `resource_id=${rid}&filters=${encodeURIComponent('{"ma_xa":"23575"}')}&sort=${encodeURIComponent('gia desc')}&limit=1`,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.result.total, 2);
      assert.equal(r.body.result.records.length, 1);
      assert.equal(r.body.result.records[0]!.gia, 121000);
      assert.deepEqual(r.body.result.fields, [{ id: '_id', type: 'int' }, { id: 'ma_xa', type: 'text' }, { id: 'ngay', type: 'date' }, { id: 'gia', type: 'numeric' }, { id: 'ghi_chu', type: 'text' }]);
      assert.match(r.body.result._links.next, /offset=1/);
      const q = await ckan<{ total: number; records: Record<string, unknown>[] }>('datastore_search', `resource_id=${rid}&q=${encodeURIComponent('ca phe')}&fields=ma_xa,gia`);
      assert.equal(q.body.result.total, 1);
      assert.deepEqual(Object.keys(q.body.result.records[0]!).sort(), ['_id', 'gia', 'ma_xa']);
      const many = await ckan<{ limit: number; records: unknown[] }>('datastore_search', `resource_id=${rid}&limit=999999999`);
      assert.equal(many.status, 200);
      assert.equal(many.body.result.limit, 32000, 'a huge limit is capped at CKAN’s rows_max, as CKAN does');
      const post = await p.app.inject({ method: 'POST', url: '/api/3/action/datastore_search', payload: { resource_id: rid, filters: { ma_xa: ['21553'] } } });
      assert.equal(post.json().result?.total, 1, post.body);
    });

    test('bad input gets CKAN-style errors, never 500', async () => {
      const cases: [string, string, number, string][] = [
        ['package_search', 'fq=tags:(a%20OR%20b)', 400, 'Search Query Error'],
        ['package_search', `fq=${encodeURIComponent('tags:"unbalanced')}`, 400, 'Search Query Error'],
        ['package_search', 'fq=nosuchfield:x', 400, 'Search Query Error'],
        ['package_search', 'fq=AND%20tags:x', 400, 'Search Query Error'],
        ['package_search', 'rows=-1', 409, 'Validation Error'],
        ['package_search', 'start=abc', 409, 'Validation Error'],
        ['package_search', 'sort=popularity%20desc', 400, 'Search Query Error'],
        ['package_search', 'sort=name%20sideways', 400, 'Search Query Error'],
        ['package_search', 'facet.field=notjson', 409, 'Validation Error'],
        ['package_show', '', 409, 'Validation Error'],
        ['package_show', 'id=khong-co', 404, 'Not Found Error'],
        ['organization_show', 'id=khong-co', 404, 'Not Found Error'],
        ['resource_show', 'id=00000000-0000-0000-0000-000000000000', 404, 'Not Found Error'],
        ['datastore_search', 'resource_id=not-a-uuid', 404, 'Not Found Error'],
        ['datastore_search', '', 409, 'Validation Error'],
      ];
      for (const [action, qs, status, type] of cases) {
        const r = await ckan(action, qs);
        assert.equal(r.status, status, `${action}?${qs}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.success, false);
        assert.equal(r.body.error.__type, type, `${action}?${qs}`);
      }
      const rows = (await ckan<{ results: unknown[] }>('package_search', 'rows=5000')).body;
      assert.equal(rows.success, true, 'rows above 1000 are capped, as CKAN does');
      const unknown = await ckan('no_such_action');
      assert.equal(unknown.status, 400);
      const rid = (await ckan<Pkg>('package_show', 'id=od-gia-ca-phe')).body.result.resources[0]!.id;
      for (const qs of ['filters=%7Bbad', `filters=${encodeURIComponent('{"khong_co":1}')}`, 'sort=khong_co', 'fields=khong_co', 'limit=-5']) {
        const r = await ckan('datastore_search', `resource_id=${rid}&${qs}`);
        assert.equal(r.status, 409, `${qs}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.__type, 'Validation Error');
      }
    });

    test('datastore_search on a resource of a private or unpublished dataset says Not Found; downloads of unpublished versions are refused', async () => {
      await load('od-tam', 'A\nx\n', [col('a', 'A', 'text')]);
      await publish('od-tam');
      const rid = (await ckan<Pkg>('package_show', 'id=od-tam')).body.result.resources[0]!.id;
      assert.equal((await ckan('datastore_search', `resource_id=${rid}`)).status, 200);
      assert.equal((await p.app.inject({ url: '/api/opendata/datasets/od-tam/download/csv' })).statusCode, 200);
      const un = await p.app.inject({ method: 'POST', url: '/api/opendata/datasets/od-tam/unpublish', headers: h(admin), payload: { note: 'thử' } });
      assert.equal(un.statusCode, 200, un.body);
      assert.equal(un.json().state, 'unpublished');
      const ds = await ckan('datastore_search', `resource_id=${rid}`);
      assert.equal(ds.status, 404);
      assert.equal(ds.body.error.__type, 'Not Found Error');
      assert.equal((await ckan('resource_show', `id=${rid}`)).status, 404);
      assert.equal((await p.app.inject({ url: '/api/opendata/datasets/od-tam/download/csv' })).statusCode, 404);
      const hist = await p.app.inject({ url: '/api/opendata/datasets/od-tam/publications', headers: h(steward) });
      assert.deepEqual((hist.json() as { state: string }[]).map((x) => x.state), ['unpublished'], 'unpublishing keeps the history');
      // A private dataset's rows never leave through the CKAN API, whatever id is tried.
      await load('od-mat', 'A\nsecret\n', [col('a', 'A', 'text')], { access: 'private', licence: 'none' });
      const secret = await p.catalog.getDataset(SYSTEM, 'od-mat');
      assert.equal((await ckan('datastore_search', `resource_id=${secret.id}`)).status, 404);
      assert.equal((await ckan('package_show', `id=${secret.id}`)).status, 404);
      // A version that was never published cannot be downloaded.
      assert.equal((await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/download/csv?version=7' })).statusCode, 404);
    });

    test('downloads: CSV in UTF-8 with BOM and formulas neutralised, JSON, XLSX; GeoJSON only with geometry', async () => {
      const csv = await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/download/csv' });
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv; charset=utf-8/);
      assert.match(String(csv.headers['content-disposition']), /attachment; filename="od-gia-ca-phe-v1.csv"/);
      assert.deepEqual([...csv.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      const text = csv.rawPayload.subarray(3).toString('utf8');
      assert.ok(text.startsWith('Mã xã,Ngày,Giá (đồng/kg),Ghi chú\r\n'), text.slice(0, 80));
      assert.match(text, /"'=HYPERLINK\(""http:\/\/x""\)"/);
      assert.match(text, /'-5% so với tuần trước/);
      assert.match(text, /Giá cà phê nhân xô/);
      const json = await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/download/json' });
      assert.equal((json.json() as unknown[]).length, 3);
      const xlsx = await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/download/xlsx' });
      assert.equal(xlsx.statusCode, 200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      assert.equal(ws.getRow(1).getCell(1).value, 'Mã xã');
      const cells = [2, 3, 4].map((i) => ws.getRow(i).getCell(4).value);
      assert.ok(cells.includes("'=HYPERLINK(\"http://x\")"), JSON.stringify(cells));
      assert.equal(typeof ws.getRow(2).getCell(3).value, 'number');
      assert.equal((await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/download/geojson' })).statusCode, 404);
      const geo = await p.app.inject({ url: '/api/opendata/datasets/mau-cum-cong-nghiep/download/geojson' });
      assert.equal(geo.statusCode, 200, geo.body);
      const fc = geo.json() as { type: string; features: { geometry: { type: string } }[] };
      assert.equal(fc.type, 'FeatureCollection');
      assert.equal(fc.features[0]!.geometry.type, 'Point');
    });

    test('usage statistics count views, downloads and API calls per dataset', async () => {
      const before = (await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/usage' })).json() as { views: number; downloads: number; apiCalls: number };
      await ckan('package_show', 'id=od-gia-ca-phe');
      await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/download/json' });
      const rid = (await ckan<Pkg>('package_show', 'id=od-gia-ca-phe')).body.result.resources[0]!.id;
      await ckan('datastore_search', `resource_id=${rid}`);
      const after = (await p.app.inject({ url: '/api/opendata/datasets/od-gia-ca-phe/usage' })).json() as { views: number; downloads: number; apiCalls: number };
      assert.equal(after.views - before.views, 2);
      assert.equal(after.downloads - before.downloads, 1);
      assert.equal(after.apiCalls - before.apiCalls, 1);
    });

    test('the living demo publishes sample open datasets over the real communes, labelled “dữ liệu mẫu”', async () => {
      const s = (await ckan<{ count: number; results: Pkg[] }>('package_search', `fq=${encodeURIComponent('tags:"dữ liệu mẫu"')}&rows=100`)).body.result;
      assert.ok(s.count >= 5 && s.count <= 6, String(s.count));
      assert.ok(s.results.every((x) => x.title.includes('dữ liệu mẫu')));
      const groups = new Set(s.results.flatMap((x) => x.groups.map((g) => g.name)));
      for (const g of ['du-lich', 'cong-nghiep', 'ocop', 'lao-dong', 'doanh-nghiep', 'quy-hoach']) assert.ok(groups.has(g), g);
      const tourism = (await ckan<{ results: Pkg[] }>('package_search', 'q=du%20lich&rows=1')).body.result.results[0]!;
      assert.equal(tourism.name, 'mau-co-so-luu-tru-du-lich', '“du lich” finds “Du lịch” without diacritics');
      const rid = tourism.resources[0]!.id;
      const rows = (await ckan<{ total: number }>('datastore_search', `resource_id=${rid}&limit=0`)).body.result;
      assert.equal(rows.total, 135);
      const ds = await p.catalog.getDataset(SYSTEM, 'mau-co-so-luu-tru-du-lich');
      assert.ok(ds.quality && ds.latestVersion === 1, 'loaded through ingestion, with a version and a quality score');
    });

    test('organization_list, group_list, tag_list and resource_show follow CKAN’s shapes', async () => {
      const orgs = (await ckan<{ name: string; title: string; package_count: number }[]>('organization_list', 'all_fields=true')).body.result;
      assert.equal(orgs.find((o) => o.name === 'so-khcn')!.title, 'Sở Khoa học và Công nghệ');
      assert.ok(orgs.find((o) => o.name === 'so-khcn')!.package_count >= 1);
      assert.ok((await ckan<string[]>('organization_list')).body.result.includes('so-vh-tt-dl'));
      assert.ok((await ckan<string[]>('group_list')).body.result.includes('du-lich'));
      assert.ok((await ckan<string[]>('tag_list')).body.result.includes('cà phê'));
      const org = (await ckan<{ name: string }>('organization_show', 'id=so-khcn')).body.result;
      assert.equal(org.name, 'so-khcn');
      const pkg = (await ckan<Pkg>('package_show', 'id=od-gia-ca-phe')).body.result;
      const res = (await ckan<{ id: string; format: string }>('resource_show', `id=${pkg.resources[1]!.id}`)).body.result;
      assert.equal(res.format, 'JSON');
    });

    test('developer keys raise the rate limit; anonymous callers get a lower one; bad keys are refused', async () => {
      const key = await p.app.inject({ method: 'POST', url: '/api/opendata/developers/keys', payload: { name: 'Ứng dụng thử', email: 'dev@example.vn' } });
      assert.equal(key.statusCode, 201, key.body);
      assert.match(key.json().key, /^pod_/);
      const withKey = await ckan('package_list', '', { authorization: key.json().key as string });
      assert.equal(withKey.status, 200);
      const bad = await ckan('package_list', '', { authorization: 'pod_wrong' });
      assert.equal(bad.status, 403);
      assert.equal(bad.body.error.__type, 'Authorization Error');
      const limited = p.opendata.limits.anonymous;
      let last = 0;
      for (let i = 0; i <= limited; i++) last = (await p.app.inject({ url: '/api/3/action/status_show', remoteAddress: '10.9.9.9' })).statusCode;
      assert.equal(last, 429);
      assert.equal((await ckan('package_list', '', { authorization: key.json().key as string })).status, 200, 'the key has its own, higher limit');
    });

    test('application showcase: a developer registers, an editor approves, the public list and the KPI count it', async () => {
      const kpi0 = (await p.app.inject({ url: '/api/opendata/kpi' })).json() as { openDatasets: number; approvedApps: number; target2027: number; target2030: number; target: number };
      assert.deepEqual([kpi0.target2027, kpi0.target2030, kpi0.target], [100, 200, 10]);
      assert.equal(kpi0.openDatasets, (await ckan<string[]>('package_list')).body.result.length);
      const app = await p.app.inject({
        method: 'POST', url: '/api/opendata/apps',
        payload: { name: 'Bản đồ du lịch Gia Lai', description: 'Ứng dụng bản đồ cơ sở lưu trú', url: 'https://example.vn/app', developerName: 'Nhóm A', developerEmail: 'a@example.vn', datasets: ['mau-co-so-luu-tru-du-lich'] },
      });
      assert.equal(app.statusCode, 201, app.body);
      assert.equal((await p.app.inject({ url: '/api/opendata/apps' })).json().length, 0, 'not listed before approval');
      assert.equal((await p.app.inject({ method: 'POST', url: `/api/opendata/apps/${app.json().id}/review`, headers: h(steward), payload: { decision: 'approved' } })).statusCode, 403);
      const ok = await p.app.inject({ method: 'POST', url: `/api/opendata/apps/${app.json().id}/review`, headers: h(admin), payload: { decision: 'approved' } });
      assert.equal(ok.statusCode, 200, ok.body);
      const list = (await p.app.inject({ url: '/api/opendata/apps' })).json() as { name: string; developerEmail?: string }[];
      assert.deepEqual(list.map((a) => a.name), ['Bản đồ du lịch Gia Lai']);
      assert.equal(list[0]!.developerEmail, undefined, 'the developer’s e-mail is not published');
      assert.equal(((await p.app.inject({ url: '/api/opendata/kpi' })).json() as { approvedApps: number }).approvedApps, kpi0.approvedApps + 1);
    });
  });
}
