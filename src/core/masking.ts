/**
 * Masks a personal-data value for callers not entitled to see it: digits keep their first two and
 * last two (or four for long identifiers such as a 12-digit CCCD: `********1234`), e-mail keeps the
 * first letter and the domain, other text keeps its first letter of each word.
 */
export function maskPersonal(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const s = String(value);
  const digits = s.replace(/\D/g, '');
  if (digits.length >= 9 && digits.length === s.replace(/[\s.+-]/g, '').length) {
    // Phone numbers keep the prefix and the last two (`09******78`); long ids only the last four.
    return digits.length >= 12 ? `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}` : `${digits.slice(0, 2)}${'*'.repeat(digits.length - 4)}${digits.slice(-2)}`;
  }
  const at = s.indexOf('@');
  if (at > 0) return `${s[0]}***${s.slice(at)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return '***';
  return s
    .split(/\s+/)
    .map((w) => (w ? `${[...w][0]}***` : w))
    .join(' ');
}

/** A row with the values of `masked` columns passed through {@link maskPersonal}; the row itself when none is. */
export function maskRow<T extends Record<string, unknown>>(row: T, masked: ReadonlySet<string>): T {
  if (masked.size === 0) return row;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, masked.has(k) ? maskPersonal(v) : v])) as T;
}
