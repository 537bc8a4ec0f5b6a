import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { StorageError, isStorageError } from '../errors.ts';
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
} from '../interface.ts';
import { createMemoryBackend } from '../memory/index.ts';
import { Store } from '../store.ts';
import { runStorageConformance } from '../testing/index.ts';
import { Cacher } from './index.ts';
import type { CacherOptions } from './index.ts';

const PREFIX = '/registry/pods/';

interface Pod extends StoredObject {
  spec?: { node?: string };
}

function pod(name: string, labels: Record<string, string> = {}, ns = 'default'): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels } };
}

function keyOf(name: string, ns = 'default'): string {
  return `${PREFIX}${ns}/${name}`;
}

function rvOf(obj: StoredObject): number {
  return Number(obj.metadata?.resourceVersion);
}

/**
 * A Storage that forwards to another one, and lets a test pause the events of its watches
 * (to hold the cache back) or make them fail (to simulate a broken underlying watch).
 */
class ControlledStorage implements Storage {
  readonly name = 'controlled';
  watchesStarted = 0;
  /** Reads of single objects that reached this storage (not served by a cache above it). */
  gets = 0;
  private readonly inner: Storage;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  private readonly failers = new Set<(err: Error) => void>();

  constructor(inner: Storage) {
    this.inner = inner;
  }

  pause(): void {
    this.gate ??= new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  resume(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  /** Makes every running watch throw `err`. */
  failWatches(err: Error): void {
    for (const f of this.failers) f(err);
  }

  create<T extends StoredObject>(key: string, obj: T, opts?: CreateOptions): Promise<T> {
    return this.inner.create(key, obj, opts);
  }
  get<T extends StoredObject>(
    key: string,
    opts: GetOptions & { ignoreNotFound: true },
  ): Promise<T | undefined>;
  get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T>;
  get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T | undefined> {
    this.gets++;
    return this.inner.get<T>(key, opts);
  }
  list<T extends StoredObject>(prefix: string, opts?: ListOptions<T>): Promise<ListResult<T>> {
    return this.inner.list(prefix, opts);
  }
  guaranteedUpdate<T extends StoredObject>(
    key: string,
    tryUpdate: UpdateFunc<T>,
    opts?: UpdateOptions<T>,
  ): Promise<T> {
    return this.inner.guaranteedUpdate(key, tryUpdate, opts);
  }
  delete<T extends StoredObject>(key: string, opts?: DeleteOptions<T>): Promise<T> {
    return this.inner.delete(key, opts);
  }
  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }
  currentResourceVersion(): Promise<number> {
    return this.inner.currentResourceVersion();
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  watch<T extends StoredObject>(key: string, opts: WatchOptions<T>): Watcher<T> {
    return this.controlledWatch(key, opts);
  }

  private async *controlledWatch<T extends StoredObject>(
    key: string,
    opts: WatchOptions<T>,
  ): AsyncGenerator<WatchEvent<T>> {
    this.watchesStarted++;
    let fail: (err: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => undefined);
    this.failers.add(fail);
    const it = this.inner.watch(key, opts)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await Promise.race([it.next(), failed]);
        if (r.done === true) return;
        if (this.gate !== undefined) await Promise.race([this.gate, failed]);
        yield r.value;
      }
    } finally {
      this.failers.delete(fail);
      await it.return?.();
    }
  }
}

/** A ControlledStorage whose first list (the cache's fill) waits until `release()`. */
function holdFirstList(store: Storage): { controlled: ControlledStorage; release: () => void } {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let first = true;
  class HeldList extends ControlledStorage {
    override async list<T extends StoredObject>(
      prefix: string,
      opts?: ListOptions<T>,
    ): Promise<ListResult<T>> {
      if (first) {
        first = false;
        await held;
      }
      return super.list(prefix, opts);
    }
  }
  return { controlled: new HeldList(store), release };
}

interface Env {
  store: Store;
  controlled: ControlledStorage;
  cacher: Cacher;
}

const envs: Env[] = [];
const aborts: AbortController[] = [];

afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort();
  for (const e of envs.splice(0)) {
    e.controlled.resume();
    await e.cacher.close();
    await e.store.close();
  }
});

async function setup(opts: Partial<CacherOptions> = {}): Promise<Env> {
  const store = new Store(createMemoryBackend(), { progressNotifyMs: 20 });
  const controlled = new ControlledStorage(store);
  const cacher = new Cacher(controlled, {
    resourcePrefix: PREFIX,
    waitForFreshMs: 200,
    consistentReadWaitMs: 200,
    retryBackoffMs: { initial: 5, max: 20 },
    ...opts,
  });
  const env = { store, controlled, cacher };
  envs.push(env);
  cacher.start();
  await cacher.ready();
  return env;
}

function signal(): AbortSignal {
  const a = new AbortController();
  aborts.push(a);
  return a.signal;
}

/** Reads `n` events from an iterator, failing the test if they do not come within 2 s. */
async function take<T extends StoredObject>(
  it: AsyncIterator<WatchEvent<T>>,
  n: number,
): Promise<WatchEvent<T>[]> {
  const out: WatchEvent<T>[] = [];
  const deadline = Date.now() + 2000;
  while (out.length < n) {
    const remaining = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, remaining);
    });
    const r = await Promise.race([it.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') assert.fail(`timed out after ${out.length} of ${n} events`);
    if (r.done === true) assert.fail(`watch ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** Starts a watch and returns its iterator. */
function watchIt(
  storage: Storage,
  key: string,
  opts: WatchOptions<Pod>,
): AsyncIterator<WatchEvent<Pod>> {
  return storage.watch<Pod>(key, opts)[Symbol.asyncIterator]();
}

function names(events: WatchEvent<StoredObject>[]): string[] {
  return events.map((e) =>
    e.type === 'BOOKMARK' ? 'BOOKMARK' : `${e.type} ${e.object.metadata?.name ?? ''}`,
  );
}

/** Resolves when `p` settles or `ms` pass; true when it settled. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('Cacher', () => {
  it('consistent reads after writes see the writes', async () => {
    const { cacher } = await setup();
    for (let i = 0; i < 20; i++) {
      const created = await cacher.create(keyOf(`p${i}`), pod(`p${i}`));
      const got = await cacher.get<Pod>(keyOf(`p${i}`));
      assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
      const list = await cacher.list<Pod>(PREFIX);
      assert.equal(list.items.length, i + 1);
      assert.ok(list.resourceVersion >= rvOf(created));
    }
    await cacher.guaranteedUpdate<Pod>(keyOf('p3'), (cur) => ({ ...cur!, spec: { node: 'n1' } }));
    assert.equal((await cacher.get<Pod>(keyOf('p3'))).spec?.node, 'n1');
    await cacher.delete(keyOf('p4'));
    assert.equal(await cacher.get(keyOf('p4'), { ignoreNotFound: true }), undefined);
    await assert.rejects(cacher.get(keyOf('p4')), (e) => isStorageError(e, 'KeyNotFound'));
    assert.equal(await cacher.count(PREFIX), 19);
  });

  it('peek answers synchronously from the cache once it serves', async () => {
    const { cacher } = await setup();
    const created = await cacher.create(keyOf('peeked'), pod('peeked'));
    await until(() => cacher.peek(keyOf('peeked')) !== undefined, 'the cache to see the create');
    assert.equal(
      cacher.peek(keyOf('peeked'))?.metadata?.resourceVersion,
      created.metadata?.resourceVersion,
    );
    assert.ok(created.metadata?.resourceVersion !== undefined);
    assert.equal(cacher.peek(keyOf('missing')), undefined);
    await cacher.delete(keyOf('peeked'));
    await until(() => cacher.peek(keyOf('peeked')) === undefined, 'the cache to see the delete');
  });

  it('serves lists sorted, per namespace, with predicates, and returns frozen shared objects', async () => {
    const { cacher } = await setup();
    await cacher.create(keyOf('b', 'ns1'), pod('b', { app: 'x' }, 'ns1'));
    await cacher.create(keyOf('a', 'ns1'), pod('a', { app: 'y' }, 'ns1'));
    await cacher.create(keyOf('c', 'ns2'), pod('c', { app: 'x' }, 'ns2'));
    const all = await cacher.list<Pod>(PREFIX);
    assert.deepEqual(
      all.items.map((p) => p.metadata?.name),
      ['a', 'b', 'c'],
    );
    const ns1 = await cacher.list<Pod>(`${PREFIX}ns1`, { resourceVersion: 0 });
    assert.deepEqual(
      ns1.items.map((p) => p.metadata?.name),
      ['a', 'b'],
    );
    const x = await cacher.list<Pod>(PREFIX, {
      predicate: (p) => p.metadata?.labels?.app === 'x',
    });
    assert.deepEqual(
      x.items.map((p) => p.metadata?.name),
      ['b', 'c'],
    );
    const a = await cacher.get<Pod>(keyOf('a', 'ns1'), { resourceVersion: 0 });
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.metadata));
    assert.throws(() => {
      (a.metadata as { name: string }).name = 'changed';
    }, TypeError);
  });

  it('serves a paged list from the cache when it fits and delegates when it does not', async () => {
    const { cacher } = await setup();
    for (const n of ['a', 'b', 'c', 'd', 'e']) await cacher.create(keyOf(n), pod(n));
    const rv = await cacher.currentResourceVersion();
    await cacher.list(PREFIX); // consistent: the cache has caught up
    const fits = await cacher.list<Pod>(PREFIX, { resourceVersion: 0, limit: 10 });
    assert.equal(fits.items.length, 5);
    assert.equal(fits.continue, undefined);
    const page1 = await cacher.list<Pod>(PREFIX, {
      resourceVersion: rv,
      resourceVersionMatch: 'NotOlderThan',
      limit: 2,
    });
    assert.equal(page1.items.length, 2);
    assert.ok(page1.continue !== undefined);
    const page2 = await cacher.list<Pod>(PREFIX, { continue: page1.continue, limit: 10 });
    assert.deepEqual(
      [...page1.items, ...page2.items].map((p) => p.metadata?.name),
      ['a', 'b', 'c', 'd', 'e'],
    );
  });

  it('waits for a NotOlderThan resourceVersion, then serves it', async () => {
    const { cacher, controlled } = await setup({ waitForFreshMs: 2000 });
    controlled.pause();
    const created = await cacher.create(keyOf('late'), pod('late'));
    const rv = rvOf(created);
    const got = cacher.get<Pod>(keyOf('late'), { resourceVersion: rv });
    const listed = cacher.list<Pod>(PREFIX, { resourceVersion: rv });
    assert.equal(await settlesWithin(got, 30), false, 'the read waits for the cache');
    assert.ok(cacher.resourceVersion < rv);
    controlled.resume();
    assert.equal((await got).metadata?.name, 'late');
    const l = await listed;
    assert.equal(l.items.length, 1);
    assert.ok(l.resourceVersion >= rv);
  });

  it('fails with TooLargeResourceVersion when the cache does not reach N in time', async () => {
    const { cacher } = await setup({ waitForFreshMs: 30 });
    const future = (await cacher.currentResourceVersion()) + 100;
    const started = Date.now();
    await assert.rejects(cacher.get(keyOf('x'), { resourceVersion: future }), (e) => {
      assert.ok(isStorageError(e, 'TooLargeResourceVersion'));
      assert.equal(e.revision, future);
      return true;
    });
    assert.ok(Date.now() - started >= 25);
    await assert.rejects(cacher.list(PREFIX, { resourceVersion: future }), (e) =>
      isStorageError(e, 'TooLargeResourceVersion'),
    );
  });

  it('falls back to the underlying storage for consistent reads when the cache lags', async () => {
    const { cacher, controlled } = await setup({ consistentReadWaitMs: 20 });
    controlled.pause();
    await cacher.create(keyOf('fresh'), pod('fresh'));
    const got = await cacher.get<Pod>(keyOf('fresh'));
    assert.equal(got.metadata?.name, 'fresh');
    assert.equal((await cacher.list(PREFIX)).items.length, 1);
    // RV 0 ("any") is served by the lagging cache.
    assert.equal(
      await cacher.get(keyOf('fresh'), { resourceVersion: 0, ignoreNotFound: true }),
      undefined,
    );
  });

  it('watch from 0 sends the cache state as ADDED, then live events', async () => {
    const { cacher } = await setup();
    await cacher.create(keyOf('a'), pod('a'));
    await cacher.create(keyOf('b'), pod('b'));
    await cacher.list(PREFIX); // consistent: the cache has both now
    const it = watchIt(cacher, PREFIX, { recursive: true, resourceVersion: 0, signal: signal() });
    const first = take(it, 4);
    await cacher.guaranteedUpdate<Pod>(keyOf('a'), (cur) => ({ ...cur!, spec: { node: 'n' } }));
    await cacher.delete(keyOf('b'));
    const events = await first;
    assert.deepEqual(names(events), ['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
    const rvs = events.map((e) => e.resourceVersion);
    assert.deepEqual(
      rvs.slice(2),
      [...rvs.slice(2)].sort((x, y) => x - y),
    );
    const mod = events[2]!;
    assert.ok(mod.type === 'MODIFIED' && mod.prevObject?.spec === undefined);
  });

  it('watch of a single key sees only that key', async () => {
    const { cacher } = await setup();
    await cacher.create(keyOf('a'), pod('a'));
    await cacher.list(PREFIX);
    const it = watchIt(cacher, keyOf('a'), { recursive: false, signal: signal() });
    const got = take(it, 2);
    await cacher.create(keyOf('ab'), pod('ab'));
    await cacher.delete(keyOf('a'));
    assert.deepEqual(names(await got), ['ADDED a', 'DELETED a']);
  });

  it('watch from N replays history after N, then live events', async () => {
    const { cacher } = await setup();
    const a = await cacher.create(keyOf('a'), pod('a'));
    await cacher.create(keyOf('b'), pod('b'));
    await cacher.delete(keyOf('a'));
    const it = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: rvOf(a),
      signal: signal(),
    });
    const got = take(it, 3);
    await cacher.create(keyOf('c'), pod('c'));
    assert.deepEqual(names(await got), ['ADDED b', 'DELETED a', 'ADDED c']);
  });

  it('a cache started after a list serves watches from the revision of that list (from the store)', async () => {
    const { store } = await setup();
    // Objects written to the store before the cache saw them (the cache starts on first use).
    const stale = new Cacher(store, { resourcePrefix: PREFIX, storeServesFrom: 1 });
    const before = await store.create(keyOf('early'), pod('early'));
    const listed = await store.list(PREFIX);
    await store.create(keyOf('between'), pod('between'));
    stale.start();
    await stale.ready();
    try {
      const it = watchIt(stale, PREFIX, {
        recursive: true,
        resourceVersion: listed.resourceVersion,
        signal: signal(),
      });
      const got = take(it, 2);
      await store.create(keyOf('after'), pod('after'));
      assert.deepEqual(names(await got), ['ADDED between', 'ADDED after']);
      assert.ok(rvOf(before) <= listed.resourceVersion);
    } finally {
      await stale.close();
    }
  });

  it('a cache filled from an older revision serves resourceVersion=0 reads only once caught up', async () => {
    const { store } = await setup();
    const start = await store.currentResourceVersion();
    // Written after the server started and before the cache starts on first use.
    await store.create(keyOf('a'), pod('a'));
    await store.create(keyOf('b'), pod('b'));
    const late = new Cacher(store, { resourcePrefix: PREFIX, storeServesFrom: start });
    late.start();
    try {
      const list = await late.list(`${PREFIX}default/`, { resourceVersion: 0 });
      assert.deepEqual(
        list.items.map((p) => p.metadata?.name),
        ['a', 'b'],
      );
      const got = await late.get(keyOf('b'), { resourceVersion: 0 });
      assert.equal(got.metadata?.name, 'b');
      const it = watchIt(late, PREFIX, { recursive: true, resourceVersion: 0, signal: signal() });
      assert.deepEqual(names(await take(it, 2)), ['ADDED a', 'ADDED b']);
    } finally {
      await late.close();
    }
  });

  it('watch from a resourceVersion older than the history fails with Compacted', async () => {
    const { cacher } = await setup({ historyCapacity: 3 });
    const first = await cacher.create(keyOf('p0'), pod('p0'));
    for (let i = 1; i < 6; i++) await cacher.create(keyOf(`p${i}`), pod(`p${i}`));
    await cacher.list(PREFIX);
    const it = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: rvOf(first),
      signal: signal(),
    });
    await assert.rejects(it.next(), (e) => isStorageError(e, 'Compacted'));
    // The newest retained window still works: the 3 newest events are p3..p5.
    const p2rv = rvOf(await cacher.get(keyOf('p2')));
    const ok = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: p2rv,
      signal: signal(),
    });
    assert.deepEqual(names(await take(ok, 3)), ['ADDED p3', 'ADDED p4', 'ADDED p5']);
  });

  it('filters watches with predicate transitions', async () => {
    const { cacher } = await setup();
    await cacher.create(keyOf('a'), pod('a', { app: 'x' }));
    await cacher.list(PREFIX);
    const it = watchIt(cacher, PREFIX, {
      recursive: true,
      predicate: (p) => p.metadata?.labels?.app === 'x',
      signal: signal(),
    });
    const got = take(it, 4);
    const relabel = (app: string) => (cur: Pod | undefined) => ({
      ...cur!,
      metadata: { ...cur!.metadata, labels: { app } },
    });
    await cacher.create(keyOf('b'), pod('b', { app: 'y' }));
    await cacher.guaranteedUpdate(keyOf('a'), relabel('y'));
    await cacher.guaranteedUpdate(keyOf('b'), relabel('x'));
    await cacher.guaranteedUpdate(keyOf('b'), relabel('x2'));
    const events = await got;
    assert.deepEqual(names(events), ['ADDED a', 'DELETED a', 'ADDED b', 'DELETED b']);
    const leftA = events[1]!;
    assert.ok(leftA.type === 'DELETED');
    assert.equal(leftA.object.metadata?.labels?.app, 'x', 'the last matching state');
    assert.equal(rvOf(leftA.object), leftA.resourceVersion);
  });

  it('fans out to 100 watchers, each seeing every event in order', async () => {
    const { cacher } = await setup();
    const iters = Array.from({ length: 100 }, () =>
      watchIt(cacher, PREFIX, { recursive: true, resourceVersion: 0, signal: signal() }),
    );
    // Register every watcher (the first next() starts it) before writing.
    const firsts = iters.map((it) => take(it, 1));
    const written: number[] = [];
    for (let i = 0; i < 50; i++)
      written.push(rvOf(await cacher.create(keyOf(`p${i}`), pod(`p${i}`))));
    const seen = await Promise.all(
      iters.map(async (it, i) => [...(await firsts[i]!), ...(await take(it, 49))]),
    );
    for (const events of seen) {
      assert.deepEqual(
        events.map((e) => e.resourceVersion),
        written,
      );
    }
  });

  it('ends a slow watcher with TooSlow while fast ones continue', async () => {
    const { cacher } = await setup({ watcherBufferSize: 10 });
    const slow = watchIt(cacher, PREFIX, { recursive: true, signal: signal() });
    const fast = watchIt(cacher, PREFIX, { recursive: true, signal: signal() });
    const slowFirst = take(slow, 1);
    const fastEvents = take(fast, 30);
    for (let i = 0; i < 30; i++) await cacher.create(keyOf(`p${i}`), pod(`p${i}`));
    assert.equal((await fastEvents).length, 30);
    assert.deepEqual(names(await slowFirst), ['ADDED p0']);
    // The slow consumer read one event and then nothing while 29 more arrived.
    let thrown: unknown;
    try {
      for (;;) {
        const r = await slow.next();
        if (r.done === true) break;
      }
    } catch (e) {
      thrown = e;
    }
    assert.ok(isStorageError(thrown, 'TooSlow'));
    // The fast watcher keeps working.
    const more = take(fast, 1);
    await cacher.create(keyOf('after'), pod('after'));
    assert.deepEqual(names(await more), ['ADDED after']);
  });

  it('sends BOOKMARKs to idle progress-notify watchers', async () => {
    const { cacher } = await setup({ bookmarkIntervalMs: 10 });
    const created = await cacher.create(keyOf('a'), pod('a'));
    const it = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: rvOf(created),
      progressNotify: true,
      signal: signal(),
    });
    const [ev] = await take(it, 1);
    assert.equal(ev?.type, 'BOOKMARK');
    assert.ok(ev.resourceVersion >= rvOf(created));
  });

  it('ends watches when the signal aborts', async () => {
    const { cacher } = await setup();
    const a = new AbortController();
    const it = watchIt(cacher, PREFIX, { recursive: true, signal: a.signal });
    const next = it.next();
    await new Promise((r) => setTimeout(r, 5));
    a.abort();
    assert.equal((await next).done, true);
  });

  it('delegates keys outside the resource prefix', async () => {
    const { cacher, store } = await setup();
    await cacher.create('/registry/services/default/s', pod('s'));
    assert.equal((await store.get('/registry/services/default/s')).metadata?.name, 's');
    const got = await cacher.get<Pod>('/registry/services/default/s', { resourceVersion: 0 });
    assert.ok(!Object.isFrozen(got), 'served by the underlying store, not the cache');
    assert.equal((await cacher.list(PREFIX)).items.length, 0);
  });

  it('recovers after the underlying watch fails: ends watchers, re-lists, serves again', async () => {
    const { cacher, controlled } = await setup();
    const a = await cacher.create(keyOf('a'), pod('a'));
    await cacher.create(keyOf('b'), pod('b'));
    await cacher.list(PREFIX);
    const it = watchIt(cacher, PREFIX, { recursive: true, signal: signal() });
    assert.equal((await take(it, 2)).length, 2);
    const current = await cacher.currentResourceVersion();
    await cacher.compact(current);
    controlled.failWatches(new StorageError('Unreachable', 'connection lost'));
    await assert.rejects(it.next(), (e) => isStorageError(e, 'Compacted'));
    // Written while the cache re-initialises.
    await cacher.create(keyOf('c'), pod('c'));
    await until(() => controlled.watchesStarted >= 2 && cacher.serving, 'the cache to recover');
    assert.deepEqual(
      (await cacher.list<Pod>(PREFIX)).items.map((p) => p.metadata?.name),
      ['a', 'b', 'c'],
    );
    // Events from before the re-list are gone from the history.
    const old = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: rvOf(a),
      signal: signal(),
    });
    await assert.rejects(old.next(), (e) => isStorageError(e, 'Compacted'));
    // New watches work.
    const fresh = watchIt(cacher, PREFIX, { recursive: true, signal: signal() });
    const got = take(fresh, 4);
    await cacher.create(keyOf('d'), pod('d'));
    assert.deepEqual(names(await got), ['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d']);
  });

  it('a list and watches begun while the cache first fills wait for it and are served from memory', async () => {
    const store = new Store(createMemoryBackend(), { progressNotifyMs: 20 });
    await store.create(keyOf('a'), pod('a'));
    const { controlled, release } = holdFirstList(store);
    const cacher = new Cacher(controlled, { resourcePrefix: PREFIX, waitForFreshMs: 2000 });
    envs.push({ store, controlled, cacher });
    cacher.start();
    const listing = cacher.list<Pod>(PREFIX, {});
    const early = watchIt(cacher, PREFIX, { recursive: true, signal: signal() });
    const earlyGot = take(early, 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(cacher.serving, false);
    release();
    const listed = await listing;
    assert.equal(listed.resourceVersion, cacher.resourceVersion);
    assert.deepEqual(
      listed.items.map((p) => p.metadata?.name),
      ['a'],
    );
    const later = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: listed.resourceVersion,
      signal: signal(),
    });
    const laterGot = take(later, 1);
    await store.create(keyOf('b'), pod('b'));
    assert.deepEqual(names(await earlyGot), ['ADDED a', 'ADDED b']);
    assert.deepEqual(names(await laterGot), ['ADDED b']);
    // One storage watch: the cache's own. Both client watches are served from memory.
    assert.equal(controlled.watchesStarted, 1);
  });

  it('a watch that starts the cache fills it from the watch revision, so memory serves it', async () => {
    const store = new Store(createMemoryBackend(), { progressNotifyMs: 20 });
    await store.create(keyOf('a'), pod('a'));
    const listed = await store.list(PREFIX); // a client's list, before the cache exists
    await store.create(keyOf('b'), pod('b'));
    const controlled = new ControlledStorage(store);
    const cacher = new Cacher(controlled, { resourcePrefix: PREFIX, storeServesFrom: 1 });
    envs.push({ store, controlled, cacher });
    cacher.start(); // started on first use by this watch, as the registry does
    const it = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: listed.resourceVersion,
      signal: signal(),
    });
    const got = take(it, 2);
    await cacher.ready();
    await store.create(keyOf('c'), pod('c'));
    assert.deepEqual(names(await got), ['ADDED b', 'ADDED c']);
    // One storage watch: the cache's own; the client's watch is served from memory.
    assert.equal(controlled.watchesStarted, 1);
    assert.deepEqual(
      (await cacher.list<Pod>(PREFIX, { resourceVersion: 0 })).items.map((p) => p.metadata?.name),
      ['a', 'b', 'c'],
    );
  });

  it('a cache filled from an older revision is current at once when later writes went elsewhere', async () => {
    // No periodic progress during the test: only the store's catch-up message can tell the
    // cache that nothing under its prefix changed since its list.
    const store = new Store(createMemoryBackend(), { progressNotifyMs: 600_000 });
    await store.create(keyOf('a'), pod('a'));
    const start = await store.currentResourceVersion();
    await store.create('/registry/configmaps/default/elsewhere', pod('elsewhere'));
    const controlled = new ControlledStorage(store);
    const cacher = new Cacher(controlled, {
      resourcePrefix: PREFIX,
      storeServesFrom: start,
      consistentReadWaitMs: 5000,
    });
    envs.push({ store, controlled, cacher });
    cacher.start();
    const started = performance.now();
    const got = await cacher.get<Pod>(keyOf('a'), { resourceVersion: 0 });
    assert.equal(got.metadata?.name, 'a');
    // Served from memory, and without waiting out consistentReadWaitMs first.
    assert.equal(controlled.gets, 0);
    assert.ok(performance.now() - started < 4000);
  });

  it('a watch that starts the cache from a compacted revision gets Compacted', async () => {
    const store = new Store(createMemoryBackend(), { progressNotifyMs: 20 });
    await store.create(keyOf('a'), pod('a'));
    const listed = await store.list(PREFIX);
    await store.create(keyOf('b'), pod('b'));
    const c = await store.create(keyOf('c'), pod('c'));
    await store.compact(rvOf(c)); // the events after the client's list are gone
    const controlled = new ControlledStorage(store);
    const cacher = new Cacher(controlled, { resourcePrefix: PREFIX, storeServesFrom: 1 });
    envs.push({ store, controlled, cacher });
    cacher.start();
    const it = watchIt(cacher, PREFIX, {
      recursive: true,
      resourceVersion: listed.resourceVersion,
      signal: signal(),
    });
    await assert.rejects(it.next(), (e) => isStorageError(e, 'Compacted'));
    assert.equal(cacher.serving, true);
    assert.deepEqual(
      (await cacher.list<Pod>(PREFIX, { resourceVersion: 0 })).items.map((p) => p.metadata?.name),
      ['a', 'b', 'c'],
    );
  });

  it('a read during a first fill that takes too long is served by the underlying storage', async () => {
    const store = new Store(createMemoryBackend(), { progressNotifyMs: 20 });
    await store.create(keyOf('a'), pod('a'));
    const { controlled, release } = holdFirstList(store);
    const cacher = new Cacher(controlled, { resourcePrefix: PREFIX, waitForFreshMs: 30 });
    envs.push({ store, controlled, cacher });
    cacher.start();
    const listed = await cacher.list<Pod>(PREFIX, {});
    assert.equal(cacher.serving, false);
    assert.deepEqual(
      listed.items.map((p) => p.metadata?.name),
      ['a'],
    );
    release();
    await cacher.ready();
  });

  it('serves reads from the underlying storage while not ready', async () => {
    const store = new Store(createMemoryBackend());
    await store.create(keyOf('a'), pod('a'));
    const cacher = new Cacher(store, { resourcePrefix: PREFIX });
    envs.push({ store, controlled: new ControlledStorage(store), cacher });
    assert.equal(cacher.serving, false);
    assert.equal((await cacher.get<Pod>(keyOf('a'), { resourceVersion: 0 })).metadata?.name, 'a');
    cacher.start();
    await cacher.ready();
    assert.equal(cacher.serving, true);
    assert.equal((await cacher.list(PREFIX, { resourceVersion: 0 })).items.length, 1);
  });

  it('close ends watches normally and rejects further calls with Closed', async () => {
    const { cacher } = await setup();
    const it = watchIt(cacher, PREFIX, { recursive: true, signal: signal() });
    const next = it.next();
    await new Promise((r) => setTimeout(r, 5));
    await cacher.close();
    assert.equal((await next).done, true);
    await assert.rejects(cacher.get(keyOf('a')), (e) => isStorageError(e, 'Closed'));
    await assert.rejects(cacher.ready(), (e) => isStorageError(e, 'Closed'));
    await cacher.close();
  });
});

/**
 * How the conformance suite sees the cacher. Two test-only adaptations, both for documented
 * differences between the cacher and a plain Store:
 * - results are cloned, because the cacher returns shared read-only objects where the suite
 *   checks that results are the caller's own copies;
 * - every write waits until the cache has seen it, because resourceVersion 0 reads from the
 *   cache may be stale (Kubernetes semantics) where the suite expects read-your-writes.
 * It also records each key by object name: the suite's keys (a random folder per test) cannot
 * be derived from the objects, which the cacher's keyFunc otherwise does.
 */
class ConformanceView implements Storage {
  readonly name: string;
  constructor(
    private readonly cacher: Cacher,
    private readonly prefix: string,
    private readonly keys: Map<string, string>,
  ) {
    this.name = cacher.name;
  }

  private record(key: string, obj?: StoredObject): void {
    const name = obj?.metadata?.name ?? key.slice(key.lastIndexOf('/') + 1);
    this.keys.set(name, key);
  }

  private async settled<T extends StoredObject>(key: string, obj: T): Promise<T> {
    if (key.startsWith(this.prefix) && this.cacher.serving) {
      await this.cacher.waitUntilFresh(rvOf(obj), 1000);
    }
    return obj;
  }

  async create<T extends StoredObject>(key: string, obj: T, opts?: CreateOptions): Promise<T> {
    this.record(key, obj);
    return this.settled(key, await this.cacher.create(key, obj, opts));
  }
  get<T extends StoredObject>(
    key: string,
    opts: GetOptions & { ignoreNotFound: true },
  ): Promise<T | undefined>;
  get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T>;
  async get<T extends StoredObject>(key: string, opts?: GetOptions): Promise<T | undefined> {
    if (opts?.ignoreNotFound === true) {
      const got = await this.cacher.get<T>(key, { ...opts, ignoreNotFound: true });
      return got === undefined ? undefined : structuredClone(got);
    }
    return structuredClone(await this.cacher.get<T>(key, opts));
  }
  async list<T extends StoredObject>(
    prefix: string,
    opts?: ListOptions<T>,
  ): Promise<ListResult<T>> {
    const res = await this.cacher.list(prefix, opts);
    return { ...res, items: res.items.map((o) => structuredClone(o)) };
  }
  async guaranteedUpdate<T extends StoredObject>(
    key: string,
    tryUpdate: UpdateFunc<T>,
    opts?: UpdateOptions<T>,
  ): Promise<T> {
    this.record(key);
    return this.settled(key, await this.cacher.guaranteedUpdate(key, tryUpdate, opts));
  }
  async delete<T extends StoredObject>(key: string, opts?: DeleteOptions<T>): Promise<T> {
    return this.settled(key, await this.cacher.delete(key, opts));
  }
  count(prefix: string): Promise<number> {
    return this.cacher.count(prefix);
  }
  currentResourceVersion(): Promise<number> {
    return this.cacher.currentResourceVersion();
  }
  compact(revision: number): Promise<void> {
    return this.cacher.compact(revision);
  }
  close(): Promise<void> {
    return this.cacher.close();
  }
  watch<T extends StoredObject>(key: string, opts: WatchOptions<T>): Watcher<T> {
    const inner = this.cacher.watch(key, opts);
    return (async function* cloned(): AsyncGenerator<WatchEvent<T>> {
      for await (const ev of inner) yield structuredClone(ev);
    })();
  }
}

const CONFORMANCE_PREFIX = '/registry/things/';

runStorageConformance(
  'cacher(memory)',
  async () => {
    const backend = createMemoryBackend();
    const store = new Store(backend, { progressNotifyMs: 20 });
    const keys = new Map<string, string>();
    const cacher = new Cacher(store, {
      resourcePrefix: CONFORMANCE_PREFIX,
      bookmarkIntervalMs: 50,
      waitForFreshMs: 200,
      retryBackoffMs: { initial: 5, max: 50 },
      keyFunc: (o) => {
        const name = o.metadata?.name ?? '';
        return keys.get(name) ?? `${CONFORMANCE_PREFIX}unknown/${name}`;
      },
    });
    cacher.start();
    await cacher.ready();
    return {
      storage: new ConformanceView(cacher, CONFORMANCE_PREFIX, keys),
      cleanup: async () => {
        await cacher.close();
        await store.close();
      },
      rawPut: async (key, value) => {
        const resp = await backend.create(key, value);
        assert.ok(resp.succeeded);
      },
    };
  },
  { bookmarkWithinMs: 50 },
);
