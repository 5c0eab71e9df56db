import type { Module } from '../../core/module.js';

export { StrategyService, type Progress, type ProgressReport, type StrategySummary } from './strategy-service.js';
export { strategyRoutes, indicatorRoutes } from './routes.js';
export { IndicatorService, type IndicatorDeps } from './indicator-service.js';
export { computeKpis, platformKpiSources, type Kpi, type KpiSources, type KpiServices } from './kpi.js';
export { DEMO_INDICATORS, SAMPLE_LABEL, type DemoCommune } from './demo.js';
export type { IndicatorDefinition, IndicatorQueryInput, QueryResult, IndicatorView } from './schema.js';
export { strategyData, type StrategyData, type StrategyKind, type StrategyStatus } from './strategy.js';

/** Indicators and strategy monitoring: the strategy's targets, tasks, databases and projects, tracked. */
export const indicatorsModule = {
  name: 'indicators',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
