/**
 * The kubelet's container restart back-off (CrashLoopBackOff): client-go's flowcontrol.Backoff
 * with the kubelet's numbers (10 s initial, doubling, 300 s max; an entry that saw no failure for
 * twice the max, i.e. 10 minutes, starts over) and kuberuntime's doBackOff, which measures the
 * back-off from the exited container's finishedAt and produces the
 * `back-off 40s restarting failed container=app pod=web_default(uid)` message. Pure: time is an
 * argument (ms).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { containerHash } from './hash.ts';
import { formatGoDuration, formatPod } from './types.ts';
import type { RuntimePodStatus } from './types.ts';

/** kubelet backOffPeriod: the first restart delay. */
export const BACKOFF_INITIAL_MS = 10_000;
/** kubelet MaxContainerBackOff. */
export const BACKOFF_MAX_MS = 300_000;
/** The waiting reason of a container in back-off (kubecontainer.ErrCrashLoopBackOff). */
export const CRASH_LOOP_BACK_OFF = 'CrashLoopBackOff';

/**
 * client-go's flowcontrol.Backoff without jitter, as the kubelet configures it: the one
 * implementation behind the container restart back-off (CrashLoopBackOff, {@link doBackOff}) and
 * the image pull back-off (images' PullBackOff, keyed `<podUID>_<image>`). Per key: the delay
 * starts at `initialMs` and doubles up to `maxMs` at each {@link next}; a key idle for more
 * than twice the maximum starts over. Not thread-safe; times are ms arguments.
 */
export class Backoff {
  private readonly entries = new Map<string, { backoffMs: number; lastUpdate: number }>();

  constructor(
    private readonly initialMs = BACKOFF_INITIAL_MS,
    private readonly maxMs = BACKOFF_MAX_MS,
  ) {}

  /**
   * Backoff.Next: records a failure at `eventTime`; the delay starts at the initial value for a
   * new or expired entry, else doubles up to the max. `now` is the update time (default
   * `eventTime`, as the image manager calls it with Clock.Now()).
   */
  next(key: string, eventTime: number, now: number = eventTime): void {
    const e = this.entries.get(key);
    if (e === undefined || this.hasExpired(eventTime, e.lastUpdate)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
    e.lastUpdate = now;
  }

  /**
   * Backoff.IsInBackOffSinceUpdate: whether `eventTime` is still within the delay counted from
   * the key's last update (the image manager asks with now).
   */
  isInBackOffSinceUpdate(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (e === undefined) return false;
    if (this.hasExpired(eventTime, e.lastUpdate)) return false;
    return eventTime - e.lastUpdate < e.backoffMs;
  }

  /** Backoff.IsInBackOffSince: whether `now - eventTime` is still shorter than the delay. */
  isInBackOffSince(key: string, eventTime: number, now: number): boolean {
    const e = this.entries.get(key);
    if (e === undefined) return false;
    if (this.hasExpired(eventTime, e.lastUpdate)) return false;
    return now - eventTime < e.backoffMs;
  }

  /** Backoff.Get: the current delay of a key (0 when none). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /** Backoff.GC: forgets entries not updated for twice the max delay. */
  gc(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.lastUpdate > 2 * this.maxMs) this.entries.delete(k);
    }
  }

  /** Forgets a key. */
  reset(key: string): void {
    this.entries.delete(key);
  }

  private hasExpired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > 2 * this.maxMs;
  }
}

/** The container restart back-off: the same {@link Backoff} (name kept for callers). */
export { Backoff as ContainerBackOff };

/** getStableKey: pod name, namespace, uid, container name and spec hash. */
export function backOffKey(pod: Pod, container: Container): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ''}_${m.namespace ?? ''}_${m.uid ?? ''}_${container.name}_${containerHash(container)}`;
}

/** The decision of {@link doBackOff}. */
export type BackOffDecision =
  | { readonly inBackOff: false }
  | {
      readonly inBackOff: true;
      /** `CrashLoopBackOff`: the container's waiting reason. */
      readonly reason: typeof CRASH_LOOP_BACK_OFF;
      /** `back-off 40s restarting failed container=app pod=web_default(uid)`: the waiting message. */
      readonly message: string;
      /** The Warning event (reason BackOff). */
      readonly event: {
        readonly type: 'Warning';
        readonly reason: 'BackOff';
        readonly message: string;
      };
    };

/**
 * kuberuntime doBackOff, called before (re)starting a container: when an exited instance of the
 * container exists and `now` is within the back-off since its finishedAt, the start is refused;
 * otherwise the back-off grows (Next) and the start may go ahead. Mutates `backOff`.
 */
export function doBackOff(
  backOff: Backoff,
  pod: Pod,
  container: Container,
  status: RuntimePodStatus,
  now: number,
): BackOffDecision {
  const exited = status.containers
    .filter((c) => c.name === container.name && c.state === 'exited')
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (exited === undefined) return { inBackOff: false };
  const ts = exited.finishedAt ?? exited.createdAt;
  const key = backOffKey(pod, container);
  if (backOff.isInBackOffSince(key, ts, now)) {
    const p = formatPod(pod);
    return {
      inBackOff: true,
      reason: CRASH_LOOP_BACK_OFF,
      message: `back-off ${formatGoDuration(backOff.get(key))} restarting failed container=${container.name} pod=${p}`,
      event: {
        type: 'Warning',
        reason: 'BackOff',
        message: `Back-off restarting failed container ${container.name} in pod ${p}`,
      },
    };
  }
  backOff.next(key, ts, now);
  return { inBackOff: false };
}
