import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import {
  decodeBuffer,
  decodeStream,
  detectEncoding,
  repairLegacyText,
  tcvn3ToUnicode,
  unicodeToTcvn3,
  unicodeToVni,
  vniToUnicode,
  type TextEncoding,
} from './index.js';
import { VIETNAMESE_DIACRITIC_LETTERS } from './legacy.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Well-known words as they are stored by .VnTime (TCVN3) fonts, checked byte by byte by hand. */
const TCVN3_LITERALS: Array<[string, string]> = [
  ['56 69 D6 74 20 4E 61 6D', 'Việt Nam'],
  ['47 69 61 20 4C 61 69', 'Gia Lai'],
  ['A7 BE 6B 20 A7 6F 61', 'Đắk Đoa'],
  ['51 75 79 20 4E 68 AC 6E', 'Quy Nhơn'],
  ['53 EB 20 4B 68 6F 61 20 68 E4 63 20 76 B5 20 43 AB 6E 67 20 6E 67 68 D6', 'Sở Khoa học và Công nghệ'],
  // VN3 has no upper-case toned letters: a capitalised "Ủy" is stored with the lower-case code.
  ['F1 79 20 62 61 6E 20 6E 68 A9 6E 20 64 A9 6E', 'ủy ban nhân dân'],
  // ...and an all-caps heading gets its capitals back.
  ['F1 59 20 42 41 4E 20 4E 48 A2 4E 20 44 A2 4E', 'ỦY BAN NHÂN DÂN'],
  ['43 E9 6E 67 20 68 6F B5 20 78 B7 20 68 E9 69 20 63 68 F1 20 6E 67 68 DC 61 20 56 69 D6 74 20 4E 61 6D', 'Cộng hoà xã hội chủ nghĩa Việt Nam'],
  ['A7 E9 63 20 6C CB 70 20 2D 20 54 F9 20 64 6F 20 2D 20 48 B9 6E 68 20 70 68 F3 63', 'Độc lập - Tự do - Hạnh phúc'],
  ['54 72 AD EA 6E 67 20 A7 B9 69 20 68 E4 63', 'Trường Đại học'],
  ['4E 67 75 79 C4 6E', 'NguyÄn'], // 0xC4 is not a VN3 letter: it passes through as Windows-1252
];

/** The same words in VNI-Windows (base letter + modifier byte), checked by hand. */
const VNI_LITERALS: Array<[string, string]> = [
  ['56 69 65 E4 74 20 4E 61 6D', 'Việt Nam'],
  ['47 69 61 20 4C 61 69', 'Gia Lai'],
  ['D1 61 E9 6B 20 D1 6F 61', 'Đắk Đoa'],
  ['51 75 79 20 4E 68 F4 6E', 'Quy Nhơn'],
  ['53 F4 FB 20 4B 68 6F 61 20 68 6F EF 63 20 76 61 F8 20 43 6F E2 6E 67 20 6E 67 68 65 E4', 'Sở Khoa học và Công nghệ'],
  ['55 DB 79 20 62 61 6E 20 6E 68 61 E2 6E 20 64 61 E2 6E', 'Ủy ban nhân dân'],
  ['54 52 D6 D4 D8 4E 47', 'TRƯỜNG'],
  ['F1 F2 61 20 63 68 E6', 'địa chỉ'],
  ['4E 67 75 79 65 E3 6E 20 4E 61 EA 6D', 'Nguyễn Năm'],
  ['6B 68 75 79 61 20 6C 79 F9 20 6D 79 F5 20 6B 79 FB 20 EE', 'khuya lý mỹ kỷ ỵ'],
];

test('decodes hand-checked TCVN3 bytes of well-known words', () => {
  for (const [bytes, expected] of TCVN3_LITERALS) assert.equal(decodeBuffer(hex(bytes), 'tcvn3'), expected, bytes);
});

test('decodes hand-checked VNI bytes of well-known words', () => {
  for (const [bytes, expected] of VNI_LITERALS) assert.equal(decodeBuffer(hex(bytes), 'vni'), expected, bytes);
});

test('every Vietnamese letter, lower and upper case, survives a TCVN3 round trip (upper-case toned ones as lower case)', () => {
  assert.equal(VIETNAMESE_DIACRITIC_LETTERS.length, 134);
  for (const letter of VIETNAMESE_DIACRITIC_LETTERS) {
    const bytes = Buffer.from(unicodeToTcvn3(letter), 'latin1');
    assert.equal(bytes.length, 1, `${letter} is one VN3 byte`);
    const back = decodeBuffer(bytes, 'tcvn3');
    const toned = /[\u0300\u0301\u0303\u0309\u0323]/u.test(letter.normalize('NFD'));
    assert.equal(back, toned ? letter.toLowerCase() : letter, letter);
    // In an all-caps word the capital comes back.
    if (toned) assert.equal(decodeBuffer(Buffer.from(unicodeToTcvn3(`X${letter.toUpperCase()}N`), 'latin1'), 'tcvn3'), `X${letter.toUpperCase()}N`);
  }
});

test('every Vietnamese letter, lower and upper case, survives a VNI round trip', () => {
  for (const letter of VIETNAMESE_DIACRITIC_LETTERS) {
    const legacy = unicodeToVni(letter);
    assert.ok(/^[\x00-\xFF]{1,2}$/u.test(legacy), `${letter} → ${legacy}`);
    assert.equal(decodeBuffer(Buffer.from(legacy, 'latin1'), 'vni'), letter, letter);
    assert.equal(vniToUnicode(`Tr${legacy}n`), `Tr${letter}n`);
  }
});

test('TCVN3 and VNI tables give the toned forms of each vowel in the order grave, hook, tilde, acute, dot', () => {
  assert.equal(tcvn3ToUnicode('\u00B5\u00B6\u00B7\u00B8\u00B9 \u00D2\u00D3\u00D4\u00D5\u00D6 \u00F5\u00F6\u00F7\u00F8\u00F9'), 'àảãáạ ềểễếệ ừửữứự');
  assert.equal(vniToUnicode('a\u00F8a\u00FBa\u00F5a\u00F9a\u00EF o\u00E0o\u00E5o\u00E3o\u00E1o\u00E4 a\u00E8a\u00FAa\u00FCa\u00E9a\u00EB'), 'àảãáạ ồổỗốộ ằẳẵắặ');
});

const SAMPLE = [
  'STT,Tên đơn vị,Dân số,Ghi chú',
  '1,Xã Ia Grai,12.345,Vùng đồng bào dân tộc thiểu số',
  '2,Phường Quy Nhơn Bắc,45.678,Thành phố trực thuộc tỉnh',
  '3,Xã Đắk Đoa,23.456,Huyện cũ sáp nhập',
  '4,Sở Khoa học và Công nghệ,,Cơ quan chuyên môn thuộc Ủy ban nhân dân tỉnh',
  '5,Xã Chư Păh,9.876,Người dân tham gia xây dựng nông thôn mới',
].join('\r\n');

/** Windows-1258 stores base+shape precomposed and the tone as a combining mark: build that form. */
function toWindows1258(text: string): Buffer {
  const spelled = text.normalize('NFD').replace(/(\p{L})(\p{M}*)/gu, (_m, base: string, marks: string) => {
    const shape = [...marks].filter((m) => '\u0302\u0306\u031B'.includes(m)).join('');
    const tone = [...marks].filter((m) => !'\u0302\u0306\u031B'.includes(m)).join('');
    return (base + shape).normalize('NFC') + tone;
  });
  const bytes = iconv.encode(spelled, 'windows1258');
  assert.ok(!bytes.includes(0x3f), 'iconv-lite could encode every character');
  return bytes;
}

const ENCODED: Record<TextEncoding, Buffer> = {
  'utf-8': Buffer.from(SAMPLE, 'utf8'),
  'utf-16le': iconv.encode(SAMPLE, 'utf16le'),
  'utf-16be': iconv.encode(SAMPLE, 'utf16be'),
  'windows-1258': toWindows1258(SAMPLE),
  tcvn3: Buffer.from(unicodeToTcvn3(SAMPLE), 'latin1'),
  vni: Buffer.from(unicodeToVni(SAMPLE), 'latin1'),
};

test('detects each encoding of a Vietnamese sample without a BOM', () => {
  for (const [encoding, bytes] of Object.entries(ENCODED)) {
    const detected = detectEncoding(bytes);
    assert.equal(detected.encoding, encoding, encoding);
    assert.equal(detected.bom, false);
    assert.ok(detected.confidence >= 0.5, `${encoding} confidence ${detected.confidence}`);
  }
});

test('detects byte-order marks with full confidence', () => {
  assert.deepEqual(detectEncoding(Buffer.concat([hex('EFBBBF'), ENCODED['utf-8']])), { encoding: 'utf-8', confidence: 1, bom: true });
  assert.deepEqual(detectEncoding(Buffer.concat([hex('FFFE'), ENCODED['utf-16le']])), { encoding: 'utf-16le', confidence: 1, bom: true });
  assert.deepEqual(detectEncoding(Buffer.concat([hex('FEFF'), ENCODED['utf-16be']])), { encoding: 'utf-16be', confidence: 1, bom: true });
});

test('reports plain ASCII as UTF-8 with middling confidence', () => {
  assert.deepEqual(detectEncoding(Buffer.from('a,b\n1,2\n')), { encoding: 'utf-8', confidence: 0.5, bom: false });
});

test('a UTF-8 sample cut inside a multi-byte letter is still UTF-8', () => {
  const bytes = Buffer.from('Đắk Đoa', 'utf8');
  assert.equal(detectEncoding(bytes.subarray(0, bytes.length - 5)).encoding, 'utf-8');
});

async function decodeInChunks(bytes: Buffer, encoding: TextEncoding, size: number): Promise<string> {
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  let text = '';
  for await (const piece of decodeStream(chunks(), encoding)) text += piece;
  return text;
}

test('decodeStream gives NFC text for every encoding, even one byte at a time', async () => {
  for (const [encoding, bytes] of Object.entries(ENCODED) as Array<[TextEncoding, Buffer]>) {
    // VN3 has no capital Ủ: the sample's "Ủy ban" can only come back as "ủy ban".
    const expected = encoding === 'tcvn3' ? SAMPLE.replace('Ủy ban', 'ủy ban') : SAMPLE;
    for (const size of [1, 3, 7, 65536]) {
      assert.equal(await decodeInChunks(bytes, encoding, size), expected, `${encoding} in chunks of ${size}`);
    }
  }
});

test('decodeStream strips a byte-order mark', async () => {
  assert.equal(await decodeInChunks(Buffer.concat([hex('EFBBBF'), Buffer.from('Gia Lai')]), 'utf-8', 2), 'Gia Lai');
  assert.equal(await decodeInChunks(Buffer.concat([hex('FFFE'), iconv.encode('Gia Lai', 'utf16le')]), 'utf-16le', 3), 'Gia Lai');
});

test('decodeStream turns decomposed Windows-1258 tone marks into precomposed letters', async () => {
  const text = await decodeInChunks(toWindows1258('Việt Nam Đắk Đoa'), 'windows-1258', 1);
  assert.equal(text, 'Việt Nam Đắk Đoa');
  assert.equal(text.length, 'Việt Nam Đắk Đoa'.normalize('NFC').length);
});

test('repairLegacyText repairs TCVN3 and VNI text found in Unicode cells', () => {
  assert.equal(repairLegacyText('ViÖt Nam'), 'Việt Nam');
  assert.equal(repairLegacyText('Vieät Nam'), 'Việt Nam');
  assert.equal(repairLegacyText('Së Khoa häc vµ C«ng nghÖ'), 'Sở Khoa học và Công nghệ');
  assert.equal(repairLegacyText('Sôû Khoa hoïc vaø Coâng ngheä'), 'Sở Khoa học và Công nghệ');
  assert.equal(repairLegacyText('ñY BAN NH¢N D¢N TØNH GIA LAI'), 'ỦY BAN NHÂN DÂN TỈNH GIA LAI');
  assert.equal(repairLegacyText('§¾k §oa'), 'Đắk Đoa');
  assert.equal(repairLegacyText('Ñaék Ñoa'), 'Đắk Đoa');
});

test('repairLegacyText never changes correct Vietnamese, ASCII or other languages', () => {
  for (const s of ['Việt Nam', 'Cá', 'Cà Mau', 'là mã số', 'Ông Bà', 'Đà Nẵng', 'Gia Lai', '', '12.345', 'São Paulo', 'Müller', 'Café', '© 2024', '25°C', 'Ia Grai', 'Krông Pa']) {
    assert.equal(repairLegacyText(s), s, s);
  }
  // Decomposed input comes back composed.
  assert.equal(repairLegacyText('Vie\u0323\u0302t'), 'Việt');
});
