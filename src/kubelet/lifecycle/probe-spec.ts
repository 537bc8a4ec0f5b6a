/**
 * Pure parts of probing (upstream pkg/probe and pkg/kubelet/prober/prober.go): resolving a
 * probe's target (port by name or number, host default = pod IP, URL and headers of an httpGet
 * probe), the outcome a probe executor reports, and how the prober turns an outcome into a stored
 * result and the `Unhealthy` / `ProbeWarning` event with upstream's exact texts.
 */
import type { Container, HTTPHeader, Probe } from 'kubernetes-types/core/v1.js';
import type { ProbeResult, ProbeType } from './types.ts';

/** The Kubernetes minor this kubelet reports (the `kube-probe/1.32` User-Agent). */
export const PROBE_USER_AGENT = 'kube-probe/1.32';
/** Bytes of a probe's output (HTTP body, exec output) the prober keeps: 10 KiB, as upstream. */
export const MAX_PROBE_OUTPUT = 10 * 1024;
/** How many times an errored probe is retried before the error counts (maxProbeRetries). */
export const MAX_PROBE_RETRIES = 3;
/** HTTP redirects followed at most (Go's http.Client default). */
export const MAX_PROBE_REDIRECTS = 10;

/** What a probe executor reports (probe.Result plus output), as pkg/probe does. */
export interface ProbeOutcome {
  readonly result: 'success' | 'warning' | 'failure' | 'unknown';
  /** The human-readable output: the failure message, the body, the command output. */
  readonly output: string;
  /** Set when the probe could not be run at all (an error, not a failure): retried, then reported. */
  readonly error?: string;
}

/** An error resolving a probe's target; its message is upstream's (e.g. strconv.Atoi's). */
export class ProbeTargetError extends Error {
  override name = 'ProbeTargetError';
}

/**
 * upstream probe.ResolveContainerPort: a number is used as is; a name is looked up in the
 * container's ports, then tried as a decimal number; the port must be in 1..65535.
 * @throws ProbeTargetError with upstream's message.
 */
export function resolveContainerPort(
  port: number | string | undefined,
  container: Container,
): number {
  let p: number;
  if (typeof port === 'number') {
    p = port;
  } else if (typeof port === 'string') {
    const named = container.ports?.find((x) => x.name === port);
    if (named !== undefined) {
      p = named.containerPort;
    } else if (/^[+-]?\d+$/.test(port)) {
      p = Number(port);
    } else {
      throw new ProbeTargetError(`strconv.Atoi: parsing ${goQuote(port)}: invalid syntax`);
    }
  } else {
    throw new ProbeTargetError('intOrString had no kind: {Type:0 IntVal:0 StrVal:}');
  }
  if (p > 0 && p < 65536) return p;
  throw new ProbeTargetError(`invalid port number: ${p}`);
}

/** Go's `%q` for the plain strings probes deal with. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** net.JoinHostPort: IPv6 literals get brackets. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The request an httpGet probe makes. */
export interface HttpProbeRequest {
  /** `http://10.0.0.5:8080/healthz` */
  readonly url: string;
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  /** Path plus query, as sent. */
  readonly path: string;
  /** Header name (canonical form) → values; includes User-Agent and Accept defaults. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  /** The Host header override, when a `Host` header is set. */
  readonly hostHeader?: string;
}

/** Go's http.CanonicalHeaderKey. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/.test(name)) return name;
  return name
    .split('-')
    .map((p) => (p.length === 0 ? p : p.charAt(0).toUpperCase() + p.slice(1).toLowerCase()))
    .join('-');
}

/**
 * upstream NewRequestForHTTPGetAction: scheme lower-cased (default http), host default = pod IP,
 * the port resolved, the path parsed as a URL reference, headers canonicalised; `User-Agent:
 * kube-probe/1.32` and `Accept: *\/*` unless set, an empty `Accept` removes it.
 * @throws ProbeTargetError when the port cannot be resolved.
 */
export function httpProbeRequest(
  probe: Probe,
  container: Container,
  podIP: string,
): HttpProbeRequest {
  const action = probe.httpGet;
  if (action === undefined) throw new ProbeTargetError('probe has no httpGet action');
  const scheme = (action.scheme ?? 'HTTP').toLowerCase() === 'https' ? 'https' : 'http';
  const host = action.host !== undefined && action.host !== '' ? action.host : podIP;
  const port = resolveContainerPort(action.port, container);
  let path = action.path ?? '';
  if (path !== '' && !path.startsWith('/')) path = `/${path}`;
  if (path === '') path = '/';
  const headers = headerMap(action.httpHeaders ?? []);
  if (headers['User-Agent'] === undefined) headers['User-Agent'] = [PROBE_USER_AGENT];
  const accept = headers.Accept;
  if (accept === undefined) headers.Accept = ['*/*'];
  else if (accept[0] === '') delete headers.Accept;
  const hostHeader = headers.Host?.[0];
  const url = `${scheme}://${joinHostPort(host, port)}${path}`;
  return {
    url,
    scheme,
    host,
    port,
    path,
    headers,
    ...(hostHeader !== undefined ? { hostHeader } : {}),
  };
}

function headerMap(list: readonly HTTPHeader[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const h of list) {
    const k = canonicalHeaderKey(h.name);
    (out[k] ??= []).push(h.value);
  }
  return out;
}

/** The `host:port` a tcpSocket probe dials (host default = pod IP). */
export function tcpProbeAddress(probe: Probe, container: Container, podIP: string): string {
  const action = probe.tcpSocket;
  if (action === undefined) throw new ProbeTargetError('probe has no tcpSocket action');
  const host = action.host !== undefined && action.host !== '' ? action.host : podIP;
  return joinHostPort(host, resolveContainerPort(action.port, container));
}

/** The target of a grpc probe: always the pod IP, the probe's port and service name. */
export function grpcProbeTarget(
  probe: Probe,
  podIP: string,
): { address: string; host: string; port: number; service: string } {
  const action = probe.grpc;
  if (action === undefined) throw new ProbeTargetError('probe has no grpc action');
  return {
    address: joinHostPort(podIP, action.port),
    host: podIP,
    port: action.port,
    service: action.service ?? '',
  };
}

/** The probe timeout in ms (timeoutSeconds, default 1). */
export function probeTimeoutMs(probe: Probe): number {
  return (probe.timeoutSeconds ?? 1) * 1000;
}

/** The defaulted numbers of a probe (SetDefaults_Probe). */
export interface ProbeTiming {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/** SetDefaults_Probe: timeout 1, period 10, success 1, failure 3, delay 0. */
export function probeTiming(probe: Probe): ProbeTiming {
  return {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/** An event the prober records on the container (reason Unhealthy or ProbeWarning). */
export interface ProbeEvent {
  readonly type: 'Warning';
  readonly reason: 'Unhealthy' | 'ProbeWarning';
  readonly message: string;
}

/** upstream probeType.String(). */
export function probeTypeName(type: ProbeType): string {
  return type === 'liveness' ? 'Liveness' : type === 'readiness' ? 'Readiness' : 'Startup';
}

/**
 * prober.probe: how an executor's outcome becomes a stored result. An errored probe gives
 * `failure` with `error: true` (the worker throws it away) and the event `<Type> probe errored
 * and resulted in <result> state: <err>`; a failure records `<Type> probe failed: <output>`; a
 * warning counts as success with `<Type> probe warning: <output>`; unknown counts as failure
 * without an event.
 */
export function interpretProbeOutcome(
  type: ProbeType,
  outcome: ProbeOutcome,
): { result: Exclude<ProbeResult, 'unknown'>; error: boolean; event?: ProbeEvent } {
  const name = probeTypeName(type);
  if (outcome.error !== undefined) {
    return {
      result: 'failure',
      error: true,
      event: {
        type: 'Warning',
        reason: 'Unhealthy',
        message: `${name} probe errored and resulted in ${outcome.result} state: ${outcome.error}`,
      },
    };
  }
  switch (outcome.result) {
    case 'success':
      return { result: 'success', error: false };
    case 'warning':
      return {
        result: 'success',
        error: false,
        event: {
          type: 'Warning',
          reason: 'ProbeWarning',
          message: `${name} probe warning: ${outcome.output}`,
        },
      };
    case 'failure':
      return {
        result: 'failure',
        error: false,
        event: {
          type: 'Warning',
          reason: 'Unhealthy',
          message: `${name} probe failed: ${outcome.output}`,
        },
      };
    case 'unknown':
      return { result: 'failure', error: false };
  }
}

/**
 * pkg/probe/http DoHTTPProbe's verdict on a response: 200–299 success with the body as output,
 * 300–399 (a redirect that was not followed) a warning, anything else a failure whose message
 * never contains the body (issue 99425).
 */
export function httpStatusOutcome(status: number, body: string): ProbeOutcome {
  if (status >= 200 && status < 400) {
    if (status >= 300) {
      return {
        result: 'warning',
        output: `Probe terminated redirects, Response body: ${body}`,
      };
    }
    return { result: 'success', output: body };
  }
  return { result: 'failure', output: `HTTP probe failed with statuscode: ${status}` };
}

/**
 * RedirectChecker(followNonLocalRedirects=false): whether a redirect from `original` to
 * `location` is followed. Only redirects to the same host name are; others end the probe with
 * the redirect response itself (a warning).
 */
export function followsRedirect(original: URL, location: URL): boolean {
  return original.hostname === location.hostname;
}

/** pkg/probe/grpc messages. */
export const grpcMessages = Object.freeze({
  healthy: 'service healthy',
  unhealthy: (status: string) => `service unhealthy (responded with ${goQuote(status)})`,
  connectTimeout: (addr: string, timeout: string, err: string) =>
    `timeout: failed to connect service ${goQuote(addr)} within ${timeout}: ${err}`,
  connectError: (addr: string, err: string) =>
    `error: failed to connect service at ${goQuote(addr)}: ${err}`,
  unimplemented: (msg: string) =>
    `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${msg}`,
  rpcTimeout: (timeout: string) => `timeout: health rpc did not complete within ${timeout}`,
  rpcError: (err: string) => `error: health rpc probe failed: ${err}`,
});
