import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Db, QueryResult, Queryable, Row } from './types.js';
import { ident } from './sql.js';

// int8 as a JS number, like the pg driver below: counts and ids stay far below 2^53 here.
const parsers = { [types.INT8]: (v: string) => Number(v) };
// PGlite copies from a Blob that must sit in memory: feed COPY in slices of this size.
const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The engine zeroes its whole shared buffer pool at start, and PGlite's default of 128 MB is most of
 * the engine's resident memory. 32 MB costs nothing measurable on loads of a million rows (COPY
 * writes through a small ring anyway; the host's page cache sits under the data directory) and
 * keeps ≈100 MB off the process (docs/performance.md, "ingest").
 */
const START_PARAMS = ['-c', 'shared_buffers=32MB'];

export interface PgliteOptions {
  /** Data directory; undefined means in memory. */
  dataDir?: string;
  /** A dump made by `dumpDataDir()` to start from (test templates). */
  loadDataDir?: Blob | File;
}

type Runner = Pick<PGlite, 'query' | 'exec'> | Transaction;

function wrap(runner: Runner): Queryable {
  return {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await runner.query<T>(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(sql: string) {
      await runner.exec(sql);
    },
    async copyFrom(table, columns, csv) {
      const target = `${table} (${columns.map(ident).join(', ')})`;
      let parts: Uint8Array[] = [];
      let size = 0;
      let total = 0;
      const flush = async () => {
        if (size === 0) return;
        const blob = new Blob(parts);
        const r = await runner.query(`COPY ${target} FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob });
        total += r.affectedRows ?? 0;
        parts = [];
        size = 0;
      };
      // Works on bytes: the rows arrive as UTF-8 (the load worker's chunks) and go to the engine as
      // UTF-8, so decoding them to a string and back would only cost the engine's thread time.
      const scan = new RecordScanner();
      // The unfinished record's pieces, kept apart (not concatenated per chunk: a 16 MB field would copy quadratically).
      let carry: Uint8Array[] = [];
      for await (const chunk of csv as AsyncIterable<string | Uint8Array>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        // Cut only at line ends so that no CSV record is split between two COPY statements.
        const cut = scan.lastRecordEnd(bytes);
        if (cut < 0) {
          carry.push(bytes);
          continue;
        }
        for (const piece of [...carry, bytes.subarray(0, cut)]) {
          parts.push(piece);
          size += piece.byteLength;
        }
        carry = cut < bytes.byteLength ? [bytes.subarray(cut)] : [];
        if (size >= COPY_CHUNK_BYTES) await flush();
      }
      for (const piece of carry) {
        parts.push(piece);
        size += piece.byteLength;
      }
      const last = carry.at(-1);
      if (last && last[last.byteLength - 1] !== 10) parts.push(NEWLINE);
      await flush();
      return total;
    },
  };
}

const NEWLINE = new Uint8Array([10]);

/**
 * Finds record ends in CSV bytes fed in order: a newline outside a quoted field. Quote state carries
 * from one chunk to the next (UTF-8 never uses the bytes of `"` or `\n` inside a multi-byte character).
 */
class RecordScanner {
  private inQuotes = false;

  /** Index just past the last record end in `bytes`, or -1 when the chunk ends none. */
  lastRecordEnd(bytes: Uint8Array): number {
    let inQuotes = this.inQuotes;
    let last = -1;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10 && !inQuotes) last = i + 1;
    }
    this.inQuotes = inQuotes;
    return last;
  }
}

/** Opens the embedded PostgreSQL (PGlite, WASM) with pg_trgm and unaccent. */
export async function openPglite(opts: PgliteOptions): Promise<Db> {
  const pg = await PGlite.create(opts.dataDir, {
    extensions: { pg_trgm, unaccent },
    startParams: [...PGlite.defaultStartParams, ...START_PARAMS],
    parsers,
    ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
  });
  const base = wrap(pg);
  return {
    driver: 'pglite',
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    ping: async () => {
      await pg.query('SELECT 1');
    },
    close: () => pg.close(),
    // Test templates: the raw engine is needed to dump the data directory.
    ...({ raw: pg } as object),
  };
}

/** Dumps a PGlite database to a tarball that {@link openPglite} can start from. */
export async function dumpPglite(db: Db): Promise<Blob> {
  const raw = (db as unknown as { raw?: PGlite }).raw;
  if (!raw) throw new Error('dumpPglite needs a PGlite database');
  return raw.dumpDataDir('none');
}
