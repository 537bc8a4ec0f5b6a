/** Finding host commands on PATH (host adapters: the kubelet's probe, the runc runtime). */
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Whether `path` is a file this process may execute. */
export async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on `PATH` (plus the sbin dirs root's PATH has), or undefined. */
export async function findOnPath(
  name: string,
  path = process.env['PATH'] ?? '',
): Promise<string | undefined> {
  const dirs = [...path.split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (await executable(p)) return p;
  }
  return undefined;
}
