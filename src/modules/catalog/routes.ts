import { Type } from 'typebox';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import { presentAgencyQuality, presentDataset } from './presenters.js';
import type { CatalogService } from './service.js';
import * as S from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const list = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/**
 * HTTP routes of the catalogue. Reads are open to anonymous callers, who see only open datasets
 * (the service filters by the caller in SQL); writes need `catalog:write` for the publisher agency.
 */
export function catalogRoutes(app: App, svc: CatalogService): void {
  app.get('/api/catalog/datasets', {
    config: { public: true },
    schema: {
      tags: ['catalog'], summary: 'Tìm kiếm tập dữ liệu, có bộ lọc / search datasets with facets', querystring: S.SearchQuery,
      response: { 200: S.SearchResult, 400: Problem },
    },
  }, async (req) => {
    const q = req.query;
    const page = await svc.search(req.principal, {
      q: q.q, theme: list(q.theme), publisher: list(q.publisher), importance: list(q.importance), access: list(q.access), status: list(q.status),
      limit: q.limit, offset: q.offset,
    });
    return { ...page, items: page.items.map((d) => ({ ...presentDataset(d), rank: d.rank })) };
  });

  app.get('/api/catalog/datasets/:idOrSlug', {
    config: { public: true },
    schema: { tags: ['catalog'], params: S.DatasetParams, response: { 200: S.DatasetSchema, 400: Problem, 404: Problem } },
  }, async (req) => presentDataset(await svc.getDataset(req.principal, req.params.idOrSlug)));

  app.post('/api/catalog/datasets', {
    config: { permission: 'catalog:write' },
    schema: { tags: ['catalog'], summary: 'Đăng ký tập dữ liệu / register a dataset', body: S.CreateDatasetBody, response: { 201: S.DatasetSchema, ...errors } },
  }, async (req, reply) => reply.code(201).send(presentDataset(await svc.createDataset(req.principal, req.body))));

  app.patch('/api/catalog/datasets/:idOrSlug', {
    config: { permission: 'catalog:write' },
    schema: {
      tags: ['catalog'], summary: 'Sửa siêu dữ liệu / update metadata', params: S.DatasetParams, body: S.UpdateDatasetBody,
      response: { 200: S.DatasetSchema, ...errors },
    },
  }, async (req) => presentDataset(await svc.updateDataset(req.principal, req.params.idOrSlug, req.body)));

  app.put('/api/catalog/datasets/:idOrSlug/schema', {
    config: { permission: 'catalog:write' },
    schema: {
      tags: ['catalog'], summary: 'Đặt lược đồ cột / set the column schema', params: S.DatasetParams, body: S.SetSchemaBody,
      response: { 200: S.DatasetSchema, ...errors },
    },
  }, async (req) => presentDataset(await svc.setSchema(req.principal, req.params.idOrSlug, req.body.columns)));

  app.get('/api/catalog/themes', {
    config: { public: true },
    schema: { tags: ['catalog'], summary: 'Bộ từ vựng lĩnh vực / theme vocabulary', response: { 200: Type.Array(S.ThemeSchema) } },
  }, async () => svc.themes());

  app.get('/api/catalog/quality', {
    config: { public: true },
    schema: {
      tags: ['catalog'], summary: 'Chất lượng dữ liệu theo cơ quan (đúng, đủ, sạch, sống) / quality by agency',
      response: { 200: Type.Array(S.AgencyQualitySchema) },
    },
  }, async () => (await svc.qualityByAgency()).map(presentAgencyQuality));
}
