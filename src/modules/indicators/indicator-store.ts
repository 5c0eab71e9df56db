import type { Queryable } from '../../core/db/index.js';
import type { Grain, IndicatorDefinition } from './schema.js';

/** The pre-aggregation's dimension columns, in the order of a definition's dimensions. Never from input. */
export const DIM_COLUMNS = ['d1', 'd2', 'd3'] as const;

/** One pre-aggregated cell: a native period, its dimension values, and the formula's sum and count. */
export interface PreaggRow {
  period: string;
  dims: (string | null)[];
  k: string | null;
  s: number | null;
  n: number | null;
}

export interface PreaggState {
  code: string;
  datasetId: string;
  version: number;
  rowCount: number;
  refreshedAt: Date;
}

/** What the compiled query reads: the aggregation of one measure by (time, dimensions). */
export interface MeasurePlan {
  code: string;
  kind: 'sum' | 'count' | 'count_distinct' | 'avg' | 'ratio';
  scale: number;
  timeRollup: 'sum' | 'avg';
  /** null: one total over the range. */
  granularity: Grain | null;
  range: [string, string] | null;
  /** Positions (0..2) of the grouped dimensions in the definition. */
  groupBy: number[];
  filters: { position: number; negate: boolean; values: string[] }[];
  limit: number;
}

/** One answer cell: time (or null), the grouped dimension values, the value, and whether it divided by zero. */
export interface Cell {
  t: string | null;
  dims: string[];
  value: number | null;
  divisionByZero: boolean;
}

interface DefinitionRow { code: string; definition: IndicatorDefinition; dataset_id: string | null }

/** SQL of the semantic layer: definitions, pre-aggregations. Only this file talks to their tables. */
export class IndicatorStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): IndicatorStore {
    return new IndicatorStore(q);
  }

  async definitions(): Promise<{ definition: IndicatorDefinition; datasetId: string | null }[]> {
    const r = await this.db.query<DefinitionRow>('SELECT code, definition, dataset_id FROM indicators_definitions ORDER BY code');
    return r.rows.map((row) => ({ definition: typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition, datasetId: row.dataset_id }));
  }

  async codesOfDataset(datasetId: string): Promise<string[]> {
    return (await this.db.query<{ code: string }>('SELECT code FROM indicators_definitions WHERE dataset_id = $1 ORDER BY code', [datasetId])).rows.map((r) => r.code);
  }

  /** Inserts or replaces a definition. @returns whether it was new. */
  async save(d: IndicatorDefinition, datasetId: string | null, actorId: string | null): Promise<boolean> {
    const r = await this.db.query<{ inserted: boolean }>(
      `INSERT INTO indicators_definitions (code, definition, dataset_id, created_by) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (code) DO UPDATE SET definition = EXCLUDED.definition, dataset_id = EXCLUDED.dataset_id, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [d.code, JSON.stringify(d), datasetId, actorId],
    );
    return r.rows[0]!.inserted;
  }

  async preaggState(code: string): Promise<PreaggState | null> {
    const r = await this.db.query<{ code: string; dataset_id: string; version: number; row_count: number; refreshed_at: Date }>(
      'SELECT code, dataset_id, version, row_count, refreshed_at FROM indicators_preagg_state WHERE code = $1', [code],
    );
    const s = r.rows[0];
    return s ? { code: s.code, datasetId: s.dataset_id, version: s.version, rowCount: s.row_count, refreshedAt: new Date(s.refreshed_at) } : null;
  }

  /**
   * Replaces an indicator's pre-aggregation with rows computed from one dataset version (in the
   * caller's transaction, so a query never sees half of it). Periods are truncated to the grain.
   */
  async replacePreagg(code: string, grain: Grain, datasetId: string, version: number, rows: PreaggRow[]): Promise<void> {
    await this.db.query('DELETE FROM indicators_preagg WHERE code = $1', [code]);
    const CHUNK = 5000;
    for (let i = 0; i < rows.length; i += CHUNK) {
      const part = rows.slice(i, i + CHUNK);
      await this.db.query(
        `INSERT INTO indicators_preagg (code, period, d1, d2, d3, k, s, n)
         SELECT $1, date_trunc($2::text, p)::date, d1, d2, d3, k, s, n
           FROM unnest($3::date[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[]) AS u(p, d1, d2, d3, k, s, n)`,
        [code, grain, part.map((r) => r.period), ...DIM_COLUMNS.map((_, j) => part.map((r) => r.dims[j] ?? null)), part.map((r) => r.k), part.map((r) => r.s), part.map((r) => r.n)],
      );
    }
    await this.db.query(
      `INSERT INTO indicators_preagg_state (code, dataset_id, version, row_count, refreshed_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (code) DO UPDATE SET dataset_id = EXCLUDED.dataset_id, version = EXCLUDED.version, row_count = EXCLUDED.row_count, refreshed_at = now()`,
      [code, datasetId, version, rows.length],
    );
  }

  /**
   * One measure by (time, dimensions) from its pre-aggregation. Every value is a bound parameter;
   * the only identifiers are the fixed d1..d3 picked by position, so nothing from the request is
   * ever spliced into the SQL. Flows (timeRollup sum) add native periods up; stocks (avg) average
   * them; count-distinct counts within the requested period.
   */
  async aggregate(m: MeasurePlan): Promise<Cell[]> {
    const params: unknown[] = [m.code];
    const bind = (v: unknown) => `$${params.push(v)}`;
    const where = ['code = $1'];
    if (m.range) where.push(`period >= ${bind(m.range[0])}::date`, `period <= ${bind(m.range[1])}::date`);
    for (const f of m.filters) {
      const col = DIM_COLUMNS[f.position]!;
      where.push(f.negate ? `(${col} IS NULL OR NOT (${col} = ANY(${bind(f.values)}::text[])))` : `${col} = ANY(${bind(f.values)}::text[])`);
    }
    const dims = m.groupBy.map((i) => DIM_COLUMNS[i]!);
    const dimOut = dims.map((d, i) => `${d} AS g${i}`);
    const time = m.granularity ? `date_trunc(${bind(m.granularity)}::text, period)::date::text` : 'NULL::text';
    const groupKeys = ['t', ...dims.map((_, i) => `g${i}`)];
    const orderBy = `ORDER BY ${groupKeys.join(', ')} NULLS LAST`;
    const limit = `LIMIT ${bind(m.limit)}::int`;
    let sql: string;
    if (m.kind === 'count_distinct') {
      sql = `SELECT ${time} AS t, ${dimOut.join(', ')}${dims.length ? ',' : ''} count(DISTINCT k)::float8 AS s, 1::float8 AS n, 0 AS zero
               FROM indicators_preagg WHERE ${where.join(' AND ')} GROUP BY ${groupKeys.join(', ')} ${orderBy} ${limit}`;
    } else {
      const inner = `SELECT period, ${dims.length ? `${dims.join(', ')}, ` : ''}sum(s) AS s, sum(n) AS n FROM indicators_preagg WHERE ${where.join(' AND ')} GROUP BY period${dims.map((d) => `, ${d}`).join('')}`;
      const ratio = m.kind === 'avg' || m.kind === 'ratio';
      if (m.timeRollup === 'sum') {
        sql = `SELECT ${time} AS t, ${dimOut.join(', ')}${dims.length ? ',' : ''} sum(s) AS s, sum(n) AS n, 0 AS zero
                 FROM (${inner}) x GROUP BY ${groupKeys.join(', ')} ${orderBy} ${limit}`;
      } else {
        // A stock: the value of each native period first, then their average over the requested period.
        const per = ratio ? `s / NULLIF(n, 0) * ${bind(m.scale)}::float8` : m.kind === 'count' ? 'n' : 's';
        sql = `SELECT ${time} AS t, ${dimOut.join(', ')}${dims.length ? ',' : ''} avg(${per}) AS s, 1::float8 AS n, count(*) FILTER (WHERE ${ratio ? 'n = 0' : 'false'}) AS zero
                 FROM (${inner}) x GROUP BY ${groupKeys.join(', ')} ${orderBy} ${limit}`;
      }
    }
    const r = await this.db.query<Record<string, unknown>>(sql, params);
    return r.rows.map((row) => {
      const s = row.s === null ? null : Number(row.s);
      const n = row.n === null ? null : Number(row.n);
      let value: number | null;
      let divisionByZero = Number(row.zero ?? 0) > 0;
      if (m.kind === 'count_distinct' || m.timeRollup === 'avg') value = s;
      else if (m.kind === 'count') value = n;
      else if (m.kind === 'sum') value = s;
      else if (!n) {
        value = null;
        divisionByZero = true;
      } else value = s === null ? null : (s / n) * m.scale;
      return { t: (row.t as string | null) ?? null, dims: m.groupBy.map((_, i) => String(row[`g${i}`] ?? '')), value, divisionByZero };
    });
  }
}
