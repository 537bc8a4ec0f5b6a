/**
 * Pure pieces of the Summary API: the CPU rate cache (usageNanoCores between two samples, as
 * upstream's cri_stats_provider keeps it), parsers of /proc/stat and /proc/<pid>/net/dev, and the
 * conversion of cgroup and statfs numbers into the v1alpha1 stats objects.
 */
import type { CgroupStats } from '../cgroups/index.ts';
import type { CPUStats, FsStats, InterfaceStats, MemoryStats, NetworkStats } from './types.ts';

/** The interface upstream reports inline in NetworkStats (network.DefaultInterfaceName). */
export const DEFAULT_INTERFACE_NAME = 'eth0';

/**
 * RFC 3339 in UTC with milliseconds. metav1.Time marshals whole seconds, but keeping the
 * milliseconds lets `/metrics/resource` carry upstream's millisecond sample timestamps, and
 * every RFC 3339 parser (Go's included) accepts the fraction.
 */
export function formatStatsTime(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * usageNanoCores per key from cumulative CPU time samples. The rate is measured against the
 * previous sample; a sample taken sooner than `minIntervalMs` after the last one returns the
 * cached rate and keeps the old sample, so frequent scrapes (metrics-server, eviction, `top`)
 * do not shrink the window to noise. Keys not sampled in {@link prune}'s `keep` are dropped.
 */
export class CpuUsageCache {
  readonly #entries = new Map<string, { usageNs: bigint; atMs: number; rate?: number }>();

  constructor(private readonly minIntervalMs = 1000) {}

  /** Records a sample; returns usageNanoCores, or undefined for the first sample of a key. */
  sample(key: string, usageNs: bigint, atMs: number): number | undefined {
    const prev = this.#entries.get(key);
    if (prev === undefined || usageNs < prev.usageNs) {
      // First sample, or a counter reset (a new cgroup under the same key).
      this.#entries.set(key, { usageNs, atMs });
      return undefined;
    }
    if (atMs - prev.atMs < this.minIntervalMs) return prev.rate;
    const rate = Math.round(Number(usageNs - prev.usageNs) / ((atMs - prev.atMs) / 1000));
    this.#entries.set(key, { usageNs, atMs, rate });
    return rate;
  }

  /** Forgets every key not in `keep` (containers and pods that are gone). */
  prune(keep: ReadonlySet<string>): void {
    for (const k of this.#entries.keys()) if (!keep.has(k)) this.#entries.delete(k);
  }
}

/** The clock tick /proc/stat counts in (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/**
 * Cumulative busy CPU time of the machine from /proc/stat's `cpu` line, in ns: every field but
 * idle and iowait (guest time is already inside user/nice). Undefined when the line is missing.
 */
export function parseProcStatCpu(text: string): bigint | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (line === undefined) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  const ticks = user + nice + system + irq + softirq + steal;
  return (BigInt(ticks) * 1_000_000_000n) / BigInt(USER_HZ);
}

/** Parses /proc/<pid>/net/dev (the interfaces of that process's network namespace). */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 16) continue;
    out.push({ name, rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] });
  }
  return out;
}

/**
 * NetworkStats of a pod (or the node): every interface but `lo`, and the default interface's
 * numbers inline as upstream does. Undefined when there is no interface.
 */
export function networkStats(
  ifaces: readonly InterfaceStats[],
  time: string,
): NetworkStats | undefined {
  const list = ifaces.filter((i) => i.name !== 'lo');
  if (list.length === 0) return undefined;
  const def = list.find((i) => i.name === DEFAULT_INTERFACE_NAME);
  return { time, ...(def ?? {}), interfaces: list.map((i) => ({ ...i })) };
}

const num = (v: bigint | undefined): number | undefined =>
  v === undefined ? undefined : Number(v);

/** CPUStats from a cumulative usage and the cached rate. */
export function cpuStats(
  time: string,
  usageNs: bigint | undefined,
  nanoCores: number | undefined,
): CPUStats | undefined {
  if (usageNs === undefined) return undefined;
  return {
    time,
    ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}),
    usageCoreNanoSeconds: Number(usageNs),
  };
}

/**
 * MemoryStats from cgroup stats (cAdvisor's mapping): availableBytes = limit − workingSet when a
 * limit exists (the node passes its capacity), page faults from memory.stat.
 */
export function memoryStats(
  time: string,
  cg: CgroupStats,
  extra: { limitBytes?: number; pageFaults?: number; majorPageFaults?: number } = {},
): MemoryStats | undefined {
  if (cg.memoryUsageBytes === undefined && cg.memoryWorkingSetBytes === undefined) return undefined;
  const ws = num(cg.memoryWorkingSetBytes);
  const limit = extra.limitBytes ?? num(cg.memoryLimitBytes);
  const out: MemoryStats = { time };
  if (limit !== undefined && ws !== undefined) out.availableBytes = Math.max(0, limit - ws);
  const usage = num(cg.memoryUsageBytes);
  if (usage !== undefined) out.usageBytes = usage;
  if (ws !== undefined) out.workingSetBytes = ws;
  const rss = num(cg.memoryRssBytes);
  if (rss !== undefined) out.rssBytes = rss;
  if (extra.pageFaults !== undefined) out.pageFaults = extra.pageFaults;
  if (extra.majorPageFaults !== undefined) out.majorPageFaults = extra.majorPageFaults;
  return out;
}

/** What statfs(2) reports (node's fs.StatFs), numbers of blocks and inodes. */
export interface StatfsNumbers {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

/** FsStats of a filesystem (cAdvisor: available = bavail, used = blocks − bfree). */
export function fsStatsFromStatfs(time: string, s: StatfsNumbers): FsStats {
  return {
    time,
    availableBytes: s.bavail * s.bsize,
    capacityBytes: s.blocks * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    inodesFree: s.ffree,
    inodes: s.files,
    inodesUsed: s.files - s.ffree,
  };
}

/** FsStats of a directory inside a filesystem: its own usage, the filesystem's free and total. */
export function fsStatsForDir(
  time: string,
  fs: StatfsNumbers | undefined,
  used: { bytes: number; inodes: number },
): FsStats {
  const out: FsStats = { time, usedBytes: used.bytes, inodesUsed: used.inodes };
  if (fs !== undefined) {
    out.availableBytes = fs.bavail * fs.bsize;
    out.capacityBytes = fs.blocks * fs.bsize;
    out.inodesFree = fs.ffree;
    out.inodes = fs.files;
  }
  return out;
}

/** Sums FsStats usage (pod ephemeral-storage = rootfs + logs + local volumes). */
export function sumFsUsage(
  time: string,
  parts: readonly (FsStats | undefined)[],
  fs: StatfsNumbers | undefined,
): FsStats {
  let bytes = 0;
  let inodes = 0;
  for (const p of parts) {
    bytes += p?.usedBytes ?? 0;
    inodes += p?.inodesUsed ?? 0;
  }
  return fsStatsForDir(time, fs, { bytes, inodes });
}
