// Node capacity and allocatable, as pure functions of what the host reports (upstream cAdvisor's
// machine info as the kubelet turns it into capacity; pkg/kubelet/cm/node_container_manager_linux.go
// GetNodeAllocatableAbsolute / GetNodeAllocatableReservation; pkg/kubelet/nodestatus MachineInfo).
// Two numbers matter and differ: the pods cgroup is limited to capacity − kube-reserved −
// system-reserved ("absolute"), while Node.status.allocatable also subtracts the hard eviction
// thresholds, so the scheduler leaves the eviction margin free.
import { newMilliQuantity, newQuantity, parseQuantity, ZERO_QUANTITY } from '../../api/index.ts';
import type { Quantity, ResourceList } from '../../api/index.ts';

/** Upstream default `maxPods`. */
export const DEFAULT_MAX_PODS = 110;

/** What the host reports about itself (cAdvisor MachineInfo, reduced to what capacity uses). */
export interface MachineInfo {
  /** Logical CPUs. */
  readonly numCores: number;
  /** MemTotal in bytes. */
  readonly memoryCapacity: number;
  /** Huge page pools: page size in KiB and the number of pages. */
  readonly hugePages?: readonly { readonly pageSizeKiB: number; readonly numPages: number }[];
  /** Capacity of the filesystem holding the kubelet's root dir, in bytes. */
  readonly ephemeralStorageCapacity?: number;
  /** /proc/sys/kernel/pid_max, for the "pid" resource node allocatable enforcement uses. */
  readonly pidMax?: number;
}

/** Parses /proc/meminfo into a field → bytes map (values in "kB" are converted; counts stay). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:\s]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (m === null) continue;
    const n = Number(m[2]);
    out.set(m[1] ?? '', m[3] === 'kB' ? n * 1024 : n);
  }
  return out;
}

/** MemTotal of /proc/meminfo in bytes; throws when the field is missing. */
export function memoryCapacityFromMeminfo(text: string): number {
  const total = parseMeminfo(text).get('MemTotal');
  if (total === undefined) throw new Error('MemTotal not found in meminfo');
  return total;
}

/** Counts the "processor" entries of /proc/cpuinfo (one per logical CPU). */
export function cpuCountFromCpuinfo(text: string): number {
  return text.split('\n').filter((l) => /^processor\s*:/.test(l)).length;
}

/** Filesystem capacity from statfs numbers: blocks × block size (cAdvisor's Capacity). */
export function capacityFromStatfs(stat: {
  readonly blocks: number;
  readonly bsize: number;
}): number {
  return stat.blocks * stat.bsize;
}

/** Parses /proc/sys/kernel/pid_max. */
export function parsePidMax(text: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n <= 0) throw new Error(`invalid pid_max: ${JSON.stringify(text)}`);
  return n;
}

/** Options of {@link nodeCapacity}. */
export interface NodeCapacityOptions {
  /** `maxPods` (default 110). */
  readonly maxPods?: number;
}

/**
 * Node capacity as the kubelet reports it: cpu (millicores, DecimalSI), memory (BinarySI),
 * ephemeral-storage (BinarySI, when known), pods, hugepages-<size>. The "pid" resource is kept
 * out (it is internal: only the pods cgroup's pids limit uses it, see {@link internalCapacity}).
 */
export function nodeCapacity(
  machine: MachineInfo,
  opts: NodeCapacityOptions = {},
): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  out.set('cpu', newMilliQuantity(machine.numCores * 1000, 'DecimalSI'));
  out.set('memory', newQuantity(machine.memoryCapacity, 'BinarySI'));
  if (machine.ephemeralStorageCapacity !== undefined) {
    out.set('ephemeral-storage', newQuantity(machine.ephemeralStorageCapacity, 'BinarySI'));
  }
  out.set('pods', newQuantity(opts.maxPods ?? DEFAULT_MAX_PODS, 'DecimalSI'));
  for (const hp of machine.hugePages ?? []) {
    const size = newQuantity(hp.pageSizeKiB * 1024, 'BinarySI');
    out.set(
      `hugepages-${size.toString()}`,
      newQuantity(hp.numPages * hp.pageSizeKiB * 1024, 'BinarySI'),
    );
  }
  return out;
}

/** Capacity plus the internal "pid" resource (upstream internalCapacity) when pid_max is known. */
export function internalCapacity(
  machine: MachineInfo,
  opts: NodeCapacityOptions = {},
): Map<string, Quantity> {
  const out = nodeCapacity(machine, opts);
  if (machine.pidMax !== undefined) out.set('pid', newQuantity(machine.pidMax, 'DecimalSI'));
  return out;
}

/** An eviction signal the allocatable computation looks at (upstream evictionapi.Signal). */
export type EvictionSignal =
  | 'memory.available'
  | 'nodefs.available'
  | 'nodefs.inodesFree'
  | 'imagefs.available'
  | 'imagefs.inodesFree'
  | 'pid.available';

/** A hard eviction threshold `signal < value` (upstream evictionapi.Threshold with OpLessThan). */
export interface EvictionThreshold {
  readonly signal: EvictionSignal;
  /** An absolute quantity, or a fraction of capacity (stored as float32, as upstream). */
  readonly value: { readonly quantity: Quantity } | { readonly percentage: number };
}

/**
 * The kubelet's default `evictionHard` (1.32, Linux): memory.available<100Mi,
 * nodefs.available<10%, nodefs.inodesFree<5%, imagefs.available<15%, imagefs.inodesFree<5%.
 */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
  'imagefs.inodesFree': '5%',
};

const SIGNALS: ReadonlySet<string> = new Set([
  'memory.available',
  'nodefs.available',
  'nodefs.inodesFree',
  'imagefs.available',
  'imagefs.inodesFree',
  'pid.available',
]);

/**
 * Parses an `evictionHard` map ("signal" → "100Mi" | "10%"). Throws on an unknown signal or a
 * bad value, with upstream's messages; a "0%"/"100%" threshold disables the signal (dropped).
 */
export function parseEvictionThresholds(
  map: Readonly<Record<string, string>>,
): EvictionThreshold[] {
  const out: EvictionThreshold[] = [];
  for (const [signal, raw] of Object.entries(map)) {
    if (!SIGNALS.has(signal)) throw new Error(`unsupported eviction signal ${signal}`);
    const s = signal as EvictionSignal;
    if (raw.endsWith('%')) {
      const pct = Number(raw.slice(0, -1));
      if (!Number.isFinite(pct) || raw.slice(0, -1).trim() === '') {
        throw new Error(`invalid percentage: ${raw}`);
      }
      if (pct < 0) throw new Error(`eviction percentage threshold ${signal} must be >= 0%: ${raw}`);
      if (pct > 100)
        throw new Error(`eviction percentage threshold ${signal} must be <= 100%: ${raw}`);
      if (raw === '0%' || raw === '100%') continue; // upstream: sentinels of a disabled threshold
      out.push({ signal: s, value: { percentage: Math.fround(pct / 100) } });
    } else {
      const q = parseQuantity(raw);
      if (q.sign() <= 0)
        throw new Error(`eviction threshold ${signal} must be positive: ${q.toString()}`);
      out.push({ signal: s, value: { quantity: q } });
    }
  }
  return out;
}

/** The threshold as a quantity of `capacity` (upstream GetThresholdQuantity). */
export function thresholdQuantity(t: EvictionThreshold, capacity: Quantity | undefined): Quantity {
  if ('quantity' in t.value) return t.value.quantity;
  // float32 × int64 truncated, exactly as upstream computes it.
  const cap = capacity?.value() ?? 0;
  return newQuantity(Math.trunc(cap * Math.fround(t.value.percentage)), 'BinarySI');
}

/** What the hard thresholds hold back from scheduling (upstream hardEvictionReservation). */
export function hardEvictionReservation(
  thresholds: readonly EvictionThreshold[],
  capacity: ResourceList,
): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const t of thresholds) {
    if (t.signal === 'memory.available') {
      out.set('memory', thresholdQuantity(t, capacity.get('memory')));
    } else if (t.signal === 'nodefs.available') {
      out.set('ephemeral-storage', thresholdQuantity(t, capacity.get('ephemeral-storage')));
    }
  }
  return out;
}

/** Node allocatable settings (kubelet kubeReserved, systemReserved, evictionHard). */
export interface NodeAllocatableConfig {
  readonly kubeReserved?: ResourceList;
  readonly systemReserved?: ResourceList;
  /** Default: none. Use parseEvictionThresholds(DEFAULT_EVICTION_HARD) for the kubelet default. */
  readonly hardEvictionThresholds?: readonly EvictionThreshold[];
}

/**
 * What is held back from pods for scheduling: system-reserved + kube-reserved + hard eviction
 * thresholds, per capacity resource; zero entries are omitted (upstream
 * GetNodeAllocatableReservation).
 */
export function nodeAllocatableReservation(
  capacity: ResourceList,
  config: NodeAllocatableConfig,
): Map<string, Quantity> {
  const eviction = hardEvictionReservation(config.hardEvictionThresholds ?? [], capacity);
  const out = new Map<string, Quantity>();
  for (const k of capacity.keys()) {
    let value = newQuantity(0, 'DecimalSI');
    for (const q of [config.systemReserved?.get(k), config.kubeReserved?.get(k), eviction.get(k)]) {
      if (q !== undefined) value = value.add(q);
    }
    if (!value.isZero()) out.set(k, value);
  }
  return out;
}

function clampNonNegative(q: Quantity): Quantity {
  return q.sign() < 0 ? newQuantity(0, q.format) : q;
}

/**
 * capacity − system-reserved − kube-reserved, clamped at 0 (upstream
 * getNodeAllocatableAbsoluteImpl): the limit of the pods cgroup. Eviction thresholds are not
 * subtracted; pass {@link internalCapacity} to get the "pid" resource too.
 */
export function nodeAllocatableAbsolute(
  capacity: ResourceList,
  config: NodeAllocatableConfig,
): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of capacity) {
    let value = v;
    const sys = config.systemReserved?.get(k);
    if (sys !== undefined) value = value.sub(sys);
    const kube = config.kubeReserved?.get(k);
    if (kube !== undefined) value = value.sub(kube);
    out.set(k, clampNonNegative(value));
  }
  return out;
}

/**
 * Node.status.allocatable (nodestatus MachineInfo): capacity − reservation clamped at 0, then
 * memory − every hugepages-* capacity (huge pages are carved out of memory).
 */
export function nodeAllocatable(
  capacity: ResourceList,
  config: NodeAllocatableConfig,
): Map<string, Quantity> {
  const reservation = nodeAllocatableReservation(capacity, config);
  const out = new Map<string, Quantity>();
  for (const [k, v] of capacity) {
    const res = reservation.get(k);
    out.set(k, clampNonNegative(res === undefined ? v : v.sub(res)));
  }
  for (const [k, v] of capacity) {
    if (!k.startsWith('hugepages-')) continue;
    const mem = out.get('memory') ?? ZERO_QUANTITY;
    out.set('memory', clampNonNegative(mem.sub(v)));
  }
  return out;
}

/**
 * Rejects a reservation larger than capacity (upstream validateNodeAllocatable): returns the
 * error message, or undefined when valid.
 */
export function validateNodeAllocatable(
  capacity: ResourceList,
  config: NodeAllocatableConfig,
): string | undefined {
  const reservation = nodeAllocatableReservation(capacity, config);
  const errors: string[] = [];
  for (const [k, v] of reservation) {
    const cap = capacity.get(k);
    if (cap !== undefined && cap.sub(v).sign() < 0) {
      errors.push(
        `Resource "${k}" has a reservation of ${v.toString()} but capacity of ${cap.toString()}. Expected capacity >= reservation.`,
      );
    }
  }
  return errors.length > 0
    ? `invalid Node Allocatable configuration. ${errors.join(' ')}`
    : undefined;
}
