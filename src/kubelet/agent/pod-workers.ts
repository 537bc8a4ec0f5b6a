/**
 * The kubelet's pod workers (pkg/kubelet/pod_workers.go), reduced to their scheduling contract:
 * one sync per pod at a time; updates that arrive while a pod syncs are coalesced into one more
 * sync right after it (never a queue of stale updates); after each sync the pod is synced again
 * after the delay the sync asked for (level-triggered resync, default 10 s), or after an
 * exponential back-off when it failed. Timers come from an injected {@link Clock}.
 */
import type { CancelTimer, Clock } from '../../client/index.ts';

/** The kubelet's default resync period of a pod (syncFrequency is 1 min; probes/PLEG are 1 s). */
export const DEFAULT_POD_RESYNC_MS = 10_000;
/** First retry delay after a failed sync, doubling up to {@link SYNC_ERROR_MAX_MS}. */
export const SYNC_ERROR_INITIAL_MS = 1_000;
export const SYNC_ERROR_MAX_MS = 60_000;

/**
 * Syncs one key. Resolves with the delay (ms) before the next level-triggered sync, undefined
 * for the default resync period, or null for none (the pod is finished; a new event still
 * enqueues it). A rejection is retried with back-off.
 */
export type SyncFunc = (key: string, signal: AbortSignal) => Promise<number | null | undefined>;

/** Options of {@link PodWorkers}. */
export interface PodWorkersOptions {
  readonly sync: SyncFunc;
  readonly clock: Clock;
  /** Default resync period (ms); default {@link DEFAULT_POD_RESYNC_MS}. */
  readonly resyncMs?: number;
  /** Told about each failed sync. */
  readonly onError?: (key: string, err: unknown) => void;
}

interface Worker {
  running: boolean;
  /** An update arrived while running: sync again right after. */
  dirty: boolean;
  timer: CancelTimer | undefined;
  timerAt: number;
  failures: number;
  forgotten: boolean;
}

/** See the module comment. Not reentrant per key by construction. */
export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** Number of syncs run (tests and metrics). */
  syncs = 0;

  constructor(private readonly opts: PodWorkersOptions) {}

  /** Syncs `key` as soon as possible: now when idle, right after the running sync otherwise. */
  enqueue(key: string): void {
    if (this.abort.signal.aborted) return;
    const w = this.worker(key);
    w.forgotten = false;
    if (w.timer !== undefined) {
      w.timer();
      w.timer = undefined;
    }
    if (w.running) {
      w.dirty = true;
      return;
    }
    this.start(key, w);
  }

  /** Syncs `key` in `ms` unless an earlier sync is already scheduled. */
  enqueueAfter(key: string, ms: number): void {
    if (this.abort.signal.aborted) return;
    const w = this.worker(key);
    w.forgotten = false;
    const at = this.opts.clock.now() + Math.max(0, ms);
    if (w.timer !== undefined && w.timerAt <= at) return;
    w.timer?.();
    w.timerAt = at;
    w.timer = this.opts.clock.setTimer(() => {
      w.timer = undefined;
      this.enqueue(key);
    }, ms);
  }

  /** Stops scheduling `key` (a running sync finishes; a later enqueue starts over). */
  forget(key: string): void {
    const w = this.workers.get(key);
    if (w === undefined) return;
    w.timer?.();
    w.timer = undefined;
    w.dirty = false;
    w.forgotten = true;
    if (!w.running) this.workers.delete(key);
  }

  /** Whether a sync of `key` is running. */
  isSyncing(key: string): boolean {
    return this.workers.get(key)?.running === true;
  }

  /** Keys with a worker (running, scheduled or idle-but-known). */
  keys(): string[] {
    return [...this.workers.keys()];
  }

  /** Resolves once no sync is running (syncs started meanwhile are waited for too). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops every worker: no new syncs; running ones see their signal abort. Resolves after them. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('pod workers stopped'));
    for (const w of this.workers.values()) {
      w.timer?.();
      w.timer = undefined;
    }
    await this.drain();
  }

  private worker(key: string): Worker {
    let w = this.workers.get(key);
    if (w === undefined) {
      w = {
        running: false,
        dirty: false,
        timer: undefined,
        timerAt: 0,
        failures: 0,
        forgotten: false,
      };
      this.workers.set(key, w);
    }
    return w;
  }

  private start(key: string, w: Worker): void {
    w.running = true;
    w.dirty = false;
    this.syncs++;
    const p = this.runOnce(key, w).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async runOnce(key: string, w: Worker): Promise<void> {
    let delay: number | null;
    try {
      const r = await this.opts.sync(key, this.abort.signal);
      delay = r === undefined ? (this.opts.resyncMs ?? DEFAULT_POD_RESYNC_MS) : r;
      w.failures = 0;
    } catch (err) {
      this.opts.onError?.(key, err);
      delay = Math.min(SYNC_ERROR_INITIAL_MS * 2 ** w.failures, SYNC_ERROR_MAX_MS);
      w.failures++;
    }
    w.running = false;
    if (this.abort.signal.aborted) return;
    if (w.forgotten) {
      if (this.workers.get(key) === w) this.workers.delete(key);
      return;
    }
    if (w.dirty) {
      this.start(key, w);
      return;
    }
    if (delay !== null) this.enqueueAfter(key, delay);
  }
}
