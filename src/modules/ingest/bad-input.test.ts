/**
 * Bad input (issue 3, "Bad input"): every hostile or broken file gets a clear 4xx problem with a
 * stable code and a Vietnamese message, or a run whose bad rows are quarantined — never a 5xx,
 * never a hang, never unbounded memory — and the dataset's previous version stays as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { crc32, deflateRawSync, constants as zlibConstants } from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

const GOOD = 'Mã xã,Tên xã,Dân số\r\n21553,Quy Nhơn Bắc,45678\r\n21583,Quy Nhơn,1234567\r\n21589,Quy Nhơn Tây,23456\r\n';
/** Letters only Vietnamese has: a message containing one is written in Vietnamese. */
const VIETNAMESE = /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/iu;
const MB = 1024 * 1024;

interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  parseCode?: string;
  errors?: { field: string; message: string }[];
}

/** A minimal zip writer (stored or deflated entries) for hand-made workbooks. */
function zip(entries: { name: string; data: Buffer; deflated?: { bytes: Buffer; size: number; crc: number } }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.deflated ? 8 : 0;
    const body = e.deflated ? e.deflated.bytes : e.data;
    const crc = e.deflated ? e.deflated.crc : crc32(e.data);
    const size = e.deflated ? e.deflated.size : e.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size >>> 0, 22); // a bomb lies here anyway: readers must count what they inflate
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * A tiny .xlsx whose sheet1.xml inflates to `gib` GiB of repetitive rows. Built from one deflated
 * 1 MiB segment (full flush: self-contained) repeated, so it costs milliseconds to make.
 */
function zipBomb(gib: number, opts: { sharedStringsFirst: boolean }): Buffer {
  // Every copy claims to be row 2: the segment must repeat byte for byte.
  const row = `<row r="2"><c r="A2" t="inlineStr"><is><t>21553</t></is></c><c r="B2" t="inlineStr"><is><t>${'A'.repeat(2000)}</t></is></c><c r="C2"><v>10</v></c></row>`;
  const chunk = Buffer.from(row.repeat(Math.floor(MB / row.length)), 'utf8');
  const head = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Mã xã</t></is></c><c r="B1" t="inlineStr"><is><t>Tên xã</t></is></c><c r="C1" t="inlineStr"><is><t>Dân số</t></is></c></row>', 'utf8');
  const flush = { finishFlush: zlibConstants.Z_FULL_FLUSH };
  const headSeg = deflateRawSync(head, flush);
  const seg = deflateRawSync(chunk, flush);
  const repeats = Math.floor((gib * 1024 * MB) / chunk.length);
  let crc = crc32(head);
  for (let i = 0; i < repeats; i++) crc = crc32(chunk, crc);
  const parts = [headSeg];
  for (let i = 0; i < repeats; i++) parts.push(seg);
  parts.push(deflateRawSync(Buffer.alloc(0))); // the final (empty) block
  const sheet = { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(0), deflated: { bytes: Buffer.concat(parts), size: head.length + repeats * chunk.length, crc } };
  const x = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`, 'utf8');
  const entries = [
    { name: '[Content_Types].xml', data: x('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>') },
    { name: '_rels/.rels', data: x('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>') },
    { name: 'xl/workbook.xml', data: x('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>') },
    { name: 'xl/_rels/workbook.xml.rels', data: x('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>') },
  ];
  const shared = { name: 'xl/sharedStrings.xml', data: x('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>') };
  // Without shared strings before it, exceljs parks the sheet in a temp file: the bomb would fill the disk.
  return zip(opts.sharedStringsFirst ? [...entries, shared, sheet] : [...entries, sheet]);
}

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Dân số');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Samples RSS while `fn` runs; returns its result and the peak growth over the RSS at the start. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthMb: (peak - start) / MB };
  } finally {
    clearInterval(timer);
  }
}

for (const engine of engines()) {
  describe(`bad input (${engine})`, () => {
    let p: TestPlatform;
    let auth: Record<string, string>;
    let snapshot: string;

    const upload = async (filename: string, bytes: Buffer | string) => {
      const r = await p.app.inject({
        method: 'POST', url: `/api/uploads?filename=${encodeURIComponent(filename)}`,
        headers: { ...auth, 'content-type': 'application/octet-stream' }, payload: bytes,
      });
      assert.equal(r.statusCode, 201, r.body);
      return r.json() as { id: string; sha256: string; size: number };
    };
    const ingest = (body: Record<string, unknown>) => p.app.inject({ method: 'POST', url: '/api/ingest/runs', headers: auth, payload: { mode: 'replace', validRowsOnly: false, ...body } });
    /** Everything a reader can see of the base dataset `co-so`: versions, catalogue entry, the rows of version 1. */
    const state = async () => {
      const versions = (await p.app.inject({ url: '/api/datasets/co-so/versions', headers: auth })).json() as { version: number; rowCount: number }[];
      const rows = await p.app.inject({ url: '/api/datasets/co-so/rows?version=1&limit=100&sort=_line', headers: auth });
      assert.equal(rows.statusCode, 200, rows.body);
      const ds = await p.catalog.getDataset(SYSTEM, 'co-so');
      return JSON.stringify({ versions: versions.map((v) => [v.version, v.rowCount]), latest: ds.latestVersion, rowCount: ds.rowCount, rows: rows.json().rows });
    };
    const assertUnchanged = async () => assert.equal(await state(), snapshot, 'the previous version of co-so changed');
    /** A clear refusal: 4xx problem+json, a stable code, a Vietnamese message. */
    const assertProblem = (r: { statusCode: number; body: string; headers: Record<string, unknown> }, status: number, code: string, parseCode?: string): Problem => {
      assert.equal(r.statusCode, status, r.body);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      const body = JSON.parse(r.body) as Problem;
      assert.equal(body.code, code, r.body);
      if (parseCode) assert.equal(body.parseCode, parseCode, r.body);
      assert.match(`${body.title} ${body.detail ?? ''}`, VIETNAMESE, r.body);
      assert.doesNotMatch(r.body, /\bat .+\.(ts|js):\d+|SELECT |INSERT /, 'leaks a stack trace or SQL');
      return body;
    };
    /** Either a clear 4xx problem, or a refused run (nothing loaded) whose rejected rows carry Vietnamese reasons. */
    const assertRefusedOrQuarantined = (r: { statusCode: number; body: string; headers: Record<string, unknown> }) => {
      assert.ok(r.statusCode < 500, `5xx: ${r.body}`);
      if (r.statusCode >= 400) return assertProblem(r, r.statusCode, JSON.parse(r.body).code);
      assert.equal(r.statusCode, 201, r.body);
      const s = JSON.parse(r.body) as { status: string; version: number | null; rowsRejected: number; rejects: { vi: string }[] };
      assert.equal(s.status, 'rejected', r.body);
      assert.equal(s.version, null);
      assert.ok(s.rowsRejected > 0, r.body);
      assert.ok(s.rejects.every((x) => VIETNAMESE.test(x.vi)), r.body);
      return null;
    };

    before(async () => {
      p = await testPlatform(engine);
      const { cookie, csrf } = await p.login();
      auth = { cookie, 'x-csrf-token': csrf };
      const u = await upload('co-so.csv', GOOD);
      const r = await ingest({ dataset: 'co-so', uploadId: u.id, create: true });
      assert.equal(r.json().version, 1, r.body);
      snapshot = await state();
    });
    after(() => p.close());

    test('a CSV cut in the middle of a quoted field is refused or quarantined; the previous version is unchanged', async () => {
      const u = await upload('cut.csv', 'Mã xã,Tên xã,Dân số\r\n21553,"Quy Nhơn Bắc",10\r\n21583,"Quy Nh');
      assertRefusedOrQuarantined(await ingest({ dataset: 'co-so', uploadId: u.id }));
      await assertUnchanged();
    });

    test('an XLSX cut in half is refused as a broken workbook (PARSE_INVALID_XLSX), in preview and in ingest', { timeout: 30_000 }, async () => {
      const rows: unknown[][] = [['Mã xã', 'Tên xã', 'Dân số']];
      for (let i = 0; i < 3000; i++) rows.push(['21553', `Xã số ${i} ${randomBytes(8).toString('hex')}`, i]);
      const bytes = await workbook(rows);
      const u = await upload('cut.xlsx', bytes.subarray(0, Math.floor(bytes.length / 2)));
      assertProblem(await ingest({ dataset: 'co-so', uploadId: u.id }), 400, 'VALIDATION_FAILED', 'PARSE_INVALID_XLSX');
      const pv = await p.app.inject({ url: `/api/uploads/${u.id}/preview`, headers: auth });
      assert.ok(pv.statusCode === 200 || pv.statusCode === 400, pv.body); // the head of the sheet may still be readable
      await assertUnchanged();
    });

    test('a JSON array cut in the middle is refused as invalid JSON (PARSE_INVALID_JSON)', async () => {
      const records = Array.from({ length: 50 }, (_, i) => ({ 'Mã xã': '21553', 'Tên xã': `Xã ${i}`, 'Dân số': i }));
      const text = JSON.stringify(records);
      const u = await upload('cut.json', text.slice(0, Math.floor(text.length * 0.6)));
      assertProblem(await ingest({ dataset: 'co-so', uploadId: u.id }), 400, 'VALIDATION_FAILED', 'PARSE_INVALID_JSON');
      await assertUnchanged();
    });

    test('Windows-1258 bytes after a long UTF-8-looking start are not loaded as replacement characters', { timeout: 30_000 }, async () => {
      // 70 KB of plain ASCII rows push the first Vietnamese byte past the 64 KiB the detector samples.
      const ascii = Array.from({ length: 2500 }, (_, i) => `21553,Xa ${i},${i}`).join('\r\n');
      const tail = iconv.encode('\r\n21583,Quy Nhơn Tây,7\r\n', 'windows-1258');
      const u = await upload('mixed.csv', Buffer.concat([Buffer.from(`Mã xã,Tên xã,Dân số\r\n${ascii}`, 'utf8'), tail]));
      const r = await ingest({ dataset: 'cp-late', uploadId: u.id, create: true });
      assert.ok(r.statusCode < 500, r.body);
      if (r.statusCode === 201 && r.json().status === 'loaded') {
        const page = await p.app.inject({ url: '/api/datasets/cp-late/rows?q=quy&limit=5', headers: auth });
        assert.doesNotMatch(page.body, /\uFFFD/, 'loaded U+FFFD replacement characters instead of the text');
      } else if (r.statusCode >= 400) {
        const body = assertProblem(r, 400, 'VALIDATION_FAILED');
        assert.match(body.detail ?? '', /UTF-8/);
      } else {
        assertRefusedOrQuarantined(r);
      }
    });

    test('a file that is not valid UTF-8 (UTF-8 text with stray invalid bytes) gets a clear refusal, not mojibake', async () => {
      const text = Buffer.from('Mã xã,Tên xã,Dân số\r\n21553,Quy Nhơn Bắc,10\r\n21583,Quy Nhơn,20\r\n', 'utf8');
      const broken = Buffer.concat([text, Buffer.from([0x32, 0x31, 0x35, 0x38, 0x39, 0x2c, 0xff, 0xfe, 0xc3, 0x28, 0x2c, 0x33, 0x0d, 0x0a])]);
      const u = await upload('broken-utf8.csv', broken);
      const r = await ingest({ dataset: 'co-so', uploadId: u.id });
      assert.ok(r.statusCode < 500, r.body);
      if (r.statusCode === 201) {
        assertRefusedOrQuarantined(r);
      } else {
        const body = assertProblem(r, 400, 'VALIDATION_FAILED');
        assert.match(`${body.detail}`, /UTF-8/);
      }
      await assertUnchanged();
      // Nothing was silently re-read as Windows-1258 into a new dataset either.
      const r2 = await ingest({ dataset: 'broken-utf8', uploadId: u.id, create: true });
      assert.ok(r2.statusCode >= 400 || r2.json().status !== 'loaded', `a file with invalid UTF-8 loaded: ${r2.body}`);
    });

    for (const [name, bytes] of [
      ['random.csv', randomBytes(200_000)],
      ['image.csv', Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), randomBytes(5000)])],
      ['report.csv', Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'), randomBytes(5000)])],
      ['old.xls', Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(4000)])],
    ] as const) {
      test(`binary garbage (${name}) is refused as an unsupported format, even with --create, and creates no dataset`, async () => {
        const u = await upload(name, bytes);
        assertProblem(await ingest({ dataset: 'co-so', uploadId: u.id }), 400, 'VALIDATION_FAILED');
        const slug = `rac-${name.replace(/\W/g, '-')}`;
        assertProblem(await ingest({ dataset: slug, uploadId: u.id, create: true }), 400, 'VALIDATION_FAILED', 'PARSE_UNSUPPORTED_FORMAT');
        await assert.rejects(p.catalog.getDataset(SYSTEM, slug), { code: 'NOT_FOUND' });
        assertProblem(await p.app.inject({ url: `/api/uploads/${u.id}/preview`, headers: auth }), 400, 'VALIDATION_FAILED', 'PARSE_UNSUPPORTED_FORMAT');
        await assertUnchanged();
      });
    }

    test('a NUL byte inside one cell quarantines that row with a Vietnamese reason instead of failing the load', async () => {
      const u = await upload('nul.csv', 'Mã xã,Tên xã,Dân số\r\n21553,Quy Nhơn Bắc,10\r\n21583,Quy\u0000Nhơn,20\r\n');
      const r = await ingest({ dataset: 'co-so', uploadId: u.id });
      assertRefusedOrQuarantined(r);
      assert.equal(r.json().rowsRejected, 1);
      assert.match(r.json().rejects[0].vi, /NUL/);
      await assertUnchanged();
    });

    test('a 50 MB single field is refused or quarantined in bounded memory and time', { timeout: 60_000 }, async () => {
      const field = Buffer.alloc(50 * MB, 'A');
      const u = await upload('big-field.csv', Buffer.concat([Buffer.from('Mã xã,Tên xã,Dân số\r\n21553,"', 'utf8'), field, Buffer.from('",10\r\n21583,Quy Nhơn,20\r\n')]));
      const t0 = Date.now();
      const { result: r, growthMb } = await peakRssGrowth(() => ingest({ dataset: 'co-so', uploadId: u.id }));
      assertRefusedOrQuarantined(r);
      assert.ok(growthMb < 250, `RSS grew by ${growthMb.toFixed(0)} MB`);
      assert.ok(Date.now() - t0 < 30_000, 'took too long');
      await assertUnchanged();
    });

    test('a header of 1,000,000 columns is refused with a clear limit, quickly and in bounded memory', { timeout: 60_000 }, async () => {
      const header = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',');
      const u = await upload('wide.csv', `${header}\r\n${'1,'.repeat(999_999)}1\r\n`);
      const t0 = Date.now();
      const { result: r, growthMb } = await peakRssGrowth(() => ingest({ dataset: 'rong', uploadId: u.id, create: true }));
      assertProblem(r, 400, 'VALIDATION_FAILED', 'PARSE_LIMIT_EXCEEDED');
      assert.ok(growthMb < 400, `RSS grew by ${growthMb.toFixed(0)} MB`);
      assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
      const r2 = await ingest({ dataset: 'co-so', uploadId: u.id });
      assertProblem(r2, 400, 'VALIDATION_FAILED');
      await assertUnchanged();
    });

    for (const sharedStringsFirst of [true, false]) {
      test(`an XLSX zip bomb (2 GiB sheet XML${sharedStringsFirst ? '' : ', sheet before the shared strings'}) is refused before it inflates, in bounded memory and time`, { timeout: 90_000 }, async () => {
        const bomb = zipBomb(2, { sharedStringsFirst });
        assert.ok(bomb.length < 8 * MB, `bomb is ${bomb.length} bytes`);
        const u = await upload('bomb.xlsx', bomb);
        const t0 = Date.now();
        const { result, growthMb } = await peakRssGrowth(async () => ({
          run: await ingest({ dataset: 'co-so', uploadId: u.id }),
          preview: await p.app.inject({ url: `/api/uploads/${u.id}/preview`, headers: auth }),
        }));
        assertProblem(result.run, 400, 'VALIDATION_FAILED', 'PARSE_LIMIT_EXCEEDED');
        assert.ok(result.preview.statusCode === 200 || result.preview.statusCode === 400, result.preview.body);
        assert.ok(growthMb < 400, `RSS grew by ${growthMb.toFixed(0)} MB`);
        // Unguarded, it inflates 2 GiB (minutes); guarded, a few seconds even on a busy machine.
        assert.ok(Date.now() - t0 < 45_000, `took ${Date.now() - t0} ms`);
        await assertUnchanged();
      });
    }

    test('formula-injection strings load as text but are neutralised with an apostrophe in rejects.csv', async () => {
      const formulas = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", '-2+3', '@SUM(1)'];
      const csv = ['Mã xã,Tên xã,Dân số', '21553,Quy Nhơn Bắc,10',
        ...formulas.map((f, i) => `21583,"${f.replace(/"/g, '""')}",${i}`),
        ...formulas.map((f) => `"${f.replace(/"/g, '""')}",Xã lỗi,"${f.replace(/"/g, '""')}"`)].join('\r\n');
      const u = await upload('formula.csv', csv);
      const r = await ingest({ dataset: 'cong-thuc', uploadId: u.id, create: true });
      assert.equal(r.statusCode, 201, r.body);
      const created = await p.catalog.getDataset(SYSTEM, 'cong-thuc');
      const code = created.columns.find((c) => c.title === 'Mã xã')!;
      assert.equal(code.elementCode, 'ma_xa'); // the commune code list makes the formula codes rejects
      const s = (await ingest({ dataset: 'cong-thuc', uploadId: u.id, validRowsOnly: true })).json();
      assert.equal(s.status, 'loaded');
      assert.equal(s.rowsRejected, formulas.length);
      const names = (await p.app.inject({ url: `/api/datasets/cong-thuc/rows?version=${s.version}&limit=50`, headers: auth })).json().rows.flatMap((x: object) => Object.values(x));
      for (const f of formulas) assert.ok(names.includes(f), `${f} was not loaded as text`);

      const out = await p.app.inject({ url: `/api/ingest/runs/${s.runId}/rejects.csv`, headers: auth });
      assert.equal(out.statusCode, 200);
      const cells = (parseCsvSync(out.rawPayload, { bom: true, relax_column_count: true }) as string[][]).flat();
      for (const f of formulas) assert.ok(cells.includes(`'${f}`), `rejects.csv lacks the neutralised '${f}: ${out.body}`);
      for (const c of cells) assert.doesNotMatch(c, /^[=+\-@\t\r]/, `rejects.csv has a live formula cell: ${c}`);
    });

    test('formula-injection strings are neutralised in the dictionary CSV export', async () => {
      const r = await p.app.inject({
        method: 'POST', url: '/api/dictionary/elements', headers: auth,
        payload: { code: 'cong_thuc_thu', nameVi: '=HYPERLINK("http://x","y")', definition: "+cmd|' /C calc'!A0", unit: '-2+3', type: 'text', aliases: ['@SUM(1)'] },
      });
      assert.equal(r.statusCode, 201, r.body);
      const out = await p.app.inject({ url: '/api/dictionary/elements.csv', headers: auth });
      assert.equal(out.statusCode, 200);
      const rows = parseCsvSync(out.rawPayload, { bom: true, columns: true }) as Record<string, string>[];
      const row = rows.find((x) => x.code === 'cong_thuc_thu')!;
      assert.ok(row, 'element missing from the export');
      assert.equal(row.name, '\'=HYPERLINK("http://x","y")');
      assert.equal(row.definition, "'+cmd|' /C calc'!A0");
      assert.equal(row.unit, "'-2+3");
      assert.equal(row.aliases, "'@SUM(1)");
      for (const c of rows.flatMap((x) => Object.values(x))) assert.doesNotMatch(c, /^[=+\-@\t\r]/, `live formula cell: ${c}`);
    });

    test('an empty file and a file holding only a BOM are refused: no header row (PARSE_NO_HEADER)', async () => {
      for (const bytes of [Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe])]) {
        const u = await upload('trong.csv', bytes);
        assertProblem(await ingest({ dataset: 'co-so', uploadId: u.id }), 400, 'VALIDATION_FAILED', 'PARSE_NO_HEADER');
        assertProblem(await p.app.inject({ url: `/api/uploads/${u.id}/preview`, headers: auth }), 400, 'VALIDATION_FAILED', 'PARSE_NO_HEADER');
      }
      await assertUnchanged();
    });

    test('a header-only file makes no version and says why in Vietnamese', async () => {
      const u = await upload('chi-tieu-de.csv', 'Mã xã,Tên xã,Dân số\r\n');
      const r = await ingest({ dataset: 'co-so', uploadId: u.id });
      assert.ok(r.statusCode < 500, r.body);
      if (r.statusCode === 201) {
        const s = r.json();
        assert.equal(s.status, 'rejected');
        assert.equal(s.version, null);
        assert.equal(s.rowsRead, 0);
        assert.match(s.error?.vi ?? '', /không có dòng dữ liệu/, `no reason given: ${r.body}`);
      } else {
        assertProblem(r, 400, 'VALIDATION_FAILED');
      }
      await assertUnchanged();
    });

    test('duplicate header names are told apart ("Tên xã (2)") and the file loads', async () => {
      const u = await upload('trung.csv', 'Mã xã,Tên xã,Tên xã,Dân số\r\n21553,Quy Nhơn Bắc,QNB,10\r\n');
      const pv = await p.app.inject({ url: `/api/uploads/${u.id}/preview`, headers: auth });
      assert.deepEqual(pv.json().headers, ['Mã xã', 'Tên xã', 'Tên xã (2)', 'Dân số']);
      const r = await ingest({ dataset: 'trung-tieu-de', uploadId: u.id, create: true });
      assert.equal(r.json().status, 'loaded', r.body);
      assert.equal(new Set((await p.catalog.getDataset(SYSTEM, 'trung-tieu-de')).columns.map((c) => c.name)).size, 4);
    });

    test('a sheet name that does not exist is refused (PARSE_SHEET_NOT_FOUND) and lists the sheets', async () => {
      const u = await upload('mot-sheet.xlsx', await workbook([['Mã xã', 'Tên xã', 'Dân số'], ['21553', 'Quy Nhơn Bắc', 10]]));
      const body = assertProblem(await ingest({ dataset: 'co-so', uploadId: u.id, sheet: 'Không có' }), 400, 'VALIDATION_FAILED', 'PARSE_SHEET_NOT_FOUND');
      assert.deepEqual((body as unknown as { available: string[] }).available, ['Dân số']);
      assertProblem(await p.app.inject({ url: `/api/uploads/${u.id}/preview?sheet=${encodeURIComponent('Không có')}`, headers: auth }), 400, 'VALIDATION_FAILED', 'PARSE_SHEET_NOT_FOUND');
      await assertUnchanged();
    });

    test('an unknown upload id is 404, a malformed one 400', async () => {
      assertProblem(await ingest({ dataset: 'co-so', uploadId: randomUUID() }), 404, 'NOT_FOUND');
      assertProblem(await p.app.inject({ url: `/api/uploads/${randomUUID()}/preview`, headers: auth }), 404, 'NOT_FOUND');
      assertProblem(await ingest({ dataset: 'co-so', uploadId: "1' OR '1'='1" }), 400, 'VALIDATION_FAILED');
    });

    test('a mapping naming a header the file does not have is refused, naming the column', async () => {
      const u = await upload('map.csv', GOOD);
      const ds = await p.catalog.getDataset(SYSTEM, 'co-so');
      const name = ds.columns.find((c) => c.title === 'Tên xã')!.name;
      const body = assertProblem(await ingest({ dataset: 'co-so', uploadId: u.id, mapping: { [name]: 'Cột không có' } }), 400, 'VALIDATION_FAILED');
      assert.deepEqual(body.errors, [{ field: `mapping.${name}`, message: 'unknown header' }]);
      assertProblem(await ingest({ dataset: 'co-so', uploadId: u.id, mapping: { khong_co_cot: 'Tên xã' } }), 400, 'VALIDATION_FAILED');
      await assertUnchanged();
    });

    test('a dataset slug with injection characters is refused and touches nothing', async () => {
      const u = await upload('slug.csv', GOOD);
      for (const slug of ["x'; DROP TABLE ingest_runs; --", '../../etc/passwd', '<script>alert(1)</script>', 'Dân Số', 'a"b']) {
        const r = await ingest({ dataset: slug, uploadId: u.id, create: true });
        assertProblem(r, 400, 'VALIDATION_FAILED');
      }
      const runs = await p.app.inject({ url: '/api/ingest/runs?dataset=co-so', headers: auth });
      assert.equal(runs.statusCode, 200);
      await assertUnchanged();
    });
  });

  describe(`upload size limit (${engine})`, () => {
    let p: TestPlatform;
    before(async () => {
      p = await testPlatform(engine, { PROVDATA_MAX_UPLOAD_MB: '1' });
    });
    after(() => p.close());

    test('a 3 MB upload with PROVDATA_MAX_UPLOAD_MB=1 is refused with a 413 problem in Vietnamese and nothing is stored', async () => {
      const { cookie, csrf } = await p.login();
      const r = await p.app.inject({
        method: 'POST', url: '/api/uploads?filename=lon.csv', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'text/csv' }, payload: Buffer.alloc(3 * MB, 'a'),
      });
      assert.equal(r.statusCode, 413, r.body);
      assert.match(String(r.headers['content-type']), /^application\/problem\+json/);
      assert.equal(r.json().code, 'PAYLOAD_TOO_LARGE');
      assert.match(r.json().detail, /Tệp vượt quá 1 MB/);
      const n = await p.db.query<{ n: number }>("SELECT count(*)::int AS n FROM ingest_uploads WHERE filename = 'lon.csv'");
      assert.equal(n.rows[0]!.n, 0);
    });
  });
}
