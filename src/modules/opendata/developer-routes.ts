import type { FastifyRequest } from 'fastify';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import type { OpendataService } from './service.js';
import * as S from './schema.js';

/** The developer key a request carries, as CKAN clients send it: `Authorization: pod_…` (no "Bearer") or `X-CKAN-API-Key`. */
export function developerKey(req: FastifyRequest): string | null {
  const k = req.headers['x-ckan-api-key'];
  if (typeof k === 'string' && k.trim()) return k.trim();
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.trim() && !/^Bearer\s/i.test(h)) return h.trim();
  return null;
}

/**
 * Developers of the open data portal: a self-service key (public), the holder's own view and
 * revocation (public routes authenticated by the key itself — possession is the proof), and the
 * editors' list and revocation of any key (`opendata:editor`, audited).
 */
export function developerRoutes(app: App, svc: OpendataService): void {
  app.post('/api/opendata/developers/keys', {
    config: { public: true, audit: 'opendata.key.create' },
    schema: { tags: ['opendata'], summary: 'Tự đăng ký khóa API dữ liệu mở (hiện một lần; 10 khóa mỗi giờ mỗi địa chỉ) / self-service API key, shown once (10 an hour per address)', body: S.KeyBody, response: { 201: S.KeySchema, 400: Problem, 429: Problem } },
  }, async (req, reply) => {
    svc.limitKeyCreation(req.ip);
    return reply.code(201).send(await svc.developers.create(req.body));
  });

  app.get('/api/opendata/developers/limits', {
    config: { public: true },
    schema: { tags: ['opendata'], summary: 'Giới hạn lượt gọi API mỗi phút / per-minute limits of the public API', response: { 200: S.LimitsSchema } },
  }, async () => ({ anonymousPerMinute: svc.limits.anonymous, keyPerMinute: svc.limits.key }));

  app.get('/api/opendata/developers/keys/self', {
    config: { public: true },
    schema: {
      tags: ['opendata'], summary: 'Khóa của tôi và số lần gọi theo ngày (xác thực bằng chính khóa) / my key and its calls per day, authenticated by the key',
      headers: S.KeyHeaders, response: { 200: S.KeySelfSchema, 400: Problem, 401: Problem, 429: Problem },
    },
  }, async (req) => {
    svc.limitKeyChecks(req.ip);
    return svc.developers.self(developerKey(req));
  });

  app.delete('/api/opendata/developers/keys/self', {
    config: { public: true, audit: 'opendata.key.revoke-self' },
    schema: {
      tags: ['opendata'], summary: 'Thu hồi khóa của tôi (xác thực bằng chính khóa) / revoke my key, authenticated by the key',
      headers: S.KeyHeaders, response: { 200: S.KeySelfSchema, 400: Problem, 401: Problem, 429: Problem },
    },
  }, async (req) => {
    svc.limitKeyChecks(req.ip);
    return svc.developers.revokeSelf(developerKey(req));
  });

  app.get('/api/opendata/developers/keys', {
    config: { permission: 'opendata:editor', audit: 'opendata.key.list' },
    schema: {
      tags: ['opendata'], summary: 'Mọi khóa API dữ liệu mở, thư điện tử đã che (biên tập viên) / every developer key, e-mail masked (editors)',
      querystring: S.KeyListQuery, response: { 200: S.KeyListSchema, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (req) => svc.developers.list(req.principal, req.query));

  app.post('/api/opendata/developers/keys/:id/revoke', {
    config: { permission: 'opendata:editor', audit: 'opendata.key.revoke' },
    schema: {
      tags: ['opendata'], summary: 'Thu hồi một khóa (biên tập viên) / revoke a developer key (editors)',
      params: S.IdParams, response: { 200: S.KeyRevokedSchema, 400: Problem, 401: Problem, 403: Problem, 404: Problem },
    },
  }, async (req) => svc.developers.revoke(req.principal, req.params.id));
}
