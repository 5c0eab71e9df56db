import { createHash } from 'node:crypto';
import type { Queryable } from '../../core/db/index.js';
import { conflict } from '../../core/errors.js';
import type { ScanReport } from './pii.js';

export const PUBLICATION_STATES = ['blocked', 'pending', 'published', 'rejected', 'withdrawn', 'superseded', 'unpublished'] as const;
export type PublicationState = (typeof PUBLICATION_STATES)[number];

export interface PublicationRow {
  id: string; dataset_id: string; version: number; state: PublicationState; scan: ScanReport; proposed_by: string | null; proposed_at: Date;
  note: string | null; decided_by: string | null; decided_at: Date | null; decision_note: string | null; published_at: Date | null;
  unpublished_by: string | null; unpublished_at: Date | null;
}

/** The public snapshot's metadata beyond the indexed columns. */
export interface PackageMeta {
  slug: string;
  titleEn: string | null;
  notesEn: string | null;
  keywords: string[];
  themes: string[];
  orgName: string;
  orgNameEn: string | null;
  contact: { name: string | null; email: string | null };
  spatial: { scope: 'province' | 'communes'; communes: string[] };
  temporal: { start: string | null; end: string | null };
  frequency: string;
  accessRights: string | null;
  quality: { validity: number; completeness: number; uniqueness: number; freshness: number; score: number } | null;
  rowCount: number;
  columns: { name: string; title: string; type: string; unit: string | null }[];
  versionCreatedAt: string | null;
  geometryColumn: string | null;
}

export interface PackageRow {
  dataset_id: string; publication_id: string; name: string; title: string; notes: string | null; org_id: string; tags: string[]; groups: string[];
  formats: string[]; license_id: string; version: number; meta: PackageMeta; metadata_created: Date; metadata_modified: Date;
}

export interface ResourceRow {
  id: string;
  dataset_id: string;
  format: 'CSV' | 'JSON' | 'XLSX' | 'GeoJSON';
}

export interface AppRow {
  id: string; name: string; description: string; url: string; developer_name: string; developer_email: string; datasets: string[];
  state: 'submitted' | 'approved' | 'rejected'; reviewed_by: string | null; reviewed_at: Date | null; review_note: string | null; created_at: Date;
}

/** A compiled search: SQL condition over `opendata_packages p`, its parameters and rank expression. */
export interface PackageQuery {
  where: string;
  params: unknown[];
  rank: string;
  orderBy: string;
}

/** Facet fields: CKAN's, and `communes` — the declared spatial coverage (5-digit commune codes; none for province-wide packages). */
export const FACET_FIELDS = ['tags', 'groups', 'organization', 'res_format', 'license_id', 'communes'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];
const FACET_EXPR: Record<FacetField, string> = {
  tags: 'unnest(p.tags)', groups: 'unnest(p.groups)', organization: 'p.org_id', res_format: 'unnest(p.formats)', license_id: 'p.license_id', communes: 'unnest(p.communes)',
};
export type FacetCounts = Record<string, { name: string; count: number }[]>;

const PACKAGE_COLS = 'p.dataset_id, p.publication_id, p.name, p.title, p.notes, p.org_id, p.tags, p.groups, p.formats, p.license_id, p.version, p.meta, p.metadata_created, p.metadata_modified';

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** A developer key of the public API (never its secret: only a SHA-256 of it is stored). */
export interface KeyRow {
  id: string; prefix: string; name: string; email: string; rate_per_minute: number; created_at: Date; revoked_at: Date | null;
  /** 'holder' or the revoking editor's user id. */
  revoked_by: string | null;
}
export interface KeyListRow extends KeyRow {
  calls_today: string | number; calls_total: string | number; last_used: string | null;
}
const KEY_COLS = 'k.id, k.prefix, k.name, k.email, k.rate_per_minute, k.created_at, k.revoked_at, k.revoked_by';

/** SQL of the open data portal. Only this file talks to its tables. */
export class OpendataStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): OpendataStore {
    return new OpendataStore(q);
  }

  // ---- publications ---------------------------------------------------------------------------

  async insertPublication(p: { datasetId: string; version: number; state: PublicationState; scan: ScanReport; proposedBy: string | null; note: string | null }): Promise<PublicationRow> {
    // A new proposal replaces the dataset's open ones: only one can be waiting at a time.
    await this.db.query(
      `UPDATE opendata_publications SET state = 'withdrawn', decided_at = now(), decision_note = 'Thay bằng đề nghị mới / replaced by a new proposal'
       WHERE dataset_id = $1::uuid AND state IN ('blocked', 'pending')`,
      [p.datasetId],
    );
    const r = await this.db.query<PublicationRow>(
      `INSERT INTO opendata_publications (dataset_id, version, state, scan, proposed_by, note) VALUES ($1::uuid, $2, $3, $4::jsonb, $5::uuid, $6) RETURNING *`,
      [p.datasetId, p.version, p.state, JSON.stringify(p.scan), p.proposedBy, p.note],
    );
    return r.rows[0]!;
  }

  async publication(id: string): Promise<PublicationRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const r = await this.db.query<PublicationRow>('SELECT * FROM opendata_publications WHERE id = $1::uuid', [id]);
    return r.rows[0] ?? null;
  }

  async publications(datasetId: string): Promise<PublicationRow[]> {
    const r = await this.db.query<PublicationRow>('SELECT * FROM opendata_publications WHERE dataset_id = $1::uuid ORDER BY proposed_at DESC, id', [datasetId]);
    return r.rows;
  }

  /** Proposals and publications in the given states across datasets, newest first (the approvers' queue). */
  async publicationsIn(states: readonly PublicationState[], limit = 500): Promise<PublicationRow[]> {
    const r = await this.db.query<PublicationRow>('SELECT * FROM opendata_publications WHERE state = ANY($1::text[]) ORDER BY proposed_at DESC, id LIMIT $2', [states, limit]);
    return r.rows;
  }

  async live(datasetId: string): Promise<PublicationRow | null> {
    const r = await this.db.query<PublicationRow>(`SELECT * FROM opendata_publications WHERE dataset_id = $1::uuid AND state = 'published'`, [datasetId]);
    return r.rows[0] ?? null;
  }

  /** Moves a publication from one of `from` to `to`; false when it was no longer in `from` (a concurrent decision). */
  async decide(id: string, from: PublicationState[], to: PublicationState, by: string | null, note: string | null): Promise<PublicationRow | null> {
    const r = await this.db.query<PublicationRow>(
      `UPDATE opendata_publications SET state = $3,
         decided_by = CASE WHEN $3 IN ('published', 'rejected', 'withdrawn') THEN $4::uuid ELSE decided_by END,
         decided_at = CASE WHEN $3 IN ('published', 'rejected', 'withdrawn') THEN now() ELSE decided_at END,
         decision_note = CASE WHEN $3 IN ('published', 'rejected', 'withdrawn') THEN $5 ELSE decision_note END,
         published_at = CASE WHEN $3 = 'published' THEN now() ELSE published_at END,
         unpublished_by = CASE WHEN $3 = 'unpublished' THEN $4::uuid ELSE unpublished_by END,
         unpublished_at = CASE WHEN $3 IN ('unpublished', 'superseded') THEN now() ELSE unpublished_at END
       WHERE id = $1::uuid AND state = ANY($2::text[]) RETURNING *`,
      [id, from, to, by, note],
    );
    return r.rows[0] ?? null;
  }

  /** The gate's verdict on a version under the given rules, or null when it was never checked under them. */
  async versionCheck(datasetId: string, version: number, rules: number): Promise<{ passed: boolean; scan: ScanReport } | null> {
    const r = await this.db.query<{ passed: boolean; scan: ScanReport }>(
      'SELECT passed, scan FROM opendata_version_checks WHERE dataset_id = $1::uuid AND version = $2 AND rules = $3',
      [datasetId, version, rules],
    );
    return r.rows[0] ?? null;
  }

  /** Records (or replaces) the gate's verdict on a version under the given rules. */
  async recordVersionCheck(c: { datasetId: string; version: number; rules: number; passed: boolean; scan: ScanReport }): Promise<void> {
    await this.db.query(
      `INSERT INTO opendata_version_checks (dataset_id, version, rules, passed, scan) VALUES ($1::uuid, $2, $3, $4, $5::jsonb)
       ON CONFLICT (dataset_id, version, rules) DO UPDATE SET passed = EXCLUDED.passed, scan = EXCLUDED.scan, checked_at = now()`,
      [c.datasetId, c.version, c.rules, c.passed, JSON.stringify(c.scan)],
    );
  }

  // ---- packages (the public snapshot) ---------------------------------------------------------

  async upsertPackage(p: Omit<PackageRow, 'metadata_modified'>): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO opendata_packages (dataset_id, publication_id, name, title, notes, org_id, tags, groups, formats, license_id, version, meta, metadata_created, metadata_modified)
         VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7::text[], $8::text[], $9::text[], $10, $11, $12::jsonb, $13, now())
         ON CONFLICT (dataset_id) DO UPDATE SET publication_id = EXCLUDED.publication_id, name = EXCLUDED.name, title = EXCLUDED.title, notes = EXCLUDED.notes,
           org_id = EXCLUDED.org_id, tags = EXCLUDED.tags, groups = EXCLUDED.groups, formats = EXCLUDED.formats, license_id = EXCLUDED.license_id,
           version = EXCLUDED.version, meta = EXCLUDED.meta, metadata_modified = now()`,
        [p.dataset_id, p.publication_id, p.name, p.title, p.notes, p.org_id, p.tags, p.groups, p.formats, p.license_id, p.version, JSON.stringify(p.meta), p.metadata_created],
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw conflict({ vi: `Tên gói ${p.name} đã được dùng`, en: `Package name ${p.name} is taken` });
      throw e;
    }
  }

  async deletePackage(datasetId: string): Promise<void> {
    await this.db.query('DELETE FROM opendata_packages WHERE dataset_id = $1::uuid', [datasetId]);
  }

  /** A published package by dataset id or name (CKAN's `id` accepts both). */
  async package(idOrName: string): Promise<PackageRow | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrName);
    const r = await this.db.query<PackageRow>(`SELECT ${PACKAGE_COLS} FROM opendata_packages p WHERE ${isUuid ? 'p.dataset_id = $1::uuid' : 'p.name = $1'}`, [idOrName]);
    return r.rows[0] ?? null;
  }

  async packageNames(limit: number, offset: number): Promise<string[]> {
    const r = await this.db.query<{ name: string }>('SELECT name FROM opendata_packages ORDER BY name LIMIT $1 OFFSET $2', [limit, offset]);
    return r.rows.map((x) => x.name);
  }

  /** Every published package, for the DCAT-AP catalogue (the catalogue is small: hundreds, not millions). */
  async allPackages(): Promise<PackageRow[]> {
    const r = await this.db.query<PackageRow>(`SELECT ${PACKAGE_COLS} FROM opendata_packages p ORDER BY p.metadata_modified DESC, p.name`);
    return r.rows;
  }

  /**
   * One search in one statement: the matching rows are computed once (a materialised CTE), then
   * the page, the total and every facet are read from them — not one pass of the text condition each.
   */
  async searchFaceted(q: PackageQuery, rows: number, start: number, facets: FacetField[], facetLimit: number): Promise<{
    count: number; results: (PackageRow & { rank: number | null })[]; facets: FacetCounts;
  }> {
    const n = q.params.length;
    const facetSql = facets.map((f, i) => `(SELECT coalesce(json_agg(json_build_array(v, c)), '[]'::json) FROM
        (SELECT v, count(*)::int4 AS c FROM (SELECT ${FACET_EXPR[f]} AS v FROM hits p) x GROUP BY v ORDER BY count(*) DESC, v LIMIT $${n + 3}) y) AS f${i}`);
    const r = await this.db.query<Record<string, unknown> & { total: string | number; page: { id: string; rank: number | null }[] | null }>(
      `WITH hits AS MATERIALIZED (
         SELECT p.dataset_id, p.name, p.title, p.tags, p.groups, p.communes, p.org_id, p.formats, p.license_id, p.metadata_created, p.metadata_modified, ${q.rank} AS rank
         FROM opendata_packages p WHERE ${q.where}),
       page AS (SELECT p.dataset_id, p.rank, row_number() OVER () AS i FROM (SELECT * FROM hits p ORDER BY ${q.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}) p)
       SELECT (SELECT count(*) FROM hits) AS total,
              (SELECT json_agg(json_build_object('id', dataset_id, 'rank', rank) ORDER BY i) FROM page) AS page
              ${facetSql.length ? `, ${facetSql.join(', ')}` : ''}`,
      // The facet limit is bound only when a facet uses it (PostgreSQL refuses unused parameters).
      [...q.params, rows, start, ...(facets.length ? [facetLimit] : [])],
    );
    const row = r.rows[0]!;
    const page = row.page ?? [];
    const full = page.length
      ? new Map((await this.db.query<PackageRow>(`SELECT ${PACKAGE_COLS} FROM opendata_packages p WHERE p.dataset_id = ANY($1::uuid[])`, [page.map((x) => x.id)])).rows.map((x) => [x.dataset_id, x]))
      : new Map<string, PackageRow>();
    const out: FacetCounts = {};
    facets.forEach((f, i) => {
      const v = row[`f${i}`];
      const list = (typeof v === 'string' ? JSON.parse(v) : v) as [string, number][];
      out[f] = list.map(([name, count]) => ({ name, count: Number(count) }));
    });
    return {
      count: Number(row.total),
      results: page.filter((x) => full.has(x.id)).map((x) => ({ ...full.get(x.id)!, rank: x.rank === null ? null : Number(x.rank) })),
      facets: out,
    };
  }

  /**
   * Only the page of a search, without count or facets (the caller has them cached): one statement,
   * which for the unfiltered catalogue reads the first rows straight from the sort's index.
   */
  async searchPage(q: PackageQuery, rows: number, start: number): Promise<(PackageRow & { rank: number | null })[]> {
    const n = q.params.length;
    const r = await this.db.query<PackageRow & { rank: number | null }>(
      `SELECT ${PACKAGE_COLS}, ${q.rank} AS rank FROM opendata_packages p WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...q.params, rows, start],
    );
    return r.rows.map((x) => ({ ...x, rank: x.rank === null ? null : Number(x.rank) }));
  }

  async tags(query: string | null, limit: number): Promise<string[]> {
    const r = await this.db.query<{ t: string }>(
      `SELECT DISTINCT t FROM opendata_packages p, unnest(p.tags) t WHERE $1::text IS NULL OR provdata_fold(t) LIKE '%' || provdata_fold($1::text) || '%' ORDER BY t LIMIT $2`,
      [query, limit],
    );
    return r.rows.map((x) => x.t);
  }

  async countsBy(field: 'org_id' | 'groups'): Promise<Map<string, number>> {
    const expr = field === 'groups' ? 'unnest(p.groups)' : 'p.org_id';
    const r = await this.db.query<{ k: string; n: number }>(`SELECT ${expr} AS k, count(*)::int4 AS n FROM opendata_packages p GROUP BY 1`);
    return new Map(r.rows.map((x) => [x.k, Number(x.n)]));
  }

  async countPackages(): Promise<number> {
    return Number((await this.db.query<{ n: string }>('SELECT count(*) AS n FROM opendata_packages')).rows[0]!.n);
  }

  // ---- resources ------------------------------------------------------------------------------

  async ensureResources(datasetId: string, formats: string[]): Promise<void> {
    for (const f of formats) {
      await this.db.query('INSERT INTO opendata_resources (dataset_id, format) VALUES ($1::uuid, $2) ON CONFLICT (dataset_id, format) DO NOTHING', [datasetId, f]);
    }
  }

  async resources(datasetIds: string[]): Promise<ResourceRow[]> {
    const r = await this.db.query<ResourceRow>(
      `SELECT r.id, r.dataset_id, r.format FROM opendata_resources r JOIN opendata_packages p ON p.dataset_id = r.dataset_id AND r.format = ANY(p.formats)
       WHERE r.dataset_id = ANY($1::uuid[]) ORDER BY r.dataset_id, array_position(ARRAY['CSV', 'JSON', 'XLSX', 'GeoJSON'], r.format)`,
      [datasetIds],
    );
    return r.rows;
  }

  /** A resource of a published package only: any other id is "not found". */
  async publishedResource(id: string): Promise<ResourceRow | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const r = await this.db.query<ResourceRow>(
      `SELECT r.id, r.dataset_id, r.format FROM opendata_resources r JOIN opendata_packages p ON p.dataset_id = r.dataset_id AND r.format = ANY(p.formats) WHERE r.id = $1::uuid`,
      [id],
    );
    return r.rows[0] ?? null;
  }

  // ---- usage ----------------------------------------------------------------------------------

  async addUsage(entries: { datasetId: string; day: string; views: number; downloads: number; apiCalls: number }[]): Promise<void> {
    if (!entries.length) return;
    await this.db.query(
      `INSERT INTO opendata_usage AS u (dataset_id, day, views, downloads, api_calls)
       SELECT x.d, x.day, x.v, x.dl, x.a FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[], $5::bigint[]) AS x(d, day, v, dl, a)
       ON CONFLICT (dataset_id, day) DO UPDATE SET views = u.views + EXCLUDED.views, downloads = u.downloads + EXCLUDED.downloads, api_calls = u.api_calls + EXCLUDED.api_calls`,
      [entries.map((e) => e.datasetId), entries.map((e) => e.day), entries.map((e) => e.views), entries.map((e) => e.downloads), entries.map((e) => e.apiCalls)],
    );
  }

  async usage(datasetId: string): Promise<{ views: number; downloads: number; apiCalls: number; days: { day: string; views: number; downloads: number; apiCalls: number }[] }> {
    const r = await this.db.query<{ day: string; views: string; downloads: string; api_calls: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, views, downloads, api_calls FROM opendata_usage WHERE dataset_id = $1::uuid ORDER BY day DESC LIMIT 366`,
      [datasetId],
    );
    const days = r.rows.map((x) => ({ day: x.day, views: Number(x.views), downloads: Number(x.downloads), apiCalls: Number(x.api_calls) }));
    return {
      views: days.reduce((a, d) => a + d.views, 0), downloads: days.reduce((a, d) => a + d.downloads, 0), apiCalls: days.reduce((a, d) => a + d.apiCalls, 0), days,
    };
  }

  // ---- developer keys -------------------------------------------------------------------------

  async insertKey(k: { key: string; name: string; email: string; ratePerMinute: number }): Promise<{ id: string; created_at: Date }> {
    const r = await this.db.query<{ id: string; created_at: Date }>(
      'INSERT INTO opendata_api_keys (prefix, key_hash, name, email, rate_per_minute) VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at',
      [k.key.slice(0, 12), hashKey(k.key), k.name, k.email, k.ratePerMinute],
    );
    return r.rows[0]!;
  }

  async keyByHash(hash: string): Promise<{ id: string; rate_per_minute: number } | null> {
    const r = await this.db.query<{ id: string; rate_per_minute: number }>('SELECT id, rate_per_minute FROM opendata_api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hash]);
    return r.rows[0] ?? null;
  }

  /** A key by the hash of its secret, revoked or not (its holder may still look at a revoked key). */
  async keyBySecretHash(hash: string): Promise<KeyRow | null> {
    const r = await this.db.query<KeyRow>(`SELECT ${KEY_COLS} FROM opendata_api_keys k WHERE k.key_hash = $1`, [hash]);
    return r.rows[0] ?? null;
  }

  /** Every key, newest first, with its calls (today, in total, last day used); `state` narrows to active or revoked keys. */
  async keys(o: { limit: number; offset: number; state: 'active' | 'revoked' | null; today: string }): Promise<{ total: number; rows: KeyListRow[] }> {
    const where = o.state === 'active' ? 'k.revoked_at IS NULL' : o.state === 'revoked' ? 'k.revoked_at IS NOT NULL' : 'true';
    const total = Number((await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM opendata_api_keys k WHERE ${where}`)).rows[0]!.n);
    const r = await this.db.query<KeyListRow>(
      `SELECT ${KEY_COLS},
         coalesce((SELECT u.calls FROM opendata_key_usage u WHERE u.key_id = k.id AND u.day = $3::date), 0) AS calls_today,
         coalesce((SELECT sum(u.calls) FROM opendata_key_usage u WHERE u.key_id = k.id), 0) AS calls_total,
         (SELECT to_char(max(u.day), 'YYYY-MM-DD') FROM opendata_key_usage u WHERE u.key_id = k.id) AS last_used
       FROM opendata_api_keys k WHERE ${where} ORDER BY k.created_at DESC, k.id LIMIT $1 OFFSET $2`,
      [o.limit, o.offset, o.today],
    );
    return { total, rows: r.rows };
  }

  /**
   * Revokes a key unless it already is; `by` is 'holder' or an editor's user id. Returns the key as
   * it now is, or null when there is no such key.
   */
  async revokeKey(id: string, by: string): Promise<KeyRow | null> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
    const r = await this.db.query<KeyRow>(
      `UPDATE opendata_api_keys k SET revoked_at = now(), revoked_by = $2 WHERE k.id = $1::uuid AND k.revoked_at IS NULL RETURNING ${KEY_COLS}`,
      [id, by],
    );
    if (r.rows[0]) return r.rows[0];
    return (await this.db.query<KeyRow>(`SELECT ${KEY_COLS} FROM opendata_api_keys k WHERE k.id = $1::uuid`, [id])).rows[0] ?? null;
  }

  async addKeyUsage(entries: { keyId: string; day: string; calls: number }[]): Promise<void> {
    if (!entries.length) return;
    await this.db.query(
      `INSERT INTO opendata_key_usage AS u (key_id, day, calls)
       SELECT x.k, x.day, x.c FROM unnest($1::uuid[], $2::date[], $3::bigint[]) AS x(k, day, c)
       ON CONFLICT (key_id, day) DO UPDATE SET calls = u.calls + EXCLUDED.calls`,
      [entries.map((e) => e.keyId), entries.map((e) => e.day), entries.map((e) => e.calls)],
    );
  }

  /** Calls of one key per day, newest first, over the last `days` days. */
  async keyUsage(keyId: string, days: number): Promise<{ day: string; calls: number }[]> {
    const r = await this.db.query<{ day: string; calls: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, calls FROM opendata_key_usage WHERE key_id = $1::uuid ORDER BY day DESC LIMIT $2`,
      [keyId, days],
    );
    return r.rows.map((x) => ({ day: x.day, calls: Number(x.calls) }));
  }

  // ---- applications ---------------------------------------------------------------------------

  async insertApp(a: { name: string; description: string; url: string; developerName: string; developerEmail: string; datasets: string[] }): Promise<AppRow> {
    const r = await this.db.query<AppRow>(
      `INSERT INTO opendata_apps (name, description, url, developer_name, developer_email, datasets) VALUES ($1, $2, $3, $4, $5, $6::text[]) RETURNING *`,
      [a.name, a.description, a.url, a.developerName, a.developerEmail, a.datasets],
    );
    return r.rows[0]!;
  }

  async apps(state: AppRow['state'] | null): Promise<AppRow[]> {
    const r = await this.db.query<AppRow>(`SELECT * FROM opendata_apps WHERE $1::text IS NULL OR state = $1 ORDER BY created_at DESC LIMIT 1000`, [state]);
    return r.rows;
  }

  async reviewApp(id: string, state: 'approved' | 'rejected', by: string | null, note: string | null): Promise<AppRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const r = await this.db.query<AppRow>(
      `UPDATE opendata_apps SET state = $2, reviewed_by = $3::uuid, reviewed_at = now(), review_note = $4 WHERE id = $1::uuid RETURNING *`,
      [id, state, by, note],
    );
    return r.rows[0] ?? null;
  }

  async countApps(state: AppRow['state']): Promise<number> {
    return Number((await this.db.query<{ n: string }>('SELECT count(*) AS n FROM opendata_apps WHERE state = $1', [state])).rows[0]!.n);
  }
}
