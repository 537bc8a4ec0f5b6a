/**
 * Encryption at rest over the SQLite driver (real files in a mkdtemp dir, removed afterwards):
 * the Storage conformance suite with an AES-GCM transformer, and the point of it all: a Secret
 * written through the Store cannot be found in the bytes of the database file or its WAL, while
 * the same search finds a value written without encryption.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Backend } from '../backend.ts';
import type { StoredObject } from '../interface.ts';
import { openSqliteBackend } from '../sqlite/index.ts';
import type { SqliteBackend } from '../sqlite/index.ts';
import { Store } from '../store.ts';
import { runStorageConformance } from '../testing/index.ts';
import { TestAesGcmTransformer } from './test-transformer.ts';

const root = mkdtempSync(join(tmpdir(), 'skiff-transform-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

const key1 = { name: 'key1', secret: new Uint8Array(32).fill(7) };
const key2 = { name: 'key2', secret: new Uint8Array(32).fill(9) };

/** One backend for every conformance fixture (unique prefixes per test); closed in `after`. */
let shared: Promise<SqliteBackend> | undefined;
after(async () => {
  if (shared !== undefined) await (await shared).close();
});

function unclosable(b: Backend): Backend {
  return {
    name: b.name,
    get: (k, r) => b.get(k, r),
    range: (r) => b.range(r),
    count: (p) => b.count(p),
    currentRevision: () => b.currentRevision(),
    compactedRevision: () => b.compactedRevision(),
    create: (k, v, o) => b.create(k, v, o),
    update: (k, v, e, o) => b.update(k, v, e, o),
    delete: (k, e) => b.delete(k, e),
    watch: (p, s, o) => b.watch(p, s, o),
    compact: (r) => b.compact(r),
    close: () => Promise.resolve(),
  };
}

runStorageConformance(
  'sqlite + aesgcm transformer',
  async () => {
    shared ??= openSqliteBackend({ path: join(root, 'shared', 'skiff.db'), autoCompaction: false });
    const backend = unclosable(await shared);
    const storage = new Store(backend, {
      progressNotifyMs: 100,
      transformer: new TestAesGcmTransformer([key1, 'identity']),
    });
    return {
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
    };
  },
  { bookmarkWithinMs: 100 },
);

interface Secret extends StoredObject {
  data?: Record<string, string>;
}

function secret(name: string, password: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'Opaque',
    data: { password },
  };
}

/** Every byte of the database directory (main file, -wal, -shm), as latin1 text. */
function filesText(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

void describe('encryption at rest on sqlite', () => {
  void it('keeps Secret data out of the database file and its WAL', async () => {
    const dir = join(root, 'raw');
    const path = join(dir, 'skiff.db');
    const encrypted = 'ZW5jcnlwdGVkLXBhc3N3b3JkLTEyMw==';
    const plaintext = 'cGxhaW4tcGFzc3dvcmQtNDU2';
    let backend = await openSqliteBackend({ path, autoCompaction: false });
    try {
      const plain = new Store(unclosable(backend));
      const s = new Store(unclosable(backend), {
        transformer: new TestAesGcmTransformer([key1, 'identity']),
      });
      await plain.create('/registry/configmaps/default/c', secret('c', plaintext));
      await s.create('/registry/secrets/default/s', secret('s', encrypted));
      await s.guaranteedUpdate<Secret>('/registry/secrets/default/s', (cur) => ({
        ...(cur ?? secret('s', encrypted)),
        metadata: { ...cur?.metadata, labels: { rotated: 'no' } },
      }));
      // While open (the writes may still sit in the WAL) and after a checkpointing close.
      let bytes = filesText(dir);
      assert.ok(bytes.includes(plaintext), 'the search finds unencrypted values');
      assert.ok(!bytes.includes(encrypted), 'encrypted value found in the open database files');
      assert.ok(bytes.includes('k8s:enc:aesgcm:v1:key1:'));
      await backend.close();
      bytes = filesText(dir);
      assert.ok(bytes.includes(plaintext));
      assert.ok(!bytes.includes(encrypted), 'encrypted value found in the closed database file');

      // Reopened with a rotated configuration: reads, and a no-op rewrite re-encrypts.
      backend = await openSqliteBackend({ path, autoCompaction: false });
      const rotated = new Store(unclosable(backend), {
        transformer: new TestAesGcmTransformer([key2, key1, 'identity']),
      });
      const got = await rotated.get<Secret>('/registry/secrets/default/s');
      assert.equal(got.data?.password, encrypted);
      const rewritten = await rotated.guaranteedUpdate<Secret>(
        '/registry/secrets/default/s',
        (cur) => cur ?? got,
      );
      assert.ok(
        Number(rewritten.metadata?.resourceVersion) > Number(got.metadata?.resourceVersion),
      );
      const raw = (await backend.get('/registry/secrets/default/s')).kv?.value ?? new Uint8Array();
      assert.ok(Buffer.from(raw).toString('latin1').startsWith('k8s:enc:aesgcm:v1:key2:'));
      // The configmap written before encryption still reads through identity.
      const cm = await rotated.get<Secret>('/registry/configmaps/default/c');
      assert.equal(cm.data?.password, plaintext);
    } finally {
      await backend.close();
    }
  });
});
