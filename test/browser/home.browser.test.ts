/**
 * End-to-end test of the web app in a real (headless) Chromium against the real server started
 * in-process: the commune map renders all 135 communes and wards, hovering names one, the search finds
 * names without diacritics, an administrator logs in and out through the login page, the language
 * switch works, and the page never talks to anything but the provdata server (the province's network
 * may be closed).
 *
 * Run: node --import tsx --test test/browser/home.browser.test.ts
 * Needs Chromium at /usr/bin/chromium (or PROVDATA_CHROMIUM); without it the test is skipped, unless
 * PROVDATA_REQUIRE_BROWSER=1, which makes a missing browser a failure (CI).
 * PROVDATA_BROWSER_BASE_URL=http://127.0.0.1:8080 (with PROVDATA_ADMIN_PASSWORD) tests a running server
 * instead of starting one.
 * Screenshots go to .tmp/screenshots/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { area, pointOnFeature } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, browserMissing, launchBrowser, startBrowserServer, recordRequests, assertAllLocal, screenshotDir, type BrowserServer } from './support.js';

type CommuneFeature = Feature<Polygon | MultiPolygon, { code: string; name: string; nameEn: string; fullName: string; kind: 'xa' | 'phuong' }>;

/** The slice of the MapLibre map the test touches through `window.__provdataMap`. */
interface MapHandle {
  querySourceFeatures(source: string): { properties: Record<string, unknown> }[];
  project(lngLat: [number, number]): { x: number; y: number };
  getZoom(): number;
  isMoving(): boolean;
  areTilesLoaded(): boolean;
}
declare const globalThis: { __provdataMap?: MapHandle };

/** Browser-side trouble (console errors, failed requests), reported when the map does not load. */
const browserLogs = new WeakMap<Page, string[]>();

function watchPage(page: Page): string[] {
  const pageErrors: string[] = [];
  const log: string[] = [];
  browserLogs.set(page, log);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('requestfailed', (request) => log.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return pageErrors;
}

async function waitForMap(page: Page): Promise<void> {
  try {
    // Generous: software WebGL on a busy CI machine (other test files run in parallel) is slow.
    await page.locator('[data-testid=commune-map][data-loaded=true]').waitFor({ state: 'attached', timeout: 90_000 });
  } catch (error) {
    const log = browserLogs.get(page) ?? [];
    throw new Error(`the commune map did not load:\n  ${log.join('\n  ') || '(no browser errors)'}`, { cause: error });
  }
}

/** Waits until the camera stopped and the source is drawn, optionally past a zoom level. */
async function waitForMapIdle(page: Page, minZoom = 0): Promise<void> {
  await page.waitForFunction(
    (zoom) => {
      const map = globalThis.__provdataMap;
      return !!map && !map.isMoving() && map.areTilesLoaded() && map.getZoom() >= zoom;
    },
    minZoom,
    { timeout: 60_000, polling: 250 },
  );
}

/** Moves the mouse onto a geographic point of the map. */
async function hoverLngLat(page: Page, lngLat: [number, number]): Promise<void> {
  const box = await page.locator('[data-testid=commune-map]').boundingBox();
  assert.ok(box, 'map container has no box');
  const point = await page.evaluate((ll) => globalThis.__provdataMap!.project(ll), lngLat);
  // Two moves so MapLibre sees a mousemove inside the layer even if the pointer was already there.
  await page.mouse.move(box.x + point.x - 3, box.y + point.y - 3);
  await page.mouse.move(box.x + point.x, box.y + point.y);
}

function insidePoint(feature: CommuneFeature): [number, number] {
  const [lng, lat] = pointOnFeature(feature).geometry.coordinates;
  return [lng!, lat!];
}

async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
}

describe('home page in a browser', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: BrowserServer;
  let browser: Browser;
  let communes: CommuneFeature[];

  before(async () => {
    server = await startBrowserServer({ adminPassword: 'Trình-duyệt-2026!' });
    const response = await fetch(`${server.baseUrl}/api/geo/communes.geojson`);
    assert.equal(response.status, 200);
    communes = ((await response.json()) as { features: CommuneFeature[] }).features;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('serves 135 communes and wards: 110 xã and 25 phường', () => {
    assert.equal(communes.length, 135);
    assert.equal(communes.filter((f) => f.properties.kind === 'xa').length, 110);
    assert.equal(communes.filter((f) => f.properties.kind === 'phuong').length, 25);
  });

  test('on a desktop: map, hover name, diacritic-free search, login, English, logout — all local', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const pageErrors = watchPage(page);

    await page.goto(`${server.baseUrl}/`);
    await waitForMap(page);
    await waitForMapIdle(page);

    // Every commune is in the map source (features are cut per tile, hence the de-duplication).
    const codes = await page.evaluate(() => [
      ...new Set(globalThis.__provdataMap!.querySourceFeatures('communes').map((f) => String(f.properties.code))),
    ]);
    assert.equal(codes.length, 135);

    // The panel counts what the data says.
    const counts = page.getByTestId('commune-counts');
    assert.match(await counts.innerText(), /135[\s\S]*110[\s\S]*25/);
    assert.equal(await page.locator('html').getAttribute('lang'), 'vi');
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: 'Cổng dữ liệu mở' }).count(), 1);

    // Hovering the largest commune at province zoom names it.
    const largest = communes.reduce((a, b) => (area(b) > area(a) ? b : a));
    await hoverLngLat(page, insidePoint(largest));
    await page.getByTestId('commune-tooltip').getByText(largest.properties.fullName, { exact: true }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'desktop-vi-home');

    // Search without diacritics, select, zoom in, hover: "quy nhon bac" → Phường Quy Nhơn Bắc.
    const quyNhonBac = communes.find((f) => f.properties.fullName === 'Phường Quy Nhơn Bắc');
    assert.ok(quyNhonBac, 'Phường Quy Nhơn Bắc is in the data');
    await page.getByLabel('Tìm xã, phường').fill('quy nhon bac');
    const result = page.getByTestId('commune-list').getByRole('button', { name: /Phường Quy Nhơn Bắc/ });
    await result.click();
    await waitForMapIdle(page, 10);
    await hoverLngLat(page, insidePoint(quyNhonBac));
    const tooltip = page.getByTestId('commune-tooltip');
    await tooltip.getByText('Phường Quy Nhơn Bắc', { exact: true }).waitFor({ timeout: 15_000 });
    assert.match(await tooltip.innerText(), /21553/);
    await screenshot(page, 'desktop-vi-selected');

    // A wrong password shows the server's problem detail; the right one shows the user in the header.
    await page.getByRole('link', { name: 'Đăng nhập' }).click();
    await page.getByLabel('Tên đăng nhập').fill(server.adminUser);
    await page.getByLabel('Mật khẩu').fill('not-the-password');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    assert.ok((await error.innerText()).trim().length > 0, 'the login error is shown');
    await screenshot(page, 'desktop-vi-login-error');

    await page.getByLabel('Mật khẩu').fill(server.adminPassword);
    const [loginResponse] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/auth/login') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Đăng nhập' }).click(),
    ]);
    assert.equal(loginResponse.status(), 200);
    const { user } = (await loginResponse.json()) as { user: { displayName: string } };
    const userName = page.getByTestId('user-name');
    await userName.waitFor();
    assert.equal((await userName.innerText()).trim(), user.displayName);
    await waitForMap(page); // login returns to the home page

    // English, kept across a reload.
    await page.getByRole('button', { name: 'English' }).click();
    const nav = page.getByRole('navigation');
    for (const label of ['Home', 'Open data', 'IOC', 'Administration', 'Assistant']) {
      await nav.getByRole('link', { name: new RegExp(`^${label}`) }).waitFor({ timeout: 15_000 });
    }
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.reload();
    await waitForMap(page);
    await waitForMapIdle(page);
    await nav.getByRole('link', { name: 'Open data' }).waitFor({ timeout: 15_000 });
    assert.equal((await page.getByTestId('user-name').innerText()).trim(), user.displayName, 'the session survives a reload');
    await screenshot(page, 'desktop-en-home');

    await nav.getByRole('link', { name: 'Open data' }).click();
    await page.getByRole('heading', { name: 'Open data', exact: true, level: 1 }).waitFor();
    await screenshot(page, 'desktop-en-open-data');

    // Logout sends the CSRF token; the server accepts it and the header offers login again.
    const [logoutResponse] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/auth/logout')),
      page.getByRole('button', { name: 'Log out' }).click(),
    ]);
    assert.equal(logoutResponse.status(), 204);
    await page.getByRole('link', { name: 'Log in' }).waitFor();

    assert.deepEqual(pageErrors, []);
    assertAllLocal(requests);
    await context.close();
  });

  test('on a phone: the map and the panel are usable in Vietnamese and English — all local', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
    });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const pageErrors = watchPage(page);

    await page.goto(`${server.baseUrl}/`);
    await waitForMap(page);
    await waitForMapIdle(page);
    const box = await page.getByTestId('commune-map').boundingBox();
    assert.ok(box && box.width >= 380 && box.height >= 300, `map too small on a phone: ${JSON.stringify(box)}`);
    await page.getByTestId('commune-counts').waitFor();
    await screenshot(page, 'phone-vi-home');

    await page.getByLabel('Tìm xã, phường').fill('pleiku');
    await page.getByTestId('commune-list').getByRole('button').first().waitFor();
    await screenshot(page, 'phone-vi-search', true);

    await page.getByRole('button', { name: 'English' }).tap();
    await page.getByRole('navigation').getByRole('link', { name: 'Open data' }).waitFor();
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(page, 'phone-en-home');

    await page.goto(`${server.baseUrl}/login`);
    await page.getByLabel('Username').waitFor();
    await screenshot(page, 'phone-en-login');

    assert.deepEqual(pageErrors, []);
    assertAllLocal(requests);
    await context.close();
  });
});
