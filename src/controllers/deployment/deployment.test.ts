/* eslint-disable @typescript-eslint/no-unnecessary-condition -- objects read back from the fake are asserted with `!`; optional chains keep assertions readable */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import {
  computeHash,
  getProportion,
  newDeploymentController,
  resolveFenceposts,
  safeEncodeString,
  setNewReplicaSetAnnotations,
} from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const T0 = Date.parse('2024-01-01T00:00:00Z');

function deployment(
  replicas: number,
  image = 'nginx:1',
  extra: Partial<Deployment['spec']> = {},
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-web', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image }] },
      },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      ...extra,
    },
  };
}

describe('resolveFenceposts', () => {
  // Upstream TestResolveFenceposts.
  const cases: [string | number, string | number, number, number, number][] = [
    [0, 0, 0, 0, 1],
    ['39%', '39%', 10, 4, 3],
    ['oops', '0', 0, NaN, NaN],
    ['55%', 'urg', 0, NaN, NaN],
    [5, 1, 0, 5, 1],
    ['0%', '0%', 0, 0, 1],
    [0, 0, 0, 0, 1],
  ];
  for (const [surge, unavail, desired, wantSurge, wantUnavail] of cases) {
    it(`surge ${surge}, unavailable ${unavail}, desired ${desired}`, () => {
      const d = deployment(desired, 'x', {
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: surge, maxUnavailable: unavail },
        },
      });
      if (Number.isNaN(wantSurge)) {
        assert.throws(() => resolveFenceposts(d, desired));
        return;
      }
      assert.deepEqual(resolveFenceposts(d, desired), [wantSurge, wantUnavail]);
    });
  }
});

describe('helpers', () => {
  it('safeEncodeString maps bytes to the vowel-free alphabet', () => {
    assert.equal(safeEncodeString('0123'), '4567');
    assert.match(
      computeHash({ metadata: { labels: { a: 'b' } } }),
      /^[bcdfghjklmnpqrstvwxz2456789]+$/,
    );
    assert.notEqual(computeHash({}), computeHash({}, 1));
    assert.equal(computeHash({ metadata: { labels: {} } }), computeHash({}));
  });

  it('getProportion splits a scale-up by max-replicas annotations', () => {
    const d = deployment(20, 'x', {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    });
    const rs: ReplicaSet = {
      metadata: { annotations: { 'deployment.kubernetes.io/max-replicas': '10' } },
      spec: { replicas: 5, selector: {} },
    };
    assert.equal(getProportion(rs, d, 10, 0), 5);
    assert.equal(getProportion(rs, d, 10, 8), 2);
  });

  it('setNewReplicaSetAnnotations keeps the revision history on rollback', () => {
    const d = deployment(1);
    const rs: ReplicaSet = {
      metadata: { annotations: { 'deployment.kubernetes.io/revision': '1' } },
      spec: { selector: {} },
    };
    assert.equal(setNewReplicaSetAnnotations(d, rs, '3', true), true);
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    setNewReplicaSetAnnotations(d, rs, '5', true);
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1,3');
  });
});

async function setup(objs: { deployments: Deployment[]; replicaSets?: ReplicaSet[] }) {
  const now = T0;
  const cluster = new FakeCluster({ now: () => new Date(now) });
  cluster.seed(BUILTIN_RESOURCES.deployments, ...objs.deployments);
  if (objs.replicaSets) cluster.seed(BUILTIN_RESOURCES.replicaSets, ...objs.replicaSets);
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const queue = newRateLimitingQueue({ clock: newFakeClock(now) });
  const dc = newDeploymentController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    now: () => now,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  return { cluster, recorder, dc, stop };
}

const rsList = (c: FakeCluster): ReplicaSet[] =>
  c.objects<ReplicaSet>(BUILTIN_RESOURCES.replicaSets, 'ns');
const dep = (c: FakeCluster): Deployment =>
  c.peek<Deployment>(BUILTIN_RESOURCES.deployments, 'ns', 'web')!;

describe('Deployment controller sync', () => {
  it('creates the new ReplicaSet named with the pod-template-hash, revision 1', async () => {
    const { cluster, recorder, dc, stop } = await setup({ deployments: [deployment(3)] });
    await dc.sync('ns/web');
    const [rs, ...rest] = rsList(cluster);
    assert.equal(rest.length, 0);
    assert.ok(rs);
    const hash = rs.metadata?.labels?.['pod-template-hash'] ?? '';
    assert.equal(rs.metadata?.name, `web-${hash}`);
    assert.equal(hash, computeHash(deployment(3).spec?.template));
    assert.equal(rs.spec?.replicas, 3);
    assert.deepEqual(rs.spec?.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
    assert.deepEqual(rs.metadata?.annotations, {
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    assert.deepEqual(recorder.events, [
      `Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 3`,
    ]);
    const d = dep(cluster);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetCreated');
    assert.equal(progressing?.message, `Created new replica set "web-${hash}"`);
    await stop();
  });

  it('rolls out a new template within maxSurge and completes with NewReplicaSetAvailable', async () => {
    const { cluster, recorder, dc, stop } = await setup({ deployments: [deployment(4)] });
    await dc.sync('ns/web');
    await settle();
    // The old RS becomes fully available.
    const [old] = rsList(cluster);
    await cluster.clientset.replicaSets.updateStatus('ns', {
      ...old!,
      status: { replicas: 4, readyReplicas: 4, availableReplicas: 4, observedGeneration: 1 },
    });
    const d = dep(cluster);
    await cluster.clientset.deployments.update('ns', {
      ...d,
      spec: { ...d.spec!, template: deployment(4, 'nginx:2').spec!.template },
    });
    await settle();
    recorder.events.length = 0;
    await dc.sync('ns/web');
    const all = rsList(cluster);
    assert.equal(all.length, 2);
    const next = all.find((r) => r.metadata?.uid !== old!.metadata?.uid)!;
    assert.equal(next.spec?.replicas, 1); // 4 + 25% surge = 5 pods at most
    assert.equal(next.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    // As upstream: creating the new RS is not a scale-up, so the same sync scales the old
    // one down by maxUnavailable (5 pods, min available 3, one new pod unavailable).
    assert.deepEqual(recorder.events, [
      `Normal ScalingReplicaSet Scaled up replica set ${next.metadata?.name ?? ''} from 0 to 1`,
      `Normal ScalingReplicaSet Scaled down replica set ${old!.metadata?.name ?? ''} from 4 to 3`,
    ]);
    const sizeOf = (uid: string | undefined): number | undefined =>
      rsList(cluster).find((r) => r.metadata?.uid === uid)?.spec?.replicas;
    assert.equal(sizeOf(old!.metadata?.uid), 3);
    await settle();
    await dc.sync('ns/web');
    // The new RS may grow to 2 (at most 4 + 1 surge pods in all).
    assert.equal(sizeOf(next.metadata?.uid), 2);
    const progressing = dep(cluster).status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'ReplicaSetUpdated');
    assert.equal(progressing?.message, `ReplicaSet "${next.metadata?.name ?? ''}" is progressing.`);
    await stop();
  });

  it('rolls back to an old ReplicaSet by making it the new one with the next revision', async () => {
    const d = deployment(2);
    const oldTemplate = deployment(2, 'nginx:0').spec!.template;
    const mkRS = (
      name: string,
      rev: string,
      template: typeof oldTemplate,
      replicas: number,
    ): ReplicaSet => ({
      metadata: {
        name,
        namespace: 'ns',
        uid: `uid-${name}`,
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': rev },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'uid-web',
            controller: true,
          },
        ],
        creationTimestamp: '2023-01-01T00:00:00Z',
        generation: 1,
      },
      spec: { replicas, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas, observedGeneration: 1 },
    });
    const { cluster, dc, stop } = await setup({
      deployments: [{ ...d, spec: { ...d.spec!, template: oldTemplate } }],
      replicaSets: [
        mkRS('web-old', '1', oldTemplate, 0),
        mkRS('web-cur', '2', d.spec!.template, 2),
      ],
    });
    await dc.sync('ns/web');
    const old = rsList(cluster).find((r) => r.metadata?.name === 'web-old')!;
    assert.equal(old.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(old.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(rsList(cluster).length, 2); // no new ReplicaSet
    await stop();
  });

  it('scales proportionally when resized mid-rollout', async () => {
    const d = deployment(10, 'nginx:3', {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } },
    });
    const mk = (
      name: string,
      rev: string,
      image: string,
      replicas: number,
      created: string,
    ): ReplicaSet => ({
      metadata: {
        name,
        namespace: 'ns',
        uid: `uid-${name}`,
        labels: { app: 'web' },
        annotations: {
          'deployment.kubernetes.io/revision': rev,
          'deployment.kubernetes.io/desired-replicas': '10',
          'deployment.kubernetes.io/max-replicas': '13',
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'uid-web',
            controller: true,
          },
        ],
        creationTimestamp: created,
      },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'web' } },
        template: deployment(10, image).spec!.template,
      },
      status: { replicas },
    });
    const { cluster, recorder, dc, stop } = await setup({
      deployments: [{ ...d, spec: { ...d.spec!, replicas: 20 } }],
      replicaSets: [
        mk('web-a', '1', 'nginx:1', 8, '2023-01-01T00:00:00Z'),
        mk('web-b', '2', 'nginx:3', 5, '2023-01-02T00:00:00Z'),
      ],
    });
    await dc.sync('ns/web');
    const sizes: Record<string, number | undefined> = Object.fromEntries(
      rsList(cluster).map((r) => [r.metadata?.name ?? '', r.spec?.replicas]),
    );
    // 20 + 3 surge = 23 allowed, 13 present: +10 split 8:5 of 13 → +6 and +4.
    assert.deepEqual(sizes, { 'web-a': 14, 'web-b': 9 });
    assert.ok(
      recorder.events.includes('Normal ScalingReplicaSet Scaled up replica set web-a from 8 to 14'),
    );
    await stop();
  });
});
