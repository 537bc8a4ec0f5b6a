import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import { newForbidden } from '../../api/index.ts';
import { getControllerOf } from '../shared/index.ts';
import {
  getPodsToDelete,
  newReplicaSetController,
  newReplicationControllerController,
  slowStartBatch,
} from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function rs(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
      ...extra,
    },
    status: { replicas: 0 },
  };
}

function pod(
  name: string,
  owner: ReplicaSet | undefined,
  o: Partial<{
    labels: Record<string, string>;
    node: string;
    phase: string;
    readySince: number;
    created: number;
  }> = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      labels: o.labels ?? { app: owner?.metadata?.name ?? 'x', tier: 'web' },
      creationTimestamp: iso(o.created ?? T0),
      ...(owner !== undefined
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: owner.metadata?.name ?? '',
                uid: owner.metadata?.uid ?? '',
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { containers: [], ...(o.node !== undefined ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions:
        o.readySince !== undefined
          ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(o.readySince) }]
          : [],
    },
  };
}

async function setup(
  objs: { replicaSets?: ReplicaSet[]; pods?: Pod[]; rcs?: ReplicationController[] },
  opts: { burstReplicas?: number; now?: number } = {},
) {
  const now = { t: opts.now ?? T0 + 3600_000 };
  const cluster = new FakeCluster({ now: () => new Date(now.t) });
  if (objs.replicaSets) cluster.seed(BUILTIN_RESOURCES.replicaSets, ...objs.replicaSets);
  if (objs.pods) cluster.seed(BUILTIN_RESOURCES.pods, ...objs.pods);
  if (objs.rcs) cluster.seed(BUILTIN_RESOURCES.replicationControllers, ...objs.rcs);
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const queue = newRateLimitingQueue({ clock: newFakeClock(now.t) });
  const deps = {
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    now: () => now.t,
    ...(opts.burstReplicas !== undefined ? { burstReplicas: opts.burstReplicas } : {}),
  };
  const rsc = newReplicaSetController(deps);
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  cluster.clearActions();
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  return { cluster, factory, recorder, rsc, now, stop, deps };
}

const podsOf = (c: FakeCluster): Pod[] => c.objects<Pod>(BUILTIN_RESOURCES.pods, 'ns');
const rsOf = (c: FakeCluster, name: string): ReplicaSet =>
  c.peek<ReplicaSet>(BUILTIN_RESOURCES.replicaSets, 'ns', name)!;

describe('slowStartBatch', () => {
  // Upstream TestSlowStartBatch.
  const cases = [
    {
      name: 'callback always success',
      count: 10,
      okUntil: Infinity,
      wantSuccesses: 10,
      wantCalls: 10,
    },
    { name: 'callback always fail', count: 10, okUntil: 0, wantSuccesses: 0, wantCalls: 1 },
    {
      name: 'callback success until 5th call',
      count: 10,
      okUntil: 5,
      wantSuccesses: 5,
      wantCalls: 7,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      let calls = 0;
      const { successes, error } = await slowStartBatch(c.count, 1, () => {
        calls++;
        return calls > c.okUntil ? Promise.reject(new Error('fake error')) : Promise.resolve();
      });
      assert.equal(successes, c.wantSuccesses);
      assert.equal(calls, c.wantCalls);
      assert.equal(error === undefined, c.wantSuccesses === c.count);
    });
  }
});

describe('ReplicaSet controller sync', () => {
  it('creates missing pods with a controller ref and records SuccessfulCreate', async () => {
    const r = rs('web', 3);
    const { cluster, recorder, rsc, stop } = await setup({ replicaSets: [r] });
    await rsc.sync('ns/web');
    const pods = podsOf(cluster);
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata?.name ?? '', /^web-/);
      assert.deepEqual(p.metadata?.labels, { app: 'web', tier: 'web' });
      assert.deepEqual(getControllerOf(p), {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web',
        uid: 'uid-web',
        controller: true,
        blockOwnerDeletion: true,
      });
    }
    assert.deepEqual(
      recorder.events,
      pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata?.name ?? ''}`),
    );
    // Status went through the status subresource, with the observed generation.
    const statusWrites = cluster.writes().filter((a) => a.subresource === 'status');
    assert.equal(statusWrites.length, 1);
    assert.deepEqual(rsOf(cluster, 'web').status, { replicas: 0, observedGeneration: 1 });
    await settle();
    await rsc.sync('ns/web');
    assert.deepEqual(rsOf(cluster, 'web').status, {
      replicas: 3,
      fullyLabeledReplicas: 3,
      observedGeneration: 1,
    });
    await stop();
  });

  it('does not create twice while its creations are not observed (expectations)', async () => {
    const { cluster, rsc, stop } = await setup({ replicaSets: [rs('web', 2)] });
    // Creates "succeed" but are never stored, so the informer never observes them.
    cluster.prependReactor((a) =>
      a.verb === 'create' && a.resource.resource === 'pods'
        ? { handled: true, result: { metadata: { name: 'ghost' } } }
        : undefined,
    );
    await rsc.sync('ns/web');
    await rsc.sync('ns/web');
    const creates = cluster.writes().filter((a) => a.verb === 'create');
    assert.equal(creates.length, 2);
    assert.deepEqual(rsc.expectations.get('ns/web'), { add: 2, del: 0, deleteKeys: [] });
    await stop();
  });

  it('caps one sync at burstReplicas', async () => {
    const { cluster, rsc, stop } = await setup(
      { replicaSets: [rs('web', 10)] },
      { burstReplicas: 3 },
    );
    await rsc.sync('ns/web');
    assert.equal(podsOf(cluster).length, 3);
    await stop();
  });

  it('stops slow start at the first failure, sets ReplicaFailure and lowers expectations', async () => {
    const { cluster, recorder, rsc, now, stop } = await setup({ replicaSets: [rs('web', 5)] });
    let n = 0;
    cluster.prependReactor((a) => {
      if (a.verb === 'create' && a.resource.resource === 'pods' && ++n > 2) {
        throw newForbidden({ group: '', resource: 'pods' }, '', new Error('exceeded quota'));
      }
      return undefined;
    });
    await assert.rejects(rsc.sync('ns/web'), /exceeded quota/);
    assert.equal(n, 3); // batches of 1, then 2 (one failed)
    assert.equal(podsOf(cluster).length, 2);
    assert.equal(
      recorder.events.filter((e) => e.startsWith('Warning FailedCreate Error creating:')).length,
      1,
    );
    const cond = rsOf(cluster, 'web').status?.conditions?.[0];
    assert.ok(cond);
    assert.equal(cond.type, 'ReplicaFailure');
    assert.equal(cond.status, 'True');
    assert.equal(cond.reason, 'FailedCreate');
    assert.equal(cond.lastTransitionTime, iso(now.t));
    assert.match(cond.message ?? '', /exceeded quota/);
    // 5 expected, 3 never attempted (lowered at once), 2 observed by the informer.
    await settle();
    assert.equal(rsc.expectations.get('ns/web')?.add, 0);
    assert.equal(rsc.expectations.satisfiedExpectations('ns/web'), true);
    await stop();
  });

  it('deletes surplus pods in upstream order and records SuccessfulDelete', async () => {
    const r = rs('web', 1);
    const pods = [
      pod('ready-old', r, { node: 'n1', readySince: T0, created: T0 - 1000_000 }),
      pod('pending', r, { phase: 'Pending' }),
      pod('not-ready', r, { node: 'n1' }),
    ];
    const { cluster, recorder, rsc, stop } = await setup({ replicaSets: [r], pods });
    await rsc.sync('ns/web');
    assert.deepEqual(
      podsOf(cluster).map((p) => p.metadata?.name),
      ['ready-old'],
    );
    assert.deepEqual(recorder.events.sort(), [
      'Normal SuccessfulDelete Deleted pod: not-ready',
      'Normal SuccessfulDelete Deleted pod: pending',
    ]);
    await stop();
  });

  it('adopts matching orphans and releases owned pods that stopped matching', async () => {
    const r = rs('web', 2);
    const pods = [
      pod('orphan', undefined, { labels: { app: 'web', tier: 'web' }, readySince: T0 }),
      pod('stale', r, { labels: { app: 'other' } }),
      pod('mine', r, { readySince: T0 }),
    ];
    const { cluster, rsc, stop } = await setup({ replicaSets: [r], pods });
    await rsc.sync('ns/web');
    const byName = new Map(podsOf(cluster).map((p) => [p.metadata?.name, p]));
    assert.equal(getControllerOf(byName.get('orphan')!)?.uid, 'uid-web');
    assert.equal(getControllerOf(byName.get('stale')!), undefined);
    assert.equal(byName.size, 3); // nothing created or deleted: two pods claimed
    assert.deepEqual(rsOf(cluster, 'web').status, {
      replicas: 2,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 1,
    });
    await stop();
  });

  it('counts available pods with minReadySeconds and writes status only when it changed', async () => {
    const r = rs('web', 2, { minReadySeconds: 10 });
    const now = T0 + 100_000;
    const pods = [
      pod('long-ready', r, { readySince: now - 60_000 }),
      pod('just-ready', r, { readySince: now - 5_000 }),
    ];
    const { cluster, rsc, stop } = await setup({ replicaSets: [r], pods }, { now });
    await rsc.sync('ns/web');
    assert.deepEqual(rsOf(cluster, 'web').status, {
      replicas: 2,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 1,
    });
    await settle();
    cluster.clearActions();
    await rsc.sync('ns/web');
    assert.deepEqual(cluster.writes(), []);
    await stop();
  });

  it('does nothing but forget expectations for a deleted ReplicaSet', async () => {
    const { cluster, rsc, stop } = await setup({});
    await rsc.sync('ns/gone');
    assert.deepEqual(cluster.writes(), []);
    await stop();
  });
});

describe('getPodsToDelete', () => {
  it('prefers pods doubled up on a node with related pods', () => {
    const r = rs('web', 1);
    const a = pod('a', r, { node: 'n1', readySince: T0 });
    const b = pod('b', r, { node: 'n2', readySince: T0 });
    const related = [a, b, pod('c', r, { node: 'n2', readySince: T0 })];
    assert.deepEqual(
      getPodsToDelete([a, b], related, 1, T0 + 1000).map((p) => p.metadata?.name),
      ['b'],
    );
  });
});

describe('ReplicationController controller', () => {
  it('creates pods controlled by the ReplicationController', async () => {
    const rc: ReplicationController = {
      metadata: { name: 'legacy', namespace: 'ns', uid: 'uid-rc', generation: 2 },
      spec: {
        replicas: 2,
        selector: { app: 'legacy' },
        template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [] } },
      },
      status: { replicas: 0 },
    };
    const { cluster, deps, factory, stop } = await setup({ rcs: [rc] });
    const rcc = newReplicationControllerController(deps);
    await factory.waitForCacheSync();
    await rcc.sync('ns/legacy');
    const pods = podsOf(cluster);
    assert.equal(pods.length, 2);
    assert.equal(getControllerOf(pods[0]!)?.kind, 'ReplicationController');
    assert.equal(getControllerOf(pods[0]!)?.apiVersion, 'v1');
    assert.match(pods[0]!.metadata?.name ?? '', /^legacy-/);
    const stored = cluster.peek<ReplicationController>(
      BUILTIN_RESOURCES.replicationControllers,
      'ns',
      'legacy',
    );
    assert.deepEqual(stored?.status, { replicas: 0, observedGeneration: 2 });
    await stop();
  });
});
