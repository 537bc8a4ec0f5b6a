/**
 * Durability of acknowledged writes (issue 3 §6): 50 clients create ConfigMaps as fast as they
 * can against `./skiff server` on the default SQLite datastore; in the middle of the load the
 * server is killed with SIGKILL (by PID); a new server is started on the same data dir; every
 * create that was acknowledged (HTTP 201) must exist with the exact resourceVersion and uid the
 * 201 returned, and no object may exist twice.
 *
 * The harness always makes a fresh data dir, so this file starts the servers itself (same
 * command line as the harness) to restart on the same dir. Every process is stopped by PID and
 * the data dir removed in `after`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIFF, freePort } from './harness.ts';
import { apiClient, jsonOf, type ApiClient } from './https-client.ts';

const CLIENTS = 50;
/** Load runs this long in total; the kill comes half-way. */
const LOAD_MS = 3000;
const START_TIMEOUT_MS = 120_000;
/** Fewer acknowledged creates than this and the test proves little (a loaded 2-core box does ~100/s). */
const MIN_ACKS = 20;

interface Server {
  proc: ChildProcess;
  port: number;
  kubeconfig: string;
  output: () => string;
}

/** Spawns `./skiff server` on `dataDir` and waits until /readyz answers 200 with the admin cert. */
async function startOn(dataDir: string): Promise<Server> {
  const port = await freePort();
  const proc = spawn(
    SKIFF,
    ['server', '--data-dir', dataDir, '--bind-address', '127.0.0.1', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const server: Server = {
    proc,
    port,
    kubeconfig: join(dataDir, 'kubeconfig.yaml'),
    output: () => out,
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  // The kubeconfig is rewritten with the new port once the server listens.
  while (!out.includes(`:${String(port)}`) || !out.includes('Kubeconfig written to')) {
    if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
      await stopProc(proc);
      throw new Error(`skiff server did not start (exit ${String(proc.exitCode)}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const c = apiClient(server.kubeconfig, 1);
  try {
    const ready = await c.request({ method: 'GET', path: '/readyz' });
    assert.equal(ready.status, 200, `not ready: ${ready.body.toString('utf8')}`);
  } finally {
    c.close();
  }
  return server;
}

/** Ends `proc` by PID: SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
async function stopProc(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

interface Ack {
  name: string;
  uid: string;
  resourceVersion: string;
}

describe('durability: kill -9 under create load (sqlite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-durability-'));
  const procs: ChildProcess[] = [];
  const clients: ApiClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const p of procs) await stopProc(p);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged ConfigMap with its resourceVersion across a SIGKILL', async (t) => {
    const first = await startOn(dataDir);
    procs.push(first.proc);
    const client = apiClient(first.kubeconfig, CLIENTS);
    clients.push(client);

    const acks: Ack[] = [];
    let killed = false;
    // A function, not a read of the variable, so the checks after each await are not narrowed.
    const isKilled = (): boolean => killed;
    let errorsBeforeKill = 0;
    let failedAfterKill = 0;
    const worker = async (w: number): Promise<void> => {
      for (let n = 0; !isKilled(); n++) {
        const name = `dur-${String(w)}-${String(n)}`;
        try {
          const a = await client.request({
            method: 'POST',
            path: '/api/v1/namespaces/default/configmaps',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name },
              data: { worker: String(w), n: String(n) },
            }),
            timeoutMs: 5000,
          });
          if (a.status === 201) {
            const obj = jsonOf(a) as {
              metadata: { name: string; uid: string; resourceVersion: string };
            };
            acks.push({
              name: obj.metadata.name,
              uid: obj.metadata.uid,
              resourceVersion: obj.metadata.resourceVersion,
            });
          } else if (!isKilled()) {
            errorsBeforeKill++;
          }
        } catch {
          // The server died under this request: it was never acknowledged.
          if (!isKilled()) {
            errorsBeforeKill++;
            continue;
          }
          failedAfterKill++;
          return;
        }
      }
    };
    const started = Date.now();
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, w) => worker(w)));
    // Half the load time after the first acknowledgement (50 TLS handshakes come first).
    while (acks.length === 0 && Date.now() - started < 30_000) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, LOAD_MS / 2));
    const pid = first.proc.pid;
    assert.ok(pid !== undefined);
    const exited = new Promise((r) => first.proc.once('exit', r));
    process.kill(pid, 'SIGKILL');
    killed = true;
    await exited;
    const acked = acks.length;
    await load;
    t.diagnostic(
      `${String(acked)} creates acknowledged in ${String(Date.now() - started)} ms before SIGKILL of pid ${String(pid)}; ${String(failedAfterKill)} in flight at the kill; ${String(errorsBeforeKill)} errors before it`,
    );
    assert.equal(errorsBeforeKill, 0, 'creates failed before the kill');
    assert.ok(acked >= MIN_ACKS, `only ${String(acked)} creates acknowledged before the kill`);
    client.close();

    const second = await startOn(dataDir);
    procs.push(second.proc);
    const c2 = apiClient(second.kubeconfig, 4);
    clients.push(c2);
    const list = await c2.request({ method: 'GET', path: '/api/v1/namespaces/default/configmaps' });
    assert.equal(list.status, 200, list.body.toString('utf8'));
    const items = (
      jsonOf(list) as {
        items: { metadata: { name: string; uid: string; resourceVersion: string } }[];
      }
    ).items;
    const byName = new Map<string, Ack>();
    const uids = new Set<string>();
    for (const it of items) {
      assert.ok(!byName.has(it.metadata.name), `ConfigMap ${it.metadata.name} listed twice`);
      assert.ok(!uids.has(it.metadata.uid), `uid ${it.metadata.uid} listed twice`);
      byName.set(it.metadata.name, it.metadata);
      uids.add(it.metadata.uid);
    }
    const lost = acks.filter((a) => !byName.has(a.name)).map((a) => a.name);
    assert.deepEqual(lost.slice(0, 20), [], `${String(lost.length)} acknowledged creates lost`);
    const changed = acks
      .filter((a) => {
        const got = byName.get(a.name);
        return got?.resourceVersion !== a.resourceVersion || got.uid !== a.uid;
      })
      .map(
        (a) =>
          `${a.name}: acked rv ${a.resourceVersion} uid ${a.uid}, found ${JSON.stringify(byName.get(a.name))}`,
      );
    assert.deepEqual(changed.slice(0, 20), [], `${String(changed.length)} objects differ`);
    // Every acknowledged object is also readable by name at its resourceVersion.
    const sample = acks.slice(-10);
    for (const a of sample) {
      const g = await c2.request({
        method: 'GET',
        path: `/api/v1/namespaces/default/configmaps/${a.name}`,
      });
      assert.equal(g.status, 200);
      assert.equal(
        (jsonOf(g) as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
        a.resourceVersion,
      );
    }
    t.diagnostic(
      `${String(items.length)} ConfigMaps after restart (${String(items.length - acked)} unacknowledged creates survived)`,
    );
  });
});
