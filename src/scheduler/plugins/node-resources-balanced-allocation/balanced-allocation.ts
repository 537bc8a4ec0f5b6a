/**
 * NodeResourcesBalancedAllocation plugin (upstream plugins/noderesources/balanced_allocation.go):
 * prefers nodes where the requested fractions of the resources stay close to each other
 * (1 − standard deviation of the fractions), counting the pod being placed.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  Code,
  MAX_NODE_SCORE,
  Status,
  allocatableAndRequested,
  podResourceRequestList,
} from '../../framework/index.ts';
import type {
  CycleState,
  NodeInfo,
  PluginFactory,
  PreScorePlugin,
  ResourceSpec,
  ScorePlugin,
  StateData,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'NodeResourcesBalancedAllocation';

/** NodeResourcesBalancedAllocationArgs: the resources to balance (default cpu, memory). */
export interface BalancedAllocationArgs {
  readonly resources?: readonly ResourceSpec[];
}

const PRE_SCORE_KEY = `PreScore${NAME}`;

class PreScoreState implements StateData {
  constructor(readonly podRequests: readonly number[]) {}
  clone(): StateData {
    return this;
  }
}

/** Upstream balancedResourceScorer over parallel requested/allocatable vectors. */
export function balancedResourceScore(
  requested: readonly number[],
  allocatable: readonly number[],
): number {
  let total = 0;
  let count = 0;
  let f0 = 0;
  let f1 = 0;
  for (let i = 0; i < requested.length; i++) {
    const a = allocatable[i] ?? 0;
    if (a === 0) continue;
    let f = (requested[i] ?? 0) / a;
    if (f > 1) f = 1;
    total += f;
    if (count === 0) f0 = f;
    else if (count === 1) f1 = f;
    count++;
  }
  let std = 0;
  if (count === 2) {
    std = Math.abs((f0 - f1) / 2);
  } else if (count > 2) {
    // Second pass for the variance; no intermediate array on the hot path.
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      const a = allocatable[i] ?? 0;
      if (a === 0) continue;
      let f = (requested[i] ?? 0) / a;
      if (f > 1) f = 1;
      sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** The NodeResourcesBalancedAllocation plugin (PreScore, Score). */
export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly #resources: readonly ResourceSpec[];
  readonly #req: number[];
  readonly #alloc: number[];
  readonly #tmp: [number, number] = [0, 0];

  constructor(args: BalancedAllocationArgs = {}) {
    this.#resources = args.resources ?? [
      { name: 'cpu', weight: 1 },
      { name: 'memory', weight: 1 },
    ];
    this.#req = new Array<number>(this.#resources.length).fill(0);
    this.#alloc = new Array<number>(this.#resources.length).fill(0);
  }

  preScore(state: CycleState, pod: Pod, _nodes: readonly NodeInfo[]): Status {
    const reqs = podResourceRequestList(pod, this.#resources, true);
    // A best-effort pod changes no fraction: skip scoring (upstream isBestEffortPod).
    if (reqs.every((r) => r === 0)) return Status.new(Code.Skip);
    state.write(PRE_SCORE_KEY, new PreScoreState(reqs));
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    if (nodeInfo.node === undefined) return Status.new(Code.Error, 'node not found');
    const s = state.read(PRE_SCORE_KEY);
    const podReqs =
      s instanceof PreScoreState
        ? s.podRequests
        : podResourceRequestList(pod, this.#resources, true);
    const tmp = this.#tmp;
    for (let i = 0; i < this.#resources.length; i++) {
      allocatableAndRequested(
        nodeInfo,
        (this.#resources[i] as ResourceSpec).name,
        podReqs[i] ?? 0,
        true,
        tmp,
      );
      this.#alloc[i] = tmp[0];
      this.#req[i] = tmp[0] === 0 ? 0 : tmp[1];
    }
    return balancedResourceScore(this.#req, this.#alloc);
  }
}

/** Factory for the registry; args are {@link BalancedAllocationArgs}. */
export const newBalancedAllocation: PluginFactory = (args) => new BalancedAllocation(args ?? {});
