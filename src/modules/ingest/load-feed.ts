/**
 * Where the rows of an ingest are checked and encoded for COPY: in a worker thread for any file of
 * some size (load-worker.ts), so that this work overlaps with the database's; in this thread for a
 * small file, where starting a worker would cost more than it saves. Both run {@link RowFeed}.
 */
import type { Readable } from 'node:stream';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EncoderPlan } from '../warehouse/index.js';
import { CsvRecordEnds, SNIFF_BYTES, sniffCsv, sniffFormat, type Table } from './parse/index.js';
import { fromWire, type CsvReading, type FromWorker, type ToWorker, type WorkerInit } from './load-protocol.js';
import { CsvChunks, mergeFeedResults, RowFeed, type FeedResult, type FeedSetup } from './row-feed.js';

/**
 * Files from this size on are checked in a worker. Below it, starting the worker (tens of ms
 * compiled, more under tsx) outweighs the overlap it buys.
 */
export const WORKER_MIN_BYTES = 2 * 1024 * 1024;
/** Bytes of the file sent to a worker ahead of its parsing (twice as many for two workers). */
const INPUT_WINDOW = 8 * 1024 * 1024;
/** CSV files from this size on are read by two workers (see {@link LoadWorker}). */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
/** Blocks a file is cut into for two workers end at the first record end after this many bytes. */
const BLOCK_BYTES = 4 * 1024 * 1024;
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

/**
 * Where a file is read by two workers, and the size of their blocks, for the configured number of
 * workers. `auto` gives two only with four cores or more: on two cores, the second worker takes the
 * core that the database needs (PGlite's engine runs on the main thread, PostgreSQL's COPY in its
 * own process), and each worker's rows cost more — measured on 1M rows (docs/performance.md):
 * 10–15 % faster on PostgreSQL, no faster on PGlite, for 150–250 MB more memory.
 */
export function splitFor(workers: 1 | 2 | 'auto', cores = availableParallelism()): { minBytes: number; blockBytes: number } {
  const two = workers === 2 || (workers === 'auto' && cores >= 4);
  return { minBytes: two ? PARALLEL_MIN_BYTES : Number.POSITIVE_INFINITY, blockBytes: BLOCK_BYTES };
}

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
  async function* chunks(): AsyncGenerator<Buffer> {
    const csv = new CsvChunks();
    for await (const row of table.rows) {
      const line = feed.line(row);
      if (line === null) continue;
      const full = csv.add(line);
      if (full) yield full;
    }
    const rest = csv.take();
    if (rest) yield rest;
    ended = true;
  }
  return {
    chunks: chunks(),
    result: () => {
      if (!ended) throw new Error('the rows have not all been read');
      return { ...feed.result(), structure: table.structure };
    },
  };
}

/**
 * Worker threads that check and encode the rows of one file, parsing its bytes themselves. They are
 * started as soon as the ingest knows the file is large, so that their start-up (loading the
 * parsers, a second or two under tsx) overlaps the ingest's preparations; {@link LoadWorker.feed}
 * then gives them the load plan. Whoever starts them must {@link LoadWorker.stop} them, however the
 * ingest ends.
 *
 * One worker (the lead) reads the file from its beginning. A large CSV file of a dataset without a
 * key gets a second worker: this thread finds record ends in the bytes (`CsvRecordEnds`, no
 * decoding) and cuts the file into blocks of about {@link BLOCK_BYTES}, given to the two workers in
 * turn, and hands their CSV to COPY block by block, in file order — the table is the same as with
 * one worker, row for row. Their results are merged (row-feed.ts `mergeFeedResults`). A dataset with
 * a key keeps one worker: a key repeated from one block in another must be refused in file order.
 */
export class LoadWorker {
  private readonly workers: Worker[] = [];
  /** Chunks received, by block, and the blocks whose every chunk has come. */
  private readonly ready = new Map<number, Buffer[]>();
  private readonly blocksDone = new Set<number>();
  private readonly results: (FeedResult | null)[] = [];
  private failure: { block: number; error: Error } | null = null;
  private wake: (() => void) | null = null;
  /** File bytes sent and not yet parsed. */
  private unparsed = 0;
  private readonly splitter: BlockSplitter | null;
  private readonly inputWindow: number;
  private foundHeader: (() => void) | null = null;
  /** Settles when the lead has found the header of a file read in blocks (block 0 may end from then on). */
  readonly headerFound = new Promise<void>((resolve) => (this.foundHeader = resolve));

  constructor(
    private readonly bytes: Readable,
    file: { filename: string; sheet: string | null; size: number },
    /** Where two workers start, and the size of their blocks (see {@link splitFor}; smaller in tests). */
    split = splitFor('auto'),
  ) {
    this.workers.push(this.start({ filename: file.filename, sheet: file.sheet, outputWindow: OUTPUT_WINDOW, role: 'lead' }, 0));
    this.splitter = !isWorkbook(file.filename) && file.size >= split.minBytes ? new BlockSplitter(file.filename, split.blockBytes) : null;
    this.inputWindow = this.splitter ? 2 * INPUT_WINDOW : INPUT_WINDOW;
    // Started now, like the lead, so that its start-up overlaps; stopped at feed() when not needed.
    if (this.splitter) this.workers.push(this.start({ filename: file.filename, sheet: file.sheet, outputWindow: OUTPUT_WINDOW, role: 'helper' }, 1));
    // The file flows to the workers, paused while a window's worth is not yet parsed.
    bytes.on('data', (b: Buffer) => {
      if (this.splitter) this.splitter.push(b, (worker, m) => this.send(worker, m));
      else this.send(0, { type: 'input', data: new Uint8Array(b) });
      if (this.unparsed >= this.inputWindow) bytes.pause();
    });
    bytes.on('end', () => {
      this.splitter?.end((worker, m) => this.send(worker, m));
      for (let w = 0; w < this.workers.length; w++) this.send(w, { type: 'input-end' });
    });
    bytes.on('error', (e) => {
      for (let w = 0; w < this.workers.length; w++) this.send(w, { type: 'input-error', message: e.message });
      // Also here: workers that have not been started yet (see BlockSplitter.parallel) would never say so.
      this.fail(-1, new Error(`load worker: reading the file failed: ${e.message}`));
    });
  }

  /**
   * Starts checking the rows against `setup` and encoding them by `plan`. Errors of the workers
   * (ParseError, AppError) come out of `chunks` as they were thrown there, the first in file
   * order first. Call once.
   */
  feed(setup: FeedSetup, plan: EncoderPlan): LoadFeed {
    const start = (csv: CsvReading | null) => {
      if (this.workers.length > 1 && csv === null) void this.workers.pop()!.terminate();
      for (const worker of this.workers) worker.postMessage({ type: 'start', setup, plan, csv } satisfies ToWorker);
    };
    // Parts of a file are read apart only as plain rows: an unpivot's columns are found by the lead alone.
    if (this.splitter && setup.keyColumns.length === 0 && !setup.reading?.unpivot) this.splitter.parallel(start);
    else {
      this.splitter?.single();
      start(null);
    }
    return {
      chunks: this.chunks(),
      result: () => {
        if (!this.finished()) throw new Error('the rows have not all been read');
        const results = this.results.slice(0, this.workers.length) as FeedResult[];
        return results.length === 1 ? results[0]! : mergeFeedResults(results);
      },
    };
  }

  /** Blocks the file has been cut into so far (1: read by the lead alone). */
  get blocks(): number {
    return this.splitter?.blocks ?? 1;
  }

  /** Stops the workers and the file stream (a no-op once they are done). */
  async stop(): Promise<void> {
    this.bytes.destroy();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    for (let block = 0; ; ) {
      const chunk = this.ready.get(block)?.shift();
      if (chunk) {
        yield chunk;
        // Asked for the next chunk: COPY has taken this one.
        this.workers[this.owner(block)]?.postMessage({ type: 'ack', bytes: chunk.byteLength } satisfies ToWorker);
        continue;
      }
      // A failure of a later block waits: this one may still fail, and one worker would report it first.
      if (this.failure && this.failure.block <= block) throw this.failure.error;
      if (this.blocksDone.has(block)) {
        this.ready.delete(block);
        block++;
        continue;
      }
      if (this.finished()) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Whether every worker has sent its result. */
  private finished(): boolean {
    return this.results.slice(0, this.workers.length).every((r) => r !== null);
  }

  /** The worker that reads block `block`: blocks alternate between the workers, block 0 is the lead's. */
  private owner(block: number): number {
    return block % this.workers.length;
  }

  private start(init: WorkerInit, w: number): Worker {
    const worker = startWorker(init);
    this.results[w] = null;
    worker.on('message', (m: FromWorker) => this.receive(w, m));
    worker.on('error', (e) => this.fail(-1, e));
    worker.on('exit', (code) => {
      if (this.results[w] === null && w < this.workers.length) this.fail(-1, new Error(`the load worker stopped (exit code ${code}) before reading every row`));
    });
    return worker;
  }

  private receive(w: number, m: FromWorker): void {
    switch (m.type) {
      case 'input-ack':
        this.unparsed -= m.bytes;
        if (this.unparsed < this.inputWindow && this.bytes.isPaused()) this.bytes.resume();
        return;
      case 'header':
        // The helpers read their blocks with the header the lead found; block 0 may end from now on.
        for (let h = 1; h < this.workers.length; h++) this.send(h, m);
        this.splitter?.headerFound();
        this.foundHeader?.();
        return;
      case 'refused':
        for (let other = 0; other < this.workers.length; other++) if (other !== w) this.workers[other]?.postMessage({ type: 'refused' } satisfies ToWorker);
        return;
      case 'chunk': {
        const chunk = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
        const queue = this.ready.get(m.block);
        if (queue) queue.push(chunk);
        else this.ready.set(m.block, [chunk]);
        break;
      }
      case 'block-done':
        this.blocksDone.add(m.block);
        break;
      case 'done':
        this.results[w] = m.result;
        break;
      case 'error':
        this.fail(m.block, fromWire(m.error));
        break;
    }
    this.notify();
  }

  /** Keeps the failure of the earliest block (-1: of none in particular, reported at once). */
  private fail(block: number, error: Error): void {
    if (this.failure === null || (block >= 0 && this.failure.block >= 0 && block < this.failure.block)) this.failure = { block, error };
    this.notify();
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }

  private send(w: number, m: ToWorker): void {
    if (m.type === 'input') {
      this.unparsed += m.data.byteLength;
      this.workers[w]?.postMessage(m, [m.data.buffer as ArrayBuffer]);
    } else this.workers[w]?.postMessage(m);
  }
}

/**
 * Cuts the bytes of a CSV file into blocks that start on a record, for two workers. Until the
 * ingest decides ({@link BlockSplitter.parallel}), every byte goes to the lead as block 0, scanned
 * on the way so that the next record end is known; the first {@link SNIFF_BYTES} are held until
 * the encoding and dialect can be sniffed as readCsv sniffs them.
 */
class BlockSplitter {
  private head: Buffer[] | null = [];
  private headBytes = 0;
  private scanner: CsvRecordEnds | null = null;
  private reading: CsvReading | null = null;
  private mode: 'undecided' | 'single' | 'parallel' = 'undecided';
  private sniffed = false;
  private header = false;
  /** What to do once sniffed, when {@link BlockSplitter.parallel} came first. */
  private decision: ((reading: CsvReading | null) => void) | null = null;
  private block = 0;
  /** Bytes of the current block so far. */
  private blockSize = 0;
  /** Bytes of the file seen so far. */
  private offset = 0;
  /** A UTF-8 byte order mark, which the decoder drops before the tokenizer sees anything: not scanned. */
  private bom = 0;

  constructor(
    private readonly filename: string,
    private readonly blockBytes: number,
  ) {}

  /**
   * Reads in blocks when the file allows it: CSV in an encoding where structure is ASCII bytes (not
   * UTF-16). Once the head is sniffed (now, or when it has come), calls `then` with how the workers
   * must read the file, or with null for one worker.
   */
  parallel(then: (reading: CsvReading | null) => void): void {
    if (this.sniffed) this.decide(then);
    else this.decision = then;
  }

  single(): void {
    this.mode = 'single';
    this.scanner = null;
  }

  /**
   * The lead has located the header: every row it looked at came in bytes already sent, so block 0
   * can end at the next record end. Not before: the header is found in the first rows, whose number
   * depends on the file (title rows, blank rows).
   */
  headerFound(): void {
    this.header = true;
  }

  get blocks(): number {
    return this.block + 1;
  }

  private decide(then: (reading: CsvReading | null) => void): void {
    if (this.reading) this.mode = 'parallel';
    else this.single();
    then(this.reading);
  }

  push(chunk: Buffer, send: (worker: number, m: ToWorker) => void): void {
    if (this.head !== null) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return;
      this.sniff();
      chunk = Buffer.concat(this.held());
    }
    this.route(chunk, send);
  }

  end(send: (worker: number, m: ToWorker) => void): void {
    if (this.head !== null) {
      this.sniff();
      const rest = Buffer.concat(this.held());
      if (rest.length) this.route(rest, send);
    }
  }

  private held(): Buffer[] {
    const held = this.head ?? [];
    this.head = null;
    return held;
  }

  /** Sniffs the held head as readCsv would; a scanner then reads every byte from the first. */
  private sniff(): void {
    const head = Buffer.concat(this.head ?? []).subarray(0, SNIFF_BYTES);
    let reading: CsvReading | null = null;
    try {
      if (sniffFormat(head, this.filename) === 'csv') {
        const { encoding, dialect } = sniffCsv(head);
        if (encoding !== 'utf-16le' && encoding !== 'utf-16be') reading = { encoding, dialect };
        if (encoding === 'utf-8' && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) this.bom = 3;
      }
    } catch {
      // Not a file this thread can cut: the lead reads it alone and reports what is wrong with it.
    }
    this.reading = reading;
    this.sniffed = true;
    if (reading !== null && this.mode !== 'single') this.scanner = new CsvRecordEnds(reading.dialect);
    const decision = this.decision;
    this.decision = null;
    if (decision) this.decide(decision);
  }

  /** Sends a chunk to the worker of the current block, cutting at the next record end when the block is full. */
  private route(chunk: Buffer, send: (worker: number, m: ToWorker) => void): void {
    let from = 0;
    while (from < chunk.length) {
      const scanner = this.scanner;
      const scanFrom = this.offset === 0 ? Math.min(this.bom, chunk.length) : from;
      const cut = scanner === null ? -1 : scanner.scan(chunk, scanFrom, this.mode === 'parallel' && this.header && this.blockSize >= this.blockBytes);
      const to = cut < 0 ? chunk.length : cut;
      send(this.block % 2, { type: 'input', data: new Uint8Array(chunk.subarray(from, to)) });
      this.blockSize += to - from;
      this.offset += to - from;
      from = to;
      if (cut >= 0) {
        send(this.block % 2, { type: 'block-end' });
        this.block++;
        this.blockSize = 0;
        send(this.block % 2, { type: 'block', index: this.block, at: { ...this.reading!, firstLine: scanner!.lineEnds + 1, offset: this.offset } });
      }
    }
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
