/**
 * The row encoder's two ways in — any values (API loads) and values the ingest's validator already
 * checked — must give the same CSV line, hash included: replace mode compares new hashes with those
 * of rows loaded long ago, whichever way they came in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowValidator, type TargetColumn } from '../ingest/validate.js';
import { RowEncoder } from './rows.js';
import type { WhColumn } from './schema.js';

const COLUMNS: WhColumn[] = [
  { name: 'ten', type: 'text' },
  { name: 'so_luong', type: 'integer' },
  { name: 'gia_tri', type: 'number' },
  { name: 'ngay', type: 'date' },
  { name: 'ocop', type: 'boolean' },
  { name: 'vi_tri', type: 'geometry' },
];

test('checked values encode exactly as unchecked ones (same line, same row hash)', () => {
  const targets: TargetColumn[] = COLUMNS.map((c) => ({ name: c.name, title: c.name, type: c.type, required: false, key: false, codeList: null, rules: {} }));
  const validator = new RowValidator(targets, new Map(COLUMNS.map((c, i) => [c.name, i])), {
    numberFormats: new Map([['so_luong', { decimal: ',', thousands: '.', decided: true }], ['gia_tri', { decimal: ',', thousands: '.', decided: true }]]),
    codeLists: new Map(),
  });
  const encoder = new RowEncoder(COLUMNS, [], 1, false);
  const cells = [
    // Decomposed "Hồ tiêu" (combining marks), padded: the validator trims and composes it.
    [' Ho\u0302\u0300 tie\u0302u ', '1.234', '1.234.567,89', '31/01/2025', 'Có', '{"type":"Point","coordinates":[108,14]}'],
    ['Cà phê "nhân", loại 1', '-7', '0,5', '2024-02-29', 'Không', ''],
    ['', '', '', '', '', ''],
  ];
  cells.forEach((values, i) => {
    const checked = validator.check({ line: i + 2, values });
    assert.deepEqual(checked.rejects, []);
    assert.equal(encoder.line(i + 2, checked.values, true), encoder.line(i + 2, checked.values, false));
  });
  assert.match(encoder.line(2, validator.check({ line: 2, values: cells[0]! }).values, true), /^1,"Hồ tiêu","1234","1234567.89","2025-01-31","true",/);
});
