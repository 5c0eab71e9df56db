/**
 * End-to-end test of the open data portal's developer page (Nhà phát triển) in a real (headless)
 * Chromium against the real server started in-process with its demo datasets: a developer reaches the
 * page from the portal home, gets a key (shown once, with its warning), calls
 * `/api/3/action/package_search` with it, checks the key in the page (calls today), revokes it after
 * confirming, and sees the API refuse it; registers an application that uses a published dataset
 * ("Đang chờ biên tập viên duyệt"), which appears in the showcase once an editor approves it — on a
 * desktop and a phone (390 px), in Vietnamese and English, without any request leaving the server.
 *
 * Run: node --import tsx --test test/browser/developers.browser.test.ts
 * Needs Chromium at /usr/bin/chromium (or PROVDATA_CHROMIUM); without it the test is skipped, unless
 * PROVDATA_REQUIRE_BROWSER=1. Screenshots go to .tmp/screenshots/developers-*.png (git-ignored).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, browserMissing, launchBrowser, recordRequests, sidewaysOverflow, assertAllLocal, watchPage, screenshot, startTestServer, type TestServer } from './support.js';

/** An editor approves every submitted application (in-process); answers their names. */
async function approveApps(server: TestServer): Promise<string[]> {
  const { SYSTEM } = await import('../../src/core/auth/index.js');
  const od = server.platform.opendata;
  const waiting = (await od.apps(SYSTEM)).filter((a) => a.state === 'submitted');
  for (const a of waiting) await od.reviewApp(SYSTEM, a.id, 'approved');
  return waiting.map((a) => a.name);
}

/** The page never scrolls sideways on a phone. */
/** A CKAN call from inside the page, with the key as CKAN clients send it. */
async function ckanWithKey(page: Page, key: string): Promise<{ status: number; success: boolean; type: string | null; count: number | null }> {
  return page.evaluate(async (k) => {
    const r = await fetch('/api/3/action/package_search?q=du%20lich&rows=1', { headers: { authorization: k } });
    const body = (await r.json()) as { success: boolean; error?: { __type: string }; result?: { count: number } };
    return { status: r.status, success: body.success, type: body.error?.__type ?? null, count: body.result?.count ?? null };
  }, key);
}

/** The DOM, seen from the Node side of `page.evaluate` (this file is compiled without the DOM library). */
type Dom = { document: { activeElement: { textContent: string | null } | null }; navigator: { clipboard: { readText(): Promise<string> } } };
const focusedOn = (page: Page, label: string) => page.waitForFunction((l) => (globalThis as unknown as Dom).document.activeElement?.textContent === l, label);

const TOURISM_TITLE = 'Cơ sở lưu trú và lượt khách du lịch theo xã/phường (dữ liệu mẫu)';

describe('open data developer page in a browser', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer({ adminPassword: 'Kho-dữ-liệu-2026!' });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('on a desktop: get a key, call package_search with it, check it, revoke it in the page, the API refuses it; register an app', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    // From the portal home to the developer page.
    await page.goto(`${server.baseUrl}/open-data`);
    await page.getByTestId('developers-link').click();
    await page.waitForURL(/\/open-data\/developers$/);
    await page.getByRole('heading', { name: 'Nhà phát triển', level: 1 }).waitFor();
    assert.equal(await page.title(), 'Nhà phát triển — provdata');
    assert.equal(await page.getByRole('navigation', { name: 'Các mục của cổng dữ liệu mở' }).getByRole('link', { name: 'Nhà phát triển' }).getAttribute('aria-current'), 'page');
    // How to call the API: examples against this origin, the limits, the docs.
    const how = page.getByTestId('how-search');
    await how.waitFor({ timeout: 45_000 });
    assert.match(await how.innerText(), new RegExp(`curl '${server.baseUrl.replace(/[.]/g, '\\.')}/api/3/action/package_search\\?q=du%20lich`));
    assert.match(await page.getByTestId('how-rows').innerText(), /datastore_search\?resource_id=[0-9a-f-]{36}&limit=5/);
    assert.match((await page.locator('#dev-how').innerText()).normalize('NFC'), /120 lượt gọi mỗi phút.*1\.200 lượt mỗi phút/s);
    assert.equal(await page.locator('#dev-how').getByRole('link', { name: 'Tài liệu API đầy đủ (OpenAPI)' }).getAttribute('href'), '/api/docs');
    await screenshot(page, 'developers-desktop-vi-page');

    // Client-side checks before anything is sent.
    await page.getByRole('button', { name: 'Lấy khóa' }).click();
    await page.getByText('Vui lòng điền Tên bạn hoặc tên ứng dụng.').waitFor();
    assert.equal(await page.getByLabel('Tên bạn hoặc tên ứng dụng').getAttribute('aria-invalid'), 'true');

    // Get a key: shown once, with the warning and a copy button.
    await page.getByLabel('Tên bạn hoặc tên ứng dụng').fill('Ứng dụng bản đồ du lịch');
    await page.getByLabel('Thư điện tử', { exact: true }).fill('dev@example.vn');
    await page.keyboard.press('Enter'); // the form submits from the keyboard
    const newKey = page.getByTestId('new-key');
    await newKey.waitFor({ timeout: 45_000 });
    assert.match((await newKey.innerText()).normalize('NFC'), /chỉ hiện một lần/);
    const key = await page.getByTestId('new-key-value').inputValue();
    assert.match(key, /^pod_[A-Za-z0-9_-]{32}$/);
    await newKey.getByRole('button', { name: 'Sao chép' }).click();
    await newKey.getByRole('button', { name: 'Đã sao chép' }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as unknown as Dom).navigator.clipboard.readText()), key, 'the copy button copies the key');
    await screenshot(page, 'developers-desktop-vi-new-key', false);
    await newKey.getByRole('button', { name: 'Tôi đã lưu khóa' }).click();
    assert.equal(await page.getByTestId('new-key').count(), 0, 'dismissed, the key is gone from the page');

    // Call the API with it.
    const ok = await ckanWithKey(page, key);
    assert.equal(ok.status, 200);
    assert.equal(ok.success, true);
    assert.ok((ok.count ?? 0) >= 1, 'package_search finds the tourism dataset');
    assert.equal((await ckanWithKey(page, key)).status, 200);

    // Check my key: a malformed key is refused in the page; the real one shows its calls of today.
    const input = page.getByTestId('my-key-input');
    await input.fill('pod_abc');
    await page.getByRole('button', { name: 'Kiểm tra' }).click();
    await page.getByText('Khóa không đúng dạng').first().waitFor();
    await input.fill(key);
    await input.press('Enter');
    const mine = page.getByTestId('my-key');
    await mine.waitFor({ timeout: 45_000 });
    assert.equal(await page.getByTestId('calls-today').innerText(), '2');
    const mineText = (await mine.innerText()).normalize('NFC');
    assert.ok(mineText.includes(`${key.slice(0, 12)}…`), 'the prefix is shown');
    assert.ok(!mineText.includes(key), 'the full key is not echoed');
    assert.match(mineText, /d\*\*\*@example\.vn/);
    assert.match(mineText, /Đang hoạt động/);
    assert.match(mineText, /1\.200/);
    await screenshot(page, 'developers-desktop-vi-my-key');

    // Revoke, with a confirmation that can be cancelled — by keyboard: focus moves to the confirmation and back.
    await mine.getByRole('button', { name: 'Thu hồi khóa' }).focus();
    await page.keyboard.press('Enter');
    await focusedOn(page, 'Xác nhận thu hồi');
    await page.keyboard.press('Tab');
    await focusedOn(page, 'Hủy');
    await page.keyboard.press('Enter');
    await focusedOn(page, 'Thu hồi khóa');
    assert.equal(await mine.getByRole('button', { name: 'Xác nhận thu hồi' }).count(), 0);
    assert.equal((await ckanWithKey(page, key)).status, 200, 'cancelled: still valid');
    await mine.getByRole('button', { name: 'Thu hồi khóa' }).click();
    assert.match((await mine.getByRole('group').innerText()).normalize('NFC'), /không thể khôi phục/);
    await screenshot(page, 'developers-desktop-vi-confirm', false);
    await focusedOn(page, 'Xác nhận thu hồi');
    await page.keyboard.press('Enter');
    await page.getByTestId('revoked-now').waitFor({ timeout: 45_000 });
    assert.match((await page.getByTestId('key-state').innerText()).normalize('NFC'), /Đã thu hồi .* \(bởi bạn\)/);
    assert.equal(await mine.getByRole('button', { name: 'Thu hồi khóa' }).count(), 0, 'no revoke button on a revoked key');
    const refused = await ckanWithKey(page, key);
    assert.equal(refused.status, 403, 'the API refuses the revoked key at once');
    assert.equal(refused.type, 'Authorization Error');
    await screenshot(page, 'developers-desktop-vi-revoked');

    // Register an application that uses the tourism dataset.
    const form = page.getByTestId('app-form');
    await form.getByRole('button', { name: 'Gửi đăng ký' }).click();
    await form.getByText('Vui lòng điền Tên ứng dụng.').waitFor();
    await form.getByLabel('Tên ứng dụng').fill('Bản đồ lưu trú Gia Lai');
    await form.getByLabel('Địa chỉ (http:// hoặc https://)').fill('ftp://example.vn');
    await form.getByLabel('Mô tả (ít nhất 10 ký tự)').fill('Tìm cơ sở lưu trú theo xã, phường trên bản đồ.');
    await form.getByLabel('Tên nhà phát triển').fill('Nhóm Pleiku Mở');
    await form.getByLabel('Thư điện tử liên hệ (không công bố)').fill('nhom@example.vn');
    await form.getByRole('group', { name: 'Tập dữ liệu ứng dụng dùng' }).getByLabel(TOURISM_TITLE).check();
    await form.getByRole('button', { name: 'Gửi đăng ký' }).click();
    await form.getByText('Địa chỉ phải bắt đầu bằng http:// hoặc https://').waitFor();
    await form.getByLabel('Địa chỉ (http:// hoặc https://)').fill('https://example.vn/luu-tru');
    await form.getByRole('button', { name: 'Gửi đăng ký' }).click();
    const pending = page.getByTestId('app-pending');
    await pending.waitFor({ timeout: 45_000 });
    assert.match((await pending.innerText()).normalize('NFC'), /Đang chờ biên tập viên duyệt/);
    assert.deepEqual(await approveApps(server), ['Bản đồ lưu trú Gia Lai']);
    await page.reload();
    const apps = page.getByTestId('approved-apps');
    await apps.waitFor({ timeout: 45_000 });
    const appsText = (await apps.innerText()).normalize('NFC');
    assert.match(appsText, /Bản đồ lưu trú Gia Lai/);
    assert.match(appsText, /Nhóm Pleiku Mở/);
    assert.ok(appsText.includes(TOURISM_TITLE), 'the dataset it uses is named');
    assert.ok(!appsText.includes('nhom@example.vn'), 'the e-mail is not published');
    await screenshot(page, 'developers-desktop-vi-apps');

    // English.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Developers', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'How to call the API' }).waitFor();
    await screenshot(page, 'developers-desktop-en-page');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });

  test('on a phone (390 px): the page fits the width, keys and the app form work by touch, in Vietnamese and English', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    await page.goto(`${server.baseUrl}/open-data/developers`);
    await page.getByTestId('how-search').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'the page fits the phone width');
    await screenshot(page, 'developers-phone-vi-page');

    await page.getByLabel('Tên bạn hoặc tên ứng dụng').fill('Ứng dụng điện thoại');
    await page.getByLabel('Thư điện tử', { exact: true }).fill('phone@example.vn');
    await page.getByRole('button', { name: 'Lấy khóa' }).tap();
    await page.getByTestId('new-key').waitFor({ timeout: 45_000 });
    const key = await page.getByTestId('new-key-value').inputValue();
    assert.ok((await sidewaysOverflow(page)) <= 1, 'the new key fits the phone width');
    await screenshot(page, 'developers-phone-vi-new-key', false);
    await page.getByTestId('my-key-input').fill(key);
    await page.getByRole('button', { name: 'Kiểm tra' }).tap();
    await page.getByTestId('my-key').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'the key view fits the phone width');
    await page.getByRole('button', { name: 'Thu hồi khóa' }).tap();
    await page.getByRole('button', { name: 'Xác nhận thu hồi' }).tap();
    await page.getByTestId('revoked-now').waitFor({ timeout: 45_000 });
    assert.equal((await ckanWithKey(page, key)).status, 403);
    await page.getByTestId('my-key').scrollIntoViewIfNeeded();
    await screenshot(page, 'developers-phone-vi-revoked', false);

    await page.getByRole('button', { name: 'English' }).tap();
    await page.getByRole('heading', { name: 'Developers', level: 1 }).waitFor();
    assert.ok((await sidewaysOverflow(page)) <= 1, 'the page fits the phone width in English');
    await screenshot(page, 'developers-phone-en-page');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });
});
