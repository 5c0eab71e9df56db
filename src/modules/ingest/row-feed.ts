/**
 * The per-row work of an ingest, in one place whichever thread runs it: check a parsed row
 * ({@link RowValidator}), score it ({@link QualityAccumulator}), refuse a repeated key, keep the
 * rejects (bounded), and encode the rows to load as CSV for COPY (the warehouse's `RowEncoder`).
 * The load worker (load-worker.ts) runs exactly this; so does the in-thread path for small files.
 */
import { RowEncoder, type EncoderPlan } from '../warehouse/index.js';
import { mergeStructures, type NumberFormat, type RoleOverride, type TableRow, type TableStructure, type UnpivotSpec } from './parse/index.js';
import { mergeTallies, QualityAccumulator, type QualityTally } from './quality.js';
import { RowValidator, type Reject, type TargetColumn } from './validate.js';

/** Rejects kept in memory for one run (all are counted); the store keeps at most MAX_STORED_REJECTS. */
export const MAX_KEPT_REJECTS = 100_000;
/** Keys remembered for the in-file uniqueness check; beyond it the warehouse's own check applies. */
const MAX_TRACKED_KEYS = 5_000_000;
/** CSV handed to COPY in chunks of about this many bytes: a load never sits whole in memory. */
export const CHUNK_BYTES = 320 * 1024;

/**
 * Collects CSV lines as UTF-8, a chunk of about {@link CHUNK_BYTES} at a time. Each line is written
 * into one buffer as it comes: joining the lines into a string and encoding that, as before, cost
 * 2.5–3.4 µs a row against 1.0 (a micro-benchmark of the bench's lines; V8 must first flatten a
 * string built of thousands of lines), and left a large string for each chunk to the collector.
 */
export class CsvChunks {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES + 64 * 1024);
  private used = 0;

  /** Adds a line; returns a chunk when one is full. */
  add(line: string): Buffer | null {
    // A UTF-16 code unit is at most 3 bytes of UTF-8: room for that is room enough.
    const need = this.used + line.length * 3;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafe(need);
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
    }
    this.used += this.buf.write(line, this.used);
    return this.used >= CHUNK_BYTES ? this.take() : null;
  }

  /** The bytes collected so far, as a chunk with a memory of its own (transferable), or null when there are none. */
  take(): Buffer | null {
    if (this.used === 0) return null;
    const chunk = Buffer.allocUnsafeSlow(this.used);
    this.buf.copy(chunk, 0, 0, this.used);
    this.used = 0;
    // One very long line grew the buffer: do not keep that much.
    if (this.buf.length > 4 * CHUNK_BYTES) this.buf = Buffer.allocUnsafe(CHUNK_BYTES + 64 * 1024);
    return chunk;
  }
}

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
  /** How the file is read: the steward's row decisions (a worker opens the file itself). */
  reading?: { overrides: RoleOverride[]; unpivot?: UnpivotSpec };
}

/** What a feed found, once every row has been read. */
export interface FeedResult {
  rowsRead: number;
  rowsRejected: number;
  /** The first {@link MAX_KEPT_REJECTS} rejects. */
  rejects: Reject[];
  quality: QualityTally;
  /** Rows left out of the data block and total checks (set by whoever read the table). */
  structure?: TableStructure;
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
    structure: mergeStructures(parts.flatMap((p) => (p.structure ? [p.structure] : []))),
  };
}
