/**
 * What every namespace holds from its creation on, kept by two of upstream's controller-manager
 * loops that run inside the API server until Skiff's controller-manager exists (issue 6):
 *
 * - the ServiceAccount controller: a ServiceAccount named `default` in every active namespace,
 *   re-created when deleted;
 * - the root CA publisher: a ConfigMap `kube-root-ca.crt` with the cluster CA (`ca.crt`) and
 *   upstream's description annotation, re-created when deleted and corrected when changed. The
 *   projected service account token volume that admission adds to pods mounts it.
 *
 * Level-triggered: events only name a namespace; `sync(namespace)` compares the whole desired
 * state with the stored one, so a missed or repeated event is harmless. Writes are internal (no
 * user: no admission), as the namespace lifecycle's.
 */
import { isAlreadyExists, isForbidden } from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';
import { ResourceMirror } from '../mirror.ts';
import { getIfExists, type ResourceRegistry } from '../registry/registry.ts';

/** Name of the ConfigMap the root CA publisher keeps in every namespace. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Upstream's description of that ConfigMap (annotation `kubernetes.io/description`). */
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal ' +
  'endpoints such as the internal service IP or kubernetes.default.svc. No other usage is ' +
  'guaranteed across distributions of Kubernetes clusters.';

export interface NamespaceDefaultsOptions {
  storage: Storage;
  namespaces: ResourceRegistry;
  serviceAccounts: ResourceRegistry;
  configMaps: ResourceRegistry;
  /** The cluster CA certificate (PEM) published as `ca.crt`. */
  caPem: string;
  /** Pause before retrying a namespace whose sync failed. */
  retryMs?: number;
  onError?: (err: unknown, namespace: string) => void;
}

function prefixOf(registry: ResourceRegistry): string {
  return `${registry.info.storagePrefix ?? ''}/`;
}

export class NamespaceDefaults {
  private readonly mirrors: ResourceMirror[];
  private readonly namespaceMirror: ResourceMirror;
  private readonly pending = new Set<string>();
  private running = false;
  private stopped = false;
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: NamespaceDefaultsOptions) {
    const enqueueOf = {
      synced: () => {
        this.enqueueAll();
      },
      changed: (_type: string, obj: StoredObject) => {
        const ns = obj.metadata?.namespace ?? obj.metadata?.name ?? '';
        if (ns !== '') this.enqueue(ns);
      },
    };
    this.namespaceMirror = new ResourceMirror(opts.storage, prefixOf(opts.namespaces), enqueueOf);
    this.mirrors = [
      this.namespaceMirror,
      new ResourceMirror(
        opts.storage,
        prefixOf(opts.serviceAccounts),
        enqueueOf,
        (obj) => obj.metadata?.name === 'default',
      ),
      new ResourceMirror(
        opts.storage,
        prefixOf(opts.configMaps),
        enqueueOf,
        (obj) => obj.metadata?.name === ROOT_CA_CONFIGMAP,
      ),
    ];
  }

  /** Resolves once every watched resource was listed once (and the first syncs queued). */
  async ready(): Promise<void> {
    await Promise.all(this.mirrors.map((m) => m.ready()));
  }

  private enqueueAll(): void {
    for (const ns of this.namespaceMirror.values()) {
      const name = ns.metadata?.name;
      if (name !== undefined) this.enqueue(name);
    }
  }

  private enqueue(namespace: string): void {
    if (this.stopped) return;
    this.pending.add(namespace);
    if (!this.running) void this.drain();
  }

  /** One worker: a namespace is never synced twice at once, repeated events coalesce. */
  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const namespace = this.pending.values().next().value as string;
        this.pending.delete(namespace);
        try {
          await this.sync(namespace);
        } catch (err) {
          this.opts.onError?.(err, namespace);
          const timer = setTimeout(() => {
            this.retries.delete(timer);
            this.enqueue(namespace);
          }, this.opts.retryMs ?? 1000);
          timer.unref();
          this.retries.add(timer);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Makes `namespace` hold its default ServiceAccount and root CA ConfigMap (if it is active). */
  async sync(namespace: string): Promise<void> {
    const ns = await getIfExists(this.opts.namespaces, '', namespace);
    if (ns === undefined || ns.metadata?.deletionTimestamp !== undefined) return;
    await this.ensure(this.opts.serviceAccounts, namespace, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace },
    });
    await this.ensure(
      this.opts.configMaps,
      namespace,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: ROOT_CA_CONFIGMAP,
          namespace,
          annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION },
        },
        data: { 'ca.crt': this.opts.caPem },
      },
      (live) => {
        const data = live['data'] as Record<string, string> | undefined;
        const annotations = live.metadata?.annotations ?? {};
        if (
          data?.['ca.crt'] === this.opts.caPem &&
          annotations['kubernetes.io/description'] === ROOT_CA_DESCRIPTION
        ) {
          return undefined;
        }
        return {
          ...live,
          metadata: {
            ...live.metadata,
            annotations: { ...annotations, 'kubernetes.io/description': ROOT_CA_DESCRIPTION },
          },
          data: { ...data, 'ca.crt': this.opts.caPem },
        };
      },
    );
  }

  /** Creates `desired` when missing; when `fix` returns a corrected object, writes it. */
  private async ensure(
    registry: ResourceRegistry,
    namespace: string,
    desired: StoredObject,
    fix?: (live: StoredObject) => StoredObject | undefined,
  ): Promise<void> {
    const name = desired.metadata?.name ?? '';
    const live = await getIfExists(registry, namespace, name);
    if (live === undefined) {
      try {
        await registry.create(namespace, desired, { dryRun: false });
      } catch (err) {
        // Created meanwhile, or the namespace started terminating: both settle.
        if (!isAlreadyExists(err) && !isForbidden(err)) throw err;
      }
      return;
    }
    const fixed = fix?.(live);
    if (fixed !== undefined) {
      await registry.update(namespace, name, fixed, '', { dryRun: false });
    }
  }

  /** Stops watching; syncs in progress finish on their own. */
  async close(): Promise<void> {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    await Promise.all(this.mirrors.map((m) => m.close()));
  }
}
