/**
 * Node and pod stats (upstream pkg/kubelet/stats and server/stats): the Summary API object
 * (`GET /stats/summary`, types.ts), built by {@link StatsProvider} from cgroups, /proc and statfs
 * over the pods a {@link StatsPodSource} lists, with usageNanoCores as a cached rate between
 * samples; and the `/metrics/resource` Prometheus text (metrics.ts) that metrics-server reads.
 */
export {
  SYSTEM_CONTAINER_KUBELET,
  SYSTEM_CONTAINER_PODS,
  SYSTEM_CONTAINER_RUNTIME,
} from './types.ts';
export type {
  CPUStats,
  ContainerStats,
  FsStats,
  InterfaceStats,
  MemoryStats,
  NetworkStats,
  NodeStats,
  PodReference,
  PodStats,
  ProcessStats,
  RlimitStats,
  RuntimeStats,
  Summary,
  VolumeStats,
} from './types.ts';
export {
  CpuUsageCache,
  DEFAULT_INTERFACE_NAME,
  cpuStats,
  formatStatsTime,
  fsStatsForDir,
  fsStatsFromStatfs,
  memoryStats,
  networkStats,
  parseNetDev,
  parseProcStatCpu,
  sumFsUsage,
} from './summary.ts';
export type { StatfsNumbers } from './summary.ts';
export { PROMETHEUS_TEXT_CONTENT_TYPE, formatGoFloat, renderResourceMetrics } from './metrics.ts';
export { StatsProvider, diskUsage } from './provider.ts';
export type { StatsContainer, StatsPod, StatsPodSource, StatsProviderOptions } from './provider.ts';
