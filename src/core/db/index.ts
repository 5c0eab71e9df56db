import path from 'node:path';
import type { Config } from '../config/index.js';
import { lockDataDir } from './lock.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Db } from './types.js';

export type { Db, Tx, Queryable, QueryResult, Row } from './types.js';
export { ident, qualified, csvField, csvLine } from './sql.js';
export { migrate, MigrationEditedError, type MigrationSet, type MigrationReport } from './migrate.js';
export { DataDirLockedError, lockDataDir } from './lock.js';
export { openPglite, dumpPglite } from './pglite.js';
export { openPostgres } from './postgres.js';

/**
 * Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, otherwise the
 * embedded PGlite in `<dataDir>/pg`, locked to this process. Closing the Db releases the lock.
 * @throws DataDirLockedError when another process holds the embedded database.
 */
export async function openDb(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolMax'>): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.dbPoolMax);
  const release = lockDataDir(config.dataDir);
  try {
    const db = await openPglite({ dataDir: path.join(config.dataDir, 'pg') });
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}
