/**
 * Issue 12, hole 6: server-side request forgery through proxied REST services and webhooks, and
 * four-eyes approval. Targets are resolved and checked at registration and again at every call,
 * the connection goes to the address that was checked, internal targets pass only when an
 * administrator allow-lists them, and an upstream answer is cut at the size cap while it streams.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';
import { forbiddenRange, type Resolver } from './outbound.js';

/** A local HTTP server that counts the requests it gets. */
async function server(host: string, handler: Parameters<typeof createServer>[1]): Promise<{ srv: Server; port: number; hits: () => number }> {
  let hits = 0;
  const srv = createServer((req, res) => {
    hits++;
    handler!(req, res);
  });
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  return { srv, port: (srv.address() as AddressInfo).port, hits: () => hits };
}

test('addresses: only ordinary public unicast passes, IPv6 forms carrying an IPv4 are judged by it', () => {
  for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:0808:0808::1']) assert.equal(forbiddenRange(a), null, a);
  for (const a of [
    '127.0.0.1', '127.5.5.5', '0.0.0.0', '10.1.2.3', '172.16.0.1', '192.168.1.1', '100.64.0.1', '169.254.169.254', '224.0.0.1', '255.255.255.255', '240.0.0.1',
    '::1', '::', 'fe80::1', 'fd00::1', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::1', '2002:7f00:0001::1', '::7f00:1', '::a00:1',
  ]) {
    assert.notEqual(forbiddenRange(a), null, a);
  }
});

for (const engine of engines()) {
  describe(`LDOP outbound calls and four eyes (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    let providerSub: string;
    const servers: Server[] = [];
    let systemResolver: Resolver;
    before(async () => {
      // 127.0.0.2 stands for an internal service the administrator allowed; 127.0.0.1 for everything else internal.
      p = await testPlatform(engine, { PROVDATA_OUTBOUND_ALLOW: '127.0.0.2/32' });
      w = await ldopWorld(p, 'o');
      systemResolver = p.sharing.outbound.resolver;
      providerSub = (await w.api(w.provider, 'POST', '/api/ldop/subsystems', { code: 'csdl-noi-bo', name: 'CSDL nội bộ' })).json().id as string;
    });
    after(async () => {
      for (const s of servers) s.close();
      await p.close();
    });

    const restService = (code: string, upstreamUrl: string) => w.api(w.provider, 'POST', '/api/ldop/services', {
      subsystemId: providerSub, code, kind: 'rest', title: `Dịch vụ ${code}`, upstreamUrl, upstreamFormat: 'json', fields: [{ name: 'ma_xa' }, { name: 'ten' }],
    });
    /** A REST service at `url`, with an approved agreement for the consumer; returns its gateway path. */
    const agreed = async (code: string, url: string) => {
      const r = await restService(code, url);
      assert.equal(r.statusCode, 201, r.body);
      const id = await requestAgreement(w, { serviceId: r.json().id, fields: ['ma_xa', 'ten'], clearFields: [], rowFilter: [] });
      assert.equal((await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {})).statusCode, 200);
      return r.json().path as string;
    };

    test('internal targets are refused at registration unless allow-listed: loopback, private, metadata, mapped and NAT64 forms, names resolving to them', async () => {
      const local = await server('127.0.0.1', (_q, res) => res.end('[{"ma_xa":"21553","ten":"nội bộ"}]'));
      servers.push(local.srv);
      const bad = [
        `http://127.0.0.1:${local.port}/`, `http://localhost:${local.port}/`, `http://localhost.:${local.port}/`, `http://[::1]:${local.port}/`,
        `http://[::ffff:127.0.0.1]:${local.port}/`, `http://0x7f000001:${local.port}/`, `http://2130706433:${local.port}/`, 'http://10.1.2.3/', 'http://172.16.0.1/',
        'http://192.168.1.1/', 'http://100.64.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://metadata.google.internal./', 'http://[fd00::1]/', 'http://[fe80::1]/',
        'http://0.0.0.0/', 'http://224.0.0.1/', 'http://[64:ff9b::7f00:1]/', 'http://[::7f00:1]/', 'http://khong-ton-tai.invalid/',
      ];
      for (const [i, url] of bad.entries()) {
        const r = await restService(`noi-bo-${i}`, url);
        assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
        assert.equal(r.json().code, 'VALIDATION_FAILED');
        assert.match(r.json().detail, /mạng nội bộ/);
      }
      assert.equal(local.hits(), 0);
      // The allow-listed internal service works end to end.
      const allowed = await server('127.0.0.2', (_q, res) => res.end('[{"ma_xa":"21553","ten":"được phép"}]'));
      servers.push(allowed.srv);
      const path = await agreed('noi-bo-duoc-phep', `http://127.0.0.2:${allowed.port}/x`);
      const r = await w.gw(path);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().rows, [{ ma_xa: '21553', ten: 'được phép' }]);
    });

    test('a name is resolved again at every call (DNS rebinding is refused) and the connection goes to the address that was checked', async () => {
      const internal = await server('127.0.0.1', (_q, res) => res.end('[{"ma_xa":"1","ten":"bí mật"}]'));
      const allowed = await server('127.0.0.2', (_q, res) => res.end('[{"ma_xa":"2","ten":"công khai"}]'));
      servers.push(internal.srv, allowed.srv);
      let answer = '93.184.216.34';
      let calls = 0;
      p.sharing.outbound.resolver = async (host) => {
        calls++;
        return host === 'dich-vu.so-nn-mt.example' ? [{ address: answer, family: 4 }] : systemResolver(host);
      };
      try {
        // Registered while the name pointed at a public address; then it points at loopback.
        const path = await agreed('doi-dia-chi', `http://dich-vu.so-nn-mt.example:${internal.port}/x`);
        answer = '127.0.0.1';
        const r = await w.gw(path);
        assert.equal(r.statusCode, 502, r.body);
        assert.equal(r.json().code, 'UPSTREAM_FAILED');
        assert.match(r.json().detail, /không được phép/);
        assert.equal(internal.hits(), 0, 'nothing reached the internal server');
        // Pinned: the name is looked up once per call, and the socket connects to that answer (no system DNS knows this name).
        answer = '127.0.0.2';
        const pinned = await agreed('ghim-dia-chi', `http://dich-vu.so-nn-mt.example:${allowed.port}/x`);
        calls = 0;
        const ok = await w.gw(pinned);
        assert.equal(ok.statusCode, 200, ok.body);
        assert.deepEqual(ok.json().rows, [{ ma_xa: '2', ten: 'công khai' }]);
        assert.equal(calls, 1);
      } finally {
        p.sharing.outbound.resolver = systemResolver;
      }
    });

    test('an upstream answer is cut at the size cap while it streams, not read whole', async () => {
      const total = 64 * 1024 * 1024;
      let sent = 0;
      let finished = false;
      const big = await server('127.0.0.2', (_q, res) => {
        res.setHeader('content-type', 'application/json');
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end('[]', () => (finished = true));
        };
        pump();
      });
      servers.push(big.srv);
      const path = await agreed('rat-lon', `http://127.0.0.2:${big.port}/big`);
      const r = await w.gw(path);
      assert.equal(r.statusCode, 502, r.body);
      assert.equal(r.json().code, 'UPSTREAM_FAILED');
      assert.match(r.json().detail, /quá lớn/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(finished, false, 'the connection was cut before the upstream finished');
      assert.ok(sent < total / 2, `sent ${sent} bytes of ${total}`);
    });

    test('a webhook to an internal address is refused at registration, and at delivery when its name has moved there', async () => {
      const receiver = await server('127.0.0.1', (_q, res) => res.end());
      servers.push(receiver.srv);
      const id = await requestAgreement(w, { fields: ['ma_xa', 'dien_tich'], clearFields: [], rowFilter: [] });
      assert.equal((await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {})).statusCode, 200);
      for (const url of [`http://127.0.0.1:${receiver.port}/hook`, `http://localhost:${receiver.port}/hook`, 'http://[::ffff:a9fe:a9fe]/', 'http://10.0.0.8/hook']) {
        const r = await w.api(w.consumer, 'POST', '/api/ldop/webhooks', { subsystemId: w.consumerSubsystemId, serviceId: w.serviceId, url });
        assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      }
      await p.jobs.drain(); // the dataset's earlier events, so that only the job below delivers
      let answer = '93.184.216.34';
      p.sharing.outbound.resolver = async (host) => (host === 'hook.so-y-te.example' ? [{ address: answer, family: 4 }] : systemResolver(host));
      try {
        const r = await w.api(w.consumer, 'POST', '/api/ldop/webhooks', { subsystemId: w.consumerSubsystemId, serviceId: w.serviceId, url: `http://hook.so-y-te.example:${receiver.port}/hook` });
        assert.equal(r.statusCode, 201, r.body);
        answer = '127.0.0.1';
        await p.jobs.enqueue('ldop:webhook', { webhookId: r.json().id, event: { id: 1, type: 'dataset.version.published', dataset: w.datasetSlug, version: 1 } }, { maxAttempts: 1 });
        await p.jobs.drain();
        const d = await w.api(w.consumer, 'GET', `/api/ldop/webhooks/${r.json().id}/deliveries`);
        assert.equal(d.json().length, 1, d.body);
        assert.match(d.json()[0].error, /^refused: .*loopback/);
        assert.equal(receiver.hits(), 0, 'nothing reached the internal receiver');
      } finally {
        p.sharing.outbound.resolver = systemResolver;
      }
    });

    test('four eyes: the steward who requested an agreement within their own agency cannot approve it; a second person can', async () => {
      const own = await w.api(w.provider, 'POST', '/api/ldop/subsystems', { code: 'nnmt-bao-cao', name: 'Hệ thống báo cáo nội bộ' });
      assert.equal(own.statusCode, 201, own.body);
      const req = await w.api(w.provider, 'POST', '/api/ldop/agreements', {
        consumerSubsystemId: own.json().id, serviceId: w.serviceId, fields: ['ma_ho', 'ho_ten', 'so_cccd'], clearFields: ['ho_ten', 'so_cccd'], rowFilter: [],
        purpose: 'Báo cáo nội bộ', legalBasis: 'Quy chế nội bộ', validFrom: new Date().toISOString(), validTo: new Date(Date.now() + 86400_000).toISOString(), dailyRowLimit: 100,
      });
      assert.equal(req.statusCode, 201, req.body);
      let r = await w.api(w.provider, 'POST', `/api/ldop/agreements/${req.json().id}/approve`, {});
      assert.equal(r.statusCode, 403, r.body);
      assert.equal(r.json().code, 'FORBIDDEN');
      assert.match(r.json().detail, /bốn mắt/);
      r = await w.api(w.admin, 'POST', '/api/users', { username: 'nnmt-o-2', displayName: 'Người thứ hai', orgId: 'so-nn-mt', role: 'steward', password: 'mat-khau-thu-nghiem-123' });
      assert.equal(r.statusCode, 201, r.body);
      const second = await p.login('nnmt-o-2', 'mat-khau-thu-nghiem-123');
      r = await w.api(second, 'POST', `/api/ldop/agreements/${req.json().id}/approve`, {});
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().status, 'active');
    });
  });
}
