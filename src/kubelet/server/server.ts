/**
 * The kubelet's HTTPS API (upstream pkg/kubelet/server/server.go): what the API server reaches
 * for `kubectl logs|exec|attach|port-forward|cp` (pods/log, pods/exec, ... and nodes/proxy) and
 * what metrics scraping reads.
 *
 * Routes: `/healthz`, `/pods`, `/containerLogs/{ns}/{pod}/{container}`,
 * `/exec/{ns}/{pod}[/{uid}]/{container}`, `/attach/...` (GET and POST),
 * `/portForward/{ns}/{pod}[/{uid}]`, `/stats/summary`, `/metrics/resource`, `/configz`.
 * Exec/attach speak WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`, `channel.k8s.io`,
 * base64 variants) and SPDY/3.1 (remotecommand v1..v5); port-forward speaks SPDY
 * (`portforward.k8s.io`), WebSocket `v4.channel.k8s.io` and SPDY tunnelled in a WebSocket.
 * Every request goes through the auth filter unless `auth` is omitted.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { LogReadError, logOptions, readLogFile } from '../lifecycle/index.ts';
import type { PodLogOptions } from '../lifecycle/index.ts';
import { authenticateAndAuthorize } from './auth.ts';
import type { KubeletAuthConfig } from './auth.ts';
import {
  PORT_FORWARD_PROTOCOL,
  PORT_FORWARD_TUNNEL_PROTOCOL,
  PORT_FORWARD_WS_PROTOCOLS,
  parseWebSocketPorts,
  portForwardChannels,
  serveWebSocketPortForward,
  spdyPortForwardHandler,
} from './portforward.ts';
import type { PortForwarder } from './portforward.ts';
import {
  REMOTE_COMMAND_PROTOCOLS,
  REMOTE_COMMAND_WS_PROTOCOLS,
  internalErrorStatus,
  isBinaryChannelProtocol,
  nonZeroExitStatus,
  parseStreamOptions,
  remoteCommandChannels,
  spdySessionCollector,
  successStatus,
  webSocketSession,
} from './remotecommand.ts';
import type { RemoteCommandSession, StreamOptions, StreamStatus } from './remotecommand.ts';
import { SpdyConnection } from './spdy/connection.ts';
import type { SpdyStream } from './spdy/connection.ts';
import { KubeletServerError } from './types.ts';
import type { KubeletServerBackend } from './types.ts';
import {
  ChannelConn,
  acceptWebSocket,
  isWebSocketRequest,
  negotiateChannelProtocol,
  offeredProtocols,
  webSocketByteStream,
} from './wsstream.ts';

/** Options of {@link KubeletServer}. */
export interface KubeletServerOptions {
  readonly backend: KubeletServerBackend;
  /**
   * Authentication and authorization; omitted = every request allowed (tests only; the kubelet
   * always configures it). With `x509`, `tls.ca` must hold the client CA.
   */
  readonly auth?: KubeletAuthConfig;
  /** Serve HTTPS with this certificate (PEM); without it plain HTTP (tests). */
  readonly tls?: {
    readonly cert: string | Buffer;
    readonly key: string | Buffer;
    readonly ca?: string | Buffer;
  };
  /** How long exec/attach/port-forward wait for the client's streams (default 30 s). */
  readonly streamCreationTimeoutMs?: number;
  /** The clock for log `sinceSeconds` (default Date.now). */
  readonly now?: () => number;
}

/** One request, answered either through the ServerResponse or on the raw upgrade socket. */
interface Exchange {
  readonly req: http.IncomingMessage;
  readonly url: URL;
  readonly upgrade?: { socket: Duplex; head: Buffer };
  readonly res?: http.ServerResponse;
}

const TEXT = 'text/plain; charset=utf-8';

/** Answers a request with a status and text (go-restful WriteError / http.Error). */
function respond(
  ex: Exchange,
  status: number,
  body: string,
  headers: Record<string, string | string[]> = {},
  contentType = TEXT,
): void {
  if (ex.res !== undefined) {
    if (ex.res.headersSent) {
      ex.res.end();
      return;
    }
    ex.res.writeHead(status, { 'Content-Type': contentType, ...headers });
    ex.res.end(body);
    return;
  }
  const socket = ex.upgrade?.socket;
  if (socket === undefined || socket.destroyed) return;
  const b = Buffer.from(body);
  const lines = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${contentType}`,
    `Content-Length: ${b.length}`,
    'Connection: close',
  ];
  for (const [k, v] of Object.entries(headers)) {
    for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${one}`);
  }
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), b]));
}

/** Whether the pod spec has the container (GetContainerSpec: regular, init, ephemeral). */
function hasContainer(pod: Pod, name: string): boolean {
  const spec = pod.spec;
  return (
    (spec?.containers ?? []).some((c) => c.name === name) ||
    (spec?.initContainers ?? []).some((c) => c.name === name) ||
    (spec?.ephemeralContainers ?? []).some((c) => c.name === name)
  );
}

/** A decoding failure of the log query (answered `{"message": "Unable to decode query."}`). */
class QueryDecodeError extends Error {}

function parseBool(v: string): boolean {
  // strconv.ParseBool
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new QueryDecodeError(v);
}

function parseInt64(v: string): number {
  if (!/^[+-]?\d+$/.test(v)) throw new QueryDecodeError(v);
  return Number(v);
}

/**
 * The kubelet's decoding of container log queries into v1 PodLogOptions: `tail` is the legacy
 * name of `tailLines` (`all` = none); booleans and integers as Go parses them; `sinceTime` RFC
 * 3339. Returns undefined when validation fails (ValidatePodLogOptions: negative tailLines,
 * limitBytes < 1, sinceSeconds < 1, both since forms).
 * @throws QueryDecodeError when a value does not parse.
 */
export function decodeLogQuery(q: URLSearchParams): PodLogOptions | undefined {
  const get = (k: string): string | undefined => {
    const v = q.get(k);
    return v === null ? undefined : v;
  };
  let tailLines = get('tailLines');
  const tail = get('tail');
  if (tail !== undefined && tail !== '') tailLines = tail === 'all' ? undefined : tail;
  const o: {
    follow?: boolean;
    previous?: boolean;
    timestamps?: boolean;
    tailLines?: number;
    limitBytes?: number;
    sinceSeconds?: number;
    sinceTime?: string;
  } = {};
  const follow = get('follow');
  if (follow !== undefined && follow !== '') o.follow = parseBool(follow);
  const previous = get('previous');
  if (previous !== undefined && previous !== '') o.previous = parseBool(previous);
  const timestamps = get('timestamps');
  if (timestamps !== undefined && timestamps !== '') o.timestamps = parseBool(timestamps);
  if (tailLines !== undefined && tailLines !== '') o.tailLines = parseInt64(tailLines);
  const limit = get('limitBytes');
  if (limit !== undefined && limit !== '') o.limitBytes = parseInt64(limit);
  const since = get('sinceSeconds');
  if (since !== undefined && since !== '') o.sinceSeconds = parseInt64(since);
  const sinceTime = get('sinceTime');
  if (sinceTime !== undefined && sinceTime !== '') {
    if (Number.isNaN(Date.parse(sinceTime))) throw new QueryDecodeError(sinceTime);
    o.sinceTime = new Date(Date.parse(sinceTime)).toISOString();
  }
  if (o.tailLines !== undefined && o.tailLines < 0) return undefined;
  if (o.limitBytes !== undefined && o.limitBytes < 1) return undefined;
  if (o.sinceSeconds !== undefined && o.sinceSeconds < 1) return undefined;
  if (o.sinceSeconds !== undefined && o.sinceTime !== undefined) return undefined;
  return o;
}

/** Splits a path into its decoded segments. */
function segments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

/** The kubelet's HTTP(S) server. Construct, then `listen`; `close` ends every connection. */
export class KubeletServer {
  readonly #opts: KubeletServerOptions;
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  readonly #sessions = new Set<{ close(): void }>();

  constructor(opts: KubeletServerOptions) {
    this.#opts = opts;
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      void this.#handle({ req, res, url: new URL(req.url ?? '/', 'http://kubelet') });
    };
    this.#server =
      opts.tls !== undefined
        ? https.createServer(
            {
              cert: opts.tls.cert,
              key: opts.tls.key,
              ...(opts.tls.ca !== undefined
                ? { ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false }
                : {}),
            },
            onRequest,
          )
        : http.createServer(onRequest);
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined);
      void this.#handle({
        req,
        url: new URL(req.url ?? '/', 'http://kubelet'),
        upgrade: { socket, head },
      });
    });
    this.#server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
    this.#server.on('secureConnection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Stops listening and destroys open connections and streaming sessions. */
  async close(): Promise<void> {
    for (const s of this.#sessions) s.close();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }

  /** The node server, for embedding (e.g. to serve it on an existing listener). */
  get httpServer(): http.Server {
    return this.#server;
  }

  async #handle(ex: Exchange): Promise<void> {
    try {
      await this.#route(ex);
    } catch (err) {
      if (err instanceof KubeletServerError) respond(ex, err.statusCode, err.message);
      else respond(ex, 500, err instanceof Error ? err.message : String(err));
    }
  }

  async #route(ex: Exchange): Promise<void> {
    const path = ex.url.pathname;
    const { backend } = this.#opts;
    if (this.#opts.auth !== undefined) {
      const r = await authenticateAndAuthorize(this.#opts.auth, ex.req, path, backend.nodeName);
      if (!r.ok) {
        respond(ex, r.statusCode, r.message);
        return;
      }
    }
    const seg = segments(path);
    const method = ex.req.method ?? 'GET';
    const head = seg[0];
    if (path === '/healthz' || path === '/healthz/') {
      respond(ex, 200, 'ok');
      return;
    }
    if (head === 'pods' && seg.length === 1 && method === 'GET') {
      const items = await backend.listPods();
      respond(
        ex,
        200,
        JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items }),
        {},
        'application/json',
      );
      return;
    }
    if (head === 'containerLogs' && method === 'GET') {
      await this.#containerLogs(ex, seg);
      return;
    }
    if ((head === 'exec' || head === 'attach') && (method === 'GET' || method === 'POST')) {
      if (seg.length !== 4 && seg.length !== 5) {
        respond(ex, 404, '404 page not found');
        return;
      }
      const [, ns = '', podName = ''] = seg;
      const uid = seg.length === 5 ? seg[3] : undefined;
      const container = seg[seg.length - 1] ?? '';
      await this.#remoteCommand(ex, head, ns, podName, uid, container);
      return;
    }
    if (head === 'portForward' && (method === 'GET' || method === 'POST')) {
      if (seg.length !== 3 && seg.length !== 4) {
        respond(ex, 404, '404 page not found');
        return;
      }
      const [, ns = '', podName = '', uid] = seg;
      await this.#portForward(ex, ns, podName, uid);
      return;
    }
    if (path === '/stats/summary' || path === '/stats/summary/') {
      const stats = backend.stats;
      if (stats === undefined || method !== 'GET') {
        respond(ex, 404, '404 page not found');
        return;
      }
      const only = ex.url.searchParams.getAll('only_cpu_and_memory');
      const onlyCpuAndMemory = only.length === 1 && /^(1|t|T|TRUE|true|True)$/.test(only[0] ?? '');
      const summary = await stats.summary(onlyCpuAndMemory);
      respond(ex, 200, JSON.stringify(summary), {}, 'application/json');
      return;
    }
    if (path === '/metrics/resource' && backend.stats !== undefined && method === 'GET') {
      const text = await backend.stats.resourceMetrics();
      respond(ex, 200, text, {}, 'text/plain; version=0.0.4; charset=utf-8');
      return;
    }
    if (path === '/configz' && backend.configz !== undefined && method === 'GET') {
      respond(
        ex,
        200,
        JSON.stringify({ kubeletconfig: backend.configz() }),
        {},
        'application/json',
      );
      return;
    }
    // Go's http.NotFound.
    respond(ex, 404, '404 page not found\n');
  }

  /** getContainerLogs. */
  async #containerLogs(ex: Exchange, seg: string[]): Promise<void> {
    const [, ns = '', podName = '', container = ''] = seg;
    if (podName === '') {
      respond(ex, 400, '{"message": "Missing podID."}');
      return;
    }
    if (container === '') {
      respond(ex, 400, '{"message": "Missing container name."}');
      return;
    }
    if (ns === '') {
      respond(ex, 400, '{"message": "Missing podNamespace."}');
      return;
    }
    let opts: PodLogOptions | undefined;
    try {
      opts = decodeLogQuery(ex.url.searchParams);
    } catch {
      respond(ex, 400, '{"message": "Unable to decode query."}');
      return;
    }
    if (opts === undefined) {
      respond(ex, 422, '{"message": "Invalid request."}');
      return;
    }
    const pod = await this.#opts.backend.getPodByName(ns, podName);
    if (pod === undefined) {
      respond(ex, 404, `pod ${JSON.stringify(podName)} does not exist`);
      return;
    }
    if (!hasContainer(pod, container)) {
      respond(
        ex,
        404,
        `container ${JSON.stringify(container)} not found in pod ${JSON.stringify(podName)}`,
      );
      return;
    }
    const res = ex.res;
    if (res === undefined) {
      respond(ex, 400, 'log requests cannot be upgraded');
      return;
    }
    const source = await this.#opts.backend.containerLogs(pod, container, opts);
    const abort = new AbortController();
    res.once('close', () => {
      abort.abort(new Error('client disconnected'));
    });
    // Headers go out with the first bytes, so an error before any output is still a 400
    // (upstream's flushwriter behaves the same).
    const write = (chunk: Uint8Array): void => {
      if (!res.headersSent) {
        res.writeHead(200, { 'Content-Type': TEXT, 'Transfer-Encoding': 'chunked' });
      }
      res.write(chunk);
    };
    try {
      await readLogFile(
        source.path,
        logOptions(opts, (this.#opts.now ?? Date.now)()),
        { stdout: write, stderr: write },
        { signal: abort.signal, isRunning: () => source.isRunning() },
      );
    } catch (err) {
      if (err instanceof LogReadError && !res.headersSent) {
        respond(ex, 400, err.message);
        return;
      }
      throw err;
    }
    if (!res.headersSent)
      res.writeHead(200, { 'Content-Type': TEXT, 'Transfer-Encoding': 'chunked' });
    res.end();
  }

  /** getExec / getAttach. */
  async #remoteCommand(
    ex: Exchange,
    kind: 'exec' | 'attach',
    ns: string,
    podName: string,
    uid: string | undefined,
    container: string,
  ): Promise<void> {
    const cmd = ex.url.searchParams.getAll('command');
    let opts: StreamOptions;
    try {
      opts = parseStreamOptions(ex.url.searchParams);
    } catch (err) {
      respond(ex, 400, (err as Error).message);
      return;
    }
    const { backend } = this.#opts;
    const pod = await backend.getPodByName(ns, podName);
    if (pod === undefined) {
      respond(ex, 404, 'pod does not exist');
      return;
    }
    if (!hasContainer(pod, container) || (uid !== undefined && pod.metadata?.uid !== uid)) {
      // The runtime's findContainer failure, written by streaming.WriteError as a 500.
      respond(ex, 500, `container not found (${JSON.stringify(container)})`);
      return;
    }
    const session = await this.#openRemoteCommand(ex, opts);
    if (session === undefined) return;
    let status: StreamStatus;
    try {
      if (kind === 'exec') {
        const { exitCode } = await backend.exec(pod, uid, container, cmd, session.streams);
        status = exitCode === 0 ? successStatus() : nonZeroExitStatus(exitCode, cmd);
      } else {
        await backend.attach(pod, uid, container, session.streams);
        status = successStatus();
      }
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      // The kubelet wraps the CRI runtime's error, which containerd words as
      // `failed to exec in container: ...` (its streamRuntime.Exec).
      status = internalErrorStatus(
        kind === 'exec'
          ? `error executing command in container: failed to exec in container: ${text}`
          : `error attaching to container: ${text}`,
      );
    }
    await session.finish(status);
  }

  /** createStreams: WebSocket channels or a SPDY session, per the request. */
  async #openRemoteCommand(
    ex: Exchange,
    opts: StreamOptions,
  ): Promise<RemoteCommandSession | undefined> {
    const up = ex.upgrade;
    if (up !== undefined && isWebSocketRequest(ex.req)) {
      const protocol = negotiateChannelProtocol(
        offeredProtocols(ex.req),
        REMOTE_COMMAND_WS_PROTOCOLS,
      );
      if (protocol === undefined) {
        // golang.org/x/net/websocket answers a refused handshake with a bare 403.
        respond(ex, 403, '');
        return undefined;
      }
      const ws = await acceptWebSocket(ex.req, up.socket, up.head, protocol);
      const conn = new ChannelConn(ws, protocol, {
        binary: isBinaryChannelProtocol(protocol),
        channels: remoteCommandChannels(opts),
        // Give kubectl time to create its stream pipes (see holdOutputMs).
        holdOutputMs: 50,
      });
      this.#track(conn);
      return webSocketSession(conn, protocol, opts);
    }
    const protocol = this.#spdyHandshake(ex, REMOTE_COMMAND_PROTOCOLS);
    if (protocol === undefined || up === undefined) return undefined;
    const collector = spdySessionCollector(
      protocol,
      opts,
      this.#opts.streamCreationTimeoutMs ?? 30_000,
    );
    const conn = this.#upgradeSpdy(up, protocol, { onStream: collector.onStream });
    try {
      return await collector.ready(conn);
    } catch {
      conn.destroy();
      return undefined;
    }
  }

  /**
   * httpstream.Handshake + the SPDY upgrader's checks; answers the request itself on failure
   * and returns the negotiated protocol otherwise.
   */
  #spdyHandshake(ex: Exchange, serverProtocols: readonly string[]): string | undefined {
    const raw = ex.req.headersDistinct['x-stream-protocol-version'] ?? [];
    const clientProtocols = raw
      .flatMap((v) => v.split(',').map((s) => s.trim()))
      .filter((s) => s !== '');
    if (clientProtocols.length === 0) {
      respond(ex, 400, 'unable to upgrade: X-Stream-Protocol-Version is required\n');
      return undefined;
    }
    const negotiated = clientProtocols.find((p) => serverProtocols.includes(p));
    if (negotiated === undefined) {
      respond(
        ex,
        403,
        `unable to upgrade: unable to negotiate protocol: client supports [${clientProtocols.join(' ')}], server accepts [${serverProtocols.join(' ')}]\n`,
        { 'X-Accepted-Stream-Protocol-Versions': [...serverProtocols] },
      );
      return undefined;
    }
    const connection = (ex.req.headers.connection ?? '').toLowerCase();
    const upgrade = (ex.req.headers.upgrade ?? '').toLowerCase();
    if (
      ex.upgrade === undefined ||
      !connection.includes('upgrade') ||
      !upgrade.includes('spdy/3.1')
    ) {
      respond(ex, 400, 'unable to upgrade: missing upgrade headers in request');
      return undefined;
    }
    return negotiated;
  }

  /** Writes the 101 answer and starts the SPDY session (server role) on the socket. */
  #upgradeSpdy(
    up: { socket: Duplex; head: Buffer },
    protocol: string,
    handlers: {
      acceptStream?: (h: Map<string, string[]>) => void;
      onStream: (s: SpdyStream) => void;
    },
  ): SpdyConnection {
    up.socket.write(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Connection: Upgrade\r\n' +
        'Upgrade: SPDY/3.1\r\n' +
        `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
    );
    if (up.head.length > 0) up.socket.unshift(up.head);
    const conn = new SpdyConnection(up.socket, {
      role: 'server',
      ...(handlers.acceptStream !== undefined ? { acceptStream: handlers.acceptStream } : {}),
      onStream: handlers.onStream,
    });
    const entry = {
      close: () => {
        conn.destroy();
      },
    };
    this.#sessions.add(entry);
    void conn.closed.then(() => this.#sessions.delete(entry));
    return conn;
  }

  #track(conn: ChannelConn): void {
    const entry = {
      close: () => {
        conn.close();
      },
    };
    this.#sessions.add(entry);
    void conn.closed.then(() => this.#sessions.delete(entry));
  }

  /** getPortForward. */
  async #portForward(
    ex: Exchange,
    ns: string,
    podName: string,
    uid: string | undefined,
  ): Promise<void> {
    const { backend } = this.#opts;
    const pod = await backend.getPodByName(ns, podName);
    if (pod === undefined) {
      respond(ex, 404, 'pod does not exist');
      return;
    }
    if (uid !== undefined && pod.metadata?.uid !== uid) {
      respond(ex, 500, `pod not found (${JSON.stringify(`${podName}_${ns}`)})`);
      return;
    }
    const forward: PortForwarder = (port, stream, signal) =>
      backend.portForward(pod, uid, port, stream, signal);
    const label = { podName: pod.metadata?.uid ?? `${ns}/${podName}`, uid: '' };
    const up = ex.upgrade;
    if (up !== undefined && isWebSocketRequest(ex.req)) {
      const offered = offeredProtocols(ex.req);
      if (offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL)) {
        // SPDY inside the WebSocket (client-go tunneling_connection.go).
        const ws = await acceptWebSocket(ex.req, up.socket, up.head, PORT_FORWARD_TUNNEL_PROTOCOL);
        const pipe = webSocketByteStream(ws);
        const handler = spdyPortForwardHandler({
          ...label,
          forward,
          streamCreationTimeoutMs: this.#opts.streamCreationTimeoutMs ?? 30_000,
        });
        const conn = new SpdyConnection(pipe, {
          role: 'server',
          acceptStream: handler.acceptStream,
          onStream: handler.onStream,
        });
        const entry = {
          close: () => {
            conn.destroy();
          },
        };
        this.#sessions.add(entry);
        await handler.run(conn);
        this.#sessions.delete(entry);
        return;
      }
      let ports: number[];
      try {
        ports = parseWebSocketPorts(ex.url.searchParams);
      } catch (err) {
        respond(ex, 400, (err as Error).message);
        return;
      }
      const protocol = negotiateChannelProtocol(offered, PORT_FORWARD_WS_PROTOCOLS);
      if (protocol === undefined) {
        respond(ex, 403, '');
        return;
      }
      const ws = await acceptWebSocket(ex.req, up.socket, up.head, protocol);
      const conn = new ChannelConn(ws, protocol, {
        binary: isBinaryChannelProtocol(protocol),
        channels: portForwardChannels(ports),
      });
      this.#track(conn);
      await serveWebSocketPortForward(conn, ports, { ...label, forward });
      return;
    }
    const protocol = this.#spdyHandshake(ex, [PORT_FORWARD_PROTOCOL]);
    if (protocol === undefined || up === undefined) return;
    const handler = spdyPortForwardHandler({
      ...label,
      forward,
      streamCreationTimeoutMs: this.#opts.streamCreationTimeoutMs ?? 30_000,
    });
    const conn = this.#upgradeSpdy(up, protocol, {
      acceptStream: handler.acceptStream,
      onStream: handler.onStream,
    });
    await handler.run(conn);
  }
}
