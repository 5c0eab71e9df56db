/**
 * End-to-end test of the leaders' dashboard (/dashboard) in a real (headless) Chromium against the real
 * server started in-process with its demo: a signed-in leader sees the KPI tiles (plan vs actual) and
 * the demo indicators labelled "dữ liệu mẫu", the commune choropleth of an indicator, drills down to a
 * commune by clicking it on the map, and sees the strategy's progress by group and the tasks with the
 * overdue ones first — on a 1920×1080 wall screen and on a phone, without any request leaving the server.
 *
 * Run: node --import tsx --test test/browser/dashboard.browser.test.ts
 * Screenshots go to .tmp/screenshots/dashboard-*.png (git-ignored).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pointOnFeature } from '@turf/turf';
import type { Browser, Page } from 'playwright-core';
import { assertAllLocal, browserMissing, chromiumPath, launchBrowser, login, recordRequests, screenshot, sidewaysOverflow, startBrowserServer, watchPage, type BrowserServer } from './support.js';

interface CommuneFeature { type: 'Feature'; properties: { code: string; fullName: string }; geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon }
interface MapHandle {
  isMoving(): boolean;
  areTilesLoaded(): boolean;
  project(lngLat: [number, number]): { x: number; y: number };
  getPaintProperty(layer: string, name: string): unknown;
}
declare const globalThis: { __provdataMap?: MapHandle };

async function waitMap(page: Page): Promise<void> {
  await page.locator('[data-testid=commune-map][data-loaded=true]').waitFor({ state: 'attached', timeout: 90_000 });
  await page.waitForFunction(() => {
    const map = globalThis.__provdataMap;
    return !!map && !map.isMoving() && map.areTilesLoaded();
  }, undefined, { timeout: 60_000, polling: 250 });
}

/** Commune codes the choropleth colours (the fill expression is a `match` on the code). */
async function colouredCodes(page: Page): Promise<string[]> {
  const expr = await page.evaluate(() => globalThis.__provdataMap!.getPaintProperty('communes-fill', 'fill-color'));
  assert.ok(Array.isArray(expr) && expr[0] === 'match', `a choropleth, not ${JSON.stringify(expr).slice(0, 80)}`);
  return (expr as unknown[]).slice(2, -1).filter((_, i) => i % 2 === 0) as string[];
}

describe('leaders\' dashboard in a browser', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: BrowserServer;
  let browser: Browser;
  let communes: CommuneFeature[];

  before(async () => {
    server = await startBrowserServer({ adminPassword: 'Bảng-điều-hành-2026!' });
    browser = await launchBrowser();
    communes = ((await (await fetch(`${server.baseUrl}/api/geo/communes.geojson`)).json()) as { features: CommuneFeature[] }).features;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('on a 1920×1080 wall: KPI tiles, indicator tiles with plan vs actual, the choropleth, a click drills down to a commune, overdue tasks first', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);
    await login(page, server.baseUrl, server.adminUser, server.adminPassword);
    await page.goto(`${server.baseUrl}/dashboard`);
    await page.getByRole('heading', { name: 'Bảng điều hành', level: 1 }).waitFor();

    const kpiTiles = page.getByTestId('kpi-tile');
    await kpiTiles.first().waitFor();
    assert.equal(await kpiTiles.count(), 7);
    const openKpi = page.locator('[data-testid=kpi-tile][data-code=open_datasets_published]');
    const kpis = (await (await fetch(`${server.baseUrl}/api/strategy/kpis`)).json()) as { code: string; value: number }[];
    const open = kpis.find((k) => k.code === 'open_datasets_published')!.value;
    assert.match(await openKpi.innerText(), new RegExp(`${open} bộ dữ liệu[\\s\\S]*Kế hoạch 2027: 100 bộ dữ liệu`));

    const indTiles = page.getByTestId('indicator-tile');
    await indTiles.first().waitFor({ timeout: 60_000 });
    assert.equal(await indTiles.count(), 7);
    const tourism = await page.locator('[data-testid=indicator-tile][data-code=khach_du_lich]').innerText();
    assert.match(tourism, /Lượt khách du lịch/);
    assert.match(tourism, /dữ liệu mẫu/);
    assert.match(tourism, /Kế hoạch 2026: 13\.500\.000 lượt/);
    assert.match(tourism, /Thực hiện: [\d.]+ \(\d+(,\d)?%\)/);

    await waitMap(page);
    await page.waitForFunction(() => {
      const e = globalThis.__provdataMap?.getPaintProperty('communes-fill', 'fill-color');
      return Array.isArray(e) && e.length > 200;
    }, undefined, { timeout: 30_000 });
    assert.equal((await colouredCodes(page)).length, 135, 'every commune has a value of 2025');

    // The tasks list puts the overdue ones first (NV 2.2 was due in Q3/2026).
    const first = page.getByTestId('task-list').locator('li').first();
    assert.equal(await first.getAttribute('data-overdue'), 'true');
    assert.match(await first.innerText(), /NV 2\.2[\s\S]*Quá hạn/);
    await page.getByTestId('groups-chart').locator('canvas').first().waitFor();
    await screenshot(page, 'dashboard-wall-vi', true);

    // Drill down: a click on the largest commune shows its own trend.
    const largest = communes.reduce((a, b) => (JSON.stringify(b.geometry).length > JSON.stringify(a.geometry).length ? b : a));
    const [lng, lat] = pointOnFeature(largest as unknown as GeoJSON.Feature).geometry.coordinates as [number, number];
    await page.locator('[data-testid=commune-map]').scrollIntoViewIfNeeded();
    await waitMap(page);
    const box = (await page.locator('[data-testid=commune-map]').boundingBox())!;
    const pt = await page.evaluate((ll) => globalThis.__provdataMap!.project(ll), [lng, lat] as [number, number]);
    await page.mouse.click(box.x + pt.x, box.y + pt.y);
    await page.locator(`[data-testid=drill][data-commune="${largest.properties.code}"]`).waitFor({ timeout: 15_000 });
    await page.getByTestId('drill').getByRole('heading', { name: new RegExp(largest.properties.fullName) }).waitFor();
    await page.getByTestId('series-chart').locator('canvas').first().waitFor();
    await screenshot(page, 'dashboard-drill-vi');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });

  test('on a phone the dashboard folds to one column and never scrolls sideways', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'vi-VN', isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await login(page, server.baseUrl, server.adminUser, server.adminPassword);
    await page.goto(`${server.baseUrl}/dashboard`);
    await page.getByTestId('indicator-tile').first().waitFor({ timeout: 60_000 });
    await waitMap(page);
    await screenshot(page, 'dashboard-phone-vi', true);
    const overflow = await sidewaysOverflow(page);
    assert.ok(overflow <= 1, `no sideways scroll (${overflow}px)`);
    await context.close();
  });
});
