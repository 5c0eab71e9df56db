import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, QueryResult, Queryable, Row } from './types.js';
import { ident } from './sql.js';

// Same value shapes as the PGlite driver: int8 as number, json parsed, timestamps as Date.
const typeParsers = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

type Client = pg.PoolClient | pg.Pool;

function wrap(client: Client, connect: () => Promise<pg.PoolClient>): Queryable {
  return {
    async query<T = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const r = await client.query({ text: sql, values: params as unknown[], types: typeParsers });
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    async copyFrom(table, columns, csv) {
      const c = 'release' in client ? client : await connect();
      try {
        const stream = c.query(copyFrom(`COPY ${table} (${columns.map(ident).join(', ')}) FROM STDIN WITH (FORMAT csv)`));
        await pipeline(csv instanceof Readable ? csv : Readable.from(csv), stream);
        return Number(stream.rowCount ?? 0);
      } finally {
        if (c !== client) c.release();
      }
    },
  };
}

/** Connects to PostgreSQL through a `pg` pool. */
export async function openPostgres(url: string, poolMax = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax, application_name: 'provdata' });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const connect = () => pool.connect();
  await pool.query('SELECT 1');
  return {
    driver: 'postgres',
    ...wrap(pool, connect),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client, connect));
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
