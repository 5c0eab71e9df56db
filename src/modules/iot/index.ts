import type { Module } from '../../core/module.js';

export { IotService, type IotDeps } from './service.js';
export { iotRoutes } from './routes.js';
export { SENSOR_TYPES, sensorType, type SensorType, type Quantity } from './types.js';
export type { SensorInput, SensorView, IngestResult, SeriesView } from './schema.js';

/** IoT platform: the sensor registry, device credentials, readings with their latest values and hourly rollups. */
export const iotModule = {
  name: 'iot',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
