/**
 * The load worker: parses the file it is sent, checks and scores every row and encodes the rows to
 * load as CSV for COPY — {@link RowFeed}, the same code the in-thread path runs — while the main
 * thread feeds that CSV to the database. On PGlite the engine runs on the main thread, so parsing
 * and the engine then use the two cores at once instead of taking turns.
 *
 * Started by load-feed.ts with a {@link WorkerInit}, before the ingest knows its load plan: the
 * file's bytes start arriving at once, the rows are parsed once the `start` message has come. A lead
 * reads the file from its beginning; when the main thread cuts a large CSV file into blocks, the
 * lead and a helper each read the blocks they are given. Speaks the messages of load-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { emptyStructure, mergeStructures, openTable, readCsvBlock, type CsvBlock, type StructureContext, type TableRow, type TableStructure } from './parse/index.js';
import { toWire, type CsvReading, type FromWorker, type ToWorker, type WorkerInit } from './load-protocol.js';
import { CsvChunks, RowFeed, type FeedSetup } from './row-feed.js';
import type { EncoderPlan } from '../warehouse/index.js';

const port = parentPort;
if (!port) throw new Error('load-worker.ts runs only as a worker thread');
const init = workerData as WorkerInit;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** A block of the file as it arrives; the parser pulls its bytes through `input()`. */
interface Block {
  index: number;
  /** Where it is in the file; null for the lead's block 0, the file's beginning. */
  at: Omit<CsvBlock, 'firstCol' | 'width' | 'context' | 'structure'> | null;
  pending: Uint8Array[];
  ended: boolean;
}
const blocks: Block[] = init.role === 'lead' ? [{ index: 0, at: null, pending: [], ended: false }] : [];
let inputEnded = false;
let inputError: string | null = null;
let wakeInput: (() => void) | null = null;
// CSV sent and not yet acknowledged, and who waits for room.
let unacked = 0;
let wakeOutput: (() => void) | null = null;
type Job = { setup: FeedSetup; plan: EncoderPlan; csv: CsvReading | null };
let started: ((job: Job) => void) | null = null;
const job = new Promise<Job>((resolve) => (started = resolve));
type Header = { firstCol: number; width: number; context?: StructureContext };
let gotHeader: ((header: Header) => void) | null = null;
const header = new Promise<Header>((resolve) => (gotHeader = resolve));

const onMessage = (m: ToWorker) => {
  switch (m.type) {
    case 'start':
      started?.({ setup: m.setup, plan: m.plan, csv: m.csv });
      return;
    case 'header':
      gotHeader?.({ firstCol: m.firstCol, width: m.width, ...(m.context ? { context: m.context } : {}) });
      return;
    case 'refused':
      activeFeed?.rejectedElsewhere();
      return;
    case 'ack':
      unacked -= m.bytes;
      wakeOutput?.();
      wakeOutput = null;
      return;
    case 'block':
      blocks.push({ index: m.index, at: m.at, pending: [], ended: false });
      break;
    case 'input':
      blocks.at(-1)!.pending.push(m.data);
      break;
    case 'block-end':
      blocks.at(-1)!.ended = true;
      break;
    case 'input-end':
      inputEnded = true;
      if (blocks.length) blocks.at(-1)!.ended = true;
      break;
    case 'input-error':
      inputError = m.message;
      break;
  }
  wakeInput?.();
  wakeInput = null;
};
port.on('message', onMessage);

const waitInput = () => new Promise<void>((resolve) => (wakeInput = resolve));

/** The next block to read, once it has started to arrive; null when there are no more. */
async function nextBlock(): Promise<Block | null> {
  for (;;) {
    if (blocks.length) return blocks[0]!;
    if (inputError !== null) throw new Error(`reading the file failed: ${inputError}`);
    if (inputEnded) return null;
    await waitInput();
  }
}

async function* input(block: Block): AsyncGenerator<Uint8Array> {
  for (;;) {
    const data = block.pending.shift();
    if (data) {
      send({ type: 'input-ack', bytes: data.byteLength });
      yield data;
      continue;
    }
    if (inputError !== null) throw new Error(`reading the file failed: ${inputError}`);
    if (block.ended) return;
    await waitInput();
  }
}

/** Sends a chunk of CSV of block `block`, first waiting while a window's worth is still unacknowledged. */
async function output(data: Uint8Array, block: number): Promise<void> {
  while (unacked >= init.outputWindow) await new Promise<void>((resolve) => (wakeOutput = resolve));
  unacked += data.byteLength;
  send({ type: 'chunk', block, data }, [data.buffer as ArrayBuffer]);
  // Let messages in (a 'refused' from the other worker) between chunks: with its input queued, a
  // block is otherwise read to its end without a turn of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
}

/** This worker's feed, once started. */
let activeFeed: RowFeed | null = null;
/** Whether the main thread has been told that the load will be refused. */
let toldRefused = false;

/** Checks and encodes the rows of one block, sending them as chunks of that block. */
async function load(feed: RowFeed, rows: AsyncIterable<TableRow>, block: number): Promise<void> {
  const csv = new CsvChunks();
  for await (const row of rows) {
    const line = feed.line(row);
    if (line === null) {
      // Two workers: the other one's rows need not flow either (the load is refused, and rolled back).
      if (!toldRefused && feed.refused()) {
        toldRefused = true;
        send({ type: 'refused' });
      }
      continue;
    }
    const full = csv.add(line);
    if (full) await output(full, block);
  }
  const rest = csv.take();
  if (rest) await output(rest, block);
  send({ type: 'block-done', block });
}

/** The block being read, for the error message. */
let current = -1;

async function run(): Promise<void> {
  const { setup, plan, csv } = await job;
  const rowFeed = (activeFeed = new RowFeed(setup, plan));
  // Rows left out: those of the file's beginning (the table's own), those of later blocks.
  const structures: TableStructure[] = [];
  const blocksStructure = emptyStructure();
  for (let block = await nextBlock(); block !== null; block = await nextBlock()) {
    current = block.index;
    if (block.at === null) {
      const reading = csv === null ? {} : { format: 'csv' as const, encoding: csv.encoding, delimiter: csv.dialect.delimiter, quote: csv.dialect.quote };
      const table = await openTable(input(block), { filename: init.filename, ...(init.sheet ? { sheet: init.sheet } : {}), ...reading, ...(setup.reading ? { overrides: setup.reading.overrides } : {}), ...(setup.reading?.unpivot ? { unpivot: setup.reading.unpivot } : {}) });
      structures.push(table.structure);
      if (csv !== null) {
        const found = { firstCol: table.firstCol ?? 0, width: table.context?.width ?? table.headers.length, ...(table.context ? { context: table.context } : {}) };
        gotHeader?.(found); // for the lead's own later blocks
        send({ type: 'header', ...found });
      }
      try {
        await load(rowFeed, table.rows, block.index);
      } finally {
        await table.close();
      }
    } else {
      const found = await header;
      await load(rowFeed, readCsvBlock(input(block), { ...block.at, ...found, structure: blocksStructure }), block.index);
    }
    blocks.shift();
  }
  current = -1;
  structures.push(blocksStructure);
  send({ type: 'done', result: { ...rowFeed.result(csv !== null), structure: mergeStructures(structures) } });
}

// Whatever happens, the last message says so; then the worker stops listening and exits.
run()
  .catch((e: unknown) => send({ type: 'error', block: current, error: toWire(e) }))
  .finally(() => port.off('message', onMessage));
