/**
 * One Backend watch over one etcd gRPC watch stream.
 *
 * - Each watch gets its own stream so that progress responses (which etcd broadcasts to every
 *   watcher of a stream) and cancellation stay per watch.
 * - Events of one etcd WatchResponse become one `events` message; etcd never splits a revision
 *   across responses (we do not ask for fragments).
 * - Progress: we ask etcd for `progress_notify`, which etcd sends through the same per-watcher
 *   channel as events and only when the watcher is synced, so it is ordered after every event up
 *   to its revision. When the server is new enough that `progress_request` is also ordered
 *   correctly (3.4.25+, 3.5.8+; etcd issue #15220), idle watches also send progress requests
 *   every `progressNotifyMs`. Messages are throttled to at most one per `progressNotifyMs`.
 * - The stream is flowing (gRPC cannot pause one watcher), so messages wait in a bounded queue;
 *   when the consumer falls behind by more than the event or byte limit the etcd watch is
 *   cancelled, the queue dropped and iteration throws `TooSlow`.
 * - If the stream breaks (member down), the watch reconnects through the client's endpoint
 *   rotation and resumes after the last delivered revision; it gives up with `Unreachable` after
 *   `reconnectBudgetMs` without a successful re-create.
 */
import { GRPCInternalError } from 'etcd3';
import type { Etcd3, IDuplexStream, IEvent, IKeyValue, IWatchRequest, IWatchResponse } from 'etcd3';
import type { BackendEvent, BackendWatchMessage, KeyValue } from '../backend.ts';
import { StorageError, compacted } from '../errors.ts';
import { isUnavailable, normalize, toStorageError } from './errors.ts';

/** What a watch needs from its backend. */
export interface WatchContext {
  readonly client: Etcd3;
  /** True when etcd orders progress_request responses after pending events. */
  supportsProgressRequest(): boolean;
  readonly reconnectBudgetMs: number;
  readonly maxBufferedEvents: number;
  readonly maxBufferedBytes: number;
  toKv(kv: IKeyValue): KeyValue;
  stripKey(key: Buffer): string;
  noteCompacted(revision: number): void;
}

export interface EtcdWatchParams {
  key: Buffer;
  rangeEnd: Buffer;
  startRevision: number;
  progressNotifyMs: number | undefined;
}

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

const emptyValue = new Uint8Array(0);

function messageCost(msg: BackendWatchMessage): { events: number; bytes: number } {
  if (msg.kind === 'progress') return { events: 1, bytes: 0 };
  let bytes = 0;
  for (const ev of msg.events) bytes += ev.kv.value.byteLength + (ev.prevKv?.value.byteLength ?? 0);
  return { events: msg.events.length, bytes };
}

/** A single watch; iterate it once. Ends on `end()` (abort, backend close) or on failure. */
export class EtcdWatch implements AsyncIterable<BackendWatchMessage> {
  private readonly ctx: WatchContext;
  private readonly params: EtcdWatchParams;
  private readonly onDone: () => void;
  private queue: BackendWatchMessage[] = [];
  private queuedEvents = 0;
  private queuedBytes = 0;
  private failure: StorageError | undefined;
  private ended = false;
  private started = false;
  private wake: (() => void) | undefined;
  private stream: WatchStream | undefined;
  private created = false;
  /** The first revision not yet delivered; where a reconnect resumes. */
  private nextRev: number;
  private failingSince: number | undefined;
  private reconnectDelay = 50;
  private lastSendAt = Date.now();
  private lastProgressAt = 0;
  private progressTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(ctx: WatchContext, params: EtcdWatchParams, onDone: () => void) {
    this.ctx = ctx;
    this.params = params;
    this.onDone = onDone;
    this.nextRev = params.startRevision;
  }

  [Symbol.asyncIterator](): AsyncIterator<BackendWatchMessage> {
    if (this.started) throw new Error('an etcd watch can be iterated only once');
    this.started = true;
    if (!this.ended) {
      if (this.params.progressNotifyMs !== undefined && this.ctx.supportsProgressRequest()) {
        const every = Math.max(10, Math.floor(this.params.progressNotifyMs / 2));
        this.progressTimer = setInterval(() => {
          this.requestProgress();
        }, every);
        this.progressTimer.unref();
      }
      this.connect();
    }
    return this.iterate();
  }

  /** Ends the watch normally (abort or backend close). Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.teardown();
  }

  private async *iterate(): AsyncGenerator<BackendWatchMessage> {
    try {
      for (;;) {
        const msg = this.queue.shift();
        if (msg !== undefined) {
          const cost = messageCost(msg);
          this.queuedEvents -= cost.events;
          this.queuedBytes -= cost.bytes;
          yield msg;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    } finally {
      this.end();
    }
  }

  private notify(): void {
    this.wake?.();
  }

  private teardown(): void {
    if (this.progressTimer !== undefined) clearInterval(this.progressTimer);
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.progressTimer = undefined;
    this.reconnectTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    this.onDone();
    this.notify();
  }

  private fail(err: StorageError, dropQueue: boolean): void {
    if (this.ended) return;
    if (dropQueue) {
      this.queue = [];
      this.queuedEvents = 0;
      this.queuedBytes = 0;
    }
    this.failure = err;
    this.ended = true;
    this.teardown();
  }

  private connect(): void {
    if (this.ended) return;
    this.ctx.client.watchClient.watch().then(
      (stream) => {
        this.attach(stream);
      },
      (err: unknown) => {
        this.onStreamFailure(undefined, err);
      },
    );
  }

  private attach(stream: WatchStream): void {
    // Listeners stay attached for the stream's life so a late 'error' never goes unhandled.
    stream.on('data', (res) => {
      this.onResponse(stream, res);
    });
    stream.on('error', (err) => {
      this.onStreamFailure(stream, err);
    });
    stream.on('end', () => {
      this.onStreamFailure(stream, new Error('etcd watch stream ended'));
    });
    if (this.ended) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    this.created = false;
    stream.write({
      create_request: {
        key: this.params.key,
        range_end: this.params.rangeEnd,
        start_revision: this.nextRev,
        prev_kv: true,
        progress_notify: this.params.progressNotifyMs !== undefined,
      },
    });
  }

  private onStreamFailure(stream: WatchStream | undefined, err: unknown): void {
    if (this.ended || (stream !== undefined && stream !== this.stream)) return;
    this.stream = undefined;
    stream?.cancel();
    const retryable =
      isUnavailable(err) ||
      normalize(err) instanceof GRPCInternalError ||
      (err instanceof Error && err.message === 'etcd watch stream ended');
    if (!retryable) {
      this.fail(toStorageError(err, 'watch'), false);
      return;
    }
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince > this.ctx.reconnectBudgetMs) {
      this.fail(toStorageError(err, 'watch'), false);
      return;
    }
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, 1000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private onResponse(stream: WatchStream, res: IWatchResponse): void {
    if (this.ended || stream !== this.stream) return;
    const compactRev = Number(res.compact_revision);
    if (compactRev > 0) {
      this.ctx.noteCompacted(compactRev);
      this.fail(compacted(this.nextRev, compactRev), false);
      return;
    }
    if (res.canceled) {
      this.fail(
        new StorageError('Internal', `etcd watch canceled: ${res.cancel_reason || 'no reason'}`),
        false,
      );
      return;
    }
    if (res.created) {
      this.created = true;
      this.failingSince = undefined;
      this.reconnectDelay = 50;
      return;
    }
    // proto-loader fills absent repeated fields with [], but be lenient.
    const rawEvents: IEvent[] = Array.isArray(res.events) ? res.events : [];
    if (rawEvents.length > 0) {
      const events = rawEvents.map((ev) => this.convert(ev));
      const last = events[events.length - 1];
      if (last !== undefined) this.nextRev = last.kv.modRevision + 1;
      this.push({ kind: 'events', events });
      return;
    }
    // An event-less response is a progress notification (per-watcher or progress_request).
    const rev = Number(res.header.revision);
    if (!Number.isFinite(rev) || rev < this.nextRev - 1) return;
    this.nextRev = rev + 1;
    const every = this.params.progressNotifyMs;
    if (every === undefined) return;
    const now = Date.now();
    // Tolerate timer jitter between etcd's ticker and ours.
    if (now - this.lastProgressAt < every * 0.8) return;
    this.lastProgressAt = now;
    this.push({ kind: 'progress', revision: rev });
  }

  private requestProgress(): void {
    const every = this.params.progressNotifyMs;
    if (this.stream === undefined || !this.created || every === undefined) return;
    if (Date.now() - this.lastSendAt < every) return;
    this.stream.write({ progress_request: {} });
  }

  private convert(ev: IEvent): BackendEvent {
    // With `enums: String`, etcd3's proto loader yields the proto names PUT / DELETE.
    const type: string = ev.type;
    const isDelete = type.toUpperCase() === 'DELETE';
    // proto-loader sets an absent message field to null despite etcd3's typings.
    const prev = (ev.prev_kv as IKeyValue | null | undefined) ?? undefined;
    const prevKv = prev === undefined ? undefined : this.ctx.toKv(prev);
    if (isDelete) {
      const kv: KeyValue = {
        key: this.ctx.stripKey(ev.kv.key),
        value: emptyValue.slice(),
        createRevision: 0,
        modRevision: Number(ev.kv.mod_revision),
      };
      return prevKv === undefined ? { type: 'delete', kv } : { type: 'delete', kv, prevKv };
    }
    const kv = this.ctx.toKv(ev.kv);
    return prevKv === undefined ? { type: 'put', kv } : { type: 'put', kv, prevKv };
  }

  private push(msg: BackendWatchMessage): void {
    if (this.ended) return;
    const cost = messageCost(msg);
    this.queuedEvents += cost.events;
    this.queuedBytes += cost.bytes;
    this.lastSendAt = Date.now();
    if (
      this.queue.length > 0 &&
      (this.queuedEvents > this.ctx.maxBufferedEvents ||
        this.queuedBytes > this.ctx.maxBufferedBytes)
    ) {
      this.fail(
        new StorageError(
          'TooSlow',
          `etcd watch consumer fell behind (${String(this.queuedEvents)} events, ${String(this.queuedBytes)} bytes buffered)`,
        ),
        true,
      );
      return;
    }
    this.queue.push(msg);
    this.notify();
  }
}
