/**
 * The etcd driver: the Backend contract mapped onto etcd v3's KV, Lease and Watch APIs through
 * the `etcd3` client (gRPC). Revisions are etcd's own; keys are stored as given (Kubernetes'
 * `/registry/...` layout) behind an optional `keyPrefix`, which lets several stores share one
 * etcd (tests give each case its own prefix).
 */
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Etcd3 } from 'etcd3';
import type { ICompare, IKeyValue, IRangeRequest, IRequestOp, ITxnResponse } from 'etcd3';
import type {
  Backend,
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
import { isCompactedError, isLeaseNotFound, isUnavailable, toStorageError } from './errors.ts';
import { LeaseCache } from './leases.ts';
import { EtcdWatch } from './watch.ts';
import type { WatchContext } from './watch.ts';

/** Options for {@link openEtcdBackend}. */
export interface EtcdBackendOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379`; https URLs need `tls`. Requests fail over between them. */
  endpoints: string[];
  /** PEM file paths: CA to verify the server, and a client certificate and key. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** Prepended to every key on the wire and stripped from keys read back. */
  keyPrefix?: string;
  /**
   * How long to keep trying to reach a member (at open, and when all members are unavailable)
   * before failing with `Unreachable`. Default 5000 ms.
   */
  dialTimeoutMs?: number;
  /** Default progress interval for watches that ask for progress without an interval of their own. */
  progressNotifyMs?: number;
  /** Deadline of each request; exceeded → `Timeout`. Default 30000 ms. */
  requestTimeoutMs?: number;
  /** Per-watch buffer limit in events before the watch ends with `TooSlow`. Default 10000. */
  watchBufferEvents?: number;
  /** Per-watch buffer limit in value bytes before the watch ends with `TooSlow`. Default 64 MiB. */
  watchBufferBytes?: number;
}

const defaultDialTimeoutMs = 5000;
const defaultRequestTimeoutMs = 30_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The smallest key greater than every key with this prefix ([0] = to the end of the keyspace). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i] ?? 0;
    if (byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/**
 * Whether this etcd version answers `progress_request` only after delivering pending events
 * (fixed in 3.4.25 and 3.5.8; etcd-io/etcd#15220). Older servers may report a revision ahead of
 * undelivered events, which would break the progress contract.
 */
export function progressRequestIsSafe(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (m === null) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (major !== 3) return major > 3;
  if (minor >= 6) return true;
  if (minor === 5) return patch >= 8;
  if (minor === 4) return patch >= 25;
  return false;
}

class EtcdBackend implements Backend {
  readonly name = 'etcd';
  private readonly client: Etcd3;
  private readonly keyPrefix: string;
  private readonly dialTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly defaultProgressNotifyMs: number | undefined;
  private readonly leases: LeaseCache;
  private readonly watches = new Set<EtcdWatch>();
  private readonly watchCtx: WatchContext;
  private knownCompacted = 0;
  private closed = false;
  private progressSafe = false;

  constructor(client: Etcd3, opts: EtcdBackendOptions) {
    this.client = client;
    this.keyPrefix = opts.keyPrefix ?? '';
    this.dialTimeoutMs = opts.dialTimeoutMs ?? defaultDialTimeoutMs;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? defaultRequestTimeoutMs;
    this.defaultProgressNotifyMs = opts.progressNotifyMs;
    this.leases = new LeaseCache(async (ttl) => {
      const res = await this.rpc('lease grant', undefined, (deadline) =>
        this.client.leaseClient.leaseGrant({ TTL: ttl }, { deadline }),
      );
      return res.ID;
    });
    this.watchCtx = {
      client,
      supportsProgressRequest: () => this.progressSafe,
      reconnectBudgetMs: this.dialTimeoutMs,
      maxBufferedEvents: opts.watchBufferEvents ?? 10_000,
      maxBufferedBytes: opts.watchBufferBytes ?? 64 * 1024 * 1024,
      toKv: (kv) => this.toKv(kv),
      stripKey: (key) => this.stripKey(key),
      noteCompacted: (rev) => {
        this.noteCompacted(rev);
      },
    };
  }

  /** Checks that some member answers within the dial timeout and learns its version. */
  async probe(): Promise<void> {
    const started = Date.now();
    try {
      const status = await this.rpc(
        'status',
        undefined,
        (deadline) => this.client.maintenance.status({ deadline }),
        started + this.dialTimeoutMs,
      );
      this.progressSafe = progressRequestIsSafe(status.version);
    } catch (err) {
      const cause = err instanceof StorageError && err.cause !== undefined ? err.cause : err;
      throw new StorageError(
        'Unreachable',
        `etcd unreachable within ${String(this.dialTimeoutMs)} ms: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
  }

  /** A method, not a field read, because close() may run while a request is in flight. */
  private isClosed(): boolean {
    return this.closed;
  }

  private wire(key: string): Buffer {
    return Buffer.from(this.keyPrefix + key, 'utf8');
  }

  private stripKey(key: Buffer): string {
    const s = key.toString('utf8');
    return s.startsWith(this.keyPrefix) ? s.slice(this.keyPrefix.length) : s;
  }

  private toKv(kv: IKeyValue): KeyValue {
    return {
      key: this.stripKey(kv.key),
      // Copy: the caller owns the value, and a plain Uint8Array compares equal to one.
      value: new Uint8Array(kv.value),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
    };
  }

  private noteCompacted(rev: number): void {
    if (rev > this.knownCompacted) this.knownCompacted = rev;
  }

  /**
   * Runs one request with a deadline, retrying while no member is available (down, no leader,
   * circuit open) with backoff until `until` (default: now + dial timeout), then fails with
   * `Unreachable`. Retried writes are conditional transactions, so a write that was applied
   * before its connection broke shows up as a failed comparison, not as a double write.
   */
  private async rpc<T>(
    op: string,
    key: string | undefined,
    fn: (deadline: Date) => Promise<T>,
    until?: number,
  ): Promise<T> {
    if (this.closed) throw new StorageError('Closed', `etcd ${op}: backend closed`, { key });
    const giveUpAt = until ?? Date.now() + this.dialTimeoutMs;
    let delay = 20;
    for (;;) {
      try {
        return await fn(new Date(until ?? Date.now() + this.requestTimeoutMs));
      } catch (err) {
        if (this.isClosed()) {
          throw new StorageError('Closed', `etcd ${op}: backend closed`, { key });
        }
        if (isUnavailable(err) && Date.now() + delay < giveUpAt) {
          await sleep(delay);
          delay = Math.min(delay * 2, 500);
          continue;
        }
        throw err;
      }
    }
  }

  /** Like rpc, translating errors; `readRevision` turns ErrCompacted into a Compacted error. */
  private async call<T>(
    op: string,
    key: string | undefined,
    fn: (deadline: Date) => Promise<T>,
    readRevision?: number,
  ): Promise<T> {
    try {
      return await this.rpc(op, key, fn);
    } catch (err) {
      if (readRevision !== undefined && isCompactedError(err)) {
        const rev = await this.compactedRevision();
        throw compacted(readRevision, rev);
      }
      throw toStorageError(err, op, key);
    }
  }

  async get(key: string, revision?: number): Promise<GetResponse> {
    const res = await this.call(
      'get',
      key,
      (deadline) =>
        this.client.kv.range({ key: this.wire(key), revision: revision ?? 0 }, { deadline }),
      revision,
    );
    const kv = res.kvs[0];
    return {
      kv: kv === undefined ? undefined : this.toKv(kv),
      revision: revision ?? Number(res.header.revision),
    };
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    const prefix = this.wire(req.prefix);
    const end = prefixEnd(prefix);
    let start = prefix;
    if (req.startKey !== undefined) {
      const s = this.wire(req.startKey);
      if (Buffer.compare(s, prefix) > 0) start = s;
    }
    const rr: IRangeRequest = {
      key: start,
      range_end: end,
      limit: req.limit ?? 0,
      revision: req.revision ?? 0,
    };
    const res = await this.call(
      'range',
      req.prefix,
      (deadline) => this.client.kv.range(rr, { deadline }),
      req.revision,
    );
    const kvs = res.kvs.map((kv) => this.toKv(kv));
    const more = res.more;
    return {
      kvs,
      more,
      remaining: more ? Math.max(0, Number(res.count) - kvs.length) : 0,
      revision: req.revision ?? Number(res.header.revision),
    };
  }

  async count(prefix: string): Promise<number> {
    const key = this.wire(prefix);
    const res = await this.call('count', prefix, (deadline) =>
      this.client.kv.range({ key, range_end: prefixEnd(key), count_only: true }, { deadline }),
    );
    return Number(res.count);
  }

  async currentRevision(): Promise<number> {
    // Any single-key read carries the store's revision in its header.
    const res = await this.call('current revision', undefined, (deadline) =>
      this.client.kv.range({ key: Buffer.from([0]), count_only: true }, { deadline }),
    );
    return Number(res.header.revision);
  }

  /**
   * etcd has no call that returns the compacted revision, so find the oldest readable revision
   * by bisection over count-only reads (a few ms); 1 (the empty state) when never compacted.
   */
  async compactedRevision(): Promise<number> {
    const readable = async (rev: number): Promise<boolean> => {
      try {
        await this.rpc('compacted revision', undefined, (deadline) =>
          this.client.kv.range(
            { key: Buffer.from([0]), count_only: true, revision: rev },
            { deadline },
          ),
        );
        return true;
      } catch (err) {
        if (isCompactedError(err)) return false;
        throw toStorageError(err, 'compacted revision');
      }
    };
    try {
      const lowGuess = Math.max(1, this.knownCompacted);
      if (await readable(lowGuess)) {
        return lowGuess;
      }
      let lo = lowGuess; // not readable
      let hi = await this.currentRevision(); // always readable
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (await readable(mid)) hi = mid;
        else lo = mid;
      }
      this.noteCompacted(hi);
      return hi;
    } catch (err) {
      throw toStorageError(err, 'compacted revision');
    }
  }

  private async leaseFor(opts: WriteOptions | undefined): Promise<string | undefined> {
    const ttl = opts?.ttlSeconds;
    if (ttl === undefined || ttl <= 0) return undefined;
    return this.leases.leaseFor(ttl);
  }

  /** Runs a write txn; a put that names a lease etcd has forgotten is retried with a new one. */
  private async writeTxn(
    op: string,
    key: string,
    opts: WriteOptions | undefined,
    build: (lease: string | undefined) => {
      compare: ICompare[];
      success: IRequestOp[];
      failure: IRequestOp[];
    },
  ): Promise<ITxnResponse> {
    for (let attempt = 0; ; attempt++) {
      const lease = await this.leaseFor(opts);
      try {
        return await this.rpc(op, key, (deadline) =>
          this.client.kv.txn(build(lease), { deadline }),
        );
      } catch (err) {
        if (lease !== undefined && isLeaseNotFound(err) && attempt === 0) {
          this.leases.invalidate(lease);
          continue;
        }
        throw toStorageError(err, op, key);
      }
    }
  }

  private failedWrite(res: ITxnResponse): WriteResponse {
    const kv = res.responses[0]?.response_range.kvs[0];
    const revision = Number(res.header.revision);
    return kv === undefined
      ? { succeeded: false, revision }
      : { succeeded: false, revision, current: this.toKv(kv) };
  }

  async create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResponse> {
    const k = this.wire(key);
    const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const res = await this.writeTxn('create', key, opts, (lease) => ({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value: v, ...(lease === undefined ? {} : { lease }) } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (!res.succeeded) return this.failedWrite(res);
    return { succeeded: true, revision: Number(res.header.revision) };
  }

  async update(
    key: string,
    value: Uint8Array,
    expectedModRevision: number,
    opts?: WriteOptions,
  ): Promise<WriteResponse> {
    const k = this.wire(key);
    const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const res = await this.writeTxn('update', key, opts, (lease) => ({
      compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision }],
      success: [
        {
          request_put: {
            key: k,
            value: v,
            prev_kv: true,
            ...(lease === undefined ? {} : { lease }),
          },
        },
      ],
      failure: [{ request_range: { key: k } }],
    }));
    if (!res.succeeded) return this.failedWrite(res);
    const prev = res.responses[0]?.response_put.prev_kv as IKeyValue | null | undefined;
    const revision = Number(res.header.revision);
    return prev === null || prev === undefined
      ? { succeeded: true, revision }
      : { succeeded: true, revision, prevKv: this.toKv(prev) };
  }

  async delete(key: string, expectedModRevision?: number): Promise<WriteResponse> {
    const k = this.wire(key);
    const compare: ICompare =
      expectedModRevision === undefined
        ? { key: k, target: 'Version', result: 'Greater', version: 0 }
        : { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision };
    const res = await this.writeTxn('delete', key, undefined, () => ({
      compare: [compare],
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (!res.succeeded) return this.failedWrite(res);
    const del = res.responses[0]?.response_delete_range;
    const prev = del?.prev_kvs[0];
    const revision = Number(res.header.revision);
    if (prev === undefined) return { succeeded: false, revision };
    return { succeeded: true, revision, prevKv: this.toKv(prev) };
  }

  watch(
    prefix: string,
    startRevision: number,
    opts: BackendWatchOptions,
  ): AsyncIterable<BackendWatchMessage> {
    if (this.closed) {
      throw new StorageError('Closed', 'etcd watch: backend closed', { key: prefix });
    }
    const key = this.wire(prefix);
    const w: EtcdWatch = new EtcdWatch(
      this.watchCtx,
      {
        key,
        rangeEnd: prefixEnd(key),
        startRevision: Math.max(1, startRevision),
        progressNotifyMs: opts.progressNotifyMs ?? this.defaultProgressNotifyMs,
      },
      () => {
        this.watches.delete(w);
        opts.signal.removeEventListener('abort', onAbort);
      },
    );
    const onAbort = (): void => {
      w.end();
    };
    if (opts.signal.aborted) {
      w.end();
    } else {
      opts.signal.addEventListener('abort', onAbort, { once: true });
      this.watches.add(w);
    }
    return w;
  }

  async compact(revision: number): Promise<CompactResponse> {
    const started = Date.now();
    try {
      await this.rpc('compact', undefined, (deadline) =>
        this.client.kv.compact({ revision, physical: false }, { deadline }),
      );
      this.noteCompacted(revision);
    } catch (err) {
      // Compacting to (or below) the current compaction is a no-op by contract.
      if (!isCompactedError(err)) throw toStorageError(err, 'compact');
      return { compactedRevision: await this.compactedRevision(), details: { noop: 1 } };
    }
    return {
      compactedRevision: this.knownCompacted,
      details: { ms: Date.now() - started },
    };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const w of [...this.watches]) w.end();
    this.client.close();
    return Promise.resolve();
  }
}

async function loadCredentials(
  tls: EtcdBackendOptions['tls'],
): Promise<{ rootCertificate: Buffer; privateKey?: Buffer; certChain?: Buffer } | undefined> {
  if (tls === undefined) return undefined;
  const [ca, cert, key] = await Promise.all([
    tls.ca === undefined ? undefined : readFile(tls.ca),
    tls.cert === undefined ? undefined : readFile(tls.cert),
    tls.key === undefined ? undefined : readFile(tls.key),
  ]);
  return {
    // Without a CA, verify against Node's bundled roots.
    rootCertificate: ca ?? Buffer.from(rootCertificates.join('\n')),
    ...(key === undefined ? {} : { privateKey: key }),
    ...(cert === undefined ? {} : { certChain: cert }),
  };
}

/**
 * Connects to etcd and resolves once a member answered (within `dialTimeoutMs`, else rejects
 * with `Unreachable`). The caller owns the backend and must `close()` it. Throws StorageError
 * only; a missing TLS file rejects with `Internal`.
 */
export async function openEtcdBackend(opts: EtcdBackendOptions): Promise<Backend> {
  if (opts.endpoints.length === 0) {
    throw new StorageError('Internal', 'etcd: no endpoints given');
  }
  let credentials;
  try {
    credentials = await loadCredentials(opts.tls);
  } catch (err) {
    throw new StorageError('Internal', `etcd: cannot read TLS files: ${String(err)}`, {
      cause: err,
    });
  }
  const hosts =
    credentials === undefined
      ? opts.endpoints
      : opts.endpoints.map((e) => e.replace(/^http:\/\//, 'https://'));
  const client = new Etcd3({
    hosts,
    ...(credentials === undefined ? {} : { credentials }),
    grpcOptions: {
      // Lists of large objects exceed gRPC's 4 MiB default (Kubernetes uses MaxInt32 too).
      'grpc.max_receive_message_length': 2 ** 31 - 1,
      'grpc.max_send_message_length': 2 ** 31 - 1,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
    },
  });
  const backend = new EtcdBackend(client, opts);
  try {
    await backend.probe();
  } catch (err) {
    await backend.close();
    throw err;
  }
  return backend;
}
