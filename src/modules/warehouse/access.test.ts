import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { AGENCY_A, AGENCY_B, countIndicator, loadAccessFixture, OPEN, PRIVATE, SHARED, USERS, type Fixture } from '../../../test/support/access-fixture.js';
import { AppError } from '../../core/errors.js';

type Session = Record<string, string>;

for (const engine of engines()) {
  describe(`who reads a dataset's rows (${engine})`, () => {
    let p: TestPlatform;
    let fx: Fixture;
    const s: Record<keyof typeof USERS | 'admin', Session> = {} as never;
    before(async () => {
      p = await testPlatform(engine);
      fx = await loadAccessFixture(p);
      for (const [name, u] of Object.entries(USERS)) s[name as keyof typeof USERS] = { cookie: (await p.login(u.username, u.password)).cookie };
      s.admin = { cookie: (await p.login()).cookie };
    });
    after(() => p.close());

    const get = (url: string, who: Session) => p.app.inject({ url, headers: who });
    const rowsOf = async (slug: string, who: Session, qs = '') => {
      const r = await get(`/api/datasets/${slug}/rows?limit=100${qs}`, who);
      assert.equal(r.statusCode, 200, r.body);
      return r.json().rows as Record<string, unknown>[];
    };

    test('another agency sees a shared dataset in the catalogue, but its rows, versions and diff are refused (403 LDOP_AGREEMENT_REQUIRED, in Vietnamese)', async () => {
      assert.equal((await get(`/api/catalog/datasets/${SHARED.slug}`, s.analystB)).statusCode, 200);
      for (const path of ['rows', 'versions', 'diff?from=1&to=2']) {
        const r = await get(`/api/datasets/${SHARED.slug}/${path}`, s.analystB);
        assert.equal(r.statusCode, 403, `${path}: ${r.body}`);
        assert.match(String(r.headers['content-type']), /application\/problem\+json/);
        const body = r.json();
        assert.equal(body.code, 'LDOP_AGREEMENT_REQUIRED');
        assert.match(`${body.title} ${body.detail}`, /thỏa thuận chia sẻ dữ liệu \(LDOP\)/);
        for (const v of [...SHARED.personal, ...SHARED.other]) assert.ok(!r.body.includes(v), `${path} leaks ${v}`);
      }
    });

    test('another agency cannot tell that a private dataset exists: its rows answer 404', async () => {
      const r = await get(`/api/datasets/${PRIVATE.slug}/rows`, s.analystB);
      assert.equal(r.statusCode, 404, r.body);
    });

    test('the owning agency reads its shared and private rows: personal columns in clear for an analyst, masked for a viewer', async () => {
      for (const d of [SHARED, PRIVATE]) {
        const clear = JSON.stringify(await rowsOf(d.slug, s.analystA));
        assert.ok(clear.includes(d.other.at(-1)!), `${d.slug}: ${clear}`);
        assert.ok(clear.includes(d.personal[0]!));
        const masked = await rowsOf(d.slug, s.viewerA);
        const text = JSON.stringify(masked);
        for (const v of d.personal) assert.ok(!text.includes(v), `${d.slug}: a viewer reads ${v} in clear`);
        assert.ok(masked.some((r) => r.so_cccd === `********${d.personal[0]!.slice(-4)}`), text);
      }
    });

    test('an administrator of another agency reads the rows (to operate the platform), personal columns masked', async () => {
      const rows = JSON.stringify(await rowsOf(SHARED.slug, s.admin));
      assert.ok(rows.includes('CHIASE-BA'));
      for (const v of SHARED.personal) assert.ok(!rows.includes(v), `admin reads ${v} in clear`);
    });

    test('an open dataset is read by every agency, its personal column masked outside the owning agency', async () => {
      const rows = await rowsOf(OPEN.slug, s.analystB);
      assert.deepEqual(rows.map((r) => r.dien_thoai).sort(), ['09******22', '09******99']);
      assert.deepEqual((await rowsOf(OPEN.slug, s.analystA)).map((r) => r.dien_thoai).sort(), ['0987000199', '0987000222']);
    });

    test('the text search does not look into masked columns: a guessed CCCD or phone finds nothing for a viewer, the row for an analyst', async () => {
      assert.equal((await rowsOf(SHARED.slug, s.viewerA, '&q=079301000222')).length, 0);
      assert.equal((await rowsOf(SHARED.slug, s.viewerA, '&q=0905123')).length, 0);
      assert.equal((await rowsOf(SHARED.slug, s.viewerA, '&q=CHIASE-BA')).length, 1, 'other columns are still searched');
      assert.equal((await rowsOf(OPEN.slug, s.analystB, '&q=0987000222')).length, 0);
      assert.equal((await rowsOf(SHARED.slug, s.analystA, '&q=079301000222')).length, 1);
    });

    test('sorting on a masked column is refused with 400 MASKED_COLUMN in Vietnamese; allowed to whom it is not masked', async () => {
      for (const [slug, column, who] of [[SHARED.slug, 'so_cccd', s.viewerA], [OPEN.slug, 'dien_thoai', s.analystB]] as const) {
        const r = await get(`/api/datasets/${slug}/rows?sort=${column}:desc`, who);
        assert.equal(r.statusCode, 400, r.body);
        assert.equal(r.json().code, 'MASKED_COLUMN');
        assert.match(r.json().detail, /dữ liệu cá nhân được che/);
      }
      const sorted = await rowsOf(SHARED.slug, s.analystA, '&sort=so_cccd:desc');
      assert.deepEqual(sorted.map((r) => r.so_cccd), ['079301000333', '079301000222', '079301000111']);
    });

    test('filters, grouping and aggregates on a masked column are refused where the query is compiled', async () => {
      const { dataset, masked } = await p.catalog.openContent(await principalOf('viewerA'), SHARED.slug);
      assert.deepEqual([...masked].sort(), ['ho_ten', 'so_cccd', 'so_dien_thoai']);
      const cols = dataset.columns.map((c) => ({ name: c.name, type: c.type }));
      const refused = (e: unknown) => e instanceof AppError && e.code === 'MASKED_COLUMN';
      await assert.rejects(p.warehouse.query(dataset.id, cols, { filters: [{ column: 'so_cccd', op: 'startsWith', value: '0793' }] }, { masked }), refused);
      await assert.rejects(p.warehouse.query(dataset.id, cols, { filters: [{ column: 'so_dien_thoai', op: 'isNull' }] }, { masked }), refused);
      await assert.rejects(p.warehouse.query(dataset.id, cols, { groupBy: ['ho_ten'], aggregates: [{ fn: 'count', as: 'n' }] }, { masked }), refused);
      await assert.rejects(p.warehouse.query(dataset.id, cols, { aggregates: [{ fn: 'max', column: 'so_cccd', as: 'm' }] }, { masked }), refused);
      const ok = await p.warehouse.query(dataset.id, cols, { filters: [{ column: 'ghi_chu', op: 'contains', value: 'CHIASE' }], sort: [{ column: 'ghi_chu' }] }, { masked });
      assert.equal(ok.rows.length, 3);
      assert.ok(ok.rows.every((r) => String(r.so_cccd).startsWith('********')));
    });

    test('the diff masks every value as rows are masked, the key of a changed row included', async () => {
      const r = await get(`/api/datasets/${SHARED.slug}/diff?from=1&to=2`, s.viewerA);
      assert.equal(r.statusCode, 200, r.body);
      for (const v of SHARED.personal) assert.ok(!r.body.includes(v), `the diff shows ${v} in clear`);
      const d = r.json();
      assert.equal(d.counts.changed, 1);
      assert.deepEqual(d.changed[0].key, { so_cccd: '********0222' });
      const clear = (await get(`/api/datasets/${SHARED.slug}/diff?from=1&to=2`, s.analystA)).json();
      assert.deepEqual(clear.changed[0].key, { so_cccd: '079301000222' });
      assert.equal(clear.changed[0].after.so_dien_thoai, '0905123499');
    });

    test('the rejects report of a load masks the rejected values of personal columns as rows are masked', async () => {
      const run = fx.runs[PRIVATE.slug]![0]!.runId;
      const viewer = await get(`/api/ingest/runs/${run}/rejects.csv`, s.viewerA);
      assert.equal(viewer.statusCode, 200, viewer.body);
      assert.match(viewer.body, /RIENG|Số CCCD/);
      assert.ok(!viewer.body.includes('0793020009XY'), viewer.body);
      const analyst = await get(`/api/ingest/runs/${run}/rejects.csv`, s.analystA);
      assert.ok(analyst.body.includes('0793020009XY'), analyst.body);
    });

    test('an indicator (aggregates shown to every dashboard) is not defined over another agency\'s shared dataset, nor grouped by a personal column', async () => {
      const define = async (who: keyof typeof USERS, body: unknown) => {
        const login = await p.login(USERS[who].username, USERS[who].password);
        return p.app.inject({ method: 'POST', url: '/api/indicators', headers: { cookie: login.cookie, 'x-csrf-token': login.csrf }, payload: body as Record<string, unknown> });
      };
      const other = await define('stewardB', countIndicator('kt_b_ten', SHARED.slug, AGENCY_B, 'ghi_chu'));
      assert.equal(other.statusCode, 403, other.body);
      assert.equal(other.json().code, 'LDOP_AGREEMENT_REQUIRED');
      const personal = await define('stewardA', countIndicator('kt_a_cccd', PRIVATE.slug, AGENCY_A, 'so_cccd'));
      assert.equal(personal.statusCode, 400, personal.body);
      assert.equal(personal.json().reason, 'PERSONAL_COLUMN');
      assert.match(personal.json().detail, /dữ liệu cá nhân/);
      const fine = await define('stewardA', countIndicator('kt_a_ghi_chu', PRIVATE.slug, AGENCY_A, 'ghi_chu'));
      assert.equal(fine.statusCode, 201, fine.body);
    });

    async function principalOf(name: keyof typeof USERS) {
      const token = decodeURIComponent(s[name].cookie!.split('=').slice(1).join('='));
      const principal = await p.org.fromSession(token);
      assert.ok(principal);
      return principal;
    }
  });
}
