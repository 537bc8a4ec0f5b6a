/**
 * Dead container garbage collection, node-wide (upstream pkg/kubelet/kuberuntime/kuberuntime_gc.go
 * evictContainers with the kubelet's policy: MinAge 0, MaxPerPodContainer 1, MaxContainers −1).
 * Exited instances are grouped by (pod UID, container name): every instance of a pod whose
 * content should be removed (deleted, or — for eviction's DeleteAllUnusedContainers — merely
 * terminated) goes; otherwise the newest `maxPerPodContainer` exited instances stay (the newest
 * one is what `kubectl logs --previous` and `lastState` read); then, when `maxContainers` is set,
 * the oldest go until the node holds no more. Running containers are never chosen. Pure.
 */

/** One container instance the runtime keeps. */
export interface GcContainer {
  /** The runtime's id (what removeContainer takes). */
  readonly id: string;
  readonly podUid: string;
  /** The container's name in the pod spec. */
  readonly name: string;
  /** Running or created: never collected. */
  readonly running: boolean;
  /** Creation time, ms. */
  readonly createdAt: number;
}

/** The kubelet's container GC policy (kubecontainer.GCPolicy). */
export interface ContainerGcPolicy {
  /** Minimum age of an exited instance before it may go (ms). */
  readonly minAgeMs: number;
  /** Exited instances kept per (pod, container name); < 0 = no limit. */
  readonly maxPerPodContainer: number;
  /** Exited instances kept on the node; < 0 = no limit. */
  readonly maxContainers: number;
}

/** The kubelet's defaults (1.32: MinAge 0, MaxPerPodContainer 1, MaxContainers −1). */
export const DEFAULT_CONTAINER_GC_POLICY: ContainerGcPolicy = Object.freeze({
  minAgeMs: 0,
  maxPerPodContainer: 1,
  maxContainers: -1,
});

/** Upstream's period of the container GC loop (ContainerGCPeriod). */
export const CONTAINER_GC_PERIOD_MS = 60_000;

/** What the planner knows about pods (podStateProvider). */
export interface ContainerGcPodState {
  /** ShouldPodContentBeRemoved: the pod is deleted (or unknown) and terminated. */
  shouldPodContentBeRemoved(uid: string): boolean;
  /** ShouldPodRuntimeBeRemoved: the pod is terminated (its containers are no longer needed). */
  shouldPodRuntimeBeRemoved(uid: string): boolean;
}

/**
 * The ids to remove, oldest first within each group. `allSourcesReady` (the kubelet has seen
 * every pod source) gates removal by pod state, as upstream; `evictNonDeletedPods` is eviction's
 * DeleteAllUnusedContainers.
 */
export function planContainerGc(
  containers: readonly GcContainer[],
  policy: ContainerGcPolicy,
  now: number,
  state: ContainerGcPodState,
  opts: { readonly allSourcesReady: boolean; readonly evictNonDeletedPods?: boolean },
): string[] {
  const units = new Map<string, GcContainer[]>();
  for (const c of containers) {
    if (c.running || now - c.createdAt < policy.minAgeMs) continue;
    const key = `${c.podUid}\u0000${c.name}`;
    const list = units.get(key) ?? [];
    list.push(c);
    units.set(key, list);
  }
  // Newest first within each unit.
  for (const list of units.values()) list.sort((a, b) => b.createdAt - a.createdAt);
  const remove: string[] = [];
  const drop = (list: GcContainer[], keep: number): GcContainer[] => {
    const gone = list.slice(keep);
    for (const c of [...gone].reverse()) remove.push(c.id);
    return list.slice(0, keep);
  };
  if (opts.allSourcesReady) {
    for (const [key, list] of units) {
      const uid = list[0]?.podUid ?? '';
      if (
        state.shouldPodContentBeRemoved(uid) ||
        (opts.evictNonDeletedPods === true && state.shouldPodRuntimeBeRemoved(uid))
      ) {
        drop(list, 0);
        units.delete(key);
      }
    }
  }
  if (policy.maxPerPodContainer >= 0) {
    for (const [key, list] of units) units.set(key, drop(list, policy.maxPerPodContainer));
  }
  if (policy.maxContainers >= 0) {
    let total = 0;
    for (const list of units.values()) total += list.length;
    if (total > policy.maxContainers) {
      // Spread the limit over the units first (at least one each), then the oldest overall go.
      const perUnit = Math.max(1, Math.floor(policy.maxContainers / Math.max(1, units.size)));
      for (const [key, list] of units) units.set(key, drop(list, perUnit));
      const rest = [...units.values()].flat().sort((a, b) => b.createdAt - a.createdAt);
      for (const c of rest.slice(policy.maxContainers).reverse()) remove.push(c.id);
    }
  }
  return remove;
}
