import { StorageError } from '../errors.ts';
import type { Predicate, StoredObject, WatchEvent, WatchEventType } from '../interface.ts';
import { Ring } from './ring.ts';

/** One change as the cache recorded it (also the unit of the cache's event history). */
export interface CacheEvent<T> {
  type: WatchEventType;
  /** The storage key of the object. */
  key: string;
  /** The new state; for DELETED the last state with the delete's resourceVersion. */
  object: T;
  /** The state before this change (absent for the ADDED of a new key). */
  prevObject?: T;
  resourceVersion: number;
}

/**
 * Turns a cache event into what a watcher with `predicate` sees, with Kubernetes' filtering
 * transitions: an object that starts matching is ADDED, one that stops matching is DELETED (with
 * its last matching state, stamped with this event's resourceVersion), and events about objects
 * that match neither before nor after are dropped (undefined).
 */
export function filterEvent<T extends StoredObject>(
  ev: CacheEvent<T>,
  predicate: Predicate<T> | undefined,
): WatchEvent<T> | undefined {
  const { type, object, prevObject, resourceVersion } = ev;
  if (predicate === undefined) {
    return prevObject === undefined
      ? { type, object, resourceVersion }
      : { type, object, prevObject, resourceVersion };
  }
  switch (type) {
    case 'ADDED':
      return predicate(object) ? { type, object, resourceVersion } : undefined;
    case 'DELETED':
      if (!predicate(object)) return undefined;
      return prevObject === undefined
        ? { type, object, resourceVersion }
        : { type, object, prevObject, resourceVersion };
    case 'MODIFIED': {
      const cur = predicate(object);
      const prev = prevObject !== undefined && predicate(prevObject);
      if (cur && prev) return { type, object, prevObject, resourceVersion };
      if (cur) return { type: 'ADDED', object, prevObject, resourceVersion };
      if (prev) {
        return {
          type: 'DELETED',
          object: withResourceVersion(prevObject, resourceVersion),
          prevObject,
          resourceVersion,
        };
      }
      return undefined;
    }
  }
}

/**
 * A copy of `obj` whose metadata.resourceVersion is `rv`. Shallow: only the top level and
 * metadata are new; the rest is shared (and read-only, like everything the cache hands out).
 */
function withResourceVersion<T extends StoredObject>(obj: T, rv: number): T {
  const metadata = Object.freeze({ ...obj.metadata, resourceVersion: String(rv) });
  return Object.freeze({ ...obj, metadata });
}

/** True when `key` is watched by a watch on `watchKey` (a prefix when recursive). */
export function keyMatches(watchKey: string, recursive: boolean, key: string): boolean {
  return recursive ? key.startsWith(asPrefix(watchKey)) : key === watchKey;
}

/** A recursive prefix always ends with '/', so '/a/b' does not also cover '/a/bc' (as Store). */
export function asPrefix(key: string): string {
  return key.endsWith('/') ? key : `${key}/`;
}

export interface CacheWatcherOptions<T> {
  key: string;
  recursive: boolean;
  predicate: Predicate<T> | undefined;
  /** Live events with a resourceVersion <= this are skipped (they are in `initial` or older). */
  startResourceVersion: number;
  /** Events delivered before any live event: the initial ADDED snapshot or a history replay. */
  initial: WatchEvent<T>[];
  /** Bound on live events waiting for the consumer; exceeding it ends the watch with TooSlow. */
  bufferSize: number;
  progressNotify: boolean;
  /** Called once when the watcher ends for any reason, so the cacher can forget it. */
  onClose: () => void;
}

/**
 * One client watch served by the cacher (Kubernetes' cacheWatcher). The cacher dispatches every
 * event synchronously; the watcher filters it and queues it in a bounded buffer. It never blocks
 * the cacher: a consumer that lets the buffer fill is cut off with TooSlow and must re-list.
 */
export class CacheWatcher<T extends StoredObject> {
  private readonly opts: CacheWatcherOptions<T>;
  private initial: WatchEvent<T>[];
  private initialIndex = 0;
  private readonly buffer: Ring<WatchEvent<T>>;
  private ended = false;
  private error: StorageError | undefined;
  private wake: (() => void) | undefined;
  /** Whether anything was queued since the last bookmark tick (bookmarks only go to idle watchers). */
  private activeSinceTick = true;

  constructor(opts: CacheWatcherOptions<T>) {
    this.opts = opts;
    this.initial = opts.initial;
    this.buffer = new Ring(opts.bufferSize);
  }

  get done(): boolean {
    return this.ended;
  }

  /** Offers one cache event to this watcher (called for every event, in order). */
  dispatch(ev: CacheEvent<T>): void {
    if (this.ended || ev.resourceVersion <= this.opts.startResourceVersion) return;
    if (!keyMatches(this.opts.key, this.opts.recursive, ev.key)) return;
    const out = filterEvent(ev, this.opts.predicate);
    if (out !== undefined) this.enqueue(out);
  }

  /**
   * Called every bookmark interval with the cache's resourceVersion: a watcher that asked for
   * progress notifications and had nothing to send since the previous tick gets a BOOKMARK.
   */
  tick(resourceVersion: number): void {
    const idle = !this.activeSinceTick;
    this.activeSinceTick = false;
    if (this.ended || !this.opts.progressNotify || !idle) return;
    if (resourceVersion < this.opts.startResourceVersion) return;
    if (this.buffer.length > 0 || this.initialIndex < this.initial.length) return;
    this.enqueue({ type: 'BOOKMARK', resourceVersion });
  }

  /**
   * Ends the watch. Without `error` the iteration completes normally; with one, the consumer's
   * next read throws it. Queued events are dropped either way (the consumer must re-list after
   * an error, and asked to stop otherwise). Idempotent: the first call wins.
   */
  terminate(error?: StorageError): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.buffer.clear();
    this.initial = [];
    this.initialIndex = 0;
    this.signal();
    this.opts.onClose();
  }

  /** The next event, or undefined when the watch has ended normally. Throws the end error once. */
  async next(): Promise<WatchEvent<T> | undefined> {
    for (;;) {
      if (this.error !== undefined) {
        const err = this.error;
        this.error = undefined;
        throw err;
      }
      if (this.ended) return undefined;
      if (this.initialIndex < this.initial.length) {
        const ev = this.initial[this.initialIndex++];
        if (this.initialIndex === this.initial.length) {
          this.initial = [];
          this.initialIndex = 0;
        }
        if (ev !== undefined) return ev;
        continue;
      }
      const ev = this.buffer.shift();
      if (ev !== undefined) return ev;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private enqueue(ev: WatchEvent<T>): void {
    if (this.buffer.full) {
      this.terminate(
        new StorageError(
          'TooSlow',
          `watch on ${this.opts.key} fell more than ${this.buffer.capacity} events behind`,
          { key: this.opts.key, revision: ev.resourceVersion },
        ),
      );
      return;
    }
    this.buffer.push(ev);
    this.activeSinceTick = true;
    this.signal();
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
