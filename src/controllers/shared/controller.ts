/**
 * The scaffold every controller shares (client-go's controller pattern): informer handlers
 * only enqueue `namespace/name` keys into a rate-limited workqueue; `run(signal, workers)`
 * waits for the informers' caches, then runs workers that take a key, call `sync(key)`, and on
 * failure requeue it with rate limiting (dropping it after `maxRetries`, when set). A key is
 * never synced by two workers at once (the workqueue guarantees it).
 */
import { objectKey, unwrapTombstone } from '../../client/index.ts';
import type { DeletedFinalStateUnknown, KubeObject } from '../../client/index.ts';
import { newRateLimitingQueue, runWorkers } from '../../client/workqueue/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';

/** Something with a cache that fills (an informer). */
export interface CacheSource {
  hasSynced(): boolean;
  /** Resolves once synced (or when `signal` aborts); polled with hasSynced when absent. */
  waitForSync?(signal?: AbortSignal): Promise<void>;
}

/** Structured, injected logging (constant message, key/value fields). */
export interface ControllerLogger {
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** A logger that drops everything (the default). */
export const NOOP_LOGGER: ControllerLogger = { info: () => undefined, error: () => undefined };

/** What a Controller is made of. */
export interface ControllerOptions {
  /** The controller's name (its registry key), e.g. `replicaset`. */
  readonly name: string;
  /** Default: newRateLimitingQueue({ name }) (client-go's default controller rate limiter). */
  readonly queue?: RateLimitingQueue<string>;
  /** Reconciles one key; idempotent; rejects to be retried with rate limiting. */
  readonly sync: (key: string) => Promise<void>;
  /** The informers whose caches must be synced before the first sync. */
  readonly informers: readonly CacheSource[];
  /** Retries per key before it is dropped (upstream deployment: 15); default: unlimited. */
  readonly maxRetries?: number;
  readonly logger?: ControllerLogger;
}

/** Re-exported for the controllers that import it from here. */
export { unwrapTombstone } from '../../client/index.ts';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Syncs cheaper than this (ms) are not spaced (see Controller.spaceAfter). */
export const SYNC_SPACING_MIN_COST_MS = 2;
/** A costly key's next sync waits this many times its last sync's cost... */
export const SYNC_SPACING_FACTOR = 4;
/** ...but never longer than this (ms). */
export const SYNC_SPACING_MAX_MS = 1000;

/** The queue-and-workers half of a controller; see the module comment. */
export class Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  /** Keys whose next sync must wait (spaceAfter), to when (queue clock, ms). */
  private readonly notBefore = new Map<string, number>();
  private readonly opts: ControllerOptions;
  private readonly logger: ControllerLogger;

  constructor(opts: ControllerOptions) {
    this.opts = opts;
    this.name = opts.name;
    this.queue = opts.queue ?? newRateLimitingQueue({ name: opts.name });
    this.logger = opts.logger ?? NOOP_LOGGER;
  }

  /**
   * Enqueues the object's key (tombstones unwrapped), no sooner than the key's spacing allows
   * (see {@link spaceAfter}).
   */
  enqueue(obj: KubeObject | DeletedFinalStateUnknown<KubeObject>): void {
    this.enqueueKey(objectKey(unwrapTombstone(obj)));
  }

  /** Enqueues `key`, no sooner than its spacing allows. */
  enqueueKey(key: string): void {
    const notBefore = this.notBefore.get(key);
    if (notBefore !== undefined) {
      const wait = notBefore - this.queue.now();
      if (wait > 0) {
        this.queue.addAfter(key, wait);
        return;
      }
      this.notBefore.delete(key);
    }
    this.queue.add(key);
  }

  /**
   * Records that a sync of `key` just spent `costMs` walking its objects (measured on the
   * queue's clock, so fake clocks in tests charge nothing): the key's next event-driven sync
   * waits {@link SYNC_SPACING_FACTOR} times that (at most {@link SYNC_SPACING_MAX_MS}). A
   * ReplicaSet of 10,000 pods costs milliseconds per sync and its pods change hundreds of times
   * a second during a rollout; without spacing its syncs would run back to back and take a
   * core from everything else in the process (upstream has more cores and no such limit). The
   * sync stays level-triggered: the key is synced, only a moment later. Cheap syncs are never
   * delayed.
   */
  spaceAfter(key: string, costMs: number): void {
    if (costMs < SYNC_SPACING_MIN_COST_MS) {
      this.notBefore.delete(key);
      return;
    }
    const wait = Math.min(costMs * SYNC_SPACING_FACTOR, SYNC_SPACING_MAX_MS);
    this.notBefore.set(key, this.queue.now() + wait);
  }

  /** Enqueues the object's key after `ms`. */
  enqueueAfter(obj: KubeObject, ms: number): void {
    this.queue.addAfter(objectKey(obj), ms);
  }

  /** Enqueues the object's key with rate limiting. */
  enqueueRateLimited(obj: KubeObject): void {
    this.queue.addRateLimited(objectKey(obj));
  }

  /**
   * Waits for the informers' caches, then runs `workers` workers (src/client/workqueue
   * runWorkers) until `signal` aborts; resolves once every worker has finished its current key.
   */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    this.logger.info('starting controller', { controller: this.name });
    await Promise.all(this.opts.informers.map((i) => waitForCache(i, signal)));
    await runWorkers(this.queue, workers, (key) => this.syncOrDrop(key), {
      signal,
      onError: (key, err) => {
        this.logger.error('sync failed', { controller: this.name, key, err: String(err) });
      },
    });
    this.logger.info('stopped controller', { controller: this.name });
  }

  /**
   * Syncs `key`; a failure is rethrown (runWorkers requeues it with rate limiting) unless the
   * key already failed `maxRetries` times, in which case it is dropped (upstream handleErr).
   */
  private async syncOrDrop(key: string): Promise<void> {
    try {
      await this.opts.sync(key);
    } catch (err) {
      const max = this.opts.maxRetries;
      if (max === undefined || this.queue.numRequeues(key) < max) throw err;
      this.logger.error('dropping key out of the queue', {
        controller: this.name,
        key,
        err: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

async function waitForCache(src: CacheSource, signal: AbortSignal): Promise<void> {
  if (src.waitForSync !== undefined) {
    await src.waitForSync(signal);
    return;
  }
  while (!src.hasSynced() && !signal.aborted) await sleep(100, signal);
}
