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
 */
import { EventEmitter } from 'node:events';
import { close, fdatasync, open } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { sqliteDatabase } from './native.ts';
import { SCHEMA_SQL, SCHEMA_VERSION } from './protocol.ts';
import type { WorkerConfig, WorkerRequest, WorkerResponse } from './protocol.ts';
import { writerWorkerMain } from './writer-worker.ts';
import type { WriterPort } from './writer-worker.ts';

/**
 * The writer on this thread, with the part of `Worker`'s interface writer-client.ts uses:
 * `postMessage` (the config first, then requests), the events 'message', 'error' and 'exit',
 * and `terminate`. Messages are delivered asynchronously both ways, as a thread's would be.
 */
export class InlineWriter extends EventEmitter {
  private handler: ((req: WorkerRequest) => void) | undefined;
  private db: BetterSqlite3.Database | undefined;
  private walFd: number | undefined;
  private exited = false;
  /** An open store keeps the process alive until it is closed, as a worker thread did. */
  private readonly keepAlive = setInterval(() => undefined, 1 << 30);

  postMessage(msg: WorkerConfig | WorkerRequest): void {
    queueMicrotask(() => {
      if (this.exited) return;
      if (this.handler === undefined) this.boot(msg as WorkerConfig);
      else this.handler(msg as WorkerRequest);
    });
  }

  /** Closes the connection if it is still open and reports the exit (idempotent). */
  terminate(): Promise<number> {
    this.exit(1);
    return Promise.resolve(1);
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
        this.flushWal(`${config.path}-wal`, done);
      },
    });
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
    // Asynchronously, as a thread's 'exit' event: listeners attached right after still hear it.
    setImmediate(() => this.emit('exit', code));
  }
}
