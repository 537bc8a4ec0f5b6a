// Upstream pkg/kubelet/cm/node_container_manager_linux_test.go (TestNodeAllocatableReservation
// ForScheduling, TestNodeAllocatableForEnforcement, TestNodeAllocatableInputValidation), plus
// the capacity parsers and Node.status.allocatable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuantity, resourceListToWire } from '../../api/index.ts';
import type { Quantity } from '../../api/index.ts';
import {
  DEFAULT_EVICTION_HARD,
  capacityFromStatfs,
  cpuCountFromCpuinfo,
  internalCapacity,
  memoryCapacityFromMeminfo,
  nodeAllocatable,
  nodeAllocatableAbsolute,
  nodeAllocatableReservation,
  nodeCapacity,
  parseEvictionThresholds,
  parsePidMax,
  validateNodeAllocatable,
} from './node.ts';
import type { EvictionThreshold } from './node.ts';

function rl(cpu: string, memory: string): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (cpu !== '') out.set('cpu', parseQuantity(cpu));
  if (memory !== '') out.set('memory', parseQuantity(memory));
  return out;
}

function storage(v: string): Map<string, Quantity> {
  return v === ''
    ? new Map<string, Quantity>()
    : new Map([['ephemeral-storage', parseQuantity(v)]]);
}

type Threshold = { quantity: string } | { percentage: number } | undefined;

function thresholds(signal: EvictionThreshold['signal'], t: Threshold): EvictionThreshold[] {
  if (t === undefined) return [];
  return [
    {
      signal,
      value:
        'quantity' in t ? { quantity: parseQuantity(t.quantity) } : { percentage: t.percentage },
    },
  ];
}

/** Compares as upstream does: every returned key must be expected, by MilliValue. */
function assertMilli(
  actual: Map<string, Quantity>,
  expected: Map<string, Quantity>,
  label: string,
): void {
  for (const [k, v] of actual) {
    const e = expected.get(k);
    assert.ok(e !== undefined, `${label}: unexpected resource ${k}`);
    assert.equal(v.milliValue(), e.milliValue(), `${label}: ${k}`);
  }
}

describe('node allocatable reservation (scheduling)', () => {
  const cases: {
    kube: Map<string, Quantity>;
    sys: Map<string, Quantity>;
    cap: Map<string, Quantity>;
    t: Threshold;
    expected: Map<string, Quantity>;
  }[] = [
    {
      kube: rl('100m', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: undefined,
      expected: rl('150m', '150Mi'),
    },
    {
      kube: rl('100m', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: { quantity: '100Mi' },
      expected: rl('150m', '250Mi'),
    },
    {
      kube: rl('100m', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: { percentage: 0.05 },
      expected: rl('150m', '694157320'),
    },
    { kube: new Map(), sys: new Map(), cap: rl('10', '10Gi'), t: undefined, expected: rl('', '') },
    {
      kube: rl('', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: undefined,
      expected: rl('50m', '150Mi'),
    },
    {
      kube: rl('50m', '100Mi'),
      sys: rl('', '50Mi'),
      cap: rl('10', '10Gi'),
      t: undefined,
      expected: rl('50m', '150Mi'),
    },
    {
      kube: rl('', '100Mi'),
      sys: rl('', '50Mi'),
      cap: rl('10', ''),
      t: undefined,
      expected: rl('', '150Mi'),
    },
  ];
  for (const [i, tc] of cases.entries()) {
    it(`cpu/memory case ${i + 1}`, () => {
      const got = nodeAllocatableReservation(tc.cap, {
        kubeReserved: tc.kube,
        systemReserved: tc.sys,
        hardEvictionThresholds: thresholds('memory.available', tc.t),
      });
      assertMilli(got, tc.expected, `case ${i + 1}`);
    });
  }
  const storageCases: { kube: string; cap: string; t: Threshold; expected: string }[] = [
    { kube: '100Mi', cap: '10Gi', t: undefined, expected: '100Mi' },
    { kube: '100Mi', cap: '10Gi', t: { quantity: '100Mi' }, expected: '200Mi' },
    { kube: '150Mi', cap: '10Gi', t: { percentage: 0.05 }, expected: '694157320' },
    { kube: '', cap: '10Gi', t: undefined, expected: '' },
  ];
  for (const [i, tc] of storageCases.entries()) {
    it(`ephemeral-storage case ${i + 1}`, () => {
      const got = nodeAllocatableReservation(storage(tc.cap), {
        kubeReserved: storage(tc.kube),
        hardEvictionThresholds: thresholds('nodefs.available', tc.t),
      });
      assertMilli(got, storage(tc.expected), `case ${i + 1}`);
    });
  }
});

describe('node allocatable for enforcement (the pods cgroup)', () => {
  const cases: {
    kube: Map<string, Quantity>;
    sys: Map<string, Quantity>;
    cap: Map<string, Quantity>;
    t: Threshold;
    expected: Map<string, Quantity>;
  }[] = [
    {
      kube: rl('100m', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: undefined,
      expected: rl('9850m', '10090Mi'),
    },
    {
      kube: rl('100m', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: { quantity: '100Mi' },
      expected: rl('9850m', '10090Mi'),
    },
    {
      kube: rl('100m', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: { percentage: 0.05 },
      expected: rl('9850m', '10090Mi'),
    },
    {
      kube: new Map(),
      sys: new Map(),
      cap: rl('10', '10Gi'),
      t: undefined,
      expected: rl('10', '10Gi'),
    },
    {
      kube: rl('', '100Mi'),
      sys: rl('50m', '50Mi'),
      cap: rl('10', '10Gi'),
      t: undefined,
      expected: rl('9950m', '10090Mi'),
    },
    {
      kube: rl('50m', '100Mi'),
      sys: rl('', '50Mi'),
      cap: rl('10', '10Gi'),
      t: undefined,
      expected: rl('9950m', '10090Mi'),
    },
    {
      kube: rl('', '100Mi'),
      sys: rl('', '50Mi'),
      cap: rl('10', ''),
      t: undefined,
      expected: rl('10', ''),
    },
  ];
  for (const [i, tc] of cases.entries()) {
    it(`case ${i + 1}`, () => {
      const got = nodeAllocatableAbsolute(tc.cap, {
        kubeReserved: tc.kube,
        systemReserved: tc.sys,
        hardEvictionThresholds: thresholds('memory.available', tc.t),
      });
      assertMilli(got, tc.expected, `case ${i + 1}`);
      assert.equal(got.size, tc.cap.size);
    });
  }
});

describe('node allocatable validation', () => {
  it('accepts reservations within capacity and rejects larger ones with upstream text', () => {
    const ok = validateNodeAllocatable(rl('10', '10Gi'), {
      kubeReserved: rl('100m', '100Mi'),
      systemReserved: rl('50m', '50Mi'),
      hardEvictionThresholds: thresholds('memory.available', { percentage: 0.05 }),
    });
    assert.equal(ok, undefined);
    const bad = validateNodeAllocatable(rl('10', '11Gi'), {
      kubeReserved: rl('5', '10Gi'),
      systemReserved: rl('5', '10Gi'),
      hardEvictionThresholds: thresholds('memory.available', { quantity: '2Gi' }),
    });
    assert.equal(
      bad,
      'invalid Node Allocatable configuration. Resource "memory" has a reservation of 22Gi but capacity of 11Gi. Expected capacity >= reservation.',
    );
    assert.equal(
      validateNodeAllocatable(storage('500Mi'), { kubeReserved: storage('100Mi') }),
      undefined,
    );
    assert.match(
      validateNodeAllocatable(storage('20Gi'), {
        kubeReserved: storage('20Gi'),
        hardEvictionThresholds: thresholds('nodefs.available', { quantity: '100Mi' }),
      }) ?? '',
      /Resource "ephemeral-storage" has a reservation/,
    );
  });
});

describe('capacity from host inputs', () => {
  const meminfo =
    'MemTotal:       24683620 kB\nMemFree:        22193236 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\n';
  const cpuinfo =
    'processor\t: 0\nvendor_id\t: GenuineIntel\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n';

  it('parses meminfo, cpuinfo, statfs and pid_max', () => {
    assert.equal(memoryCapacityFromMeminfo(meminfo), 24683620 * 1024);
    assert.throws(() => memoryCapacityFromMeminfo('MemFree: 1 kB\n'), /MemTotal/);
    assert.equal(cpuCountFromCpuinfo(cpuinfo), 2);
    assert.equal(capacityFromStatfs({ blocks: 1000, bsize: 4096 }), 4096000);
    assert.equal(parsePidMax('32768\n'), 32768);
    assert.throws(() => parsePidMax('x'));
  });

  it('builds capacity and allocatable as the kubelet reports them', () => {
    const machine = {
      numCores: cpuCountFromCpuinfo(cpuinfo),
      memoryCapacity: memoryCapacityFromMeminfo(meminfo),
      ephemeralStorageCapacity: 100 * 1024 ** 3,
      hugePages: [{ pageSizeKiB: 2048, numPages: 2 }],
      pidMax: 32768,
    };
    const capacity = nodeCapacity(machine);
    assert.deepEqual(resourceListToWire(capacity), {
      cpu: '2',
      'ephemeral-storage': '100Gi',
      'hugepages-2Mi': '4Mi',
      memory: '24683620Ki',
      pods: '110',
    });
    assert.equal(internalCapacity(machine).get('pid')?.value(), 32768);
    const allocatable = nodeAllocatable(capacity, {
      kubeReserved: rl('100m', ''),
      hardEvictionThresholds: parseEvictionThresholds(DEFAULT_EVICTION_HARD),
    });
    assert.deepEqual(resourceListToWire(allocatable), {
      cpu: '1900m',
      // 100Gi − trunc(100Gi × float32(0.1))
      'ephemeral-storage': String(100 * 1024 ** 3 - Math.trunc(100 * 1024 ** 3 * Math.fround(0.1))),
      'hugepages-2Mi': '4Mi',
      // MemTotal − 100Mi eviction − 4Mi huge pages
      memory: `${24683620 - 100 * 1024 - 4 * 1024}Ki`,
      pods: '110',
    });
  });

  it('parses evictionHard maps', () => {
    const t = parseEvictionThresholds({ 'memory.available': '200Mi', 'nodefs.available': '0%' });
    assert.equal(t.length, 1, '0% disables a signal');
    assert.equal(t[0]?.signal, 'memory.available');
    assert.throws(
      () => parseEvictionThresholds({ 'cpu.available': '1' }),
      /unsupported eviction signal/,
    );
    assert.throws(() => parseEvictionThresholds({ 'memory.available': '110%' }), /must be <= 100%/);
  });
});
