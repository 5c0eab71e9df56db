import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import { invalid } from '../../core/errors.js';
import type { RoleOverride } from './parse/index.js';
import type { IngestService } from './service.js';
import type { RunRow, UploadRow } from './store.js';
import * as S from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 413: Problem };

const presentUpload = (u: UploadRow) => ({ id: u.id, sha256: u.sha256, size: Number(u.size), filename: u.filename, uploadedAt: new Date(u.uploaded_at).toISOString() });
const presentRun = (r: RunRow) => ({
  id: r.id, datasetId: r.dataset_id, uploadId: r.upload_id, status: r.status, mode: r.mode, validRowsOnly: r.valid_rows_only, version: r.version,
  format: r.format, encoding: r.encoding, sheet: r.sheet, rowsRead: r.rows_read, rowsLoaded: r.rows_loaded, rowsRejected: r.rows_rejected,
  mapping: r.mapping, quality: r.quality, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(),
});

const checkOverrides = Compile(Type.Array(S.RoleOverride, { maxItems: 500 }));

/** The preview's `overrides` query parameter (JSON, as a GET carries it). @throws AppError VALIDATION_FAILED. */
function parseOverrides(text: string): RoleOverride[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  if (!checkOverrides.Check(value)) {
    throw invalid({ vi: 'Tham số overrides phải là JSON dạng [{"label": …, "role": "data" | "excluded"}]', en: 'overrides must be JSON like [{"label": …, "role": "data" | "excluded"}]' }, [{ field: 'overrides', message: 'invalid' }]);
  }
  return value;
}

/** Routes of the ingestion module. */
export async function ingestRoutes(app: App, svc: IngestService): Promise<void> {
  // Uploads stream the raw request body straight into the object store; this parser is scoped to
  // this plugin only, so every other route keeps Fastify's JSON parsing and limits.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    (scope as unknown as App).post('/api/uploads', {
      config: { permission: 'data:write', audit: 'ingest.upload' },
      bodyLimit: Number.MAX_SAFE_INTEGER, // the object store enforces PROVDATA_MAX_UPLOAD_MB while streaming
      schema: {
        tags: ['ingest'], summary: 'Tải tệp lên (thân yêu cầu là nội dung tệp) / upload a file (the body is the file)',
        querystring: S.UploadQuery, response: { 201: S.Upload, ...errors },
      },
    }, async (req, reply) => {
      const body = req.body as unknown;
      const source = body instanceof Readable ? body : Readable.from([Buffer.alloc(0)]);
      const u = await svc.upload(req.principal, source, { filename: req.query.filename, contentType: req.headers['content-type'] ?? null });
      return reply.code(201).send(presentUpload(u));
    });
  });

  app.get('/api/uploads/:id/preview', {
    config: { permission: 'data:write' },
    schema: {
      tags: ['ingest'], summary: 'Xem trước tệp và gợi ý ánh xạ cột / preview a file', params: S.PreviewParams, querystring: S.PreviewQuery,
      response: { 200: Type.Unknown(), ...errors },
    },
  }, async (req) => {
    const { overrides, unpivotFrom, unpivotTo, into, ...rest } = req.query;
    const names = (into ?? 'ky,gia_tri').split(',').map((s) => s.trim());
    const unpivot = unpivotFrom && unpivotTo ? { from: unpivotFrom, to: unpivotTo, into: [names[0] ?? '', names[1] ?? ''] as [string, string] } : undefined;
    return svc.preview(req.principal, req.params.id, { ...rest, ...(overrides === undefined ? {} : { overrides: parseOverrides(overrides) }), ...(unpivot ? { unpivot } : {}) });
  });

  app.post('/api/ingest/runs', {
    config: { permission: 'data:write', audit: 'ingest.run' },
    schema: {
      tags: ['ingest'], summary: 'Kiểm tra và nạp một tệp thành phiên bản mới / validate and load an upload as a new version',
      body: S.IngestBody, response: { 201: S.IngestSummary, ...errors },
    },
  }, async (req, reply) => reply.code(201).send(await svc.ingest(req.principal, req.body)));

  app.get('/api/ingest/runs', {
    config: { permission: 'data:read' },
    schema: { tags: ['ingest'], querystring: S.RunListQuery, response: { 200: Type.Array(S.Run), ...errors } },
  }, async (req) => (await svc.listRuns(req.principal, req.query.dataset)).map(presentRun));

  app.get('/api/ingest/runs/:id', {
    config: { permission: 'data:read' },
    schema: { tags: ['ingest'], params: S.RunParams, response: { 200: S.Run, ...errors } },
  }, async (req) => presentRun(await svc.getRun(req.principal, req.params.id)));

  app.get('/api/datasets/:dataset/lineage', {
    config: { permission: 'data:read' },
    schema: {
      tags: ['ingest'], summary: 'Nguồn gốc: phiên bản ← lần nạp ← tệp / lineage: version ← run ← upload',
      params: Type.Object({ dataset: Type.String({ minLength: 1, maxLength: 100 }) }), response: { 200: Type.Array(Type.Unknown()), ...errors },
    },
  }, async (req) => svc.lineage(req.principal, req.params.dataset));

  app.get('/api/ingest/runs/:id/rejects.csv', {
    config: { permission: 'data:read' },
    schema: { tags: ['ingest'], summary: 'Các dòng bị loại (CSV) / rejected rows as CSV', params: S.RunParams },
  }, async (req, reply) => {
    const lines = await svc.rejectsCsv(req.principal, req.params.id); // refuses before streaming starts
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="rejects-${req.params.id}.csv"`)
      .send(Readable.from(lines));
  });
}
