/**
 * The publishing workflow in a real (headless) Chromium, as issue 5's "Done when" reads: a steward
 * of the tourism department proposes a dataset on its page; another with a CCCD column is blocked,
 * the page naming the column; the department's leader finds both in "Duyệt công bố", approves the
 * clean one on its page — and an anonymous visitor then finds it on the portal by typing without
 * diacritics, and reads it through CKAN's package_search and datastore_search. No request leaves
 * the provdata server.
 *
 * Run: node --import tsx --test test/browser/publish.browser.test.ts
 * Needs Chromium at /usr/bin/chromium (or PROVDATA_CHROMIUM); PROVDATA_REQUIRE_BROWSER=1 makes a
 * missing browser a failure (CI). Screenshots go to .tmp/screenshots/publish-*.png (git-ignored).
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertAllLocal, browserMissing, chromiumPath, launchBrowser, login, recordRequests, screenshot, startTestServer, watchPage, type TestServer } from './support.js';

const PASSWORD = 'Công-bố-dữ-liệu-2026!';
const CLEAN = { slug: 'le-hoi-van-hoa-du-lich', title: 'Lễ hội văn hóa và du lịch theo xã/phường' };
const PERSONAL = { slug: 'khach-luu-tru-ca-nhan', title: 'Khách lưu trú (danh sách cá nhân)' };

/** Adds to the real server two users of the tourism department and the two datasets of the scenario. */
async function seedScenario({ platform: p }: TestServer): Promise<void> {
  const { SYSTEM } = await import('../../src/core/auth/index.js');
  for (const [username, role] of [['vh.steward', 'steward'], ['vh.leader', 'leader']] as const) {
    await p.org.createUser(SYSTEM, { username, displayName: username === 'vh.steward' ? 'Cán bộ dữ liệu Sở VHTTDL' : 'Lãnh đạo Sở VHTTDL', orgId: 'so-vh-tt-dl', role, password: PASSWORD });
  }
  const text = (name: string, title: string) => ({ name, title, type: 'text' as const, elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} });
  const load = async (d: { slug: string; title: string }, columns: ReturnType<typeof text>[], csv: string) => {
    await p.catalog.createDataset(SYSTEM, { slug: d.slug, title: d.title, publisherOrgId: 'so-vh-tt-dl', access: 'open', licence: 'CC-BY-4.0', themes: ['du-lich'], keywords: ['lễ hội', 'du lịch'], columns });
    const u = await p.ingest.upload(SYSTEM, Readable.from([Buffer.from(csv, 'utf8')]), { filename: `${d.slug}.csv`, contentType: 'text/csv' });
    const run = await p.ingest.ingest(SYSTEM, { dataset: d.slug, uploadId: u.id, mode: 'replace', validRowsOnly: false });
    assert.equal(run.status, 'loaded', JSON.stringify(run.rejects));
  };
  await load(CLEAN, [text('ma_xa', 'Mã xã'), text('le_hoi', 'Lễ hội'), text('thang', 'Tháng')], 'Mã xã,Lễ hội,Tháng\n21553,Lễ hội đua voi Buôn Đôn,3\n23575,Lễ hội cồng chiêng Tây Nguyên,11\n');
  await load(PERSONAL, [text('ho_ten', 'Họ tên'), text('so_cccd', 'Số CCCD'), text('ma_xa', 'Mã xã')], 'Họ tên,Số CCCD,Mã xã\nNguyễn Văn An,064095001234,21553\nTrần Thị Bình,052190004321,23575\n');
}

describe('publishing open data in a browser', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer({ adminPassword: PASSWORD });
    await seedScenario(server);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('steward proposes, a CCCD column blocks, the leader approves, citizens find it without diacritics', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    // The steward proposes the clean dataset: the scan finds nothing and it waits for approval.
    await login(page, server.baseUrl, 'vh.steward', PASSWORD);
    await page.goto(`${server.baseUrl}/data/datasets/${CLEAN.slug}`);
    await page.getByTestId('pub-status').waitFor();
    assert.match(await page.getByTestId('pub-status').innerText(), /chưa được công bố/);
    assert.equal(await page.getByTestId('pub-approve').count(), 0, 'a steward cannot approve');
    await page.getByLabel('Ghi chú').fill('Dữ liệu lễ hội năm 2026');
    await page.getByTestId('pub-propose').click();
    await page.getByTestId('pub-open').waitFor();
    assert.match(await page.getByTestId('pub-open').innerText(), /Chờ phê duyệt/);

    // The personal list is blocked, and the page says which column and why.
    await page.goto(`${server.baseUrl}/data/datasets/${PERSONAL.slug}`);
    await page.getByTestId('pub-propose').click();
    await page.getByTestId('pub-findings').waitFor();
    const blocked = await page.getByTestId('pub-open').innerText();
    assert.match(blocked, /Bị chặn: có dữ liệu cá nhân/);
    assert.match(await page.getByTestId('pub-findings').innerText(), /so_cccd: .*số CCCD\/CMND/);
    assert.doesNotMatch(blocked, /064095001234/, 'the example is masked');
    await screenshot(page, 'publish-blocked');
    await page.getByRole('button', { name: 'Đăng xuất' }).click();

    // The leader's queue holds both; the blocked one cannot be approved, only rejected.
    await login(page, server.baseUrl, 'vh.leader', PASSWORD);
    await page.goto(`${server.baseUrl}/data/publications`);
    await page.getByTestId('pub-queue').waitFor();
    const queue = await page.getByTestId('pub-queue').innerText();
    assert.match(queue, new RegExp(CLEAN.title.replace('/', '\\/')));
    assert.match(queue, /Khách lưu trú/);
    await screenshot(page, 'publish-queue');
    await page.getByRole('link', { name: PERSONAL.title }).click();
    await page.getByTestId('pub-open').waitFor();
    assert.equal(await page.getByTestId('pub-approve').count(), 0, 'a blocked proposal has no approve button');
    await page.goto(`${server.baseUrl}/data/publications`);
    await page.getByRole('link', { name: CLEAN.title }).click();
    await page.getByTestId('pub-approve').click();
    await page.waitForFunction(() => /Đang công bố phiên bản 1/.test((globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText));
    await screenshot(page, 'publish-approved');
    await page.getByRole('button', { name: 'Đăng xuất' }).click();

    // Anyone finds it on the portal without diacritics, and through CKAN's API.
    await page.goto(`${server.baseUrl}/open-data/search?q=${encodeURIComponent('le hoi van hoa')}`);
    await page.getByRole('link', { name: CLEAN.title }).first().waitFor();
    const api = await page.evaluate(async (slug) => {
      // No helper functions in here: the test's compiler would name them with a helper the page lacks.
      const search = (await (await fetch('/api/3/action/package_search?q=le%20hoi%20van%20hoa')).json()) as { result: { results: { name: string }[] } };
      const show = (await (await fetch(`/api/3/action/package_show?id=${slug}`)).json()) as { result: { resources: { id: string }[] } };
      const rows = (await (await fetch(`/api/3/action/datastore_search?resource_id=${show.result.resources[0]!.id}&limit=5`)).json()) as { result: { total: number; records: { le_hoi?: string }[] } };
      const hidden = await fetch('/api/3/action/package_show?id=khach-luu-tru-ca-nhan');
      return { names: search.result.results.map((r) => r.name), total: rows.result.total, first: rows.result.records[0]?.le_hoi, hidden: hidden.status };
    }, CLEAN.slug);
    assert.equal(api.names[0], CLEAN.slug, `package_search ranks it first: ${api.names.join(', ')}`);
    assert.equal(api.total, 2);
    assert.equal(api.first, 'Lễ hội đua voi Buôn Đôn');
    assert.equal(api.hidden, 404, 'the blocked dataset is not public');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });
});
