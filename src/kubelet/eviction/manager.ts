/**
 * The eviction manager (upstream pkg/kubelet/eviction/eviction_manager.go): every monitoring
 * interval it observes the node's signals from a stats Summary, tracks which thresholds are met
 * and since when, reports MemoryPressure/DiskPressure/PIDPressure (held for the transition
 * period after the last observation), and when a threshold's grace period is over, first tries
 * node-level reclaim (dead containers and unused images, for disk signals) and otherwise
 * evicts one pod per cycle: ranked for the starved resource, never a critical pod, killed
 * through the injected `killPod` with status Failed/Evicted and upstream's message. It also
 * answers pod admission under pressure. Time comes from an injected clock.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { EventRecorder } from '../../client/index.ts';
import { getPodQOS } from '../cgroups/index.ts';
import type { Summary } from '../stats/index.ts';
import {
  EVICTED_REASON,
  EVICTION_THRESHOLD_MET,
  IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS,
  SIGNAL_TO_RESOURCE,
  evictionMessage,
  isCriticalPod,
  makeSignalObservations,
  mergeThresholds,
  nodeConditions,
  nodeConditionsLastObservedAt,
  nodeConditionsObservedSince,
  signalToRankFunc,
  signalToReclaimSteps,
  sortByEvictionPriority,
  thresholdsFirstObservedAt,
  thresholdsMet,
  thresholdsMetGracePeriod,
  thresholdsUpdatedStats,
} from './planner.ts';
import type { Observations, PressureCondition, ThresholdsObservedAt } from './planner.ts';
import { DEFAULT_PRESSURE_TRANSITION_PERIOD_MS, isHardEvictionThreshold } from './thresholds.ts';
import type { Threshold } from './thresholds.ts';

/** What the kubelet must write when it kills an evicted pod. */
export interface EvictionStatus {
  readonly phase: 'Failed';
  readonly reason: 'Evicted';
  readonly message: string;
  /** DisruptionTarget=True, reason TerminationByKubelet (PodDisruptionConditions, on in 1.32). */
  readonly condition: PodCondition;
}

/** Structured logger (constant messages, key/value fields). */
export interface EvictionLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link EvictionManager}. */
export interface EvictionManagerOptions {
  /** parseThresholdConfig(...) of the kubelet configuration. */
  readonly thresholds: readonly Threshold[];
  /** evictionPressureTransitionPeriod (default 5 min). */
  readonly pressureTransitionPeriodMs?: number;
  /** evictionMaxPodGracePeriod for soft thresholds (default 0). */
  readonly maxPodGracePeriodSeconds?: number;
  /** Whether images live on their own filesystem (imagefs ≠ nodefs); default false. */
  readonly dedicatedImageFs?: boolean;
  /** A fresh summary (StatsProvider.summary). */
  readonly summary: () => Promise<Summary>;
  /** The pods that may be evicted (active: not terminated). */
  readonly activePods: () => readonly Pod[];
  /**
   * Kills the pod with the grace period and writes `status` (Failed/Evicted) as its final
   * status; resolves once the pod's containers are stopped. Rejections are logged.
   */
  readonly killPod: (pod: Pod, gracePeriodSeconds: number, status: EvictionStatus) => Promise<void>;
  /** Image GC on demand (ImageGcManager.deleteUnusedImages). */
  readonly deleteUnusedImages?: () => Promise<void>;
  /** Dead container GC on demand. */
  readonly deleteAllUnusedContainers?: () => Promise<void>;
  /** Events: EvictionThresholdMet on the node, Evicted on the pod. */
  readonly recorder?: EventRecorder;
  /** The node as an event target (`{ apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } }`). */
  readonly nodeRef?: Parameters<EventRecorder['event']>[0];
  /** Clock, ms (default Date.now). */
  readonly now?: () => number;
  readonly log?: EvictionLogger;
}

/** The result of {@link EvictionManager.admit}. */
export type AdmitResult =
  | { readonly admit: true }
  | { readonly admit: false; readonly reason: string; readonly message: string };

/** upstream managerImpl. One instance per kubelet; `synchronize` must not run concurrently. */
export class EvictionManager {
  readonly #o: EvictionManagerOptions;
  readonly #now: () => number;
  #conditions: PressureCondition[] = [];
  #conditionsLastObservedAt = new Map<PressureCondition, number>();
  #thresholdsFirstObservedAt: ThresholdsObservedAt = [];
  #thresholdsMet: Threshold[] = [];
  #lastObservations: Observations = new Map();

  constructor(opts: EvictionManagerOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** The pressure conditions in force (for the node status). A new array each call. */
  nodeConditions(): PressureCondition[] {
    return [...this.#conditions];
  }

  isUnderMemoryPressure(): boolean {
    return this.#conditions.includes('MemoryPressure');
  }

  isUnderDiskPressure(): boolean {
    return this.#conditions.includes('DiskPressure');
  }

  isUnderPIDPressure(): boolean {
    return this.#conditions.includes('PIDPressure');
  }

  /**
   * Admit (lifecycle.PodAdmitHandler): without pressure every pod is admitted; under memory
   * pressure alone, critical and non-BestEffort pods (and BestEffort pods tolerating the
   * memory-pressure taint) are; otherwise the pod is rejected with reason Evicted and
   * `The node had condition: [MemoryPressure]. `.
   */
  admit(pod: Pod): AdmitResult {
    if (this.#conditions.length === 0) return { admit: true };
    if (isCriticalPod(pod)) return { admit: true };
    if (this.#conditions.length === 1 && this.#conditions[0] === 'MemoryPressure') {
      if (getPodQOS(pod) !== 'BestEffort') return { admit: true };
      const tolerates = (pod.spec?.tolerations ?? []).some(
        (t) =>
          (t.effect === undefined || t.effect === '' || t.effect === 'NoSchedule') &&
          ((t.operator === 'Exists' &&
            (t.key === undefined ||
              t.key === '' ||
              t.key === 'node.kubernetes.io/memory-pressure')) ||
            (t.key === 'node.kubernetes.io/memory-pressure' &&
              (t.operator ?? 'Equal') === 'Equal' &&
              (t.value ?? '') === '')),
      );
      if (tolerates) return { admit: true };
    }
    return {
      admit: false,
      reason: EVICTED_REASON,
      message: `The node had condition: [${this.#conditions.join(' ')}]. `,
    };
  }

  /**
   * One cycle (synchronize). Returns the pods evicted (at most one). Errors of the summary are
   * logged and end the cycle without eviction, as upstream.
   */
  async synchronize(): Promise<Pod[]> {
    const log = this.#o.log;
    const all = this.#o.thresholds;
    if (all.length === 0) return [];
    const withImageFs = this.#o.dedicatedImageFs ?? false;
    const activePods = [...this.#o.activePods()];
    let summary: Summary;
    try {
      summary = await this.#o.summary();
    } catch (err) {
      log?.error('Eviction manager: failed to get summary stats', { err: String(err) });
      return [];
    }
    const { observations, stats } = makeSignalObservations(summary);
    let thresholds = thresholdsMet(all, observations, false);
    if (this.#thresholdsMet.length > 0) {
      thresholds = mergeThresholds(
        thresholds,
        thresholdsMet(this.#thresholdsMet, observations, true),
      );
    }
    const now = this.#now();
    const firstObservedAt = thresholdsFirstObservedAt(
      thresholds,
      this.#thresholdsFirstObservedAt,
      now,
    );
    const lastObservedAt = nodeConditionsLastObservedAt(
      nodeConditions(thresholds),
      this.#conditionsLastObservedAt,
      now,
    );
    const conditions = nodeConditionsObservedSince(
      lastObservedAt,
      this.#o.pressureTransitionPeriodMs ?? DEFAULT_PRESSURE_TRANSITION_PERIOD_MS,
      now,
    );
    thresholds = thresholdsMetGracePeriod(firstObservedAt, now);
    this.#conditions = conditions;
    this.#thresholdsFirstObservedAt = firstObservedAt;
    this.#conditionsLastObservedAt = lastObservedAt;
    this.#thresholdsMet = thresholds;
    thresholds = thresholdsUpdatedStats(thresholds, observations, this.#lastObservations);
    this.#lastObservations = observations;
    if (thresholds.length === 0) return [];

    const toReclaim = sortByEvictionPriority(thresholds)[0];
    if (toReclaim === undefined) return [];
    const resource = SIGNAL_TO_RESOURCE[toReclaim.signal];
    log?.info('Eviction manager: attempting to reclaim', { resourceName: resource });
    if (this.#o.nodeRef !== undefined) {
      this.#o.recorder?.event(
        this.#o.nodeRef,
        'Warning',
        EVICTION_THRESHOLD_MET,
        `Attempting to reclaim ${resource}`,
      );
    }
    if (await this.#reclaimNodeLevel(toReclaim, withImageFs)) {
      log?.info('Eviction manager: able to reduce resource pressure without evicting pods.', {
        resourceName: resource,
      });
      return [];
    }
    log?.info('Eviction manager: must evict pod(s) to reclaim', { resourceName: resource });
    if (activePods.length === 0) {
      log?.error(
        'Eviction manager: eviction thresholds have been met, but no pods are active to evict',
      );
      return [];
    }
    signalToRankFunc(withImageFs)[toReclaim.signal](activePods, stats);
    for (const pod of activePods) {
      const grace = isHardEvictionThreshold(toReclaim)
        ? IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS
        : (this.#o.maxPodGracePeriodSeconds ?? 0);
      const { message } = evictionMessage(resource, pod, stats, thresholds, observations);
      if (await this.#evictPod(pod, grace, message)) return [pod];
    }
    log?.info('Eviction manager: unable to evict any pods from the node');
    return [];
  }

  /**
   * Runs {@link synchronize} every `intervalMs` (upstream 10 s) until `signal` aborts; after an
   * eviction the next cycle waits for `podCleanedUp` (up to 30 s), as upstream does.
   */
  async run(
    signal: AbortSignal,
    opts: { intervalMs?: number; podCleanedUp?: (pod: Pod) => boolean } = {},
  ): Promise<void> {
    const interval = opts.intervalMs ?? 10_000;
    while (!signal.aborted) {
      let evicted: Pod[] = [];
      try {
        evicted = await this.synchronize();
      } catch (err) {
        this.#o.log?.error('Eviction manager: failed to synchronize', { err: String(err) });
      }
      const cleaned = opts.podCleanedUp;
      if (evicted.length > 0 && cleaned !== undefined) {
        const deadline = Date.now() + 30_000;
        while (!isAborted(signal) && Date.now() < deadline && !evicted.every((p) => cleaned(p))) {
          await sleep(1000, signal);
        }
      } else {
        await sleep(interval, signal);
      }
    }
  }

  async #reclaimNodeLevel(t: Threshold, withImageFs: boolean): Promise<boolean> {
    const steps = signalToReclaimSteps(t.signal, withImageFs);
    if (steps.length === 0) return false;
    for (const step of steps) {
      const fn =
        step === 'deleteUnusedImages'
          ? this.#o.deleteUnusedImages
          : this.#o.deleteAllUnusedContainers;
      try {
        await fn?.();
      } catch (err) {
        this.#o.log?.info(
          'Eviction manager: unexpected error when attempting to reduce resource pressure',
          {
            resourceName: SIGNAL_TO_RESOURCE[t.signal],
            err: String(err),
          },
        );
      }
    }
    let summary: Summary;
    try {
      summary = await this.#o.summary();
    } catch (err) {
      this.#o.log?.error('Eviction manager: failed to get summary stats after resource reclaim', {
        err: String(err),
      });
      return false;
    }
    const { observations } = makeSignalObservations(summary);
    return thresholdsMet(this.#o.thresholds, observations, true).length === 0;
  }

  async #evictPod(pod: Pod, gracePeriodSeconds: number, message: string): Promise<boolean> {
    if (isCriticalPod(pod)) {
      this.#o.log?.error('Eviction manager: cannot evict a critical pod', { pod: podKey(pod) });
      return false;
    }
    this.#o.recorder?.event(pod, 'Warning', EVICTED_REASON, message);
    const status: EvictionStatus = {
      phase: 'Failed',
      reason: 'Evicted',
      message,
      condition: {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'TerminationByKubelet',
        message,
        lastTransitionTime: new Date(this.#now()).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    try {
      await this.#o.killPod(pod, gracePeriodSeconds, status);
      this.#o.log?.info('Eviction manager: pod is evicted successfully', { pod: podKey(pod) });
    } catch (err) {
      this.#o.log?.error('Eviction manager: pod failed to evict', {
        pod: podKey(pod),
        err: String(err),
      });
    }
    return true;
  }
}

function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

// A call, so that the check after an await is not narrowed by the loop condition before it.
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
