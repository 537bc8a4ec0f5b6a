/**
 * The Job controller (upstream pkg/controller/job/job_controller.go, Kubernetes 1.32 with its
 * default feature gates: JobPodReplacementPolicy, JobManagedBy, JobSuccessPolicy,
 * JobBackoffLimitPerIndex, PodIndexLabel). It runs `completions` pods, `parallelism` at a time,
 * and tracks their results through the `batch.kubernetes.io/job-tracking` finalizer: every
 * pod it creates carries the finalizer; a finished pod is first recorded by uid in
 * `status.uncountedTerminatedPods`, then its finalizer is removed, then it is moved into the
 * `succeeded`/`failed` counters — so a pod is counted exactly once even when the controller
 * crashes between steps or the pod disappears. Terminal conditions go through the interim
 * `SuccessCriteriaMet` / `FailureTarget` conditions and become `Complete` / `Failed` once no
 * pod is terminating.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { isNotFound, labelSelectorAsSelector } from '../../api/index.ts';
import type { Selector } from '../../api/index.ts';
import { BUILTIN_RESOURCES, objectKey, splitObjectKey } from '../../client/index.ts';
import type {
  Clientset,
  DeletedFinalStateUnknown,
  EventRecorder,
  InformerFactory,
  KubeObject,
  Lister,
} from '../../client/index.ts';
import {
  newRateLimitingQueue,
  newItemExponentialFailureRateLimiter,
} from '../../client/workqueue/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import {
  Controller,
  ControllerExpectations,
  ControllerRefManager,
  NOOP_LOGGER,
  RealPodControl,
  SUCCESSFUL_CREATE_POD_REASON,
  FAILED_CREATE_POD_REASON,
  errorMessage,
  formatTime,
  getControllerOf,
  getPodFromTemplate,
  isNamespaceTerminating,
  isPodActive,
  isPodReady,
  newControllerRef,
  parseTime,
  podKey,
  recheckByUid,
  sortPodsForDeletion,
  toError,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerKind, ControllerLogger, PodControl } from '../shared/index.ts';
import { BackoffStore, remainingTime, getFinishedTime } from './backoff.ts';
import type { BackoffRecord } from './backoff.ts';
import {
  COMPLETION_INDEX_ENV_NAME,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  UNKNOWN_COMPLETION_INDEX,
  duplicatedIndexPodsForRemoval,
  firstPendingIndexes,
  getIndexes,
  intervalsHas,
  intervalsString,
  intervalsTotal,
  mergeIntervals,
  parseCountAnnotation,
  parseIndexesFromString,
  podCompletionIndex,
  podGenerateNameWithIndex,
  withOrderedIndexes,
} from './indexed.ts';
import type { Intervals } from './indexed.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';

/** The finalizer the controller puts on its pods until their result is counted. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** upstream MaxUncountedPods. */
export const MAX_UNCOUNTED_PODS = 500;
/** upstream MaxPodCreateDeletePerSync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** upstream syncJobBatchPeriod: pod events and status updates are batched this long. */
export const SYNC_JOB_BATCH_PERIOD_MS = 1000;
/** upstream DefaultJobApiBackOff / MaxJobApiBackOff (the queue's rate limiter). */
export const DEFAULT_JOB_API_BACKOFF_MS = 1000;
export const MAX_JOB_API_BACKOFF_MS = 60_000;
/** The value of spec.managedBy this controller handles. */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

const JOB_KIND: ControllerKind = { apiVersion: 'batch/v1', kind: 'Job' };

/** Creates pods with an explicit generateName (upstream CreatePodsWithGenerateName). */
export interface JobPodControl extends PodControl {
  /**
   * Creates a pod from `template` owned by `controllerRef`; `generateName` '' means the
   * owner's `<name>-`. Records SuccessfulCreate / FailedCreate as createPods does.
   */
  createPodsWithGenerateName(
    namespace: string,
    template: PodTemplateSpec,
    owner: KubeObject,
    controllerRef: OwnerReference,
    generateName: string,
  ): Promise<Pod>;
}

/** RealPodControl plus createPodsWithGenerateName. */
class RealJobPodControl extends RealPodControl implements JobPodControl {
  constructor(
    private readonly cs: Clientset,
    private readonly rec: EventRecorder,
  ) {
    super(cs, rec);
  }

  async createPodsWithGenerateName(
    namespace: string,
    template: PodTemplateSpec,
    owner: KubeObject,
    controllerRef: OwnerReference,
    generateName: string,
  ): Promise<Pod> {
    if (generateName === '') return this.createPods(namespace, template, owner, controllerRef);
    const pod = getPodFromTemplate(template, owner, controllerRef);
    (pod.metadata ??= {}).generateName = generateName;
    if (Object.keys(pod.metadata.labels ?? {}).length === 0) {
      throw new Error('unable to create pods, no labels');
    }
    let created: Pod;
    try {
      created = await this.cs.pods.create(namespace, pod);
    } catch (err) {
      if (!isNamespaceTerminating(err)) {
        this.rec.event(
          owner,
          'Warning',
          FAILED_CREATE_POD_REASON,
          `Error creating: ${errorMessage(err)}`,
        );
      }
      throw err;
    }
    this.rec.event(
      owner,
      'Normal',
      SUCCESSFUL_CREATE_POD_REASON,
      `Created pod: ${created.metadata?.name ?? ''}`,
    );
    return created;
  }
}

/** What the controller needs; the lead wires these in the controller-manager. */
export interface JobControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records the Job's events (component `job-controller`). */
  readonly recorder: EventRecorder;
  /** Default: RealPodControl over clientset and recorder, with createPodsWithGenerateName. */
  readonly podControl?: JobPodControl;
  /** Default: a rate-limited queue `job` (1 s doubling to 60 s per key, as upstream). */
  readonly queue?: RateLimitingQueue<string>;
  /** Default: a rate-limited queue `job_orphan_pod`. */
  readonly orphanQueue?: RateLimitingQueue<string>;
  /** Wall clock in ms; default Date.now. */
  readonly now?: () => number;
  readonly logger?: ControllerLogger;
}

type Status = NonNullable<Job['status']>;
type Uncounted = { succeeded: Set<string>; failed: Set<string> };

interface SyncCtx {
  job: Job;
  pods: Pod[];
  activePods: Pod[];
  finishedCondition: JobCondition | undefined;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: Intervals;
  succeededIndexes: Intervals;
  failedIndexes: Intervals | undefined;
  newBackoffRecord: BackoffRecord;
  expectedRmFinalizers: ReadonlySet<string>;
  uncounted: Uncounted;
  podsWithDelayedDeletionPerIndex: Map<number, Pod>;
  terminating: number;
  ready: number;
}

/** The Job is finished: a Complete or Failed condition with status True (upstream IsJobFinished). */
export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** The pod carries the job-tracking finalizer. */
export function hasJobTrackingFinalizer(pod: Pod): boolean {
  return (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

const isIndexedJob = (job: Job): boolean => job.spec?.completionMode === 'Indexed';
const jobSuspended = (job: Job): boolean => job.spec?.suspend === true;
const hasBackoffLimitPerIndex = (job: Job): boolean => job.spec?.backoffLimitPerIndex !== undefined;
const completionsOf = (job: Job): number => job.spec?.completions ?? 0;

/** Only failed pods are replaced, never terminating ones (upstream onlyReplaceFailedPods). */
function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy !== undefined;
}

/** A pod that counts as failed (upstream isPodFailed). */
export function isPodFailed(p: Pod, job: Job): boolean {
  if (p.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  // Deleted pods count as failures: orphans may never reach the Failed phase.
  return p.metadata?.deletionTimestamp !== undefined && p.status?.phase !== 'Succeeded';
}

/** Terminating: being deleted but not finished (upstream IsPodTerminating). */
function isPodTerminating(p: Pod): boolean {
  const phase = p.status?.phase;
  return p.metadata?.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: number,
): JobCondition {
  const t = formatTime(now);
  return {
    type,
    status,
    lastProbeTime: t,
    lastTransitionTime: t,
    ...(reason !== '' ? { reason } : {}),
    ...(message !== '' ? { message } : {}),
  };
}

function findCondition(
  list: readonly JobCondition[] | undefined,
  type: string,
): JobCondition | undefined {
  return list?.find((c) => c.type === type);
}

/**
 * Sets the condition `type` to `status` (upstream ensureJobConditionStatus): a missing False
 * condition is not added. Returns whether the list changed (it is changed in place).
 */
function ensureJobConditionStatus(
  status: Status,
  type: string,
  cstatus: string,
  reason: string,
  message: string,
  now: number,
): boolean {
  const list = (status.conditions ??= []);
  const i = list.findIndex((c) => c.type === type);
  const cur = list[i];
  if (cur !== undefined) {
    if (
      cur.status !== cstatus ||
      (cur.reason ?? '') !== reason ||
      (cur.message ?? '') !== message
    ) {
      list[i] = newCondition(type, cstatus, reason, message, now);
      return true;
    }
    return false;
  }
  if (cstatus !== 'False') {
    list.push(newCondition(type, cstatus, reason, message, now));
    return true;
  }
  if (list.length === 0) delete status.conditions;
  return false;
}

/** The strategic merge patch removing the tracking finalizer, or undefined without it. */
function removeTrackingFinalizerPatch(pod: Pod): unknown {
  if (!hasJobTrackingFinalizer(pod)) return undefined;
  return { metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] } };
}

/** upstream controller.ActivePods ordering (pods to delete first come first). */
function sortActivePods(pods: Pod[]): void {
  sortPodsForDeletion(
    pods,
    pods.map(() => 0),
    undefined,
  );
}

/**
 * Whether the restarts of running/pending pods reach the backoff limit, for
 * restartPolicy=OnFailure (upstream pastBackoffLimitOnFailure).
 */
function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let result = 0;
  for (const p of pods) {
    const phase = p.status?.phase;
    if (phase !== 'Running' && phase !== 'Pending') continue;
    for (const s of p.status?.initContainerStatuses ?? []) result += s.restartCount;
    for (const s of p.status?.containerStatuses ?? []) result += s.restartCount;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? result > 0 : result >= limit;
}

/** The success policy rule `succeededIndexes` covers (upstream matchSucceededIndexesRule). */
function matchSucceededIndexesRule(
  rule: Intervals,
  succeeded: Intervals,
  succeededCount: number | undefined,
): boolean {
  let contains = 0;
  let s = 0;
  let r = 0;
  while (r < rule.length && s < succeeded.length) {
    const ri = rule[r];
    const si = succeeded[s];
    if (ri === undefined || si === undefined) break;
    const overlap = Math.min(ri.last, si.last) - Math.max(ri.first, si.first) + 1;
    if (overlap > 0) contains += overlap;
    if (si.last < ri.last) s++;
    else r++;
  }
  return (
    contains === intervalsTotal(rule) ||
    (succeededCount !== undefined && contains >= succeededCount)
  );
}

/** The success policy message when met (upstream matchSuccessPolicy). */
export function matchSuccessPolicy(
  policy: NonNullable<Job['spec']>['successPolicy'],
  completions: number,
  succeeded: Intervals,
): string | undefined {
  if (policy === undefined || succeeded.length === 0) return undefined;
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      const required = parseIndexesFromString(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount)) {
        return `Matched rules at index ${index}`;
      }
    } else if (
      rule.succeededCount !== undefined &&
      intervalsTotal(succeeded) >= rule.succeededCount
    ) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}

/** The Job controller; see the module comment. */
export class JobController {
  /** The queue-and-workers scaffold of Jobs. */
  readonly controller: Controller;
  /** The scaffold of orphan pods whose tracking finalizer must go. */
  readonly orphanController: Controller;
  readonly expectations: ControllerExpectations;
  /** Pod uids whose finalizer removal is expected, by Job key. */
  readonly finalizerExpectations = new Map<string, Set<string>>();
  readonly backoffStore = new BackoffStore();
  private readonly lister: Lister<Job>;
  private readonly podLister: Lister<Pod>;
  private readonly podControl: JobPodControl;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;

  constructor(private readonly opts: JobControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.expectations = new ControllerExpectations({ now: this.now });
    this.podControl = opts.podControl ?? new RealJobPodControl(opts.clientset, opts.recorder);
    const jobInformer = opts.informers.informer<Job>(BUILTIN_RESOURCES.jobs);
    const podInformer = opts.informers.informer<Pod>(BUILTIN_RESOURCES.pods);
    this.lister = jobInformer.lister;
    this.podLister = podInformer.lister;
    const limiter = (): ReturnType<typeof newItemExponentialFailureRateLimiter<string>> =>
      newItemExponentialFailureRateLimiter<string>(
        DEFAULT_JOB_API_BACKOFF_MS,
        MAX_JOB_API_BACKOFF_MS,
      );
    this.controller = new Controller({
      name: 'job',
      queue:
        opts.queue ?? newRateLimitingQueue({ name: 'job', rateLimiter: limiter(), now: this.now }),
      sync: (key) => this.sync(key),
      informers: [jobInformer, podInformer],
      logger: this.logger,
    });
    this.orphanController = new Controller({
      name: 'job_orphan_pod',
      queue:
        opts.orphanQueue ??
        newRateLimitingQueue({ name: 'job_orphan_pod', rateLimiter: limiter(), now: this.now }),
      sync: (key) => this.syncOrphanPod(key),
      informers: [jobInformer, podInformer],
      logger: this.logger,
    });
    jobInformer.addEventHandler({
      onAdd: (job) => {
        this.enqueueImmediately(job);
      },
      onUpdate: (old, cur) => {
        this.updateJob(old, cur);
      },
      onDelete: (obj) => {
        const job = unwrapTombstone(obj);
        this.enqueueImmediately(job);
        this.cleanupPodFinalizers(job);
      },
    });
    podInformer.addEventHandler({
      onAdd: (pod) => {
        this.addPod(pod);
      },
      onUpdate: (old, cur) => {
        this.updatePod(old, cur);
      },
      onDelete: (obj) => {
        this.deletePod(obj, true);
      },
    });
  }

  /** Waits for the caches, then syncs Jobs with `workers` workers and orphan pods with one. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    await Promise.all([this.controller.run(signal, workers), this.orphanController.run(signal, 1)]);
  }

  // --- event handlers (they only enqueue and observe expectations) ---

  private enqueueImmediately(job: Job): void {
    this.controller.queue.add(objectKey(job));
  }

  private enqueueBatched(job: Job): void {
    this.controller.queue.addAfter(objectKey(job), SYNC_JOB_BATCH_PERIOD_MS);
  }

  private enqueueWithDelay(job: Job, delayMs: number): void {
    this.controller.queue.addAfter(objectKey(job), Math.max(delayMs, SYNC_JOB_BATCH_PERIOD_MS));
  }

  private enqueueOrphanPod(pod: Pod): void {
    this.orphanController.queue.add(objectKey(pod));
  }

  private updateJob(old: Job, cur: Job): void {
    if (cur.metadata?.generation === old.metadata?.generation) this.enqueueBatched(cur);
    else this.enqueueImmediately(cur);
    // A backup: a finished Job should have no pods with finalizers left.
    if (isJobFinished(cur)) this.cleanupPodFinalizers(cur);
    const start = parseTime(cur.status?.startTime);
    const curADS = cur.spec?.activeDeadlineSeconds;
    if (start !== undefined && curADS !== undefined) {
      const oldADS = old.spec?.activeDeadlineSeconds;
      if (oldADS !== curADS) {
        this.controller.queue.addAfter(objectKey(cur), curADS * 1000 - (this.now() - start));
      }
    }
  }

  private cleanupPodFinalizers(job: Job): void {
    let selector: Selector;
    try {
      selector = labelSelectorAsSelector(job.spec?.selector);
    } catch {
      return;
    }
    for (const pod of this.podLister.list(job.metadata?.namespace ?? '', selector)) {
      if (getControllerOf(pod)?.uid === job.metadata?.uid && hasJobTrackingFinalizer(pod)) {
        this.enqueueOrphanPod(pod);
      }
    }
  }

  private resolveControllerRef(namespace: string, ref: OwnerReference): Job | undefined {
    if (ref.kind !== JOB_KIND.kind) return undefined;
    const job = this.lister.get(namespace, ref.name);
    return job?.metadata?.uid === ref.uid ? job : undefined;
  }

  /** Jobs whose selector matches the pod (upstream GetPodJobs). */
  private getPodJobs(pod: Pod): Job[] {
    const labels = pod.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) return [];
    return this.lister.list(pod.metadata?.namespace ?? '').filter((job) => {
      try {
        const sel = labelSelectorAsSelector(job.spec?.selector);
        return !sel.empty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private finalizerRemovalObserved(key: string, uid: string): void {
    const s = this.finalizerExpectations.get(key);
    if (s === undefined) return;
    s.delete(uid);
    if (s.size === 0) this.finalizerExpectations.delete(key);
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // On a restart a pod may show up already terminating: not a creation.
      this.deletePod(pod, false);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref !== undefined) {
      const job = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (job === undefined) return;
      this.expectations.creationObserved(objectKey(job));
      this.enqueueBatched(job);
      return;
    }
    if (hasJobTrackingFinalizer(pod)) this.enqueueOrphanPod(pod);
    for (const job of this.getPodJobs(pod)) this.enqueueBatched(job);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (cur.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp !== undefined) {
      this.deletePod(cur, false);
      return;
    }
    const finalizerRemoved = !hasJobTrackingFinalizer(cur);
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    const ns = cur.metadata?.namespace ?? '';
    const uid = cur.metadata?.uid ?? '';
    if (refChanged && oldRef !== undefined) {
      const job = this.resolveControllerRef(ns, oldRef);
      if (job !== undefined) {
        if (finalizerRemoved) this.finalizerRemovalObserved(objectKey(job), uid);
        this.enqueueBatched(job);
      }
    }
    if (curRef !== undefined) {
      const job = this.resolveControllerRef(ns, curRef);
      if (job === undefined) return;
      if (finalizerRemoved) this.finalizerRemovalObserved(objectKey(job), uid);
      this.enqueueBatched(job);
      return;
    }
    if (hasJobTrackingFinalizer(cur)) this.enqueueOrphanPod(cur);
    const labelChanged =
      JSON.stringify(cur.metadata?.labels ?? {}) !== JSON.stringify(old.metadata?.labels ?? {});
    if (labelChanged || refChanged)
      for (const job of this.getPodJobs(cur)) this.enqueueBatched(job);
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>, final: boolean): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    const hasFinalizer = hasJobTrackingFinalizer(pod);
    if (ref === undefined) {
      // The garbage collector may have removed the reference of a Job's pod.
      if (hasFinalizer) this.enqueueOrphanPod(pod);
      return;
    }
    const job = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (job === undefined || isJobFinished(job)) {
      // syncJob will not remove this finalizer.
      if (hasFinalizer) this.enqueueOrphanPod(pod);
      return;
    }
    const key = objectKey(job);
    this.expectations.deletionObserved(key, podKey(pod));
    if (final || !hasFinalizer) this.finalizerRemovalObserved(key, pod.metadata?.uid ?? '');
    this.enqueueBatched(job);
  }

  // --- orphan pods ---

  /** Removes the tracking finalizer of an orphan pod, if still orphaned (upstream syncOrphanPod). */
  async syncOrphanPod(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const pod = this.podLister.get(namespace, name);
    if (pod === undefined) return;
    const ref = getControllerOf(pod);
    if (ref !== undefined) {
      // Only batch/v1 Jobs' pods are ours to clean.
      if (ref.kind !== JOB_KIND.kind || ref.apiVersion !== JOB_KIND.apiVersion) return;
      const job = this.resolveControllerRef(namespace, ref);
      if (job !== undefined && managedByExternalController(job)) return;
      // The pod was adopted.
      if (job !== undefined && !isJobFinished(job)) return;
    }
    const patch = removeTrackingFinalizerPatch(pod);
    if (patch === undefined) return;
    try {
      await this.podControl.patchPod(namespace, name, patch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // --- sync ---

  /** The pods the Job manages after adoption/release (upstream getPodsForJob). */
  private async getPodsForJob(job: Job): Promise<Pod[]> {
    const ns = job.metadata?.namespace ?? '';
    const name = job.metadata?.name ?? '';
    const selector = labelSelectorAsSelector(job.spec?.selector);
    // All pods: those that stopped matching but point at this Job must be released.
    const all = this.podLister.list(ns);
    const refManager = new ControllerRefManager({
      controller: job,
      controllerKind: JOB_KIND,
      selector,
      canAdopt: recheckByUid(job, 'Job', () => this.opts.clientset.jobs.get(ns, name)),
    });
    const pods = await refManager.claim(all, 'Pod', (pns, pname, patch) =>
      this.podControl.patchPod(pns, pname, withTrackingFinalizer(patch)),
    );
    const uid = job.metadata?.uid ?? '';
    return pods.map((p) => {
      const adopted = !(p.metadata?.ownerReferences ?? []).some((r) => r.uid === uid);
      if (adopted && !hasJobTrackingFinalizer(p)) {
        return {
          ...p,
          metadata: {
            ...p.metadata,
            finalizers: [...(p.metadata?.finalizers ?? []), JOB_TRACKING_FINALIZER],
          },
        };
      }
      return p;
    });
  }

  /**
   * Reconciles the Job `namespace/name` (upstream syncJob). Idempotent; rejects on API errors
   * so that the key is retried with rate limiting.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    if (namespace === '' || name === '') {
      throw new Error(`invalid job key "${key}": either namespace or name is missing`);
    }
    const shared = this.lister.get(namespace, name);
    if (shared === undefined) {
      this.expectations.deleteExpectations(key);
      this.finalizerExpectations.delete(key);
      this.backoffStore.remove(key);
      return;
    }
    if (managedByExternalController(shared)) return;
    const job: Job = structuredClone(shared);
    if (isJobFinished(job)) {
      this.backoffStore.remove(key);
      return;
    }
    const mode = job.spec?.completionMode;
    if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.opts.recorder.event(
        job,
        'Warning',
        'UnknownCompletionMode',
        'Skipped Job sync because completion mode is unknown',
      );
      return;
    }
    const status: Status = (job.status ??= {});
    status.uncountedTerminatedPods ??= {};
    const now = this.now();
    // Expectations first: a pod created after this check is seen by the next sync.
    const satisfiedExpectations = this.expectations.satisfiedExpectations(key);
    const pods = await this.getPodsForJob(job);
    const activePods = pods.filter(isPodActive);
    const ctx: SyncCtx = {
      job,
      pods,
      activePods,
      finishedCondition: undefined,
      succeeded: 0,
      failed: 0,
      prevSucceededIndexes: [],
      succeededIndexes: [],
      failedIndexes: undefined,
      newBackoffRecord: { key, failuresAfterLastSuccess: 0, lastFailureTime: undefined },
      expectedRmFinalizers: new Set(this.finalizerExpectations.get(key) ?? []),
      uncounted: {
        succeeded: new Set(status.uncountedTerminatedPods.succeeded ?? []),
        failed: new Set(status.uncountedTerminatedPods.failed ?? []),
      },
      podsWithDelayedDeletionPerIndex: new Map(),
      terminating: pods.filter(isPodTerminating).length,
      ready: activePods.filter(isPodReady).length,
    };
    let active = activePods.length;
    const newSucceeded = getValidPodsWithFilter(
      ctx,
      ctx.uncounted.succeeded,
      (p) => p.status?.phase === 'Succeeded',
    );
    const newFailed = getValidPodsWithFilter(ctx, ctx.uncounted.failed, (p) => isPodFailed(p, job));
    ctx.succeeded = (status.succeeded ?? 0) + newSucceeded.length + ctx.uncounted.succeeded.size;
    ctx.failed =
      (status.failed ?? 0) + nonIgnoredFailedCount(job, newFailed) + ctx.uncounted.failed.size;

    if (status.startTime === undefined && !jobSuspended(job)) status.startTime = formatTime(now);
    ctx.newBackoffRecord = this.backoffStore.newRecord(key, newSucceeded, newFailed);

    let manageJobErr: unknown;
    const backoffLimit = job.spec?.backoffLimit ?? 6;
    const exceedsBackoffLimit = ctx.failed > backoffLimit;
    ctx.finishedCondition = successCriteriaMet(job);
    if (ctx.finishedCondition === undefined) {
      const ft = findCondition(status.conditions, 'FailureTarget');
      if (ft !== undefined && ft.status === 'True') {
        ctx.finishedCondition = newCondition(
          'Failed',
          'True',
          ft.reason ?? '',
          ft.message ?? '',
          now,
        );
      } else {
        const msg = getFailJobMessage(job, pods);
        if (msg !== undefined) {
          ctx.finishedCondition = newCondition(
            'FailureTarget',
            'True',
            'PodFailurePolicy',
            msg,
            now,
          );
        }
      }
    }
    if (ctx.finishedCondition === undefined) {
      if (exceedsBackoffLimit || pastBackoffLimitOnFailure(job, pods)) {
        ctx.finishedCondition = newCondition(
          'FailureTarget',
          'True',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
          now,
        );
      } else if (this.pastActiveDeadline(job)) {
        ctx.finishedCondition = newCondition(
          'FailureTarget',
          'True',
          'DeadlineExceeded',
          'Job was active longer than specified deadline',
          now,
        );
      } else if (job.spec?.activeDeadlineSeconds !== undefined && !jobSuspended(job)) {
        const start = parseTime(status.startTime) ?? now;
        this.controller.queue.addAfter(key, job.spec.activeDeadlineSeconds * 1000 - (now - start));
      }
    }

    if (isIndexedJob(job)) {
      const completions = completionsOf(job);
      ctx.prevSucceededIndexes = parseIndexesFromString(status.completedIndexes, completions);
      const newIx = new Set<number>();
      for (const p of pods) {
        const ix = podCompletionIndex(p);
        if (
          p.status?.phase === 'Succeeded' &&
          ix !== UNKNOWN_COMPLETION_INDEX &&
          ix < completions &&
          hasJobTrackingFinalizer(p)
        ) {
          newIx.add(ix);
        }
      }
      ctx.succeededIndexes = withOrderedIndexes(
        ctx.prevSucceededIndexes,
        [...newIx].sort((a, b) => a - b),
      );
      ctx.succeeded = intervalsTotal(ctx.succeededIndexes);
      if (hasBackoffLimitPerIndex(job)) {
        ctx.failedIndexes = calculateFailedIndexes(job, pods);
        if (ctx.finishedCondition === undefined) {
          const maxFailed = job.spec?.maxFailedIndexes;
          const nFailed = intervalsTotal(ctx.failedIndexes);
          if (maxFailed !== undefined && nFailed > maxFailed) {
            ctx.finishedCondition = newCondition(
              'FailureTarget',
              'True',
              'MaxFailedIndexesExceeded',
              'Job has exceeded the specified maximal number of failed indexes',
              now,
            );
          } else if (nFailed > 0 && nFailed + intervalsTotal(ctx.succeededIndexes) >= completions) {
            ctx.finishedCondition = newCondition(
              'FailureTarget',
              'True',
              'FailedIndexes',
              'Job has failed indexes',
              now,
            );
          }
        }
        ctx.podsWithDelayedDeletionPerIndex = getPodsWithDelayedDeletionPerIndex(ctx);
      }
      if (ctx.finishedCondition === undefined) {
        const msg = matchSuccessPolicy(job.spec?.successPolicy, completions, ctx.succeededIndexes);
        if (msg !== undefined)
          ctx.finishedCondition = newCondition(
            'SuccessCriteriaMet',
            'True',
            'SuccessPolicy',
            msg,
            now,
          );
      }
    }

    let suspendCondChanged = false;
    if (ctx.finishedCondition !== undefined) {
      const { deletedReady, deleted, error } = await this.deleteActivePods(job, ctx.activePods);
      if (deleted !== active || !satisfiedExpectations) {
        // Not finished yet: pods may keep finalizers, or be missing from the cache.
        ctx.finishedCondition = undefined;
      }
      active -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      manageJobErr = error;
    } else {
      let manageJobCalled = false;
      if (satisfiedExpectations && job.metadata?.deletionTimestamp === undefined) {
        try {
          active = await this.manageJob(job, ctx, key);
        } catch (err) {
          manageJobErr = err;
          active = lastManageActive(err) ?? active;
        }
        manageJobCalled = true;
      }
      const complete =
        job.spec?.completions === undefined
          ? ctx.succeeded > 0 && active === 0
          : ctx.succeeded >= job.spec.completions && active === 0;
      if (complete) {
        ctx.finishedCondition = newCondition(
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
          now,
        );
      } else if (manageJobCalled) {
        if (jobSuspended(job)) {
          if (
            ensureJobConditionStatus(
              status,
              'Suspended',
              'True',
              'JobSuspended',
              'Job suspended',
              now,
            )
          ) {
            suspendCondChanged = true;
            this.opts.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (
          ensureJobConditionStatus(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)
        ) {
          suspendCondChanged = true;
          this.opts.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
          // ActiveDeadlineSeconds counts continuous activity: resuming restarts the clock.
          status.startTime = formatTime(now);
        }
      }
    }

    const needsStatusUpdate =
      suspendCondChanged ||
      active !== (status.active ?? 0) ||
      ctx.ready !== status.ready ||
      ctx.terminating !== status.terminating;
    status.active = active;
    status.ready = ctx.ready;
    status.terminating = ctx.terminating;
    try {
      await this.trackJobStatusAndRemoveFinalizers(ctx, needsStatusUpdate, key);
    } catch (err) {
      throw new Error(`tracking status: ${errorMessage(err)}`, { cause: err });
    }
    if (manageJobErr !== undefined) throw toError(manageJobErr);
  }

  private pastActiveDeadline(job: Job): boolean {
    const ads = job.spec?.activeDeadlineSeconds;
    const start = parseTime(job.status?.startTime);
    if (ads === undefined || start === undefined || jobSuspended(job)) return false;
    return this.now() - start >= ads * 1000;
  }

  /** Deletes active pods of a finishing Job, keeping their finalizers (upstream deleteActivePods). */
  private async deleteActivePods(
    job: Job,
    pods: readonly Pod[],
  ): Promise<{ deletedReady: number; deleted: number; error: unknown }> {
    let deleted = pods.length;
    let deletedReady = 0;
    let error: unknown;
    const ns = job.metadata?.namespace ?? '';
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.podControl.deletePod(ns, pod.metadata?.name ?? '', job);
        } catch (err) {
          if (!isNotFound(err)) {
            deleted--;
            error ??= err;
          }
        }
        if (isPodReady(pod)) deletedReady++;
      }),
    );
    return { deletedReady, deleted, error };
  }

  /**
   * Deletes pods of a running Job, first removing their finalizer (upstream deleteJobPods);
   * failed deletions are no longer expected.
   */
  private async deleteJobPods(
    job: Job,
    key: string,
    pods: readonly Pod[],
  ): Promise<{ removedReady: number; removed: number; error: unknown }> {
    let removed = pods.length;
    let removedReady = 0;
    let error: unknown;
    const failDelete = (pod: Pod, err: unknown): void => {
      this.expectations.deletionObserved(key, podKey(pod));
      if (!isNotFound(err)) {
        removed--;
        error ??= err;
      }
    };
    await Promise.all(
      pods.map(async (pod) => {
        const ns = pod.metadata?.namespace ?? '';
        const name = pod.metadata?.name ?? '';
        const patch = removeTrackingFinalizerPatch(pod);
        if (patch !== undefined) {
          try {
            await this.podControl.patchPod(ns, name, patch);
          } catch (err) {
            failDelete(
              pod,
              new Error(`removing completion finalizer: ${errorMessage(err)}`, { cause: err }),
            );
            return;
          }
        }
        try {
          await this.podControl.deletePod(job.metadata?.namespace ?? '', name, job);
        } catch (err) {
          failDelete(pod, err);
        }
        if (isPodReady(pod)) removedReady++;
      }),
    );
    return { removedReady, removed, error };
  }

  /**
   * Creates or deletes pods towards the wanted number of active pods (upstream manageJob);
   * resolves the new active count. On failure rejects with a ManageJobError carrying it.
   */
  private async manageJob(job: Job, ctx: SyncCtx, key: string): Promise<number> {
    let active = ctx.activePods.length;
    const parallelism = job.spec?.parallelism ?? 1;
    if (jobSuspended(job)) {
      const toDelete = activePodsForRemoval(job, ctx.activePods, active);
      this.expectations.expectDeletions(key, toDelete.map(podKey));
      const r = await this.deleteJobPods(job, key, toDelete);
      active -= r.removed;
      ctx.terminating += r.removed;
      ctx.ready -= r.removedReady;
      if (r.error !== undefined) throw new ManageJobError(r.error, active);
      return active;
    }
    let wantActive: number;
    const completions = job.spec?.completions;
    if (completions === undefined) {
      wantActive = ctx.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));
    }
    const rmAtLeast = Math.max(0, active - wantActive);
    let toDelete = activePodsForRemoval(job, ctx.activePods, rmAtLeast);
    if (toDelete.length > MAX_POD_CREATE_DELETE_PER_SYNC)
      toDelete = toDelete.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      this.expectations.expectDeletions(key, toDelete.map(podKey));
      const r = await this.deleteJobPods(job, key, toDelete);
      active -= r.removed;
      ctx.terminating += r.removed;
      ctx.ready -= r.removedReady;
      // Deletion takes precedence: creations wait for the next sync.
      if (r.error !== undefined) throw new ManageJobError(r.error, active);
      return active;
    }
    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return active;
    let remaining = 0;
    if (!hasBackoffLimitPerIndex(job)) {
      remaining = remainingTime(
        ctx.newBackoffRecord.failuresAfterLastSuccess,
        ctx.newBackoffRecord.lastFailureTime,
        this.now(),
      );
    }
    if (remaining > 0) {
      this.enqueueWithDelay(job, remaining);
      return 0;
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexesToAdd: number[] = [];
    if (isIndexedJob(job)) {
      indexesToAdd = this.firstPendingIndexes(ctx, diff, completionsOf(job));
      if (hasBackoffLimitPerIndex(job)) {
        const r = this.podCreationInfoForIndependentIndexes(
          indexesToAdd,
          ctx.podsWithDelayedDeletionPerIndex,
        );
        indexesToAdd = r.indexes;
        if (r.remaining > 0) {
          this.enqueueWithDelay(job, r.remaining);
          return 0;
        }
      }
      diff = indexesToAdd.length;
    }
    if (diff === 0) return active;
    this.expectations.expectCreations(key, diff);
    active += diff;
    const template: PodTemplateSpec = structuredClone(job.spec?.template ?? {});
    if (isIndexedJob(job)) addCompletionIndexEnvVariables(template);
    const tmeta = (template.metadata ??= {});
    if (!(tmeta.finalizers ?? []).includes(JOB_TRACKING_FINALIZER)) {
      tmeta.finalizers = [...(tmeta.finalizers ?? []), JOB_TRACKING_FINALIZER];
    }
    const ns = job.metadata?.namespace ?? '';
    const ref = newControllerRef(job, JOB_KIND);
    let firstErr: unknown;
    const createOne = async (ix: number): Promise<void> => {
      let t = template;
      let generateName = '';
      if (ix !== UNKNOWN_COMPLETION_INDEX) {
        t = structuredClone(template);
        const m = (t.metadata ??= {});
        m.annotations = { ...m.annotations, [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
        m.labels = { ...m.labels, [JOB_COMPLETION_INDEX_ANNOTATION]: String(ix) };
        (t.spec ??= { containers: [] }).hostname = `${job.metadata?.name ?? ''}-${ix}`;
        generateName = podGenerateNameWithIndex(job.metadata?.name ?? '', ix);
        if (hasBackoffLimitPerIndex(job)) {
          addIndexFailureCountAnnotation(t, job, ctx.podsWithDelayedDeletionPerIndex.get(ix));
        }
      }
      try {
        await this.podControl.createPodsWithGenerateName(ns, t, job, ref, generateName);
      } catch (err) {
        // A terminating namespace refuses every create: nothing to report.
        if (isNamespaceTerminating(err)) return;
        this.expectations.creationObserved(key);
        active--;
        firstErr ??= err;
      }
    };
    // Slow start: batches of 1, 2, 4, ... stop after the first failing batch.
    for (let batch = Math.min(diff, 1); diff > 0; batch = Math.min(2 * batch, diff)) {
      const errorsBefore = firstErr;
      const batchIndexes = Array.from(
        { length: batch },
        () => indexesToAdd.shift() ?? UNKNOWN_COMPLETION_INDEX,
      );
      await Promise.all(batchIndexes.map((ix) => createOne(ix)));
      const skipped = diff - batch;
      if (errorsBefore === undefined && firstErr !== undefined && skipped > 0) {
        active -= skipped;
        for (let i = 0; i < skipped; i++) this.expectations.creationObserved(key);
        break;
      }
      diff -= batch;
    }
    if (firstErr !== undefined) throw new ManageJobError(firstErr, active);
    return active;
  }

  private firstPendingIndexes(ctx: SyncCtx, count: number, completions: number): number[] {
    let nonPending = withOrderedIndexes(ctx.succeededIndexes, getIndexes(ctx.activePods));
    if (onlyReplaceFailedPods(ctx.job)) {
      nonPending = withOrderedIndexes(nonPending, getIndexes(ctx.pods.filter(isPodTerminating)));
    }
    if (ctx.failedIndexes !== undefined) nonPending = mergeIntervals(nonPending, ctx.failedIndexes);
    return firstPendingIndexes(nonPending, count, completions);
  }

  /** Indexes whose per-index backoff elapsed, or the least time left (upstream). */
  private podCreationInfoForIndependentIndexes(
    indexes: readonly number[],
    delayed: ReadonlyMap<number, Pod>,
  ): { indexes: number[]; remaining: number } {
    const now = this.now();
    const ready: number[] = [];
    let min: number | undefined;
    for (const ix of indexes) {
      const p = delayed.get(ix);
      const left =
        p === undefined
          ? 0
          : remainingTime(
              parseCountAnnotation(p, JOB_INDEX_FAILURE_COUNT_ANNOTATION) +
                parseCountAnnotation(p, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION) +
                1,
              getFinishedTime(p),
              now,
            );
      if (left === 0) ready.push(ix);
      else if (min === undefined || left < min) min = left;
    }
    return ready.length > 0
      ? { indexes: ready, remaining: 0 }
      : { indexes: [], remaining: min ?? 0 };
  }

  /**
   * Records finished pods in uncountedTerminatedPods, removes their finalizers, moves them to
   * the counters, and sets the terminal condition (upstream trackJobStatusAndRemoveFinalizers).
   */
  private async trackJobStatusAndRemoveFinalizers(
    ctx: SyncCtx,
    needsFlushIn: boolean,
    key: string,
  ): Promise<void> {
    let needsFlush = needsFlushIn;
    const job = ctx.job;
    const status: Status = (job.status ??= {});
    const uncountedStatus = (status.uncountedTerminatedPods ??= {});
    const isIndexed = isIndexedJob(job);
    const completions = completionsOf(job);
    const podsToRemoveFinalizer: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    if (isIndexed) ctx.pods.sort((a, b) => podCompletionIndex(a) - podCompletionIndex(b));
    const uidsWithFinalizer = new Set<string>();
    for (const p of ctx.pods) {
      const uid = p.metadata?.uid ?? '';
      if (hasJobTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid))
        uidsWithFinalizer.add(uid);
    }
    if (cleanUncountedPodsWithoutFinalizers(status, uidsWithFinalizer)) needsFlush = true;
    let reachedMaxUncountedPods = false;
    for (const pod of ctx.pods) {
      const uid = pod.metadata?.uid ?? '';
      if (!hasJobTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue;
      const considerPodFailed = isPodFailed(pod, job);
      if (!this.canRemoveFinalizer(ctx, pod, considerPodFailed)) continue;
      podsToRemoveFinalizer.push(pod);
      if (pod.status?.phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
        if (isIndexed) {
          // The index is enough to avoid counting a success twice.
          const ix = podCompletionIndex(pod);
          if (
            ix !== UNKNOWN_COMPLETION_INDEX &&
            ix < completions &&
            !intervalsHas(ctx.prevSucceededIndexes, ix)
          ) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!ctx.uncounted.succeeded.has(uid)) {
          needsFlush = true;
          (uncountedStatus.succeeded ??= []).push(uid);
        }
      } else if (
        considerPodFailed ||
        (ctx.finishedCondition !== undefined && ctx.finishedCondition.type !== 'SuccessCriteriaMet')
      ) {
        // Once the Job is finishing, every pod that did not succeed counts as failed.
        const ix = podCompletionIndex(pod);
        if (
          !ctx.uncounted.failed.has(uid) &&
          (!isIndexed || (ix !== UNKNOWN_COMPLETION_INDEX && ix < completions))
        ) {
          if (matchPodFailurePolicy(job.spec?.podFailurePolicy, pod).countFailed) {
            needsFlush = true;
            (uncountedStatus.failed ??= []).push(uid);
          }
        }
      }
      if (
        newSucceededIndexes.length +
          (uncountedStatus.succeeded?.length ?? 0) +
          (uncountedStatus.failed?.length ?? 0) >=
        MAX_UNCOUNTED_PODS
      ) {
        // Keeps status small and lets other Jobs sync; the status update requeues this one.
        reachedMaxUncountedPods = true;
        break;
      }
    }
    if (isIndexed) {
      ctx.succeededIndexes = withOrderedIndexes(
        ctx.succeededIndexes,
        [...newSucceededIndexes].sort((a, b) => a - b),
      );
      const s = intervalsString(ctx.succeededIndexes);
      if (s !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = intervalsTotal(ctx.succeededIndexes);
      status.completedIndexes = s;
      const failedStr =
        ctx.failedIndexes !== undefined ? intervalsString(ctx.failedIndexes) : undefined;
      if (status.failedIndexes !== failedStr) {
        if (failedStr === undefined) delete status.failedIndexes;
        else status.failedIndexes = failedStr;
        needsFlush = true;
      }
    }
    const now = this.now();
    if (ctx.finishedCondition?.type === 'FailureTarget') {
      // The interim condition records the reason before finalizers go; Failed follows.
      (status.conditions ??= []).push(ctx.finishedCondition);
      needsFlush = true;
      ctx.finishedCondition = newCondition(
        'Failed',
        'True',
        ctx.finishedCondition.reason ?? '',
        ctx.finishedCondition.message ?? '',
        now,
      );
    }
    if (ctx.finishedCondition?.type === 'SuccessCriteriaMet') {
      if (successCriteriaMet(job) === undefined) {
        (status.conditions ??= []).push(ctx.finishedCondition);
        needsFlush = true;
      }
      ctx.finishedCondition = newCondition(
        'Complete',
        'True',
        ctx.finishedCondition.reason ?? '',
        ctx.finishedCondition.message ?? '',
        now,
      );
    }
    needsFlush = await this.flushUncountedAndRemoveFinalizers(
      ctx,
      podsToRemoveFinalizer,
      uidsWithFinalizer,
      needsFlush,
      key,
    );
    const jobFinished = !reachedMaxUncountedPods && this.enactJobFinished(ctx);
    if (jobFinished) needsFlush = true;
    if (needsFlush) {
      try {
        ctx.job = await this.updateJobStatus(ctx.job);
      } catch (err) {
        throw new Error(`removing uncounted pods from status: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      if (jobFinished && ctx.finishedCondition !== undefined)
        this.recordJobFinished(ctx.job, ctx.finishedCondition);
    }
  }

  private canRemoveFinalizer(ctx: SyncCtx, pod: Pod, considerPodFailed: boolean): boolean {
    if (
      ctx.job.metadata?.deletionTimestamp !== undefined ||
      ctx.finishedCondition !== undefined ||
      pod.status?.phase === 'Succeeded'
    ) {
      return true;
    }
    if (!considerPodFailed) return false;
    if (hasBackoffLimitPerIndex(ctx.job)) {
      const ix = podCompletionIndex(pod);
      if (ix !== UNKNOWN_COMPLETION_INDEX) {
        // Kept until its replacement exists, which inherits its failure count.
        const p = ctx.podsWithDelayedDeletionPerIndex.get(ix);
        if (p !== undefined && p.metadata?.uid === pod.metadata?.uid) return false;
      }
    }
    return true;
  }

  /**
   * Flushes the status with the new uncounted uids, removes finalizers, then moves the pods
   * whose finalizer is gone into the counters (upstream flushUncountedAndRemoveFinalizers).
   * Resolves whether changes remain to be flushed.
   */
  private async flushUncountedAndRemoveFinalizers(
    ctx: SyncCtx,
    podsToRemoveFinalizer: readonly Pod[],
    uidsWithFinalizer: Set<string>,
    needsFlushIn: boolean,
    key: string,
  ): Promise<boolean> {
    let needsFlush = needsFlushIn;
    if (needsFlush) {
      try {
        ctx.job = await this.updateJobStatus(ctx.job);
      } catch (err) {
        throw new Error(`adding uncounted pods to status: ${errorMessage(err)}`, { cause: err });
      }
      this.backoffStore.update(ctx.newBackoffRecord);
      needsFlush = false;
    }
    let rmErr: unknown;
    if (podsToRemoveFinalizer.length > 0) {
      const { succeeded, error } = await this.removeTrackingFinalizerFromPods(
        key,
        podsToRemoveFinalizer,
      );
      rmErr = error;
      podsToRemoveFinalizer.forEach((p, i) => {
        if (succeeded[i] === true) uidsWithFinalizer.delete(p.metadata?.uid ?? '');
      });
    }
    // Some removals may have failed: record the partial progress.
    if (cleanUncountedPodsWithoutFinalizers((ctx.job.status ??= {}), uidsWithFinalizer))
      needsFlush = true;
    if (rmErr !== undefined && needsFlush) {
      try {
        ctx.job = await this.updateJobStatus(ctx.job);
      } catch (err) {
        throw new Error(`removing uncounted pods from status: ${errorMessage(err)}`, {
          cause: err,
        });
      }
    }
    if (rmErr !== undefined) throw toError(rmErr);
    return needsFlush;
  }

  private async removeTrackingFinalizerFromPods(
    key: string,
    pods: readonly Pod[],
  ): Promise<{ succeeded: boolean[]; error: unknown }> {
    const succeeded = pods.map(() => false);
    let error: unknown;
    let expected = this.finalizerExpectations.get(key);
    if (expected === undefined) {
      expected = new Set();
      this.finalizerExpectations.set(key, expected);
    }
    for (const p of pods) expected.add(p.metadata?.uid ?? '');
    await Promise.all(
      pods.map(async (pod, i) => {
        const patch = removeTrackingFinalizerPatch(pod);
        if (patch === undefined) return;
        try {
          await this.podControl.patchPod(
            pod.metadata?.namespace ?? '',
            pod.metadata?.name ?? '',
            patch,
          );
        } catch (err) {
          // No update will be observed for this pod.
          this.finalizerRemovalObserved(key, pod.metadata?.uid ?? '');
          if (!isNotFound(err)) {
            error ??= new Error(`removing tracking finalizer: ${errorMessage(err)}`, {
              cause: err,
            });
            return;
          }
        }
        succeeded[i] = true;
      }),
    );
    return { succeeded, error };
  }

  /** Sets the terminal condition unless pods are uncounted or terminating (upstream enactJobFinished). */
  private enactJobFinished(ctx: SyncCtx): boolean {
    const cond = ctx.finishedCondition;
    if (cond === undefined) return false;
    const status: Status = (ctx.job.status ??= {});
    const u = status.uncountedTerminatedPods;
    if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
    if (ctx.terminating > 0) return false;
    ensureJobConditionStatus(
      status,
      cond.type,
      cond.status,
      cond.reason ?? '',
      cond.message ?? '',
      this.now(),
    );
    if (cond.type === 'Complete') status.completionTime = cond.lastTransitionTime;
    return true;
  }

  private recordJobFinished(job: Job, cond: JobCondition): void {
    if (cond.type === 'Complete') {
      const completions = job.spec?.completions;
      if (completions !== undefined && (job.status?.succeeded ?? 0) > completions) {
        this.opts.recorder.event(
          job,
          'Warning',
          'TooManySucceededPods',
          'Too many succeeded pods running after completion count reached',
        );
      }
      this.opts.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      this.opts.recorder.event(job, 'Warning', cond.reason ?? '', cond.message ?? '');
    }
  }

  private async updateJobStatus(job: Job): Promise<Job> {
    return this.opts.clientset.jobs.updateStatus(job.metadata?.namespace ?? '', job);
  }
}

/** A manageJob failure with the active count at the time. */
class ManageJobError extends Error {
  override readonly name = 'ManageJobError';
  constructor(
    readonly err: unknown,
    readonly active: number,
  ) {
    super(errorMessage(err), { cause: err });
  }
}

function lastManageActive(err: unknown): number | undefined {
  return err instanceof ManageJobError ? err.active : undefined;
}

function managedByExternalController(job: Job): boolean {
  const m = job.spec?.managedBy;
  return m !== undefined && m !== JOB_CONTROLLER_NAME;
}

function successCriteriaMet(job: Job): JobCondition | undefined {
  const c = findCondition(job.status?.conditions, 'SuccessCriteriaMet');
  return c?.status === 'True' ? c : undefined;
}

/** Adds the tracking finalizer to an adoption patch, and removes it in a release patch. */
function withTrackingFinalizer(patch: unknown): unknown {
  const meta = (patch as { metadata?: { ownerReferences?: { $patch?: string }[] } }).metadata;
  if (meta?.ownerReferences === undefined) return patch;
  const release = meta.ownerReferences.some((r) => r.$patch === 'delete');
  return {
    metadata: release
      ? { ...meta, '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] }
      : { ...meta, finalizers: [JOB_TRACKING_FINALIZER] },
  };
}

/** Pods with a finalizer not yet counted (and, Indexed, with a valid index) that pass `filter`. */
function getValidPodsWithFilter(
  ctx: SyncCtx,
  uncounted: ReadonlySet<string> | undefined,
  filter: (p: Pod) => boolean,
): Pod[] {
  const out: Pod[] = [];
  const indexed = isIndexedJob(ctx.job);
  const completions = completionsOf(ctx.job);
  for (const p of ctx.pods) {
    const uid = p.metadata?.uid ?? '';
    if (
      !hasJobTrackingFinalizer(p) ||
      uncounted?.has(uid) === true ||
      ctx.expectedRmFinalizers.has(uid)
    )
      continue;
    if (indexed) {
      const ix = podCompletionIndex(p);
      if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) continue;
    }
    if (filter(p)) out.push(p);
  }
  return out;
}

function nonIgnoredFailedCount(job: Job, failed: readonly Pod[]): number {
  if (job.spec?.podFailurePolicy === undefined) return failed.length;
  return failed.filter((p) => matchPodFailurePolicy(job.spec?.podFailurePolicy, p).countFailed)
    .length;
}

function getFailJobMessage(job: Job, pods: readonly Pod[]): string | undefined {
  if (job.spec?.podFailurePolicy === undefined) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p).failJobMessage;
    if (m !== undefined) return m;
  }
  return undefined;
}

/** Moves uncounted pods whose finalizer is gone into the counters; whether anything changed. */
function cleanUncountedPodsWithoutFinalizers(
  status: Status,
  uidsWithFinalizer: ReadonlySet<string>,
): boolean {
  let updated = false;
  const u = (status.uncountedTerminatedPods ??= {});
  const keepS = (u.succeeded ?? []).filter((x) => uidsWithFinalizer.has(x));
  if (keepS.length !== (u.succeeded ?? []).length) {
    updated = true;
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length;
    if (keepS.length > 0) u.succeeded = keepS;
    else delete u.succeeded;
  }
  const keepF = (u.failed ?? []).filter((x) => uidsWithFinalizer.has(x));
  if (keepF.length !== (u.failed ?? []).length) {
    updated = true;
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - keepF.length;
    if (keepF.length > 0) u.failed = keepF;
    else delete u.failed;
  }
  return updated;
}

function isIndexFailed(job: Job, pod: Pod): boolean {
  let counted = false;
  if (isPodFailed(pod, job)) {
    if (job.spec?.podFailurePolicy !== undefined) {
      const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
      if (m.action === 'FailIndex') return true;
      counted = m.countFailed;
    } else {
      counted = true;
    }
  }
  return (
    counted &&
    parseCountAnnotation(pod, JOB_INDEX_FAILURE_COUNT_ANNOTATION) >=
      (job.spec?.backoffLimitPerIndex ?? 0)
  );
}

function calculateFailedIndexes(job: Job, pods: readonly Pod[]): Intervals {
  const completions = completionsOf(job);
  const prev = parseIndexesFromString(job.status?.failedIndexes, completions);
  const s = new Set<number>();
  for (const p of pods) {
    const ix = podCompletionIndex(p);
    if (
      ix !== UNKNOWN_COMPLETION_INDEX &&
      ix < completions &&
      hasJobTrackingFinalizer(p) &&
      isIndexFailed(job, p)
    )
      s.add(ix);
  }
  return withOrderedIndexes(
    prev,
    [...s].sort((a, b) => a - b),
  );
}

function getPodsWithDelayedDeletionPerIndex(ctx: SyncCtx): Map<number, Pod> {
  const activeIndexes = new Set(getIndexes(ctx.activePods));
  const out = new Map<number, Pod>();
  const completions = completionsOf(ctx.job);
  const abs = (p: Pod): number =>
    parseCountAnnotation(p, JOB_INDEX_FAILURE_COUNT_ANNOTATION) +
    parseCountAnnotation(p, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
  getValidPodsWithFilter(ctx, undefined, (p) => {
    if (!isPodFailed(p, ctx.job)) return false;
    const ix = podCompletionIndex(p);
    if (ix === UNKNOWN_COMPLETION_INDEX || ix >= completions) return false;
    if (
      intervalsHas(ctx.succeededIndexes, ix) ||
      intervalsHas(ctx.failedIndexes, ix) ||
      activeIndexes.has(ix)
    )
      return false;
    const last = out.get(ix);
    if (last === undefined || (abs(last) <= abs(p) && getFinishedTime(p) >= getFinishedTime(last)))
      out.set(ix, p);
    return false;
  });
  return out;
}

function addIndexFailureCountAnnotation(
  template: PodTemplateSpec,
  job: Job,
  replaced: Pod | undefined,
): void {
  let failures = 0;
  let ignored = 0;
  if (replaced !== undefined) {
    failures = parseCountAnnotation(replaced, JOB_INDEX_FAILURE_COUNT_ANNOTATION);
    ignored = parseCountAnnotation(replaced, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION);
    if (matchPodFailurePolicy(job.spec?.podFailurePolicy, replaced).countFailed) failures++;
    else ignored++;
  }
  const m = (template.metadata ??= {});
  m.annotations = { ...m.annotations, [JOB_INDEX_FAILURE_COUNT_ANNOTATION]: String(failures) };
  if (ignored > 0) m.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION] = String(ignored);
}

/** Adds JOB_COMPLETION_INDEX from the index label to every container lacking it. */
function addCompletionIndexEnvVariables(template: PodTemplateSpec): void {
  const spec = template.spec;
  if (spec === undefined) return;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    if ((c.env ?? []).some((e) => e.name === COMPLETION_INDEX_ENV_NAME)) continue;
    c.env = [
      ...(c.env ?? []),
      {
        name: COMPLETION_INDEX_ENV_NAME,
        valueFrom: {
          fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_ANNOTATION}']` },
        },
      },
    ];
  }
}

/**
 * Active pods to remove: for Indexed Jobs those with duplicated or invalid indexes, then, up
 * to `rmAtLeast`, the first in controller.ActivePods order (upstream activePodsForRemoval).
 */
function activePodsForRemoval(job: Job, pods: readonly Pod[], rmAtLeast: number): Pod[] {
  let rm: Pod[] = [];
  let left: Pod[];
  if (isIndexedJob(job)) {
    const r = duplicatedIndexPodsForRemoval(pods, completionsOf(job), sortActivePods);
    rm = r.rm;
    left = r.left;
  } else {
    left = [...pods];
  }
  if (rm.length < rmAtLeast) {
    sortActivePods(left);
    rm = rm.concat(left.slice(0, rmAtLeast - rm.length));
  }
  return rm;
}

/** The Job controller (`job`). */
export function newJobController(opts: JobControllerOptions): JobController {
  return new JobController(opts);
}
