/**
 * The host adapter of the volume plugins: sets planned volumes up on disk (emptyDir
 * directories and tmpfs mounts, hostPath checks, configMap/secret/downwardAPI/projected
 * contents through the {@link AtomicWriter}, fsGroup ownership), resolves subPaths safely and
 * tears everything down again, never deleting through a mount point. Mounting needs root
 * (mount(8)/umount(8); Node has no mount(2)).
 */
import { chmod, lstat, mkdir, readdir, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { AtomicWriter } from './atomic-writer.ts';
import type { WriteResult } from './atomic-writer.ts';
import { setUpHostPath } from './hostpath.ts';
import { VolumePlugin, escapeQualifiedName, podDir, podVolumesDir } from './layout.ts';
import { readMountInfo } from './mountinfo.ts';
import type { MountInfo } from './mountinfo.ts';
import { setVolumeOwnership } from './ownership.ts';
import {
  collectDownwardAPIData,
  collectProjectedData,
  configMapVolumePayload,
  fsUserFrom,
  secretVolumePayload,
} from './payload.ts';
import type { Payload, PayloadSources } from './payload.ts';
import type { ContainerMount, PlannedVolume } from './plan.ts';
import { execFileText as run } from '../spawner/index.ts';

/** emptyDir directories are world-writable (upstream's perm 0777). */
const EMPTY_DIR_PERM = 0o777;

/** Inputs of {@link setUpVolume}. */
export interface SetUpVolumeOptions {
  pod: Pod;
  /** Objects, tokens and node allocatable for configMap/secret/downwardAPI/projected. */
  sources: PayloadSources;
  /** Clock of the AtomicWriter's timestamped directory names. */
  now?: () => Date;
}

/** What {@link setUpVolume} did. */
export interface SetUpVolumeResult {
  /** A tmpfs was mounted by this call. */
  mounted: boolean;
  /** The AtomicWriter's result for configMap, secret, downwardAPI and projected volumes. */
  write?: WriteResult;
  /** fsGroup ownership was (re)applied. */
  ownershipChanged: boolean;
}

/** Whether `path` is a mount point, from mountinfo or a device change from its parent. */
export async function isMountPoint(path: string, mounts?: readonly MountInfo[]): Promise<boolean> {
  const list = mounts ?? (await readMountInfo());
  if (list.some((m) => m.mountPoint === path)) return true;
  try {
    const [a, b] = await Promise.all([lstat(path), lstat(posix.dirname(path))]);
    return a.isDirectory() && a.dev !== b.dev;
  } catch {
    return false;
  }
}

/** The mount at exactly `path`, if any (the last one wins, as the kernel shows it). */
async function mountAt(path: string): Promise<MountInfo | undefined> {
  return (await readMountInfo()).filter((m) => m.mountPoint === path).at(-1);
}

/** Mounts a tmpfs at `dir` (`size=` in bytes when given, else the kernel's half of RAM). */
export async function mountTmpfs(dir: string, sizeBytes?: bigint): Promise<void> {
  const opts =
    sizeBytes !== undefined && sizeBytes > 0n ? ['-o', `size=${sizeBytes.toString()}`] : [];
  await run('mount', ['-t', 'tmpfs', ...opts, 'tmpfs', dir]);
}

/** Unmounts `dir`; not mounted is fine (idempotent). */
export async function unmount(dir: string): Promise<void> {
  if (!(await isMountPoint(dir))) return;
  await run('umount', [dir]);
}

/** mkdir -p with an exact mode whatever the umask (emptyDir setupDir). */
async function setupDir(dir: string, perm: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode: perm });
  const st = await lstat(dir);
  if ((st.mode & 0o777) !== perm) await chmod(dir, perm);
}

/** Directory + tmpfs when planned; returns whether a tmpfs was mounted now. */
async function setupBacking(vol: PlannedVolume): Promise<boolean> {
  await setupDir(vol.path, EMPTY_DIR_PERM);
  if (vol.tmpfs === undefined) return false;
  // Idempotent: an existing tmpfs at the path is the desired state.
  if ((await mountAt(vol.path))?.fsType === 'tmpfs') return false;
  await mountTmpfs(vol.path, vol.tmpfs.sizeBytes);
  return true;
}

function payloadFor(vol: PlannedVolume, opts: SetUpVolumeOptions): Payload | undefined {
  const { pod, sources } = opts;
  const fsGroup = pod.spec?.securityContext?.fsGroup;
  switch (vol.setUp.kind) {
    case 'configMap':
      return configMapVolumePayload(vol.setUp.source, pod, sources);
    case 'secret':
      return secretVolumePayload(vol.setUp.source, pod, sources);
    case 'downwardAPI':
      return collectDownwardAPIData(
        vol.setUp.source.items,
        pod,
        sources.nodeAllocatable,
        vol.setUp.source.defaultMode,
      );
    case 'projected': {
      const fsUser = fsUserFrom(pod);
      return collectProjectedData(vol.setUp.source, pod, sources, {
        ...(fsUser !== undefined ? { fsUser } : {}),
        ...(fsGroup !== undefined ? { fsGroup } : {}),
      });
    }
    default:
      return undefined;
  }
}

/**
 * Sets a planned volume up (the plugin's SetUpAt); idempotent, so the kubelet calls it on
 * every pod sync to refresh configMap/secret/downwardAPI/projected contents. Errors carry the
 * plugin's message; wrap them with {@link mountFailedMessage} for the `FailedMount` event. The
 * payload is computed before the disk is touched, so a missing ConfigMap leaves no trace.
 */
export async function setUpVolume(
  vol: PlannedVolume,
  opts: SetUpVolumeOptions,
): Promise<SetUpVolumeResult> {
  const sc = opts.pod.spec?.securityContext;
  const fsGroup = sc?.fsGroup;
  switch (vol.setUp.kind) {
    case 'hostPath': {
      await setUpHostPath(vol.setUp.path, vol.setUp.type);
      let ownershipChanged = false;
      if (vol.ownership === 'policy' && !vol.readOnly)
        ownershipChanged = await setVolumeOwnership(
          vol.path,
          fsGroup,
          sc?.fsGroupChangePolicy,
          false,
        );
      return { mounted: false, ownershipChanged };
    }
    case 'emptyDir': {
      const mounted = await setupBacking(vol);
      const ownershipChanged = await setVolumeOwnership(vol.path, fsGroup, undefined, false);
      return { mounted, ownershipChanged };
    }
    default: {
      const payload = payloadFor(vol, opts) ?? new Map();
      const mounted = await setupBacking(vol);
      let ownershipChanged = false;
      try {
        const writer = await AtomicWriter.create(vol.path, opts.now);
        // These plugins report ReadOnly attributes, so ownership adds group read only (0440):
        // a 0600 token becomes 0640, as upstream relies on.
        const write = await writer.write(payload, async () => {
          ownershipChanged = await setVolumeOwnership(vol.path, fsGroup, undefined, vol.readOnly);
        });
        return { mounted, write, ownershipChanged };
      } catch (err) {
        // A volume set up for the first time and failing is removed again, as upstream does.
        if (mounted) await tearDownVolumeDir(vol.path);
        throw err;
      }
    }
  }
}

/**
 * Removes `path` and everything below it without crossing into other filesystems
 * (RemoveAllOneFilesystem): a directory that is a mount point is refused with
 * `cannot delete directory P: it is a mount point`. A missing path is fine.
 */
export async function removeAllOneFilesystem(
  path: string,
  mounts?: readonly MountInfo[],
): Promise<void> {
  const list = mounts ?? (await readMountInfo());
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isDirectory()) {
    await unlink(path);
    return;
  }
  if (await isMountPoint(path, list))
    throw new Error(`cannot delete directory ${path}: it is a mount point`);
  for (const name of await readdir(path))
    await removeAllOneFilesystem(posix.join(path, name), list);
  await rmdir(path);
}

/** Unmounts a volume directory if it is mounted (tmpfs), then removes it. */
async function tearDownVolumeDir(path: string): Promise<void> {
  await unmount(path);
  await removeAllOneFilesystem(path);
}

/**
 * Tears a planned volume down (TearDownAt): emptyDir and the atomic-writer volumes are
 * unmounted (tmpfs) and removed; hostPath and local volumes are left alone (they belong to
 * the host). Idempotent.
 */
export async function tearDownVolume(vol: Pick<PlannedVolume, 'plugin' | 'path'>): Promise<void> {
  if (vol.plugin === VolumePlugin.HostPath || vol.plugin === VolumePlugin.LocalVolume) return;
  await tearDownVolumeDir(vol.path);
}

/** Plugins whose pod directories the kubelet owns and may unmount and delete. */
const MANAGED_PLUGINS = new Set<string>(
  [
    VolumePlugin.EmptyDir,
    VolumePlugin.ConfigMap,
    VolumePlugin.Secret,
    VolumePlugin.DownwardAPI,
    VolumePlugin.Projected,
  ].map(escapeQualifiedName),
);

/**
 * Tears down every volume left in `<root>/pods/<uid>/volumes` (the kubelet's orphaned pod
 * cleanup), then removes the volumes directory. Directories of plugins it does not manage are
 * refused rather than deleted. Collects errors and throws them together at the end.
 */
export async function tearDownPodVolumes(root: string, podUID: string): Promise<void> {
  const base = podVolumesDir(root, podUID);
  const errors: string[] = [];
  let plugins: string[];
  try {
    plugins = await readdir(base);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const plugin of plugins) {
    const pluginDir = posix.join(base, plugin);
    if (!MANAGED_PLUGINS.has(plugin)) {
      errors.push(`volume plugin directory ${pluginDir} is not managed by this kubelet`);
      continue;
    }
    for (const name of await readdir(pluginDir)) {
      try {
        await tearDownVolumeDir(posix.join(pluginDir, name));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    try {
      await rmdir(pluginDir);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length === 0) {
    try {
      await rmdir(base);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length > 0)
    throw new Error(errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`);
}

/**
 * Removes a pod's whole directory after its volumes are torn down; refuses (throws) when
 * anything below it is still a mount point.
 */
export async function removePodDir(root: string, podUID: string): Promise<void> {
  await removeAllOneFilesystem(podDir(root, podUID));
}

/**
 * Resolves and creates a subPath mount's source safely (SafeMakeDir + the subpath check):
 * walks the subPath from the volume root, creating missing directories with the volume
 * root's permissions, and refuses a symlink that leads outside the volume
 * (`subpath "P" not within volume path "V"`). Returns the host path to bind-mount (the
 * input unchanged when there is no subPath).
 */
export async function prepareSubPath(
  mount: ContainerMount,
  containerName: string,
): Promise<string> {
  if (mount.subPath === '') return mount.hostPath;
  const base = await realpath(mount.volumePath);
  const perm = (await stat(base)).mode & 0o7777;
  const within = (p: string): boolean => p === base || p.startsWith(`${base}/`);
  let cur = base;
  for (const el of mount.subPath.split('/')) {
    if (el === '' || el === '.') continue;
    const next = posix.join(cur, el);
    let exists = true;
    try {
      await lstat(next);
    } catch {
      exists = false;
    }
    if (!exists) {
      try {
        await mkdir(next, { mode: perm });
        await chmod(next, perm);
      } catch {
        throw new Error(
          `failed to create subPath directory for volumeMount ${JSON.stringify(mount.name)} of container ${JSON.stringify(containerName)}`,
        );
      }
      cur = next;
      continue;
    }
    const resolved = await realpath(next);
    if (!within(resolved))
      throw new Error(
        `subpath ${JSON.stringify(mount.hostPath)} not within volume path ${JSON.stringify(mount.volumePath)}`,
      );
    cur = resolved;
  }
  return cur;
}
