import type { Module } from '../../core/module.js';

export { WarehouseService, type QueryIndexReport } from './service.js';
export { queryIndexName, type AccessPath, type QueryIndex } from './store.js';
export { warehouseRoutes } from './routes.js';
export { RowEncoder } from './rows.js';
export {
  WH_TYPES,
  LOAD_MODES,
  FILTER_OPS,
  AGGREGATE_FNS,
  MAX_LIMIT,
  WhColumnSchema,
  WhQuerySchema,
  WhFilterSchema,
  WhSortSchema,
  WhAggregateSchema,
  type WhType,
  type WhColumn,
  type LoadMode,
  type LoadInput,
  type EncoderPlan,
  type LoadResult,
  type VersionInfo,
  type WhQuery,
  type WhFilter,
  type WhSort,
  type WhAggregate,
  type WhQueryResult,
  type DiffResult,
  type Row,
} from './schema.js';

/** The shared data warehouse: one typed, versioned table per dataset and a safe query service. */
export const warehouseModule = {
  name: 'warehouse',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
