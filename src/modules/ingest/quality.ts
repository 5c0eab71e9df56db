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
/** The reservoir samples' pseudo-random sequence (a linear congruential step): seeded, so a file always scores the same. */
const nextSeed = (s: number) => (s * 1103515245 + 12345) % 2147483648;

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

/**
 * The set of row fingerprints seen so far, for the duplicate count: 64-bit fingerprints in an
 * open-addressing table of typed arrays (8 bytes a slot) rather than a Set of hash strings (about
 * ten times that). A fingerprint collision (odds about n²/2⁶⁵: 10⁻⁶ for five million rows) would
 * count one duplicate too many; sạch is an estimate, the warehouse's own row hash is not involved.
 */
class FingerprintSet {
  private hi = new Uint32Array(1 << 12);
  private lo = new Uint32Array(1 << 12);
  size = 0;

  /** Adds (hi, lo); false when it was already there. (0, 0) is the empty slot: callers never pass it. */
  add(hi: number, lo: number): boolean {
    let mask = this.hi.length - 1;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    for (;;) {
      const h = this.hi[i]!;
      const l = this.lo[i]!;
      if (h === 0 && l === 0) break;
      if (h === hi && l === lo) return false;
      i = (i + 1) & mask;
    }
    if ((this.size + 1) * 4 > this.hi.length * 3) {
      this.grow();
      mask = this.hi.length - 1;
      i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
      while (this.hi[i] !== 0 || this.lo[i] !== 0) i = (i + 1) & mask;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
    return true;
  }

  /** The slot arrays, as they stand (for {@link mergeTallies}). */
  slots(): Fingerprints {
    return { hi: this.hi, lo: this.lo };
  }

  static of(f: Fingerprints): FingerprintSet {
    const set = new FingerprintSet();
    set.hi = f.hi;
    set.lo = f.lo;
    for (let k = 0; k < f.hi.length; k++) if (f.hi[k] !== 0 || f.lo[k] !== 0) set.size++;
    return set;
  }

  has(hi: number, lo: number): boolean {
    const mask = this.hi.length - 1;
    let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
    for (;;) {
      const h = this.hi[i]!;
      const l = this.lo[i]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.hi = new Uint32Array(oldHi.length * 2);
    this.lo = new Uint32Array(oldLo.length * 2);
    const mask = this.hi.length - 1;
    for (let k = 0; k < oldHi.length; k++) {
      const hi = oldHi[k]!;
      const lo = oldLo[k]!;
      if (hi === 0 && lo === 0) continue;
      let i = (hi ^ Math.imul(lo, 0x9e3779b1)) & mask;
      while (this.hi[i] !== 0 || this.lo[i] !== 0) i = (i + 1) & mask;
      this.hi[i] = hi;
      this.lo[i] = lo;
    }
  }
}

/** Final avalanche of MurmurHash3: every input bit moves every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The row fingerprints of a {@link FingerprintSet}: its two slot arrays, (0, 0) for an empty slot. */
export interface Fingerprints {
  hi: Uint32Array<ArrayBuffer>;
  lo: Uint32Array<ArrayBuffer>;
}

/**
 * What the scores are computed from, as plain data: an accumulator filled in a worker thread is
 * posted back this way. The fingerprints come along only when asked for, from one of several
 * workers that read parts of one file: {@link mergeTallies} needs them to count the rows repeated
 * from one part to another.
 */
export interface QualityTally {
  cellsChecked: number;
  cellsValid: number;
  requiredCells: number;
  requiredPresent: number;
  rows: number;
  duplicateRows: number;
  codedCells: number;
  codeMismatches: number;
  samples: [string, { seen: number; values: number[] }][];
  fingerprints?: Fingerprints;
}

const FLOAT = new Float64Array(1);
const FLOAT_WORDS = new Uint32Array(FLOAT.buffer);

/**
 * Accumulates what the scores need while rows stream past. A row is reported as
 * `startRow()`, one `cell()` per column in a fixed order, then `endRow()`; the stored values given
 * to `cell` make the row's fingerprint for the duplicate count.
 */
export class QualityAccumulator {
  private cellsChecked = 0;
  private cellsValid = 0;
  private requiredCells = 0;
  private requiredPresent = 0;
  private rows = 0;
  private duplicateRows = 0;
  private codedCells = 0;
  private codeMismatches = 0;
  private readonly fingerprints = new FingerprintSet();
  private readonly samples = new Map<string, { seen: number; values: number[] }>();
  private seed = 1;
  /** Fingerprint of the current row: two 32-bit hashes with different multipliers. */
  private h1 = 0;
  private h2 = 0;

  /** The counts and samples so far, for {@link QualityAccumulator.fromTally} in another thread. */
  tally(withFingerprints = false): QualityTally {
    const { cellsChecked, cellsValid, requiredCells, requiredPresent, rows, duplicateRows, codedCells, codeMismatches } = this;
    const t: QualityTally = { cellsChecked, cellsValid, requiredCells, requiredPresent, rows, duplicateRows, codedCells, codeMismatches, samples: [...this.samples] };
    if (withFingerprints) t.fingerprints = this.fingerprints.slots();
    return t;
  }

  /** An accumulator that gives the {@link result} of the one that made `t` (it takes no more rows). */
  static fromTally(t: QualityTally): QualityAccumulator {
    const q = new QualityAccumulator();
    q.cellsChecked = t.cellsChecked;
    q.cellsValid = t.cellsValid;
    q.requiredCells = t.requiredCells;
    q.requiredPresent = t.requiredPresent;
    q.rows = t.rows;
    q.duplicateRows = t.duplicateRows;
    q.codedCells = t.codedCells;
    q.codeMismatches = t.codeMismatches;
    for (const [column, sample] of t.samples) q.samples.set(column, sample);
    return q;
  }

  startRow(): void {
    this.h1 = 0x811c9dc5;
    this.h2 = 0x3c6ef372;
  }

  /**
   * One cell of the current row. `value` is what the row stores for it (null when missing or
   * invalid). Allocates nothing: this runs for every cell of a file.
   */
  cell(required: boolean, present: boolean, valid: boolean, coded: boolean, codeOk: boolean, value: unknown): void {
    this.fingerprint(value);
    if (required) {
      this.requiredCells++;
      if (present) this.requiredPresent++;
    }
    if (!present) return;
    this.cellsChecked++;
    if (valid) this.cellsValid++;
    if (coded) {
      this.codedCells++;
      if (!codeOk) this.codeMismatches++;
    }
  }

  /** Ends the current row: counts it, and counts it as a duplicate when an equal row came before. */
  endRow(): void {
    this.rows++;
    let hi = fmix32(this.h1);
    const lo = fmix32(this.h2 ^ Math.imul(hi, 0x27d4eb2f));
    if (hi === 0 && lo === 0) hi = 1;
    // Bounded memory: beyond this many distinct rows, duplicates are counted among the first ones only.
    if (this.fingerprints.size < MAX_TRACKED_ROWS) {
      if (!this.fingerprints.add(hi, lo)) this.duplicateRows++;
    } else if (this.fingerprints.has(hi, lo)) this.duplicateRows++;
  }

  /** Mixes a value, with its type and length, into the row's fingerprint. */
  private fingerprint(value: unknown): void {
    if (value === null || value === undefined) this.mix(0x100001);
    else if (typeof value === 'number') {
      FLOAT[0] = value;
      this.mix(0x100002);
      this.mix(FLOAT_WORDS[0]!);
      this.mix(FLOAT_WORDS[1]!);
    } else if (typeof value === 'boolean') this.mix(value ? 0x100003 : 0x100004);
    else {
      const s = typeof value === 'string' ? value : JSON.stringify(value);
      this.mix(typeof value === 'string' ? 0x100005 : 0x100006);
      this.mix(s.length);
      let h1 = this.h1;
      let h2 = this.h2;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
      this.h1 = h1;
      this.h2 = h2;
    }
  }

  private mix(x: number): void {
    this.h1 = Math.imul(this.h1 ^ x, 0x01000193);
    const h2 = Math.imul(this.h2 ^ x, 0x5bd1e995);
    this.h2 = h2 ^ (h2 >>> 15);
  }

  /** Keeps a uniform reservoir sample of each numeric column for the outlier estimate. */
  numeric(column: string, value: number): void {
    let s = this.samples.get(column);
    if (!s) this.samples.set(column, (s = { seen: 0, values: [] }));
    s.seen++;
    if (s.values.length < RESERVOIR) s.values.push(value);
    else {
      this.seed = nextSeed(this.seed); // deterministic: same file, same score
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

/** A problem of a version beyond single cells, named with its column and figures. */
export interface QualityProblem {
  dimension: 'validity';
  line: number;
  column: string;
  stated: number;
  computed: number;
  vi: string;
  en: string;
}

/**
 * The tally with the checked totals counted as checked cells of đúng: a total row is not loaded,
 * but a total that is not the sum of the rows it covers says that the figures are not right.
 */
export function withTotalChecks(t: QualityTally, checks: readonly { ok: boolean }[]): QualityTally {
  if (checks.length === 0) return t;
  return { ...t, cellsChecked: t.cellsChecked + checks.length, cellsValid: t.cellsValid + checks.filter((c) => c.ok).length };
}

const ROLE_VI = { total: 'Dòng tổng', subtotal: 'Dòng cộng', group: 'Dòng nhóm' } as const;
const ROLE_EN = { total: 'Total row', subtotal: 'Sub-total row', group: 'Group row' } as const;

/** Mismatched totals as đúng problems, naming the column and both figures. */
export function totalProblems(mismatches: readonly { line: number; role: 'total' | 'subtotal' | 'group'; label: string; column: string; stated: number; computed: number; rows: number }[]): QualityProblem[] {
  const vn = (n: number) => n.toLocaleString('vi-VN', { maximumFractionDigits: 6 });
  const en = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 6 });
  return mismatches.map((m) => ({
    dimension: 'validity', line: m.line, column: m.column, stated: m.stated, computed: m.computed,
    vi: `${ROLE_VI[m.role]} “${m.label}” (dòng ${m.line}), cột “${m.column}”: ghi ${vn(m.stated)} nhưng cộng ${m.rows} dòng được ${vn(m.computed)}`,
    en: `${ROLE_EN[m.role]} "${m.label}" (line ${m.line}), column "${m.column}": states ${en(m.stated)} but its ${m.rows} rows add up to ${en(m.computed)}`,
  }));
}

/**
 * One tally for a file whose parts were read by several accumulators (one per worker, each holding
 * blocks from all over the file; the order does not matter): counts add up; a row repeated from one
 * part in another counts as a duplicate, as one accumulator over the
 * whole file would count it (the tallies must carry their fingerprints); the numeric samples are
 * merged into one uniform sample of the whole, each part weighed by the values it saw.
 */
export function mergeTallies(tallies: readonly QualityTally[]): QualityTally {
  const out: QualityTally = { cellsChecked: 0, cellsValid: 0, requiredCells: 0, requiredPresent: 0, rows: 0, duplicateRows: 0, codedCells: 0, codeMismatches: 0, samples: [] };
  let seen: FingerprintSet | null = null;
  const samples = new Map<string, { seen: number; values: number[] }>();
  let seed = 1;
  const random = (n: number) => ((seed = nextSeed(seed)), seed % n);
  for (const t of tallies) {
    out.cellsChecked += t.cellsChecked;
    out.cellsValid += t.cellsValid;
    out.requiredCells += t.requiredCells;
    out.requiredPresent += t.requiredPresent;
    out.rows += t.rows;
    out.duplicateRows += t.duplicateRows;
    out.codedCells += t.codedCells;
    out.codeMismatches += t.codeMismatches;
    if (!t.fingerprints) throw new Error('mergeTallies needs the fingerprints of every part');
    if (seen === null) seen = FingerprintSet.of(t.fingerprints);
    else {
      // A fingerprint already seen in an earlier part: this part's first such row repeats one there.
      const { hi, lo } = t.fingerprints;
      for (let k = 0; k < hi.length; k++) {
        const h = hi[k]!;
        const l = lo[k]!;
        if ((h !== 0 || l !== 0) && !seen.add(h, l)) out.duplicateRows++;
      }
    }
    for (const [column, part] of t.samples) {
      const whole = samples.get(column);
      samples.set(column, whole ? mergeSamples(whole, part, random) : { seen: part.seen, values: [...part.values] });
    }
  }
  out.samples = [...samples];
  return out;
}

/** Two uniform samples of disjoint parts as one uniform sample (at most RESERVOIR values) of both. */
function mergeSamples(
  a: { seen: number; values: number[] },
  b: { seen: number; values: number[] },
  random: (n: number) => number,
): { seen: number; values: number[] } {
  const seen = a.seen + b.seen;
  if (a.values.length + b.values.length <= RESERVOIR) return { seen, values: [...a.values, ...b.values] };
  // Each part gets the share of the sample its share of the values calls for, drawn at random from it.
  const fromA = Math.min(a.values.length, Math.round((RESERVOIR * a.seen) / seen));
  const fromB = Math.min(b.values.length, RESERVOIR - fromA);
  return { seen, values: [...draw(a.values, fromA, random), ...draw(b.values, fromB, random)] };
}

/** `n` values of `values` drawn without replacement (a partial Fisher–Yates shuffle of a copy). */
function draw(values: readonly number[], n: number, random: (n: number) => number): number[] {
  const pool = [...values];
  for (let i = 0; i < n; i++) {
    const j = i + random(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}
