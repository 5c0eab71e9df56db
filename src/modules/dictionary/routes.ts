import { Type } from 'typebox';
import type { App } from '../../core/http/index.js';
import { Problem } from '../../core/http/index.js';
import { presentCodeList, presentElement, presentHistory, presentItem } from './presenters.js';
import type { DictionaryService, Transition } from './service.js';
import * as S from './schema.js';

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const CSV_LIMIT = 10 * 1024 * 1024;

/**
 * HTTP routes of the data dictionary. Reads are public reference metadata; writes need
 * `dictionary:write` (stewards draft and review) or `dictionary:approve` (administrators), and so
 * does matching headers against elements not yet approved.
 */
export function dictionaryRoutes(app: App, svc: DictionaryService): void {
  app.get('/api/dictionary/elements', {
    config: { public: true },
    schema: {
      tags: ['dictionary'], summary: 'Phần tử dữ liệu / data elements', querystring: S.ElementListQuery,
      response: { 200: Type.Array(S.DataElementSchema), 400: Problem },
    },
  }, async (req) => {
    const q = req.query;
    const list = await svc.listElements({ statuses: q.status ? [q.status] : undefined, q: q.q, codeList: q.codeList, limit: q.limit ?? 200, offset: q.offset ?? 0 });
    return list.map(presentElement);
  });

  app.get('/api/dictionary/elements.csv', {
    config: { public: true },
    schema: {
      tags: ['dictionary'], summary: 'Xuất phần tử dữ liệu ra CSV (UTF-8 có BOM) / export elements as CSV', querystring: S.ExportQuery,
      response: { 200: Type.String({ description: 'text/csv; charset=utf-8' }), 400: Problem },
    },
  }, async (req, reply) => {
    const csv = await svc.exportCsv(req.query.status);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="tu-dien-du-lieu.csv"')
      .send(csv);
  });

  app.get('/api/dictionary/elements/:code', {
    config: { public: true },
    schema: { tags: ['dictionary'], params: S.ElementParams, response: { 200: S.DataElementSchema, 400: Problem, 404: Problem } },
  }, async (req) => presentElement(await svc.getElement(req.params.code)));

  app.get('/api/dictionary/elements/:code/history', {
    schema: {
      tags: ['dictionary'], summary: 'Lịch sử thay đổi / change history', params: S.ElementParams,
      response: { 200: Type.Array(S.HistoryEntry), ...errors },
    },
  }, async (req) => (await svc.history(req.principal, req.params.code)).map(presentHistory));

  app.post('/api/dictionary/elements', {
    config: { permission: 'dictionary:write' },
    schema: { tags: ['dictionary'], summary: 'Soạn phần tử mới (bản nháp) / draft an element', body: S.CreateElementBody, response: { 201: S.DataElementSchema, ...errors } },
  }, async (req, reply) => reply.code(201).send(presentElement(await svc.createElement(req.principal, req.body))));

  app.patch('/api/dictionary/elements/:code', {
    config: { permission: 'dictionary:write' },
    schema: { tags: ['dictionary'], params: S.ElementParams, body: S.UpdateElementBody, response: { 200: S.DataElementSchema, ...errors } },
  }, async (req) => presentElement(await svc.updateElement(req.principal, req.params.code, req.body)));

  const transitions: { action: Transition; summary: string; permission: 'dictionary:write' | 'dictionary:approve' }[] = [
    { action: 'review', summary: 'Rà soát (bản nháp → đã rà soát) / review', permission: 'dictionary:write' },
    { action: 'approve', summary: 'Phê duyệt (đã rà soát → đã phê duyệt) / approve', permission: 'dictionary:approve' },
    { action: 'deprecate', summary: 'Ngừng sử dụng / deprecate', permission: 'dictionary:approve' },
  ];
  for (const t of transitions) {
    app.post(`/api/dictionary/elements/:code/${t.action}`, {
      config: { permission: t.permission, audit: `dictionary.element.${t.action}` },
      schema: { tags: ['dictionary'], summary: t.summary, params: S.ElementParams, body: S.TransitionBody, response: { 200: S.DataElementSchema, ...errors } },
      // The note is optional, and so is the whole body: a bare POST is a transition without a note.
      preValidation: async (req) => {
        req.body ??= {};
      },
    }, async (req) => presentElement(await svc.transition(req.principal, req.params.code, t.action, req.body.note)));
  }

  app.post('/api/dictionary/match', {
    config: { public: true, audit: false },
    schema: {
      tags: ['dictionary'], summary: 'Ghép tiêu đề cột với phần tử dữ liệu / match file headers to elements',
      description: 'Công khai với phần tử đã phê duyệt; includeUnapproved (cả bản nháp, đã rà soát) cần quyền dictionary:write.',
      body: S.MatchBody,
      response: { 200: S.MatchResult, 400: Problem, 401: Problem, 403: Problem },
    },
  }, async (req) => {
    const m = await svc.matchHeadersFor(req.principal, req.body.headers, { includeUnapproved: req.body.includeUnapproved });
    return req.body.headers.map((h) => ({ header: h, element: m.has(h) ? presentElement(m.get(h)!) : null }));
  });

  app.get('/api/dictionary/code-lists', {
    config: { public: true },
    schema: { tags: ['dictionary'], summary: 'Danh mục dùng chung / code lists', response: { 200: Type.Array(S.CodeListSchema) } },
  }, async () => (await svc.listCodeLists()).map(presentCodeList));

  app.get('/api/dictionary/code-lists/:code', {
    config: { public: true },
    schema: { tags: ['dictionary'], params: S.CodeListParams, response: { 200: S.CodeListWithItems, 400: Problem, 404: Problem } },
  }, async (req) => {
    const { list, items } = await svc.getCodeList(req.params.code);
    return { list: presentCodeList(list), items: items.map(presentItem) };
  });

  app.put('/api/dictionary/code-lists/:code', {
    config: { permission: 'dictionary:approve' },
    schema: {
      tags: ['dictionary'], summary: 'Tạo hoặc thay thế danh mục / create or replace a code list', params: S.CodeListParams, body: S.PutCodeListBody,
      response: { 200: S.CodeListWithItems, ...errors },
    },
  }, async (req) => {
    const { list, items } = await svc.putCodeList(req.principal, req.params.code, req.body);
    return { list: presentCodeList(list), items: items.map(presentItem) };
  });

  // CSV bodies are parsed only in this scope, so other modules' routes keep their own parsers.
  void app.register(async (scope: App) => {
    if (!scope.hasContentTypeParser('text/csv')) {
      scope.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: CSV_LIMIT }, (_req, body, done) => done(null, body));
    }
    scope.post('/api/dictionary/elements/import', {
      config: { permission: 'dictionary:write', audit: 'dictionary.element.import' },
      bodyLimit: CSV_LIMIT,
      schema: {
        tags: ['dictionary'],
        summary: 'Nhập phần tử từ CSV (tạo bản nháp) / import elements from CSV as drafts',
        description: 'Gửi tệp CSV với Content-Type text/csv, hoặc JSON {"csv": "…"}. Lỗi được báo theo từng dòng, bằng tiếng Việt.',
        body: Type.Union([Type.String({ maxLength: CSV_LIMIT }), S.ImportJsonBody]),
        response: { 200: S.ImportReport, ...errors },
      },
    }, async (req) => svc.importCsv(req.principal, typeof req.body === 'string' ? req.body : req.body.csv));
  });
}
