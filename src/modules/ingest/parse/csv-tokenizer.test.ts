import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { CsvRecordEnds, CsvTokenizer, type CsvRecord, type CsvTokenizerOptions } from './csv-tokenizer.js';
import { ParseError } from './errors.js';

/** Tokenizes `text` cut into chunks at the given positions (all one-character cuts when 'each'). */
function tokenize(text: string, options: CsvTokenizerOptions, cuts: number[] | 'each' = []): CsvRecord[] {
  const at = cuts === 'each' ? Array.from({ length: text.length }, (_, i) => i + 1) : cuts;
  const tokenizer = new CsvTokenizer(options);
  const out: CsvRecord[] = [];
  let from = 0;
  for (const cut of [...at, text.length]) {
    tokenizer.push(text.slice(from, cut), out);
    from = cut;
  }
  tokenizer.end(out);
  return out;
}

const comma: CsvTokenizerOptions = { delimiter: ',', quote: '"' };
const lines = (records: CsvRecord[]) => records.map((r) => [r.line, ...r.cells]);

test('reads quoted fields with delimiters, doubled quotes and line breaks, giving the line each record starts on', () => {
  const text = 'a,b,c\r\n1,"x, ""y""",z\r\n\r\n2,"two\r\nlines\nand\rthree",\r\n3,,"",;\n';
  const expected = [
    [1, 'a', 'b', 'c'],
    [2, '1', 'x, "y"', 'z'],
    [4, '2', 'two\nlines\nand\nthree', ''],
    [8, '3', '', '', ';'],
  ];
  assert.deepEqual(lines(tokenize(text, comma)), expected);
  assert.deepEqual(lines(tokenize(text, comma, 'each')), expected, 'the same, one character at a time');
});

test('CRLF, LF and lone CR line ends all count one line, also when CRLF is split between chunks', () => {
  const text = 'a\r\nb\nc\rd\r\n\r\re';
  const expected = [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd'], [7, 'e']];
  assert.deepEqual(lines(tokenize(text, comma)), expected);
  assert.deepEqual(lines(tokenize(text, comma, [2])), expected);
  // Inside a quoted field too: the CR ends one chunk, the LF starts the next.
  assert.deepEqual(lines(tokenize('"x\r\ny"\r\nz', comma, [3, 7])), [[1, 'x\ny'], [3, 'z']]);
});

test('semicolon, tab and pipe delimiters and the single quote, with its doubled form', () => {
  assert.deepEqual(lines(tokenize("'Ia Grai; Gia Lai';'it''s';3", { delimiter: ';', quote: "'" })), [[1, 'Ia Grai; Gia Lai', "it's", '3']]);
  assert.deepEqual(lines(tokenize('a\t"b\tc"\td', { delimiter: '\t', quote: '"' })), [[1, 'a', 'b\tc', 'd']]);
  assert.deepEqual(lines(tokenize('a|"b|c"|', { delimiter: '|', quote: '"' })), [[1, 'a', 'b|c', '']]);
});

test('ragged rows, a last line without a line end, blank lines and an empty quoted field', () => {
  assert.deepEqual(lines(tokenize('a,b,c\n1\n\n\n1,2,3,4,5\n""\n ,\nlast', comma)), [
    [1, 'a', 'b', 'c'],
    [2, '1'],
    [5, '1', '2', '3', '4', '5'],
    [6, ''],
    [7, ' ', ''],
    [8, 'last'],
  ]);
  assert.deepEqual(tokenize('', comma), []);
  assert.deepEqual(tokenize('\n\r\n\r', comma), []);
  assert.deepEqual(lines(tokenize('""', comma, [1])), [[1, '']]);
  assert.deepEqual(lines(tokenize('a,', comma)), [[1, 'a', '']]);
});

test('messy quoting reads as csv-parse relax_quotes read it: stray quotes are text', () => {
  assert.deepEqual(lines(tokenize('ab"c,"x"y,"q" ,  "z"', comma)), [[1, 'ab"c', '"x"y', '"q" ', '  "z"']]);
  assert.deepEqual(lines(tokenize('"x"y', comma, [2])), [[1, '"x"y']]);
});

test('a quoted field never closed is PARSE_INVALID_CSV naming the line where its record starts', () => {
  assert.throws(
    () => tokenize('a,b\n1,2\n3,"never\nclosed\n', comma),
    (e: unknown) => e instanceof ParseError && e.code === 'PARSE_INVALID_CSV' && e.details.line === 3 && /line 3/.test(e.message),
  );
});

test('a record longer than the limit is refused before it is buffered whole', () => {
  const t = new CsvTokenizer({ ...comma, maxRecordChars: 1000 });
  const out: CsvRecord[] = [];
  t.push('a,b\n1,"', out);
  assert.throws(
    () => {
      for (let i = 0; i < 100; i++) t.push('x'.repeat(100), out);
    },
    (e: unknown) => e instanceof ParseError && e.code === 'PARSE_LIMIT_EXCEEDED' && e.details.limit === 'record' && e.details.line === 2,
  );
  // Many short fields count together.
  assert.throws(() => tokenize(`${'xx,'.repeat(600)}\n`, { ...comma, maxRecordChars: 1000 }), (e: unknown) => e instanceof ParseError && e.details.limit === 'record');
  assert.doesNotThrow(() => tokenize(`${'x'.repeat(1000)}\n${'y'.repeat(1000)}`, { ...comma, maxRecordChars: 1000 }));
});

test('a record wider than the column limit is refused at the first field too many', () => {
  assert.throws(
    () => tokenize(`ok\n${'1,'.repeat(10)}1\n`, { ...comma, maxColumns: 10 }),
    (e: unknown) => e instanceof ParseError && e.code === 'PARSE_LIMIT_EXCEEDED' && e.details.limit === 'columns' && e.details.max === 10 && e.details.line === 2,
  );
  assert.equal(tokenize(`${'1,'.repeat(9)}1\n`, { ...comma, maxColumns: 10 })[0]!.cells.length, 10);
});

/** Deterministic pseudo-random numbers, so that a failure can be replayed from its seed. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
}

/** Messy CSV: quoted fields holding delimiters, quotes and line breaks, stray quotes, blank lines, mixed line ends. */
function messyCsv(rnd: (n: number) => number, delimiter: string, quote: string): string {
  const alphabet = ['a', 'Đ', 'ắ', ' ', '1', ',', ';', '\t', '|', '"', "'", '\n', '\r\n', '\r', 'x'];
  const text = (max: number) => Array.from({ length: rnd(max) }, () => alphabet[rnd(alphabet.length)]!).join('');
  const plain = (max: number) => text(max).replace(/[\r\n]/g, '').split(delimiter).join('').replace(new RegExp(`^${quote === '"' ? '"' : "'"}+`), '');
  const field = (): string => {
    switch (rnd(8)) {
      case 0:
        return '';
      case 1:
      case 2:
        return plain(8);
      case 3:
      case 4:
        return `${quote}${text(10).split(quote).join(quote + quote)}${quote}`;
      case 5:
        // A closing quote followed by text: relaxed into literal text.
        return `${quote}${plain(4)}${quote}${plain(3)}x`;
      case 6:
        return `${plain(3)}x${quote}${plain(3)}`;
      default:
        return ` ${plain(4)} `;
    }
  };
  const ends = ['\n', '\r\n', '\r'];
  let out = '';
  const rows = 1 + rnd(12);
  for (let r = 0; r < rows; r++) {
    if (rnd(6) === 0) out += ends[rnd(3)]!;
    out += Array.from({ length: 1 + rnd(6) }, field).join(delimiter);
    if (r < rows - 1 || rnd(2) === 0) out += ends[rnd(3)]!;
  }
  return out;
}

/** The reader this tokenizer replaced: csv-parse over text with CR rewritten as LF, start lines from its info. */
function withCsvParse(text: string, delimiter: string, quote: string): (string | number)[][] {
  const records = parseCsvSync(text.replace(/\r\n?/g, '\n'), {
    delimiter, quote, escape: quote, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, info: true,
  }) as unknown as { record: string[]; info: { lines: number; empty_lines: number } }[];
  let lastEnd = 0;
  let lastEmpty = 0;
  return records.map(({ record, info }) => {
    const start = lastEnd + 1 + (info.empty_lines - lastEmpty);
    lastEnd = info.lines;
    lastEmpty = info.empty_lines;
    return [start, ...record];
  });
}

test('gives the same records and lines as csv-parse on 3,000 random messy files cut into random chunks, and fails where it fails', () => {
  const dialects: [string, string][] = [[',', '"'], [';', '"'], ['\t', '"'], ['|', '"'], [',', "'"], [';', "'"]];
  let unclosed = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const rnd = prng(seed);
    const [delimiter, quote] = dialects[rnd(dialects.length)]!;
    const text = messyCsv(rnd, delimiter, quote);
    const cuts = Array.from({ length: rnd(6) }, () => rnd(text.length + 1)).sort((a, b) => a - b);
    const what = `seed ${seed}: ${JSON.stringify(text)} cut at ${cuts.join(',')}`;
    let expected: (string | number)[][] | null = null;
    try {
      expected = withCsvParse(text, delimiter, quote);
    } catch (e) {
      assert.equal((e as { code?: unknown }).code, 'CSV_QUOTE_NOT_CLOSED', what);
      unclosed++;
    }
    if (expected === null) {
      assert.throws(() => tokenize(text, { delimiter, quote }, cuts), (e: unknown) => e instanceof ParseError && e.code === 'PARSE_INVALID_CSV', what);
    } else {
      assert.deepEqual(lines(tokenize(text, { delimiter, quote }, cuts)), expected, what);
    }
  }
  // The generator must mostly make readable files, and some that are not.
  assert.ok(unclosed > 0 && unclosed < 600, `${unclosed} unclosed`);
});

test('CsvRecordEnds cuts UTF-8 bytes where records start: 3,000 random messy files read block by block give the records and lines of the whole', () => {
  const dialects: [string, string][] = [[',', '"'], [';', '"'], ['\t', '"'], ['|', '"'], [',', "'"], [';', "'"]];
  const utf8 = new TextEncoder();
  const decode = (b: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(b);
  let cutFiles = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const rnd = prng(seed);
    const [delimiter, quote] = dialects[rnd(dialects.length)]!;
    const text = messyCsv(rnd, delimiter, quote);
    const bytes = utf8.encode(text);
    // The scanner gets the bytes in random pieces and is asked for a record end at random.
    const scanner = new CsvRecordEnds({ delimiter, quote });
    const cuts: { offset: number; line: number }[] = [{ offset: 0, line: 1 }];
    for (let pos = 0; pos < bytes.length; ) {
      const end = Math.min(bytes.length, pos + 1 + rnd(20));
      const piece = bytes.subarray(pos, end);
      for (let from = 0; from < piece.length; ) {
        const at = scanner.scan(piece, from, rnd(2) === 0);
        if (at < 0) break;
        cuts.push({ offset: pos + at, line: scanner.lineEnds + 1 });
        from = at;
      }
      pos = end;
    }
    if (cuts.length > 2) cutFiles++;
    const what = `seed ${seed}: ${JSON.stringify(text)} cut at ${JSON.stringify(cuts)}`;
    const blocks = () => {
      const out: CsvRecord[] = [];
      cuts.forEach((cut, k) => {
        const part = decode(bytes.subarray(cut.offset, cuts[k + 1]?.offset ?? bytes.length));
        out.push(...tokenize(part, { delimiter, quote, firstLine: cut.line }));
      });
      return out;
    };
    let whole: CsvRecord[];
    try {
      whole = tokenize(text, { delimiter, quote });
    } catch (e) {
      assert.ok(e instanceof ParseError && e.code === 'PARSE_INVALID_CSV', what);
      assert.throws(blocks, (b: unknown) => b instanceof ParseError && b.code === 'PARSE_INVALID_CSV' && b.details.line === e.details.line, what);
      continue;
    }
    assert.deepEqual(lines(blocks()), lines(whole), what);
  }
  assert.ok(cutFiles > 1000, `only ${cutFiles} files were cut in more than two blocks`);
});
