import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import {
  computeZoneState,
  desiredTaints,
  getMinTolerationTime,
  newNodeLifecycleController,
  TokenBucket,
  zoneKey,
} from './index.ts';
import type { NodeLifecycleControllerOptions } from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const T0 = Date.parse('2024-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function node(name: string, ready = 'True'): Node {
  return {
    metadata: { name, creationTimestamp: iso(T0 - 3600_000) },
    spec: {},
    status: {
      conditions: [
        { type: 'Ready', status: ready, lastHeartbeatTime: iso(T0), reason: 'KubeletReady' },
        { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: iso(T0) },
      ],
    },
  };
}

function lease(name: string, renew: number): Lease {
  return {
    metadata: { name, namespace: 'kube-node-lease' },
    spec: {
      holderIdentity: name,
      leaseDurationSeconds: 40,
      renewTime: new Date(renew).toISOString(),
    },
  };
}

function pod(name: string, nodeName: string, tolerations?: Toleration[]): Pod {
  return {
    metadata: { name, namespace: 'ns' },
    spec: { nodeName, containers: [], ...(tolerations !== undefined ? { tolerations } : {}) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('getMinTolerationTime (upstream TestGetMinTolerationTime)', () => {
  const cases: { name: string; tolerations: Toleration[]; want: number }[] = [
    { name: 'no tolerations', tolerations: [], want: 0 },
    { name: 'forever', tolerations: [{ key: 'a', operator: 'Exists' }], want: -1 },
    { name: 'one limited', tolerations: [{ tolerationSeconds: 300 }], want: 300_000 },
    {
      name: 'the shortest wins',
      tolerations: [{ tolerationSeconds: 300 }, { tolerationSeconds: 30 }, {}],
      want: 30_000,
    },
    { name: 'negative is zero', tolerations: [{ tolerationSeconds: -5 }], want: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(getMinTolerationTime(c.tolerations), c.want);
    });
  }
});

describe('desiredTaints', () => {
  it('maps conditions and unschedulable to taints', () => {
    const n: Node = {
      metadata: { name: 'n' },
      spec: { unschedulable: true },
      status: {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'MemoryPressure', status: 'True' },
          { type: 'DiskPressure', status: 'True' },
          { type: 'PIDPressure', status: 'True' },
          { type: 'NetworkUnavailable', status: 'True' },
        ],
      },
    };
    assert.deepEqual(
      desiredTaints(n, 'T').map(
        (t) => `${t.key}:${t.effect}${t.timeAdded !== undefined ? '@' : ''}`,
      ),
      [
        'node.kubernetes.io/not-ready:NoExecute@',
        'node.kubernetes.io/not-ready:NoSchedule',
        'node.kubernetes.io/memory-pressure:NoSchedule',
        'node.kubernetes.io/disk-pressure:NoSchedule',
        'node.kubernetes.io/network-unavailable:NoSchedule',
        'node.kubernetes.io/pid-pressure:NoSchedule',
        'node.kubernetes.io/unschedulable:NoSchedule',
      ],
    );
  });
});

/**
 * `objs.nodes` plus, unless `alone`, a Ready node `healthy` that no test syncs: a zone whose only
 * node is down is fully disrupted, where the controller adds no NoExecute taints (see zones).
 */
async function setup(objs: {
  nodes: Node[];
  leases?: Lease[];
  pods?: Pod[];
  alone?: boolean;
  disruption?: NodeLifecycleControllerOptions['disruption'];
}) {
  const clock = newFakeClock(T0);
  const cluster = new FakeCluster({ now: () => new Date(clock.now()) });
  cluster.seed(
    BUILTIN_RESOURCES.nodes,
    ...objs.nodes,
    ...(objs.alone === true ? [] : [node('healthy')]),
  );
  cluster.seed(BUILTIN_RESOURCES.leases, ...(objs.leases ?? []));
  cluster.seed(BUILTIN_RESOURCES.pods, ...(objs.pods ?? []));
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const queue = newRateLimitingQueue({ clock });
  const nlc = newNodeLifecycleController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    clock,
    ...(objs.disruption !== undefined ? { disruption: objs.disruption } : {}),
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  const sync = async (name = 'n1'): Promise<void> => {
    await nlc.sync(name);
    await settle();
  };
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  const nodeOf = (name = 'n1'): Node => cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', name)!;
  const podNames = (): string[] =>
    cluster
      .objects<Pod>(BUILTIN_RESOURCES.pods, 'ns')
      .map((p) => p.metadata?.name ?? '')
      .sort();
  return { cluster, recorder, nlc, clock, sync, stop, nodeOf, podNames };
}

const taintsOf = (n: Node): string[] => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`);

describe('node lifecycle: health', () => {
  it('marks a node whose lease stops being renewed Unknown after the 50 s grace period', async () => {
    const tolerant = pod('tolerant', 'n1', [{ operator: 'Exists' }]);
    const { cluster, recorder, clock, sync, stop, nodeOf } = await setup({
      nodes: [node('n1')],
      leases: [lease('n1', T0)],
      pods: [tolerant],
    });
    await sync();
    assert.deepEqual(taintsOf(nodeOf()), []);
    // A renewal 30 s in restarts the grace period.
    await clock.advance(30_000);
    await cluster.clientset.leases.update('kube-node-lease', lease('n1', T0 + 30_000));
    await settle();
    await sync(); // the lease handler enqueues the node
    await clock.advance(30_000);
    await sync();
    assert.equal(nodeOf().status?.conditions?.[0]?.status, 'True');
    await clock.advance(15_000); // 45 s after the renewal: 1.31's 40 s default would have fired
    await sync();
    assert.equal(nodeOf().status?.conditions?.[0]?.status, 'True');
    await clock.advance(6_000); // 51 s after the renewal
    await sync();
    const conds = nodeOf().status?.conditions ?? [];
    const ready = conds.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.equal(ready.lastHeartbeatTime, iso(T0));
    assert.equal(ready.lastTransitionTime, iso(clock.now()));
    assert.equal(conds.find((c) => c.type === 'MemoryPressure')?.reason, 'NodeStatusUnknown');
    const disk = conds.find((c) => c.type === 'DiskPressure')!;
    assert.equal(disk.reason, 'NodeStatusNeverUpdated');
    assert.equal(disk.message, 'Kubelet never posted node status.');
    assert.deepEqual(taintsOf(nodeOf()), [
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    assert.ok(nodeOf().spec?.taints?.[0]?.timeAdded !== undefined);
    assert.ok(recorder.events.includes('Normal NodeNotReady Node n1 status is now: NodeNotReady'));
    assert.ok(recorder.events.includes('Warning NodeNotReady Node is not ready'));
    const p = cluster.peek<Pod>(BUILTIN_RESOURCES.pods, 'ns', 'tolerant');
    assert.equal(p?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    // The kubelet comes back: Ready again, taints removed.
    const n = nodeOf();
    await cluster.clientset.nodes.updateStatus('', {
      ...n,
      status: {
        conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: iso(clock.now()) }],
      },
    });
    await settle();
    await sync();
    assert.deepEqual(taintsOf(nodeOf()), []);
    await stop();
  });

  it('taints a node the kubelet reports NotReady with not-ready', async () => {
    const { sync, stop, nodeOf } = await setup({ nodes: [node('n1', 'False')] });
    await sync();
    assert.deepEqual(taintsOf(nodeOf()), [
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/not-ready:NoSchedule',
    ]);
    await stop();
  });

  it('gives a node that never posted status the 60 s startup grace period', async () => {
    const bare: Node = { metadata: { name: 'n1', creationTimestamp: iso(T0) }, spec: {} };
    const { clock, sync, stop, nodeOf } = await setup({ nodes: [bare] });
    await sync();
    await clock.advance(45_000);
    await sync();
    assert.equal(nodeOf().status?.conditions, undefined);
    await clock.advance(20_000);
    await sync();
    const ready = (nodeOf().status?.conditions ?? []).find((c) => c.type === 'Ready')!;
    assert.equal(ready.reason, 'NodeStatusNeverUpdated');
    assert.equal(ready.message, 'Kubelet never posted node status.');
    await stop();
  });
});

describe('node lifecycle: taint eviction', () => {
  it('deletes intolerant pods at once, tolerating ones after tolerationSeconds', async () => {
    const { cluster, recorder, nlc, clock, sync, stop, podNames } = await setup({
      nodes: [node('n1', 'False')],
      pods: [
        pod('intolerant', 'n1'),
        pod('five-minutes', 'n1', [
          { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ]),
        pod('forever', 'n1', [{ operator: 'Exists' }]),
        pod('elsewhere', 'n2'),
      ],
    });
    await sync();
    await clock.advance(0);
    assert.deepEqual(podNames(), ['elsewhere', 'five-minutes', 'forever']);
    // The DisruptionTarget condition is written before the delete.
    const writes = cluster
      .writes()
      .filter((a) => a.resource.resource === 'pods' && a.name === 'intolerant');
    assert.deepEqual(
      writes.map((a) => `${a.verb}${a.subresource !== '' ? `/${a.subresource}` : ''}`),
      ['update/status', 'delete'],
    );
    const sent = writes[0]?.object as Pod;
    assert.deepEqual(
      sent.status?.conditions?.find((c) => c.type === 'DisruptionTarget'),
      {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
        lastTransitionTime: iso(T0),
      },
    );
    assert.ok(
      recorder.events.includes(
        'Normal TaintManagerEviction Marking for deletion Pod ns/intolerant',
      ),
    );
    assert.deepEqual([...nlc.scheduledEvictions()], [['ns/five-minutes', T0 + 300_000]]);
    await clock.advance(299_000);
    // The kubelet is silent: the node turns unreachable; the deadline does not move back.
    await sync();
    assert.deepEqual(podNames(), ['elsewhere', 'five-minutes', 'forever']);
    await clock.advance(1_000);
    assert.deepEqual(podNames(), ['elsewhere', 'forever']);
    await stop();
  });

  it('cancels a scheduled eviction when the taint goes away', async () => {
    const { cluster, recorder, nlc, clock, sync, stop, podNames, nodeOf } = await setup({
      nodes: [node('n1', 'False')],
      pods: [pod('p', 'n1', [{ operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }])],
    });
    await sync();
    assert.equal(nlc.scheduledEvictions().size, 1);
    const n = nodeOf();
    await cluster.clientset.nodes.updateStatus('', {
      ...n,
      status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: iso(T0 + 1) }] },
    });
    await settle();
    await sync();
    assert.equal(nlc.scheduledEvictions().size, 0);
    assert.ok(
      recorder.events.includes('Normal TaintManagerEviction Cancelling deletion of Pod ns/p'),
    );
    await clock.advance(120_000);
    assert.deepEqual(podNames(), ['p']);
    await stop();
  });
});

describe('zones (upstream ComputeZoneState, GetZoneKey, the tainter token bucket)', () => {
  it('computes zone states as upstream', () => {
    const cases: { ready: boolean[]; want: string }[] = [
      { ready: [], want: 'Normal' },
      { ready: [true, true], want: 'Normal' },
      { ready: [false], want: 'FullDisruption' },
      { ready: [false, false, false], want: 'FullDisruption' },
      { ready: [true, false, false], want: 'Normal' }, // not more than two down
      { ready: [true, true, false, false, false], want: 'PartialDisruption' }, // 60% >= 55%
      { ready: [true, true, true, false, false, false], want: 'Normal' }, // 50% < 55%
    ];
    for (const c of cases) assert.equal(computeZoneState(c.ready, 0.55), c.want, String(c.ready));
  });

  it('keys zones by region and zone, beta labels first', () => {
    const withLabels = (labels: Record<string, string>): Node => ({ metadata: { labels } });
    assert.equal(zoneKey(withLabels({})), '');
    assert.equal(zoneKey(withLabels({ 'topology.kubernetes.io/zone': 'a' })), ':\0:a');
    assert.equal(
      zoneKey(
        withLabels({
          'topology.kubernetes.io/region': 'r',
          'topology.kubernetes.io/zone': 'a',
          'failure-domain.beta.kubernetes.io/zone': 'b',
        }),
      ),
      'r:\0:b',
    );
  });

  it('token bucket: burst 1, then one token per 1/qps seconds; rate 0 never', () => {
    const b = new TokenBucket(0.1, T0);
    assert.equal(b.tryAccept(T0), true);
    assert.equal(b.tryAccept(T0), false);
    assert.equal(b.nextTokenInMs(T0 + 4_000), 6_000);
    assert.equal(b.tryAccept(T0 + 9_999), false);
    assert.equal(b.tryAccept(T0 + 10_000), true);
    const zero = new TokenBucket(0, T0);
    assert.equal(zero.tryAccept(T0 + 1e9), false);
    assert.equal(zero.nextTokenInMs(T0), Infinity);
  });
});

describe('node lifecycle: disruption handling', () => {
  const evictionTaints = (n: Node): string[] =>
    (n.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute').map((t) => t.key);

  it('taints nodes of a healthy zone one per 10 s (node-eviction-rate 0.1)', async () => {
    const nodes = [
      node('a', 'False'),
      node('b', 'False'),
      ...['c', 'd', 'e', 'f'].map((n) => node(n)),
    ];
    const { clock, sync, stop, nodeOf } = await setup({ nodes, alone: true });
    await sync('a');
    await sync('b');
    assert.deepEqual(evictionTaints(nodeOf('a')), ['node.kubernetes.io/not-ready']);
    assert.deepEqual(evictionTaints(nodeOf('b')), []);
    // NoSchedule taints are not rate-limited.
    assert.deepEqual(taintsOf(nodeOf('b')), ['node.kubernetes.io/not-ready:NoSchedule']);
    await clock.advance(9_000);
    await sync('b');
    assert.deepEqual(evictionTaints(nodeOf('b')), []);
    await clock.advance(1_000);
    await sync('b');
    assert.deepEqual(evictionTaints(nodeOf('b')), ['node.kubernetes.io/not-ready']);
    await stop();
  });

  it('stops tainting a small zone in partial disruption, and every zone when all are down', async () => {
    // 3 of 5 not ready (60% >= 55%, more than two): PartialDisruption, 5 <= 50 nodes: rate 0.
    const nodes = [
      node('a', 'False'),
      node('b', 'False'),
      node('c', 'False'),
      node('d'),
      node('e'),
    ];
    const partial = await setup({ nodes, alone: true });
    for (const n of ['a', 'b', 'c']) await partial.sync(n);
    for (const n of ['a', 'b', 'c']) assert.deepEqual(evictionTaints(partial.nodeOf(n)), []);
    assert.deepEqual([...partial.nlc.zoneStates().values()], ['PartialDisruption']);
    await partial.stop();

    // Every node down: full disruption everywhere, no NoExecute taints (and present ones go).
    const down = await setup({ nodes: [node('a', 'False'), node('b', 'False')], alone: true });
    await down.cluster.clientset.nodes.update('', {
      ...down.nodeOf('a'),
      spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] },
    });
    await settle();
    await down.sync('a');
    await down.sync('b');
    assert.deepEqual(evictionTaints(down.nodeOf('a')), []);
    assert.deepEqual(evictionTaints(down.nodeOf('b')), []);
    assert.deepEqual([...down.nlc.zoneStates().values()], ['FullDisruption']);
    await down.stop();
  });

  it('taints a fully disrupted zone at the normal rate while another zone is healthy', async () => {
    const inZone = (name: string, zone: string, ready = 'True'): Node => {
      const n = node(name, ready);
      n.metadata = { ...n.metadata, labels: { 'topology.kubernetes.io/zone': zone } };
      return n;
    };
    const nodes = [inZone('a1', 'a', 'False'), inZone('a2', 'a', 'False'), inZone('b1', 'b')];
    const { nlc, clock, sync, stop, nodeOf } = await setup({ nodes, alone: true });
    await sync('a1');
    await sync('a2');
    assert.deepEqual(nlc.zoneStates().get(':\0:a'), 'FullDisruption');
    assert.deepEqual(nlc.zoneStates().get(':\0:b'), 'Normal');
    assert.deepEqual(evictionTaints(nodeOf('a1')), ['node.kubernetes.io/not-ready']);
    assert.deepEqual(evictionTaints(nodeOf('a2')), []);
    await clock.advance(10_000);
    await sync('a2');
    assert.deepEqual(evictionTaints(nodeOf('a2')), ['node.kubernetes.io/not-ready']);
    await stop();
  });

  it('swaps not-ready for unreachable at once, whatever the rate', async () => {
    const { clock, sync, stop, nodeOf } = await setup({
      nodes: [node('n1', 'False')],
      leases: [lease('n1', T0)],
      disruption: { nodeEvictionRate: 0.001 },
    });
    await sync();
    assert.deepEqual(evictionTaints(nodeOf()), ['node.kubernetes.io/not-ready']);
    // The kubelet goes silent: Ready turns Unknown after the grace period.
    await clock.advance(51_000);
    await sync();
    assert.deepEqual(evictionTaints(nodeOf()), ['node.kubernetes.io/unreachable']);
    await stop();
  });
});
