import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

type Session = { cookie: string; csrf: string };
const h = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
interface QueueItem {
  id: string;
  state: string;
  version: number;
  dataset: { slug: string; title: string; publisherOrgId: string };
  scan: { findings: { column: string }[] };
}

/** The approvers' side of the publishing workflow: their queue across datasets, scoped by agency. */
for (const engine of engines()) {
  describe(`open data publishing queue (${engine})`, () => {
    let p: TestPlatform;
    let admin: Session, steward: Session, leader: Session, otherLeader: Session, viewer: Session;
    const load = async (slug: string, csv: string) => {
      await p.catalog.createDataset(SYSTEM, {
        slug, title: `Tập ${slug}`, publisherOrgId: 'so-vh-tt-dl', access: 'open', licence: 'CC-BY-4.0', themes: ['du-lich'], keywords: ['du lịch'],
        columns: [
          { name: 'ma_xa', title: 'Mã xã', type: 'text', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} },
          { name: 'ghi_chu', title: 'Ghi chú', type: 'text', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} },
        ],
      });
      const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(csv)]), { filename: `${slug}.csv`, contentType: 'text/csv' });
      const run = await p.ingest.ingest(SYSTEM, { dataset: slug, uploadId: u.id, mode: 'replace', validRowsOnly: false });
      assert.equal(run.status, 'loaded', JSON.stringify(run.rejects));
    };
    const queue = async (s: Session | null, qs = '') => p.app.inject({ url: `/api/opendata/publications${qs}`, headers: s ? h(s) : {} });

    before(async () => {
      p = await testPlatform(engine);
      const user = async (username: string, orgId: string, role: 'steward' | 'leader' | 'viewer') => {
        await p.org.createUser(SYSTEM, { username, displayName: username, orgId, role, password: `${username}-password-1` });
        return p.login(username, `${username}-password-1`);
      };
      admin = await p.login();
      steward = await user('pq.steward', 'so-vh-tt-dl', 'steward');
      leader = await user('pq.leader', 'so-vh-tt-dl', 'leader');
      otherLeader = await user('pq.leader2', 'so-khcn', 'leader');
      viewer = await user('pq.viewer', 'so-vh-tt-dl', 'viewer');
      await load('pq-le-hoi', 'Mã xã,Ghi chú\n21553,Lễ hội đua voi\n23575,Lễ hội cồng chiêng\n');
      await load('pq-khach', 'Mã xã,Ghi chú\n21553,Liên hệ 0905123456 hoặc an.nguyen@example.vn\n23575,Gọi 0912345678\n');
    });
    after(() => p.close());

    test('proposals wait in the queue of their agency\'s approvers, blocked ones with the columns named', async () => {
      for (const slug of ['pq-le-hoi', 'pq-khach']) {
        const r = await p.app.inject({ method: 'POST', url: `/api/opendata/datasets/${slug}/proposals`, headers: h(steward), payload: { note: 'Đề nghị công bố' } });
        assert.equal(r.statusCode, 201, r.body);
      }
      const mine = await queue(leader);
      assert.equal(mine.statusCode, 200, mine.body);
      const items = mine.json() as QueueItem[];
      const bySlug = new Map(items.map((i) => [i.dataset.slug, i]));
      assert.equal(bySlug.get('pq-le-hoi')?.state, 'pending');
      assert.equal(bySlug.get('pq-le-hoi')?.dataset.title, 'Tập pq-le-hoi');
      assert.equal(bySlug.get('pq-khach')?.state, 'blocked');
      assert.deepEqual(bySlug.get('pq-khach')?.scan.findings.map((f) => f.column), ['ghi_chu']);
      // A leader of another agency sees none of them; the administrator sees all.
      assert.deepEqual((await queue(otherLeader)).json(), []);
      assert.equal((await queue(admin)).json().filter((i: QueueItem) => i.dataset.slug.startsWith('pq-')).length, 2);
      // The leader reads the dataset's history too (stewards could before; approvers need it to decide).
      const hist = await p.app.inject({ url: '/api/opendata/datasets/pq-le-hoi/publications', headers: h(leader) });
      assert.equal(hist.statusCode, 200, hist.body);
      assert.equal(hist.json()[0].state, 'pending');
    });

    test('a decision takes the proposal off the queue; a state filter shows what was published', async () => {
      const item = ((await queue(leader)).json() as QueueItem[]).find((i) => i.dataset.slug === 'pq-le-hoi')!;
      const ok = await p.app.inject({ method: 'POST', url: `/api/opendata/publications/${item.id}/approve`, headers: h(leader), payload: {} });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.ok(!((await queue(leader)).json() as QueueItem[]).some((i) => i.id === item.id));
      // (The agency also has a published demo dataset: keep to this test's.)
      const ours = (r: { json(): unknown }) => (r.json() as QueueItem[]).filter((i) => i.dataset.slug.startsWith('pq-'));
      assert.deepEqual(ours(await queue(leader, '?state=published')).map((i) => i.dataset.slug), ['pq-le-hoi']);
      assert.deepEqual(ours(await queue(leader, '?state=published&state=blocked')).map((i) => i.state).sort(), ['blocked', 'published']);
    });

    test('only approvers reach the queue; a bad state is a Vietnamese problem, not a 500', async () => {
      assert.equal((await queue(null)).statusCode, 401);
      assert.equal((await queue(viewer)).statusCode, 403);
      assert.equal((await queue(steward)).statusCode, 403);
      for (const qs of ['?state=xoa', '?state=%00', `?state=${'a'.repeat(5000)}`]) {
        const r = await queue(leader, qs);
        assert.equal(r.statusCode, 400, `${qs}: ${r.body}`);
        assert.match(String(r.headers['content-type']), /problem\+json/);
        assert.ok(typeof r.json().detail === 'string' || typeof r.json().title === 'string', r.body);
      }
    });
  });
}
