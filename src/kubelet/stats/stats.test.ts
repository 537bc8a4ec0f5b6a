import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CpuUsageCache,
  formatGoFloat,
  fsStatsFromStatfs,
  memoryStats,
  networkStats,
  parseNetDev,
  parseProcStatCpu,
  renderResourceMetrics,
} from './index.ts';
import type { Summary } from './index.ts';

// upstream TestCollectResourceMetrics: 2021-06-23 05:11:18.302091597 +0800.
const T = 1624396278302;
const time = new Date(T).toISOString();

describe('formatGoFloat (strconv.FormatFloat g -1)', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [1, '1'],
    [10, '10'],
    [1000, '1000'],
    [123456, '123456'],
    [1e6, '1e+06'],
    [12345678, '1.2345678e+07'],
    [1624396248.3020916, '1.6243962483020916e+09'],
    [0.5, '0.5'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-2.5, '-2.5'],
    [1e21, '1e+21'],
  ];
  for (const [v, want] of cases)
    it(`${v} → ${want}`, () => {
      assert.equal(formatGoFloat(v), want);
    });
});

describe('renderResourceMetrics (upstream TestCollectResourceMetrics)', () => {
  it('error getting summary', () => {
    assert.equal(
      renderResourceMetrics(undefined),
      [
        '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
        '# TYPE resource_scrape_error gauge',
        'resource_scrape_error 1',
        '',
      ].join('\n'),
    );
  });

  it('node metrics', () => {
    const s: Summary = {
      node: {
        nodeName: 'n',
        startTime: time,
        cpu: { time, usageCoreNanoSeconds: 10_000_000_000 },
        memory: { time, workingSetBytes: 1000, usageBytes: 2000 },
      },
      pods: [],
    };
    assert.equal(
      renderResourceMetrics(s),
      [
        '# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in core-seconds',
        '# TYPE node_cpu_usage_seconds_total counter',
        'node_cpu_usage_seconds_total 10 1624396278302',
        '# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes',
        '# TYPE node_memory_working_set_bytes gauge',
        'node_memory_working_set_bytes 1000 1624396278302',
        '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
        '# TYPE resource_scrape_error gauge',
        'resource_scrape_error 0',
        '',
      ].join('\n'),
    );
  });

  it('containers of several pods and namespaces, sorted by labels; pods; nil values left out', () => {
    const c = (name: string, startMs: number, withValues = true) => ({
      name,
      startTime: new Date(startMs).toISOString(),
      ...(withValues
        ? {
            cpu: { time, usageCoreNanoSeconds: 10_000_000_000 },
            memory: { time, workingSetBytes: 1000 },
          }
        : { cpu: { time }, memory: { time } }),
    });
    const s: Summary = {
      node: { nodeName: 'n', startTime: time },
      pods: [
        {
          podRef: { name: 'pod_a', namespace: 'namespace_a', uid: 'a' },
          startTime: time,
          containers: [c('container_a', T - 30_000), c('container_b', T - 120_000, false)],
          cpu: { time, usageCoreNanoSeconds: 10_000_000_000 },
          memory: { time, workingSetBytes: 1000 },
        },
        {
          podRef: { name: 'pod_b', namespace: 'namespace_b', uid: 'b' },
          startTime: time,
          containers: [c('container_a', T - 600_000)],
        },
      ],
    };
    const text = renderResourceMetrics(s);
    assert.equal(
      text,
      [
        '# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds',
        '# TYPE container_cpu_usage_seconds_total counter',
        'container_cpu_usage_seconds_total{container="container_a",namespace="namespace_a",pod="pod_a"} 10 1624396278302',
        'container_cpu_usage_seconds_total{container="container_a",namespace="namespace_b",pod="pod_b"} 10 1624396278302',
        '# HELP container_memory_working_set_bytes [STABLE] Current working set of the container in bytes',
        '# TYPE container_memory_working_set_bytes gauge',
        'container_memory_working_set_bytes{container="container_a",namespace="namespace_a",pod="pod_a"} 1000 1624396278302',
        'container_memory_working_set_bytes{container="container_a",namespace="namespace_b",pod="pod_b"} 1000 1624396278302',
        '# HELP container_start_time_seconds [STABLE] Start time of the container since unix epoch in seconds',
        '# TYPE container_start_time_seconds gauge',
        'container_start_time_seconds{container="container_a",namespace="namespace_a",pod="pod_a"} 1.624396248302e+09',
        'container_start_time_seconds{container="container_a",namespace="namespace_b",pod="pod_b"} 1.624395678302e+09',
        'container_start_time_seconds{container="container_b",namespace="namespace_a",pod="pod_a"} 1.624396158302e+09',
        '# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in core-seconds',
        '# TYPE pod_cpu_usage_seconds_total counter',
        'pod_cpu_usage_seconds_total{namespace="namespace_a",pod="pod_a"} 10 1624396278302',
        '# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes',
        '# TYPE pod_memory_working_set_bytes gauge',
        'pod_memory_working_set_bytes{namespace="namespace_a",pod="pod_a"} 1000 1624396278302',
        '# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise',
        '# TYPE resource_scrape_error gauge',
        'resource_scrape_error 0',
        '',
      ].join('\n'),
    );
  });

  it('a negative start time is left out', () => {
    const s: Summary = {
      node: { nodeName: 'n', startTime: time },
      pods: [
        {
          podRef: { name: 'p', namespace: 'ns', uid: 'u' },
          startTime: time,
          containers: [{ name: 'c', startTime: new Date(-T).toISOString() }],
        },
      ],
    };
    assert.doesNotMatch(renderResourceMetrics(s), /container_start_time_seconds/);
  });
});

describe('CpuUsageCache (usageNanoCores between samples)', () => {
  it('needs two samples, then reports the rate; short windows reuse the cached rate', () => {
    const c = new CpuUsageCache(1000);
    assert.equal(c.sample('k', 1_000_000_000n, 0), undefined);
    // 0.5 s of CPU over 2 s = 0.25 cores.
    assert.equal(c.sample('k', 1_500_000_000n, 2000), 250_000_000);
    assert.equal(c.sample('k', 1_600_000_000n, 2500), 250_000_000);
    // Measured against the sample at 2000 (the one at 2500 was not kept).
    assert.equal(c.sample('k', 2_500_000_000n, 4000), 500_000_000);
  });
  it('a counter going back starts over; prune forgets keys', () => {
    const c = new CpuUsageCache(0);
    c.sample('k', 5n, 0);
    assert.equal(c.sample('k', 1n, 1000), undefined);
    c.prune(new Set());
    assert.equal(c.sample('k', 10n, 2000), undefined);
  });
});

describe('host text parsers', () => {
  it('parseProcStatCpu counts busy ticks at USER_HZ 100', () => {
    const text = 'cpu  100 20 30 1000 50 5 5 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nbtime 1700000000\n';
    // 100+20+30+5+5+0 = 160 ticks = 1.6 s.
    assert.equal(parseProcStatCpu(text), 1_600_000_000n);
    assert.equal(parseProcStatCpu('intr 1\n'), undefined);
  });
  it('parseNetDev and networkStats (eth0 inline, lo left out)', () => {
    const text = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0',
      '  eth0:  123456     100    2    0    0     0          0         0    65432      90    1    0    0     0       0          0',
    ].join('\n');
    const ifaces = parseNetDev(text);
    assert.deepEqual(ifaces[1], {
      name: 'eth0',
      rxBytes: 123456,
      rxErrors: 2,
      txBytes: 65432,
      txErrors: 1,
    });
    assert.deepEqual(networkStats(ifaces, time), {
      time,
      name: 'eth0',
      rxBytes: 123456,
      rxErrors: 2,
      txBytes: 65432,
      txErrors: 1,
      interfaces: [{ name: 'eth0', rxBytes: 123456, rxErrors: 2, txBytes: 65432, txErrors: 1 }],
    });
    assert.equal(networkStats(ifaces.slice(0, 1), time), undefined);
  });
  it('memoryStats: available against the limit, faults; fsStatsFromStatfs', () => {
    assert.deepEqual(
      memoryStats(
        time,
        {
          memoryUsageBytes: 300n,
          memoryWorkingSetBytes: 200n,
          memoryRssBytes: 150n,
          memoryLimitBytes: 1000n,
        },
        { pageFaults: 7, majorPageFaults: 1 },
      ),
      {
        time,
        availableBytes: 800,
        usageBytes: 300,
        workingSetBytes: 200,
        rssBytes: 150,
        pageFaults: 7,
        majorPageFaults: 1,
      },
    );
    assert.equal(memoryStats(time, {}), undefined);
    assert.deepEqual(
      fsStatsFromStatfs(time, {
        bsize: 4096,
        blocks: 100,
        bfree: 40,
        bavail: 30,
        files: 50,
        ffree: 20,
      }),
      {
        time,
        availableBytes: 30 * 4096,
        capacityBytes: 100 * 4096,
        usedBytes: 60 * 4096,
        inodesFree: 20,
        inodes: 50,
        inodesUsed: 30,
      },
    );
  });
});
