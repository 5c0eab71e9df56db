/**
 * Datasets and users for the tests of who reads dataset content: agency A (Sở Y tế) publishes a
 * `shared` and a `private` dataset of people (CCCD, name, phone bound to personal-data elements of
 * the dictionary) and an `open` one with a phone column; agency B (Sở Nội vụ) has an analyst. Values
 * are distinctive so that a test can look for them anywhere in a response.
 */
import assert from 'node:assert/strict';
import { SYSTEM } from '../../src/core/auth/index.js';
import type { ColumnSpec } from '../../src/modules/catalog/index.js';
import type { Platform } from '../../src/app.js';

/** What the fixture needs: the platform and a way to sign in (a test platform, or a browser test's server). */
type FixturePlatform = Pick<Platform, 'org' | 'catalog' | 'app'> & { login(username: string, password: string): Promise<{ cookie: string; csrf: string }> };

export const AGENCY_A = 'so-y-te';
export const AGENCY_B = 'so-noi-vu';

const col = (name: string, title: string, elementCode: string | null, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
  name, title, type: 'text', elementCode, required: false, key: false, unit: null, codeList: null, rules: {}, ...extra,
});

const PEOPLE_COLUMNS = [
  col('so_cccd', 'Số CCCD', 'so_cccd', { required: true, key: true }),
  col('ho_ten', 'Họ và tên', 'ho_ten'),
  col('so_dien_thoai', 'Số điện thoại', 'so_dien_thoai'),
  col('ghi_chu', 'Ghi chú', null),
  col('ngay_kham', 'Ngày khám', null, { type: 'date' }),
];

/** One dataset of the fixture: its versions' CSV and the values no outsider may read. */
interface FixtureDataset {
  slug: string;
  access: 'shared' | 'private' | 'open';
  columns: ColumnSpec[];
  versions: string[];
  /** Values of personal-data columns: nobody without the unmasking right may read them in clear. */
  personal: string[];
  /** Values of the other columns: outsiders (another agency) may not read them either, except for open datasets. */
  other: string[];
}

export const SHARED: FixtureDataset = {
  slug: 'kt-chia-se-nguoi-benh', access: 'shared', columns: PEOPLE_COLUMNS,
  versions: [
    'Số CCCD,Họ và tên,Số điện thoại,Ghi chú,Ngày khám\n079301000111,Lê Văn Chiasẻ,0905123411,Ghi chú CHIASE-MOT,2025-03-02\n079301000222,Phạm Thị Chiasẻ,0905123422,Ghi chú CHIASE-HAI,2025-03-03\n',
    // Version 2 changes the row of 079301000222 (a changed row: its key goes into the diff) and adds one.
    'Số CCCD,Họ và tên,Số điện thoại,Ghi chú,Ngày khám\n079301000111,Lê Văn Chiasẻ,0905123411,Ghi chú CHIASE-MOT,2025-03-02\n079301000222,Phạm Thị Chiasẻ,0905123499,Ghi chú CHIASE-DOI,2025-03-03\n079301000333,Đỗ Văn Chiasẻ,0905123433,Ghi chú CHIASE-BA,2025-03-04\n',
  ],
  personal: ['079301000111', '079301000222', '079301000333', 'Lê Văn Chiasẻ', 'Phạm Thị Chiasẻ', 'Đỗ Văn Chiasẻ', '0905123411', '0905123422', '0905123499', '0905123433'],
  other: ['CHIASE-MOT', 'CHIASE-HAI', 'CHIASE-DOI', 'CHIASE-BA'],
};

export const PRIVATE: FixtureDataset = {
  slug: 'kt-rieng-ho-so-benh', access: 'private', columns: PEOPLE_COLUMNS,
  versions: [
    'Số CCCD,Họ và tên,Số điện thoại,Ghi chú,Ngày khám\n079302000111,Vũ Văn Riêngtư,0912000111,Ghi chú RIENG-MOT,2025-03-02\n',
    // The second line has a CCCD that breaks the element's rule: it is rejected (valid rows only) and
    // its value lands in the run's rejects report, which must be masked like the rows.
    'Số CCCD,Họ và tên,Số điện thoại,Ghi chú,Ngày khám\n079302000111,Vũ Văn Riêngtư,0912000199,Ghi chú RIENG-DOI,2025-03-02\n0793020009XY,Hà Thị Loạibỏ,0912000177,Ghi chú RIENG-LOAI,2025-03-03\n',
  ],
  personal: ['079302000111', 'Vũ Văn Riêngtư', '0912000111', '0912000199', '0793020009XY'],
  other: ['RIENG-MOT', 'RIENG-DOI'],
};

export const OPEN: FixtureDataset = {
  slug: 'kt-mo-co-so-kinh-doanh', access: 'open',
  columns: [col('ma_co_so', 'Mã cơ sở', null, { required: true, key: true }), col('ten_co_so', 'Tên cơ sở', null), col('dien_thoai', 'Điện thoại', 'so_dien_thoai')],
  versions: [
    'Mã cơ sở,Tên cơ sở,Điện thoại\nCS-001,Nhà thuốc Mở Một,0987000111\n',
    'Mã cơ sở,Tên cơ sở,Điện thoại\nCS-001,Nhà thuốc Mở Một,0987000199\nCS-002,Nhà thuốc Mở Hai,0987000222\n',
  ],
  personal: ['0987000111', '0987000199', '0987000222'],
  other: [],
};

export const FIXTURE_DATASETS = [SHARED, PRIVATE, OPEN];

export const USERS = {
  /** Agency A, steward: loads A's datasets. */
  stewardA: { username: 'kt.qtdl.a', password: 'kt-qtdl-a-password-1', orgId: AGENCY_A, role: 'steward' as const },
  /** Agency A, viewer: reads A's rows, personal columns masked (no `data:personal`). */
  viewerA: { username: 'kt.xem.a', password: 'kt-xem-a-password-1', orgId: AGENCY_A, role: 'viewer' as const },
  /** Agency A, analyst: reads A's rows with personal columns in clear. */
  analystA: { username: 'kt.phantich.a', password: 'kt-phantich-a-password-1', orgId: AGENCY_A, role: 'analyst' as const },
  /** Agency B, steward: may define indicators, but not over A's shared dataset. */
  stewardB: { username: 'kt.qtdl.b', password: 'kt-qtdl-b-password-1', orgId: AGENCY_B, role: 'steward' as const },
  /** Agency B, analyst: sees A's shared dataset in the catalogue but reads its rows only through LDOP. */
  analystB: { username: 'kt.phantich.b', password: 'kt-phantich-b-password-1', orgId: AGENCY_B, role: 'analyst' as const },
};

export interface Fixture {
  ids: Record<string, string>;
  /** Ingest runs (and their uploads) per dataset slug, the last run first. */
  runs: Record<string, { runId: string; uploadId: string }[]>;
}

/** Creates the users and loads every dataset version through the HTTP API as A's steward, as the agency would. */
export async function loadAccessFixture(p: FixturePlatform): Promise<Fixture> {
  for (const u of Object.values(USERS)) {
    await p.org.createUser(SYSTEM, { username: u.username, displayName: u.username, orgId: u.orgId, role: u.role, password: u.password });
  }
  const s = await p.login(USERS.stewardA.username, USERS.stewardA.password);
  const steward = { cookie: s.cookie, 'x-csrf-token': s.csrf };
  const ids: Record<string, string> = {};
  const runs: Fixture['runs'] = {};
  for (const d of FIXTURE_DATASETS) {
    const ds = await p.catalog.createDataset(SYSTEM, {
      slug: d.slug, title: `Kiểm thử ${d.slug}`, publisherOrgId: AGENCY_A, access: d.access, personalData: d.access !== 'open',
      licence: d.access === 'open' ? 'CC-BY-4.0' : 'none', themes: ['y-te'], columns: d.columns,
    });
    ids[d.slug] = ds.id;
    runs[d.slug] = [];
    for (const csv of d.versions) {
      const u = await p.app.inject({
        method: 'POST', url: `/api/uploads?filename=${d.slug}.csv`, headers: { ...steward, 'content-type': 'text/csv' }, payload: Buffer.from(csv),
      });
      assert.equal(u.statusCode, 201, u.body);
      const run = await p.app.inject({
        method: 'POST', url: '/api/ingest/runs', headers: steward, payload: { dataset: d.slug, uploadId: u.json().id, mode: 'replace', validRowsOnly: true },
      });
      assert.equal(run.statusCode, 201, run.body);
      assert.equal(run.json().status, 'loaded', run.body);
      runs[d.slug]!.unshift({ runId: run.json().runId, uploadId: u.json().id });
    }
  }
  return { ids, runs };
}

/** An indicator counting the rows of a fixture dataset by day, with one category dimension on `column`. */
export function countIndicator(code: string, slug: string, ownerOrgId: string, column: string) {
  return {
    code, name: `Kiểm thử ${code}`, nameEn: `Test ${code}`, aliases: [], definition: 'Số lượt khám', definitionEn: 'Visits', unit: 'lượt', unitEn: 'visits',
    grain: 'month', timeRollup: 'sum', frequency: 'monthly', direction: 'higher', ownerOrgId,
    source: { dataset: slug, time: 'ngay_kham' }, formula: { kind: 'count' },
    dimensions: [{ key: 'nhom', column, name: 'Nhóm', nameEn: 'Group', kind: 'category' }], targets: [], sample: false,
  };
}
