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
