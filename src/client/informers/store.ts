/**
 * The cache behind an informer (client-go's ThreadSafeStore + Indexer): objects by key, a
 * namespace index, and named indexes. Objects are stored as given and handed out shared.
 */
import type { Selector } from '../../api/index.ts';
import { objectKey } from '../types.ts';
import type { IndexFunc, KubeObject, Lister } from '../types.ts';

/** The built-in namespace index (client-go cache.NamespaceIndex). */
export const NAMESPACE_INDEX = 'namespace';

/** An indexed object cache; also the informer's Lister. */
export class Store<T extends KubeObject> implements Lister<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({
      [NAMESPACE_INDEX]: (obj) => [obj.metadata?.namespace ?? ''],
      ...indexers,
    });
  }

  /** Adds named indexes (and indexes what is already stored). */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) addTo(index, fn(obj), key);
    }
  }

  /** Number of objects. */
  get size(): number {
    return this.items.size;
  }

  /** Adds or replaces the object under its key; returns the previous one. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) addTo(this.indices.get(name), fn(obj), key);
    return old;
  }

  /** Removes the object with `key`; returns it. */
  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.items.delete(key);
    return old;
  }

  /** Replaces the whole content (a re-list); returns the objects that disappeared. */
  replace(objs: readonly T[]): T[] {
    const fresh = new Set(objs.map(objectKey));
    const gone: T[] = [];
    for (const [key, obj] of this.items) if (!fresh.has(key)) gone.push(obj);
    for (const obj of gone) this.remove(objectKey(obj));
    for (const obj of objs) this.upsert(obj);
    return gone;
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(namespace === '' ? name : `${namespace}/${name}`);
  }

  list(namespace?: string, selector?: Selector): T[] {
    const out: T[] = [];
    const keys =
      namespace === undefined
        ? this.items.keys()
        : (this.indices.get(NAMESPACE_INDEX)?.get(namespace) ?? new Set<string>()).values();
    const all = selector === undefined || selector.empty();
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj === undefined) continue;
      if (all || selector.matches(obj.metadata?.labels ?? {})) out.push(obj);
    }
    return out;
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  byIndex(indexName: string, value: string): T[] {
    const keys = this.indices.get(indexName)?.get(value);
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name);
      if (index === undefined) continue;
      for (const v of fn(obj)) {
        const set = index.get(v);
        if (set === undefined) continue;
        set.delete(key);
        if (set.size === 0) index.delete(v);
      }
    }
  }
}

function addTo(
  index: Map<string, Set<string>> | undefined,
  values: readonly string[],
  key: string,
): void {
  if (index === undefined) return;
  for (const v of values) {
    let set = index.get(v);
    if (set === undefined) {
      set = new Set();
      index.set(v, set);
    }
    set.add(key);
  }
}
