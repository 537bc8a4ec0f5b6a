/**
 * The channel protocols over WebSocket (k8s.io/apimachinery/pkg/util/httpstream/wsstream
 * conn.go): each message's first byte is a channel number and the rest its payload, binary
 * (`channel.k8s.io`, `v4.channel.k8s.io`, `v5.channel.k8s.io`) or base64 text with an ASCII
 * digit channel (`base64.channel.k8s.io`, `v4.base64.channel.k8s.io`). v5 adds the CLOSE
 * signal: the 2-byte message `[255, channel]` half-closes that channel (client-go sends it when
 * stdin reaches EOF). Also the WebSocket handshake helpers shared by exec, attach and
 * port-forward, and a byte-pipe Duplex for the SPDY-over-WebSocket tunnel.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex as NodeDuplex } from 'node:stream';
import { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/** `channel.k8s.io` (binary, legacy). */
export const CHANNEL_PROTOCOL = 'channel.k8s.io';
/** `base64.channel.k8s.io` (text, legacy). */
export const BASE64_CHANNEL_PROTOCOL = 'base64.channel.k8s.io';
/** `v4.channel.k8s.io`: the error channel carries a metav1.Status JSON. */
export const V4_CHANNEL_PROTOCOL = 'v4.channel.k8s.io';
/** `v4.base64.channel.k8s.io`. */
export const V4_BASE64_CHANNEL_PROTOCOL = 'v4.base64.channel.k8s.io';
/** `v5.channel.k8s.io`: v4 plus the CLOSE signal (what kubectl ≥ 1.30 offers, alone). */
export const V5_CHANNEL_PROTOCOL = 'v5.channel.k8s.io';
/** The CLOSE signal's channel byte (remotecommand.StreamClose). */
export const STREAM_CLOSE = 255;

/** What a channel carries, from the server's point of view (wsstream.ChannelType). */
export type ChannelType = 'ignore' | 'read' | 'write' | 'readwrite';

/** One protocol's framing and channels (wsstream.ChannelProtocolConfig). */
export interface ChannelProtocolConfig {
  readonly binary: boolean;
  readonly channels: readonly ChannelType[];
  /**
   * Queue what is sent (and a close) during the first this-many ms, then send it in order.
   * client-go's WebSocket executor starts reading before it has created its stream pipes and
   * drops frames for a stream it does not know yet ("Unknown stream id 1, discarding
   * message"): a command that prints at once would lose its first output. Upstream's path
   * (the API server translating to SPDY toward the kubelet) always takes a round trip first.
   */
  readonly holdOutputMs?: number;
}

/** Whether a request asks for a WebSocket upgrade (wsstream.IsWebSocketRequest). */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  const conn = (req.headers.connection ?? '').toLowerCase();
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  return conn.includes('upgrade') && upgrade === 'websocket';
}

/** The subprotocols a client offered, in its order (comma-separated, possibly repeated). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  const joined = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * wsstream's handshake: the first offered protocol the server supports; '' when the client
 * offered none and '' is supported; undefined when nothing matches (the server then answers
 * 403, as golang.org/x/net/websocket does for a failed handshake).
 */
export function negotiateChannelProtocol(
  offered: readonly string[],
  supported: readonly string[],
): string | undefined {
  const wanted = offered.length === 0 ? [''] : offered;
  return wanted.find((p) => supported.includes(p));
}

/**
 * Completes the WebSocket handshake on an upgrade request with the already negotiated
 * `protocol` ('' sends no Sec-WebSocket-Protocol). Resolves with the open socket.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: NodeDuplex,
  head: Buffer,
  protocol: string,
): Promise<WebSocket> {
  return new Promise((resolve) => {
    // `ws` validates offered subprotocols as RFC 7230 tokens and refuses kubectl's tunnel
    // protocol `SPDY/3.1+portforward.k8s.io` ('/' is not a token character), so the choice
    // is ours: hide the offer from `ws` and add the answer header ourselves.
    delete req.headers['sec-websocket-protocol'];
    const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    if (protocol !== '') {
      server.once('headers', (headers: string[]) => {
        headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
      });
    }
    server.handleUpgrade(req, socket, head, (ws) => {
      resolve(ws);
    });
  });
}

/** One channel: readable = what the client sent on it, writable = what we send on it. */
export class WsChannel extends Duplex {
  constructor(
    readonly conn: ChannelConn,
    readonly index: number,
    readonly type: ChannelType,
  ) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {
    // Data is pushed as messages arrive.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.conn.send(this.index, chunk);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    cb();
  }

  /** Set once the read side ended (`readableEnded` only flips when 'end' is emitted). */
  #readClosed = false;

  /** @internal */
  fromSocket(data: Buffer): void {
    // Data after a CLOSE signal is dropped (wsstream's channel pipe is closed by then).
    if ((this.type === 'read' || this.type === 'readwrite') && !this.#readClosed) this.push(data);
  }

  /** @internal Half-close from the client (v5 CLOSE) or the socket went away. */
  closeRead(): void {
    if (this.#readClosed) return;
    this.#readClosed = true;
    this.push(null);
  }
}

/**
 * A wsstream Conn on an accepted WebSocket: channels per `config`, messages dispatched to them,
 * writes framed per the protocol. `close()` sends a normal close (1000): client-go treats
 * the end of the socket as EOF of every stream, which is how `kubectl exec` learns the command
 * is done.
 */
export class ChannelConn {
  readonly channels: WsChannel[];
  readonly closed: Promise<void>;
  readonly #ws: WebSocket;
  readonly #binary: boolean;
  readonly #supportsClose: boolean;
  /** Sends held back until the hold ends (see ChannelProtocolConfig.holdOutputMs). */
  #held: (() => void)[] | undefined;
  #holdTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, protocol: string, config: ChannelProtocolConfig) {
    this.#ws = ws;
    if (config.holdOutputMs !== undefined && config.holdOutputMs > 0) {
      this.#held = [];
      this.#holdTimer = setTimeout(() => {
        this.#flushHeld();
      }, config.holdOutputMs);
    }
    this.#binary = config.binary;
    // wsstream protocolSupportsStreamClose: only v5.channel.k8s.io.
    this.#supportsClose = protocol === V5_CHANNEL_PROTOCOL;
    this.channels = config.channels.map((t, i) => new WsChannel(this, i, t));
    this.closed = new Promise((resolve) => {
      ws.once('close', () => {
        clearTimeout(this.#holdTimer);
        this.#held = undefined;
        for (const c of this.channels) c.closeRead();
        resolve();
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.#onMessage(Buffer.isBuffer(data) ? data : Buffer.from(data), isBinary);
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (data.length === 0) return;
    if (this.#supportsClose && data[0] === STREAM_CLOSE) {
      const ch = data.length === 2 ? data[1] : undefined;
      // wsstream: a malformed close signal or an unknown channel ends the connection.
      if (ch === undefined || ch >= this.channels.length) {
        this.close();
        return;
      }
      this.channels[ch]?.closeRead();
      return;
    }
    let channel = data[0] ?? 0;
    let payload = data.subarray(1);
    if (!this.#binary) {
      channel -= 0x30; // '0'
      payload = Buffer.from(payload.toString('latin1'), 'base64');
    } else if (!isBinary) {
      payload = Buffer.from(payload);
    }
    const c = this.channels[channel];
    // Frames for unknown channels are dropped (wsstream logs "possible protocol error").
    c?.fromSocket(payload);
  }

  /** Sends `data` on a channel (an empty payload is a valid message: the "connected" signal). */
  send(channel: number, data: Uint8Array): void {
    if (this.#held !== undefined) {
      const copy = Buffer.from(data);
      this.#held.push(() => {
        this.send(channel, copy);
      });
      return;
    }
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    const t = this.channels[channel]?.type;
    if (t !== 'write' && t !== 'readwrite') return;
    if (this.#binary) {
      this.#ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true });
    } else {
      this.#ws.send(String.fromCharCode(0x30 + channel) + Buffer.from(data).toString('base64'), {
        binary: false,
      });
    }
  }

  #flushHeld(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const f of held) f();
  }

  /** Closes the socket normally (1000) after queued messages; idempotent. */
  close(): void {
    if (this.#held !== undefined) {
      this.#held.push(() => {
        this.close();
      });
      return;
    }
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) {
      this.#ws.close(1000);
    }
    for (const c of this.channels) c.closeRead();
  }
}

/**
 * The WebSocket as a plain byte pipe (client-go's TunnelingConnection): every binary message
 * is the next slice of the stream, writes go out as binary messages, a close is EOF. Ending the
 * Duplex closes the socket with 1000 (client-go reads CloseNormalClosure as io.EOF).
 */
export function webSocketByteStream(ws: WebSocket): Duplex {
  const d = new Duplex({
    allowHalfOpen: false,
    read() {
      // pushed on message
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== WebSocket.OPEN) {
        cb();
        return;
      }
      ws.send(chunk, { binary: true }, () => {
        cb();
      });
    },
    final(cb) {
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        ws.close(1000);
      }
      cb(err);
    },
  });
  let ended = false;
  ws.on('message', (data: Buffer) => {
    if (!ended) d.push(Buffer.isBuffer(data) ? data : Buffer.from(data));
  });
  ws.on('close', () => {
    if (ended) return;
    ended = true;
    d.push(null);
  });
  ws.on('error', () => {
    d.destroy();
  });
  return d;
}
