/**
 * Finishes namespace deletion inside the API server until the controller-manager's namespace
 * controller exists: for every namespace marked for deletion (phase Terminating), delete its
 * contents, then drop the `kubernetes` finalizer from spec.finalizers and remove the namespace
 * once no finalizer is left. Level-triggered: each pass looks at the full state, so a pass that
 * fails or stops half-way is simply repeated.
 */
import type { StoredObject } from '../storage/index.ts';
import type { ResourceRegistry } from './registry/registry.ts';

export interface NamespaceLifecycleOptions {
  namespaces: ResourceRegistry;
  /** Every namespaced registry (one per stored group-resource, any version). */
  namespaced: ResourceRegistry[];
  /** Pause between passes while some namespace is terminating. */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export class NamespaceLifecycle {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly opts: NamespaceLifecycleOptions) {}

  /** Asks for a pass soon (coalesced). */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.opts.onError?.(err))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  }

  /** Runs one pass now: resolves when every terminating namespace was processed once. */
  async pass(): Promise<void> {
    const list = await this.opts.namespaces.list('', {});
    let pending = false;
    for (const ns of list.items) {
      if (ns.metadata?.deletionTimestamp === undefined) continue;
      const done = await this.finish(ns);
      if (!done) pending = true;
    }
    this.schedule(pending);
  }

  private schedule(pending: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!pending || this.stopped) return;
    this.timer = setTimeout(() => {
      this.trigger();
    }, this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Deletes the namespace's contents; true once the namespace itself is gone. */
  private async finish(ns: StoredObject): Promise<boolean> {
    const name = ns.metadata?.name ?? '';
    let remaining = 0;
    for (const registry of this.opts.namespaced) {
      await registry.deleteCollection(
        name,
        {},
        { propagationPolicy: 'Background' },
        { dryRun: false },
      );
      // Objects still present (finalizers, graceful pods) keep the namespace terminating.
      const left = await registry.list(name, { limit: 1 });
      remaining += left.items.length;
    }
    if (remaining > 0) return false;
    const spec = (ns['spec'] ?? {}) as { finalizers?: string[] };
    if ((spec.finalizers ?? []).length > 0) {
      // What the namespace controller does through the finalize subresource.
      const body: StoredObject = { ...ns, spec: { ...spec, finalizers: [] } };
      ns = (await this.opts.namespaces.update('', name, body, 'finalize', { dryRun: false }))
        .object;
    }
    return this.opts.namespaces.deleteIfFinalized('', ns);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
