/**
 * The pod sandbox's namespaces on the host. Upstream keeps them alive with the pause container;
 * here no process is needed: each namespace is made persistent by a bind mount of its nsfs file,
 * the way `ip netns add` does it for the network namespace.
 *
 * - network: `/run/netns/<name>` (so `ip -n <name>` works), `lo` up.
 * - IPC and UTS: `<runDir>/<name>/{ipc,uts}`, the pod's hostname set inside the UTS one.
 *
 * A new sandbox gets all three from one `unshare --net=<file> --ipc=<file> --uts=<file> -- sh -c
 * 'ip link set lo up && hostname <hostname>'`; completing a half-made one (a crash, a kubelet
 * restart) uses `ip netns add` and `unshare --ipc --uts` separately.
 *
 * runc containers join all three by path (`linux.namespaces: [{type: network, path}, ...]`), so
 * the namespaces outlive any container and a kubelet restart. Deleting unmounts and removes the
 * files; the kernel frees a namespace when its last mount and process are gone. Run runc (and
 * anything needing the host's mounts) with `nsenter --net=`, never `ip netns exec`, which
 * remounts /sys and hides the cgroup mounts.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostSpawner } from '../spawner/index.ts';

/** Where `ip netns` keeps named network namespaces. */
export const NETNS_DIR = '/run/netns';
/** Default directory for the IPC/UTS namespace files (`<dir>/<name>/{ipc,uts}`). */
export const DEFAULT_SANDBOX_RUN_DIR = '/run/skiff/sandboxes';

/** A host command for the namespaces failed; `message` includes its stderr. */
export class NamespaceError extends Error {
  override name = 'NamespaceError';
}

/** The files of one sandbox's namespaces. */
export interface SandboxNamespaces {
  name: string;
  /** `CNI_NETNS` and runc's network namespace path. */
  netnsPath: string;
  ipcPath: string;
  utsPath: string;
}

/** Options of the namespace functions. */
export interface NamespaceOptions {
  /** Directory for IPC/UTS files; default DEFAULT_SANDBOX_RUN_DIR. */
  runDir?: string;
}

const nameRe = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** Throws NamespaceError unless `name` is usable as a file name under /run/netns (1-64 of [a-zA-Z0-9_.-]). */
export function validateSandboxName(name: string): void {
  if (!nameRe.test(name)) {
    throw new NamespaceError(
      `invalid sandbox name ${JSON.stringify(name)}: need 1-64 of [a-zA-Z0-9_.-], starting alphanumeric`,
    );
  }
}

/**
 * The conventional sandbox name of a pod: `skiff-` and the first 16 hex digits of its UID
 * (64 random bits: unique among the pods of a node). Callers may choose any valid name.
 */
export function sandboxNameForPod(uid: string): string {
  const hex = uid.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length < 8)
    throw new NamespaceError(`pod UID ${JSON.stringify(uid)} is too short for a sandbox name`);
  return `skiff-${hex.slice(0, 16)}`;
}

/** The namespace file paths of a sandbox name (pure). */
export function sandboxNamespacePaths(
  name: string,
  options: NamespaceOptions = {},
): SandboxNamespaces {
  validateSandboxName(name);
  const dir = join(options.runDir ?? DEFAULT_SANDBOX_RUN_DIR, name);
  return {
    name,
    netnsPath: join(NETNS_DIR, name),
    ipcPath: join(dir, 'ipc'),
    utsPath: join(dir, 'uts'),
  };
}

/** Decodes the octal escapes (`\040` for a space) of a mountinfo path. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Whether `path` is a mount point in a /proc/<pid>/mountinfo text (field 5). Pure. */
export function isMountPointIn(mountinfo: string, path: string): boolean {
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    if (fields.length > 4 && unescapeMountPath(fields[4] ?? '') === path) return true;
  }
  return false;
}

async function isMountPoint(path: string): Promise<boolean> {
  return isMountPointIn(await readFile('/proc/self/mountinfo', 'utf8'), path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Result of a command run by {@link runCommand} or {@link runInNetns}. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** null when killed by a signal (or the timeout). */
  exitCode: number | null;
}

/** Options of {@link runCommand} and {@link runInNetns}. */
export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Runs a command, collecting its output; never rejects on a non-zero exit (check exitCode). */
export function runCommand(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new NamespaceError('empty command'));
  // From a worker thread: a spawn blocks its thread for the fork (see spawner/).
  return hostSpawner()
    .run(file, args, {
      timeoutMs: options.timeoutMs ?? 30_000,
      killSignal: 'SIGKILL',
      maxBuffer: 16 << 20,
      input: options.input ?? '',
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    })
    .then((r) => {
      // spawn failure (ENOENT...), abort or overflow: there is no exit status to report
      if (r.spawnError !== undefined)
        throw new NamespaceError(
          `${file}: spawn ${file} ${r.spawnError.code ?? r.spawnError.message}`,
        );
      if (r.aborted) throw new NamespaceError(`${file}: The operation was aborted`);
      if (r.overflowed) throw new NamespaceError(`${file}: stdout maxBuffer length exceeded`);
      return {
        stdout: r.stdout.toString('utf8'),
        stderr: r.stderr.toString('utf8'),
        exitCode: r.exitCode,
      };
    });
}

async function must(argv: readonly string[], what: string): Promise<CommandResult> {
  const r = await runCommand(argv);
  if (r.exitCode !== 0) {
    throw new NamespaceError(
      `${what}: ${argv.join(' ')}: ${r.stderr.trim() || `exit status ${String(r.exitCode)}`}`,
    );
  }
  return r;
}

/**
 * Creates the network namespace `name` (`/run/netns/<name>`) with `lo` up. Idempotent: an
 * existing namespace of that name is kept (and `lo` brought up again). Returns its path.
 */
export async function createNetns(name: string): Promise<string> {
  validateSandboxName(name);
  const path = join(NETNS_DIR, name);
  if (!(await exists(path)) || !(await isMountPoint(path))) {
    // A leftover plain file (a crash between create and mount) would make `ip netns add` fail.
    if (await exists(path)) await rm(path, { force: true });
    await must(['ip', 'netns', 'add', name], 'creating network namespace');
  }
  await must(['ip', '-n', name, 'link', 'set', 'lo', 'up'], 'bringing up lo');
  return path;
}

/** Deletes the network namespace `name`; idempotent (a missing one is fine). */
export async function deleteNetns(name: string): Promise<void> {
  validateSandboxName(name);
  const path = join(NETNS_DIR, name);
  if (!(await exists(path))) return;
  if (await isMountPoint(path)) {
    await must(['ip', 'netns', 'delete', name], 'deleting network namespace');
  }
  await rm(path, { force: true });
}

/** Whether the network namespace `name` exists (its file is mounted). */
export async function netnsExists(name: string): Promise<boolean> {
  const path = join(NETNS_DIR, name);
  return (await exists(path)) && (await isMountPoint(path));
}

/**
 * Creates (or completes) a sandbox's network, IPC and UTS namespaces. `hostname` is set in the
 * new UTS namespace (runc would otherwise need to set it from every container's config).
 * Idempotent: namespaces that exist are kept, so a restarted kubelet can call it again.
 */
export async function createSandboxNamespaces(
  name: string,
  options: NamespaceOptions & { hostname?: string } = {},
): Promise<SandboxNamespaces> {
  const paths = sandboxNamespacePaths(name, options);
  try {
    if (
      !(await exists(paths.netnsPath)) &&
      !(await exists(paths.ipcPath)) &&
      !(await exists(paths.utsPath))
    ) {
      // A new sandbox: all three namespaces from one command instead of three (`ip netns add`,
      // `ip -n link set lo up`, `unshare`); a pod start spawned ~9 commands and each one costs a
      // fork of the kubelet (bench/kubelet, docs/benchmarks.md). unshare bind-mounts each new
      // namespace on its file as `ip netns add` does for the network one.
      validateSandboxName(name);
      await mkdir(NETNS_DIR, { recursive: true, mode: 0o755 });
      await mkdir(join(options.runDir ?? DEFAULT_SANDBOX_RUN_DIR, name), {
        recursive: true,
        mode: 0o700,
      });
      for (const f of [paths.netnsPath, paths.ipcPath, paths.utsPath]) await writeFile(f, '');
      const script =
        options.hostname !== undefined
          ? ['sh', '-c', 'ip link set lo up && hostname "$1"', 'sh', options.hostname]
          : ['ip', 'link', 'set', 'lo', 'up'];
      await must(
        [
          'unshare',
          `--net=${paths.netnsPath}`,
          `--ipc=${paths.ipcPath}`,
          `--uts=${paths.utsPath}`,
          '--',
          ...script,
        ],
        'creating sandbox namespaces',
      );
      return paths;
    }
    await createNetns(name);
    const ipcMounted = (await exists(paths.ipcPath)) && (await isMountPoint(paths.ipcPath));
    const utsMounted = (await exists(paths.utsPath)) && (await isMountPoint(paths.utsPath));
    if (!ipcMounted || !utsMounted) {
      // Both are made together so they always belong to one sandbox; a half-made pair is redone.
      await unmountAndRemove(paths.ipcPath);
      await unmountAndRemove(paths.utsPath);
      const dir = join(options.runDir ?? DEFAULT_SANDBOX_RUN_DIR, name);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(paths.ipcPath, '');
      await writeFile(paths.utsPath, '');
      const cmd = options.hostname !== undefined ? ['hostname', options.hostname] : ['true'];
      await must(
        ['unshare', `--ipc=${paths.ipcPath}`, `--uts=${paths.utsPath}`, '--', ...cmd],
        'creating IPC/UTS namespaces',
      );
    }
  } catch (err) {
    // Leave nothing half-made behind: the caller's retry starts clean.
    await deleteSandboxNamespaces(name, options).catch(() => undefined);
    throw err;
  }
  return paths;
}

async function unmountAndRemove(path: string): Promise<void> {
  if (!(await exists(path))) return;
  if (await isMountPoint(path)) await must(['umount', path], 'unmounting namespace');
  await rm(path, { force: true });
}

/**
 * Deletes a sandbox's namespaces (unmounts the files, removes them and the sandbox's run
 * directory). Idempotent. Processes still inside keep their namespaces alive; the caller
 * stops the containers first.
 */
export async function deleteSandboxNamespaces(
  name: string,
  options: NamespaceOptions = {},
): Promise<void> {
  const paths = sandboxNamespacePaths(name, options);
  await unmountAndRemove(paths.ipcPath);
  await unmountAndRemove(paths.utsPath);
  await rmdir(join(options.runDir ?? DEFAULT_SANDBOX_RUN_DIR, name)).catch(() => undefined);
  await deleteNetns(name);
}

/**
 * Runs a command inside a network namespace (by path, e.g. `/run/netns/<name>`) with
 * `nsenter --net=`, which keeps the host's mounts (unlike `ip netns exec`).
 */
export function runInNetns(
  netnsPath: string,
  argv: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return runCommand(['nsenter', `--net=${netnsPath}`, '--', ...argv], options);
}

/**
 * Starts a long-running command inside a network namespace; the caller owns the child and
 * must kill it by PID.
 */
export function spawnInNetns(
  netnsPath: string,
  argv: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  return spawn('nsenter', [`--net=${netnsPath}`, '--', ...argv], options);
}
