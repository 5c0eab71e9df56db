import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFq, compileSort } from './ckan-query.js';
import { bundledUnits } from '../geo/index.js';
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
  });
  test('personal names: Kinh family names with their tones, Jarai and Bahnar names, Y and H’ names; not communes or agencies', () => {
    for (const v of ['Nguyễn Văn An', 'Trần Thị Bình', 'LÊ VĂN HÙNG', 'Nguyen Van An', 'Huỳnh Thị Thu Hà', 'Rơ Châm H’Yên', 'Rơ Mah Hmun', 'Ksor H’Hen', 'Siu Thu', 'Kpă Thuyên', 'Nay Phin', 'Puih Bao', 'Rahlan Bleh', 'Đinh Văn Lâm', 'Y Moan', 'Y-Bih Niê', 'H’Hen Niê']) {
      assert.ok(looksLikeFullName(v), v);
    }
    for (const v of ['Ia Grai', 'Chư Sê', 'Vân Canh', 'Vạn Đức', 'Ya Hội', 'Kông Chro', 'Sở Khoa học và Công nghệ', 'Ủy ban nhân dân tỉnh Gia Lai', 'Cụm công nghiệp Ia Grai', 'Trường THPT Lê Lợi', 'Nguyễn', 'Lễ hội đua voi', 'Cà phê Pleiku']) {
      assert.ok(!looksLikeFullName(v), v);
    }
  });
  test('column names and titles that say personal data', () => {
    assert.deepEqual(columnNameKinds('so_cccd'), ['cccd']);
    assert.deepEqual(columnNameKinds('c1', 'Số điện thoại'), ['phone']);
    assert.deepEqual(columnNameKinds('ngay_sinh'), ['column-name']);
    assert.deepEqual(columnNameKinds('dan_so'), []);
  });
  test('names count in rows that also carry an identifier', () => {
    const t = new PiiScanner([{ name: 'ten', title: 'Tên' }, { name: 'lien_lac', title: 'Liên lạc' }, { name: 'ma', title: 'Mã', personalData: 'basic' }]);
    t.add({ ten: 'Trần Thị Bình', lien_lac: '0912345678', ma: 'x' });
    assert.deepEqual(t.report(true).findings.map((f) => [f.column, f.kinds]), [['ten', ['full-name']], ['lien_lac', ['phone']], ['ma', ['dictionary']]]);
  });
  test('a column of names is personal data on its own: by its values past the threshold, or by its header', () => {
    const rows = ['Nguyễn Văn An', 'Ksor H’Hen', 'Rơ Mah Hmun', 'Trần Thị Bình', 'Lê Văn Hùng', 'Siu Thu'];
    // No identifier anywhere, a header that says nothing: the values alone.
    const s = new PiiScanner([{ name: 'c1', title: 'Cột 1' }, { name: 'xa', title: 'Xã' }]);
    rows.forEach((v, i) => s.add({ c1: v, xa: ['Ia Grai', 'Chư Sê', 'Ngô Mây'][i % 3] }));
    assert.deepEqual(s.report(true).findings, [{ column: 'c1', kinds: ['full-name'], matches: 6, example: 'N*** V*** A***', textValues: 6 }]);
    // Below the share (2 names of 6 values) it is a column of something else.
    const few = new PiiScanner([{ name: 'c1', title: 'Cột 1' }]);
    for (const v of ['Nguyễn Văn An', 'Trần Thị Bình', 'Hợp tác xã', 'Cà phê', 'Hồ tiêu', 'Mật ong']) few.add({ c1: v });
    assert.deepEqual(few.report(true).findings, []);
    // "Chủ hộ" by its header alone, whatever the values.
    assert.deepEqual(columnNameKinds('c2', 'Chủ hộ'), ['full-name']);
    for (const title of ['Họ và tên', 'Ho ten', 'Người đại diện', 'Chủ cơ sở', 'Tên người nộp thuế']) assert.deepEqual(columnNameKinds('c', title), ['full-name'], title);
    // A street column bound to a dictionary element declared without personal data keeps its hero names.
    const street = new PiiScanner([{ name: 'duong', title: 'Đường', personalData: 'none' }]);
    for (const v of ['Trần Phú', 'Lê Lợi', 'Nguyễn Huệ']) street.add({ duong: v });
    assert.deepEqual(street.report(true).findings, []);
  });
  test('the 135 communes of Gia Lai are not a column of names', async () => {
    const { wards } = await bundledUnits();
    const s = new PiiScanner([{ name: 'ten_xa', title: 'Tên xã' }, { name: 'ten_day_du', title: 'Tên đầy đủ' }]);
    for (const w of wards) s.add({ ten_xa: w.Name, ten_day_du: w.FullName });
    assert.deepEqual(s.report(true).findings, []);
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
