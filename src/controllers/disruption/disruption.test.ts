import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue } from '../../client/workqueue/index.ts';
import { newDisruptionController } from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const T0 = Date.parse('2024-01-01T00:10:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

type Owner = { kind: string; name: string; apiVersion?: string };

function pod(name: string, ready: boolean, owner?: Owner): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      labels: { app: 'web' },
      ...(owner !== undefined
        ? {
            ownerReferences: [
              {
                apiVersion: owner.apiVersion ?? 'apps/v1',
                kind: owner.kind,
                name: owner.name,
                uid: `uid-${owner.name}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { containers: [] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

function pdb(spec: Partial<PodDisruptionBudget['spec']>, disruptedPods?: Record<string, string>) {
  const p: PodDisruptionBudget = {
    metadata: { name: 'pdb', namespace: 'ns', generation: 2 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(disruptedPods !== undefined
      ? {
          status: {
            currentHealthy: 0,
            desiredHealthy: 0,
            expectedPods: 0,
            disruptionsAllowed: 0,
            disruptedPods,
          },
        }
      : {}),
  };
  return p;
}

const rs = (name: string, replicas: number, deployment?: string): ReplicaSet => ({
  metadata: {
    name,
    namespace: 'ns',
    uid: `uid-${name}`,
    ...(deployment !== undefined
      ? {
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: deployment,
              uid: `uid-${deployment}`,
              controller: true,
            },
          ],
        }
      : {}),
  },
  spec: { replicas, selector: {} },
});

interface Case {
  name: string;
  pdb: PodDisruptionBudget;
  pods: Pod[];
  replicaSets?: ReplicaSet[];
  deployments?: Deployment[];
  statefulSets?: StatefulSet[];
  want: { currentHealthy: number; desiredHealthy: number; expectedPods: number; allowed: number };
  events?: string[];
}

const cases: Case[] = [
  {
    name: 'minAvailable int: exactly enough (upstream TestNoSelector/TestUnavailable)',
    pdb: pdb({ minAvailable: 3 }),
    pods: [pod('a', true), pod('b', true), pod('c', true)],
    want: { currentHealthy: 3, desiredHealthy: 3, expectedPods: 3, allowed: 0 },
  },
  {
    name: 'minAvailable int: one spare',
    pdb: pdb({ minAvailable: 2 }),
    pods: [pod('a', true), pod('b', true), pod('c', true)],
    want: { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, allowed: 1 },
  },
  {
    name: 'not-ready pods are not healthy',
    pdb: pdb({ minAvailable: 2 }),
    pods: [pod('a', true), pod('b', false), pod('c', true)],
    want: { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, allowed: 0 },
  },
  {
    name: 'maxUnavailable int over a ReplicaSet (upstream TestIntegerMaxUnavailableWithScaling)',
    pdb: pdb({ maxUnavailable: 1 }),
    pods: [
      pod('a', true, { kind: 'ReplicaSet', name: 'rs' }),
      pod('b', true, { kind: 'ReplicaSet', name: 'rs' }),
    ],
    replicaSets: [rs('rs', 3)],
    want: { currentHealthy: 2, desiredHealthy: 2, expectedPods: 3, allowed: 0 },
  },
  {
    name: 'minAvailable percent over a Deployment (upstream TestReplicaSet/TestMultipleControllers)',
    pdb: pdb({ minAvailable: '50%' }),
    pods: [
      pod('a', true, { kind: 'ReplicaSet', name: 'rs' }),
      pod('b', true, { kind: 'ReplicaSet', name: 'rs' }),
      pod('c', true, { kind: 'ReplicaSet', name: 'rs' }),
    ],
    replicaSets: [rs('rs', 3, 'dep')],
    deployments: [
      {
        metadata: { name: 'dep', namespace: 'ns', uid: 'uid-dep' },
        spec: { replicas: 5, selector: {}, template: {} },
      },
    ],
    want: { currentHealthy: 3, desiredHealthy: 3, expectedPods: 5, allowed: 0 },
  },
  {
    name: 'maxUnavailable percent over a StatefulSet, rounding up',
    pdb: pdb({ maxUnavailable: '30%' }),
    pods: [
      pod('a', true, { kind: 'StatefulSet', name: 'ss' }),
      pod('b', true, { kind: 'StatefulSet', name: 'ss' }),
      pod('c', true, { kind: 'StatefulSet', name: 'ss' }),
      pod('d', true, { kind: 'StatefulSet', name: 'ss' }),
    ],
    statefulSets: [
      {
        metadata: { name: 'ss', namespace: 'ns', uid: 'uid-ss' },
        spec: { replicas: 4, selector: {}, serviceName: '', template: {} },
      },
    ],
    want: { currentHealthy: 4, desiredHealthy: 2, expectedPods: 4, allowed: 2 },
  },
  {
    name: 'unmanaged pods with maxUnavailable: nothing expected, an UnmanagedPods warning',
    pdb: pdb({ maxUnavailable: 1 }),
    pods: [pod('a', true)],
    want: { currentHealthy: 1, desiredHealthy: 0, expectedPods: 0, allowed: 0 },
    events: [
      'Warning UnmanagedPods Pods selected by this PodDisruptionBudget (selector: {"matchLabels":{"app":"web"}}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    ],
  },
  {
    name: 'no pods',
    pdb: pdb({ minAvailable: 1 }),
    pods: [],
    want: { currentHealthy: 0, desiredHealthy: 1, expectedPods: 0, allowed: 0 },
    events: ['Normal NoPods No matching pods found'],
  },
  {
    name: 'recently evicted pods do not count; overdue ones do, with NotDeleted',
    pdb: pdb({ minAvailable: 1 }, { a: iso(T0 - 60_000), b: iso(T0 - 180_000) }),
    pods: [pod('a', true), pod('b', true), pod('c', true)],
    want: { currentHealthy: 2, desiredHealthy: 1, expectedPods: 3, allowed: 1 },
    events: ["Warning NotDeleted Pod was expected by PDB ns/ns to be deleted but it wasn't"],
  },
];

async function setup(c: Omit<Case, 'name' | 'want'>) {
  const cluster = new FakeCluster({ now: () => new Date(T0) });
  cluster.seed(BUILTIN_RESOURCES.podDisruptionBudgets, c.pdb);
  cluster.seed(BUILTIN_RESOURCES.pods, ...c.pods);
  cluster.seed(BUILTIN_RESOURCES.replicaSets, ...(c.replicaSets ?? []));
  cluster.seed(BUILTIN_RESOURCES.deployments, ...(c.deployments ?? []));
  cluster.seed(BUILTIN_RESOURCES.statefulSets, ...(c.statefulSets ?? []));
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const queue = newRateLimitingQueue({ clock: newFakeClock(T0) });
  const dc = newDisruptionController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    now: () => T0,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  const pdbOf = (): PodDisruptionBudget =>
    cluster.peek<PodDisruptionBudget>(BUILTIN_RESOURCES.podDisruptionBudgets, 'ns', 'pdb')!;
  return { cluster, recorder, dc, stop, pdbOf };
}

describe('disruption controller', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { recorder, dc, stop, pdbOf } = await setup(c);
      await dc.sync('ns/pdb');
      const st = pdbOf().status!;
      assert.deepEqual(
        {
          currentHealthy: st.currentHealthy,
          desiredHealthy: st.desiredHealthy,
          expectedPods: st.expectedPods,
          allowed: st.disruptionsAllowed,
        },
        c.want,
      );
      assert.equal(st.observedGeneration, 2);
      const cond = (st.conditions ?? []).find((x) => x.type === 'DisruptionAllowed')!;
      assert.equal(cond.status, c.want.allowed > 0 ? 'True' : 'False');
      assert.equal(cond.reason, c.want.allowed > 0 ? 'SufficientPods' : 'InsufficientPods');
      assert.equal(cond.lastTransitionTime, iso(T0));
      assert.deepEqual(recorder.events, c.events ?? []);
      await stop();
    });
  }

  it('keeps recently evicted pods in disruptedPods and writes nothing when up to date', async () => {
    const { cluster, dc, stop, pdbOf } = await setup({
      pdb: pdb({ minAvailable: 1 }, { a: iso(T0 - 60_000) }),
      pods: [pod('a', true), pod('b', true)],
    });
    await dc.sync('ns/pdb');
    assert.deepEqual(pdbOf().status?.disruptedPods, { a: iso(T0 - 60_000) });
    // The informer sees the write; a second sync changes nothing.
    await new Promise((r) => setImmediate(r));
    cluster.clearActions();
    await dc.sync('ns/pdb');
    assert.deepEqual(cluster.writes(), []);
    await stop();
  });

  it('fails safe with SyncFailed when a controller cannot be found', async () => {
    const { recorder, dc, stop, pdbOf } = await setup({
      pdb: pdb({ maxUnavailable: '10%' }),
      pods: [pod('a', true, { kind: 'ReplicaSet', name: 'missing' })],
    });
    await assert.rejects(dc.sync('ns/pdb'), /found no controllers for pod "a"/);
    const st = pdbOf().status!;
    assert.equal(st.disruptionsAllowed, 0);
    const cond = (st.conditions ?? []).find((x) => x.type === 'DisruptionAllowed')!;
    assert.equal(cond.reason, 'SyncFailed');
    assert.equal(cond.message, 'found no controllers for pod "a"');
    assert.deepEqual(recorder.events, [
      'Warning CalculateExpectedPodCountFailed Failed to calculate the number of expected pods: found no controllers for pod "a"',
    ]);
    await stop();
  });
});
