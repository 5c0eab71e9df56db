import { authorize, type Principal } from '../../core/auth/index.js';
import type { Db } from '../../core/db/index.js';
import { invalid, notFound } from '../../core/errors.js';
import { authorizeProgressReport } from './policy.js';
import { StrategyStore, type Evidence, type ItemUpdate } from './store.js';
import {
  codeKey, isOverdue, strategyData, strategyItems, type StrategyData, type StrategyItem, type StrategyKind, type StrategyStatus,
} from './strategy.js';

/** Where an item stands, beside its transcribed text. */
export interface Progress {
  status: StrategyStatus;
  progress: number;
  dueDate: string | null;
  overdue: boolean;
  updatedAt: string | null;
}

type Row<K extends StrategyKind> = {
  target: StrategyData['targets'][number];
  task: StrategyData['tasks'][number];
  database: StrategyData['databases'][number];
  project: StrategyData['projects'][number];
}[K];

export interface ProgressReport {
  status?: StrategyStatus;
  progress?: number;
  comment?: string;
  evidence?: Evidence[];
}

/** Progress by target group (A–D) and tasks by status: what the leaders' dashboard shows first. */
export interface StrategySummary {
  groups: { group: string; name: string; nameEn: string; targets: number; completed: number; averageProgress: number }[];
  tasks: Record<StrategyStatus, number> & { total: number; overdue: number };
  overdue: { kind: StrategyKind; code: string; dueDate: string }[];
}

const rowsOf = <K extends StrategyKind>(kind: K): Row<K>[] => {
  const d = strategyData();
  return ({ target: d.targets, task: d.tasks, database: d.databases, project: d.projects } as const)[kind] as Row<K>[];
};

/**
 * Monitoring of the Data Strategy: the 26 targets, 32 tasks, 14 databases and 11 projects of its
 * appendices, each with its status, progress, overdue flag and a history of reported updates.
 * The strategy is a public decision, so the items and their progress are public; who reported
 * what (the history) is for signed-in users.
 */
export class StrategyService {
  private readonly store: StrategyStore;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.store = new StrategyStore(db);
  }

  /** Every item of one appendix, in the order printed, with its progress. */
  async list<K extends StrategyKind>(kind: K): Promise<(Row<K> & Progress)[]> {
    const statuses = await this.store.statuses(kind);
    const items = strategyItems(kind);
    const now = this.now();
    return rowsOf(kind).map((row, i) => this.withProgress(row, items[i]!, statuses.get(items[i]!.code) ?? null, now));
  }

  /** One item by its code ("NV 2.2", "nv2.2"). @throws AppError NOT_FOUND */
  async get<K extends StrategyKind>(kind: K, code: string): Promise<Row<K> & Progress> {
    const item = this.find(kind, code);
    const statuses = await this.store.statuses(kind);
    const row = rowsOf(kind).find((r) => r.code === item.code)!;
    return this.withProgress(row, item, statuses.get(item.code) ?? null, this.now());
  }

  /** The reported updates of an item, newest first. @throws AppError UNAUTHENTICATED, FORBIDDEN, NOT_FOUND */
  async history(actor: Principal, kind: StrategyKind, code: string): Promise<ItemUpdate[]> {
    authorize(actor, 'dashboard:read');
    return this.store.history(kind, this.find(kind, code).code);
  }

  /**
   * The monitoring agency reports progress: a status, a percentage, a comment and evidence. A
   * completed item is at 100 % and an item at 100 % is completed; anything else is refused rather
   * than shown inconsistently. @throws AppError UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, VALIDATION_FAILED
   */
  async report(actor: Principal, kind: StrategyKind, code: string, r: ProgressReport): Promise<ItemUpdate> {
    const item = this.find(kind, code);
    authorizeProgressReport(actor, item);
    if (r.status === undefined && r.progress === undefined && !r.comment?.trim() && !r.evidence?.length) {
      throw invalid({ vi: 'Cần ít nhất một trong: trạng thái, tiến độ, nhận xét, minh chứng', en: 'Give a status, progress, comment or evidence' }, [{ field: 'body', message: 'empty' }]);
    }
    return this.db.transaction(async (tx) => {
      const store = this.store.with(tx);
      const current = (await store.statuses(kind)).get(item.code);
      let status = r.status ?? current?.status ?? 'not_started';
      let progress = r.progress ?? current?.progress ?? 0;
      if (r.status === 'completed' && r.progress === undefined) progress = 100;
      if (r.progress === 100 && r.status === undefined) status = 'completed';
      if (r.progress !== undefined && r.progress > 0 && r.status === undefined && status === 'not_started') status = 'in_progress';
      if ((status === 'completed') !== (progress === 100)) {
        throw invalid(
          { vi: `Trạng thái “hoàn thành” đi cùng tiến độ 100% (đang gửi: ${statusVi(status)}, ${progress}%)`, en: `"completed" goes with 100 % progress (sent: ${status}, ${progress} %)` },
          [{ field: 'progress', message: 'inconsistent with status' }],
        );
      }
      return store.record({
        kind, code: item.code, status, progress, comment: r.comment?.trim().normalize('NFC') || null,
        evidence: (r.evidence ?? []).map((e) => ({ title: e.title.normalize('NFC'), url: e.url })), actorId: actor.id, actorOrg: actor.orgId,
      });
    });
  }

  /** Progress by target group and tasks by status, overdue items first. */
  async summary(): Promise<StrategySummary> {
    const [targets, tasks, databases, projects] = await Promise.all([this.list('target'), this.list('task'), this.list('database'), this.list('project')]);
    const groups = [...new Set(targets.map((t) => t.group))].map((g) => {
      const of = targets.filter((t) => t.group === g);
      return {
        group: g, name: of[0]!.groupName, nameEn: of[0]!.groupNameEn, targets: of.length,
        completed: of.filter((t) => t.status === 'completed').length,
        averageProgress: Math.round((of.reduce((s, t) => s + t.progress, 0) / of.length) * 10) / 10,
      };
    });
    const byStatus = { not_started: 0, in_progress: 0, completed: 0, at_risk: 0 } as Record<StrategyStatus, number>;
    for (const t of tasks) byStatus[t.status]++;
    const overdue = [
      ...tasks.map((t) => ({ kind: 'task' as const, ...t })), ...targets.map((t) => ({ kind: 'target' as const, ...t })),
      ...databases.map((t) => ({ kind: 'database' as const, ...t })), ...projects.map((t) => ({ kind: 'project' as const, ...t })),
    ].filter((t) => t.overdue).sort((a, b) => a.dueDate!.localeCompare(b.dueDate!)).map((t) => ({ kind: t.kind, code: t.code, dueDate: t.dueDate! }));
    return { groups, tasks: { ...byStatus, total: tasks.length, overdue: tasks.filter((t) => t.overdue).length }, overdue };
  }

  private find(kind: StrategyKind, code: string): StrategyItem {
    const key = codeKey(code);
    const item = strategyItems(kind).find((i) => codeKey(i.code) === key);
    if (!item) throw notFound({ vi: `Không có ${KIND_VI[kind]} mã “${code}” trong Chiến lược dữ liệu`, en: `No ${kind} "${code}" in the Data Strategy` });
    return item;
  }

  private withProgress<R extends { code: string }>(row: R, item: StrategyItem, s: { status: StrategyStatus; progress: number; updatedAt: Date } | null, now: Date): R & Progress {
    const status = s?.status ?? 'not_started';
    return {
      ...row, status, progress: s?.progress ?? 0, dueDate: item.dueDate, overdue: isOverdue(item.dueDate, status, now),
      updatedAt: s ? s.updatedAt.toISOString() : null,
    };
  }
}

const KIND_VI: Record<StrategyKind, string> = { target: 'mục tiêu', task: 'nhiệm vụ', database: 'CSDL', project: 'dự án' };
const STATUS_VI: Record<StrategyStatus, string> = { not_started: 'chưa bắt đầu', in_progress: 'đang thực hiện', completed: 'hoàn thành', at_risk: 'có nguy cơ chậm' };
const statusVi = (s: StrategyStatus) => STATUS_VI[s];
