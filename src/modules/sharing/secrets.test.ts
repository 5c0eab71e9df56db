/**
 * Issue 12, hole 11 (sharing): webhook secrets are sealed at rest like sync tokens, rows written
 * before keep working once the migration's job has sealed them, and a failure while handling a
 * published version is retried instead of swallowed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';

for (const engine of engines()) {
  describe(`LDOP webhook secrets and retried events (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    let receiver: Server;
    const got: { signature: string; body: string }[] = [];
    before(async () => {
      p = await testPlatform(engine, { PROVDATA_OUTBOUND_ALLOW: '127.0.0.1' });
      w = await ldopWorld(p, 's');
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          got.push({ signature: String(req.headers['x-ldop-signature']), body });
          res.statusCode = 204;
          res.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      receiver.close();
      await p.close();
    });

    const verifies = (secret: string, d: { signature: string; body: string }) => {
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(d.signature);
      return !!m && createHmac('sha256', secret).update(`${m[1]}.${d.body}`).digest('hex') === m[2];
    };
    const deliver = async (webhookId: string) => {
      got.length = 0;
      await p.jobs.enqueue('ldop:webhook', { webhookId, event: { id: 9, type: 'dataset.version.published', dataset: w.datasetSlug, version: 1 } }, { maxAttempts: 1 });
      await p.jobs.drain();
      assert.equal(got.length, 1);
      return got[0]!;
    };

    test('a webhook secret is stored sealed, and deliveries are still signed with it; a secret stored in clear before is sealed by the migration\'s job and keeps working', async () => {
      const id = await requestAgreement(w, { fields: ['ma_xa', 'dien_tich'], clearFields: [], rowFilter: [] });
      assert.equal((await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {})).statusCode, 200);
      await p.jobs.drain();
      const r = await w.api(w.consumer, 'POST', '/api/ldop/webhooks', { subsystemId: w.consumerSubsystemId, serviceId: w.serviceId, url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
      assert.equal(r.statusCode, 201, r.body);
      const { id: hookId, secret } = r.json() as { id: string; secret: string };
      const stored = async () => (await p.db.query<{ secret: string }>('SELECT secret FROM ldop_webhooks WHERE id = $1', [hookId])).rows[0]!.secret;
      assert.match(await stored(), /^sealed:v1:/);
      assert.ok(!(await stored()).includes(secret.slice(6)), 'the secret is not in the database in clear');
      assert.ok(verifies(secret, await deliver(hookId)));

      // A row as written before sealing existed.
      const legacy = 'whsec_written-before-sealing-0123456789';
      await p.db.query('UPDATE ldop_webhooks SET secret = $2 WHERE id = $1', [hookId, legacy]);
      assert.ok(verifies(legacy, await deliver(hookId)), 'an unsealed row works as it is');
      await p.db.query("INSERT INTO jobs (queue, payload) VALUES ('ldop:seal-webhook-secrets', '{}')");
      await p.jobs.drain();
      assert.match(await stored(), /^sealed:v1:/);
      assert.ok(!(await stored()).includes('written-before-sealing'));
      assert.ok(verifies(legacy, await deliver(hookId)), 'and keeps working once sealed');
    });

    test('a failure while handling a published version is retried, not swallowed', async () => {
      const ds = (await w.api(w.provider, 'GET', `/api/catalog/datasets/${w.datasetSlug}`)).json() as { id: string };
      const original = p.catalog.getDataset.bind(p.catalog);
      let failures = 0;
      p.catalog.getDataset = (async (...args: Parameters<typeof original>) => {
        if (args[1] === ds.id && failures++ === 0) throw new Error('cơ sở dữ liệu tạm thời không sẵn sàng');
        return original(...args);
      }) as typeof original;
      try {
        await p.jobs.drain();
        await p.db.transaction((tx) => p.events.publish(tx, 'dataset.version.published', { datasetId: ds.id, version: 1, rows: 6 }));
        await p.jobs.drain();
        const job = async () => (await p.db.query<{ status: string; attempts: number; last_error: string | null }>(
          "SELECT status, attempts, last_error FROM jobs WHERE queue = 'event:ldop.dataset-published' ORDER BY id DESC LIMIT 1")).rows[0]!;
        const first = await job();
        assert.equal(first.status, 'pending', 'to be tried again');
        assert.equal(Number(first.attempts), 1);
        assert.match(first.last_error ?? '', /tạm thời không sẵn sàng/);
        await p.db.query("UPDATE jobs SET run_at = now() WHERE queue = 'event:ldop.dataset-published' AND status = 'pending'");
        await p.jobs.drain();
        assert.equal((await job()).status, 'done');
        assert.equal(failures, 2);
      } finally {
        p.catalog.getDataset = original;
      }
    });

    test('the automatic dataset service closes when its dataset is made private', async () => {
      // The consumer's agreement from the first test is in force.
      const before = await w.gw(`${w.servicePath}?limit=1`);
      assert.equal(before.statusCode, 200, before.body);
      const r = await w.api(w.provider, 'PATCH', `/api/catalog/datasets/${w.datasetSlug}`, { access: 'private' });
      assert.equal(r.statusCode, 200, r.body);
      const gone = await w.gw(`${w.servicePath}?limit=1`);
      assert.equal(gone.statusCode, 404, gone.body);
      assert.equal(gone.json().code, 'NOT_FOUND');
    });
  });
}
