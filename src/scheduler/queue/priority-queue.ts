/**
 * The scheduling queue (upstream pkg/scheduler/backend/queue PriorityQueue): three parts.
 *
 * - activeQ: pods ready to be tried, ordered by priority (higher first) then by the time they
 *   were first queued (the PrioritySort queue-sort plugin);
 * - backoffQ: pods that failed and wait out their backoff (1 s doubling per attempt, at most
 *   10 s) before they go back to activeQ; kept as two heaps, as upstream does since 1.33: pods
 *   rejected by plugins, and pods whose attempt failed with an error. When activeQ is empty,
 *   pop() takes the first of the former without waiting for its backoff to end (1.33's
 *   SchedulerPopFromBackoffQ, on by default): an idle scheduler retries at once the pod that a
 *   cluster event may have made schedulable, instead of sleeping out the backoff;
 * - unschedulable: pods that failed with no cluster change since; a cluster event that could
 *   make them schedulable (a node added or changed, a pod deleted, ...) moves them to backoffQ
 *   (or activeQ when their backoff is over), and any pod left there for 5 minutes is retried.
 *
 * A pod that fails while a move request happened during its scheduling cycle goes to backoffQ,
 * not to unschedulable: the event it would wait for may already have happened. Time comes from
 * the injected clock; `flush()` is called by the owner (a timer in production, tests call it).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** A queued pod and its scheduling history. */
export interface QueuedPodInfo {
  pod: Pod;
  /** When the pod was last added to the queue (ordering tie-break), ms. */
  timestamp: number;
  /** Scheduling attempts so far. */
  attempts: number;
  /** When the pod was first queued, ms (for the scheduling latency metric). */
  initialAttemptTimestamp: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
}

/** Queue timing (upstream defaults). */
export interface QueueOptions {
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a pod may stay unschedulable before it is retried anyway. */
  maxInUnschedulableMs?: number;
  /** pop() takes from backoffQ when activeQ is empty (upstream 1.33's default). Default true. */
  popFromBackoffQ?: boolean;
}

const uidOf = (pod: Pod): string =>
  pod.metadata?.uid ?? `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
const priorityOf = (pod: Pod): number => pod.spec?.priority ?? 0;

/** A binary heap keyed by uid, so entries can be updated and removed. */
class Heap {
  private readonly items: QueuedPodInfo[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly less: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(uid: string): boolean {
    return this.index.has(uid);
  }

  get(uid: string): QueuedPodInfo | undefined {
    const i = this.index.get(uid);
    return i === undefined ? undefined : this.items[i];
  }

  peek(): QueuedPodInfo | undefined {
    return this.items[0];
  }

  /** Adds or replaces (by uid). */
  push(info: QueuedPodInfo): void {
    const uid = uidOf(info.pod);
    const at = this.index.get(uid);
    if (at !== undefined) {
      this.items[at] = info;
      this.fix(at);
      return;
    }
    this.items.push(info);
    this.index.set(uid, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): QueuedPodInfo | undefined {
    const top = this.items[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top;
  }

  delete(uid: string): QueuedPodInfo | undefined {
    const at = this.index.get(uid);
    if (at === undefined) return undefined;
    const info = this.items[at];
    this.removeAt(at);
    return info;
  }

  values(): QueuedPodInfo[] {
    return [...this.items];
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    const removed = this.items[i];
    if (removed !== undefined) this.index.delete(uidOf(removed.pod));
    if (i !== last) {
      const moved = this.items[last];
      if (moved !== undefined) {
        this.items[i] = moved;
        this.index.set(uidOf(moved.pod), i);
      }
    }
    this.items.pop();
    if (i < this.items.length) this.fix(i);
  }

  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    if (a === undefined || b === undefined) return;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(uidOf(b.pod), i);
    this.index.set(uidOf(a.pod), j);
  }

  private up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const a = this.items[i];
      const p = this.items[parent];
      if (a === undefined || p === undefined || !this.less(a, p)) break;
      this.swap(i, parent);
      i = parent;
      moved = true;
    }
    return moved;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      const at = (k: number): QueuedPodInfo | undefined => this.items[k];
      const bi = at(best);
      const li = at(l);
      if (l < n && li !== undefined && bi !== undefined && this.less(li, bi)) best = l;
      const b2 = at(best);
      const ri = at(r);
      if (r < n && ri !== undefined && b2 !== undefined && this.less(ri, b2)) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}

/** The scheduling queue; see the module comment. */
export class PriorityQueue {
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly activeQ = new Heap((a, b) => {
    const pa = priorityOf(a.pod);
    const pb = priorityOf(b.pod);
    return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
  });
  /** Pods rejected by plugins (unschedulablePlugins not empty), waiting out their backoff. */
  private readonly backoffQ: Heap;
  /** Pods whose attempt failed with an error (no rejecting plugin): they always wait. */
  private readonly errorBackoffQ: Heap;
  private readonly popFromBackoffQ: boolean;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet done (uid → info), to place updates that arrive meanwhile. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiters: ((info: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;

  constructor(opts: QueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
    this.backoffQ = new Heap((a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
    this.errorBackoffQ = new Heap((a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
    this.popFromBackoffQ = opts.popFromBackoffQ ?? true;
  }

  /** The current scheduling cycle (incremented by every pop). */
  get cycle(): number {
    return this.schedulingCycle;
  }

  /** Sizes of the three parts, for metrics and tests. */
  sizes(): { active: number; backoff: number; unschedulable: number } {
    return {
      active: this.activeQ.size,
      backoff: this.backoffQ.size + this.errorBackoffQ.size,
      unschedulable: this.unschedulable.size,
    };
  }

  /** The end of a pod's backoff: 1 s doubling per attempt, at most 10 s, from its last try. */
  private backoffExpiry(info: QueuedPodInfo): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < info.attempts && d < this.maxBackoffMs; i++) d *= 2;
    return info.timestamp + Math.min(d, this.maxBackoffMs);
  }

  private pushActive(info: QueuedPodInfo): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.startCycle(info);
      waiter(info);
      return;
    }
    this.activeQ.push(info);
  }

  private startCycle(info: QueuedPodInfo): void {
    this.schedulingCycle++;
    info.attempts++;
    this.inFlight.set(uidOf(info.pod), info);
  }

  /** A new pending pod. */
  add(pod: Pod): void {
    const uid = uidOf(pod);
    this.unschedulable.delete(uid);
    this.backoffQ.delete(uid);
    this.errorBackoffQ.delete(uid);
    const now = this.now();
    const existing = this.activeQ.get(uid);
    if (existing !== undefined) {
      existing.pod = pod;
      this.activeQ.push(existing);
      return;
    }
    this.pushActive({
      pod,
      timestamp: now,
      attempts: 0,
      initialAttemptTimestamp: now,
      unschedulablePlugins: new Set(),
    });
  }

  /**
   * A pending pod changed: updated in place wherever it is; an unschedulable pod whose spec
   * changed is retried (it may fit now).
   */
  update(pod: Pod): void {
    const uid = uidOf(pod);
    for (const q of [this.activeQ, this.backoffQ, this.errorBackoffQ]) {
      const info = q.get(uid);
      if (info !== undefined) {
        info.pod = pod;
        q.push(info);
        return;
      }
    }
    const flying = this.inFlight.get(uid);
    if (flying !== undefined) {
      flying.pod = pod;
      return;
    }
    const parked = this.unschedulable.get(uid);
    if (parked !== undefined) {
      const specChanged = JSON.stringify(parked.pod.spec) !== JSON.stringify(pod.spec);
      parked.pod = pod;
      if (specChanged) {
        this.unschedulable.delete(uid);
        this.requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  /** A pod that is gone, or bound: forget it everywhere. */
  delete(pod: Pod): void {
    const uid = uidOf(pod);
    this.activeQ.delete(uid);
    this.backoffQ.delete(uid);
    this.errorBackoffQ.delete(uid);
    this.unschedulable.delete(uid);
    this.inFlight.delete(uid);
  }

  /**
   * The next pod to schedule, waiting until there is one; undefined once closed. Starts a
   * scheduling cycle: call `done` (bound), or `addUnschedulableIfNotPresent` (failed).
   */
  pop(): Promise<QueuedPodInfo | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const info = this.activeQ.pop() ?? (this.popFromBackoffQ ? this.backoffQ.pop() : undefined);
    if (info !== undefined) {
      this.startCycle(info);
      return Promise.resolve(info);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The pod's cycle ended (bound or abandoned). */
  done(pod: Pod): void {
    this.inFlight.delete(uidOf(pod));
  }

  /**
   * A pod that failed in the cycle `podCycle` (the queue's `cycle` when it was popped): to
   * backoffQ if a move request came during its cycle, else to unschedulable.
   */
  addUnschedulableIfNotPresent(info: QueuedPodInfo, podCycle: number): void {
    const uid = uidOf(info.pod);
    this.inFlight.delete(uid);
    if (
      this.activeQ.has(uid) ||
      this.backoffQ.has(uid) ||
      this.errorBackoffQ.has(uid) ||
      this.unschedulable.has(uid)
    ) {
      return;
    }
    info.timestamp = this.now();
    if (this.moveRequestCycle >= podCycle) this.pushBackoff(info);
    else this.unschedulable.set(uid, info);
  }

  private requeue(info: QueuedPodInfo): void {
    if (this.backoffExpiry(info) > this.now()) this.pushBackoff(info);
    else this.pushActive(info);
  }

  /**
   * To its backoff heap; a pod rejected by plugins goes to a pop() waiting on an empty activeQ
   * at once (see popFromBackoffQ).
   */
  private pushBackoff(info: QueuedPodInfo): void {
    if (info.unschedulablePlugins.size === 0) {
      this.errorBackoffQ.push(info);
      return;
    }
    if (this.popFromBackoffQ && this.waiters.length > 0) {
      this.pushActive(info);
      return;
    }
    this.backoffQ.push(info);
  }

  /**
   * A cluster event that may make unschedulable pods schedulable (node added or updated, pod
   * deleted, PV/PVC/service changes): every unschedulable pod goes to backoffQ or activeQ.
   */
  moveAllToActiveOrBackoffQueue(): void {
    for (const [uid, info] of this.unschedulable) {
      this.unschedulable.delete(uid);
      this.requeue(info);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /**
   * Moves pods whose backoff is over to activeQ, and retries pods unschedulable for too long.
   * The owner calls it every second (upstream: backoffQ every 1 s, unschedulable every 30 s).
   */
  flush(): void {
    const now = this.now();
    for (const q of [this.backoffQ, this.errorBackoffQ]) {
      for (;;) {
        const top = q.peek();
        if (top === undefined || this.backoffExpiry(top) > now) break;
        q.pop();
        this.pushActive(top);
      }
    }
    for (const [uid, info] of this.unschedulable) {
      if (now - info.timestamp > this.maxInUnschedulableMs) {
        this.unschedulable.delete(uid);
        this.requeue(info);
      }
    }
  }

  /** Wakes every pop() with undefined; later pops resolve undefined. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}
