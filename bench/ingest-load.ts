/**
 * `npm run bench -- ingest-load [ROWS]`: loads generated typed rows (default 1,000,000) through
 * `WarehouseService.load` — hashing, keys, versioning, COPY into the dataset table — and, in the same
 * run on the same database, the same rows by plain `COPY` into an unconstrained table (the
 * reference). PGlite in memory by default; PostgreSQL when DATABASE_URL is set.
 * Ends with `RESULT ingest-load ours=<rows/s> reference=<rows/s> unit=rows/s ratio=<ours/reference>`.
 */
import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '../src/app.js';
import { csvLine, migrate, openPglite, openPostgres, type Db } from '../src/core/db/index.js';
import { WarehouseService, type WhColumn } from '../src/modules/warehouse/index.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const COLUMNS: WhColumn[] = [
  { name: 'ma', type: 'text' },
  { name: 'ten', type: 'text' },
  { name: 'ma_xa', type: 'text' },
  { name: 'noi_san_xuat', type: 'text' },
  { name: 'so_luong', type: 'integer' },
  { name: 'gia_tri', type: 'number' },
  { name: 'ngay', type: 'date' },
  { name: 'dat_chuan', type: 'boolean' },
];
const PLACES = ['Phường Pleiku', 'Phường Quy Nhơn', 'Xã Ia Grai', 'Xã Đắk Đoa', 'Xã Kbang', 'Phường An Khê', 'Xã Chư Sê', 'Xã Mang Yang'];
const PRODUCTS = ['Cà phê nhân', 'Hồ tiêu', 'Cao su mủ khô', 'Điều thô', 'Sắn lát', 'Mía cây', 'Chè búp tươi', 'Gạo tẻ'];

/** The same deterministic rows for both runs. */
function values(i: number): Record<string, unknown> {
  return {
    ma: `SP${String(i).padStart(8, '0')}`,
    ten: `${PRODUCTS[i % PRODUCTS.length]} – lô ${i % 997}`,
    ma_xa: String(21553 + (i % 135)),
    noi_san_xuat: PLACES[i % PLACES.length],
    so_luong: (i * 7919) % 100_000,
    gia_tri: Math.round(((i * 104_729) % 10_000_000) / 7) / 100,
    ngay: `202${i % 6}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    dat_chuan: i % 3 !== 0,
  };
}

async function* rows() {
  for (let i = 0; i < ROWS; i++) yield { line: i + 2, values: values(i) };
}

/** Plain CSV of the same rows, in chunks, as any COPY client would send it. */
async function* plainCsv() {
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    const v = values(i);
    buf += csvLine(COLUMNS.map((c) => v[c.name]));
    if (buf.length >= 256 * 1024) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);

async function timed(label: string, fn: () => Promise<number>): Promise<number> {
  const t0 = performance.now();
  const n = await fn();
  const s = (performance.now() - t0) / 1000;
  const rate = n / s;
  process.stdout.write(`${label.padEnd(34)} ${n} rows in ${s.toFixed(2)} s = ${Math.round(rate)} rows/s (peak RSS so far ${Math.round(peakRss / 2 ** 20)} MB)\n`);
  return rate;
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  const db: Db = url ? await openPostgres(url, 2) : await openPglite({});
  const datasetId = randomUUID();
  const ref = `bench_copy_${datasetId.replace(/-/g, '').slice(0, 12)}`;
  try {
    await migrate(db, MIGRATIONS);
    const wh = new WarehouseService(db);
    process.stdout.write(`ingest-load: ${ROWS} rows × ${COLUMNS.length} columns on ${db.driver}\n`);
    await db.exec(`CREATE TABLE ${ref} (ma text, ten text, ma_xa text, noi_san_xuat text, so_luong bigint, gia_tri numeric, ngay date, dat_chuan boolean)`);
    const reference = await timed('reference: plain COPY', () => db.transaction((tx) => tx.copyFrom(ref, COLUMNS.map((c) => c.name), plainCsv())));
    const ours = await timed('ours: WarehouseService.load', () =>
      db.transaction(async (tx) => (await wh.load(tx, { datasetId, columns: COLUMNS, keyColumns: ['ma'], mode: 'replace', rows: rows(), createdBy: null, source: { filename: 'bench' } })).rowsLoaded),
    );
    if ((await wh.rowCount(datasetId)) !== ROWS) throw new Error('row count mismatch');
    process.stdout.write(`peak RSS ${Math.round(peakRss / 2 ** 20)} MB\n`);
    process.stdout.write(`RESULT ingest-load ours=${Math.round(ours)} reference=${Math.round(reference)} unit=rows/s ratio=${(ours / reference).toFixed(3)}\n`);
  } finally {
    clearInterval(sampler);
    if (url) {
      await db.exec(`DROP TABLE IF EXISTS ${ref}; DROP TABLE IF EXISTS wh.ds_${datasetId.replace(/-/g, '')}`).catch(() => {});
      await db.query('DELETE FROM warehouse_versions WHERE dataset_id = $1::uuid', [datasetId]).catch(() => {});
    }
    await db.close();
  }
}

await main();
