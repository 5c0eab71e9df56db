import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFq, compileSort } from './ckan-query.js';
import { CCCD_PROVINCE_CODES, PiiScanner, columnNameKinds, looksLikeFullName, valueKinds } from './pii.js';

describe('personal-data recognisers', () => {
  test('a 12-digit CCCD counts only with one of the 63 province codes', () => {
    assert.equal(CCCD_PROVINCE_CODES.size, 63);
    assert.deepEqual(valueKinds('064095001234'), ['cccd']);
    assert.deepEqual(valueKinds('079190012345'), ['cccd']);
    assert.deepEqual(valueKinds('003095001234'), [], '003 is not a province code');
    assert.deepEqual(valueKinds('0640950012345'), [], '13 digits is not a CCCD');
  });
  test('phones with 03/05/07/08/09 prefixes or +84, e-mail, tax codes', () => {
    for (const v of ['0912345678', '0389 123 456', '+84 912 345 678', '0971.234.567']) assert.ok(valueKinds(v).includes('phone'), v);
    assert.ok(!valueKinds('0212345678').includes('phone'), '02x is a landline prefix, not mobile');
    assert.ok(valueKinds('lien he: an@gialai.gov.vn').includes('email'));
    assert.ok(valueKinds('MST 5900123456-001').includes('tax-code'));
    assert.ok(valueKinds('5900123456').includes('tax-code'));
    assert.ok(!valueKinds('0912345678').includes('tax-code'), 'a mobile number is not also a tax code');
  });
  test('bank accounts next to bank words, house-number addresses, full names', () => {
    assert.ok(valueKinds('STK 0123456789 tại Vietcombank').includes('bank-account'));
    assert.ok(valueKinds('19035512345678', true).includes('bank-account'), 'in a column named after a bank account');
    assert.ok(!valueKinds('Doanh thu 1234567').includes('bank-account'));
    for (const v of ['Số 12 đường Trần Hưng Đạo', '12/3 Lê Lợi', 'nhà 45A Phan Đình Phùng, Pleiku']) assert.ok(valueKinds(v).includes('address'), v);
    for (const v of ['135 Xã Phường', 'Có 12 Xã Ia Grai']) assert.ok(!valueKinds(v).includes('address'), v);
    assert.ok(looksLikeFullName('Nguyễn Văn An') && looksLikeFullName('Rơ Châm H’Yên') === false);
    assert.ok(!looksLikeFullName('Ia Grai'));
  });
  test('column names and titles that say personal data', () => {
    assert.deepEqual(columnNameKinds('so_cccd'), ['cccd']);
    assert.deepEqual(columnNameKinds('c1', 'Số điện thoại'), ['phone']);
    assert.deepEqual(columnNameKinds('ngay_sinh'), ['column-name']);
    assert.deepEqual(columnNameKinds('dan_so'), []);
  });
  test('names count only in rows that also carry an identifier', () => {
    const s = new PiiScanner([{ name: 'chu_tich', title: 'Chủ tịch' }, { name: 'xa', title: 'Xã' }]);
    s.add({ chu_tich: 'Nguyễn Văn An', xa: 'Ia Grai' });
    assert.deepEqual(s.report(true).findings, []);
    const t = new PiiScanner([{ name: 'ten', title: 'Tên' }, { name: 'lien_lac', title: 'Liên lạc' }, { name: 'ma', title: 'Mã', personalData: 'basic' }]);
    t.add({ ten: 'Trần Thị Bình', lien_lac: '0912345678', ma: 'x' });
    assert.deepEqual(t.report(true).findings.map((f) => [f.column, f.kinds]), [['ten', ['full-name']], ['lien_lac', ['phone']], ['ma', ['dictionary']]]);
  });
});

describe('CKAN fq and sort subset', () => {
  const compile = (fq: string) => {
    const params: unknown[] = [];
    return { sql: compileFq(fq, (v) => `$${params.push(v)}`), params };
  };
  test('field:value, quoted values, AND/OR, negation and date ranges compile with bound values', () => {
    const c = compile('tags:"cà phê" organization:so-khcn OR -res_format:CSV');
    assert.equal(c.sql, '(($1 = ANY(p.tags)) AND (p.org_id = $2)) OR (NOT (EXISTS (SELECT 1 FROM unnest(p.formats) f WHERE lower(f) = lower($3))))');
    assert.deepEqual(c.params, ['cà phê', 'so-khcn', 'CSV']);
    assert.match(compile('metadata_modified:[2024-01-01T00:00:00Z TO NOW]').sql, /p\.metadata_modified >= \$1::timestamptz AND p\.metadata_modified <= now\(\)/);
    assert.equal(compile('*:*').sql, '((TRUE))');
  });
  test('syntax outside the subset is a Search Query Error', () => {
    for (const bad of ['tags:(a OR b)', 'tags:"x', 'nosuch:x', 'AND tags:x', 'tags:x OR', 'justaword', 'NOT tags:x', "name:x'; DROP TABLE t; --\"", 'metadata_modified:[yesterday TO *]']) {
      assert.throws(() => compile(bad), (e: { extra?: { ckanType?: string } }) => e.extra?.ckanType === 'Search Query Error', bad);
    }
  });
  test('sort accepts CKAN’s fields and refuses others', () => {
    assert.equal(compileSort('score desc, metadata_modified desc'), 'rank DESC NULLS LAST, p.metadata_modified DESC, p.name ASC');
    assert.equal(compileSort('title_string asc'), 'p.title ASC, p.name ASC');
    for (const bad of ['views desc', 'name; drop', 'name up', '']) assert.throws(() => compileSort(bad), bad);
  });
});
