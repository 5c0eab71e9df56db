import type { Module } from '../../core/module.js';

export { SharingService, type SharingDeps, type SharingOptions } from './service.js';
export { OutboundPolicy, checkOutboundUrl, forbiddenRange, type Resolver } from './outbound.js';
export { LdopGateway, MAX_PAGE } from './gateway.js';
export { sharingRoutes } from './routes.js';
export { gatewayRoutes, ldopTlsServer, peerFingerprint } from './gateway-routes.js';
export { MessageLog, logRowHash, type LogVerifyResult, type Exchange } from './messagelog.js';
export { parseFilters, parseSort, splitList, matchesAll } from './filter.js';
export { verifyCheckpoint, checkpointMessage } from './keys.js';
export { SUBSYSTEM_KEY_PREFIX, WAREHOUSE_SUBSYSTEM } from './model.js';

/** LDOP: members' subsystems, the service catalogue, sharing agreements, the gateway and its message log. */
export const sharingModule = {
  name: 'sharing',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;
