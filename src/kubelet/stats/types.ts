/**
 * The kubelet's Summary API (`GET /stats/summary`), as upstream k8s.io/kubelet/pkg/apis/stats/v1alpha1
 * serialises it: field names and JSON keys are upstream's (note `ephemeral-storage`,
 * `process_stats`, `maxpid`/`curproc`). Times are RFC 3339 strings (metav1.Time; with milliseconds,
 * see formatStatsTime); every measurement is optional because upstream omits what
 * it cannot read. Plain JSON: callers may serialise a {@link Summary} directly.
 */

/** The name of the system container holding all pods (upstream SystemContainerPods). */
export const SYSTEM_CONTAINER_PODS = 'pods';
/** The kubelet's own system container (SystemContainerKubelet). */
export const SYSTEM_CONTAINER_KUBELET = 'kubelet';
/** The container runtime's system container (SystemContainerRuntime). */
export const SYSTEM_CONTAINER_RUNTIME = 'runtime';

/** A whole summary. */
export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}

/** Node-level stats. */
export interface NodeStats {
  nodeName: string;
  /** `kubelet`, `runtime`, `pods` (as upstream; `pods` is what eviction's allocatable signal reads). */
  systemContainers?: ContainerStats[];
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  /** The filesystem of the kubelet's root dir (nodefs). */
  fs?: FsStats;
  runtime?: RuntimeStats;
  rlimit?: RlimitStats;
}

/** Filesystems of the runtime. */
export interface RuntimeStats {
  /** Where images live (imagefs). */
  imageFs?: FsStats;
  /** Where writable layers live (same as imageFs unless split). */
  containerFs?: FsStats;
}

/** Process limits of the node. */
export interface RlimitStats {
  time: string;
  /** pid_max. */
  maxpid?: number;
  /** Running processes (threads count as the kernel counts tasks). */
  curproc?: number;
}

/** One pod. */
export interface PodStats {
  podRef: PodReference;
  startTime: string;
  containers: ContainerStats[];
  cpu?: CPUStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  volume?: VolumeStats[];
  'ephemeral-storage'?: FsStats;
  process_stats?: ProcessStats;
}

/** Identifies a pod. */
export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

/** One container (or a system container). */
export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
  /** The writable layer. */
  rootfs?: FsStats;
  /** The container's log directory. */
  logs?: FsStats;
}

/** CPU usage. */
export interface CPUStats {
  time: string;
  /** Average usage over the last sampling interval, in nanocores (1e9 = one core). */
  usageNanoCores?: number;
  /** Cumulative CPU time, ns. */
  usageCoreNanoSeconds?: number;
}

/** Memory usage. */
export interface MemoryStats {
  time: string;
  /** limit (or node capacity) − working set; absent when unlimited and not the node. */
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** Network usage of one interface. */
export interface InterfaceStats {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

/** Network usage: the default interface inline (`eth0`), and all interfaces. */
export interface NetworkStats extends Partial<InterfaceStats> {
  time: string;
  interfaces?: InterfaceStats[];
}

/** Filesystem usage. */
export interface FsStats {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

/** One volume of a pod. */
export interface VolumeStats extends FsStats {
  name: string;
  pvcRef?: { name: string; namespace: string };
}

/** Process counts of a pod. */
export interface ProcessStats {
  process_count?: number;
}
