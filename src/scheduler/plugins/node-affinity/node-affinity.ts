/**
 * NodeAffinity plugin (upstream plugins/nodeaffinity): Filter enforces spec.nodeSelector, the
 * required node affinity and the profile's `addedAffinity`; PreFilter narrows to node names
 * when every term pins `metadata.name`; Score sums the weights of matching preferred terms.
 */
import type { NodeAffinity as NodeAffinityType, Pod } from 'kubernetes-types/core/v1.js';
import {
  Code,
  CompiledNodeSelector,
  MAX_NODE_SCORE,
  PreferredSchedulingTerms,
  RequiredNodeAffinity,
  Status,
  defaultNormalizeScore,
} from '../../framework/index.ts';
import type {
  CycleState,
  FilterPlugin,
  NodeInfo,
  NodeScore,
  PluginFactory,
  PreFilterOutput,
  PreFilterPlugin,
  PreScorePlugin,
  ScoreExtensions,
  ScorePlugin,
  StateData,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'NodeAffinity';
/** Upstream ErrReasonPod. */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
/** Upstream errReasonEnforced. */
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
/** Upstream errReasonConflict. */
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

/** NodeAffinityArgs: node affinity the profile adds to every pod. */
export interface NodeAffinityArgs {
  readonly addedAffinity?: NodeAffinityType;
}

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

class PreFilterState implements StateData {
  constructor(readonly required: RequiredNodeAffinity) {}
  clone(): StateData {
    return this;
  }
}

class PreScoreState implements StateData {
  constructor(readonly preferred: PreferredSchedulingTerms | undefined) {}
  clone(): StateData {
    return this;
  }
}

function podPreferred(pod: Pod): PreferredSchedulingTerms | undefined {
  const p = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  return p !== undefined ? new PreferredSchedulingTerms(p) : undefined;
}

/** The NodeAffinity plugin (PreFilter, Filter, PreScore, Score). */
export class NodeAffinity
  implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions
{
  readonly name = NAME;
  readonly #addedNodeSelector: CompiledNodeSelector | undefined;
  readonly #addedPref: PreferredSchedulingTerms | undefined;

  constructor(args: NodeAffinityArgs = {}) {
    const a = args.addedAffinity;
    const req = a?.requiredDuringSchedulingIgnoredDuringExecution;
    this.#addedNodeSelector = req !== undefined ? new CompiledNodeSelector(req) : undefined;
    const pref = a?.preferredDuringSchedulingIgnoredDuringExecution;
    this.#addedPref =
      pref !== undefined && pref.length > 0 ? new PreferredSchedulingTerms(pref) : undefined;
  }

  preFilter(state: CycleState, pod: Pod): PreFilterOutput {
    const req = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (
      req === undefined &&
      this.#addedNodeSelector === undefined &&
      pod.spec?.nodeSelector === undefined
    ) {
      return { status: Status.new(Code.Skip) };
    }
    state.write(PRE_FILTER_KEY, new PreFilterState(new RequiredNodeAffinity(pod)));
    if (req === undefined || req.nodeSelectorTerms.length === 0) return { status: Status.SUCCESS };
    // Terms are ORed; a term pinning metadata.name restricts to those names (ANDed within it).
    let nodeNames: Set<string> | undefined;
    for (const t of req.nodeSelectorTerms) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key === 'metadata.name' && r.operator === 'In') {
          const s = new Set(r.values ?? []);
          termNames = termNames === undefined ? s : new Set([...termNames].filter((n) => s.has(n)));
        }
      }
      if (termNames === undefined) return { status: Status.SUCCESS };
      nodeNames ??= new Set();
      for (const n of termNames) nodeNames.add(n);
    }
    if (nodeNames !== undefined && nodeNames.size === 0) {
      return { status: Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON_CONFLICT) };
    }
    if (nodeNames !== undefined) return { result: { nodeNames }, status: Status.SUCCESS };
    return { status: Status.SUCCESS };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (node === undefined) return Status.new(Code.Error, 'node not found');
    if (this.#addedNodeSelector !== undefined && !this.#addedNodeSelector.match(node)) {
      return Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON_ENFORCED);
    }
    const s = state.read(PRE_FILTER_KEY);
    // Without PreFilter state (PreFilter disabled) compute it here, like upstream.
    const required = s instanceof PreFilterState ? s.required : new RequiredNodeAffinity(pod);
    if (!required.match(node)) return Status.new(Code.UnschedulableAndUnresolvable, ERR_REASON_POD);
    return Status.SUCCESS;
  }

  preScore(state: CycleState, pod: Pod, _nodes: readonly NodeInfo[]): Status {
    const preferred = podPreferred(pod);
    if (preferred === undefined && this.#addedPref === undefined) return Status.new(Code.Skip);
    state.write(PRE_SCORE_KEY, new PreScoreState(preferred));
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const node = nodeInfo.node;
    if (node === undefined) return Status.new(Code.Error, 'node not found');
    let count = 0;
    if (this.#addedPref !== undefined) count += this.#addedPref.score(node);
    const s = state.read(PRE_SCORE_KEY);
    const preferred = s instanceof PreScoreState ? s.preferred : podPreferred(pod);
    if (preferred !== undefined) count += preferred.score(node);
    return count;
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return Status.SUCCESS;
  }
}

/** Factory for the registry; args are {@link NodeAffinityArgs}. */
export const newNodeAffinity: PluginFactory = (args) => new NodeAffinity(args ?? {});
