/**
 * Request and response schemas of the indicators module (TypeBox: validation, TypeScript types and
 * OpenAPI at once). The web client imports the types from this file too, so it must stay free of
 * Node-only imports.
 */
import { Type, type Static } from 'typebox';
import { literalUnion, Nullable } from '../../core/http/schemas.js';

export const STRATEGY_KINDS = ['target', 'task', 'database', 'project'] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** The URL segment of each kind: /api/strategy/targets … */
export const STRATEGY_PATHS = { targets: 'target', tasks: 'task', databases: 'database', projects: 'project' } as const satisfies Record<string, StrategyKind>;

export const STRATEGY_STATUSES = ['not_started', 'in_progress', 'completed', 'at_risk'] as const;
export type StrategyStatus = (typeof STRATEGY_STATUSES)[number];

// ---- strategy -------------------------------------------------------------------------------------

const Progress = {
  status: literalUnion(STRATEGY_STATUSES),
  progress: Type.Integer({ minimum: 0, maximum: 100, description: 'Tiến độ, % / progress, %' }),
  dueDate: Nullable(Type.String({ description: 'Hạn (YYYY-MM-DD) / due date' })),
  overdue: Type.Boolean({ description: 'Quá hạn mà chưa hoàn thành / past due and not completed' }),
  updatedAt: Nullable(Type.String()),
};

export const StrategyTargetSchema = Type.Object({
  ordinal: Type.Integer(), group: Type.String({ description: 'A–D' }), groupName: Type.String(), groupNameEn: Type.String(),
  code: Type.String({ description: 'Mã như trong văn bản: A.3, B5, F.1' }), name: Type.String(), nameEn: Type.String(),
  goal2026_2027: Nullable(Type.String()), goal2028_2030: Nullable(Type.String()),
  monitoringAgency: Type.String(), monitoringOrgIds: Type.Array(Type.String()),
  ...Progress,
});
export const StrategyTaskSchema = Type.Object({
  ordinal: Type.Integer(), group: Type.Integer(), groupName: Type.String(), groupNameEn: Type.String(),
  code: Type.String({ description: 'NV 2.2' }), name: Type.String(), nameEn: Type.String(),
  leadAgency: Type.String(), leadOrgIds: Type.Array(Type.String()), partners: Type.String(), expectedOutput: Type.String(),
  deadline: Type.String({ description: 'Thời gian hoàn thành, như trong văn bản / deadline as written' }),
  ...Progress,
});
export const StrategyDatabaseSchema = Type.Object({
  ordinal: Type.Integer(), code: Type.String({ description: 'CSDL-n' }), field: Type.String(), fieldEn: Type.String(), name: Type.String(), nameEn: Type.String(),
  description: Type.String(), leadAgency: Type.String(), leadOrgIds: Type.Array(Type.String()), partners: Nullable(Type.String()),
  dataScope: Nullable(Type.String()), deadline: Type.String(),
  ...Progress,
});
export const StrategyProjectSchema = Type.Object({
  ordinal: Type.Integer(), code: Type.String({ description: 'DA-n' }), name: Type.String(), nameEn: Type.String(), objective: Type.String(),
  leadAgency: Type.String(), leadOrgIds: Type.Array(Type.String()), partners: Type.String(), period: Type.String(),
  ...Progress,
});
export type StrategyTargetView = Static<typeof StrategyTargetSchema>;
export type StrategyTaskView = Static<typeof StrategyTaskSchema>;

export const StrategyItemParams = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 20, description: 'Mã / code, e.g. A.3, NV 2.2 (spaces optional), CSDL-1, DA-1' }),
});

const EvidenceSchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    url: Type.String({ pattern: '^(https?://|/)', maxLength: 2000, description: 'Liên kết tới văn bản hoặc tập dữ liệu / link to a document or dataset' }),
  },
  { additionalProperties: false },
);

export const ProgressReportBody = Type.Object(
  {
    status: Type.Optional(literalUnion(STRATEGY_STATUSES)),
    progress: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    comment: Type.Optional(Type.String({ maxLength: 5000 })),
    evidence: Type.Optional(Type.Array(EvidenceSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const ItemUpdateSchema = Type.Object({
  id: Type.String(), kind: literalUnion(STRATEGY_KINDS), code: Type.String(), status: literalUnion(STRATEGY_STATUSES),
  progress: Type.Integer(), comment: Nullable(Type.String()), evidence: Type.Array(EvidenceSchema),
  actorId: Nullable(Type.String()), actorOrg: Nullable(Type.String()), createdAt: Type.String(),
});

export const StrategySummarySchema = Type.Object({
  groups: Type.Array(Type.Object({
    group: Type.String(), name: Type.String(), nameEn: Type.String(), targets: Type.Integer(), completed: Type.Integer(),
    averageProgress: Type.Number({ description: 'Tiến độ trung bình, % / average progress, %' }),
  })),
  tasks: Type.Object({
    not_started: Type.Integer(), in_progress: Type.Integer(), completed: Type.Integer(), at_risk: Type.Integer(),
    total: Type.Integer(), overdue: Type.Integer(),
  }),
  overdue: Type.Array(Type.Object({ kind: literalUnion(STRATEGY_KINDS), code: Type.String(), dueDate: Type.String() })),
});
export type StrategySummaryView = Static<typeof StrategySummarySchema>;

// ---- indicators (the semantic layer) --------------------------------------------------------------

export const GRAINS = ['month', 'quarter', 'year'] as const;
export type Grain = (typeof GRAINS)[number];
export const FORMULA_KINDS = ['sum', 'count', 'count_distinct', 'avg', 'ratio', 'derived'] as const;
export type FormulaKind = (typeof FORMULA_KINDS)[number];
export const COMPARISONS = ['previous_year', 'previous_period'] as const;
export type Comparison = (typeof COMPARISONS)[number];
/** Most dimensions an indicator may have (the pre-aggregation's d1..d3). */
export const MAX_DIMENSIONS = 3;
/** Longest date range a query may ask for, in years. */
export const MAX_RANGE_YEARS = 50;

const IndicatorCode = Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$', description: 'Mã chỉ tiêu / indicator code, e.g. khach_du_lich' });
const ColumnName = Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const DimensionKey = Type.String({ pattern: '^[a-z][a-z0-9_]{0,30}$', description: 'Khóa chiều / dimension key, e.g. xa' });

export const FormulaSchema = Type.Object(
  {
    kind: literalUnion(FORMULA_KINDS),
    column: Type.Optional(ColumnName),
    numerator: Type.Optional(ColumnName),
    denominator: Type.Optional(ColumnName),
    scale: Type.Optional(Type.Number({ description: 'Hệ số nhân của tỷ số (100 cho %) / ratio multiplier' })),
    expression: Type.Optional(Type.String({ maxLength: 500, description: 'Biểu thức trên mã chỉ tiêu khác: doanh_thu_du_lich * 1000 / khach_du_lich' })),
  },
  { additionalProperties: false },
);
export type Formula = Static<typeof FormulaSchema>;

export const DimensionSchema = Type.Object(
  {
    key: DimensionKey,
    column: Type.Optional(ColumnName),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    nameEn: Type.String({ minLength: 1, maxLength: 100 }),
    /** commune: values are commune codes (drawn on the map, named from the geo module). */
    kind: literalUnion(['commune', 'category'] as const),
    labels: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Tên các giá trị của chiều phân loại / names of category values' })),
  },
  { additionalProperties: false },
);
export type Dimension = Static<typeof DimensionSchema>;

export const TargetSchema = Type.Object(
  {
    period: Type.String({ pattern: '^\\d{4}$', description: 'Năm / year' }),
    value: Type.Number(),
    unit: Type.String({ minLength: 1, maxLength: 50, description: 'Phải trùng đơn vị của chỉ tiêu / must equal the indicator unit' }),
  },
  { additionalProperties: false },
);

export const IndicatorInput = Type.Object(
  {
    code: IndicatorCode,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    nameEn: Type.String({ minLength: 1, maxLength: 200 }),
    aliases: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 30 }),
    definition: Type.String({ maxLength: 2000 }),
    definitionEn: Type.String({ maxLength: 2000 }),
    unit: Type.String({ minLength: 1, maxLength: 50 }),
    unitEn: Type.String({ minLength: 1, maxLength: 50 }),
    grain: literalUnion(GRAINS),
    /** How a coarser period is made from the indicator's own: sum (flows: visitors) or average (stocks: population, employment, indices). */
    timeRollup: literalUnion(['sum', 'avg'] as const),
    frequency: literalUnion(['monthly', 'quarterly', 'annual'] as const),
    direction: literalUnion(['higher', 'lower'] as const),
    ownerOrgId: Type.String({ minLength: 1, maxLength: 100 }),
    source: Type.Optional(Type.Object(
      { dataset: Type.String({ minLength: 2, maxLength: 100, description: 'Mã tập dữ liệu / dataset slug' }), time: ColumnName },
      { additionalProperties: false },
    )),
    formula: FormulaSchema,
    dimensions: Type.Array(DimensionSchema, { maxItems: MAX_DIMENSIONS }),
    targets: Type.Array(TargetSchema, { maxItems: 50 }),
    strategyTarget: Type.Optional(Type.String({ maxLength: 10, description: 'Mục tiêu chiến lược liên quan / related strategy target, e.g. A.3' })),
    sample: Type.Boolean({ description: 'Dữ liệu mẫu (số liệu sinh ra để minh họa) / sample data' }),
  },
  { additionalProperties: false },
);
export type IndicatorDefinition = Static<typeof IndicatorInput>;

const Value = Nullable(Type.Number());
export const IndicatorSchema = Type.Object({
  ...IndicatorInput.properties,
  sampleLabel: Nullable(Type.String({ description: '"dữ liệu mẫu" khi là dữ liệu mẫu' })),
  formulaText: Type.String({ description: 'Công thức dạng đọc được / the formula in words' }),
  latest: Nullable(Type.Object({ period: Type.String(), value: Value })),
  plan: Type.Array(Type.Object({ period: Type.String(), target: Type.Number(), actual: Value, ratio: Value })),
});
export type IndicatorView = Static<typeof IndicatorSchema>;
export const IndicatorParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 100, description: 'Mã hoặc bí danh / code or alias' }) });

export const QueryFilterSchema = Type.Object(
  {
    dimension: DimensionKey,
    operator: literalUnion(['equals', 'notEquals'] as const),
    values: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 500 }),
  },
  { additionalProperties: false },
);

/** The query, in the spirit of Cube's query JSON (docs/indicators.md). */
export const IndicatorQuery = Type.Object(
  {
    measures: Type.Array(Type.String({ minLength: 1, maxLength: 100, description: 'Mã hoặc bí danh chỉ tiêu' }), { minItems: 1, maxItems: 10 }),
    dimensions: Type.Optional(Type.Array(DimensionKey, { maxItems: MAX_DIMENSIONS })),
    timeDimension: Type.Optional(Type.Object(
      {
        granularity: Type.Optional(literalUnion(GRAINS)),
        dateRange: Type.Optional(Type.Tuple([IsoDate, IsoDate], { description: '[từ, đến] YYYY-MM-DD, gồm cả hai đầu' })),
      },
      { additionalProperties: false },
    )),
    filters: Type.Optional(Type.Array(QueryFilterSchema, { maxItems: 10 })),
    compare: Type.Optional(literalUnion(COMPARISONS)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 5000 })),
  },
  { additionalProperties: false },
);
export type IndicatorQueryInput = Static<typeof IndicatorQuery>;

export const QueryRowSchema = Type.Object({
  time: Nullable(Type.String({ description: 'Đầu kỳ / start of the period, YYYY-MM-DD' })),
  dimensions: Type.Record(Type.String(), Type.String()),
  values: Type.Record(Type.String(), Value),
  compare: Type.Optional(Type.Record(Type.String(), Value)),
  change: Type.Optional(Type.Record(Type.String(), Value)),
});
export const ProvenanceSchema = Type.Object({
  indicator: Type.String(),
  formula: Type.String(),
  datasets: Type.Array(Type.Object({ slug: Type.String(), id: Type.String(), version: Type.Integer(), refreshedAt: Type.String() })),
  sample: Type.Boolean(),
});
export const QueryResultSchema = Type.Object({
  query: Type.Object({
    measures: Type.Array(Type.String()), dimensions: Type.Array(Type.String()), granularity: Type.String(),
    dateRange: Nullable(Type.Tuple([Type.String(), Type.String()])), compare: Nullable(Type.String()),
    compareRange: Nullable(Type.Tuple([Type.String(), Type.String()])),
  }),
  measures: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), nameEn: Type.String(), unit: Type.String(), sampleLabel: Nullable(Type.String()) })),
  rows: Type.Array(QueryRowSchema),
  labels: Type.Record(Type.String(), Type.Record(Type.String(), Type.String()), { description: 'Tên của giá trị chiều (xã/phường) / names of dimension values' }),
  warnings: Type.Array(Type.Object({ code: Type.String(), measure: Type.String(), message: Type.String() })),
  provenance: Type.Array(ProvenanceSchema),
});
export type QueryResult = Static<typeof QueryResultSchema>;

// ---- KPIs computed by the platform ----------------------------------------------------------------

export const KpiSchema = Type.Object({
  code: Type.String(), name: Type.String(), nameEn: Type.String(),
  formula: Type.String({ description: 'Công thức / formula' }), unit: Type.String(), value: Nullable(Type.Number()),
  available: Type.Boolean({ description: 'false: nền tảng chưa tính được / not computable yet' }),
  targets: Type.Array(Type.Object({ period: Type.String(), value: Type.Number() })),
  strategyTarget: Type.String({ description: 'Mã mục tiêu chiến lược / strategy target code' }),
  breakdown: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String(), value: Type.Number(), count: Type.Integer() }))),
  note: Type.Optional(Type.String()),
});
export type KpiView = Static<typeof KpiSchema>;
