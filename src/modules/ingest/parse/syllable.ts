/**
 * A small model of the Vietnamese syllable, used to tell a correct decoding from mojibake.
 * It accepts standard syllables plus the consonant clusters of Gia Lai's Bahnar and Jrai
 * place names (Krông, Pleiku, Đắk, Păh), and checks the one-tone and stop-final rules.
 */

const TONES = /[\u0300\u0301\u0303\u0309\u0323]/gu;

const INITIALS = '(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|kr|kl|kb|pl|br|gr|dr|hr|[bcdđghklmnprstvx])';
const NUCLEI = [
  'uyê', 'uyu', 'uya', 'iêu', 'yêu', 'ươi', 'ươu', 'uôi', 'oai', 'oay', 'oao', 'oeo', 'uây', 'uêu',
  'ai', 'ao', 'au', 'ay', 'âu', 'ây', 'eo', 'êu', 'ia', 'iê', 'iu', 'oa', 'oă', 'oe', 'oi', 'oo', 'ôi',
  'ơi', 'ua', 'uâ', 'uê', 'ui', 'uô', 'uơ', 'uy', 'ưa', 'ưi', 'ươ', 'ưu', 'ya', 'yê', 'ơu', 'ei',
  'a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y',
].join('|');
const FINALS = '(?:ng|nh|ch|[cmnptkh])';
const SYLLABLE = new RegExp(`^(${INITIALS})?(${NUCLEI})(${FINALS})?$`, 'u');

/**
 * Whether `word` (letters only, any case, any normalisation) is a plausible Vietnamese syllable.
 */
export function isVietnameseSyllable(word: string): boolean {
  const nfd = word.toLowerCase().normalize('NFD');
  const tones = nfd.match(TONES) ?? [];
  if (tones.length > 1) return false;
  const bare = nfd.replace(TONES, '').normalize('NFC');
  const m = SYLLABLE.exec(bare);
  if (m === null) return false;
  const final = m[3];
  if (final !== undefined && /^(?:c|ch|p|t)$/.test(final)) {
    // Stop finals only take the rising (sắc) or heavy (nặng) tone.
    return tones.length === 1 && (tones[0] === '\u0301' || tones[0] === '\u0323');
  }
  return true;
}

/** Characters that only ever appear in Vietnamese written in Unicode (never in legacy text). */
const UNICODE_ONLY_VIETNAMESE = /[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01A0\u01A1\u01AF\u01B0\u1EA0-\u1EF9]|\p{M}/u;

/** Whether `text` already contains letters that only Unicode Vietnamese has. */
export function hasUnicodeVietnamese(text: string): boolean {
  return UNICODE_ONLY_VIETNAMESE.test(text);
}

export interface PlausibilityScore {
  /** Tokens that contain a non-ASCII character. */
  relevant: number;
  /** Of those, how many are valid Vietnamese syllables. */
  valid: number;
  /** valid / relevant, or 0 when nothing is relevant. */
  score: number;
}

/**
 * Scores how Vietnamese a text looks: the share of its non-ASCII tokens that are valid syllables.
 * Tokens are split on whitespace and common punctuation.
 */
export function scoreVietnamese(text: string): PlausibilityScore {
  let relevant = 0;
  let valid = 0;
  for (const raw of text.split(/[\s,;:.!?()[\]{}"'“”‘’\-/\\|<>=+*#&%0-9_]+/u)) {
    if (raw === '' || /^[\x00-\x7F]*$/.test(raw)) continue;
    relevant++;
    if (/^[\p{L}\p{M}]+$/u.test(raw) && isVietnameseSyllable(raw)) valid++;
  }
  return { relevant, valid, score: relevant === 0 ? 0 : valid / relevant };
}
