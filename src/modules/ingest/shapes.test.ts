/**
 * Issue 13 through the API, on every engine: a provincial report template (titles, note, units
 * line, merged two-row header, "(1) (2) …", "Tổng cộng" as formulas, group headings with "Cộng"
 * rows, a hidden column, TCVN3 text, the signature block) previews and loads with exactly its data
 * rows, number columns typed as numbers, every left-out row with its role and reason, totals checked
 * (a wrong one flagged as a đúng problem naming the column and both figures), group headings kept
 * as a column; one stray cell does not make a number column text; a steward's override is
 * remembered for the next file of the template (last: it applies to every later file of it).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SYSTEM } from '../../core/auth/index.js';
import { ADMIN_PASSWORD, engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { CROPS, provincialTemplate, templateLayout, yearbookTable } from '../../../test/support/report-shapes.js';

const LAYOUT = templateLayout();
const CROP_NAMES = CROPS.flatMap((g) => g.crops.map((c) => c[0]));

interface LeftOut { line: number; role: string; reason: { vi: string; en: string }; label: string }
interface Check { line: number; role: string; column: string; stated: number; computed: number; ok: boolean }

for (const engine of engines()) {
  describe(`report templates through the API (${engine})`, () => {
    let p: TestPlatform;
    let auth: Record<string, string>;
    before(async () => {
      p = await testPlatform(engine);
      const { cookie, csrf } = await p.login();
      auth = { cookie, 'x-csrf-token': csrf };
    });
    after(() => p.close());

    const upload = async (filename: string, bytes: Buffer) => {
      const r = await p.app.inject({ method: 'POST', url: `/api/uploads?filename=${encodeURIComponent(filename)}`, headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: bytes });
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as { id: string };
    };
    const preview = async (id: string, query = '') => {
      const r = await p.app.inject({ url: `/api/uploads/${id}/preview?rows=50${query}`, headers: auth });
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    };
    const ingest = async (body: Record<string, unknown>) => {
      const r = await p.app.inject({ method: 'POST', url: '/api/ingest/runs', headers: auth, payload: { mode: 'replace', validRowsOnly: false, ...body } });
      assert.equal(r.statusCode, 201, r.body);
      return r.json();
    };
    const versionRows = async (slug: string) => {
      const ds = await p.catalog.getDataset(SYSTEM, slug);
      const r = await p.warehouse.query(ds.id, ds.columns.map((c) => ({ name: c.name, type: c.type })), { limit: 100 });
      const byTitle = Object.fromEntries(ds.columns.map((c) => [c.title, c]));
      return { ds, byTitle, rows: r.rows };
    };
    const roles = (leftOut: LeftOut[]) => Object.fromEntries(leftOut.map((r) => [r.line, r.role]));

    test('the preview shows exactly the data rows, each left-out row with its role and reason, the group column and the totals checked', async () => {
      const u = await upload('bieu-01.xlsx', await provincialTemplate({ font: 'tcvn3' }));
      const pv = await preview(u.id);
      assert.deepEqual(pv.headers, ['STT', 'Loại cây', 'Diện tích - Kế hoạch', 'Diện tích - Thực hiện', 'Sản lượng', 'Mã nội bộ', 'Nhóm']);
      assert.equal(pv.encoding, 'tcvn3');
      assert.deepEqual(pv.rows.map((r: string[]) => r[1]), CROP_NAMES, 'only the crops are data rows');
      assert.deepEqual(pv.rowLines, LAYOUT.data);
      assert.deepEqual(pv.rows.map((r: string[]) => r[6]), ['Cây hằng năm', 'Cây hằng năm', 'Cây hằng năm', 'Cây lâu năm', 'Cây lâu năm']);
      assert.deepEqual(roles(pv.structure.leftOut), {
        1: 'title', 2: 'title', 3: 'note', 4: 'unit', 8: 'column-numbers', [LAYOUT.total]: 'total',
        [LAYOUT.groups[0]!]: 'group', [LAYOUT.subtotals[0]!]: 'subtotal', [LAYOUT.groups[1]!]: 'group', [LAYOUT.subtotals[1]!]: 'subtotal',
        [LAYOUT.date]: 'date', [LAYOUT.signatures[0]!]: 'signature', [LAYOUT.signatures[1]!]: 'signature', [LAYOUT.names]: 'footer',
      });
      const total = pv.structure.leftOut.find((r: LeftOut) => r.role === 'total');
      assert.match(total.reason.vi, /Dòng tổng \(“Tổng cộng”\)/u, 'the TCVN3 "Tổng cộng" is read as Unicode and named');
      assert.equal(pv.structure.groupColumn, 'Nhóm');
      // 3 columns × (total + 2 sub-totals + 2 group headings), all right.
      assert.equal(pv.structure.totals.length, 15);
      assert.ok(pv.structure.totals.every((c: Check) => c.ok), JSON.stringify(pv.structure.totals));
      assert.deepEqual(pv.structure.warnings, []);
      const types = Object.fromEntries(pv.columns.map((c: { header: string; type: string }) => [c.header, c.type]));
      // "Sản lượng" is a dictionary element of type number: the element's type wins.
      assert.deepEqual([types['Diện tích - Kế hoạch'], types['Diện tích - Thực hiện'], types['Sản lượng'], types['Nhóm']], ['integer', 'integer', 'number', 'text']);
    });

    test('the template loads as a version of exactly its data rows, numbers typed as numbers, the group kept, quality đúng 1', async () => {
      const u = await upload('bieu-01.xlsx', await provincialTemplate({ font: 'vni' }));
      const s = await ingest({ dataset: 'cay-trong-2025', uploadId: u.id, create: true });
      assert.equal(s.status, 'loaded', JSON.stringify(s));
      assert.deepEqual([s.version, s.rowsRead, s.rowsLoaded, s.rowsRejected], [1, 5, 5, 0]);
      assert.equal(s.structure.leftOutCount, 14);
      assert.deepEqual(s.problems, []);
      assert.equal(s.quality.validity, 1);
      const { byTitle, rows } = await versionRows('cay-trong-2025');
      assert.equal(byTitle['Diện tích - Thực hiện']!.type, 'integer');
      assert.equal(byTitle['Sản lượng']!.type, 'number');
      assert.equal(byTitle['Nhóm']!.type, 'text');
      const name = byTitle['Loại cây']!.name;
      assert.deepEqual(rows.map((r) => r[name]).sort(), [...CROP_NAMES].sort());
      const tonnes = rows.reduce((n, r) => n + Number(r[byTitle['Sản lượng']!.name]), 0);
      assert.equal(tonnes, 1500, 'no total or sub-total counted twice');
      const coffee = rows.find((r) => r[name] === 'Cà phê')!;
      assert.equal(coffee[byTitle['Nhóm']!.name], 'Cây lâu năm');
      assert.equal(coffee[byTitle['Sản lượng']!.name], 150);
    });

    test('a deliberately wrong total is flagged as a đúng problem naming the column and both figures; the data rows still load', async () => {
      const u = await upload('bieu-01-sai.xlsx', await provincialTemplate({ wrongTotalBy: 7 }));
      const pv = await preview(u.id);
      const wrong = pv.structure.totals.filter((c: Check) => !c.ok);
      assert.deepEqual(wrong.map((c: Check) => [c.line, c.role, c.column, c.stated, c.computed]), [[LAYOUT.total, 'total', 'Sản lượng', 1507, 1500]]);
      assert.ok(pv.structure.warnings.some((w: { vi: string }) => w.vi.includes('Sản lượng') && w.vi.includes('1.507') && w.vi.includes('1.500')), JSON.stringify(pv.structure.warnings));
      const s = await ingest({ dataset: 'cay-trong-sai', uploadId: u.id, create: true });
      assert.equal(s.status, 'loaded');
      assert.equal(s.rowsLoaded, 5);
      assert.equal(s.problems.length, 1);
      assert.equal(s.problems[0].dimension, 'validity');
      assert.equal(s.problems[0].vi, `Dòng tổng “Tổng cộng” (dòng ${LAYOUT.total}), cột “Sản lượng”: ghi 1.507 nhưng cộng 5 dòng được 1.500`);
      assert.ok(s.quality.validity < 1, JSON.stringify(s.quality));
      const run = (await p.app.inject({ url: `/api/ingest/runs/${s.runId}`, headers: auth })).json();
      assert.equal(run.quality.problems[0].column, 'Sản lượng', 'the problem is kept with the run');
    });

    test('one stray cell does not make a number column text: it stays integer, the cell is an exception in the preview and a reject counted in đúng', async () => {
      const u = await upload('bieu-01-lech.xlsx', await provincialTemplate({ strayCell: 'chưa báo cáo' }));
      const pv = await preview(u.id);
      const done = pv.columns.find((c: { header: string }) => c.header === 'Diện tích - Thực hiện');
      assert.equal(done.type, 'integer');
      assert.deepEqual(done.exceptions, [{ line: LAYOUT.data[0], value: 'chưa báo cáo' }]);
      const refused = await ingest({ dataset: 'cay-trong-lech', uploadId: u.id, create: true });
      assert.equal(refused.status, 'rejected');
      assert.equal(refused.version, null);
      assert.deepEqual(refused.rejects.map((r: { line: number; column: string; vi: string }) => [r.line, r.column, r.vi]), [[LAYOUT.data[0], 'Diện tích - Thực hiện', '“chưa báo cáo” không phải số nguyên']]);
      assert.ok(refused.quality.validity < 1);
      const ds = await p.catalog.getDataset(SYSTEM, 'cay-trong-lech');
      assert.equal(ds.columns.find((c) => c.title === 'Diện tích - Thực hiện')!.type, 'integer', 'the draft schema keeps the number column');
      const partial = await ingest({ dataset: 'cay-trong-lech', uploadId: u.id, validRowsOnly: true });
      assert.deepEqual([partial.status, partial.rowsLoaded, partial.rowsRejected], ['loaded', 4, 1]);
    });

    test('a CSV in the same template shape: titles, total, group headings and signature are left out, the rows load', async () => {
      const csv = [
        'UBND XÃ IA GRAI;;;',
        'BÁO CÁO SỐ HỘ NGHÈO NĂM 2025;;;',
        'Đơn vị tính: hộ;;;',
        'STT;Thôn, làng;Số hộ;Số hộ nghèo',
        ';Tổng số;1.350;47',
        'A;Khu vực trung tâm;800;20',
        '1;Thôn 1;500;12',
        '2;Thôn 2;300;8',
        'B;Khu vực vùng sâu;550;27',
        '3;Làng Ốp;350;15',
        '4;Làng Bò;200;12',
        ';;;',
        ';Người lập biểu;;Chủ tịch UBND xã',
        ';Nguyễn Văn A;;Trần Văn B',
      ].join('\r\n');
      const u = await upload('ho-ngheo.csv', Buffer.from(csv, 'utf8'));
      const pv = await preview(u.id);
      assert.deepEqual(pv.headers, ['STT', 'Thôn, làng', 'Số hộ', 'Số hộ nghèo', 'Nhóm']);
      assert.deepEqual(pv.rows.map((r: string[]) => [r[1], r[4]]), [['Thôn 1', 'Khu vực trung tâm'], ['Thôn 2', 'Khu vực trung tâm'], ['Làng Ốp', 'Khu vực vùng sâu'], ['Làng Bò', 'Khu vực vùng sâu']]);
      assert.deepEqual(roles(pv.structure.leftOut), { 1: 'title', 2: 'title', 3: 'unit', 5: 'total', 6: 'group', 9: 'group', 13: 'signature', 14: 'footer' });
      assert.ok(pv.structure.totals.every((c: Check) => c.ok) && pv.structure.totals.length === 6, JSON.stringify(pv.structure.totals));
      const s = await ingest({ dataset: 'ho-ngheo', uploadId: u.id, create: true });
      assert.deepEqual([s.status, s.rowsLoaded], ['loaded', 4]);
      const { byTitle, rows } = await versionRows('ho-ngheo');
      assert.equal(byTitle['Số hộ']!.type, 'integer');
      assert.equal(rows.reduce((n, r) => n + Number(r[byTitle['Số hộ']!.name]), 0), 1350);
    });
    test('a workbook of several sheets lists each with its table; each loads into its own dataset', async () => {
      const u = await upload('bao-cao-xa.xlsx', await provincialTemplate({ moreSheets: true }));
      const pv = await preview(u.id);
      assert.deepEqual(pv.sheets, ['Biểu 01', 'Biểu 02', 'Trống']);
      assert.deepEqual(pv.sheetTables.map((t: { name: string; dataRows: number; headerLine: number | null; error: { vi: string } | null }) => [t.name, t.dataRows, t.headerLine, t.error?.vi ?? null]),
        [['Biểu 01', 5, 6, null], ['Biểu 02', 2, 3, null], ['Trống', 0, null, 'Trang tính trống: không có bảng']]);
      assert.deepEqual(pv.sheetTables[1].headers, ['STT', 'Thôn', 'Số hộ nghèo']);
      const two = await ingest({ dataset: 'ho-ngheo-bieu-02', uploadId: u.id, sheet: 'Biểu 02', create: true });
      assert.deepEqual([two.status, two.sheet, two.rowsLoaded, two.structure.totals.map((c: Check) => [c.stated, c.computed, c.ok])], ['loaded', 'Biểu 02', 2, [[19, 19, true]]]);
    });

    test('a wide yearbook table unpivots into year/value rows with the year as a number, in the preview and in the version', async () => {
      const u = await upload('nien-giam.xlsx', await yearbookTable());
      const pv = await preview(u.id, `&unpivotFrom=${encodeURIComponent('Năm 2021')}&unpivotTo=${encodeURIComponent('Năm 2025')}&into=nam,gia_tri`);
      assert.deepEqual(pv.headers, ['Xã', 'nam', 'gia_tri']);
      assert.equal(pv.dataRows, 15);
      assert.deepEqual(pv.rows[0], ['Ia Grai', '2021', '10000']);
      const s = await ingest({ dataset: 'dan-so-nien-giam', uploadId: u.id, create: true, unpivot: { from: 'Năm 2021', to: 'Năm 2025', into: ['nam', 'gia_tri'] } });
      assert.deepEqual([s.status, s.rowsLoaded], ['loaded', 15]);
      const { byTitle, rows } = await versionRows('dan-so-nien-giam');
      // "gia_tri" is a dictionary element of type number: the element's type wins.
      assert.deepEqual([byTitle.nam!.type, byTitle.gia_tri!.type], ['integer', 'number']);
      const bauCan2025 = rows.find((r) => r[byTitle['Xã']!.name] === 'Bàu Cạn' && r[byTitle.nam!.name] === 2025)!;
      assert.equal(bauCan2025[byTitle.gia_tri!.name], 6100);
      const missing = await p.app.inject({ url: `/api/uploads/${u.id}/preview?unpivotFrom=${encodeURIComponent('Năm 2019')}&unpivotTo=${encodeURIComponent('Năm 2025')}`, headers: auth });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().detail, 'Không có cột “Năm 2019” trong tệp để xoay thành dòng');
    });

    test('bad input: a table whose only row is a total says so in the preview and makes no version', async () => {
      const u = await upload('chi-co-tong.csv', Buffer.from('STT;Xã;Dân số\n;Tổng cộng;25.000\n', 'utf8'));
      const pv = await preview(u.id);
      assert.deepEqual(pv.rows, []);
      assert.equal(pv.structure.warnings[0].vi, 'Bảng chỉ có dòng tổng, không có dòng dữ liệu nào: không có gì để nạp');
      const s = await ingest({ dataset: 'chi-co-tong', uploadId: u.id, create: true });
      assert.deepEqual([s.status, s.version, s.error?.vi], ['rejected', null, 'Tệp không có dòng dữ liệu nào']);
    });

    test('bad input: an encrypted workbook and a 200-level header are refused with clear Vietnamese messages', async () => {
      const file = Buffer.alloc(4096);
      Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(file, 0);
      file.write('EncryptedPackage', 1024 + 128, 'utf16le');
      const enc = await upload('mat-khau.xlsx', file);
      const r = await p.app.inject({ url: `/api/uploads/${enc.id}/preview`, headers: auth });
      assert.equal(r.statusCode, 400);
      assert.deepEqual([r.json().code, r.json().parseCode], ['VALIDATION_FAILED', 'PARSE_ENCRYPTED']);
      assert.match(r.json().detail, /^Tệp Excel được đặt mật khẩu để mở/u);
      const deep = [['STT', 'Tên', 'Giá trị'], ...Array.from({ length: 200 }, (_, i) => ['', `Mức ${i}`, `Cấp ${i}`]), ['1', 'A', '5']].map((r) => r.join(';')).join('\n');
      const d = await upload('sau.csv', Buffer.from(deep, 'utf8'));
      const rd = await p.app.inject({ method: 'POST', url: '/api/ingest/runs', headers: auth, payload: { dataset: 'sau', uploadId: d.id, mode: 'replace', validRowsOnly: false, create: true } });
      assert.equal(rd.statusCode, 400);
      assert.match(rd.json().detail, /^Không nhận ra dòng tiêu đề cột: phần tiêu đề kéo dài 201 dòng từ dòng 1/u);
      assert.equal((await p.app.inject({ url: '/api/catalog/datasets/sau', headers: auth })).statusCode, 404, 'no dataset made of the wrong rows');
    });

    test('a steward overrides row roles; the decision is remembered for the next file of the same template', async () => {
      const first = await upload('bieu-01-thang-1.xlsx', await provincialTemplate());
      // The steward leaves the "Sắn" row out (its label: the row's text cells, folded).
      const overrides = [{ label: 'san | ct-3', role: 'excluded' }];
      const pv = await preview(first.id, `&overrides=${encodeURIComponent(JSON.stringify(overrides))}`);
      assert.deepEqual(pv.rows.map((r: string[]) => r[1]), CROP_NAMES.filter((n) => n !== 'Sắn'));
      assert.equal(pv.structure.leftOut.find((r: LeftOut) => r.line === LAYOUT.data[2]).role, 'excluded');
      const loaded = await ingest({ dataset: 'cay-trong-ghi-nho', uploadId: first.id, create: true, overrides });
      assert.equal(loaded.rowsLoaded, 4);
      assert.deepEqual(loaded.overrides, overrides);

      const next = await upload('bieu-01-thang-2.xlsx', await provincialTemplate());
      const remembered = await preview(next.id);
      assert.equal(remembered.template.remembered, true);
      assert.deepEqual(remembered.template.overrides, overrides);
      assert.equal(remembered.rows.length, 4);
      const again = await ingest({ dataset: 'cay-trong-ghi-nho', uploadId: next.id });
      assert.deepEqual([again.version, again.rowsLoaded], [2, 4]);

      const bad = await p.app.inject({ url: `/api/uploads/${next.id}/preview?overrides=${encodeURIComponent('[{"label":1}]')}`, headers: auth });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().detail, /overrides phải là JSON/u);
    });
  });
}

describe('report templates through the CLI (pglite data directory)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'provdata-shapes-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = async (args: string[]) => {
    try {
      const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
        cwd: fileURLToPath(new URL('../../../', import.meta.url)), timeout: 280_000, maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, PROVDATA_DATA_DIR: dir, PROVDATA_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn', DATABASE_URL: '' },
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
    }
  };

  test('provdata ingest --all-sheets loads each sheet with a table into its dataset with exactly its data rows, the roles of the rows left out and the wrong total flagged', { timeout: 600_000 }, async () => {
    const file = path.join(dir, 'bao-cao-xa.xlsx');
    writeFileSync(file, await provincialTemplate({ moreSheets: true, wrongTotalBy: 7 }));
    const r = await cli(['ingest', file, '--dataset', 'bao-cao-xa', '--create', '--all-sheets']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.dataset, l.sheet, l.status, l.rowsLoaded]), [['bao-cao-xa-bieu-01', 'Biểu 01', 'loaded', 5], ['bao-cao-xa-bieu-02', 'Biểu 02', 'loaded', 2]]);
    const one = lines[0];
    assert.equal(one.leftOutCount, 14);
    assert.deepEqual(one.leftOut.filter((x: LeftOut) => x.line >= LAYOUT.date).map((x: LeftOut) => [x.line, x.role]), [[LAYOUT.date, 'date'], [LAYOUT.signatures[0], 'signature'], [LAYOUT.signatures[1], 'signature'], [LAYOUT.names, 'footer']]);
    assert.equal(one.groupColumn, 'Nhóm');
    assert.deepEqual(one.problems.map((x: { column: string; stated: number; computed: number }) => [x.column, x.stated, x.computed]), [['Sản lượng', 1507, 1500]]);
    assert.ok(one.quality.validity < 1);
  });

  test('provdata ingest --unpivot "Năm 2021:Năm 2025" --into nam,gia_tri turns a yearbook table into year/value rows', { timeout: 600_000 }, async () => {
    const file = path.join(dir, 'nien-giam.xlsx');
    writeFileSync(file, await yearbookTable());
    const r = await cli(['ingest', file, '--dataset', 'dan-so-nien-giam', '--create', '--unpivot', 'Năm 2021:Năm 2025', '--into', 'nam,gia_tri']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const s = JSON.parse(r.stdout);
    assert.deepEqual([s.status, s.rowsRead, s.rowsLoaded], ['loaded', 15, 15]);
    const rows = await cli(['rows', 'dan-so-nien-giam', '--limit', '20']);
    const got = rows.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(got.length, 15);
    assert.deepEqual(got.filter((x) => Object.values(x).includes('Ia Grai')).map((x) => [x.nam, x.gia_tri]).sort(), [[2021, 10000], [2022, 10100], [2023, 10250], [2024, 10400], [2025, 10520]]);
  });
});
