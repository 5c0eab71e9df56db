import { Type } from 'typebox';
import { PUBLICATION_STATES } from './store.js';

/** Shapes of the open data portal's own API (the CKAN API keeps CKAN's shapes, see ckan-routes.ts). */

export const DatasetParams = Type.Object({ dataset: Type.String({ minLength: 1, maxLength: 100, description: 'Id hoặc định danh tập dữ liệu / dataset id or slug' }) });
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const ProposeBody = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Phiên bản (mặc định: mới nhất) / version, default latest' })),
  note: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
}, { additionalProperties: false });
export const DecisionBody = Type.Object({ note: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])) }, { additionalProperties: false });
export const RejectBody = Type.Object({ note: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });

const Finding = Type.Object({
  column: Type.String(), kinds: Type.Array(Type.String()), matches: Type.Integer(), example: Type.Union([Type.String(), Type.Null()]),
  // The name rule's evidence: text values read in the column (`matches` of them looked like a personal name).
  textValues: Type.Optional(Type.Integer()),
});
export const PublicationSchema = Type.Object({
  id: Type.String(), datasetId: Type.String(), version: Type.Integer(),
  state: Type.Enum(PUBLICATION_STATES),
  scan: Type.Object({ rowsScanned: Type.Integer(), complete: Type.Boolean(), findings: Type.Array(Finding), rules: Type.Optional(Type.Integer()) }),
  proposedBy: Type.Union([Type.String(), Type.Null()]), proposedAt: Type.String(), note: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]), decidedAt: Type.Union([Type.String(), Type.Null()]), decisionNote: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.Union([Type.String(), Type.Null()]), unpublishedBy: Type.Union([Type.String(), Type.Null()]), unpublishedAt: Type.Union([Type.String(), Type.Null()]),
  proposedByName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});

export const QueueQuery = Type.Object({
  state: Type.Optional(Type.Array(Type.Enum(PUBLICATION_STATES), { maxItems: PUBLICATION_STATES.length })),
});
export const QueueItemSchema = Type.Intersect([
  PublicationSchema,
  Type.Object({ dataset: Type.Object({ slug: Type.String(), title: Type.String(), publisherOrgId: Type.String() }) }),
]);

export const DownloadParams = Type.Object({
  dataset: Type.String({ minLength: 1, maxLength: 100 }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('xlsx'), Type.Literal('geojson')]),
});
export const DownloadQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })) });

export const UsageSchema = Type.Object({
  dataset: Type.String(), views: Type.Integer(), downloads: Type.Integer(), apiCalls: Type.Integer(),
  days: Type.Array(Type.Object({ day: Type.String(), views: Type.Integer(), downloads: Type.Integer(), apiCalls: Type.Integer() })),
});
export const KpiSchema = Type.Object({
  openDatasets: Type.Integer(), target2027: Type.Integer(), target2030: Type.Integer(), approvedApps: Type.Integer(), target: Type.Integer(),
});

export const KeyBody = Type.Object({
  name: Type.String({ minLength: 2, maxLength: 200, description: 'Tên người/ứng dụng dùng khóa / who or what uses the key' }),
  email: Type.String({ format: 'email', maxLength: 200 }),
}, { additionalProperties: false });
export const KeySchema = Type.Object({ id: Type.String(), key: Type.String(), ratePerMinute: Type.Integer(), createdAt: Type.String() });

const keyFields = {
  id: Type.String(), prefix: Type.String({ description: 'Đầu khóa (12 ký tự đầu) / first 12 characters' }), name: Type.String(),
  email: Type.String({ description: 'Thư điện tử đã che / masked e-mail' }), ratePerMinute: Type.Integer(), createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  revokedBy: Type.Union([Type.Literal('holder'), Type.Literal('editor'), Type.Null()], { description: 'Ai thu hồi: chủ khóa hay biên tập viên / who revoked it' }),
  callsToday: Type.Integer({ description: 'Số lần gọi API hôm nay (UTC) / calls today (UTC)' }),
};
export const KeySelfSchema = Type.Object({
  ...keyFields,
  days: Type.Array(Type.Object({ day: Type.String(), calls: Type.Integer() }), { description: 'Số lần gọi theo ngày, 30 ngày gần nhất / calls per day, last 30 days' }),
});
export const KeyListedSchema = Type.Object({ ...keyFields, callsTotal: Type.Integer(), lastUsed: Type.Union([Type.String(), Type.Null()]) });
export const KeyRevokedSchema = Type.Object(keyFields);
export const KeyListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('revoked')])),
}, { additionalProperties: false });
export const KeyListSchema = Type.Object({ total: Type.Integer(), keys: Type.Array(KeyListedSchema) });
export const LimitsSchema = Type.Object({
  anonymousPerMinute: Type.Integer({ description: 'Không có khóa, theo địa chỉ IP / without a key, per client address' }),
  keyPerMinute: Type.Integer({ description: 'Với khóa pod_… / with a pod_… key' }),
});
/** The developer key of a request to the key holder's own routes (as CKAN sends it). */
export const KeyHeaders = Type.Object({
  'x-ckan-api-key': Type.Optional(Type.String({ maxLength: 200, description: 'Khóa pod_… / the pod_… key' })),
  authorization: Type.Optional(Type.String({ maxLength: 200, description: 'Khóa pod_… (không có “Bearer”, như CKAN) / the pod_… key, without "Bearer" as CKAN sends it' })),
});

export const AppBody = Type.Object({
  name: Type.String({ minLength: 2, maxLength: 200 }),
  description: Type.String({ minLength: 10, maxLength: 4000 }),
  url: Type.String({ pattern: '^https?://', maxLength: 500 }),
  developerName: Type.String({ minLength: 2, maxLength: 200 }),
  developerEmail: Type.String({ format: 'email', maxLength: 200 }),
  datasets: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
}, { additionalProperties: false });
export const ReviewBody = Type.Object({
  decision: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]),
  note: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
}, { additionalProperties: false });
export const AppSchema = Type.Object({
  id: Type.String(), name: Type.String(), description: Type.String(), url: Type.String(), developerName: Type.String(),
  datasets: Type.Array(Type.String()), state: Type.String(), reviewedAt: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(),
});
