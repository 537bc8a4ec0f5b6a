// Upstream pkg/apis/core/v1/helper/qos/qos_test.go TestComputePodQOS (1.32 cases, including the
// pod-level resources ones run with the PodLevelResources gate on), plus sidecars and status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { computePodQOS, getPodQOS } from './qos.ts';
import type { PodQOSClass } from './qos.ts';

function rl(cpu: string, memory: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (cpu !== '') out.cpu = cpu;
  if (memory !== '') out.memory = memory;
  return out;
}

function ctr(
  name: string,
  requests: Record<string, string>,
  limits: Record<string, string>,
): Container {
  return { name, resources: { requests, limits } };
}

function pod(name: string, containers: Container[], initContainers?: Container[]): Pod {
  return {
    metadata: { name },
    spec: { containers, ...(initContainers ? { initContainers } : {}) },
  };
}

function withPodResources(p: Pod, resources: ResourceRequirements): Pod {
  return {
    ...p,
    spec: { ...p.spec, containers: p.spec?.containers ?? [], resources } as Pod['spec'],
  };
}

const cases: { pod: Pod; expected: PodQOSClass; podLevel?: boolean }[] = [
  {
    pod: pod('guaranteed', [ctr('guaranteed', rl('100m', '100Mi'), rl('100m', '100Mi'))]),
    expected: 'Guaranteed',
  },
  {
    pod: pod('guaranteed-guaranteed', [
      ctr('guaranteed', rl('100m', '100Mi'), rl('100m', '100Mi')),
      ctr('guaranteed', rl('100m', '100Mi'), rl('100m', '100Mi')),
    ]),
    expected: 'Guaranteed',
  },
  {
    pod: pod('best-effort-best-effort', [
      ctr('best-effort', rl('', ''), rl('', '')),
      ctr('best-effort', rl('', ''), rl('', '')),
    ]),
    expected: 'BestEffort',
  },
  { pod: pod('best-effort', [ctr('best-effort', rl('', ''), rl('', ''))]), expected: 'BestEffort' },
  {
    pod: pod('best-effort-burstable', [
      ctr('best-effort', rl('', ''), rl('', '')),
      ctr('burstable', rl('1', ''), rl('2', '')),
    ]),
    expected: 'Burstable',
  },
  {
    pod: pod('best-effort-guaranteed', [
      ctr('best-effort', rl('', ''), rl('', '')),
      ctr('guaranteed', rl('10m', '100Mi'), rl('10m', '100Mi')),
    ]),
    expected: 'Burstable',
  },
  {
    pod: pod('burstable-cpu-guaranteed-memory', [
      ctr('burstable', rl('', '100Mi'), rl('', '100Mi')),
    ]),
    expected: 'Burstable',
  },
  {
    pod: pod('burstable-no-limits', [ctr('burstable', rl('100m', '100Mi'), rl('', ''))]),
    expected: 'Burstable',
  },
  {
    pod: pod('burstable-guaranteed', [
      ctr('burstable', rl('1', '100Mi'), rl('2', '100Mi')),
      ctr('guaranteed', rl('100m', '100Mi'), rl('100m', '100Mi')),
    ]),
    expected: 'Burstable',
  },
  {
    pod: pod('burstable-unbounded-but-requests-match-limits', [
      ctr('burstable', rl('100m', '100Mi'), rl('200m', '200Mi')),
      ctr('burstable-unbounded', rl('100m', '100Mi'), rl('', '')),
    ]),
    expected: 'Burstable',
  },
  {
    pod: pod('burstable-1', [ctr('burstable', rl('10m', '100Mi'), rl('100m', '200Mi'))]),
    expected: 'Burstable',
  },
  {
    pod: pod('burstable-2', [ctr('burstable', rl('0', '0'), rl('100m', '200Mi'))]),
    expected: 'Burstable',
  },
  {
    pod: pod('best-effort-hugepages', [
      ctr(
        'best-effort',
        { ...rl('0', '0'), 'hugepages-2Mi': '1Gi' },
        { ...rl('0', '0'), 'hugepages-2Mi': '1Gi' },
      ),
    ]),
    expected: 'BestEffort',
  },
  {
    pod: pod(
      'init-container',
      [ctr('best-effort', rl('', ''), rl('', ''))],
      [ctr('burstable', rl('10m', '100Mi'), rl('100m', '200Mi'))],
    ),
    expected: 'Burstable',
  },
  {
    pod: withPodResources(
      pod('guaranteed-with-pod-level-resources', [ctr('best-effort', rl('', ''), rl('', ''))]),
      {
        requests: rl('10m', '100Mi'),
        limits: rl('10m', '100Mi'),
      },
    ),
    expected: 'Guaranteed',
    podLevel: true,
  },
  {
    pod: withPodResources(
      pod('guaranteed-with-pod-and-container-level-resources', [
        ctr('burstable', rl('3m', '10Mi'), rl('5m', '20Mi')),
      ]),
      {
        requests: rl('10m', '100Mi'),
        limits: rl('10m', '100Mi'),
      },
    ),
    expected: 'Guaranteed',
    podLevel: true,
  },
  {
    pod: withPodResources(
      pod('burstable-with-pod-level-resources', [ctr('best-effort', rl('', ''), rl('', ''))]),
      {
        requests: rl('10m', '10Mi'),
        limits: rl('20m', '50Mi'),
      },
    ),
    expected: 'Burstable',
    podLevel: true,
  },
  {
    pod: withPodResources(
      pod('burstable-with-pod-and-container-level-resources', [
        ctr('burstable', rl('5m', '10Mi'), rl('5m', '10Mi')),
      ]),
      {
        requests: rl('10m', '10Mi'),
        limits: rl('20m', '50Mi'),
      },
    ),
    expected: 'Burstable',
    podLevel: true,
  },
  {
    pod: withPodResources(
      pod('burstable-with-pod-and-container-level-requests', [
        ctr('burstable', rl('5m', '10Mi'), rl('', '')),
      ]),
      {
        requests: rl('10m', '10Mi'),
        limits: rl('', ''),
      },
    ),
    expected: 'Burstable',
    podLevel: true,
  },
  {
    pod: withPodResources(
      pod('burstable-with-pod-and-container-level-resources-2', [
        ctr('burstable', rl('5m', '10Mi'), rl('', '')),
        ctr('guaranteed', rl('5m', '10Mi'), rl('5m', '10Mi')),
      ]),
      { requests: rl('10m', '10Mi'), limits: rl('5m', '') },
    ),
    expected: 'Burstable',
    podLevel: true,
  },
];

describe('computePodQOS (upstream TestComputePodQOS)', () => {
  for (const [i, tc] of cases.entries()) {
    it(`[${i}] ${tc.pod.metadata?.name ?? ''}`, () => {
      assert.equal(computePodQOS(tc.pod, { podLevelResources: tc.podLevel === true }), tc.expected);
    });
  }

  it('ignores pod-level resources while the gate is off', () => {
    const p = withPodResources(pod('gate-off', [ctr('best-effort', rl('', ''), rl('', ''))]), {
      requests: rl('10m', '100Mi'),
      limits: rl('10m', '100Mi'),
    });
    assert.equal(computePodQOS(p), 'BestEffort');
    assert.equal(computePodQOS(p, { podLevelResources: true }), 'Guaranteed');
  });

  it('counts sidecars (restartable init containers) like any container', () => {
    const sidecar: Container = {
      ...ctr('sidecar', rl('100m', '100Mi'), rl('100m', '100Mi')),
      restartPolicy: 'Always',
    };
    assert.equal(
      computePodQOS(pod('g', [ctr('app', rl('1', '1Gi'), rl('1', '1Gi'))], [sidecar])),
      'Guaranteed',
    );
    const loose: Container = {
      ...ctr('sidecar', rl('100m', ''), rl('', '')),
      restartPolicy: 'Always',
    };
    assert.equal(
      computePodQOS(pod('b', [ctr('app', rl('1', '1Gi'), rl('1', '1Gi'))], [loose])),
      'Burstable',
    );
  });

  it('getPodQOS prefers status.qosClass', () => {
    const p: Pod = {
      ...pod('s', [ctr('c', rl('', ''), rl('', ''))]),
      status: { qosClass: 'Guaranteed' },
    };
    assert.equal(getPodQOS(p), 'Guaranteed');
    assert.equal(computePodQOS(p), 'BestEffort');
  });
});
