import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText } from './prometheus.ts';
import {
  MetricsStore,
  decodeResourceMetrics,
  formatGoDuration,
  resourceUsage,
  type MetricsPoint,
  type NodeScrape,
} from './store.ts';

const T0 = 1_700_000_000_000;

/** A kubelet exposition at `ts` with node CPU `nodeCpu` s and one container per entry. */
function exposition(
  ts: number,
  nodeCpu: number,
  containers: { ns: string; pod: string; c: string; cpu: number; mem: number; start?: number }[],
): string {
  const lines = [
    `node_cpu_usage_seconds_total ${String(nodeCpu)} ${String(ts)}`,
    `node_memory_working_set_bytes 2.097152e+09 ${String(ts)}`,
  ];
  for (const x of containers) {
    const l = `{container="${x.c}",namespace="${x.ns}",pod="${x.pod}"}`;
    lines.push(`container_cpu_usage_seconds_total${l} ${String(x.cpu)} ${String(ts)}`);
    lines.push(`container_memory_working_set_bytes${l} ${String(x.mem)} ${String(ts)}`);
    if (x.start !== undefined)
      lines.push(`container_start_time_seconds${l} ${String(x.start)} ${String(ts)}`);
  }
  return `${lines.join('\n')}\n`;
}

const scrape = (text: string): NodeScrape => decodeResourceMetrics(parsePrometheusText(text), T0);

describe('decodeResourceMetrics (metrics-server decodeBatch)', () => {
  it('decodes node and container points', () => {
    const s = scrape(
      exposition(T0, 12.5, [
        { ns: 'default', pod: 'web', c: 'app', cpu: 1.25, mem: 1048576, start: 1_600_000_000 },
      ]),
    );
    assert.deepEqual(s.node, {
      timestampMs: T0,
      startTimeMs: 0,
      cumulativeCpuNs: 12_500_000_000,
      memoryBytes: 2_097_152_000,
    });
    assert.deepEqual(s.pods.get('default/web')?.get('app'), {
      timestampMs: T0,
      startTimeMs: 1_600_000_000_000,
      cumulativeCpuNs: 1_250_000_000,
      memoryBytes: 1048576,
    });
  });
  it('leaves out points missing CPU or memory, or reporting zero', () => {
    const s = scrape(
      'node_cpu_usage_seconds_total 1 5\ncontainer_cpu_usage_seconds_total{container="a",namespace="n",pod="p"} 0 5\ncontainer_memory_working_set_bytes{container="a",namespace="n",pod="p"} 10 5\n',
    );
    assert.equal(s.node, undefined);
    assert.equal(s.pods.size, 0);
  });
  it('uses the scrape time for samples without a timestamp', () => {
    const s = scrape('node_cpu_usage_seconds_total 1\nnode_memory_working_set_bytes 5\n');
    assert.equal(s.node?.timestampMs, T0);
  });
});

describe('resourceUsage (metrics-server)', () => {
  const p = (ts: number, cpuNs: number, mem = 100, start = 0): MetricsPoint => ({
    timestampMs: ts,
    startTimeMs: start,
    cumulativeCpuNs: cpuNs,
    memoryBytes: mem,
  });
  it('is the CPU rate over the window and the later memory', () => {
    // 1.5 core-seconds over 15 s = 0.1 cores = 100 000 000 nanocores.
    assert.deepEqual(resourceUsage(p(T0 + 15_000, 2_500_000_000, 300), p(T0, 1_000_000_000, 200)), {
      timestampMs: T0 + 15_000,
      windowMs: 15_000,
      cpuNanoCores: 100_000_000,
      memoryBytes: 300,
    });
  });
  it('truncates fractional nanocores', () => {
    assert.equal(resourceUsage(p(T0 + 3_000, 10), p(T0, 0))?.cpuNanoCores, 3);
  });
  it('is unknown when the counter decreased, the container restarted, or no time passed', () => {
    assert.equal(resourceUsage(p(T0 + 1000, 5), p(T0, 10)), undefined);
    assert.equal(resourceUsage(p(T0 + 1000, 20, 1, 1), p(T0, 10, 1, 2)), undefined);
    assert.equal(resourceUsage(p(T0, 20), p(T0, 10)), undefined);
  });
});

describe('MetricsStore', () => {
  const round = (
    ts: number,
    nodeCpu: number,
    containers: Parameters<typeof exposition>[2],
  ): Map<string, NodeScrape> => new Map([['n1', scrape(exposition(ts, nodeCpu, containers))]]);

  it('needs two scrapes, then reports the rate between the last two', () => {
    const store = new MetricsStore();
    const c = (cpu: number): Parameters<typeof exposition>[2] => [
      { ns: 'default', pod: 'web', c: 'app', cpu, mem: 4096 },
      { ns: 'default', pod: 'web', c: 'side', cpu: cpu * 2, mem: 8192 },
    ];
    store.store(round(T0, 100, c(1)));
    assert.equal(store.nodeUsage('n1'), undefined);
    assert.equal(store.podUsage('default', 'web'), undefined);
    store.store(round(T0 + 10_000, 102, c(1.5)));
    assert.deepEqual(store.nodeUsage('n1'), {
      timestampMs: T0 + 10_000,
      windowMs: 10_000,
      cpuNanoCores: 200_000_000,
      memoryBytes: 2_097_152_000,
    });
    const pod = store.podUsage('default', 'web');
    assert.equal(pod?.windowMs, 10_000);
    assert.deepEqual(
      pod.containers.map((x) => [x.name, x.usage.cpuNanoCores, x.usage.memoryBytes]),
      [
        ['app', 50_000_000, 4096],
        ['side', 100_000_000, 8192],
      ],
    );
    // A third scrape: the window is between the second and the third.
    store.store(round(T0 + 25_000, 105, c(3)));
    assert.equal(store.nodeUsage('n1')?.cpuNanoCores, 200_000_000);
    assert.equal(store.nodeUsage('n1')?.windowMs, 15_000);
  });

  it('keeps the previous point when the kubelet repeats the same sample', () => {
    const store = new MetricsStore();
    store.store(round(T0, 100, []));
    store.store(round(T0 + 10_000, 101, []));
    store.store(round(T0 + 10_000, 101, []));
    assert.equal(store.nodeUsage('n1')?.windowMs, 10_000);
  });

  it('forgets nodes and pods missing from a round', () => {
    const store = new MetricsStore();
    const c = [{ ns: 'default', pod: 'web', c: 'app', cpu: 1, mem: 1 }];
    store.store(round(T0, 100, c));
    store.store(round(T0 + 10_000, 101, c));
    assert.ok(store.nodeUsage('n1') !== undefined);
    store.store(new Map());
    assert.equal(store.nodeUsage('n1'), undefined);
    assert.equal(store.podUsage('default', 'web'), undefined);
  });

  it('reports a pod only when every container has two points', () => {
    const store = new MetricsStore();
    store.store(round(T0, 100, [{ ns: 'd', pod: 'p', c: 'a', cpu: 1, mem: 1 }]));
    store.store(
      round(T0 + 10_000, 101, [
        { ns: 'd', pod: 'p', c: 'a', cpu: 2, mem: 1 },
        { ns: 'd', pod: 'p', c: 'b', cpu: 2, mem: 1 },
      ]),
    );
    assert.equal(store.podUsage('d', 'p'), undefined);
  });

  it('drops the previous point of a restarted container', () => {
    const store = new MetricsStore();
    store.store(
      round(T0, 100, [{ ns: 'd', pod: 'p', c: 'a', cpu: 5, mem: 1, start: (T0 - 60_000) / 1000 }]),
    );
    store.store(
      round(T0 + 10_000, 101, [
        { ns: 'd', pod: 'p', c: 'a', cpu: 0.5, mem: 1, start: (T0 + 5_000) / 1000 },
      ]),
    );
    assert.equal(store.podUsage('d', 'p'), undefined);
  });
});

describe('formatGoDuration (time.Duration.String)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [15_000, '15s'],
    [10_016, '10.016s'],
    [1_500, '1.5s'],
    [500, '500ms'],
    [1.5, '1.5ms'],
    [0.001, '1µs'],
    [60_500, '1m0.5s'],
    [3_600_000, '1h0m0s'],
    [-2_000, '-2s'],
  ];
  for (const [ms, want] of cases) {
    it(`${String(ms)} ms → ${want}`, () => {
      assert.equal(formatGoDuration(ms), want);
    });
  }
});
