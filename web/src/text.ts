/**
 * Folds Vietnamese text for search: NFC/NFD-insensitive, case-insensitive, diacritics removed
 * ("Quy Nhơn" → "quy nhon"), and đ/Đ → d, which Unicode does not decompose.
 */
export function foldVietnamese(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** True when every word of the query occurs in the text, both folded ("q nhon bac" matches). */
export function matchesQuery(foldedText: string, query: string): boolean {
  const words = foldVietnamese(query).split(' ').filter(Boolean);
  return words.every((word) => foldedText.includes(word));
}
