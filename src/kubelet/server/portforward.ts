/**
 * The server side of port-forward (k8s.io/kubelet/pkg/cri/streaming/portforward):
 * - SPDY (`portforward.k8s.io`, httpstream.go): the client opens an error stream and a data
 *   stream per forwarded connection, paired by the `requestID` header (`port` names the target);
 * - WebSocket (`v4.channel.k8s.io`, websocket.go): two channels per `port` query parameter
 *   (data read-write, error write), each starting with the port as 2 little-endian bytes;
 * - the SPDY session tunnelled in a WebSocket (`SPDY/3.1+portforward.k8s.io`, kubectl ≥ 1.31):
 *   the same SPDY handler over the socket's byte pipe (upstream terminates the tunnel in the
 *   API server; serving it here too lets the API server pass the upgrade straight through).
 */
import type { Duplex } from 'node:stream';
import type { SpdyConnection, SpdyStream } from './spdy/connection.ts';
import type { SpdyHeaders } from './spdy/header-codec.ts';
import { headerValue } from './spdy/header-codec.ts';
import type { ChannelConn } from './wsstream.ts';

/** The SPDY port-forward protocol version. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of the SPDY tunnel (client-go portforward tunnelling). */
export const PORT_FORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
/** The WebSocket port-forward subprotocols (handleWebSocketStreams). */
export const PORT_FORWARD_WS_PROTOCOLS = ['', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** Connects a stream to a port of the pod; rejects with the reason the connection failed. */
export type PortForwarder = (port: number, stream: Duplex, signal: AbortSignal) => Promise<void>;

/** Go's strconv.ParseUint(s, 10, 16) for a port, with its error texts. */
function parsePort(s: string): number {
  if (!/^\d+$/.test(s))
    throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535)
    throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/**
 * httpStreamReceived: a stream needs a valid `port` and a `streamType` of `error` or `data`;
 * throwing refuses it (the connection resets it).
 */
export function validatePortForwardStream(headers: SpdyHeaders): void {
  const portString = headerValue(headers, 'port');
  if (portString === '') throw new Error('"port" header is required');
  let port: number;
  try {
    port = parsePort(portString);
  } catch (err) {
    throw new Error(
      `unable to parse ${JSON.stringify(portString)} as a port: ${(err as Error).message}`,
    );
  }
  if (port < 1) throw new Error(`port ${JSON.stringify(portString)} must be > 0`);
  const streamType = headerValue(headers, 'streamType');
  if (streamType === '') throw new Error('"streamType" header is required');
  if (streamType !== 'error' && streamType !== 'data') {
    throw new Error(`invalid stream type ${JSON.stringify(streamType)}`);
  }
}

interface StreamPair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer?: ReturnType<typeof setTimeout>;
}

/** Options of {@link spdyPortForwardHandler}. */
export interface SpdyPortForwardOptions {
  /** The pod as named in error texts (upstream: the sandbox id). */
  readonly podName: string;
  /** The uid in error texts (upstream passes ''). */
  readonly uid: string;
  readonly forward: PortForwarder;
  /** How long a half-created pair may wait for its other stream (default 30 s). */
  readonly streamCreationTimeoutMs?: number;
}

/**
 * httpStreamHandler: pairs the streams by request id and forwards each complete pair. Pass
 * `acceptStream` and `onStream` to the SpdyConnection, then `run(conn)`, which resolves once
 * the connection closed and every forward finished.
 */
export function spdyPortForwardHandler(opts: SpdyPortForwardOptions): {
  acceptStream: (headers: SpdyHeaders) => void;
  onStream: (s: SpdyStream) => void;
  run: (conn: SpdyConnection) => Promise<void>;
} {
  const pairs = new Map<string, StreamPair>();
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  const timeoutMs = opts.streamCreationTimeoutMs ?? 30_000;

  const requestId = (s: SpdyStream): string => {
    const id = s.header('requestID');
    if (id !== '') return id;
    // Clients older than request ids: consecutive stream ids (error n, data n+2).
    return String(s.header('streamType') === 'error' ? s.id : s.id - 2);
  };

  const forwardPair = async (p: StreamPair): Promise<void> => {
    const data = p.data;
    const error = p.error;
    if (data === undefined || error === undefined) return;
    const port = Number(data.header('port'));
    try {
      await opts.forward(port, data, abort.signal);
    } catch (err) {
      const msg = `error forwarding port ${port} to pod ${opts.podName}, uid ${opts.uid}: ${(err as Error).message}`;
      if (!error.writableEnded) error.write(msg);
    } finally {
      if (!data.writableEnded) data.end();
      if (!error.writableEnded) error.end();
    }
  };

  return {
    acceptStream: validatePortForwardStream,
    onStream(s) {
      const id = requestId(s);
      let p = pairs.get(id);
      if (p === undefined) {
        p = {};
        pairs.set(id, p);
        const pair = p;
        pair.timer = setTimeout(() => {
          pairs.delete(id);
          // printError: only the error stream can carry the message.
          if (pair.error !== undefined && !pair.error.writableEnded) {
            pair.error.end(`(conn=${opts.podName}, request=${id}) timed out waiting for streams`);
          }
          pair.data?.reset();
        }, timeoutMs);
      }
      const type = s.header('streamType');
      if (type === 'data') {
        if (p.data !== undefined) {
          s.reset();
          return;
        }
        p.data = s;
      } else {
        if (p.error !== undefined) {
          s.reset();
          return;
        }
        p.error = s;
        // The client half-closes the error stream at once and never writes on it.
        s.resume();
      }
      if (p.data !== undefined && p.error !== undefined) {
        clearTimeout(p.timer);
        pairs.delete(id);
        const task = forwardPair(p);
        running.add(task);
        void task.finally(() => running.delete(task));
      }
    },
    async run(conn) {
      await conn.closed;
      abort.abort(new Error('connection closed'));
      for (const p of pairs.values()) clearTimeout(p.timer);
      pairs.clear();
      await Promise.allSettled([...running]);
    },
  };
}

/**
 * NewV4Options: the `port` query parameters (repeated or comma-separated), each 1..65535.
 * @throws Error with upstream's texts.
 */
export function parseWebSocketPorts(q: URLSearchParams): number[] {
  const values = q.getAll('port');
  if (values.length === 0) throw new Error('query parameter "port" is required');
  const ports: number[] = [];
  for (const v of values) {
    if (v === '') throw new Error('query parameter "port" cannot be empty');
    for (const p of v.split(',')) {
      let n: number;
      try {
        n = parsePort(p);
      } catch (err) {
        throw new Error(
          `unable to parse ${JSON.stringify(v)} as a port: ${(err as Error).message}`,
        );
      }
      if (n < 1) throw new Error(`port ${JSON.stringify(v)} must be > 0`);
      ports.push(n);
    }
  }
  return ports;
}

/** The channels of a WebSocket port-forward: data (read-write) and error (write) per port. */
export function portForwardChannels(ports: readonly number[]): ('readwrite' | 'write')[] {
  return ports.flatMap(() => ['readwrite', 'write'] as const);
}

/**
 * handleWebSocketStreams: announces each port (2 bytes little-endian on its data and error
 * channels), forwards one connection per port, writes failures on the error channel and closes
 * the socket when every forward finished.
 */
export async function serveWebSocketPortForward(
  conn: ChannelConn,
  ports: readonly number[],
  opts: { podName: string; uid: string; forward: PortForwarder },
): Promise<void> {
  const abort = new AbortController();
  void conn.closed.then(() => {
    abort.abort(new Error('connection closed'));
  });
  const tasks = ports.map(async (port, i) => {
    const data = conn.channels[i * 2];
    const errorCh = conn.channels[i * 2 + 1];
    if (data === undefined || errorCh === undefined) return;
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    conn.send(i * 2, portBytes);
    conn.send(i * 2 + 1, portBytes);
    try {
      await opts.forward(port, data, abort.signal);
    } catch (err) {
      conn.send(
        i * 2 + 1,
        Buffer.from(
          `error forwarding port ${port} to pod ${opts.podName}, uid ${opts.uid}: ${(err as Error).message}`,
        ),
      );
    }
  });
  await Promise.allSettled(tasks);
  conn.close();
}
