/**
 * The Namespace controller (upstream pkg/controller/namespace and its deletion package): when a
 * namespace is being deleted, marks it Terminating, deletes everything in it, reports progress
 * in status conditions, and once it is empty removes the `kubernetes` finalizer through the
 * namespace's `finalize` subresource, after which the API server removes the namespace.
 */
import { isConflict, isNotFound } from '../../api/index.ts';
import { BUILTIN_RESOURCES } from '../../client/index.ts';
import type {
  Clientset,
  GroupVersionResource,
  InformerFactory,
  KubeObject,
  SharedInformer,
} from '../../client/index.ts';
import { newRateLimitingQueue, runWorkers } from '../../client/workqueue/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1.js';

/** The finalizer this controller owns (v1.FinalizerKubernetes). */
export const FINALIZER_KUBERNETES = 'kubernetes';

/** Seconds allowed for finalizers of remaining objects before a recheck (upstream finalizerEstimateSeconds). */
const FINALIZER_ESTIMATE_SECONDS = 5;

/** Options of the Namespace controller. */
export interface NamespaceControllerOptions {
  clientset: Clientset;
  informers: InformerFactory;
  /**
   * The namespaced resources whose objects are deleted (upstream discovers the deletable ones).
   * A function is called on every sync; if it rejects, the failure is reported in the
   * NamespaceDeletionDiscoveryFailure condition and the sync retried.
   */
  resources: readonly GroupVersionResource[] | (() => Promise<readonly GroupVersionResource[]>);
  /**
   * PUT of `namespaces/<name>/finalize` with `ns` (whose spec.finalizers no longer hold
   * `kubernetes`). The ResourceClient has no call for it, so the caller wires the REST request.
   */
  finalize: (ns: Namespace) => Promise<unknown>;
  /** Delay before acting on a namespace event (upstream namespaceDeletionGracePeriod, 5 s). */
  deletionGracePeriodMs?: number;
  /** The clock for condition times (default Date.now). */
  now?: () => number;
  /** Told of each failed sync (the key is retried with backoff). */
  onError?: (key: string, err: unknown) => void;
}

/** Raised when content remains; the namespace is rechecked after `estimateSeconds` / 2. */
export class ResourcesRemainingError extends Error {
  constructor(readonly estimateSeconds: number) {
    super(
      `some content remains in the namespace, estimate ${String(estimateSeconds)} seconds before it is removed`,
    );
    this.name = 'ResourcesRemainingError';
  }
}

const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;
type ConditionType = (typeof CONDITION_TYPES)[number];

const OK_MESSAGES: Record<ConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: 'All resources successfully discovered',
  NamespaceDeletionGroupVersionParsingFailure: 'All legacy kube types successfully parsed',
  NamespaceDeletionContentFailure:
    'All content successfully deleted, may be waiting on finalization',
  NamespaceContentRemaining: 'All content successfully removed',
  NamespaceFinalizersRemaining: 'All content-preserving finalizers finished',
};
const OK_REASONS: Record<ConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: 'ResourcesDiscovered',
  NamespaceDeletionGroupVersionParsingFailure: 'ParsedGroupVersions',
  NamespaceDeletionContentFailure: 'ContentDeleted',
  NamespaceContentRemaining: 'ContentRemoved',
  NamespaceFinalizersRemaining: 'ContentHasNoFinalizers',
};

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Upstream updateConditions: sets every condition type the controller maintains to the failing
 * variant in `failing` or to its "ok" variant, keeping lastTransitionTime unless the status
 * flips. Changes `ns.status` in place; returns whether anything changed.
 */
export function updateNamespaceConditions(
  ns: Namespace,
  failing: readonly NamespaceCondition[],
  now: string,
): boolean {
  const status = (ns.status ??= {});
  const conditions = (status.conditions ??= []);
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const want: NamespaceCondition = failing.find((c) => c.type === type) ?? {
      type,
      status: 'False',
      lastTransitionTime: now,
      reason: OK_REASONS[type],
      message: OK_MESSAGES[type],
    };
    const old = conditions.find((c) => c.type === type);
    if (old === undefined) {
      conditions.push(want);
      changed = true;
    } else if (
      old.status !== want.status ||
      old.message !== want.message ||
      old.reason !== want.reason
    ) {
      if (old.status !== want.status) old.lastTransitionTime = now;
      old.status = want.status;
      old.reason = want.reason;
      old.message = want.message;
      changed = true;
    }
  }
  return changed;
}

const gvrString = (g: GroupVersionResource): string => `${g.resource}.${g.group}`;

interface GvrResult {
  estimate: number;
  remaining: number;
  finalizers: Map<string, number>;
}

/**
 * The Namespace controller. The constructor registers the namespaces informer with the
 * factory; the caller starts the factory and calls `run`.
 */
export class NamespaceController {
  /** The controller's name (its registry key in the controller-manager). */
  static readonly controllerName = 'namespace-controller';
  /** The queue of namespace names; exposed for tests. */
  readonly queue: RateLimitingQueue<string>;
  private readonly clientset: Clientset;
  private readonly namespaces: SharedInformer<Namespace>;
  private readonly opts: NamespaceControllerOptions;
  private readonly now: () => number;

  constructor(opts: NamespaceControllerOptions) {
    this.opts = opts;
    this.clientset = opts.clientset;
    this.now = opts.now ?? Date.now;
    this.queue = newRateLimitingQueue({ name: 'namespace', now: this.now });
    this.namespaces = opts.informers.informer<Namespace>(BUILTIN_RESOURCES.namespaces);
    const enqueue = (ns: Namespace): void => {
      if (ns.metadata?.deletionTimestamp === undefined) return;
      // Delayed, so that HA API servers see the deletion and last-minute creations land first.
      this.queue.addAfter(ns.metadata.name ?? '', opts.deletionGracePeriodMs ?? 5000);
    };
    this.namespaces.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_old, cur) => {
        enqueue(cur);
      },
    });
  }

  /** Waits for the cache, then runs `workers` workers until `signal` aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await this.namespaces.waitForSync(signal);
    if (signal.aborted) {
      this.queue.shutDown();
      return;
    }
    await runWorkers(
      this.queue,
      workers,
      async (key) => {
        try {
          await this.sync(key);
        } catch (err) {
          if (!(err instanceof ResourcesRemainingError)) throw err;
          // Content is going away: look again in half the estimated time (upstream).
          this.queue.addAfter(key, (err.estimateSeconds / 2) * 1000);
        }
      },
      { signal, ...(this.opts.onError === undefined ? {} : { onError: this.opts.onError }) },
    );
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  }

  /**
   * Upstream namespacedResourcesDeleter.Delete for namespace `name`: nothing unless it is being
   * deleted; sets phase Terminating; deletes all content; rejects with ResourcesRemainingError
   * while content remains (or another error, with the conditions updated); finalizes once empty.
   */
  async sync(name: string): Promise<void> {
    if (this.namespaces.lister.get('', name) === undefined) return;
    let ns: Namespace;
    try {
      ns = await this.clientset.namespaces.get('', name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (ns.metadata?.deletionTimestamp === undefined) return;
    try {
      ns = await this.retryOnConflict(ns, async (cur) => {
        if (cur.status?.phase === 'Terminating') return cur;
        const next = structuredClone(cur);
        (next.status ??= {}).phase = 'Terminating';
        return this.clientset.namespaces.updateStatus('', next);
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (ns.metadata?.deletionTimestamp === undefined) return;
    if ((ns.spec?.finalizers ?? []).length === 0) return;
    const estimate = await this.deleteAllContent(ns);
    if (estimate > 0) throw new ResourcesRemainingError(estimate);
    try {
      await this.retryOnConflict(ns, async (cur) => {
        const next = structuredClone(cur);
        const spec = (next.spec ??= {});
        spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES);
        await this.opts.finalize(next);
        return next;
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Runs `fn`, and on a conflict re-reads the namespace and runs it again (upstream retryOnConflictError). */
  private async retryOnConflict(
    ns: Namespace,
    fn: (ns: Namespace) => Promise<Namespace>,
  ): Promise<Namespace> {
    let cur = ns;
    for (;;) {
      try {
        return await fn(cur);
      } catch (err) {
        if (!isConflict(err)) throw err;
        const latest = await this.clientset.namespaces.get('', ns.metadata?.name ?? '');
        if (latest.metadata?.uid !== ns.metadata?.uid) throw err;
        cur = latest;
      }
    }
  }

  /** Upstream deleteAllContent: the estimate (seconds) before the content is gone. */
  private async deleteAllContent(ns: Namespace): Promise<number> {
    const name = ns.metadata?.name ?? '';
    const errs: unknown[] = [];
    const failing: NamespaceCondition[] = [];
    const now = this.timestamp();
    let resources: readonly GroupVersionResource[] = [];
    try {
      resources =
        typeof this.opts.resources === 'function'
          ? await this.opts.resources()
          : this.opts.resources;
    } catch (err) {
      errs.push(err);
      failing.push({
        type: 'NamespaceDeletionDiscoveryFailure',
        status: 'True',
        lastTransitionTime: now,
        reason: 'DiscoveryFailed',
        message: `Discovery failed for some groups, 1 failing: ${errorMessage(err)}`,
      });
    }
    let estimate = 0;
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    const deleteErrors: string[] = [];
    for (const gvr of resources) {
      let r: GvrResult;
      try {
        r = await this.deleteAllContentFor(gvr, name);
      } catch (err) {
        errs.push(err);
        deleteErrors.push(errorMessage(err));
        const e = err as { result?: GvrResult };
        if (e.result === undefined) continue;
        r = e.result;
      }
      estimate = Math.max(estimate, r.estimate);
      if (r.remaining > 0) {
        remaining.set(gvrString(gvr), r.remaining);
        for (const [f, n] of r.finalizers) finalizers.set(f, (finalizers.get(f) ?? 0) + n);
      }
    }
    if (remaining.size > 0) {
      const parts = [...remaining]
        .map(([g, n]) => `${g} has ${String(n)} resource instances`)
        .sort(compare);
      failing.push({
        type: 'NamespaceContentRemaining',
        status: 'True',
        lastTransitionTime: now,
        reason: 'SomeResourcesRemain',
        message: `Some resources are remaining: ${parts.join(', ')}`,
      });
    }
    if (finalizers.size > 0) {
      const parts = [...finalizers]
        .map(([f, n]) => `${f} in ${String(n)} resource instances`)
        .sort(compare);
      failing.push({
        type: 'NamespaceFinalizersRemaining',
        status: 'True',
        lastTransitionTime: now,
        reason: 'SomeFinalizersRemain',
        message: `Some content in the namespace has finalizers remaining: ${parts.join(', ')}`,
      });
    }
    if (deleteErrors.length > 0) {
      failing.push({
        type: 'NamespaceDeletionContentFailure',
        status: 'True',
        lastTransitionTime: now,
        reason: 'ContentDeletionFailed',
        message: `Failed to delete all resource types, ${String(deleteErrors.length)} remaining: ${deleteErrors.sort(compare).join(', ')}`,
      });
    }
    const next = structuredClone(ns);
    if (updateNamespaceConditions(next, failing, now)) {
      try {
        const written = await this.clientset.namespaces.updateStatus('', next);
        Object.assign(ns, written);
      } catch {
        // Upstream only logs this: the conditions are written again on the next pass.
      }
    }
    if (errs.length > 0) {
      throw new Error(errs.map(errorMessage).join(', '), { cause: errs[0] });
    }
    return estimate;
  }

  /** Upstream deleteAllContentForGroupVersionResource. */
  private async deleteAllContentFor(
    gvr: GroupVersionResource,
    namespace: string,
  ): Promise<GvrResult> {
    const client = this.clientset.resource<KubeObject>(gvr);
    let estimate = 0;
    if (gvr.group === '' && gvr.resource === 'pods') estimate = await this.estimatePods(namespace);
    try {
      await client.deleteCollection(namespace, { propagationPolicy: 'Background' });
    } catch (err) {
      if (isNotFound(err)) return { estimate, remaining: 0, finalizers: new Map() };
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), {
        result: { estimate, remaining: 0, finalizers: new Map() },
      });
    }
    const list = await client.list(namespace);
    const finalizers = new Map<string, number>();
    for (const item of list.items) {
      for (const f of item.metadata?.finalizers ?? [])
        finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
    }
    const remaining = list.items.length;
    if (estimate !== 0 || remaining === 0) return { estimate, remaining, finalizers };
    // Objects with finalizers are expected to linger a little (garbage collection, ...).
    if (finalizers.size > 0) return { estimate: FINALIZER_ESTIMATE_SECONDS, remaining, finalizers };
    const result: GvrResult = { estimate, remaining, finalizers };
    throw Object.assign(
      new Error(
        `unexpected items still remain in namespace: ${namespace} for gvr: ${gvr.group}/${gvr.version}, Resource=${gvr.resource}`,
      ),
      { result },
    );
  }

  /** Upstream estimateGracefulTerminationForPods: the longest grace period of live pods. */
  private async estimatePods(namespace: string): Promise<number> {
    const pods = await this.clientset.pods.list(namespace);
    let estimate = 0;
    for (const pod of pods.items) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      estimate = Math.max(estimate, pod.spec?.terminationGracePeriodSeconds ?? 0);
    }
    return estimate;
  }
}
