import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  Affinity,
  Pod,
  PodAffinityTerm,
  WeightedPodAffinityTerm,
} from 'kubernetes-types/core/v1.js';
import { Code, CycleState, Framework, Snapshot, st } from '../../framework/index.ts';
import {
  ERR_REASON_AFFINITY,
  ERR_REASON_ANTI_AFFINITY,
  ERR_REASON_EXISTING_ANTI_AFFINITY,
  InterPodAffinity,
} from './inter-pod-affinity.ts';

const term = (
  key: string,
  op: string,
  values: string[] | undefined,
  topologyKey: string,
  extra: Partial<PodAffinityTerm> = {},
): PodAffinityTerm => ({
  labelSelector: {
    matchExpressions: [{ key, operator: op, ...(values !== undefined ? { values } : {}) }],
  },
  topologyKey,
  ...extra,
});
const req = (aff: PodAffinityTerm[] = [], anti: PodAffinityTerm[] = []): Affinity => ({
  ...(aff.length > 0
    ? { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: aff } }
    : {}),
  ...(anti.length > 0
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: anti } }
    : {}),
});

const nsLabels: Record<string, Record<string, string>> = {
  subteam: { team: 'team1' },
  default: {},
};

function setup(
  nodes: ReturnType<typeof st.makeNode>[],
  pods: Pod[],
): { pl: InterPodAffinity; snap: Snapshot } {
  const snap = Snapshot.from(nodes, pods);
  const fwk = new Framework(new Map(), {}, { namespaceLabels: (ns) => nsLabels[ns] });
  fwk.setSnapshot(snap);
  return { pl: new InterPodAffinity(fwk), snap };
}

const podLabel = { service: 'securityscan' };
const podLabel2 = { security: 'S1' };
const node1 = st.makeNode('node1', { labels: { region: 'r1', zone: 'z11' } });

describe('InterPodAffinity Filter (upstream TestRequiredAffinitySingleNode)', () => {
  const cases: { name: string; pod: Pod; pods: Pod[]; want?: [Code, string] }[] = [
    {
      name: 'A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods',
      pod: st.makePod('p'),
      pods: [],
    },
    {
      name: 'satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod',
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req([term('service', 'In', ['securityscan', 'value2'], 'region')]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1' })],
    },
    {
      name: 'satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in operator in labelSelector that matches the existing pod',
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req([term('service', 'NotIn', ['securityscan3', 'value3'], 'region')]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1' })],
    },
    {
      name: 'Does not satisfy the PodAffinity with labelSelector because of diff Namespace',
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req([
          term('service', 'In', ['securityscan', 'value2'], 'region', {
            namespaces: ['DiffNameSpace'],
          }),
        ]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1', namespace: 'ns' })],
      want: [Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY],
    },
    {
      name: "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
      pod: st.makePod('p', {
        labels: podLabel,
        affinity: req([term('service', 'In', ['antivirusscan', 'value2'], 'region')]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1' })],
      want: [Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY],
    },
    {
      name: 'satisfies the PodAffinity and PodAntiAffinity with the existing pod',
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req(
          [term('service', 'In', ['securityscan', 'value2'], 'region')],
          [term('service', 'In', ['antivirusscan', 'value2'], 'node')],
        ),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1' })],
    },
    {
      name: "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req(
          [term('service', 'In', ['securityscan', 'value2'], 'region')],
          [term('service', 'In', ['securityscan', 'value2'], 'zone')],
        ),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1' })],
      want: [Code.Unschedulable, ERR_REASON_ANTI_AFFINITY],
    },
    {
      name: "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
      pod: st.makePod('p', {
        labels: podLabel,
        affinity: req(
          [term('service', 'In', ['securityscan', 'value2'], 'region')],
          [term('service', 'In', ['antivirusscan', 'value2'], 'node')],
        ),
      }),
      pods: [
        st.makePod('e', {
          labels: podLabel,
          nodeName: 'node1',
          affinity: req([], [term('service', 'In', ['securityscan', 'value2'], 'zone')]),
        }),
      ],
      want: [Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY],
    },
    {
      name: 'pod matches its own Label in PodAffinity and that matches the existing pod Labels',
      pod: st.makePod('p', {
        labels: podLabel,
        affinity: req([term('service', 'NotIn', ['securityscan', 'value2'], 'region')]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node2' })],
      want: [Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY],
    },
    {
      name: "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
      pod: st.makePod('p', { labels: podLabel }),
      pods: [
        st.makePod('e', {
          labels: podLabel,
          nodeName: 'node1',
          affinity: req([], [term('service', 'In', ['securityscan', 'value2'], 'zone')]),
        }),
      ],
      want: [Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY],
    },
    {
      name: 'verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. satisfy PodAntiAffinity symmetry with the existing pod',
      pod: st.makePod('p', { labels: podLabel }),
      pods: [
        st.makePod('e', {
          labels: podLabel,
          nodeName: 'node1',
          affinity: req([], [term('service', 'NotIn', ['securityscan', 'value2'], 'zone')]),
        }),
      ],
    },
    {
      name: "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
      pod: st.makePod('p', {
        labels: podLabel,
        affinity: req(
          [],
          [
            term('service', 'Exists', undefined, 'region'),
            term('security', 'Exists', undefined, 'region'),
          ],
        ),
      }),
      pods: [
        st.makePod('e', {
          labels: podLabel2,
          nodeName: 'node1',
          affinity: req([], [term('security', 'Exists', undefined, 'zone')]),
        }),
      ],
      want: [Code.Unschedulable, ERR_REASON_ANTI_AFFINITY],
    },
    {
      name: 'pod with affinity to itself schedules as the first of its group',
      pod: st.makePod('p', {
        labels: podLabel,
        affinity: req([term('service', 'In', ['securityscan'], 'region')]),
      }),
      pods: [],
    },
    {
      name: 'the first pod of a group still needs the topology key on the node',
      pod: st.makePod('p', {
        labels: podLabel,
        affinity: req([term('service', 'In', ['securityscan'], 'rack')]),
      }),
      pods: [],
      want: [Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY],
    },
    {
      name: "namespaceSelector matches the existing pod's namespace",
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req([
          term('service', 'In', ['securityscan'], 'region', {
            namespaceSelector: { matchLabels: { team: 'team1' } },
          }),
        ]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1', namespace: 'subteam' })],
    },
    {
      name: "namespaceSelector does not match the existing pod's namespace",
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req([
          term('service', 'In', ['securityscan'], 'region', {
            namespaceSelector: { matchLabels: { team: 'team2' } },
          }),
        ]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1', namespace: 'subteam' })],
      want: [Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY],
    },
    {
      name: 'empty namespaceSelector selects all namespaces',
      pod: st.makePod('p', {
        labels: podLabel2,
        affinity: req([
          term('service', 'In', ['securityscan'], 'region', { namespaceSelector: {} }),
        ]),
      }),
      pods: [st.makePod('e', { labels: podLabel, nodeName: 'node1', namespace: 'other' })],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { pl, snap } = setup(
        [node1, st.makeNode('node2', { labels: { region: 'r2' } })],
        c.pods,
      );
      const state = new CycleState();
      const pre = pl.preFilter(state, c.pod);
      if (pre.status.code === Code.Skip) {
        assert.equal(c.want, undefined);
        return;
      }
      const s = pl.filter(state, c.pod, snap.get('node1')!);
      if (c.want === undefined) assert.equal(s.isSuccess(), true, s.message());
      else assert.deepEqual([s.code, s.message()], c.want);
    });
  }

  it('AddPod/RemovePod keep the PreFilter counts in step (preemption)', () => {
    const victim = st.makePod('victim', { labels: podLabel, nodeName: 'node1' });
    const { pl, snap } = setup([node1], [victim]);
    const pod = st.makePod('p', {
      labels: podLabel2,
      affinity: req([], [term('service', 'In', ['securityscan'], 'zone')]),
    });
    const state = new CycleState();
    pl.preFilter(state, pod);
    const ni = snap.get('node1')!;
    assert.equal(pl.filter(state, pod, ni).code, Code.Unschedulable);
    const clone = state.clone();
    pl.removePod(clone, pod, victim, ni);
    assert.equal(pl.filter(clone, pod, ni).isSuccess(), true);
    assert.equal(pl.filter(state, pod, ni).code, Code.Unschedulable);
    pl.addPod(clone, pod, victim, ni);
    assert.equal(pl.filter(clone, pod, ni).code, Code.Unschedulable);
  });
});

describe('InterPodAffinity Score (upstream TestPreferredAffinity)', () => {
  const labelRgChina = { region: 'China' };
  const labelRgChinaAzAz1 = { region: 'China', az: 'az1' };
  const labelRgIndia = { region: 'India' };
  const labelAzAz1 = { az: 'az1' };
  const S1 = { security: 'S1' };
  const S2 = { security: 'S2' };
  const w = (weight: number, t: PodAffinityTerm): WeightedPodAffinityTerm => ({
    weight,
    podAffinityTerm: t,
  });
  const stayWithS1InRegion: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        w(5, term('security', 'In', ['S1'], 'region')),
      ],
    },
  };
  const awayFromS1InAz: Affinity = {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [w(5, term('security', 'In', ['S1'], 'az'))],
    },
  };
  const stayWithS1InRegionAwayFromS2InAz: Affinity = {
    podAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        w(8, term('security', 'In', ['S1'], 'region')),
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [w(5, term('security', 'In', ['S2'], 'az'))],
    },
  };
  const hardAffinity = req([term('security', 'In', ['S1', 'value2'], 'region')]);

  const cases: {
    name: string;
    pod: Pod;
    pods: Pod[];
    nodes: [string, Record<string, string>][];
    want: number[];
  }[] = [
    {
      name: 'all nodes have same priority as NodeAffinity is nil',
      pod: st.makePod('p', { labels: S1 }),
      pods: [],
      nodes: [
        ['node1', labelRgChina],
        ['node2', labelRgIndia],
        ['node3', labelAzAz1],
      ],
      want: [0, 0, 0],
    },
    {
      name: 'Affinity: pod that matches topology key & pods in nodes will get high score comparing to others',
      pod: st.makePod('p', { labels: S1, affinity: stayWithS1InRegion }),
      pods: [st.makePod('e1', { labels: S1, nodeName: 'node1' })],
      nodes: [
        ['node1', labelRgChina],
        ['node2', labelRgIndia],
        ['node3', labelAzAz1],
      ],
      want: [100, 0, 0],
    },
    {
      name: 'All the nodes that have the same topology key & label value with one of them has an existing pod that matches the affinity rules, have the same score',
      pod: st.makePod('p', { labels: S1, affinity: stayWithS1InRegion }),
      pods: [st.makePod('e1', { labels: S1, nodeName: 'node1' })],
      nodes: [
        ['node1', labelRgChina],
        ['node2', labelRgChinaAzAz1],
        ['node3', labelRgIndia],
      ],
      want: [100, 100, 0],
    },
    {
      name: 'Anti Affinity: pod that does not match existing pods in node will get high score',
      pod: st.makePod('p', { labels: S1, affinity: awayFromS1InAz }),
      pods: [
        st.makePod('e1', { labels: S1, nodeName: 'node1' }),
        st.makePod('e2', { labels: S2, nodeName: 'node2' }),
      ],
      nodes: [
        ['node1', labelAzAz1],
        ['node2', labelRgChina],
      ],
      want: [0, 100],
    },
    {
      name: 'Affinity and Anti Affinity: considered only preferredDuringSchedulingIgnoredDuringExecution in both pod affinity & anti affinity',
      pod: st.makePod('p', { labels: S1, affinity: stayWithS1InRegionAwayFromS2InAz }),
      pods: [
        st.makePod('e1', { labels: S1, nodeName: 'node1' }),
        st.makePod('e2', { labels: S2, nodeName: 'node2' }),
      ],
      nodes: [
        ['node1', labelRgChina],
        ['node2', labelAzAz1],
      ],
      want: [100, 0],
    },
    {
      name: 'Affinity symmetry: considered RequiredDuringSchedulingIgnoredDuringExecution in pod affinity symmetry',
      pod: st.makePod('p', { labels: S1 }),
      pods: [st.makePod('e1', { labels: S2, nodeName: 'node1', affinity: hardAffinity })],
      nodes: [
        ['node1', labelRgChina],
        ['node2', labelRgIndia],
        ['node3', labelAzAz1],
      ],
      want: [100, 0, 0],
    },
    {
      name: 'Anti Affinity symmetry: existing pods preferring to avoid S1 lower the score',
      pod: st.makePod('p', { labels: S1 }),
      pods: [st.makePod('e1', { labels: S2, nodeName: 'node1', affinity: awayFromS1InAz })],
      nodes: [
        ['node1', labelAzAz1],
        ['node2', labelRgChina],
      ],
      want: [0, 100],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { pl, snap } = setup(
        c.nodes.map(([n, l]) => st.makeNode(n, { labels: l })),
        c.pods,
      );
      const got = st.runScorePlugin(pl, c.pod, snap.list());
      assert.ok(Array.isArray(got));
      assert.deepEqual(
        got.map((s) => s.score),
        c.want,
      );
    });
  }
});
