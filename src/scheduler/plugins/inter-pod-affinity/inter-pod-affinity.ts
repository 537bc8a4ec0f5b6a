/**
 * InterPodAffinity plugin (upstream plugins/interpodaffinity): Filter enforces the incoming pod's
 * required pod affinity / anti-affinity and the required anti-affinity of pods already placed;
 * Score adds preferred terms (both directions) and existing pods' required affinity (weighted by
 * hardPodAffinityWeight), per topology domain.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { matchesNothing } from '../../../api/index.ts';
import type { Labels } from '../../../api/index.ts';
import {
  Code,
  MAX_NODE_SCORE,
  Status,
  affinityTermKey,
  exactLabelOf,
  newPodInfo,
} from '../../framework/index.ts';
import type {
  AffinityTerm,
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

/**
 * Whether a term's matches can come from the snapshot's incremental counts: they must depend on
 * the pod alone, so not on namespace labels (a namespaceSelector).
 */
function indexable(t: AffinityTerm): boolean {
  return matchesNothing(t.namespaceSelector);
}

function matchesWithoutNamespaceSelector(t: AffinityTerm, pi: PodInfo): boolean {
  const m = pi.pod.metadata;
  return t.namespaces.has(m?.namespace ?? '') && t.selector.matches(m?.labels ?? EMPTY);
}

/** Pods matching an (indexable) term, per value of its topology key. */
function termCountSpec(t: AffinityTerm): PodCountSpec {
  return {
    id: `${NAME}\0${affinityTermKey(t)}`,
    topologyKey: t.topologyKey,
    requiredNodeKeys: [t.topologyKey],
    keepEmptyDomains: false,
    podLabel: exactLabelOf(t.selector),
    matches: (pi) => matchesWithoutNamespaceSelector(t, pi),
  };
}

/** Pods matching all of the (indexable) terms, per value of `topologyKey`. */
function allTermsCountSpec(terms: readonly AffinityTerm[], topologyKey: string): PodCountSpec {
  return {
    id: `${NAME}\0all\0${terms.map(affinityTermKey).join('\0\0')}\0\0${topologyKey}`,
    topologyKey,
    requiredNodeKeys: [topologyKey],
    keepEmptyDomains: false,
    podLabel: terms[0] === undefined ? undefined : exactLabelOf(terms[0].selector),
    matches: (pi) => {
      for (const t of terms) if (!matchesWithoutNamespaceSelector(t, pi)) return false;
      return true;
    },
  };
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

  /** Adds `n` (> 0) to a key and value (several update calls at once). */
  add(key: string, v: string, n: number): void {
    let inner = this.m.get(key);
    if (inner === undefined) {
      inner = new Map();
      this.m.set(key, inner);
    }
    const cur = inner.get(v) ?? 0;
    if (cur === 0) this.size++;
    inner.set(v, cur + n);
  }

  /** Adds the positive counts of a domain map under `key`. */
  addAll(key: string, counts: ReadonlyMap<string, number>): void {
    for (const [v, n] of counts) if (n > 0) this.add(key, v, n);
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
  /** Filter is a few lookups in the PreFilter state and never fails after PreFilter. */
  readonly cheapFilter = true;
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
    // Existing pods' required anti-affinity: the snapshot groups equal terms with their counts
    // per domain, so this costs one match per distinct term instead of one per pod.
    const existing = new TopologyCounts();
    for (const g of snapshot.requiredAntiAffinityTermGroups()) {
      if (termMatchesWithLabels(g.term, pod, nsLabels))
        existing.addAll(g.term.topologyKey, g.counts);
    }
    const affinity = new TopologyCounts();
    const anti = new TopologyCounts();
    const req = podInfo.requiredAffinityTerms;
    const reqAnti = podInfo.requiredAntiAffinityTerms;
    // The incoming pod's terms read the snapshot's per-domain counts of the pods they match,
    // except terms with a namespaceSelector, which scan every pod as upstream does.
    const scanAffinity = req.length > 0 && !req.every(indexable);
    if (req.length > 0 && !scanAffinity) {
      for (const t of req) {
        const counts = snapshot.podCountsByDomain(allTermsCountSpec(req, t.topologyKey));
        affinity.addAll(t.topologyKey, counts.pods);
      }
    }
    const scanAnti: AffinityTerm[] = [];
    for (const t of reqAnti) {
      if (indexable(t))
        anti.addAll(t.topologyKey, snapshot.podCountsByDomain(termCountSpec(t)).pods);
      else scanAnti.push(t);
    }
    if (scanAffinity || scanAnti.length > 0) {
      for (const ni of snapshot.list()) {
        const node = ni.node;
        if (node === undefined) continue;
        for (const ep of ni.pods) {
          if (scanAffinity && podMatchesAllAffinityTerms(req, ep.pod, this.handle)) {
            for (const t of req) affinity.update(node, t.topologyKey, 1);
          }
          for (const t of scanAnti) {
            if (termMatches(t, ep.pod, this.handle)) anti.update(node, t.topologyKey, 1);
          }
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
    if (hasConstraints) {
      // The incoming pod's preferred terms over every existing pod (upstream's processExistingPod,
      // first half): per-domain counts from the snapshot, a scan for namespaceSelector terms.
      const scan: { t: WeightedAffinityTerm; sign: number }[] = [];
      const terms = (ts: readonly WeightedAffinityTerm[], sign: number): void => {
        for (const t of ts) {
          if (!indexable(t)) {
            scan.push({ t, sign });
            continue;
          }
          for (const [v, n] of snapshot.podCountsByDomain(termCountSpec(t)).pods) {
            if (n > 0) addTopologyScore(topo, t.topologyKey, v, t.weight * sign * n);
          }
        }
      };
      terms(podInfo.preferredAffinityTerms, 1);
      terms(podInfo.preferredAntiAffinityTerms, -1);
      for (const ni of scan.length > 0 ? snapshot.list() : []) {
        const labels = ni.node?.metadata?.labels ?? EMPTY;
        for (const ep of ni.pods) {
          for (const { t, sign } of scan) {
            const v = labels[t.topologyKey];
            if (v !== undefined && termMatches(t, ep.pod, this.handle))
              addTopologyScore(topo, t.topologyKey, v, t.weight * sign);
          }
        }
      }
    }
    // Existing pods' terms that score the incoming pod (second half): only pods that have some.
    for (const ni of snapshot.havePodsWithScoredAffinityList()) {
      const labels = ni.node?.metadata?.labels;
      if (labels === undefined) continue;
      for (const ep of ni.podsWithScoredAffinity)
        this.#processExistingPod(topo, ep, labels, pod, nsLabels);
    }
    if (topo.size === 0) return Status.new(Code.Skip);
    state.write(PRE_SCORE_KEY, new PreScoreState(topo));
    return Status.SUCCESS;
  }

  /** The existing pod's terms that score the incoming pod (upstream processExistingPod, part). */
  #processExistingPod(
    topo: Map<string, Map<string, number>>,
    existing: PodInfo,
    nodeLabels: Labels,
    incomingPod: Pod,
    nsLabels: Labels,
  ): void {
    const add = (t: AffinityTerm, weight: number): void => {
      const v = nodeLabels[t.topologyKey];
      if (v !== undefined && termMatchesWithLabels(t, incomingPod, nsLabels))
        addTopologyScore(topo, t.topologyKey, v, weight);
    };
    if (this.#hardWeight > 0) {
      for (const t of existing.requiredAffinityTerms) add(t, this.#hardWeight);
    }
    for (const t of existing.preferredAffinityTerms) add(t, t.weight);
    for (const t of existing.preferredAntiAffinityTerms) add(t, -t.weight);
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

function addTopologyScore(
  topo: Map<string, Map<string, number>>,
  key: string,
  v: string,
  weight: number,
): void {
  let inner = topo.get(key);
  if (inner === undefined) {
    inner = new Map();
    topo.set(key, inner);
  }
  inner.set(v, (inner.get(v) ?? 0) + weight);
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
