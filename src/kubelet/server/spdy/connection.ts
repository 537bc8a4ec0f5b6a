/**
 * A SPDY/3.1 session over any byte duplex (a hijacked HTTP socket after `Upgrade: SPDY/3.1`,
 * or the byte pipe of a WebSocket tunnel): the `httpstream.Connection` of
 * k8s.io/apimachinery/pkg/util/httpstream/spdy on top of moby/spdystream's semantics.
 *
 * - Streams the peer opens go through `acceptStream` (throw to refuse: RST_STREAM CANCEL, as
 *   apimachinery's `newSpdyStream` calls `stream.Reset()`), then get an empty SYN_REPLY before
 *   `onStream` sees them, so nothing can be written on a stream before its reply (spdystream
 *   drops DATA on a stream it has no reply for).
 * - Streams are node Duplexes: `end()` sends an empty DATA frame with FIN, the peer's FIN ends
 *   the readable side, RST_STREAM ends both.
 * - PINGs from the peer are echoed (client-go pings every 5 s on SPDY upgrades, every 10 s in
 *   the WebSocket tunnel); SETTINGS are recorded; GOAWAY stops new streams.
 * - Flow control: every received DATA frame is acknowledged with WINDOW_UPDATE once half a
 *   window has been consumed. The send window is enforced only after the peer showed it does
 *   flow control (sent WINDOW_UPDATE or SETTINGS_INITIAL_WINDOW_SIZE): spdystream never sends
 *   WINDOW_UPDATE, so honouring the nominal 64 KiB window would stall every kubectl session.
 * - All frames leave through one ordered queue (header compression is asynchronous), which
 *   waits for the transport's `drain`.
 */
import { Duplex } from 'node:stream';
import {
  DEFAULT_INITIAL_WINDOW,
  FLAG_FIN,
  FrameDecoder,
  RstStatus,
  SettingsId,
  encodeFrame,
} from './frames.ts';
import type { SpdyFrame } from './frames.ts';
import { HeaderCompressor, HeaderDecompressor } from './header-codec.ts';
import type { SpdyHeaders } from './header-codec.ts';

/** Largest DATA payload we send in one frame (spdystream reads any size up to 16 MiB). */
const MAX_DATA_CHUNK = 32 * 1024;

/** Options of {@link SpdyConnection}. */
export interface SpdyConnectionOptions {
  /** `server` (the kubelet: its own stream and ping ids are even) or `client` (odd). */
  readonly role: 'server' | 'client';
  /**
   * Decides whether to accept a stream the peer opened, from its headers: throw to refuse it
   * (RST_STREAM). Default: accept all.
   */
  readonly acceptStream?: (headers: SpdyHeaders, streamId: number) => void;
  /** Receives each accepted stream, after its SYN_REPLY was queued. */
  readonly onStream?: (stream: SpdyStream) => void;
  /** Our receive window per stream (default 64 KiB, SPDY/3's default). */
  readonly receiveWindow?: number;
}

/** One SPDY stream; a Duplex whose readable side is the peer's DATA and writable side ours. */
export class SpdyStream extends Duplex {
  /** Set once the peer replied (streams we opened) or at once (streams the peer opened). */
  readonly replied: Promise<SpdyHeaders>;
  #resolveReplied!: (h: SpdyHeaders) => void;
  #rejectReplied!: (err: Error) => void;
  #remoteClosed = false;
  #localClosed = false;
  #reset = false;
  #unacked = 0;
  /** Bytes we may still send before the peer's WINDOW_UPDATE (when enforced). */
  sendWindow: number;
  #windowWaiters: (() => void)[] = [];

  constructor(
    readonly conn: SpdyConnection,
    readonly id: number,
    /** The SYN_STREAM headers (lower-case names). */
    readonly headers: SpdyHeaders,
    sendWindow: number,
  ) {
    super({ allowHalfOpen: true });
    this.sendWindow = sendWindow;
    this.replied = new Promise((resolve, reject) => {
      this.#resolveReplied = resolve;
      this.#rejectReplied = reject;
    });
    // A refused stream must not surface as an unhandled rejection when nobody awaits it.
    this.replied.catch(() => undefined);
    // Writes racing a torn-down session must not crash the kubelet; the session's end is
    // observable through 'end', 'reset' and the connection's `closed`.
    this.on('error', () => undefined);
  }

  /** The first value of a header ('' when absent), like Go's `Header.Get`. */
  header(name: string): string {
    return this.headers.get(name.toLowerCase())?.[0] ?? '';
  }

  /** Whether the stream was reset (by either side). */
  get isReset(): boolean {
    return this.#reset;
  }

  /** Sends RST_STREAM (default CANCEL, what spdystream's `Reset` sends) and ends both sides. */
  reset(status: number = RstStatus.CANCEL): void {
    if (this.#reset) return;
    this.conn.sendControl({ type: 'rst_stream', streamId: this.id, status });
    this.onReset();
  }

  override _read(): void {
    this.#ackWindow(false);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#reset || this.#localClosed) {
      cb();
      return;
    }
    this.conn.sendData(this, chunk, false).then(
      () => {
        cb();
      },
      (err: unknown) => {
        cb(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.#reset || this.#localClosed) {
      cb();
      return;
    }
    this.#localClosed = true;
    this.conn.sendData(this, Buffer.alloc(0), true).then(
      () => {
        this.conn.maybeForget(this);
        cb();
      },
      () => {
        cb();
      },
    );
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#wakeWindow();
    this.conn.forget(this);
    cb(err);
  }

  /** @internal The peer's DATA. */
  onData(data: Buffer, fin: boolean): void {
    if (this.#remoteClosed || this.#reset) return;
    if (data.length > 0) {
      this.#unacked += data.length;
      if (this.push(data)) this.#ackWindow(false);
    }
    if (fin) this.onRemoteFin();
  }

  /** @internal The peer half-closed. */
  onRemoteFin(): void {
    if (this.#remoteClosed) return;
    this.#remoteClosed = true;
    this.push(null);
    this.conn.maybeForget(this);
  }

  /** @internal The stream was reset; both sides end without an error (spdystream: EOF). */
  onReset(): void {
    if (this.#reset) return;
    this.#reset = true;
    this.#localClosed = true;
    this.#rejectReplied(new Error('stream reset'));
    this.#wakeWindow();
    if (!this.#remoteClosed) {
      this.#remoteClosed = true;
      this.push(null);
    }
    this.emit('reset');
    this.conn.forget(this);
    // Let writers finish without errors; a reset stream swallows further writes.
    if (!this.writableEnded) this.end();
  }

  /** @internal The peer's SYN_REPLY. */
  onReply(headers: SpdyHeaders, fin: boolean): void {
    this.#resolveReplied(headers);
    if (fin) this.onRemoteFin();
  }

  /** @internal Marks our side closed without sending anything (SYN_STREAM carried FIN). */
  markLocalClosed(): void {
    this.#localClosed = true;
  }

  /** @internal Marks a stream the peer opened as replied. */
  markReplied(): void {
    this.#resolveReplied(new Map());
  }

  get localClosed(): boolean {
    return this.#localClosed;
  }

  get remoteClosed(): boolean {
    return this.#remoteClosed;
  }

  /** @internal Grows the send window (WINDOW_UPDATE). */
  addWindow(delta: number): void {
    this.sendWindow += delta;
    this.#wakeWindow();
  }

  /** @internal Resolves once the send window is positive (or the stream ended). */
  waitWindow(): Promise<void> {
    if (this.sendWindow > 0 || this.#reset) return Promise.resolve();
    return new Promise((resolve) => this.#windowWaiters.push(resolve));
  }

  #wakeWindow(): void {
    const w = this.#windowWaiters;
    this.#windowWaiters = [];
    for (const f of w) f();
  }

  #ackWindow(force: boolean): void {
    const half = this.conn.receiveWindow / 2;
    if (this.#unacked > 0 && (force || this.#unacked >= half) && !this.#reset) {
      const delta = this.#unacked;
      this.#unacked = 0;
      this.conn.sendControl({ type: 'window_update', streamId: this.id, delta });
    }
  }
}

/** The SPDY session. Construct it on a freshly upgraded transport; it starts reading at once. */
export class SpdyConnection {
  readonly #transport: Duplex;
  readonly #opts: SpdyConnectionOptions;
  readonly #decoder = new FrameDecoder();
  readonly #compressor = new HeaderCompressor();
  readonly #decompressor = new HeaderDecompressor();
  readonly #streams = new Map<number, SpdyStream>();
  #out: Promise<void> = Promise.resolve();
  #inbound: Promise<void> = Promise.resolve();
  #nextStreamId: number;
  #lastPeerStreamId = 0;
  #goneAway = false;
  #closed = false;
  #peerFlowControl = false;
  #peerInitialWindow = DEFAULT_INITIAL_WINDOW;
  readonly #closedPromise: Promise<void>;
  #resolveClosed!: () => void;
  /** Our per-stream receive window. */
  readonly receiveWindow: number;

  constructor(transport: Duplex, opts: SpdyConnectionOptions) {
    this.#transport = transport;
    this.#opts = opts;
    this.receiveWindow = opts.receiveWindow ?? DEFAULT_INITIAL_WINDOW;
    this.#nextStreamId = opts.role === 'server' ? 2 : 1;
    this.#closedPromise = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    transport.on('data', (chunk: Buffer) => {
      this.#onBytes(chunk);
    });
    // The end of the transport is handled after the frames before it, whose header blocks
    // may still be decompressing (a SYN_REPLY must not lose the race against the close).
    const ended = (): void => {
      this.#inbound = this.#inbound.then(() => {
        this.#onTransportClosed();
      });
    };
    transport.on('end', ended);
    transport.on('close', ended);
    transport.on('error', ended);
  }

  /** Resolves once the transport closed. */
  get closed(): Promise<void> {
    return this.#closedPromise;
  }

  /** Whether the transport closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Streams currently open (neither reset nor closed both ways). */
  get streamCount(): number {
    return this.#streams.size;
  }

  /**
   * Opens a stream (SYN_STREAM with `headers`; `fin` half-closes it at once). Await
   * `stream.replied` for the peer's SYN_REPLY; it rejects if the peer resets the stream.
   */
  createStream(headers: Readonly<Record<string, string>> | SpdyHeaders, fin = false): SpdyStream {
    if (this.#goneAway || this.#closed) throw new Error('connection is closed');
    const h: SpdyHeaders =
      headers instanceof Map
        ? headers
        : new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]]));
    const id = this.#nextStreamId;
    this.#nextStreamId += 2;
    const stream = new SpdyStream(this, id, h, this.#peerInitialWindow);
    this.#streams.set(id, stream);
    this.#post(async () => {
      const block = await this.#compressor.compress(h);
      return encodeFrame({
        type: 'syn_stream',
        streamId: id,
        associatedId: 0,
        priority: 0,
        slot: 0,
        flags: fin ? FLAG_FIN : 0,
        headerBlock: block,
      });
    });
    if (fin) {
      stream.markLocalClosed();
      stream.end();
    }
    return stream;
  }

  /**
   * Sends GOAWAY (last good stream = the last one the peer opened, as spdystream's `Close`)
   * and closes the transport once queued frames are written. Open streams end.
   */
  close(): Promise<void> {
    if (!this.#goneAway && !this.#closed) {
      this.#goneAway = true;
      this.sendControl({ type: 'goaway', lastGoodStreamId: this.#lastPeerStreamId, status: 0 });
    }
    this.#post(() => {
      this.#transport.end();
      return undefined;
    });
    return this.#out;
  }

  /** Tears the transport down at once (no GOAWAY). */
  destroy(): void {
    this.#transport.destroy();
    this.#onTransportClosed();
  }

  /** @internal Queues a control frame without a header block. */
  sendControl(frame: SpdyFrame): void {
    if (this.#closed) return;
    this.#post(() => encodeFrame(frame));
  }

  /** @internal Queues DATA for a stream, split into frames, honouring the send window. */
  sendData(stream: SpdyStream, data: Buffer, fin: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('connection is closed'));
    let off = 0;
    let done: Promise<void> = Promise.resolve();
    do {
      const end = Math.min(data.length, off + MAX_DATA_CHUNK);
      const slice = data.subarray(off, end);
      const last = end >= data.length;
      off = end;
      done = this.#enqueue(async () => {
        if (this.#peerFlowControl && slice.length > 0) await stream.waitWindow();
        if (stream.isReset) return undefined;
        stream.sendWindow -= slice.length;
        return encodeFrame({
          type: 'data',
          streamId: stream.id,
          flags: last && fin ? FLAG_FIN : 0,
          data: slice,
        });
      });
    } while (off < data.length);
    return done;
  }

  /** @internal Drops a stream from the table. */
  forget(stream: SpdyStream): void {
    if (this.#streams.get(stream.id) === stream) this.#streams.delete(stream.id);
  }

  /** @internal Drops a stream closed both ways. */
  maybeForget(stream: SpdyStream): void {
    if (stream.localClosed && stream.remoteClosed) this.forget(stream);
  }

  /** Queues a frame whose failure nobody awaits (the connection is then torn down anyway). */
  #post(make: () => Buffer | undefined | Promise<Buffer | undefined>): void {
    this.#enqueue(make).catch(() => undefined);
  }

  #enqueue(make: () => Buffer | undefined | Promise<Buffer | undefined>): Promise<void> {
    const next = this.#out.then(async () => {
      if (this.#closed) return;
      const buf = await make();
      // The transport may have closed while the header block was compressed.
      if (buf === undefined || this.isClosed) return;
      if (!this.#transport.write(buf)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.#transport.off('drain', done);
            this.#transport.off('close', done);
            resolve();
          };
          this.#transport.on('drain', done);
          this.#transport.on('close', done);
        });
      }
    });
    this.#out = next.catch(() => undefined);
    return next;
  }

  #onBytes(chunk: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.#decoder.push(chunk);
    } catch {
      this.destroy();
      return;
    }
    for (const f of frames) {
      // Frames are handled in order; header blocks decompress asynchronously, so chain them.
      this.#inbound = this.#inbound
        .then(() => this.#onFrame(f))
        .catch(() => {
          this.destroy();
        });
    }
  }

  async #onFrame(f: SpdyFrame): Promise<void> {
    switch (f.type) {
      case 'syn_stream': {
        const headers = await this.#decompressor.decompress(f.headerBlock);
        const peerParity = this.#opts.role === 'server' ? 1 : 0;
        if (
          this.#goneAway ||
          f.streamId % 2 !== peerParity ||
          f.streamId <= this.#lastPeerStreamId
        ) {
          // spdystream's checkStreamFrame: invalid ids get RST PROTOCOL_ERROR; after GOAWAY
          // new streams are ignored.
          if (!this.#goneAway) {
            this.sendControl({
              type: 'rst_stream',
              streamId: f.streamId,
              status: RstStatus.PROTOCOL_ERROR,
            });
          }
          return;
        }
        this.#lastPeerStreamId = f.streamId;
        try {
          this.#opts.acceptStream?.(headers, f.streamId);
        } catch {
          this.sendControl({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.CANCEL });
          return;
        }
        const stream = new SpdyStream(this, f.streamId, headers, this.#peerInitialWindow);
        this.#streams.set(f.streamId, stream);
        // The reply is queued before user code can write on the stream.
        this.#post(async () =>
          encodeFrame({
            type: 'syn_reply',
            streamId: f.streamId,
            flags: 0,
            headerBlock: await this.#compressor.compress(new Map()),
          }),
        );
        stream.markReplied();
        if ((f.flags & FLAG_FIN) !== 0) stream.onRemoteFin();
        this.#opts.onStream?.(stream);
        return;
      }
      case 'syn_reply': {
        const headers = await this.#decompressor.decompress(f.headerBlock);
        this.#streams.get(f.streamId)?.onReply(headers, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'headers': {
        await this.#decompressor.decompress(f.headerBlock);
        if ((f.flags & FLAG_FIN) !== 0) this.#streams.get(f.streamId)?.onRemoteFin();
        return;
      }
      case 'data':
        this.#streams.get(f.streamId)?.onData(f.data, (f.flags & FLAG_FIN) !== 0);
        return;
      case 'rst_stream':
        this.#streams.get(f.streamId)?.onReset();
        return;
      case 'ping': {
        // spdystream's handlePingFrame: echo pings whose parity is the peer's.
        const ours = this.#opts.role === 'server' ? 0 : 1;
        if (f.id % 2 !== ours) this.sendControl({ type: 'ping', id: f.id });
        return;
      }
      case 'settings':
        for (const s of f.settings) {
          if (s.id === SettingsId.INITIAL_WINDOW_SIZE) {
            const delta = s.value - this.#peerInitialWindow;
            this.#peerInitialWindow = s.value;
            this.#peerFlowControl = true;
            for (const st of this.#streams.values()) st.addWindow(delta);
          }
        }
        return;
      case 'window_update':
        this.#peerFlowControl = true;
        this.#streams.get(f.streamId)?.addWindow(f.delta);
        return;
      case 'goaway':
        this.#goneAway = true;
        return;
      case 'unknown':
        return;
    }
  }

  #onTransportClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#goneAway = true;
    for (const s of [...this.#streams.values()]) s.onReset();
    this.#streams.clear();
    this.#compressor.close();
    this.#decompressor.close();
    if (!this.#transport.destroyed) this.#transport.destroy();
    this.#resolveClosed();
  }
}
