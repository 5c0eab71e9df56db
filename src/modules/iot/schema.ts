import { Type, type Static } from 'typebox';
import { literalUnion, Nullable } from '../../core/http/index.js';
import { SENSOR_STATUSES, SENSOR_TYPE_CODES } from './types.js';

export const MAX_READINGS_PER_REQUEST = 1000;

const AlarmLevels = Type.Object({ I: Type.Number(), II: Type.Number(), III: Type.Number() }, { additionalProperties: false, description: 'Mức báo động I/II/III (cm) / alarm levels' });

export const SensorInput = Type.Object({
  id: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{2,63}$', description: 'Mã thiết bị; bỏ trống để hệ thống tạo / device id' })),
  type: literalUnion(SENSOR_TYPE_CODES),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  lon: Type.Number({ minimum: -180, maximum: 180 }),
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  orgId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Cơ quan quản lý; mặc định cơ quan của người đăng ký / owner agency' })),
  installedOn: Type.String({ format: 'date' }),
  calibratedOn: Type.Optional(Type.String({ format: 'date' })),
  status: Type.Optional(literalUnion(SENSOR_STATUSES)),
  alarmLevels: Type.Optional(AlarmLevels),
}, { additionalProperties: false });
export type SensorInput = Static<typeof SensorInput>;

export const SensorSchema = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  lon: Type.Number(),
  lat: Type.Number(),
  communeCode: Nullable(Type.String()),
  orgId: Type.String(),
  installedOn: Type.String(),
  calibratedOn: Nullable(Type.String()),
  status: Type.String(),
  alarmLevels: Nullable(AlarmLevels),
  mqttUsername: Type.String(),
  rejected: Type.Record(Type.String(), Type.Number(), { description: 'Số bản ghi bị từ chối theo mã lỗi / readings refused, by code' }),
  createdAt: Type.String(),
});
export type SensorView = Static<typeof SensorSchema>;

export const RegisteredSchema = Type.Object({
  id: Type.String(),
  mqtt: Type.Object({ username: Type.String(), password: Type.String({ description: 'Chỉ hiển thị một lần / shown once' }) }),
  sensor: SensorSchema,
});

export const SensorQuery = Type.Object({
  type: Type.Optional(literalUnion(SENSOR_TYPE_CODES)),
  commune: Type.Optional(Type.String({ maxLength: 20 })),
  agency: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(literalUnion(SENSOR_STATUSES)),
});
export type SensorQuery = Static<typeof SensorQuery>;

export const SensorParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const Reading = Type.Object({
  ts: Type.String({ maxLength: 64 }),
  // Values are checked one by one (not by the schema) so that a bad value is counted against its device.
  values: Type.Record(Type.String({ maxLength: 64 }), Type.Unknown()),
});
export const ReadingsBody = Type.Union([Reading, Type.Array(Reading)]);
export type ReadingInput = Static<typeof Reading>;

export const RejectedReading = Type.Object({ index: Type.Integer(), quantity: Nullable(Type.String()), code: Type.String(), message: Type.String() });
export type RejectedReading = Static<typeof RejectedReading>;

export const IngestResult = Type.Object({
  stored: Type.Integer({ description: 'Giá trị đã lưu / values stored' }),
  duplicates: Type.Integer({ description: 'Trùng (thiết bị, thời điểm, đại lượng), bỏ qua / duplicates dropped' }),
  rejected: Type.Array(RejectedReading),
});
export type IngestResult = Static<typeof IngestResult>;

export const LatestSchema = Type.Object({
  sensorId: Type.String(),
  values: Type.Record(Type.String(), Type.Object({ value: Type.Number(), ts: Type.String(), unit: Type.String() })),
});

export const SeriesQuery = Type.Object({
  quantity: Type.String({ minLength: 1, maxLength: 64 }),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  grain: Type.Optional(literalUnion(['raw', 'hour'] as const)),
});
export type SeriesQuery = Static<typeof SeriesQuery>;

export const SeriesSchema = Type.Object({
  sensorId: Type.String(),
  quantity: Type.String(),
  unit: Type.String(),
  grain: Type.String(),
  points: Type.Array(Type.Object({
    ts: Type.String(),
    value: Type.Number({ description: 'Giá trị (raw) hoặc trung bình giờ / value, or the hour\'s mean' }),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    count: Type.Optional(Type.Integer()),
    last: Type.Optional(Type.Number()),
  })),
});
export type SeriesView = Static<typeof SeriesSchema>;
