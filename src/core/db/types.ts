import type { Readable } from 'node:stream';

export type Row = Record<string, unknown>;

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Something SQL can be sent to: the database itself or an open transaction. */
export interface Queryable {
  /** Runs one parameterised statement. Values are always bound, never interpolated. */
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads CSV text into a table with COPY … FROM STDIN (pg) or COPY … FROM '/dev/blob' in
   * chunks (PGlite). `csv` yields chunks of CSV without a header. Returns the rows copied.
   */
  copyFrom(table: string, columns: readonly string[], csv: AsyncIterable<string | Buffer> | Readable): Promise<number>;
}

export type Tx = Queryable;

/** The storage engine seen by the rest of the platform: PGlite (embedded) or PostgreSQL. */
export interface Db extends Queryable {
  readonly driver: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
