/**
 * The disruption controller (upstream pkg/controller/disruption/disruption.go): keeps each
 * PodDisruptionBudget's status — currentHealthy (ready pods not being deleted nor recently
 * evicted), desiredHealthy, expectedPods, disruptionsAllowed, observedGeneration, disruptedPods
 * and the DisruptionAllowed condition (SufficientPods / InsufficientPods / SyncFailed) — from
 * the pods its selector matches and, for maxUnavailable or a percentage minAvailable, the scale
 * of their controllers (ReplicationController, Deployment through its ReplicaSet, ReplicaSet,
 * StatefulSet). The eviction subresource reads this status to allow or refuse evictions.
 */
import type { Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod, ReplicationController } from 'kubernetes-types/core/v1.js';
import type { Condition, OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { getScaledValueFromIntOrPercent, labelSelectorAsSelector } from '../../api/index.ts';
import { BUILTIN_RESOURCES, realClock, splitObjectKey } from '../../client/index.ts';
import type {
  Clientset,
  DeletedFinalStateUnknown,
  EventRecorder,
  InformerFactory,
  Lister,
} from '../../client/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import {
  Controller,
  NOOP_LOGGER,
  errorMessage,
  formatTime,
  getControllerOf,
  isPodReady,
  parseTime,
  toError,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';

/** How long an evicted pod counts as disrupted before it must be gone (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;
/** The condition type and reasons (upstream policy/v1 constants). */
export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';

/** What the controller needs; the lead wires these in the controller-manager. */
export interface DisruptionControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records NoPods, UnmanagedPods, CalculateExpectedPodCountFailed and NotDeleted events. */
  readonly recorder: EventRecorder;
  /** Default: a new rate-limited queue named `disruption`. */
  readonly queue?: RateLimitingQueue<string>;
  /** Wall clock in ms; default Date.now. */
  readonly now?: () => number;
  readonly logger?: ControllerLogger;
}

/** A controller's uid and desired scale. */
interface ControllerAndScale {
  uid: string;
  scale: number;
}

/** The disruption controller (`disruption`); see the module comment. */
export class DisruptionController {
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  private readonly pdbLister: Lister<PodDisruptionBudget>;
  private readonly podLister: Lister<Pod>;
  private readonly rcLister: Lister<ReplicationController>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly dLister: Lister<Deployment>;
  private readonly ssLister: Lister<StatefulSet>;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.now = opts.now ?? ((): number => realClock.now());
    this.logger = opts.logger ?? NOOP_LOGGER;
    const f = opts.informers;
    const pdbInformer = f.informer<PodDisruptionBudget>(BUILTIN_RESOURCES.podDisruptionBudgets);
    const podInformer = f.informer<Pod>(BUILTIN_RESOURCES.pods);
    const rcInformer = f.informer<ReplicationController>(BUILTIN_RESOURCES.replicationControllers);
    const rsInformer = f.informer<ReplicaSet>(BUILTIN_RESOURCES.replicaSets);
    const dInformer = f.informer<Deployment>(BUILTIN_RESOURCES.deployments);
    const ssInformer = f.informer<StatefulSet>(BUILTIN_RESOURCES.statefulSets);
    this.pdbLister = pdbInformer.lister;
    this.podLister = podInformer.lister;
    this.rcLister = rcInformer.lister;
    this.rsLister = rsInformer.lister;
    this.dLister = dInformer.lister;
    this.ssLister = ssInformer.lister;
    this.controller = new Controller({
      name: 'disruption',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [pdbInformer, podInformer, rcInformer, rsInformer, dInformer, ssInformer],
      logger: this.logger,
    });
    pdbInformer.addEventHandler({
      onAdd: (p) => {
        this.controller.enqueue(p);
      },
      onUpdate: (_o, p) => {
        this.controller.enqueue(p);
      },
      onDelete: (p) => {
        this.controller.enqueue(p);
      },
    });
    podInformer.addEventHandler({
      onAdd: (p) => {
        this.onPod(p);
      },
      onUpdate: (o, p) => {
        this.onPod(p);
        if (JSON.stringify(o.metadata?.labels) !== JSON.stringify(p.metadata?.labels))
          this.onPod(o);
      },
      onDelete: (p) => {
        this.onPod(p);
      },
    });
  }

  /** Waits for the caches, then syncs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }

  private onPod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const labels = pod.metadata?.labels ?? {};
    for (const pdb of this.pdbLister.list(pod.metadata?.namespace ?? '')) {
      try {
        if (labelSelectorAsSelector(pdb.spec?.selector).matches(labels)) {
          this.controller.enqueue(pdb);
        }
      } catch {
        // An invalid selector matches nothing.
      }
    }
  }

  /**
   * Recomputes the status of the PDB `namespace/name` (upstream sync/trySync); on failure the
   * PDB is failed safe (no disruptions allowed, SyncFailed) and the error rethrown to retry.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const pdb = this.pdbLister.get(namespace, name);
    if (pdb === undefined) return;
    try {
      await this.trySync(pdb);
    } catch (err) {
      await this.failSafe(pdb, err);
      throw toError(err);
    }
  }

  private async trySync(pdb: PodDisruptionBudget): Promise<void> {
    let pods: Pod[];
    try {
      pods = this.podLister.list(
        pdb.metadata?.namespace ?? '',
        labelSelectorAsSelector(pdb.spec?.selector),
      );
    } catch (err) {
      this.opts.recorder.event(
        pdb,
        'Warning',
        'NoPods',
        `Failed to get pods: ${errorMessage(err)}`,
      );
      throw err;
    }
    if (pods.length === 0) {
      this.opts.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    }
    let expected: { expectedCount: number; desiredHealthy: number; unmanaged: string[] };
    try {
      expected = this.getExpectedPodCount(pdb, pods);
    } catch (err) {
      this.opts.recorder.event(
        pdb,
        'Warning',
        'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${errorMessage(err)}`,
      );
      throw err;
    }
    if (expected.unmanaged.length > 0) {
      this.opts.recorder.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${selectorString(pdb)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const now = this.now();
    const { disrupted, recheck } = this.buildDisruptedPodMap(pods, pdb, now);
    const currentHealthy = countHealthyPods(pods, disrupted, now);
    await this.updateStatus(
      pdb,
      currentHealthy,
      expected.desiredHealthy,
      expected.expectedCount,
      disrupted,
    );
    if (recheck !== undefined) this.controller.enqueueAfter(pdb, recheck - now);
  }

  /** upstream getExpectedPodCount. */
  private getExpectedPodCount(
    pdb: PodDisruptionBudget,
    pods: Pod[],
  ): { expectedCount: number; desiredHealthy: number; unmanaged: string[] } {
    const maxUnavailable = pdb.spec?.maxUnavailable;
    const minAvailable = pdb.spec?.minAvailable;
    if (maxUnavailable !== undefined) {
      const { expectedCount, unmanaged } = this.getExpectedScale(pods);
      const mu = getScaledValueFromIntOrPercent(maxUnavailable, expectedCount, true);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - mu), unmanaged };
    }
    if (minAvailable !== undefined) {
      if (typeof minAvailable === 'number') {
        return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanaged: [] };
      }
      const { expectedCount, unmanaged } = this.getExpectedScale(pods);
      const desiredHealthy = getScaledValueFromIntOrPercent(minAvailable, expectedCount, true);
      return { expectedCount, desiredHealthy, unmanaged };
    }
    return { expectedCount: 0, desiredHealthy: 0, unmanaged: [] };
  }

  /** The sum of the scales of the pods' controllers (upstream getExpectedScale). */
  private getExpectedScale(pods: Pod[]): { expectedCount: number; unmanaged: string[] } {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = getControllerOf(pod);
      if (ref === undefined) {
        unmanaged.push(pod.metadata?.name ?? '');
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = this.findControllerScale(ref, pod.metadata?.namespace ?? '');
      if (found === undefined) {
        throw new Error(`found no controllers for pod "${pod.metadata?.name ?? ''}"`);
      }
      scales.set(found.uid, found.scale);
    }
    let expectedCount = 0;
    for (const s of scales.values()) expectedCount += s;
    return { expectedCount, unmanaged };
  }

  /** upstream finders: RC, Deployment (through its ReplicaSet), ReplicaSet, StatefulSet. */
  private findControllerScale(ref: OwnerReference, ns: string): ControllerAndScale | undefined {
    const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
    if (ref.kind === 'ReplicationController' && group === '') {
      const rc = this.rcLister.get(ns, ref.name);
      if (rc?.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: rc.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'ReplicaSet' && group === 'apps') {
      const rs = this.rsLister.get(ns, ref.name);
      if (rs?.metadata?.uid !== ref.uid) return undefined;
      const rsRef = getControllerOf(rs);
      if (rsRef?.kind === 'Deployment') {
        const d = this.dLister.get(ns, rsRef.name);
        if (d?.metadata?.uid !== rsRef.uid) return undefined;
        return { uid: rsRef.uid, scale: d.spec?.replicas ?? 1 };
      }
      return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'StatefulSet' && group === 'apps') {
      const ss = this.ssLister.get(ns, ref.name);
      if (ss?.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, scale: ss.spec?.replicas ?? 1 };
    }
    return undefined;
  }

  /** upstream buildDisruptedPodMap: recent evictions still expected to complete. */
  private buildDisruptedPodMap(
    pods: Pod[],
    pdb: PodDisruptionBudget,
    now: number,
  ): { disrupted: Map<string, string>; recheck: number | undefined } {
    const disrupted = new Map<string, string>();
    const recorded = pdb.status?.disruptedPods ?? {};
    let recheck: number | undefined;
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp !== undefined) continue;
      const name = pod.metadata?.name ?? '';
      const at = recorded[name];
      const ms = parseTime(at);
      if (at === undefined || ms === undefined) continue;
      const expectedDeletion = ms + DELETION_TIMEOUT_MS;
      if (expectedDeletion < now) {
        const ns = pdb.metadata?.namespace ?? '';
        // upstream prints the namespace twice; kept for identical event text.
        this.opts.recorder.event(
          pod,
          'Warning',
          'NotDeleted',
          `Pod was expected by PDB ${ns}/${ns} to be deleted but it wasn't`,
        );
      } else {
        if (recheck === undefined || expectedDeletion < recheck) recheck = expectedDeletion;
        disrupted.set(name, at);
      }
    }
    return { disrupted, recheck };
  }

  /** upstream updatePdbStatus, with UpdateDisruptionAllowedCondition. */
  private async updateStatus(
    pdb: PodDisruptionBudget,
    currentHealthy: number,
    desiredHealthy: number,
    expectedPods: number,
    disrupted: Map<string, string>,
  ): Promise<void> {
    let disruptionsAllowed = currentHealthy - desiredHealthy;
    if (expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const st = pdb.status;
    const generation = pdb.metadata?.generation ?? 0;
    const disruptedObj = Object.fromEntries(disrupted);
    if (
      st !== undefined &&
      st.currentHealthy === currentHealthy &&
      st.desiredHealthy === desiredHealthy &&
      st.expectedPods === expectedPods &&
      st.disruptionsAllowed === disruptionsAllowed &&
      sameDisrupted(st.disruptedPods, disruptedObj) &&
      (st.observedGeneration ?? 0) === generation &&
      conditionsUpToDate(pdb)
    ) {
      return;
    }
    const status: PodDisruptionBudgetStatus = {
      currentHealthy,
      desiredHealthy,
      expectedPods,
      disruptionsAllowed,
      ...(disrupted.size > 0 ? { disruptedPods: disruptedObj } : {}),
      observedGeneration: generation,
      conditions: setCondition(st?.conditions ?? [], {
        type: DISRUPTION_ALLOWED_CONDITION,
        status: disruptionsAllowed > 0 ? 'True' : 'False',
        reason: disruptionsAllowed > 0 ? SUFFICIENT_PODS_REASON : INSUFFICIENT_PODS_REASON,
        message: '',
        observedGeneration: generation,
        lastTransitionTime: formatTime(this.now()),
      }),
    };
    await this.opts.clientset.podDisruptionBudgets.updateStatus(pdb.metadata?.namespace ?? '', {
      ...pdb,
      status,
    });
  }

  /** upstream failSafe: no disruptions allowed, DisruptionAllowed False with SyncFailed. */
  private async failSafe(pdb: PodDisruptionBudget, err: unknown): Promise<void> {
    const st = pdb.status;
    const generation = pdb.metadata?.generation ?? 0;
    const status: PodDisruptionBudgetStatus = {
      currentHealthy: st?.currentHealthy ?? 0,
      desiredHealthy: st?.desiredHealthy ?? 0,
      expectedPods: st?.expectedPods ?? 0,
      ...(st?.disruptedPods !== undefined ? { disruptedPods: st.disruptedPods } : {}),
      ...(st?.observedGeneration !== undefined
        ? { observedGeneration: st.observedGeneration }
        : {}),
      disruptionsAllowed: 0,
      conditions: setCondition(st?.conditions ?? [], {
        type: DISRUPTION_ALLOWED_CONDITION,
        status: 'False',
        reason: SYNC_FAILED_REASON,
        message: errorMessage(err),
        observedGeneration: generation,
        lastTransitionTime: formatTime(this.now()),
      }),
    };
    try {
      await this.opts.clientset.podDisruptionBudgets.updateStatus(pdb.metadata?.namespace ?? '', {
        ...pdb,
        status,
      });
    } catch (e) {
      this.logger.error('failed to fail safe a PodDisruptionBudget', { err: errorMessage(e) });
    }
  }
}

/** Ready pods neither being deleted nor recently evicted (upstream countHealthyPods). */
export function countHealthyPods(
  pods: readonly Pod[],
  disrupted: ReadonlyMap<string, string>,
  now: number,
): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const at = parseTime(disrupted.get(pod.metadata?.name ?? ''));
    if (at !== undefined && at + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/**
 * `conditions` with `cond` set (upstream meta.SetStatusCondition): the transition time changes
 * only when the status does. Returns a new array.
 */
export function setCondition(conditions: readonly Condition[], cond: Condition): Condition[] {
  const i = conditions.findIndex((c) => c.type === cond.type);
  if (i < 0) return [...conditions, cond];
  const old = conditions[i] as Condition;
  const next: Condition = {
    ...cond,
    lastTransitionTime:
      old.status === cond.status ? old.lastTransitionTime : cond.lastTransitionTime,
  };
  return conditions.map((c, j) => (j === i ? next : c));
}

function conditionsUpToDate(pdb: PodDisruptionBudget): boolean {
  const st = pdb.status;
  const cond = st?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (cond === undefined || st === undefined) return false;
  if ((st.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  if (st.disruptionsAllowed > 0)
    return cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON;
  return cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}

function sameDisrupted(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a?.[k] === b[k]);
}

function selectorString(pdb: PodDisruptionBudget): string {
  return JSON.stringify(pdb.spec?.selector ?? null);
}

/** The disruption controller (`disruption`). */
export function newDisruptionController(opts: DisruptionControllerOptions): DisruptionController {
  return new DisruptionController(opts);
}
