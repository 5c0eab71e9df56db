/**
 * Issue 12, holes 4 and 5: the gateway's page cursor is opaque and bound to its agreement, a query
 * template cannot sort on a field the consumer sees masked, and a conditional request (`If-None-Match`)
 * takes the daily volume, is logged with its rows, and carries no cursor.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';

/** Every way a cursor could be read: as base64url, then as text in the usual encodings. */
const readable = (cursor: string) => [cursor, Buffer.from(cursor, 'base64url').toString('utf8'), Buffer.from(cursor, 'base64url').toString('latin1')].join('\n');

for (const engine of engines()) {
  describe(`LDOP cursors and conditional requests (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    before(async () => {
      p = await testPlatform(engine);
      w = await ldopWorld(p, 'c');
    });
    after(() => p.close());

    /** A second consumer subsystem of the same agency, with its own key and an active agreement on the dataset service. */
    const consumer = async (code: string, terms: Record<string, unknown>) => {
      const sub = await w.api(w.consumer, 'POST', '/api/ldop/subsystems', { code, name: `Hệ thống ${code}` });
      assert.equal(sub.statusCode, 201, sub.body);
      const key = (await w.api(w.consumer, 'POST', `/api/ldop/subsystems/${sub.json().id}/keys`, { name: 'k' })).json().key as string;
      const id = await requestAgreement(w, { consumerSubsystemId: sub.json().id, ...terms });
      const r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {});
      assert.equal(r.statusCode, 200, r.body);
      return { key, agreementId: id, subsystemId: sub.json().id as string };
    };

    test('a page cursor is opaque: neither the sorted values nor its structure can be read from it', async () => {
      const a = await consumer('yte-mo', { fields: ['ma_ho', 'ho_ten'], clearFields: ['ho_ten'], rowFilter: [] });
      const r = await w.gw(`${w.servicePath}?sort=ho_ten&limit=2`, {}, a.key);
      assert.equal(r.statusCode, 200, r.body);
      const last = r.json().rows.at(-1).ho_ten as string;
      const cursor = r.json().nextCursor as string;
      assert.ok(cursor);
      assert.equal(r.headers['x-next-cursor'], cursor);
      assert.ok(!readable(cursor).includes(last), 'the last row\'s sort value is not in the cursor');
      assert.ok(!readable(cursor).includes(last.normalize('NFD')));
      assert.doesNotMatch(readable(cursor), /"ver"|"k"|"id"|\[\d+,/, 'no readable structure');
      const next = await w.gw(`${w.servicePath}?sort=ho_ten&limit=2&cursor=${cursor}`, {}, a.key);
      assert.equal(next.statusCode, 200, next.body);
      assert.ok(!next.json().rows.some((x: { ho_ten: string }) => x.ho_ten === last), 'the next page follows');
    });

    test('a cursor is refused with problem+json 400 when altered, or used under another agreement', async () => {
      const terms = { fields: ['ma_ho', 'dien_tich'], clearFields: [], rowFilter: [] };
      const a = await consumer('yte-mot', terms);
      const b = await consumer('yte-hai', terms);
      const url = `${w.servicePath}?sort=ma_ho&limit=2`;
      const first = await w.gw(url, {}, a.key);
      const cursor = first.json().nextCursor as string;
      assert.equal((await w.gw(`${url}&cursor=${cursor}`, {}, a.key)).statusCode, 200);
      // Same query, same terms, another agreement: not its cursor.
      const other = await w.gw(`${url}&cursor=${cursor}`, {}, b.key);
      assert.equal(other.statusCode, 400, other.body);
      assert.match(String(other.headers['content-type']), /^application\/problem\+json/);
      assert.equal(other.json().code, 'VALIDATION_FAILED');
      assert.match(other.json().detail, /Con trỏ phân trang không hợp lệ/);
      const raw = Buffer.from(cursor, 'base64url');
      for (const i of [0, 3, raw.length - 1]) {
        const bad = Buffer.from(raw);
        bad[i]! ^= 0x20;
        const res = await w.gw(`${url}&cursor=${bad.toString('base64url')}`, {}, a.key);
        assert.equal(res.statusCode, 400, `byte ${i}: ${res.body}`);
        assert.equal(res.json().code, 'VALIDATION_FAILED');
      }
    });

    test('an agreement whose service template sorts on a field masked for the consumer is refused at approval', async () => {
      const subs = await w.api(w.provider, 'POST', '/api/ldop/subsystems', { code: 'csdl-ho-dan', name: 'CSDL hộ dân' });
      const svc = await w.api(w.provider, 'POST', '/api/ldop/services', {
        subsystemId: subs.json().id, code: 'ho-theo-cccd', kind: 'query', title: 'Hộ dân theo số CCCD', dataset: w.datasetSlug,
        template: { fields: ['ma_ho', 'ma_xa', 'so_cccd'], sort: [{ column: 'so_cccd' }] },
      });
      assert.equal(svc.statusCode, 201, svc.body);
      const sub = await w.api(w.consumer, 'POST', '/api/ldop/subsystems', { code: 'yte-cccd', name: 'Hệ thống tra cứu' });
      const key = (await w.api(w.consumer, 'POST', `/api/ldop/subsystems/${sub.json().id}/keys`, { name: 'k' })).json().key as string;
      const base = { consumerSubsystemId: sub.json().id, serviceId: svc.json().id, fields: ['ma_ho', 'ma_xa', 'so_cccd'], rowFilter: [] };
      const id = await requestAgreement(w, { ...base, clearFields: ['so_cccd'] });
      // The provider narrows the CCCD to masked: the template would then order (and page) by hidden values.
      let r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, { clearFields: [] });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().code, 'VALIDATION_FAILED');
      assert.match(r.json().detail, /sắp xếp theo trường bị che với bên nhận: so_cccd/);
      r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, { maskedFields: ['so_cccd'] });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal((await w.api(w.consumer, 'GET', `/api/ldop/agreements/${id}`)).json().status, 'requested', 'nothing came into force');
      // Granted in clear, it may be approved; its cursor still shows nothing.
      r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {});
      assert.equal(r.statusCode, 200, r.body);
      const page = await w.gw(`${svc.json().path}?limit=1`, {}, key);
      assert.equal(page.statusCode, 200, page.body);
      assert.doesNotMatch(readable(page.json().nextCursor as string), /05209\d/);
    });

    test('If-None-Match (also *) takes the daily volume, is logged with its rows, and a 304 carries no cursor', async () => {
      const a = await consumer('yte-etag', { fields: ['ma_ho', 'dien_tich'], clearFields: [], rowFilter: [], dailyRowLimit: 6 });
      const url = `${w.servicePath}?sort=ma_ho&limit=2`;
      const first = await w.gw(url, {}, a.key);
      assert.equal(first.statusCode, 200, first.body);
      assert.ok(first.headers['x-next-cursor']);
      for (const tag of ['*', String(first.headers.etag)]) {
        const r = await w.gw(url, { 'if-none-match': tag }, a.key);
        assert.equal(r.statusCode, 304, `${tag}: ${r.body}`);
        assert.equal(r.body, '');
        assert.equal(r.headers['x-next-cursor'], undefined, 'a 304 carries no cursor');
        const log = (await p.db.query<{ rows: number; status: number }>('SELECT rows, status FROM ldop_message_log WHERE id = $1', [Number(r.headers['x-ldop-message-id'])])).rows[0]!;
        assert.deepEqual([Number(log.status), Number(log.rows)], [304, 2], 'logged with the rows it confirmed');
      }
      // 2 + 2 + 2 rows of a 6-row day: a third conditional request does not fit.
      const r = await w.gw(url, { 'if-none-match': '*' }, a.key);
      assert.equal(r.statusCode, 429, r.body);
      assert.equal(r.json().code, 'VOLUME_EXCEEDED');
    });
  });
}
