/**
 * The Storage conformance suite: Kubernetes' storage.Interface semantics end to end (the
 * behaviour upstream's etcd3 store tests check), run against every Storage implementation
 * (Store over memory/sqlite/etcd, the cacher). Each test uses its own key prefix and
 * revisions relative to what it observed, so the suite may share a server with other tests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { StorageError } from '../errors.ts';
import type { Storage, StoredObject, WatchEvent, WatchOptions } from '../interface.ts';
import { WatchReader, mapLimit, rejectsWith, sleep, uniquePrefix } from './helpers.ts';

/** What a Storage factory returns to the suite. */
export interface StorageFixture {
  storage: Storage;
  /** Releases everything the factory created (temp files, connections). */
  cleanup(): Promise<void>;
  /**
   * Writes raw bytes under `key`, bypassing encoding (used to plant a corrupt value). Tests that
   * need it are skipped when absent.
   */
  rawPut?(key: string, value: Uint8Array): Promise<void>;
}

/** Options of {@link runStorageConformance}. */
export interface StorageConformanceOptions {
  /**
   * When set, the storage emits BOOKMARK events for idle `progressNotify` watches within this
   * many milliseconds; the bookmark test is skipped otherwise.
   */
  bookmarkWithinMs?: number;
}

interface TestObj extends StoredObject {
  metadata: ObjectMeta;
  spec?: { n?: number; note?: string };
}

function obj(name: string, extra: Partial<TestObj> = {}): TestObj {
  return {
    apiVersion: 'v1',
    kind: 'Thing',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, labels: { app: 'a' } },
    spec: { n: 0 },
    ...extra,
  };
}

function rvOf(o: StoredObject | undefined): number {
  const rv = o?.metadata?.resourceVersion;
  assert.ok(rv !== undefined && /^[1-9][0-9]*$/.test(rv), `bad resourceVersion ${String(rv)}`);
  return Number(rv);
}

function names(items: readonly StoredObject[]): string[] {
  return items.map((o) => o.metadata?.name ?? '');
}

/**
 * Registers the Storage conformance tests under `describe(name)`. `open` is called once per
 * test and must give a working Storage; `cleanup` is awaited after the test.
 */
export function runStorageConformance(
  name: string,
  open: () => Promise<StorageFixture>,
  options: StorageConformanceOptions = {},
): void {
  void describe(`storage conformance: ${name}`, () => {
    /** Opens a fixture for one test and always cleans it up. */
    const withStorage = async (
      fn: (s: Storage, p: string, fx: StorageFixture) => Promise<void>,
    ): Promise<void> => {
      const fx = await open();
      try {
        await fn(fx.storage, uniquePrefix('/registry/things'), fx);
      } finally {
        await fx.cleanup();
      }
    };

    const watch = <T extends StoredObject>(
      s: Storage,
      key: string,
      opts: Omit<WatchOptions<T>, 'signal'>,
    ): WatchReader<WatchEvent<T>> => {
      const controller = new AbortController();
      return new WatchReader(s.watch<T>(key, { ...opts, signal: controller.signal }), controller);
    };

    void it('creates and gets objects, stamping resourceVersion and owning copies', () =>
      withStorage(async (s, p) => {
        const before = await s.currentResourceVersion();
        const input = obj('a');
        const snapshot = structuredClone(input);
        const created = await s.create(`${p}a`, input);
        assert.deepEqual(input, snapshot, 'create must not mutate its input');
        assert.equal(rvOf(created), before + 1);
        assert.equal(await s.currentResourceVersion(), before + 1);
        const got = await s.get<TestObj>(`${p}a`);
        assert.deepEqual(got, created);
        got.spec = { n: 99 };
        assert.deepEqual((await s.get<TestObj>(`${p}a`)).spec, { n: 0 }, 'results are copies');
        assert.equal(await s.get(`${p}missing`, { ignoreNotFound: true }), undefined);
        await rejectsWith(s.get(`${p}missing`), 'KeyNotFound');
        await rejectsWith(s.create(`${p}a`, obj('a')), 'KeyExists');
        const withRv = obj('b', { metadata: { ...obj('b').metadata, resourceVersion: '5' } });
        const err = await rejectsWith(s.create(`${p}b`, withRv), 'InvalidObject');
        assert.match(err.message, /resourceVersion should not be set on objects to be created/);
        assert.equal(await s.count(p), 1);
      }));

    void it('honours get resourceVersion semantics', () =>
      withStorage(async (s, p) => {
        const created = await s.create(`${p}a`, obj('a'));
        const rv = rvOf(created);
        assert.equal(rvOf(await s.get(`${p}a`, { resourceVersion: 0 })), rv);
        assert.equal(rvOf(await s.get(`${p}a`, { resourceVersion: rv })), rv);
        const current = await s.currentResourceVersion();
        const err = await rejectsWith(
          s.get(`${p}a`, { resourceVersion: current + 100 }),
          'TooLargeResourceVersion',
        );
        assert.ok(err instanceof StorageError);
      }));

    void it('refuses objects above the size limit without writing', () =>
      withStorage(async (s, p) => {
        const before = await s.currentResourceVersion();
        const big = obj('big', { spec: { note: 'x'.repeat(3.5 * 1024 * 1024) } });
        await rejectsWith(s.create(`${p}big`, big), 'TooLarge');
        assert.equal(await s.get(`${p}big`, { ignoreNotFound: true }), undefined);
        assert.equal(await s.currentResourceVersion(), before);
        await s.create(`${p}small`, obj('small'));
        await rejectsWith(
          s.guaranteedUpdate<TestObj>(`${p}small`, (cur) => ({ ...obj('small'), ...cur, ...big })),
          'TooLarge',
        );
      }));

    void it('guaranteedUpdate writes, keeps the resourceVersion on no-ops and propagates errors', () =>
      withStorage(async (s, p) => {
        const created = await s.create(`${p}a`, obj('a'));
        const updated = await s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => {
          assert.ok(cur !== undefined);
          assert.equal(cur.metadata.resourceVersion, created.metadata.resourceVersion);
          cur.spec = { n: 1 };
          return cur;
        });
        assert.ok(rvOf(updated) > rvOf(created));
        assert.deepEqual(updated.spec, { n: 1 });
        assert.deepEqual(await s.get(`${p}a`), updated);

        const rvBefore = await s.currentResourceVersion();
        const same = await s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => cur ?? obj('x'));
        assert.equal(rvOf(same), rvOf(updated), 'no-op keeps the resourceVersion');
        assert.equal(await s.currentResourceVersion(), rvBefore, 'no-op writes nothing');

        // A stale resourceVersion returned by tryUpdate is ignored (stripped before encoding).
        const stale = await s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => ({
          ...obj('a'),
          metadata: { ...obj('a').metadata, resourceVersion: '1' },
          spec: { n: cur?.spec?.n ?? 0 },
        }));
        assert.equal(rvOf(stale), rvOf(updated));

        const boom = new Error('refused by strategy');
        await assert.rejects(
          s.guaranteedUpdate(`${p}a`, () => {
            throw boom;
          }),
          (err) => err === boom,
        );
        await rejectsWith(
          s.guaranteedUpdate<TestObj>(`${p}missing`, (cur) => cur ?? obj('missing')),
          'KeyNotFound',
        );
        let sawUndefined = false;
        const made = await s.guaranteedUpdate<TestObj>(
          `${p}new`,
          (cur) => {
            sawUndefined = cur === undefined;
            return obj('new');
          },
          { ignoreNotFound: true },
        );
        assert.ok(sawUndefined);
        assert.deepEqual(await s.get(`${p}new`), made);
      }));

    void it('guaranteedUpdate checks uid and resourceVersion preconditions', () =>
      withStorage(async (s, p) => {
        const created = await s.create(`${p}a`, obj('a'));
        const err = await rejectsWith(
          s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => cur ?? obj('a'), {
            preconditions: { uid: 'other' },
          }),
          'PreconditionFailed',
        );
        assert.equal(
          err.message,
          'Precondition failed: UID in precondition: other, UID in object meta: uid-a',
        );
        const rvErr = await rejectsWith(
          s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => cur ?? obj('a'), {
            preconditions: { resourceVersion: '1' },
          }),
          'PreconditionFailed',
        );
        assert.match(rvErr.message, /ResourceVersion in precondition: 1/);
        const ok = await s.guaranteedUpdate<TestObj>(
          `${p}a`,
          (cur) => ({ ...(cur ?? obj('a')), spec: { n: 5 } }),
          { preconditions: { uid: 'uid-a', resourceVersion: created.metadata.resourceVersion } },
        );
        assert.deepEqual(ok.spec, { n: 5 });
      }));

    void it('guaranteedUpdate tries cachedExisting first and re-reads when it is stale', () =>
      withStorage(async (s, p) => {
        const created = await s.create<TestObj>(`${p}a`, obj('a'));
        const newer = await s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => ({
          ...(cur ?? obj('a')),
          spec: { n: 1 },
        }));
        const cachedCopy = structuredClone(created);
        const seen: (number | undefined)[] = [];
        const result = await s.guaranteedUpdate<TestObj>(
          `${p}a`,
          (cur) => {
            seen.push(cur?.spec?.n);
            return { ...(cur ?? obj('a')), spec: { n: (cur?.spec?.n ?? 0) + 10 } };
          },
          { cachedExisting: created },
        );
        assert.deepEqual(created, cachedCopy, 'cachedExisting must not be mutated');
        assert.deepEqual(seen, [0, 1], 'tried the cached object, then the current one');
        assert.deepEqual(result.spec, { n: 11 });
        assert.ok(rvOf(result) > rvOf(newer));

        // A no-op against a stale cached copy re-reads instead of returning stale data.
        const current = await s.get<TestObj>(`${p}a`);
        const noop = await s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => cur ?? obj('a'), {
          cachedExisting: created,
        });
        assert.deepEqual(noop, current);
      }));

    void it('concurrent guaranteedUpdates all land', () =>
      withStorage(async (s, p) => {
        await s.create(`${p}counter`, obj('counter'));
        const results = await Promise.all(
          Array.from({ length: 50 }, () =>
            s.guaranteedUpdate<TestObj>(`${p}counter`, async (cur) => {
              assert.ok(cur !== undefined);
              await Promise.resolve();
              cur.spec = { n: (cur.spec?.n ?? 0) + 1 };
              return cur;
            }),
          ),
        );
        const final = await s.get<TestObj>(`${p}counter`);
        assert.equal(final.spec?.n, 50);
        const rvs = new Set(results.map(rvOf));
        assert.equal(rvs.size, 50, 'each update has its own resourceVersion');
        assert.deepEqual(
          results.map((r) => r.spec?.n).sort((a, b) => (a ?? 0) - (b ?? 0)),
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      }));

    void it('deletes with preconditions and validation, returning the last state', () =>
      withStorage(async (s, p) => {
        await s.create(`${p}a`, obj('a'));
        const updated = await s.guaranteedUpdate<TestObj>(`${p}a`, (cur) => ({
          ...(cur ?? obj('a')),
          spec: { n: 7 },
        }));
        await rejectsWith(
          s.delete(`${p}a`, { preconditions: { uid: 'nope' } }),
          'PreconditionFailed',
        );
        await rejectsWith(
          s.delete(`${p}a`, { preconditions: { resourceVersion: '1' } }),
          'PreconditionFailed',
        );
        const refusal = new Error('not allowed');
        await assert.rejects(
          s.delete<TestObj>(`${p}a`, {
            validateDeletion: (cur) => {
              assert.equal(cur.spec?.n, 7);
              throw refusal;
            },
          }),
          (err) => err === refusal,
        );
        assert.ok(await s.get(`${p}a`, { ignoreNotFound: true }));
        const deleted = await s.delete<TestObj>(`${p}a`, {
          preconditions: { uid: 'uid-a', resourceVersion: updated.metadata.resourceVersion },
        });
        assert.deepEqual(deleted.spec, { n: 7 });
        assert.equal(deleted.metadata.name, 'a');
        assert.ok(rvOf(deleted) >= rvOf(updated));
        assert.equal(await s.get(`${p}a`, { ignoreNotFound: true }), undefined);
        await rejectsWith(s.delete(`${p}a`), 'KeyNotFound');

        // A stale cachedExisting is retried against the current state.
        const c = await s.create<TestObj>(`${p}b`, obj('b'));
        await s.guaranteedUpdate<TestObj>(`${p}b`, (cur) => ({
          ...(cur ?? obj('b')),
          spec: { n: 3 },
        }));
        const gone = await s.delete<TestObj>(`${p}b`, { cachedExisting: c });
        assert.deepEqual(gone.spec, { n: 3 });
      }));

    void it('lists with resourceVersion semantics', () =>
      withStorage(async (s, p) => {
        for (const n of ['c', 'a', 'b']) await s.create(`${p}${n}`, obj(n));
        const mid = await s.currentResourceVersion();
        await s.create(`${p}d`, obj('d'));
        await s.delete(`${p}a`);
        const now = await s.currentResourceVersion();

        const latest = await s.list<TestObj>(p);
        assert.deepEqual(names(latest.items), ['b', 'c', 'd']);
        assert.equal(latest.resourceVersion, now);
        assert.equal(latest.continue, undefined);
        // Without the trailing slash the prefix is the same folder.
        assert.deepEqual(names((await s.list(p.slice(0, -1))).items), ['b', 'c', 'd']);
        assert.deepEqual(names((await s.list(p, { resourceVersion: 0 })).items), ['b', 'c', 'd']);
        // N without limit: not older than N, i.e. the latest.
        const notOlder = await s.list(p, { resourceVersion: mid });
        assert.deepEqual(names(notOlder.items), ['b', 'c', 'd']);
        assert.ok(notOlder.resourceVersion >= mid);
        // N with a limit, or match=Exact: exactly N.
        const exactPaged = await s.list(p, { resourceVersion: mid, limit: 10 });
        assert.deepEqual(names(exactPaged.items), ['a', 'b', 'c']);
        assert.equal(exactPaged.resourceVersion, mid);
        const exact = await s.list(p, { resourceVersion: mid, resourceVersionMatch: 'Exact' });
        assert.deepEqual(names(exact.items), ['a', 'b', 'c']);
        const explicitNotOlder = await s.list(p, {
          resourceVersion: mid,
          resourceVersionMatch: 'NotOlderThan',
          limit: 10,
        });
        assert.deepEqual(names(explicitNotOlder.items), ['b', 'c', 'd']);
        // Every item carries the revision of its last change.
        for (const item of exact.items) assert.ok(rvOf(item) <= mid);

        await rejectsWith(s.list(p, { resourceVersion: now + 100 }), 'TooLargeResourceVersion');
        await rejectsWith(
          s.list(p, { resourceVersion: now + 100, resourceVersionMatch: 'Exact' }),
          'TooLargeResourceVersion',
        );
        await s.compact(now);
        await rejectsWith(
          s.list(p, { resourceVersion: mid, resourceVersionMatch: 'Exact' }),
          'Compacted',
        );
        assert.deepEqual(names((await s.list(p, { resourceVersion: mid })).items), ['b', 'c', 'd']);
      }));

    void it('paginates with continue tokens and remainingItemCount', () =>
      withStorage(async (s, p) => {
        const all = Array.from({ length: 25 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
        await mapLimit(all, 8, (n) => s.create(`${p}${n}`, obj(n)));
        const first = await s.list(p, { limit: 10 });
        assert.deepEqual(names(first.items), all.slice(0, 10));
        assert.equal(first.remainingItemCount, 15);
        assert.ok(first.continue !== undefined);
        // Kubernetes' token format.
        const token = JSON.parse(Buffer.from(first.continue, 'base64url').toString()) as unknown;
        assert.deepEqual(token, {
          v: 'meta.k8s.io/v1',
          rv: first.resourceVersion,
          start: 'item-09\u0000',
        });
        const second = await s.list(p, { limit: 10, continue: first.continue });
        assert.deepEqual(names(second.items), all.slice(10, 20));
        assert.equal(second.remainingItemCount, 5);
        assert.equal(second.resourceVersion, first.resourceVersion);
        const third = await s.list(p, { limit: 10, continue: second.continue ?? '' });
        assert.deepEqual(names(third.items), all.slice(20));
        assert.equal(third.continue, undefined);
        assert.equal(third.remainingItemCount, undefined);
        const exact = await s.list(p, { limit: 25 });
        assert.equal(exact.continue, undefined);
        assert.equal(exact.items.length, 25);
      }));

    void it('paginates with a predicate, filling pages with matches', () =>
      withStorage(async (s, p) => {
        const all = Array.from({ length: 30 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
        await mapLimit(all, 8, (n, i) =>
          s.create(`${p}${n}`, obj(n, { spec: { n: i % 3 === 0 ? 1 : 0 } })),
        );
        const predicate = (o: TestObj): boolean => o.spec?.n === 1;
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await s.list<TestObj>(p, {
            limit: 4,
            predicate,
            ...(token === undefined ? {} : { continue: token }),
          });
          assert.ok(page.items.length <= 4);
          assert.equal(page.remainingItemCount, undefined);
          if (page.continue !== undefined) assert.equal(page.items.length, 4);
          seen.push(...names(page.items));
          token = page.continue;
          pages++;
        } while (token !== undefined && pages < 20);
        assert.deepEqual(
          seen,
          all.filter((_, i) => i % 3 === 0),
        );
      }));

    void it('pages form one consistent snapshot under concurrent writes', () =>
      withStorage(async (s, p) => {
        const all = Array.from({ length: 40 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
        await mapLimit(all, 8, (n) => s.create(`${p}${n}`, obj(n)));
        const first = await s.list<TestObj>(p, { limit: 7 });
        const stop = { now: false };
        const writer = (async () => {
          let i = 0;
          while (!stop.now && i < 200) {
            const name = all[(i * 7) % all.length] ?? 'item-00';
            if (i % 5 === 0) {
              await s.create(`${p}new-${i}`, obj(`new-${i}`));
            } else if (i % 11 === 0) {
              await s.delete(`${p}${name}`).catch(() => undefined);
            } else {
              await s
                .guaranteedUpdate<TestObj>(
                  `${p}${name}`,
                  (cur) => ({ ...(cur ?? obj(name)), spec: { n: i } }),
                  { ignoreNotFound: true },
                )
                .catch(() => undefined);
            }
            i++;
          }
        })();
        const items = [...first.items];
        let token = first.continue;
        while (token !== undefined) {
          await sleep(1);
          const page = await s.list<TestObj>(p, { limit: 7, continue: token });
          assert.equal(page.resourceVersion, first.resourceVersion);
          items.push(...page.items);
          token = page.continue;
        }
        stop.now = true;
        await writer;
        const snapshot = await s.list<TestObj>(p, {
          resourceVersion: first.resourceVersion,
          resourceVersionMatch: 'Exact',
        });
        assert.deepEqual(items, snapshot.items);
        assert.deepEqual(names(items), all);
        assert.ok((await s.currentResourceVersion()) > first.resourceVersion, 'writes happened');
      }));

    void it('rejects bad continue tokens and compacted snapshots', () =>
      withStorage(async (s, p) => {
        for (const n of ['a', 'b', 'c']) await s.create(`${p}${n}`, obj(n));
        await rejectsWith(s.list(p, { limit: 1, continue: '%%%not-base64' }), 'InvalidContinue');
        const enc = (v: unknown): string =>
          Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
        await rejectsWith(s.list(p, { limit: 1, continue: enc('x') }), 'InvalidContinue');
        await rejectsWith(
          s.list(p, { limit: 1, continue: enc({ v: 'other/v9', rv: 2, start: 'a' }) }),
          'InvalidContinue',
        );
        await rejectsWith(
          s.list(p, { limit: 1, continue: enc({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }) }),
          'InvalidContinue',
        );
        await rejectsWith(
          s.list(p, { limit: 1, continue: enc({ v: 'meta.k8s.io/v1', rv: 2, start: '' }) }),
          'InvalidContinue',
        );
        await rejectsWith(
          s.list(p, {
            limit: 1,
            continue: enc({ v: 'meta.k8s.io/v1', rv: 2, start: '../../secrets/x' }),
          }),
          'InvalidContinue',
        );
        const page = await s.list(p, { limit: 1 });
        assert.ok(page.continue !== undefined);
        await s.create(`${p}d`, obj('d'));
        await s.compact(await s.currentResourceVersion());
        await rejectsWith(s.list(p, { limit: 1, continue: page.continue }), 'Compacted');
      }));

    void it('watches from a resourceVersion with Kubernetes event translation', () =>
      withStorage(async (s, p) => {
        const a1 = await s.create<TestObj>(`${p}a`, obj('a'));
        const a2 = await s.guaranteedUpdate<TestObj>(`${p}a`, (c) => ({
          ...(c ?? obj('a')),
          spec: { n: 2 },
        }));
        const b = await s.create<TestObj>(`${p}b`, obj('b'));
        const del = await s.delete<TestObj>(`${p}a`);
        const w = watch<TestObj>(s, p, { recursive: true, resourceVersion: rvOf(a1) });
        try {
          const [e1, e2, e3] = await w.take(3);
          assert.ok(e1 && e1.type === 'MODIFIED');
          assert.deepEqual(e1.object, a2);
          assert.equal(e1.resourceVersion, rvOf(a2));
          assert.deepEqual(e1.prevObject, a1);
          assert.ok(e2 && e2.type === 'ADDED');
          assert.deepEqual(e2.object, b);
          assert.ok(e3 && e3.type === 'DELETED');
          assert.deepEqual(e3.object.spec, { n: 2 }, 'DELETED carries the last state');
          assert.equal(e3.resourceVersion, rvOf(del));
          assert.equal(rvOf(e3.object), e3.resourceVersion, 'stamped with the delete revision');
          // Then live.
          const c = await s.create<TestObj>(`${p}c`, obj('c'));
          const e4 = await w.next();
          assert.ok(e4.type === 'ADDED');
          assert.deepEqual(e4.object, c);
          await w.expectNothing(50);
        } finally {
          await w.close();
        }
      }));

    void it('marks the end of the initial state with a bookmark when asked (sendInitialEvents)', () =>
      withStorage(async (s, p) => {
        const a = await s.create<TestObj>(`${p}a`, obj('a'));
        const b = await s.create<TestObj>(`${p}b`, obj('b'));
        const rv = await s.currentResourceVersion();
        for (const resourceVersion of [undefined, 0]) {
          const w = watch<TestObj>(s, p, {
            recursive: true,
            ...(resourceVersion === undefined ? {} : { resourceVersion }),
            initialEventsEnd: true,
          });
          try {
            const [e1, e2, end] = await w.take(3);
            assert.deepEqual(
              [e1, e2].map((e) => (e?.type === 'ADDED' ? e.object : e)),
              [a, b],
            );
            assert.ok(
              end?.type === 'BOOKMARK',
              `bookmark after the state (rv ${String(resourceVersion)})`,
            );
            assert.equal(end.initialEventsEnd, true);
            assert.ok(end.resourceVersion >= rv, 'the bookmark carries the state revision');
            const c = await s.create<TestObj>(`${p}c`, obj(`c${String(resourceVersion)}`));
            const next = await w.next();
            assert.ok(next.type === 'ADDED');
            assert.deepEqual(next.object, c);
            await s.delete(`${p}c`);
          } finally {
            await w.close();
          }
        }
        // An empty state still gets the bookmark; without the option there is none.
        const empty = watch<TestObj>(s, `${p}none/`, { recursive: true, initialEventsEnd: true });
        const plain = watch<TestObj>(s, p, { recursive: true, resourceVersion: 0 });
        try {
          const end = await empty.next();
          assert.ok(end.type === 'BOOKMARK' && end.initialEventsEnd === true);
          const initial = await plain.take(2);
          assert.deepEqual(
            initial.map((e) => e.type),
            ['ADDED', 'ADDED'],
          );
          await plain.expectNothing(30);
        } finally {
          await empty.close();
          await plain.close();
        }
      }));

    void it('watches from 0 with initial ADDED events, and single keys exactly', () =>
      withStorage(async (s, p) => {
        const a = await s.create<TestObj>(`${p}a`, obj('a'));
        const ab = await s.create<TestObj>(`${p}ab`, obj('ab'));
        const all = watch<TestObj>(s, p, { recursive: true, resourceVersion: 0 });
        const one = watch<TestObj>(s, `${p}a`, { recursive: false });
        try {
          const initial = await all.take(2);
          assert.deepEqual(
            initial.map((e) => [e.type, e.type === 'BOOKMARK' ? undefined : e.object]),
            [
              ['ADDED', a],
              ['ADDED', ab],
            ],
          );
          const first = await one.next();
          assert.ok(first.type === 'ADDED');
          assert.deepEqual(first.object, a);
          const ab2 = await s.guaranteedUpdate<TestObj>(`${p}ab`, (c) => ({
            ...(c ?? obj('ab')),
            spec: { n: 1 },
          }));
          const a2 = await s.guaranteedUpdate<TestObj>(`${p}a`, (c) => ({
            ...(c ?? obj('a')),
            spec: { n: 1 },
          }));
          const ev = await one.next();
          assert.ok(ev.type === 'MODIFIED');
          assert.deepEqual(ev.object, a2, 'single-key watch skips /ab');
          const [x, y] = await all.take(2);
          assert.ok(x?.type === 'MODIFIED' && y?.type === 'MODIFIED');
          assert.deepEqual([x.object, y.object], [ab2, a2]);
          await one.expectNothing(30);
        } finally {
          await all.close();
          await one.close();
        }
        // A single-key watch of a missing key sees its creation.
        const missing = watch<TestObj>(s, `${p}zz`, { recursive: false });
        try {
          const zz = await s.create<TestObj>(`${p}zz`, obj('zz'));
          const e = await missing.next();
          assert.ok(e.type === 'ADDED');
          assert.deepEqual(e.object, zz);
        } finally {
          await missing.close();
        }
      }));

    void it('delivers many writes in order without gaps', () =>
      withStorage(async (s, p) => {
        const start = await s.currentResourceVersion();
        const w = watch<TestObj>(s, p, { recursive: true, resourceVersion: start });
        try {
          const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
          const expected: number[] = [];
          for (let i = 0; i < 300; i++) {
            const k = keys[i % keys.length] ?? 'k0';
            const o = await s.guaranteedUpdate<TestObj>(
              `${p}${k}`,
              (c) => ({ ...(c ?? obj(k)), spec: { n: i } }),
              { ignoreNotFound: true },
            );
            expected.push(rvOf(o));
          }
          const events = await w.take(300);
          const rvs = events.map((e) => e.resourceVersion);
          assert.deepEqual(rvs, expected);
          for (let i = 0; i < events.length; i++) {
            const e = events[i];
            assert.ok(e !== undefined && e.type !== 'BOOKMARK');
            assert.equal(e.type, i < keys.length ? 'ADDED' : 'MODIFIED');
            assert.equal(e.object.spec?.n, i);
            assert.equal(rvOf(e.object), e.resourceVersion);
          }
        } finally {
          await w.close();
        }
      }));

    void it('reports predicate transitions as ADDED and DELETED', () =>
      withStorage(async (s, p) => {
        const start = await s.currentResourceVersion();
        const predicate = (o: TestObj): boolean => o.metadata.labels?.app === 'x';
        const w = watch<TestObj>(s, p, { recursive: true, resourceVersion: start, predicate });
        const relabel = (name: string, app: string, n = 0): Promise<TestObj> =>
          s.guaranteedUpdate<TestObj>(`${p}${name}`, (c) => {
            const cur = c ?? obj(name);
            return { ...cur, metadata: { ...cur.metadata, labels: { app } }, spec: { n } };
          });
        try {
          await s.create(`${p}other`, obj('other'));
          const created = await s.create<TestObj>(
            `${p}a`,
            obj('a', { metadata: { name: 'a', uid: 'uid-a', labels: { app: 'x' } } }),
          );
          const e1 = await w.next();
          assert.ok(e1.type === 'ADDED');
          assert.deepEqual(e1.object, created);
          const modified = await relabel('a', 'x', 1);
          const e2 = await w.next();
          assert.ok(e2.type === 'MODIFIED');
          assert.deepEqual(e2.object, modified);
          const left = await relabel('a', 'y');
          const e3 = await w.next();
          assert.ok(e3.type === 'DELETED');
          assert.equal(e3.object.metadata.labels?.app, 'x', 'the last matching state');
          assert.equal(e3.resourceVersion, rvOf(left));
          assert.equal(rvOf(e3.object), rvOf(left));
          await relabel('other', 'z');
          const back = await relabel('a', 'x', 2);
          const e4 = await w.next();
          assert.ok(e4.type === 'ADDED');
          assert.deepEqual(e4.object, back);
          await s.delete(`${p}other`);
          const gone = await s.delete<TestObj>(`${p}a`);
          const e5 = await w.next();
          assert.ok(e5.type === 'DELETED');
          assert.equal(e5.resourceVersion, rvOf(gone));
          await w.expectNothing(30);
        } finally {
          await w.close();
        }
      }));

    void it('fails watches from compacted revisions and ends watches on abort', () =>
      withStorage(async (s, p) => {
        const a = await s.create(`${p}a`, obj('a'));
        await s.guaranteedUpdate<TestObj>(`${p}a`, (c) => ({ ...(c ?? obj('a')), spec: { n: 1 } }));
        await s.guaranteedUpdate<TestObj>(`${p}a`, (c) => ({ ...(c ?? obj('a')), spec: { n: 2 } }));
        const now = await s.currentResourceVersion();
        await s.compact(now);
        const old = watch<TestObj>(s, p, { recursive: true, resourceVersion: rvOf(a) });
        try {
          await old.expectError('Compacted');
        } finally {
          await old.close();
        }
        // From the compacted revision itself: fine (changes after it).
        const ok = watch<TestObj>(s, p, { recursive: true, resourceVersion: now });
        try {
          await s.delete(`${p}a`);
          const e = await ok.next();
          assert.equal(e.type, 'DELETED');
        } finally {
          await ok.close();
        }
        const controller = new AbortController();
        const live = new WatchReader(
          s.watch<TestObj>(p, { recursive: true, signal: controller.signal }),
          controller,
        );
        const pending = live.expectEnd();
        controller.abort();
        await pending;
        await live.close();
      }));

    if (options.bookmarkWithinMs !== undefined) {
      const within = options.bookmarkWithinMs;
      void it('emits BOOKMARK events on idle progressNotify watches', () =>
        withStorage(async (s, p) => {
          await s.create(`${p}a`, obj('a'));
          const rv = await s.currentResourceVersion();
          const w = watch<TestObj>(s, p, {
            recursive: true,
            resourceVersion: rv,
            progressNotify: true,
          });
          try {
            const e = await w.next(within * 3 + 1000);
            assert.equal(e.type, 'BOOKMARK');
            assert.ok(e.resourceVersion >= rv);
          } finally {
            await w.close();
          }
        }));
    }

    void it('reports a corrupt value for its key only', async (t) => {
      const fx = await open();
      try {
        const rawPut = fx.rawPut?.bind(fx);
        if (rawPut === undefined) {
          t.skip('factory has no rawPut');
          return;
        }
        const s = fx.storage;
        const p = uniquePrefix('/registry/things');
        const q = uniquePrefix('/registry/others');
        await s.create(`${p}good`, obj('good'));
        await s.create(`${q}fine`, obj('fine'));
        const w = watch<TestObj>(s, q, { recursive: true, resourceVersion: 0 });
        await w.next();
        await rawPut(`${p}bad`, new TextEncoder().encode('{not json'));
        const err = await rejectsWith(s.get(`${p}bad`), 'Corrupt');
        assert.ok(err instanceof StorageError);
        assert.equal(err.key, `${p}bad`);
        const listErr = await rejectsWith(s.list(p), 'Corrupt');
        assert.ok(listErr instanceof StorageError && listErr.key === `${p}bad`);
        assert.equal((await s.get<TestObj>(`${p}good`)).metadata.name, 'good');
        assert.deepEqual(names((await s.list(q)).items), ['fine']);
        const fine2 = await s.guaranteedUpdate<TestObj>(`${q}fine`, (c) => ({
          ...(c ?? obj('fine')),
          spec: { n: 1 },
        }));
        const e = await w.next();
        assert.ok(e.type === 'MODIFIED');
        assert.deepEqual(e.object, fine2);
        await w.close();
      } finally {
        await fx.cleanup();
      }
    });

    void it('counts objects and reports the current resourceVersion', () =>
      withStorage(async (s, p) => {
        const r0 = await s.currentResourceVersion();
        await mapLimit(['a', 'b', 'c'], 3, (n) => s.create(`${p}${n}`, obj(n)));
        await s.create(`${p}sub/d`, obj('d'));
        assert.equal(await s.count(p), 4);
        assert.equal(await s.count(`${p}sub/`), 1);
        assert.equal(await s.count(`${p}none/`), 0);
        assert.equal(await s.currentResourceVersion(), r0 + 4);
      }));
  });
}
