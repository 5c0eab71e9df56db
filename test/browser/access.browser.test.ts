/**
 * The dataset page under the content rule, in a real Chromium: the owning agency's analyst reads the
 * rows of its shared dataset in clear; its viewer reads them with personal columns masked and not
 * sortable; another agency's analyst sees the description but, instead of rows, a Vietnamese message
 * that the data is read through an LDOP agreement, with the way to request one — and no row value.
 *
 * Run: node --import tsx --test test/browser/access.browser.test.ts (needs /usr/bin/chromium).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { loadAccessFixture, SHARED, USERS } from '../support/access-fixture.js';
import { browserMissing, chromiumPath, launchBrowser, login, screenshot, startBrowserServer, type BrowserServer } from './support.js';

describe('the dataset page under the access rules', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: BrowserServer;
  let browser: Browser;

  before(async () => {
    server = await startBrowserServer({ adminPassword: 'Kho-dữ-liệu-2026!' });
    const p = server.platform!;
    await loadAccessFixture(Object.assign(p, {
      async login(username: string, password: string) {
        const r = await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
        assert.equal(r.statusCode, 200, r.body);
        return { cookie: String(r.headers['set-cookie']).split(';')[0]!, csrf: (r.json() as { csrfToken: string }).csrfToken };
      },
    }));
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const open = async (user: { username: string; password: string }) => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    await login(page, server.baseUrl, user.username, user.password);
    await page.goto(`${server.baseUrl}/data/datasets/${SHARED.slug}`);
    await page.getByTestId('dataset-page').waitFor();
    return { page, context };
  };

  test('owner reads rows in clear, the owner\'s viewer masked, another agency gets the LDOP message and no row', { timeout: 300_000 }, async () => {
    const analyst = await open(USERS.analystA);
    await analyst.page.getByText('079301000333').first().waitFor();
    assert.ok((await analyst.page.content()).includes('CHIASE-BA'));
    await analyst.context.close();

    const viewer = await open(USERS.viewerA);
    await viewer.page.getByText('********0333').first().waitFor();
    const viewerHtml = await viewer.page.content();
    for (const v of SHARED.personal) assert.ok(!viewerHtml.includes(v), `the viewer sees ${v}`);
    assert.ok(await viewer.page.locator('[data-masked="true"]').count() >= 3, 'masked columns are marked and not sortable');
    await viewer.context.close();

    const other = await open(USERS.analystB);
    const notice = other.page.getByTestId('dataset-needs-agreement');
    await notice.waitFor();
    assert.match(await notice.innerText(), /thỏa thuận chia sẻ dữ liệu \(LDOP\)/);
    assert.equal(await notice.getByRole('link', { name: /Yêu cầu thỏa thuận/ }).getAttribute('href'), '/ldop');
    await screenshot(other.page, 'dataset-needs-agreement');
    const html = await other.page.content();
    for (const v of [...SHARED.personal, ...SHARED.other]) assert.ok(!html.includes(v), `another agency sees ${v}`);
    await other.context.close();
  });
});
