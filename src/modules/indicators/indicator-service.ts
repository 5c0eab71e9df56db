import { authorize, SYSTEM, type Principal } from '../../core/auth/index.js';
import type { Db } from '../../core/db/index.js';
import { AppError, conflict, notFound, type Bilingual } from '../../core/errors.js';
import type { CatalogService, Dataset } from '../catalog/index.js';
import { foldKey } from '../dictionary/index.js';
import type { IngestService } from '../ingest/index.js';
import { loadSample, sampleExists } from '../opendata/index.js';
import type { WarehouseService } from '../warehouse/index.js';
import { DEMO_INDICATORS, SAMPLE_LABEL, demoDatasets, type DemoCommune } from './demo.js';
import { evaluate, formulaText, parseExpression, references } from './formula.js';
import { IndicatorStore, type Cell, type MeasurePlan, type PreaggRow } from './indicator-store.js';
import {
  MAX_RANGE_YEARS, type Comparison, type Grain, type IndicatorDefinition, type IndicatorQueryInput, type IndicatorView, type QueryResult,
} from './schema.js';

export interface IndicatorDeps {
  db: Db;
  catalog: CatalogService;
  warehouse: WarehouseService;
  /** Commune codes and names, to label commune dimensions. */
  communes: () => Promise<{ code: string; name: string }[]>;
}

const GRAIN_MONTHS: Record<Grain, number> = { month: 1, quarter: 3, year: 12 };
const GRAIN_VI: Record<Grain, string> = { month: 'tháng', quarter: 'quý', year: 'năm' };
const NUMERIC = new Set(['integer', 'number']);
const DIMENSIONAL = new Set(['text', 'integer', 'date', 'boolean']);
/** Deepest chain of derived indicators followed (a cycle is refused at definition; this is the backstop). */
const MAX_DEPTH = 8;

/**
 * A refusal of the semantic layer: VALIDATION_FAILED with a stable `reason` (documented in
 * docs/indicators.md) that clients — the dashboard, the assistant — can branch on.
 */
export function refusal(reason: string, msg: Bilingual, field = 'query'): AppError {
  return new AppError('VALIDATION_FAILED', msg, { reason, errors: [{ field, message: msg.en }] });
}

// ---- dates, as 'YYYY-MM-DD' strings in UTC ---------------------------------------------------------

const parseDay = (s: string): Date | null => {
  const d = new Date(`${s}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s ? null : d;
};
const day = (d: Date) => d.toISOString().slice(0, 10);
const addMonths = (s: string, n: number) => {
  const d = new Date(`${s}T00:00:00Z`);
  return day(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate())));
};
const addDays = (s: string, n: number) => day(new Date(Date.parse(`${s}T00:00:00Z`) + n * 86_400_000));
const truncate = (s: string, g: Grain) => {
  const [y, m] = s.split('-').map(Number) as [number, number];
  const month = g === 'year' ? 1 : g === 'quarter' ? Math.floor((m - 1) / 3) * 3 + 1 : m;
  return `${y}-${String(month).padStart(2, '0')}-01`;
};
const monthsBetween = (a: string, b: string) => {
  const [ya, ma] = a.split('-').map(Number) as [number, number];
  const [yb, mb] = b.split('-').map(Number) as [number, number];
  return (yb - ya) * 12 + (mb - ma);
};

interface Sourced {
  slug: string;
  id: string;
  version: number;
  refreshedAt: string;
}
interface MeasureCells {
  cells: Map<string, Cell>;
  datasets: Sourced[];
}
interface Shape {
  granularity: Grain | null;
  range: [string, string] | null;
  dimensions: string[];
  filters: { dimension: string; negate: boolean; values: string[] }[];
  limit: number;
}

const keyOf = (t: string | null, dims: string[]) => JSON.stringify([t, ...dims]);

/**
 * The semantic layer: indicators defined once (formula over a warehouse dataset, or an expression over
 * other indicators), pre-aggregated at their grain and refreshed with every new version of their
 * dataset, queried in the spirit of Cube's query JSON. Every answer carries its provenance.
 */
export class IndicatorService {
  private readonly store: IndicatorStore;

  constructor(private readonly deps: IndicatorDeps) {
    this.store = new IndicatorStore(deps.db);
  }

  // ---- definitions -------------------------------------------------------------------------------

  private async definitions(): Promise<Map<string, IndicatorDefinition>> {
    return new Map((await this.store.definitions()).map((d) => [d.definition.code, d.definition]));
  }

  /** An indicator by code, name or alias, compared without diacritics or case ("du khach", "IIP"). */
  private resolve(defs: Map<string, IndicatorDefinition>, codeOrAlias: string): IndicatorDefinition | null {
    const exact = defs.get(codeOrAlias);
    if (exact) return exact;
    const key = foldKey(codeOrAlias);
    if (!key) return null;
    for (const d of defs.values()) {
      if (foldKey(d.code) === key || foldKey(d.name) === key || d.aliases.some((a) => foldKey(a) === key)) return d;
    }
    return null;
  }

  /**
   * Defines (or redefines) an indicator. The source dataset and its columns must exist and fit the
   * formula; a derived indicator's expression may name only existing indicators, without a cycle,
   * over dimensions they all have; targets must be in the indicator's unit.
   * @throws AppError UNAUTHENTICATED, FORBIDDEN, VALIDATION_FAILED (with a reason), CONFLICT (alias taken)
   */
  async define(actor: Principal, input: IndicatorDefinition): Promise<{ definition: IndicatorDefinition; created: boolean }> {
    authorize(actor, 'indicators:write', { orgId: input.ownerOrgId });
    const d: IndicatorDefinition = JSON.parse(JSON.stringify(input).normalize('NFC'));
    const defs = await this.definitions();
    for (const other of defs.values()) {
      if (other.code === d.code) continue;
      const taken = [other.code, other.name, ...other.aliases].map(foldKey);
      const clash = [d.code, d.name, ...d.aliases].find((a) => taken.includes(foldKey(a)));
      if (clash) throw conflict({ vi: `Tên hoặc bí danh “${clash}” đã thuộc chỉ tiêu ${other.code}`, en: `Name or alias "${clash}" already belongs to ${other.code}` });
    }
    const periods = new Set<string>();
    for (const [i, t] of d.targets.entries()) {
      if (t.unit !== d.unit) {
        throw refusal('TARGET_UNIT_MISMATCH', { vi: `Chỉ tiêu kế hoạch năm ${t.period} tính bằng “${t.unit}”, khác đơn vị của chỉ tiêu (“${d.unit}”)`, en: `The ${t.period} target is in "${t.unit}", not the indicator's unit "${d.unit}"` }, `targets[${i}].unit`);
      }
      if (periods.has(t.period)) throw refusal('DUPLICATE_TARGET', { vi: `Năm ${t.period} có hai chỉ tiêu kế hoạch`, en: `Two targets for ${t.period}` }, `targets[${i}].period`);
      periods.add(t.period);
    }
    const keys = new Set<string>();
    for (const dim of d.dimensions) {
      if (keys.has(dim.key)) throw refusal('DUPLICATE_DIMENSION', { vi: `Chiều “${dim.key}” khai báo hai lần`, en: `Dimension "${dim.key}" declared twice` }, 'dimensions');
      keys.add(dim.key);
    }
    let dataset: Dataset | null = null;
    if (d.formula.kind === 'derived') {
      this.checkDerived(d, defs);
    } else {
      dataset = await this.checkSourced(actor, d);
    }
    const created = await this.deps.db.transaction(async (tx) => this.store.with(tx).save(d, dataset?.id ?? null, actor.id));
    if (dataset) await this.refresh(d, dataset);
    return { definition: d, created };
  }

  private async checkSourced(actor: Principal, d: IndicatorDefinition): Promise<Dataset> {
    if (!d.source) throw refusal('SOURCE_REQUIRED', { vi: 'Chỉ tiêu tính từ dữ liệu cần tập dữ liệu nguồn và cột thời gian', en: 'A computed indicator needs a source dataset and time column' }, 'source');
    if (d.formula.expression !== undefined) throw refusal('EXPRESSION_NOT_ALLOWED', { vi: 'Chỉ chỉ tiêu dẫn xuất (derived) mới có biểu thức', en: 'Only derived indicators have an expression' }, 'formula.expression');
    // An indicator publishes aggregates of the dataset's content to every dashboard reader: defining
    // one takes the content rule (another agency's shared dataset only through LDOP), and no personal
    // column may become a dimension or a distinct count (its values would be the published groups).
    const { dataset: ds, personal } = await this.deps.catalog.openContent(actor, d.source.dataset).catch((e: unknown) => {
      if (e instanceof AppError && e.code === 'NOT_FOUND') {
        throw refusal('UNKNOWN_DATASET', { vi: `Không có tập dữ liệu “${d.source!.dataset}”`, en: `No dataset "${d.source!.dataset}"` }, 'source.dataset');
      }
      throw e;
    });
    const grouped = [...d.dimensions.map((x) => x.column), ...(d.formula.kind === 'count_distinct' ? [d.formula.column] : [])];
    const exposed = grouped.find((c): c is string => !!c && personal.has(c));
    if (exposed) {
      throw refusal('PERSONAL_COLUMN', {
        vi: `Cột “${exposed}” chứa dữ liệu cá nhân: không dùng làm chiều hay đếm giá trị khác nhau của chỉ tiêu`,
        en: `Column "${exposed}" holds personal data: it cannot be a dimension or a distinct count of an indicator`,
      }, 'dimensions');
    }
    const cols = new Map(ds.columns.map((c) => [c.name, c.type as string]));
    const need = (name: string | undefined, field: string, ok: (type: string) => boolean, what: Bilingual) => {
      if (!name) throw refusal('COLUMN_REQUIRED', { vi: `Công thức “${d.formula.kind}” cần ${field}`, en: `Formula "${d.formula.kind}" needs ${field}` }, `formula.${field}`);
      const type = cols.get(name);
      if (!type) throw refusal('UNKNOWN_COLUMN', { vi: `Tập dữ liệu “${ds.slug}” không có cột “${name}”`, en: `Dataset "${ds.slug}" has no column "${name}"` }, field);
      if (!ok(type)) throw refusal('COLUMN_TYPE', { vi: `Cột “${name}” (${type}) ${what.vi}`, en: `Column "${name}" (${type}) ${what.en}` }, field);
    };
    need(d.source.time, 'source.time', (t) => t === 'date', { vi: 'phải là kiểu ngày', en: 'must be a date' });
    const numeric = { vi: 'phải là kiểu số', en: 'must be numeric' };
    const f = d.formula;
    if (f.kind === 'sum' || f.kind === 'avg') need(f.column, 'column', (t) => NUMERIC.has(t), numeric);
    if (f.kind === 'ratio') {
      need(f.numerator, 'numerator', (t) => NUMERIC.has(t), numeric);
      need(f.denominator, 'denominator', (t) => NUMERIC.has(t), numeric);
    }
    if (f.kind === 'count_distinct') need(f.column, 'column', (t) => DIMENSIONAL.has(t), { vi: 'không đếm phân biệt được', en: 'cannot be counted distinct' });
    for (const [i, dim] of d.dimensions.entries()) {
      need(dim.column, `dimensions[${i}].column`, (t) => DIMENSIONAL.has(t), { vi: 'không dùng làm chiều được', en: 'cannot be a dimension' });
    }
    return ds;
  }

  private checkDerived(d: IndicatorDefinition, defs: Map<string, IndicatorDefinition>): void {
    if (d.source) throw refusal('SOURCE_NOT_ALLOWED', { vi: 'Chỉ tiêu dẫn xuất tính từ chỉ tiêu khác, không có tập dữ liệu nguồn', en: 'A derived indicator has no source dataset' }, 'source');
    if (!d.formula.expression) throw refusal('EXPRESSION_REQUIRED', { vi: 'Chỉ tiêu dẫn xuất cần biểu thức', en: 'A derived indicator needs an expression' }, 'formula.expression');
    const refs = references(parseExpression(d.formula.expression));
    if (!refs.length) throw refusal('EXPRESSION_REQUIRED', { vi: 'Biểu thức phải dùng ít nhất một chỉ tiêu', en: 'The expression must use at least one indicator' }, 'formula.expression');
    const all = new Map(defs).set(d.code, d);
    for (const code of refs) {
      const ref = all.get(code);
      if (!ref) throw refusal('UNKNOWN_INDICATOR', { vi: `Biểu thức dùng chỉ tiêu chưa có: “${code}”`, en: `The expression uses an unknown indicator "${code}"` }, 'formula.expression');
      if (ref.code !== d.code && GRAIN_MONTHS[ref.grain] > GRAIN_MONTHS[d.grain]) {
        throw refusal('GRAIN_MISMATCH', { vi: `“${code}” theo ${GRAIN_VI[ref.grain]}, không tính được theo ${GRAIN_VI[d.grain]}`, en: `"${code}" is by ${ref.grain}, finer than ${d.grain} is not possible` }, 'grain');
      }
      for (const dim of d.dimensions) {
        if (ref.code !== d.code && !ref.dimensions.some((x) => x.key === dim.key)) {
          throw refusal('DIMENSION_NOT_AVAILABLE', { vi: `Chỉ tiêu “${code}” không có chiều “${dim.key}”`, en: `Indicator "${code}" has no dimension "${dim.key}"` }, 'dimensions');
        }
      }
    }
    // A cycle: following derived references from this indicator comes back to it.
    const visit = (code: string, path: string[]): void => {
      const def = all.get(code);
      if (def?.formula.kind !== 'derived' || !def.formula.expression) return;
      for (const next of references(parseExpression(def.formula.expression))) {
        if (next === d.code) {
          throw refusal('CIRCULAR_DEFINITION', { vi: `Định nghĩa vòng tròn: ${[...path, next].join(' → ')}`, en: `Circular definition: ${[...path, next].join(' → ')}` }, 'formula.expression');
        }
        if (!path.includes(next)) visit(next, [...path, next]);
      }
    };
    visit(d.code, [d.code]);
  }

  // ---- pre-aggregations --------------------------------------------------------------------------

  /**
   * Rebuilds an indicator's pre-aggregation from the latest version of its dataset, read through the
   * warehouse's own grouped query (by time and dimensions), under a lock so two refreshes never mix.
   */
  private async refresh(d: IndicatorDefinition, ds: Dataset): Promise<void> {
    if (!d.source || ds.latestVersion === null) return;
    const version = ds.latestVersion;
    const f = d.formula;
    const time = d.source.time;
    const dimCols = d.dimensions.map((x) => x.column!);
    const groupBy = [time, ...dimCols, ...(f.kind === 'count_distinct' ? [f.column!] : [])];
    const aggregates =
      f.kind === 'ratio' ? [{ fn: 'sum' as const, column: f.numerator!, as: 'ps' }, { fn: 'sum' as const, column: f.denominator!, as: 'pn' }]
        : f.kind === 'count' || f.kind === 'count_distinct' ? [{ fn: 'count' as const, as: 'pn' }]
          : [{ fn: 'sum' as const, column: f.column!, as: 'ps' }, { fn: 'count' as const, column: f.column!, as: 'pn' }];
    const columns = ds.columns.map((c) => ({ name: c.name, type: c.type }));
    const rows: PreaggRow[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.deps.warehouse.query(ds.id, columns, { version, groupBy, aggregates, limit: 1000, offset });
      for (const r of page.rows) {
        const n = r.pn === null || r.pn === undefined ? null : Number(r.pn);
        rows.push({
          period: String(r[time]),
          dims: dimCols.map((c) => (r[c] === null || r[c] === undefined ? null : String(r[c]))),
          k: f.kind === 'count_distinct' ? (r[f.column!] === null ? null : String(r[f.column!])) : null,
          s: f.kind === 'count' || f.kind === 'count_distinct' ? n : r.ps === null || r.ps === undefined ? null : Number(r.ps),
          n,
        });
      }
      if (page.rows.length < 1000) break;
    }
    // Rows without a period cannot be placed in time: they are left out (and counted in the state).
    const placed = rows.filter((r) => r.period !== 'null' && r.period !== 'undefined');
    await this.deps.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`indicators:${d.code}`]);
      const store = this.store.with(tx);
      const state = await store.preaggState(d.code);
      if (state && state.datasetId === ds.id && state.version > version) return; // a newer refresh got there first
      await store.replacePreagg(d.code, d.grain, ds.id, version, placed);
    });
  }

  /** The pre-aggregation is of the dataset's latest version: refreshes it first when it is not. */
  private async fresh(actor: Principal, d: IndicatorDefinition): Promise<Sourced> {
    const ds = await this.deps.catalog.getDataset(SYSTEM, d.source!.dataset);
    // Aggregates of a private dataset are for its agency (and administrators) only.
    if (ds.access === 'private') authorize(actor, 'data:read', { orgId: ds.publisherOrgId });
    let state = await this.store.preaggState(d.code);
    if (!state || state.datasetId !== ds.id || state.version !== ds.latestVersion) {
      await this.refresh(d, ds);
      state = await this.store.preaggState(d.code);
    }
    if (!state) throw refusal('NO_DATA', { vi: `Tập dữ liệu “${ds.slug}” chưa có phiên bản nào`, en: `Dataset "${ds.slug}" has no version yet` }, 'measures');
    return { slug: ds.slug, id: ds.id, version: state.version, refreshedAt: state.refreshedAt.toISOString() };
  }

  /**
   * The `dataset.version.published` subscriber: refreshes the pre-aggregations of the indicators
   * computed from that dataset. Idempotent (a refresh of the same version gives the same rows).
   */
  async onVersionPublished(payload: Record<string, unknown>): Promise<void> {
    const datasetId = String(payload.datasetId ?? '');
    if (!/^[0-9a-f-]{36}$/i.test(datasetId)) return;
    const codes = await this.store.codesOfDataset(datasetId);
    if (!codes.length) return;
    const defs = await this.definitions();
    const ds = await this.deps.catalog.getDataset(SYSTEM, datasetId);
    for (const code of codes) {
      const d = defs.get(code);
      if (d) await this.refresh(d, ds);
    }
  }

  // ---- queries -----------------------------------------------------------------------------------

  private async cells(actor: Principal, defs: Map<string, IndicatorDefinition>, d: IndicatorDefinition, shape: Shape, depth = 0): Promise<MeasureCells> {
    if (depth > MAX_DEPTH) throw refusal('CIRCULAR_DEFINITION', { vi: `Chỉ tiêu ${d.code} dẫn xuất quá sâu hoặc vòng tròn`, en: `${d.code} is derived too deeply or circularly` }, 'measures');
    if (d.formula.kind !== 'derived') {
      const source = await this.fresh(actor, d);
      const position = (key: string) => d.dimensions.findIndex((x) => x.key === key);
      const plan: MeasurePlan = {
        code: d.code, kind: d.formula.kind, scale: d.formula.scale ?? 1, timeRollup: d.timeRollup, granularity: shape.granularity, range: shape.range,
        groupBy: shape.dimensions.map(position), filters: shape.filters.map((f) => ({ position: position(f.dimension), negate: f.negate, values: f.values })),
        limit: shape.limit + 1,
      };
      const cells = await this.store.aggregate(plan);
      return { cells: new Map(cells.map((c) => [keyOf(c.t, c.dims), c])), datasets: [source] };
    }
    const expr = parseExpression(d.formula.expression ?? '');
    const inputs = new Map<string, Map<string, Cell>>();
    const datasets: Sourced[] = [];
    for (const code of references(expr)) {
      const ref = defs.get(code);
      if (!ref) throw refusal('UNKNOWN_INDICATOR', { vi: `Chỉ tiêu ${d.code} dùng chỉ tiêu không còn: “${code}”`, en: `${d.code} uses a missing indicator "${code}"` }, 'measures');
      const got = await this.cells(actor, defs, ref, shape, depth + 1);
      inputs.set(code, got.cells);
      for (const s of got.datasets) if (!datasets.some((x) => x.id === s.id)) datasets.push(s);
    }
    const keys = new Set([...inputs.values()].flatMap((m) => [...m.keys()]));
    const cells = new Map<string, Cell>();
    for (const key of keys) {
      const [t, ...dims] = JSON.parse(key) as [string | null, ...string[]];
      const flags = { divisionByZero: false };
      const values = Object.fromEntries([...inputs].map(([code, m]) => [code, m.get(key)?.value ?? null]));
      const value = evaluate(expr, values, flags);
      cells.set(key, { t, dims, value, divisionByZero: flags.divisionByZero || [...inputs.values()].some((m) => m.get(key)?.divisionByZero) });
    }
    return { cells, datasets };
  }

  /**
   * Answers a query: measures (codes or aliases) by time and dimensions over a date range, optionally
   * compared with the same period a year before or the period before. Values a division by zero made
   * undefined are null with a warning, never a number.
   * @throws AppError UNAUTHENTICATED, FORBIDDEN, VALIDATION_FAILED (with a reason: docs/indicators.md)
   */
  async query(actor: Principal, q: IndicatorQueryInput): Promise<QueryResult> {
    authorize(actor, 'dashboard:read');
    const defs = await this.definitions();
    const measures: IndicatorDefinition[] = [];
    for (const m of q.measures) {
      const d = this.resolve(defs, m);
      if (!d) throw refusal('UNKNOWN_INDICATOR', { vi: `Không có chỉ tiêu “${m}”`, en: `No indicator "${m}"` }, 'measures');
      if (!measures.includes(d)) measures.push(d);
    }
    const dimensions = [...new Set(q.dimensions ?? [])];
    const filters = (q.filters ?? []).map((f) => ({ dimension: f.dimension, negate: f.operator === 'notEquals', values: f.values.map((v) => v.normalize('NFC')) }));
    for (const key of [...dimensions, ...filters.map((f) => f.dimension)]) {
      const lacking = measures.find((m) => !m.dimensions.some((x) => x.key === key));
      if (lacking) {
        const has = lacking.dimensions.map((x) => x.key).join(', ') || 'không có';
        throw refusal('DIMENSION_NOT_AVAILABLE', { vi: `Chỉ tiêu “${lacking.code}” không có chiều “${key}” (có: ${has})`, en: `Indicator "${lacking.code}" has no dimension "${key}" (has: ${lacking.dimensions.map((x) => x.key).join(', ') || 'none'})` }, 'dimensions');
      }
    }
    const coarsest = measures.map((m) => m.grain).sort((a, b) => GRAIN_MONTHS[b] - GRAIN_MONTHS[a])[0]!;
    const granularity = q.timeDimension?.granularity ?? null;
    if (granularity && GRAIN_MONTHS[granularity] < GRAIN_MONTHS[coarsest]) {
      const m = measures.find((x) => x.grain === coarsest)!;
      throw refusal('GRANULARITY_TOO_FINE', { vi: `Chỉ tiêu “${m.code}” chỉ có số liệu theo ${GRAIN_VI[m.grain]}, không chia theo ${GRAIN_VI[granularity]} được`, en: `"${m.code}" is only by ${m.grain}, not by ${granularity}` }, 'timeDimension.granularity');
    }
    const range = this.range(q.timeDimension?.dateRange, granularity ?? coarsest);
    const compare = q.compare ?? null;
    if (compare && !range) throw refusal('COMPARE_NEEDS_DATE_RANGE', { vi: 'So sánh cùng kỳ hoặc kỳ trước cần khoảng thời gian (dateRange)', en: 'A comparison needs a dateRange' }, 'compare');
    const limit = q.limit ?? 5000;
    const shape: Shape = { granularity, range, dimensions, filters, limit };
    const compareRange = compare && range ? this.compareRange(range, compare) : null;

    const rows = new Map<string, QueryResult['rows'][number]>();
    const warnings: QueryResult['warnings'] = [];
    const provenance: QueryResult['provenance'] = [];
    let truncated = false;
    for (const m of measures) {
      const got = await this.cells(actor, defs, m, shape);
      const earlier = compareRange ? await this.cells(actor, defs, m, { ...shape, range: compareRange.range }) : null;
      if (got.cells.size > limit) truncated = true;
      let zero = 0;
      for (const [key, c] of got.cells) {
        const row = rows.get(key) ?? { time: c.t, dimensions: Object.fromEntries(dimensions.map((k, i) => [k, c.dims[i]!])), values: {} };
        row.values[m.code] = c.value;
        if (c.divisionByZero) zero++;
        if (earlier && compareRange) {
          const before = earlier.cells.get(keyOf(c.t === null ? null : addMonths(c.t, -compareRange.shiftMonths), c.dims))?.value ?? null;
          (row.compare ??= {})[m.code] = before;
          (row.change ??= {})[m.code] = before === null || c.value === null || before === 0 ? null : Math.round(((c.value - before) / Math.abs(before)) * 10_000) / 10_000;
        }
        rows.set(key, row);
      }
      if (zero) {
        warnings.push({ code: 'DIVISION_BY_ZERO', measure: m.code, message: `${zero} ô của “${m.code}” chia cho 0: để trống, không hiển thị số / ${zero} cells divided by zero: left empty` });
      }
      provenance.push({ indicator: m.code, formula: formulaText(m), datasets: [...got.datasets, ...(earlier?.datasets ?? []).filter((d) => !got.datasets.some((x) => x.id === d.id))], sample: m.sample });
    }
    if (truncated) warnings.push({ code: 'TRUNCATED', measure: '', message: `Chỉ trả ${limit} dòng đầu / only the first ${limit} rows` });
    const sorted = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit).map(([, r]) => r);
    return {
      query: { measures: measures.map((m) => m.code), dimensions, granularity: granularity ?? 'total', dateRange: range, compare, compareRange: compareRange?.range ?? null },
      measures: measures.map((m) => ({ code: m.code, name: m.name, nameEn: m.nameEn, unit: m.unit, sampleLabel: m.sample ? SAMPLE_LABEL : null })),
      rows: sorted,
      labels: await this.labels(measures, dimensions, sorted),
      warnings,
      provenance,
    };
  }

  /** A date range checked and widened to whole periods of the grain. */
  private range(given: [string, string] | undefined, grain: Grain): [string, string] | null {
    if (!given) return null;
    const [from, to] = given;
    const a = parseDay(from);
    const b = parseDay(to);
    if (!a || !b) throw refusal('INVALID_DATE_RANGE', { vi: `Ngày không hợp lệ trong khoảng [${from}, ${to}]`, en: `Invalid date in [${from}, ${to}]` }, 'timeDimension.dateRange');
    if (a > b) throw refusal('INVALID_DATE_RANGE', { vi: `Ngày bắt đầu ${from} sau ngày kết thúc ${to}`, en: `${from} is after ${to}` }, 'timeDimension.dateRange');
    if (monthsBetween(from, to) > MAX_RANGE_YEARS * 12) {
      throw refusal('DATE_RANGE_TOO_LONG', { vi: `Khoảng thời gian dài quá ${MAX_RANGE_YEARS} năm`, en: `The date range exceeds ${MAX_RANGE_YEARS} years` }, 'timeDimension.dateRange');
    }
    return [truncate(from, grain), addDays(addMonths(truncate(to, grain), GRAIN_MONTHS[grain]), -1)];
  }

  private compareRange(range: [string, string], compare: Comparison): { range: [string, string]; shiftMonths: number } {
    const shiftMonths = compare === 'previous_year' ? 12 : monthsBetween(range[0], addDays(range[1], 1));
    return { range: [addMonths(range[0], -shiftMonths), addDays(addMonths(addDays(range[1], 1), -shiftMonths), -1)], shiftMonths };
  }

  private async labels(measures: IndicatorDefinition[], dimensions: string[], rows: QueryResult['rows']): Promise<QueryResult['labels']> {
    const out: QueryResult['labels'] = {};
    for (const key of dimensions) {
      const dim = measures.flatMap((m) => m.dimensions).find((x) => x.key === key)!;
      const present = new Set(rows.map((r) => r.dimensions[key]!));
      const names = dim.kind === 'commune' ? new Map((await this.deps.communes()).map((c) => [c.code, c.name])) : new Map(Object.entries(dim.labels ?? {}));
      out[key] = Object.fromEntries([...present].filter((v) => names.has(v)).map((v) => [v, names.get(v)!]));
    }
    return out;
  }

  // ---- catalogue of indicators -------------------------------------------------------------------

  /** Every indicator with its latest value and plan vs actual. @throws AppError UNAUTHENTICATED, FORBIDDEN */
  async list(actor: Principal): Promise<IndicatorView[]> {
    authorize(actor, 'dashboard:read');
    const defs = await this.definitions();
    const out: IndicatorView[] = [];
    for (const d of defs.values()) out.push(await this.view(actor, defs, d));
    return out;
  }

  /** One indicator by code or alias, with targets, plan vs actual and the latest value. @throws AppError NOT_FOUND */
  async get(actor: Principal, codeOrAlias: string): Promise<IndicatorView> {
    authorize(actor, 'dashboard:read');
    const defs = await this.definitions();
    const d = this.resolve(defs, codeOrAlias);
    if (!d) throw notFound({ vi: `Không có chỉ tiêu “${codeOrAlias}”`, en: `No indicator "${codeOrAlias}"` });
    return this.view(actor, defs, d);
  }

  private async view(actor: Principal, defs: Map<string, IndicatorDefinition>, d: IndicatorDefinition): Promise<IndicatorView> {
    const series = await this.cells(actor, defs, d, { granularity: d.grain, range: null, dimensions: [], filters: [], limit: 10_000 });
    const last = [...series.cells.values()].filter((c) => c.value !== null).sort((a, b) => (a.t! < b.t! ? -1 : 1)).at(-1) ?? null;
    const plan = [];
    for (const t of d.targets) {
      const year = await this.cells(actor, defs, d, { granularity: 'year', range: [`${t.period}-01-01`, `${t.period}-12-31`], dimensions: [], filters: [], limit: 1 });
      const actual = [...year.cells.values()][0]?.value ?? null;
      plan.push({ period: t.period, target: t.value, actual, ratio: actual === null || t.value === 0 ? null : Math.round((actual / t.value) * 10_000) / 10_000 });
    }
    return { ...d, sampleLabel: d.sample ? SAMPLE_LABEL : null, formulaText: formulaText(d), latest: last ? { period: last.t!, value: last.value } : null, plan };
  }

  /** The datasets each indicator is computed from (a derived one: those of the indicators it reads). */
  async sourceDatasets(): Promise<{ code: string; datasetIds: string[] }[]> {
    const rows = await this.store.definitions();
    const byCode = new Map(rows.map((r) => [r.definition.code, r]));
    const of = (code: string, seen: Set<string>): string[] => {
      const r = byCode.get(code);
      if (!r || seen.has(code)) return [];
      seen.add(code);
      if (r.datasetId) return [r.datasetId];
      const expr = r.definition.formula.expression;
      return expr ? [...new Set(references(parseExpression(expr)).flatMap((c) => of(c, seen)))] : [];
    };
    return rows.map((r) => ({ code: r.definition.code, datasetIds: of(r.definition.code, new Set()) }));
  }

  // ---- the demo ----------------------------------------------------------------------------------

  /**
   * Loads the demo's sample datasets through ingestion and defines the demo indicators over them
   * (idempotent: what exists is kept). @returns how many datasets were loaded by this call.
   */
  async seedDemo(ingest: IngestService, communes: DemoCommune[]): Promise<{ loaded: number }> {
    let loaded = 0;
    for (const sample of demoDatasets(communes)) {
      if (await sampleExists(this.deps.catalog, sample.meta.slug)) continue;
      await loadSample({ catalog: this.deps.catalog, ingest, communes }, sample);
      loaded++;
    }
    const defs = await this.definitions();
    for (const d of DEMO_INDICATORS) if (!defs.has(d.code)) await this.define(SYSTEM, d);
    return { loaded };
  }
}
