/**
 * The kubelet server's backend over the {@link Kubelet} and its container runtime (upstream's
 * kubelet `HostInterface` plus the CRI streaming runtime): pods from the pod workers, log files
 * and container ids from the runtime's labels, exec and attach through the runtime,
 * port-forward into the pod's network namespace, stats from a provider.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodLogOptions } from '../lifecycle/index.ts';
import type { ContainerRuntime } from '../runtime/index.ts';
import { KubeletServerError, netnsPortForward } from '../server/index.ts';
import type {
  ContainerLogSource,
  ContainerStreams,
  KubeletServerBackend,
  StatsProvider,
} from '../server/index.ts';
import type { Kubelet, PodContainerInfo } from './kubelet.ts';

/** Why a container has not run yet, as its status says (upstream: the waiting reason). */
function waitingReason(pod: Pod, container: string): string {
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  return statuses.find((s) => s.name === container)?.state?.waiting?.reason ?? 'ContainerCreating';
}

function hasContainer(pod: Pod, name: string): boolean {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].some(
    (c) => c.name === name,
  );
}

/** Builds the backend; `stats` serves /stats/summary and /metrics/resource when given. */
export function kubeletServerBackend(
  kubelet: Kubelet,
  runtime: ContainerRuntime,
  stats?: StatsProvider,
): KubeletServerBackend {
  const podName = (pod: Pod): string => pod.metadata?.name ?? '';
  const uidOf = (pod: Pod, podUID: string | undefined): string => {
    const uid = pod.metadata?.uid ?? '';
    // upstream: a pod UID in the URL that is not the pod's is a 404.
    if (podUID !== undefined && podUID !== '' && podUID !== uid) {
      throw new KubeletServerError(404, `pod ${podName(pod)} not found`);
    }
    return uid;
  };
  /** The running instance of a container, for exec and attach (upstream's messages). */
  const running = async (pod: Pod, uid: string, container: string): Promise<PodContainerInfo> => {
    const info = await kubelet.containerInfo(uid, container);
    if (info === undefined || info.state !== 'running') {
      throw new KubeletServerError(404, `container not found (${JSON.stringify(container)})`);
    }
    return info;
  };
  return {
    nodeName: kubelet.nodeName,
    listPods: () => kubelet.listPods(),
    getPodByName: (namespace, name) => kubelet.getPodByName(namespace, name),
    async containerLogs(
      pod: Pod,
      container: string,
      opts: PodLogOptions,
    ): Promise<ContainerLogSource> {
      const uid = pod.metadata?.uid ?? '';
      if (!hasContainer(pod, container)) {
        throw new KubeletServerError(
          400,
          `container ${container} is not valid for pod ${podName(pod)}`,
        );
      }
      const info = await kubelet.containerInfo(uid, container, {
        previous: opts.previous === true,
      });
      if (info?.logPath === undefined) {
        throw new KubeletServerError(
          400,
          opts.previous === true
            ? `previous terminated container "${container}" in pod "${podName(pod)}" not found`
            : `container "${container}" in pod "${podName(pod)}" is waiting to start: ${waitingReason(pod, container)}`,
        );
      }
      const id = info.id;
      return {
        path: info.logPath,
        isRunning: async () => (await runtime.state(id))?.status === 'running',
      };
    },
    async exec(pod, podUID, container, cmd, streams: ContainerStreams) {
      const uid = uidOf(pod, podUID);
      const info = await running(pod, uid, container);
      return runtime.exec(info.id, {
        args: [...cmd],
        tty: streams.tty,
        ...(streams.stdin !== undefined ? { stdin: streams.stdin } : {}),
        ...(streams.stdout !== undefined ? { stdout: streams.stdout } : {}),
        ...(streams.stderr !== undefined ? { stderr: streams.stderr } : {}),
        ...(streams.resize !== undefined ? { resize: streams.resize } : {}),
        signal: streams.signal,
      });
    },
    async attach(pod, podUID, container, streams: ContainerStreams) {
      const uid = uidOf(pod, podUID);
      const info = await running(pod, uid, container);
      if (runtime.attach === undefined) {
        throw new KubeletServerError(400, `the ${runtime.name} runtime cannot attach`);
      }
      await runtime.attach(info.id, {
        ...(streams.stdin !== undefined ? { stdin: streams.stdin } : {}),
        ...(streams.stdout !== undefined ? { stdout: streams.stdout } : {}),
        ...(streams.stderr !== undefined ? { stderr: streams.stderr } : {}),
        ...(streams.resize !== undefined ? { resize: streams.resize } : {}),
        signal: streams.signal,
      });
    },
    async portForward(pod, podUID, port, stream, signal) {
      const uid = uidOf(pod, podUID);
      const netns = await kubelet.podNetnsPath(uid);
      if (netns === undefined) {
        throw new KubeletServerError(
          400,
          `pod ${podName(pod)} has no network namespace (a hostNetwork pod, or its sandbox is not ready)`,
        );
      }
      await netnsPortForward(netns, port, stream, signal);
    },
    ...(stats !== undefined ? { stats } : {}),
  };
}
