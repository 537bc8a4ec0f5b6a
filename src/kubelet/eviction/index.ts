/**
 * Node-pressure eviction (upstream pkg/kubelet/eviction): thresholds as configured
 * (thresholds.ts), the pure decisions (planner.ts: observations, thresholds met, grace periods,
 * pressure conditions, pod ranking, eviction messages) and the {@link EvictionManager} that runs
 * them every 10 s over a stats Summary, reclaims through image and container GC before evicting,
 * and kills one pod per cycle through an injected callback; plus the node-wide dead container
 * GC planner (container-gc.ts) that feeds that reclaim and the 1-minute container GC loop.
 */
export {
  DEFAULT_EVICTION_HARD,
  DEFAULT_PRESSURE_TRANSITION_PERIOD_MS,
  SIGNALS,
  formatThresholdValue,
  isHardEvictionThreshold,
  parseDurationMs,
  parseThresholdConfig,
  thresholdQuantity,
} from './thresholds.ts';
export type { Signal, Threshold, ThresholdValue } from './thresholds.ts';
export {
  EVICTED_REASON,
  EVICTION_ANNOTATIONS,
  EVICTION_THRESHOLD_MET,
  IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS,
  SIGNAL_TO_NODE_CONDITION,
  SIGNAL_TO_RESOURCE,
  SYSTEM_CRITICAL_PRIORITY,
  evictionMessage,
  isCriticalPod,
  makeSignalObservations,
  mergeThresholds,
  nodeConditions,
  nodeConditionsLastObservedAt,
  nodeConditionsObservedSince,
  podDiskUsage,
  podPriority,
  podRequestQuantity,
  rankDiskPressure,
  rankMemoryPressure,
  rankPIDPressure,
  sameThreshold,
  signalToRankFunc,
  signalToReclaimSteps,
  sortByEvictionPriority,
  thresholdsFirstObservedAt,
  thresholdsMet,
  thresholdsMetGracePeriod,
  thresholdsUpdatedStats,
} from './planner.ts';
export type {
  FsStatsType,
  Observations,
  PressureCondition,
  RankFunc,
  ReclaimStep,
  SignalObservation,
  StarvedResource,
  StatsFunc,
  ThresholdsObservedAt,
} from './planner.ts';
export { parseEvictionFlags, parseFlagMap } from './flags.ts';
export type { EvictionConfig, EvictionFlags } from './flags.ts';
export { EvictionManager } from './manager.ts';
export type {
  AdmitResult,
  EvictionLogger,
  EvictionManagerOptions,
  EvictionStatus,
} from './manager.ts';
export {
  CONTAINER_GC_PERIOD_MS,
  DEFAULT_CONTAINER_GC_POLICY,
  planContainerGc,
} from './container-gc.ts';
export type { ContainerGcPodState, ContainerGcPolicy, GcContainer } from './container-gc.ts';
