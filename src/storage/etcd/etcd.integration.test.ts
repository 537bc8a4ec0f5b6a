/**
 * The etcd driver against real etcd processes on loopback: one shared single-member server for
 * the driver and conformance tests (each test gets its own key prefix), plus short-lived
 * servers for the cluster-failover, TLS and unreachable cases.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ConnectionPool } from 'etcd3/lib/connection-pool.js';
import type { Backend, BackendWatchMessage } from '../backend.ts';
import { isStorageError } from '../errors.ts';
import { Store } from '../store.ts';
import { runBackendConformance, runStorageConformance } from '../testing/index.ts';
import { openEtcdBackend, startEtcd, startEtcdCluster } from './index.ts';
import type { EtcdBackendOptions, EtcdProcess } from './index.ts';

const run = promisify(execFile);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

let server: EtcdProcess;
let prefixCounter = 0;

before(async () => {
  server = await startEtcd();
});
after(async () => {
  await server.stop();
});

async function open(extra: Partial<EtcdBackendOptions> = {}): Promise<Backend> {
  prefixCounter++;
  return openEtcdBackend({
    endpoints: [server.endpoint],
    keyPrefix: `/t${String(process.pid)}-${String(prefixCounter)}`,
    dialTimeoutMs: 2000,
    ...extra,
  });
}

async function withBackend(
  fn: (b: Backend) => Promise<void>,
  extra: Partial<EtcdBackendOptions> = {},
): Promise<void> {
  const b = await open(extra);
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

/** Reads the next message or fails after `ms`. */
async function nextWithin(
  it: AsyncIterator<BackendWatchMessage>,
  ms = 3000,
): Promise<BackendWatchMessage> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no watch message within ${String(ms)} ms`));
    }, ms);
  });
  try {
    const r = await Promise.race([it.next(), timeout]);
    if (r.done === true) assert.fail('watch ended unexpectedly');
    return r.value;
  } finally {
    clearTimeout(timer);
  }
}

describe('etcd backend (driver specifics)', () => {
  it('creates, updates and deletes with etcd revisions and conditional semantics', () =>
    withBackend(async (b) => {
      const r0 = await b.currentRevision();
      const c = await b.create('/registry/pods/ns/a', enc('v1'));
      assert.ok(c.succeeded);
      assert.equal(c.revision, r0 + 1);
      const dup = await b.create('/registry/pods/ns/a', enc('other'));
      assert.ok(!dup.succeeded && dup.current !== undefined);
      assert.equal(dec(dup.current.value), 'v1');
      assert.equal(dup.current.key, '/registry/pods/ns/a');

      const stale = await b.update('/registry/pods/ns/a', enc('v2'), c.revision - 1);
      assert.ok(!stale.succeeded);
      assert.equal(stale.current?.modRevision, c.revision);
      const u = await b.update('/registry/pods/ns/a', enc('v2'), c.revision);
      assert.ok(u.succeeded);
      assert.equal(u.revision, c.revision + 1);
      assert.equal(u.prevKv === undefined ? '' : dec(u.prevKv.value), 'v1');

      const g = await b.get('/registry/pods/ns/a');
      assert.deepEqual(g.kv, {
        key: '/registry/pods/ns/a',
        value: enc('v2'),
        createRevision: c.revision,
        modRevision: u.revision,
      });
      const old = await b.get('/registry/pods/ns/a', c.revision);
      assert.equal(old.revision, c.revision);
      assert.equal(old.kv === undefined ? '' : dec(old.kv.value), 'v1');

      const badDel = await b.delete('/registry/pods/ns/a', c.revision);
      assert.ok(!badDel.succeeded);
      const d = await b.delete('/registry/pods/ns/a', u.revision);
      assert.ok(d.succeeded);
      assert.equal(d.revision, u.revision + 1);
      assert.equal(d.prevKv === undefined ? '' : dec(d.prevKv.value), 'v2');
      const missing = await b.delete('/registry/pods/ns/a');
      assert.deepEqual(missing, { succeeded: false, revision: d.revision });
    }));

  it('ranges with limit, startKey, remaining and past revisions; counts', () =>
    withBackend(async (b) => {
      for (const n of ['a', 'b', 'c', 'd', 'e']) await b.create(`/registry/x/${n}`, enc(n));
      await b.create('/registry/xy', enc('outside'));
      const rev = await b.currentRevision();
      const p1 = await b.range({ prefix: '/registry/x/', limit: 2 });
      assert.deepEqual(
        p1.kvs.map((kv) => kv.key),
        ['/registry/x/a', '/registry/x/b'],
      );
      assert.equal(p1.more, true);
      assert.equal(p1.remaining, 3);
      assert.equal(p1.revision, rev);
      await b.create('/registry/x/f', enc('f'));
      const p2 = await b.range({
        prefix: '/registry/x/',
        startKey: '/registry/x/b\0',
        limit: 2,
        revision: rev,
      });
      assert.deepEqual(
        p2.kvs.map((kv) => kv.key),
        ['/registry/x/c', '/registry/x/d'],
      );
      assert.equal(p2.remaining, 1);
      assert.equal(p2.revision, rev);
      const all = await b.range({ prefix: '/registry/x/' });
      assert.equal(all.kvs.length, 6);
      assert.equal(all.more, false);
      assert.equal(all.remaining, 0);
      assert.equal(await b.count('/registry/x/'), 6);
    }));

  it('reports compaction from reads, watches and compactedRevision()', () =>
    withBackend(async (b) => {
      const c = await b.create('/registry/c/k', enc('1'));
      assert.ok(c.succeeded);
      const u = await b.update('/registry/c/k', enc('2'), c.revision);
      assert.ok(u.succeeded);
      // Other tests share the server; compact only to our own revision.
      const res = await b.compact(u.revision);
      assert.ok(res.compactedRevision >= u.revision);
      assert.ok((await b.compactedRevision()) >= u.revision);
      await assert.rejects(b.get('/registry/c/k', c.revision), (err: unknown) => {
        assert.ok(isStorageError(err, 'Compacted'));
        assert.equal(err.revision, c.revision);
        assert.ok((err.currentRevision ?? 0) >= u.revision);
        return true;
      });
      // Compacting to an older revision is a no-op.
      const again = await b.compact(c.revision);
      assert.ok(again.compactedRevision >= u.revision);
      const ac = new AbortController();
      const it = b.watch('/registry/c/', c.revision, { signal: ac.signal })[Symbol.asyncIterator]();
      await assert.rejects(nextWithin(it), (err: unknown) => isStorageError(err, 'Compacted'));
      ac.abort();
      await assert.rejects(
        b.range({ prefix: '/registry/c/', revision: (await b.currentRevision()) + 100 }),
        (err: unknown) => isStorageError(err, 'TooLargeResourceVersion'),
      );
    }));

  it('watches with prevKv, delete events and batches, and stops on abort', () =>
    withBackend(async (b) => {
      const start = (await b.currentRevision()) + 1;
      const ac = new AbortController();
      const it = b.watch('/registry/w/', start, { signal: ac.signal })[Symbol.asyncIterator]();
      const c = await b.create('/registry/w/a', enc('1'));
      assert.ok(c.succeeded);
      const u = await b.update('/registry/w/a', enc('2'), c.revision);
      assert.ok(u.succeeded);
      await b.create('/registry/wx', enc('not under the prefix'));
      const d = await b.delete('/registry/w/a');
      assert.ok(d.succeeded);
      const events = [];
      while (events.length < 3) {
        const m = await nextWithin(it);
        if (m.kind === 'events') events.push(...m.events);
      }
      assert.deepEqual(
        events.map((e) => [e.type, e.kv.modRevision]),
        [
          ['put', c.revision],
          ['put', u.revision],
          ['delete', d.revision],
        ],
      );
      assert.equal(events[0]?.prevKv, undefined);
      assert.equal(dec(events[1]?.prevKv?.value ?? enc('')), '1');
      const del = events[2];
      assert.deepEqual(del?.kv, {
        key: '/registry/w/a',
        value: new Uint8Array(0),
        createRevision: 0,
        modRevision: d.revision,
      });
      assert.equal(dec(del.prevKv?.value ?? enc('')), '2');
      ac.abort();
      const end = await it.next();
      assert.equal(end.done, true);
    }));

  it('sends progress messages that follow every event up to their revision', () =>
    withBackend(async (b) => {
      const start = (await b.currentRevision()) + 1;
      const ac = new AbortController();
      const stream = b.watch('/registry/p/', start, { signal: ac.signal, progressNotifyMs: 200 });
      const it = stream[Symbol.asyncIterator]();
      const c = await b.create('/registry/p/a', enc('1'));
      assert.ok(c.succeeded);
      let sawEvent = false;
      for (;;) {
        const m = await nextWithin(it, 3000);
        if (m.kind === 'events') {
          sawEvent = true;
          continue;
        }
        assert.ok(m.revision >= (sawEvent ? c.revision : start - 1));
        if (m.revision >= c.revision) {
          assert.ok(sawEvent, 'progress past an undelivered event');
          break;
        }
      }
      ac.abort();
    }));

  it('ends a watch whose consumer falls behind with TooSlow', () =>
    withBackend(
      async (b) => {
        const start = (await b.currentRevision()) + 1;
        const ac = new AbortController();
        const it = b.watch('/registry/s/', start, { signal: ac.signal })[Symbol.asyncIterator]();
        const first = it.next();
        for (let i = 0; i < 40; i++) await b.create(`/registry/s/k${String(i)}`, enc('x'));
        await first;
        // Nobody reads now. A message that arrives while an earlier one is still queued and the
        // buffer is over its bound ends the watch; etcd may batch events into few responses, so
        // keep writing in separate rounds until that happens.
        for (let i = 40; i < 200; i++) {
          await b.create(`/registry/s/k${String(i)}`, enc('x'));
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
        }
        const drain = (async () => {
          for (;;) {
            const r = await it.next();
            if (r.done === true) return;
          }
        })();
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(() => {
            reject(new Error('the watch neither failed nor ended within 10 s'));
          }, 10_000).unref(),
        );
        await assert.rejects(Promise.race([drain, timeout]), (err: unknown) =>
          isStorageError(err, 'TooSlow'),
        );
        ac.abort();
      },
      { watchBufferEvents: 5 },
    ));

  it('fails after close with Closed and ends open watches', async () => {
    const b = await open();
    const ac = new AbortController();
    const it = b.watch('/registry/z/', 1, { signal: ac.signal })[Symbol.asyncIterator]();
    const pending = it.next();
    await b.close();
    assert.equal((await pending).done, true);
    await assert.rejects(b.get('/registry/z/a'), (err: unknown) => isStorageError(err, 'Closed'));
    await b.close();
  });
});

describe('etcd backend (connectivity)', () => {
  it('fails with Unreachable within the dial timeout when nothing listens', async () => {
    const t0 = Date.now();
    // A port that was free a moment ago: connections are refused.
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const addr = srv.address();
    assert.ok(addr !== null && typeof addr === 'object');
    await new Promise<void>((resolve) =>
      srv.close(() => {
        resolve();
      }),
    );
    await assert.rejects(
      openEtcdBackend({ endpoints: [`http://127.0.0.1:${String(addr.port)}`], dialTimeoutMs: 500 }),
      (err: unknown) => isStorageError(err, 'Unreachable') && err.cause !== undefined,
    );
    assert.ok(Date.now() - t0 < 2500, `took ${String(Date.now() - t0)} ms`);
  });

  it('fails with Unreachable within the dial timeout when the peer never answers', async () => {
    // Accepts TCP connections and never speaks HTTP/2.
    const sockets = new Set<Socket>();
    const srv: Server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const addr = srv.address();
    assert.ok(addr !== null && typeof addr === 'object');
    const t0 = Date.now();
    try {
      await assert.rejects(
        openEtcdBackend({
          endpoints: [`http://127.0.0.1:${String(addr.port)}`],
          dialTimeoutMs: 500,
        }),
        (err: unknown) => isStorageError(err, 'Unreachable'),
      );
      assert.ok(Date.now() - t0 < 2500, `took ${String(Date.now() - t0)} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        srv.close(() => {
          resolve();
        }),
      );
    }
  });

  it('keeps working on a 3-member cluster when the member it uses is killed', async () => {
    const cluster = await startEtcdCluster(3);
    // etcd3 tries hosts from the last one when deterministicOrder is set: put a follower last
    // so that requests and the watch stream start on the member we kill. (Killing the leader
    // would add etcd's own ~7 s server-side request timeout, not something the client controls.)
    const previousOrder = ConnectionPool.deterministicOrder;
    ConnectionPool.deterministicOrder = true;
    try {
      const roles = await Promise.all(
        cluster.endpoints.map(async (e) => {
          const res = await fetch(`${e}/v3/maintenance/status`, { method: 'POST', body: '{}' });
          const st = (await res.json()) as { leader: string; header: { member_id: string } };
          return st.leader === st.header.member_id;
        }),
      );
      const victimIndex = roles.findIndex((isLeader) => !isLeader);
      const victim = cluster.members[victimIndex];
      assert.ok(victim !== undefined);
      const endpoints = [...cluster.endpoints.filter((_, i) => i !== victimIndex), victim.endpoint];
      const b = await openEtcdBackend({ endpoints, dialTimeoutMs: 5000 });
      try {
        const start = (await b.currentRevision()) + 1;
        const ac = new AbortController();
        const it = b.watch('/registry/f/', start, { signal: ac.signal })[Symbol.asyncIterator]();
        const c = await b.create('/registry/f/before', enc('1'));
        assert.ok(c.succeeded);
        const first = await nextWithin(it);
        assert.ok(first.kind === 'events' && first.events[0]?.kv.modRevision === c.revision);
        await victim.stop('SIGKILL');
        const revs: number[] = [];
        for (let i = 0; i < 5; i++) {
          const w = await b.create(`/registry/f/after${String(i)}`, enc('2'));
          assert.ok(w.succeeded);
          revs.push(w.revision);
        }
        assert.equal((await b.range({ prefix: '/registry/f/' })).kvs.length, 6);
        // The watch reconnects to another member and resumes without gaps or duplicates.
        const seen: number[] = [];
        while (seen.length < revs.length) {
          const m = await nextWithin(it, 5000);
          if (m.kind === 'events') seen.push(...m.events.map((e) => e.kv.modRevision));
        }
        assert.deepEqual(seen, revs);
        ac.abort();
      } finally {
        await b.close();
      }
    } finally {
      ConnectionPool.deterministicOrder = previousOrder;
      await cluster.stop();
    }
  });

  it('talks TLS with a CA and client certificates (openssl)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-etcd-tls-'));
    try {
      const f = (n: string): string => join(dir, n);
      const openssl = async (...args: string[]): Promise<void> => {
        await run('openssl', args, { cwd: dir });
      };
      await writeFile(f('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
      await openssl(
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=skiff-test-ca',
        '-keyout',
        f('ca.key'),
        '-out',
        f('ca.crt'),
      );
      for (const name of ['server', 'client']) {
        await openssl(
          'req',
          '-new',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-subj',
          `/CN=${name}`,
          '-keyout',
          f(`${name}.key`),
          '-out',
          f(`${name}.csr`),
        );
        await openssl(
          'x509',
          '-req',
          '-in',
          f(`${name}.csr`),
          '-CA',
          f('ca.crt'),
          '-CAkey',
          f('ca.key'),
          '-CAcreateserial',
          '-days',
          '1',
          '-extfile',
          f('san.cnf'),
          '-out',
          f(`${name}.crt`),
        );
      }
      const tlsServer = await startEtcd({
        tls: { certFile: f('server.crt'), keyFile: f('server.key'), trustedCaFile: f('ca.crt') },
      });
      try {
        assert.match(tlsServer.endpoint, /^https:/);
        const b = await openEtcdBackend({
          endpoints: [tlsServer.endpoint],
          tls: { ca: f('ca.crt'), cert: f('client.crt'), key: f('client.key') },
          dialTimeoutMs: 3000,
        });
        try {
          const c = await b.create('/registry/tls/a', enc('secret'));
          assert.ok(c.succeeded);
          assert.equal(dec((await b.get('/registry/tls/a')).kv?.value ?? enc('')), 'secret');
        } finally {
          await b.close();
        }
        // Without a client certificate the server refuses the handshake.
        await assert.rejects(
          openEtcdBackend({
            endpoints: [tlsServer.endpoint],
            tls: { ca: f('ca.crt') },
            dialTimeoutMs: 500,
          }),
          (err: unknown) => isStorageError(err, 'Unreachable'),
        );
      } finally {
        await tlsServer.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

runBackendConformance(
  'etcd',
  async () => {
    const backend = await open({ watchBufferEvents: 200 });
    return { backend, cleanup: () => backend.close() };
  },
  { progressNotifyMs: 200, watchBufferSize: 200, manyKeys: 1000 },
);

runStorageConformance(
  'etcd',
  async () => {
    const backend = await open();
    const storage = new Store(backend, { progressNotifyMs: 200 });
    return {
      storage,
      cleanup: () => storage.close(),
      rawPut: async (key: string, value: Uint8Array) => {
        const cur = await backend.get(key);
        const resp =
          cur.kv === undefined
            ? await backend.create(key, value)
            : await backend.update(key, value, cur.kv.modRevision);
        assert.ok(resp.succeeded, 'rawPut lost a race');
      },
    };
  },
  { bookmarkWithinMs: 2000 },
);
