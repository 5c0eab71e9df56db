import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../../core/errors.js';
import type { App } from '../../core/http/index.js';
import { baseUrl } from './routes.js';
import { ckanValidation, type OpendataService } from './service.js';

/** The actions of CKAN's Action API this portal answers (read-only, public). */
export const CKAN_ACTIONS = [
  'package_list', 'package_search', 'package_show', 'organization_list', 'organization_show', 'group_list', 'tag_list', 'resource_show', 'datastore_search',
  'status_show',
] as const;
type Action = (typeof CKAN_ACTIONS)[number];
type Params = Record<string, unknown>;

const str = (p: Params, k: string): string | undefined => {
  const v = p[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (Array.isArray(v)) return str({ [k]: v[v.length - 1] }, k);
  if (typeof v === 'object') throw ckanValidation(k, 'Must be a string');
  return String(v);
};
const required = (p: Params, k: string): string => {
  const v = str(p, k);
  if (v === undefined) throw ckanValidation(k, 'Missing value');
  return v;
};
/** CKAN's natural_number_validator / int_validator. */
const natural = (p: Params, k: string): number | undefined => {
  const v = str(p, k);
  if (v === undefined) return undefined;
  if (!/^\s*\d{1,15}\s*$/.test(v)) throw ckanValidation(k, /^\s*-\d+\s*$/.test(v) ? 'Must be a natural number' : 'Invalid integer');
  return Number(v);
};
const bool = (p: Params, k: string): boolean | undefined => {
  const v = str(p, k);
  if (v === undefined) return undefined;
  if (['true', '1', 'yes', 'True'].includes(v)) return true;
  if (['false', '0', 'no', 'False'].includes(v)) return false;
  throw ckanValidation(k, 'Must be a boolean');
};
/** A JSON value given as JSON (POST) or as a JSON string (GET), as CKAN's convert_to_json_if_string. */
function json(p: Params, k: string): unknown {
  const v = p[k];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw ckanValidation(k, 'Could not parse as valid JSON');
  }
}
function list(p: Params, k: string): string[] | undefined {
  const v = json(p, k);
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw ckanValidation(k, 'Must be a list of strings');
  return v as string[];
}

/** Maps a thrown error to CKAN's status and error dictionary (ckan/views/api.py). */
function ckanError(e: unknown): { status: number; code: ErrorCode; error: Record<string, unknown> } {
  if (e instanceof AppError) {
    if (e.extra.ckanType === 'Search Query Error') return { status: 400, code: 'BAD_REQUEST', error: { __type: 'Search Query Error', message: e.detail?.en ?? e.message } };
    switch (e.code) {
      case 'VALIDATION_FAILED':
      case 'BAD_REQUEST': {
        const fields: Record<string, string[]> = {};
        for (const f of e.extra.errors ?? [{ field: 'message', message: e.detail?.en ?? e.message }]) (fields[f.field] ??= []).push(f.message);
        return { status: 409, code: 'VALIDATION_FAILED', error: { __type: 'Validation Error', ...fields } };
      }
      case 'FILTER_NOT_INDEXED':
        // A filter a large table has no index for: CKAN's validation status, the platform's code, Vietnamese first.
        return { status: 409, code: 'FILTER_NOT_INDEXED', error: { __type: 'Validation Error', message: e.detail?.vi ?? e.message, filters: [e.detail?.en ?? e.message] } };
      case 'CONFLICT':
        // A published version the personal-data gate does not clear (docs/opendata.md): refused, Vietnamese first.
        return { status: 409, code: 'CONFLICT', error: { __type: 'Validation Error', message: e.detail?.vi ?? e.message, reason: e.extra.reason ?? null } };
      case 'NOT_FOUND':
        return { status: 404, code: 'NOT_FOUND', error: { __type: 'Not Found Error', message: e.detail?.en ?? 'Not found' } };
      case 'UNAUTHENTICATED':
      case 'FORBIDDEN':
      case 'INVALID_API_KEY':
      case 'CSRF_FAILED':
        return { status: 403, code: 'FORBIDDEN', error: { __type: 'Authorization Error', message: `Access denied: ${e.detail?.en ?? e.message}` } };
      case 'RATE_LIMITED':
        return { status: 429, code: 'RATE_LIMITED', error: { __type: 'Rate Limit Error', message: e.detail?.en ?? 'Too many requests' } };
      default:
        break;
    }
  }
  const fe = e as { statusCode?: number; message?: string; validation?: unknown };
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fe.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
    return { status: fe.statusCode === 413 || fe.statusCode === 415 ? fe.statusCode : 400, code, error: { __type: 'Validation Error', message: `Bad request: ${String(fe.message ?? '').slice(0, 200)}` } };
  }
  return { status: 500, code: 'INTERNAL', error: { __type: 'Internal Server Error', message: 'Internal Server Error' } };
}

/**
 * A refusal that is both CKAN's envelope and an RFC 9457 problem: CKAN clients read `success` and
 * `error.__type` from any JSON body, the platform's clients read `type`/`code`, so one body serves both.
 */
function refusal(req: FastifyRequest, reply: FastifyReply, status: number, code: ErrorCode, error: Record<string, unknown>, action: string) {
  return reply.code(status).type('application/problem+json; charset=utf-8').send({
    help: `${baseUrl(req)}/api/3/action/help_show?name=${encodeURIComponent(action)}`,
    success: false,
    error,
    type: `/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: ERROR_CATALOGUE[code].en,
    status,
    code,
    detail: typeof error.message === 'string' ? error.message : String(error.__type),
    instance: req.url.split('?')[0],
    requestId: req.id,
  });
}

/** The CKAN key of a request: CKAN's own `Authorization: <token>` (no "Bearer") or `X-CKAN-API-Key`. */
function ckanKey(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h && !/^Bearer\s/i.test(h)) return h.trim();
  const k = req.headers['x-ckan-api-key'];
  return typeof k === 'string' && k ? k.trim() : null;
}

/**
 * CKAN-compatible Action API at `/api/3/action/{action}` (and `/api/action/{action}`), GET with a
 * query string or POST with a JSON body, answered in CKAN's envelope `{help, success, result}` or
 * `{help, success: false, error: {__type, message…}}` with CKAN's status codes. Only published
 * datasets exist here. Calls are metered per developer key or, anonymously, per client address.
 */
export async function ckanRoutes(app: App, svc: OpendataService): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err, req, reply) => {
      const { status, code, error } = ckanError(err);
      if (status >= 500) req.log.error({ err }, 'ckan action failed');
      if (err instanceof AppError && err.extra.retryAfterSeconds) reply.header('retry-after', String(err.extra.retryAfterSeconds));
      return refusal(req, reply, status, code, error, (req.params as { action?: string } | undefined)?.action ?? '');
    });

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const action = (req.params as { action: string }).action;
      await svc.meter(ckanKey(req), req.ip);
      if (!(CKAN_ACTIONS as readonly string[]).includes(action)) {
        return refusal(req, reply, 400, 'BAD_REQUEST', { __type: 'Bad Request', message: `Bad request - Action name not known: ${action.slice(0, 80)}` }, action);
      }
      const params: Params = { ...(req.query as Params), ...(req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Params) : {}) };
      const result = await run(action as Action, params, baseUrl(req));
      return reply.type('application/json; charset=utf-8').send({ help: help(req, action), success: true, result });
    };
    const schema = {
      tags: ['ckan'], summary: 'CKAN Action API (package_search, datastore_search …)',
      params: Type.Object({ action: Type.String({ maxLength: 100 }) }),
      querystring: Type.Object({}, { additionalProperties: true }),
    };
    for (const prefix of ['/api/3/action', '/api/action']) {
      scope.get(`${prefix}/:action`, { config: { public: true }, schema }, handler);
      scope.post(`${prefix}/:action`, { config: { public: true }, schema: { ...schema, body: Type.Optional(Type.Object({}, { additionalProperties: true })) } }, handler);
    }
  });

  function help(req: FastifyRequest, action: string): string {
    return `${baseUrl(req)}/api/3/action/help_show?name=${encodeURIComponent(action)}`;
  }

  async function run(action: Action, p: Params, base: string): Promise<unknown> {
    switch (action) {
      case 'status_show':
        return { site_title: 'Cổng dữ liệu mở tỉnh Gia Lai', ckan_version: '2.10.0', site_url: base, extensions: ['datastore'], locale_default: 'vi' };
      case 'package_list':
        return svc.packageList(natural(p, 'limit'), natural(p, 'offset'));
      case 'package_search': {
        const rows = natural(p, 'rows');
        const start = natural(p, 'start');
        const facetLimit = str(p, 'facet.limit');
        if (facetLimit !== undefined && !/^-?\d{1,6}$/.test(facetLimit)) throw ckanValidation('facet.limit', 'Invalid integer');
        return svc.packageSearch({
          q: str(p, 'q'), fq: str(p, 'fq'), rows, start, sort: str(p, 'sort'), facetFields: list(p, 'facet.field'),
          facetLimit: facetLimit === undefined ? undefined : Number(facetLimit),
        }, base);
      }
      case 'package_show':
        return svc.packageShow(required(p, 'id'), base);
      case 'organization_list':
        return svc.organizationList(bool(p, 'all_fields') ?? false, base);
      case 'organization_show':
        return svc.organizationShow(required(p, 'id'), base);
      case 'group_list':
        return svc.groupList(bool(p, 'all_fields') ?? false);
      case 'tag_list':
        return svc.tagList(str(p, 'query') ?? null);
      case 'resource_show':
        return svc.resourceShow(required(p, 'id'), base);
      case 'datastore_search': {
        const filters = json(p, 'filters');
        if (filters !== undefined && (typeof filters !== 'object' || filters === null || Array.isArray(filters))) throw ckanValidation('filters', 'Not a json object');
        // CKAN also takes q as a {field: text} object; only the plain-text form is supported here.
        if ((typeof p.q === 'object' && p.q !== null && !Array.isArray(p.q)) || (typeof p.q === 'string' && p.q.trim().startsWith('{'))) {
          throw ckanValidation('q', 'q as an object (per-field search) is not supported; send a string');
        }
        const rawQ = str(p, 'q');
        const fieldsRaw = p.fields;
        const fields = fieldsRaw === undefined || fieldsRaw === '' ? undefined
          : Array.isArray(fieldsRaw) ? fieldsRaw.map(String) : String(fieldsRaw).split(',').map((s) => s.trim()).filter(Boolean);
        return svc.datastoreSearch({
          resourceId: required(p, 'resource_id'), filters: filters as Record<string, unknown> | undefined, q: rawQ, limit: natural(p, 'limit'),
          offset: natural(p, 'offset'), fields, sort: str(p, 'sort'), includeTotal: bool(p, 'include_total'),
          totalEstimationThreshold: natural(p, 'total_estimation_threshold'),
        }, base);
      }
    }
  }
}
