/**
 * Starts real `etcd` processes on loopback for tests and benchmarks.
 *
 * Every process listens on free loopback ports picked by the OS, gets its own temporary data
 * directory, and is reported ready only once its `/health` endpoint (served on a separate plain
 * HTTP metrics port, so it works for TLS members too) answers healthy. `stop()` kills the
 * process by PID and removes the directory. Processes still alive when the Node process exits
 * are killed with SIGKILL so a crashed test run leaves no orphan etcd behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of the etcd binary (Debian's etcd-server package). Override with SKIFF_ETCD_BIN. */
const etcdBinary = process.env.SKIFF_ETCD_BIN ?? '/usr/bin/etcd';

/** Large enough for 1.5 MiB values plus the transaction around them. */
const maxRequestBytes = 4 * 1024 * 1024;

/** Children we started and have not stopped yet, killed on process exit. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

/** TLS files for a member's client listener (paths). */
export interface EtcdServerTls {
  certFile: string;
  keyFile: string;
  /** When set, clients must present a certificate signed by this CA. */
  trustedCaFile?: string;
}

export interface StartEtcdOptions {
  /** Data directory to use; created as a temp dir (and removed by stop()) when absent. */
  dataDir?: string;
  /** Extra command-line flags, appended last (so they override ours). */
  extraArgs?: string[];
  /** Serve the client API over TLS with these files. */
  tls?: EtcdServerTls;
  /**
   * The server's watch progress-notify interval (`--experimental-watch-progress-notify-interval`).
   * Default 100 ms so that watches with progressNotifyMs get progress messages promptly.
   */
  progressNotifyIntervalMs?: number;
  /** How long to wait for the member to become healthy. Default 20 s. */
  readyTimeoutMs?: number;
}

/** A running etcd member. */
export interface EtcdProcess {
  /** Client URL, e.g. `http://127.0.0.1:40123` (https when started with TLS). */
  endpoint: string;
  pid: number;
  dataDir: string;
  /**
   * Kills the process (SIGTERM, then SIGKILL after 2 s; or `signal` directly) and removes the
   * data dir if we created it. Resolves once the process has exited. Idempotent.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A running cluster of etcd members. */
export interface EtcdCluster {
  /** Client URLs of all members, in member order. */
  endpoints: string[];
  members: EtcdProcess[];
  /** Stops every member still running (SIGKILL) and removes their dirs. Idempotent. */
  stop(): Promise<void>;
}

/** Asks the OS for `count` distinct free loopback TCP ports. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => {
            resolve(srv);
          });
        }),
    ),
  );
  const ports = servers.map((srv) => {
    const addr = srv.address();
    if (addr === null || typeof addr === 'string') throw new Error('unexpected server address');
    return addr.port;
  });
  await Promise.all(
    servers.map(
      (srv) =>
        new Promise<void>((resolve) => {
          srv.close(() => {
            resolve();
          });
        }),
    ),
  );
  return ports;
}

interface MemberPlan {
  name: string;
  dataDir: string;
  ownsDataDir: boolean;
  clientPort: number;
  peerPort: number;
  metricsPort: number;
}

function memberArgs(
  m: MemberPlan,
  initialCluster: string,
  opts: StartEtcdOptions,
  clusterToken: string,
): string[] {
  const scheme = opts.tls === undefined ? 'http' : 'https';
  const client = `${scheme}://127.0.0.1:${String(m.clientPort)}`;
  const peer = `http://127.0.0.1:${String(m.peerPort)}`;
  const args = [
    `--name=${m.name}`,
    `--data-dir=${m.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--listen-metrics-urls=http://127.0.0.1:${String(m.metricsPort)}`,
    `--initial-cluster=${initialCluster}`,
    '--initial-cluster-state=new',
    `--initial-cluster-token=${clusterToken}`,
    `--max-request-bytes=${String(maxRequestBytes)}`,
    `--experimental-watch-progress-notify-interval=${String(opts.progressNotifyIntervalMs ?? 100)}ms`,
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=warn',
  ];
  if (opts.tls !== undefined) {
    args.push(`--cert-file=${opts.tls.certFile}`, `--key-file=${opts.tls.keyFile}`);
    if (opts.tls.trustedCaFile !== undefined) {
      args.push(`--trusted-ca-file=${opts.tls.trustedCaFile}`, '--client-cert-auth=true');
    }
  }
  args.push(...(opts.extraArgs ?? []));
  return args;
}

async function waitHealthy(
  metricsPort: number,
  child: ChildProcess,
  deadline: number,
  stderrTail: () => string,
): Promise<void> {
  const url = `http://127.0.0.1:${String(metricsPort)}/health`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `etcd exited (${String(child.exitCode ?? child.signalCode)}) before becoming healthy: ${stderrTail()}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      const body: unknown = await res.json();
      if (
        res.ok &&
        typeof body === 'object' &&
        body !== null &&
        (body as { health?: unknown }).health === 'true'
      ) {
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`etcd did not become healthy in time: ${stderrTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      resolve();
      return;
    }
    const pid = child.pid;
    const hard = setTimeout(() => {
      // A member that lost quorum can hang on SIGTERM (host-recipes §6).
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 2000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    try {
      process.kill(pid, signal);
    } catch {
      clearTimeout(hard);
      resolve();
    }
  });
}

function spawnMember(args: string[]): { child: ChildProcess; stderrTail: () => string } {
  installExitHook();
  const child = spawn(etcdBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] as const });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // etcd logs to stderr; it must be drained or the process blocks. Keep a short tail for errors.
  let tail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4000);
  });
  child.once('error', () => {
    // spawn failure (missing binary) surfaces as exit + tail below
  });
  return { child, stderrTail: () => tail.trim().split('\n').slice(-5).join('\n') };
}

async function startMembers(n: number, opts: StartEtcdOptions): Promise<EtcdCluster> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20_000;
  // A port picked by freePorts can be taken by someone else before etcd binds it; retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const ports = await freePorts(3 * n);
    const plans: MemberPlan[] = [];
    for (let i = 0; i < n; i++) {
      const ownsDataDir = opts.dataDir === undefined || n > 1;
      const dataDir =
        opts.dataDir !== undefined && n === 1
          ? opts.dataDir
          : await mkdtemp(join(tmpdir(), 'skiff-etcd-'));
      plans.push({
        name: `m${String(i)}`,
        dataDir,
        ownsDataDir,
        clientPort: ports[3 * i] ?? 0,
        peerPort: ports[3 * i + 1] ?? 0,
        metricsPort: ports[3 * i + 2] ?? 0,
      });
    }
    const initialCluster = plans
      .map((p) => `${p.name}=http://127.0.0.1:${String(p.peerPort)}`)
      .join(',');
    const token = `skiff-${String(process.pid)}-${String(Date.now())}-${String(attempt)}`;
    const started = plans.map((p) => ({
      plan: p,
      ...spawnMember(memberArgs(p, initialCluster, opts, token)),
    }));
    const members: EtcdProcess[] = started.map(({ plan, child }) => {
      let stopping: Promise<void> | undefined;
      return {
        endpoint: `${opts.tls === undefined ? 'http' : 'https'}://127.0.0.1:${String(plan.clientPort)}`,
        pid: child.pid ?? -1,
        dataDir: plan.dataDir,
        stop: (signal: NodeJS.Signals = 'SIGTERM') =>
          (stopping ??= (async () => {
            await killAndWait(child, signal);
            if (plan.ownsDataDir) await rm(plan.dataDir, { recursive: true, force: true });
          })()),
      };
    });
    // SIGKILL: members of a cluster that is going away lose quorum and may hang on SIGTERM.
    const stopAll = async (): Promise<void> => {
      await Promise.all(members.map((m) => m.stop(members.length > 1 ? 'SIGKILL' : 'SIGTERM')));
    };
    try {
      const deadline = Date.now() + readyTimeoutMs;
      await Promise.all(
        started.map(({ plan, child, stderrTail }) =>
          waitHealthy(plan.metricsPort, child, deadline, stderrTail),
        ),
      );
      return { endpoints: members.map((m) => m.endpoint), members, stop: stopAll };
    } catch (err) {
      lastError = err;
      await stopAll();
      const msg = err instanceof Error ? err.message : String(err);
      // Only a port clash is worth another attempt.
      if (!/address already in use/i.test(msg)) break;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/**
 * Starts one etcd member on free loopback ports and resolves once it is healthy. On failure the
 * process is killed and its temp dir removed before the promise rejects. The caller owns the
 * returned process and must call `stop()`.
 */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const cluster = await startMembers(1, opts);
  const member = cluster.members[0];
  if (member === undefined) throw new Error('etcd member missing');
  return member;
}

/**
 * Starts an `n`-member etcd cluster on loopback (each member in its own temp dir) and resolves
 * once every member is healthy. `opts.dataDir` is ignored. The caller must call `stop()`.
 */
export async function startEtcdCluster(
  n: number,
  opts: Omit<StartEtcdOptions, 'dataDir'> = {},
): Promise<EtcdCluster> {
  return startMembers(n, opts);
}
