/**
 * End-to-end test of the open data portal (Cổng dữ liệu mở) in a real (headless) Chromium against the
 * real server started in-process with its demo datasets: an anonymous visitor searches "du lich" without
 * diacritics, opens the tourism dataset, sees the preview table, the automatic chart (an SVG with bars
 * or a line) and the commune map, downloads the CSV and checks its BOM and that its Vietnamese text
 * round-trips (NFC); an unpublished dataset is "không tìm thấy" by URL and its download is 404 — on a
 * desktop and a phone, in Vietnamese and English, without any request leaving the provdata server.
 *
 * Run: node --import tsx --test test/browser/portal.browser.test.ts
 * Needs Chromium at /usr/bin/chromium (or PROVDATA_CHROMIUM); without it the test is skipped, unless
 * PROVDATA_REQUIRE_BROWSER=1, which makes a missing browser a failure (CI).
 * Screenshots go to .tmp/screenshots/portal-*.png (git-ignored).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, browserMissing, launchBrowser, sidewaysOverflow, startBrowserServer, recordRequests, assertAllLocal, watchPage, screenshot, type BrowserServer } from './support.js';

/** Creates a dataset loaded through the ingest service but never proposed for publication (in-process only). */
async function createUnpublished(server: BrowserServer, slug: string): Promise<void> {
  if (!server.platform) throw new Error('PROVDATA_BROWSER_BASE_URL: the unpublished dataset needs the in-process server');
  const { ingest } = server.platform;
  const { SYSTEM } = await import('../../src/core/auth/index.js');
  const csv = 'ma_xa,ten_xa,so_du_khach\n21553,Quy Nhơn Bắc,1200\n21583,Quy Nhơn,900\n';
  const upload = await ingest.upload(SYSTEM, Readable.from([Buffer.from(csv, 'utf8')]), { filename: `${slug}.csv`, contentType: 'text/csv' });
  const run = await ingest.ingest(SYSTEM, { dataset: slug, uploadId: upload.id, mode: 'replace', validRowsOnly: false, create: true });
  assert.equal(run.status, 'loaded', `the unpublished dataset loads (${JSON.stringify(run.rejects?.slice(0, 2))})`);
}

const TOURISM_SLUG = 'mau-co-so-luu-tru-du-lich';
const TOURISM_TITLE = 'Cơ sở lưu trú và lượt khách du lịch theo xã/phường (dữ liệu mẫu)';
const HIDDEN_SLUG = 'du-lich-chua-cong-bo';

/** The page never scrolls sideways on a phone; wide tables scroll inside their own frame. */
async function waitMap(page: Page): Promise<void> {
  await page.locator('[data-testid=commune-map][data-loaded=true]').waitFor({ state: 'attached', timeout: 90_000 });
}

describe('open data portal in a browser', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: BrowserServer;
  let browser: Browser;

  before(async () => {
    server = await startBrowserServer({ adminPassword: 'Kho-dữ-liệu-2026!' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('on a desktop, anonymous: search "du lich", open the tourism dataset, preview, chart, map, CSV download round-trips Vietnamese', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN', acceptDownloads: true });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    // Home: KPI, counts per theme, newest datasets — no login.
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Cổng dữ liệu mở' }).click();
    await page.getByRole('heading', { name: 'Cổng dữ liệu mở', level: 1 }).waitFor();
    const kpi = page.getByTestId('kpi');
    await kpi.waitFor({ timeout: 45_000 });
    assert.match(await kpi.innerText(), /6\/100/, 'KPI: 6 open datasets against the 2027 target of 100');
    assert.match(await kpi.innerText(), /6\/200/);
    const themes = (await page.getByTestId('theme-counts').innerText()).normalize('NFC');
    for (const name of ['Công nghiệp', 'Du lịch', 'OCOP']) assert.ok(themes.includes(name), `theme ${name} is counted`);
    assert.equal(await page.getByTestId('newest').locator('article').count(), 5);
    await screenshot(page, 'portal-desktop-vi-home');

    // Search without diacritics.
    await page.getByLabel('Tìm tập dữ liệu mở').fill('du lich');
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    await page.waitForURL(/\/open-data\/search\?q=du\+lich/);
    const results = page.getByTestId('portal-results');
    const card = results.locator('article', { hasText: 'lượt khách du lịch' }).first();
    await card.waitFor({ timeout: 45_000 });
    assert.ok((await page.locator('.facet input[type=radio]').count()) > 4, 'facets are shown');
    assert.match((await page.locator('.facet[data-facet=groups]').innerText()).normalize('NFC'), /Du lịch\s*1/);
    await screenshot(page, 'portal-desktop-vi-search');

    // The theme facet narrows to the tourism dataset.
    await page.locator('.facet[data-facet=groups]').getByLabel('Du lịch').check();
    await page.getByTestId('portal-count').getByText('1 tập dữ liệu').waitFor({ timeout: 45_000 });
    await results.getByRole('link', { name: TOURISM_TITLE }).click();

    // Dataset page.
    await page.getByRole('heading', { name: TOURISM_TITLE, level: 1 }).waitFor({ timeout: 45_000 });
    assert.match(page.url(), new RegExp(`/open-data/datasets/${TOURISM_SLUG}$`));
    const preview = page.getByTestId('preview-table');
    await preview.waitFor({ timeout: 45_000 });
    const previewText = (await preview.innerText()).normalize('NFC');
    assert.match(previewText, /Tên xã\/phường/, 'column titles head the preview');
    assert.match(previewText, /Quy Nhơn Bắc/);
    assert.match(previewText, /Dòng 1–10 trên 135/);
    await page.getByRole('button', { name: 'Trang sau' }).first().click();
    await page.getByText('Dòng 11–20 trên 135').waitFor();

    const chart = page.getByTestId('portal-chart');
    await chart.waitFor({ timeout: 45_000 });
    const marks = await chart.locator('svg rect[data-testid=chart-bar], svg path[data-testid=chart-line]').count();
    assert.ok(marks > 0, 'the chart draws bars or a line');
    await waitMap(page);
    const quality = (await page.getByTestId('quality-badges').innerText()).normalize('NFC');
    for (const name of ['Đúng', 'Đủ', 'Sạch', 'Sống']) assert.ok(quality.includes(name), `badge ${name}`);
    assert.match(await page.getByTestId('api-snippet').innerText(), /package_show\?id=mau-co-so-luu-tru-du-lich/);
    assert.match(await page.getByTestId('api-snippet').innerText(), /datastore_search\?resource_id=/);
    assert.match((await page.getByTestId('citation').innerText()).normalize('NFC'), /Sở Văn hóa, Thể thao và Du lịch \(\d{4}\)\. Cơ sở lưu trú/);
    assert.match(await page.getByTestId('licence').innerText(), /CC-BY-4.0/);
    assert.match((await page.getByTestId('versions').innerText()).normalize('NFC'), /Phiên bản 1/);
    await screenshot(page, 'portal-desktop-vi-dataset');

    // CSV download through the browser's download event: BOM, then Vietnamese text exactly (NFC).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
    assert.equal(download.suggestedFilename(), `${TOURISM_SLUG}-v1.csv`);
    const path = await download.path();
    const bytes = readFileSync(path);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const text = bytes.subarray(3).toString('utf8');
    assert.equal(text, text.normalize('NFC'), 'the CSV is NFC');
    const lines = text.split('\r\n');
    assert.equal(lines[0], 'Mã xã/phường,Tên xã/phường,Số cơ sở lưu trú,Số buồng,Lượt khách');
    assert.ok(lines.some((l) => l.startsWith('21553,Quy Nhơn Bắc,')), 'a commune name with diacritics round-trips exactly');
    assert.ok(lines.filter(Boolean).length === 136, `header + 135 rows (got ${lines.filter(Boolean).length})`);

    // English.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Tourist accommodation and visitors by commune (sample data)', level: 1 }).waitFor();
    await page.getByText('Data preview').waitFor();
    await waitMap(page);
    await screenshot(page, 'portal-desktop-en-dataset');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByTestId('kpi').waitFor();
    await screenshot(page, 'portal-desktop-en-home');

    // A time series: new enterprises per month draw a line.
    await page.goto(`${server.baseUrl}/open-data/datasets/mau-doanh-nghiep-dang-ky-moi`);
    await page.locator('[data-testid=portal-chart][data-kind=time] path[data-testid=chart-line]').waitFor({ timeout: 45_000 });
    await waitMap(page);
    await screenshot(page, 'portal-desktop-en-timeseries');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });

  test('an anonymous user cannot reach an unpublished dataset by URL: "không tìm thấy" page, download 404', { timeout: 120_000 }, async () => {
    await createUnpublished(server, HIDDEN_SLUG);
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/open-data/datasets/${HIDDEN_SLUG}`);
    const notFound = page.getByTestId('portal-not-found');
    await notFound.waitFor({ timeout: 45_000 });
    assert.match((await notFound.innerText()).normalize('NFC'), /Không tìm thấy tập dữ liệu/);
    assert.equal(await page.getByTestId('preview-table').count(), 0);
    // The landing page the CKAN API announces answers the same.
    await page.goto(`${server.baseUrl}/du-lieu-mo/${HIDDEN_SLUG}`);
    await page.getByTestId('portal-not-found').waitFor({ timeout: 45_000 });
    await screenshot(page, 'portal-desktop-vi-not-found');
    for (const format of ['csv', 'json', 'xlsx']) {
      const status = await page.evaluate(async (url) => (await fetch(url)).status, `/api/opendata/datasets/${HIDDEN_SLUG}/download/${format}`);
      assert.equal(status, 404, `${format} download of an unpublished dataset`);
    }
    const search = await page.evaluate(async () => (await (await fetch('/api/3/action/package_search?q=chua%20cong%20bo')).json()) as { result: { results: { name: string }[] } });
    assert.ok(!search.result.results.some((r) => r.name === HIDDEN_SLUG), 'not in search either');
    await context.close();
  });

  test('on a phone: home, search and dataset page fit the width, in Vietnamese and English', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    await page.goto(`${server.baseUrl}/open-data`);
    await page.getByTestId('kpi').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'home fits the phone width');
    await screenshot(page, 'portal-phone-vi-home');

    await page.goto(`${server.baseUrl}/open-data/search?q=du%20lich`);
    await page.getByTestId('portal-results').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'search fits the phone width');
    await screenshot(page, 'portal-phone-vi-search');

    await page.goto(`${server.baseUrl}/open-data/datasets/${TOURISM_SLUG}`);
    await page.getByTestId('preview-table').waitFor({ timeout: 45_000 });
    await page.getByTestId('portal-chart').locator('svg').waitFor({ timeout: 45_000 });
    await waitMap(page);
    assert.ok((await sidewaysOverflow(page)) <= 1, 'dataset page fits the phone width');
    await screenshot(page, 'portal-phone-vi-dataset');

    await page.getByRole('button', { name: 'English' }).tap();
    await page.getByText('Data preview').waitFor();
    assert.ok((await sidewaysOverflow(page)) <= 1, 'dataset page fits the phone width in English');
    await screenshot(page, 'portal-phone-en-dataset');
    await page.goto(`${server.baseUrl}/open-data`);
    await page.getByTestId('kpi').waitFor({ timeout: 45_000 });
    await screenshot(page, 'portal-phone-en-home');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });
});
