import { createHash, createHmac, randomBytes, X509Certificate } from 'node:crypto';
import type { AuditLog } from '../../core/audit/index.js';
import { authorize, SYSTEM, type Principal } from '../../core/auth/index.js';
import type { Db } from '../../core/db/index.js';
import type { SecretBox } from '../../core/secrets.js';
import { AppError, conflict, forbidden, invalid, notFound } from '../../core/errors.js';
import type { DomainEvent } from '../../core/events/index.js';
import type { Job, JobQueue } from '../../core/jobs/index.js';
import type { CatalogService, Dataset } from '../catalog/index.js';
import type { DictionaryService } from '../dictionary/index.js';
import { FILTER_OPS, type AccessPath, type WhFilter } from '../warehouse/index.js';
import { checkRowFilter, keepsConditions } from './filter.js';
import { MessageLog } from './messagelog.js';
import { checkOutboundUrl, OutboundPolicy, OutboundRefused, outboundRequest } from './outbound.js';
import {
  PARAM_TYPES, SUBSYSTEM_KEY_PREFIX, WAREHOUSE_SUBSYSTEM,
  type AgreementRow, type FieldInfo, type QueryTemplate, type RestField, type ServiceParam, type ServiceRow, type SubsystemRow, type Terms,
} from './model.js';
import { actFor, scopeOrg, seesAll } from './policy.js';
import { SharingStore, type CredentialHit } from './store.js';

export interface SharingOptions {
  /** Minutes between signed checkpoints of the message log (the `ldop:maintenance` job). */
  checkpointEveryMinutes?: number;
  /** Timeout of calls to proxied REST services and webhook receivers, in ms. */
  outboundTimeoutMs?: number;
  /** Webhook deliveries tried before a delivery is parked as dead. */
  webhookAttempts?: number;
}

export interface SharingDeps {
  db: Db;
  audit: AuditLog;
  jobs: JobQueue;
  catalog: CatalogService;
  dictionary: DictionaryService;
  /** True when an organisation with this id exists (org module). */
  orgExists(id: string): Promise<boolean>;
  /** Where the signing key lives (`<dataDir>/keys/`). */
  dataDir: string;
  /**
   * Declares the columns a service or agreement filters and sorts a dataset by, and builds their
   * indexes (the warehouse's `ensureAccessIndexes`): run by a background job, never in a request.
   */
  accessIndexes?: (datasetId: string, paths: AccessPath[], reason: string) => Promise<unknown>;
  /** Seals webhook secrets at rest (the box that seals sync tokens); kept as given when absent. */
  secrets?: SecretBox;
  /** Which targets proxied services and webhooks may call (PROVDATA_OUTBOUND_ALLOW); public addresses only when absent. */
  outbound?: OutboundPolicy;
  options?: SharingOptions;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const COLUMN = /^[a-z][a-z0-9_]{0,62}$/;
const RESERVED_PARAMS = new Set(['filter', 'sort', 'limit', 'cursor', 'fields', 'format']);
const MAINTENANCE = 'ldop:maintenance';
const WEBHOOK = 'ldop:webhook';
const SEAL_SECRETS = 'ldop:seal-webhook-secrets';
const ACCESS_INDEXES = 'ldop:access-indexes';
const nfc = (s: string) => s.normalize('NFC').trim();
const notFoundSubsystem = () => notFound({ vi: 'Không có hệ thống thông tin này', en: 'No such subsystem' });
const notFoundService = () => notFound({ vi: 'Không có dịch vụ này', en: 'No such service' });
const notFoundAgreement = () => notFound({ vi: 'Không có thỏa thuận này', en: 'No such agreement' });

/** Agreement terms as they appear in history rows and API answers. */
export function termsOf(a: AgreementRow): Terms {
  return {
    fields: a.fields, clearFields: a.clear_fields, maskedFields: a.masked_fields, rowFilter: a.row_filter, purpose: a.purpose, legalBasis: a.legal_basis,
    validFrom: new Date(a.valid_from), validTo: new Date(a.valid_to), dailyRowLimit: a.daily_row_limit,
  };
}
const termsJson = (t: Terms) => ({ ...t, validFrom: t.validFrom.toISOString(), validTo: t.validTo.toISOString() });

export interface AgreementRequest {
  consumerSubsystemId: string;
  serviceId: string;
  fields: string[];
  clearFields?: string[];
  rowFilter?: WhFilter[];
  purpose: string;
  legalBasis: string;
  validFrom: string;
  validTo: string;
  dailyRowLimit: number;
}

export interface Decision {
  fields?: string[];
  clearFields?: string[];
  maskedFields?: string[];
  rowFilter?: WhFilter[];
  validFrom?: string;
  validTo?: string;
  dailyRowLimit?: number;
  note?: string;
}

export interface ServiceInput {
  subsystemId: string;
  code: string;
  kind: 'query' | 'rest';
  title: string;
  description?: string;
  dataset?: string;
  template?: QueryTemplate;
  params?: ServiceParam[];
  upstreamUrl?: string;
  upstreamFormat?: 'json' | 'xml' | 'csv';
  fields?: RestField[];
}

/**
 * LDOP: members' subsystems and credentials, the service catalogue, sharing agreements and their
 * history, notifications, usage, and the message log's maintenance. Every method that reads or
 * changes a member's records takes the acting principal and checks it (see `policy.ts`).
 */
export class SharingService {
  readonly store: SharingStore;
  readonly log: MessageLog;
  /** Checks and pins every call to a proxied service or a webhook. */
  readonly outbound: OutboundPolicy;
  private readonly opts: Required<SharingOptions>;
  private readonly fieldCache = new Map<string, { at: number; fields: FieldInfo[]; dataset: Dataset | null }>();
  private lastSync = 0;

  constructor(private readonly deps: SharingDeps) {
    this.store = new SharingStore(deps.db);
    this.log = new MessageLog(deps.db, deps.dataDir);
    this.outbound = deps.outbound ?? new OutboundPolicy();
    this.opts = { checkpointEveryMinutes: 60, outboundTimeoutMs: 10_000, webhookAttempts: 8, ...(deps.options ?? {}) };
    deps.jobs.handle(MAINTENANCE, () => this.maintenance());
    deps.jobs.handle(WEBHOOK, (job) => this.deliverWebhook(job));
    deps.jobs.handle(SEAL_SECRETS, async () => void (await this.sealLegacyWebhookSecrets()));
    deps.jobs.handle(ACCESS_INDEXES, async (job) => {
      const p = job.payload as { datasetId?: unknown; paths?: unknown; reason?: unknown };
      if (typeof p.datasetId !== 'string' || !Array.isArray(p.paths) || typeof p.reason !== 'string') return; // malformed: nothing to retry
      await deps.accessIndexes?.(p.datasetId, p.paths as AccessPath[], p.reason);
    });
  }

  /**
   * Queues the index build for the columns `filters` and `sort` read a dataset by: an equality
   * index for eq, in and ranges (and sorts), a prefix index on the folded text for startsWith. A
   * lookup through the gateway then reads an index, never the whole dataset.
   */
  private async queueAccessIndexes(datasetId: string | null, filters: readonly { column: string; op: string }[], sort: readonly { column: string }[], reason: string): Promise<void> {
    if (!datasetId || !this.deps.accessIndexes) return;
    const paths: AccessPath[] = [];
    for (const f of filters) {
      if (['eq', 'in', 'lt', 'lte', 'gt', 'gte'].includes(f.op)) paths.push({ column: f.column, kind: 'equality' });
      else if (f.op === 'startsWith') paths.push({ column: f.column, kind: 'prefix' });
    }
    for (const s of sort) paths.push({ column: s.column, kind: 'equality' });
    if (paths.length) await this.deps.jobs.enqueue(ACCESS_INDEXES, { datasetId, paths, reason }, { maxAttempts: 5 });
  }

  // ---- subsystems and credentials ---------------------------------------------------------------

  /** Registers an information system of a member. @throws AppError FORBIDDEN, VALIDATION_FAILED, CONFLICT */
  async createSubsystem(actor: Principal, s: { orgId?: string; code: string; name: string; ownerId?: string | null; environment?: 'production' | 'test' }): Promise<SubsystemRow> {
    const orgId = s.orgId ?? actor.orgId ?? '';
    actFor(actor, 'sharing:write', orgId);
    if (!(await this.deps.orgExists(orgId))) throw invalid({ vi: `Cơ quan ${orgId} không tồn tại`, en: `No organisation ${orgId}` }, [{ field: 'orgId', message: 'unknown' }]);
    if (s.code === WAREHOUSE_SUBSYSTEM) throw conflict({ vi: `Mã ${WAREHOUSE_SUBSYSTEM} dành cho kho dữ liệu của cơ quan`, en: `The code ${WAREHOUSE_SUBSYSTEM} is reserved for the member's warehouse` });
    return this.store.insertSubsystem({ orgId, code: s.code, name: nfc(s.name), ownerId: s.ownerId ?? actor.id ?? null, environment: s.environment ?? 'production' });
  }

  async listSubsystems(actor: Principal, orgId?: string): Promise<SubsystemRow[]> {
    authorize(actor, 'sharing:read');
    return this.store.listSubsystems(scopeOrg(actor, orgId));
  }

  /** A subsystem the caller may act for with `permission`. @throws AppError NOT_FOUND (also for other members', to not leak), FORBIDDEN */
  async subsystemFor(actor: Principal, id: string, permission: 'sharing:read' | 'sharing:write' = 'sharing:write'): Promise<SubsystemRow> {
    const s = await this.store.getSubsystem(id);
    if (!s || (!seesAll(actor) && s.org_id !== actor.orgId)) throw notFoundSubsystem();
    actFor(actor, permission, s.org_id);
    return s;
  }

  async updateSubsystem(actor: Principal, id: string, p: { name?: string; status?: 'active' | 'suspended' | 'retired'; environment?: 'production' | 'test'; ownerId?: string | null; rateLimitPerMinute?: number }) {
    const s = await this.subsystemFor(actor, id);
    if (p.rateLimitPerMinute !== undefined && !seesAll(actor)) throw forbidden({ vi: 'Chỉ quản trị viên đặt hạn mức tần suất', en: 'Only administrators set rate limits' });
    if (s.managed && (p.status || p.environment)) throw conflict({ vi: 'Hệ thống kho dữ liệu do nền tảng quản lý', en: 'The warehouse subsystem is managed by the platform' });
    return (await this.store.updateSubsystem(s.id, { ...p, name: p.name ? nfc(p.name) : undefined }))!;
  }

  /** Issues a subsystem API key (`pdl_…`), returned once; only its SHA-256 is kept. */
  async createKey(actor: Principal, subsystemId: string, k: { name: string; expiresInDays?: number }) {
    const s = await this.subsystemFor(actor, subsystemId);
    if (s.managed) throw conflict({ vi: 'Hệ thống kho dữ liệu không gọi cổng', en: 'The warehouse subsystem does not call the gateway' });
    const prefixId = randomBytes(4).toString('hex');
    const key = `${SUBSYSTEM_KEY_PREFIX}${prefixId}_${randomBytes(32).toString('base64url')}`;
    const row = await this.store.insertKey({
      subsystemId: s.id, name: nfc(k.name), prefix: `${SUBSYSTEM_KEY_PREFIX}${prefixId}`, keyHash: sha256(key), createdBy: actor.id,
      expiresAt: k.expiresInDays ? new Date(Date.now() + k.expiresInDays * 86400_000) : null,
    });
    return { key, row };
  }

  async listKeys(actor: Principal, subsystemId: string) {
    return this.store.listKeys((await this.subsystemFor(actor, subsystemId, 'sharing:read')).id);
  }

  async revokeKey(actor: Principal, subsystemId: string, keyId: string): Promise<void> {
    const s = await this.subsystemFor(actor, subsystemId);
    if (!(await this.store.revokeKey(s.id, keyId))) throw notFound({ vi: 'Không có khóa này', en: 'No such key' });
  }

  /**
   * Registers a TLS client certificate (PEM) for mutual TLS; the gateway then accepts a client
   * presenting it. @throws AppError VALIDATION_FAILED (not a certificate, expired), CONFLICT (registered)
   */
  async registerCertificate(actor: Principal, subsystemId: string, pem: string) {
    const s = await this.subsystemFor(actor, subsystemId);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      throw invalid({ vi: 'Không đọc được chứng thư PEM', en: 'Not a PEM certificate' }, [{ field: 'pem', message: 'invalid certificate' }]);
    }
    const notAfter = new Date(cert.validTo);
    if (!(notAfter.getTime() > Date.now())) throw invalid({ vi: 'Chứng thư đã hết hạn', en: 'The certificate has expired' }, [{ field: 'pem', message: 'expired' }]);
    return this.store.insertCertificate({
      subsystemId: s.id, fingerprint: createHash('sha256').update(cert.raw).digest('hex'), subject: cert.subject.slice(0, 500), notAfter, createdBy: actor.id,
    });
  }

  async listCertificates(actor: Principal, subsystemId: string) {
    return this.store.listCertificates((await this.subsystemFor(actor, subsystemId, 'sharing:read')).id);
  }

  async revokeCertificate(actor: Principal, subsystemId: string, id: string): Promise<void> {
    const s = await this.subsystemFor(actor, subsystemId);
    if (!(await this.store.revokeCertificate(s.id, id))) throw notFound({ vi: 'Không có chứng thư này', en: 'No such certificate' });
  }

  private readonly touched = new Map<string, number>();
  /** The subsystem behind a `pdl_…` key, or null. Touches `last_used_at` at most once a minute. */
  async authenticateKey(key: string): Promise<CredentialHit | null> {
    if (!key.startsWith(SUBSYSTEM_KEY_PREFIX) || key.length > 200) return null;
    const hit = await this.store.subsystemByKeyHash(sha256(key));
    if (hit && (this.touched.get(hit.credential_id) ?? 0) < Date.now() - 60_000) {
      this.touched.set(hit.credential_id, Date.now());
      if (this.touched.size > 10_000) this.touched.clear();
      await this.store.touchKey(hit.credential_id);
    }
    return hit;
  }

  /** The subsystem behind a client certificate's SHA-256 fingerprint (hex), or null. */
  authenticateFingerprint(fp: string): Promise<CredentialHit | null> {
    return /^[0-9a-f]{64}$/.test(fp) ? this.store.subsystemByFingerprint(fp) : Promise.resolve(null);
  }

  // ---- service catalogue ------------------------------------------------------------------------

  /**
   * Exposes a dataset's read service (`dataset:<slug>`) on its publisher's warehouse subsystem once
   * it has a loaded version. Only datasets classified shared or open are exposed automatically;
   * private ones are shared only through a query service their steward defines.
   */
  async exposeDataset(ds: Dataset): Promise<void> {
    if (!ds.latestVersion || ds.access === 'private' || ds.status === 'retired') return;
    const sub = await this.store.ensureManagedSubsystem(ds.publisherOrgId, WAREHOUSE_SUBSYSTEM, 'Kho dữ liệu dùng chung');
    await this.store.upsertDatasetService({ subsystemId: sub.id, orgId: ds.publisherOrgId, code: `dataset:${ds.slug}`, title: ds.title, description: ds.description, datasetId: ds.id });
  }

  /** Exposes every eligible dataset (at most every 30 s): datasets loaded before an event reached us. */
  async syncDatasetServices(force = false): Promise<void> {
    if (!force && Date.now() - this.lastSync < 30_000) return;
    this.lastSync = Date.now();
    for (let offset = 0; ; offset += 100) {
      const page = await this.deps.catalog.search(SYSTEM, { access: ['shared', 'open'], status: ['active'], limit: 100, offset });
      for (const d of page.items) await this.exposeDataset(d);
      if (offset + 100 >= page.total) return;
    }
  }

  /**
   * Defines a named, parameterised query over one of the member's datasets, or registers an
   * external REST service the LDOP proxies. @throws AppError FORBIDDEN, VALIDATION_FAILED, CONFLICT
   */
  async createService(actor: Principal, input: ServiceInput): Promise<ServiceRow> {
    const sub = await this.subsystemFor(actor, input.subsystemId);
    if (input.code.startsWith('dataset:')) throw invalid({ vi: 'Mã dataset:… dành cho dịch vụ tự động', en: 'dataset:… codes are reserved' }, [{ field: 'code', message: 'reserved' }]);
    let datasetId: string | null = null;
    let template: QueryTemplate | null = null;
    let params: ServiceParam[] = [];
    let fields: RestField[] = [];
    let upstreamUrl: string | null = null;
    let upstreamFormat: 'json' | 'xml' | 'csv' | null = null;
    if (input.kind === 'query') {
      if (!input.dataset || !input.template) throw invalid({ vi: 'Dịch vụ truy vấn cần dataset và template', en: 'A query service needs dataset and template' });
      const ds = await this.deps.catalog.getDataset(actor, input.dataset);
      if (ds.publisherOrgId !== sub.org_id) throw forbidden({ vi: 'Chỉ định nghĩa dịch vụ trên dữ liệu của cơ quan mình', en: 'Services may only be defined over the member\'s own datasets' });
      params = input.params ?? [];
      template = checkTemplate(input.template, params, new Set(ds.columns.map((c) => c.name)));
      datasetId = ds.id;
    } else {
      if (!input.upstreamUrl || !input.fields?.length) throw invalid({ vi: 'Dịch vụ REST cần upstreamUrl và fields', en: 'A REST service needs upstreamUrl and fields' });
      upstreamUrl = (await checkOutboundUrl(input.upstreamUrl, 'upstreamUrl', this.outbound)).toString();
      upstreamFormat = input.upstreamFormat ?? 'json';
      params = input.params ?? [];
      checkParams(params);
      const names = new Set<string>();
      for (const f of input.fields) {
        if (!COLUMN.test(f.name) || names.has(f.name)) throw invalid({ vi: `Tên trường "${f.name}" không hợp lệ hoặc trùng`, en: `Invalid or duplicate field name "${f.name}"` }, [{ field: 'fields', message: f.name }]);
        names.add(f.name);
      }
      fields = input.fields.map((f) => ({ name: f.name, elementCode: f.elementCode ?? null }));
    }
    const id = await this.store.insertService({
      subsystem_id: sub.id, org_id: sub.org_id, code: input.code, kind: input.kind, title: nfc(input.title), description: input.description ? nfc(input.description) : null,
      dataset_id: datasetId, template, params, fields, upstream_url: upstreamUrl, upstream_format: upstreamFormat, createdBy: actor.id,
    });
    await this.queueAccessIndexes(datasetId, template?.filters ?? [], template?.sort ?? [], `sharing-service:${id}`);
    return (await this.store.getService(id))!;
  }

  /** One searchable list of services, each with who currently has access. */
  async listServices(actor: Principal, p: { q?: string; orgId?: string; kind?: string; limit?: number; offset?: number }) {
    authorize(actor, 'sharing:read');
    await this.syncDatasetServices();
    const limit = Math.min(Math.max(p.limit ?? 50, 1), 200);
    const page = await this.store.searchServices({ q: p.q?.trim() ? p.q.normalize('NFC').trim() : null, orgId: p.orgId ?? null, kind: p.kind ?? null, limit, offset: p.offset ?? 0 });
    const access = await this.store.accessOf(page.items.map((s) => s.id));
    return { total: page.total, items: page.items.map((s) => ({ service: s, access: access.filter((a) => a.service_id === s.id) })) };
  }

  async getService(actor: Principal, id: string): Promise<{ service: ServiceRow; fields: FieldInfo[]; access: Awaited<ReturnType<SharingStore['accessOf']>> }> {
    authorize(actor, 'sharing:read');
    const service = await this.store.getService(id);
    if (!service) throw notFoundService();
    return { service, fields: (await this.describe(service)).fields, access: await this.store.accessOf([service.id]) };
  }

  /**
   * The fields a service offers, with the personal-data class of each (from the dictionary element
   * its column is bound to), and the dataset behind it. Cached for 10 s: schemas rarely change and
   * the gateway asks on every call.
   */
  async describe(service: ServiceRow): Promise<{ fields: FieldInfo[]; dataset: Dataset | null }> {
    const hit = this.fieldCache.get(service.id);
    if (hit && Date.now() - hit.at < 10_000) return hit;
    let fields: { name: string; type: string; elementCode: string | null }[];
    let dataset: Dataset | null = null;
    if (service.dataset_id) {
      dataset = await this.deps.catalog.getDataset(SYSTEM, service.dataset_id);
      const wanted = service.template?.fields;
      fields = dataset.columns.filter((c) => !wanted || wanted.includes(c.name)).map((c) => ({ name: c.name, type: c.type, elementCode: c.elementCode }));
    } else {
      fields = service.fields.map((f) => ({ name: f.name, type: 'text', elementCode: f.elementCode ?? null }));
    }
    const codes = fields.map((f) => f.elementCode).filter((x): x is string => !!x);
    const classes = new Map((await this.deps.dictionary.getElements(codes)).map((e) => [e.code, e.personalData]));
    const out = { at: Date.now(), dataset, fields: fields.map((f) => ({ ...f, personalData: (f.elementCode && classes.get(f.elementCode)) || 'none' as const })) };
    this.fieldCache.set(service.id, out);
    return out;
  }

  /**
   * Whether a dataset-backed service may still be called: its dataset exists and is not retired, and
   * a `dataset:…` service's dataset is still shared or open (made private, it is shared only through
   * query services its steward defines). Read fresh on every call, not from the caches above.
   */
  async stillOffered(service: ServiceRow): Promise<boolean> {
    if (!service.dataset_id) return true;
    const ds = await this.deps.catalog.getDataset(SYSTEM, service.dataset_id).catch((e: unknown) => {
      if (e instanceof AppError && e.code === 'NOT_FOUND') return null;
      throw e;
    });
    return !!ds && ds.status !== 'retired' && (service.kind !== 'dataset' || ds.access !== 'private');
  }

  private readonly addressCache = new Map<string, { at: number; service: ServiceRow }>();
  /**
   * The provider's service at a gateway address, exposing a dataset service on first call if needed.
   * Found services are cached for 5 s per process (retiring a service takes effect within that);
   * agreements and credentials are never cached.
   */
  async resolveAddress(member: string, subsystem: string, code: string): Promise<ServiceRow | null> {
    const cacheKey = `${member}\n${subsystem}\n${code}`;
    const hit = this.addressCache.get(cacheKey);
    if (hit && Date.now() - hit.at < 5_000) return hit.service;
    const s = await this.findAddress(member, subsystem, code);
    if (s) {
      if (this.addressCache.size > 10_000) this.addressCache.clear();
      this.addressCache.set(cacheKey, { at: Date.now(), service: s });
    }
    return s;
  }

  private async findAddress(member: string, subsystem: string, code: string): Promise<ServiceRow | null> {
    let s = await this.store.serviceByAddress(member, subsystem, code);
    if (!s && subsystem === WAREHOUSE_SUBSYSTEM && code.startsWith('dataset:')) {
      const ds = await this.deps.catalog.getDataset(SYSTEM, code.slice('dataset:'.length)).catch(() => null);
      if (ds && ds.publisherOrgId === member) {
        await this.exposeDataset(ds);
        s = await this.store.serviceByAddress(member, subsystem, code);
      }
    }
    return s;
  }

  // ---- agreements -------------------------------------------------------------------------------

  private async checkTerms(service: ServiceRow, t: Terms): Promise<Terms> {
    const { fields } = await this.describe(service);
    const names = new Set(fields.map((f) => f.name));
    const bad = (field: string, vi: string, en: string) => invalid({ vi, en }, [{ field, message: en }]);
    const uniq = (xs: string[]) => [...new Set(xs)];
    t = { ...t, fields: uniq(t.fields), clearFields: uniq(t.clearFields), maskedFields: uniq(t.maskedFields) };
    if (!t.fields.length) throw bad('fields', 'Cần ít nhất một trường', 'At least one field is needed');
    const unknown = t.fields.filter((f) => !names.has(f));
    if (unknown.length) throw new AppError('FIELD_NOT_ALLOWED', { vi: `Dịch vụ không có trường: ${unknown.join(', ')}`, en: `The service has no field: ${unknown.join(', ')}` }, { fields: unknown });
    const personal = new Set(fields.filter((f) => f.personalData !== 'none').map((f) => f.name));
    const notPersonal = t.clearFields.filter((f) => !t.fields.includes(f) || !personal.has(f));
    if (notPersonal.length) throw bad('clearFields', `clearFields chỉ gồm các trường dữ liệu cá nhân đã chọn: ${notPersonal.join(', ')}`, `clearFields must be requested personal-data fields: ${notPersonal.join(', ')}`);
    const strayMasked = t.maskedFields.filter((f) => !t.fields.includes(f));
    if (strayMasked.length) throw bad('maskedFields', 'maskedFields phải nằm trong fields', 'maskedFields must be among fields');
    // A template sorting on a field the consumer sees masked (or not at all) would order its rows by
    // the hidden values; its pages' cursors were built from them too. Refused before it is in force.
    const hiddenSort = (service.template?.sort ?? []).map((x) => x.column)
      .filter((c) => !names.has(c) || t.maskedFields.includes(c) || (personal.has(c) && !t.clearFields.includes(c)));
    if (hiddenSort.length) {
      throw bad('template.sort', `Mẫu truy vấn của dịch vụ sắp xếp theo trường bị che với bên nhận: ${hiddenSort.join(', ')}. Cần cấp trường này ở dạng rõ, hoặc dùng dịch vụ khác`,
        `The service's query template sorts on fields masked for the consumer: ${hiddenSort.join(', ')}. Grant them in clear, or use another service`);
    }
    t.rowFilter = checkRowFilter(t.rowFilter, names);
    if (!(t.validFrom.getTime() < t.validTo.getTime())) throw bad('validTo', 'Ngày kết thúc phải sau ngày bắt đầu', 'validTo must be after validFrom');
    if (t.validTo.getTime() - t.validFrom.getTime() > 5 * 366 * 86400_000) throw bad('validTo', 'Thỏa thuận tối đa 5 năm', 'An agreement lasts at most 5 years');
    if (!Number.isInteger(t.dailyRowLimit) || t.dailyRowLimit < 1) throw bad('dailyRowLimit', 'Hạn mức dòng/ngày phải là số nguyên dương', 'dailyRowLimit must be a positive integer');
    if (!t.purpose.trim() || !t.legalBasis.trim()) throw bad('purpose', 'Cần nêu mục đích và căn cứ pháp lý', 'Purpose and legal basis are required');
    return t;
  }

  private async record(agreementId: string, action: string, actor: Principal, note: string | null, terms: Terms, q: SharingStore = this.store) {
    await q.addHistory({ agreementId, action, actorId: actor.id, actorName: actor.displayName ?? actor.username, actorOrgId: actor.orgId, note, terms: termsJson(terms) });
  }

  /**
   * A consumer subsystem asks for access to a service. The provider member is notified.
   * @throws AppError FORBIDDEN, NOT_FOUND, VALIDATION_FAILED, FIELD_NOT_ALLOWED, CONFLICT (already pending or active)
   */
  async requestAgreement(actor: Principal, r: AgreementRequest): Promise<AgreementRow> {
    const consumer = await this.subsystemFor(actor, r.consumerSubsystemId);
    if (consumer.managed || consumer.status !== 'active') throw conflict({ vi: 'Hệ thống này không thể yêu cầu truy cập', en: 'This subsystem cannot request access' });
    await this.syncDatasetServices();
    const service = await this.store.getService(r.serviceId);
    if (!service || service.status !== 'active') throw notFoundService();
    const terms = await this.checkTerms(service, {
      fields: r.fields, clearFields: r.clearFields ?? [], maskedFields: [], rowFilter: r.rowFilter ?? [], purpose: nfc(r.purpose), legalBasis: nfc(r.legalBasis),
      validFrom: date(r.validFrom, 'validFrom'), validTo: date(r.validTo, 'validTo'), dailyRowLimit: r.dailyRowLimit,
    });
    const open = await this.store.listAgreements({ orgId: consumer.org_id, side: 'consumer', status: null, serviceId: service.id });
    if (open.some((a) => a.consumer_subsystem_id === consumer.id && ['requested', 'changes_requested', 'active'].includes(a.status) && !(a.status === 'active' && new Date(a.valid_to) <= new Date()))) {
      throw conflict({ vi: 'Hệ thống này đã có yêu cầu hoặc thỏa thuận còn hiệu lực với dịch vụ', en: 'This subsystem already has a pending or active agreement on the service' });
    }
    const id = await this.deps.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const id = await store.insertAgreement({ consumerSubsystemId: consumer.id, consumerOrgId: consumer.org_id, serviceId: service.id, providerOrgId: service.org_id, terms, requestedBy: actor.id });
      await this.record(id, 'requested', actor, null, terms, store);
      await store.notify({ orgId: service.org_id, kind: 'agreement.requested', title: `Yêu cầu chia sẻ dữ liệu “${service.title}” từ ${consumer.org_id}`, body: terms.purpose, link: `/ldop/agreements/${id}` });
      return id;
    });
    return (await this.store.getAgreement(id))!;
  }

  /** The agreement, if the caller is on either side (or an administrator). @throws AppError NOT_FOUND */
  async getAgreement(actor: Principal, id: string) {
    authorize(actor, 'sharing:read');
    const a = await this.store.getAgreement(id);
    if (!a || (!seesAll(actor) && actor.orgId !== a.consumer_org_id && actor.orgId !== a.provider_org_id)) throw notFoundAgreement();
    return { agreement: a, history: await this.store.history(a.id) };
  }

  async listAgreements(actor: Principal, p: { side?: 'consumer' | 'provider' | 'both'; status?: string; orgId?: string; serviceId?: string }) {
    authorize(actor, 'sharing:read');
    await this.expire();
    return this.store.listAgreements({ orgId: scopeOrg(actor, p.orgId), side: p.side ?? 'both', status: p.status ?? null, serviceId: p.serviceId ?? null });
  }

  /** Runs `fn` on the agreement under a row lock, after checking the caller may act for `side`. */
  private async transition(actor: Principal, id: string, side: 'provider' | 'consumer' | 'either', from: string[], fn: (a: AgreementRow, store: SharingStore) => Promise<void>): Promise<AgreementRow> {
    await this.deps.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const a = await store.getAgreement(id, true);
      const mine = (org: string) => seesAll(actor) || actor.orgId === org;
      if (!a || !(mine(a.consumer_org_id) || mine(a.provider_org_id))) throw notFoundAgreement();
      if (side === 'provider') actFor(actor, 'sharing:approve', a.provider_org_id);
      else if (side === 'consumer') actFor(actor, 'sharing:write', a.consumer_org_id);
      else actFor(actor, mine(a.provider_org_id) ? 'sharing:approve' : 'sharing:write', mine(a.provider_org_id) ? a.provider_org_id : a.consumer_org_id);
      if (!from.includes(a.status)) throw conflict({ vi: `Thỏa thuận đang ở trạng thái ${a.status}`, en: `The agreement is ${a.status}` });
      await fn(a, store);
    });
    return (await this.store.getAgreement(id))!;
  }

  /**
   * The provider approves, possibly narrowing: fewer fields, fewer clear personal fields, more masked
   * fields, a stricter row filter, a shorter period, a lower volume. It may never widen the request.
   * @throws AppError FORBIDDEN, CONFLICT, VALIDATION_FAILED
   */
  async approve(actor: Principal, id: string, d: Decision): Promise<AgreementRow> {
    const a0 = await this.store.getAgreement(id);
    const service = a0 ? await this.store.getService(a0.service_id) : null;
    const approved = await this.transition(actor, id, 'provider', ['requested'], async (a, store) => {
      // Four eyes: whoever wrote the terms being approved (the request, or its last resubmission)
      // cannot approve them — what matters when provider and consumer are one agency, whose steward
      // could otherwise grant itself its own personal data.
      const authors = new Set([a.requested_by, ...(await store.history(a.id)).filter((h) => h.action === 'requested' || h.action === 'resubmitted').map((h) => h.actor_id)]);
      if (actor.id && authors.has(actor.id)) {
        throw forbidden({ vi: 'Người yêu cầu không được tự phê duyệt thỏa thuận; cần một người khác phê duyệt (nguyên tắc bốn mắt)', en: 'The requester may not approve their own agreement; another person must approve it (four eyes)' });
      }
      const req = termsOf(a);
      const t = await this.checkTerms(service!, {
        ...req,
        fields: d.fields ?? req.fields,
        clearFields: d.clearFields ?? req.clearFields.filter((f) => (d.fields ?? req.fields).includes(f)),
        maskedFields: d.maskedFields ?? req.maskedFields,
        rowFilter: d.rowFilter ?? req.rowFilter,
        validFrom: d.validFrom ? date(d.validFrom, 'validFrom') : req.validFrom,
        validTo: d.validTo ? date(d.validTo, 'validTo') : req.validTo,
        dailyRowLimit: d.dailyRowLimit ?? req.dailyRowLimit,
      });
      const widened = [
        t.fields.some((f) => !req.fields.includes(f)) && 'fields',
        t.clearFields.some((f) => !req.clearFields.includes(f)) && 'clearFields',
        !keepsConditions(req.rowFilter, t.rowFilter) && 'rowFilter',
        t.validFrom < req.validFrom && 'validFrom',
        t.validTo > req.validTo && 'validTo',
        t.dailyRowLimit > req.dailyRowLimit && 'dailyRowLimit',
      ].filter((x): x is string => !!x);
      if (widened.length) throw invalid({ vi: `Chỉ được thu hẹp yêu cầu, không mở rộng: ${widened.join(', ')}`, en: `Approval may narrow the request, not widen it: ${widened.join(', ')}` }, widened.map((f) => ({ field: f, message: 'wider than requested' })));
      await store.setAgreement(a.id, 'active', t, actor.id);
      await this.record(a.id, 'approved', actor, d.note ?? null, t, store);
      await store.notify({ orgId: a.consumer_org_id, kind: 'agreement.approved', title: `Đã phê duyệt chia sẻ “${a.service_title}”`, body: d.note ?? null, link: `/ldop/agreements/${a.id}` });
    });
    // The row filter is applied to every call of the agreement: its columns must be index reads.
    await this.queueAccessIndexes(service?.dataset_id ?? null, approved.row_filter, [], `sharing-agreement:${approved.id}`);
    return approved;
  }

  async reject(actor: Principal, id: string, note: string): Promise<AgreementRow> {
    return this.transition(actor, id, 'provider', ['requested'], async (a, store) => {
      await store.setAgreement(a.id, 'rejected', null, actor.id);
      await this.record(a.id, 'rejected', actor, note, termsOf(a), store);
      await store.notify({ orgId: a.consumer_org_id, kind: 'agreement.rejected', title: `Yêu cầu chia sẻ “${a.service_title}” bị từ chối`, body: note, link: `/ldop/agreements/${a.id}` });
    });
  }

  async requestChanges(actor: Principal, id: string, note: string): Promise<AgreementRow> {
    return this.transition(actor, id, 'provider', ['requested'], async (a, store) => {
      await store.setAgreement(a.id, 'changes_requested', null, actor.id);
      await this.record(a.id, 'changes_requested', actor, note, termsOf(a), store);
      await store.notify({ orgId: a.consumer_org_id, kind: 'agreement.changes_requested', title: `Cần điều chỉnh yêu cầu chia sẻ “${a.service_title}”`, body: note, link: `/ldop/agreements/${a.id}` });
    });
  }

  /** The consumer answers a request for changes with new terms. */
  async resubmit(actor: Principal, id: string, r: Omit<AgreementRequest, 'consumerSubsystemId' | 'serviceId'> & { note?: string }): Promise<AgreementRow> {
    const a0 = await this.store.getAgreement(id);
    const service = a0 ? await this.store.getService(a0.service_id) : null;
    return this.transition(actor, id, 'consumer', ['changes_requested'], async (a, store) => {
      const t = await this.checkTerms(service!, {
        fields: r.fields, clearFields: r.clearFields ?? [], maskedFields: [], rowFilter: r.rowFilter ?? [], purpose: nfc(r.purpose), legalBasis: nfc(r.legalBasis),
        validFrom: date(r.validFrom, 'validFrom'), validTo: date(r.validTo, 'validTo'), dailyRowLimit: r.dailyRowLimit,
      });
      await store.setAgreement(a.id, 'requested', t, null);
      await this.record(a.id, 'resubmitted', actor, r.note ?? null, t, store);
      await store.notify({ orgId: a.provider_org_id, kind: 'agreement.resubmitted', title: `Yêu cầu chia sẻ “${a.service_title}” đã được điều chỉnh`, body: r.note ?? null, link: `/ldop/agreements/${a.id}` });
    });
  }

  /** Either side ends an agreement: the provider revokes it, the consumer withdraws (from any open state). */
  async revoke(actor: Principal, id: string, note: string): Promise<AgreementRow> {
    return this.transition(actor, id, 'either', ['requested', 'changes_requested', 'active'], async (a, store) => {
      const byProvider = seesAll(actor) || actor.orgId === a.provider_org_id;
      const status = byProvider ? 'revoked' : 'withdrawn';
      await store.setAgreement(a.id, status, null, actor.id);
      await this.record(a.id, status, actor, note, termsOf(a), store);
      await store.notify({ orgId: byProvider ? a.consumer_org_id : a.provider_org_id, kind: `agreement.${status}`, title: `Thỏa thuận chia sẻ “${a.service_title}” đã chấm dứt (${status})`, body: note, link: `/ldop/agreements/${a.id}` });
    });
  }

  private readonly leases = new Map<string, number>();
  /**
   * Takes `rows` from an agreement's daily volume. The database counter is shared by every
   * instance, so it is taken in leases (a twentieth of the limit, or what is asked if more) rather
   * than per request: concurrent calls then do not queue on one counter row. Rows leased but not
   * delivered count as used for the day; the message log holds what was delivered.
   * @returns false when the day's volume cannot cover `rows`.
   */
  async takeVolume(agreementId: string, rows: number, limit: number): Promise<boolean> {
    if (rows === 0) return true;
    const day = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
    const key = `${agreementId}/${day}`;
    const left = this.leases.get(key) ?? 0;
    if (left >= rows) {
      this.leases.set(key, left - rows);
      return true;
    }
    const chunk = Math.max(rows - left, Math.ceil(limit / 20));
    for (const size of chunk > rows - left ? [chunk, rows - left] : [rows - left]) {
      if (await this.store.consumeVolume(agreementId, size, limit)) {
        if (this.leases.size > 10_000) this.leases.clear();
        this.leases.set(key, left + size - rows);
        return true;
      }
    }
    return false;
  }

  /** Marks agreements past their end as expired, with a history row and a notice to both sides. */
  async expire(): Promise<number> {
    const gone = await this.deps.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const rows = await store.expireDue();
      for (const a of rows) {
        const full = (await store.getAgreement(a.id))!;
        await this.record(a.id, 'expired', SYSTEM, null, termsOf(full), store);
        for (const org of [a.consumer_org_id, a.provider_org_id]) {
          await store.notify({ orgId: org, kind: 'agreement.expired', title: `Thỏa thuận chia sẻ “${full.service_title}” đã hết hạn`, link: `/ldop/agreements/${a.id}` });
        }
      }
      return rows.length;
    });
    return gone;
  }

  // ---- notifications ----------------------------------------------------------------------------

  async notifications(actor: Principal, p: { unread?: boolean; limit?: number }) {
    if (!actor.orgId) return [];
    return this.store.notifications(actor.orgId, actor.id, !!p.unread, Math.min(Math.max(p.limit ?? 50, 1), 200));
  }

  async markRead(actor: Principal, id: number): Promise<void> {
    if (!actor.orgId || !(await this.store.markRead(actor.orgId, id))) throw notFound({ vi: 'Không có thông báo này', en: 'No such notification' });
  }

  // ---- message log, usage, KPI ------------------------------------------------------------------

  /** Exchanges a member took part in, as consumer or provider (administrators: all). */
  async logFor(actor: Principal, p: { side?: 'consumer' | 'provider' | 'both'; orgId?: string; serviceId?: string; before?: number; limit?: number }) {
    authorize(actor, 'sharing:read');
    return this.store.logRows({ orgId: scopeOrg(actor, p.orgId), side: p.side ?? 'both', serviceId: p.serviceId ?? null, before: p.before ?? null, limit: Math.min(Math.max(p.limit ?? 100, 1), 1000) });
  }

  /** Usage of a provider member's services (or one service): requests, errors, p95 latency, top consumers, agreements about to expire. */
  async usage(actor: Principal, p: { orgId?: string; serviceId?: string; days?: number }) {
    authorize(actor, 'sharing:read');
    const orgId = scopeOrg(actor, p.orgId);
    const days = Math.min(Math.max(p.days ?? 30, 1), 366);
    if (p.serviceId) {
      const s = await this.store.getService(p.serviceId);
      if (!s || (orgId !== null && s.org_id !== orgId)) throw notFoundService();
    }
    const [totals, services, consumers, expiring] = [
      await this.store.usage({ providerOrgId: orgId, serviceId: p.serviceId ?? null, days }),
      await this.store.usageByService({ providerOrgId: orgId, days }),
      await this.store.topConsumers({ providerOrgId: orgId, serviceId: p.serviceId ?? null, days, limit: 10 }),
      await this.store.expiringSoon(orgId, 30),
    ];
    return { days, orgId, serviceId: p.serviceId ?? null, totals, services: p.serviceId ? services.filter((s) => s.service_id === p.serviceId) : services, topConsumers: consumers, expiring };
  }

  /** The KPI "share of agencies connected to the LDOP" over the last 30 days. Public figure. */
  async kpi() {
    const c = await this.store.connectedAgencies(30);
    return { kpi: 'ldop.agencies_connected_share', windowDays: 30, agencies: c.total, connected: c.connected.length, share: c.total ? c.connected.length / c.total : 0, connectedAgencies: c.connected };
  }

  // ---- periodic maintenance ---------------------------------------------------------------------

  /** Queues the maintenance job unless one is waiting (call once the job loop runs). */
  async schedule(): Promise<void> {
    if (!(await this.store.jobPending(MAINTENANCE))) await this.deps.jobs.enqueue(MAINTENANCE, {}, { runAt: new Date(Date.now() + this.opts.checkpointEveryMinutes * 60_000) });
  }

  /** Signs a checkpoint, expires agreements, forgets nonces older than a day, and queues itself again. */
  async maintenance(): Promise<void> {
    await this.log.checkpoint();
    await this.expire();
    await this.store.pruneNonces(24);
    await this.deps.jobs.enqueue(MAINTENANCE, {}, { runAt: new Date(Date.now() + this.opts.checkpointEveryMinutes * 60_000) });
  }

  // ---- webhooks ---------------------------------------------------------------------------------

  /** Subscribes a consumer subsystem to new versions of a dataset-backed service it has an agreement on. The secret is shown once. */
  async createWebhook(actor: Principal, w: { subsystemId: string; serviceId: string; url: string }) {
    const sub = await this.subsystemFor(actor, w.subsystemId);
    const service = await this.store.getService(w.serviceId);
    if (!service) throw notFoundService();
    if (!service.dataset_id) throw invalid({ vi: 'Chỉ đăng ký nhận tin cho dịch vụ dựa trên tập dữ liệu', en: 'Only dataset-backed services publish versions' }, [{ field: 'serviceId', message: 'not dataset-backed' }]);
    const current = await this.store.currentAgreement(sub.id, service.id);
    if (!current || current.status !== 'active') throw new AppError('AGREEMENT_REQUIRED');
    const url = (await checkOutboundUrl(w.url, 'url', this.outbound)).toString();
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const row = await this.store.insertWebhook({ subsystemId: sub.id, serviceId: service.id, url, secret: this.deps.secrets?.seal(secret) ?? secret, createdBy: actor.id });
    return { webhook: row, secret };
  }

  async listWebhooks(actor: Principal, subsystemId?: string) {
    authorize(actor, 'sharing:read');
    const subs = subsystemId ? [await this.subsystemFor(actor, subsystemId, 'sharing:read')] : await this.store.listSubsystems(scopeOrg(actor));
    return this.store.listWebhooks(subs.map((s) => s.id));
  }

  async webhookFor(actor: Principal, id: string) {
    const w = await this.store.getWebhook(id);
    if (!w) throw notFound({ vi: 'Không có webhook này', en: 'No such webhook' });
    await this.subsystemFor(actor, w.subsystem_id, 'sharing:read').catch(() => {
      throw notFound({ vi: 'Không có webhook này', en: 'No such webhook' });
    });
    return w;
  }

  async deleteWebhook(actor: Principal, id: string): Promise<void> {
    const w = await this.webhookFor(actor, id);
    await this.subsystemFor(actor, w.subsystem_id, 'sharing:write');
    await this.store.deactivateWebhook(w.id);
  }

  async webhookDeliveries(actor: Principal, id: string) {
    return this.store.deliveries((await this.webhookFor(actor, id)).id);
  }

  /**
   * Seals webhook secrets written before they were sealed at rest (idempotent; queued by migration
   * 002). Returns how many it sealed.
   */
  async sealLegacyWebhookSecrets(): Promise<number> {
    const box = this.deps.secrets;
    if (!box) return 0;
    let n = 0;
    for (const w of await this.store.unsealedWebhookSecrets()) n += await this.store.replaceWebhookSecret(w.id, w.secret, box.seal(w.secret));
    return n;
  }

  /** Subscriber of `dataset.version.published` (wired in the composition root): exposes the dataset and queues one delivery per webhook. */
  async onDatasetPublished(event: DomainEvent): Promise<void> {
    const datasetId = String(event.payload.datasetId ?? '');
    // Only a dataset that no longer exists ends the work; any other failure throws, so the event's
    // job is retried with backoff (an error swallowed here was never retried).
    const ds = await this.deps.catalog.getDataset(SYSTEM, datasetId).catch((e: unknown) => {
      if (e instanceof AppError && e.code === 'NOT_FOUND') return null;
      throw e;
    });
    if (!ds) return;
    this.fieldCache.clear();
    await this.exposeDataset(ds);
    // All deliveries or none: a retry after a failure here does not queue some of them twice.
    await this.deps.db.transaction(async (tx) => {
      for (const w of await this.store.with(tx).webhooksForDataset(ds.id)) {
        await this.deps.jobs.enqueue(WEBHOOK, { webhookId: w.id, event: { id: event.id, type: event.topic, createdAt: event.createdAt, dataset: ds.slug, version: event.payload.version, rows: event.payload.rows } }, { maxAttempts: this.opts.webhookAttempts }, tx);
      }
    });
  }

  /** One delivery attempt; throws on anything but 2xx so the job queue retries with backoff. */
  private async deliverWebhook(job: Job): Promise<void> {
    const { webhookId, event } = job.payload as { webhookId: string; event: { id: number } & Record<string, unknown> };
    const w = await this.store.getWebhook(webhookId);
    if (!w || !w.active) return;
    const body = JSON.stringify(event);
    const t = Math.floor(Date.now() / 1000);
    const secret = this.deps.secrets ? this.deps.secrets.unseal(w.secret) : w.secret;
    const signature = `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const r = await outboundRequest(this.outbound, new URL(w.url), {
        method: 'POST', body, timeoutMs: this.opts.outboundTimeoutMs, maxBytes: 64 * 1024,
        headers: { 'content-type': 'application/json', 'x-ldop-signature': signature, 'x-ldop-event-id': String(event.id), 'x-ldop-delivery-attempt': String(job.attempts), 'user-agent': 'provdata-ldop/1' },
      });
      status = r.status;
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (e) {
      // A refused target is recorded as such; the receiver's own answer is never kept.
      error = e instanceof OutboundRefused ? `refused: ${e.reason}`.slice(0, 300) : e instanceof Error ? e.message.slice(0, 300) : 'failed';
    }
    await this.store.recordDelivery({ webhookId: w.id, eventId: Number(event.id), attempt: job.attempts, responseStatus: status, error });
    if (error) throw new Error(`webhook ${w.id}: ${error}`);
  }
}

/** Parses an ISO 8601 date or date-time. @throws AppError VALIDATION_FAILED */
function date(s: string, field: string): Date {
  const d = new Date(s);
  // Years outside 2000–2199 are typos, and some (year 0) PostgreSQL cannot store.
  if (typeof s !== 'string' || !/^(20|21)\d{2}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime())) throw invalid({ vi: `Ngày ${field} không hợp lệ`, en: `Invalid date ${field}` }, [{ field, message: 'invalid date' }]);
  return d;
}

function checkParams(params: ServiceParam[]): void {
  const seen = new Set<string>();
  for (const p of params) {
    if (!COLUMN.test(p.name) || RESERVED_PARAMS.has(p.name) || seen.has(p.name) || !(PARAM_TYPES as readonly string[]).includes(p.type)) {
      throw invalid({ vi: `Tham số "${p.name}" không hợp lệ, trùng hoặc trùng tên dành riêng`, en: `Parameter "${p.name}" is invalid, duplicate or reserved` }, [{ field: 'params', message: p.name }]);
    }
    seen.add(p.name);
  }
}

/** Checks a query template against the dataset's columns and the declared parameters. @throws AppError VALIDATION_FAILED */
function checkTemplate(t: QueryTemplate, params: ServiceParam[], columns: ReadonlySet<string>): QueryTemplate {
  checkParams(params);
  const names = new Set(params.map((p) => p.name));
  const bad = (en: string) => invalid({ vi: `Mẫu truy vấn không hợp lệ: ${en}`, en: `Invalid query template: ${en}` }, [{ field: 'template', message: en }]);
  for (const f of t.fields ?? []) if (!columns.has(f)) throw bad(`unknown field ${f}`);
  for (const f of t.filters ?? []) {
    if (!columns.has(f.column)) throw bad(`unknown column ${f.column}`);
    if (!(FILTER_OPS as readonly string[]).includes(f.op)) throw bad(`unknown operator ${f.op}`);
    if (f.param !== undefined && !names.has(f.param)) throw bad(`undeclared parameter ${f.param}`);
  }
  for (const s of t.sort ?? []) {
    if (!columns.has(s.column)) throw bad(`unknown sort column ${s.column}`);
    // A sort on a column the service does not offer would order rows by values no consumer may see.
    if (t.fields && !t.fields.includes(s.column)) throw bad(`sort column ${s.column} is not among the template's fields`);
  }
  const filters = (t.filters ?? []).map((f) => (f.value === undefined ? f : {
    ...f, value: f.op === 'in' ? (Array.isArray(f.value) ? f.value : [f.value]) : Array.isArray(f.value) && f.value.length === 1 ? f.value[0] : f.value,
  }));
  return { ...(t.fields ? { fields: t.fields } : {}), filters, ...(t.sort ? { sort: t.sort } : {}) };
}
