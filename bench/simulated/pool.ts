/**
 * Scale check of the simulated node pool (not a test): 5,000 nodes and 50,000 pods against the
 * in-memory FakeCluster, in one process. Time is injected, so "10 minutes of heartbeats" take
 * as long as the CPU needs for them; the figures are the pool's (and the fake's) CPU cost.
 *
 *   node --expose-gc --import tsx bench/simulated/pool.ts [--nodes 5000] [--pods 50000]
 *        [--minutes 2]
 *
 * Prints registration time, heartbeat throughput (lease renewals per CPU second; the
 * requirement at 5,000 nodes and 10 s is 500/s), pod start throughput, and heap use.
 */
import { parseArgs } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { InformerFactory } from '../../src/client/index.ts';
import { FakeCluster } from '../../src/client/fake/index.ts';
import { SimulatedNodePool } from '../../src/kubelet/simulated/index.ts';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    pods: { type: 'string', default: '50000' },
    minutes: { type: 'string', default: '2' },
  },
});
const NODES = Number(args.nodes);
const PODS = Number(args.pods);
const MINUTES = Number(args.minutes);
const HEARTBEAT_MS = 10_000;

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const fmt = (n: number, digits = 0): string => n.toFixed(digits);

let t = Date.parse('2025-01-01T00:00:00Z');
const now = (): Date => new Date(t);
const cluster = new FakeCluster({ now });
const informers = new InformerFactory(cluster.clientset);
const stop = new AbortController();

const heap0 = heapMiB();
const pool = new SimulatedNodePool({
  clientset: cluster.clientset,
  informers,
  nodes: Array.from({ length: NODES }, (_, i) => ({ name: `sim-${String(i).padStart(5, '0')}` })),
  now,
  heartbeatMs: HEARTBEAT_MS,
  statusMs: 60_000,
});
const heapPool = heapMiB() - heap0;
informers.start(stop.signal);
await informers.waitForCacheSync();

/** Lets informer events in, then runs what is due; repeats until the pool has nothing left. */
async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setImmediate(r));
    await pool.tick();
  }
}

// 1. Registration: Node create + Lease create per node.
let start = performance.now();
await settle();
const regMs = performance.now() - start;
cluster.clearActions();
const registered = pool.stats().registrations;

// 2. Heartbeats: advance the clock in 100 ms steps for MINUTES minutes.
const before = pool.stats();
const cpu0 = process.cpuUsage();
start = performance.now();
const steps = (MINUTES * 60_000) / 100;
let maxPerStep = 0;
for (let i = 0; i < steps; i++) {
  t += 100;
  const r0 = pool.stats().leaseRenewals;
  await pool.tick();
  maxPerStep = Math.max(maxPerStep, pool.stats().leaseRenewals - r0);
  if (i % 100 === 0) cluster.clearActions();
}
const hbMs = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
const after = pool.stats();
const renewals = after.leaseRenewals - before.leaseRenewals;
const statusUpdates = after.nodeStatusUpdates - before.nodeStatusUpdates;
cluster.clearActions();

// 3. Pods: PODS pods bound round-robin, all to Running.
start = performance.now();
const batch = 1000;
for (let i = 0; i < PODS; i += batch) {
  const creates: Promise<Pod>[] = [];
  for (let j = i; j < Math.min(PODS, i + batch); j++) {
    creates.push(
      cluster.clientset.pods.create('default', {
        metadata: { name: `pod-${j}`, namespace: 'default' },
        spec: {
          nodeName: `sim-${String(j % NODES).padStart(5, '0')}`,
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
        },
        status: { phase: 'Pending', qosClass: 'BestEffort' },
      }),
    );
  }
  await Promise.all(creates);
  await settle(2);
  cluster.clearActions();
}
await settle();
const podMs = performance.now() - start;
const running = cluster
  .objects<Pod>({ group: '', version: 'v1', resource: 'pods' })
  .filter((p) => p.status?.phase === 'Running').length;
cluster.clearActions();
const heapAll = heapMiB();

stop.abort();
await informers.stopped();

const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(`# Simulated node pool: ${NODES} nodes, ${PODS} pods (FakeCluster, injected clock)`);
console.log('');
console.log('| measure | value |');
console.log('| --- | --- |');
console.log(`| pool state before registration | ${fmt(heapPool, 1)} MiB |`);
console.log(`| registration (${registered} Node + Lease creates) | ${fmt(regMs)} ms |`);
console.log(
  `| heartbeats: ${renewals} renewals + ${statusUpdates} status updates over ${MINUTES} simulated min | ${fmt(hbMs)} ms wall, ${fmt(cpuS, 2)} s CPU |`,
);
console.log(
  `| heartbeat throughput | ${fmt(renewals / (hbMs / 1000))} renewals/s (need ${fmt(NODES / (HEARTBEAT_MS / 1000))}/s) |`,
);
console.log(
  `| largest renewal burst per 100 ms step | ${maxPerStep} (even spread: ${fmt(NODES / (HEARTBEAT_MS / 100))}) |`,
);
console.log(
  `| pods to Running | ${running}/${PODS} in ${fmt(podMs)} ms (${fmt(PODS / (podMs / 1000))} pods/s) |`,
);
console.log(
  `| heap with everything (fake API objects, informer cache, pool) | ${fmt(heapAll)} MiB |`,
);
console.log(`| errors | ${pool.stats().errors} |`);
if (gc === undefined) console.log('\n(run with --expose-gc for exact heap figures)');
