/**
 * The node's stats for the kubelet server (`/stats/summary`, `/metrics/resource`, so the API
 * server's metrics.k8s.io and `kubectl top`): the stats provider over the pods the kubelet runs,
 * each with its pod and container cgroups as the host environment created them.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { getPodQOS } from '../cgroups/index.ts';
import type { StatsProvider as ServerStats } from '../server/index.ts';
import { StatsProvider } from '../stats/index.ts';
import type { StatsContainer, StatsPod } from '../stats/index.ts';
import type { HostKubelet } from './host-kubelet.ts';

function ms(time: string | undefined): number {
  const t = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(t) ? 0 : t;
}

/** When each container of `pod` started, by name (its status). */
function startTimes(pod: Pod): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ]) {
    const started = s.state?.running?.startedAt;
    if (started !== undefined) out.set(s.name, ms(started));
  }
  return out;
}

/** The stats of `host`'s pods; `rootDir` is the node's data dir (nodefs). */
export function hostStats(host: HostKubelet, nodeName: string, rootDir: string): ServerStats {
  const cg = host.cgroups;
  const provider =
    cg === undefined
      ? undefined
      : new StatsProvider({
          nodeName,
          cgroups: cg.fs,
          rootDir,
          imageFsDir: rootDir,
          podsCgroup: cg.layout.path(cg.layout.pods),
          pods: {
            async listPods(): Promise<StatsPod[]> {
              const out: StatsPod[] = [];
              for (const { pod, containers } of await host.kubelet.listPodContainers()) {
                const uid = pod.metadata?.uid ?? '';
                const qos = getPodQOS(pod);
                const started = startTimes(pod);
                const running: StatsContainer[] = [];
                const seen = new Set<string>();
                // Newest first: the current instance of each container.
                for (const c of containers) {
                  if (c.state !== 'running' || seen.has(c.name)) continue;
                  seen.add(c.name);
                  running.push({
                    name: c.name,
                    startTime: started.get(c.name) ?? 0,
                    cgroupPath: cg.layout.containerPath(qos, uid, c.id),
                  });
                }
                out.push({
                  ref: {
                    name: pod.metadata?.name ?? '',
                    namespace: pod.metadata?.namespace ?? '',
                    uid,
                  },
                  startTime: ms(pod.status?.startTime),
                  cgroupPath: cg.layout.path(cg.layout.pod(qos, uid)),
                  containers: running,
                });
              }
              return out;
            },
          },
        });
  return {
    async summary(onlyCpuAndMemory: boolean): Promise<object> {
      if (provider === undefined) throw new Error('no cgroups: the node collects no stats');
      return onlyCpuAndMemory ? provider.cpuAndMemory() : provider.summary();
    },
    async resourceMetrics(): Promise<string> {
      if (provider === undefined) throw new Error('no cgroups: the node collects no stats');
      return provider.resourceMetrics();
    },
  };
}
