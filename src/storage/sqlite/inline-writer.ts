/**
 * Runs the writer (writer-worker.ts's `writerWorkerMain`) on this thread behind the same
 * message interface a worker thread has, so writer-client.ts's protocol (one request in flight,
 * group commit) is unchanged.
 *
 * Why not a worker thread: a second V8 isolate with its own copy of better-sqlite3 costs ~10 MB
 * of resident memory and ~100 ms of CPU at every start, and the writer's SQL work per batch is
 * small. What the thread bought was keeping fsync off the event loop; here the writer connection
 * runs with `synchronous = NORMAL` (SQLite then never fsyncs at commit, only around checkpoints,
 * which keeps the file consistent across power loss) and each committed transaction is answered
 * only after an fdatasync of the WAL file on libuv's thread pool: the WAL holds the transaction's
 * frames, so an acknowledged write survives power loss as with `synchronous = FULL`, and writes
 * that arrive meanwhile queue up for the next batch (one flush per batch, as before). A failed
 * flush stops the writer: what the kernel did with the unflushed pages is unknown.
 *
 * Checkpoints (moving WAL pages into the data file) run off this thread. SQLite's automatic
 * checkpoint (`wal_autocheckpoint`) would run in the commit that crosses the threshold, on this
 * thread: ~4 MB copied and two fsyncs every 1000 pages, tens of ms on a busy disk during which
 * every request in flight waits. So the writer connection runs with `wal_autocheckpoint = 0` and:
 * - After each committed batch the writer reads the WAL's state from the wal-index header
 *   (wal-index.ts: frames in the WAL, frames already copied). When `walAutocheckpointPages`
 *   frames wait to be copied, it asks the checkpoint worker (checkpoint-worker.ts: its own
 *   connection on a worker thread, started at the first checkpoint due) for a PASSIVE checkpoint,
 *   which runs while writes go on.
 * - SQLite restarts the WAL from its beginning (and `journal_size_limit` truncates the file) at
 *   the first write after a checkpoint that copied every frame. Under continuous writes a
 *   concurrent checkpoint never copies the frames committed while it ran, so the WAL would grow
 *   forever. Once it holds `4 x walAutocheckpointPages` frames, the writer holds the next write
 *   batches (not the event loop: reads, watches and HTTP go on) until the worker copied the rest;
 *   that last checkpoint is small, as the worker has kept up, and the next write restarts the WAL.
 *   (Only an idle worker that has checkpointed before is waited for, so a hold never includes the
 *   thread's start.) The cost: the WAL file's high-water mark is ~4x the threshold (~16 MB).
 * - Bound: should the WAL still reach `10 x walAutocheckpointPages` frames (the worker failing),
 *   the writer checkpoints on its own connection between batches, as SQLite did before.
 * - A failed worker checkpoint is reported once (`onCheckpointError`) and retried a second later;
 *   a worker that cannot start or dies turns SQLite's automatic checkpoints back on for the rest
 *   of the store's life: the store never depends on the thread. An unreadable wal-index does too.
 * Durability is unchanged: acknowledged writes are in the fdatasync'ed WAL, a checkpoint only
 * copies them (SQLite fsyncs the WAL before and the data file after, so a crash mid-checkpoint
 * leaves the WAL to replay). Compaction's explicit checkpoints and close() wait for the worker's
 * checkpoint in flight (close also stops the worker) so they never contend with it.
 */
import { EventEmitter } from 'node:events';
import { close, fdatasync, open, openSync, closeSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { CheckpointWorker } from './checkpoint-worker.ts';
import type { CheckpointOutcome, CheckpointWorkerFactory } from './checkpoint-worker.ts';
import { sqliteDatabase } from './native.ts';
import { SCHEMA_SQL, SCHEMA_VERSION } from './protocol.ts';
import type { WorkerConfig, WorkerRequest, WorkerResponse } from './protocol.ts';
import { readWalIndex } from './wal-index.ts';
import type { WalIndexState } from './wal-index.ts';
import { writerWorkerMain } from './writer-worker.ts';
import type { WriterPort } from './writer-worker.ts';

/** How the writer gets its WAL checkpointed (see the file comment). */
export interface CheckpointOptions {
  /**
   * 'worker' (default): on a worker thread, as described above. 'inline': SQLite's automatic
   * checkpoints on the writer's connection, on this thread (the behaviour before).
   */
  mode?: 'worker' | 'inline';
  /** Starts the worker thread; tests pass one that fails. */
  workerFactory?: CheckpointWorkerFactory;
  /** Hears a failed worker checkpoint or the worker's end, once per kind of failure. */
  onError?: (message: string) => void;
}

/** Checkpoint counters (a snapshot is a new object). */
export interface CheckpointStats {
  /** Checkpoints the worker completed (busy ones excluded). */
  worker: number;
  /** Frames (pages) the worker's checkpoints copied. */
  workerPages: number;
  /** Of the worker's checkpoints, those that held writes so the WAL could restart. */
  restarts: number;
  /** The longest time writes were held for one, ms. */
  maxHoldMs: number;
  /** The longest worker checkpoint, ms. */
  maxWorkerMs: number;
  /**
   * Checkpoints run on the writer's connection, on this thread: at the hard limit, and SQLite's
   * automatic ones in 'inline' mode or after the fallback (seen from the wal-index).
   */
  inline: number;
  /** The longest of them, ms (for an automatic one: the whole commit that ran it). */
  maxInlineMs: number;
  /** Worker checkpoints that failed (each retried later). */
  workerFailures: number;
  /** Why the worker is not used, once it is not: SQLite's automatic checkpoints then run. */
  fallback: string | undefined;
  /** The largest WAL seen after a commit, in frames (pages). */
  maxWalPages: number;
  /**
   * The longest one write batch held this thread (its SQL work, and any checkpoint SQLite ran
   * inside its commit), ms: the stall checkpoints used to cause.
   */
  maxRequestMs: number;
  /** Write batches that held it longer than 20 ms. */
  requestsOver20Ms: number;
}

/**
 * The writer on this thread, with the part of `Worker`'s interface writer-client.ts uses:
 * `postMessage` (the config first, then requests), the events 'message', 'error' and 'exit',
 * and `terminate`. Messages are delivered asynchronously both ways, as a thread's would be.
 */
export class InlineWriter extends EventEmitter {
  private handler: ((req: WorkerRequest) => void) | undefined;
  private db: BetterSqlite3.Database | undefined;
  private walFd: number | undefined;
  private shmFd: number | undefined;
  private exited = false;
  /** An open store keeps the process alive until it is closed, as a worker thread did. */
  private readonly keepAlive = setInterval(() => undefined, 1 << 30);
  private checkpointer: CheckpointWorker | undefined;
  /** Frames waiting to be copied before a checkpoint is due (`walAutocheckpointPages`). */
  private duePages = 1000;
  /** Set while write batches wait for a checkpoint that lets the WAL restart. */
  private hold: Promise<void> | undefined;
  private retryAt = 0;
  private readonly reported = new Set<string>();
  private readonly cstats: CheckpointStats = {
    worker: 0,
    workerPages: 0,
    restarts: 0,
    maxHoldMs: 0,
    maxWorkerMs: 0,
    inline: 0,
    maxInlineMs: 0,
    workerFailures: 0,
    fallback: undefined,
    maxWalPages: 0,
    maxRequestMs: 0,
    requestsOver20Ms: 0,
  };

  constructor(private readonly checkpoints: CheckpointOptions = {}) {
    super();
  }

  /** A snapshot of the checkpoint counters. */
  checkpointStats(): CheckpointStats {
    return { ...this.cstats };
  }

  postMessage(msg: WorkerConfig | WorkerRequest): void {
    queueMicrotask(() => {
      if (this.exited) return;
      if (this.handler === undefined) {
        this.boot(msg as WorkerConfig);
        return;
      }
      const req = msg as WorkerRequest;
      const wait = this.waitBefore(req);
      if (wait === undefined) {
        this.handle(req);
        return;
      }
      void wait.then(() => {
        if (!this.exited) this.handle(req);
      });
    });
  }

  /** Closes the connection if it is still open and reports the exit (idempotent). */
  terminate(): Promise<number> {
    this.exit(1);
    return Promise.resolve(1);
  }

  /** Runs one request on this thread, timing write batches (`maxRequestMs`). */
  private handle(req: WorkerRequest): void {
    // Where SQLite checkpoints inside commits ('inline', or after the fallback), a commit that
    // moved the wal-index's backfill mark ran one: count it and its time on this thread.
    const automatic =
      req.kind === 'write' &&
      (this.checkpointer === undefined || this.cstats.fallback !== undefined);
    const before = automatic ? this.walState() : undefined;
    const start = performance.now();
    this.handler?.(req);
    const ms = performance.now() - start;
    if (req.kind === 'write') this.timed(ms);
    if (before === undefined) return;
    const after = this.walState();
    if (after !== undefined && after.nBackfill > 0 && after.nBackfill !== before.nBackfill) {
      this.cstats.inline++;
      this.cstats.maxInlineMs = Math.max(this.cstats.maxInlineMs, ms);
    }
  }

  /** The wal-index header, or undefined when it cannot be read (statistics only). */
  private walState(): WalIndexState | undefined {
    const db = this.db;
    if (db === undefined || this.exited) return undefined;
    try {
      return this.readShm(db);
    } catch {
      return undefined;
    }
  }

  /** The wal-index header of `db` through the kept `-shm` descriptor; throws when unreadable. */
  private readShm(db: BetterSqlite3.Database): WalIndexState | undefined {
    this.shmFd ??= openSync(`${db.name}-shm`, 'r');
    return readWalIndex(this.shmFd);
  }

  private timed(ms: number): void {
    this.cstats.maxRequestMs = Math.max(this.cstats.maxRequestMs, ms);
    if (ms > 20) this.cstats.requestsOver20Ms++;
  }

  /**
   * What `req` must wait for: close stops the worker first; an explicit checkpoint waits for the
   * worker's one in flight; everything else waits while writes are held.
   */
  private waitBefore(req: WorkerRequest): Promise<void> | undefined {
    const cp = this.checkpointer;
    if (cp === undefined) return undefined;
    if (req.kind === 'close') return cp.stop();
    if (req.kind === 'checkpoint') return cp.busy ? cp.idle() : undefined;
    return this.hold;
  }

  /** After each committed and flushed batch: is a checkpoint due, and where does it run? */
  private afterCommit(): void {
    const cp = this.checkpointer;
    const db = this.db;
    if (cp === undefined || cp.unavailable || db === undefined || this.exited) return;
    let wal: WalIndexState | undefined;
    try {
      wal = this.readShm(db);
    } catch (err) {
      this.fallBack(
        `cannot read the WAL index: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    if (wal === undefined) {
      this.fallBack('unknown WAL index format');
      return;
    }
    this.cstats.maxWalPages = Math.max(this.cstats.maxWalPages, wal.mxFrame);
    if (wal.mxFrame >= 10 * this.duePages && !cp.busy) {
      // The bound: the worker has not kept up (failing); copy on this thread, between batches.
      const start = performance.now();
      db.pragma('wal_checkpoint(PASSIVE)');
      this.cstats.inline++;
      this.cstats.maxInlineMs = Math.max(this.cstats.maxInlineMs, performance.now() - start);
      return;
    }
    if (this.hold !== undefined || cp.busy || Date.now() < this.retryAt) return;
    // Writes are held only for a worker that is idle (the hold then lasts one small checkpoint)
    // and has checkpointed before (the first hold must not wait for the thread's start).
    if (wal.mxFrame >= 4 * this.duePages && wal.nBackfill < wal.mxFrame && this.cstats.worker > 0) {
      this.holdForRestart(cp);
      return;
    }
    if (wal.mxFrame - wal.nBackfill >= this.duePages) cp.request();
  }

  /**
   * Holds write batches until the worker copied every frame, so the next write restarts the WAL
   * from its beginning (see the file comment).
   */
  private holdForRestart(cp: CheckpointWorker): void {
    const started = performance.now();
    this.hold = (async () => {
      const before = this.cstats.worker;
      if (cp.request()) await cp.idle();
      if (this.cstats.worker > before) this.cstats.restarts++;
    })().finally(() => {
      this.cstats.maxHoldMs = Math.max(this.cstats.maxHoldMs, performance.now() - started);
      this.hold = undefined;
    });
  }

  private onCheckpointDone(outcome: CheckpointOutcome): void {
    if (outcome.busy !== 0) return;
    this.cstats.worker++;
    this.cstats.workerPages += outcome.checkpointed;
    this.cstats.maxWorkerMs = Math.max(this.cstats.maxWorkerMs, outcome.ms);
  }

  private onCheckpointFailed(message: string): void {
    this.cstats.workerFailures++;
    this.retryAt = Date.now() + 1000;
    this.report(`WAL checkpoint on the worker failed: ${message}`, 'failed');
  }

  /** From now on SQLite checkpoints automatically on the writer's connection, as before. */
  private fallBack(reason: string): void {
    if (this.cstats.fallback !== undefined) return;
    this.cstats.fallback = reason;
    this.report(`WAL checkpoints fall back to the writer's thread: ${reason}`, 'fallback');
    if (this.db?.open === true && !this.exited) {
      this.db.pragma(`wal_autocheckpoint = ${String(this.duePages)}`);
    }
    void this.checkpointer?.stop();
  }

  private report(message: string, kind: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.checkpoints.onError?.(message);
  }

  private boot(config: WorkerConfig): void {
    const Base = sqliteDatabase();
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the subclass records its instance here
    const self = this;
    const Database = class extends Base {
      constructor(filename?: string | Buffer, options?: BetterSqlite3.Options) {
        super(filename, options);
        self.db = this;
      }
    } as typeof BetterSqlite3;
    const port: WriterPort = {
      on: (_event, handler) => {
        this.handler = handler;
      },
      postMessage: (res: WorkerResponse) => {
        if (!this.exited) this.emit('message', res);
      },
      close: () => {
        this.exit(0);
      },
    };
    writerWorkerMain({
      Database,
      port,
      config,
      schemaSql: SCHEMA_SQL,
      schemaVersion: SCHEMA_VERSION,
      exit: (code) => {
        this.exit(code);
      },
      syncCommit: (done) => {
        this.flushWal(`${config.path}-wal`, (err) => {
          done(err);
          if (err !== undefined) return;
          const start = performance.now();
          try {
            this.afterCommit();
            this.timed(performance.now() - start);
          } catch (e) {
            // Never let checkpoint bookkeeping fail a commit (this runs in an fs callback).
            this.fallBack(e instanceof Error ? e.message : String(e));
          }
        });
      },
    });
    if (this.exited || this.db?.open !== true || this.checkpoints.mode === 'inline') return;
    this.duePages = Math.max(1, config.walAutocheckpointPages);
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = new CheckpointWorker(
      config.path,
      {
        onDone: (outcome) => {
          this.onCheckpointDone(outcome);
        },
        onFailed: (message) => {
          this.onCheckpointFailed(message);
        },
        onDead: (message) => {
          this.fallBack(`checkpoint worker unavailable: ${message}`);
        },
      },
      this.checkpoints.workerFactory,
    );
  }

  /** fdatasync of the WAL file (opened once; the writer keeps it while the store is open). */
  private flushWal(path: string, done: (err: Error | undefined) => void): void {
    const sync = (fd: number): void => {
      fdatasync(fd, (err) => {
        done(err ?? undefined);
      });
    };
    if (this.walFd !== undefined) {
      sync(this.walFd);
      return;
    }
    open(path, 'r', (err, fd) => {
      if (err !== null) {
        done(err);
        return;
      }
      if (this.exited) {
        close(fd, () => undefined);
        done(new Error('the writer stopped'));
        return;
      }
      this.walFd = fd;
      sync(fd);
    });
  }

  private exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    clearInterval(this.keepAlive);
    if (this.db?.open === true) this.db.close();
    if (this.walFd !== undefined) close(this.walFd, () => undefined);
    this.walFd = undefined;
    if (this.shmFd !== undefined) closeSync(this.shmFd);
    this.shmFd = undefined;
    // Normally stopped by the close request; this covers terminate().
    void this.checkpointer?.stop();
    // Asynchronously, as a thread's 'exit' event: listeners attached right after still hear it.
    setImmediate(() => this.emit('exit', code));
  }
}
