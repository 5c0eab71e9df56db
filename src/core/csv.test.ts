import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { CSV_BOM, csvCell, csvRow, neutraliseFormula, unneutraliseFormula } from './csv.js';

test('a text cell a spreadsheet would run as a formula is neutralised; numbers, booleans and plain text are not', () => {
  for (const s of ['=1+1', '+84912345678', '-2+3', '@SUM(A1:A9)', '\t=cmd', '\r=cmd', '=HYPERLINK("http://x","bấm")']) {
    assert.ok(csvCell(s).replace(/^"/, '').startsWith("'"), s);
    assert.equal(unneutraliseFormula(neutraliseFormula(s)), s, 'an import undoes it');
  }
  assert.equal(csvCell(-5), '-5', 'a negative number stays a number');
  assert.equal(csvCell(1.5), '1.5');
  assert.equal(csvCell(true), 'true');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell('Quy Nhơn Bắc'), 'Quy Nhơn Bắc');
  assert.equal(unneutraliseFormula("'plain"), "'plain", 'an apostrophe before ordinary text is the user\'s own');
});

test('quotes, commas, line breaks and edge spaces are quoted so a CSV reader gets the exact text back', () => {
  const values = ['a "trích dẫn"', 'x,y', 'dòng 1\r\ndòng 2', ' lề ', 'Nguyễn Văn An', { a: 1 }, 7];
  const line = csvRow(values);
  assert.ok(line.endsWith('\r\n'));
  const [back] = parse(CSV_BOM + line, { bom: true }) as string[][];
  assert.deepEqual(back, ['a "trích dẫn"', 'x,y', 'dòng 1\r\ndòng 2', ' lề ', 'Nguyễn Văn An', '{"a":1}', '7']);
  assert.equal(Buffer.from(CSV_BOM, 'utf8').toString('hex'), 'efbbbf');
});
