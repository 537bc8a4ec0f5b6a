/**
 * Test builders for nodes and pods (like upstream pkg/scheduler/testing/wrappers.go), shared by
 * the framework and plugin tests. Pure data; not used at run time.
 */
import type {
  Affinity,
  Container,
  ContainerImage,
  Node,
  Pod,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from 'kubernetes-types/core/v1.js';
import { CycleState } from './cycle-state.ts';
import type { NodeScore, PreScorePlugin, ScorePlugin } from './interface.ts';
import type { NodeInfo } from './node-info.ts';
import type { Status } from './status.ts';

/** Options of {@link makeNode}. */
export interface NodeOptions {
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Allocatable (and capacity); default none. */
  allocatable?: Record<string, string>;
  images?: ContainerImage[];
  unschedulable?: boolean;
}

/** A Node named `name`. */
export function makeNode(name: string, o: NodeOptions = {}): Node {
  return {
    metadata: { name, labels: o.labels ?? {} },
    spec: {
      ...(o.taints !== undefined ? { taints: o.taints } : {}),
      ...(o.unschedulable === true ? { unschedulable: true } : {}),
    },
    status: {
      ...(o.allocatable !== undefined
        ? { allocatable: o.allocatable, capacity: o.allocatable }
        : {}),
      ...(o.images !== undefined ? { images: o.images } : {}),
    },
  };
}

/** Options of {@link makePod}. */
export interface PodOptions {
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  /** Requests of one container each. */
  containers?: Record<string, string>[];
  initContainers?: (Record<string, string> & { sidecar?: string })[];
  overhead?: Record<string, string>;
  images?: string[];
  hostPorts?: { port: number; protocol?: string; hostIP?: string }[];
  priority?: number;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  nominatedNodeName?: string;
  startTime?: string;
  preemptionPolicy?: string;
}

/** A Pod named `name` (uid defaults to the name). */
export function makePod(name: string, o: PodOptions = {}): Pod {
  const containers: Container[] = (o.containers ?? [{}]).map((req, i) => ({
    name: `c${i}`,
    image: o.images?.[i] ?? 'pause',
    ...(Object.keys(req).length > 0 ? { resources: { requests: req } } : {}),
  }));
  if (o.images !== undefined && o.images.length > containers.length) {
    for (let i = containers.length; i < o.images.length; i++) {
      containers.push({ name: `c${i}`, image: o.images[i] ?? '' });
    }
  }
  if (o.hostPorts !== undefined && containers[0] !== undefined) {
    containers[0].ports = o.hostPorts.map((p) => ({
      containerPort: p.port,
      hostPort: p.port,
      ...(p.protocol !== undefined ? { protocol: p.protocol } : {}),
      ...(p.hostIP !== undefined ? { hostIP: p.hostIP } : {}),
    }));
  }
  const initContainers: Container[] | undefined = o.initContainers?.map((r, i) => {
    const { sidecar, ...req } = r;
    return {
      name: `init${i}`,
      image: 'pause',
      resources: { requests: req },
      ...(sidecar !== undefined ? { restartPolicy: 'Always' } : {}),
    };
  });
  return {
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? name,
      labels: o.labels ?? {},
    },
    spec: {
      containers,
      ...(initContainers !== undefined ? { initContainers } : {}),
      ...(o.nodeName !== undefined ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector !== undefined ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.affinity !== undefined ? { affinity: o.affinity } : {}),
      ...(o.tolerations !== undefined ? { tolerations: o.tolerations } : {}),
      ...(o.overhead !== undefined ? { overhead: o.overhead } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.preemptionPolicy !== undefined ? { preemptionPolicy: o.preemptionPolicy } : {}),
      ...(o.topologySpreadConstraints !== undefined
        ? { topologySpreadConstraints: o.topologySpreadConstraints }
        : {}),
    },
    status: {
      ...(o.nominatedNodeName !== undefined ? { nominatedNodeName: o.nominatedNodeName } : {}),
      ...(o.startTime !== undefined ? { startTime: o.startTime } : {}),
    },
  };
}

/** A deterministic RNG (mulberry32) returning integers in [0, n). */
export function seededRandomInt(seed = 1): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/**
 * Runs PreScore (if any), Score and NormalizeScore of one plugin over `nodes` like upstream's
 * plugin tests do; returns the scores in node order, or the first failing Status.
 */
export function runScorePlugin(
  plugin: ScorePlugin & Partial<PreScorePlugin>,
  pod: Pod,
  nodes: readonly NodeInfo[],
  state: CycleState = new CycleState(),
): NodeScore[] | Status {
  if (plugin.preScore !== undefined) {
    const s = plugin.preScore(state, pod, nodes);
    if (s.isSkip()) return nodes.map((n) => ({ name: n.name, score: 0 }));
    if (!s.isSuccess()) return s;
  }
  const scores: NodeScore[] = [];
  for (const n of nodes) {
    const r = plugin.score(state, pod, n);
    if (typeof r !== 'number') return r;
    scores.push({ name: n.name, score: r });
  }
  const ext = plugin.scoreExtensions?.();
  if (ext !== undefined) {
    const s = ext.normalizeScore(state, pod, scores);
    if (!s.isSuccess()) return s;
  }
  return scores;
}
