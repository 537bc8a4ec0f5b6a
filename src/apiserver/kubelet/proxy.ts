/**
 * The connect subresources served through the kubelet, as kube-apiserver 1.32 serves them:
 * `pods/log` (streamed, followed), `pods/exec`, `pods/attach`, `pods/portforward` (upgrade
 * requests proxied to the kubelet; anything else is 400 "Upgrade request required") and
 * `nodes/proxy` (any method and path, upgrades included). Authentication, authorization and
 * audit happen before, in the request pipeline; RBAC sees `get` for GET and `create` for POST
 * (request-info), as in 1.32.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  StatusError,
  newBadRequest,
  newInternalError,
  newMethodNotSupported,
} from '../../api/index.ts';
import type { Request, Response } from '../http/respond.ts';
import type { ResourceRequestInfo } from '../request-info.ts';
import type { KubeletEndpoint } from './address.ts';
import type { KubeletClient } from './client.ts';
import { forwardedHeaders, sendRequest } from './client.ts';
import {
  checkPodLogOptions,
  logLocation,
  parsePodLogOptions,
  parsePodPortForwardOptions,
  parsePodStreamOptions,
  portForwardLocation,
  streamLocation,
  type KubeletLocation,
} from './connect.ts';
import { takeUpgrade } from './upgrade.ts';

/** What the connect handlers need; the getters throw the registries' StatusErrors (404...). */
export interface KubeletConnectOptions {
  client: KubeletClient;
  getPod(namespace: string, name: string): Promise<Pod>;
  getNode(name: string): Promise<Node>;
  /** Aborted when the API server shuts down: ends followed logs and proxied streams. */
  shutdownSignal?: AbortSignal;
}

/**
 * An error that is not a Status, as upstream's ErrorToAPIStatus answers it: 500 with the error's
 * text and no reason (kubectl prints `Error from server: <text>`).
 */
export function unknownServerError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  return new StatusError(
    {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: err instanceof Error ? err.message : String(err),
      code: 500,
    },
    { cause: err },
  );
}

/** Upstream GenericHttpResponseChecker reads at most this much of a failed kubelet response. */
const MAX_ERROR_BODY = 50_000;

/** The kubelet-facing subresources of pods served here. */
const POD_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward']);

/**
 * Upstream errors.NewGenericServerResponse for a failed kubelet response read by the API
 * server (GenericHttpResponseChecker: 500 and 400 keep the kubelet's text).
 */
export function kubeletResponseError(
  code: number,
  resource: string,
  name: string,
  body: string,
): StatusError {
  if (code === 500) return newInternalError(body);
  if (code === 400) return newBadRequest(body);
  let reason = 'Unknown';
  let message = `the server responded with the status code ${String(code)} but did not return more information`;
  switch (code) {
    case 409:
      reason = 'Conflict';
      message = 'the server reported a conflict';
      break;
    case 404:
      reason = 'NotFound';
      message = 'the server could not find the requested resource';
      break;
    case 401:
      reason = 'Unauthorized';
      message = 'the server has asked for the client to provide credentials';
      break;
    case 403:
      reason = 'Forbidden';
      message = body;
      break;
    case 405:
      reason = 'MethodNotAllowed';
      message = 'the server does not allow this method on the requested resource';
      break;
    case 422:
      reason = 'Invalid';
      message = 'the server rejected our request due to an error in our request';
      break;
    case 429:
      reason = 'TooManyRequests';
      message = 'the server has received too many requests and has asked us to try again later';
      break;
    case 503:
      reason = 'ServiceUnavailable';
      message = 'the server is currently unable to handle the request';
      break;
    case 504:
      reason = 'Timeout';
      message =
        'the server was unable to return a response in the time allotted, but may still be processing the request';
      break;
    default:
      if (code >= 500) {
        reason = 'InternalError';
        message = `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding`;
      }
  }
  // Upstream appends "(<verb> <resource> <name>)"; the checker passes an empty verb.
  message = `${message} ( ${resource} ${name})`;
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: { name, kind: resource },
    code,
  });
}

async function readLimited(res: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const b = chunk as Buffer;
    if (size + b.length > limit) {
      chunks.push(b.subarray(0, limit - size));
      res.destroy();
      break;
    }
    chunks.push(b);
    size += b.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Serves the pods' and nodes' kubelet-facing subresources. */
export class KubeletConnect {
  constructor(private readonly opts: KubeletConnectOptions) {}

  /**
   * Serves `info` when it is `pods/{log,exec,attach,portforward}` or `nodes/proxy` and returns
   * true; false for any other request (left to the registries). Errors are thrown as
   * StatusErrors (or plain Errors, upstream's 500 with the error's text) before anything is
   * written.
   */
  async serve(
    info: ResourceRequestInfo,
    params: URLSearchParams,
    req: Request,
    res: Response,
  ): Promise<boolean> {
    if (info.group !== '' || info.name === '') return false;
    if (info.resource === 'pods' && POD_SUBRESOURCES.has(info.subresource)) {
      await this.servePod(info, params, req, res);
      return true;
    }
    if (info.resource === 'pods' && info.subresource === 'proxy') {
      await this.servePodProxy(info, req, res);
      return true;
    }
    if (info.resource === 'nodes' && info.subresource === 'proxy') {
      await this.serveNodeProxy(info, req, res);
      return true;
    }
    return false;
  }

  private async servePod(
    info: ResourceRequestInfo,
    params: URLSearchParams,
    req: Request,
    res: Response,
  ): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const resource = `pods/${info.subresource}`;
    if (info.subresource === 'log') {
      if (method !== 'GET' && method !== 'HEAD') {
        throw newMethodNotSupported({ group: '', resource }, info.verb);
      }
      const opts = parsePodLogOptions(params);
      checkPodLogOptions(info.name, opts);
      const pod = await this.opts.getPod(info.namespace, info.name);
      const location = logLocation(pod, opts);
      if (location === undefined) {
        // Not on a node yet: upstream streams an empty body.
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end();
        return;
      }
      const endpoint = await this.endpointOfNode(pod.spec?.nodeName ?? '');
      await this.streamLog(
        endpoint,
        location,
        opts.insecureSkipTLSVerifyBackend,
        info.name,
        req,
        res,
      );
      return;
    }
    if (method !== 'GET' && method !== 'POST') {
      throw newMethodNotSupported({ group: '', resource }, info.verb);
    }
    const pod = await this.opts.getPod(info.namespace, info.name);
    let location: KubeletLocation;
    if (info.subresource === 'portforward') {
      location = portForwardLocation(pod, parsePodPortForwardOptions(params));
    } else {
      const kind = info.subresource === 'exec' ? 'exec' : 'attach';
      location = streamLocation(kind, pod, parsePodStreamOptions(params, kind === 'exec'));
    }
    const endpoint = await this.endpointOfNode(pod.spec?.nodeName ?? '');
    if (!(await this.proxyUpgrade(endpoint, location, req, res))) {
      throw newBadRequest('Upgrade request required');
    }
  }

  /** `nodes/NAME/proxy/PATH`: any method, to the kubelet's PATH with the request's query. */
  private async serveNodeProxy(
    info: ResourceRequestInfo,
    req: Request,
    res: Response,
  ): Promise<void> {
    const endpoint = await this.endpointOfNode(info.name);
    const url = new URL(req.url ?? '/', 'https://localhost');
    // Everything after /nodes/NAME/proxy, as received (still escaped).
    const marker = `/nodes/${info.name}/proxy`;
    const at = url.pathname.indexOf(marker);
    const rest = at < 0 ? '/' : url.pathname.slice(at + marker.length);
    const location: KubeletLocation = {
      path: rest === '' ? '/' : rest,
      query: url.search.startsWith('?') ? url.search.slice(1) : '',
    };
    if (await this.proxyUpgrade(endpoint, location, req, res)) return;
    const signal = abortOnClose(req, this.opts.shutdownSignal);
    const backend = await this.opts.client
      .request(endpoint, location, {
        method: req.method ?? 'GET',
        headers: forwardedHeaders(req.headers, remoteAddressOf(req)),
        signal,
        ...(hasBody(req) ? { body: req } : {}),
      })
      .catch((err: unknown) => {
        throw unknownServerError(err);
      });
    await relayResponse(backend, res);
  }

  /**
   * `pods/NAME[:PORT]/proxy/PATH` (also `SCHEME:NAME:PORT`): to the pod's first IP, on PORT or
   * the first declared container port (upstream pod ResourceLocation), over http unless https
   * is named (certificates not verified, as upstream's pod proxy transport). Upgrade requests
   * through pods/proxy are not supported yet (answered like any request).
   */
  private async servePodProxy(
    info: ResourceRequestInfo,
    req: Request,
    res: Response,
  ): Promise<void> {
    const target = parsePodProxyId(info.name);
    const pod = await this.opts.getPod(info.namespace, target.name);
    let port = target.port;
    if (port === '') {
      for (const c of pod.spec?.containers ?? []) {
        const first = c.ports?.[0];
        if (first !== undefined) {
          port = String(first.containerPort);
          break;
        }
      }
    }
    const ip = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
    if (!isGlobalUnicast(ip)) throw newBadRequest('address not allowed');
    const url = new URL(req.url ?? '/', 'https://localhost');
    const marker = `/pods/${info.name}/proxy`;
    const at = url.pathname.indexOf(marker);
    const rest = at < 0 ? '/' : url.pathname.slice(at + marker.length);
    const host = ip.includes(':') ? `[${ip}]` : ip;
    const scheme = target.scheme === '' ? 'http' : target.scheme;
    const targetUrl = `${scheme}://${host}${port === '' ? '' : `:${port}`}${rest === '' ? '/' : rest}${url.search}`;
    const backend = await sendRequest(targetUrl, false, 30_000, {
      method: req.method ?? 'GET',
      headers: forwardedHeaders(req.headers, remoteAddressOf(req)),
      signal: abortOnClose(req, this.opts.shutdownSignal),
      ...(hasBody(req) ? { body: req } : {}),
    }).catch((err: unknown) => {
      throw unknownServerError(err);
    });
    await relayResponse(backend, res);
  }

  private async endpointOfNode(nodeName: string): Promise<KubeletEndpoint> {
    const node = await this.opts.getNode(nodeName);
    try {
      return this.opts.client.endpointOf(node);
    } catch (err) {
      // NoPreferredAddressError: upstream's 500 with its text.
      throw unknownServerError(err);
    }
  }

  /** Proxies an upgrade request; false when `req` is not one. */
  private async proxyUpgrade(
    endpoint: KubeletEndpoint,
    location: KubeletLocation,
    req: Request,
    res: Response,
  ): Promise<boolean> {
    const up = takeUpgrade(req, res);
    if (up === undefined) return false;
    const shutdown = this.opts.shutdownSignal;
    if (shutdown !== undefined) {
      const end = (): void => {
        up.socket.destroy();
      };
      if (shutdown.aborted) end();
      shutdown.addEventListener('abort', end, { once: true });
      up.socket.once('close', () => {
        shutdown.removeEventListener('abort', end);
      });
    }
    try {
      await this.opts.client.upgrade(
        endpoint,
        location,
        { method: req.method ?? 'GET', headers: req.headers, remoteAddress: remoteAddressOf(req) },
        up.socket,
        up.head,
      );
    } catch (err) {
      // The socket is ours now: answer with a Status as upstream's proxy error responder does.
      const message = err instanceof Error ? err.message : String(err);
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `error dialing backend: ${message}`,
        code: 500,
      });
      up.socket.end(
        `HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    return true;
  }

  private async streamLog(
    endpoint: KubeletEndpoint,
    location: KubeletLocation,
    insecure: boolean,
    podName: string,
    req: Request,
    res: Response,
  ): Promise<void> {
    const signal = abortOnClose(req, this.opts.shutdownSignal);
    const backend = await this.opts.client
      .request(endpoint, location, { insecureSkipVerify: insecure, signal })
      .catch((err: unknown) => {
        throw unknownServerError(err);
      });
    const code = backend.statusCode ?? 500;
    if (code < 200 || code > 206) {
      throw kubeletResponseError(
        code,
        'pods/log',
        podName,
        await readLimited(backend, MAX_ERROR_BODY),
      );
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.flushHeaders?.();
    await pipeBody(backend, res);
  }
}

/** A proxied backend response: status and headers (hop-by-hop ones dropped), then the body. */
async function relayResponse(backend: IncomingMessage, res: Response): Promise<void> {
  const headers: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(backend.headers)) {
    if (value === undefined || /^(connection|keep-alive|transfer-encoding)$/i.test(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  res.writeHead(backend.statusCode ?? 502, headers);
  await pipeBody(backend, res);
}

/** Methods whose requests carry a body to forward. */
function hasBody(req: Request): boolean {
  return !['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes((req.method ?? 'GET').toUpperCase());
}

/**
 * Upstream utilnet.SplitSchemeNamePort for pods/proxy: `name`, `name:port` or
 * `scheme:name:port` with scheme http or https; 400 `invalid pod request "ID"` otherwise.
 */
export function parsePodProxyId(id: string): { scheme: string; name: string; port: string } {
  const parts = id.split(':');
  let scheme = '';
  let name = '';
  let port = '';
  if (parts.length === 1) name = parts[0] ?? '';
  else if (parts.length === 2) [name = '', port = ''] = parts;
  else if (parts.length === 3) [scheme = '', name = '', port = ''] = parts;
  if (name === '' || parts.length > 3 || !['', 'http', 'https'].includes(scheme)) {
    throw newBadRequest(`invalid pod request ${JSON.stringify(id)}`);
  }
  return { scheme, name, port };
}

/** Go's net.IP.IsGlobalUnicast for an IP text (false for anything that is not an IP). */
export function isGlobalUnicast(ip: string): boolean {
  const kind = isIP(ip);
  if (kind === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    if (ip === '255.255.255.255' || a === 0 || a === 127 || a >= 224) return false;
    return !(a === 169 && b === 254);
  }
  if (kind === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::' || lower === '::1') return false;
    return !/^fe[89ab]/.test(lower) && !lower.startsWith('ff');
  }
  return false;
}

function remoteAddressOf(req: Request): string | undefined {
  return (req as unknown as { socket?: { remoteAddress?: string } }).socket?.remoteAddress;
}

/** Aborted when the client goes away or the server shuts down. */
function abortOnClose(req: Request, shutdown: AbortSignal | undefined): AbortSignal {
  const ac = new AbortController();
  req.on('close', () => {
    ac.abort();
  });
  return shutdown === undefined ? ac.signal : AbortSignal.any([ac.signal, shutdown]);
}

/**
 * Copies a kubelet response body to the client with back-pressure, each chunk sent as it comes
 * (`follow` streams must not sit in a buffer); ends the response when the body ends or fails.
 */
function pipeBody(backend: IncomingMessage, res: Response): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      if (!res.writableEnded) res.end();
      resolve();
    };
    backend.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        backend.pause();
        res.once('drain', () => backend.resume());
      }
    });
    backend.once('end', finish);
    backend.once('error', finish);
    backend.once('close', finish);
    res.once('close', () => {
      backend.destroy();
      resolve();
    });
  });
}
