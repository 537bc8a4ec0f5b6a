/**
 * Downward API field selectors (pkg/fieldpath and the kubelet's podFieldSelectorRuntimeValue).
 * Pure: everything the node knows (pod IPs, host IPs) is passed in.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { goQuote, isQualifiedName } from '../../api/index.ts';

/**
 * Formats labels or annotations as upstream's FormatMap: one `key="value"` line per entry
 * (the value quoted as Go's `%q`), keys in sorted order, no trailing newline. Pure.
 */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  if (m === undefined) return '';
  return Object.keys(m)
    .sort(compareBytes)
    .map((k) => `${k}=${goQuote(m[k] ?? '')}`)
    .join('\n');
}

/** Go's string ordering (bytes of UTF-8), which differs from UTF-16 order above U+FFFF. */
function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}

/**
 * Splits `metadata.labels['key']` into `['metadata.labels', 'key']`; `undefined` when the path
 * has no subscript (SplitMaybeSubscriptedPath).
 */
export function splitMaybeSubscriptedPath(fieldPath: string): [string, string] | undefined {
  if (!fieldPath.endsWith("']")) return undefined;
  const s = fieldPath.slice(0, -2);
  const i = s.indexOf("['");
  if (i <= 0) return undefined;
  return [s.slice(0, i), s.slice(i + 2)];
}

/**
 * The value of a metadata field path of a pod, as upstream's ExtractFieldPathAsString:
 * `metadata.name|namespace|uid`, `metadata.labels|annotations` (formatted by
 * {@link formatMap}) and their subscripts `metadata.labels['k']`. Throws upstream's errors
 * (`unsupported fieldPath: x`, `fieldPath "x" does not support subscript`, `invalid key
 * subscript in ...`). This is all a downwardAPI volume supports.
 */
export function extractFieldPathAsString(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const sub = splitMaybeSubscriptedPath(fieldPath);
  if (sub !== undefined) {
    const [path, subscript] = sub;
    switch (path) {
      case 'metadata.annotations': {
        const errs = isQualifiedName(subscript.toLowerCase());
        if (errs.length > 0)
          throw new Error(`invalid key subscript in ${fieldPath}: ${errs.join(';')}`);
        return meta.annotations?.[subscript] ?? '';
      }
      case 'metadata.labels': {
        const errs = isQualifiedName(subscript);
        if (errs.length > 0)
          throw new Error(`invalid key subscript in ${fieldPath}: ${errs.join(';')}`);
        return meta.labels?.[subscript] ?? '';
      }
      default:
        throw new Error(`fieldPath ${goQuote(fieldPath)} does not support subscript`);
    }
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** What the node knows about a pod beyond its spec, for env `fieldRef`s. */
export interface PodRuntimeFields {
  /** The pod's IPs, already in the node's IP-family preference order. */
  podIPs?: readonly string[];
  /** The node's IPs (first is `status.hostIP`). */
  hostIPs?: readonly string[];
}

/**
 * The value of an environment variable's `fieldRef` (the kubelet's
 * podFieldSelectorRuntimeValue): adds `spec.nodeName`, `spec.serviceAccountName`,
 * `status.podIP(s)` and `status.hostIP(s)` to {@link extractFieldPathAsString}. These
 * status/spec fields are valid only in env vars; API validation rejects them in volumes.
 */
export function podFieldSelectorRuntimeValue(
  pod: Pod,
  fieldPath: string,
  runtime: PodRuntimeFields = {},
): string {
  const podIPs = runtime.podIPs ?? (pod.status?.podIPs ?? []).map((p) => p.ip);
  const hostIPs = runtime.hostIPs ?? (pod.status?.hostIPs ?? []).map((p) => p.ip);
  switch (fieldPath) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': {
      const ip = hostIPs[0] ?? pod.status?.hostIP;
      if (ip === undefined) throw new Error('host IP unknown; known addresses: []');
      return ip;
    }
    case 'status.hostIPs':
      if (hostIPs.length === 0) throw new Error('host IP unknown; known addresses: []');
      return hostIPs.join(',');
    case 'status.podIP':
      return podIPs[0] ?? pod.status?.podIP ?? '';
    case 'status.podIPs':
      return podIPs.join(',');
  }
  return extractFieldPathAsString(pod, fieldPath);
}
