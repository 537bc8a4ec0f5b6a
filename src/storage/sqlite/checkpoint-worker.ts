/**
 * WAL checkpoints on a worker thread, so copying WAL pages into the data file and the two fsyncs
 * around it never stall the server's event loop (issue 3: at 500 writes/s a checkpoint on the
 * writer's connection, ~4 MB copied plus fsyncs of tens of ms on a busy disk, held every request
 * in flight and made the create p99 104-138 ms against 50 ms with memory://).
 *
 * The worker opens its own connection to the data file and runs `PRAGMA wal_checkpoint(PASSIVE)`
 * when asked (inline-writer.ts decides when; see its comment for the whole design). PASSIVE never
 * waits for the writer or readers: SQLite lets a checkpoint run while the writer appends frames,
 * and it copies the frames committed when it started. The worker starts lazily, at the first
 * checkpoint due, so an idle server or a short-lived process pays nothing (a V8 isolate costs
 * ~9 MB and ~100 ms of CPU), and ends after 30 s without one, so a server idle after a burst of
 * writes gets its memory back.
 *
 * Bundling: the worker runs from a self-contained source string (`eval: true`) that requires
 * better-sqlite3 by the path native.ts resolved (`sqliteModulePath`, next to dist/ in the bundle,
 * in node_modules under tsx) with the addon native.ts found (`sqliteAddonPath`); it inherits no
 * `execArgv`, so a tsx-run parent does not load tsx into it.
 */
import { Worker } from 'node:worker_threads';
import { sqliteAddonPath, sqliteModulePath } from './native.ts';

/** What one worker checkpoint did: `wal_checkpoint`'s row and its duration. */
export interface CheckpointOutcome {
  /** 1 when the checkpoint could not take SQLite's checkpoint lock (nothing was copied). */
  busy: number;
  /** Frames in the WAL when the checkpoint ran. */
  walPages: number;
  /** Frames copied into the data file so far (all of `walPages` when complete). */
  checkpointed: number;
  ms: number;
}

/** Messages from the worker. */
type FromWorker =
  ({ kind: 'done' } & CheckpointOutcome) | { kind: 'failed'; message: string } | { kind: 'closed' };

/** Starts the worker thread for `path`; tests replace it to make the start fail. */
export type CheckpointWorkerFactory = (path: string) => Worker;

/** The worker's whole program (CommonJS, run with `eval: true`). */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const options = { fileMustExist: true };
if (workerData.addonPath) options.nativeBinding = workerData.addonPath;
const db = new Database(workerData.path, options);
// Never wait: the writer keeps writing while we copy. NORMAL: SQLite fsyncs the WAL before
// copying and the data file after, which is what a checkpoint needs (commits are already durable).
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (msg) => {
  if (msg.kind === 'close') {
    db.close();
    parentPort.postMessage({ kind: 'closed' });
    parentPort.close();
    return;
  }
  const start = performance.now();
  try {
    const row = db.pragma('wal_checkpoint(PASSIVE)')[0] || { busy: 0, log: 0, checkpointed: 0 };
    parentPort.postMessage({
      kind: 'done',
      busy: row.busy,
      walPages: row.log,
      checkpointed: row.checkpointed,
      ms: performance.now() - start,
    });
  } catch (err) {
    parentPort.postMessage({ kind: 'failed', message: err && err.message ? err.message : String(err) });
  }
});
`;

/** The production factory: the source above, with better-sqlite3 found as native.ts finds it. */
export const startCheckpointWorker: CheckpointWorkerFactory = (path) =>
  new Worker(WORKER_SOURCE, {
    eval: true,
    execArgv: [],
    workerData: { path, modulePath: sqliteModulePath, addonPath: sqliteAddonPath() },
    // It holds a handful of objects; a small heap keeps its resident cost down.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });

/**
 * One lazily started checkpoint worker for one data file, with one checkpoint in flight at most.
 *
 * Contract: `request` starts a checkpoint unless one runs or the worker is dead and returns
 * whether it did; `onDone` hears each outcome, `onFailed` each failed checkpoint (the worker
 * stays usable); `onDead` is called once if the worker cannot start or dies (every later
 * `request` returns false; the host then checkpoints on its own connection). `idle` resolves
 * when no checkpoint is in flight. The thread ends after `retireAfterMs` without a checkpoint and
 * starts again at the next `request`. `stop` closes the worker's connection and ends the thread
 * (idempotent), after which `request` returns false.
 */
export class CheckpointWorker {
  private worker: Worker | undefined;
  private inFlight = false;
  private dead = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private exitPromise: Promise<void> | undefined;
  /** Workers closed on purpose (stopped or retired): their exit is not a death. */
  private readonly closing = new WeakSet<Worker>();
  private retireTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly hooks: {
      onDone: (outcome: CheckpointOutcome) => void;
      onFailed: (message: string) => void;
      onDead: (message: string) => void;
    },
    private readonly factory: CheckpointWorkerFactory = startCheckpointWorker,
    /**
     * The thread ends after this long without a checkpoint (its ~9 MB come back while writes
     * pause) and starts again at the next one.
     */
    private readonly retireAfterMs = 30_000,
  ) {}

  /** True while a checkpoint runs on the worker. */
  get busy(): boolean {
    return this.inFlight;
  }

  /** True once the worker is known unusable (it failed to start or died). */
  get unavailable(): boolean {
    return this.dead;
  }

  /** True once the thread exists (it starts at the first `request`). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  request(): boolean {
    if (this.inFlight || this.dead || this.stopped) return false;
    const worker = this.worker ?? this.start();
    if (worker === undefined) return false;
    clearTimeout(this.retireTimer);
    this.inFlight = true;
    worker.postMessage({ kind: 'checkpoint' });
    return true;
  }

  idle(): Promise<void> {
    if (!this.inFlight) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    if (this.stopped) {
      await this.exitPromise;
      return;
    }
    this.stopped = true;
    clearTimeout(this.retireTimer);
    const worker = this.worker;
    if (worker === undefined || this.dead) {
      await this.exitPromise;
      return;
    }
    await this.idle();
    await this.close(worker);
  }

  /**
   * Closes `worker` by its own code, so its SQLite connection releases its locks before the
   * writer's final TRUNCATE checkpoint; terminates it only if it does not answer.
   */
  private async close(worker: Worker): Promise<void> {
    this.closing.add(worker);
    const exited = this.exitPromise;
    worker.postMessage({ kind: 'close' });
    const timer = setTimeout(() => {
      void worker.terminate();
    }, 5000);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends an idle thread; the next `request` starts a new one. */
  private retire(): void {
    const worker = this.worker;
    if (worker === undefined || this.inFlight || this.dead || this.stopped) return;
    this.worker = undefined;
    void this.close(worker);
  }

  private start(): Worker | undefined {
    let worker: Worker;
    try {
      worker = this.factory(this.path);
    } catch (err) {
      this.die(err instanceof Error ? err.message : String(err));
      return undefined;
    }
    // The store's own timers keep the process alive; this thread must not.
    worker.unref();
    this.worker = worker;
    this.exitPromise = new Promise((resolve) => {
      worker.once('exit', (code) => {
        // A retired thread's end concerns nothing in flight now.
        if (this.worker !== worker) {
          resolve();
          return;
        }
        if (!this.closing.has(worker)) this.die(`checkpoint worker exited (${String(code)})`);
        this.settle();
        resolve();
      });
    });
    worker.on('error', (err) => {
      if (this.worker === worker) this.die(err.message);
    });
    worker.on('message', (msg: FromWorker) => {
      if (msg.kind === 'closed') return;
      if (msg.kind === 'done') {
        const { kind: _kind, ...outcome } = msg;
        this.hooks.onDone(outcome);
      } else {
        this.hooks.onFailed(msg.message);
      }
      this.settle();
      clearTimeout(this.retireTimer);
      this.retireTimer = setTimeout(() => {
        this.retire();
      }, this.retireAfterMs);
      this.retireTimer.unref();
    });
    return worker;
  }

  private die(message: string): void {
    if (this.dead) return;
    this.dead = true;
    this.hooks.onDead(message);
    this.settle();
  }

  private settle(): void {
    this.inFlight = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
