/**
 * The runtime's view of a pod, rebuilt from the labels the kubelet stores with every container
 * (upstream keeps the same facts in CRI labels and annotations: `io.kubernetes.pod.uid`,
 * `io.kubernetes.container.name`, the restart count and the spec hash). Because the runtime
 * keeps them, a restarted kubelet adopts its running containers without any state of its own.
 * Pure.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { containerHash, terminatedReason } from '../lifecycle/index.ts';
import type {
  RuntimeContainerStatus,
  RuntimePodStatus,
  RuntimeSandboxStatus,
} from '../lifecycle/index.ts';
import type { ContainerState } from '../runtime/index.ts';
import type { PodRef, PodSandbox } from './environment.ts';

/** Container label keys (upstream's names where upstream has one). */
export const Label = Object.freeze({
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  containerName: 'io.kubernetes.container.name',
  restartCount: 'io.kubernetes.container.restartCount',
  hash: 'io.kubernetes.container.hash',
  /** `init`, `regular` or `ephemeral`. */
  containerType: 'io.kubernetes.container.type',
  image: 'skiff.dev/image',
  imageRef: 'skiff.dev/image-ref',
});

/** Which list of the pod spec a container comes from. */
export type ContainerType = 'init' | 'regular' | 'ephemeral';

/** The labels of a new container instance. */
export function containerLabels(
  pod: Pod,
  container: Container,
  type: ContainerType,
  restartCount: number,
  imageRef: string,
): Record<string, string> {
  const m = pod.metadata ?? {};
  return {
    [Label.podUid]: m.uid ?? '',
    [Label.podName]: m.name ?? '',
    [Label.podNamespace]: m.namespace ?? '',
    [Label.containerName]: container.name,
    [Label.restartCount]: String(restartCount),
    [Label.hash]: containerHash(container),
    [Label.containerType]: type,
    [Label.image]: container.image ?? '',
    [Label.imageRef]: imageRef,
  };
}

/** The pod a runtime container belongs to, from its labels; undefined for foreign containers. */
export function podRefOf(state: ContainerState): PodRef | undefined {
  const uid = state.labels[Label.podUid];
  const name = state.labels[Label.containerName];
  if (uid === undefined || uid === '' || name === undefined) return undefined;
  return {
    uid,
    name: state.labels[Label.podName] ?? '',
    namespace: state.labels[Label.podNamespace] ?? '',
  };
}

/**
 * One runtime container as the lifecycle planners see it. `runtimeName` prefixes the API's
 * containerID (`runc://<id>`). A container found stopped with no known exit code (it ended
 * while nobody watched) reports exit 255 and reason `Error`, so it is restarted per the policy.
 */
export function toRuntimeContainerStatus(
  state: ContainerState,
  runtimeName: string,
): RuntimeContainerStatus {
  const l = state.labels;
  const restartCount = Number(l[Label.restartCount] ?? '0');
  const base = {
    id: `${runtimeName}://${state.id}`,
    name: l[Label.containerName] ?? '',
    createdAt: state.createdAt.getTime(),
    image: l[Label.image] ?? '',
    ...(l[Label.imageRef] !== undefined && l[Label.imageRef] !== ''
      ? { imageRef: l[Label.imageRef] }
      : {}),
    restartCount: Number.isInteger(restartCount) ? restartCount : 0,
    ...(l[Label.hash] !== undefined ? { hash: l[Label.hash] } : {}),
    ...(state.startedAt !== undefined ? { startedAt: state.startedAt.getTime() } : {}),
  };
  switch (state.status) {
    case 'created':
      return { ...base, state: 'created' };
    case 'running':
      return { ...base, state: 'running' };
    case 'stopped': {
      const exitCode = state.exitCode ?? 255;
      return {
        ...base,
        state: 'exited',
        exitCode,
        reason: terminatedReason(exitCode, state.oomKilled),
        finishedAt: (state.finishedAt ?? state.startedAt ?? state.createdAt).getTime(),
      };
    }
  }
}

/** The sandbox as the lifecycle planners see it. */
export function toRuntimeSandboxStatus(sandbox: PodSandbox): RuntimeSandboxStatus {
  return {
    id: sandbox.id,
    ready: sandbox.ready,
    attempt: sandbox.attempt,
    hostNetwork: sandbox.hostNetwork,
    createdAt: sandbox.createdAt,
    ...(sandbox.hostNetwork ? {} : { ip: sandbox.ips[0] ?? '' }),
  };
}

/**
 * The RuntimePodStatus of pod `uid` from every runtime container (others' are skipped) and the
 * pod's sandbox. Containers come newest first, as upstream sorts them.
 */
export function runtimePodStatus(
  uid: string,
  containers: readonly ContainerState[],
  sandbox: PodSandbox | undefined,
  runtimeName: string,
): RuntimePodStatus {
  const mine = containers
    .filter((c) => c.labels[Label.podUid] === uid)
    .map((c) => toRuntimeContainerStatus(c, runtimeName))
    // Instances created in the same millisecond: the higher restart count is the newer.
    .sort((a, b) => b.createdAt - a.createdAt || b.restartCount - a.restartCount);
  return {
    sandboxes: sandbox === undefined ? [] : [toRuntimeSandboxStatus(sandbox)],
    containers: mine,
    ...(sandbox !== undefined && sandbox.ready && !sandbox.hostNetwork
      ? { ips: [...sandbox.ips] }
      : {}),
  };
}

/** Newest first by creation time, then by restart count (same-millisecond instances). */
export function newestFirst(a: ContainerState, b: ContainerState): number {
  const count = (c: ContainerState): number => Number(c.labels[Label.restartCount] ?? '0') || 0;
  return b.createdAt.getTime() - a.createdAt.getTime() || count(b) - count(a);
}

/**
 * Dead instances to remove (upstream's container GC keeps the newest dead instance per
 * container, which `lastState` is made from): every exited instance older than the newest two
 * instances of the same container name. Returns runtime ids (without the `runc://` prefix).
 */
export function deadContainersToRemove(
  uid: string,
  containers: readonly ContainerState[],
): string[] {
  const byName = new Map<string, ContainerState[]>();
  for (const c of containers) {
    if (c.labels[Label.podUid] !== uid) continue;
    const name = c.labels[Label.containerName] ?? '';
    const list = byName.get(name) ?? [];
    list.push(c);
    byName.set(name, list);
  }
  const out: string[] = [];
  for (const list of byName.values()) {
    list.sort(newestFirst);
    for (const c of list.slice(2)) if (c.status === 'stopped') out.push(c.id);
  }
  return out;
}
