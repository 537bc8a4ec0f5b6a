// Effective pod requests and limits as the kubelet computes them for cgroups (upstream
// k8s.io/component-helpers/resource PodRequests/PodLimits of Kubernetes 1.32): regular
// containers add up, restartable init containers ("sidecars") add up and also count while later
// init containers run, ordinary init containers count one at a time (max), pod overhead is
// added, and with the PodLevelResources feature gate (alpha in 1.32, off by default) the
// pod-level `spec.resources` replace the aggregate for cpu and memory.
import type { Container, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { resourceListFromWire } from '../../api/index.ts';
import type { Quantity, ResourceList } from '../../api/index.ts';

/** Which kind of container a {@link PodResourcesOptions.containerFn} call is about. */
export type ContainerType = 'Containers' | 'InitContainers';

/** Options of {@link podRequests} and {@link podLimits} (upstream PodResourcesOptions). */
export interface PodResourcesOptions {
  /** Leave spec.overhead out. Default false: overhead counts. */
  readonly excludeOverhead?: boolean;
  /**
   * The PodLevelResources feature gate: when true and the pod sets `spec.resources` for cpu or
   * memory, those values replace the container aggregate. Default false (1.32's default).
   */
  readonly podLevelResources?: boolean;
  /**
   * Called with the effective resources of each container (for init containers: what the pod
   * needs while it runs, sidecars started before it included), in spec order, containers first.
   */
  readonly containerFn?: (res: ResourceList, type: ContainerType) => void;
}

/** Resources that pod-level `spec.resources` may set in 1.32. */
export const POD_LEVEL_RESOURCES: ReadonlySet<string> = new Set(['cpu', 'memory']);

/**
 * `spec.resources` of a pod (pod-level resources, 1.32 alpha). The wire types we build on predate
 * the field, so it is read structurally; undefined when absent.
 */
export function podLevelResources(pod: Pod): ResourceRequirements | undefined {
  const spec = pod.spec as { resources?: ResourceRequirements | null } | undefined;
  return spec?.resources ?? undefined;
}

function hasSupported(list: Readonly<Record<string, unknown>> | undefined): boolean {
  return Object.keys(list ?? {}).some((k) => POD_LEVEL_RESOURCES.has(k));
}

/** True when the pod sets a supported pod-level request or limit (upstream IsPodLevelResourcesSet). */
export function isPodLevelResourcesSet(pod: Pod): boolean {
  const r = podLevelResources(pod);
  return r !== undefined && (hasSupported(r.requests) || hasSupported(r.limits));
}

/** True when the pod sets a supported pod-level request (upstream IsPodLevelRequestsSet). */
export function isPodLevelRequestsSet(pod: Pod): boolean {
  const r = podLevelResources(pod);
  return r !== undefined && hasSupported(r.requests);
}

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

/** True for a restartable init container (a sidecar, `restartPolicy: Always`). */
export function isRestartableInitContainer(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * The sidecar formula (KEP-753): containers and sidecars add up; the i-th ordinary init container
 * needs itself plus the sidecars declared before it; the pod needs the max of both.
 */
function aggregate(
  pod: Pod,
  pick: (c: Container) => ResourceList,
  fn: PodResourcesOptions['containerFn'],
): Map<string, Quantity> {
  const result = new Map<string, Quantity>();
  for (const c of pod.spec?.containers ?? []) {
    const res = pick(c);
    fn?.(res, 'Containers');
    addInto(result, res);
  }
  const sidecars = new Map<string, Quantity>();
  const initMax = new Map<string, Quantity>();
  for (const c of pod.spec?.initContainers ?? []) {
    let effective: Map<string, Quantity>;
    if (isRestartableInitContainer(c)) {
      const res = pick(c);
      addInto(result, res);
      addInto(sidecars, res);
      effective = new Map(sidecars);
    } else {
      effective = new Map();
      addInto(effective, pick(c));
      addInto(effective, sidecars);
    }
    fn?.(effective, 'InitContainers');
    maxInto(initMax, effective);
  }
  maxInto(result, initMax);
  return result;
}

/**
 * The pod's effective requests (upstream resourcehelper.PodRequests). Returns a new map the
 * caller owns. Pod-level requests win for cpu/memory when the gate is on and they are set.
 */
export function podRequests(pod: Pod, opts: PodResourcesOptions = {}): Map<string, Quantity> {
  const reqs = aggregate(pod, (c) => resourceListFromWire(c.resources?.requests), opts.containerFn);
  if (opts.podLevelResources === true && isPodLevelRequestsSet(pod)) {
    for (const [k, v] of resourceListFromWire(podLevelResources(pod)?.requests)) {
      if (POD_LEVEL_RESOURCES.has(k)) reqs.set(k, v);
    }
  }
  if (opts.excludeOverhead !== true && pod.spec?.overhead !== undefined) {
    addInto(reqs, resourceListFromWire(pod.spec.overhead));
  }
  return reqs;
}

/**
 * The pod's effective limits (upstream resourcehelper.PodLimits); overhead is added only to
 * limits that are set and non-zero. Returns a new map the caller owns.
 */
export function podLimits(pod: Pod, opts: PodResourcesOptions = {}): Map<string, Quantity> {
  const limits = aggregate(pod, (c) => resourceListFromWire(c.resources?.limits), opts.containerFn);
  if (opts.podLevelResources === true && isPodLevelResourcesSet(pod)) {
    for (const [k, v] of resourceListFromWire(podLevelResources(pod)?.limits)) {
      if (POD_LEVEL_RESOURCES.has(k)) limits.set(k, v);
    }
  }
  if (opts.excludeOverhead !== true && pod.spec?.overhead !== undefined) {
    for (const [k, v] of resourceListFromWire(pod.spec.overhead)) {
      const cur = limits.get(k);
      if (cur !== undefined && !cur.isZero()) limits.set(k, cur.add(v));
    }
  }
  return limits;
}
