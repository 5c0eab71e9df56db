/**
 * The four quality dimensions the strategy names — đúng, đủ, sạch, sống — computed while a file is
 * validated. Pure functions and a streaming accumulator: no database.
 */

export interface QualityScores {
  /** đúng: share of present values that pass their rules. */
  validity: number;
  /** đủ: share of required cells present, weighed with the row count against the previous version. */
  completeness: number;
  /** sạch: no duplicate rows, no inconsistent codes, no extreme outliers. */
  uniqueness: number;
  /** sống: loaded within the declared update period. */
  freshness: number;
  /** Mean of the four. */
  score: number;
}

export interface QualityDetails {
  cellsChecked: number;
  cellsValid: number;
  requiredCells: number;
  requiredPresent: number;
  rows: number;
  previousRows: number | null;
  duplicateRows: number;
  codedCells: number;
  codeMismatches: number;
  numericSampled: number;
  outliers: number;
  outlierColumns: string[];
}

const RESERVOIR = 5000;
const MAX_TRACKED_ROWS = 5_000_000;
const Z_LIMIT = 3.5;

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Period of an update frequency in days; null when no freshness expectation applies. */
export function periodDays(frequency: string): number | null {
  const days: Record<string, number> = { daily: 1, weekly: 7, monthly: 31, quarterly: 92, semiannual: 183, annual: 366 };
  return days[frequency] ?? null;
}

/**
 * sống: 1 within the declared period, falling linearly to 0 at twice the period; 1 for irregular
 * datasets (no promise to break). Overdue when past one period.
 */
export function freshness(lastLoadedAt: Date | null, frequency: string, now = new Date()): { score: number; overdue: boolean } {
  const period = periodDays(frequency);
  if (period === null) return { score: lastLoadedAt ? 1 : 0, overdue: false };
  if (!lastLoadedAt) return { score: 0, overdue: true };
  const age = (now.getTime() - lastLoadedAt.getTime()) / 86400_000;
  if (age <= period) return { score: 1, overdue: false };
  return { score: round(Math.max(0, 1 - (age - period) / period)), overdue: true };
}

/** Median absolute deviation based robust z-scores (Iglewicz–Hoaglin): |0.6745·(x−median)/MAD| > 3.5. */
export function robustOutliers(values: readonly number[]): number {
  if (values.length < 10) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const deviations = sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b);
  const mad = deviations[Math.floor(deviations.length / 2)]!;
  if (mad === 0) return 0;
  return values.filter((v) => Math.abs((0.6745 * (v - median)) / mad) > Z_LIMIT).length;
}

/** Accumulates what the scores need while rows stream past. */
export class QualityAccumulator {
  private cellsChecked = 0;
  private cellsValid = 0;
  private requiredCells = 0;
  private requiredPresent = 0;
  private rows = 0;
  private duplicateRows = 0;
  private codedCells = 0;
  private codeMismatches = 0;
  private readonly rowHashes = new Set<string>();
  private readonly samples = new Map<string, { seen: number; values: number[] }>();
  private seed = 1;

  row(hash: string): void {
    this.rows++;
    if (this.rowHashes.has(hash)) this.duplicateRows++;
    // Bounded memory: beyond this many distinct rows, duplicates are counted among the first ones only.
    else if (this.rowHashes.size < MAX_TRACKED_ROWS) this.rowHashes.add(hash);
  }

  cell(opts: { required: boolean; present: boolean; valid: boolean; coded: boolean; codeOk: boolean }): void {
    if (opts.required) {
      this.requiredCells++;
      if (opts.present) this.requiredPresent++;
    }
    if (!opts.present) return;
    this.cellsChecked++;
    if (opts.valid) this.cellsValid++;
    if (opts.coded) {
      this.codedCells++;
      if (!opts.codeOk) this.codeMismatches++;
    }
  }

  /** Keeps a uniform reservoir sample of each numeric column for the outlier estimate. */
  numeric(column: string, value: number): void {
    let s = this.samples.get(column);
    if (!s) this.samples.set(column, (s = { seen: 0, values: [] }));
    s.seen++;
    if (s.values.length < RESERVOIR) s.values.push(value);
    else {
      this.seed = (this.seed * 1103515245 + 12345) % 2147483648; // deterministic: same file, same score
      const j = this.seed % s.seen;
      if (j < RESERVOIR) s.values[j] = value;
    }
  }

  /** Final scores. `previousRows` is the row count of the version this one follows, if any. */
  result(previousRows: number | null, freshnessScore = 1): { scores: QualityScores; details: QualityDetails } {
    let numericSampled = 0;
    let outliers = 0;
    const outlierColumns: string[] = [];
    for (const [col, s] of this.samples) {
      const n = robustOutliers(s.values);
      numericSampled += s.values.length;
      outliers += n;
      if (n > 0) outlierColumns.push(col);
    }
    const validity = this.cellsChecked ? this.cellsValid / this.cellsChecked : 1;
    const cellCompleteness = this.requiredCells ? this.requiredPresent / this.requiredCells : 1;
    const rowRatio = previousRows && previousRows > 0 ? Math.min(1, this.rows / previousRows) : 1;
    const completeness = 0.8 * cellCompleteness + 0.2 * rowRatio;
    const dup = this.rows ? this.duplicateRows / this.rows : 0;
    const codes = this.codedCells ? this.codeMismatches / this.codedCells : 0;
    const out = numericSampled ? outliers / numericSampled : 0;
    const uniqueness = (1 - dup) * (1 - codes) * (1 - out);
    const scores = {
      validity: round(validity),
      completeness: round(completeness),
      uniqueness: round(uniqueness),
      freshness: round(freshnessScore),
      score: round((validity + completeness + uniqueness + freshnessScore) / 4),
    };
    return {
      scores,
      details: {
        cellsChecked: this.cellsChecked, cellsValid: this.cellsValid, requiredCells: this.requiredCells, requiredPresent: this.requiredPresent,
        rows: this.rows, previousRows, duplicateRows: this.duplicateRows, codedCells: this.codedCells, codeMismatches: this.codeMismatches,
        numericSampled, outliers, outlierColumns,
      },
    };
  }
}
