import type { Db, Queryable } from '../../core/db/index.js';
import { authorize, type Principal } from '../../core/auth/index.js';
import { AppError, invalid, notFound, type FieldProblem } from '../../core/errors.js';
import { ruleProblems, type DictionaryService } from '../dictionary/index.js';
import type { AgencyQuality, ColumnSpec, Dataset, DatasetInput, DatasetPatch, QualityScores } from './model.js';
import { contentAccess, visibleTo } from './policy.js';
import { PLANNED } from './seed-data.js';
import { CatalogStore, type DatasetRecord, type FacetRow, type Where } from './store.js';
import { THEME_CODES, THEMES, euThemeUri, type ThemeCode } from './themes.js';

/** Most columns a dataset may have (the warehouse table needs room for its system columns). */
const MAX_COLUMNS = 1500;

/** What the catalogue needs from the rest of the platform, given at composition. */
export interface CatalogDeps {
  dictionary: DictionaryService;
  /** True when an organisation with this id exists (org module). */
  orgExists(id: string): Promise<boolean>;
}

export interface SearchParams {
  q?: string;
  theme?: string[];
  publisher?: string[];
  importance?: string[];
  access?: string[];
  status?: string[];
  limit?: number;
  offset?: number;
}

/** A dataset opened for reading its content, with the columns the caller sees masked. */
export interface DatasetContent {
  dataset: Dataset;
  /**
   * Personal-data columns the caller may not see in clear: masked in every value that leaves, and
   * refused in search, filters, sort and grouping (else a guessed value could be confirmed).
   */
  masked: ReadonlySet<string>;
  /** Every personal-data column of the dataset, whoever asks: what may never be published as a group or dimension. */
  personal: ReadonlySet<string>;
}

export type FacetName = FacetRow['facet'];
export interface SearchPage {
  total: number;
  limit: number;
  offset: number;
  items: (Dataset & { rank: number | null })[];
  facets: Record<FacetName, { value: string; label: string | null; count: number }[]>;
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,80}$/;
const COLUMN_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const nfc = (s: string | null | undefined): string | null => (s === undefined || s === null || s.trim() === '' ? null : s.normalize('NFC').trim());
const notFoundDataset = (idOrSlug: string) => notFound({ vi: `Không có tập dữ liệu ${idOrSlug}`, en: `No dataset ${idOrSlug}` });

/**
 * The catalogue of datasets (Danh mục CSDL): DCAT-AP metadata, Law-on-Data classes, schemas bound
 * to the dictionary, search with facets. Every read takes the acting principal and filters by the
 * visibility rule of `policy.ts` inside the SQL; writes are for stewards of the publisher agency
 * and administrators.
 */
export class CatalogService {
  private readonly store: CatalogStore;

  constructor(private readonly db: Db, private readonly deps: CatalogDeps) {
    this.store = new CatalogStore(db);
  }

  /** The fixed theme vocabulary, with labels in both languages and the EU data theme. */
  themes(): { code: ThemeCode; vi: string; en: string; euTheme: string }[] {
    return THEMES.map((t) => ({ code: t.code, vi: t.vi, en: t.en, euTheme: euThemeUri(t.eu) }));
  }

  /**
   * A dataset by id or slug, if the caller may see it.
   * @throws AppError NOT_FOUND when it does not exist or is not visible to the caller (the same answer, so existence does not leak)
   */
  async getDataset(actor: Principal, idOrSlug: string): Promise<Dataset> {
    const d = await this.store.get(idOrSlug, visibleTo(actor, 1));
    if (!d) throw notFoundDataset(idOrSlug);
    return d;
  }

  /**
   * Opens a dataset's content (rows, versions, diffs, exports) for the caller: the one gate that every
   * route and command returning dataset content goes through, applying {@link contentAccess}, and the
   * one place that decides which columns the caller sees masked.
   * @throws AppError UNAUTHENTICATED / FORBIDDEN without `data:read`; NOT_FOUND when the caller may not
   *   see the dataset; LDOP_AGREEMENT_REQUIRED for another agency's shared dataset.
   */
  async openContent(actor: Principal, idOrSlug: string): Promise<DatasetContent> {
    authorize(actor, 'data:read');
    const dataset = await this.getDataset(actor, idOrSlug);
    const access = contentAccess(actor, dataset);
    if (!access.read) {
      throw new AppError('LDOP_AGREEMENT_REQUIRED', {
        vi: `Tập dữ liệu “${dataset.title}” thuộc cơ quan khác: hãy gửi yêu cầu thỏa thuận chia sẻ dữ liệu (LDOP) để đọc dữ liệu của tập này`,
        en: `Dataset "${dataset.title}" belongs to another agency: request an LDOP sharing agreement to read its data`,
      }, { dataset: dataset.slug });
    }
    const personal = await this.personalColumns(dataset);
    return { dataset, masked: access.unmasked ? new Set() : personal, personal };
  }

  /** Columns bound to a dictionary element that holds personal data (Decree 13/2023). */
  private async personalColumns(ds: Dataset): Promise<Set<string>> {
    const codes = ds.columns.map((c) => c.elementCode).filter((x): x is string => !!x);
    if (!codes.length) return new Set();
    const personal = new Set((await this.deps.dictionary.getElements(codes)).filter((e) => e.personalData !== 'none').map((e) => e.code));
    return new Set(ds.columns.filter((c) => c.elementCode && personal.has(c.elementCode)).map((c) => c.name));
  }

  /**
   * Full-text search and listing with facets. Words match with or without diacritics
   * ("san luong" finds "Sản lượng"), typos are caught by trigram word similarity, and the result is
   * ranked title first. Visibility is part of the SQL condition, so lists, totals and facets never
   * count a dataset the caller may not see.
   */
  async search(actor: Principal, p: SearchParams = {}): Promise<SearchPage> {
    const params: unknown[] = [];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const visible = visibleTo(actor, 1);
    params.push(...visible.params);
    const conds = [visible.sql];
    let rank = 'NULL::float8';
    const q = p.q?.normalize('NFC').trim();
    if (q) {
      const fq = `provdata_fold(${bind(q)})`;
      const tsq = `plainto_tsquery('simple', ${fq})`;
      conds.push(`(d.search_tsv @@ ${tsq} OR ${fq} <% d.search_all)`);
      rank = `(ts_rank_cd(d.search_tsv, ${tsq}) + word_similarity(${fq}, d.search_title) + 0.5 * word_similarity(${fq}, d.search_all) + similarity(${fq}, provdata_fold(d.title)))`;
    }
    const anyOf = (column: string, values: string[] | undefined, cast = 'text[]') => {
      if (values?.length) conds.push(`${column} = ANY(${bind(values)}::${cast})`);
    };
    if (p.theme?.length) conds.push(`d.themes && ${bind(p.theme)}::text[]`);
    anyOf('d.publisher_org_id', p.publisher);
    anyOf('d.importance', p.importance);
    anyOf('d.access', p.access);
    anyOf('d.status', p.status);
    const where: Where = { sql: conds.join(' AND '), params };
    const limit = Math.min(Math.max(p.limit ?? 20, 1), 100);
    const offset = Math.max(p.offset ?? 0, 0);
    const [page, facetRows] = [await this.store.search(where, rank, limit, offset), await this.store.facets(where)];
    const themeLabel = new Map<string, string>(THEMES.map((t) => [t.code, t.vi]));
    const facets: SearchPage['facets'] = { theme: [], publisher: [], importance: [], access: [], status: [] };
    for (const f of facetRows) facets[f.facet].push({ value: f.value, label: f.facet === 'theme' ? themeLabel.get(f.value) ?? null : null, count: f.count });
    return { total: page.total, limit, offset, items: page.items, facets };
  }

  /**
   * Registers a dataset. Stewards register for their own agency, administrators for any.
   * @throws AppError FORBIDDEN, VALIDATION_FAILED, CONFLICT (slug taken)
   */
  async createDataset(actor: Principal, input: DatasetInput): Promise<Dataset> {
    authorize(actor, 'catalog:write', { orgId: input.publisherOrgId });
    const record = this.record(input);
    await this.checkMetadata(record);
    await this.checkColumns(record.columns);
    const d = await this.store.insert(record, actor.id);
    return d!;
  }

  /**
   * Changes metadata (not the schema). Moving a dataset to another publisher needs the right to
   * write for both agencies. @throws AppError NOT_FOUND, FORBIDDEN, VALIDATION_FAILED
   */
  async updateDataset(actor: Principal, idOrSlug: string, patch: DatasetPatch): Promise<Dataset> {
    const cur = await this.getDataset(actor, idOrSlug);
    authorize(actor, 'catalog:write', { orgId: cur.publisherOrgId });
    if (patch.publisherOrgId) authorize(actor, 'catalog:write', { orgId: patch.publisherOrgId });
    const merged: DatasetInput = {
      ...cur,
      ...patch,
      slug: cur.slug,
      columns: cur.columns,
      contact: patch.contact ? { ...cur.contact, ...patch.contact } : cur.contact,
      temporal: patch.temporal ? { ...cur.temporal, ...patch.temporal } : cur.temporal,
    };
    const record = this.record(merged);
    await this.checkMetadata(record);
    return this.store.updateMetadata(cur.id, record);
  }

  /**
   * Replaces the ordered column schema. Columns bound to dictionary elements must agree with the
   * element's type; key columns must be required. @throws AppError NOT_FOUND, FORBIDDEN, VALIDATION_FAILED
   */
  async setSchema(actor: Principal, datasetId: string, columns: ColumnSpec[]): Promise<Dataset> {
    const cur = await this.getDataset(actor, datasetId);
    authorize(actor, 'catalog:write', { orgId: cur.publisherOrgId });
    const cols = normaliseColumns(columns);
    await this.checkColumns(cols);
    return this.store.setColumns(cur.id, cols);
  }

  /**
   * Notes a newly loaded version on the dataset (latest version, load time, rows, quality) inside
   * the caller's transaction, so the catalogue and the warehouse never disagree. A planned dataset
   * becomes active. @throws AppError NOT_FOUND
   */
  async noteVersion(tx: Queryable, datasetId: string, v: { version: number; loadedAt: Date; rows: number; quality: QualityScores }): Promise<void> {
    if (!(await this.store.with(tx).noteVersion(datasetId, v))) throw notFoundDataset(datasetId);
  }

  /** Mean quality scores and overdue datasets per publisher agency (aggregates only; no dataset is named). */
  qualityByAgency(): Promise<AgencyQuality[]> {
    return this.store.qualityByAgency();
  }

  /**
   * First-run seed: the strategy's own list as planned entries — the 14 specialised databases of
   * Appendix 3 and the 13 key national databases. Idempotent by slug; later edits are kept.
   */
  async seed(): Promise<{ created: number }> {
    return this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      let created = 0;
      for (const e of PLANNED) {
        const d = await store.insert(this.record({ ...e, status: 'planned', updateFrequency: 'irregular', licence: e.access === 'open' ? 'CC-BY-4.0' : 'none' }), null, true);
        if (d) created++;
      }
      return { created };
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  private record(i: DatasetInput): DatasetRecord {
    const communes = i.spatial?.scope === 'communes' ? [...new Set(i.spatial.communes ?? [])] : [];
    return {
      slug: i.slug,
      title: i.title.normalize('NFC').trim(),
      titleEn: nfc(i.titleEn),
      description: nfc(i.description),
      descriptionEn: nfc(i.descriptionEn),
      keywords: [...new Set((i.keywords ?? []).map((k) => k.normalize('NFC').trim()).filter(Boolean))],
      themes: [...new Set(i.themes ?? [])],
      publisherOrgId: i.publisherOrgId,
      contact: { name: nfc(i.contact?.name), email: nfc(i.contact?.email) },
      spatial: communes.length ? { scope: 'communes', communes } : { scope: 'province', communes: [] },
      temporal: { start: i.temporal?.start ?? null, end: i.temporal?.end ?? null },
      updateFrequency: i.updateFrequency ?? 'irregular',
      licence: i.licence ?? 'none',
      accessRights: nfc(i.accessRights),
      importance: i.importance ?? 'other',
      access: i.access ?? 'private',
      personalData: i.personalData ?? false,
      ownerId: i.ownerId ?? null,
      stewardId: i.stewardId ?? null,
      status: i.status ?? 'active',
      plannedCompletion: nfc(i.plannedCompletion),
      sourceRef: nfc(i.sourceRef),
      columns: normaliseColumns(i.columns ?? []),
    };
  }

  /** Rules of the Law on Data and of consistency. @throws AppError VALIDATION_FAILED */
  private async checkMetadata(d: DatasetRecord): Promise<void> {
    const problems: FieldProblem[] = [];
    if (!SLUG.test(d.slug)) problems.push({ field: 'slug', message: 'Định danh chỉ gồm chữ thường không dấu, số và gạch nối (2–81 ký tự)' });
    const badThemes = d.themes.filter((t) => !THEME_CODES.includes(t));
    if (badThemes.length) problems.push({ field: 'themes', message: `Lĩnh vực không có trong bộ từ vựng: ${badThemes.join(', ')}` });
    if (d.access === 'open' && d.personalData) {
      problems.push({ field: 'access', message: 'Tập dữ liệu chứa dữ liệu cá nhân không được phân loại là dữ liệu mở' });
    }
    if (d.temporal.start && d.temporal.end && d.temporal.start > d.temporal.end) {
      problems.push({ field: 'temporal', message: 'Ngày bắt đầu sau ngày kết thúc' });
    }
    if (d.spatial.communes.length) {
      const known = await this.deps.dictionary.codeListValues('communes');
      const bad = d.spatial.communes.filter((c) => !known.has(c));
      if (bad.length) problems.push({ field: 'spatial.communes', message: `Mã xã/phường không có trong danh mục: ${bad.slice(0, 10).join(', ')}` });
    }
    if (!(await this.deps.orgExists(d.publisherOrgId))) problems.push({ field: 'publisherOrgId', message: `Cơ quan “${d.publisherOrgId}” không tồn tại` });
    if (problems.length) throw invalid({ vi: problems.map((p) => p.message).join('; '), en: 'Invalid dataset metadata' }, problems);
  }

  /** Checks a column schema against itself and the dictionary. @throws AppError VALIDATION_FAILED */
  private async checkColumns(cols: ColumnSpec[]): Promise<void> {
    // PostgreSQL allows 1,600 columns per table; the warehouse adds its system columns on top.
    if (cols.length > MAX_COLUMNS) {
      throw invalid({ vi: `Tập dữ liệu có quá nhiều cột (${cols.length}; tối đa ${MAX_COLUMNS})`, en: `Too many columns (${cols.length}; at most ${MAX_COLUMNS})` });
    }
    const problems: FieldProblem[] = [];
    const names = new Set<string>();
    const elements = new Map((await this.deps.dictionary.getElements(cols.map((c) => c.elementCode).filter((x): x is string => !!x))).map((e) => [e.code, e]));
    const lists = new Set((await this.deps.dictionary.listCodeLists()).map((l) => l.code));
    cols.forEach((c, i) => {
      const f = `columns[${i}]`;
      if (!COLUMN_NAME.test(c.name)) problems.push({ field: `${f}.name`, message: `Tên cột “${c.name}” không hợp lệ (chữ thường không dấu, số, gạch dưới)` });
      if (names.has(c.name)) problems.push({ field: `${f}.name`, message: `Tên cột “${c.name}” bị trùng` });
      names.add(c.name);
      if (c.key && !c.required) problems.push({ field: `${f}.key`, message: `Cột khóa “${c.name}” phải là cột bắt buộc` });
      if (c.elementCode) {
        const e = elements.get(c.elementCode);
        if (!e) problems.push({ field: `${f}.elementCode`, message: `Không có phần tử dữ liệu ${c.elementCode} trong từ điển` });
        else if (e.status === 'deprecated') problems.push({ field: `${f}.elementCode`, message: `Phần tử ${c.elementCode} đã ngừng sử dụng` });
        else if (e.type !== c.type) problems.push({ field: `${f}.type`, message: `Cột “${c.name}” kiểu ${c.type} khác kiểu ${e.type} của phần tử ${e.code}` });
      }
      if (c.codeList && !lists.has(c.codeList)) problems.push({ field: `${f}.codeList`, message: `Danh mục “${c.codeList}” không tồn tại` });
      if (c.type !== 'json') problems.push(...ruleProblems(c.rules, c.type, `${f}.rules`));
    });
    if (problems.length) throw invalid({ vi: problems.map((p) => p.message).join('; '), en: 'Invalid dataset schema' }, problems);
  }
}

function normaliseColumns(columns: ColumnSpec[]): ColumnSpec[] {
  return columns.map((c) => ({
    name: c.name, title: c.title.normalize('NFC').trim(), type: c.type, elementCode: c.elementCode ?? null, required: !!c.required, key: !!c.key,
    unit: nfc(c.unit), codeList: nfc(c.codeList), rules: c.rules ?? {},
  }));
}
