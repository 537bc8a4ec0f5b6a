import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store } from '../store.ts';
import {
  WatchReader,
  rejectsWith,
  runBackendConformance,
  runStorageConformance,
  sleep,
} from '../testing/index.ts';
import { createMemoryBackend } from './index.ts';

runBackendConformance(
  'memory',
  () => {
    const backend = createMemoryBackend({ watchBufferSize: 200 });
    return Promise.resolve({ backend, cleanup: () => backend.close() });
  },
  { progressNotifyMs: 50, watchBufferSize: 200, progressAfterReplay: true },
);

runStorageConformance(
  'memory',
  () => {
    const backend = createMemoryBackend();
    const storage = new Store(backend, { progressNotifyMs: 100 });
    return Promise.resolve({
      storage,
      cleanup: () => storage.close(),
      rawPut: async (key: string, value: Uint8Array) => {
        const cur = await backend.get(key);
        const resp =
          cur.kv === undefined
            ? await backend.create(key, value)
            : await backend.update(key, value, cur.kv.modRevision);
        if (!resp.succeeded) throw new Error(`rawPut of ${key} lost a race`);
      },
    });
  },
  { bookmarkWithinMs: 100 },
);

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('memory backend specifics', () => {
  it('fails every operation with Closed after close, and close is idempotent', async () => {
    const b = createMemoryBackend();
    await b.create('/a', bytes('x'));
    await b.close();
    await b.close();
    await rejectsWith(b.get('/a'), 'Closed');
    await rejectsWith(b.create('/b', bytes('x')), 'Closed');
    await rejectsWith(b.range({ prefix: '/' }), 'Closed');
  });

  it('starts at revision 1 and treats watch start 0 as "from now"', async () => {
    const b = createMemoryBackend();
    try {
      assert.equal(await b.currentRevision(), 1);
      assert.equal(await b.compactedRevision(), 1);
      await b.create('/a', bytes('old'));
      const controller = new AbortController();
      const w = new WatchReader(b.watch('/', 0, { signal: controller.signal }), controller);
      const pending = w.next();
      await b.create('/b', bytes('new'));
      const msg = await pending;
      assert.ok(msg.kind === 'events');
      assert.deepEqual(
        msg.events.map((e) => e.kv.key),
        ['/b'],
      );
      await w.close();
    } finally {
      await b.close();
    }
  });

  it('stops a TTL when the key is rewritten without one', async () => {
    const b = createMemoryBackend();
    try {
      const c = await b.create('/t', bytes('x'), { ttlSeconds: 1 });
      assert.ok(c.succeeded);
      await b.update('/t', bytes('y'), c.revision);
      await sleep(1300);
      assert.equal(new TextDecoder().decode((await b.get('/t')).kv?.value), 'y');
    } finally {
      await b.close();
    }
  });

  it('drops history on compaction and ends watchers that had not caught up', async () => {
    const b = createMemoryBackend();
    try {
      const c = await b.create('/k', bytes('1'));
      assert.ok(c.succeeded);
      let rev = c.revision;
      for (let i = 2; i <= 5; i++) {
        const u = await b.update('/k', bytes(String(i)), rev);
        assert.ok(u.succeeded);
        rev = u.revision;
      }
      const gone = await b.create('/gone', bytes('g'));
      await b.delete('/gone');
      assert.ok(gone.succeeded);
      const controller = new AbortController();
      const lagging = new WatchReader(
        b.watch('/', c.revision, { signal: controller.signal }),
        controller,
      );
      const first = await lagging.next();
      assert.ok(first.kind === 'events');
      const now = await b.currentRevision();
      const res = await b.compact(now);
      assert.equal(res.compactedRevision, now);
      assert.deepEqual(res.details, { versionsDropped: 6, keysDropped: 1 });
      assert.equal((await b.get('/k', now)).kv?.modRevision, rev);
      await rejectsWith(b.compact(now + 10), 'TooLargeResourceVersion');
      // The first batch delivered everything, so the watcher had caught up and lives on.
      await b.create('/n', bytes('n'));
      const next = await lagging.next();
      assert.ok(next.kind === 'events');
      assert.equal(next.events[0]?.kv.key, '/n');
      await lagging.close();
    } finally {
      await b.close();
    }
  });

  it('batches replay into bounded messages', async () => {
    const b = createMemoryBackend({ maxEventsPerMessage: 10 });
    try {
      const r0 = await b.currentRevision();
      for (let i = 0; i < 25; i++) await b.create(`/k${i}`, bytes('v'));
      const controller = new AbortController();
      const w = new WatchReader(b.watch('/', r0 + 1, { signal: controller.signal }), controller);
      const sizes: number[] = [];
      for (let n = 0; n < 25;) {
        const m = await w.next();
        assert.ok(m.kind === 'events');
        sizes.push(m.events.length);
        n += m.events.length;
      }
      assert.deepEqual(sizes, [10, 10, 5]);
      await w.close();
    } finally {
      await b.close();
    }
  });

  it('lists 20k keys quickly', async () => {
    const b = createMemoryBackend();
    try {
      for (let i = 0; i < 20000; i++) {
        await b.create(`/registry/pods/ns${i % 10}/p${i}`, bytes('{"kind":"Pod"}'));
      }
      const started = performance.now();
      const all = await b.range({ prefix: '/registry/pods/' });
      const page = await b.range({ prefix: '/registry/pods/ns3/', limit: 500 });
      const ms = performance.now() - started;
      assert.equal(all.kvs.length, 20000);
      assert.equal(page.kvs.length, 500);
      assert.equal(page.remaining, 1500);
      assert.ok(ms < 2000, `took ${ms} ms`);
    } finally {
      await b.close();
    }
  });
});
