/**
 * Issue 13 in a browser: a steward uploads a commune's report workbook in the provincial template
 * (titles, note, units line, merged header, "Tổng cộng" with a deliberately wrong figure, group
 * headings with "Cộng" rows, the signature block, a second sheet) through the wizard. The preview
 * shows only the data rows, the inferred types, every left-out row with its role and reason, and
 * the wrong total; the steward loads a left-out row back by hand; the load makes a version of the
 * data rows and flags the total as a đúng problem. A yearbook table unpivots into year/value rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAllLocal, browserMissing, chromiumPath, launchBrowser, login, recordRequests, screenshot, sidewaysOverflow, startBrowserServer, watchPage, type BrowserServer } from './support.js';
import { provincialTemplate, templateLayout, yearbookTable } from '../support/report-shapes.js';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const LAYOUT = templateLayout();

async function chooseWorkbook(page: Page, name: string, buffer: Buffer): Promise<void> {
  await page.getByTestId('file-input').setInputFiles({ name, mimeType: XLSX_MIME, buffer });
  await page.locator('[data-testid=upload-progress][data-percent="100"]').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Tiếp tục' }).click();
  await page.getByTestId('preview-table').waitFor({ timeout: 60_000 });
}

/** Role and line of each row of the left-out table, as the steward reads them. */
async function leftOutRoles(page: Page): Promise<[number, string, string][]> {
  return page.getByTestId('left-out-table').locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => [Number(r.getAttribute('data-line')), (r.querySelector('.badge')?.textContent ?? '').trim(), (r.children[2]?.textContent ?? '').normalize('NFC')] as [number, string, string]));
}

describe('report templates in the upload wizard', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
  let server: BrowserServer;
  let browser: Browser;

  before(async () => {
    server = await startBrowserServer({ adminPassword: 'Biểu-mẫu-tỉnh-2026!' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('the provincial template: the preview shows the roles of the left-out rows and the wrong total; the version holds exactly the data rows', { timeout: 400_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);
    await login(page, server.baseUrl, server.adminUser, server.adminPassword);
    await page.goto(`${server.baseUrl}/data/upload`);
    await chooseWorkbook(page, 'bieu-01-xa-ia-grai.xlsx', await provincialTemplate({ font: 'tcvn3', wrongTotalBy: 7, moreSheets: true }));

    const table = page.getByTestId('preview-table');
    const sample = (await table.innerText()).normalize('NFC');
    for (const crop of ['Lúa', 'Ngô', 'Sắn', 'Cà phê', 'Hồ tiêu']) assert.match(sample, new RegExp(crop, 'u'));
    assert.doesNotMatch(sample, /Tổng cộng|Người lập biểu|Thủ trưởng/u);
    assert.equal((await page.getByTestId('preview-data-rows').innerText()).trim(), '5');
    assert.match(await page.getByTestId('preview-types').innerText(), /Số nguyên/u);

    const roles = await leftOutRoles(page);
    const byLine = new Map(roles.map(([line, role]) => [line, role]));
    assert.equal(byLine.get(LAYOUT.total), 'Dòng tổng');
    assert.equal(byLine.get(LAYOUT.groups[0]!), 'Tiêu đề nhóm');
    assert.equal(byLine.get(LAYOUT.subtotals[0]!), 'Dòng cộng nhóm');
    assert.equal(byLine.get(LAYOUT.date), 'Ngày tháng');
    assert.equal(byLine.get(LAYOUT.signatures[0]!), 'Chữ ký');
    assert.equal(byLine.get(4), 'Đơn vị tính');
    assert.match(roles.find(([line]) => line === LAYOUT.total)![2], /Dòng tổng \(“Tổng cộng”\)/u);
    const warnings = (await page.getByTestId('structure-warnings').innerText()).normalize('NFC');
    assert.match(warnings, /cột “Sản lượng”: ghi 1\.507 nhưng cộng 5 dòng được 1\.500/u);
    assert.match(await page.getByTestId('sheet-list').innerText(), /Biểu 02/u);
    await screenshot(page, 'shapes-desktop-vi-preview');

    // The steward leaves the "Sắn" row out by hand, sees it among the left-out rows, and undoes it.
    const sanRow = table.locator('tbody tr', { hasText: 'Sắn' });
    await sanRow.getByRole('button', { name: 'Bỏ dòng này' }).click();
    await page.locator('[data-testid=left-out-table] tr[data-role=excluded]').waitFor({ timeout: 60_000 });
    assert.equal((await page.getByTestId('preview-data-rows').innerText()).trim(), '4');
    await page.locator('[data-testid=left-out-table] tr[data-role=excluded]').getByRole('button', { name: 'Hoàn tác' }).click();
    await page.locator('[data-testid=preview-data-rows]', { hasText: '5' }).waitFor({ timeout: 60_000 });
    assert.equal(await sidewaysOverflow(page), 0);

    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    await page.getByLabel('Tạo tập dữ liệu mới từ tệp này').check();
    await page.getByLabel('Tên tập dữ liệu').fill('Cây trồng xã Ia Grai 2025');
    await page.getByLabel('Mã định danh (slug)').fill('cay-trong-ia-grai');
    await page.getByTestId('mapping-table').waitFor();
    await page.getByRole('button', { name: 'Kiểm tra và nạp' }).click();
    const status = page.getByTestId('ingest-status');
    await status.waitFor({ timeout: 90_000 });
    assert.equal((await status.innerText()).trim(), 'Đã nạp phiên bản 1');
    assert.match((await page.getByTestId('ingest-result').innerText()).replace(/\s+/g, ' '), /Dòng đã nạp 5/u);
    assert.match((await page.getByTestId('result-problems').innerText()).normalize('NFC'), /Dòng tổng “Tổng cộng” \(dòng 9\), cột “Sản lượng”: ghi 1\.507 nhưng cộng 5 dòng được 1\.500/u);
    assert.match(await page.getByTestId('result-left-out').innerText(), /Chữ ký/u);
    await screenshot(page, 'shapes-desktop-vi-result');
    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });

  test('a yearbook table with years as columns unpivots into year/value rows in the preview', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const problems = watchPage(page);
    await login(page, server.baseUrl, server.adminUser, server.adminPassword);
    await page.goto(`${server.baseUrl}/data/upload`);
    await chooseWorkbook(page, 'nien-giam-dan-so.xlsx', await yearbookTable());
    await page.getByLabel(/Xoay các cột kỳ\/loại thành dòng/u).check();
    await page.locator('[data-testid=preview-data-rows]', { hasText: '15' }).waitFor({ timeout: 60_000 });
    const sample = (await page.getByTestId('preview-table').innerText()).normalize('NFC');
    assert.match(sample, /nam\s+gia_tri/u);
    assert.match(sample, /Ia Grai\s+2021\s+10000/u);
    await screenshot(page, 'shapes-desktop-vi-unpivot');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
