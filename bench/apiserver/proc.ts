/**
 * The server process under test: spawn `./skiff server` (or `node dist/cmd/main.js server`
 * directly), time exec → first 200 from /readyz, read its RSS and CPU time from /proc, and stop
 * it by PID. Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeReadyz } from './client.ts';
import { nowMs } from '../storage/stats.ts';

/** How the server is started. */
export type Launch = 'launcher' | 'direct';

/** Options of one server start. */
export interface StartOptions {
  /** Checkout whose `./skiff` and `dist/` run. */
  root: string;
  launch: Launch;
  dataDir: string;
  port: number;
  /** Unset: the default (SQLite in the data dir). */
  datastore?: string | undefined;
  /** Extra node flags (direct launch only), e.g. ['--cpu-prof', '--cpu-prof-dir=DIR']. */
  nodeArgs?: string[];
  /** Give up after this long. Default 30 s. */
  timeoutMs?: number;
  /** More server flags, e.g. ['--simulated-nodes', '100']. */
  serverArgs?: string[];
}

/** A started server. */
export interface ServerProcess {
  pid: number;
  port: number;
  /** exec → first 200 from /readyz, ms. */
  readyMs: number;
  /** exec → kubeconfig.yaml present (written after the bootstrap objects), ms. */
  kubeconfigMs: number;
  /** The server's own "ready in N ms" line (process start → listening + bootstrap), if printed. */
  selfReportedMs: number | undefined;
  kubeconfig: string;
  /** Output so far (for diagnostics). */
  output(): string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The environment `./skiff` gives node: NODE_EXTRA_CA_CERTS (which Node parses at every start,
 * ~45 ms for Debian's bundle) handed to Skiff as SKIFF_EXTRA_CA_CERTS, so that a direct start
 * measures the same program as one through the launcher.
 */
export function launcherEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const extra = env['NODE_EXTRA_CA_CERTS'];
  if (extra !== undefined && extra !== '') {
    env['SKIFF_EXTRA_CA_CERTS'] = extra;
    delete env['NODE_EXTRA_CA_CERTS'];
  }
  return env;
}

/** Starts the server and resolves once /readyz answers 200 and the kubeconfig exists. */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const serverArgs = [
    'server',
    '--data-dir',
    opts.dataDir,
    '--port',
    String(opts.port),
    '--bind-address',
    '127.0.0.1',
    ...(opts.datastore === undefined ? [] : ['--datastore-endpoint', opts.datastore]),
    ...(opts.serverArgs ?? []),
  ];
  const [cmd, args] =
    opts.launch === 'launcher'
      ? [join(opts.root, 'skiff'), serverArgs]
      : [
          process.execPath,
          [...(opts.nodeArgs ?? []), join(opts.root, 'dist', 'cmd', 'main.js'), ...serverArgs],
        ];
  const kubeconfig = join(opts.dataDir, 'kubeconfig.yaml');
  // The server rewrites it once listening; a stale one would make the start look instant.
  rmSync(kubeconfig, { force: true });
  const t0 = nowMs();
  const child = spawn(cmd, args, {
    cwd: opts.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: launcherEnv(),
  });
  let out = '';
  const onData = (b: Buffer): void => {
    if (out.length < 64 * 1024) out += b.toString('utf8');
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  const dead = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot spawn ${cmd}`);
  const stop = stopper(child, exited);
  try {
    const deadline = t0 + (opts.timeoutMs ?? 30_000);
    let readyMs: number | undefined;
    let kubeconfigMs: number | undefined;
    while (readyMs === undefined || kubeconfigMs === undefined) {
      if (dead()) throw new Error(`server exited during start-up:\n${out}`);
      if (nowMs() > deadline) throw new Error(`server not ready in time:\n${out}`);
      if (readyMs === undefined && (await probeReadyz(opts.port)) === 200) {
        readyMs = nowMs() - t0;
      }
      if (kubeconfigMs === undefined && existsSync(kubeconfig)) kubeconfigMs = nowMs() - t0;
      // Poll often (the probe of a closed port costs microseconds) for a few-ms resolution.
      if (readyMs === undefined || kubeconfigMs === undefined) await sleep(2);
    }
    // The "ready in" line comes right after the kubeconfig is written; give it a moment.
    for (let i = 0; i < 50 && !/ready in \d+ ms/.test(out); i++) await sleep(10);
    const m = /ready in (\d+) ms/.exec(out);
    return {
      pid,
      port: opts.port,
      readyMs,
      kubeconfigMs,
      selfReportedMs: m?.[1] === undefined ? undefined : Number(m[1]),
      kubeconfig,
      output: () => out,
      stop,
    };
  } catch (err) {
    await stop(2000);
    throw err;
  }
}

function stopper(child: ChildProcess, exited: Promise<void>): (graceMs?: number) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (graceMs = 10_000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    })();
    return stopping;
  };
}

/** Resident set size of `pid` in bytes (VmRSS), and its peak (VmHWM). */
export function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m?.[1] === undefined ? NaN : Number(m[1]) * 1024;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Clock ticks per second of /proc/PID/stat times (USER_HZ; 100 on Linux x86). */
const USER_HZ = 100;

/** CPU time (user + system) consumed by `pid` so far, in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the parenthesised command name (which may contain spaces).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / USER_HZ;
}
