import type { Queryable } from '../../core/db/index.js';
import { conflict, invalid, notFound } from '../../core/errors.js';
import type { AgencyQuality, ColumnSpec, Dataset, QualityScores } from './model.js';

interface DatasetRow {
  id: string; slug: string; title: string; title_en: string | null; description: string | null; description_en: string | null;
  keywords: string[]; themes: string[]; publisher_org_id: string; contact_name: string | null; contact_email: string | null;
  spatial_communes: string[] | null; temporal_start: string | Date | null; temporal_end: string | Date | null; update_frequency: string;
  licence: string; access_rights: string | null; importance: string; access: string; personal_data: boolean; owner_id: string | null;
  steward_id: string | null; status: string; planned_completion: string | null; source_ref: string | null; columns: ColumnSpec[];
  schema_version: number; latest_version: number | null; last_loaded_at: Date | null; row_count: string | number | null;
  quality: QualityScores | null; created_at: Date; updated_at: Date;
}

const COLUMNS = `d.id, d.slug, d.title, d.title_en, d.description, d.description_en, d.keywords, d.themes, d.publisher_org_id, d.contact_name,
  d.contact_email, d.spatial_communes, to_char(d.temporal_start, 'YYYY-MM-DD') AS temporal_start, to_char(d.temporal_end, 'YYYY-MM-DD') AS temporal_end,
  d.update_frequency, d.licence, d.access_rights, d.importance, d.access, d.personal_data, d.owner_id, d.steward_id, d.status,
  d.planned_completion, d.source_ref, d.columns, d.schema_version, d.latest_version, d.last_loaded_at, d.row_count, d.quality, d.created_at, d.updated_at`;

const toDataset = (r: DatasetRow): Dataset => ({
  id: r.id, slug: r.slug, title: r.title, titleEn: r.title_en, description: r.description, descriptionEn: r.description_en,
  keywords: r.keywords ?? [], themes: (r.themes ?? []) as Dataset['themes'], publisherOrgId: r.publisher_org_id,
  contact: { name: r.contact_name, email: r.contact_email },
  spatial: r.spatial_communes ? { scope: 'communes', communes: r.spatial_communes } : { scope: 'province', communes: [] },
  temporal: { start: r.temporal_start as string | null, end: r.temporal_end as string | null },
  updateFrequency: r.update_frequency as Dataset['updateFrequency'], licence: r.licence as Dataset['licence'], accessRights: r.access_rights,
  importance: r.importance as Dataset['importance'], access: r.access as Dataset['access'], personalData: r.personal_data,
  ownerId: r.owner_id, stewardId: r.steward_id, status: r.status as Dataset['status'], plannedCompletion: r.planned_completion,
  sourceRef: r.source_ref, columns: r.columns ?? [], schemaVersion: Number(r.schema_version),
  latestVersion: r.latest_version === null ? null : Number(r.latest_version), lastLoadedAt: r.last_loaded_at ? new Date(r.last_loaded_at) : null,
  rowCount: r.row_count === null ? null : Number(r.row_count), quality: r.quality, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});

/** Everything of a dataset the store writes, in column order of the INSERT below. */
export type DatasetRecord = Omit<Dataset, 'id' | 'schemaVersion' | 'latestVersion' | 'lastLoadedAt' | 'rowCount' | 'quality' | 'createdAt' | 'updatedAt'>;

const values = (d: DatasetRecord) => [
  d.slug, d.title, d.titleEn, d.description, d.descriptionEn, d.keywords, d.themes, d.publisherOrgId, d.contact.name, d.contact.email,
  d.spatial.scope === 'communes' ? d.spatial.communes : null, d.temporal.start, d.temporal.end, d.updateFrequency, d.licence, d.accessRights,
  d.importance, d.access, d.personalData, d.ownerId, d.stewardId, d.status, d.plannedCompletion, d.sourceRef, JSON.stringify(d.columns),
];

/** Translates constraint violations into domain errors, in one place. */
async function translate<T>(p: Promise<T>, slug: string): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '23505') throw conflict({ vi: `Định danh ${slug} đã được dùng cho tập dữ liệu khác`, en: `Slug ${slug} is taken` });
    if (code === '23503') throw invalid({ vi: 'Cơ quan hoặc người dùng được tham chiếu không tồn tại', en: 'The referenced organisation or user does not exist' });
    if (code === '23514' || code === '22007' || code === '22008') throw invalid({ vi: 'Siêu dữ liệu không hợp lệ', en: 'Invalid metadata' });
    throw e;
  }
}

/** A compiled filter: SQL condition on alias `d` and its bind values (numbered from 1). */
export interface Where {
  sql: string;
  params: unknown[];
}

export interface FacetRow {
  facet: 'theme' | 'publisher' | 'importance' | 'access' | 'status';
  value: string;
  count: number;
}

/** SQL of the catalogue. Only this file talks to its table. */
export class CatalogStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): CatalogStore {
    return new CatalogStore(q);
  }

  async insert(d: DatasetRecord, createdBy: string | null, ifAbsent = false): Promise<Dataset | null> {
    const r = await translate(
      this.db.query<DatasetRow>(
        `INSERT INTO catalog_datasets AS d (slug, title, title_en, description, description_en, keywords, themes, publisher_org_id, contact_name,
           contact_email, spatial_communes, temporal_start, temporal_end, update_frequency, licence, access_rights, importance, access,
           personal_data, owner_id, steward_id, status, planned_completion, source_ref, columns, schema_version, created_by)
         VALUES ($1, $2, $3, $4, $5, $6::text[], $7::text[], $8, $9, $10, $11::text[], $12::date, $13::date, $14, $15, $16, $17, $18, $19,
           $20::uuid, $21::uuid, $22, $23, $24, $25::jsonb, CASE WHEN jsonb_array_length($25::jsonb) > 0 THEN 1 ELSE 0 END, $26::uuid)
         ${ifAbsent ? 'ON CONFLICT (slug) DO NOTHING' : ''}
         RETURNING ${COLUMNS}`,
        [...values(d), createdBy],
      ),
      d.slug,
    );
    return r.rows[0] ? toDataset(r.rows[0]) : null;
  }

  /** Rewrites the metadata (not the columns). */
  async updateMetadata(id: string, d: DatasetRecord): Promise<Dataset> {
    const r = await translate(
      this.db.query<DatasetRow>(
        `UPDATE catalog_datasets AS d SET title = $2, title_en = $3, description = $4, description_en = $5, keywords = $6::text[], themes = $7::text[],
           publisher_org_id = $8, contact_name = $9, contact_email = $10, spatial_communes = $11::text[], temporal_start = $12::date,
           temporal_end = $13::date, update_frequency = $14, licence = $15, access_rights = $16, importance = $17, access = $18,
           personal_data = $19, owner_id = $20::uuid, steward_id = $21::uuid, status = $22, planned_completion = $23, source_ref = $24,
           updated_at = now()
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, ...values(d).slice(1, 24)],
      ),
      d.slug,
    );
    if (!r.rows[0]) throw notFound({ vi: 'Không có tập dữ liệu này', en: 'No such dataset' });
    return toDataset(r.rows[0]);
  }

  async setColumns(id: string, columns: ColumnSpec[]): Promise<Dataset> {
    const r = await this.db.query<DatasetRow>(
      `UPDATE catalog_datasets AS d SET columns = $2::jsonb, schema_version = schema_version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, JSON.stringify(columns)],
    );
    if (!r.rows[0]) throw notFound({ vi: 'Không có tập dữ liệu này', en: 'No such dataset' });
    return toDataset(r.rows[0]);
  }

  /** One dataset by id or slug, if the visibility condition lets the caller see it. */
  async get(idOrSlug: string, visible: Where): Promise<Dataset | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
    const n = visible.params.length;
    const r = await this.db.query<DatasetRow>(
      `SELECT ${COLUMNS} FROM catalog_datasets d WHERE ${isUuid ? `d.id = $${n + 1}::uuid` : `d.slug = $${n + 1}`} AND ${visible.sql}`,
      [...visible.params, idOrSlug],
    );
    return r.rows[0] ? toDataset(r.rows[0]) : null;
  }

  /** A page of datasets matching `where`, ranked by `rank` (an SQL expression), with the total. */
  async search(where: Where, rank: string, limit: number, offset: number): Promise<{ total: number; items: (Dataset & { rank: number | null })[] }> {
    const n = where.params.length;
    const r = await this.db.query<DatasetRow & { rank: number | null; total: string | number }>(
      `SELECT ${COLUMNS}, ${rank} AS rank, count(*) OVER () AS total FROM catalog_datasets d
       WHERE ${where.sql} ORDER BY rank DESC NULLS LAST, d.title, d.id LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...where.params, limit, offset],
    );
    let total = r.rows[0] ? Number(r.rows[0].total) : 0;
    if (!r.rows.length && offset > 0) total = await this.count(where);
    return { total, items: r.rows.map((x) => ({ ...toDataset(x), rank: x.rank === null ? null : Number(x.rank) })) };
  }

  async count(where: Where): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM catalog_datasets d WHERE ${where.sql}`, where.params);
    return Number(r.rows[0]!.n);
  }

  /** Counts per theme, publisher, importance, access and status over the rows matching `where`. */
  async facets(where: Where): Promise<FacetRow[]> {
    const r = await this.db.query<FacetRow>(
      `WITH hits AS (SELECT d.themes, d.publisher_org_id, d.importance, d.access, d.status FROM catalog_datasets d WHERE ${where.sql})
       SELECT 'theme' AS facet, t AS value, count(*)::int4 AS count FROM hits, unnest(hits.themes) AS t GROUP BY t
       UNION ALL SELECT 'publisher', publisher_org_id, count(*)::int4 FROM hits GROUP BY publisher_org_id
       UNION ALL SELECT 'importance', importance, count(*)::int4 FROM hits GROUP BY importance
       UNION ALL SELECT 'access', access, count(*)::int4 FROM hits GROUP BY access
       UNION ALL SELECT 'status', status, count(*)::int4 FROM hits GROUP BY status
       ORDER BY 1, 3 DESC, 2`,
      where.params,
    );
    return r.rows.map((x) => ({ ...x, count: Number(x.count) }));
  }

  /** Records the latest loaded version on the dataset row; a planned dataset becomes active. */
  async noteVersion(id: string, v: { version: number; loadedAt: Date; rows: number; quality: QualityScores }): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE catalog_datasets SET latest_version = $2, last_loaded_at = $3, row_count = $4, quality = $5::jsonb,
         status = CASE WHEN status = 'planned' THEN 'active' ELSE status END, updated_at = now()
       WHERE id = $1`,
      [id, v.version, v.loadedAt, v.rows, JSON.stringify(v.quality)],
    );
    return r.rowCount > 0;
  }

  /**
   * Quality per publisher agency: mean scores of the datasets that have one, and how many are
   * overdue against their declared update frequency (same periods as ingestion's freshness).
   */
  async qualityByAgency(): Promise<AgencyQuality[]> {
    const r = await this.db.query<{
      org_id: string; datasets: number; scored: number; overdue: number; validity: number | null; completeness: number | null;
      uniqueness: number | null; freshness: number | null; score: number | null;
    }>(
      `SELECT publisher_org_id AS org_id, count(*)::int4 AS datasets, count(quality)::int4 AS scored,
         count(*) FILTER (WHERE status = 'active' AND period IS NOT NULL AND (last_loaded_at IS NULL OR last_loaded_at < now() - period))::int4 AS overdue,
         avg((quality->>'validity')::float8) AS validity, avg((quality->>'completeness')::float8) AS completeness,
         avg((quality->>'uniqueness')::float8) AS uniqueness, avg((quality->>'freshness')::float8) AS freshness,
         avg((quality->>'score')::float8) AS score
       FROM (SELECT d.*, CASE update_frequency WHEN 'daily' THEN interval '1 day' WHEN 'weekly' THEN interval '7 days'
               WHEN 'monthly' THEN interval '31 days' WHEN 'quarterly' THEN interval '92 days' WHEN 'semiannual' THEN interval '183 days'
               WHEN 'annual' THEN interval '366 days' END AS period
             FROM catalog_datasets d WHERE status <> 'retired') x
       GROUP BY publisher_org_id ORDER BY avg((quality->>'score')::float8) DESC NULLS LAST, publisher_org_id`,
    );
    const num = (v: number | null) => (v === null ? null : Math.round(Number(v) * 1000) / 1000);
    return r.rows.map((x) => ({
      orgId: x.org_id, datasets: Number(x.datasets), scored: Number(x.scored), overdue: Number(x.overdue), validity: num(x.validity),
      completeness: num(x.completeness), uniqueness: num(x.uniqueness), freshness: num(x.freshness), score: num(x.score),
    }));
  }
}
