/**
 * Test harness for end-to-end tests: starts the real `./skiff server` on a free loopback port
 * with a temporary data dir, and runs the real kubectl against it. Everything it starts is
 * stopped by PID and every directory it makes is removed in `stop()`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SKIFF = fileURLToPath(new URL('../../skiff', import.meta.url));

/**
 * Flags for tests of the API server's own behaviour: no controller-manager or scheduler in the
 * process, so nothing writes in the background (as a bare kube-apiserver).
 */
export const API_SERVER_ONLY: readonly string[] = [
  '--disable-controller-manager',
  '--disable-scheduler',
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SkiffServer {
  dataDir: string;
  kubeconfig: string;
  port: number;
  proc: ChildProcess;
  /** Runs the real kubectl against this server (never throws on a non-zero exit). */
  kubectl(
    args: string[],
    opts?: { input?: string; env?: Record<string, string> },
  ): Promise<RunResult>;
  stop(): Promise<void>;
}

/**
 * Starts `./skiff server` (or `verb`, e.g. `up`) and waits until /readyz answers through
 * kubectl's kubeconfig.
 */
export async function startSkiffServer(
  extraArgs: string[] = [],
  opts: { verb?: 'server' | 'up' } = {},
): Promise<SkiffServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const cacheDir = join(dataDir, 'kube-cache');
  const port = await freePort();
  const proc = spawn(
    SKIFF,
    [
      opts.verb ?? 'server',
      '--data-dir',
      dataDir,
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(port),
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const kubectl = (
    args: string[],
    opts: { input?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> =>
    new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir, ...args],
        { timeout: 60_000, env: { ...process.env, ...opts.env } },
        (err, stdout, stderr) => {
          const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
          resolve({ code, stdout, stderr });
        },
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.pid !== undefined) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`skiff server exited with ${String(proc.exitCode)}:\n${output}`);
    }
    if (existsSync(kubeconfig)) {
      const r = await kubectl(['get', '--raw', '/readyz']);
      if (r.code === 0 && r.stdout.trim() === 'ok') break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`skiff server did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { dataDir, kubeconfig, port, proc, kubectl, stop };
}

/**
 * Writes a kubeconfig for `s` (its address and CA) whose user has `user`'s fields (`token`,
 * `client-certificate-data`, ...) into the server's data dir; returns its path.
 */
export function writeUserKubeconfig(s: SkiffServer, user: Record<string, string>): string {
  const caPem = readFileSync(join(s.dataDir, 'pki', 'ca.crt'));
  const file = join(s.dataDir, `user-${String(Math.random()).slice(2, 10)}.yaml`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    server: https://127.0.0.1:${String(s.port)}`,
      `    certificate-authority-data: ${caPem.toString('base64')}`,
      'users:',
      '- name: u',
      '  user:',
      ...Object.entries(user).map(([k, v]) => `    ${k}: ${v}`),
      'contexts:',
      '- name: x',
      '  context: {cluster: c, user: u}',
      'current-context: x',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}
