/**
 * The real kubelet's core: it makes this machine a Node (registration, Lease heartbeat, node
 * status) and runs the pods bound to it through the pod workers, as upstream 1.32's kubelet:
 *
 * - an informer on pods with `spec.nodeName=<node>`; every add/update/delete and every runtime
 *   event (a container started or exited) enqueues the pod's worker ({@link PodWorkers}: one
 *   sync per pod at a time, coalesced, resynced every 10 s);
 * - `syncPod` is level-triggered: it reads the runtime's view of the pod (containers found by
 *   their labels, so a restarted kubelet adopts what runs), decides with the lifecycle planners
 *   (`computePodActions`, `doBackOff`, image pull policy and back-off), acts through the
 *   {@link PodEnvironment} (sandbox, volumes, bundles) and the `ContainerRuntime`, and writes
 *   `buildPodStatus` through the {@link StatusManager} only when it changed;
 * - probes run in one `ProbeLoop` per pod whose result changes resync the pod;
 * - a pod with a deletionTimestamp is stopped gracefully (preStop, stop signal, grace period,
 *   SIGKILL), gets its terminal status, is torn down, then deleted with gracePeriodSeconds 0
 *   and a uid precondition; a pod in a terminal phase keeps its status and exited containers
 *   but its sandbox is stopped; containers of pods that no longer exist are removed at start.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Container, Pod, PodStatus, Taint } from 'kubernetes-types/core/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { isAlreadyExists, isConflict, isNotFound, parseQuantity } from '../../api/index.ts';
import type { Quantity } from '../../api/index.ts';
import {
  SharedInformer,
  newEventRecorder,
  realClock,
  unwrapTombstone,
} from '../../client/index.ts';
import type {
  Clientset,
  Clock,
  DeletedFinalStateUnknown,
  EventRecorder,
} from '../../client/index.ts';
import {
  DEFAULT_EVICTION_HARD,
  getPodQOS,
  nodeAllocatable,
  nodeCapacity,
  parseEvictionThresholds,
} from '../cgroups/index.ts';
import type { MachineInfo } from '../cgroups/index.ts';
import {
  CONTAINER_GC_PERIOD_MS,
  DEFAULT_CONTAINER_GC_POLICY,
  EvictionManager,
  planContainerGc,
} from '../eviction/index.ts';
import type {
  ContainerGcPolicy,
  EvictionStatus,
  GcContainer,
  PressureCondition,
  Threshold,
} from '../eviction/index.ts';
import type { Summary } from '../stats/index.ts';
import {
  IMAGE_GC_PERIOD_MS,
  PullBackOff,
  defaultPullPolicy,
  imageMessages,
  planImagePull,
  pullFailure,
} from '../images/index.ts';
import type { PullPolicy } from '../images/index.ts';
import {
  ContainerBackOff,
  backOffKey,
  PRE_STOP_FAILED_EVENT,
  PodProber,
  ProbeLoop,
  activeDeadlineExceeded,
  buildPodStatus,
  computePodActions,
  containerLogPath,
  doBackOff,
  isRestartableInitContainer,
  isTerminalPhase,
  nextRestartCount,
  planContainerStop,
  postStartHookFailed,
  runLifecycleHook,
  stopTimeoutSeconds,
  terminationOrder,
} from '../lifecycle/index.ts';
import type {
  ContainerKillReason,
  ExecRunner,
  ProbeOutcome,
  ProbeRequest,
  RuntimeContainerStatus,
  RuntimePodStatus,
  StartFailure,
} from '../lifecycle/index.ts';
import { OciSpecError } from '../runtime/index.ts';
import { nodeLease, renewedLease } from '../simulated/index.ts';
import type { ContainerRuntime, ContainerState, RuntimeEvent } from '../runtime/index.ts';
import { ContainerConfigError } from './environment.ts';
import type { ImageService, PodEnvironment, PodRef, PodSandbox } from './environment.ts';
import {
  DEFAULT_KUBELET_PORT,
  LEASE_RENEW_INTERVAL_MS,
  NODE_LEASE_NAMESPACE,
  NODE_STATUS_UPDATE_INTERVAL_MS,
  buildNodeStatus,
  initialNode,
  nodeLabels,
  reconcileExistingNode,
} from './node-status.ts';
import type {
  NodeHostInfo,
  NodePressure,
  NodeRegistration,
  NodeStatusInput,
} from './node-status.ts';
import { PodWorkers } from './pod-workers.ts';
import {
  Label,
  containerLabels,
  deadContainersToRemove,
  newestFirst,
  podRefOf,
  runtimePodStatus,
} from './runtime-status.ts';
import type { ContainerType } from './runtime-status.ts';
import { StatusManager } from './status-manager.ts';
import { traceEnabled, traceStep, traced } from '../spawner/index.ts';

/** Structured logger of the kubelet (constant messages, key/value fields). */
export interface KubeletLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link Kubelet}. */
export interface KubeletOptions {
  /** The node's own client (its identity `system:node:<name>`). */
  readonly clientset: Clientset;
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  readonly environment: PodEnvironment;
  readonly images: ImageService;
  /** CPU, memory, ephemeral storage, pid max of this machine (capacity). */
  readonly machine: MachineInfo;
  /** nodeInfo facts (host-probe.ts `readNodeHostInfo`). */
  readonly hostInfo: NodeHostInfo;
  /** The node's InternalIPs, primary first (also the pods' hostIP(s)). */
  readonly nodeIPs: readonly string[];
  /** The Hostname address; default the node name. */
  readonly hostname?: string;
  /** daemonEndpoints.kubeletEndpoint.Port; default 10250. */
  readonly kubeletPort?: number;
  /** Extra node labels (e.g. `node-role.kubernetes.io/control-plane: ""`). */
  readonly labels?: Readonly<Record<string, string>>;
  /** registerWithTaints. */
  readonly taints?: readonly Taint[];
  /** spec.podCIDR to register with when no IPAM controller assigns one. */
  readonly podCIDR?: string;
  /** kube-reserved / system-reserved quantities (`{cpu: '100m'}`). */
  readonly kubeReserved?: Readonly<Record<string, string>>;
  readonly systemReserved?: Readonly<Record<string, string>>;
  /** evictionHard; default upstream's (memory.available<100Mi, nodefs.available<10%...). */
  readonly evictionHard?: Readonly<Record<string, string>>;
  /** maxPods; default 110. */
  readonly maxPods?: number;
  /** Where container logs go (`/var/log/pods`). */
  readonly podLogsDir: string;
  /**
   * Pressure conditions, polled at every node status update. Default: the eviction manager's
   * (see {@link KubeletOptions.eviction}); without either, no pressure is ever reported.
   */
  readonly conditionsProvider?: () => NodePressure;
  /**
   * Node-pressure eviction (upstream's eviction manager, every `monitoringIntervalMs`): the
   * MemoryPressure/DiskPressure/PIDPressure conditions and the eviction of pods, killed through
   * their pod worker with the Failed/Evicted status. Absent: no eviction manager.
   */
  readonly eviction?: KubeletEvictionOptions;
  /**
   * Image garbage collection (an `ImageGcManager`): `garbageCollect` every `imageGcPeriodMs`
   * (5 min) once the node runs; `deleteUnusedImages` on demand by the eviction manager.
   */
  readonly imageGc?: KubeletImageGc;
  /** Period of the image GC loop (ms, default 5 min). */
  readonly imageGcPeriodMs?: number;
  /** Period of the dead container GC loop (ms, default 1 min, upstream ContainerGCPeriod); 0 = off. */
  readonly containerGcPeriodMs?: number;
  /** Dead container GC policy (default MinAge 0, MaxPerPodContainer 1, MaxContainers −1). */
  readonly containerGcPolicy?: ContainerGcPolicy;
  /**
   * The container log files on disk: removed with their container by the GC, and the log
   * directories of pods that are gone (upstream evictPodLogsDirectories). Absent: logs stay.
   */
  readonly containerLogs?: ContainerLogFiles;
  /** Why the node is not ready (runtime or network down), polled likewise; undefined = ready. */
  readonly notReadyReason?: () => string | undefined;
  readonly clock?: Clock;
  /** Default: a recorder writing core/v1 Events as component `kubelet` on this host. */
  readonly recorder?: EventRecorder;
  readonly log?: KubeletLogger;
  /** Runs one probe; default the lifecycle executors with exec through the runtime. */
  readonly runProbe?: (req: ProbeRequest) => Promise<ProbeOutcome>;
  /** Pod resync period (ms, default 10 s). */
  readonly resyncMs?: number;
  readonly leaseRenewMs?: number;
  readonly nodeStatusUpdateMs?: number;
}

/** What the kubelet's eviction manager needs (see {@link KubeletOptions.eviction}). */
export interface KubeletEvictionOptions {
  /** The thresholds (`parseThresholdConfig`); empty = the manager never acts. */
  readonly thresholds: readonly Threshold[];
  /** A fresh stats Summary of the node and its pods (`StatsProvider.summary`). */
  readonly summary: () => Promise<Summary>;
  /** evictionPressureTransitionPeriod (ms, default 5 min). */
  readonly pressureTransitionPeriodMs?: number;
  /** evictionMaxPodGracePeriod for soft thresholds (s, default 0). */
  readonly maxPodGracePeriodSeconds?: number;
  /** Images on their own filesystem (imagefs ≠ nodefs); default false. */
  readonly dedicatedImageFs?: boolean;
  /** The monitoring interval (ms, upstream 10 s). */
  readonly monitoringIntervalMs?: number;
}

/** The part of `ImageGcManager` the kubelet drives. */
export interface KubeletImageGc {
  /** One periodic collection (high/low thresholds); rejects when it could not free enough. */
  garbageCollect(): Promise<unknown>;
  /** Every unused image past the minimum age (eviction's reclaim). */
  deleteUnusedImages(): Promise<unknown>;
}

/** Container log files on disk (host-logs.ts `HostContainerLogs`; a fake in tests). */
export interface ContainerLogFiles {
  /** Removes a container's log file and its rotated siblings (`<path>.*`). Idempotent. */
  removeContainerLogs(logPath: string): Promise<void>;
  /**
   * Removes the pod log directories (`<ns>_<name>_<uid>`) under `podLogsDir` whose uid `keep`
   * rejects. Idempotent.
   */
  removePodLogDirs(podLogsDir: string, keep: (uid: string) => boolean): Promise<void>;
}

/** A container of a pod as the kubelet server needs it. */
export interface PodContainerInfo {
  readonly name: string;
  /** The runtime's id (no `runc://` prefix). */
  readonly id: string;
  readonly type: ContainerType;
  readonly state: ContainerState['status'];
  readonly restartCount: number;
  readonly logPath?: string;
}

interface PodRecord {
  readonly uid: string;
  pod: Pod;
  /** The pod is gone from the API (or was never there: an orphan found in the runtime). */
  deleted: boolean;
  /** Reason cache: why a container's last start failed. */
  readonly reasons: Map<string, StartFailure>;
  prober: PodProber | undefined;
  probeAbort: AbortController | undefined;
  probeLoop: ProbeLoop | undefined;
  /** The status last built. */
  status: PodStatus | undefined;
  sandbox: PodSandbox | undefined;
  sandboxStopped: boolean;
  /** An eviction the pod's next sync carries out (the eviction manager waits for `done`). */
  eviction: PendingEviction | undefined;
  /** Admission refused the pod (set when first seen); its next sync writes the rejection. */
  rejected: { readonly reason: string; readonly message: string } | undefined;
}

interface PendingEviction {
  readonly gracePeriodSeconds: number;
  readonly status: EvictionStatus;
  readonly done: () => void;
}

const POD_KIND = { apiVersion: 'v1', kind: 'Pod' } as const;
/** How soon a pod whose volumes failed to mount is synced again. */
const VOLUME_RETRY_MS = 2_000;

/** See the module comment. */
export class Kubelet {
  private readonly clock: Clock;
  private readonly recorder: EventRecorder;
  private readonly statusManager: StatusManager;
  private readonly workers: PodWorkers;
  private readonly pods = new Map<string, PodRecord>();
  private readonly backOff = new ContainerBackOff();
  private readonly pullBackOff = new PullBackOff();
  private readonly probeRuns = new Set<Promise<void>>();
  private nodeUid: string | undefined;
  private lease: Lease | undefined;
  private wakeStatus: (() => void) | undefined;
  private readonly startedAt: number;
  private readonly allocatable: Record<string, string>;
  private readonly capacity: Record<string, string>;
  private readonly registration: NodeRegistration;
  /** The eviction manager (absent without {@link KubeletOptions.eviction}). */
  readonly evictionManager: EvictionManager | undefined;
  /** The informer has listed every pod (upstream's sourcesReady): GC may judge pods by state. */
  private sourcesReady = false;
  /** Counters for tests and metrics. */
  readonly stats = {
    registrations: 0,
    leaseRenewals: 0,
    nodeStatusUpdates: 0,
    evictionCycles: 0,
    imageGcRuns: 0,
    containerGcRuns: 0,
  };

  constructor(private readonly opts: KubeletOptions) {
    this.clock = opts.clock ?? realClock;
    this.startedAt = this.clock.now();
    this.recorder =
      opts.recorder ??
      newEventRecorder(opts.clientset, {
        component: 'kubelet',
        host: opts.nodeName,
        clock: this.clock,
        resolveKind: (obj) =>
          (obj as { spec?: { containers?: unknown } }).spec?.containers !== undefined
            ? POD_KIND
            : { apiVersion: 'v1', kind: 'Node' },
      });
    this.statusManager = new StatusManager(opts.clientset.pods, opts.log);
    this.workers = new PodWorkers({
      clock: this.clock,
      sync: (uid, signal) => this.syncPod(uid, signal),
      ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
      onError: (uid, err) => {
        this.opts.log?.error('pod sync failed', { uid, err: errorText(err) });
      },
    });
    const resources = computeNodeResources(opts.machine, opts);
    this.capacity = resources.capacity;
    this.allocatable = resources.allocatable;
    this.registration = {
      labels: nodeLabels(opts.nodeName, opts.hostInfo.architecture, opts.labels ?? {}),
      ...(opts.taints !== undefined ? { taints: opts.taints } : {}),
      ...(opts.podCIDR !== undefined ? { podCIDR: opts.podCIDR } : {}),
    };
    const ev = opts.eviction;
    this.evictionManager =
      ev === undefined
        ? undefined
        : new EvictionManager({
            thresholds: ev.thresholds,
            ...(ev.pressureTransitionPeriodMs !== undefined
              ? { pressureTransitionPeriodMs: ev.pressureTransitionPeriodMs }
              : {}),
            ...(ev.maxPodGracePeriodSeconds !== undefined
              ? { maxPodGracePeriodSeconds: ev.maxPodGracePeriodSeconds }
              : {}),
            ...(ev.dedicatedImageFs !== undefined ? { dedicatedImageFs: ev.dedicatedImageFs } : {}),
            summary: ev.summary,
            activePods: () => this.activePods(),
            killPod: (pod, grace, status) => this.evictPod(pod, grace, status),
            ...(opts.imageGc !== undefined
              ? {
                  deleteUnusedImages: async () => {
                    await opts.imageGc?.deleteUnusedImages();
                  },
                }
              : {}),
            deleteAllUnusedContainers: async () => {
              await this.garbageCollectContainers(true);
            },
            recorder: this.recorder,
            // upstream's nodeRef for the node's events: uid = name.
            nodeRef: {
              apiVersion: 'v1',
              kind: 'Node',
              metadata: { name: opts.nodeName, uid: opts.nodeName },
            },
            now: () => this.clock.now(),
            ...(opts.log !== undefined ? { log: opts.log } : {}),
          });
  }

  /** The node name this kubelet runs. */
  get nodeName(): string {
    return this.opts.nodeName;
  }

  /** Pod syncs run so far (tests). */
  get syncCount(): number {
    return this.workers.syncs;
  }

  /**
   * Runs the node until `signal` aborts: registers the Node (retrying), keeps the Lease and the
   * node status fresh, watches the node's pods and runs them. Containers keep running after it
   * resolves (a restarted kubelet adopts them).
   */
  async run(signal: AbortSignal): Promise<void> {
    // The runtime's first list (runc's own, once per process: 100-200 ms at start-up) runs
    // beside the registration instead of in the first pod's sync.
    void this.opts.runtime.listContainers().catch(() => undefined);
    await this.registerNode(signal);
    if (signal.aborted) return;
    this.recorder.event(this.nodeRef(), 'Normal', 'Starting', 'Starting kubelet.');
    const loops = [this.leaseLoop(signal), this.statusLoop(signal)];
    const unsubscribe = this.opts.runtime.subscribe((e) => {
      this.onRuntimeEvent(e);
    });
    const informer = new SharedInformer<Pod>(this.opts.clientset.pods, {
      fieldSelector: `spec.nodeName=${this.opts.nodeName}`,
      onError: (err) => {
        this.opts.log?.error('pod watch failed', { err: errorText(err) });
      },
    });
    informer.addEventHandler({
      onAdd: (pod) => {
        this.podUpdated(pod);
      },
      onUpdate: (_old, pod) => {
        this.podUpdated(pod);
      },
      onDelete: (obj) => {
        this.podDeleted(obj);
      },
    });
    const informerDone = informer.run(signal);
    // The node's cgroups are made while the informer lists, not in the first pod's start.
    const prepared = this.opts.environment.prepareNode?.().catch((err: unknown) => {
      this.opts.log?.error('node preparation failed', { err: errorText(err) });
    });
    await informer.waitForSync(signal);
    await prepared;
    if (!aborted(signal)) {
      try {
        await this.cleanUpOrphans();
      } catch (err) {
        this.opts.log?.error('orphan cleanup failed', { err: errorText(err) });
      }
      this.sourcesReady = true;
      loops.push(this.evictionLoop(signal), this.imageGcLoop(signal), this.containerGcLoop(signal));
    }
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else
        signal.addEventListener(
          'abort',
          () => {
            resolve();
          },
          { once: true },
        );
    });
    unsubscribe();
    for (const rec of this.pods.values()) this.stopProbes(rec);
    await this.workers.stop();
    await Promise.allSettled([informerDone, ...loops, ...this.probeRuns]);
  }

  /** Resolves once no pod sync is running (tests; syncs started meanwhile are awaited too). */
  async idle(): Promise<void> {
    await this.workers.drain();
  }

  /** Asks for a node status update now (e.g. the eviction manager saw pressure change). */
  requestNodeStatusUpdate(): void {
    this.wakeStatus?.();
  }

  // ---- node -----------------------------------------------------------------------------

  private nodeRef(): Node {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.opts.nodeName,
        ...(this.nodeUid !== undefined ? { uid: this.nodeUid } : {}),
      },
    };
  }

  private async statusInput(): Promise<NodeStatusInput> {
    let images: NodeStatusInput['images'] = [];
    try {
      images = (await this.opts.images.list?.()) ?? [];
    } catch (err) {
      this.opts.log?.error('listing images failed', { err: errorText(err) });
    }
    const notReady = this.opts.notReadyReason?.();
    const pressure = this.opts.conditionsProvider?.() ?? this.evictionPressure();
    return {
      nodeName: this.opts.nodeName,
      internalIPs: this.opts.nodeIPs,
      hostname: this.opts.hostname ?? this.opts.nodeName,
      capacity: this.capacity,
      allocatable: this.allocatable,
      info: this.opts.hostInfo,
      kubeletPort: this.opts.kubeletPort ?? DEFAULT_KUBELET_PORT,
      images,
      ...(pressure !== undefined ? { pressure } : {}),
      ...(notReady !== undefined ? { notReadyReason: notReady } : {}),
      nowMs: this.clock.now(),
    };
  }

  /** registerWithAPIServer: create the Node, or take over an existing one; retried until done. */
  private async registerNode(signal: AbortSignal): Promise<void> {
    let delay = 100;
    while (!signal.aborted) {
      try {
        await this.tryRegister();
        this.stats.registrations++;
        this.opts.log?.info('node registered', { node: this.opts.nodeName });
        return;
      } catch (err) {
        this.opts.log?.error('node registration failed', { err: errorText(err) });
        await sleep(this.clock, delay, signal);
        delay = Math.min(delay * 2, 7_000);
      }
    }
  }

  private async tryRegister(): Promise<void> {
    const nodes = this.opts.clientset.nodes;
    const input = await this.statusInput();
    let node: Node;
    try {
      node = await nodes.create('', initialNode(this.registration, input));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      node = await nodes.get('', this.opts.nodeName);
      const next = reconcileExistingNode(node, this.registration);
      if (next !== undefined) node = await nodes.update('', next);
      // The API server keeps a Node's status on create/update: post it.
      node = await nodes.patch(
        '',
        this.opts.nodeName,
        'strategic',
        { status: buildNodeStatus(input, node.status) },
        { subresource: 'status' },
      );
    }
    this.nodeUid = node.metadata?.uid;
    await this.renewLease();
  }

  /** The lease controller: update the Lease last seen; get or create it when unknown. */
  private async renewLease(): Promise<void> {
    const leases = this.opts.clientset.leases;
    const name = this.opts.nodeName;
    const now = this.clock.now();
    if (this.lease !== undefined) {
      try {
        this.lease = await leases.update(
          NODE_LEASE_NAMESPACE,
          renewedLease(this.lease, name, this.nodeUid, now),
        );
        this.stats.leaseRenewals++;
        return;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
        this.lease = undefined;
      }
    }
    let current: Lease | undefined;
    try {
      current = await leases.get(NODE_LEASE_NAMESPACE, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.lease =
      current === undefined
        ? await leases.create(NODE_LEASE_NAMESPACE, nodeLease(name, this.nodeUid, now))
        : await leases.update(NODE_LEASE_NAMESPACE, renewedLease(current, name, this.nodeUid, now));
    this.stats.leaseRenewals++;
  }

  private async leaseLoop(signal: AbortSignal): Promise<void> {
    const period = this.opts.leaseRenewMs ?? LEASE_RENEW_INTERVAL_MS;
    while (!signal.aborted) {
      await sleep(this.clock, period, signal);
      if (aborted(signal)) return;
      try {
        await this.renewLease();
      } catch (err) {
        this.opts.log?.error('lease renewal failed', { err: errorText(err) });
      }
    }
  }

  private async statusLoop(signal: AbortSignal): Promise<void> {
    const period = this.opts.nodeStatusUpdateMs ?? NODE_STATUS_UPDATE_INTERVAL_MS;
    while (!signal.aborted) {
      // One sleep per round, cut short by requestNodeStatusUpdate (its timer is cancelled).
      const wake = new AbortController();
      const stop = (): void => {
        wake.abort();
      };
      signal.addEventListener('abort', stop, { once: true });
      this.wakeStatus = stop;
      await sleep(this.clock, period, wake.signal);
      signal.removeEventListener('abort', stop);
      this.wakeStatus = undefined;
      if (aborted(signal)) return;
      try {
        await this.updateNodeStatus();
      } catch (err) {
        this.opts.log?.error('node status update failed', { err: errorText(err) });
      }
    }
  }

  /** updateNodeStatus: read the Node, patch its status (re-registering when it vanished). */
  async updateNodeStatus(): Promise<void> {
    const nodes = this.opts.clientset.nodes;
    let current: Node;
    try {
      current = await nodes.get('', this.opts.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.tryRegister();
      return;
    }
    const status = buildNodeStatus(await this.statusInput(), current.status);
    const wasReady = current.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const ready = status.conditions?.find((c) => c.type === 'Ready')?.status;
    await nodes.patch('', this.opts.nodeName, 'strategic', { status }, { subresource: 'status' });
    this.stats.nodeStatusUpdates++;
    if (wasReady !== ready) {
      this.recorder.event(
        this.nodeRef(),
        'Normal',
        ready === 'True' ? 'NodeReady' : 'NodeNotReady',
        `Node ${this.opts.nodeName} status is now: ${ready === 'True' ? 'NodeReady' : 'NodeNotReady'}`,
      );
    }
  }

  // ---- housekeeping: eviction, image and container GC -----------------------------------

  /** The eviction manager's conditions as the node status wants them; undefined without one. */
  private evictionPressure(): NodePressure | undefined {
    const m = this.evictionManager;
    if (m === undefined) return undefined;
    const c = m.nodeConditions();
    return {
      memoryPressure: c.includes('MemoryPressure'),
      diskPressure: c.includes('DiskPressure'),
      pidPressure: c.includes('PIDPressure'),
    };
  }

  /**
   * upstream GetActivePods (filterOutInactivePods): the pods the node runs that are not in a
   * terminal phase, not gone, and not already being evicted.
   */
  private activePods(): Pod[] {
    const out: Pod[] = [];
    for (const rec of this.pods.values()) {
      if (rec.deleted || rec.eviction !== undefined) continue;
      if (isTerminalPhase(rec.status?.phase ?? rec.pod.status?.phase)) continue;
      out.push(rec.pod);
    }
    return out;
  }

  /**
   * killPodNow: hands the eviction to the pod's worker (so it never races the pod's own sync)
   * and resolves once the worker stopped the pod's containers and wrote the status.
   */
  private evictPod(pod: Pod, gracePeriodSeconds: number, status: EvictionStatus): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const rec = this.pods.get(uid);
    if (rec === undefined || rec.deleted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const previous = rec.eviction;
      rec.eviction = {
        gracePeriodSeconds,
        status,
        done: () => {
          previous?.done();
          resolve();
        },
      };
      this.workers.enqueue(uid);
    });
  }

  /**
   * The pod worker's side of an eviction (syncTerminatingPod with the eviction's status
   * function): the status with phase Failed, reason Evicted, the eviction message and the
   * DisruptionTarget condition is written first, then the containers are stopped with the
   * eviction's grace period, then the pod is finished as any terminal pod (sandbox stopped).
   */
  private async evictNow(rec: PodRecord, rs: RuntimePodStatus, ev: PendingEviction): Promise<void> {
    this.stopProbes(rec);
    const condition = ev.status.condition;
    rec.status = {
      ...(rec.status ?? {}),
      conditions: [
        ...(rec.status?.conditions ?? []).filter((c) => c.type !== condition.type),
        condition,
      ],
    };
    const evict = { reason: ev.status.reason, message: ev.status.message };
    await this.writeStatus(rec, rs, { evict });
    await this.killPod(rec, rs, ev.gracePeriodSeconds);
    await this.finishTerminalPod(rec, await this.runtimeStatus(rec));
  }

  /**
   * rejectPod: the event, and the status upstream writes for a pod that failed admission
   * (phase Failed, the reason, `Pod was rejected: <message>`); the pod never starts.
   */
  private async rejectPod(rec: PodRecord, reason: string, message: string): Promise<void> {
    this.event(rec, 'Warning', reason, message);
    const status: PodStatus = {
      qosClass: getPodQOS(rec.pod),
      phase: 'Failed',
      reason,
      message: `Pod was rejected: ${message}`,
    };
    rec.status = status;
    await this.statusManager.setPodStatus(rec.pod, status);
  }

  /**
   * The eviction manager's loop (upstream managerImpl.Start): a cycle every monitoring
   * interval; right after a cycle that evicted, the next one runs at once (the evicted pod's
   * containers are already stopped when killPod resolves, which is upstream's
   * waitForPodsCleanup). A change of the pressure conditions posts the node status at once.
   */
  private async evictionLoop(signal: AbortSignal): Promise<void> {
    const m = this.evictionManager;
    if (m === undefined) return;
    const interval = this.opts.eviction?.monitoringIntervalMs ?? 10_000;
    let before = conditionKey(m.nodeConditions());
    while (!signal.aborted) {
      let evicted: Pod[] = [];
      try {
        evicted = await m.synchronize();
      } catch (err) {
        this.opts.log?.error('Eviction manager: failed to synchronize', { err: errorText(err) });
      }
      this.stats.evictionCycles++;
      const after = conditionKey(m.nodeConditions());
      if (after !== before) this.requestNodeStatusUpdate();
      before = after;
      if (evicted.length === 0) await sleep(this.clock, interval, signal);
    }
  }

  /**
   * Image GC (upstream StartGarbageCollection): at once, then every period; a failure is
   * logged, and a repeated one also becomes the ImageGCFailed event on the node.
   */
  private async imageGcLoop(signal: AbortSignal): Promise<void> {
    const gc = this.opts.imageGc;
    if (gc === undefined) return;
    const period = this.opts.imageGcPeriodMs ?? IMAGE_GC_PERIOD_MS;
    let prevFailed = false;
    while (!signal.aborted) {
      try {
        await gc.garbageCollect();
        prevFailed = false;
      } catch (err) {
        if (prevFailed) {
          this.opts.log?.error('Image garbage collection failed multiple times in a row', {
            err: errorText(err),
          });
          this.recorder.event(this.nodeRef(), 'Warning', 'ImageGCFailed', errorText(err));
        } else {
          this.opts.log?.error(
            'Image garbage collection failed once. Stats initialization may not have completed yet',
            { err: errorText(err) },
          );
        }
        prevFailed = true;
      }
      this.stats.imageGcRuns++;
      await sleep(this.clock, period, signal);
    }
  }

  /** Container GC (upstream StartGarbageCollection): at once, then every minute. */
  private async containerGcLoop(signal: AbortSignal): Promise<void> {
    const period = this.opts.containerGcPeriodMs ?? CONTAINER_GC_PERIOD_MS;
    if (period <= 0) return;
    while (!signal.aborted) {
      try {
        await this.garbageCollectContainers(false);
      } catch (err) {
        this.opts.log?.error('Container garbage collection failed', { err: errorText(err) });
      }
      this.stats.containerGcRuns++;
      await sleep(this.clock, period, signal);
    }
  }

  /**
   * One dead container collection (kuberuntime containerGC.GarbageCollect): exited instances
   * beyond the newest one per (pod, container name) are removed with their log files; every
   * exited instance of a pod that is gone (or, with `evictNonDeletedPods`, eviction's
   * DeleteAllUnusedContainers, of a pod in a terminal phase) too; then the log directories of
   * pods the node no longer has. Running containers are never touched. Returns the ids removed.
   */
  async garbageCollectContainers(evictNonDeletedPods = false): Promise<string[]> {
    const all = await this.opts.runtime.listContainers();
    const byId = new Map<string, ContainerState>();
    const units: GcContainer[] = [];
    for (const c of all) {
      const ref = podRefOf(c);
      if (ref === undefined) continue;
      byId.set(c.id, c);
      units.push({
        id: c.id,
        podUid: ref.uid,
        name: c.labels[Label.containerName] ?? '',
        running: c.status !== 'stopped',
        createdAt: c.createdAt.getTime(),
      });
    }
    const ids = planContainerGc(
      units,
      this.opts.containerGcPolicy ?? DEFAULT_CONTAINER_GC_POLICY,
      this.clock.now(),
      {
        // A pod still known is finished by its own worker (terminatePod removes everything).
        shouldPodContentBeRemoved: (uid) => !this.pods.has(uid),
        shouldPodRuntimeBeRemoved: (uid) => {
          const rec = this.pods.get(uid);
          return (
            rec === undefined ||
            rec.deleted ||
            isTerminalPhase(rec.status?.phase ?? rec.pod.status?.phase)
          );
        },
      },
      { allSourcesReady: this.sourcesReady, evictNonDeletedPods },
    );
    const removed: string[] = [];
    for (const id of ids) {
      const state = byId.get(id);
      const ref = state === undefined ? undefined : podRefOf(state);
      if (state === undefined || ref === undefined) continue;
      try {
        await this.opts.runtime.deleteContainer(id);
        await this.opts.environment.cleanupContainer(id, ref);
        if (state.logPath !== undefined)
          await this.opts.containerLogs?.removeContainerLogs(state.logPath);
        removed.push(id);
      } catch (err) {
        this.opts.log?.error('Failed to remove container', { id, err: errorText(err) });
      }
    }
    if (this.sourcesReady) {
      await this.opts.containerLogs?.removePodLogDirs(this.opts.podLogsDir, (uid) =>
        this.pods.has(uid),
      );
    }
    return removed;
  }

  // ---- pod events -------------------------------------------------------------------------

  private podUpdated(pod: Pod): void {
    if (pod.spec?.nodeName !== this.opts.nodeName) return;
    const uid = pod.metadata?.uid ?? '';
    if (uid === '') return;
    let rec = this.pods.get(uid);
    if (rec === undefined) {
      rec = newRecord(uid, pod);
      this.pods.set(uid, rec);
      if (traceEnabled) traceStep(podKey(pod), 'pod added', performance.now());
      // HandlePodAdditions: a new pod passes the eviction manager's admission (under pressure
      // only some pods may start); a pod already terminal or being deleted needs none.
      const admit = this.evictionManager?.admit(pod);
      if (
        admit !== undefined &&
        !admit.admit &&
        pod.metadata?.deletionTimestamp === undefined &&
        !isTerminalPhase(pod.status?.phase)
      ) {
        rec.rejected = { reason: admit.reason, message: admit.message };
      }
    } else {
      rec.pod = pod;
      rec.prober?.updatePod(pod);
    }
    this.workers.enqueue(uid);
  }

  private podDeleted(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const uid = pod.metadata?.uid ?? '';
    const rec = this.pods.get(uid);
    if (rec === undefined) return;
    rec.deleted = true;
    this.workers.enqueue(uid);
  }

  private onRuntimeEvent(e: RuntimeEvent): void {
    void this.opts.runtime
      .state(e.id)
      .then((s) => {
        const ref = s === undefined ? undefined : podRefOf(s);
        if (ref !== undefined && this.pods.has(ref.uid)) this.workers.enqueue(ref.uid);
      })
      .catch(() => undefined);
  }

  /**
   * At start: containers (and host state) of pods this node no longer has are killed and
   * removed; containers of pods it still has are adopted by their next sync.
   */
  private async cleanUpOrphans(): Promise<void> {
    const refs = new Map<string, PodRef>();
    for (const c of await this.opts.runtime.listContainers()) {
      const ref = podRefOf(c);
      if (ref !== undefined) refs.set(ref.uid, ref);
    }
    for (const ref of (await this.opts.environment.listPods?.()) ?? []) refs.set(ref.uid, ref);
    for (const ref of refs.values()) {
      if (this.pods.has(ref.uid)) continue;
      const rec = newRecord(ref.uid, {
        metadata: { name: ref.name, namespace: ref.namespace, uid: ref.uid },
        spec: { containers: [] },
      });
      rec.deleted = true;
      this.pods.set(ref.uid, rec);
      this.workers.enqueue(ref.uid);
    }
  }

  // ---- pod sync ---------------------------------------------------------------------------

  private ref(rec: PodRecord): PodRef {
    const m = rec.pod.metadata ?? {};
    return { uid: rec.uid, name: m.name ?? '', namespace: m.namespace ?? '' };
  }

  private async runtimeStatus(rec: PodRecord): Promise<RuntimePodStatus> {
    const all = await this.opts.runtime.listContainers();
    rec.sandbox = await this.opts.environment.sandbox(this.ref(rec));
    return runtimePodStatus(rec.uid, all, rec.sandbox, this.opts.runtime.name);
  }

  private event(rec: PodRecord, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (rec.deleted && rec.pod.metadata?.resourceVersion === undefined) return;
    this.recorder.event({ ...rec.pod, ...POD_KIND }, type, reason, message);
  }

  /** One level-triggered sync of a pod (see the module comment). */
  private async syncPod(uid: string, signal: AbortSignal): Promise<number | null | undefined> {
    const rec = this.pods.get(uid);
    if (rec === undefined) return null;
    const pod = rec.pod;
    const key = traceEnabled ? podKey(pod) : '';
    let rs = await traced(key, 'runtime status', () => this.runtimeStatus(rec));

    const eviction = rec.eviction;
    if (eviction !== undefined) {
      rec.eviction = undefined;
      try {
        const gone = rec.deleted || pod.metadata?.deletionTimestamp !== undefined;
        if (!gone && !isTerminalPhase(rec.status?.phase ?? pod.status?.phase)) {
          await this.evictNow(rec, rs, eviction);
          return null;
        }
      } finally {
        eviction.done();
      }
    }

    if (rec.deleted || pod.metadata?.deletionTimestamp !== undefined) {
      await this.terminatePod(rec, rs);
      return null;
    }

    const rejected = rec.rejected;
    if (rejected !== undefined) {
      rec.rejected = undefined;
      await this.rejectPod(rec, rejected.reason, rejected.message);
      return null;
    }

    const now = this.clock.now();
    const phase = rec.status?.phase ?? pod.status?.phase;
    if (isTerminalPhase(phase)) {
      await this.finishTerminalPod(rec, rs);
      return null;
    }

    const deadline = activeDeadlineExceeded(
      pod,
      rec.status?.startTime ?? pod.status?.startTime,
      now,
    );
    if (deadline !== undefined) {
      this.event(rec, 'Warning', deadline.reason, deadline.message);
      await this.killPod(rec, rs);
      rs = await this.runtimeStatus(rec);
      await this.writeStatus(rec, rs, { podIsTerminal: true, evict: deadline });
      return 0;
    }

    const actions = computePodActions(pod, rs, rec.prober);
    if (actions.killPod) {
      await this.killPod(rec, rs);
      rs = await this.runtimeStatus(rec);
    }
    if (
      (actions.createSandbox || !actions.killPod) &&
      this.opts.environment.syncVolumes !== undefined
    ) {
      try {
        const sync = this.opts.environment.syncVolumes.bind(this.opts.environment);
        await traced(key, 'volumes', () => sync(pod, signal));
      } catch (err) {
        this.event(rec, 'Warning', 'FailedMount', errorText(err));
        if (actions.createSandbox) {
          // Containers cannot start without their volumes: stay ContainerCreating, retry soon.
          await this.writeStatus(rec, rs);
          return VOLUME_RETRY_MS;
        }
      }
    }
    if (actions.createSandbox) {
      try {
        if (rec.sandbox !== undefined) await this.opts.environment.stopSandbox(this.ref(rec));
        rec.sandbox = await traced(key, 'sandbox', () =>
          this.opts.environment.setUpPod(pod, actions.attempt, signal),
        );
        rec.sandboxStopped = false;
      } catch (err) {
        this.event(
          rec,
          'Warning',
          'FailedCreatePodSandBox',
          `Failed to create pod sandbox: ${errorText(err)}`,
        );
        await this.writeStatus(rec, rs);
        throw err;
      }
      rs = await this.runtimeStatus(rec);
    }
    const sandbox = rec.sandbox;

    for (const k of actions.containersToKill) {
      await this.killContainer(rec, rawId(k.containerID), k.container, {
        reason: k.reason,
        message: k.message,
      });
    }

    if (sandbox !== undefined && (actions.createSandbox || !actions.killPod)) {
      const inits = pod.spec?.initContainers ?? [];
      for (const i of actions.initContainersToStart) {
        const c = inits[i];
        if (c === undefined) continue;
        const started = await this.startContainer(rec, c, 'init', rs, sandbox, signal);
        // A regular init container must complete before the next one starts.
        if (!isRestartableInitContainer(c) || !started) break;
      }
      const containers = pod.spec?.containers ?? [];
      for (const i of actions.containersToStart) {
        const c = containers[i];
        if (c === undefined) continue;
        await traced(key, 'container', () =>
          this.startContainer(rec, c, 'regular', rs, sandbox, signal),
        );
      }
    }

    await traced(key, 'remove dead', () => this.removeDeadContainers(rec));
    rs = await traced(key, 'runtime status', () => this.runtimeStatus(rec));
    const status = await traced(key, 'write status', () => this.writeStatus(rec, rs));
    this.ensureProbes(rec, rs);
    if (isTerminalPhase(status.phase)) return 0;
    return this.nextSyncDelay(rec, rs);
  }

  /** When to resync: at the end of a back-off or the active deadline, if sooner than the period. */
  private nextSyncDelay(rec: PodRecord, rs: RuntimePodStatus): number | undefined {
    const now = this.clock.now();
    let delay: number | undefined;
    const sooner = (ms: number): void => {
      const v = Math.max(0, ms);
      if (delay === undefined || v < delay) delay = v;
    };
    for (const [name, failure] of rec.reasons) {
      if (failure.reason === 'CrashLoopBackOff') {
        const c = [
          ...(rec.pod.spec?.initContainers ?? []),
          ...(rec.pod.spec?.containers ?? []),
        ].find((x) => x.name === name);
        const exited = rs.containers.find((s) => s.name === name && s.state === 'exited');
        if (c !== undefined && exited !== undefined) {
          const key = backOffKey(rec.pod, c);
          sooner((exited.finishedAt ?? exited.createdAt) + this.backOff.get(key) - now);
        }
      } else if (failure.reason === 'ImagePullBackOff' || failure.reason === 'ErrImagePull') {
        sooner(1_000);
      }
    }
    const deadline = rec.pod.spec?.activeDeadlineSeconds;
    const start = rec.status?.startTime ?? rec.pod.status?.startTime;
    if (deadline !== undefined && start !== undefined) {
      sooner(Date.parse(start) + deadline * 1000 - now);
    }
    const resync = this.opts.resyncMs ?? 10_000;
    return delay !== undefined && delay < resync ? delay : undefined;
  }

  private async writeStatus(
    rec: PodRecord,
    rs: RuntimePodStatus,
    extra: { podIsTerminal?: boolean; evict?: { reason: string; message: string } } = {},
  ): Promise<PodStatus> {
    const status = buildPodStatus({
      pod: rec.pod,
      runtime: rs,
      ...(rec.status !== undefined ? { previous: rec.status } : {}),
      ...(rec.prober !== undefined ? { probes: rec.prober } : {}),
      reasons: rec.reasons,
      ...(extra.podIsTerminal !== undefined ? { podIsTerminal: extra.podIsTerminal } : {}),
      ...(extra.evict !== undefined ? { evict: extra.evict } : {}),
      hostIPs: this.opts.nodeIPs,
      now: this.clock.now(),
    });
    rec.status = status;
    if (!rec.deleted) await this.statusManager.setPodStatus(rec.pod, status);
    rec.probeLoop?.poke();
    return status;
  }

  // ---- containers -------------------------------------------------------------------------

  /** The kubelet's startContainer: back-off, image, create, start, postStart. */
  private async startContainer(
    rec: PodRecord,
    c: Container,
    type: ContainerType,
    rs: RuntimePodStatus,
    sandbox: PodSandbox,
    signal: AbortSignal,
  ): Promise<boolean> {
    const pod = rec.pod;
    const backOff = doBackOff(this.backOff, pod, c, rs, this.clock.now());
    if (backOff.inBackOff) {
      rec.reasons.set(c.name, { reason: backOff.reason, message: backOff.message });
      this.event(rec, backOff.event.type, backOff.event.reason, backOff.event.message);
      return false;
    }
    const key = traceEnabled ? podKey(pod) : '';
    const imageRef = await traced(key, 'image', () => this.ensureImage(rec, c, signal));
    if (imageRef === undefined) return false;
    const restartCount = nextRestartCount(rs, c.name);
    const id = randomBytes(32).toString('hex');
    const ref = this.ref(rec);
    const logPath = containerLogPath(this.opts.podLogsDir, ref, c.name, restartCount);
    try {
      const req = await traced(key, 'prepare container', () =>
        this.opts.environment.prepareContainer({
          pod,
          container: c,
          sandbox,
          id,
          imageRef,
          restartCount,
          logPath,
          labels: containerLabels(pod, c, type, restartCount, imageRef),
        }),
      );
      await traced(key, 'create container', () => this.opts.runtime.createContainer(req));
    } catch (err) {
      const msg = errorText(err);
      // A bundle made before the failure (rootfs mounted) must not leak.
      await this.opts.environment.cleanupContainer(id, ref).catch(() => undefined);
      const config = err instanceof ContainerConfigError || err instanceof OciSpecError;
      rec.reasons.set(c.name, {
        reason: config ? 'CreateContainerConfigError' : 'CreateContainerError',
        message: msg,
      });
      this.event(rec, 'Warning', 'Failed', `Error: ${msg}`);
      return false;
    }
    this.event(rec, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await traced(key, 'start container', () => this.opts.runtime.startContainer(id));
    } catch (err) {
      const msg = errorText(err);
      rec.reasons.set(c.name, { reason: 'RunContainerError', message: msg });
      this.event(rec, 'Warning', 'Failed', `Error: ${msg}`);
      return false;
    }
    this.event(rec, 'Normal', 'Started', `Started container ${c.name}`);
    rec.reasons.delete(c.name);
    const postStart = c.lifecycle?.postStart;
    if (postStart !== undefined) {
      const result = await runLifecycleHook(postStart, {
        pod,
        container: c,
        containerID: `${this.opts.runtime.name}://${id}`,
        podIP: sandbox.ips[0] ?? this.opts.nodeIPs[0] ?? '',
        timeoutMs: 2 ** 31 - 1,
        exec: this.execRunner(),
        signal,
      });
      if (!result.ok) {
        const failure = postStartHookFailed(pod, c, result.message);
        this.event(rec, failure.event.type, failure.event.reason, failure.event.message);
        await this.stopContainer(rec, id, c, failure.stop);
        rec.reasons.set(c.name, failure.startFailure);
        return false;
      }
    }
    return true;
  }

  /** EnsureImageExists: resolves the image reference, or undefined with the reason recorded. */
  private async ensureImage(
    rec: PodRecord,
    c: Container,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const image = c.image ?? '';
    const policy: PullPolicy =
      (c.imagePullPolicy as PullPolicy | undefined) ?? defaultPullPolicy(image);
    let present;
    try {
      present = await this.opts.images.present(image);
    } catch {
      present = undefined;
    }
    const key = PullBackOff.key(rec.uid, image);
    const decision = planImagePull({
      image,
      pullPolicy: policy,
      present: present !== undefined,
      inBackOff: this.pullBackOff.isInBackOffSinceUpdate(key, this.clock.now()),
    });
    switch (decision.action) {
      case 'use':
        this.event(rec, 'Normal', decision.event.reason, decision.event.message);
        return present?.imageRef;
      case 'fail':
        this.event(rec, decision.event.type, decision.event.reason, decision.event.message);
        this.event(rec, 'Warning', 'Failed', `Error: ${decision.reason}`);
        rec.reasons.set(c.name, { reason: decision.reason, message: decision.message });
        return undefined;
      case 'pull': {
        this.event(rec, 'Normal', decision.event.reason, decision.event.message);
        const t0 = this.clock.now();
        try {
          const img = await this.opts.images.pull(image, rec.pod, signal);
          const ms = this.clock.now() - t0;
          this.pullBackOff.reset(key);
          this.event(rec, 'Normal', 'Pulled', imageMessages.pulled(image, ms, ms, img.size));
          return img.imageRef;
        } catch (err) {
          this.pullBackOff.next(key, this.clock.now());
          const f = pullFailure(image, errorText(err));
          this.event(rec, f.event.type, f.event.reason, f.event.message);
          this.event(rec, 'Warning', 'Failed', `Error: ${f.reason}`);
          rec.reasons.set(c.name, { reason: f.reason, message: f.message });
          return undefined;
        }
      }
    }
  }

  private findContainerSpec(pod: Pod, name: string): Container {
    return (
      [
        ...(pod.spec?.initContainers ?? []),
        ...(pod.spec?.containers ?? []),
        ...((pod.spec?.ephemeralContainers ?? []) as Container[]),
      ].find((c) => c.name === name) ?? { name }
    );
  }

  /** killContainer with the plan of `planContainerStop` (reason/message from computePodActions). */
  private async killContainer(
    rec: PodRecord,
    id: string,
    c: Container,
    opts: {
      reason?: ContainerKillReason;
      message?: string;
      gracePeriodOverride?: number;
      waitFor?: readonly string[];
      waitElapsedMs?: number;
    },
  ): Promise<void> {
    const plan = planContainerStop({
      pod: rec.pod,
      container: c,
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
      ...(opts.message !== undefined ? { message: opts.message } : {}),
      ...(opts.gracePeriodOverride !== undefined
        ? { gracePeriodOverride: opts.gracePeriodOverride }
        : {}),
    });
    await this.stopContainer(rec, id, c, plan, opts.waitElapsedMs ?? 0);
  }

  private async stopContainer(
    rec: PodRecord,
    id: string,
    c: Container,
    plan: ReturnType<typeof planContainerStop>,
    waitElapsedMs = 0,
  ): Promise<void> {
    const runtime = this.opts.runtime;
    this.event(rec, plan.event.type, plan.event.reason, plan.event.message);
    const t0 = this.clock.now();
    if (plan.preStop !== undefined && plan.gracePeriodOverride === undefined) {
      const ac = new AbortController();
      const cancel = this.clock.setTimer(() => {
        ac.abort(new Error('preStop hook timed out'));
      }, plan.gracePeriodSeconds * 1000);
      try {
        const result = await runLifecycleHook(plan.preStop, {
          pod: rec.pod,
          container: c,
          containerID: `${runtime.name}://${id}`,
          podIP: rec.sandbox?.ips[0] ?? '',
          timeoutMs: plan.gracePeriodSeconds * 1000,
          exec: this.execRunner(),
          signal: ac.signal,
        });
        if (!result.ok) {
          this.event(
            rec,
            PRE_STOP_FAILED_EVENT.type,
            PRE_STOP_FAILED_EVENT.reason,
            PRE_STOP_FAILED_EVENT.message,
          );
        }
      } finally {
        cancel();
      }
    }
    const timeoutS = stopTimeoutSeconds(plan, this.clock.now() - t0, waitElapsedMs);
    try {
      await runtime.kill(id, plan.stopSignal);
    } catch {
      // Already gone or stopped: the wait below settles it.
    }
    if (await this.waitExit(id, timeoutS * 1000)) return;
    try {
      await runtime.kill(id, 'SIGKILL', { all: true });
    } catch {
      // As above.
    }
    await this.waitExit(id, 10_000);
  }

  /** Waits for a container to stop; false when `ms` passed first. */
  private async waitExit(id: string, ms: number): Promise<boolean> {
    const state = await this.opts.runtime.state(id);
    if (state === undefined || state.status !== 'running') return true;
    const ac = new AbortController();
    const cancel = this.clock.setTimer(() => {
      ac.abort(new Error('timed out'));
    }, ms);
    try {
      await this.opts.runtime.wait(id, ac.signal);
      return true;
    } catch {
      return false;
    } finally {
      cancel();
    }
  }

  /**
   * killPod: stops every running container of the pod in upstream's termination order
   * (sidecars after the regular containers, in reverse), each with its grace period.
   */
  private async killPod(
    rec: PodRecord,
    rs: RuntimePodStatus,
    gracePeriodOverride?: number,
  ): Promise<void> {
    this.stopProbes(rec);
    const running = rs.containers.filter((c) => c.state === 'running');
    const order = terminationOrder(
      rec.pod,
      running.map((c) => c.name),
    );
    const done = new Map<string, Promise<void>>();
    const t0 = this.clock.now();
    const stopOne = async (s: RuntimeContainerStatus): Promise<void> => {
      const waitFor = order.get(s.name) ?? [];
      await Promise.all(waitFor.flatMap((n) => done.get(n) ?? []));
      await this.killContainer(rec, rawId(s.id), this.findContainerSpec(rec.pod, s.name), {
        ...(gracePeriodOverride !== undefined ? { gracePeriodOverride } : {}),
        waitElapsedMs: this.clock.now() - t0,
      });
    };
    // Register every promise before any runs, so waitFor finds its dependencies.
    const pending: Array<() => void> = [];
    for (const s of running) {
      done.set(
        s.name,
        new Promise<void>((resolve) => {
          pending.push(resolve);
        }).then(() => stopOne(s)),
      );
    }
    for (const go of pending) go();
    await Promise.allSettled([...done.values()]);
    // Created-but-never-started instances must not start later.
    for (const s of rs.containers.filter((c) => c.state === 'created')) {
      await this.removeContainer(rec, rawId(s.id));
    }
  }

  /** removeContainer: the instance, its bundle, and its log files (upstream removeContainerLog). */
  private async removeContainer(rec: PodRecord, id: string): Promise<void> {
    const logs = this.opts.containerLogs;
    const logPath = logs === undefined ? undefined : (await this.opts.runtime.state(id))?.logPath;
    await this.opts.runtime.deleteContainer(id);
    await this.opts.environment.cleanupContainer(id, this.ref(rec));
    if (logPath !== undefined) await logs?.removeContainerLogs(logPath);
  }

  private async removeDeadContainers(rec: PodRecord): Promise<void> {
    const all = await this.opts.runtime.listContainers();
    for (const id of deadContainersToRemove(rec.uid, all)) await this.removeContainer(rec, id);
  }

  /** A pod in a terminal phase: containers stopped, sandbox stopped, status kept. */
  private async finishTerminalPod(rec: PodRecord, rs: RuntimePodStatus): Promise<void> {
    if (rs.containers.some((c) => c.state === 'running' || c.state === 'created')) {
      await this.killPod(rec, rs);
    } else {
      this.stopProbes(rec);
    }
    if (!rec.sandboxStopped) {
      await this.opts.environment.stopSandbox(this.ref(rec));
      rec.sandboxStopped = true;
    }
    const after = await this.runtimeStatus(rec);
    await this.writeStatus(rec, after, { podIsTerminal: true });
  }

  /**
   * A pod being deleted (or gone): stop its containers within the grace period, post the
   * terminal status, tear down its host state, remove its containers, then delete it for good.
   */
  private async terminatePod(rec: PodRecord, rs: RuntimePodStatus): Promise<void> {
    const override =
      rec.deleted && rec.pod.metadata?.deletionGracePeriodSeconds === undefined ? 0 : undefined;
    await this.killPod(rec, rs, override);
    const after = await this.runtimeStatus(rec);
    if (!rec.deleted && rec.pod.metadata?.resourceVersion !== undefined) {
      await this.writeStatus(rec, after, { podIsTerminal: true });
    }
    await this.opts.environment.tearDownPod(this.ref(rec));
    for (const c of after.containers) await this.removeContainer(rec, rawId(c.id));
    if (!rec.deleted) await this.statusManager.deletePod(rec.pod);
    this.pods.delete(rec.uid);
    this.statusManager.forget(rec.uid);
    this.workers.forget(rec.uid);
  }

  // ---- probes -------------------------------------------------------------------------------

  private execRunner(): ExecRunner {
    const runtime = this.opts.runtime;
    const clock = this.clock;
    return async (containerID, command, timeoutMs) => {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
      const ac = new AbortController();
      const state = { timedOut: false };
      const cancel = clock.setTimer(() => {
        state.timedOut = true;
        ac.abort(new Error('timed out'));
      }, timeoutMs);
      try {
        const r = await runtime.exec(rawId(containerID), {
          args: [...command],
          stdout: sink,
          stderr: sink,
          signal: ac.signal,
        });
        return { exitCode: r.exitCode, output: Buffer.concat(chunks).toString('utf8') };
      } catch (err) {
        if (state.timedOut) return { timedOut: true };
        throw err;
      } finally {
        cancel();
      }
    };
  }

  private ensureProbes(rec: PodRecord, rs: RuntimePodStatus): void {
    if (rec.prober !== undefined) return;
    const pod = rec.pod;
    const hasProbes = [
      ...(pod.spec?.initContainers ?? []).filter(isRestartableInitContainer),
      ...(pod.spec?.containers ?? []),
    ].some((c) => c.livenessProbe ?? c.readinessProbe ?? c.startupProbe);
    if (!hasProbes || !rs.containers.some((c) => c.state === 'running')) return;
    const prober = new PodProber(pod, this.clock.now(), { kubeletStartedAt: this.startedAt });
    const abort = new AbortController();
    const exec = this.execRunner();
    const loop = new ProbeLoop({
      prober,
      status: () => rec.status ?? {},
      now: () => this.clock.now(),
      ...(this.opts.runProbe !== undefined ? { run: this.opts.runProbe } : { executors: { exec } }),
      onEvent: (_req, e) => {
        this.event(rec, e.type, e.reason, e.message);
      },
      onChange: () => {
        this.workers.enqueue(rec.uid);
      },
    });
    rec.prober = prober;
    rec.probeAbort = abort;
    rec.probeLoop = loop;
    const p = loop
      .run(abort.signal)
      .catch((err: unknown) => {
        this.opts.log?.error('probe loop failed', { uid: rec.uid, err: errorText(err) });
      })
      .finally(() => this.probeRuns.delete(p));
    this.probeRuns.add(p);
  }

  private stopProbes(rec: PodRecord): void {
    rec.probeAbort?.abort();
    rec.prober?.stop();
    rec.probeAbort = undefined;
    rec.probeLoop = undefined;
    // The prober's results stay readable for the final status (ready=false once stopped).
  }

  // ---- what the kubelet server needs --------------------------------------------------------

  /**
   * The pod this node runs by namespace and name (and uid when given), or undefined. The
   * object is shared: do not mutate it.
   */
  getPod(namespace: string, name: string, uid?: string): Pod | undefined {
    for (const rec of this.pods.values()) {
      const m = rec.pod.metadata ?? {};
      if (rec.deleted || m.namespace !== namespace || m.name !== name) continue;
      if (uid !== undefined && uid !== '' && uid !== rec.uid) continue;
      return rec.pod;
    }
    return undefined;
  }

  /** upstream GetPodByName: {@link Kubelet.getPod} without a uid. */
  getPodByName(namespace: string, name: string): Pod | undefined {
    return this.getPod(namespace, name);
  }

  /** The pods this node runs (bound here and not yet removed); shared objects. */
  listPods(): Pod[] {
    return [...this.pods.values()].filter((r) => !r.deleted).map((r) => r.pod);
  }

  /** Every pod this node runs (not yet removed), with its runtime containers, newest first. */
  async listPodContainers(): Promise<Array<{ pod: Pod; containers: PodContainerInfo[] }>> {
    const all = await this.opts.runtime.listContainers();
    const out: Array<{ pod: Pod; containers: PodContainerInfo[] }> = [];
    for (const rec of this.pods.values()) {
      if (rec.deleted) continue;
      const containers = all
        .filter((c) => c.labels[Label.podUid] === rec.uid)
        .sort(newestFirst)
        .map(containerInfo);
      out.push({ pod: rec.pod, containers });
    }
    return out;
  }

  /**
   * A container instance of a pod: the current (newest) one, or with `previous` the one of the
   * container status's `lastState.terminated.containerID` (upstream validateContainerLogStatus:
   * while a container waits in CrashLoopBackOff that is its newest, exited, instance, which the
   * container GC keeps), else the instance before the newest. Undefined when there is none.
   */
  async containerInfo(
    podUid: string,
    containerName: string,
    opts: { previous?: boolean } = {},
  ): Promise<PodContainerInfo | undefined> {
    const all = (await this.opts.runtime.listContainers())
      .filter(
        (c) => c.labels[Label.podUid] === podUid && c.labels[Label.containerName] === containerName,
      )
      .sort(newestFirst);
    if (opts.previous === true) {
      const status = this.pods.get(podUid)?.status;
      const last = [
        ...(status?.containerStatuses ?? []),
        ...(status?.initContainerStatuses ?? []),
        ...(status?.ephemeralContainerStatuses ?? []),
      ].find((s) => s.name === containerName)?.lastState?.terminated?.containerID;
      if (last !== undefined && last !== '') {
        const id = rawId(last);
        const found = all.find((c) => c.id === id);
        return found === undefined ? undefined : containerInfo(found);
      }
    }
    const c = all[opts.previous === true ? 1 : 0];
    return c === undefined ? undefined : containerInfo(c);
  }

  /** The pod's network namespace path (exec into the pod's network for port-forward). */
  async podNetnsPath(podUid: string): Promise<string | undefined> {
    const rec = this.pods.get(podUid);
    if (rec === undefined) return undefined;
    const sandbox = rec.sandbox ?? (await this.opts.environment.sandbox(this.ref(rec)));
    return sandbox?.netnsPath;
  }
}

/** The reservations that make allocatable out of capacity (a subset of {@link KubeletOptions}). */
export interface NodeResourceOptions {
  readonly maxPods?: number;
  readonly evictionHard?: Readonly<Record<string, string>>;
  readonly kubeReserved?: Readonly<Record<string, string>>;
  readonly systemReserved?: Readonly<Record<string, string>>;
}

/**
 * The node's capacity and allocatable as the kubelet posts them (wire quantities): capacity from
 * the machine, allocatable = capacity − kube-reserved − system-reserved − hard eviction
 * thresholds (upstream's defaults unless `evictionHard` is given). Pure.
 */
export function computeNodeResources(
  machine: MachineInfo,
  opts: NodeResourceOptions = {},
): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const capacity = nodeCapacity(machine, {
    ...(opts.maxPods !== undefined ? { maxPods: opts.maxPods } : {}),
  });
  const alloc = nodeAllocatable(capacity, {
    hardEvictionThresholds: parseEvictionThresholds(opts.evictionHard ?? DEFAULT_EVICTION_HARD),
    ...(opts.kubeReserved !== undefined ? { kubeReserved: toResourceList(opts.kubeReserved) } : {}),
    ...(opts.systemReserved !== undefined
      ? { systemReserved: toResourceList(opts.systemReserved) }
      : {}),
  });
  return { capacity: fromResourceList(capacity), allocatable: fromResourceList(alloc) };
}

function newRecord(uid: string, pod: Pod): PodRecord {
  return {
    uid,
    pod,
    deleted: false,
    reasons: new Map(),
    prober: undefined,
    probeAbort: undefined,
    probeLoop: undefined,
    status: undefined,
    sandbox: undefined,
    sandboxStopped: false,
    eviction: undefined,
    rejected: undefined,
  };
}

function containerInfo(c: ContainerState): PodContainerInfo {
  const type = c.labels[Label.containerType];
  return {
    name: c.labels[Label.containerName] ?? '',
    id: c.id,
    type: type === 'init' || type === 'ephemeral' ? type : 'regular',
    state: c.status,
    restartCount: Number(c.labels[Label.restartCount] ?? '0') || 0,
    ...(c.logPath !== undefined ? { logPath: c.logPath } : {}),
  };
}

/** `runc://abc` → `abc`. */
function rawId(containerID: string): string {
  const i = containerID.indexOf('://');
  return i < 0 ? containerID : containerID.slice(i + 3);
}

/** Reads the flag through a call, so checks after an await are not narrowed away. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** A stable key of a set of pressure conditions (change detection). */
function conditionKey(conditions: readonly PressureCondition[]): string {
  return [...conditions].sort().join(',');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const cancel = clock.setTimer(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function toResourceList(list: Readonly<Record<string, string>>): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, v] of Object.entries(list)) out.set(k, parseQuantity(v));
  return out;
}

function fromResourceList(list: ReadonlyMap<string, Quantity>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of list) out[k] = v.toString();
  return out;
}

/** `namespace/name` of a pod (trace lines). */
function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}
