/**
 * {@link ContainerRuntime} in memory, for the simulated kubelet and for unit tests of the pod
 * workers. It keeps the same state machine and errors as the runc runtime: created → running →
 * stopped, exit codes 128+signal for signals (SIGTERM is ignored when the program says so, as a
 * PID 1 without a handler does; SIGKILL never is), CRI-format log records kept in memory.
 *
 * What a container "does" comes from a {@link SimulatedProgram} chosen per container by the
 * `program` option; tests drive exits with {@link SimulatedRuntime.exit}.
 */
import { formatCriLogLine } from './cri-log.ts';
import type { LogStream } from './cri-log.ts';
import {
  ContainerNotFoundError,
  ContainerStateError,
  isValidContainerId,
  signalNumber,
} from './runtime.ts';
import type {
  ContainerRuntime,
  ContainerState,
  CreateContainerRequest,
  ExecRequest,
  ExecResult,
  RuntimeEvent,
  AttachRequest,
} from './runtime.ts';

/** How a simulated container behaves. */
export interface SimulatedProgram {
  /** Written to the log when the container starts. */
  stdout?: string;
  stderr?: string;
  /** Exit by itself this long after start (a real timer); never when undefined. */
  exitAfterMs?: number;
  /** The code of that exit (default 0). */
  exitCode?: number;
  /** Whether that exit is an OOM kill. */
  oomKilled?: boolean;
  /** Signals the process ignores (SIGKILL cannot be ignored), e.g. `['SIGTERM']`. */
  ignoreSignals?: string[];
}

/** Options of {@link SimulatedRuntime}. */
export interface SimulatedRuntimeOptions {
  /** The program of a container; default: runs until signalled. */
  program?: (req: CreateContainerRequest) => SimulatedProgram;
  /** Handles exec; default exits 0 without output. */
  exec?: (id: string, req: ExecRequest) => ExecResult | Promise<ExecResult>;
  /** Handles attach (e.g. writes output); afterwards attach waits for exit or detach. */
  attach?: (id: string, req: AttachRequest) => void | Promise<void>;
  now?: () => Date;
  /** Fails `startContainer` with this message for the ids it returns a string for. */
  startError?: (id: string) => string | undefined;
}

interface SimRec {
  req: CreateContainerRequest;
  program: SimulatedProgram;
  state: ContainerState;
  log: Buffer[];
  timer?: ReturnType<typeof setTimeout>;
  waiters: Array<(e: { exitCode: number; oomKilled: boolean }) => void>;
}

let nextPid = 1000;

/** The in-memory runtime (see the module comment). */
export class SimulatedRuntime implements ContainerRuntime {
  readonly name = 'simulated';
  readonly #recs = new Map<string, SimRec>();
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  readonly #now: () => Date;

  constructor(private readonly opts: SimulatedRuntimeOptions = {}) {
    this.#now = opts.now ?? (() => new Date());
  }

  subscribe(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: RuntimeEvent): void {
    for (const l of this.#listeners) l(e);
  }

  #get(id: string): SimRec {
    const r = this.#recs.get(id);
    if (r === undefined) throw new ContainerNotFoundError(id);
    return r;
  }

  createContainer(req: CreateContainerRequest): Promise<ContainerState> {
    if (!isValidContainerId(req.id))
      return Promise.reject(new Error(`invalid container id ${JSON.stringify(req.id)}`));
    if (this.#recs.has(req.id))
      return Promise.reject(
        new ContainerStateError(`container ${JSON.stringify(req.id)} already exists`),
      );
    const state: ContainerState = {
      id: req.id,
      status: 'created',
      bundleDir: req.bundleDir,
      createdAt: this.#now(),
      oomKilled: false,
      ...(req.logPath !== undefined ? { logPath: req.logPath } : {}),
      labels: { ...(req.labels ?? {}) },
    };
    this.#recs.set(req.id, {
      req,
      program: this.opts.program?.(req) ?? {},
      state,
      log: [],
      waiters: [],
    });
    return Promise.resolve(copy(state));
  }

  startContainer(id: string): Promise<void> {
    try {
      const r = this.#get(id);
      if (r.state.status !== 'created')
        throw new ContainerStateError(`container ${id} is ${r.state.status}, not created`);
      const err = this.opts.startError?.(id);
      if (err !== undefined) {
        this.#finish(r, 128, false, false);
        throw new Error(`failed to start container ${id}: ${err}`);
      }
      r.state.status = 'running';
      r.state.pid = nextPid++;
      r.state.startedAt = this.#now();
      this.#emit({ type: 'started', id, pid: r.state.pid, at: r.state.startedAt });
      if (r.program.stdout !== undefined) this.writeLog(id, 'stdout', r.program.stdout);
      if (r.program.stderr !== undefined) this.writeLog(id, 'stderr', r.program.stderr);
      if (r.program.exitAfterMs !== undefined) {
        r.timer = setTimeout(() => {
          this.exit(id, r.program.exitCode ?? 0, { oomKilled: r.program.oomKilled === true });
        }, r.program.exitAfterMs);
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Appends output to the container's in-memory CRI log, one `F` record per line (a last line
   * without a newline becomes a `P` record).
   */
  writeLog(id: string, stream: LogStream, text: string): void {
    const r = this.#get(id);
    const lines = text.split('\n');
    const last = lines.pop() ?? '';
    const ns = BigInt(this.#now().getTime()) * 1_000_000n;
    for (const l of lines) r.log.push(formatCriLogLine(ns, stream, false, l));
    if (last !== '') r.log.push(formatCriLogLine(ns, stream, true, last));
  }

  /** The container's CRI log so far. */
  readLog(id: string): Buffer {
    return Buffer.concat(this.#get(id).log);
  }

  /** Ends a running container with `exitCode` (tests' way to make a container exit). */
  exit(id: string, exitCode: number, opts: { oomKilled?: boolean } = {}): void {
    const r = this.#get(id);
    if (r.state.status !== 'running') return;
    if (opts.oomKilled === true) this.#emit({ type: 'oom', id, at: this.#now() });
    this.#finish(r, exitCode, opts.oomKilled === true, true);
  }

  #finish(r: SimRec, exitCode: number, oomKilled: boolean, emit: boolean): void {
    if (r.timer !== undefined) clearTimeout(r.timer);
    delete r.timer;
    r.state.status = 'stopped';
    r.state.exitCode = exitCode;
    r.state.oomKilled = oomKilled;
    r.state.finishedAt = this.#now();
    delete r.state.pid;
    const e = { exitCode, oomKilled };
    for (const w of r.waiters.splice(0)) w(e);
    if (emit)
      this.#emit({ type: 'exit', id: r.state.id, exitCode, oomKilled, at: r.state.finishedAt });
  }

  state(id: string): Promise<ContainerState | undefined> {
    const r = this.#recs.get(id);
    return Promise.resolve(r === undefined ? undefined : copy(r.state));
  }

  listContainers(): Promise<ContainerState[]> {
    return Promise.resolve([...this.#recs.values()].map((r) => copy(r.state)));
  }

  kill(id: string, signal: string | number, _opts?: { all?: boolean }): Promise<void> {
    try {
      const r = this.#get(id);
      if (r.state.status !== 'running') return Promise.resolve();
      const n = signalNumber(signal);
      const ignored = (r.program.ignoreSignals ?? []).map(signalNumber);
      if (n !== 9 && ignored.includes(n)) return Promise.resolve();
      // Only terminating signals end the process; SIGCHLD, SIGWINCH, SIGURG, SIGCONT do not.
      if ([17, 18, 23, 28].includes(n)) return Promise.resolve();
      this.#finish(r, 128 + n, false, true);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  wait(id: string, signal?: AbortSignal): Promise<{ exitCode: number; oomKilled: boolean }> {
    const r = this.#recs.get(id);
    if (r === undefined) return Promise.reject(new ContainerNotFoundError(id));
    if (r.state.status === 'stopped')
      return Promise.resolve({ exitCode: r.state.exitCode ?? 255, oomKilled: r.state.oomKilled });
    return new Promise((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        const i = r.waiters.indexOf(done);
        if (i >= 0) r.waiters.splice(i, 1);
        reject(signal?.reason as Error);
      };
      const done = (e: { exitCode: number; oomKilled: boolean }): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(e);
      };
      r.waiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  deleteContainer(id: string): Promise<void> {
    const r = this.#recs.get(id);
    if (r !== undefined) {
      if (r.state.status === 'running') this.#finish(r, 137, false, true);
      this.#recs.delete(id);
    }
    return Promise.resolve();
  }

  async exec(id: string, req: ExecRequest): Promise<ExecResult> {
    const r = this.#get(id);
    if (r.state.status !== 'running')
      throw new ContainerStateError(`container ${id} is not running`);
    if (req.args.length === 0) throw new Error('exec needs a command');
    req.signal?.throwIfAborted();
    return this.opts.exec !== undefined ? await this.opts.exec(id, req) : { exitCode: 0 };
  }

  async attach(id: string, req: AttachRequest): Promise<void> {
    const r = this.#get(id);
    if (r.state.status !== 'running')
      throw new ContainerStateError(`container ${id} is not running`);
    await this.opts.attach?.(id, req);
    const ac = new AbortController();
    const onAbort = (): void => {
      ac.abort();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.signal?.aborted === true) ac.abort();
    try {
      await this.wait(id, ac.signal).catch(() => undefined);
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): Promise<void> {
    for (const r of this.#recs.values()) {
      if (r.timer !== undefined) clearTimeout(r.timer);
      delete r.timer;
    }
    return Promise.resolve();
  }
}

function copy(s: ContainerState): ContainerState {
  return { ...s, labels: { ...s.labels } };
}
