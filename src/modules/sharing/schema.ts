import { Type } from 'typebox';
import { FILTER_OPS } from '../warehouse/index.js';
import { PARAM_TYPES } from './model.js';

const Code = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$', description: 'Mã / code' });
const OrgId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,62}$' });
const Uuid = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
const ColumnName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const IsoDate = Type.String({ pattern: '^(20|21)\\d{2}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$', description: 'ISO 8601' });
const Scalar = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]);

export const IdParams = Type.Object({ id: Uuid });
export const KeyParams = Type.Object({ id: Uuid, keyId: Uuid });
export const NotificationParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
export const CheckpointParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });

export const RowFilter = Type.Array(
  Type.Object({ column: ColumnName, op: Type.Enum(['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte']), value: Type.Union([Scalar, Type.Array(Scalar, { minItems: 1, maxItems: 1000 })]) }, { additionalProperties: false }),
  { maxItems: 10, description: 'Bộ lọc dòng / row filter, e.g. [{"column":"ma_xa","op":"in","value":["21553"]}]' },
);

export const CreateSubsystemBody = Type.Object({
  orgId: Type.Optional(OrgId),
  code: Code,
  name: Text(200),
  ownerId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  environment: Type.Optional(Type.Enum(['production', 'test'])),
}, { additionalProperties: false });

export const UpdateSubsystemBody = Type.Object({
  name: Type.Optional(Text(200)),
  status: Type.Optional(Type.Enum(['active', 'suspended', 'retired'])),
  environment: Type.Optional(Type.Enum(['production', 'test'])),
  ownerId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  rateLimitPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
}, { additionalProperties: false });

export const CreateKeyBody = Type.Object({ name: Text(100), expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) }, { additionalProperties: false });
export const CertificateBody = Type.Object({ pem: Type.String({ minLength: 50, maxLength: 20_000 }) }, { additionalProperties: false });

export const ServiceBody = Type.Object({
  subsystemId: Uuid,
  code: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,80}$' }),
  kind: Type.Enum(['query', 'rest']),
  title: Text(300),
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  template: Type.Optional(Type.Object({
    fields: Type.Optional(Type.Array(ColumnName, { maxItems: 500 })),
    filters: Type.Optional(Type.Array(Type.Object({
      column: ColumnName, op: Type.Enum(FILTER_OPS), value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { maxItems: 1000 })])), param: Type.Optional(ColumnName),
    }, { additionalProperties: false }), { maxItems: 20 })),
    sort: Type.Optional(Type.Array(Type.Object({ column: ColumnName, dir: Type.Optional(Type.Enum(['asc', 'desc'])) }, { additionalProperties: false }), { maxItems: 5 })),
  }, { additionalProperties: false })),
  params: Type.Optional(Type.Array(Type.Object({
    name: ColumnName, type: Type.Enum(PARAM_TYPES), required: Type.Boolean(), list: Type.Optional(Type.Boolean()), description: Type.Optional(Type.String({ maxLength: 500 })),
  }, { additionalProperties: false }), { maxItems: 20 })),
  upstreamUrl: Type.Optional(Type.String({ minLength: 8, maxLength: 2000 })),
  upstreamFormat: Type.Optional(Type.Enum(['json', 'xml', 'csv'])),
  fields: Type.Optional(Type.Array(Type.Object({ name: ColumnName, elementCode: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])) }, { additionalProperties: false }), { maxItems: 500 })),
}, { additionalProperties: false });

export const ServiceListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  orgId: Type.Optional(OrgId),
  kind: Type.Optional(Type.Enum(['dataset', 'query', 'rest'])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

const TermsFields = {
  fields: Type.Array(ColumnName, { minItems: 1, maxItems: 500 }),
  clearFields: Type.Optional(Type.Array(ColumnName, { maxItems: 500, description: 'Trường dữ liệu cá nhân xin nhận không che / personal-data fields asked in clear' })),
  rowFilter: Type.Optional(RowFilter),
  purpose: Text(2000),
  legalBasis: Text(2000),
  validFrom: IsoDate,
  validTo: IsoDate,
  dailyRowLimit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
};
export const AgreementBody = Type.Object({ consumerSubsystemId: Uuid, serviceId: Uuid, ...TermsFields }, { additionalProperties: false });
export const ResubmitBody = Type.Object({ ...TermsFields, note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
export const ApproveBody = Type.Object({
  fields: Type.Optional(Type.Array(ColumnName, { minItems: 1, maxItems: 500 })),
  clearFields: Type.Optional(Type.Array(ColumnName, { maxItems: 500 })),
  maskedFields: Type.Optional(Type.Array(ColumnName, { maxItems: 500, description: 'Trường che thêm / further fields to mask' })),
  rowFilter: Type.Optional(RowFilter),
  validFrom: Type.Optional(IsoDate),
  validTo: Type.Optional(IsoDate),
  dailyRowLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });
export const NoteBody = Type.Object({ note: Text(2000) }, { additionalProperties: false });
export const AgreementListQuery = Type.Object({
  side: Type.Optional(Type.Enum(['consumer', 'provider', 'both'])),
  status: Type.Optional(Type.Enum(['requested', 'changes_requested', 'active', 'rejected', 'revoked', 'expired', 'withdrawn'])),
  orgId: Type.Optional(OrgId),
  serviceId: Type.Optional(Uuid),
});

export const LogQuery = Type.Object({
  side: Type.Optional(Type.Enum(['consumer', 'provider', 'both'])),
  orgId: Type.Optional(OrgId),
  serviceId: Type.Optional(Uuid),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export const UsageQuery = Type.Object({ orgId: Type.Optional(OrgId), serviceId: Type.Optional(Uuid), days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })) });
export const WebhookBody = Type.Object({ subsystemId: Uuid, serviceId: Uuid, url: Type.String({ minLength: 8, maxLength: 2000 }) }, { additionalProperties: false });
export const WebhookListQuery = Type.Object({ subsystemId: Type.Optional(Uuid) });
export const NotificationQuery = Type.Object({ unread: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) });

export const GatewayParams = Type.Object({
  member: Type.String({ maxLength: 100, description: 'Cơ quan cung cấp / provider member (organisation id), e.g. so-nn-mt' }),
  subsystem: Type.String({ maxLength: 100, description: 'Hệ thống cung cấp / provider subsystem code; kho-du-lieu serves dataset:<slug>' }),
  service: Type.String({ maxLength: 200, description: 'Mã dịch vụ / service code, e.g. dataset:cay-trong-xa' }),
});
const StrOrList = Type.Union([Type.String(), Type.Array(Type.String())]);
export const GatewayQuery = Type.Object({
  filter: Type.Optional(Type.Union([Type.String({ description: 'cột:phép:giá trị / column:op:value (repeatable); ops eq ne lt lte gt gte in contains startsWith isNull notNull' }), Type.Array(Type.String())])),
  sort: Type.Optional(StrOrList),
  limit: Type.Optional(Type.Union([Type.String({ description: '1–1000, default 100' }), Type.Array(Type.String())])),
  cursor: Type.Optional(StrOrList),
  fields: Type.Optional(StrOrList),
  format: Type.Optional(StrOrList),
}, { additionalProperties: StrOrList });
