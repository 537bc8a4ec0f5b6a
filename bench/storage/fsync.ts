/**
 * The disk's own durable-write latency: 256-byte append + fdatasync (and fsync) in a loop, in
 * the same directory the drivers write to. This is the physical floor for durable
 * single-client writes: no store can acknowledge faster than one flush per write.
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { nowMs, summarize, type LatencySummary } from './stats.ts';

export interface FsyncResult {
  fdatasync: LatencySummary & { opsPerSec: number };
  fsync: LatencySummary & { opsPerSec: number };
}

function loop(
  dir: string,
  n: number,
  sync: (fd: number) => void,
): LatencySummary & { opsPerSec: number } {
  const file = join(dir, `fsync-probe-${process.pid}`);
  const fd = openSync(file, 'w');
  const buf = Buffer.alloc(256, 7);
  const samples: number[] = [];
  const t0 = nowMs();
  try {
    for (let i = 0; i < n; i++) {
      const s = nowMs();
      writeSync(fd, buf, 0, buf.length, i * buf.length);
      sync(fd);
      samples.push(nowMs() - s);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  const elapsed = nowMs() - t0;
  return { ...summarize(samples), opsPerSec: (n / elapsed) * 1000 };
}

export function measureFsync(dir: string, n = 2000): FsyncResult {
  return { fdatasync: loop(dir, n, fdatasyncSync), fsync: loop(dir, n, fsyncSync) };
}
