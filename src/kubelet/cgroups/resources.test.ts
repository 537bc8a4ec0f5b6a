// Effective pod requests/limits (upstream component-helpers/resource helpers_test.go: init
// containers max vs sum, sidecars, overhead, pod-level resources).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import {
  isPodLevelRequestsSet,
  isPodLevelResourcesSet,
  podLimits,
  podRequests,
} from './resources.ts';

const cpu = (name: string, v: string, sidecar = false): Container => ({
  name,
  resources: { requests: { cpu: v }, limits: { cpu: v } },
  ...(sidecar ? { restartPolicy: 'Always' } : {}),
});

function pod(
  containers: Container[],
  initContainers: Container[] = [],
  extra: Record<string, unknown> = {},
): Pod {
  const spec: Pod['spec'] = { containers, initContainers, ...extra };
  return { spec };
}

const cpuOf = (m: Map<string, { toString(): string }>): string | undefined =>
  m.get('cpu')?.toString();

describe('podRequests / podLimits', () => {
  const cases: { name: string; pod: Pod; cpu: string }[] = [
    { name: 'containers add up', pod: pod([cpu('a', '1'), cpu('b', '2')]), cpu: '3' },
    {
      name: 'init containers take the max',
      pod: pod([cpu('a', '1')], [cpu('i1', '2'), cpu('i2', '4')]),
      cpu: '4',
    },
    {
      name: 'restartable init container',
      pod: pod([cpu('a', '1')], [cpu('s', '1', true)]),
      cpu: '2',
    },
    {
      name: 'multiple restartable init containers',
      pod: pod([cpu('a', '1')], [cpu('s1', '1', true), cpu('s2', '2', true), cpu('s3', '3', true)]),
      cpu: '7',
    },
    {
      name: 'multiple restartable and regular init containers',
      pod: pod(
        [cpu('a', '1')],
        [
          cpu('i1', '5'),
          cpu('s1', '1', true),
          cpu('s2', '2', true),
          cpu('i2', '5'),
          cpu('s3', '3', true),
        ],
      ),
      cpu: '8',
    },
    {
      name: 'restartable-init, regular-init',
      pod: pod([cpu('a', '1')], [cpu('s1', '1', true), cpu('i1', '5')]),
      cpu: '6',
    },
    {
      name: 'overhead is added',
      pod: pod([cpu('a', '1')], [], { overhead: { cpu: '250m' } }),
      cpu: '1250m',
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      assert.equal(cpuOf(podRequests(tc.pod)), tc.cpu);
      assert.equal(cpuOf(podLimits(tc.pod)), tc.cpu);
    });
  }

  it('adds overhead only to limits that are set', () => {
    const p = pod([{ name: 'a', resources: { requests: { cpu: '1' } } }], [], {
      overhead: { cpu: '1', memory: '10Mi' },
    });
    assert.equal(podLimits(p).size, 0);
    assert.equal(podRequests(p, { excludeOverhead: true }).get('memory'), undefined);
  });

  it('reports the effective resources of every container to containerFn', () => {
    const seen: string[] = [];
    podLimits(pod([cpu('a', '1')], [cpu('s1', '1', true), cpu('i1', '5')]), {
      containerFn: (res, type) => seen.push(`${type}:${res.get('cpu')?.toString() ?? '-'}`),
    });
    assert.deepEqual(seen, ['Containers:1', 'InitContainers:1', 'InitContainers:6']);
  });

  it('uses pod-level cpu/memory with the gate on, only when set', () => {
    const p = pod([cpu('a', '1')], [], {
      resources: { requests: { cpu: '3', 'example.com/x': '1' }, limits: { memory: '1Gi' } },
    });
    assert.ok(isPodLevelResourcesSet(p));
    assert.ok(isPodLevelRequestsSet(p));
    assert.equal(cpuOf(podRequests(p)), '1');
    assert.equal(cpuOf(podRequests(p, { podLevelResources: true })), '3');
    assert.equal(podRequests(p, { podLevelResources: true }).get('example.com/x'), undefined);
    assert.equal(podLimits(p, { podLevelResources: true }).get('memory')?.toString(), '1Gi');
    assert.equal(cpuOf(podLimits(p, { podLevelResources: true })), '1');
    const onlyOther = pod([cpu('a', '1')], [], {
      resources: { requests: { 'example.com/x': '1' } },
    });
    assert.equal(isPodLevelResourcesSet(onlyOther), false);
  });
});
