/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-go tools/leaderelection with the
 * LeaseLock). Candidates try to acquire the Lease every retryPeriod (with jitter); the holder
 * renews it every retryPeriod and gives up leadership when it could not renew for renewDeadline.
 * A Lease counts as expired leaseDuration after this candidate last *saw it change* (by its own
 * clock, never by comparing renewTime with local time), so clock skew between candidates does
 * not matter. With `releaseOnCancel` (the default) the holder clears holderIdentity when its
 * signal aborts, so the next candidate takes over at its next try.
 */
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1.js';
import { isNotFound } from '../../api/index.ts';
import type { Clientset } from '../clientset.ts';
import { realClock } from '../workqueue/index.ts';
import type { Clock } from '../workqueue/index.ts';

/** client-go's JitterFactor: acquisition retries wait retryPeriod * (1 + random * 1.2). */
export const JITTER_FACTOR = 1.2;

/** Where leader election reports failed calls (structured: constant message, fields). */
export interface LeaderElectionLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of runLeaderElection (client-go LeaderElectionConfig). */
export interface LeaderElectionOptions {
  clientset: Clientset;
  /** The Lease's namespace and name. */
  namespace: string;
  name: string;
  /** This candidate's identity (unique among candidates: hostname + random suffix upstream). */
  identity: string;
  /** How long after the holder's last observed renewal others may take over (default 15 s). */
  leaseDurationMs?: number;
  /** How long the holder keeps retrying a failed renewal before it stops leading (default 10 s). */
  renewDeadlineMs?: number;
  /** The wait between tries (default 2 s). */
  retryPeriodMs?: number;
  /**
   * Called once leadership is acquired; `signal` aborts when leadership ends (lost, or the run's
   * signal aborted). If it returns a promise, the Lease is released only after it settles, so
   * work guarded by the lease finishes before another candidate can acquire it.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when the run ends, whether or not this candidate ever led (as upstream). */
  onStoppedLeading(): void;
  /** Called with the holder's identity when the observed holder changes ('' after a release). */
  onNewLeader?(identity: string): void;
  /** Aborting it ends the run (and releases the Lease if held and releaseOnCancel). */
  signal: AbortSignal;
  /** Release the Lease when the signal aborts (default true). */
  releaseOnCancel?: boolean;
  /** The wall clock in ms (default Date.now); ignored when `clock` is given. */
  now?: () => number;
  /** Clock and timers (default: the real clock, or `now` with real timers). */
  clock?: Clock;
  /** Source of the retry jitter in [0, 1) (default Math.random). */
  random?: () => number;
  log?: LeaderElectionLogger;
}

/** The holder record kept in the Lease spec (resourcelock.LeaderElectionRecord). */
interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaderTransitions: number;
}

/** metav1.MicroTime on the wire: RFC 3339 with microseconds. */
function formatMicroTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2024-01-01T00:00:00.123Z
  return `${iso.slice(0, -1)}000Z`;
}

function parseTime(s: string | undefined): number {
  if (s === undefined || s === '') return 0;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

function recordToSpec(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: formatMicroTime(r.acquireTime),
    renewTime: formatMicroTime(r.renewTime),
    leaseTransitions: r.leaderTransitions,
  };
}

function specToRecord(spec: LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTime: parseTime(spec?.acquireTime),
    renewTime: parseTime(spec?.renewTime),
    leaderTransitions: spec?.leaseTransitions ?? 0,
  };
}

/** The Lease lock (resourcelock.LeaseLock): remembers the last Lease read or written. */
class LeaseLock {
  private lease: Lease | undefined;
  constructor(
    private readonly clientset: Clientset,
    readonly namespace: string,
    readonly name: string,
  ) {}

  async get(): Promise<{ record: LeaderElectionRecord; raw: string }> {
    this.lease = await this.clientset.leases.get(this.namespace, this.name);
    const record = specToRecord(this.lease.spec);
    return { record, raw: JSON.stringify(recordToSpec(record)) };
  }

  async create(r: LeaderElectionRecord): Promise<void> {
    this.lease = await this.clientset.leases.create(this.namespace, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { namespace: this.namespace, name: this.name },
      spec: recordToSpec(r),
    });
  }

  async update(r: LeaderElectionRecord): Promise<void> {
    if (this.lease === undefined)
      throw new Error('lease not initialized, call get or create first');
    this.lease = await this.clientset.leases.update(this.namespace, {
      ...this.lease,
      spec: recordToSpec(r),
    });
  }

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }
}

/** Validates the timings as NewLeaderElector does; returns upstream's error, or undefined. */
function validate(
  lease: number,
  renew: number,
  retry: number,
  identity: string,
): string | undefined {
  if (lease <= renew) return 'leaseDuration must be greater than renewDeadline';
  if (renew <= JITTER_FACTOR * retry)
    return 'renewDeadline must be greater than retryPeriod*JitterFactor';
  if (lease < 1) return 'leaseDuration must be greater than zero';
  if (renew < 1) return 'renewDeadline must be greater than zero';
  if (retry < 1) return 'retryPeriod must be greater than zero';
  if (identity === '') return 'Lock identity is empty';
  return undefined;
}

/** Reads `aborted` through a call: it changes across awaits, which narrowing cannot see. */
const isAborted = (s: AbortSignal): boolean => s.aborted;

const noLog: LeaderElectionLogger = { info: () => undefined, error: () => undefined };

/**
 * Runs one candidate (client-go LeaderElector.Run with a LeaseLock): acquires the Lease, calls
 * onStartedLeading, renews until the signal aborts or renewal fails for renewDeadline, then
 * (releaseOnCancel) releases the Lease and calls onStoppedLeading. Resolves when the run ended;
 * rejects at once on invalid timings or an empty identity, with upstream's messages. Like
 * upstream, a lost leadership ends the run: call it again to stand again.
 */
export async function runLeaderElection(opts: LeaderElectionOptions): Promise<void> {
  const leaseDurationMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  const invalid = validate(leaseDurationMs, renewDeadlineMs, retryPeriodMs, opts.identity);
  if (invalid !== undefined) throw new Error(invalid);
  const elector = new LeaderElector(opts, leaseDurationMs, renewDeadlineMs, retryPeriodMs);
  await elector.run();
}

class LeaderElector {
  private readonly clock: Clock;
  private readonly lock: LeaseLock;
  private readonly log: LeaderElectionLogger;
  private readonly random: () => number;
  private observedRecord: LeaderElectionRecord = {
    holderIdentity: '',
    leaseDurationSeconds: 0,
    acquireTime: 0,
    renewTime: 0,
    leaderTransitions: 0,
  };
  private observedRaw = '';
  private observedTime = 0;
  private reportedLeader = '';

  constructor(
    private readonly opts: LeaderElectionOptions,
    private readonly leaseDurationMs: number,
    private readonly renewDeadlineMs: number,
    private readonly retryPeriodMs: number,
  ) {
    const now = opts.now;
    this.clock =
      opts.clock ??
      (now === undefined ? realClock : { now, setTimer: (fn, ms) => realClock.setTimer(fn, ms) });
    this.lock = new LeaseLock(opts.clientset, opts.namespace, opts.name);
    this.log = opts.log ?? noLog;
    this.random = opts.random ?? Math.random;
  }

  async run(): Promise<void> {
    const { signal } = this.opts;
    try {
      if (!(await this.acquire())) return;
      const release = this.opts.releaseOnCancel ?? true;
      if (isAborted(signal)) {
        // Acquired just as the run was cancelled: hand the Lease back without leading.
        if (release) await this.release();
        return;
      }
      const leading = new AbortController();
      const onAbort = (): void => {
        leading.abort();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let work: Promise<void> | undefined;
      try {
        const r = this.opts.onStartedLeading(leading.signal);
        if (r instanceof Promise) {
          work = r.catch((err: unknown) => {
            this.log.error('onStartedLeading failed', {
              lease: this.lock.describe(),
              err: String(err),
            });
          });
        }
        await this.renew(leading.signal);
      } finally {
        signal.removeEventListener('abort', onAbort);
        leading.abort();
        this.log.info('stopped leading', {
          lease: this.lock.describe(),
          identity: this.opts.identity,
        });
        // The guarded work ends before the Lease is handed on.
        await work;
      }
      if (release) await this.release();
    } finally {
      this.opts.onStoppedLeading();
    }
  }

  private isLeader(): boolean {
    return this.observedRecord.holderIdentity === this.opts.identity;
  }

  private isLeaseValid(now: number): boolean {
    return this.observedTime + this.observedRecord.leaseDurationSeconds * 1000 > now;
  }

  private setObservedRecord(r: LeaderElectionRecord): void {
    this.observedRecord = r;
    this.observedTime = this.clock.now();
  }

  /** Resolves after `ms`, or at once when `signal` aborts. */
  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        cancel();
        signal.removeEventListener('abort', done);
        resolve();
      };
      const cancel = this.clock.setTimer(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Tries until acquired (true) or the signal aborts (false); retries with jitter. */
  private async acquire(): Promise<boolean> {
    const { signal } = this.opts;
    this.log.info('attempting to acquire leader lease', { lease: this.lock.describe() });
    while (!isAborted(signal)) {
      const ok = await this.tryAcquireOrRenew();
      this.maybeReportTransition();
      if (ok) {
        this.log.info('successfully acquired lease', { lease: this.lock.describe() });
        return true;
      }
      await this.sleep(this.retryPeriodMs * (1 + this.random() * JITTER_FACTOR), signal);
    }
    return false;
  }

  /** Renews every retryPeriod until `leading` aborts or a renewal fails for renewDeadline. */
  private async renew(leading: AbortSignal): Promise<void> {
    while (!isAborted(leading)) {
      const deadline = this.clock.now() + this.renewDeadlineMs;
      let renewed = false;
      while (!isAborted(leading)) {
        if (await this.beforeDeadline(this.tryAcquireOrRenew(), deadline, leading)) {
          renewed = true;
          break;
        }
        const left = deadline - this.clock.now();
        if (left <= 0) break;
        await this.sleep(Math.min(this.retryPeriodMs, left), leading);
        if (this.clock.now() >= deadline) break;
      }
      this.maybeReportTransition();
      if (isAborted(leading)) return;
      if (!renewed) {
        this.log.info('failed to renew lease', { lease: this.lock.describe() });
        return;
      }
      await this.sleep(this.retryPeriodMs, leading);
    }
  }

  /**
   * The try's result, or false once the deadline passes or `signal` aborts first (our clients
   * take no per-call cancellation; a late answer is ignored).
   */
  private beforeDeadline(
    attempt: Promise<boolean>,
    deadline: number,
    signal: AbortSignal,
  ): Promise<boolean> {
    const ms = deadline - this.clock.now();
    if (ms <= 0) return Promise.resolve(false);
    const stop = new AbortController();
    const onAbort = (): void => {
      stop.abort();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const timeout = this.sleep(ms, stop.signal).then(() => false);
    return Promise.race([attempt, timeout]).finally(() => {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
    });
  }

  /** tryAcquireOrRenew: one attempt; never rejects. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: Math.floor(this.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };

    // 1. Fast path: the leader updates optimistically, assuming its last record is current.
    if (this.isLeader() && this.isLeaseValid(now)) {
      record.acquireTime = this.observedRecord.acquireTime;
      record.leaderTransitions = this.observedRecord.leaderTransitions;
      try {
        await this.lock.update(record);
        this.setObservedRecord(record);
        return true;
      } catch (err) {
        this.log.error('Failed to update lock optimistically, falling back to slow path', {
          lease: this.lock.describe(),
          err: String(err),
        });
      }
    }

    // 2. Obtain or create the record.
    let got: { record: LeaderElectionRecord; raw: string };
    try {
      got = await this.lock.get();
    } catch (err) {
      if (!isNotFound(err)) {
        this.log.error('error retrieving resource lock', {
          lease: this.lock.describe(),
          err: String(err),
        });
        return false;
      }
      try {
        await this.lock.create(record);
      } catch (createErr) {
        this.log.error('error initially creating leader election record', {
          lease: this.lock.describe(),
          err: String(createErr),
        });
        return false;
      }
      this.setObservedRecord(record);
      return true;
    }

    // 3. Record obtained: check the holder and the time.
    if (got.raw !== this.observedRaw) {
      this.setObservedRecord(got.record);
      this.observedRaw = got.raw;
    }
    const old = got.record;
    if (old.holderIdentity !== '' && this.isLeaseValid(this.clock.now()) && !this.isLeader()) {
      return false;
    }

    // 4. Update: keep acquireTime and transitions when renewing, count a transition otherwise.
    if (this.isLeader()) {
      record.acquireTime = old.acquireTime;
      record.leaderTransitions = old.leaderTransitions;
    } else {
      record.leaderTransitions = old.leaderTransitions + 1;
    }
    try {
      await this.lock.update(record);
    } catch (err) {
      this.log.error('Failed to update lock', { lease: this.lock.describe(), err: String(err) });
      return false;
    }
    this.setObservedRecord(record);
    return true;
  }

  /** Gives the Lease up (holderIdentity cleared, 1 s duration) if this candidate holds it. */
  private async release(): Promise<void> {
    if (!this.isLeader()) return;
    const now = this.clock.now();
    const record: LeaderElectionRecord = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaderTransitions: this.observedRecord.leaderTransitions,
    };
    try {
      await this.lock.update(record);
      this.setObservedRecord(record);
    } catch (err) {
      this.log.error('Failed to release lock', { lease: this.lock.describe(), err: String(err) });
    }
  }

  private maybeReportTransition(): void {
    const holder = this.observedRecord.holderIdentity;
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    try {
      this.opts.onNewLeader?.(holder);
    } catch (err) {
      this.log.error('onNewLeader failed', { lease: this.lock.describe(), err: String(err) });
    }
  }
}
