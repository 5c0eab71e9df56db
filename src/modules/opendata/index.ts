import type { Module } from '../../core/module.js';

export { OpendataService, type OpendataDeps, type Organisation, type Publication, CKAN_ROWS_MAX, QUERY_INDEX_QUEUE, type QueryIndexJob, DATASTORE_ROWS_MAX, KPI_TARGETS } from './service.js';
export { opendataRoutes } from './routes.js';
export { ckanRoutes, CKAN_ACTIONS } from './ckan-routes.js';
export { PiiScanner, CCCD_PROVINCE_CODES, valueKinds, type PiiFinding, type ScanReport } from './pii.js';
export { seedDemo, DEMO_DATASETS, loadSample, sampleExists, rng, type SampleDataset, type Col as SampleColumn, type Commune } from './demo.js';

/** The open data portal: publishing workflow, CKAN API, DCAT-AP catalogue, downloads, showcase. */
export const opendataModule = {
  name: 'opendata',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
