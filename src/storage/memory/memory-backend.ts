/**
 * The in-memory Backend: the reference implementation of backend.ts, used by tests, by
 * `skiff up --datastore-endpoint memory://` and as the model the other drivers are checked
 * against (they all pass the same conformance suite).
 *
 * Layout: every key keeps its versions (MVCC history) in revision order, a lazily sorted key
 * index serves prefix ranges, and a revision log (one entry per revision, since every write is
 * exactly one revision) serves watches. Watchers pull from the log with a cursor, so replay and
 * live delivery are the same code path and cannot produce gaps or duplicates.
 */
import type {
  Backend,
  BackendEvent,
  BackendWatchMessage,
  BackendWatchOptions,
  CompactResponse,
  GetResponse,
  KeyValue,
  RangeRequest,
  RangeResponse,
  WriteOptions,
  WriteResponse,
} from '../backend.ts';
import { StorageError, compacted } from '../errors.ts';

/** Options of {@link createMemoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * How many undelivered events matching its prefix a watcher may fall behind by before it is
   * ended with a `TooSlow` error. Default 10000.
   */
  watchBufferSize?: number;
  /**
   * Progress interval used when a watch asks for progress without an interval of its own.
   * Per-watch `progressNotifyMs` takes precedence. Default: none.
   */
  progressNotifyMs?: number;
  /** Largest number of events delivered in one watch message. Default 1000. */
  maxEventsPerMessage?: number;
}

/** A stored value. Never mutated after creation; copied when it leaves the backend. */
interface StoredKv {
  readonly key: string;
  readonly value: Uint8Array;
  readonly createRevision: number;
  readonly modRevision: number;
}

/** One version of a key: its value, or a tombstone (`kv` undefined) at the delete revision. */
interface Version {
  readonly modRevision: number;
  readonly kv: StoredKv | undefined;
}

/** The change made at one revision. */
interface LogEntry {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly revision: number;
  /** The new value for a put. */
  readonly kv: StoredKv | undefined;
  readonly prevKv: StoredKv | undefined;
}

interface WatcherState {
  readonly prefix: string;
  /** The next revision to look at in the log. */
  cursor: number;
  /** The store revision when the watch registered; later matching events count as pending. */
  readonly registeredAt: number;
  /** Matching events committed after registration and not yet delivered. */
  pending: number;
  /** Set when the watch must end with an error (TooSlow, Compacted). */
  error: StorageError | undefined;
  /** Resolves the watcher's current wait, if it is waiting. */
  wake: (() => void) | undefined;
}

const EMPTY = new Uint8Array(0);

function copyKv(kv: StoredKv): KeyValue {
  return {
    key: kv.key,
    value: kv.value.slice(),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
  };
}

/** Index of the first element of the sorted array that is >= `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The version of a key visible at `revision` (the last one with modRevision <= revision). */
function versionAt(versions: readonly Version[], revision: number): Version | undefined {
  let lo = 0;
  let hi = versions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((versions[mid] as Version).modRevision <= revision) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? undefined : versions[lo - 1];
}

function validTtl(opts: WriteOptions | undefined): number | undefined {
  const ttl = opts?.ttlSeconds;
  return ttl !== undefined && ttl > 0 ? ttl : undefined;
}

class MemoryBackend implements Backend {
  readonly name = 'memory';

  private revision = 1;
  private compacted = 1;
  private closed = false;
  /** Every key that has history, with its versions in ascending revision order. */
  private readonly history = new Map<string, Version[]>();
  /** Keys of `history` in ascending order, except those still in `unsorted`. */
  private sortedKeys: string[] = [];
  /** Keys added since the last merge into `sortedKeys`; merged before the next range. */
  private unsorted: string[] = [];
  /** log[i] is the change at revision logBase + i. */
  private log: LogEntry[] = [];
  private logBase = 2;
  private readonly watchers = new Set<WatcherState>();
  private readonly ttlTimers = new Map<string, NodeJS.Timeout>();
  private readonly bufferSize: number;
  private readonly defaultProgressMs: number | undefined;
  private readonly maxBatch: number;

  constructor(opts: MemoryBackendOptions) {
    this.bufferSize = opts.watchBufferSize ?? 10000;
    this.defaultProgressMs = opts.progressNotifyMs;
    this.maxBatch = opts.maxEventsPerMessage ?? 1000;
  }

  // ---- reads ----

  get(key: string, revision?: number): Promise<GetResponse> {
    return this.sync(() => {
      const rev = this.readRevision(revision);
      const versions = this.history.get(key);
      const v = versions === undefined ? undefined : versionAt(versions, rev);
      return { kv: v?.kv === undefined ? undefined : copyKv(v.kv), revision: rev };
    });
  }

  range(req: RangeRequest): Promise<RangeResponse> {
    return this.sync(() => {
      const rev = this.readRevision(req.revision);
      const limit = req.limit !== undefined && req.limit > 0 ? req.limit : Infinity;
      const keys = this.keysSorted();
      const start =
        req.startKey !== undefined && req.startKey > req.prefix ? req.startKey : req.prefix;
      const found: StoredKv[] = [];
      let remaining = 0;
      let totalBytes = 0;
      for (let i = lowerBound(keys, start); i < keys.length; i++) {
        const key = keys[i] as string;
        if (!key.startsWith(req.prefix)) break;
        const versions = this.history.get(key);
        const kv = versions === undefined ? undefined : versionAt(versions, rev)?.kv;
        if (kv === undefined) continue;
        if (found.length < limit) {
          found.push(kv);
          totalBytes += kv.value.byteLength;
        } else {
          remaining++;
        }
      }
      // One allocation for all values: a typed array per value would dominate large lists.
      const arena = new Uint8Array(totalBytes);
      let offset = 0;
      const kvs = found.map((kv): KeyValue => {
        arena.set(kv.value, offset);
        const value = arena.subarray(offset, offset + kv.value.byteLength);
        offset += kv.value.byteLength;
        return {
          key: kv.key,
          value,
          createRevision: kv.createRevision,
          modRevision: kv.modRevision,
        };
      });
      return { kvs, more: remaining > 0, remaining, revision: rev };
    });
  }

  count(prefix: string): Promise<number> {
    return this.sync(() => {
      const keys = this.keysSorted();
      let n = 0;
      for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
        const key = keys[i] as string;
        if (!key.startsWith(prefix)) break;
        const versions = this.history.get(key);
        if (versions?.[versions.length - 1]?.kv !== undefined) n++;
      }
      return n;
    });
  }

  currentRevision(): Promise<number> {
    return this.sync(() => this.revision);
  }

  compactedRevision(): Promise<number> {
    return this.sync(() => this.compacted);
  }

  // ---- writes ----

  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResponse> {
    return this.sync(() => {
      const current = this.latest(key);
      if (current !== undefined) {
        return { succeeded: false, revision: this.revision, current: copyKv(current) };
      }
      const rev = this.put(key, new Uint8Array(value), undefined);
      this.setTtl(key, validTtl(opts));
      return { succeeded: true, revision: rev };
    });
  }

  update(
    key: string,
    value: Uint8Array,
    expectedModRevision: number,
    opts?: WriteOptions,
  ): Promise<WriteResponse> {
    return this.sync(() => {
      const current = this.latest(key);
      if ((current?.modRevision ?? 0) !== expectedModRevision) {
        return {
          succeeded: false,
          revision: this.revision,
          ...(current === undefined ? {} : { current: copyKv(current) }),
        };
      }
      const rev = this.put(key, new Uint8Array(value), current);
      this.setTtl(key, validTtl(opts));
      return current === undefined
        ? { succeeded: true, revision: rev }
        : { succeeded: true, revision: rev, prevKv: copyKv(current) };
    });
  }

  delete(key: string, expectedModRevision?: number): Promise<WriteResponse> {
    return this.sync(() => {
      const current = this.latest(key);
      if (
        current === undefined ||
        (expectedModRevision !== undefined && current.modRevision !== expectedModRevision)
      ) {
        return {
          succeeded: false,
          revision: this.revision,
          ...(current === undefined ? {} : { current: copyKv(current) }),
        };
      }
      const rev = this.remove(key, current);
      return { succeeded: true, revision: rev, prevKv: copyKv(current) };
    });
  }

  // ---- watch ----

  async *watch(
    prefix: string,
    startRevision: number,
    opts: BackendWatchOptions,
  ): AsyncIterable<BackendWatchMessage> {
    const { signal } = opts;
    if (this.closed || signal.aborted) return;
    // Revision 0 (or less) means "from now", as in etcd.
    const from = startRevision <= 0 ? this.revision + 1 : startRevision;
    if (from < this.compacted) throw compacted(from, this.compacted);
    const w: WatcherState = {
      prefix,
      cursor: Math.max(from, this.logBase),
      registeredAt: this.revision,
      pending: 0,
      error: undefined,
      wake: undefined,
    };
    const progressMs = opts.progressNotifyMs ?? this.defaultProgressMs;
    // A watch from the past that asked for progress learns once that its replay reached the
    // present (see BackendWatchMessage), even when nothing under its prefix was written since.
    let replaying = progressMs !== undefined && from <= this.revision;
    let lastSent = from - 1;
    const onAbort = (): void => w.wake?.();
    signal.addEventListener('abort', onAbort);
    this.watchers.add(w);
    try {
      for (;;) {
        if (this.ended(w, signal)) return;
        if (w.error !== undefined) throw w.error;
        const events = this.collect(w);
        if (events.length > 0) {
          lastSent = events.at(-1)?.kv.modRevision ?? lastSent;
          yield { kind: 'events', events };
          continue;
        }
        if (replaying) {
          replaying = false;
          if (lastSent < this.revision) {
            lastSent = this.revision;
            yield { kind: 'progress', revision: this.revision };
            continue;
          }
        }
        const progress = await this.wait(w, progressMs);
        if (progress && !this.ended(w, signal) && !this.failed(w)) {
          yield { kind: 'progress', revision: this.revision };
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.watchers.delete(w);
    }
  }

  /** Whether the watch must stop or fail (a method, so that TypeScript does not narrow the flags). */
  private ended(_w: WatcherState, signal: AbortSignal): boolean {
    return signal.aborted || this.closed;
  }

  private failed(w: WatcherState): boolean {
    return w.error !== undefined;
  }

  /** Reads the next batch of matching events for `w` from the log and advances its cursor. */
  private collect(w: WatcherState): BackendEvent[] {
    const events: BackendEvent[] = [];
    while (w.cursor <= this.revision && events.length < this.maxBatch) {
      const entry = this.log[w.cursor - this.logBase];
      w.cursor++;
      if (entry === undefined || !entry.key.startsWith(w.prefix)) continue;
      if (entry.revision > w.registeredAt) w.pending--;
      events.push(toEvent(entry));
    }
    return events;
  }

  /** Waits for a write, abort or close; resolves true when the progress interval passed idle. */
  private wait(w: WatcherState, progressMs: number | undefined): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      // The timer is ref'd on purpose: a consumer awaiting progress keeps the process alive.
      const timer =
        progressMs === undefined
          ? undefined
          : setTimeout(() => {
              w.wake = undefined;
              resolve(true);
            }, progressMs);
      w.wake = () => {
        if (timer !== undefined) clearTimeout(timer);
        w.wake = undefined;
        resolve(false);
      };
    });
  }

  // ---- maintenance ----

  compact(revision: number): Promise<CompactResponse> {
    return this.sync(() => {
      if (revision > this.revision) {
        throw new StorageError(
          'TooLargeResourceVersion',
          `cannot compact to revision ${revision}: newer than the current revision ${this.revision}`,
          { revision, currentRevision: this.revision },
        );
      }
      if (revision <= this.compacted) return { compactedRevision: this.compacted };
      this.compacted = revision;
      let versionsDropped = 0;
      let keysDropped = 0;
      for (const [key, versions] of this.history) {
        // Keep the version visible at `revision` (so it stays readable) and everything after.
        let keepFrom = 0;
        while (
          keepFrom + 1 < versions.length &&
          (versions[keepFrom + 1] as Version).modRevision <= revision
        ) {
          keepFrom++;
        }
        const first = versions[keepFrom];
        // A tombstone visible at `revision` reads the same as no version at all.
        if (first !== undefined && first.modRevision <= revision && first.kv === undefined) {
          keepFrom++;
        }
        if (keepFrom === 0) continue;
        versionsDropped += keepFrom;
        if (keepFrom >= versions.length) {
          this.history.delete(key);
          keysDropped++;
        } else {
          versions.splice(0, keepFrom);
        }
      }
      if (keysDropped > 0) {
        this.sortedKeys = this.keysSorted().filter((k) => this.history.has(k));
      }
      const drop = revision - this.logBase;
      if (drop > 0) {
        this.log.splice(0, drop);
        this.logBase = revision;
      }
      // Watchers that had not yet read past the compacted revision lost their events (etcd
      // ends such watchers the same way).
      for (const w of this.watchers) {
        if (w.cursor < revision && w.error === undefined) {
          w.error = compacted(w.cursor, revision);
          w.wake?.();
        }
      }
      return {
        compactedRevision: revision,
        details: { versionsDropped, keysDropped },
      };
    });
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const t of this.ttlTimers.values()) clearTimeout(t);
      this.ttlTimers.clear();
      for (const w of this.watchers) w.wake?.();
    }
    return Promise.resolve();
  }

  // ---- internals ----

  /** Runs a synchronous operation as a promise, failing when the backend is closed. */
  private sync<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError('Closed', 'memory backend is closed'));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private readRevision(revision: number | undefined): number {
    if (revision === undefined || revision <= 0) return this.revision;
    if (revision < this.compacted) throw compacted(revision, this.compacted);
    if (revision > this.revision) {
      throw new StorageError(
        'TooLargeResourceVersion',
        `revision ${revision} is newer than the current revision ${this.revision}`,
        { revision, currentRevision: this.revision },
      );
    }
    return revision;
  }

  private latest(key: string): StoredKv | undefined {
    const versions = this.history.get(key);
    return versions?.[versions.length - 1]?.kv;
  }

  private keysSorted(): string[] {
    if (this.unsorted.length > 0) {
      const add = this.unsorted.sort();
      this.unsorted = [];
      const old = this.sortedKeys;
      const merged = new Array<string>(old.length + add.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < old.length && j < add.length) {
        merged[k++] =
          (old[i] as string) < (add[j] as string) ? (old[i++] as string) : (add[j++] as string);
      }
      while (i < old.length) merged[k++] = old[i++] as string;
      while (j < add.length) merged[k++] = add[j++] as string;
      this.sortedKeys = merged;
    }
    return this.sortedKeys;
  }

  private appendVersion(key: string, version: Version): void {
    const versions = this.history.get(key);
    if (versions === undefined) {
      this.history.set(key, [version]);
      this.unsorted.push(key);
    } else {
      versions.push(version);
    }
  }

  private put(key: string, value: Uint8Array, prev: StoredKv | undefined): number {
    const rev = ++this.revision;
    const kv: StoredKv = {
      key,
      value,
      createRevision: prev?.createRevision ?? rev,
      modRevision: rev,
    };
    this.appendVersion(key, { modRevision: rev, kv });
    this.record({ type: 'put', key, revision: rev, kv, prevKv: prev });
    return rev;
  }

  private remove(key: string, prev: StoredKv): number {
    const rev = ++this.revision;
    this.appendVersion(key, { modRevision: rev, kv: undefined });
    this.setTtl(key, undefined);
    this.record({ type: 'delete', key, revision: rev, kv: undefined, prevKv: prev });
    return rev;
  }

  private record(entry: LogEntry): void {
    this.log.push(entry);
    for (const w of this.watchers) {
      // Events before the cursor (a watch that starts in the future) will never be delivered.
      if (!entry.key.startsWith(w.prefix) || w.error !== undefined || entry.revision < w.cursor) {
        continue;
      }
      w.pending++;
      if (w.pending > this.bufferSize) {
        w.error = new StorageError(
          'TooSlow',
          `watch on ${JSON.stringify(w.prefix)} fell more than ${this.bufferSize} events behind`,
        );
      }
      w.wake?.();
    }
  }

  /** Arms (or with `ttl` undefined, disarms) the expiry of `key`, replacing an earlier one. */
  private setTtl(key: string, ttl: number | undefined): void {
    const old = this.ttlTimers.get(key);
    if (old !== undefined) {
      clearTimeout(old);
      this.ttlTimers.delete(key);
    }
    if (ttl === undefined || this.closed) return;
    const timer = setTimeout(() => {
      if (this.ttlTimers.get(key) !== timer) return;
      this.ttlTimers.delete(key);
      const current = this.latest(key);
      if (current !== undefined && !this.closed) this.remove(key, current);
    }, ttl * 1000);
    // Expiry must not keep the process alive.
    timer.unref();
    this.ttlTimers.set(key, timer);
  }
}

function toEvent(entry: LogEntry): BackendEvent {
  const prevKv = entry.prevKv === undefined ? undefined : copyKv(entry.prevKv);
  const kv: KeyValue =
    entry.kv !== undefined
      ? copyKv(entry.kv)
      : { key: entry.key, value: EMPTY.slice(), createRevision: 0, modRevision: entry.revision };
  return prevKv === undefined ? { type: entry.type, kv } : { type: entry.type, kv, prevKv };
}

/**
 * Creates an empty in-memory Backend at revision 1. Everything is lost on close. Values are
 * copied on the way in and out, so callers own what they pass and what they get. Writes are
 * "durable" as soon as they are applied (there is nothing else to wait for).
 */
export function createMemoryBackend(opts: MemoryBackendOptions = {}): Backend {
  return new MemoryBackend(opts);
}
