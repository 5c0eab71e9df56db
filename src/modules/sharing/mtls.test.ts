/**
 * Mutual TLS: a subsystem may authenticate with a registered client certificate instead of a key.
 * A real HTTPS server with TLS client authentication serves the app; certificates are made with the
 * openssl CLI. Only the TLS handshake can present a certificate — no header can.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';
import { ldopTlsServer } from './index.js';

function makeCert(dir: string, name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

function get(port: number, url: string, client: { key: string; cert: string } | null, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, method: 'GET', rejectUnauthorized: false, headers, ...(client ?? {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const engine of engines()) {
  describe(`LDOP mutual TLS (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    let server: Server;
    let port: number;
    let dir: string;
    let mine: { key: string; cert: string };
    let other: { key: string; cert: string };
    let stranger: { key: string; cert: string };
    before(async () => {
      p = await testPlatform(engine);
      w = await ldopWorld(p, 'm');
      dir = mkdtempSync(path.join(tmpdir(), 'ldop-mtls-'));
      const serverCert = makeCert(dir, 'localhost');
      mine = makeCert(dir, 'yte-he-thong');
      other = makeCert(dir, 'yte-he-thong-khac');
      stranger = makeCert(dir, 'khong-dang-ky');
      let r = await w.api(w.consumer, 'POST', `/api/ldop/subsystems/${w.consumerSubsystemId}/certificates`, { pem: mine.cert });
      assert.equal(r.statusCode, 201, r.body);
      const otherSub = await w.api(w.consumer, 'POST', '/api/ldop/subsystems', { code: 'yte-khac', name: 'Hệ thống khác' });
      r = await w.api(w.consumer, 'POST', `/api/ldop/subsystems/${otherSub.json().id}/certificates`, { pem: other.cert });
      assert.equal(r.statusCode, 201, r.body);
      const id = await requestAgreement(w, { fields: ['ma_ho', 'ma_xa'], clearFields: [], rowFilter: [] });
      assert.equal((await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {})).statusCode, 200);
      await p.app.ready();
      server = ldopTlsServer(p.app, serverCert);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
      await p.close();
    });

    test('the registered client certificate authenticates its subsystem without a key', async () => {
      const r = await get(port, `${w.servicePath}?sort=ma_ho&limit=2`, mine);
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body).rows, [{ ma_ho: 'H001', ma_xa: '21553' }, { ma_ho: 'H002', ma_xa: '21553' }]);
    });

    test('a certificate of another subsystem is refused (no agreement), an unregistered one is unknown, none is unauthenticated', async () => {
      let r = await get(port, w.servicePath, other);
      assert.equal(r.status, 403, r.body);
      assert.equal(JSON.parse(r.body).code, 'AGREEMENT_REQUIRED');
      assert.doesNotMatch(r.body, /H001|21553/);
      r = await get(port, w.servicePath, stranger);
      assert.equal(r.status, 401, r.body);
      assert.equal(JSON.parse(r.body).code, 'INVALID_SUBSYSTEM_CREDENTIAL');
      r = await get(port, w.servicePath, null);
      assert.equal(r.status, 401, r.body);
      assert.equal(JSON.parse(r.body).code, 'UNAUTHENTICATED');
    });

    test('no header can stand in for the certificate', async () => {
      const fp = (await p.db.query<{ fingerprint: string }>('SELECT fingerprint FROM ldop_certificates ORDER BY created_at LIMIT 1')).rows[0]!.fingerprint;
      const forged = { 'x-ssl-client-fingerprint': fp, 'x-client-cert': mine.cert.replace(/\n/g, ''), 'x-forwarded-client-cert': `Hash=${fp}` };
      const viaInject = await p.app.inject({ url: w.servicePath, headers: forged });
      assert.equal(viaInject.statusCode, 401, viaInject.body);
      const viaTls = await get(port, w.servicePath, null, forged);
      assert.equal(viaTls.status, 401, viaTls.body);
    });

    test('a revoked certificate stops working', async () => {
      const list = await w.api(w.consumer, 'GET', `/api/ldop/subsystems/${w.consumerSubsystemId}/certificates`);
      const certId = list.json()[0].id as string;
      assert.equal((await w.api(w.consumer, 'DELETE', `/api/ldop/subsystems/${w.consumerSubsystemId}/certificates/${certId}`)).statusCode, 204);
      const r = await get(port, w.servicePath, mine);
      assert.equal(r.status, 401, r.body);
    });
  });
}
