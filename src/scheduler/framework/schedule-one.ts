/**
 * One scheduling decision (upstream pkg/scheduler/schedule_one.go: schedulePod,
 * findNodesThatFitPod, findNodesThatPassFilters, numFeasibleNodesToFind, prioritizeNodes,
 * selectHost) and FitError with upstream's message.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CycleState } from './cycle-state.ts';
import { NodeToStatus } from './interface.ts';
import type { PostFilterResult } from './interface.ts';
import type { NodeInfo } from './node-info.ts';
import type { Framework } from './runtime.ts';
import type { NodeInfoLister } from './snapshot.ts';
import { Code, Status } from './status.ts';

/** Below this many nodes every node is checked (upstream minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Lower bound of the adaptive percentage (upstream minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** Message of the error for an empty cluster (upstream ErrNoNodesAvailable). */
export const NO_NODES_AVAILABLE_MSG = 'no nodes available to schedule pods';

/** Why a pod did not fit (upstream framework.Diagnosis). */
export interface Diagnosis {
  readonly nodeToStatus: NodeToStatus;
  /** Plugins that rejected the pod on some node (the queue requeues on their events). */
  readonly unschedulablePlugins: Set<string>;
  /** Plugins that returned Pending. */
  readonly pendingPlugins: Set<string>;
  /** Message of a PreFilter rejection; '' when PreFilter passed. */
  preFilterMsg: string;
  /** Message of the PostFilter plugins (e.g. `preemption: ...`); '' when none. */
  postFilterMsg: string;
}

/** A new empty Diagnosis. */
export function newDiagnosis(): Diagnosis {
  return {
    nodeToStatus: new NodeToStatus(),
    unschedulablePlugins: new Set(),
    pendingPlugins: new Set(),
    preFilterMsg: '',
    postFilterMsg: '',
  };
}

/**
 * The placeholder status of a node a cheap filter rejected (FilterPlugin.cheapFilter): its real
 * status is computed by {@link resolveDeferredStatuses} when the diagnosis is read.
 */
const DEFERRED = Status.new(Code.Unschedulable, 'status deferred');

function addPluginStatus(d: Diagnosis, s: Status): void {
  if (s.plugin === '') return;
  if (s.isRejected()) d.unschedulablePlugins.add(s.plugin);
  if (s.code === Code.Pending) d.pendingPlugins.add(s.plugin);
}

/** Go's sort.Strings order (bytewise). */
function goLess(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The pod fits no node (upstream framework.FitError). `message` reads like upstream:
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.` followed
 * by the PostFilter message; reasons are counted over nodes and sorted as strings.
 */
export class FitError extends Error {
  override name = 'FitError';

  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super();
    this.message = this.error();
  }

  /** Sets the PostFilter message and refreshes `message`. */
  setPostFilterMsg(msg: string): void {
    this.diagnosis.postFilterMsg = msg;
    this.message = this.error();
  }

  /** Upstream FitError.Error(). */
  error(): string {
    const d = this.diagnosis;
    let msg = `0/${this.numAllNodes} nodes are available:`;
    if (d.preFilterMsg !== '') {
      msg += ` ${d.preFilterMsg}.`;
    } else {
      const reasons = new Map<string, number>();
      for (const [, s] of d.nodeToStatus.entries()) {
        for (const r of s.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      }
      const absent = this.numAllNodes - d.nodeToStatus.size;
      if (absent > 0) {
        for (const r of d.nodeToStatus.absentNodesStatus.reasons) {
          reasons.set(r, (reasons.get(r) ?? 0) + absent);
        }
      }
      const parts = [...reasons].map(([r, n]) => `${n} ${r}`).sort(goLess);
      if (parts.length > 0) msg += ` ${parts.join(', ')}.`;
    }
    if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}`;
    return msg;
  }
}

/** Where the pod goes (upstream ScheduleResult). */
export interface ScheduleResult {
  readonly suggestedHost: string;
  /** Nodes that went through Filter (feasible plus rejected). */
  readonly evaluatedNodes: number;
  readonly feasibleNodes: number;
}

/** The outcome of {@link schedulePod}. */
export type ScheduleOutcome =
  | ({ readonly kind: 'scheduled' } & ScheduleResult)
  | { readonly kind: 'unschedulable'; readonly fitError: FitError }
  | { readonly kind: 'error'; readonly error: Error; readonly status?: Status };

/**
 * Upstream numFeasibleNodesToFind: all nodes below 100; otherwise `percentage`% of them (0 means
 * adaptive: 50 − nodes/125, at least 5), but never fewer than 100.
 */
export function numFeasibleNodesToFind(
  percentage: number | undefined,
  numAllNodes: number,
): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage ?? 0;
  if (p === 0) {
    p = 50 - Math.trunc(numAllNodes / 125);
    if (p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * p) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** Scheduler-wide state kept between cycles (upstream Scheduler fields). */
export interface SchedulerState {
  /** Where the next search starts, so every node gets its turn (upstream nextStartNodeIndex). */
  nextStartNodeIndex: number;
  /** Global percentageOfNodesToScore; a profile's own value wins. 0 = adaptive. */
  percentageOfNodesToScore: number;
}

const defaultStates = new WeakMap<Framework, SchedulerState>();

/** The SchedulerState `schedulePod` uses for a framework when the caller passes none. */
export function schedulerStateFor(fwk: Framework): SchedulerState {
  let s = defaultStates.get(fwk);
  if (s === undefined) {
    s = { nextStartNodeIndex: 0, percentageOfNodesToScore: 0 };
    defaultStates.set(fwk, s);
  }
  return s;
}

function findNodesThatPassFilters(
  fwk: Framework,
  sched: SchedulerState,
  state: CycleState,
  pod: Pod,
  diagnosis: Diagnosis,
  nodes: readonly NodeInfo[],
): NodeInfo[] | Status {
  const numAll = nodes.length;
  let toFind = numFeasibleNodesToFind(
    fwk.percentageOfNodesToScore ?? sched.percentageOfNodesToScore,
    numAll,
  );
  if (!fwk.hasScorePlugins()) toFind = 1;
  const feasible: NodeInfo[] = [];
  if (numAll === 0) return feasible;
  const start = sched.nextStartNodeIndex % numAll;
  if (!fwk.hasFilterPlugins()) {
    for (let i = 0; i < toFind; i++) feasible.push(nodes[(start + i) % numAll] as NodeInfo);
    return feasible;
  }
  for (let i = 0; i < numAll; i++) {
    const ni = nodes[(start + i) % numAll] as NodeInfo;
    const s = fwk.runFilterPluginsForSearch(state, pod, ni);
    if (s === undefined) {
      // A cheap filter rejected it: infeasible; the placeholder keeps its place in the map.
      diagnosis.nodeToStatus.set(ni.name, DEFERRED);
      continue;
    }
    if (s.code === Code.Success) {
      feasible.push(ni);
      if (feasible.length >= toFind) break;
    } else if (s.code === Code.Error) {
      return s;
    } else {
      diagnosis.nodeToStatus.set(ni.name, s);
      addPluginStatus(diagnosis, s);
    }
  }
  return feasible;
}

/**
 * Replaces the placeholders of nodes a cheap filter rejected with the statuses of the full
 * filter chain (in profile order, as if it had run in the loop), in place so the map keeps its
 * order; returns an Error status like the loop would.
 */
function resolveDeferredStatuses(
  fwk: Framework,
  state: CycleState,
  pod: Pod,
  diagnosis: Diagnosis,
  snapshot: NodeInfoLister,
): Status | undefined {
  for (const [name, s] of diagnosis.nodeToStatus.entries()) {
    if (s !== DEFERRED) continue;
    const ni = snapshot.get(name);
    const full =
      ni === undefined
        ? Status.asStatus(new Error(`node "${name}" not found`))
        : fwk.runFilterPluginsWithNominatedPods(state, pod, ni);
    if (full.code === Code.Error) return full;
    if (full.code === Code.Success) {
      return Status.asStatus(
        new Error(`node "${name}" rejected by a cheap filter passed the full filter chain`),
      );
    }
    diagnosis.nodeToStatus.set(name, full);
    addPluginStatus(diagnosis, full);
  }
  return undefined;
}

function goSetString(names: Iterable<string>): string {
  return `[${[...names].sort(goLess).join(' ')}]`;
}

/**
 * Feasible nodes or the reason there are none (upstream findNodesThatFitPod). When some node is
 * feasible, nodes a cheap filter rejected (FilterPlugin.cheapFilter) hold a placeholder in
 * `diagnosis.nodeToStatus` (only the map's size and order mean anything then); when none is,
 * every status is the full filter chain's, as upstream.
 */
export function findNodesThatFitPod(
  fwk: Framework,
  sched: SchedulerState,
  state: CycleState,
  pod: Pod,
  snapshot: NodeInfoLister,
): { feasible: NodeInfo[]; diagnosis: Diagnosis } | Status {
  const diagnosis = newDiagnosis();
  const allNodes = snapshot.list();
  const pre = fwk.runPreFilterPlugins(state, pod);
  for (const p of pre.unschedulablePlugins) diagnosis.unschedulablePlugins.add(p);
  if (!pre.status.isSuccess()) {
    if (!pre.status.isRejected()) return pre.status;
    diagnosis.nodeToStatus.setAbsentNodesStatus(pre.status);
    diagnosis.preFilterMsg = pre.status.message();
    addPluginStatus(diagnosis, pre.status);
    return { feasible: [], diagnosis };
  }
  // A nominated node (from earlier preemption) is tried first: it is likely the only fit.
  const nnn = pod.status?.nominatedNodeName;
  if (nnn !== undefined && nnn !== '') {
    const ni = snapshot.get(nnn);
    if (ni !== undefined) {
      const r = findNodesThatPassFilters(fwk, { ...sched }, state, pod, diagnosis, [ni]);
      if (!(r instanceof Status) && r.length > 0) return { feasible: r, diagnosis };
    }
  }
  let nodes = allNodes;
  const names = pre.result?.nodeNames;
  if (names !== undefined) {
    const narrowed: NodeInfo[] = [];
    for (const n of names) {
      const ni = snapshot.get(n);
      if (ni !== undefined) narrowed.push(ni);
    }
    nodes = narrowed;
    diagnosis.nodeToStatus.setAbsentNodesStatus(
      Status.new(
        Code.UnschedulableAndUnresolvable,
        `node(s) didn't satisfy plugin(s) ${goSetString(pre.unschedulablePlugins)}`,
      ),
    );
  }
  const r = findNodesThatPassFilters(fwk, sched, state, pod, diagnosis, nodes);
  const processed = (r instanceof Status ? 0 : r.length) + diagnosis.nodeToStatus.size;
  if (allNodes.length > 0)
    sched.nextStartNodeIndex = (sched.nextStartNodeIndex + processed) % allNodes.length;
  if (r instanceof Status) return r;
  if (r.length === 0) {
    const err = resolveDeferredStatuses(fwk, state, pod, diagnosis, snapshot);
    if (err !== undefined) return err;
  }
  return { feasible: r, diagnosis };
}

/**
 * Picks the highest-scored node, breaking ties uniformly at random with `randomInt` (upstream
 * selectHost's reservoir sampling). `totals[i]` belongs to `nodes[i]`.
 */
export function selectHost(
  nodes: readonly NodeInfo[],
  totals: readonly number[],
  randomInt: (n: number) => number,
): string {
  let best = -Infinity;
  let selected = -1;
  let cnt = 0;
  for (let i = 0; i < nodes.length; i++) {
    const s = totals[i] ?? 0;
    if (s > best) {
      best = s;
      selected = i;
      cnt = 1;
    } else if (s === best) {
      cnt++;
      if (randomInt(cnt) === 0) selected = i;
    }
  }
  return selected < 0 ? '' : (nodes[selected] as NodeInfo).name;
}

/**
 * Runs PreFilter, Filter (with adaptive sampling from a rotating start index), PreScore, Score
 * and picks a host (upstream schedulePod). Does not change the snapshot: the caller assumes the
 * pod (`snapshot.addPod(pod, host)`) and runs Reserve/Permit/Bind. On `unschedulable` the caller
 * usually runs {@link runPostFilter} next.
 */
export function schedulePod(
  fwk: Framework,
  state: CycleState,
  pod: Pod,
  snapshot: NodeInfoLister,
  sched: SchedulerState = schedulerStateFor(fwk),
): ScheduleOutcome {
  fwk.setSnapshot(snapshot);
  if (snapshot.numNodes() === 0) return { kind: 'error', error: new Error(NO_NODES_AVAILABLE_MSG) };
  const fit = findNodesThatFitPod(fwk, sched, state, pod, snapshot);
  if (fit instanceof Status)
    return { kind: 'error', error: fit.asError() ?? new Error(fit.message()), status: fit };
  const { feasible, diagnosis } = fit;
  if (feasible.length === 0) {
    return { kind: 'unschedulable', fitError: new FitError(pod, snapshot.numNodes(), diagnosis) };
  }
  if (feasible.length === 1) {
    return {
      kind: 'scheduled',
      suggestedHost: (feasible[0] as NodeInfo).name,
      evaluatedNodes: 1 + diagnosis.nodeToStatus.size,
      feasibleNodes: 1,
    };
  }
  let totals: readonly number[];
  if (!fwk.hasScorePlugins()) {
    totals = feasible.map(() => 1);
  } else {
    const ps = fwk.runPreScorePlugins(state, pod, feasible);
    if (!ps.isSuccess())
      return { kind: 'error', error: ps.asError() ?? new Error(ps.message()), status: ps };
    const sc = fwk.runScorePlugins(state, pod, feasible);
    if (sc instanceof Status)
      return { kind: 'error', error: sc.asError() ?? new Error(sc.message()), status: sc };
    totals = sc.totals;
  }
  return {
    kind: 'scheduled',
    suggestedHost: selectHost(feasible, totals, (n) => fwk.randomInt(n)),
    evaluatedNodes: feasible.length + diagnosis.nodeToStatus.size,
    feasibleNodes: feasible.length,
  };
}

/**
 * Runs the PostFilter plugins after a FitError (upstream schedulingCycle): records their message
 * in the FitError (`preemption: ...`) and returns their result (nominated node, victims).
 */
export function runPostFilter(
  fwk: Framework,
  state: CycleState,
  pod: Pod,
  fitError: FitError,
): { result: PostFilterResult | undefined; status: Status } {
  if (!fwk.hasPostFilterPlugins())
    return { result: undefined, status: Status.new(Code.Unschedulable) };
  const out = fwk.runPostFilterPlugins(state, pod, fitError.diagnosis.nodeToStatus);
  const msg = out.status.message();
  fitError.setPostFilterMsg(msg);
  if (out.status.isRejected() && out.status.plugin !== '') {
    fitError.diagnosis.unschedulablePlugins.add(out.status.plugin);
  }
  return { result: out.result, status: out.status };
}

/** Convenience: a fresh CycleState for one attempt. */
export function newCycleStateFor(): CycleState {
  return new CycleState();
}
