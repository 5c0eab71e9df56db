/**
 * The warehouse's HTTP contract as the web app sees it: catalogue, ingestion and versioned reads.
 * Answers are checked at the edge (shape, not every field) so a contract break shows as a clear
 * error instead of an `undefined` deep in a component.
 */
import { ApiError, apiErrorFrom, apiFetch, baseHeaders, currentCsrfToken } from '../api.ts';
import { arr, contractBreak, obj, type Obj } from '../shape.ts';

export interface QualityScores {
  validity: number;
  completeness: number;
  uniqueness: number;
  freshness: number;
  score: number;
}

export interface ColumnSpec {
  name: string;
  title: string;
  type: string;
  elementCode: string | null;
  required: boolean;
  key: boolean;
  unit: string | null;
  codeList: string | null;
}

export interface Dataset {
  id: string;
  slug: string;
  title: string;
  titleEn: string | null;
  description: string | null;
  descriptionEn: string | null;
  keywords: string[];
  themes: string[];
  publisherOrgId: string;
  contact: { name: string | null; email: string | null };
  spatial: { scope: string; communes: string[] };
  temporal: { start: string | null; end: string | null };
  updateFrequency: string;
  licence: string;
  accessRights: string | null;
  importance: string;
  access: string;
  personalData: boolean;
  status: string;
  plannedCompletion: string | null;
  sourceRef: string | null;
  columns: ColumnSpec[];
  latestVersion: number | null;
  lastLoadedAt: string | null;
  rowCount: number | null;
  quality: QualityScores | null;
  createdAt: string;
  updatedAt: string;
}

export interface FacetValue {
  value: string;
  label: string | null;
  count: number;
}

export const FACETS = ['theme', 'publisher', 'importance', 'access', 'status'] as const;
export type Facet = (typeof FACETS)[number];

export interface SearchResult {
  total: number;
  limit: number;
  offset: number;
  items: Dataset[];
  facets: Record<Facet, FacetValue[]>;
}

export interface Theme {
  code: string;
  vi: string;
  en: string;
}

export interface Org {
  id: string;
  name: string;
  nameEn: string | null;
  shortName: string | null;
}

export interface AgencyQuality {
  orgId: string;
  datasets: number;
  scored: number;
  overdue: number;
  validity: number | null;
  completeness: number | null;
  uniqueness: number | null;
  freshness: number | null;
  score: number | null;
}

export interface Upload {
  id: string;
  sha256: string;
  size: number;
  filename: string;
}

export interface PreviewColumn {
  header: string;
  type: string;
  hint: string | null;
  element: { code: string; name: string } | null;
  /** Sample values that do not fit `type`: each will be a reject with its reason. */
  exceptions: { line: number; value: string }[];
}

// What structure recognition reports, typed once on the server (a renamed field fails this side's type check).
import type { LeftOutRow, Reason, RoleOverride, TableStructure, TotalCheck } from '../../../src/modules/ingest/parse/structure.ts';
export type { LeftOutRow, Reason, RoleOverride, TotalCheck };

export type StructureReport = Pick<TableStructure, 'leftOut' | 'leftOutCount' | 'totals' | 'groupColumn' | 'warnings'>;

export interface SheetTable {
  name: string;
  hidden: boolean;
  headers: string[];
  headerLine: number | null;
  dataRows: number;
  leftOut: number;
  error: Reason | null;
}

export interface Unpivot {
  from: string;
  to: string;
  into: [string, string];
}

export interface Preview {
  format: string;
  encoding: string | null;
  sheet: string | null;
  sheets: string[];
  sheetTables: SheetTable[];
  headerLine: number | null;
  headers: string[];
  /** The file's own headers (with the period columns an unpivot turns into rows). */
  wideHeaders: string[];
  columns: PreviewColumn[];
  rows: string[][];
  rowLines: number[];
  rowLabels: string[];
  dataRows: number;
  structure: StructureReport;
  template: { overrides: RoleOverride[]; remembered: boolean };
}

const emptyStructure = (): StructureReport => ({ leftOut: [], leftOutCount: 0, totals: [], groupColumn: null, warnings: [] });

export type LoadMode = 'replace' | 'append' | 'upsert';

export interface Reject {
  line: number;
  column: string | null;
  value: string | null;
  vi: string;
  en: string;
}

export interface IngestSummary {
  runId: string;
  dataset: string;
  status: 'loaded' | 'rejected';
  version: number | null;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  format: string;
  encoding: string | null;
  quality: QualityScores;
  rejects: Reject[];
  structure: StructureReport;
  /** đúng problems beyond single cells: a total that is not the sum of its rows. */
  problems: (Reason & { column: string; stated: number; computed: number })[];
}

export interface VersionInfo {
  version: number;
  mode: string;
  rowsLoaded: number | null;
  rowCount: number | null;
  added: number | null;
  removed: number | null;
  createdBy: string | null;
  createdByName: string | null;
  createdAt: string;
  source: string | null;
}

export interface RowsPage {
  rows: Record<string, unknown>[];
  total: number;
  /** `masked`: personal data shown masked to this user; it cannot be searched or sorted on. */
  columns: { name: string; title: string; type: string; masked?: boolean }[];
}

export interface DiffResult {
  counts: { added: number; removed: number; changed: number };
  added: Record<string, unknown>[];
  removed: Record<string, unknown>[];
  changed: unknown[];
}

export interface LineageEntry {
  version: number;
  createdAt: string;
  createdBy: string | null;
  createdByName: string | null;
  mode: string;
  upload: { filename: string; sha256: string; size: number; uploadedAt: string | null } | null;
  run: { id: string; rowsRead: number; rowsRejected: number; quality: QualityScores | null } | null;
}

// ---- Shape checks ------------------------------------------------------------------------------

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

function quality(value: unknown): QualityScores | null {
  if (typeof value !== 'object' || value === null) return null;
  const q = value as Obj;
  const [validity, completeness, uniqueness, freshness, score] = [q.validity, q.completeness, q.uniqueness, q.freshness, q.score].map(num);
  if (validity == null || completeness == null || uniqueness == null || freshness == null) return null;
  return { validity, completeness, uniqueness, freshness, score: score ?? (validity + completeness + uniqueness + freshness) / 4 };
}

function dataset(value: unknown): Dataset {
  const d = obj(value, 'dataset');
  if (typeof d.slug !== 'string' || typeof d.title !== 'string') throw contractBreak('dataset');
  return { ...(d as unknown as Dataset), columns: Array.isArray(d.columns) ? (d.columns as ColumnSpec[]) : [], quality: quality(d.quality) };
}

// ---- Catalogue ---------------------------------------------------------------------------------

export interface SearchParams {
  q: string;
  filters: Partial<Record<Facet, string[]>>;
  limit: number;
  offset: number;
}

/** Searches the catalogue; the server folds diacritics and tolerates typos. */
export async function searchDatasets(params: SearchParams, signal?: AbortSignal): Promise<SearchResult> {
  const qs = new URLSearchParams();
  if (params.q.trim()) qs.set('q', params.q.trim());
  for (const facet of FACETS) for (const value of params.filters[facet] ?? []) qs.append(facet, value);
  qs.set('limit', String(params.limit));
  qs.set('offset', String(params.offset));
  const body = obj(await apiFetch(`/api/catalog/datasets?${qs}`, { signal }), 'search');
  const facets = obj(body.facets ?? {}, 'facets');
  return {
    total: num(body.total) ?? 0,
    limit: num(body.limit) ?? params.limit,
    offset: num(body.offset) ?? params.offset,
    items: arr(body.items, 'items').map(dataset),
    facets: Object.fromEntries(FACETS.map((f) => [f, Array.isArray(facets[f]) ? (facets[f] as FacetValue[]) : []])) as Record<Facet, FacetValue[]>,
  };
}

export async function getDataset(slug: string, signal?: AbortSignal): Promise<Dataset> {
  return dataset(await apiFetch(`/api/catalog/datasets/${encodeURIComponent(slug)}`, { signal }));
}

/** @throws ApiError VALIDATION_FAILED, FORBIDDEN … from the catalogue. */
export async function updateDataset(slug: string, patch: { title?: string }): Promise<Dataset> {
  return dataset(await apiFetch(`/api/catalog/datasets/${encodeURIComponent(slug)}`, { method: 'PATCH', body: patch }));
}

export async function listThemes(signal?: AbortSignal): Promise<Theme[]> {
  return arr(await apiFetch('/api/catalog/themes', { signal }), 'themes') as Theme[];
}

export async function listOrgs(signal?: AbortSignal): Promise<Org[]> {
  return arr(await apiFetch('/api/orgs', { signal }), 'orgs').map((o) => {
    const r = obj(o, 'org');
    return { id: String(r.id), name: str(r.name) ?? String(r.id), nameEn: str(r.nameEn), shortName: str(r.shortName) };
  });
}

/** Users by id, for naming who loaded a version. Administrators only (`user:read`). */
export async function listUserNames(signal?: AbortSignal): Promise<Map<string, string>> {
  const users = arr(await apiFetch('/api/users', { signal }), 'users');
  return new Map(
    users.map((u) => {
      const r = obj(u, 'user');
      return [String(r.id), str(r.displayName) ?? str(r.username) ?? String(r.id)];
    }),
  );
}

export async function qualityByAgency(signal?: AbortSignal): Promise<AgencyQuality[]> {
  return arr(await apiFetch('/api/catalog/quality', { signal }), 'quality') as AgencyQuality[];
}

// ---- Ingestion ---------------------------------------------------------------------------------

export interface UploadHandle {
  promise: Promise<Upload>;
  cancel(): void;
}

/**
 * Sends a file as the raw body of `POST /api/uploads`. XMLHttpRequest rather than fetch: only it
 * reports upload progress, which a steward on a slow link needs for a 100 MB spreadsheet.
 * The promise rejects with an ApiError (code 'aborted' after {@link UploadHandle.cancel}).
 */
export function uploadFile(file: File, onProgress: (loaded: number, total: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Upload>((resolve, reject) => {
    xhr.open('POST', `/api/uploads?filename=${encodeURIComponent(file.name)}`);
    for (const [name, value] of Object.entries(baseHeaders())) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    const token = currentCsrfToken();
    if (token) xhr.setRequestHeader('x-csrf-token', token);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      const type = xhr.getResponseHeader('content-type') ?? '';
      if (xhr.status < 200 || xhr.status >= 300) {
        reject(apiErrorFrom(xhr.status, type, xhr.responseText, xhr.statusText));
        return;
      }
      try {
        const u = obj(JSON.parse(xhr.responseText), 'upload');
        onProgress(file.size, file.size);
        resolve({ id: String(u.id), sha256: String(u.sha256), size: num(u.size) ?? file.size, filename: str(u.filename) ?? file.name });
      } catch (error) {
        reject(error instanceof ApiError ? error : contractBreak('upload'));
      }
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network', message: 'Network error' }));
    xhr.onabort = () => reject(new ApiError({ status: 0, code: 'aborted', message: 'Upload cancelled' }));
    xhr.send(file);
  });
  return { promise, cancel: () => xhr.abort() };
}

export async function previewUpload(
  uploadId: string,
  sheet: string | null,
  signal?: AbortSignal,
  shape: { overrides?: RoleOverride[] | null; unpivot?: Unpivot | null } = {},
): Promise<Preview> {
  const qs = new URLSearchParams({ rows: '50' });
  if (sheet) qs.set('sheet', sheet);
  if (shape.overrides) qs.set('overrides', JSON.stringify(shape.overrides));
  if (shape.unpivot) {
    qs.set('unpivotFrom', shape.unpivot.from);
    qs.set('unpivotTo', shape.unpivot.to);
    qs.set('into', shape.unpivot.into.join(','));
  }
  const p = obj(await apiFetch(`/api/uploads/${encodeURIComponent(uploadId)}/preview?${qs}`, { signal }), 'preview');
  return {
    format: str(p.format) ?? '?',
    encoding: str(p.encoding),
    sheet: str(p.sheet),
    sheets: Array.isArray(p.sheets) ? p.sheets.filter((s): s is string => typeof s === 'string') : [],
    headerLine: num(p.headerLine),
    headers: arr(p.headers, 'headers').map(String),
    wideHeaders: (Array.isArray(p.wideHeaders) ? p.wideHeaders : arr(p.headers, 'headers')).map(String),
    columns: (arr(p.columns, 'columns') as PreviewColumn[]).map((c) => ({ ...c, exceptions: Array.isArray(c.exceptions) ? c.exceptions : [] })),
    rows: arr(p.rows, 'rows') as string[][],
    rowLines: Array.isArray(p.rowLines) ? (p.rowLines as number[]) : [],
    rowLabels: Array.isArray(p.rowLabels) ? (p.rowLabels as string[]) : [],
    dataRows: num(p.dataRows) ?? 0,
    sheetTables: Array.isArray(p.sheetTables) ? (p.sheetTables as SheetTable[]) : [],
    structure: structureOf(p.structure),
    template: (p.template as Preview['template'] | undefined) ?? { overrides: [], remembered: false },
  };
}

function structureOf(value: unknown): StructureReport {
  return typeof value === 'object' && value !== null ? { ...emptyStructure(), ...(value as Partial<StructureReport>) } : emptyStructure();
}

export interface IngestRequest {
  dataset: string;
  uploadId: string;
  mode: LoadMode;
  validRowsOnly: boolean;
  sheet?: string;
  mapping?: Record<string, string | null>;
  create?: boolean;
  /** Title of the dataset `create` makes (the server's default is the file name). */
  title?: string;
  /** File headers that key a schema the server infers from the file. */
  keys?: string[];
  /** The steward's row decisions (remembered for the template). */
  overrides?: RoleOverride[];
  unpivot?: Unpivot;
}

/** Validates and loads an upload; a refused load is an answer (status 'rejected'), not an error. */
export async function runIngest(request: IngestRequest): Promise<IngestSummary> {
  const s = obj(await apiFetch('/api/ingest/runs', { method: 'POST', body: request }), 'ingest');
  return {
    runId: String(s.runId),
    dataset: String(s.dataset ?? request.dataset),
    status: s.status === 'loaded' ? 'loaded' : 'rejected',
    version: num(s.version),
    rowsRead: num(s.rowsRead) ?? 0,
    rowsLoaded: num(s.rowsLoaded) ?? 0,
    rowsRejected: num(s.rowsRejected) ?? 0,
    format: str(s.format) ?? '?',
    encoding: str(s.encoding),
    quality: quality(s.quality) ?? { validity: 0, completeness: 0, uniqueness: 0, freshness: 0, score: 0 },
    rejects: Array.isArray(s.rejects) ? (s.rejects as Reject[]) : [],
    structure: structureOf(s.structure),
    problems: Array.isArray(s.problems) ? (s.problems as IngestSummary['problems']) : [],
  };
}

export const rejectsCsvUrl = (runId: string) => `/api/ingest/runs/${encodeURIComponent(runId)}/rejects.csv`;

// ---- Warehouse reads ---------------------------------------------------------------------------

const datasetPath = (slug: string) => `/api/datasets/${encodeURIComponent(slug)}`;

export async function listVersions(slug: string, signal?: AbortSignal): Promise<VersionInfo[]> {
  return arr(await apiFetch(`${datasetPath(slug)}/versions`, { signal }), 'versions').map((v) => {
    const r = obj(v, 'version');
    return {
      version: num(r.version) ?? 0,
      mode: str(r.mode) ?? '',
      rowsLoaded: num(r.rowsLoaded),
      rowCount: num(r.rowCount),
      added: num(r.added),
      removed: num(r.removed),
      createdBy: str(r.createdBy),
      createdByName: str(r.createdByName),
      createdAt: str(r.createdAt) ?? '',
      source: str(r.source),
    };
  });
}

export interface RowsQuery {
  version: number | null;
  limit: number;
  offset: number;
  q: string;
  sort: string | null;
}

export async function listRows(slug: string, query: RowsQuery, signal?: AbortSignal): Promise<RowsPage> {
  const qs = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
  if (query.version !== null) qs.set('version', String(query.version));
  if (query.q.trim()) qs.set('q', query.q.trim());
  if (query.sort) qs.set('sort', query.sort);
  const body = obj(await apiFetch(`${datasetPath(slug)}/rows?${qs}`, { signal }), 'rows');
  return {
    rows: arr(body.rows, 'rows') as Record<string, unknown>[],
    total: num(body.total) ?? 0,
    columns: Array.isArray(body.columns) ? (body.columns as RowsPage['columns']) : [],
  };
}

export async function diffVersions(slug: string, from: number, to: number, signal?: AbortSignal): Promise<DiffResult> {
  const body = obj(await apiFetch(`${datasetPath(slug)}/diff?from=${from}&to=${to}`, { signal }), 'diff');
  const counts = obj(body.counts ?? {}, 'diff counts');
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return {
    counts: { added: num(counts.added) ?? 0, removed: num(counts.removed) ?? 0, changed: num(counts.changed) ?? 0 },
    added: list(body.added) as Record<string, unknown>[],
    removed: list(body.removed) as Record<string, unknown>[],
    changed: list(body.changed),
  };
}

export async function getLineage(slug: string, signal?: AbortSignal): Promise<LineageEntry[]> {
  return arr(await apiFetch(`${datasetPath(slug)}/lineage`, { signal }), 'lineage').map((e) => {
    const r = obj(e, 'lineage');
    const u = typeof r.upload === 'object' && r.upload !== null ? (r.upload as Obj) : null;
    const run = typeof r.run === 'object' && r.run !== null ? (r.run as Obj) : null;
    return {
      version: num(r.version) ?? 0,
      createdAt: str(r.createdAt) ?? '',
      createdBy: str(r.createdBy),
      createdByName: str(r.createdByName),
      mode: str(r.mode) ?? '',
      upload: u ? { filename: str(u.filename) ?? '?', sha256: str(u.sha256) ?? '', size: num(u.size) ?? 0, uploadedAt: str(u.uploadedAt) } : null,
      run: run ? { id: String(run.id), rowsRead: num(run.rowsRead) ?? 0, rowsRejected: num(run.rowsRejected) ?? 0, quality: quality(run.quality) } : null,
    };
  });
}
