/**
 * Consumer subscriptions: when a shared dataset publishes a new version, each subscribed consumer
 * subsystem with an active agreement receives a webhook signed with HMAC-SHA256
 * (`X-LDOP-Signature: t=…,v1=…`), delivered through the job queue with retries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { CSV, ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';

for (const engine of engines()) {
  describe(`LDOP webhooks (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    let receiver: Server;
    let port: number;
    const received: { signature: string; body: string; ok: boolean }[] = [];
    before(async () => {
      // The receiver is a local server: allow-listed, as an administrator would an internal system.
      p = await testPlatform(engine, { PROVDATA_OUTBOUND_ALLOW: '127.0.0.1' });
      w = await ldopWorld(p, 'w');
      let calls = 0;
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          calls++;
          const ok = calls > 2; // fails twice, then succeeds
          received.push({ signature: String(req.headers['x-ldop-signature']), body, ok });
          res.statusCode = ok ? 204 : 503;
          res.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      port = (receiver.address() as AddressInfo).port;
    });
    after(async () => {
      receiver.close();
      await p.close();
    });

    test('a subscription needs an agreement; a new version is delivered, signed, after two failures', async () => {
      let r = await w.api(w.consumer, 'POST', '/api/ldop/webhooks', { subsystemId: w.consumerSubsystemId, serviceId: w.serviceId, url: `http://127.0.0.1:${port}/hook` });
      assert.equal(r.statusCode, 403, r.body);
      assert.equal(r.json().code, 'AGREEMENT_REQUIRED');
      const id = await requestAgreement(w, { fields: ['ma_xa', 'dien_tich'], clearFields: [], rowFilter: [] });
      await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {});
      r = await w.api(w.consumer, 'POST', '/api/ldop/webhooks', { subsystemId: w.consumerSubsystemId, serviceId: w.serviceId, url: 'http://169.254.169.254/latest' });
      assert.equal(r.statusCode, 400, 'metadata addresses are refused');
      await p.jobs.drain(); // version 1's event, published before anyone subscribed
      r = await w.api(w.consumer, 'POST', '/api/ldop/webhooks', { subsystemId: w.consumerSubsystemId, serviceId: w.serviceId, url: `http://127.0.0.1:${port}/hook` });
      assert.equal(r.statusCode, 201, r.body);
      const { id: hookId, secret } = r.json() as { id: string; secret: string };
      assert.match(secret, /^whsec_/);

      // The provider loads a new version.
      const up = await p.app.inject({
        method: 'POST', url: '/api/uploads?filename=v2.csv', headers: { cookie: w.provider.cookie, 'x-csrf-token': w.provider.csrf, 'content-type': 'application/octet-stream' },
        payload: Buffer.from(CSV + '\r\nH007,21553,Quy Nhơn Bắc,Võ Văn Giang,052090001357,0911222333,2', 'utf8'),
      });
      r = await w.api(w.provider, 'POST', '/api/ingest/runs', { dataset: w.datasetSlug, uploadId: up.json().id, mode: 'replace', validRowsOnly: false });
      assert.equal(r.json().version, 2, r.body);

      for (let round = 0; round < 6 && !received.some((x) => x.ok); round++) {
        await p.jobs.drain();
        // Retries wait with backoff; bring them forward instead of sleeping.
        await p.db.query("UPDATE jobs SET run_at = now() WHERE queue = 'ldop:webhook' AND status = 'pending'");
      }
      assert.deepEqual(received.map((x) => x.ok), [false, false, true]);
      const last = received.at(-1)!;
      const event = JSON.parse(last.body) as { type: string; dataset: string; version: number };
      assert.equal(event.type, 'dataset.version.published');
      assert.equal(event.dataset, w.datasetSlug);
      assert.equal(event.version, 2);
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(last.signature);
      assert.ok(m, last.signature);
      const expected = createHmac('sha256', secret).update(`${m[1]}.${last.body}`).digest();
      assert.ok(timingSafeEqual(expected, Buffer.from(m[2]!, 'hex')), 'signature verifies with the secret');
      const deliveries = await w.api(w.consumer, 'GET', `/api/ldop/webhooks/${hookId}/deliveries`);
      assert.deepEqual(deliveries.json().map((d: { responseStatus?: number; response_status: number }) => d.response_status).reverse(), [503, 503, 204]);
      assert.equal((await w.api(w.provider, 'GET', `/api/ldop/webhooks/${hookId}/deliveries`)).statusCode, 404, 'another member sees nothing');
    });
  });
}
