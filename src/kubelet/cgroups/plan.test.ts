// Upstream pkg/kubelet/cm/helpers_linux_test.go (TestResourceConfigForPod of 1.32 with its
// pod-level resources cases, TestMilliCPUToQuota, shares), the QoS tier update, the layout and
// the v1/v2 file plans.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../api/index.ts';
import { CgroupLayout } from './names.ts';
import {
  containerResourceConfig,
  cpuMaxValue,
  milliCPUToQuota,
  milliCPUToShares,
  nodeAllocatableCgroupConfig,
  planNodeCgroups,
  planPodCgroups,
  qosCgroupConfigs,
  resourceConfigForPod,
  sharesToCPUWeight,
  sharesToMilliCPU,
  toOciLinuxResources,
  v1FileWrites,
  v2FileWrites,
} from './plan.ts';
import type { ResourceConfig } from './plan.ts';

function rl(cpu: string, memory: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (cpu !== '') out.cpu = cpu;
  if (memory !== '') out.memory = memory;
  return out;
}

function req(
  requests: Record<string, string>,
  limits: Record<string, string>,
): ResourceRequirements {
  return { requests, limits };
}

function podOf(
  containers: Container[],
  opts: { init?: Container[]; resources?: ResourceRequirements } = {},
): Pod {
  const spec = {
    containers,
    ...(opts.init ? { initContainers: opts.init } : {}),
  } as Pod['spec'] & {
    resources?: ResourceRequirements;
  };
  if (opts.resources) spec.resources = opts.resources;
  return { metadata: { name: 'p', uid: '1234-abcd' }, spec };
}

const c = (name: string, r: ResourceRequirements): Container => ({ name, resources: r });

describe('milliCPUToShares / milliCPUToQuota / cpu.weight', () => {
  it('converts millicores to shares with the kernel bounds', () => {
    const table: [number, number][] = [
      [0, 2],
      [1, 2],
      [2, 2],
      [3, 3],
      [100, 102],
      [200, 204],
      [1000, 1024],
      [2000, 2048],
      [256000, 262144],
      [300000, 262144],
    ];
    for (const [milli, shares] of table)
      assert.equal(milliCPUToShares(milli), shares, `milli ${milli}`);
  });

  it('converts millicores to CFS quota (upstream TestMilliCPUToQuota)', () => {
    const table: [number, number, number][] = [
      [0, 100000, 0],
      [5, 100000, 1000],
      [9, 100000, 1000],
      [10, 100000, 1000],
      [200, 100000, 20000],
      [500, 100000, 50000],
      [1000, 100000, 100000],
      [1500, 100000, 150000],
      [5, 50000, 1000],
      [10, 50000, 1000],
      [200, 50000, 10000],
      [1500, 50000, 75000],
      [200, 5000, 1000],
    ];
    for (const [milli, period, quota] of table) {
      assert.equal(milliCPUToQuota(milli, period), quota, `milli ${milli} period ${period}`);
    }
  });

  it('maps shares to cgroup v2 cpu.weight with 1 + ((shares-2)*9999)/262142', () => {
    const table: [number, number][] = [
      [0, 0],
      [2, 1],
      [102, 4],
      [1024, 39],
      [2048, 79],
      [262144, 10000],
    ];
    for (const [shares, weight] of table)
      assert.equal(sharesToCPUWeight(shares), weight, `shares ${shares}`);
  });

  it('reads shares and quotas back as millicores', () => {
    assert.equal(sharesToMilliCPU(1024), 1000);
    assert.equal(sharesToMilliCPU(102), 100);
    assert.equal(sharesToMilliCPU(1), 0);
  });
});

describe('resourceConfigForPod (upstream TestResourceConfigForPod, 1.32)', () => {
  const def = 100000;
  const tuned = 5000;
  const burstableShares = milliCPUToShares(100);
  const burstablePartialShares = milliCPUToShares(200);
  const burstableQuota = milliCPUToQuota(200, def);
  const guaranteedQuota = milliCPUToQuota(100, def);
  const burstableMemory = parseQuantity('200Mi').value();
  const guaranteedMemory = parseQuantity('100Mi').value();
  const cases: {
    name: string;
    pod: Pod;
    enforceCPULimits: boolean;
    period: number;
    podLevel?: boolean;
    expected: ResourceConfig;
  }[] = [
    {
      name: 'besteffort',
      pod: podOf([c('a', req(rl('', ''), rl('', '')))]),
      enforceCPULimits: true,
      period: def,
      expected: { cpuShares: 2 },
    },
    {
      name: 'burstable-no-limits',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('', '')))]),
      enforceCPULimits: true,
      period: def,
      expected: { cpuShares: burstableShares },
    },
    {
      name: 'burstable-with-limits',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('200m', '200Mi')))]),
      enforceCPULimits: true,
      period: def,
      expected: {
        cpuShares: burstableShares,
        cpuQuota: burstableQuota,
        cpuPeriod: def,
        memory: burstableMemory,
      },
    },
    {
      name: 'burstable-with-limits-no-cpu-enforcement',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('200m', '200Mi')))]),
      enforceCPULimits: false,
      period: def,
      expected: {
        cpuShares: burstableShares,
        cpuQuota: -1,
        cpuPeriod: def,
        memory: burstableMemory,
      },
    },
    {
      name: 'burstable-partial-limits',
      pod: podOf([
        c('a', req(rl('100m', '100Mi'), rl('200m', '200Mi'))),
        c('b', req(rl('100m', '100Mi'), rl('', ''))),
      ]),
      enforceCPULimits: true,
      period: def,
      expected: { cpuShares: burstablePartialShares },
    },
    {
      name: 'burstable-with-limits-with-tuned-quota',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('200m', '200Mi')))]),
      enforceCPULimits: true,
      period: tuned,
      expected: {
        cpuShares: burstableShares,
        cpuQuota: burstableQuota,
        cpuPeriod: tuned,
        memory: burstableMemory,
      },
    },
    {
      name: 'burstable-with-limits-no-cpu-enforcement-with-tuned-quota',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('200m', '200Mi')))]),
      enforceCPULimits: false,
      period: tuned,
      expected: {
        cpuShares: burstableShares,
        cpuQuota: -1,
        cpuPeriod: tuned,
        memory: burstableMemory,
      },
    },
    {
      name: 'guaranteed',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('100m', '100Mi')))]),
      enforceCPULimits: true,
      period: def,
      expected: {
        cpuShares: milliCPUToShares(100),
        cpuQuota: guaranteedQuota,
        cpuPeriod: def,
        memory: guaranteedMemory,
      },
    },
    {
      name: 'guaranteed-no-cpu-enforcement',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('100m', '100Mi')))]),
      enforceCPULimits: false,
      period: def,
      expected: {
        cpuShares: milliCPUToShares(100),
        cpuQuota: -1,
        cpuPeriod: def,
        memory: guaranteedMemory,
      },
    },
    {
      name: 'guaranteed-with-tuned-quota',
      pod: podOf([c('a', req(rl('100m', '100Mi'), rl('100m', '100Mi')))]),
      enforceCPULimits: true,
      period: tuned,
      expected: {
        cpuShares: milliCPUToShares(100),
        cpuQuota: guaranteedQuota,
        cpuPeriod: tuned,
        memory: guaranteedMemory,
      },
    },
    {
      name: 'burstable-partial-limits-with-init-containers',
      pod: podOf(
        [
          c('a', req(rl('100m', '100m'), rl('100m', '100Mi'))),
          c('b', req(rl('100m', '100m'), rl('', ''))),
        ],
        {
          init: [
            c('i1', req(rl('100m', '100m'), rl('100m', '100Mi'))),
            c('i2', req(rl('100m', '100m'), rl('', ''))),
          ],
        },
      ),
      enforceCPULimits: true,
      period: tuned,
      expected: { cpuShares: burstablePartialShares },
    },
    {
      name: 'besteffort-with-pod-level-resources-enabled',
      pod: podOf([c('a', req(rl('', ''), rl('', '')))], { resources: req(rl('', ''), rl('', '')) }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: { cpuShares: 2 },
    },
    {
      name: 'burstable-with-pod-level-requests',
      pod: podOf([{ name: 'none' }], { resources: { requests: rl('100m', '100Mi') } }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: { cpuShares: burstableShares },
    },
    {
      name: 'burstable-with-pod-and-container-level-requests',
      pod: podOf([c('a', req(rl('10m', '50Mi'), rl('', '')))], {
        resources: { requests: rl('100m', '100Mi') },
      }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: { cpuShares: burstableShares },
    },
    {
      name: 'burstable-with-pod-level-resources',
      pod: podOf([{ name: 'none' }], { resources: req(rl('100m', '100Mi'), rl('200m', '200Mi')) }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: {
        cpuShares: burstableShares,
        cpuQuota: burstableQuota,
        cpuPeriod: def,
        memory: burstableMemory,
      },
    },
    {
      name: 'burstable-with-pod-and-container-level-resources',
      pod: podOf([c('a', req(rl('10m', '50Mi'), rl('50m', '100Mi')))], {
        resources: req(rl('100m', '100Mi'), rl('200m', '200Mi')),
      }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: {
        cpuShares: burstableShares,
        cpuQuota: burstableQuota,
        cpuPeriod: def,
        memory: burstableMemory,
      },
    },
    {
      name: 'burstable-with-partial-pod-level-resources-limits',
      pod: podOf([c('a', req(rl('200m', '200Mi'), rl('200m', '200Mi')))], {
        resources: { requests: rl('200m', '300Mi') },
      }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: {
        cpuShares: burstablePartialShares,
        cpuQuota: burstableQuota,
        cpuPeriod: def,
        memory: burstableMemory,
      },
    },
    {
      name: 'guaranteed-with-pod-level-resources',
      pod: podOf([{ name: 'none' }], { resources: req(rl('100m', '100Mi'), rl('100m', '100Mi')) }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: {
        cpuShares: milliCPUToShares(100),
        cpuQuota: guaranteedQuota,
        cpuPeriod: def,
        memory: guaranteedMemory,
      },
    },
    {
      name: 'guaranteed-pod-level-resources-with-init-containers',
      pod: podOf([c('a', req(rl('10m', '50Mi'), rl('50m', '50Mi')))], {
        init: [c('i', req(rl('10m', '50Mi'), rl('50m', '50Mi')))],
        resources: req(rl('100m', '100Mi'), rl('100m', '100Mi')),
      }),
      enforceCPULimits: true,
      period: def,
      podLevel: true,
      expected: {
        cpuShares: milliCPUToShares(100),
        cpuQuota: guaranteedQuota,
        cpuPeriod: def,
        memory: guaranteedMemory,
      },
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const actual = resourceConfigForPod(tc.pod, {
        enforceCPULimits: tc.enforceCPULimits,
        cpuPeriod: tc.period,
        podLevelResources: tc.podLevel === true,
      });
      assert.deepEqual(actual, tc.expected);
    });
  }

  it('counts sidecars during init and adds pod overhead; sets pids and memory.min when asked', () => {
    const sidecar: Container = {
      ...c('sc', req(rl('100m', '64Mi'), rl('100m', '64Mi'))),
      restartPolicy: 'Always',
    };
    const pod = podOf([c('app', req(rl('200m', '128Mi'), rl('200m', '128Mi')))], {
      init: [sidecar, c('migrate', req(rl('1', '1Gi'), rl('1', '1Gi')))],
    });
    pod.spec = { ...pod.spec, containers: pod.spec?.containers ?? [], overhead: rl('50m', '10Mi') };
    // requests: max(app+sidecar = 300m, sidecar+migrate = 1100m) + 50m overhead
    const rc = resourceConfigForPod(pod, { podPidsLimit: 1024, enforceMemoryQoS: true });
    assert.equal(rc.cpuShares, milliCPUToShares(1150));
    assert.equal(rc.cpuQuota, milliCPUToQuota(1150));
    assert.equal(
      rc.memory,
      parseQuantity('1Gi').value() + parseQuantity('64Mi').value() + parseQuantity('10Mi').value(),
    );
    assert.equal(rc.pidsLimit, 1024);
    assert.deepEqual(rc.unified, { 'memory.min': String(rc.memory) });
  });

  it('collects hugepage requests by page size', () => {
    const pod = podOf([
      c(
        'a',
        req(
          { ...rl('1', '1Gi'), 'hugepages-2Mi': '4Mi' },
          { ...rl('1', '1Gi'), 'hugepages-2Mi': '4Mi' },
        ),
      ),
    ]);
    assert.deepEqual([...(resourceConfigForPod(pod).hugePageLimit ?? [])], [[2097152, 4194304]]);
  });
});

describe('containerResourceConfig (kuberuntime calculateLinuxResources)', () => {
  it('uses the request for shares, the limit for quota and memory', () => {
    const pod = podOf([c('a', req(rl('250m', '64Mi'), rl('500m', '128Mi')))]);
    const ctr = pod.spec?.containers[0] as Container;
    assert.deepEqual(containerResourceConfig(pod, ctr), {
      cpuShares: 256,
      cpuQuota: 50000,
      cpuPeriod: 100000,
      memory: 134217728,
    });
  });
  it('takes shares from the limit when only a limit is set; no quota without a limit', () => {
    const onlyLimit = podOf([c('a', req(rl('', ''), rl('1', '')))]);
    assert.equal(
      containerResourceConfig(onlyLimit, onlyLimit.spec?.containers[0] as Container).cpuShares,
      1024,
    );
    const none = podOf([{ name: 'n' }]);
    assert.deepEqual(containerResourceConfig(none, none.spec?.containers[0] as Container), {
      cpuShares: 2,
      cpuQuota: 0,
      cpuPeriod: 100000,
    });
  });
  it('asks for memory.oom.group on cgroup v2 unless singleProcessOOMKill', () => {
    const pod = podOf([{ name: 'n' }]);
    const ctr = pod.spec?.containers[0] as Container;
    assert.deepEqual(containerResourceConfig(pod, ctr, { cgroupV2: true }).unified, {
      'memory.oom.group': '1',
    });
    assert.equal(
      containerResourceConfig(pod, ctr, { cgroupV2: true, singleProcessOOMKill: true }).unified,
      undefined,
    );
  });
  it('falls back to pod-level limits with the gate on', () => {
    const pod = podOf([c('a', req(rl('100m', ''), rl('', '')))], {
      resources: req(rl('1', '1Gi'), rl('2', '1Gi')),
    });
    const rc = containerResourceConfig(pod, pod.spec?.containers[0] as Container, {
      podLevelResources: true,
    });
    assert.equal(rc.cpuQuota, 200000);
    assert.equal(rc.memory, 1073741824);
  });
});

describe('QoS tiers and node cgroups', () => {
  const burstable = (cpu: string): Pod => podOf([c('a', req(rl(cpu, '10Mi'), rl('', '')))]);
  it('gives BestEffort 2 shares and Burstable the shares of the summed requests', () => {
    const guaranteed = podOf([c('a', req(rl('1', '1Gi'), rl('1', '1Gi')))]);
    const best = podOf([{ name: 'x' }]);
    const tiers = qosCgroupConfigs([burstable('100m'), burstable('400m'), guaranteed, best]);
    assert.deepEqual(tiers, {
      Burstable: { cpuShares: milliCPUToShares(500) },
      BestEffort: { cpuShares: 2 },
    });
    assert.deepEqual(qosCgroupConfigs([]), {
      Burstable: { cpuShares: 2 },
      BestEffort: { cpuShares: 2 },
    });
  });

  it('plans kubepods from allocatable, then the tiers', () => {
    const layout = new CgroupLayout({ podsCgroup: 'skiff-test' });
    const alloc = new Map([
      ['cpu', parseQuantity('1900m')],
      ['memory', parseQuantity('1Gi')],
      ['pid', parseQuantity('32768')],
    ]);
    const plan = planNodeCgroups(layout, alloc, [burstable('250m')]);
    assert.deepEqual(
      plan.map((p) => [p.path, p.resources]),
      [
        [
          '/skiff-test',
          { memory: 1073741824, cpuShares: milliCPUToShares(1900), pidsLimit: 32768 },
        ],
        ['/skiff-test/burstable', { cpuShares: 256 }],
        ['/skiff-test/besteffort', { cpuShares: 2 }],
      ],
    );
    assert.deepEqual(nodeAllocatableCgroupConfig(new Map()), {});
  });

  it('plans a pod and its containers under its tier (cgroupfs and systemd)', () => {
    const pod = podOf([c('app', req(rl('100m', '100Mi'), rl('200m', '200Mi')))], {
      init: [{ name: 'init' }],
    });
    const fs = planPodCgroups(new CgroupLayout(), pod, { containerId: (ct) => `id-${ct.name}` });
    assert.equal(fs.qosClass, 'Burstable');
    assert.equal(fs.path, '/kubepods/burstable/pod1234-abcd');
    assert.deepEqual(
      fs.containers.map((x) => [x.container, x.path]),
      [
        ['init', '/kubepods/burstable/pod1234-abcd/id-init'],
        ['app', '/kubepods/burstable/pod1234-abcd/id-app'],
      ],
    );
    assert.equal(fs.resources.memory, undefined, 'the init container declares no memory limit');
    const sd = planPodCgroups(new CgroupLayout({ driver: 'systemd' }), pod);
    assert.equal(
      sd.path,
      '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_abcd.slice',
    );
    assert.equal(sd.containers[1]?.path, `${sd.path}/skiff-app.scope`);
  });
});

describe('file plans', () => {
  const rc: ResourceConfig = {
    cpuShares: 1024,
    cpuQuota: 50000,
    cpuPeriod: 100000,
    memory: 209715200,
    pidsLimit: -1,
  };
  it('writes v1 files per controller in libcontainer order', () => {
    assert.deepEqual(
      v1FileWrites(rc).map((w) => `${w.controller}:${w.file}=${w.value}`),
      [
        'cpu:cpu.shares=1024',
        'cpu:cpu.cfs_period_us=100000',
        'cpu:cpu.cfs_quota_us=50000',
        'memory:memory.limit_in_bytes=209715200',
        'pids:pids.max=max',
      ],
    );
    assert.deepEqual(
      v1FileWrites({ cpuQuota: -1, memory: -1 }).map((w) => w.value),
      ['-1', '-1'],
    );
    assert.deepEqual(v1FileWrites({ hugePageLimit: new Map([[2097152, 4194304]]) }), [
      { controller: 'hugetlb', file: 'hugetlb.2MB.limit_in_bytes', value: '4194304' },
    ]);
  });
  it('writes v2 files: cpu.weight, cpu.max, memory.max, pids.max, raw unified', () => {
    assert.deepEqual(
      v2FileWrites({ ...rc, unified: { 'memory.oom.group': '1' } }).map(
        (w) => `${w.file}=${w.value}`,
      ),
      [
        'cpu.weight=39',
        'cpu.max=50000 100000',
        'memory.max=209715200',
        'pids.max=max',
        'memory.oom.group=1',
      ],
    );
    assert.deepEqual(
      v2FileWrites({ cpuQuota: -1, cpuPeriod: 100000, memory: -1 }).map(
        (w) => `${w.file}=${w.value}`,
      ),
      ['cpu.max=max 100000', 'memory.max=max'],
    );
    assert.equal(cpuMaxValue(undefined, undefined), undefined);
    assert.equal(cpuMaxValue(20000, 0), '20000 100000');
  });
  it('converts to OCI linux.resources', () => {
    assert.deepEqual(toOciLinuxResources(rc), {
      cpu: { shares: 1024, quota: 50000, period: 100000 },
      memory: { limit: 209715200 },
      pids: { limit: -1 },
    });
    assert.deepEqual(toOciLinuxResources({ cpuShares: 2, cpuQuota: 0 }), { cpu: { shares: 2 } });
  });
});
