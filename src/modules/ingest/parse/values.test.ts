import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  excelSerialToIso,
  foldVietnamese,
  inferColumnType,
  inferNumberFormat,
  MACHINE_NUMBER_FORMAT,
  parseBoolean,
  parseDate,
  parseNumber,
  VIETNAMESE_NUMBER_FORMAT,
} from './index.js';

test('parseNumber reads Vietnamese, English and plain numbers', () => {
  assert.equal(parseNumber('1.234.567,89'), 1234567.89);
  assert.equal(parseNumber('1,234,567.89'), 1234567.89);
  assert.equal(parseNumber('1234567'), 1234567);
  assert.equal(parseNumber('12,5'), 12.5);
  assert.equal(parseNumber('12.5'), 12.5);
  assert.equal(parseNumber('0,125'), 0.125);
  assert.equal(parseNumber('1 234 567'), 1234567);
  assert.equal(parseNumber('1\u00A0234,5'), 1234.5);
  assert.equal(parseNumber(' 42 '), 42);
  assert.equal(parseNumber('+7'), 7);
});

test('parseNumber reads negatives, parenthesised negatives and percentages', () => {
  assert.equal(parseNumber('-1.234,5'), -1234.5);
  assert.equal(parseNumber('\u22121.234'), -1234);
  assert.equal(parseNumber('(1.234.567)'), -1234567);
  assert.equal(parseNumber('(12,5%)'), -0.125);
  assert.equal(parseNumber('12,5%'), 0.125);
  assert.equal(parseNumber('100%'), 1);
  assert.equal(parseNumber('-0'), 0);
  assert.ok(Object.is(parseNumber('-0'), 0));
});

test('parseNumber rejects text that is not a number', () => {
  for (const s of ['', '  ', 'abc', '1.23.4', '12,34,5', '1,2.3,4', '--1', '(-1)', '1 2', '12a', '1.234,56,7', '.', ',', '15/03/2024']) {
    assert.equal(parseNumber(s), null, s);
  }
});

test('an ambiguous number like 1.234 follows the Vietnamese convention unless the column says otherwise', () => {
  assert.equal(parseNumber('1.234'), 1234);
  assert.equal(parseNumber('1,234'), 1.234);
  assert.equal(parseNumber('1.234', MACHINE_NUMBER_FORMAT), 1.234);
  assert.equal(parseNumber('1,234', MACHINE_NUMBER_FORMAT), 1234);
  assert.equal(parseNumber('1.234', VIETNAMESE_NUMBER_FORMAT), 1234);
  // A cell unambiguous on its own keeps its meaning in a column of the other convention.
  assert.equal(parseNumber('1.5', VIETNAMESE_NUMBER_FORMAT), 1.5);
});

test('inferNumberFormat decides ambiguous values by the rest of the column', () => {
  assert.deepEqual(inferNumberFormat(['1.234', '2.345', '3,5']), { decimal: ',', thousands: '.', decided: true });
  assert.deepEqual(inferNumberFormat(['1.234', '2.345', '3.25']), { decimal: '.', thousands: ',', decided: true });
  assert.deepEqual(inferNumberFormat(['1,234', '12,345,678']), { decimal: '.', thousands: ',', decided: true });
  assert.deepEqual(inferNumberFormat(['1.234', '5.678', 'n/a']), { decimal: ',', thousands: '.', decided: false });
  assert.deepEqual(inferNumberFormat(['1.234'], MACHINE_NUMBER_FORMAT), { decimal: '.', thousands: ',', decided: false });
  const column = ['1.234', '2.345', '3.25'];
  const format = inferNumberFormat(column);
  assert.deepEqual(column.map((v) => parseNumber(v, format)), [1.234, 2.345, 3.25]);
});

test('parseDate reads day-first dates, ISO dates and timestamps', () => {
  assert.equal(parseDate('15/03/2024'), '2024-03-15');
  assert.equal(parseDate('5/3/2024'), '2024-03-05');
  assert.equal(parseDate('15-03-2024'), '2024-03-15');
  assert.equal(parseDate('15.03.2024'), '2024-03-15');
  assert.equal(parseDate('2024-03-15'), '2024-03-15');
  assert.equal(parseDate('2024-03-15T08:30:00'), '2024-03-15T08:30:00');
  assert.equal(parseDate('2024-03-15 08:30'), '2024-03-15T08:30:00');
  assert.equal(parseDate('2024-03-15T08:30:00+07:00'), '2024-03-15T01:30:00.000Z');
  assert.equal(parseDate('2024-03-15T08:30:00.5Z'), '2024-03-15T08:30:00.500Z');
  assert.equal(parseDate('15/03/2024 14:05:09'), '2024-03-15T14:05:09');
  assert.equal(parseDate('Ngày 5 tháng 3 năm 2024'), '2024-03-05');
  assert.equal(parseDate('29/02/2024'), '2024-02-29');
});

test('parseDate rejects impossible dates and other text', () => {
  for (const s of ['31/02/2024', '29/02/2023', '29/02/1900', '00/01/2024', '15/13/2024', '2024-02-30', '15/03/24', '12:30', 'hôm nay', '45366', '', '15/03/2024 25:00']) {
    assert.equal(parseDate(s), null, s);
  }
});

test('Excel serial dates follow the 1900 system with its leap-year bug', () => {
  assert.equal(excelSerialToIso(1), '1900-01-01');
  assert.equal(excelSerialToIso(59), '1900-02-28');
  assert.equal(excelSerialToIso(60), null); // Excel's 29/02/1900 never existed
  assert.equal(excelSerialToIso(61), '1900-03-01');
  assert.equal(excelSerialToIso(45366), '2024-03-15');
  assert.equal(excelSerialToIso(45366.75), '2024-03-15T18:00:00');
  assert.equal(excelSerialToIso(0), null);
  assert.equal(excelSerialToIso(0, true), '1904-01-01');
  assert.equal(parseDate('45366', { excelSerial: true }), '2024-03-15');
});

test('parseBoolean reads Vietnamese and English yes/no forms', () => {
  for (const s of ['Có', 'có', 'CÓ', 'co', 'x', 'X', 'true', 'TRUE', '1', 'Yes', 'yes', 'Đúng']) assert.equal(parseBoolean(s), true, s);
  for (const s of ['Không', 'không', 'KHÔNG', 'khong', 'false', '0', 'No', 'Sai']) assert.equal(parseBoolean(s), false, s);
  assert.equal(parseBoolean(''), null);
  assert.equal(parseBoolean('', { blankIsFalse: true }), false);
  assert.equal(parseBoolean('có thể'), null);
  assert.equal(parseBoolean('2'), null);
});

test('foldVietnamese matches names regardless of diacritics, case and spacing', () => {
  assert.equal(foldVietnamese('  Dân  Số\tNăm 2024 '), 'dan so nam 2024');
  assert.equal(foldVietnamese('ĐẮK ĐOA'), 'dak doa');
  assert.equal(foldVietnamese('Mã đơn vị hành chính'), foldVietnamese('MA DON VI HANH CHINH'));
  assert.equal(foldVietnamese('Vie\u0323\u0302t'), 'viet');
  assert.equal(foldVietnamese('Ưu tiên Ơn'), 'uu tien on');
});

test('inferColumnType recognises integers, numbers, dates, booleans and text', () => {
  assert.deepEqual(inferColumnType(['1', '2', '', '30']), {
    type: 'integer',
    blanks: 1,
    mismatches: 0,
    numberFormat: { decimal: ',', thousands: '.', decided: false },
  });
  assert.equal(inferColumnType(['1.234.567', '2.000', '15']).type, 'integer');
  assert.equal(inferColumnType(['12,5', '3', '4,25']).type, 'number');
  assert.equal(inferColumnType(['12,5%', '3%']).type, 'number');
  assert.equal(inferColumnType(['15/03/2024', '2024-01-02', '']).type, 'date');
  assert.deepEqual(inferColumnType(['Có', 'Không', 'có']), { type: 'boolean', blanks: 0, mismatches: 0 });
  assert.deepEqual(inferColumnType(['x', '', 'x', '']), { type: 'boolean', blanks: 2, mismatches: 0, blankIsFalse: true });
  assert.equal(inferColumnType(['1', '0', '1']).type, 'integer');
  assert.equal(inferColumnType(['Ia Grai', 'Đắk Đoa']).type, 'text');
  assert.equal(inferColumnType(['0123', '0456']).type, 'text');
  assert.equal(inferColumnType([]).type, 'text');
});

test('inferColumnType tolerates a few stray values but not many', () => {
  const mostlyNumbers = [...Array.from({ length: 40 }, (_, i) => String(i)), 'n/a'];
  assert.deepEqual({ ...inferColumnType(mostlyNumbers), numberFormat: undefined }, { type: 'integer', blanks: 0, mismatches: 1, numberFormat: undefined });
  assert.equal(inferColumnType(['1', '2', 'n/a']).type, 'text');
});

test('inferColumnType hints at 5-digit commune codes', () => {
  assert.equal(inferColumnType(['23677', '21553', '24049']).hint, 'commune-code');
  assert.equal(inferColumnType(['23677', '21553']).type, 'integer');
  assert.deepEqual(inferColumnType(['00001', '00004']), { type: 'text', blanks: 0, mismatches: 0, hint: 'commune-code' });
  assert.equal(inferColumnType(['45000', '23677']).hint, undefined);
  assert.equal(inferColumnType(['1234', '23677']).hint, undefined);
});
