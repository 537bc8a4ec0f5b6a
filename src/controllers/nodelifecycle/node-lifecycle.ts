/**
 * The node lifecycle controller with the taint eviction controller (upstream
 * pkg/controller/nodelifecycle/node_lifecycle_controller.go and pkg/controller/tainteviction).
 *
 * Health: the controller remembers, in its own clock, when it last saw a node's heartbeat
 * change (its Lease in kube-node-lease renewed, or its Ready condition's lastHeartbeatTime
 * moved). A node not heard from for the grace period (40 s; 60 s for a node that never posted
 * status) gets Ready, MemoryPressure, DiskPressure and PIDPressure set to Unknown (reason
 * NodeStatusUnknown, "Kubelet stopped posting node status."). When Ready leaves True the node
 * gets a NodeNotReady event and its pods' Ready conditions are set False (MarkPodsNotReady).
 *
 * Taints: Ready=False → `node.kubernetes.io/not-ready`, Ready=Unknown →
 * `node.kubernetes.io/unreachable`, each as NoExecute (with timeAdded) and NoSchedule; pressure
 * conditions, NetworkUnavailable and spec.unschedulable → their NoSchedule taints. Taints are
 * removed when the condition clears. Adding a NoExecute not-ready/unreachable taint is
 * rate-limited per zone and stops when every zone is down (zones.ts); swapping one for the other
 * and removing them are not.
 *
 * Eviction: a pod on a node with NoExecute taints it does not all tolerate is deleted at once;
 * one that tolerates them all for a limited tolerationSeconds is deleted when the shortest of
 * those expires (counted from when the controller first scheduled it); before deletion the pod
 * gets the DisruptionTarget condition (reason DeletionByTaintManager).
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { isNotFound, toleratesTaint } from '../../api/index.ts';
import { BUILTIN_RESOURCES, realClock } from '../../client/index.ts';
import type {
  Clientset,
  Clock,
  DeletedFinalStateUnknown,
  EventRecorder,
  InformerFactory,
  Lister,
} from '../../client/index.ts';
import type { CancelTimer, RateLimitingQueue } from '../../client/workqueue/index.ts';
import {
  Controller,
  NOOP_LOGGER,
  errorMessage,
  formatTime,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';
import { DEFAULT_DISRUPTION_POLICY, ZoneTracker, isNodeReady, zoneKey } from './zones.ts';
import type { DisruptionPolicy, DisruptionView } from './zones.ts';

/** The namespace of node Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** upstream nodeMonitorGracePeriod default: 50 s since 1.32 (kubernetes#126287; 40 s before). */
export const NODE_MONITOR_GRACE_PERIOD_MS = 50_000;
/** upstream nodeStartupGracePeriod default (60 s). */
export const NODE_STARTUP_GRACE_PERIOD_MS = 60_000;
/** upstream nodeMonitorPeriod default (5 s): how often each node is re-checked. */
export const NODE_MONITOR_PERIOD_MS = 5_000;

/** Taint keys (upstream v1.TaintNode*). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';

/** The keys of the taints this controller owns. */
const MANAGED_TAINT_KEYS = new Set([
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_PID_PRESSURE,
]);

/** What the controller needs; the lead wires these in the controller-manager. */
export interface NodeLifecycleControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records NodeNotReady (node and pods) and TaintManagerEviction events. */
  readonly recorder: EventRecorder;
  /** Default: a new rate-limited queue named `node-lifecycle`; keys are node names. */
  readonly queue?: RateLimitingQueue<string>;
  /** Time and timers (heartbeats, grace periods, tolerationSeconds); default the real clock. */
  readonly clock?: Clock;
  readonly nodeMonitorGracePeriodMs?: number;
  readonly nodeStartupGracePeriodMs?: number;
  readonly nodeMonitorPeriodMs?: number;
  /** Eviction rates and zone thresholds (defaults: upstream's flags' defaults). */
  readonly disruption?: Partial<DisruptionPolicy>;
  readonly logger?: ControllerLogger;
}

/** The NoExecute taints that evict pods from an unhealthy node (rate-limited per zone). */
const isEvictionTaint = (t: Taint): boolean =>
  t.effect === 'NoExecute' && (t.key === TAINT_NODE_NOT_READY || t.key === TAINT_NODE_UNREACHABLE);

/** How often at most the zones are recomputed from all nodes (and on every Ready change). */
const ZONE_REFRESH_MS = 1_000;

interface NodeHealth {
  /** When the controller last saw a heartbeat change (its clock). */
  probeTimestamp: number;
  heartbeat: string;
  leaseRenewTime: string;
  /** The Ready status seen at the last sync. */
  readyStatus: string;
}

interface ScheduledEviction {
  createdAt: number;
  fireAt: number;
  cancel: CancelTimer;
}

/**
 * Whether every taint is tolerated, and the first toleration of each (upstream
 * GetMatchingTolerations).
 */
export function getMatchingTolerations(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): { allTolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (t === undefined) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

/**
 * The shortest tolerationSeconds of `tolerations` in ms (upstream getMinTolerationTime): 0
 * without tolerations or with one of 0 or less; -1 (forever) when none has a limit.
 */
export function getMinTolerationTime(tolerations: readonly Toleration[]): number {
  if (tolerations.length === 0) return 0;
  let min = Infinity;
  for (const t of tolerations) {
    if (t.tolerationSeconds === undefined) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

/** The controller's taints for the node's conditions (upstream tainting passes). */
export function desiredTaints(node: Node, nowIso: string): Taint[] {
  const cond = (type: string): string | undefined =>
    node.status?.conditions?.find((c) => c.type === type)?.status;
  const out: Taint[] = [];
  const ready = cond('Ready');
  if (ready === 'False') {
    out.push({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute', timeAdded: nowIso });
    out.push({ key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' });
  } else if (ready === 'Unknown') {
    out.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', timeAdded: nowIso });
    out.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' });
  }
  if (cond('MemoryPressure') === 'True') {
    out.push({ key: TAINT_NODE_MEMORY_PRESSURE, effect: 'NoSchedule' });
  }
  if (cond('DiskPressure') === 'True') {
    out.push({ key: TAINT_NODE_DISK_PRESSURE, effect: 'NoSchedule' });
  }
  if (cond('NetworkUnavailable') === 'True') {
    out.push({ key: TAINT_NODE_NETWORK_UNAVAILABLE, effect: 'NoSchedule' });
  }
  if (cond('PIDPressure') === 'True')
    out.push({ key: TAINT_NODE_PID_PRESSURE, effect: 'NoSchedule' });
  if (node.spec?.unschedulable === true) {
    out.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  }
  return out;
}

const taintId = (t: Taint): string => `${t.key}:${t.effect}`;

/** The node lifecycle and taint eviction controller (`node-lifecycle`); see the module comment. */
export class NodeLifecycleController {
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  private readonly nodeLister: Lister<Node>;
  private readonly podLister: Lister<Pod>;
  private readonly leaseLister: Lister<Lease>;
  private readonly clock: Clock;
  private readonly grace: number;
  private readonly startupGrace: number;
  private readonly period: number;
  private readonly logger: ControllerLogger;
  private readonly health = new Map<string, NodeHealth>();
  private readonly evictions = new Map<string, ScheduledEviction>();
  private readonly zones: ZoneTracker;
  private zoneView: DisruptionView = {
    states: new Map(),
    allFullyDisrupted: false,
    leftFullDisruption: false,
  };
  private zonesAt = -Infinity;

  constructor(private readonly opts: NodeLifecycleControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.grace = opts.nodeMonitorGracePeriodMs ?? NODE_MONITOR_GRACE_PERIOD_MS;
    this.startupGrace = opts.nodeStartupGracePeriodMs ?? NODE_STARTUP_GRACE_PERIOD_MS;
    this.period = opts.nodeMonitorPeriodMs ?? NODE_MONITOR_PERIOD_MS;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.zones = new ZoneTracker({ ...DEFAULT_DISRUPTION_POLICY, ...opts.disruption });
    const f = opts.informers;
    const nodeInformer = f.informer<Node>(BUILTIN_RESOURCES.nodes);
    const podInformer = f.informer<Pod>(BUILTIN_RESOURCES.pods);
    const leaseInformer = f.informer<Lease>(BUILTIN_RESOURCES.leases);
    this.nodeLister = nodeInformer.lister;
    this.podLister = podInformer.lister;
    this.leaseLister = leaseInformer.lister;
    podInformer.addIndexers({ nodeName: (p) => [p.spec?.nodeName ?? ''] });
    this.controller = new Controller({
      name: 'node-lifecycle',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [nodeInformer, podInformer, leaseInformer],
      logger: this.logger,
    });
    nodeInformer.addEventHandler({
      onAdd: (n) => {
        this.controller.enqueue(n);
      },
      onUpdate: (_o, n) => {
        this.controller.enqueue(n);
      },
      onDelete: (n) => {
        this.controller.enqueue(n);
      },
    });
    leaseInformer.addEventHandler({
      onAdd: (l) => {
        this.onLease(l);
      },
      onUpdate: (_o, l) => {
        this.onLease(l);
      },
    });
    podInformer.addEventHandler({
      onAdd: (p) => {
        this.onPod(p);
      },
      onUpdate: (o, p) => {
        if (
          o.spec?.nodeName !== p.spec?.nodeName ||
          JSON.stringify(o.spec?.tolerations) !== JSON.stringify(p.spec?.tolerations)
        ) {
          this.onPod(p);
        }
      },
      onDelete: (obj) => {
        this.cancelEviction(podNsName(unwrapTombstone(obj)), undefined);
      },
    });
  }

  /** Waits for the caches, then syncs with `workers` workers until `signal` aborts. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    try {
      await this.controller.run(signal, workers);
    } finally {
      for (const e of this.evictions.values()) e.cancel();
      this.evictions.clear();
    }
  }

  private onLease(l: Lease | DeletedFinalStateUnknown<Lease>): void {
    const lease = unwrapTombstone(l);
    if (lease.metadata?.namespace !== NODE_LEASE_NAMESPACE) return;
    this.controller.queue.add(lease.metadata.name ?? '');
  }

  private onPod(p: Pod): void {
    const node = p.spec?.nodeName ?? '';
    if (node !== '') this.controller.queue.add(node);
  }

  /** The evictions scheduled, `namespace/name` → due time in ms (for tests and debugging). */
  scheduledEvictions(): Map<string, number> {
    return new Map([...this.evictions].map(([k, v]) => [k, v.fireAt]));
  }

  /**
   * Checks one node (key = node name): its health, its taints, its pods' readiness and taint
   * evictions; re-checks it after the monitor period. Rejects on API errors (retried).
   */
  async sync(nodeName: string): Promise<void> {
    const cached = this.nodeLister.get('', nodeName);
    if (cached === undefined) {
      this.health.delete(nodeName);
      for (const pod of this.podLister.byIndex('nodeName', nodeName)) {
        this.cancelEviction(podNsName(pod), undefined);
      }
      return;
    }
    const wasReady = isNodeReady(cached);
    // No copy: the health check and the taint reconciliation build new objects for what they
    // write (a structuredClone of every Node on every sync was this controller's main cost).
    let node = await this.tryUpdateNodeHealth(cached);
    this.refreshZones(node, isNodeReady(node) !== wasReady);
    const tainted = await this.reconcileTaints(node);
    node = tainted.node;
    this.processPods(node);
    this.controller.queue.addAfter(nodeName, Math.min(this.period, tainted.retryInMs));
  }

  /** The zones' states (for tests and debugging). */
  zoneStates(): Map<string, string> {
    return new Map(this.zoneView.states);
  }

  /**
   * upstream handleDisruption, from the cached nodes (with `node`'s fresh state): at most once a
   * second, and whenever a node's readiness changed.
   */
  private refreshZones(node: Node, readinessChanged: boolean): void {
    const now = this.clock.now();
    if (!readinessChanged && now - this.zonesAt < ZONE_REFRESH_MS) return;
    this.zonesAt = now;
    const name = node.metadata?.name ?? '';
    const nodes = this.nodeLister.list().map((n) => (n.metadata?.name === name ? node : n));
    const before = this.zoneView.allFullyDisrupted;
    this.zoneView = this.zones.update(nodes, now);
    if (this.zoneView.allFullyDisrupted !== before) {
      this.logger.info(
        this.zoneView.allFullyDisrupted
          ? 'all nodes are not ready: entering full disruption mode (no NoExecute taints)'
          : 'some nodes are ready: leaving full disruption mode',
      );
    }
    if (this.zoneView.leftFullDisruption) {
      // Every node gets a fresh grace period, as upstream resets its health records.
      for (const h of this.health.values()) h.probeTimestamp = now;
    }
  }

  /** upstream tryUpdateNodeHealth + the NotReady handling of monitorNodeHealth. */
  private async tryUpdateNodeHealth(node: Node): Promise<Node> {
    const name = node.metadata?.name ?? '';
    const now = this.clock.now();
    const conditions = node.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === 'Ready');
    const lease = this.leaseLister.get(NODE_LEASE_NAMESPACE, name);
    const heartbeat = ready?.lastHeartbeatTime ?? '';
    const renew = lease?.spec?.renewTime ?? '';
    let h = this.health.get(name);
    if (h === undefined) {
      h = {
        probeTimestamp: now,
        heartbeat,
        leaseRenewTime: renew,
        readyStatus: ready?.status ?? '',
      };
      this.health.set(name, h);
    } else {
      if (heartbeat !== h.heartbeat) {
        h.heartbeat = heartbeat;
        h.probeTimestamp = now;
      }
      if (renew !== '' && renew !== h.leaseRenewTime) {
        h.leaseRenewTime = renew;
        h.probeTimestamp = now;
      }
    }
    const grace = ready === undefined ? this.startupGrace : this.grace;
    const observed = ready?.status ?? '';
    let changed = false;
    if (now > h.probeTimestamp + grace) {
      const nowIso = formatTime(now);
      const created = node.metadata?.creationTimestamp;
      const next: NodeCondition[] = conditions.map((c) => ({ ...c }));
      const neverPosted = (type: string): NodeCondition => ({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        ...(created !== undefined ? { lastHeartbeatTime: created } : {}),
        lastTransitionTime: nowIso,
      });
      for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
        const c = next.find((x) => x.type === type);
        if (c === undefined) {
          next.push(neverPosted(type));
          changed = true;
        } else if (c.status !== 'Unknown') {
          c.status = 'Unknown';
          c.reason = 'NodeStatusUnknown';
          c.message = 'Kubelet stopped posting node status.';
          c.lastTransitionTime = nowIso;
          changed = true;
        }
      }
      if (changed) {
        node = { ...node, status: { ...node.status, conditions: next } };
        node = await this.opts.clientset.nodes.updateStatus('', node);
      }
    }
    const current = node.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '';
    const wasReady = h.readyStatus === 'True' || (changed && observed === 'True');
    h.readyStatus = current;
    if (wasReady && current !== 'True') {
      this.opts.recorder.event(
        node,
        'Normal',
        'NodeNotReady',
        `Node ${name} status is now: NodeNotReady`,
      );
      await this.markPodsNotReady(name);
    }
    return node;
  }

  /** upstream MarkPodsNotReady: the Ready condition of each pod on the node set False. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const nowIso = formatTime(this.clock.now());
    const errors: unknown[] = [];
    for (const pod of this.podLister.byIndex('nodeName', nodeName)) {
      const conds = pod.status?.conditions ?? [];
      const i = conds.findIndex((c) => c.type === 'Ready');
      if (i < 0 || conds[i]?.status === 'False') continue;
      const next = structuredClone(pod);
      const c = next.status?.conditions?.[i];
      if (c === undefined) continue;
      c.status = 'False';
      c.lastTransitionTime = nowIso;
      try {
        await this.opts.clientset.pods.updateStatus(pod.metadata?.namespace ?? '', next);
        this.opts.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length > 0) {
      throw new Error(`failed to mark pods not ready: ${errors.map(errorMessage).join(', ')}`);
    }
  }

  /**
   * Adds and removes the controller's taints so that they match the conditions; a new eviction
   * taint waits for its zone's token (`retryInMs`: when to try again; Infinity when not waiting).
   */
  private async reconcileTaints(node: Node): Promise<{ node: Node; retryInMs: number }> {
    const now = this.clock.now();
    let want = desiredTaints(node, formatTime(now));
    const have = node.spec?.taints ?? [];
    const haveIds = new Set(have.map(taintId));
    let retryInMs = Infinity;
    if (this.zoneView.allFullyDisrupted) {
      want = want.filter((t) => !isEvictionTaint(t));
    } else if (
      want.some((t) => isEvictionTaint(t) && !haveIds.has(taintId(t))) &&
      // Swapping not-ready for unreachable (or back) happens at once, as upstream.
      !have.some(isEvictionTaint)
    ) {
      const zone = zoneKey(node);
      if (!this.zones.tryTaint(zone, now)) {
        want = want.filter((t) => !isEvictionTaint(t));
        retryInMs = Math.max(100, this.zones.nextTaintInMs(zone, now));
      }
    }
    const wantIds = new Set(want.map(taintId));
    const kept = have.filter((t) => !MANAGED_TAINT_KEYS.has(t.key) || wantIds.has(taintId(t)));
    const added = want.filter((t) => !haveIds.has(taintId(t)));
    if (kept.length === have.length && added.length === 0) return { node, retryInMs };
    const next = structuredClone(node);
    const spec = (next.spec ??= {});
    const taints = [...kept, ...added];
    if (taints.length > 0) spec.taints = taints;
    else delete spec.taints;
    return { node: await this.opts.clientset.nodes.update('', next), retryInMs };
  }

  // --- taint eviction (upstream tainteviction.Controller) ---

  private processPods(node: Node): void {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    const now = this.clock.now();
    for (const pod of this.podLister.byIndex('nodeName', node.metadata?.name ?? '')) {
      this.processPodOnNode(pod, taints, now);
    }
  }

  private processPodOnNode(pod: Pod, taints: readonly Taint[], now: number): void {
    const key = podNsName(pod);
    if (taints.length === 0) {
      this.cancelEviction(key, pod);
      return;
    }
    const { allTolerated, used } = getMatchingTolerations(taints, pod.spec?.tolerations ?? []);
    if (!allTolerated) {
      this.cancelEviction(key, undefined);
      this.scheduleEviction(pod, now, now);
      return;
    }
    const min = getMinTolerationTime(used);
    if (min < 0) {
      this.cancelEviction(key, pod);
      return;
    }
    let start = now;
    const scheduled = this.evictions.get(key);
    if (scheduled !== undefined) {
      start = scheduled.createdAt;
      if (start + min < now + min) return;
      this.cancelEviction(key, pod);
    }
    this.scheduleEviction(pod, start, start + min);
  }

  private scheduleEviction(pod: Pod, createdAt: number, fireAt: number): void {
    const key = podNsName(pod);
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const cancel = this.clock.setTimer(() => {
      this.evictions.delete(key);
      this.evict(pod, ns, name).catch((err: unknown) => {
        this.logger.error('taint eviction failed', { pod: key, err: errorMessage(err) });
      });
    }, fireAt - this.clock.now());
    this.evictions.set(key, { createdAt, fireAt, cancel });
  }

  private cancelEviction(key: string, pod: Pod | undefined): void {
    const e = this.evictions.get(key);
    if (e === undefined) return;
    e.cancel();
    this.evictions.delete(key);
    if (pod !== undefined) {
      this.opts.recorder.event(
        pod,
        'Normal',
        'TaintManagerEviction',
        `Cancelling deletion of Pod ${key}`,
      );
    }
  }

  /** upstream addConditionAndDeletePod, with the TaintManagerEviction event. */
  private async evict(pod: Pod, ns: string, name: string): Promise<void> {
    this.opts.recorder.event(
      pod,
      'Normal',
      'TaintManagerEviction',
      `Marking for deletion Pod ${ns}/${name}`,
    );
    let fresh: Pod;
    try {
      fresh = await this.opts.clientset.pods.get(ns, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const conds = fresh.status?.conditions ?? [];
    const has = conds.find((c) => c.type === 'DisruptionTarget');
    if (has?.status !== 'True' || has.reason !== 'DeletionByTaintManager') {
      const cond = {
        type: 'DisruptionTarget',
        status: 'True',
        reason: 'DeletionByTaintManager',
        message: 'Taint manager: deleting due to NoExecute taint',
        lastTransitionTime: formatTime(this.clock.now()),
      };
      const next: Pod = {
        ...fresh,
        status: {
          ...fresh.status,
          conditions: [...conds.filter((c) => c.type !== 'DisruptionTarget'), cond],
        },
      };
      await this.opts.clientset.pods.updateStatus(ns, next);
    }
    try {
      await this.opts.clientset.pods.delete(ns, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

const podNsName = (p: Pod): string => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

/** The node lifecycle controller (`node-lifecycle`), with taint-based eviction. */
export function newNodeLifecycleController(
  opts: NodeLifecycleControllerOptions,
): NodeLifecycleController {
  return new NodeLifecycleController(opts);
}
