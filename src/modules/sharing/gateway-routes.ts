import { createHash } from 'node:crypto';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { App } from '../../core/http/index.js';
import { toProblem } from '../../core/http/index.js';
import type { GatewayCall, GatewayContext, LdopGateway } from './gateway.js';
import { GatewayParams, GatewayQuery } from './schema.js';

/**
 * The SHA-256 (hex) of the DER of the client certificate presented in this connection's TLS
 * handshake, or null. Only the TLS layer can produce it: there is no header that sets it, and a
 * plain-HTTP connection (or `app.inject`) has no peer certificate. A TLS-terminating proxy in front
 * of the platform therefore disables the certificate path; it must pass TCP through (or use keys).
 */
export function peerFingerprint(req: FastifyRequest): string | null {
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return null;
  const cert = socket.getPeerCertificate(false);
  if (!cert || !cert.raw || !Buffer.isBuffer(cert.raw) || cert.raw.length === 0) return null;
  return createHash('sha256').update(cert.raw).digest('hex');
}

const header = (req: FastifyRequest, name: string): string | null => {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] ?? null : null;
};

/**
 * The gateway route. It authenticates agency *systems*, not users, so the platform's one auth hook
 * treats it as public (`config.public`) and the gateway authenticates the caller itself
 * (`X-LDOP-Key: pdl_…` or the TLS client certificate); an onRoute hook in this encapsulated scope
 * removes the public marks from its OpenAPI entry, so the document does not call it public (and an
 * anonymous caller gets 401 UNAUTHENTICATED like on every protected route). Every outcome — answer or refusal — is rendered here and recorded in the message log
 * before the reply leaves.
 */
export async function gatewayRoutes(app: App, gw: LdopGateway): Promise<void> {
  await app.register(async (plain) => {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>();
    scope.addHook('onRoute', (route) => {
      // Not public: drop the marks the core hook put on it. The document's security schemes are the
      // platform's (session, apiKey) and cannot be extended from a module, so the operation inherits
      // them and its description and `X-LDOP-Key` header say how it really authenticates.
      const schema = { ...(route.schema ?? {}) } as Record<string, unknown>;
      delete schema['x-public'];
      delete schema.security;
      route.schema = schema as typeof route.schema;
    });
    scope.get('/ldop/v1/:member/:subsystem/:service', {
      config: { public: true, audit: false },
      schema: {
        tags: ['ldop-gateway'],
        summary: 'Cổng LDOP: đọc dịch vụ theo thỏa thuận / LDOP gateway: read a service under an agreement',
        description: 'Xác thực bằng header X-LDOP-Key: pdl_… hoặc chứng thư TLS máy khách đã đăng ký. Accept: application/json | application/xml | text/csv. Xem docs/ldop.md.',
        params: GatewayParams,
        querystring: GatewayQuery,
        headers: {
          type: 'object',
          properties: {
            'x-ldop-key': { type: 'string', description: 'Khóa hệ thống pdl_… / subsystem key' },
            'x-request-nonce': { type: 'string', description: 'Mã chống lặp, dùng một lần / single-use nonce' },
            'if-none-match': { type: 'string' },
          },
        },
      },
    }, async (req, reply) => {
      const ctx: GatewayContext = { started: performance.now(), rows: 0 };
      const call: GatewayCall = {
        member: req.params.member, subsystem: req.params.subsystem, service: req.params.service,
        query: req.query as Record<string, unknown>,
        key: header(req, 'x-ldop-key'), fingerprint: peerFingerprint(req), nonce: header(req, 'x-request-nonce'), ifNoneMatch: header(req, 'if-none-match'),
        accept: header(req, 'accept') ?? undefined, url: req.url.slice(0, 4000), requestId: req.id, clientIp: req.ip,
      };
      let status: number;
      let body: string;
      let errorCode: string | null = null;
      let headers: Record<string, string> = {};
      try {
        const a = await gw.serve(ctx, call);
        ({ status, body, headers } = a);
      } catch (e) {
        const p = toProblem(e, req);
        status = p.status;
        errorCode = String(p.body.code);
        body = JSON.stringify(p.body);
        headers = { 'content-type': 'application/problem+json; charset=utf-8' };
        const retry = (e as { extra?: { retryAfterSeconds?: number } }).extra?.retryAfterSeconds;
        if (retry) headers['retry-after'] = String(retry);
        if (status >= 500) req.log.error({ err: e }, 'ldop gateway failed');
        else req.log.info({ code: errorCode }, 'ldop gateway refused');
      }
      try {
        const id = await gw.record(ctx, call, { status, errorCode, body });
        headers['x-ldop-message-id'] = String(id);
      } catch (e) {
        // No exchange leaves without its log row.
        req.log.error({ err: e }, 'ldop message log append failed');
        const p = toProblem(new Error('message log unavailable'), req);
        return reply.code(p.status).type('application/problem+json; charset=utf-8').send(p.body);
      }
      reply.code(status).headers(headers);
      return reply.send(status === 304 ? null : body);
    });
  });
}

/**
 * An HTTPS listener for the gateway with TLS client authentication: the handshake asks for a client
 * certificate and accepts any (`rejectUnauthorized: false`), because trust is not a CA chain but the
 * SHA-256 fingerprint registered for a subsystem (pinning). Requests go to the same Fastify app.
 */
export function ldopTlsServer(app: App, tls: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer }): HttpsServer {
  return createHttpsServer({ key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: true, rejectUnauthorized: false }, (req, res) => app.routing(req, res));
}
