/**
 * A small HTTPS client for e2e tests that talks to `./skiff server` directly (no kubectl): it
 * reads the CA, server URL and admin client certificate from the kubeconfig the server wrote,
 * and offers three ways to send a request:
 *   - `request`: node:https over one keep-alive agent (HTTP/1.1), any method, path and body;
 *   - `raw`: bytes written straight onto a TLS socket, for requests Node's client refuses to
 *     build (lying Content-Length, hand-made chunked framing, odd methods or paths);
 *   - `anonymous`: like `request` but without the client certificate (full handshake each time).
 * Every call resolves with the status, headers and body; none throws on an HTTP error status.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import tls from 'node:tls';
import { parse as parseYaml } from 'yaml';

/** One HTTP answer. `body` is the raw bytes; `text()`/`json()` decode it. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A request to send. `body` may be a string or bytes; omit it for none. */
export interface HttpRequest {
  method: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Uint8Array;
  /** Abort after this many ms (default 15 000). */
  timeoutMs?: number;
}

/** The credentials and address read from a kubeconfig. */
export interface KubeconfigCreds {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

interface KubeconfigFile {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

/** Reads the first cluster and user of a kubeconfig (the admin kubeconfig skiff writes). */
export function readKubeconfig(path: string): KubeconfigCreds {
  const doc = parseYaml(readFileSync(path, 'utf8')) as KubeconfigFile;
  const cluster = doc.clusters?.[0]?.cluster;
  const user = doc.users?.[0]?.user;
  const server = cluster?.server;
  const caData = cluster?.['certificate-authority-data'];
  const certData = user?.['client-certificate-data'];
  const keyData = user?.['client-key-data'];
  if (
    server === undefined ||
    caData === undefined ||
    certData === undefined ||
    keyData === undefined
  ) {
    throw new Error(`kubeconfig ${path} lacks server, CA or client credentials`);
  }
  const url = new URL(server);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port === '' ? '443' : url.port),
    ca: Buffer.from(caData, 'base64'),
    cert: Buffer.from(certData, 'base64'),
    key: Buffer.from(keyData, 'base64'),
  };
}

/** A client bound to one server. Call `close()` to drop its pooled connections. */
export interface ApiClient {
  creds: KubeconfigCreds;
  request(req: HttpRequest): Promise<HttpAnswer>;
  anonymous(req: HttpRequest): Promise<HttpAnswer>;
  /**
   * Without a certificate over an agent that caches TLS sessions, so a second call resumes the
   * first one's TLS 1.3 session.
   */
  resumedAnonymous(req: HttpRequest): Promise<HttpAnswer>;
  raw(bytes: Buffer | string, timeoutMs?: number): Promise<HttpAnswer>;
  close(): void;
}

function send(agent: https.Agent, creds: KubeconfigCreds, req: HttpRequest): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    // An explicit length: Node does not frame a DELETE/OPTIONS body by itself, and the bytes
    // would then be read as the next request on the connection.
    const headers: OutgoingHttpHeaders = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = https.request(
      {
        host: creds.host,
        port: creds.port,
        method: req.method,
        path: req.path,
        headers,
        agent,
        timeout: req.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`timeout: ${req.method} ${req.path}`)));
    r.on('error', reject);
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}

/**
 * Parses one HTTP/1.1 response from `data` (status line, headers, then a Content-Length or
 * chunked body, or whatever arrived before the close).
 */
export function parseRawResponse(data: Buffer): HttpAnswer {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0)
    throw new Error(
      `no HTTP response head in ${JSON.stringify(data.toString('latin1').slice(0, 200))}`,
    );
  const head = data.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (m === null) throw new Error(`bad status line ${JSON.stringify(head[0])}`);
  const headers: IncomingHttpHeaders = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = data.subarray(end + 4);
  const length = headers['content-length'];
  if (typeof length === 'string') {
    body = body.subarray(0, Number(length));
  } else if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    let rest = body;
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      const size = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
      if (!Number.isFinite(size) || size === 0) break;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      rest = rest.subarray(nl + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(m[1]), headers, body };
}

/**
 * Writes `bytes` on a fresh TLS connection (client certificate, ALPN http/1.1) and reads until
 * the server has sent a complete response or closes. Resolves once one response is parsed.
 */
function sendRaw(
  creds: KubeconfigCreds,
  bytes: Buffer | string,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: creds.host,
      port: creds.port,
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      ALPNProtocols: ['http/1.1'],
      servername: 'localhost',
    });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      const data = Buffer.concat(chunks);
      try {
        const answer = parseRawResponse(data);
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      } catch (parseErr) {
        if (err !== undefined || socket.destroyed || socket.readableEnded) {
          done = true;
          clearTimeout(timer);
          socket.destroy();
          reject(err ?? (parseErr as Error));
        }
      }
    };
    const complete = (): boolean => {
      const data = Buffer.concat(chunks);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const head = data.subarray(0, end).toString('latin1').toLowerCase();
      const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
      if (cl !== null) return data.length - end - 4 >= Number(cl[1]);
      if (head.includes('transfer-encoding: chunked')) return data.includes('\r\n0\r\n\r\n');
      return false;
    };
    const timer = setTimeout(() => {
      finish(new Error('raw request timed out'));
    }, timeoutMs);
    socket.on('secureConnect', () => {
      socket.write(bytes);
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (complete()) finish();
    });
    socket.on('end', () => {
      finish(new Error('connection closed before a full response'));
    });
    socket.on('close', () => {
      finish(new Error('connection closed before a full response'));
    });
    socket.on('error', (err: Error) => {
      finish(err);
    });
  });
}

/** Builds a client from the kubeconfig at `path`. */
export function apiClient(kubeconfigPath: string, maxSockets = 16): ApiClient {
  const creds = readKubeconfig(kubeconfigPath);
  const agent = new https.Agent({
    ca: creds.ca,
    cert: creds.cert,
    key: creds.key,
    keepAlive: true,
    maxSockets,
    servername: 'localhost',
  });
  // No TLS session cache: a resumed TLS 1.3 session without a client certificate is a separate
  // case (see resumedAnonymous), and plain anonymous requests must always do a full handshake.
  const anon = new https.Agent({
    ca: creds.ca,
    keepAlive: false,
    maxSockets: 4,
    maxCachedSessions: 0,
    servername: 'localhost',
  });
  const resumingAnon = new https.Agent({ ca: creds.ca, keepAlive: false, servername: 'localhost' });
  return {
    creds,
    request: (req) => send(agent, creds, req),
    anonymous: (req) => send(anon, creds, req),
    resumedAnonymous: (req) => send(resumingAnon, creds, req),
    raw: (bytes, timeoutMs = 15_000) => sendRaw(creds, bytes, timeoutMs),
    close: () => {
      agent.destroy();
      anon.destroy();
      resumingAnon.destroy();
    },
  };
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonOf(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
