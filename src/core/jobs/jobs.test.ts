import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../logger.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { JobQueue, type Job } from './index.js';

const silent = createLogger('silent');

interface JobRow {
  status: string;
  attempts: number;
  last_error: string | null;
  finished_at: Date | null;
  locked_by: string | null;
}

/** Drains until `done()` holds or the deadline passes; returns how many jobs ran. */
async function drainUntil(queues: JobQueue[], done: () => Promise<boolean>, ms = 5000): Promise<number> {
  const deadline = Date.now() + ms;
  let ran = 0;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for jobs');
    ran += (await Promise.all(queues.map((q) => q.drain()))).reduce((a, b) => a + b, 0);
    await sleep(10);
  }
  return ran;
}

for (const engine of engines()) {
  describe(`job queue (${engine})`, () => {
    let p: TestPlatform;
    const row = async (id: number) => (await p.db.query<JobRow>('SELECT status, attempts, last_error, finished_at, locked_by FROM jobs WHERE id = $1', [id])).rows[0]!;
    before(async () => {
      p = await testPlatform(engine);
    });
    after(() => p.close());

    test('a job runs exactly once and is marked done', async () => {
      const q = new JobQueue(p.db, silent);
      const seen: Job[] = [];
      q.handle('once', async (j) => {
        seen.push(j);
      });
      const id = await q.enqueue('once', { commune: 'xa-21553' });
      assert.equal(await q.drain(), 1);
      assert.equal(await q.drain(), 0);
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0]!.payload, { commune: 'xa-21553' });
      assert.equal(seen[0]!.attempts, 1);
      const r = await row(id);
      assert.equal(r.status, 'done');
      assert.ok(r.finished_at);
    });

    test('a job scheduled for later does not run before its time', async () => {
      const q = new JobQueue(p.db, silent);
      let runs = 0;
      q.handle('later', async () => {
        runs++;
      });
      await q.enqueue('later', {}, { runAt: new Date(Date.now() + 60_000) });
      assert.equal(await q.drain(), 0);
      assert.equal(runs, 0);
    });

    test('a failing job is retried with growing backoff, then parked as dead with its last error', async () => {
      const q = new JobQueue(p.db, silent, { backoffBaseMs: 200, backoffMaxMs: 10_000 });
      const at: number[] = [];
      q.handle('flaky', async (j) => {
        at.push(Date.now());
        throw new Error(`boom ${j.attempts}`);
      });
      const id = await q.enqueue('flaky', {}, { maxAttempts: 3 });
      assert.equal(await q.drain(), 1);
      const afterFirst = await row(id);
      assert.equal(afterFirst.status, 'pending');
      assert.equal(afterFirst.last_error, 'boom 1');
      // Backoff: not ready again immediately.
      assert.equal(await q.drain(), 0);
      // The delays are read from the schedule the queue wrote (run_at), not from wall-clock gaps
      // between runs, which depend on how busy the machine is.
      const gaps: number[] = [];
      for (let attempt = 1; attempt <= 2; attempt++) {
        const runAt = (await p.db.query<{ run_at: Date }>('SELECT run_at FROM jobs WHERE id = $1', [id])).rows[0]!.run_at;
        gaps.push(new Date(runAt).getTime() - at[at.length - 1]!);
        await sleep(Math.max(0, new Date(runAt).getTime() - Date.now()) + 20);
        await drainUntil([q], async () => at.length > attempt);
      }
      await drainUntil([q], async () => (await row(id)).status === 'dead');
      const dead = await row(id);
      assert.equal(dead.attempts, 3);
      assert.equal(dead.last_error, 'boom 3');
      assert.ok(dead.finished_at);
      assert.equal(at.length, 3, 'ran once per attempt, never after dead');
      const [g1, g2] = gaps as [number, number];
      // base 200 ms with ±25 % jitter: attempt 1 waits 150–250 ms, attempt 2 waits 300–500 ms.
      assert.ok(g1 >= 140 && g1 <= 400, `first retry scheduled after ${g1} ms, backoff ~200 ms`);
      assert.ok(g2 > g1, `backoff grows: ${g1} ms then ${g2} ms`);
      await sleep(600);
      assert.equal(await q.drain(), 0, 'a dead job is not retried');
    });

    test('two queues draining the same jobs concurrently never run one twice (SKIP LOCKED)', async () => {
      const runs = new Map<number, number>();
      const make = () => {
        const q = new JobQueue(p.db, silent, { concurrency: 3 });
        q.handle('shared', async (j) => {
          runs.set(j.id, (runs.get(j.id) ?? 0) + 1);
          await sleep(1);
        });
        return q;
      };
      const a = make();
      const b = make();
      const ids: number[] = [];
      for (let i = 0; i < 60; i++) ids.push(await a.enqueue('shared', { i }));
      const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
      assert.equal(ra + rb, 60);
      assert.deepEqual(ids.filter((id) => runs.get(id) !== 1), [], 'every job ran exactly once');
      if (engine === 'postgres') assert.ok(ra > 0 && rb > 0, `both workers took work (${ra}/${rb})`);
    });

    test('a job left running by a dead worker is recovered after the stale timeout; a fresh one is not stolen', async () => {
      const q = new JobQueue(p.db, silent, { staleAfterMs: 1000 });
      let runs = 0;
      q.handle('orphan', async () => {
        runs++;
      });
      const stale = await q.enqueue('orphan', {});
      const fresh = await q.enqueue('orphan', {});
      await p.db.query("UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead-host:1', locked_at = now() - interval '10 minutes' WHERE id = $1", [stale]);
      await p.db.query("UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'live-host:2', locked_at = now() WHERE id = $1", [fresh]);
      assert.equal(await q.drain(), 1);
      assert.equal(runs, 1);
      assert.equal((await row(stale)).status, 'done');
      assert.equal((await row(stale)).attempts, 2);
      assert.equal((await row(fresh)).status, 'running');
      assert.equal((await row(fresh)).locked_by, 'live-host:2');
    });

    test('the background loop picks up a job enqueued after start, and stop waits for it', async () => {
      const q = new JobQueue(p.db, silent, { pollMs: 20 });
      let runs = 0;
      q.handle('loop', async () => {
        await sleep(20);
        runs++;
      });
      q.start();
      try {
        const id = await q.enqueue('loop', {});
        const deadline = Date.now() + 3000;
        while ((await row(id)).status !== 'done' && Date.now() < deadline) await sleep(10);
        assert.equal((await row(id)).status, 'done');
      } finally {
        await q.stop();
      }
      assert.equal(runs, 1);
    });
  });
}
