/**
 * NodeResourcesFit plugin (upstream plugins/noderesources/fit.go and its scoring strategies):
 * Filter checks the pod's requests (cpu, memory, ephemeral-storage, extended resources, pod
 * count) against allocatable minus what is already requested; Score ranks by LeastAllocated,
 * MostAllocated or RequestedToCapacityRatio.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  Code,
  MAX_NODE_SCORE,
  Status,
  allocatableAndRequested,
  computePodResources,
  isExtendedResourceName,
  podResourceRequestList,
} from '../../framework/index.ts';
import type {
  CycleState,
  FilterPlugin,
  NodeInfo,
  PluginFactory,
  PreFilterOutput,
  PreFilterPlugin,
  PreScorePlugin,
  Resource,
  ResourceSpec,
  ScorePlugin,
  StateData,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'NodeResourcesFit';

/** Scoring strategy types (upstream config.ScoringStrategyType). */
export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

/** A point of the RequestedToCapacityRatio function; utilization 0..100, score 0..10. */
export interface UtilizationShapePoint {
  readonly utilization: number;
  readonly score: number;
}

/** NodeResourcesFitArgs (upstream config.NodeResourcesFitArgs). */
export interface NodeResourcesFitArgs {
  readonly ignoredResources?: readonly string[];
  readonly ignoredResourceGroups?: readonly string[];
  readonly scoringStrategy?: {
    readonly type?: ScoringStrategyType;
    readonly resources?: readonly ResourceSpec[];
    readonly requestedToCapacityRatio?: { readonly shape: readonly UtilizationShapePoint[] };
  };
}

/** Default scored resources: cpu and memory with weight 1. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** One resource the pod lacks on a node (upstream InsufficientResource). */
export interface InsufficientResource {
  readonly resourceName: string;
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
  /** True when the request exceeds the node's whole allocatable: preemption cannot help. */
  readonly unresolvable: boolean;
}

/**
 * Upstream fitsRequest: the resources the pod lacks on the node, in upstream order (pods, cpu,
 * memory, ephemeral-storage, then scalar resources sorted by name). Empty when it fits.
 */
export function fitsRequest(
  req: Resource,
  nodeInfo: NodeInfo,
  ignoredExtended: ReadonlySet<string> = new Set(),
  ignoredGroups: ReadonlySet<string> = new Set(),
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  const allowed = alloc.allowedPodNumber;
  if (nodeInfo.pods.length + 1 > allowed) {
    out.push({
      resourceName: 'pods',
      reason: 'Too many pods',
      requested: 1,
      used: nodeInfo.pods.length,
      capacity: allowed,
      unresolvable: false,
    });
  }
  if (
    req.milliCPU === 0 &&
    req.memory === 0 &&
    req.ephemeralStorage === 0 &&
    (req.scalar?.size ?? 0) === 0
  ) {
    return out;
  }
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    out.push({
      resourceName: 'cpu',
      reason: 'Insufficient cpu',
      requested: req.milliCPU,
      used: used.milliCPU,
      capacity: alloc.milliCPU,
      unresolvable: req.milliCPU > alloc.milliCPU,
    });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    out.push({
      resourceName: 'memory',
      reason: 'Insufficient memory',
      requested: req.memory,
      used: used.memory,
      capacity: alloc.memory,
      unresolvable: req.memory > alloc.memory,
    });
  }
  if (
    req.ephemeralStorage > 0 &&
    req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage
  ) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
      unresolvable: req.ephemeralStorage > alloc.ephemeralStorage,
    });
  }
  if (req.scalar !== undefined && req.scalar.size > 0) {
    const names = [...req.scalar.keys()].sort();
    for (const name of names) {
      const q = req.scalar.get(name) ?? 0;
      if (q === 0) continue;
      if (isExtendedResourceName(name)) {
        const prefix = name.split('/')[0] ?? '';
        if (ignoredExtended.has(name) || ignoredGroups.has(prefix)) continue;
      }
      const a = alloc.getScalar(name);
      const u = used.getScalar(name);
      if (q > a - u) {
        out.push({
          resourceName: name,
          reason: `Insufficient ${name}`,
          requested: q,
          used: u,
          capacity: a,
          unresolvable: q > a,
        });
      }
    }
  }
  return out;
}

/** True when every requested resource fits outright (no ignored-resource subtleties needed). */
function fitsQuick(req: Resource, nodeInfo: NodeInfo): boolean {
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) return false;
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) return false;
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) return false;
  if (
    req.ephemeralStorage > 0 &&
    req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage
  ) {
    return false;
  }
  if (req.scalar !== undefined) {
    for (const [name, q] of req.scalar) {
      if (q > 0 && q > alloc.getScalar(name) - used.getScalar(name)) return false;
    }
  }
  return true;
}

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

class PreFilterState implements StateData {
  constructor(readonly requests: Resource) {}
  clone(): StateData {
    return this;
  }
}

class PreScoreState implements StateData {
  constructor(readonly podRequests: readonly number[]) {}
  clone(): StateData {
    return this;
  }
}

/** Upstream leastRequestedScore. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** Upstream mostRequestedScore. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  const r = requested > capacity ? capacity : requested;
  return Math.trunc((r * MAX_NODE_SCORE) / capacity);
}

/** Upstream helper.BuildBrokenLinearFunction over points with scores already scaled to 0..100. */
export function brokenLinearFunction(
  shape: readonly UtilizationShapePoint[],
): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      const cur = shape[i] as UtilizationShapePoint;
      if (p <= cur.utilization) {
        if (i === 0) return cur.score;
        const prev = shape[i - 1] as UtilizationShapePoint;
        return (
          prev.score +
          Math.trunc(
            ((cur.score - prev.score) * (p - prev.utilization)) /
              (cur.utilization - prev.utilization),
          )
        );
      }
    }
    return shape[shape.length - 1]?.score ?? 0;
  };
}

type VectorScorer = (requested: readonly number[], allocatable: readonly number[]) => number;

function weightedScorer(
  resources: readonly ResourceSpec[],
  f: (req: number, cap: number) => number,
): VectorScorer {
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      const a = allocatable[i] ?? 0;
      if (a === 0) continue;
      const w = resources[i]?.weight ?? 1;
      nodeScore += f(requested[i] ?? 0, a) * w;
      weightSum += w;
    }
    return weightSum === 0 ? 0 : Math.trunc(nodeScore / weightSum);
  };
}

/** Upstream requestedToCapacityRatioScorer; shape scores are 0..10 and scaled by 10. */
export function requestedToCapacityRatioScorer(
  resources: readonly ResourceSpec[],
  shape: readonly UtilizationShapePoint[],
): VectorScorer {
  const raw = brokenLinearFunction(
    shape.map((p) => ({ utilization: p.utilization, score: p.score * 10 })),
  );
  const resourceScore = (req: number, cap: number): number =>
    cap === 0 || req > cap ? raw(100) : raw(Math.trunc((req * 100) / cap));
  return (requested, allocatable) => {
    let nodeScore = 0;
    let weightSum = 0;
    for (let i = 0; i < requested.length; i++) {
      const a = allocatable[i] ?? 0;
      if (a === 0) continue;
      const w = resources[i]?.weight ?? 1;
      const s = resourceScore(requested[i] ?? 0, a);
      if (s > 0) {
        nodeScore += s * w;
        weightSum += w;
      }
    }
    return weightSum === 0 ? 0 : Math.round(nodeScore / weightSum);
  };
}

/** The NodeResourcesFit plugin (PreFilter, Filter, PreScore, Score). */
export class NodeResourcesFit
  implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin
{
  readonly name = NAME;
  readonly #ignored: ReadonlySet<string>;
  readonly #ignoredGroups: ReadonlySet<string>;
  readonly #resources: readonly ResourceSpec[];
  readonly #scorer: VectorScorer;
  readonly #req: number[];
  readonly #alloc: number[];
  readonly #tmp: [number, number] = [0, 0];

  constructor(args: NodeResourcesFitArgs = {}) {
    this.#ignored = new Set(args.ignoredResources ?? []);
    this.#ignoredGroups = new Set(args.ignoredResourceGroups ?? []);
    const strategy = args.scoringStrategy ?? {};
    this.#resources = strategy.resources ?? DEFAULT_RESOURCES;
    switch (strategy.type ?? 'LeastAllocated') {
      case 'LeastAllocated':
        this.#scorer = weightedScorer(this.#resources, leastRequestedScore);
        break;
      case 'MostAllocated':
        this.#scorer = weightedScorer(this.#resources, mostRequestedScore);
        break;
      case 'RequestedToCapacityRatio':
        this.#scorer = requestedToCapacityRatioScorer(
          this.#resources,
          strategy.requestedToCapacityRatio?.shape ?? [
            { utilization: 0, score: 10 },
            { utilization: 100, score: 0 },
          ],
        );
        break;
    }
    this.#req = new Array<number>(this.#resources.length).fill(0);
    this.#alloc = new Array<number>(this.#resources.length).fill(0);
  }

  preFilter(state: CycleState, pod: Pod): PreFilterOutput {
    state.write(PRE_FILTER_KEY, new PreFilterState(computePodResources(pod).requests));
    return { status: Status.SUCCESS };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const s = state.read(PRE_FILTER_KEY);
    const req = s instanceof PreFilterState ? s.requests : computePodResources(pod).requests;
    // Fast path without allocation: the common case is a pod that fits.
    if (fitsQuick(req, nodeInfo)) return Status.SUCCESS;
    const insufficient = fitsRequest(req, nodeInfo, this.#ignored, this.#ignoredGroups);
    if (insufficient.length === 0) return Status.SUCCESS;
    const code = insufficient.some((r) => r.unresolvable)
      ? Code.UnschedulableAndUnresolvable
      : Code.Unschedulable;
    return Status.new(code, ...insufficient.map((r) => r.reason));
  }

  preScore(state: CycleState, pod: Pod, _nodes: readonly NodeInfo[]): Status {
    state.write(
      PRE_SCORE_KEY,
      new PreScoreState(podResourceRequestList(pod, this.#resources, false)),
    );
    return Status.SUCCESS;
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
    if (nodeInfo.node === undefined) return Status.new(Code.Error, 'node not found');
    const s = state.read(PRE_SCORE_KEY);
    const podReqs =
      s instanceof PreScoreState
        ? s.podRequests
        : podResourceRequestList(pod, this.#resources, false);
    const tmp = this.#tmp;
    for (let i = 0; i < this.#resources.length; i++) {
      allocatableAndRequested(
        nodeInfo,
        (this.#resources[i] as ResourceSpec).name,
        podReqs[i] ?? 0,
        false,
        tmp,
      );
      this.#alloc[i] = tmp[0];
      this.#req[i] = tmp[0] === 0 ? 0 : tmp[1];
    }
    return this.#scorer(this.#req, this.#alloc);
  }
}

/** Factory for the registry; args are {@link NodeResourcesFitArgs}. */
export const newNodeResourcesFit: PluginFactory = (args) => new NodeResourcesFit(args ?? {});
