import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import {
  POD_INDEX_LABEL,
  STATEFUL_SET_POD_NAME_LABEL,
  STATEFUL_SET_REVISION_LABEL,
  getParentNameAndOrdinal,
  newStatefulSetController,
} from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const T0 = Date.parse('2024-01-01T00:00:00Z');

function sts(name: string, replicas: number, spec: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1 },
    spec: {
      replicas,
      serviceName: 'svc',
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
      },
      ...spec,
    },
  };
}

async function setup(sets: StatefulSet[]) {
  const now = { t: T0 + 3600_000 };
  const cluster = new FakeCluster({ now: () => new Date(now.t) });
  cluster.seed(BUILTIN_RESOURCES.statefulSets, ...sets);
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const queue = newRateLimitingQueue({ clock: newFakeClock(now.t) });
  const ssc = newStatefulSetController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    now: () => now.t,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  const sync = async (key = 'ns/web'): Promise<void> => {
    await ssc.sync(key);
    await settle();
  };
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  return { cluster, recorder, ssc, sync, stop, now };
}

const podsOf = (c: FakeCluster): Pod[] =>
  c
    .objects<Pod>(BUILTIN_RESOURCES.pods, 'ns')
    .sort((a, b) => getParentNameAndOrdinal(a).ordinal - getParentNameAndOrdinal(b).ordinal);
const names = (c: FakeCluster): string[] => podsOf(c).map((p) => p.metadata?.name ?? '');
const setOf = (c: FakeCluster, name = 'web'): StatefulSet =>
  c.peek<StatefulSet>(BUILTIN_RESOURCES.statefulSets, 'ns', name)!;

/** The kubelet's part: every pod (or those named) Running and Ready. */
async function runAndReady(c: FakeCluster, only?: string[]): Promise<void> {
  for (const p of c.objects<Pod>(BUILTIN_RESOURCES.pods, 'ns')) {
    if (only !== undefined && !only.includes(p.metadata?.name ?? '')) continue;
    if (p.status?.phase === 'Running') continue;
    await c.clientset.pods.updateStatus('ns', {
      ...p,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
      },
    });
  }
  await settle();
}

async function markPending(c: FakeCluster): Promise<void> {
  for (const p of c.objects<Pod>(BUILTIN_RESOURCES.pods, 'ns')) {
    if (p.status?.phase !== undefined) continue;
    await c.clientset.pods.updateStatus('ns', { ...p, status: { phase: 'Pending' } });
  }
  await settle();
}

describe('StatefulSet controller: OrderedReady', () => {
  it('creates pods one at a time, waiting for each to be Running and Ready', async () => {
    const { cluster, recorder, sync, stop } = await setup([sts('web', 3)]);
    await sync();
    assert.deepEqual(names(cluster), ['web-0']);
    const p0 = podsOf(cluster)[0]!;
    const labels: Record<string, string | undefined> = p0.metadata?.labels ?? {};
    assert.equal(labels[STATEFUL_SET_POD_NAME_LABEL], 'web-0');
    assert.equal(labels[POD_INDEX_LABEL], '0');
    assert.equal(labels['app'], 'web');
    assert.match(labels[STATEFUL_SET_REVISION_LABEL] ?? '', /^web-[a-z0-9]+$/);
    const spec = p0.spec ?? { containers: [] };
    assert.equal(spec.hostname, 'web-0');
    assert.equal(spec.subdomain, 'svc');
    assert.equal((p0.metadata?.ownerReferences ?? [])[0]?.kind, 'StatefulSet');
    assert.deepEqual(recorder.events, [
      'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful',
    ]);
    // Not ready yet: nothing more.
    await markPending(cluster);
    await sync();
    assert.deepEqual(names(cluster), ['web-0']);
    await runAndReady(cluster);
    await sync();
    assert.deepEqual(names(cluster), ['web-0', 'web-1']);
    await runAndReady(cluster);
    await sync();
    await runAndReady(cluster);
    await sync();
    assert.deepEqual(names(cluster), ['web-0', 'web-1', 'web-2']);
    const st = setOf(cluster).status;
    const revs = cluster.objects<ControllerRevision>(BUILTIN_RESOURCES.controllerRevisions, 'ns');
    assert.equal(revs.length, 1);
    const rev = revs[0]!.metadata?.name;
    assert.deepEqual(st, {
      observedGeneration: 1,
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      currentRevision: rev,
      updateRevision: rev,
      collisionCount: 0,
    });
    assert.equal(revs[0]!.revision, 1);
    await stop();
  });

  it('scales down from the highest ordinal, one at a time', async () => {
    const { cluster, recorder, sync, stop } = await setup([sts('web', 3)]);
    for (let i = 0; i < 3; i++) {
      await sync();
      await runAndReady(cluster);
    }
    assert.deepEqual(names(cluster), ['web-0', 'web-1', 'web-2']);
    const set = setOf(cluster);
    await cluster.clientset.statefulSets.update('ns', {
      ...set,
      spec: { ...set.spec!, replicas: 1 },
    });
    await settle();
    recorder.events.length = 0;
    await sync();
    assert.deepEqual(names(cluster), ['web-0', 'web-1']);
    assert.deepEqual(recorder.events, [
      'Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful',
    ]);
    await sync();
    assert.deepEqual(names(cluster), ['web-0']);
    await stop();
  });

  it('creates volumeClaimTemplates claims before the pod', async () => {
    const claim: PersistentVolumeClaim = {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    };
    const { cluster, recorder, sync, stop } = await setup([
      sts('web', 1, {
        volumeClaimTemplates: [claim],
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
      }),
    ]);
    await sync();
    const pvc = cluster.peek<PersistentVolumeClaim>(
      BUILTIN_RESOURCES.persistentVolumeClaims,
      'ns',
      'data-web-0',
    );
    assert.ok(pvc);
    assert.deepEqual(pvc.metadata?.labels, { app: 'web' });
    assert.equal(pvc.spec?.resources?.requests?.['storage'], '1Gi');
    const creates = cluster
      .writes()
      .filter((a) => a.verb === 'create')
      .map((a) => a.resource.resource);
    assert.deepEqual(creates.slice(-2), ['persistentvolumeclaims', 'pods']);
    const pod = podsOf(cluster)[0]!;
    assert.deepEqual(pod.spec?.volumes, [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
    ]);
    assert.deepEqual(recorder.events, [
      'Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success',
      'Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful',
    ]);
    // whenDeleted: Delete → the set owns the claim (once the claim is in the cache).
    await runAndReady(cluster);
    await sync();
    const owned = cluster.peek<PersistentVolumeClaim>(
      BUILTIN_RESOURCES.persistentVolumeClaims,
      'ns',
      'data-web-0',
    );
    assert.deepEqual(
      owned?.metadata?.ownerReferences?.map((r) => `${r.kind}/${r.name}`),
      ['StatefulSet/web'],
    );
    await stop();
  });
});

describe('StatefulSet controller: Parallel', () => {
  it('creates and deletes all pods at once', async () => {
    const { cluster, sync, stop } = await setup([
      sts('web', 3, { podManagementPolicy: 'Parallel' }),
    ]);
    await sync();
    assert.deepEqual(names(cluster), ['web-0', 'web-1', 'web-2']);
    await markPending(cluster);
    const set = setOf(cluster);
    await cluster.clientset.statefulSets.update('ns', {
      ...set,
      spec: { ...set.spec!, replicas: 0 },
    });
    await settle();
    await sync();
    assert.deepEqual(names(cluster), []);
    await stop();
  });
});

describe('StatefulSet controller: updates', () => {
  async function rolled(spec: Partial<StatefulSet['spec']>) {
    const env = await setup([sts('web', 3, spec)]);
    for (let i = 0; i < 3; i++) {
      await env.sync();
      await runAndReady(env.cluster);
    }
    await env.sync();
    const set = setOf(env.cluster);
    const template = structuredClone(set.spec!.template);
    template.spec!.containers[0]!.image = 'nginx:2';
    await env.cluster.clientset.statefulSets.update('ns', {
      ...set,
      spec: { ...set.spec!, template },
    });
    await settle();
    return env;
  }
  const image = (p: Pod): string => p.spec?.containers[0]?.image ?? '';

  it('RollingUpdate replaces the highest ordinal first, waiting for readiness', async () => {
    const { cluster, sync, stop } = await rolled({});
    await sync();
    assert.deepEqual(names(cluster), ['web-0', 'web-1']); // web-2 deleted
    const st = setOf(cluster).status!;
    assert.notEqual(st.currentRevision, st.updateRevision);
    await sync(); // recreates web-2 at the update revision
    assert.equal(image(podsOf(cluster)[2]!), 'nginx:2');
    await markPending(cluster);
    await sync(); // waits: web-2 is not ready
    assert.deepEqual(names(cluster), ['web-0', 'web-1', 'web-2']);
    for (let i = 0; i < 6; i++) {
      await runAndReady(cluster);
      await sync();
    }
    assert.deepEqual(podsOf(cluster).map(image), ['nginx:2', 'nginx:2', 'nginx:2']);
    const done = setOf(cluster).status!;
    assert.equal(done.currentRevision, done.updateRevision);
    assert.equal(done.updatedReplicas, 3);
    assert.equal(done.currentReplicas, 3);
    assert.equal(
      cluster.objects<ControllerRevision>(BUILTIN_RESOURCES.controllerRevisions, 'ns').length,
      2,
    );
    await stop();
  });

  it('RollingUpdate with a partition updates only ordinals at or above it', async () => {
    const { cluster, sync, stop } = await rolled({
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
    });
    for (let i = 0; i < 5; i++) {
      await sync();
      await runAndReady(cluster);
    }
    assert.deepEqual(podsOf(cluster).map(image), ['nginx:1', 'nginx:1', 'nginx:2']);
    const st = setOf(cluster).status!;
    assert.equal(st.updatedReplicas, 1);
    assert.equal(st.currentReplicas, 2);
    await stop();
  });

  it('OnDelete leaves pods alone until they are deleted', async () => {
    const { cluster, sync, stop } = await rolled({ updateStrategy: { type: 'OnDelete' } });
    await sync();
    assert.deepEqual(podsOf(cluster).map(image), ['nginx:1', 'nginx:1', 'nginx:1']);
    await cluster.clientset.pods.delete('ns', 'web-1');
    await settle();
    await sync();
    assert.deepEqual(podsOf(cluster).map(image), ['nginx:1', 'nginx:2', 'nginx:1']);
    await stop();
  });

  it('rolls back by renumbering the equal older revision and truncates history', async () => {
    const { cluster, sync, stop } = await rolled({ revisionHistoryLimit: 0 });
    await sync();
    const set = setOf(cluster);
    const template = structuredClone(set.spec!.template);
    template.spec!.containers[0]!.image = 'nginx:1';
    await cluster.clientset.statefulSets.update('ns', { ...set, spec: { ...set.spec!, template } });
    await settle();
    await sync();
    const revs = cluster.objects<ControllerRevision>(BUILTIN_RESOURCES.controllerRevisions, 'ns');
    const st = setOf(cluster).status!;
    const byName = new Map(revs.map((r) => [r.metadata?.name, r.revision]));
    assert.equal(byName.get(st.updateRevision), 3);
    await stop();
  });
});

describe('StatefulSet controller: recreation', () => {
  it('deletes failed pods and recreates them on a later sync', async () => {
    const { cluster, sync, stop } = await setup([sts('web', 1)]);
    await sync();
    const p = podsOf(cluster)[0]!;
    await cluster.clientset.pods.updateStatus('ns', { ...p, status: { phase: 'Failed' } });
    await settle();
    await sync();
    assert.deepEqual(names(cluster), []);
    await sync();
    assert.deepEqual(names(cluster), ['web-0']);
    await stop();
  });

  it('ignores a deleted StatefulSet', async () => {
    const { cluster, sync, stop } = await setup([]);
    await sync('ns/gone');
    assert.deepEqual(cluster.writes(), []);
    await stop();
  });
});
