/**
 * The StatefulSet controller (upstream pkg/controller/statefulset: stateful_set.go,
 * stateful_set_control.go, stateful_pod_control.go, stateful_set_status_updater.go). Each sync
 * claims the set's pods (by selector and by name), records the set's template as a
 * ControllerRevision (current and update revisions), then walks the ordinals:
 * - OrderedReady (monotonic): creates one missing pod at a time, waiting for each to be Running
 *   and Ready (and available) before the next; deletes condemned pods (beyond the replicas)
 *   from the highest ordinal, one at a time, waiting for the rest to be healthy.
 * - Parallel: creates and deletes all at once.
 * - RollingUpdate: deletes the highest-ordinal pod (at or above the partition) not at the update
 *   revision, one at a time, waiting for the recreated pod to be healthy. OnDelete: no deletes.
 * PVCs of volumeClaimTemplates are created before the pod; their ownerReferences follow
 * persistentVolumeClaimRetentionPolicy. Status is written only when it changed.
 */
import type {
  ControllerRevision,
  StatefulSet,
  StatefulSetStatus,
} from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, labelSelectorAsSelector } from '../../api/index.ts';
import type { Selector } from '../../api/index.ts';
import { BUILTIN_RESOURCES, splitObjectKey } from '../../client/index.ts';
import type {
  Clientset,
  DeletedFinalStateUnknown,
  EventRecorder,
  InformerFactory,
  Lister,
} from '../../client/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import {
  AggregateControllerError,
  Controller,
  ControllerRefManager,
  NOOP_LOGGER,
  errorMessage,
  getControllerOf,
  toError,
  isPodReady,
  recheckByUid,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';
import {
  History,
  equalRevision,
  findEqualRevisions,
  nextRevision,
  sortControllerRevisions,
} from '../history/index.ts';
import {
  STATEFUL_SET_KIND,
  allowsBurst,
  applyRevision,
  claimOwnerMatchesSetAndPod,
  getEndOrdinal,
  getOrdinal,
  getPersistentVolumeClaims,
  getPodRevision,
  getReplicas,
  getStartOrdinal,
  hasStaleOwnerRef,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isMemberOf,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  newRevision,
  newVersionedStatefulSetPod,
  podInOrdinalRange,
  storageMatches,
  updateClaimOwnerRefForSetAndPod,
  updateIdentity,
  updateStorage,
} from './utils.ts';

/** What the controller needs; the lead wires these in the controller-manager. */
export interface StatefulSetControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records SuccessfulCreate/SuccessfulDelete/SuccessfulUpdate (and Failed*) of pods and claims. */
  readonly recorder: EventRecorder;
  /** Default: a new rate-limited queue named `statefulset`. */
  readonly queue?: RateLimitingQueue<string>;
  /** Wall clock in ms (availability); default Date.now. */
  readonly now?: () => number;
  readonly logger?: ControllerLogger;
}

/** The status fields the controller computes. */
type SetStatus = StatefulSetStatus & { replicas: number };

/** The StatefulSet controller (`statefulset`); see the module comment. */
export class StatefulSetController {
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  readonly history: History;
  private readonly setLister: Lister<StatefulSet>;
  private readonly podLister: Lister<Pod>;
  private readonly claimLister: Lister<PersistentVolumeClaim>;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    const f = opts.informers;
    const setInformer = f.informer<StatefulSet>(BUILTIN_RESOURCES.statefulSets);
    const podInformer = f.informer<Pod>(BUILTIN_RESOURCES.pods);
    const revInformer = f.informer<ControllerRevision>(BUILTIN_RESOURCES.controllerRevisions);
    const pvcInformer = f.informer<PersistentVolumeClaim>(BUILTIN_RESOURCES.persistentVolumeClaims);
    this.setLister = setInformer.lister;
    this.podLister = podInformer.lister;
    this.claimLister = pvcInformer.lister;
    this.history = new History(opts.clientset, revInformer.lister);
    this.controller = new Controller({
      name: 'statefulset',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [setInformer, podInformer, revInformer, pvcInformer],
      logger: this.logger,
    });
    setInformer.addEventHandler({
      onAdd: (s) => {
        this.controller.enqueue(s);
      },
      onUpdate: (_o, s) => {
        this.controller.enqueue(s);
      },
      onDelete: (s) => {
        this.controller.enqueue(s);
      },
    });
    podInformer.addEventHandler({
      onAdd: (p) => {
        this.onPod(p);
      },
      onUpdate: (old, cur) => {
        this.updatePod(old, cur);
      },
      onDelete: (p) => {
        this.deletePod(p);
      },
    });
  }

  /** Waits for the caches, then syncs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }

  // --- handlers: they only enqueue ---

  private resolveControllerRef(ns: string, ref: { kind: string; name: string; uid: string }) {
    if (ref.kind !== 'StatefulSet') return undefined;
    const set = this.setLister.get(ns, ref.name);
    return set?.metadata?.uid === ref.uid ? set : undefined;
  }

  private setsForPod(pod: Pod): StatefulSet[] {
    const labels = pod.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) return [];
    return this.setLister.list(pod.metadata?.namespace ?? '').filter((s) => {
      try {
        const sel = labelSelectorAsSelector(s.spec?.selector);
        return !sel.empty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private onPod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (ref !== undefined) {
      const set = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (set !== undefined) this.controller.enqueue(set);
      return;
    }
    if (pod.metadata?.deletionTimestamp !== undefined) return;
    for (const s of this.setsForPod(pod)) this.controller.enqueue(s);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    const ns = cur.metadata?.namespace ?? '';
    if (oldRef !== undefined && oldRef.uid !== curRef?.uid) {
      const set = this.resolveControllerRef(ns, oldRef);
      if (set !== undefined) this.controller.enqueue(set);
    }
    if (curRef !== undefined) {
      const set = this.resolveControllerRef(ns, curRef);
      if (set === undefined) return;
      this.controller.enqueue(set);
      const minReady = set.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        this.controller.enqueueAfter(set, minReady * 1000 + 1000);
      }
      return;
    }
    if (cur.metadata?.deletionTimestamp === undefined) {
      for (const s of this.setsForPod(cur)) this.controller.enqueue(s);
    }
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (ref === undefined) return;
    const set = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (set !== undefined) this.controller.enqueue(set);
  }

  // --- sync ---

  /**
   * Reconciles the StatefulSet `namespace/name` (upstream StatefulSetController.sync).
   * Idempotent; rejects on API errors so that the key is retried with rate limiting.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const cached = this.setLister.get(namespace, name);
    if (cached === undefined) return;
    let selector: Selector;
    try {
      selector = labelSelectorAsSelector(cached.spec?.selector);
    } catch (err) {
      // Not transient: retrying would not help (upstream).
      this.logger.error('invalid selector', { key, err: errorMessage(err) });
      return;
    }
    const set = structuredClone(cached);
    const canAdopt = recheckByUid(set, 'StatefulSet', () =>
      this.opts.clientset.statefulSets.get(namespace, name),
    );
    await this.adoptOrphanRevisions(set, canAdopt);
    const refManager = new ControllerRefManager({
      controller: set,
      controllerKind: STATEFUL_SET_KIND,
      selector,
      canAdopt,
    });
    const pods = await refManager.claim(
      this.podLister.list(namespace),
      'Pod',
      async (ns, n, p) => {
        await this.opts.clientset.pods.patch(ns, n, 'strategic', p);
      },
      (p) => isMemberOf(set, p),
    );
    const status = await this.updateStatefulSet(set, pods);
    const minReady = set.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && (status.availableReplicas ?? 0) !== getReplicas(set)) {
      this.controller.enqueueAfter(set, minReady * 1000);
    }
  }

  private async adoptOrphanRevisions(set: StatefulSet, canAdopt: () => Promise<void>) {
    const revisions = this.history.listControllerRevisions(
      set,
      labelSelectorAsSelector(set.spec?.selector),
    );
    const orphans = revisions.filter((r) => getControllerOf(r) === undefined);
    if (orphans.length === 0) return;
    await canAdopt();
    for (const r of orphans) await this.history.adoptControllerRevision(set, STATEFUL_SET_KIND, r);
  }

  /** upstream defaultStatefulSetControl.UpdateStatefulSet: perform the update, truncate history. */
  private async updateStatefulSet(set: StatefulSet, pods: Pod[]): Promise<SetStatus> {
    const revisions = sortControllerRevisions(
      this.history.listControllerRevisions(set, labelSelectorAsSelector(set.spec?.selector)),
    );
    const { currentRevision, updateRevision, collisionCount } = await this.getRevisions(
      set,
      revisions,
    );
    let status: SetStatus | undefined;
    let err: unknown;
    try {
      status = await this.reconcile(set, currentRevision, updateRevision, collisionCount, pods);
    } catch (e) {
      if (!(e instanceof StatusCarrier)) throw e;
      status = e.status;
      err = e.cause;
    }
    const errs: unknown[] = err !== undefined ? [err] : [];
    try {
      await this.updateStatus(set, status);
    } catch (e) {
      errs.push(e);
    }
    try {
      await this.truncateHistory(set, pods, revisions, currentRevision, updateRevision);
    } catch (e) {
      errs.push(e);
    }
    if (errs.length > 0) throw new AggregateControllerError(errs);
    return status;
  }

  /** upstream getStatefulSetRevisions. */
  private async getRevisions(
    set: StatefulSet,
    revisions: ControllerRevision[],
  ): Promise<{
    currentRevision: ControllerRevision;
    updateRevision: ControllerRevision;
    collisionCount: number;
  }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    let updateRevision = newRevision(set, nextRevision(revisions), collisionCount);
    const equal = findEqualRevisions(revisions, updateRevision);
    const last = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    if (lastEqual !== undefined && equalRevision(last, lastEqual) && last !== undefined) {
      // The newest revision already holds this template: nothing changed.
      updateRevision = last;
    } else if (lastEqual !== undefined) {
      // An older revision holds it: roll back by renumbering that revision.
      updateRevision = await this.history.updateControllerRevision(
        lastEqual,
        updateRevision.revision,
      );
    } else {
      const r = await this.history.createControllerRevision(set, updateRevision, collisionCount);
      updateRevision = r.revision;
      collisionCount = r.collisionCount;
    }
    const currentName = set.status?.currentRevision;
    const currentRevision =
      revisions.find((r) => r.metadata?.name === currentName) ?? updateRevision;
    return { currentRevision, updateRevision, collisionCount };
  }

  /** upstream updateStatefulSet: the ordinal walk; see the module comment. */
  private async reconcile(
    set: StatefulSet,
    currentRevision: ControllerRevision,
    updateRevision: ControllerRevision,
    collisionCount: number,
    pods: Pod[],
  ): Promise<SetStatus> {
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const curName = currentRevision.metadata?.name ?? '';
    const updName = updateRevision.metadata?.name ?? '';
    const status: SetStatus = {
      replicas: 0,
      observedGeneration: set.metadata?.generation ?? 0,
      currentRevision: curName,
      updateRevision: updName,
      collisionCount,
    };
    const minReady = set.spec?.minReadySeconds ?? 0;
    const now = this.now();
    const start = getStartOrdinal(set);
    const replicaCount = getReplicas(set);
    const replicas: (Pod | undefined)[] = new Array<Pod | undefined>(replicaCount).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let ord = start; ord <= getEndOrdinal(set); ord++) {
      replicas[ord - start] ??= newVersionedStatefulSetPod(
        currentSet,
        updateSet,
        curName,
        updName,
        ord,
      );
    }
    const live = replicas as Pod[];
    condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
    let firstUnhealthy: Pod | undefined;
    for (const p of live) if (!isHealthy(p)) firstUnhealthy ??= p;
    for (let i = condemned.length - 1; i >= 0; i--) {
      const p = condemned[i];
      if (p !== undefined && !isHealthy(p)) firstUnhealthy ??= p;
    }
    const compute = (): SetStatus => {
      computeStatus(status, minReady, now, curName, updName, live, condemned);
      return status;
    };
    compute();
    if (set.metadata?.deletionTimestamp !== undefined) return status;

    const monotonic = !allowsBurst(set);
    const fail = (err: unknown): never => {
      throw new StatusCarrier(compute(), err);
    };
    // 1. living replicas: recreate finished pods, create missing ones, fix identity/storage.
    const exitedReplicas = await runForAll(
      live.length,
      (i) => this.processReplica(set, updateSet, monotonic, live, i, minReady, now),
      monotonic,
    ).catch(fail);
    if (exitedReplicas) return compute();
    // 2. claims of condemned pods follow the retention policy.
    const exitedClaims = await runForAll(
      condemned.length,
      async (i) => {
        const pod = condemned[i];
        if (pod !== undefined) await this.fixClaimsForRetention(updateSet, pod);
        return false;
      },
      monotonic,
    ).catch(fail);
    if (exitedClaims) return compute();
    // 3. scale down, from the highest ordinal.
    const exitedCondemned = await runForAll(
      condemned.length,
      (i) => this.processCondemned(set, firstUnhealthy, monotonic, condemned, i, minReady, now),
      monotonic,
    ).catch(fail);
    compute();
    if (exitedCondemned) return status;
    if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'OnDelete') return status;
    // 4. rolling update: the highest ordinal not at the update revision, one at a time.
    const updateMin = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = live.length - 1; target >= updateMin; target--) {
      const pod = live[target];
      if (pod === undefined) continue;
      if (getPodRevision(pod) !== updName && !isTerminating(pod)) {
        try {
          await this.deleteStatefulPod(set, pod);
        } catch (err) {
          if (!isNotFound(err)) fail(err);
        }
        status.currentReplicas = (status.currentReplicas ?? 0) - 1;
        return status;
      }
      if (!isHealthy(pod)) return status;
    }
    return status;
  }

  /** upstream processReplica; resolves true when the walk must stop. */
  private async processReplica(
    set: StatefulSet,
    updateSet: StatefulSet,
    monotonic: boolean,
    replicas: Pod[],
    i: number,
    minReady: number,
    now: number,
  ): Promise<boolean> {
    const pod = replicas[i];
    if (pod === undefined) return false;
    if (isFailed(pod) || isSucceeded(pod)) {
      // Finished pods are deleted and recreated on a later sync, once gone from the API.
      if (pod.metadata?.deletionTimestamp === undefined) await this.deleteStatefulPod(set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      if (this.podClaimIsStale(set, pod)) return true;
      await this.createStatefulPod(set, pod);
      if (monotonic) return true;
    }
    if (isPending(pod)) await this.createPersistentVolumeClaims(set, pod);
    if (monotonic && !isRunningAndReady(pod)) return true;
    if (monotonic && !isRunningAndAvailable(pod, minReady, now)) return true;
    let retentionMatch = true;
    try {
      retentionMatch = this.claimsMatchRetentionPolicy(updateSet, pod);
    } catch {
      retentionMatch = true;
    }
    if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
    await this.updateStatefulPod(updateSet, structuredClone(pod));
    return false;
  }

  /** upstream processCondemned; resolves true when the walk must stop. */
  private async processCondemned(
    set: StatefulSet,
    firstUnhealthy: Pod | undefined,
    monotonic: boolean,
    condemned: Pod[],
    i: number,
    minReady: number,
    now: number,
  ): Promise<boolean> {
    const pod = condemned[i];
    if (pod === undefined) return false;
    if (isTerminating(pod)) return monotonic;
    if (monotonic && pod !== firstUnhealthy) {
      if (!isRunningAndReady(pod)) return true;
      if (!isRunningAndAvailable(pod, minReady, now)) return true;
    }
    await this.deleteStatefulPod(set, pod);
    return true;
  }

  // --- pod control (upstream StatefulPodControl) ---

  private recordPodEvent(verb: string, set: StatefulSet, pod: Pod, err: unknown): void {
    const title = verb.charAt(0).toUpperCase() + verb.slice(1);
    const podName = pod.metadata?.name ?? '';
    const setName = set.metadata?.name ?? '';
    if (err === undefined) {
      this.opts.recorder.event(
        set,
        'Normal',
        `Successful${title}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} successful`,
      );
    } else {
      this.opts.recorder.event(
        set,
        'Warning',
        `Failed${title}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`,
      );
    }
  }

  private recordClaimEvent(
    verb: string,
    set: StatefulSet,
    pod: Pod,
    claim: PersistentVolumeClaim,
    err: unknown,
  ): void {
    const title = verb.charAt(0).toUpperCase() + verb.slice(1);
    const c = claim.metadata?.name ?? '';
    const p = pod.metadata?.name ?? '';
    const s = set.metadata?.name ?? '';
    if (err === undefined) {
      this.opts.recorder.event(
        set,
        'Normal',
        `Successful${title}`,
        `${verb} Claim ${c} Pod ${p} in StatefulSet ${s} success`,
      );
    } else {
      this.opts.recorder.event(
        set,
        'Warning',
        `Failed${title}`,
        `${verb} Claim ${c} for Pod ${p} in StatefulSet ${s} failed error: ${errorMessage(err)}`,
      );
    }
  }

  /** Creates the pod's missing claims (upstream createPersistentVolumeClaims). */
  private async createPersistentVolumeClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errs: unknown[] = [];
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const ns = claim.metadata?.namespace ?? '';
      const name = claim.metadata?.name ?? '';
      const existing = this.claimLister.get(ns, name);
      if (existing !== undefined) {
        if (existing.metadata?.deletionTimestamp !== undefined) {
          errs.push(new Error(`pvc ${name} is being deleted`));
        }
        continue;
      }
      try {
        await this.opts.clientset.persistentVolumeClaims.create(ns, claim);
        this.recordClaimEvent('create', set, pod, claim, undefined);
      } catch (err) {
        errs.push(new Error(`failed to create PVC ${name}: ${errorMessage(err)}`, { cause: err }));
        if (!isAlreadyExists(err)) this.recordClaimEvent('create', set, pod, claim, err);
      }
    }
    if (errs.length > 0) throw new AggregateControllerError(errs);
  }

  /** upstream CreateStatefulPod: claims first, then the pod, then claim owners. */
  private async createStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.createPersistentVolumeClaims(set, pod);
    } catch (err) {
      this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.opts.clientset.pods.create(pod.metadata?.namespace ?? '', pod);
    } catch (err) {
      // An existing pod is not an event (upstream sinks AlreadyExists silently).
      if (!isAlreadyExists(err)) this.recordPodEvent('create', set, pod, err);
      throw err;
    }
    try {
      await this.updatePodClaimForRetentionPolicy(set, pod);
    } catch (err) {
      this.recordPodEvent('update', set, pod, err);
      throw err;
    }
    this.recordPodEvent('create', set, pod, undefined);
  }

  private async deleteStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.opts.clientset.pods.delete(
        pod.metadata?.namespace ?? '',
        pod.metadata?.name ?? '',
      );
    } catch (err) {
      this.recordPodEvent('delete', set, pod, err);
      throw err;
    }
    this.recordPodEvent('delete', set, pod, undefined);
  }

  /** upstream UpdateStatefulPod: identity, storage and claim owners, retried on conflict. */
  private async updateStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    let attempted = false;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      let consistent = true;
      try {
        if (!identityMatches(set, pod)) {
          updateIdentity(set, pod);
          consistent = false;
        }
        if (!storageMatches(set, pod)) {
          updateStorage(set, pod);
          consistent = false;
          await this.createPersistentVolumeClaims(set, pod);
        }
        if (!this.claimsMatchRetentionPolicy(set, pod)) {
          await this.updatePodClaimForRetentionPolicy(set, pod);
        }
      } catch (err) {
        this.recordPodEvent('update', set, pod, err);
        throw err;
      }
      if (consistent) return;
      attempted = true;
      try {
        await this.opts.clientset.pods.update(pod.metadata?.namespace ?? '', pod);
        lastErr = undefined;
        break;
      } catch (err) {
        lastErr = err;
        try {
          pod = await this.opts.clientset.pods.get(
            set.metadata?.namespace ?? '',
            pod.metadata?.name ?? '',
          );
        } catch {
          break;
        }
      }
    }
    if (attempted) this.recordPodEvent('update', set, pod, lastErr);
    if (lastErr !== undefined) throw toError(lastErr);
  }

  /** True when every existing claim of the pod has the owners the policy wants. */
  private claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): boolean {
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const existing = this.claimLister.get(
        claim.metadata?.namespace ?? '',
        claim.metadata?.name ?? '',
      );
      if (existing === undefined) continue;
      if (!claimOwnerMatchesSetAndPod(existing, set, pod)) return false;
    }
    return true;
  }

  /** Sets the owners of the pod's existing claims per the policy (upstream). */
  private async updatePodClaimForRetentionPolicy(set: StatefulSet, pod: Pod): Promise<void> {
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const ns = claim.metadata?.namespace ?? '';
      const existing = this.claimLister.get(ns, claim.metadata?.name ?? '');
      if (existing === undefined) continue;
      const copy = structuredClone(existing);
      if (!updateClaimOwnerRefForSetAndPod(copy, set, pod)) continue;
      try {
        await this.opts.clientset.persistentVolumeClaims.update(ns, copy);
      } catch (err) {
        throw new Error(
          `could not update claim ${claim.metadata?.name ?? ''} for delete policy ownerRefs: ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
  }

  private async fixClaimsForRetention(updateSet: StatefulSet, pod: Pod): Promise<void> {
    if (!this.claimsMatchRetentionPolicy(updateSet, pod)) {
      await this.updatePodClaimForRetentionPolicy(updateSet, pod);
    }
  }

  /** A claim still owned by an earlier pod of the same name must go first (upstream PodClaimIsStale). */
  private podClaimIsStale(set: StatefulSet, pod: Pod): boolean {
    const { whenScaled } = {
      whenScaled: set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain',
    };
    if (whenScaled !== 'Delete') return false;
    for (const claim of getPersistentVolumeClaims(set, pod).values()) {
      const existing = this.claimLister.get(
        claim.metadata?.namespace ?? '',
        claim.metadata?.name ?? '',
      );
      if (existing !== undefined && hasStaleOwnerRef(existing, pod)) return true;
    }
    return false;
  }

  // --- status and history ---

  /** upstream updateStatefulSetStatus: completes a finished rolling update, writes if changed. */
  private async updateStatus(set: StatefulSet, status: SetStatus): Promise<void> {
    if (
      (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
      (status.updatedReplicas ?? 0) === status.replicas &&
      (status.readyReplicas ?? 0) === status.replicas
    ) {
      status.currentReplicas = status.updatedReplicas ?? 0;
      status.currentRevision = status.updateRevision ?? '';
    }
    const cur = set.status;
    if (
      (status.observedGeneration ?? 0) <= (cur?.observedGeneration ?? 0) &&
      status.replicas === (cur?.replicas ?? 0) &&
      (status.currentReplicas ?? 0) === (cur?.currentReplicas ?? 0) &&
      (status.readyReplicas ?? 0) === (cur?.readyReplicas ?? 0) &&
      (status.updatedReplicas ?? 0) === (cur?.updatedReplicas ?? 0) &&
      (status.currentRevision ?? '') === (cur?.currentRevision ?? '') &&
      (status.availableReplicas ?? 0) === (cur?.availableReplicas ?? 0) &&
      (status.updateRevision ?? '') === (cur?.updateRevision ?? '')
    ) {
      return;
    }
    const ns = set.metadata?.namespace ?? '';
    const next: StatefulSetStatus = { ...status };
    if (cur?.conditions !== undefined) next.conditions = cur.conditions;
    let obj: StatefulSet = { ...set, status: next };
    for (let i = 0; ; i++) {
      try {
        await this.opts.clientset.statefulSets.updateStatus(ns, obj);
        return;
      } catch (err) {
        if (i >= 4) throw err;
        const fresh = this.setLister.get(ns, set.metadata?.name ?? '');
        obj = { ...(fresh ?? set), status: next };
        if (fresh?.metadata?.resourceVersion === set.metadata?.resourceVersion) {
          obj = {
            ...(await this.opts.clientset.statefulSets.get(ns, set.metadata?.name ?? '')),
            status: next,
          };
        }
      }
    }
  }

  /** Deletes the oldest revisions no pod uses beyond revisionHistoryLimit (upstream truncateHistory). */
  private async truncateHistory(
    set: StatefulSet,
    pods: Pod[],
    revisions: ControllerRevision[],
    current: ControllerRevision,
    update: ControllerRevision,
  ): Promise<void> {
    const live = new Set<string>([current.metadata?.name ?? '', update.metadata?.name ?? '']);
    for (const p of pods) live.add(getPodRevision(p));
    const history = revisions.filter((r) => !live.has(r.metadata?.name ?? ''));
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    if (history.length <= limit) return;
    for (const r of history.slice(0, history.length - limit)) {
      await this.history.deleteControllerRevision(r);
    }
  }
}

/** Carries the status computed so far with the error that stopped the walk. */
class StatusCarrier extends Error {
  override readonly name = 'StatusCarrier';
  constructor(
    readonly status: SetStatus,
    override readonly cause: unknown,
  ) {
    super(errorMessage(cause));
  }
}

/** upstream updateStatus/computeReplicaStatus over both pod lists; changes `status`. */
function computeStatus(
  status: SetStatus,
  minReady: number,
  now: number,
  currentRevision: string,
  updateRevision: string,
  ...lists: Pod[][]
): void {
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const list of lists) {
    for (const pod of list) {
      if (isCreated(pod)) replicas++;
      if (isRunningAndReady(pod)) {
        ready++;
        if (isRunningAndAvailable(pod, minReady, now)) available++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const rev = getPodRevision(pod);
        if (rev === currentRevision) current++;
        if (rev === updateRevision) updated++;
      }
    }
  }
  status.replicas = replicas;
  status.readyReplicas = ready;
  status.availableReplicas = available;
  status.currentReplicas = current;
  status.updatedReplicas = updated;
}

/**
 * Runs `fn` over indices: in order, stopping at the first `true` or error, when monotonic;
 * else all at once in slow-start batches, failing on the first error (upstream runForAll).
 */
async function runForAll(
  count: number,
  fn: (i: number) => Promise<boolean>,
  monotonic: boolean,
): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await fn(i)) return true;
    return false;
  }
  let next = 0;
  for (let size = Math.min(1, count); size > 0; size = Math.min(2 * size, count - next)) {
    const batch = Array.from({ length: size }, (_, k) => fn(next + k));
    next += size;
    const results = await Promise.allSettled(batch);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw toError(failed.reason);
  }
  return false;
}

/** The StatefulSet controller (`statefulset`). */
export function newStatefulSetController(
  opts: StatefulSetControllerOptions,
): StatefulSetController {
  return new StatefulSetController(opts);
}
