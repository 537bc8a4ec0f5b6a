/**
 * `skiff agent` joins a real node to a `skiff server` (issue 7): the server runs no node of its
 * own (only `up` does), the agent runs the real kubelet on this machine with a client
 * certificate from its bootstrap-token CSR (`system:node:<name>`) and a serving certificate from
 * a kubelet-serving CSR that the server's approver accepts for the Node's own addresses. The
 * real kubectl sees the Node Ready with a podCIDR and both CSRs Approved,Issued; a busybox pod
 * runs on it; `kubectl logs` and `exec` reach the agent's kubelet through the API server (which
 * verifies the kubelet's serving certificate against the cluster CA); the agent stops on
 * SIGTERM and, restarted without `--token`, reuses both certificates and the Node is Ready
 * again. Needs root and the Debian tools (runc, umoci, busybox-static, socat); skipped with the
 * reason otherwise. Every pod is deleted while the kubelet runs; the processes are stopped by
 * PID; the bridge and kubepods cgroups this test made and its directories are removed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxLayout } from '../../src/kubelet/images/fixtures.ts';
import { SKIFF, startSkiffServer, type RunResult, type SkiffServer } from './harness.ts';
import { claimNodeHost, nodeTestSkipReason, runTool, type NodeHostClaim } from './node-host.ts';

const IMAGE = 'skiff.test/busybox:busybox';
const NODE = 'e2e-agent-node';

interface Agent {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number>;
}

function startAgent(args: string[]): Agent {
  const proc = spawn(SKIFF, ['agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => {
    proc.once('exit', (code, signal) => {
      resolve(code ?? (signal === null ? 1 : 128));
    });
  });
  return { proc, output: () => out, exited };
}

/** SIGTERM (SIGKILL after 20 s) by PID; resolves the exit code. */
async function stopAgent(agent: Agent | undefined): Promise<number | undefined> {
  if (agent === undefined) return undefined;
  if (agent.proc.exitCode === null && agent.proc.signalCode === null) {
    agent.proc.kill('SIGTERM');
    const t = setTimeout(() => agent.proc.kill('SIGKILL'), 20_000);
    const code = await agent.exited;
    clearTimeout(t);
    return code;
  }
  return agent.exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const skip = nodeTestSkipReason();
const run = runTool;

describe('skiff agent: a real node joins a server with a bootstrap token', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'skiff-e2e-agent-node-'));
  const agentDir = join(work, 'agent-data');
  let host: NodeHostClaim | undefined;
  let s: SkiffServer | undefined;
  let agent: Agent | undefined;
  let joinArgs: string[] = [];

  const kubectl = async (args: string[], input?: string): Promise<RunResult> => {
    assert.ok(s);
    return s.kubectl(args, input === undefined ? {} : { input });
  };
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const until = async (what: string, cond: () => Promise<boolean>, ms = 90_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) {
        assert.fail(`timed out waiting for ${what}; agent output:\n${agent?.output() ?? ''}`);
      }
      await sleep(250);
    }
  };
  const nodeReady = async (): Promise<boolean> =>
    (
      await kubectl([
        'get',
        'node',
        NODE,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ])
    ).stdout === 'True';

  before(async () => {
    host = await claimNodeHost();
    const layout = await buildBusyboxLayout(work);
    const archive = join(work, 'busybox.tar');
    const tar = await run('tar', ['-C', layout, '-cf', archive, '.']);
    assert.equal(tar.code, 0, tar.stderr);
    s = await startSkiffServer();
    const imported = await run(SKIFF, [
      'image',
      'import',
      archive,
      '--name',
      'skiff.test/busybox',
      '--data-dir',
      agentDir,
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const joined = await run(SKIFF, [
      'token',
      'create',
      '--print-join-command',
      '--data-dir',
      s.dataDir,
    ]);
    assert.equal(joined.code, 0, joined.stderr);
    // skiff agent --server URL --token T --ca-cert-hash sha256:...
    joinArgs = joined.stdout.trim().split(' ').slice(2);
    assert.equal(joinArgs.length, 6, joined.stdout);
  });

  after(async () => {
    if (s !== undefined && agent !== undefined && agent.proc.exitCode === null) {
      // Containers outlive the kubelet by design: delete every pod while it still runs.
      await s.kubectl(['delete', 'pods', '--all', '--grace-period=1']);
      await s.kubectl(['wait', '--for=delete', 'pods', '--all', '--timeout=60s']);
    }
    await stopAgent(agent);
    await s?.stop();
    host?.release();
    rmSync(work, { recursive: true, force: true });
  });

  const agentArgs = (withToken: boolean): string[] => {
    const args = [...joinArgs];
    if (!withToken) {
      const i = args.indexOf('--token');
      args.splice(i, 2);
    }
    return [
      ...args,
      '--node-name',
      NODE,
      '--data-dir',
      agentDir,
      '--node-ip',
      '127.0.0.1',
      '--kubelet-port',
      '0',
    ];
  };

  it('joins: the Node is Ready with a podCIDR from the server', async () => {
    agent = startAgent(agentArgs(true));
    await until('the agent node to be Ready', nodeReady);
    const cidr = await ok(['get', 'node', NODE, '-o', 'jsonpath={.spec.podCIDR}']);
    assert.match(cidr, /^10\.42\.\d+\.0\/24$/);
    const info = await ok(['get', 'node', NODE, '-o', 'wide']);
    assert.match(info, /runc:\/\//);
  });

  it('has its client and serving CSRs Approved,Issued by the server', async () => {
    await until('the kubelet server to listen', async () =>
      Promise.resolve((agent?.output() ?? '').includes(`Node ${NODE} (127.0.0.1`)),
    );
    const list = JSON.parse(await ok(['get', 'csr', '-o', 'json'])) as {
      items: {
        metadata: { name: string };
        spec: { signerName: string; username: string; usages: string[] };
        status?: { certificate?: string; conditions?: { type: string; reason?: string }[] };
      }[];
    };
    const bySigner = new Map(list.items.map((c) => [c.spec.signerName, c]));
    const client = bySigner.get('kubernetes.io/kube-apiserver-client-kubelet');
    const serving = bySigner.get('kubernetes.io/kubelet-serving');
    assert.ok(client, 'the client CSR');
    assert.ok(serving, 'the serving CSR');
    assert.match(client.spec.username, /^system:bootstrap:[a-z0-9]{6}$/);
    assert.equal(serving.spec.username, `system:node:${NODE}`);
    assert.deepEqual(serving.spec.usages, ['digital signature', 'server auth']);
    const table = await ok(['get', 'csr']);
    for (const c of [client, serving]) {
      assert.ok(
        c.status?.conditions?.some((x) => x.type === 'Approved' && x.reason === 'AutoApproved'),
      );
      assert.match(table, new RegExp(`${c.metadata.name}\\s.*Approved,Issued`));
    }
    const cert = new X509Certificate(
      Buffer.from(serving.status?.certificate ?? '', 'base64').toString(),
    );
    assert.equal(
      cert.subject.split('\n').sort().join(','),
      `CN=system:node:${NODE},O=system:nodes`,
    );
    assert.equal(cert.subjectAltName, `DNS:${NODE}, IP Address:127.0.0.1`);
    assert.ok(s);
    assert.ok(
      cert.checkIssued(new X509Certificate(readFileSync(join(s.dataDir, 'pki', 'ca.crt')))),
    );
  });

  /** `kubectl run` of a busybox pod running `script`, then waits until it is Ready. */
  const runReadyPod = async (name: string, script: string): Promise<void> => {
    await ok([
      'run',
      name,
      `--image=${IMAGE}`,
      '--image-pull-policy=Never',
      '--restart=Never',
      '--',
      'sh',
      '-c',
      script,
    ]);
    await ok(['wait', '--for=condition=Ready', `pod/${name}`, '--timeout=90s']);
  };

  it('runs a busybox pod; logs and exec reach its kubelet through the API server', async () => {
    await runReadyPod('bb', 'echo hello from the agent; sleep 3600');
    assert.equal(await ok(['get', 'pod', 'bb', '-o', 'jsonpath={.spec.nodeName}']), NODE);
    assert.equal(await ok(['logs', 'bb']), 'hello from the agent\n');
    const r = await kubectl(['exec', 'bb', '--', 'sh', '-c', 'echo in-exec; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'in-exec\n');
  });

  it('stops on SIGTERM and, restarted without --token, reuses its certificates', async () => {
    await ok(['delete', 'pod', 'bb', '--grace-period=1']);
    // A pod that logs through the restart: its container (under conmon) must not notice.
    await runReadyPod('ticker', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.2; done');
    assert.equal(await stopAgent(agent), 0, agent?.output());
    await sleep(2000);
    const csrsBefore = (await ok(['get', 'csr', '-o', 'name'])).trim().split('\n').sort();
    // Heartbeats have a precision of one second: a later one comes from the restarted kubelet.
    const restartedAt = Math.floor(Date.now() / 1000) * 1000;
    agent = startAgent(agentArgs(false));
    await until('the agent to use its stored certificates', async () =>
      Promise.resolve(
        (agent?.output() ?? '').includes('Using the serving certificate in') ||
          agent?.proc.exitCode !== null,
      ),
    );
    assert.match(agent.output(), /Using the client certificate in .*kubelet\.kubeconfig/);
    // The restarted kubelet posts its status again: Ready, with a new heartbeat.
    await until('a new Ready heartbeat from the restarted kubelet', async () => {
      const beat = (
        await kubectl([
          'get',
          'node',
          NODE,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}',
        ])
      ).stdout;
      return beat !== '' && Date.parse(beat) > restartedAt && (await nodeReady());
    });
    const csrsAfter = (await ok(['get', 'csr', '-o', 'name'])).trim().split('\n').sort();
    assert.deepEqual(csrsAfter, csrsBefore, 'no new CSR');
    // The ticker ran on while no kubelet did: same container, and its log has every line,
    // those written while the agent was down included.
    assert.equal(
      await ok([
        'get',
        'pod',
        'ticker',
        '-o',
        'jsonpath={.status.containerStatuses[0].restartCount}',
      ]),
      '0',
    );
    const ticks = (await ok(['logs', 'ticker'])).trim().split('\n');
    assert.ok(ticks.length >= 15, `${String(ticks.length)} lines`);
    assert.deepEqual(
      ticks,
      ticks.map((_, i) => `tick ${String(i)}`),
      'every line, in order',
    );
    await ok(['delete', 'pod', 'ticker', '--grace-period=1']);
  });
});
