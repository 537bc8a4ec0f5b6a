// Effective pod requests/limits and QoS class, as Kubernetes 1.32 computes them with its
// default feature gates (component-helpers/resource PodRequests/PodLimits without in-place
// resize or pod-level resources; pkg/apis/core/v1/helper/qos).
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Quantity } from '../quantity.ts';
import { resourceListFromWire } from './resources.ts';
import type { ResourceList } from './resources.ts';

/** Pod QoS classes (upstream v1.PodQOSClass). */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

function addInto(list: Map<string, Quantity>, add: ResourceList): void {
  for (const [k, v] of add) {
    const cur = list.get(k);
    list.set(k, cur === undefined ? v : cur.add(v));
  }
}

function maxInto(list: Map<string, Quantity>, other: ResourceList): void {
  for (const [k, v] of other) {
    const cur = list.get(k);
    if (cur === undefined || v.cmp(cur) > 0) list.set(k, v);
  }
}

function isRestartableInit(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * Sums container resources with the sidecar formula: regular containers and restartable init
 * containers add up; each ordinary init container needs itself plus the sidecars started before
 * it, and the pod needs the max of that and the running sum.
 */
function aggregate(pod: Pod, pick: (c: Container) => ResourceList): Map<string, Quantity> {
  const result = new Map<string, Quantity>();
  for (const c of pod.spec?.containers ?? []) addInto(result, pick(c));
  const sidecars = new Map<string, Quantity>();
  const initMax = new Map<string, Quantity>();
  for (const c of pod.spec?.initContainers ?? []) {
    const res = pick(c);
    if (isRestartableInit(c)) {
      addInto(result, res);
      addInto(sidecars, res);
      maxInto(initMax, sidecars);
    } else {
      const combined = new Map<string, Quantity>();
      addInto(combined, res);
      addInto(combined, sidecars);
      maxInto(initMax, combined);
    }
  }
  maxInto(result, initMax);
  return result;
}

/** Options for {@link podRequests} and {@link podLimits}. */
export interface PodResourcesOptions {
  /** Leave spec.overhead out (LimitRanger's pod totals do). Default false: overhead counts. */
  readonly excludeOverhead?: boolean;
}

/**
 * The pod's effective requests: containers + sidecars, max with init containers, plus
 * spec.overhead (upstream resourcehelper.PodRequests). Returns a new map the caller owns.
 */
export function podRequests(pod: Pod, opts: PodResourcesOptions = {}): Map<string, Quantity> {
  const reqs = aggregate(pod, (c) => resourceListFromWire(c.resources?.requests));
  if (opts.excludeOverhead !== true && pod.spec?.overhead !== undefined) {
    addInto(reqs, resourceListFromWire(pod.spec.overhead));
  }
  return reqs;
}

/**
 * The pod's effective limits; overhead is added only to limits that are set and non-zero
 * (upstream resourcehelper.PodLimits). Returns a new map the caller owns.
 */
export function podLimits(pod: Pod, opts: PodResourcesOptions = {}): Map<string, Quantity> {
  const limits = aggregate(pod, (c) => resourceListFromWire(c.resources?.limits));
  if (opts.excludeOverhead !== true && pod.spec?.overhead !== undefined) {
    for (const [k, v] of resourceListFromWire(pod.spec.overhead)) {
      const cur = limits.get(k);
      if (cur !== undefined && !cur.isZero()) limits.set(k, cur.add(v));
    }
  }
  return limits;
}

const QOS_RESOURCES = new Set(['cpu', 'memory']);

/**
 * Computes the QoS class from the containers (upstream ComputePodQOS): BestEffort when no
 * container sets a positive cpu/memory request or limit; Guaranteed when every container has
 * positive cpu and memory limits and the summed requests equal the summed limits.
 */
export function computePodQOS(pod: Pod): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const c of all) {
    for (const [name, q] of resourceListFromWire(c.resources?.requests)) {
      if (!QOS_RESOURCES.has(name) || q.sign() <= 0) continue;
      const cur = requests.get(name);
      requests.set(name, cur === undefined ? q : q.add(cur));
    }
    const found = new Set<string>();
    for (const [name, q] of resourceListFromWire(c.resources?.limits)) {
      if (!QOS_RESOURCES.has(name) || q.sign() <= 0) continue;
      found.add(name);
      const cur = limits.get(name);
      limits.set(name, cur === undefined ? q : q.add(cur));
    }
    if (!found.has('memory') || !found.has('cpu')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || lim.cmp(req) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** status.qosClass when set, else {@link computePodQOS} (upstream GetPodQOS). */
export function getPodQOS(pod: Pod): PodQOSClass {
  const s = pod.status?.qosClass;
  if (s === 'Guaranteed' || s === 'Burstable' || s === 'BestEffort') return s;
  return computePodQOS(pod);
}
