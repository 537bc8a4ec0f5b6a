/**
 * Completion indexes of Indexed Jobs (upstream pkg/controller/job/indexed_job_utils.go): the
 * `batch.kubernetes.io/job-completion-index` annotation and label, the compressed interval
 * format of `status.completedIndexes` / `status.failedIndexes` (`1,3-5,7`), and the choice of
 * the indexes to create and the duplicated pods to remove. Pure.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** The annotation (and, since PodIndexLabel, label) holding a pod's completion index. */
export const JOB_COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
/** The per-index failure counters (backoffLimitPerIndex). */
export const JOB_INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION =
  'batch.kubernetes.io/job-index-ignored-failure-count';
/** The environment variable carrying the index into containers. */
export const COMPLETION_INDEX_ENV_NAME = 'JOB_COMPLETION_INDEX';
/** A pod without a valid completion index. */
export const UNKNOWN_COMPLETION_INDEX = -1;
/** upstream names.MaxGeneratedNameLength: 63 minus the 5 random characters. */
const MAX_GENERATED_NAME_LENGTH = 58;

/** A closed interval of indexes. */
export interface Interval {
  first: number;
  last: number;
}

/** Sorted, non-overlapping, non-adjacent intervals (upstream orderedIntervals). */
export type Intervals = Interval[];

/** Go's strconv.Atoi for a decimal string; undefined when it does not parse. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The completion index of a pod's annotations, or UNKNOWN_COMPLETION_INDEX. */
export function getCompletionIndex(
  annotations: Readonly<Record<string, string>> | undefined,
): number {
  const v = annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  if (v === undefined) return UNKNOWN_COMPLETION_INDEX;
  const i = atoi(v);
  return i === undefined || i < 0 ? UNKNOWN_COMPLETION_INDEX : i;
}

/** The completion index of a pod, or UNKNOWN_COMPLETION_INDEX. */
export function podCompletionIndex(pod: Pod): number {
  return getCompletionIndex(pod.metadata?.annotations);
}

/** Merges two interval lists (upstream orderedIntervals.merge); a new list. */
export function mergeIntervals(a: readonly Interval[], b: readonly Interval[]): Intervals {
  const result: Intervals = [];
  let last: Interval | undefined;
  const push = (iv: Interval): void => {
    if (last === undefined || iv.first > last.last + 1) {
      last = { first: iv.first, last: iv.last };
      result.push(last);
    } else if (last.last < iv.last) {
      last.last = iv.last;
    }
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x === undefined || y === undefined) break;
    if (x.first < y.first) {
      push(x);
      i++;
    } else {
      push(y);
      j++;
    }
  }
  for (; i < a.length; i++) {
    const x = a[i];
    if (x !== undefined) push(x);
  }
  for (; j < b.length; j++) {
    const y = b[j];
    if (y !== undefined) push(y);
  }
  return result;
}

/** `oi` plus the indexes `sorted` (increasing) (upstream withOrderedIndexes). */
export function withOrderedIndexes(oi: readonly Interval[], sorted: readonly number[]): Intervals {
  return mergeIntervals(
    oi,
    sorted.map((n) => ({ first: n, last: n })),
  );
}

/** How many indexes the intervals hold. */
export function intervalsTotal(oi: readonly Interval[] | undefined): number {
  let n = 0;
  for (const iv of oi ?? []) n += iv.last - iv.first + 1;
  return n;
}

/** The compressed text form: `1,3-5,7`, two consecutive numbers as `1,2`. */
export function intervalsString(oi: readonly Interval[]): string {
  const parts: string[] = [];
  for (const iv of oi) {
    if (iv.last === iv.first) parts.push(String(iv.first));
    else if (iv.last === iv.first + 1) parts.push(`${iv.first},${iv.last}`);
    else parts.push(`${iv.first}-${iv.last}`);
  }
  return parts.join(',');
}

/** Whether `ix` is in the intervals (binary search). */
export function intervalsHas(oi: readonly Interval[] | undefined, ix: number): boolean {
  if (oi === undefined) return false;
  let lo = 0;
  let hi = oi.length;
  while (hi > lo) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if ((oi[mid]?.last ?? 0) >= ix) hi = mid;
    else lo = mid + 1;
  }
  const iv = oi[hi];
  return iv !== undefined && iv.first <= ix;
}

/**
 * Parses the compressed text form, ignoring corrupted intervals and indexes at or above
 * `completions` (upstream parseIndexesFromString).
 */
export function parseIndexesFromString(s: string | undefined, completions: number): Intervals {
  if (s === undefined || s === '') return [];
  const result: Intervals = [];
  let last: Interval | undefined;
  for (const part of s.split(',')) {
    const limits = part.split('-');
    const first = atoi(limits[0] ?? '');
    if (first === undefined) continue;
    if (first >= completions) break;
    let lastIx = first;
    if (limits.length > 1) {
      const l = atoi(limits[1] ?? '');
      if (l === undefined) continue;
      lastIx = Math.min(l, completions - 1);
    }
    if (last !== undefined && last.last === first - 1) {
      last.last = lastIx;
    } else {
      last = { first, last: lastIx };
      result.push(last);
    }
  }
  return result;
}

/** The distinct known completion indexes of `pods`, sorted. */
export function getIndexes(pods: readonly Pod[]): number[] {
  const s = new Set<number>();
  for (const p of pods) {
    const ix = podCompletionIndex(p);
    if (ix !== UNKNOWN_COMPLETION_INDEX) s.add(ix);
  }
  return [...s].sort((a, b) => a - b);
}

/**
 * The first `count` indexes below `completions` not in `nonPending` (upstream
 * firstPendingIndexes, after the caller merged active, succeeded, failed and, when only
 * failed pods are replaced, terminating indexes).
 */
export function firstPendingIndexes(
  nonPending: readonly Interval[],
  count: number,
  completions: number,
): number[] {
  if (count === 0) return [];
  const result: number[] = [];
  let candidate = 0;
  for (const iv of nonPending) {
    for (; candidate < completions && result.length < count && candidate < iv.first; candidate++) {
      result.push(candidate);
    }
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && result.length < count; candidate++) result.push(candidate);
  return result;
}

/**
 * Splits active pods of an Indexed Job into those to remove — pods without an index, with an
 * index at or above `completions`, and all but one of each repeated index — and the rest
 * (upstream appendDuplicatedIndexPodsForRemoval). `sortActive` orders pods of one index so
 * that the one to keep comes last.
 */
export function duplicatedIndexPodsForRemoval(
  pods: readonly Pod[],
  completions: number,
  sortActive: (pods: Pod[]) => void,
): { rm: Pod[]; left: Pod[] } {
  const sorted = [...pods].sort((a, b) => podCompletionIndex(a) - podCompletionIndex(b));
  const rm: Pod[] = [];
  const left: Pod[] = [];
  const flush = (group: Pod[], ix: number): void => {
    if (group.length === 0) return;
    if (ix === UNKNOWN_COMPLETION_INDEX) {
      rm.push(...group);
      return;
    }
    if (group.length === 1) {
      left.push(...group);
      return;
    }
    sortActive(group);
    rm.push(...group.slice(0, -1));
    left.push(...group.slice(-1));
  };
  let lastIndex = UNKNOWN_COMPLETION_INDEX;
  let group: Pod[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i];
    if (p === undefined) continue;
    const ix = podCompletionIndex(p);
    if (ix >= completions) {
      flush(group, lastIndex);
      group = [];
      rm.push(...sorted.slice(i));
      return { rm, left };
    }
    if (ix !== lastIndex) {
      flush(group, lastIndex);
      group = [];
      lastIndex = ix;
    }
    group.push(p);
  }
  flush(group, lastIndex);
  return { rm, left };
}

/**
 * The generateName of an indexed pod: `<job>-<index>-`, the job name truncated so the prefix
 * stays within upstream's MaxGeneratedNameLength (upstream podGenerateNameWithIndex).
 */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  if (prefix.length > MAX_GENERATED_NAME_LENGTH) {
    return prefix.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix;
  }
  return prefix;
}

/** The int32 value of an index-failure-count annotation; 0 when absent or invalid. */
export function parseCountAnnotation(pod: Pod, key: string): number {
  const v = pod.metadata?.annotations?.[key];
  if (v === undefined) return 0;
  const n = atoi(v);
  return n === undefined || n < 0 || n > 2147483647 ? 0 : n;
}
