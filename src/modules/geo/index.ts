export { GeoService, bundledUnits, type AdminUnit } from './service.js';
export { geoRoutes } from './routes.js';

/** Administrative units and GIS layers. */
export const geoModule = { name: 'geo', migrations: new URL('./migrations/', import.meta.url) };
