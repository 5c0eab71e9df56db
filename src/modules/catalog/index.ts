import type { Module } from '../../core/module.js';

export { CatalogService, type CatalogDeps, type DatasetContent, type SearchParams, type SearchPage } from './service.js';
export { catalogRoutes } from './routes.js';
export { contentAccess, type ContentAccess } from './policy.js';
export { THEMES, THEME_CODES, type ThemeCode } from './themes.js';
export type {
  Dataset, DatasetInput, DatasetPatch, ColumnSpec, ColumnType, QualityScores, AgencyQuality, Frequency, Licence, Importance, Access, DatasetStatus,
} from './model.js';

/** The catalogue of datasets: metadata, classification, schemas and search. */
export const catalogModule = {
  name: 'catalog',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
