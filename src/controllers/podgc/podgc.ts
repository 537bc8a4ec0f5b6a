/**
 * The pod garbage collector (upstream pkg/controller/podgc/gc_controller.go, 1.32). Every
 * 20 s it force-deletes (grace period 0): terminated pods above `terminatedPodGCThreshold`
 * (evicted first, then oldest first); terminating pods on NotReady nodes tainted
 * `node.kubernetes.io/out-of-service`; pods bound to nodes that no longer exist, once the
 * node has been missing for a 40 s quarantine and a live GET confirms it is gone; and
 * terminating pods that were never scheduled. A pod not yet in a terminal phase is first
 * patched to Failed (orphans would otherwise stay Running forever), orphans with the
 * DisruptionTarget condition, reason DeletionByPodGC.
 */
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../api/index.ts';
import { BUILTIN_RESOURCES } from '../../client/index.ts';
import type { Clientset, EventRecorder, InformerFactory, Lister } from '../../client/index.ts';
import { realClock } from '../../client/workqueue/index.ts';
import type { Clock } from '../../client/workqueue/index.ts';
import { NOOP_LOGGER, errorMessage, formatTime, parseTime } from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';

/** upstream gcCheckPeriod. */
export const GC_CHECK_PERIOD_MS = 20_000;
/** upstream quarantineTime: how long a node must be missing before its pods are collected. */
export const QUARANTINE_TIME_MS = 40_000;
/** The kube-controller-manager default of --terminated-pod-gc-threshold. */
export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12500;
/** The taint that lets PodGC collect terminating pods of a NotReady node. */
export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';

/** What the collector needs; the lead wires these in the controller-manager. */
export interface PodGCControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Unused (upstream PodGC records no events); kept for a uniform shape. */
  readonly recorder?: EventRecorder;
  /** Terminated pods kept before collection; <= 0 disables it. Default 12500. */
  readonly terminatedPodGCThreshold?: number;
  /** Wall clock in ms; default clock.now. */
  readonly now?: () => number;
  /** Timers for the 20 s period (default: real clock). */
  readonly clock?: Clock;
  readonly logger?: ControllerLogger;
}

const isTerminal = (p: Pod): boolean =>
  p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const isEvicted = (p: Pod): boolean =>
  p.status?.phase === 'Failed' && p.status.reason === 'Evicted';

/** upstream byEvictionAndCreationTimestamp: evicted first, then oldest, then by name. */
function byEvictionAndCreation(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = parseTime(a.metadata?.creationTimestamp) ?? 0;
  const tb = parseTime(b.metadata?.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  const na = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const nb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The pod garbage collector; see the module comment. */
export class PodGCController {
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly podInformer: { hasSynced(): boolean };
  private readonly nodeInformer: { hasSynced(): boolean };
  private readonly threshold: number;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;
  /** Missing node names and when they were first seen missing (upstream nodeQueue). */
  private readonly quarantine = new Map<string, number>();

  constructor(private readonly opts: PodGCControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.now = opts.now ?? (() => this.clock.now());
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.threshold = opts.terminatedPodGCThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
    const pods = opts.informers.informer<Pod>(BUILTIN_RESOURCES.pods);
    const nodes = opts.informers.informer<Node>(BUILTIN_RESOURCES.nodes);
    this.podLister = pods.lister;
    this.nodeLister = nodes.lister;
    this.podInformer = pods;
    this.nodeInformer = nodes;
  }

  /**
   * Waits for the caches, then collects every 20 s until `signal` aborts; resolves after the
   * pass in progress ends. `_workers` is accepted for a uniform controller shape.
   */
  async run(signal: AbortSignal, _workers = 1): Promise<void> {
    while (!signal.aborted && !(this.podInformer.hasSynced() && this.nodeInformer.hasSynced())) {
      await this.sleep(100, signal);
    }
    while (!signal.aborted) {
      try {
        await this.gc();
      } catch (err) {
        this.logger.error('pod gc failed', { err: errorMessage(err) });
      }
      await this.sleep(GC_CHECK_PERIOD_MS, signal);
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
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
      const cancel = this.clock.setTimer(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** One collection pass (upstream gc); errors of single pods are logged, not thrown. */
  async gc(): Promise<void> {
    const pods = this.podLister.list();
    const nodes = this.nodeLister.list();
    if (this.threshold > 0) await this.gcTerminated(pods);
    await this.gcTerminating(pods, nodes);
    await this.gcOrphaned(pods, nodes);
    await this.gcUnscheduledTerminating(pods);
  }

  private async gcTerminated(pods: readonly Pod[]): Promise<void> {
    const terminated = pods.filter(isTerminal);
    const deleteCount = terminated.length - this.threshold;
    if (deleteCount <= 0) return;
    terminated.sort(byEvictionAndCreation);
    await Promise.all(terminated.slice(0, deleteCount).map((p) => this.markFailedAndDelete(p)));
  }

  private async gcTerminating(pods: readonly Pod[], nodes: readonly Node[]): Promise<void> {
    const outOfService = new Set<string>();
    for (const n of nodes) {
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      const notReady = ready?.status !== 'True';
      const tainted = (n.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT);
      if (notReady && tainted) outOfService.add(n.metadata?.name ?? '');
    }
    if (outOfService.size === 0) return;
    const terminating = pods
      .filter(
        (p) =>
          p.metadata?.deletionTimestamp !== undefined &&
          !isTerminal(p) &&
          outOfService.has(p.spec?.nodeName ?? ''),
      )
      .sort(byEvictionAndCreation);
    await Promise.all(terminating.map((p) => this.markFailedAndDelete(p)));
  }

  private async gcOrphaned(pods: readonly Pod[], nodes: readonly Node[]): Promise<void> {
    const existing = new Set(nodes.map((n) => n.metadata?.name ?? ''));
    const now = this.now();
    const missingNow = new Set<string>();
    for (const p of pods) {
      const node = p.spec?.nodeName ?? '';
      if (node !== '' && !existing.has(node)) missingNow.add(node);
    }
    for (const node of missingNow) if (!this.quarantine.has(node)) this.quarantine.set(node, now);
    const deleted = new Set<string>();
    for (const [node, since] of [...this.quarantine]) {
      if (now - since < QUARANTINE_TIME_MS) continue;
      this.quarantine.delete(node);
      if (this.nodeLister.get('', node) !== undefined) continue;
      // The cache may lag: ask the API server.
      try {
        await this.opts.clientset.nodes.get('', node);
      } catch (err) {
        if (isNotFound(err)) deleted.add(node);
        else this.logger.error('error while getting node', { node, err: errorMessage(err) });
      }
    }
    if (deleted.size === 0) return;
    const condition: PodCondition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
    };
    await Promise.all(
      pods
        .filter((p) => deleted.has(p.spec?.nodeName ?? ''))
        .map((p) => this.markFailedAndDelete(p, condition)),
    );
  }

  private async gcUnscheduledTerminating(pods: readonly Pod[]): Promise<void> {
    await Promise.all(
      pods
        .filter(
          (p) => p.metadata?.deletionTimestamp !== undefined && (p.spec?.nodeName ?? '') === '',
        )
        .map((p) => this.markFailedAndDelete(p)),
    );
  }

  /**
   * Patches a non-terminal pod to Failed (with `condition`), then deletes it with grace 0
   * (upstream markFailedAndDeletePodWithCondition). A pod already gone is not an error.
   */
  private async markFailedAndDelete(pod: Pod, condition?: PodCondition): Promise<void> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    this.logger.info('PodGC is force deleting Pod', { pod: `${ns}/${name}` });
    try {
      if (!isTerminal(pod)) {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition !== undefined) {
          const cur = pod.status?.conditions?.find((c) => c.type === condition.type);
          const changed = cur?.status !== condition.status;
          status.conditions = [
            {
              ...condition,
              lastTransitionTime:
                changed || cur.lastTransitionTime === undefined
                  ? formatTime(this.now())
                  : cur.lastTransitionTime,
            },
          ];
        }
        await this.opts.clientset.pods.patch(
          ns,
          name,
          'strategic',
          { metadata: { uid: pod.metadata?.uid ?? '' }, status },
          { subresource: 'status' },
        );
      }
      await this.opts.clientset.pods.delete(ns, name, { gracePeriodSeconds: 0 });
    } catch (err) {
      if (isNotFound(err)) return;
      this.logger.error('failed to delete pod', { pod: `${ns}/${name}`, err: errorMessage(err) });
    }
  }
}

/** The pod garbage collector (`pod-garbage-collector`). */
export function newPodGCController(opts: PodGCControllerOptions): PodGCController {
  return new PodGCController(opts);
}
