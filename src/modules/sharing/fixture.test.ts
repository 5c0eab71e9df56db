/**
 * (Named `.test.ts` so the build leaves it out; it declares no tests itself.)
 *
 * The LDOP test world, built through the API as agencies would: stewards of Sở NN&MT (`so-nn-mt`,
 * provider) and Sở Y tế (`so-y-te`, consumer), a shared commune-level dataset with personal data
 * loaded by upload, and a consumer subsystem with a `pdl_…` key.
 */
import assert from 'node:assert/strict';
import type { Response } from 'light-my-request';
import type { TestPlatform } from '../../../test/support/platform.js';

export interface Session {
  cookie: string;
  csrf: string;
}
export interface Ldop {
  admin: Session;
  provider: Session;
  consumer: Session;
  datasetSlug: string;
  serviceId: string;
  servicePath: string;
  consumerSubsystemId: string;
  key: string;
  keyId: string;
  /** Calls the API as a logged-in user; asserts nothing. */
  api(as: Session, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Response>;
  /** Calls the gateway with a subsystem key. */
  gw(url: string, headers?: Record<string, string>, key?: string | null): Promise<Response>;
}

export const CSV = [
  'Mã hộ,Mã xã,Tên xã,Họ tên chủ hộ,Số CCCD,Số điện thoại,Diện tích lúa (ha)',
  'H001,21553,Quy Nhơn Bắc,Nguyễn Văn An,052090001234,0912345678,1.5',
  'H002,21553,Quy Nhơn Bắc,Trần Thị Bình,052090005678,0987654321,0.8',
  'H003,21583,Quy Nhơn,Lê Văn Cường,052090009012,0905111222,2.25',
  'H004,21583,Quy Nhơn,Phạm Thị Dung,052090003456,0935666777,1.1',
  'H005,21589,Quy Nhơn Tây,Hoàng Văn Em,052090007890,0978999000,3',
  'H006,21589,Quy Nhơn Tây,Đỗ Thị Phương,052090002468,0968123456,0.5',
].join('\r\n');

const col = (name: string, title: string, type: string, elementCode: string | null, key = false) => ({
  name, title, type, elementCode, required: key || name === 'ma_xa', key, unit: null, codeList: null, rules: {},
});

export async function ldopWorld(p: TestPlatform, tag = 'a'): Promise<Ldop> {
  const admin = await p.login();
  const api: Ldop['api'] = async (as, method, url, payload) => {
    return p.app.inject({ method, url, headers: { cookie: as.cookie, 'x-csrf-token': as.csrf }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  };
  const user = async (username: string, orgId: string) => {
    const r = await api(admin, 'POST', '/api/users', { username, displayName: username, orgId, role: 'steward', password: 'mat-khau-thu-nghiem-123' });
    assert.equal(r.statusCode, 201, r.body);
    return p.login(username, 'mat-khau-thu-nghiem-123');
  };
  const provider = await user(`nnmt-${tag}`, 'so-nn-mt');
  const consumer = await user(`yte-${tag}`, 'so-y-te');

  const datasetSlug = `ho-trong-lua-${tag}`;
  let r = await api(provider, 'POST', '/api/catalog/datasets', {
    slug: datasetSlug, title: `Hộ trồng lúa theo xã (${tag})`, publisherOrgId: 'so-nn-mt', access: 'shared', personalData: true,
    columns: [
      col('ma_ho', 'Mã hộ', 'text', null, true), col('ma_xa', 'Mã xã', 'text', 'ma_xa'), col('ten_xa', 'Tên xã', 'text', null),
      col('ho_ten', 'Họ tên chủ hộ', 'text', 'ho_ten'), col('so_cccd', 'Số CCCD', 'text', 'so_cccd'), col('so_dien_thoai', 'Số điện thoại', 'text', 'so_dien_thoai'),
      col('dien_tich', 'Diện tích lúa (ha)', 'number', null),
    ],
  });
  assert.equal(r.statusCode, 201, r.body);
  const up = await p.app.inject({
    method: 'POST', url: `/api/uploads?filename=${encodeURIComponent('ho-trong-lua.csv')}`,
    headers: { cookie: provider.cookie, 'x-csrf-token': provider.csrf, 'content-type': 'application/octet-stream' }, payload: Buffer.from(CSV, 'utf8'),
  });
  assert.equal(up.statusCode, 201, up.body);
  r = await api(provider, 'POST', '/api/ingest/runs', { dataset: datasetSlug, uploadId: up.json().id, mode: 'replace', validRowsOnly: false });
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().status, 'loaded', r.body);

  r = await api(consumer, 'POST', '/api/ldop/subsystems', { code: `yte-dich-te-${tag}`, name: 'Hệ thống giám sát dịch tễ', environment: 'production' });
  assert.equal(r.statusCode, 201, r.body);
  const consumerSubsystemId = r.json().id as string;
  r = await api(consumer, 'POST', `/api/ldop/subsystems/${consumerSubsystemId}/keys`, { name: 'máy chủ chính', expiresInDays: 365 });
  assert.equal(r.statusCode, 201, r.body);
  const key = r.json().key as string;
  const keyId = r.json().apiKey.id as string;

  r = await api(consumer, 'GET', `/api/ldop/services?q=${encodeURIComponent(datasetSlug)}`);
  assert.equal(r.statusCode, 200, r.body);
  const svc = (r.json().items as { id: string; code: string; path: string }[]).find((s) => s.code === `dataset:${datasetSlug}`);
  assert.ok(svc, `dataset service not listed: ${r.body}`);

  const gw: Ldop['gw'] = async (url, headers = {}, k = key) => {
    return p.app.inject({ method: 'GET', url, headers: { ...(k === null ? {} : { 'x-ldop-key': k }), ...headers } });
  };
  return { admin, provider, consumer, datasetSlug, serviceId: svc.id, servicePath: svc.path, consumerSubsystemId, key, keyId, api, gw };
}

/** Requests an agreement as the consumer; returns its id. */
export async function requestAgreement(w: Ldop, terms: Record<string, unknown> = {}): Promise<string> {
  const r = await w.api(w.consumer, 'POST', '/api/ldop/agreements', {
    consumerSubsystemId: w.consumerSubsystemId, serviceId: w.serviceId,
    fields: ['ma_xa', 'ten_xa', 'ho_ten', 'so_dien_thoai', 'so_cccd', 'dien_tich'], clearFields: ['ho_ten', 'so_dien_thoai'],
    rowFilter: [{ column: 'ma_xa', op: 'in', value: ['21553', '21583'] }],
    purpose: 'Giám sát dịch sốt xuất huyết theo xã', legalBasis: 'Luật Phòng, chống bệnh truyền nhiễm 2007; Nghị định 13/2023/NĐ-CP',
    validFrom: new Date(Date.now() - 60_000).toISOString(), validTo: new Date(Date.now() + 90 * 86400_000).toISOString(), dailyRowLimit: 10_000,
    ...terms,
  });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id as string;
}
