import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export interface StoredObject {
  sha256: string;
  size: number;
}

/**
 * Content-addressed store of raw bytes (uploads as they arrived). Objects are named by their SHA-256,
 * written to a temporary file first and renamed into place, so a crash never leaves a half object
 * under a real name, and stored bytes are never modified. Same bytes, same object.
 */
export interface ObjectStore {
  /** Streams bytes in, hashing on the way; `maxBytes` aborts larger inputs. */
  put(source: Readable | AsyncIterable<Buffer>, opts?: { maxBytes?: number }): Promise<StoredObject>;
  /** A fresh read stream of an object (each call reads from the start). @throws when absent */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  size(sha256: string): Promise<number>;
}

/** Thrown when an upload exceeds the store's size limit. */
export class ObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`object larger than ${maxBytes} bytes`);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Filesystem implementation under `<dataDir>/objects/ab/cdef…`. */
export class FsObjectStore implements ObjectStore {
  constructor(private readonly dir: string) {}

  private file(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error('invalid object id');
    return path.join(this.dir, sha256.slice(0, 2), sha256.slice(2));
  }

  async put(source: Readable | AsyncIterable<Buffer>, opts: { maxBytes?: number } = {}): Promise<StoredObject> {
    const tmpDir = path.join(this.dir, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > max) return done(new ObjectTooLargeError(max));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, counter, createWriteStream(tmp, { flags: 'wx' }));
      const sha256 = hash.digest('hex');
      const dest = this.file(sha256);
      await mkdir(path.dirname(dest), { recursive: true });
      await rename(tmp, dest); // atomic; an identical object already there is simply replaced by the same bytes
      return { sha256, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  open(sha256: string): Readable {
    return createReadStream(this.file(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await stat(this.file(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async size(sha256: string): Promise<number> {
    return (await stat(this.file(sha256))).size;
  }
}
