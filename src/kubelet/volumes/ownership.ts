/**
 * fsGroup ownership of volumes (pkg/volume/volume_linux.go SetVolumeOwnership): every file and
 * directory gets the fsGroup as group, group read/write (read-only volumes: group read), and
 * directories get group exec and setgid so new files inherit the group. With
 * `fsGroupChangePolicy: OnRootMismatch` the walk is skipped when the volume root already has
 * the group, the permission bits and setgid. The walk visits children before their directory,
 * so an interrupted change is redone next time (the root is the marker). The mode math is pure;
 * {@link setVolumeOwnership} applies it.
 */
import { chmod, lchown, lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Group read/write added to every file (rwMask). */
export const RW_MASK = 0o660;
/** Owner and group read added on read-only volumes (roMask). */
export const RO_MASK = 0o440;
/** Owner and group exec added on directories (execMask). */
export const EXEC_MASK = 0o110;
/** The setgid bit set on directories. */
export const SETGID = 0o2000;

/**
 * The mode a file gets (changeFilePermission): its current permission, setuid/setgid/sticky
 * bits plus the mask; directories also get exec and setgid. Symlinks are never chmodded
 * (chmod follows them and would change their target's mode), so callers skip them.
 */
export function ownershipMode(mode: number, isDirectory: boolean, readOnly: boolean): number {
  let mask = readOnly ? RO_MASK : RW_MASK;
  if (isDirectory) mask |= SETGID | EXEC_MASK;
  return (mode & 0o7777) | mask;
}

/** What {@link requiresPermissionChange} needs to know about the volume root. */
export interface RootStat {
  gid: number;
  mode: number;
  isDirectory: boolean;
}

/**
 * Whether the root shows the change was not done (requiresPermissionChange): wrong group,
 * not a directory, missing permission bits or missing setgid.
 */
export function requiresPermissionChange(
  root: RootStat,
  fsGroup: number,
  readOnly: boolean,
): boolean {
  if (root.gid !== fsGroup) return true;
  if (!root.isDirectory) return true;
  const want = (readOnly ? RO_MASK : RW_MASK) | EXEC_MASK;
  return (root.mode & want) !== want || (root.mode & SETGID) === 0;
}

/**
 * Whether the recursive change can be skipped (skipPermissionChange): only with
 * `OnRootMismatch` and a root that already matches; `root` undefined (unreadable) never skips.
 */
export function skipPermissionChange(
  policy: string | undefined,
  root: RootStat | undefined,
  fsGroup: number,
  readOnly: boolean,
): boolean {
  if (policy !== 'OnRootMismatch') return false;
  if (root === undefined) return false;
  return !requiresPermissionChange(root, fsGroup, readOnly);
}

/**
 * Applies fsGroup ownership to a volume directory (SetVolumeOwnership). No-op without an
 * fsGroup. Chown/chmod failures of single files are ignored as upstream logs and continues;
 * failing to read a directory is an error. Returns whether the walk ran.
 */
export async function setVolumeOwnership(
  dir: string,
  fsGroup: number | undefined,
  policy: string | undefined,
  readOnly = false,
): Promise<boolean> {
  if (fsGroup === undefined) return false;
  let root: RootStat | undefined;
  try {
    const st = await stat(dir);
    root = { gid: st.gid, mode: st.mode, isDirectory: st.isDirectory() };
  } catch {
    root = undefined;
  }
  if (skipPermissionChange(policy, root, fsGroup, readOnly)) return false;
  await walkDeep(dir, async (path, isDir, isLink, mode) => {
    await lchown(path, -1, fsGroup).catch(() => undefined);
    if (isLink) return;
    await chmod(path, ownershipMode(mode, isDir, readOnly)).catch(() => undefined);
  });
  return true;
}

/** Visits children before their directory (walkDeep); symlinks are not followed. */
async function walkDeep(
  path: string,
  visit: (path: string, isDir: boolean, isLink: boolean, mode: number) => Promise<void>,
): Promise<void> {
  const st = await lstat(path);
  if (st.isDirectory()) {
    for (const name of await readdir(path)) await walkDeep(join(path, name), visit);
  }
  await visit(path, st.isDirectory(), st.isSymbolicLink(), st.mode);
}
