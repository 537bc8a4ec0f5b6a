/**
 * `/proc/self/mountinfo` parsing (pure) and reading (host), for mount-point checks and for
 * tests that assert nothing is left mounted.
 */
import { readFile } from 'node:fs/promises';

/** One line of mountinfo. */
export interface MountInfo {
  id: number;
  parentId: number;
  /** `major:minor` of the filesystem. */
  device: string;
  /** The mounted path within its filesystem. */
  root: string;
  /** Where it is mounted (unescaped). */
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** Undoes the kernel's octal escapes (`\040` for a space) in mountinfo paths. */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses mountinfo text; malformed lines are skipped. Pure. */
export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    if (fields.length < 10 || sep < 6) continue;
    out.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      device: fields[2] ?? '',
      root: unescapeMountPath(fields[3] ?? ''),
      mountPoint: unescapeMountPath(fields[4] ?? ''),
      options: fields[5] ?? '',
      fsType: fields[sep + 1] ?? '',
      source: unescapeMountPath(fields[sep + 2] ?? ''),
      superOptions: fields[sep + 3] ?? '',
    });
  }
  return out;
}

/** The current process's mounts. */
export async function readMountInfo(): Promise<MountInfo[]> {
  return parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** Mounts at `path` or below it (`path` itself included). */
export function mountsUnder(mounts: readonly MountInfo[], path: string): MountInfo[] {
  const prefix = path.endsWith('/') ? path : `${path}/`;
  return mounts.filter((m) => m.mountPoint === path || m.mountPoint.startsWith(prefix));
}
