/**
 * Snapshot: the NodeInfos one scheduling cycle sees (upstream internal/cache.Snapshot plus the
 * incremental updates the cache would apply). The lead's informer-fed cache owns one Snapshot and
 * calls addPod/removePod/setNode as events arrive; `schedulePod` only reads it.
 *
 * Beyond upstream's lists, the snapshot keeps per-topology-domain counts current as pods and
 * nodes change (domain-counts.ts), so PodTopologySpread and InterPodAffinity read counts instead
 * of scanning every node or pod in every cycle. Every change is O(pods touched × indexes).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Labels } from '../../api/index.ts';
import { AntiAffinityTermIndex, DomainCountIndex } from './domain-counts.ts';
import type { AntiAffinityTermGroup, DomainCounts, PodCountSpec } from './domain-counts.ts';
import { NodeInfo, newPodInfo } from './node-info.ts';
import type { ImageStateSummary, PodInfo } from './node-info.ts';

/** Read-only view of a snapshot, what plugins get through the framework handle. */
export interface NodeInfoLister {
  /** All NodeInfos with a node, in a stable order (the order nodes were added). */
  list(): readonly NodeInfo[];
  /** The NodeInfo of a node, or undefined. */
  get(name: string): NodeInfo | undefined;
  /** NodeInfos with at least one pod that has (anti-)affinity terms, in no particular order. */
  havePodsWithAffinityList(): readonly NodeInfo[];
  /** NodeInfos with at least one pod that has required anti-affinity terms, in no particular order. */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /**
   * NodeInfos with at least one pod in `podsWithScoredAffinity` (terms that score other pods),
   * in no particular order.
   */
  havePodsWithScoredAffinityList(): readonly NodeInfo[];
  /** Number of nodes. */
  numNodes(): number;
  /**
   * The counts of `spec` per topology domain over the snapshot's nodes, equal to a scan of every
   * node and pod. Built on first use (one scan) and then kept current by every change, so it must
   * be read before the snapshot changes again; the least recently used indexes are dropped when
   * there are many.
   */
  podCountsByDomain(spec: PodCountSpec): DomainCounts;
  /**
   * The required anti-affinity terms of the snapshot's pods, equal terms grouped with their
   * counts per domain (nodes without the term's topology label are not counted).
   */
  requiredAntiAffinityTermGroups(): Iterable<AntiAffinityTermGroup>;
}

/** An unordered list of NodeInfos with O(1) add and remove (the last one fills the gap). */
class NodeSet {
  readonly list: NodeInfo[] = [];
  readonly #at = new Map<NodeInfo, number>();

  has(ni: NodeInfo): boolean {
    return this.#at.has(ni);
  }

  set(ni: NodeInfo, present: boolean): void {
    const i = this.#at.get(ni);
    if (present) {
      if (i !== undefined) return;
      this.#at.set(ni, this.list.length);
      this.list.push(ni);
      return;
    }
    if (i === undefined) return;
    const last = this.list.pop() as NodeInfo;
    this.#at.delete(ni);
    if (last !== ni) {
      this.list[i] = last;
      this.#at.set(last, i);
    }
  }
}

const EMPTY_LABELS: Labels = Object.freeze({});

function labelsOf(ni: NodeInfo): Labels {
  return ni.node?.metadata?.labels ?? EMPTY_LABELS;
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

/** More count indexes than this drops the least recently used (each costs a little per change). */
export const MAX_POD_COUNT_INDEXES = 128;

/**
 * A mutable set of NodeInfos with the derived lists and counts plugins need. Not thread-safe (JS
 * is single threaded); do not mutate it while a `schedulePod` call is running. NodeInfos it hands
 * out must not be mutated by callers (preemption clones them).
 */
export class Snapshot implements NodeInfoLister {
  readonly #byName = new Map<string, NodeInfo>();
  #list: NodeInfo[] = [];
  #listDirty = false;
  /** Pods whose node is not known yet, by node name. */
  readonly #orphans = new Map<string, NodeInfo>();
  readonly #withAffinity = new NodeSet();
  readonly #withReqAnti = new NodeSet();
  readonly #withScored = new NodeSet();
  /** Cluster-wide image summaries shared by every NodeInfo that has the image. */
  readonly #images = new Map<string, ImageStateSummary>();
  readonly #counts = new Map<string, DomainCountIndex>();
  /** The indexes by their spec's podLabel (`key\0value`), and those without one. */
  readonly #countsByPodLabel = new Map<string, Set<DomainCountIndex>>();
  readonly #countsAnyPod = new Set<DomainCountIndex>();
  #tick = 0;
  readonly #antiTerms = new AntiAffinityTermIndex();

  /** Builds a snapshot from nodes and pods; pods without `spec.nodeName` are ignored. */
  static from(nodes: readonly Node[], pods: readonly Pod[] = []): Snapshot {
    const s = new Snapshot();
    for (const n of nodes) s.setNode(n);
    for (const p of pods) {
      const nn = p.spec?.nodeName;
      if (nn !== undefined && nn !== '') s.addPod(p, nn);
    }
    return s;
  }

  list(): readonly NodeInfo[] {
    if (this.#listDirty) {
      this.#list = [...this.#byName.values()];
      this.#listDirty = false;
    }
    return this.#list;
  }

  get(name: string): NodeInfo | undefined {
    return this.#byName.get(name);
  }

  numNodes(): number {
    return this.#byName.size;
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.#withAffinity.list;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.#withReqAnti.list;
  }

  havePodsWithScoredAffinityList(): readonly NodeInfo[] {
    return this.#withScored.list;
  }

  podCountsByDomain(spec: PodCountSpec): DomainCounts {
    let idx = this.#counts.get(spec.id);
    if (idx === undefined) {
      if (this.#counts.size >= MAX_POD_COUNT_INDEXES) this.#evictOldest();
      idx = new DomainCountIndex(spec);
      for (const ni of this.list()) idx.node(ni, labelsOf(ni), 1);
      this.#counts.set(spec.id, idx);
      this.#bucketOf(idx, true)?.add(idx);
    }
    idx.lastUsed = ++this.#tick;
    return idx;
  }

  requiredAntiAffinityTermGroups(): Iterable<AntiAffinityTermGroup> {
    return this.#antiTerms.groups.values();
  }

  /** The number of count indexes kept (for tests). */
  numPodCountIndexes(): number {
    return this.#counts.size;
  }

  #evictOldest(): void {
    let oldest: string | undefined;
    let at = Infinity;
    for (const [id, idx] of this.#counts) {
      if (idx.lastUsed < at) {
        at = idx.lastUsed;
        oldest = id;
      }
    }
    if (oldest === undefined) return;
    const idx = this.#counts.get(oldest);
    this.#counts.delete(oldest);
    if (idx === undefined) return;
    const bucket = this.#bucketOf(idx, false);
    bucket?.delete(idx);
    const l = idx.spec.podLabel;
    if (bucket?.size === 0 && l !== undefined) this.#countsByPodLabel.delete(`${l[0]}\0${l[1]}`);
  }

  #bucketOf(idx: DomainCountIndex, create: boolean): Set<DomainCountIndex> | undefined {
    const l = idx.spec.podLabel;
    if (l === undefined) return this.#countsAnyPod;
    const key = `${l[0]}\0${l[1]}`;
    let b = this.#countsByPodLabel.get(key);
    if (b === undefined && create) {
      b = new Set();
      this.#countsByPodLabel.set(key, b);
    }
    return b;
  }

  /** Adds or replaces a node; its pods are kept. */
  setNode(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    let ni = this.#byName.get(name);
    if (ni !== undefined) {
      this.#releaseImages(ni);
      const before = labelsOf(ni);
      const after = node.metadata?.labels ?? EMPTY_LABELS;
      // Status heartbeats replace the node often; counts move only when its labels change.
      const moved = !sameLabels(before, after);
      if (moved) this.#indexNode(ni, before, -1);
      ni.setNode(node);
      if (moved) this.#indexNode(ni, after, 1);
    } else {
      ni = this.#orphans.get(name) ?? new NodeInfo();
      this.#orphans.delete(name);
      this.#byName.set(name, ni);
      this.#listDirty = true;
      ni.setNode(node);
      this.#refreshAffinity(ni);
      this.#indexNode(ni, labelsOf(ni), 1);
    }
    this.#shareImages(ni);
    return ni;
  }

  /** Removes a node and its pods. */
  removeNode(name: string): void {
    const ni = this.#byName.get(name);
    if (ni === undefined) return;
    this.#releaseImages(ni);
    this.#indexNode(ni, labelsOf(ni), -1);
    this.#byName.delete(name);
    this.#withAffinity.set(ni, false);
    this.#withReqAnti.set(ni, false);
    this.#withScored.set(ni, false);
    this.#listDirty = true;
  }

  /**
   * Adds a pod to `nodeName` (default `spec.nodeName`); used both for bound pods and for the
   * scheduler's assumed pods. A pod already there (same UID) is replaced. Pods for unknown nodes
   * are held until the node arrives.
   */
  addPod(pod: Pod, nodeName: string = pod.spec?.nodeName ?? ''): void {
    let ni = this.#byName.get(nodeName);
    if (ni === undefined) {
      ni = this.#orphans.get(nodeName);
      if (ni === undefined) {
        ni = new NodeInfo();
        this.#orphans.set(nodeName, ni);
      }
      ni.addPod(pod);
      return;
    }
    const pi = newPodInfo(pod);
    const labels = labelsOf(ni);
    const old = ni.podInfo(pod);
    if (old !== undefined) this.#indexPod(old, labels, -1);
    ni.addPod(pi);
    this.#indexPod(pi, labels, 1);
    this.#refreshAffinity(ni);
  }

  /** Removes a pod from `nodeName` (default `spec.nodeName`); false when not found. */
  removePod(pod: Pod, nodeName: string = pod.spec?.nodeName ?? ''): boolean {
    const ni = this.#byName.get(nodeName);
    if (ni === undefined) return this.#orphans.get(nodeName)?.removePod(pod) ?? false;
    const old = ni.podInfo(pod);
    if (old === undefined) return false;
    this.#indexPod(old, labelsOf(ni), -1);
    ni.removePod(pod);
    this.#refreshAffinity(ni);
    return true;
  }

  #indexPod(pi: PodInfo, labels: Labels, sign: 1 | -1): void {
    for (const idx of this.#countsAnyPod) idx.pod(pi, labels, sign);
    if (this.#countsByPodLabel.size > 0) {
      const podLabels = pi.pod.metadata?.labels ?? EMPTY_LABELS;
      for (const k in podLabels) {
        const b = this.#countsByPodLabel.get(`${k}\0${podLabels[k] ?? ''}`);
        if (b !== undefined) for (const idx of b) idx.pod(pi, labels, sign);
      }
    }
    if (pi.requiredAntiAffinityTerms.length > 0) this.#antiTerms.pod(pi, labels, sign);
  }

  #indexNode(ni: NodeInfo, labels: Labels, sign: 1 | -1): void {
    for (const idx of this.#counts.values()) idx.node(ni, labels, sign);
    this.#antiTerms.node(ni, labels, sign);
  }

  #refreshAffinity(ni: NodeInfo): void {
    this.#withAffinity.set(ni, ni.podsWithAffinity.length > 0);
    this.#withReqAnti.set(ni, ni.podsWithRequiredAntiAffinity.length > 0);
    this.#withScored.set(ni, ni.podsWithScoredAffinity.length > 0);
  }

  #shareImages(ni: NodeInfo): void {
    const shared = new Map<string, ImageStateSummary>();
    for (const [name, local] of ni.imageStates) {
      let g = this.#images.get(name);
      if (g === undefined) {
        g = { size: local.size, numNodes: 0 };
        this.#images.set(name, g);
      }
      g.numNodes++;
      shared.set(name, g);
    }
    ni.imageStates = shared;
  }

  #releaseImages(ni: NodeInfo): void {
    for (const [name, g] of ni.imageStates) {
      g.numNodes--;
      if (g.numNodes <= 0) this.#images.delete(name);
    }
  }
}
