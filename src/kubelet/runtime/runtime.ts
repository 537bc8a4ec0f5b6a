/**
 * The container runtime contract the kubelet's pod workers use, with two implementations:
 * {@link RuncRuntime} (real containers through the runc CLI) and {@link SimulatedRuntime} (in
 * memory). It is the OCI-runtime level of CRI's container calls: the caller prepares the bundle
 * (rootfs and the spec from `buildContainerSpec`), the runtime runs it, reports its state and
 * exit, serves exec, and writes the container's output as a CRI-format log file.
 */
import type { Readable, Writable } from 'node:stream';
import type { OciSpec } from './oci-types.ts';

/** A container's lifecycle state (runc's states minus `paused`, which we never use). */
export type ContainerStatus = 'created' | 'running' | 'stopped';

/** What `createContainer` needs. */
export interface CreateContainerRequest {
  /** Unique among the runtime's containers: `[A-Za-z0-9][A-Za-z0-9_.-]*`, at most 1024 chars. */
  id: string;
  /** The bundle directory; the runtime writes `config.json` there. */
  bundleDir: string;
  /** The container's config; `root.path` must be an absolute path. */
  spec: OciSpec;
  /**
   * The CRI-format log file the container's stdout and stderr are appended to (created when
   * missing, the parent directory too); without it output is discarded.
   */
  logPath?: string;
  /** Labels kept with the container and returned by state/list (e.g. pod uid, container name). */
  labels?: Readonly<Record<string, string>>;
  /**
   * Keep the main process's stdin open as a pipe (the container's `stdin: true`), so
   * {@link ContainerRuntime.attach} can write to it. Terminal containers always have one.
   */
  stdin?: boolean;
}

/** A terminal size in character cells (remotecommand.TerminalSize). */
export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

/** A container as the runtime sees it. Plain data; the caller owns the returned object. */
export interface ContainerState {
  id: string;
  status: ContainerStatus;
  bundleDir: string;
  /** The init process's host PID while running. */
  pid?: number;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  /**
   * The exit code once stopped: the process's code, 128+signal when it died from a signal
   * (137 for SIGKILL, as the CRI reports). Undefined when unknown (a container found stopped
   * after a runtime restart).
   */
  exitCode?: number;
  /** Whether the kernel's OOM killer acted in the container's memory cgroup. */
  oomKilled: boolean;
  logPath?: string;
  labels: Record<string, string>;
}

/** The runtime's events. */
export type RuntimeEvent =
  | { type: 'started'; id: string; pid: number; at: Date }
  | { type: 'exit'; id: string; exitCode: number; oomKilled: boolean; at: Date }
  | { type: 'oom'; id: string; at: Date };

/** A command to run in a running container. */
export interface ExecRequest {
  /** argv; args[0] is looked up in the container's PATH by runc. */
  args: string[];
  /** Extra `KEY=VALUE` entries on top of the container's environment. */
  env?: string[];
  cwd?: string;
  /** Run with a terminal: stdout carries both streams, stderr gets nothing. */
  tty?: boolean;
  /** Bytes fed to the process's stdin; absent means /dev/null. */
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /** Aborting kills the exec'd process (SIGKILL) and rejects with the abort reason. */
  signal?: AbortSignal;
  /**
   * Terminal sizes to apply (with `tty`), in order, as `kubectl exec -it` sends them; the
   * first one usually arrives before the process started. Iteration ends with the session.
   */
  resize?: AsyncIterable<TerminalSize>;
}

/** Attaching to a running container's main process (`kubectl attach`). */
export interface AttachRequest {
  /** Written to the process's stdin (needs `stdin` at create, or a terminal). Not ended. */
  stdin?: Readable;
  /** The process's output from now on (with a terminal, everything arrives on stdout). */
  stdout?: Writable;
  stderr?: Writable;
  /** Terminal sizes for a terminal container. */
  resize?: AsyncIterable<TerminalSize>;
  /** Detaches (resolves) when aborted. */
  signal?: AbortSignal;
}

/** The outcome of an exec. */
export interface ExecResult {
  /** The process's exit code (128+signal when killed by a signal). */
  exitCode: number;
}

/** A container that does not exist (in this runtime's state root). */
export class ContainerNotFoundError extends Error {
  override readonly name = 'ContainerNotFoundError';
  constructor(readonly id: string) {
    super(`container ${JSON.stringify(id)} does not exist`);
  }
}

/** An operation not allowed in the container's state (start twice, exec when stopped...). */
export class ContainerStateError extends Error {
  override readonly name = 'ContainerStateError';
}

/** A container id runc accepts. */
export function isValidContainerId(id: string): boolean {
  return id.length > 0 && id.length <= 1024 && /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(id);
}

/**
 * The runtime. Every method is safe to call concurrently for different containers. Ids are the
 * caller's; creating an existing id fails.
 */
export interface ContainerRuntime {
  /** `runc` or `simulated`. */
  readonly name: string;
  /** Writes the bundle's config.json and creates the container (status `created`). */
  createContainer(req: CreateContainerRequest): Promise<ContainerState>;
  /** Starts the created container's process (status `running`). */
  startContainer(id: string): Promise<void>;
  /** The container's state, or undefined when it does not exist. */
  state(id: string): Promise<ContainerState | undefined>;
  /** Every container of this runtime (its state root), in creation order. */
  listContainers(): Promise<ContainerState[]>;
  /**
   * Sends a signal (name like `SIGTERM`/`TERM` or number) to the container's init process;
   * `all` signals every process of the container. A stopped container is a no-op.
   */
  kill(id: string, signal: string | number, opts?: { all?: boolean }): Promise<void>;
  /** Resolves with the exit code once the container stopped (at once if it already has). */
  wait(id: string, signal?: AbortSignal): Promise<{ exitCode: number; oomKilled: boolean }>;
  /** Removes the container, killing it first (SIGKILL) when still running. Idempotent. */
  deleteContainer(id: string): Promise<void>;
  /** Runs a process in the running container and resolves with its exit code. */
  exec(id: string, req: ExecRequest): Promise<ExecResult>;
  /**
   * Streams the running container's output to the request (and its stdin from it) until the
   * container exits or `req.signal` aborts; output written before the call is in the log.
   * Optional: runtimes without it cannot serve `kubectl attach`.
   */
  attach?(id: string, req: AttachRequest): Promise<void>;
  /** Subscribes to events; returns the unsubscribe function. Listeners must not throw. */
  subscribe(listener: (event: RuntimeEvent) => void): () => void;
  /** Releases the runtime's own resources (watchers); containers keep running. */
  close(): Promise<void>;
}

/** Signal numbers of Linux x86-64 for the names runc accepts. */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/**
 * A signal as a number: `SIGTERM`, `TERM`, `15` or 15 (an image's StopSignal uses any of these
 * forms). Throws on an unknown name.
 */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number') return signal;
  if (/^\d+$/.test(signal)) return Number(signal);
  const upper = signal.toUpperCase();
  const n = SIGNALS[upper.startsWith('SIG') ? upper : `SIG${upper}`];
  if (n === undefined) throw new Error(`unknown signal ${JSON.stringify(signal)}`);
  return n;
}
