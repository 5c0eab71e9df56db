import { Type, type TSchema } from 'typebox';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import * as S from './schema.js';
import type { IndicatorService } from './indicator-service.js';
import type { StrategyService } from './strategy-service.js';
import type { ItemUpdate } from './store.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const tags = ['strategy'];

const ITEM_SCHEMAS: Record<S.StrategyKind, TSchema> = {
  target: S.StrategyTargetSchema, task: S.StrategyTaskSchema, database: S.StrategyDatabaseSchema, project: S.StrategyProjectSchema,
};
const SUMMARIES: Record<S.StrategyKind, string> = {
  target: 'Mục tiêu chi tiết (Phụ lục 1) / the strategy\'s targets',
  task: 'Nhiệm vụ chiến lược (Phụ lục 2) / strategic tasks',
  database: 'CSDL/HTTT cần xây dựng, nâng cấp (Phụ lục 3) / databases to build',
  project: 'Dự án ứng dụng dữ liệu (Phụ lục 4) / data application projects',
};

const presentUpdate = (u: ItemUpdate) => ({ ...u, createdAt: u.createdAt.toISOString() });

/**
 * Routes of strategy monitoring, under /api/strategy. The items and their progress are public (the
 * strategy is a public decision); the history of reports is for signed-in users, and reporting is
 * for the monitoring agency. Handlers: validate (schema) → authorise (service) → call → present.
 */
export function strategyRoutes(app: App, svc: StrategyService, kpis: () => Promise<S.KpiView[]>): void {
  app.get('/api/strategy/kpis', {
    config: { public: true },
    schema: { tags, summary: 'KPI do nền tảng tự tính, kèm công thức và mục tiêu / KPIs computed by the platform', response: { 200: Type.Array(S.KpiSchema) } },
  }, async () => kpis());

  app.get('/api/strategy/summary', {
    config: { public: true },
    schema: { tags, summary: 'Tiến độ theo nhóm mục tiêu A–D, nhiệm vụ theo trạng thái / progress by group, tasks by status', response: { 200: S.StrategySummarySchema } },
  }, async () => svc.summary());

  for (const [segment, kind] of Object.entries(S.STRATEGY_PATHS)) {
    const itemSchema = ITEM_SCHEMAS[kind];
    app.get(`/api/strategy/${segment}`, {
      config: { public: true },
      schema: { tags, summary: SUMMARIES[kind], response: { 200: Type.Array(itemSchema) } },
    }, async () => svc.list(kind));

    app.get(`/api/strategy/${segment}/:code`, {
      config: { public: true },
      schema: { tags, params: S.StrategyItemParams, response: { 200: itemSchema, ...errors } },
    }, async (req) => svc.get(kind, req.params.code));

    app.get(`/api/strategy/${segment}/:code/history`, {
      config: { permission: 'dashboard:read' },
      schema: { tags, summary: 'Lịch sử cập nhật tiến độ / progress history', params: S.StrategyItemParams, response: { 200: Type.Array(S.ItemUpdateSchema), ...errors } },
    }, async (req) => (await svc.history(req.principal, kind, req.params.code)).map(presentUpdate));

    app.post(`/api/strategy/${segment}/:code/updates`, {
      config: { permission: 'strategy:write' },
      schema: {
        tags, summary: 'Cơ quan chủ trì báo cáo tiến độ (trạng thái, %, nhận xét, minh chứng) / report progress',
        params: S.StrategyItemParams, body: S.ProgressReportBody, response: { 201: S.ItemUpdateSchema, ...errors },
      },
    }, async (req, reply) => reply.code(201).send(presentUpdate(await svc.report(req.principal, kind, req.params.code, req.body))));
  }
}

/**
 * Routes of the semantic layer, under /api/indicators (docs/indicators.md): the catalogue of
 * indicators with targets and latest values, their definition, and the query API. For signed-in
 * users; every answer carries its provenance.
 */
export function indicatorRoutes(app: App, svc: IndicatorService): void {
  const itags = ['indicators'];
  app.get('/api/indicators', {
    config: { permission: 'dashboard:read' },
    schema: { tags: itags, summary: 'Danh mục chỉ tiêu, kế hoạch và giá trị mới nhất / indicators with plan and latest value', response: { 200: Type.Array(S.IndicatorSchema), ...errors } },
  }, async (req) => svc.list(req.principal));

  app.get('/api/indicators/:code', {
    config: { permission: 'dashboard:read' },
    schema: { tags: itags, summary: 'Một chỉ tiêu (mã hoặc bí danh) / one indicator by code or alias', params: S.IndicatorParams, response: { 200: S.IndicatorSchema, ...errors } },
  }, async (req) => svc.get(req.principal, req.params.code));

  app.post('/api/indicators', {
    config: { permission: 'indicators:write' },
    schema: {
      tags: itags, summary: 'Định nghĩa hoặc định nghĩa lại chỉ tiêu / define an indicator', body: S.IndicatorInput,
      response: { 200: S.IndicatorSchema, 201: S.IndicatorSchema, ...errors, 409: Problem },
    },
  }, async (req, reply) => {
    const { definition, created } = await svc.define(req.principal, req.body);
    return reply.code(created ? 201 : 200).send(await svc.get(req.principal, definition.code));
  });

  app.post('/api/indicators/query', {
    config: { permission: 'dashboard:read' },
    schema: {
      tags: itags, summary: 'Truy vấn chỉ tiêu (kiểu Cube): measures, dimensions, timeDimension, filters, compare / query indicators',
      body: S.IndicatorQuery, response: { 200: S.QueryResultSchema, ...errors },
    },
  }, async (req) => svc.query(req.principal, req.body));
}
