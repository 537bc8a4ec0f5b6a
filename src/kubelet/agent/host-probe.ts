/**
 * Host adapter: reads the facts the kubelet reports and checks (preflight facts, nodeInfo,
 * machine capacity, the node IP) from /proc, /sys, /etc and PATH. Every reader degrades to an
 * empty value rather than failing, except where the kubelet cannot work without the fact.
 */
import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import { cpus, networkInterfaces, release } from 'node:os';
import { join } from 'node:path';
import { KUBERNETES_VERSION } from '../../api/index.ts';
import {
  cpuCountFromCpuinfo,
  memoryCapacityFromMeminfo,
  parsePidMax,
  readHierarchies,
} from '../cgroups/index.ts';
import type { MachineInfo } from '../cgroups/index.ts';
import { executable, findOnPath } from '../../util/host/path.ts';
import { goArch, osImageFromOsRelease } from './node-status.ts';
import type { NodeHostInfo } from './node-status.ts';
import { COMMAND_PACKAGES, REQUIRED_CNI_PLUGINS } from './preflight.ts';
import type { HostFacts } from './preflight.ts';

/** The default directory of the Debian CNI plugins. */
export const DEFAULT_CNI_BIN_DIR = '/usr/lib/cni';

export { findOnPath };

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Gathers the {@link HostFacts} that `preflight` judges. */
export async function probeHost(opts: { cniBinDir?: string } = {}): Promise<HostFacts> {
  const cniBinDir = opts.cniBinDir ?? DEFAULT_CNI_BIN_DIR;
  const runcPath = await findOnPath('runc');
  const conmonPath = await findOnPath('conmon');
  let cgroupMode: HostFacts['cgroupMode'] = 'none';
  try {
    const h = await readHierarchies();
    if (h.v1.length > 0 || h.unified !== undefined) cgroupMode = h.mode;
  } catch {
    cgroupMode = 'none';
  }
  const cniPluginsMissing: string[] = [];
  for (const p of REQUIRED_CNI_PLUGINS) {
    if (!(await executable(join(cniBinDir, p)))) cniPluginsMissing.push(p);
  }
  const filesystems = (await readText('/proc/filesystems')) ?? '';
  const overlayfs = /\toverlay$/m.test(filesystems) || (await overlayModuleAvailable());
  const commandsMissing: string[] = [];
  for (const cmd of Object.keys(COMMAND_PACKAGES)) {
    if ((await findOnPath(cmd)) === undefined) commandsMissing.push(cmd);
  }
  return {
    uid: process.geteuid?.() ?? -1,
    ...(runcPath !== undefined ? { runcPath } : {}),
    ...(conmonPath !== undefined ? { conmonPath } : {}),
    cgroupMode,
    cniBinDir,
    cniPluginsMissing,
    overlayfs,
    commandsMissing,
  };
}

/** overlay is a module not loaded yet (mount(8) loads it on first use). */
async function overlayModuleAvailable(): Promise<boolean> {
  const modules = await readText(`/lib/modules/${release()}/modules.dep`);
  return modules !== undefined && /\/overlay\.ko(\.[a-z]+)?:/m.test(modules);
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 5_000 }, (err, stdout) => {
      if (err !== null) reject(new Error(err.message, { cause: err }));
      else resolve(stdout);
    });
  });
}

/** runc's version from `runc --version` (`runc version 1.1.5` → `1.1.5`), or undefined. */
export function parseRuncVersion(output: string): string | undefined {
  return /^runc version (\S+)/m.exec(output)?.[1];
}

/** nodeInfo facts of this machine; `containerRuntimeVersion` is `runc://<version>`. */
export async function readNodeHostInfo(opts: { runcPath?: string } = {}): Promise<NodeHostInfo> {
  let runcVersion = 'unknown';
  try {
    runcVersion =
      parseRuncVersion(await run(opts.runcPath ?? 'runc', ['--version'])) ?? runcVersion;
  } catch {
    // Preflight reports a missing runc; nodeInfo just says unknown.
  }
  const trim = async (p: string): Promise<string> => ((await readText(p)) ?? '').trim();
  return {
    machineID: await trim('/etc/machine-id'),
    systemUUID: (await trim('/sys/class/dmi/id/product_uuid')).toLowerCase(),
    bootID: await trim('/proc/sys/kernel/random/boot_id'),
    kernelVersion: release(),
    osImage: osImageFromOsRelease((await readText('/etc/os-release')) ?? ''),
    containerRuntimeVersion: `runc://${runcVersion}`,
    kubeletVersion: KUBERNETES_VERSION.gitVersion,
    architecture: goArch(process.arch),
  };
}

/** CPU, memory, the data dir's filesystem size and pid_max of this machine (capacity). */
export async function readMachineInfo(dataDir: string): Promise<MachineInfo> {
  const meminfo = await readFile('/proc/meminfo', 'utf8');
  const cpuinfo = (await readText('/proc/cpuinfo')) ?? '';
  const counted = cpuCountFromCpuinfo(cpuinfo);
  let ephemeralStorageCapacity: number | undefined;
  try {
    const s = await statfs(dataDir);
    ephemeralStorageCapacity = s.blocks * s.bsize;
  } catch {
    ephemeralStorageCapacity = undefined;
  }
  let pidMax: number | undefined;
  try {
    pidMax = parsePidMax(await readFile('/proc/sys/kernel/pid_max', 'utf8'));
  } catch {
    pidMax = undefined;
  }
  return {
    numCores: counted > 0 ? counted : cpus().length,
    memoryCapacity: memoryCapacityFromMeminfo(meminfo),
    ...(ephemeralStorageCapacity !== undefined ? { ephemeralStorageCapacity } : {}),
    ...(pidMax !== undefined ? { pidMax } : {}),
  };
}

/**
 * The node's InternalIP: the first IPv4 address of a non-loopback interface that is not a
 * bridge or veth the kubelet itself made (`skiff0`, `cni0`, `veth*`), else 127.0.0.1.
 */
export function defaultNodeIP(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(lo|skiff\d*|cni\d*|veth|docker\d*|br-)/.test(name)) continue;
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}
