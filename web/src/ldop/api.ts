/**
 * The LDOP management API (`/api/ldop/…`, `/api/notifications`) as the web app sees it: subsystems and
 * their credentials, the service catalogue, sharing agreements, the message log and usage. Answers are
 * checked at the edge (shape, not every field), as in `data/api.ts`.
 */
import { apiFetch } from '../api.ts';
import { arr, contractBreak, obj, type Obj } from '../shape.ts';

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

// ---- Subsystems and credentials ----------------------------------------------------------------

export interface Subsystem {
  id: string;
  orgId: string;
  code: string;
  name: string;
  environment: string;
  status: string;
  managed: boolean;
  rateLimitPerMinute: number | null;
  createdAt: string | null;
}

export interface SubsystemKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface Certificate {
  id: string;
  fingerprint: string;
  subject: string | null;
  notAfter: string | null;
  createdAt: string | null;
  revokedAt: string | null;
}

function subsystem(value: unknown): Subsystem {
  const s = obj(value, 'subsystem');
  if (typeof s.id !== 'string' || typeof s.code !== 'string') throw contractBreak('subsystem');
  return {
    id: s.id,
    orgId: str(s.orgId) ?? '',
    code: s.code,
    name: str(s.name) ?? s.code,
    environment: str(s.environment) ?? 'production',
    status: str(s.status) ?? 'active',
    managed: s.managed === true,
    rateLimitPerMinute: num(s.rateLimitPerMinute),
    createdAt: str(s.createdAt),
  };
}

function subsystemKey(value: unknown): SubsystemKey {
  const k = obj(value, 'key');
  return {
    id: String(k.id),
    name: str(k.name) ?? '',
    prefix: str(k.prefix) ?? '',
    createdAt: str(k.createdAt),
    expiresAt: str(k.expiresAt),
    revokedAt: str(k.revokedAt),
    lastUsedAt: str(k.lastUsedAt),
  };
}

function certificate(value: unknown): Certificate {
  const c = obj(value, 'certificate');
  return {
    id: String(c.id),
    fingerprint: str(c.fingerprint) ?? '',
    subject: str(c.subject),
    notAfter: str(c.notAfter),
    createdAt: str(c.createdAt),
    revokedAt: str(c.revokedAt),
  };
}

const subsystemPath = (id: string) => `/api/ldop/subsystems/${encodeURIComponent(id)}`;

/** Subsystems of the caller's agency (the server scopes non-admins to their own). */
export async function listSubsystems(signal?: AbortSignal): Promise<Subsystem[]> {
  return arr(await apiFetch('/api/ldop/subsystems', { signal }), 'subsystems').map(subsystem);
}

/** @throws ApiError VALIDATION_FAILED (bad code), CONFLICT (code taken), FORBIDDEN. */
export async function createSubsystem(body: { code: string; name: string; environment: 'production' | 'test' }): Promise<Subsystem> {
  return subsystem(await apiFetch('/api/ldop/subsystems', { method: 'POST', body }));
}

export async function listKeys(subsystemId: string, signal?: AbortSignal): Promise<SubsystemKey[]> {
  return arr(await apiFetch(`${subsystemPath(subsystemId)}/keys`, { signal }), 'keys').map(subsystemKey);
}

/** Issues a `pdl_…` key; the secret is in this answer only and never again. */
export async function issueKey(subsystemId: string, body: { name: string; expiresInDays?: number }): Promise<{ key: string; apiKey: SubsystemKey }> {
  const r = obj(await apiFetch(`${subsystemPath(subsystemId)}/keys`, { method: 'POST', body }), 'issued key');
  if (typeof r.key !== 'string') throw contractBreak('issued key');
  return { key: r.key, apiKey: subsystemKey(r.apiKey) };
}

export async function revokeKey(subsystemId: string, keyId: string): Promise<void> {
  await apiFetch(`${subsystemPath(subsystemId)}/keys/${encodeURIComponent(keyId)}`, { method: 'DELETE' });
}

export async function listCertificates(subsystemId: string, signal?: AbortSignal): Promise<Certificate[]> {
  return arr(await apiFetch(`${subsystemPath(subsystemId)}/certificates`, { signal }), 'certificates').map(certificate);
}

/** Registers a client certificate (PEM); the server pins its SHA-256 fingerprint. */
export async function registerCertificate(subsystemId: string, pem: string): Promise<Certificate> {
  return certificate(await apiFetch(`${subsystemPath(subsystemId)}/certificates`, { method: 'POST', body: { pem } }));
}

export async function revokeCertificate(subsystemId: string, certId: string): Promise<void> {
  await apiFetch(`${subsystemPath(subsystemId)}/certificates/${encodeURIComponent(certId)}`, { method: 'DELETE' });
}

// ---- Services ----------------------------------------------------------------------------------

export type PersonalData = 'none' | 'basic' | 'sensitive';

export interface ServiceField {
  name: string;
  type: string;
  elementCode: string | null;
  personalData: PersonalData;
}

export interface ServiceAccess {
  agreementId: string;
  consumerOrgId: string;
  consumerSubsystem: string;
  validTo: string | null;
}

export interface Service {
  id: string;
  orgId: string;
  subsystem: string;
  code: string;
  kind: string;
  title: string;
  description: string | null;
  path: string;
  status: string;
  access: ServiceAccess[];
  /** Only on the detail answer. */
  fields: ServiceField[];
}

function service(value: unknown): Service {
  const s = obj(value, 'service');
  if (typeof s.id !== 'string' || typeof s.code !== 'string') throw contractBreak('service');
  return {
    id: s.id,
    orgId: str(s.orgId) ?? '',
    subsystem: str(s.subsystem) ?? '',
    code: s.code,
    kind: str(s.kind) ?? 'dataset',
    title: str(s.title) ?? s.code,
    description: str(s.description),
    path: str(s.path) ?? '',
    status: str(s.status) ?? 'active',
    access: Array.isArray(s.access)
      ? s.access.map((a) => {
          const r = obj(a, 'access');
          return { agreementId: String(r.agreementId), consumerOrgId: str(r.consumerOrgId) ?? '', consumerSubsystem: str(r.consumerSubsystem) ?? '', validTo: str(r.validTo) };
        })
      : [],
    fields: Array.isArray(s.fields)
      ? s.fields.map((f) => {
          const r = obj(f, 'field');
          const pd = r.personalData;
          return { name: String(r.name), type: str(r.type) ?? 'text', elementCode: str(r.elementCode), personalData: pd === 'basic' || pd === 'sensitive' ? pd : 'none' };
        })
      : [],
  };
}

/** Searches the one service catalogue (diacritics optional on the server). */
export async function searchServices(params: { q: string; limit: number; offset: number }, signal?: AbortSignal): Promise<{ total: number; items: Service[] }> {
  const qs = new URLSearchParams({ limit: String(params.limit), offset: String(params.offset) });
  if (params.q.trim()) qs.set('q', params.q.trim());
  const body = obj(await apiFetch(`/api/ldop/services?${qs}`, { signal }), 'services');
  return { total: num(body.total) ?? 0, items: arr(body.items, 'services').map(service) };
}

export async function getService(id: string, signal?: AbortSignal): Promise<Service> {
  return service(await apiFetch(`/api/ldop/services/${encodeURIComponent(id)}`, { signal }));
}

// ---- Agreements --------------------------------------------------------------------------------

export type RowCondition = { column: string; op: 'eq' | 'ne' | 'in' | 'lt' | 'lte' | 'gt' | 'gte'; value: string | number | boolean | (string | number | boolean)[] };

export type AgreementStatus = 'requested' | 'changes_requested' | 'active' | 'rejected' | 'revoked' | 'expired' | 'withdrawn';

export interface Terms {
  fields: string[];
  clearFields: string[];
  maskedFields: string[];
  rowFilter: RowCondition[];
  purpose: string;
  legalBasis: string;
  validFrom: string | null;
  validTo: string | null;
  dailyRowLimit: number | null;
}

export interface HistoryEntry {
  id: number;
  at: string | null;
  action: string;
  actorName: string | null;
  actorOrgId: string | null;
  note: string | null;
  terms: Partial<Terms> | null;
}

export interface Agreement extends Terms {
  id: string;
  status: AgreementStatus;
  consumerOrgId: string;
  consumerSubsystemId: string;
  consumerSubsystem: string | null;
  providerOrgId: string;
  serviceId: string;
  serviceCode: string | null;
  serviceTitle: string | null;
  path: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  /** Only on the detail answer. */
  history: HistoryEntry[];
}

function rowFilter(value: unknown): RowCondition[] {
  return Array.isArray(value) ? (value.filter((c) => typeof c === 'object' && c !== null && typeof (c as Obj).column === 'string') as RowCondition[]) : [];
}

function agreement(value: unknown): Agreement {
  const a = obj(value, 'agreement');
  if (typeof a.id !== 'string' || typeof a.status !== 'string') throw contractBreak('agreement');
  return {
    id: a.id,
    status: a.status as AgreementStatus,
    consumerOrgId: str(a.consumerOrgId) ?? '',
    consumerSubsystemId: str(a.consumerSubsystemId) ?? '',
    consumerSubsystem: str(a.consumerSubsystem),
    providerOrgId: str(a.providerOrgId) ?? '',
    serviceId: str(a.serviceId) ?? '',
    serviceCode: str(a.serviceCode),
    serviceTitle: str(a.serviceTitle),
    path: str(a.path),
    fields: strings(a.fields),
    clearFields: strings(a.clearFields),
    maskedFields: strings(a.maskedFields),
    rowFilter: rowFilter(a.rowFilter),
    purpose: str(a.purpose) ?? '',
    legalBasis: str(a.legalBasis) ?? '',
    validFrom: str(a.validFrom),
    validTo: str(a.validTo),
    dailyRowLimit: num(a.dailyRowLimit),
    createdAt: str(a.createdAt),
    updatedAt: str(a.updatedAt),
    history: Array.isArray(a.history)
      ? a.history.map((h) => {
          const r = obj(h, 'history');
          const terms = typeof r.terms === 'object' && r.terms !== null ? (r.terms as Obj) : null;
          return {
            id: num(r.id) ?? 0,
            at: str(r.at),
            action: str(r.action) ?? '',
            actorName: str(r.actorName),
            actorOrgId: str(r.actorOrgId),
            note: str(r.note),
            terms: terms
              ? {
                  fields: strings(terms.fields),
                  clearFields: strings(terms.clearFields ?? terms.clear_fields),
                  maskedFields: strings(terms.maskedFields ?? terms.masked_fields),
                  rowFilter: rowFilter(terms.rowFilter ?? terms.row_filter),
                }
              : null,
          };
        })
      : [],
  };
}

export type Side = 'consumer' | 'provider' | 'both';

export async function listAgreements(side: Side, signal?: AbortSignal): Promise<Agreement[]> {
  return arr(await apiFetch(`/api/ldop/agreements?side=${side}`, { signal }), 'agreements').map(agreement);
}

export async function getAgreement(id: string, signal?: AbortSignal): Promise<Agreement> {
  return agreement(await apiFetch(`/api/ldop/agreements/${encodeURIComponent(id)}`, { signal }));
}

export interface AgreementRequest {
  consumerSubsystemId: string;
  serviceId: string;
  fields: string[];
  clearFields: string[];
  rowFilter?: RowCondition[];
  purpose: string;
  legalBasis: string;
  validFrom: string;
  validTo: string;
  dailyRowLimit: number;
}

/** @throws ApiError VALIDATION_FAILED (unknown field, bad period…), CONFLICT (already requested). */
export async function requestAgreement(body: AgreementRequest): Promise<Agreement> {
  return agreement(await apiFetch('/api/ldop/agreements', { method: 'POST', body }));
}

export interface Approval {
  fields?: string[];
  clearFields?: string[];
  maskedFields?: string[];
  rowFilter?: RowCondition[];
  validTo?: string;
  dailyRowLimit?: number;
  note?: string;
}

const agreementAction = (id: string, action: string) => `/api/ldop/agreements/${encodeURIComponent(id)}/${action}`;

/** @throws ApiError VALIDATION_FAILED when the approval would widen the request. */
export async function approveAgreement(id: string, body: Approval): Promise<Agreement> {
  return agreement(await apiFetch(agreementAction(id, 'approve'), { method: 'POST', body }));
}

export type Decision = 'reject' | 'request-changes' | 'revoke';

/** Reject, ask for changes (provider) or revoke / withdraw (either side); a note is required. */
export async function decideAgreement(id: string, decision: Decision, note: string): Promise<Agreement> {
  return agreement(await apiFetch(agreementAction(id, decision), { method: 'POST', body: { note } }));
}

// ---- Message log, checkpoints, usage -----------------------------------------------------------

export interface Exchange {
  id: number;
  at: string | null;
  consumerOrgId: string | null;
  consumerSubsystemId: string | null;
  providerOrgId: string | null;
  providerSubsystem: string | null;
  serviceCode: string | null;
  agreementId: string | null;
  requestSha256: string;
  responseSha256: string;
  rows: number;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  hash: string;
}

export async function listExchanges(side: Side, signal?: AbortSignal): Promise<Exchange[]> {
  return arr(await apiFetch(`/api/ldop/log?side=${side}&limit=200`, { signal }), 'log').map((v) => {
    const r = obj(v, 'exchange');
    return {
      id: num(r.id) ?? 0,
      at: str(r.at),
      consumerOrgId: str(r.consumerOrgId),
      consumerSubsystemId: str(r.consumerSubsystemId),
      providerOrgId: str(r.providerOrgId),
      providerSubsystem: str(r.providerSubsystem),
      serviceCode: str(r.serviceCode),
      agreementId: str(r.agreementId),
      requestSha256: str(r.requestSha256) ?? '',
      responseSha256: str(r.responseSha256) ?? '',
      rows: num(r.rows) ?? 0,
      status: num(r.status) ?? 0,
      errorCode: str(r.errorCode),
      latencyMs: num(r.latencyMs) ?? 0,
      hash: str(r.hash) ?? '',
    };
  });
}

export interface Checkpoint {
  id: number;
  at: string | null;
  lastId: number;
  headHash: string;
  keyId: string;
  signature: string;
  signedMessage: string;
  publicKeyPem: string | null;
}

function checkpoint(value: unknown): Checkpoint {
  const c = obj(value, 'checkpoint');
  return {
    id: num(c.id) ?? 0,
    at: str(c.at),
    lastId: num(c.lastId) ?? 0,
    headHash: str(c.headHash) ?? '',
    keyId: str(c.keyId) ?? '',
    signature: str(c.signature) ?? '',
    signedMessage: str(c.signedMessage) ?? '',
    publicKeyPem: str(c.publicKeyPem),
  };
}

export async function listCheckpoints(signal?: AbortSignal): Promise<Checkpoint[]> {
  return arr(await apiFetch('/api/ldop/checkpoints', { signal }), 'checkpoints').map(checkpoint);
}

/** One checkpoint with the public key that signed it. */
export async function getCheckpoint(id: number, signal?: AbortSignal): Promise<Checkpoint> {
  return checkpoint(await apiFetch(`/api/ldop/checkpoints/${id}`, { signal }));
}

export const checkpointUrl = (id: number) => `/api/ldop/checkpoints/${id}`;

export interface Usage {
  days: number;
  totals: { requests: number; errors: number; p95LatencyMs: number | null; rows: number };
  services: { serviceId: string; serviceCode: string; requests: number; errors: number; p95LatencyMs: number | null; rows: number }[];
  topConsumers: { orgId: string; requests: number; rows: number }[];
  expiring: Agreement[];
}

/** Usage of the caller's agency as a provider over `days` days. */
export async function getUsage(days: number, signal?: AbortSignal): Promise<Usage> {
  const u = obj(await apiFetch(`/api/ldop/usage?days=${days}`, { signal }), 'usage');
  const totals = obj(u.totals ?? {}, 'usage totals');
  return {
    days: num(u.days) ?? days,
    totals: { requests: num(totals.requests) ?? 0, errors: num(totals.errors) ?? 0, p95LatencyMs: num(totals.p95LatencyMs ?? totals.p95), rows: num(totals.rows) ?? 0 },
    services: Array.isArray(u.services)
      ? u.services.map((s) => {
          const r = obj(s, 'usage service');
          return { serviceId: String(r.serviceId), serviceCode: str(r.serviceCode) ?? '', requests: num(r.requests) ?? 0, errors: num(r.errors) ?? 0, p95LatencyMs: num(r.p95LatencyMs), rows: num(r.rows) ?? 0 };
        })
      : [],
    topConsumers: Array.isArray(u.topConsumers)
      ? u.topConsumers.map((c) => {
          const r = obj(c, 'top consumer');
          return { orgId: str(r.orgId) ?? '', requests: num(r.requests) ?? 0, rows: num(r.rows) ?? 0 };
        })
      : [],
    expiring: Array.isArray(u.expiring) ? u.expiring.map(agreement) : [],
  };
}

// ---- Notifications -----------------------------------------------------------------------------

export interface Notification {
  id: number;
  kind: string;
  title: string;
  body: string | null;
  link: string | null;
  createdAt: string | null;
  readAt: string | null;
}

export async function listNotifications(signal?: AbortSignal): Promise<Notification[]> {
  return arr(await apiFetch('/api/notifications?limit=30', { signal }), 'notifications').map((v) => {
    const n = obj(v, 'notification');
    return { id: num(n.id) ?? 0, kind: str(n.kind) ?? '', title: str(n.title) ?? '', body: str(n.body), link: str(n.link), createdAt: str(n.createdAt), readAt: str(n.readAt) };
  });
}

export async function markNotificationRead(id: number): Promise<void> {
  await apiFetch(`/api/notifications/${id}/read`, { method: 'POST' });
}
