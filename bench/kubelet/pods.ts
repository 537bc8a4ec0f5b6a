/**
 * The real node of `skiff up` (issue 7): time from exec of `node dist/cmd/main.js up` (fresh data
 * dir, busybox image imported beforehand) to the node Ready and to a first pod Running; then pod
 * startup latency, create → Running as seen by a watch, for batches of 1, 10 and 30 pods created
 * at once (image present, `sleep` containers); then the process's CPU and RSS while idle with 30
 * pods running (the whole `up` process: API server, controller-manager, scheduler and kubelet).
 * Needs root, runc, umoci and busybox-static; waits for the real-node e2e tests' host claim
 * (test/e2e/node-host.ts: they share the bridge skiff0 and the kubepods cgroups). Usage (as root):
 *   node --import tsx bench/kubelet/pods.ts [--runs 3] [--idle-seconds 30] [--sizes 1,10,30]
 *     [--main other/dist/cmd/main.js] [--node-args='--cpu-prof --cpu-prof-dir=/tmp/prof']
 *     [--timeline]
 * With SKIFF_KUBELET_TRACE=<file> in the environment the kubelet appends one JSON line per step
 * of each pod start (sandbox, namespaces, cni add, volumes, overlay, create/start container,
 * status write, and every host command it runs) to that file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { loadKubeconfig, newRestClientset } from '../../src/client/index.ts';
import type { Clientset } from '../../src/client/index.ts';
import { buildBusyboxLayout } from '../../src/kubelet/images/fixtures.ts';
import { freePorts } from '../../src/storage/etcd/index.ts';
import { cpuMsOf, rssOf } from '../apiserver/proc.ts';
import { claimNodeHost } from '../../test/e2e/node-host.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string', default: '30' },
    /** Batch sizes, comma-separated. */
    sizes: { type: 'string', default: '1,10,30' },
    /** Another build of the launcher (dist/cmd/main.js by default). */
    main: { type: 'string' },
    /** Extra node flags of the `up` process, space-separated (e.g. `--cpu-prof`). */
    'node-args': { type: 'string', default: '' },
    /** Print what happened on the way to the first pod Running (node conditions, events). */
    timeline: { type: 'boolean', default: false },
  },
});
const root = join(import.meta.dirname, '..', '..');
const main = args.main ?? join(root, 'dist', 'cmd', 'main.js');
const nodeArgs = args['node-args'].split(' ').filter((a) => a !== '');
const sizes = args.sizes.split(',').map(Number);
const IMAGE = 'skiff.test/busybox:busybox';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const linkExists = (name: string): boolean =>
  spawnSync('ip', ['link', 'show', name], { stdio: 'ignore' }).status === 0;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function pod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { bench: 'pods' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'c', image: IMAGE, imagePullPolicy: 'Never', command: ['sleep', '3600'] },
      ],
    },
  };
}

const running = (p: Pod): boolean => p.status?.phase === 'Running';

/** Creates `n` pods at once; resolves each one's create → Running (watch) in ms. */
async function batch(cs: Clientset, prefix: string, n: number): Promise<number[]> {
  const ac = new AbortController();
  const created = new Map<string, number>();
  const done = new Map<string, number>();
  const watching = (async () => {
    for await (const ev of cs.pods.watch('default', { labelSelector: 'bench=pods' }, ac.signal)) {
      const name = ev.object.metadata?.name ?? '';
      if (!name.startsWith(prefix) || done.has(name) || !running(ev.object)) continue;
      done.set(name, performance.now());
      if (done.size === n) ac.abort();
    }
  })().catch(() => undefined);
  await sleep(100); // the watch is established
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const name = `${prefix}-${String(i)}`;
      created.set(name, performance.now());
      await cs.pods.create('default', pod(name));
    }),
  );
  const deadline = performance.now() + 120_000;
  while (done.size < n && performance.now() < deadline) await sleep(50);
  ac.abort();
  await watching;
  if (done.size < n)
    throw new Error(`${prefix}: only ${String(done.size)} of ${String(n)} pods ran`);
  return [...done].map(([name, t]) => t - (created.get(name) ?? t)).sort((a, b) => a - b);
}

async function deleteAll(cs: Clientset): Promise<void> {
  // Graceful: the kubelet tears each pod down (mounts, netns, cgroups), then removes it.
  await cs.pods.deleteCollection('default', {
    labelSelector: 'bench=pods',
    gracePeriodSeconds: 1,
  });
  for (let i = 0; i < 600; i++) {
    if ((await cs.pods.list('default', { labelSelector: 'bench=pods' })).items.length === 0) return;
    await sleep(100);
  }
  throw new Error('pods not deleted after 60 s');
}

async function oneRun(work: string, archive: string): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(work, 'up-'));
  const imp = spawnSync(process.execPath, [
    main,
    'image',
    'import',
    archive,
    '--name',
    'skiff.test/busybox',
    '--data-dir',
    dataDir,
  ]);
  if (imp.status !== 0) throw new Error(`image import failed: ${imp.stderr.toString()}`);
  const [port] = await freePorts(1);
  const kubeconfig = join(dataDir, 'kubeconfig.yaml');
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      main,
      'up',
      '--data-dir',
      dataDir,
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(port),
      '--node-ip',
      '127.0.0.1',
      '--kubelet-port',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    while (!existsSync(kubeconfig)) {
      if (child.exitCode !== null) throw new Error(`up exited: ${out}`);
      await sleep(5);
    }
    const config = await loadKubeconfig(kubeconfig);
    const { clientset: cs, transport } = newRestClientset({
      ...config,
      userAgent: 'bench-kubelet',
    });
    try {
      // What happened on the way to the first pod Running (--timeline): the node's Ready
      // condition and taints, and the first pod's events, in ms since exec.
      const timeline: string[] = [];
      const mark = (what: string): void => {
        timeline.push(`${String(Math.round(performance.now() - t0))} ${what}`);
      };
      const timelineStop = new AbortController();
      const watchingTimeline = args.timeline
        ? Promise.all([
            (async () => {
              let last = '';
              for await (const ev of cs.nodes.watch('', {}, timelineStop.signal)) {
                const n = ev.object;
                const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
                const taints = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(',');
                const now = `node ${ev.type} Ready=${ready ?? '-'} taints=[${taints}]`;
                if (now !== last) mark(now);
                last = now;
              }
            })(),
            (async () => {
              for await (const ev of cs.serviceAccounts.watch('default', {}, timelineStop.signal)) {
                mark(`serviceaccount ${ev.type} ${ev.object.metadata?.name ?? ''}`);
              }
            })(),
            (async () => {
              for await (const ev of cs.coreEvents.watch('default', {}, timelineStop.signal)) {
                const e = ev.object;
                if (e.involvedObject.name !== 'first') continue;
                mark(`event ${e.reason ?? ''}: ${(e.message ?? '').slice(0, 80)}`);
              }
            })(),
          ]).catch(() => undefined)
        : Promise.resolve();
      // The first pod is created as soon as the API answers; it waits for the node.
      let firstCreated = false;
      while (!firstCreated) {
        try {
          await cs.pods.create('default', pod('first'));
          firstCreated = true;
          mark('first pod created');
        } catch (err) {
          const why = err instanceof Error ? err.message.slice(0, 100) : String(err);
          if (!timeline.at(-1)?.endsWith(why)) mark(`first pod not created: ${why}`);
          await sleep(10);
        }
      }
      let nodeReadyMs: number | undefined;
      let firstPodMs: number | undefined;
      while (firstPodMs === undefined && performance.now() - t0 < 60_000) {
        if (nodeReadyMs === undefined) {
          const nodes = await cs.nodes.list('');
          if (
            nodes.items.some((n) =>
              n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
            )
          )
            nodeReadyMs = performance.now() - t0;
        }
        if (running(await cs.pods.get('default', 'first'))) firstPodMs = performance.now() - t0;
        else await sleep(10);
      }
      mark('first pod Running (polled)');
      timelineStop.abort();
      await watchingTimeline;
      if (args.timeline)
        console.error(`first pod timeline (ms since exec):\n  ${timeline.join('\n  ')}`);
      await deleteAll(cs);
      const latency: Record<string, { p50: number; p99: number; max: number }> = {};
      for (const n of sizes) {
        const l = await batch(cs, `b${String(n)}`, n);
        latency[String(n)] = {
          p50: Math.round(percentile(l, 50)),
          p99: Math.round(percentile(l, 99)),
          max: Math.round(l[l.length - 1] ?? NaN),
        };
        if (n !== sizes[sizes.length - 1]) await deleteAll(cs);
      }
      // Idle with 30 pods running.
      await sleep(5_000);
      const idleS = Number(args['idle-seconds']);
      const cpu0 = cpuMsOf(child.pid ?? 0);
      await sleep(idleS * 1000);
      const idleCpuPct = ((cpuMsOf(child.pid ?? 0) - cpu0) / (idleS * 1000)) * 100;
      const { rss } = rssOf(child.pid ?? 0);
      await deleteAll(cs);
      return {
        nodeReadyMs: nodeReadyMs === undefined ? null : Math.round(nodeReadyMs),
        firstPodRunningMs: firstPodMs === undefined ? null : Math.round(firstPodMs),
        latency,
        idleCpuPctWith30Pods: Number(idleCpuPct.toFixed(2)),
        rssMiBWith30Pods: Math.round(rss / 2 ** 20),
      };
    } finally {
      // Containers outlive the kubelet by design: remove the pods while it runs.
      await deleteAll(cs).catch((err: unknown) => {
        console.error('cleanup: could not delete the pods:', err);
      });
      transport.close();
    }
  } catch (err) {
    console.error(`up output:\n${out}`);
    throw err;
  } finally {
    child.kill('SIGTERM');
    await exited;
    try {
      rmSync(dataDir, { recursive: true, force: true });
    } catch (err) {
      console.error(`cleanup: ${dataDir} not removed (mounts left?):`, err);
    }
  }
}

if (process.getuid?.() !== 0) {
  console.error('bench/kubelet/pods.ts needs root (runc, network namespaces, cgroups)');
  process.exit(2);
}
const bridgeExisted = linkExists('skiff0');
/** The node's `kubepods` cgroups in every hierarchy (they outlive the node, as upstream's). */
const kubepods = (): string[] =>
  spawnSync('sh', ['-c', 'ls -d /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods 2>/dev/null'])
    .stdout.toString()
    .split('\n')
    .filter((l) => l !== '');
// The bridge and kubepods are the real-node e2e tests' too: wait for them, one at a time.
const host = await claimNodeHost();
const cgroupsBefore = new Set(kubepods());
const work = mkdtempSync(join(tmpdir(), 'skiff-bench-kubelet-'));
try {
  const layout = await buildBusyboxLayout(work);
  const archive = join(work, 'busybox.tar');
  spawnSync('tar', ['-C', layout, '-cf', archive, '.']);
  for (let i = 0; i < Number(args.runs); i++) {
    console.log(JSON.stringify(await oneRun(work, archive)));
  }
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  if (!bridgeExisted && linkExists('skiff0')) spawnSync('ip', ['link', 'del', 'skiff0']);
  for (const dir of kubepods()) {
    if (!cgroupsBefore.has(dir))
      spawnSync('find', [dir, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';']);
  }
  rmSync(work, { recursive: true, force: true });
  host.release();
}
