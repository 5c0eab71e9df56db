/**
 * Opaque page cursors: the version read, the keyset position of the last row, and a fingerprint of
 * the query they belong to. A cursor that does not decode to exactly that shape, or comes from
 * another query, is refused; its values are still bound and type-checked when used.
 */
import { createHash } from 'node:crypto';
import { invalid } from '../../core/errors.js';
import type { CursorPosition } from './compile.js';

interface CursorBody {
  v: 1;
  /** The version being paged: later pages read the same version even after a new load. */
  ver: number;
  k: (string | null)[];
  id: string;
  f: string;
}

/** The refusal for a cursor that is malformed, altered, or from another query. */
export const badCursor = () =>
  invalid({ vi: 'Con trỏ phân trang không hợp lệ hoặc không thuộc truy vấn này', en: 'Invalid cursor, or a cursor from another query' }, [
    { field: 'cursor', message: 'invalid cursor' },
  ]);

/** Fingerprint of what a cursor's position depends on: dataset, filters, text search and sort. */
export function queryFingerprint(datasetId: string, parts: unknown): string {
  return createHash('sha256').update(JSON.stringify([datasetId, parts])).digest('base64url').slice(0, 22);
}

/** Checksum binding a cursor's position to its query, so that an altered cursor is refused. */
const seal = (fingerprint: string, ver: number, k: (string | null)[], id: string) =>
  createHash('sha256').update(JSON.stringify([fingerprint, ver, k, id])).digest('base64url').slice(0, 22);

export function encodeCursor(version: number, pos: CursorPosition, fingerprint: string): string {
  const body: CursorBody = { v: 1, ver: version, k: pos.values, id: pos.id, f: seal(fingerprint, version, pos.values, pos.id) };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** @throws AppError VALIDATION_FAILED unless `cursor` is one this query issued (in shape). */
export function decodeCursor(cursor: unknown, fingerprint: string): { version: number; pos: CursorPosition } {
  if (typeof cursor !== 'string' || cursor.length > 16384 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badCursor();
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(',');
  if (
    keys !== 'f,id,k,v,ver' ||
    b.v !== 1 ||
    !Number.isSafeInteger(b.ver) ||
    (b.ver as number) < 1 ||
    (b.ver as number) > 2 ** 31 - 1 ||
    typeof b.id !== 'string' ||
    !/^\d{1,19}$/.test(b.id) ||
    !Array.isArray(b.k) ||
    !b.k.every((x) => x === null || typeof x === 'string') ||
    b.f !== seal(fingerprint, b.ver as number, b.k as (string | null)[], b.id)
  ) {
    throw badCursor();
  }
  return { version: b.ver as number, pos: { values: b.k as (string | null)[], id: b.id } };
}
