export { foldVietnamese, rowLabelKey } from './parse/index.js';
export { IngestService, columnNameFor, type IngestRequest, type IngestSummary } from './service.js';
export { ingestRoutes } from './routes.js';
export { freshness, periodDays, type QualityScores } from './quality.js';

/** Ingestion: uploads, parsing, validation, quality and loading into the warehouse. */
export const ingestModule = { name: 'ingest', migrations: new URL('./migrations/', import.meta.url) };
