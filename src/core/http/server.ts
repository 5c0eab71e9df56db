import { randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { ANONYMOUS, authorize, type Permission, type Principal, type PrincipalResolver } from '../auth/index.js';
import { withPendingAudit, type AuditEntry, type AuditLog, type PendingAudit } from '../audit/index.js';
import { AppError, invalid, unauthenticated } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { sendProblem, toProblem } from './problem.js';

export const SESSION_COOKIE = 'provdata_session';
export const API_KEY_PREFIX = 'pdk_';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open to anonymous callers; everything else needs a session or an API key. */
    public?: boolean;
    /** Permission checked by the authorisation layer before the handler runs. */
    permission?: Permission;
    /** Name of the action in the audit log (default: METHOD route). False: not audited (health probes). */
    audit?: string | false;
  }
  interface FastifyRequest {
    principal: Principal;
    /** A write's commit record, appended by the first transaction it commits (see auditCommits). */
    auditPending?: PendingAudit;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpDeps {
  config: Config;
  logger: Logger;
  audit: AuditLog;
  metrics: Metrics;
  /** Set by the org module once it is built; until then every caller is anonymous. */
  resolver: () => PrincipalResolver | null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string' && /^Bearer\s+/i.test(h)) return h.replace(/^Bearer\s+/i, '').trim();
  const k = req.headers['x-api-key'];
  return typeof k === 'string' && k ? k.trim() : null;
}

/** Path of the first string (or key) containing U+0000, e.g. `body/name`; walks iteratively so deep JSON cannot overflow the stack. */
function containsNul(root: Record<string, unknown>): string | null {
  const stack: [unknown, string][] = Object.entries(root).map(([k, v]) => [v, k]);
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return at;
    } else if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && typeof (v as { pipe?: unknown }).pipe !== 'function') {
      // Parsed JSON, query and params only: raw uploads (streams, buffers) are not text and are not walked.
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\u0000')) return at;
        stack.push([x, `${at}/${k.slice(0, 40)}`]);
      }
    }
  }
  return null;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Builds the Fastify instance every module registers its routes on: problem+json errors, request
 * ids, OpenAPI, the one authentication/authorisation hook, CSRF for cookie writes, audit and metrics.
 */
const ROUTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const KNOWN_ROUTES = Symbol('provdata.knownRoutes');

/**
 * Answers a request no route took: 405 with an Allow header listing the methods the path does take
 * when the path exists, else 404 — as problem+json. For not-found handlers, the web client's too.
 */
export function sendRouteMiss(req: FastifyRequest, reply: FastifyReply) {
  const path = req.url.split('?')[0]!;
  const shown = path.slice(0, 200);
  const known = (req.server as unknown as Record<symbol, ReturnType<typeof FindMyWay> | undefined>)[KNOWN_ROUTES];
  const allowed = known ? ROUTED_METHODS.filter((m) => known.find(m, path) !== null) : [];
  if (allowed.length && !(allowed as readonly string[]).includes(req.method)) {
    reply.header('allow', allowed.join(', '));
    return sendProblem(reply, new AppError(
      'METHOD_NOT_ALLOWED',
      { vi: `Đường dẫn ${shown} không nhận phương thức ${req.method}; hãy dùng ${allowed.join(', ')}`, en: `${shown} does not take ${req.method}; use ${allowed.join(', ')}` },
      { allow: allowed },
    ));
  }
  return sendProblem(reply, new AppError('NOT_FOUND', { vi: `Không có đường dẫn ${req.method} ${shown}`, en: `No route ${req.method} ${shown}` }));
}

export async function createHttp(deps: HttpDeps): Promise<App> {
  const { config, logger, audit, metrics } = deps;
  const app = Fastify({
    loggerInstance: logger,
    // Only the listed proxies' X-Forwarded-For/-Proto are believed; a client's own is ignored.
    trustProxy: config.trustProxy.length ? [...config.trustProxy] : false,
    bodyLimit: 1024 * 1024,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    routerOptions: { maxParamLength: 500 },
    // Errors the router raises before any route matches (bad URL encoding, over-long parameter) are problems too.
    frameworkErrors: (err, req, reply) => {
      req.log.info({ code: err.code }, 'request refused');
      return sendProblem(reply, err);
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.decorateRequest('principal', null as unknown as Principal);
  // Set before any plugin registers: encapsulated plugins inherit the handlers in force at registration.
  app.setErrorHandler((err, req, reply) => {
    const status = err instanceof AppError ? err.status : (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: err instanceof AppError ? err.code : (err as { code?: string }).code }, 'request refused');
    return sendProblem(reply, err);
  });
  // Every route's path and method, without the web client's catch-all, so that a request for a known
  // path with the wrong method gets 405 and an Allow header instead of a bare 404.
  const known = FindMyWay();
  app.decorate(KNOWN_ROUTES, known);
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    for (const m of [route.method].flat()) {
      if (!(ROUTED_METHODS as readonly string[]).includes(m)) continue;
      try {
        known.on(m as (typeof ROUTED_METHODS)[number], route.url, () => undefined);
      } catch {
        // The same method and path twice (a route with constraints): one entry is enough here.
      }
    }
  });
  app.setNotFoundHandler((req, reply) => sendRouteMiss(req, reply));
  await app.register(cookie);

  // OpenAPI: public routes say so (`security: []`, `x-public`) so a test can prove the rest refuse anonymous callers.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'provdata API',
        version: '0.1.0',
        description: 'Nền tảng dữ liệu tỉnh Gia Lai — API. Lỗi trả về dạng RFC 9457 application/problem+json.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          apiKey: { type: 'http', scheme: 'bearer', description: `Khóa API (${API_KEY_PREFIX}…), hoặc header X-API-Key` },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
  });
  app.addHook('onRoute', (route) => {
    // The docs UI and its static assets are public documentation.
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config ?? {}), public: true, audit: false };
    const isPublic = route.config?.public === true;
    route.schema = { ...(route.schema ?? {}), ...(isPublic ? { security: [], 'x-public': true } : {}) } as typeof route.schema;
    if (route.url.startsWith('/api/docs')) route.schema = { ...route.schema, hide: true } as typeof route.schema;
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { deepLinking: true, validatorUrl: null },
    staticCSP: true,
  });
  app.get('/api/openapi.json', { config: { public: true, audit: false }, schema: { hide: true } }, async () => app.swagger());

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    req.principal = ANONYMOUS;
  });

  // Authentication and authorisation: the one place a request's principal is decided and checked.
  // onRequest, before the body is parsed and validated: an anonymous caller gets 401, never schema details.
  app.addHook('onRequest', async (req) => {
    const cfg = req.routeOptions.config;
    const resolver = deps.resolver();
    const key = bearer(req);
    if (resolver && key) {
      req.principal = await resolver.fromApiKey(key);
    } else if (resolver && req.cookies[SESSION_COOKIE]) {
      const p = await resolver.fromSession(req.cookies[SESSION_COOKIE]!);
      if (p) {
        req.principal = p;
        // Cookie-authenticated writes must echo the session's CSRF token: a cross-site form cannot read it.
        if (!SAFE_METHODS.has(req.method)) {
          const sent = req.headers['x-csrf-token'];
          if (typeof sent !== 'string' || !p.csrfToken || !sameToken(sent, p.csrfToken)) {
            throw new AppError('CSRF_FAILED', {
              vi: 'Thiếu header x-csrf-token hợp lệ cho thao tác ghi',
              en: 'A valid x-csrf-token header is required for writes',
            });
          }
        }
      }
    }
    if (cfg?.public || !req.routeOptions.url) return;
    if (req.principal.kind === 'anonymous') throw unauthenticated();
    if (cfg?.permission) authorize(req.principal, cfg.permission);
  });

  // PostgreSQL text cannot hold U+0000: refuse it at the door rather than fail in SQL with a 500.
  app.addHook('preValidation', async (req) => {
    const where = containsNul({ params: req.params, query: req.query, body: req.body });
    if (where) throw invalid({ vi: `Ký tự NUL (\\u0000) không được phép trong ${where}`, en: `The NUL character (\\u0000) is not allowed in ${where}` }, [{ field: where, message: 'contains U+0000' }]);
  });

  /** The audit row of a request, but for its outcome. */
  const auditEntry = (req: FastifyRequest, details: Record<string, unknown> | null): Omit<AuditEntry, 'outcome'> => {
    const cfg = req.routeOptions.config;
    const apiKey = req.principal.apiKeyId ? { apiKeyId: req.principal.apiKeyId } : null;
    return {
      actor: req.principal.username,
      actorId: req.principal.id,
      orgId: req.principal.orgId,
      action: typeof cfg?.audit === 'string' ? cfg.audit : `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`,
      resource: req.url.split('?')[0]!.slice(0, 500),
      requestId: req.id,
      clientIp: req.ip,
      details: details || apiKey ? { ...apiKey, ...details } : null,
    };
  };

  // Audit, part 1: a write that reaches its handler runs with a commit record pending. Its first
  // transaction to commit appends it, in that transaction (auditCommits): the change and its audit row
  // are committed together or not at all. The row has no status yet; the response's row (below) does.
  // Callback style, so that the handler runs inside the context the record is kept in.
  app.addHook('preHandler', (req, _reply, done) => {
    const cfg = req.routeOptions.config;
    if (SAFE_METHODS.has(req.method) || cfg?.audit === false || !req.routeOptions.url) return done();
    req.auditPending = { entry: { ...auditEntry(req, { stage: 'commit' }), outcome: 'success', status: null }, committed: false };
    withPendingAudit(req.auditPending, done);
  });

  /** Whether a request leaves a response audit row: every write, and every read of a non-public route by a signed-in caller. */
  const audited = (req: FastifyRequest): boolean => {
    const cfg = req.routeOptions.config;
    if (cfg?.audit === false) return false;
    if (!SAFE_METHODS.has(req.method)) return true;
    // An anonymous caller of a non-public route was refused before any data was read: not a read.
    return !cfg?.public && !!req.routeOptions.url && req.principal.kind !== 'anonymous';
  };
  const outcomeOf = (status: number): AuditEntry['outcome'] => (status < 400 ? 'success' : status === 401 || status === 403 ? 'denied' : 'error');

  // Audit, part 2: a read is recorded BEFORE its body leaves. When its row cannot be written the data
  // is not served: the answer becomes a 503 problem, without the route's headers (cursors, ETags).
  // Every route that reads through this hook gets it; no route audits its own reads.
  app.addHook('onSend', async (req, reply, payload) => {
    // The handler is done: whatever commits later (a timer it started) is not this request's change.
    if (req.auditPending) req.auditPending.closed = true;
    if (!SAFE_METHODS.has(req.method) || !audited(req)) return payload;
    const status = reply.statusCode;
    try {
      await audit.append({ ...auditEntry(req, null), outcome: outcomeOf(status), status });
      return payload;
    } catch (e) {
      req.log.error({ err: e }, 'audit append failed: the read is not served');
      if (payload && typeof (payload as { destroy?: unknown }).destroy === 'function') (payload as { destroy(): void }).destroy();
      for (const name of Object.keys(reply.getHeaders())) if (name !== 'x-request-id') reply.removeHeader(name);
      const problem = toProblem(new AppError('UNAVAILABLE', {
        vi: 'Không ghi được nhật ký kiểm toán nên dữ liệu không được trả về; hãy thử lại sau',
        en: 'The audit log could not be written, so the data is not served; retry later',
      }), req);
      reply.code(problem.status).type('application/problem+json; charset=utf-8');
      return JSON.stringify(problem.body);
    }
  });

  // Audit, part 3: every write, whatever its outcome, once its response is sent (its change was
  // already committed with its commit record, part 1).
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    if (SAFE_METHODS.has(req.method) || !audited(req)) return;
    const status = reply.statusCode;
    try {
      await audit.append({ ...auditEntry(req, null), outcome: outcomeOf(status), status });
    } catch (e) {
      req.log.error({ err: e }, 'audit append failed');
    }
  });

  return app;
}
