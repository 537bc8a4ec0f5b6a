/**
 * The controller workqueue (client-go util/workqueue: queue.go, delaying_queue.go,
 * rate_limiting_queue.go) for a single-threaded runtime: "workers" are async loops that await
 * `get()`. Guarantees, as upstream:
 * - FIFO: keys are handed out in the order they were first added.
 * - Coalescing: a key added again while it waits is stored once (the dirty set).
 * - Exclusivity: a key handed out is not handed out again until `done(key)`; a key added while
 *   processing is handed out again after `done` (the processing set).
 * - Delays: `addAfter` keeps one heap of waiting keys and one timer for the earliest; a key
 *   waiting twice keeps the earlier time.
 */
import { realClock } from './clock.ts';
import type { CancelTimer, Clock } from './clock.ts';
import { defaultControllerRateLimiter } from './rate-limiters.ts';
import type { RateLimiter } from './rate-limiters.ts';

/** A rate-limited, delaying work queue; see the module comment. */
export interface RateLimitingQueue<K> {
  /** The queue's name (metrics, logs). */
  readonly name: string;
  /** Marks `key` as needing processing; ignored after shutDown. */
  add(key: K): void;
  /** Adds `key` after `ms` (at once when `ms <= 0`); ignored after shutDown. */
  addAfter(key: K, ms: number): void;
  /** Adds `key` after the rate limiter's delay for it (counts one failure of `key`). */
  addRateLimited(key: K): void;
  /** Stops the rate limiter tracking `key` (call after a successful sync). */
  forget(key: K): void;
  /** The failures of `key` the rate limiter tracks. */
  numRequeues(key: K): number;
  /**
   * The next key to process; waits while the queue is empty. Resolves undefined once the queue
   * is shut down and empty (keys queued before shutDown are still handed out, as upstream). The
   * caller must call `done(key)` when finished with it.
   */
  get(): Promise<K | undefined>;
  /** Marks `key` processed; if it was added meanwhile, it is queued again. */
  done(key: K): void;
  /** Keys waiting to be handed out (not those in processing or waiting on a delay). */
  len(): number;
  /** Ignores further adds, drops delayed keys, and wakes idle `get()`s with undefined. */
  shutDown(): void;
  /** shutDown, then resolves once every key handed out has been marked done. */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
  /** The queue's clock in ms (the one its delays run on). */
  now(): number;
}

/** Options of newRateLimitingQueue. */
export interface RateLimitingQueueOptions<K> {
  name?: string;
  /** The wall clock in ms (default Date.now); ignored when `clock` is given. */
  now?: () => number;
  /** Clock and timers (default: the real clock, or `now` with real timers). */
  clock?: Clock;
  /** The per-key backoff of the default rate limiter (5 ms and 1000 s as upstream). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Replaces the default controller rate limiter. */
  rateLimiter?: RateLimiter<K>;
}

/**
 * A RateLimitingQueue with client-go's DefaultControllerRateLimiter (unless `rateLimiter` is
 * given). Keys are compared with SameValueZero (Map semantics): use strings or numbers, never
 * undefined (get() reports shutdown with it).
 */
export function newRateLimitingQueue<K = string>(
  opts: RateLimitingQueueOptions<K> = {},
): RateLimitingQueue<K> {
  const clock: Clock =
    opts.clock ??
    (opts.now === undefined
      ? realClock
      : { now: opts.now, setTimer: (fn, ms) => realClock.setTimer(fn, ms) });
  const limiter =
    opts.rateLimiter ??
    defaultControllerRateLimiter<K>(
      () => clock.now(),
      opts.baseDelayMs ?? 5,
      opts.maxDelayMs ?? 1_000_000,
    );
  return new Queue<K>(opts.name ?? '', clock, limiter);
}

interface Waiting<K> {
  key: K;
  readyAt: number;
  index: number;
}

class Queue<K> implements RateLimitingQueue<K> {
  // FIFO of keys: items[head..] are queued; the consumed prefix is dropped in batches.
  private items: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly getters: ((key: K | undefined) => void)[] = [];
  private shutting = false;
  private drainers: (() => void)[] = [];
  // The delaying part: a binary min-heap on readyAt, indexed by key.
  private readonly heap: Waiting<K>[] = [];
  private readonly waitingByKey = new Map<K, Waiting<K>>();
  private timer: CancelTimer | undefined;
  private timerAt = Infinity;

  constructor(
    readonly name: string,
    private readonly clock: Clock,
    private readonly limiter: RateLimiter<K>,
  ) {}

  now(): number {
    return this.clock.now();
  }

  add(key: K): void {
    if (this.shutting) return;
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  private push(key: K): void {
    const getter = this.getters.shift();
    if (getter !== undefined) {
      // Hand the key straight to a waiting worker: the same transition get() makes.
      this.dirty.delete(key);
      this.processing.add(key);
      getter(key);
      return;
    }
    this.items.push(key);
  }

  len(): number {
    return this.items.length - this.head;
  }

  get(): Promise<K | undefined> {
    if (this.len() > 0) {
      const key = this.items[this.head] as K;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      } else if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shutting) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.getters.push(resolve);
    });
  }

  done(key: K): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key)) {
      if (this.shutting) {
        // Upstream still requeues here; keys added before shutDown stay gettable.
        this.items.push(key);
      } else {
        this.push(key);
      }
    }
    if (this.processing.size === 0 && this.drainers.length > 0) {
      const d = this.drainers;
      this.drainers = [];
      for (const resolve of d) resolve();
    }
  }

  shutDown(): void {
    if (this.shutting) return;
    this.shutting = true;
    this.timer?.();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap.length = 0;
    this.waitingByKey.clear();
    const getters = this.getters.splice(0);
    for (const g of getters) g(undefined);
  }

  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainers.push(resolve);
    });
  }

  shuttingDown(): boolean {
    return this.shutting;
  }

  addRateLimited(key: K): void {
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  addAfter(key: K, ms: number): void {
    if (this.shutting) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.waitingByKey.get(key);
    if (existing !== undefined) {
      if (readyAt < existing.readyAt) {
        existing.readyAt = readyAt;
        this.siftUp(existing.index);
      }
    } else {
      const w: Waiting<K> = { key, readyAt, index: this.heap.length };
      this.heap.push(w);
      this.waitingByKey.set(key, w);
      this.siftUp(w.index);
    }
    this.arm();
  }

  /** Keeps one timer, due when the earliest waiting key is ready. */
  private arm(): void {
    const top = this.heap[0];
    if (top === undefined) {
      this.timer?.();
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer !== undefined && this.timerAt <= top.readyAt) return;
    this.timer?.();
    this.timerAt = top.readyAt;
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.fire();
    }, top.readyAt - this.clock.now());
  }

  private fire(): void {
    const now = this.clock.now();
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.readyAt > now) break;
      this.popTop();
      this.waitingByKey.delete(top.key);
      this.add(top.key);
    }
    this.arm();
  }

  private popTop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    last.index = 0;
    this.siftDown(0);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const item = h[i] as Waiting<K>;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Waiting<K>;
      if (parent.readyAt <= item.readyAt) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = item;
    item.index = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const item = h[i] as Waiting<K>;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (h[r] as Waiting<K>).readyAt < (h[l] as Waiting<K>).readyAt) c = r;
      const child = h[c] as Waiting<K>;
      if (child.readyAt >= item.readyAt) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = item;
    item.index = i;
  }
}

/** Options of runWorkers. */
export interface RunWorkersOptions<K> {
  /** Aborting it shuts the queue down and stops the workers after their current key. */
  signal: AbortSignal;
  /** Told of every failed sync (the key is requeued with rate limiting). */
  onError?: (key: K, err: unknown) => void;
}

/**
 * Runs `workers` loops over `queue` (client-go's processNextWorkItem): get a key, `sync` it, on
 * failure `addRateLimited` it, on success `forget` it, and always `done` it. A key is never
 * synced by two workers at once. Resolves once `signal` aborted (which shuts the queue down) and
 * every worker finished its current key; it does not process keys still queued at that point.
 */
export async function runWorkers<K>(
  queue: RateLimitingQueue<K>,
  workers: number,
  sync: (key: K) => Promise<void>,
  opts: RunWorkersOptions<K>,
): Promise<void> {
  const { signal, onError } = opts;
  const onAbort = (): void => {
    queue.shutDown();
  };
  if (signal.aborted) {
    queue.shutDown();
    return;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await sync(key);
        queue.forget(key);
      } catch (err) {
        onError?.(key, err);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, workers) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
