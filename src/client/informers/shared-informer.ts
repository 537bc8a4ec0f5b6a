/**
 * A shared informer (client-go tools/cache SharedIndexInformer + Reflector) over any
 * ResourceClient: lists (in pages), then watches from the list's resourceVersion with
 * bookmarks; resumes a watch that ends from the last resourceVersion seen; re-lists on
 * `410 Gone`; backs off exponentially (with jitter) on errors; delivers add/update/delete to
 * every handler in order; resyncs (onUpdate(obj, obj)) every `resyncMs` when asked.
 */
import { isGone, isResourceExpired } from '../../api/index.ts';
import { objectKey } from '../types.ts';
import type {
  DeletedFinalStateUnknown,
  IndexFunc,
  Informer,
  KubeObject,
  Lister,
  ResourceClient,
  ResourceEventHandler,
} from '../types.ts';
import { Store } from './store.ts';

/** What an informer watches and how. */
export interface SharedInformerOptions {
  /** '' (default) for all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Calls every handler's onUpdate(obj, obj) for every object this often; 0 (default) never. */
  resyncMs?: number;
  /** List page size (default 500, as client-go). */
  pageSize?: number;
  /** Delay before the first retry after an error (default 800 ms), doubling up to 30 s. */
  backoffMs?: number;
  /** Called with each list/watch failure (default: ignored; the informer retries). */
  onError?: (err: unknown) => void;
  /**
   * Applied to every listed or watched object before it is cached or handed to a handler
   * (client-go's TransformFunc); it may change the object in place. See stripManagedFields.
   */
  transform?: (obj: KubeObject) => KubeObject;
}

/**
 * A transform that drops metadata.managedFields, as kube-controller-manager and kube-scheduler
 * set on their informers: no controller reads them, and they are a third or more of a
 * typical object, so every cached copy is that much smaller (and the GC's work with it). An
 * update sent without managedFields keeps the stored ones (server-side).
 */
export function stripManagedFields(obj: KubeObject): KubeObject {
  const meta = obj.metadata;
  if (meta?.managedFields === undefined) return obj;
  // A copy without the field rather than `delete`, which would turn the metadata into a
  // dictionary-mode object that every later property read pays for.
  const { managedFields: _dropped, ...rest } = meta;
  obj.metadata = rest;
  return obj;
}

/** Sleeps `ms` unless `signal` aborts first. */
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

/** A shared informer; `run(signal)` drives it, handlers and the lister read it. */
export class SharedInformer<T extends KubeObject> implements Informer<T> {
  private readonly store = new Store<T>();
  private readonly handlers: ResourceEventHandler<T>[] = [];
  private synced = false;
  private lastResourceVersion = '';
  private readonly syncWaiters: (() => void)[] = [];

  constructor(
    private readonly client: ResourceClient<T>,
    private readonly opts: SharedInformerOptions = {},
  ) {}

  get lister(): Lister<T> {
    return this.store;
  }

  /** The resourceVersion of the last list or event seen ('' before the first list). */
  get resourceVersion(): string {
    return this.lastResourceVersion;
  }

  addEventHandler(handler: ResourceEventHandler<T>): void {
    this.handlers.push(handler);
    if (this.synced) {
      for (const obj of this.store.list()) handler.onAdd?.(obj, true);
    }
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.store.addIndexers(indexers);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache (or when `signal` aborts). */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Lists and watches until `signal` aborts; resolves then. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const base = this.opts.backoffMs ?? 800;
    // A function, so that checks after an await are not narrowed away.
    const stopped = (): boolean => signal.aborted;
    let delay = base;
    let needList = true;
    let resync: ReturnType<typeof setInterval> | undefined;
    if ((this.opts.resyncMs ?? 0) > 0) {
      resync = setInterval(() => {
        if (this.synced) this.resync();
      }, this.opts.resyncMs);
      resync.unref();
    }
    try {
      while (!signal.aborted) {
        try {
          if (needList) {
            await this.list(signal);
            needList = false;
          }
          await this.watch(signal);
          delay = base;
        } catch (err) {
          if (stopped()) break;
          if (isGone(err) || isResourceExpired(err)) {
            // The resourceVersion is compacted away: start over from a fresh list.
            needList = true;
            continue;
          }
          this.opts.onError?.(err);
          await sleep(delay * (0.5 + Math.random()), signal);
          delay = Math.min(delay * 2, 30_000);
        }
      }
    } finally {
      if (resync !== undefined) clearInterval(resync);
    }
  }

  private async list(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      if (signal.aborted) return;
      const page = await this.client.list(this.opts.namespace ?? '', {
        limit: this.opts.pageSize ?? 500,
        ...(cont === undefined ? {} : { continue: cont }),
        ...(this.opts.labelSelector === undefined
          ? {}
          : { labelSelector: this.opts.labelSelector }),
        ...(this.opts.fieldSelector === undefined
          ? {}
          : { fieldSelector: this.opts.fieldSelector }),
      });
      // List items come without apiVersion/kind (as upstream); event recorders and
      // owner references need them, as watch events have them.
      const kind = page.kind?.endsWith('List') === true ? page.kind.slice(0, -4) : undefined;
      for (const item of page.items) {
        if (kind !== undefined && item.kind === undefined) {
          item.kind = kind;
          if (page.apiVersion !== undefined) item.apiVersion = page.apiVersion;
        }
        items.push(this.transformed(item));
      }
      rv = page.metadata.resourceVersion ?? rv;
      cont = page.metadata.continue === '' ? undefined : page.metadata.continue;
    } while (cont !== undefined);
    const initial = !this.synced;
    const before = new Map(this.store.keys().map((k) => [k, this.store.getByKey(k)]));
    const gone = this.store.replace(items);
    for (const obj of items) {
      const old = before.get(objectKey(obj));
      if (old === undefined) this.emit((h) => h.onAdd?.(obj, initial));
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
        this.emit((h) => h.onUpdate?.(old, obj));
    }
    for (const obj of gone) {
      const tomb: DeletedFinalStateUnknown<T> = {
        key: objectKey(obj),
        obj,
        deletedFinalStateUnknown: true,
      };
      this.emit((h) => h.onDelete?.(tomb));
    }
    this.lastResourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watch(signal: AbortSignal): Promise<void> {
    const events = this.client.watch(
      this.opts.namespace ?? '',
      {
        resourceVersion: this.lastResourceVersion,
        allowWatchBookmarks: true,
        // client-go: a random timeout between 5 and 10 minutes, so watches do not all renew at once.
        timeoutSeconds: Math.floor(300 + Math.random() * 300),
        ...(this.opts.labelSelector === undefined
          ? {}
          : { labelSelector: this.opts.labelSelector }),
        ...(this.opts.fieldSelector === undefined
          ? {}
          : { fieldSelector: this.opts.fieldSelector }),
      },
      signal,
    );
    for await (const e of events) {
      const rv = e.object.metadata?.resourceVersion;
      if (e.type === 'BOOKMARK') {
        if (rv !== undefined) this.lastResourceVersion = rv;
        continue;
      }
      const obj = this.transformed(e.object);
      if (e.type === 'DELETED') {
        this.store.remove(objectKey(obj));
        this.emit((h) => h.onDelete?.(obj));
      } else {
        const old = this.store.upsert(obj);
        if (old === undefined) this.emit((h) => h.onAdd?.(obj, false));
        else this.emit((h) => h.onUpdate?.(old, obj));
      }
      if (rv !== undefined) this.lastResourceVersion = rv;
    }
  }

  private transformed(obj: T): T {
    const t = this.opts.transform;
    return t === undefined ? obj : (t(obj) as T);
  }

  private resync(): void {
    for (const obj of this.store.list()) this.emit((h) => h.onUpdate?.(obj, obj));
  }

  /** Calls every handler; a throwing handler does not stop the others or the informer. */
  private emit(call: (h: ResourceEventHandler<T>) => void): void {
    for (const h of this.handlers) {
      try {
        call(h);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }
}
