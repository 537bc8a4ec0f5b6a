/**
 * The container log files on this machine's disk, for the kubelet's container GC (upstream
 * removeContainerLog and evictPodLogsDirectories): a container's CRI log with its rotated and
 * compressed siblings, and pod log directories (`<namespace>_<name>_<uid>`) of pods that are
 * gone. Every removal is idempotent (missing files are fine).
 */
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ContainerLogFiles } from './kubelet.ts';

/** The uid of a pod log directory name `<namespace>_<name>_<uid>` (upstream's layout). */
export function podUidOfLogDir(name: string): string | undefined {
  const i = name.lastIndexOf('_');
  return i <= 0 ? undefined : name.slice(i + 1) || undefined;
}

/** See the module comment. */
export class HostContainerLogs implements ContainerLogFiles {
  async removeContainerLogs(logPath: string): Promise<void> {
    const dir = dirname(logPath);
    const prefix = `${basename(logPath)}.`;
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    await rm(logPath, { force: true });
    for (const n of names) if (n.startsWith(prefix)) await rm(join(dir, n), { force: true });
  }

  async removePodLogDirs(podLogsDir: string, keep: (uid: string) => boolean): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(podLogsDir);
    } catch {
      return;
    }
    for (const n of names) {
      const uid = podUidOfLogDir(n);
      if (uid === undefined || keep(uid)) continue;
      await rm(join(podLogsDir, n), { recursive: true, force: true });
    }
  }
}
