import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

type Headers = Record<string, string>;
type Registered = { id: string; mqtt: { username: string; password: string }; sensor: { communeCode: string; mqttUsername: string; rejected: Record<string, number> } };

const basic = (username: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` });

for (const engine of engines()) {
  describe(`iot sensors and readings (${engine})`, () => {
    let p: TestPlatform;
    let admin: Headers;
    let point: { lon: number; lat: number; commune: string };
    let orgId: string;
    let air: Registered;
    let river: Registered;

    const register = (body: Record<string, unknown>) => p.app.inject({ method: 'POST', url: '/api/iot/sensors', headers: admin, payload: body });
    const post = (id: string, creds: Headers, payload: unknown) => p.app.inject({ method: 'POST', url: `/api/iot/sensors/${id}/readings`, headers: creds, payload: payload as object });
    const get = (url: string) => p.app.inject({ method: 'GET', url, headers: admin });

    before(async () => {
      p = await testPlatform(engine);
      const { cookie, csrf } = await p.login();
      admin = { cookie, 'x-csrf-token': csrf };
      // A point inside a real commune, found through the same boundaries the service uses.
      for (const u of (await p.geo.list()).filter((x) => x.level === 'commune' && x.bbox)) {
        const [lon, lat] = [(u.bbox![0] + u.bbox![2]) / 2, (u.bbox![1] + u.bbox![3]) / 2];
        const hit = await p.geo.locate(lon, lat);
        if (hit) { point = { lon, lat, commune: hit.code }; break; }
      }
      orgId = (await p.org.listOrgs()).find((o) => o.kind === 'agency')!.id;
    });
    after(() => p.close());

    test('registering returns the device credentials once, derives the commune and stores only a hash', async () => {
      const r = await register({ id: 'air-pleiku-01', type: 'air', name: 'Trạm quan trắc không khí Pleiku', lon: point.lon, lat: point.lat, orgId, installedOn: '2026-01-15' });
      assert.equal(r.statusCode, 201, r.body);
      air = r.json();
      assert.equal(air.id, 'air-pleiku-01');
      assert.equal(air.mqtt.username, 'air-pleiku-01');
      assert.match(air.mqtt.password, /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
      assert.equal(air.sensor.communeCode, point.commune);
      const row = (await p.db.query<{ secret_hash: string }>('SELECT secret_hash FROM iot_sensors WHERE id = $1', [air.id])).rows[0]!;
      assert.match(row.secret_hash, /^scrypt\$/);
      assert.ok(!row.secret_hash.includes(air.mqtt.password));
      // Never shown again: neither the sensor nor the list carries it.
      for (const body of [(await get(`/api/iot/sensors/${air.id}`)).body, (await get('/api/iot/sensors')).body]) assert.ok(!body.includes(air.mqtt.password));
      // The same id twice is a conflict, not a second secret.
      assert.equal((await register({ id: 'air-pleiku-01', type: 'air', name: 'x', lon: point.lon, lat: point.lat, orgId, installedOn: '2026-01-15' })).statusCode, 409);

      const w = await register({ id: 'river-ayun-01', type: 'water_level', name: 'Trạm mực nước sông Ayun', lon: point.lon, lat: point.lat, orgId, installedOn: '2026-01-01', alarmLevels: { I: 350, II: 420, III: 480 } });
      assert.equal(w.statusCode, 201, w.body);
      river = w.json();
    });

    test('registration refuses a point outside the province, falling alarm levels and anonymous callers', async () => {
      const outside = await register({ type: 'air', name: 'Hà Nội', lon: 105.85, lat: 21.03, orgId, installedOn: '2026-01-15' });
      assert.equal(outside.statusCode, 400);
      assert.equal(outside.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(outside.json().code, 'VALIDATION_FAILED');
      assert.match(outside.json().detail, /Gia Lai/);
      const levels = await register({ type: 'water_level', name: 'x', lon: point.lon, lat: point.lat, orgId, installedOn: '2026-01-15', alarmLevels: { I: 500, II: 420, III: 480 } });
      assert.equal(levels.statusCode, 400);
      const anon = await p.app.inject({ method: 'POST', url: '/api/iot/sensors', payload: { type: 'air', name: 'x', lon: point.lon, lat: point.lat, orgId, installedOn: '2026-01-15' } });
      assert.equal(anon.statusCode, 401);
    });

    test('the list filters by type, commune, agency and status', async () => {
      const ids = async (q: string) => ((await get(`/api/iot/sensors${q}`)).json() as { id: string }[]).map((s) => s.id).sort();
      assert.deepEqual(await ids(''), ['air-pleiku-01', 'river-ayun-01']);
      assert.deepEqual(await ids('?type=water_level'), ['river-ayun-01']);
      assert.deepEqual(await ids(`?commune=${point.commune}&agency=${orgId}&status=active`), ['air-pleiku-01', 'river-ayun-01']);
      assert.deepEqual(await ids('?agency=no-such-agency'), []);
      assert.deepEqual(await ids('?status=faulty'), []);
    });

    test('wrong credentials get 401 and another device\'s id 403; nothing is stored', async () => {
      const reading = { ts: '2026-11-26T08:00:00+07:00', values: { pm25: 1 } };
      assert.equal((await post(air.id, basic(air.id, 'wrong-password-000'), reading)).statusCode, 401);
      assert.equal((await post(air.id, basic('no-such-device', air.mqtt.password), reading)).statusCode, 401);
      assert.equal((await post(air.id, {}, reading)).statusCode, 401);
      const other = await post(air.id, basic(river.mqtt.username, river.mqtt.password), { ts: reading.ts, values: { level: 1 } });
      assert.equal(other.statusCode, 403);
      assert.equal(other.json().code, 'FORBIDDEN');
      assert.equal((await p.db.query('SELECT 1 FROM iot_readings')).rows.length, 0);
    });

    test('readings are stored with hourly rollups and latest values; duplicates are dropped', async () => {
      const creds = basic(air.mqtt.username, air.mqtt.password);
      const batch = [
        { ts: '2026-11-26T08:00:00+07:00', values: { pm25: 30, pm10: 60 } },
        { ts: '2026-11-26T08:20:00+07:00', values: { pm25: 50 } },
        { ts: '2026-11-26T08:40:00+07:00', values: { pm25: 10 } },
        { ts: '2026-11-26T09:05:00+07:00', values: { pm25: 40 } },
      ];
      const r = await post(air.id, creds, batch);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), { stored: 5, duplicates: 0, rejected: [] });
      // A reading arriving late for 08:00–09:00 (same instant as one stored, written as UTC) and one new, late value.
      const again = await post(air.id, creds, [{ ts: '2026-11-26T01:20:00Z', values: { pm25: 999 } }, { ts: '2026-11-26T08:10:00+07:00', values: { pm25: 20 } }]);
      assert.deepEqual(again.json(), { stored: 1, duplicates: 1, rejected: [] });

      const hourly = (await get(`/api/iot/sensors/${air.id}/series?quantity=pm25&grain=hour&from=2026-11-26T00:00:00Z&to=2026-11-26T03:00:00Z`)).json();
      assert.equal(hourly.unit, 'µg/m³');
      assert.deepEqual(hourly.points, [
        // 08:00–09:00 +07:00: 30, 50, 10 and the late 20; last is 08:40's value, not the later-arriving 08:10's.
        { ts: '2026-11-26T01:00:00.000Z', value: 27.5, min: 10, max: 50, count: 4, last: 10 },
        { ts: '2026-11-26T02:00:00.000Z', value: 40, min: 40, max: 40, count: 1, last: 40 },
      ]);
      const raw = (await get(`/api/iot/sensors/${air.id}/series?quantity=pm25&from=2026-11-26T01:00:00Z&to=2026-11-26T01:30:00Z`)).json();
      assert.deepEqual(raw.points.map((x: { value: number }) => x.value), [30, 20, 50]);

      const latest = (await get(`/api/iot/sensors/${air.id}/latest`)).json();
      assert.deepEqual(latest.values, {
        pm10: { value: 60, ts: '2026-11-26T01:00:00.000Z', unit: 'µg/m³' },
        pm25: { value: 40, ts: '2026-11-26T02:05:00.000Z', unit: 'µg/m³' },
      });
      // The rollups agree with the raw table, computed independently by SQL.
      const check = (await p.db.query<{ n: string; mean: number }>(
        `SELECT count(*) AS n, avg(value) AS mean FROM iot_readings WHERE sensor_id = $1 AND quantity = 'pm25' AND ts >= '2026-11-26T01:00:00Z' AND ts < '2026-11-26T02:00:00Z'`, [air.id])).rows[0]!;
      assert.equal(Number(check.n), 4);
      assert.equal(check.mean, 27.5);
    });

    test('bad readings are refused with stable codes in Vietnamese and counted against the device', async () => {
      const creds = basic(river.mqtt.username, river.mqtt.password);
      const mixed = await post(river.id, creds, [
        { ts: '2026-11-26T08:00:00+07:00', values: { level: 300, pm25: 3 } },
        { ts: '2026-11-26T08:10:00+07:00', values: { level: 'NaN' } },
        { ts: '2099-01-01T00:00:00+07:00', values: { level: 1 } },
        { ts: '2025-12-31T23:00:00+07:00', values: { level: 1 } },
        { ts: '26/11/2026 08:00', values: { level: 1 } },
      ]);
      assert.equal(mixed.statusCode, 200, mixed.body);
      const body = mixed.json();
      assert.equal(body.stored, 1);
      assert.deepEqual(body.rejected.map((x: { index: number; code: string }) => [x.index, x.code]), [
        [0, 'UNKNOWN_QUANTITY'], [1, 'NOT_A_NUMBER'], [2, 'TS_IN_FUTURE'], [3, 'TS_BEFORE_INSTALLATION'], [4, 'TS_INVALID'],
      ]);
      assert.equal(body.rejected[0].message, 'Đại lượng “pm25” không thuộc loại cảm biến water_level'.normalize('NFC'));

      const allBad = await post(river.id, creds, { ts: '2026-11-26T09:00:00+07:00', values: { level: '12' } });
      assert.equal(allBad.statusCode, 400);
      assert.equal(allBad.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(allBad.json().code, 'VALIDATION_FAILED');
      assert.match(allBad.json().detail, /phải là một số hữu hạn/);

      const many = Array.from({ length: 1001 }, (_, i) => ({ ts: new Date(Date.UTC(2026, 10, 26) + i * 60_000).toISOString(), values: { level: 1 } }));
      const tooMany = await post(river.id, creds, many);
      assert.equal(tooMany.statusCode, 413);
      assert.equal(tooMany.json().code, 'PAYLOAD_TOO_LARGE');
      assert.equal(tooMany.json().reason, 'TOO_MANY_READINGS');
      const huge = await post(river.id, creds, { ts: '2026-11-26T09:00:00+07:00', values: { level: 1, pad: 'x'.repeat(1024 * 1024) } });
      assert.equal(huge.statusCode, 413);

      const sensor = (await get(`/api/iot/sensors/${river.id}`)).json();
      assert.deepEqual(sensor.rejected, { UNKNOWN_QUANTITY: 1, NOT_A_NUMBER: 2, TS_IN_FUTURE: 1, TS_BEFORE_INSTALLATION: 1, TS_INVALID: 1, TOO_MANY_READINGS: 1001 });
      assert.equal((await p.db.query(`SELECT 1 FROM iot_readings WHERE sensor_id = $1`, [river.id])).rows.length, 1);
    });

    test('device writes and people\'s reads are audited', async () => {
      const rows = await p.db.query<{ action: string; outcome: string }>(
        `SELECT action, outcome FROM audit_log WHERE action IN ('iot.readings', 'iot.sensor.register', 'GET /api/iot/sensors/:id/series')`);
      const seen = new Set(rows.rows.map((r) => `${r.action}:${r.outcome}`));
      for (const k of ['iot.sensor.register:success', 'iot.readings:success', 'iot.readings:denied', 'GET /api/iot/sensors/:id/series:success']) assert.ok(seen.has(k), k);
    });
  });
}
