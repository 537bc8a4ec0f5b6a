/**
 * End to end through every component: `node dist/cmd/main.js server --simulated-nodes N`
 * (API server, controller-manager, scheduler and N simulated nodes in one process), then a
 * Deployment of R replicas applied through the client library; measures the time from the
 * create to all R pods available, the pods/s that makes, and the server's RSS and CPU.
 * Usage: node --import tsx bench/cluster/rollout.ts [--nodes 1000] [--replicas 10000]
 *   [--timeout 900] [--cpu-prof DIR] (a V8 CPU profile of the server, written when it stops)
 *   [--hold SECONDS] (then that long idle: the server's steady CPU and nodes not Ready)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { loadKubeconfig, newRestClientset } from '../../src/client/index.ts';
import { freePorts } from '../../src/storage/etcd/index.ts';
import { cpuMsOf, rssOf, startServer } from '../apiserver/proc.ts';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    replicas: { type: 'string', default: '10000' },
    timeout: { type: 'string', default: '900' },
    'cpu-prof': { type: 'string' },
    // After the rollout, keep the cluster idle this long and report its steady state: the
    // server's CPU, and how many nodes are not Ready at the end (heartbeats falling behind).
    hold: { type: 'string', default: '0' },
  },
});
const nodes = Number(args.nodes);
const replicas = Number(args.replicas);
const root = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'skiff-rollout-'));
const [port] = await freePorts(1);
const server = await startServer({
  root,
  launch: 'direct',
  dataDir,
  port: port ?? 0,
  serverArgs: ['--simulated-nodes', String(nodes)],
  ...(args['cpu-prof'] !== undefined
    ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] }
    : {}),
  timeoutMs: 60_000,
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
try {
  const config = await loadKubeconfig(server.kubeconfig);
  const { clientset, transport } = newRestClientset({ ...config, userAgent: 'bench-rollout' });
  const tNodes = performance.now();
  for (;;) {
    const list = await clientset.nodes.list('');
    const ready = list.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    if (ready >= nodes) break;
    await sleep(250);
  }
  const nodesMs = performance.now() - tNodes;
  const deployment: Deployment = {
    metadata: { name: 'bench' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'bench' } },
      template: {
        metadata: { labels: { app: 'bench' } },
        spec: {
          containers: [
            { name: 'c', image: 'nginx', resources: { requests: { cpu: '10m', memory: '16Mi' } } },
          ],
        },
      },
    },
  };
  const cpu0 = cpuMsOf(server.pid);
  const t0 = performance.now();
  await clientset.deployments.create('default', deployment);
  let available = 0;
  const deadline = t0 + Number(args.timeout) * 1000;
  while (available < replicas && performance.now() < deadline) {
    await sleep(500);
    const d = await clientset.deployments.get('default', 'bench');
    available = d.status?.availableReplicas ?? 0;
  }
  const ms = performance.now() - t0;
  const cpuMs = cpuMsOf(server.pid) - cpu0;
  const { rss, hwm } = rssOf(server.pid);
  const holdS = Number(args.hold);
  let steady: Record<string, number> = {};
  if (holdS > 0) {
    const c0 = cpuMsOf(server.pid);
    const h0 = performance.now();
    await sleep(holdS * 1000);
    const heldMs = performance.now() - h0;
    const list = await clientset.nodes.list('');
    const notReady = list.items.filter(
      (n) => !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    const d = await clientset.deployments.get('default', 'bench');
    steady = {
      holdSeconds: holdS,
      steadyCpuPercentOfCore: Number((((cpuMsOf(server.pid) - c0) / heldMs) * 100).toFixed(1)),
      nodesNotReadyAfterHold: notReady,
      availableAfterHold: d.status?.availableReplicas ?? 0,
    };
  }
  console.log(
    JSON.stringify({
      ...steady,
      nodes,
      replicas,
      nodesReadyMs: Math.round(nodesMs),
      available,
      rolloutMs: Math.round(ms),
      podsPerSecond: Math.round((available / ms) * 1000),
      serverCpuMs: Math.round(cpuMs),
      rssMiB: Math.round(rss / 2 ** 20),
      peakRssMiB: Math.round(hwm / 2 ** 20),
    }),
  );
  transport.close();
} finally {
  const tStop = performance.now();
  await server.stop(args['cpu-prof'] !== undefined ? 300_000 : 10_000);
  console.error(`server stopped in ${Math.round(performance.now() - tStop)} ms`);
  rmSync(dataDir, { recursive: true, force: true });
}
