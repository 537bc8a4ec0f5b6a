/**
 * The file side of `kubectl logs` (host adapter; upstream ReadLogs in
 * pkg/kubelet/kuberuntime/logs): resolves symlinks, finds the tail start by scanning backwards
 * in blocks, reads complete lines through {@link LogReadState}, and with `follow` waits for the
 * file to grow (fs.watch plus a poll), reopens it when the runtime rotates it (a new file under
 * the same name), and ends at EOF once the container no longer runs.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { LogReadState } from './logs.ts';
import type { LogOptions, LogSink } from './logs.ts';

const BLOCK = 4096;
const READ_CHUNK = 64 * 1024;

/** Options of following a log. */
export interface FollowOptions {
  /** Stops reading (resolves) when aborted. */
  readonly signal?: AbortSignal;
  /** Whether the container still runs; once false, reading ends at the next EOF. */
  readonly isRunning?: () => boolean | Promise<boolean>;
  /** Poll interval for growth when no watch event arrives (default 250 ms). */
  readonly pollMs?: number;
  /** How often to ask `isRunning` while idle (default 1 s; upstream checks every 5 s). */
  readonly stateCheckMs?: number;
}

/** A log file that cannot be read; the message is upstream's. */
export class LogReadError extends Error {
  override name = 'LogReadError';
}

/**
 * tail.FindTailLineStartIndex on an open file: the offset where the last `n` lines start,
 * reading backwards in 4 KiB blocks only as far as needed.
 */
export async function findTailLineStartInFile(fh: fsp.FileHandle, n: number): Promise<number> {
  if (n < 0) return 0;
  const size = (await fh.stat()).size;
  let count = 0;
  let left = size;
  const blocks: Buffer[] = [];
  while (left > 0 && count <= n) {
    const len = Math.min(BLOCK, left);
    left -= len;
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, left);
    blocks.unshift(buf);
    for (const b of buf) if (b === 0x0a) count++;
  }
  let data = Buffer.concat(blocks);
  let start = left;
  for (; count > n; count--) {
    const idx = data.indexOf(0x0a) + 1;
    data = data.subarray(idx);
    start += idx;
  }
  return start;
}

/**
 * Reads `file` per `opts` into `sink`. Without `opts.follow` it returns at EOF (a final line
 * without newline is still written); with it, it waits for more until the container stops
 * running (then drains to EOF), `follow.signal` aborts, or the limits are reached.
 * @throws LogReadError when the file cannot be resolved or opened.
 */
export async function readLogFile(
  file: string,
  opts: LogOptions,
  sink: LogSink,
  follow: FollowOptions = {},
): Promise<void> {
  let resolved: string;
  try {
    resolved = await fsp.realpath(file);
  } catch (err) {
    throw new LogReadError(
      `failed to try resolving symlinks in path ${JSON.stringify(file)}: ${errText(err)}`,
    );
  }
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(resolved, 'r');
  } catch (err) {
    throw new LogReadError(`failed to open log file ${JSON.stringify(resolved)}: ${errText(err)}`);
  }
  const state = new LogReadState(opts, sink);
  const waiter = opts.follow ? new ChangeWaiter(resolved, follow) : undefined;
  try {
    let pos = await findTailLineStartInFile(fh, opts.tail);
    let pending: Buffer = Buffer.alloc(0);
    let found = true;
    const chunk = Buffer.alloc(READ_CHUNK);
    while (!state.done && follow.signal?.aborted !== true) {
      const { bytesRead } = await fh.read(chunk, 0, READ_CHUNK, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        pending =
          pending.length === 0
            ? Buffer.from(chunk.subarray(0, bytesRead))
            : Buffer.concat([pending, chunk.subarray(0, bytesRead)]);
        let start = 0;
        for (;;) {
          const nl = pending.indexOf(0x0a, start);
          if (nl < 0 || isDone(state)) break;
          state.line(pending.subarray(start, nl + 1));
          start = nl + 1;
        }
        pending = pending.subarray(start);
        continue;
      }
      // EOF.
      if (waiter === undefined) {
        if (pending.length > 0) state.line(pending);
        break;
      }
      if (!found) break;
      const change = await waiter.wait(fh, pos);
      if (change === 'aborted') break;
      if (change === 'stopped') found = false;
      if (change === 'recreated') {
        let next: fsp.FileHandle;
        try {
          next = await fsp.open(resolved, 'r');
        } catch {
          continue;
        }
        await fh.close();
        fh = next;
        pos = 0;
        pending = Buffer.alloc(0);
      }
    }
  } finally {
    waiter?.close();
    await fh.close();
  }
}

// A function call, so that a check after `state.line()` is not narrowed by the loop condition.
function isDone(state: LogReadState): boolean {
  return state.done;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits for a log file to change: growth, recreation, the container stopping, or abort. */
class ChangeWaiter {
  private watcher: fs.FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private lastStateCheck = Date.now();

  constructor(
    private readonly file: string,
    private readonly follow: FollowOptions,
  ) {
    try {
      this.watcher = fs.watch(path.dirname(file), () => this.wake?.());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined; // polling alone still works
    }
  }

  /** Resolves when the open file grew past `pos`, was replaced, the container stopped, or abort. */
  async wait(
    fh: fsp.FileHandle,
    pos: number,
  ): Promise<'grown' | 'recreated' | 'stopped' | 'aborted'> {
    const pollMs = this.follow.pollMs ?? 250;
    const stateCheckMs = this.follow.stateCheckMs ?? 1000;
    const { ino } = await fh.stat();
    for (;;) {
      if (this.follow.signal?.aborted === true) return 'aborted';
      await this.sleep(pollMs);
      if (this.aborted()) return 'aborted';
      const cur = await fh.stat();
      if (cur.size > pos) return 'grown';
      try {
        const onDisk = await fsp.stat(this.file);
        if (onDisk.ino !== ino) {
          // The writer may have appended to the old file between our size check and its
          // rename: drain it before switching, so no line is lost across a rotation.
          if ((await fh.stat()).size > pos) return 'grown';
          return 'recreated';
        }
      } catch {
        // Rotated away and not yet recreated: keep waiting.
      }
      if (Date.now() - this.lastStateCheck >= stateCheckMs && this.follow.isRunning !== undefined) {
        this.lastStateCheck = Date.now();
        if (!(await this.follow.isRunning())) return 'stopped';
      }
    }
  }

  // A method, so that the check after an await is not narrowed away by the one before it.
  private aborted(): boolean {
    return this.follow.signal?.aborted === true;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.follow.signal;
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
