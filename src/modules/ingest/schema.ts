import { Type } from 'typebox';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F-]{36}$' });

export const Upload = Type.Object({
  id: Type.String(), sha256: Type.String(), size: Type.Number(), filename: Type.String(), uploadedAt: Type.String(),
});

export const UploadQuery = Type.Object({
  filename: Type.String({ minLength: 1, maxLength: 255, description: 'Tên tệp gốc / original file name' }),
});

/** A steward's decision about the rows with a label (see parse/structure.ts `rowLabelKey`). */
export const RoleOverride = Type.Object({
  label: Type.String({ maxLength: 200 }),
  role: Type.Union([Type.Literal('data'), Type.Literal('excluded')]),
}, { additionalProperties: false });
const Overrides = Type.Array(RoleOverride, { maxItems: 500, description: 'Quyết định về vai trò dòng theo nhãn dòng / row decisions by row label' });

export const PreviewParams = Type.Object({ id: Uuid });
export const PreviewQuery = Type.Object({
  sheet: Type.Optional(Type.String({ maxLength: 200 })),
  rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  overrides: Type.Optional(Type.String({ maxLength: 60_000, description: 'JSON: [{label, role: data|excluded}] — xem trước với các quyết định này / preview with these row decisions' })),
  unpivotFrom: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Cột đầu tiên cần xoay thành dòng / first column to unpivot' })),
  unpivotTo: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Cột cuối cùng cần xoay thành dòng / last column to unpivot' })),
  into: Type.Optional(Type.String({ maxLength: 200, description: 'Tên hai cột mới, cách nhau dấu phẩy (mặc định: ky,gia_tri) / the two new columns, comma-separated' })),
});

/** Period or category columns turned into rows (see parse/unpivot.ts). */
export const Unpivot = Type.Object({
  from: Type.String({ minLength: 1, maxLength: 500 }),
  to: Type.String({ minLength: 1, maxLength: 500 }),
  into: Type.Tuple([Type.String({ minLength: 1, maxLength: 100 }), Type.String({ minLength: 1, maxLength: 100 })]),
}, { additionalProperties: false, description: 'Xoay các cột kỳ/loại thành dòng / turn period or category columns into rows' });

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
    overrides: Type.Optional(Overrides),
    unpivot: Type.Optional(Unpivot),
  },
  { additionalProperties: false },
);

export const IngestSummary = Type.Object({
  runId: Type.String(), dataset: Type.String(), datasetId: Type.String(), status: Type.String(), version: Type.Union([Type.Integer(), Type.Null()]),
  rowsRead: Type.Integer(), rowsLoaded: Type.Integer(), rowsRejected: Type.Integer(), format: Type.String(),
  encoding: Type.Union([Type.String(), Type.Null()]), sheet: Type.Union([Type.String(), Type.Null()]),
  mapping: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()])), quality: Quality, rejects: Type.Array(Reject),
  error: Type.Optional(Type.Union([Type.Object({ vi: Type.String(), en: Type.String() }), Type.Null()])),
  structure: Type.Object({
    leftOut: Type.Array(Type.Object({
      line: Type.Integer(), role: Type.String(), reason: Type.Object({ vi: Type.String(), en: Type.String() }), values: Type.Array(Type.String()), label: Type.String(),
    })),
    leftOutCount: Type.Integer(),
    totals: Type.Array(Type.Object({
      line: Type.Integer(), role: Type.String(), label: Type.String(), column: Type.String(), stated: Type.Number(), computed: Type.Number(), rows: Type.Integer(), ok: Type.Boolean(),
    })),
    totalsUnchecked: Type.Integer(),
    groupColumn: Type.Union([Type.String(), Type.Null()]),
    headerPaths: Type.Array(Type.Array(Type.String())),
    warnings: Type.Array(Type.Object({ vi: Type.String(), en: Type.String() })),
  }),
  problems: Type.Array(Type.Object({
    dimension: Type.String(), line: Type.Integer(), column: Type.String(), stated: Type.Number(), computed: Type.Number(), vi: Type.String(), en: Type.String(),
  })),
  overrides: Type.Array(RoleOverride),
});

export const Run = Type.Object({
  id: Type.String(), datasetId: Type.String(), uploadId: Type.String(), status: Type.String(), mode: Type.String(), validRowsOnly: Type.Boolean(),
  version: Type.Union([Type.Integer(), Type.Null()]), format: Type.Union([Type.String(), Type.Null()]), encoding: Type.Union([Type.String(), Type.Null()]),
  sheet: Type.Union([Type.String(), Type.Null()]), rowsRead: Type.Integer(), rowsLoaded: Type.Integer(), rowsRejected: Type.Integer(),
  mapping: Type.Unknown(), quality: Type.Unknown(), createdBy: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(),
});

export const RunParams = Type.Object({ id: Uuid });
export const RunListQuery = Type.Object({ dataset: Type.String({ minLength: 1, maxLength: 100 }) });
