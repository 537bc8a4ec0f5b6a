import { StorageError, compacted, isStorageError, keyNotFound } from '../errors.ts';
import type {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListResult,
  Predicate,
  Storage,
  StoredObject,
  UpdateFunc,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../interface.ts';
import { CacheWatcher, asPrefix, filterEvent, keyMatches } from './cache-watcher.ts';
import type { CacheEvent } from './cache-watcher.ts';
import { Ring } from './ring.ts';
import { SortedStore } from './sorted-store.ts';

/** Options of a {@link Cacher}. */
export interface CacherOptions {
  /**
   * The keys the cacher serves, e.g. '/registry/pods/'. Operations on keys outside it go straight
   * to the underlying storage.
   */
  resourcePrefix: string;
  /** Events kept for resuming watches from an older resourceVersion. Default 10000. */
  historyCapacity?: number;
  /** Live events one watcher may have queued before it is ended with TooSlow. Default 1000. */
  watcherBufferSize?: number;
  /** How often idle progress-notify watchers get a BOOKMARK. Default 5000 ms. */
  bookmarkIntervalMs?: number;
  /**
   * How long a read at resourceVersion N (not older than) waits for the cache to reach N before
   * failing with TooLargeResourceVersion. Default 3000 ms (as Kubernetes).
   */
  waitForFreshMs?: number;
  /**
   * How long a consistent read (resourceVersion unset) waits for the cache to reach the
   * underlying storage's current revision before it is served by the underlying storage instead.
   * Shorter than waitForFreshMs by default (100 ms) because the Storage contract has no way to
   * request a progress notification (etcd's RequestProgress): when the latest writes went to
   * other prefixes the cache learns the revision only from the next periodic bookmark, and
   * waiting for that would make such reads slow rather than fail.
   */
  consistentReadWaitMs?: number;
  /**
   * Watches from a revision at or after this one but older than the cache's own start are
   * served by the underlying storage instead of failing with Compacted: set it to the store's
   * revision when the server started, so that a cache started on first use still serves the
   * revisions clients of this server read before it existed, while revisions from before the
   * server's start get Compacted (410) as from upstream's cache. Default: never.
   */
  storeServesFrom?: number;
  /**
   * The storage key of an object. Needed because list results and watch events carry objects,
   * not keys. Default: resourcePrefix + 'namespace/name' (or 'name' when not namespaced), the
   * Kubernetes registry layout.
   */
  keyFunc?: (obj: StoredObject) => string;
  /** Page size of the (re-)list that fills the cache; 0 lists in one call. Default 10000. */
  listPageSize?: number;
  /** Delay before re-listing after the underlying watch failed: doubles from initial to max. */
  retryBackoffMs?: { initial: number; max: number };
  /** Close the underlying storage in close(). Default false (one Store serves many cachers). */
  closeUnderlying?: boolean;
}

type WaitResult = 'ok' | 'timeout' | 'notReady' | 'aborted';

interface RevisionWaiter {
  revision: number;
  done: (result: WaitResult) => void;
}

/**
 * The watch cache (Kubernetes' k8s.io/apiserver/pkg/storage/cacher): a Storage that wraps another
 * one, keeps every object under `resourcePrefix` in memory, fed by one list plus one watch of
 * the underlying storage, and serves reads and watches from memory.
 *
 * - Writes, count, currentResourceVersion and compact go to the underlying storage; update and
 *   delete pass the cached object as `cachedExisting`, saving a read when it is current.
 * - get/list: resourceVersion 0 is served from memory at once; N (not older than N) waits until
 *   the cache has seen N (TooLargeResourceVersion after waitForFreshMs); unset (consistent) waits
 *   until the cache has seen the underlying's current revision, and falls back to the
 *   underlying on timeout. Exact-revision lists, continue tokens, and paginated lists that do not
 *   fit in one page are served by the underlying storage (as Kubernetes 1.32 does).
 * - watch: served from memory: initial ADDED events from the cache, or a replay of the event
 *   history, then live events. A start revision older than the history fails with Compacted.
 * - While the cache is not ready (starting, or re-listing after the underlying watch failed),
 *   everything is served by the underlying storage. A failure of the underlying watch ends every
 *   cache watch with an error (Compacted: the events since its revision may be lost), so that
 *   clients re-list, as Kubernetes terminates all watchers when the cache re-initialises.
 *
 * Ownership: objects returned by get, list and watch are SHARED with the cache and deep-frozen
 * (mutating one throws a TypeError in strict code); clone before changing. Freezing costs one
 * walk per change instead of one deep copy per read and per watcher. List `items` arrays are
 * fresh and owned by the caller.
 *
 * Lifecycle: `start()` once, `await ready()` before relying on cache reads, `close()` at the end.
 */
export class Cacher implements Storage {
  readonly name: string;

  private readonly underlying: Storage;
  private readonly prefix: string;
  private readonly historyCapacity: number;
  private readonly watcherBufferSize: number;
  private readonly bookmarkIntervalMs: number;
  private readonly waitForFreshMs: number;
  private readonly consistentReadWaitMs: number;
  private readonly keyFunc: (obj: StoredObject) => string;
  private readonly listPageSize: number;
  private readonly backoff: { initial: number; max: number };
  private readonly closeUnderlying: boolean;

  private readonly store = new SortedStore<StoredObject>();
  private readonly history: Ring<CacheEvent<StoredObject>>;
  /** The newest revision the cache reflects (last event or progress notification). */
  private rv = 0;
  /** The oldest revision a watch may start from without missing events. */
  private minWatchRV = 0;
  /** True until the history first evicts an event or the cache re-lists (see watchCached). */
  private belowListFromStore = true;
  private readonly storeServesFrom: number;
  /** The highest revision compacted through this cacher. */
  private compactedRV = 0;
  private isReady = false;
  /** Whether the cache has served at least once (see awaitFirstFill). */
  private everReady = false;
  /**
   * The oldest revision a watch asked for before the first fill began (see watch()): the first
   * fill lists at exactly that revision when it cannot at storeServesFrom (see relist()).
   */
  private fillFrom: number | undefined;
  /**
   * After a first fill listed at an older revision (an anchor above), the store's revision when
   * that list was taken: until the replay of the events since reaches it, the cache is older
   * than what clients have already read from the store, so even resourceVersion=0 reads and
   * watches wait for it (see catchUpFirstFill).
   */
  private fillTarget: number | undefined;
  private closed = false;
  private started = false;

  private readonly watchers = new Set<CacheWatcher<StoredObject>>();
  private readonly rvWaiters = new Set<RevisionWaiter>();
  private readonly readyWaiters = new Set<{ resolve: () => void; reject: (e: unknown) => void }>();
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private bookmarkTimer: ReturnType<typeof setInterval> | undefined;
  private closing: Promise<void> | undefined;
  private lastErrorValue: unknown;

  constructor(underlying: Storage, opts: CacherOptions) {
    this.underlying = underlying;
    this.name = `cacher(${underlying.name})`;
    this.prefix = opts.resourcePrefix;
    this.historyCapacity = positive(opts.historyCapacity ?? 10000, 'historyCapacity');
    this.watcherBufferSize = positive(opts.watcherBufferSize ?? 1000, 'watcherBufferSize');
    this.bookmarkIntervalMs = positive(opts.bookmarkIntervalMs ?? 5000, 'bookmarkIntervalMs');
    this.waitForFreshMs = opts.waitForFreshMs ?? 3000;
    this.consistentReadWaitMs = opts.consistentReadWaitMs ?? Math.min(100, this.waitForFreshMs);
    this.keyFunc = opts.keyFunc ?? ((obj) => defaultKey(this.prefix, obj));
    this.listPageSize = opts.listPageSize ?? 10000;
    this.backoff = opts.retryBackoffMs ?? { initial: 100, max: 10000 };
    this.closeUnderlying = opts.closeUnderlying ?? false;
    this.storeServesFrom = opts.storeServesFrom ?? Number.POSITIVE_INFINITY;
    this.history = new Ring(this.historyCapacity);
  }

  /**
   * Starts filling the cache in the background (list, then watch; re-list with backoff after
   * failures). Idempotent. Aborting `signal` closes the cacher.
   */
  start(signal?: AbortSignal): void {
    if (this.started || this.closed) return;
    this.started = true;
    if (signal !== undefined) {
      if (signal.aborted) {
        void this.close();
        return;
      }
      signal.addEventListener('abort', () => void this.close(), { once: true });
    }
    this.loop = this.run();
    this.bookmarkTimer = setInterval(() => {
      for (const w of this.watchers) w.tick(this.rv);
    }, this.bookmarkIntervalMs);
    this.bookmarkTimer.unref();
  }

  /**
   * Resolves once the cache is filled and serving (immediately when it is). Rejects with Closed
   * when the cacher closes first, or with the signal's reason when `signal` aborts.
   */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.isReady) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const entry = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (e: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      };
      const onAbort = (): void => {
        this.readyWaiters.delete(entry);
        entry.reject(signal?.reason);
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.readyWaiters.add(entry);
    });
  }

  /** Whether reads and watches are currently served from memory. */
  /**
   * The cached object at `key`, synchronously: undefined when there is none or the cache is not
   * serving. As fresh as the cache (no consistency wait): for in-process readers that need an
   * answer now, like admission's namespace selectors (upstream reads an informer there). The
   * object is shared: never modify it.
   */
  peek(key: string): StoredObject | undefined {
    return this.isReady ? this.store.get(key) : undefined;
  }

  get serving(): boolean {
    return this.isReady;
  }

  /** The newest revision the cache reflects (0 before the first list). */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The last error of the underlying list or watch (for diagnostics), if any. */
  get lastError(): unknown {
    return this.lastErrorValue;
  }

  create<T extends StoredObject>(key: string, obj: T, opts?: CreateOptions): Promise<T> {
    this.assertOpen();
    return this.underlying.create(key, obj, opts);
  }

  get<T extends StoredObject>(
    key: string,
    opts: GetOptions & { ignoreNotFound: true },
  ): Promise<T | undefined>;
  get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T>;
  async get<T extends StoredObject>(key: string, opts: GetOptions = {}): Promise<T | undefined> {
    this.assertOpen();
    if (!this.owns(key) || !(await this.prepareRead(opts.resourceVersion))) {
      return this.underlying.get<T>(key, opts);
    }
    const obj = this.store.get(key);
    if (obj === undefined) {
      if (opts.ignoreNotFound === true) return undefined;
      throw keyNotFound(key);
    }
    return obj as T;
  }

  async list<T extends StoredObject>(
    prefix: string,
    opts: ListOptions<T> = {},
  ): Promise<ListResult<T>> {
    this.assertOpen();
    if (!this.owns(asPrefix(prefix))) return this.underlying.list(prefix, opts);
    if (!cacheCanServeList(opts as ListOptions<StoredObject>)) {
      return this.underlying.list(prefix, opts);
    }
    if (!(await this.prepareRead(opts.resourceVersion))) return this.underlying.list(prefix, opts);
    const predicate = opts.predicate as Predicate<StoredObject> | undefined;
    const limit = opts.limit ?? 0;
    const items: StoredObject[] = [];
    for (const [, obj] of this.store.scan(asPrefix(prefix))) {
      if (predicate !== undefined && !predicate(obj)) continue;
      // More than a page: the rest would need a continue token at this snapshot, which only
      // the underlying storage can serve, so it serves the whole list.
      if (limit > 0 && items.length === limit) return this.underlying.list(prefix, opts);
      items.push(obj);
    }
    return { items: items as T[], resourceVersion: this.rv };
  }

  guaranteedUpdate<T extends StoredObject>(
    key: string,
    tryUpdate: UpdateFunc<T>,
    opts: UpdateOptions<T> = {},
  ): Promise<T> {
    this.assertOpen();
    return this.underlying.guaranteedUpdate(key, tryUpdate, this.withCachedExisting(key, opts));
  }

  delete<T extends StoredObject>(key: string, opts: DeleteOptions<T> = {}): Promise<T> {
    this.assertOpen();
    return this.underlying.delete(key, this.withCachedExisting(key, opts));
  }

  watch<T extends StoredObject>(key: string, opts: WatchOptions<T>): Watcher<T> {
    if (this.closed) return failedWatch(closedError());
    if (!this.owns(opts.recursive ? asPrefix(key) : key)) return this.underlying.watch(key, opts);
    const rv = opts.resourceVersion ?? 0;
    if (!this.everReady && rv > 0 && rv >= this.storeServesFrom) {
      // A cache started on first use by a watch from a revision the client read from the
      // store: fill it from that revision, or the watch could only be served by the store.
      this.fillFrom = Math.min(this.fillFrom ?? rv, rv);
    }
    return this.watchCached(key, opts);
  }

  count(prefix: string): Promise<number> {
    this.assertOpen();
    return this.underlying.count(prefix);
  }

  currentResourceVersion(): Promise<number> {
    this.assertOpen();
    return this.underlying.currentResourceVersion();
  }

  /**
   * Compacts the underlying storage. The cache's history honours it too: a watch from before
   * `revision` then fails with Compacted, as it would on the underlying storage. (Compactions
   * made directly on the underlying storage are not seen; the cache then keeps serving the
   * events it still holds, which are correct, like Kubernetes' watch cache.)
   */
  async compact(revision: number): Promise<void> {
    this.assertOpen();
    await this.underlying.compact(revision);
    this.compactedRV = Math.max(this.compactedRV, revision);
    this.minWatchRV = Math.max(this.minWatchRV, revision);
  }

  /**
   * Resolves true once the cache has seen `revision` (e.g. a write's resourceVersion), false
   * when it is not serving or `timeoutMs` (default waitForFreshMs) passes first. For callers
   * that need read-your-writes on resourceVersion 0 reads.
   */
  async waitUntilFresh(revision: number, timeoutMs = this.waitForFreshMs): Promise<boolean> {
    return (await this.waitForRevision(revision, timeoutMs)) === 'ok';
  }

  /**
   * Stops the list/watch loop and the bookmark timer, ends every cache watch normally and
   * rejects pending ready() calls. Closes the underlying storage only with closeUnderlying.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    this.isReady = false;
    this.stop.abort();
    if (this.bookmarkTimer !== undefined) clearInterval(this.bookmarkTimer);
    this.endAllWatchers(undefined);
    this.settleWaiters('notReady');
    for (const w of this.readyWaiters) w.reject(closedError());
    this.readyWaiters.clear();
    await this.loop;
    if (this.closeUnderlying) await this.underlying.close();
  }

  // ---------------------------------------------------------------------------------------
  // Filling the cache

  private async run(): Promise<void> {
    // The first fill starts after the current synchronous work: a watch that starts the cache
    // on first use (the registry calls start() then watch() in one go) names its revision first.
    await Promise.resolve();
    let delay = this.backoff.initial;
    while (!this.closed) {
      try {
        const listRV = await this.relist();
        delay = this.backoff.initial;
        const events = this.underlying.watch(this.prefix, {
          recursive: true,
          resourceVersion: listRV,
          progressNotify: true,
          signal: this.stop.signal,
        });
        for await (const ev of events) this.apply(ev);
        if (this.isClosed()) return;
        throw new StorageError('Internal', `underlying watch on ${this.prefix} ended`);
      } catch (err) {
        if (this.isClosed()) return;
        this.lastErrorValue = err;
        this.becomeUnready(err);
        if (isStorageError(err, 'Closed')) return; // the underlying storage is gone for good
        await sleep(delay, this.stop.signal);
        delay = Math.min(delay * 2, this.backoff.max);
      }
    }
  }

  /** Lists the underlying prefix consistently and replaces the cache content; returns its RV. */
  private async relist(): Promise<number> {
    const entries: [string, StoredObject][] = [];
    let listRV: number | undefined;
    let token: string | undefined;
    // The first fill starts at the oldest revision a client of this server may resume from
    // (storeServesFrom) or, failing that, at the revision of the watch that started the cache
    // (fillFrom), if the store still has it: clients' watches from revisions they read from the
    // store before the cache existed are then served from memory. Only the events since then
    // for this prefix are replayed (the store's history is bounded by its compaction).
    const anchors = this.everReady
      ? []
      : [this.storeServesFrom, this.fillFrom ?? 0]
          .filter((r) => Number.isFinite(r) && r > 0)
          .sort((a, b) => a - b);
    let exact = anchors.shift();
    while (!this.closed) {
      const opts: ListOptions<StoredObject> = {};
      if (this.listPageSize > 0) opts.limit = this.listPageSize;
      if (token !== undefined) opts.continue = token;
      else if (exact !== undefined) {
        opts.resourceVersion = exact;
        opts.resourceVersionMatch = 'Exact';
      }
      let page: ListResult<StoredObject>;
      try {
        page = await this.underlying.list(this.prefix, opts);
      } catch (err) {
        if (exact === undefined || token !== undefined || !isStorageError(err, 'Compacted')) {
          throw err;
        }
        exact = anchors.shift(); // compacted: try a newer revision, else the current state
        continue;
      }
      listRV ??= page.resourceVersion;
      for (const item of page.items) {
        const obj = deepFreeze(item);
        entries.push([this.keyFunc(obj), obj]);
      }
      token = page.continue;
      if (token === undefined) break;
    }
    if (this.closed || listRV === undefined) throw closedError();
    if (exact !== undefined) {
      const current = await this.underlying.currentResourceVersion();
      this.fillTarget = current > listRV ? current : undefined;
    } else {
      this.fillTarget = undefined;
    }
    this.store.replace(entries);
    this.history.clear();
    // A consistent list is at least as new as anything the cache saw before.
    this.rv = listRV;
    this.minWatchRV = Math.max(listRV, this.compactedRV);
    this.isReady = true;
    this.everReady = true;
    for (const w of this.readyWaiters) w.resolve();
    this.readyWaiters.clear();
    this.settleWaiters();
    return listRV;
  }

  private apply(ev: WatchEvent<StoredObject>): void {
    if (ev.type === 'BOOKMARK') {
      if (ev.resourceVersion > this.rv) {
        this.rv = ev.resourceVersion;
        this.settleWaiters();
      }
      return;
    }
    const object = deepFreeze(ev.object);
    const key = this.keyFunc(object);
    const prevObject =
      this.store.get(key) ?? (ev.prevObject === undefined ? undefined : deepFreeze(ev.prevObject));
    if (ev.type === 'DELETED') this.store.delete(key);
    else this.store.set(key, object);
    const cev: CacheEvent<StoredObject> =
      prevObject === undefined
        ? { type: ev.type, key, object, resourceVersion: ev.resourceVersion }
        : { type: ev.type, key, object, prevObject, resourceVersion: ev.resourceVersion };
    const evicted = this.history.push(cev);
    if (evicted !== undefined) this.belowListFromStore = false;
    if (evicted !== undefined && evicted.resourceVersion > this.minWatchRV) {
      this.minWatchRV = evicted.resourceVersion;
    }
    if (ev.resourceVersion > this.rv) this.rv = ev.resourceVersion;
    for (const w of this.watchers) w.dispatch(cev);
    this.settleWaiters();
  }

  /** The underlying watch failed: stop serving from memory and end every cache watch. */
  private becomeUnready(err: unknown): void {
    this.isReady = false;
    this.belowListFromStore = false;
    this.settleWaiters('notReady');
    if (isStorageError(err, 'Closed')) {
      this.endAllWatchers(undefined);
      return;
    }
    this.endAllWatchers(
      new StorageError(
        'Compacted',
        `watch cache for ${this.prefix} is re-initialising; events may have been lost: re-list`,
        { currentRevision: this.rv, cause: err },
      ),
    );
  }

  private endAllWatchers(err: StorageError | undefined): void {
    for (const w of [...this.watchers]) w.terminate(err);
    this.watchers.clear();
  }

  // ---------------------------------------------------------------------------------------
  // Reads

  private owns(key: string): boolean {
    return key.startsWith(this.prefix);
  }

  /**
   * Waits until the cache may serve a read at `rv`. False: let the underlying storage serve it
   * (cache not ready, or a consistent read the cache could not catch up with in time).
   */
  private async prepareRead(rv: number | undefined): Promise<boolean> {
    if (!this.isReady) await this.awaitFirstFill();
    if (!this.isReady) return false;
    if (rv === 0) return this.catchUpFirstFill();
    if (rv === undefined) {
      const target = await this.underlying.currentResourceVersion();
      return (await this.waitForRevision(target, this.consistentReadWaitMs)) === 'ok';
    }
    const result = await this.waitForRevision(rv, this.waitForFreshMs);
    if (result === 'timeout') throw this.tooLarge(rv);
    return result === 'ok';
  }

  /**
   * True once the cache is at least as new as the store was when its first fill listed (see
   * fillTarget), waiting for the replay at most consistentReadWaitMs; false (let the store
   * serve) when it does not get there in time.
   */
  private async catchUpFirstFill(signal?: AbortSignal): Promise<boolean> {
    const target = this.fillTarget;
    if (target === undefined) return true;
    if (this.rv < target) {
      const result = await this.waitForRevision(target, this.consistentReadWaitMs, signal);
      if (result !== 'ok') return false;
    }
    if (this.fillTarget === target) this.fillTarget = undefined;
    return true;
  }

  /**
   * While the cache is filling for the first time (a cache started on first use), waits for it,
   * at most waitForFreshMs, as upstream's cacher blocks requests until it is ready. Without the
   * wait, the read that started the cache would get a revision older than the cache's start,
   * and a watch from that revision, like every watch begun meanwhile, would be served by the
   * underlying storage for its whole life: one storage watch, one decode and one encoding per
   * client instead of one shared event. After a failure (re-listing), reads do not wait: the
   * underlying storage serves them at once, as before.
   */
  private async awaitFirstFill(signal?: AbortSignal): Promise<void> {
    if (this.isReady || this.everReady || !this.started || this.closed) return;
    if (signal?.aborted === true) return;
    const giveUp = new AbortController();
    const onAbort = (): void => {
      giveUp.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(onAbort, this.waitForFreshMs);
    try {
      await this.ready(giveUp.signal);
    } catch {
      // Timed out, aborted or closed: the caller falls back to the underlying storage.
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private tooLarge(rv: number): StorageError {
    return new StorageError(
      'TooLargeResourceVersion',
      `Too large resource version: ${rv}, current: ${this.rv}`,
      { revision: rv, currentRevision: this.rv },
    );
  }

  /** Resolves 'ok' once the cache has seen `revision`, or why it stopped waiting. */
  private waitForRevision(
    revision: number,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<WaitResult> {
    if (!this.isReady) return Promise.resolve('notReady');
    if (this.rv >= revision) return Promise.resolve('ok');
    if (signal?.aborted === true) return Promise.resolve('aborted');
    return new Promise<WaitResult>((resolve) => {
      const waiter: RevisionWaiter = {
        revision,
        done: (result) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.rvWaiters.delete(waiter);
          resolve(result);
        },
      };
      const onAbort = (): void => {
        waiter.done('aborted');
      };
      const timer = setTimeout(() => {
        waiter.done('timeout');
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.rvWaiters.add(waiter);
    });
  }

  /** Wakes waiters whose revision is reached, or all of them with `result`. */
  private settleWaiters(result?: WaitResult): void {
    for (const w of [...this.rvWaiters]) {
      if (result !== undefined) w.done(result);
      else if (this.rv >= w.revision) w.done('ok');
    }
  }

  /** Adds the cached object as `cachedExisting`, which saves the underlying a read when current. */
  private withCachedExisting<O extends { cachedExisting?: StoredObject }>(key: string, opts: O): O {
    if (opts.cachedExisting !== undefined || !this.isReady || !this.owns(key)) return opts;
    const cached = this.store.get(key);
    return cached === undefined ? opts : { ...opts, cachedExisting: cached };
  }

  // ---------------------------------------------------------------------------------------
  // Watches

  private async *watchCached<T extends StoredObject>(
    key: string,
    opts: WatchOptions<T>,
  ): AsyncGenerator<WatchEvent<T>> {
    this.assertOpen();
    if (opts.signal.aborted) return;
    await this.awaitFirstFill(opts.signal);
    if (isAborted(opts.signal)) return; // aborted while waiting
    let rv = opts.resourceVersion ?? 0;
    if (opts.resourceVersion === undefined && this.isReady) {
      // The initial state of a watch without a revision must be the latest (as for a
      // consistent list); a cache that cannot catch up in time hands the watch over.
      const target = await this.underlying.currentResourceVersion();
      const result = await this.waitForRevision(target, this.consistentReadWaitMs, opts.signal);
      if (result === 'aborted') return;
      if (result !== 'ok') {
        yield* this.underlying.watch(key, opts);
        return;
      }
      rv = 0;
    }
    if (!this.isReady || (rv === 0 && !(await this.catchUpFirstFill(opts.signal)))) {
      if (isAborted(opts.signal)) return;
      yield* this.underlying.watch(key, opts);
      return;
    }
    if (rv >= this.storeServesFrom && rv < this.minWatchRV && this.belowListFromStore) {
      // Older than a cache started on first use (it begins at that moment, after the list a
      // client of this server took its revision from): the store still has those events
      // unless they were compacted, in which case it answers Compacted itself. Once the cache
      // has evicted history or re-listed, older revisions get Compacted from here, as from
      // upstream's cache (see CacherOptions.storeServesFrom).
      yield* this.underlying.watch(key, opts);
      return;
    }
    if (isAborted(opts.signal)) return; // aborted while waiting above
    const watcher = this.register(key, opts as WatchOptions<StoredObject>, rv);
    const onAbort = (): void => {
      watcher.terminate();
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        const ev = await watcher.next();
        if (ev === undefined) return;
        yield ev as WatchEvent<T>;
      }
    } finally {
      opts.signal.removeEventListener('abort', onAbort);
      watcher.terminate();
    }
  }

  /**
   * Registers a cache watcher starting at `rv` (0: from the current cache state). Synchronous,
   * so no event can slip between the snapshot or replay and the first live event.
   */
  private register(
    key: string,
    opts: WatchOptions<StoredObject>,
    rv: number,
  ): CacheWatcher<StoredObject> {
    const { recursive, predicate } = opts;
    let initial: WatchEvent<StoredObject>[];
    let start: number;
    if (rv === 0) {
      start = this.rv;
      initial = [];
      const add = (obj: StoredObject): void => {
        if (predicate === undefined || predicate(obj)) {
          initial.push({ type: 'ADDED', object: obj, resourceVersion: objectRV(obj) });
        }
      };
      if (recursive) for (const [, obj] of this.store.scan(asPrefix(key))) add(obj);
      else {
        const obj = this.store.get(key);
        if (obj !== undefined) add(obj);
      }
      if (opts.initialEventsEnd === true) {
        initial.push({ type: 'BOOKMARK', resourceVersion: start, initialEventsEnd: true });
      }
    } else {
      if (rv < this.minWatchRV) throw compacted(rv, this.minWatchRV);
      start = rv;
      initial = [];
      for (let i = this.firstEventAfter(rv); i < this.history.length; i++) {
        const ev = this.history.at(i);
        if (ev === undefined || !keyMatches(key, recursive, ev.key)) continue;
        const out = filterEvent(ev, predicate);
        if (out !== undefined) initial.push(out);
      }
    }
    const watcher: CacheWatcher<StoredObject> = new CacheWatcher({
      key,
      recursive,
      predicate,
      startResourceVersion: start,
      initial,
      bufferSize: this.watcherBufferSize,
      progressNotify: opts.progressNotify === true,
      onClose: () => this.watchers.delete(watcher),
    });
    this.watchers.add(watcher);
    return watcher;
  }

  /** Index of the first history event with a resourceVersion greater than `rv`. */
  private firstEventAfter(rv: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ev = this.history.at(mid);
      if (ev !== undefined && ev.resourceVersion <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Read through a method so TypeScript does not narrow the flag across awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  private assertOpen(): void {
    if (this.closed) throw closedError();
  }
}

/** Whether the list options describe a read the cache can answer (see Cacher). */
function cacheCanServeList(opts: ListOptions<StoredObject>): boolean {
  if (opts.continue !== undefined && opts.continue !== '') return false;
  if (opts.resourceVersionMatch === 'Exact') return false;
  const paged = opts.limit !== undefined && opts.limit > 0;
  // Paged with unset RV: the underlying storage paginates consistently (Kubernetes 1.32).
  if (paged && opts.resourceVersion === undefined) return false;
  // Paged at N without a match: means exactly N, which only the underlying can serve.
  if (
    paged &&
    opts.resourceVersion !== undefined &&
    opts.resourceVersion > 0 &&
    opts.resourceVersionMatch === undefined
  ) {
    return false;
  }
  return true;
}

function defaultKey(prefix: string, obj: StoredObject): string {
  const name = obj.metadata?.name ?? '';
  const ns = obj.metadata?.namespace;
  return ns === undefined || ns === '' ? `${prefix}${name}` : `${prefix}${ns}/${name}`;
}

function objectRV(obj: StoredObject): number {
  const rv = Number(obj.metadata?.resourceVersion ?? 0);
  return Number.isFinite(rv) ? rv : 0;
}

/** Freezes a JSON value and everything in it, so shared cache objects cannot be changed. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer`);
  return n;
}

/** A watch that fails with `err` when iterated (watch() itself never throws). */
function failedWatch<T>(err: StorageError): Watcher<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(err),
    }),
  };
}

/** Reads the flag through a call so that TypeScript does not narrow it across awaits. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

function closedError(): StorageError {
  return new StorageError('Closed', 'watch cache closed');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
