/**
 * Resource arithmetic for scheduling (upstream framework.Resource and
 * k8s.io/component-helpers/resource.PodRequests). Quantities are converted once to plain numbers
 * (milli-CPU, bytes, counts): the scheduler's hot path compares numbers, never Quantity objects.
 * Values above 2^53 lose precision, which no real node or pod reaches.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';

/** Default CPU request (millicores) for scoring a container that sets none (upstream DefaultMilliCPURequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** Default memory request (bytes) for scoring a container that sets none: 200Mi. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Resource names with fields of their own in {@link Resource}. */
export const ResourceName = {
  CPU: 'cpu',
  Memory: 'memory',
  EphemeralStorage: 'ephemeral-storage',
  Pods: 'pods',
} as const;

// Quantity parsing is exact BigInt work; scheduling sees the same few strings over and over.
const MEMO_LIMIT = 8192;
const milliMemo = new Map<string, number>();
const valueMemo = new Map<string, number>();

/** The quantity string's value in thousandths, rounded up (upstream MilliValue); 0 if invalid. */
export function milliValueOf(q: string): number {
  let v = milliMemo.get(q);
  if (v === undefined) {
    try {
      v = parseQuantity(q).milliValue();
    } catch {
      v = 0;
    }
    if (milliMemo.size >= MEMO_LIMIT) milliMemo.clear();
    milliMemo.set(q, v);
  }
  return v;
}

/** The quantity string's value rounded up to an integer (upstream Value); 0 if invalid. */
export function valueOf(q: string): number {
  let v = valueMemo.get(q);
  if (v === undefined) {
    try {
      v = parseQuantity(q).value();
    } catch {
      v = 0;
    }
    if (valueMemo.size >= MEMO_LIMIT) valueMemo.clear();
    valueMemo.set(q, v);
  }
  return v;
}

/** True for `hugepages-*` resources. */
export function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}

/** True for names under `kubernetes.io/` (upstream IsPrefixedNativeResource). */
export function isPrefixedNativeResource(name: string): boolean {
  return name.includes('kubernetes.io/');
}

/** True for resources that are native to Kubernetes (unprefixed or `kubernetes.io/`). */
export function isNativeResource(name: string): boolean {
  return !name.includes('/') || isPrefixedNativeResource(name);
}

const qualifiedNameRe = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dns1123SubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * True for extended resources (upstream IsExtendedResourceName): outside the kubernetes.io
 * domain, not prefixed `requests.`, and a valid qualified name once prefixed with `requests.`.
 */
export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  const full = `requests.${name}`;
  const slash = full.indexOf('/');
  const prefix = full.slice(0, slash);
  const local = full.slice(slash + 1);
  if (full.indexOf('/', slash + 1) !== -1) return false;
  return (
    prefix.length <= 253 &&
    dns1123SubdomainRe.test(prefix) &&
    local.length > 0 &&
    local.length <= 63 &&
    qualifiedNameRe.test(local)
  );
}

/** True for resources tracked in `scalar` (upstream schedutil.IsScalarResourceName). */
export function isScalarResourceName(name: string): boolean {
  return (
    isExtendedResourceName(name) ||
    isHugePageResourceName(name) ||
    isPrefixedNativeResource(name) ||
    name.startsWith('attachable-volumes-')
  );
}

/**
 * A set of resource amounts (upstream framework.Resource). Mutable; NodeInfo owns its
 * instances, and callers must {@link Resource.clone} before keeping a copy.
 */
export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Extended, hugepages and other scalar resources; undefined until one is set. */
  scalar: Map<string, number> | undefined = undefined;

  /** A Resource from a ResourceList (`{cpu: '1', memory: '1Gi'}`); unknown names are ignored. */
  static fromList(rl: Readonly<Record<string, string>> | undefined): Resource {
    const r = new Resource();
    if (rl !== undefined) r.addList(rl);
    return r;
  }

  /** Adds a ResourceList. */
  addList(rl: Readonly<Record<string, string>>): void {
    for (const name in rl) {
      const q = rl[name];
      if (q === undefined) continue;
      switch (name) {
        case 'cpu':
          this.milliCPU += milliValueOf(q);
          break;
        case 'memory':
          this.memory += valueOf(q);
          break;
        case 'pods':
          this.allowedPodNumber += valueOf(q);
          break;
        case 'ephemeral-storage':
          this.ephemeralStorage += valueOf(q);
          break;
        default:
          if (isScalarResourceName(name)) this.addScalar(name, valueOf(q));
      }
    }
  }

  /** Adds `v` to scalar resource `name`. */
  addScalar(name: string, v: number): void {
    this.scalar ??= new Map();
    this.scalar.set(name, (this.scalar.get(name) ?? 0) + v);
  }

  /** The scalar amount, 0 when unset. */
  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  /** Adds (sign 1) or subtracts (sign -1) another Resource in place. */
  addResource(o: Resource, sign: 1 | -1): void {
    this.milliCPU += sign * o.milliCPU;
    this.memory += sign * o.memory;
    this.ephemeralStorage += sign * o.ephemeralStorage;
    this.allowedPodNumber += sign * o.allowedPodNumber;
    if (o.scalar !== undefined) {
      for (const [k, v] of o.scalar) this.addScalar(k, sign * v);
    }
  }

  /** A deep copy. */
  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    if (this.scalar !== undefined) r.scalar = new Map(this.scalar);
    return r;
  }

  /** The amount of any resource by name (cpu in millicores). */
  get(name: string): number {
    switch (name) {
      case 'cpu':
        return this.milliCPU;
      case 'memory':
        return this.memory;
      case 'ephemeral-storage':
        return this.ephemeralStorage;
      case 'pods':
        return this.allowedPodNumber;
      default:
        return this.getScalar(name);
    }
  }
}

type NumList = Map<string, number>;

function addInto(dst: NumList, src: NumList): void {
  for (const [k, v] of src) dst.set(k, (dst.get(k) ?? 0) + v);
}

function maxInto(dst: NumList, src: NumList): void {
  for (const [k, v] of src) {
    const cur = dst.get(k);
    if (cur === undefined || v > cur) dst.set(k, v);
  }
}

function toNumList(rl: Readonly<Record<string, string>> | undefined, nonMissing: boolean): NumList {
  const m: NumList = new Map();
  if (rl !== undefined) {
    for (const name in rl) {
      const q = rl[name];
      if (q === undefined) continue;
      m.set(name, name === 'cpu' ? milliValueOf(q) : valueOf(q));
    }
  }
  if (nonMissing) {
    // Upstream NonMissingContainerRequests: only absent requests take the default; an explicit
    // zero stays zero.
    if (!m.has('cpu')) m.set('cpu', DEFAULT_MILLI_CPU_REQUEST);
    if (!m.has('memory')) m.set('memory', DEFAULT_MEMORY_REQUEST);
  }
  return m;
}

function isRestartable(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/**
 * The pod's effective requests as numbers (cpu in millicores), like upstream
 * resource.PodRequests: the sum of the containers, raised to the largest init-container step
 * (each init container plus the sidecars started before it; sidecars also add to the sum),
 * plus `spec.overhead`. With `nonMissing`, containers without a cpu/memory request count the
 * scoring defaults (100m, 200Mi). Returns a new map.
 */
export function podRequests(pod: Pod, nonMissing = false): Map<string, number> {
  const spec = pod.spec;
  const reqs: NumList = new Map();
  if (spec === undefined) return reqs;
  for (const c of spec.containers) addInto(reqs, toNumList(c.resources?.requests, nonMissing));
  if (spec.initContainers !== undefined && spec.initContainers.length > 0) {
    const restartable: NumList = new Map();
    const initMax: NumList = new Map();
    for (const c of spec.initContainers) {
      const cr = toNumList(c.resources?.requests, nonMissing);
      if (isRestartable(c)) {
        addInto(reqs, cr);
        addInto(restartable, cr);
        maxInto(initMax, restartable);
      } else {
        const tmp: NumList = new Map(cr);
        addInto(tmp, restartable);
        maxInto(initMax, tmp);
      }
    }
    maxInto(reqs, initMax);
  }
  if (spec.overhead !== undefined) addInto(reqs, toNumList(spec.overhead, false));
  return reqs;
}

/** Precomputed requests of one pod; shared and read-only. */
export interface PodResources {
  /** Requests as upstream computes them for fitting (upstream PodInfo requests). */
  readonly requests: Resource;
  /** Requests with the non-zero defaults, cpu and memory only, for scoring. */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
}

function resourceFromNumList(m: NumList): Resource {
  const r = new Resource();
  for (const [name, v] of m) {
    switch (name) {
      case 'cpu':
        r.milliCPU = v;
        break;
      case 'memory':
        r.memory = v;
        break;
      case 'ephemeral-storage':
        r.ephemeralStorage = v;
        break;
      case 'pods':
        break;
      default:
        if (isScalarResourceName(name)) r.addScalar(name, v);
    }
  }
  return r;
}

const podResourcesCache = new WeakMap<Pod, PodResources>();

/**
 * The pod's {@link PodResources}, memoised per pod object (pods from informers are immutable,
 * so the object identity is a safe key).
 */
export function computePodResources(pod: Pod): PodResources {
  let pr = podResourcesCache.get(pod);
  if (pr === undefined) {
    const requests = resourceFromNumList(podRequests(pod));
    const nz = podRequests(pod, true);
    pr = {
      requests,
      nonZeroMilliCPU: nz.get('cpu') ?? 0,
      nonZeroMemory: nz.get('memory') ?? 0,
    };
    podResourcesCache.set(pod, pr);
  }
  return pr;
}

/** A resource name and its weight in a scoring strategy (upstream config.ResourceSpec). */
export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

/**
 * The pod's request of each resource for scoring (upstream calculatePodResourceRequestList):
 * with `useRequested` false the cpu/memory non-zero defaults apply. cpu in millicores.
 */
export function podResourceRequestList(
  pod: Pod,
  resources: readonly ResourceSpec[],
  useRequested: boolean,
): number[] {
  const pr = computePodResources(pod);
  return resources.map((r) => {
    if (!useRequested && r.name === 'cpu') return pr.nonZeroMilliCPU;
    if (!useRequested && r.name === 'memory') return pr.nonZeroMemory;
    return pr.requests.get(r.name);
  });
}

/** The node side a resource scorer needs (a subset of NodeInfo, to keep this module standalone). */
export interface NodeResourceView {
  readonly allocatable: Resource;
  readonly requested: Resource;
  readonly nonZeroRequested: Resource;
}

/**
 * Upstream calculateResourceAllocatableRequest: [allocatable, requested including the pod]; a
 * scalar resource the pod does not request, or one the node lacks, gives [0, 0] (not scored).
 * Writes into `out` to avoid allocating on the hot path.
 */
export function allocatableAndRequested(
  ni: NodeResourceView,
  name: string,
  podRequest: number,
  useRequested: boolean,
  out: [number, number],
): void {
  const requested = useRequested ? ni.requested : ni.nonZeroRequested;
  out[0] = 0;
  out[1] = 0;
  if (podRequest === 0 && isScalarResourceName(name)) return;
  switch (name) {
    case 'cpu':
      out[0] = ni.allocatable.milliCPU;
      out[1] = requested.milliCPU + podRequest;
      return;
    case 'memory':
      out[0] = ni.allocatable.memory;
      out[1] = requested.memory + podRequest;
      return;
    case 'ephemeral-storage':
      out[0] = ni.allocatable.ephemeralStorage;
      out[1] = ni.requested.ephemeralStorage + podRequest;
      return;
    default:
      if (ni.allocatable.scalar?.has(name) === true) {
        out[0] = ni.allocatable.getScalar(name);
        out[1] = ni.requested.getScalar(name) + podRequest;
      }
  }
}
