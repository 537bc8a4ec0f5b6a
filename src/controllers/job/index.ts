/**
 * The Job controller (`job`): pods for completions and parallelism, Indexed and NonIndexed
 * completion modes, finalizer-based result tracking, backoff, deadlines, pod failure and
 * success policies, suspend.
 */
export {
  JOB_CONTROLLER_NAME,
  JOB_TRACKING_FINALIZER,
  MAX_POD_CREATE_DELETE_PER_SYNC,
  MAX_UNCOUNTED_PODS,
  SYNC_JOB_BATCH_PERIOD_MS,
  JobController,
  hasJobTrackingFinalizer,
  isJobFinished,
  isPodFailed,
  matchSuccessPolicy,
  newJobController,
} from './job-controller.ts';
export type { JobControllerOptions, JobPodControl } from './job-controller.ts';
export {
  BackoffStore,
  DEFAULT_JOB_POD_FAILURE_BACKOFF_MS,
  MAX_JOB_POD_FAILURE_BACKOFF_MS,
  backoffDuration,
  getFinishedTime,
  remainingTime,
} from './backoff.ts';
export type { BackoffRecord } from './backoff.ts';
export {
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  duplicatedIndexPodsForRemoval,
  firstPendingIndexes,
  getCompletionIndex,
  intervalsString,
  intervalsTotal,
  parseIndexesFromString,
  podGenerateNameWithIndex,
  withOrderedIndexes,
} from './indexed.ts';
export type { Interval, Intervals } from './indexed.ts';
export { matchPodFailurePolicy } from './pod-failure-policy.ts';
export type { PodFailurePolicyAction, PodFailurePolicyMatch } from './pod-failure-policy.ts';
