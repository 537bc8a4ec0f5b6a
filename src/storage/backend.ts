/**
 * The byte-level key/value contract that every storage driver (memory, sqlite, etcd) implements.
 * It is etcd's MVCC model reduced to what the API server needs:
 *
 * - One global revision counter, starting at 1 for an empty store (like etcd, revision 1 is the
 *   empty state; the first write gets revision 2). Every successful create, update and delete
 *   increments it by exactly one and records the new revision as the key's `modRevision`.
 *   Revisions never go backwards and are never reused, also across restarts.
 * - History is kept until `compact(rev)`: reads at any revision >= the compacted revision see
 *   the state as of that revision; reads and watches before it fail with a `Compacted`
 *   StorageError (etcd semantics: after compact(N), revision N itself is still readable).
 * - Conditional writes compare the key's `modRevision` (0 means "must not exist"); a failed
 *   comparison is a normal outcome (`succeeded: false`), not an error.
 * - Watches deliver every change with `modRevision >= startRevision` under the prefix, in
 *   revision order, without gaps or duplicates, each with the previous value. They may batch
 *   several revisions in one message. A watcher whose consumer falls behind its bounded buffer
 *   ends with a `TooSlow` StorageError; the backend never buffers without limit.
 * - A read at a revision newer than the current one fails with `TooLargeResourceVersion`, and
 *   so does compacting to one. A watch with `startRevision` <= 0 starts after the current
 *   revision ("from now", as in etcd).
 * - A write is acknowledged (its promise resolves) only once it is durable for that driver.
 *
 * Returned objects are owned by the caller and never mutated by the backend afterwards.
 */
export interface KeyValue {
  readonly key: string;
  readonly value: Uint8Array;
  /** Revision at which the key was (last) created. */
  readonly createRevision: number;
  /** Revision of the last change to the key. */
  readonly modRevision: number;
}

export interface RangeRequest {
  /** Every key starting with this prefix. */
  prefix: string;
  /** Only keys >= startKey (still within the prefix); used for pagination. */
  startKey?: string;
  /** Maximum number of keys to return; 0 or absent means no limit. */
  limit?: number;
  /** Read the state as of this revision; absent means the latest. */
  revision?: number;
}

export interface RangeResponse {
  /** Keys in ascending byte order. */
  kvs: KeyValue[];
  /** True when more keys matched than `limit`. */
  more: boolean;
  /** How many matching keys were not returned because of `limit` (0 when `more` is false). */
  remaining: number;
  /** The revision the read was served at (the store's current revision for latest reads). */
  revision: number;
}

export interface GetResponse {
  kv: KeyValue | undefined;
  /** The revision the read was served at. */
  revision: number;
}

export interface WriteOptions {
  /**
   * Delete the key automatically this many seconds after the write (a lease in etcd terms;
   * used for Events). The expiry is an ordinary delete with its own revision and watch event.
   */
  ttlSeconds?: number;
}

export type WriteResponse =
  | {
      succeeded: true;
      /** The revision of this write (the key's new modRevision, or the delete's revision). */
      revision: number;
      /** The value before the write (update and delete). */
      prevKv?: KeyValue;
    }
  | {
      succeeded: false;
      /** The store's revision when the comparison failed. */
      revision: number;
      /** The key's current value, absent when the key does not exist. */
      current?: KeyValue;
    };

export interface BackendEvent {
  type: 'put' | 'delete';
  /**
   * For 'put', the new value. For 'delete', `value` is empty, `modRevision` is the revision of
   * the delete and `createRevision` is 0.
   */
  kv: KeyValue;
  /** The value before this event; absent for a put that created the key. */
  prevKv?: KeyValue;
}

export type BackendWatchMessage =
  /** One or more events in ascending revision order. */
  | { kind: 'events'; events: BackendEvent[] }
  /**
   * Progress: every event under the watched prefix with revision <= `revision` has been
   * delivered. Sent when the watch is idle, at most every `progressNotifyMs`; the in-process
   * backends (memory, SQLite) also send one as soon as the replay of a watch from a past
   * revision reaches the present, so that a consumer waiting to be as new as the store (a watch
   * cache filled from an older revision) need not wait for the next interval.
   */
  | { kind: 'progress'; revision: number };

export interface BackendWatchOptions {
  /** Ends the watch; the iterator then returns normally. */
  signal: AbortSignal;
  /** Send progress messages when idle, at roughly this interval. Absent: none. */
  progressNotifyMs?: number;
}

export interface CompactResponse {
  /** The revision the store is now compacted to. */
  compactedRevision: number;
  /** Driver-specific details (rows deleted, batches, ms per batch, bytes reclaimed...). */
  details?: Record<string, number>;
}

export interface Backend {
  /** Driver name, also its DSN scheme: 'memory', 'sqlite', 'etcd'. */
  readonly name: string;

  /** The value of `key` at `revision` (latest when absent). */
  get(key: string, revision?: number): Promise<GetResponse>;
  /** Keys under a prefix, optionally paginated and at a past revision. */
  range(req: RangeRequest): Promise<RangeResponse>;
  /** Number of keys under the prefix at the latest revision. */
  count(prefix: string): Promise<number>;
  /** The current (latest committed) revision. */
  currentRevision(): Promise<number>;
  /** The revision history starts at (reads before it fail with Compacted). */
  compactedRevision(): Promise<number>;

  /** Creates `key` if it does not exist. */
  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResponse>;
  /** Replaces `key` if its modRevision equals `expectedModRevision`. */
  update(
    key: string,
    value: Uint8Array,
    expectedModRevision: number,
    opts?: WriteOptions,
  ): Promise<WriteResponse>;
  /**
   * Deletes `key` if its modRevision equals `expectedModRevision` (any revision when absent).
   * Deleting a missing key fails with `succeeded: false` and no `current`.
   */
  delete(key: string, expectedModRevision?: number): Promise<WriteResponse>;

  /** Changes under `prefix` from `startRevision` (inclusive) on. See the contract above. */
  watch(
    prefix: string,
    startRevision: number,
    opts: BackendWatchOptions,
  ): AsyncIterable<BackendWatchMessage>;

  /** Drops history before `revision`. Idempotent; compacting to an older revision is a no-op. */
  compact(revision: number): Promise<CompactResponse>;

  /** Ends all watches and releases the backend's resources. Idempotent. */
  close(): Promise<void>;
}
