import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../core/errors.js';
import { Problem, type App } from '../../core/http/index.js';
import * as S from './schema.js';
import type { IotService } from './service.js';
import { SENSOR_TYPES } from './types.js';

const tags = ['iot'];
const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

/** The device's Basic credentials (its MQTT user name and password). @throws AppError INVALID_CREDENTIALS */
function basic(req: FastifyRequest): { username: string; password: string } {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(h.trim()) : null;
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (colon < 1) {
    throw new AppError('INVALID_CREDENTIALS', {
      vi: 'Thiết bị cần gửi tên đăng nhập và mật khẩu MQTT qua Basic auth', en: 'The device must send its MQTT user name and password as Basic auth',
    });
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Routes of the IoT platform, under /api/iot. People use the registry and read series with their
 * session or API key; devices post readings with their own credentials (public route: the device is
 * authenticated here, not by the user layer, and the write is audited like every write).
 */
export function iotRoutes(app: App, svc: IotService): void {
  app.get('/api/iot/sensor-types', {
    config: { public: true },
    schema: { tags, summary: 'Loại cảm biến, đại lượng và đơn vị / sensor types, quantities and units' },
  }, async () => SENSOR_TYPES);

  app.post('/api/iot/sensors', {
    config: { permission: 'iot:write', audit: 'iot.sensor.register' },
    schema: {
      tags, summary: 'Đăng ký cảm biến; mật khẩu thiết bị chỉ hiển thị một lần / register a sensor (device password shown once)',
      body: S.SensorInput, response: { 201: S.RegisteredSchema, 409: Problem, ...errors },
    },
  }, async (req, reply) => reply.code(201).send(await svc.register(req.principal, req.body)));

  app.get('/api/iot/sensors', {
    config: { permission: 'iot:read' },
    schema: { tags, summary: 'Danh sách cảm biến (lọc theo loại, xã, cơ quan, trạng thái) / sensors', querystring: S.SensorQuery, response: { 200: Type.Array(S.SensorSchema), ...errors } },
  }, async (req) => svc.list(req.principal, req.query));

  app.get('/api/iot/sensors/:id', {
    config: { permission: 'iot:read' },
    schema: { tags, summary: 'Một cảm biến / one sensor', params: S.SensorParams, response: { 200: S.SensorSchema, ...errors } },
  }, async (req) => svc.get(req.principal, req.params.id));

  app.post('/api/iot/sensors/:id/readings', {
    config: { public: true, audit: 'iot.readings' },
    // 1,000 readings of a few values fit well under this; a 1 MB payload does not.
    bodyLimit: 512 * 1024,
    schema: {
      tags, summary: 'Thiết bị gửi số liệu (Basic auth bằng tài khoản MQTT) / a device posts readings',
      params: S.SensorParams, body: S.ReadingsBody, response: { 200: S.IngestResult, 413: Problem, ...errors },
    },
  }, async (req) => {
    const { username, password } = basic(req);
    const sensor = await svc.authenticateDevice(username, password, req.params.id);
    return svc.ingest(sensor, req.body);
  });

  app.get('/api/iot/sensors/:id/latest', {
    config: { permission: 'iot:read' },
    schema: { tags, summary: 'Giá trị mới nhất của từng đại lượng / latest value per quantity', params: S.SensorParams, response: { 200: S.LatestSchema, ...errors } },
  }, async (req) => svc.latest(req.principal, req.params.id));

  app.get('/api/iot/sensors/:id/series', {
    config: { permission: 'iot:read' },
    schema: {
      tags, summary: 'Chuỗi số liệu thô hoặc theo giờ (min, max, trung bình, số bản ghi, giá trị cuối) / raw or hourly series',
      params: S.SensorParams, querystring: S.SeriesQuery, response: { 200: S.SeriesSchema, ...errors },
    },
  }, async (req) => svc.series(req.principal, req.params.id, req.query));
}
