/**
 * Start-up time without the main benchmark's load: spawns `node dist/cmd/main.js server` N times
 * on a fresh copy of a data dir with an existing PKI and polls /readyz every `--every` ms (the
 * main benchmark polls every 2 ms with full TLS handshakes, which competes with the server for
 * the two cores). Usage: node --import tsx bench/apiserver/start-probe.ts [--runs 7] [--every 10]
 *   [--datastore memory://]
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts } from '../../src/storage/etcd/index.ts';
import { probeReadyz } from './client.ts';
import { launcherEnv } from './proc.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    every: { type: 'string', default: '10' },
    datastore: { type: 'string' },
  },
});
const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'dist', 'cmd', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'skiff-start-'));
const seed = join(work, 'seed');

async function start(dataDir: string): Promise<{ readyMs: number; self: number | undefined }> {
  const [port] = await freePorts(1);
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      main,
      'server',
      '--data-dir',
      dataDir,
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(port),
      ...(args.datastore === undefined ? [] : ['--datastore-endpoint', args.datastore]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: launcherEnv() },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  let readyMs = -1;
  for (;;) {
    if ((await probeReadyz(port ?? 0)) === 200) {
      readyMs = performance.now() - t0;
      break;
    }
    if (performance.now() - t0 > 20_000) break;
    await sleep(Number(args.every));
  }
  for (let i = 0; i < 50 && !/ready in \d+ ms/.test(out); i++) await sleep(10);
  const m = /ready in (\d+) ms/.exec(out);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { readyMs, self: m?.[1] === undefined ? undefined : Number(m[1]) };
}

try {
  await start(seed); // creates the PKI
  const ready: number[] = [];
  const self: number[] = [];
  for (let i = 0; i < Number(args.runs); i++) {
    const dir = join(work, `run-${String(i)}`);
    cpSync(join(seed, 'pki'), join(dir, 'pki'), { recursive: true });
    const r = await start(dir);
    ready.push(r.readyMs);
    if (r.self !== undefined) self.push(r.self);
  }
  const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);
  const p50 = (a: number[]): number => sorted(a)[Math.floor(a.length / 2)] ?? 0;
  process.stdout.write(
    `exec → /readyz 200 (probe every ${args.every} ms): p50 ${p50(ready).toFixed(0)} ms, ` +
      `min ${Math.min(...ready).toFixed(0)}, max ${Math.max(...ready).toFixed(0)}; ` +
      `server's own "ready in" p50 ${p50(self).toFixed(0)} ms (${String(ready.length)} fresh data dirs with an existing PKI)\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
