import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { SimulatedNodePool } from './index.ts';
import type { SimulatedNodePoolOptions, SimulatedNodeSpec } from './index.ts';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const { nodes: NODES, pods: PODS, leases: LEASES } = BUILTIN_RESOURCES;

interface Harness {
  cluster: FakeCluster;
  pool: SimulatedNodePool;
  advance(ms: number): void;
  /** Lets the informer deliver events, then runs the pool's due work; repeats until quiet. */
  settle(): Promise<void>;
  pod(name: string): Pod | undefined;
  node(name: string): Node | undefined;
  lease(name: string): Lease | undefined;
}

const stops: AbortController[] = [];
afterEach(() => {
  for (const c of stops.splice(0)) c.abort();
});

async function harness(
  nodes: SimulatedNodeSpec[],
  opts: Partial<SimulatedNodePoolOptions> = {},
  seed: (c: FakeCluster) => void = () => undefined,
): Promise<Harness> {
  let t = T0;
  const now = (): Date => new Date(t);
  const cluster = new FakeCluster({ now });
  seed(cluster);
  const informers = new InformerFactory(cluster.clientset);
  const pool = new SimulatedNodePool({
    clientset: cluster.clientset,
    informers,
    nodes,
    now,
    heartbeatMs: 10_000,
    statusMs: 60_000,
    ...opts,
  });
  const stop = new AbortController();
  stops.push(stop);
  informers.start(stop.signal);
  await informers.waitForCacheSync();
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setImmediate(r));
      await pool.tick();
    }
  };
  await settle();
  return {
    cluster,
    pool,
    advance: (ms) => {
      t += ms;
    },
    settle,
    pod: (name) => cluster.peek<Pod>(PODS, 'default', name),
    node: (name) => cluster.peek<Node>(NODES, '', name),
    lease: (name) => cluster.peek<Lease>(LEASES, 'kube-node-lease', name),
  };
}

function newPod(name: string, nodeName: string | undefined, extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    ...extra,
    metadata: { name, namespace: 'default', ...extra.metadata },
    spec: {
      containers: [{ name: 'app', image: 'nginx' }],
      ...(nodeName === undefined ? {} : { nodeName }),
      ...extra.spec,
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

const podWrites = (c: FakeCluster, name: string): number =>
  c.writes().filter((a) => a.resource.resource === 'pods' && a.name === name && a.verb === 'patch')
    .length;

describe('SimulatedNodePool: nodes', () => {
  it('registers each Node with kubelet labels, capacity, conditions and a pod CIDR', async () => {
    const h = await harness([
      { name: 'n1', labels: { zone: 'a' } },
      {
        name: 'n2',
        capacity: { cpu: '4', memory: '8Gi' },
        taints: [{ key: 'k', effect: 'NoSchedule' }],
      },
    ]);
    const n1 = h.node('n1');
    assert.deepEqual(n1?.metadata?.labels, {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': 'n1',
      'kubernetes.io/os': 'linux',
      'node.skiff.dev/simulated': 'true',
      zone: 'a',
    });
    assert.equal(n1.spec?.podCIDR, '10.244.0.0/24');
    assert.deepEqual(n1.status?.capacity, {
      cpu: '32',
      memory: '256Gi',
      pods: '110',
      'ephemeral-storage': '1Ti',
      'hugepages-1Gi': '0',
      'hugepages-2Mi': '0',
    });
    const ready = n1.status.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready.reason, 'KubeletReady');
    assert.equal(ready.message, 'kubelet is posting ready status');
    assert.deepEqual(n1.status.addresses?.[0], { type: 'InternalIP', address: '10.0.0.1' });
    const n2 = h.node('n2');
    assert.equal(n2?.spec?.podCIDR, '10.244.1.0/24');
    assert.deepEqual(n2.spec.taints, [{ key: 'k', effect: 'NoSchedule' }]);
    assert.equal(n2.status?.allocatable?.cpu, '4');
    assert.equal(n2.status.allocatable.memory, '8Gi');
    assert.equal(h.pool.stats().registrations, 2);
  });

  it('creates the node Lease owned by the Node and renews it every heartbeat', async () => {
    const h = await harness([{ name: 'n1' }]);
    const lease = h.lease('n1');
    assert.equal(lease?.spec?.holderIdentity, 'n1');
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.equal(lease.spec.renewTime, '2025-03-01T10:00:00.000000Z');
    assert.deepEqual(lease.metadata?.ownerReferences, [
      { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: h.node('n1')?.metadata?.uid },
    ]);
    h.advance(10_000);
    await h.settle();
    assert.equal(h.lease('n1')?.spec?.renewTime, '2025-03-01T10:00:10.000000Z');
    h.advance(10_000);
    await h.settle();
    assert.equal(h.lease('n1')?.spec?.renewTime, '2025-03-01T10:00:20.000000Z');
  });

  it('spreads heartbeats of many nodes over the period', async () => {
    const h = await harness([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]);
    const renewed = (): number => h.pool.stats().leaseRenewals;
    const base = renewed();
    const perStep: number[] = [];
    for (let i = 0; i < 8; i++) {
      h.advance(2500);
      const before = renewed();
      await h.settle();
      perStep.push(renewed() - before);
    }
    assert.equal(base, 4);
    assert.deepEqual(perStep, [1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('retries a failed heartbeat and re-reads the lease after a conflict', async () => {
    const h = await harness([{ name: 'n1' }]);
    // Someone else updates the lease: our cached copy is stale.
    const other = h.lease('n1');
    assert.ok(other);
    await h.cluster.clientset.leases.update('kube-node-lease', {
      ...other,
      metadata: { ...other.metadata, labels: { x: 'y' } },
    });
    let fail = 1;
    h.cluster.prependReactor((a) => {
      if (a.resource.resource === 'leases' && a.verb === 'update' && fail-- > 0) {
        throw new Error('connection reset');
      }
      return undefined;
    });
    h.advance(10_000);
    await h.settle();
    assert.equal(h.lease('n1')?.spec?.renewTime, '2025-03-01T10:00:00.000000Z');
    assert.equal(h.pool.stats().errors, 1);
    h.advance(200);
    await h.settle();
    const lease = h.lease('n1');
    assert.equal(lease?.spec?.renewTime, '2025-03-01T10:00:10.200000Z');
    assert.deepEqual(lease.metadata?.labels, { x: 'y' });
  });

  it('takes over an existing Node: keeps its podCIDR and labels, sets status', async () => {
    const h = await harness([{ name: 'n1' }], {}, (c) => {
      const existing: Node = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n1', labels: { keep: 'me' } },
        spec: { podCIDR: '10.99.7.0/24', podCIDRs: ['10.99.7.0/24'] },
        status: {
          conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }],
        },
      };
      c.seed(NODES, existing);
    });
    const n = h.node('n1');
    assert.equal(n?.metadata?.labels?.keep, 'me');
    assert.equal(n.metadata.labels['kubernetes.io/hostname'], 'n1');
    assert.equal(n.spec?.podCIDR, '10.99.7.0/24');
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    await h.cluster.clientset.pods.create('default', newPod('p', 'n1'));
    await h.settle();
    assert.equal(h.pod('p')?.status?.podIP, '10.99.7.2');
  });

  it('refreshes node status every statusMs; Ready flips back with a new transition time', async () => {
    const h = await harness([{ name: 'n1' }]);
    // The node lifecycle controller marks it Unknown.
    const n = h.node('n1');
    assert.ok(n);
    await h.cluster.clientset.nodes.updateStatus('', {
      ...n,
      status: {
        ...n.status,
        conditions: n.status?.conditions?.map((c) =>
          c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c,
        ),
      },
    });
    h.advance(59_000);
    await h.settle();
    assert.equal(
      h.node('n1')?.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      'Unknown',
    );
    h.advance(1000);
    await h.settle();
    const conds = h.node('n1')?.status?.conditions ?? [];
    const ready = conds.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready.reason, 'KubeletReady');
    assert.equal(ready.lastTransitionTime, '2025-03-01T10:01:00Z');
    const mem = conds.find((c) => c.type === 'MemoryPressure');
    assert.equal(mem?.lastHeartbeatTime, '2025-03-01T10:01:00Z');
    assert.equal(mem.lastTransitionTime, '2025-03-01T10:00:00Z');
    assert.equal(h.pool.stats().nodeStatusUpdates, 1);
  });

  it('stop() silences a node; start() heartbeats again at once and resumes its pods', async () => {
    const h = await harness([{ name: 'n1' }, { name: 'n2' }]);
    h.pool.stop('n1');
    assert.equal(h.pool.isRunning('n1'), false);
    await h.cluster.clientset.pods.create('default', newPod('p1', 'n1'));
    await h.cluster.clientset.pods.create('default', newPod('p2', 'n2'));
    h.advance(30_000);
    await h.settle();
    assert.equal(h.lease('n1')?.spec?.renewTime, '2025-03-01T10:00:00.000000Z');
    assert.equal(h.lease('n2')?.spec?.renewTime, '2025-03-01T10:00:30.000000Z');
    assert.equal(h.pod('p1')?.status?.phase, 'Pending');
    assert.equal(h.pod('p2')?.status?.phase, 'Running');
    h.pool.start('n1');
    await h.settle();
    assert.equal(h.lease('n1')?.spec?.renewTime, '2025-03-01T10:00:30.000000Z');
    assert.equal(h.pod('p1')?.status?.phase, 'Running');
    assert.throws(() => {
      h.pool.stop('nope');
    }, /unknown simulated node "nope"/);
  });

  it('registers a Node again when it was deleted', async () => {
    const h = await harness([{ name: 'n1' }]);
    await h.cluster.clientset.nodes.delete('', 'n1');
    h.advance(60_000);
    await h.settle();
    h.advance(0);
    await h.settle();
    assert.ok(h.node('n1'));
    assert.equal(h.pool.stats().registrations, 2);
  });
});

describe('SimulatedNodePool: pods', () => {
  it('runs pods bound to its nodes with status like a kubelet, only when something changed', async () => {
    const h = await harness([{ name: 'n1' }]);
    await h.cluster.clientset.pods.create('default', newPod('p', 'n1'));
    await h.cluster.clientset.pods.create('default', newPod('other', 'elsewhere'));
    await h.cluster.clientset.pods.create('default', newPod('unscheduled', undefined));
    await h.settle();
    const p = h.pod('p');
    const s = p?.status;
    assert.equal(s?.phase, 'Running');
    assert.equal(s.qosClass, 'BestEffort');
    assert.equal(s.hostIP, '10.0.0.1');
    assert.deepEqual(s.hostIPs, [{ ip: '10.0.0.1' }]);
    assert.equal(s.podIP, '10.244.0.2');
    assert.equal(s.startTime, '2025-03-01T10:00:00Z');
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime]),
      [
        ['PodReadyToStartContainers', 'True', '2025-03-01T10:00:00Z'],
        ['Initialized', 'True', '2025-03-01T10:00:00Z'],
        ['Ready', 'True', '2025-03-01T10:00:00Z'],
        ['ContainersReady', 'True', '2025-03-01T10:00:00Z'],
        ['PodScheduled', 'True', '2025-03-01T10:00:00Z'],
      ],
    );
    assert.equal(s.containerStatuses?.[0]?.ready, true);
    assert.equal(h.pod('other')?.status?.phase, 'Pending');
    assert.equal(h.pod('unscheduled')?.status?.phase, 'Pending');
    assert.equal(podWrites(h.cluster, 'p'), 1);
    assert.equal(podWrites(h.cluster, 'other'), 0);
    // Later events (a label change) cause no write: the status is already right.
    assert.ok(p);
    await h.cluster.clientset.pods.update('default', {
      ...p,
      metadata: { ...p.metadata, labels: { a: 'b' } },
    });
    h.advance(5000);
    await h.settle();
    assert.equal(podWrites(h.cluster, 'p'), 1);
  });

  it('hands out pod IPs from the node CIDR, reuses freed ones, hostNetwork uses the node IP', async () => {
    const h = await harness([{ name: 'n1' }, { name: 'n2' }]);
    const pods = h.cluster.clientset.pods;
    await pods.create('default', newPod('a', 'n1'));
    await pods.create('default', newPod('b', 'n1'));
    await pods.create('default', newPod('c', 'n2'));
    await pods.create(
      'default',
      newPod('h', 'n2', { spec: { containers: [], hostNetwork: true } }),
    );
    await h.settle();
    assert.equal(h.pod('a')?.status?.podIP, '10.244.0.2');
    assert.equal(h.pod('b')?.status?.podIP, '10.244.0.3');
    assert.equal(h.pod('c')?.status?.podIP, '10.244.1.2');
    assert.equal(h.pod('h')?.status?.podIP, '10.0.0.2');
    await pods.delete('default', 'a');
    await pods.create('default', newPod('d', 'n1'));
    await h.settle();
    assert.equal(h.pod('d')?.status?.podIP, '10.244.0.2');
  });

  it('finishes Job pods after jobRunMs and annotated pods after their duration', async () => {
    const h = await harness([{ name: 'n1' }], { jobRunMs: 3000 });
    const pods = h.cluster.clientset.pods;
    const job = { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j1', controller: true };
    await pods.create(
      'default',
      newPod('job-pod', 'n1', {
        metadata: { name: 'job-pod', ownerReferences: [job] },
        spec: { containers: [{ name: 'app', image: 'busybox' }], restartPolicy: 'Never' },
      }),
    );
    await pods.create(
      'default',
      newPod('timed', 'n1', {
        metadata: { name: 'timed', annotations: { 'skiff.dev/simulated-exit-after': '5s' } },
        spec: { containers: [{ name: 'app', image: 'busybox' }], restartPolicy: 'OnFailure' },
      }),
    );
    await pods.create(
      'default',
      newPod('always', 'n1', {
        metadata: { name: 'always', annotations: { 'skiff.dev/simulated-exit-after': '1s' } },
      }),
    );
    await h.settle();
    assert.equal(h.pod('job-pod')?.status?.phase, 'Running');
    h.advance(2999);
    await h.settle();
    assert.equal(h.pod('job-pod')?.status?.phase, 'Running');
    h.advance(1);
    await h.settle();
    const done = h.pod('job-pod')?.status;
    assert.equal(done?.phase, 'Succeeded');
    assert.deepEqual(done.containerStatuses?.[0]?.state?.terminated, {
      exitCode: 0,
      reason: 'Completed',
      startedAt: '2025-03-01T10:00:00Z',
      finishedAt: '2025-03-01T10:00:03Z',
      containerID: done.containerStatuses?.[0]?.containerID,
    });
    const ready = done.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.status, ready?.reason], ['False', 'PodCompleted']);
    assert.equal(done.podIP, '10.244.0.2');
    assert.equal(h.pod('timed')?.status?.phase, 'Running');
    h.advance(2000);
    await h.settle();
    assert.equal(h.pod('timed')?.status?.phase, 'Succeeded');
    assert.equal(h.pod('always')?.status?.phase, 'Running');
    // The finished pods' addresses are free again.
    await pods.create('default', newPod('next', 'n1'));
    await h.settle();
    assert.equal(h.pod('next')?.status?.podIP, '10.244.0.2');
  });

  it('writes Pending (ContainerCreating) first when podStartMs > 0', async () => {
    const h = await harness([{ name: 'n1' }], { podStartMs: 2000 });
    await h.cluster.clientset.pods.create('default', newPod('p', 'n1'));
    await h.settle();
    const pending = h.pod('p')?.status;
    assert.equal(pending?.phase, 'Pending');
    assert.deepEqual(pending.containerStatuses?.[0]?.state, {
      waiting: { reason: 'ContainerCreating' },
    });
    assert.equal(pending.hostIP, '10.0.0.1');
    assert.equal(pending.podIP, undefined);
    h.advance(2000);
    await h.settle();
    const running = h.pod('p')?.status;
    assert.equal(running?.phase, 'Running');
    assert.equal(running.startTime, '2025-03-01T10:00:00Z');
    assert.equal(running.containerStatuses?.[0]?.state?.running?.startedAt, '2025-03-01T10:00:02Z');
    assert.equal(podWrites(h.cluster, 'p'), 2);
  });

  it('deletes terminating pods for real: grace period 0 with a uid precondition', async () => {
    const h = await harness([{ name: 'n1' }], {}, (c) => {
      c.seed(
        PODS,
        newPod('gone', 'n1', {
          metadata: {
            name: 'gone',
            uid: 'uid-gone',
            deletionTimestamp: '2025-03-01T09:59:00Z',
            deletionGracePeriodSeconds: 30,
          },
        }),
        newPod('held', 'n1', {
          metadata: {
            name: 'held',
            uid: 'uid-held',
            finalizers: ['example.com/hold'],
            deletionTimestamp: '2025-03-01T09:59:00Z',
            deletionGracePeriodSeconds: 30,
          },
        }),
      );
    });
    await h.settle();
    const deletes = h.cluster
      .writes()
      .filter((a) => a.verb === 'delete' && a.resource.resource === 'pods');
    assert.deepEqual(deletes.map((a) => [a.name, a.object]).sort(), [
      ['gone', { gracePeriodSeconds: 0, preconditions: { uid: 'uid-gone' } }],
      ['held', { gracePeriodSeconds: 0, preconditions: { uid: 'uid-held' } }],
    ]);
    assert.equal(h.pod('gone'), undefined);
    // Held by a finalizer: it stays, with the terminal status kubelet writes, deleted once.
    const held = h.pod('held');
    assert.equal(held?.status?.phase, 'Failed');
    assert.equal(held.status.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
    h.advance(10_000);
    await h.settle();
    assert.equal(h.pool.stats().podDeletions, 2);
  });

  it('adopts running pods and their IPs when it takes a node over', async () => {
    const h = await harness([{ name: 'n1' }], {}, (c) => {
      const old: Pod = {
        ...newPod('old', 'n1'),
        status: {
          phase: 'Running',
          podIP: '10.244.0.2',
          podIPs: [{ ip: '10.244.0.2' }],
          startTime: '2025-03-01T09:00:00Z',
        },
      };
      c.seed(PODS, old);
    });
    await h.cluster.clientset.pods.create('default', newPod('new', 'n1'));
    await h.settle();
    assert.equal(h.pod('old')?.status?.podIP, '10.244.0.2');
    assert.equal(h.pod('old')?.status?.startTime, '2025-03-01T09:00:00Z');
    assert.equal(h.pod('new')?.status?.podIP, '10.244.0.3');
  });

  it('retries a failed status write', async () => {
    const h = await harness([{ name: 'n1' }]);
    let fail = 1;
    h.cluster.prependReactor((a) => {
      if (a.resource.resource === 'pods' && a.verb === 'patch' && fail-- > 0) {
        throw new Error('etcd timeout');
      }
      return undefined;
    });
    await h.cluster.clientset.pods.create('default', newPod('p', 'n1'));
    await h.settle();
    assert.equal(h.pod('p')?.status?.phase, 'Pending');
    h.advance(1000);
    await h.settle();
    assert.equal(h.pod('p')?.status?.phase, 'Running');
  });
});
