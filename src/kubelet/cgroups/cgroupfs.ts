// The host side of cgroups: a thin adapter that creates, updates, joins, reads, kills and removes
// cgroups through the cgroup filesystems (upstream pkg/kubelet/cm cgroup_v1_manager_linux.go and
// cgroup_v2_manager_linux.go over opencontainers/cgroups' fs and fs2 managers). What to write is
// decided by plan.ts; this file only turns FileWrites into writes on every hierarchy.
//
// Paths are literal cgroup paths ("/kubepods/burstable/pod<uid>"), the same in every hierarchy.
// v1: a cgroup exists once per mounted hierarchy (cpu, cpuacct, cpuset, memory, pids, freezer,
// devices, blkio, name=systemd ...) plus, in hybrid mode, the controller-less cgroup2 tree that
// runc also joins; each is created, joined and removed. cpuset children start with empty
// cpuset.cpus/mems (no clone_children), which would refuse every task, so they are copied from
// the parent at each level. v2: the wanted controllers are enabled in cgroup.subtree_control of
// every ancestor before a child is made.
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CGROUP_ROOT,
  detectHierarchies,
  memoryWorkingSet,
  parseFlatKeyed,
  parsePids,
  parseSingleValue,
} from './mountinfo.ts';
import type { CgroupHierarchies } from './mountinfo.ts';
import { v1FileWrites, v2FileWrites } from './plan.ts';
import type { FileWrite, ResourceConfig } from './plan.ts';

/** Reads /proc/self/mountinfo and decides the layout (see detectHierarchies). */
export async function readHierarchies(
  opts: { readonly mountinfoPath?: string; readonly cgroupRoot?: string } = {},
): Promise<CgroupHierarchies> {
  const text = await readFile(opts.mountinfoPath ?? '/proc/self/mountinfo', 'utf8');
  return detectHierarchies(text, opts.cgroupRoot ?? CGROUP_ROOT);
}

/** Usage of one cgroup (what `kubectl top` and eviction need). Absent = not available. */
export interface CgroupStats {
  /** Total CPU time of the cgroup's tasks, ns (v1 cpuacct.usage; v2 cpu.stat usage_usec × 1000). */
  readonly cpuUsageNanoseconds?: bigint;
  /** Memory charged to the cgroup, page cache included (memory.usage_in_bytes / memory.current). */
  readonly memoryUsageBytes?: bigint;
  /** usage − inactive file (cAdvisor's working set). */
  readonly memoryWorkingSetBytes?: bigint;
  /** Anonymous memory (v1 total_rss; v2 anon). */
  readonly memoryRssBytes?: bigint;
  /** The memory limit; undefined when unlimited. */
  readonly memoryLimitBytes?: bigint;
  /** Tasks in the cgroup (pids.current). */
  readonly pidsCurrent?: bigint;
  /** OOM kills inside the cgroup (v1 memory.oom_control oom_kill; v2 memory.events oom_kill). */
  readonly oomKillCount?: bigint;
}

/** Thrown when a cgroup operation fails; `path` is the cgroup, `cause` the fs error. */
export class CgroupError extends Error {
  override readonly name = 'CgroupError';
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link CgroupFs}. */
export interface CgroupFsOptions {
  /** The host's hierarchies (readHierarchies()). */
  readonly hierarchies: CgroupHierarchies;
  /** v2 controllers to enable down to each cgroup; default cpu, cpuset, memory, pids, io, hugetlb. */
  readonly v2Controllers?: readonly string[];
  /** Attempts of rmdir on EBUSY and of waits for tasks to go away; default 50. */
  readonly retries?: number;
  /** Delay between attempts in ms; default 10. */
  readonly retryDelayMs?: number;
}

const DEFAULT_V2_CONTROLLERS = ['cpu', 'cpuset', 'memory', 'pids', 'io', 'hugetlb'];
const UNIFIED = 'unified';

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

/** Rejects paths that are not absolute, normalized cgroup paths (no "..", no empty parts). */
function checkPath(path: string, allowRoot: boolean): string[] {
  if (!path.startsWith('/')) throw new CgroupError(`cgroup path must be absolute: ${path}`, path);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) {
    throw new CgroupError(`cgroup path must be normalized: ${path}`, path);
  }
  if (!allowRoot && parts.length === 0) throw new CgroupError('refusing the root cgroup', path);
  return parts;
}

/** Writes a cgroup file without O_CREAT/O_TRUNC (kernfs files exist or do not). */
async function writeCgroupFile(file: string, value: string): Promise<void> {
  await writeFile(file, value, { flag: constants.O_WRONLY });
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Manages cgroups under the host's cgroup filesystems. Stateless apart from its options: every
 * method reads the filesystem, so several instances (or a restarted kubelet) agree. Methods are
 * idempotent where the operation allows: create of an existing cgroup updates it, destroy of a
 * missing one succeeds.
 */
export class CgroupFs {
  /** 2 in unified mode, 1 otherwise (hybrid included: limits live in the v1 hierarchies). */
  readonly version: 1 | 2;
  readonly hierarchies: CgroupHierarchies;
  readonly #controllers: readonly string[];
  readonly #retries: number;
  readonly #delay: number;

  constructor(opts: CgroupFsOptions) {
    this.hierarchies = opts.hierarchies;
    this.version = opts.hierarchies.mode === 'v2' ? 2 : 1;
    if (this.version === 2 && opts.hierarchies.unified === undefined) {
      throw new CgroupError('cgroup v2 without a unified mount', '/');
    }
    if (this.version === 1 && opts.hierarchies.v1.length === 0) {
      throw new CgroupError('no cgroup hierarchy is mounted', '/');
    }
    this.#controllers = opts.v2Controllers ?? DEFAULT_V2_CONTROLLERS;
    this.#retries = opts.retries ?? 50;
    this.#delay = opts.retryDelayMs ?? 10;
  }

  /**
   * The directories backing a cgroup: hierarchy key → directory. v1 keys are the comma-joined
   * subsystems of each mount ("cpu", "memory", "name=systemd") plus "unified" in hybrid mode;
   * v2 has the single key "unified".
   */
  dirs(path: string): Map<string, string> {
    const parts = checkPath(path, true);
    const suffix = parts.length === 0 ? '' : '/' + parts.join('/');
    const out = new Map<string, string>();
    for (const h of this.hierarchies.v1) out.set(h.subsystems.join(','), h.mountPoint + suffix);
    if (this.hierarchies.unified !== undefined) out.set(UNIFIED, this.hierarchies.unified + suffix);
    return out;
  }

  /** The directory holding a controller's files for a cgroup (v2: the unified one). */
  dirOf(path: string, controller: string): string | undefined {
    const parts = checkPath(path, true);
    const suffix = parts.length === 0 ? '' : '/' + parts.join('/');
    if (this.version === 2) return (this.hierarchies.unified ?? '') + suffix;
    if (controller === UNIFIED) {
      return this.hierarchies.unified === undefined ? undefined : this.hierarchies.unified + suffix;
    }
    const h = this.hierarchies.v1.find((m) => m.subsystems.includes(controller));
    return h === undefined ? undefined : h.mountPoint + suffix;
  }

  /** The directory whose cgroup.procs lists the tasks (v1: pids, else freezer, else the first mount). */
  #taskDir(path: string): string {
    if (this.version === 2) return this.dirOf(path, UNIFIED) ?? '';
    return (
      this.dirOf(path, 'pids') ??
      this.dirOf(path, 'freezer') ??
      [...this.dirs(path).values()][0] ??
      ''
    );
  }

  /** True when the cgroup exists in every hierarchy. */
  async exists(path: string): Promise<boolean> {
    for (const dir of this.dirs(path).values()) {
      if ((await readOptional(`${dir}/cgroup.procs`)) === undefined) return false;
    }
    return true;
  }

  /**
   * Creates the cgroup and its missing ancestors in every hierarchy, then applies `resources`.
   * Existing cgroups are kept (and updated). Ancestors get no settings of their own.
   */
  async create(path: string, resources: ResourceConfig = {}): Promise<void> {
    const parts = checkPath(path, false);
    try {
      if (this.version === 2) {
        await this.#createV2(parts);
      } else {
        const cpuset = this.hierarchies.v1.find((h) => h.subsystems.includes('cpuset'))?.mountPoint;
        for (const base of this.dirs('/').values()) {
          let dir = base;
          for (const part of parts) {
            const parent = dir;
            dir = `${dir}/${part}`;
            await mkdir(dir).catch((err: unknown) => {
              if (errno(err) !== 'EEXIST') throw err;
            });
            if (base === cpuset) await this.#inheritCpuset(parent, dir);
          }
        }
      }
    } catch (err) {
      if (err instanceof CgroupError) throw err;
      throw new CgroupError(`failed to create cgroup ${path}: ${String(err)}`, path, {
        cause: err,
      });
    }
    await this.update(path, resources);
  }

  /** cpuset.cpus/mems start empty in a new v1 cpuset cgroup: copy the parent's. */
  async #inheritCpuset(parent: string, dir: string): Promise<void> {
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      const own = (await readFile(`${dir}/${file}`, 'utf8')).trim();
      if (own !== '') continue;
      const inherited = (await readFile(`${parent}/${file}`, 'utf8')).trim();
      if (inherited !== '') await writeCgroupFile(`${dir}/${file}`, inherited);
    }
  }

  async #createV2(parts: readonly string[]): Promise<void> {
    let dir = this.hierarchies.unified ?? '';
    for (const part of parts) {
      const available = new Set(
        ((await readOptional(`${dir}/cgroup.controllers`)) ?? '').trim().split(/\s+/),
      );
      const enabled = new Set(
        ((await readOptional(`${dir}/cgroup.subtree_control`)) ?? '').trim().split(/\s+/),
      );
      for (const c of this.#controllers) {
        if (!available.has(c) || enabled.has(c)) continue;
        // One by one and best effort, as libcontainer: a controller the parent cannot delegate
        // (processes in an inner cgroup, a threaded subtree) must not block the others.
        await writeCgroupFile(`${dir}/cgroup.subtree_control`, `+${c}`).catch(() => undefined);
      }
      dir = `${dir}/${part}`;
      await mkdir(dir).catch((err: unknown) => {
        if (errno(err) !== 'EEXIST') throw err;
      });
    }
  }

  /**
   * Applies settings to an existing cgroup. v1 writes go to the hierarchy of each controller
   * (unmounted controllers, e.g. hugetlb here, are skipped); v2 writes skip files of controllers
   * the cgroup does not have. A write failing with EINVAL is retried once after the others (a
   * shorter CFS period against the old quota), as libcontainer does.
   */
  async update(path: string, resources: ResourceConfig): Promise<void> {
    checkPath(path, false);
    const writes = this.version === 2 ? v2FileWrites(resources) : v1FileWrites(resources);
    let v2Available: Set<string> | undefined;
    if (this.version === 2 && writes.length > 0) {
      const dir = this.dirOf(path, UNIFIED) ?? '';
      v2Available = new Set(
        ((await readOptional(`${dir}/cgroup.controllers`)) ?? '').trim().split(/\s+/),
      );
    }
    const deferred: { w: FileWrite; file: string }[] = [];
    for (const w of writes) {
      const dir = this.dirOf(path, w.controller);
      if (dir === undefined) continue;
      if (v2Available !== undefined) {
        const controller = w.file.slice(0, w.file.indexOf('.'));
        if (controller !== 'cgroup' && !v2Available.has(controller)) continue;
      }
      const file = `${dir}/${w.file}`;
      try {
        await writeCgroupFile(file, w.value);
      } catch (err) {
        if (errno(err) === 'EINVAL') deferred.push({ w, file });
        else
          throw new CgroupError(`failed to write ${w.value} to ${file}: ${String(err)}`, path, {
            cause: err,
          });
      }
    }
    for (const { w, file } of deferred) {
      try {
        await writeCgroupFile(file, w.value);
      } catch (err) {
        throw new CgroupError(`failed to write ${w.value} to ${file}: ${String(err)}`, path, {
          cause: err,
        });
      }
    }
  }

  /** Moves a process (all its threads) into the cgroup, in every hierarchy. */
  async addProcess(path: string, pid: number): Promise<void> {
    checkPath(path, true);
    const dirs =
      this.version === 2 ? [this.dirOf(path, UNIFIED) ?? ''] : [...this.dirs(path).values()];
    for (const dir of dirs) {
      try {
        await writeCgroupFile(`${dir}/cgroup.procs`, String(pid));
      } catch (err) {
        throw new CgroupError(`failed to move pid ${pid} into ${dir}: ${String(err)}`, path, {
          cause: err,
        });
      }
    }
  }

  /** The processes of the cgroup, and of its descendants unless `recursive` is false. */
  async pids(path: string, recursive = true): Promise<number[]> {
    const out: number[] = [];
    const walk = async (dir: string): Promise<void> => {
      const procs = await readOptional(`${dir}/cgroup.procs`);
      if (procs === undefined) return;
      out.push(...parsePids(procs));
      if (!recursive) return;
      for (const child of await subdirs(dir)) await walk(`${dir}/${child}`);
    };
    await walk(this.#taskDir(path));
    return out;
  }

  /** Child cgroup names (e.g. the pod cgroups of a QoS tier), from the task hierarchy. */
  async children(path: string): Promise<string[]> {
    return subdirs(this.#taskDir(path));
  }

  /** Reads one file of the cgroup (for checks and tests); undefined when it does not exist. */
  async readFile(path: string, controller: string, file: string): Promise<string | undefined> {
    const dir = this.dirOf(path, controller);
    return dir === undefined ? undefined : readOptional(`${dir}/${file}`);
  }

  /** Usage of the cgroup (hierarchical: descendants included, as the kernel accounts it). */
  async stats(path: string): Promise<CgroupStats> {
    checkPath(path, true);
    const num = async (controller: string, file: string): Promise<bigint | undefined> => {
      const text = await this.readFile(path, controller, file);
      return text === undefined ? undefined : parseSingleValue(text);
    };
    const keyed = async (controller: string, file: string): Promise<Map<string, bigint>> => {
      const text = await this.readFile(path, controller, file);
      return text === undefined ? new Map() : parseFlatKeyed(text);
    };
    if (this.version === 2) {
      const cpu = await keyed('cpu', 'cpu.stat');
      const usage = await num('memory', 'memory.current');
      const mstat = await keyed('memory', 'memory.stat');
      const events = await keyed('memory', 'memory.events');
      const usec = cpu.get('usage_usec');
      return {
        cpuUsageNanoseconds: usec === undefined ? undefined : usec * 1000n,
        memoryUsageBytes: usage,
        memoryWorkingSetBytes:
          usage === undefined ? undefined : memoryWorkingSet(usage, mstat, true),
        memoryRssBytes: mstat.get('anon'),
        memoryLimitBytes: await num('memory', 'memory.max'),
        pidsCurrent: await num('pids', 'pids.current'),
        oomKillCount: events.get('oom_kill'),
      };
    }
    const usage = await num('memory', 'memory.usage_in_bytes');
    const mstat = await keyed('memory', 'memory.stat');
    const oom = await keyed('memory', 'memory.oom_control');
    const limit = await num('memory', 'memory.limit_in_bytes');
    return {
      cpuUsageNanoseconds: await num('cpuacct', 'cpuacct.usage'),
      memoryUsageBytes: usage,
      memoryWorkingSetBytes:
        usage === undefined ? undefined : memoryWorkingSet(usage, mstat, false),
      memoryRssBytes: mstat.get('total_rss'),
      // v1 reports "unlimited" as a huge page-aligned number (LONG_MAX rounded down).
      memoryLimitBytes: limit !== undefined && limit < 1n << 62n ? limit : undefined,
      pidsCurrent: await num('pids', 'pids.current'),
      oomKillCount: oom.get('oom_kill'),
    };
  }

  /**
   * SIGKILLs every process of the cgroup and its descendants and waits until none is left.
   * Freezes first (v1 freezer.state, v2 cgroup.freeze) so a forking process cannot escape
   * between listing and killing; v2 uses cgroup.kill when the kernel has it. Returns the number
   * of processes signalled; throws CgroupError if tasks remain after the retries.
   */
  async killAll(path: string): Promise<number> {
    checkPath(path, false);
    if (!(await this.exists(path))) return 0;
    const signalled = new Set<number>();
    const killListed = async (): Promise<void> => {
      for (const pid of await this.pids(path)) {
        try {
          process.kill(pid, 'SIGKILL');
          signalled.add(pid);
        } catch (err) {
          if (errno(err) !== 'ESRCH') throw err;
        }
      }
    };
    if (this.version === 2) {
      const dir = this.dirOf(path, UNIFIED) ?? '';
      const hasKill = await this.#present(`${dir}/cgroup.kill`);
      if (hasKill) {
        for (const pid of await this.pids(path)) signalled.add(pid);
        await writeCgroupFile(`${dir}/cgroup.kill`, '1');
      } else {
        await writeCgroupFile(`${dir}/cgroup.freeze`, '1');
        try {
          await killListed();
        } finally {
          await writeCgroupFile(`${dir}/cgroup.freeze`, '0');
        }
      }
    } else {
      const freezer = this.dirOf(path, 'freezer');
      if (freezer !== undefined) {
        await this.#freeze(freezer);
        try {
          await killListed();
        } finally {
          await writeCgroupFile(`${freezer}/freezer.state`, 'THAWED');
        }
      } else {
        await killListed();
      }
    }
    for (let i = 0; i < this.#retries; i++) {
      const left = await this.pids(path);
      if (left.length === 0) return signalled.size;
      if (i % 5 === 4) await killListed(); // a process forked before the freeze took hold
      await sleep(this.#delay);
    }
    throw new CgroupError(`processes remain in cgroup ${path} after SIGKILL`, path);
  }

  /** True when the file exists (cgroup.kill is write-only, so it cannot be probed by reading). */
  async #present(file: string): Promise<boolean> {
    try {
      await access(file);
      return true;
    } catch {
      return false;
    }
  }

  /** Writes FROZEN and waits for the kernel to report FROZEN (FREEZING while in progress). */
  async #freeze(dir: string): Promise<void> {
    await writeCgroupFile(`${dir}/freezer.state`, 'FROZEN');
    for (let i = 0; i < this.#retries; i++) {
      const state = (await readFile(`${dir}/freezer.state`, 'utf8')).trim();
      if (state === 'FROZEN') return;
      await sleep(this.#delay);
      await writeCgroupFile(`${dir}/freezer.state`, 'FROZEN');
    }
    // Still FREEZING (a task in uninterruptible sleep): killing is still the best next step.
  }

  /**
   * Removes the cgroup and every descendant, bottom-up, in every hierarchy. rmdir fails with
   * EBUSY while tasks are still exiting, so each is retried; a missing cgroup is fine. Kill the
   * processes first (killAll): a cgroup with live tasks cannot be removed.
   */
  async destroy(path: string): Promise<void> {
    checkPath(path, false);
    for (const dir of this.dirs(path).values()) await this.#removeTree(dir, path);
  }

  async #removeTree(dir: string, path: string): Promise<void> {
    let children: string[];
    try {
      children = await subdirs(dir);
    } catch (err) {
      if (errno(err) === 'ENOENT') return;
      throw new CgroupError(`failed to list ${dir}: ${String(err)}`, path, { cause: err });
    }
    for (const child of children) await this.#removeTree(`${dir}/${child}`, path);
    for (let i = 0; ; i++) {
      try {
        await rmdir(dir);
        return;
      } catch (err) {
        const code = errno(err);
        if (code === 'ENOENT') return;
        if (code !== 'EBUSY' || i + 1 >= this.#retries) {
          throw new CgroupError(`failed to remove ${dir}: ${String(err)}`, path, { cause: err });
        }
        await sleep(this.#delay);
      }
    }
  }
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}
