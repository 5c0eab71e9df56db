import { Type } from 'typebox';
import type { App } from '../../core/http/index.js';
import { NoContent, Problem, SESSION_COOKIE } from '../../core/http/index.js';
import { permissionsOf } from '../../core/auth/index.js';
import type { Config } from '../../core/config/index.js';
import type { OrgService } from './service.js';
import { presentApiKey, presentOrg, presentUser } from './presenters.js';
import * as S from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** HTTP routes of the org module: thin — validate, authorise (hook + service), call, present. */
export function orgRoutes(app: App, svc: OrgService, config: Config): void {
  app.post('/api/auth/login', {
    config: { public: true, audit: 'auth.login' },
    schema: {
      tags: ['auth'], summary: 'Đăng nhập / log in', body: S.LoginBody,
      response: { 200: S.Me, 401: Problem, 423: Problem, 429: Problem, 400: Problem },
    },
  }, async (req, reply) => {
    const s = await svc.login(req.body.username, req.body.password, { ip: req.ip, userAgent: String(req.headers['user-agent'] ?? '') });
    req.principal = s.principal; // so the audit row names who logged in
    reply.setCookie(SESSION_COOKIE, s.token, {
      // 'auto': Secure when the request came over HTTPS — directly, or as a trusted proxy's X-Forwarded-Proto says.
      httpOnly: true, sameSite: 'strict', secure: config.cookieSecure === 'auto' ? req.protocol === 'https' : config.cookieSecure, path: '/', expires: s.expiresAt,
    });
    return { user: { ...meUser(s.principal), via: 'session' }, csrfToken: s.csrfToken };
  });

  app.post('/api/auth/logout', {
    config: { audit: 'auth.logout' },
    schema: { tags: ['auth'], summary: 'Đăng xuất / log out', response: { 204: NoContent, 401: Problem, 403: Problem } },
  }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await svc.logout(token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.get('/api/auth/me', {
    // Reading one's own identity is not a read of others' data; auditing it would flood the log.
    config: { audit: false },
    schema: { tags: ['auth'], summary: 'Người dùng hiện tại / current user', response: { 200: S.Me, 401: Problem } },
  }, async (req) => ({
    user: { ...meUser(req.principal), via: req.principal.kind === 'apikey' ? 'apikey' : 'session' },
    csrfToken: req.principal.csrfToken ?? null,
  }));

  app.get('/api/orgs', {
    config: { public: true },
    schema: { tags: ['org'], summary: 'Danh sách cơ quan, xã/phường / organisations', querystring: S.OrgListQuery, response: { 200: Type.Array(S.Org), 400: Problem } },
  }, async (req) => (await svc.listOrgs(req.query.kind)).map(presentOrg));

  app.get('/api/orgs/:id', {
    config: { public: true },
    schema: { tags: ['org'], params: S.IdParams, response: { 200: S.Org, 404: Problem } },
  }, async (req) => presentOrg(await svc.getOrg(req.params.id)));

  app.post('/api/orgs', {
    config: { permission: 'org:write' },
    schema: { tags: ['org'], summary: 'Thêm cơ quan / add an organisation', body: S.CreateOrgBody, response: { 201: S.Org, ...errors } },
  }, async (req, reply) => reply.code(201).send(presentOrg(await svc.createOrg(req.principal, req.body))));

  app.patch('/api/orgs/:id', {
    config: { permission: 'org:write' },
    schema: { tags: ['org'], params: S.IdParams, body: S.UpdateOrgBody, response: { 200: S.Org, ...errors } },
  }, async (req) => presentOrg(await svc.updateOrg(req.principal, req.params.id, req.body)));

  app.get('/api/users', {
    config: { permission: 'user:read' },
    schema: { tags: ['users'], querystring: Type.Object({ orgId: Type.Optional(Type.String({ maxLength: 100 })) }), response: { 200: Type.Array(S.User), ...errors } },
  }, async (req) => (await svc.listUsers(req.principal, req.query.orgId)).map(presentUser));

  app.post('/api/users', {
    config: { permission: 'user:write' },
    schema: {
      tags: ['users'], summary: 'Tạo người dùng / create a user', body: S.CreateUserBody,
      response: { 201: Type.Object({ user: S.User, generatedPassword: Type.Union([Type.String(), Type.Null()]) }), ...errors },
    },
  }, async (req, reply) => {
    const r = await svc.createUser(req.principal, req.body);
    return reply.code(201).send({ user: presentUser(r.user), generatedPassword: r.generatedPassword });
  });

  app.patch('/api/users/:id', {
    config: { permission: 'user:write' },
    schema: { tags: ['users'], params: S.UserIdParams, body: S.UpdateUserBody, response: { 200: S.User, ...errors } },
  }, async (req) => presentUser(await svc.updateUser(req.principal, req.params.id, req.body)));

  app.post('/api/users/:id/password', {
    config: { audit: 'user.password' },
    schema: {
      tags: ['users'], summary: 'Đổi / đặt lại mật khẩu / change or reset a password', params: S.UserIdParams, body: S.PasswordBody,
      response: { 200: Type.Object({ generatedPassword: Type.Union([Type.String(), Type.Null()]) }), ...errors },
    },
  }, async (req) => svc.setPassword(req.principal, req.params.id, req.body));

  app.post('/api/users/:id/unlock', {
    config: { permission: 'user:write', audit: 'user.unlock' },
    schema: { tags: ['users'], summary: 'Mở khóa đăng nhập / lift login lock-outs', params: S.UserIdParams, response: { 200: S.User, ...errors } },
  }, async (req) => presentUser(await svc.unlockUser(req.principal, req.params.id)));

  app.get('/api/apikeys', {
    config: { permission: 'apikey:write' },
    schema: { tags: ['apikeys'], response: { 200: Type.Array(S.ApiKey), ...errors } },
  }, async (req) => (await svc.listApiKeys(req.principal)).map(presentApiKey));

  app.post('/api/apikeys', {
    config: { permission: 'apikey:write', audit: 'apikey.create' },
    schema: {
      tags: ['apikeys'], summary: 'Tạo khóa API (chỉ hiện một lần) / create an API key (shown once)', body: S.CreateApiKeyBody,
      response: { 201: Type.Object({ key: Type.String(), apiKey: S.ApiKey }), ...errors },
    },
  }, async (req, reply) => {
    const r = await svc.createApiKey(req.principal, req.body);
    return reply.code(201).send({ key: r.key, apiKey: presentApiKey(r.apiKey) });
  });

  app.delete('/api/apikeys/:id', {
    config: { permission: 'apikey:write', audit: 'apikey.revoke' },
    schema: { tags: ['apikeys'], summary: 'Thu hồi khóa API / revoke', params: S.UserIdParams, response: { 204: NoContent, ...errors } },
  }, async (req, reply) => {
    await svc.revokeApiKey(req.principal, req.params.id);
    return reply.code(204).send(null);
  });
}

function meUser(p: import('../../core/auth/index.js').Principal) {
  return { id: p.id, username: p.username, displayName: p.displayName, role: p.role, orgId: p.orgId, permissions: permissionsOf(p) };
}
