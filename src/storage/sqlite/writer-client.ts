/**
 * The client side of the writer (inline-writer.ts runs it on this thread behind a message
 * interface). It keeps at most one request in flight: write
 * operations that arrive while the writer is busy (committing, or flushing the WAL) queue up and go out together as the next
 * batch (group commit that adapts to load without a timer: one client gets one transaction per
 * write, a hundred concurrent clients share a few). Maintenance requests (compaction batches,
 * vacuum, checkpoint) are interleaved with write batches so they never starve writers.
 */
import { InlineWriter } from './inline-writer.ts';
import type { CheckpointOptions, CheckpointStats } from './inline-writer.ts';
import { StorageError } from '../errors.ts';
import type {
  CompactStepResult,
  OpResult,
  WorkerConfig,
  WorkerRequest,
  WorkerResponse,
  WriteOp,
} from './protocol.ts';

/** Distributive Omit, so each request variant keeps its own fields. */
type RequestBody = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, 'id'>
    : never
  : never;
type Answer = Exclude<WorkerResponse, { kind: 'ready' } | { kind: 'fatal' }>;

interface PendingWrite {
  op: WriteOp;
  resolve: (r: OpResult) => void;
  reject: (e: unknown) => void;
}

interface PendingCall {
  body: RequestBody;
  resolve: (r: Answer) => void;
  reject: (e: unknown) => void;
}

/** Counters for tests and benchmarks: group commit shows as transactions < writeOps. */
export interface WriterStats {
  /** Write transactions committed (one fsync each). */
  transactions: number;
  /** Write operations sent to the worker (successful or not). */
  writeOps: number;
  /** The largest batch committed in one transaction. */
  maxBatch: number;
}

export interface WriterReady {
  revision: number;
  compactRev: number;
  compactDone: number;
}

/** Called after each committed batch, before the callers' promises resolve. */
export type CommitListener = (ops: WriteOp[], results: OpResult[], revision: number) => void;

const MAX_BATCH_OPS = 1000;
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/** A writer that boots and waits for its config (see `WriterClient.spawn`). */
export interface SpawnedWriter {
  readonly worker: InlineWriter;
}

export class WriterClient {
  readonly stats: WriterStats = { transactions: 0, writeOps: 0, maxBatch: 0 };
  private readonly worker: InlineWriter;
  private writes: PendingWrite[] = [];
  private calls: PendingCall[] = [];
  private inFlight: { id: number; done: (r: Answer) => void; fail: (e: unknown) => void } | null =
    null;
  private nextId = 1;
  private lastWasMaintenance = false;
  /** Sent once every queued write and call has been answered. */
  private closeRequest: { resolve: (r: Answer) => void; reject: (e: unknown) => void } | null =
    null;
  private failure: StorageError | null = null;
  private exited = false;
  private readonly exitPromise: Promise<void>;

  private constructor(
    worker: InlineWriter,
    private readonly path: string,
    private readonly onCommit: CommitListener,
  ) {
    this.worker = worker;
    this.exitPromise = new Promise((resolve) => {
      worker.once('exit', () => {
        this.exited = true;
        this.fail(new StorageError('Closed', `sqlite writer for ${path} stopped`));
        resolve();
      });
    });
    worker.on('message', (msg: WorkerResponse) => {
      this.onMessage(msg);
    });
    worker.on('error', (err) => {
      this.fail(new StorageError('Internal', `sqlite writer for ${path} failed`, { cause: err }));
    });
  }

  /**
   * Makes a writer that waits for `start` (it opens nothing before its config arrives, so the
   * caller can take the file's lock first). Pass it to `start`, or to `abandon`.
   */
  static spawn(checkpoints?: CheckpointOptions): SpawnedWriter {
    return { worker: new InlineWriter(checkpoints) };
  }

  /** The writer's checkpoint counters (see inline-writer.ts). */
  checkpointStats(): CheckpointStats {
    return this.worker.checkpointStats();
  }

  /** Stops a spawned writer that will not be started (its file was never opened). */
  static async abandon(spawned: SpawnedWriter): Promise<void> {
    await spawned.worker.terminate();
  }

  /**
   * Sends the config to a spawned worker (or a new one) and waits until it opened the file and
   * created the schema.
   */
  static async start(
    config: WorkerConfig,
    onCommit: CommitListener,
    spawned: SpawnedWriter = WriterClient.spawn(),
  ): Promise<{ client: WriterClient; ready: WriterReady }> {
    const { worker } = spawned;
    worker.postMessage(config);
    const first = await new Promise<WorkerResponse>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(
          new StorageError('Internal', `cannot start sqlite writer for ${config.path}`, {
            cause: err,
          }),
        );
      };
      const onExit = (code: number): void => {
        reject(
          new StorageError('Internal', `sqlite writer for ${config.path} exited (${String(code)})`),
        );
      };
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (msg: WorkerResponse) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(msg);
      });
    });
    if (first.kind === 'fatal') {
      await worker.terminate();
      const what =
        first.code === 'Corrupt'
          ? `${config.path} is not a valid Skiff SQLite data file (corrupt or another format)`
          : `cannot open ${config.path}`;
      throw new StorageError(first.code, `${what}: ${first.message}`);
    }
    if (first.kind !== 'ready') {
      await worker.terminate();
      throw new StorageError('Internal', `sqlite writer sent ${first.kind} before ready`);
    }
    return {
      client: new WriterClient(worker, config.path, onCommit),
      ready: {
        revision: first.revision,
        compactRev: first.compactRev,
        compactDone: first.compactDone,
      },
    };
  }

  /** Queues one write; resolves once the batch holding it is committed and fsynced. */
  write(op: WriteOp): Promise<OpResult> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.writes.push({ op, resolve, reject });
      this.pump();
    });
  }

  compactStep(target: number, batchRows: number): Promise<CompactStepResult> {
    return this.call({ kind: 'compact', target, batchRows }).then((r) => {
      if (r.kind !== 'compact') throw new StorageError('Internal', `unexpected ${r.kind} reply`);
      return r.result;
    });
  }

  vacuum(pages: number): Promise<{ freedPages: number; freelistPages: number; pageSize: number }> {
    return this.call({ kind: 'vacuum', pages }).then((r) => {
      if (r.kind !== 'vacuum') throw new StorageError('Internal', `unexpected ${r.kind} reply`);
      return r;
    });
  }

  checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): Promise<{ busy: number; walPages: number }> {
    return this.call({ kind: 'checkpoint', mode }).then((r) => {
      if (r.kind !== 'checkpoint') throw new StorageError('Internal', `unexpected ${r.kind} reply`);
      return r;
    });
  }

  /**
   * Commits the queued writes, checkpoints, closes the connection and stops the worker.
   * Idempotent with respect to the worker: later writes fail with Closed.
   */
  async close(): Promise<void> {
    if (!this.exited && this.failure === null) {
      try {
        await new Promise<Answer>((resolve, reject) => {
          this.closeRequest = { resolve, reject };
          this.pump();
        });
      } catch {
        // The worker failed; terminate below.
      }
    }
    this.failure ??= new StorageError('Closed', `sqlite store ${this.path} is closed`);
    if (!this.exited) await this.worker.terminate();
    await this.exitPromise;
  }

  private call(body: RequestBody): Promise<Answer> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.calls.push({ body, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.inFlight !== null || this.failure !== null) return;
    const id = this.nextId++;
    // Alternate between writes and maintenance when both wait, so neither starves.
    const takeCall =
      this.calls.length > 0 && (this.writes.length === 0 || !this.lastWasMaintenance);
    if (takeCall) {
      const call = this.calls.shift();
      if (call === undefined) return;
      this.lastWasMaintenance = true;
      this.send({ ...call.body, id }, id, call.resolve, call.reject);
      return;
    }
    if (this.writes.length === 0) {
      const close = this.closeRequest;
      if (close !== null) {
        this.closeRequest = null;
        this.send({ id, kind: 'close' }, id, close.resolve, close.reject);
      }
      return;
    }
    this.lastWasMaintenance = false;
    let bytes = 0;
    let n = 0;
    while (n < this.writes.length && n < MAX_BATCH_OPS && (n === 0 || bytes < MAX_BATCH_BYTES)) {
      const op = this.writes[n]?.op;
      bytes += op !== undefined && op.op !== 'delete' ? op.value.byteLength + op.key.length : 64;
      n++;
    }
    const batch = this.writes.splice(0, n);
    const ops = batch.map((w) => w.op);
    this.send(
      { id, kind: 'write', ops },
      id,
      (r) => {
        if (r.kind !== 'write') {
          const err = new StorageError('Internal', `unexpected ${r.kind} reply to a write`);
          for (const w of batch) w.reject(err);
          return;
        }
        this.stats.transactions++;
        this.stats.writeOps += ops.length;
        this.stats.maxBatch = Math.max(this.stats.maxBatch, ops.length);
        this.onCommit(ops, r.results, r.revision);
        batch.forEach((w, i) => {
          const res = r.results[i];
          if (res === undefined) w.reject(new StorageError('Internal', 'missing write result'));
          else w.resolve(res);
        });
      },
      (err) => {
        for (const w of batch) w.reject(err);
      },
    );
  }

  private send(
    req: WorkerRequest,
    id: number,
    done: (r: Answer) => void,
    fail: (e: unknown) => void,
  ): void {
    this.inFlight = { id, done, fail };
    this.worker.postMessage(req);
  }

  private onMessage(msg: WorkerResponse): void {
    if (msg.kind === 'ready' || msg.kind === 'fatal') return;
    const inFlight = this.inFlight;
    if (inFlight?.id !== msg.id) return;
    this.inFlight = null;
    if (msg.kind === 'error') {
      inFlight.fail(new StorageError('Internal', `sqlite: ${msg.message}`));
    } else {
      try {
        inFlight.done(msg);
      } catch (err) {
        inFlight.fail(err);
      }
    }
    this.pump();
  }

  private fail(err: StorageError): void {
    this.failure ??= err;
    const inFlight = this.inFlight;
    this.inFlight = null;
    inFlight?.fail(err);
    for (const w of this.writes.splice(0)) w.reject(err);
    for (const c of this.calls.splice(0)) c.reject(err);
    const close = this.closeRequest;
    this.closeRequest = null;
    close?.reject(err);
  }
}
