/**
 * The eviction manager's decisions as pure functions (upstream pkg/kubelet/eviction/helpers.go):
 * observations of the signals from a stats Summary, which thresholds are met (with minimum
 * reclaim), grace periods, node conditions with the transition period, the order in which
 * thresholds are reclaimed, the ranking of pods for memory, disk and PID pressure, and the
 * eviction message with its annotations. Times are ms since the epoch.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { newQuantity, parseQuantity } from '../../api/index.ts';
import type { Quantity } from '../../api/index.ts';
import type { FsStats, PodStats, Summary } from '../stats/index.ts';
import { thresholdQuantity } from './thresholds.ts';
import type { Signal, Threshold, ThresholdValue } from './thresholds.ts';

/** Pod status reason of an evicted pod (eviction.Reason). */
export const EVICTED_REASON = 'Evicted';
/** Grace period of a pod evicted for a hard threshold (immediateEvictionGracePeriodSeconds). */
export const IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS = 1;
/** Priority at and above which a pod is critical (scheduling.SystemCriticalPriority). */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
/** The event reason when a threshold is met (events.EvictionThresholdMet). */
export const EVICTION_THRESHOLD_MET = 'EvictionThresholdMet';

/** A node condition the eviction manager sets. */
export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';
/** What a signal starves: memory, ephemeral-storage, inodes, pids. */
export type StarvedResource = 'memory' | 'ephemeral-storage' | 'inodes' | 'pids';

/** signalToNodeCondition. */
export const SIGNAL_TO_NODE_CONDITION: Readonly<Record<Signal, PressureCondition>> = {
  'memory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'imagefs.inodesFree': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

/** signalToResource. */
export const SIGNAL_TO_RESOURCE: Readonly<Record<Signal, StarvedResource>> = {
  'memory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
  'nodefs.inodesFree': 'inodes',
  'imagefs.available': 'ephemeral-storage',
  'imagefs.inodesFree': 'inodes',
  'pid.available': 'pids',
};

/** One observed signal. */
export interface SignalObservation {
  readonly available: Quantity;
  readonly capacity: Quantity;
  /** The stats' time (RFC 3339), when known. */
  readonly time?: string;
}

/** Observations by signal. */
export type Observations = ReadonlyMap<Signal, SignalObservation>;

/** The stats of a pod by UID (statsFunc). */
export type StatsFunc = (pod: Pod) => PodStats | undefined;

const bin = (n: number): Quantity => newQuantity(n, 'BinarySI');
const dec = (n: number): Quantity => newQuantity(n, 'DecimalSI');

/** makeSignalObservations: the signals this node reports, and a lookup of pod stats by UID. */
export function makeSignalObservations(summary: Summary): {
  observations: Map<Signal, SignalObservation>;
  stats: StatsFunc;
} {
  const byUid = new Map<string, PodStats>();
  for (const p of summary.pods) byUid.set(p.podRef.uid, p);
  const stats: StatsFunc = (pod) => byUid.get(pod.metadata?.uid ?? '');
  const obs = new Map<Signal, SignalObservation>();
  const mem = summary.node.memory;
  if (mem?.availableBytes !== undefined && mem.workingSetBytes !== undefined) {
    obs.set('memory.available', {
      available: bin(mem.availableBytes),
      capacity: bin(mem.availableBytes + mem.workingSetBytes),
      time: mem.time,
    });
  }
  const fs = (avail: Signal, inodes: Signal, f: FsStats | undefined): void => {
    if (f === undefined) return;
    if (f.availableBytes !== undefined && f.capacityBytes !== undefined) {
      obs.set(avail, {
        available: bin(f.availableBytes),
        capacity: bin(f.capacityBytes),
        time: f.time,
      });
    }
    if (f.inodesFree !== undefined && f.inodes !== undefined) {
      obs.set(inodes, { available: dec(f.inodesFree), capacity: dec(f.inodes), time: f.time });
    }
  };
  fs('nodefs.available', 'nodefs.inodesFree', summary.node.fs);
  fs('imagefs.available', 'imagefs.inodesFree', summary.node.runtime?.imageFs);
  const rl = summary.node.rlimit;
  if (rl?.maxpid !== undefined && rl.curproc !== undefined) {
    obs.set('pid.available', {
      available: dec(rl.maxpid - rl.curproc),
      capacity: dec(rl.maxpid),
      time: rl.time,
    });
  }
  return { observations: obs, stats };
}

/**
 * thresholdsMet: the thresholds whose signal is below the threshold quantity (plus the minimum
 * reclaim when `enforceMinReclaim`); thresholds without an observation are skipped.
 */
export function thresholdsMet(
  thresholds: readonly Threshold[],
  observations: Observations,
  enforceMinReclaim: boolean,
): Threshold[] {
  return thresholds.filter((t) => {
    const o = observations.get(t.signal);
    if (o === undefined) return false;
    let q = thresholdQuantity(t.value, o.capacity);
    if (enforceMinReclaim && t.minReclaim !== undefined)
      q = q.add(thresholdQuantity(t.minReclaim, o.capacity));
    return q.cmp(o.available) > 0;
  });
}

function sameValue(a: ThresholdValue | undefined, b: ThresholdValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if ('quantity' in a) return 'quantity' in b && a.quantity.cmp(b.quantity) === 0;
  return 'percentage' in b && a.percentage === b.percentage;
}

/** hasThreshold's identity: signal, grace period and value (the operator is always LessThan). */
export function sameThreshold(a: Threshold, b: Threshold): boolean {
  return (
    a.signal === b.signal && a.gracePeriodMs === b.gracePeriodMs && sameValue(a.value, b.value)
  );
}

/** mergeThresholds: `a` plus the members of `b` not in it. */
export function mergeThresholds(a: readonly Threshold[], b: readonly Threshold[]): Threshold[] {
  const out = [...a];
  for (const t of b) if (!out.some((x) => sameThreshold(x, t))) out.push(t);
  return out;
}

/** When each met threshold was first observed. */
export type ThresholdsObservedAt = readonly {
  readonly threshold: Threshold;
  readonly at: number;
}[];

/** thresholdsFirstObservedAt: keeps the earlier time of thresholds still met; new ones get `now`. */
export function thresholdsFirstObservedAt(
  thresholds: readonly Threshold[],
  last: ThresholdsObservedAt,
  now: number,
): ThresholdsObservedAt {
  return thresholds.map((t) => ({
    threshold: t,
    at: last.find((l) => sameThreshold(l.threshold, t))?.at ?? now,
  }));
}

/** thresholdsMetGracePeriod: the thresholds met for at least their grace period. */
export function thresholdsMetGracePeriod(
  observedAt: ThresholdsObservedAt,
  now: number,
): Threshold[] {
  return observedAt.filter((o) => now - o.at >= o.threshold.gracePeriodMs).map((o) => o.threshold);
}

/** nodeConditions: the conditions of the thresholds, without duplicates, in threshold order. */
export function nodeConditions(thresholds: readonly Threshold[]): PressureCondition[] {
  const out: PressureCondition[] = [];
  for (const t of thresholds) {
    const c = SIGNAL_TO_NODE_CONDITION[t.signal];
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** nodeConditionsLastObservedAt: conditions seen now get `now`; others keep their last time. */
export function nodeConditionsLastObservedAt(
  conditions: readonly PressureCondition[],
  last: ReadonlyMap<PressureCondition, number>,
  now: number,
): Map<PressureCondition, number> {
  const out = new Map<PressureCondition, number>();
  for (const c of conditions) out.set(c, now);
  for (const [c, at] of last) if (!out.has(c)) out.set(c, at);
  return out;
}

/** nodeConditionsObservedSince: the conditions seen within the transition period. */
export function nodeConditionsObservedSince(
  observedAt: ReadonlyMap<PressureCondition, number>,
  periodMs: number,
  now: number,
): PressureCondition[] {
  const out: PressureCondition[] = [];
  for (const [c, at] of observedAt) if (now - at < periodMs) out.push(c);
  return out;
}

/**
 * thresholdsUpdatedStats: the thresholds whose observation is newer than the last one (or that
 * have no time or no previous observation), so a stale summary does not evict twice.
 */
export function thresholdsUpdatedStats(
  thresholds: readonly Threshold[],
  observations: Observations,
  last: Observations,
): Threshold[] {
  return thresholds.filter((t) => {
    const o = observations.get(t.signal);
    if (o === undefined) return false;
    const l = last.get(t.signal);
    if (l === undefined || o.time === undefined) return true;
    return Date.parse(o.time) > Date.parse(l.time ?? '');
  });
}

/** byEvictionPriority: memory first, the rest in their order (stable). */
export function sortByEvictionPriority(thresholds: readonly Threshold[]): Threshold[] {
  const rank = (t: Threshold): number => (t.signal === 'memory.available' ? 0 : 1);
  return [...thresholds].sort((a, b) => rank(a) - rank(b));
}

/** The pod's total request of a resource (v1resource.GetResourceRequestQuantity). */
export function podRequestQuantity(pod: Pod, resource: string): Quantity {
  let total: Quantity = newQuantity(
    0,
    resource === 'cpu' || resource === 'pods' ? 'DecimalSI' : 'BinarySI',
  );
  const req = (r: Record<string, unknown> | undefined): Quantity | undefined => {
    const v = r?.[resource];
    return typeof v === 'string'
      ? parseQuantity(v)
      : typeof v === 'number'
        ? newQuantity(v, 'DecimalSI')
        : undefined;
  };
  for (const c of pod.spec?.containers ?? []) {
    const q = req(c.resources?.requests);
    if (q !== undefined) total = total.add(q);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const q = req(c.resources?.requests);
    if (q !== undefined && total.cmp(q) < 0) total = q;
  }
  const overhead = req(pod.spec?.overhead);
  if (overhead !== undefined && !total.isZero()) total = total.add(overhead);
  return total;
}

/** corev1helpers.PodPriority. */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** kubelettypes.IsCriticalPod: static or mirror pods, and system-critical priorities. */
export function isCriticalPod(pod: Pod): boolean {
  const ann = pod.metadata?.annotations ?? {};
  const source = ann['kubernetes.io/config.source'];
  if (source !== undefined && source !== 'api') return true;
  if (ann['kubernetes.io/config.mirror'] !== undefined) return true;
  return podPriority(pod) >= SYSTEM_CRITICAL_PRIORITY;
}

/** Which parts of a pod's disk use count (fsStatsType). */
export type FsStatsType = 'root' | 'logs' | 'localVolumeSource' | 'images';

/** localVolumeNames: hostPath and local ephemeral volumes (emptyDir on disk, configMap, gitRepo). */
function localVolumeNames(pod: Pod): string[] {
  return (pod.spec?.volumes ?? [])
    .filter(
      (v) =>
        v.hostPath !== undefined ||
        v.gitRepo !== undefined ||
        v.configMap !== undefined ||
        (v.emptyDir !== undefined && (v.emptyDir.medium ?? '') === ''),
    )
    .map((v) => v.name);
}

/** podDiskUsage: bytes and inodes of the measured parts. */
export function podDiskUsage(
  stats: PodStats,
  pod: Pod,
  measure: readonly FsStatsType[],
): { 'ephemeral-storage': Quantity; inodes: Quantity } {
  let bytes = 0;
  let inodes = 0;
  const add = (f: FsStats | undefined): void => {
    bytes += f?.usedBytes ?? 0;
    inodes += f?.inodesUsed ?? 0;
  };
  for (const c of stats.containers) {
    if (measure.includes('root')) add(c.rootfs);
    if (measure.includes('logs')) add(c.logs);
  }
  if (measure.includes('localVolumeSource')) {
    for (const name of localVolumeNames(pod)) add(stats.volume?.find((v) => v.name === name));
  }
  return { 'ephemeral-storage': bin(bytes), inodes: dec(inodes) };
}

/** A comparison of two pods: < 0 when `a` is evicted first. */
type Cmp = (a: Pod, b: Pod) => number;

/** cmpBool: true first. */
const cmpBool = (a: boolean, b: boolean): number => (a === b ? 0 : a ? -1 : 1);

function orderedBy(...cmps: Cmp[]): (pods: Pod[]) => void {
  return (pods) => {
    pods.sort((a, b) => {
      for (const c of cmps) {
        const r = c(a, b);
        if (r !== 0) return r;
      }
      return 0;
    });
  };
}

/** priority: lower priority first. */
const byPriority: Cmp = (a, b) => Math.sign(podPriority(a) - podPriority(b));

const memoryUsage = (s: PodStats): Quantity => bin(s.memory?.workingSetBytes ?? 0);

/** Pods without stats go first (they cannot be measured), as upstream. */
function withStats(
  stats: StatsFunc,
  f: (a: PodStats, b: PodStats, pa: Pod, pb: Pod) => number,
): Cmp {
  return (a, b) => {
    const sa = stats(a);
    const sb = stats(b);
    if (sa === undefined || sb === undefined) return cmpBool(sa === undefined, sb === undefined);
    return f(sa, sb, a, b);
  };
}

/** rankMemoryPressure: usage above requests first, then lower priority, then usage − request. */
export function rankMemoryPressure(pods: Pod[], stats: StatsFunc): void {
  orderedBy(
    withStats(stats, (sa, sb, a, b) =>
      cmpBool(
        memoryUsage(sa).cmp(podRequestQuantity(a, 'memory')) > 0,
        memoryUsage(sb).cmp(podRequestQuantity(b, 'memory')) > 0,
      ),
    ),
    byPriority,
    withStats(stats, (sa, sb, a, b) =>
      memoryUsage(sb)
        .sub(podRequestQuantity(b, 'memory'))
        .cmp(memoryUsage(sa).sub(podRequestQuantity(a, 'memory'))),
    ),
  )(pods);
}

/** rankPIDPressure: lower priority first, then more processes. */
export function rankPIDPressure(pods: Pod[], stats: StatsFunc): void {
  orderedBy(
    byPriority,
    withStats(
      stats,
      (sa, sb) => (sb.process_stats?.process_count ?? 0) - (sa.process_stats?.process_count ?? 0),
    ),
  )(pods);
}

/** rankDiskPressureFunc: usage above requests first, then lower priority, then usage − request. */
export function rankDiskPressure(
  measure: readonly FsStatsType[],
  resource: 'ephemeral-storage' | 'inodes',
): (pods: Pod[], stats: StatsFunc) => void {
  return (pods, stats) => {
    orderedBy(
      withStats(stats, (sa, sb, a, b) =>
        cmpBool(
          podDiskUsage(sa, a, measure)[resource].cmp(podRequestQuantity(a, resource)) > 0,
          podDiskUsage(sb, b, measure)[resource].cmp(podRequestQuantity(b, resource)) > 0,
        ),
      ),
      byPriority,
      withStats(stats, (sa, sb, a, b) => {
        const ua = podDiskUsage(sa, a, measure)[resource].sub(
          podRequestQuantity(a, 'ephemeral-storage'),
        );
        const ub = podDiskUsage(sb, b, measure)[resource].sub(
          podRequestQuantity(b, 'ephemeral-storage'),
        );
        return ub.cmp(ua);
      }),
    )(pods);
  };
}

/** A ranking of pods for a signal. */
export type RankFunc = (pods: Pod[], stats: StatsFunc) => void;

/** buildSignalToRankFunc (no split container filesystem). */
export function signalToRankFunc(withImageFs: boolean): Record<Signal, RankFunc> {
  const all: FsStatsType[] = ['images', 'root', 'logs', 'localVolumeSource'];
  const nodefs: FsStatsType[] = withImageFs ? ['logs', 'localVolumeSource'] : all;
  const imagefs: FsStatsType[] = withImageFs ? ['root', 'images'] : all;
  return {
    'memory.available': rankMemoryPressure,
    'pid.available': rankPIDPressure,
    'nodefs.available': rankDiskPressure(nodefs, 'ephemeral-storage'),
    'nodefs.inodesFree': rankDiskPressure(nodefs, 'inodes'),
    'imagefs.available': rankDiskPressure(imagefs, 'ephemeral-storage'),
    'imagefs.inodesFree': rankDiskPressure(imagefs, 'inodes'),
  };
}

/** Node-level reclaim steps to try before evicting (buildSignalToNodeReclaimFuncs). */
export type ReclaimStep = 'deleteAllUnusedContainers' | 'deleteUnusedImages';

/** The reclaim steps of a signal: disk signals clean containers then images; others none. */
export function signalToReclaimSteps(signal: Signal, withImageFs: boolean): ReclaimStep[] {
  const both: ReclaimStep[] = ['deleteAllUnusedContainers', 'deleteUnusedImages'];
  switch (signal) {
    case 'imagefs.available':
    case 'imagefs.inodesFree':
      return both;
    case 'nodefs.available':
    case 'nodefs.inodesFree':
      return withImageFs ? [] : both;
    default:
      return [];
  }
}

/** Annotation keys of the eviction event. */
export const EVICTION_ANNOTATIONS = Object.freeze({
  offendingContainers: 'offending_containers',
  offendingContainersUsage: 'offending_containers_usage',
  starvedResource: 'starved_resource',
});

/**
 * evictionMessage: `The node was low on resource: memory. Threshold quantity: 100Mi, available:
 * 50Mi. Container x was using 200Mi, request is 0, has larger consumption of memory. ` (the
 * trailing space is upstream's) and the event annotations.
 */
export function evictionMessage(
  resource: StarvedResource,
  pod: Pod,
  stats: StatsFunc,
  thresholds: readonly Threshold[],
  observations: Observations,
): { message: string; annotations: Record<string, string> } {
  let message = `The node was low on resource: ${resource}. `;
  for (const t of thresholds) {
    if (SIGNAL_TO_RESOURCE[t.signal] !== resource) continue;
    const o = observations.get(t.signal);
    if (o === undefined) continue;
    message += `Threshold quantity: ${thresholdQuantity(t.value, o.capacity).toString()}, available: ${o.available.toString()}. `;
    break;
  }
  const annotations: Record<string, string> = {};
  const ps = stats(pod);
  if (ps === undefined) return { message, annotations };
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const names: string[] = [];
  const usages: string[] = [];
  for (const cs of ps.containers) {
    const c = containers.find((x) => x.name === cs.name);
    if (c === undefined) continue;
    const raw = c.resources?.requests?.[resource];
    const request = typeof raw === 'string' ? parseQuantity(raw) : newQuantity(0, 'DecimalSI');
    let usage: Quantity | undefined;
    if (resource === 'ephemeral-storage') {
      if (cs.rootfs?.usedBytes !== undefined && cs.logs?.usedBytes !== undefined) {
        usage = bin(cs.rootfs.usedBytes + cs.logs.usedBytes);
      }
    } else if (resource === 'memory' && cs.memory?.workingSetBytes !== undefined) {
      usage = bin(cs.memory.workingSetBytes);
    }
    if (usage !== undefined && usage.cmp(request) > 0) {
      message += `Container ${c.name} was using ${usage.toString()}, request is ${request.toString()}, has larger consumption of ${resource}. `;
      names.push(c.name);
      usages.push(usage.toString());
    }
  }
  annotations[EVICTION_ANNOTATIONS.offendingContainers] = names.join(',');
  annotations[EVICTION_ANNOTATIONS.offendingContainersUsage] = usages.join(',');
  annotations[EVICTION_ANNOTATIONS.starvedResource] = resource;
  return { message, annotations };
}
