// The cgroup settings the kubelet wants, as pure functions (upstream pkg/kubelet/cm
// helpers_linux.go ResourceConfigForPod, qos_container_manager_linux.go setCPUCgroupConfig,
// pod_container_manager_linux.go, kuberuntime calculateLinuxResources, and the cgroup v1/v2
// conversions of opencontainers/cgroups). A ResourceConfig is version-neutral; `fileWrites`
// turns it into the exact files and values for cgroup v1 or v2, which the host adapter writes.
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity, resourceListFromWire } from '../../api/index.ts';
import type { Quantity, ResourceList } from '../../api/index.ts';
import type { CgroupLayout, CgroupName } from './names.ts';
import { getPodQOS } from './qos.ts';
import type { PodQOSClass } from './qos.ts';
import { isPodLevelResourcesSet, podLevelResources, podLimits, podRequests } from './resources.ts';

/** Kernel minimum of cpu.shares (upstream MinShares). */
export const MIN_SHARES = 2;
/** Kernel maximum of cpu.shares (upstream MaxShares). */
export const MAX_SHARES = 262144;
/** cpu.shares per whole CPU (upstream SharesPerCPU). */
export const SHARES_PER_CPU = 1024;
/** Millicores per CPU. */
export const MILLI_CPU_TO_CPU = 1000;
/** Default CFS period: 100 ms in µs (upstream QuotaPeriod). */
export const QUOTA_PERIOD = 100000;
/** Smallest CFS quota the kernel accepts: 1 ms in µs (upstream MinQuotaPeriod). */
export const MIN_QUOTA_PERIOD = 1000;
/** cgroup v2 cpu.weight range. */
export const MIN_CPU_WEIGHT = 1;
export const MAX_CPU_WEIGHT = 10000;

/** milliCPU → cpu.shares: 0 → 2 (the kernel's real minimum), clamped to [2, 262144]. */
export function milliCPUToShares(milliCPU: number): number {
  if (milliCPU === 0) return MIN_SHARES;
  const shares = Math.trunc((milliCPU * SHARES_PER_CPU) / MILLI_CPU_TO_CPU);
  if (shares < MIN_SHARES) return MIN_SHARES;
  if (shares > MAX_SHARES) return MAX_SHARES;
  return shares;
}

/**
 * milliCPU → CFS quota in µs over `period` (default 100 ms); 0 for no limit, at least 1 ms
 * otherwise (upstream MilliCPUToQuota; the CustomCPUCFSQuotaPeriod gate is off by default, so
 * the kubelet's node-level helper always uses 100 ms and passes its own period only to cgroups).
 */
export function milliCPUToQuota(milliCPU: number, period: number = QUOTA_PERIOD): number {
  if (milliCPU === 0) return 0;
  const quota = Math.trunc((milliCPU * period) / MILLI_CPU_TO_CPU);
  return quota < MIN_QUOTA_PERIOD ? MIN_QUOTA_PERIOD : quota;
}

/** cpu.shares → cgroup v2 cpu.weight: `1 + ((shares-2)*9999)/262142`; 0 stays unset (0). */
export function sharesToCPUWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.trunc(((shares - 2) * 9999) / 262142);
}

/** cpu.shares → millicores (upstream sharesToMilliCPU): what a cgroup's shares stand for. */
export function sharesToMilliCPU(shares: number): number {
  return shares >= MIN_SHARES ? Math.ceil((shares * MILLI_CPU_TO_CPU) / SHARES_PER_CPU) : 0;
}

/** CFS quota/period → millicores (upstream quotaToMilliCPU); 0 for unlimited (-1). */
export function quotaToMilliCPU(quota: number, period: number): number {
  if (quota === -1) return 0;
  return Math.trunc((quota * MILLI_CPU_TO_CPU) / period);
}

/**
 * Settings for one cgroup (upstream cm.ResourceConfig). An absent field is left as it is; the
 * numbers use the kernel's units. Plain data: callers own what they get.
 */
export interface ResourceConfig {
  /** cpu.shares (v1); v2 writes cpu.weight = sharesToCPUWeight(cpuShares). */
  cpuShares?: number;
  /** CFS quota in µs; -1 = unlimited; 0 = leave unset. */
  cpuQuota?: number;
  /** CFS period in µs; 0 = leave unset. */
  cpuPeriod?: number;
  /** Memory limit in bytes; -1 = unlimited; 0 = leave unset (as libcontainer). */
  memory?: number;
  /** Max tasks; -1 (or any value ≤ 0 other than 0) = unlimited; 0 = leave unset. */
  pidsLimit?: number;
  /** Huge page size in bytes → limit in bytes. */
  hugePageLimit?: ReadonlyMap<number, number>;
  /** Raw cgroup v2 files (file name → value), e.g. memory.min, memory.oom.group. */
  unified?: Readonly<Record<string, string>>;
}

/** Kubelet settings that shape pod cgroups (KubeletConfiguration fields and feature gates). */
export interface PodCgroupOptions {
  /** `cpuCFSQuota` (default true): false leaves quotas unlimited (-1). */
  readonly enforceCPULimits?: boolean;
  /** `cpuCFSQuotaPeriod` in µs (default 100000). */
  readonly cpuPeriod?: number;
  /** The MemoryQoS gate (default false): sets memory.min from requests on cgroup v2. */
  readonly enforceMemoryQoS?: boolean;
  /** The PodLevelResources gate (default false). */
  readonly podLevelResources?: boolean;
  /** `podPidsLimit` (default -1: none); a positive value becomes the pod cgroup's pids.max. */
  readonly podPidsLimit?: number;
}

const HUGEPAGES_PREFIX = 'hugepages-';

/** huge page resource name → page size in bytes (upstream HugePageSizeFromResourceName). */
function hugePageSize(name: string): number | undefined {
  if (!name.startsWith(HUGEPAGES_PREFIX)) return undefined;
  try {
    return parseQuantity(name.slice(HUGEPAGES_PREFIX.length)).value();
  } catch {
    return undefined; // not a valid huge page resource: upstream ignores it too
  }
}

/** Huge page resources → page size (bytes) → limit (bytes) (upstream HugePageLimits). */
export function hugePageLimits(list: ResourceList): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of list) {
    const size = hugePageSize(k);
    if (size !== undefined) out.set(size, (out.get(size) ?? 0) + v.value());
  }
  return out;
}

/**
 * The pod cgroup's settings (upstream ResourceConfigForPod, plus the pids limit the pod
 * container manager adds): Guaranteed gets shares, quota and memory; Burstable gets shares and
 * quota/memory only when every container declares that limit; BestEffort gets 2 shares.
 */
export function resourceConfigForPod(pod: Pod, opts: PodCgroupOptions = {}): ResourceConfig {
  const podLevel = opts.podLevelResources === true;
  const cpuPeriod = opts.cpuPeriod ?? QUOTA_PERIOD;
  const reqs = podRequests(pod, { podLevelResources: podLevel });
  // Whether every container (init containers by their effective limits) declares the limit.
  const declared = { cpu: true, memory: true };
  const limits = podLimits(pod, {
    podLevelResources: podLevel,
    containerFn: (res) => {
      if (isZero(res.get('cpu'))) declared.cpu = false;
      if (isZero(res.get('memory'))) declared.memory = false;
    },
  });
  if (podLevel && isPodLevelResourcesSet(pod)) {
    const podLimitsList = resourceListFromWire(podLevelResources(pod)?.limits);
    if (!isZero(podLimitsList.get('cpu'))) declared.cpu = true;
    if (!isZero(podLimitsList.get('memory'))) declared.memory = true;
  }
  const cpuShares = milliCPUToShares(reqs.get('cpu')?.milliValue() ?? 0);
  // The kubelet's node-level helper ignores the configured period unless CustomCPUCFSQuotaPeriod
  // is on (it is not by default) but still writes the configured period next to that quota.
  let cpuQuota = milliCPUToQuota(limits.get('cpu')?.milliValue() ?? 0, QUOTA_PERIOD);
  if (opts.enforceCPULimits === false) cpuQuota = -1;
  const memory = limits.get('memory')?.value() ?? 0;

  const qos = getPodQOS(pod, { podLevelResources: podLevel });
  const result: ResourceConfig = {};
  if (qos === 'Guaranteed') {
    Object.assign(result, { cpuShares, cpuQuota, cpuPeriod, memory });
  } else if (qos === 'Burstable') {
    result.cpuShares = cpuShares;
    if (declared.cpu) Object.assign(result, { cpuQuota, cpuPeriod });
    if (declared.memory) result.memory = memory;
  } else {
    result.cpuShares = MIN_SHARES;
  }
  const huge = hugePageLimits(reqs);
  if (huge.size > 0) result.hugePageLimit = huge;
  if (opts.enforceMemoryQoS === true) {
    const min = reqs.get('memory')?.value() ?? 0;
    if (min > 0) result.unified = { 'memory.min': String(min) };
  }
  if (opts.podPidsLimit !== undefined && opts.podPidsLimit > 0) {
    result.pidsLimit = opts.podPidsLimit;
  }
  return result;
}

function isZero(q: Quantity | undefined): boolean {
  return q === undefined || q.isZero();
}

/** Options of {@link containerResourceConfig}. */
export interface ContainerCgroupOptions extends PodCgroupOptions {
  /** The node runs cgroup v2: ask the kernel to OOM-kill the whole container (memory.oom.group). */
  readonly cgroupV2?: boolean;
  /** `singleProcessOOMKill` (1.32, default false): keep the kernel's per-process OOM kill on v2. */
  readonly singleProcessOOMKill?: boolean;
}

/**
 * A container cgroup's settings (kuberuntime calculateLinuxResources): shares from the cpu
 * request (the limit when only a limit is set), CFS quota from the cpu limit (0 = none), memory
 * limit when set; with pod-level resources on, missing container limits fall back to the pod's.
 */
export function containerResourceConfig(
  pod: Pod,
  container: Container,
  opts: ContainerCgroupOptions = {},
): ResourceConfig {
  const requests = resourceListFromWire(container.resources?.requests);
  const limits = resourceListFromWire(container.resources?.limits);
  let cpuLimit = limits.get('cpu');
  let memoryLimit = limits.get('memory');
  if (opts.podLevelResources === true && isPodLevelResourcesSet(pod)) {
    const podLimitsList = resourceListFromWire(podLevelResources(pod)?.limits);
    if (isZero(cpuLimit)) cpuLimit = podLimitsList.get('cpu');
    if (isZero(memoryLimit)) memoryLimit = podLimitsList.get('memory');
  }
  const cpuRequest = requests.get('cpu');
  const result: ResourceConfig = {
    cpuShares: milliCPUToShares(
      isZero(cpuRequest) && !isZero(cpuLimit)
        ? (cpuLimit?.milliValue() ?? 0)
        : (cpuRequest?.milliValue() ?? 0),
    ),
  };
  const mem = memoryLimit?.value() ?? 0;
  if (mem !== 0) result.memory = mem;
  if (opts.enforceCPULimits !== false) {
    // kuberuntime's own milliCPUToQuota uses the configured period directly.
    const period = opts.cpuPeriod ?? QUOTA_PERIOD;
    result.cpuQuota = milliCPUToQuota(cpuLimit?.milliValue() ?? 0, period);
    result.cpuPeriod = period;
  }
  const huge = hugePageLimits(limits);
  if (huge.size > 0) result.hugePageLimit = huge;
  if (opts.cgroupV2 === true && opts.singleProcessOOMKill !== true) {
    result.unified = { 'memory.oom.group': '1' };
  }
  return result;
}

/** Options of {@link qosCgroupConfigs}. */
export interface QOSCgroupOptions {
  /** The PodLevelResources gate (default false). */
  readonly podLevelResources?: boolean;
}

/**
 * The Burstable and BestEffort tier settings (upstream qosContainerManager.UpdateCgroups with
 * default gates): BestEffort always 2 shares; Burstable the shares of the summed cpu requests of
 * the active Burstable pods. Memory QoS and QOSReserved are off by default and not applied.
 */
export function qosCgroupConfigs(
  activePods: readonly Pod[],
  opts: QOSCgroupOptions = {},
): { Burstable: ResourceConfig; BestEffort: ResourceConfig } {
  let burstableMilliCPU = 0;
  for (const pod of activePods) {
    if (getPodQOS(pod, opts) !== 'Burstable') continue;
    burstableMilliCPU += podRequests(pod, opts).get('cpu')?.milliValue() ?? 0;
  }
  return {
    Burstable: { cpuShares: milliCPUToShares(burstableMilliCPU) },
    BestEffort: { cpuShares: MIN_SHARES },
  };
}

/**
 * The node-allocatable (pods) cgroup's settings from an allocatable resource list (upstream
 * getCgroupConfig): memory limit, cpu shares, pids limit (resource "pid") and huge pages.
 */
export function nodeAllocatableCgroupConfig(allocatable: ResourceList): ResourceConfig {
  const rc: ResourceConfig = {};
  const memory = allocatable.get('memory');
  if (memory !== undefined) rc.memory = memory.value();
  const cpu = allocatable.get('cpu');
  if (cpu !== undefined) rc.cpuShares = milliCPUToShares(cpu.milliValue());
  const pids = allocatable.get('pid');
  if (pids !== undefined) rc.pidsLimit = pids.value();
  const huge = hugePageLimits(allocatable);
  if (huge.size > 0) rc.hugePageLimit = huge;
  return rc;
}

/** One cgroup of a plan: its name, literal path under the layout's driver, and settings. */
export interface PlannedCgroup {
  readonly name: CgroupName;
  readonly path: string;
  readonly resources: ResourceConfig;
}

/**
 * The node-level cgroups in creation order: the pods cgroup (node allocatable), then the
 * Burstable and BestEffort tiers. Guaranteed pods sit directly in the pods cgroup.
 */
export function planNodeCgroups(
  layout: CgroupLayout,
  allocatable: ResourceList,
  activePods: readonly Pod[],
  opts: QOSCgroupOptions = {},
): PlannedCgroup[] {
  const tiers = qosCgroupConfigs(activePods, opts);
  const out: PlannedCgroup[] = [
    {
      name: layout.pods,
      path: layout.path(layout.pods),
      resources: nodeAllocatableCgroupConfig(allocatable),
    },
  ];
  for (const qos of ['Burstable', 'BestEffort'] as const) {
    const name = layout.qos(qos);
    out.push({ name, path: layout.path(name), resources: tiers[qos] });
  }
  return out;
}

/** A pod's cgroups: the pod cgroup and one cgroup per container (ids from the caller). */
export interface PodCgroupPlan extends PlannedCgroup {
  readonly qosClass: PodQOSClass;
  /** Containers and restartable/ordinary init containers, in spec order (init first). */
  readonly containers: readonly (PlannedCgroup & { readonly container: string })[];
}

/**
 * Plans a pod: its QoS tier, pod cgroup and container cgroups. `containerId` names each
 * container's cgroup (the runtime's container id); default: the container name.
 */
export function planPodCgroups(
  layout: CgroupLayout,
  pod: Pod,
  opts: ContainerCgroupOptions & { readonly containerId?: (c: Container) => string } = {},
): PodCgroupPlan {
  const qosClass = getPodQOS(pod, opts);
  const uid = pod.metadata?.uid ?? '';
  const name = layout.pod(qosClass, uid);
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return {
    qosClass,
    name,
    path: layout.path(name),
    resources: resourceConfigForPod(pod, opts),
    containers: all.map((c) => {
      const id = opts.containerId?.(c) ?? c.name;
      return {
        container: c.name,
        name: [...name, id],
        path: layout.containerPath(qosClass, uid, id),
        resources: containerResourceConfig(pod, c, opts),
      };
    }),
  };
}

/** A cgroup v1 controller or v2 core file write. */
export interface FileWrite {
  /** v1: the controller whose hierarchy holds the file ("cpu", "memory", ...); v2: "unified". */
  readonly controller: string;
  readonly file: string;
  readonly value: string;
}

/** "2MB" / "1GB" / "64KB", the page-size spelling of hugetlb file names (libcontainer). */
export function hugePageSizeString(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let i = 0;
  while (size >= 1024 && i < units.length - 1 && size % 1024 === 0) {
    size /= 1024;
    i++;
  }
  return `${size}${units[i] ?? 'B'}`;
}

/**
 * The cgroup v1 files of a config, in the order to write them (libcontainer's fs manager): cpu
 * shares, period, quota; memory limit; pids; hugetlb. A write that fails with EINVAL (a smaller
 * period against an old quota, say) may be retried after the rest, as libcontainer does.
 */
export function v1FileWrites(rc: ResourceConfig): FileWrite[] {
  const out: FileWrite[] = [];
  if (rc.cpuShares !== undefined && rc.cpuShares !== 0) {
    out.push({ controller: 'cpu', file: 'cpu.shares', value: String(rc.cpuShares) });
  }
  if (rc.cpuPeriod !== undefined && rc.cpuPeriod !== 0) {
    out.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(rc.cpuPeriod) });
  }
  if (rc.cpuQuota !== undefined && rc.cpuQuota !== 0) {
    out.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(rc.cpuQuota) });
  }
  if (rc.memory !== undefined && rc.memory !== 0) {
    out.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(rc.memory) });
  }
  if (rc.pidsLimit !== undefined && rc.pidsLimit !== 0) {
    out.push({ controller: 'pids', file: 'pids.max', value: pidsValue(rc.pidsLimit) });
  }
  for (const [size, limit] of rc.hugePageLimit ?? []) {
    out.push({
      controller: 'hugetlb',
      file: `hugetlb.${hugePageSizeString(size)}.limit_in_bytes`,
      value: String(limit),
    });
  }
  return out;
}

function pidsValue(limit: number): string {
  return limit > 0 ? String(limit) : 'max';
}

/**
 * cgroup v2 "quota period" (libcontainer ConvertCPUQuotaCPUPeriodToCgroupV2Value): "max P" for
 * no quota, default period 100000; undefined when neither is set.
 */
export function cpuMaxValue(
  quota: number | undefined,
  period: number | undefined,
): string | undefined {
  const q = quota ?? 0;
  const p = period ?? 0;
  if (q <= 0 && p === 0) return undefined;
  const per = p === 0 ? QUOTA_PERIOD : p;
  return q <= 0 ? `max ${per}` : `${q} ${per}`;
}

/** The cgroup v2 files of a config, in write order: cpu.weight, cpu.max, memory, pids, hugetlb, raw. */
export function v2FileWrites(rc: ResourceConfig): FileWrite[] {
  const out: FileWrite[] = [];
  const u = 'unified';
  if (rc.cpuShares !== undefined && rc.cpuShares !== 0) {
    out.push({ controller: u, file: 'cpu.weight', value: String(sharesToCPUWeight(rc.cpuShares)) });
  }
  const cpuMax = cpuMaxValue(rc.cpuQuota, rc.cpuPeriod);
  if (cpuMax !== undefined) out.push({ controller: u, file: 'cpu.max', value: cpuMax });
  if (rc.memory !== undefined && rc.memory !== 0) {
    out.push({
      controller: u,
      file: 'memory.max',
      value: rc.memory < 0 ? 'max' : String(rc.memory),
    });
  }
  if (rc.pidsLimit !== undefined && rc.pidsLimit !== 0) {
    out.push({ controller: u, file: 'pids.max', value: pidsValue(rc.pidsLimit) });
  }
  for (const [size, limit] of rc.hugePageLimit ?? []) {
    out.push({
      controller: u,
      file: `hugetlb.${hugePageSizeString(size)}.max`,
      value: String(limit),
    });
  }
  for (const [file, value] of Object.entries(rc.unified ?? {})) {
    out.push({ controller: u, file, value });
  }
  return out;
}

/** The OCI runtime-spec `linux.resources` of a config (what runc applies to a container). */
export interface OciLinuxResources {
  cpu?: { shares?: number; quota?: number; period?: number };
  memory?: { limit?: number };
  pids?: { limit: number };
  hugepageLimits?: { pageSize: string; limit: number }[];
  unified?: Record<string, string>;
}

/** Converts a config to OCI `linux.resources`; unset fields are omitted (runc leaves them). */
export function toOciLinuxResources(rc: ResourceConfig): OciLinuxResources {
  const out: OciLinuxResources = {};
  const cpu: NonNullable<OciLinuxResources['cpu']> = {};
  if (rc.cpuShares !== undefined && rc.cpuShares !== 0) cpu.shares = rc.cpuShares;
  if (rc.cpuQuota !== undefined && rc.cpuQuota !== 0) cpu.quota = rc.cpuQuota;
  if (rc.cpuPeriod !== undefined && rc.cpuPeriod !== 0) cpu.period = rc.cpuPeriod;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  if (rc.memory !== undefined && rc.memory !== 0) out.memory = { limit: rc.memory };
  if (rc.pidsLimit !== undefined && rc.pidsLimit !== 0) out.pids = { limit: rc.pidsLimit };
  if (rc.hugePageLimit !== undefined && rc.hugePageLimit.size > 0) {
    out.hugepageLimits = [...rc.hugePageLimit].map(([size, limit]) => ({
      pageSize: hugePageSizeString(size),
      limit,
    }));
  }
  if (rc.unified !== undefined && Object.keys(rc.unified).length > 0)
    out.unified = { ...rc.unified };
  return out;
}
