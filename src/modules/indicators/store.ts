import type { Queryable } from '../../core/db/index.js';
import type { StrategyKind, StrategyStatus } from './strategy.js';

/** Where an item of the strategy stands now. */
export interface ItemStatus {
  kind: StrategyKind;
  code: string;
  status: StrategyStatus;
  progress: number;
  updatedAt: Date;
}

/** Evidence given with an update: a link to a document or dataset. */
export interface Evidence {
  title: string;
  url: string;
}

/** One update of an item, as kept in its history. */
export interface ItemUpdate {
  id: string;
  kind: StrategyKind;
  code: string;
  status: StrategyStatus;
  progress: number;
  comment: string | null;
  evidence: Evidence[];
  actorId: string | null;
  actorOrg: string | null;
  createdAt: Date;
}

interface StatusRow { kind: StrategyKind; code: string; status: StrategyStatus; progress: number; updated_at: Date }
interface UpdateRow {
  id: string; kind: StrategyKind; code: string; status: StrategyStatus; progress: number; comment: string | null; evidence: Evidence[] | string;
  actor_id: string | null; actor_org: string | null; created_at: Date;
}

const toStatus = (r: StatusRow): ItemStatus => ({ kind: r.kind, code: r.code, status: r.status, progress: r.progress, updatedAt: new Date(r.updated_at) });
const toUpdate = (r: UpdateRow): ItemUpdate => ({
  id: r.id, kind: r.kind, code: r.code, status: r.status, progress: r.progress, comment: r.comment,
  evidence: typeof r.evidence === 'string' ? (JSON.parse(r.evidence) as Evidence[]) : r.evidence,
  actorId: r.actor_id, actorOrg: r.actor_org, createdAt: new Date(r.created_at),
});

/** SQL of the indicators module's strategy monitoring. Only this file talks to its tables. */
export class StrategyStore {
  constructor(private readonly db: Queryable) {}

  with(q: Queryable): StrategyStore {
    return new StrategyStore(q);
  }

  async statuses(kind: StrategyKind): Promise<Map<string, ItemStatus>> {
    const r = await this.db.query<StatusRow>('SELECT kind, code, status, progress, updated_at FROM indicators_strategy_status WHERE kind = $1', [kind]);
    return new Map(r.rows.map((row) => [row.code, toStatus(row)]));
  }

  async history(kind: StrategyKind, code: string): Promise<ItemUpdate[]> {
    const r = await this.db.query<UpdateRow>(
      `SELECT id, kind, code, status, progress, comment, evidence, actor_id, actor_org, created_at
         FROM indicators_strategy_updates WHERE kind = $1 AND code = $2 ORDER BY created_at DESC, id`,
      [kind, code],
    );
    return r.rows.map(toUpdate);
  }

  /** Sets the item's status and appends the update to its history, in the caller's transaction. */
  async record(u: Omit<ItemUpdate, 'id' | 'createdAt'>): Promise<ItemUpdate> {
    await this.db.query(
      `INSERT INTO indicators_strategy_status (kind, code, status, progress, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (kind, code) DO UPDATE SET status = EXCLUDED.status, progress = EXCLUDED.progress, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [u.kind, u.code, u.status, u.progress, u.actorId],
    );
    const r = await this.db.query<UpdateRow>(
      `INSERT INTO indicators_strategy_updates (kind, code, status, progress, comment, evidence, actor_id, actor_org)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
       RETURNING id, kind, code, status, progress, comment, evidence, actor_id, actor_org, created_at`,
      [u.kind, u.code, u.status, u.progress, u.comment, JSON.stringify(u.evidence), u.actorId, u.actorOrg],
    );
    return toUpdate(r.rows[0]!);
  }
}
