/**
 * PodTopologySpread plugin (upstream plugins/podtopologyspread): Filter enforces DoNotSchedule
 * constraints (maxSkew against the global minimum, minDomains, nodeAffinityPolicy,
 * nodeTaintsPolicy, matchLabelKeys); Score prefers nodes that reduce the skew of ScheduleAnyway
 * constraints. Pods without constraints get the profile's default constraints (System:
 * hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) with the owners' selector.
 */
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labelSelectorAsSelector, matchesNothing, selectorFromSet } from '../../../api/index.ts';
import type { Labels, Selector } from '../../../api/index.ts';
import {
  Code,
  MAX_NODE_SCORE,
  RequiredNodeAffinity,
  Status,
  exactLabelOf,
  findMatchingUntoleratedTaint,
} from '../../framework/index.ts';
import type {
  CycleState,
  FilterPlugin,
  Handle,
  NodeInfo,
  NodeScore,
  PluginFactory,
  PodCountSpec,
  PodInfo,
  PreFilterExtensions,
  PreFilterOutput,
  PreFilterPlugin,
  PreScorePlugin,
  ScoreExtensions,
  ScorePlugin,
  StateData,
} from '../../framework/index.ts';
import type { Taint } from 'kubernetes-types/core/v1.js';

/** Registry name. */
export const NAME = 'PodTopologySpread';
/** Upstream ErrReasonConstraintsNotMatch. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH =
  "node(s) didn't match pod topology spread constraints";
/** Upstream ErrReasonNodeLabelNotMatch. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** Upstream systemDefaultConstraints. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

/** PodTopologySpreadArgs (upstream config.PodTopologySpreadArgs). */
export interface PodTopologySpreadArgs {
  /** Constraints for pods without their own; only used with defaultingType List. */
  readonly defaultConstraints?: readonly TopologySpreadConstraint[];
  /** `System` (default): {@link SYSTEM_DEFAULT_CONSTRAINTS}; `List`: `defaultConstraints`. */
  readonly defaultingType?: 'System' | 'List';
}

/** A parsed constraint (upstream topologySpreadConstraint). */
interface Constraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: Selector;
  readonly minDomains: number;
  readonly nodeAffinityPolicyHonor: boolean;
  readonly nodeTaintsPolicyHonor: boolean;
  /** The memo key of (namespace, selector) and its epoch, set on first use (countKeyOf). */
  countKey?: { key: number; epoch: number };
}

const EMPTY: Labels = Object.freeze({});

function doNotSchedule(t: Taint): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}

function matchNodeInclusionPolicies(
  c: Constraint,
  pod: Pod,
  node: Node,
  req: RequiredNodeAffinity,
): boolean {
  if (c.nodeAffinityPolicyHonor && !req.match(node)) return false;
  if (
    c.nodeTaintsPolicyHonor &&
    findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotSchedule) !==
      undefined
  ) {
    return false;
  }
  return true;
}

function nodeLabelsMatchSpreadConstraints(labels: Labels, cs: readonly Constraint[]): boolean {
  for (const c of cs) if (labels[c.topologyKey] === undefined) return false;
  return true;
}

/**
 * Counts of matching pods per node, memoised per NodeInfo object and generation (any change to
 * a NodeInfo bumps its generation). A scheduling cycle counts the pods of every node; between
 * two cycles only the node that got the last pod changes, so without the memo each cycle cost
 * O(all pods) (a Deployment of 4,000 pods spent ~70% of the scheduler's time here).
 */
const matchCounts = new WeakMap<
  NodeInfo,
  { generation: number; epoch: number; counts: Map<number, number> }
>();

/**
 * Small integers for (namespace, selector) pairs, so that the memo's lookups, one per node per
 * constraint per cycle, hash a number rather than build and hash a string each time (building
 * that string cost more than the counting the memo saved). Cleared when large: numbers are then
 * reused, so a new epoch invalidates every memo and every key handed out before.
 */
const countKeys = new Map<string, number>();
let keyEpoch = 0;
const MAX_COUNT_KEYS = 10_000;

function countKeyOf(c: Constraint, ns: string): number {
  if (c.countKey?.epoch === keyEpoch) return c.countKey.key;
  const s = `${ns}\0${c.selector.toString()}`;
  let k = countKeys.get(s);
  if (k === undefined) {
    if (countKeys.size >= MAX_COUNT_KEYS) {
      countKeys.clear();
      keyEpoch++;
    }
    k = countKeys.size;
    countKeys.set(s, k);
  }
  c.countKey = { key: k, epoch: keyEpoch };
  return k;
}

/** countPodsMatchSelector of the constraint's selector over a node's pods, through the memo. */
function matchingPodsOnNode(ni: NodeInfo, c: Constraint, ns: string): number {
  if (c.selector.empty()) return 0;
  const key = countKeyOf(c, ns);
  let memo = matchCounts.get(ni);
  if (memo?.generation !== ni.generation || memo.epoch !== keyEpoch) {
    memo = { generation: ni.generation, epoch: keyEpoch, counts: new Map() };
    matchCounts.set(ni, memo);
  }
  let n = memo.counts.get(key);
  if (n === undefined) {
    n = countPodsMatchSelector(ni.pods, c.selector, ns);
    memo.counts.set(key, n);
  }
  return n;
}

/** Upstream countPodsMatchSelector: same-namespace, non-terminating pods matching the selector. */
function countPodsMatchSelector(pods: readonly PodInfo[], selector: Selector, ns: string): number {
  if (selector.empty()) return 0;
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m === undefined || m.deletionTimestamp !== undefined || (m.namespace ?? '') !== ns)
      continue;
    if (selector.matches(m.labels ?? EMPTY)) n++;
  }
  return n;
}

/**
 * Whether the snapshot's incremental per-domain counts can stand for the per-node scan: every
 * node with the topology labels is eligible (no node-affinity or taint inclusion policy in play).
 */
function countsAreIndexable(c: Constraint, req: RequiredNodeAffinity): boolean {
  return (!c.nodeAffinityPolicyHonor || req.isEmpty()) && !c.nodeTaintsPolicyHonor;
}

/** The sorted, distinct topology keys of the constraints (nodes must have all of them). */
function topologyKeysOf(cs: readonly Constraint[]): string[] {
  return [...new Set(cs.map((c) => c.topologyKey))].sort();
}

/**
 * The snapshot count spec of countPodsMatchSelector(c.selector, ns) summed per value of
 * c.topologyKey over the nodes with every label in `nodeKeys`.
 */
function spreadCountSpec(c: Constraint, ns: string, nodeKeys: readonly string[]): PodCountSpec {
  const sel = c.selector;
  const selKey = matchesNothing(sel) ? '\u0001' : `=${sel.toString()}`;
  return {
    id: `${NAME}\0${ns}\0${selKey}\0${c.topologyKey}\0${nodeKeys.join('\0')}`,
    topologyKey: c.topologyKey,
    requiredNodeKeys: nodeKeys,
    keepEmptyDomains: true,
    podLabel: exactLabelOf(sel),
    matches: (pi) => {
      if (sel.empty()) return false;
      const m = pi.pod.metadata;
      if (m === undefined || m.deletionTimestamp !== undefined || (m.namespace ?? '') !== ns)
        return false;
      return sel.matches(m.labels ?? EMPTY);
    },
  };
}

/** Upstream criticalPaths: the two domains with the fewest matching pods. */
class CriticalPaths {
  v0 = '';
  n0 = 2147483647;
  v1 = '';
  n1 = 2147483647;

  update(tpVal: string, num: number): void {
    let i = -1;
    if (tpVal === this.v0) i = 0;
    else if (tpVal === this.v1) i = 1;
    if (i >= 0) {
      if (i === 0) this.n0 = num;
      else this.n1 = num;
      if (this.n0 > this.n1) {
        [this.v0, this.n0, this.v1, this.n1] = [this.v1, this.n1, this.v0, this.n0];
      }
    } else if (num < this.n0) {
      this.v1 = this.v0;
      this.n1 = this.n0;
      this.v0 = tpVal;
      this.n0 = num;
    } else if (num < this.n1) {
      this.v1 = tpVal;
      this.n1 = num;
    }
  }

  clone(): CriticalPaths {
    const c = new CriticalPaths();
    c.v0 = this.v0;
    c.n0 = this.n0;
    c.v1 = this.v1;
    c.n1 = this.n1;
    return c;
  }
}

class PreFilterState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly criticalPaths: CriticalPaths[],
    readonly tpValueToMatchNum: Map<string, number>[],
    /** Per constraint, 1 when the incoming pod matches its own selector (computed once). */
    readonly selfMatch: readonly number[],
  ) {}

  minMatchNum(i: number, minDomains: number): number {
    const domains = this.tpValueToMatchNum[i]?.size ?? 0;
    // Fewer eligible domains than minDomains: the global minimum is treated as 0.
    if (domains < minDomains) return 0;
    return this.criticalPaths[i]?.n0 ?? 0;
  }

  clone(): StateData {
    return new PreFilterState(
      this.constraints,
      this.criticalPaths.map((c) => c.clone()),
      this.tpValueToMatchNum.map((m) => new Map(m)),
      this.selfMatch,
    );
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly ignoredNodes: Set<string>,
    readonly topologyValueToPodCounts: Map<string, number>[],
    readonly topologyNormalizingWeight: number[],
  ) {}
  clone(): StateData {
    return this;
  }
}

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/** Upstream topologyNormalizingWeight: log(size + 2). */
function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

/** Upstream scoreForCount. */
function scoreForCount(cnt: number, maxSkew: number, tpWeight: number): number {
  return cnt * tpWeight + (maxSkew - 1);
}

/** The PodTopologySpread plugin (PreFilter with extensions, Filter, PreScore, Score). */
export class PodTopologySpread
  implements
    PreFilterPlugin,
    FilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    ScoreExtensions,
    PreFilterExtensions
{
  readonly name = NAME;
  /** Filter is a few lookups in the PreFilter state and never fails after PreFilter. */
  readonly cheapFilter = true;
  readonly #defaultConstraints: readonly TopologySpreadConstraint[];
  readonly #systemDefaulted: boolean;

  constructor(
    private readonly handle: Handle,
    args: PodTopologySpreadArgs = {},
  ) {
    this.#systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.#defaultConstraints = this.#systemDefaulted
      ? SYSTEM_DEFAULT_CONSTRAINTS
      : (args.defaultConstraints ?? []);
  }

  /** Upstream filterTopologySpreadConstraints (MinDomains, NodeInclusionPolicy and MatchLabelKeys enabled). */
  #filterConstraints(
    cs: readonly TopologySpreadConstraint[],
    podLabels: Labels,
    action: string,
  ): Constraint[] {
    const out: Constraint[] = [];
    for (const c of cs) {
      if (c.whenUnsatisfiable !== action) continue;
      let selector = labelSelectorAsSelector(c.labelSelector);
      if (c.matchLabelKeys !== undefined && c.matchLabelKeys.length > 0) {
        const set: Record<string, string> = {};
        for (const k of c.matchLabelKeys) {
          const v = podLabels[k];
          if (v !== undefined) set[k] = v;
        }
        const reqs = selector.requirements();
        if (Object.keys(set).length > 0 && reqs.selectable)
          selector = selectorFromSet(set).add(...reqs.requirements);
      }
      out.push({
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector,
        minDomains: c.minDomains ?? 1,
        nodeAffinityPolicyHonor: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
        nodeTaintsPolicyHonor: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
      });
    }
    return out;
  }

  #constraints(pod: Pod, action: string): Constraint[] {
    const labels = pod.metadata?.labels ?? EMPTY;
    const own = pod.spec?.topologySpreadConstraints;
    if (own !== undefined && own.length > 0) return this.#filterConstraints(own, labels, action);
    const cs = this.#filterConstraints(this.#defaultConstraints, labels, action);
    if (cs.length === 0) return cs;
    const selector = this.handle.defaultSelector(pod);
    if (selector.empty()) return [];
    return cs.map((c) => ({ ...c, selector }));
  }

  // ---- Filter ----

  preFilter(state: CycleState, pod: Pod): PreFilterOutput {
    let constraints: Constraint[];
    try {
      constraints = this.#constraints(pod, 'DoNotSchedule');
    } catch (e) {
      return {
        status: Status.asStatus(
          new Error(`get constraints from pod: ${e instanceof Error ? e.message : String(e)}`),
        ),
      };
    }
    if (constraints.length === 0) return { status: Status.new(Code.Skip) };
    const ns = pod.metadata?.namespace ?? '';
    const req = new RequiredNodeAffinity(pod);
    const snapshot = this.handle.snapshot();
    const nodeKeys = topologyKeysOf(constraints);
    const matchNum: Map<string, number>[] = [];
    // Constraints whose eligible nodes depend on the pod (inclusion policies) scan the nodes;
    // the others copy the snapshot's incremental counts (the same sums, without the scan).
    const scanned: number[] = [];
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i] as Constraint;
      if (countsAreIndexable(c, req)) {
        matchNum.push(new Map(snapshot.podCountsByDomain(spreadCountSpec(c, ns, nodeKeys)).pods));
      } else {
        matchNum.push(new Map());
        scanned.push(i);
      }
    }
    if (scanned.length > 0) {
      for (const ni of snapshot.list()) {
        const node = ni.node;
        if (node === undefined) continue;
        const labels = node.metadata?.labels ?? EMPTY;
        if (!nodeLabelsMatchSpreadConstraints(labels, constraints)) continue;
        for (const i of scanned) {
          const c = constraints[i] as Constraint;
          if (!matchNodeInclusionPolicies(c, pod, node, req)) continue;
          const v = labels[c.topologyKey] ?? '';
          const m = matchNum[i] as Map<string, number>;
          m.set(v, (m.get(v) ?? 0) + matchingPodsOnNode(ni, c, ns));
        }
      }
    }
    const paths = matchNum.map((m) => {
      const p = new CriticalPaths();
      for (const [v, n] of m) p.update(v, n);
      return p;
    });
    const podLabels = pod.metadata?.labels ?? EMPTY;
    const selfMatch = constraints.map((c) => (c.selector.matches(podLabels) ? 1 : 0));
    state.write(PRE_FILTER_KEY, new PreFilterState(constraints, paths, matchNum, selfMatch));
    return { status: Status.SUCCESS };
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status {
    this.#updateWithPod(state, podToAdd, podToSchedule, nodeInfo.node, 1);
    return Status.SUCCESS;
  }

  removePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status {
    this.#updateWithPod(state, podToRemove, podToSchedule, nodeInfo.node, -1);
    return Status.SUCCESS;
  }

  #updateWithPod(
    state: CycleState,
    updated: Pod,
    preemptor: Pod,
    node: Node | undefined,
    delta: number,
  ): void {
    const s = state.read(PRE_FILTER_KEY);
    if (!(s instanceof PreFilterState) || node === undefined) return;
    if ((updated.metadata?.namespace ?? '') !== (preemptor.metadata?.namespace ?? '')) return;
    const labels = node.metadata?.labels ?? EMPTY;
    if (!nodeLabelsMatchSpreadConstraints(labels, s.constraints)) return;
    const req = new RequiredNodeAffinity(preemptor);
    const podLabels = updated.metadata?.labels ?? EMPTY;
    s.constraints.forEach((c, i) => {
      if (!c.selector.matches(podLabels)) return;
      if (!matchNodeInclusionPolicies(c, preemptor, node, req)) return;
      const v = labels[c.topologyKey] ?? '';
      const m = s.tpValueToMatchNum[i] as Map<string, number>;
      const n = (m.get(v) ?? 0) + delta;
      m.set(v, n);
      s.criticalPaths[i]?.update(v, n);
    });
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (node === undefined) return Status.asStatus(new Error('node not found'));
    const s = state.read(PRE_FILTER_KEY);
    if (!(s instanceof PreFilterState)) {
      return Status.asStatus(new Error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`));
    }
    if (s.constraints.length === 0) return Status.SUCCESS;
    const labels = node.metadata?.labels ?? EMPTY;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i] as Constraint;
      const v = labels[c.topologyKey];
      if (v === undefined)
        return Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_LABEL_NOT_MATCH);
      const min = s.minMatchNum(i, c.minDomains);
      const self = s.selfMatch[i] ?? 0;
      const matchNum = s.tpValueToMatchNum[i]?.get(v) ?? 0;
      if (matchNum + self - min > c.maxSkew)
        return Status.new(Code.Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return Status.SUCCESS;
  }

  // ---- Score ----

  preScore(state: CycleState, pod: Pod, filteredNodes: readonly NodeInfo[]): Status {
    const snapshot = this.handle.snapshot();
    const all = snapshot.list();
    if (filteredNodes.length === 0 || all.length === 0) return Status.SUCCESS;
    let constraints: Constraint[];
    try {
      constraints = this.#constraints(pod, 'ScheduleAnyway');
    } catch (e) {
      return Status.asStatus(
        new Error(`calculating preScoreState: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    if (constraints.length === 0) return Status.new(Code.Skip);
    // Only non-system-default rules require every topology label (nodes without a zone label
    // still get hostname spreading).
    const requireAll =
      (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.#systemDefaulted;
    const ignored = new Set<string>();
    const counts = constraints.map(() => new Map<string, number>());
    const topoSize = constraints.map(() => 0);
    for (const ni of filteredNodes) {
      const labels = ni.node?.metadata?.labels ?? EMPTY;
      if (requireAll && !nodeLabelsMatchSpreadConstraints(labels, constraints)) {
        ignored.add(ni.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === LABEL_HOSTNAME) return;
        const v = labels[c.topologyKey] ?? '';
        const m = counts[i] as Map<string, number>;
        if (!m.has(v)) {
          m.set(v, 0);
          topoSize[i] = (topoSize[i] ?? 0) + 1;
        }
      });
    }
    const weights = constraints.map((c, i) =>
      topologyNormalizingWeight(
        c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignored.size : (topoSize[i] ?? 0),
      ),
    );
    const ns = pod.metadata?.namespace ?? '';
    const req = new RequiredNodeAffinity(pod);
    const nodeKeys = requireAll ? topologyKeysOf(constraints) : [];
    // Counts of the candidates' domains (hostname constraints have none: Score counts per node),
    // from the snapshot's incremental counts when the eligible nodes do not depend on the pod.
    const scanned: number[] = [];
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i] as Constraint;
      const m = counts[i] as Map<string, number>;
      if (m.size === 0) continue;
      if (!countsAreIndexable(c, req)) {
        scanned.push(i);
        continue;
      }
      const idx = snapshot.podCountsByDomain(spreadCountSpec(c, ns, nodeKeys)).pods;
      for (const v of m.keys()) m.set(v, idx.get(v) ?? 0);
    }
    for (const ni of scanned.length > 0 ? all : []) {
      const node = ni.node;
      if (node === undefined) continue;
      const labels = node.metadata?.labels ?? EMPTY;
      if (requireAll && !nodeLabelsMatchSpreadConstraints(labels, constraints)) continue;
      for (const i of scanned) {
        const c = constraints[i] as Constraint;
        if (!matchNodeInclusionPolicies(c, pod, node, req)) continue;
        const v = labels[c.topologyKey] ?? '';
        const m = counts[i] as Map<string, number>;
        const cur = m.get(v);
        // Domains without a candidate node, and per-node (hostname) counts, are skipped here.
        if (cur === undefined) continue;
        m.set(v, cur + matchingPodsOnNode(ni, c, ns));
      }
    }
    state.write(PRE_SCORE_KEY, new PreScoreState(constraints, ignored, counts, weights));
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read(PRE_SCORE_KEY);
    if (!(s instanceof PreScoreState))
      return Status.asStatus(new Error(`reading "${PRE_SCORE_KEY}" from cycleState: not found`));
    if (s.ignoredNodes.has(nodeInfo.name)) return 0;
    const labels = nodeInfo.node?.metadata?.labels ?? EMPTY;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i] as Constraint;
      const v = labels[c.topologyKey];
      if (v === undefined) continue;
      const cnt =
        c.topologyKey === LABEL_HOSTNAME
          ? matchingPodsOnNode(nodeInfo, c, pod.metadata?.namespace ?? '')
          : (s.topologyValueToPodCounts[i]?.get(v) ?? 0);
      score += scoreForCount(cnt, c.maxSkew, s.topologyNormalizingWeight[i] ?? 0);
    }
    return Math.round(score);
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read(PRE_SCORE_KEY);
    if (!(s instanceof PreScoreState)) return Status.SUCCESS;
    let min = Number.MAX_SAFE_INTEGER;
    let max = 0;
    for (const sc of scores) {
      if (s.ignoredNodes.has(sc.name)) continue;
      if (sc.score < min) min = sc.score;
      if (sc.score > max) max = sc.score;
    }
    for (const sc of scores) {
      if (s.ignoredNodes.has(sc.name)) {
        sc.score = 0;
      } else if (max === 0) {
        sc.score = MAX_NODE_SCORE;
      } else {
        sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
      }
    }
    return Status.SUCCESS;
  }
}

/** Factory for the registry; args are {@link PodTopologySpreadArgs}. */
export const newPodTopologySpread: PluginFactory = (args, handle) =>
  new PodTopologySpread(handle, args ?? {});
