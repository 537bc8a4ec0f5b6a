/**
 * Pod helpers the Endpoints and EndpointSlice controllers share, after upstream's endpointslice util
 * (staging/src/k8s.io/endpointslice/util, pkg/api/v1/pod): which pods belong in a Service's
 * endpoints, port resolution, the endpoints trigger-time tracker, and the pod-change filter.
 */
import { selectorFromSet } from '../../api/index.ts';
import type { Lister } from '../../client/index.ts';
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { isPodReady } from './pods.ts';

/** True for a pod in phase Succeeded or Failed (upstream podutil.IsPodTerminal). */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The pod's IPs: status.podIPs, or status.podIP when podIPs is empty (servers older than dual-stack). */
export function podIPs(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).flatMap((p) => (p.ip === undefined ? [] : [p.ip]));
  if (ips.length > 0) return ips;
  const ip = pod.status?.podIP ?? '';
  return ip === '' ? [] : [ip];
}

/**
 * Upstream ShouldPodBeInEndpoints: not terminal, has an IP, and not terminating unless
 * `includeTerminating` (the Service's publishNotReadyAddresses).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPs(pod).length === 0) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp !== undefined) return false;
  return true;
}

/** Upstream ShouldSetHostname: the pod names a hostname and its subdomain is this Service. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return (
    (pod.spec?.hostname ?? '') !== '' &&
    pod.spec?.subdomain === svc.metadata?.name &&
    svc.metadata?.namespace === pod.metadata?.namespace
  );
}

/**
 * The container port a Service port targets on `pod` (upstream podutil.FindPort): a number is
 * used as is; a name is looked up among the containers' ports of the same protocol, then among
 * sidecars (init containers with restartPolicy Always). Undefined when no port matches.
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  // The API server defaults targetPort to port and protocols to TCP; unit-test objects may not.
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  const protocol = svcPort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** True when the Service's cluster IP is set and not `None` (upstream helper.IsServiceIPSet). */
export function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP ?? '';
  return ip !== '' && ip !== 'None';
}

/** True for an IPv6 address literal. */
export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/**
 * The Service's IP family (upstream podToEndpointAddressForService): spec.ipFamilies[0], else
 * from the cluster IP, else (headless) from the pod's IP.
 */
export function serviceIPFamily(svc: Service, pod: Pod): 'IPv4' | 'IPv6' {
  const first = svc.spec?.ipFamilies?.[0];
  if (first !== undefined) return first === 'IPv6' ? 'IPv6' : 'IPv4';
  const cip = svc.spec?.clusterIP ?? '';
  if (cip !== '' && cip !== 'None') return isIPv6(cip) ? 'IPv6' : 'IPv4';
  return isIPv6(pod.status?.podIP ?? '') ? 'IPv6' : 'IPv4';
}

/**
 * The keys (`ns/name`) of the Services in the pod's namespace whose selector matches the pod's
 * labels (upstream GetPodServiceMemberships). Services without a selector select nothing.
 */
export function podServiceKeys(services: Lister<Service>, pod: Pod): Set<string> {
  const ns = pod.metadata?.namespace ?? '';
  const labels = pod.metadata?.labels ?? {};
  const out = new Set<string>();
  for (const svc of services.list(ns)) {
    const sel = svc.spec?.selector;
    // The wire cannot tell an empty selector from none (Go's omitempty), so both select nothing.
    if (sel === undefined || Object.keys(sel).length === 0) continue;
    if (selectorFromSet(sel).matches(labels)) out.add(`${ns}/${svc.metadata?.name ?? ''}`);
  }
  return out;
}

/**
 * Upstream podEndpointsChanged: whether a pod update changes its endpoint (`podChanged`:
 * deletion, readiness, IPs, phase) or its Service membership or DNS name (`labelsChanged`).
 */
export function podEndpointsChanged(
  oldPod: Pod,
  newPod: Pod,
): { podChanged: boolean; labelsChanged: boolean } {
  const labelsChanged =
    !semanticEqual(oldPod.metadata?.labels, newPod.metadata?.labels) ||
    (oldPod.spec?.hostname ?? '') !== (newPod.spec?.hostname ?? '') ||
    (oldPod.spec?.subdomain ?? '') !== (newPod.spec?.subdomain ?? '');
  const podChanged =
    oldPod.metadata?.deletionTimestamp !== newPod.metadata?.deletionTimestamp ||
    isPodReady(oldPod) !== isPodReady(newPod) ||
    isPodTerminal(oldPod) !== isPodTerminal(newPod) ||
    podIPs(oldPod).join(',') !== podIPs(newPod).join(',') ||
    (oldPod.spec?.nodeName ?? '') !== (newPod.spec?.nodeName ?? '');
  return { podChanged, labelsChanged };
}

/**
 * The Services to resync after a pod update (upstream GetServicesToUpdateOnPodChange): none for
 * a resync (same resourceVersion) or an irrelevant change; when the labels changed, the
 * Services gained or lost (all of the old and new ones when the endpoint changed too).
 */
export function servicesToUpdateOnPodChange(
  services: Lister<Service>,
  oldPod: Pod,
  newPod: Pod,
): Set<string> {
  if (oldPod.metadata?.resourceVersion === newPod.metadata?.resourceVersion) return new Set();
  const { podChanged, labelsChanged } = podEndpointsChanged(oldPod, newPod);
  if (!podChanged && !labelsChanged) return new Set();
  const current = podServiceKeys(services, newPod);
  if (!labelsChanged) return current;
  const old = podServiceKeys(services, oldPod);
  const out = new Set<string>();
  if (podChanged) {
    for (const k of old) out.add(k);
    for (const k of current) out.add(k);
    return out;
  }
  for (const k of old) if (!current.has(k)) out.add(k);
  for (const k of current) if (!old.has(k)) out.add(k);
  return out;
}

/**
 * Deep equality with apimachinery's Semantic.DeepEqual leniency: a missing field, `null`, an
 * empty array and an empty object are all equal; object key order does not matter.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const emptyish = (v: unknown): boolean =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
  if (emptyish(a) && emptyish(b)) return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => semanticEqual(v, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const k of keys) if (!semanticEqual(ra[k], rb[k])) return false;
  return true;
}

/** Formats a time as Go's time.RFC3339Nano in UTC (fraction without trailing zeros). */
export function formatRFC3339Nano(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f === '' ? 'Z' : `.${f}Z`));
}

const parseTime = (t: string | undefined): number => {
  if (t === undefined || t === '') return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
};

interface TriggerState {
  lastPodTriggerTimes: Map<string, number>;
  lastServiceTriggerTime: number;
}

/**
 * Upstream TriggerTimeTracker: computes the `endpoints.kubernetes.io/last-change-trigger-time`
 * of a Service's endpoints, the earliest change (a pod's Ready transition, the Service's
 * creation) since the previous sync. Times are epoch ms; 0 means none.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, TriggerState>();

  /** The trigger time for this sync of `service` (0 for none); records the state seen. */
  compute(service: Service, pods: readonly Pod[]): number {
    const key = `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`;
    const state = this.states.get(key);
    let minChanged = 0;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
      const t = parseTime(ready?.lastTransitionTime);
      if (t === 0) continue;
      const name = pod.metadata?.name ?? '';
      podTimes.set(name, t);
      if (t > (state?.lastPodTriggerTimes.get(name) ?? 0)) {
        if (minChanged === 0 || t < minChanged) minChanged = t;
      }
    }
    const svcTime = parseTime(service.metadata?.creationTimestamp);
    if (svcTime > (state?.lastServiceTriggerTime ?? 0)) {
      if (minChanged === 0 || svcTime < minChanged) minChanged = svcTime;
    }
    this.states.set(key, { lastPodTriggerTimes: podTimes, lastServiceTriggerTime: svcTime });
    // A Service seen for the first time: its creation is the trigger.
    return state === undefined ? svcTime : minChanged;
  }

  /** Forgets a deleted Service. */
  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}
