/**
 * Messages between an ingest and its load workers (load-worker.ts). The file's bytes flow to a
 * worker, CSV for COPY flows back; each way is bounded by acknowledgements, so that neither side
 * can run ahead by more than a window of bytes and memory stays flat whatever the file's size.
 *
 * A large CSV file can be read by two workers: the main thread cuts it into blocks at record ends.
 * The lead reads block 0 — the beginning, with the header — as any file; the others read the
 * blocks they are given with the header the lead found. Chunks say which block they belong to, so
 * that the main thread hands them to COPY in file order.
 */
import { AppError } from '../../core/errors.js';
import type { EncoderPlan } from '../warehouse/index.js';
import { ParseError, type CsvBlock, type CsvDialect, type ParseErrorCode, type StructureContext, type TextEncoding } from './parse/index.js';
import type { FeedResult, FeedSetup } from './row-feed.js';

/** `workerData` of a load worker. */
export interface WorkerInit {
  /** How to read the file (its name gives the format; the sheet of a workbook). */
  filename: string;
  sheet: string | null;
  /** Bytes of CSV the worker may send ahead of the acknowledgements. */
  outputWindow: number;
  /** The lead reads the file from its beginning (block 0); a helper waits for blocks. */
  role: 'lead' | 'helper';
}

/** How the main thread read the file it cuts into blocks: the lead must read it the same way. */
export interface CsvReading {
  encoding: TextEncoding;
  dialect: CsvDialect;
}

/** Main thread → worker. */
export type ToWorker =
  /**
   * What to check the rows against and how to encode them: the worker starts parsing. `csv` when
   * the file is read in blocks: the lead opens it with that reading, and every worker's result
   * carries what merging the parts needs.
   */
  | { type: 'start'; setup: FeedSetup; plan: EncoderPlan; csv: CsvReading | null }
  /** The header the lead found (the main thread passes it on to helpers). */
  | { type: 'header'; firstCol: number; width: number; context?: StructureContext }
  /** A block starts: the `input` that follows is its bytes. */
  | { type: 'block'; index: number; at: Omit<CsvBlock, 'firstCol' | 'width' | 'context' | 'structure'> }
  /** The next bytes of the current block (of the file, for a lead given no blocks). */
  | { type: 'input'; data: Uint8Array }
  /** The current block is complete; another may follow. */
  | { type: 'block-end' }
  /** The file has been read to its end: no more blocks. */
  | { type: 'input-end' }
  /** Reading the file failed. */
  | { type: 'input-error'; message: string }
  /** Another worker has found a reject and the load is all or nothing: rows need not flow any more. */
  | { type: 'refused' }
  /** These many bytes of CSV have been taken by COPY. */
  | { type: 'ack'; bytes: number };

/** Worker → main thread. */
export type FromWorker =
  /** The worker has parsed these many bytes of the file. */
  | { type: 'input-ack'; bytes: number }
  /** The lead has found the header (file read in blocks). */
  | { type: 'header'; firstCol: number; width: number; context?: StructureContext }
  /** Whole CSV lines for COPY, UTF-8, from the rows of block `block`. */
  | { type: 'chunk'; block: number; data: Uint8Array }
  /** The first reject of an all-or-nothing load: the load will be refused (the main thread tells the other workers). */
  | { type: 'refused' }
  /** Every row of block `block` has been sent. */
  | { type: 'block-done'; block: number }
  /** Every row was read; nothing follows. */
  | { type: 'done'; result: FeedResult }
  /** The feed failed while reading block `block` (-1: not in one); nothing follows. */
  | { type: 'error'; block: number; error: WireError };

/** An error on its way between threads: the two kinds an ingest translates keep their codes. */
export type WireError =
  | { kind: 'parse'; code: ParseErrorCode; message: string; details: Record<string, unknown> }
  | { kind: 'app'; code: AppError['code']; detail: AppError['detail']; extra: AppError['extra'] }
  | { kind: 'other'; message: string };

export function toWire(e: unknown): WireError {
  if (e instanceof ParseError) return { kind: 'parse', code: e.code, message: e.message, details: { ...e.details } };
  if (e instanceof AppError) return { kind: 'app', code: e.code, detail: e.detail, extra: e.extra };
  return { kind: 'other', message: e instanceof Error ? e.message : String(e) };
}

export function fromWire(e: WireError): Error {
  switch (e.kind) {
    case 'parse':
      return new ParseError(e.code, e.message, e.details);
    case 'app':
      return new AppError(e.code, e.detail, e.extra);
    default:
      return new Error(`load worker: ${e.message}`);
  }
}
