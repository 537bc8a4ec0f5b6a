/**
 * The ReplicaSet controller, and with the same code parametrised by kind the
 * ReplicationController controller (upstream pkg/controller/replicaset/replica_set.go and
 * replica_set_utils.go; upstream runs the RC manager through the same code with conversion
 * adapters). It keeps `spec.replicas` active pods matching the selector: it claims pods
 * (adopting orphans, releasing pods that stopped matching), creates missing pods in
 * slow-start batches (1, 2, 4, ... capped at burstReplicas per sync), deletes surplus pods in
 * upstream's deletion order, records expectations so that a lagging cache never causes
 * duplicate creates, and writes status through the status subresource only when it changed.
 */
import type { PodTemplateSpec, Pod } from 'kubernetes-types/core/v1.js';
import type { ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { labelSelectorAsSelector, nothing, selectorFromSet } from '../../api/index.ts';
import type { Selector } from '../../api/index.ts';
import { BUILTIN_RESOURCES, objectKey, splitObjectKey } from '../../client/index.ts';
import type {
  Clientset,
  DeletedFinalStateUnknown,
  EventRecorder,
  Informer,
  InformerFactory,
  KubeObject,
  Lister,
  ResourceClient,
} from '../../client/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import {
  Controller,
  ControllerExpectations,
  ControllerRefManager,
  NOOP_LOGGER,
  RealPodControl,
  errorMessage,
  filterActivePods,
  formatTime,
  getControllerOf,
  isNamespaceTerminating,
  isPodAvailable,
  isPodReady,
  newControllerRef,
  podKey,
  rankPodsByRelatedOnSameNode,
  recheckByUid,
  sortPodsForDeletion,
  toError,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerKind, ControllerLogger, PodControl } from '../shared/index.ts';
import { isNotFound } from '../../api/index.ts';

/** Upstream BurstReplicas: the most pods one sync creates or deletes. */
export const BURST_REPLICAS = 500;
/** Upstream SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** Index of pods by controller uid (orphans under `orphan/<namespace>`). */
export const POD_CONTROLLER_UID_INDEX = 'controllerUID';

/** The status fields the two kinds share. */
interface WorkloadStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: {
    type: string;
    status: string;
    lastTransitionTime?: string;
    reason?: string;
    message?: string;
  }[];
}

/** The object a kind adapter hands the shared code. */
type Workload = KubeObject & { status?: WorkloadStatus };

/** How the shared code reads one kind (upstream's conversion adapters). */
interface KindAdapter<T extends Workload> {
  readonly name: string;
  readonly kind: ControllerKind;
  client(cs: Clientset): ResourceClient<T>;
  informer(f: InformerFactory): Informer<T>;
  /** Throws for an invalid selector. */
  selector(obj: T): Selector;
  template(obj: T): PodTemplateSpec | undefined;
  replicas(obj: T): number;
  minReadySeconds(obj: T): number;
}

const replicaSetAdapter: KindAdapter<ReplicaSet & Workload> = {
  name: 'replicaset',
  kind: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  client: (cs) => cs.replicaSets,
  informer: (f) => f.informer<ReplicaSet & Workload>(BUILTIN_RESOURCES.replicaSets),
  selector: (rs) => labelSelectorAsSelector(rs.spec?.selector),
  template: (rs) => rs.spec?.template,
  replicas: (rs) => rs.spec?.replicas ?? 1,
  minReadySeconds: (rs) => rs.spec?.minReadySeconds ?? 0,
};

const replicationControllerAdapter: KindAdapter<ReplicationController & Workload> = {
  name: 'replicationcontroller',
  kind: { apiVersion: 'v1', kind: 'ReplicationController' },
  client: (cs) => cs.replicationControllers,
  informer: (f) =>
    f.informer<ReplicationController & Workload>(BUILTIN_RESOURCES.replicationControllers),
  // An RC's selector is a plain map; an empty one matches nothing here (the API server
  // defaults it to the template's labels).
  selector: (rc) =>
    Object.keys(rc.spec?.selector ?? {}).length === 0
      ? nothing()
      : selectorFromSet(rc.spec?.selector),
  template: (rc) => rc.spec?.template,
  replicas: (rc) => rc.spec?.replicas ?? 1,
  minReadySeconds: (rc) => rc.spec?.minReadySeconds ?? 0,
};

/** What the controller needs; the lead wires these in the controller-manager. */
export interface ReplicaSetControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records SuccessfulCreate / SuccessfulDelete / FailedCreate / FailedDelete. */
  readonly recorder: EventRecorder;
  /** Default: RealPodControl over clientset and recorder. */
  readonly podControl?: PodControl;
  /** Default: a new rate-limited queue named after the controller. */
  readonly queue?: RateLimitingQueue<string>;
  /** Default BURST_REPLICAS (500). */
  readonly burstReplicas?: number;
  /** Wall clock in ms (availability, expectations, conditions); default Date.now. */
  readonly now?: () => number;
  readonly logger?: ControllerLogger;
}

/** The ReplicaSet (or ReplicationController) controller; see the module comment. */
export class ReplicaSetController<T extends Workload = Workload> {
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  readonly expectations: ControllerExpectations;
  private readonly client: ResourceClient<T>;
  private readonly lister: Lister<T>;
  private readonly podLister: Lister<Pod>;
  private readonly podControl: PodControl;
  private readonly burstReplicas: number;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;

  constructor(
    private readonly adapter: KindAdapter<T>,
    private readonly opts: ReplicaSetControllerOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.burstReplicas = opts.burstReplicas ?? BURST_REPLICAS;
    this.expectations = new ControllerExpectations({ now: this.now });
    this.podControl = opts.podControl ?? new RealPodControl(opts.clientset, opts.recorder);
    this.client = adapter.client(opts.clientset);
    const rsInformer = adapter.informer(opts.informers);
    const podInformer = opts.informers.informer<Pod>(BUILTIN_RESOURCES.pods);
    podInformer.addIndexers({ [POD_CONTROLLER_UID_INDEX]: podControllerUidIndex });
    this.lister = rsInformer.lister;
    this.podLister = podInformer.lister;
    this.controller = new Controller({
      name: adapter.name,
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [rsInformer, podInformer],
      logger: this.logger,
    });
    rsInformer.addEventHandler({
      onAdd: (rs) => {
        this.controller.enqueue(rs);
      },
      onUpdate: (_old, cur) => {
        this.controller.enqueue(cur);
      },
      onDelete: (obj) => {
        const rs = unwrapTombstone(obj);
        this.expectations.deleteExpectations(objectKey(rs));
        this.controller.enqueue(rs);
      },
    });
    podInformer.addEventHandler({
      onAdd: (pod) => {
        this.addPod(pod);
      },
      onUpdate: (old, cur) => {
        this.updatePod(old, cur);
      },
      onDelete: (obj) => {
        this.deletePod(obj);
      },
    });
  }

  /** Waits for the caches, then syncs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }

  // --- event handlers (they only enqueue and observe expectations) ---

  private resolveControllerRef(
    namespace: string,
    ref: { kind: string; name: string; uid: string },
  ): T | undefined {
    if (ref.kind !== this.adapter.kind.kind) return undefined;
    const rs = this.lister.get(namespace, ref.name);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** The controllers of this kind whose selector matches the pod's labels. */
  private getPodReplicaSets(pod: Pod): T[] {
    const labels = pod.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) return [];
    return this.lister.list(pod.metadata?.namespace ?? '').filter((rs) => {
      try {
        const sel = this.adapter.selector(rs);
        return !sel.empty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // On a restart the pod may already be terminating: count it as a deletion.
      this.deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref !== undefined) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (rs === undefined) return;
      this.expectations.creationObserved(objectKey(rs));
      this.controller.enqueue(rs);
      return;
    }
    for (const rs of this.getPodReplicaSets(pod)) this.controller.enqueue(rs);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (cur.metadata?.resourceVersion === old.metadata?.resourceVersion) return;
    const labelChanged = !sameMap(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp !== undefined) {
      this.deletePod(cur);
      if (labelChanged) this.deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    const ns = cur.metadata?.namespace ?? '';
    if (refChanged && oldRef !== undefined) {
      const rs = this.resolveControllerRef(ns, oldRef);
      if (rs !== undefined) this.controller.enqueue(rs);
    }
    if (curRef !== undefined) {
      const rs = this.resolveControllerRef(ns, curRef);
      if (rs === undefined) return;
      this.controller.enqueue(rs);
      const minReady = this.adapter.minReadySeconds(rs);
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        // A second more, against millisecond skew in addAfter (upstream #39785).
        this.controller.enqueueAfter(rs, minReady * 1000 + 1000);
      }
      return;
    }
    if (labelChanged || refChanged) {
      for (const rs of this.getPodReplicaSets(cur)) this.controller.enqueue(rs);
    }
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (ref === undefined) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (rs === undefined) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, podKey(pod));
    this.controller.enqueueKey(key);
  }

  // --- sync ---

  /**
   * Reconciles the object `namespace/name` (upstream syncReplicaSet). Idempotent; rejects on
   * API errors so that the key is retried with rate limiting.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const rs = this.lister.get(namespace, name);
    if (rs === undefined) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    let selector: Selector;
    try {
      selector = this.adapter.selector(rs);
    } catch (err) {
      this.logger.error('invalid selector', { key, err: errorMessage(err) });
      return;
    }
    const uid = rs.metadata?.uid ?? '';
    // The walks over the set's pods below are the cost that spaces this key's syncs.
    const clock = this.controller.queue;
    let walkStart = clock.now();
    const candidates = [
      ...this.podLister.byIndex(POD_CONTROLLER_UID_INDEX, uid),
      ...this.podLister.byIndex(POD_CONTROLLER_UID_INDEX, `orphan/${namespace}`),
    ];
    const active = filterActivePods(candidates);
    const refManager = new ControllerRefManager({
      controller: rs,
      controllerKind: this.adapter.kind,
      selector,
      canAdopt: recheckByUid(rs, this.adapter.kind.kind, () => this.client.get(namespace, name)),
    });
    const pods = await refManager.claim(active, 'Pod', (ns, n, p) =>
      this.podControl.patchPod(ns, n, p),
    );
    let walkCost = clock.now() - walkStart;

    let manageErr: unknown;
    if (needsSync && rs.metadata?.deletionTimestamp === undefined) {
      try {
        await this.manageReplicas(pods, rs, key);
      } catch (err) {
        manageErr = err;
      }
    }
    walkStart = clock.now();
    const newStatus = this.calculateStatus(rs, pods, manageErr);
    walkCost += clock.now() - walkStart;
    this.controller.spaceAfter(key, walkCost);
    const updated = await this.updateStatus(rs, newStatus);
    const minReady = this.adapter.minReadySeconds(updated);
    const want = this.adapter.replicas(updated);
    if (
      manageErr === undefined &&
      minReady > 0 &&
      (updated.status?.readyReplicas ?? 0) === want &&
      (updated.status?.availableReplicas ?? 0) !== want
    ) {
      this.controller.queue.addAfter(key, minReady * 1000);
    }
    if (manageErr !== undefined) throw toError(manageErr);
  }

  private async manageReplicas(pods: readonly Pod[], rs: T, key: string): Promise<void> {
    const namespace = rs.metadata?.namespace ?? '';
    let diff = pods.length - this.adapter.replicas(rs);
    if (diff < 0) {
      diff = Math.min(-diff, this.burstReplicas);
      this.expectations.expectCreations(key, diff);
      const template = this.adapter.template(rs) ?? {};
      const ref = newControllerRef(rs, this.adapter.kind);
      const { successes, error } = await slowStartBatch(
        diff,
        SLOW_START_INITIAL_BATCH_SIZE,
        async () => {
          try {
            await this.podControl.createPods(namespace, template, rs, ref);
          } catch (err) {
            // A terminating namespace refuses every create: nothing to report.
            if (isNamespaceTerminating(err)) return;
            throw err;
          }
        },
      );
      // Pods never attempted will not be observed: stop expecting them.
      for (let i = 0; i < diff - successes; i++) this.expectations.creationObserved(key);
      if (error !== undefined) throw toError(error);
      return;
    }
    if (diff > 0) {
      diff = Math.min(diff, this.burstReplicas);
      const related = this.getIndirectlyRelatedPods(rs);
      const toDelete = getPodsToDelete([...pods], related, diff, this.now());
      this.expectations.expectDeletions(key, toDelete.map(podKey));
      const results = await Promise.allSettled(
        toDelete.map(async (p) => {
          try {
            await this.podControl.deletePod(namespace, p.metadata?.name ?? '', rs);
          } catch (err) {
            // The informer will not observe this deletion.
            this.expectations.deletionObserved(key, podKey(p));
            if (!isNotFound(err)) throw err;
          }
        }),
      );
      for (const r of results) if (r.status === 'rejected') throw toError(r.reason);
    }
  }

  /** Pods of every object of this kind with the same controller as `rs` (upstream). */
  private getIndirectlyRelatedPods(rs: T): Pod[] {
    const ref = getControllerOf(rs);
    const siblings =
      ref === undefined
        ? [rs]
        : this.lister
            .list(rs.metadata?.namespace ?? '')
            .filter((o) => getControllerOf(o)?.uid === ref.uid);
    const seen = new Set<string>();
    const out: Pod[] = [];
    for (const s of siblings) {
      let sel: Selector;
      try {
        sel = this.adapter.selector(s);
      } catch {
        continue;
      }
      for (const p of this.podLister.list(s.metadata?.namespace ?? '', sel)) {
        const uid = p.metadata?.uid ?? '';
        if (seen.has(uid)) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  }

  /** The new status (upstream calculateStatus); does not change `rs`. */
  calculateStatus(rs: T, pods: readonly Pod[], manageErr: unknown): WorkloadStatus {
    const now = this.now();
    const templateLabels = selectorFromSet(this.adapter.template(rs)?.metadata?.labels);
    const minReady = this.adapter.minReadySeconds(rs);
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    for (const p of pods) {
      if (templateLabels.matches(p.metadata?.labels ?? {})) fullyLabeled++;
      if (isPodReady(p)) {
        ready++;
        if (isPodAvailable(p, minReady, now)) available++;
      }
    }
    let conditions = rs.status?.conditions?.map((c) => ({ ...c }));
    const failure = conditions?.find((c) => c.type === 'ReplicaFailure');
    if (manageErr !== undefined && failure === undefined) {
      const diff = pods.length - this.adapter.replicas(rs);
      const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
      conditions = [
        ...(conditions ?? []),
        {
          type: 'ReplicaFailure',
          status: 'True',
          lastTransitionTime: formatTime(now),
          ...(reason !== '' ? { reason } : {}),
          message: errorMessage(manageErr),
        },
      ];
    } else if (manageErr === undefined && failure !== undefined) {
      conditions = conditions?.filter((c) => c.type !== 'ReplicaFailure');
      if (conditions?.length === 0) conditions = undefined;
    }
    return {
      ...(rs.status?.observedGeneration !== undefined
        ? { observedGeneration: rs.status.observedGeneration }
        : {}),
      replicas: pods.length,
      ...(fullyLabeled > 0 ? { fullyLabeledReplicas: fullyLabeled } : {}),
      ...(ready > 0 ? { readyReplicas: ready } : {}),
      ...(available > 0 ? { availableReplicas: available } : {}),
      ...(conditions !== undefined ? { conditions } : {}),
    };
  }

  /**
   * Writes `status` unless nothing changed (upstream updateReplicaSetStatus): one retry after
   * re-reading the object on failure. Resolves the object as written (or `rs` unchanged).
   */
  private async updateStatus(rs: T, status: WorkloadStatus): Promise<T> {
    const cur = rs.status;
    const generation = rs.metadata?.generation ?? 0;
    if (
      (cur?.replicas ?? 0) === status.replicas &&
      (cur?.fullyLabeledReplicas ?? 0) === (status.fullyLabeledReplicas ?? 0) &&
      (cur?.readyReplicas ?? 0) === (status.readyReplicas ?? 0) &&
      (cur?.availableReplicas ?? 0) === (status.availableReplicas ?? 0) &&
      generation === (cur?.observedGeneration ?? 0) &&
      JSON.stringify(cur?.conditions ?? []) === JSON.stringify(status.conditions ?? [])
    ) {
      return rs;
    }
    const next: WorkloadStatus = { ...status };
    if (generation > 0) next.observedGeneration = generation;
    else delete next.observedGeneration;
    const ns = rs.metadata?.namespace ?? '';
    let obj: T = { ...rs, status: next };
    for (let i = 0; ; i++) {
      try {
        return await this.client.updateStatus(ns, obj);
      } catch (err) {
        if (i >= 1) throw err;
        const fresh = await this.client.get(ns, rs.metadata?.name ?? '');
        obj = { ...fresh, status: next };
      }
    }
  }
}

/** The pod's controller uid, or `orphan/<namespace>` (the POD_CONTROLLER_UID_INDEX function). */
export function podControllerUidIndex(pod: Pod): string[] {
  const ref = getControllerOf(pod);
  return [ref === undefined ? `orphan/${pod.metadata?.namespace ?? ''}` : ref.uid];
}

function sameMap(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a?.[k] === b?.[k]);
}

/**
 * Calls `fn` `count` times in batches that start at `initialBatchSize` and double after each
 * fully successful batch (upstream slowStartBatch); the calls of one batch run concurrently.
 * Stops after the first batch with a failure. Resolves the number of successful calls and the
 * first error.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error: unknown }> {
  let remaining = count;
  let successes = 0;
  for (
    let size = Math.min(remaining, initialBatchSize);
    size > 0;
    size = Math.min(2 * size, remaining)
  ) {
    const results = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += size - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]?.reason };
    remaining -= size;
  }
  return { successes, error: undefined };
}

/**
 * The `diff` pods to delete first (upstream getPodsToDelete): all of them when diff covers
 * every pod, else ranked by related pods on the same node and sorted by deletion preference.
 * Sorts `pods` in place.
 */
export function getPodsToDelete(
  pods: Pod[],
  related: readonly Pod[],
  diff: number,
  nowMs: number,
): Pod[] {
  if (diff < pods.length) {
    sortPodsForDeletion(pods, rankPodsByRelatedOnSameNode(pods, related), nowMs);
  }
  return pods.slice(0, diff);
}

/** The ReplicaSet controller (`replicaset`). */
export function newReplicaSetController(
  opts: ReplicaSetControllerOptions,
): ReplicaSetController<ReplicaSet & Workload> {
  return new ReplicaSetController(replicaSetAdapter, opts);
}

/** The ReplicationController controller (`replicationcontroller`), the same code. */
export function newReplicationControllerController(
  opts: ReplicaSetControllerOptions,
): ReplicaSetController<ReplicationController & Workload> {
  return new ReplicaSetController(replicationControllerAdapter, opts);
}
