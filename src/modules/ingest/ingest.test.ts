import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

const REPORT = [
  'Mã xã;Tên xã;Dân số;Diện tích (km2);Ngày cập nhật;Có chợ',
  '21553;Quy Nhơn Bắc;45.678;12,5;01/07/2025;Có',
  '21583;Quy Nhơn;1.234.567;8,25;15/08/2025;Không',
  '21589;Quy Nhơn Tây;23.456;30,75;02/01/2025;Có',
].join('\r\n');

for (const engine of engines()) {
  describe(`ingestion (${engine})`, () => {
    let p: TestPlatform;
    let auth: Record<string, string>;
    before(async () => {
      p = await testPlatform(engine);
      const { cookie, csrf } = await p.login();
      auth = { cookie, 'x-csrf-token': csrf };
    });
    after(() => p.close());

    const upload = async (filename: string, bytes: Buffer) => {
      const r = await p.app.inject({
        method: 'POST', url: `/api/uploads?filename=${encodeURIComponent(filename)}`,
        headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: bytes,
      });
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as { id: string; sha256: string; size: number };
    };
    const ingest = async (body: Record<string, unknown>) =>
      p.app.inject({ method: 'POST', url: '/api/ingest/runs', headers: auth, payload: body });
    const rows = async (slug: string, version?: number) => {
      const ds = await p.catalog.getDataset(SYSTEM, slug);
      const r = await p.warehouse.query(ds.id, ds.columns.map((c) => ({ name: c.name, type: c.type })), { version, limit: 100, sort: [{ column: ds.columns[0]!.name, dir: 'asc' }] });
      return r.rows;
    };

    test('a Vietnamese CSV report (BOM, semicolons, 1.234.567,89 numbers, dd/mm/yyyy dates, Có/Không) loads with --create as version 1', async () => {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(REPORT, 'utf8')]);
      const u = await upload('dân số xã.csv', bytes);
      assert.equal(u.sha256, createHash('sha256').update(bytes).digest('hex'));
      // The raw bytes are stored as they came, content-addressed.
      const stored = readFileSync(path.join(p.config.dataDir, 'objects', u.sha256.slice(0, 2), u.sha256.slice(2)));
      assert.ok(stored.equals(bytes));

      const r = await ingest({ dataset: 'dan-so-xa', uploadId: u.id, mode: 'replace', validRowsOnly: false, create: true });
      assert.equal(r.statusCode, 201, r.body);
      const s = r.json();
      assert.equal(s.status, 'loaded');
      assert.equal(s.version, 1);
      assert.equal(s.rowsRead, 3);
      assert.equal(s.rowsLoaded, 3);
      assert.equal(s.encoding, 'utf-8');
      assert.equal(s.quality.validity, 1);
      const ds = await p.catalog.getDataset(SYSTEM, 'dan-so-xa');
      const byTitle = Object.fromEntries(ds.columns.map((c) => [c.title, c]));
      assert.equal(byTitle['Mã xã']!.elementCode, 'ma_xa');
      assert.equal(byTitle['Dân số']!.type, 'integer');
      assert.equal(byTitle['Diện tích (km2)']!.type, 'number');
      assert.equal(byTitle['Ngày cập nhật']!.type, 'date');
      assert.equal(byTitle['Có chợ']!.type, 'boolean');
      const data = await rows('dan-so-xa');
      const qn = data.find((x) => Object.values(x).includes('Quy Nhơn'))!;
      assert.ok(qn, JSON.stringify(data));
      assert.equal(qn[byTitle['Dân số']!.name], 1234567);
      assert.equal(qn[byTitle['Diện tích (km2)']!.name], 8.25);
      assert.equal(qn[byTitle['Ngày cập nhật']!.name], '2025-08-15');
      assert.equal(qn[byTitle['Có chợ']!.name], false);
      const ev = await p.db.query<{ payload: { slug: string; version: number } }>("SELECT payload FROM outbox_events WHERE topic = 'dataset.version.published'");
      assert.ok(ev.rows.some((e) => e.payload.slug === 'dan-so-xa' && e.payload.version === 1));
    });

    test('a file with an unknown commune code and a bad date is refused whole, with downloadable Vietnamese reasons', async () => {
      const bad = REPORT + '\r\n99999;Xã Không Có;1.000;1,0;01/01/2025;Có\r\n21592;Quy Nhơn Nam;2.000;2,0;31/02/2025;Không';
      const u = await upload('loi.csv', Buffer.from(bad, 'utf8'));
      const r = await ingest({ dataset: 'dan-so-xa', uploadId: u.id, mode: 'replace', validRowsOnly: false });
      assert.equal(r.statusCode, 201, r.body);
      const s = r.json();
      assert.equal(s.status, 'rejected');
      assert.equal(s.version, null);
      assert.equal(s.rowsRejected, 2);
      const csv = await p.app.inject({ url: `/api/ingest/runs/${s.runId}/rejects.csv`, headers: auth });
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      assert.ok(csv.body.startsWith('\uFEFF'));
      assert.match(csv.body, /^5,.*99999.*không có trong “Danh mục xã, phường tỉnh Gia Lai”/m);
      assert.match(csv.body, /^6,.*31\/02\/2025.*không phải ngày hợp lệ/m);
      // Nothing changed: still version 1 with 3 rows.
      assert.equal((await rows('dan-so-xa')).length, 3);
      // With valid rows only, the three good rows load as version 2 and the two bad ones are kept as rejects.
      const r2 = await ingest({ dataset: 'dan-so-xa', uploadId: u.id, mode: 'replace', validRowsOnly: true });
      assert.equal(r2.json().status, 'loaded');
      assert.equal(r2.json().version, 2);
      assert.equal(r2.json().rowsLoaded, 3);
      assert.ok(r2.json().quality.validity < 1);
    });

    test('Windows-1258 bytes with combining tone marks come out as NFC text', async () => {
      const text = 'Mã xã,Tên xã,Dân số\r\n21553,Quy Nhơn Bắc,10\r\n21640,Bồng Sơn,20\r\n';
      const bytes = iconv.encode(toCp1258Form(text), 'windows-1258');
      const u = await upload('cp1258.csv', bytes);
      const r = await ingest({ dataset: 'cp1258', uploadId: u.id, mode: 'replace', validRowsOnly: false, create: true });
      assert.equal(r.json().status, 'loaded', r.body);
      assert.equal(r.json().encoding, 'windows-1258');
      const names = (await rows('cp1258')).flatMap((x) => Object.values(x)).filter((v) => typeof v === 'string');
      assert.ok(names.includes('Bồng Sơn'.normalize('NFC')), JSON.stringify(names));
      assert.ok(names.every((n) => (n as string) === (n as string).normalize('NFC')));
    });

    test('append and upsert-by-key make new versions; older versions stay readable', async () => {
      const ds = await p.catalog.getDataset(SYSTEM, 'dan-so-xa');
      const ma = ds.columns.find((c) => c.elementCode === 'ma_xa')!;
      await p.catalog.setSchema(SYSTEM, ds.id, ds.columns.map((c) => (c.name === ma.name ? { ...c, key: true, required: true } : c)));
      // Changing the key needs a full replace first; the warehouse refuses an upsert across a key change.
      const base = await upload('goc.csv', Buffer.from(REPORT, 'utf8'));
      const refused = await ingest({ dataset: 'dan-so-xa', uploadId: base.id, mode: 'upsert', validRowsOnly: false });
      assert.equal(refused.statusCode, 409);
      assert.equal((await ingest({ dataset: 'dan-so-xa', uploadId: base.id, mode: 'replace', validRowsOnly: false })).json().status, 'loaded');
      const change = 'Mã xã;Tên xã;Dân số;Diện tích (km2);Ngày cập nhật;Có chợ\r\n21583;Quy Nhơn;1.300.000;8,25;15/09/2025;Có\r\n21640;Bồng Sơn;50.000;40,1;15/09/2025;Có';
      const u = await upload('upsert.csv', Buffer.from(change, 'utf8'));
      const r = await ingest({ dataset: 'dan-so-xa', uploadId: u.id, mode: 'upsert', validRowsOnly: false });
      assert.equal(r.json().status, 'loaded', r.body);
      const v = r.json().version as number;
      assert.equal((await rows('dan-so-xa', v)).length, 4);
      assert.equal((await rows('dan-so-xa', v - 1)).length, 3);
      const pop = ds.columns.find((c) => c.title === 'Dân số')!.name;
      const qn = (await rows('dan-so-xa', v)).find((x) => x[ma.name] === '21583')!;
      assert.equal(qn[pop], 1300000);
      const lineage = await p.app.inject({ url: '/api/datasets/dan-so-xa/lineage', headers: auth });
      assert.equal(lineage.statusCode, 200);
      const top = lineage.json()[0];
      assert.equal(top.version, v);
      assert.equal(top.upload.filename, 'upsert.csv');
      assert.equal(top.upload.sha256, u.sha256);
      const diff = await p.app.inject({ url: `/api/datasets/dan-so-xa/diff?from=${v - 1}&to=${v}`, headers: auth });
      assert.deepEqual(diff.json().counts, { added: 1, removed: 0, changed: 1 });
      const page = await p.app.inject({ url: `/api/datasets/dan-so-xa/rows?version=${v}&q=bong son`, headers: auth });
      assert.equal(page.json().total, 1);
      const runs = await p.app.inject({ url: '/api/ingest/runs?dataset=dan-so-xa', headers: auth });
      assert.equal(runs.statusCode, 200);
      assert.ok(runs.json().length >= 4);
    });

    test('an unreadable file gets a 400 problem in Vietnamese, never a 500', async () => {
      const u = await upload('hong.xlsx', Buffer.from('PK\u0003\u0004 this is not really a zip file at all', 'latin1'));
      const r = await ingest({ dataset: 'hong', uploadId: u.id, mode: 'replace', validRowsOnly: false, create: true });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, 'VALIDATION_FAILED');
      assert.match(r.json().title, /không hợp lệ/);
    });

    test('personal data is masked for readers without the unmasking right; another agency reads a shared dataset only through LDOP', async () => {
      const csv = 'Số CCCD,Họ và tên,Số điện thoại,Mã xã\r\n052090001234,Nguyễn Văn An,0912345678,21553\r\n';
      const u = await upload('canhan.csv', Buffer.from(csv, 'utf8'));
      const r = await ingest({ dataset: 'ca-nhan', uploadId: u.id, mode: 'replace', validRowsOnly: false, create: true });
      assert.equal(r.json().status, 'loaded', r.body);
      await p.org.createUser(SYSTEM, { username: 'phantich', displayName: 'Phân tích', orgId: 'so-y-te', role: 'analyst', password: 'analyst-password-1' });
      const ds = await p.catalog.getDataset(SYSTEM, 'ca-nhan');
      await p.catalog.updateDataset(SYSTEM, ds.id, { access: 'shared' });
      const a = await p.login('phantich', 'analyst-password-1');
      const other = await p.app.inject({ url: '/api/datasets/ca-nhan/rows', headers: { cookie: a.cookie } });
      assert.equal(other.statusCode, 403, other.body);
      assert.equal(other.json().code, 'LDOP_AGREEMENT_REQUIRED');
      // The publishing agency's viewer (no data:personal) reads the rows masked.
      await p.org.createUser(SYSTEM, { username: 'xem.khcn', displayName: 'Xem KH&CN', orgId: 'so-khcn', role: 'viewer', password: 'viewer-password-khcn' });
      const v = await p.login('xem.khcn', 'viewer-password-khcn');
      const rowsSeen = (await p.app.inject({ url: '/api/datasets/ca-nhan/rows', headers: { cookie: v.cookie } })).json().rows[0];
      const values = Object.values(rowsSeen);
      assert.ok(values.includes('********1234'), JSON.stringify(rowsSeen));
      assert.ok(values.includes('09******78'), JSON.stringify(rowsSeen));
      assert.ok(!JSON.stringify(rowsSeen).includes('Nguyễn Văn An'));
      assert.ok(values.includes('21553'));
      const admin = (await p.app.inject({ url: '/api/datasets/ca-nhan/rows', headers: { cookie: auth.cookie! } })).json().rows[0];
      assert.ok(Object.values(admin).includes('052090001234'));
    });

    test('a viewer may not upload', async () => {
      await p.org.createUser(SYSTEM, { username: 'xem', displayName: 'Xem', orgId: 'so-y-te', role: 'viewer', password: 'viewer-password-9' });
      const v = await p.login('xem', 'viewer-password-9');
      const r = await p.app.inject({ method: 'POST', url: '/api/uploads?filename=a.csv', headers: { cookie: v.cookie, 'x-csrf-token': v.csrf, 'content-type': 'text/csv' }, payload: 'a\n1\n' });
      assert.equal(r.statusCode, 403);
    });

    test('keys chosen at creation key the inferred schema: a repeated key is refused, and a later version diffs changed rows by key', async () => {
      const csv = (rows: string[]) => Buffer.from(['Mã xã;Tên xã;Dân số', ...rows].join('\r\n'), 'utf8');
      const v1 = await upload('khoa.csv', csv(['21553;Quy Nhơn Bắc;45.678', '21583;Quy Nhơn;1.234', '21589;Quy Nhơn Tây;23.456']));
      const unknown = await ingest({ dataset: 'dan-so-khoa', uploadId: v1.id, mode: 'replace', validRowsOnly: false, create: true, keys: ['Mã huyện'] });
      assert.equal(unknown.statusCode, 400, unknown.body);
      assert.match(unknown.json().detail, /Cột khóa “Mã huyện” không có trong tệp/);
      await assert.rejects(p.catalog.getDataset(SYSTEM, 'dan-so-khoa'), 'nothing is created for a refused key');

      const first = await ingest({ dataset: 'dan-so-khoa', uploadId: v1.id, mode: 'replace', validRowsOnly: false, create: true, keys: ['Mã xã'] });
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.json().version, 1);
      const ds = await p.catalog.getDataset(SYSTEM, 'dan-so-khoa');
      assert.deepEqual(ds.columns.filter((c) => c.key).map((c) => [c.title, c.required]), [['Mã xã', true]]);

      const twice = await upload('trung.csv', csv(['21553;Quy Nhơn Bắc;1', '21553;Quy Nhơn Bắc;2']));
      const refused = (await ingest({ dataset: 'dan-so-khoa', uploadId: twice.id, mode: 'replace', validRowsOnly: false })).json();
      assert.equal(refused.status, 'rejected');
      assert.match(refused.rejects[0].vi, /Trùng khóa với dòng 2/);

      // The same command again (a script re-running --create --key, typed without diacritics) is fine; other keys are not.
      const v2 = await upload('khoa-2.csv', csv(['21553;Quy Nhơn Bắc;45.678', '21583;Quy Nhơn;1.300', '21640;Bồng Sơn;15.000']));
      const again = await ingest({ dataset: 'dan-so-khoa', uploadId: v2.id, mode: 'replace', validRowsOnly: false, create: true, keys: ['ma xa'] });
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.json().version, 2);
      const other = await ingest({ dataset: 'dan-so-khoa', uploadId: v2.id, mode: 'replace', validRowsOnly: false, keys: ['Tên xã'] });
      assert.equal(other.statusCode, 400, other.body);
      assert.equal(other.json().code, 'VALIDATION_FAILED');

      const diff = await p.app.inject({ url: '/api/datasets/dan-so-khoa/diff?from=1&to=2', headers: auth });
      assert.equal(diff.statusCode, 200, diff.body);
      const d = diff.json();
      assert.deepEqual(d.counts, { added: 1, removed: 1, changed: 1 });
      assert.deepEqual([d.changed[0].before.dan_so, d.changed[0].after.dan_so], [1234, 1300]);
    });
  });
}

/**
 * Windows-1258 has precomposed letters for the shapes (ă â ê ô ơ ư đ) but writes tones as combining
 * marks: decompose the tones only, as Vietnamese Windows software did.
 */
function toCp1258Form(text: string): string {
  const TONES = /[\u0300\u0301\u0303\u0309\u0323]/gu;
  return [...text.normalize('NFC')].map((ch) => {
    const d = ch.normalize('NFD');
    const tone = d.match(TONES)?.[0] ?? '';
    return d.replace(TONES, '').normalize('NFC') + tone;
  }).join('');
}
