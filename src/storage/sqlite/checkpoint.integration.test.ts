/**
 * WAL checkpoints off the event loop (inline-writer.ts, checkpoint-worker.ts), on real files in a
 * mkdtemp dir: checkpoints run on the worker, the WAL stays bounded and restarts, acknowledged
 * writes survive close and kill -9 during constant checkpointing, and a worker that cannot start
 * falls back to SQLite's own checkpoints. A small `walAutocheckpointPages` (100 pages) makes a
 * few MB of writes cross the threshold many times.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { CheckpointWorker } from './checkpoint-worker.ts';
import type { CheckpointOutcome } from './checkpoint-worker.ts';
import { openSqliteBackend } from './index.ts';
import type { SqliteBackend, SqliteBackendOptions } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'skiff-sqlite-ckpt-'));
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const moduleUrl = new URL('./index.ts', import.meta.url).href;
const children = new Set<ChildProcess>();
let counter = 0;

/** Every backend a test opened: closed (idempotent) even when an assertion failed first. */
const opened: SqliteBackend[] = [];

after(async () => {
  await Promise.allSettled(opened.map((b) => b.close()));
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const DUE_PAGES = 100;
/** A WAL frame: a 24-byte header and a 4096-byte page; the file has a 32-byte header. */
const frameBytes = (frames: number): number => 32 + frames * (24 + 4096);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function freshPath(): string {
  counter++;
  return join(root, `case-${String(counter)}`, 'skiff.db');
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** ~1 KiB values that name their key, so a read checks both. */
function valueFor(key: string): Uint8Array {
  return enc(`${key}|${'v'.repeat(1000)}`);
}

/**
 * Writes `total` keys from 32 concurrent callers; returns the revision each was acknowledged at
 * and the WAL's largest size seen after any acknowledgement.
 */
async function writeMany(
  b: SqliteBackend,
  prefix: string,
  total: number,
): Promise<{ acked: Map<string, number>; maxWalBytes: number }> {
  const acked = new Map<string, number>();
  let maxWalBytes = 0;
  let n = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (n < total) {
        const key = `${prefix}/${String(n++)}`;
        const r = await b.create(key, valueFor(key));
        assert.ok(r.succeeded);
        acked.set(key, r.revision);
        maxWalBytes = Math.max(maxWalBytes, fileSize(`${b.path}-wal`));
      }
    }),
  );
  return { acked, maxWalBytes };
}

async function assertAllReadable(b: SqliteBackend, acked: Map<string, number>): Promise<void> {
  for (const [key, rev] of acked) {
    const kv = (await b.get(key)).kv;
    assert.equal(kv?.modRevision, rev, key);
    assert.equal(dec(kv.value), dec(valueFor(key)), key);
  }
}

async function open(
  path: string,
  opts: Partial<SqliteBackendOptions> = {},
): Promise<SqliteBackend> {
  const b = await openSqliteBackend({
    path,
    autoCompaction: false,
    walAutocheckpointPages: DUE_PAGES,
    ...opts,
  });
  opened.push(b);
  return b;
}

void describe('sqlite WAL checkpoints on a worker thread', () => {
  void it('checkpoints on the worker, keeps the WAL bounded, and keeps every acknowledged write', async () => {
    const path = freshPath();
    const errors: string[] = [];
    let b = await open(path, { onCheckpointError: (m) => errors.push(m) });
    // Nothing written yet: the worker has not started (an idle store pays nothing).
    assert.equal(b.stats().checkpoints.worker, 0);
    // ~8 MiB of values: 20x the threshold.
    const { acked, maxWalBytes } = await writeMany(b, '/ckpt', 8000);
    const c = b.stats().checkpoints;
    assert.deepEqual(errors, []);
    assert.equal(c.fallback, undefined);
    assert.ok(c.worker >= 5, `worker checkpoints: ${JSON.stringify(c)}`);
    assert.ok(c.workerPages >= 10 * DUE_PAGES, `pages copied: ${JSON.stringify(c)}`);
    // The WAL restarted from its beginning (writes held for a final checkpoint), so it never
    // reached the hard limit where the writer checkpoints on its own thread.
    assert.ok(c.restarts >= 1, `restarts: ${JSON.stringify(c)}`);
    assert.equal(c.inline, 0);
    assert.ok(c.maxWalPages < 10 * DUE_PAGES, `largest WAL: ${JSON.stringify(c)}`);
    // The file is bounded too: restart mark (4x) plus at most one batch's pages.
    assert.ok(
      maxWalBytes <= frameBytes(10 * DUE_PAGES),
      `WAL file reached ${String(maxWalBytes)} bytes after 8 MiB of writes`,
    );
    // Compaction's explicit PASSIVE + TRUNCATE checkpoints still work beside the worker.
    // (Compacting past an update deletes the row it superseded, which makes compaction run them.)
    const first = await b.update('/ckpt/0', valueFor('/ckpt/0'), acked.get('/ckpt/0') ?? 0);
    const updated = await b.update('/ckpt/0', valueFor('/ckpt/0'), first.revision);
    acked.set('/ckpt/0', updated.revision);
    const compacted = await b.compact(updated.revision);
    assert.equal(compacted.compactedRevision, updated.revision);
    assert.equal(fileSize(`${path}-wal`), 0, 'TRUNCATE emptied the WAL');
    await b.close();
    b = await open(path);
    try {
      await assertAllReadable(b, acked);
      assert.equal(await b.currentRevision(), updated.revision);
    } finally {
      await b.close();
    }
  });

  void it('keeps every acknowledged write after kill -9 while the worker checkpoints', async () => {
    const path = freshPath();
    // The child writes as fast as it can with a tiny threshold (50 pages: a checkpoint is due
    // every few batches), so checkpoints run nearly all the time; it reports its checkpoint
    // count with each acknowledgement.
    const script = `
      import { openSqliteBackend } from ${JSON.stringify(moduleUrl)};
      const b = await openSqliteBackend({
        path: ${JSON.stringify(path)}, autoCompaction: false, walAutocheckpointPages: 50,
      });
      let n = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        for (;;) {
          const key = '/kill/' + String(n++);
          const r = await b.create(key, new TextEncoder().encode(key + '|' + 'v'.repeat(1000)));
          const c = b.stats().checkpoints;
          console.log('ack ' + key + ' ' + String(r.revision) + ' ' + String(c.worker + c.restarts));
        }
      }));`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.add(child);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const acked = new Map<string, number>();
    const record = (line: string): number => {
      const m = /^ack (\S+) (\d+) (\d+)$/.exec(line);
      if (m === null) return 0;
      acked.set(m[1] ?? '', Number(m[2]));
      return Number(m[3]);
    };
    for (;;) {
      const line = await lines.next();
      if (line.done === true) throw new Error('child ended early');
      // Several checkpoints done, one most likely running: kill.
      if (record(line.value) >= 8 && acked.size >= 2000) break;
    }
    assert.ok(child.pid !== undefined);
    process.kill(child.pid, 'SIGKILL');
    await exited;
    children.delete(child);
    for (;;) {
      const line = await lines.next();
      if (line.done === true) break;
      record(line.value);
    }
    const b = await open(path);
    try {
      for (const [key, rev] of acked) {
        const kv = (await b.get(key)).kv;
        assert.equal(kv?.modRevision, rev, key);
        assert.equal(dec(kv.value), `${key}|${'v'.repeat(1000)}`);
      }
      assert.ok((await b.currentRevision()) >= Math.max(...acked.values()));
    } finally {
      await b.close();
    }
  });

  void it('falls back to checkpoints on the writer when the worker cannot start', async () => {
    const path = freshPath();
    const errors: string[] = [];
    let b = await open(path, {
      onCheckpointError: (m) => errors.push(m),
      checkpointWorkerFactory: () =>
        new Worker('throw new Error("no thread for you")', { eval: true, execArgv: [] }),
    });
    const { acked, maxWalBytes } = await writeMany(b, '/fallback', 4000);
    const c = b.stats().checkpoints;
    assert.match(c.fallback ?? '', /no thread for you/);
    assert.equal(c.worker, 0);
    // Reported once, however many checkpoints were due afterwards.
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /fall back to the writer's thread/);
    // SQLite's automatic checkpoints took over: the WAL stays bounded. Until the worker's
    // failure is seen (its thread boots first: slow on a loaded machine) nothing checkpoints
    // but the hard limit, which the writer checks between batches: 10x the threshold plus at
    // most one batch (32 writes of ~1 KiB, well under 100 pages).
    assert.ok(
      maxWalBytes <= frameBytes(10 * DUE_PAGES + 100),
      `WAL file reached ${String(maxWalBytes)} bytes`,
    );
    await b.close();
    b = await open(path);
    try {
      await assertAllReadable(b, acked);
    } finally {
      await b.close();
    }
  });

  void it('falls back as well when starting the thread throws', async () => {
    const path = freshPath();
    const b = await open(path, {
      checkpointWorkerFactory: () => {
        throw new Error('too many threads');
      },
    });
    try {
      const { acked } = await writeMany(b, '/throws', 1500);
      assert.match(b.stats().checkpoints.fallback ?? '', /too many threads/);
      await assertAllReadable(b, acked);
    } finally {
      await b.close();
    }
  });

  void it("'inline' keeps SQLite's automatic checkpoints and starts no worker", async () => {
    const path = freshPath();
    let started = 0;
    const b = await open(path, {
      checkpoints: 'inline',
      checkpointWorkerFactory: () => {
        started++;
        throw new Error('not expected');
      },
    });
    try {
      const { maxWalBytes } = await writeMany(b, '/inline', 1500);
      assert.equal(started, 0);
      assert.equal(b.stats().checkpoints.fallback, undefined);
      assert.ok(maxWalBytes <= frameBytes(4 * DUE_PAGES), `WAL reached ${String(maxWalBytes)}`);
    } finally {
      await b.close();
    }
  });

  void it('ends an idle checkpoint thread and starts a new one at the next checkpoint', async () => {
    const path = freshPath();
    const b = await open(path, { checkpoints: 'inline', walAutocheckpointPages: 100_000 });
    const outcomes: CheckpointOutcome[] = [];
    const dead: string[] = [];
    const cp = new CheckpointWorker(
      path,
      {
        onDone: (o) => outcomes.push(o),
        onFailed: (m) => dead.push(`failed: ${m}`),
        onDead: (m) => dead.push(m),
      },
      undefined,
      50,
    );
    try {
      await writeMany(b, '/retire', 300);
      assert.equal(cp.started, false, 'lazy: no thread before the first checkpoint');
      assert.equal(cp.request(), true);
      assert.equal(cp.request(), false, 'one checkpoint in flight at most');
      await cp.idle();
      assert.equal(outcomes.length, 1);
      assert.ok((outcomes[0]?.checkpointed ?? 0) > 0, JSON.stringify(outcomes));
      assert.equal(cp.started, true);
      const deadline = Date.now() + 5000;
      const started = (): boolean => cp.started;
      while (started() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(started(), false, 'retired after 50 ms idle');
      await writeMany(b, '/retire2', 300);
      assert.equal(cp.request(), true);
      await cp.idle();
      assert.equal(outcomes.length, 2);
      assert.equal(cp.unavailable, false);
      assert.deepEqual(dead, []);
    } finally {
      await cp.stop();
      await b.close();
    }
    assert.equal(cp.request(), false, 'stopped');
  });
});
