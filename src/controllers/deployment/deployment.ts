/**
 * The Deployment controller (upstream pkg/controller/deployment: deployment_controller.go,
 * sync.go, rolling.go, recreate.go, progress.go). It owns ReplicaSets named
 * `<deployment>-<pod-template-hash>`: the new one has the deployment's template, the old ones
 * are scaled down by the strategy (RollingUpdate within maxSurge/maxUnavailable, or Recreate);
 * it scales proportionally when the deployment is resized mid-rollout, keeps the revision
 * annotations (a template equal to an old ReplicaSet's — `kubectl rollout undo` — makes that
 * ReplicaSet the new one with the next revision), honours `paused`, reports Progressing and
 * Available conditions with upstream's reasons and messages, and deletes old ReplicaSets
 * beyond revisionHistoryLimit.
 */
import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSet,
} from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound, labelSelectorAsSelector } from '../../api/index.ts';
import type { Selector } from '../../api/index.ts';
import { BUILTIN_RESOURCES, objectKey, splitObjectKey } from '../../client/index.ts';
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
  ControllerRefManager,
  NOOP_LOGGER,
  errorMessage,
  formatTime,
  getControllerOf,
  isNamespaceTerminating,
  newControllerRef,
  parseTime,
  recheckByUid,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';
import {
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  Reasons,
  actualReplicaCount,
  availableReplicaCount,
  byCreationTimestamp,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  computeHash,
  desiredReplicasAnnotation,
  filterActiveReplicaSets,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getCondition,
  getProportion,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  readyReplicaCount,
  removeCondition,
  replicaCount,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './util.ts';

/** Upstream maxRetries: a key failing this often is dropped. */
export const DEPLOYMENT_MAX_RETRIES = 15;
const KIND = { apiVersion: 'apps/v1', kind: 'Deployment' } as const;

/** What the controller needs; the lead wires these in the controller-manager. */
export interface DeploymentControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records ScalingReplicaSet, SelectingAll and ReplicaSetCreateError. */
  readonly recorder: EventRecorder;
  readonly queue?: RateLimitingQueue<string>;
  /** Wall clock in ms (conditions, progress deadlines); default Date.now. */
  readonly now?: () => number;
  readonly logger?: ControllerLogger;
}

/** The Deployment controller; see the module comment. */
export class DeploymentController {
  readonly controller: Controller;
  private readonly cs: Clientset;
  private readonly recorder: EventRecorder;
  private readonly dLister: Lister<Deployment>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly podLister: Lister<Pod>;
  private readonly now: () => number;

  constructor(opts: DeploymentControllerOptions) {
    this.cs = opts.clientset;
    this.recorder = opts.recorder;
    this.now = opts.now ?? Date.now;
    const dInf = opts.informers.informer<Deployment>(BUILTIN_RESOURCES.deployments);
    const rsInf = opts.informers.informer<ReplicaSet>(BUILTIN_RESOURCES.replicaSets);
    const podInf = opts.informers.informer<Pod>(BUILTIN_RESOURCES.pods);
    this.dLister = dInf.lister;
    this.rsLister = rsInf.lister;
    this.podLister = podInf.lister;
    this.controller = new Controller({
      name: 'deployment',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [dInf, rsInf, podInf],
      maxRetries: DEPLOYMENT_MAX_RETRIES,
      logger: opts.logger ?? NOOP_LOGGER,
    });
    dInf.addEventHandler({
      onAdd: (d) => {
        this.controller.enqueue(d);
      },
      onUpdate: (_o, d) => {
        this.controller.enqueue(d);
      },
      onDelete: (d) => {
        this.controller.enqueue(d);
      },
    });
    rsInf.addEventHandler({
      onAdd: (rs) => {
        this.onReplicaSet(rs, undefined);
      },
      onUpdate: (old, cur) => {
        if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion)
          this.onReplicaSet(cur, old);
      },
      onDelete: (obj) => {
        const rs = unwrapTombstone(obj);
        const d = this.resolveControllerRef(rs);
        if (d !== undefined) this.controller.enqueue(d);
      },
    });
    podInf.addEventHandler({
      onDelete: (obj) => {
        this.onPodDeleted(obj);
      },
    });
  }

  /** Waits for the caches, then syncs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }

  private resolveControllerRef(rs: ReplicaSet): Deployment | undefined {
    const ref = getControllerOf(rs);
    if (ref?.kind !== 'Deployment') return undefined;
    const d = this.dLister.get(rs.metadata?.namespace ?? '', ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  private deploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) return [];
    return this.dLister.list(rs.metadata?.namespace ?? '').filter((d) => {
      try {
        const sel = labelSelectorAsSelector(d.spec?.selector);
        return !sel.empty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private onReplicaSet(cur: ReplicaSet, old: ReplicaSet | undefined): void {
    const curRef = getControllerOf(cur);
    const oldRef = old === undefined ? undefined : getControllerOf(old);
    if (
      old !== undefined &&
      oldRef !== undefined &&
      JSON.stringify(oldRef) !== JSON.stringify(curRef)
    ) {
      const d = this.resolveControllerRef(old);
      if (d !== undefined) this.controller.enqueue(d);
    }
    if (curRef !== undefined) {
      const d = this.resolveControllerRef(cur);
      if (d !== undefined) this.controller.enqueue(d);
      return;
    }
    for (const d of this.deploymentsForReplicaSet(cur)) this.controller.enqueue(d);
  }

  /** Recreate waits for old pods to go away: a deleted pod may unblock it. */
  private onPodDeleted(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.rsLister.get(pod.metadata?.namespace ?? '', ref.name);
    if (rs === undefined || rs.metadata?.uid !== ref.uid) return;
    const d = this.resolveControllerRef(rs);
    if (d?.spec?.strategy?.type === 'Recreate') this.controller.enqueue(d);
  }

  private nowTime(): string {
    return formatTime(this.now());
  }

  // --- sync ---

  /** Reconciles the deployment `namespace/name` (upstream syncDeployment). Idempotent. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const cached = this.dLister.get(namespace, name);
    if (cached === undefined) return;
    const d = structuredClone(cached);
    const sel = d.spec?.selector;
    if (
      sel !== undefined &&
      Object.keys(sel.matchLabels ?? {}).length === 0 &&
      (sel.matchExpressions ?? []).length === 0
    ) {
      this.recorder.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.writeStatus(d, {
          ...(d.status ?? {}),
          observedGeneration: d.metadata?.generation ?? 0,
        });
      }
      return;
    }
    const rsList = await this.getReplicaSetsForDeployment(d);
    if (d.metadata?.deletionTimestamp !== undefined) {
      const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
      await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    await this.checkPausedConditions(d);
    if (d.spec?.paused === true) {
      await this.syncScale(d, rsList);
      return;
    }
    if (await this.isScalingEvent(d, rsList)) {
      await this.syncScale(d, rsList);
      return;
    }
    const type = d.spec?.strategy?.type ?? 'RollingUpdate';
    if (type === 'Recreate') await this.rolloutRecreate(d, rsList);
    else if (type === 'RollingUpdate') await this.rolloutRolling(d, rsList);
    else throw new Error(`unexpected deployment strategy type: ${type}`);
  }

  private async getReplicaSetsForDeployment(d: Deployment): Promise<ReplicaSet[]> {
    let selector: Selector;
    try {
      selector = labelSelectorAsSelector(d.spec?.selector);
    } catch (err) {
      throw new Error(
        `deployment ${objectKey(d)} has invalid label selector: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const ns = d.metadata?.namespace ?? '';
    const name = d.metadata?.name ?? '';
    const m = new ControllerRefManager({
      controller: d,
      controllerKind: KIND,
      selector,
      canAdopt: recheckByUid(d, 'Deployment', () => this.cs.deployments.get(ns, name)),
    });
    const claimed = await m.claim(this.rsLister.list(ns), 'ReplicaSet', (n, rsName, p) =>
      this.cs.replicaSets.patch(n, rsName, 'strategic', p),
    );
    return claimed.map((rs) => structuredClone(rs));
  }

  /** Writes `status` and keeps `d`'s resourceVersion current. */
  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    d.status = status;
    const out = await this.cs.deployments.updateStatus(d.metadata?.namespace ?? '', d);
    d.metadata = { ...d.metadata, resourceVersion: out.metadata?.resourceVersion };
  }

  /**
   * Records the revision on the deployment through the status subresource, which keeps
   * annotation changes (upstream's deployment status strategy resets only spec and labels); the
   * controller's role may update deployments/status but not patch deployments.
   */
  private async setDeploymentRevision(d: Deployment, rev: string): Promise<void> {
    if (d.metadata?.annotations?.[REVISION_ANNOTATION] === rev) return;
    d.metadata = {
      ...d.metadata,
      annotations: { ...(d.metadata?.annotations ?? {}), [REVISION_ANNOTATION]: rev },
    };
    const out = await this.cs.deployments.updateStatus(d.metadata.namespace ?? '', d);
    d.metadata = { ...d.metadata, resourceVersion: out.metadata?.resourceVersion };
  }

  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (!hasProgressDeadline(d)) return;
    const conds = d.status?.conditions ?? [];
    const cond = getCondition(conds, 'Progressing');
    if (cond?.reason === Reasons.TimedOut) return;
    const pausedExists = cond?.reason === Reasons.PausedDeploy;
    let next: DeploymentCondition[] | undefined;
    if (d.spec?.paused === true && !pausedExists) {
      next = setCondition(
        conds,
        newCondition(
          'Progressing',
          'Unknown',
          Reasons.PausedDeploy,
          'Deployment is paused',
          this.nowTime(),
        ),
      );
    } else if (d.spec?.paused !== true && pausedExists) {
      next = setCondition(
        conds,
        newCondition(
          'Progressing',
          'Unknown',
          Reasons.ResumedDeploy,
          'Deployment is resumed',
          this.nowTime(),
        ),
      );
    }
    if (next !== undefined) await this.writeStatus(d, { ...(d.status ?? {}), conditions: next });
  }

  private async getAllReplicaSetsAndSyncRevision(
    d: Deployment,
    rsList: ReplicaSet[],
    create: boolean,
  ): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const oldRSs = findOldReplicaSets(d, rsList);
    const newRS = await this.getNewReplicaSet(d, rsList, oldRSs, create);
    return { newRS, oldRSs };
  }

  /** upstream getNewReplicaSet; see the module comment. */
  private async getNewReplicaSet(
    d: Deployment,
    rsList: ReplicaSet[],
    oldRSs: ReplicaSet[],
    create: boolean,
  ): Promise<ReplicaSet | undefined> {
    const ns = d.metadata?.namespace ?? '';
    const existing = findNewReplicaSet(d, rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    if (existing !== undefined) {
      const rsCopy = structuredClone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsUpdated || (rsCopy.spec?.minReadySeconds ?? 0) !== minReady) {
        if (rsCopy.spec !== undefined) rsCopy.spec.minReadySeconds = minReady;
        const updated = await this.cs.replicaSets.update(ns, rsCopy);
        // rsList holds this sync's copies: keep them current for later steps of the sync.
        Object.assign(existing, updated);
        return existing;
      }
      await this.setDeploymentRevision(
        d,
        rsCopy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '',
      );
      const conds = d.status?.conditions ?? [];
      if (hasProgressDeadline(d) && getCondition(conds, 'Progressing') === undefined) {
        const c = newCondition(
          'Progressing',
          'True',
          Reasons.FoundNewRS,
          `Found new replica set "${rsCopy.metadata?.name ?? ''}"`,
          this.nowTime(),
        );
        await this.writeStatus(d, { ...(d.status ?? {}), conditions: setCondition(conds, c) });
      }
      return rsCopy;
    }
    if (!create) return undefined;

    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = {
      ...template.metadata,
      labels: { ...(d.spec?.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
    };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata?.name ?? ''}-${hash}`,
        namespace: ns,
        ownerReferences: [newControllerRef(d, KIND)],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const newReplicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    if (newRS.spec !== undefined) newRS.spec.replicas = newReplicas;
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = await this.cs.replicaSets.create(ns, newRS);
    } catch (err) {
      if (isAlreadyExists(err)) {
        const rs = this.rsLister.get(ns, newRS.metadata?.name ?? '');
        if (rs === undefined) throw err;
        const ref = getControllerOf(rs);
        if (
          ref !== undefined &&
          ref.uid === d.metadata?.uid &&
          findNewReplicaSet(d, [rs]) !== undefined
        ) {
          created = structuredClone(rs);
          alreadyExists = true;
        } else {
          // A hash collision: bump collisionCount and retry with the next hash.
          await this.writeStatus(d, {
            ...(d.status ?? {}),
            collisionCount: (d.status?.collisionCount ?? 0) + 1,
          });
          throw err;
        }
      } else if (isNamespaceTerminating(err)) {
        throw err;
      } else {
        const msg = `Failed to create new replica set "${newRS.metadata?.name ?? ''}": ${errorMessage(err)}`;
        if (hasProgressDeadline(d)) {
          const c = newCondition(
            'Progressing',
            'False',
            Reasons.FailedRSCreate,
            msg,
            this.nowTime(),
          );
          try {
            await this.writeStatus(d, {
              ...(d.status ?? {}),
              conditions: setCondition(d.status?.conditions ?? [], c),
            });
          } catch {
            // The create failure is the error worth reporting.
          }
        }
        this.recorder.event(d, 'Warning', Reasons.FailedRSCreate, msg);
        throw err;
      }
    }
    if (!alreadyExists && newReplicas > 0) {
      this.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata?.name ?? ''} from 0 to ${newReplicas}`,
      );
    }
    await this.setDeploymentRevision(d, newRevision);
    if (!alreadyExists && hasProgressDeadline(d)) {
      const c = newCondition(
        'Progressing',
        'True',
        Reasons.NewReplicaSet,
        `Created new replica set "${created.metadata?.name ?? ''}"`,
        this.nowTime(),
      );
      await this.writeStatus(d, {
        ...(d.status ?? {}),
        conditions: setCondition(d.status?.conditions ?? [], c),
      });
    }
    return created;
  }

  private async isScalingEvent(d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    for (const rs of filterActiveReplicaSets([...oldRSs, newRS])) {
      const desired = desiredReplicasAnnotation(rs);
      if (desired !== undefined && desired !== replicasOf(d)) return true;
    }
    return false;
  }

  /** upstream sync: scaling events and paused deployments. */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.scale(d, newRS, oldRSs);
    if (d.spec?.paused === true) await this.cleanupDeployment(oldRSs, d);
    await this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
  }

  /** upstream scale, including proportional scaling. */
  private async scale(
    d: Deployment,
    newRS: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
  ): Promise<void> {
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest !== undefined) {
      if (replicasOf(activeOrLatest) === replicasOf(d)) return;
      await this.scaleReplicaSetAndRecordEvent(activeOrLatest, replicasOf(d), d);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of filterActiveReplicaSets(oldRSs))
        await this.scaleReplicaSetAndRecordEvent(old, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allRSs = filterActiveReplicaSets([...oldRSs, newRS]);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowed - replicaCount(allRSs);
    let op = '';
    if (toAdd > 0) {
      allRSs.sort(bySizeNewer);
      op = 'up';
    } else if (toAdd < 0) {
      allRSs.sort(bySizeOlder);
      op = 'down';
    }
    let added = 0;
    const sizes = allRSs.map((rs) => {
      if (toAdd === 0) return replicasOf(rs);
      const p = getProportion(rs, d, toAdd, added);
      added += p;
      return replicasOf(rs) + p;
    });
    for (let i = 0; i < allRSs.length; i++) {
      let size = sizes[i] ?? 0;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      const rs = allRSs[i];
      if (rs !== undefined) await this.scaleReplicaSet(rs, size, d, op);
    }
  }

  private async scaleReplicaSetAndRecordEvent(
    rs: ReplicaSet,
    newScale: number,
    d: Deployment,
  ): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (replicasOf(rs) === newScale) return { scaled: false, rs };
    return this.scaleReplicaSet(rs, newScale, d, replicasOf(rs) < newScale ? 'up' : 'down');
  }

  private async scaleReplicaSet(
    rs: ReplicaSet,
    newScale: number,
    d: Deployment,
    op: string,
  ): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const max = replicasOf(d) + maxSurge(d);
    const sizeNeedsUpdate = replicasOf(rs) !== newScale;
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, replicasOf(d), max))
      return { scaled: false, rs };
    const oldScale = replicasOf(rs);
    const copy = structuredClone(rs);
    if (copy.spec !== undefined) copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, replicasOf(d), max);
    const updated = await this.cs.replicaSets.update(rs.metadata?.namespace ?? '', copy);
    // Keep the caller's view current: later steps of this sync read these replicas.
    Object.assign(rs, updated);
    if (sizeNeedsUpdate) {
      this.recorder.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${op} replica set ${updated.metadata?.name ?? ''} from ${oldScale} to ${newScale}`,
      );
    }
    return { scaled: sizeNeedsUpdate, rs: updated };
  }

  /** Deletes old, fully scaled-down ReplicaSets beyond revisionHistoryLimit (upstream). */
  private async cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): Promise<void> {
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
    const diff = cleanable.length - (d.spec?.revisionHistoryLimit ?? 0);
    if (diff <= 0) return;
    cleanable.sort(byRevision);
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.cs.replicaSets.delete(rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** upstream calculateStatus. */
  private calculateStatus(
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
    d: Deployment,
  ): DeploymentStatus {
    const available = availableReplicaCount(allRSs);
    const unavailable = Math.max(0, replicaCount(allRSs) - available);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation ?? 0,
      replicas: actualReplicaCount(allRSs),
      updatedReplicas: actualReplicaCount([newRS]),
      readyReplicas: readyReplicaCount(allRSs),
      availableReplicas: available,
      unavailableReplicas: unavailable,
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    let conds = (d.status?.conditions ?? []).map((c) => ({ ...c }));
    conds =
      available >= replicasOf(d) - maxUnavailable(d)
        ? setCondition(
            conds,
            newCondition(
              'Available',
              'True',
              Reasons.MinimumReplicasAvailable,
              'Deployment has minimum availability.',
              this.nowTime(),
            ),
          )
        : setCondition(
            conds,
            newCondition(
              'Available',
              'False',
              Reasons.MinimumReplicasUnavailable,
              'Deployment does not have minimum availability.',
              this.nowTime(),
            ),
          );
    status.conditions = conds;
    return status;
  }

  private async syncDeploymentStatus(
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
    d: Deployment,
  ): Promise<void> {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (sameStatus(d.status, status)) return;
    await this.writeStatus(d, status);
  }

  private deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
    const r = replicasOf(d);
    return (
      (s.updatedReplicas ?? 0) === r &&
      (s.replicas ?? 0) === r &&
      (s.availableReplicas ?? 0) === r &&
      (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
    );
  }

  /** upstream syncRolloutStatus (progress.go). */
  private async syncRolloutStatus(
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
    d: Deployment,
  ): Promise<void> {
    const s = this.calculateStatus(allRSs, newRS, d);
    let conds = s.conditions ?? [];
    if (!hasProgressDeadline(d)) conds = removeCondition(conds, 'Progressing');
    const current = getCondition(d.status?.conditions, 'Progressing');
    const complete =
      (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && current?.reason === Reasons.NewRSAvailable;
    const dName = d.metadata?.name ?? '';
    const subject =
      newRS !== undefined ? `ReplicaSet "${newRS.metadata?.name ?? ''}"` : `Deployment "${dName}"`;
    if (hasProgressDeadline(d) && !complete) {
      const old = d.status ?? {};
      const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
      const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
      if (this.deploymentComplete(d, s)) {
        conds = setCondition(
          conds,
          newCondition(
            'Progressing',
            'True',
            Reasons.NewRSAvailable,
            `${subject} has successfully progressed.`,
            this.nowTime(),
          ),
        );
      } else if (
        (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
        newOld < oldOld ||
        (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
        (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
      ) {
        const c = newCondition(
          'Progressing',
          'True',
          Reasons.ReplicaSetUpdated,
          `${subject} is progressing.`,
          this.nowTime(),
        );
        if (current !== undefined) {
          if (current.status === 'True' && current.lastTransitionTime !== undefined)
            c.lastTransitionTime = current.lastTransitionTime;
          conds = removeCondition(conds, 'Progressing');
        }
        conds = setCondition(conds, c);
      } else if (this.timedOut(d, conds)) {
        conds = setCondition(
          conds,
          newCondition(
            'Progressing',
            'False',
            Reasons.TimedOut,
            `${subject} has timed out progressing.`,
            this.nowTime(),
          ),
        );
      }
    }
    const failures = replicaFailures(allRSs, newRS);
    conds =
      failures[0] !== undefined
        ? setCondition(conds, failures[0])
        : removeCondition(conds, 'ReplicaFailure');
    s.conditions = conds;
    if (sameStatus(d.status, s)) {
      this.requeueStuckDeployment(d, s);
      return;
    }
    await this.writeStatus(d, s);
  }

  private timedOut(d: Deployment, conds: DeploymentCondition[]): boolean {
    if (!hasProgressDeadline(d)) return false;
    const c = getCondition(conds, 'Progressing');
    if (c === undefined || c.reason === Reasons.NewRSAvailable) return false;
    if (c.reason === Reasons.TimedOut) return true;
    const from = parseTime(c.lastUpdateTime) ?? 0;
    return from + (d.spec?.progressDeadlineSeconds ?? 0) * 1000 < this.now();
  }

  private requeueStuckDeployment(d: Deployment, s: DeploymentStatus): void {
    const c = getCondition(d.status?.conditions, 'Progressing');
    if (!hasProgressDeadline(d) || c === undefined) return;
    if (this.deploymentComplete(d, s) || c.reason === Reasons.TimedOut) return;
    const after =
      (parseTime(c.lastUpdateTime) ?? 0) +
      (d.spec?.progressDeadlineSeconds ?? 0) * 1000 -
      this.now();
    if (after < 1000) this.controller.enqueueRateLimited(d);
    else this.controller.enqueueAfter(d, after + 1000);
  }

  // --- RollingUpdate (rolling.go) ---

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const got = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true);
    const newRS = got.newRS;
    const oldRSs = got.oldRSs;
    if (newRS === undefined) return;
    const allRSs = [...oldRSs, newRS];
    if (await this.reconcileNewReplicaSet(allRSs, newRS, d)) {
      await this.syncRolloutStatus(allRSs, newRS, d);
      return;
    }
    if (await this.reconcileOldReplicaSets(allRSs, filterActiveReplicaSets(oldRSs), newRS, d)) {
      await this.syncRolloutStatus(allRSs, newRS, d);
      return;
    }
    if (this.deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    await this.syncRolloutStatus(allRSs, newRS, d);
  }

  private async reconcileNewReplicaSet(
    allRSs: ReplicaSet[],
    newRS: ReplicaSet,
    d: Deployment,
  ): Promise<boolean> {
    if (replicasOf(newRS) === replicasOf(d)) return false;
    if (replicasOf(newRS) > replicasOf(d)) {
      return (await this.scaleReplicaSetAndRecordEvent(newRS, replicasOf(d), d)).scaled;
    }
    const count = newRSNewReplicas(d, allRSs, newRS);
    return (await this.scaleReplicaSetAndRecordEvent(newRS, count, d)).scaled;
  }

  private async reconcileOldReplicaSets(
    allRSs: ReplicaSet[],
    oldRSs: ReplicaSet[],
    newRS: ReplicaSet,
    d: Deployment,
  ): Promise<boolean> {
    if (replicaCount(oldRSs) === 0) return false;
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = replicaCount(allRSs) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // Unhealthy replicas first, so that they do not block the rollout (upstream #16737).
    oldRSs.sort(byCreationTimestamp);
    let cleaned = 0;
    for (const rs of oldRSs) {
      if (cleaned >= maxScaledDown) break;
      const avail = rs.status?.availableReplicas ?? 0;
      if (replicasOf(rs) === 0 || replicasOf(rs) === avail) continue;
      const down = Math.min(maxScaledDown - cleaned, replicasOf(rs) - avail);
      await this.scaleReplicaSetAndRecordEvent(rs, replicasOf(rs) - down, d);
      cleaned += down;
    }
    // Then healthy ones, within maxUnavailable.
    let scaledDown = 0;
    const availableCount = availableReplicaCount([...oldRSs, newRS]);
    if (availableCount > minAvailable) {
      const total = availableCount - minAvailable;
      for (const rs of oldRSs) {
        if (scaledDown >= total) break;
        if (replicasOf(rs) === 0) continue;
        const down = Math.min(replicasOf(rs), total - scaledDown);
        await this.scaleReplicaSetAndRecordEvent(rs, replicasOf(rs) - down, d);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  // --- Recreate (recreate.go) ---

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
    let scaledDown = false;
    for (const rs of filterActiveReplicaSets(oldRSs)) {
      if ((await this.scaleReplicaSetAndRecordEvent(rs, 0, d)).scaled) scaledDown = true;
    }
    if (scaledDown || this.oldPodsRunning(newRS, oldRSs)) {
      await this.syncRolloutStatus(allRSs, newRS, d);
      return;
    }
    if (newRS === undefined) {
      ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
      allRSs = [...oldRSs, newRS];
    }
    if (newRS !== undefined) await this.scaleReplicaSetAndRecordEvent(newRS, replicasOf(d), d);
    if (this.deploymentComplete(d, d.status ?? {})) await this.cleanupDeployment(oldRSs, d);
    await this.syncRolloutStatus(allRSs, newRS, d);
  }

  /** upstream oldPodsRunning: old ReplicaSets report pods, or their non-terminal pods exist. */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (actualReplicaCount(oldRSs) > 0) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata?.uid ?? ''));
    for (const rs of oldRSs) {
      let sel: Selector;
      try {
        sel = labelSelectorAsSelector(rs.spec?.selector);
      } catch {
        continue;
      }
      for (const p of this.podLister.list(rs.metadata?.namespace ?? '', sel)) {
        const ref = getControllerOf(p);
        if (ref === undefined || !oldUids.has(ref.uid) || ref.uid === newRS?.metadata?.uid)
          continue;
        const phase = p.status?.phase;
        if (phase !== 'Failed' && phase !== 'Succeeded') return true;
      }
    }
    return false;
  }
}

function replicaFailures(
  allRSs: (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition[] {
  const conv = (rs: ReplicaSet | undefined): DeploymentCondition[] =>
    (rs?.status?.conditions ?? [])
      .filter((c) => c.type === 'ReplicaFailure')
      .map((c) => ({
        type: c.type,
        status: c.status,
        ...(c.lastTransitionTime !== undefined
          ? { lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime }
          : {}),
        ...(c.reason !== undefined ? { reason: c.reason } : {}),
        ...(c.message !== undefined ? { message: c.message } : {}),
      }));
  const fromNew = conv(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(conv);
}

/** Deep equality of two statuses, treating missing counters as 0 (Go zero values). */
function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const norm = (s: DeploymentStatus | undefined): string =>
    JSON.stringify({
      observedGeneration: s?.observedGeneration ?? 0,
      replicas: s?.replicas ?? 0,
      updatedReplicas: s?.updatedReplicas ?? 0,
      readyReplicas: s?.readyReplicas ?? 0,
      availableReplicas: s?.availableReplicas ?? 0,
      unavailableReplicas: s?.unavailableReplicas ?? 0,
      collisionCount: s?.collisionCount,
      conditions: (s?.conditions ?? []).map((c) => [
        c.type,
        c.status,
        c.reason,
        c.message,
        c.lastUpdateTime,
        c.lastTransitionTime,
      ]),
    });
  return norm(a) === norm(b);
}

/** The Deployment controller (`deployment`). */
export function newDeploymentController(opts: DeploymentControllerOptions): DeploymentController {
  return new DeploymentController(opts);
}
