import { authorize, type Permission, type Principal } from '../../core/auth/index.js';
import { forbidden } from '../../core/errors.js';

/**
 * National targets hold the province's credentials for national systems: only administrators see
 * or change them. @throws AppError UNAUTHENTICATED, FORBIDDEN
 */
export function authorizeTargetAdmin(actor: Principal, permission: Permission): void {
  authorize(actor, permission);
  if (actor.kind !== 'system' && actor.role !== 'admin') {
    throw forbidden({ vi: 'Chỉ quản trị viên được xem và cấu hình hệ thống đích quốc gia', en: 'Only administrators may see and configure national targets' });
  }
}

/**
 * Connectors, runs, dead letters and reports belong to the dataset: its publisher agency's stewards
 * (and administrators) read and change them. @throws AppError UNAUTHENTICATED, FORBIDDEN
 */
export function authorizeDataset(actor: Principal, permission: Permission, dataset: { publisherOrgId: string }): void {
  authorize(actor, permission, { orgId: dataset.publisherOrgId });
}
