// The Node authorizer's relationship graph (upstream plugin/pkg/auth/authorizer/node/graph.go
// and graph_populator.go). Vertices are API objects; every edge points toward the Node vertex
// it grants access for:
//
//   pod -> node                 volumeattachment -> node      resourceslice -> node
//   secret, configmap, pvc, serviceAccount, resourceclaim -> pod
//   pv -> pvc                   secret -> pv
//
// Edges that end at a pod carry the pod's node as their "destination", so a walk never
// crosses into another node's pods. Each vertex keeps a count of its out-edges per
// destination; for vertex kinds whose out-edges all carry a destination (everything but
// secrets and PVs) that count alone answers the authorization question in O(1). Upstream only
// builds that index above 200 edges and walks otherwise; the answers are the same.
import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import type { VolumeAttachment } from 'kubernetes-types/storage/v1.js';
import {
  isMirrorPod,
  podClaimNames,
  podResourceClaimNames,
  visitPodConfigMapNames,
  visitPodSecretNames,
  visitPVSecretNames,
} from './pod-refs.ts';

/** The kinds of vertices, named as upstream's vertexTypes (they appear in log text). */
export type NodeGraphVertexType =
  | 'configmap'
  | 'resourceslice'
  | 'node'
  | 'pod'
  | 'pvc'
  | 'pv'
  | 'resourceclaim'
  | 'secret'
  | 'volumeattachment'
  | 'serviceAccount';

/** Vertex kinds whose out-edges always carry a destination node (upstream's authoritative index). */
const AUTHORITATIVE: ReadonlySet<NodeGraphVertexType> = new Set<NodeGraphVertexType>([
  'configmap',
  'resourceslice',
  'pod',
  'pvc',
  'resourceclaim',
  'volumeattachment',
  'serviceAccount',
]);

interface Edge {
  readonly from: Vertex;
  readonly to: Vertex;
  /** The node this edge leads to, for edges whose chain ends at one known node. */
  readonly destination: Vertex | undefined;
}

class Vertex {
  readonly out = new Map<Vertex, Edge>();
  readonly in = new Map<Vertex, Edge>();
  /** Out-edges per destination vertex (reference count). */
  readonly destinations = new Map<Vertex, number>();
  constructor(
    readonly key: string,
    readonly type: NodeGraphVertexType,
  ) {}
  degree(): number {
    return this.out.size + this.in.size;
  }
}

function vertexKey(type: NodeGraphVertexType, namespace: string, name: string): string {
  return `${type}\u0000${namespace}\u0000${name}`;
}

interface ClaimStatus {
  name?: string;
  resourceClaimName?: string;
}
function claimStatuses(pod: Pod): ClaimStatus[] {
  return (
    (pod.status as { resourceClaimStatuses?: ClaimStatus[] } | undefined)?.resourceClaimStatuses ??
    []
  );
}
function claimStatusesEqual(a: Pod, b: Pod): boolean {
  const sa = claimStatuses(a);
  const sb = claimStatuses(b);
  if (sa.length !== sb.length) return false;
  for (let i = 0; i < sa.length; i++) {
    if ((sa[i]?.name ?? '') !== (sb[i]?.name ?? '')) return false;
    if (sa[i]?.resourceClaimName !== sb[i]?.resourceClaimName) return false;
  }
  return true;
}

/**
 * The node authorizer graph. Feed it from watch events on pods, persistent volumes, volume
 * attachments (and resource slices) with the `on*` methods, which apply upstream's populator
 * filters; or use the raw `set*` / `delete*` methods. PVCs need no events: their vertices are
 * created by the pods and PVs that reference them. Synchronous and single-threaded: each call
 * leaves the graph consistent, so authorization may interleave freely.
 */
export class NodeGraph {
  private readonly vertices = new Map<string, Vertex>();

  /** Number of vertices (for tests and metrics). */
  get size(): number {
    return this.vertices.size;
  }

  /** True when the graph holds a vertex for that object. */
  hasVertex(type: NodeGraphVertexType, namespace: string, name: string): boolean {
    return this.vertices.has(vertexKey(type, namespace, name));
  }

  /** Drops everything (e.g. before a relist). */
  clear(): void {
    this.vertices.clear();
  }

  // ---- populator (upstream graph_populator.go) ----

  /** A pod was added: recorded once it is bound to a node. */
  onPodAdd(pod: Pod): void {
    this.onPodUpdate(undefined, pod);
  }

  /**
   * A pod changed. References in a bound pod's spec are immutable, so only a new node, a new
   * uid or changed resource claim statuses rebuild its edges.
   */
  onPodUpdate(oldPod: Pod | undefined, pod: Pod): void {
    const nodeName = pod.spec?.nodeName ?? '';
    if (nodeName === '') return;
    if (
      oldPod !== undefined &&
      (oldPod.spec?.nodeName ?? '') === nodeName &&
      (oldPod.metadata?.uid ?? '') === (pod.metadata?.uid ?? '') &&
      claimStatusesEqual(oldPod, pod)
    ) {
      return;
    }
    this.setPod(pod);
  }

  /** A pod was deleted. Unbound pods were never recorded. */
  onPodDelete(pod: Pod): void {
    if ((pod.spec?.nodeName ?? '') === '') return;
    this.deletePod(pod.metadata?.name ?? '', pod.metadata?.namespace ?? '');
  }

  /** A PV was added or changed. */
  onPersistentVolume(pv: PersistentVolume): void {
    this.setPV(pv);
  }

  /** A PV was deleted. */
  onPersistentVolumeDelete(pv: PersistentVolume): void {
    this.deletePV(pv.metadata?.name ?? '');
  }

  /** A VolumeAttachment was added or changed; unchanged nodeName is a no-op. */
  onVolumeAttachment(oldVa: VolumeAttachment | undefined, va: VolumeAttachment): void {
    if (oldVa !== undefined && oldVa.spec.nodeName === va.spec.nodeName) return;
    this.setVolumeAttachment(va.metadata?.name ?? '', va.spec.nodeName);
  }

  /** A VolumeAttachment was deleted. */
  onVolumeAttachmentDelete(va: VolumeAttachment): void {
    this.deleteVolumeAttachment(va.metadata?.name ?? '');
  }

  // ---- graph mutations (upstream graph.go) ----

  /**
   * (Re)records a pod bound to `spec.nodeName`: pod -> node, and unless it is a mirror pod
   * (which must never grant its node access to anything) its service account, secrets,
   * configmaps, PVCs (including generic ephemeral volumes' claims) and resource claims -> pod.
   */
  setPod(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    this.deleteVertex('pod', ns, name);
    const podV = this.getOrCreate('pod', ns, name);
    const nodeV = this.getOrCreate('node', '', pod.spec?.nodeName ?? '');
    this.setEdge(podV, nodeV, nodeV);
    if (isMirrorPod(pod)) return;

    const sa = pod.spec?.serviceAccountName ?? '';
    if (sa !== '') this.setEdge(this.getOrCreate('serviceAccount', ns, sa), podV, nodeV);
    visitPodSecretNames(pod, (secret) => {
      this.setEdge(this.getOrCreate('secret', ns, secret), podV, nodeV);
      return true;
    });
    visitPodConfigMapNames(pod, (cm) => {
      this.setEdge(this.getOrCreate('configmap', ns, cm), podV, nodeV);
      return true;
    });
    for (const claim of podClaimNames(pod)) {
      this.setEdge(this.getOrCreate('pvc', ns, claim), podV, nodeV);
    }
    for (const claim of podResourceClaimNames(pod)) {
      this.setEdge(this.getOrCreate('resourceclaim', ns, claim), podV, nodeV);
    }
  }

  /** Forgets a pod, and every vertex that was only connected to it. */
  deletePod(name: string, namespace: string): void {
    this.deleteVertex('pod', namespace, name);
  }

  /**
   * (Re)records a PV: pv -> its claimRef's pvc, and kubelet-visible secrets -> pv. A PV without
   * claimRef grants nothing.
   */
  setPV(pv: PersistentVolume): void {
    const name = pv.metadata?.name ?? '';
    this.deleteVertex('pv', '', name);
    const claimRef = pv.spec?.claimRef;
    if (claimRef === undefined) return;
    const pvV = this.getOrCreate('pv', '', name);
    // The pvc -> pod -> node end of the chain may not exist yet: no destination on these edges.
    this.setEdge(
      pvV,
      this.getOrCreate('pvc', claimRef.namespace ?? '', claimRef.name ?? ''),
      undefined,
    );
    visitPVSecretNames(pv, (namespace, secret, kubeletVisible) => {
      if (kubeletVisible)
        this.setEdge(this.getOrCreate('secret', namespace, secret), pvV, undefined);
      return true;
    });
  }

  /** Forgets a PV. */
  deletePV(name: string): void {
    this.deleteVertex('pv', '', name);
  }

  /** (Re)records volumeattachment -> node; an empty nodeName only removes the old edge. */
  setVolumeAttachment(name: string, nodeName: string): void {
    this.deleteVertex('volumeattachment', '', name);
    if (nodeName === '') return;
    const va = this.getOrCreate('volumeattachment', '', name);
    const node = this.getOrCreate('node', '', nodeName);
    this.setEdge(va, node, node);
  }

  /** Forgets a VolumeAttachment. */
  deleteVolumeAttachment(name: string): void {
    this.deleteVertex('volumeattachment', '', name);
  }

  /** (Re)records resourceslice -> node; an empty nodeName only removes the old edge. */
  setResourceSlice(name: string, nodeName: string): void {
    this.deleteVertex('resourceslice', '', name);
    if (nodeName === '') return;
    const slice = this.getOrCreate('resourceslice', '', name);
    const node = this.getOrCreate('node', '', nodeName);
    this.setEdge(slice, node, node);
  }

  /** Forgets a ResourceSlice. */
  deleteResourceSlice(name: string): void {
    this.deleteVertex('resourceslice', '', name);
  }

  // ---- queries ----

  /**
   * True when there is a path from the object to the node that does not pass through another
   * node's pods (upstream hasPathFrom).
   */
  hasPathFrom(
    nodeName: string,
    startType: NodeGraphVertexType,
    namespace: string,
    name: string,
  ): boolean {
    const nodeV = this.vertices.get(vertexKey('node', '', nodeName));
    if (nodeV === undefined) return false;
    const start = this.vertices.get(vertexKey(startType, namespace, name));
    if (start === undefined) return false;
    if ((start.destinations.get(nodeV) ?? 0) > 0) return true;
    // Every out-edge of these kinds carries a destination, and none leads to this node.
    if (AUTHORITATIVE.has(startType)) return false;

    const visited = new Set<Vertex>([start]);
    const stack: Vertex[] = [start];
    for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
      for (const e of v.out.values()) {
        if (e.destination !== undefined) {
          // Never follow edges that lead to other nodes.
          if (e.destination !== nodeV) continue;
          return true;
        }
        if (e.to === nodeV) return true;
        if (!visited.has(e.to)) {
          visited.add(e.to);
          stack.push(e.to);
        }
      }
    }
    return false;
  }

  // ---- internals ----

  private getOrCreate(type: NodeGraphVertexType, namespace: string, name: string): Vertex {
    const key = vertexKey(type, namespace, name);
    let v = this.vertices.get(key);
    if (v === undefined) {
      v = new Vertex(key, type);
      this.vertices.set(key, v);
    }
    return v;
  }

  private setEdge(from: Vertex, to: Vertex, destination: Vertex | undefined): void {
    const old = from.out.get(to);
    if (old?.destination !== undefined) decrement(from, old.destination);
    const e: Edge = { from, to, destination };
    from.out.set(to, e);
    to.in.set(from, e);
    if (destination !== undefined) {
      from.destinations.set(destination, (from.destinations.get(destination) ?? 0) + 1);
    }
  }

  /** Removes a vertex and any neighbor left without edges (upstream deleteVertexLocked). */
  private deleteVertex(type: NodeGraphVertexType, namespace: string, name: string): void {
    const v = this.vertices.get(vertexKey(type, namespace, name));
    if (v === undefined) return;
    const neighbors = [...v.out.keys(), ...v.in.keys()];
    this.removeVertex(v);
    for (const n of neighbors) if (n.degree() === 0) this.removeVertex(n);
  }

  private removeVertex(v: Vertex): void {
    for (const to of v.out.keys()) to.in.delete(v);
    for (const [from, e] of v.in) {
      from.out.delete(v);
      if (e.destination !== undefined) decrement(from, e.destination);
    }
    v.out.clear();
    v.in.clear();
    v.destinations.clear();
    this.vertices.delete(v.key);
  }
}

function decrement(v: Vertex, destination: Vertex): void {
  const n = (v.destinations.get(destination) ?? 0) - 1;
  if (n > 0) v.destinations.set(destination, n);
  else v.destinations.delete(destination);
}
