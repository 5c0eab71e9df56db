import type { Queryable } from '../db/index.js';
import type { JobQueue } from '../jobs/index.js';

export interface DomainEvent<P = Record<string, unknown>> {
  id: number;
  topic: string;
  payload: P;
  createdAt: string;
}

export type EventHandler = (event: DomainEvent) => Promise<void>;

interface Subscription {
  name: string;
  topic: string;
}

/**
 * Domain events through a transactional outbox. `publish` writes the event in the caller's
 * transaction together with one delivery job per subscriber, so an event exists if and only if
 * the change it announces committed, and each subscriber receives it at least once (the job queue
 * retries failed deliveries with backoff). Subscribers must therefore be idempotent.
 */
export class EventBus {
  private readonly subs: Subscription[] = [];

  constructor(private readonly jobs: JobQueue) {}

  /**
   * Registers a named subscriber of a topic (`dataset.version.published`, or a prefix ending in
   * `.*`). Names must be stable: they identify delivery jobs across restarts.
   */
  subscribe(name: string, topic: string, handler: EventHandler): void {
    if (this.subs.some((s) => s.name === name)) throw new Error(`subscriber ${name} exists`);
    this.subs.push({ name, topic });
    this.jobs.handle(`event:${name}`, async (job) => {
      const e = job.payload as unknown as DomainEvent;
      await handler(e);
    });
  }

  /** Records an event in the transaction `tx`. Returns its id. */
  async publish(tx: Queryable, topic: string, payload: Record<string, unknown>): Promise<number> {
    const r = await tx.query<{ id: number; created_at: Date }>(
      'INSERT INTO outbox_events (topic, payload) VALUES ($1, $2) RETURNING id, created_at',
      [topic, JSON.stringify(payload)],
    );
    const { id, created_at } = r.rows[0]!;
    const event: DomainEvent = { id, topic, payload, createdAt: new Date(created_at).toISOString() };
    for (const s of this.subs) {
      if (matches(s.topic, topic)) await this.jobs.enqueue(`event:${s.name}`, event as unknown as Record<string, unknown>, {}, tx);
    }
    return id;
  }
}

function matches(pattern: string, topic: string): boolean {
  return pattern === topic || (pattern.endsWith('.*') && topic.startsWith(pattern.slice(0, -1)));
}
