import { Type } from 'typebox';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import type { Principal } from '../../core/auth/index.js';
import { invalid } from '../../core/errors.js';
import type { CatalogService } from '../catalog/index.js';
import type { WarehouseService } from './service.js';
import { MAX_LIMIT, type WhColumn } from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const DatasetParams = Type.Object({ dataset: Type.String({ minLength: 1, maxLength: 100 }) });

/**
 * Reading datasets' rows, versions and diffs, for the callers the catalogue's content gate lets in
 * (`CatalogService.openContent`: the owning agency, open datasets, administrators); another
 * agency reads a shared dataset through the LDOP gateway.
 */
export function warehouseRoutes(app: App, deps: { warehouse: WarehouseService; catalog: CatalogService; displayNames: (ids: string[]) => Promise<Map<string, string>> }): void {
  const { warehouse, catalog, displayNames } = deps;
  const open = async (actor: Principal, slug: string) => {
    const { dataset: ds, masked } = await catalog.openContent(actor, slug);
    const columns: WhColumn[] = ds.columns.map((c) => ({ name: c.name, type: c.type }));
    return { ds, columns, masked };
  };

  app.get('/api/datasets/:dataset/versions', {
    config: { permission: 'data:read' },
    schema: { tags: ['warehouse'], summary: 'Các phiên bản của tập dữ liệu / versions', params: DatasetParams, response: { 200: Type.Array(Type.Unknown()), ...errors } },
  }, async (req) => {
    const { ds } = await open(req.principal, req.params.dataset);
    const versions = (await warehouse.versions(ds.id)).reverse();
    const names = await displayNames(versions.map((v) => v.createdBy).filter((x): x is string => !!x));
    return versions.map((v) => ({ ...v, createdByName: v.createdBy ? names.get(v.createdBy) ?? null : null }));
  });

  app.get('/api/datasets/:dataset/rows', {
    config: { permission: 'data:read' },
    schema: {
      tags: ['warehouse'], summary: 'Các dòng của một phiên bản / rows of a version', params: DatasetParams,
      querystring: Type.Object({
        version: Type.Optional(Type.Integer({ minimum: 1 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 50 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
        q: Type.Optional(Type.String({ maxLength: 200 })),
        sort: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}(:(asc|desc))?$', description: 'cột:asc|desc' })),
        fields: Type.Optional(Type.String({ maxLength: 2000, description: 'cột,cột' })),
      }),
      response: { 200: Type.Object({ rows: Type.Array(Type.Unknown()), total: Type.Optional(Type.Integer()), totalEstimated: Type.Optional(Type.Boolean()), version: Type.Union([Type.Integer(), Type.Null()]), columns: Type.Array(Type.Unknown()) }), ...errors },
    },
  }, async (req) => {
    const { ds, columns, masked } = await open(req.principal, req.params.dataset);
    // `masked`: shown masked to this caller, so not searchable or sortable (the web client greys its sort out).
    const cols = ds.columns.map((c) => ({ name: c.name, title: c.title, type: c.type, masked: masked.has(c.name) }));
    if (!ds.latestVersion) return { rows: [], total: 0, version: null, columns: cols };
    const [sortCol, dir] = (req.query.sort ?? '').split(':');
    const r = await warehouse.query(ds.id, columns, {
      version: req.query.version, limit: req.query.limit ?? 50, offset: req.query.offset, count: true,
      ...(req.query.q ? { q: req.query.q } : {}),
      ...(sortCol ? { sort: [{ column: sortCol, dir: dir === 'desc' ? 'desc' : 'asc' }] } : {}),
      ...(req.query.fields ? { fields: req.query.fields.split(',').map((f) => f.trim()).filter(Boolean) } : {}),
    }, { masked });
    return { rows: r.rows, total: r.total, ...(r.totalEstimated ? { totalEstimated: true } : {}), version: req.query.version ?? ds.latestVersion, columns: cols };
  });

  app.get('/api/datasets/:dataset/diff', {
    config: { permission: 'data:read' },
    schema: {
      tags: ['warehouse'], summary: 'So sánh hai phiên bản / diff two versions', params: DatasetParams,
      querystring: Type.Object({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
      response: { 200: Type.Unknown(), ...errors },
    },
  }, async (req) => {
    const { ds, columns, masked } = await open(req.principal, req.params.dataset);
    if (!ds.latestVersion || req.query.from > ds.latestVersion || req.query.to > ds.latestVersion) {
      throw invalid({ vi: `Phiên bản không tồn tại (mới nhất: ${ds.latestVersion ?? 'chưa có'})`, en: `No such version (latest: ${ds.latestVersion ?? 'none'})` });
    }
    const d = await warehouse.diff(ds.id, columns, ds.columns.filter((c) => c.key).map((c) => c.name), req.query.from, req.query.to, { limit: req.query.limit ?? 100, masked });
    return { counts: d.counts, added: d.added, removed: d.removed, changed: d.changed };
  });
}
