import { Type } from 'typebox';
import type { App } from '../../core/http/index.js';
import { NoContent, Problem } from '../../core/http/index.js';
import { presentBatch, presentConnector, presentDeadLetter, presentRun, presentStatus, presentTarget } from './presenters.js';
import type { SyncService } from './service.js';
import * as S from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const tags = ['sync'];

/**
 * HTTP routes of national-database synchronisation, under /api/sync. Targets are for
 * administrators; connectors, runs, dead letters and reconciliation for the stewards of the
 * dataset's publisher agency. Every handler: validate (schema) → authorise (route + service) →
 * call the service → present (a target's token never leaves).
 */
export function syncRoutes(app: App, svc: SyncService): void {
  app.get('/api/sync/targets', {
    config: { permission: 'sync:read' },
    schema: { tags, summary: 'Các CSDL quốc gia đích / national targets', response: { 200: Type.Array(S.TargetSchema), ...errors } },
  }, async (req) => (await svc.listTargets(req.principal)).map(presentTarget));

  app.get('/api/sync/targets/:code', {
    config: { permission: 'sync:read' },
    schema: { tags, params: S.TargetParams, response: { 200: S.TargetSchema, ...errors } },
  }, async (req) => presentTarget(await svc.getTarget(req.principal, req.params.code)));

  app.put('/api/sync/targets/:code', {
    config: { permission: 'sync:write' },
    schema: {
      tags, summary: 'Cấu hình hệ thống đích (địa chỉ, mã truy cập, lô, thời gian chờ) / configure a target', params: S.TargetParams,
      body: S.ConfigureTargetBody, response: { 200: S.TargetSchema, ...errors },
    },
  }, async (req) => presentTarget(await svc.configureTarget(req.principal, req.params.code, req.body)));

  app.get('/api/sync/targets/:code/health', {
    config: { permission: 'sync:read' },
    schema: { tags, summary: 'Kiểm tra kết nối / health of a target', params: S.TargetParams, response: { 200: S.HealthSchema, ...errors } },
  }, async (req) => svc.targetHealth(req.principal, req.params.code));

  app.get('/api/sync/targets/:code/reconciliation', {
    config: { permission: 'sync:read' },
    schema: {
      tags, summary: 'Đối soát mọi bộ kết nối của một hệ thống đích / reconciliation of a target', params: S.TargetParams,
      querystring: S.ReconcileQuery, response: { 200: Type.Array(S.ReconciliationSchema), ...errors },
    },
  }, async (req) => svc.reconcileTarget(req.principal, req.params.code, { live: req.query.live }));

  app.get('/api/sync/status', {
    config: { permission: 'sync:read' },
    schema: { tags, summary: 'Tình trạng đồng bộ theo hệ thống đích / status per target', response: { 200: Type.Array(S.TargetStatusSchema), ...errors } },
  }, async (req) => (await svc.status(req.principal)).map(presentStatus));

  app.get('/api/sync/connectors', {
    config: { permission: 'sync:read' },
    schema: { tags, querystring: S.ConnectorQuery, response: { 200: Type.Array(S.ConnectorSchema), ...errors } },
  }, async (req) => (await svc.listConnectors(req.principal, req.query)).map(presentConnector));

  app.post('/api/sync/connectors', {
    config: { permission: 'sync:write' },
    schema: { tags, summary: 'Tạo bộ kết nối tập dữ liệu → CSDL quốc gia / connect a dataset', body: S.CreateConnectorBody, response: { 201: S.ConnectorSchema, ...errors } },
  }, async (req, reply) => reply.code(201).send(presentConnector(await svc.createConnector(req.principal, req.body))));

  app.get('/api/sync/connectors/:id', {
    config: { permission: 'sync:read' },
    schema: { tags, params: S.IdParams, response: { 200: S.ConnectorSchema, ...errors } },
  }, async (req) => presentConnector(await svc.getConnector(req.principal, req.params.id)));

  app.patch('/api/sync/connectors/:id', {
    config: { permission: 'sync:write' },
    schema: { tags, summary: 'Sửa ánh xạ hoặc bật/tắt / change mapping or switch', params: S.IdParams, body: S.UpdateConnectorBody, response: { 200: S.ConnectorSchema, ...errors } },
  }, async (req) => presentConnector(await svc.updateConnector(req.principal, req.params.id, req.body)));

  app.delete('/api/sync/connectors/:id', {
    config: { permission: 'sync:write' },
    schema: { tags, params: S.IdParams, response: { 204: NoContent, ...errors } },
  }, async (req, reply) => {
    await svc.deleteConnector(req.principal, req.params.id);
    return reply.code(204).send(null);
  });

  app.post('/api/sync/connectors/:id/push', {
    config: { permission: 'sync:write' },
    schema: { tags, summary: 'Đẩy một phiên bản (mặc định: mới nhất) / push a version', params: S.IdParams, body: S.PushBody, response: { 202: S.RunSchema, ...errors } },
  }, async (req, reply) => reply.code(202).send(presentRun(await svc.push(req.principal, req.params.id, req.body?.version))));

  app.get('/api/sync/connectors/:id/runs', {
    config: { permission: 'sync:read' },
    schema: { tags, params: S.IdParams, response: { 200: Type.Array(S.RunSchema), ...errors } },
  }, async (req) => (await svc.listRuns(req.principal, req.params.id)).map(presentRun));

  app.get('/api/sync/connectors/:id/reconciliation', {
    config: { permission: 'sync:read' },
    schema: {
      tags, summary: 'Đối soát gửi/xác nhận / reconciliation report', params: S.IdParams, querystring: S.ReconcileQuery,
      response: { 200: S.ReconciliationSchema, ...errors },
    },
  }, async (req) => svc.reconcile(req.principal, req.params.id, req.query));

  app.get('/api/sync/runs/:id', {
    config: { permission: 'sync:read' },
    schema: { tags, params: S.IdParams, response: { 200: S.RunSchema, ...errors } },
  }, async (req) => presentRun(await svc.getRun(req.principal, req.params.id)));

  app.get('/api/sync/runs/:id/batches', {
    config: { permission: 'sync:read' },
    schema: { tags, params: S.IdParams, response: { 200: Type.Array(S.BatchSchema), ...errors } },
  }, async (req) => (await svc.listBatches(req.principal, req.params.id)).map(presentBatch));

  app.get('/api/sync/dead-letters', {
    config: { permission: 'sync:read' },
    schema: { tags, summary: 'Hàng đợi thư lỗi / dead-letter queue', querystring: S.DeadLetterQuery, response: { 200: Type.Array(S.DeadLetterSchema), ...errors } },
  }, async (req) => (await svc.listDeadLetters(req.principal, req.query)).map(presentDeadLetter));

  app.post('/api/sync/dead-letters/:id/retry', {
    config: { permission: 'sync:write' },
    schema: { tags, summary: 'Gửi lại lô (với ánh xạ hiện hành) / retry with the current mapping', params: S.IdParams, response: { 200: S.DeadLetterSchema, ...errors } },
  }, async (req) => presentDeadLetter(await svc.retryDeadLetter(req.principal, req.params.id)));

  app.post('/api/sync/dead-letters/:id/discard', {
    config: { permission: 'sync:write' },
    schema: { tags, summary: 'Bỏ qua lô / discard', params: S.IdParams, response: { 200: S.DeadLetterSchema, ...errors } },
  }, async (req) => presentDeadLetter(await svc.discardDeadLetter(req.principal, req.params.id)));
}
