/**
 * InterPodAffinity plugin (upstream plugins/interpodaffinity): Filter enforces the incoming pod's
 * required pod affinity / anti-affinity and the required anti-affinity of pods already placed;
 * Score adds preferred terms (both directions) and existing pods' required affinity (weighted by
 * hardPodAffinityWeight), per topology domain.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { matchesNothing } from '../../../api/index.ts';
import type { Labels } from '../../../api/index.ts';
import { Code, MAX_NODE_SCORE, Status, newPodInfo } from '../../framework/index.ts';
import type {
  AffinityTerm,
  CycleState,
  FilterPlugin,
  Handle,
  NodeInfo,
  NodeScore,
  PluginFactory,
  PodInfo,
  PreFilterExtensions,
  PreFilterOutput,
  PreFilterPlugin,
  PreScorePlugin,
  ScoreExtensions,
  ScorePlugin,
  StateData,
  WeightedAffinityTerm,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'InterPodAffinity';
/** Upstream ErrReasonExistingAntiAffinityRulesNotMatch. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY =
  "node(s) didn't satisfy existing pods anti-affinity rules";
/** Upstream ErrReasonAffinityRulesNotMatch. */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
/** Upstream ErrReasonAntiAffinityRulesNotMatch. */
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

/** InterPodAffinityArgs (upstream config.InterPodAffinityArgs, defaults applied). */
export interface InterPodAffinityArgs {
  /** Score weight of an existing pod's required affinity term matching the incoming pod; default 1, 0..100. */
  readonly hardPodAffinityWeight?: number;
  /** Ignore existing pods' preferred terms when the incoming pod has none; default false. */
  readonly ignorePreferredTermsOfExistingPods?: boolean;
}

const EMPTY: Labels = Object.freeze({});

/**
 * Whether `pod` is selected by `term`, reading namespace labels only when the term has a
 * namespaceSelector (upstream merges matching namespaces into the term; equivalent).
 */
function termMatches(term: AffinityTerm, pod: Pod, handle: Handle): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!term.namespaces.has(ns)) {
    if (matchesNothing(term.namespaceSelector)) return false;
    if (!term.namespaceSelector.matches(handle.namespaceLabels(ns) ?? EMPTY)) return false;
  }
  return term.selector.matches(pod.metadata?.labels ?? EMPTY);
}

/** Like termMatches but with the target pod's namespace labels already known. */
function termMatchesWithLabels(term: AffinityTerm, pod: Pod, nsLabels: Labels): boolean {
  if (
    !term.namespaces.has(pod.metadata?.namespace ?? '') &&
    !term.namespaceSelector.matches(nsLabels)
  )
    return false;
  return term.selector.matches(pod.metadata?.labels ?? EMPTY);
}

/** Counts per topology key and value (upstream topologyToMatchedTermCount). */
class TopologyCounts {
  readonly m = new Map<string, Map<string, number>>();
  size = 0;

  update(node: Node, key: string, value: number): void {
    const v = node.metadata?.labels?.[key];
    if (v === undefined) return;
    let inner = this.m.get(key);
    if (inner === undefined) {
      inner = new Map();
      this.m.set(key, inner);
    }
    const cur = inner.get(v) ?? 0;
    const next = cur + value;
    if (next === 0) {
      if (inner.delete(v)) this.size--;
      if (inner.size === 0) this.m.delete(key);
    } else {
      if (cur === 0) this.size++;
      inner.set(v, next);
    }
  }

  get(key: string, value: string): number {
    return this.m.get(key)?.get(value) ?? 0;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, inner] of this.m) c.m.set(k, new Map(inner));
    c.size = this.size;
    return c;
  }
}

function podMatchesAllAffinityTerms(
  terms: readonly AffinityTerm[],
  pod: Pod,
  handle: Handle,
): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, handle)) return false;
  return true;
}

class PreFilterState implements StateData {
  constructor(
    readonly podInfo: PodInfo,
    readonly namespaceLabels: Labels,
    /** Existing pods' required anti-affinity terms matched by the incoming pod. */
    public existingAntiAffinityCounts: TopologyCounts,
    /** Existing pods matching all of the incoming pod's required affinity terms. */
    public affinityCounts: TopologyCounts,
    /** Existing pods matching the incoming pod's required anti-affinity terms. */
    public antiAffinityCounts: TopologyCounts,
  ) {}

  clone(): StateData {
    return new PreFilterState(
      this.podInfo,
      this.namespaceLabels,
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
    );
  }
}

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

class PreScoreState implements StateData {
  constructor(readonly topologyScore: Map<string, Map<string, number>>) {}
  clone(): StateData {
    return this;
  }
}

/** The InterPodAffinity plugin (PreFilter with extensions, Filter, PreScore, Score). */
export class InterPodAffinity
  implements
    PreFilterPlugin,
    FilterPlugin,
    PreScorePlugin,
    ScorePlugin,
    ScoreExtensions,
    PreFilterExtensions
{
  readonly name = NAME;
  readonly #hardWeight: number;
  readonly #ignorePreferredOfExisting: boolean;

  constructor(
    private readonly handle: Handle,
    args: InterPodAffinityArgs = {},
  ) {
    this.#hardWeight = args.hardPodAffinityWeight ?? 1;
    this.#ignorePreferredOfExisting = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  // ---- Filter ----

  preFilter(state: CycleState, pod: Pod): PreFilterOutput {
    const snapshot = this.handle.snapshot();
    const podInfo = newPodInfo(pod);
    if (podInfo.parseError !== undefined) {
      return {
        status: Status.new(
          Code.UnschedulableAndUnresolvable,
          `parsing pod: ${podInfo.parseError.message}`,
        ),
      };
    }
    const nsLabels = this.handle.namespaceLabels(pod.metadata?.namespace ?? '') ?? EMPTY;
    const existing = new TopologyCounts();
    for (const ni of snapshot.havePodsWithRequiredAntiAffinityList()) {
      const node = ni.node;
      if (node === undefined) continue;
      for (const ep of ni.podsWithRequiredAntiAffinity) {
        for (const t of ep.requiredAntiAffinityTerms) {
          if (termMatchesWithLabels(t, pod, nsLabels)) existing.update(node, t.topologyKey, 1);
        }
      }
    }
    const affinity = new TopologyCounts();
    const anti = new TopologyCounts();
    const req = podInfo.requiredAffinityTerms;
    const reqAnti = podInfo.requiredAntiAffinityTerms;
    if (req.length > 0 || reqAnti.length > 0) {
      for (const ni of snapshot.list()) {
        const node = ni.node;
        if (node === undefined) continue;
        for (const ep of ni.pods) {
          this.#updateIncoming(affinity, anti, podInfo, ep.pod, node, 1);
        }
      }
    }
    if (existing.size === 0 && req.length === 0 && reqAnti.length === 0)
      return { status: Status.new(Code.Skip) };
    state.write(PRE_FILTER_KEY, new PreFilterState(podInfo, nsLabels, existing, affinity, anti));
    return { status: Status.SUCCESS };
  }

  #updateIncoming(
    affinity: TopologyCounts,
    anti: TopologyCounts,
    podInfo: PodInfo,
    target: Pod,
    node: Node,
    value: number,
  ): void {
    const req = podInfo.requiredAffinityTerms;
    if (req.length > 0 && podMatchesAllAffinityTerms(req, target, this.handle)) {
      for (const t of req) affinity.update(node, t.topologyKey, value);
    }
    for (const t of podInfo.requiredAntiAffinityTerms) {
      if (termMatches(t, target, this.handle)) anti.update(node, t.topologyKey, value);
    }
  }

  preFilterExtensions(): PreFilterExtensions {
    return this;
  }

  addPod(state: CycleState, _podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status {
    return this.#updateWithPod(state, podToAdd, nodeInfo, 1);
  }

  removePod(state: CycleState, _podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status {
    return this.#updateWithPod(state, podToRemove, nodeInfo, -1);
  }

  #updateWithPod(state: CycleState, pod: Pod, nodeInfo: NodeInfo, value: number): Status {
    const s = state.read(PRE_FILTER_KEY);
    const node = nodeInfo.node;
    if (!(s instanceof PreFilterState) || node === undefined) return Status.SUCCESS;
    const pi = newPodInfo(pod);
    for (const t of pi.requiredAntiAffinityTerms) {
      if (termMatchesWithLabels(t, s.podInfo.pod, s.namespaceLabels))
        s.existingAntiAffinityCounts.update(node, t.topologyKey, value);
    }
    this.#updateIncoming(s.affinityCounts, s.antiAffinityCounts, s.podInfo, pod, node, value);
    return Status.SUCCESS;
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read(PRE_FILTER_KEY);
    if (!(s instanceof PreFilterState)) {
      return Status.asStatus(new Error(`reading "${PRE_FILTER_KEY}" from cycleState: not found`));
    }
    const labels = nodeInfo.node?.metadata?.labels ?? EMPTY;
    if (!this.#satisfyPodAffinity(s, labels))
      return Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY);
    if (!satisfyPodAntiAffinity(s, labels))
      return Status.new(Code.Unschedulable, ERR_REASON_ANTI_AFFINITY);
    if (!satisfyExistingPodsAntiAffinity(s, labels))
      return Status.new(Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY);
    return Status.SUCCESS;
  }

  #satisfyPodAffinity(s: PreFilterState, labels: Labels): boolean {
    let podsExist = true;
    for (const t of s.podInfo.requiredAffinityTerms) {
      const v = labels[t.topologyKey];
      // All topology labels must exist on the node.
      if (v === undefined) return false;
      if (s.affinityCounts.get(t.topologyKey, v) <= 0) podsExist = false;
    }
    if (!podsExist) {
      // The first pod of a group with affinity to itself may go anywhere with the topologies
      // (upstream: no other pod matches and the pod matches its own terms).
      return (
        s.affinityCounts.size === 0 &&
        podMatchesAllAffinityTerms(s.podInfo.requiredAffinityTerms, s.podInfo.pod, this.handle)
      );
    }
    return true;
  }

  // ---- Score ----

  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
    if (nodes.length === 0) return Status.SUCCESS;
    const aff = pod.spec?.affinity;
    const hasConstraints =
      (aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 ||
      (aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
    if (this.#ignorePreferredOfExisting && !hasConstraints) return Status.new(Code.Skip);
    const snapshot = this.handle.snapshot();
    // Without preferred terms of its own, only nodes hosting pods with affinity matter.
    const all = hasConstraints ? snapshot.list() : snapshot.havePodsWithAffinityList();
    if (all.length === 0) return Status.new(Code.Skip);
    const podInfo = newPodInfo(pod);
    if (podInfo.parseError !== undefined) return Status.asStatus(podInfo.parseError);
    const nsLabels = this.handle.namespaceLabels(pod.metadata?.namespace ?? '') ?? EMPTY;
    const topo = new Map<string, Map<string, number>>();
    for (const ni of all) {
      const node = ni.node;
      if (node === undefined) continue;
      const labels = node.metadata?.labels;
      if (labels === undefined || Object.keys(labels).length === 0) continue;
      const pods = hasConstraints ? ni.pods : ni.podsWithAffinity;
      for (const ep of pods) this.#processExistingPod(topo, podInfo, ep, labels, pod, nsLabels);
    }
    if (topo.size === 0) return Status.new(Code.Skip);
    state.write(PRE_SCORE_KEY, new PreScoreState(topo));
    return Status.SUCCESS;
  }

  #processExistingPod(
    topo: Map<string, Map<string, number>>,
    incoming: PodInfo,
    existing: PodInfo,
    nodeLabels: Labels,
    incomingPod: Pod,
    nsLabels: Labels,
  ): void {
    const add = (t: AffinityTerm, weight: number, matches: boolean): void => {
      if (!matches) return;
      const v = nodeLabels[t.topologyKey];
      if (v === undefined) return;
      let inner = topo.get(t.topologyKey);
      if (inner === undefined) {
        inner = new Map();
        topo.set(t.topologyKey, inner);
      }
      inner.set(v, (inner.get(v) ?? 0) + weight);
    };
    const incomingTerms = (terms: readonly WeightedAffinityTerm[], sign: number): void => {
      for (const t of terms) add(t, t.weight * sign, termMatches(t, existing.pod, this.handle));
    };
    incomingTerms(incoming.preferredAffinityTerms, 1);
    incomingTerms(incoming.preferredAntiAffinityTerms, -1);
    if (this.#hardWeight > 0) {
      for (const t of existing.requiredAffinityTerms)
        add(t, this.#hardWeight, termMatchesWithLabels(t, incomingPod, nsLabels));
    }
    for (const t of existing.preferredAffinityTerms)
      add(t, t.weight, termMatchesWithLabels(t, incomingPod, nsLabels));
    for (const t of existing.preferredAntiAffinityTerms)
      add(t, -t.weight, termMatchesWithLabels(t, incomingPod, nsLabels));
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number | Status {
    const s = state.read(PRE_SCORE_KEY);
    if (!(s instanceof PreScoreState))
      return Status.asStatus(new Error(`reading "${PRE_SCORE_KEY}" from cycleState: not found`));
    const labels = nodeInfo.node?.metadata?.labels ?? EMPTY;
    let score = 0;
    for (const [k, values] of s.topologyScore) {
      const v = labels[k];
      if (v !== undefined) score += values.get(v) ?? 0;
    }
    return score;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read(PRE_SCORE_KEY);
    if (!(s instanceof PreScoreState) || s.topologyScore.size === 0) return Status.SUCCESS;
    let min = Infinity;
    let max = -Infinity;
    for (const sc of scores) {
      if (sc.score > max) max = sc.score;
      if (sc.score < min) min = sc.score;
    }
    const diff = max - min;
    for (const sc of scores) {
      sc.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((sc.score - min) / diff)) : 0;
    }
    return Status.SUCCESS;
  }
}

function satisfyPodAntiAffinity(s: PreFilterState, labels: Labels): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  for (const t of s.podInfo.requiredAntiAffinityTerms) {
    const v = labels[t.topologyKey];
    if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return false;
  }
  return true;
}

function satisfyExistingPodsAntiAffinity(s: PreFilterState, labels: Labels): boolean {
  if (s.existingAntiAffinityCounts.size === 0) return true;
  for (const [k, inner] of s.existingAntiAffinityCounts.m) {
    const v = labels[k];
    if (v !== undefined && (inner.get(v) ?? 0) > 0) return false;
  }
  return true;
}

/** Factory for the registry; args are {@link InterPodAffinityArgs}. */
export const newInterPodAffinity: PluginFactory = (args, handle) =>
  new InterPodAffinity(handle, args ?? {});
