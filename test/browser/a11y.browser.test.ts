/**
 * Accessibility of every page a citizen, a steward or a leader reaches, checked by axe-core (WCAG 2.1
 * A and AA) in a real headless Chromium against the in-process server with the Gia Lai demo: the
 * portal (home, search, a dataset, developers), the home map, the login page, and — signed in — the
 * catalogue, a dataset page with its publishing panel, the quality page, the publication queue and
 * the LDOP catalogue. A violation fails the test with the rule, its help text and the elements.
 *
 * Run: node --import tsx --test test/browser/a11y.browser.test.ts
 * Needs Chromium at /usr/bin/chromium (or PROVDATA_CHROMIUM); PROVDATA_REQUIRE_BROWSER=1 makes a
 * missing browser a failure (CI).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accessibilityViolations, browserMissing, chromiumPath, launchBrowser, login, startTestServer, type TestServer } from './support.js';

const PASSWORD = 'Tiếp-cận-2026!';
const DEMO_DATASET = 'mau-co-so-luu-tru-du-lich';

describe('accessibility of the pages (axe-core, WCAG 2.1 AA)', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let browser: Browser;
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ adminPassword: PASSWORD });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens a path, waits for what shows the page is ready, and collects axe's findings. */
  async function check(page: Page, path: string, ready: (page: Page) => Promise<unknown>, found: Map<string, string[]>): Promise<void> {
    await page.goto(`${server.baseUrl}${path}`);
    await ready(page);
    const violations = await accessibilityViolations(page);
    if (violations.length) found.set(path, violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(' | ')}`));
  }

  test('public pages: portal, home map, login — in Vietnamese, desktop and phone', { timeout: 240_000 }, async () => {
    const found = new Map<string, string[]>();
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const context = await browser.newContext({ viewport, locale: 'vi-VN' });
      const page = await context.newPage();
      const h1 = (p: Page) => p.locator('h1').first().waitFor();
      await check(page, '/open-data', h1, found);
      await check(page, '/open-data/search?q=du%20lich', (p) => p.getByRole('link', { name: /du lịch/i }).first().waitFor(), found);
      await check(page, `/open-data/datasets/${DEMO_DATASET}`, (p) => p.locator('table').first().waitFor(), found);
      await check(page, '/open-data/developers', h1, found);
      await check(page, '/', (p) => p.locator('.maplibregl-canvas, canvas').first().waitFor(), found);
      await check(page, '/login', (p) => p.getByLabel('Mật khẩu').waitFor(), found);
      await context.close();
    }
    assert.deepEqual(Object.fromEntries(found), {}, 'axe-core found WCAG 2.1 AA violations');
  });

  test('signed-in pages: catalogue, dataset with its publishing panel, quality, publication queue, LDOP', { timeout: 240_000 }, async () => {
    const found = new Map<string, string[]>();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    await login(page, server.baseUrl, 'admin', PASSWORD);
    const h1 = (p: Page) => p.locator('h1').first().waitFor();
    await check(page, '/data', (p) => p.locator('main a[href^="/data/datasets/"]').first().waitFor(), found);
    await check(page, `/data/datasets/${DEMO_DATASET}`, (p) => p.getByTestId('publish-panel').waitFor(), found);
    await check(page, '/data/quality', (p) => p.locator('table').first().waitFor(), found);
    await check(page, '/data/publications', h1, found);
    await check(page, '/ldop', h1, found);
    await context.close();
    assert.deepEqual(Object.fromEntries(found), {}, 'axe-core found WCAG 2.1 AA violations');
  });
});
