/**
 * Short-lived host commands (CNI plugins, `ip`, `unshare`, `mount`, `umount`, `runc kill/state/
 * delete`) run from worker threads instead of the main thread.
 *
 * Why: on Linux, libuv's spawn forks the whole process and then blocks the calling thread until
 * the child has exec'd. Measured in `skiff up` (bench/kubelet/pods.ts, 2026-11-27), each spawn
 * held the event loop 15-70 ms (fork of a ~150 MiB process plus the child's wait for a CPU on a
 * busy 2-core machine); a pod start spawns about nine such commands, so a batch of 10 pods spent
 * 3 s of its 7 s of main-thread time inside `ChildProcess.spawn`, and the pod workers, the API
 * server and the watch that reports Running all waited behind it. A worker thread blocks in its
 * own spawn while the main thread keeps serving; a few workers let concurrent pod starts fork in
 * parallel.
 *
 * Long-lived children whose pipes the kubelet reads (`runc run`, exec, attach) stay on the main
 * thread. The worker is one small CommonJS source evaluated with `eval: true`, so the bundled
 * CLI needs no extra file. When a worker cannot be started, commands run on the main thread.
 */
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { SHARE_ENV, Worker } from 'node:worker_threads';
import { traceEnabled, traceStep } from './trace.ts';

/** Options of one command. */
export interface CommandOptions {
  /** The whole environment of the child; default this process's environment at call time. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Written to the child's stdin, which is then closed (default: closed at once). */
  readonly input?: string | Uint8Array;
  /** Kill the child with `killSignal` after this many ms (0 or absent: no timeout). */
  readonly timeoutMs?: number;
  /** Signal of the timeout and of an abort; default SIGTERM as child_process's. */
  readonly killSignal?: NodeJS.Signals;
  /** Aborting kills the child with `killSignal`; the result then has `aborted: true`. */
  readonly signal?: AbortSignal;
  /** Bytes kept of stdout and of stderr each; more is dropped and the child killed (default 16 MiB). */
  readonly maxBuffer?: number;
}

/** What a command did. A non-zero exit is a value, not a rejection. */
export interface CommandOutput {
  /** The exit status; null when killed by a signal or when it never started. */
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Killed by the timeout. */
  readonly timedOut: boolean;
  /** Killed because `options.signal` aborted. */
  readonly aborted: boolean;
  /** Killed because an output exceeded `maxBuffer`. */
  readonly overflowed: boolean;
  /** The spawn itself failed (ENOENT, EACCES...): the child never ran. */
  readonly spawnError?: { readonly code: string | undefined; readonly message: string };
}

/** The runner contract; {@link Spawner} is the host's, tests may pass their own. */
export interface CommandRunner {
  run(file: string, args: readonly string[], options?: CommandOptions): Promise<CommandOutput>;
}

const DEFAULT_MAX_BUFFER = 16 << 20;

interface WireRequest {
  type: 'run';
  id: number;
  file: string;
  args: string[];
  env: Record<string, string> | undefined;
  cwd: string | undefined;
  input: Uint8Array | undefined;
  timeoutMs: number;
  killSignal: string;
  maxBuffer: number;
}

interface WireResult {
  id: number;
  exitCode: number | null;
  signal: string | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
  timedOut: boolean;
  aborted: boolean;
  overflowed: boolean;
  spawnError?: { code: string | undefined; message: string };
}

/**
 * The worker: runs each request with child_process.spawn, collects bounded output, kills on
 * timeout, overflow or a `kill` message, and posts one result per request (after 'close', so
 * both pipes are drained). Plain CommonJS: it is evaluated as is, never compiled.
 */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const live = new Map();
parentPort.on('message', function (m) {
  if (m.type === 'kill') {
    const r = live.get(m.id);
    if (r !== undefined) { r.aborted = true; r.kill(); }
    return;
  }
  run(m);
});
function run(m) {
  const st = { aborted: false, timedOut: false, overflowed: false, done: false, kill: null };
  const out = []; const err = []; let outLen = 0; let errLen = 0;
  let child;
  function finish(exitCode, signal, spawnError) {
    if (st.done) return;
    st.done = true;
    live.delete(m.id);
    if (timer !== undefined) clearTimeout(timer);
    const stdout = Buffer.concat(out); const stderr = Buffer.concat(err);
    const res = { id: m.id, exitCode: exitCode, signal: signal, stdout: stdout, stderr: stderr,
      timedOut: st.timedOut, aborted: st.aborted, overflowed: st.overflowed };
    if (spawnError !== undefined) res.spawnError = spawnError;
    parentPort.postMessage(res);
  }
  st.kill = function () { try { child.kill(m.killSignal); } catch (e) { /* gone */ } };
  try {
    child = spawn(m.file, m.args, { env: m.env, cwd: m.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    finish(null, null, { code: e && e.code, message: String(e && e.message || e) });
    return;
  }
  live.set(m.id, st);
  var timer = m.timeoutMs > 0 ? setTimeout(function () { st.timedOut = true; st.kill(); }, m.timeoutMs) : undefined;
  function collect(list, which) {
    return function (b) {
      if (st.overflowed) return;
      const len = (which === 1 ? outLen : errLen) + b.length;
      if (len > m.maxBuffer) {
        list.push(b.subarray(0, b.length - (len - m.maxBuffer)));
        st.overflowed = true; st.kill();
      } else list.push(b);
      if (which === 1) outLen = len; else errLen = len;
    };
  }
  child.stdout.on('data', collect(out, 1));
  child.stderr.on('data', collect(err, 2));
  child.on('error', function (e) {
    if (child.pid === undefined) finish(null, null, { code: e && e.code, message: String(e && e.message || e) });
  });
  child.on('close', function (code, signal) { finish(code, signal, undefined); });
  child.stdin.on('error', function () { /* the child did not read its input: its status matters */ });
  if (m.input !== undefined) child.stdin.end(Buffer.from(m.input)); else child.stdin.end();
}
`;

interface Pending {
  resolve: (r: CommandOutput) => void;
  reject: (e: unknown) => void;
  worker: Slot;
  onAbort?: () => void;
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  inFlight: number;
  /** Stops the idle worker (its isolate costs ~15 MiB); set while inFlight is 0. */
  idle?: NodeJS.Timeout;
}

/** Options of a {@link Spawner}. */
export interface SpawnerOptions {
  /**
   * Worker threads (default 2: forks of concurrent pod starts overlap on a 2-core machine);
   * 0 runs every command on the calling thread.
   */
  readonly workers?: number;
  /** A worker without a command for this long stops (default 30 s); the next command starts one. */
  readonly idleMs?: number;
}

/**
 * See the module comment. Workers start on first use, stop after `idleMs` without a command and
 * never keep the process alive.
 */
export class Spawner implements CommandRunner {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken = false;
  private readonly size: number;
  private readonly idleMs: number;

  constructor(opts: SpawnerOptions = {}) {
    this.size = Math.max(0, opts.workers ?? 2);
    this.idleMs = opts.idleMs ?? 30_000;
    this.broken = this.size === 0;
  }

  /** How many worker threads run now (for tests and stats). */
  get runningWorkers(): number {
    return this.slots.length;
  }

  /** Runs `file` with `args`; resolves when it exited and its output pipes closed. */
  run(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandOutput> {
    if (options.signal?.aborted === true) return Promise.resolve(abortedBeforeStart());
    const slot = this.broken ? undefined : this.slot();
    if (slot === undefined) return runDirect(file, args, options);
    if (traceEnabled) {
      const t0 = performance.now();
      // The first operand, skipping global options' values (`runc --root DIR list`).
      const operand = args.find(
        (a, i) =>
          !a.startsWith('-') && !['--root', '--log', '--log-format'].includes(args[i - 1] ?? ''),
      );
      const what = `exec ${basename(file)} ${operand ?? ''}`;
      const queued = slot.inFlight;
      return this.send(slot, file, args, options).finally(() => {
        traceStep('-', what, t0, { queued });
      });
    }
    return this.send(slot, file, args, options);
  }

  private send(
    slot: Slot,
    file: string,
    args: readonly string[],
    options: CommandOptions,
  ): Promise<CommandOutput> {
    const id = this.nextId++;
    const req: WireRequest = {
      type: 'run',
      id,
      file,
      args: [...args],
      env: definedEnv(options.env),
      cwd: options.cwd,
      input:
        options.input === undefined
          ? undefined
          : typeof options.input === 'string'
            ? Buffer.from(options.input)
            : options.input,
      timeoutMs: options.timeoutMs ?? 0,
      killSignal: options.killSignal ?? 'SIGTERM',
      maxBuffer: options.maxBuffer ?? DEFAULT_MAX_BUFFER,
    };
    return new Promise<CommandOutput>((resolve, reject) => {
      const p: Pending = { resolve, reject, worker: slot };
      if (options.signal !== undefined) {
        const signal = options.signal;
        p.signal = signal;
        p.onAbort = () => {
          slot.worker.postMessage({ type: 'kill', id });
        };
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.pending.set(id, p);
      clearTimeout(slot.idle);
      slot.idle = undefined;
      if (slot.inFlight++ === 0) slot.worker.ref();
      slot.worker.postMessage(req);
    });
  }

  /** Stops the workers; commands in flight reject (their children are left to finish). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const s of slots) clearTimeout(s.idle);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private slot(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (best === undefined || s.inFlight < best.inFlight) best = s;
    if (best !== undefined && (best.inFlight === 0 || this.slots.length >= this.size)) return best;
    try {
      return this.startWorker();
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  private startWorker(): Slot {
    // No execArgv: the worker needs neither tsx nor the parent's profiling flags.
    const worker = new Worker(WORKER_SOURCE, { eval: true, env: SHARE_ENV, execArgv: [] });
    const slot: Slot = { worker, inFlight: 0 };
    worker.unref();
    worker.on('message', (res: WireResult) => {
      this.settle(res);
    });
    const fail = (err: unknown): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      for (const [id, p] of this.pending) {
        if (p.worker !== slot) continue;
        this.pending.delete(id);
        if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
        p.reject(new Error('command worker stopped', { cause: err }));
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      fail(new Error(`worker exited with ${String(code)}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private settle(res: WireResult): void {
    const p = this.pending.get(res.id);
    if (p === undefined) return;
    this.pending.delete(res.id);
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    if (--p.worker.inFlight === 0) {
      p.worker.worker.unref();
      const slot = p.worker;
      slot.idle = setTimeout(() => {
        if (slot.inFlight !== 0) return;
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
        void slot.worker.terminate();
      }, this.idleMs);
      slot.idle.unref();
    }
    p.resolve({
      exitCode: res.exitCode,
      signal: res.signal as NodeJS.Signals | null,
      stdout: Buffer.from(res.stdout.buffer, res.stdout.byteOffset, res.stdout.byteLength),
      stderr: Buffer.from(res.stderr.buffer, res.stderr.byteOffset, res.stderr.byteLength),
      timedOut: res.timedOut,
      aborted: res.aborted,
      overflowed: res.overflowed,
      ...(res.spawnError !== undefined ? { spawnError: res.spawnError } : {}),
    });
  }
}

function definedEnv(
  env: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function abortedBeforeStart(): CommandOutput {
  return {
    exitCode: null,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    timedOut: false,
    aborted: true,
    overflowed: false,
  };
}

/** The same contract on the main thread (no worker could start). */
function runDirect(
  file: string,
  args: readonly string[],
  options: CommandOptions,
): Promise<CommandOutput> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      {
        encoding: 'buffer',
        ...(options.env !== undefined ? { env: options.env } : {}),
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        timeout: options.timeoutMs ?? 0,
        killSignal: options.killSignal ?? 'SIGTERM',
        maxBuffer: options.maxBuffer ?? DEFAULT_MAX_BUFFER,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; signal?: string }) | null;
        const code: unknown = e?.code;
        const spawnFailed = typeof code === 'string' && child.pid === undefined;
        const aborted = e?.name === 'AbortError';
        resolve({
          exitCode: e === null ? 0 : typeof code === 'number' ? code : null,
          // execFile's AbortError carries no signal: the child got killSignal.
          signal: aborted
            ? (options.killSignal ?? 'SIGTERM')
            : ((e?.signal ?? null) as NodeJS.Signals | null),
          stdout,
          stderr,
          timedOut: e?.killed === true && !aborted && code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER',
          aborted,
          overflowed: code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER',
          ...(spawnFailed && !aborted && e !== null
            ? { spawnError: { code, message: e.message } }
            : {}),
        });
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

let shared: Spawner | undefined;

/** The process-wide spawner the kubelet's host adapters use. */
export function hostSpawner(): Spawner {
  shared ??= new Spawner();
  return shared;
}

/** A command that failed, shaped like child_process.execFile's error (code, signal, output). */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    /** The exit status, or the errno code when the spawn failed. */
    readonly code: number | string | null,
    readonly signal: NodeJS.Signals | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly killed: boolean,
  ) {
    super(message);
  }
}

/**
 * promisify(execFile) on the {@link hostSpawner}: resolves stdout and stderr (utf8) on exit 0,
 * rejects with a {@link CommandError} (`Command failed: <cmd>\n<stderr>`, as execFile) otherwise.
 */
export async function execFileText(
  file: string,
  args: readonly string[],
  options: CommandOptions & { runner?: CommandRunner } = {},
): Promise<{ stdout: string; stderr: string }> {
  const r = await (options.runner ?? hostSpawner()).run(file, args, options);
  const stdout = r.stdout.toString('utf8');
  const stderr = r.stderr.toString('utf8');
  if (r.exitCode === 0 && !r.overflowed) return { stdout, stderr };
  const cmd = [file, ...args].join(' ');
  if (r.spawnError !== undefined)
    throw new CommandError(
      r.spawnError.message,
      r.spawnError.code ?? null,
      null,
      stdout,
      stderr,
      false,
    );
  if (r.aborted)
    throw new CommandError(
      `The operation was aborted: ${cmd}`,
      'ABORT_ERR',
      r.signal,
      stdout,
      stderr,
      true,
    );
  if (r.overflowed)
    throw new CommandError(
      `stdout or stderr maxBuffer length exceeded: ${cmd}`,
      'ERR_CHILD_PROCESS_STDIO_MAXBUFFER',
      r.signal,
      stdout,
      stderr,
      true,
    );
  throw new CommandError(
    `Command failed: ${cmd}\n${stderr}`,
    r.exitCode,
    r.signal,
    stdout,
    stderr,
    r.timedOut,
  );
}
