/**
 * The garbage collector (upstream pkg/controller/garbagecollector), level-triggered: the
 * dependency graph is the ownerReferences of the watched objects, kept as an index of each
 * informer (owner uid → dependents). An object is processed when it or one of its owners
 * changes:
 * - an object whose owners are all absent (not found, or a different uid under the same name,
 *   checked with a live GET) is deleted, with the propagation its own finalizers ask for;
 * - an object with a live owner and absent ones loses the references to the absent ones;
 * - an owner being deleted with the `orphan` finalizer has the references to it removed from
 *   its dependents, then the finalizer removed;
 * - an owner being deleted with the `foregroundDeletion` finalizer has its dependents deleted
 *   (foreground when they have dependents themselves), and loses the finalizer once no
 *   dependent with `blockOwnerDeletion` remains.
 */
import { isConflict, isNotFound, newBuiltinScheme } from '../../api/index.ts';
import type {
  Clientset,
  GroupVersionResource,
  InformerFactory,
  KubeObject,
  SharedInformer,
} from '../../client/index.ts';
import { newRateLimitingQueue, runWorkers } from '../../client/workqueue/index.ts';
import { unwrapTombstone } from '../../client/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';

/** The finalizer asking the collector to orphan an owner's dependents (metav1.FinalizerOrphanDependents). */
export const FINALIZER_ORPHAN = 'orphan';
/** The finalizer asking the collector to delete dependents first (metav1.FinalizerDeleteDependents). */
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

const OWNER_INDEX = 'garbagecollector/owner-uid';

/** A resource the collector can reach for an ownerReference. */
export interface ResolvedKind {
  gvr: GroupVersionResource;
  namespaced: boolean;
}

/** Options of the garbage collector. */
export interface GarbageCollectorOptions {
  clientset: Clientset;
  informers: InformerFactory;
  /** The resources whose objects are watched as dependents and owners. */
  resources: readonly GroupVersionResource[];
  /**
   * Maps an ownerReference's apiVersion and kind to its resource (default: the built-in
   * scheme, any served version of the group). An owner that cannot be resolved is kept as
   * present, so its dependents are never collected.
   */
  resolve?: (apiVersion: string, kind: string) => ResolvedKind | undefined;
  /** Told of each failed sync (the key is retried with backoff). */
  onError?: (key: string, err: unknown) => void;
}

function defaultResolver(): (apiVersion: string, kind: string) => ResolvedKind | undefined {
  const scheme = newBuiltinScheme();
  return (apiVersion, kind) => {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const info = scheme.byApiVersionKind(apiVersion, kind) ?? scheme.byGroupKind({ group, kind });
    if (info === undefined) return undefined;
    return {
      gvr: { group: info.group, version: info.version, resource: info.resource },
      namespaced: info.namespaced,
    };
  };
}

const hasFinalizer = (o: KubeObject, f: string): boolean =>
  (o.metadata?.finalizers ?? []).includes(f);
const deleting = (o: KubeObject): boolean => o.metadata?.deletionTimestamp !== undefined;
const gvrId = (g: GroupVersionResource): string => `${g.group}/${g.version}/${g.resource}`;

/** Whether the owner references differ (added, removed or changed: upstream referencesDiffs). */
function referencesChanged(old: KubeObject, cur: KubeObject): boolean {
  const a = old.metadata?.ownerReferences ?? [];
  const b = cur.metadata?.ownerReferences ?? [];
  if (a.length !== b.length) return true;
  const byUid = new Map(a.map((r) => [r.uid, r]));
  return b.some((r) => {
    const o = byUid.get(r.uid);
    return (
      o?.apiVersion !== r.apiVersion ||
      o.kind !== r.kind ||
      o.name !== r.name ||
      o.controller !== r.controller ||
      o.blockOwnerDeletion !== r.blockOwnerDeletion
    );
  });
}

/**
 * The garbage collector. The constructor registers one informer per resource (with an owner
 * index); the caller starts the factory and calls `run`. Queue keys are
 * `<group>/<version>/<resource>|<namespace>|<name>`.
 */
export class GarbageCollector {
  /** The controller's name (its registry key in the controller-manager). */
  static readonly controllerName = 'garbage-collector-controller';
  /** The queue of object keys; exposed for tests. */
  readonly queue: RateLimitingQueue<string>;
  private readonly clientset: Clientset;
  private readonly resolve: (apiVersion: string, kind: string) => ResolvedKind | undefined;
  private readonly onError: ((key: string, err: unknown) => void) | undefined;
  private readonly informers = new Map<
    string,
    { gvr: GroupVersionResource; inf: SharedInformer<KubeObject> }
  >();

  constructor(opts: GarbageCollectorOptions) {
    this.clientset = opts.clientset;
    this.resolve = opts.resolve ?? defaultResolver();
    this.onError = opts.onError;
    this.queue = newRateLimitingQueue({ name: 'garbage_collector_attempt_to_delete' });
    for (const gvr of opts.resources) {
      const inf = opts.informers.informer<KubeObject>(gvr);
      inf.addIndexers({
        [OWNER_INDEX]: (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid),
      });
      this.informers.set(gvrId(gvr), { gvr, inf });
      const key = (o: KubeObject): string =>
        `${gvrId(gvr)}|${o.metadata?.namespace ?? ''}|${o.metadata?.name ?? ''}`;
      inf.addEventHandler({
        onAdd: (o) => {
          if ((o.metadata?.ownerReferences ?? []).length > 0 || deleting(o)) this.queue.add(key(o));
        },
        onUpdate: (old, cur) => {
          if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
          // As upstream's graph builder: an update matters only when the references changed or
          // the object started going away; a Lease renewal or a pod status write does not
          // (with 1,000 nodes that was 100 owner checks a second for nothing).
          if (
            deleting(cur) ||
            ((cur.metadata?.ownerReferences ?? []).length > 0 && referencesChanged(old, cur))
          )
            this.queue.add(key(cur));
          // An owner starting deletion, or changing, may free or doom its dependents.
          if (deleting(cur)) this.enqueueDependents(cur.metadata?.uid ?? '');
          this.enqueueDeletingOwners(old);
        },
        onDelete: (obj) => {
          const o = unwrapTombstone(obj);
          this.enqueueDependents(o.metadata?.uid ?? '');
          // An owner waiting for its dependents may now be free to go.
          this.enqueueDeletingOwners(o);
        },
      });
    }
  }

  /** The cached dependents of the owner with `uid`, with their resource. */
  private dependents(uid: string): { gvr: GroupVersionResource; obj: KubeObject }[] {
    const out: { gvr: GroupVersionResource; obj: KubeObject }[] = [];
    if (uid === '') return out;
    for (const { gvr, inf } of this.informers.values()) {
      for (const obj of inf.lister.byIndex(OWNER_INDEX, uid)) out.push({ gvr, obj });
    }
    return out;
  }

  private enqueueDependents(uid: string): void {
    for (const { gvr, obj } of this.dependents(uid)) {
      this.queue.add(`${gvrId(gvr)}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}`);
    }
  }

  /** Queues the cached owners of `obj` that are being deleted in the foreground. */
  private enqueueDeletingOwners(obj: KubeObject): void {
    const ns = obj.metadata?.namespace ?? '';
    for (const ref of obj.metadata?.ownerReferences ?? []) {
      const kind = this.resolve(ref.apiVersion, ref.kind);
      if (kind === undefined) continue;
      const id = gvrId(kind.gvr);
      const ownerNs = kind.namespaced ? ns : '';
      const owner = this.informers.get(id)?.inf.lister.get(ownerNs, ref.name);
      if (owner === undefined || !hasFinalizer(owner, FINALIZER_FOREGROUND)) continue;
      this.queue.add(`${id}|${ownerNs}|${ref.name}`);
    }
  }

  /** Waits for the caches, then runs `workers` workers until `signal` aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await Promise.all([...this.informers.values()].map(({ inf }) => inf.waitForSync(signal)));
    if (signal.aborted) {
      this.queue.shutDown();
      return;
    }
    await runWorkers(this.queue, workers, (key) => this.sync(key), {
      signal,
      ...(this.onError === undefined ? {} : { onError: this.onError }),
    });
  }

  /** Processes the object `key` (see the module comment). Idempotent. */
  async sync(key: string): Promise<void> {
    const [id = '', namespace = '', name = ''] = key.split('|');
    const entry = this.informers.get(id);
    if (entry === undefined) return;
    const obj = entry.inf.lister.get(namespace, name);
    if (obj === undefined) return;
    const client = this.clientset.resource<KubeObject>(entry.gvr);
    if (deleting(obj)) {
      if (hasFinalizer(obj, FINALIZER_ORPHAN)) {
        await this.orphanDependents(obj);
        await this.removeFinalizer(entry.gvr, obj, FINALIZER_ORPHAN);
        return;
      }
      if (hasFinalizer(obj, FINALIZER_FOREGROUND)) {
        await this.processDeletingDependents(entry.gvr, obj);
        return;
      }
      // Already going away on its own.
      return;
    }
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return;
    const solid: OwnerReference[] = [];
    const absent: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const state = await this.ownerState(ref, namespace);
      if (state === 'absent') absent.push(ref);
      else if (state === 'waiting') waiting.push(ref);
      else solid.push(ref);
    }
    if (solid.length > 0) {
      if (absent.length === 0 && waiting.length === 0) return;
      // Drop references to absent owners, and to owners waiting for their dependents (they
      // would wait for ever on an object a live owner keeps).
      const drop = new Set([...absent, ...waiting].map((r) => r.uid));
      await this.updateLive(entry.gvr, obj, (o) => {
        const meta = (o.metadata ??= {});
        meta.ownerReferences = (meta.ownerReferences ?? []).filter((r) => !drop.has(r.uid));
      });
      return;
    }
    const uid = obj.metadata?.uid ?? '';
    let policy: 'Orphan' | 'Foreground' | 'Background';
    if (waiting.length > 0 && this.dependents(uid).length > 0) policy = 'Foreground';
    else if (hasFinalizer(obj, FINALIZER_ORPHAN)) policy = 'Orphan';
    else if (hasFinalizer(obj, FINALIZER_FOREGROUND)) policy = 'Foreground';
    else policy = 'Background';
    try {
      await client.delete(namespace, name, { propagationPolicy: policy, preconditions: { uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /**
   * Whether the owner `ref` points at is there ('solid'), being deleted in the foreground
   * ('waiting'), or absent: not found, or found with another uid (upstream isDangling, a live
   * GET when the cache does not hold the owner with that uid).
   */
  private async ownerState(
    ref: OwnerReference,
    namespace: string,
  ): Promise<'solid' | 'waiting' | 'absent'> {
    const kind = this.resolve(ref.apiVersion, ref.kind);
    if (kind === undefined) return 'solid';
    const ns = kind.namespaced ? namespace : '';
    const classify = (o: KubeObject): 'solid' | 'waiting' =>
      deleting(o) && hasFinalizer(o, FINALIZER_FOREGROUND) ? 'waiting' : 'solid';
    const cached = this.informers.get(gvrId(kind.gvr))?.inf.lister.get(ns, ref.name);
    if (cached !== undefined && cached.metadata?.uid === ref.uid) return classify(cached);
    try {
      const live = await this.clientset.resource<KubeObject>(kind.gvr).get(ns, ref.name);
      return live.metadata?.uid === ref.uid ? classify(live) : 'absent';
    } catch (err) {
      if (isNotFound(err)) return 'absent';
      throw err;
    }
  }

  /** Upstream orphanDependents: removes the references to `owner` from its dependents. */
  private async orphanDependents(owner: KubeObject): Promise<void> {
    const uid = owner.metadata?.uid ?? '';
    for (const { gvr, obj } of this.dependents(uid)) {
      await this.updateLive(gvr, obj, (o) => {
        const meta = (o.metadata ??= {});
        meta.ownerReferences = (meta.ownerReferences ?? []).filter((r) => r.uid !== uid);
      });
    }
  }

  /** Upstream processDeletingDependentsItem, plus the deletion of the dependents. */
  private async processDeletingDependents(
    gvr: GroupVersionResource,
    owner: KubeObject,
  ): Promise<void> {
    const uid = owner.metadata?.uid ?? '';
    const deps = this.dependents(uid);
    const blocking = deps.filter(({ obj }) =>
      (obj.metadata?.ownerReferences ?? []).some(
        (r) => r.uid === uid && r.blockOwnerDeletion === true,
      ),
    );
    if (blocking.length === 0) {
      await this.removeFinalizer(gvr, owner, FINALIZER_FOREGROUND);
      return;
    }
    // The dependents are judged on their own: their only owner is waiting, so they go.
    for (const { gvr: g, obj } of deps) {
      if (obj.metadata?.deletionTimestamp !== undefined) continue;
      this.queue.add(`${gvrId(g)}|${obj.metadata?.namespace ?? ''}|${obj.metadata?.name ?? ''}`);
    }
  }

  private async removeFinalizer(
    gvr: GroupVersionResource,
    obj: KubeObject,
    finalizer: string,
  ): Promise<void> {
    await this.updateLive(gvr, obj, (o) => {
      const meta = (o.metadata ??= {});
      meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer);
    });
  }

  /**
   * Applies `change` to the live object (same uid) and writes it, retrying on conflicts; an
   * object gone meanwhile is fine.
   */
  private async updateLive(
    gvr: GroupVersionResource,
    obj: KubeObject,
    change: (o: KubeObject) => void,
  ): Promise<void> {
    const client = this.clientset.resource<KubeObject>(gvr);
    const ns = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    for (let attempt = 0; ; attempt++) {
      let live: KubeObject;
      try {
        live = await client.get(ns, name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (live.metadata?.uid !== obj.metadata?.uid) return;
      const before = JSON.stringify(live.metadata);
      change(live);
      if (JSON.stringify(live.metadata) === before) return;
      try {
        await client.update(ns, live);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }
}
