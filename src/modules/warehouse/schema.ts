import { Type, type Static } from 'typebox';

/**
 * Shapes of the warehouse API. They are TypeBox schemas so that the modules exposing the warehouse
 * over HTTP (catalogue, sharing, open data) validate and document requests with the very same
 * definitions the service is typed with.
 */

/** Column types a dataset can declare; each maps to one PostgreSQL type (see `PG_TYPES`). */
export const WH_TYPES = ['text', 'integer', 'number', 'date', 'boolean', 'geometry', 'json'] as const;
export const WhTypeSchema = Type.Enum(WH_TYPES);
export type WhType = (typeof WH_TYPES)[number];

/** A column name as the warehouse stores it: lower-case ASCII, starting with a letter. */
export const COLUMN_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const ColumnName = Type.String({ pattern: COLUMN_NAME.source, description: 'Tên cột / column name' });

export const WhColumnSchema = Type.Object({ name: ColumnName, type: WhTypeSchema });
export interface WhColumn {
  name: string;
  type: WhType;
}

export const LOAD_MODES = ['replace', 'append', 'upsert'] as const;
export type LoadMode = (typeof LOAD_MODES)[number];

export const FILTER_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'contains', 'startsWith', 'isNull', 'notNull'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export const AGGREGATE_FNS = ['count', 'sum', 'avg', 'min', 'max'] as const;
export type AggregateFn = (typeof AGGREGATE_FNS)[number];

/** Largest page a query may ask for. */
export const MAX_LIMIT = 1000;
/** Largest list an `in` filter may carry. */
export const MAX_IN_VALUES = 1000;

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const WhFilterSchema = Type.Object({
  column: Type.String(),
  op: Type.Enum(FILTER_OPS),
  value: Type.Optional(Type.Union([Scalar, Type.Array(Scalar, { maxItems: MAX_IN_VALUES })])),
});
export type WhFilter = Static<typeof WhFilterSchema>;

export const WhSortSchema = Type.Object({ column: Type.String(), dir: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])) });
export type WhSort = Static<typeof WhSortSchema>;

export const WhAggregateSchema = Type.Object({
  fn: Type.Enum(AGGREGATE_FNS),
  column: Type.Optional(Type.String()),
  as: ColumnName,
});
export type WhAggregate = Static<typeof WhAggregateSchema>;

/**
 * A safe query over one version of a dataset. Every column is checked against the dataset schema and
 * every value is bound, so the whole object may come straight from a client.
 */
export const WhQuerySchema = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 1, description: 'Phiên bản / version (default: latest)' })),
  fields: Type.Optional(Type.Array(Type.String(), { description: 'Cột trả về; `_line` = dòng nguồn / columns to return' })),
  filters: Type.Optional(Type.Array(WhFilterSchema, { maxItems: 50 })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Tìm không dấu trên các cột văn bản / accent-insensitive text search' })),
  sort: Type.Optional(Type.Array(WhSortSchema, { maxItems: 10 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
  cursor: Type.Optional(Type.String({ maxLength: 16384 })),
  count: Type.Optional(Type.Boolean()),
  groupBy: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
  aggregates: Type.Optional(Type.Array(WhAggregateSchema, { maxItems: 20 })),
});
export type WhQuery = Static<typeof WhQuerySchema>;

export type Row = Record<string, unknown>;

export interface WhQueryResult {
  rows: Row[];
  /** Matching rows (or groups), when `count` was asked. */
  total?: number;
  /**
   * True when `total` is the planner's estimate: on a large version a filtered total is counted
   * exactly only up to a bound (see `EXACT_COUNT_MATCHES`), never by reading every matching row.
   */
  totalEstimated?: boolean;
  /** Opaque cursor for the next page; null on the last page. Absent for grouped queries. */
  nextCursor?: string | null;
}

/**
 * What a load needs its rows encoded with, decided once it knows its target (see
 * {@link LoadInput}): plain data, so it can be posted to a worker thread that builds the same
 * `RowEncoder` (rows.ts) there.
 */
export interface EncoderPlan {
  columns: WhColumn[];
  keyColumns: string[];
  /** The version number leading each line when copying straight into the dataset table, else null. */
  version: number | null;
  /** Refuse a row without a key value (upserts). */
  requireKey: boolean;
}

export type LoadInput = LoadInputBase &
  (
    | {
        /** Typed rows: number, 'YYYY-MM-DD' for dates, boolean, a GeoJSON object for geometry, or null. */
        rows: AsyncIterable<{ line: number; values: Record<string, unknown> }>;
        encoded?: never;
      }
    | {
        rows?: never;
        /**
         * The rows already encoded as CSV (e.g. by a worker thread): called once, when the load knows
         * its target, with the plan of the `RowEncoder` (rows.ts) that must produce every line.
         */
        encoded: (plan: EncoderPlan) => AsyncIterable<string | Buffer>;
      }
  );

interface LoadInputBase {
  /** Uuid of the catalogue dataset. */
  datasetId: string;
  /** The dataset schema, in order. */
  columns: WhColumn[];
  /** Required (non-empty) for upsert; identifies a row for upserts and for the diff's "changed". */
  keyColumns: string[];
  mode: LoadMode;
  /** User id of the steward. */
  createdBy: string | null;
  /** Lineage stored on the version: { uploadId, sha256, filename }. */
  source?: Record<string, unknown>;
}

export interface LoadResult {
  version: number;
  /** Rows read from the input. */
  rowsLoaded: number;
  /** Rows the new version has that the previous one did not. */
  added: number;
  /** Rows of the previous version the new one no longer has. */
  removed: number;
  /** Rows in the new version. */
  rowCount: number;
}

export interface VersionInfo {
  version: number;
  mode: LoadMode;
  rowsLoaded: number;
  rowCount: number;
  added: number;
  removed: number;
  keyColumns: string[];
  createdBy: string | null;
  /** ISO 8601. */
  createdAt: string;
  source: Record<string, unknown> | null;
}

export interface DiffResult {
  added: Row[];
  removed: Row[];
  changed: { key: Row; before: Row; after: Row }[];
  /** Full counts; the lists stop at the limit. */
  counts: { added: number; removed: number; changed: number };
}
