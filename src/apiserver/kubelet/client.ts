/**
 * The API server's HTTPS client to kubelets (upstream pkg/kubelet/client): requests with the
 * API server's kubelet client certificate, the kubelet's serving certificate verified against a
 * CA when one is configured, and upgrade (WebSocket, SPDY) requests proxied byte for byte
 * (upstream's UpgradeAwareHandler). Lives in the API server process; node:https only.
 */
import http, { type IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  joinHostPort,
  kubeletEndpoint,
  type KubeletEndpoint,
  type KubeletEndpointOptions,
} from './address.ts';
import type { KubeletLocation } from './connect.ts';

/** How the API server talks to kubelets (upstream --kubelet-* flags). */
export interface KubeletClientConfig extends KubeletEndpointOptions {
  /** Client certificate and key (PEM) presented to kubelets (--kubelet-client-certificate/-key). */
  certPem: string;
  keyPem: string;
  /**
   * CA (PEM) that signs kubelet serving certificates (--kubelet-certificate-authority). Absent:
   * kubelet serving certificates are NOT verified, which is upstream's behaviour without that
   * flag (kubelets commonly serve a self-signed certificate).
   */
  caPem?: string;
  /** Connect timeout and the header timeout of non-streaming requests, ms (default 10 000). */
  timeoutMs?: number;
}

/** Headers the API server never forwards: its own credentials and hop-by-hop headers. */
const DROPPED_HEADERS = new Set([
  'authorization',
  'host',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
]);

/** The WebSocket subprotocol prefix that carries a bearer token (k8s.io/apiserver websocket auth). */
const BEARER_PROTOCOL_PREFIX = 'base64url.bearer.authorization.k8s.io.';

/**
 * The headers of a client request as forwarded to the kubelet: credentials removed (the
 * Authorization header, Impersonate-* headers, and the bearer-token WebSocket subprotocol, as
 * upstream's authentication and impersonation filters remove them), X-Forwarded-For appended.
 * Pure; `headers` is not modified.
 */
export function forwardedHeaders(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    const lower = name.toLowerCase();
    if (DROPPED_HEADERS.has(lower) || lower.startsWith('impersonate-')) continue;
    if (lower === 'sec-websocket-protocol') {
      const protocols = (Array.isArray(value) ? value.join(',') : value)
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '' && !p.startsWith(BEARER_PROTOCOL_PREFIX));
      if (protocols.length > 0) out[name] = protocols.join(', ');
      continue;
    }
    out[name] = value;
  }
  if (remoteAddress !== undefined && remoteAddress !== '') {
    const prior = headers['x-forwarded-for'];
    const priorText = Array.isArray(prior) ? prior.join(', ') : prior;
    out['x-forwarded-for'] =
      priorText === undefined || priorText === ''
        ? remoteAddress
        : `${priorText}, ${remoteAddress}`;
  }
  return out;
}

/** Options of one request to a kubelet. */
export interface KubeletRequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** Skip verifying the kubelet's certificate for this request (insecureSkipTLSVerifyBackend). */
  insecureSkipVerify?: boolean;
  /** Aborting destroys the request and its response. */
  signal?: AbortSignal;
  /** The request body (proxied requests), sent as it is read. */
  body?: AsyncIterable<unknown>;
}

/**
 * A connection error to a kubelet (refused, TLS failure, timeout): the API server answers
 * these as upstream does, with a 500 carrying the Go-like message in `message`.
 */
export class KubeletConnectionError extends Error {
  override readonly name = 'KubeletConnectionError';
}

/** The client; one per API server. `close()` drops its idle connections. */
export class KubeletClient {
  private readonly secureContext: tls.SecureContext;
  private readonly agent: https.Agent;
  private readonly insecureAgent: https.Agent;
  private readonly timeoutMs: number;

  constructor(private readonly config: KubeletClientConfig) {
    this.timeoutMs = config.timeoutMs ?? 10_000;
    // One TLS context for every connection: given cert, key and ca instead, Node parses them
    // into a new context per connection (~1-2 ms of CPU each), and the metrics scraper opens
    // one per node and round when kubelets do not keep connections alive.
    this.secureContext = tls.createSecureContext({
      cert: config.certPem,
      key: config.keyPem,
      ...(config.caPem === undefined ? {} : { ca: config.caPem }),
    });
    const base = { secureContext: this.secureContext, keepAlive: true, maxSockets: 50 };
    this.agent = new https.Agent({ ...base, rejectUnauthorized: config.caPem !== undefined });
    this.insecureAgent = new https.Agent({ ...base, rejectUnauthorized: false });
  }

  /** The kubelet endpoint of `node` with this client's address preferences (may throw). */
  endpointOf(node: Node): KubeletEndpoint {
    return kubeletEndpoint(node, this.config);
  }

  /** `https://host:port/path?query` of a location on a kubelet. */
  static urlOf(endpoint: KubeletEndpoint, location: KubeletLocation): string {
    const query = location.query === '' ? '' : `?${location.query}`;
    return `https://${joinHostPort(endpoint.host, endpoint.port)}${location.path}${query}`;
  }

  /**
   * Sends a request and resolves with the response once its headers arrive (any status; the
   * caller reads and owns the body). Rejects with KubeletConnectionError when the kubelet
   * cannot be reached or does not answer within the timeout.
   */
  request(
    endpoint: KubeletEndpoint,
    location: KubeletLocation,
    opts: KubeletRequestOptions = {},
  ): Promise<IncomingMessage> {
    return sendRequest(
      KubeletClient.urlOf(endpoint, location),
      opts.insecureSkipVerify === true ? this.insecureAgent : this.agent,
      this.timeoutMs,
      opts,
    );
  }

  /**
   * Proxies an upgrade request (WebSocket or SPDY) to `location` on the kubelet. `client` is the
   * client's socket, taken over from the HTTP server, and `head` the bytes already read past the
   * request. When the kubelet switches protocols, its 101 response is relayed and bytes flow
   * both ways until either side closes; any other response is relayed as is and the connection
   * closed. Resolves when the exchange is set up (or relayed); rejects with
   * KubeletConnectionError before anything was written to `client`, so the caller can answer
   * with a Status.
   */
  upgrade(
    endpoint: KubeletEndpoint,
    location: KubeletLocation,
    incoming: { method: string; headers: IncomingHttpHeaders; remoteAddress?: string | undefined },
    client: Duplex,
    head: Buffer,
  ): Promise<void> {
    const url = KubeletClient.urlOf(endpoint, location);
    const headers = forwardedHeaders(incoming.headers, incoming.remoteAddress);
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method: incoming.method,
        headers,
        // A fresh connection: it becomes the tunnel and never returns to a pool.
        agent: false,
        // https.RequestOptions does not declare it; tls.connect takes it from these options.
        ...({ secureContext: this.secureContext } as https.RequestOptions),
        rejectUnauthorized: this.config.caPem !== undefined,
        timeout: this.timeoutMs,
      });
      let answered = false;
      const onClientGone = (): void => {
        req.destroy();
      };
      client.once('close', onClientGone);
      req.once('timeout', () => {
        req.destroy(
          new KubeletConnectionError(`Get "${url}": net/http: timeout awaiting response headers`),
        );
      });
      req.on('error', (err) => {
        if (!answered) {
          client.off('close', onClientGone);
          reject(connectionError(url, incoming.method, err));
        }
      });
      req.once('upgrade', (res, backend, backendHead) => {
        answered = true;
        client.off('close', onClientGone);
        backend.setTimeout(0);
        client.write(responseHead(res));
        if (backendHead.length > 0) client.write(backendHead);
        if (head.length > 0) backend.write(head);
        backend.pipe(client);
        client.pipe(backend);
        const closeBoth = (): void => {
          backend.destroy();
          client.destroy();
        };
        backend.once('close', closeBoth);
        client.once('close', closeBoth);
        backend.on('error', closeBoth);
        client.on('error', closeBoth);
        resolve();
      });
      req.once('response', (res) => {
        // The kubelet refused the upgrade (400, 401, 403, 404...): relay its answer and close.
        answered = true;
        client.off('close', onClientGone);
        req.setTimeout(0);
        client.write(responseHead(res, true));
        res.pipe(client);
        res.once('end', () => {
          client.end();
        });
        resolve();
      });
      if (head.length > 0) req.write(head);
      req.end();
    });
  }

  /** Drops idle kubelet connections (streams in progress keep theirs). */
  close(): void {
    this.agent.destroy();
    this.insecureAgent.destroy();
  }
}

/**
 * The status line and headers of a kubelet response as raw HTTP/1.1 text. `close` marks a
 * relayed non-upgrade response as the last one on the connection.
 */
function responseHead(res: IncomingMessage, close = false): string {
  const lines = [`HTTP/1.1 ${String(res.statusCode ?? 502)} ${res.statusMessage ?? ''}`];
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    // The body is relayed decoded and ends with the connection.
    if (close && /^(connection|keep-alive|transfer-encoding|content-length)$/i.test(name)) continue;
    lines.push(`${name}: ${raw[i + 1] ?? ''}`);
  }
  if (close) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function connectionError(url: string, method: string, err: unknown): KubeletConnectionError {
  if (err instanceof KubeletConnectionError) return err;
  const verb = goMethod(method);
  const e = err as { code?: unknown; address?: unknown; port?: unknown; message?: unknown };
  const GO_ERRNO: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    EHOSTUNREACH: 'no route to host',
    ENETUNREACH: 'network is unreachable',
    ETIMEDOUT: 'i/o timeout',
  };
  const errno = typeof e.code === 'string' ? GO_ERRNO[e.code] : undefined;
  const detail =
    errno !== undefined && typeof e.address === 'string' && typeof e.port === 'number'
      ? `dial tcp ${joinHostPort(e.address, e.port)}: connect: ${errno}`
      : err instanceof Error
        ? err.message
        : String(err);
  return new KubeletConnectionError(`${verb} "${url}": ${detail}`, { cause: err });
}

/**
 * One HTTP(S) request with a header timeout (not a body timeout: followed logs stay silent for
 * long). Resolves with the response once its headers arrive; rejects with
 * KubeletConnectionError when the server cannot be reached.
 */
export function sendRequest(
  url: string,
  agent: https.Agent | http.Agent | false,
  timeoutMs: number,
  opts: KubeletRequestOptions = {},
): Promise<IncomingMessage> {
  const method = opts.method ?? 'GET';
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? https.request : http.request;
    const req = request(url, {
      method,
      headers: opts.headers ?? {},
      agent,
      timeout: timeoutMs,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    let answered = false;
    req.once('response', (res) => {
      answered = true;
      req.setTimeout(0);
      resolve(res);
    });
    req.once('timeout', () => {
      req.destroy(
        new KubeletConnectionError(
          `${goMethod(method)} "${url}": net/http: timeout awaiting response headers`,
        ),
      );
    });
    req.on('error', (err) => {
      if (!answered) reject(connectionError(url, method, err));
    });
    const body = opts.body;
    if (body === undefined) {
      req.end();
      return;
    }
    (async () => {
      for await (const chunk of body) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch((err: unknown) => {
      req.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

function goMethod(method: string): string {
  return method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
}
