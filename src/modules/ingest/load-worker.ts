/**
 * The load worker: parses the file it is sent, checks and scores every row and encodes the rows to
 * load as CSV for COPY — {@link RowFeed}, the same code the in-thread path runs — while the main
 * thread feeds that CSV to the database. On PGlite the engine runs on the main thread, so parsing
 * and the engine then use the two cores at once instead of taking turns.
 *
 * Started by load-feed.ts with a {@link WorkerInit}, before the ingest knows its load plan: the
 * file's bytes start arriving at once, the rows are parsed once the `start` message has come.
 * Speaks the messages of load-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openTable } from './parse/index.js';
import { toWire, type FromWorker, type ToWorker, type WorkerInit } from './load-protocol.js';
import { CHUNK_CHARS, RowFeed, type FeedSetup } from './row-feed.js';
import type { EncoderPlan } from '../warehouse/index.js';

const port = parentPort;
if (!port) throw new Error('load-worker.ts runs only as a worker thread');
const init = workerData as WorkerInit;
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

// The file's bytes as they arrive; the parser pulls them through `input()`.
const pending: Uint8Array[] = [];
let inputEnded = false;
let inputError: string | null = null;
let wakeInput: (() => void) | null = null;
// CSV sent and not yet acknowledged, and who waits for room.
let unacked = 0;
let wakeOutput: (() => void) | null = null;
let started: ((job: { setup: FeedSetup; plan: EncoderPlan }) => void) | null = null;
const job = new Promise<{ setup: FeedSetup; plan: EncoderPlan }>((resolve) => (started = resolve));

const onMessage = (m: ToWorker) => {
  if (m.type === 'start') {
    started?.({ setup: m.setup, plan: m.plan });
    return;
  }
  if (m.type === 'input') pending.push(m.data);
  else if (m.type === 'input-end') inputEnded = true;
  else if (m.type === 'input-error') inputError = m.message;
  else if (m.type === 'ack') {
    unacked -= m.bytes;
    wakeOutput?.();
    wakeOutput = null;
    return;
  }
  wakeInput?.();
  wakeInput = null;
};
port.on('message', onMessage);

async function* input(): AsyncGenerator<Uint8Array> {
  for (;;) {
    const data = pending.shift();
    if (data) {
      send({ type: 'input-ack', bytes: data.byteLength });
      yield data;
      continue;
    }
    if (inputError !== null) throw new Error(`reading the file failed: ${inputError}`);
    if (inputEnded) return;
    await new Promise<void>((resolve) => (wakeInput = resolve));
  }
}

const encoder = new TextEncoder();

/** Sends a chunk of CSV, first waiting while a window's worth is still unacknowledged. */
async function output(csv: string): Promise<void> {
  while (unacked >= init.outputWindow) await new Promise<void>((resolve) => (wakeOutput = resolve));
  const data = encoder.encode(csv);
  unacked += data.byteLength;
  send({ type: 'chunk', data }, [data.buffer as ArrayBuffer]);
}

async function run(): Promise<void> {
  const { setup, plan } = await job;
  const feed = new RowFeed(setup, plan);
  const table = await openTable(input(), { filename: init.filename, ...(init.sheet ? { sheet: init.sheet } : {}) });
  try {
    let csv = '';
    for await (const row of table.rows) {
      const line = feed.line(row);
      if (line === null) continue;
      csv += line;
      if (csv.length >= CHUNK_CHARS) {
        await output(csv);
        csv = '';
      }
    }
    if (csv) await output(csv);
  } finally {
    await table.close();
  }
  send({ type: 'done', result: feed.result() });
}

// Whatever happens, the last message says so; then the worker stops listening and exits.
run()
  .catch((e: unknown) => send({ type: 'error', error: toWire(e) }))
  .finally(() => port.off('message', onMessage));
