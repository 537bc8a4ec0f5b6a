/**
 * The in-process fallback of upstream's ResourceQuota controller, run by the API server only
 * when no controller-manager runs (`skiff server --disable-controller-manager`, the
 * `inProcessControllers` option); otherwise src/controllers/resourcequota does this job through
 * the client, as upstream. Keeps every quota's `status.hard` equal to `spec.hard`
 * and `status.used` equal to the usage of the objects in its namespace. Admission charges
 * creates as they happen (see admission/builtin.ts); this loop fills the status of a new or
 * changed quota (admission only enforces quotas whose status is known), gives usage back when
 * objects are deleted, and corrects charges for creates that failed after admission.
 *
 * Level-triggered per namespace: `sync(namespace)` recounts every quota of the namespace from
 * a consistent list of the resources they track and writes the statuses that differ, with
 * their resourceVersion as a precondition (a conflict requeues the namespace).
 */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import {
  equalsResources,
  isConflict,
  isNotFound,
  quotaTrackedResources,
  recalculateUsage,
  resourceListFromWire,
} from '../../api/index.ts';
import type { GroupResource } from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';
import { ResourceMirror } from '../mirror.ts';
import type { ResourceRegistry } from '../registry/registry.ts';

export interface ResourceQuotaControllerOptions {
  storage: Storage;
  quotas: ResourceRegistry;
  /** The registry of a resource's storage version (for listing what quotas count). */
  registryFor(gr: GroupResource): ResourceRegistry | undefined;
  /** Full recount of every namespace with quotas (upstream --resource-quota-sync-period 5m). */
  resyncMs?: number;
  /** Pause before a namespace whose sync failed is tried again. */
  retryMs?: number;
  onError?: (err: unknown, namespace: string) => void;
}

/** Whether two resource lists hold the same quantities (`1000` equals `1k`), as upstream. */
function sameList(a: Record<string, string> | undefined, b: Record<string, string> | undefined) {
  try {
    return equalsResources(resourceListFromWire(a), resourceListFromWire(b));
  } catch {
    // An unparsable quantity never equals anything: the recount reports it.
    return false;
  }
}

export class ResourceQuotaController {
  private readonly mirror: ResourceMirror;
  private readonly pending = new Set<string>();
  private running = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly resync: NodeJS.Timeout;

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    this.mirror = new ResourceMirror(opts.storage, `${opts.quotas.info.storagePrefix ?? ''}/`, {
      synced: (all) => {
        for (const q of all) this.enqueue(q.metadata?.namespace ?? '');
      },
      changed: (type, obj) => {
        if (type === 'DELETED') return;
        const q = obj as unknown as ResourceQuota;
        // Only a spec change needs a recount (admission's own status writes must not trigger
        // one: a recount lists every object the quota counts).
        if (!sameList(q.spec?.hard, q.status?.hard)) this.enqueue(q.metadata?.namespace ?? '');
      },
    });
    this.resync = setInterval(() => {
      for (const ns of this.namespacesWithQuotas()) this.enqueue(ns);
    }, opts.resyncMs ?? 300_000);
    this.resync.unref();
  }

  /** Resolves once the quotas were listed. */
  ready(): Promise<void> {
    return this.mirror.ready();
  }

  private namespacesWithQuotas(): Set<string> {
    const out = new Set<string>();
    for (const q of this.mirror.values()) out.add(q.metadata?.namespace ?? '');
    return out;
  }

  /**
   * Called after an object was deleted: when its namespace has quotas, their usage is
   * recounted (upstream's replenishment). Cheap when the namespace has none.
   */
  objectDeleted(namespace: string): void {
    if (namespace === '') return;
    for (const q of this.mirror.values()) {
      if (q.metadata?.namespace === namespace) {
        this.enqueue(namespace);
        return;
      }
    }
  }

  private enqueue(namespace: string): void {
    if (this.stopped || namespace === '') return;
    this.pending.add(namespace);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const namespace = this.pending.values().next().value as string;
        this.pending.delete(namespace);
        try {
          await this.sync(namespace);
        } catch (err) {
          if (!isConflict(err)) this.opts.onError?.(err, namespace);
          const timer = setTimeout(
            () => {
              this.timers.delete(timer);
              this.enqueue(namespace);
            },
            isConflict(err) ? 10 : (this.opts.retryMs ?? 1000),
          );
          timer.unref();
          this.timers.add(timer);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Recounts every quota of `namespace` and writes the statuses that changed. */
  async sync(namespace: string): Promise<void> {
    const quotas = (await this.opts.quotas.list(namespace, {})).items as unknown as ResourceQuota[];
    if (quotas.length === 0) return;
    const wanted = new Map<string, GroupResource>();
    for (const q of quotas) {
      for (const gr of quotaTrackedResources(q)) wanted.set(`${gr.group}/${gr.resource}`, gr);
    }
    const objects = new Map<string, StoredObject[]>();
    await Promise.all(
      [...wanted].map(async ([key, gr]) => {
        const registry = this.opts.registryFor(gr);
        if (registry === undefined) return;
        objects.set(key, (await registry.list(namespace, {})).items);
      }),
    );
    const lister = (gr: GroupResource) => objects.get(`${gr.group}/${gr.resource}`);
    let conflict: Error | undefined;
    for (const q of quotas) {
      const { status, changed } = recalculateUsage(q, lister);
      if (!changed) continue;
      try {
        await this.opts.quotas.update(
          namespace,
          q.metadata?.name ?? '',
          { ...(q as unknown as StoredObject), status },
          'status',
          { dryRun: false },
        );
      } catch (err) {
        if (isNotFound(err)) continue;
        if (!isConflict(err)) throw err;
        conflict = err as Error;
      }
    }
    if (conflict !== undefined) throw conflict;
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    for (const t of this.timers) clearTimeout(t);
    await this.mirror.close();
  }
}
