import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Type } from 'typebox';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import { AppError } from '../../core/errors.js';
import { SIMPLIFIED_COMMUNES, type GeoService } from './service.js';

const Unit = Type.Object({
  code: Type.String(), level: Type.String(), kind: Type.String(), name: Type.String(), nameEn: Type.String(),
  fullName: Type.String(), fullNameEn: Type.String(), parentCode: Type.Union([Type.String(), Type.Null()]),
  bbox: Type.Union([Type.Array(Type.Number()), Type.Null()]),
});

/** Administrative units are public reference data: no login needed. */
export function geoRoutes(app: App, svc: GeoService): void {
  let cached: { body: Buffer; etag: string } | null = null;

  app.get('/api/geo/units', {
    config: { public: true },
    schema: { tags: ['geo'], summary: 'Đơn vị hành chính tỉnh Gia Lai / administrative units', response: { 200: Type.Array(Unit) } },
  }, async () => svc.list());

  app.get('/api/geo/units/:code', {
    config: { public: true },
    schema: { tags: ['geo'], params: Type.Object({ code: Type.String({ pattern: '^[0-9]{2,5}$' }) }), response: { 200: Unit, 400: Problem, 404: Problem } },
  }, async (req) => svc.get(req.params.code));

  app.get('/api/geo/locate', {
    config: { public: true },
    schema: {
      tags: ['geo'], summary: 'Xã/phường chứa một điểm / commune containing a point',
      querystring: Type.Object({ lon: Type.Number({ minimum: -180, maximum: 180 }), lat: Type.Number({ minimum: -90, maximum: 90 }) }),
      response: { 200: Unit, 400: Problem, 404: Problem },
    },
  }, async (req) => {
    const u = await svc.locate(req.query.lon, req.query.lat);
    if (!u) throw new AppError('NOT_FOUND', { vi: 'Điểm nằm ngoài tỉnh Gia Lai', en: 'The point is outside Gia Lai' });
    return u;
  });

  app.get('/api/geo/communes.geojson', {
    config: { public: true, audit: false },
    schema: { tags: ['geo'], summary: 'Ranh giới 135 xã/phường (đã giản lược) / simplified commune boundaries' },
  }, async (req, reply) => {
    if (!cached) {
      const body = await readFile(SIMPLIFIED_COMMUNES);
      cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    }
    reply.header('etag', cached.etag).header('cache-control', 'public, max-age=3600');
    if (req.headers['if-none-match'] === cached.etag) return reply.code(304).send();
    return reply.type('application/geo+json').send(cached.body);
  });
}
