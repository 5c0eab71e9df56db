/**
 * The issue's "Done when", through the API: Sở Y tế requests commune-level data from a Sở NN&MT
 * dataset, the owner approves with two fields masked, Sở Y tế's system reads it through the gateway
 * with its key and receives exactly the allowed fields, both sides see the exchange in their logs,
 * and the message log verifies — and stops verifying after a tampered row.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';

for (const engine of engines()) {
  describe(`LDOP done-when scenario (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    before(async () => {
      p = await testPlatform(engine);
      w = await ldopWorld(p);
    });
    after(() => p.close());

    test('request → approve with two fields masked → the consumer reads exactly the allowed fields → both logs show it → verify passes, then fails after tampering', async () => {
      const id = await requestAgreement(w);
      // The provider is notified in the app.
      const notes = await w.api(w.provider, 'GET', '/api/notifications');
      assert.equal(notes.statusCode, 200, notes.body);
      assert.ok(notes.json().some((n: { kind: string; link: string }) => n.kind === 'agreement.requested' && n.link.endsWith(id)), notes.body);
      // Before approval, the gateway refuses.
      let r = await w.gw(w.servicePath);
      assert.equal(r.statusCode, 403, r.body);
      assert.equal(r.json().code, 'AGREEMENT_REQUIRED');

      // The owner approves, narrowing: no CCCD at all, name and phone masked (not granted in clear).
      r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, { fields: ['ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich'], clearFields: [], note: 'Chỉ số liệu cần thiết; che họ tên và điện thoại' });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().status, 'active');

      r = await w.gw(`${w.servicePath}?sort=ma_xa`);
      assert.equal(r.statusCode, 200, r.body);
      const page = r.json();
      assert.deepEqual(page.fields, ['ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich']);
      assert.deepEqual(page.masked, ['ho_ten', 'so_dien_thoai']);
      assert.equal(page.rows.length, 4, 'the row filter keeps communes 21553 and 21583 only');
      for (const row of page.rows) {
        assert.deepEqual(Object.keys(row), ['ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich']);
        assert.ok(['21553', '21583'].includes(row.ma_xa));
        assert.match(row.so_dien_thoai, /^\d{2}\*{6}\d{2}$/, 'phone → 09******78');
        assert.match(row.ho_ten, /^\S\*\*\*( \S\*\*\*)+$/);
      }
      assert.ok(!r.body.includes('052090'), 'no CCCD in the answer');
      assert.ok(!r.body.includes('Nguyễn Văn An') && !r.body.includes('0912345678'), 'no clear personal data');
      const messageId = Number(r.headers['x-ldop-message-id']);
      assert.ok(messageId > 0);

      // Both sides see the exchange in their logs; neither sees it as the other side's only.
      for (const [who, side] of [[w.consumer, 'consumer'], [w.provider, 'provider']] as const) {
        const log = await w.api(who, 'GET', `/api/ldop/log?side=${side}`);
        assert.equal(log.statusCode, 200, log.body);
        const row = log.json().find((x: { id: number }) => x.id === messageId);
        assert.ok(row, `${side} does not see message ${messageId}`);
        assert.equal(row.status, 200);
        assert.equal(row.rows, 4);
        assert.equal(row.agreementId, id);
        assert.equal(row.consumerOrgId, 'so-y-te');
        assert.equal(row.providerOrgId, 'so-nn-mt');
      }
      // The history of the agreement is visible to both sides.
      for (const who of [w.consumer, w.provider]) {
        const a = await w.api(who, 'GET', `/api/ldop/agreements/${id}`);
        assert.deepEqual(a.json().history.map((h: { action: string }) => h.action), ['requested', 'approved']);
      }

      // A signed checkpoint, then verify passes.
      r = await w.api(w.admin, 'POST', '/api/ldop/checkpoints');
      assert.equal(r.statusCode, 201, r.body);
      const cp = await w.api(w.consumer, 'GET', `/api/ldop/checkpoints/${r.json().id}`);
      assert.equal(cp.statusCode, 200, cp.body);
      assert.match(cp.json().publicKeyPem, /BEGIN PUBLIC KEY/);
      let v = await p.sharing.log.verify();
      assert.equal(v.ok, true, JSON.stringify(v));
      assert.ok(v.checkpoints >= 1);

      // Tamper with the row (around the append-only trigger, as a superuser could): verify names it.
      await p.db.exec('ALTER TABLE ldop_message_log DISABLE TRIGGER ldop_message_log_no_update');
      await p.db.query('UPDATE ldop_message_log SET rows = 6 WHERE id = $1', [messageId]);
      await p.db.exec('ALTER TABLE ldop_message_log ENABLE TRIGGER ldop_message_log_no_update');
      v = await p.sharing.log.verify();
      assert.equal(v.ok, false);
      assert.equal(v.brokenAt?.id, messageId);
    });
  });
}
