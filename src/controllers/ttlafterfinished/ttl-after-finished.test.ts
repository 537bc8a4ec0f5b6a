import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue } from '../../client/workqueue/index.ts';
import { newTTLAfterFinishedController } from './index.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');

function job(name: string, ttl: number | undefined, finishedAt?: string): Job {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}` },
    spec: { template: {}, ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}) },
    ...(finishedAt !== undefined
      ? {
          status: {
            conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: finishedAt }],
          },
        }
      : {}),
  };
}

async function setup(jobs: Job[], now: number) {
  const cluster = new FakeCluster();
  cluster.seed(BUILTIN_RESOURCES.jobs, ...jobs);
  const factory = new InformerFactory(cluster.clientset);
  const clock = newFakeClock(now);
  const queue = newRateLimitingQueue({ clock });
  const time = { t: now };
  const c = newTTLAfterFinishedController({
    clientset: cluster.clientset,
    informers: factory,
    queue,
    now: () => time.t,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  while (queue.len() > 0) {
    const k = await queue.get();
    if (k !== undefined) queue.done(k);
  }
  cluster.clearActions();
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  return { cluster, c, clock, queue, time, stop };
}

describe('TTLAfterFinishedController.sync', () => {
  // upstream TestTimeLeft-style table: [ttl, finished, now offset, deleted].
  const cases: { name: string; ttl?: number; finished?: string; deleted: boolean }[] = [
    { name: 'no TTL', finished: '2024-01-01T00:00:00Z', deleted: false },
    { name: 'not finished', ttl: 0, deleted: false },
    { name: 'TTL 0 expires at once', ttl: 0, finished: '2024-01-01T00:00:00Z', deleted: true },
    { name: 'TTL expired', ttl: 60, finished: '2023-12-31T23:58:00Z', deleted: true },
    { name: 'TTL not yet expired', ttl: 60, finished: '2023-12-31T23:59:30Z', deleted: false },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const h = await setup([job('j', tc.ttl, tc.finished)], T0);
      try {
        await h.c.sync('ns/j');
        const del = h.cluster.writes().filter((a) => a.verb === 'delete');
        if (tc.deleted) {
          assert.equal(del.length, 1);
          assert.deepEqual(del[0]?.object, {
            propagationPolicy: 'Foreground',
            preconditions: { uid: 'uid-j' },
          });
          assert.equal(h.cluster.objects(BUILTIN_RESOURCES.jobs).length, 0);
        } else {
          assert.equal(del.length, 0);
        }
      } finally {
        await h.stop();
      }
    });
  }

  it('requeues until the TTL expires', async () => {
    const h = await setup([job('j', 60, '2023-12-31T23:59:30Z')], T0);
    try {
      await h.c.sync('ns/j');
      await h.clock.advance(29_999);
      assert.equal(h.queue.len(), 0);
      await h.clock.advance(1);
      assert.equal(h.queue.len(), 1);
      h.time.t = T0 + 30_000;
      await h.c.sync('ns/j');
      assert.equal(h.cluster.objects(BUILTIN_RESOURCES.jobs).length, 0);
    } finally {
      await h.stop();
    }
  });

  it('re-checks the live Job: a raised TTL postpones deletion', async () => {
    const h = await setup([job('j', 0, '2024-01-01T00:00:00Z')], T0);
    try {
      h.cluster.prependReactor((a) =>
        a.verb === 'get'
          ? { handled: true, result: job('j', 3600, '2024-01-01T00:00:00Z') }
          : undefined,
      );
      await h.c.sync('ns/j');
      assert.equal(h.cluster.writes().length, 0);
    } finally {
      await h.stop();
    }
  });
});
