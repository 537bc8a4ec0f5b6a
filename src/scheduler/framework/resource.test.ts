import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePod } from './testing.ts';
import {
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  Resource,
  computePodResources,
  isExtendedResourceName,
  isScalarResourceName,
  podRequests,
} from './resource.ts';

describe('podRequests (upstream resource.PodRequests)', () => {
  const cases: {
    name: string;
    pod: Parameters<typeof makePod>[1];
    want: Record<string, number>;
    nonMissing?: boolean;
  }[] = [
    {
      name: 'sum of containers',
      pod: {
        containers: [
          { cpu: '1', memory: '1Gi' },
          { cpu: '500m', memory: '512Mi' },
        ],
      },
      want: { cpu: 1500, memory: 1610612736 },
    },
    {
      name: 'init container larger than the sum wins per resource',
      pod: {
        containers: [{ cpu: '1', memory: '1Gi' }],
        initContainers: [{ cpu: '2', memory: '100Mi' }],
      },
      want: { cpu: 2000, memory: 1073741824 },
    },
    {
      name: 'restartable init containers add to the sum and to later init steps',
      // upstream "restartable init container" case: sidecar 1 cpu, then init 2 cpu → 3 cpu step;
      // containers 1 cpu + sidecar 1 cpu = 2 cpu; max(2, 3) = 3.
      pod: {
        containers: [{ cpu: '1' }],
        initContainers: [{ cpu: '1', sidecar: 'y' }, { cpu: '2' }],
      },
      want: { cpu: 3000 },
    },
    {
      name: 'sidecar after the regular init container only adds to the sum',
      pod: {
        containers: [{ cpu: '1' }],
        initContainers: [{ cpu: '2' }, { cpu: '1', sidecar: 'y' }],
      },
      want: { cpu: 2000 },
    },
    {
      name: 'overhead is added',
      pod: { containers: [{ cpu: '1' }], overhead: { cpu: '250m', memory: '120Mi' } },
      want: { cpu: 1250, memory: 125829120 },
    },
    {
      name: 'non-missing defaults for containers without requests',
      pod: { containers: [{}, { cpu: '1' }] },
      nonMissing: true,
      want: { cpu: DEFAULT_MILLI_CPU_REQUEST + 1000, memory: 2 * DEFAULT_MEMORY_REQUEST },
    },
    {
      name: 'explicit zero request is kept with non-missing defaults',
      pod: { containers: [{ cpu: '0', memory: '0' }] },
      nonMissing: true,
      want: { cpu: 0, memory: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = Object.fromEntries(podRequests(makePod('p', c.pod), c.nonMissing ?? false));
      assert.deepEqual(got, c.want);
    });
  }

  it('computePodResources keeps fit requests and scoring non-zero requests apart', () => {
    const pr = computePodResources(makePod('p', { containers: [{}] }));
    assert.equal(pr.requests.milliCPU, 0);
    assert.equal(pr.requests.memory, 0);
    assert.equal(pr.nonZeroMilliCPU, 100);
    assert.equal(pr.nonZeroMemory, 200 * 1024 * 1024);
  });
});

describe('resource names', () => {
  const cases: [string, boolean, boolean][] = [
    ['cpu', false, false],
    ['example.com/gpu', true, true],
    ['kubernetes.io/something', false, true],
    ['hugepages-2Mi', false, true],
    ['attachable-volumes-aws-ebs', false, true],
    ['requests.example.com/foo', false, false],
  ];
  for (const [name, ext, scalar] of cases) {
    it(name, () => {
      assert.equal(isExtendedResourceName(name), ext);
      assert.equal(isScalarResourceName(name), scalar);
    });
  }

  it('Resource.fromList reads allocatable', () => {
    const r = Resource.fromList({
      cpu: '4',
      memory: '8Gi',
      pods: '110',
      'example.com/gpu': '2',
      'ephemeral-storage': '1Gi',
    });
    assert.equal(r.milliCPU, 4000);
    assert.equal(r.memory, 8 * 1024 ** 3);
    assert.equal(r.allowedPodNumber, 110);
    assert.equal(r.getScalar('example.com/gpu'), 2);
    assert.equal(r.ephemeralStorage, 1024 ** 3);
  });
});
