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
});
export const PublicationSchema = Type.Object({
  id: Type.String(), datasetId: Type.String(), version: Type.Integer(),
  state: Type.Enum(PUBLICATION_STATES),
  scan: Type.Object({ rowsScanned: Type.Integer(), complete: Type.Boolean(), findings: Type.Array(Finding) }),
  proposedBy: Type.Union([Type.String(), Type.Null()]), proposedAt: Type.String(), note: Type.Union([Type.String(), Type.Null()]),
  decidedBy: Type.Union([Type.String(), Type.Null()]), decidedAt: Type.Union([Type.String(), Type.Null()]), decisionNote: Type.Union([Type.String(), Type.Null()]),
  publishedAt: Type.Union([Type.String(), Type.Null()]), unpublishedBy: Type.Union([Type.String(), Type.Null()]), unpublishedAt: Type.Union([Type.String(), Type.Null()]),
});

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
