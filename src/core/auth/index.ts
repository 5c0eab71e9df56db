import { AppError, forbidden, unauthenticated } from '../errors.js';

/** Roles a user holds within their organisation (Sở, ban, ngành, xã/phường). */
export const ROLES = ['admin', 'steward', 'analyst', 'leader', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Every permission the platform checks. Add new ones here with the roles that hold them; routes
 * and services name them, and API keys are scoped to a subset of them.
 */
export const PERMISSIONS = {
  'org:read': ['admin', 'steward', 'analyst', 'leader', 'viewer'],
  'org:write': ['admin'],
  'user:read': ['admin'],
  'user:write': ['admin'],
  'apikey:write': ['admin', 'steward'],
  'audit:read': ['admin'],
  'jobs:read': ['admin'],
  // Prometheus scrapes /metrics with an API key limited to this scope (metrics say how the platform is used).
  'metrics:read': ['admin'],
  'data:read': ['admin', 'steward', 'analyst', 'leader', 'viewer'],
  'data:write': ['admin', 'steward'],
  // Personal-data columns (Decree 13/2023) of the agency's own datasets, unmasked: the people who
  // work with the data. Leaders and viewers see them masked; other agencies only through an LDOP agreement.
  'data:personal': ['admin', 'steward', 'analyst'],
  'dashboard:read': ['admin', 'steward', 'analyst', 'leader', 'viewer'],
  // Data dictionary: stewards draft and review elements of their agency, administrators approve.
  'dictionary:write': ['admin', 'steward'],
  'dictionary:approve': ['admin'],
  // Catalogue: stewards describe their agency's datasets, administrators any.
  'catalog:write': ['admin', 'steward'],
  // National-database sync: stewards run their datasets' connectors; targets (and their tokens) are for administrators.
  'sync:read': ['admin', 'steward'],
  'sync:write': ['admin', 'steward'],
  // LDOP (data sharing): everyone may see the service catalogue and their agency's agreements and
  // logs; stewards register subsystems, services and requests; they approve for their own agency.
  'sharing:read': ['admin', 'steward', 'analyst', 'leader', 'viewer'],
  'sharing:write': ['admin', 'steward'],
  'sharing:approve': ['admin', 'steward'],
  // Signing the message log's head now, outside the hourly job (was checked as `audit:read`, which reads nothing here).
  'sharing:checkpoint': ['admin'],
  // Open data portal: stewards propose their agency's open datasets for publication; administrators
  // and leaders approve (leaders for their own agency); editors of the application showcase review apps.
  'opendata:publish': ['admin', 'steward'],
  'opendata:approve': ['admin', 'leader'],
  'opendata:editor': ['admin'],
  // Strategy monitoring: the monitoring agency's stewards and leaders report progress of its items.
  'strategy:write': ['admin', 'steward', 'leader'],
  // Indicators: stewards define their agency's indicators over its datasets, administrators any.
  'indicators:write': ['admin', 'steward'],
  // IoT: everyone signed in sees sensors and their readings; stewards register their agency's sensors.
  'iot:read': ['admin', 'steward', 'analyst', 'leader', 'viewer'],
  'iot:write': ['admin', 'steward'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

/**
 * Who is acting. Passed explicitly into every service call that touches non-public data, so that
 * authorisation, audit, masking and row filters cannot be forgotten.
 */
export interface Principal {
  kind: 'user' | 'apikey' | 'anonymous' | 'system';
  /** User id (for an API key: the id of the user it acts for). */
  id: string | null;
  username: string | null;
  displayName: string | null;
  orgId: string | null;
  role: Role | null;
  /** For API keys: the permissions the key was limited to. Null means all of the role's. */
  scopes: readonly Permission[] | null;
  /** For API keys: the key's id, for audit. */
  apiKeyId?: string;
  /** For cookie sessions: the token a write must echo in `x-csrf-token`. */
  csrfToken?: string;
}

export const ANONYMOUS: Principal = Object.freeze({
  kind: 'anonymous', id: null, username: null, displayName: null, orgId: null, role: null, scopes: null,
});

/** The platform itself (seeding, jobs): holds every permission. Never given to a request. */
export const SYSTEM: Principal = Object.freeze({
  kind: 'system', id: null, username: 'system', displayName: 'Hệ thống', orgId: null, role: 'admin', scopes: null,
});

/** True when the principal holds the permission (role grants it and, for keys, the scope allows it). */
export function can(p: Principal, permission: Permission): boolean {
  if (p.kind === 'anonymous' || !p.role) return false;
  if (!(PERMISSIONS[permission] as readonly Role[]).includes(p.role)) return false;
  if (p.scopes && !p.scopes.includes(permission)) return false;
  return true;
}

/**
 * The one authorisation check. Throws instead of returning false so that a forgotten `if` cannot
 * let a request through. When `orgId` is given, non-admins may act only within their own
 * organisation.
 * @throws AppError UNAUTHENTICATED for anonymous callers, FORBIDDEN otherwise.
 */
export function authorize(p: Principal, permission: Permission, resource?: { orgId?: string | null }): void {
  if (p.kind === 'anonymous') throw unauthenticated();
  if (!can(p, permission)) {
    throw forbidden({
      vi: `Vai trò của bạn không có quyền “${permission}”`,
      en: `Your role lacks the permission "${permission}"`,
    });
  }
  if (resource?.orgId && p.role !== 'admin' && p.kind !== 'system' && p.orgId !== resource.orgId) {
    throw forbidden({ vi: 'Tài nguyên thuộc cơ quan khác', en: 'The resource belongs to another organisation' });
  }
}

/** Permissions a principal holds, for presenting to the web client. */
export function permissionsOf(p: Principal): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((perm) => can(p, perm));
}

/** Checks a requested API-key scope list against a role. @throws AppError VALIDATION_FAILED */
export function checkScopes(role: Role, scopes: readonly string[]): Permission[] {
  const bad = scopes.filter((s) => !(s in PERMISSIONS) || !(PERMISSIONS[s as Permission] as readonly Role[]).includes(role));
  if (bad.length) {
    throw new AppError('VALIDATION_FAILED', {
      vi: `Phạm vi không hợp lệ cho vai trò ${role}: ${bad.join(', ')}`,
      en: `Scopes not valid for role ${role}: ${bad.join(', ')}`,
    });
  }
  return scopes as Permission[];
}

/** Resolves the caller of a request from its session cookie or API key. Implemented by the org module. */
export interface PrincipalResolver {
  fromSession(token: string): Promise<Principal | null>;
  /** @throws AppError INVALID_API_KEY for unknown, expired or revoked keys. */
  fromApiKey(key: string): Promise<Principal>;
}
