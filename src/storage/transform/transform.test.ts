/**
 * Encryption at rest in the Store, over the memory backend: the Storage conformance suite with
 * an AES-GCM transformer, and what only a transformer has: ciphertext in the backend, key
 * rotation (stale reads make a no-op update rewrite, as upstream's "kubectl replace" recipe
 * relies on), plaintext written before encryption was turned on, transform failures, and the
 * watch cache above the Store seeing plaintext.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cacher } from '../cacher/index.ts';
import { StorageError } from '../errors.ts';
import type { StoredObject } from '../interface.ts';
import { createMemoryBackend } from '../memory/index.ts';
import { Store } from '../store.ts';
import { WatchReader, rejectsWith, runStorageConformance } from '../testing/index.ts';
import { TestAesGcmTransformer } from './test-transformer.ts';
import type { StoreTransformer } from './index.ts';

const key1 = { name: 'key1', secret: new Uint8Array(32).fill(1) };
const key2 = { name: 'key2', secret: new Uint8Array(16).fill(2) };
const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('latin1');

runStorageConformance(
  'memory + aesgcm transformer',
  () => {
    const backend = createMemoryBackend();
    const storage = new Store(backend, {
      progressNotifyMs: 100,
      transformer: new TestAesGcmTransformer([key1, 'identity']),
    });
    return Promise.resolve({
      storage,
      cleanup: () => storage.close(),
      // Planted plaintext is read through the identity fallback, so '{not json' is Corrupt.
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

interface Secret extends StoredObject {
  data?: Record<string, string>;
}

const SECRET_VALUE = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk';

function secret(name: string, value = SECRET_VALUE): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    data: { password: value },
  };
}

const KEY = '/registry/secrets/default/s1';

void describe('Store with a transformer', () => {
  void it('stores ciphertext with the first key and returns plaintext', async () => {
    const backend = createMemoryBackend();
    const t = new TestAesGcmTransformer([key1, 'identity']);
    const s = new Store(backend, { transformer: t });
    try {
      const created = await s.create(KEY, secret('s1'));
      assert.equal(created.data?.password, SECRET_VALUE);
      const raw = text((await backend.get(KEY)).kv?.value);
      assert.ok(raw.startsWith('k8s:enc:aesgcm:v1:key1:'), raw.slice(0, 30));
      assert.ok(!raw.includes(SECRET_VALUE));
      assert.ok(!raw.includes('"kind"'));
      const got = await s.get<Secret>(KEY);
      assert.deepEqual(got, created);
      assert.deepEqual((await s.list<Secret>('/registry/secrets/')).items, [created]);
      const updated = await s.guaranteedUpdate<Secret>(KEY, (cur) => ({
        ...(cur ?? secret('s1')),
        data: { password: 'bmV3' },
      }));
      assert.equal(updated.data?.password, 'bmV3');
      assert.ok(text((await backend.get(KEY)).kv?.value).startsWith('k8s:enc:aesgcm:v1:key1:'));
      const deleted = await s.delete<Secret>(KEY);
      assert.equal(deleted.data?.password, 'bmV3');
    } finally {
      await s.close();
    }
  });

  void it('authenticates the key: a value copied under another key does not decrypt', async () => {
    const backend = createMemoryBackend();
    const s = new Store(backend, { transformer: new TestAesGcmTransformer([key1]) });
    try {
      await s.create(KEY, secret('s1'));
      const value = (await backend.get(KEY)).kv?.value;
      assert.ok(value !== undefined);
      const other = '/registry/secrets/default/s2';
      await backend.create(other, value);
      const err = await rejectsWith(s.get(other), 'Internal');
      assert.ok(err instanceof StorageError);
      assert.equal(err.key, other);
      assert.equal((await s.get<Secret>(KEY)).data?.password, SECRET_VALUE);
    } finally {
      await s.close();
    }
  });

  void it('marks values of an older key stale: a no-op update rewrites them once', async () => {
    const backend = createMemoryBackend();
    const old = new Store(backend, { transformer: new TestAesGcmTransformer([key1]) });
    const created = await old.create(KEY, secret('s1'));
    // Rotation: key2 becomes the write key, key1 still reads.
    const t = new TestAesGcmTransformer([key2, key1]);
    const s = new Store(backend, { transformer: t });
    try {
      assert.deepEqual(await s.get<Secret>(KEY), created);
      const noop = (cur: Secret | undefined): Secret => cur ?? secret('s1');
      const rewritten = await s.guaranteedUpdate<Secret>(KEY, noop);
      assert.ok(
        Number(rewritten.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion),
      );
      assert.deepEqual(rewritten.data, created.data);
      assert.ok(text((await backend.get(KEY)).kv?.value).startsWith('k8s:enc:aesgcm:v1:key2:'));
      // Now current: the same no-op update writes nothing.
      const again = await s.guaranteedUpdate<Secret>(KEY, noop);
      assert.equal(again.metadata?.resourceVersion, rewritten.metadata?.resourceVersion);
      // A cached copy is not known to be stale; the re-read before skipping the write learns it.
      const s1 = await old.create('/registry/secrets/default/c', secret('c'));
      const viaCache = await s.guaranteedUpdate<Secret>('/registry/secrets/default/c', noop, {
        cachedExisting: s1,
      });
      assert.ok(Number(viaCache.metadata?.resourceVersion) > Number(s1.metadata?.resourceVersion));
      const raw = text((await backend.get('/registry/secrets/default/c')).kv?.value);
      assert.ok(raw.startsWith('k8s:enc:aesgcm:v1:key2:'));
      // The old key alone can no longer read the rewritten value.
      await rejectsWith(old.get(KEY), 'Internal');
    } finally {
      await s.close();
    }
  });

  void it('reads plaintext written before encryption was enabled, and encrypts it on rewrite', async () => {
    const backend = createMemoryBackend();
    const plain = new Store(backend);
    const created = await plain.create(KEY, secret('s1'));
    assert.ok(text((await backend.get(KEY)).kv?.value).includes(SECRET_VALUE));
    const s = new Store(backend, { transformer: new TestAesGcmTransformer([key1, 'identity']) });
    try {
      assert.deepEqual(await s.get<Secret>(KEY), created);
      const rewritten = await s.guaranteedUpdate<Secret>(KEY, (cur) => cur ?? secret('s1'));
      assert.ok(
        Number(rewritten.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion),
      );
      const raw = text((await backend.get(KEY)).kv?.value);
      assert.ok(raw.startsWith('k8s:enc:aesgcm:v1:key1:') && !raw.includes(SECRET_VALUE));
      assert.deepEqual((await s.get<Secret>(KEY)).data, created.data);
    } finally {
      await s.close();
    }
  });

  void it('fails with an Internal error naming the key when a value cannot be read', async () => {
    const backend = createMemoryBackend();
    const writer = new Store(backend, { transformer: new TestAesGcmTransformer([key1]) });
    const prefix = '/registry/secrets/default/';
    await writer.create(KEY, secret('s1'));
    // A configuration without key1 (upstream: "no matching prefix found" / a decrypt error).
    const s = new Store(backend, { transformer: new TestAesGcmTransformer([key2]) });
    try {
      const cases: { name: string; run: () => Promise<unknown>; message: RegExp }[] = [
        { name: 'get', run: () => s.get(KEY), message: /^no matching prefix found$/ },
        {
          name: 'list',
          run: () => s.list(prefix),
          message: /^unable to transform key "\/registry\/secrets\/default\/s1": no matching/,
        },
        {
          name: 'update',
          run: () => s.guaranteedUpdate<Secret>(KEY, (c) => c ?? secret('s1')),
          message: /^no matching prefix found$/,
        },
        { name: 'delete', run: () => s.delete(KEY), message: /^no matching prefix found$/ },
      ];
      for (const c of cases) {
        const err = await rejectsWith(c.run(), 'Internal');
        assert.ok(err instanceof StorageError, c.name);
        assert.equal(err.key, KEY, c.name);
        assert.match(err.message, c.message, c.name);
        assert.ok(err.cause instanceof Error, c.name);
      }
      const controller = new AbortController();
      const w = new WatchReader(
        s.watch(prefix, { recursive: true, signal: controller.signal }),
        controller,
      );
      const err = await rejectsWith(w.next(), 'Internal');
      assert.ok(err instanceof StorageError && err.key === KEY);
      await w.close();
      // The value is untouched: the key that wrote it still reads it.
      assert.equal((await writer.get<Secret>(KEY)).data?.password, SECRET_VALUE);
    } finally {
      await s.close();
    }
  });

  void it('writes nothing when the value cannot be transformed for storage', async () => {
    const backend = createMemoryBackend();
    const failing: StoreTransformer = {
      toStorage: () => {
        throw new Error('KMS unavailable');
      },
      fromStorage: (data) => ({ data, stale: false }),
    };
    const s = new Store(backend, { transformer: failing });
    try {
      const r0 = await backend.currentRevision();
      const err = await rejectsWith(s.create(KEY, secret('s1')), 'Internal');
      assert.equal(err.message, 'KMS unavailable');
      assert.ok(err instanceof StorageError && err.key === KEY);
      const upd = s.guaranteedUpdate<Secret>(KEY, () => secret('s1'), { ignoreNotFound: true });
      await rejectsWith(upd, 'Internal');
      assert.equal(await backend.currentRevision(), r0);
    } finally {
      await s.close();
    }
  });

  void it('transforms each watch value once and delivers plaintext events', async () => {
    const backend = createMemoryBackend();
    const t = new TestAesGcmTransformer([key1]);
    const s = new Store(backend, { transformer: t });
    const prefix = '/registry/secrets/default/';
    const controller = new AbortController();
    try {
      const r0 = await s.currentResourceVersion();
      const w = new WatchReader(
        s.watch<Secret>(prefix, {
          recursive: true,
          resourceVersion: r0,
          signal: controller.signal,
        }),
        controller,
      );
      await s.create(KEY, secret('s1'));
      await s.guaranteedUpdate<Secret>(KEY, (c) => ({
        ...(c ?? secret('s1')),
        data: { a: 'Yg==' },
      }));
      await s.delete(KEY);
      const reads0 = t.reads;
      const added = await w.next();
      const modified = await w.next();
      const deleted = await w.next();
      assert.ok(
        added.type === 'ADDED' && modified.type === 'MODIFIED' && deleted.type === 'DELETED',
      );
      assert.equal(added.object.data?.password, SECRET_VALUE);
      assert.deepEqual(modified.object.data, { a: 'Yg==' });
      assert.equal(modified.prevObject?.data?.password, SECRET_VALUE);
      assert.deepEqual(deleted.object.data, { a: 'Yg==' });
      assert.deepEqual(deleted.prevObject?.data, { a: 'Yg==' });
      // ADDED: kv; MODIFIED: kv + prevKv; DELETED: prevKv once for object and prevObject.
      assert.equal(t.reads - reads0, 4);
      await w.close();
    } finally {
      await s.close();
    }
  });

  void it('feeds the watch cache plaintext', async () => {
    const backend = createMemoryBackend();
    const s = new Store(backend, { transformer: new TestAesGcmTransformer([key1]) });
    const cacher = new Cacher(s, { resourcePrefix: '/registry/secrets/' });
    try {
      await s.create(KEY, secret('s1'));
      cacher.start();
      await cacher.ready();
      const listed = await cacher.list<Secret>('/registry/secrets/', { resourceVersion: 0 });
      assert.deepEqual(
        listed.items.map((o) => o.data?.password),
        [SECRET_VALUE],
      );
      const updated = await cacher.guaranteedUpdate<Secret>(KEY, (c) => ({
        ...(c ?? secret('s1')),
        data: { password: 'bmV3' },
      }));
      const got = await cacher.get<Secret>(KEY, {
        resourceVersion: Number(updated.metadata?.resourceVersion),
      });
      assert.equal(got.data?.password, 'bmV3');
      assert.ok(!text((await backend.get(KEY)).kv?.value).includes('bmV3'));
    } finally {
      await cacher.close();
      await s.close();
    }
  });
});
