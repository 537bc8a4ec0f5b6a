/**
 * The node's stats for the kubelet server (`/stats/summary`, `/metrics/resource`, so the API
 * server's metrics.k8s.io and `kubectl top`): the host kubelet's stats provider (the one its
 * eviction manager reads), over the pods the kubelet runs, each with its pod and container
 * cgroups as the host environment created them.
 */
import type { StatsProvider as ServerStats } from '../server/index.ts';
import { StatsProvider } from '../stats/index.ts';
import type { HostKubelet } from './host-kubelet.ts';
import { statsPods } from './host-kubelet.ts';

/**
 * The stats of `host`'s pods: `host.stats` when it has one; otherwise (a HostKubelet built
 * elsewhere) a provider with `rootDir` (the node's data dir) as nodefs and imagefs.
 */
export function hostStats(host: HostKubelet, nodeName: string, rootDir: string): ServerStats {
  const cg = host.cgroups;
  const provider =
    host.stats ??
    (cg === undefined
      ? undefined
      : new StatsProvider({
          nodeName,
          cgroups: cg.fs,
          rootDir,
          imageFsDir: rootDir,
          podsCgroup: cg.layout.path(cg.layout.pods),
          pods: { listPods: () => statsPods(host.kubelet, cg.layout, host.podLogsDir) },
        }));
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
