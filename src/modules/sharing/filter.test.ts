/**
 * Fuzz of the gateway's filter and cursor grammar. Pure: parsing never throws anything but a
 * VALIDATION_FAILED AppError, and what it accepts round-trips. Through the gateway: whatever is sent
 * as filter, sort, limit or cursor, the answer is never a 5xx, every refusal is problem+json with a
 * catalogue code, and no masked or unagreed value ever appears.
 * Deterministic: rerun a failure with PROVDATA_FUZZ_SEED=<seed>.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ERROR_CATALOGUE } from '../../core/errors.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { ldopWorld, requestAgreement, type Ldop } from './fixture.test.js';
import { GATEWAY_OPS, parseFilters, parseSort, splitList } from './filter.js';

const SEED = Number(process.env.PROVDATA_FUZZ_SEED ?? 20260901) >>> 0;
const CASES = Number(process.env.PROVDATA_FUZZ_CASES ?? 300);

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const PIECES = [
  'ma_xa', 'ma_ho', 'dien_tich', 'so_cccd', 'ho_ten', 'so_dien_thoai', 'ten_xa', '_line', '_id', 'MA_XA', 'ma xa', '', ':', '::', ',', '\\', '\\,', '\\\\', '%', '_',
  ...GATEWAY_OPS, 'EQ', 'like', 'between', '21553', '21553,21583', '1.5', '-1', '1e309', 'NaN', 'true', 'null', "' OR 1=1 --", '"; DROP TABLE users; --', ')', '(',
  '$1', '::text', 'ma_xa)::text', 'Đắk Đoa', '\u202e', '\ud800', '𝔘', 'x'.repeat(70), '0'.repeat(30), '9'.repeat(20), '2025-02-30', '2025-01-01',
];
const CURSORS = ['', 'a', '!!!', 'eyJ2IjoxfQ', 'eyJ2IjoxLCJ2ZXIiOjEsImsiOltdLCJpZCI6IjEiLCJmIjoiQUFBQUFBQUFBQUFBQUFBQUFBQUFBQSJ9', "' OR 1=1--", 'x'.repeat(20000), '%00', 'null'];

function randomText(r: ReturnType<typeof prng>): string {
  const n = 1 + r.int(5);
  let s = '';
  for (let i = 0; i < n; i++) s += r.pick(PIECES) + (r.next() < 0.5 ? ':' : '');
  return s;
}

describe('filter grammar (pure)', () => {
  test(`parsing random filters throws only VALIDATION_FAILED (seed ${SEED})`, () => {
    const r = prng(SEED);
    for (let i = 0; i < CASES * 10; i++) {
      const f = randomText(r);
      try {
        const parsed = parseFilters(r.next() < 0.2 ? [f, randomText(r)] : f);
        for (const x of parsed) {
          assert.match(x.column, /^[a-z][a-z0-9_]{0,62}$/);
          assert.ok((GATEWAY_OPS as readonly string[]).includes(x.op));
        }
      } catch (e) {
        assert.ok(e instanceof AppError && e.code === 'VALIDATION_FAILED', `${JSON.stringify(f)} → ${String(e)}`);
      }
      try {
        parseSort(f);
      } catch (e) {
        assert.ok(e instanceof AppError && e.code === 'VALIDATION_FAILED');
      }
    }
  });

  test('an escaped list round-trips, and colons stay in values', () => {
    const r = prng(SEED + 1);
    for (let i = 0; i < CASES; i++) {
      const items = Array.from({ length: 1 + r.int(5) }, () => r.pick(PIECES));
      const encoded = items.map((x) => x.replace(/\\/g, '\\\\').replace(/,/g, '\\,')).join(',');
      assert.deepEqual(splitList(encoded), items.map((x) => x.normalize('NFC') === x ? x : x));
      const [f] = parseFilters(`ma_xa:in:${encoded}`);
      assert.deepEqual(f!.value, items.map((x) => x.normalize('NFC')));
    }
    assert.deepEqual(parseFilters('ten_xa:eq:a:b:c'), [{ column: 'ten_xa', op: 'eq', value: 'a:b:c' }]);
    assert.deepEqual(parseFilters('ten_xa:isNull'), [{ column: 'ten_xa', op: 'isNull' }]);
  });
});

for (const engine of engines()) {
  describe(`gateway filter and cursor fuzz (${engine})`, () => {
    let p: TestPlatform;
    let w: Ldop;
    before(async () => {
      p = await testPlatform(engine);
      w = await ldopWorld(p, 'f');
      const id = await requestAgreement(w, { fields: ['ma_ho', 'ma_xa', 'ho_ten', 'so_dien_thoai', 'dien_tich'], clearFields: [], dailyRowLimit: 1_000_000 });
      await w.api(w.provider, 'POST', `/api/ldop/agreements/${id}/approve`, {});
      await w.api(w.admin, 'PATCH', `/api/ldop/subsystems/${w.consumerSubsystemId}`, { rateLimitPerMinute: 1_000_000 });
    });
    after(() => p.close());

    test(`random filter/sort/limit/cursor never yields a 5xx or a leak (seed ${SEED})`, async () => {
      const r = prng(SEED + 2);
      const codes = new Set(Object.keys(ERROR_CATALOGUE));
      const seen = new Map<number, number>();
      const valid = await w.gw(`${w.servicePath}?limit=1`);
      const realCursor = valid.json().nextCursor as string;
      for (let i = 0; i < CASES; i++) {
        const qs = new URLSearchParams();
        const n = r.int(4);
        for (let k = 0; k < n; k++) qs.append('filter', randomText(r));
        if (r.next() < 0.3) qs.set('sort', randomText(r));
        if (r.next() < 0.3) qs.set('limit', r.pick(['0', '1', '1000', '1001', '-5', '1e3', 'abc', '99999999999999999999', '2.5']));
        if (r.next() < 0.3) {
          const c = r.next() < 0.5 ? r.pick(CURSORS) : realCursor.slice(0, r.int(realCursor.length)) + r.pick(['A', '_', '-', '']) + realCursor.slice(r.int(realCursor.length));
          qs.set('cursor', c);
        }
        const res = await w.gw(`${w.servicePath}?${qs.toString()}`);
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        assert.ok(res.statusCode < 500, `${qs.toString()} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        assert.doesNotMatch(res.body, /052090|Nguyễn Văn|0912345678|SELECT|syntax error|at .*\.ts:/, qs.toString());
        if (res.statusCode >= 400) {
          assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
          assert.ok(codes.has(res.json().code), res.body);
        }
        assert.ok(Number(res.headers['x-ldop-message-id']) > 0, 'every call is logged');
      }
      assert.ok((seen.get(200) ?? 0) > 0 && (seen.get(400) ?? 0) > 0, JSON.stringify([...seen]));
      const v = await p.sharing.log.verify();
      assert.equal(v.ok, true, JSON.stringify(v));
    });
  });
}
