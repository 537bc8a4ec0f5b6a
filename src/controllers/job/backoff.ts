/**
 * The pod-failure backoff of the Job controller (upstream pkg/controller/job/backoff_utils.go):
 * after n consecutive pod failures (since the last success) new pods wait
 * 10 s * 2^(n-1), at most 10 minutes, counted from the last failure's finish time.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseTime } from '../shared/index.ts';

/** upstream DefaultJobPodFailureBackOff. */
export const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
/** upstream MaxJobPodFailureBackOff (10 minutes in 1.32's job_controller.go). */
export const MAX_JOB_POD_FAILURE_BACKOFF_MS = 10 * 60_000;

/** A Job's failure history. */
export interface BackoffRecord {
  readonly key: string;
  readonly failuresAfterLastSuccess: number;
  /** Epoch ms; undefined when there is no failure after the last success. */
  readonly lastFailureTime: number | undefined;
}

/**
 * When a pod finished (upstream getFinishedTime): the Ready=False transition, else the latest
 * container finish, else the deletion time minus the grace period, else creation.
 */
export function getFinishedTime(p: Pod): number {
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False') {
    const t = parseTime(ready.lastTransitionTime);
    if (t !== undefined) return t;
  }
  let latest: number | undefined;
  let allTerminated = (p.status?.containerStatuses?.length ?? 0) > 0;
  for (const cs of p.status?.containerStatuses ?? []) {
    const t = parseTime(cs.state?.terminated?.finishedAt);
    if (t === undefined) {
      allTerminated = false;
      break;
    }
    if (latest === undefined || latest < t) latest = t;
  }
  if (allTerminated && latest !== undefined) return latest;
  const del = parseTime(p.metadata?.deletionTimestamp);
  if (del !== undefined) return del - (p.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
  return parseTime(p.metadata?.creationTimestamp) ?? 0;
}

const byFinishedTime = (a: Pod, b: Pod): number => getFinishedTime(a) - getFinishedTime(b);

/** The backoff delay after `failures` failures, 0 when none (before elapsed time). */
export function backoffDuration(failures: number, baseMs: number, maxMs: number): number {
  if (failures === 0) return 0;
  let d = baseMs;
  for (let i = 1; i < failures; i++) {
    d *= 2;
    if (d >= maxMs) return maxMs;
  }
  return d;
}

/**
 * The time left before a new pod may be created (upstream getRemainingTimeForFailuresCount):
 * 0 when no failure is recorded or the backoff elapsed.
 */
export function remainingTime(
  failures: number,
  lastFailureTime: number | undefined,
  nowMs: number,
  baseMs = DEFAULT_JOB_POD_FAILURE_BACKOFF_MS,
  maxMs = MAX_JOB_POD_FAILURE_BACKOFF_MS,
): number {
  if (failures === 0 || lastFailureTime === undefined) return 0;
  const d = backoffDuration(failures, baseMs, maxMs);
  const elapsed = nowMs - lastFailureTime;
  return d < elapsed ? 0 : d - elapsed;
}

/** The failure records of all Jobs, by key (upstream backoffStore). */
export class BackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  /**
   * The record of `key` after the newly finished pods (upstream newBackoffRecord); not stored
   * until `update`.
   */
  newRecord(key: string, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
    const prev = this.records.get(key) ?? {
      key,
      failuresAfterLastSuccess: 0,
      lastFailureTime: undefined,
    };
    const failed = [...newFailed].sort(byFinishedTime);
    const succeeded = [...newSucceeded].sort(byFinishedTime);
    const lastFailed = failed[failed.length - 1];
    const lastSucceeded = succeeded[succeeded.length - 1];
    if (lastSucceeded === undefined) {
      if (lastFailed === undefined) return prev;
      return {
        key,
        failuresAfterLastSuccess: prev.failuresAfterLastSuccess + failed.length,
        lastFailureTime: getFinishedTime(lastFailed),
      };
    }
    const lastSuccessTime = getFinishedTime(lastSucceeded);
    let failures = 0;
    let lastFailureTime: number | undefined;
    for (let i = failed.length - 1; i >= 0; i--) {
      const p = failed[i];
      if (p === undefined) continue;
      const t = getFinishedTime(p);
      if (t <= lastSuccessTime) break;
      lastFailureTime ??= t;
      failures++;
    }
    return { key, failuresAfterLastSuccess: failures, lastFailureTime };
  }

  update(record: BackoffRecord): void {
    this.records.set(record.key, record);
  }

  remove(key: string): void {
    this.records.delete(key);
  }

  get(key: string): BackoffRecord | undefined {
    return this.records.get(key);
  }
}
