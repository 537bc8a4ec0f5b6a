/**
 * Pod predicates and the deletion ranking shared by the workload controllers (upstream
 * pkg/api/v1/pod and pkg/controller/controller_utils.go: IsPodActive, FilterActivePods,
 * IsPodReady, IsPodAvailable, ActivePodsWithRanks).
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';

/** Parses an RFC 3339 timestamp to milliseconds; undefined for missing or invalid input. */
export function parseTime(t: string | undefined): number | undefined {
  if (t === undefined || t === '') return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An RFC 3339 timestamp with second precision, as metav1.Time marshals. */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A pod that is neither Succeeded, Failed nor being deleted (upstream IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return (
    phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined
  );
}

/** The active pods of `pods`, in order (upstream FilterActivePods). Shares the objects. */
export function filterActivePods(pods: readonly Pod[]): Pod[] {
  return pods.filter(isPodActive);
}

/** The pod's Ready condition, if any. */
export function getPodReadyCondition(pod: Pod): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** True when the pod's Ready condition is True (upstream podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return getPodReadyCondition(pod)?.status === 'True';
}

/**
 * True when the pod has been ready for at least `minReadySeconds` at `nowMs` (upstream
 * podutil.IsPodAvailable): ready, and either minReadySeconds is 0 or the Ready condition's
 * lastTransitionTime + minReadySeconds is strictly before now.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = parseTime(getPodReadyCondition(pod)?.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };
const phaseOrdinal = (pod: Pod): number => PHASE_ORDINAL[pod.status?.phase ?? ''] ?? 0;

/** The pod-deletion-cost annotation (upstream PodDeletionCost, on by default since 1.22). */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** The deletion cost of a pod: the annotation as int32, 0 when missing or invalid. */
export function podDeletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

function podReadyTime(pod: Pod): number | undefined {
  const c = getPodReadyCondition(pod);
  return c?.status === 'True' ? parseTime(c.lastTransitionTime) : undefined;
}

function maxContainerRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount);
  return max;
}

/** upstream afterOrZero: a zero time sorts first, then the later time. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/** upstream logarithmicRankDiff, over durations in nanoseconds as Go does. */
function logarithmicRankDiff(t1: number, t2: number, now: number): number {
  const d1 = (now - t1) * 1e6;
  const d2 = (now - t2) * 1e6;
  const r1 = d1 > 0 ? Math.floor(Math.log2(d1)) : -1;
  const r2 = d2 > 0 ? Math.floor(Math.log2(d2)) : -1;
  return r1 - r2;
}

/** Compares two times as upstream's steps 6 and 8 do with LogarithmicScaleDown (GA). */
function timeLess(
  t1: number | undefined,
  t2: number | undefined,
  now: number | undefined,
  a: Pod,
  b: Pod,
): boolean {
  if (now === undefined || t1 === undefined || t2 === undefined) return afterOrZero(t1, t2);
  const diff = logarithmicRankDiff(t1, t2, now);
  if (diff === 0) return (a.metadata?.uid ?? '') < (b.metadata?.uid ?? '');
  return diff < 0;
}

/**
 * True when pod `a` (with rank `rankA`) should be deleted before pod `b` (upstream
 * ActivePodsWithRanks.Less, 1.32 defaults): unassigned < assigned; Pending < Unknown <
 * Running; not ready < ready; lower pod-deletion-cost first; higher rank (more related pods
 * on the same node) first; ready for less time first (log scale); more container restarts
 * first; newer first (log scale). Ties on the log scale are broken by uid. `nowMs` undefined
 * compares times without the log scale.
 */
export function podDeletionLess(
  a: Pod,
  rankA: number,
  b: Pod,
  rankB: number,
  nowMs: number | undefined,
): boolean {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  const pa = phaseOrdinal(a);
  const pb = phaseOrdinal(b);
  if (pa !== pb) return pa < pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  if (rankA !== rankB) return rankA > rankB;
  if (ra && rb) {
    const t1 = podReadyTime(a);
    const t2 = podReadyTime(b);
    if (t1 !== t2) return timeLess(t1, t2, nowMs, a, b);
  }
  const ma = maxContainerRestarts(a);
  const mb = maxContainerRestarts(b);
  if (ma !== mb) return ma > mb;
  const c1 = parseTime(a.metadata?.creationTimestamp);
  const c2 = parseTime(b.metadata?.creationTimestamp);
  if (c1 !== c2) return timeLess(c1, c2, nowMs, a, b);
  return false;
}

/**
 * Sorts `pods` in place so that the pods to delete first come first; `ranks[i]` belongs to
 * `pods[i]` (missing ranks count as 0). The sort is stable. Returns `pods`.
 */
export function sortPodsForDeletion(
  pods: Pod[],
  ranks: readonly number[],
  nowMs: number | undefined,
): Pod[] {
  const items = pods.map((pod, i) => ({ pod, rank: ranks[i] ?? 0 }));
  items.sort((x, y) => {
    if (podDeletionLess(x.pod, x.rank, y.pod, y.rank, nowMs)) return -1;
    if (podDeletionLess(y.pod, y.rank, x.pod, x.rank, nowMs)) return 1;
    return 0;
  });
  items.forEach((it, i) => (pods[i] = it.pod));
  return pods;
}

/**
 * Ranks each pod of `podsToRank` by the number of active pods of `relatedPods` on the same
 * node (upstream getPodsRankedByRelatedPodsOnSameNode).
 */
export function rankPodsByRelatedOnSameNode(
  podsToRank: readonly Pod[],
  relatedPods: readonly Pod[],
): number[] {
  const onNode = new Map<string, number>();
  for (const p of relatedPods) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  return podsToRank.map((p) => onNode.get(p.spec?.nodeName ?? '') ?? 0);
}

/** `namespace/name` of a pod (upstream controller.PodKey). */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
