/**
 * PodInfo and NodeInfo (upstream framework/types.go): the scheduler's per-node aggregate of the
 * pods placed there. NodeInfo keeps running totals (requested resources, host ports, affinity
 * pods) so that Filter and Score read precomputed values; addPod/removePod are O(1) apart from
 * the pod's own ports and affinity terms.
 */
import type {
  Node,
  Pod,
  PodAffinityTerm,
  WeightedPodAffinityTerm,
} from 'kubernetes-types/core/v1.js';
import { labelSelectorAsSelector } from '../../api/index.ts';
import type { Labels, Selector } from '../../api/index.ts';
import { Resource, computePodResources } from './resource.ts';
import type { PodResources } from './resource.ts';

/** A pod (anti-)affinity term with its selectors compiled (upstream framework.AffinityTerm). */
export interface AffinityTerm {
  /** Namespaces listed by the term, or the pod's own when neither namespaces nor a selector is set. */
  readonly namespaces: ReadonlySet<string>;
  readonly selector: Selector;
  readonly topologyKey: string;
  /** Nothing when the term has no namespaceSelector; everything for `{}`. */
  readonly namespaceSelector: Selector;
}

/** An AffinityTerm with its preference weight. */
export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

const EMPTY_LABELS: Labels = Object.freeze({});

/**
 * Whether `pod` is selected by the term (upstream AffinityTerm.Matches): its namespace is listed
 * or its namespace's labels (`nsLabels`) match the namespaceSelector, and its labels match.
 */
export function affinityTermMatches(
  term: AffinityTerm,
  pod: Pod,
  nsLabels: Labels | undefined,
): boolean {
  if (
    term.namespaces.has(pod.metadata?.namespace ?? '') ||
    term.namespaceSelector.matches(nsLabels ?? EMPTY_LABELS)
  ) {
    return term.selector.matches(pod.metadata?.labels ?? EMPTY_LABELS);
  }
  return false;
}

function newAffinityTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set<string>();
  if (
    (t.namespaces === undefined || t.namespaces.length === 0) &&
    t.namespaceSelector === undefined
  ) {
    namespaces.add(pod.metadata?.namespace ?? '');
  } else {
    for (const n of t.namespaces ?? []) namespaces.add(n);
  }
  return {
    namespaces,
    selector: labelSelectorAsSelector(t.labelSelector),
    topologyKey: t.topologyKey,
    namespaceSelector: labelSelectorAsSelector(t.namespaceSelector),
  };
}

/**
 * A pod with what the scheduler derives from it once: requests and parsed affinity terms.
 * Shared and read-only; build with {@link newPodInfo}.
 */
export interface PodInfo {
  readonly pod: Pod;
  readonly resources: PodResources;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** Set when a label selector in the pod's affinity failed to parse. */
  readonly parseError: Error | undefined;
}

const NO_TERMS: readonly never[] = Object.freeze([]);

function weighted(
  pod: Pod,
  ts: readonly WeightedPodAffinityTerm[] | undefined,
): readonly WeightedAffinityTerm[] {
  if (ts === undefined || ts.length === 0) return NO_TERMS;
  return ts.map((t) => ({ ...newAffinityTerm(pod, t.podAffinityTerm), weight: t.weight }));
}

function required(pod: Pod, ts: readonly PodAffinityTerm[] | undefined): readonly AffinityTerm[] {
  if (ts === undefined || ts.length === 0) return NO_TERMS;
  return ts.map((t) => newAffinityTerm(pod, t));
}

const podInfoCache = new WeakMap<Pod, PodInfo>();

/**
 * The PodInfo of a pod, memoised per pod object (informer objects are immutable). Invalid
 * selectors do not throw: the affected term lists are empty and `parseError` is set.
 */
export function newPodInfo(pod: Pod): PodInfo {
  const cached = podInfoCache.get(pod);
  if (cached !== undefined) return cached;
  const aff = pod.spec?.affinity;
  let info: PodInfo;
  if (aff?.podAffinity === undefined && aff?.podAntiAffinity === undefined) {
    info = {
      pod,
      resources: computePodResources(pod),
      requiredAffinityTerms: NO_TERMS,
      requiredAntiAffinityTerms: NO_TERMS,
      preferredAffinityTerms: NO_TERMS,
      preferredAntiAffinityTerms: NO_TERMS,
      parseError: undefined,
    };
  } else {
    let parseError: Error | undefined;
    const safe = <T>(f: () => readonly T[]): readonly T[] => {
      try {
        return f();
      } catch (e) {
        parseError ??= e instanceof Error ? e : new Error(String(e));
        return [];
      }
    };
    info = {
      pod,
      resources: computePodResources(pod),
      requiredAffinityTerms: safe(() =>
        required(pod, aff.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
      ),
      requiredAntiAffinityTerms: safe(() =>
        required(pod, aff.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
      ),
      preferredAffinityTerms: safe(() =>
        weighted(pod, aff.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      ),
      preferredAntiAffinityTerms: safe(() =>
        weighted(pod, aff.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
      ),
      parseError,
    };
  }
  podInfoCache.set(pod, info);
  return info;
}

/** Whether the pod has any (anti-)affinity term. */
export function podHasAffinity(pi: PodInfo): boolean {
  return (
    pi.requiredAffinityTerms.length > 0 ||
    pi.requiredAntiAffinityTerms.length > 0 ||
    pi.preferredAffinityTerms.length > 0 ||
    pi.preferredAntiAffinityTerms.length > 0
  );
}

/**
 * Whether the pod has terms that score other pods (required or preferred affinity, preferred
 * anti-affinity): what InterPodAffinity's PreScore reads from existing pods. Required
 * anti-affinity only filters.
 */
export function podHasScoredAffinity(pi: PodInfo): boolean {
  return (
    pi.requiredAffinityTerms.length > 0 ||
    pi.preferredAffinityTerms.length > 0 ||
    pi.preferredAntiAffinityTerms.length > 0
  );
}

/** One host port a container asks for. */
export interface HostPort {
  readonly hostIP: string;
  readonly protocol: string;
  readonly hostPort: number;
}

const DEFAULT_BIND_ALL = '0.0.0.0';

/**
 * The host ports of a pod (upstream schedutil.GetHostPorts): regular and restartable init
 * containers' ports with hostPort > 0; empty IP means 0.0.0.0 and empty protocol TCP.
 */
export function podHostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const spec = pod.spec;
  if (spec === undefined) return out;
  const visit = (
    ports: readonly { hostPort?: number; hostIP?: string; protocol?: string }[] | undefined,
  ): void => {
    if (ports === undefined) return;
    for (const p of ports) {
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({
        hostIP: p.hostIP === undefined || p.hostIP === '' ? DEFAULT_BIND_ALL : p.hostIP,
        protocol: p.protocol === undefined || p.protocol === '' ? 'TCP' : p.protocol,
        hostPort: p.hostPort,
      });
    }
  };
  for (const c of spec.containers) visit(c.ports);
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === 'Always') visit(c.ports);
  return out;
}

/**
 * Host ports in use on a node (upstream HostPortInfo): ip → set of `protocol/port`.
 * A wildcard IP (0.0.0.0) conflicts with every IP on the same protocol/port.
 */
export class HostPortInfo {
  readonly #byIP = new Map<string, Set<string>>();

  /** Records a port. */
  add(ip: string, protocol: string, port: number): void {
    let s = this.#byIP.get(ip);
    if (s === undefined) {
      s = new Set();
      this.#byIP.set(ip, s);
    }
    s.add(`${protocol}/${port}`);
  }

  /** Forgets a port. */
  remove(ip: string, protocol: string, port: number): void {
    const s = this.#byIP.get(ip);
    if (s === undefined) return;
    s.delete(`${protocol}/${port}`);
    if (s.size === 0) this.#byIP.delete(ip);
  }

  /** The number of (ip, protocol/port) entries. */
  get size(): number {
    let n = 0;
    for (const s of this.#byIP.values()) n += s.size;
    return n;
  }

  /** Whether a pod's port would conflict (upstream CheckConflict). */
  checkConflict(ip: string, protocol: string, port: number): boolean {
    if (this.#byIP.size === 0) return false;
    const pp = `${protocol}/${port}`;
    if (ip === DEFAULT_BIND_ALL) {
      for (const s of this.#byIP.values()) if (s.has(pp)) return true;
      return false;
    }
    return (
      (this.#byIP.get(ip)?.has(pp) ?? false) || (this.#byIP.get(DEFAULT_BIND_ALL)?.has(pp) ?? false)
    );
  }

  /** A copy. */
  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, s] of this.#byIP) c.#byIP.set(ip, new Set(s));
    return c;
  }
}

/** An image's size and how many nodes in the snapshot have it (upstream ImageStateSummary). */
export interface ImageStateSummary {
  readonly size: number;
  numNodes: number;
}

/**
 * The scheduler's view of one node (upstream framework.NodeInfo). Owned by the cache/snapshot;
 * plugins read it and never mutate it (preemption works on a {@link NodeInfo.clone}).
 */
export class NodeInfo {
  #node: Node | undefined;
  /** Pods on the node, in insertion order except that removal swaps in the last pod. */
  readonly pods: PodInfo[] = [];
  /** Pods with any (anti-)affinity term. */
  readonly podsWithAffinity: PodInfo[] = [];
  /** Pods with required anti-affinity terms. */
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  /** Pods with terms that score other pods ({@link podHasScoredAffinity}); a subset of podsWithAffinity. */
  readonly podsWithScoredAffinity: PodInfo[] = [];
  /** Sum of the pods' requests. */
  requested = new Resource();
  /** Sum of the pods' requests with the scoring defaults (cpu and memory only). */
  nonZeroRequested = new Resource();
  /** The node's allocatable resources. */
  allocatable = new Resource();
  usedPorts = new HostPortInfo();
  /** Images on the node by every name, with cluster-wide counts filled by the Snapshot. */
  imageStates = new Map<string, ImageStateSummary>();
  /** Bumped on every change; lets caches detect a stale NodeInfo. */
  generation = 0;
  readonly #index = new Map<string, number>();

  /** A NodeInfo for `node` (may be set later) holding `pods`. */
  constructor(node?: Node, pods: readonly Pod[] = []) {
    if (node !== undefined) this.setNode(node);
    for (const p of pods) this.addPod(p);
  }

  /** The node, or undefined for a NodeInfo that only holds pods (node not yet seen). */
  get node(): Node | undefined {
    return this.#node;
  }

  /** The node's name ('' without a node). */
  get name(): string {
    return this.#node?.metadata?.name ?? '';
  }

  /** Sets (or replaces) the node and recomputes allocatable and image states. */
  setNode(node: Node): void {
    this.#node = node;
    this.allocatable = Resource.fromList(node.status?.allocatable);
    const images = new Map<string, ImageStateSummary>();
    for (const img of node.status?.images ?? []) {
      const summary: ImageStateSummary = { size: img.sizeBytes ?? 0, numNodes: 1 };
      for (const n of img.names ?? []) images.set(n, summary);
    }
    this.imageStates = images;
    this.generation++;
  }

  /** Adds a pod (keyed by UID, or namespace/name when it has none). */
  addPod(pod: Pod | PodInfo): void {
    const pi = 'resources' in pod ? pod : newPodInfo(pod);
    const key = podUIDKey(pi.pod);
    if (this.#index.has(key)) this.removePod(pi.pod);
    this.#index.set(key, this.pods.length);
    this.pods.push(pi);
    if (podHasAffinity(pi)) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length > 0) this.podsWithRequiredAntiAffinity.push(pi);
    if (podHasScoredAffinity(pi)) this.podsWithScoredAffinity.push(pi);
    this.#update(pi, 1);
  }

  /** Removes a pod by UID; returns false when it was not on this node. */
  removePod(pod: Pod): boolean {
    const key = podUIDKey(pod);
    const i = this.#index.get(key);
    if (i === undefined) return false;
    const pi = this.pods[i];
    if (pi === undefined) return false;
    const last = this.pods.pop();
    if (last !== undefined && last !== pi) {
      this.pods[i] = last;
      this.#index.set(podUIDKey(last.pod), i);
    }
    this.#index.delete(key);
    removeFrom(this.podsWithAffinity, key);
    removeFrom(this.podsWithRequiredAntiAffinity, key);
    removeFrom(this.podsWithScoredAffinity, key);
    this.#update(pi, -1);
    return true;
  }

  /** Whether the pod (by UID) is on this node. */
  hasPod(pod: Pod): boolean {
    return this.#index.has(podUIDKey(pod));
  }

  /** The PodInfo stored for the pod (by UID), which may hold an older version of it. */
  podInfo(pod: Pod): PodInfo | undefined {
    const i = this.#index.get(podUIDKey(pod));
    return i === undefined ? undefined : this.pods[i];
  }

  #update(pi: PodInfo, sign: 1 | -1): void {
    const r = pi.resources;
    this.requested.addResource(r.requests, sign);
    this.nonZeroRequested.milliCPU += sign * r.nonZeroMilliCPU;
    this.nonZeroRequested.memory += sign * r.nonZeroMemory;
    const spec = pi.pod.spec;
    if (spec !== undefined && (hasPorts(spec.containers) || hasPorts(spec.initContainers))) {
      for (const hp of podHostPorts(pi.pod)) {
        if (sign === 1) this.usedPorts.add(hp.hostIP, hp.protocol, hp.hostPort);
        else this.usedPorts.remove(hp.hostIP, hp.protocol, hp.hostPort);
      }
    }
    this.generation++;
  }

  /** A copy whose pod lists and totals can be changed without touching this one. */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.#node = this.#node;
    c.pods.push(...this.pods);
    c.podsWithAffinity.push(...this.podsWithAffinity);
    c.podsWithRequiredAntiAffinity.push(...this.podsWithRequiredAntiAffinity);
    c.podsWithScoredAffinity.push(...this.podsWithScoredAffinity);
    for (const [k, v] of this.#index) c.#index.set(k, v);
    c.requested = this.requested.clone();
    c.nonZeroRequested = this.nonZeroRequested.clone();
    c.allocatable = this.allocatable.clone();
    c.usedPorts = this.usedPorts.clone();
    c.imageStates = this.imageStates;
    c.generation = this.generation;
    return c;
  }
}

function hasPorts(
  cs: readonly { ports?: readonly { hostPort?: number }[] }[] | undefined,
): boolean {
  if (cs === undefined) return false;
  for (const c of cs) {
    if (c.ports === undefined) continue;
    for (const p of c.ports) if (p.hostPort !== undefined && p.hostPort > 0) return true;
  }
  return false;
}

function removeFrom(list: PodInfo[], key: string): void {
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (p !== undefined && podUIDKey(p.pod) === key) {
      const last = list.pop();
      if (last !== undefined && i < list.length) list[i] = last;
      return;
    }
  }
}

/** The identity NodeInfo uses for a pod: its UID, or `namespace/name` without one. */
export function podUIDKey(pod: Pod): string {
  const uid = pod.metadata?.uid;
  if (uid !== undefined && uid !== '') return uid;
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
