import { Type } from 'typebox';
import type { App } from '../../core/http/index.js';
import { NoContent, Problem } from '../../core/http/index.js';
import { authorize } from '../../core/auth/index.js';
import type { SharingService } from './service.js';
import * as P from './presenters.js';
import * as S from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const Any = Type.Unknown();

/** Management API of the LDOP (`/api/ldop/…`) and in-app notifications: thin — validate, authorise, call, present. */
export function sharingRoutes(app: App, svc: SharingService): void {
  const tags = ['ldop'];

  // ---- subsystems and credentials
  app.get('/api/ldop/subsystems', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Hệ thống thông tin / subsystems', querystring: Type.Object({ orgId: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 200: Any, ...errors } },
  }, async (req) => (await svc.listSubsystems(req.principal, req.query.orgId)).map(P.presentSubsystem));

  app.post('/api/ldop/subsystems', {
    config: { permission: 'sharing:write', audit: 'ldop.subsystem.create' },
    schema: { tags, summary: 'Đăng ký hệ thống / register a subsystem', body: S.CreateSubsystemBody, response: { 201: Any, ...errors } },
  }, async (req, reply) => reply.code(201).send(P.presentSubsystem(await svc.createSubsystem(req.principal, req.body))));

  app.patch('/api/ldop/subsystems/:id', {
    config: { permission: 'sharing:write', audit: 'ldop.subsystem.update' },
    schema: { tags, params: S.IdParams, body: S.UpdateSubsystemBody, response: { 200: Any, ...errors } },
  }, async (req) => P.presentSubsystem(await svc.updateSubsystem(req.principal, req.params.id, req.body)));

  app.get('/api/ldop/subsystems/:id/keys', {
    config: { permission: 'sharing:read' },
    schema: { tags, params: S.IdParams, response: { 200: Any, ...errors } },
  }, async (req) => (await svc.listKeys(req.principal, req.params.id)).map(P.presentKey));

  app.post('/api/ldop/subsystems/:id/keys', {
    config: { permission: 'sharing:write', audit: 'ldop.key.create' },
    schema: { tags, summary: 'Cấp khóa pdl_… (chỉ hiện một lần) / issue a subsystem key (shown once)', params: S.IdParams, body: S.CreateKeyBody, response: { 201: Any, ...errors } },
  }, async (req, reply) => {
    const r = await svc.createKey(req.principal, req.params.id, req.body);
    return reply.code(201).send({ key: r.key, apiKey: P.presentKey(r.row) });
  });

  app.delete('/api/ldop/subsystems/:id/keys/:keyId', {
    config: { permission: 'sharing:write', audit: 'ldop.key.revoke' },
    schema: { tags, summary: 'Thu hồi khóa / revoke a key', params: S.KeyParams, response: { 204: NoContent, ...errors } },
  }, async (req, reply) => {
    await svc.revokeKey(req.principal, req.params.id, req.params.keyId);
    return reply.code(204).send(null);
  });

  app.get('/api/ldop/subsystems/:id/certificates', {
    config: { permission: 'sharing:read' },
    schema: { tags, params: S.IdParams, response: { 200: Any, ...errors } },
  }, async (req) => (await svc.listCertificates(req.principal, req.params.id)).map(P.presentCertificate));

  app.post('/api/ldop/subsystems/:id/certificates', {
    config: { permission: 'sharing:write', audit: 'ldop.certificate.register' },
    schema: { tags, summary: 'Đăng ký chứng thư TLS máy khách / register a client certificate (mTLS)', params: S.IdParams, body: S.CertificateBody, response: { 201: Any, ...errors } },
  }, async (req, reply) => reply.code(201).send(P.presentCertificate(await svc.registerCertificate(req.principal, req.params.id, req.body.pem))));

  app.delete('/api/ldop/subsystems/:id/certificates/:keyId', {
    config: { permission: 'sharing:write', audit: 'ldop.certificate.revoke' },
    schema: { tags, params: S.KeyParams, response: { 204: NoContent, ...errors } },
  }, async (req, reply) => {
    await svc.revokeCertificate(req.principal, req.params.id, req.params.keyId);
    return reply.code(204).send(null);
  });

  // ---- service catalogue
  app.get('/api/ldop/services', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Danh mục dịch vụ, ai đang có quyền / service catalogue with current access', querystring: S.ServiceListQuery, response: { 200: Any, ...errors } },
  }, async (req) => {
    const r = await svc.listServices(req.principal, req.query);
    return { total: r.total, items: r.items.map((i) => P.presentService(i.service, i.access)) };
  });

  app.post('/api/ldop/services', {
    config: { permission: 'sharing:write', audit: 'ldop.service.create' },
    schema: { tags, summary: 'Định nghĩa dịch vụ truy vấn hoặc REST / define a query or REST service', body: S.ServiceBody, response: { 201: Any, ...errors } },
  }, async (req, reply) => reply.code(201).send(P.presentService(await svc.createService(req.principal, req.body))));

  app.get('/api/ldop/services/:id', {
    config: { permission: 'sharing:read' },
    schema: { tags, params: S.IdParams, response: { 200: Any, ...errors } },
  }, async (req) => {
    const r = await svc.getService(req.principal, req.params.id);
    return { ...P.presentService(r.service, r.access), fields: r.fields, openapi: P.serviceOpenApi(r.service, r.fields) };
  });

  app.get('/api/ldop/services/:id/openapi.json', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Mô tả OpenAPI của dịch vụ / the service\'s OpenAPI', params: S.IdParams, response: { 200: Any, ...errors } },
  }, async (req) => {
    const r = await svc.getService(req.principal, req.params.id);
    return P.serviceOpenApi(r.service, r.fields);
  });

  // ---- agreements
  app.get('/api/ldop/agreements', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Thỏa thuận chia sẻ / sharing agreements', querystring: S.AgreementListQuery, response: { 200: Any, ...errors } },
  }, async (req) => (await svc.listAgreements(req.principal, req.query)).map(P.presentAgreement));

  app.post('/api/ldop/agreements', {
    config: { permission: 'sharing:write', audit: 'ldop.agreement.request' },
    schema: { tags, summary: 'Yêu cầu truy cập dịch vụ / request access', body: S.AgreementBody, response: { 201: Any, ...errors } },
  }, async (req, reply) => reply.code(201).send(P.presentAgreement(await svc.requestAgreement(req.principal, req.body))));

  app.get('/api/ldop/agreements/:id', {
    config: { permission: 'sharing:read' },
    schema: { tags, params: S.IdParams, response: { 200: Any, ...errors } },
  }, async (req) => {
    const r = await svc.getAgreement(req.principal, req.params.id);
    return { ...P.presentAgreement(r.agreement), history: r.history.map(P.presentHistory) };
  });

  app.post('/api/ldop/agreements/:id/approve', {
    config: { permission: 'sharing:approve', audit: 'ldop.agreement.approve' },
    schema: { tags, summary: 'Phê duyệt (có thể thu hẹp) / approve, possibly narrowing', params: S.IdParams, body: S.ApproveBody, response: { 200: Any, ...errors } },
  }, async (req) => P.presentAgreement(await svc.approve(req.principal, req.params.id, req.body)));

  app.post('/api/ldop/agreements/:id/reject', {
    config: { permission: 'sharing:approve', audit: 'ldop.agreement.reject' },
    schema: { tags, params: S.IdParams, body: S.NoteBody, response: { 200: Any, ...errors } },
  }, async (req) => P.presentAgreement(await svc.reject(req.principal, req.params.id, req.body.note)));

  app.post('/api/ldop/agreements/:id/request-changes', {
    config: { permission: 'sharing:approve', audit: 'ldop.agreement.request_changes' },
    schema: { tags, params: S.IdParams, body: S.NoteBody, response: { 200: Any, ...errors } },
  }, async (req) => P.presentAgreement(await svc.requestChanges(req.principal, req.params.id, req.body.note)));

  app.put('/api/ldop/agreements/:id', {
    config: { permission: 'sharing:write', audit: 'ldop.agreement.resubmit' },
    schema: { tags, summary: 'Gửi lại với điều khoản mới / resubmit with new terms', params: S.IdParams, body: S.ResubmitBody, response: { 200: Any, ...errors } },
  }, async (req) => P.presentAgreement(await svc.resubmit(req.principal, req.params.id, req.body)));

  app.post('/api/ldop/agreements/:id/revoke', {
    config: { permission: 'sharing:write', audit: 'ldop.agreement.revoke' },
    schema: { tags, summary: 'Thu hồi (bên cung cấp) hoặc rút (bên khai thác) / revoke or withdraw', params: S.IdParams, body: S.NoteBody, response: { 200: Any, ...errors } },
  }, async (req) => P.presentAgreement(await svc.revoke(req.principal, req.params.id, req.body.note)));

  // ---- message log, checkpoints, usage, KPI
  app.get('/api/ldop/log', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Nhật ký trao đổi / message log (own member; admins all)', querystring: S.LogQuery, response: { 200: Any, ...errors } },
  }, async (req) => (await svc.logFor(req.principal, req.query)).map(P.presentLogRow));

  app.get('/api/ldop/checkpoints', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Điểm kiểm tra đã ký / signed checkpoints', response: { 200: Any, ...errors } },
  }, async () => (await svc.log.checkpoints()).map((c) => P.presentCheckpoint(c)));

  app.get('/api/ldop/checkpoints/:id', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Một điểm kiểm tra với khóa công khai / a checkpoint with its public key', params: S.CheckpointParams, response: { 200: Any, ...errors } },
  }, async (req) => P.presentCheckpoint(await svc.log.getCheckpoint(req.params.id)));

  app.post('/api/ldop/checkpoints', {
    config: { permission: 'sharing:checkpoint', audit: 'ldop.checkpoint' },
    schema: { tags, summary: 'Ký điểm kiểm tra ngay / sign a checkpoint now (admin)', response: { 201: Any, ...errors } },
  }, async (req, reply) => {
    authorize(req.principal, 'sharing:checkpoint');
    return reply.code(201).send(P.presentCheckpoint(await svc.log.checkpoint()));
  });

  app.get('/api/ldop/keys', {
    config: { public: true, audit: false },
    schema: { tags, summary: 'Khóa công khai Ed25519 của nền tảng / the platform\'s public signing keys', response: { 200: Any } },
  }, async () => (await svc.log.publicKeys()).map((k) => ({ keyId: k.keyId, publicKeyPem: k.publicKeyPem, createdAt: new Date(k.createdAt).toISOString() })));

  app.get('/api/ldop/usage', {
    config: { permission: 'sharing:read' },
    schema: { tags, summary: 'Thống kê sử dụng theo cơ quan/dịch vụ / usage per member or service', querystring: S.UsageQuery, response: { 200: Any, ...errors } },
  }, async (req) => {
    const u = await svc.usage(req.principal, req.query);
    return {
      ...u,
      services: u.services.map((s) => ({ serviceId: s.service_id, serviceCode: s.service_code, providerOrgId: s.provider_org_id, requests: Number(s.requests), errors: Number(s.errors), p95LatencyMs: s.p95 === null ? null : Number(s.p95), rows: Number(s.rows) })),
      topConsumers: u.topConsumers.map((c) => ({ orgId: c.consumer_org_id, requests: Number(c.requests), rows: Number(c.rows) })),
      expiring: u.expiring.map(P.presentAgreement),
      totals: { ...u.totals, p95LatencyMs: u.totals.p95 },
    };
  });

  app.get('/api/ldop/kpi', {
    config: { public: true, audit: false },
    schema: { tags, summary: 'KPI: tỷ lệ cơ quan kết nối LDOP / share of agencies connected', response: { 200: Any } },
  }, async () => svc.kpi());

  // ---- webhooks
  app.get('/api/ldop/webhooks', {
    config: { permission: 'sharing:read' },
    schema: { tags, querystring: S.WebhookListQuery, response: { 200: Any, ...errors } },
  }, async (req) => (await svc.listWebhooks(req.principal, req.query.subsystemId)).map(P.presentWebhook));

  app.post('/api/ldop/webhooks', {
    config: { permission: 'sharing:write', audit: 'ldop.webhook.create' },
    schema: { tags, summary: 'Đăng ký nhận tin phiên bản mới (bí mật HMAC hiện một lần) / subscribe to new versions (secret shown once)', body: S.WebhookBody, response: { 201: Any, ...errors } },
  }, async (req, reply) => {
    const r = await svc.createWebhook(req.principal, req.body);
    return reply.code(201).send({ ...P.presentWebhook(r.webhook), secret: r.secret });
  });

  app.delete('/api/ldop/webhooks/:id', {
    config: { permission: 'sharing:write', audit: 'ldop.webhook.delete' },
    schema: { tags, params: S.IdParams, response: { 204: NoContent, ...errors } },
  }, async (req, reply) => {
    await svc.deleteWebhook(req.principal, req.params.id);
    return reply.code(204).send(null);
  });

  app.get('/api/ldop/webhooks/:id/deliveries', {
    config: { permission: 'sharing:read' },
    schema: { tags, params: S.IdParams, response: { 200: Any, ...errors } },
  }, async (req) => (await svc.webhookDeliveries(req.principal, req.params.id)).map((d) => ({ ...d, id: Number(d.id), eventId: Number(d.event_id), at: new Date(d.at).toISOString() })));

  // ---- notifications
  app.get('/api/notifications', {
    config: { audit: false },
    schema: { tags: ['notifications'], summary: 'Thông báo của cơ quan / notifications of the caller\'s organisation', querystring: S.NotificationQuery, response: { 200: Any, 401: Problem } },
  }, async (req) => (await svc.notifications(req.principal, req.query)).map(P.presentNotification));

  app.post('/api/notifications/:id/read', {
    config: { audit: false },
    schema: { tags: ['notifications'], params: S.NotificationParams, response: { 204: NoContent, ...errors } },
  }, async (req, reply) => {
    await svc.markRead(req.principal, req.params.id);
    return reply.code(204).send(null);
  });
}
