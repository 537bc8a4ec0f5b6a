/**
 * `skiff server --simulated-nodes N` in process (from source, as tests run it): the simulated
 * node pool runs on a worker thread (component-worker.ts) and its nodes register, heartbeat and
 * run pods; stopping the server ends the worker. The built program's path (dist/cmd/main.js as
 * the worker) is covered by the e2e tests that start `./skiff up --simulated-nodes`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runServer } from './server.ts';

const run = promisify(execFile);

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'skiff-component-worker-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    timeout: 30_000,
  });
  return stdout;
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('simulated node pool on a worker thread', () => {
  it('registers Ready nodes that run pods, and ends with the server', async () => {
    const dataDir = join(root, 'data');
    const stop = new AbortController();
    const out: string[] = [];
    const err: string[] = [];
    let ready: () => void = () => undefined;
    const listening = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const exit = runServer(
      {
        dataDir,
        bindAddress: '127.0.0.1',
        port: 0,
        datastoreEndpoint: 'memory://',
        simulatedNodes: 2,
      },
      {
        verb: 'server',
        signal: stop.signal,
        io: {
          out: (line) => {
            out.push(line);
            if (line.startsWith('Kubeconfig written to')) ready();
          },
          err: (line) => {
            err.push(line);
          },
        },
      },
    );
    const kubeconfig = join(dataDir, 'kubeconfig.yaml');
    try {
      await listening;
      await until('two Ready nodes', async () => {
        const ready = await kubectl(
          kubeconfig,
          'get',
          'nodes',
          '-o',
          'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
        );
        return ready.trim().split('\n').sort().join(',') === 'sim-node-0=True,sim-node-1=True';
      });
      await kubectl(kubeconfig, 'run', 'p', '--image', 'nginx', '--restart', 'Never');
      await until('pod p Running on a simulated node', async () => {
        const got = await kubectl(
          kubeconfig,
          'get',
          'pod',
          'p',
          '-o',
          'jsonpath={.status.phase} {.spec.nodeName}',
        );
        return /^Running sim-node-[01]$/.test(got);
      });
    } finally {
      stop.abort();
    }
    assert.equal(await exit, 0);
    assert.deepEqual(err, []);
  });
});
