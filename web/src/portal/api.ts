/**
 * The open data portal's view of the public API: CKAN's Action API (`/api/3/action/…`, envelope
 * `{ success, result }`) for search, dataset and rows, and the opendata module's KPI, apps and
 * downloads. Everything here works without a login; shapes are checked before they are trusted.
 */
import { apiFetch } from '../api.ts';
import { arr, contractBreak, obj, type Obj } from '../shape.ts';

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Calls a CKAN action and unwraps `result`; a CKAN "Not Found Error" becomes an ApiError with status 404. */
async function ckan(action: string, params: Record<string, string | number | undefined>, signal?: AbortSignal): Promise<unknown> {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') qs.set(key, String(value));
  const body = obj(await apiFetch(`/api/3/action/${action}?${qs}`, { signal }), action);
  if (body.success !== true) throw contractBreak(action);
  return body.result;
}

export interface PortalResource {
  id: string;
  name: string;
  format: string;
  url: string;
}

export interface PortalGroup {
  name: string;
  title: string;
  description: string | null;
}

export interface PortalPackage {
  id: string;
  name: string;
  title: string;
  titleEn: string | null;
  notes: string;
  notesEn: string | null;
  version: string | null;
  author: string | null;
  maintainer: string | null;
  maintainerEmail: string | null;
  licenseId: string | null;
  licenseTitle: string | null;
  licenseUrl: string | null;
  created: string | null;
  modified: string | null;
  org: { id: string; title: string; titleEn: string | null } | null;
  groups: PortalGroup[];
  tags: string[];
  resources: PortalResource[];
  extras: Record<string, string>;
}

/** CKAN dates are UTC without a zone suffix; add it so `new Date` does not read them as local time. */
export function ckanDate(value: string | null): string | null {
  if (!value) return null;
  return /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
}

function toPackage(value: unknown): PortalPackage {
  const p = obj(value, 'package');
  if (typeof p.name !== 'string' || typeof p.title !== 'string') throw contractBreak('package');
  const extras: Record<string, string> = {};
  for (const e of Array.isArray(p.extras) ? p.extras : []) {
    const x = e as Obj;
    if (typeof x.key === 'string' && typeof x.value === 'string') extras[x.key] = x.value;
  }
  const org = p.organization && typeof p.organization === 'object' ? (p.organization as Obj) : null;
  return {
    id: String(p.id),
    name: p.name,
    title: p.title,
    titleEn: extras.title_en ?? null,
    notes: str(p.notes) ?? '',
    notesEn: extras.notes_en ?? null,
    version: p.version == null ? null : String(p.version),
    author: str(p.author),
    maintainer: str(p.maintainer),
    maintainerEmail: str(p.maintainer_email),
    licenseId: str(p.license_id),
    licenseTitle: str(p.license_title),
    licenseUrl: str(p.license_url),
    created: ckanDate(str(p.metadata_created)),
    modified: ckanDate(str(p.metadata_modified)),
    org: org ? { id: String(org.name ?? org.id), title: String(org.title ?? org.name), titleEn: str(org.description) } : null,
    groups: (Array.isArray(p.groups) ? p.groups : []).map((g) => {
      const x = g as Obj;
      return { name: String(x.name), title: String(x.display_name ?? x.title ?? x.name), description: str(x.description) };
    }),
    tags: (Array.isArray(p.tags) ? p.tags : []).map((t) => String((t as Obj).name)),
    resources: (Array.isArray(p.resources) ? p.resources : []).map((r) => {
      const x = r as Obj;
      return { id: String(x.id), name: String(x.name ?? ''), format: String(x.format ?? ''), url: String(x.url ?? '') };
    }),
    extras,
  };
}

/** Facets of the search page; `communes` is the declared spatial coverage (names come in `display_name`). */
export const FACET_FIELDS = ['groups', 'communes', 'organization', 'res_format', 'license_id'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

export interface FacetItem {
  name: string;
  displayName: string;
  count: number;
}

export interface SearchResult {
  count: number;
  results: PortalPackage[];
  facets: Record<FacetField, FacetItem[]>;
}

export interface SearchParams {
  q: string;
  filters: Partial<Record<FacetField, string>>;
  rows: number;
  start: number;
  sort?: string;
}

/** Quotes a facet value for `fq` (`field:"value"`). */
function fqClause(field: string, value: string): string {
  return `${field}:"${value.replace(/["\\]/g, '')}"`;
}

/** `package_search` with the portal's facets; the server folds diacritics (`du lich` finds "Du lịch"). */
export async function searchPackages(params: SearchParams, signal?: AbortSignal): Promise<SearchResult> {
  const fq = Object.entries(params.filters)
    .filter(([, value]) => value)
    .map(([field, value]) => fqClause(field, value!))
    .join(' AND ');
  const result = obj(
    await ckan(
      'package_search',
      {
        q: params.q.trim() || undefined,
        fq: fq || undefined,
        rows: params.rows,
        start: params.start,
        sort: params.sort,
        'facet.field': JSON.stringify(FACET_FIELDS),
        // Every commune with a dataset (135 at most), not CKAN's default 50.
        'facet.limit': 200,
      },
      signal,
    ),
    'package_search',
  );
  const searchFacets = (result.search_facets && typeof result.search_facets === 'object' ? result.search_facets : {}) as Obj;
  const facets = {} as Record<FacetField, FacetItem[]>;
  for (const field of FACET_FIELDS) {
    const items = (searchFacets[field] as Obj | undefined)?.items;
    facets[field] = (Array.isArray(items) ? items : []).map((i) => {
      const x = i as Obj;
      return { name: String(x.name), displayName: String(x.display_name ?? x.name), count: num(x.count) ?? 0 };
    });
  }
  return { count: num(result.count) ?? 0, results: arr(result.results, 'results').map(toPackage), facets };
}

/** `package_show`; a missing or unpublished dataset is an ApiError with status 404. */
export async function showPackage(slug: string, signal?: AbortSignal): Promise<PortalPackage> {
  return toPackage(await ckan('package_show', { id: slug }, signal));
}

export type FieldType = 'int' | 'numeric' | 'text' | 'date' | 'bool' | 'json' | string;

export interface DatastoreResult {
  fields: { id: string; type: FieldType }[];
  records: Record<string, unknown>[];
  total: number;
}

/** `datastore_search`: a page of the published version's rows (`fields` without `_id`). */
export async function datastoreSearch(
  params: { resourceId: string; limit: number; offset?: number; fields?: string[]; sort?: string },
  signal?: AbortSignal,
): Promise<DatastoreResult> {
  const result = obj(
    await ckan(
      'datastore_search',
      {
        resource_id: params.resourceId,
        limit: params.limit,
        offset: params.offset,
        fields: params.fields ? params.fields.join(',') : undefined,
        sort: params.sort,
      },
      signal,
    ),
    'datastore_search',
  );
  return {
    fields: arr(result.fields, 'fields')
      .map((f) => ({ id: String((f as Obj).id), type: String((f as Obj).type) }))
      .filter((f) => f.id !== '_id'),
    records: arr(result.records, 'records') as Record<string, unknown>[],
    total: num(result.total) ?? 0,
  };
}

export interface Kpi {
  openDatasets: number;
  target2027: number;
  target2030: number;
  approvedApps: number;
  appsTarget: number;
}

export async function getKpi(signal?: AbortSignal): Promise<Kpi> {
  const k = obj(await apiFetch('/api/opendata/kpi', { signal }), 'kpi');
  return {
    openDatasets: num(k.openDatasets) ?? 0,
    target2027: num(k.target2027) ?? 100,
    target2030: num(k.target2030) ?? 200,
    approvedApps: num(k.approvedApps) ?? 0,
    appsTarget: num(k.target) ?? 10,
  };
}

export interface PortalApp {
  id: string;
  name: string;
  description: string;
  url: string;
  developerName: string;
}

export async function listApps(signal?: AbortSignal): Promise<PortalApp[]> {
  return arr(await apiFetch('/api/opendata/apps', { signal }), 'apps').map((a) => {
    const x = obj(a, 'app');
    return { id: String(x.id), name: String(x.name ?? ''), description: String(x.description ?? ''), url: String(x.url ?? ''), developerName: String(x.developerName ?? '') };
  });
}

export interface PublicColumn {
  name: string;
  title: string;
  type: string;
  unit: string | null;
  codeList: string | null;
}

export interface PublicQuality {
  validity: number;
  completeness: number;
  uniqueness: number;
  freshness: number;
  score: number;
}

/** Column titles and the four quality scores, from the catalogue (open datasets are readable anonymously). */
export async function getPublicDetails(slug: string, signal?: AbortSignal): Promise<{ columns: PublicColumn[]; quality: PublicQuality | null; rowCount: number | null }> {
  const d = obj(await apiFetch(`/api/catalog/datasets/${encodeURIComponent(slug)}`, { signal }), 'dataset');
  const columns = (Array.isArray(d.columns) ? d.columns : []).map((c) => {
    const x = c as Obj;
    return { name: String(x.name), title: String(x.title ?? x.name), type: String(x.type ?? 'text'), unit: str(x.unit), codeList: str(x.codeList) };
  });
  const q = d.quality && typeof d.quality === 'object' ? (d.quality as Obj) : null;
  const scores = q ? [q.validity, q.completeness, q.uniqueness, q.freshness].map(num) : [];
  const quality =
    q && scores.every((s) => s !== null)
      ? { validity: scores[0]!, completeness: scores[1]!, uniqueness: scores[2]!, freshness: scores[3]!, score: num(q.score) ?? (scores[0]! + scores[1]! + scores[2]! + scores[3]!) / 4 }
      : null;
  return { columns, quality, rowCount: num(d.rowCount) };
}

export interface Usage {
  views: number;
  downloads: number;
  apiCalls: number;
}

export async function getUsage(slug: string, signal?: AbortSignal): Promise<Usage> {
  const u = obj(await apiFetch(`/api/opendata/datasets/${encodeURIComponent(slug)}/usage`, { signal }), 'usage');
  return { views: num(u.views) ?? 0, downloads: num(u.downloads) ?? 0, apiCalls: num(u.apiCalls) ?? 0 };
}

/** The streamed download of the published version (CSV UTF-8 with BOM, XLSX, JSON, GeoJSON). */
export function downloadUrl(slug: string, format: 'csv' | 'xlsx' | 'json' | 'geojson'): string {
  return `/api/opendata/datasets/${encodeURIComponent(slug)}/download/${format}`;
}
