import { Type, type TLiteral } from 'typebox';
import { DATE_FORMATS, FIELD_TYPES, MAX_FIELDS, TARGET_FIELD, UNMAPPED } from './mapping.js';
import { DEAD_LETTER_STATUSES } from './model.js';

const lit = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)) as unknown as [...{ -readonly [K in keyof T]: TLiteral<T[K]> }]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);

export const TargetCode = Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$', description: 'Mã hệ thống đích / target code, e.g. y-te' });
export const TargetParams = Type.Object({ code: TargetCode });
export const IdParams = Type.Object({ id: Uuid });

export const TargetSchema = Type.Object({
  code: Type.String(), ordinal: Type.Integer(), name: Type.String(), nameEn: Type.String(), enabled: Type.Boolean(),
  baseUrl: Nullable(Type.String()),
  hasToken: Type.Boolean({ description: 'Đã đặt mã truy cập (không bao giờ trả về mã) / whether a token is set (never returned)' }),
  batchSize: Type.Integer(), timeoutMs: Type.Integer(), updatedAt: Type.String(),
});

export const ConfigureTargetBody = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    baseUrl: Type.Optional(Nullable(Type.String({ minLength: 8, maxLength: 500 }))),
    token: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 4000, description: 'Bearer token; chỉ ghi, không đọc lại được / write-only' }))),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const HealthSchema = Type.Object({ ok: Type.Boolean(), status: Nullable(Type.Integer()), error: Nullable(Type.String()) });

export const FieldMappingSchema = Type.Object(
  {
    target: Type.String({ pattern: TARGET_FIELD.source, description: 'Tên trường ở hệ thống đích / target field' }),
    source: Type.Optional(Type.String({ maxLength: 63, description: 'Cột của tập dữ liệu / dataset column' })),
    constant: Type.Optional(Scalar),
    default: Type.Optional(Scalar),
    values: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Scalar, { description: 'Bảng chuyển mã / code translation' })),
    onUnmapped: Type.Optional(lit(UNMAPPED)),
    type: Type.Optional(lit(FIELD_TYPES)),
    format: Type.Optional(lit(DATE_FORMATS)),
    required: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const MappingSchema = Type.Object(
  { fields: Type.Array(FieldMappingSchema, { minItems: 1, maxItems: MAX_FIELDS }) },
  { additionalProperties: false, description: 'Ánh xạ khai báo / declarative mapping (docs/sync.md)' },
);

export const CreateConnectorBody = Type.Object(
  {
    dataset: Type.String({ minLength: 2, maxLength: 100, description: 'Mã hoặc id tập dữ liệu / dataset slug or id' }),
    target: TargetCode,
    mapping: MappingSchema,
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const UpdateConnectorBody = Type.Object(
  { mapping: Type.Optional(MappingSchema), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export const ConnectorQuery = Type.Object({
  dataset: Type.Optional(Type.String({ minLength: 2, maxLength: 100 })),
  target: Type.Optional(TargetCode),
});
export const ConnectorSchema = Type.Object({
  id: Type.String(), datasetId: Type.String(), targetCode: Type.String(), mapping: MappingSchema, enabled: Type.Boolean(),
  createdAt: Type.String(), updatedAt: Type.String(),
});

export const PushBody = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

export const RunSchema = Type.Object({
  id: Type.String(), connectorId: Type.String(), version: Type.Integer(), status: Type.String(), batchSize: Type.Integer(),
  rowsTotal: Type.Integer(), batchesTotal: Type.Integer(), attempts: Type.Integer(), lastError: Nullable(Type.String()), trigger: Type.String(),
  createdAt: Type.String(), startedAt: Nullable(Type.String()), finishedAt: Nullable(Type.String()),
});
export const BatchSchema = Type.Object({
  batchNo: Type.Integer(), idempotencyKey: Type.String(), firstRow: Type.Integer(), rowCount: Type.Integer(), sha256: Type.String(),
  status: Type.String(), attempts: Type.Integer(), acks: Type.Integer(), duplicateAcks: Type.Integer(), ackCount: Nullable(Type.Integer()), ackSha256: Nullable(Type.String()),
  lastError: Nullable(Type.String()), firstSentAt: Nullable(Type.String()), lastSentAt: Nullable(Type.String()), ackedAt: Nullable(Type.String()),
});

export const DeadLetterQuery = Type.Object({
  connector: Type.Optional(Uuid),
  target: Type.Optional(TargetCode),
  status: Type.Optional(lit(DEAD_LETTER_STATUSES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
export const DeadLetterSchema = Type.Object({
  id: Type.String(), runId: Type.String(), connectorId: Type.String(), targetCode: Type.String(), datasetId: Type.String(), version: Type.Integer(),
  batchNo: Type.Integer(), idempotencyKey: Nullable(Type.String()), kind: Type.String(), httpStatus: Nullable(Type.Integer()),
  reasonVi: Type.String({ description: 'Lý do bằng tiếng Việt / reason in Vietnamese' }), raw: Nullable(Type.String({ description: 'Phản hồi gốc của hệ thống đích / raw target response' })),
  status: Type.String(), createdAt: Type.String(), resolvedAt: Nullable(Type.String()),
});

export const ReconcileQuery = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  live: Type.Optional(Type.Boolean({ description: 'Hỏi lại hệ thống đích từng lô / also ask the target for each batch' })),
});
const Pair = Type.Object({ count: Nullable(Type.Integer()), sha256: Nullable(Type.String()) });
export const ReconciliationSchema = Type.Object({
  connectorId: Type.String(), targetCode: Type.String(), datasetId: Type.String(), version: Type.Integer(), runId: Type.String(), runStatus: Type.String(),
  rows: Type.Object({ expected: Type.Integer(), sent: Type.Integer(), acknowledged: Type.Integer() }),
  batches: Type.Object({
    expected: Type.Integer(), acknowledged: Type.Integer(), unacknowledged: Type.Integer(), dead: Type.Integer(), discarded: Type.Integer(),
    missing: Type.Integer(), duplicateAcks: Type.Integer(),
  }),
  digest: Type.Object({ sent: Type.String(), acknowledged: Type.String() }),
  mismatches: Type.Array(Type.Object({
    batchNo: Type.Integer(), idempotencyKey: Nullable(Type.String()), problem: Type.String(), sent: Nullable(Pair), acknowledged: Nullable(Pair),
  })),
  live: Type.Boolean(),
  matches: Type.Boolean(),
});

export const TargetStatusSchema = Type.Object({
  code: Type.String(), name: Type.String(), enabled: Type.Boolean(), connectors: Type.Integer(),
  runs: Type.Record(Type.String(), Type.Integer()), openDeadLetters: Type.Integer(), lastRunAt: Nullable(Type.String()),
});
