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
import { SIMULATED_NODE_LABEL } from '../../src/api/index.ts';
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

const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

const CONDITIONS: [string, string, string, string][] = [
  [
    'MemoryPressure',
    'False',
    'KubeletHasSufficientMemory',
    'kubelet has sufficient memory available',
  ],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
];

function node(i: number, t: number): string {
  const name = `hb-node-${String(i)}`;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': `zone-${String(i % 3)}`,
        // Simulated: the API server never dials its kubelet (no metrics scrapes, no traffic).
        [SIMULATED_NODE_LABEL]: 'true',
      },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: `10.${String(64 + (i >> 8))}.${String(i & 255)}.0/24` },
    status: {
      capacity: { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      allocatable: { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      conditions: CONDITIONS.map(([type, status, reason, message]) => ({
        type,
        status,
        lastHeartbeatTime: rfc3339(t),
        lastTransitionTime: rfc3339(t),
        reason,
        message,
      })),
      addresses: [
        // Loopback, so that nothing could leave the machine even if it were dialled.
        { type: 'InternalIP', address: `127.1.${String(i >> 8)}.${String(i & 255)}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: 'm'.repeat(32),
        systemUUID: '00000000-0000-0000-0000-000000000000',
        bootID: '00000000-0000-0000-0000-000000000001',
        kernelVersion: '6.8.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.0',
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  });
}

function lease(i: number, t: number): string {
  const name = `hb-node-${String(i)}`;
  return JSON.stringify({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro(t) },
  });
}

/** The kubelet's status patch when nothing but the heartbeat changed (two-way merge patch). */
function statusPatch(t: number): string {
  return JSON.stringify({
    status: {
      '$setElementOrder/conditions': CONDITIONS.map(([type]) => ({ type })),
      conditions: CONDITIONS.map(([type]) => ({ type, lastHeartbeatTime: rfc3339(t) })),
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
    const leases: unknown[] = new Array(NODES);
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
            lease(i, Date.now()),
          );
          if (l.status !== 201) throw new Error(`lease ${String(i)}: HTTP ${String(l.status)}`);
          leases[i] = JSON.parse(l.body.toString()) as unknown;
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
      const name = `hb-node-${String(job.i)}`;
      let status: number;
      try {
        if (job.kind === 'lease') {
          const current = leases[job.i] as { spec: Record<string, unknown> };
          const body = { ...current, spec: { ...current.spec, renewTime: micro(Date.now()) } };
          const r = await request(
            s,
            'PUT',
            `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`,
            JSON.stringify(body),
          );
          status = r.status;
          if (status === 200) leases[job.i] = JSON.parse(r.body.toString()) as unknown;
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
