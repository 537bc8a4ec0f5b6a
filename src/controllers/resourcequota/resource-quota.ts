/**
 * The ResourceQuota controller (upstream pkg/controller/resourcequota: resource_quota_controller.go
 * and resource_quota_monitor.go). Keys are quotas (`namespace/name`). `sync(key)` sets
 * `status.hard` to `spec.hard` and recounts `status.used` from informer caches of the resources
 * the quota tracks, with the pure evaluation of src/api/quota (`recalculateUsage`: evaluators,
 * scopes, scope selectors); it writes the status through `/status` only when it changed, with
 * the cached resourceVersion as precondition (a conflict rejects, and the key is requeued with
 * rate limiting).
 *
 * Monitors: one shared informer per tracked group/resource, made the first time a quota names
 * it (pods, services, PVCs, configmaps, secrets, RCs, resourcequotas, or any `count/<r>.<g>`),
 * resolved to a version through the built-in scheme, else the CustomResourceDefinition
 * `<r>.<g>`. Upstream watches every quotable resource found by discovery; watching only what
 * some quota names keeps the controller-manager from caching every Secret of a cluster that has
 * no quota on them.
 *
 * Replenishment, as upstream's quota monitor: a tracked object deleted, a pod leaving the
 * charged state (terminal phase, `QuotaV1Pod`), or a pod/service/claim whose usage changed
 * enqueues the quotas of its namespace that track that resource. Creates are charged by the
 * API server's admission, not here. Every `resyncMs` (upstream `--resource-quota-sync-period`,
 * 5 minutes) every quota is recounted. Upstream records no events from this controller.
 */
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
} from 'kubernetes-types/apiextensions/v1.js';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import {
  equalsResources,
  evaluatorFor,
  isNotFound,
  newBuiltinScheme,
  quotaTrackedResources,
  recalculateUsage,
  resourceListFromWire,
} from '../../api/index.ts';
import type { GroupResource, JsonObject } from '../../api/index.ts';
import { BUILTIN_RESOURCES, splitObjectKey, unwrapTombstone } from '../../client/index.ts';
import type {
  Clientset,
  DeletedFinalStateUnknown,
  EventRecorder,
  GroupVersionResource,
  InformerFactory,
  KubeObject,
  Lister,
  SharedInformer,
} from '../../client/index.ts';
import type { RateLimitingQueue } from '../../client/workqueue/index.ts';
import { Controller, NOOP_LOGGER } from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';

/** Upstream's default `--resource-quota-sync-period` (5m): every quota is recounted this often. */
export const DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS = 300_000;
/** How long a sync waits for a newly made monitor's first list before counting without it. */
export const DEFAULT_MONITOR_SYNC_WAIT_MS = 10_000;
/** How long a group/resource that could not be resolved is not looked up again. */
const UNRESOLVED_TTL_MS = 30_000;

/** Maps a group/resource to a served version, or undefined when it is not served. */
export type ResourceResolver = (gr: GroupResource) => Promise<GroupVersionResource | undefined>;

/** What the controller needs; the controller-manager wires these. */
export interface ResourceQuotaControllerOptions {
  /** Must be allowed to list/watch everything and update `resourcequotas/status`. */
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  /** Accepted for symmetry with the other controllers; upstream records no quota events. */
  readonly recorder?: EventRecorder;
  /** Default: a new rate-limited queue named `resourcequota_primary`. */
  readonly queue?: RateLimitingQueue<string>;
  /** Wall clock in ms (the pod termination grace rule, resolver cache); default Date.now. */
  readonly now?: () => number;
  /** Full recount period; default DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS; 0 disables it. */
  readonly resyncMs?: number;
  /** Default DEFAULT_MONITOR_SYNC_WAIT_MS. */
  readonly monitorSyncWaitMs?: number;
  /** Default: the built-in scheme, then the CRD `<resource>.<group>` (its storage version). */
  readonly resolve?: ResourceResolver;
  readonly logger?: ControllerLogger;
}

/** One watched group/resource (upstream monitor). */
interface Monitor {
  readonly gr: GroupResource;
  readonly informer: SharedInformer<KubeObject>;
}

/** Informer objects are plain JSON; the evaluators read them as such (never modify them). */
const asJson = (o: KubeObject): JsonObject => o as unknown as JsonObject;

const grKey = (gr: GroupResource): string => `${gr.resource}.${gr.group}`;

/** Whether two wire resource lists hold the same quantities (`1000` equals `1k`). */
function sameList(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  try {
    return equalsResources(resourceListFromWire(a), resourceListFromWire(b));
  } catch {
    // An unparsable quantity never equals anything: the sync reports it.
    return false;
  }
}

/**
 * The default resolver: a built-in resource's preferred version, else the served storage
 * version of the CustomResourceDefinition named `<resource>.<group>`.
 */
export function defaultResourceResolver(clientset: Clientset): ResourceResolver {
  const scheme = newBuiltinScheme();
  const crds = clientset.resource<CustomResourceDefinition>({
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
  });
  return async (gr) => {
    const info = scheme.byGroupResource(gr);
    if (info !== undefined) {
      return { group: info.group, version: info.version, resource: info.resource };
    }
    if (gr.group === '') return undefined;
    let crd: CustomResourceDefinition;
    try {
      crd = await crds.get('', `${gr.resource}.${gr.group}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const versions: CustomResourceDefinitionVersion[] = crd.spec.versions.filter((v) => v.served);
    const version = versions.find((v) => v.storage) ?? versions[0];
    if (version === undefined) return undefined;
    return { group: gr.group, version: version.name, resource: gr.resource };
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The ResourceQuota controller; see the module comment. */
export class ResourceQuotaController {
  /** The controller's name (its registry key in the controller-manager). */
  static readonly controllerName = 'resourcequota-controller';
  /** The queue-and-workers scaffold; `run` starts it. */
  readonly controller: Controller;
  private readonly quotaLister: Lister<ResourceQuota>;
  private readonly monitors = new Map<string, Monitor>();
  /** Resolutions in flight or done (undefined: not served), keyed by grKey. */
  private readonly resolved = new Map<
    string,
    Promise<GroupVersionResource | undefined> | { at: number; gvr: undefined }
  >();
  private readonly resolve: ResourceResolver;
  private readonly now: () => number;
  private readonly logger: ControllerLogger;
  /** Aborted when `run`'s signal aborts (ends bounded waits for monitors). */
  private runSignal: AbortSignal = new AbortController().signal;

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.resolve = opts.resolve ?? defaultResourceResolver(opts.clientset);
    const quotaInformer = opts.informers.informer<ResourceQuota>(BUILTIN_RESOURCES.resourceQuotas);
    this.quotaLister = quotaInformer.lister;
    this.controller = new Controller({
      name: 'resourcequota_primary',
      ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
      sync: (key) => this.sync(key),
      informers: [quotaInformer],
      logger: this.logger,
    });
    quotaInformer.addEventHandler({
      onAdd: (q) => {
        this.controller.enqueue(q);
      },
      onUpdate: (old, cur) => {
        // Only a change of spec.hard drives a recount: the status writes are this
        // controller's own (and admission's), and recounting on each would be a full count
        // of the namespace per write (upstream ignores them the same way).
        if (sameList(old.spec?.hard, cur.spec?.hard)) return;
        this.controller.enqueue(cur);
      },
      onDelete: (obj) => {
        this.controller.enqueue(obj);
      },
    });
  }

  /**
   * Waits for the quota cache, then syncs with `workers` workers until `signal` aborts,
   * recounting every quota each `resyncMs`. Resolves once the workers stopped.
   */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    this.runSignal = signal;
    const resyncMs = this.opts.resyncMs ?? DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS;
    const resync =
      resyncMs > 0
        ? setInterval(() => {
            this.enqueueAll();
          }, resyncMs)
        : undefined;
    resync?.unref();
    try {
      await this.controller.run(signal, workers);
    } finally {
      if (resync !== undefined) clearInterval(resync);
    }
  }

  /** Enqueues every quota for a full recount (upstream enqueueAll). */
  enqueueAll(): void {
    for (const q of this.quotaLister.list()) this.controller.enqueue(q);
  }

  /** The group/resources currently watched for replenishment (`resource.group`), sorted. */
  monitoredResources(): string[] {
    return [...this.monitors.keys()].sort();
  }

  /**
   * Recounts the quota `key` and writes its status when it changed. Idempotent. Rejects (to be
   * retried with rate limiting) on a write conflict or failure, and when some tracked resource
   * could not be counted (its previous usage is kept in the status meanwhile, as upstream).
   */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitObjectKey(key);
    const quota = this.quotaLister.get(namespace, name);
    if (quota === undefined) return;
    const listers = new Map<string, Lister<KubeObject>>();
    const failed: string[] = [];
    for (const gr of quotaTrackedResources(quota)) {
      let monitor: Monitor | undefined;
      try {
        monitor = await this.monitor(gr);
      } catch (err) {
        failed.push(`${grKey(gr)}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      if (monitor === undefined) {
        failed.push(`${grKey(gr)}: the server does not serve this resource`);
        continue;
      }
      if (!monitor.informer.hasSynced()) await this.waitForMonitor(monitor);
      if (!monitor.informer.hasSynced()) {
        failed.push(`${grKey(gr)}: its cache has not synced yet`);
        continue;
      }
      listers.set(grKey(gr), monitor.informer.lister);
    }
    const { status, changed } = recalculateUsage(
      quota,
      (gr) => listers.get(grKey(gr))?.list(namespace).map(asJson),
      this.now(),
    );
    if (changed) {
      try {
        // The cached resourceVersion is the precondition: a stale cache gets a conflict.
        await this.opts.clientset.resourceQuotas.updateStatus(namespace, { ...quota, status });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
    }
    if (failed.length > 0) {
      throw new Error(`failed to count the usage of quota ${key}: ${failed.join('; ')}`);
    }
  }

  /** Waits for a monitor's first list, at most monitorSyncWaitMs. */
  private async waitForMonitor(monitor: Monitor): Promise<void> {
    const stop = new AbortController();
    const onAbort = (): void => {
      stop.abort();
    };
    this.runSignal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        monitor.informer.waitForSync(stop.signal),
        sleep(this.opts.monitorSyncWaitMs ?? DEFAULT_MONITOR_SYNC_WAIT_MS, stop.signal),
      ]);
    } finally {
      stop.abort();
      this.runSignal.removeEventListener('abort', onAbort);
    }
  }

  /** The monitor of `gr`, made on first use; undefined when the resource is not served. */
  private async monitor(gr: GroupResource): Promise<Monitor | undefined> {
    const key = grKey(gr);
    const existing = this.monitors.get(key);
    if (existing !== undefined) return existing;
    let entry = this.resolved.get(key);
    if (entry !== undefined && !(entry instanceof Promise)) {
      if (this.now() - entry.at < UNRESOLVED_TTL_MS) return undefined;
      entry = undefined;
    }
    if (entry === undefined) {
      entry = this.resolve(gr);
      this.resolved.set(key, entry);
    }
    let gvr: GroupVersionResource | undefined;
    try {
      gvr = await entry;
    } catch (err) {
      this.resolved.delete(key);
      throw err;
    }
    if (gvr === undefined) {
      this.resolved.set(key, { at: this.now(), gvr: undefined });
      return undefined;
    }
    // Another sync may have made it while this one awaited.
    const made = this.monitors.get(key);
    if (made !== undefined) return made;
    const informer = this.opts.informers.informer<KubeObject>(gvr);
    const monitor: Monitor = { gr: { group: gr.group, resource: gr.resource }, informer };
    this.monitors.set(key, monitor);
    informer.addEventHandler({
      onUpdate: (old, cur) => {
        this.updated(monitor.gr, old, cur);
      },
      onDelete: (obj) => {
        this.deleted(monitor.gr, obj);
      },
    });
    this.logger.info('quota monitor started', { resource: key });
    return monitor;
  }

  // --- replenishment (handlers only enqueue) ---

  private deleted(gr: GroupResource, obj: KubeObject | DeletedFinalStateUnknown<KubeObject>): void {
    this.replenish(gr, unwrapTombstone(obj).metadata?.namespace ?? '');
  }

  /**
   * Upstream's update filter, widened to any usage change of the kinds whose usage can change
   * after creation: a pod leaving the charged state (terminal, or past its deletion grace),
   * a service changing type or ports, a claim resized.
   */
  private updated(gr: GroupResource, old: KubeObject, cur: KubeObject): void {
    if (gr.group !== '') return;
    if (
      gr.resource !== 'pods' &&
      gr.resource !== 'services' &&
      gr.resource !== 'persistentvolumeclaims'
    )
      return;
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const namespace = cur.metadata?.namespace ?? '';
    const quotas = this.quotasTracking(gr, namespace);
    if (quotas.length === 0) return;
    const evaluator = evaluatorFor(gr);
    if (evaluator === undefined) return;
    const now = this.now();
    if (equalsResources(evaluator.usage(asJson(old), now), evaluator.usage(asJson(cur), now)))
      return;
    for (const q of quotas) this.controller.enqueue(q);
  }

  /** Enqueues the quotas of `namespace` that track `gr` (upstream replenishQuota). */
  private replenish(gr: GroupResource, namespace: string): void {
    for (const q of this.quotasTracking(gr, namespace)) this.controller.enqueue(q);
  }

  private quotasTracking(gr: GroupResource, namespace: string): ResourceQuota[] {
    if (namespace === '') return [];
    const evaluator = evaluatorFor(gr);
    if (evaluator === undefined) return [];
    return this.quotaLister.list(namespace).filter((q) => {
      const names = new Set([
        ...Object.keys(q.status?.hard ?? {}),
        ...Object.keys(q.spec?.hard ?? {}),
      ]);
      return evaluator.matchingResources(names).length > 0;
    });
  }
}

/** A ResourceQuotaController (the controller-manager's constructor). */
export function newResourceQuotaController(
  opts: ResourceQuotaControllerOptions,
): ResourceQuotaController {
  return new ResourceQuotaController(opts);
}
