import { Readable } from 'node:stream';
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
      let parts: (string | Buffer)[] = [];
      let size = 0;
      let total = 0;
      const flush = async () => {
        if (size === 0) return;
        const blob = new Blob(parts.map((p) => (typeof p === 'string' ? p : new Uint8Array(p))));
        const r = await runner.query(`COPY ${target} FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob });
        total += r.affectedRows ?? 0;
        parts = [];
        size = 0;
      };
      const source: AsyncIterable<string | Buffer> = csv instanceof Readable ? csv : csv;
      let carry = '';
      for await (const chunk of source) {
        // Cut only at line ends so that no CSV record is split between two COPY statements.
        const text = carry + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        const cut = lastRecordEnd(text);
        carry = text.slice(cut);
        const whole = text.slice(0, cut);
        parts.push(whole);
        size += whole.length;
        if (size >= COPY_CHUNK_BYTES) await flush();
      }
      if (carry) {
        parts.push(carry.endsWith('\n') ? carry : carry + '\n');
        size += carry.length;
      }
      await flush();
      return total;
    },
  };
}

/** Index just past the last newline that is outside a quoted CSV field. */
function lastRecordEnd(text: string): number {
  let inQuotes = false;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) inQuotes = !inQuotes;
    else if (c === 10 && !inQuotes) last = i + 1;
  }
  return last;
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
