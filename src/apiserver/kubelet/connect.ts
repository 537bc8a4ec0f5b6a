/**
 * The pods' connect subresources as kube-apiserver 1.32 resolves them before proxying to the
 * kubelet (pkg/registry/core/pod/strategy.go LogLocation, ExecLocation, AttachLocation,
 * PortForwardLocation; pkg/apis/core/validation ValidatePodLogOptions): query parameters
 * decoded as upstream's parameter codec does, validation with upstream's messages, the container
 * chosen, and the kubelet path and query built. Pure: no I/O.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  ErrorType,
  FieldError,
  invalid,
  newBadRequest,
  newInvalid,
  newPath,
} from '../../api/index.ts';

/** PodLogOptions as the query of `GET pods/NAME/log` carries them. */
export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  /** Already parsed; formatted back as RFC 3339 (seconds) for the kubelet. */
  sinceTime?: Date;
  tailLines?: number;
  limitBytes?: number;
  insecureSkipTLSVerifyBackend: boolean;
}

/** PodExecOptions / PodAttachOptions (attach has no command). */
export interface PodStreamOptions {
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  command: string[];
}

/** PodPortForwardOptions. */
export interface PodPortForwardOptions {
  ports: number[];
}

/** A path and query on the kubelet's server (`/containerLogs/ns/pod/c?follow=true`). */
export interface KubeletLocation {
  path: string;
  /** Encoded as Go's url.Values.Encode (keys sorted, `+` for spaces); '' when empty. */
  query: string;
}

/**
 * Upstream's query-parameter bool (runtime.Convert_Slice_string_To_bool): absent is false; a
 * present value is false only when it is "0" or "false" (any case).
 */
function boolParam(params: URLSearchParams, name: string): boolean {
  const v = params.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** Go's strconv.ParseInt(s, 10, 64) with its error text (400 BadRequest, as upstream). */
function int64Param(params: URLSearchParams, name: string): number | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) {
    throw newBadRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  const n = BigInt(v);
  if (n > 9223372036854775807n || n < -9223372036854775808n) {
    throw newBadRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  }
  return Number(n);
}

/** metav1.Time.UnmarshalQueryParameter: RFC 3339; '' and "null" mean unset. */
function timeParam(params: URLSearchParams, name: string): Date | undefined {
  const v = params.get(name);
  if (v === null || v === '' || v === 'null') return undefined;
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(v);
  const d = m === null ? undefined : new Date(v);
  if (d === undefined || Number.isNaN(d.getTime())) {
    throw newBadRequest(
      `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"`,
    );
  }
  return d;
}

/** Decodes PodLogOptions from the query of a `pods/log` request (400 on malformed numbers). */
export function parsePodLogOptions(params: URLSearchParams): PodLogOptions {
  const opts: PodLogOptions = {
    container: params.get('container') ?? '',
    follow: boolParam(params, 'follow'),
    previous: boolParam(params, 'previous'),
    timestamps: boolParam(params, 'timestamps'),
    insecureSkipTLSVerifyBackend: boolParam(params, 'insecureSkipTLSVerifyBackend'),
  };
  const sinceSeconds = int64Param(params, 'sinceSeconds');
  if (sinceSeconds !== undefined) opts.sinceSeconds = sinceSeconds;
  const sinceTime = timeParam(params, 'sinceTime');
  if (sinceTime !== undefined) opts.sinceTime = sinceTime;
  const tailLines = int64Param(params, 'tailLines');
  if (tailLines !== undefined) opts.tailLines = tailLines;
  const limitBytes = int64Param(params, 'limitBytes');
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  return opts;
}

/** Upstream ValidatePodLogOptions (1.32), same paths and messages. */
export function validatePodLogOptions(opts: PodLogOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) {
    errs.push(invalid(newPath('tailLines'), opts.tailLines, 'must be greater than or equal to 0'));
  }
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) {
    errs.push(invalid(newPath('limitBytes'), opts.limitBytes, 'must be greater than 0'));
  }
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    // Upstream's field.NewPath("") prints as an empty field name.
    errs.push(
      new FieldError(
        ErrorType.Forbidden,
        '',
        '',
        'at most one of `sinceTime` or `sinceSeconds` may be specified',
      ),
    );
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) {
    errs.push(invalid(newPath('sinceSeconds'), opts.sinceSeconds, 'must be greater than 0'));
  }
  return errs;
}

/** Throws upstream's 422 `PodLogOptions "NAME" is invalid: ...` when `opts` are invalid. */
export function checkPodLogOptions(podName: string, opts: PodLogOptions): void {
  const errs = validatePodLogOptions(opts);
  if (errs.length > 0) throw newInvalid({ group: '', kind: 'PodLogOptions' }, podName, errs);
}

/** Decodes PodExecOptions (`withCommand`) or PodAttachOptions from a request's query. */
export function parsePodStreamOptions(
  params: URLSearchParams,
  withCommand: boolean,
): PodStreamOptions {
  return {
    container: params.get('container') ?? '',
    stdin: boolParam(params, 'stdin'),
    stdout: boolParam(params, 'stdout'),
    stderr: boolParam(params, 'stderr'),
    tty: boolParam(params, 'tty'),
    command: withCommand ? params.getAll('command') : [],
  };
}

/** Decodes PodPortForwardOptions (`ports`, repeated or comma-separated) from a query. */
export function parsePodPortForwardOptions(params: URLSearchParams): PodPortForwardOptions {
  const ports: number[] = [];
  for (const value of params.getAll('ports')) {
    for (const p of value.split(',')) {
      const s = p.trim();
      if (!/^[+-]?\d+$/.test(s) || Math.abs(Number(s)) > 2147483647) {
        throw newBadRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
      }
      ports.push(Number(s));
    }
  }
  return { ports };
}

/** Every container of the pod in upstream's VisitContainers order: init, regular, ephemeral. */
export function podContainerNames(pod: Pod): string[] {
  return [
    ...(pod.spec?.initContainers ?? []).map((c) => c.name),
    ...(pod.spec?.containers ?? []).map((c) => c.name),
    ...(pod.spec?.ephemeralContainers ?? []).map((c) => c.name),
  ];
}

/**
 * The container a request targets (upstream validateContainer): the named one when the pod has
 * it; the only regular container when none is named. 400 BadRequest otherwise, with
 * upstream's messages (`a container name must be specified for pod P, choose one of: [a b]`).
 */
export function validateContainer(pod: Pod, container: string): string {
  const name = pod.metadata?.name ?? '';
  if (container === '') {
    const containers = pod.spec?.containers ?? [];
    if (containers.length === 1) return containers[0]?.name ?? '';
    if (containers.length === 0) {
      throw newBadRequest(`a container name must be specified for pod ${name}`);
    }
    throw newBadRequest(
      `a container name must be specified for pod ${name}, choose one of: [${podContainerNames(pod).join(' ')}]`,
    );
  }
  if (!podContainerNames(pod).includes(container)) {
    throw newBadRequest(`container ${container} is not valid for pod ${name}`);
  }
  return container;
}

/** Go's url.QueryEscape: unreserved bytes kept, space as '+', everything else %XX. */
export function goQueryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's url.Values.Encode: keys sorted, values in order. */
export function encodeGoQuery(values: ReadonlyMap<string, readonly string[]>): string {
  return [...values.keys()]
    .sort()
    .flatMap((k) => (values.get(k) ?? []).map((v) => `${goQueryEscape(k)}=${goQueryEscape(v)}`))
    .join('&');
}

/** Go's url.PathEscape for one path segment (names are DNS labels; this is for safety). */
function pathSegment(s: string): string {
  return encodeURIComponent(s);
}

/** RFC 3339 with second precision, as Go's time.Format(time.RFC3339) writes a UTC time. */
function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The kubelet location of a pod's log (upstream LogLocation), or undefined when the pod is
 * not on a node yet (upstream then answers 200 with an empty body). Throws BadRequest for a
 * missing or unknown container.
 */
export function logLocation(pod: Pod, opts: PodLogOptions): KubeletLocation | undefined {
  const container = validateContainer(pod, opts.container);
  if ((pod.spec?.nodeName ?? '') === '') return undefined;
  const q = new Map<string, string[]>();
  if (opts.follow) q.set('follow', ['true']);
  if (opts.previous) q.set('previous', ['true']);
  if (opts.timestamps) q.set('timestamps', ['true']);
  if (opts.sinceSeconds !== undefined) q.set('sinceSeconds', [String(opts.sinceSeconds)]);
  if (opts.sinceTime !== undefined) q.set('sinceTime', [rfc3339Seconds(opts.sinceTime)]);
  if (opts.tailLines !== undefined) q.set('tailLines', [String(opts.tailLines)]);
  if (opts.limitBytes !== undefined) q.set('limitBytes', [String(opts.limitBytes)]);
  return {
    path: `/containerLogs/${podPath(pod)}/${pathSegment(container)}`,
    query: encodeGoQuery(q),
  };
}

function podPath(pod: Pod): string {
  return `${pathSegment(pod.metadata?.namespace ?? '')}/${pathSegment(pod.metadata?.name ?? '')}`;
}

function requireNode(pod: Pod): void {
  if ((pod.spec?.nodeName ?? '') === '') {
    throw newBadRequest(`pod ${pod.metadata?.name ?? ''} does not have a host assigned`);
  }
}

/**
 * The kubelet location of `exec` or `attach` (upstream streamLocation): the container chosen as
 * for logs; 400 `pod P does not have a host assigned` when the pod is not on a node.
 */
export function streamLocation(
  kind: 'exec' | 'attach',
  pod: Pod,
  opts: PodStreamOptions,
): KubeletLocation {
  const container = validateContainer(pod, opts.container);
  requireNode(pod);
  const q = new Map<string, string[]>();
  if (opts.stdin) q.set('input', ['1']);
  if (opts.stdout) q.set('output', ['1']);
  if (opts.stderr) q.set('error', ['1']);
  if (opts.tty) q.set('tty', ['1']);
  if (kind === 'exec' && opts.command.length > 0) q.set('command', [...opts.command]);
  return {
    path: `/${kind}/${podPath(pod)}/${pathSegment(container)}`,
    query: encodeGoQuery(q),
  };
}

/** The kubelet location of `portforward` (upstream PortForwardLocation). */
export function portForwardLocation(pod: Pod, opts: PodPortForwardOptions): KubeletLocation {
  requireNode(pod);
  const q = new Map<string, string[]>();
  if (opts.ports.length > 0) q.set('port', [opts.ports.join(',')]);
  return { path: `/portForward/${podPath(pod)}`, query: encodeGoQuery(q) };
}
