import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authorize, type Principal } from '../../core/auth/index.js';
import type { Db, Tx } from '../../core/db/index.js';
import { AppError, conflict, forbidden, invalid, notFound, type Bilingual } from '../../core/errors.js';
import { generatePassword, hashPassword, verifyPassword } from '../org/index.js';
import { MAX_READINGS_PER_REQUEST, type IngestResult, type ReadingInput, type RejectedReading, type SensorInput, type SensorQuery, type SensorView, type SeriesQuery, type SeriesView } from './schema.js';
import { sensorType } from './types.js';

export interface IotDeps {
  db: Db;
  /** The commune containing a point (geo module), null outside the province. */
  locate(lon: number, lat: number): Promise<{ code: string } | null>;
  orgExists(id: string): Promise<boolean>;
}

interface SensorRow {
  id: string; type: string; name: string; lon: number; lat: number; commune_code: string | null; org_id: string;
  installed_on: string; calibrated_on: string | null; status: string; alarm_levels: { I: number; II: number; III: number } | null;
  mqtt_username: string; secret_hash: string; created_at: Date; rejected: Record<string, number> | null;
}

/** Readings further ahead of the server's clock than this are refused (a device with a wrong clock). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
/** ISO 8601 with an explicit offset: a reading without one would be read in whichever zone the server runs. */
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

const SELECT_SENSOR = `
  SELECT s.id, s.type, s.name, s.lon, s.lat, s.commune_code, s.org_id, to_char(s.installed_on, 'YYYY-MM-DD') AS installed_on,
         to_char(s.calibrated_on, 'YYYY-MM-DD') AS calibrated_on, s.status, s.alarm_levels, s.mqtt_username, s.secret_hash, s.created_at,
         (SELECT jsonb_object_agg(r.code, r.count) FROM iot_rejections r WHERE r.sensor_id = s.id) AS rejected
    FROM iot_sensors s`;

const present = (r: SensorRow): SensorView => ({
  id: r.id, type: r.type, name: r.name, lon: r.lon, lat: r.lat, communeCode: r.commune_code, orgId: r.org_id,
  installedOn: r.installed_on, calibratedOn: r.calibrated_on, status: r.status, alarmLevels: r.alarm_levels,
  mqttUsername: r.mqtt_username, rejected: Object.fromEntries(Object.entries(r.rejected ?? {}).map(([k, v]) => [k, Number(v)])),
  createdAt: r.created_at.toISOString(),
});

/** Why a reading is refused: a stable code and its message in both languages. */
const REASONS = {
  UNKNOWN_QUANTITY: (q: string, type: string): Bilingual => ({ vi: `Đại lượng “${q}” không thuộc loại cảm biến ${type}`, en: `Quantity "${q}" is not one of sensor type ${type}` }),
  NOT_A_NUMBER: (q: string): Bilingual => ({ vi: `Giá trị của “${q}” phải là một số hữu hạn`, en: `The value of "${q}" must be a finite number` }),
  TS_INVALID: (): Bilingual => ({ vi: 'Thời điểm đo phải theo ISO 8601 và có múi giờ, ví dụ 2026-11-26T08:00:00+07:00', en: 'ts must be ISO 8601 with an offset, e.g. 2026-11-26T08:00:00+07:00' }),
  TS_IN_FUTURE: (): Bilingual => ({ vi: 'Thời điểm đo nằm quá xa trong tương lai', en: 'ts is too far in the future' }),
  TS_BEFORE_INSTALLATION: (): Bilingual => ({ vi: 'Thời điểm đo trước ngày lắp đặt cảm biến', en: 'ts is before the sensor was installed' }),
  NO_VALUES: (): Bilingual => ({ vi: 'Bản ghi không có giá trị đo nào', en: 'The reading has no values' }),
} as const;
type ReasonCode = keyof typeof REASONS;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * The sensor registry and the storage of readings (issue 16, first slice). Every change to readings,
 * the latest values and the hourly rollups of one request commits in one transaction.
 */
export class IotService {
  /**
   * A device's secret, once verified against its scrypt hash, kept as a SHA-256 keyed by the stored hash:
   * scrypt costs ~60 ms, which a sensor posting every few seconds must not pay each time. A changed hash
   * (rotation) misses the cache.
   */
  private readonly verified = new Map<string, Buffer>();

  constructor(private readonly deps: IotDeps) {}

  /** Registers a sensor; the returned password is never stored or shown again. */
  async register(p: Principal, input: SensorInput): Promise<{ id: string; mqtt: { username: string; password: string }; sensor: SensorView }> {
    const orgId = input.orgId ?? p.orgId;
    if (!orgId) throw invalid({ vi: 'Cần chỉ rõ cơ quan quản lý cảm biến (orgId)', en: 'orgId (owner agency) is required' }, [{ field: 'orgId', message: 'required' }]);
    authorize(p, 'iot:write', { orgId });
    if (!(await this.deps.orgExists(orgId))) throw invalid({ vi: `Không có cơ quan “${orgId}”`, en: `No organisation "${orgId}"` }, [{ field: 'orgId', message: 'unknown' }]);
    const levels = input.alarmLevels;
    if (levels && !(levels.I < levels.II && levels.II < levels.III)) {
      throw invalid({ vi: 'Mức báo động phải tăng dần: I < II < III', en: 'Alarm levels must rise: I < II < III' }, [{ field: 'alarmLevels', message: 'not increasing' }]);
    }
    if (levels && input.type !== 'water_level') {
      throw invalid({ vi: 'Chỉ trạm đo mực nước có mức báo động', en: 'Only water-level stations have alarm levels' }, [{ field: 'alarmLevels', message: 'not a water-level station' }]);
    }
    if (input.calibratedOn && input.calibratedOn < input.installedOn) {
      throw invalid({ vi: 'Ngày hiệu chuẩn không được trước ngày lắp đặt', en: 'calibratedOn is before installedOn' }, [{ field: 'calibratedOn', message: 'before installedOn' }]);
    }
    const commune = await this.deps.locate(input.lon, input.lat);
    if (!commune) {
      throw invalid({ vi: 'Vị trí không nằm trong xã, phường nào của tỉnh Gia Lai', en: 'The location is in none of Gia Lai\'s communes' }, [{ field: 'lon', message: 'outside the province' }]);
    }
    const id = input.id ?? `ss-${randomBytes(6).toString('hex')}`;
    const password = generatePassword();
    const hash = await hashPassword(password);
    const inserted = await this.deps.db.query(
      `INSERT INTO iot_sensors (id, type, name, lon, lat, commune_code, org_id, installed_on, calibrated_on, status, alarm_levels, mqtt_username, secret_hash, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $1, $12, $13) ON CONFLICT DO NOTHING RETURNING id`,
      [id, input.type, input.name.normalize('NFC'), input.lon, input.lat, commune.code, orgId, input.installedOn, input.calibratedOn ?? null,
        input.status ?? 'active', levels ? JSON.stringify(levels) : null, hash, p.id],
    );
    if (!inserted.rows.length) throw conflict({ vi: `Mã cảm biến “${id}” đã được dùng`, en: `Sensor id "${id}" is taken` });
    return { id, mqtt: { username: id, password }, sensor: await this.get(p, id) };
  }

  async list(p: Principal, q: SensorQuery): Promise<SensorView[]> {
    authorize(p, 'iot:read');
    const r = await this.deps.db.query<SensorRow>(
      `${SELECT_SENSOR}
        WHERE ($1::text IS NULL OR s.type = $1) AND ($2::text IS NULL OR s.commune_code = $2)
          AND ($3::text IS NULL OR s.org_id = $3) AND ($4::text IS NULL OR s.status = $4)
        ORDER BY s.id LIMIT 5000`,
      [q.type ?? null, q.commune ?? null, q.agency ?? null, q.status ?? null],
    );
    return r.rows.map(present);
  }

  async get(p: Principal, id: string): Promise<SensorView> {
    authorize(p, 'iot:read');
    return present(await this.row(id));
  }

  private async row(id: string): Promise<SensorRow> {
    const r = await this.deps.db.query<SensorRow>(`${SELECT_SENSOR} WHERE s.id = $1`, [id]);
    if (!r.rows[0]) throw notFound({ vi: `Không có cảm biến “${id}”`, en: `No sensor "${id}"` });
    return r.rows[0];
  }

  /**
   * The device behind a username and password, which must be the sensor it posts for.
   * @throws AppError INVALID_CREDENTIALS, FORBIDDEN (another device's id)
   */
  async authenticateDevice(username: string, password: string, sensorId: string): Promise<SensorRow> {
    const bad = () => new AppError('INVALID_CREDENTIALS', { vi: 'Tên đăng nhập hoặc mật khẩu của thiết bị không đúng', en: 'Wrong device user name or password' });
    const r = await this.deps.db.query<SensorRow>(`${SELECT_SENSOR} WHERE s.mqtt_username = $1`, [username]);
    const row = r.rows[0];
    if (!row) {
      // The same cost as a known device: the answer's timing does not tell which device ids exist.
      await verifyPassword(password, await DUMMY_HASH());
      throw bad();
    }
    const cached = this.verified.get(row.secret_hash);
    const digest = sha256(password);
    const ok = cached ? timingSafeEqual(cached, digest) : await verifyPassword(password, row.secret_hash);
    if (!ok) throw bad();
    if (!cached) this.verified.set(row.secret_hash, digest);
    if (row.id !== sensorId) throw forbidden({ vi: 'Thiết bị chỉ được gửi số liệu của chính mình', en: 'A device may send only its own readings' });
    if (row.status === 'inactive') throw forbidden({ vi: 'Cảm biến đang ngừng hoạt động', en: 'The sensor is inactive' });
    return row;
  }

  /**
   * Stores a device's readings: valid values are stored, duplicates of (sensor, quantity, ts) dropped,
   * invalid ones refused and counted against the device. When nothing was stored or dropped and something
   * was refused, the request as a whole is refused (VALIDATION_FAILED) after the counts are committed.
   */
  async ingest(sensor: SensorRow, body: ReadingInput | ReadingInput[]): Promise<IngestResult> {
    const readings = Array.isArray(body) ? body : [body];
    if (readings.length > MAX_READINGS_PER_REQUEST) {
      await this.deps.db.transaction((tx) => countRejections(tx, sensor.id, new Map([['TOO_MANY_READINGS', readings.length]])));
      throw new AppError('PAYLOAD_TOO_LARGE', {
        vi: `Tối đa ${MAX_READINGS_PER_REQUEST.toLocaleString('vi-VN')} bản ghi mỗi yêu cầu (đã gửi ${readings.length.toLocaleString('vi-VN')})`,
        en: `At most ${MAX_READINGS_PER_REQUEST} readings per request (got ${readings.length})`,
      }, { reason: 'TOO_MANY_READINGS' });
    }
    const type = sensorType(sensor.type)!;
    const units = new Set(type.quantities.map((q) => q.code));
    const installedMs = Date.parse(`${sensor.installed_on}T00:00:00+07:00`);
    const now = Date.now();
    const rejected: RejectedReading[] = [];
    const reject = (index: number, quantity: string | null, code: ReasonCode, message: Bilingual) => rejected.push({ index, quantity, code, message: message.vi });
    const qs: string[] = [];
    const tss: string[] = [];
    const vals: number[] = [];
    readings.forEach((reading, index) => {
      const ms = TS_RE.test(reading.ts) ? Date.parse(reading.ts) : NaN;
      const entries = Object.entries(reading.values);
      if (Number.isNaN(ms)) return reject(index, null, 'TS_INVALID', REASONS.TS_INVALID());
      if (ms > now + FUTURE_TOLERANCE_MS) return reject(index, null, 'TS_IN_FUTURE', REASONS.TS_IN_FUTURE());
      if (ms < installedMs) return reject(index, null, 'TS_BEFORE_INSTALLATION', REASONS.TS_BEFORE_INSTALLATION());
      if (!entries.length) return reject(index, null, 'NO_VALUES', REASONS.NO_VALUES());
      for (const [q, v] of entries) {
        if (!units.has(q)) reject(index, q, 'UNKNOWN_QUANTITY', REASONS.UNKNOWN_QUANTITY(q, type.code));
        else if (typeof v !== 'number' || !Number.isFinite(v)) reject(index, q, 'NOT_A_NUMBER', REASONS.NOT_A_NUMBER(q));
        else {
          qs.push(q);
          tss.push(new Date(ms).toISOString());
          vals.push(v);
        }
      }
    });
    const counts = new Map<string, number>();
    for (const r of rejected) counts.set(r.code, (counts.get(r.code) ?? 0) + 1);
    const stored = await this.deps.db.transaction(async (tx) => {
      await countRejections(tx, sensor.id, counts);
      return qs.length ? storeReadings(tx, sensor.id, qs, tss, vals) : 0;
    });
    const result = { stored, duplicates: qs.length - stored, rejected };
    if (!qs.length && rejected.length) {
      throw invalid({ vi: `Không có số liệu hợp lệ: ${rejected[0]!.message}`, en: `No valid reading: ${rejected[0]!.code}` },
        rejected.map((r) => ({ field: `[${r.index}]${r.quantity ? `.values.${r.quantity}` : ''}`, message: r.code })));
    }
    return result;
  }

  async latest(p: Principal, id: string): Promise<{ sensorId: string; values: Record<string, { value: number; ts: string; unit: string }> }> {
    authorize(p, 'iot:read');
    const sensor = await this.row(id);
    const units = new Map(sensorType(sensor.type)!.quantities.map((q) => [q.code, q.unit]));
    const r = await this.deps.db.query<{ quantity: string; ts: Date; value: number }>(
      'SELECT quantity, ts, value FROM iot_latest WHERE sensor_id = $1 ORDER BY quantity', [id]);
    return { sensorId: id, values: Object.fromEntries(r.rows.map((x) => [x.quantity, { value: x.value, ts: x.ts.toISOString(), unit: units.get(x.quantity) ?? '' }])) };
  }

  /** A quantity's readings (raw) or hourly rollups between two instants; the last 24 hours by default. */
  async series(p: Principal, id: string, q: SeriesQuery): Promise<SeriesView> {
    authorize(p, 'iot:read');
    const sensor = await this.row(id);
    const quantity = sensorType(sensor.type)!.quantities.find((x) => x.code === q.quantity);
    if (!quantity) throw invalid(REASONS.UNKNOWN_QUANTITY(q.quantity, sensor.type), [{ field: 'quantity', message: 'UNKNOWN_QUANTITY' }]);
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 24 * HOUR_MS);
    if (from > to) throw invalid({ vi: '“from” phải trước “to”', en: '"from" must precede "to"' }, [{ field: 'from', message: 'after to' }]);
    const grain = q.grain ?? 'raw';
    const limit = 10_000;
    if (grain === 'raw') {
      const r = await this.deps.db.query<{ ts: Date; value: number }>(
        `SELECT ts, value FROM iot_readings WHERE sensor_id = $1 AND quantity = $2 AND ts >= $3 AND ts <= $4 ORDER BY ts LIMIT ${limit}`,
        [id, q.quantity, from, to]);
      return { sensorId: id, quantity: q.quantity, unit: quantity.unit, grain, points: r.rows.map((x) => ({ ts: x.ts.toISOString(), value: x.value })) };
    }
    // An hour is included when it starts inside the range.
    const r = await this.deps.db.query<{ hour: Date; min: number; max: number; sum: number; count: string; last_value: number }>(
      `SELECT hour, min, max, sum, count, last_value FROM iot_hourly
        WHERE sensor_id = $1 AND quantity = $2 AND hour >= date_trunc('hour', $3::timestamptz) AND hour <= $4 ORDER BY hour LIMIT ${limit}`,
      [id, q.quantity, from, to]);
    return {
      sensorId: id, quantity: q.quantity, unit: quantity.unit, grain,
      points: r.rows.map((x) => ({ ts: x.hour.toISOString(), value: x.sum / Number(x.count), min: x.min, max: x.max, count: Number(x.count), last: x.last_value })),
    };
  }
}

/** A valid scrypt hash of a random secret, verified against for unknown usernames (made on first use). */
let dummyHash: Promise<string> | undefined;
const DUMMY_HASH = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')));

async function countRejections(tx: Tx, sensorId: string, counts: Map<string, number>): Promise<void> {
  if (!counts.size) return;
  await tx.query(
    `INSERT INTO iot_rejections (sensor_id, code, count) SELECT $1, c, n FROM unnest($2::text[], $3::int8[]) AS u(c, n)
     ON CONFLICT (sensor_id, code) DO UPDATE SET count = iot_rejections.count + excluded.count, last_at = now()`,
    [sensorId, [...counts.keys()], [...counts.values()]]);
}

/**
 * Inserts readings (duplicates dropped by the key) and folds the ones actually inserted into the
 * latest values and hourly rollups, in the caller's transaction. Returns how many were inserted.
 */
async function storeReadings(tx: Tx, sensorId: string, qs: string[], tss: string[], vals: number[]): Promise<number> {
  const ins = await tx.query<{ quantity: string; ts: Date; value: number }>(
    `INSERT INTO iot_readings (sensor_id, quantity, ts, value)
     SELECT $1, q, t, v FROM unnest($2::text[], $3::timestamptz[], $4::float8[]) AS u(q, t, v)
     ON CONFLICT DO NOTHING RETURNING quantity, ts, value`,
    [sensorId, qs, tss, vals]);
  if (!ins.rows.length) return 0;
  type Acc = { quantity: string; hour: number; min: number; max: number; sum: number; count: number; lastTs: number; last: number };
  const hours = new Map<string, Acc>();
  const latest = new Map<string, { ts: number; value: number }>();
  for (const r of ins.rows) {
    const ms = r.ts.getTime();
    const hour = Math.floor(ms / HOUR_MS) * HOUR_MS;
    const key = `${r.quantity}\u0001${hour}`;
    const a = hours.get(key);
    if (!a) hours.set(key, { quantity: r.quantity, hour, min: r.value, max: r.value, sum: r.value, count: 1, lastTs: ms, last: r.value });
    else {
      a.min = Math.min(a.min, r.value);
      a.max = Math.max(a.max, r.value);
      a.sum += r.value;
      a.count += 1;
      if (ms >= a.lastTs) Object.assign(a, { lastTs: ms, last: r.value });
    }
    const l = latest.get(r.quantity);
    if (!l || ms >= l.ts) latest.set(r.quantity, { ts: ms, value: r.value });
  }
  const hs = [...hours.values()];
  const iso = (ms: number) => new Date(ms).toISOString();
  // A reading arriving late for an hour folds into it; `last` moves only to a newer reading.
  await tx.query(
    `INSERT INTO iot_hourly (sensor_id, quantity, hour, min, max, sum, count, last_ts, last_value)
     SELECT $1, q, h, mn, mx, s, c, lt, lv FROM unnest($2::text[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[], $7::int8[], $8::timestamptz[], $9::float8[])
       AS u(q, h, mn, mx, s, c, lt, lv)
     ON CONFLICT (sensor_id, quantity, hour) DO UPDATE SET
       min = least(iot_hourly.min, excluded.min), max = greatest(iot_hourly.max, excluded.max),
       sum = iot_hourly.sum + excluded.sum, count = iot_hourly.count + excluded.count,
       last_ts = CASE WHEN excluded.last_ts >= iot_hourly.last_ts THEN excluded.last_ts ELSE iot_hourly.last_ts END,
       last_value = CASE WHEN excluded.last_ts >= iot_hourly.last_ts THEN excluded.last_value ELSE iot_hourly.last_value END`,
    [sensorId, hs.map((a) => a.quantity), hs.map((a) => iso(a.hour)), hs.map((a) => a.min), hs.map((a) => a.max), hs.map((a) => a.sum),
      hs.map((a) => a.count), hs.map((a) => iso(a.lastTs)), hs.map((a) => a.last)]);
  const ls = [...latest.entries()];
  await tx.query(
    `INSERT INTO iot_latest (sensor_id, quantity, ts, value)
     SELECT $1, q, t, v FROM unnest($2::text[], $3::timestamptz[], $4::float8[]) AS u(q, t, v)
     ON CONFLICT (sensor_id, quantity) DO UPDATE SET ts = excluded.ts, value = excluded.value WHERE excluded.ts >= iot_latest.ts`,
    [sensorId, ls.map(([q]) => q), ls.map(([, l]) => iso(l.ts)), ls.map(([, l]) => l.value)]);
  return ins.rows.length;
}
