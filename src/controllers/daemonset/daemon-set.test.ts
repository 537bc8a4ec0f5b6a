import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import {
  DAEMON_SET_HASH_LABEL,
  getTargetNodeName,
  newDaemonSetController,
  nodeShouldRunDaemonPod,
} from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const T0 = Date.parse('2024-01-01T00:00:00Z');

function node(name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: o.taints !== undefined ? { taints: o.taints } : {},
  };
}

function daemonSet(
  spec: Partial<DaemonSet['spec']> = {},
  podSpec: Partial<Pod['spec']> = {},
): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ds', namespace: 'ns', uid: 'uid-ds', generation: 1 },
    spec: {
      selector: { matchLabels: { app: 'ds' } },
      template: {
        metadata: { labels: { app: 'ds' } },
        spec: { containers: [{ name: 'c', image: 'agent:1' }], ...podSpec },
      },
      ...spec,
    },
  };
}

describe('nodeShouldRunDaemonPod (upstream TestNodeShouldRunDaemonPod)', () => {
  const cases: {
    name: string;
    node: Node;
    ds: DaemonSet;
    shouldRun: boolean;
    shouldContinueRunning: boolean;
  }[] = [
    {
      name: 'plain node',
      node: node('n1'),
      ds: daemonSet(),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'nodeSelector matches',
      node: node('n1', { labels: { disk: 'ssd' } }),
      ds: daemonSet({}, { nodeSelector: { disk: 'ssd' } }),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'nodeSelector does not match',
      node: node('n1'),
      ds: daemonSet({}, { nodeSelector: { disk: 'ssd' } }),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      name: 'template nodeName elsewhere',
      node: node('n1'),
      ds: daemonSet({}, { nodeName: 'n2' }),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      name: 'required node affinity matches',
      node: node('n1', { labels: { zone: 'a' } }),
      ds: daemonSet(
        {},
        {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
                  { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
                ],
              },
            },
          },
        },
      ),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'required node affinity does not match',
      node: node('n1', { labels: { zone: 'a' } }),
      ds: daemonSet(
        {},
        {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] },
                ],
              },
            },
          },
        },
      ),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      name: 'untolerated NoSchedule: no new pod, existing keeps running',
      node: node('n1', { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] }),
      ds: daemonSet(),
      shouldRun: false,
      shouldContinueRunning: true,
    },
    {
      name: 'untolerated NoExecute: nothing runs',
      node: node('n1', { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] }),
      ds: daemonSet(),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      name: 'tolerated NoExecute',
      node: node('n1', { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }] }),
      ds: daemonSet({}, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x' }] }),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'not-ready and unreachable NoExecute are tolerated by every daemon pod',
      node: node('n1', {
        taints: [
          { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
          { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
          { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
          { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
        ],
      }),
      ds: daemonSet(),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      name: 'network-unavailable is tolerated only with hostNetwork',
      node: node('n1', {
        taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }],
      }),
      ds: daemonSet(),
      shouldRun: false,
      shouldContinueRunning: true,
    },
    {
      name: 'network-unavailable with hostNetwork',
      node: node('n1', {
        taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }],
      }),
      ds: daemonSet({}, { hostNetwork: true }),
      shouldRun: true,
      shouldContinueRunning: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(nodeShouldRunDaemonPod(c.node, c.ds), {
        shouldRun: c.shouldRun,
        shouldContinueRunning: c.shouldContinueRunning,
      });
    });
  }
});

async function setup(objs: { ds?: DaemonSet[]; nodes?: Node[]; pods?: Pod[] }) {
  const now = { t: T0 + 3600_000 };
  const cluster = new FakeCluster({ now: () => new Date(now.t) });
  cluster.seed(BUILTIN_RESOURCES.daemonSets, ...(objs.ds ?? []));
  cluster.seed(BUILTIN_RESOURCES.nodes, ...(objs.nodes ?? []));
  cluster.seed(BUILTIN_RESOURCES.pods, ...(objs.pods ?? []));
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const queue = newRateLimitingQueue({ clock: newFakeClock(now.t) });
  const dsc = newDaemonSetController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    now: () => now.t,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  const sync = async (): Promise<void> => {
    await dsc.sync('ns/ds');
    await settle();
  };
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  return { cluster, recorder, dsc, sync, stop, now };
}

const podsOf = (c: FakeCluster): Pod[] => c.objects<Pod>(BUILTIN_RESOURCES.pods, 'ns');
const dsOf = (c: FakeCluster): DaemonSet =>
  c.peek<DaemonSet>(BUILTIN_RESOURCES.daemonSets, 'ns', 'ds')!;
const byNode = (c: FakeCluster): Record<string, string> =>
  Object.fromEntries(
    podsOf(c).map((p) => [getTargetNodeName(p) ?? '?', p.spec?.containers[0]?.image ?? '']),
  );

/** The scheduler and kubelet: bind every pod to its node, Running and Ready. */
async function runAll(c: FakeCluster): Promise<void> {
  for (const p of podsOf(c)) {
    if (p.status?.phase === 'Running') continue;
    const bound = await c.clientset.pods.update('ns', {
      ...p,
      spec: { ...p.spec!, nodeName: getTargetNodeName(p) ?? '' },
    });
    await c.clientset.pods.updateStatus('ns', {
      ...bound,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
      },
    });
  }
  await settle();
}

describe('DaemonSet controller sync', () => {
  it('creates one pod per eligible node, placed by node affinity, and reports status', async () => {
    const { cluster, recorder, sync, stop } = await setup({
      ds: [daemonSet({}, { nodeSelector: { role: 'worker' } })],
      nodes: [
        node('n1', { labels: { role: 'worker' } }),
        node('n2', { labels: { role: 'worker' } }),
        node('n3'),
      ],
    });
    await sync();
    const pods = podsOf(cluster);
    assert.equal(pods.length, 2);
    assert.deepEqual(Object.keys(byNode(cluster)).sort(), ['n1', 'n2']);
    const p = pods[0]!;
    assert.equal(p.spec?.nodeName, undefined, 'the scheduler binds it');
    const rev = cluster.objects<ControllerRevision>(BUILTIN_RESOURCES.controllerRevisions, 'ns');
    assert.equal(rev.length, 1);
    assert.equal(rev[0]!.revision, 1);
    const hash = rev[0]!.metadata?.labels?.[DAEMON_SET_HASH_LABEL];
    assert.equal(p.metadata?.labels?.[DAEMON_SET_HASH_LABEL], hash);
    assert.equal(rev[0]!.metadata?.name, `ds-${hash ?? ''}`);
    assert.ok(
      p.spec?.tolerations?.some(
        (t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
      ),
    );
    assert.equal(
      recorder.events.filter((e) => e.startsWith('Normal SuccessfulCreate Created pod: ds-'))
        .length,
      2,
    );
    await sync(); // expectations observed: nothing more
    assert.equal(podsOf(cluster).length, 2);
    await runAll(cluster);
    await sync();
    assert.deepEqual(dsOf(cluster).status, {
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      numberReady: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
      numberUnavailable: 0,
      observedGeneration: 1,
    });
    await stop();
  });

  it('deletes pods from nodes that stop qualifying (untolerated NoExecute)', async () => {
    const { cluster, sync, stop } = await setup({
      ds: [daemonSet()],
      nodes: [node('n1'), node('n2')],
    });
    await sync();
    await runAll(cluster);
    await sync();
    const n2 = cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', 'n2')!;
    await cluster.clientset.nodes.update('', {
      ...n2,
      spec: { taints: [{ key: 'evict', effect: 'NoExecute' }] },
    });
    await settle();
    await sync();
    assert.deepEqual(Object.keys(byNode(cluster)), ['n1']);
    assert.equal(dsOf(cluster).status?.desiredNumberScheduled, 1);
    await stop();
  });

  it('deletes failed pods with a FailedDaemonPod warning, then recreates them', async () => {
    const { cluster, recorder, sync, stop } = await setup({
      ds: [daemonSet()],
      nodes: [node('n1')],
    });
    await sync();
    await runAll(cluster);
    const p = podsOf(cluster)[0]!;
    await cluster.clientset.pods.updateStatus('ns', { ...p, status: { phase: 'Failed' } });
    await settle();
    await sync();
    assert.equal(podsOf(cluster).length, 0);
    assert.ok(
      recorder.events.includes(
        `Warning FailedDaemonPod Found failed daemon pod ns/${p.metadata?.name ?? ''} on node n1, will try to kill it`,
      ),
    );
    await sync();
    assert.equal(podsOf(cluster).length, 1);
    await stop();
  });

  it('warns and does nothing for an empty selector', async () => {
    const { cluster, recorder, sync, stop } = await setup({
      ds: [daemonSet({ selector: {} })],
      nodes: [node('n1')],
    });
    await sync();
    assert.equal(podsOf(cluster).length, 0);
    assert.deepEqual(recorder.events, [
      'Warning SelectingAll This daemon set is selecting all pods. A non-empty selector is required.',
    ]);
    await stop();
  });

  async function updated(spec: Partial<DaemonSet['spec']>, nodes = 3) {
    const env = await setup({
      ds: [daemonSet(spec)],
      nodes: Array.from({ length: nodes }, (_, i) => node(`n${i + 1}`)),
    });
    await env.sync();
    await runAll(env.cluster);
    await env.sync();
    const ds = dsOf(env.cluster);
    const template = structuredClone(ds.spec!.template);
    template.spec!.containers[0]!.image = 'agent:2';
    await env.cluster.clientset.daemonSets.update('ns', { ...ds, spec: { ...ds.spec!, template } });
    await settle();
    return env;
  }

  it('RollingUpdate replaces at most maxUnavailable pods at a time', async () => {
    const { cluster, sync, stop } = await updated({
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    });
    await sync();
    assert.equal(podsOf(cluster).length, 2, 'one old pod deleted');
    await sync();
    const images = Object.values(byNode(cluster)).sort();
    assert.deepEqual(images, ['agent:1', 'agent:1', 'agent:2']);
    await sync(); // the new pod is not available: nothing more
    assert.equal(podsOf(cluster).length, 3);
    for (let i = 0; i < 6; i++) {
      await runAll(cluster);
      await sync();
    }
    assert.deepEqual(Object.values(byNode(cluster)), ['agent:2', 'agent:2', 'agent:2']);
    assert.equal(dsOf(cluster).status?.updatedNumberScheduled, 3);
    assert.equal(cluster.objects(BUILTIN_RESOURCES.controllerRevisions, 'ns').length, 2);
    await stop();
  });

  it('RollingUpdate with maxSurge creates the new pod before deleting the old one', async () => {
    const { cluster, sync, stop } = await updated(
      {
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
        },
      },
      2,
    );
    await sync();
    assert.equal(podsOf(cluster).length, 3, 'one surge pod');
    await runAll(cluster);
    await sync();
    // The surge pod is available: its old pod goes, and the next node surges.
    const images = podsOf(cluster)
      .map((p) => p.spec?.containers[0]?.image)
      .sort();
    assert.deepEqual(images, ['agent:1', 'agent:2', 'agent:2']);
    for (let i = 0; i < 4; i++) {
      await runAll(cluster);
      await sync();
    }
    assert.deepEqual(Object.values(byNode(cluster)), ['agent:2', 'agent:2']);
    assert.equal(podsOf(cluster).length, 2);
    await stop();
  });

  it('OnDelete leaves old pods until they are deleted', async () => {
    const { cluster, sync, stop } = await updated({ updateStrategy: { type: 'OnDelete' } }, 2);
    await sync();
    assert.deepEqual(Object.values(byNode(cluster)), ['agent:1', 'agent:1']);
    await cluster.clientset.pods.delete('ns', podsOf(cluster)[0]!.metadata!.name!);
    await settle();
    await sync();
    assert.deepEqual(Object.values(byNode(cluster)).sort(), ['agent:1', 'agent:2']);
    assert.equal(dsOf(cluster).status?.updatedNumberScheduled, 1);
    await stop();
  });
});
