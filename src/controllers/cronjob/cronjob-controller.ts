/**
 * The CronJob controller (upstream pkg/controller/cronjob/cronjob_controllerv2.go and
 * utils.go, Kubernetes 1.32): for each CronJob it reconciles the Jobs it owns against
 * `status.active`, deletes finished Jobs beyond the history limits, and at the most recent
 * unmet schedule time (within startingDeadlineSeconds) creates the Job
 * `<cronjob>-<minutes since epoch>` according to the concurrency policy; then it requeues the
 * key for the next schedule time (plus 100 ms) with the injected clock.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, parseStandardCron } from '../../api/index.ts';
import type { CronSchedule } from '../../api/index.ts';
import { BUILTIN_RESOURCES, objectKey, splitObjectKey } from '../../client/index.ts';
import type { Clientset, EventRecorder, InformerFactory, Lister } from '../../client/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import {
  Controller,
  NOOP_LOGGER,
  errorMessage,
  formatTime,
  getControllerOf,
  isNamespaceTerminating,
  newControllerRef,
  parseTime,
  toError,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerKind, ControllerLogger } from '../shared/index.ts';
import { formatRFC1123ZUTC, formatRFC3339, nextActivation } from './schedule.ts';

/** The annotation recording a Job's scheduled time (RFC 3339 in the CronJob's zone). */
export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION =
  'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** upstream nextScheduleDelta: requeue a little after the schedule time. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

const CRONJOB_KIND: ControllerKind = { apiVersion: 'batch/v1', kind: 'CronJob' };

/** What the controller needs; the lead wires these in the controller-manager. */
export interface CronJobControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records the CronJob's events (component `cronjob-controller`). */
  readonly recorder: EventRecorder;
  /** Default: a new rate-limited queue `cronjob`; pass one on a fake clock in tests. */
  readonly queue?: RateLimitingQueue<string>;
  /** Wall clock in ms; default Date.now. */
  readonly now?: () => number;
  /** The zone of schedules without spec.timeZone (upstream: the process's local zone). Default UTC. */
  readonly defaultTimeZone?: string;
  readonly logger?: ControllerLogger;
}

/** How many schedules were missed (upstream missedSchedulesType). */
export type MissedSchedules = 'none' | 'few' | 'many';

/** A Job is finished: Complete or Failed condition True; the type, if so. */
function finishedCondition(job: Job): string | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/**
 * The earliest time considered, the most recent unmet schedule time at or before `now` and
 * how many were missed (upstream mostRecentScheduleTime). Throws for a schedule whose two next
 * activations are less than a second apart (or never come).
 */
export function mostRecentScheduleTime(
  cj: CronJob,
  now: number,
  next: (t: number) => number | undefined,
  includeStartingDeadlineSeconds: boolean,
): { earliest: number; mostRecent: number | undefined; missed: MissedSchedules } {
  let earliest =
    parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata?.creationTimestamp) ?? 0;
  const sds = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadlineSeconds && sds !== undefined) {
    // Nothing before the deadline will be scheduled.
    const deadline = now - sds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = next(earliest);
  const t2 = t1 === undefined ? undefined : next(t1);
  if (t1 === undefined || now < t1) return { earliest, mostRecent: undefined, missed: 'none' };
  if (t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'few' };
  // "59 23 31 2 *" parses but never fires: the two times coincide (Go's zero time).
  const between = t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error('time difference between two schedules is less than 1 second');
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  let mostRecent: number | undefined;
  // Start one interval early and let the schedule find the exact times (irregular schedules).
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  for (let t = next(potentialEarliest); t !== undefined && t <= now; t = next(t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > 100 ? 'many' : missedCount > 0 ? 'few' : 'none';
  return { earliest, mostRecent, missed };
}

/** The Job name for a scheduled time: `<cronjob>-<minutes since epoch>` (upstream getJobName). */
export function getJobName(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata?.name ?? ''}-${Math.floor(scheduledMs / 60_000)}`;
}

/** The Job a CronJob creates for `scheduledMs` (upstream getJobFromTemplate2). */
export function getJobFromTemplate(cj: CronJob, scheduledMs: number, tz: string): Job {
  const tmpl = cj.spec?.jobTemplate;
  const annotations: Record<string, string> = {
    ...(tmpl?.metadata?.annotations ?? {}),
    [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatRFC3339(scheduledMs, tz === '' ? 'UTC' : tz),
  };
  const labels = tmpl?.metadata?.labels;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: getJobName(cj, scheduledMs),
      ...(labels !== undefined && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
      annotations,
      ownerReferences: [newControllerRef(cj, CRONJOB_KIND)],
    },
    spec: structuredClone(tmpl?.spec ?? { template: {} }),
  };
}

const inActiveList = (cj: CronJob, uid: string | undefined): boolean =>
  (cj.status?.active ?? []).some((r) => r.uid === uid);

function deleteFromActiveList(cj: CronJob, uid: string | undefined): void {
  const status = (cj.status ??= {});
  const next = (status.active ?? []).filter((r) => r.uid !== uid);
  if (next.length > 0) status.active = next;
  else delete status.active;
}

/** upstream byJobStartTime: started before unstarted, earlier first, then by name. */
function byJobStartTime(a: Job, b: Job): number {
  const ta = parseTime(a.status?.startTime);
  const tb = parseTime(b.status?.startTime);
  if (ta === undefined && tb !== undefined) return 1;
  if (ta !== undefined && tb === undefined) return -1;
  if (ta === tb)
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '')
      ? -1
      : (a.metadata?.name ?? '') > (b.metadata?.name ?? '')
        ? 1
        : 0;
  return (ta ?? 0) - (tb ?? 0);
}

/** The CronJob controller; see the module comment. */
export class CronJobController {
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  private readonly lister: Lister<CronJob>;
  private readonly jobLister: Lister<Job>;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;
  private readonly defaultTz: string;

  constructor(private readonly opts: CronJobControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.defaultTz = opts.defaultTimeZone ?? 'UTC';
    const cjInformer = opts.informers.informer<CronJob>(BUILTIN_RESOURCES.cronJobs);
    const jobInformer = opts.informers.informer<Job>(BUILTIN_RESOURCES.jobs);
    this.lister = cjInformer.lister;
    this.jobLister = jobInformer.lister;
    this.controller = new Controller({
      name: 'cronjob',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [cjInformer, jobInformer],
      logger: this.logger,
    });
    cjInformer.addEventHandler({
      onAdd: (cj) => {
        this.controller.enqueue(cj);
      },
      onUpdate: (old, cur) => {
        this.updateCronJob(old, cur);
      },
      onDelete: (obj) => {
        this.controller.enqueue(unwrapTombstone(obj));
      },
    });
    const onJob = (job: Job): void => {
      const ref = getControllerOf(job);
      if (ref?.kind !== CRONJOB_KIND.kind) return;
      const cj = this.lister.get(job.metadata?.namespace ?? '', ref.name);
      if (cj?.metadata?.uid !== ref.uid) return;
      this.controller.enqueue(cj);
    };
    jobInformer.addEventHandler({
      onAdd: (job) => {
        if (job.metadata?.deletionTimestamp !== undefined) return;
        onJob(job);
      },
      onUpdate: (old, cur) => {
        if (cur.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
        const oldRef = getControllerOf(old);
        if (JSON.stringify(oldRef) !== JSON.stringify(getControllerOf(cur))) onJob(old);
        onJob(cur);
      },
      onDelete: (obj) => {
        onJob(unwrapTombstone(obj));
      },
    });
  }

  /** Waits for the caches, then syncs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }

  /** A changed schedule or zone requeues at the new next time (upstream updateCronJob). */
  private updateCronJob(old: CronJob, cur: CronJob): void {
    const key = objectKey(cur);
    if (old.spec?.schedule !== cur.spec?.schedule || old.spec?.timeZone !== cur.spec?.timeZone) {
      const sched = this.parseSchedule(cur, false);
      if (sched === undefined) {
        this.controller.queue.add(key);
        return;
      }
      this.controller.queue.addAfter(key, this.nextScheduleTimeDuration(cur, this.now(), sched));
      return;
    }
    this.controller.queue.add(key);
  }

  private zoneOf(cj: CronJob): string {
    return cj.spec?.timeZone ?? this.defaultTz;
  }

  /**
   * The parsed schedule (upstream formatSchedule + cron.ParseStandard): spec.timeZone becomes
   * the location; a TZ/CRON_TZ prefix in the schedule is honoured with an UnsupportedSchedule
   * warning. Undefined (with an UnparseableSchedule event when `report`) when it does not parse.
   */
  private parseSchedule(cj: CronJob, report: boolean): CronSchedule | undefined {
    const schedule = cj.spec?.schedule ?? '';
    let text = schedule;
    if (schedule.includes('TZ')) {
      if (report) {
        this.opts.recorder.event(
          cj,
          'Warning',
          'UnsupportedSchedule',
          `CRON_TZ or TZ used in schedule "${schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
        );
      }
    } else if (cj.spec?.timeZone !== undefined) {
      text = `TZ=${cj.spec.timeZone} ${schedule}`;
    }
    try {
      return parseStandardCron(text);
    } catch (err) {
      if (report) {
        this.opts.recorder.event(
          cj,
          'Warning',
          'UnparseableSchedule',
          `unparseable schedule: "${schedule}" : ${errorMessage(err)}`,
        );
      }
      return undefined;
    }
  }

  private nextFn(sched: CronSchedule): (t: number) => number | undefined {
    return (t) => nextActivation(sched, t, this.defaultTz);
  }

  /** Time until the next schedule after the most recent one, plus 100 ms (upstream nextScheduleTimeDuration). */
  private nextScheduleTimeDuration(cj: CronJob, now: number, sched: CronSchedule): number {
    const next = this.nextFn(sched);
    let from: number;
    try {
      const r = mostRecentScheduleTime(cj, now, next, false);
      from = r.mostRecent ?? r.earliest;
    } catch {
      from = now;
    }
    const t = next(from);
    // Go's zero time lies far in the past: the key is requeued at once and finds nothing.
    return t === undefined ? 0 : t + NEXT_SCHEDULE_DELTA_MS - now;
  }

  /**
   * Reconciles the CronJob `namespace/name` (upstream sync + syncCronJob). Idempotent; rejects
   * on API errors so that the key is retried with rate limiting; on success requeues the key
   * at the next schedule time.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const shared = this.lister.get(namespace, name);
    if (shared === undefined) return;
    const jobs = this.jobLister.list(namespace).filter((j) => getControllerOf(j)?.name === name);
    const cj: CronJob = structuredClone(shared);
    const updateAfterCleanup = await this.cleanupFinishedJobs(cj, jobs);
    let result: { requeueAfter: number | undefined; updateStatus: boolean };
    let syncErr: unknown;
    try {
      result = await this.syncCronJob(cj, jobs);
    } catch (err) {
      syncErr = err;
      result = {
        requeueAfter: undefined,
        updateStatus: (err as { updateStatus?: boolean }).updateStatus === true,
      };
    }
    if (updateAfterCleanup || result.updateStatus) {
      await this.opts.clientset.cronJobs.updateStatus(namespace, cj);
    }
    if (result.requeueAfter !== undefined) {
      this.controller.queue.forget(key);
      this.controller.queue.addAfter(key, result.requeueAfter);
      return;
    }
    if (syncErr !== undefined) throw toError(syncErr);
  }

  private async cleanupFinishedJobs(cj: CronJob, jobs: readonly Job[]): Promise<boolean> {
    const failedLimit = cj.spec?.failedJobsHistoryLimit;
    const successLimit = cj.spec?.successfulJobsHistoryLimit;
    if (failedLimit === undefined && successLimit === undefined) return false;
    const succeeded: Job[] = [];
    const failed: Job[] = [];
    for (const j of jobs) {
      const c = finishedCondition(j);
      if (c === 'Complete') succeeded.push(j);
      else if (c === 'Failed') failed.push(j);
    }
    let update = false;
    if (successLimit !== undefined && (await this.removeOldestJobs(cj, succeeded, successLimit)))
      update = true;
    if (failedLimit !== undefined && (await this.removeOldestJobs(cj, failed, failedLimit)))
      update = true;
    return update;
  }

  private async removeOldestJobs(cj: CronJob, jobs: Job[], max: number): Promise<boolean> {
    const n = jobs.length - max;
    if (n <= 0) return false;
    jobs.sort(byJobStartTime);
    let update = false;
    for (let i = 0; i < n; i++) {
      const j = jobs[i];
      if (j !== undefined && (await this.deleteJob(cj, j))) update = true;
    }
    return update;
  }

  /** Deletes a Job (background propagation) and drops it from status.active (upstream deleteJob). */
  private async deleteJob(cj: CronJob, job: Job): Promise<boolean> {
    try {
      await this.opts.clientset.jobs.delete(
        job.metadata?.namespace ?? '',
        job.metadata?.name ?? '',
        {
          propagationPolicy: 'Background',
        },
      );
    } catch (err) {
      this.opts.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${errorMessage(err)}`);
      return false;
    }
    deleteFromActiveList(cj, job.metadata?.uid);
    this.opts.recorder.event(
      cj,
      'Normal',
      'SuccessfulDelete',
      `Deleted job ${job.metadata?.name ?? ''}`,
    );
    return true;
  }

  private async syncCronJob(
    cjIn: CronJob,
    jobs: readonly Job[],
  ): Promise<{ requeueAfter: number | undefined; updateStatus: boolean }> {
    let cj = cjIn;
    const now = this.now();
    let updateStatus = false;
    const fail = (err: unknown): Error => {
      const e = err instanceof Error ? err : new Error(String(err));
      return Object.assign(e, { updateStatus });
    };
    const ns = cj.metadata?.namespace ?? '';
    const children = new Set<string>();
    for (const j of jobs) {
      const uid = j.metadata?.uid ?? '';
      children.add(uid);
      const found = inActiveList(cj, uid);
      const finished = finishedCondition(j);
      if (!found && finished === undefined) {
        let fresh: CronJob;
        try {
          fresh = await this.opts.clientset.cronJobs.get(ns, cj.metadata?.name ?? '');
        } catch (err) {
          throw fail(err);
        }
        if (inActiveList(fresh, uid)) {
          cj.status = structuredClone(fresh.status ?? {});
          cj = Object.assign(cj, { metadata: fresh.metadata, spec: fresh.spec });
          continue;
        }
        this.opts.recorder.event(
          cj,
          'Warning',
          'UnexpectedJob',
          `Saw a job that the controller did not create or forgot: ${j.metadata?.name ?? ''}`,
        );
      } else if (found && finished !== undefined) {
        deleteFromActiveList(cj, uid);
        this.opts.recorder.event(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${j.metadata?.name ?? ''}, condition: ${finished}`,
        );
        updateStatus = true;
      } else if (finished === 'Complete') {
        // A succeeded job counts for lastSuccessfulTime even when not in the active list.
        const status = (cj.status ??= {});
        const ct = j.status?.completionTime;
        if (status.lastSuccessfulTime === undefined) {
          if (ct !== undefined) status.lastSuccessfulTime = ct;
          updateStatus = true;
        }
        const ctMs = parseTime(ct);
        const lastMs = parseTime(status.lastSuccessfulTime);
        if (ctMs !== undefined && lastMs !== undefined && ctMs > lastMs) {
          status.lastSuccessfulTime = ct;
          updateStatus = true;
        }
      }
    }
    // Drop references to Jobs that are gone, checking the API server (the cache may lag).
    for (const ref of [...(cj.status?.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.opts.clientset.jobs.get(ref.namespace ?? ns, ref.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw fail(err);
        this.opts.recorder.event(
          cj,
          'Normal',
          'MissingJob',
          `Active job went missing: ${ref.name ?? ''}`,
        );
        deleteFromActiveList(cj, ref.uid);
        updateStatus = true;
      }
    }
    if (cj.metadata?.deletionTimestamp !== undefined)
      return { requeueAfter: undefined, updateStatus };
    const tz = cj.spec?.timeZone;
    if (tz !== undefined && !isValidTimeZone(tz)) {
      this.opts.recorder.event(
        cj,
        'Warning',
        'UnknownTimeZone',
        `invalid timeZone: "${tz}": unknown time zone ${tz}`,
      );
      return { requeueAfter: undefined, updateStatus };
    }
    if (cj.spec?.suspend === true) return { requeueAfter: undefined, updateStatus };
    const sched = this.parseSchedule(cj, true);
    if (sched === undefined) return { requeueAfter: undefined, updateStatus };
    const next = this.nextFn(sched);
    let scheduled: number | undefined;
    try {
      const r = mostRecentScheduleTime(cj, now, next, true);
      if (r.mostRecent !== undefined && r.mostRecent <= now) {
        scheduled = r.mostRecent;
        if (r.missed === 'many') {
          this.opts.recorder.event(
            cj,
            'Warning',
            'TooManyMissedTimes',
            'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
          );
        }
      }
    } catch (err) {
      this.opts.recorder.event(
        cj,
        'Warning',
        'InvalidSchedule',
        `invalid schedule: ${cj.spec?.schedule ?? ''} : ${errorMessage(err)}`,
      );
      return { requeueAfter: undefined, updateStatus };
    }
    const requeue = (): { requeueAfter: number; updateStatus: boolean } => ({
      requeueAfter: this.nextScheduleTimeDuration(cj, now, sched),
      updateStatus,
    });
    if (scheduled === undefined) return requeue();
    const sds = cj.spec?.startingDeadlineSeconds;
    if (sds !== undefined && scheduled + sds * 1000 < now) {
      this.opts.recorder.event(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${formatRFC1123ZUTC(scheduled)}`,
      );
      return requeue();
    }
    const jobName = getJobName(cj, scheduled);
    if (
      (cj.status?.active ?? []).some((r) => r.name === jobName && (r.namespace ?? ns) === ns) ||
      parseTime(cj.status?.lastScheduleTime) === scheduled
    ) {
      return requeue();
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (cj.status?.active ?? []).length > 0) {
      this.opts.recorder.event(
        cj,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return requeue();
    }
    if (policy === 'Replace') {
      for (const ref of [...(cj.status?.active ?? [])]) {
        let job: Job;
        try {
          job = await this.opts.clientset.jobs.get(ref.namespace ?? ns, ref.name ?? '');
        } catch (err) {
          this.opts.recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${errorMessage(err)}`);
          throw fail(err);
        }
        if (!(await this.deleteJob(cj, job))) {
          throw fail(
            new Error(
              `could not replace job ${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''}`,
            ),
          );
        }
        updateStatus = true;
      }
    }
    const jobReq = getJobFromTemplate(cj, scheduled, tz ?? this.defaultTz);
    let created: Job;
    let alreadyExists = false;
    try {
      created = await this.opts.clientset.jobs.create(ns, jobReq);
    } catch (err) {
      if (isNamespaceTerminating(err)) throw fail(err);
      if (!isAlreadyExists(err)) {
        this.opts.recorder.event(
          cj,
          'Warning',
          'FailedCreate',
          `Error creating job: ${errorMessage(err)}`,
        );
        throw fail(err);
      }
      alreadyExists = true;
      try {
        created = await this.opts.clientset.jobs.get(ns, jobName);
      } catch (e) {
        throw fail(e);
      }
      // Someone else's Job, or one already recorded: leave the status to them.
      if (getControllerOf(created)?.uid !== cj.metadata?.uid)
        return { requeueAfter: undefined, updateStatus };
      if (inActiveList(cj, created.metadata?.uid)) return { requeueAfter: undefined, updateStatus };
    }
    if (!alreadyExists) {
      this.opts.recorder.event(
        cj,
        'Normal',
        'SuccessfulCreate',
        `Created job ${created.metadata?.name ?? ''}`,
      );
    }
    const ref: ObjectReference = {
      kind: 'Job',
      namespace: created.metadata?.namespace ?? ns,
      name: created.metadata?.name ?? '',
      uid: created.metadata?.uid ?? '',
      apiVersion: 'batch/v1',
      resourceVersion: created.metadata?.resourceVersion ?? '',
    };
    const status = (cj.status ??= {});
    status.active = [...(status.active ?? []), ref];
    status.lastScheduleTime = formatTime(scheduled);
    updateStatus = true;
    return requeue();
  }
}

function isValidTimeZone(tz: string): boolean {
  if (tz === '' || tz === 'UTC' || tz === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The CronJob controller (`cronjob`). */
export function newCronJobController(opts: CronJobControllerOptions): CronJobController {
  return new CronJobController(opts);
}
