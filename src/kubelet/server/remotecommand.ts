/**
 * The server side of remotecommand (exec and attach), as
 * k8s.io/kubelet/pkg/cri/streaming/remotecommand (httpstream.go, websocket.go, exec.go,
 * attach.go): stream options from the query, the streams over WebSocket channels or SPDY
 * streams, and the final status on the error stream:
 * - v4/v5: a metav1.Status JSON (Success; Failure with reason NonZeroExitCode and an ExitCode
 *   cause; InternalError);
 * - channel.k8s.io, v2, v3: the error's text, nothing on success.
 */
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import type { SpdyConnection, SpdyStream } from './spdy/connection.ts';
import type { ChannelConn } from './wsstream.ts';
import { TerminalSizeQueue } from './types.ts';
import type { ContainerStreams, TerminalSize } from './types.ts';

/** SPDY remotecommand protocol versions, newest first (remotecommand SupportedStreamingProtocols). */
export const REMOTE_COMMAND_PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
] as const;

/** Exec/attach stream flags (remotecommand Options). */
export interface StreamOptions {
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

/** A query flag: the API server forwards `1` (streamParams); direct clients send `true`. */
function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === '1' || v === 'true';
}

/**
 * remotecommand NewOptions: stdin/stdout/stderr/tty flags; `tty` drops stderr ("Access to exec
 * with tty and stderr is not supported, bypassing stderr").
 * @throws Error `you must specify at least 1 of stdin, stdout, stderr`
 */
export function parseStreamOptions(q: URLSearchParams): StreamOptions {
  // The kubelet's own names (upstream api.ExecStdinParam... = input, output, error), which the
  // API server writes when it proxies PodExecOptions; the PodExecOptions names too, for clients
  // that reach the kubelet directly with kubectl's query.
  const tty = flag(q, 'tty');
  const stdin = flag(q, 'input') || flag(q, 'stdin');
  const stdout = flag(q, 'output') || flag(q, 'stdout');
  const stderr = (flag(q, 'error') || flag(q, 'stderr')) && !tty;
  if (!stdin && !stdout && !stderr) {
    throw new Error('you must specify at least 1 of stdin, stdout, stderr');
  }
  return { stdin, stdout, stderr, tty };
}

/** The metav1.Status written on the error stream. */
export interface StreamStatus {
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
  code?: number;
}

/** Success (`{"metadata":{},"status":"Success"}` on the wire). */
export function successStatus(): StreamStatus {
  return { status: 'Success' };
}

/**
 * The status of a command that exited non-zero: client-go's errorDecoderV4 turns it into an
 * ExitError with the code from the ExitCode cause (`kubectl` then exits with it). The message
 * wraps the CRI runtime's error text (containerd: `error executing command [sh -c exit 3],
 * exit code 3`).
 */
export function nonZeroExitStatus(exitCode: number, cmd: readonly string[]): StreamStatus {
  return {
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** apierrors.NewInternalError(err). */
export function internalErrorStatus(message: string): StreamStatus {
  return {
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

/** Go's json.Marshal of metav1.Status: fields in struct order, empty ones omitted. */
export function encodeStatusJson(s: StreamStatus): string {
  const o: Record<string, unknown> = { metadata: {}, status: s.status };
  if (s.message !== undefined) o.message = s.message;
  if (s.reason !== undefined) o.reason = s.reason;
  if (s.details !== undefined) o.details = s.details;
  if (s.code !== undefined) o.code = s.code;
  return JSON.stringify(o);
}

/** Whether the protocol writes the status as JSON (v4 and later) or as error text. */
function statusIsJson(protocol: string): boolean {
  return (
    protocol === 'v4.channel.k8s.io' ||
    protocol === 'v4.base64.channel.k8s.io' ||
    protocol === 'v5.channel.k8s.io'
  );
}

/** The bytes of the final status for a protocol (empty: write nothing). */
export function statusBytes(protocol: string, s: StreamStatus): Buffer {
  if (statusIsJson(protocol)) return Buffer.from(encodeStatusJson(s));
  // v1WriteStatusFunc: nothing on success, the StatusError's Error() (its message) otherwise.
  return s.status === 'Success' ? Buffer.alloc(0) : Buffer.from(s.message ?? '');
}

/**
 * Feeds JSON terminal sizes (`{"Width":80,"Height":24}` objects, as client-go's json.Encoder
 * writes them, newline-separated) into a queue; ends it when the stream ends.
 */
export function pumpResizes(source: Readable, queue: TerminalSizeQueue): void {
  let buf = '';
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => {
    buf += chunk;
    for (;;) {
      const start = buf.indexOf('{');
      const end = buf.indexOf('}', start);
      if (start < 0 || end < 0) break;
      const text = buf.slice(start, end + 1);
      buf = buf.slice(end + 1);
      try {
        const v = JSON.parse(text) as { Width?: unknown; Height?: unknown };
        if (typeof v.Width === 'number' && typeof v.Height === 'number') {
          queue.push({ width: v.Width, height: v.Height } satisfies TerminalSize);
        }
      } catch {
        // upstream logs and stops decoding; skip the malformed object
      }
    }
    if (buf.length > 4096) buf = '';
  });
  source.once('end', () => {
    queue.close();
  });
  source.once('close', () => {
    queue.close();
  });
}

/** The negotiated session: the streams plus how to finish it. */
export interface RemoteCommandSession {
  readonly protocol: string;
  readonly streams: ContainerStreams;
  /** Writes the final status, ends the output streams and closes the connection. */
  finish(status: StreamStatus): Promise<void>;
}

/**
 * Wraps a stream to the client so the backend's writes never fail after the client left; each
 * write completes when the target took it, and ending it ends the target (SPDY FIN).
 */
function safeWritable(target: Writable): Writable {
  target.on('error', () => undefined);
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (target.destroyed || target.writableEnded) {
        cb();
        return;
      }
      target.write(chunk, () => {
        cb();
      });
    },
    final(cb) {
      if (target.destroyed || target.writableEnded) {
        cb();
        return;
      }
      target.end(() => {
        cb();
      });
    },
  });
}

/**
 * createWebSocketStreams: channels 0 stdin (read), 1 stdout, 2 stderr, 3 error (write),
 * 4 resize (read); an empty message on the lowest writable stream tells the client the
 * connection is up (stdout, else stderr, else error).
 */
export function webSocketSession(
  conn: ChannelConn,
  protocol: string,
  opts: StreamOptions,
): RemoteCommandSession {
  const [stdinCh, stdoutCh, stderrCh, , resizeCh] = conn.channels;
  if (opts.stdout) conn.send(1, Buffer.alloc(0));
  else if (opts.stderr) conn.send(2, Buffer.alloc(0));
  else conn.send(3, Buffer.alloc(0));
  const abort = new AbortController();
  void conn.closed.then(() => {
    abort.abort(new Error('client disconnected'));
  });
  let resize: TerminalSizeQueue | undefined;
  if (opts.tty && resizeCh !== undefined) {
    resize = new TerminalSizeQueue();
    pumpResizes(resizeCh, resize);
  }
  const stdout = opts.stdout && stdoutCh !== undefined ? safeWritable(stdoutCh) : undefined;
  const stderr = opts.stderr && stderrCh !== undefined ? safeWritable(stderrCh) : undefined;
  const streams: ContainerStreams = {
    tty: opts.tty,
    signal: abort.signal,
    ...(opts.stdin && stdinCh !== undefined ? { stdin: stdinCh } : {}),
    ...(stdout !== undefined ? { stdout } : {}),
    ...(stderr !== undefined ? { stderr } : {}),
    ...(resize !== undefined ? { resize } : {}),
  };
  return {
    protocol,
    streams,
    async finish(status) {
      await Promise.all([flushEnd(stdout), flushEnd(stderr)]);
      const bytes = statusBytes(protocol, status);
      if (bytes.length > 0) conn.send(3, bytes);
      resize?.close();
      conn.close();
    },
  };
}

/** Ends a wrapped output and waits until the target ended. */
function flushEnd(w: Writable | undefined): Promise<void> {
  if (w === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    w.end(() => {
      resolve();
    });
  });
}

/** The remotecommand channels the WebSocket protocols carry (createChannels). */
export function remoteCommandChannels(
  opts: StreamOptions,
): ('ignore' | 'read' | 'write' | 'readwrite')[] {
  return [
    opts.stdin ? 'read' : 'ignore',
    opts.stdout ? 'write' : 'ignore',
    opts.stderr ? 'write' : 'ignore',
    'write',
    'read',
  ];
}

/** The WebSocket subprotocols remotecommand serves (createWebSocketStreams). */
export const REMOTE_COMMAND_WS_PROTOCOLS = [
  '',
  'channel.k8s.io',
  'base64.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'v5.channel.k8s.io',
] as const;

/** Which framing a WebSocket remotecommand protocol uses. */
export function isBinaryChannelProtocol(protocol: string): boolean {
  return protocol !== 'base64.channel.k8s.io' && protocol !== 'v4.base64.channel.k8s.io';
}

/**
 * createHTTPStreamStreams after the SPDY upgrade: waits for the client's streams (error, and
 * stdin/stdout/stderr as requested, resize with a tty on v3+), identified by their
 * `streamType` header, within `timeoutMs` (the kubelet's stream creation timeout, 30 s).
 * Collects streams from `conn` through the returned `onStream`, which the caller passes to the
 * SpdyConnection; `ready` resolves with the session or rejects on timeout / disconnect.
 */
export function spdySessionCollector(
  protocol: string,
  opts: StreamOptions,
  timeoutMs: number,
): {
  onStream: (s: SpdyStream) => void;
  ready: (conn: SpdyConnection) => Promise<RemoteCommandSession>;
} {
  const got = new Map<string, SpdyStream>();
  let notify: (() => void) | undefined;
  const supportsResize = protocol !== 'v2.channel.k8s.io' && protocol !== 'channel.k8s.io';
  let expected = 1;
  if (opts.stdin) expected++;
  if (opts.stdout) expected++;
  if (opts.stderr) expected++;
  if (opts.tty && supportsResize) expected++;
  const known = new Set([
    'error',
    'stdin',
    'stdout',
    'stderr',
    ...(supportsResize ? ['resize'] : []),
  ]);
  return {
    onStream(s) {
      const type = s.header('streamType');
      // waitForStreams: unknown types are logged ("unexpected stream type") and ignored.
      if (!known.has(type)) return;
      got.set(type, s);
      notify?.();
    },
    async ready(conn) {
      const deadline = Date.now() + timeoutMs;
      while (got.size < expected) {
        if (conn.isClosed) throw new Error('connection closed while waiting for streams');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timed out waiting for client to create streams');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 1000));
          notify = () => {
            clearTimeout(t);
            resolve();
          };
          void conn.closed.then(() => {
            clearTimeout(t);
            resolve();
          });
        });
        notify = undefined;
      }
      const errorStream = got.get('error');
      const stdin = got.get('stdin');
      const stdoutS = got.get('stdout');
      const stderrS = got.get('stderr');
      const resizeS = got.get('resize');
      const abort = new AbortController();
      void conn.closed.then(() => {
        abort.abort(new Error('client disconnected'));
      });
      let resize: TerminalSizeQueue | undefined;
      if (opts.tty && resizeS !== undefined) {
        resize = new TerminalSizeQueue();
        pumpResizes(resizeS, resize);
      }
      // The client never writes on output streams; drain them so FIN/RST are seen.
      for (const s of [errorStream, stdoutS, stderrS]) s?.resume();
      const stdout = stdoutS !== undefined ? safeWritable(stdoutS) : undefined;
      const stderr = stderrS !== undefined ? safeWritable(stderrS) : undefined;
      const streams: ContainerStreams = {
        tty: opts.tty,
        signal: abort.signal,
        ...(stdin !== undefined ? { stdin } : {}),
        ...(stdout !== undefined ? { stdout } : {}),
        ...(stderr !== undefined ? { stderr } : {}),
        ...(resize !== undefined ? { resize } : {}),
      };
      return {
        protocol,
        streams,
        async finish(status) {
          await Promise.all([flushEnd(stdout), flushEnd(stderr)]);
          const bytes = statusBytes(protocol, status);
          if (errorStream !== undefined) {
            await new Promise<void>((resolve) => {
              errorStream.end(bytes, () => {
                resolve();
              });
            });
          }
          resize?.close();
          await conn.close();
        },
      };
    },
  };
}
