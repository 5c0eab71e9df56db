/**
 * Where the rows of an ingest are checked and encoded for COPY: in a worker thread for any file of
 * some size (load-worker.ts), so that this work overlaps with the database's; in this thread for a
 * small file, where starting a worker would cost more than it saves. Both run {@link RowFeed}.
 */
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { EncoderPlan } from '../warehouse/index.js';
import type { Table } from './parse/index.js';
import { fromWire, type FromWorker, type ToWorker, type WorkerInit } from './load-protocol.js';
import { CHUNK_CHARS, RowFeed, type FeedResult, type FeedSetup } from './row-feed.js';

/**
 * Files from this size on are checked in a worker. Below it, starting the worker (tens of ms
 * compiled, more under tsx) outweighs the overlap it buys.
 */
export const WORKER_MIN_BYTES = 2 * 1024 * 1024;
/** Bytes of the file sent to the worker ahead of its parsing. */
const INPUT_WINDOW = 8 * 1024 * 1024;
/**
 * Bytes of CSV the worker may encode ahead of COPY. On PGlite the engine holds the main thread for
 * a whole COPY slice (8 MB): the window lets the worker go on meanwhile.
 */
const OUTPUT_WINDOW = 16 * 1024 * 1024;
/**
 * The worker's young generation for text files (V8 default: 48 MB). Every row makes short-lived
 * strings (cells, the CSV line, the hash text); with twice the room fewer of them survive a scavenge
 * and get copied or promoted. Measured on 1M CSV rows (docs/performance.md): 20–30 % less time for
 * the whole ingest on either engine, for ≈50 MB more resident at most. Workbooks keep the default:
 * their inflated XML already weighs on memory, and the zip-bomb bound is tight.
 */
const TEXT_YOUNG_GENERATION_MB = 96;

/** A workbook (read through exceljs), as opposed to a text file, by its name. */
export const isWorkbook = (filename: string): boolean => /\.(xlsx|xlsm|zip)$/i.test(filename);

/** The CSV of one load, and what its rows held. */
export interface LoadFeed {
  /** CSV chunks for COPY, whole lines each; iterate once. */
  chunks: AsyncIterable<string | Buffer>;
  /** Counts, rejects and quality. @throws Error before `chunks` has ended. */
  result(): FeedResult;
}

/** Checks and encodes the rows of an open table in this thread. */
export function feedInThread(table: Table, setup: FeedSetup, plan: EncoderPlan): LoadFeed {
  const feed = new RowFeed(setup, plan);
  let ended = false;
  async function* chunks(): AsyncGenerator<string> {
    let csv = '';
    for await (const row of table.rows) {
      const line = feed.line(row);
      if (line === null) continue;
      csv += line;
      if (csv.length >= CHUNK_CHARS) {
        yield csv;
        csv = '';
      }
    }
    if (csv) yield csv;
    ended = true;
  }
  return {
    chunks: chunks(),
    result: () => {
      if (!ended) throw new Error('the rows have not all been read');
      return feed.result();
    },
  };
}

/**
 * A worker thread that checks and encodes the rows of one file, parsing its bytes itself. It is
 * started as soon as the ingest knows the file is large, so that its start-up (loading the parsers,
 * a second or two under tsx) overlaps the ingest's preparations; {@link LoadWorker.feed} then gives
 * it the load plan. Whoever starts one must {@link LoadWorker.stop} it, however the ingest ends.
 */
export class LoadWorker {
  private readonly worker: Worker;
  private readonly ready: Buffer[] = [];
  private result: FeedResult | null = null;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** File bytes sent and not yet parsed. */
  private unparsed = 0;

  constructor(
    private readonly bytes: Readable,
    file: { filename: string; sheet: string | null },
  ) {
    this.worker = startWorker({ filename: file.filename, sheet: file.sheet, outputWindow: OUTPUT_WINDOW });
    // The file flows to the worker, paused while a window's worth is not yet parsed.
    bytes.on('data', (b: Buffer) => {
      // A copy of exactly these bytes, so that only they travel (a Buffer may view a larger pool).
      const data = new Uint8Array(b);
      this.unparsed += data.byteLength;
      this.post({ type: 'input', data }, [data.buffer]);
      if (this.unparsed >= INPUT_WINDOW) bytes.pause();
    });
    bytes.on('end', () => this.post({ type: 'input-end' }));
    bytes.on('error', (e) => this.post({ type: 'input-error', message: e.message }));
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (this.result === null) this.fail(new Error(`the load worker stopped (exit code ${code}) before reading every row`));
    });
  }

  /**
   * Starts checking the rows against `setup` and encoding them by `plan`. Errors of the worker
   * (ParseError, AppError) come out of `chunks` as they were thrown there. Call once.
   */
  feed(setup: FeedSetup, plan: EncoderPlan): LoadFeed {
    this.post({ type: 'start', setup, plan });
    return {
      chunks: this.chunks(),
      result: () => {
        if (!this.result) throw new Error('the rows have not all been read');
        return this.result;
      },
    };
  }

  /** Stops the worker and the file stream (a no-op once they are done). */
  async stop(): Promise<void> {
    this.bytes.destroy();
    await this.worker.terminate();
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = this.ready.shift();
      if (chunk) {
        yield chunk;
        // Asked for the next chunk: COPY has taken this one.
        this.post({ type: 'ack', bytes: chunk.byteLength });
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.result) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'input-ack':
        this.unparsed -= m.bytes;
        if (this.unparsed < INPUT_WINDOW && this.bytes.isPaused()) this.bytes.resume();
        return;
      case 'chunk':
        this.ready.push(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
        break;
      case 'done':
        this.result = m.result;
        break;
      case 'error':
        this.failure ??= fromWire(m.error);
        break;
    }
    this.notify();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.notify();
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }

  private post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }
}

/**
 * Compiled, this module is a .js file beside load-worker.js. Under tsx (tests, benchmarks, dev) both
 * are .ts sources, and tsx hooks only the main thread's module loader: the worker registers it
 * first, then loads its source.
 */
function startWorker(init: WorkerInit): Worker {
  const resourceLimits = isWorkbook(init.filename) ? {} : { maxYoungGenerationSizeMb: TEXT_YOUNG_GENERATION_MB };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./load-worker.js', import.meta.url), { workerData: init, resourceLimits });
  const source = new URL('./load-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData: init, resourceLimits });
}
