// Integration: the host kubelet's housekeeping on this machine with runc. (1) Eviction: a soft
// memory threshold far above what the machine has (memory.available<1000Ti) makes the node
// report MemoryPressure at once and, after its grace period, evict the BestEffort pod first with
// upstream's Evicted status, the Guaranteed pod (under its request) last. (2) Log rotation: a
// container printing fast with containerLogMaxSize 16Ki (checked every 200 ms) keeps at most containerLogMaxFiles
// files, the newest lines in 0.log, and no line lost across the last rotation. The API is the
// FakeCluster. Needs root, runc, umoci, skopeo, busybox, iproute2 and the CNI plugins; skips
// otherwise. Everything lives under a temp dir or has test-unique names (bridge `skh<pid>`,
// pod CIDR 10.244.249.0/24) and is removed in `after` (pods deleted through the kubelet, which
// tears down their netns, cgroups and mounts; then the bridge and the temp dir).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { importArchive } from '../images/index.ts';
import { logOptions, readLogFile } from '../lifecycle/index.ts';
import { parseCriLogLine } from '../runtime/index.ts';
import { sandboxNameForPod } from '../sandbox/index.ts';
import { createHostKubelet } from './host-kubelet.ts';
import type { HostKubelet, HostKubeletOptions } from './host-kubelet.ts';

const run = promisify(execFile);
const tools = ['runc', 'umoci', 'skopeo', 'busybox', 'ip', 'unshare'];
const missing = tools.filter(
  (t) => !['/usr/bin', '/bin', '/usr/sbin', '/sbin'].some((d) => existsSync(join(d, t))),
);
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : !existsSync('/usr/lib/cni/bridge')
      ? 'needs containernetworking-plugins (/usr/lib/cni/bridge)'
      : missing.length > 0
        ? `missing ${missing.join(', ')}`
        : false;

/** The node's `kubepods` cgroups in every hierarchy (cgroup v1 controllers and v2). */
async function kubepodsCgroups(): Promise<string[]> {
  const r = await run('sh', [
    '-c',
    'ls -d /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods 2>/dev/null || true',
  ]);
  return r.stdout.split('\n').filter((l) => l !== '');
}

const POD_CIDR = '10.244.249.0/24';
const BRIDGE = `skh${process.pid.toString(36)}`.slice(0, 15);
const IMAGE = 'example.com/skiff/busybox:housekeeping-test';
const NODE = 'h1-node';

async function buildImage(work: string): Promise<string> {
  const layout = join(work, 'oci');
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:busybox`]);
  const bundle = join(work, 'bundle');
  await run('umoci', ['unpack', '--image', `${layout}:busybox`, bundle]);
  const r = join(bundle, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp']) await mkdir(join(r, d), { recursive: true });
  await copyFile('/bin/busybox', join(r, 'bin/busybox'));
  await symlink('busybox', join(r, 'bin/sh'));
  await writeFile(join(r, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(r, 'etc/group'), 'root:x:0:\n');
  await run('umoci', ['repack', '--image', `${layout}:busybox`, bundle]);
  const archive = join(work, 'busybox.tar');
  await run('skopeo', [
    'copy',
    '--quiet',
    `oci:${layout}:busybox`,
    `oci-archive:${archive}:${IMAGE}`,
  ]);
  return archive;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function newPod(name: string, script: string, resources?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: randomUUID() },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'app',
          image: IMAGE,
          imagePullPolicy: 'Never',
          command: ['/bin/busybox', 'sh', '-c', script],
          ...(resources !== undefined
            ? { resources: { requests: resources, limits: resources } }
            : {}),
        },
      ],
    },
  };
}

/** One host kubelet on a FakeCluster, with its pods deleted through it at the end. */
class Harness {
  readonly cluster = new FakeCluster();
  readonly ac = new AbortController();
  host: HostKubelet | undefined;
  done: Promise<void> | undefined;
  readonly pods: Pod[] = [];

  constructor(
    readonly dataDir: string,
    readonly archive: string,
  ) {}

  /** Builds the host kubelet, imports the image, seeds `pods`, then runs the kubelet. */
  async start(extra: Partial<HostKubeletOptions>, pods: Pod[]): Promise<HostKubelet> {
    const host = await createHostKubelet({
      clientset: this.cluster.clientset,
      nodeName: NODE,
      dataDir: this.dataDir,
      podCIDR: POD_CIDR,
      bridgeName: BRIDGE,
      networkName: `skiff-housekeeping-${process.pid}`,
      recorder: { event: () => undefined },
      ...extra,
    });
    this.host = host;
    await importArchive(host.images, this.archive);
    // Seeded before the kubelet runs: they pass admission before any pressure is observed.
    for (const p of pods) this.add(p);
    this.done = host.kubelet.run(this.ac.signal);
    return host;
  }

  add(pod: Pod): void {
    this.pods.push(pod);
    this.cluster.seed(BUILTIN_RESOURCES.pods, pod);
  }

  get(name: string): Pod | undefined {
    return this.cluster.peek<Pod>(BUILTIN_RESOURCES.pods, 'default', name);
  }

  /** Deletes every pod through the kubelet (teardown of netns, cgroups, mounts), then stops. */
  async close(): Promise<void> {
    const host = this.host;
    if (host === undefined) return;
    try {
      for (const p of this.pods) {
        const cur = this.get(p.metadata?.name ?? '');
        if (cur === undefined) continue;
        await this.cluster.clientset.pods.update('default', {
          ...cur,
          metadata: {
            ...cur.metadata,
            deletionTimestamp: new Date().toISOString(),
            deletionGracePeriodSeconds: 0,
          },
        });
      }
      await until(
        'the pods torn down',
        async () =>
          (await host.runtime.listContainers()).length === 0 &&
          this.pods.every(
            (p) =>
              this.get(p.metadata?.name ?? '') === undefined ||
              !existsSync(join(this.dataDir, 'kubelet', 'pods', p.metadata?.uid ?? '')),
          ),
        30_000,
      ).catch(() => undefined);
    } finally {
      this.ac.abort();
      await this.done;
      for (const c of await host.runtime.listContainers()) await host.runtime.deleteContainer(c.id);
      for (const p of this.pods) {
        const uid = p.metadata?.uid ?? '';
        await host.environment
          .tearDownPod({ uid, name: p.metadata?.name ?? '', namespace: 'default' })
          .catch(() => undefined);
        await run('ip', ['netns', 'delete', sandboxNameForPod(uid)]).catch(() => undefined);
      }
      await host.close();
    }
  }
}

describe('host kubelet housekeeping with runc', { skip }, () => {
  let work = '';
  let archive = '';
  const harnesses: Harness[] = [];
  let cgroupsBefore = new Set<string>();

  before(async () => {
    cgroupsBefore = new Set(await kubepodsCgroups());
    work = await mkdtemp(join(tmpdir(), 'skiff-housekeeping-'));
    archive = await buildImage(work);
  });

  after(async () => {
    for (const h of harnesses) await h.close().catch(() => undefined);
    await run('ip', ['link', 'delete', BRIDGE]).catch(() => undefined);
    // The node's QoS cgroups outlive a kubelet (as upstream's); remove the ones this test made.
    for (const dir of await kubepodsCgroups()) {
      if (!cgroupsBefore.has(dir))
        await run('find', [dir, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';']).catch(
          () => undefined,
        );
    }
    if (work !== '') {
      for (const d of ['evict', 'logs'])
        await run('umount', ['-R', join(work, d, 'kubelet')]).catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    }
  });

  it('reports MemoryPressure and evicts the BestEffort pod before the Guaranteed one', async () => {
    const h = new Harness(join(work, 'evict'), archive);
    harnesses.push(h);
    await h.start(
      {
        evictionSoft: 'memory.available<1000Ti',
        evictionSoftGracePeriod: 'memory.available=8s',
        evictionMonitoringIntervalMs: 1000,
      },
      [
        newPod('best-effort', 'exec /bin/busybox sleep 1000'),
        newPod('guaranteed', 'exec /bin/busybox sleep 1000', { cpu: '100m', memory: '64Mi' }),
      ],
    );
    await until('the node under MemoryPressure', () => {
      const node = h.cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', NODE);
      return node?.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status === 'True';
    });
    const memoryPressure = h.cluster
      .peek<Node>(BUILTIN_RESOURCES.nodes, '', NODE)
      ?.status?.conditions?.find((c) => c.type === 'MemoryPressure');
    assert.equal(memoryPressure?.reason, 'KubeletHasInsufficientMemory');
    await until(
      'both pods Running',
      () =>
        h.get('best-effort')?.status?.phase === 'Running' &&
        h.get('guaranteed')?.status?.phase === 'Running',
    );
    await until(
      'both pods evicted',
      () =>
        h.get('best-effort')?.status?.reason === 'Evicted' &&
        h.get('guaranteed')?.status?.reason === 'Evicted',
    );

    // The order of the Evicted status writes: BestEffort first, the Guaranteed pod last.
    const evictedOrder = h.cluster.actions
      .filter(
        (a) =>
          a.resource.resource === 'pods' &&
          a.subresource === 'status' &&
          JSON.stringify(a.object ?? {}).includes('"reason":"Evicted"'),
      )
      .map((a) => a.name)
      .filter((n, i, all) => all.indexOf(n) === i);
    assert.deepEqual(evictedOrder, ['best-effort', 'guaranteed']);

    const be = h.get('best-effort');
    assert.equal(be?.status?.phase, 'Failed');
    assert.match(
      be.status.message ?? '',
      /^The node was low on resource: memory\. Threshold quantity: 1000Ti, available: \d+Ki\. Container app was using \d+Ki, request is 0, has larger consumption of memory\. $/,
    );
    assert.equal(
      be.status.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason,
      'TerminationByKubelet',
    );
    assert.ok(be.status.containerStatuses?.[0]?.state?.terminated !== undefined);
    const g = h.get('guaranteed');
    // Under its request: no container is named as the offender.
    assert.match(
      g?.status?.message ?? '',
      /^The node was low on resource: memory\. Threshold quantity: 1000Ti, available: \d+Ki\. $/,
    );
    // The status is written first, then the containers are stopped.
    await until('every container stopped', async () =>
      ((await h.host?.runtime.listContainers()) ?? []).every((c) => c.status !== 'running'),
    );
  });

  it('rotates a fast container log: at most maxFiles files, newest lines kept, none lost', async () => {
    const h = new Harness(join(work, 'logs'), archive);
    harnesses.push(h);
    // 4000 lines of ~100 bytes (~400 KB) over ~2 s, two final lines a second later, then idle.
    // The log is checked every 200 ms (upstream's containerLogMonitorInterval, 10 s by default):
    // a file may pass the maximum between two checks, as upstream's.
    const pad = 'x'.repeat(90);
    const host = await h.start(
      {
        containerLogMaxSize: '16Ki',
        containerLogMaxFiles: 3,
        containerLogMonitorIntervalMs: 200,
      },
      [
        newPod(
          'chatty',
          `i=0; while [ $i -lt 4000 ]; do echo "line-$i ${pad}"; i=$((i+1)); [ $((i % 200)) -eq 0 ] && /bin/busybox usleep 100000; done; /bin/busybox sleep 1; echo final-1; echo final-2; exec /bin/busybox sleep 1000`,
        ),
      ],
    );
    await until('Running', () => h.get('chatty')?.status?.phase === 'Running');
    const uid = h.pods[0]?.metadata?.uid ?? '';
    const dir = join(host.podLogsDir, `default_chatty_${uid}`, 'app');
    const current = join(dir, '0.log');
    await until('the final lines in 0.log', async () =>
      (await readFile(current, 'utf8').catch(() => '')).includes('final-2'),
    );
    await until('rotated files compressed and trimmed', async () => {
      const names = await readdir(dir);
      return names.length <= 3 && !names.some((n) => n.endsWith('.tmp'));
    });
    const names = (await readdir(dir)).sort();
    assert.ok(names.length >= 2, `rotated at least once: ${names.join(' ')}`);
    assert.ok(names.length <= 3, `at most 3 files: ${names.join(' ')}`);
    assert.ok(names.includes('0.log'));

    // The newest rotated file (uncompressed) and 0.log hold a gap-free run ending at line 3999
    // (then the final lines).
    const newestRotated = names.filter((n) => n !== '0.log' && !n.endsWith('.gz')).pop();
    assert.ok(newestRotated !== undefined, names.join(' '));
    const numbers: number[] = [];
    for (const f of [newestRotated, '0.log']) {
      for (const l of (await readFile(join(dir, f), 'utf8')).split('\n')) {
        if (l === '') continue;
        const e = parseCriLogLine(Buffer.from(l));
        const m = /^line-(\d+) /.exec(Buffer.from(e.log).toString('utf8'));
        if (m?.[1] !== undefined) numbers.push(Number(m[1]));
      }
    }
    assert.equal(numbers.at(-1), 3999);
    for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], (numbers[i - 1] ?? 0) + 1);

    // What `kubectl logs --tail=2` reads.
    const out: Buffer[] = [];
    await readLogFile(current, logOptions({ tailLines: 2 }, Date.now()), {
      stdout: (c) => out.push(Buffer.from(c)),
      stderr: (c) => out.push(Buffer.from(c)),
    });
    assert.equal(Buffer.concat(out).toString('utf8'), 'final-1\nfinal-2\n');
  });
});
