/**
 * An in-process mirror of one resource's objects, kept current by a watch (upstream's
 * informer, inside the API server): what admission needs to read synchronously on every
 * request (webhook configurations, namespaces for selectors), and what CRD serving reacts to
 * (through a listener). Eventually consistent, as
 * upstream's informers are: a configuration takes effect once its event arrived (well under a
 * second). On a watch failure it re-lists after a short backoff.
 */
import { storageListPrefix } from '../api/index.ts';
import type { Scheme } from '../api/index.ts';
import type { Storage, StoredObject } from '../storage/index.ts';

/** The storage prefix (ending in '/') of every object of a resource; throws when unknown. */
export function resourcePrefix(scheme: Scheme, group: string, resource: string): string {
  const info = scheme.byGroupResource({ group, resource });
  if (info === undefined) throw new Error(`${group}/${resource} is not in the scheme`);
  return storageListPrefix(info);
}

/** Optional callbacks of a mirror, called after its contents changed. */
export interface MirrorListener {
  /** After every (re-)list: the whole current state. */
  synced?(objects: readonly StoredObject[]): void;
  /** After each live change. */
  changed?(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: StoredObject): void;
}

export class ResourceMirror {
  private readonly objects = new Map<string, StoredObject>();
  private snapshot: readonly StoredObject[] | undefined;
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];

  /**
   * Starts mirroring every object under `prefix` (ending in '/'), or only those `filter`
   * accepts (an object that stops matching leaves the mirror). Call `close` to stop.
   */
  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly listener: MirrorListener = {},
    private readonly filter?: (obj: StoredObject) => boolean,
  ) {
    this.loop = this.run();
  }

  /** The current objects (a shared, frozen array: do not modify). Empty until the first list. */
  values(): readonly StoredObject[] {
    this.snapshot ??= Object.freeze([...this.objects.values()]);
    return this.snapshot;
  }

  /** The object stored at `key`, if mirrored. */
  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  /** Resolves once the initial state has been read. */
  ready(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let delay = 100;
    while (!this.stop.signal.aborted) {
      try {
        const initial = new Map<string, StoredObject>();
        let live = false;
        for await (const ev of this.storage.watch(this.prefix, {
          recursive: true,
          initialEventsEnd: true,
          signal: this.stop.signal,
          ...(this.filter === undefined ? {} : { predicate: this.filter }),
        })) {
          if (ev.type === 'BOOKMARK') {
            if (ev.initialEventsEnd === true && !live) {
              live = true;
              this.objects.clear();
              for (const [k, v] of initial) this.objects.set(k, v);
              this.changed();
              this.listener.synced?.(this.values());
              this.markSynced();
              delay = 100;
            }
            continue;
          }
          const key = keyOf(ev.object);
          const target = live ? this.objects : initial;
          if (ev.type === 'DELETED') target.delete(key);
          else target.set(key, ev.object);
          if (live) {
            this.changed();
            this.listener.changed?.(ev.type, ev.object);
          }
        }
      } catch {
        // Re-list after a pause (compaction, store restart).
      }
      if (this.stopped()) return;
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** A method, so the check after an await is not narrowed away. */
  private stopped(): boolean {
    return this.stop.signal.aborted;
  }

  private changed(): void {
    this.snapshot = undefined;
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const w of this.syncWaiters.splice(0)) w();
  }
}

/** The mirror key of an object: `<namespace>/<name>` or `<name>`. */
function keyOf(obj: StoredObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}
