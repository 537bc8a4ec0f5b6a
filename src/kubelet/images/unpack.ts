/**
 * Layer unpacking into a per-layer directory in overlayfs form.
 *
 * `planLayerEntry` is the pure part: it cleans a member's path (refusing any that escapes the
 * layer) and turns OCI whiteouts into overlay actions (image-spec layer.md):
 *   `dir/.wh.name`      → a whiteout: character device 0:0 at `dir/name`
 *   `dir/.wh..wh..opq`  → `dir` is opaque: xattr `trusted.overlay.opaque=y`
 *   `dir/.wh..wh.other` → aufs metadata, skipped
 * `applyLayer` writes the plan to disk. It never follows a symlink while writing: every parent
 * of a member is `lstat`ed, and a symlink where a directory should be refuses the layer (a
 * layer with `evil -> /etc` then `evil/passwd` would otherwise write outside its directory).
 * Symlink targets are stored verbatim: the kernel resolves them inside the container's root.
 * Hard links must point at a member of the same layer. Owners are kept when the process may
 * chown (root), modes always; `trusted.*` xattrs from the archive are never applied (a layer
 * must not forge overlay metadata).
 */
import { createWriteStream } from 'node:fs';
import { link, lstat, lutimes, mkdir, rm, symlink, chmod, lchown, utimes } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { TarEntry, TarHeader } from './tar.ts';

/** A member that would be written outside its layer directory. */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
}

/** The whiteout prefix and the opaque marker of the OCI image spec. */
export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';
/** The xattr overlayfs reads to mark a directory opaque. */
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

/**
 * A member path made relative and clean (`./a//b/` → `a/b`, `/etc/x` → `etc/x`); '' is the
 * layer root. Throws UnsafePathError when the path leaves the root (`../x`, `a/../../x`).
 */
export function cleanEntryPath(name: string): string {
  if (name.includes('\0')) throw new UnsafePathError(`invalid path ${JSON.stringify(name)}`);
  // Absolute member names are taken relative to the layer root, as every unpacker does.
  const rel = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '') || '.';
  if (rel === '..' || rel.startsWith('../')) {
    throw new UnsafePathError(`path ${JSON.stringify(name)} escapes the layer`);
  }
  return rel === '.' ? '' : rel;
}

/** What one archive member does to the layer directory. */
export type LayerAction =
  | { kind: 'whiteout'; path: string }
  | { kind: 'opaque'; dir: string }
  | { kind: 'skip'; path: string }
  | { kind: 'entry'; path: string; linkTarget?: string };

/** The pure plan of one member (see the module comment). */
export function planLayerEntry(header: Pick<TarHeader, 'name' | 'type' | 'linkname'>): LayerAction {
  const path = cleanEntryPath(header.name);
  const base = posix.basename(path);
  const dir = posix.dirname(path) === '.' ? '' : posix.dirname(path);
  if (base === WHITEOUT_OPAQUE) return { kind: 'opaque', dir };
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'skip', path };
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const target = base.slice(WHITEOUT_PREFIX.length);
    if (target === '' || target === '.' || target === '..') {
      throw new UnsafePathError(`invalid whiteout ${JSON.stringify(header.name)}`);
    }
    return { kind: 'whiteout', path: dir === '' ? target : `${dir}/${target}` };
  }
  if (path === '') return { kind: 'skip', path };
  if (header.type === 'link') {
    const linkTarget = cleanEntryPath(header.linkname);
    if (linkTarget === '') throw new UnsafePathError('hard link to the layer root');
    return { kind: 'entry', path, linkTarget };
  }
  return { kind: 'entry', path };
}

/** The privileged operations of unpacking, behind a small adapter (see layer-host.ts). */
export interface LayerHost {
  /** Whether to apply tar owners (needs CAP_CHOWN). */
  readonly chown: boolean;
  /** Creates an overlay whiteout (char device 0:0) at an absolute path. */
  makeWhiteout(path: string): Promise<void>;
  /** Marks an absolute directory opaque for overlayfs. */
  setOpaque(dir: string): Promise<void>;
  /** Creates a device node or fifo; may skip when not privileged. */
  makeNode(
    path: string,
    type: 'char' | 'block' | 'fifo',
    major: number,
    minor: number,
    mode: number,
  ): Promise<void>;
  /** Sets an extended attribute; may skip unsupported names. */
  setXattr(path: string, name: string, value: Buffer): Promise<void>;
}

/** Counts of what a layer contained. */
export interface ApplyStats {
  entries: number;
  whiteouts: number;
  opaques: number;
}

async function lstatOrUndefined(p: string): Promise<Awaited<ReturnType<typeof lstat>> | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Ensures every directory of `rel` (itself included when `includeSelf`) exists under root as a
 * real directory, refusing symlinks on the way; non-directories in the way are replaced.
 */
async function ensureDirs(root: string, rel: string, made: Set<string>): Promise<void> {
  if (rel === '' || made.has(rel)) return;
  const parts = rel.split('/');
  let cur = '';
  for (const part of parts) {
    cur = cur === '' ? part : `${cur}/${part}`;
    if (made.has(cur)) continue;
    const abs = join(root, cur);
    const st = await lstatOrUndefined(abs);
    if (st?.isSymbolicLink()) {
      throw new UnsafePathError(`path ${JSON.stringify(rel)} goes through the symlink ${cur}`);
    }
    if (st !== undefined && !st.isDirectory()) await rm(abs, { force: true });
    if (st === undefined || !st.isDirectory()) await mkdir(abs, { mode: 0o755 });
    made.add(cur);
  }
}

/** Removes whatever is at abs unless it is a directory and a directory is wanted. */
async function clearFor(abs: string, wantDir: boolean): Promise<boolean> {
  const st = await lstatOrUndefined(abs);
  if (st === undefined) return false;
  if (wantDir && st.isDirectory()) return true;
  await rm(abs, { recursive: true, force: true });
  return false;
}

/**
 * Writes a layer's members into `root` (which must exist and be empty or partially written by
 * an earlier attempt of the same layer). Resolves with counts; throws UnsafePathError for a
 * hostile member and leaves the directory for the caller to remove.
 */
export async function applyLayer(
  entries: AsyncIterable<TarEntry>,
  root: string,
  host: LayerHost,
): Promise<ApplyStats> {
  const made = new Set<string>();
  const dirTimes: [string, number][] = [];
  const stats: ApplyStats = { entries: 0, whiteouts: 0, opaques: 0 };
  for await (const entry of entries) {
    const h = entry.header;
    const action = planLayerEntry(h);
    stats.entries++;
    if (action.kind === 'skip') continue;
    if (action.kind === 'opaque') {
      await ensureDirs(root, action.dir, made);
      await host.setOpaque(action.dir === '' ? root : join(root, action.dir));
      stats.opaques++;
      continue;
    }
    const parent = posix.dirname(action.path) === '.' ? '' : posix.dirname(action.path);
    await ensureDirs(root, parent, made);
    const abs = join(root, action.path);
    if (action.kind === 'whiteout') {
      await clearFor(abs, false);
      await host.makeWhiteout(abs);
      stats.whiteouts++;
      continue;
    }
    switch (h.type) {
      case 'directory': {
        const exists = await clearFor(abs, true);
        if (!exists) await mkdir(abs, { mode: 0o755 });
        made.add(action.path);
        dirTimes.push([abs, h.mtime]);
        break;
      }
      case 'file': {
        await clearFor(abs, false);
        // 'wx' = O_CREAT|O_EXCL: never opens through a symlink planted at the path.
        await pipeline(
          Readable.from(entry.body()),
          createWriteStream(abs, { flags: 'wx', mode: 0o600 }),
        );
        break;
      }
      case 'symlink':
        await clearFor(abs, false);
        await symlink(h.linkname, abs);
        break;
      case 'link': {
        const targetRel = action.linkTarget ?? '';
        const targetParent = posix.dirname(targetRel) === '.' ? '' : posix.dirname(targetRel);
        await ensureDirs(root, targetParent, made);
        const target = join(root, targetRel);
        if ((await lstatOrUndefined(target)) === undefined) {
          throw new UnsafePathError(
            `hard link ${JSON.stringify(h.name)} points at ${JSON.stringify(h.linkname)}, which is not in this layer`,
          );
        }
        await clearFor(abs, false);
        await link(target, abs);
        continue; // a hard link shares the target's inode: owner and mode are the target's
      }
      case 'char':
      case 'block':
      case 'fifo':
        await clearFor(abs, false);
        await host.makeNode(abs, h.type, h.devmajor, h.devminor, h.mode);
        if ((await lstatOrUndefined(abs)) === undefined) continue; // skipped unprivileged
        break;
    }
    if (host.chown) await lchown(abs, h.uid, h.gid);
    for (const [name, value] of Object.entries(h.xattrs)) {
      if (name.startsWith('trusted.') || name === 'security.selinux') continue;
      await host.setXattr(abs, name, value);
    }
    if (h.type !== 'symlink') await chmod(abs, h.mode);
    if (h.type === 'symlink') await lutimes(abs, h.mtime, h.mtime);
    else if (h.type !== 'directory') await utimes(abs, h.mtime, h.mtime);
  }
  // Directory times last: writing their children changed them.
  for (const [abs, mtime] of dirTimes.reverse()) await utimes(abs, mtime, mtime);
  return stats;
}
