/**
 * TaintToleration plugin (upstream plugins/tainttoleration): Filter rejects nodes with a
 * NoSchedule/NoExecute taint the pod does not tolerate; Score prefers nodes with fewer
 * untolerated PreferNoSchedule taints.
 */
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import {
  Code,
  MAX_NODE_SCORE,
  Status,
  defaultNormalizeScore,
  findMatchingUntoleratedTaint,
  tolerationsTolerateTaint,
} from '../../framework/index.ts';
import type {
  CycleState,
  FilterPlugin,
  NodeInfo,
  NodeScore,
  PluginFactory,
  PreScorePlugin,
  ScoreExtensions,
  ScorePlugin,
  StateData,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'TaintToleration';
/** Upstream ErrReasonNotMatch. */
export const ERR_REASON_NOT_MATCH = "node(s) had taints that the pod didn't tolerate";

const PRE_SCORE_KEY = `PreScore${NAME}`;

function doNotSchedule(t: Taint): boolean {
  return t.effect === 'NoSchedule' || t.effect === 'NoExecute';
}

class PreScoreState implements StateData {
  constructor(readonly tolerationsPreferNoSchedule: readonly Toleration[]) {}
  clone(): StateData {
    return this;
  }
}

/** Tolerations that can tolerate PreferNoSchedule taints (empty effect or PreferNoSchedule). */
function preferNoScheduleTolerations(tolerations: readonly Toleration[] | undefined): Toleration[] {
  const out: Toleration[] = [];
  for (const t of tolerations ?? []) {
    if (t.effect === undefined || t.effect === '' || t.effect === 'PreferNoSchedule') out.push(t);
  }
  return out;
}

/** Number of PreferNoSchedule taints not tolerated (upstream countIntolerableTaintsPreferNoSchedule). */
function countIntolerable(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[],
): number {
  let n = 0;
  if (taints === undefined) return 0;
  for (const t of taints) {
    if (t.effect !== 'PreferNoSchedule') continue;
    if (!tolerationsTolerateTaint(tolerations, t)) n++;
  }
  return n;
}

/** The TaintToleration plugin (Filter, PreScore, Score). */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin, ScoreExtensions {
  readonly name = NAME;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const node = nodeInfo.node;
    if (node === undefined) return Status.new(Code.Error, 'invalid nodeInfo');
    const taints = node.spec?.taints;
    if (taints === undefined || taints.length === 0) return Status.SUCCESS;
    const taint = findMatchingUntoleratedTaint(taints, pod.spec?.tolerations, doNotSchedule);
    if (taint === undefined) return Status.SUCCESS;
    return Status.new(
      Code.UnschedulableAndUnresolvable,
      `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`,
    );
  }

  preScore(state: CycleState, pod: Pod, _nodes: readonly NodeInfo[]): Status {
    state.write(
      PRE_SCORE_KEY,
      new PreScoreState(preferNoScheduleTolerations(pod.spec?.tolerations)),
    );
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    const node = nodeInfo.node;
    if (node === undefined) return Status.new(Code.Error, 'node not found');
    const taints = node.spec?.taints;
    if (taints === undefined || taints.length === 0) return 0;
    const s = state.read(PRE_SCORE_KEY);
    const tolerations =
      s instanceof PreScoreState
        ? s.tolerationsPreferNoSchedule
        : preferNoScheduleTolerations(pod.spec?.tolerations);
    return countIntolerable(taints, tolerations);
  }

  scoreExtensions(): ScoreExtensions {
    return this;
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return Status.SUCCESS;
  }
}

/** Factory for the registry. */
export const newTaintToleration: PluginFactory = () => new TaintToleration();
