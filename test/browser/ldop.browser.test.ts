/**
 * End-to-end test of the LDOP pages (Chia sẻ dữ liệu) in a real (headless) Chromium against the real
 * server started in-process — the "Done when" in the browser: Sở Y tế's steward issues a key for
 * its system, finds Sở Nông nghiệp và Môi trường's commune-level dataset among the services and requests
 * access with a commune filter and fields; Sở NN&MT's steward sees the notification and approves with
 * two fields masked (and one dropped); Sở Y tế's system reads through the gateway with its key and gets
 * exactly the allowed fields with masked values; both stewards see the exchange in their message log,
 * with a signed checkpoint. Desktop and phone, Vietnamese and English, nothing leaves the server.
 *
 * Run: node --import tsx --test test/browser/ldop.browser.test.ts
 * Needs Chromium at /usr/bin/chromium (or PROVDATA_CHROMIUM); without it the test is skipped, unless
 * PROVDATA_REQUIRE_BROWSER=1, which makes a missing browser a failure (CI).
 * Screenshots go to .tmp/screenshots/ldop-*.png (git-ignored).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, browserMissing, launchBrowser, login, sidewaysOverflow, startBrowserServer, recordRequests, assertAllLocal, watchPage, screenshot, type BrowserServer } from './support.js';

/** A household register as Sở NN&MT keeps it: commune codes, and three personal-data columns. */
const CSV = [
  'Mã hộ,Mã xã,Tên xã,Họ tên chủ hộ,Số CCCD,Số điện thoại,Diện tích lúa (ha)',
  'H001,21553,Quy Nhơn Bắc,Nguyễn Văn An,052090001234,0912345678,1.5',
  'H002,21553,Quy Nhơn Bắc,Trần Thị Bình,052090005678,0987654321,0.8',
  'H003,21583,Quy Nhơn,Lê Văn Cường,052090009012,0905111222,2.25',
  'H004,21583,Quy Nhơn,Phạm Thị Dung,052090003456,0935666777,1.1',
  'H005,21589,Quy Nhơn Tây,Hoàng Văn Em,052090007890,0978999000,3',
  'H006,21589,Quy Nhơn Tây,Đỗ Thị Phương,052090002468,0968123456,0.5',
].join('\r\n');

const SLUG = 'ho-trong-lua-theo-xa';
const TITLE = 'Hộ trồng lúa theo xã';
const PASSWORD = 'mat-khau-thu-nghiem-123';
const PROVIDER = { username: 'nnmt-steward', displayName: 'Cán bộ Sở NN&MT', orgId: 'so-nn-mt' };
const CONSUMER = { username: 'yte-steward', displayName: 'Cán bộ Sở Y tế', orgId: 'so-y-te' };
const CONSUMER_SYSTEM = 'yte-giam-sat-dich';

interface Session {
  cookie: string;
  csrf: string;
}

/** Calls the API from Node as a signed-in user; answers the parsed body, failing on an unexpected status. */
async function call(server: BrowserServer, as: Session, method: string, path: string, body?: unknown, expect = [200, 201, 204]): Promise<unknown> {
  const binary = body instanceof Uint8Array;
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      cookie: as.cookie,
      'x-csrf-token': as.csrf,
      ...(body === undefined ? {} : { 'content-type': binary ? 'application/octet-stream' : 'application/json' }),
    },
    body: body === undefined ? undefined : binary ? body : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(expect.includes(response.status), `${method} ${path} → ${response.status}: ${text}`);
  return text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
}

async function apiLogin(server: BrowserServer, username: string, password: string): Promise<Session> {
  const response = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return { cookie, csrf: csrfToken };
}

interface World {
  admin: Session;
  servicePath: string;
}

/**
 * The world through the API, as agencies would build it: two stewards, a shared dataset of Sở NN&MT
 * loaded by upload (commune codes; name, CCCD and phone are personal data by their dictionary
 * elements), and a registered consumer system of Sở Y tế (its key is issued in the browser).
 */
async function buildWorld(server: BrowserServer): Promise<World> {
  const admin = await apiLogin(server, server.adminUser, server.adminPassword);
  for (const u of [PROVIDER, CONSUMER]) {
    await call(server, admin, 'POST', '/api/users', { ...u, role: 'steward', password: PASSWORD });
  }
  const provider = await apiLogin(server, PROVIDER.username, PASSWORD);
  const consumer = await apiLogin(server, CONSUMER.username, PASSWORD);
  const col = (name: string, title: string, type: string, elementCode: string | null, key = false) => ({
    name, title, type, elementCode, required: key || name === 'ma_xa', key, unit: null, codeList: null, rules: {},
  });
  await call(server, provider, 'POST', '/api/catalog/datasets', {
    slug: SLUG, title: TITLE, publisherOrgId: 'so-nn-mt', access: 'shared', personalData: true,
    columns: [
      col('ma_ho', 'Mã hộ', 'text', null, true), col('ma_xa', 'Mã xã', 'text', 'ma_xa'), col('ten_xa', 'Tên xã', 'text', null),
      col('ho_ten', 'Họ tên chủ hộ', 'text', 'ho_ten'), col('so_cccd', 'Số CCCD', 'text', 'so_cccd'), col('so_dien_thoai', 'Số điện thoại', 'text', 'so_dien_thoai'),
      col('dien_tich', 'Diện tích lúa (ha)', 'number', null),
    ],
  });
  const upload = (await call(server, provider, 'POST', `/api/uploads?filename=ho-trong-lua.csv`, new TextEncoder().encode(CSV))) as { id: string };
  const run = (await call(server, provider, 'POST', '/api/ingest/runs', { dataset: SLUG, uploadId: upload.id, mode: 'replace', validRowsOnly: false })) as { status: string };
  assert.equal(run.status, 'loaded');
  await call(server, consumer, 'POST', '/api/ldop/subsystems', { code: CONSUMER_SYSTEM, name: 'Hệ thống giám sát dịch tễ', environment: 'production' });
  const services = (await call(server, consumer, 'GET', `/api/ldop/services?q=${SLUG}`)) as { items: { code: string; path: string }[] };
  const service = services.items.find((s) => s.code === `dataset:${SLUG}`);
  assert.ok(service, 'the shared dataset is a service');
  return { admin, servicePath: service.path };
}

async function logout(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await page.getByRole('banner').getByRole('link', { name: 'Đăng nhập' }).waitFor();
}

describe('LDOP pages in a browser', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: BrowserServer;
  let browser: Browser;
  let world: World;
  let agreementUrl = '';

  before(async () => {
    server = await startBrowserServer({ adminPassword: 'Kho-dữ-liệu-2026!' });
    world = await buildWorld(server);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('on a desktop: Sở Y tế requests commune-level data, Sở NN&MT approves with two fields masked, the gateway serves exactly that, both logs show it', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    // --- Sở Y tế: issue a key for its system (shown once), find the service, request access.
    await login(page, server.baseUrl, CONSUMER.username, PASSWORD);
    await page.getByRole('navigation', { name: 'Điều hướng chính' }).getByRole('link', { name: 'Chia sẻ (LDOP)' }).click();
    await page.getByRole('heading', { name: 'Dịch vụ', level: 1 }).waitFor();
    const sections = page.getByRole('navigation', { name: 'Các mục của nền tảng chia sẻ dữ liệu' });
    await sections.getByRole('link', { name: 'Hệ thống' }).click();
    const system = page.locator(`[data-code="${CONSUMER_SYSTEM}"]`);
    await system.waitFor();
    await system.getByLabel('Tên khóa').fill('máy chủ chính');
    await system.getByTestId('issue-key').click();
    const keyField = page.getByTestId('new-key-value');
    await keyField.waitFor();
    const key = await keyField.inputValue();
    assert.match(key, /^pdl_/);
    assert.match(await page.getByTestId('new-key').innerText(), /MỘT LẦN/);
    await screenshot(page, 'ldop-desktop-vi-systems-key');

    await sections.getByRole('link', { name: 'Dịch vụ' }).click();
    await page.getByLabel('Tìm dịch vụ').fill('ho trong lua');
    const card = page.getByTestId('service-results').locator('article', { hasText: TITLE }).first();
    await card.waitFor({ timeout: 45_000 });
    assert.match(await card.innerText(), /Chưa chia sẻ cho cơ quan nào/);
    await screenshot(page, 'ldop-desktop-vi-services');
    await card.getByRole('link', { name: TITLE }).click();
    await page.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
    const fieldsTable = page.getByTestId('service-fields');
    for (const name of ['ho_ten', 'so_cccd', 'so_dien_thoai']) {
      assert.notEqual(await fieldsTable.locator(`tr:has(code:text-is("${name}"))`).getAttribute('data-personal'), 'none', `${name} is marked personal`);
    }
    assert.equal(await fieldsTable.locator('tr:has(code:text-is("dien_tich"))').getAttribute('data-personal'), 'none');

    const form = page.getByTestId('request-form');
    for (const name of ['ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'so_cccd', 'dien_tich']) await form.locator(`[data-field="${name}"]`).check();
    for (const name of ['ho_ten', 'so_dien_thoai']) await form.locator(`[data-clear="${name}"]`).check();
    const picker = form.getByTestId('commune-picker');
    for (const code of ['21553', '21583']) {
      await picker.getByRole('searchbox').fill(code);
      await picker.getByRole('checkbox', { name: new RegExp(`\\(${code}\\)`) }).check();
    }
    await picker.getByRole('searchbox').fill('');
    assert.match(await picker.innerText(), /Đã chọn 2 xã, phường/);
    await form.getByLabel('Mục đích sử dụng').fill('Giám sát dịch sốt xuất huyết theo xã');
    await form.getByLabel('Căn cứ pháp lý').fill('Luật Phòng, chống bệnh truyền nhiễm 2007; Nghị định 13/2023/NĐ-CP');
    await form.getByLabel('Số dòng tối đa mỗi ngày').fill('5000');
    await screenshot(page, 'ldop-desktop-vi-request-form');
    await form.getByRole('button', { name: 'Gửi yêu cầu' }).click();
    await page.getByTestId('request-sent').waitFor({ timeout: 45_000 });
    await page.getByTestId('open-agreement').click();
    await page.getByTestId('agreement-history').waitFor();
    agreementUrl = new URL(page.url()).pathname;
    assert.equal(await page.getByTestId('agreement-status').getAttribute('data-status'), 'requested');
    assert.match(await page.getByTestId('agreement-terms').innerText(), /Quy Nhơn/);
    await logout(page);

    // --- Sở NN&MT: the bell shows the request; approve dropping CCCD and masking name and phone.
    await login(page, server.baseUrl, PROVIDER.username, PASSWORD);
    const count = page.getByTestId('notifications-count');
    await count.waitFor({ timeout: 45_000 });
    assert.equal((await count.innerText()).trim(), '1');
    await page.getByTestId('notifications-bell').click();
    const note = page.getByTestId('notifications-panel').getByTestId('notification').first();
    assert.match((await note.innerText()).normalize('NFC'), new RegExp(TITLE));
    await screenshot(page, 'ldop-desktop-vi-notification', false);
    await note.click();
    const approve = page.getByTestId('approve-form');
    await approve.waitFor({ timeout: 45_000 });
    assert.equal(new URL(page.url()).pathname, agreementUrl);
    assert.equal(await approve.locator('[data-mask="so_cccd"]').isChecked(), true, 'CCCD was not asked in clear: masked, locked');
    assert.equal(await approve.locator('[data-mask="so_cccd"]').isDisabled(), true);
    await approve.locator('[data-include="so_cccd"]').uncheck();
    await approve.locator('[data-mask="ho_ten"]').check();
    await approve.locator('[data-mask="so_dien_thoai"]').check();
    await approve.getByLabel('Ghi chú').fill('Chỉ số liệu cần thiết; che họ tên và số điện thoại');
    await screenshot(page, 'ldop-desktop-vi-approve');
    await approve.getByTestId('approve').click();
    await page.locator('[data-testid=agreement-status][data-status=active]').waitFor({ timeout: 45_000 });
    const history = page.getByTestId('agreement-history');
    assert.deepEqual(await history.locator('li').evaluateAll((items) => items.map((i) => i.getAttribute('data-action'))), ['requested', 'approved']);
    const masked = await page.getByTestId('agreement-terms').locator('[data-masked=true] code').allInnerTexts();
    assert.deepEqual(masked.sort(), ['ho_ten', 'so_dien_thoai']);
    await screenshot(page, 'ldop-desktop-vi-agreement-active');

    // --- Sở Y tế's system reads through the gateway with its key: exactly the allowed fields, masked values.
    const response = await fetch(`${server.baseUrl}${world.servicePath}?sort=ma_xa`, { headers: { 'x-ldop-key': key } });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    const answer = JSON.parse(body) as { fields: string[]; masked: string[]; rows: Record<string, string | number>[] };
    assert.deepEqual(answer.fields, ['ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich']);
    assert.deepEqual(answer.masked, ['ho_ten', 'so_dien_thoai']);
    assert.equal(answer.rows.length, 4, 'only the communes 21553 and 21583');
    for (const row of answer.rows) {
      assert.deepEqual(Object.keys(row), answer.fields);
      assert.ok(['21553', '21583'].includes(String(row.ma_xa)));
      assert.match(String(row.so_dien_thoai), /^\d{2}\*{6}\d{2}$/);
      assert.match(String(row.ho_ten), /^\S\*\*\*( \S\*\*\*)+$/);
    }
    assert.ok(!body.includes('052090') && !body.includes('Nguyễn Văn An') && !body.includes('0912345678'), 'no CCCD, no clear name or phone');
    const messageId = response.headers.get('x-ldop-message-id');
    assert.ok(messageId && Number(messageId) > 0);
    await call(server, world.admin, 'POST', '/api/ldop/checkpoints');

    // --- Both sides see the exchange in their message log, with a verified checkpoint.
    for (const who of ['provider', 'consumer'] as const) {
      if (who === 'consumer') {
        await logout(page);
        await login(page, server.baseUrl, CONSUMER.username, PASSWORD);
      }
      await page.goto(`${server.baseUrl}/ldop/log`);
      const row = page.locator(`[data-testid=exchanges] tr[data-exchange="${messageId}"]`);
      await row.waitFor({ timeout: 45_000 });
      const text = (await row.innerText()).normalize('NFC');
      assert.match(text, /200/);
      assert.match(text, /\b4\b/);
      assert.match(text, new RegExp(TITLE));
      await page.locator('[data-testid=signature-status][data-state=valid]').first().waitFor({ timeout: 45_000 });
      await screenshot(page, `ldop-desktop-vi-log-${who}`);
    }

    // English, as the consumer: the agreement and the log.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Message log', level: 1 }).waitFor();
    await page.getByText('Valid (Ed25519)').first().waitFor();
    await screenshot(page, 'ldop-desktop-en-log-consumer');
    await page.goto(`${server.baseUrl}${agreementUrl}`);
    await page.getByText('Active', { exact: true }).first().waitFor();
    await screenshot(page, 'ldop-desktop-en-agreement');
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });

  test('on a phone: services, agreements, systems and the message log fit the screen in Vietnamese and English', { timeout: 240_000 }, async () => {
    assert.ok(agreementUrl, 'runs after the desktop scenario');
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    await login(page, server.baseUrl, CONSUMER.username, PASSWORD);
    await page.goto(`${server.baseUrl}/ldop`);
    await page.getByTestId('service-results').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'services fit the phone width');
    await screenshot(page, 'ldop-phone-vi-services', false);

    await page.goto(`${server.baseUrl}/ldop/agreements`);
    await page.getByTestId('agreements-consumer').waitFor({ timeout: 45_000 });
    assert.match(await page.getByTestId('agreements-consumer').innerText(), /Đang hiệu lực/);
    await screenshot(page, 'ldop-phone-vi-agreements', false);

    await page.goto(`${server.baseUrl}${agreementUrl}`);
    await page.getByTestId('agreement-history').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'the agreement fits the phone width');
    await screenshot(page, 'ldop-phone-vi-agreement');

    await page.goto(`${server.baseUrl}/ldop/systems`);
    await page.getByTestId('keys-table').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'systems fit the phone width');
    await screenshot(page, 'ldop-phone-vi-systems');

    await page.goto(`${server.baseUrl}/ldop/log`);
    await page.getByTestId('exchanges').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'the log fits the phone width (its table scrolls in its frame)');
    await screenshot(page, 'ldop-phone-vi-log');

    await page.getByRole('button', { name: 'English' }).tap();
    await page.getByRole('heading', { name: 'Message log', level: 1 }).waitFor();
    await screenshot(page, 'ldop-phone-en-log');
    await page.getByTestId('notifications-bell').tap();
    await page.getByTestId('notifications-panel').waitFor();
    assert.ok((await sidewaysOverflow(page)) <= 1, 'the notifications panel fits the phone width');
    await screenshot(page, 'ldop-phone-en-notifications', false);
    await page.getByRole('button', { name: 'Tiếng Việt' }).tap();

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });
});
