/**
 * The DaemonSet controller (upstream pkg/controller/daemon/daemon_controller.go and update.go).
 * One pod per eligible node (nodeShouldRunDaemonPod): missing pods are created with a required
 * node affinity to the node's `metadata.name` (the scheduler binds them, as in 1.32), pods on
 * nodes that no longer qualify are deleted, failed pods are deleted (with a per-node backoff)
 * so that the next sync recreates them, and extra pods on a node are trimmed to the oldest.
 * The template is recorded as a ControllerRevision whose hash labels new pods
 * (`controller-revision-hash`); RollingUpdate replaces old pods within maxUnavailable (or
 * surges up to maxSurge), OnDelete waits for users to delete them. Expectations keep a lagging
 * cache from doubling pods.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
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
  AggregateControllerError,
  Controller,
  ControllerExpectations,
  ControllerRefManager,
  NOOP_LOGGER,
  RealPodControl,
  errorMessage,
  getControllerOf,
  isNamespaceTerminating,
  isPodAvailable,
  isPodReady,
  newControllerRef,
  podKey,
  recheckByUid,
  toError,
  unwrapTombstone,
} from '../shared/index.ts';
import type { ControllerKind, ControllerLogger, PodControl } from '../shared/index.ts';
import {
  canonicalJSON,
  hashControllerRevision,
  revisionData,
  templatePatch,
} from '../history/index.ts';
import {
  DAEMON_SET_HASH_LABEL,
  allowsSurge,
  comparePodsByCreationAndPhase,
  createPodTemplate,
  getTargetNodeName,
  getTemplateGeneration,
  isPodUpdated,
  nodeShouldRunDaemonPod,
  replaceDaemonSetPodNodeNameNodeAffinity,
  surgeCount,
  unavailableCount,
} from './util.ts';

/** apps/v1 DaemonSet, the kind of controller references. */
export const DAEMON_SET_KIND: ControllerKind = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
/** upstream BurstReplicas of the DaemonSet controller. */
export const DAEMON_SET_BURST_REPLICAS = 250;
/** Event reasons (upstream). */
export const SELECTING_ALL_REASON = 'SelectingAll';
export const FAILED_DAEMON_POD_REASON = 'FailedDaemonPod';
/** The failed-pod backoff (upstream: 1 s doubling to 15 min). */
const FAILED_POD_BACKOFF_INITIAL_MS = 1000;
const FAILED_POD_BACKOFF_MAX_MS = 15 * 60 * 1000;

/** What the controller needs; the lead wires these in the controller-manager. */
export interface DaemonSetControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Records pod create/delete events and SelectingAll/FailedDaemonPod warnings. */
  readonly recorder: EventRecorder;
  /** Default: RealPodControl over clientset and recorder. */
  readonly podControl?: PodControl;
  /** Default: a new rate-limited queue named `daemonset`. */
  readonly queue?: RateLimitingQueue<string>;
  /** Default DAEMON_SET_BURST_REPLICAS (250). */
  readonly burstReplicas?: number;
  /** Wall clock in ms (availability, backoff, expectations); default Date.now. */
  readonly now?: () => number;
  readonly logger?: ControllerLogger;
}

/** The DaemonSet controller (`daemonset`); see the module comment. */
export class DaemonSetController {
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  readonly expectations: ControllerExpectations;
  private readonly dsLister: Lister<DaemonSet>;
  private readonly podLister: Lister<Pod>;
  private readonly nodeLister: Lister<Node>;
  private readonly revLister: Lister<ControllerRevision>;
  private readonly podControl: PodControl;
  private readonly burstReplicas: number;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;
  /** Per `<ds uid>/<node>` failed-pod backoff: delay and when it was last raised. */
  private readonly failedBackoff = new Map<string, { delay: number; at: number }>();

  constructor(private readonly opts: DaemonSetControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.burstReplicas = opts.burstReplicas ?? DAEMON_SET_BURST_REPLICAS;
    this.expectations = new ControllerExpectations({ now: this.now });
    this.podControl = opts.podControl ?? new RealPodControl(opts.clientset, opts.recorder);
    const f = opts.informers;
    const dsInformer = f.informer<DaemonSet>(BUILTIN_RESOURCES.daemonSets);
    const podInformer = f.informer<Pod>(BUILTIN_RESOURCES.pods);
    const nodeInformer = f.informer<Node>(BUILTIN_RESOURCES.nodes);
    const revInformer = f.informer<ControllerRevision>(BUILTIN_RESOURCES.controllerRevisions);
    this.dsLister = dsInformer.lister;
    this.podLister = podInformer.lister;
    this.nodeLister = nodeInformer.lister;
    this.revLister = revInformer.lister;
    this.controller = new Controller({
      name: 'daemonset',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [dsInformer, podInformer, nodeInformer, revInformer],
      logger: this.logger,
    });
    dsInformer.addEventHandler({
      onAdd: (ds) => {
        this.controller.enqueue(ds);
      },
      onUpdate: (_o, ds) => {
        this.controller.enqueue(ds);
      },
      onDelete: (obj) => {
        const ds = unwrapTombstone(obj);
        this.expectations.deleteExpectations(objectKey(ds));
        this.controller.enqueue(ds);
      },
    });
    podInformer.addEventHandler({
      onAdd: (p) => {
        this.addPod(p);
      },
      onUpdate: (o, p) => {
        this.updatePod(o, p);
      },
      onDelete: (p) => {
        this.deletePod(p);
      },
    });
    nodeInformer.addEventHandler({
      onAdd: () => {
        this.enqueueAll();
      },
      onUpdate: (o, n) => {
        if (!shouldIgnoreNodeUpdate(o, n)) this.enqueueAll();
      },
    });
  }

  /** Waits for the caches, then syncs with `workers` workers until `signal` aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return this.controller.run(signal, workers);
  }

  // --- handlers ---

  private enqueueAll(): void {
    for (const ds of this.dsLister.list()) this.controller.enqueue(ds);
  }

  private resolveControllerRef(ns: string, ref: { kind: string; name: string; uid: string }) {
    if (ref.kind !== 'DaemonSet') return undefined;
    const ds = this.dsLister.get(ns, ref.name);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  }

  private daemonSetsForPod(pod: Pod): DaemonSet[] {
    const labels = pod.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) return [];
    return this.dsLister.list(pod.metadata?.namespace ?? '').filter((ds) => {
      try {
        const sel = labelSelectorAsSelector(ds.spec?.selector);
        return !sel.empty() && sel.matches(labels);
      } catch {
        return false;
      }
    });
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp !== undefined) {
      this.deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref !== undefined) {
      const ds = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (ds === undefined) return;
      this.expectations.creationObserved(objectKey(ds));
      this.controller.enqueue(ds);
      return;
    }
    for (const ds of this.daemonSetsForPod(pod)) this.controller.enqueue(ds);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    if (cur.metadata?.deletionTimestamp !== undefined) {
      this.deletePod(cur);
      return;
    }
    const ns = cur.metadata?.namespace ?? '';
    const oldRef = getControllerOf(old);
    const curRef = getControllerOf(cur);
    if (oldRef !== undefined && oldRef.uid !== curRef?.uid) {
      const ds = this.resolveControllerRef(ns, oldRef);
      if (ds !== undefined) this.controller.enqueue(ds);
    }
    if (curRef !== undefined) {
      const ds = this.resolveControllerRef(ns, curRef);
      if (ds === undefined) return;
      this.controller.enqueue(ds);
      const minReady = ds.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        this.controller.enqueueAfter(ds, minReady * 1000 + 1000);
      }
      return;
    }
    for (const ds of this.daemonSetsForPod(cur)) this.controller.enqueue(ds);
  }

  private deletePod(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = unwrapTombstone(obj);
    const ref = getControllerOf(pod);
    if (ref === undefined) return;
    const ds = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
    if (ds === undefined) return;
    const key = objectKey(ds);
    this.expectations.deletionObserved(key, podKey(pod));
    this.controller.queue.add(key);
  }

  // --- sync ---

  /**
   * Reconciles the DaemonSet `namespace/name` (upstream syncDaemonSet). Idempotent; rejects on
   * API errors so that the key is retried with rate limiting.
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const ds = this.dsLister.get(namespace, name);
    if (ds === undefined) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const sel = ds.spec?.selector;
    if (
      (sel?.matchLabels === undefined || Object.keys(sel.matchLabels).length === 0) &&
      (sel?.matchExpressions === undefined || sel.matchExpressions.length === 0)
    ) {
      this.opts.recorder.event(
        ds,
        'Warning',
        SELECTING_ALL_REASON,
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    let selector: Selector;
    try {
      selector = labelSelectorAsSelector(sel);
    } catch (err) {
      this.logger.error('invalid selector', { key, err: errorMessage(err) });
      return;
    }
    // While being deleted its revisions may be going too: do nothing (upstream).
    if (ds.metadata?.deletionTimestamp !== undefined) return;
    const nodes = this.nodeLister.list();
    const { cur, old } = await this.constructHistory(ds, selector);
    const hash = cur.metadata?.labels?.[DAEMON_SET_HASH_LABEL] ?? '';
    if (!this.expectations.satisfiedExpectations(key)) {
      // Only status: observedGeneration is not raised for a generation not acted on.
      await this.updateStatus(ds, selector, nodes, hash, false);
      return;
    }
    let err: unknown;
    try {
      await this.manage(ds, selector, nodes, hash, key);
      if (this.expectations.satisfiedExpectations(key)) {
        if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
          await this.rollingUpdate(ds, selector, nodes, hash, key);
        }
      }
      await this.cleanupHistory(ds, selector, old);
    } catch (e) {
      err = e;
    }
    try {
      await this.updateStatus(ds, selector, nodes, hash, true);
    } catch (e) {
      err ??= e;
    }
    if (err !== undefined) throw toError(err);
  }

  /** The DaemonSet's pods by target node, after claiming (upstream getNodesToDaemonPods). */
  private async getNodesToDaemonPods(
    ds: DaemonSet,
    selector: Selector,
  ): Promise<Map<string, Pod[]>> {
    const ns = ds.metadata?.namespace ?? '';
    const refManager = new ControllerRefManager({
      controller: ds,
      controllerKind: DAEMON_SET_KIND,
      selector,
      canAdopt: recheckByUid(ds, 'DaemonSet', () =>
        this.opts.clientset.daemonSets.get(ns, ds.metadata?.name ?? ''),
      ),
    });
    const pods = await refManager.claim(this.podLister.list(ns), 'Pod', (n, name, p) =>
      this.podControl.patchPod(n, name, p),
    );
    const byNode = new Map<string, Pod[]>();
    for (const pod of pods) {
      const node = getTargetNodeName(pod);
      if (node === undefined) {
        this.logger.error('failed to get target node name of pod', { pod: podKey(pod) });
        continue;
      }
      const list = byNode.get(node);
      if (list === undefined) byNode.set(node, [pod]);
      else list.push(pod);
    }
    return byNode;
  }

  /** upstream manage: which nodes need pods and which pods must go. */
  private async manage(
    ds: DaemonSet,
    selector: Selector,
    nodes: Node[],
    hash: string,
    key: string,
  ): Promise<void> {
    const byNode = await this.getNodesToDaemonPods(ds, selector);
    const create: string[] = [];
    const del: string[] = [];
    const now = this.now();
    const nodeNames = new Set<string>();
    for (const node of nodes) {
      const nodeName = node.metadata?.name ?? '';
      nodeNames.add(nodeName);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(nodeName);
      if (shouldRun && pods === undefined) {
        create.push(nodeName);
      } else if (shouldContinueRunning && pods !== undefined) {
        const running: Pod[] = [];
        for (const pod of pods) {
          if (pod.metadata?.deletionTimestamp !== undefined) continue;
          if (pod.status?.phase === 'Failed') {
            const bk = `${ds.metadata?.uid ?? ''}/${nodeName}`;
            const b = this.failedBackoff.get(bk);
            if (b !== undefined && now - b.at < b.delay) {
              this.controller.enqueueAfter(ds, b.delay);
              continue;
            }
            this.failedBackoff.set(bk, {
              delay:
                b === undefined
                  ? FAILED_POD_BACKOFF_INITIAL_MS
                  : Math.min(b.delay * 2, FAILED_POD_BACKOFF_MAX_MS),
              at: now,
            });
            this.opts.recorder.event(
              ds,
              'Warning',
              FAILED_DAEMON_POD_REASON,
              `Found failed daemon pod ${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''} on node ${nodeName}, will try to kill it`,
            );
            del.push(pod.metadata?.name ?? '');
          } else if (pod.status?.phase === 'Succeeded') {
            del.push(pod.metadata?.name ?? '');
          } else {
            running.push(pod);
          }
        }
        if (running.length > 1) {
          running.sort(comparePodsByCreationAndPhase);
          if (!allowsSurge(ds)) {
            for (const p of running.slice(1)) del.push(p.metadata?.name ?? '');
          } else {
            // Surge: keep the oldest new pod and, while it is not available, the oldest
            // ready old pod; everything else goes.
            let oldestNew: Pod | undefined;
            let oldestOld: Pod | undefined;
            for (const p of running) {
              if (p.metadata?.labels?.[DAEMON_SET_HASH_LABEL] === hash) {
                if (oldestNew === undefined) {
                  oldestNew = p;
                  continue;
                }
              } else if (oldestOld === undefined) {
                oldestOld = p;
                continue;
              }
              del.push(p.metadata?.name ?? '');
            }
            if (oldestNew !== undefined && oldestOld !== undefined) {
              if (
                !isPodReady(oldestOld) ||
                isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, now)
              ) {
                del.push(oldestOld.metadata?.name ?? '');
              }
            }
          }
        }
      } else if (!shouldContinueRunning && pods !== undefined) {
        for (const p of pods) {
          if (p.metadata?.deletionTimestamp === undefined) del.push(p.metadata?.name ?? '');
        }
      }
    }
    // Unscheduled pods bound for nodes that are gone would never be scheduled nor collected.
    for (const [nodeName, pods] of byNode) {
      if (nodeNames.has(nodeName)) continue;
      for (const p of pods) {
        if ((p.spec?.nodeName ?? '') === '' && p.metadata?.deletionTimestamp === undefined) {
          del.push(p.metadata?.name ?? '');
        }
      }
    }
    await this.syncNodes(ds, del, create, hash, key);
  }

  /** upstream syncNodes: creates pods for nodes (slow start) and deletes pods, with expectations. */
  private async syncNodes(
    ds: DaemonSet,
    podsToDelete: string[],
    nodesNeedingPods: string[],
    hash: string,
    key: string,
  ): Promise<void> {
    const ns = ds.metadata?.namespace ?? '';
    const createDiff = Math.min(nodesNeedingPods.length, this.burstReplicas);
    const deleteNames = podsToDelete.slice(0, this.burstReplicas);
    this.expectations.expectDeletions(
      key,
      deleteNames.map((n) => `${ns}/${n}`),
    );
    this.expectations.raise(key, createDiff, 0);
    const errors: unknown[] = [];
    const template = createPodTemplate(ds.spec?.template, getTemplateGeneration(ds), hash);
    const ref = newControllerRef(ds, DAEMON_SET_KIND);
    let pos = 0;
    for (let size = Math.min(createDiff, 1); size > 0;) {
      const before = errors.length;
      const batch = nodesNeedingPods.slice(pos, pos + size);
      await Promise.all(
        batch.map(async (nodeName) => {
          const t = structuredClone(template);
          const spec = (t.spec ??= { containers: [] });
          spec.affinity = replaceDaemonSetPodNodeNameNodeAffinity(spec.affinity, nodeName);
          try {
            await this.podControl.createPods(ns, t, ds, ref);
          } catch (err) {
            if (isNamespaceTerminating(err)) return;
            this.expectations.creationObserved(key);
            errors.push(err);
          }
        }),
      );
      pos += size;
      const skipped = createDiff - pos;
      if (errors.length > before && skipped > 0) {
        // The rest is retried by a later sync.
        this.expectations.lower(key, skipped, 0);
        break;
      }
      size = Math.min(2 * size, createDiff - pos);
    }
    await Promise.all(
      deleteNames.map(async (name) => {
        try {
          await this.podControl.deletePod(ns, name, ds);
        } catch (err) {
          this.expectations.deletionObserved(key, `${ns}/${name}`);
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw new AggregateControllerError(errors);
  }

  /** upstream rollingUpdate (update.go); see the module comment. */
  private async rollingUpdate(
    ds: DaemonSet,
    selector: Selector,
    nodes: Node[],
    hash: string,
    key: string,
  ): Promise<void> {
    const byNode = await this.getNodesToDaemonPods(ds, selector);
    let desired = 0;
    for (const node of nodes) {
      if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
      desired++;
      const name = node.metadata?.name ?? '';
      if (!byNode.has(name)) byNode.set(name, []);
    }
    let maxUnavailable = unavailableCount(ds, desired);
    const maxSurge = surgeCount(ds, desired);
    if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const now = this.now();
    const generation = getTemplateGeneration(ds);
    const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);

    if (maxSurge === 0) {
      let numUnavailable = 0;
      const allowed: string[] = [];
      const candidates: string[] = [];
      for (const pods of byNode.values()) {
        const found = findUpdatedPodsOnNode(pods, hash, generation);
        if (found === undefined) {
          numUnavailable++;
          continue;
        }
        const { newPod, oldPod } = found;
        if ((oldPod === undefined) === (newPod === undefined)) {
          numUnavailable++;
        } else if (newPod !== undefined) {
          if (!available(newPod)) numUnavailable++;
        } else if (oldPod !== undefined) {
          if (!available(oldPod)) {
            allowed.push(oldPod.metadata?.name ?? '');
            numUnavailable++;
          } else if (numUnavailable < maxUnavailable) {
            candidates.push(oldPod.metadata?.name ?? '');
          }
        }
      }
      const remaining = Math.min(Math.max(0, maxUnavailable - numUnavailable), candidates.length);
      await this.syncNodes(ds, [...allowed, ...candidates.slice(0, remaining)], [], hash, key);
      return;
    }

    const oldPodsToDelete: string[] = [];
    const shouldNotRun: Pod[] = [];
    const candidateNodes: string[] = [];
    const allowedNodes: string[] = [];
    let numSurge = 0;
    let numAvailable = 0;
    for (const [nodeName, pods] of byNode) {
      const found = findUpdatedPodsOnNode(pods, hash, generation);
      if (found === undefined) {
        numSurge++;
        continue;
      }
      const { newPod, oldPod } = found;
      if (oldPod !== undefined) {
        if (available(oldPod)) numAvailable++;
      } else if (newPod !== undefined && available(newPod)) {
        numAvailable++;
      }
      if (oldPod === undefined) continue;
      if (newPod === undefined) {
        const node = this.nodeLister.get('', nodeName);
        if (node === undefined) throw new Error(`couldn't get node for nodeName "${nodeName}"`);
        const shouldRun = nodeShouldRunDaemonPod(node, ds).shouldRun;
        if (!available(oldPod)) {
          if (!shouldRun) oldPodsToDelete.push(oldPod.metadata?.name ?? '');
          else allowedNodes.push(nodeName);
        } else if (!shouldRun) {
          shouldNotRun.push(oldPod);
        } else if (numSurge < maxSurge) {
          candidateNodes.push(nodeName);
        }
        continue;
      }
      if (!available(newPod)) {
        numSurge++;
        continue;
      }
      oldPodsToDelete.push(oldPod.metadata?.name ?? '');
    }
    // Pods on nodes that no longer qualify go only once enough pods elsewhere are available.
    const deletable = Math.min(numAvailable - desired, shouldNotRun.length);
    for (const p of shouldNotRun.slice(0, Math.max(0, deletable))) {
      if (p.metadata?.deletionTimestamp === undefined) oldPodsToDelete.push(p.metadata?.name ?? '');
    }
    const remainingSurge = Math.min(Math.max(0, maxSurge - numSurge), candidateNodes.length);
    await this.syncNodes(
      ds,
      oldPodsToDelete,
      [...allowedNodes, ...candidateNodes.slice(0, remainingSurge)],
      hash,
      key,
    );
  }

  // --- history ---

  /** The revisions the DaemonSet owns (adopting orphans that match; upstream controlledHistories). */
  private async controlledHistories(
    ds: DaemonSet,
    selector: Selector,
  ): Promise<ControllerRevision[]> {
    const ns = ds.metadata?.namespace ?? '';
    const refManager = new ControllerRefManager({
      controller: ds,
      controllerKind: DAEMON_SET_KIND,
      selector,
      canAdopt: recheckByUid(ds, 'DaemonSet', () =>
        this.opts.clientset.daemonSets.get(ns, ds.metadata?.name ?? ''),
      ),
    });
    return refManager.claim(this.revLister.list(ns), 'ControllerRevision', async (n, name, p) => {
      await this.opts.clientset.controllerRevisions.patch(n, name, 'strategic', p);
    });
  }

  /** upstream constructHistory: the current revision (created if missing) and the old ones. */
  private async constructHistory(
    ds: DaemonSet,
    selector: Selector,
  ): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
    const ns = ds.metadata?.namespace ?? '';
    const patch = canonicalJSON(templatePatch(ds.spec?.template));
    const current: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let h of await this.controlledHistories(ds, selector)) {
      if (h.metadata?.labels?.[DAEMON_SET_HASH_LABEL] === undefined) {
        // Label old revisions with their name, so that hash collisions cannot matter.
        const toUpdate = structuredClone(h);
        const meta = (toUpdate.metadata ??= {});
        meta.labels = { ...meta.labels, [DAEMON_SET_HASH_LABEL]: meta.name ?? '' };
        h = await this.opts.clientset.controllerRevisions.update(ns, toUpdate);
      }
      if (canonicalJSON(revisionData(h)) === patch) current.push(h);
      else old.push(h);
    }
    const next = Math.max(0, ...old.map((r) => r.revision)) + 1;
    if (current.length === 0) return { cur: await this.snapshot(ds, next), old };
    current.sort((a, b) => b.revision - a.revision);
    let cur = current[0] as ControllerRevision;
    // Duplicates of the current revision (upstream dedupCurHistories): keep the newest.
    for (const dup of current.slice(1)) {
      try {
        await this.opts.clientset.controllerRevisions.delete(ns, dup.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (cur.revision < next) {
      cur = await this.opts.clientset.controllerRevisions.update(ns, { ...cur, revision: next });
    }
    return { cur, old };
  }

  /** upstream snapshot: creates the current revision, bumping collisionCount on a collision. */
  private async snapshot(ds: DaemonSet, revision: number): Promise<ControllerRevision> {
    const ns = ds.metadata?.namespace ?? '';
    const data = templatePatch(ds.spec?.template);
    const collisionCount = ds.status?.collisionCount;
    const hash = hashControllerRevision(ds.spec?.template, collisionCount);
    const name = `${ds.metadata?.name ?? ''}-${hash}`;
    const history: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: ns,
        labels: { ...ds.spec?.template.metadata?.labels, [DAEMON_SET_HASH_LABEL]: hash },
        ...(ds.metadata?.annotations !== undefined
          ? { annotations: { ...ds.metadata.annotations } }
          : {}),
        ownerReferences: [newControllerRef(ds, DAEMON_SET_KIND)],
      },
      data: data,
      revision,
    };
    try {
      return await this.opts.clientset.controllerRevisions.create(ns, history);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.opts.clientset.controllerRevisions.get(ns, name);
      if (canonicalJSON(revisionData(existing)) === canonicalJSON(data)) return existing;
      const fresh = await this.opts.clientset.daemonSets.get(ns, ds.metadata?.name ?? '');
      if ((fresh.status?.collisionCount ?? undefined) !== collisionCount) {
        throw new Error(
          `found a stale collision count (${String(collisionCount ?? 0)}, expected ${String(fresh.status?.collisionCount ?? 0)}) of DaemonSet "${ds.metadata?.name ?? ''}" while processing; will retry until it is updated`,
          { cause: err },
        );
      }
      const status = {
        ...(fresh.status ?? {
          currentNumberScheduled: 0,
          desiredNumberScheduled: 0,
          numberMisscheduled: 0,
          numberReady: 0,
        }),
      };
      status.collisionCount = (collisionCount ?? 0) + 1;
      await this.opts.clientset.daemonSets.updateStatus(ns, { ...fresh, status });
      throw err;
    }
  }

  /** upstream cleanupHistory: deletes the oldest unused revisions beyond revisionHistoryLimit. */
  private async cleanupHistory(
    ds: DaemonSet,
    selector: Selector,
    old: ControllerRevision[],
  ): Promise<void> {
    let toKill = old.length - (ds.spec?.revisionHistoryLimit ?? 10);
    if (toKill <= 0) return;
    const live = new Set<string>();
    for (const pods of (await this.getNodesToDaemonPods(ds, selector)).values()) {
      for (const p of pods) {
        const h = p.metadata?.labels?.[DAEMON_SET_HASH_LABEL] ?? '';
        if (h !== '') live.add(h);
      }
    }
    const ns = ds.metadata?.namespace ?? '';
    for (const h of [...old].sort((a, b) => a.revision - b.revision)) {
      if (toKill <= 0) break;
      if (live.has(h.metadata?.labels?.[DAEMON_SET_HASH_LABEL] ?? '')) continue;
      try {
        await this.opts.clientset.controllerRevisions.delete(ns, h.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      toKill--;
    }
  }

  // --- status ---

  /** upstream updateDaemonSetStatus + storeDaemonSetStatus. */
  private async updateStatus(
    ds: DaemonSet,
    selector: Selector,
    nodes: Node[],
    hash: string,
    updateObservedGen: boolean,
  ): Promise<void> {
    const byNode = await this.getNodesToDaemonPods(ds, selector);
    const now = this.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const generation = getTemplateGeneration(ds);
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let updated = 0;
    let available = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata?.name ?? '') ?? [];
      const scheduled = pods.length > 0;
      if (!shouldRun) {
        if (scheduled) misscheduled++;
        continue;
      }
      desired++;
      if (!scheduled) continue;
      current++;
      const pod = [...pods].sort(comparePodsByCreationAndPhase)[0] as Pod;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, now)) available++;
      }
      if (isPodUpdated(pod, hash, generation)) updated++;
    }
    const unavailable = desired - available;
    const st = ds.status;
    const gen = ds.metadata?.generation ?? 0;
    const same =
      (st?.desiredNumberScheduled ?? 0) === desired &&
      (st?.currentNumberScheduled ?? 0) === current &&
      (st?.numberMisscheduled ?? 0) === misscheduled &&
      (st?.numberReady ?? 0) === ready &&
      (st?.updatedNumberScheduled ?? 0) === updated &&
      (st?.numberAvailable ?? 0) === available &&
      (st?.numberUnavailable ?? 0) === unavailable &&
      (st?.observedGeneration ?? 0) >= gen;
    if (!same) {
      const ns = ds.metadata?.namespace ?? '';
      let base: DaemonSet = ds;
      for (let i = 0; ; i++) {
        const status = {
          ...base.status,
          desiredNumberScheduled: desired,
          currentNumberScheduled: current,
          numberMisscheduled: misscheduled,
          numberReady: ready,
          updatedNumberScheduled: updated,
          numberAvailable: available,
          numberUnavailable: unavailable,
          ...(updateObservedGen ? { observedGeneration: gen } : {}),
        };
        try {
          await this.opts.clientset.daemonSets.updateStatus(ns, { ...base, status });
          break;
        } catch (err) {
          if (i >= 1) throw err;
          base = await this.opts.clientset.daemonSets.get(ns, ds.metadata?.name ?? '');
        }
      }
    }
    // A last line of defence against clock skew (upstream).
    if (minReady > 0 && ready !== available) this.controller.enqueueAfter(ds, minReady * 1000);
  }
}

/** The new and old pod on a node; undefined when there are several of either (upstream). */
function findUpdatedPodsOnNode(
  pods: readonly Pod[],
  hash: string,
  generation: number | undefined,
): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp !== undefined) continue;
    if (isPodUpdated(p, hash, generation)) {
      if (newPod !== undefined) return undefined;
      newPod = p;
    } else {
      if (oldPod !== undefined) return undefined;
      oldPod = p;
    }
  }
  return {
    ...(newPod !== undefined ? { newPod } : {}),
    ...(oldPod !== undefined ? { oldPod } : {}),
  };
}

/** True when a node update cannot change where daemon pods run (labels, taints, conditions). */
function shouldIgnoreNodeUpdate(old: Node, cur: Node): boolean {
  const strip = (n: Node): string =>
    JSON.stringify({
      labels: n.metadata?.labels,
      taints: n.spec?.taints,
      unschedulable: n.spec?.unschedulable,
      conditions: n.status?.conditions?.map((c) => [c.type, c.status]),
    });
  return strip(old) === strip(cur);
}

/** The DaemonSet controller (`daemonset`). */
export function newDaemonSetController(opts: DaemonSetControllerOptions): DaemonSetController {
  return new DaemonSetController(opts);
}
