import { Type, type TLiteral } from 'typebox';
import { ValidationRulesSchema } from '../dictionary/index.js';
import { ACCESS, COLUMN_TYPES, DATASET_STATUSES, FREQUENCIES, IMPORTANCE, LICENCES } from './model.js';
import { THEME_CODES } from './themes.js';

/** A union of string literals, typed as the literal union (for the type provider) and documented as such in OpenAPI. */
const lit = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)) as unknown as [...{ -readonly [K in keyof T]: TLiteral<T[K]> }]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Uuid = Type.String({ pattern: '^[0-9a-fA-F-]{36}$' });
const IsoDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'yyyy-mm-dd' });

export const Slug = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{1,80}$', description: 'Định danh ngắn / slug, e.g. san-luong-cong-nghiep' });
export const Theme = lit(THEME_CODES);
export const Frequency = lit(FREQUENCIES);
export const Licence = lit(LICENCES);
export const Importance = lit(IMPORTANCE);
export const Access = lit(ACCESS);
export const DatasetStatus = lit(DATASET_STATUSES);

export const ColumnSpecSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'Tên cột trong kho / warehouse column' }),
    title: Type.String({ minLength: 1, maxLength: 300, description: 'Tiêu đề cột trong tệp / header in files' }),
    type: lit(COLUMN_TYPES),
    elementCode: Nullable(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' })),
    required: Type.Boolean(),
    key: Type.Boolean(),
    unit: Nullable(Type.String({ maxLength: 50 })),
    codeList: Nullable(Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$' })),
    rules: ValidationRulesSchema,
  },
  { additionalProperties: false },
);
export const Columns = Type.Array(ColumnSpecSchema, { maxItems: 500 });

const Contact = Type.Object(
  { name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))), email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 200 }))) },
  { additionalProperties: false },
);
const Spatial = Type.Object(
  { scope: lit(['province', 'communes'] as const), communes: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{5}$' }), { maxItems: 200 })) },
  { additionalProperties: false },
);
const Temporal = Type.Object({ start: Type.Optional(Nullable(IsoDate)), end: Type.Optional(Nullable(IsoDate)) }, { additionalProperties: false });

const metadata = {
  title: Type.String({ minLength: 2, maxLength: 300 }),
  titleEn: Type.Optional(Nullable(Type.String({ maxLength: 300 }))),
  description: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
  descriptionEn: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
  keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
  themes: Type.Optional(Type.Array(Theme, { maxItems: 10 })),
  publisherOrgId: Type.String({ minLength: 1, maxLength: 100 }),
  contact: Type.Optional(Contact),
  spatial: Type.Optional(Spatial),
  temporal: Type.Optional(Temporal),
  updateFrequency: Type.Optional(Frequency),
  licence: Type.Optional(Licence),
  accessRights: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
  importance: Type.Optional(Importance),
  access: Type.Optional(Access),
  personalData: Type.Optional(Type.Boolean()),
  ownerId: Type.Optional(Nullable(Uuid)),
  stewardId: Type.Optional(Nullable(Uuid)),
  status: Type.Optional(DatasetStatus),
  plannedCompletion: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  sourceRef: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
};

export const CreateDatasetBody = Type.Object({ slug: Slug, ...metadata, columns: Type.Optional(Columns) }, { additionalProperties: false });
export const UpdateDatasetBody = Type.Object(
  {
    ...metadata,
    title: Type.Optional(metadata.title),
    publisherOrgId: Type.Optional(metadata.publisherOrgId),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const SetSchemaBody = Type.Object({ columns: Columns }, { additionalProperties: false });

const Quality = Type.Object({ validity: Type.Number(), completeness: Type.Number(), uniqueness: Type.Number(), freshness: Type.Number(), score: Type.Number() });

export const DatasetSchema = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  title: Type.String(),
  titleEn: Nullable(Type.String()),
  description: Nullable(Type.String()),
  descriptionEn: Nullable(Type.String()),
  keywords: Type.Array(Type.String()),
  themes: Type.Array(Type.String()),
  publisherOrgId: Type.String(),
  contact: Type.Object({ name: Nullable(Type.String()), email: Nullable(Type.String()) }),
  spatial: Type.Object({ scope: Type.String(), communes: Type.Array(Type.String()) }),
  temporal: Type.Object({ start: Nullable(Type.String()), end: Nullable(Type.String()) }),
  updateFrequency: Type.String(),
  licence: Type.String(),
  accessRights: Nullable(Type.String()),
  importance: Type.String(),
  access: Type.String(),
  personalData: Type.Boolean(),
  ownerId: Nullable(Type.String()),
  stewardId: Nullable(Type.String()),
  status: Type.String(),
  plannedCompletion: Nullable(Type.String()),
  sourceRef: Nullable(Type.String()),
  columns: Type.Array(ColumnSpecSchema),
  schemaVersion: Type.Integer(),
  latestVersion: Nullable(Type.Integer()),
  lastLoadedAt: Nullable(Type.String()),
  rowCount: Nullable(Type.Integer()),
  quality: Nullable(Quality),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const CsvOf = <T extends ReturnType<typeof lit>>(t: T, description: string) => Type.Optional(Type.Union([t, Type.Array(t, { maxItems: 20 })], { description }));

export const SearchQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Từ khóa, có dấu hoặc không dấu / search words, with or without diacritics' })),
  theme: CsvOf(Theme, 'Lĩnh vực / theme (lặp lại để chọn nhiều)'),
  publisher: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 })])),
  importance: CsvOf(Importance, 'Mức độ quan trọng / importance'),
  access: CsvOf(Access, 'Phạm vi truy cập / access'),
  status: CsvOf(DatasetStatus, 'Trạng thái / status'),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
});

const FacetValue = Type.Object({ value: Type.String(), label: Nullable(Type.String()), count: Type.Integer() });
export const SearchResult = Type.Object({
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
  items: Type.Array(Type.Intersect([DatasetSchema, Type.Object({ rank: Nullable(Type.Number()) })])),
  facets: Type.Object({
    theme: Type.Array(FacetValue),
    publisher: Type.Array(FacetValue),
    importance: Type.Array(FacetValue),
    access: Type.Array(FacetValue),
    status: Type.Array(FacetValue),
  }),
});

export const DatasetParams = Type.Object({ idOrSlug: Type.String({ minLength: 2, maxLength: 100, pattern: '^[a-z0-9][a-z0-9-]{1,80}$|^[0-9a-fA-F-]{36}$' }) });

export const ThemeSchema = Type.Object({ code: Type.String(), vi: Type.String(), en: Type.String(), euTheme: Type.String() });
export const AgencyQualitySchema = Type.Object({
  orgId: Type.String(), datasets: Type.Integer(), scored: Type.Integer(), overdue: Type.Integer(),
  validity: Nullable(Type.Number()), completeness: Nullable(Type.Number()), uniqueness: Nullable(Type.Number()),
  freshness: Nullable(Type.Number()), score: Nullable(Type.Number()),
});
