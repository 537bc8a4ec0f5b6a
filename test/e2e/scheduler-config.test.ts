/**
 * `./skiff up --simulated-nodes 3 --scheduler-config F` with two profiles, driven by the real
 * kubectl: pods naming the `bin-packer` profile (NodeResourcesFit MostAllocated) are packed onto
 * one node, pods of the default profile spread, a pod naming an unknown scheduler stays Pending
 * untouched; `--node-monitor-grace-period` reaches the node lifecycle controller; and a bad
 * configuration file fails the start at once with its name and the error.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIFF, freePort, type RunResult } from './harness.ts';

const CONFIG = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
        resources:
        - {name: cpu, weight: 1}
        - {name: memory, weight: 1}
`;

/** A pod requesting an eighth of a simulated node (32 CPUs, 256Gi) in cpu and memory alike. */
function pod(name: string, schedulerName?: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      ...(schedulerName === undefined ? {} : { schedulerName }),
      containers: [
        {
          name: 'c',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { cpu: '4', memory: '32Gi' } },
        },
      ],
    },
  });
}

/** Spawns `./skiff <args>` and collects its output; `exited` resolves to the exit code. */
function spawnSkiff(args: string[]): {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const proc = spawn(SKIFF, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      resolve(code);
    });
  });
  return { proc, output: () => output, exited };
}

describe('skiff up --scheduler-config', () => {
  const root = mkdtempSync(join(tmpdir(), 'skiff-e2e-sched-'));
  const dataDir = join(root, 'data');
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  let up: ReturnType<typeof spawnSkiff> | undefined;

  const kubectl = (args: string[], input?: string): Promise<RunResult> =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'kube-cache'), ...args],
        { timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const until = async (what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const nodeOf = async (name: string): Promise<string> =>
    ok(['get', 'pod', name, '-o', 'jsonpath={.spec.nodeName}']);
  /** Creates the pod and waits until it is bound; returns its node. */
  const scheduled = async (name: string, schedulerName?: string): Promise<string> => {
    await ok(['create', '-f', '-'], pod(name, schedulerName));
    let node = '';
    await until(`${name} scheduled`, async () => (node = await nodeOf(name)) !== '');
    return node;
  };

  before(async () => {
    const configFile = join(root, 'scheduler.yaml');
    writeFileSync(configFile, CONFIG);
    up = spawnSkiff([
      'up',
      '--disable-agent',
      '--data-dir',
      dataDir,
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(await freePort()),
      '--simulated-nodes',
      '3',
      '--scheduler-config',
      configFile,
      // Half of upstream's 40s: the last test sees a stopped node marked sooner than that.
      '--node-monitor-grace-period',
      '20s',
    ]);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (up.proc.exitCode !== null) assert.fail(`skiff up exited:\n${up.output()}`);
      if (existsSync(kubeconfig)) {
        const r = await kubectl(['get', '--raw', '/readyz']);
        if (r.code === 0 && r.stdout.trim() === 'ok') break;
      }
      if (Date.now() > deadline) assert.fail(`skiff up did not become ready:\n${up.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await until('three Ready nodes', async () => {
      const out = await ok(['get', 'nodes', '--no-headers']);
      return out.split('\n').filter((l) => / Ready /.test(l)).length === 3;
    });
  });

  after(async () => {
    if (up !== undefined && up.proc.exitCode === null) {
      const t = setTimeout(() => up?.proc.kill('SIGKILL'), 10_000);
      up.proc.kill('SIGTERM');
      await up.exited;
      clearTimeout(t);
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('packs the pods of the bin-packer profile onto one node', async () => {
    const first = await scheduled('packed-0', 'bin-packer');
    assert.equal(await scheduled('packed-1', 'bin-packer'), first);
    assert.equal(await scheduled('packed-2', 'bin-packer'), first);
    // The profile records its events under its own name, as upstream.
    await until('the Scheduled event of packed-0', async () =>
      (
        await ok([
          'get',
          'events',
          '--field-selector',
          'involvedObject.name=packed-0,reason=Scheduled',
          '-o',
          'jsonpath={.items[*].source.component}',
        ])
      ).includes('bin-packer'),
    );
  });

  it('spreads the pods of the default profile (LeastAllocated)', async () => {
    const a = await scheduled('spread-0');
    const b = await scheduled('spread-1');
    assert.notEqual(a, b);
  });

  it('leaves a pod naming an unknown scheduler Pending, without events', async () => {
    await ok(['create', '-f', '-'], pod('orphan', 'no-such-scheduler'));
    // Scheduled pods created after it prove the scheduler has seen it by now.
    await scheduled('after-orphan', 'bin-packer');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await nodeOf('orphan'), '');
    assert.equal(await ok(['get', 'pod', 'orphan', '-o', 'jsonpath={.status.phase}']), 'Pending');
    assert.equal(
      (
        await ok([
          'get',
          'events',
          '--field-selector',
          'involvedObject.name=orphan',
          '-o',
          'jsonpath={.items[*].reason}',
        ])
      ).trim(),
      '',
    );
  });

  it('marks a stopped node unreachable after --node-monitor-grace-period, not the 50 s default', async () => {
    await ok(['annotate', 'node', 'sim-node-2', 'skiff.dev/simulated-stopped=true']);
    const start = Date.now();
    await until(
      'sim-node-2 Ready=Unknown',
      async () =>
        (await ok([
          'get',
          'node',
          'sim-node-2',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ])) === 'Unknown',
      60_000,
    );
    // At most the 20s grace + the 5s monitor period; with upstream's 40s it takes at least 30s
    // (the last lease renewal before the stop is at most 10s old).
    assert.ok(Date.now() - start < 29_000, `took ${String(Date.now() - start)} ms`);
  });

  it('fails the start at once on a bad configuration file, naming it and the error', async () => {
    const bad = join(root, 'bad.yaml');
    writeFileSync(
      bad,
      `${CONFIG}  - name: DefaultPreemption\n    args: {minCandidateNodesPercentage: 101}\n`,
    );
    const s = spawnSkiff([
      'up',
      '--disable-agent',
      '--data-dir',
      join(root, 'bad-data'),
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(await freePort()),
      '--scheduler-config',
      bad,
    ]);
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 60_000);
    const code = await s.exited;
    clearTimeout(t);
    assert.equal(code, 1, s.output());
    assert.match(
      s.output(),
      new RegExp(
        `skiff up: error: --scheduler-config ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: profiles\\[1\\]\\.pluginConfig\\[1\\]\\.args\\.minCandidateNodesPercentage: Invalid value: 101: not in valid range \\[0, 100\\]`,
      ),
    );
    // Nothing started: no API server line.
    assert.doesNotMatch(s.output(), /listening on/);

    // Unknown fields are refused too.
    const unknown = join(root, 'unknown.yaml');
    writeFileSync(unknown, `${CONFIG}podMaxBackoff: 3\n`);
    const u = spawnSkiff([
      'up',
      '--disable-agent',
      '--scheduler-config',
      unknown,
      '--data-dir',
      join(root, 'u'),
    ]);
    assert.equal(await u.exited, 1, u.output());
    assert.match(u.output(), /strict decoding error: unknown field "podMaxBackoff"/);
  });
});
