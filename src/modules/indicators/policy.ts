import { authorize, type Principal } from '../../core/auth/index.js';
import { forbidden } from '../../core/errors.js';
import type { StrategyItem } from './strategy.js';

/**
 * The agency that monitors a target, or leads a task, database or project, reports its progress;
 * administrators may correct any. @throws AppError UNAUTHENTICATED, FORBIDDEN
 */
export function authorizeProgressReport(actor: Principal, item: StrategyItem): void {
  authorize(actor, 'strategy:write');
  if (actor.kind === 'system' || actor.role === 'admin') return;
  if (!actor.orgId || !item.orgIds.includes(actor.orgId)) {
    throw forbidden({
      vi: `Chỉ cơ quan chủ trì theo dõi (${item.orgIds.join(', ')}) được cập nhật tiến độ của ${item.code}`,
      en: `Only the monitoring agency (${item.orgIds.join(', ')}) may report the progress of ${item.code}`,
    });
  }
}
