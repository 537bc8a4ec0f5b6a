/**
 * Resource usage as metrics-server computes it (pkg/scraper/client/resource/decode.go and
 * pkg/storage): a kubelet's `/metrics/resource` decoded into node and container points
 * (cumulative CPU seconds, working-set memory, sample time), two scrapes kept per node and
 * container, CPU usage reported as the rate between them over the window between their
 * timestamps. Pure; the clock is the caller's.
 */
import type { PromSample } from './prometheus.ts';

/** One measurement of a node or a container. */
export interface MetricsPoint {
  /** Sample time, ms since the epoch. */
  timestampMs: number;
  /** Container start time, ms since the epoch (0 when unknown; nodes have none). */
  startTimeMs: number;
  /** Cumulative CPU time in nanoseconds (core-nanoseconds). */
  cumulativeCpuNs: number;
  /** Working-set memory in bytes. */
  memoryBytes: number;
}

/** What one kubelet scrape gives: the node's point and its pods' containers' points. */
export interface NodeScrape {
  node?: MetricsPoint;
  /** By `namespace/pod`, then container name. */
  pods: Map<string, Map<string, MetricsPoint>>;
}

interface PartialPoint {
  timestampMs?: number;
  startTimeMs?: number;
  cpuNs?: number;
  memoryBytes?: number;
}

/**
 * Decodes a kubelet's resource metrics (metrics-server decodeBatch): node_cpu_usage_seconds_total,
 * node_memory_working_set_bytes, container_cpu_usage_seconds_total,
 * container_memory_working_set_bytes and container_start_time_seconds. Samples without a
 * timestamp take `defaultTimeMs`. A node or container lacking CPU or memory, or reporting zero
 * for either, is left out, as metrics-server does.
 */
export function decodeResourceMetrics(
  samples: readonly PromSample[],
  defaultTimeMs: number,
): NodeScrape {
  const node: PartialPoint = {};
  const containers = new Map<string, Map<string, PartialPoint>>();
  const containerOf = (s: PromSample): PartialPoint | undefined => {
    const ns = s.labels['namespace'];
    const pod = s.labels['pod'];
    const container = s.labels['container'];
    if (ns === undefined || pod === undefined || container === undefined) return undefined;
    const key = `${ns}/${pod}`;
    let byName = containers.get(key);
    if (byName === undefined) {
      byName = new Map();
      containers.set(key, byName);
    }
    let p = byName.get(container);
    if (p === undefined) {
      p = {};
      byName.set(container, p);
    }
    return p;
  };
  for (const s of samples) {
    const ts = s.timestampMs ?? defaultTimeMs;
    switch (s.name) {
      case 'node_cpu_usage_seconds_total':
        node.cpuNs = Math.round(s.value * 1e9);
        node.timestampMs = ts;
        break;
      case 'node_memory_working_set_bytes':
        node.memoryBytes = Math.round(s.value);
        node.timestampMs ??= ts;
        break;
      case 'container_cpu_usage_seconds_total': {
        const p = containerOf(s);
        if (p === undefined) break;
        p.cpuNs = Math.round(s.value * 1e9);
        p.timestampMs = ts;
        break;
      }
      case 'container_memory_working_set_bytes': {
        const p = containerOf(s);
        if (p === undefined) break;
        p.memoryBytes = Math.round(s.value);
        p.timestampMs ??= ts;
        break;
      }
      case 'container_start_time_seconds': {
        const p = containerOf(s);
        if (p === undefined) break;
        p.startTimeMs = Math.round(s.value * 1000);
        break;
      }
    }
  }
  const complete = (p: PartialPoint): MetricsPoint | undefined =>
    p.cpuNs === undefined ||
    p.memoryBytes === undefined ||
    p.timestampMs === undefined ||
    p.cpuNs === 0 ||
    p.memoryBytes === 0 ||
    !Number.isFinite(p.cpuNs) ||
    !Number.isFinite(p.memoryBytes)
      ? undefined
      : {
          timestampMs: p.timestampMs,
          startTimeMs: p.startTimeMs ?? 0,
          cumulativeCpuNs: p.cpuNs,
          memoryBytes: p.memoryBytes,
        };
  const out: NodeScrape = { pods: new Map() };
  const n = complete(node);
  if (n !== undefined) out.node = n;
  for (const [key, byName] of containers) {
    const points = new Map<string, MetricsPoint>();
    for (const [name, p] of byName) {
      const c = complete(p);
      if (c !== undefined) points.set(name, c);
    }
    if (points.size > 0) out.pods.set(key, points);
  }
  return out;
}

/** Usage between two points. */
export interface Usage {
  /** The later point's time, ms since the epoch. */
  timestampMs: number;
  /** Between the two points, ms. */
  windowMs: number;
  /** CPU rate in nanocores. */
  cpuNanoCores: number;
  memoryBytes: number;
}

/**
 * metrics-server's resourceUsage: CPU as (cpu₂ − cpu₁) / (t₂ − t₁) in nanocores (truncated),
 * memory of the later point. Undefined when the counter went backwards, the later point started
 * before the earlier one, or the window is empty.
 */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): Usage | undefined {
  if (last.startTimeMs < prev.startTimeMs) return undefined;
  if (last.cumulativeCpuNs < prev.cumulativeCpuNs) return undefined;
  const windowMs = last.timestampMs - prev.timestampMs;
  if (windowMs <= 0) return undefined;
  return {
    timestampMs: last.timestampMs,
    windowMs,
    cpuNanoCores: Math.trunc(((last.cumulativeCpuNs - prev.cumulativeCpuNs) * 1000) / windowMs),
    memoryBytes: last.memoryBytes,
  };
}

/**
 * The point kept as "previous" when `next` replaces `last` (metrics-server's storage rules):
 * `last` when `next` is newer and the container did not restart since; otherwise the older
 * previous point while it is still older than `next`; otherwise none.
 */
function previousFor(
  next: MetricsPoint,
  last: MetricsPoint | undefined,
  prev: MetricsPoint | undefined,
): MetricsPoint | undefined {
  if (
    last !== undefined &&
    next.timestampMs > last.timestampMs &&
    next.startTimeMs < last.timestampMs
  ) {
    return last;
  }
  if (prev !== undefined && prev.timestampMs < next.timestampMs) return prev;
  return undefined;
}

/** Container usage of one pod. */
export interface PodUsage {
  /** The earliest container timestamp, ms. */
  timestampMs: number;
  /** The window of that container, ms. */
  windowMs: number;
  containers: { name: string; usage: Usage }[];
}

/**
 * The last two scrapes of every node and container (metrics-server's nodeStorage and
 * podStorage). `store()` takes a whole scrape round: nodes and pods absent from it are
 * forgotten.
 */
export class MetricsStore {
  private lastNodes = new Map<string, MetricsPoint>();
  private prevNodes = new Map<string, MetricsPoint>();
  private lastPods = new Map<string, Map<string, MetricsPoint>>();
  private prevPods = new Map<string, Map<string, MetricsPoint>>();

  /** Stores one round of scrapes, by node name. */
  store(round: ReadonlyMap<string, NodeScrape>): void {
    const lastNodes = new Map<string, MetricsPoint>();
    const prevNodes = new Map<string, MetricsPoint>();
    const lastPods = new Map<string, Map<string, MetricsPoint>>();
    const prevPods = new Map<string, Map<string, MetricsPoint>>();
    for (const [nodeName, scrape] of round) {
      if (scrape.node !== undefined) {
        lastNodes.set(nodeName, scrape.node);
        const p = previousFor(
          scrape.node,
          this.lastNodes.get(nodeName),
          this.prevNodes.get(nodeName),
        );
        if (p !== undefined) prevNodes.set(nodeName, p);
      }
      for (const [podKey, containers] of scrape.pods) {
        if (lastPods.has(podKey)) continue; // the same pod reported by two nodes: keep the first
        lastPods.set(podKey, containers);
        const prevContainers = new Map<string, MetricsPoint>();
        for (const [name, point] of containers) {
          const p = previousFor(
            point,
            this.lastPods.get(podKey)?.get(name),
            this.prevPods.get(podKey)?.get(name),
          );
          if (p !== undefined) prevContainers.set(name, p);
        }
        prevPods.set(podKey, prevContainers);
      }
    }
    this.lastNodes = lastNodes;
    this.prevNodes = prevNodes;
    this.lastPods = lastPods;
    this.prevPods = prevPods;
  }

  /** The node's usage, or undefined until two usable scrapes of it exist. */
  nodeUsage(nodeName: string): Usage | undefined {
    const last = this.lastNodes.get(nodeName);
    const prev = this.prevNodes.get(nodeName);
    return last === undefined || prev === undefined ? undefined : resourceUsage(last, prev);
  }

  /**
   * The pod's usage per container (sorted by name), or undefined unless every container in the
   * last scrape has a previous point too (metrics-server reports whole pods only).
   */
  podUsage(namespace: string, name: string): PodUsage | undefined {
    const key = `${namespace}/${name}`;
    const last = this.lastPods.get(key);
    const prev = this.prevPods.get(key);
    if (last === undefined || prev === undefined) return undefined;
    const containers: { name: string; usage: Usage }[] = [];
    let earliest: Usage | undefined;
    for (const [container, point] of last) {
      const p = prev.get(container);
      if (p === undefined) return undefined;
      const usage = resourceUsage(point, p);
      if (usage === undefined) continue;
      containers.push({ name: container, usage });
      if (earliest === undefined || usage.timestampMs < earliest.timestampMs) earliest = usage;
    }
    if (earliest === undefined) return undefined;
    containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { timestampMs: earliest.timestampMs, windowMs: earliest.windowMs, containers };
  }
}

/** Go's time.Duration.String() of a duration in milliseconds (`15s`, `1.5s`, `1m0.5s`, `500ms`). */
export function formatGoDuration(ms: number): string {
  let ns = BigInt(Math.round(ms * 1e6));
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  if (neg) ns = -ns;
  const sign = neg ? '-' : '';
  const frac = (value: bigint, unit: bigint, digits: number): string => {
    const whole = value / unit;
    let f = (value % unit).toString().padStart(digits, '0').replace(/0+$/, '');
    if (f !== '') f = `.${f}`;
    return `${whole.toString()}${f}`;
  };
  if (ns < 1_000n) return `${sign}${ns.toString()}ns`;
  if (ns < 1_000_000n) return `${sign}${frac(ns, 1_000n, 3)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${frac(ns, 1_000_000n, 6)}ms`;
  const hours = ns / 3_600_000_000_000n;
  const rem = ns % 3_600_000_000_000n;
  const minutes = rem / 60_000_000_000n;
  const seconds = frac(rem % 60_000_000_000n, 1_000_000_000n, 9);
  if (hours > 0n) return `${sign}${hours.toString()}h${minutes.toString()}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes.toString()}m${seconds}s`;
  return `${sign}${seconds}s`;
}
