import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

type Session = { cookie: string; csrf: string };
const h = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
interface Page {
  total: number;
  items: { slug: string; id: string; access: string; publisherOrgId: string; status: string; themes: string[] }[];
  facets: Record<string, { value: string; count: number }[]>;
}
const facet = (p: Page, name: string) => Object.fromEntries(p.facets[name]!.map((f) => [f.value, f.count]));

for (const engine of engines()) {
  describe(`catalogue (${engine})`, () => {
    let p: TestPlatform;
    let admin: Session, steward: Session, viewer: Session, health: Session;
    let secretId = '';
    before(async () => {
      p = await testPlatform(engine);
      const mk = (username: string, orgId: string, role: 'steward' | 'viewer') =>
        p.org.createUser(SYSTEM, { username, displayName: username, orgId, role, password: `${username}-password-1` });
      await mk('cat.steward', 'so-cong-thuong', 'steward');
      await mk('cat.viewer', 'so-tai-chinh', 'viewer');
      await mk('cat.health', 'so-y-te', 'steward');
      admin = await p.login();
      steward = await p.login('cat.steward', 'cat.steward-password-1');
      viewer = await p.login('cat.viewer', 'cat.viewer-password-1');
      health = await p.login('cat.health', 'cat.health-password-1');
    });
    after(() => p.close());

    const search = async (qs: string, s?: Session): Promise<Page> => {
      const r = await p.app.inject({ url: `/api/catalog/datasets?${qs}`, headers: s ? { cookie: s.cookie } : {} });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as Page;
    };

    test('seeds the strategy’s 14 Appendix-3 databases and 13 key national databases as planned entries with their agencies', async () => {
      const all = await p.catalog.search(SYSTEM, { status: ['planned'], limit: 100 });
      assert.equal(all.total, 27);
      const bySlug = new Map(all.items.map((d) => [d.slug, d]));
      const expect: [string, string, string][] = [
        ['csdl-cong-nghiep', 'so-cong-thuong', '2027'], ['csdl-logistics', 'so-cong-thuong', '2027'], ['csdl-nang-luong', 'so-cong-thuong', 'Theo lộ trình thực hiện CSDL năng lượng quốc gia'],
        ['csdl-du-lich-thong-minh-kinh-te-di-san', 'so-vh-tt-dl', '2027: Hình thành CSDL; 2028-2030: Hoàn thiện và cập nhật 100% dữ liệu về di sản và du lịch'],
        ['csdl-nong-nghiep-thuy-san', 'so-nn-mt', '2028'], ['csdl-ocop', 'so-nn-mt', '2028'], ['csdl-khoang-san-tai-nguyen-dia-chat', 'so-nn-mt', '2027'],
        ['csdl-lao-dong', 'so-noi-vu', 'Theo lộ trình thực hiện CSDL lao động quốc gia'], ['csdl-ban-do-tinh', 'so-xay-dung', '2026'],
        ['csdl-quan-trac-moi-truong-tu-dong', 'so-nn-mt', '2026'], ['csdl-da-dang-sinh-hoc', 'so-nn-mt', '2027'],
        ['csdl-y-te-kham-chua-benh', 'so-y-te', '2028'], ['csdl-ho-so-suc-khoe-dien-tu', 'so-y-te', '2028'], ['csdl-y-te-du-phong', 'so-y-te', '2028'],
      ];
      for (const [slug, org, deadline] of expect) {
        const d = bySlug.get(slug);
        assert.ok(d, slug);
        assert.equal(d.publisherOrgId, org, slug);
        assert.equal(d.plannedCompletion, deadline, slug);
        assert.match(d.description ?? '', /Phụ lục 3/);
      }
      assert.equal(bySlug.get('csdl-y-te-kham-chua-benh')!.title, 'Cơ sở dữ liệu y tế về khám chữa bệnh');
      const national = all.items.filter((d) => d.slug.startsWith('csdl-qg-'));
      assert.equal(national.length, 13);
      assert.equal(bySlug.get('csdl-qg-dat-dai')!.title, 'CSDL quốc gia về Đất đai');
      assert.equal(bySlug.get('csdl-qg-ho-tich-dien-tu')!.publisherOrgId, 'so-tu-phap');
      assert.equal(bySlug.get('csdl-qg-tai-chinh')!.publisherOrgId, 'so-tai-chinh');
      assert.equal(bySlug.get('csdl-qg-giao-duc-dao-tao')!.publisherOrgId, 'so-gd-dt');
      assert.ok(national.every((d) => d.plannedCompletion === '2026' && /NV 3\.2/.test(d.description ?? '')));
      // Seeding again changes nothing.
      assert.equal((await p.catalog.seed()).created, 0);
    });

    test('finds “Sản lượng công nghiệp” with or without diacritics and despite a typo', async () => {
      const r = await p.app.inject({
        method: 'POST', url: '/api/catalog/datasets', headers: h(steward),
        payload: {
          slug: 'san-luong-cong-nghiep', title: 'Sản lượng công nghiệp', titleEn: 'Industrial output', description: 'Sản lượng sản phẩm công nghiệp chủ yếu theo tháng.',
          keywords: ['công nghiệp', 'IIP'], themes: ['cong-nghiep'], publisherOrgId: 'so-cong-thuong', access: 'open', importance: 'important',
          updateFrequency: 'monthly', licence: 'CC-BY-4.0', contact: { name: 'Phòng Quản lý công nghiệp', email: 'qlcn@gialai.gov.vn' },
          spatial: { scope: 'communes', communes: ['21553', '23575'] }, temporal: { start: '2025-01-01', end: '2026-12-31' },
        },
      });
      assert.equal(r.statusCode, 201, r.body);
      assert.deepEqual(r.json().spatial, { scope: 'communes', communes: ['21553', '23575'] });
      for (const q of ['san luong cong nghiep', 'sản lượng', 'san luong cong ngiep', 'SẢN LƯỢNG CÔNG NGHIỆP', 'industrial output']) {
        const page = await search(`q=${encodeURIComponent(q)}`);
        assert.ok(page.total >= 1, q);
        assert.equal(page.items[0]!.slug, 'san-luong-cong-nghiep', `${q}: ${page.items.map((i) => i.slug).join(', ')}`);
      }
      assert.equal((await search('q=zzqx%20khong%20co')).total, 0);
    });

    test('facets count themes, agencies, classes and status over the same rows the list returns', async () => {
      const page = await search('publisher=so-cong-thuong&limit=100', admin);
      // Four planned databases of the strategy, the dataset created above, and the IIP sample of the indicators demo.
      assert.equal(page.total, 6);
      assert.deepEqual(facet(page, 'status'), { planned: 4, active: 2 });
      assert.deepEqual(facet(page, 'publisher'), { 'so-cong-thuong': 6 });
      assert.equal(facet(page, 'theme')['cong-nghiep'], page.items.filter((d) => d.themes.includes('cong-nghiep')).length);
      const importance = facet(page, 'importance');
      assert.equal(Object.values(importance).reduce((a, b) => a + b, 0), 6);
      const paged = await search('publisher=so-cong-thuong&limit=2&offset=2', admin);
      assert.equal(paged.total, 6);
      assert.equal(paged.items.length, 2);
      const themed = await search('theme=y-te&limit=100', admin);
      assert.ok(themed.items.every((d) => d.themes.includes('y-te')) && themed.total === 4, String(themed.total));
    });

    test('an anonymous caller never sees a private dataset: not in lists, searches, facets or by id', async () => {
      const created = await p.app.inject({
        method: 'POST', url: '/api/catalog/datasets', headers: h(health),
        payload: { slug: 'benh-nhan-zircon', title: 'Danh sách bệnh nhân zircon', themes: ['y-te'], publisherOrgId: 'so-y-te', access: 'private', personalData: true, importance: 'core' },
      });
      assert.equal(created.statusCode, 201, created.body);
      secretId = created.json().id;
      const anon = await search('q=zircon');
      assert.equal(anon.total, 0);
      assert.deepEqual(anon.facets.theme, []);
      const everything = await search('limit=100');
      assert.ok(everything.items.every((d) => d.access === 'open'));
      assert.deepEqual(Object.keys(facet(everything, 'access')), ['open']);
      assert.equal(everything.total, facet(everything, 'access').open);
      assert.ok(!('private' in facet(everything, 'access')) && !('core' in facet(everything, 'importance')));
      for (const key of ['benh-nhan-zircon', secretId]) {
        const r = await p.app.inject({ url: `/api/catalog/datasets/${key}` });
        assert.equal(r.statusCode, 404);
        assert.equal(r.json().code, 'NOT_FOUND');
      }
      // A logged-in user of another agency sees shared entries but not this private one; the publisher does.
      const other = await search('limit=100', viewer);
      assert.ok(other.items.some((d) => d.access === 'shared'));
      assert.ok(!other.items.some((d) => d.access === 'private'));
      assert.equal((await p.app.inject({ url: '/api/catalog/datasets/benh-nhan-zircon', headers: { cookie: viewer.cookie } })).statusCode, 404);
      assert.equal((await search('q=zircon', health)).total, 1);
      assert.equal((await search('q=zircon', admin)).total, 1);
      assert.equal((await p.app.inject({ url: `/api/catalog/datasets/${secretId}`, headers: { cookie: health.cookie } })).statusCode, 200);
    });

    test('writes are for stewards of the publisher agency and admins; personal data cannot be open', async () => {
      const body = { slug: 'thu-nghiem-quyen', title: 'Thử nghiệm quyền', publisherOrgId: 'so-y-te', access: 'shared' };
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/catalog/datasets', payload: body })).statusCode, 401);
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/catalog/datasets', headers: h(viewer), payload: body })).statusCode, 403);
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/catalog/datasets', headers: h(steward), payload: body })).statusCode, 403);
      const pii = await p.app.inject({ method: 'POST', url: '/api/catalog/datasets', headers: h(health), payload: { ...body, access: 'open', personalData: true } });
      assert.equal(pii.statusCode, 400);
      assert.equal(pii.json().errors[0].field, 'access');
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/catalog/datasets', headers: h(health), payload: body })).statusCode, 201);
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/catalog/datasets', headers: h(admin), payload: body })).statusCode, 409);
      const patch = await p.app.inject({ method: 'PATCH', url: '/api/catalog/datasets/thu-nghiem-quyen', headers: h(steward), payload: { title: 'Đổi tên' } });
      assert.equal(patch.statusCode, 403);
      const ok = await p.app.inject({ method: 'PATCH', url: '/api/catalog/datasets/thu-nghiem-quyen', headers: h(health), payload: { title: 'Đổi tên', keywords: ['thử'] } });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().title, 'Đổi tên');
    });

    test('a schema binds columns to dictionary elements and refuses mismatches', async () => {
      const url = '/api/catalog/datasets/san-luong-cong-nghiep/schema';
      const columns = [
        { name: 'ma_xa', title: 'Mã xã', type: 'text', elementCode: 'ma_xa', required: true, key: true, unit: null, codeList: 'communes', rules: {} },
        { name: 'ky', title: 'Kỳ báo cáo', type: 'text', elementCode: 'ky_bao_cao', required: true, key: true, unit: null, codeList: null, rules: {} },
        { name: 'san_luong', title: 'Sản lượng', type: 'number', elementCode: 'san_luong', required: false, key: false, unit: 'tấn', codeList: null, rules: { min: 0 } },
      ];
      const r = await p.app.inject({ method: 'PUT', url, headers: h(steward), payload: { columns } });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().columns.map((c: { name: string }) => c.name), ['ma_xa', 'ky', 'san_luong']);
      assert.equal(r.json().schemaVersion, 1);
      const bad = await p.app.inject({
        method: 'PUT', url, headers: h(steward),
        payload: { columns: [{ ...columns[0], type: 'integer' }, { ...columns[1], required: false }, { ...columns[2], elementCode: 'khong_co' }] },
      });
      assert.equal(bad.statusCode, 400);
      assert.deepEqual((bad.json().errors as { field: string }[]).map((e) => e.field), ['columns[0].type', 'columns[1].key', 'columns[2].elementCode']);
      const ds = await p.catalog.getDataset(SYSTEM, 'san-luong-cong-nghiep');
      assert.equal(ds.columns.length, 3);
    });

    test('noteVersion records the load inside the caller’s transaction; a planned entry becomes active; quality rolls up by agency', async () => {
      const planned = await p.catalog.getDataset(SYSTEM, 'csdl-cong-nghiep');
      assert.equal(planned.status, 'planned');
      const qualityOf = async () => {
        const rows = (await p.app.inject({ url: '/api/catalog/quality' })).json() as { orgId: string; scored: number; score: number | null }[];
        return rows.find((x) => x.orgId === 'so-cong-thuong')!;
      };
      const before = await qualityOf(); // the agency's sample datasets are scored already
      const quality = { validity: 0.9, completeness: 1, uniqueness: 1, freshness: 1, score: 0.975 };
      await assert.rejects(p.db.transaction(async (tx) => {
        await p.catalog.noteVersion(tx, planned.id, { version: 1, loadedAt: new Date(), rows: 10, quality });
        throw new Error('rollback');
      }));
      assert.equal((await p.catalog.getDataset(SYSTEM, planned.id)).latestVersion, null);
      await p.db.transaction((tx) => p.catalog.noteVersion(tx, planned.id, { version: 1, loadedAt: new Date(), rows: 10, quality }));
      const d = await p.catalog.getDataset(SYSTEM, planned.id);
      assert.deepEqual([d.status, d.latestVersion, d.rowCount, d.quality], ['active', 1, 10, quality]);
      const ct = await qualityOf();
      assert.equal(ct.scored, before.scored + 1);
      // The rolled-up score is the mean of the scored datasets (both figures are rounded to 0.001).
      const expected = ((before.score ?? 0) * before.scored + 0.975) / (before.scored + 1);
      assert.ok(Math.abs(ct.score! - expected) <= 0.001, `${ct.score} vs ${expected}`);
      await assert.rejects(p.db.transaction((tx) => p.catalog.noteVersion(tx, '00000000-0000-4000-8000-000000000000', { version: 1, loadedAt: new Date(), rows: 1, quality })), { code: 'NOT_FOUND' });
    });

    test('serves the theme vocabulary in Vietnamese and English', async () => {
      const themes = (await p.app.inject({ url: '/api/catalog/themes' })).json() as { code: string; vi: string; en: string; euTheme: string }[];
      for (const c of ['cong-nghiep', 'doanh-nghiep', 'lao-dong', 'du-lich', 'quy-hoach', 'ocop', 'nong-nghiep', 'moi-truong', 'y-te', 'giao-duc', 'dan-cu',
        'giao-thong', 'nang-luong', 'tai-chinh', 'dat-dai', 'van-hoa', 'khoa-hoc-cong-nghe']) assert.ok(themes.some((t) => t.code === c), c);
      assert.match(themes[0]!.euTheme, /^http:\/\/publications\.europa\.eu\/resource\/authority\/data-theme\/[A-Z]{4}$/);
    });
  });
}
