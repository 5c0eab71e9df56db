import { Type } from 'typebox';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F-]{36}$' });

export const Upload = Type.Object({
  id: Type.String(), sha256: Type.String(), size: Type.Number(), filename: Type.String(), uploadedAt: Type.String(),
});

export const UploadQuery = Type.Object({
  filename: Type.String({ minLength: 1, maxLength: 255, description: 'Tên tệp gốc / original file name' }),
});

export const PreviewParams = Type.Object({ id: Uuid });
export const PreviewQuery = Type.Object({
  sheet: Type.Optional(Type.String({ maxLength: 200 })),
  rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});

export const Quality = Type.Object({
  validity: Type.Number(), completeness: Type.Number(), uniqueness: Type.Number(), freshness: Type.Number(), score: Type.Number(),
}, { additionalProperties: true });

const Reject = Type.Object({
  line: Type.Integer(), column: Type.Union([Type.String(), Type.Null()]), value: Type.Union([Type.String(), Type.Null()]), vi: Type.String(), en: Type.String(),
});

export const IngestBody = Type.Object(
  {
    dataset: Type.String({ minLength: 1, maxLength: 100, description: 'Mã (slug) hoặc id tập dữ liệu / dataset slug or id' }),
    uploadId: Uuid,
    mode: Type.Union([Type.Literal('replace'), Type.Literal('append'), Type.Literal('upsert')], { default: 'replace' }),
    validRowsOnly: Type.Boolean({ default: false }),
    sheet: Type.Optional(Type.String({ maxLength: 200 })),
    // Null first: with coerceTypes, ajv would otherwise turn null ("leave this column empty") into "".
    mapping: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }), Type.Union([Type.Null(), Type.String({ maxLength: 500 })]))),
    create: Type.Optional(Type.Boolean()),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Tên tập dữ liệu mới (với create) / title of a created dataset' })),
    keys: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
      maxItems: 10, uniqueItems: true,
      description: 'Tiêu đề các cột trong tệp làm khóa của lược đồ được suy ra (với create) / file headers that key the inferred schema (with create)',
    })),
  },
  { additionalProperties: false },
);

export const IngestSummary = Type.Object({
  runId: Type.String(), dataset: Type.String(), datasetId: Type.String(), status: Type.String(), version: Type.Union([Type.Integer(), Type.Null()]),
  rowsRead: Type.Integer(), rowsLoaded: Type.Integer(), rowsRejected: Type.Integer(), format: Type.String(),
  encoding: Type.Union([Type.String(), Type.Null()]), sheet: Type.Union([Type.String(), Type.Null()]),
  mapping: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])), quality: Quality, rejects: Type.Array(Reject),
  error: Type.Optional(Type.Union([Type.Object({ vi: Type.String(), en: Type.String() }), Type.Null()])),
});

export const Run = Type.Object({
  id: Type.String(), datasetId: Type.String(), uploadId: Type.String(), status: Type.String(), mode: Type.String(), validRowsOnly: Type.Boolean(),
  version: Type.Union([Type.Integer(), Type.Null()]), format: Type.Union([Type.String(), Type.Null()]), encoding: Type.Union([Type.String(), Type.Null()]),
  sheet: Type.Union([Type.String(), Type.Null()]), rowsRead: Type.Integer(), rowsLoaded: Type.Integer(), rowsRejected: Type.Integer(),
  mapping: Type.Unknown(), quality: Type.Unknown(), createdBy: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(),
});

export const RunParams = Type.Object({ id: Uuid });
export const RunListQuery = Type.Object({ dataset: Type.String({ minLength: 1, maxLength: 100 }) });
