/**
 * The prober of one pod as a pure state machine: upstream's pkg/kubelet/prober worker.go (one
 * worker per container and probe type), results managers and manager.UpdatePodStatus, without
 * goroutines or timers. The owner calls {@link PodProber.tick} when {@link PodProber.nextDue}
 * comes (or whenever the pod status changes), runs the returned {@link ProbeRequest}s with the
 * executors (probe-executors.ts) and hands each outcome back to {@link PodProber.complete}.
 *
 * Semantics kept from upstream:
 * - a worker probes every `periodSeconds` (the first probe right away, after a random part of a
 *   period when the kubelet has just started); a probe in flight skips ticks as Go's ticker does;
 * - nothing is probed before the container runs, nor before `initialDelaySeconds` have passed
 *   since it started (`int32(seconds) < delay`, truncated);
 * - liveness and readiness wait for the container to be started (the startup probe passed);
 *   startup stops probing once it passed;
 * - initial results per new container: readiness `failure`, liveness `success`, startup
 *   `unknown`; a result is stored only after `successThreshold` / `failureThreshold` equal
 *   results in a row; a failed liveness or startup result puts the worker on hold until a new
 *   container ID appears;
 * - a non-running container reads as `failure`; a worker stops when the container terminated
 *   and the pod's restartPolicy is Never, or when the pod is terminal;
 * - once the pod is being deleted, liveness and startup store `success` and stop;
 * - errored probes are thrown away (they neither count nor change the result).
 */
import type {
  Container,
  ContainerStatus,
  Pod,
  PodStatus,
  Probe,
} from 'kubernetes-types/core/v1.js';
import { interpretProbeOutcome, probeTiming } from './probe-spec.ts';
import type { ProbeEvent, ProbeOutcome, ProbeTiming } from './probe-spec.ts';
import { isRestartableInitContainer, probeOf } from './types.ts';
import type { ProbeResult, ProbeResultsView, ProbeType } from './types.ts';

/** A probe to run now. Identity is the object: pass the same object to `complete`. */
export interface ProbeRequest {
  readonly type: ProbeType;
  readonly containerName: string;
  /** The container instance probed (`runc://…`). */
  readonly containerID: string;
  readonly container: Container;
  readonly probe: Probe;
  /** The pod IP at the time of the tick (host default of httpGet/tcpSocket; grpc's host). */
  readonly podIP: string;
}

/** What completing a probe produced. */
export interface ProbeCompletion {
  /** Events to record on the container (Unhealthy / ProbeWarning), in order. */
  readonly events: readonly ProbeEvent[];
  /**
   * Whether a stored result changed: the pod worker should resync (upstream's results-manager
   * update channel; a liveness/startup failure means the container must be restarted).
   */
  readonly changed: boolean;
}

/** Options of a {@link PodProber}. */
export interface PodProberOptions {
  /** When the kubelet started (ms); probes of workers created within one period are jittered. */
  readonly kubeletStartedAt?: number;
  /** A source of [0,1) for that jitter (default Math.random). */
  readonly random?: () => number;
}

const INITIAL: Record<ProbeType, ProbeResult> = {
  readiness: 'failure',
  liveness: 'success',
  startup: 'unknown',
};

class Worker {
  containerID = '';
  lastResult: ProbeResult | undefined;
  resultRun = 0;
  onHold = false;
  stopped = false;
  inFlight: ProbeRequest | undefined;
  nextAt: number;
  readonly timing: ProbeTiming;

  constructor(
    readonly type: ProbeType,
    readonly container: Container,
    readonly probe: Probe,
    firstAt: number,
  ) {
    this.timing = probeTiming(probe);
    this.nextAt = firstAt;
  }

  get periodMs(): number {
    return Math.max(1, this.timing.periodSeconds) * 1000;
  }
}

/**
 * The probe workers and stored results of one pod. Not thread-safe by design: one owner (the
 * pod worker) drives it. Containers are matched by name; results are keyed by container ID.
 */
export class PodProber implements ProbeResultsView {
  private pod: Pod;
  private readonly workers = new Map<string, Worker>();
  private readonly results: Record<ProbeType, Map<string, ProbeResult>> = {
    liveness: new Map(),
    readiness: new Map(),
    startup: new Map(),
  };

  /** Creates workers for every probe of the regular and sidecar containers (AddPod). */
  constructor(pod: Pod, now: number, options: PodProberOptions = {}) {
    this.pod = pod;
    const random = options.random ?? Math.random;
    const containers = [
      ...(pod.spec?.initContainers ?? []).filter(isRestartableInitContainer),
      ...(pod.spec?.containers ?? []),
    ];
    for (const c of containers) {
      for (const type of ['startup', 'readiness', 'liveness'] as const) {
        const probe = probeOf(c, type);
        if (probe === undefined) continue;
        const periodMs = Math.max(1, probeTiming(probe).periodSeconds) * 1000;
        // Like worker.run: right after a kubelet restart, spread the first probes over a period.
        const recent =
          options.kubeletStartedAt !== undefined && now - options.kubeletStartedAt < periodMs;
        const first = recent ? now + Math.floor(random() * periodMs) : now;
        this.workers.set(key(c.name, type), new Worker(type, c, probe, first));
      }
    }
  }

  /** Replaces the pod (deletionTimestamp, spec.restartPolicy are read from it). */
  updatePod(pod: Pod): void {
    this.pod = pod;
  }

  /** Stops every worker and forgets all results (RemovePod / pod terminated). */
  stop(): void {
    for (const w of this.workers.values()) w.stopped = true;
    for (const m of Object.values(this.results)) m.clear();
  }

  /** Whether every worker has stopped. */
  get done(): boolean {
    for (const w of this.workers.values()) if (!w.stopped) return false;
    return true;
  }

  /** @inheritdoc */
  get(type: ProbeType, containerID: string): ProbeResult | undefined {
    return this.results[type].get(containerID);
  }

  /** @inheritdoc */
  hasWorker(containerName: string, type: ProbeType): boolean {
    const w = this.workers.get(key(containerName, type));
    return w !== undefined && !w.stopped;
  }

  /** @inheritdoc Probes at the next tick, whatever the period says. */
  trigger(containerName: string, type: ProbeType): void {
    const w = this.workers.get(key(containerName, type));
    if (w !== undefined && !w.stopped && w.inFlight === undefined) w.nextAt = -Infinity;
  }

  /**
   * When the next tick is due (ms), or undefined when no worker needs ticking (all stopped or in
   * flight). `-Infinity` means now.
   */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const w of this.workers.values()) {
      if (w.stopped || w.inFlight !== undefined) continue;
      if (min === undefined || w.nextAt < min) min = w.nextAt;
    }
    return min;
  }

  /**
   * Runs every due worker's doProbe against the pod's current API status and returns the probes
   * to execute. Workers not due are untouched. The returned requests are in flight until
   * {@link complete} is called with them.
   */
  tick(now: number, status: PodStatus): ProbeRequest[] {
    const out: ProbeRequest[] = [];
    for (const w of this.workers.values()) {
      if (w.stopped || w.inFlight !== undefined || w.nextAt > now) continue;
      // Go's ticker: the next tick is one period on, ticks missed while busy are dropped.
      w.nextAt = w.nextAt === -Infinity ? now + w.periodMs : nextTick(w.nextAt, w.periodMs, now);
      const req = this.doProbe(w, now, status);
      if (req !== undefined) {
        w.inFlight = req;
        out.push(req);
      }
    }
    return out;
  }

  /** Hands back the outcome of a request returned by {@link tick}. */
  complete(req: ProbeRequest, outcome: ProbeOutcome): ProbeCompletion {
    const w = this.workers.get(key(req.containerName, req.type));
    if (w === undefined || w.inFlight !== req) return { events: [], changed: false };
    w.inFlight = undefined;
    const interpreted = interpretProbeOutcome(req.type, outcome);
    const events = interpreted.event !== undefined ? [interpreted.event] : [];
    // A container that changed (or a worker stopped) while the probe ran: the result is stale.
    if (w.stopped || w.containerID !== req.containerID || interpreted.error) {
      return { events, changed: false };
    }
    const result = interpreted.result;
    if (w.lastResult === result) {
      w.resultRun++;
    } else {
      w.lastResult = result;
      w.resultRun = 1;
    }
    if (
      (result === 'failure' && w.resultRun < w.timing.failureThreshold) ||
      (result === 'success' && w.resultRun < w.timing.successThreshold)
    ) {
      return { events, changed: false };
    }
    const changed = this.set(w.type, w.containerID, result);
    if ((w.type === 'liveness' || w.type === 'startup') && result === 'failure') {
      // Probing stops until a new container appears (upstream #21751).
      w.onHold = true;
      w.resultRun = 0;
    }
    return { events, changed };
  }

  /**
   * manager.UpdatePodStatus: sets `started` and `ready` of every container status from the
   * stored results (a container without a startup probe is started once running; without a
   * readiness probe it is ready once started; a regular init container is ready when it exited
   * 0). Returns a copy; `status` is not changed. Triggers readiness probes that have no result.
   */
  applyToStatus(pod: Pod, status: PodStatus): PodStatus {
    return applyProbeResults(pod, status, this);
  }

  private set(type: ProbeType, containerID: string, result: ProbeResult): boolean {
    const m = this.results[type];
    const old = m.get(containerID);
    m.set(containerID, result);
    return old !== result;
  }

  private doProbe(w: Worker, now: number, status: PodStatus): ProbeRequest | undefined {
    const phase = status.phase;
    if (phase === 'Failed' || phase === 'Succeeded') {
      this.stopWorker(w);
      return undefined;
    }
    let c = (status.containerStatuses ?? []).find((s) => s.name === w.container.name);
    if (c?.containerID === undefined || c.containerID === '') {
      c = (status.initContainerStatuses ?? []).find((s) => s.name === w.container.name);
      if (c?.containerID === undefined || c.containerID === '') return undefined;
    }
    const cid = c.containerID ?? '';
    if (w.containerID !== cid) {
      if (w.containerID !== '') this.results[w.type].delete(w.containerID);
      w.containerID = cid;
      this.results[w.type].set(cid, INITIAL[w.type]);
      w.onHold = false;
      w.lastResult = undefined;
      w.resultRun = 0;
    }
    if (w.onHold) return undefined;
    const running = c.state?.running;
    if (running === undefined) {
      this.results[w.type].set(cid, 'failure');
      // Stop when the container will not be restarted.
      if (c.state?.terminated !== undefined && this.pod.spec?.restartPolicy === 'Never') {
        this.stopWorker(w, false);
      }
      return undefined;
    }
    if (
      this.pod.metadata?.deletionTimestamp !== undefined &&
      (w.type === 'liveness' || w.type === 'startup')
    ) {
      this.results[w.type].set(cid, 'success');
      this.stopWorker(w, false);
      return undefined;
    }
    const startedAt = running.startedAt !== undefined ? Date.parse(running.startedAt) : now;
    if (Math.trunc((now - startedAt) / 1000) < w.timing.initialDelaySeconds) return undefined;
    if (c.started === true) {
      if (w.type === 'startup') return undefined;
    } else if (w.type !== 'startup') {
      return undefined;
    }
    return {
      type: w.type,
      containerName: w.container.name,
      containerID: cid,
      container: w.container,
      probe: w.probe,
      podIP: status.podIP ?? '',
    };
  }

  private stopWorker(w: Worker, forget = true): void {
    w.stopped = true;
    // upstream removes the result when the worker exits; a terminated container keeps reading
    // as failure through the status (not running), so dropping it changes nothing visible.
    if (forget && w.containerID !== '') this.results[w.type].delete(w.containerID);
  }
}

function key(name: string, type: ProbeType): string {
  return `${type}/${name}`;
}

function nextTick(prev: number, period: number, now: number): number {
  if (prev + period > now) return prev + period;
  return prev + (Math.floor((now - prev) / period) + 1) * period;
}

/**
 * manager.UpdatePodStatus / isContainerStarted over any {@link ProbeResultsView}. Returns a copy
 * of `status` with `started` and `ready` set on container and init container statuses.
 */
export function applyProbeResults(pod: Pod, status: PodStatus, view: ProbeResultsView): PodStatus {
  const started = (s: ContainerStatus): boolean => {
    if (s.state?.running === undefined) return false;
    const r = s.containerID !== undefined ? view.get('startup', s.containerID) : undefined;
    if (r !== undefined) return r === 'success';
    return !view.hasWorker(s.name, 'startup');
  };
  const ready = (s: ContainerStatus): boolean => {
    if (s.state?.running === undefined) return false;
    const r = s.containerID !== undefined ? view.get('readiness', s.containerID) : undefined;
    if (r === 'success') return true;
    const exists = view.hasWorker(s.name, 'readiness');
    if (exists) view.trigger?.(s.name, 'readiness');
    return !exists;
  };
  const containerStatuses = (status.containerStatuses ?? []).map((s) => {
    const st = started(s);
    return { ...s, started: st, ready: st ? ready(s) : false };
  });
  const inits = pod.spec?.initContainers ?? [];
  const initContainerStatuses = (status.initContainerStatuses ?? []).map((s) => {
    const st = started(s);
    const spec = inits.find((c) => c.name === s.name);
    if (spec === undefined) return { ...s, started: st };
    if (!isRestartableInitContainer(spec)) {
      return { ...s, started: st, ready: s.state?.terminated?.exitCode === 0 ? true : s.ready };
    }
    return { ...s, started: st, ready: st ? ready(s) : false };
  });
  return {
    ...status,
    ...(status.containerStatuses !== undefined ? { containerStatuses } : {}),
    ...(status.initContainerStatuses !== undefined ? { initContainerStatuses } : {}),
  };
}
