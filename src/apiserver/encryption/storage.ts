/**
 * Choosing a resource's transformer from a storage key, for the one Store that serves every
 * resource (upstream gives each resource its own storage, with its transformer; here the
 * key's resource prefix selects it).
 */
import type { EncryptionTransformers, GroupResource } from './config.ts';
import { identityTransformer } from './transformer.ts';
import type { FromStorageResult, ValueTransformer } from './transformer.ts';

/** The storage root of every resource (`/registry`). */
const STORAGE_ROOT = '/registry';

/** A stored resource: its storage prefix and the group-resource it is stored as. */
export interface StoredResource {
  storagePrefix?: string | undefined;
  group: string;
  resource: string;
}

/**
 * A ValueTransformer over all keys: each registered storage prefix (`/registry/secrets`)
 * maps to its resource's transformer; the longest registered prefix of a key wins (at `/`
 * boundaries). A key under no registered prefix of the form `/registry/<group>/<plural>/...`
 * whose `<group>` contains a dot is a custom resource's (apiextensions stores them there), so
 * `widgets.example.com`, `*.example.com` and `*.*` rules cover custom resources without their
 * CRD being registered here, also before the CRD is served again after a restart. Other keys
 * use identity (which refuses to read encrypted data).
 */
export class KeyPrefixTransformer implements ValueTransformer {
  private readonly transformers: EncryptionTransformers;
  /** Every registered prefix, identity included (so a registered prefix never falls back). */
  private readonly byPrefix = new Map<string, ValueTransformer>();
  /** Custom resource transformers resolved from keys, by `/registry/<group>/<plural>`. */
  private readonly custom = new Map<string, ValueTransformer>();

  constructor(transformers: EncryptionTransformers) {
    this.transformers = transformers;
  }

  /**
   * Routes keys under `storagePrefix` (no trailing `/`) to the transformer of `resource`.
   * Idempotent; a later call for the same prefix replaces the earlier one.
   */
  register(storagePrefix: string, resource: GroupResource): void {
    this.byPrefix.set(trimSlash(storagePrefix), this.transformers.transformerFor(resource));
  }

  /**
   * Registers every resource of a scheme that has storage. Where several resources share one
   * storage prefix (`events` and `events.events.k8s.io` both live in `/registry/events`), the
   * first listed one owns it, as upstream encrypts by the resource the storage is created for
   * (the core `events`; validation refuses `*.events.k8s.io` for that reason).
   */
  registerAll(resources: Iterable<StoredResource>): void {
    const seen = new Set<string>();
    for (const r of resources) {
      if (r.storagePrefix === undefined) continue;
      const prefix = trimSlash(r.storagePrefix);
      if (seen.has(prefix)) continue;
      seen.add(prefix);
      this.register(prefix, { group: r.group, resource: r.resource });
    }
  }

  /** Stops routing `storagePrefix` (a custom resource no longer served). */
  unregister(storagePrefix: string): void {
    this.byPrefix.delete(trimSlash(storagePrefix));
  }

  /** The transformer for one storage key. */
  transformerForKey(key: string): ValueTransformer {
    if (this.transformers.empty) return identityTransformer;
    let end = key.lastIndexOf('/');
    while (end > 0) {
      const t = this.byPrefix.get(key.slice(0, end));
      if (t !== undefined) return t;
      end = key.lastIndexOf('/', end - 1);
    }
    return this.customResourceTransformer(key);
  }

  toStorage(data: Uint8Array, key: string): Uint8Array {
    return this.transformerForKey(key).toStorage(data, key);
  }

  fromStorage(data: Uint8Array, key: string): FromStorageResult {
    return this.transformerForKey(key).fromStorage(data, key);
  }

  private customResourceTransformer(key: string): ValueTransformer {
    if (!key.startsWith(`${STORAGE_ROOT}/`)) return identityTransformer;
    const parts = key.slice(STORAGE_ROOT.length + 1).split('/');
    const group = parts[0] ?? '';
    const resource = parts[1] ?? '';
    // A group of a CRD always has a dot; and a key needs a name below the resource.
    if (!group.includes('.') || resource === '' || parts.length < 3) return identityTransformer;
    const prefix = `${STORAGE_ROOT}/${group}/${resource}`;
    let t = this.custom.get(prefix);
    if (t === undefined) {
      t = this.transformers.transformerFor({ group, resource });
      this.custom.set(prefix, t);
    }
    return t;
  }
}

function trimSlash(prefix: string): string {
  return prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}
