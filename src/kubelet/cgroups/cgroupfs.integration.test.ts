// Integration: the real cgroup filesystems of this machine. Creates the kubelet hierarchy under a
// unique root ("skiff-test-<pid>-<rand>", never kubepods), applies a Burstable pod's settings and
// reads the files back, puts a `sleep` into a container cgroup, reads its stats, kills it through
// the cgroup and removes everything bottom-up, then checks that nothing with the root's name is
// left in any hierarchy. Needs root and writable cgroup filesystems; skips otherwise. `after`
// kills the child by PID and removes the tree even when a test failed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readdir, readFile, rmdir } from 'node:fs/promises';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';
import {
  CgroupError,
  CgroupFs,
  CgroupLayout,
  containerResourceConfig,
  planNodeCgroups,
  planPodCgroups,
  readHierarchies,
} from './index.ts';
import type { CgroupHierarchies } from './index.ts';

async function reasonToSkip(): Promise<string | false> {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  let h: CgroupHierarchies;
  try {
    h = await readHierarchies();
  } catch (err) {
    return `cannot read mountinfo: ${String(err)}`;
  }
  const dirs = [...h.v1.map((m) => m.mountPoint), ...(h.unified === undefined ? [] : [h.unified])];
  if (dirs.length === 0) return 'no cgroup filesystem mounted';
  try {
    for (const d of dirs) await access(d, constants.W_OK);
  } catch {
    return 'cgroup filesystems are not writable';
  }
  return false;
}

const skip = await reasonToSkip();

describe('cgroupfs on this host', { skip }, () => {
  const rootName = `skiff-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const layout = new CgroupLayout({ podsCgroup: rootName });
  let cg: CgroupFs;
  let hierarchies: CgroupHierarchies;
  let child: ChildProcess | undefined;
  let childExit: Promise<NodeJS.Signals | null> | undefined;

  const pod: Pod = {
    metadata: { name: 'burstable', namespace: 'default', uid: `uid-${rootName}` },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'busybox',
          resources: {
            requests: { cpu: '100m', memory: '64Mi' },
            limits: { cpu: '200m', memory: '128Mi' },
          },
        },
      ],
    },
  };
  const plan = planPodCgroups(layout, pod, { containerId: () => 'c1' });
  const containerPath = plan.containers[0]?.path ?? '';

  /** Every directory named rootName directly under a hierarchy mount. */
  async function leftovers(): Promise<string[]> {
    const out: string[] = [];
    for (const dir of new CgroupFs({ hierarchies }).dirs('/').values()) {
      if ((await readdir(dir)).includes(rootName)) out.push(`${dir}/${rootName}`);
    }
    return out;
  }

  before(async () => {
    hierarchies = await readHierarchies();
    cg = new CgroupFs({ hierarchies });
  });

  after(async () => {
    if (
      child !== undefined &&
      child.exitCode === null &&
      child.signalCode === null &&
      child.pid !== undefined
    ) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await childExit;
    }
    try {
      await cg.killAll(layout.path(layout.pods));
      await cg.destroy(layout.path(layout.pods));
    } catch {
      // Last resort: plain rmdir, deepest first, in every hierarchy.
      for (const dir of await leftovers()) await rmTree(dir);
    }
  });

  it('detects the hierarchies of this machine', () => {
    assert.ok(['v1', 'hybrid', 'v2'].includes(hierarchies.mode));
    if (cg.version === 1) {
      for (const c of ['cpu', 'cpuacct', 'memory', 'pids', 'freezer', 'cpuset']) {
        assert.ok(cg.dirOf('/', c) !== undefined, `v1 controller ${c} mounted`);
      }
    }
  });

  it('creates the node hierarchy and a Burstable pod, and reads the settings back', async () => {
    const alloc = new Map([
      ['cpu', parseQuantity('1')],
      ['memory', parseQuantity('1Gi')],
      ['pid', parseQuantity('4096')],
    ]);
    for (const p of planNodeCgroups(layout, alloc, [pod])) await cg.create(p.path, p.resources);
    assert.equal(plan.qosClass, 'Burstable');
    assert.equal(plan.path, `/${rootName}/burstable/pod${pod.metadata?.uid ?? ''}`);
    await cg.create(plan.path, plan.resources);
    assert.ok(await cg.exists(plan.path));
    const read = async (controller: string, file: string, path = plan.path): Promise<string> =>
      ((await cg.readFile(path, controller, file)) ?? '<missing>').trim();
    if (cg.version === 1) {
      assert.equal(await read('cpu', 'cpu.shares'), '102');
      assert.equal(await read('cpu', 'cpu.cfs_quota_us'), '20000');
      assert.equal(await read('cpu', 'cpu.cfs_period_us'), '100000');
      assert.equal(await read('memory', 'memory.limit_in_bytes'), String(128 * 1024 * 1024));
      assert.equal(await read('cpu', 'cpu.shares', `/${rootName}/burstable`), '102');
      assert.equal(await read('cpu', 'cpu.shares', `/${rootName}/besteffort`), '2');
      assert.equal(await read('cpu', 'cpu.shares', `/${rootName}`), '1024');
      assert.equal(
        await read('memory', 'memory.limit_in_bytes', `/${rootName}`),
        String(1024 ** 3),
      );
      assert.equal(await read('pids', 'pids.max', `/${rootName}`), '4096');
      if (hierarchies.mode === 'hybrid') {
        await access(`${hierarchies.unified ?? ''}${plan.path}`);
      }
    } else {
      assert.equal(await read('cpu', 'cpu.weight'), '4');
      assert.equal(await read('cpu', 'cpu.max'), '20000 100000');
      assert.equal(await read('memory', 'memory.max'), String(128 * 1024 * 1024));
      assert.equal(await read('pids', 'pids.max', `/${rootName}`), '4096');
    }
    // Updating is idempotent and takes a new value.
    await cg.update(plan.path, { memory: 96 * 1024 * 1024 });
    const memFile = cg.version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
    assert.equal(await read('memory', memFile), String(96 * 1024 * 1024));
  });

  it('runs a process in a container cgroup, measures it and kills it through the cgroup', async () => {
    const ctr = pod.spec?.containers[0] as Container;
    await cg.create(
      containerPath,
      containerResourceConfig(pod, ctr, { cgroupV2: cg.version === 2 }),
    );
    if (cg.version === 1) {
      const rootCpus = ((await cg.readFile('/', 'cpuset', 'cpuset.cpus')) ?? '').trim();
      assert.equal(
        ((await cg.readFile(containerPath, 'cpuset', 'cpuset.cpus')) ?? '').trim(),
        rootCpus,
      );
    }
    const proc = spawn('sleep', ['30'], { stdio: 'ignore' });
    child = proc;
    childExit = new Promise((resolve) => {
      proc.once('exit', (_code, signal) => {
        resolve(signal);
      });
    });
    const pid = proc.pid;
    assert.ok(pid !== undefined);
    await cg.addProcess(containerPath, pid);

    const own = await readFile(`/proc/${pid}/cgroup`, 'utf8');
    assert.ok(
      own.split('\n').some((l) => l.endsWith(`:${containerPath}`)),
      own,
    );
    assert.deepEqual(await cg.pids(containerPath), [pid]);
    assert.deepEqual(await cg.pids(plan.path), [pid], 'pod pids include its containers');
    assert.deepEqual(await cg.pids(plan.path, false), []);
    assert.deepEqual(await cg.children(plan.path), ['c1']);

    const stats = await cg.stats(containerPath);
    assert.equal(stats.pidsCurrent, 1n);
    assert.equal(typeof stats.cpuUsageNanoseconds, 'bigint');
    assert.equal(typeof stats.memoryUsageBytes, 'bigint');
    assert.ok((stats.memoryWorkingSetBytes ?? -1n) >= 0n);
    assert.equal(stats.oomKillCount ?? 0n, 0n);
    assert.equal(stats.memoryLimitBytes, 128n * 1024n * 1024n);
    const podStats = await cg.stats(plan.path);
    assert.equal(podStats.pidsCurrent, 1n, 'hierarchical accounting');

    // A cgroup with a live task cannot be removed: destroy retries EBUSY, then reports it.
    const impatient = new CgroupFs({ hierarchies, retries: 2, retryDelayMs: 1 });
    await assert.rejects(impatient.destroy(plan.path), (err: unknown) => {
      assert.ok(err instanceof CgroupError);
      assert.match(err.message, /EBUSY/);
      return true;
    });
    assert.ok(await cg.exists(containerPath));

    assert.equal(await cg.killAll(plan.path), 1);
    assert.equal(await childExit, 'SIGKILL');
    assert.deepEqual(await cg.pids(plan.path), []);
    assert.equal(await cg.killAll(`/${rootName}/no-such-pod`), 0);
  });

  it('removes everything bottom-up and leaves nothing behind', async () => {
    await cg.destroy(layout.path(layout.pods));
    assert.equal(await cg.exists(plan.path), false);
    assert.deepEqual(await leftovers(), []);
    await cg.destroy(layout.path(layout.pods)); // idempotent
  });
});

// The v2 code paths (subtree walk, cgroup.procs, cgroup.kill or cgroup.freeze, cpu.stat) on the
// controller-less cgroup2 tree of a hybrid host. No controller is enabled anywhere
// (v2Controllers: []), so the host's unified root is left exactly as it was.
describe('cgroup v2 paths on the hybrid unified tree', { skip }, () => {
  const rootName = `skiff-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  let unified: string | undefined;
  let cg: CgroupFs | undefined;
  let child: ChildProcess | undefined;

  before(async () => {
    const h = await readHierarchies();
    if (h.mode !== 'hybrid' || h.unified === undefined) return;
    unified = h.unified;
    cg = new CgroupFs({ hierarchies: { mode: 'v2', v1: [], unified }, v2Controllers: [] });
  });

  after(async () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (unified !== undefined) {
      await cg?.killAll(`/${rootName}`).catch(() => undefined);
      await cg?.destroy(`/${rootName}`).catch(() => undefined);
      if ((await readdir(unified)).includes(rootName)) await rmTree(`${unified}/${rootName}`);
    }
  });

  it('creates, joins, measures, kills and removes', async (t) => {
    if (cg === undefined || unified === undefined) {
      t.skip('not a hybrid host');
      return;
    }
    const path = `/${rootName}/pod1/c1`;
    assert.equal(cg.version, 2);
    // cpu.weight/memory.max are skipped: those controllers are not available in this tree.
    await cg.create(path, { cpuShares: 1024, memory: 1 << 30 });
    assert.equal(await cg.readFile(path, 'cpu', 'cpu.weight'), undefined);
    const proc = spawn('sleep', ['30'], { stdio: 'ignore' });
    child = proc;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      proc.once('exit', (_code, signal) => {
        resolve(signal);
      });
    });
    assert.ok(proc.pid !== undefined);
    await cg.addProcess(path, proc.pid);
    assert.deepEqual(await cg.pids(`/${rootName}`), [proc.pid]);
    const stats = await cg.stats(path);
    assert.equal(typeof stats.cpuUsageNanoseconds, 'bigint', 'cpu.stat exists in every v2 cgroup');
    assert.equal(await cg.killAll(`/${rootName}/pod1`), 1);
    assert.equal(await exited, 'SIGKILL');
    await cg.destroy(`/${rootName}`);
    assert.equal((await readdir(unified)).includes(rootName), false);
  });
});

/** rmdir a cgroup tree deepest first (cgroup directories hold only kernel files). */
async function rmTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await rmTree(`${dir}/${e.name}`);
  }
  await rmdir(dir).catch(() => undefined);
}
