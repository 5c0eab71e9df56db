import { Type, type TLiteral } from 'typebox';

/** A union of string literals, typed as the literal union (for the type provider) and documented as such in OpenAPI. */
const lit = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)) as unknown as [...{ -readonly [K in keyof T]: TLiteral<T[K]> }]);
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ElementCode = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'Mã phần tử (snake_case) / element code, e.g. ma_xa' });
export const CodeListCode = Type.String({ pattern: '^[a-z][a-z0-9-]{1,62}$', description: 'Mã danh mục / code list code, e.g. communes' });

export const ElementTypeSchema = lit(['text', 'integer', 'number', 'date', 'boolean', 'geometry'] as const);
export const ElementStatusSchema = lit(['draft', 'reviewed', 'approved', 'deprecated'] as const);
export const PersonalDataSchema = lit(['none', 'basic', 'sensitive'] as const);
export const OriginSchema = lit(['national', 'provincial'] as const);

/** Validation rules of an element or of a dataset column. */
export const ValidationRulesSchema = Type.Object(
  {
    required: Type.Optional(Type.Boolean()),
    regex: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Biểu thức chính quy (ECMAScript, cờ u), khớp toàn bộ giá trị' })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    minLength: Type.Optional(Type.Integer({ minimum: 0 })),
    maxLength: Type.Optional(Type.Integer({ minimum: 1 })),
    enum: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { minItems: 1, maxItems: 500 })),
  },
  { additionalProperties: false },
);

export const DataElementSchema = Type.Object({
  code: Type.String(),
  nameVi: Type.String(),
  nameEn: Nullable(Type.String()),
  definition: Nullable(Type.String()),
  type: Type.String(),
  unit: Nullable(Type.String()),
  codeList: Nullable(Type.String()),
  rules: ValidationRulesSchema,
  personalData: Type.String(),
  ownerOrgId: Nullable(Type.String()),
  origin: Type.String(),
  aliases: Type.Array(Type.String()),
  status: Type.String(),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

export const CreateElementBody = Type.Object(
  {
    code: ElementCode,
    nameVi: Text(200),
    nameEn: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    definition: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    type: ElementTypeSchema,
    unit: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
    codeList: Type.Optional(Nullable(CodeListCode)),
    rules: Type.Optional(ValidationRulesSchema),
    personalData: Type.Optional(PersonalDataSchema),
    ownerOrgId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    origin: Type.Optional(OriginSchema),
    aliases: Type.Optional(Type.Array(Text(200), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export const UpdateElementBody = Type.Object(
  {
    nameVi: Type.Optional(Text(200)),
    nameEn: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    definition: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    type: Type.Optional(ElementTypeSchema),
    unit: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
    codeList: Type.Optional(Nullable(CodeListCode)),
    rules: Type.Optional(ValidationRulesSchema),
    personalData: Type.Optional(PersonalDataSchema),
    ownerOrgId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    origin: Type.Optional(OriginSchema),
    aliases: Type.Optional(Type.Array(Text(200), { maxItems: 50 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ElementListQuery = Type.Object({
  status: Type.Optional(ElementStatusSchema),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Tìm theo mã, tên (không dấu) / search code or name' })),
  codeList: Type.Optional(CodeListCode),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

export const ElementParams = Type.Object({ code: ElementCode });
export const TransitionBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false });

export const HistoryEntry = Type.Object({
  id: Type.Integer(),
  elementCode: Type.String(),
  at: Type.String(),
  actorId: Nullable(Type.String()),
  actor: Nullable(Type.String()),
  action: Type.String(),
  fromStatus: Nullable(Type.String()),
  toStatus: Type.String(),
  version: Type.Integer(),
  changes: Type.Record(Type.String(), Type.Unknown()),
  note: Nullable(Type.String()),
});

export const MatchBody = Type.Object(
  {
    headers: Type.Array(Type.String({ maxLength: 500 }), { minItems: 1, maxItems: 2000 }),
    includeUnapproved: Type.Optional(Type.Boolean({ description: 'Cả phần tử chưa phê duyệt / also draft and reviewed elements' })),
  },
  { additionalProperties: false },
);
export const MatchResult = Type.Array(Type.Object({ header: Type.String(), element: Nullable(DataElementSchema) }));

export const CodeListSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  nameEn: Nullable(Type.String()),
  description: Nullable(Type.String()),
  origin: Type.String(),
  source: Nullable(Type.String()),
  items: Type.Integer(),
  updatedAt: Type.String(),
});
export const CodeListItemSchema = Type.Object({ code: Type.String(), label: Type.String(), labelEn: Nullable(Type.String()) });
export const CodeListWithItems = Type.Object({ list: CodeListSchema, items: Type.Array(CodeListItemSchema) });
export const CodeListParams = Type.Object({ code: CodeListCode });

export const PutCodeListBody = Type.Object(
  {
    name: Text(200),
    nameEn: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    origin: Type.Optional(OriginSchema),
    source: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    items: Type.Array(
      Type.Object(
        { code: Type.String({ minLength: 1, maxLength: 50 }), label: Text(300), labelEn: Type.Optional(Nullable(Type.String({ maxLength: 300 }))) },
        { additionalProperties: false },
      ),
      { maxItems: 20000 },
    ),
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object({ status: Type.Optional(ElementStatusSchema) });
export const ImportReport = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), column: Nullable(Type.String()), message: Type.String() })),
});
export const ImportJsonBody = Type.Object({ csv: Type.String({ maxLength: 5_000_000 }) }, { additionalProperties: false });
