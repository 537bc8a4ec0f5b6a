/**
 * DefaultPreemption PostFilter plugin (upstream plugins/defaultpreemption and
 * framework/preemption): when no node fits, finds nodes where evicting lower-priority pods lets
 * the pod fit (respecting PodDisruptionBudgets), picks one like upstream's
 * pickOneNodeForPreemption and returns the nominated node and the victims. It changes nothing:
 * the caller deletes the victims, clears `nominationsToClear` and sets the pod's
 * status.nominatedNodeName.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { labelSelectorAsSelector } from '../../../api/index.ts';
import type { Selector } from '../../../api/index.ts';
import {
  Code,
  FitError,
  NodeToStatus,
  Status,
  newDiagnosis,
  podPriority,
} from '../../framework/index.ts';
import type {
  CycleState,
  Handle,
  NodeInfo,
  PluginFactory,
  PodInfo,
  PostFilterOutput,
  PostFilterPlugin,
} from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'DefaultPreemption';

/** DefaultPreemptionArgs (upstream config.DefaultPreemptionArgs). */
export interface DefaultPreemptionArgs {
  /** Minimum candidates as a percentage of the potential nodes; default 10. */
  readonly minCandidateNodesPercentage?: number;
  /** Minimum number of candidates; default 100. */
  readonly minCandidateNodesAbsolute?: number;
}

/** A node where preemption would let the pod fit, with its victims (upstream Candidate). */
export interface Candidate {
  readonly name: string;
  /** Victims, most important first. */
  readonly victims: readonly Pod[];
  readonly numPDBViolations: number;
}

const MAX_INT32 = 2147483647;

/** `status.startTime` in ms, or `now` for pods that have not started (upstream GetPodStartTime). */
function podStartTime(pod: Pod, now: number): number {
  const t = pod.status?.startTime;
  if (t === undefined) return now;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? now : ms;
}

/** Upstream util.MoreImportantPod: higher priority, then earlier start. */
export function moreImportantPod(a: Pod, b: Pod, now: number): boolean {
  const p1 = podPriority(a);
  const p2 = podPriority(b);
  if (p1 !== p2) return p1 > p2;
  return podStartTime(a, now) < podStartTime(b, now);
}

/** Upstream filterPodsWithPDBViolation: splits pods by whether evicting them violates a PDB. */
export function filterPodsWithPDBViolation(
  pods: readonly PodInfo[],
  pdbs: readonly PodDisruptionBudget[],
): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const selectors: (Selector | undefined)[] = pdbs.map((p) => {
    try {
      return labelSelectorAsSelector(p.spec?.selector);
    } catch {
      return undefined;
    }
  });
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    const pod = pi.pod;
    const labels = pod.metadata?.labels ?? {};
    let violated = false;
    // A pod with no labels matches no PDB.
    if (Object.keys(labels).length > 0) {
      for (let i = 0; i < pdbs.length; i++) {
        const pdb = pdbs[i] as PodDisruptionBudget;
        if ((pdb.metadata?.namespace ?? '') !== (pod.metadata?.namespace ?? '')) continue;
        const sel = selectors[i];
        // A nil or empty selector matches nothing here.
        if (sel === undefined || sel.empty() || !sel.matches(labels)) continue;
        // Already counted by the API server (in DisruptedPods): not a new violation.
        if (pdb.status?.disruptedPods?.[pod.metadata?.name ?? ''] !== undefined) continue;
        allowed[i] = (allowed[i] ?? 0) - 1;
        if ((allowed[i] ?? 0) < 0) violated = true;
      }
    }
    (violated ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

/** Upstream GetEarliestPodStartTime over the highest-priority victims. */
function earliestStartOfHighestPriority(victims: readonly Pod[], now: number): number {
  const first = victims[0];
  if (first === undefined) return -Infinity;
  let earliest = podStartTime(first, now);
  let maxPrio = podPriority(first);
  for (const p of victims) {
    const prio = podPriority(p);
    if (prio === maxPrio) {
      const t = podStartTime(p, now);
      if (t < earliest) earliest = t;
    } else if (prio > maxPrio) {
      maxPrio = prio;
      earliest = podStartTime(p, now);
    }
  }
  return earliest;
}

/**
 * Upstream pickOneNodeForPreemption: fewest PDB violations, then the lowest highest-priority
 * victim, then the smallest sum of priorities, then the fewest victims, then the latest start
 * of the highest-priority victims; remaining ties go to the first candidate.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now: number): string {
  if (candidates.length === 0) return '';
  const scoreFuncs: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(c.victims[0] ?? {}),
    (c) => -c.victims.reduce((s, p) => s + podPriority(p) + MAX_INT32 + 1, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighestPriority(c.victims, now),
  ];
  let all = [...candidates];
  for (const f of scoreFuncs) {
    let max = -Infinity;
    let selected: Candidate[] = [];
    for (const c of all) {
      const s = f(c);
      if (s > max) {
        max = s;
        selected = [];
      }
      if (s === max) selected.push(c);
    }
    if (selected.length === 1) return (selected[0] as Candidate).name;
    all = selected;
  }
  return (all[0] as Candidate).name;
}

function podTerminatingByPreemption(p: Pod): boolean {
  if (p.metadata?.deletionTimestamp === undefined) return false;
  for (const c of p.status?.conditions ?? []) {
    if (c.type === 'DisruptionTarget')
      return c.status === 'True' && c.reason === 'PreemptionByScheduler';
  }
  return false;
}

/** The DefaultPreemption PostFilter plugin. */
export class DefaultPreemption implements PostFilterPlugin {
  readonly name = NAME;
  readonly #pct: number;
  readonly #abs: number;

  constructor(
    private readonly handle: Handle,
    args: DefaultPreemptionArgs = {},
  ) {
    this.#pct = args.minCandidateNodesPercentage ?? 10;
    this.#abs = args.minCandidateNodesAbsolute ?? 100;
  }

  postFilter(state: CycleState, pod: Pod, m: NodeToStatus): PostFilterOutput {
    const out = this.#preempt(state, pod, m);
    const msg = out.status.message();
    if (msg.length > 0) {
      const s = Status.new(out.status.code, `preemption: ${msg}`);
      return { result: out.result, status: s };
    }
    return out;
  }

  /** Upstream PodEligibleToPreemptOthers. */
  podEligibleToPreemptOthers(pod: Pod, nominatedNodeStatus: Status): { ok: boolean; msg: string } {
    if (pod.spec?.preemptionPolicy === 'Never')
      return { ok: false, msg: 'not eligible due to preemptionPolicy=Never.' };
    const nnn = pod.status?.nominatedNodeName;
    if (nnn !== undefined && nnn !== '') {
      // A nominated node the filters call unresolvable is fair game for preempting again.
      if (nominatedNodeStatus.code === Code.UnschedulableAndUnresolvable)
        return { ok: true, msg: '' };
      const ni = this.handle.snapshot().get(nnn);
      if (ni !== undefined) {
        const prio = podPriority(pod);
        for (const p of ni.pods) {
          if (podPriority(p.pod) < prio && podTerminatingByPreemption(p.pod)) {
            return {
              ok: false,
              msg: 'not eligible due to a terminating pod on the nominated node.',
            };
          }
        }
      }
    }
    return { ok: true, msg: '' };
  }

  /** Upstream calculateNumCandidates. */
  numCandidates(numNodes: number): number {
    let n = Math.trunc((numNodes * this.#pct) / 100);
    if (n < this.#abs) n = this.#abs;
    if (n > numNodes) n = numNodes;
    return n;
  }

  #preempt(state: CycleState, pod: Pod, m: NodeToStatus): PostFilterOutput {
    const nominatedStatus = m.get(pod.status?.nominatedNodeName ?? '');
    const eligible = this.podEligibleToPreemptOthers(pod, nominatedStatus);
    if (!eligible.ok) return { status: Status.new(Code.Unschedulable, eligible.msg) };
    const allNodes = this.handle.snapshot().list();
    if (allNodes.length === 0) return { status: Status.asStatus(new Error('no nodes available')) };
    const potential = m.nodesForStatusCode(allNodes, Code.Unschedulable);
    let candidates: Candidate[] = [];
    let statuses = new NodeToStatus();
    if (potential.length > 0) {
      const offset = this.handle.randomInt(potential.length);
      const dry = this.dryRunPreemption(
        state,
        pod,
        potential,
        offset,
        this.numCandidates(potential.length),
      );
      if (dry.error !== undefined && dry.candidates.length === 0)
        return { status: Status.asStatus(dry.error) };
      candidates = dry.candidates;
      statuses = dry.statuses;
    }
    if (candidates.length === 0) {
      statuses.setAbsentNodesStatus(
        Status.new(Code.UnschedulableAndUnresolvable, 'Preemption is not helpful for scheduling'),
      );
      const fe = new FitError(pod, allNodes.length, { ...newDiagnosis(), nodeToStatus: statuses });
      return {
        result: { nominatedNodeName: '' },
        status: Status.new(Code.Unschedulable, fe.message),
      };
    }
    const best = pickOneNodeForPreemption(candidates, this.handle.now());
    const chosen = candidates.find((c) => c.name === best) ?? candidates[0];
    if (chosen === undefined || chosen.name === '')
      return { status: Status.new(Code.Unschedulable, 'no candidate node for preemption') };
    const prio = podPriority(pod);
    const nominationsToClear = this.handle
      .nominatedPodsForNode(chosen.name)
      .filter((p) => podPriority(p) < prio);
    return {
      result: { nominatedNodeName: chosen.name, victims: chosen.victims, nominationsToClear },
      status: Status.SUCCESS,
    };
  }

  /**
   * Upstream DryRunPreemption: tries `potential` nodes round-robin from `offset` until enough
   * candidates are found (at least one without PDB violations). Statuses of nodes that cannot
   * help are returned for the FitError.
   */
  dryRunPreemption(
    state: CycleState,
    pod: Pod,
    potential: readonly NodeInfo[],
    offset: number,
    numCandidates: number,
  ): { candidates: Candidate[]; statuses: NodeToStatus; error: Error | undefined } {
    const nonViolating: Candidate[] = [];
    const violating: Candidate[] = [];
    const statuses = new NodeToStatus();
    const pdbs = this.handle.podDisruptionBudgets();
    let error: Error | undefined;
    for (let i = 0; i < potential.length; i++) {
      const ni = (potential[(offset + i) % potential.length] as NodeInfo).clone();
      const r = this.selectVictimsOnNode(state.clone(), pod, ni, pdbs);
      let status = r.status;
      if (status.isSuccess() && r.victims.length > 0) {
        const c: Candidate = {
          name: ni.name,
          victims: r.victims,
          numPDBViolations: r.numPDBViolations,
        };
        (r.numPDBViolations === 0 ? nonViolating : violating).push(c);
        if (nonViolating.length > 0 && nonViolating.length + violating.length >= numCandidates)
          break;
        continue;
      }
      if (status.isSuccess())
        status = Status.asStatus(
          new Error(`expected at least one victim pod on node "${ni.name}"`),
        );
      if (status.code === Code.Error) error ??= status.asError();
      statuses.set(ni.name, status);
    }
    return { candidates: [...nonViolating, ...violating], statuses, error };
  }

  /**
   * Upstream SelectVictimsOnNode: removes every lower-priority pod, checks the pod fits, then
   * reprieves as many as possible (PDB-violating ones first, most important first). `nodeInfo`
   * and `state` are modified: pass copies.
   */
  selectVictimsOnNode(
    state: CycleState,
    pod: Pod,
    nodeInfo: NodeInfo,
    pdbs: readonly PodDisruptionBudget[],
  ): { victims: Pod[]; numPDBViolations: number; status: Status } {
    const h = this.handle;
    const remove = (pi: PodInfo): Status => {
      nodeInfo.removePod(pi.pod);
      return h.runPreFilterExtensionRemovePod(state, pod, pi.pod, nodeInfo);
    };
    const add = (pi: PodInfo): Status => {
      nodeInfo.addPod(pi);
      return h.runPreFilterExtensionAddPod(state, pod, pi.pod, nodeInfo);
    };
    const prio = podPriority(pod);
    const potential: PodInfo[] = [];
    for (const pi of [...nodeInfo.pods]) {
      if (podPriority(pi.pod) < prio) {
        potential.push(pi);
        const s = remove(pi);
        if (!s.isSuccess()) return { victims: [], numPDBViolations: 0, status: s };
      }
    }
    if (potential.length === 0) {
      return {
        victims: [],
        numPDBViolations: 0,
        status: Status.new(
          Code.UnschedulableAndUnresolvable,
          'No preemption victims found for incoming pod',
        ),
      };
    }
    const fits = h.runFilterPluginsWithNominatedPods(state, pod, nodeInfo);
    if (!fits.isSuccess()) return { victims: [], numPDBViolations: 0, status: fits };
    const now = h.now();
    const byImportance = (a: PodInfo, b: PodInfo): number =>
      moreImportantPod(a.pod, b.pod, now) ? -1 : moreImportantPod(b.pod, a.pod, now) ? 1 : 0;
    potential.sort(byImportance);
    const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
    const victims: Pod[] = [];
    let numViolating = 0;
    const reprieve = (pi: PodInfo): boolean | Status => {
      const s = add(pi);
      if (!s.isSuccess()) return s;
      const ok = h.runFilterPluginsWithNominatedPods(state, pod, nodeInfo).isSuccess();
      if (!ok) {
        const r = remove(pi);
        if (!r.isSuccess()) return r;
        victims.push(pi.pod);
      }
      return ok;
    };
    for (const pi of violating) {
      const r = reprieve(pi);
      if (r instanceof Status) return { victims: [], numPDBViolations: 0, status: r };
      if (!r) numViolating++;
    }
    for (const pi of nonViolating) {
      const r = reprieve(pi);
      if (r instanceof Status) return { victims: [], numPDBViolations: 0, status: r };
    }
    if (violating.length > 0 && nonViolating.length > 0) {
      victims.sort((a, b) =>
        moreImportantPod(a, b, now) ? -1 : moreImportantPod(b, a, now) ? 1 : 0,
      );
    }
    return { victims, numPDBViolations: numViolating, status: Status.SUCCESS };
  }
}

/** Factory for the registry; args are {@link DefaultPreemptionArgs}. */
export const newDefaultPreemption: PluginFactory = (args, handle) =>
  new DefaultPreemption(handle, args ?? {});
