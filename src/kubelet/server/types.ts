/**
 * The contract between the kubelet's HTTPS server and the kubelet (upstream
 * pkg/kubelet/server's `HostInterface` plus the CRI streaming runtime): the server parses,
 * authenticates, authorizes and speaks the streaming protocols; the backend finds pods and
 * runs things in containers. The lead's adapter implements {@link KubeletServerBackend} over
 * the pod workers and the container runtime.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodLogOptions } from '../lifecycle/index.ts';

/** A terminal size as client-go sends it on the resize stream (`{"Width":80,"Height":24}`). */
export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

/**
 * Terminal sizes in arrival order (upstream's `<-chan remotecommand.TerminalSize`). Iteration
 * ends when the client's resize stream ends or the session finishes. Only the latest pending
 * size matters; older ones are dropped when the consumer lags (bounded to one entry).
 */
export class TerminalSizeQueue implements AsyncIterable<TerminalSize> {
  #pending: TerminalSize | undefined;
  #closed = false;
  #wake: (() => void) | undefined;

  /** Queues a size (replacing an unconsumed one). Ignored after close. */
  push(size: TerminalSize): void {
    if (this.#closed) return;
    this.#pending = size;
    this.#wake?.();
  }

  /** Ends iteration once the pending size (if any) was consumed. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  /** The next size, or undefined once closed and drained. */
  async next(): Promise<TerminalSize | undefined> {
    for (;;) {
      const p = this.#pending;
      if (p !== undefined) {
        this.#pending = undefined;
        return p;
      }
      if (this.#closed) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    for (;;) {
      const s = await this.next();
      if (s === undefined) return;
      yield s;
    }
  }
}

/**
 * The client's streams for exec and attach. Absent streams were not requested. `stdin` ends
 * when the client half-closes it (v5 CLOSE, SPDY FIN) or goes away. With `tty`, stderr is never
 * present (upstream bypasses it) and `resize` carries the terminal sizes. `signal` aborts when
 * the client disconnects: the backend must then stop the process it started (exec) or detach.
 * The backend must not end stdout/stderr; the server does once the call settles.
 */
export interface ContainerStreams {
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  readonly stderr?: Writable;
  readonly tty: boolean;
  readonly resize?: TerminalSizeQueue;
  readonly signal: AbortSignal;
}

/** What a log request reads: the container instance's CRI log file and whether it still runs. */
export interface ContainerLogSource {
  /** The CRI-format log file (lifecycle `containerLogPath`), of restartCount − 1 for previous. */
  readonly path: string;
  /** Whether the container still runs (`follow` ends at EOF once false). */
  isRunning(): boolean | Promise<boolean>;
}

/**
 * The stats side (H4's provider): the Summary API object (stats/v1alpha1 `Summary`, plain
 * JSON) and the Prometheus text of `/metrics/resource`.
 */
export interface StatsProvider {
  /** `GET /stats/summary[?only_cpu_and_memory=true]`. */
  summary(onlyCpuAndMemory: boolean): Promise<object>;
  /** `GET /metrics/resource`: Prometheus text exposition format 0.0.4. */
  resourceMetrics(): Promise<string>;
}

/**
 * An error whose HTTP status and text the server sends as is (upstream writes such errors as
 * plain text with the status: go-restful's `WriteError`). Backends throw it for "container is
 * waiting to start" (400), unknown containers (404) and the like.
 */
export class KubeletServerError extends Error {
  override readonly name = 'KubeletServerError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the server needs from the kubelet. Pods are the kubelet's own (bound to this node);
 * returned objects are read-only. Methods throw {@link KubeletServerError} for client errors;
 * any other error is an internal error.
 */
export interface KubeletServerBackend {
  /** This node's name: the `name` of the nodes/* authorization attributes. */
  readonly nodeName: string;
  /** The pods the kubelet manages (`GET /pods`). */
  listPods(): readonly Pod[] | Promise<readonly Pod[]>;
  /** A pod by namespace and name (upstream `GetPodByName`), undefined when unknown. */
  getPodByName(namespace: string, name: string): Pod | undefined | Promise<Pod | undefined>;
  /**
   * Where to read a container's log (upstream `GetKubeletContainerLogs` minus the reading):
   * throws KubeletServerError 400 with upstream's texts for containers that never ran
   * (`container "x" in pod "p" is waiting to start: ContainerCreating`) or have no previous
   * instance (`previous terminated container "x" in pod "p" not found`).
   */
  containerLogs(pod: Pod, container: string, opts: PodLogOptions): Promise<ContainerLogSource>;
  /**
   * Runs `cmd` in the container (a `podUID` from the URL must match the pod's) with the
   * client's streams and resolves with its exit code; the server turns a non-zero code into
   * the NonZeroExitCode status. Resizes apply to the exec's terminal.
   */
  exec(
    pod: Pod,
    podUID: string | undefined,
    container: string,
    cmd: readonly string[],
    streams: ContainerStreams,
  ): Promise<{ exitCode: number }>;
  /**
   * Attaches to the container's main process: its output to stdout/stderr, stdin to its
   * stdin (when the container has `stdin: true`), resizes to its terminal. Resolves when the
   * process exits or the client leaves (`streams.signal`).
   */
  attach(
    pod: Pod,
    podUID: string | undefined,
    container: string,
    streams: ContainerStreams,
  ): Promise<void>;
  /**
   * Connects `stream` to `localhost:port` in the pod's network namespace and copies both ways
   * until both sides finished; rejects when the connection fails (`failed to connect to
   * localhost:80 inside namespace ...`). `signal` aborts when the client leaves.
   */
  portForward(
    pod: Pod,
    podUID: string | undefined,
    port: number,
    stream: Duplex,
    signal: AbortSignal,
  ): Promise<void>;
  /** Stats for `/stats/summary` and `/metrics/resource`; without it those paths are 404. */
  readonly stats?: StatsProvider;
  /** `/configz`'s `kubeletconfig` object; without it the path is 404. */
  configz?(): object;
}
