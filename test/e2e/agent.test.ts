/**
 * `skiff agent` joining a running `./skiff server --simulated-nodes 0` as kubeadm join does:
 * `skiff token create --print-join-command` on the server, the agent pins the CA, files a
 * CertificateSigningRequest with the bootstrap token, runs 3 simulated nodes with the issued
 * certificate, and the real kubectl sees them Ready and running a Deployment's pods. Wrong
 * tokens and wrong CA pins fail clearly (a wrong pin before a byte is sent); a restarted agent
 * reuses its certificate.
 *
 * The CSR is approved and signed by the server's controllers when they do it (the certificates
 * approver and signer); while a server has none, the test approves it (the `approval`
 * subresource) and signs it with the cluster CA (openssl, then the `status` subresource), as an
 * administrator would, and says so in a diagnostic.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIFF, startSkiffServer, type RunResult, type SkiffServer } from './harness.ts';

interface Agent {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number>;
}

function runSkiff(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(SKIFF, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function startAgent(args: string[]): Agent {
  const proc = spawn(SKIFF, ['agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => {
    proc.once('exit', (code) => {
      resolve(code ?? 1);
    });
  });
  return { proc, output: () => out, exited };
}

async function stopAgent(agent: Agent | undefined): Promise<number | undefined> {
  if (agent === undefined) return undefined;
  if (agent.proc.exitCode === null && agent.proc.signalCode === null) {
    agent.proc.kill('SIGTERM');
    const t = setTimeout(() => agent.proc.kill('SIGKILL'), 10_000);
    const code = await agent.exited;
    clearTimeout(t);
    return code;
  }
  return agent.exited;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('skiff agent joins a server with a bootstrap token', () => {
  let s: SkiffServer;
  let scratch: string;
  let agent: Agent | undefined;
  let joinArgs: string[] = [];
  let pin = '';

  before(async () => {
    s = await startSkiffServer(['--simulated-nodes', '0']);
    scratch = mkdtempSync(join(tmpdir(), 'skiff-agent-e2e-'));
  });
  after(async () => {
    await stopAgent(agent);
    await s.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await s.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const until = async (what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await sleep(250);
    }
  };
  const csrs = async (): Promise<
    { name: string; request: string; approved: boolean; issued: boolean }[]
  > => {
    const list = JSON.parse(await ok(['get', 'csr', '-o', 'json'])) as {
      items: {
        metadata: { name: string };
        spec: { request: string };
        status?: { certificate?: string; conditions?: { type: string }[] };
      }[];
    };
    return list.items.map((c) => ({
      name: c.metadata.name,
      request: c.spec.request,
      approved: (c.status?.conditions ?? []).some((x) => x.type === 'Approved'),
      issued: (c.status?.certificate ?? '') !== '',
    }));
  };

  /**
   * Waits for the agent's CSR to be issued by the server; if nothing approves or signs it
   * within a few seconds, approves and signs it as an administrator would.
   */
  const issueWhenFiled = async (diag: (msg: string) => void): Promise<void> => {
    await until('the agent to file a CSR', async () => (await csrs()).length > 0);
    const end = Date.now() + 8_000;
    while (Date.now() < end) {
      if ((await csrs()).every((c) => c.issued)) {
        diag('the server approved and signed the CSR');
        return;
      }
      await sleep(250);
    }
    diag('no CSR approver/signer in the server: the test approved and signed the CSR');
    for (const c of await csrs()) {
      const path = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${c.name}`;
      if (!c.approved) {
        const obj = JSON.parse(await ok(['get', 'csr', c.name, '-o', 'json'])) as {
          status?: Record<string, unknown>;
        };
        obj.status = {
          ...obj.status,
          conditions: [
            { type: 'Approved', status: 'True', reason: 'E2E', message: 'approved by the test' },
          ],
        };
        await ok(['replace', '--raw', `${path}/approval`, '-f', '-'], JSON.stringify(obj));
      }
      const csrFile = join(scratch, `${c.name}.csr`);
      writeFileSync(csrFile, Buffer.from(c.request, 'base64'));
      const ext = join(scratch, 'ext.cnf');
      writeFileSync(ext, 'keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
      const cert = execFileSync('openssl', [
        'x509',
        '-req',
        '-in',
        csrFile,
        '-CA',
        join(s.dataDir, 'pki', 'ca.crt'),
        '-CAkey',
        join(s.dataDir, 'pki', 'ca.key'),
        '-set_serial',
        String(Date.now()),
        '-days',
        '365',
        '-extfile',
        ext,
      ]);
      const obj = JSON.parse(await ok(['get', 'csr', c.name, '-o', 'json'])) as {
        status?: Record<string, unknown>;
      };
      obj.status = { ...obj.status, certificate: cert.toString('base64') };
      await ok(['replace', '--raw', `${path}/status`, '-f', '-'], JSON.stringify(obj));
    }
  };

  it('prints the join command with the CA pin (token create --print-join-command)', async () => {
    const r = await runSkiff(['token', 'create', '--print-join-command', '--data-dir', s.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.trim();
    const m =
      /^skiff agent --server (https:\/\/127\.0\.0\.1:\d+) --token ([a-z0-9]{6}\.[a-z0-9]{16}) --ca-cert-hash (sha256:[0-9a-f]{64})$/.exec(
        line,
      );
    assert.ok(m, `unexpected join command: ${line}`);
    assert.equal(m[1], `https://127.0.0.1:${String(s.port)}`);
    // kubeadm's pin: SHA-256 of the CA's DER SubjectPublicKeyInfo.
    const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], {
      input: readFileSync(join(s.dataDir, 'pki', 'ca.crt')),
    });
    const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
    const hex = execFileSync('sha256sum', { input: der, encoding: 'utf8' }).split(' ')[0];
    assert.equal(m[3], `sha256:${hex ?? ''}`);
    pin = m[3];
    joinArgs = line.split(' ').slice(2);
  });

  it('refuses a wrong token with a clear error', async () => {
    const r = await runSkiff([
      'agent',
      '--server',
      `https://127.0.0.1:${String(s.port)}`,
      '--token',
      'abcdef.0123456789abcdef',
      '--ca-cert-hash',
      pin,
      '--simulated',
      '1',
      '--data-dir',
      join(scratch, 'wrong-token'),
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /skiff agent: error: the server refused the bootstrap credentials \(401 Unauthorized/,
    );
    assert.equal((await csrs()).length, 0);
  });

  it('refuses a server whose CA is not pinned before sending anything', async () => {
    // A TLS server with the cluster's serving certificate but answering for another CA pin:
    // the agent must hang up after the handshake without writing a byte (no token leaks).
    let received = 0;
    const fake = createTlsServer(
      {
        cert: readFileSync(join(s.dataDir, 'pki', 'serving.crt')),
        key: readFileSync(join(s.dataDir, 'pki', 'serving.key')),
        ca: readFileSync(join(s.dataDir, 'pki', 'ca.crt')),
      },
      (socket) => {
        socket.on('data', (d: Buffer) => (received += d.length));
        socket.on('error', () => undefined);
      },
    );
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const address = fake.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const wrong = `sha256:${'0'.repeat(64)}`;
      for (const target of [port, s.port]) {
        const r = await runSkiff([
          'agent',
          '--server',
          `https://127.0.0.1:${String(target)}`,
          ...joinArgs.slice(2, 4), // --token <the real token>
          '--ca-cert-hash',
          wrong,
          '--simulated',
          '1',
          '--data-dir',
          join(scratch, 'wrong-pin'),
        ]);
        assert.equal(r.code, 1);
        assert.match(
          r.stderr,
          new RegExp(
            `refusing to trust the server at https://127.0.0.1:${String(target)}: none of the public keys ".*${pin.slice(7)}" are pinned`,
          ),
        );
      }
      assert.equal(received, 0);
      assert.equal((await csrs()).length, 0);
    } finally {
      await new Promise((r) => fake.close(r));
    }
  });

  it('joins 3 simulated nodes that run a deployment', async (t) => {
    agent = startAgent([
      ...joinArgs,
      '--simulated',
      '3',
      '--node-name',
      'edge',
      '--data-dir',
      join(scratch, 'agent'),
    ]);
    await issueWhenFiled((m) => {
      t.diagnostic(m);
    });
    await until('three Ready nodes from the agent', async () => {
      const out = await ok(['get', 'nodes', '--no-headers']);
      return out.split('\n').filter((l) => /^edge-[012] +Ready /.test(l)).length === 3;
    });
    assert.match(agent.output(), /Running 3 simulated nodes \(edge-0 … edge-2\)/);
    const stat = execFileSync('stat', [
      '-c',
      '%a',
      join(scratch, 'agent', 'agent', 'simulated-nodes.kubeconfig'),
    ]);
    assert.equal(stat.toString().trim(), '600');
    await ok(['create', 'deployment', 'web', '--image=nginx:1', '--replicas=6']);
    await until('six Running pods on the agent nodes', async () => {
      const out = await ok([
        'get',
        'pods',
        '-l',
        'app=web',
        '-o',
        'jsonpath={range .items[*]}{.status.phase} {.spec.nodeName}{"\\n"}{end}',
      ]);
      return out.split('\n').filter((l) => /^Running edge-[012]$/.test(l)).length === 6;
    });
  });

  it('reuses its certificate after a restart (no second CSR)', async () => {
    assert.equal(await stopAgent(agent), 0);
    assert.equal((await csrs()).length, 1);
    agent = startAgent([
      ...joinArgs,
      '--simulated',
      '3',
      '--node-name',
      'edge',
      '--data-dir',
      join(scratch, 'agent'),
    ]);
    await until('the agent to run again', () =>
      Promise.resolve(agent?.output().includes('Running 3') ?? false),
    );
    assert.match(agent.output(), /Using the client certificate in .*simulated-nodes\.kubeconfig/);
    await sleep(1000);
    assert.equal((await csrs()).length, 1);
    const out = await ok(['get', 'nodes', '--no-headers']);
    assert.equal(out.split('\n').filter((l) => /^edge-[012] +Ready /.test(l)).length, 3);
  });

  it('rejects bad flags with one line', async () => {
    const server = `https://127.0.0.1:${String(s.port)}`;
    for (const [args, message] of [
      [
        ['--server', server, '--token', 'abcdef.0123456789abcdef', '--simulated', '1'],
        /joining without --ca-cert-hash can be unsafe/,
      ],
      [
        ['--server', server, '--token', 'nope', '--insecure-skip-ca-verification'],
        /the bootstrap token "nope" was not of the form/,
      ],
      [
        ['--server', server, '--ca-cert-hash', 'md5:00', '--simulated', '1'],
        /--ca-cert-hash: unknown hash format "md5"/,
      ],
      [
        ['--server', 'http://x:1', '--insecure-skip-ca-verification'],
        /--server "http:\/\/x:1" must be https:\/\/HOST\[:PORT\]/,
      ],
    ] as const) {
      const r = await runSkiff(['agent', ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    }
  });
});
