import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './types.js';

/** A module's migrations: numbered SQL files `NNN_name.sql` in one folder. */
export interface MigrationSet {
  module: string;
  dir: URL;
}

export interface MigrationReport {
  applied: string[];
  skipped: number;
}

/** Thrown when a migration that already ran was edited afterwards: landed migrations never change. */
export class MigrationEditedError extends Error {
  constructor(readonly file: string) {
    super(`Migration ${file} was edited after it was applied; add a new migration instead.`);
  }
}

const LOCK_KEY = 7_042_001; // any constant: serialises migration runners across processes

/**
 * Applies every pending migration, in module order then file order, each file in its own
 * transaction with its bookkeeping row. Idempotent; safe to run from several processes at once
 * (an advisory lock serialises them). @throws MigrationEditedError when a checksum changed.
 */
export async function migrate(db: Db, sets: readonly MigrationSet[]): Promise<MigrationReport> {
  await db.exec(`CREATE TABLE IF NOT EXISTS provdata_migrations (
    module text NOT NULL, version integer NOT NULL, name text NOT NULL, checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (module, version))`);
  const report: MigrationReport = { applied: [], skipped: 0 };
  for (const set of sets) {
    const files = (await readdir(fileURLToPath(set.dir))).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
    for (const file of files) {
      const sql = await readFile(new URL(file, set.dir), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const version = Number(file.slice(0, 3));
      await db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
        const done = await tx.query<{ checksum: string }>(
          'SELECT checksum FROM provdata_migrations WHERE module = $1 AND version = $2',
          [set.module, version],
        );
        if (done.rows[0]) {
          if (done.rows[0].checksum !== checksum) throw new MigrationEditedError(`${set.module}/${file}`);
          report.skipped++;
          return;
        }
        await tx.exec(sql);
        await tx.query('INSERT INTO provdata_migrations (module, version, name, checksum) VALUES ($1, $2, $3, $4)', [
          set.module,
          version,
          file,
          checksum,
        ]);
        report.applied.push(`${set.module}/${file}`);
      });
    }
  }
  return report;
}
