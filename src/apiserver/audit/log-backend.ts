/**
 * The audit log file backend (k8s.io/apiserver/plugin/pkg/audit/log/backend.go, JSON format)
 * with upstream's buffered mode folded in: events become JSON lines at once (so later changes
 * to the request's event do not show), wait in a bounded in-memory queue, and are appended to
 * the file in batches by one asynchronous writer. The request path never waits for the disk.
 */
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditSink } from './event.ts';
import { eventToJSONLine } from './event.ts';
import type { AuditEvent } from './types.ts';

/** Counters of a backend; a snapshot, owned by the caller. */
export interface AuditBackendStats {
  /** Events appended to the file. */
  written: number;
  /** Events dropped because the queue was full or the backend closed. */
  dropped: number;
  /** Events lost because their append failed. */
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
  private file: FileHandle | undefined;
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
        await this.append(batch.join(''), n);
      }
    } finally {
      this.writer = undefined;
    }
  }

  private async append(text: string, events: number): Promise<void> {
    try {
      if (this.file === undefined) {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        this.file = await open(this.path, 'a', 0o600);
      }
      await this.file.appendFile(text, 'utf8');
      this.counters.written += events;
    } catch (err) {
      this.counters.failed += events;
      this.counters.writeErrors++;
      const e = err instanceof Error ? err : new Error(String(err));
      this.lastError = e.message;
      // Reopen for the next batch: the file may have been removed or the handle broken.
      await this.closeFile();
      this.report(e);
    }
  }

  private async closeFile(): Promise<void> {
    const f = this.file;
    this.file = undefined;
    if (f === undefined) return;
    try {
      await f.close();
    } catch {
      // Nothing more to do with a handle that will not close.
    }
  }
}
