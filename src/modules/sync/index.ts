import type { Module } from '../../core/module.js';

export { SyncService, SYNC_QUEUE, type SyncDeps, type SyncOptions, type ConnectorInput } from './service.js';
export { syncRoutes } from './routes.js';
export { HttpNationalTarget, type NationalTarget, type BatchDelivery, type DeliveryOutcome } from './client.js';
export { canonicalJson, batchHash, compileMapping, mappingProblems, type MappingSpec, type FieldMapping } from './mapping.js';
export type { Target, TargetPatch, Connector, Run, Batch, DeadLetter, Reconciliation, TargetStatus } from './model.js';

/** Synchronisation to the 13 key national databases: targets, connectors, runs, dead letters, reconciliation. */
export const syncModule = {
  name: 'sync',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
