/**
 * Container root filesystems on overlayfs: the image's layer directories as read-only lower
 * layers, a per-container upper and work directory. `overlayMountPlan` is pure; `mountOverlay`
 * and `unmountOverlay` run mount(8)/umount(8) (Node has no mount(2)), and need root.
 *
 * Order matters: an image lists layers bottom-first, overlayfs's `lowerdir` lists them
 * top-first (the leftmost lower is the uppermost), so the list is reversed.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { execFileText as run } from '../spawner/index.ts';

/**
 * The kernel copies mount data into one page; longer option strings fail with EINVAL. Past
 * this length the plan switches to paths relative to the layers' common parent (mount runs
 * there), which is what containerd's snapshotter does too.
 */
const MAX_OPTIONS = 3800;

/** Where a container's overlay lives. */
export interface OverlaySpec {
  /** The image's unpacked layer directories, bottom-first (manifest order). */
  layers: readonly string[];
  upperDir: string;
  workDir: string;
  /** The mount point (the bundle's rootfs). */
  target: string;
}

/** The mount(8) arguments and working directory of an overlay. */
export interface OverlayMountPlan {
  args: string[];
  cwd?: string;
  options: string;
}

function commonParent(paths: readonly string[]): string {
  let p = dirname(paths[0] ?? '/');
  while (!paths.every((x) => x.startsWith(`${p}/`)) && p !== '/') p = dirname(p);
  return p;
}

/** The pure plan of `mount -t overlay` for a spec (see the module comment). */
export function overlayMountPlan(spec: OverlaySpec): OverlayMountPlan {
  if (spec.layers.length === 0) throw new Error('an overlay needs at least one lower layer');
  const lowers = [...spec.layers].reverse();
  // ':' separates lower dirs and ',' options; such paths cannot be passed.
  for (const p of [...lowers, spec.upperDir, spec.workDir]) {
    if (/[:,]/.test(p)) throw new Error(`overlay path ${JSON.stringify(p)} contains ':' or ','`);
  }
  let options = `lowerdir=${lowers.join(':')},upperdir=${spec.upperDir},workdir=${spec.workDir}`;
  let cwd: string | undefined;
  if (options.length > MAX_OPTIONS) {
    cwd = commonParent(lowers);
    options = `lowerdir=${lowers.map((l) => relative(cwd ?? '/', l)).join(':')},upperdir=${spec.upperDir},workdir=${spec.workDir}`;
    if (options.length > MAX_OPTIONS)
      throw new Error(`overlay mount options too long (${lowers.length} layers)`);
  }
  return {
    args: ['-t', 'overlay', 'overlay', '-o', options, spec.target],
    options,
    ...(cwd !== undefined ? { cwd } : {}),
  };
}

/** Creates the upper, work and target directories and mounts the overlay. */
export async function mountOverlay(spec: OverlaySpec): Promise<void> {
  const plan = overlayMountPlan(spec);
  for (const d of [spec.upperDir, spec.workDir, spec.target])
    await mkdir(d, { recursive: true, mode: 0o755 });
  await run('mount', plan.args, plan.cwd !== undefined ? { cwd: plan.cwd } : {});
}

/** Whether a path is a mount point (from /proc/self/mountinfo). */
export async function isMountPoint(target: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const esc = target.replace(
    /[ \t\n\\]/g,
    (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`,
  );
  return info.split('\n').some((line) => line.split(' ')[4] === esc);
}

/** Unmounts an overlay; a target that is not mounted is fine (idempotent). */
export async function unmountOverlay(target: string): Promise<void> {
  if (!(await isMountPoint(target))) return;
  await run('umount', [target]);
}
