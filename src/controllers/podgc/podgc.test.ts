import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newPodGCController } from './index.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');

function pod(
  name: string,
  o: { phase?: string; node?: string; created?: number; deleting?: boolean; reason?: string } = {},
): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: new Date(o.created ?? T0).toISOString(),
      ...(o.deleting === true ? { deletionTimestamp: new Date(T0).toISOString() } : {}),
    },
    spec: { containers: [], ...(o.node !== undefined ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
    },
  };
}

const node = (name: string, extra: Partial<Node> = {}): Node => ({ metadata: { name }, ...extra });

async function setup(pods: Pod[], nodes: Node[], threshold?: number) {
  const cluster = new FakeCluster();
  cluster.seed(BUILTIN_RESOURCES.pods, ...pods);
  if (nodes.length > 0) cluster.seed(BUILTIN_RESOURCES.nodes, ...nodes);
  const factory = new InformerFactory(cluster.clientset);
  const time = { t: T0 };
  const gc = newPodGCController({
    clientset: cluster.clientset,
    informers: factory,
    now: () => time.t,
    ...(threshold !== undefined ? { terminatedPodGCThreshold: threshold } : {}),
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  cluster.clearActions();
  const deleted = (): string[] =>
    cluster
      .writes()
      .filter((a) => a.verb === 'delete')
      .map((a) => a.name)
      .sort();
  const stop = async (): Promise<void> => {
    ac.abort();
    await factory.stopped();
  };
  return { cluster, gc, time, deleted, stop };
}

describe('PodGC', () => {
  // upstream TestGCTerminated cases.
  const terminatedCases = [
    {
      name: 'delete pod a which is PodFailed and pod b which is PodSucceeded',
      pods: [
        pod('a', { phase: 'Failed' }),
        pod('b', { phase: 'Succeeded' }),
        pod('c', { phase: 'Failed' }),
      ],
      threshold: 1,
      want: ['a', 'b'],
    },
    {
      name: 'threshold = 0, disables terminated pod deletion',
      pods: [pod('a', { phase: 'Failed' }), pod('b', { phase: 'Succeeded' })],
      threshold: 0,
      want: [],
    },
    {
      name: 'oldest first, evicted before all',
      pods: [
        pod('old', { phase: 'Failed', created: T0 - 2000 }),
        pod('new', { phase: 'Failed', created: T0 }),
        pod('evicted', { phase: 'Failed', created: T0 + 1000, reason: 'Evicted' }),
      ],
      threshold: 1,
      want: ['evicted', 'old'],
    },
    {
      name: 'running pods are not terminated pods',
      pods: [pod('a', { phase: 'Running', node: 'n' }), pod('b', { phase: 'Failed', node: 'n' })],
      threshold: 1,
      want: [],
    },
  ];
  for (const tc of terminatedCases) {
    it(tc.name, async () => {
      const h = await setup(
        tc.pods.map((p) => ({ ...p, spec: { containers: [], nodeName: 'n' } })),
        [node('n')],
        tc.threshold,
      );
      try {
        await h.gc.gc();
        assert.deepEqual(h.deleted(), [...tc.want].sort());
        for (const a of h.cluster.writes().filter((w) => w.verb === 'delete')) {
          assert.deepEqual(a.object, { gracePeriodSeconds: 0 });
        }
      } finally {
        await h.stop();
      }
    });
  }

  it('collects orphans after the quarantine, marking them Failed with DisruptionTarget', async () => {
    const h = await setup([pod('orphan', { node: 'gone' }), pod('ok', { node: 'n' })], [node('n')]);
    try {
      await h.gc.gc();
      assert.deepEqual(h.deleted(), []);
      h.time.t += 39_000;
      await h.gc.gc();
      assert.deepEqual(h.deleted(), []);
      h.time.t += 1_000;
      await h.gc.gc();
      assert.deepEqual(h.deleted(), ['orphan']);
      const get = h.cluster.actions.find(
        (a) => a.verb === 'get' && a.resource.resource === 'nodes',
      );
      assert.equal(get?.name, 'gone');
      const patch = h.cluster.writes().find((a) => a.verb === 'patch');
      assert.equal(patch?.subresource, 'status');
      assert.deepEqual(patch.object, {
        metadata: { uid: 'uid-orphan' },
        status: {
          phase: 'Failed',
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'DeletionByPodGC',
              message: 'PodGC: node no longer exists',
              lastTransitionTime: '2024-01-01T00:00:40Z',
            },
          ],
        },
      });
    } finally {
      await h.stop();
    }
  });

  it('keeps pods of a node that reappears during the quarantine', async () => {
    const h = await setup([pod('p', { node: 'late' })], []);
    try {
      await h.gc.gc();
      await h.cluster.clientset.nodes.create('', node('late'));
      h.time.t += 40_000;
      await h.gc.gc();
      assert.deepEqual(h.deleted(), []);
    } finally {
      await h.stop();
    }
  });

  it('deletes unscheduled terminating pods', async () => {
    const h = await setup([pod('u', { deleting: true }), pod('pending')], []);
    try {
      await h.gc.gc();
      assert.deepEqual(h.deleted(), ['u']);
      const patch = h.cluster.writes().find((a) => a.verb === 'patch');
      assert.deepEqual(patch?.object, { metadata: { uid: 'uid-u' }, status: { phase: 'Failed' } });
    } finally {
      await h.stop();
    }
  });

  it('deletes terminating pods of an out-of-service NotReady node', async () => {
    const n = node('down', {
      spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
    });
    const h = await setup(
      [pod('t', { node: 'down', deleting: true }), pod('r', { node: 'down' })],
      [n],
    );
    try {
      await h.gc.gc();
      assert.deepEqual(h.deleted(), ['t']);
    } finally {
      await h.stop();
    }
  });
});
