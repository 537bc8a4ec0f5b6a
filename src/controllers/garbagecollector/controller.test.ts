import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, GarbageCollector } from './index.ts';

const R = BUILTIN_RESOURCES;
const STAMP = '2024-01-01T00:00:00Z';

const ref = (kind: string, name: string, uid: string, block = false): OwnerReference => ({
  apiVersion: kind === 'ReplicaSet' || kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  name,
  uid,
  controller: true,
  ...(block ? { blockOwnerDeletion: true } : {}),
});
const obj = (
  name: string,
  uid: string,
  owners: OwnerReference[] = [],
  extra: Partial<NonNullable<KubeObject['metadata']>> = {},
): KubeObject => ({
  metadata: { namespace: 'ns', name, uid, ownerReferences: owners, ...extra },
});

async function setup(seed: {
  deployments?: KubeObject[];
  replicaSets?: KubeObject[];
  pods?: KubeObject[];
  configMaps?: KubeObject[];
}) {
  const cluster = new FakeCluster();
  cluster.seed(R.deployments, ...(seed.deployments ?? []));
  cluster.seed(R.replicaSets, ...(seed.replicaSets ?? []));
  cluster.seed(R.pods, ...(seed.pods ?? []));
  cluster.seed(R.configMaps, ...(seed.configMaps ?? []));
  const informers = new InformerFactory(cluster.clientset);
  const gc = new GarbageCollector({
    clientset: cluster.clientset,
    informers,
    resources: [R.deployments, R.replicaSets, R.pods, R.configMaps],
  });
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForCacheSync();
  cluster.clearActions();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 30; i++) await new Promise<void>((r) => setImmediate(r));
  };
  /** Processes queued keys (and those they cause) until the queue stays empty. */
  const drain = async (): Promise<void> => {
    for (let round = 0; round < 20; round++) {
      await settle();
      if (gc.queue.len() === 0) return;
      while (gc.queue.len() > 0) {
        const k = await gc.queue.get();
        if (k === undefined) return;
        try {
          await gc.sync(k);
        } finally {
          gc.queue.done(k);
        }
      }
    }
  };
  return {
    cluster,
    gc,
    drain,
    stop: async () => {
      ac.abort();
      gc.queue.shutDown();
      await informers.stopped();
    },
  };
}

const names = (cluster: FakeCluster, gvr: (typeof R)[keyof typeof R]): string[] =>
  cluster
    .objects(gvr, 'ns')
    .map((o) => o.metadata?.name ?? '')
    .sort();

describe('GarbageCollector', () => {
  it('background: deletes dependents whose owner is gone, keeps those with a live owner', async () => {
    const { cluster, drain, stop } = await setup({
      replicaSets: [obj('rs', 'rs-uid')],
      pods: [
        obj('live', 'p1', [ref('ReplicaSet', 'rs', 'rs-uid')]),
        obj('orphaned', 'p2', [ref('ReplicaSet', 'gone', 'gone-uid')]),
        obj('stale-uid', 'p3', [ref('ReplicaSet', 'rs', 'old-rs-uid')]),
        obj('free', 'p4'),
      ],
    });
    try {
      await drain();
      assert.deepEqual(names(cluster, R.pods), ['free', 'live']);
      const deletes = cluster.writes().filter((w) => w.verb === 'delete');
      assert.deepEqual(
        deletes
          .map((w) => [w.name, (w.object as { propagationPolicy?: string }).propagationPolicy])
          .sort(),
        [
          ['orphaned', 'Background'],
          ['stale-uid', 'Background'],
        ],
      );
    } finally {
      await stop();
    }
  });

  it('an update that keeps the owner references is not re-checked; a changed reference is', async () => {
    const { cluster, gc, drain, stop } = await setup({
      replicaSets: [obj('rs', 'rs-uid')],
      pods: [obj('p', 'p1', [ref('ReplicaSet', 'rs', 'rs-uid')])],
    });
    try {
      await drain();
      const pods = cluster.clientset.resource<KubeObject>(R.pods);
      const pod = cluster.peek(R.pods, 'ns', 'p') ?? assert.fail('no pod');
      // A status write (what kubelets and lease renewals do all day): nothing to check.
      await pods.update('ns', { ...pod, status: { phase: 'Running' } } as KubeObject);
      for (let i = 0; i < 30; i++) await new Promise<void>((r) => setImmediate(r));
      assert.equal(gc.queue.len(), 0);
      // Pointing the reference at an owner that does not exist: checked, and the pod goes.
      const again = cluster.peek(R.pods, 'ns', 'p') ?? assert.fail('no pod');
      await pods.update('ns', {
        ...again,
        metadata: { ...again.metadata, ownerReferences: [ref('ReplicaSet', 'gone', 'gone-uid')] },
      });
      await drain();
      assert.deepEqual(names(cluster, R.pods), []);
    } finally {
      await stop();
    }
  });

  it('drops references to absent owners when a live owner remains', async () => {
    const { cluster, drain, stop } = await setup({
      configMaps: [obj('owner', 'cm-uid')],
      pods: [
        obj('p', 'p1', [
          ref('ConfigMap', 'owner', 'cm-uid'),
          ref('ReplicaSet', 'gone', 'gone-uid'),
        ]),
      ],
    });
    try {
      await drain();
      const pod = cluster.peek(R.pods, 'ns', 'p');
      assert.deepEqual(
        pod?.metadata?.ownerReferences?.map((r) => r.name),
        ['owner'],
      );
    } finally {
      await stop();
    }
  });

  it('orphan: removes the owner references from dependents, then the finalizer', async () => {
    const { cluster, drain, stop } = await setup({
      replicaSets: [
        obj('rs', 'rs-uid', [], { deletionTimestamp: STAMP, finalizers: [FINALIZER_ORPHAN] }),
      ],
      pods: [
        obj('a', 'p1', [ref('ReplicaSet', 'rs', 'rs-uid', true)]),
        obj('b', 'p2', [ref('ReplicaSet', 'rs', 'rs-uid'), ref('ConfigMap', 'cm', 'cm-uid')]),
      ],
      configMaps: [obj('cm', 'cm-uid')],
    });
    try {
      await drain();
      assert.deepEqual(
        names(cluster, R.replicaSets),
        [],
        'the owner is gone once its finalizer is',
      );
      assert.deepEqual(names(cluster, R.pods), ['a', 'b']);
      assert.deepEqual(cluster.peek(R.pods, 'ns', 'a')?.metadata?.ownerReferences, []);
      assert.deepEqual(
        cluster.peek(R.pods, 'ns', 'b')?.metadata?.ownerReferences?.map((r) => r.name),
        ['cm'],
      );
    } finally {
      await stop();
    }
  });

  it('foreground: deletes dependents first, then removes the finalizer', async () => {
    const { cluster, drain, stop } = await setup({
      deployments: [
        obj('d', 'd-uid', [], { deletionTimestamp: STAMP, finalizers: [FINALIZER_FOREGROUND] }),
      ],
      replicaSets: [obj('rs', 'rs-uid', [ref('Deployment', 'd', 'd-uid', true)])],
      pods: [
        obj('p1', 'p1', [ref('ReplicaSet', 'rs', 'rs-uid', true)]),
        obj('p2', 'p2', [ref('ReplicaSet', 'rs', 'rs-uid')]),
      ],
    });
    try {
      await drain();
      assert.deepEqual(names(cluster, R.replicaSets), []);
      assert.deepEqual(names(cluster, R.pods), []);
      assert.deepEqual(names(cluster, R.deployments), []);
      const deletes = cluster.writes().filter((w) => w.verb === 'delete');
      // The ReplicaSet has dependents of its own: it is deleted in the foreground.
      assert.deepEqual(deletes.find((w) => w.name === 'rs')?.object, {
        propagationPolicy: 'Foreground',
        preconditions: { uid: 'rs-uid' },
      });
      const order = cluster.writes().map((w) => `${w.verb}:${w.name}`);
      assert.ok(order.indexOf('delete:rs') < order.lastIndexOf('update:d'), order.join(' '));
    } finally {
      await stop();
    }
  });

  it('foreground: an owner without blocking dependents is released at once', async () => {
    const { cluster, gc, stop } = await setup({
      deployments: [
        obj('d', 'd-uid', [], {
          deletionTimestamp: STAMP,
          finalizers: [FINALIZER_FOREGROUND, 'other'],
        }),
      ],
      replicaSets: [obj('rs', 'rs-uid', [ref('Deployment', 'd', 'd-uid')])],
    });
    try {
      await gc.sync('apps/v1/deployments|ns|d');
      assert.deepEqual(cluster.peek(R.deployments, 'ns', 'd')?.metadata?.finalizers, ['other']);
    } finally {
      await stop();
    }
  });
});
