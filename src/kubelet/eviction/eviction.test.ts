import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';
import type { PodStats, Summary } from '../stats/index.ts';
import {
  EvictionManager,
  evictionMessage,
  makeSignalObservations,
  nodeConditionsObservedSince,
  parseThresholdConfig,
  rankDiskPressure,
  rankMemoryPressure,
  rankPIDPressure,
  sortByEvictionPriority,
  thresholdQuantity,
  thresholdsMet,
} from './index.ts';
import type { EvictionStatus, Threshold } from './index.ts';

const Mi = 1024 * 1024;
const Gi = 1024 * Mi;
const q = (s: string) => parseQuantity(s);

describe('parseThresholdConfig (upstream TestParseThresholdConfig)', () => {
  it('all flag values', () => {
    const got = parseThresholdConfig({
      evictionHard: { 'memory.available': '150Mi', 'nodefs.available': '10%' },
      evictionSoft: { 'memory.available': '300Mi' },
      evictionSoftGracePeriod: { 'memory.available': '30s' },
      evictionMinimumReclaim: { 'memory.available': '0', 'nodefs.available': '5%' },
    });
    assert.equal(got.length, 3);
    const [a, b, c] = got;
    assert.ok(a && b && c);
    assert.equal(a.signal, 'memory.available');
    assert.equal(a.gracePeriodMs, 0);
    assert.deepEqual(b.value, { percentage: Math.fround(0.1) });
    assert.deepEqual(b.minReclaim, { percentage: Math.fround(0.05) });
    assert.equal(c.gracePeriodMs, 30_000);
    assert.equal('quantity' in c.value && c.value.quantity.toString(), '300Mi');
  });
  it('errors', () => {
    assert.throws(() => parseThresholdConfig({ evictionHard: { 'mem.available': '150Mi' } }), {
      message: 'unsupported eviction signal mem.available',
    });
    assert.throws(() => parseThresholdConfig({ evictionHard: { 'memory.available': '-150Mi' } }), {
      message: 'eviction threshold memory.available must be positive: -150Mi',
    });
    assert.throws(() => parseThresholdConfig({ evictionHard: { 'memory.available': '-15%' } }), {
      message: 'eviction percentage threshold memory.available must be >= 0%: -15%',
    });
    assert.throws(() => parseThresholdConfig({ evictionHard: { 'memory.available': '115%' } }), {
      message: 'eviction percentage threshold memory.available must be <= 100%: 115%',
    });
    assert.throws(() => parseThresholdConfig({ evictionSoft: { 'memory.available': '150Mi' } }), {
      message: 'grace period must be specified for the soft eviction threshold memory.available',
    });
    assert.throws(
      () =>
        parseThresholdConfig({
          evictionSoft: { 'memory.available': '150Mi' },
          evictionSoftGracePeriod: { 'memory.available': '-30s' },
        }),
      { message: 'invalid eviction grace period specified: -30s, must be a positive value' },
    );
    assert.throws(
      () => parseThresholdConfig({ evictionMinimumReclaim: { 'memory.available': '-300Mi' } }),
      {
        message: 'negative eviction minimum reclaim specified for memory.available',
      },
    );
  });
  it('0% and 100% disable a signal', () => {
    assert.deepEqual(
      parseThresholdConfig({
        evictionHard: { 'nodefs.available': '0%', 'imagefs.available': '100%' },
      }),
      [],
    );
  });
});

describe('thresholds (upstream TestThresholdsMet, TestGetThresholdQuantity)', () => {
  const t: Threshold = {
    signal: 'memory.available',
    value: { quantity: q('500Mi') },
    gracePeriodMs: 0,
    minReclaim: { quantity: q('500Mi') },
  };
  const obs = (avail: string) =>
    new Map([['memory.available' as const, { available: q(avail), capacity: q('3Gi') }]]);
  it('met, not met, and met while min reclaim is enforced', () => {
    assert.equal(thresholdsMet([t], obs('400Mi'), false).length, 1);
    assert.equal(thresholdsMet([t], obs('600Mi'), false).length, 0);
    assert.equal(thresholdsMet([t], obs('600Mi'), true).length, 1);
    assert.equal(thresholdsMet([t], obs('1Gi'), true).length, 0);
    assert.equal(thresholdsMet([t], new Map(), false).length, 0);
  });
  it('percentages of capacity', () => {
    assert.equal(
      thresholdQuantity({ percentage: Math.fround(0.5) }, q('1000Mi')).toString(),
      '500Mi',
    );
    assert.equal(
      thresholdQuantity({ percentage: Math.fround(0.1) }, q('100Gi')).value(),
      Math.trunc(100 * Gi * Math.fround(0.1)),
    );
  });
  it('memory sorts first', () => {
    const disk: Threshold = {
      signal: 'nodefs.available',
      value: { quantity: q('1Gi') },
      gracePeriodMs: 0,
    };
    assert.deepEqual(
      sortByEvictionPriority([disk, t]).map((x) => x.signal),
      ['memory.available', 'nodefs.available'],
    );
  });
  it('pressure is held for the transition period', () => {
    const at = new Map([['MemoryPressure' as const, 1000]]);
    assert.deepEqual(nodeConditionsObservedSince(at, 300_000, 1000 + 299_999), ['MemoryPressure']);
    assert.deepEqual(nodeConditionsObservedSince(at, 300_000, 1000 + 300_000), []);
  });
});

function pod(
  name: string,
  opts: {
    priority?: number;
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  } = {},
): Pod {
  return {
    metadata: { name, namespace: 'default', uid: name },
    spec: {
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      containers: [
        {
          name,
          image: 'busybox',
          resources: {
            ...(opts.requests ? { requests: opts.requests } : {}),
            ...(opts.limits ? { limits: opts.limits } : {}),
          },
        },
      ],
    },
  };
}

function podStats(p: Pod, time: string, ws: number, disk = 0, procs = 1): PodStats {
  const name = p.metadata?.name ?? '';
  return {
    podRef: { name, namespace: 'default', uid: name },
    startTime: time,
    containers: [
      {
        name,
        startTime: time,
        memory: { time, workingSetBytes: ws },
        rootfs: { time, usedBytes: disk, inodesUsed: 0 },
        logs: { time, usedBytes: 0, inodesUsed: 0 },
      },
    ],
    memory: { time, workingSetBytes: ws },
    process_stats: { process_count: procs },
  };
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata?.name);

describe('ranking (upstream TestOrderedByExceedsRequestMemory, TestOrderedByPriority, TestOrderedByMemory)', () => {
  const time = '2026-01-01T00:00:00Z';
  it('memory: exceeds requests, then priority, then usage above requests', () => {
    const below = pod('below-requests', { requests: { memory: '200Mi' } });
    const above = pod('above-requests', { requests: { memory: '200Mi' } });
    const bestEffortHigh = pod('best-effort-high', { priority: 100 });
    const bestEffortLow = pod('best-effort-low', { priority: -100 });
    const usage = new Map<string, number>([
      ['below-requests', 100 * Mi],
      ['above-requests', 300 * Mi],
      ['best-effort-high', 50 * Mi],
      ['best-effort-low', 10 * Mi],
    ]);
    const stats = (p: Pod) => podStats(p, time, usage.get(p.metadata?.name ?? '') ?? 0);
    const pods = [below, bestEffortHigh, above, bestEffortLow];
    rankMemoryPressure(pods, stats);
    assert.deepEqual(names(pods), [
      'best-effort-low',
      'above-requests',
      'best-effort-high',
      'below-requests',
    ]);
  });
  it('memory: pods without stats first, then the larger consumer relative to request', () => {
    const a = pod('a', { requests: { memory: '100Mi' } });
    const b = pod('b');
    const c = pod('c');
    const stats = (p: Pod) =>
      p.metadata?.name === 'c'
        ? undefined
        : podStats(p, time, p.metadata?.name === 'a' ? 400 * Mi : 350 * Mi);
    const pods = [a, b, c];
    rankMemoryPressure(pods, stats);
    assert.deepEqual(names(pods), ['c', 'b', 'a']);
  });
  it('disk: usage above ephemeral-storage requests first, then priority, then usage', () => {
    const big = pod('big', { requests: { 'ephemeral-storage': '1Gi' } });
    const small = pod('small');
    const low = pod('low', { priority: -1 });
    const usage = new Map([
      ['big', 900 * Mi],
      ['small', 10 * Mi],
      ['low', 5 * Mi],
    ]);
    const pods = [big, small, low];
    rankDiskPressure(['images', 'root', 'logs', 'localVolumeSource'], 'ephemeral-storage')(
      pods,
      (p) => podStats(p, time, 0, usage.get(p.metadata?.name ?? '') ?? 0),
    );
    assert.deepEqual(names(pods), ['low', 'small', 'big']);
  });
  it('pids: priority, then process count', () => {
    const pods = [pod('few'), pod('many'), pod('important', { priority: 10 })];
    const procs = new Map([
      ['few', 2],
      ['many', 50],
      ['important', 500],
    ]);
    rankPIDPressure(pods, (p) => podStats(p, time, 0, 0, procs.get(p.metadata?.name ?? '')));
    assert.deepEqual(names(pods), ['many', 'few', 'important']);
  });
});

describe('evictionMessage (upstream TestEvictionMessage)', () => {
  it('memory, with the offending container', () => {
    const time = '2026-01-01T00:00:00Z';
    const p = pod('x');
    const summary: Summary = {
      node: {
        nodeName: 'n',
        startTime: time,
        memory: { time, availableBytes: 50 * Mi, workingSetBytes: 950 * Mi },
      },
      pods: [podStats(p, time, 200 * Mi)],
    };
    const { observations, stats } = makeSignalObservations(summary);
    const t: Threshold = {
      signal: 'memory.available',
      value: { quantity: q('100Mi') },
      gracePeriodMs: 0,
    };
    const { message, annotations } = evictionMessage('memory', p, stats, [t], observations);
    assert.equal(
      message,
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container x was using 200Mi, request is 0, has larger consumption of memory. ',
    );
    assert.deepEqual(annotations, {
      offending_containers: 'x',
      offending_containers_usage: '200Mi',
      starved_resource: 'memory',
    });
  });
});

describe('EvictionManager (upstream TestMemoryPressure, TestDiskPressureNodeFs)', () => {
  const podsToMake = [
    {
      p: pod('guaranteed-low-priority-high-usage', {
        priority: -1,
        requests: { cpu: '100m', memory: '1Gi' },
        limits: { cpu: '100m', memory: '1Gi' },
      }),
      ws: 900 * Mi,
    },
    {
      p: pod('burstable-below-requests', {
        requests: { cpu: '100m', memory: '100Mi' },
        limits: { cpu: '200m', memory: '1Gi' },
      }),
      ws: 50 * Mi,
    },
    {
      p: pod('burstable-above-requests', {
        requests: { cpu: '100m', memory: '100Mi' },
        limits: { cpu: '200m', memory: '1Gi' },
      }),
      ws: 400 * Mi,
    },
    { p: pod('best-effort-high-priority-low-usage', { priority: 1 }), ws: 100 * Mi },
    { p: pod('best-effort-low-priority-high-usage', { priority: -1 }), ws: 700 * Mi },
    { p: pod('best-effort-low-priority-low-usage', { priority: -1 }), ws: 100 * Mi },
  ];

  function setup(thresholds: Threshold[], extra: { dedicatedImageFs?: boolean } = {}) {
    let now = Date.parse('2026-01-01T00:00:00Z');
    let available = 2 * Gi;
    let fsAvailable = 10 * Gi;
    const killed: { pod: string; grace: number; status: EvictionStatus }[] = [];
    const reclaimed: string[] = [];
    let reclaimFrees = 0;
    const summary = (): Promise<Summary> => {
      const time = new Date(now).toISOString();
      now += 1; // every summary is newer than the last
      return Promise.resolve({
        node: {
          nodeName: 'n',
          startTime: time,
          memory: { time, availableBytes: available, workingSetBytes: 4 * Gi - available },
          fs: {
            time,
            availableBytes: fsAvailable,
            capacityBytes: 100 * Gi,
            inodesFree: 1e6,
            inodes: 2e6,
          },
        },
        pods: podsToMake.map(({ p, ws }) =>
          podStats(p, time, ws, p.metadata?.name === 'burstable-above-requests' ? 5 * Gi : 0),
        ),
      });
    };
    const m = new EvictionManager({
      thresholds,
      summary,
      activePods: () => podsToMake.map((x) => x.p),
      killPod: async (p, grace, status) => {
        killed.push({ pod: p.metadata?.name ?? '', grace, status });
        await Promise.resolve();
      },
      deleteUnusedImages: async () => {
        reclaimed.push('images');
        fsAvailable += reclaimFrees;
        await Promise.resolve();
      },
      deleteAllUnusedContainers: async () => {
        reclaimed.push('containers');
        await Promise.resolve();
      },
      maxPodGracePeriodSeconds: 5,
      now: () => now,
      ...extra,
    });
    return {
      m,
      killed,
      reclaimed,
      advance: (ms: number) => (now += ms),
      setAvailable: (b: number) => (available = b),
      setFsAvailable: (b: number) => (fsAvailable = b),
      setReclaimFrees: (b: number) => (reclaimFrees = b),
    };
  }

  it('memory: soft threshold waits its grace period, hard evicts at once, pressure clears after the transition period', async () => {
    const thresholds = parseThresholdConfig({
      evictionHard: { 'memory.available': '1Gi' },
      evictionSoft: { 'memory.available': '2Gi' },
      evictionSoftGracePeriod: { 'memory.available': '2m' },
    });
    const s = setup(thresholds);
    const bestEffort = pod('new-best-effort');
    const burstable = pod('new-burstable', { requests: { memory: '100Mi' } });

    assert.deepEqual(await s.m.synchronize(), []);
    assert.equal(s.m.isUnderMemoryPressure(), false);
    assert.deepEqual(s.m.admit(bestEffort), { admit: true });

    // Soft threshold crossed: pressure, but nobody is evicted before the grace period.
    s.setAvailable(1500 * Mi);
    s.advance(1000);
    assert.deepEqual(await s.m.synchronize(), []);
    assert.equal(s.m.isUnderMemoryPressure(), true);
    assert.deepEqual(s.m.admit(bestEffort), {
      admit: false,
      reason: 'Evicted',
      message: 'The node had condition: [MemoryPressure]. ',
    });
    assert.deepEqual(s.m.admit(burstable), { admit: true });
    assert.equal(s.killed.length, 0);

    // Grace period over: one pod evicted, with the soft grace period.
    s.advance(120_000);
    const evicted = await s.m.synchronize();
    assert.deepEqual(names(evicted), ['best-effort-low-priority-high-usage']);
    const k = s.killed[0];
    assert.ok(k);
    assert.equal(k.grace, 5);
    assert.equal(
      k.status.message,
      'The node was low on resource: memory. Threshold quantity: 2Gi, available: 1500Mi. Container best-effort-low-priority-high-usage was using 700Mi, request is 0, has larger consumption of memory. ',
    );
    assert.equal(k.status.reason, 'Evicted');
    assert.equal(k.status.phase, 'Failed');
    assert.equal(k.status.condition.type, 'DisruptionTarget');

    // Hard threshold: evicted at once with the immediate grace period.
    s.setAvailable(500 * Mi);
    s.advance(1000);
    await s.m.synchronize();
    assert.equal(s.killed.length, 2);
    assert.equal(s.killed[1]?.grace, 1);

    // Recovered: the condition stays for the transition period (5 min), then clears.
    s.setAvailable(3 * Gi);
    s.advance(1000);
    assert.deepEqual(await s.m.synchronize(), []);
    assert.equal(s.m.isUnderMemoryPressure(), true);
    s.advance(300_000);
    await s.m.synchronize();
    assert.equal(s.m.isUnderMemoryPressure(), false);
    assert.deepEqual(s.m.nodeConditions(), []);
    assert.equal(s.killed.length, 2);
  });

  it('disk: reclaims containers and images first; evicts only when that is not enough', async () => {
    const thresholds = parseThresholdConfig({
      evictionHard: { 'nodefs.available': '1Gi' },
      evictionMinimumReclaim: { 'nodefs.available': '500Mi' },
    });
    const s = setup(thresholds);
    s.setFsAvailable(512 * Mi);
    s.setReclaimFrees(2 * Gi);
    assert.deepEqual(await s.m.synchronize(), []);
    assert.deepEqual(s.reclaimed, ['containers', 'images']);
    assert.equal(s.m.isUnderDiskPressure(), true);
    assert.equal(s.killed.length, 0);

    // Reclaim frees too little (below threshold + min reclaim): the largest disk user goes.
    s.setFsAvailable(512 * Mi);
    s.setReclaimFrees(600 * Mi);
    s.advance(10_000);
    const evicted = await s.m.synchronize();
    assert.deepEqual(names(evicted), ['burstable-above-requests']);
    assert.match(
      s.killed[0]?.status.message ?? '',
      /^The node was low on resource: ephemeral-storage\. Threshold quantity: 1Gi, available: 512Mi\. /,
    );
  });

  it('never evicts critical pods', async () => {
    const critical = pod('static', {});
    critical.metadata = {
      ...critical.metadata,
      annotations: { 'kubernetes.io/config.source': 'file' },
    };
    const m = new EvictionManager({
      thresholds: parseThresholdConfig({ evictionHard: { 'memory.available': '1Gi' } }),
      summary: async () => {
        await Promise.resolve();
        const time = '2026-01-01T00:00:00Z';
        return {
          node: {
            nodeName: 'n',
            startTime: time,
            memory: { time, availableBytes: 100 * Mi, workingSetBytes: 3 * Gi },
          },
          pods: [podStats(critical, time, 3 * Gi)],
        };
      },
      activePods: () => [critical],
      killPod: () => Promise.reject(new Error('must not be called')),
    });
    assert.deepEqual(await m.synchronize(), []);
    assert.equal(m.isUnderMemoryPressure(), true);
  });
});
