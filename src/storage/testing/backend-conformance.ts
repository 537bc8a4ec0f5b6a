/**
 * The Backend conformance suite: the byte-level MVCC contract of backend.ts, run against every
 * driver (memory, sqlite, etcd). Tests use a unique prefix each and revisions relative to
 * `currentRevision()`, so a factory may hand out namespaces on one shared server. Writes from
 * other tests must not run concurrently against the same server (revision arithmetic is exact).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, BackendEvent, BackendWatchMessage } from '../backend.ts';
import { isStorageError } from '../errors.ts';
import { WatchReader, mapLimit, rejectsWith, sleep, uniquePrefix } from './helpers.ts';

/** What a Backend factory returns to the suite. */
export interface BackendFixture {
  backend: Backend;
  /** Releases everything the factory created (closes the backend, removes temp files). */
  cleanup(): Promise<void>;
}

/** Options of {@link runBackendConformance}. */
export interface BackendConformanceOptions {
  /**
   * The progress interval the backend honours; when set, an idle watch asking for it must get a
   * progress message. Absent: the progress test is skipped.
   */
  progressNotifyMs?: number;
  /**
   * The watch buffer size the factory configured; a watcher falling further behind must end with
   * TooSlow. Absent: the test is skipped (the buffer cannot be forced, e.g. etcd).
   */
  watchBufferSize?: number;
  /**
   * The backend sends a progress message as soon as the replay of a watch from a past revision
   * reaches the present (the in-process backends). Absent: the test is skipped.
   */
  progressAfterReplay?: boolean;
  /** Size of the large value that must round-trip. Default 1.5 MiB. */
  largeValueBytes?: number;
  /** How many keys the bulk test writes. Default 10000. */
  manyKeys?: number;
}

/** A flattened watch stream element: one event, or a progress notification. */
type WatchItem = { event: BackendEvent } | { progress: number };

async function* flatten(messages: AsyncIterable<BackendWatchMessage>): AsyncGenerator<WatchItem> {
  for await (const m of messages) {
    if (m.kind === 'progress') {
      yield { progress: m.revision };
    } else {
      assert.ok(m.events.length > 0, 'an events message holds at least one event');
      for (const event of m.events) yield { event };
    }
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (v: Uint8Array | undefined): string | undefined =>
  v === undefined ? undefined : dec.decode(v);

function summary(e: BackendEvent): [string, string, string | undefined, number] {
  return [e.type, e.kv.key, e.type === 'put' ? text(e.kv.value) : undefined, e.kv.modRevision];
}

/**
 * Registers the Backend conformance tests under `describe(name)`. `open` is called once per
 * test; `cleanup` is awaited after it.
 */
export function runBackendConformance(
  name: string,
  open: () => Promise<BackendFixture>,
  options: BackendConformanceOptions = {},
): void {
  void describe(`backend conformance: ${name}`, () => {
    const withBackend = async (fn: (b: Backend, p: string) => Promise<void>): Promise<void> => {
      const fx = await open();
      try {
        await fn(fx.backend, uniquePrefix('/conformance'));
      } finally {
        await fx.cleanup();
      }
    };

    const watch = (
      b: Backend,
      prefix: string,
      start: number,
      progressNotifyMs?: number,
    ): WatchReader<WatchItem> => {
      const controller = new AbortController();
      const messages = b.watch(prefix, start, {
        signal: controller.signal,
        ...(progressNotifyMs === undefined ? {} : { progressNotifyMs }),
      });
      return new WatchReader(flatten(messages), controller);
    };

    /** The next `n` events, skipping progress notifications. */
    const events = async (w: WatchReader<WatchItem>, n: number): Promise<BackendEvent[]> => {
      const out: BackendEvent[] = [];
      while (out.length < n) {
        const item = await w.next();
        if ('event' in item) out.push(item.event);
      }
      return out;
    };

    void it('increments the revision by one per write; conditional writes', () =>
      withBackend(async (b, p) => {
        const r0 = await b.currentRevision();
        assert.ok(r0 >= 1);
        const c = await b.create(`${p}a`, bytes('v1'));
        assert.deepEqual(c, { succeeded: true, revision: r0 + 1 });
        assert.equal(await b.currentRevision(), r0 + 1);

        const dup = await b.create(`${p}a`, bytes('other'));
        assert.equal(dup.succeeded, false);
        assert.ok(!dup.succeeded);
        assert.equal(dup.revision, r0 + 1);
        assert.equal(text(dup.current?.value), 'v1');
        assert.equal(dup.current?.modRevision, r0 + 1);

        const badUpdate = await b.update(`${p}a`, bytes('v2'), r0);
        assert.ok(!badUpdate.succeeded);
        assert.equal(badUpdate.current?.modRevision, r0 + 1);
        const missingUpdate = await b.update(`${p}missing`, bytes('x'), r0 + 1);
        assert.ok(!missingUpdate.succeeded);
        assert.equal(missingUpdate.current, undefined);
        assert.equal(await b.currentRevision(), r0 + 1, 'failed writes do not bump the revision');

        const u = await b.update(`${p}a`, bytes('v2'), r0 + 1);
        assert.ok(u.succeeded);
        assert.equal(u.revision, r0 + 2);
        assert.equal(text(u.prevKv?.value), 'v1');
        assert.equal(u.prevKv?.modRevision, r0 + 1);
        const got = await b.get(`${p}a`);
        assert.equal(got.revision, r0 + 2);
        assert.deepEqual(got.kv, {
          key: `${p}a`,
          value: bytes('v2'),
          createRevision: r0 + 1,
          modRevision: r0 + 2,
        });

        const badDelete = await b.delete(`${p}a`, r0 + 1);
        assert.ok(!badDelete.succeeded);
        assert.equal(badDelete.current?.modRevision, r0 + 2);
        const missingDelete = await b.delete(`${p}missing`);
        assert.ok(!missingDelete.succeeded);
        assert.equal(missingDelete.current, undefined);
        const d = await b.delete(`${p}a`, r0 + 2);
        assert.ok(d.succeeded);
        assert.equal(d.revision, r0 + 3);
        assert.equal(text(d.prevKv?.value), 'v2');
        assert.equal((await b.get(`${p}a`)).kv, undefined);

        const again = await b.create(`${p}a`, bytes('v3'));
        assert.ok(again.succeeded);
        assert.equal(again.revision, r0 + 4);
        assert.equal((await b.get(`${p}a`)).kv?.createRevision, r0 + 4, 'a new life');
        const unconditional = await b.delete(`${p}a`);
        assert.ok(unconditional.succeeded);
        assert.equal(unconditional.revision, r0 + 5);
        assert.equal(await b.currentRevision(), r0 + 5);
      }));

    void it('copies values in and out', () =>
      withBackend(async (b, p) => {
        const input = bytes('abc');
        await b.create(`${p}a`, input);
        input[0] = 0x7a;
        const first = await b.get(`${p}a`);
        assert.equal(text(first.kv?.value), 'abc');
        first.kv?.value.fill(0x79);
        assert.equal(text((await b.get(`${p}a`)).kv?.value), 'abc');
        const r = await b.range({ prefix: p });
        r.kvs[0]?.value.fill(0x78);
        assert.equal(text((await b.get(`${p}a`)).kv?.value), 'abc');
      }));

    void it('reads at past revisions', () =>
      withBackend(async (b, p) => {
        const r0 = await b.currentRevision();
        await b.create(`${p}a`, bytes('a1')); // r0+1
        await b.create(`${p}b`, bytes('b1')); // r0+2
        await b.update(`${p}a`, bytes('a2'), r0 + 1); // r0+3
        await b.delete(`${p}b`); // r0+4
        await b.create(`${p}c`, bytes('c1')); // r0+5

        const at = async (rev: number): Promise<[string, string | undefined][]> => {
          const r = await b.range({ prefix: p, revision: rev });
          assert.equal(r.revision, rev);
          return r.kvs.map((kv) => [kv.key.slice(p.length), text(kv.value)]);
        };
        assert.deepEqual(await at(r0), []);
        assert.deepEqual(await at(r0 + 1), [['a', 'a1']]);
        assert.deepEqual(await at(r0 + 2), [
          ['a', 'a1'],
          ['b', 'b1'],
        ]);
        assert.deepEqual(await at(r0 + 3), [
          ['a', 'a2'],
          ['b', 'b1'],
        ]);
        assert.deepEqual(await at(r0 + 4), [['a', 'a2']]);
        assert.deepEqual(await at(r0 + 5), [
          ['a', 'a2'],
          ['c', 'c1'],
        ]);
        const latest = await b.range({ prefix: p });
        assert.equal(latest.revision, r0 + 5);
        assert.equal(latest.kvs.length, 2);

        const a2 = await b.get(`${p}a`, r0 + 2);
        assert.equal(a2.revision, r0 + 2);
        assert.equal(text(a2.kv?.value), 'a1');
        assert.equal(a2.kv?.modRevision, r0 + 1);
        assert.equal((await b.get(`${p}b`, r0 + 4)).kv, undefined);
        assert.equal(text((await b.get(`${p}b`, r0 + 3)).kv?.value), 'b1');
      }));

    void it('paginates ranges in key order within the prefix', () =>
      withBackend(async (b, p) => {
        const keys = ['a', 'a/x', 'aa', 'b', 'c0', 'c1', 'c2', 'd'];
        await mapLimit([...keys].reverse(), 4, (k) => b.create(`${p}${k}`, bytes(k)));
        await b.create(`${p.slice(0, -1)}x`, bytes('outside'));
        const all = await b.range({ prefix: p });
        assert.deepEqual(
          all.kvs.map((kv) => kv.key.slice(p.length)),
          keys,
        );
        assert.equal(all.more, false);
        assert.equal(all.remaining, 0);
        const page1 = await b.range({ prefix: p, limit: 3 });
        assert.deepEqual(
          page1.kvs.map((kv) => text(kv.value)),
          ['a', 'a/x', 'aa'],
        );
        assert.equal(page1.more, true);
        assert.equal(page1.remaining, 5);
        const page2 = await b.range({
          prefix: p,
          startKey: `${page1.kvs[2]?.key ?? ''}\u0000`,
          limit: 3,
          revision: page1.revision,
        });
        assert.deepEqual(
          page2.kvs.map((kv) => text(kv.value)),
          ['b', 'c0', 'c1'],
        );
        assert.equal(page2.remaining, 2);
        const page3 = await b.range({ prefix: p, startKey: `${p}c2`, limit: 3 });
        assert.deepEqual(
          page3.kvs.map((kv) => text(kv.value)),
          ['c2', 'd'],
        );
        assert.equal(page3.more, false);
        assert.equal(page3.remaining, 0);
        const exact = await b.range({ prefix: p, limit: 8 });
        assert.equal(exact.more, false);
        const sub = await b.range({ prefix: `${p}a/` });
        assert.deepEqual(
          sub.kvs.map((kv) => text(kv.value)),
          ['a/x'],
        );
        assert.equal(await b.count(p), keys.length);
        assert.equal(await b.count(`${p}c`), 3);
        assert.equal(await b.count(`${p}zzz`), 0);
      }));

    void it('replays retained history from any revision, then goes live', () =>
      withBackend(async (b, p) => {
        const r0 = await b.currentRevision();
        await b.create(`${p}a`, bytes('a1')); // r0+1
        await b.create(`${p.slice(0, -1)}-other/x`, bytes('no')); // r0+2, outside the prefix
        await b.update(`${p}a`, bytes('a2'), r0 + 1); // r0+3
        await b.create(`${p}b`, bytes('b1')); // r0+4
        await b.delete(`${p}a`); // r0+5
        const history: ReturnType<typeof summary>[] = [
          ['put', `${p}a`, 'a1', r0 + 1],
          ['put', `${p}a`, 'a2', r0 + 3],
          ['put', `${p}b`, 'b1', r0 + 4],
          ['delete', `${p}a`, undefined, r0 + 5],
        ];
        const watchers: [number, WatchReader<WatchItem>][] = [];
        try {
          for (let start = r0 + 1; start <= r0 + 6; start++) {
            const w = watch(b, p, start);
            watchers.push([start, w]);
            const expected = history.filter((h) => h[3] >= start);
            const got = await events(w, expected.length);
            assert.deepEqual(got.map(summary), expected, `replay from ${start}`);
          }
          const live = await b.create(`${p}live`, bytes('l'));
          assert.ok(live.succeeded);
          await b.delete(`${p}live`);
          for (const [start, w] of watchers) {
            const got = await events(w, 2);
            assert.deepEqual(
              got.map(summary),
              [
                ['put', `${p}live`, 'l', live.revision],
                ['delete', `${p}live`, undefined, live.revision + 1],
              ],
              `live after replay from ${start}`,
            );
            await w.expectNothing(20, (item) => 'progress' in item);
          }
        } finally {
          for (const [, w] of watchers) await w.close();
        }
      }));

    void it('delivers prevKv and delete shapes in watch events', () =>
      withBackend(async (b, p) => {
        const r0 = await b.currentRevision();
        const w = watch(b, p, r0 + 1);
        try {
          await b.create(`${p}a`, bytes('a1'));
          await b.update(`${p}a`, bytes('a2'), r0 + 1);
          await b.delete(`${p}a`);
          const [created, updated, deleted] = await events(w, 3);
          assert.ok(created && updated && deleted);
          assert.deepEqual(created, {
            type: 'put',
            kv: { key: `${p}a`, value: bytes('a1'), createRevision: r0 + 1, modRevision: r0 + 1 },
          });
          assert.equal(updated.type, 'put');
          assert.deepEqual(updated.kv, {
            key: `${p}a`,
            value: bytes('a2'),
            createRevision: r0 + 1,
            modRevision: r0 + 2,
          });
          assert.deepEqual(updated.prevKv, created.kv);
          assert.equal(deleted.type, 'delete');
          assert.equal(deleted.kv.key, `${p}a`);
          assert.equal(deleted.kv.value.byteLength, 0);
          assert.equal(deleted.kv.createRevision, 0);
          assert.equal(deleted.kv.modRevision, r0 + 3);
          assert.deepEqual(deleted.prevKv, updated.kv);
        } finally {
          await w.close();
        }
      }));

    void it('fails reads and watches before the compacted revision', () =>
      withBackend(async (b, p) => {
        const r0 = await b.currentRevision();
        await b.create(`${p}a`, bytes('a1')); // r0+1
        await b.update(`${p}a`, bytes('a2'), r0 + 1); // r0+2
        await b.update(`${p}a`, bytes('a3'), r0 + 2); // r0+3
        await b.create(`${p}b`, bytes('b1')); // r0+4
        await b.delete(`${p}b`); // r0+5
        const res = await b.compact(r0 + 3);
        assert.equal(res.compactedRevision, r0 + 3);
        assert.ok((await b.compactedRevision()) >= r0 + 3);
        await rejectsWith(b.range({ prefix: p, revision: r0 + 2 }), 'Compacted');
        await rejectsWith(b.get(`${p}a`, r0 + 1), 'Compacted');
        // The compacted revision itself stays readable.
        const at = await b.range({ prefix: p, revision: r0 + 3 });
        assert.deepEqual(
          at.kvs.map((kv) => text(kv.value)),
          ['a3'],
        );
        assert.equal(text((await b.get(`${p}a`, r0 + 4)).kv?.value), 'a3');
        assert.equal((await b.get(`${p}b`, r0 + 5)).kv, undefined);

        const old = watch(b, p, r0 + 2);
        try {
          await old.expectError('Compacted');
        } finally {
          await old.close();
        }
        const fromCompacted = watch(b, p, r0 + 3);
        try {
          const got = await events(fromCompacted, 3);
          assert.deepEqual(got.map(summary), [
            ['put', `${p}a`, 'a3', r0 + 3],
            ['put', `${p}b`, 'b1', r0 + 4],
            ['delete', `${p}b`, undefined, r0 + 5],
          ]);
        } finally {
          await fromCompacted.close();
        }
        // Compacting to an older revision is a no-op.
        const again = await b.compact(r0 + 1);
        assert.ok(again.compactedRevision >= r0 + 3);
        assert.equal(text((await b.get(`${p}a`)).kv?.value), 'a3');
      }));

    void it('expires keys with a TTL through an ordinary delete', () =>
      withBackend(async (b, p) => {
        const r0 = await b.currentRevision();
        const w = watch(b, p, r0 + 1);
        try {
          const c = await b.create(`${p}ttl`, bytes('bye'), { ttlSeconds: 1 });
          assert.ok(c.succeeded);
          await b.create(`${p}keep`, bytes('stay'));
          const [put, keep] = await events(w, 2);
          assert.equal(put?.type, 'put');
          assert.equal(keep?.kv.key, `${p}keep`);
          const started = Date.now();
          const [gone] = await events(w, 1);
          assert.ok(gone !== undefined);
          assert.ok(Date.now() - started < 3000);
          assert.equal(gone.type, 'delete');
          assert.equal(gone.kv.key, `${p}ttl`);
          assert.equal(text(gone.prevKv?.value), 'bye');
          assert.ok(gone.kv.modRevision > c.revision);
          assert.equal((await b.get(`${p}ttl`)).kv, undefined);
          assert.equal(text((await b.get(`${p}keep`)).kv?.value), 'stay');
        } finally {
          await w.close();
        }
      }));

    void it('round-trips large values', () =>
      withBackend(async (b, p) => {
        const size = options.largeValueBytes ?? 1.5 * 1024 * 1024;
        const value = new Uint8Array(size);
        for (let i = 0; i < size; i++) value[i] = (i * 31 + 7) & 0xff;
        const r = await b.create(`${p}big`, value);
        assert.ok(r.succeeded);
        const got = await b.get(`${p}big`);
        assert.equal(got.kv?.value.byteLength, size);
        assert.ok(Buffer.from(got.kv.value).equals(Buffer.from(value)));
      }));

    void it('handles many keys', () =>
      withBackend(async (b, p) => {
        const n = options.manyKeys ?? 10000;
        const keys = Array.from({ length: n }, (_, i) => `${p}k${String(i).padStart(6, '0')}`);
        const r0 = await b.currentRevision();
        await mapLimit(keys, 64, async (k) => {
          const r = await b.create(k, bytes(k));
          assert.ok(r.succeeded);
        });
        assert.equal(await b.currentRevision(), r0 + n);
        const started = Date.now();
        const all = await b.range({ prefix: p });
        const rangeMs = Date.now() - started;
        assert.equal(all.kvs.length, n);
        assert.deepEqual(
          all.kvs.map((kv) => kv.key),
          keys,
        );
        assert.ok(rangeMs < 5000, `listing ${n} keys took ${rangeMs} ms`);
        assert.equal(await b.count(p), n);
        let seen = 0;
        let startKey: string | undefined;
        for (;;) {
          const page = await b.range({
            prefix: p,
            limit: 1000,
            revision: all.revision,
            ...(startKey === undefined ? {} : { startKey }),
          });
          seen += page.kvs.length;
          assert.equal(page.remaining, n - seen);
          if (!page.more) break;
          startKey = `${page.kvs[page.kvs.length - 1]?.key ?? ''}\u0000`;
        }
        assert.equal(seen, n);
      }));

    void it('lets exactly one of concurrent conditional updates win', () =>
      withBackend(async (b, p) => {
        const c = await b.create(`${p}k`, bytes('0'));
        assert.ok(c.succeeded);
        let rev = c.revision;
        for (let round = 1; round <= 5; round++) {
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => b.update(`${p}k`, bytes(`${round}-${i}`), rev)),
          );
          const winners = results.filter((r) => r.succeeded);
          assert.equal(winners.length, 1, `round ${round}`);
          const winner = winners[0];
          assert.ok(winner?.succeeded === true);
          assert.equal(winner.revision, rev + 1);
          for (const r of results) {
            if (!r.succeeded) assert.equal(r.current?.modRevision, rev + 1);
          }
          rev = winner.revision;
        }
        const final = await b.get(`${p}k`);
        assert.equal(final.kv?.modRevision, rev);
      }));

    void it('ends watches on abort and on close', async () => {
      const fx = await open();
      try {
        const b = fx.backend;
        const p = uniquePrefix('/conformance');
        const r0 = await b.currentRevision();
        const aborted = watch(b, p, r0 + 1);
        const pending = aborted.expectEnd();
        await sleep(10);
        aborted.close().catch(() => undefined);
        await pending;
        const closing = watch(b, p, r0 + 1);
        await b.create(`${p}a`, bytes('a'));
        await events(closing, 1);
        const ends = closing.expectEnd();
        await b.close();
        await ends;
        await closing.close();
      } finally {
        await fx.cleanup();
      }
    });

    if (options.progressNotifyMs !== undefined) {
      const interval = options.progressNotifyMs;
      void it('sends progress notifications when idle', () =>
        withBackend(async (b, p) => {
          await b.create(`${p}a`, bytes('a'));
          const r = await b.currentRevision();
          const w = watch(b, p, r + 1, interval);
          try {
            const item = await w.next(interval * 3 + 2000);
            assert.ok('progress' in item, `expected progress, got ${JSON.stringify(item)}`);
            assert.ok(item.progress >= r);
            await b.create(`${p}b`, bytes('b'));
            // Events still flow after progress; progress may interleave.
            const [e] = await events(w, 1);
            assert.equal(e?.kv.key, `${p}b`);
          } finally {
            await w.close();
          }
        }));
    }

    if (options.progressAfterReplay === true) {
      void it('tells a watch from the past when its replay reached the present', () =>
        withBackend(async (b, p) => {
          const a = await b.create(`${p}a`, bytes('a'));
          // Written later, outside the watched prefix: no event for the watch, only progress.
          const elsewhere = `${p.slice(0, -1)}-elsewhere/x`;
          const other = await b.create(elsewhere, bytes('x'));
          // An interval far longer than the test: only the catch-up message can arrive.
          const w = watch(b, p, a.revision, 600_000);
          try {
            const first = await w.next(2000);
            assert.ok('event' in first && first.event.kv.key === `${p}a`);
            const caughtUp = await w.next(2000);
            assert.deepEqual(caughtUp, { progress: other.revision });
            await b.create(`${p}b`, bytes('b'));
            const [e] = await events(w, 1);
            assert.equal(e?.kv.key, `${p}b`);
          } finally {
            await w.close();
            await b.delete(elsewhere);
          }
        }));
    }

    if (options.watchBufferSize !== undefined) {
      const size = options.watchBufferSize;
      void it('ends a watcher that falls behind its buffer with TooSlow', () =>
        withBackend(async (b, p) => {
          const r0 = await b.currentRevision();
          const w = watch(b, p, r0 + 1);
          try {
            await b.create(`${p}first`, bytes('x'));
            await events(w, 1); // the watch is established
            const writes = Array.from({ length: size + 50 }, (_, i) => `${p}k${i}`);
            await mapLimit(writes, 16, (k) => b.create(k, bytes('v')));
            // The consumer may still drain some buffered events, but never all of them.
            let drained = 0;
            for (;;) {
              try {
                const item = await w.next();
                if ('event' in item) drained++;
              } catch (err) {
                if (!isStorageError(err)) throw err;
                assert.equal(err.code, 'TooSlow');
                break;
              }
              assert.ok(drained < writes.length, 'the slow watcher got every event');
            }
            // The backend keeps working.
            const later = watch(b, p, (await b.currentRevision()) + 1);
            try {
              await b.create(`${p}after`, bytes('y'));
              const [e] = await events(later, 1);
              assert.equal(e?.kv.key, `${p}after`);
            } finally {
              await later.close();
            }
          } finally {
            await w.close();
          }
        }));
    }
  });
}
