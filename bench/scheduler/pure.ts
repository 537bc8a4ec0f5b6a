/**
 * Scheduler core throughput: 5,000 nodes, 1,000 existing pods, 10,000 pods scheduled one by one
 * through schedulePod with the default profile, each assumed into the snapshot. Prints pods/s of
 * wall time and of CPU time.
 * Run: node --import tsx bench/scheduler/pure.ts [nodes] [existing] [pods] [plain|spread|anti]
 * `spread` gives every new pod a zone topology spread constraint (DoNotSchedule, maxSkew 1);
 * `anti` gives it a required hostname anti-affinity to its own app (100 apps).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import {
  CycleState,
  Snapshot,
  newDefaultFramework,
  schedulePod,
} from '../../src/scheduler/index.ts';

const numNodes = Number(process.argv[2] ?? 5000);
const numExisting = Number(process.argv[3] ?? 1000);
const numPods = Number(process.argv[4] ?? 10000);
const mode = process.argv[5] ?? 'plain';

// Deterministic RNG (mulberry32) so runs are comparable.
let seed = 42;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function node(i: number): Node {
  return {
    metadata: {
      name: `node-${i}`,
      labels: {
        'kubernetes.io/hostname': `node-${i}`,
        'topology.kubernetes.io/zone': `zone-${i % 3}`,
      },
    },
    spec: {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '100Gi' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      images: [{ names: ['registry.k8s.io/pause:3.10'], sizeBytes: 300000 }],
    },
  };
}

function pod(name: string, nodeName?: string, i = 0): Pod {
  const app = mode === 'anti' ? `app-${i % 100}` : 'bench';
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app } },
    spec: {
      ...(nodeName !== undefined ? { nodeName } : {}),
      ...(mode === 'spread' && nodeName === undefined
        ? {
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: { app } },
              },
            ],
          }
        : {}),
      ...(mode === 'anti' && nodeName === undefined
        ? {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: { app } },
                  },
                ],
              },
            },
          }
        : {}),
      containers: [
        {
          name: 'c',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
    },
  };
}

const nodes = Array.from({ length: numNodes }, (_, i) => node(i));
const existing = Array.from({ length: numExisting }, (_, i) =>
  pod(`existing-${i}`, `node-${Math.floor(rand() * numNodes)}`),
);
const snapshot = Snapshot.from(nodes, existing);
const fwk = newDefaultFramework({}, { randomInt: (n) => Math.floor(rand() * n) });
const pods = Array.from({ length: numPods }, (_, i) => pod(`pod-${i}`, undefined, i));

const start = performance.now();
// CPU time as well as wall time: on a shared machine the wall clock also counts the time the
// process waited for a core, the CPU time only what scheduling cost.
const cpuStart = process.cpuUsage();
let failed = 0;
let evaluated = 0;
for (const p of pods) {
  const out = schedulePod(fwk, new CycleState(), p, snapshot);
  if (out.kind === 'scheduled') {
    evaluated += out.evaluatedNodes;
    snapshot.addPod({
      ...p,
      spec: { ...p.spec, containers: p.spec?.containers ?? [], nodeName: out.suggestedHost },
    });
  } else {
    failed++;
  }
}
const secs = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
const cpuSecs = (cpu.user + cpu.system) / 1e6;
console.log(
  `[${mode}] scheduled ${numPods - failed}/${numPods} pods over ${numNodes} nodes (${numExisting} existing) in ${secs.toFixed(2)}s: ${Math.round(numPods / secs)} pods/s (CPU ${cpuSecs.toFixed(2)}s: ${Math.round(numPods / cpuSecs)} pods per CPU-second; ${Math.round(evaluated / Math.max(1, numPods - failed))} nodes filtered per pod)`,
);
