import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/index.js';

export interface Job<P = Record<string, unknown>> {
  id: number;
  queue: string;
  payload: P;
  attempts: number;
  max_attempts: number;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface EnqueueOptions {
  /** Earliest time to run. */
  runAt?: Date;
  maxAttempts?: number;
}

interface QueueOptions {
  /** Poll interval when idle, in ms. */
  pollMs?: number;
  /** A running job not finished after this long is considered abandoned (crashed worker). */
  staleAfterMs?: number;
  /** Backoff base in ms: attempt n waits base·2^(n-1), capped, with jitter. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  concurrency?: number;
}

/**
 * A durable job queue in the database. Workers claim jobs with `FOR UPDATE SKIP LOCKED`, so any
 * number of processes on PostgreSQL (or the one PGlite process) share the work without double runs;
 * failures are retried with exponential backoff, then parked as `dead` with the last error.
 */
export class JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly worker = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private active: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly opts: Required<QueueOptions>;

  constructor(private readonly db: Db, private readonly log: Logger, opts: QueueOptions = {}) {
    this.opts = { pollMs: 500, staleAfterMs: 5 * 60_000, backoffBaseMs: 1000, backoffMaxMs: 60 * 60_000, concurrency: 4, ...opts };
  }

  /** Registers the handler of a queue. Handlers must be idempotent: delivery is at least once. */
  handle(queue: string, handler: JobHandler): void {
    if (this.handlers.has(queue)) throw new Error(`queue ${queue} already has a handler`);
    this.handlers.set(queue, handler);
  }

  /** Adds a job; pass the caller's transaction so the job exists only if the change commits. */
  async enqueue(queue: string, payload: Record<string, unknown>, opts: EnqueueOptions = {}, tx?: Queryable): Promise<number> {
    const r = await (tx ?? this.db).query<{ id: number }>(
      'INSERT INTO jobs (queue, payload, run_at, max_attempts) VALUES ($1, $2, COALESCE($3, now()), $4) RETURNING id',
      [queue, JSON.stringify(payload), opts.runAt ?? null, opts.maxAttempts ?? 8],
    );
    this.poke();
    return r.rows[0]!.id;
  }

  /** Claims and runs ready jobs until none is left. Returns how many ran. Used by the loop and tests. */
  async drain(): Promise<number> {
    let ran = 0;
    for (;;) {
      const jobs = await this.claim();
      if (jobs.length === 0) return ran;
      await Promise.all(jobs.map((j) => this.run(j)));
      ran += jobs.length;
    }
  }

  private async claim(): Promise<Job[]> {
    const queues = [...this.handlers.keys()];
    if (queues.length === 0) return [];
    // Recover jobs whose worker died mid-run.
    await this.db.query(
      `UPDATE jobs SET status = 'pending', locked_at = NULL, locked_by = NULL
       WHERE status = 'running' AND locked_at < now() - make_interval(secs => $1)`,
      [this.opts.staleAfterMs / 1000],
    );
    const r = await this.db.query<Job>(
      `UPDATE jobs SET status = 'running', locked_at = now(), locked_by = $1, attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM jobs WHERE status = 'pending' AND run_at <= now() AND queue = ANY($2::text[])
         ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id, queue, payload, attempts, max_attempts`,
      [this.worker, queues, this.opts.concurrency],
    );
    return r.rows;
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers.get(job.queue)!;
    try {
      await handler(job);
      await this.db.query("UPDATE jobs SET status = 'done', finished_at = now(), locked_at = NULL, last_error = NULL WHERE id = $1", [job.id]);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const dead = job.attempts >= job.max_attempts;
      const delay = Math.min(this.opts.backoffBaseMs * 2 ** (job.attempts - 1), this.opts.backoffMaxMs) * (0.75 + Math.random() * 0.5);
      this.log.warn({ jobId: job.id, queue: job.queue, attempts: job.attempts, dead, err: message }, 'job failed');
      await this.db.query(
        `UPDATE jobs SET status = $2, last_error = $3, locked_at = NULL, locked_by = NULL,
           run_at = now() + make_interval(secs => $4), finished_at = CASE WHEN $2 = 'dead' THEN now() END
         WHERE id = $1`,
        [job.id, dead ? 'dead' : 'pending', message.slice(0, 2000), delay / 1000],
      );
    }
  }

  /** Starts the background loop (the server does; CLI commands do not). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      if (!this.running) return;
      this.active = this.drain().then(
        () => undefined,
        (e: unknown) => this.log.error({ err: e }, 'job loop failed'),
      );
      await this.active;
      this.active = null;
      if (!this.running) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.opts.pollMs);
      });
      this.wake = null;
      void loop();
    };
    void loop();
  }

  private poke(): void {
    // Let the current transaction commit first; the loop re-polls shortly anyway.
    if (this.wake) setTimeout(() => this.wake?.(), 5);
  }

  /** Stops the loop and waits for jobs in hand to finish. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.active;
  }

  /** Counts by queue and status, for /metrics and administration. */
  async stats(): Promise<{ queue: string; status: string; count: number }[]> {
    const r = await this.db.query<{ queue: string; status: string; count: number }>(
      'SELECT queue, status, count(*)::int8 AS count FROM jobs GROUP BY queue, status ORDER BY queue, status',
    );
    return r.rows;
  }
}
