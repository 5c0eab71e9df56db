/**
 * Issue 3, "Done when", through the API and the CLI: a provincial Excel report (title rows, a
 * two-row merged header, a column-number row, text typed in the TCVN3 font encoding) and a
 * Windows-1258 CSV go upload → preview → map → refused with Vietnamese reasons → version 1 →
 * version 2 → diff; the CLI does the same from a script.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { unicodeToTcvn3 } from './parse/index.js';
import { runCli } from '../../../test/support/cli.js';
import { ADMIN_PASSWORD, engines, seededDataDir, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

type Commune = [code: string, name: string, male: number, female: number];
const V1: Commune[] = [['21553', 'Quy Nhơn Bắc', 20100, 21050], ['21583', 'Quy Nhơn', 30500, 31200], ['21589', 'Quy Nhơn Tây', 11000, 11800]];
/** Version 2: Quy Nhơn's figures change, Quy Nhơn Tây leaves, Bồng Sơn joins. */
const V2: Commune[] = [['21553', 'Quy Nhơn Bắc', 20100, 21050], ['21583', 'Quy Nhơn', 30900, 31650], ['21640', 'Bồng Sơn', 15000, 15400]];
const BAD: Commune[] = [...V1, ['99999', 'Xã Không Có', 1, 1]];

/** A report as a district office sends it: TCVN3 (.VnTime) text, titles, merged two-row header, "(1) (2) …" row. */
async function provincialReport(rows: Commune[], opts: { extraSheetFirst?: boolean } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  if (opts.extraSheetFirst) wb.addWorksheet('Ghi chú').addRow(['Không phải bảng số liệu']);
  const ws = wb.addWorksheet('Dân số');
  const tcvn = (s: string) => ({ value: unicodeToTcvn3(s), font: { name: '.VnTime' } });
  const put = (addr: string, v: string | number | { value: string; font: { name: string } }) => {
    const cell = ws.getCell(addr);
    if (typeof v === 'object') {
      cell.value = v.value;
      cell.font = v.font;
    } else cell.value = v;
  };
  put('A1', 'ỦY BAN NHÂN DÂN TỈNH GIA LAI');
  put('A2', 'BÁO CÁO DÂN SỐ THEO XÃ, PHƯỜNG NĂM 2025');
  put('A3', tcvn('Ngày 31 tháng 12 năm 2025'));
  put('A5', 'STT');
  put('B5', 'Mã xã');
  put('C5', tcvn('Tên xã'));
  put('D5', 'Dân số');
  put('D6', 'Nam');
  put('E6', 'Nữ');
  ws.mergeCells('A5:A6');
  ws.mergeCells('B5:B6');
  ws.mergeCells('C5:C6');
  ws.mergeCells('D5:E5');
  ['(1)', '(2)', '(3)', '(4)', '(5)'].forEach((t, i) => put(`${'ABCDE'[i]}7`, t));
  rows.forEach(([code, name, male, female], i) => {
    const r = 8 + i;
    put(`A${r}`, i + 1);
    put(`B${r}`, code);
    put(`C${r}`, tcvn(name));
    put(`D${r}`, male);
    put(`E${r}`, female);
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Windows-1258 writes tones as combining marks after a precomposed base letter. */
function cp1258(text: string): Buffer {
  const TONES = /[\u0300\u0301\u0303\u0309\u0323]/gu;
  const decomposed = [...text.normalize('NFC')].map((ch) => {
    const d = ch.normalize('NFD');
    const tone = d.match(TONES)?.[0] ?? '';
    return d.replace(TONES, '').normalize('NFC') + tone;
  }).join('');
  return iconv.encode(decomposed, 'windows-1258');
}
const csvReport = (rows: Commune[]) => cp1258(['Mã xã;Tên xã;Dân số nam;Dân số nữ', ...rows.map((r) => r.join(';'))].join('\r\n') + '\r\n');

for (const engine of engines()) {
  describe(`provincial reports through the API (${engine})`, () => {
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
    const ingest = async (body: Record<string, unknown>) => {
      const r = await p.app.inject({ method: 'POST', url: '/api/ingest/runs', headers: auth, payload: { mode: 'replace', validRowsOnly: false, ...body } });
      assert.equal(r.statusCode, 201, r.body);
      return r.json();
    };
    /** Marks the commune-code column as the key, through the catalogue API. */
    const keyOnCommuneCode = async (slug: string) => {
      const ds = (await p.app.inject({ url: `/api/catalog/datasets/${slug}`, headers: auth })).json();
      const columns = ds.columns.map((c: { elementCode: string | null }) => (c.elementCode === 'ma_xa' ? { ...c, key: true, required: true } : c));
      const r = await p.app.inject({ method: 'PUT', url: `/api/catalog/datasets/${slug}/schema`, headers: auth, payload: { columns } });
      assert.equal(r.statusCode, 200, r.body);
    };
    /** Refused bad file → version 1 → version 2 → exact diff. */
    const versionsAndDiff = async (slug: string, files: { bad: Buffer; v1: Buffer; v2: Buffer }, name: string, mapping: Record<string, string>) => {
      const bad = await upload(name, files.bad);
      const refused = await ingest({ dataset: slug, uploadId: bad.id, create: true, mapping });
      assert.equal(refused.status, 'rejected', JSON.stringify(refused));
      assert.equal(refused.version, null);
      assert.equal(refused.rowsRejected, 1);
      assert.equal(refused.rowsLoaded, 0);
      assert.match(refused.rejects[0].vi, /Mã “99999” không có trong “Danh mục xã, phường tỉnh Gia Lai”/);
      const csv = await p.app.inject({ url: `/api/ingest/runs/${refused.runId}/rejects.csv`, headers: auth });
      assert.match(csv.body, /99999.*không có trong “Danh mục xã, phường tỉnh Gia Lai”/);
      assert.equal((await p.app.inject({ url: `/api/datasets/${slug}/versions`, headers: auth })).json().length, 0, 'a refused run made a version');
      await keyOnCommuneCode(slug);

      const one = await ingest({ dataset: slug, uploadId: (await upload(name, files.v1)).id, mapping });
      assert.equal(one.status, 'loaded', JSON.stringify(one));
      assert.equal(one.version, 1);
      assert.equal(one.rowsLoaded, 3);
      const two = await ingest({ dataset: slug, uploadId: (await upload(name, files.v2)).id, mapping });
      assert.equal(two.version, 2, JSON.stringify(two));
      const diff = await p.app.inject({ url: `/api/datasets/${slug}/diff?from=1&to=2`, headers: auth });
      assert.equal(diff.statusCode, 200, diff.body);
      const d = diff.json();
      assert.deepEqual(d.counts, { added: 1, removed: 1, changed: 1 });
      assert.ok(JSON.stringify(d.added).includes('Bồng Sơn'), JSON.stringify(d.added));
      assert.ok(JSON.stringify(d.removed).includes('Quy Nhơn Tây'), JSON.stringify(d.removed));
      assert.equal(Object.values(d.changed[0].key)[0], '21583');
      const v1 = (await p.app.inject({ url: `/api/datasets/${slug}/rows?version=1&limit=10`, headers: auth })).json();
      assert.equal(v1.total, 3);
      return { one, two, v1 };
    };

    test('an XLSX report with title rows, a merged two-row header, a column-number row and TCVN3 text previews as proper Unicode headers and rows', async () => {
      const u = await upload('bao-cao-dan-so.xlsx', await provincialReport(V1));
      const pv = await p.app.inject({ url: `/api/uploads/${u.id}/preview`, headers: auth });
      assert.equal(pv.statusCode, 200, pv.body);
      const body = pv.json();
      assert.deepEqual(body.headers, ['STT', 'Mã xã', 'Tên xã', 'Dân số - Nam', 'Dân số - Nữ']);
      assert.equal(body.headerLine, 5);
      assert.equal(body.encoding, 'tcvn3', 'the workbook names the font table its cells were repaired from');
      assert.deepEqual(body.sheets, ['Dân số']);
      assert.deepEqual(body.rows[0], ['1', '21553', 'Quy Nhơn Bắc', '20100', '21050']);
      assert.equal(body.rows.length, 3, 'the "(1) (2) …" row is not data');
      assert.equal(body.columns.find((c: { header: string }) => c.header === 'Mã xã').element?.code, 'ma_xa');
    });

    test('the XLSX report: a bad commune code is refused whole with Vietnamese reasons, the corrected file is version 1, a changed one version 2, and the diff is exact', async () => {
      const files = { bad: await provincialReport(BAD), v1: await provincialReport(V1), v2: await provincialReport(V2) };
      const { one, v1 } = await versionsAndDiff('bao-cao-xlsx', files, 'bao-cao.xlsx', {});
      assert.equal(one.format, 'xlsx');
      const names = v1.rows.map((r: Record<string, unknown>) => Object.values(r).find((x) => typeof x === 'string' && x.startsWith('Quy')));
      assert.deepEqual(names.sort(), ['Quy Nhơn', 'Quy Nhơn Bắc', 'Quy Nhơn Tây']);
      const ds = (await p.app.inject({ url: '/api/catalog/datasets/bao-cao-xlsx', headers: auth })).json();
      assert.deepEqual(ds.columns.map((c: { title: string }) => c.title), ['STT', 'Mã xã', 'Tên xã', 'Dân số - Nam', 'Dân số - Nữ']);
      assert.deepEqual(ds.columns.filter((c: { type: string }) => c.type === 'integer').map((c: { title: string }) => c.title), ['STT', 'Dân số - Nam', 'Dân số - Nữ']);
    });

    test('a Windows-1258 CSV: explicit column mapping, refused bad code, versions 1 and 2, exact diff', async () => {
      const files = { bad: csvReport(BAD), v1: csvReport(V1), v2: csvReport(V2) };
      const u = await upload('dan-so.csv', files.v1);
      const pv = (await p.app.inject({ url: `/api/uploads/${u.id}/preview`, headers: auth })).json();
      assert.equal(pv.encoding, 'windows-1258');
      assert.deepEqual(pv.headers, ['Mã xã', 'Tên xã', 'Dân số nam', 'Dân số nữ']);
      assert.equal(pv.rows[2][1], 'Quy Nhơn Tây'.normalize('NFC'));
      const { one } = await versionsAndDiff('bao-cao-csv', files, 'dan-so.csv', {});
      assert.equal(one.encoding, 'windows-1258');
      // The mapping screen's choice: leave "Tên xã" out, keep the rest matched by name.
      const ds = (await p.app.inject({ url: '/api/catalog/datasets/bao-cao-csv', headers: auth })).json();
      const ten = ds.columns.find((c: { title: string }) => c.title === 'Tên xã').name as string;
      const three = await ingest({ dataset: 'bao-cao-csv', uploadId: (await upload('dan-so.csv', files.v2)).id, mapping: { [ten]: null } });
      assert.equal(three.version, 3);
      assert.equal(three.mapping[ten], null);
      const d = (await p.app.inject({ url: '/api/datasets/bao-cao-csv/diff?from=2&to=3', headers: auth })).json();
      assert.deepEqual(d.counts, { added: 0, removed: 0, changed: 3 });
    });
  });
}

describe('provincial reports through the CLI (pglite data directory)', () => {
  let dir: string;
  const cli = async (args: string[]) => {
    return runCli(args, {
      timeout: 150_000, maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, PROVDATA_DATA_DIR: dir, PROVDATA_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    });
  };
  const file = (name: string, bytes: Buffer) => {
    const f = path.join(dir, name);
    writeFileSync(f, bytes);
    return f;
  };
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'provdata-reports-cli-'));
    await seededDataDir(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('provdata ingest --create prints the JSON summary; --mode append, --valid-rows-only, --sheet and rows --version --limit work from a script', { timeout: 240_000 }, async () => {
    const created = await cli(['ingest', file('bao-cao.xlsx', await provincialReport(V1)), '--dataset', 'dan-so-cli', '--create', '--key', 'Mã xã', '--title', 'Dân số theo xã (CLI)']);
    assert.equal(created.code, 0, created.stderr);
    const lines = created.stdout.trim().split('\n');
    assert.equal(lines.length, 1, created.stdout);
    const s = JSON.parse(lines[0]!);
    for (const k of ['dataset', 'version', 'rowsRead', 'rowsLoaded', 'rowsRejected', 'encoding', 'quality']) assert.ok(k in s, `missing ${k}: ${created.stdout}`);
    assert.deepEqual(Object.keys(s.quality).sort(), ['completeness', 'freshness', 'score', 'uniqueness', 'validity']);
    assert.deepEqual([s.dataset, s.version, s.rowsRead, s.rowsLoaded, s.rowsRejected, s.encoding], ['dan-so-cli', 1, 3, 3, 0, 'tcvn3']);
    for (const v of Object.values(s.quality)) assert.ok(typeof v === 'number' && v >= 0 && v <= 1);

    const appended = await cli(['ingest', file('them.xlsx', await provincialReport([['21640', 'Bồng Sơn', 15000, 15400]])), '--dataset', 'dan-so-cli', '--mode', 'append']);
    assert.equal(appended.code, 0, appended.stderr);
    assert.deepEqual([JSON.parse(appended.stdout).version, JSON.parse(appended.stdout).rowsLoaded], [2, 1]);

    const refused = await cli(['ingest', file('loi.xlsx', await provincialReport(BAD)), '--dataset', 'dan-so-cli']);
    assert.equal(refused.code, 1, 'a refused load exits 1');
    assert.deepEqual([JSON.parse(refused.stdout).status, JSON.parse(refused.stdout).version], ['rejected', null]);
    const partial = await cli(['ingest', path.join(dir, 'loi.xlsx'), '--dataset', 'dan-so-cli', '--valid-rows-only']);
    assert.equal(partial.code, 0, partial.stderr);
    const ps = JSON.parse(partial.stdout);
    assert.deepEqual([ps.version, ps.rowsRead, ps.rowsLoaded, ps.rowsRejected], [3, 4, 3, 1]);
    assert.match(ps.rejects[0].vi, /99999/);

    const second = await cli(['ingest', file('hai-trang.xlsx', await provincialReport(V2, { extraSheetFirst: true })), '--dataset', 'dan-so-cli', '--sheet', 'Dân số']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual([JSON.parse(second.stdout).version, JSON.parse(second.stdout).sheet, JSON.parse(second.stdout).rowsLoaded], [4, 'Dân số', 3]);

    // Version 1 against version 4, by the key chosen at creation: Quy Nhơn's figures changed, Quy Nhơn Tây left, Bồng Sơn joined.
    const diff = await cli(['diff', 'dan-so-cli', '--from', '1', '--to', '4']);
    assert.equal(diff.code, 0, diff.stderr);
    const d = JSON.parse(diff.stdout);
    assert.deepEqual([d.from, d.to, d.counts], [1, 4, { added: 1, removed: 1, changed: 1 }]);
    const names = (rows: Record<string, unknown>[]) => rows.map((r) => Object.values(r).find((v) => typeof v === 'string' && /Quy|Bồng/.test(v))).sort();
    assert.deepEqual(names(d.added), ['Bồng Sơn']);
    assert.deepEqual(names(d.removed), ['Quy Nhơn Tây']);
    assert.deepEqual([d.changed[0].key, names([d.changed[0].before]), names([d.changed[0].after])], [{ ma_xa: '21583' }, ['Quy Nhơn'], ['Quy Nhơn']]);
    assert.notDeepEqual(d.changed[0].before, d.changed[0].after);
    assert.equal((await cli(['diff', 'dan-so-cli', '--from', '9'])).code, 1, 'a version that does not exist exits 1');

    const rows = await cli(['rows', 'dan-so-cli', '--version', '1', '--limit', '2']);
    assert.equal(rows.code, 0, rows.stderr);
    const out = rows.stdout.trim().split('\n');
    assert.equal(out.length, 2, rows.stdout);
    for (const l of out) assert.ok(['21553', '21583', '21589'].includes(String(Object.values(JSON.parse(l) as object).find((v) => /^\d{5}$/.test(String(v))))), l);
  });
});
