/**
 * The runtime's view of a pod that the lifecycle planners read: upstream's
 * `kubecontainer.PodStatus` (pkg/kubelet/container/runtime.go), reduced to what the kubelet's
 * decisions use. Times are milliseconds since the epoch. Everything here is plain data.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';

/** A container's state as the runtime reports it (kubecontainer.State). */
export type RuntimeContainerState = 'created' | 'running' | 'exited' | 'unknown';

/** One container instance the runtime knows of (kubecontainer.Status). */
export interface RuntimeContainerStatus {
  /** The full container ID as it appears in the API, `<runtime>://<id>` (e.g. `runc://4f2a…`). */
  readonly id: string;
  /** The container's name in the pod spec. */
  readonly name: string;
  readonly state: RuntimeContainerState;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Exit code of an exited container. */
  readonly exitCode?: number;
  /** `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`... see {@link terminatedReason}. */
  readonly reason?: string;
  /** The termination message (terminationMessagePath / FallbackToLogsOnError), when any. */
  readonly message?: string;
  /** The image as the spec names it. */
  readonly image: string;
  /** The resolved image (`docker.io/library/busybox@sha256:…`), reported as `imageID`. */
  readonly imageRef?: string;
  /** How many times this container was restarted before this instance (the instance's attempt). */
  readonly restartCount: number;
  /** {@link containerHash} of the spec the instance was created from; enables "definition changed". */
  readonly hash?: string;
}

/** The pod sandbox as the runtime reports it (runtimeapi.PodSandboxStatus). */
export interface RuntimeSandboxStatus {
  readonly id: string;
  /** SANDBOX_READY. */
  readonly ready: boolean;
  /** Metadata.Attempt: how many sandboxes were created before this one. */
  readonly attempt: number;
  /** The primary IP, empty or absent when the network is not set up. */
  readonly ip?: string;
  /** Whether the sandbox shares the host's network namespace. */
  readonly hostNetwork?: boolean;
  readonly createdAt?: number;
}

/** Everything the runtime knows about one pod (kubecontainer.PodStatus). */
export interface RuntimePodStatus {
  /** Newest first, as upstream sorts them. */
  readonly sandboxes: readonly RuntimeSandboxStatus[];
  /** All instances, current and exited, of every container (init, regular, ephemeral). */
  readonly containers: readonly RuntimeContainerStatus[];
  /** Pod IPs, primary first. */
  readonly ips?: readonly string[];
}

/** Probe kinds (upstream probeType). */
export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** A stored probe result (prober/results.Result). */
export type ProbeResult = 'success' | 'failure' | 'unknown';

/**
 * What the lifecycle planners need to know of the prober: the recorded result of a probe for a
 * container instance and whether a worker (i.e. a probe of that type) exists for a container.
 * {@link PodProber} implements it; {@link specProbeView} derives a view from the spec alone.
 */
export interface ProbeResultsView {
  /** The recorded result for `containerID`, undefined when nothing was recorded. */
  get(type: ProbeType, containerID: string): ProbeResult | undefined;
  /** Whether the container has a probe of this type (a worker exists). */
  hasWorker(containerName: string, type: ProbeType): boolean;
  /** Asks the worker to probe as soon as possible (UpdatePodStatus's manual readiness trigger). */
  trigger?(containerName: string, type: ProbeType): void;
}

/** A view with no recorded results and a worker for every probe in the spec. */
export function specProbeView(pod: Pod): ProbeResultsView {
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  return {
    get: () => undefined,
    hasWorker: (name, type) => {
      const c = all.find((x) => x.name === name);
      return c !== undefined && probeOf(c, type) !== undefined;
    },
  };
}

/** The container's probe of a type. */
export function probeOf(container: Container, type: ProbeType) {
  switch (type) {
    case 'liveness':
      return container.livenessProbe;
    case 'readiness':
      return container.readinessProbe;
    case 'startup':
      return container.startupProbe;
  }
}

/** Whether an init container is a sidecar (`restartPolicy: Always`, IsRestartableInitContainer). */
export function isRestartableInitContainer(container: Container): boolean {
  return container.restartPolicy === 'Always';
}

/**
 * The newest instance of a container by name (PodStatus.FindContainerStatusByName, which relies
 * on statuses sorted newest first; here the newest `createdAt` wins, ties by list order).
 */
export function findContainerStatusByName(
  status: RuntimePodStatus,
  name: string,
): RuntimeContainerStatus | undefined {
  let best: RuntimeContainerStatus | undefined;
  for (const c of status.containers) {
    if (c.name !== name) continue;
    if (best === undefined || c.createdAt > best.createdAt) best = c;
  }
  return best;
}

/** upstream format.Pod: `name_namespace(uid)`. */
export function formatPod(pod: Pod): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ''}_${m.namespace ?? ''}(${m.uid ?? ''})`;
}

/** Go's `time.Duration.String()` of a whole number of milliseconds (`40s`, `2m40s`, `5m0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let v = Math.abs(Math.trunc(ms));
  let out: string;
  if (v < 1000) {
    out = `${v}ms`;
  } else {
    const h = Math.floor(v / 3_600_000);
    v -= h * 3_600_000;
    const m = Math.floor(v / 60_000);
    v -= m * 60_000;
    const s = Math.floor(v / 1000);
    const frac = v % 1000;
    const secs = frac === 0 ? `${s}` : `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
    out = h > 0 ? `${h}h${m}m${secs}s` : m > 0 ? `${m}m${secs}s` : `${secs}s`;
  }
  return neg ? `-${out}` : out;
}

/** A Kubernetes Time (RFC 3339, whole seconds, UTC). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
