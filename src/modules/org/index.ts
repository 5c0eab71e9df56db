import type { Module } from '../../core/module.js';
import { orgRoutes } from './routes.js';

export { OrgService, type CommuneRef } from './service.js';
export { presentUser } from './presenters.js';
export { hashPassword, verifyPassword, generatePassword } from './passwords.js';

/** Organisations, users, sessions and API keys. */
export const orgModule = {
  name: 'org',
  migrations: new URL('./migrations/', import.meta.url),
} satisfies Pick<Module, 'name' | 'migrations'>;

export { orgRoutes };
