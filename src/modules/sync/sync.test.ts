import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { compileMapping, mappingProblems } from './mapping.js';

type Headers = Record<string, string>;

describe('connector mappings', () => {
  const columns = [{ name: 'ma_xa', type: 'text' }, { name: 'dan_so', type: 'integer' }, { name: 'ngay', type: 'date' }, { name: 'co_cho', type: 'boolean' }];

  test('a mapping is refused with one Vietnamese reason per problem, naming the field', () => {
    const problems = mappingProblems({
      fields: [
        { target: 'maXa', source: 'ma_xa_sai' },
        { target: 'maXa', constant: '52' },
        { target: 'danSo', source: 'dan_so', constant: 1 },
        { target: 'ngay', source: 'dan_so', type: 'date' },
        { target: 'tinh', constant: 'abc', type: 'integer' },
        { target: 'coCho', source: 'co_cho', format: 'DD/MM/YYYY' },
        { target: 'x', source: 'ma_xa', onUnmapped: 'error' },
        { target: 'bad name!' , source: 'ma_xa' },
      ],
    }, columns);
    const messages = problems.map((p) => `${p.field}: ${p.message}`).join('\n');
    assert.match(messages, /fields\[0\]\.source: .*cột nguồn “ma_xa_sai” không có trong tập dữ liệu/);
    assert.match(messages, /fields\[1\]\.target: Trường đích “maXa” bị khai báo hai lần/);
    assert.match(messages, /fields\[2\]: .*không được cả hai/);
    assert.match(messages, /fields\[3\]\.type: .*không chuyển được cột “dan_so” kiểu integer sang kiểu ngày/);
    assert.match(messages, /fields\[4\]\.constant: .*hằng số "abc" không chuyển được sang kiểu số nguyên/);
    assert.match(messages, /fields\[5\]\.format: .*định dạng ngày chỉ dùng khi type là "date"/);
    assert.match(messages, /fields\[6\]\.onUnmapped: /);
    assert.match(messages, /fields\[7\]\.target: Tên trường đích/);
    assert.deepEqual(mappingProblems({ fields: [{ target: 'maXa', source: 'ma_xa', required: true }] }, columns), []);
  });

  test('rename, constant, code translation, type conversion, date format and required apply in that order', () => {
    const map = compileMapping({
      fields: [
        { target: 'maXa', source: 'ma_xa', required: true },
        { target: 'maTinh', constant: '52' },
        { target: 'danSo', source: 'dan_so', type: 'string' },
        { target: 'ngay', source: 'ngay', type: 'date', format: 'DD/MM/YYYY' },
        { target: 'coCho', source: 'co_cho', values: { true: 'C', false: 'K' } },
        { target: 'loai', source: 'loai', values: { A: 1 }, onUnmapped: 'error', default: 'A' },
      ],
    });
    assert.deepEqual(map({ ma_xa: '21553', dan_so: 45678, ngay: '2025-07-01', co_cho: true, loai: null }).record, {
      maXa: '21553', maTinh: '52', danSo: '45678', ngay: '01/07/2025', coCho: 'C', loai: 1,
    });
    const bad = map({ ma_xa: '', dan_so: 1, ngay: '2025-02-31', co_cho: false, loai: 'Z' });
    assert.deepEqual(bad.problems, [
      'trường “maXa” là bắt buộc nhưng trống',
      'trường “ngay”: giá trị "2025-02-31" không chuyển được sang kiểu ngày',
      'trường “loai”: mã "Z" không có trong bảng chuyển mã',
    ]);
  });
});

for (const engine of engines()) {
  describe(`national sync API (${engine})`, () => {
    let p: TestPlatform;
    let admin: Headers;
    let steward: Headers;
    let otherSteward: Headers;
    let viewer: Headers;
    let datasetId: string;

    const login = async (username: string, password: string): Promise<Headers> => {
      const r = await p.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
      assert.equal(r.statusCode, 200, r.body);
      return { cookie: String(r.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': (r.json() as { csrfToken: string }).csrfToken };
    };
    const call = (headers: Headers, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
      p.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

    before(async () => {
      p = await testPlatform(engine);
      const { cookie, csrf } = await p.login();
      admin = { cookie, 'x-csrf-token': csrf };
      for (const [username, orgId, role] of [['yte-steward', 'so-y-te', 'steward'], ['tc-steward', 'so-tai-chinh', 'steward'], ['yte-viewer', 'so-y-te', 'viewer']] as const) {
        await p.org.createUser(SYSTEM, { username, displayName: username, orgId, role, password: `${username}-password-1` });
      }
      steward = await login('yte-steward', 'yte-steward-password-1');
      otherSteward = await login('tc-steward', 'tc-steward-password-1');
      viewer = await login('yte-viewer', 'yte-viewer-password-1');
      const ds = await p.catalog.createDataset(SYSTEM, {
        slug: 'co-so-kham-benh', title: 'Cơ sở khám bệnh', publisherOrgId: 'so-y-te', access: 'shared',
        columns: [
          { name: 'ma_co_so', title: 'Mã cơ sở', type: 'text', elementCode: null, required: true, key: true, unit: null, codeList: null, rules: {} },
          { name: 'so_giuong', title: 'Số giường', type: 'integer', elementCode: null, required: false, key: false, unit: null, codeList: null, rules: {} },
        ],
      });
      datasetId = ds.id;
    });
    after(() => p.close());

    test('the 13 key national databases are seeded as disabled targets with their names', async () => {
      const r = await call(admin, 'GET', '/api/sync/targets');
      assert.equal(r.statusCode, 200);
      const targets = r.json() as { code: string; name: string; enabled: boolean; hasToken: boolean }[];
      assert.equal(targets.length, 13);
      assert.ok(targets.every((t) => !t.enabled && !t.hasToken));
      for (const n of ['Đất đai', 'Tài chính', 'Giáo dục và Đào tạo', 'Hộ tịch điện tử', 'Y tế', 'Hóa chất', 'Hoạt động xây dựng', 'Kiểm soát tài sản, thu nhập',
        'Xử lý vi phạm hành chính', 'Nông nghiệp', 'An sinh xã hội', 'Tổ chức Đảng, đảng viên, cán bộ, công chức, viên chức', 'Bản án, quyết định của Tòa án']) {
        assert.ok(targets.some((t) => t.name.includes(n)), n);
      }
    });

    test('a target is configured by an administrator only, and its token is never returned', async () => {
      const token = 'secret-token-for-y-te-0123456789';
      assert.equal((await call(admin, 'PUT', '/api/sync/targets/y-te', { enabled: true })).statusCode, 400, 'no URL, cannot enable');
      const r = await call(admin, 'PUT', '/api/sync/targets/y-te', { baseUrl: 'http://127.0.0.1:9/', token, batchSize: 100, timeoutMs: 500, enabled: true });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().hasToken, true);
      assert.ok(!r.body.includes(token));
      assert.ok(!(await call(admin, 'GET', '/api/sync/targets/y-te')).body.includes(token));
      assert.ok(!(await call(admin, 'GET', '/api/sync/targets')).body.includes(token));
      // At rest the token is sealed (AES-256-GCM): a database dump does not hold it; the service reads it back.
      const stored = (await p.db.query<{ auth_token: string }>("SELECT auth_token FROM sync_targets WHERE code = 'y-te'")).rows[0]!.auth_token;
      assert.match(stored, /^sealed:v1:/);
      assert.ok(!stored.includes(token));
      assert.equal((await p.sync.getTarget(SYSTEM, 'y-te')).token, token);
      // A token written before sealing existed is read as it is, and sealed at the next start.
      await p.db.query("UPDATE sync_targets SET auth_token = 'legacy-plain-token' WHERE code = 'y-te'");
      assert.equal((await p.sync.getTarget(SYSTEM, 'y-te')).token, 'legacy-plain-token');
      assert.equal(await p.sync.sealLegacyTokens(), 1);
      assert.equal(await p.sync.sealLegacyTokens(), 0);
      assert.match((await p.db.query<{ auth_token: string }>("SELECT auth_token FROM sync_targets WHERE code = 'y-te'")).rows[0]!.auth_token, /^sealed:v1:/);
      assert.equal((await p.sync.getTarget(SYSTEM, 'y-te')).token, 'legacy-plain-token');
      assert.equal((await call(admin, 'PUT', '/api/sync/targets/y-te', { baseUrl: 'ftp://x.example/' })).statusCode, 400);
      assert.equal((await call(admin, 'PUT', '/api/sync/targets/y-te', { baseUrl: 'https://user:pw@x.example/' })).statusCode, 400);
      // Stewards and viewers cannot see or change targets; anonymous callers are asked to log in.
      assert.equal((await call(steward, 'GET', '/api/sync/targets')).statusCode, 403);
      assert.equal((await call(steward, 'PUT', '/api/sync/targets/y-te', { enabled: false })).statusCode, 403);
      assert.equal((await call(viewer, 'GET', '/api/sync/targets')).statusCode, 403);
      assert.equal((await p.app.inject({ url: '/api/sync/targets' })).statusCode, 401);
      assert.equal((await call(admin, 'GET', '/api/sync/targets/khong-co')).statusCode, 404);
    });

    test('connectors are created by the dataset’s stewards with a validated mapping; others are refused', async () => {
      const mapping = { fields: [{ target: 'maCoSo', source: 'ma_co_so', required: true }, { target: 'soGiuong', source: 'so_giuong', type: 'integer' }] };
      const bad = await call(steward, 'POST', '/api/sync/connectors', { dataset: 'co-so-kham-benh', target: 'y-te', mapping: { fields: [{ target: 'maCoSo', source: 'khong_co' }] } });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().detail, /Ánh xạ không hợp lệ: .*cột nguồn “khong_co” không có trong tập dữ liệu/);
      assert.equal(bad.json().errors[0].field, 'mapping.fields[0].source');
      assert.equal((await call(otherSteward, 'POST', '/api/sync/connectors', { dataset: 'co-so-kham-benh', target: 'y-te', mapping })).statusCode, 403);
      assert.equal((await call(viewer, 'POST', '/api/sync/connectors', { dataset: 'co-so-kham-benh', target: 'y-te', mapping })).statusCode, 403);
      assert.equal((await call(steward, 'POST', '/api/sync/connectors', { dataset: 'co-so-kham-benh', target: 'khong-co', mapping })).statusCode, 404);
      const ok = await call(steward, 'POST', '/api/sync/connectors', { dataset: 'co-so-kham-benh', target: 'y-te', mapping });
      assert.equal(ok.statusCode, 201, ok.body);
      const id = ok.json().id as string;
      assert.equal(ok.json().datasetId, datasetId);
      assert.equal((await call(steward, 'POST', '/api/sync/connectors', { dataset: 'co-so-kham-benh', target: 'y-te', mapping })).statusCode, 409);

      // Reading and changing: the publisher's stewards and administrators; not another agency's steward.
      assert.equal((await call(steward, 'GET', `/api/sync/connectors/${id}`)).statusCode, 200);
      assert.equal((await call(otherSteward, 'GET', `/api/sync/connectors/${id}`)).statusCode, 403);
      assert.deepEqual((await call(otherSteward, 'GET', '/api/sync/connectors')).json(), []);
      assert.equal((await call(steward, 'GET', '/api/sync/connectors')).json().length, 1);
      assert.equal((await call(otherSteward, 'PATCH', `/api/sync/connectors/${id}`, { enabled: false })).statusCode, 403);
      assert.equal((await call(otherSteward, 'GET', `/api/sync/connectors/${id}/reconciliation`)).statusCode, 403);
      assert.equal((await call(viewer, 'GET', '/api/sync/dead-letters')).statusCode, 403);
      assert.equal((await call(steward, 'GET', '/api/sync/status')).statusCode, 403);
      const patched = await call(steward, 'PATCH', `/api/sync/connectors/${id}`, { mapping: { fields: [{ target: 'soGiuong', source: 'so_giuong', type: 'date' }] } });
      assert.equal(patched.statusCode, 400);
      assert.match(patched.json().detail, /không chuyển được cột “so_giuong” kiểu integer sang kiểu ngày/);
      // No version yet: nothing to push, no run to reconcile.
      assert.equal((await call(steward, 'POST', `/api/sync/connectors/${id}/push`, {})).statusCode, 409);
      assert.equal((await call(steward, 'GET', `/api/sync/connectors/${id}/reconciliation`)).statusCode, 404);
      const status = (await call(admin, 'GET', '/api/sync/status')).json() as { code: string; connectors: number; enabled: boolean }[];
      assert.deepEqual(status.find((s) => s.code === 'y-te'), { ...status.find((s) => s.code === 'y-te'), connectors: 1, enabled: true });
      assert.equal((await call(otherSteward, 'DELETE', `/api/sync/connectors/${id}`)).statusCode, 403);
      assert.equal((await call(steward, 'DELETE', `/api/sync/connectors/${id}`)).statusCode, 204);
      assert.equal((await call(steward, 'GET', `/api/sync/connectors/${id}`)).statusCode, 404);
    });
  });
}
