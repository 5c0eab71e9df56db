/**
 * `Db.copyFrom` takes CSV in chunks cut anywhere — inside a quoted field that holds a newline, inside
 * a multi-byte UTF-8 character, before a record's end — as strings or bytes, and loads whole records
 * only, on both engines (PGlite cuts its COPY into slices at record ends; PostgreSQL streams).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engines, testPlatform, type TestPlatform } from './support/platform.js';

const ROWS = [
  ['1', 'Nguyễn Văn An', 'dòng một'],
  ['2', 'Rơ Châm H’Hen', 'có "ngoặc kép", và dấu phẩy'],
  ['3', 'Siu Blứk', 'hai\ndòng\r\ntrong một ô'],
  ['4', '', 'ô trống giữa'],
];
const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
const CSV = ROWS.map((r) => r.map(quote).join(',')).join('\n') + '\n';

/** The CSV's bytes cut at every `step`-th byte (so through characters and quotes alike). */
async function* slices(step: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(CSV, 'utf8');
  for (let i = 0; i < bytes.length; i += step) yield Buffer.from(bytes.subarray(i, i + step));
}

for (const engine of engines()) {
  describe(`copyFrom in chunks (${engine})`, () => {
    let p: TestPlatform;
    before(async () => {
      p = await testPlatform(engine);
    });
    after(() => p?.close());

    for (const step of [1, 3, 7, 1000]) {
      test(`bytes cut every ${step} byte(s) load the same rows`, async () => {
        await p.db.exec('DROP TABLE IF EXISTS copy_chunks; CREATE TABLE copy_chunks (id text, ten text, ghi_chu text)');
        const n = await p.db.copyFrom('copy_chunks', ['id', 'ten', 'ghi_chu'], slices(step));
        assert.equal(n, ROWS.length);
        const r = await p.db.query<{ id: string; ten: string; ghi_chu: string }>('SELECT id, ten, ghi_chu FROM copy_chunks ORDER BY id');
        assert.deepEqual(r.rows.map((x) => [x.id, x.ten, x.ghi_chu]), ROWS);
      });
    }

    test('whole strings, the last record without its newline', async () => {
      await p.db.exec('DROP TABLE IF EXISTS copy_chunks; CREATE TABLE copy_chunks (id text, ten text, ghi_chu text)');
      async function* lines() {
        yield* CSV.slice(0, -1).split(/(?<=\n)/);
      }
      const n = await p.db.copyFrom('copy_chunks', ['id', 'ten', 'ghi_chu'], lines());
      assert.equal(n, ROWS.length);
      const r = await p.db.query<{ ghi_chu: string }>('SELECT ghi_chu FROM copy_chunks ORDER BY id');
      assert.deepEqual(r.rows.map((x) => x.ghi_chu), ROWS.map((x) => x[2]));
    });
  });
}
