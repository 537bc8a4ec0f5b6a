/**
 * `Store`: the object-level Storage over any byte-level Backend. A TypeScript port of the
 * semantics of Kubernetes' etcd3 store (k8s.io/apiserver/pkg/storage/etcd3/store.go and
 * watcher.go): JSON encoding without resourceVersion, resourceVersion = modRevision, list
 * resourceVersion/limit/continue semantics, optimistic read-modify-write with retry, and watch
 * event translation with predicate transitions. With a `transformer` (encryption at rest), every
 * value is transformed on its way to and from the backend, as upstream's store does; above the
 * Store (the watch cache, the API server) everything is plaintext.
 */
import type { Backend, BackendEvent, KeyValue, RangeResponse } from './backend.ts';
import { StorageError, isStorageError, keyExists, keyNotFound } from './errors.ts';
import type {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListResult,
  Preconditions,
  Storage,
  StoredObject,
  UpdateFunc,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
  Watcher,
} from './interface.ts';
import { decodeContinue, encodeContinue } from './store-continue.ts';
import { transformFromStorageError, transformToStorageError } from './transform/index.ts';
import type { StoreFromStorageResult, StoreTransformer } from './transform/index.ts';

/** Options of {@link Store}. */
export interface StoreOptions {
  /** Largest encoded object accepted by create/update (TooLarge above). Default 3 MiB. */
  maxValueBytes?: number;
  /** Interval of BOOKMARK events for watches that ask for progress. Default 5000 ms. */
  progressNotifyMs?: number;
  /**
   * Transforms every value written to and read from the backend (encryption at rest, e.g. the
   * API server's KeyPrefixTransformer). Absent: values are stored as their JSON, with no
   * per-request cost. A value that fails to transform makes the operation fail with an
   * Internal StorageError naming the key (the API server's 500).
   */
  transformer?: StoreTransformer;
}

/** Largest page read from the backend when a predicate filters a paginated list (upstream). */
const MAX_PAGE = 10000;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The current state of a key as guaranteedUpdate/delete see it. */
interface ObjState {
  /** The encoded plaintext as stored (or as encoded from a cached object). */
  data: Uint8Array | undefined;
  /** modRevision; 0 when the key does not exist. */
  rev: number;
  /** The stored value was not written by the transformer's preferred key: rewrite it. */
  stale: boolean;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function tooLargeRv(requested: number, current: number): StorageError {
  return new StorageError(
    'TooLargeResourceVersion',
    `Too large resource version: ${requested}, current: ${current}`,
    { revision: requested, currentRevision: current },
  );
}

/** Ensures a recursive prefix ends with '/' (so '/a/b' does not also list '/a/bc'). */
function asPrefix(key: string): string {
  return key.endsWith('/') ? key : `${key}/`;
}

/**
 * The one Storage implementation over a Backend. Objects returned are fresh copies owned by the
 * caller; objects passed in are never mutated. Thread-safety comes from the backend's
 * conditional writes: several Stores (processes) may share one backend.
 */
export class Store implements Storage {
  readonly name: string;
  private readonly backend: Backend;
  private readonly maxValueBytes: number;
  private readonly progressNotifyMs: number;
  private readonly transformer: StoreTransformer | undefined;

  constructor(backend: Backend, opts: StoreOptions = {}) {
    this.backend = backend;
    this.name = backend.name;
    this.maxValueBytes = opts.maxValueBytes ?? 3 * 1024 * 1024;
    this.progressNotifyMs = opts.progressNotifyMs ?? 5000;
    this.transformer = opts.transformer;
  }

  // ---- encoding ----

  /** JSON of `obj` without metadata.resourceVersion; `obj` is not mutated. */
  private encode(key: string, obj: StoredObject): Uint8Array {
    // Callers may bypass the types (the API server decodes bodies from JSON).
    const value: unknown = obj;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new StorageError('InvalidObject', `object to store at ${key} is not a JSON object`, {
        key,
      });
    }
    let toEncode: StoredObject = obj;
    if (obj.metadata?.resourceVersion !== undefined) {
      const metadata = { ...obj.metadata };
      delete metadata.resourceVersion;
      toEncode = { ...obj, metadata };
    }
    const data = encoder.encode(JSON.stringify(toEncode));
    if (data.byteLength > this.maxValueBytes) {
      throw new StorageError(
        'TooLarge',
        `object at ${key} is too large: ${data.byteLength} bytes, limit ${this.maxValueBytes}`,
        { key },
      );
    }
    return data;
  }

  /** Decodes stored bytes, stamping resourceVersion; Corrupt (naming the key) if undecodable. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the stored type
  private decode<T extends StoredObject>(key: string, data: Uint8Array, rev: number): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(data));
    } catch (err) {
      throw new StorageError('Corrupt', `stored value of ${key} cannot be decoded`, {
        key,
        revision: rev,
        cause: err,
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new StorageError('Corrupt', `stored value of ${key} is not a JSON object`, {
        key,
        revision: rev,
      });
    }
    const obj = parsed as T;
    obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(rev) };
    return obj;
  }

  /**
   * Decodes a stored key/value (its plaintext), stamping `rev`. `listing` picks upstream's list
   * wording for a transform failure.
   */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the stored type
  private decodeKv<T extends StoredObject>(kv: KeyValue, rev = kv.modRevision, listing = false): T {
    return this.decode<T>(kv.key, this.plain(kv, listing), rev);
  }

  /**
   * The plaintext of a stored value: the value itself without a transformer (no copy), else
   * what the transformer reads from it.
   */
  private plain(kv: KeyValue, listing = false): Uint8Array {
    const t = this.transformer;
    if (t === undefined) return kv.value;
    try {
      return t.fromStorage(kv.value, kv.key).data;
    } catch (err) {
      throw transformFromStorageError(kv.key, err, listing);
    }
  }

  /** The bytes to hand to the backend for the plaintext `data` of `key`. */
  private toStored(key: string, data: Uint8Array): Uint8Array {
    const t = this.transformer;
    if (t === undefined) return data;
    try {
      return t.toStorage(data, key);
    } catch (err) {
      throw transformToStorageError(key, err);
    }
  }

  // ---- verbs ----

  async create<T extends StoredObject>(key: string, obj: T, opts?: CreateOptions): Promise<T> {
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== '0') {
      throw new StorageError(
        'InvalidObject',
        'resourceVersion should not be set on objects to be created',
        { key },
      );
    }
    const data = this.encode(key, obj);
    const resp = await this.backend.create(
      key,
      this.toStored(key, data),
      opts?.ttlSeconds === undefined ? undefined : { ttlSeconds: opts.ttlSeconds },
    );
    if (!resp.succeeded) throw keyExists(key);
    return this.decode<T>(key, data, resp.revision);
  }

  get<T extends StoredObject>(
    key: string,
    opts: GetOptions & { ignoreNotFound: true },
  ): Promise<T | undefined>;
  get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T>;
  async get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T | undefined> {
    const resp = await this.backend.get(key);
    const min = opts?.resourceVersion;
    if (min !== undefined && min > 0 && resp.revision < min) throw tooLargeRv(min, resp.revision);
    if (resp.kv === undefined) {
      if (opts?.ignoreNotFound === true) return undefined;
      throw keyNotFound(key);
    }
    return this.decodeKv<T>(resp.kv);
  }

  async list<T extends StoredObject>(
    prefix: string,
    opts: ListOptions<T> = {},
  ): Promise<ListResult<T>> {
    const keyPrefix = asPrefix(prefix);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : 0;
    const paging = limit > 0;
    const pred = opts.predicate;

    let fromKey = keyPrefix;
    /** The snapshot to read; undefined: latest. */
    let withRev: number | undefined;
    /** For NotOlderThan reads: the minimum revision the latest state must have. */
    let minRev: number | undefined;
    const fromContinue = opts.continue !== undefined && opts.continue !== '';
    if (fromContinue) {
      const pos = decodeContinue(opts.continue ?? '', keyPrefix);
      fromKey = pos.fromKey;
      if (pos.revision > 0) withRev = pos.revision;
    } else if (opts.resourceVersion !== undefined && opts.resourceVersion > 0) {
      const rv = opts.resourceVersion;
      const match = opts.resourceVersionMatch ?? (paging ? 'Exact' : 'NotOlderThan');
      if (match === 'Exact') withRev = rv;
      else minRev = rv;
    }

    if (withRev !== undefined) {
      const current = await this.backend.currentRevision();
      if (withRev > current) throw tooLargeRv(withRev, current);
    }

    const items: T[] = [];
    let pageLimit = limit;
    let hasMore = false;
    let lastKey: string | undefined;
    let lastResp: RangeResponse | undefined;
    for (;;) {
      let resp: RangeResponse;
      try {
        resp = await this.backend.range({
          prefix: keyPrefix,
          startKey: fromKey,
          ...(paging ? { limit: pageLimit } : {}),
          ...(withRev !== undefined ? { revision: withRev } : {}),
        });
      } catch (err) {
        if (fromContinue && isStorageError(err, 'Compacted')) {
          throw new StorageError(
            'Compacted',
            'The provided continue parameter is too old to display a consistent list result. ' +
              'You can start a new list without the continue parameter.',
            { revision: withRev, currentRevision: err.currentRevision, cause: err },
          );
        }
        throw err;
      }
      lastResp = resp;
      if (minRev !== undefined && resp.revision < minRev) throw tooLargeRv(minRev, resp.revision);
      if (resp.kvs.length === 0 && resp.more) {
        throw new StorageError('Internal', 'no results were found, but the backend reported more');
      }
      hasMore = resp.more;
      for (const kv of resp.kvs) {
        if (paging && items.length >= limit) {
          hasMore = true;
          break;
        }
        lastKey = kv.key;
        const obj = this.decodeKv<T>(kv, kv.modRevision, true);
        if (pred === undefined || pred(obj)) items.push(obj);
      }
      // Every following page reads the same snapshot.
      withRev ??= resp.revision;
      if (!hasMore || !paging) break;
      if (items.length >= limit) break;
      if (pageLimit < MAX_PAGE) pageLimit = Math.min(pageLimit * 2, MAX_PAGE);
      fromKey = `${lastKey ?? fromKey}\u0000`;
    }

    const result: ListResult<T> = { items, resourceVersion: withRev };
    if (hasMore && lastKey !== undefined) {
      result.continue = encodeContinue(`${lastKey}\u0000`, keyPrefix, withRev);
      if (pred === undefined) {
        // Without a predicate the page is exactly the first `limit` keys of the range.
        result.remainingItemCount = lastResp.remaining;
      }
    }
    return result;
  }

  async guaranteedUpdate<T extends StoredObject>(
    key: string,
    tryUpdate: UpdateFunc<T>,
    opts: UpdateOptions<T> = {},
  ): Promise<T> {
    const ignoreNotFound = opts.ignoreNotFound === true;
    const getCurrentState = (): Promise<ObjState> => this.currentState(key, ignoreNotFound);
    let { state, isCurrent } = await this.initialState(key, opts.cachedExisting, ignoreNotFound);

    for (;;) {
      const current =
        state.data === undefined ? undefined : this.decode<T>(key, state.data, state.rev);
      const preconditionError = checkPreconditions(key, opts.preconditions, current);
      if (preconditionError !== undefined) {
        if (isCurrent) throw preconditionError;
        state = await getCurrentState();
        isCurrent = true;
        continue;
      }

      let updated: T;
      try {
        updated = await tryUpdate(current);
      } catch (err) {
        if (isCurrent) throw err;
        // Possibly stale cached data: re-read, and only retry if it really was stale.
        const cachedRev = state.rev;
        state = await getCurrentState();
        isCurrent = true;
        if (state.rev === cachedRev) throw err;
        continue;
      }

      const data = this.encode(key, updated);
      // A stale value (written with an older key, or before encryption was turned on) is
      // rewritten even when unchanged: that is how a rewrite of every object re-encrypts.
      if (!state.stale && state.data !== undefined && bytesEqual(data, state.data)) {
        if (!isCurrent) {
          state = await getCurrentState();
          isCurrent = true;
          continue;
        }
        return this.decode<T>(key, state.data, state.rev);
      }

      const writeOpts = opts.ttlSeconds === undefined ? undefined : { ttlSeconds: opts.ttlSeconds };
      const stored = this.toStored(key, data);
      const resp =
        state.rev === 0
          ? await this.backend.create(key, stored, writeOpts)
          : await this.backend.update(key, stored, state.rev, writeOpts);
      if (!resp.succeeded) {
        state = this.stateOf(key, resp.current, ignoreNotFound);
        isCurrent = true;
        continue;
      }
      return this.decode<T>(key, data, resp.revision);
    }
  }

  async delete<T extends StoredObject>(key: string, opts: DeleteOptions<T> = {}): Promise<T> {
    const getCurrentState = (): Promise<ObjState> => this.currentState(key, false);
    let { state, isCurrent } = await this.initialState(key, opts.cachedExisting, false);

    for (;;) {
      const data = state.data;
      if (data === undefined) throw keyNotFound(key);
      let failed = false;
      let failure: unknown;
      const preconditionError = checkPreconditions(
        key,
        opts.preconditions,
        this.decode<T>(key, data, state.rev),
      );
      if (preconditionError !== undefined) {
        failed = true;
        failure = preconditionError;
      } else if (opts.validateDeletion !== undefined) {
        try {
          await opts.validateDeletion(this.decode<T>(key, data, state.rev));
        } catch (err) {
          failed = true;
          failure = err;
        }
      }
      if (failed) {
        if (isCurrent) throw failure;
        const cachedRev = state.rev;
        state = await getCurrentState();
        isCurrent = true;
        if (state.rev === cachedRev) throw failure;
        continue;
      }

      const resp = await this.backend.delete(key, state.rev);
      if (!resp.succeeded) {
        state = this.stateOf(key, resp.current, false);
        isCurrent = true;
        continue;
      }
      // Like upstream, the returned object carries the revision of the delete.
      const last = resp.prevKv === undefined ? data : this.plain(resp.prevKv);
      return this.decode<T>(key, last, resp.revision);
    }
  }

  watch<T extends StoredObject>(key: string, opts: WatchOptions<T>): Watcher<T> {
    return { [Symbol.asyncIterator]: () => this.runWatch<T>(key, opts) };
  }

  private async *runWatch<T extends StoredObject>(
    key: string,
    opts: WatchOptions<T>,
  ): AsyncGenerator<WatchEvent<T>> {
    const { signal, predicate: pred } = opts;
    const prefix = opts.recursive ? asPrefix(key) : key;
    const matchesKey = (k: string): boolean => opts.recursive || k === key;
    let startRev: number;
    try {
      if (opts.resourceVersion === undefined || opts.resourceVersion === 0) {
        // Initial state: one ADDED per existing (matching) object at revision R.
        let kvs: KeyValue[];
        let rev: number;
        if (opts.recursive) {
          const resp = await this.backend.range({ prefix });
          kvs = resp.kvs;
          rev = resp.revision;
        } else {
          const resp = await this.backend.get(key);
          kvs = resp.kv === undefined ? [] : [resp.kv];
          rev = resp.revision;
        }
        for (const kv of kvs) {
          if (isAborted(signal)) return;
          const obj = this.decodeKv<T>(kv);
          if (pred !== undefined && !pred(obj)) continue;
          yield { type: 'ADDED', object: obj, resourceVersion: kv.modRevision };
        }
        if (opts.initialEventsEnd === true && !isAborted(signal)) {
          yield { type: 'BOOKMARK', resourceVersion: rev, initialEventsEnd: true };
        }
        startRev = rev + 1;
      } else {
        startRev = opts.resourceVersion + 1;
      }
      if (isAborted(signal)) return;

      const messages = this.backend.watch(prefix, startRev, {
        signal,
        ...(opts.progressNotify === true ? { progressNotifyMs: this.progressNotifyMs } : {}),
      });
      for await (const msg of messages) {
        if (isAborted(signal)) return;
        if (msg.kind === 'progress') {
          if (opts.progressNotify === true) {
            yield { type: 'BOOKMARK', resourceVersion: msg.revision };
          }
          continue;
        }
        for (const e of msg.events) {
          if (!matchesKey(e.kv.key)) continue;
          const out = this.translate<T>(e, pred);
          if (out !== undefined) yield out;
          if (isAborted(signal)) return;
        }
      }
    } catch (err) {
      if (isAborted(signal)) return;
      if (isStorageError(err)) throw err;
      throw new StorageError('Internal', `watch of ${key} failed`, { key, cause: err });
    }
  }

  /** Kubernetes' watch event translation (etcd3/watcher.go transform). */
  private translate<T extends StoredObject>(
    e: BackendEvent,
    pred: ((obj: T) => boolean) | undefined,
  ): WatchEvent<T> | undefined {
    const rev = e.kv.modRevision;
    const prevKv = e.prevKv;
    if (e.type === 'delete') {
      if (prevKv === undefined) return undefined;
      // The previous value is transformed once and decoded into two objects.
      const prevData = this.plain(prevKv);
      const old = this.decode<T>(prevKv.key, prevData, rev);
      if (pred !== undefined && !pred(old)) return undefined;
      return {
        type: 'DELETED',
        object: old,
        prevObject: this.decode<T>(prevKv.key, prevData, prevKv.modRevision),
        resourceVersion: rev,
      };
    }
    const cur = this.decodeKv<T>(e.kv);
    if (prevKv === undefined) {
      if (pred !== undefined && !pred(cur)) return undefined;
      return { type: 'ADDED', object: cur, resourceVersion: rev };
    }
    const prevData = this.plain(prevKv);
    const prev = this.decode<T>(prevKv.key, prevData, prevKv.modRevision);
    if (pred === undefined) {
      return { type: 'MODIFIED', object: cur, prevObject: prev, resourceVersion: rev };
    }
    const curPasses = pred(cur);
    const oldPasses = pred(prev);
    if (curPasses && oldPasses) {
      return { type: 'MODIFIED', object: cur, prevObject: prev, resourceVersion: rev };
    }
    if (curPasses) return { type: 'ADDED', object: cur, prevObject: prev, resourceVersion: rev };
    if (oldPasses) {
      // The object left the selection: report its last matching state at this revision.
      return {
        type: 'DELETED',
        object: this.decode<T>(prevKv.key, prevData, rev),
        prevObject: prev,
        resourceVersion: rev,
      };
    }
    return undefined;
  }

  count(prefix: string): Promise<number> {
    return this.backend.count(asPrefix(prefix));
  }

  currentResourceVersion(): Promise<number> {
    return this.backend.currentRevision();
  }

  async compact(revision: number): Promise<void> {
    await this.backend.compact(revision);
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  // ---- helpers ----

  /** Reads the key's current state from the backend. */
  private async currentState(key: string, ignoreNotFound: boolean): Promise<ObjState> {
    const resp = await this.backend.get(key);
    return this.stateOf(key, resp.kv, ignoreNotFound);
  }

  /**
   * The state a read-modify-write starts from: the caller's cached copy when given (not yet
   * known to be current), otherwise a fresh read.
   */
  private async initialState(
    key: string,
    cachedExisting: StoredObject | undefined,
    ignoreNotFound: boolean,
  ): Promise<{ state: ObjState; isCurrent: boolean }> {
    if (cachedExisting !== undefined) {
      return { state: this.stateFromObject(key, cachedExisting), isCurrent: false };
    }
    return { state: await this.currentState(key, ignoreNotFound), isCurrent: true };
  }

  private stateOf(key: string, kv: KeyValue | undefined, ignoreNotFound: boolean): ObjState {
    if (kv === undefined) {
      if (!ignoreNotFound) throw keyNotFound(key);
      return { data: undefined, rev: 0, stale: false };
    }
    const t = this.transformer;
    if (t === undefined) return { data: kv.value, rev: kv.modRevision, stale: false };
    let plain: StoreFromStorageResult;
    try {
      plain = t.fromStorage(kv.value, key);
    } catch (err) {
      throw transformFromStorageError(key, err);
    }
    return { data: plain.data, rev: kv.modRevision, stale: plain.stale };
  }

  private stateFromObject(key: string, obj: StoredObject): ObjState {
    const rv = Number(obj.metadata?.resourceVersion ?? '0');
    // encode() strips resourceVersion and never mutates the cached object.
    // Like upstream, a cached object is not known to be stale; the re-read that precedes a
    // skipped write learns it.
    return {
      data: this.encode(key, obj),
      rev: Number.isSafeInteger(rv) && rv > 0 ? rv : 0,
      stale: false,
    };
  }
}

/** Reads the flag through a call so that TypeScript does not narrow it across awaits. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** Upstream's Preconditions.Check, with its messages. Undefined when the conditions hold. */
function checkPreconditions(
  key: string,
  pre: Preconditions | undefined,
  obj: StoredObject | undefined,
): StorageError | undefined {
  if (pre === undefined) return undefined;
  const uid = obj?.metadata?.uid ?? '';
  if (pre.uid !== undefined && pre.uid !== uid) {
    return new StorageError(
      'PreconditionFailed',
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${uid}`,
      { key },
    );
  }
  const rv = obj?.metadata?.resourceVersion ?? '';
  if (pre.resourceVersion !== undefined && pre.resourceVersion !== rv) {
    return new StorageError(
      'PreconditionFailed',
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${rv}`,
      { key },
    );
  }
  return undefined;
}
