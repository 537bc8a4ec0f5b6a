/**
 * The SQLite Backend: Skiff's embedded default datastore. See protocol.ts for the schema and
 * the compaction rule, writer-client.ts / writer-worker.ts for group commit, watch-hub.ts for
 * watches, reader.ts for reads.
 */
import type Database from 'better-sqlite3';
import { sqliteDatabase } from './native.ts';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StorageError } from '../errors.ts';
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
import { startAutoCompaction } from './auto-compaction.ts';
import type { AutoCompactionOptions } from './auto-compaction.ts';
import type { OpResult, RowKv, WriteOp } from './protocol.ts';
import { Reader } from './reader.ts';
import { WatchHub } from './watch-hub.ts';
import { WriterClient } from './writer-client.ts';
import type { WriterStats } from './writer-client.ts';
import type { CheckpointOptions, CheckpointStats } from './inline-writer.ts';
import type { CheckpointWorkerFactory } from './checkpoint-worker.ts';

export interface SqliteBackendOptions {
  /** The data file. Parent directories are created. Side files: `-wal`, `-shm`, `-lock`. */
  path: string;
  /** Undelivered events one watcher may hold before it ends with TooSlow. Default 10000. */
  maxWatchBuffer?: number;
  /** History rows read per watch replay step. Default 1000. */
  replayChunk?: number;
  /** TTL sweep period. Default 1000 ms. */
  ttlSweepMs?: number;
  /** Log rows scanned per compaction transaction (each well under 100 ms). Default 500. */
  compactBatchRows?: number;
  /** Free pages returned to the file system per vacuum step. Default 4096 (16 MiB). */
  vacuumPages?: number;
  /** Largest value accepted; larger ones fail with TooLarge. Default 16 MiB. */
  maxValueBytes?: number;
  /** SQLite busy timeout for both connections. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Page cache per connection. Default 32768 KiB. */
  cacheSizeKiB?: number;
  /** Memory-mapped reads on the read connection. Default 256 MiB. */
  mmapBytes?: number;
  /**
   * WAL pages (frames) waiting to be copied before a passive checkpoint is due. Default 1000.
   * The WAL restarts from its beginning around 4x this and is bounded by 10x (inline-writer.ts).
   */
  walAutocheckpointPages?: number;
  /**
   * Where checkpoints run: 'worker' (default; a worker thread started at the first checkpoint
   * due, so they never stall the event loop) or 'inline' (SQLite's automatic checkpoints on the
   * writer's connection). See inline-writer.ts.
   */
  checkpoints?: 'worker' | 'inline';
  /** Hears, once per kind, a failed worker checkpoint or the fallback to inline checkpoints. */
  onCheckpointError?: (message: string) => void;
  /** @internal Starts the checkpoint worker thread (tests make it fail). */
  checkpointWorkerFactory?: CheckpointWorkerFactory;
  /**
   * Background compaction (see auto-compaction.ts): default on, keeping the last 1000
   * revisions and compacting once 1000 more accumulated (checked every second), so the file
   * stays bounded under endless churn. `false` turns it off (the caller
   * then compacts, e.g. the API server's own compactor).
   */
  autoCompaction?: AutoCompactionOptions | false;
  /** Clock for TTLs (ms since the epoch). Default Date.now. */
  now?: () => number;
}

/** Counters for tests and benchmarks. */
export interface SqliteStats extends WriterStats {
  watchers: number;
  /** WAL checkpoints: how many ran on the worker, inline, and the WAL's largest size. */
  checkpoints: CheckpointStats;
}

/** A Backend with SQLite-specific introspection. */
export interface SqliteBackend extends Backend {
  readonly path: string;
  /** A snapshot of the counters (a new object each call). */
  stats(): SqliteStats;
}

const EMPTY = new Uint8Array(0);

function kvOf(row: RowKv): KeyValue {
  return {
    key: row.key,
    value: row.value,
    createRevision: row.createRevision,
    modRevision: row.modRevision,
  };
}

/** Holds an exclusive SQLite lock on `<path>-lock` for the backend's lifetime. */
function acquireLock(path: string): Database.Database {
  const lockPath = `${path}-lock`;
  let db: Database.Database | undefined;
  try {
    db = new (sqliteDatabase())(lockPath);
    db.pragma('busy_timeout = 0');
    db.pragma('locking_mode = EXCLUSIVE');
    // An open exclusive transaction: POSIX locks, released by the kernel if we die (kill -9).
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (err) {
    db?.close();
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new StorageError(
        'Locked',
        `the data file ${path} is locked (${lockPath} is held): another Skiff process is probably using it`,
        { cause: err },
      );
    }
    throw new StorageError('Internal', `cannot lock ${lockPath}`, { cause: err });
  }
}

function releaseLock(db: Database.Database): void {
  if (!db.open) return;
  try {
    db.exec('ROLLBACK');
  } finally {
    db.close();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

class SqliteBackendImpl implements SqliteBackend {
  readonly name = 'sqlite';
  private closed = false;
  private closing: Promise<void> | null = null;
  private compactChain: Promise<unknown> = Promise.resolve();
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping = false;
  private stopAutoCompaction: (() => void) | undefined;
  private readonly hub: WatchHub;
  private readonly now: () => number;
  private readonly maxValueBytes: number;
  private readonly compactBatchRows: number;
  private readonly vacuumPages: number;
  private writer!: WriterClient;

  constructor(
    readonly path: string,
    private readonly reader: Reader,
    private readonly lock: Database.Database,
    initialRevision: number,
    opts: SqliteBackendOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.maxValueBytes = opts.maxValueBytes ?? 16 * 1024 * 1024;
    this.compactBatchRows = opts.compactBatchRows ?? 500;
    this.vacuumPages = opts.vacuumPages ?? 4096;
    this.hub = new WatchHub(
      reader,
      { maxBuffered: opts.maxWatchBuffer ?? 10000, replayChunk: opts.replayChunk ?? 1000 },
      initialRevision,
    );
    this.sweepTimer = setInterval(() => {
      this.sweep();
    }, opts.ttlSweepMs ?? 1000);
    this.sweepTimer.unref();
  }

  /** @internal Wires the writer once it exists (the writer's commit hook needs `this`). */
  attach(writer: WriterClient, opts: SqliteBackendOptions): void {
    this.writer = writer;
    if (opts.autoCompaction !== false) {
      this.stopAutoCompaction = startAutoCompaction(this, opts.autoCompaction ?? {});
    }
  }

  /** @internal Publishes one committed batch to watchers, in revision order. */
  onCommit(ops: WriteOp[], results: OpResult[], revision: number): void {
    const events: BackendEvent[] = [];
    ops.forEach((op, i) => {
      const r = results[i];
      if (r === undefined || !r.ok) return;
      const kv: KeyValue =
        op.op === 'delete'
          ? { key: op.key, value: EMPTY, createRevision: 0, modRevision: r.revision }
          : {
              key: op.key,
              value: op.value,
              createRevision: r.createRevision,
              modRevision: r.revision,
            };
      const event: BackendEvent = { type: op.op === 'delete' ? 'delete' : 'put', kv };
      if (r.prev !== undefined) event.prevKv = kvOf(r.prev);
      events.push(event);
    });
    this.hub.publish(events, revision);
  }

  stats(): SqliteStats {
    return {
      ...this.writer.stats,
      watchers: this.hub.size,
      checkpoints: this.writer.checkpointStats(),
    };
  }

  get(key: string, revision?: number): Promise<GetResponse> {
    return this.read(() => this.reader.get(key, revision));
  }

  range(req: RangeRequest): Promise<RangeResponse> {
    return this.read(() => {
      const limit = req.limit ?? 0;
      const r = this.reader.range(req.prefix, req.startKey, limit, req.revision);
      const more = limit > 0 && r.total > limit;
      return {
        kvs: r.kvs,
        more,
        remaining: more ? r.total - r.kvs.length : 0,
        revision: r.revision,
      };
    });
  }

  count(prefix: string): Promise<number> {
    return this.read(() => this.reader.count(prefix));
  }

  currentRevision(): Promise<number> {
    return this.read(() => this.reader.snapshot().revision);
  }

  compactedRevision(): Promise<number> {
    return this.read(() => this.reader.snapshot().compactRev);
  }

  create(key: string, value: Uint8Array, opts?: WriteOptions): Promise<WriteResponse> {
    return this.write(key, value, (v) => ({
      op: 'create',
      key,
      value: v,
      expiresAt: this.expiry(opts),
    }));
  }

  update(
    key: string,
    value: Uint8Array,
    expectedModRevision: number,
    opts?: WriteOptions,
  ): Promise<WriteResponse> {
    return this.write(key, value, (v) => ({
      op: 'update',
      key,
      value: v,
      expected: expectedModRevision,
      expiresAt: this.expiry(opts),
    }));
  }

  delete(key: string, expectedModRevision?: number): Promise<WriteResponse> {
    return this.write(key, undefined, () => ({
      op: 'delete',
      key,
      expected: expectedModRevision ?? null,
    }));
  }

  watch(
    prefix: string,
    startRevision: number,
    opts: BackendWatchOptions,
  ): AsyncIterable<BackendWatchMessage> {
    if (this.closed) {
      const err = new StorageError('Closed', `sqlite store ${this.path} is closed`);
      return {
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }),
      };
    }
    return this.hub.watch(prefix, startRevision, opts);
  }

  compact(revision: number): Promise<CompactResponse> {
    const run = this.compactChain.then(
      () => this.doCompact(revision),
      () => this.doCompact(revision),
    );
    this.compactChain = run.catch(() => undefined);
    return run;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.stopAutoCompaction?.();
    this.hub.closeAll();
    try {
      await this.writer.close();
    } finally {
      this.reader.close();
      releaseLock(this.lock);
    }
  }

  private async doCompact(revision: number): Promise<CompactResponse> {
    this.checkOpen();
    const started = performance.now();
    const snap = this.reader.snapshot();
    if (revision > snap.revision) {
      throw new StorageError(
        'TooLargeResourceVersion',
        `cannot compact to revision ${revision}: newer than the current revision ${snap.revision}`,
        { revision, currentRevision: snap.revision },
      );
    }
    const target = revision;
    const fileBefore = fileSize(this.path) + fileSize(`${this.path}-wal`);
    let batches = 0;
    let rowsScanned = 0;
    let rowsDeleted = 0;
    let maxBatchMs = 0;
    let compactRev = snap.compactRev;
    for (;;) {
      this.checkOpen();
      const step = await this.writer.compactStep(target, this.compactBatchRows);
      batches++;
      rowsScanned += step.rowsScanned;
      rowsDeleted += step.rowsDeleted;
      maxBatchMs = Math.max(maxBatchMs, step.ms);
      compactRev = step.compactRev;
      if (step.done) break;
    }
    let bytesReclaimed = 0;
    let vacuumSteps = 0;
    const pages = this.reader.pageStats();
    if (rowsDeleted > 0) {
      // Give space back once a tenth of the file is free. Below that, new rows reuse the free
      // pages, which is cheaper than moving pages (incremental_vacuum) and growing again.
      // Then free them all, in steps, so this happens rarely under steady churn.
      if (pages.freelist * 10 > pages.pageCount) {
        for (;;) {
          this.checkOpen();
          const v = await this.writer.vacuum(this.vacuumPages);
          vacuumSteps++;
          bytesReclaimed += v.freedPages * v.pageSize;
          if (v.freedPages === 0 || v.freelistPages === 0) break;
        }
      }
      // PASSIVE never waits; TRUNCATE then resets the WAL file to zero bytes (kine#582: a WAL
      // that is never fully checkpointed grows without bound).
      await this.writer.checkpoint('PASSIVE');
      await this.writer.checkpoint('TRUNCATE');
    }
    const fileAfter = fileSize(this.path) + fileSize(`${this.path}-wal`);
    return {
      compactedRevision: compactRev,
      details: {
        batches,
        rowsScanned,
        rowsDeleted,
        maxBatchMs: Math.round(maxBatchMs * 100) / 100,
        vacuumSteps,
        bytesReclaimed,
        fileBytesBefore: fileBefore,
        fileBytesAfter: fileAfter,
        totalMs: Math.round((performance.now() - started) * 100) / 100,
      },
    };
  }

  /** Deletes expired keys through ordinary conditional deletes (revision + watch event). */
  private sweep(): void {
    if (this.sweeping || this.closed) return;
    let expired: { key: string; revision: number }[];
    try {
      expired = this.reader.expired(this.now(), 1000);
    } catch {
      return; // closing; the next tick (if any) retries
    }
    if (expired.length === 0) return;
    this.sweeping = true;
    Promise.allSettled(expired.map((e) => this.delete(e.key, e.revision)))
      .catch(() => undefined)
      .finally(() => {
        this.sweeping = false;
      });
  }

  private expiry(opts: WriteOptions | undefined): number | null {
    const ttl = opts?.ttlSeconds;
    return ttl !== undefined && ttl > 0 ? this.now() + ttl * 1000 : null;
  }

  private async write(
    key: string,
    value: Uint8Array | undefined,
    build: (value: Uint8Array) => WriteOp,
  ): Promise<WriteResponse> {
    this.checkOpen();
    if (value !== undefined && value.byteLength > this.maxValueBytes) {
      throw new StorageError(
        'TooLarge',
        `value of ${key} is ${value.byteLength} bytes, more than ${this.maxValueBytes}`,
        { key },
      );
    }
    // Our own copy: the caller may reuse its buffer; events and responses keep this one.
    const r = await this.writer.write(build(value === undefined ? EMPTY : value.slice()));
    if (r.ok) {
      const res: WriteResponse = { succeeded: true, revision: r.revision };
      if (r.prev !== undefined) res.prevKv = kvOf(r.prev);
      return res;
    }
    const res: WriteResponse = { succeeded: false, revision: r.revision };
    if (r.current !== undefined) res.current = kvOf(r.current);
    return res;
  }

  private read<T>(fn: () => T): Promise<T> {
    try {
      this.checkOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(
        err instanceof StorageError
          ? err
          : new StorageError('Internal', `sqlite read failed: ${String(err)}`, { cause: err }),
      );
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('Closed', `sqlite store ${this.path} is closed`);
  }
}

/**
 * Opens (creating if needed) the SQLite data file at `opts.path` and returns a Backend over it.
 *
 * - Fails with StorageError 'Locked' when another process (or another backend in this process)
 *   holds the file, and 'Corrupt' when the file is not a SQLite database.
 * - Acknowledged writes are durable (WAL flushed with fdatasync before the answer, see
 *   inline-writer.ts); concurrent writes share one transaction and one flush (group commit).
 * - The caller owns the backend and must `close()` it (idempotent; ends watches, stops the
 *   worker and timers, checkpoints the WAL, releases the lock).
 */
export async function openSqliteBackend(opts: SqliteBackendOptions): Promise<SqliteBackend> {
  const path = resolve(opts.path);
  mkdirSync(dirname(path), { recursive: true });
  const checkpoints: CheckpointOptions = { mode: opts.checkpoints ?? 'worker' };
  if (opts.checkpointWorkerFactory !== undefined) {
    checkpoints.workerFactory = opts.checkpointWorkerFactory;
  }
  if (opts.onCheckpointError !== undefined) checkpoints.onError = opts.onCheckpointError;
  const spawned = WriterClient.spawn(checkpoints);
  let lock: Database.Database;
  try {
    lock = acquireLock(path);
  } catch (err) {
    await WriterClient.abandon(spawned);
    throw err;
  }
  let backend: SqliteBackendImpl | undefined;
  let writer: WriterClient | undefined;
  let reader: Reader | undefined;
  try {
    const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
    const cacheSizeKiB = opts.cacheSizeKiB ?? 32768;
    const started = await WriterClient.start(
      {
        path,
        busyTimeoutMs,
        walAutocheckpointPages: opts.walAutocheckpointPages ?? 1000,
        journalSizeLimitBytes: 64 * 1024 * 1024,
        cacheSizeKiB,
      },
      (ops, results, revision) => {
        backend?.onCommit(ops, results, revision);
      },
      spawned,
    );
    writer = started.client;
    reader = new Reader(path, {
      busyTimeoutMs,
      cacheSizeKiB,
      mmapBytes: opts.mmapBytes ?? 256 * 1024 * 1024,
    });
    backend = new SqliteBackendImpl(path, reader, lock, started.ready.revision, opts);
    backend.attach(writer, opts);
    if (started.ready.compactDone < started.ready.compactRev) {
      // A compaction was interrupted (crash or close): finish it in the background.
      backend.compact(started.ready.compactRev).catch(() => undefined);
    }
    return backend;
  } catch (err) {
    reader?.close();
    await writer?.close();
    releaseLock(lock);
    throw err;
  }
}
