/**
 * What the e2e tests that make this machine a real node share (`skiff up` or `skiff agent`
 * with runc): the reason to skip them, a tool runner, and {@link claimNodeHost}, which gives one
 * such test at a time the host's node resources and removes what that test left.
 *
 * Why the claim: every real node on this machine uses the bridge `skiff0`, the pod CIDR's first
 * /24 and the `kubepods` cgroups, and the integration tier runs two test files at once. A
 * second node would take the same bridge and addresses (and its cleanup would delete the first
 * one's), so these tests wait for each other.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBusyboxLayout } from '../../src/kubelet/images/fixtures.ts';
import { SKIFF, startSkiffServer, type RunResult, type SkiffServer } from './harness.ts';

/** The bridge the node's CNI configuration creates. */
export const NODE_BRIDGE = 'skiff0';

/** Why a real-node test cannot run here (not root, a missing tool), or undefined. */
export function nodeTestSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (runc, network namespaces, cgroups)';
  for (const tool of ['runc', 'umoci', 'busybox', 'nsenter', 'socat', 'ip', 'tar']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `needs ${tool}`;
  }
  return undefined;
}

/** Runs a tool to completion (2 min at most); never rejects. */
export function runTool(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

const linkExists = (name: string): boolean =>
  spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;

/** The node's `kubepods` cgroups in every hierarchy (cgroup v1 controllers and v2). */
function kubepodsCgroups(): string[] {
  const r = spawnSync('sh', [
    '-c',
    'ls -d /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods 2>/dev/null',
  ]);
  return r.stdout
    .toString()
    .split('\n')
    .filter((l) => l !== '');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The claimed host; `release` removes what the test left and lets the next test in. */
export interface NodeHostClaim {
  release(): void;
}

const LOCK = join(tmpdir(), 'skiff-e2e-node-host.lock');

/**
 * Waits until no other real-node test holds the host (a lock directory naming its holder's PID;
 * a holder that died is ignored), then records which of the bridge and the `kubepods` cgroups
 * exist already. `release()` deletes the bridge and the cgroups that appeared since (the node's
 * QoS cgroups outlive it, as upstream's) and frees the host. Call it after the node and its
 * containers are gone.
 */
export async function claimNodeHost(signal?: AbortSignal): Promise<NodeHostClaim> {
  for (;;) {
    signal?.throwIfAborted();
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // Being written or removed: look again.
      }
      if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      await sleep(500);
    }
  }
  const bridgeExisted = linkExists(NODE_BRIDGE);
  const cgroupsBefore = new Set(kubepodsCgroups());
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (!bridgeExisted && linkExists(NODE_BRIDGE)) spawnSync('ip', ['link', 'del', NODE_BRIDGE]);
      for (const dir of kubepodsCgroups()) {
        if (!cgroupsBefore.has(dir))
          spawnSync('find', [dir, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';']);
      }
      rmSync(LOCK, { recursive: true, force: true });
    },
  };
}

/** `./skiff up` as a real node with the busybox test image imported (see {@link startUpNode}). */
export interface UpNode {
  readonly server: SkiffServer;
  /** The test's temp dir (the image layout and archive live here). */
  readonly work: string;
  /** The busybox OCI layout (tag `busybox`), e.g. to push to a test registry. */
  readonly layout: string;
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** kubectl that must succeed; its stdout. */
  ok(args: string[], input?: string): Promise<string>;
  /** Polls `cond` every 250 ms until true; fails the test after `ms`. */
  until(what: string, cond: () => Promise<boolean>, ms?: number): Promise<void>;
  /**
   * Deletes `resources` (e.g. `pods,secrets`) in the default namespace while the node still
   * runs (containers outlive the kubelet by design), waits for the pods to go, stops `up`,
   * releases the host and removes the temp dir. Idempotent.
   */
  stop(resources: string): Promise<void>;
}

/**
 * Claims the host, builds the busybox image (umoci), starts `./skiff up --node-ip 127.0.0.1
 * --kubelet-port 0` plus `extraArgs`, imports the image as `skiff.test/busybox:busybox` and
 * waits for the node to be Ready. On a failure it cleans up what it started and rethrows.
 */
export async function startUpNode(workPrefix: string, extraArgs: string[] = []): Promise<UpNode> {
  const work = mkdtempSync(join(tmpdir(), workPrefix));
  const host = await claimNodeHost();
  let server: SkiffServer | undefined;
  let stopped = false;
  const stop = async (resources: string): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (server !== undefined) {
      await server.kubectl(['delete', resources, '--all', '--grace-period=1']);
      await server.kubectl(['wait', '--for=delete', 'pods', '--all', '--timeout=60s']);
      await server.stop();
    }
    host.release();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const layout = await buildBusyboxLayout(work);
    const archive = join(work, 'busybox.tar');
    const tar = await runTool('tar', ['-C', layout, '-cf', archive, '.']);
    if (tar.code !== 0) throw new Error(`tar: ${tar.stderr}`);
    server = await startSkiffServer(
      ['--node-ip', '127.0.0.1', '--kubelet-port', '0', ...extraArgs],
      { verb: 'up' },
    );
    const s = server;
    const imported = await runTool(SKIFF, [
      'image',
      'import',
      archive,
      '--name',
      'skiff.test/busybox',
      '--data-dir',
      s.dataDir,
    ]);
    if (imported.code !== 0) throw new Error(`skiff image import: ${imported.stderr}`);
    const kubectl = (args: string[], input?: string): Promise<RunResult> =>
      s.kubectl(args, input === undefined ? {} : { input });
    const until = async (
      what: string,
      cond: () => Promise<boolean>,
      ms = 60_000,
    ): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await cond())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(250);
      }
    };
    await until(
      'the node to be Ready',
      async () =>
        (
          await kubectl([
            'get',
            'nodes',
            '-o',
            'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
          ])
        ).stdout === 'True',
    );
    return {
      server: s,
      work,
      layout,
      kubectl,
      async ok(args, input) {
        const r = await kubectl(args, input);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
        return r.stdout;
      },
      until,
      stop,
    };
  } catch (err) {
    await stop('pods');
    throw err;
  }
}
