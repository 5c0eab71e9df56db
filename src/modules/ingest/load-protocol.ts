/**
 * Messages between an ingest and its load worker (load-worker.ts). The file's bytes flow to the
 * worker, CSV for COPY flows back; each way is bounded by acknowledgements, so that neither side
 * can run ahead by more than a window of bytes and memory stays flat whatever the file's size.
 */
import { AppError } from '../../core/errors.js';
import type { EncoderPlan } from '../warehouse/index.js';
import { ParseError, type ParseErrorCode } from './parse/index.js';
import type { FeedResult, FeedSetup } from './row-feed.js';

/** `workerData` of a load worker. */
export interface WorkerInit {
  /** How to read the file (its name gives the format; the sheet of a workbook). */
  filename: string;
  sheet: string | null;
  /** Bytes of CSV the worker may send ahead of the acknowledgements. */
  outputWindow: number;
}

/** Main thread → worker. */
export type ToWorker =
  /** What to check the rows against and how to encode them: the worker starts parsing. */
  | { type: 'start'; setup: FeedSetup; plan: EncoderPlan }
  /** The next bytes of the file. */
  | { type: 'input'; data: Uint8Array }
  /** The file has been read to its end. */
  | { type: 'input-end' }
  /** Reading the file failed. */
  | { type: 'input-error'; message: string }
  /** These many bytes of CSV have been taken by COPY. */
  | { type: 'ack'; bytes: number };

/** Worker → main thread. */
export type FromWorker =
  /** The worker has parsed these many bytes of the file. */
  | { type: 'input-ack'; bytes: number }
  /** Whole CSV lines for COPY, UTF-8. */
  | { type: 'chunk'; data: Uint8Array }
  /** Every row was read; nothing follows. */
  | { type: 'done'; result: FeedResult }
  /** The feed failed; nothing follows. */
  | { type: 'error'; error: WireError };

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
