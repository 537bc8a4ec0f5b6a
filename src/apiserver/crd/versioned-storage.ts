/**
 * One served version's view of a custom resource's storage, for CRDs with several versions
 * and conversion strategy `None` (upstream's nopConverter): objects are stored under the
 * storage version's apiVersion and read back under the version that serves the request; only
 * `apiVersion` changes. Every other field passes through untouched.
 */
import type {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListResult,
  Storage,
  StoredObject,
  UpdateFunc,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../../storage/index.ts';

/** A shallow copy with `apiVersion` set (stored and cached objects are never modified). */
function as<T extends StoredObject>(obj: T, apiVersion: string): T {
  return obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };
}

/**
 * Wraps `inner` (the storage or watch cache of the resource's prefix): objects read come back
 * as `servedApiVersion`, objects written are stored as `storageApiVersion`. When the two are
 * equal, `inner` itself is returned.
 */
export function versionedStorage(
  inner: Storage,
  servedApiVersion: string,
  storageApiVersion: string,
): Storage {
  if (servedApiVersion === storageApiVersion) return inner;
  const out = <T extends StoredObject>(o: T): T => as(o, servedApiVersion);
  const store = <T extends StoredObject>(o: T): T => as(o, storageApiVersion);
  function get<T extends StoredObject>(
    key: string,
    opts: GetOptions & { ignoreNotFound: true },
  ): Promise<T | undefined>;
  function get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T>;
  async function get<T extends StoredObject>(
    key: string,
    opts?: GetOptions,
  ): Promise<T | undefined> {
    if (opts?.ignoreNotFound === true) {
      const o = await inner.get<T>(key, { ...opts, ignoreNotFound: true });
      return o === undefined ? undefined : out(o);
    }
    return out(await inner.get<T>(key, opts));
  }
  return {
    get name(): string {
      return inner.name;
    },
    async create<T extends StoredObject>(key: string, obj: T, opts?: CreateOptions): Promise<T> {
      return out(await inner.create(key, store(obj), opts));
    },
    get,
    async list<T extends StoredObject>(
      prefix: string,
      opts?: ListOptions<T>,
    ): Promise<ListResult<T>> {
      const r = await inner.list<T>(prefix, opts);
      return { ...r, items: r.items.map(out) };
    },
    async guaranteedUpdate<T extends StoredObject>(
      key: string,
      tryUpdate: UpdateFunc<T>,
      opts?: UpdateOptions<T>,
    ): Promise<T> {
      const updated = await inner.guaranteedUpdate<T>(
        key,
        async (current) => {
          const seen = current === undefined ? undefined : out(current);
          const next = await tryUpdate(seen);
          // Returning what it was given means "no change": hand back the stored object.
          return next === seen && current !== undefined ? current : store(next);
        },
        opts,
      );
      return out(updated);
    },
    async delete<T extends StoredObject>(key: string, opts?: DeleteOptions<T>): Promise<T> {
      const validate = opts?.validateDeletion;
      return out(
        await inner.delete<T>(key, {
          ...opts,
          ...(validate === undefined
            ? {}
            : { validateDeletion: (current: T) => validate(out(current)) }),
        }),
      );
    },
    watch<T extends StoredObject>(key: string, opts: WatchOptions<T>): Watcher<T> {
      const events = inner.watch<T>(key, opts);
      return {
        async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent<T>> {
          for await (const ev of events) {
            if (ev.type === 'BOOKMARK') {
              yield ev;
              continue;
            }
            yield {
              ...ev,
              object: out(ev.object),
              ...(ev.prevObject === undefined ? {} : { prevObject: out(ev.prevObject) }),
            };
          }
        },
      };
    },
    count: (prefix) => inner.count(prefix),
    currentResourceVersion: () => inner.currentResourceVersion(),
    compact: (revision) => inner.compact(revision),
    close: () => inner.close(),
  };
}
