/**
 * The per-row work of an ingest, in one place whichever thread runs it: check a parsed row
 * ({@link RowValidator}), score it ({@link QualityAccumulator}), refuse a repeated key, keep the
 * rejects (bounded), and encode the rows to load as CSV for COPY (the warehouse's `RowEncoder`).
 * The load worker (load-worker.ts) runs exactly this; so does the in-thread path for small files.
 */
import { RowEncoder, type EncoderPlan } from '../warehouse/index.js';
import type { NumberFormat, TableRow } from './parse/index.js';
import { mergeTallies, QualityAccumulator, type QualityTally } from './quality.js';
import { RowValidator, type Reject, type TargetColumn } from './validate.js';

/** Rejects kept in memory for one run (all are counted); the store keeps at most MAX_STORED_REJECTS. */
export const MAX_KEPT_REJECTS = 100_000;
/** Keys remembered for the in-file uniqueness check; beyond it the warehouse's own check applies. */
const MAX_TRACKED_KEYS = 5_000_000;
/** CSV handed to COPY in chunks of about this many characters: a load never sits whole in memory. */
export const CHUNK_CHARS = 256 * 1024;

/** Everything the row checks need, as plain data, so that it can be posted to the load worker. */
export interface FeedSetup {
  targets: TargetColumn[];
  /** Column name → index of the file header feeding it. */
  sourceIndex: [string, number][];
  numberFormats: [string, NumberFormat][];
  /** Code list → its codes. */
  codeLists: [string, string[]][];
  keyColumns: string[];
  /** Load the valid rows and keep the rest as rejects; otherwise rows stop flowing at the first reject. */
  validRowsOnly: boolean;
}

/** What a feed found, once every row has been read. */
export interface FeedResult {
  rowsRead: number;
  rowsRejected: number;
  /** The first {@link MAX_KEPT_REJECTS} rejects. */
  rejects: Reject[];
  quality: QualityTally;
}

/**
 * Checks rows one at a time and encodes those to load. In all-or-nothing mode the first reject stops
 * the rows from flowing but checking goes on, so that the steward sees every problem at once.
 */
export class RowFeed {
  private readonly validator: RowValidator;
  private readonly quality = new QualityAccumulator();
  private readonly encoder: RowEncoder;
  private readonly keyLabel: string;
  private readonly keys = new Map<string, number>();
  private readonly rejects: Reject[] = [];
  private rowsRead = 0;
  private rowsRejected = 0;
  /** Another part of the file has a reject: an all-or-nothing load is refused, its rows need not flow. */
  private othersRejected = false;

  constructor(
    private readonly setup: FeedSetup,
    plan: EncoderPlan,
  ) {
    this.validator = new RowValidator(setup.targets, new Map(setup.sourceIndex), {
      numberFormats: new Map(setup.numberFormats),
      codeLists: new Map(setup.codeLists.map(([name, codes]) => [name, new Set(codes)])),
    });
    this.encoder = RowEncoder.fromPlan(plan);
    this.keyLabel = setup.keyColumns.join(', ');
  }

  /**
   * Checks one row. Returns its CSV line when it is to be loaded, else null.
   * @throws AppError VALIDATION_FAILED from the encoder (a value the validator let through that the warehouse refuses).
   */
  line(row: TableRow): string | null {
    this.rowsRead++;
    const checked = this.validator.check(row, this.quality);
    if (checked.key !== null && checked.rejects.length === 0) {
      const seen = this.keys.get(checked.key);
      if (seen !== undefined) {
        checked.rejects.push({ line: row.line, column: this.keyLabel, value: checked.key.replace(/\u001f/g, ' | '), vi: `Trùng khóa với dòng ${seen}`, en: `Duplicate key of line ${seen}` });
      } else if (this.keys.size < MAX_TRACKED_KEYS) this.keys.set(checked.key, row.line);
    }
    if (checked.rejects.length) {
      this.rowsRejected++;
      for (const r of checked.rejects) if (this.rejects.length < MAX_KEPT_REJECTS) this.rejects.push(r);
      return null;
    }
    if (this.refused()) return null;
    return this.encoder.line(row.line, checked.values, true);
  }

  /** All or nothing, and a reject seen here or elsewhere: the load will be refused, rows no longer flow. */
  refused(): boolean {
    return !this.setup.validRowsOnly && (this.rowsRejected > 0 || this.othersRejected);
  }

  /** Another feed reading a part of the same file has found a reject (see {@link refused}). */
  rejectedElsewhere(): void {
    this.othersRejected = true;
  }

  /** What the rows held. `part`: this feed read a part of a file, to be merged by {@link mergeFeedResults}. */
  result(part = false): FeedResult {
    return { rowsRead: this.rowsRead, rowsRejected: this.rowsRejected, rejects: this.rejects, quality: this.quality.tally(part) };
  }
}

/**
 * One result for a file whose parts were fed apart (one result per worker, each made with
 * `result(true)`): as one feed would have found them, rejects in line order. Parts are only read
 * apart for datasets without a key, so no key repeats from one part to another.
 */
export function mergeFeedResults(parts: readonly FeedResult[]): FeedResult {
  const rejects = parts.flatMap((p) => p.rejects).sort((a, b) => a.line - b.line);
  if (rejects.length > MAX_KEPT_REJECTS) rejects.length = MAX_KEPT_REJECTS;
  return {
    rowsRead: parts.reduce((n, p) => n + p.rowsRead, 0),
    rowsRejected: parts.reduce((n, p) => n + p.rowsRejected, 0),
    rejects,
    quality: mergeTallies(parts.map((p) => p.quality)),
  };
}
