/**
 * The real kubelet's core (issue 7): {@link Kubelet} registers this machine as a Node (Lease
 * heartbeat, node status with capacity, conditions and images) and runs the pods bound to it
 * through pod workers built on the lifecycle planners, a {@link PodEnvironment} for the host side
 * of a pod (sandbox, volumes, cgroups, bundles), an {@link ImageService} and a
 * `ContainerRuntime`. Pure parts: node status and Lease builders (node-status.ts), the runtime
 * view from container labels (runtime-status.ts), status diffing (status-manager.ts), pod worker
 * scheduling (pod-workers.ts), preflight checks (preflight.ts). Host adapters: host-probe.ts
 * (facts for preflight, nodeInfo, capacity) and host-environment.ts (the real PodEnvironment
 * and ImageService over sandbox/, volumes/, cgroups/ and images/).
 */
export { ContainerConfigError } from './environment.ts';
export type {
  ContainerBundleInput,
  ImageService,
  LocalImage,
  PodEnvironment,
  PodRef,
  PodSandbox,
} from './environment.ts';
export { Kubelet, computeNodeResources } from './kubelet.ts';
export type {
  ContainerLogFiles,
  KubeletEvictionOptions,
  KubeletImageGc,
  KubeletLogger,
  KubeletOptions,
  NodeResourceOptions,
  PodContainerInfo,
} from './kubelet.ts';
export {
  DEFAULT_KUBELET_PORT,
  LEASE_RENEW_INTERVAL_MS,
  MAX_NODE_IMAGES,
  NODE_LEASE_DURATION_SECONDS,
  NODE_LEASE_NAMESPACE,
  NODE_STATUS_UPDATE_INTERVAL_MS,
  buildNodeStatus,
  goArch,
  initialNode,
  nodeConditions,
  nodeImages,
  nodeLabels,
  osImageFromOsRelease,
  reconcileExistingNode,
} from './node-status.ts';
export type {
  NodeHostInfo,
  NodePressure,
  NodeRegistration,
  NodeStatusInput,
} from './node-status.ts';
export {
  DEFAULT_POD_RESYNC_MS,
  PodWorkers,
  SYNC_ERROR_INITIAL_MS,
  SYNC_ERROR_MAX_MS,
} from './pod-workers.ts';
export type { PodWorkersOptions, SyncFunc } from './pod-workers.ts';
export { COMMAND_PACKAGES, PreflightError, REQUIRED_CNI_PLUGINS, preflight } from './preflight.ts';
export type { HostFacts, PreflightProblem } from './preflight.ts';
export {
  Label,
  containerLabels,
  deadContainersToRemove,
  podRefOf,
  runtimePodStatus,
  toRuntimeContainerStatus,
  toRuntimeSandboxStatus,
} from './runtime-status.ts';
export type { ContainerType } from './runtime-status.ts';
export {
  StatusManager,
  canonicalJson,
  podStatusChanged,
  podStatusPatch,
} from './status-manager.ts';
export type { StatusManagerLogger } from './status-manager.ts';
export { FakeImageService, FakePodEnvironment } from './fakes.ts';
export { HostPodEnvironment, StoreImageService } from './host-environment.ts';
export type { HostPodEnvironmentOptions, StoreImageServiceOptions } from './host-environment.ts';
export {
  DEFAULT_CNI_BIN_DIR,
  defaultNodeIP,
  findOnPath,
  parseRuncVersion,
  probeHost,
  readMachineInfo,
  readNodeHostInfo,
} from './host-probe.ts';
export { createHostKubelet, statsPods } from './host-kubelet.ts';
export { HostContainerLogs, podUidOfLogDir } from './host-logs.ts';
export type { HostKubelet, HostKubeletOptions } from './host-kubelet.ts';
export { kubeletServerBackend } from './server-backend.ts';
export { hostStats } from './host-stats.ts';
