import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../logger.js';
import { JobQueue } from '../jobs/index.js';
import { engines, testPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { EventBus, type DomainEvent } from './index.js';

for (const engine of engines()) {
  describe(`events through the outbox (${engine})`, () => {
    let p: TestPlatform;
    let jobs: JobQueue;
    let bus: EventBus;
    const got = new Map<string, DomainEvent[]>();
    const record = (name: string) => async (e: DomainEvent) => {
      got.set(name, [...(got.get(name) ?? []), e]);
    };
    const ofTopic = (name: string, topic: string) => (got.get(name) ?? []).filter((e) => e.topic === topic);
    let flakyFailures = 0;

    before(async () => {
      p = await testPlatform(engine);
      jobs = new JobQueue(p.db, createLogger('silent'), { backoffBaseMs: 30, backoffMaxMs: 100 });
      bus = new EventBus(jobs);
      bus.subscribe('exact', 'dataset.version.published', record('exact'));
      bus.subscribe('prefix', 'dataset.*', record('prefix'));
      bus.subscribe('unrelated', 'sensor.reading', record('unrelated'));
      bus.subscribe('flaky', 'report.ready', async (e) => {
        if (flakyFailures++ < 2) throw new Error('subscriber down');
        await record('flaky')(e);
      });
    });
    after(() => p.close());

    test('an event published in a transaction that rolls back is never delivered', async () => {
      await assert.rejects(
        p.db.transaction(async (tx) => {
          await bus.publish(tx, 'dataset.version.published', { datasetId: 'rolled-back' });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      await jobs.drain();
      const outbox = await p.db.query("SELECT 1 FROM outbox_events WHERE payload->>'datasetId' = 'rolled-back'");
      assert.equal(outbox.rows.length, 0); // rows, not rowCount: PGlite reports rowCount 0 for every SELECT
      assert.equal(ofTopic('exact', 'dataset.version.published').length, 0);
      assert.equal(ofTopic('prefix', 'dataset.version.published').length, 0);
    });

    test('a committed event is delivered once to each matching subscriber: exact topic and prefix.*', async () => {
      const id = await p.db.transaction((tx) => bus.publish(tx, 'dataset.version.published', { datasetId: 'ds-1', version: 2 }));
      await jobs.drain();
      const exact = ofTopic('exact', 'dataset.version.published');
      assert.equal(exact.length, 1);
      assert.equal(exact[0]!.id, id);
      assert.deepEqual(exact[0]!.payload, { datasetId: 'ds-1', version: 2 });
      assert.ok(!Number.isNaN(Date.parse(exact[0]!.createdAt)));
      assert.equal(ofTopic('prefix', 'dataset.version.published').length, 1);
      assert.equal((got.get('unrelated') ?? []).length, 0);
    });

    test('a prefix subscription matches only topics under that prefix', async () => {
      await p.db.transaction(async (tx) => {
        await bus.publish(tx, 'dataset.created', { datasetId: 'ds-2' });
        await bus.publish(tx, 'datasets.created', { datasetId: 'ds-3' });
        await bus.publish(tx, 'dataset', { datasetId: 'ds-4' });
      });
      await jobs.drain();
      assert.deepEqual((got.get('prefix') ?? []).map((e) => e.topic), ['dataset.version.published', 'dataset.created']);
      assert.equal(ofTopic('exact', 'dataset.created').length, 0);
    });

    test('a subscriber that throws gets the same event again later (at least once)', async () => {
      const id = await p.db.transaction((tx) => bus.publish(tx, 'report.ready', { reportId: 'r-1' }));
      const deadline = Date.now() + 5000;
      while (!(got.get('flaky') ?? []).length && Date.now() < deadline) {
        await jobs.drain();
        await sleep(20);
      }
      assert.equal(flakyFailures, 3, 'two failed deliveries, then one that succeeded');
      assert.deepEqual((got.get('flaky') ?? []).map((e) => [e.id, e.payload]), [[id, { reportId: 'r-1' }]]);
    });
  });
}
