import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { isOverdue, strategyData } from './strategy.js';
import { StrategyService } from './strategy-service.js';

type Headers = Record<string, string>;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SEED = path.join(ROOT, '..', 'shared', 'seed', '000_ee2c3a6c078c375b.txt');

describe('the strategy as data', () => {
  const d = strategyData();

  test('holds every row of the four appendices, each code once', () => {
    assert.equal(d.targets.length, 26);
    assert.equal(d.tasks.length, 32);
    assert.equal(d.databases.length, 14);
    // The issue counts 10 projects; Appendix 4 of the seed lists 11.
    assert.equal(d.projects.length, 11);
    for (const rows of [d.targets, d.tasks, d.databases, d.projects]) {
      const codes = rows.map((r) => r.code);
      assert.equal(new Set(codes).size, codes.length);
      assert.deepEqual(rows.map((r) => r.ordinal), rows.map((_, i) => i + 1));
    }
    assert.deepEqual(d.targets.map((t) => t.code), [
      'A.1', 'A.2', 'A.3', 'A.6', 'A.7', 'A.8', 'A.9', 'B.1', 'B.2', 'B.3', 'B.4', 'B5',
      'C.1', 'C.2', 'C.3', 'C.4', 'C.5', 'C.6', 'C.7', 'C.8', 'C.9', 'C.10', 'C.11', 'C.12', 'F.1', 'F.2',
    ]);
    assert.deepEqual([...new Set(d.targets.map((t) => t.group))], ['A', 'B', 'C', 'D']);
  });

  test('keeps the Vietnamese text exactly as written, joining only cells cut by a page break', () => {
    const a3 = d.targets.find((t) => t.code === 'A.3')!;
    assert.equal(a3.name, 'Giám sát chỉ tiêu KT-XH');
    assert.equal(a3.goal2026_2027, 'Tỷ lệ 80% chỉ tiêu phát triển KT-XH được giám sát, cập nhật theo thời gian thực hoặc định kỳ từ các nguồn dữ liệu số.');
    assert.equal(a3.goal2028_2030, 'Đạt 100% chỉ tiêu KT-XH trọng yếu được giám sát.');
    assert.equal(a3.monitoringAgency, 'Văn phòng UBND tỉnh');
    // B.2's first goal runs over a page break.
    assert.match(d.targets.find((t) => t.code === 'B.2')!.goal2026_2027!, /Nông nghiệp \(OCOP, nông nghiệp công nghệ cao\), Lao động \(cung cầu lao động, nhu cầu các ngành\)$/);
    assert.equal(d.targets.find((t) => t.code === 'F.1')!.groupName, 'An toàn, An ninh Dữ liệu');
    assert.equal(d.targets.find((t) => t.code === 'B.1')!.name, 'Phát triển Công Dữ liệu mở'); // sic
    const nv22 = d.tasks.find((t) => t.code === 'NV 2.2')!;
    assert.equal(nv22.name, 'Xây dựng và vận hành Trung tâm điều hành thông minh (IOC)');
    assert.equal(nv22.leadAgency, 'Sở Khoa học và Công nghệ');
    assert.equal(nv22.deadline, '2026');
    assert.equal(nv22.dueDate, '2026-09-30', 'the output names Quý III/2026');
    assert.equal(d.tasks.find((t) => t.code === 'NV 2.5')!.deadline,
      '+ 2026 - 2027: Xây dựng mô hình kiến trúc, dữ liệu Bản sao số cấp tỉnh; xây dựng Nền tăng lỗi Bản sao số tỉnh + 2027-2028: Thí điểm 05 phường, xã + 2030: Hoàn thiện.');
    assert.equal(d.tasks.find((t) => t.code === 'NV 5.6')!.dueDate, null, 'a yearly duty has no due date');
    assert.equal(d.databases[1]!.name, 'CSDL Du lịch thông minh và Kinh tế Di sản');
    assert.equal(d.projects[10]!.leadAgency, 'Văn phòng UBND tỉnh');
    const all = JSON.stringify(d);
    assert.equal(all, all.normalize('NFC'));
    assert.ok(!/\t|\n/.test(all), 'no layout breaks left');
    for (const t of d.targets) assert.ok(t.nameEn && t.groupNameEn, t.code);
    for (const t of d.tasks) assert.ok(t.nameEn && t.groupNameEn, t.code);
  });

  test('is what the transcription script makes of the seed text today', { skip: !existsSync(SEED) && 'the seed text is not beside this checkout' }, () => {
    const out = path.join(tmpdir(), `strategy-${process.pid}.json`);
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'strategy-seed.mjs'), SEED, out]);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), d);
  });

  test('an item is overdue from the day after its due date (Vietnam time) until completed', () => {
    assert.equal(isOverdue('2026-09-30', 'in_progress', new Date('2026-09-30T16:59:59Z')), false);
    assert.equal(isOverdue('2026-09-30', 'in_progress', new Date('2026-09-30T17:00:00Z')), true);
    assert.equal(isOverdue('2026-09-30', 'completed', new Date('2027-01-01T00:00:00Z')), false);
    assert.equal(isOverdue(null, 'not_started', new Date('2040-01-01T00:00:00Z')), false);
  });
});

for (const engine of engines()) {
  describe(`strategy monitoring API (${engine})`, () => {
    let p: TestPlatform;
    let admin: Headers;
    let khcn: Headers;
    let yte: Headers;
    let viewer: Headers;

    const login = async (username?: string): Promise<Headers> => {
      const { cookie, csrf } = await p.login(username, username && `${username}-password-1`);
      return { cookie, 'x-csrf-token': csrf };
    };
    const call = (headers: Headers, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) =>
      p.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

    before(async () => {
      p = await testPlatform(engine);
      admin = await login();
      for (const [username, orgId, role] of [['khcn-steward', 'so-khcn', 'steward'], ['yte-leader', 'so-y-te', 'leader'], ['khcn-viewer', 'so-khcn', 'viewer']] as const) {
        await p.org.createUser(SYSTEM, { username, displayName: username, orgId, role, password: `${username}-password-1` });
      }
      khcn = await login('khcn-steward');
      yte = await login('yte-leader');
      viewer = await login('khcn-viewer');
    });
    after(() => p.close());

    test('GET /api/strategy/targets serves the 26 targets with the seed\'s text to anyone, not started', async () => {
      const r = await p.app.inject({ method: 'GET', url: '/api/strategy/targets' });
      assert.equal(r.statusCode, 200, r.body);
      const targets = r.json() as { code: string; goal2026_2027: string | null; status: string; progress: number; overdue: boolean; dueDate: string }[];
      assert.equal(targets.length, 26);
      const a3 = targets.find((t) => t.code === 'A.3')!;
      assert.equal(a3.goal2026_2027, 'Tỷ lệ 80% chỉ tiêu phát triển KT-XH được giám sát, cập nhật theo thời gian thực hoặc định kỳ từ các nguồn dữ liệu số.');
      assert.equal(a3.status, 'not_started');
      assert.equal(a3.progress, 0);
      assert.equal(a3.dueDate, '2027-12-31');
      for (const [url, n] of [['/api/strategy/tasks', 32], ['/api/strategy/databases', 14], ['/api/strategy/projects', 11]] as const) {
        const list = await p.app.inject({ method: 'GET', url });
        assert.equal(list.statusCode, 200);
        assert.equal((list.json() as unknown[]).length, n, url);
      }
      const one = await p.app.inject({ method: 'GET', url: '/api/strategy/tasks/nv2.2' });
      assert.equal(one.statusCode, 200, 'codes match without spaces or case');
      assert.equal(one.json().code, 'NV 2.2');
    });

    test('a task past its due date and not completed shows as overdue, first in the summary', async () => {
      const atQ4 = new StrategyService(p.db, () => new Date('2026-10-01T00:00:00+07:00'));
      const tasks = await atQ4.list('task');
      assert.deepEqual(tasks.filter((t) => t.overdue).map((t) => t.code), ['NV 2.2'], 'only the IOC, due Q3/2026');
      const summary = await atQ4.summary();
      assert.equal(summary.tasks.overdue, 1);
      assert.deepEqual(summary.overdue[0], { kind: 'task', code: 'NV 2.2', dueDate: '2026-09-30' });
      assert.deepEqual(summary.groups.map((g) => [g.group, g.targets]), [['A', 7], ['B', 5], ['C', 12], ['D', 2]]);
      const in2027 = new StrategyService(p.db, () => new Date('2027-01-02T00:00:00+07:00'));
      assert.ok((await in2027.list('task')).filter((t) => t.overdue).length > 10, 'the 2026 tasks are late in 2027');
    });

    test('the monitoring agency reports progress with evidence; the history keeps it and the write is audited', async () => {
      const r = await call(khcn, 'POST', '/api/strategy/tasks/NV%202.2/updates', {
        status: 'completed', comment: 'IOC đã vận hành, liên thông các CSDL chuyên ngành', evidence: [{ title: 'Quyết định đưa IOC vào vận hành', url: 'https://gialai.gov.vn/ioc' }],
      });
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.json().progress, 100, 'completed is 100 %');
      const atQ4 = new StrategyService(p.db, () => new Date('2026-10-01T00:00:00+07:00'));
      const nv22 = await atQ4.get('task', 'NV 2.2');
      assert.deepEqual([nv22.status, nv22.progress, nv22.overdue], ['completed', 100, false]);

      assert.equal((await call(khcn, 'POST', '/api/strategy/targets/B.1/updates', { progress: 35, comment: 'Đã công bố 35 bộ' })).statusCode, 201);
      const b1 = (await p.app.inject({ method: 'GET', url: '/api/strategy/targets/B.1' })).json();
      assert.deepEqual([b1.status, b1.progress], ['in_progress', 35], 'progress above zero starts the item');

      const history = await call(viewer, 'GET', '/api/strategy/tasks/NV%202.2/history');
      assert.equal(history.statusCode, 200);
      assert.equal(history.json()[0].evidence[0].title, 'Quyết định đưa IOC vào vận hành');
      assert.equal(history.json()[0].actorOrg, 'so-khcn');
      assert.equal((await p.app.inject({ method: 'GET', url: '/api/strategy/tasks/NV%202.2/history' })).statusCode, 401, 'who reported what is not public');

      const audit = await p.db.query<{ outcome: string }>("SELECT outcome FROM audit_log WHERE action = 'POST /api/strategy/tasks/:code/updates' ORDER BY id DESC LIMIT 1");
      assert.equal(audit.rows.length, 1);
    });

    test('another agency, a viewer or an anonymous caller cannot report; an administrator can', async () => {
      const denied = await call(yte, 'POST', '/api/strategy/tasks/NV%202.3/updates', { progress: 10 });
      assert.equal(denied.statusCode, 403);
      assert.match(denied.headers['content-type'] as string, /problem\+json/);
      assert.match(denied.json().detail, /Chỉ cơ quan chủ trì theo dõi/);
      assert.equal((await call(viewer, 'POST', '/api/strategy/tasks/NV%202.3/updates', { progress: 10 })).statusCode, 403);
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/strategy/tasks/NV%202.3/updates', payload: { progress: 10 } })).statusCode, 401);
      // The Steering Committee's items are reported by its standing body (Provincial Police) or an administrator.
      assert.equal((await call(khcn, 'POST', '/api/strategy/targets/A.1/updates', { progress: 10 })).statusCode, 403);
      assert.equal((await call(admin, 'POST', '/api/strategy/targets/A.1/updates', { progress: 10 })).statusCode, 201);
    });

    test('bad reports get problem+json in Vietnamese, never a wrong state', async () => {
      const inconsistent = await call(khcn, 'POST', '/api/strategy/tasks/NV%202.3/updates', { status: 'completed', progress: 50 });
      assert.equal(inconsistent.statusCode, 400);
      assert.equal(inconsistent.json().code, 'VALIDATION_FAILED');
      assert.match(inconsistent.json().detail, /hoàn thành” đi cùng tiến độ 100%/);
      assert.equal((await call(khcn, 'POST', '/api/strategy/tasks/NV%202.3/updates', { progress: 101 })).statusCode, 400);
      assert.equal((await call(khcn, 'POST', '/api/strategy/tasks/NV%202.3/updates', {})).json().code, 'VALIDATION_FAILED');
      assert.equal((await call(khcn, 'POST', '/api/strategy/tasks/NV%202.3/updates', { evidence: [{ title: 'x', url: 'javascript:alert(1)' }] })).statusCode, 400);
      const unknown = await p.app.inject({ method: 'GET', url: '/api/strategy/tasks/NV%209.9' });
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.json().detail, /Không có nhiệm vụ mã “NV 9.9”/);
      const nv23 = (await p.app.inject({ method: 'GET', url: '/api/strategy/tasks/NV%202.3' })).json();
      assert.deepEqual([nv23.status, nv23.progress], ['not_started', 0], 'nothing was recorded by the refused reports');
    });
  });
}
