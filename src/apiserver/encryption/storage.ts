/**
 * Choosing a resource's transformer from a storage key, for the one Store that serves every
 * resource (upstream gives each resource its own storage, with its transformer; here the
 * key's resource prefix selects it).
 */
import type { EncryptionTransformers, GroupResource } from './config.ts';
import { identityTransformer } from './transformer.ts';
import type { FromStorageResult, ValueTransformer } from './transformer.ts';

/**
 * A ValueTransformer over all keys: each registered storage prefix (`/registry/secrets`)
 * maps to its resource's transformer; the longest registered prefix of a key wins (at `/`
 * boundaries), and unregistered keys use identity (which refuses to read encrypted data).
 * Register every stored resource, built-in and custom, when it starts being served.
 */
export class KeyPrefixTransformer implements ValueTransformer {
  private readonly transformers: EncryptionTransformers;
  private readonly byPrefix = new Map<string, ValueTransformer>();

  constructor(transformers: EncryptionTransformers) {
    this.transformers = transformers;
  }

  /**
   * Routes keys under `storagePrefix` (no trailing `/`) to the transformer of `resource`.
   * Idempotent; a later call for the same prefix replaces the earlier one.
   */
  register(storagePrefix: string, resource: GroupResource): void {
    const prefix = storagePrefix.endsWith('/') ? storagePrefix.slice(0, -1) : storagePrefix;
    const t = this.transformers.transformerFor(resource);
    // Identity is the default; not storing it keeps lookups to the encrypted resources.
    if (t === identityTransformer) this.byPrefix.delete(prefix);
    else this.byPrefix.set(prefix, t);
  }

  /** Stops routing `storagePrefix` (a custom resource no longer served). */
  unregister(storagePrefix: string): void {
    this.byPrefix.delete(storagePrefix.endsWith('/') ? storagePrefix.slice(0, -1) : storagePrefix);
  }

  /** The transformer for one storage key. */
  transformerForKey(key: string): ValueTransformer {
    if (this.byPrefix.size === 0) return identityTransformer;
    let end = key.lastIndexOf('/');
    while (end > 0) {
      const t = this.byPrefix.get(key.slice(0, end));
      if (t !== undefined) return t;
      end = key.lastIndexOf('/', end - 1);
    }
    return identityTransformer;
  }

  toStorage(data: Uint8Array, key: string): Uint8Array {
    return this.transformerForKey(key).toStorage(data, key);
  }

  fromStorage(data: Uint8Array, key: string): FromStorageResult {
    return this.transformerForKey(key).fromStorage(data, key);
  }
}
