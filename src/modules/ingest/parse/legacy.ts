/**
 * The two legacy Vietnamese font encodings still found in provincial files.
 *
 * Both put Vietnamese letters at code points of the Windows-1252 range, so a legacy byte and the
 * character Windows-1252 (= Latin-1 in 0xA0–0xFF) shows for it have the same number. The tables
 * below are therefore keyed by that number and work both on raw bytes (after a Windows-1252
 * decode) and on strings that were typed in a legacy font inside a Unicode container (XLSX).
 */

/**
 * TCVN 5712:1993 VN3 ("ABC", .VnTime fonts): one byte per precomposed lower-case letter.
 * Upper-case toned letters do not exist in VN3; all-caps fonts (.VnTimeH) draw the lower-case
 * codes as capitals, so the standard mapping of those bytes is lower-case.
 */
const TCVN3_ROWS: ReadonlyArray<readonly [string, string]> = [
  // [unicode letters, VN3 code points in the same order]
  ['đĐ', '\u00AE\u00A7'],
  ['ăâêôơư', '\u00A8\u00A9\u00AA\u00AB\u00AC\u00AD'],
  ['ĂÂÊÔƠƯ', '\u00A1\u00A2\u00A3\u00A4\u00A5\u00A6'],
  // grave, hook, tilde, acute, dot below
  ['àảãáạ', '\u00B5\u00B6\u00B7\u00B8\u00B9'],
  ['ằẳẵắặ', '\u00BB\u00BC\u00BD\u00BE\u00C6'],
  ['ầẩẫấậ', '\u00C7\u00C8\u00C9\u00CA\u00CB'],
  ['èẻẽéẹ', '\u00CC\u00CE\u00CF\u00D0\u00D1'],
  ['ềểễếệ', '\u00D2\u00D3\u00D4\u00D5\u00D6'],
  ['ìỉĩíị', '\u00D7\u00D8\u00DC\u00DD\u00DE'],
  ['òỏõóọ', '\u00DF\u00E1\u00E2\u00E3\u00E4'],
  ['ồổỗốộ', '\u00E5\u00E6\u00E7\u00E8\u00E9'],
  ['ờởỡớợ', '\u00EA\u00EB\u00EC\u00ED\u00EE'],
  ['ùủũúụ', '\u00EF\u00F1\u00F2\u00F3\u00F4'],
  ['ừửữứự', '\u00F5\u00F6\u00F7\u00F8\u00F9'],
  ['ỳỷỹýỵ', '\u00FA\u00FB\u00FC\u00FD\u00FE'],
];

const TCVN3_TO_UNICODE = new Map<number, string>();
const UNICODE_TO_TCVN3 = new Map<string, string>();
/** VN3 codes of toned letters: lower-case by the standard, upper-case when an all-caps word says so. */
const TCVN3_TONED = new Set<number>();
for (const [letters, codes] of TCVN3_ROWS) {
  const us = [...letters];
  const cs = [...codes];
  if (us.length !== cs.length) throw new Error('TCVN3 table row length mismatch');
  us.forEach((u, i) => {
    const code = cs[i]!.charCodeAt(0);
    TCVN3_TO_UNICODE.set(code, u);
    UNICODE_TO_TCVN3.set(u, cs[i]!);
    if (code >= 0xb5) TCVN3_TONED.add(code);
  });
}

/** VNI-Windows modifiers that follow a base vowel: the combining marks they stand for. */
const VNI_MODIFIERS = new Map<string, string>([
  ['\u00F8', '\u0300'], // ø huyền
  ['\u00F9', '\u0301'], // ù sắc
  ['\u00FB', '\u0309'], // û hỏi
  ['\u00F5', '\u0303'], // õ ngã
  ['\u00EF', '\u0323'], // ï nặng
  ['\u00E2', '\u0302'], // â mũ (â ê ô)
  ['\u00EA', '\u0306'], // ê trăng (ă)
  ['\u00E0', '\u0302\u0300'], // à mũ + huyền
  ['\u00E1', '\u0302\u0301'], // á mũ + sắc
  ['\u00E5', '\u0302\u0309'], // å mũ + hỏi
  ['\u00E3', '\u0302\u0303'], // ã mũ + ngã
  ['\u00E4', '\u0302\u0323'], // ä mũ + nặng
  ['\u00E8', '\u0306\u0300'], // è trăng + huyền
  ['\u00E9', '\u0306\u0301'], // é trăng + sắc
  ['\u00FA', '\u0306\u0309'], // ú trăng + hỏi
  ['\u00FC', '\u0306\u0303'], // ü trăng + ngã
  ['\u00EB', '\u0306\u0323'], // ë trăng + nặng
]);
// Upper-case forms of the modifiers (typed with Shift in all-caps text) mean the same marks.
for (const [m, marks] of [...VNI_MODIFIERS]) VNI_MODIFIERS.set(m.toUpperCase(), marks);

/** VNI-Windows letters that stand alone (one byte each). */
const VNI_STANDALONE = new Map<string, string>([
  ['\u00F1', 'đ'], ['\u00D1', 'Đ'],
  ['\u00F4', 'ơ'], ['\u00D4', 'Ơ'],
  ['\u00F6', 'ư'], ['\u00D6', 'Ư'],
  ['\u00EC', 'ì'], ['\u00CC', 'Ì'],
  ['\u00ED', 'í'], ['\u00CD', 'Í'],
  ['\u00E6', 'ỉ'], ['\u00C6', 'Ỉ'],
  ['\u00F3', 'ĩ'], ['\u00D3', 'Ĩ'],
  ['\u00F2', 'ị'], ['\u00D2', 'Ị'],
  ['\u00EE', 'ỵ'], ['\u00CE', 'Ỵ'],
]);

const TONE_MARKS = new Set(['\u0300', '\u0301', '\u0303', '\u0309', '\u0323']);
const SHAPE_MARKS = new Set(['\u0302', '\u0306', '\u031B']);

/** Whether `marks` may be put on the (decomposed) letter `prev`, as a VNI modifier would. */
function vniCanCombine(prev: string, marks: string): boolean {
  const nfd = prev.normalize('NFD');
  const base = nfd[0]!.toLowerCase();
  const existing = [...nfd.slice(1)];
  if (!'aeiouy'.includes(base)) return false;
  if (existing.some((m) => TONE_MARKS.has(m))) return false;
  const shape = marks[0]!;
  if (SHAPE_MARKS.has(shape)) {
    if (existing.length > 0) return false;
    if (shape === '\u0302') return base === 'a' || base === 'e' || base === 'o';
    return base === 'a'; // breve
  }
  // tone only
  return true;
}

/**
 * Converts text typed with the TCVN3 (ABC) encoding into Unicode NFC.
 * Characters outside the table pass through. Toned letters are lower-case per the standard,
 * except inside a word whose other letters are upper-case (all-caps headings such as
 * "ñY BAN" → "ỦY BAN"): there the capital is restored.
 */
export function tcvn3ToUnicode(text: string): string {
  const out: string[] = [];
  const toned: boolean[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const mapped = ch.length === 1 ? TCVN3_TO_UNICODE.get(code) : undefined;
    out.push(mapped ?? ch);
    toned.push(mapped !== undefined && TCVN3_TONED.has(code));
  }
  restoreCapitals(out, toned);
  return out.join('').normalize('NFC');
}

function isLetter(ch: string): boolean {
  return /\p{L}/u.test(ch);
}

function restoreCapitals(out: string[], toned: boolean[]): void {
  let i = 0;
  while (i < out.length) {
    if (!isLetter(out[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < out.length && isLetter(out[j]!)) j++;
    let hasToned = false;
    let upperAfterFirst = false;
    let otherLower = false;
    for (let k = i; k < j; k++) {
      const ch = out[k]!;
      if (toned[k]) hasToned = true;
      else if (ch !== ch.toUpperCase()) otherLower = true;
      else if (k > i && ch !== ch.toLowerCase()) upperAfterFirst = true;
    }
    if (hasToned && upperAfterFirst && !otherLower) {
      for (let k = i; k < j; k++) if (toned[k]) out[k] = out[k]!.toUpperCase();
    }
    i = j;
  }
}

/**
 * Converts text typed with the VNI-Windows encoding (base letter + modifier, "Vieät Nam")
 * into Unicode NFC. A modifier that does not follow a vowel it can sit on passes through.
 */
export function vniToUnicode(text: string): string {
  const out: string[] = [];
  for (const ch of text) {
    const marks = VNI_MODIFIERS.get(ch);
    const prev = out.length > 0 ? out[out.length - 1]! : '';
    if (marks !== undefined && prev !== '' && vniCanCombine(prev, marks)) {
      out[out.length - 1] = (prev.normalize('NFD') + marks).normalize('NFC');
      continue;
    }
    const standalone = VNI_STANDALONE.get(ch);
    if (standalone !== undefined) {
      out.push(standalone);
      continue;
    }
    out.push(ch);
  }
  return out.join('').normalize('NFC');
}

/**
 * Unicode → TCVN3 code points (as a Windows-1252 string; encode it with windows-1252 for bytes).
 * Upper-case toned letters, which VN3 lacks, become their lower-case code. Characters with no
 * VN3 form pass through unchanged. Meant for tests and for writing legacy files.
 */
export function unicodeToTcvn3(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const direct = UNICODE_TO_TCVN3.get(ch);
    if (direct !== undefined) out += direct;
    else out += UNICODE_TO_TCVN3.get(ch.toLowerCase()) ?? ch;
  }
  return out;
}

const VNI_ENCODE = new Map<string, string>();
{
  for (const [code, letter] of VNI_STANDALONE) VNI_ENCODE.set(letter, code);
  const bases = ['a', 'e', 'i', 'o', 'u', 'y', 'ơ', 'ư'];
  for (const [modifier, marks] of VNI_MODIFIERS) {
    if (modifier !== modifier.toLowerCase()) continue;
    for (const base of bases) {
      if (!vniCanCombine(base, marks)) continue;
      const lower = (base.normalize('NFD') + marks).normalize('NFC');
      if (VNI_ENCODE.has(lower)) continue; // the single-byte i/y letters win
      const baseCode = VNI_ENCODE.get(base) ?? base;
      VNI_ENCODE.set(lower, baseCode + modifier);
      VNI_ENCODE.set(lower.toUpperCase(), baseCode.toUpperCase() + modifier.toUpperCase());
    }
  }
}

/**
 * Unicode → VNI-Windows code points (as a Windows-1252 string). Characters with no VNI form pass
 * through unchanged. Meant for tests and for writing legacy files.
 */
export function unicodeToVni(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) out += VNI_ENCODE.get(ch) ?? ch;
  return out;
}

/** Every Vietnamese letter that carries a diacritic, lower and upper case (for tests and scoring). */
export const VIETNAMESE_DIACRITIC_LETTERS: readonly string[] = TCVN3_ROWS.flatMap(([letters]) =>
  [...letters].flatMap((l) => [l.toLowerCase(), l.toUpperCase()]),
).filter((l, i, all) => all.indexOf(l) === i);
