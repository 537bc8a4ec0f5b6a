/**
 * In-process watch fan-out. The backend calls `publish` after each committed batch (revision
 * order, before the writers' promises resolve); no polling is involved.
 *
 * Hand-over from history to live events without gaps or duplicates: a watcher subscribes first
 * (so it buffers every live event published from then on), then replays the log from its start
 * revision in chunks, paced by its consumer. The log may already hold revisions whose live
 * events have not been published yet (the worker commits before the main thread hears of it),
 * so after the replay reaches the end of the log the watcher remembers the last revision it
 * sent and drops live events at or below it.
 *
 * Each watcher holds at most `maxBuffered` undelivered events (live events waiting behind a
 * replay included); past that it ends with a TooSlow StorageError and frees its buffer.
 */
import { StorageError } from '../errors.ts';
import type { BackendEvent, BackendWatchMessage, BackendWatchOptions } from '../backend.ts';
import type { ReplayResult } from './reader.ts';

export interface HubSource {
  /** Events under `prefix` from revision `from` on (see Reader.replay). */
  replay(prefix: string, from: number, limit: number): ReplayResult;
}

export interface HubOptions {
  maxBuffered: number;
  replayChunk: number;
}

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  /** The newest revision published to live watchers. */
  private published: number;

  constructor(
    private readonly source: HubSource,
    private readonly opts: HubOptions,
    initialRevision: number,
  ) {
    this.published = initialRevision;
  }

  get size(): number {
    return this.watchers.size;
  }

  get publishedRevision(): number {
    return this.published;
  }

  /** Fans out one committed batch; `events` ascend by revision. */
  publish(events: BackendEvent[], revision: number): void {
    this.published = Math.max(this.published, revision);
    if (events.length === 0) return;
    for (const w of this.watchers) w.offer(events);
  }

  /**
   * Registers a watcher immediately (so nothing committed after this call is missed) and
   * returns its message stream. The stream ends normally on abort or `closeAll`, and throws
   * Compacted or TooSlow when it cannot go on.
   */
  watch(
    prefix: string,
    startRevision: number,
    opts: BackendWatchOptions,
  ): AsyncIterable<BackendWatchMessage> {
    const w = new Watcher(this, prefix, startRevision, opts, this.opts);
    if (!opts.signal.aborted) this.watchers.add(w);
    else w.end();
    return w;
  }

  closeAll(): void {
    for (const w of [...this.watchers]) w.end();
  }

  /** @internal */
  remove(w: Watcher): void {
    this.watchers.delete(w);
  }

  /** @internal */
  replay(prefix: string, from: number, limit: number): ReplayResult {
    return this.source.replay(prefix, from, limit);
  }
}

class Watcher implements AsyncIterable<BackendWatchMessage> {
  private readonly queue: BackendWatchMessage[] = [];
  private queuedEvents = 0;
  /** Live events that arrived while replaying. */
  private pending: BackendEvent[] = [];
  private replaying = true;
  /** Revisions up to this one have been queued (or do not concern this watcher). */
  private sent: number;
  private error: StorageError | null = null;
  private ended = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private readonly onAbort = (): void => {
    this.end();
  };

  constructor(
    private readonly hub: WatchHub,
    private readonly prefix: string,
    startRevision: number,
    private readonly opts: BackendWatchOptions,
    private readonly limits: HubOptions,
  ) {
    // Start revision 0 (or less) means "from now", as in etcd.
    this.sent = startRevision > 0 ? startRevision - 1 : hub.publishedRevision;
    opts.signal.addEventListener('abort', this.onAbort, { once: true });
    const every = opts.progressNotifyMs;
    if (every !== undefined && every > 0) {
      this.timer = setInterval(() => {
        this.progressTick(every);
      }, every);
      this.timer.unref();
    }
  }

  offer(events: BackendEvent[]): void {
    if (this.ended) return;
    const mine = events.filter((e) => e.kv.key.startsWith(this.prefix));
    if (mine.length === 0) return;
    if (this.replaying) {
      this.pending.push(...mine);
      this.checkOverflow();
      return;
    }
    this.enqueueLive(mine);
  }

  end(): void {
    this.finish(null);
  }

  [Symbol.asyncIterator](): AsyncIterator<BackendWatchMessage> {
    return {
      next: () => this.next(),
      return: () => {
        this.end();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  private async next(): Promise<IteratorResult<BackendWatchMessage>> {
    for (;;) {
      const msg = this.queue.shift();
      if (msg !== undefined) {
        if (msg.kind === 'events') this.queuedEvents -= msg.events.length;
        return { done: false, value: msg };
      }
      if (this.error !== null) throw this.error;
      if (this.ended) return { done: true, value: undefined };
      if (this.replaying) {
        this.replayChunk();
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private replayChunk(): void {
    let r: ReplayResult;
    try {
      r = this.hub.replay(this.prefix, this.sent + 1, this.limits.replayChunk);
    } catch (err) {
      this.finish(
        err instanceof StorageError
          ? err
          : new StorageError('Internal', 'watch replay failed', { cause: err }),
      );
      return;
    }
    if (r.events.length > 0) {
      this.push({ kind: 'events', events: r.events });
      this.sent = r.events.at(-1)?.kv.modRevision ?? this.sent;
    }
    if (!r.complete) return;
    // The log is exhausted up to the snapshot: switch to live events, dropping those the
    // replay already covered. A watch that asked for progress hears at once that it is
    // current (see BackendWatchMessage) when the log went past its last event.
    if (this.opts.progressNotifyMs !== undefined && r.revision > this.sent) {
      this.push({ kind: 'progress', revision: r.revision });
    }
    this.sent = Math.max(this.sent, r.revision);
    this.replaying = false;
    const pending = this.pending;
    this.pending = [];
    this.enqueueLive(pending);
  }

  private enqueueLive(events: BackendEvent[]): void {
    const fresh = events.filter((e) => e.kv.modRevision > this.sent);
    if (fresh.length === 0) return;
    this.sent = fresh.at(-1)?.kv.modRevision ?? this.sent;
    this.push({ kind: 'events', events: fresh });
    this.checkOverflow();
  }

  private push(msg: BackendWatchMessage): void {
    this.queue.push(msg);
    if (msg.kind === 'events') this.queuedEvents += msg.events.length;
    this.lastActivity = Date.now();
    this.notify();
  }

  private checkOverflow(): void {
    if (this.queuedEvents + this.pending.length > this.limits.maxBuffered) {
      this.finish(
        new StorageError(
          'TooSlow',
          `watch on ${this.prefix} fell more than ${this.limits.maxBuffered} events behind`,
        ),
      );
    }
  }

  private progressTick(every: number): void {
    if (this.ended || this.replaying || this.queue.length > 0) return;
    if (Date.now() - this.lastActivity < every) return;
    this.push({ kind: 'progress', revision: Math.max(this.sent, this.hub.publishedRevision) });
  }

  private finish(error: StorageError | null): void {
    if (this.ended) return;
    this.ended = true;
    // Ending (abort, close, error) drops undelivered messages: after an error the consumer
    // must re-list anyway, and after an abort nobody wants them.
    this.error = error;
    this.queue.length = 0;
    this.queuedEvents = 0;
    this.pending = [];
    clearInterval(this.timer);
    this.opts.signal.removeEventListener('abort', this.onAbort);
    this.hub.remove(this);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
