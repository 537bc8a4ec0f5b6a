/**
 * The host side of stats (upstream pkg/kubelet/stats with cAdvisor's readings): builds the
 * Summary API object from the cgroup filesystems (one `CgroupFs`), /proc (meminfo, stat,
 * loadavg, pid_max, each pod's /proc/<pid>/net/dev, which shows that process's network
 * namespace without entering it), statfs of the kubelet's root dir (nodefs) and of the image
 * store (imagefs), and disk usage walks of container writable layers, log dirs and local
 * volumes (cached for `diskUsageTtlMs`, as cAdvisor's fs housekeeping, because walking is slow).
 * What the kubelet runs comes from a {@link StatsPodSource} the caller implements.
 */
import { readdir, readFile, lstat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFlatKeyed, parseMeminfo } from '../cgroups/index.ts';
import type { CgroupFs, CgroupStats } from '../cgroups/index.ts';
import { renderResourceMetrics } from './metrics.ts';
import {
  CpuUsageCache,
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
import type { StatfsNumbers } from './summary.ts';
import { SYSTEM_CONTAINER_PODS } from './types.ts';
import type {
  ContainerStats,
  FsStats,
  NodeStats,
  PodReference,
  PodStats,
  Summary,
  VolumeStats,
} from './types.ts';

/** One container instance the kubelet runs (the newest instance of each name). */
export interface StatsContainer {
  readonly name: string;
  /** When it started (ms since the epoch). */
  readonly startTime: number;
  /** Its cgroup (`CgroupLayout.containerCgroup(...)`); absent = no cpu/memory stats. */
  readonly cgroupPath?: string;
  /** The writable layer (overlay upperdir), measured as `rootfs`. */
  readonly rootfsPath?: string;
  /** The container's log directory (`<podLogsDir>/<ns>_<name>_<uid>/<container>`), as `logs`. */
  readonly logDir?: string;
}

/** One pod the kubelet runs. */
export interface StatsPod {
  readonly ref: PodReference;
  /** Pod start time (status.startTime), ms. */
  readonly startTime: number;
  /** The pod cgroup (`/kubepods/burstable/pod<uid>`). */
  readonly cgroupPath?: string;
  readonly containers: readonly StatsContainer[];
  /**
   * Local volumes (emptyDir, configMap, secret, downwardAPI, projected; hostPath is not the
   * pod's): measured into `volume` and `ephemeral-storage`.
   */
  readonly volumes?: readonly {
    readonly name: string;
    readonly path: string;
    readonly pvcRef?: { name: string; namespace: string };
  }[];
}

/** What the provider reads the kubelet's pods from; the lead implements it over the pod workers. */
export interface StatsPodSource {
  /** Active pods (running or with a sandbox), each with its newest container instances. */
  listPods(): readonly StatsPod[] | Promise<readonly StatsPod[]>;
}

/** Options of {@link StatsProvider}. */
export interface StatsProviderOptions {
  readonly nodeName: string;
  readonly cgroups: CgroupFs;
  readonly pods: StatsPodSource;
  /** The kubelet's root dir (nodefs). */
  readonly rootDir: string;
  /** The image store's root (imagefs); defaults to rootDir. */
  readonly imageFsDir?: string;
  /** The cgroup holding all pods (`/kubepods`), reported as the `pods` system container. */
  readonly podsCgroup?: string;
  /** Node allocatable memory in bytes: the `pods` container's availableBytes is measured against it. */
  readonly podsAllocatableMemoryBytes?: number;
  /** Clock, ms since the epoch (default Date.now). */
  readonly now?: () => number;
  /** /proc (tests point it at fixtures). */
  readonly procRoot?: string;
  /** How long disk usage walks are reused (default 60 s). */
  readonly diskUsageTtlMs?: number;
  /** Minimum sampling window of usageNanoCores (default 1 s). */
  readonly cpuMinIntervalMs?: number;
}

interface DiskUsage {
  bytes: number;
  inodes: number;
}

/**
 * Builds summaries and `/metrics/resource` text. Safe to call concurrently; readings that fail
 * (a cgroup that went away between listing and reading) leave the field out, as upstream does.
 */
export class StatsProvider {
  readonly #o: StatsProviderOptions;
  readonly #cpu: CpuUsageCache;
  readonly #du = new Map<string, { at: number; usage: Promise<DiskUsage> }>();
  readonly #now: () => number;
  readonly #proc: string;

  constructor(opts: StatsProviderOptions) {
    this.#o = opts;
    this.#cpu = new CpuUsageCache(opts.cpuMinIntervalMs ?? 1000);
    this.#now = opts.now ?? Date.now;
    this.#proc = opts.procRoot ?? '/proc';
  }

  /** The full summary (`GET /stats/summary`). The returned object is the caller's. */
  async summary(): Promise<Summary> {
    const now = this.#now();
    const time = formatStatsTime(now);
    const [nodeFs, imageFs] = await Promise.all([
      this.#statfs(this.#o.rootDir),
      this.#statfs(this.#o.imageFsDir ?? this.#o.rootDir),
    ]);
    const pods = await this.#o.pods.listPods();
    const keep = new Set<string>(['node', 'pods']);
    const podStats: PodStats[] = [];
    for (const p of pods) podStats.push(await this.#podStats(p, now, time, nodeFs, keep));
    const node = await this.#nodeStats(now, time, nodeFs, imageFs);
    this.#cpu.prune(keep);
    for (const [k, v] of this.#du) if (now - v.at > 10 * this.#ttl()) this.#du.delete(k);
    return { node, pods: podStats };
  }

  /** CPU and memory only (what metrics-server and `/metrics/resource` need). */
  async cpuAndMemory(): Promise<Summary> {
    const s = await this.summary();
    return {
      node: {
        nodeName: s.node.nodeName,
        startTime: s.node.startTime,
        ...(s.node.cpu !== undefined ? { cpu: s.node.cpu } : {}),
        ...(s.node.memory !== undefined ? { memory: s.node.memory } : {}),
      },
      pods: s.pods.map((p) => ({
        podRef: p.podRef,
        startTime: p.startTime,
        containers: p.containers.map((c) => ({
          name: c.name,
          startTime: c.startTime,
          ...(c.cpu !== undefined ? { cpu: c.cpu } : {}),
          ...(c.memory !== undefined ? { memory: c.memory } : {}),
        })),
        ...(p.cpu !== undefined ? { cpu: p.cpu } : {}),
        ...(p.memory !== undefined ? { memory: p.memory } : {}),
      })),
    };
  }

  /** The `/metrics/resource` text; a failing summary yields `resource_scrape_error 1`. */
  async resourceMetrics(): Promise<string> {
    try {
      return renderResourceMetrics(await this.cpuAndMemory());
    } catch {
      return renderResourceMetrics(undefined);
    }
  }

  #ttl(): number {
    return this.#o.diskUsageTtlMs ?? 60_000;
  }

  async #nodeStats(
    now: number,
    time: string,
    nodeFs: StatfsNumbers | undefined,
    imageFs: StatfsNumbers | undefined,
  ): Promise<NodeStats> {
    const meminfo = parseMeminfo((await this.#read('meminfo')) ?? '');
    const statText = (await this.#read('stat')) ?? '';
    const btime = /^btime\s+(\d+)/m.exec(statText);
    const node: NodeStats = {
      nodeName: this.#o.nodeName,
      startTime: formatStatsTime(btime?.[1] !== undefined ? Number(btime[1]) * 1000 : now),
    };
    const root = await this.#cgroupStats('/');
    const capacity = meminfo.get('MemTotal');
    // The root cgroup holds every task on v1; v2 has no memory files at the root, so the node's
    // numbers come from meminfo there (cAdvisor does the same).
    const cpuNs = root?.cpuUsageNanoseconds ?? parseProcStatCpu(statText);
    node.cpu = cpuStats(
      time,
      cpuNs,
      cpuNs === undefined ? undefined : this.#cpu.sample('node', cpuNs, now),
    );
    if (root?.memoryUsageBytes !== undefined) {
      const faults = await this.#faults('/');
      node.memory = memoryStats(time, root, {
        ...(capacity !== undefined ? { limitBytes: capacity } : {}),
        ...faults,
      });
    } else if (capacity !== undefined) {
      const avail = meminfo.get('MemAvailable') ?? meminfo.get('MemFree') ?? 0;
      node.memory = {
        time,
        availableBytes: avail,
        usageBytes: capacity - (meminfo.get('MemFree') ?? 0),
        workingSetBytes: capacity - avail,
      };
    }
    // The kubelet's own network namespace is the host's.
    const ifaces = await this.#read('self/net/dev');
    if (ifaces !== undefined) {
      const net = networkStats(parseNetDev(ifaces), time);
      if (net !== undefined) node.network = net;
    }
    if (nodeFs !== undefined) node.fs = fsStatsFromStatfs(time, nodeFs);
    if (imageFs !== undefined) {
      const fs = fsStatsFromStatfs(time, imageFs);
      node.runtime = { imageFs: fs, containerFs: fs };
    }
    const pidMax = Number((await this.#read('sys/kernel/pid_max'))?.trim() ?? NaN);
    const threadsMax = Number((await this.#read('sys/kernel/threads-max'))?.trim() ?? NaN);
    const loadavg = /\s\d+\/(\d+)\s/.exec((await this.#read('loadavg')) ?? '');
    const maxpid = [pidMax, threadsMax]
      .filter((n) => Number.isFinite(n))
      .reduce((a, b) => Math.min(a, b), Infinity);
    node.rlimit = {
      time,
      ...(Number.isFinite(maxpid) ? { maxpid } : {}),
      ...(loadavg?.[1] !== undefined ? { curproc: Number(loadavg[1]) } : {}),
    };
    if (this.#o.podsCgroup !== undefined) {
      const cg = await this.#cgroupStats(this.#o.podsCgroup);
      if (cg !== undefined) {
        const alloc = this.#o.podsAllocatableMemoryBytes;
        const mem = memoryStats(time, cg, alloc !== undefined ? { limitBytes: alloc } : {});
        const cpu = cpuStats(
          time,
          cg.cpuUsageNanoseconds,
          cg.cpuUsageNanoseconds === undefined
            ? undefined
            : this.#cpu.sample('pods', cg.cpuUsageNanoseconds, now),
        );
        node.systemContainers = [
          {
            name: SYSTEM_CONTAINER_PODS,
            startTime: node.startTime,
            ...(cpu !== undefined ? { cpu } : {}),
            ...(mem !== undefined ? { memory: mem } : {}),
          },
        ];
      }
    }
    return node;
  }

  async #podStats(
    p: StatsPod,
    now: number,
    time: string,
    nodeFs: StatfsNumbers | undefined,
    keep: Set<string>,
  ): Promise<PodStats> {
    const out: PodStats = {
      podRef: { ...p.ref },
      startTime: formatStatsTime(p.startTime),
      containers: [],
    };
    for (const c of p.containers) {
      const cs: ContainerStats = { name: c.name, startTime: formatStatsTime(c.startTime) };
      if (c.cgroupPath !== undefined) {
        const cg = await this.#cgroupStats(c.cgroupPath);
        if (cg !== undefined) {
          const key = `c:${p.ref.uid}/${c.name}`;
          keep.add(key);
          const rate =
            cg.cpuUsageNanoseconds === undefined
              ? undefined
              : this.#cpu.sample(key, cg.cpuUsageNanoseconds, now);
          const cpu = cpuStats(time, cg.cpuUsageNanoseconds, rate);
          if (cpu !== undefined) cs.cpu = cpu;
          const mem = memoryStats(time, cg, await this.#faults(c.cgroupPath));
          if (mem !== undefined) cs.memory = mem;
        }
      }
      if (c.rootfsPath !== undefined)
        cs.rootfs = fsStatsForDir(time, nodeFs, await this.#diskUsage(c.rootfsPath, now));
      if (c.logDir !== undefined)
        cs.logs = fsStatsForDir(time, nodeFs, await this.#diskUsage(c.logDir, now));
      out.containers.push(cs);
    }
    if (p.cgroupPath !== undefined) {
      const cg = await this.#cgroupStats(p.cgroupPath);
      if (cg !== undefined) {
        const key = `p:${p.ref.uid}`;
        keep.add(key);
        const rate =
          cg.cpuUsageNanoseconds === undefined
            ? undefined
            : this.#cpu.sample(key, cg.cpuUsageNanoseconds, now);
        const cpu = cpuStats(time, cg.cpuUsageNanoseconds, rate);
        if (cpu !== undefined) out.cpu = cpu;
        const mem = memoryStats(time, cg, await this.#faults(p.cgroupPath));
        if (mem !== undefined) out.memory = mem;
        if (cg.pidsCurrent !== undefined)
          out.process_stats = { process_count: Number(cg.pidsCurrent) };
      }
      const pids = await this.#pidsOf(p.cgroupPath);
      for (const pid of pids.slice(0, 3)) {
        const text = await this.#read(`${pid}/net/dev`);
        if (text === undefined) continue;
        const net = networkStats(parseNetDev(text), time);
        if (net !== undefined) out.network = net;
        break;
      }
      if (out.process_stats === undefined && pids.length > 0)
        out.process_stats = { process_count: pids.length };
    }
    const volumes: VolumeStats[] = [];
    for (const v of p.volumes ?? []) {
      const fs = fsStatsForDir(time, nodeFs, await this.#diskUsage(v.path, now));
      volumes.push({
        ...fs,
        name: v.name,
        ...(v.pvcRef !== undefined ? { pvcRef: { ...v.pvcRef } } : {}),
      });
    }
    if (volumes.length > 0) out.volume = volumes;
    const parts: (FsStats | undefined)[] = [
      ...out.containers.flatMap((c) => [c.rootfs, c.logs]),
      ...volumes.filter((v) => v.pvcRef === undefined),
    ];
    out['ephemeral-storage'] = sumFsUsage(time, parts, nodeFs);
    return out;
  }

  async #cgroupStats(path: string): Promise<CgroupStats | undefined> {
    try {
      const s = await this.#o.cgroups.stats(path);
      return s.cpuUsageNanoseconds === undefined && s.memoryUsageBytes === undefined
        ? undefined
        : s;
    } catch {
      return undefined;
    }
  }

  async #faults(path: string): Promise<{ pageFaults?: number; majorPageFaults?: number }> {
    try {
      const text = await this.#o.cgroups.readFile(path, 'memory', 'memory.stat');
      if (text === undefined) return {};
      const m = parseFlatKeyed(text);
      const v2 = this.#o.cgroups.version === 2;
      const pf = m.get(v2 ? 'pgfault' : 'total_pgfault');
      const mj = m.get(v2 ? 'pgmajfault' : 'total_pgmajfault');
      return {
        ...(pf !== undefined ? { pageFaults: Number(pf) } : {}),
        ...(mj !== undefined ? { majorPageFaults: Number(mj) } : {}),
      };
    } catch {
      return {};
    }
  }

  async #pidsOf(path: string): Promise<number[]> {
    try {
      return await this.#o.cgroups.pids(path, true);
    } catch {
      return [];
    }
  }

  async #read(rel: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.#proc, rel), 'utf8');
    } catch {
      return undefined;
    }
  }

  async #statfs(dir: string): Promise<StatfsNumbers | undefined> {
    try {
      const s = await statfs(dir);
      return {
        bsize: s.bsize,
        blocks: s.blocks,
        bfree: s.bfree,
        bavail: s.bavail,
        files: s.files,
        ffree: s.ffree,
      };
    } catch {
      return undefined;
    }
  }

  /** Disk usage of a tree (allocated blocks, as du), cached per path for the TTL. */
  #diskUsage(path: string, now: number): Promise<DiskUsage> {
    const hit = this.#du.get(path);
    if (hit !== undefined && now - hit.at < this.#ttl()) return hit.usage;
    const usage = diskUsage(path);
    this.#du.set(path, { at: now, usage });
    return usage;
  }
}

/** du(1) of a tree: bytes of allocated blocks and the number of inodes; 0 when missing. */
export async function diskUsage(path: string): Promise<DiskUsage> {
  const out: DiskUsage = { bytes: 0, inodes: 0 };
  const seen = new Set<number>();
  const walk = async (p: string): Promise<void> => {
    let st;
    try {
      st = await lstat(p);
    } catch {
      return;
    }
    if (!seen.has(st.ino)) {
      seen.add(st.ino);
      out.bytes += st.blocks * 512;
      out.inodes++;
    }
    if (!st.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(p);
    } catch {
      return;
    }
    for (const n of names) await walk(join(p, n));
  };
  await walk(path);
  return out;
}
