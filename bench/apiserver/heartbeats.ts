/**
 * What node heartbeats cost the API server: N Nodes and their Leases, then kubelet traffic at
 * its upstream rates for a while — every node renews its Lease every 10 s (a PUT of the Lease
 * it last got back) and patches its status every `--status-every` s (a strategic merge patch of
 * the conditions' heartbeat times, as the kubelet's two-way patch is) — open loop, spread evenly.
 * Reports the server's CPU ms per write and latencies per kind; with `--cpu-prof FILE`, keeps a
 * CPU profile of the server for the steady phase's analysis.
 *
 *   node --import tsx bench/apiserver/heartbeats.ts [--root DIR] [--nodes 2000] [--seconds 30]
 *        [--status-every 60] [--clients 20] [--datastore DSN] [--cpu-prof FILE]
 *
 * The API server runs alone (no controller-manager or scheduler), so the figures are its own.
 * The Nodes carry the simulated-node label and loopback addresses: the API server never dials
 * their kubelets (network safety rule).
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  DEFAULT_CAPACITY,
  defaultNodeLabels,
  formatTime,
  initialNode,
  newBootID,
  nodeLease,
  renewedLease,
} from '../../src/kubelet/simulated/status.ts';
import { freePorts } from '../../src/storage/etcd/index.ts';
import { closeAll, readKubeconfig, request } from './client.ts';
import { cpuMsOf, rssOf, startServer } from './proc.ts';
import { openClients } from './workloads.ts';
import { nowMs, summarize } from '../storage/stats.ts';

const { values: args } = parseArgs({
  options: {
    root: { type: 'string' },
    nodes: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '30' },
    'status-every': { type: 'string', default: '60' },
    clients: { type: 'string', default: '20' },
    datastore: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const root = resolve(args.root ?? join(import.meta.dirname, '..', '..'));
const NODES = Number(args.nodes);
const SECONDS = Number(args.seconds);
const STATUS_EVERY_S = Number(args['status-every']);
const LEASE_EVERY_S = 10;
const work = mkdtempSync(join(tmpdir(), 'skiff-heartbeats-'));
const profDir = join(work, 'prof');

// The Node, Lease and status patch a kubelet sends, from the simulated kubelet's own builders.
// Simulated nodes (SIMULATED_NODE_LABEL via defaultNodeLabels) are never dialled by the API
// server, and their addresses are loopback, so nothing could leave the machine anyway.
const nodeName = (i: number): string => `hb-node-${String(i)}`;

function node(i: number, t: number): string {
  const name = nodeName(i);
  return JSON.stringify(
    initialNode(
      {
        name,
        labels: {
          ...defaultNodeLabels(name),
          'topology.kubernetes.io/zone': `zone-${String(i % 3)}`,
        },
        taints: [],
        capacity: DEFAULT_CAPACITY,
        allocatable: DEFAULT_CAPACITY,
        internalIP: `127.1.${String(i >> 8)}.${String(i & 255)}`,
        podCIDR: `10.${String(64 + (i >> 8))}.${String(i & 255)}.0/24`,
      },
      t,
      newBootID(name, t),
    ),
  );
}

/** The condition types of a healthy node, in the kubelet's order. */
const CONDITION_TYPES = ((JSON.parse(node(0, 0)) as Node).status?.conditions ?? []).map((c) => ({
  type: c.type,
}));

/** The kubelet's status patch when nothing but the heartbeat changed (two-way merge patch). */
function statusPatch(t: number): string {
  return JSON.stringify({
    status: {
      '$setElementOrder/conditions': CONDITION_TYPES,
      conditions: CONDITION_TYPES.map(({ type }) => ({ type, lastHeartbeatTime: formatTime(t) })),
    },
  });
}

interface Kind {
  latencies: number[];
  failures: Record<string, number>;
}

async function main(): Promise<void> {
  const [port] = await freePorts(1);
  const server = await startServer({
    root,
    launch: 'direct',
    dataDir: join(work, 'data'),
    port: port ?? 0,
    datastore: args.datastore,
    serverArgs: ['--disable-controller-manager', '--disable-scheduler'],
    ...(args['cpu-prof'] === undefined
      ? {}
      : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] }),
  });
  const creds = readKubeconfig(server.kubeconfig);
  const sessions = await openClients(creds, Number(args.clients));
  try {
    // Registration: every Node and its Lease, as fast as the clients go.
    const t0 = nowMs();
    const leases: Lease[] = new Array<Lease>(NODES);
    let next = 0;
    await Promise.all(
      sessions.map(async (s) => {
        while (next < NODES) {
          const i = next++;
          const n = await request(s, 'POST', '/api/v1/nodes', node(i, Date.now()));
          if (n.status !== 201) throw new Error(`node ${String(i)}: HTTP ${String(n.status)}`);
          const l = await request(
            s,
            'POST',
            '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
            JSON.stringify(nodeLease(nodeName(i), undefined, Date.now())),
          );
          if (l.status !== 201) throw new Error(`lease ${String(i)}: HTTP ${String(l.status)}`);
          leases[i] = JSON.parse(l.body.toString()) as Lease;
        }
      }),
    );
    const registerS = (nowMs() - t0) / 1000;
    process.stderr.write(
      `registered ${String(NODES)} nodes and leases in ${registerS.toFixed(1)} s\n`,
    );

    // Steady phase: open-loop arrivals, each node's lease every 10 s and status every N s.
    const kinds: Record<'lease' | 'status', Kind> = {
      lease: { latencies: [], failures: {} },
      status: { latencies: [], failures: {} },
    };
    const leasePerSec = NODES / LEASE_EVERY_S;
    const statusPerSec = NODES / STATUS_EVERY_S;
    const idle: http2.ClientHttp2Session[] = [...sessions];
    const queue: { kind: 'lease' | 'status'; i: number; intended: number }[] = [];
    const cpu0 = cpuMsOf(server.pid);
    const start = nowMs();
    const end = start + SECONDS * 1000;
    let leaseNext = 0;
    let statusNext = 0;
    let inFlight = 0;
    const one = async (
      s: http2.ClientHttp2Session,
      job: { kind: 'lease' | 'status'; i: number; intended: number },
    ): Promise<void> => {
      const name = nodeName(job.i);
      let status: number;
      try {
        if (job.kind === 'lease') {
          const current = leases[job.i];
          if (current === undefined) throw new Error(`no lease of ${name}`);
          const body = renewedLease(current, name, undefined, Date.now());
          const r = await request(
            s,
            'PUT',
            `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`,
            JSON.stringify(body),
          );
          status = r.status;
          if (status === 200) leases[job.i] = JSON.parse(r.body.toString()) as Lease;
        } else {
          const r = await request(
            s,
            'PATCH',
            `/api/v1/nodes/${name}/status`,
            statusPatch(Date.now()),
            { 'content-type': 'application/strategic-merge-patch+json' },
          );
          status = r.status;
        }
      } catch {
        status = -1;
      }
      const k = kinds[job.kind];
      if (status === 200) k.latencies.push(nowMs() - job.intended);
      else k.failures[String(status)] = (k.failures[String(status)] ?? 0) + 1;
    };
    await new Promise<void>((done) => {
      const pump = (): void => {
        const now = Math.min(nowMs(), end);
        while (start + (leaseNext * 1000) / leasePerSec <= now) {
          queue.push({
            kind: 'lease',
            i: leaseNext % NODES,
            intended: start + (leaseNext * 1000) / leasePerSec,
          });
          leaseNext++;
        }
        while (start + (statusNext * 1000) / statusPerSec <= now) {
          queue.push({
            kind: 'status',
            i: statusNext % NODES,
            intended: start + (statusNext * 1000) / statusPerSec,
          });
          statusNext++;
        }
        while (queue.length > 0 && idle.length > 0) {
          const job = queue.shift();
          const s = idle.pop();
          if (job === undefined || s === undefined) break;
          inFlight++;
          void one(s, job).then(() => {
            inFlight--;
            idle.push(s);
            pump();
          });
        }
        if (nowMs() >= end && queue.length === 0 && inFlight === 0) done();
      };
      const tick = (): void => {
        pump();
        if (nowMs() < end) setTimeout(tick, 2);
      };
      tick();
    });
    const elapsed = (nowMs() - start) / 1000;
    const cpuMs = cpuMsOf(server.pid) - cpu0;
    const writes = kinds.lease.latencies.length + kinds.status.latencies.length;
    const result = {
      nodes: NODES,
      datastore: args.datastore ?? 'sqlite',
      registerSeconds: Number(registerS.toFixed(2)),
      seconds: Number(elapsed.toFixed(1)),
      targetPerSec: { lease: leasePerSec, status: Number(statusPerSec.toFixed(1)) },
      donePerSec: {
        lease: Number((kinds.lease.latencies.length / elapsed).toFixed(1)),
        status: Number((kinds.status.latencies.length / elapsed).toFixed(1)),
      },
      serverCpuPercentOfCore: Number(((cpuMs / (elapsed * 1000)) * 100).toFixed(1)),
      serverCpuMsPerWrite: Number((cpuMs / Math.max(1, writes)).toFixed(3)),
      lease: { ...summarize(kinds.lease.latencies), failures: kinds.lease.failures },
      status: { ...summarize(kinds.status.latencies), failures: kinds.status.failures },
      rssMiB: Number((rssOf(server.pid).rss / 2 ** 20).toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    closeAll(sessions);
    await server.stop();
    if (args['cpu-prof'] !== undefined) {
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (file !== undefined) copyFileSync(join(profDir, file), args['cpu-prof']);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
