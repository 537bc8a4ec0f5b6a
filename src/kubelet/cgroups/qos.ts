// Pod QoS class (upstream pkg/apis/core/v1/helper/qos of Kubernetes 1.32). Only cpu and memory
// count; zero quantities are ignored; init containers (sidecars included) count like regular
// containers; ephemeral containers never count. With the PodLevelResources gate on and
// `spec.resources` present, the pod-level values alone decide.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { resourceListFromWire } from '../../api/index.ts';
import type { Quantity, WireResourceList } from '../../api/index.ts';
import { podLevelResources } from './resources.ts';

/** Pod QoS classes (upstream v1.PodQOSClass). */
export type PodQOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Options of {@link computePodQOS}. */
export interface QOSOptions {
  /** The PodLevelResources feature gate (alpha in 1.32, default false). */
  readonly podLevelResources?: boolean;
}

const QOS_RESOURCES: ReadonlySet<string> = new Set(['cpu', 'memory']);

/** Adds the positive cpu/memory quantities of `list` into `into`; returns the names it saw. */
function collect(
  into: Map<string, Quantity>,
  list: WireResourceList | null | undefined,
): Set<string> {
  const found = new Set<string>();
  for (const [name, q] of resourceListFromWire(list)) {
    if (!QOS_RESOURCES.has(name) || q.sign() <= 0) continue;
    found.add(name);
    const cur = into.get(name);
    into.set(name, cur === undefined ? q : q.add(cur));
  }
  return found;
}

/**
 * Computes the QoS class (upstream ComputePodQOS): BestEffort when nothing sets a positive cpu
 * or memory request or limit; Guaranteed when every container (or the pod level) has positive
 * cpu and memory limits and the summed requests equal the summed limits; Burstable otherwise.
 */
export function computePodQOS(pod: Pod, opts: QOSOptions = {}): PodQOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const podLevel = opts.podLevelResources === true ? podLevelResources(pod) : undefined;
  if (podLevel !== undefined) {
    collect(requests, podLevel.requests);
    if (Object.keys(podLevel.limits ?? {}).length > 0) {
      const found = collect(limits, podLevel.limits);
      if (!found.has('memory') || !found.has('cpu')) guaranteed = false;
    }
  } else {
    const all: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
    for (const c of all) {
      collect(requests, c.resources?.requests);
      const found = collect(limits, c.resources?.limits);
      if (!found.has('memory') || !found.has('cpu')) guaranteed = false;
    }
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

/** `status.qosClass` when set, else {@link computePodQOS} (upstream GetPodQOS). */
export function getPodQOS(pod: Pod, opts: QOSOptions = {}): PodQOSClass {
  const s = pod.status?.qosClass;
  if (s === 'Guaranteed' || s === 'Burstable' || s === 'BestEffort') return s;
  return computePodQOS(pod, opts);
}
