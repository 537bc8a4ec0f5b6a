/**
 * Snapshot: the NodeInfos one scheduling cycle sees (upstream internal/cache.Snapshot plus the
 * incremental updates the cache would apply). The lead's informer-fed cache owns one Snapshot and
 * calls addPod/removePod/setNode as events arrive; `schedulePod` only reads it.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo, newPodInfo, podHasAffinity } from './node-info.ts';
import type { ImageStateSummary } from './node-info.ts';

/** Read-only view of a snapshot, what plugins get through the framework handle. */
export interface NodeInfoLister {
  /** All NodeInfos with a node, in a stable order (the order nodes were added). */
  list(): readonly NodeInfo[];
  /** The NodeInfo of a node, or undefined. */
  get(name: string): NodeInfo | undefined;
  /** NodeInfos with at least one pod that has (anti-)affinity terms. */
  havePodsWithAffinityList(): readonly NodeInfo[];
  /** NodeInfos with at least one pod that has required anti-affinity terms. */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /** Number of nodes. */
  numNodes(): number;
}

/**
 * A mutable set of NodeInfos with the derived lists plugins need. Not thread-safe (JS is single
 * threaded); do not mutate it while a `schedulePod` call is running.
 */
export class Snapshot implements NodeInfoLister {
  readonly #byName = new Map<string, NodeInfo>();
  #list: NodeInfo[] = [];
  #listDirty = false;
  /** Pods whose node is not known yet, by node name. */
  readonly #orphans = new Map<string, NodeInfo>();
  readonly #withAffinity = new Set<NodeInfo>();
  readonly #withReqAnti = new Set<NodeInfo>();
  #affinityList: NodeInfo[] | undefined;
  #reqAntiList: NodeInfo[] | undefined;
  /** Cluster-wide image summaries shared by every NodeInfo that has the image. */
  readonly #images = new Map<string, ImageStateSummary>();

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
    this.#affinityList ??= this.list().filter((n) => this.#withAffinity.has(n));
    return this.#affinityList;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    this.#reqAntiList ??= this.list().filter((n) => this.#withReqAnti.has(n));
    return this.#reqAntiList;
  }

  /** Adds or replaces a node; its pods are kept. */
  setNode(node: Node): NodeInfo {
    const name = node.metadata?.name ?? '';
    let ni = this.#byName.get(name);
    if (ni !== undefined) this.#releaseImages(ni);
    if (ni === undefined) {
      ni = this.#orphans.get(name) ?? new NodeInfo();
      this.#orphans.delete(name);
      this.#byName.set(name, ni);
      this.#listDirty = true;
      this.#refreshAffinity(ni);
    }
    ni.setNode(node);
    this.#shareImages(ni);
    return ni;
  }

  /** Removes a node and its pods. */
  removeNode(name: string): void {
    const ni = this.#byName.get(name);
    if (ni === undefined) return;
    this.#releaseImages(ni);
    this.#byName.delete(name);
    this.#withAffinity.delete(ni);
    this.#withReqAnti.delete(ni);
    this.#affinityList = undefined;
    this.#reqAntiList = undefined;
    this.#listDirty = true;
  }

  /**
   * Adds a pod to `nodeName` (default `spec.nodeName`); used both for bound pods and for the
   * scheduler's assumed pods. Pods for unknown nodes are held until the node arrives.
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
    ni.addPod(pi);
    if (podHasAffinity(pi) && !this.#withAffinity.has(ni)) {
      this.#withAffinity.add(ni);
      this.#affinityList = undefined;
    }
    if (pi.requiredAntiAffinityTerms.length > 0 && !this.#withReqAnti.has(ni)) {
      this.#withReqAnti.add(ni);
      this.#reqAntiList = undefined;
    }
  }

  /** Removes a pod from `nodeName` (default `spec.nodeName`); false when not found. */
  removePod(pod: Pod, nodeName: string = pod.spec?.nodeName ?? ''): boolean {
    const ni = this.#byName.get(nodeName) ?? this.#orphans.get(nodeName);
    if (ni === undefined || !ni.removePod(pod)) return false;
    if (this.#byName.has(nodeName)) this.#refreshAffinity(ni);
    return true;
  }

  #refreshAffinity(ni: NodeInfo): void {
    const a = ni.podsWithAffinity.length > 0;
    const r = ni.podsWithRequiredAntiAffinity.length > 0;
    if (a !== this.#withAffinity.has(ni)) {
      if (a) this.#withAffinity.add(ni);
      else this.#withAffinity.delete(ni);
      this.#affinityList = undefined;
    }
    if (r !== this.#withReqAnti.has(ni)) {
      if (r) this.#withReqAnti.add(ni);
      else this.#withReqAnti.delete(ni);
      this.#reqAntiList = undefined;
    }
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
