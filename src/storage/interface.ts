/**
 * The object-level storage contract the API server uses: Kubernetes' `storage.Interface`
 * (k8s.io/apiserver/pkg/storage/interfaces.go) in TypeScript. One implementation, `Store`
 * (store.ts), works over any `Backend` driver; the watch cache (`cacher/`) wraps any Storage.
 *
 * - Keys are full paths in Kubernetes' layout: `/registry/<resource>/<namespace>/<name>` or
 *   `/registry/<resource>/<name>`; a list or recursive watch takes a prefix ending in `/`.
 * - `resourceVersion` is the backend's revision. Objects going in have their
 *   `metadata.resourceVersion` stripped before encoding; objects coming out have it set to the
 *   revision of their last change (as a decimal string).
 * - Objects are plain JSON. Objects returned are owned by the caller, except where a method says
 *   otherwise (the cacher returns shared objects that must be treated as read-only).
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/** Any API object as stored: plain JSON with Kubernetes' object metadata. */
export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** Conditions that must hold on the stored object for an update or delete to proceed. */
export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** Selects the objects a list or watch returns (label and field selectors, compiled). */
export type Predicate<T> = (obj: T) => boolean;

export interface GetOptions {
  /**
   * undefined: the latest state (a consistent read). 0: any state the store holds (may be
   * stale; the cacher serves it from memory). N > 0: a state at least as new as N.
   */
  resourceVersion?: number;
  /** Resolve to undefined instead of throwing KeyNotFound. */
  ignoreNotFound?: boolean;
}

export type ResourceVersionMatch = 'NotOlderThan' | 'Exact';

export interface ListOptions<T> {
  /**
   * Semantics exactly as the Kubernetes API (see "Resource versions" in the API concepts):
   *
   * | paging \ resourceVersion  | unset       | 0    | N (match unset)   |
   * | no limit                  | Most recent | Any  | Not older than N  |
   * | limit, no continue        | Most recent | Any  | Exact N           |
   * | continue                  | token's snapshot (Exact)              |
   *
   * With `resourceVersionMatch` 'NotOlderThan' or 'Exact', N means exactly that.
   */
  resourceVersion?: number;
  resourceVersionMatch?: ResourceVersionMatch;
  /** Page size; 0 or absent: everything. */
  limit?: number;
  /** Opaque token from a previous page. Lists the rest of the same snapshot. */
  continue?: string;
  /** Only objects for which this returns true. A page still holds up to `limit` matches. */
  predicate?: Predicate<T>;
}

export interface ListResult<T> {
  items: T[];
  /** The revision of the snapshot the list was read at. */
  resourceVersion: number;
  /** Present when more items remain; pass it back as `continue`. */
  continue?: string;
  /** When paginating without a predicate: how many items the following pages hold. */
  remainingItemCount?: number;
}

/**
 * Computes the new state from the current one. Return the object to store, or throw to abort
 * (the error propagates unchanged, e.g. a StatusError from the API server's strategy).
 * `current` is undefined only when the key is missing and `ignoreNotFound` was set.
 * `current` is owned by the function and may be mutated and returned.
 */
export type UpdateFunc<T> = (current: T | undefined) => T | Promise<T>;

export interface UpdateOptions<T> {
  preconditions?: Preconditions;
  /** When the key is missing, call tryUpdate(undefined) and create it (PUT create-on-update). */
  ignoreNotFound?: boolean;
  /**
   * A possibly stale copy of the current object (e.g. from the watch cache) to try first; on a
   * conflict the store re-reads. Not mutated.
   */
  cachedExisting?: T;
  ttlSeconds?: number;
}

export interface DeleteOptions<T> {
  preconditions?: Preconditions;
  /** Called with the current object before deleting; throw to refuse the delete. */
  validateDeletion?: (current: T) => void | Promise<void>;
  cachedExisting?: T;
}

export interface CreateOptions {
  ttlSeconds?: number;
}

export interface WatchOptions<T> {
  /**
   * undefined or 0: first one ADDED event per existing object (the state at the current
   * revision; for a single key, just that key), then every change after it.
   * N > 0: every change with a resourceVersion greater than N (nothing synthetic).
   */
  resourceVersion?: number;
  /** Watch every key under the prefix `key` (which should end with '/'); else exactly `key`. */
  recursive: boolean;
  /**
   * Filters events. An object that stops matching is reported as DELETED, one that starts
   * matching as ADDED (Kubernetes' watch filtering semantics).
   */
  predicate?: Predicate<T>;
  /** Emit BOOKMARK events when idle so the client learns the current resourceVersion. */
  progressNotify?: boolean;
  /**
   * With an initial state (resourceVersion undefined or 0): right after the state's ADDED
   * events, a BOOKMARK at the state's revision with `initialEventsEnd: true`, so the consumer
   * knows where the state ends (Kubernetes' `sendInitialEvents`). Ignored for N > 0.
   */
  initialEventsEnd?: boolean;
  /** Ends the watch: iteration then completes normally. */
  signal: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export type WatchEvent<T> =
  | {
      type: WatchEventType;
      /** For DELETED, the last state, with resourceVersion set to the delete's revision. */
      object: T;
      /** The state before this event, when known (not for ADDED of a new key). */
      prevObject?: T;
      resourceVersion: number;
    }
  | {
      type: 'BOOKMARK';
      resourceVersion: number;
      /** Set on the bookmark that ends the initial state (see WatchOptions.initialEventsEnd). */
      initialEventsEnd?: boolean;
    };

/**
 * A stream of watch events in resourceVersion order, without gaps. Iteration ends normally
 * when the signal aborts or the store closes, and by throwing a StorageError when the watch
 * cannot go on (Compacted: start revision too old; TooSlow: the consumer fell behind;
 * Corrupt: an undecodable value; Unreachable).
 */
export type Watcher<T> = AsyncIterable<WatchEvent<T>>;

export interface Storage {
  /** The driver name ('memory', 'sqlite', 'etcd'), or e.g. 'cacher(sqlite)'. */
  readonly name: string;

  /** Stores a new object; KeyExists if present; InvalidObject if resourceVersion is set. */
  create<T extends StoredObject>(key: string, obj: T, opts?: CreateOptions): Promise<T>;
  get<T extends StoredObject>(
    key: string,
    opts: GetOptions & { ignoreNotFound: true },
  ): Promise<T | undefined>;
  get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T>;
  list<T extends StoredObject>(prefix: string, opts?: ListOptions<T>): Promise<ListResult<T>>;
  /**
   * Read-modify-write with optimistic concurrency: reads the object, checks preconditions,
   * calls tryUpdate and writes the result if the object did not change meanwhile; on a
   * conflict it re-reads and tries again. If tryUpdate returns an object equal to the current
   * one, nothing is written and the current object (same resourceVersion) is returned.
   */
  guaranteedUpdate<T extends StoredObject>(
    key: string,
    tryUpdate: UpdateFunc<T>,
    opts?: UpdateOptions<T>,
  ): Promise<T>;
  /** Deletes and returns the object as it was last stored; KeyNotFound if missing. */
  delete<T extends StoredObject>(key: string, opts?: DeleteOptions<T>): Promise<T>;
  watch<T extends StoredObject>(key: string, opts: WatchOptions<T>): Watcher<T>;
  /** Number of objects under the prefix. */
  count(prefix: string): Promise<number>;
  /** The latest revision. */
  currentResourceVersion(): Promise<number>;
  /** Drops history before `revision` (see Backend.compact). */
  compact(revision: number): Promise<void>;
  /** Releases resources; ends watches. Idempotent. */
  close(): Promise<void>;
}
