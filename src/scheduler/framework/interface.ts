/**
 * Plugin interfaces of the scheduling framework (upstream framework/interface.go). A plugin
 * object implements any subset of the extension-point interfaces; the runtime detects them by
 * their methods. Every method returns a {@link Status} (or a score) and never throws for a
 * normal outcome; a thrown exception is treated as Code.Error.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { Labels, Selector } from '../../api/index.ts';
import type { CycleState } from './cycle-state.ts';
import type { NodeInfo } from './node-info.ts';
import type { NodeInfoLister } from './snapshot.ts';
import { Code, Status } from './status.ts';

/** Highest score a Score plugin may give after normalisation. */
export const MAX_NODE_SCORE = 100;
/** Lowest score. */
export const MIN_NODE_SCORE = 0;
/** Largest total score (upstream MaxTotalScore = MaxInt64). */
export const MAX_TOTAL_SCORE = Number.MAX_SAFE_INTEGER;

/** Every plugin has a name, which is also its registry key. */
export interface Plugin {
  readonly name: string;
}

/**
 * Node names a PreFilter plugin narrows the search to (upstream PreFilterResult). `nodeNames`
 * undefined means all nodes.
 */
export interface PreFilterResult {
  readonly nodeNames: ReadonlySet<string> | undefined;
}

/** Intersection of two PreFilterResults (upstream Merge); undefined stands for "all nodes". */
export function mergePreFilterResults(
  a: PreFilterResult | undefined,
  b: PreFilterResult | undefined,
): PreFilterResult | undefined {
  if (a?.nodeNames === undefined) return b;
  if (b?.nodeNames === undefined) return a;
  const out = new Set<string>();
  for (const n of a.nodeNames) if (b.nodeNames.has(n)) out.add(n);
  return { nodeNames: out };
}

/** What PreFilter returns. */
export interface PreFilterOutput {
  readonly result?: PreFilterResult | undefined;
  readonly status: Status;
}

/** Incremental updates of PreFilter state when preemption adds/removes pods on a node. */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status;
  removePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status;
}

/** Decides whether a pod may enter the active queue (e.g. scheduling gates). */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Status;
}

/** Runs once per pod before Filter. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): PreFilterOutput;
  /** The AddPod/RemovePod extensions, if the plugin keeps PreFilter state that depends on pods. */
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

/** Decides whether the pod fits one node. Hot path: no allocation on success. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  /**
   * Set by plugins whose Filter is cheap, pure and, after their PreFilter succeeded, returns only
   * Success or a rejection (never Error) for the snapshot's nodes. The framework runs these
   * first and skips the other filters on the nodes they reject (a rejected node is infeasible
   * whatever the others say); the full chain, in profile order, runs on those nodes only when
   * their statuses are read, i.e. when the pod fits nowhere. Skiff-only: upstream runs the
   * filters of every node in parallel instead.
   */
  readonly cheapFilter?: boolean;
}

/** Node name → Status for nodes that failed Filter, plus the status of nodes not listed. */
export class NodeToStatus {
  readonly #map = new Map<string, Status>();
  #absent: Status;

  /** `absent` is the status of nodes that are not in the map (upstream default: UnschedulableAndUnresolvable). */
  constructor(absent: Status = Status.new(Code.UnschedulableAndUnresolvable)) {
    this.#absent = absent;
  }

  /** The status of a node: its own entry or the absent-node status. */
  get(name: string): Status {
    return this.#map.get(name) ?? this.#absent;
  }

  /** Records a node's status. */
  set(name: string, s: Status): void {
    this.#map.set(name, s);
  }

  /** Number of explicit entries. */
  get size(): number {
    return this.#map.size;
  }

  /** The status of nodes that have no entry. */
  get absentNodesStatus(): Status {
    return this.#absent;
  }

  /** Sets the status of nodes that have no entry. */
  setAbsentNodesStatus(s: Status): void {
    this.#absent = s;
  }

  /** The explicit entries, in insertion order. */
  entries(): IterableIterator<[string, Status]> {
    return this.#map.entries();
  }

  /**
   * The NodeInfos whose status has `code` (upstream NodesForStatusCode): explicit entries, plus
   * every node without an entry when the absent status has that code.
   */
  nodesForStatusCode(nodes: readonly NodeInfo[], code: Code): NodeInfo[] {
    const out: NodeInfo[] = [];
    const absentMatches = this.#absent.code === code;
    for (const n of nodes) {
      const s = this.#map.get(n.name);
      if (s === undefined ? absentMatches : s.code === code) out.push(n);
    }
    return out;
  }
}

/** What PostFilter decided; `nominatedNodeName` '' clears an earlier nomination. */
export interface PostFilterResult {
  readonly nominatedNodeName: string;
  /** Pods the caller must delete before the pod can fit (preemption victims). */
  readonly victims?: readonly Pod[];
  /** Lower-priority pods nominated to the same node whose nomination the caller must clear. */
  readonly nominationsToClear?: readonly Pod[];
}

/** What PostFilter returns. */
export interface PostFilterOutput {
  readonly result?: PostFilterResult | undefined;
  readonly status: Status;
}

/** Runs when no node fits (e.g. preemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(state: CycleState, pod: Pod, filteredNodeStatus: NodeToStatus): PostFilterOutput;
}

/** Runs once per pod before Score with the feasible nodes. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status;
}

/** A node and its score. */
export interface NodeScore {
  readonly name: string;
  score: number;
}

/** Normalises all nodes' scores in place to [0, 100]. */
export interface ScoreExtensions {
  normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
}

/** Ranks a feasible node; returns the score, or a Status on error. Hot path. */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status;
  scoreExtensions?(): ScoreExtensions | undefined;
}

/** Reserve/Unreserve: claim and release resources for an assumed pod. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

/** What Permit returns: Success, Wait (with a timeout) or a rejection. */
export interface PermitOutput {
  readonly status: Status;
  readonly timeoutMs: number;
}

/** Approves, denies or delays binding. */
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: Pod, nodeName: string): PermitOutput;
}

/** Work before binding (e.g. volumes); may be asynchronous. */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Status | Promise<Status>;
}

/** Binds the pod; Skip passes to the next Bind plugin. May be asynchronous. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: Pod, nodeName: string): Status | Promise<Status>;
}

/** Informational hook after a successful bind. */
export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/** Orders the active queue: true when `a` must be scheduled before `b`. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPod, b: QueuedPod): boolean;
}

/** The queue's view of a pod for QueueSort. */
export interface QueuedPod {
  readonly pod: Pod;
  /** When the pod entered the queue (ms since epoch, from the queue's clock). */
  readonly timestamp: number;
}

/** A pod the queue has nominated to a node after preemption. */
export interface NominatedPod {
  readonly pod: Pod;
  readonly nodeName: string;
}

/**
 * What plugins may use from their framework (upstream framework.Handle): the current snapshot,
 * namespace labels, nominated pods and re-running filters (for preemption).
 */
export interface Handle {
  /** The snapshot of the current cycle. */
  snapshot(): NodeInfoLister;
  /** Labels of a namespace; undefined when unknown (namespaceSelector then sees no labels). */
  namespaceLabels(namespace: string): Labels | undefined;
  /**
   * The selector of the pod's owning Services, ReplicationControllers, ReplicaSets and
   * StatefulSets (upstream helper.DefaultSelector), for PodTopologySpread's default
   * constraints; an empty selector means "no default spreading". See buildDefaultSelector.
   */
  defaultSelector(pod: Pod): Selector;
  /** PodDisruptionBudgets to respect when choosing preemption victims (all namespaces). */
  podDisruptionBudgets(): readonly PodDisruptionBudget[];
  /** Pods nominated to a node (by earlier preemption), highest priority first. */
  nominatedPodsForNode(nodeName: string): readonly Pod[];
  /** Runs Filter with nominated pods of equal or higher priority considered (upstream RunFilterPluginsWithNominatedPods). */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  /** Runs every PreFilter extension's AddPod. */
  runPreFilterExtensionAddPod(
    state: CycleState,
    podToSchedule: Pod,
    podToAdd: Pod,
    nodeInfo: NodeInfo,
  ): Status;
  /** Runs every PreFilter extension's RemovePod. */
  runPreFilterExtensionRemovePod(
    state: CycleState,
    podToSchedule: Pod,
    podToRemove: Pod,
    nodeInfo: NodeInfo,
  ): Status;
  /** A random integer in [0, n) from the injected RNG. */
  randomInt(n: number): number;
  /** Current time in ms (injected clock). */
  now(): number;
}

/** Builds a plugin from its args (from pluginConfig, already defaulted by the plugin) and the handle. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;

/** Plugin name → factory. */
export type Registry = ReadonlyMap<string, PluginFactory>;
