/**
 * SQLite driver tests on real files (a mkdtemp dir, removed afterwards): the shared conformance
 * suites, plus what only a file-backed driver has: durability across reopen and kill -9, the
 * cross-process lock, corrupt files, batched compaction that gives disk space back, group commit.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { isStorageError } from '../errors.ts';
import type { Backend, BackendWatchMessage, BackendEvent } from '../backend.ts';
import { Store } from '../store.ts';
import {
  runBackendConformance,
  runStorageConformance,
  WatchReader,
  rejectsWith,
} from '../testing/index.ts';
import { openSqliteBackend, startAutoCompaction } from './index.ts';
import type { SqliteBackend, SqliteBackendOptions } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'skiff-sqlite-'));
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const moduleUrl = new URL('./index.ts', import.meta.url).href;
let fileCounter = 0;
const children = new Set<ChildProcess>();

after(() => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function freshPath(): string {
  fileCounter++;
  return join(root, `case-${String(fileCounter)}`, 'data', 'skiff.db');
}

async function open(opts: Partial<SqliteBackendOptions> = {}): Promise<SqliteBackend> {
  return openSqliteBackend({ path: freshPath(), autoCompaction: false, ...opts });
}

/** Runs `fn` with a backend on a fresh file and always closes it. */
async function withBackend(
  opts: Partial<SqliteBackendOptions>,
  fn: (b: SqliteBackend) => Promise<void>,
): Promise<void> {
  const b = await open(opts);
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

/** Reads messages until `n` events arrived (progress messages are skipped). */
async function takeEvents(w: WatchReader<BackendWatchMessage>, n: number): Promise<BackendEvent[]> {
  const out: BackendEvent[] = [];
  while (out.length < n) {
    const msg = await w.next();
    if (msg.kind === 'events') out.push(...msg.events);
  }
  return out;
}

/** Starts `node --import tsx` on an ESM script; returns the child and a line reader. */
function spawnNode(script: string): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const rl = createInterface({ input: child.stdout });
  return { child, lines: rl[Symbol.asyncIterator]() };
}

async function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((resolve) => child.once('exit', resolve));
}

// ---- shared conformance suites ----

runBackendConformance(
  'sqlite',
  async () => {
    const backend = await open({ maxWatchBuffer: 200, ttlSweepMs: 100 });
    return { backend, cleanup: () => backend.close() };
  },
  { progressNotifyMs: 50, watchBufferSize: 200, progressAfterReplay: true },
);

/**
 * One backend serves every conformance fixture (the suites use unique prefixes, as against a
 * shared server), so the file does not pay a worker start per test. Closing is left to `after`.
 */
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
  'sqlite',
  async () => {
    shared ??= openSqliteBackend({ path: join(root, 'shared', 'skiff.db'), autoCompaction: false });
    const backend = unclosable(await shared);
    const storage = new Store(backend, { progressNotifyMs: 100 });
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

// ---- driver behaviour ----

void describe('sqlite backend', () => {
  void it('follows etcd revision and conditional-write semantics', () =>
    withBackend({}, async (b) => {
      assert.equal(await b.currentRevision(), 1);
      const c = await b.create('/a/x', enc('1'));
      assert.deepEqual(c, { succeeded: true, revision: 2 });
      const dup = await b.create('/a/x', enc('2'));
      assert.equal(dup.succeeded, false);
      assert.ok(!dup.succeeded);
      assert.equal(dup.revision, 2);
      assert.equal(dup.current?.modRevision, 2);
      const stale = await b.update('/a/x', enc('2'), 1);
      assert.equal(stale.succeeded, false);
      const u = await b.update('/a/x', enc('2'), 2);
      assert.ok(u.succeeded);
      assert.equal(u.revision, 3);
      assert.equal(dec(u.prevKv?.value ?? new Uint8Array()), '1');
      assert.deepEqual((await b.get('/a/x')).kv, {
        key: '/a/x',
        value: enc('2'),
        createRevision: 2,
        modRevision: 3,
      });
      assert.deepEqual((await b.get('/a/x', 2)).kv?.value, enc('1'));
      const missing = await b.delete('/a/nope');
      assert.deepEqual(missing, { succeeded: false, revision: 3 });
      const d = await b.delete('/a/x', 3);
      assert.ok(d.succeeded);
      assert.equal(d.revision, 4);
      assert.equal((await b.get('/a/x')).kv, undefined);
      assert.equal((await b.get('/a/x', 3)).kv?.modRevision, 3);
      await rejectsWith(b.get('/a/x', 99), 'TooLargeResourceVersion');
    }));

  void it('ranges with prefix, startKey, limit and past revisions', () =>
    withBackend({}, async (b) => {
      for (const k of ['a', 'b', 'c', 'd']) await b.create(`/p/${k}`, enc(k));
      await b.create('/p0', enc('outside'));
      await b.create('/o/z', enc('outside'));
      const rev = await b.currentRevision();
      await b.delete('/p/b');
      await b.update('/p/c', enc('C'), 4);
      const page = await b.range({ prefix: '/p/', limit: 2 });
      assert.deepEqual(
        page.kvs.map((kv) => kv.key),
        ['/p/a', '/p/c'],
      );
      assert.equal(page.more, true);
      assert.equal(page.remaining, 1);
      const rest = await b.range({ prefix: '/p/', startKey: '/p/c\0' });
      assert.deepEqual(
        rest.kvs.map((kv) => kv.key),
        ['/p/d'],
      );
      const past = await b.range({ prefix: '/p/', revision: rev, limit: 3 });
      assert.deepEqual(
        past.kvs.map((kv) => dec(kv.value)),
        ['a', 'b', 'c'],
      );
      assert.equal(past.remaining, 1);
      assert.equal(past.revision, rev);
      assert.equal(await b.count('/p/'), 3);
      assert.equal(await b.count(''), 5);
      assert.equal((await b.range({ prefix: '' })).kvs.length, 5);
    }));

  void it('hands a watch over from history to live events without gaps or duplicates', () =>
    withBackend({ replayChunk: 7 }, async (b) => {
      for (let i = 0; i < 30; i++) await b.create(`/w/${String(i)}`, enc('v'));
      // Writes keep landing while the watch replays history in chunks of 7.
      const writing = Promise.all(
        Array.from({ length: 40 }, (_, i) => b.create(`/w/live${String(i)}`, enc('v'))),
      );
      const ac = new AbortController();
      const reader = new WatchReader(b.watch('/w/', 2, { signal: ac.signal }), ac);
      await writing;
      const seen: number[] = [];
      while (seen.length < 70) {
        const msg = await reader.next();
        if (msg.kind === 'events') seen.push(...msg.events.map((e) => e.kv.modRevision));
      }
      assert.deepEqual(
        seen,
        Array.from({ length: 70 }, (_, i) => i + 2),
      );
      await reader.close();
    }));

  void it('ends a slow watcher with TooSlow and sends progress when idle', () =>
    withBackend({ maxWatchBuffer: 5 }, async (b) => {
      const ac = new AbortController();
      const slow = b.watch('/s/', 0, { signal: ac.signal });
      const it = slow[Symbol.asyncIterator]();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => b.create(`/s/${String(i)}`, enc('v'))),
      );
      await assert.rejects(
        async () => {
          for (;;) {
            const r = await it.next();
            if (r.done === true) return;
          }
        },
        (err: unknown) => isStorageError(err, 'TooSlow'),
      );
      assert.equal(b.stats().watchers, 0);

      const ac2 = new AbortController();
      const idle = new WatchReader(
        b.watch('/s/', 0, { signal: ac2.signal, progressNotifyMs: 30 }),
        ac2,
      );
      const msg = await idle.next(2000);
      assert.deepEqual(msg, { kind: 'progress', revision: await b.currentRevision() });
      await idle.close();
    }));

  void it('expires TTL keys with an ordinary delete and watch event', () => {
    let now = 1_000_000;
    return withBackend({ ttlSweepMs: 20, now: () => now }, async (b) => {
      const ac = new AbortController();
      const w = new WatchReader(b.watch('/t/', 0, { signal: ac.signal }), ac);
      const c = await b.create('/t/e', enc('event'), { ttlSeconds: 2 });
      await b.create('/t/keep', enc('v'));
      assert.ok(c.succeeded);
      const created = c.revision;
      await takeEvents(w, 2);
      now += 1500;
      await w.expectNothing(100);
      now += 1000;
      const del = await w.next(2000);
      assert.ok(del.kind === 'events');
      const ev = del.events[0];
      assert.ok(ev);
      assert.equal(ev.type, 'delete');
      assert.equal(ev.prevKv?.modRevision, created);
      assert.equal((await b.get('/t/e')).kv, undefined);
      assert.equal(await b.count('/t/'), 1);
      await w.close();
    });
  });

  void it('stores 1.5 MiB values', () =>
    withBackend({}, async (b) => {
      const big = new Uint8Array(1.5 * 1024 * 1024).map((_, i) => i % 251);
      const r = await b.create('/big', big);
      assert.ok(r.succeeded);
      assert.deepEqual((await b.get('/big')).kv?.value, big);
      await rejectsWith(b.create('/huge', new Uint8Array(17 * 1024 * 1024)), 'TooLarge');
    }));

  void it('commits concurrent writes in shared transactions (group commit)', () =>
    withBackend({}, async (b) => {
      const before = b.stats();
      const rs = await Promise.all(
        Array.from({ length: 200 }, (_, i) => b.create(`/g/${String(i)}`, enc('v'))),
      );
      const revs = rs.map((r) => r.revision).sort((x, y) => x - y);
      assert.deepEqual(
        revs,
        Array.from({ length: 200 }, (_, i) => i + 2),
      );
      const s = b.stats();
      assert.equal(s.writeOps - before.writeOps, 200);
      assert.ok(
        s.transactions - before.transactions < 50,
        `${String(s.transactions)} transactions`,
      );
      // One conflicting op fails alone inside a batch.
      const mixed = await Promise.all([
        b.create('/g/0', enc('dup')),
        b.create('/g/new', enc('v')),
        b.update('/g/1', enc('x'), 3),
      ]);
      assert.deepEqual(
        mixed.map((r) => r.succeeded),
        [false, true, true],
      );
    }));

  void it('close is idempotent, ends watches and refuses later calls', async () => {
    const b = await open();
    const ac = new AbortController();
    const w = new WatchReader(b.watch('/', 0, { signal: ac.signal }), ac);
    const pending = b.create('/c', enc('v'));
    await Promise.all([b.close(), b.close()]);
    assert.ok((await pending).succeeded); // queued writes are committed, not dropped
    await w.expectEnd();
    await rejectsWith(b.create('/d', enc('v')), 'Closed');
    await rejectsWith(b.get('/c'), 'Closed');
    await b.close();
  });
});

// ---- compaction ----

void describe('sqlite compaction', () => {
  void it('keeps reads and prevKv at the compacted revision, fails older ones', () =>
    withBackend({}, async (b) => {
      await b.create('/k/a', enc('a1')); // 2
      await b.update('/k/a', enc('a2'), 2); // 3
      await b.create('/k/b', enc('b1')); // 4
      await b.delete('/k/b'); // 5
      await b.update('/k/a', enc('a3'), 3); // 6
      await b.create('/k/c', enc('c1')); // 7
      await b.delete('/k/c'); // 8
      const r = await b.compact(6);
      assert.equal(r.compactedRevision, 6);
      assert.equal(await b.compactedRevision(), 6);
      await rejectsWith(b.get('/k/a', 5), 'Compacted');
      assert.equal(dec((await b.get('/k/a', 6)).kv?.value ?? enc('')), 'a3');
      // The delete at 8 still reports the value it deleted.
      const ac = new AbortController();
      const w = new WatchReader(b.watch('/k/', 6, { signal: ac.signal }), ac);
      const got = await takeEvents(w, 3);
      assert.deepEqual(
        got.map((e) => [e.type, e.kv.modRevision, e.prevKv?.modRevision]),
        [
          ['put', 6, 3],
          ['put', 7, undefined],
          ['delete', 8, 7],
        ],
      );
      await w.close();
      const ac2 = new AbortController();
      const old = new WatchReader(b.watch('/k/', 5, { signal: ac2.signal }), ac2);
      await old.expectError('Compacted');
      // Compacting backwards is a no-op; beyond the current revision is refused.
      assert.equal((await b.compact(3)).compactedRevision, 6);
      await rejectsWith(b.compact(100), 'TooLargeResourceVersion');
    }));

  void it('deletes history in small batches and gives the space back', () =>
    withBackend({ compactBatchRows: 200 }, async (b) => {
      const value = new Uint8Array(4096).fill(3);
      const keys = Array.from({ length: 50 }, (_, i) => `/churn/${String(i)}`);
      const revs = new Map<string, number>();
      for (const k of keys) revs.set(k, (await b.create(k, value)).revision);
      for (let round = 0; round < 40; round++) {
        await Promise.all(
          keys.map(async (k) => {
            const r = await b.update(k, value, revs.get(k) ?? 0);
            assert.ok(r.succeeded);
            revs.set(k, r.revision);
          }),
        );
      }
      const path = b.path;
      const sizeBefore = statSync(path).size + statSync(`${path}-wal`).size;
      const res = await b.compact(await b.currentRevision());
      const d = res.details ?? {};
      // 2000 superseded rows, except the newest one's predecessor: the update at the compacted
      // revision itself must still report its prevKv to a watch from there.
      assert.equal(d.rowsDeleted, 1999);
      assert.ok((d.batches ?? 0) >= 10, `batches ${String(d.batches)}`);
      assert.ok((d.maxBatchMs ?? Infinity) < 100, `maxBatchMs ${String(d.maxBatchMs)}`);
      assert.ok((d.bytesReclaimed ?? 0) > 4096 * 1500, `reclaimed ${String(d.bytesReclaimed)}`);
      const sizeAfter = statSync(path).size + statSync(`${path}-wal`).size;
      assert.ok(sizeAfter * 5 < sizeBefore, `${String(sizeBefore)} → ${String(sizeAfter)}`);
      assert.equal(statSync(`${path}-wal`).size, 0);
      assert.equal((await b.range({ prefix: '/churn/' })).kvs.length, 50);
    }));

  void it('runs in the background with startAutoCompaction', () =>
    withBackend({}, async (b) => {
      for (let i = 0; i < 30; i++) await b.create(`/auto/${String(i)}`, enc('v'));
      const done = new Promise<number>((resolve) => {
        const stop = startAutoCompaction(b, {
          intervalMs: 10,
          keepRevisions: 10,
          minRevisions: 5,
          onCompact: (r) => {
            stop();
            resolve(r instanceof Error ? -1 : r.compactedRevision);
          },
        });
      });
      assert.equal(await done, (await b.currentRevision()) - 10);
    }));
});

// ---- files and processes ----

void describe('sqlite files', () => {
  void it('keeps data and revisions across reopen, even when compaction removed the newest rows', async () => {
    const path = freshPath();
    let b = await openSqliteBackend({ path, autoCompaction: false });
    await b.create('/r/a', enc('a'));
    await b.create('/r/b', enc('b'));
    const del = await b.delete('/r/b');
    await b.close();
    b = await openSqliteBackend({ path, autoCompaction: false });
    assert.equal(await b.currentRevision(), del.revision);
    assert.equal(dec((await b.get('/r/a')).kv?.value ?? enc('')), 'a');
    await b.compact(del.revision);
    await b.close();
    b = await openSqliteBackend({ path, autoCompaction: false });
    assert.equal(await b.compactedRevision(), del.revision);
    const next = await b.create('/r/c', enc('c'));
    assert.equal(next.revision, del.revision + 1);
    await b.close();
  });

  void it('keeps every acknowledged write after kill -9', async () => {
    const path = freshPath();
    const script = `
      import { openSqliteBackend } from ${JSON.stringify(moduleUrl)};
      const b = await openSqliteBackend({ path: ${JSON.stringify(path)}, autoCompaction: false });
      console.log('ready');
      let n = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (;;) {
          const key = '/kill/' + String(n++);
          const r = await b.create(key, new TextEncoder().encode(key));
          console.log('ack ' + key + ' ' + String(r.revision));
        }
      }));`;
    const { child, lines } = spawnNode(script);
    const acked = new Map<string, number>();
    for (;;) {
      const line = await lines.next();
      if (line.done === true) throw new Error('child ended early');
      const m = /^ack (\S+) (\d+)$/.exec(line.value);
      if (m !== null) acked.set(m[1] ?? '', Number(m[2]));
      if (acked.size >= 300) break;
    }
    child.kill('SIGKILL');
    await waitExit(child);
    // Lines the child printed before it died were acknowledged too.
    for (;;) {
      const line = await lines.next();
      if (line.done === true) break;
      const m = /^ack (\S+) (\d+)$/.exec(line.value);
      if (m !== null) acked.set(m[1] ?? '', Number(m[2]));
    }
    const b = await openSqliteBackend({ path, autoCompaction: false });
    try {
      for (const [key, rev] of acked) {
        const kv = (await b.get(key)).kv;
        assert.equal(kv?.modRevision, rev, key);
        assert.equal(dec(kv.value), key);
      }
      assert.ok((await b.currentRevision()) >= Math.max(...acked.values()));
    } finally {
      await b.close();
    }
  });

  void it('refuses a file another process holds, naming it', async () => {
    const path = freshPath();
    const script = `
      import { openSqliteBackend } from ${JSON.stringify(moduleUrl)};
      await openSqliteBackend({ path: ${JSON.stringify(path)}, autoCompaction: false });
      console.log('ready');
      setInterval(() => {}, 1000);`;
    const { child, lines } = spawnNode(script);
    assert.equal((await lines.next()).value, 'ready');
    const err = await rejectsWith(openSqliteBackend({ path }), 'Locked');
    assert.match(err.message, new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.match(err.message, /another Skiff process/);
    child.kill('SIGKILL');
    await waitExit(child);
    // The kernel released the dead process's lock.
    const b = await openSqliteBackend({ path, autoCompaction: false });
    // A second open in this process is refused as well.
    await rejectsWith(openSqliteBackend({ path }), 'Locked');
    await b.close();
  });

  void it('reports a file that is not a SQLite database clearly', async () => {
    const path = freshPath();
    await withBackend({}, () => Promise.resolve()); // makes sure the parent dir logic runs
    const dir = join(path, '..');
    rmSync(dir, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(dir, { recursive: true });
    writeFileSync(path, 'this is not a database, just some text '.repeat(200));
    const err = await rejectsWith(openSqliteBackend({ path }), 'Corrupt');
    assert.match(err.message, /not a valid Skiff SQLite data file/);
    // Someone else's SQLite database is refused too, and left untouched.
    rmSync(path);
    const { default: Database } = await import('better-sqlite3');
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    foreign.close();
    await rejectsWith(openSqliteBackend({ path }), 'Corrupt');
    const check = new Database(path, { readonly: true });
    const tables = check
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all();
    check.close();
    assert.deepEqual(tables, ['notes']);
    // The failed opens released their lock: a good file at the same path opens.
    rmSync(path, { force: true });
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    const b = await openSqliteBackend({ path, autoCompaction: false });
    await b.close();
  });
});
