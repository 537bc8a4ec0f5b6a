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
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from './harness.ts';

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
