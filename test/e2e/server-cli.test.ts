/**
 * `./skiff server` run as a user runs it (bash launcher → build → node), driven by the real
 * kubectl: first start creates the data dir, PKI and kubeconfig; a second start reuses the CA;
 * SIGTERM shuts down cleanly; a bad datastore endpoint, a busy port and a data dir in use by
 * another server each fail with one clear line and a non-zero exit code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const skiff = fileURLToPath(new URL('../../skiff', import.meta.url));
/** The launcher may have to build first. */
const START_TIMEOUT_MS = 180_000;

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

interface Skiff {
  child: ChildProcess;
  stdout: () => string;
  /** stderr without the launcher's "skiff: building" notice. */
  stderr: () => string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

function startSkiff(args: string[]): Skiff {
  const child = spawn(skiff, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err.replace(/^skiff: building\n/m, ''),
    exited,
  };
}

/** Waits until stdout shows the kubeconfig line, or fails with what the process printed. */
async function waitReady(s: Skiff): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exitCode: number | string | undefined;
  void s.exited.then((c) => (exitCode = c));
  while (!s.stdout().includes('Kubeconfig written to')) {
    if (exitCode !== undefined || Date.now() > deadline) {
      assert.fail(
        `skiff server did not become ready (exit ${String(exitCode)}):\n${s.stdout()}\n${s.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Ends a server by PID with SIGTERM and returns its exit code (SIGKILL after 15 s). */
async function stopSkiff(s: Skiff): Promise<number | string> {
  if (s.child.exitCode === null && s.child.signalCode === null && s.child.pid !== undefined) {
    process.kill(s.child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (s.child.pid !== undefined && s.child.exitCode === null)
        process.kill(s.child.pid, 'SIGKILL');
    }, 15_000);
    try {
      return await s.exited;
    } finally {
      clearTimeout(timer);
    }
  }
  return s.exited;
}

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('skiff server', { timeout: 600_000 }, () => {
  let root = '';
  const running: Skiff[] = [];
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'skiff-e2e-server-'));
  });
  after(async () => {
    for (const s of running) await stopSkiff(s);
    await rm(root, { recursive: true, force: true });
  });

  const dataDir = (): string => join(root, 'data');
  let port = 0;
  let firstCa = '';

  it('creates the data dir, PKI and kubeconfig on first start and serves kubectl', async () => {
    port = await freePort();
    const s = startSkiff(['server', '--data-dir', dataDir(), '--port', String(port)]);
    running.push(s);
    await waitReady(s);
    const kubeconfig = join(dataDir(), 'kubeconfig.yaml');
    assert.match(s.stdout(), new RegExp(`Kubeconfig written to ${kubeconfig}\\n`));
    assert.match(s.stdout(), new RegExp(`export KUBECONFIG=${kubeconfig}\\n`));
    assert.match(s.stdout(), new RegExp(`listening on https://127\\.0\\.0\\.1:${String(port)}`));

    assert.equal(await mode(dataDir()), 0o700);
    assert.equal(await mode(join(dataDir(), 'pki')), 0o700);
    assert.equal(await mode(kubeconfig), 0o600);
    for (const key of ['ca.key', 'serving.key', 'admin.key']) {
      assert.equal(await mode(join(dataDir(), 'pki', key)), 0o600, key);
    }
    for (const cert of ['ca.crt', 'serving.crt', 'admin.crt']) {
      assert.equal(await mode(join(dataDir(), 'pki', cert)), 0o644, cert);
    }
    await stat(join(dataDir(), 'state.db'));
    firstCa = await readFile(join(dataDir(), 'pki', 'ca.crt'), 'utf8');

    const { stdout: context } = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'config',
      'current-context',
    ]);
    assert.equal(context.trim(), 'skiff');
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, 'version', '-o', 'json'], {
      timeout: 60_000,
    });
    const version = JSON.parse(stdout) as {
      serverVersion?: { major?: string; gitVersion?: string };
    };
    assert.equal(version.serverVersion?.major, '1');
    assert.match(version.serverVersion.gitVersion ?? '', /^v1\.\d+\.\d+/);
  });

  it('refuses a second server on the same data dir, with one line', async () => {
    const s = startSkiff(['server', '--data-dir', dataDir(), '--port', String(await freePort())]);
    running.push(s);
    assert.notEqual(await s.exited, 0);
    assert.match(s.stderr(), /^skiff server: error: the data file .*state\.db is locked .*\n$/);
  });

  it('refuses a port that is in use, with one line', async () => {
    const s = startSkiff(['server', '--data-dir', join(root, 'other'), '--port', String(port)]);
    running.push(s);
    assert.notEqual(await s.exited, 0);
    assert.match(
      s.stderr(),
      new RegExp(
        `^skiff server: error: cannot listen on 0\\.0\\.0\\.0:${String(port)}: the address is already in use.*\\n$`,
      ),
    );
  });

  it('shuts down on SIGTERM with exit code 0', async () => {
    const s = running[0];
    assert.ok(s);
    assert.equal(await stopSkiff(s), 0);
    assert.match(s.stdout(), /Received SIGTERM, shutting down/);
  });

  it('reuses the CA on the next start', async () => {
    const s = startSkiff([
      'up',
      '--disable-agent',
      '--data-dir',
      dataDir(),
      '--port',
      String(await freePort()),
    ]);
    running.push(s);
    await waitReady(s);
    assert.equal(await readFile(join(dataDir(), 'pki', 'ca.crt'), 'utf8'), firstCa);
    assert.doesNotMatch(s.stdout(), /Generated the cluster CA/);
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', join(dataDir(), 'kubeconfig.yaml'), 'version', '-o', 'json'],
      {
        timeout: 60_000,
      },
    );
    assert.match(stdout, /"serverVersion"/);
    assert.equal(await stopSkiff(s), 0);
  });

  it('rejects a bad datastore endpoint with one line', async () => {
    const s = startSkiff([
      'server',
      '--data-dir',
      join(root, 'dsn'),
      '--datastore-endpoint',
      'bogus://x',
    ]);
    running.push(s);
    assert.notEqual(await s.exited, 0);
    assert.match(
      s.stderr(),
      /^skiff server: error: invalid datastore endpoint "bogus:\/\/x": unknown scheme "bogus" .*\n$/,
    );
  });

  it('rejects a bad port or bind address before starting', async () => {
    for (const args of [
      ['--port', '70000'],
      ['--bind-address', 'localhost'],
    ]) {
      const s = startSkiff(['server', '--data-dir', join(root, 'flags'), ...args]);
      running.push(s);
      assert.notEqual(await s.exited, 0);
      assert.match(
        s.stderr(),
        /error: option '--(port|bind-address) <[a-z]+>' argument '.*' is invalid/,
      );
    }
  });
});
