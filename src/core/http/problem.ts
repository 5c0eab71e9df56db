import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOGUE, type ErrorCode, type FieldProblem } from '../errors.js';

/** Language of the answer: Vietnamese unless the client prefers English. */
export function lang(req: FastifyRequest): 'vi' | 'en' {
  const al = String(req.headers['accept-language'] ?? '').toLowerCase();
  const en = al.search(/\ben\b|\ben-/);
  const vi = al.search(/\bvi\b|\bvi-/);
  return en >= 0 && (vi < 0 || en < vi) ? 'en' : 'vi';
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE', 409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED',
};

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns a Fastify/TypeBox validation failure into field problems a person can act on. */
function fieldProblems(err: FastifyError): FieldProblem[] {
  const issues = (err.validation ?? []) as ValidationIssue[];
  return issues.slice(0, 20).map((i) => {
    const extra = i.params && 'missingProperty' in i.params ? `/${String(i.params.missingProperty)}` : '';
    const field = `${err.validationContext ?? 'body'}${i.instancePath ?? ''}${extra}`;
    return { field, message: i.message ?? 'invalid' };
  });
}

/**
 * Converts anything thrown during a request into an RFC 9457 problem. Expected errors keep their
 * code and detail; framework 4xx errors get the catalogue code of their status; anything else is an
 * INTERNAL 500 that carries only the request id — never a message, stack trace or SQL.
 */
export function toProblem(err: unknown, req: FastifyRequest) {
  const l = lang(req);
  let code: ErrorCode = 'INTERNAL';
  let detail: string | undefined;
  let extra: Record<string, unknown> = {};
  if (err instanceof AppError) {
    code = err.code;
    detail = err.detail?.[l];
    const { retryAfterSeconds: _r, ...rest } = err.extra;
    extra = rest;
  } else {
    const fe = err as FastifyError;
    if (fe && Array.isArray(fe.validation)) {
      code = 'VALIDATION_FAILED';
      const errors = fieldProblems(fe);
      extra = { errors };
      detail = l === 'vi'
        ? `Kiểm tra lại: ${errors.map((e) => `${e.field} (${e.message})`).join('; ')}`
        : `Check: ${errors.map((e) => `${e.field} (${e.message})`).join('; ')}`;
    } else if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      code = STATUS_CODES[fe.statusCode] ?? 'BAD_REQUEST';
      // Framework messages for client errors (bad JSON, wrong content type) are safe and useful.
      detail = l === 'vi' ? `${ERROR_CATALOGUE[code].vi}: ${fe.message}` : fe.message;
    }
  }
  const entry = ERROR_CATALOGUE[code];
  return {
    status: entry.status,
    body: {
      type: `/problems/${code.toLowerCase().replace(/_/g, '-')}`,
      title: entry[l],
      status: entry.status,
      ...(detail ? { detail } : {}),
      code,
      instance: req.url.split('?')[0],
      requestId: req.id,
      ...extra,
    },
  };
}

/** Sends a problem+json answer. */
export function sendProblem(reply: FastifyReply, err: unknown) {
  const p = toProblem(err, reply.request);
  if (err instanceof AppError && err.extra.retryAfterSeconds) reply.header('retry-after', String(err.extra.retryAfterSeconds));
  return reply.code(p.status).type('application/problem+json; charset=utf-8').send(p.body);
}
