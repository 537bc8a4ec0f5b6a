/**
 * Probe executors (host adapters): httpGet (node:http/https, TLS unverified, same-host redirects
 * only, 10 KiB body), tcpSocket (node:net connect within the timeout), grpc
 * (grpc.health.v1.Health/Check over node:http2, protobuf by hand) and exec (a callback the
 * runtime provides). Each returns a {@link ProbeOutcome} and never throws for a normal failure;
 * the failure texts are Go's (`dial tcp 10.0.0.1:80: connect: connection refused`, `Get "…":
 * context deadline exceeded (Client.Timeout exceeded while awaiting headers)`).
 */
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import * as net from 'node:net';
import {
  HEALTH_CHECK_PATH,
  decodeGrpcMessage,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  frameGrpcMessage,
  grpcErrorText,
  grpcTimeoutHeader,
  httpStatusToGrpcCode,
  servingStatusName,
  unframeGrpcMessage,
} from './grpc-health.ts';
import {
  MAX_PROBE_OUTPUT,
  MAX_PROBE_REDIRECTS,
  MAX_PROBE_RETRIES,
  PROBE_USER_AGENT,
  ProbeTargetError,
  followsRedirect,
  goQuote,
  grpcMessages,
  grpcProbeTarget,
  httpProbeRequest,
  httpStatusOutcome,
  probeTimeoutMs,
  tcpProbeAddress,
} from './probe-spec.ts';
import type { HttpProbeRequest, ProbeOutcome } from './probe-spec.ts';
import type { ProbeRequest } from './prober.ts';
import { formatGoDuration } from './types.ts';

/** The outcome of running a command in a container for an exec probe or hook. */
export type ExecResult =
  { readonly exitCode: number; readonly output: string } | { readonly timedOut: true };

/**
 * Runs `command` in the container (the runtime's ExecSync): resolves with the exit code and the
 * combined output, or `timedOut` when `timeoutMs` passed (the runtime kills the process). Rejects
 * only when the command could not be run at all (the probe then errors and is retried).
 */
export type ExecRunner = (
  containerID: string,
  command: readonly string[],
  timeoutMs: number,
) => Promise<ExecResult>;

/** Node errno codes → the text Go's net package prints after `dial tcp <addr>: `. */
export function goDialErrorText(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connect: connection refused';
    case 'EHOSTUNREACH':
      return 'connect: no route to host';
    case 'ENETUNREACH':
      return 'connect: network is unreachable';
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'ETIMEDOUT':
    case 'ETIMEOUT':
      return 'i/o timeout';
    case 'EADDRNOTAVAIL':
      return 'connect: cannot assign requested address';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/**
 * pkg/probe/tcp DoTCPProbe: success when a TCP connection to `address` (`host:port`) is
 * established within `timeoutMs`; the connection is closed at once.
 */
export function tcpProbe(address: string, timeoutMs: number): Promise<ProbeOutcome> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: 'failure', output: `dial tcp ${address}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'success', output: '' });
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'failure', output: `dial tcp ${address}: ${goDialErrorText(err)}` });
    });
  });
}

function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(address) ?? /^(.*):(\d+)$/.exec(address);
  if (m === null) throw new ProbeTargetError(`address ${address}: missing port in address`);
  return { host: m[1] ?? '', port: Number(m[2]) };
}

interface HttpResponseHead {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

/**
 * pkg/probe/http: GETs the request's URL (TLS not verified, no keep-alive, no proxy, no
 * compression) within `timeoutMs` for the whole exchange, follows up to 10 redirects to the same
 * host, reads at most 10 KiB of the body, and judges the status: 200–399 success (a redirect it
 * did not follow is a warning), else `HTTP probe failed with statuscode: N`.
 */
export async function httpProbe(req: HttpProbeRequest, timeoutMs: number): Promise<ProbeOutcome> {
  const deadline = Date.now() + timeoutMs;
  const original = new URL(req.url);
  let url = original;
  for (let redirects = 0; ; redirects++) {
    let head: HttpResponseHead;
    try {
      head = await httpGetOnce(url, req, deadline);
    } catch (err) {
      return {
        result: 'failure',
        output: `Get ${goQuote(url.href)}: ${goHttpErrorText(err, url)}`,
      };
    }
    if (head.status >= 300 && head.status < 400 && head.location !== undefined) {
      let next: URL;
      try {
        next = new URL(head.location, url);
      } catch {
        return httpStatusOutcome(head.status, head.body);
      }
      if (!followsRedirect(original, next)) return httpStatusOutcome(head.status, head.body);
      if (redirects + 1 >= MAX_PROBE_REDIRECTS) {
        return {
          result: 'failure',
          output: `Get ${goQuote(next.href)}: stopped after ${MAX_PROBE_REDIRECTS} redirects`,
        };
      }
      url = next;
      continue;
    }
    return httpStatusOutcome(head.status, head.body);
  }
}

/** The request ran past the probe's timeout. */
export class HttpTimeoutError extends Error {
  override name = 'HttpTimeoutError';
}

/**
 * The text of Go's http.Client error after `Get "<url>": ` for a Node request error: the dial
 * error with `dial tcp host:port: ` for socket errors, the client timeout text for a timeout.
 */
export function goHttpErrorText(err: unknown, url: URL): string {
  if (err instanceof HttpTimeoutError) {
    return 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
  }
  const code = (err as { code?: string } | undefined)?.code;
  if (code !== undefined && code.startsWith('E') && !code.startsWith('ERR_')) {
    const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
    // URL.hostname keeps IPv6 brackets, as net.JoinHostPort prints them.
    return `dial tcp ${url.hostname}:${port}: ${goDialErrorText(err)}`;
  }
  return err instanceof Error ? err.message : String(err);
}

function httpGetOnce(url: URL, req: HttpProbeRequest, deadline: number): Promise<HttpResponseHead> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = { Connection: 'close' };
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === 'Host') continue;
      headers[k] = [...v];
    }
    if (req.hostHeader !== undefined) headers.Host = req.hostHeader;
    const options: https.RequestOptions = {
      method: 'GET',
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: false,
      rejectUnauthorized: false,
    };
    const remaining = Math.max(0, deadline - Date.now());
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        clearTimeout(timer);
        const body = Buffer.concat(chunks).subarray(0, MAX_PROBE_OUTPUT).toString('utf8');
        const loc = res.headers.location;
        resolve({ status: res.statusCode ?? 0, location: loc, body });
        res.destroy();
        r.destroy();
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        // Non-fatal truncation, as utilio.ReadAtMost: stop at the limit.
        if (size >= MAX_PROBE_OUTPUT) finish();
      });
      res.once('end', finish);
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    };
    const r =
      url.protocol === 'https:'
        ? https.request(options, onResponse)
        : http.request(options, onResponse);
    const timer = setTimeout(() => {
      r.destroy(new HttpTimeoutError('timeout'));
    }, remaining);
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.end();
  });
}

/**
 * pkg/probe/grpc: calls grpc.health.v1.Health/Check for `service` on `address` over cleartext
 * HTTP/2 within `timeoutMs`; SERVING is success (`service healthy`), any other status, an RPC
 * error or a connection failure is a failure with grpc-go's texts.
 */
export function grpcProbe(
  address: string,
  service: string,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const timeout = formatGoDuration(timeoutMs);
  return new Promise((resolve) => {
    let settled = false;
    let session: http2.ClientHttp2Session | undefined;
    const done = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session?.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => {
      done({ result: 'failure', output: grpcMessages.rpcTimeout(timeout) });
    }, timeoutMs);
    const { host, port } = splitHostPort(address);
    const authority = address;
    try {
      session = http2.connect(`http://${authority}`, {
        createConnection: () => net.connect({ host, port }),
      });
    } catch (err) {
      done({ result: 'failure', output: grpcMessages.connectError(address, String(err)) });
      return;
    }
    session.on('error', (err) => {
      const desc = `connection error: desc = "transport: Error while dialing: dial tcp ${address}: ${goDialErrorText(err)}"`;
      done({ result: 'failure', output: grpcMessages.rpcError(grpcErrorText(14, desc)) });
    });
    const stream = session.request({
      ':method': 'POST',
      ':path': HEALTH_CHECK_PATH,
      ':scheme': 'http',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': `${PROBE_USER_AGENT} grpc-node-skiff`,
      'grpc-timeout': grpcTimeoutHeader(timeoutMs),
    });
    const chunks: Buffer[] = [];
    let httpStatus = 0;
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const takeStatus = (h: http2.IncomingHttpHeaders) => {
      const s = h['grpc-status'];
      if (typeof s === 'string') grpcStatus = s;
      const m = h['grpc-message'];
      if (typeof m === 'string') grpcMessage = decodeGrpcMessage(m);
    };
    stream.on('response', (h) => {
      httpStatus = h[':status'] ?? 0;
      takeStatus(h);
    });
    stream.on('trailers', (h: http2.IncomingHttpHeaders) => {
      takeStatus(h);
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {
      // The session's error handler reports connection failures; a reset stream ends below.
    });
    stream.once('close', () => {
      if (settled) return;
      if (httpStatus === 0) return; // connection-level failure, reported by the session
      const code =
        grpcStatus !== undefined
          ? Number(grpcStatus)
          : httpStatus === 200
            ? 2
            : httpStatusToGrpcCode(httpStatus);
      if (code !== 0) {
        const msg =
          grpcStatus === undefined && httpStatus !== 200
            ? `unexpected HTTP status code received from server: ${httpStatus}`
            : grpcMessage;
        if (code === 12) done({ result: 'failure', output: grpcMessages.unimplemented(msg) });
        else if (code === 4) done({ result: 'failure', output: grpcMessages.rpcTimeout(timeout) });
        else done({ result: 'failure', output: grpcMessages.rpcError(grpcErrorText(code, msg)) });
        return;
      }
      let status: number;
      try {
        const msg = unframeGrpcMessage(Buffer.concat(chunks));
        if (msg === undefined) throw new Error('no response message');
        status = decodeHealthCheckResponse(msg);
      } catch (err) {
        const text = grpcErrorText(13, err instanceof Error ? err.message : String(err));
        done({ result: 'failure', output: grpcMessages.rpcError(text) });
        return;
      }
      if (status !== 1) {
        done({ result: 'failure', output: grpcMessages.unhealthy(servingStatusName(status)) });
        return;
      }
      done({ result: 'success', output: grpcMessages.healthy });
    });
    stream.end(Buffer.from(frameGrpcMessage(encodeHealthCheckRequest(service))));
  });
}

/**
 * pkg/probe/exec with the runtime's ExecSync: exit 0 success, another exit code failure with the
 * (10 KiB-capped) output, a timeout a failure `command "<cmd>" timed out`; a command that could
 * not be run errors (retried by {@link runProbe}).
 */
export async function execProbe(
  run: ExecRunner,
  containerID: string,
  command: readonly string[],
  timeoutMs: number,
): Promise<ProbeOutcome> {
  let r: ExecResult;
  try {
    r = await run(containerID, command, timeoutMs);
  } catch (err) {
    return {
      result: 'unknown',
      output: '',
      error: err instanceof Error ? err.message : String(err),
    };
  }
  if ('timedOut' in r) {
    return { result: 'failure', output: `command ${goQuote(command.join(' '))} timed out` };
  }
  const output = Buffer.from(r.output).subarray(0, MAX_PROBE_OUTPUT).toString('utf8');
  return { result: r.exitCode === 0 ? 'success' : 'failure', output };
}

/** The dependencies of {@link runProbe}. */
export interface ProbeExecutors {
  /** Runs exec probes; without it an exec probe errors. */
  readonly exec?: ExecRunner;
}

/**
 * Runs one probe request with the matching executor, retrying up to 3 times while it errors
 * (runProbeWithRetries). An unresolvable port errors with upstream's message.
 */
export async function runProbe(
  req: ProbeRequest,
  executors: ProbeExecutors = {},
): Promise<ProbeOutcome> {
  let last: ProbeOutcome = { result: 'unknown', output: '', error: 'no attempt' };
  for (let i = 0; i < MAX_PROBE_RETRIES; i++) {
    last = await runProbeOnce(req, executors);
    if (last.error === undefined) return last;
  }
  return last;
}

async function runProbeOnce(req: ProbeRequest, executors: ProbeExecutors): Promise<ProbeOutcome> {
  const p = req.probe;
  const timeoutMs = probeTimeoutMs(p);
  try {
    if (p.exec !== undefined) {
      if (executors.exec === undefined) {
        return {
          result: 'unknown',
          output: '',
          error: 'exec probes are not supported by this runtime',
        };
      }
      return await execProbe(executors.exec, req.containerID, p.exec.command ?? [], timeoutMs);
    }
    if (p.httpGet !== undefined) {
      return await httpProbe(httpProbeRequest(p, req.container, req.podIP), timeoutMs);
    }
    if (p.tcpSocket !== undefined) {
      return await tcpProbe(tcpProbeAddress(p, req.container, req.podIP), timeoutMs);
    }
    if (p.grpc !== undefined) {
      const t = grpcProbeTarget(p, req.podIP);
      return await grpcProbe(t.address, t.service, timeoutMs);
    }
  } catch (err) {
    if (err instanceof ProbeTargetError)
      return { result: 'unknown', output: '', error: err.message };
    throw err;
  }
  return {
    result: 'unknown',
    output: '',
    error: `missing probe handler for ${req.containerName}`,
  };
}
