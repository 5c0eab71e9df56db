/**
 * `npm run bench -- ingest [ROWS[,ROWS…]]`: the full ingestion pipeline against plain COPY, per size.
 *
 * For each size (default 1,000,000; e.g. `10000,1000000,10000000`), generates a CSV of ROWS rows × 10 columns as a provincial steward would send it
 * (Vietnamese names with diacritics, numbers written 1.234.567,89, dd/mm/yyyy dates, Có/Không,
 * commune codes checked against the 135 communes), then in the same run on the same database:
 *  - ours: upload (SHA-256, object store) + parse + validate every cell + quality + load as a version;
 *  - reference: the same file sent by plain COPY into an unconstrained all-text table — an
 *    ordinary (logged) table, what "plain COPY" means; the RESULT line compares with it;
 *  - context: the same COPY into an UNLOGGED all-text table (no write-ahead log), printed beside it.
 * Prints rows/s for each, the ratios, and peak RSS; then one line per size,
 * `SIZE <rows> ours=<rows/s> reference=<rows/s> ratio=… us_per_row=<ours>/<reference>`, so the growth of
 * the cost per row with the size shows; the RESULT line is the last size's. PGlite by default (file-backed, in a temp dir);
 * PostgreSQL when DATABASE_URL is set (the database must exist).
 *
 * Options (after ROWS):
 *  --breakdown  then times the two halves of ours on their own. JavaScript alone, no database: parse;
 *               parse and validate; parse, validate, score and encode for COPY exactly as the load
 *               worker does (RowFeed, then UTF-8); then the load workers themselves, as many as the
 *               ingest starts (PROVDATA_INGEST_WORKERS), their CSV dropped. The database alone: the rows just as ours encoded
 *               them, COPYed from a file into a bare copy of the dataset table — the best ours could
 *               do if its JavaScript cost nothing, printed as a ratio to the reference too.
 *  --no-copy    skips the reference (no RESULT line): a cleaner profile of ours with `node --cpu-prof`.
 */
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { buildApp } from '../src/app.js';
import { SYSTEM } from '../src/core/auth/index.js';
import { loadConfig } from '../src/core/config/index.js';
import { createLogger } from '../src/core/logger.js';
import { inferNumberFormat, openTable, type NumberFormat, type TableRow } from '../src/modules/ingest/parse/index.js';
import { QualityAccumulator } from '../src/modules/ingest/quality.js';
import { LoadWorker, splitFor } from '../src/modules/ingest/load-feed.js';
import { CsvChunks, RowFeed, type FeedSetup } from '../src/modules/ingest/row-feed.js';
import { RowValidator, type TargetColumn } from '../src/modules/ingest/validate.js';
import { RowEncoder } from '../src/modules/warehouse/rows.js';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
for (const f of flags) if (f !== '--breakdown' && f !== '--no-copy') throw new Error(`unknown option ${f}`);
/** Row counts to measure, comma-separated ("10000,1000000"): one SIZE line each, the RESULT line for the last. */
const SIZES = String(args.find((a) => !a.startsWith('--')) ?? process.env.ROWS ?? 1_000_000).split(',').map((x) => Number(x.replace(/_/g, '')));
if (!SIZES.every((n) => Number.isSafeInteger(n) && n > 0)) throw new Error(`bad sizes ${SIZES.join(',')}`);
let ROWS = SIZES[0]!;
const dir = mkdtempSync(path.join(tmpdir(), 'provdata-bench-ingest-'));
const file = path.join(dir, 'bao-cao.csv');

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const HO = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Rơ Châm', 'Ksor', 'Siu', 'Rah Lan'];
const TEN = ['An', 'Bình', 'Cường', 'Dũng', 'Hạnh', 'Hương', 'Khánh', 'Linh', 'Minh', 'Ngọc', 'Phúc', 'Quân', 'Thảo', 'Trí', 'Vy', 'H’Hen', 'Blứk', 'Thơm'];
const SP = ['Cà phê nhân', 'Hồ tiêu', 'Cao su mủ', 'Điều thô', 'Sắn lát', 'Mía cây', 'Chanh dây', 'Sầu riêng', 'Gỗ rừng trồng', 'Cá ngừ đại dương'];

async function generate(communes: string[]): Promise<number> {
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write('\uFEFFMã xã,Tên cơ sở,Chủ cơ sở,Sản phẩm,Sản lượng (tấn),Giá trị (triệu đồng),Ngày báo cáo,Có chứng nhận OCOP,Số lao động,Ghi chú\r\n');
  let seed = 42;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const vn = (x: number) => x.toFixed(2).replace('.', ',').replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  for (let i = 1; i <= ROWS; i++) {
    const ho = HO[rnd(HO.length)]!;
    const line = [
      communes[rnd(communes.length)],
      `"Hợp tác xã ${SP[rnd(SP.length)]!.split(' ')[0]} ${TEN[rnd(TEN.length)]} số ${i}"`,
      `${ho} ${TEN[rnd(TEN.length)]}`,
      SP[rnd(SP.length)],
      `"${vn(rnd(5_000_000) / 100)}"`,
      `"${vn(rnd(900_000_000) / 10)}"`,
      `${String(1 + rnd(28)).padStart(2, '0')}/${String(1 + rnd(12)).padStart(2, '0')}/${2020 + rnd(6)}`,
      rnd(3) === 0 ? 'Có' : 'Không',
      String(rnd(500)),
      rnd(10) === 0 ? '"Đã kiểm tra, đạt; ""chuẩn"" 3 sao"' : '',
    ].join(',');
    await write(line + '\r\n');
  }
  out.end();
  await once(out, 'finish');
  return statSync(file).size;
}

// No demo datasets: the measured database holds the seed the pipeline needs (communes, dictionary) and the bench's own tables.
const config = loadConfig({ ...process.env, PROVDATA_DATA_DIR: path.join(dir, 'data'), PROVDATA_ADMIN_PASSWORD: 'bench-password-123', PROVDATA_SEED_DEMO: 'false', LOG_LEVEL: 'warn' });
const p = await buildApp({ config, logger: createLogger('warn') });
try {
  await p.migrate();
  await p.seed();
  const engine = p.db.driver === 'pglite' ? `PGlite (${p.config.dataDir})` : 'PostgreSQL';
  const communes = [...(await p.dictionary.codeListValues('communes'))];
  const lines: string[] = [];
  let result = '';
  for (const size of SIZES) {
    ROWS = size;
    const bytes = await generate(communes);
    console.log(`engine: ${engine}; file: ${ROWS.toLocaleString('en')} rows, ${(bytes / 1e6).toFixed(1)} MB`);

    // Ours: the whole pipeline, as `provdata ingest --create` runs it.
    peakRss = process.memoryUsage().rss;
    const rssBefore = peakRss;
    const t = performance.now();
    const cpu = process.cpuUsage();
    const upload = await p.ingest.upload(SYSTEM, createReadStream(file), { filename: 'bao-cao.csv', contentType: 'text/csv' });
    const uploadSec = (performance.now() - t) / 1000;
    const r = await p.ingest.ingest(SYSTEM, { dataset: `bench-ocop-${ROWS}`, uploadId: upload.id, mode: 'replace', validRowsOnly: false, create: true });
    const oursSec = (performance.now() - t) / 1000;
    // Node's CPU time over every thread (the load worker's included; a PostgreSQL server's not).
    const used = process.cpuUsage(cpu);
    const oursCpu = (used.user + used.system) / 1e6;
    const oursPeak = peakRss;
    if (r.status !== 'loaded' || r.rowsLoaded !== ROWS) throw new Error(`bench load failed: ${JSON.stringify({ ...r, rejects: r.rejects.slice(0, 3) })}`);
    const ours = ROWS / oursSec;
    console.log(`ours:      ${oursSec.toFixed(1)} s  ${Math.round(ours).toLocaleString('en')} rows/s  (upload ${uploadSec.toFixed(1)} s; validated ${r.rowsRead.toLocaleString('en')} rows, quality ${r.quality.score}, encoding ${r.encoding})  peak RSS ${(oursPeak / 1e6).toFixed(0)} MB (+${((oursPeak - rssBefore) / 1e6).toFixed(0)}); Node CPU ${oursCpu.toFixed(1)} s`);

    if (!flags.has('--no-copy')) {
      const reference = await plainCopy('');
      const unlogged = await plainCopy('UNLOGGED');
      console.log(`ratio ours/COPY: ${(ours / reference).toFixed(3)} (ours/unlogged COPY: ${(ours / unlogged).toFixed(3)}); peak RSS of the run ${(peakRss / 1e6).toFixed(0)} MB`);
      if (flags.has('--breakdown')) await breakdown(reference);
      lines.push(`SIZE ${ROWS} ours=${Math.round(ours)} reference=${Math.round(reference)} ratio=${(ours / reference).toFixed(3)} us_per_row=${(1e6 / ours).toFixed(2)}/${(1e6 / reference).toFixed(2)} peak_rss_mb=${(oursPeak / 1e6).toFixed(0)}`);
      result = `RESULT ingest ours=${Math.round(ours)} reference=${Math.round(reference)} unit=rows/s ratio=${(ours / reference).toFixed(3)}`;
    } else if (flags.has('--breakdown')) await breakdown(null);
    // The next size starts from an empty warehouse: drop this one's table and file.
    const ds = await p.catalog.getDataset(SYSTEM, `bench-ocop-${ROWS}`);
    await p.db.exec(`DROP TABLE IF EXISTS wh.ds_${ds.id.replace(/-/g, '')}`);
    rmSync(file, { force: true });
  }
  for (const l of lines) console.log(l);
  if (result) console.log(result);
} finally {
  clearInterval(sampler);
  await p.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Rows/s of a plain COPY of the file (header skipped) into a fresh all-text table without constraints. */
async function plainCopy(kind: '' | 'UNLOGGED'): Promise<number> {
  const table = kind ? 'bench_copy_unlogged' : 'bench_copy_ref';
  await p.db.exec(`DROP TABLE IF EXISTS ${table}; CREATE ${kind} TABLE ${table} (c1 text, c2 text, c3 text, c4 text, c5 text, c6 text, c7 text, c8 text, c9 text, c10 text)`);
  let header = true;
  const skipHeader = new Transform({
    transform(chunk: Buffer, _e, done) {
      if (!header) return done(null, chunk);
      const i = chunk.indexOf(10);
      if (i < 0) return done();
      header = false;
      done(null, chunk.subarray(i + 1));
    },
  });
  const t = performance.now();
  const copied = await p.db.copyFrom(table, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10'], createReadStream(file).pipe(skipHeader));
  const sec = (performance.now() - t) / 1000;
  if (copied !== ROWS) throw new Error(`COPY loaded ${copied} rows, expected ${ROWS}`);
  await p.db.exec(`DROP TABLE ${table}`);
  const rate = ROWS / sec;
  console.log(`${(kind ? 'COPY (unlogged, context):' : 'COPY (plain, reference):').padEnd(26)} ${sec.toFixed(1)} s  ${Math.round(rate).toLocaleString('en')} rows/s`);
  return rate;
}

/**
 * The two halves of ours, each on its own: the JavaScript per row without the database (each stage a
 * full pass over the file), and the database given ours's finished CSV. Ours cannot beat the slower
 * of the two; on two cores it pays for some of both. Uses the dataset the run created, with its
 * dictionary rules and code lists, as the ingestion service maps them.
 */
async function breakdown(reference: number | null): Promise<void> {
  const dataset = await p.catalog.getDataset(SYSTEM, 'bench-ocop');
  const elements = new Map((await p.dictionary.getElements(dataset.columns.map((c) => c.elementCode).filter((x): x is string => !!x))).map((e) => [e.code, e]));
  const targets: TargetColumn[] = dataset.columns.map((c) => {
    const el = c.elementCode ? elements.get(c.elementCode) : undefined;
    return { name: c.name, title: c.title, type: c.type, key: c.key, required: c.required || el?.rules?.required === true, codeList: c.codeList ?? el?.codeList ?? null, rules: { ...(el?.rules ?? {}), ...(c.rules ?? {}) } };
  });
  const codeLists = new Map<string, Set<string>>();
  for (const t of targets) if (t.codeList && !codeLists.has(t.codeList)) codeLists.set(t.codeList, await p.dictionary.codeListValues(t.codeList));
  const open = () => openTable(createReadStream(file), { filename: 'bao-cao.csv' });
  const head = await open();
  const sample: string[][] = [];
  for await (const row of head.rows) if (sample.push(row.values) >= 2000) break;
  await head.close();
  const sourceIndex = new Map(targets.map((c) => [c.name, head.headers.indexOf(c.title)] as const).filter(([, i]) => i >= 0));
  const numberFormats = new Map<string, NumberFormat>();
  for (const [name, i] of sourceIndex) numberFormats.set(name, inferNumberFormat(sample.map((r) => r[i] ?? '')));

  const stage = async (name: string, perRow: ((row: TableRow) => void) | null): Promise<number> => {
    const t0 = performance.now();
    let n = 0;
    for await (const row of (await open()).rows) {
      n++;
      perRow?.(row);
    }
    const sec = (performance.now() - t0) / 1000;
    console.log(`  ${name.padEnd(34)} ${sec.toFixed(1).padStart(6)} s  ${Math.round(n / sec).toLocaleString('en').padStart(9)} rows/s`);
    return sec;
  };
  console.log('breakdown — JavaScript alone (each a full pass, one thread, no database):');
  await stage('parse', null);
  const v = new RowValidator(targets, sourceIndex, { numberFormats, codeLists });
  const quality = new QualityAccumulator();
  await stage('parse + validate + score', (row) => v.check(row, quality));
  // The load worker's own code: RowFeed checks, scores and encodes; the CSV then goes out as UTF-8.
  const plan = { columns: dataset.columns.map((c) => ({ name: c.name, type: c.type })), keyColumns: [], version: 1, requireKey: false };
  const setup: FeedSetup = { targets, sourceIndex: [...sourceIndex], numberFormats: [...numberFormats], codeLists: [...codeLists].map(([k, set]) => [k, [...set]]), keyColumns: [], validRowsOnly: false };
  const feed = new RowFeed(setup, plan);
  const encoded = path.join(dir, 'encoded.csv');
  const fd = openSync(encoded, 'w');
  const csv = new CsvChunks();
  await stage('parse + validate + score + encode', (row) => {
    const line = feed.line(row);
    const full = line === null ? null : csv.add(line);
    if (full) writeSync(fd, full);
  });
  const rest = csv.take();
  if (rest) writeSync(fd, rest);
  closeSync(fd);
  if (feed.result().rowsRejected) throw new Error('the breakdown rejected rows that ours loaded');
  // The same through the load workers as the ingest starts them (PROVDATA_INGEST_WORKERS), their CSV dropped.
  const split = splitFor(p.config.ingestWorkers);
  const workers = new LoadWorker(createReadStream(file), { filename: 'bao-cao.csv', sheet: null, size: statSync(file).size }, split);
  const wt = performance.now();
  const wcpu = process.cpuUsage();
  const workerFeed = workers.feed(setup, plan);
  for await (const chunk of workerFeed.chunks) void chunk;
  const wsec = (performance.now() - wt) / 1000;
  const wused = process.cpuUsage(wcpu);
  await workers.stop();
  if (workerFeed.result().rowsRead !== ROWS) throw new Error('the load workers did not read every row');
  const label = `load workers (${workers.blocks > 1 ? `two, ${workers.blocks} blocks` : 'one'})`;
  console.log(`  ${label.padEnd(34)} ${wsec.toFixed(1).padStart(6)} s  ${Math.round(ROWS / wsec).toLocaleString('en').padStart(9)} rows/s  (Node CPU ${((wused.user + wused.system) / 1e6).toFixed(1)} s)`);

  console.log('breakdown — the database alone:');
  const copy = new RowEncoder(plan.columns, [], 1, false).copyColumns();
  await p.db.exec(`DROP TABLE IF EXISTS bench_ours_bare; CREATE TABLE bench_ours_bare (LIKE wh.ds_${dataset.id.replace(/-/g, '')} INCLUDING IDENTITY)`);
  const t0 = performance.now();
  const n = await p.db.copyFrom('bench_ours_bare', copy, createReadStream(encoded));
  const sec = (performance.now() - t0) / 1000;
  await p.db.exec('DROP TABLE bench_ours_bare');
  if (n !== ROWS) throw new Error(`COPY of the encoded rows loaded ${n}, expected ${ROWS}`);
  const rate = ROWS / sec;
  const vsRef = reference === null ? '' : `  = ${(rate / reference).toFixed(3)} × plain COPY: the ratio ours would reach if its JavaScript cost nothing`;
  console.log(`  ${'COPY of ours\'s encoded CSV'.padEnd(34)} ${sec.toFixed(1).padStart(6)} s  ${Math.round(rate).toLocaleString('en').padStart(9)} rows/s  (${(statSync(encoded).size / 1e6).toFixed(1)} MB)${vsRef}`);
}
