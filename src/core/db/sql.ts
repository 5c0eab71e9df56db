import { AppError } from '../errors.js';

/**
 * Quotes an SQL identifier (table or column name) safely. Names come from users (dataset columns),
 * so anything that is not a plain printable name is refused rather than escaped creatively.
 * @throws AppError VALIDATION_FAILED for empty, over-long or control-character names.
 */
export function ident(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > 63 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AppError('VALIDATION_FAILED', {
      vi: `Tên định danh không hợp lệ: ${JSON.stringify(String(name)).slice(0, 80)}`,
      en: `Invalid identifier: ${JSON.stringify(String(name)).slice(0, 80)}`,
    });
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a possibly schema-qualified name such as `warehouse.ds_12`. */
export function qualified(...parts: string[]): string {
  return parts.map(ident).join('.');
}

/** Escapes one value for CSV as COPY … (FORMAT csv) reads it: NULL is an unquoted empty field. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return `"${s.replace(/"/g, '""')}"`;
}

/** One CSV line for COPY from a row of values. */
export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + '\n';
}
