/**
 * The timer side of a {@link PodProber} (thin adapter): sleeps until the prober's next due time,
 * ticks it with the pod's current status, runs the returned probes with the executors
 * concurrently, hands each outcome back, and reports events and result changes. The pod worker
 * owns one loop per pod and calls {@link ProbeLoop.poke} whenever the pod status changed (a new
 * container, a readiness trigger).
 */
import type { PodStatus } from 'kubernetes-types/core/v1.js';
import { runProbe } from './probe-executors.ts';
import type { ProbeExecutors } from './probe-executors.ts';
import type { ProbeEvent, ProbeOutcome } from './probe-spec.ts';
import type { PodProber, ProbeRequest } from './prober.ts';

/** Options of a {@link ProbeLoop}. */
export interface ProbeLoopOptions {
  readonly prober: PodProber;
  /** The pod's current API status as last generated (with started/ready applied). */
  readonly status: () => PodStatus;
  readonly executors?: ProbeExecutors;
  /** Records an event on the probed container. */
  readonly onEvent?: (req: ProbeRequest, event: ProbeEvent) => void;
  /** A stored result changed: resync the pod (restart on liveness failure, readiness update). */
  readonly onChange?: (req: ProbeRequest) => void;
  /** The clock (ms); default Date.now. */
  readonly now?: () => number;
  /** Runs one probe; default {@link runProbe} with `executors` (tests inject outcomes). */
  readonly run?: (req: ProbeRequest) => Promise<ProbeOutcome>;
}

/** Drives one pod's prober until aborted or every worker stopped. */
export class ProbeLoop {
  private wake: (() => void) | undefined;
  private poked = false;

  constructor(private readonly opts: ProbeLoopOptions) {}

  /** Wakes the loop to tick now (status changed). Safe to call at any time. */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Runs until `signal` aborts or the prober is done; resolves after in-flight probes settle. */
  async run(signal: AbortSignal): Promise<void> {
    const now = this.opts.now ?? Date.now;
    const run = this.opts.run ?? ((req: ProbeRequest) => runProbe(req, this.opts.executors));
    const inFlight = new Set<Promise<void>>();
    while (!signal.aborted && !this.opts.prober.done) {
      this.poked = false;
      const reqs = this.opts.prober.tick(now(), this.opts.status());
      for (const req of reqs) {
        const p = run(req)
          .catch((err: unknown): ProbeOutcome => ({
            result: 'unknown',
            output: '',
            error: err instanceof Error ? err.message : String(err),
          }))
          .then((outcome) => {
            const done = this.opts.prober.complete(req, outcome);
            for (const e of done.events) this.opts.onEvent?.(req, e);
            if (done.changed) this.opts.onChange?.(req);
            this.poke();
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      if (this.wasPoked()) continue;
      const due = this.opts.prober.nextDue();
      // A tick moves every worker it visits a period ahead, so this never spins; with every
      // worker in flight, a completion pokes the loop.
      const delay = due === undefined ? 60_000 : Math.max(0, due - now());
      await this.sleep(delay, signal);
    }
    await Promise.allSettled([...inFlight]);
  }

  // A method, so that reading the flag after the probes started is not narrowed to `false`.
  private wasPoked(): boolean {
    return this.poked;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || this.poked) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
