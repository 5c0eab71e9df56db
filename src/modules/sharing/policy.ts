import { authorize, type Permission, type Principal } from '../../core/auth/index.js';
import { forbidden } from '../../core/errors.js';

/**
 * Who may act for a member: its own stewards (and administrators, for any member). A non-admin
 * caller without an organisation can act for none.
 * @throws AppError UNAUTHENTICATED / FORBIDDEN
 */
export function actFor(actor: Principal, permission: Permission, orgId: string): void {
  authorize(actor, permission, { orgId });
  if (actor.kind !== 'system' && actor.role !== 'admin' && !actor.orgId) throw forbidden();
}

/** True when the caller sees every member's data (administrators, the platform itself). */
export const seesAll = (actor: Principal) => actor.kind === 'system' || actor.role === 'admin';

/** The member whose records a caller may list: its own, or any (null) for administrators. */
export function scopeOrg(actor: Principal, requested?: string): string | null {
  if (seesAll(actor)) return requested ?? null;
  if (requested && requested !== actor.orgId) throw forbidden({ vi: 'Chỉ xem được dữ liệu của cơ quan mình', en: 'You may only see your own organisation' });
  return actor.orgId ?? '';
}
