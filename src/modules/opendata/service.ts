import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Db } from '../../core/db/index.js';
import { outsideRequest } from '../../core/audit/index.js';
import type { Job, JobQueue } from '../../core/jobs/index.js';
import { authorize, can, SYSTEM, type Principal } from '../../core/auth/index.js';
import { AppError, conflict, invalid, notFound } from '../../core/errors.js';
import type { CatalogService, Dataset } from '../catalog/index.js';
import { THEMES } from '../catalog/index.js';
import type { DictionaryService } from '../dictionary/index.js';
import type { QueryIndexReport, Row, WarehouseService, WhColumn, WhFilter, WhSort } from '../warehouse/index.js';
import { compileFq, compileSort, compileText, isFieldedQuery, searchQueryError } from './ckan-query.js';
import { CKAN_FORMATS, csvStream, DOWNLOAD_FORMATS, geojsonStream, jsonStream, MEDIA_TYPES, xlsxStream, type DownloadFormat, type OutColumn } from './downloads.js';
import { DeveloperKeys } from './developers.js';
import { PII_RULES, PiiScanner, type ScanReport } from './pii.js';
import { FACET_FIELDS, OpendataStore, hashKey, type AppRow, type FacetCounts, type FacetField, type PackageMeta, type PackageQuery, type PackageRow, type PublicationRow, type PublicationState, type ResourceRow } from './store.js';

/** CKAN's limits: package_search rows (ckan.search.rows_max) and datastore_search limit (ckan.datastore.search.rows_max). */
export const CKAN_ROWS_MAX = 1000;
export const DATASTORE_ROWS_MAX = 32000;
/** KPI targets of the Data Strategy (B.1, NV2.6 and B.4). */
export const KPI_TARGETS = { target2027: 100, target2030: 200, apps: 10 } as const;
/** The job that builds the query indexes of a dataset once a version of it is published. */
export const QUERY_INDEX_QUEUE = 'opendata.query-indexes';

export interface Organisation {
  id: string;
  name: string;
  nameEn: string | null;
  kind: string;
}

/** What the open data portal needs from the rest of the platform, given at composition. */
export interface OpendataDeps {
  db: Db;
  catalog: CatalogService;
  warehouse: WarehouseService;
  dictionary: DictionaryService;
  /** Every organisation (org module), for CKAN organisations and DCAT publishers. */
  organisations(): Promise<Organisation[]>;
  /** The province's communes (geo module), for the names of the `communes` facet; codes are shown without it. */
  communes?(): Promise<{ code: string; name: string }[]>;
  /** Requests per minute: anonymous callers (per address) and holders of a developer key. */
  rateLimits?: { anonymous: number; key: number };
  /** Display names of users (org module), so approvers see who proposed without reading the user list. */
  displayNames?(ids: string[]): Promise<Map<string, string>>;
  /**
   * The job queue: approving a publication enqueues the build of the dataset's query indexes
   * ({@link QUERY_INDEX_QUEUE}). Without it nothing is built (datastore_search stays correct, only slower).
   */
  jobs?: JobQueue;
  /** Where a failed write of the usage counters is reported (the counts are kept and written later). */
  logger?: Logger;
}

/** Payload of a {@link QUERY_INDEX_QUEUE} job. */
export interface QueryIndexJob {
  datasetId: string;
  version: number;
  /** Columns filtered by equality often enough to deserve a b-tree: bound to a code list, or keys. */
  equalityColumns: string[];
}

export interface Publication {
  id: string;
  datasetId: string;
  version: number;
  state: PublicationRow['state'];
  scan: ScanReport;
  proposedBy: string | null;
  proposedAt: string;
  note: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  publishedAt: string | null;
  unpublishedBy: string | null;
  unpublishedAt: string | null;
  /** In the history and the queue only. */
  proposedByName?: string | null;
}

/** A scan clears a version only when it read every row and found nothing. */
const passes = (scan: ScanReport) => scan.complete && scan.findings.length === 0;

function personalDataFound(findings: ScanReport['findings']): AppError {
  const cols = findings.map((f) => `${f.column} (${f.kinds.join(', ')})`).join('; ');
  return new AppError('CONFLICT', {
    vi: `Không công bố được: có dữ liệu cá nhân ở các cột ${cols}. Hãy xóa hoặc tổng hợp các cột này rồi đề nghị lại.`,
    en: `Cannot publish: personal data in columns ${cols}. Remove or aggregate them and propose again.`,
  }, { reason: 'personal-data', findings });
}

function scanIncomplete(rowsScanned: number): AppError {
  return new AppError('CONFLICT', {
    vi: `Không công bố được: lần quét dữ liệu cá nhân chưa đọc hết phiên bản (mới đọc ${rowsScanned.toLocaleString('vi-VN')} dòng). Hãy đề nghị công bố lại để quét toàn bộ.`,
    en: `Cannot publish: the personal-data scan did not read the whole version (${rowsScanned} rows read). Propose again to scan all of it.`,
  }, { reason: 'scan-incomplete', rowsScanned });
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
export const presentPublication = (p: PublicationRow): Publication => ({
  id: p.id, datasetId: p.dataset_id, version: Number(p.version), state: p.state, scan: p.scan, proposedBy: p.proposed_by, proposedAt: iso(p.proposed_at)!,
  note: p.note, decidedBy: p.decided_by, decidedAt: iso(p.decided_at), decisionNote: p.decision_note, publishedAt: iso(p.published_at),
  unpublishedBy: p.unpublished_by, unpublishedAt: iso(p.unpublished_at),
});

/** CKAN's "Validation Error" (HTTP 409 in CKAN) naming the parameter. */
export function ckanValidation(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', { vi: `${field}: ${message}`, en: `${field}: ${message}` }, { errors: [{ field, message }] });
}
const ckanNotFound = (what: string) => new AppError('NOT_FOUND', { vi: `Không tìm thấy ${what}`, en: `Not found: ${what}` });

const CKAN_TYPES: Record<string, string> = { text: 'text', integer: 'int', number: 'numeric', date: 'date', boolean: 'bool', geometry: 'json', json: 'json' };

/** A fixed window of calls per caller (a minute unless told), in memory (per instance: a shared limit needs the gateway's Redis/NATS later). */
class RateWindow {
  private readonly calls = new Map<string, { start: number; n: number }>();

  /** Seconds to wait when over the limit, else 0. */
  hit(key: string, limit: number, now = Date.now(), windowMs = 60_000): number {
    const start = Math.floor(now / windowMs) * windowMs;
    const w = this.calls.get(key);
    if (!w || w.start !== start) {
      if (this.calls.size > 50_000) this.calls.clear();
      this.calls.set(key, { start, n: 1 });
      return 0;
    }
    w.n++;
    return w.n > limit ? Math.ceil((start + windowMs - now) / 1000) : 0;
  }
}

/** Self-service keys one client address may create in an hour: enough for a team, not for a key farm. */
export const KEYS_PER_ADDRESS_HOUR = 10;

type Counter = 'views' | 'downloads' | 'apiCalls';

/**
 * The open data portal (Cổng dữ liệu mở): the publishing workflow with its personal-data gate, the
 * CKAN-compatible Action API, the DCAT-AP catalogue, streamed downloads, usage statistics,
 * developer keys with rate limits and the application showcase.
 *
 * Public reads never touch the catalogue: they read the snapshot an approver published
 * (`opendata_packages`), so "only published datasets are visible" holds by construction.
 */
export class OpendataService {
  private readonly store: OpendataStore;
  private readonly rate = new RateWindow();
  private readonly pending = new Map<string, Record<Counter, number>>();
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Gate scans in progress, by dataset and version, so concurrent downloads of an unchecked version share one. */
  private readonly gating = new Map<string, Promise<{ passed: boolean; scan: ScanReport }>>();
  /** Versions that passed the gate under the current rules (dataset|version). */
  private readonly passed = new Set<string>();
  readonly limits: { anonymous: number; key: number };
  /** Developer keys: issuing, the holder's view and revocation, the editors' list, calls per key and day. */
  readonly developers: DeveloperKeys;

  constructor(private readonly deps: OpendataDeps) {
    this.store = new OpendataStore(deps.db);
    this.limits = deps.rateLimits ?? { anonymous: 120, key: 1200 };
    this.developers = new DeveloperKeys(this.store, () => this.limits.key, () => this.flush());
    deps.jobs?.handle(QUERY_INDEX_QUEUE, (job) => this.runQueryIndexJob(job));
  }

  /** Organisations by id, cached for 30 s (they change rarely; every CKAN answer names them). */
  private orgCache: { at: number; map: Map<string, Organisation> } | null = null;
  private async orgMap(): Promise<Map<string, Organisation>> {
    if (!this.orgCache || Date.now() - this.orgCache.at > 30_000) {
      this.orgCache = { at: Date.now(), map: new Map((await this.deps.organisations()).map((o) => [o.id, o])) };
    }
    return this.orgCache.map;
  }

  // ---- publishing workflow ---------------------------------------------------------------------

  /**
   * A steward proposes a version of an open dataset for publication. The version is scanned for
   * personal data at once; the proposal is `blocked` (naming the columns) when anything is found,
   * else `pending` for an approver.
   * @throws AppError NOT_FOUND, FORBIDDEN, VALIDATION_FAILED (not open, no licence, personal data declared, no such version)
   */
  async propose(actor: Principal, dataset: string, opts: { version?: number; note?: string | null } = {}): Promise<Publication> {
    const ds = await this.deps.catalog.getDataset(actor, dataset);
    authorize(actor, 'opendata:publish', { orgId: ds.publisherOrgId });
    this.checkPublishable(ds);
    const version = opts.version ?? ds.latestVersion;
    const versions = await this.deps.warehouse.versions(ds.id);
    if (!version || !versions.some((v) => v.version === version)) {
      throw invalid({ vi: `Tập dữ liệu ${ds.slug} chưa có phiên bản ${version ?? ''} để công bố`, en: `Dataset ${ds.slug} has no version ${version ?? ''} to publish` }, [{ field: 'version', message: 'no such version' }]);
    }
    const scan = await this.scan(ds, version);
    const row = await this.store.insertPublication({
      datasetId: ds.id, version, state: passes(scan) ? 'pending' : 'blocked', scan, proposedBy: actor.id, note: opts.note?.normalize('NFC').trim() || null,
    });
    return presentPublication(row);
  }

  /**
   * Reads every row of the version and runs the personal-data recognisers over its column names and
   * values, and records the verdict for the version under the current rules. There is no row cap: a
   * scan that stopped early could clear a version whose personal data sits after the cap.
   */
  private async scan(ds: Dataset, version: number): Promise<ScanReport> {
    const elements = new Map((await this.deps.dictionary.getElements(ds.columns.map((c) => c.elementCode).filter((x): x is string => !!x))).map((e) => [e.code, e]));
    const scanner = new PiiScanner(ds.columns.map((c) => ({ name: c.name, title: c.title, personalData: c.elementCode ? elements.get(c.elementCode)?.personalData ?? null : null })));
    for await (const row of this.deps.warehouse.exportStream(ds.id, whColumns(ds), { version })) scanner.add(row);
    const report = scanner.report(true);
    await this.store.recordVersionCheck({ datasetId: ds.id, version, rules: PII_RULES, passed: passes(report), scan: report });
    return report;
  }

  /**
   * The gate's verdict on one version under the current rules: the recorded one, or a scan now for a
   * version never checked under them (published before the rules changed). Concurrent callers of the
   * same version share one scan.
   */
  private gate(datasetId: string, version: number): Promise<{ passed: boolean; scan: ScanReport }> {
    const key = `${datasetId}|${version}`;
    // A version's rows never change, so a pass under the rules of this process holds for its lifetime.
    if (this.passed.has(key)) return Promise.resolve({ passed: true, scan: { rowsScanned: 0, complete: true, findings: [], rules: PII_RULES } });
    let pending = this.gating.get(key);
    if (!pending) {
      pending = (async () => {
        let verdict = await this.store.versionCheck(datasetId, version, PII_RULES);
        if (!verdict) {
          const scan = await this.scan(await this.deps.catalog.getDataset(SYSTEM, datasetId), version);
          verdict = { passed: passes(scan), scan };
        }
        if (verdict.passed) this.passed.add(key);
        return verdict;
      })().finally(() => this.gating.delete(key));
      this.gating.set(key, pending);
    }
    return pending;
  }

  /**
   * Refuses to serve rows of a published version that does not pass the gate under today's rules
   * (downloads of any version, `datastore_search` of the live one).
   * @throws AppError CONFLICT (`reason: "version-not-cleared"`)
   */
  private async cleared(pkg: PackageRow, version: number): Promise<void> {
    const verdict = await this.gate(pkg.dataset_id, version);
    if (!verdict.passed) {
      throw new AppError('CONFLICT', {
        vi: `Phiên bản ${version} của ${pkg.name} không qua được kiểm tra dữ liệu cá nhân theo quy tắc hiện hành nên không được cung cấp`,
        en: `Version ${version} of ${pkg.name} does not pass the current personal-data check and is not served`,
      }, { reason: 'version-not-cleared', version });
    }
  }

  private checkPublishable(ds: Dataset): void {
    const problems: { field: string; message: string }[] = [];
    if (ds.access !== 'open') problems.push({ field: 'access', message: `Chỉ dữ liệu phân loại “mở” mới được công bố (hiện là “${ds.access}”)` });
    if (ds.licence === 'none') problems.push({ field: 'licence', message: 'Cần chọn giấy phép mở trước khi công bố' });
    if (ds.personalData) problems.push({ field: 'personalData', message: 'Tập dữ liệu được khai báo là có dữ liệu cá nhân' });
    if (ds.status === 'retired') problems.push({ field: 'status', message: 'Tập dữ liệu đã ngừng sử dụng' });
    if (problems.length) {
      throw new AppError('VALIDATION_FAILED', { vi: problems.map((p) => p.message).join('; '), en: 'Only active datasets classified open, with an open licence and no declared personal data, can be published' }, { errors: problems });
    }
  }

  /**
   * An approver publishes a pending proposal: the snapshot replaces the dataset's previous
   * publication (which becomes `superseded`) and appears in the public APIs at once.
   * @throws AppError NOT_FOUND, FORBIDDEN, CONFLICT (blocked by personal data, or already decided), VALIDATION_FAILED (no longer open)
   */
  async approve(actor: Principal, publicationId: string, note?: string | null): Promise<Publication> {
    const pub = await this.publicationFor(actor, publicationId);
    const ds = await this.deps.catalog.getDataset(actor, pub.dataset_id);
    authorize(actor, 'opendata:approve', { orgId: ds.publisherOrgId });
    if (pub.state === 'blocked' && pub.scan.findings.length) throw personalDataFound(pub.scan.findings);
    if (!pub.scan.complete) throw scanIncomplete(pub.scan.rowsScanned);
    if (pub.state !== 'pending') throw conflict({ vi: `Đề nghị đang ở trạng thái ${pub.state}`, en: `The proposal is ${pub.state}` });
    this.checkPublishable(ds);
    // A proposal made under older rules is scanned again: what is published has passed today's gate.
    const verdict = await this.gate(ds.id, pub.version);
    if (!verdict.passed) throw verdict.scan.findings.length ? personalDataFound(verdict.scan.findings) : scanIncomplete(verdict.scan.rowsScanned);
    const orgs = new Map((await this.deps.organisations()).map((o) => [o.id, o]));
    // Read everything before the transaction: PGlite has one connection, so a read outside `tx` inside it would wait forever.
    const pkg = await this.snapshot(ds, pub.version, pub.id, orgs.get(ds.publisherOrgId));
    const decided = await this.deps.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const live = await store.live(ds.id);
      if (live) await store.decide(live.id, ['published'], 'superseded', actor.id, null);
      const row = await store.decide(pub.id, ['pending'], 'published', actor.id, note?.normalize('NFC').trim() || null);
      if (!row) throw conflict({ vi: 'Đề nghị vừa được người khác xử lý', en: 'The proposal was decided meanwhile' });
      await store.upsertPackage(pkg);
      await store.ensureResources(ds.id, pkg.formats);
      // In the same transaction: the index build is queued if and only if the publication commits.
      const job: QueryIndexJob = { datasetId: ds.id, version: pub.version, equalityColumns: ds.columns.filter((c) => c.codeList || c.key).map((c) => c.name) };
      await this.deps.jobs?.enqueue(QUERY_INDEX_QUEUE, { ...job }, { maxAttempts: 5 }, tx);
      return row;
    });
    this.allFacetsCache = null;
    return presentPublication(decided);
  }

  /**
   * Builds the query indexes of a published dataset (see `WarehouseService.ensureQueryIndexes`): a
   * trigram index per text column for `q`, a b-tree per code-list or key column for `filters`.
   * Idempotent (existing indexes are kept); a dataset unpublished meanwhile is skipped.
   */
  async buildQueryIndexes(job: QueryIndexJob): Promise<QueryIndexReport | null> {
    const pkg = await this.store.package(job.datasetId);
    if (!pkg) return null;
    return this.deps.warehouse.ensureQueryIndexes(job.datasetId, job.equalityColumns);
  }

  private async runQueryIndexJob(job: Job): Promise<void> {
    const p = job.payload as Partial<QueryIndexJob>;
    if (typeof p.datasetId !== 'string' || !Array.isArray(p.equalityColumns)) return; // malformed: nothing to retry
    await this.buildQueryIndexes({ datasetId: p.datasetId, version: Number(p.version), equalityColumns: p.equalityColumns.map(String) });
  }

  /** Refuses a pending or blocked proposal. @throws AppError NOT_FOUND, FORBIDDEN, CONFLICT */
  async reject(actor: Principal, publicationId: string, note: string): Promise<Publication> {
    const pub = await this.publicationFor(actor, publicationId);
    const ds = await this.deps.catalog.getDataset(actor, pub.dataset_id);
    authorize(actor, 'opendata:approve', { orgId: ds.publisherOrgId });
    const row = await this.store.decide(pub.id, ['pending', 'blocked'], 'rejected', actor.id, note.normalize('NFC').trim());
    if (!row) throw conflict({ vi: `Đề nghị đang ở trạng thái ${pub.state}`, en: `The proposal is ${pub.state}` });
    return presentPublication(row);
  }

  /**
   * Takes a dataset off the portal and the APIs. The publication row stays (state `unpublished`,
   * who and when) so the history is kept. @throws AppError NOT_FOUND, FORBIDDEN
   */
  async unpublish(actor: Principal, dataset: string, note?: string | null): Promise<Publication> {
    const ds = await this.deps.catalog.getDataset(actor, dataset);
    authorize(actor, 'opendata:approve', { orgId: ds.publisherOrgId });
    const done = await this.deps.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const live = await store.live(ds.id);
      if (!live) throw notFound({ vi: `Tập dữ liệu ${ds.slug} không được công bố`, en: `Dataset ${ds.slug} is not published` });
      const row = await store.decide(live.id, ['published'], 'unpublished', actor.id, note ?? null);
      await store.deletePackage(ds.id);
      return presentPublication(row!);
    });
    this.allFacetsCache = null;
    return done;
  }

  /**
   * The approvers' queue: proposals in the given states (by default those waiting for a decision:
   * pending, and blocked ones an approver may reject), with their dataset, across the datasets the
   * approver may decide on (an administrator all, a leader their own agency's).
   */
  async queue(actor: Principal, states: readonly PublicationState[] = ['pending', 'blocked']): Promise<(Publication & { dataset: { slug: string; title: string; publisherOrgId: string } })[]> {
    authorize(actor, 'opendata:approve');
    const rows = await this.store.publicationsIn(states);
    const datasets = new Map<string, Dataset | null>();
    for (const id of new Set(rows.map((r) => r.dataset_id))) {
      datasets.set(id, await this.deps.catalog.getDataset(actor, id).catch((e: unknown) => {
        if (e instanceof AppError && (e.code === 'NOT_FOUND' || e.code === 'FORBIDDEN')) return null;
        throw e;
      }));
    }
    const mine = rows.filter((r) => {
      const ds = datasets.get(r.dataset_id);
      return ds && (actor.role === 'admin' || actor.kind === 'system' || ds.publisherOrgId === actor.orgId);
    });
    const named = await this.named(mine);
    return mine.map((r, i) => {
      const ds = datasets.get(r.dataset_id)!;
      return { ...named[i]!, dataset: { slug: ds.slug, title: ds.title, publisherOrgId: ds.publisherOrgId } };
    });
  }

  private async named(rows: PublicationRow[]): Promise<Publication[]> {
    const ids = [...new Set(rows.map((r) => r.proposed_by).filter((x): x is string => !!x))];
    const names = ids.length && this.deps.displayNames ? await this.deps.displayNames(ids) : new Map<string, string>();
    return rows.map((r) => ({ ...presentPublication(r), proposedByName: r.proposed_by ? names.get(r.proposed_by) ?? null : null }));
  }

  /** Every proposal and publication of a dataset, newest first. @throws AppError NOT_FOUND */
  async history(actor: Principal, dataset: string): Promise<Publication[]> {
    const ds = await this.deps.catalog.getDataset(actor, dataset);
    // Stewards who propose and approvers who decide both need the history of their agency's dataset.
    authorize(actor, can(actor, 'opendata:approve') ? 'opendata:approve' : 'opendata:publish', { orgId: ds.publisherOrgId });
    return this.named(await this.store.publications(ds.id));
  }

  private async publicationFor(actor: Principal, id: string): Promise<PublicationRow> {
    const pub = await this.store.publication(id);
    if (!pub) throw notFound({ vi: `Không có đề nghị công bố ${id}`, en: `No publication ${id}` });
    await this.deps.catalog.getDataset(actor, pub.dataset_id);
    return pub;
  }

  private async snapshot(ds: Dataset, version: number, publicationId: string, org: Organisation | undefined): Promise<Omit<PackageRow, 'metadata_modified'>> {
    const versions = await this.deps.warehouse.versions(ds.id);
    const v = versions.find((x) => x.version === version);
    const geometry = ds.columns.find((c) => c.type === 'geometry')?.name ?? null;
    const formats: string[] = ['CSV', 'JSON', 'XLSX', ...(geometry ? ['GeoJSON'] : [])];
    const meta: PackageMeta = {
      slug: ds.slug, titleEn: ds.titleEn, notesEn: ds.descriptionEn, keywords: ds.keywords, themes: ds.themes, orgName: org?.name ?? ds.publisherOrgId,
      orgNameEn: org?.nameEn ?? null, contact: ds.contact, spatial: ds.spatial, temporal: ds.temporal, frequency: ds.updateFrequency,
      accessRights: ds.accessRights, quality: ds.latestVersion === version ? ds.quality : null, rowCount: v?.rowCount ?? 0,
      columns: ds.columns.map((c) => ({ name: c.name, title: c.title, type: c.type, unit: c.unit })), versionCreatedAt: v?.createdAt ?? null, geometryColumn: geometry,
    };
    return {
      dataset_id: ds.id, publication_id: publicationId, name: ds.slug, title: ds.title, notes: ds.description, org_id: ds.publisherOrgId,
      tags: ds.keywords, groups: ds.themes, formats, license_id: ds.licence, version, meta, metadata_created: ds.createdAt,
    };
  }

  // ---- public reads -----------------------------------------------------------------------------

  /** A published package, or NOT_FOUND (unpublished and non-open datasets are simply not there). */
  async publishedPackage(idOrName: string): Promise<PackageRow> {
    const p = await this.store.package(idOrName);
    if (!p) throw ckanNotFound(`package ${idOrName.slice(0, 100)}`);
    return p;
  }

  /** KPI for the indicators work: open datasets against the 2027/2030 targets, approved applications against 10. */
  async kpi(): Promise<{ openDatasets: number; target2027: number; target2030: number; approvedApps: number; target: number }> {
    return {
      openDatasets: await this.store.countPackages(), target2027: KPI_TARGETS.target2027, target2030: KPI_TARGETS.target2030,
      approvedApps: await this.store.countApps('approved'), target: KPI_TARGETS.apps,
    };
  }

  // ---- CKAN Action API ---------------------------------------------------------------------------

  async packageList(limit?: number, offset?: number): Promise<string[]> {
    return this.store.packageNames(limit ?? 100_000, offset ?? 0);
  }

  /**
   * CKAN `package_search` with CKAN's semantics (ckan/lib/search/query.py): a free-text `q` is a
   * dismax query — every word must match when there are one or two, all but one of three to five,
   * 80 % of more (`mm=2<-1 5<80%`), tone-folded so `du lich` finds "Du lịch", ranked title above
   * tags and themes above description; a `q` with `field:value` is read like `fq`. Only when the
   * words match nothing at all does a trigram search run instead (typos: `du lihc`). fq (see
   * ckan-query.ts), rows (≤ 1000, as CKAN), start, sort, facet.field / facet.limit; facets include
   * `communes` (declared spatial coverage, display names from the geo module).
   * @throws AppError BAD_REQUEST (Search Query Error), VALIDATION_FAILED
   */
  async packageSearch(p: { q?: string; fq?: string; rows?: number; start?: number; sort?: string; facetFields?: string[]; facetLimit?: number }, base: string) {
    const q = p.q?.normalize('NFC').trim();
    if (q && q.length > 500) throw searchQueryError('q is too long');
    const freeText = !!q && !['*:*', '*', '""', "''"].includes(q) && !isFieldedQuery(q);
    // Typo tolerance is for plain words only: a phrase or +/- operator asks for exactly that.
    const fuzzyFallback = freeText && !/(^|\s)[+-]|"/.test(q!);
    const compile = (mode: 'text' | 'trigram'): PackageQuery & { sort: string } => {
      const params: unknown[] = [];
      const bind = (v: unknown) => `$${params.push(v)}`;
      const conds: string[] = [];
      let rank = 'NULL::float8';
      if (q && freeText && mode === 'text') {
        const text = compileText(q, bind);
        if (text) {
          conds.push(text.where);
          rank = text.rank;
        }
      } else if (q && freeText) {
        // Fallback for typos: whole-query trigram similarity against the folded document, strict
        // (word boundaries respected) so that a two-letter Vietnamese syllable does not match every row.
        const folded = `(SELECT provdata_fold(${bind(q)}))`;
        conds.push(`${folded} <<% p.search_all`);
        rank = `strict_word_similarity(${folded}, p.search_all)`;
      } else if (q && !['*:*', '*', '""', "''"].includes(q)) {
        conds.push(compileFq(q, bind, { bareTerms: true }));
      }
      if (p.fq?.trim()) conds.push(compileFq(p.fq, bind));
      const sort = p.sort?.trim() || (rank === 'NULL::float8' ? 'metadata_modified desc' : 'score desc, metadata_modified desc');
      return { where: conds.length ? conds.join(' AND ') : 'TRUE', params, rank, orderBy: compileSort(sort), sort };
    };
    const rows = Math.min(p.rows ?? 10, CKAN_ROWS_MAX);
    const start = p.start ?? 0;
    const facetLimit = p.facetLimit === undefined || p.facetLimit < 0 ? 50 : Math.min(p.facetLimit, 1000);
    const facetFields = [...new Set(p.facetFields ?? [])];
    for (const f of facetFields) if (!(FACET_FIELDS as readonly string[]).includes(f)) throw searchQueryError(`cannot facet on ${JSON.stringify(f.slice(0, 40))}`);
    let query = compile('text');
    let found: { count: number; results: (PackageRow & { rank: number | null })[]; facets: FacetCounts };
    if (query.where === 'TRUE') {
      // The unfiltered catalogue: its count and facets change only on publish/unpublish, so they are cached.
      const all = await this.allFacets();
      found = { count: all.count, facets: Object.fromEntries(facetFields.map((f) => [f, all.facets[f]!.slice(0, facetLimit)])), results: await this.store.searchPage(query, rows, start) };
    } else {
      found = await this.store.searchFaceted(query, rows, start, facetFields as FacetField[], facetLimit);
      if (found.count === 0 && fuzzyFallback) {
        query = compile('trigram');
        found = await this.store.searchFaceted(query, rows, start, facetFields as FacetField[], facetLimit);
      }
    }
    const { sort } = query;
    const orgs = await this.orgMap();
    const communes = facetFields.includes('communes') ? await this.communeNames() : new Map<string, string>();
    const themeLabel = new Map<string, string>(THEMES.map((t) => [t.code, t.vi]));
    const facets: Record<string, Record<string, number>> = {};
    const searchFacets: Record<string, { title: string; items: { name: string; display_name: string; count: number }[] }> = {};
    for (const f of facetFields) {
      const items = found.facets[f] ?? [];
      facets[f] = Object.fromEntries(items.map((i) => [i.name, i.count]));
      searchFacets[f] = {
        title: f,
        items: items.map((i) => ({
          name: i.name, count: i.count,
          display_name: f === 'organization' ? orgs.get(i.name)?.name ?? i.name : f === 'groups' ? themeLabel.get(i.name) ?? i.name : f === 'communes' ? communes.get(i.name) ?? i.name : i.name,
        })),
      };
    }
    const resources = await this.resourcesOf(found.results.map((r) => r.dataset_id));
    return {
      count: found.count,
      sort,
      facets,
      search_facets: searchFacets,
      results: found.results.map((r) => this.ckanPackage(r, resources.get(r.dataset_id) ?? [], orgs, base)),
    };
  }

  /**
   * Count and every facet (up to 1000 values each) of the whole published catalogue. Kept until
   * this instance publishes or unpublishes, and at most 60 s (another instance may have published).
   */
  private allFacetsCache: { at: number; value: Promise<{ count: number; facets: FacetCounts }> } | null = null;
  private allFacets(): Promise<{ count: number; facets: FacetCounts }> {
    if (!this.allFacetsCache || Date.now() - this.allFacetsCache.at > 60_000) {
      const value = this.store.searchFaceted({ where: 'TRUE', params: [], rank: 'NULL::float8', orderBy: 'p.name' }, 0, 0, [...FACET_FIELDS], 1000)
        .then(({ count, facets }) => ({ count, facets }));
      const entry = { at: Date.now(), value };
      this.allFacetsCache = entry;
      value.catch(() => {
        if (this.allFacetsCache === entry) this.allFacetsCache = null;
      });
    }
    return this.allFacetsCache.value;
  }

  /** Commune names by code (geo module), cached like the organisations. */
  private communeCache: { at: number; map: Map<string, string> } | null = null;
  private async communeNames(): Promise<Map<string, string>> {
    if (!this.deps.communes) return new Map();
    if (!this.communeCache || Date.now() - this.communeCache.at > 300_000) {
      this.communeCache = { at: Date.now(), map: new Map((await this.deps.communes()).map((c) => [c.code, c.name])) };
    }
    return this.communeCache.map;
  }

  async packageShow(idOrName: string, base: string) {
    const p = await this.publishedPackage(idOrName);
    const resources = await this.resourcesOf([p.dataset_id]);
    this.count(p.dataset_id, 'views');
    return this.ckanPackage(p, resources.get(p.dataset_id) ?? [], await this.orgMap(), base);
  }

  private async resourcesOf(ids: string[]): Promise<Map<string, ResourceRow[]>> {
    const out = new Map<string, ResourceRow[]>();
    if (!ids.length) return out;
    for (const r of await this.store.resources(ids)) out.set(r.dataset_id, [...(out.get(r.dataset_id) ?? []), r]);
    return out;
  }

  /** A CKAN package dictionary with CKAN's field names. */
  ckanPackage(p: PackageRow, resources: ResourceRow[], orgs: Map<string, Organisation>, base: string) {
    const org = orgs.get(p.org_id);
    const themeOf = new Map<string, (typeof THEMES)[number]>(THEMES.map((t) => [t.code, t]));
    const modified = new Date(p.metadata_modified).toISOString().replace('Z', '');
    return {
      id: p.dataset_id,
      name: p.name,
      title: p.title,
      notes: p.notes,
      type: 'dataset',
      state: 'active',
      private: false,
      isopen: true,
      version: String(p.version),
      url: `${base}/du-lieu-mo/${p.name}`,
      author: p.meta.orgName,
      author_email: null,
      maintainer: p.meta.contact.name,
      maintainer_email: p.meta.contact.email,
      license_id: p.license_id,
      license_title: p.license_id,
      license_url: LICENCE_URLS[p.license_id] ?? null,
      metadata_created: new Date(p.metadata_created).toISOString().replace('Z', ''),
      metadata_modified: modified,
      owner_org: p.org_id,
      organization: { id: p.org_id, name: p.org_id, title: org?.name ?? p.meta.orgName, type: 'organization', is_organization: true, state: 'active', description: org?.nameEn ?? '' },
      groups: p.groups.map((g) => ({ id: g, name: g, title: themeOf.get(g)?.vi ?? g, display_name: themeOf.get(g)?.vi ?? g, description: themeOf.get(g)?.en ?? '' })),
      tags: p.tags.map((t) => ({ id: t, name: t, display_name: t, state: 'active', vocabulary_id: null })),
      num_tags: p.tags.length,
      num_resources: resources.length,
      resources: resources.map((r, i) => ({
        id: r.id,
        package_id: p.dataset_id,
        name: `${p.title} (${r.format})`,
        description: `Phiên bản ${p.version} — ${p.meta.rowCount} dòng`,
        format: r.format,
        mimetype: MEDIA_TYPES[formatKey(r.format)].split(';')[0],
        url: `${base}/api/opendata/datasets/${p.name}/download/${formatKey(r.format)}`,
        datastore_active: true,
        position: i,
        state: 'active',
        created: new Date(p.metadata_created).toISOString().replace('Z', ''),
        last_modified: modified,
      })),
      extras: [
        { key: 'title_en', value: p.meta.titleEn ?? '' },
        { key: 'notes_en', value: p.meta.notesEn ?? '' },
        { key: 'frequency', value: p.meta.frequency },
        { key: 'spatial', value: p.meta.spatial.scope === 'province' ? 'Gia Lai' : p.meta.spatial.communes.join(',') },
        { key: 'temporal_start', value: p.meta.temporal.start ?? '' },
        { key: 'temporal_end', value: p.meta.temporal.end ?? '' },
        { key: 'quality_score', value: p.meta.quality ? String(p.meta.quality.score) : '' },
        { key: 'row_count', value: String(p.meta.rowCount) },
      ].filter((e) => e.value !== ''),
    };
  }

  async organizationList(allFields: boolean, base: string) {
    const counts = await this.store.countsBy('org_id');
    const orgs = (await this.deps.organisations()).filter((o) => o.kind !== 'commune' && o.kind !== 'external').sort((a, b) => a.id.localeCompare(b.id));
    if (!allFields) return orgs.map((o) => o.id);
    return orgs.map((o) => this.ckanOrg(o, counts.get(o.id) ?? 0, base));
  }

  async organizationShow(id: string, base: string) {
    const o = (await this.deps.organisations()).find((x) => x.id === id);
    if (!o) throw ckanNotFound(`organization ${id.slice(0, 100)}`);
    const counts = await this.store.countsBy('org_id');
    return this.ckanOrg(o, counts.get(o.id) ?? 0, base);
  }

  private ckanOrg(o: Organisation, n: number, base: string) {
    return {
      id: o.id, name: o.id, title: o.name, display_name: o.name, description: o.nameEn ?? '', type: 'organization', is_organization: true,
      state: 'active', approval_status: 'approved', image_url: '', package_count: n, url: `${base}/api/3/action/organization_show?id=${o.id}`,
    };
  }

  async groupList(allFields: boolean) {
    const counts = await this.store.countsBy('groups');
    if (!allFields) return THEMES.map((t) => t.code);
    return THEMES.map((t) => ({
      id: t.code, name: t.code, title: t.vi, display_name: t.vi, description: t.en, type: 'group', is_organization: false, state: 'active',
      approval_status: 'approved', image_url: '', package_count: counts.get(t.code) ?? 0,
    }));
  }

  tagList(query: string | null, limit = 1000): Promise<string[]> {
    return this.store.tags(query, Math.min(limit, 10_000));
  }

  async resourceShow(id: string, base: string) {
    const r = await this.store.publishedResource(id);
    if (!r) throw ckanNotFound(`resource ${id.slice(0, 100)}`);
    const p = await this.publishedPackage(r.dataset_id);
    const pkg = this.ckanPackage(p, (await this.resourcesOf([p.dataset_id])).get(p.dataset_id) ?? [], new Map(), base);
    return pkg.resources.find((x) => x.id === r.id)!;
  }

  /**
   * CKAN `datastore_search` over the published version of a resource's dataset. A resource of a
   * dataset that is not published (private, shared, unpublished) is "not found", never "forbidden":
   * existence does not leak.
   * @throws AppError NOT_FOUND, VALIDATION_FAILED (unknown field, bad filter or sort)
   */
  async datastoreSearch(
    p: {
      resourceId: string; filters?: Record<string, unknown>; q?: string; limit?: number; offset?: number; fields?: string[]; sort?: string; includeTotal?: boolean;
      /** CKAN's `total_estimation_threshold`: a total above it may be estimated (`total_was_estimated: true`). */
      totalEstimationThreshold?: number;
    },
    base: string,
  ) {
    const r = await this.store.publishedResource(p.resourceId);
    if (!r) throw ckanNotFound(`resource ${p.resourceId.slice(0, 100)}`);
    const pkg = await this.publishedPackage(r.dataset_id);
    await this.cleared(pkg, pkg.version);
    const columns = pkg.meta.columns.map((c) => ({ name: c.name, type: c.type as WhColumn['type'] }));
    const known = new Set(columns.map((c) => c.name));
    const fields = p.fields?.length ? p.fields.filter((f) => f !== '_id') : columns.map((c) => c.name);
    for (const f of fields) if (!known.has(f)) throw ckanValidation('fields', `field "${f.slice(0, 60)}" not in resource`);
    const filters: WhFilter[] = [];
    for (const [k, v] of Object.entries(p.filters ?? {})) {
      if (!known.has(k)) throw ckanValidation('filters', `field "${k.slice(0, 60)}" not in resource`);
      if (Array.isArray(v)) filters.push({ column: k, op: 'in', value: v as (string | number | boolean | null)[] });
      else if (v === null) filters.push({ column: k, op: 'isNull' });
      else if (typeof v === 'object') throw ckanValidation('filters', `filter on "${k}" must be a value or a list of values`);
      else filters.push({ column: k, op: 'eq', value: v as string | number | boolean });
    }
    const sort: WhSort[] = [];
    for (const part of (p.sort ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^"?([a-z][a-z0-9_]*)"?(?:\s+(asc|desc))?$/i.exec(part);
      if (!m || !known.has(m[1]!)) throw ckanValidation('sort', `field "${part.slice(0, 60)}" not in resource`);
      sort.push({ column: m[1]!, dir: (m[2]?.toLowerCase() ?? 'asc') as 'asc' | 'desc' });
    }
    const limit = Math.min(p.limit ?? 100, DATASTORE_ROWS_MAX);
    const offset = p.offset ?? 0;
    const records: Row[] = [];
    let total: number | undefined;
    let estimated = false;
    const estimate = p.includeTotal !== false && p.totalEstimationThreshold !== undefined;
    try {
      // The warehouse pages by at most 1,000 rows: a larger CKAN limit is read in several pages.
      for (let got = 0; ; ) {
        const page = Math.min(1000, limit - got);
        const res = await this.deps.warehouse.query(pkg.dataset_id, columns, {
          version: pkg.version, fields, filters, ...(p.q ? { q: p.q.slice(0, 200) } : {}), sort, limit: Math.max(page, 1), offset: offset + got,
          // The total is counted once, and only when asked for (CKAN's include_total=false skips it: on a
          // large table a filtered count reads every row of the version).
          count: total === undefined && p.includeTotal !== false && !estimate,
        });
        if (total === undefined) {
          total = res.total ?? 0;
          // On a large version the warehouse counts up to a bound and estimates beyond it: say so.
          estimated = res.totalEstimated === true;
        }
        if (page === 0) break;
        records.push(...res.rows);
        got += res.rows.length;
        if (res.rows.length < page || got >= limit) break;
      }
      if (estimate) {
        // Counted up to the threshold, estimated beyond it: a `q` matching millions of rows would
        // otherwise be counted row by row (tens of seconds on 10M rows even with the indexes).
        const n = await this.deps.warehouse.count(pkg.dataset_id, columns, { version: pkg.version, filters, ...(p.q ? { q: p.q.slice(0, 200) } : {}) }, { estimateAbove: p.totalEstimationThreshold });
        total = n.total;
        estimated = n.estimated;
      }
    } catch (e) {
      if (e instanceof AppError && e.code === 'VALIDATION_FAILED') throw ckanValidation(String(e.extra.errors?.[0]?.field ?? 'query'), e.detail?.en ?? e.message);
      throw e;
    }
    this.count(pkg.dataset_id, 'apiCalls');
    const link = (o: number) => `/api/3/action/datastore_search?resource_id=${r.id}${limit !== 100 ? `&limit=${limit}` : ''}${o ? `&offset=${o}` : ''}`;
    return {
      include_total: p.includeTotal !== false,
      resource_id: r.id,
      fields: [{ id: '_id', type: 'int' }, ...fields.map((f) => ({ id: f, type: CKAN_TYPES[columns.find((c) => c.name === f)!.type] ?? 'text' }))],
      records: records.map((row, i) => ({ _id: offset + i + 1, ...row })),
      ...(p.includeTotal === false ? {} : { total: total ?? 0 }),
      total_was_estimated: estimated,
      total_estimation_threshold: p.totalEstimationThreshold ?? null,
      limit,
      ...(offset ? { offset } : {}),
      ...(p.q ? { q: p.q } : {}),
      ...(p.filters ? { filters: p.filters } : {}),
      ...(p.sort ? { sort: p.sort } : {}),
      _links: { start: link(0), next: link(offset + limit) },
      ...(base ? {} : {}),
    };
  }

  // ---- downloads ----------------------------------------------------------------------------

  /**
   * A streamed download of a dataset's published version (or an older version that was itself
   * published once). @throws AppError NOT_FOUND (not published, version never published, no geometry for GeoJSON)
   */
  async download(dataset: string, format: string, version?: number): Promise<{ filename: string; contentType: string; body: Readable }> {
    if (!(DOWNLOAD_FORMATS as readonly string[]).includes(format)) throw notFound({ vi: `Không có định dạng ${format}`, en: `No format ${format}` });
    const f = format as DownloadFormat;
    const pkg = await this.publishedPackage(dataset).catch(() => {
      throw notFound({ vi: `Tập dữ liệu ${dataset} chưa được công bố`, en: `Dataset ${dataset} is not published` });
    });
    let v = pkg.version;
    if (version !== undefined && version !== pkg.version) {
      const ever = (await this.store.publications(pkg.dataset_id)).some((x) => Number(x.version) === version && x.published_at !== null);
      if (!ever) throw notFound({ vi: `Phiên bản ${version} của ${pkg.name} chưa từng được công bố`, en: `Version ${version} of ${pkg.name} was never published` });
      v = version;
    }
    const geometry = pkg.meta.geometryColumn;
    if (f === 'geojson' && !geometry) throw notFound({ vi: `Tập dữ liệu ${pkg.name} không có cột hình học`, en: `Dataset ${pkg.name} has no geometry column` });
    await this.cleared(pkg, v);
    const cols: OutColumn[] = pkg.meta.columns.map((c) => ({ name: c.name, title: c.title, type: c.type }));
    const rows = this.deps.warehouse.exportStream(pkg.dataset_id, pkg.meta.columns.map((c) => ({ name: c.name, type: c.type as WhColumn['type'] })), { version: v });
    this.count(pkg.dataset_id, 'downloads');
    const filename = `${pkg.name}-v${v}.${f}`;
    const body = f === 'xlsx' ? xlsxStream(cols, rows, pkg.name) : Readable.from(f === 'csv' ? csvStream(cols, rows) : f === 'json' ? jsonStream(cols, rows) : geojsonStream(cols, geometry!, rows), { objectMode: false });
    return { filename, contentType: MEDIA_TYPES[f], body };
  }

  // ---- usage ------------------------------------------------------------------------------------

  /** Counts one event in memory; a timer writes the counts in one statement per second at most. */
  count(datasetId: string, what: Counter): void {
    const day = new Date().toISOString().slice(0, 10);
    const key = `${datasetId}|${day}`;
    const c = this.pending.get(key) ?? { views: 0, downloads: 0, apiCalls: 0 };
    c[what]++;
    this.pending.set(key, c);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushTimer) {
      // Outside the request that counted: the flush is not that request's change (nor audited as it).
      this.flushTimer = outsideRequest(() => setTimeout(() => void this.flush(), 1000));
      this.flushTimer.unref();
    }
  }

  /**
   * Writes the counted usage. Safe to call at any time (and at shutdown). The counts leave memory
   * only once their write has committed: a failed write is logged and puts them back, and a timer
   * writes them with the next flush. Never rejects (callers are timers, shutdown and readers).
   * @returns false when a write failed (its counts are kept for the next flush).
   */
  async flush(): Promise<boolean> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const run = this.flushing.then(() => this.writeUsage());
    this.flushing = run.then(() => undefined);
    return run;
  }

  private async writeUsage(): Promise<boolean> {
    const taken = [...this.pending.entries()];
    this.pending.clear();
    const entries = taken.map(([k, c]) => {
      const [datasetId, day] = k.split('|') as [string, string];
      return { datasetId, day, views: c.views, downloads: c.downloads, apiCalls: c.apiCalls };
    });
    const keyCalls = this.developers.drain();
    // Calls per developer key ride on the same flush (a separate statement: a failure of one never loses the other).
    const [usage, keys] = await Promise.allSettled([this.store.addUsage(entries), this.store.addKeyUsage(keyCalls)]);
    if (usage.status === 'rejected') {
      for (const [k, c] of taken) {
        const now = this.pending.get(k) ?? { views: 0, downloads: 0, apiCalls: 0 };
        this.pending.set(k, { views: now.views + c.views, downloads: now.downloads + c.downloads, apiCalls: now.apiCalls + c.apiCalls });
      }
    }
    if (keys.status === 'rejected') this.developers.restore(keyCalls);
    const failed = usage.status === 'rejected' ? usage.reason : keys.status === 'rejected' ? keys.reason : null;
    if (failed === null) return true;
    this.deps.logger?.warn({ err: failed }, 'open data usage counts not written; kept for the next flush');
    this.scheduleFlush();
    return false;
  }

  /** Views, downloads and API calls of a published dataset, in total and per day. @throws AppError NOT_FOUND */
  async usage(dataset: string) {
    const pkg = await this.publishedPackage(dataset);
    await this.flush();
    return { dataset: pkg.name, ...(await this.store.usage(pkg.dataset_id)) };
  }

  // ---- developers ---------------------------------------------------------------------------------

  /**
   * Counts one public API call against its caller's per-minute limit: the developer key when one is
   * sent, else the client address. @throws AppError INVALID_API_KEY (unknown or revoked key), RATE_LIMITED
   */
  async meter(key: string | null, ip: string): Promise<void> {
    let id = `ip:${ip}`;
    let limit = this.limits.anonymous;
    let keyId: string | null = null;
    if (key) {
      // Looked up on every call (by the unique hash index), so a revoked key is refused from the next call.
      const k = await this.store.keyByHash(hashKey(key));
      if (!k) throw new AppError('INVALID_API_KEY', { vi: 'Khóa API dữ liệu mở không hợp lệ hoặc đã bị thu hồi', en: 'Unknown or revoked open data API key' });
      id = `key:${k.id}`;
      limit = k.rate_per_minute;
      keyId = k.id;
    }
    const wait = this.rate.hit(id, limit);
    if (wait) {
      throw new AppError('RATE_LIMITED', { vi: `Vượt giới hạn ${limit} yêu cầu/phút`, en: `Over the limit of ${limit} requests per minute` }, { retryAfterSeconds: wait });
    }
    if (keyId) {
      this.developers.countCall(keyId);
      this.scheduleFlush();
    }
  }

  /** A per-minute limit for callers of the developer routes authenticated by a key (per client address). @throws AppError RATE_LIMITED */
  limitKeyChecks(ip: string): void {
    const wait = this.rate.hit(`keyself:${ip}`, this.limits.anonymous);
    if (wait) throw new AppError('RATE_LIMITED', { vi: `Vượt giới hạn ${this.limits.anonymous} yêu cầu/phút`, en: `Over the limit of ${this.limits.anonymous} requests per minute` }, { retryAfterSeconds: wait });
  }

  /** At most {@link KEYS_PER_ADDRESS_HOUR} new developer keys an hour from one client address. @throws AppError RATE_LIMITED */
  limitKeyCreation(ip: string): void {
    const wait = this.rate.hit(`keynew:${ip}`, KEYS_PER_ADDRESS_HOUR, Date.now(), 3_600_000);
    if (wait) {
      throw new AppError(
        'RATE_LIMITED',
        { vi: `Mỗi địa chỉ chỉ tạo được ${KEYS_PER_ADDRESS_HOUR} khóa mỗi giờ; hãy dùng lại khóa đã có`, en: `One address may create ${KEYS_PER_ADDRESS_HOUR} keys an hour; reuse a key you have` },
        { retryAfterSeconds: wait },
      );
    }
  }

  // ---- application showcase ------------------------------------------------------------------------

  /** A developer registers an application built on open data; it is listed once an editor approves it. */
  async registerApp(a: { name: string; description: string; url: string; developerName: string; developerEmail: string; datasets?: string[] }): Promise<AppRow> {
    const names = [...new Set(a.datasets ?? [])];
    for (const n of names) await this.publishedPackage(n).catch(() => {
      throw invalid({ vi: `Không có tập dữ liệu mở ${n}`, en: `No open dataset ${n}` }, [{ field: 'datasets', message: `unknown dataset ${n}` }]);
    });
    return this.store.insertApp({ ...a, name: a.name.normalize('NFC').trim(), description: a.description.normalize('NFC').trim(), datasets: names });
  }

  /** Approved applications (public), or every application for an editor. */
  async apps(actor: Principal | null): Promise<AppRow[]> {
    if (actor) authorize(actor, 'opendata:editor');
    return this.store.apps(actor ? null : 'approved');
  }

  /** @throws AppError NOT_FOUND, FORBIDDEN */
  async reviewApp(actor: Principal, id: string, decision: 'approved' | 'rejected', note?: string | null): Promise<AppRow> {
    authorize(actor, 'opendata:editor');
    const row = await this.store.reviewApp(id, decision, actor.id, note ?? null);
    if (!row) throw notFound({ vi: `Không có ứng dụng ${id}`, en: `No application ${id}` });
    return row;
  }

  // ---- DCAT-AP ----------------------------------------------------------------------------------------

  /** Every published package with its resources, for the DCAT-AP catalogue. */
  async catalogue(): Promise<{ packages: PackageRow[]; resources: Map<string, ResourceRow[]> }> {
    const packages = await this.store.allPackages();
    return { packages, resources: await this.resourcesOf(packages.map((p) => p.dataset_id)) };
  }
}

const LICENCE_URLS: Record<string, string> = {
  'CC-BY-4.0': 'https://creativecommons.org/licenses/by/4.0/',
  'CC0-1.0': 'https://creativecommons.org/publicdomain/zero/1.0/',
  'ODbL-1.0': 'https://opendatacommons.org/licenses/odbl/1-0/',
  'CC-BY-SA-4.0': 'https://creativecommons.org/licenses/by-sa/4.0/',
};

export const formatKey = (f: string): DownloadFormat => (Object.entries(CKAN_FORMATS).find(([, v]) => v === f)?.[0] ?? 'csv') as DownloadFormat;

export function whColumns(ds: Dataset): WhColumn[] {
  return ds.columns.map((c) => ({ name: c.name, type: c.type }));
}
