import type { Queryable } from '../../core/db/index.js';
import type { RoleOverride } from './parse/index.js';
import type { Reject } from './validate.js';

export interface UploadRow {
  id: string;
  sha256: string;
  size: number;
  filename: string;
  content_type: string | null;
  uploaded_by: string | null;
  org_id: string | null;
  uploaded_at: Date;
}

export interface RunRow {
  id: string;
  dataset_id: string;
  upload_id: string;
  status: 'loaded' | 'rejected' | 'failed';
  mode: 'replace' | 'append' | 'upsert';
  valid_rows_only: boolean;
  version: number | null;
  format: string | null;
  encoding: string | null;
  sheet: string | null;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  mapping: Record<string, string | null> | null;
  quality: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  created_by: string | null;
  org_id: string | null;
  created_at: Date;
}

export type NewRun = Omit<RunRow, 'id' | 'created_at'>;

/** Most rejects kept per run: enough to fix a file, bounded so a garbage file cannot fill the disk. */
export const MAX_STORED_REJECTS = 50_000;

/** SQL of the ingest module. */
export class IngestStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): IngestStore {
    return new IngestStore(q);
  }

  async insertUpload(u: Omit<UploadRow, 'id' | 'uploaded_at'>): Promise<UploadRow> {
    const r = await this.db.query<UploadRow>(
      `INSERT INTO ingest_uploads (sha256, size, filename, content_type, uploaded_by, org_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [u.sha256, u.size, u.filename, u.content_type, u.uploaded_by, u.org_id],
    );
    return r.rows[0]!;
  }

  async getUpload(id: string): Promise<UploadRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const r = await this.db.query<UploadRow>('SELECT * FROM ingest_uploads WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  }

  async insertRun(run: NewRun): Promise<RunRow> {
    const r = await this.db.query<RunRow>(
      `INSERT INTO ingest_runs (dataset_id, upload_id, status, mode, valid_rows_only, version, format, encoding, sheet, rows_read, rows_loaded,
         rows_rejected, mapping, quality, error, created_by, org_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING *`,
      [run.dataset_id, run.upload_id, run.status, run.mode, run.valid_rows_only, run.version, run.format, run.encoding, run.sheet, run.rows_read,
        run.rows_loaded, run.rows_rejected, json(run.mapping), json(run.quality), json(run.error), run.created_by, run.org_id],
    );
    return r.rows[0]!;
  }

  async insertRejects(runId: string, rejects: readonly Reject[]): Promise<void> {
    const kept = rejects.slice(0, MAX_STORED_REJECTS);
    for (let i = 0; i < kept.length; i += 500) {
      const batch = kept.slice(i, i + 500);
      const params: unknown[] = [];
      const tuples = batch.map((r, j) => {
        params.push(runId, i + j + 1, r.line, r.column, r.value, r.vi, r.en);
        const b = j * 7;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
      });
      await this.db.query(`INSERT INTO ingest_rejects (run_id, seq, line, column_name, value, reason_vi, reason_en) VALUES ${tuples.join(', ')}`, params);
    }
  }

  async getRun(id: string): Promise<RunRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const r = await this.db.query<RunRow>('SELECT * FROM ingest_runs WHERE id = $1', [id]);
    return r.rows[0] ?? null;
  }

  async listRuns(datasetId: string, limit = 50): Promise<RunRow[]> {
    const r = await this.db.query<RunRow>('SELECT * FROM ingest_runs WHERE dataset_id = $1 ORDER BY created_at DESC LIMIT $2', [datasetId, limit]);
    return r.rows;
  }

  /** The row decisions remembered for a template of an organisation, or null. */
  async templateOverrides(orgId: string, fingerprint: string): Promise<RoleOverride[] | null> {
    const r = await this.db.query<{ overrides: RoleOverride[] }>('SELECT overrides FROM ingest_templates WHERE org_id = $1 AND fingerprint = $2', [orgId, fingerprint]);
    return r.rows[0]?.overrides ?? null;
  }

  async saveTemplateOverrides(orgId: string, fingerprint: string, overrides: readonly RoleOverride[], by: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO ingest_templates (org_id, fingerprint, overrides, updated_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (org_id, fingerprint) DO UPDATE SET overrides = EXCLUDED.overrides, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [orgId, fingerprint, JSON.stringify(overrides), by],
    );
  }

  async rejects(runId: string, after: number, limit: number): Promise<{ seq: number; line: number; column_name: string | null; value: string | null; reason_vi: string; reason_en: string }[]> {
    const r = await this.db.query<{ seq: number; line: number; column_name: string | null; value: string | null; reason_vi: string; reason_en: string }>(
      'SELECT seq, line, column_name, value, reason_vi, reason_en FROM ingest_rejects WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [runId, after, limit],
    );
    return r.rows;
  }
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
