/**
 * The cache's object store: a map from storage key to object plus the keys in ascending order
 * (byte order for ASCII keys, matching the backends), so prefix lists come out sorted like the
 * underlying storage's. Insertion of a new key costs O(n) for the array splice, which is cheap
 * next to decoding an object for the collection sizes one API server caches.
 */
export class SortedStore<T> {
  private readonly map = new Map<string, T>();
  private keys: string[] = [];

  get size(): number {
    return this.map.size;
  }

  get(key: string): T | undefined {
    return this.map.get(key);
  }

  set(key: string, value: T): void {
    if (!this.map.has(key)) {
      this.keys.splice(lowerBound(this.keys, key), 0, key);
    }
    this.map.set(key, value);
  }

  delete(key: string): void {
    if (!this.map.delete(key)) return;
    const i = lowerBound(this.keys, key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /** Replaces the whole content. */
  replace(entries: Iterable<readonly [string, T]>): void {
    this.map.clear();
    for (const [k, v] of entries) this.map.set(k, v);
    this.keys = [...this.map.keys()].sort(compareKeys);
  }

  /**
   * Entries whose key starts with `prefix`, in key order. The caller must finish iterating
   * before the store changes (the cacher only iterates synchronously).
   */
  *scan(prefix: string): Generator<[string, T]> {
    for (let i = lowerBound(this.keys, prefix); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (key === undefined || !key.startsWith(prefix)) return;
      const value = this.map.get(key);
      if (value !== undefined) yield [key, value];
    }
  }
}

/** Orders keys by UTF-16 code units, which equals byte order for the ASCII keys Kubernetes uses. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The first index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid];
    if (k !== undefined && k < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
