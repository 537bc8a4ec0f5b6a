/**
 * The TTL-after-finished controller (upstream pkg/controller/ttlafterfinished): deletes a
 * finished Job `spec.ttlSecondsAfterFinished` seconds after its Complete/Failed condition's
 * lastTransitionTime, with foreground propagation and a uid precondition; before deleting it
 * re-reads the Job from the API server, since the cached TTL may be stale. Until the TTL
 * expires the key is requeued for the time left.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import { isNotFound } from '../../api/index.ts';
import { BUILTIN_RESOURCES, objectKey, splitObjectKey } from '../../client/index.ts';
import type { Clientset, EventRecorder, InformerFactory, Lister } from '../../client/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import { Controller, NOOP_LOGGER, parseTime } from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';

/** What the controller needs; the lead wires these in the controller-manager. */
export interface TTLAfterFinishedControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Unused by upstream's controller too (it records no events); kept for a uniform shape. */
  readonly recorder?: EventRecorder;
  readonly queue?: RateLimitingQueue<string>;
  /** Wall clock in ms; default Date.now. */
  readonly now?: () => number;
  readonly logger?: ControllerLogger;
}

/** When the Job finished: its Complete/Failed condition's lastTransitionTime, if finished. */
export function jobFinishTime(job: Job): number | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') {
      const t = parseTime(c.lastTransitionTime);
      if (t === undefined) {
        const m = job.metadata;
        throw new Error(
          `unable to find the time when the Job ${m?.namespace ?? ''}/${m?.name ?? ''} finished`,
        );
      }
      return t;
    }
  }
  return undefined;
}

/** The Job has a TTL and is finished (upstream needsCleanup). */
export function needsCleanup(job: Job): boolean {
  if (job.spec?.ttlSecondsAfterFinished === undefined) return false;
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** The TTL-after-finished controller; see the module comment. */
export class TTLAfterFinishedController {
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  private readonly lister: Lister<Job>;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;

  constructor(private readonly opts: TTLAfterFinishedControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    const informer = opts.informers.informer<Job>(BUILTIN_RESOURCES.jobs);
    this.lister = informer.lister;
    this.controller = new Controller({
      name: 'ttl-after-finished',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [informer],
      logger: this.logger,
    });
    const onJob = (job: Job): void => {
      if (job.metadata?.deletionTimestamp === undefined && needsCleanup(job)) {
        this.controller.enqueue(job);
      }
    };
    informer.addEventHandler({
      onAdd: onJob,
      onUpdate: (_old, cur) => {
        onJob(cur);
      },
    });
  }

  /** Waits for the cache, then syncs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }

  /**
   * Deletes the Job `namespace/name` if its TTL expired, else requeues it for the time left
   * (upstream processJob). Idempotent.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const cached = this.lister.get(namespace, name);
    if (cached === undefined) return;
    if (!this.processTTL(cached)) return;
    // The cached TTL may be stale: check the latest Job before deleting.
    let fresh: Job;
    try {
      fresh = await this.opts.clientset.jobs.get(namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (!this.processTTL(fresh)) return;
    this.logger.info('cleaning up job', { job: key });
    try {
      await this.opts.clientset.jobs.delete(namespace, name, {
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata?.uid ?? '' },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** True when the TTL expired; otherwise requeues for the time left (upstream processTTL). */
  private processTTL(job: Job): boolean {
    if (job.metadata?.deletionTimestamp !== undefined || !needsCleanup(job)) return false;
    const now = this.now();
    const finishAt = jobFinishTime(job) ?? now;
    if (finishAt > now) {
      this.logger.info('found Job finished in the future; cleanup deferred', {
        job: objectKey(job),
      });
    }
    const left = finishAt + (job.spec?.ttlSecondsAfterFinished ?? 0) * 1000 - now;
    if (left <= 0) return true;
    this.controller.enqueueAfter(job, left);
    return false;
  }
}

/** The TTL-after-finished controller (`ttl-after-finished`). */
export function newTTLAfterFinishedController(
  opts: TTLAfterFinishedControllerOptions,
): TTLAfterFinishedController {
  return new TTLAfterFinishedController(opts);
}
