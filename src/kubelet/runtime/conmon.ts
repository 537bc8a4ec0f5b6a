/**
 * conmon, CRI-O's and Podman's container monitor, as the shim of {@link RuncRuntime}: one small
 * C process per container that runs `runc create`, holds the container's stdio, writes its
 * output to the CRI log file (conmon's `k8s-file` format is the CRI format), reaps it as a
 * child subreaper and writes its exit status to a file. conmon detaches from the kubelet, so a
 * container's output keeps reaching its log and its exit code is kept while the kubelet is
 * down; a restarted kubelet adopts the container and finds both.
 *
 * The protocol used here (conmon 2.1, `--api-version 1`):
 * - The caller passes a pipe as `_OCI_SYNCPIPE`; conmon writes `{"data": <pid>}` once the
 *   runtime created the container, or `{"data": -1, "message": "<runtime's error>"}`.
 *   The caller then runs `runc start`.
 * - On exit conmon writes the status (the exit code, 128+signal when killed) to
 *   `<exit-dir>/<cid>` and, when the container's memory cgroup saw an OOM kill, an `oom` file
 *   in its persist directory.
 * - `<bundle>/ctl` is a FIFO of `<type> <height> <width>\n` lines: type 1 resizes the
 *   terminal, type 2 reopens the log file (log rotation: rename, then reopen).
 * - `<socket-dir>/<cuuid>/attach` is a SOCK_SEQPACKET socket (through a symlink to the bundle,
 *   which keeps the path short): what a client writes goes to the container's stdin.
 *
 * This module has the pure parts (arguments, messages) and the small host helpers the runtime
 * uses: the exit-file watcher and the log follower that serves `attach` from the log file.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parseCriLogLine } from './cri-log.ts';
import type { LogStream } from './cri-log.ts';

/** What {@link conmonArgs} needs. */
export interface ConmonArgsInput {
  /** runc's container id (conmon's `--cid`; the exit file's name). */
  id: string;
  /** The short id conmon names the attach socket's directory after (see {@link shortId}). */
  cuuid: string;
  runcPath: string;
  runcRoot: string;
  bundleDir: string;
  /** Where conmon writes the container's init pid. */
  pidFile: string;
  /** Where conmon writes its own pid. */
  conmonPidFile: string;
  /** The CRI log; without it output is discarded (conmon's `none` driver). */
  logPath?: string;
  exitDir: string;
  socketDir: string;
  /** conmon's persist directory (its `exit` and `oom` files). */
  persistDir: string;
  terminal: boolean;
  /** Keep a stdin pipe (terminal containers always have one). */
  stdin: boolean;
}

/** conmon's command line for a container (its API version 1). */
export function conmonArgs(i: ConmonArgsInput): string[] {
  return [
    '--api-version',
    '1',
    '--cid',
    i.id,
    '--cuuid',
    i.cuuid,
    '--name',
    i.id,
    '--runtime',
    i.runcPath,
    '--runtime-arg',
    `--root=${i.runcRoot}`,
    '--bundle',
    i.bundleDir,
    '--container-pidfile',
    i.pidFile,
    '--conmon-pidfile',
    i.conmonPidFile,
    '--log-path',
    i.logPath === undefined ? 'none:' : `k8s-file:${i.logPath}`,
    '--exit-dir',
    i.exitDir,
    '--socket-dir-path',
    i.socketDir,
    '--persist-dir',
    i.persistDir,
    '--log-level',
    'error',
    // The kubelet's containers outlive attach sessions: stdin stays open between them, as
    // with the kubelet's own pipe.
    ...(i.stdin || i.terminal ? ['--stdin', '--leave-stdin-open'] : []),
    ...(i.terminal ? ['--terminal'] : []),
  ];
}

/**
 * A short, stable name for a container id, for conmon's attach socket directory: a socket
 * path must stay under 108 bytes however long the state directory and the id are.
 */
export function shortId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}

/** The reply conmon writes to the sync pipe once the runtime created the container. */
export type SyncReply = { pid: number } | { error: string };

/**
 * Parses conmon's sync-pipe message. conmon 2.1.6 does not escape the runtime's message, so a
 * message that is not valid JSON is taken from the text itself.
 */
export function parseSyncReply(text: string): SyncReply | undefined {
  const line = text.split('\n')[0] ?? '';
  const data = /"data"\s*:\s*(-?\d+)/.exec(line);
  if (data === null) return undefined;
  const value = Number(data[1]);
  if (value > 0) return { pid: value };
  let message: string | undefined;
  try {
    const parsed = JSON.parse(line) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = /"message"\s*:\s*"(.*)"\s*}\s*$/.exec(line)?.[1];
  }
  return { error: runtimeMessage(message ?? `conmon reported ${String(value)}`) };
}

/** runc's own error text out of its logrus line (`time=... level=error msg="..."`), if any. */
function runtimeMessage(message: string): string {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(message);
  if (m === null) return message.trim();
  return (m[1] ?? '').replace(/\\(.)/g, '$1').trim();
}

/** A line for conmon's control FIFO: resize the terminal. */
export function resizeMessage(height: number, width: number): string {
  const clamp = (n: number): number => Math.min(1000, Math.max(1, Math.floor(n)));
  return `1 ${String(clamp(height))} ${String(clamp(width))}\n`;
}

/** A line for conmon's control FIFO: reopen the log file (after a rotation renamed it). */
export const REOPEN_LOG_MESSAGE = '2 0 0\n';

/**
 * Writes one message to conmon's control FIFO without blocking; false when nothing reads it
 * (conmon is gone) or it does not exist.
 */
export async function writeControl(fifo: string, message: string): Promise<boolean> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
    await fh.write(message);
    return true;
  } catch {
    return false;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** The status in an exit file (undefined while it is missing, empty or being written). */
export async function readExitFile(file: string): Promise<number | undefined> {
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (!/^-?\d+$/.test(text)) return undefined;
    return Number(text);
  } catch {
    return undefined;
  }
}

/** Whether a file exists. */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits for conmon's exit files: one inotify watch on the exit directory for every container,
 * plus a poll (every `pollMs`) that also notices a monitor that died without writing one.
 */
export class ExitFiles {
  readonly #dir: string;
  readonly #pollMs: number;
  readonly #waiting = new Map<
    string,
    { resolve: (code: number | undefined) => void; monitorAlive: () => boolean }[]
  >();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(dir: string, pollMs = 1000) {
    this.#dir = dir;
    this.#pollMs = pollMs;
  }

  file(id: string): string {
    return `${this.#dir}/${id}`;
  }

  /**
   * Resolves with the container's exit status once its exit file exists, or undefined when
   * `monitorAlive` turns false and no file appeared (conmon was killed: the status is lost).
   */
  wait(id: string, monitorAlive: () => boolean): Promise<number | undefined> {
    return new Promise((resolve) => {
      const list = this.#waiting.get(id) ?? [];
      list.push({ resolve, monitorAlive });
      this.#waiting.set(id, list);
      this.#ensureWatching();
      void this.#check(id, false);
    });
  }

  #ensureWatching(): void {
    if (this.#watcher === undefined) {
      try {
        this.#watcher = watch(this.#dir, (_event, name) => {
          if (typeof name === 'string' && this.#waiting.has(name)) void this.#check(name, false);
        });
        this.#watcher.on('error', () => {
          this.#watcher?.close();
          this.#watcher = undefined;
        });
        this.#watcher.unref();
      } catch {
        // No inotify: the poll alone notices exits.
      }
    }
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => {
        for (const id of this.#waiting.keys()) void this.#check(id, true);
        if (this.#waiting.size === 0) this.#stopTimer();
      }, this.#pollMs);
      // Ref'd while someone waits, as a child process would be; close() stops it.
    }
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #check(id: string, checkMonitor: boolean): Promise<void> {
    const code = await readExitFile(this.file(id));
    const list = this.#waiting.get(id);
    if (list === undefined) return;
    if (code !== undefined) {
      this.#waiting.delete(id);
      for (const w of list) w.resolve(code);
      return;
    }
    if (!checkMonitor) return;
    const gone = list.filter((w) => !w.monitorAlive());
    if (gone.length === 0) return;
    // The monitor may have written the file just before it exited.
    const last = await readExitFile(this.file(id));
    this.#waiting.delete(id);
    for (const w of list) w.resolve(last);
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#stopTimer();
  }
}

/**
 * Follows a CRI log file from its current end (attach's output when conmon writes the log):
 * each record's content goes to `onData` (a full line with its newline) until `stop`. Follows
 * the file across a rotation (the path names a new file: the old one is read to its end
 * first).
 */
export function followLog(
  path: string,
  onData: (stream: LogStream, content: Buffer) => void,
  pollMs = 50,
): { ready: Promise<void>; stop: () => Promise<void> } {
  const run = { stopped: false };
  let fh: FileHandle | undefined;
  let ino = -1;
  let pos = 0;
  let rest = Buffer.alloc(0);
  const buf = Buffer.alloc(64 * 1024);
  const emit = (chunk: Buffer): void => {
    let data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let nl: number;
    while ((nl = data.indexOf(0x0a)) >= 0) {
      const line = data.subarray(0, nl + 1);
      data = data.subarray(nl + 1);
      try {
        const e = parseCriLogLine(line);
        onData(e.stream, e.log);
      } catch {
        // not a CRI record: skip
      }
    }
    rest = Buffer.from(data);
  };
  const drain = async (h: FileHandle): Promise<void> => {
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, buf.length, pos);
      if (bytesRead <= 0) return;
      pos += bytesRead;
      emit(buf.subarray(0, bytesRead));
    }
  };
  const openCurrent = async (fromEnd: boolean): Promise<void> => {
    try {
      const h = await open(path, 'r');
      const s = await h.stat();
      fh = h;
      ino = s.ino;
      pos = fromEnd ? s.size : 0;
      rest = Buffer.alloc(0);
    } catch {
      fh = undefined;
    }
  };
  const ready = openCurrent(true);
  const loop = (async () => {
    await ready;
    while (!run.stopped) {
      if (fh !== undefined) await drain(fh).catch(() => undefined);
      const now = await stat(path).catch(() => undefined);
      if (now !== undefined && now.ino !== ino) {
        if (fh !== undefined) await drain(fh).catch(() => undefined);
        await fh?.close().catch(() => undefined);
        await openCurrent(false);
        continue;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    if (fh !== undefined) await drain(fh).catch(() => undefined);
    await fh?.close().catch(() => undefined);
  })();
  return {
    /** Resolves once the file is open (what is written from then on is delivered). */
    ready,
    stop: async () => {
      run.stopped = true;
      await loop;
    },
  };
}

/**
 * Sends `input` to a container's stdin through conmon's attach socket (SOCK_SEQPACKET, which
 * Node's net module cannot open: socat carries it). Returns socat's process for the caller to end.
 */
export function attachStdin(socatPath: string, socket: string, input: Readable): ChildProcess {
  const child = spawn(socatPath, ['-u', 'STDIN', `UNIX-CONNECT:${socket},type=5`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin.on('error', () => undefined);
  child.once('error', () => undefined);
  input.pipe(child.stdin);
  return child;
}
