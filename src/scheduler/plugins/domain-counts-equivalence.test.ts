/**
 * PodTopologySpread and InterPodAffinity read the snapshot's incremental per-domain counts when
 * a constraint's eligible nodes or a term's pods depend on nothing but the pod, and scan the
 * cluster otherwise. These tests schedule the same pods both ways on random clusters (a
 * nodeSelector every node satisfies, a namespaceSelector equal to a namespace list) and require
 * identical filter results and scores, also after the snapshot changed under built indexes.
 * The last test checks the framework's cheap-filter shortcut the same way: whole scheduling
 * decisions and FitError diagnoses with and without it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Affinity, Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '../../api/index.ts';
import { CycleState, Framework, Snapshot, schedulePod, st } from '../framework/index.ts';
import type {
  FilterPlugin,
  NodeInfo,
  PluginFactory,
  PreFilterPlugin,
  ScheduleOutcome,
  SchedulerState,
} from '../framework/index.ts';
import { newDefaultFramework } from './index.ts';
import {
  InterPodAffinity,
  newInterPodAffinity as newInterPodAffinityFactory,
} from './inter-pod-affinity/inter-pod-affinity.ts';
import {
  PodTopologySpread,
  newPodTopologySpread as newPodTopologySpreadFactory,
} from './pod-topology-spread/pod-topology-spread.ts';

const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const nsLabels: Record<string, Record<string, string>> = { a: { name: 'a' }, b: { name: 'b' } };

function randomCluster(seed: number): {
  rnd: (n: number) => number;
  nodes: Node[];
  pods: () => Pod[];
} {
  const rnd = st.seededRandomInt(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
  const nodes = Array.from({ length: 12 }, (_, i) => {
    const labels: Record<string, string> = { [HOST]: `n${i}`, pool: 'p' };
    if (rnd(5) > 0) labels[ZONE] = `z${rnd(3)}`;
    if (rnd(2) > 0) labels.rack = `r${rnd(4)}`;
    return st.makeNode(`n${i}`, { labels });
  });
  let next = 0;
  const pods = (): Pod[] =>
    Array.from({ length: 15 }, () => {
      const term = {
        topologyKey: pick([ZONE, HOST]),
        labelSelector: { matchLabels: { app: 'x' } },
      };
      const kind = rnd(6);
      const affinity: Affinity | undefined =
        kind === 0
          ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
          : kind === 1
            ? {
                podAffinity: {
                  preferredDuringSchedulingIgnoredDuringExecution: [
                    { weight: 7, podAffinityTerm: term },
                  ],
                },
              }
            : undefined;
      const p = st.makePod(`e${next++}`, {
        namespace: pick(['a', 'b']),
        nodeName: pick(nodes).metadata?.name ?? '',
        labels: { app: pick(['x', 'y']) },
        ...(affinity !== undefined ? { affinity } : {}),
      });
      return rnd(10) === 0
        ? { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } }
        : p;
    });
  return { rnd, nodes, pods };
}

type Plugin = PreFilterPlugin & FilterPlugin;

/** Every node's filter outcome (or the PreFilter outcome) and the normalized scores. */
function outcome(pl: Plugin & Parameters<typeof st.runScorePlugin>[0], pod: Pod, snap: Snapshot) {
  const state = new CycleState();
  const pre = pl.preFilter(state, pod, snap.list());
  const filter = pre.status.isSuccess()
    ? snap.list().map((ni: NodeInfo) => {
        const s = pl.filter(state, pod, ni);
        return `${ni.name}:${s.code}:${s.reasons.join('|')}`;
      })
    : [`prefilter:${pre.status.code}:${pre.status.reasons.join('|')}`];
  const scores = st.runScorePlugin(pl, pod, snap.list());
  return { filter, scores: Array.isArray(scores) ? scores : scores.message() };
}

function frameworkFor(snap: Snapshot): Framework {
  const fwk = new Framework(
    new Map(),
    {},
    {
      namespaceLabels: (ns) => nsLabels[ns],
      defaultSelector: (p) => selectorFromSet({ app: p.metadata?.labels?.app ?? '' }),
    },
  );
  fwk.setSnapshot(snap);
  return fwk;
}

describe('per-domain counts give the results of the scan', () => {
  it('PodTopologySpread: own constraints (filter and score) and system defaults (score)', () => {
    for (let seed = 1; seed <= 15; seed++) {
      const { rnd, nodes, pods } = randomCluster(seed);
      const snap = Snapshot.from(nodes, pods());
      const pl = new PodTopologySpread(frameworkFor(snap));
      const c = (key: string, when: string, skew: number): TopologySpreadConstraint => ({
        maxSkew: skew,
        topologyKey: key,
        whenUnsatisfiable: when,
        labelSelector: { matchLabels: { app: 'x' } },
        ...(rnd(3) === 0 ? { minDomains: 3 } : {}),
      });
      const variants: (TopologySpreadConstraint[] | undefined)[] = [
        [c(ZONE, 'DoNotSchedule', 1)],
        [c(HOST, 'DoNotSchedule', 1)],
        [c(ZONE, 'DoNotSchedule', 1), c('rack', 'DoNotSchedule', 2)],
        [c(ZONE, 'ScheduleAnyway', 1), c('rack', 'ScheduleAnyway', 1)],
        [c(ZONE, 'ScheduleAnyway', 2), c(HOST, 'ScheduleAnyway', 1)],
        undefined, // system default constraints through the default selector
      ];
      for (let round = 0; round < 3; round++) {
        for (const [i, tsc] of variants.entries()) {
          const mk = (extra: Partial<st.PodOptions>): Pod =>
            st.makePod(`in-${seed}-${round}-${i}`, {
              namespace: 'a',
              labels: { app: 'x' },
              ...(tsc !== undefined ? { topologySpreadConstraints: tsc } : {}),
              ...extra,
            });
          // The nodeSelector matches every node, but (nodeAffinityPolicy Honor) forces the scan.
          const indexed = outcome(pl, mk({}), snap);
          const scanned = outcome(pl, mk({ nodeSelector: { pool: 'p' } }), snap);
          assert.deepEqual(indexed, scanned, `seed ${seed} round ${round} variant ${i}`);
        }
        // Change the snapshot under the built indexes: new pods, a removed one, a relabelled node.
        for (const p of pods()) snap.addPod(p);
        const victim = snap.list()[rnd(nodes.length)]?.pods[0];
        if (victim !== undefined) snap.removePod(victim.pod);
        const n = nodes[rnd(nodes.length)] as Node;
        snap.setNode({
          ...n,
          metadata: { ...n.metadata, labels: { ...n.metadata?.labels, [ZONE]: `z${rnd(4)}` } },
        });
      }
    }
  });

  it('InterPodAffinity: required and preferred (anti-)affinity of the incoming pod', () => {
    for (let seed = 1; seed <= 15; seed++) {
      const { rnd, nodes, pods } = randomCluster(seed);
      const snap = Snapshot.from(nodes, pods());
      const pl = new InterPodAffinity(frameworkFor(snap));
      for (let round = 0; round < 3; round++) {
        for (const [i, kind] of ['aff', 'anti', 'both', 'pref', 'prefAnti'].entries()) {
          const key = rnd(2) === 0 ? ZONE : HOST;
          const mk = (): Pod => {
            const term = {
              topologyKey: key,
              labelSelector: { matchLabels: { app: rnd(3) === 0 ? 'y' : 'x' } },
              namespaces: ['a'],
            };
            const req = { requiredDuringSchedulingIgnoredDuringExecution: [term] };
            const pref = {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 5, podAffinityTerm: term },
              ],
            };
            const affinity: Affinity =
              kind === 'aff'
                ? { podAffinity: req }
                : kind === 'anti'
                  ? { podAntiAffinity: req }
                  : kind === 'both'
                    ? { podAffinity: req, podAntiAffinity: req }
                    : kind === 'pref'
                      ? { podAffinity: pref }
                      : { podAntiAffinity: pref };
            return st.makePod(`in-${seed}-${round}-${i}`, {
              namespace: 'b',
              labels: { app: 'x' },
              affinity,
            });
          };
          // The same pod with each term's namespace list turned into an equal namespaceSelector.
          const indexedPod = mk();
          const scannedPod: Pod = JSON.parse(JSON.stringify(indexedPod)) as Pod;
          for (const t of [
            ...(scannedPod.spec?.affinity?.podAffinity
              ?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
            ...(scannedPod.spec?.affinity?.podAntiAffinity
              ?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
            ...(
              scannedPod.spec?.affinity?.podAffinity
                ?.preferredDuringSchedulingIgnoredDuringExecution ?? []
            ).map((w) => w.podAffinityTerm),
            ...(
              scannedPod.spec?.affinity?.podAntiAffinity
                ?.preferredDuringSchedulingIgnoredDuringExecution ?? []
            ).map((w) => w.podAffinityTerm),
          ]) {
            delete t.namespaces;
            t.namespaceSelector = { matchLabels: { name: 'a' } };
          }
          const indexed = outcome(pl, indexedPod, snap);
          const scanned = outcome(pl, scannedPod, snap);
          assert.deepEqual(indexed, scanned, `seed ${seed} round ${round} ${kind}`);
        }
        for (const p of pods()) snap.addPod(p);
        const victim = snap.list()[rnd(nodes.length)]?.pods[0];
        if (victim !== undefined) snap.removePod(victim.pod);
        const n = nodes[rnd(nodes.length)] as Node;
        snap.setNode({
          ...n,
          metadata: { ...n.metadata, labels: { ...n.metadata?.labels, [ZONE]: `z${rnd(4)}` } },
        });
      }
    }
  });

  it('schedulePod decides and diagnoses alike with and without the cheap-filter shortcut', () => {
    /** The in-tree factory, with the plugin's cheapFilter flag turned off. */
    const notCheap =
      (f: PluginFactory): PluginFactory =>
      (args, handle) => {
        const pl = f(args, handle);
        Object.defineProperty(pl, 'cheapFilter', { value: false });
        return pl;
      };
    const summary = (o: ScheduleOutcome): unknown =>
      o.kind === 'scheduled'
        ? [o.suggestedHost, o.evaluatedNodes, o.feasibleNodes]
        : o.kind === 'unschedulable'
          ? [
              o.fitError.message,
              [...o.fitError.diagnosis.unschedulablePlugins].sort(),
              [...o.fitError.diagnosis.nodeToStatus.entries()].map(
                ([n, st]) => `${n}:${st.code}:${st.plugin}:${st.reasons.join('|')}`,
              ),
            ]
          : o.error.message;
    let unschedulable = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const rnd = st.seededRandomInt(seed);
      const nodes = Array.from({ length: 40 }, (_, i) =>
        st.makeNode(`n${i}`, {
          labels: { [HOST]: `n${i}`, [ZONE]: `z${i % 3}` },
          allocatable: { cpu: String(1 + rnd(3)), memory: '8Gi', pods: '20' },
          ...(rnd(10) === 0 ? { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] } : {}),
        }),
      );
      const snap = Snapshot.from(nodes);
      const seedA = st.seededRandomInt(seed * 7);
      const seedB = st.seededRandomInt(seed * 7);
      const cheap = newDefaultFramework({}, { randomInt: seedA });
      const full = newDefaultFramework(
        {},
        { randomInt: seedB },
        new Map([
          ['PodTopologySpread', notCheap(newPodTopologySpreadFactory)],
          ['InterPodAffinity', notCheap(newInterPodAffinityFactory)],
        ]),
      );
      const sa: SchedulerState = { nextStartNodeIndex: 0, percentageOfNodesToScore: 0 };
      const sb: SchedulerState = { nextStartNodeIndex: 0, percentageOfNodesToScore: 0 };
      for (let i = 0; i < 150; i++) {
        const app = `app${rnd(3)}`;
        const kind = rnd(3);
        const pod = st.makePod(`p${seed}-${i}`, {
          labels: { app },
          containers: [{ cpu: `${200 + rnd(4) * 300}m` }],
          ...(kind === 0
            ? {
                topologySpreadConstraints: [
                  {
                    maxSkew: 1,
                    topologyKey: ZONE,
                    whenUnsatisfiable: 'DoNotSchedule',
                    labelSelector: { matchLabels: { app } },
                  },
                ],
              }
            : kind === 1
              ? {
                  affinity: {
                    podAntiAffinity: {
                      requiredDuringSchedulingIgnoredDuringExecution: [
                        { topologyKey: HOST, labelSelector: { matchLabels: { app } } },
                      ],
                    },
                  },
                }
              : {}),
        });
        const a = schedulePod(cheap, new CycleState(), pod, snap, sa);
        const b = schedulePod(full, new CycleState(), pod, snap, sb);
        assert.deepEqual(summary(a), summary(b), `seed ${seed} pod ${i}`);
        assert.equal(sa.nextStartNodeIndex, sb.nextStartNodeIndex);
        if (a.kind === 'scheduled') snap.addPod(pod, a.suggestedHost);
        else unschedulable++;
      }
    }
    // The clusters fill up: the diagnoses were compared too.
    assert.ok(unschedulable > 20, `only ${unschedulable} unschedulable pods`);
  });
});
