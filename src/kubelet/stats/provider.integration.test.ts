// Integration: StatsProvider over the real cgroup filesystems and /proc of this host. Creates a
// cgroup under a unique root ("skiff-test-stats-<pid>-<rand>", never kubepods), starts a shell
// that waits on stdin, moves it into the cgroup, then lets it exec a node process that burns CPU
// and holds 32 MiB; reads summaries and /metrics/resource. `after` kills the child by PID and
// removes the cgroup tree. Needs root and writable cgroup filesystems; skips otherwise.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupFs, readHierarchies } from '../cgroups/index.ts';
import { StatsProvider } from './index.ts';
import type { StatsPod } from './index.ts';

async function reasonToSkip(): Promise<string | false> {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  try {
    const h = await readHierarchies();
    if (h.v1.length === 0 && h.unified === undefined) return 'no cgroup filesystem mounted';
  } catch (err) {
    return `cannot read mountinfo: ${String(err)}`;
  }
  return false;
}

const skip = await reasonToSkip();

describe('StatsProvider on this host', { skip }, () => {
  const root = `/skiff-test-stats-${process.pid}-${randomBytes(3).toString('hex')}`;
  const podPath = `${root}/podu1`;
  const ctrPath = `${podPath}/c1`;
  let cg: CgroupFs;
  let child: ChildProcess | undefined;
  let exited: Promise<void> | undefined;
  let dir = '';
  let clock = Date.now();

  before(async () => {
    cg = new CgroupFs({ hierarchies: await readHierarchies() });
    dir = await mkdtemp(join(tmpdir(), 'skiff-stats-'));
    await cg.create(ctrPath);
    child = spawn(
      'sh',
      [
        '-c',
        `read x; exec ${process.execPath} -e "const b=Buffer.alloc(32*1024*1024,1);const t=Date.now();while(Date.now()-t<300){};process.stdout.write('ok\\\\n');setInterval(()=>b[0]++,1000)"`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    exited = new Promise((resolve) =>
      child?.once('exit', () => {
        resolve();
      }),
    );
    assert.ok(child.pid !== undefined);
    await cg.addProcess(ctrPath, child.pid);
    const ready = new Promise<void>((resolve) =>
      child?.stdout?.once('data', () => {
        resolve();
      }),
    );
    child.stdin?.write('\n');
    await ready;
    await mkdir(join(dir, 'logs', 'c1'), { recursive: true });
    await writeFile(join(dir, 'logs', 'c1', '0.log'), Buffer.alloc(10_000, 0x61));
  });

  after(async () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    }
    await cg.killAll(root).catch(() => undefined);
    await cg.destroy(root);
    await rm(dir, { recursive: true, force: true });
  });

  it('reports node, pod and container cpu/memory/process/fs stats and a CPU rate', async () => {
    const pod: StatsPod = {
      ref: { name: 'p', namespace: 'default', uid: 'u1' },
      startTime: clock - 5000,
      cgroupPath: podPath,
      containers: [
        {
          name: 'c1',
          startTime: clock - 4000,
          cgroupPath: ctrPath,
          logDir: join(dir, 'logs', 'c1'),
        },
      ],
      volumes: [{ name: 'data', path: join(dir, 'logs') }],
    };
    const provider = new StatsProvider({
      nodeName: 'node-a',
      cgroups: cg,
      pods: { listPods: () => [pod] },
      rootDir: dir,
      podsCgroup: root,
      now: () => clock,
    });
    const first = await provider.summary();
    const p = first.pods[0];
    const c = p?.containers[0];
    assert.ok(p !== undefined && c !== undefined);
    assert.ok((c.cpu?.usageCoreNanoSeconds ?? 0) >= 100_000_000, 'burned at least 0.1 s');
    assert.equal(c.cpu?.usageNanoCores, undefined, 'no rate from a single sample');
    assert.ok((c.memory?.workingSetBytes ?? 0) >= 32 * 1024 * 1024, JSON.stringify(c.memory));
    assert.ok((p.memory?.workingSetBytes ?? 0) >= (c.memory?.workingSetBytes ?? 0));
    assert.ok((p.process_stats?.process_count ?? 0) >= 1);
    assert.ok(p.network?.interfaces !== undefined, 'network of the process netns');
    assert.ok((c.logs?.usedBytes ?? 0) >= 10_000);
    assert.ok((p['ephemeral-storage']?.usedBytes ?? 0) >= 20_000, 'logs + the volume');
    assert.ok((first.node.cpu?.usageCoreNanoSeconds ?? 0) > 0);
    assert.ok((first.node.memory?.availableBytes ?? 0) > 0);
    assert.ok((first.node.fs?.capacityBytes ?? 0) > 0);
    assert.ok((first.node.rlimit?.maxpid ?? 0) > 0 && (first.node.rlimit?.curproc ?? 0) > 0);
    assert.equal(first.node.systemContainers?.[0]?.name, 'pods');

    clock += 2000;
    const second = await provider.summary();
    const rate = second.pods[0]?.containers[0]?.cpu?.usageNanoCores;
    assert.ok(rate !== undefined && rate >= 0, 'a rate after two samples');
    const text = await provider.resourceMetrics();
    assert.match(
      text,
      /^container_cpu_usage_seconds_total\{container="c1",namespace="default",pod="p"\} [\d.e+]+ \d+$/m,
    );
    assert.match(
      text,
      /^pod_memory_working_set_bytes\{namespace="default",pod="p"\} [\d.e+]+ \d+$/m,
    );
    assert.match(text, /^node_memory_working_set_bytes [\d.e+]+ \d+$/m);
    assert.match(text, /^resource_scrape_error 0$/m);
  });
});
