import { Readable } from 'node:stream';

/** Anything the readers accept as file content: a whole buffer, a Node stream, or an async iterable of chunks. */
export type ByteSource = Buffer | Uint8Array | Readable | AsyncIterable<Buffer | Uint8Array | string>;

function asBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Iterates a source as Buffers. A whole buffer is handed out in 64 KiB slices so consumers stream. */
export async function* toByteChunks(source: ByteSource): AsyncGenerator<Buffer, void, undefined> {
  if (source instanceof Uint8Array) {
    const buf = asBuffer(source);
    for (let i = 0; i < buf.length; i += 65536) yield buf.subarray(i, i + 65536);
    return;
  }
  for await (const chunk of source as AsyncIterable<Buffer | Uint8Array | string>) yield asBuffer(chunk);
}

export interface PeekedSource {
  /** The first bytes (at most the requested size; less only when the source is shorter). */
  head: Buffer;
  /** The whole content again, head included; iterate it once. */
  chunks: AsyncGenerator<Buffer, void, undefined>;
  /** Releases the source when `chunks` will not be read (destroys a Node stream). */
  release(): Promise<void>;
}

/**
 * Reads the first `size` bytes of a source for sniffing, and gives back the full content as a
 * single-use stream that starts with them. Only the head is held in memory.
 */
export async function peekSource(source: ByteSource, size: number): Promise<PeekedSource> {
  const iterator = toByteChunks(source);
  const held: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < size) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    held.push(next.value);
    length += next.value.length;
  }
  const all = Buffer.concat(held);
  const head = all.subarray(0, size);
  async function* replay(): AsyncGenerator<Buffer, void, undefined> {
    try {
      if (all.length > 0) yield all;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      // Reaches the source's own cleanup (destroys a Node stream) when the consumer stops early.
      await iterator.return(undefined);
    }
  }
  return {
    head,
    chunks: replay(),
    release: async () => {
      await iterator.return(undefined);
    },
  };
}

/** A Node Readable over chunks, for libraries that insist on streams (exceljs, stream-json). */
export function toReadable(chunks: AsyncIterable<Buffer>): Readable {
  return Readable.from(chunks, { objectMode: false });
}
