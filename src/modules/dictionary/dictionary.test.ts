import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SYSTEM } from '../../core/auth/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';

type Session = { cookie: string; csrf: string };
const h = (s: Session) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });

for (const engine of engines()) {
  describe(`data dictionary (${engine})`, () => {
    let p: TestPlatform;
    let admin: Session, steward: Session, otherSteward: Session, viewer: Session;
    before(async () => {
      p = await testPlatform(engine);
      const mk = (username: string, orgId: string, role: 'steward' | 'viewer') =>
        p.org.createUser(SYSTEM, { username, displayName: username, orgId, role, password: `${username}-password-1` });
      await mk('dict.steward', 'so-khcn', 'steward');
      await mk('dict.other', 'so-y-te', 'steward');
      await mk('dict.viewer', 'so-khcn', 'viewer');
      admin = await p.login();
      steward = await p.login('dict.steward', 'dict.steward-password-1');
      otherSteward = await p.login('dict.other', 'dict.other-password-1');
      viewer = await p.login('dict.viewer', 'dict.viewer-password-1');
    });
    after(() => p.close());

    test('matches headers to approved elements ignoring diacritics, case, spaces, underscores and remarks', async () => {
      const headers = ['Mã xã', 'MA_XA', 'ma xa', 'Ma Xa (code)', 'Commune code', 'Số CCCD', 'Họ và tên', 'HO TEN', 'Diện tích (km2)', 'Dân tộc', 'Kinh độ', 'cột lạ'];
      const m = await p.dictionary.matchHeaders(headers);
      assert.deepEqual(Object.fromEntries([...m].map(([k, e]) => [k, e.code])), {
        'Mã xã': 'ma_xa', MA_XA: 'ma_xa', 'ma xa': 'ma_xa', 'Ma Xa (code)': 'ma_xa', 'Commune code': 'ma_xa', 'Số CCCD': 'so_cccd',
        'Họ và tên': 'ho_ten', 'HO TEN': 'ho_ten', 'Diện tích (km2)': 'dien_tich_km2', 'Dân tộc': 'dan_toc', 'Kinh độ': 'kinh_do',
      });
      assert.equal(m.get('Mã xã')!.codeList, 'communes');
      // A header alone keeps its remark off; the sub-columns of a merged header bind nothing.
      assert.equal((await p.dictionary.matchHeaders(['Dân số: người'])).get('Dân số: người')?.code, 'dan_so');
      const sub = await p.dictionary.matchHeaders(['Mã xã', 'Dân số - Nam', 'Dân số - Nữ', 'Sản lượng (tấn)', 'Sản lượng (triệu đồng)']);
      assert.deepEqual([...sub.keys()], ['Mã xã']);
      assert.equal(m.get('Số CCCD')!.personalData, 'basic');
      assert.equal(m.get('Dân tộc')!.personalData, 'sensitive');
      const r = await p.app.inject({ method: 'POST', url: '/api/dictionary/match', payload: { headers: ['Mã xã', 'xyz'] } });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json().map((x: { element: { code: string } | null }) => x.element?.code ?? null), ['ma_xa', null]);
    });

    test('code lists hold the 135 communes and the 54 ethnic groups with their official codes', async () => {
      const communes = await p.dictionary.codeListValues('communes');
      assert.equal(communes.size, 135);
      assert.ok(communes.has('21553') && communes.has('23575') && !communes.has('99999'));
      const ethnic = await p.dictionary.codeListValues('ethnic-groups');
      assert.equal(ethnic.size, 54);
      const list = (await p.app.inject({ url: '/api/dictionary/code-lists/ethnic-groups' })).json() as { items: { code: string; label: string }[] };
      const label = Object.fromEntries(list.items.map((i) => [i.code, i.label]));
      assert.equal(label['01'], 'Kinh');
      assert.equal(label['10'], 'Gia-rai');
      assert.equal(label['13'], 'Ba-na');
      assert.equal(label['53'], 'Ơ Đu');
      assert.equal(label['54'], 'Rơ-măm');
      assert.ok(!ethnic.has('55') && !ethnic.has('1'));
      assert.equal((await p.dictionary.codeListValues('sectors')).size, 21);
      await assert.rejects(p.dictionary.codeListValues('no-such-list'), { code: 'NOT_FOUND' });
      const lists = (await p.app.inject({ url: '/api/dictionary/code-lists' })).json() as { code: string; items: number }[];
      assert.deepEqual(lists.map((l) => [l.code, l.items]), [['communes', 135], ['ethnic-groups', 54], ['gender', 3], ['sectors', 21]]);
    });

    test('seeds about twenty approved elements', async () => {
      const r = await p.app.inject({ url: '/api/dictionary/elements?status=approved' });
      const codes = (r.json() as { code: string }[]).map((e) => e.code);
      assert.ok(codes.length >= 20, String(codes.length));
      for (const c of ['ma_xa', 'ten_xa', 'nam', 'ky_bao_cao', 'so_cccd', 'ho_ten', 'so_dien_thoai', 'email', 'ma_so_thue', 'dan_so', 'dien_tich_km2',
        'gioi_tinh', 'dan_toc', 'nganh_kinh_te', 'gia_tri', 'don_vi_tinh', 'ngay', 'vi_do', 'kinh_do', 'so_luong', 'san_luong']) assert.ok(codes.includes(c), c);
      const [cccd] = await p.dictionary.getElements(['so_cccd']);
      assert.equal(new RegExp(cccd!.rules.regex!).test('079123456789'), true);
      assert.equal(new RegExp(cccd!.rules.regex!).test('07912345678'), false);
    });

    test('workflow: a steward drafts and reviews, only an admin approves, each step is refused to others', async () => {
      const body = { code: 'so_ho_ngheo', nameVi: 'Số hộ nghèo', nameEn: 'Poor households', type: 'integer', unit: 'hộ', rules: { min: 0 }, aliases: ['Hộ nghèo'] };
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/dictionary/elements', payload: body })).statusCode, 401);
      const byViewer = await p.app.inject({ method: 'POST', url: '/api/dictionary/elements', headers: h(viewer), payload: body });
      assert.equal(byViewer.statusCode, 403);
      assert.equal(byViewer.json().code, 'FORBIDDEN');
      const created = await p.app.inject({ method: 'POST', url: '/api/dictionary/elements', headers: h(steward), payload: body });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().status, 'draft');
      assert.equal(created.json().ownerOrgId, 'so-khcn');
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/dictionary/elements', headers: h(steward), payload: body })).statusCode, 409);
      // Drafts take no part in matching.
      assert.equal((await p.dictionary.matchHeaders(['Hộ nghèo'])).size, 0);
      assert.equal((await p.dictionary.matchHeaders(['Hộ nghèo'], { includeUnapproved: true })).get('Hộ nghèo')?.code, 'so_ho_ngheo');
      // Over HTTP, drafts are matched only for those who write the dictionary; approved elements for anyone.
      const match = (headers: Record<string, string>, includeUnapproved?: boolean) =>
        p.app.inject({ method: 'POST', url: '/api/dictionary/match', headers, payload: { headers: ['Hộ nghèo', 'Mã xã'], ...(includeUnapproved === undefined ? {} : { includeUnapproved }) } });
      for (const [who, headers, status] of [['anonymous', {}, 401], ['viewer', h(viewer), 403]] as const) {
        const r = await match(headers, true);
        assert.equal(r.statusCode, status, `${who}: ${r.body}`);
        assert.match(String(r.headers['content-type']), /problem\+json/);
        assert.ok(!r.body.includes('so_ho_ngheo'), `${who} must not learn of the draft`);
        const open = await match(headers);
        assert.equal(open.statusCode, 200, open.body);
        assert.deepEqual(open.json().map((x: { element: { code: string } | null }) => x.element?.code ?? null), [null, 'ma_xa'], who);
      }
      const bySteward = await match(h(steward), true);
      assert.equal(bySteward.statusCode, 200, bySteward.body);
      assert.equal(bySteward.json()[0].element?.code, 'so_ho_ngheo');

      const url = '/api/dictionary/elements/so_ho_ngheo';
      assert.equal((await p.app.inject({ method: 'POST', url: `${url}/approve`, headers: h(admin) })).statusCode, 409, 'approve needs a review first');
      assert.equal((await p.app.inject({ method: 'POST', url: `${url}/review`, headers: h(otherSteward) })).statusCode, 403, 'another agency cannot review');
      const reviewed = await p.app.inject({ method: 'POST', url: `${url}/review`, headers: h(steward), payload: { note: 'Đã đối chiếu' } });
      assert.equal(reviewed.json().status, 'reviewed');
      const stewardApprove = await p.app.inject({ method: 'POST', url: `${url}/approve`, headers: h(steward) });
      assert.equal(stewardApprove.statusCode, 403);
      const approved = await p.app.inject({ method: 'POST', url: `${url}/approve`, headers: h(admin) });
      assert.equal(approved.json().status, 'approved');
      assert.equal((await p.dictionary.matchHeaders(['HỘ NGHÈO'])).get('HỘ NGHÈO')?.code, 'so_ho_ngheo');

      // An approved element is corrected only by an approver, and keeps its status with a new version.
      assert.equal((await p.app.inject({ method: 'PATCH', url, headers: h(steward), payload: { unit: 'hộ gia đình' } })).statusCode, 403);
      const fixed = await p.app.inject({ method: 'PATCH', url, headers: h(admin), payload: { unit: 'hộ gia đình' } });
      assert.equal(fixed.json().version, 2);
      assert.equal(fixed.json().status, 'approved');

      assert.equal((await p.app.inject({ method: 'POST', url: `${url}/deprecate`, headers: h(steward) })).statusCode, 403);
      assert.equal((await p.app.inject({ method: 'POST', url: `${url}/deprecate`, headers: h(admin) })).json().status, 'deprecated');
      assert.equal((await p.dictionary.matchHeaders(['Hộ nghèo'])).size, 0);

      assert.equal((await p.app.inject({ url: `${url}/history` })).statusCode, 401);
      const hist = (await p.app.inject({ url: `${url}/history`, headers: { cookie: viewer.cookie } })).json() as {
        action: string; actor: string; fromStatus: string | null; toStatus: string; note: string | null; changes: Record<string, { from: unknown; to: unknown }>;
      }[];
      assert.deepEqual(hist.map((x) => [x.action, x.actor, x.fromStatus, x.toStatus]), [
        ['create', 'dict.steward', null, 'draft'],
        ['review', 'dict.steward', 'draft', 'reviewed'],
        ['approve', 'admin', 'reviewed', 'approved'],
        ['update', 'admin', 'approved', 'approved'],
        ['deprecate', 'admin', 'approved', 'deprecated'],
      ]);
      assert.equal(hist[1]!.note, 'Đã đối chiếu');
      assert.deepEqual(hist[3]!.changes, { unit: { from: 'hộ', to: 'hộ gia đình' } });
    });

    test('refuses inconsistent rules and unknown code lists with field problems', async () => {
      const bad = await p.app.inject({
        method: 'POST', url: '/api/dictionary/elements', headers: h(steward),
        payload: { code: 'x_bad', nameVi: 'Sai', type: 'text', codeList: 'khong-co', rules: { regex: '([', min: 1 } },
      });
      assert.equal(bad.statusCode, 400);
      const fields = (bad.json().errors as { field: string }[]).map((e) => e.field);
      assert.ok(fields.includes('rules.regex') && fields.includes('codeList') && fields.includes('rules.min'), fields.join());
    });

    test('CSV export then import keeps Vietnamese text intact (NFC) and creates drafts; formula cells are neutralised', async () => {
      for (const e of [
        { code: 'rt_cho_o', nameVi: 'Số chỗ ở lưu trú', nameEn: 'Bed places', type: 'integer', definition: 'Tổng số giường, “chỗ ở” của cơ sở lưu trú; gồm cả nhà nghỉ, homestay.', aliases: ['Chỗ ở', 'Số giường'], rules: { min: 0, max: 100000 } },
        { code: 'rt_ghi_chu', nameVi: 'Ghi chú đặc biệt', type: 'text', definition: '=HYPERLINK("http://x","bấm")', unit: null, rules: { maxLength: 500 } },
      ]) {
        const r = await p.app.inject({ method: 'POST', url: '/api/dictionary/elements', headers: h(steward), payload: e });
        assert.equal(r.statusCode, 201, r.body);
      }
      const exp = await p.app.inject({ url: '/api/dictionary/elements.csv?status=draft' });
      assert.equal(exp.statusCode, 200);
      assert.equal(exp.headers['content-type'], 'text/csv; charset=utf-8');
      assert.ok(exp.rawPayload.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'UTF-8 BOM');
      assert.ok(exp.body.includes(`'=HYPERLINK`), 'formula cell neutralised');
      const renamed = exp.body.replace(/^rt_/gm, 'rt2_').normalize('NFD'); // NFD in, NFC out
      const imp = await p.app.inject({ method: 'POST', url: '/api/dictionary/elements/import', headers: { ...h(steward), 'content-type': 'text/csv; charset=utf-8' }, payload: renamed });
      assert.equal(imp.statusCode, 200, imp.body);
      assert.equal(imp.json().errors.length, 0, JSON.stringify(imp.json().errors));
      assert.ok(imp.json().created >= 2);
      const [a1, a2, b1, b2] = await p.dictionary.getElements(['rt_cho_o', 'rt2_cho_o', 'rt_ghi_chu', 'rt2_ghi_chu']).then((l) => ['rt_cho_o', 'rt2_cho_o', 'rt_ghi_chu', 'rt2_ghi_chu'].map((c) => l.find((e) => e.code === c)!));
      for (const [x, y] of [[a1!, a2!], [b1!, b2!]]) {
        assert.equal(y.nameVi, x.nameVi);
        assert.equal(y.nameVi, y.nameVi.normalize('NFC'));
        assert.equal(y.definition, x.definition);
        assert.deepEqual(y.aliases, x.aliases);
        assert.deepEqual(y.rules, x.rules);
        assert.equal(y.type, x.type);
        assert.equal(y.status, 'draft');
      }
      assert.equal(b2!.definition, '=HYPERLINK("http://x","bấm")');
      const hist = (await p.app.inject({ url: '/api/dictionary/elements/rt2_cho_o/history', headers: { cookie: steward.cookie } })).json() as { action: string }[];
      assert.deepEqual(hist.map((x) => x.action), ['import']);
    });

    test('CSV import reports each bad line in Vietnamese and imports the good ones', async () => {
      const csv = [
        'code,name,type,code_list,rules,personal_data',
        'imp_tot,Chỉ tiêu tốt,number,,"{""min"":0}",none',
        'Imp Xau,Mã sai,text,,,none',
        'imp_kieu,Kiểu sai,chuoi,,,none',
        'imp_ds,Danh mục sai,text,khong-ton-tai,,none',
        'imp_rule,Quy tắc sai,text,,{not json},none',
        'ma_xa,Trùng phần tử đã duyệt,text,,,none',
      ].join('\n');
      const r = await p.app.inject({ method: 'POST', url: '/api/dictionary/elements/import', headers: h(steward), payload: { csv } });
      assert.equal(r.statusCode, 200, r.body);
      const { created, errors } = r.json() as { created: number; errors: { line: number; column: string; message: string }[] };
      assert.equal(created, 1);
      assert.deepEqual(errors.map((e) => [e.line, e.column]), [[3, 'code'], [4, 'type'], [5, 'code_list'], [6, 'rules'], [7, 'code']]);
      assert.match(errors[1]!.message, /^Dòng 4, cột type: kiểu “chuoi” không hợp lệ/);
      assert.match(errors[4]!.message, /đã tồn tại/);
      assert.equal((await p.dictionary.getElement('imp_tot')).status, 'draft');
      const notCsv = await p.app.inject({ method: 'POST', url: '/api/dictionary/elements/import', headers: h(steward), payload: { csv: 'a,b\n1,2' } });
      assert.equal(notCsv.statusCode, 400);
      assert.equal((await p.app.inject({ method: 'POST', url: '/api/dictionary/elements/import', headers: h(viewer), payload: { csv } })).statusCode, 403);
    });
  });
}
