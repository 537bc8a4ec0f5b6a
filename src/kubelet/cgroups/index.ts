/**
 * The kubelet's container manager for cgroups (upstream pkg/kubelet/cm): pod QoS classes and
 * effective resources, the kubepods layout (QoS tiers, pod and container cgroups; cgroupfs and
 * systemd naming), the settings of every level (shares, CFS quota, memory, pids), node capacity
 * and allocatable — all pure — and a thin host adapter over the cgroup v1/hybrid/v2 filesystems
 * that creates, updates, joins, measures, kills and removes cgroups.
 */
export {
  POD_LEVEL_RESOURCES,
  isPodLevelRequestsSet,
  isPodLevelResourcesSet,
  isRestartableInitContainer,
  podLevelResources,
  podLimits,
  podRequests,
} from './resources.ts';
export type { ContainerType, PodResourcesOptions } from './resources.ts';
export { computePodQOS, getPodQOS } from './qos.ts';
export type { PodQOSClass, QOSOptions } from './qos.ts';
export {
  CgroupLayout,
  CgroupNameError,
  DEFAULT_PODS_CGROUP,
  POD_CGROUP_PREFIX,
  SYSTEMD_SCOPE_PREFIX,
  cgroupPath,
  escapeSystemd,
  expandSlice,
  parseCgroupfs,
  parseSystemd,
  toCgroupfs,
  toSystemd,
  toSystemdSlice,
} from './names.ts';
export type { CgroupDriver, CgroupLayoutOptions, CgroupName } from './names.ts';
export {
  MAX_CPU_WEIGHT,
  MAX_SHARES,
  MILLI_CPU_TO_CPU,
  MIN_CPU_WEIGHT,
  MIN_QUOTA_PERIOD,
  MIN_SHARES,
  QUOTA_PERIOD,
  SHARES_PER_CPU,
  containerResourceConfig,
  cpuMaxValue,
  hugePageLimits,
  hugePageSizeString,
  milliCPUToQuota,
  milliCPUToShares,
  nodeAllocatableCgroupConfig,
  planNodeCgroups,
  planPodCgroups,
  qosCgroupConfigs,
  quotaToMilliCPU,
  resourceConfigForPod,
  sharesToCPUWeight,
  sharesToMilliCPU,
  toOciLinuxResources,
  v1FileWrites,
  v2FileWrites,
} from './plan.ts';
export type {
  ContainerCgroupOptions,
  FileWrite,
  OciLinuxResources,
  PlannedCgroup,
  PodCgroupOptions,
  PodCgroupPlan,
  QOSCgroupOptions,
  ResourceConfig,
} from './plan.ts';
export {
  DEFAULT_EVICTION_HARD,
  DEFAULT_MAX_PODS,
  capacityFromStatfs,
  cpuCountFromCpuinfo,
  hardEvictionReservation,
  internalCapacity,
  memoryCapacityFromMeminfo,
  nodeAllocatable,
  nodeAllocatableAbsolute,
  nodeAllocatableReservation,
  nodeCapacity,
  parseEvictionThresholds,
  parseMeminfo,
  parsePidMax,
  thresholdQuantity,
  validateNodeAllocatable,
} from './node.ts';
export type {
  EvictionSignal,
  EvictionThreshold,
  MachineInfo,
  NodeAllocatableConfig,
  NodeCapacityOptions,
} from './node.ts';
export {
  CGROUP_ROOT,
  V1_CONTROLLERS,
  detectHierarchies,
  memoryWorkingSet,
  parseFlatKeyed,
  parseMountInfo,
  parsePids,
  parseSingleValue,
  v1MountOf,
} from './mountinfo.ts';
export type { CgroupHierarchies, MountInfoEntry, V1Hierarchy } from './mountinfo.ts';
export { CgroupError, CgroupFs, readHierarchies } from './cgroupfs.ts';
export type { CgroupFsOptions, CgroupStats } from './cgroupfs.ts';
