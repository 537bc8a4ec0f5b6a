// Which cgroup hierarchies a host has, decided from /proc/self/mountinfo text (pure), and the
// parsers of the cgroup stat files. Mirrors opencontainers/cgroups GetCgroupMounts and
// IsCgroup2UnifiedMode: v2 when a cgroup2 filesystem is mounted at the cgroup root itself;
// "hybrid" when v1 controllers sit next to a controller-less cgroup2 tree at
// <root>/unified (systemd's hybrid layout, this machine); "v1" with v1 hierarchies only.

/** One line of /proc/<pid>/mountinfo (proc(5)). */
export interface MountInfoEntry {
  readonly mountId: number;
  readonly parentId: number;
  /** Root of the mount within its filesystem ("/" unless a bind mount or a cgroup namespace). */
  readonly root: string;
  readonly mountPoint: string;
  readonly mountOptions: readonly string[];
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: readonly string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040 ...). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses mountinfo text; malformed lines are skipped. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    if (pre.length < 6 || post.length < 3) continue;
    out.push({
      mountId: Number(pre[0]),
      parentId: Number(pre[1]),
      root: unescapeOctal(pre[3] ?? ''),
      mountPoint: unescapeOctal(pre[4] ?? ''),
      mountOptions: (pre[5] ?? '').split(','),
      fsType: post[0] ?? '',
      source: unescapeOctal(post[1] ?? ''),
      superOptions: (post[2] ?? '').split(','),
    });
  }
  return out;
}

/** cgroup v1 controllers the kernel may offer (plus named hierarchies "name=..."). */
export const V1_CONTROLLERS: ReadonlySet<string> = new Set([
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'net_cls',
  'blkio',
  'perf_event',
  'net_prio',
  'hugetlb',
  'pids',
  'rdma',
  'misc',
]);

/** One mounted cgroup v1 hierarchy (co-mounted controllers share one, e.g. "cpu,cpuacct"). */
export interface V1Hierarchy {
  readonly mountPoint: string;
  readonly root: string;
  /** Controllers and "name=..." of this hierarchy. */
  readonly subsystems: readonly string[];
}

/** The cgroup hierarchies of a host. */
export interface CgroupHierarchies {
  /** "v2" (unified), "hybrid" (v1 controllers + controller-less cgroup2), or "v1". */
  readonly mode: 'v1' | 'hybrid' | 'v2';
  /** The v1 hierarchies, one per mount point (shortest mount point per subsystem wins). */
  readonly v1: readonly V1Hierarchy[];
  /** The cgroup2 mount: the whole tree in v2, the hybrid companion tree otherwise. */
  readonly unified?: string;
}

/** Default mount point of the cgroup filesystems. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * Decides the cgroup layout from mountinfo text. `cgroupRoot` is where cgroup filesystems are
 * expected (default /sys/fs/cgroup): a cgroup2 mount exactly there means v2.
 */
export function detectHierarchies(
  mountinfo: string,
  cgroupRoot: string = CGROUP_ROOT,
): CgroupHierarchies {
  const entries = parseMountInfo(mountinfo);
  const v2 = entries.filter((e) => e.fsType === 'cgroup2');
  const unifiedAtRoot = v2.find((e) => e.mountPoint === cgroupRoot);
  if (unifiedAtRoot !== undefined) return { mode: 'v2', v1: [], unified: unifiedAtRoot.mountPoint };
  // Shortest mount point per subsystem (upstream getCgroupSubsystemsV1, kubernetes#95488).
  const best = new Map<string, MountInfoEntry>();
  for (const e of entries) {
    if (e.fsType !== 'cgroup') continue;
    for (const opt of e.superOptions) {
      if (!V1_CONTROLLERS.has(opt) && !opt.startsWith('name=')) continue;
      const prev = best.get(opt);
      if (prev === undefined || e.mountPoint.length < prev.mountPoint.length) best.set(opt, e);
    }
  }
  const byMount = new Map<string, { root: string; subsystems: string[] }>();
  for (const [sub, e] of best) {
    const h = byMount.get(e.mountPoint) ?? { root: e.root, subsystems: [] };
    h.subsystems.push(sub);
    byMount.set(e.mountPoint, h);
  }
  const v1 = [...byMount]
    .map(([mountPoint, h]) => ({ mountPoint, root: h.root, subsystems: h.subsystems.sort() }))
    .sort((a, b) => a.mountPoint.localeCompare(b.mountPoint));
  const companion = v2
    .filter((e) => e.mountPoint.startsWith(cgroupRoot + '/'))
    .sort((a, b) => a.mountPoint.length - b.mountPoint.length)[0];
  if (v1.length === 0) {
    // cgroup2 mounted somewhere else only: treat it as the unified tree.
    const any = v2.sort((a, b) => a.mountPoint.length - b.mountPoint.length)[0];
    if (any === undefined) return { mode: 'v1', v1: [] };
    return { mode: 'v2', v1: [], unified: any.mountPoint };
  }
  return companion !== undefined
    ? { mode: 'hybrid', v1, unified: companion.mountPoint }
    : { mode: 'v1', v1 };
}

/** The mount point holding a v1 controller, if mounted. */
export function v1MountOf(h: CgroupHierarchies, controller: string): string | undefined {
  return h.v1.find((m) => m.subsystems.includes(controller))?.mountPoint;
}

/**
 * Parses a flat-keyed cgroup file ("key value" per line: memory.stat, cpu.stat, memory.events,
 * memory.oom_control). Values are kept as bigint: counters exceed 2^53 on long-lived hosts.
 */
export function parseFlatKeyed(text: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(-?\d+)\s*$/.exec(line);
    if (m !== null) out.set(m[1] ?? '', BigInt(m[2] ?? '0'));
  }
  return out;
}

/** Parses a single-value file ("123\n", or "max" → undefined). */
export function parseSingleValue(text: string): bigint | undefined {
  const t = text.trim();
  if (t === '' || t === 'max') return undefined;
  return /^-?\d+$/.test(t) ? BigInt(t) : undefined;
}

/**
 * Working set as cAdvisor computes it: usage minus inactive file pages ("total_inactive_file"
 * on v1, "inactive_file" on v2), floored at 0. This is what `kubectl top` and eviction use.
 */
export function memoryWorkingSet(
  usage: bigint,
  stat: ReadonlyMap<string, bigint>,
  v2: boolean,
): bigint {
  const inactive = stat.get(v2 ? 'inactive_file' : 'total_inactive_file');
  if (inactive === undefined) return usage;
  return usage < inactive ? 0n : usage - inactive;
}

/** Parses cgroup.procs / tasks: one pid per line. */
export function parsePids(text: string): number[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}
