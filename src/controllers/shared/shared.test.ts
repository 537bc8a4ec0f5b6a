import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { labelSelectorAsSelector } from '../../api/index.ts';
import {
  ControllerExpectations,
  ControllerRefManager,
  EXPECTATIONS_TIMEOUT_MS,
  RealPodControl,
  getControllerOf,
  getPodFromTemplate,
  newControllerRef,
  recheckByUid,
  sortPodsForDeletion,
} from './index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

describe('ControllerExpectations', () => {
  it('tracks creations, deletions by key, and expires after 5 minutes', () => {
    let now = 1_000_000;
    const e = new ControllerExpectations({ now: () => now });
    assert.equal(e.satisfiedExpectations('ns/rs'), true);
    e.expectCreations('ns/rs', 2);
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    e.creationObserved('ns/rs');
    assert.equal(e.satisfiedExpectations('ns/rs'), true);

    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a'); // counted once
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    assert.deepEqual(e.get('ns/rs'), { add: 0, del: 1, deleteKeys: ['ns/b'] });
    now += EXPECTATIONS_TIMEOUT_MS;
    assert.equal(e.satisfiedExpectations('ns/rs'), false);
    now += 1;
    assert.equal(e.satisfiedExpectations('ns/rs'), true);
    e.deleteExpectations('ns/rs');
    assert.equal(e.get('ns/rs'), undefined);
  });
});

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function pod(
  name: string,
  o: Partial<{
    node: string;
    phase: string;
    ready: number;
    restarts: number;
    created: number;
    cost: string;
  }>,
): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: iso(o.created ?? T0),
      ...(o.cost !== undefined
        ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } }
        : {}),
    },
    spec: { containers: [], ...(o.node !== undefined ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions:
        o.ready !== undefined
          ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(o.ready) }]
          : [],
      containerStatuses:
        o.restarts !== undefined
          ? [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: o.restarts }]
          : [],
    },
  };
}

describe('sortPodsForDeletion', () => {
  // Upstream TestSortingActivePods: the expected order, shuffled, must sort back.
  const now = T0 + 10 * 3600_000;
  const expected = [
    pod('unscheduled', { phase: 'Pending' }),
    pod('scheduled-pending', { node: 'n', phase: 'Pending' }),
    pod('unknown', { node: 'n', phase: 'Unknown' }),
    pod('running-not-ready', { node: 'n' }),
    pod('low-cost', { node: 'n', ready: T0, cost: '-10' }),
    pod('ready-recently', { node: 'n', ready: T0 + 9 * 3600_000 }),
    pod('more-restarts', { node: 'n', ready: T0, restarts: 5 }),
    pod('newer', { node: 'n', ready: T0, restarts: 0, created: T0 - 3600_000 }),
    pod('older', { node: 'n', ready: T0, restarts: 0, created: T0 - 100 * 3600_000 }),
  ];
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`sorts shuffle ${seed} into upstream order`, () => {
      const shuffled = [...expected];
      let s = seed;
      for (let i = shuffled.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      sortPodsForDeletion(shuffled, [], now);
      assert.deepEqual(
        shuffled.map((p) => p.metadata?.name),
        expected.map((p) => p.metadata?.name),
      );
    });
  }
  it('prefers pods doubled up on a node (higher rank)', () => {
    const a = pod('a', { node: 'n1', ready: T0 });
    const b = pod('b', { node: 'n2', ready: T0 });
    const pods = [a, b];
    sortPodsForDeletion(pods, [1, 3], now);
    assert.deepEqual(
      pods.map((p) => p.metadata?.name),
      ['b', 'a'],
    );
  });
});

describe('getPodFromTemplate', () => {
  it('copies labels, annotations and finalizers, sets generateName and the controller ref', () => {
    const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
    const ref = newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'ReplicaSet' });
    const p = getPodFromTemplate(
      {
        metadata: { labels: { app: 'web' }, annotations: { a: 'b' }, finalizers: ['f'] },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
      owner,
      ref,
    );
    assert.deepEqual(p.metadata, {
      labels: { app: 'web' },
      annotations: { a: 'b' },
      generateName: 'web-',
      finalizers: ['f'],
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: 'u1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    assert.deepEqual(p.spec, { containers: [{ name: 'c', image: 'nginx' }] });
  });
});

describe('RealPodControl', () => {
  it('creates a pod and records SuccessfulCreate; records FailedCreate on error', async () => {
    const c = new FakeCluster();
    const rec = new Recorder();
    const pc = new RealPodControl(c.clientset, rec);
    const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' } };
    const ref = newControllerRef(owner, { apiVersion: 'apps/v1', kind: 'ReplicaSet' });
    const tmpl = { metadata: { labels: { app: 'web' } }, spec: { containers: [] } };
    const created = await pc.createPods('ns', tmpl, owner, ref);
    assert.match(created.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.deepEqual(rec.events, [
      `Normal SuccessfulCreate Created pod: ${created.metadata?.name ?? ''}`,
    ]);
    c.prependReactor((a) => {
      if (a.verb === 'create') throw new Error('quota exceeded');
      return undefined;
    });
    await assert.rejects(pc.createPods('ns', tmpl, owner, ref), /quota exceeded/);
    assert.equal(rec.events[1], 'Warning FailedCreate Error creating: quota exceeded');
    await assert.rejects(
      pc.createPods('ns', { spec: { containers: [] } }, owner, ref),
      /unable to create pods, no labels/,
    );
  });
});

describe('ControllerRefManager.claim', () => {
  const owner = { metadata: { name: 'rs', namespace: 'ns', uid: 'owner-uid' } };
  const kind = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
  const mk = (name: string, labels: Record<string, string>, ownerUid?: string): Pod => ({
    metadata: {
      name,
      namespace: 'ns',
      labels,
      ...(ownerUid !== undefined
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: 'x',
                uid: ownerUid,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { containers: [] },
  });

  it('adopts matching orphans, keeps owned matches, releases owned non-matches, ignores others', async () => {
    const c = new FakeCluster();
    c.seed(BUILTIN_RESOURCES.replicaSets, owner);
    c.seed(
      BUILTIN_RESOURCES.pods,
      mk('orphan', { app: 'a' }),
      mk('mine', { app: 'a' }, 'owner-uid'),
      mk('stale', { app: 'b' }, 'owner-uid'),
      mk('theirs', { app: 'a' }, 'other'),
      mk('unrelated', { app: 'b' }),
    );
    const pods = c.objects<Pod>(BUILTIN_RESOURCES.pods, 'ns');
    const storedOwner = c.peek<KubeObject>(BUILTIN_RESOURCES.replicaSets, 'ns', 'rs')!;
    const m = new ControllerRefManager({
      controller: storedOwner,
      controllerKind: kind,
      selector: labelSelectorAsSelector({ matchLabels: { app: 'a' } }),
      canAdopt: recheckByUid(storedOwner, 'ReplicaSet', () =>
        c.clientset.replicaSets.get('ns', 'rs'),
      ),
    });
    const claimed = await m.claim(pods, 'Pod', (ns, name, p) =>
      c.clientset.pods.patch(ns, name, 'strategic', p),
    );
    assert.deepEqual(claimed.map((p) => p.metadata?.name).sort(), ['mine', 'orphan']);
    const orphan = c.peek<Pod>(BUILTIN_RESOURCES.pods, 'ns', 'orphan')!;
    assert.equal(getControllerOf(orphan)?.uid, storedOwner.metadata?.uid);
    assert.equal(getControllerOf(orphan)?.blockOwnerDeletion, true);
    const stale = c.peek<Pod>(BUILTIN_RESOURCES.pods, 'ns', 'stale')!;
    assert.equal(getControllerOf(stale), undefined);
    const theirs = c.peek<Pod>(BUILTIN_RESOURCES.pods, 'ns', 'theirs')!;
    assert.equal(getControllerOf(theirs)?.uid, 'other');
  });

  it('refuses to adopt when the owner was re-created with another uid', async () => {
    const c = new FakeCluster();
    c.seed(BUILTIN_RESOURCES.replicaSets, {
      metadata: { name: 'rs', namespace: 'ns', uid: 'new-uid' },
    });
    c.seed(BUILTIN_RESOURCES.pods, mk('orphan', { app: 'a' }));
    const m = new ControllerRefManager({
      controller: owner,
      controllerKind: kind,
      selector: labelSelectorAsSelector({ matchLabels: { app: 'a' } }),
      canAdopt: recheckByUid(owner, 'ReplicaSet', () => c.clientset.replicaSets.get('ns', 'rs')),
    });
    await assert.rejects(
      m.claim(c.objects<Pod>(BUILTIN_RESOURCES.pods), 'Pod', () => Promise.resolve()),
      /can't adopt Pod ns\/orphan \(.*\): can't recheck DeletionTimestamp: original ReplicaSet ns\/rs is gone: got uid new-uid, wanted owner-uid/,
    );
  });
});
