import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import { THEMES } from '../catalog/index.js';
import { buildCatalogue, type DcatDataset } from './dcat.js';
import { developerRoutes } from './developer-routes.js';
import { IANA_MEDIA_TYPES } from './downloads.js';
import { formatKey, type OpendataService } from './service.js';
import type { AppRow } from './store.js';
import * as S from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

/** Scheme and host the client used, for absolute links (CKAN URLs, DCAT IRIs). */
export function baseUrl(req: FastifyRequest): string {
  const host = String(req.headers.host ?? 'localhost').replace(/[^A-Za-z0-9.:[\]-]/g, '');
  return `${req.protocol}://${host}`;
}

const presentApp = (a: AppRow) => ({
  id: a.id, name: a.name, description: a.description, url: a.url, developerName: a.developer_name, datasets: a.datasets, state: a.state,
  reviewedAt: a.reviewed_at ? new Date(a.reviewed_at).toISOString() : null, createdAt: new Date(a.created_at).toISOString(),
});

/**
 * The portal's own routes: the publishing workflow (stewards and approvers), streamed downloads,
 * usage, KPI, developer keys, the application showcase and the DCAT-AP catalogue.
 */
export function opendataRoutes(app: App, svc: OpendataService): void {
  // ---- publishing workflow ----
  app.post('/api/opendata/datasets/:dataset/proposals', {
    config: { permission: 'opendata:publish' },
    schema: {
      tags: ['opendata'], summary: 'Đề nghị công bố một phiên bản (quét dữ liệu cá nhân) / propose a version for publication',
      params: S.DatasetParams, body: S.ProposeBody, response: { 201: S.PublicationSchema, ...errors },
    },
  }, async (req, reply) => reply.code(201).send(await svc.propose(req.principal, req.params.dataset, req.body ?? {})));

  app.get('/api/opendata/datasets/:dataset/publications', {
    // Stewards (who propose) and approvers (who decide): the service checks which, per agency.
    config: { permission: 'data:read' },
    schema: { tags: ['opendata'], summary: 'Lịch sử đề nghị và công bố / publication history', params: S.DatasetParams, response: { 200: Type.Array(S.PublicationSchema), ...errors } },
  }, async (req) => svc.history(req.principal, req.params.dataset));

  app.get('/api/opendata/publications', {
    config: { permission: 'opendata:approve' },
    schema: {
      tags: ['opendata'], summary: 'Hàng chờ duyệt công bố / the approvers\' queue (default: pending and blocked proposals)',
      querystring: S.QueueQuery, response: { 200: Type.Array(S.QueueItemSchema), ...errors },
    },
  }, async (req) => svc.queue(req.principal, req.query.state?.length ? req.query.state : undefined));

  app.post('/api/opendata/publications/:id/approve', {
    config: { permission: 'opendata:approve' },
    schema: { tags: ['opendata'], summary: 'Phê duyệt công bố / approve and publish', params: S.IdParams, body: S.DecisionBody, response: { 200: S.PublicationSchema, ...errors } },
  }, async (req) => svc.approve(req.principal, req.params.id, req.body?.note));

  app.post('/api/opendata/publications/:id/reject', {
    config: { permission: 'opendata:approve' },
    schema: { tags: ['opendata'], summary: 'Từ chối đề nghị / reject a proposal', params: S.IdParams, body: S.RejectBody, response: { 200: S.PublicationSchema, ...errors } },
  }, async (req) => svc.reject(req.principal, req.params.id, req.body.note));

  app.post('/api/opendata/datasets/:dataset/unpublish', {
    config: { permission: 'opendata:approve' },
    schema: { tags: ['opendata'], summary: 'Ngừng công bố (giữ lịch sử) / unpublish, keeping the history', params: S.DatasetParams, body: S.DecisionBody, response: { 200: S.PublicationSchema, ...errors } },
  }, async (req) => svc.unpublish(req.principal, req.params.dataset, req.body?.note));

  // ---- public: downloads, usage, KPI ----
  app.get('/api/opendata/datasets/:dataset/download/:format', {
    config: { public: true },
    schema: {
      tags: ['opendata'], summary: 'Tải về (CSV UTF-8 BOM, JSON, XLSX, GeoJSON), truyền dòng / streamed download of the published version',
      params: S.DownloadParams, querystring: S.DownloadQuery,
    },
  }, async (req, reply) => {
    const d = await svc.download(req.params.dataset, req.params.format, req.query.version);
    return reply
      .type(d.contentType)
      .header('content-disposition', `attachment; filename="${d.filename}"`)
      .header('x-content-type-options', 'nosniff')
      .send(d.body);
  });

  app.get('/api/opendata/datasets/:dataset/usage', {
    config: { public: true },
    schema: { tags: ['opendata'], summary: 'Thống kê sử dụng / usage statistics', params: S.DatasetParams, response: { 200: S.UsageSchema, 404: Problem } },
  }, async (req) => svc.usage(req.params.dataset));

  app.get('/api/opendata/kpi', {
    config: { public: true },
    schema: { tags: ['opendata'], summary: 'KPI dữ liệu mở (B.1, B.4) / open data KPIs', response: { 200: S.KpiSchema } },
  }, async () => svc.kpi());

  // ---- developers and applications ----
  developerRoutes(app, svc);

  app.post('/api/opendata/apps', {
    config: { public: true },
    schema: { tags: ['opendata'], summary: 'Đăng ký ứng dụng dùng dữ liệu mở / register an application', body: S.AppBody, response: { 201: S.AppSchema, 400: Problem } },
  }, async (req, reply) => reply.code(201).send(presentApp(await svc.registerApp(req.body))));

  app.get('/api/opendata/apps', {
    config: { public: true },
    schema: { tags: ['opendata'], summary: 'Ứng dụng đã duyệt / approved applications', response: { 200: Type.Array(S.AppSchema) } },
  }, async () => (await svc.apps(null)).map(presentApp));

  app.get('/api/opendata/apps/review', {
    config: { permission: 'opendata:editor' },
    schema: { tags: ['opendata'], summary: 'Mọi ứng dụng (biên tập viên) / every application, for editors', response: { 200: Type.Array(S.AppSchema), ...errors } },
  }, async (req) => (await svc.apps(req.principal)).map(presentApp));

  app.post('/api/opendata/apps/:id/review', {
    config: { permission: 'opendata:editor' },
    schema: { tags: ['opendata'], summary: 'Duyệt ứng dụng / approve or reject an application', params: S.IdParams, body: S.ReviewBody, response: { 200: S.AppSchema, ...errors } },
  }, async (req) => presentApp(await svc.reviewApp(req.principal, req.params.id, req.body.decision, req.body.note)));

  // ---- DCAT-AP 3.0 ----
  const catalogue = async (req: FastifyRequest) => {
    const base = baseUrl(req);
    const { packages, resources } = await svc.catalogue();
    const euOf = new Map<string, string>(THEMES.map((t) => [t.code, t.eu]));
    const datasets: DcatDataset[] = packages.map((p) => ({
      id: p.dataset_id, name: p.name, title: p.title, titleEn: p.meta.titleEn, notes: p.notes, notesEn: p.meta.notesEn, keywords: p.tags,
      euThemes: [...new Set(p.groups.map((g) => euOf.get(g)).filter((x): x is string => !!x))],
      publisher: { id: p.org_id, name: p.meta.orgName, nameEn: p.meta.orgNameEn }, contact: p.meta.contact, spatial: p.meta.spatial, temporal: p.meta.temporal,
      frequency: p.meta.frequency, licence: p.license_id, issued: new Date(p.metadata_created).toISOString(), modified: new Date(p.metadata_modified).toISOString(),
      version: p.version,
      distributions: (resources.get(p.dataset_id) ?? []).map((r) => {
        const f = formatKey(r.format);
        return { id: r.id, format: f, mediaType: IANA_MEDIA_TYPES[f], url: `${base}/api/opendata/datasets/${p.name}/download/${f}` };
      }),
    }));
    return buildCatalogue(base, datasets, new Date().toISOString());
  };
  const dcatSchema = (summary: string) => ({ tags: ['opendata'], summary });
  app.get('/catalog.ttl', { config: { public: true }, schema: dcatSchema('DCAT-AP 3.0 (Turtle)') }, async (req, reply) =>
    reply.type('text/turtle; charset=utf-8').send((await catalogue(req)).toTurtle()));
  app.get('/catalog.jsonld', { config: { public: true }, schema: dcatSchema('DCAT-AP 3.0 (JSON-LD)') }, async (req, reply) =>
    reply.type('application/ld+json; charset=utf-8').send(JSON.stringify((await catalogue(req)).toJsonLd())));
  app.get('/catalog', { config: { public: true }, schema: dcatSchema('DCAT-AP 3.0, định dạng theo Accept / by content negotiation') }, async (req, reply) => {
    const accept = String(req.headers.accept ?? '*/*').toLowerCase();
    const wants = accept.split(',').map((p) => p.split(';')[0]!.trim());
    reply.header('vary', 'accept');
    for (const t of wants) {
      if (t === 'text/turtle' || t === 'application/x-turtle') return reply.type('text/turtle; charset=utf-8').send((await catalogue(req)).toTurtle());
      if (t === 'application/ld+json' || t === 'application/json' || t === '*/*' || t === 'application/*') {
        return reply.type('application/ld+json; charset=utf-8').send(JSON.stringify((await catalogue(req)).toJsonLd()));
      }
    }
    throw new AppError('NOT_ACCEPTABLE', { vi: 'Chỉ có text/turtle hoặc application/ld+json', en: 'Only text/turtle or application/ld+json are available' });
  });

}
