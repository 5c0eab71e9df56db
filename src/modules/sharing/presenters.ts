import type { AgreementRow, CertificateRow, FieldInfo, HistoryRow, KeyRow, NotificationRow, ServiceRow, SubsystemRow, WebhookRow } from './model.js';
import type { CheckpointRow } from './messagelog.js';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export const presentSubsystem = (s: SubsystemRow) => ({
  id: s.id, orgId: s.org_id, code: s.code, name: s.name, ownerId: s.owner_id, environment: s.environment, status: s.status, managed: s.managed,
  rateLimitPerMinute: s.rate_limit_per_minute, createdAt: iso(s.created_at),
});

/** A key without its secret (never stored). */
export const presentKey = (k: KeyRow) => ({
  id: k.id, subsystemId: k.subsystem_id, name: k.name, prefix: k.prefix, createdAt: iso(k.created_at), expiresAt: iso(k.expires_at), revokedAt: iso(k.revoked_at), lastUsedAt: iso(k.last_used_at),
});

export const presentCertificate = (c: CertificateRow) => ({
  id: c.id, subsystemId: c.subsystem_id, fingerprint: c.fingerprint, subject: c.subject, notAfter: iso(c.not_after), createdAt: iso(c.created_at), revokedAt: iso(c.revoked_at),
});

/** The gateway address of a service. */
export const gatewayPath = (s: Pick<ServiceRow, 'org_id' | 'subsystem_code' | 'code'>) => `/ldop/v1/${s.org_id}/${s.subsystem_code}/${s.code}`;

export const presentService = (s: ServiceRow, access: { agreement_id: string; consumer_org_id: string; consumer_subsystem_code: string; valid_to: Date }[] = []) => ({
  id: s.id, orgId: s.org_id, subsystem: s.subsystem_code, code: s.code, kind: s.kind, title: s.title, description: s.description, datasetId: s.dataset_id,
  params: s.params, upstreamFormat: s.upstream_format, path: gatewayPath(s), status: s.status,
  access: access.map((a) => ({ agreementId: a.agreement_id, consumerOrgId: a.consumer_org_id, consumerSubsystem: a.consumer_subsystem_code, validTo: iso(a.valid_to) })),
});

const TYPE_SCHEMA: Record<string, Record<string, unknown>> = {
  text: { type: ['string', 'null'] }, integer: { type: ['integer', 'null'] }, number: { type: ['number', 'null'] }, date: { type: ['string', 'null'], format: 'date' },
  boolean: { type: ['boolean', 'null'] }, geometry: { type: ['object', 'null'] }, json: {},
};

/**
 * The OpenAPI 3.1 fragment of a service: its gateway path, parameters, and the row schema with the
 * personal-data class of each field (`x-personal-data`; masked unless an agreement grants it).
 */
export function serviceOpenApi(s: ServiceRow, fields: FieldInfo[]) {
  const params = [
    { name: 'filter', in: 'query', required: false, style: 'form', explode: true, schema: { type: 'array', items: { type: 'string' } }, description: 'cột:phép:giá trị / column:op:value' },
    { name: 'sort', in: 'query', required: false, schema: { type: 'string' }, description: 'cột[:asc|desc]' },
    { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
    ...(s.kind === 'rest' ? [] : [{ name: 'cursor', in: 'query', required: false, schema: { type: 'string' } }]),
    { name: 'fields', in: 'query', required: false, schema: { type: 'string' }, description: 'cột,cột (trong thỏa thuận / within the agreement)' },
    { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'xml', 'csv'] } },
    ...s.params.map((p) => ({ name: p.name, in: 'query', required: p.required, schema: { type: p.type === 'date' ? 'string' : p.type === 'text' ? 'string' : p.type, ...(p.type === 'date' ? { format: 'date' } : {}) }, description: p.description ?? '' })),
  ];
  const row = { type: 'object', properties: Object.fromEntries(fields.map((f) => [f.name, { ...TYPE_SCHEMA[f.type] ?? {}, ...(f.elementCode ? { 'x-element': f.elementCode } : {}), 'x-personal-data': f.personalData }])) };
  return {
    openapi: '3.1.0',
    info: { title: s.title, version: '1', description: s.description ?? '' },
    components: { securitySchemes: { ldopKey: { type: 'apiKey', in: 'header', name: 'X-LDOP-Key' }, ldopClientCertificate: { type: 'mutualTLS' } } },
    security: [{ ldopKey: [] }, { ldopClientCertificate: [] }],
    paths: {
      [gatewayPath(s)]: {
        get: {
          summary: s.title, operationId: `${s.org_id}.${s.subsystem_code}.${s.code}`.replace(/[^A-Za-z0-9_.-]/g, '_'), parameters: params,
          responses: {
            200: {
              description: 'Một trang dữ liệu / one page', headers: { ETag: { schema: { type: 'string' } }, 'X-Next-Cursor': { schema: { type: 'string' } }, 'X-LDOP-Message-Id': { schema: { type: 'integer' } } },
              content: {
                'application/json': { schema: { type: 'object', properties: { service: { type: 'string' }, fields: { type: 'array', items: { type: 'string' } }, masked: { type: 'array', items: { type: 'string' } }, rows: { type: 'array', items: row }, nextCursor: { type: ['string', 'null'] } } } },
                'application/xml': { schema: { type: 'string' } }, 'text/csv': { schema: { type: 'string' } },
              },
            },
            304: { description: 'Không đổi (If-None-Match) / not modified' },
            default: { description: 'application/problem+json', content: { 'application/problem+json': { schema: { type: 'object' } } } },
          },
        },
      },
    },
  };
}

export const presentAgreement = (a: AgreementRow) => ({
  id: a.id, status: a.status, consumerOrgId: a.consumer_org_id, consumerSubsystemId: a.consumer_subsystem_id, consumerSubsystem: a.consumer_subsystem_code ?? null,
  providerOrgId: a.provider_org_id, serviceId: a.service_id, serviceCode: a.service_code ?? null, serviceTitle: a.service_title ?? null,
  path: a.service_code && a.provider_subsystem_code ? gatewayPath({ org_id: a.provider_org_id, subsystem_code: a.provider_subsystem_code, code: a.service_code }) : null,
  fields: a.fields, clearFields: a.clear_fields, maskedFields: a.masked_fields, rowFilter: a.row_filter, purpose: a.purpose, legalBasis: a.legal_basis,
  validFrom: iso(a.valid_from), validTo: iso(a.valid_to), dailyRowLimit: a.daily_row_limit, requestedBy: a.requested_by, decidedBy: a.decided_by,
  createdAt: iso(a.created_at), updatedAt: iso(a.updated_at),
});

export const presentHistory = (h: HistoryRow) => ({
  id: Number(h.id), at: iso(h.at), action: h.action, actorId: h.actor_id, actorName: h.actor_name, actorOrgId: h.actor_org_id, note: h.note, terms: h.terms,
});

export const presentNotification = (n: NotificationRow) => ({
  id: Number(n.id), kind: n.kind, title: n.title, body: n.body, link: n.link, createdAt: iso(n.created_at), readAt: iso(n.read_at),
});

export const presentLogRow = (r: Record<string, unknown>) => ({
  id: Number(r.id), at: iso(r.at as Date), consumerOrgId: r.consumer_org_id, consumerSubsystemId: r.consumer_subsystem_id, providerOrgId: r.provider_org_id,
  providerSubsystem: r.provider_subsystem, serviceCode: r.service_code, serviceId: r.service_id, agreementId: r.agreement_id, requestSha256: r.request_sha256,
  responseSha256: r.response_sha256, rows: Number(r.rows), status: Number(r.status), errorCode: r.error_code, latencyMs: Number(r.latency_ms), requestId: r.request_id,
  prevHash: r.prev_hash, hash: r.hash,
});

export const presentCheckpoint = (c: CheckpointRow & { publicKeyPem?: string }) => ({
  id: c.id, at: iso(c.at), lastId: c.last_id, headHash: c.head_hash, keyId: c.key_id, signature: c.signature,
  signedMessage: `provdata-ldop-checkpoint/v1\n${c.last_id}\n${c.head_hash}\n${iso(c.at)}`,
  ...(c.publicKeyPem ? { publicKeyPem: c.publicKeyPem } : {}),
});

export const presentWebhook = (w: WebhookRow) => ({ id: w.id, subsystemId: w.subsystem_id, serviceId: w.service_id, url: w.url, active: w.active, createdAt: iso(w.created_at) });
