/**
 * The gateway and the agreement workflow on every engine: narrowing, masking, paging, ETags,
 * formats, limits — and the "bad input and abuse" list: every refusal is problem+json with a
 * stable code, carries no row data, and is in the message log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';

const LEAK = /052090|Nguyễn|0912345678|SELECT|syntax error|at .*\.ts:/;

for (const engine of engines()) {
  describe(`LDOP gateway and agreements (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    let agreementId: string;
    before(async () => {
      // The REST test's upstream is a local server: allow-listed, as an administrator would an internal service.
      p = await testPlatform(engine, { PROVDATA_OUTBOUND_ALLOW: '127.0.0.1' });
      w = await ldopWorld(p, 'g');
      agreementId = await requestAgreement(w, { fields: ['ma_ho', 'ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich'], clearFields: ['ho_ten'], rowFilter: [] });
      const r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${agreementId}/approve`, { maskedFields: ['ten_xa'] });
      assert.equal(r.statusCode, 200, r.body);
    });
    after(() => p.close());

    /** Asserts a refusal: status, code, problem+json, no data, and a message-log row with that code. */
    const refused = async (res: { statusCode: number; body: string; headers: Record<string, unknown>; json: () => { code: string } }, status: number, code: string) => {
      assert.equal(res.statusCode, status, res.body);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.equal(res.json().code, code);
      assert.doesNotMatch(res.body, LEAK);
      assert.ok(!('rows' in res.json()), 'a refusal carries no rows');
      const id = Number(res.headers['x-ldop-message-id']);
      assert.ok(id > 0, 'refusal is logged');
      const row = (await p.db.query<{ status: number; error_code: string; rows: number }>('SELECT status, error_code, rows FROM ldop_message_log WHERE id = $1', [id])).rows[0]!;
      assert.equal(Number(row.status), status);
      assert.equal(row.error_code, code);
      assert.equal(Number(row.rows), 0);
    };

    test('clear personal data is delivered only where granted, and its access is in the security audit with the purpose', async () => {
      const r = await w.gw(`${w.servicePath}?filter=ma_ho:eq:H001`);
      assert.equal(r.statusCode, 200, r.body);
      const row = r.json().rows[0];
      assert.equal(row.ho_ten, 'Nguyễn Văn An', 'granted in clear');
      assert.equal(row.so_dien_thoai, '09******78', 'not granted: masked');
      assert.equal(row.ten_xa, 'Q*** N*** B***', 'masked by the provider at approval');
      const audit = await p.db.query<{ details: { purpose: string; fields: string[]; agreementId: string } }>("SELECT details FROM audit_log WHERE action = 'ldop.personal_data.read' ORDER BY id DESC LIMIT 1");
      assert.equal(audit.rows[0]?.details.purpose, 'Giám sát dịch sốt xuất huyết theo xã');
      assert.deepEqual(audit.rows[0]?.details.fields, ['ho_ten']);
      assert.equal(audit.rows[0]?.details.agreementId, agreementId);
    });

    test('pages with the warehouse cursor, answers 304 to a matching If-None-Match, and renders XML and CSV by Accept', async () => {
      const first = await w.gw(`${w.servicePath}?limit=4&sort=ma_ho&fields=ma_ho,dien_tich`);
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().rows.length, 4);
      const cursor = first.json().nextCursor as string;
      assert.ok(cursor);
      const second = await w.gw(`${w.servicePath}?limit=4&sort=ma_ho&fields=ma_ho,dien_tich&cursor=${cursor}`);
      assert.deepEqual(second.json().rows.map((x: { ma_ho: string }) => x.ma_ho), ['H005', 'H006']);
      assert.equal(second.json().nextCursor, null);
      const again = await w.gw(`${w.servicePath}?limit=4&sort=ma_ho&fields=ma_ho,dien_tich`, { 'if-none-match': String(first.headers.etag) });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      const xml = await w.gw(`${w.servicePath}?fields=ma_ho,ma_xa&sort=ma_ho&limit=1`, { accept: 'application/xml' });
      assert.match(String(xml.headers['content-type']), /application\/xml/);
      assert.match(xml.body, /<row><ma_ho>H001<\/ma_ho><ma_xa>21553<\/ma_xa><\/row>/);
      const csv = await w.gw(`${w.servicePath}?fields=ma_ho,dien_tich&sort=ma_ho&limit=2`, { accept: 'text/csv' });
      assert.equal(csv.body, 'ma_ho,dien_tich\r\nH001,1.5\r\nH002,0.8\r\n');
      const none = await w.gw(w.servicePath, { accept: 'image/png' });
      await refused(none as never, 406, 'NOT_ACCEPTABLE');
    });

    test('bad input and abuse: unknown and revoked keys, fields outside the agreement, filters on masked fields, injection, huge pages, replayed nonces', async () => {
      await refused(await w.gw(w.servicePath, {}, null) as never, 401, 'UNAUTHENTICATED');
      await refused(await w.gw(w.servicePath, {}, 'pdl_deadbeef_' + 'x'.repeat(43)) as never, 401, 'INVALID_SUBSYSTEM_CREDENTIAL');
      await refused(await w.gw(w.servicePath, {}, 'pdk_not-a-subsystem-key') as never, 401, 'INVALID_SUBSYSTEM_CREDENTIAL');
      await refused(await w.gw(`${w.servicePath}?fields=ma_ho,so_cccd`) as never, 403, 'FIELD_NOT_ALLOWED');
      await refused(await w.gw(`${w.servicePath}?filter=so_cccd:eq:052090001234`) as never, 403, 'FIELD_NOT_ALLOWED');
      await refused(await w.gw(`${w.servicePath}?filter=so_dien_thoai:startsWith:09`) as never, 403, 'FIELD_NOT_ALLOWED');
      await refused(await w.gw(`${w.servicePath}?sort=ten_xa`) as never, 403, 'FIELD_NOT_ALLOWED');
      await refused(await w.gw(`${w.servicePath}?filter=${encodeURIComponent("ma_xa';DROP TABLE users;--:eq:1")}`) as never, 400, 'VALIDATION_FAILED');
      const inj = await w.gw(`${w.servicePath}?filter=${encodeURIComponent("ma_xa:eq:21553' OR '1'='1")}`);
      assert.equal(inj.statusCode, 200, inj.body);
      assert.equal(inj.json().rows.length, 0, 'an injection attempt is a literal value');
      await refused(await w.gw(`${w.servicePath}?filter=dien_tich:gt:1;DELETE`) as never, 400, 'VALIDATION_FAILED');
      await refused(await w.gw(`${w.servicePath}?cursor=eyJ2IjoxLCJ2ZXIiOjEsImsiOltdLCJpZCI6IjEgT1IgMT0xIiwiZiI6IngifQ`) as never, 400, 'VALIDATION_FAILED');
      await refused(await w.gw(`${w.servicePath}?cursor=${encodeURIComponent("' OR 1=1 --")}`) as never, 400, 'VALIDATION_FAILED');
      await refused(await w.gw(`${w.servicePath}?limit=100000000`) as never, 400, 'VALIDATION_FAILED');
      await refused(await w.gw(`${w.servicePath}?limit=1001`) as never, 400, 'VALIDATION_FAILED');
      await refused(await w.gw(`${w.servicePath}?limit=-1`) as never, 400, 'VALIDATION_FAILED');
      await refused(await w.gw(`${w.servicePath}?nope=1`) as never, 400, 'VALIDATION_FAILED');
      const nonce = 'n0nce-0123456789abcdef';
      const once = await w.gw(`${w.servicePath}?limit=1&fields=ma_ho`, { 'x-request-nonce': nonce });
      assert.equal(once.statusCode, 200, once.body);
      await refused(await w.gw(`${w.servicePath}?limit=1&fields=ma_ho`, { 'x-request-nonce': nonce }) as never, 409, 'REPLAYED_REQUEST');
      await refused(await w.gw(`/ldop/v1/so-nn-mt/kho-du-lieu/dataset:khong-co`) as never, 404, 'NOT_FOUND');

      // A revoked key stops working at once.
      const k2 = await w.api(w.consumer, 'POST', `/api/ldop/subsystems/${w.consumerSubsystemId}/keys`, { name: 'dự phòng' });
      const key2 = k2.json().key as string;
      assert.equal((await w.gw(`${w.servicePath}?limit=1&fields=ma_ho`, {}, key2)).statusCode, 200);
      const del = await w.api(w.consumer, 'DELETE', `/api/ldop/subsystems/${w.consumerSubsystemId}/keys/${k2.json().apiKey.id}`);
      assert.equal(del.statusCode, 204, del.body);
      await refused(await w.gw(`${w.servicePath}?limit=1`, {}, key2) as never, 401, 'INVALID_SUBSYSTEM_CREDENTIAL');
      // Another member cannot revoke or even see the consumer's keys.
      assert.equal((await w.api(w.provider, 'GET', `/api/ldop/subsystems/${w.consumerSubsystemId}/keys`)).statusCode, 404);
    });

    test('the approval may narrow but never widen; changes can be asked and answered; both sides are notified', async () => {
      const sub = await w.api(w.consumer, 'POST', '/api/ldop/subsystems', { code: 'yte-bao-cao', name: 'Hệ thống báo cáo' });
      const base = { consumerSubsystemId: sub.json().id };
      const id = await requestAgreement(w, { ...base, fields: ['ma_xa', 'dien_tich'], clearFields: [], rowFilter: [{ column: 'ma_xa', op: 'in', value: ['21553'] }] });
      let r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, { fields: ['ma_xa', 'dien_tich', 'ho_ten'] });
      assert.equal(r.statusCode, 400, r.body);
      r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, { rowFilter: [] });
      assert.equal(r.statusCode, 400, 'dropping the row filter widens');
      r = await w.api(w.consumer, 'POST', `/api/ldop/agreements/${id}/approve`, {});
      assert.equal(r.statusCode, 403, 'the consumer sees its request but cannot approve it');
      assert.equal(r.json().code, 'FORBIDDEN');
      r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/request-changes`, { note: 'Nêu rõ căn cứ pháp lý' });
      assert.equal(r.json().status, 'changes_requested');
      const notes = await w.api(w.consumer, 'GET', '/api/notifications?unread=true');
      const note = notes.json().find((n: { kind: string }) => n.kind === 'agreement.changes_requested');
      assert.ok(note, notes.body);
      assert.equal((await w.api(w.consumer, 'POST', `/api/notifications/${note.id}/read`)).statusCode, 204);
      r = await w.api(w.consumer, 'PUT', `/api/ldop/agreements/${id}`, {
        fields: ['ma_xa', 'dien_tich'], rowFilter: [{ column: 'ma_xa', op: 'in', value: ['21553'] }], purpose: 'Báo cáo diện tích', legalBasis: 'Quyết định 966/QĐ-UBND',
        validFrom: new Date().toISOString(), validTo: new Date(Date.now() + 86400_000).toISOString(), dailyRowLimit: 3,
      });
      assert.equal(r.json().status, 'requested', r.body);
      r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, { dailyRowLimit: 3 });
      assert.equal(r.json().status, 'active', r.body);
      const hist = await w.api(w.provider, 'GET', `/api/ldop/agreements/${id}`);
      assert.deepEqual(hist.json().history.map((h: { action: string }) => h.action), ['requested', 'changes_requested', 'resubmitted', 'approved']);
    });

    test('volume and rate limits, expiry and revocation refuse with their codes', async () => {
      const sub = await w.api(w.consumer, 'POST', '/api/ldop/subsystems', { code: 'yte-gioi-han', name: 'Hệ thống thử giới hạn' });
      const key = (await w.api(w.consumer, 'POST', `/api/ldop/subsystems/${sub.json().id}/keys`, { name: 'k' })).json().key as string;
      const id = await requestAgreement(w, { consumerSubsystemId: sub.json().id, fields: ['ma_ho', 'dien_tich'], clearFields: [], rowFilter: [], dailyRowLimit: 5 });
      await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {});
      assert.equal((await w.gw(`${w.servicePath}?limit=4`, {}, key)).statusCode, 200);
      await refused(await w.gw(`${w.servicePath}?limit=4`, {}, key) as never, 429, 'VOLUME_EXCEEDED');
      assert.equal((await w.gw(`${w.servicePath}?limit=1`, {}, key)).statusCode, 200, 'what is left of the day may still be read');

      const patch = await w.api(w.admin, 'PATCH', `/api/ldop/subsystems/${sub.json().id}`, { rateLimitPerMinute: 1 });
      assert.equal(patch.statusCode, 200, patch.body);
      // The window counts per process; a fresh minute may have begun, so allow one more success.
      let last = await w.gw(`${w.servicePath}?limit=1`, {}, key);
      if (last.statusCode !== 429) last = await w.gw(`${w.servicePath}?limit=1`, {}, key);
      await refused(last as never, 429, 'RATE_LIMITED');
      assert.ok(Number(last.headers['retry-after']) >= 1);
      await w.api(w.admin, 'PATCH', `/api/ldop/subsystems/${sub.json().id}`, { rateLimitPerMinute: 600 });

      // Expired: the period ended (set in the database: periods start now or later through the API).
      await p.db.query("UPDATE ldop_agreements SET valid_to = now() - interval '1 minute' WHERE id = $1", [id]);
      await refused(await w.gw(`${w.servicePath}?limit=1`, {}, key) as never, 403, 'AGREEMENT_REQUIRED');
      const a = await w.api(w.consumer, 'GET', `/api/ldop/agreements/${id}`);
      assert.equal(a.json().status, 'expired');
      assert.equal(a.json().history.at(-1).action, 'expired');

      // Revoked by the provider.
      const r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${agreementId}/revoke`, { note: 'Hết nhu cầu' });
      assert.equal(r.json().status, 'revoked', r.body);
      await refused(await w.gw(`${w.servicePath}?limit=1`) as never, 403, 'AGREEMENT_REQUIRED');
    });

    test('a steward defines a parameterised query service and an external REST service proxied with JSON/XML/CSV conversion', async () => {
      const subs = await w.api(w.provider, 'POST', '/api/ldop/subsystems', { code: 'csdl-nong-nghiep', name: 'CSDL nông nghiệp' });
      const providerSub = subs.json().id as string;
      let r = await w.api(w.provider, 'POST', '/api/ldop/services', {
        subsystemId: providerSub, code: 'dien-tich-theo-xa', kind: 'query', title: 'Diện tích lúa theo xã', dataset: w.datasetSlug,
        template: { fields: ['ma_ho', 'ma_xa', 'dien_tich'], filters: [{ column: 'ma_xa', op: 'eq', param: 'ma_xa' }], sort: [{ column: 'ma_ho' }] },
        params: [{ name: 'ma_xa', type: 'text', required: true, description: 'Mã xã/phường' }],
      });
      assert.equal(r.statusCode, 201, r.body);
      const query = r.json();
      const openapi = await w.api(w.consumer, 'GET', `/api/ldop/services/${query.id}/openapi.json`);
      assert.ok(openapi.json().paths[query.path].get.parameters.some((x: { name: string }) => x.name === 'ma_xa'));

      // The upstream: a local HTTP service answering XML.
      const upstream: Server = createServer((req, res) => {
        const xa = new URL(req.url!, 'http://x').searchParams.get('ma_xa');
        res.setHeader('content-type', 'application/xml');
        res.end(`<?xml version="1.0"?><ds><item><ma_xa>${xa}</ma_xa><ten>Trạm &amp; khuyến nông</ten><sdt>0912345678</sdt></item><item><ma_xa>99999</ma_xa><ten>Khác</ten><sdt>0900000000</sdt></item></ds>`);
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      try {
        const port = (upstream.address() as AddressInfo).port;
        r = await w.api(w.provider, 'POST', '/api/ldop/services', {
          subsystemId: providerSub, code: 'tram-khuyen-nong', kind: 'rest', title: 'Trạm khuyến nông', upstreamUrl: `http://127.0.0.1:${port}/tram`, upstreamFormat: 'xml',
          params: [{ name: 'ma_xa', type: 'text', required: false }], fields: [{ name: 'ma_xa' }, { name: 'ten' }, { name: 'sdt', elementCode: 'so_dien_thoai' }],
        });
        assert.equal(r.statusCode, 201, r.body);
        const rest = r.json();
        const list = await w.api(w.consumer, 'GET', '/api/ldop/services?q=khuyen nong');
        assert.ok(list.json().items.some((s: { id: string }) => s.id === rest.id), 'searchable without diacritics');

        for (const svc of [query, rest]) {
          const id = await requestAgreement(w, { serviceId: svc.id, fields: svc.kind === 'rest' ? ['ma_xa', 'ten', 'sdt'] : ['ma_xa', 'dien_tich'], clearFields: [], rowFilter: [{ column: 'ma_xa', op: 'in', value: ['21553', '21589'] }] });
          assert.equal((await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {})).statusCode, 200);
        }
        const detail = await w.api(w.consumer, 'GET', `/api/ldop/services/${rest.id}`);
        assert.ok(detail.json().access.some((a: { consumerOrgId: string }) => a.consumerOrgId === 'so-y-te'), 'the catalogue shows who has access');

        r = await w.gw(`${query.path}?ma_xa=21553`);
        assert.equal(r.statusCode, 200, r.body);
        assert.deepEqual(r.json().rows, [{ ma_xa: '21553', dien_tich: 1.5 }, { ma_xa: '21553', dien_tich: 0.8 }]);
        r = await w.gw(`${query.path}?ma_xa=21583`);
        assert.deepEqual(r.json().rows, [], 'the agreement row filter still applies');
        await refused(await w.gw(query.path) as never, 400, 'VALIDATION_FAILED');

        r = await w.gw(`${rest.path}?ma_xa=21589`);
        assert.equal(r.statusCode, 200, r.body);
        assert.deepEqual(r.json().rows, [{ ma_xa: '21589', ten: 'Trạm & khuyến nông', sdt: '09******78' }], 'XML in, JSON out, filtered and masked');
        r = await w.gw(`${rest.path}?ma_xa=21589`, { accept: 'text/csv' });
        assert.equal(r.body, 'ma_xa,ten,sdt\r\n21589,Trạm & khuyến nông,09******78\r\n');
      } finally {
        upstream.close();
      }
    });

    test('usage per member and service, and the KPI of agencies connected', async () => {
      const u = await w.api(w.provider, 'GET', '/api/ldop/usage');
      assert.equal(u.statusCode, 200, u.body);
      const body = u.json();
      assert.ok(body.totals.requests > 10);
      assert.ok(body.totals.errors > 5);
      assert.ok(body.totals.p95LatencyMs > 0);
      assert.equal(body.topConsumers[0].orgId, 'so-y-te');
      assert.ok(body.services.some((s: { serviceId: string }) => s.serviceId === w.serviceId));
      assert.equal((await w.api(w.consumer, 'GET', '/api/ldop/usage?orgId=so-nn-mt')).statusCode, 403, 'another member\'s usage is not the consumer\'s to see');
      const kpi = await p.app.inject({ url: '/api/ldop/kpi' });
      assert.equal(kpi.statusCode, 200);
      assert.ok(kpi.json().connectedAgencies.includes('so-y-te'));
      assert.ok(kpi.json().connectedAgencies.includes('so-nn-mt'));
      assert.equal(kpi.json().share, kpi.json().connected / kpi.json().agencies);
    });
  });
}
