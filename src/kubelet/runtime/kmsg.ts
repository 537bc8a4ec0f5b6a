/**
 * OOM kills per memory cgroup, read from the kernel log (/dev/kmsg).
 *
 * Why the kernel log: `runc run` removes a container's cgroup before it exits, so its
 * memory.oom_control counter is gone by the time we learn of the exit, and a `runc events`
 * watcher can only attach after the process started (a process that is OOM-killed within
 * milliseconds is missed). The kernel writes an `oom-kill:...,task_memcg=<cgroup>,...` record
 * before the victim dies, so reading the log when a container exits is exact and race-free.
 *
 * The device is opened non-blocking and read only on demand (never by a blocked thread-pool
 * read); records from before {@link KmsgOomLog.open} are skipped.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** The victim's memory cgroup of an `oom-kill:` kernel record, or undefined. */
export function parseOomKillRecord(record: string): string | undefined {
  const semi = record.indexOf(';');
  const text = (semi >= 0 ? record.slice(semi + 1) : record).split('\n')[0] ?? '';
  if (!text.startsWith('oom-kill:')) return undefined;
  for (const field of text.slice('oom-kill:'.length).split(',')) {
    if (field.startsWith('task_memcg=')) return field.slice('task_memcg='.length);
  }
  return undefined;
}

/** Counts OOM kills per memory cgroup path from the kernel log (see the module comment). */
export class KmsgOomLog {
  #fh: FileHandle | undefined;
  readonly #counts = new Map<string, number>();
  #draining: Promise<void> = Promise.resolve();

  private constructor(fh: FileHandle) {
    this.#fh = fh;
  }

  /** Opens /dev/kmsg (needs CAP_SYSLOG); undefined when it cannot be read. */
  static async open(path = '/dev/kmsg'): Promise<KmsgOomLog | undefined> {
    try {
      const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const log = new KmsgOomLog(fh);
      await log.#drain(false);
      return log;
    } catch {
      return undefined;
    }
  }

  async #drain(record: boolean): Promise<void> {
    const fh = this.#fh;
    if (fh === undefined) return;
    // One record per read; 8 KiB is the kernel's maximum record size.
    const buf = Buffer.alloc(8192);
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, buf.length, null));
      } catch (err) {
        // EPIPE: records were overwritten before we read them; reading goes on after them.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') continue;
        return; // EAGAIN: nothing more for now
      }
      if (n === 0) return;
      if (!record) continue;
      const memcg = parseOomKillRecord(buf.subarray(0, n).toString());
      if (memcg !== undefined) {
        this.#counts.set(memcg, (this.#counts.get(memcg) ?? 0) + 1);
        // Bounded: forget the oldest cgroups past 4096 entries.
        if (this.#counts.size > 4096) {
          const oldest = this.#counts.keys().next().value;
          if (oldest !== undefined) this.#counts.delete(oldest);
        }
      }
    }
  }

  /**
   * OOM kills seen in `memcg` (a cgroupsPath like `/kubepods/pod1/ctr`) since the log was
   * opened, after reading what the kernel logged up to now.
   */
  async count(memcg: string): Promise<number> {
    const next = this.#draining.then(() => this.#drain(true));
    this.#draining = next.catch(() => undefined);
    await next;
    return this.#counts.get(memcg) ?? 0;
  }

  /** Closes the device. */
  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }
}
