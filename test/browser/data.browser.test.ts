/**
 * End-to-end test of the data warehouse pages in a real (headless) Chromium against the real server
 * started in-process: an administrator searches the catalogue without diacritics and finds a planned
 * entry, uploads a Vietnamese CSV through the wizard (progress to 100 %, preview, mapping) creating a
 * new dataset, sees version 1 loaded with its four quality badges, reads the rows with their Vietnamese
 * text on the dataset page, then uploads a file with an unknown commune code and sees the refusal with
 * the Vietnamese reason and the link to download the rejects — on a desktop and on a phone, in
 * Vietnamese and English, without any request leaving the provdata server.
 *
 * Run: node --import tsx --test test/browser/data.browser.test.ts
 * Needs Chromium at /usr/bin/chromium (or PROVDATA_CHROMIUM); without it the test is skipped, unless
 * PROVDATA_REQUIRE_BROWSER=1, which makes a missing browser a failure (CI).
 * Screenshots go to .tmp/screenshots/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { chromiumPath, browserMissing, launchBrowser, login, sidewaysOverflow, startBrowserServer, recordRequests, assertAllLocal, watchPage, screenshot, type BrowserServer } from './support.js';
import { unicodeToTcvn3 } from '../../src/modules/ingest/parse/index.js';

/** A small report as a commune office would send it: Vietnamese headers, names and 1.234.567-style numbers. */
const GOOD_CSV = [
  'Mã xã/phường,Tên xã/phường,Dân số,Số hộ',
  '21553,Phường Quy Nhơn Bắc,1.234.567,"12.345"',
  '21583,Phường Quy Nhơn,98.765,"4.321"',
  '23677,Xã Đak Đoa,45.678,"9.876"',
  '24049,Xã Chư A Thai,23.456,"5.432"',
].join('\r\n');

/** The same report with a commune code that does not exist (99999). */
const BAD_CSV = [
  'Mã xã/phường,Tên xã/phường,Dân số,Số hộ',
  '21553,Phường Quy Nhơn Bắc,1.240.000,"12.400"',
  '99999,Xã Không Có Thật,1.000,"200"',
].join('\r\n');

const DATASET_SLUG = 'dan-so-xa-thu-nghiem';
const DATASET_TITLE = 'Dân số theo xã, phường (thử nghiệm)';

type Commune = [code: string, name: string, male: number, female: number];

/** A district report in Excel: titles, a merged two-row header, a "(1) (2) …" row, names typed in TCVN3 (.VnTime). */
async function tcvn3Report(rows: Commune[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Dân số');
  const tcvn = (addr: string, s: string) => {
    const cell = ws.getCell(addr);
    cell.value = unicodeToTcvn3(s);
    cell.font = { name: '.VnTime' };
  };
  ws.getCell('A1').value = 'ỦY BAN NHÂN DÂN TỈNH GIA LAI';
  ws.getCell('A2').value = 'BÁO CÁO DÂN SỐ THEO XÃ, PHƯỜNG NĂM 2025';
  ws.getCell('A4').value = 'Mã xã';
  tcvn('B4', 'Tên xã');
  ws.getCell('C4').value = 'Dân số';
  ws.getCell('C5').value = 'Nam';
  ws.getCell('D5').value = 'Nữ';
  ws.mergeCells('A4:A5');
  ws.mergeCells('B4:B5');
  ws.mergeCells('C4:D4');
  ['(1)', '(2)', '(3)', '(4)'].forEach((t, i) => (ws.getCell(`${'ABCD'[i]}6`).value = t));
  rows.forEach(([code, name, male, female], i) => {
    ws.getCell(`A${7 + i}`).value = code;
    tcvn(`B${7 + i}`, name);
    ws.getCell(`C${7 + i}`).value = male;
    ws.getCell(`D${7 + i}`).value = female;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Chooses a file in the wizard as the steward would with the "Chọn tệp…" button. */
async function chooseFile(page: Page, name: string, content: string): Promise<void> {
  await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
}

async function waitUploaded(page: Page): Promise<void> {
  await page.locator('[data-testid=upload-progress][data-percent="100"]').waitFor({ timeout: 60_000 });
  const text = await page.getByTestId('upload-percent').innerText();
  assert.match(text, /^100%/, `progress text: ${text}`);
}

describe('data warehouse pages in a browser', { skip: browserMissing ? `Chromium not found at ${chromiumPath}` : false }, () => {
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

  test('on a desktop: search, upload a Vietnamese CSV as a new dataset, read it, see a bad commune code refused — all local', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    await login(page, server.baseUrl, server.adminUser, server.adminPassword);
    const nav = page.getByRole('navigation', { name: 'Điều hướng chính' });
    await nav.getByRole('link', { name: 'Dữ liệu', exact: true }).click();
    await page.getByRole('heading', { name: 'Danh mục dữ liệu', level: 1 }).waitFor();

    // Without diacritics, "san luong" finds the planned "Sản lượng …" entry of the strategy.
    await page.getByLabel('Tìm tập dữ liệu').fill('san luong');
    const results = page.getByTestId('catalogue-results');
    const card = results.locator('article', { hasText: 'Sản lượng' }).first();
    await card.waitFor({ timeout: 45_000 });
    assert.match(await card.getByTestId('status-tag').innerText(), /Kế hoạch/);
    assert.ok((await page.locator('.facet input[type=checkbox]').count()) > 0, 'facet checkboxes are shown');
    await screenshot(page, 'data-desktop-vi-catalogue');

    // Upload wizard: choose → progress to 100 % → preview → mapping (new dataset) → result.
    await page.getByRole('navigation', { name: 'Các mục của kho dữ liệu' }).getByRole('link', { name: 'Nạp dữ liệu' }).click();
    await page.getByRole('heading', { name: 'Nạp dữ liệu', level: 1 }).waitFor();
    await chooseFile(page, 'dan-so-theo-xa.csv', GOOD_CSV);
    await waitUploaded(page);
    await screenshot(page, 'data-desktop-vi-upload-progress');
    await page.getByRole('button', { name: 'Tiếp tục' }).click();

    const previewTable = page.getByTestId('preview-table');
    await previewTable.waitFor();
    assert.match(await previewTable.innerText(), /Phường Quy Nhơn Bắc/);
    assert.match(await page.getByTestId('preview-meta').innerText(), /CSV/);
    await screenshot(page, 'data-desktop-vi-preview');
    await page.getByRole('button', { name: 'Tiếp tục' }).click();

    await page.getByLabel('Tạo tập dữ liệu mới từ tệp này').check();
    await page.getByLabel('Tên tập dữ liệu').fill(DATASET_TITLE);
    await page.getByLabel('Mã định danh (slug)').fill(DATASET_SLUG);
    const mapping = page.getByTestId('mapping-table');
    await mapping.waitFor();
    assert.match(await mapping.innerText(), /ma_xa/, 'the commune code column is matched to the dictionary element ma_xa');
    await screenshot(page, 'data-desktop-vi-mapping-new');
    await page.getByRole('button', { name: 'Kiểm tra và nạp' }).click();

    const status = page.getByTestId('ingest-status');
    await status.waitFor({ timeout: 60_000 });
    assert.equal((await status.innerText()).trim(), 'Đã nạp phiên bản 1');
    const badges = page.getByTestId('ingest-result').getByTestId('quality-badges');
    const badgeText = await badges.innerText();
    for (const name of ['Đúng', 'Đủ', 'Sạch', 'Sống']) assert.match(badgeText, new RegExp(name), `badge ${name}`);
    assert.match(badgeText, /\d+%/);
    await screenshot(page, 'data-desktop-vi-result-loaded');

    // The dataset page shows the steward's title, the rows with their Vietnamese text and numbers, and lineage.
    await page.getByTestId('open-dataset').click();
    await page.getByRole('heading', { name: DATASET_TITLE, level: 1 }).waitFor({ timeout: 45_000 });
    const rows = page.getByTestId('rows-table');
    await rows.waitFor({ timeout: 45_000 });
    const rowsText = await rows.innerText();
    for (const name of ['Phường Quy Nhơn Bắc', 'Phường Quy Nhơn', 'Xã Đak Đoa', 'Xã Chư A Thai']) {
      assert.ok(rowsText.normalize('NFC').includes(name), `rows show ${name}`);
    }
    assert.match(rowsText, /1\.234\.567/, 'numbers read as 1.234.567');
    assert.match(rowsText, /21583/);
    assert.match(await page.getByTestId('lineage').innerText(), /dan-so-theo-xa\.csv/);
    assert.match(await page.getByTestId('schema-table').innerText(), /ma_xa/);
    await screenshot(page, 'data-desktop-vi-dataset');

    // A second file with an unknown commune code is refused, with the Vietnamese reason and the rejects link.
    await page.getByTestId('dataset-upload').click();
    await page.getByRole('heading', { name: 'Nạp dữ liệu', level: 1 }).waitFor();
    await chooseFile(page, 'dan-so-theo-xa-loi.csv', BAD_CSV);
    await waitUploaded(page);
    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    await page.getByTestId('preview-table').waitFor();
    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    const select = page.getByRole('combobox', { name: /Mã xã\/phường/ });
    await select.waitFor();
    assert.equal(await select.inputValue(), 'Mã xã/phường', 'the mapping is pre-filled with the matching header');
    await screenshot(page, 'data-desktop-vi-mapping-existing');
    await page.getByRole('button', { name: 'Kiểm tra và nạp' }).click();
    await status.waitFor({ timeout: 60_000 });
    assert.match(await status.innerText(), /Bị từ chối/);
    const rejects = page.getByTestId('rejects-table');
    const rejectsText = (await rejects.innerText()).normalize('NFC');
    assert.match(rejectsText, /99999/);
    assert.match(rejectsText, /không có trong “Danh mục xã, phường tỉnh Gia Lai”/);
    const download = page.getByTestId('rejects-download');
    const href = await download.getAttribute('href');
    assert.match(href ?? '', /^\/api\/ingest\/runs\/[0-9a-f-]{36}\/rejects\.csv$/);
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href!);
    assert.match(csv, /99999/);
    await screenshot(page, 'data-desktop-vi-result-refused');

    // English: the same result, then the dataset page and the quality by agency.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText('Refused: nothing was loaded').waitFor();
    assert.match((await rejects.innerText()).normalize('NFC'), /is not in "Communes and wards of Gia Lai"/);
    await screenshot(page, 'data-desktop-en-result-refused');
    await page.getByTestId('open-dataset').click();
    await page.getByTestId('rows-table').waitFor({ timeout: 45_000 });
    assert.match(await page.getByTestId('rows-table').innerText(), /1,234,567/);
    await page.getByText('Valid', { exact: true }).first().waitFor();
    await screenshot(page, 'data-desktop-en-dataset');
    await page.getByRole('navigation', { name: 'Data warehouse sections' }).getByRole('link', { name: 'Quality by agency' }).click();
    const agencies = page.getByTestId('agency-quality');
    await agencies.waitFor({ timeout: 45_000 });
    await screenshot(page, 'data-desktop-en-quality');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });

  test('on a phone: catalogue, dataset page and wizard are usable in Vietnamese and English', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'vi-VN',
    });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);

    await login(page, server.baseUrl, server.adminUser, server.adminPassword);
    await page.goto(`${server.baseUrl}/data`);
    await page.getByLabel('Tìm tập dữ liệu').fill('san luong cong nghiep');
    await page.getByTestId('catalogue-results').locator('article', { hasText: 'Sản lượng' }).first().waitFor({ timeout: 45_000 });
    await screenshot(page, 'data-phone-vi-catalogue');

    // The page never scrolls sideways on a phone; wide tables scroll inside their own frame.
    assert.ok((await sidewaysOverflow(page)) <= 1, 'catalogue fits the phone width');

    await page.goto(`${server.baseUrl}/data/datasets/${DATASET_SLUG}`);
    await page.getByTestId('rows-table').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'dataset page fits the phone width');
    await screenshot(page, 'data-phone-vi-dataset');

    await page.goto(`${server.baseUrl}/data/upload/${DATASET_SLUG}`);
    await chooseFile(page, 'dan-so-theo-xa.csv', GOOD_CSV);
    await waitUploaded(page);
    await screenshot(page, 'data-phone-vi-upload', false);
    await page.getByRole('button', { name: 'Tiếp tục' }).tap();
    await page.getByTestId('preview-table').waitFor();
    // A visually-hidden label in the wide preview table once escaped its scroll frame and widened the page.
    assert.ok((await sidewaysOverflow(page)) <= 1, 'preview fits the phone width');
    await page.getByRole('button', { name: 'Tiếp tục' }).tap();
    await page.getByTestId('mapping-table').waitFor();
    assert.ok((await sidewaysOverflow(page)) <= 1, 'mapping screen fits the phone width');
    await screenshot(page, 'data-phone-vi-mapping');

    await page.getByRole('button', { name: 'English' }).tap();
    await page.getByText('Dataset columns ← file columns').waitFor();
    await screenshot(page, 'data-phone-en-mapping');
    await page.getByRole('button', { name: 'Validate and load' }).tap();
    await page.getByTestId('ingest-status').waitFor({ timeout: 60_000 });
    assert.equal((await page.getByTestId('ingest-status').innerText()).trim(), 'Loaded as version 2');
    assert.ok((await sidewaysOverflow(page)) <= 1, 'result fits the phone width');
    await screenshot(page, 'data-phone-en-result');

    // Two versions now: the dataset page compares them (the same file loaded twice: nothing changed).
    await page.getByTestId('open-dataset').tap();
    await page.getByRole('button', { name: 'Compare' }).tap();
    await page.getByTestId('diff-result').getByText('0 rows added, 0 removed, 0 changed.').waitFor({ timeout: 45_000 });
    assert.ok((await sidewaysOverflow(page)) <= 1, 'dataset page with a diff fits the phone width');
    await screenshot(page, 'data-phone-en-dataset-diff');

    await page.goto(`${server.baseUrl}/data`);
    await page.getByTestId('catalogue-results').waitFor({ timeout: 45_000 });
    await screenshot(page, 'data-phone-en-catalogue', false);

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });
  test('a TCVN3 Excel report with a merged two-row header: mapped, refused for a bad code, loaded as version 1, corrected as version 2, compared', { timeout: 300_000 }, async () => {
    const V1: Commune[] = [['21553', 'Quy Nhơn Bắc', 20100, 21050], ['21583', 'Quy Nhơn', 30500, 31200], ['21589', 'Quy Nhơn Tây', 11000, 11800]];
    const V2: Commune[] = [['21553', 'Quy Nhơn Bắc', 20100, 21050], ['21583', 'Quy Nhơn', 30900, 31650], ['21640', 'Bồng Sơn', 15000, 15400]];
    const BAD: Commune[] = [...V1, ['99999', 'Xã Không Có', 1, 1]];
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'vi-VN' });
    const requests = recordRequests(context);
    const page = await context.newPage();
    const problems = watchPage(page);
    await login(page, server.baseUrl, server.adminUser, server.adminPassword);

    const upload = async (name: string, rows: Commune[]) => {
      await page.getByTestId('file-input').setInputFiles({ name, mimeType: XLSX_MIME, buffer: await tcvn3Report(rows) });
      await waitUploaded(page);
      await page.getByRole('button', { name: 'Tiếp tục' }).click();
    };
    const status = page.getByTestId('ingest-status');

    // First file: the preview shows the merged header and the TCVN3 names in Unicode; a bad code refuses the load.
    await page.goto(`${server.baseUrl}/data/upload`);
    await upload('bao-cao-dan-so.xlsx', BAD);
    const preview = page.getByTestId('preview-table');
    await preview.waitFor();
    const previewText = (await preview.innerText()).normalize('NFC');
    assert.match(previewText, /Dân số - Nam/);
    assert.match(previewText, /Quy Nhơn Bắc/);
    assert.doesNotMatch(previewText, /\(1\)/, 'the column-number row is not data');
    assert.match(await page.getByTestId('preview-meta').innerText(), /TCVN3/, 'the legacy font table is named');
    await screenshot(page, 'data-desktop-vi-xlsx-preview');
    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    await page.getByLabel('Tạo tập dữ liệu mới từ tệp này').check();
    await page.getByLabel('Tên tập dữ liệu').fill('Dân số theo xã (báo cáo Excel)');
    await page.getByLabel('Mã định danh (slug)').fill('dan-so-bao-cao-excel');
    await page.getByTestId('mapping-table').waitFor();
    // The commune code keys the new dataset, so that versions are compared commune by commune.
    await page.getByLabel('Cột khóa: Mã xã').check();
    await page.getByRole('button', { name: 'Kiểm tra và nạp' }).click();
    await status.waitFor({ timeout: 60_000 });
    assert.match(await status.innerText(), /Bị từ chối/);
    assert.match((await page.getByTestId('rejects-table').innerText()).normalize('NFC'), /99999.*không có trong “Danh mục xã, phường tỉnh Gia Lai”/s);

    // The corrected file becomes version 1, the next report version 2.
    for (const [file, rows, version] of [['bao-cao-dan-so-sua.xlsx', V1, 1], ['bao-cao-dan-so-2026.xlsx', V2, 2]] as const) {
      await page.goto(`${server.baseUrl}/data/upload/dan-so-bao-cao-excel`);
      await upload(file, rows);
      await page.getByTestId('preview-table').waitFor();
      await page.getByRole('button', { name: 'Tiếp tục' }).click();
      await page.getByTestId('mapping-table').waitFor();
      await page.getByRole('button', { name: 'Kiểm tra và nạp' }).click();
      await status.waitFor({ timeout: 60_000 });
      assert.equal((await status.innerText()).trim(), `Đã nạp phiên bản ${version}`);
    }

    // The dataset page compares the two versions: Quy Nhơn's figures changed, Quy Nhơn Tây left, Bồng Sơn joined.
    await page.getByTestId('open-dataset').click();
    await page.getByTestId('rows-table').waitFor({ timeout: 45_000 });
    assert.match((await page.getByTestId('rows-table').innerText()).normalize('NFC'), /Bồng Sơn/);
    // The title typed at the first, refused, load is the dataset's: it was created with it.
    assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), 'Dân số theo xã (báo cáo Excel)');
    await page.getByRole('button', { name: 'So sánh', exact: true }).click();
    await page.getByTestId('diff-result').getByText('Thêm 1 dòng, bớt 1 dòng, thay đổi 1 dòng.').waitFor({ timeout: 45_000 });
    // Columns by their titles, figures as people read them.
    const diffText = (await page.getByTestId('diff-result').innerText()).normalize('NFC');
    assert.match(diffText, /Dân số - Nam: 30\.500 → 30\.900/);
    assert.match(diffText, /Dòng trong tệp/);
    assert.doesNotMatch(diffText, /dan_so_nam|_line/);
    await screenshot(page, 'data-desktop-vi-xlsx-diff');

    assert.deepEqual(problems, []);
    assertAllLocal(requests);
    await context.close();
  });
});
