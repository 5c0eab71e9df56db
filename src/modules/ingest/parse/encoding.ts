import type { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { ParseError } from './errors.js';
import { tcvn3ToUnicode, vniToUnicode } from './legacy.js';
import { hasUnicodeVietnamese, scoreVietnamese } from './syllable.js';
import { toByteChunks, type ByteSource } from './source.js';

/** The text encodings this library reads. `tcvn3` is TCVN 5712:1993 VN3 (ABC); `vni` is VNI-Windows. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1258' | 'tcvn3' | 'vni';

export const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1258', 'tcvn3', 'vni'];

export interface DetectedEncoding {
  encoding: TextEncoding;
  /** 0..1. 1 for a byte-order mark; lower when the candidates were close or the sample had little Vietnamese. */
  confidence: number;
  /** Whether the sample starts with a byte-order mark. */
  bom: boolean;
}

const LEGACY_CANDIDATES: ReadonlyArray<Exclude<TextEncoding, 'utf-8' | 'utf-16le' | 'utf-16be'>> = ['windows-1258', 'tcvn3', 'vni'];

/**
 * Guesses the encoding of the first bytes of a file (a sample of 16–64 KiB is plenty).
 *
 * Order of evidence: byte-order mark; NUL-byte pattern of UTF-16; strict UTF-8 validity; otherwise
 * the sample is decoded as Windows-1258, TCVN3 and VNI and the decoding with the largest share of
 * valid Vietnamese syllables wins. Pure ASCII is reported as UTF-8.
 *
 * Throws nothing.
 */
export function detectEncoding(sample: Buffer | Uint8Array): DetectedEncoding {
  const bytes = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength);
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf-8', confidence: 1, bom: true };
  }
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', confidence: 1, bom: true };
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', confidence: 1, bom: true };

  const utf16 = guessUtf16(bytes);
  if (utf16 !== null) return { encoding: utf16, confidence: 0.9, bom: false };

  let hasHigh = false;
  for (const b of bytes) {
    if (b >= 0x80) {
      hasHigh = true;
      break;
    }
  }
  if (!hasHigh) return { encoding: 'utf-8', confidence: 0.5, bom: false };
  if (isValidUtf8(bytes)) return { encoding: 'utf-8', confidence: 0.99, bom: false };
  // UTF-8 text with a few broken bytes is a damaged UTF-8 file, not Windows-1258: say so (the
  // strict decoder then names the bad bytes) rather than load mojibake. Legacy encodings almost
  // never form valid multi-byte sequences.
  const { valid, invalid } = utf8Sequences(bytes);
  if (valid >= 3 && valid >= 2 * invalid) return { encoding: 'utf-8', confidence: 0.3, bom: false };

  const scored = LEGACY_CANDIDATES.map((encoding) => ({ encoding, ...scoreVietnamese(decodeBuffer(bytes, encoding)) }))
    .sort((a, b) => b.score - a.score || b.valid - a.valid);
  const best = scored[0]!;
  const second = scored[1]!;
  if (best.relevant === 0 || best.score === 0) return { encoding: 'windows-1258', confidence: 0.1, bom: false };
  const volume = Math.min(1, best.relevant / 10);
  const confidence = Math.max(0, Math.min(1, (best.score - 0.5 * second.score) * (0.5 + 0.5 * volume)));
  return { encoding: best.encoding, confidence: Math.round(confidence * 100) / 100, bom: false };
}

function guessUtf16(bytes: Buffer): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, 8192) & ~1;
  if (n < 4) return null;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = n / 2;
  if (oddZeros / pairs > 0.2 && evenZeros / pairs < 0.02) return 'utf-16le';
  if (evenZeros / pairs > 0.2 && oddZeros / pairs < 0.02) return 'utf-16be';
  return null;
}

function isValidUtf8(bytes: Buffer): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // The sample may end in the middle of a multi-byte sequence: allow up to 3 bytes of it.
  for (let cut = 0; cut <= Math.min(3, bytes.length); cut++) {
    try {
      decoder.decode(bytes.subarray(0, bytes.length - cut));
      return true;
    } catch {
      // try a shorter prefix
    }
  }
  return false;
}

/** Counts well-formed multi-byte UTF-8 sequences and stray high bytes. */
function utf8Sequences(bytes: Buffer): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x80) continue;
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    let ok = need > 0;
    for (let k = 1; ok && k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < 0x80 || c > 0xbf) ok = false;
    }
    if (ok) {
      valid++;
      i += need;
    } else {
      invalid++;
    }
  }
  return { valid, invalid };
}

interface ChunkDecoder {
  write(chunk: Buffer): string;
  end(): string;
}

/**
 * A UTF-8 decoder that refuses invalid bytes instead of turning them into U+FFFD: a file whose
 * first 64 KiB looked like UTF-8 but that goes on in another encoding must not load as garbage.
 */
function strictUtf8Decoder(start = 0): ChunkDecoder {
  // Strips a BOM at the start of the file; in a part of it, U+FEFF is text (ignoreBOM keeps it).
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: start > 0 });
  let offset = start;
  const fail = (error: unknown) =>
    new ParseError('PARSE_INVALID_ENCODING', `The file is not valid UTF-8 (invalid bytes within bytes ${offset}–${offset + 65536})`, { encoding: 'utf-8', offset }, { cause: error });
  return {
    write: (chunk) => {
      try {
        const text = decoder.decode(chunk, { stream: true });
        offset += chunk.length;
        return text;
      } catch (error) {
        throw fail(error);
      }
    },
    end: () => {
      try {
        return decoder.decode();
      } catch (error) {
        throw fail(error);
      }
    },
  };
}

function createChunkDecoder(encoding: TextEncoding, stripBOM = true): ChunkDecoder {
  const iconvName: Record<TextEncoding, string> = {
    'utf-8': 'utf8',
    'utf-16le': 'utf16le',
    'utf-16be': 'utf16be',
    'windows-1258': 'windows1258',
    // Legacy font encodings are Windows-1252 bytes re-read through our own tables afterwards.
    tcvn3: 'windows1252',
    vni: 'windows1252',
  };
  const name = iconvName[encoding];
  if (name === undefined) throw new ParseError('PARSE_UNSUPPORTED_ENCODING', `Unsupported encoding: ${String(encoding)}`, { encoding });
  const decoder = iconv.getDecoder(name, { stripBOM });
  return { write: (chunk) => decoder.write(chunk), end: () => decoder.end() ?? '' };
}

/** The per-encoding text repair applied after byte decoding: NFC always, plus legacy tables. */
function textTransform(encoding: TextEncoding): (s: string) => string {
  if (encoding === 'tcvn3') return tcvn3ToUnicode;
  if (encoding === 'vni') return vniToUnicode;
  return (s) => s.normalize('NFC');
}

/**
 * Decodes a whole buffer to NFC text. Throws `ParseError` PARSE_UNSUPPORTED_ENCODING for an unknown
 * encoding name.
 */
export function decodeBuffer(bytes: Buffer | Uint8Array, encoding: TextEncoding): string {
  const decoder = createChunkDecoder(encoding);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return textTransform(encoding)(decoder.write(buf) + decoder.end());
}

/** A carried tail longer than this is flushed even without a word boundary (pathological input). */
const MAX_CARRY = 64 * 1024;

/**
 * Decodes a byte stream into NFC text chunks without ever holding the whole file.
 *
 * Multi-byte sequences split across chunks are handled by the decoder; composition (combining
 * tone marks of Windows-1258, VNI modifiers, TCVN3 capitals) needs the whole word, so each
 * chunk's last partial word is carried into the next one.
 *
 * Throws `ParseError` PARSE_UNSUPPORTED_ENCODING for an unknown encoding, PARSE_INVALID_ENCODING for
 * bytes that are not valid UTF-8 when decoding UTF-8; rethrows errors of the source.
 */
export async function* decodeStream(
  source: AsyncIterable<Buffer | Uint8Array> | Readable | ByteSource,
  encoding: TextEncoding,
  /** Where `source` starts in the file, when it is a part of it: error messages give file offsets. */
  offset = 0,
): AsyncGenerator<string, void, undefined> {
  const decoder = encoding === 'utf-8' ? strictUtf8Decoder(offset) : createChunkDecoder(encoding, offset === 0);
  const transform = textTransform(encoding);
  let carry = '';
  for await (const chunk of toByteChunks(source)) {
    const text = carry + decoder.write(chunk);
    let cut = lastBoundary(text);
    if (cut <= 0 && text.length > MAX_CARRY) cut = text.length;
    if (cut <= 0) {
      carry = text;
      continue;
    }
    carry = text.slice(cut);
    const out = transform(text.slice(0, cut));
    if (out !== '') yield out;
  }
  const rest = carry + decoder.end();
  if (rest !== '') yield transform(rest);
}

/** Index just after the last whitespace character, or 0 when there is none. */
function lastBoundary(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09) return i + 1;
  }
  return 0;
}

/** Characters of the Windows-1252 upper half that legacy Vietnamese fonts reuse. */
const LEGACY_RANGE = /[\u00A0-\u00FF]/u;

/**
 * Repairs a string that is already Unicode but was typed in a TCVN3 (.VnTime) or VNI font, as
 * cells of old XLSX templates are ("ViÖt Nam", "Vieät Nam" → "Việt Nam").
 *
 * It converts only when the string clearly looks legacy: it has no letter that only Unicode
 * Vietnamese has, and a conversion turns invalid syllables into valid ones (the converted text
 * must be at least 90 % valid syllables, better than the original, and contain letters that
 * Latin-1 lacks or at least two valid syllables). A legacy string that happens to read as valid
 * Vietnamese ("chó" is TCVN3 for "chú") cannot be told apart and is left alone. Correct Vietnamese, plain
 * ASCII and other languages come back unchanged (NFC-normalised).
 *
 * `repaired` hears which table converted the string, when one did (a workbook reports it as its encoding).
 *
 * Throws nothing.
 */
export function repairLegacyText(s: string, repaired?: (encoding: LegacyEncoding) => void): string {
  const nfc = s.normalize('NFC');
  if (!LEGACY_RANGE.test(nfc) || hasUnicodeVietnamese(nfc)) return nfc;
  const original = scoreVietnamese(nfc);
  if (original.relevant === 0) return nfc;
  let best = nfc;
  let bestScore = original.score;
  let bestEncoding: LegacyEncoding | null = null;
  for (const [encoding, convert] of LEGACY_TABLES) {
    const candidate = convert(nfc);
    if (candidate === nfc) continue;
    const score = scoreVietnamese(candidate);
    // A lone symbol is no evidence ("© 2024" must not become "â 2024"): a repair must produce
    // letters Latin-1 lacks, or at least two valid syllables.
    if (!hasUnicodeVietnamese(candidate) && score.valid < 2) continue;
    if (score.score >= 0.9 && score.score > bestScore + 0.2) {
      best = candidate;
      bestScore = score.score;
      bestEncoding = encoding;
    }
  }
  if (bestEncoding !== null) repaired?.(bestEncoding);
  return best;
}

export type LegacyEncoding = 'tcvn3' | 'vni';

const LEGACY_TABLES: readonly (readonly [LegacyEncoding, (s: string) => string])[] = [
  ['tcvn3', tcvn3ToUnicode],
  ['vni', vniToUnicode],
];

/**
 * Counts the cells of a workbook that {@link repairLegacyText} converted, by table: the workbook's
 * encoding is the one that repaired most (null while none did — a Unicode workbook).
 */
export class LegacyTally {
  private readonly counts = { tcvn3: 0, vni: 0 };
  readonly repaired = (encoding: LegacyEncoding): void => {
    this.counts[encoding]++;
  };

  get encoding(): LegacyEncoding | null {
    const { tcvn3, vni } = this.counts;
    return tcvn3 === 0 && vni === 0 ? null : tcvn3 >= vni ? 'tcvn3' : 'vni';
  }
}
