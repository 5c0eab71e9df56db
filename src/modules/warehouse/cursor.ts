/**
 * Page cursors: the version read and the keyset position of the last row (its sort values and
 * `_id`), encrypted and authenticated with AES-256-GCM under a server key. The sort values are row
 * data — possibly a personal column a provider's query template sorts on — so a cursor must be
 * opaque to whoever holds it: neither the values nor the structure can be read, and a cursor that
 * was altered, forged, or issued for another query or another scope (an LDOP agreement) fails its
 * tag and is refused. The query's fingerprint is the GCM additional data, so it binds without
 * travelling.
 *
 * Layout (base64url): `1` (format byte) · IV (12 bytes) · tag (16 bytes) · ciphertext of
 * `[version, [sort values…], id]` as JSON. Decrypted values are still type-checked and bound when used.
 *
 * The IV is synthetic — an HMAC of the fingerprint and the plaintext under a second key — so the
 * same page gives the same cursor: the gateway's ETag (over a body that holds the cursor) stays
 * stable, and an IV repeats only with the very same plaintext, which GCM tolerates.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { invalid } from '../../core/errors.js';
import type { CursorPosition } from './compile.js';

const FORMAT = 1;
const IV = 12;
const TAG = 16;

/** The refusal for a cursor that is malformed, altered, or from another query. */
export const badCursor = () =>
  invalid({ vi: 'Con trỏ phân trang không hợp lệ hoặc không thuộc truy vấn này', en: 'Invalid cursor, or a cursor from another query' }, [
    { field: 'cursor', message: 'invalid cursor' },
  ]);

/** Fingerprint of what a cursor's position depends on: dataset, filters, text search, sort, and the caller's scope. */
export function queryFingerprint(datasetId: string, parts: unknown): string {
  return createHash('sha256').update(JSON.stringify([datasetId, parts])).digest('base64url');
}

/** Seals and opens cursors under one key; every instance sharing the key accepts the others' cursors. */
export class CursorBox {
  private readonly key: Buffer;
  private readonly ivKey: Buffer;

  /** @param key 32 bytes (derived from the platform secret, see SecretBox.derive); a random one when absent (cursors then die with the process). */
  constructor(key?: Buffer) {
    if (key !== undefined && key.length !== 32) throw new Error('cursor key must be 32 bytes');
    this.key = key ?? randomBytes(32);
    this.ivKey = createHmac('sha256', this.key).update('provdata:cursor-iv').digest();
  }

  encode(version: number, pos: CursorPosition, fingerprint: string): string {
    const plain = JSON.stringify([version, pos.values, pos.id]);
    const iv = createHmac('sha256', this.ivKey).update(fingerprint).update('\0').update(plain).digest().subarray(0, IV);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(fingerprint, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), ct]).toString('base64url');
  }

  /** @throws AppError VALIDATION_FAILED unless `cursor` is one this box issued for this fingerprint. */
  decode(cursor: unknown, fingerprint: string): { version: number; pos: CursorPosition } {
    if (typeof cursor !== 'string' || cursor.length > 16384 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
    const raw = Buffer.from(cursor, 'base64url');
    if (raw.length < 1 + IV + TAG + 1 || raw[0] !== FORMAT) throw badCursor();
    let body: unknown;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(1, 1 + IV));
      decipher.setAAD(Buffer.from(fingerprint, 'utf8'));
      decipher.setAuthTag(raw.subarray(1 + IV, 1 + IV + TAG));
      body = JSON.parse(Buffer.concat([decipher.update(raw.subarray(1 + IV + TAG)), decipher.final()]).toString('utf8'));
    } catch {
      throw badCursor();
    }
    // Only this box writes what passed the tag; the shape is checked anyway (a key shared with an older writer).
    if (!Array.isArray(body) || body.length !== 3) throw badCursor();
    const [ver, k, id] = body as unknown[];
    if (
      !Number.isSafeInteger(ver) || (ver as number) < 1 || (ver as number) > 2 ** 31 - 1 ||
      typeof id !== 'string' || !/^\d{1,19}$/.test(id) ||
      !Array.isArray(k) || !k.every((x) => x === null || typeof x === 'string')
    ) {
      throw badCursor();
    }
    return { version: ver as number, pos: { values: k as (string | null)[], id } };
  }
}
