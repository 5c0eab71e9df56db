/**
 * The LDOP gateway: `GET /ldop/v1/{member}/{subsystem}/{service}`. One call is a pipeline —
 * authenticate the calling subsystem (key or client certificate) → rate limit → nonce → resolve the
 * provider's service → the caller's active agreement → check parameters against the agreement →
 * read (warehouse or proxied REST service) → project and mask → render (JSON/XML/CSV) → ETag →
 * daily volume → security audit for personal data → message log. Every outcome, refusals included,
 * becomes one message-log row (`record`).
 */
import { createHash } from 'node:crypto';
import type { AuditLog } from '../../core/audit/index.js';
import { AppError, invalid, notFound, unauthenticated } from '../../core/errors.js';
import { maskPersonal } from '../../core/masking.js';
import type { WarehouseService, WhFilter, Row } from '../warehouse/index.js';
import { matchesAll, parseFilters, parseSort } from './filter.js';
import { CONTENT_TYPES, negotiate, parseUpstream, render } from './formats.js';
import type { AgreementRow, ServiceRow, SubsystemRow } from './model.js';
import { OutboundRefused, OutboundTooLarge, outboundRequest, upstreamRefused } from './outbound.js';
import type { SharingService } from './service.js';

export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;
const MAX_UPSTREAM_BYTES = 10 * 1024 * 1024;
const STANDARD_PARAMS = new Set(['filter', 'sort', 'limit', 'cursor', 'fields', 'format']);
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** What a gateway call brings, taken from the HTTP request by the route. */
export interface GatewayCall {
  member: string;
  subsystem: string;
  service: string;
  query: Record<string, unknown>;
  /** `X-LDOP-Key`. */
  key: string | null;
  /** SHA-256 (hex) of the DER of the client certificate the TLS layer verified the possession of. */
  fingerprint: string | null;
  nonce: string | null;
  ifNoneMatch: string | null;
  accept: string | undefined;
  /** Path and query, for the request digest. */
  url: string;
  requestId: string;
  clientIp: string;
}

/** What the gateway learnt about a call so far; the log row is built from it whatever the outcome. */
export interface GatewayContext {
  started: number;
  consumer?: SubsystemRow;
  service?: ServiceRow;
  agreement?: AgreementRow;
  rows: number;
}

export interface GatewayAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  body: string;
}

/** Fixed one-minute windows per subsystem (per process; several instances each enforce their share). */
class RateWindow {
  private readonly windows = new Map<string, { start: number; n: number }>();
  /** Seconds to wait when over the limit, else 0. */
  hit(id: string, perMinute: number): number {
    const now = Date.now();
    const minute = now - (now % 60_000);
    let w = this.windows.get(id);
    if (!w || w.start !== minute) {
      w = { start: minute, n: 0 };
      this.windows.set(id, w);
      if (this.windows.size > 50_000) this.windows.clear();
    }
    if (w.n >= perMinute) return Math.max(1, Math.ceil((minute + 60_000 - now) / 1000));
    w.n++;
    return 0;
  }
}

const fieldRefused = (names: string[]) =>
  new AppError('FIELD_NOT_ALLOWED', { vi: `Trường không được phép theo thỏa thuận: ${names.join(', ')}`, en: `Fields not allowed by the agreement: ${names.join(', ')}` }, { fields: names });
const oneString = (v: unknown, name: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid({ vi: `Tham số ${name} chỉ được gửi một lần`, en: `Parameter ${name} may be given once` }, [{ field: name, message: 'repeated' }]);
  return v;
};

export class LdopGateway {
  private readonly rate = new RateWindow();

  constructor(
    private readonly sharing: SharingService,
    private readonly warehouse: WarehouseService,
    private readonly audit: AuditLog,
    private readonly opts: { outboundTimeoutMs: number } = { outboundTimeoutMs: 10_000 },
  ) {}

  /** Serves one call. @throws AppError for every refusal (the route renders it and records it). */
  async serve(ctx: GatewayContext, call: GatewayCall): Promise<GatewayAnswer> {
    // 1. Who calls: a subsystem key, else a client certificate the TLS layer saw.
    const hit = call.key !== null ? await this.sharing.authenticateKey(call.key) : call.fingerprint ? await this.sharing.authenticateFingerprint(call.fingerprint) : null;
    if (!hit) {
      if (call.key === null && !call.fingerprint) throw unauthenticated();
      throw new AppError('INVALID_SUBSYSTEM_CREDENTIAL');
    }
    const consumer = hit.subsystem;
    ctx.consumer = consumer;
    const wait = this.rate.hit(consumer.id, consumer.rate_limit_per_minute);
    if (wait) throw new AppError('RATE_LIMITED', { vi: `Vượt ${consumer.rate_limit_per_minute} yêu cầu/phút; thử lại sau ${wait} giây`, en: `Over ${consumer.rate_limit_per_minute} requests/minute; retry in ${wait} s` }, { retryAfterSeconds: wait });
    if (call.nonce !== null) {
      if (!/^[A-Za-z0-9_.:-]{16,128}$/.test(call.nonce)) throw invalid({ vi: 'X-Request-Nonce: 16–128 ký tự A-Z a-z 0-9 _ . : -', en: 'X-Request-Nonce: 16–128 characters A-Z a-z 0-9 _ . : -' }, [{ field: 'X-Request-Nonce', message: 'invalid' }]);
      if (!(await this.sharing.store.useNonce(consumer.id, call.nonce))) throw new AppError('REPLAYED_REQUEST');
    }

    // 2. Which service, and the caller's agreement on it. Unknown and not-shared look the same.
    const service = await this.sharing.resolveAddress(call.member, call.subsystem, call.service);
    // A dataset made private or retired closes its automatic service at once (same answer as unknown).
    if (!service || !(await this.sharing.stillOffered(service))) throw notFound({ vi: 'Không có dịch vụ này', en: 'No such service' });
    ctx.service = service;
    const agreement = await this.sharing.store.currentAgreement(consumer.id, service.id);
    const now = Date.now();
    if (!agreement || agreement.status !== 'active' || new Date(agreement.valid_from).getTime() > now || new Date(agreement.valid_to).getTime() <= now) {
      if (agreement?.status === 'active' && new Date(agreement.valid_to).getTime() <= now) await this.sharing.expire();
      const why = !agreement ? 'none' : agreement.status === 'active' ? (new Date(agreement.valid_from).getTime() > now ? 'not yet valid' : 'expired') : agreement.status;
      throw new AppError('AGREEMENT_REQUIRED', { vi: `Không có thỏa thuận còn hiệu lực (${why})`, en: `No agreement in force (${why})` }, { agreementStatus: why });
    }
    ctx.agreement = agreement;

    // 3. What is asked, checked against the agreement.
    const { fields: offered, dataset } = await this.sharing.describe(service);
    const allowed = offered.filter((f) => agreement.fields.includes(f.name)).map((f) => f.name);
    const masked = new Set(offered.filter((f) => allowed.includes(f.name) && ((f.personalData !== 'none' && !agreement.clear_fields.includes(f.name)) || agreement.masked_fields.includes(f.name))).map((f) => f.name));
    const q = call.query;
    const format = negotiate(call.accept, oneString(q.format, 'format'));
    const limitRaw = oneString(q.limit, 'limit');
    if (limitRaw !== undefined && (!/^\d{1,7}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > MAX_PAGE)) {
      throw invalid({ vi: `limit phải từ 1 đến ${MAX_PAGE}`, en: `limit must be between 1 and ${MAX_PAGE}` }, [{ field: 'limit', message: 'out of range' }]);
    }
    const limit = limitRaw === undefined ? DEFAULT_PAGE : Number(limitRaw);
    const cursor = oneString(q.cursor, 'cursor');
    const fieldsRaw = oneString(q.fields, 'fields');
    const asked = fieldsRaw === undefined ? allowed : [...new Set(fieldsRaw.split(',').map((s) => s.trim()).filter(Boolean))];
    const outside = asked.filter((f) => !allowed.includes(f));
    if (outside.length || !asked.length) throw fieldRefused(outside.map((f) => f.slice(0, 63)));
    const projected = allowed.filter((f) => asked.includes(f));
    const filters = parseFilters(q.filter as string | string[] | undefined);
    const sort = parseSort(oneString(q.sort, 'sort'));
    // Filtering or sorting on a masked field would reveal it (and a cursor would carry its value).
    const blind = [...filters.map((f) => f.column), ...sort.map((s) => s.column)].filter((c) => !allowed.includes(c) || masked.has(c));
    if (blind.length) throw fieldRefused([...new Set(blind)]);
    const declared = new Map(service.params.map((p) => [p.name, p]));
    const unknownParams = Object.keys(q).filter((k) => !STANDARD_PARAMS.has(k) && !declared.has(k));
    if (unknownParams.length) throw invalid({ vi: `Tham số không được hỗ trợ: ${unknownParams.slice(0, 5).join(', ').slice(0, 200)}`, en: `Unsupported parameters: ${unknownParams.slice(0, 5).join(', ').slice(0, 200)}` }, [{ field: 'query', message: 'unsupported parameter' }]);
    const paramValues = new Map<string, string>();
    for (const p of service.params) {
      const v = oneString(q[p.name], p.name);
      if (v === undefined) {
        if (p.required) throw invalid({ vi: `Thiếu tham số ${p.name}`, en: `Missing parameter ${p.name}` }, [{ field: p.name, message: 'required' }]);
      } else paramValues.set(p.name, v.normalize('NFC'));
    }

    // 4. Read.
    let rows: Row[];
    let nextCursor: string | null = null;
    if (service.kind === 'rest') {
      if (cursor !== undefined) throw invalid({ vi: 'Dịch vụ REST không hỗ trợ con trỏ', en: 'Proxied REST services do not page by cursor' }, [{ field: 'cursor', message: 'unsupported' }]);
      const all = await this.fetchUpstream(service, paramValues);
      rows = all.filter((r) => matchesAll(r, [...agreement.row_filter, ...filters])).slice(0, limit);
    } else {
      if (!dataset) throw notFound({ vi: 'Không có dịch vụ này', en: 'No such service' });
      const templateFilters: WhFilter[] = (service.template?.filters ?? []).flatMap((f) => {
        if (f.param === undefined) return [{ column: f.column, op: f.op, value: f.value }];
        const v = paramValues.get(f.param);
        if (v === undefined) return [];
        const p = declared.get(f.param)!;
        return [{ column: f.column, op: f.op, value: p.list || f.op === 'in' ? v.split(',').slice(0, 1000) : v }];
      });
      const r = await this.warehouse.query(dataset.id, dataset.columns.map((c) => ({ name: c.name, type: c.type })), {
        fields: projected,
        filters: [...agreement.row_filter, ...templateFilters, ...filters],
        sort: sort.length ? sort : service.template?.sort ?? [],
        limit,
        ...(cursor !== undefined ? { cursor } : {}),
      }, { cursorScope: `ldop-agreement:${agreement.id}` });
      rows = r.rows;
      nextCursor = r.nextCursor ?? null;
    }

    // 5. Project, mask, render.
    const out = rows.map((r) => Object.fromEntries(projected.map((f) => [f, masked.has(f) ? maskPersonal(r[f] ?? null) : r[f] ?? null])));
    const body = render(format, { service: `${service.org_id}/${service.subsystem_code}/${service.code}`, fields: projected, rows: out, nextCursor, masked: projected.filter((f) => masked.has(f)) });
    const etag = `"${sha256(body).slice(0, 32)}"`;
    const headers: Record<string, string> = { etag, 'cache-control': 'private, no-cache', 'x-ldop-agreement': agreement.id, vary: 'Accept' };
    const notModified = !!call.ifNoneMatch && call.ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');

    // 6. Volume, then the security audit for personal data delivered in clear. A conditional request
    // is read, compared and answered like any other (a 304 tells the caller the rows it holds are
    // current), so it takes the same volume and leaves the same traces; it only carries no body.
    if (!(await this.sharing.takeVolume(agreement.id, out.length, agreement.daily_row_limit))) {
      throw new AppError('VOLUME_EXCEEDED', { vi: `Hạn mức ${agreement.daily_row_limit} dòng/ngày đã hết`, en: `The daily limit of ${agreement.daily_row_limit} rows is used up` }, { dailyRowLimit: agreement.daily_row_limit });
    }
    ctx.rows = out.length;
    const personalClear = offered.filter((f) => projected.includes(f.name) && f.personalData !== 'none' && !masked.has(f.name)).map((f) => f.name);
    if (personalClear.length && out.length) {
      await this.audit.append({
        actor: `ldop:${consumer.org_id}/${consumer.code}`, actorId: null, orgId: consumer.org_id, action: 'ldop.personal_data.read',
        resource: `ldop:${service.org_id}/${service.subsystem_code}/${service.code}`, outcome: 'success', status: 200, requestId: call.requestId, clientIp: call.clientIp,
        details: { agreementId: agreement.id, purpose: agreement.purpose, legalBasis: agreement.legal_basis, fields: personalClear, rows: out.length, ...(notModified ? { notModified: true } : {}) },
      });
    }
    // A 304 has no body, so no next page either: the cursor goes out only with the rows it follows.
    if (notModified) return { status: 304, headers, body: '' };
    if (nextCursor) headers['x-next-cursor'] = nextCursor;
    return { status: 200, headers: { ...headers, 'content-type': CONTENT_TYPES[format] }, body };
  }

  /** Appends the exchange to the message log; resolves with its row id once committed. */
  record(ctx: GatewayContext, call: GatewayCall, outcome: { status: number; errorCode: string | null; body: string }): Promise<number> {
    return this.sharing.log.append({
      consumerSubsystemId: ctx.consumer?.id ?? null,
      consumerOrgId: ctx.consumer?.org_id ?? null,
      providerOrgId: ctx.service?.org_id ?? null,
      providerSubsystem: ctx.service?.subsystem_code ?? null,
      serviceCode: ctx.service?.code ?? null,
      serviceId: ctx.service?.id ?? null,
      agreementId: ctx.agreement?.id ?? null,
      requestSha256: sha256(`GET ${call.url}\naccept: ${call.accept ?? ''}\nnonce: ${call.nonce ?? ''}`),
      responseSha256: sha256(outcome.body),
      rows: outcome.status < 400 ? ctx.rows : 0,
      status: outcome.status,
      errorCode: outcome.errorCode,
      latencyMs: performance.now() - ctx.started,
      requestId: call.requestId,
    });
  }

  /**
   * Calls a proxied REST service with the declared parameters only, at an address checked and pinned
   * for this call, reading at most MAX_UPSTREAM_BYTES. @throws AppError UPSTREAM_FAILED
   */
  private async fetchUpstream(service: ServiceRow, params: Map<string, string>): Promise<Row[]> {
    const url = new URL(service.upstream_url!);
    for (const [k, v] of params) url.searchParams.set(k, v);
    const accept = { json: 'application/json', xml: 'application/xml', csv: 'text/csv' }[service.upstream_format ?? 'json'];
    let text: string;
    try {
      const r = await outboundRequest(this.sharing.outbound, url, { timeoutMs: this.opts.outboundTimeoutMs, maxBytes: MAX_UPSTREAM_BYTES, headers: { accept, 'user-agent': 'provdata-ldop/1' } });
      if (r.status < 200 || r.status > 299) throw new AppError('UPSTREAM_FAILED', { vi: `Dịch vụ nguồn trả về HTTP ${r.status}`, en: `The upstream service answered HTTP ${r.status}` });
      text = r.body.toString('utf8');
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (e instanceof OutboundRefused) throw upstreamRefused();
      if (e instanceof OutboundTooLarge) throw new AppError('UPSTREAM_FAILED', { vi: 'Dữ liệu nguồn quá lớn', en: 'The upstream answer is too large' });
      throw new AppError('UPSTREAM_FAILED', { vi: 'Không gọi được dịch vụ nguồn', en: 'The upstream service could not be reached' });
    }
    return parseUpstream(service.upstream_format ?? 'json', text);
  }
}
