/**
 * The HTTPS side of webhook calls (upstream webhookutil.ClientManager + client-go's REST
 * client, reduced to one POST): keep-alive agents per client configuration, `caBundle` as the
 * only trust roots when set, Service references dialled at a resolved address while TLS
 * verifies `<name>.<namespace>.svc`, and failures worded as Go's client words them
 * (`Post "<url>": <cause>`), because users read them in admission errors.
 */
import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { PeerCertificate } from 'node:tls';
import { defaultTrustedCAs } from '../../../util/host/tls-roots.ts';

/** Where and how to POST one AdmissionReview. */
export interface WebhookTarget {
  /** The URL as Go prints it in errors, query included (`https://svc.ns.svc:443/p?timeout=10s`). */
  readonly url: string;
  /** Address and port to connect to. */
  readonly connectHost: string;
  readonly connectPort: number;
  /** The name the certificate must carry; also the SNI name unless it is an IP address. */
  readonly serverName: string;
  /** The Host header (`host:port` as in the URL). */
  readonly hostHeader: string;
  /** Path and query to request. */
  readonly path: string;
  /** PEM trust roots (decoded caBundle); undefined uses the system roots. */
  readonly ca: string | undefined;
  /** Agent cache key: calls sharing it share keep-alive connections. */
  readonly agentKey: string;
}

/** A webhook's HTTP answer. */
export interface WebhookHttpResponse {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * A failed call. `message` is Go's wording (`Post "<url>": <cause>`); `timedOut` and
 * `canceled` tell the deadline and the caller's cancellation apart.
 */
export class WebhookCallError extends Error {
  override readonly name = 'WebhookCallError';

  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly canceled: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MAX_AGENTS = 256;

/**
 * Posts AdmissionReviews. Keeps at most 256 keep-alive agents (least recently used evicted
 * and destroyed). `close()` destroys every agent; calls after it still work (new agents).
 */
export class WebhookHttpClient {
  private readonly agents = new Map<string, Agent>();

  private agentFor(target: WebhookTarget): Agent {
    const existing = this.agents.get(target.agentKey);
    if (existing !== undefined) {
      // Re-insert to keep Map order = recency.
      this.agents.delete(target.agentKey);
      this.agents.set(target.agentKey, existing);
      return existing;
    }
    // Without a caBundle the webhook is verified against the default roots (upstream: the system's).
    const ca = target.ca ?? defaultTrustedCAs();
    const agent = new Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 8, ca });
    this.agents.set(target.agentKey, agent);
    if (this.agents.size > MAX_AGENTS) {
      const oldest = this.agents.keys().next();
      if (oldest.done !== true) {
        this.agents.get(oldest.value)?.destroy();
        this.agents.delete(oldest.value);
      }
    }
    return agent;
  }

  /**
   * POSTs `body` (JSON) and resolves with the answer, whatever its status code. Rejects with
   * WebhookCallError on connection/TLS failures, on `timeoutMs`, on `signal`, or when the
   * response exceeds `maxBytes`.
   */
  post(
    target: WebhookTarget,
    body: Buffer,
    timeoutMs: number,
    maxBytes: number,
    signal: AbortSignal | undefined,
  ): Promise<WebhookHttpResponse> {
    const prefix = `Post ${JSON.stringify(target.url)}: `;
    return new Promise((resolve, reject) => {
      let settled = false;
      let timedOut = false;
      const finish = (err: WebhookCallError | undefined, res?: WebhookHttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) reject(err);
        else if (res !== undefined) resolve(res);
      };
      const isIp = /^[0-9.]+$/.test(target.serverName) || target.serverName.includes(':');
      const req = request({
        host: target.connectHost,
        port: target.connectPort,
        method: 'POST',
        path: target.path,
        agent: this.agentFor(target),
        servername: isIp ? undefined : target.serverName,
        // Verify against the configured name, not the dialled address.
        checkServerIdentity: (_host: string, cert: PeerCertificate) =>
          checkIdentity(target.serverName, cert),
        headers: {
          host: target.hostHeader,
          'content-type': 'application/json',
          accept: 'application/json, */*',
          'content-length': String(body.length),
          'user-agent': 'skiff-apiserver-admission',
        },
      });
      const abortWith = (message: string, isTimeout: boolean): void => {
        const err = new WebhookCallError(prefix + message, isTimeout, !isTimeout);
        req.destroy(err);
        finish(err);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        abortWith('context deadline exceeded', true);
      }, timeoutMs);
      const onAbort = (): void => {
        abortWith('context canceled', false);
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e: Error) => {
        if (e instanceof WebhookCallError) {
          finish(e);
          return;
        }
        finish(new WebhookCallError(prefix + goNetError(e, target), timedOut, false, { cause: e }));
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            abortWith(`response body larger than ${String(maxBytes)} bytes`, false);
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (e: Error) => {
          finish(
            new WebhookCallError(prefix + goNetError(e, target), timedOut, false, { cause: e }),
          );
        });
        res.on('end', () => {
          finish(undefined, {
            statusCode: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: Buffer.concat(chunks),
          });
        });
      });
      req.end(body);
    });
  }

  /** Destroys every agent and its pooled connections. */
  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

/** The DNS and IP names a certificate is valid for, from Node's `subjectaltname` text. */
function certNames(cert: PeerCertificate): string[] {
  const san = cert.subjectaltname ?? '';
  return san
    .split(', ')
    .filter((s) => s.startsWith('DNS:') || s.startsWith('IP Address:'))
    .map((s) => (s.startsWith('DNS:') ? s.slice(4) : s.slice('IP Address:'.length)));
}

function dnsMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

/** Go's hostname verification (SANs only; the CN is ignored as in Go ≥ 1.15). */
function checkIdentity(serverName: string, cert: PeerCertificate): Error | undefined {
  const names = certNames(cert);
  const bare = serverName.replace(/^\[|\]$/g, '');
  if (names.some((n) => n === bare || dnsMatches(n, bare))) return undefined;
  const err = new Error(
    names.length === 0
      ? 'x509: certificate relies on legacy Common Name field, use SANs instead'
      : `x509: certificate is valid for ${names.join(', ')}, not ${bare}`,
  );
  (err as Error & { code: string }).code = 'ERR_GO_HOSTNAME';
  return err;
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** A Node network/TLS error in the words of Go's net/http and crypto/tls. */
function goNetError(e: Error, target: WebhookTarget): string {
  const code = (e as Error & { code?: unknown }).code;
  const addr = target.connectHost.includes(':')
    ? `[${target.connectHost}]:${String(target.connectPort)}`
    : `${target.connectHost}:${String(target.connectPort)}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${target.connectHost}: no such host`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ECONNRESET':
      return e.message === 'socket hang up'
        ? 'EOF'
        : `read tcp ${addr}: read: connection reset by peer`;
    case 'ERR_GO_HOSTNAME':
      return `tls: failed to verify certificate: ${e.message}`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default:
      if (typeof code === 'string' && UNKNOWN_AUTHORITY.has(code)) {
        return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
      }
      return e.message;
  }
}
