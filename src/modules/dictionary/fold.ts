/**
 * Folds a header or name to the key used for matching: no diacritics (đ → d), lower case, and
 * nothing but letters and digits, so "Mã xã", "MA_XA", "ma xa" and "Mã-Xã" all become "maxa".
 */
export function foldKey(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/**
 * Keys to try for one file header, most specific first: the whole header, then the header without
 * bracketed remarks ("Ma Xa (code)" → "maxa"), then the part before a colon or a dash note.
 */
export function headerKeys(header: string): string[] {
  const keys = [foldKey(header)];
  const noBrackets = header.replace(/\([^)]*\)|\[[^\]]*\]|\{[^}]*\}/g, ' ');
  keys.push(foldKey(noBrackets));
  const head = noBrackets.split(/[:：]| - | – /)[0] ?? '';
  keys.push(foldKey(head));
  return [...new Set(keys.filter((k) => k.length > 0))];
}
