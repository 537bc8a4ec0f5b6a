import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../../api/index.ts';
import type { Selector } from '../../../api/index.ts';
import { Code, CycleState, Framework, Snapshot, st } from '../../framework/index.ts';
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  PodTopologySpread,
} from './pod-topology-spread.ts';
import type { PodTopologySpreadArgs } from './pod-topology-spread.ts';

const HOST = 'kubernetes.io/hostname';
const node = (name: string, labels: Record<string, string>, taint = false): Node =>
  st.makeNode(name, {
    labels: { [HOST]: name, ...labels },
    ...(taint ? { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] } : {}),
  });
const fourNodes = (): Node[] => [
  node('node-a', { zone: 'zone1' }),
  node('node-b', { zone: 'zone1' }),
  node('node-x', { zone: 'zone2' }),
  node('node-y', { zone: 'zone2' }),
];
const spread = (
  key: string,
  maxSkew: number,
  when: string,
  extra: Partial<TopologySpreadConstraint> = {},
): TopologySpreadConstraint => ({
  maxSkew,
  topologyKey: key,
  whenUnsatisfiable: when,
  labelSelector: { matchExpressions: [{ key: 'foo', operator: 'Exists' }] },
  ...extra,
});
/** Existing pods with label foo: `counts[node] = n`. */
const existing = (
  counts: Record<string, number>,
  labels: Record<string, string> = { foo: '' },
  namespace = 'default',
): Pod[] =>
  Object.entries(counts).flatMap(([n, c]) =>
    Array.from({ length: c }, (_, i) =>
      st.makePod(`p-${n}-${i}-${namespace}`, { nodeName: n, labels, namespace }),
    ),
  );

function setup(
  nodes: Node[],
  pods: Pod[],
  args?: PodTopologySpreadArgs,
  defaultSelector?: (p: Pod) => Selector,
): { pl: PodTopologySpread; snap: Snapshot } {
  const snap = Snapshot.from(nodes, pods);
  const fwk = new Framework(
    new Map(),
    {},
    defaultSelector !== undefined ? { defaultSelector } : {},
  );
  fwk.setSnapshot(snap);
  return { pl: new PodTopologySpread(fwk, args), snap };
}

describe('PodTopologySpread Filter (upstream TestSingleConstraint and friends)', () => {
  const cases: {
    name: string;
    pod: Pod;
    nodes?: Node[];
    pods: Pod[];
    want: Record<string, Code | [Code, string]>;
  }[] = [
    {
      name: 'no existing pods',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule')],
      }),
      pods: [],
      want: {
        'node-a': Code.Success,
        'node-b': Code.Success,
        'node-x': Code.Success,
        'node-y': Code.Success,
      },
    },
    {
      name: "no existing pods, incoming pod doesn't match itself",
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [
          spread('zone', 1, 'DoNotSchedule', {
            labelSelector: { matchExpressions: [{ key: 'bar', operator: 'Exists' }] },
          }),
        ],
      }),
      pods: [],
      want: {
        'node-a': Code.Success,
        'node-b': Code.Success,
        'node-x': Code.Success,
        'node-y': Code.Success,
      },
    },
    {
      name: 'existing pods in a different namespace do not count',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule')],
      }),
      pods: [
        ...existing({ 'node-a': 1, 'node-b': 1 }, { foo: '' }, 'ns1'),
        ...existing({ 'node-x': 2 }),
      ],
      want: {
        'node-a': Code.Success,
        'node-b': Code.Success,
        'node-x': Code.Unschedulable,
        'node-y': Code.Unschedulable,
      },
    },
    {
      name: 'pods spread across zones as 3/3, all nodes fit',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule')],
      }),
      pods: existing({ 'node-a': 1, 'node-b': 2, 'node-x': 2, 'node-y': 1 }),
      want: {
        'node-a': Code.Success,
        'node-b': Code.Success,
        'node-x': Code.Success,
        'node-y': Code.Success,
      },
    },
    {
      name: "pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule')],
      }),
      nodes: [
        node('node-a', { zone: 'zone1' }),
        node('node-b', {}),
        node('node-x', { zone: 'zone2' }),
        node('node-y', { zone: 'zone2' }),
      ],
      pods: existing({ 'node-a': 1, 'node-b': 1, 'node-x': 1, 'node-y': 1 }),
      want: {
        'node-a': Code.Success,
        'node-b': [Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_LABEL_NOT_MATCH],
        'node-x': [Code.Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH],
        'node-y': Code.Unschedulable,
      },
    },
    {
      name: "pod cannot be scheduled as all nodes don't have label 'rack'",
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('rack', 1, 'DoNotSchedule')],
      }),
      pods: [],
      want: {
        'node-a': Code.UnschedulableAndUnresolvable,
        'node-x': Code.UnschedulableAndUnresolvable,
      },
    },
    {
      name: 'pods spread across nodes as 2/1/0/3, only node-x fits',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread(HOST, 1, 'DoNotSchedule')],
      }),
      pods: existing({ 'node-a': 2, 'node-b': 1, 'node-y': 3 }),
      want: {
        'node-a': Code.Unschedulable,
        'node-b': Code.Unschedulable,
        'node-x': Code.Success,
        'node-y': Code.Unschedulable,
      },
    },
    {
      name: 'pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread(HOST, 2, 'DoNotSchedule')],
      }),
      pods: existing({ 'node-a': 2, 'node-b': 1, 'node-y': 3 }),
      want: {
        'node-a': Code.Unschedulable,
        'node-b': Code.Success,
        'node-x': Code.Success,
        'node-y': Code.Unschedulable,
      },
    },
    {
      name: 'incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits',
      pod: st.makePod('p', {
        labels: { foo: '' },
        nodeSelector: { zone: 'zone1' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule')],
      }),
      pods: existing({ 'node-a': 1, 'node-x': 0 }),
      want: { 'node-a': Code.Success, 'node-b': Code.Success },
    },
    {
      name: 'nodeAffinityPolicy Ignore counts the domains outside the pod node affinity',
      pod: st.makePod('p', {
        labels: { foo: '' },
        nodeSelector: { zone: 'zone1' },
        topologySpreadConstraints: [
          spread('zone', 1, 'DoNotSchedule', { nodeAffinityPolicy: 'Ignore' }),
        ],
      }),
      pods: existing({ 'node-a': 1 }),
      want: { 'node-a': Code.Unschedulable, 'node-b': Code.Unschedulable },
    },
    {
      name: 'nodeTaintsPolicy Honor excludes tainted domains from the minimum',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [
          spread('zone', 1, 'DoNotSchedule', { nodeTaintsPolicy: 'Honor' }),
        ],
      }),
      nodes: [node('node-a', { zone: 'zone1' }), node('node-x', { zone: 'zone2' }, true)],
      pods: existing({ 'node-a': 1 }),
      want: { 'node-a': Code.Success },
    },
    {
      name: 'nodeTaintsPolicy Ignore (default) counts tainted domains',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule')],
      }),
      nodes: [node('node-a', { zone: 'zone1' }), node('node-x', { zone: 'zone2' }, true)],
      pods: existing({ 'node-a': 1 }),
      want: { 'node-a': Code.Unschedulable },
    },
    {
      name: 'minDomains greater than the eligible domains treats the global minimum as 0',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule', { minDomains: 3 })],
      }),
      pods: existing({ 'node-a': 2, 'node-x': 1 }),
      want: { 'node-a': Code.Unschedulable, 'node-x': Code.Unschedulable },
    },
    {
      name: 'without minDomains the zone with fewer pods fits',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'DoNotSchedule')],
      }),
      pods: existing({ 'node-a': 2, 'node-x': 1 }),
      want: { 'node-a': Code.Unschedulable, 'node-x': Code.Success },
    },
    {
      name: 'matchLabelKeys narrows the counted pods to the same revision',
      pod: st.makePod('p', {
        labels: { foo: '', bar: 'a' },
        topologySpreadConstraints: [
          spread('zone', 1, 'DoNotSchedule', { matchLabelKeys: ['bar'] }),
        ],
      }),
      pods: [
        ...existing({ 'node-a': 2 }, { foo: '', bar: 'b' }),
        ...existing({ 'node-x': 1 }, { foo: '', bar: 'a' }),
      ],
      want: { 'node-a': Code.Success, 'node-x': Code.Unschedulable },
    },
    {
      name: 'two constraints: both must hold',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [
          spread('zone', 1, 'DoNotSchedule'),
          spread(HOST, 1, 'DoNotSchedule'),
        ],
      }),
      pods: existing({ 'node-a': 1, 'node-x': 1, 'node-y': 1 }),
      want: {
        'node-a': Code.Unschedulable,
        'node-b': Code.Success,
        'node-x': Code.Unschedulable,
        'node-y': Code.Unschedulable,
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { pl, snap } = setup(c.nodes ?? fourNodes(), c.pods);
      const state = new CycleState();
      const pre = pl.preFilter(state, c.pod);
      assert.equal(pre.status.isSuccess(), true, pre.status.message());
      for (const [n, want] of Object.entries(c.want)) {
        const s = pl.filter(state, c.pod, snap.get(n)!);
        if (Array.isArray(want)) assert.deepEqual([s.code, s.message()], want, n);
        else assert.equal(s.code, want, `${n}: ${s.message()}`);
      }
    });
  }

  it('skips pods without constraints when the owners give no selector', () => {
    const { pl } = setup(fourNodes(), []);
    assert.equal(pl.preFilter(new CycleState(), st.makePod('p')).status.code, Code.Skip);
  });

  it('AddPod/RemovePod update counts and critical paths', () => {
    const victim = st.makePod('victim', { nodeName: 'node-a', labels: { foo: '' } });
    const { pl, snap } = setup(fourNodes(), [victim, ...existing({ 'node-x': 1 })]);
    const pod = st.makePod('p', {
      labels: { foo: '' },
      topologySpreadConstraints: [spread(HOST, 1, 'DoNotSchedule')],
    });
    const state = new CycleState();
    pl.preFilter(state, pod);
    assert.equal(pl.filter(state, pod, snap.get('node-a')!).code, Code.Unschedulable);
    const clone = state.clone();
    pl.removePod(clone, pod, victim, snap.get('node-a')!);
    assert.equal(pl.filter(clone, pod, snap.get('node-a')!).isSuccess(), true);
    pl.addPod(clone, pod, victim, snap.get('node-a')!);
    assert.equal(pl.filter(clone, pod, snap.get('node-a')!).code, Code.Unschedulable);
  });
});

describe('PodTopologySpread Score (upstream TestPodTopologySpreadScore)', () => {
  const cases: { name: string; pod: Pod; nodes?: Node[]; pods: Pod[]; want: number[] }[] = [
    {
      name: 'one constraint on node, no existing pods',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread(HOST, 1, 'ScheduleAnyway')],
      }),
      nodes: [node('node-a', {}), node('node-b', {})],
      pods: [],
      want: [100, 100],
    },
    {
      name: 'one constraint on node, all 4 nodes are candidates',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread(HOST, 1, 'ScheduleAnyway')],
      }),
      pods: existing({ 'node-a': 2, 'node-b': 1, 'node-y': 3 }),
      want: [20, 60, 100, 0],
    },
    {
      name: 'one constraint on zone, zones spread as 3/1',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'ScheduleAnyway')],
      }),
      pods: existing({ 'node-a': 2, 'node-b': 1, 'node-y': 1 }),
      want: [25, 25, 100, 100],
    },
    {
      name: 'nodes without the topology label are ignored and get 0',
      pod: st.makePod('p', {
        labels: { foo: '' },
        topologySpreadConstraints: [spread('zone', 1, 'ScheduleAnyway')],
      }),
      nodes: [
        node('node-a', { zone: 'zone1' }),
        node('node-b', {}),
        node('node-x', { zone: 'zone2' }),
      ],
      pods: existing({ 'node-a': 1 }),
      want: [0, 0, 100],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { pl, snap } = setup(c.nodes ?? fourNodes(), c.pods);
      const got = st.runScorePlugin(pl, c.pod, snap.list());
      assert.ok(Array.isArray(got));
      assert.deepEqual(
        got.map((s) => s.score),
        c.want,
      );
    });
  }

  it('system default constraints spread pods of the same owner', () => {
    const nodes = [
      node('node-a', { 'topology.kubernetes.io/zone': 'z1' }),
      node('node-b', { 'topology.kubernetes.io/zone': 'z1' }),
      node('node-x', { 'topology.kubernetes.io/zone': 'z2' }),
    ];
    const pods = existing({ 'node-a': 2 }, { app: 'web' });
    const { pl, snap } = setup(nodes, pods, undefined, () => selectorFromSet({ app: 'web' }));
    const got = st.runScorePlugin(pl, st.makePod('p', { labels: { app: 'web' } }), snap.list());
    assert.ok(Array.isArray(got));
    const [a, b, x] = got.map((s) => s.score);
    assert.ok((x ?? 0) > (b ?? 0) && (b ?? 0) > (a ?? 0), JSON.stringify(got));
  });

  it('no default spreading without an owner selector', () => {
    const { pl } = setup(fourNodes(), []);
    assert.equal(
      pl.preScore(new CycleState(), st.makePod('p'), [...Snapshot.from(fourNodes()).list()]).code,
      Code.Skip,
    );
  });
});
