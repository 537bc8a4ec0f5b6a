/**
 * The audit log file backend (k8s.io/apiserver/plugin/pkg/audit/log/backend.go, JSON format)
 * with upstream's buffered mode folded in: events become JSON lines at once (so later changes
 * to the request's event do not show), wait in a bounded in-memory queue, and are appended to
 * the file in batches by one asynchronous writer. The request path never waits for the disk.
 */
import type { AuditSink } from './event.ts';
import { eventToJSONLine } from './event.ts';
import { RotatingFile } from './rotation.ts';
import type { RotationOptions } from './rotation.ts';
import type { AuditEvent } from './types.ts';

/** Counters of a backend; a snapshot, owned by the caller. */
export interface AuditBackendStats {
  /** Events appended to the file. */
  written: number;
  /** Events dropped because the queue was full or the backend closed. */
  dropped: number;
  /** Events lost because their append failed (or one event was larger than the file may be). */
  failed: number;
  /** Failed appends (each batch counts once). */
  writeErrors: number;
  /** Characters waiting to be written. */
  bufferedChars: number;
  /** The message of the last write error, if any. */
  lastError?: string;
}

/** Options of {@link FileAuditBackend}. */
export interface FileAuditBackendOptions {
  /** The log file; appended to, created (mode 0600, parent directories too) if missing. */
  path: string;
  /**
   * Bound of the queue in characters of JSON (default 16 Mi). Events arriving while it is full
   * are dropped and counted, as upstream's non-blocking buffered mode drops them.
   */
  maxBufferedChars?: number;
  /** Largest single append in characters (default 1 Mi); larger queues take several. */
  maxBatchChars?: number;
  /**
   * Told about write errors and the first drop after a period without drops; must not throw.
   * The backend keeps going after errors (reopening the file for the next batch).
   */
  onError?: (err: Error, stats: AuditBackendStats) => void;
  /**
   * Rotation by size (upstream --audit-log-maxsize/-maxbackup/-maxage/-compress through
   * lumberjack); without it the file rotates at lumberjack's default 100 MB and keeps every
   * backup, as upstream. Batches never split an event across files.
   */
  rotation?: RotationOptions;
}

/**
 * Appends audit events to a file as JSON lines, asynchronously. `processEvent` is synchronous
 * and cheap (one serialization, one array push); `flush` waits for what is queued; `close`
 * flushes then closes the file, after which events are dropped.
 */
export class FileAuditBackend implements AuditSink {
  private readonly path: string;
  private readonly maxBuffered: number;
  private readonly maxBatch: number;
  private readonly onError: ((err: Error, stats: AuditBackendStats) => void) | undefined;
  private queue: string[] = [];
  private queuedChars = 0;
  private readonly file: RotatingFile;
  private writer: Promise<void> | undefined;
  private closed = false;
  private dropping = false;
  private readonly counters = { written: 0, dropped: 0, failed: 0, writeErrors: 0 };
  private lastError: string | undefined;

  constructor(opts: FileAuditBackendOptions) {
    this.path = opts.path;
    this.maxBuffered = opts.maxBufferedChars ?? 16 * 1024 * 1024;
    this.maxBatch = opts.maxBatchChars ?? 1024 * 1024;
    this.onError = opts.onError;
    this.file = new RotatingFile(opts.path, opts.rotation);
  }

  /** Queues one event (serialized now). Never blocks, never throws for I/O reasons. */
  processEvent(event: Readonly<AuditEvent>): void {
    if (this.closed) {
      this.drop(new Error('audit backend is closed'));
      return;
    }
    const line = eventToJSONLine(event);
    if (this.queuedChars + line.length > this.maxBuffered && this.queue.length > 0) {
      this.drop(new Error('audit buffer queue blocked'));
      return;
    }
    this.dropping = false;
    this.queue.push(line);
    this.queuedChars += line.length;
    this.writer ??= this.drain();
  }

  /** Resolves once every event queued before the call is written (or failed). Never rejects. */
  async flush(): Promise<void> {
    while (this.writer !== undefined) await this.writer;
  }

  /** Flushes, then closes the file. Idempotent; later events are dropped. Never rejects. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.closeFile();
  }

  /** The backend's counters. */
  stats(): AuditBackendStats {
    return {
      ...this.counters,
      bufferedChars: this.queuedChars,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  private drop(err: Error): void {
    this.counters.dropped++;
    // Report the start of a dropping period once, not every dropped event.
    if (!this.dropping) {
      this.dropping = true;
      this.report(err);
    }
  }

  private report(err: Error): void {
    if (this.onError === undefined) return;
    try {
      this.onError(err, this.stats());
    } catch {
      // A failing reporter must not take the writer down.
    }
  }

  /** The single writer: appends batches until the queue is empty, then clears `writer`. */
  private async drain(): Promise<void> {
    try {
      // Let the events of the current turn of the event loop join the first batch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        let n = 0;
        let chars = 0;
        while (n < this.queue.length) {
          const len = this.queue[n]?.length ?? 0;
          if (n > 0 && chars + len > this.maxBatch) break;
          chars += len;
          n++;
        }
        const batch = this.queue.splice(0, n);
        this.queuedChars -= chars;
        await this.append(batch);
      }
    } finally {
      this.writer = undefined;
    }
  }

  private async append(batch: readonly string[]): Promise<void> {
    const r = await this.file.writeRecords(batch);
    this.counters.written += r.written;
    if (r.error === undefined) return;
    // Records after an I/O error are lost with it; the file is reopened for the next batch.
    this.counters.failed += batch.length - r.written;
    this.counters.writeErrors++;
    this.lastError = r.error.message;
    this.report(r.error);
  }

  private async closeFile(): Promise<void> {
    await this.file.close();
  }
}
