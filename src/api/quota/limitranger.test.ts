import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LimitRange, LimitRangeItem, Pod } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../errors.ts';
import type { PluginAttributes } from './attributes.ts';
import {
  admitLimitRanger,
  LIMIT_RANGER_ANNOTATION,
  limitRangerApplies,
  podLimitRangeViolations,
  pvcLimitRangeViolations,
  validateLimitRanger,
} from './limitranger.ts';

type Res = Record<string, string>;
const lr = (...limits: LimitRangeItem[]): LimitRange => ({
  metadata: { name: 'abc' },
  spec: { limits },
});

function validPod(name: string, n: number, requests: Res = {}, limits: Res = {}): Pod {
  const resources = {
    ...(Object.keys(requests).length > 0 ? { requests } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
  };
  return {
    metadata: { name, namespace: 'test' },
    spec: {
      containers: Array.from({ length: n }, (_, i) => ({
        name: `foo-${String(i)}`,
        image: 'x',
        resources: structuredClone(resources),
      })),
    },
  };
}

function attrs(
  obj: object,
  resource = 'pods',
  operation: PluginAttributes['operation'] = 'CREATE',
): PluginAttributes {
  return {
    operation,
    resource: { group: '', resource },
    subresource: '',
    name: (obj as { metadata?: { name?: string } }).metadata?.name ?? '',
    namespace: 'test',
    object: obj as Record<string, unknown>,
  };
}

// upstream createLimitRange(api.LimitTypeContainer, min, max, default, defaultRequest, ratio)
const containerLR = lr({
  type: 'Container',
  min: { cpu: '50m', memory: '5Mi' },
  max: { cpu: '200m', memory: '100Mi' },
  default: { cpu: '100m', memory: '10Mi' },
  defaultRequest: { cpu: '75m', memory: '7Mi' },
});

describe('admitLimitRanger (defaults)', () => {
  it('fills requests and limits and annotates (TestMergePodResourceRequirements)', () => {
    const pod = validPod('p', 1);
    const before = structuredClone(pod);
    const out = admitLimitRanger([containerLR], attrs(pod)) as Pod | undefined;
    assert.ok(out);
    assert.deepEqual(pod, before, 'input untouched');
    assert.deepEqual(out.spec?.containers[0]?.resources, {
      limits: { cpu: '100m', memory: '10Mi' },
      requests: { cpu: '75m', memory: '7Mi' },
    });
    assert.equal(
      out.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION],
      'LimitRanger plugin set: cpu, memory request for container foo-0; cpu, memory limit for container foo-0',
    );
  });

  it('keeps what the container sets and covers init containers', () => {
    const pod = validPod('p', 1, { cpu: '150m' }, { memory: '20Mi' });
    pod.spec = {
      ...pod.spec,
      containers: pod.spec?.containers ?? [],
      initContainers: [{ name: 'init', image: 'x' }],
    };
    const out = admitLimitRanger([containerLR], attrs(pod)) as Pod | undefined;
    assert.ok(out);
    assert.deepEqual(out.spec?.containers[0]?.resources, {
      requests: { cpu: '150m', memory: '7Mi' },
      limits: { memory: '20Mi', cpu: '100m' },
    });
    assert.deepEqual(out.spec.initContainers?.[0]?.resources, {
      limits: { cpu: '100m', memory: '10Mi' },
      requests: { cpu: '75m', memory: '7Mi' },
    });
    assert.equal(
      out.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION],
      'LimitRanger plugin set: memory request for container foo-0; cpu limit for container foo-0; cpu, memory request for init container init; cpu, memory limit for init container init',
    );
  });

  it('returns undefined when nothing is defaulted', () => {
    const pod = validPod('p', 1, { cpu: '100m', memory: '10Mi' }, { cpu: '100m', memory: '10Mi' });
    assert.equal(admitLimitRanger([containerLR], attrs(pod)), undefined);
    assert.equal(
      admitLimitRanger([lr({ type: 'Pod', max: { cpu: '1' } })], attrs(validPod('p', 1))),
      undefined,
    );
    assert.equal(admitLimitRanger([], attrs(validPod('p', 1))), undefined);
  });

  it('ignores subresources, pod updates and PVCs (TestLimitRangerIgnoresSubresource)', () => {
    const pod = validPod('p', 1);
    assert.equal(
      admitLimitRanger([containerLR], { ...attrs(pod), subresource: 'status' }),
      undefined,
    );
    assert.equal(admitLimitRanger([containerLR], attrs(pod, 'pods', 'UPDATE')), undefined);
    assert.equal(limitRangerApplies(attrs({ spec: {} }, 'persistentvolumeclaims', 'UPDATE')), true);
    assert.equal(
      limitRangerApplies({
        ...attrs({ spec: {} }, 'persistentvolumeclaims', 'UPDATE'),
        oldObject: { metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' } },
      }),
      false,
    );
    assert.equal(limitRangerApplies(attrs({}, 'services')), false);
  });
});

describe('pod limit checks (upstream TestPodLimitFunc)', () => {
  const success: [string, LimitRange, Pod][] = [
    [
      'container min and max',
      lr({
        type: 'Container',
        min: { cpu: '50m', memory: '5Mi' },
        max: { cpu: '100m', memory: '10Mi' },
      }),
      validPod(
        'ctr-min-cpu-request',
        1,
        { cpu: '50m', memory: '5Mi' },
        { cpu: '100m', memory: '10Mi' },
      ),
    ],
    [
      'pod max',
      lr({ type: 'Pod', max: { cpu: '200m', memory: '20Mi' } }),
      validPod('pod-max', 2, { cpu: '100m', memory: '10Mi' }, { cpu: '100m', memory: '10Mi' }),
    ],
    [
      'container ratio',
      lr({ type: 'Container', maxLimitRequestRatio: { cpu: '1500m' } }),
      validPod('ratio', 1, { cpu: '100m' }, { cpu: '150m' }),
    ],
    [
      'pod ratio',
      lr({ type: 'Pod', maxLimitRequestRatio: { memory: '2' } }),
      validPod('pod-ratio', 2, { memory: '5Mi' }, { memory: '10Mi' }),
    ],
    [
      'storage min/max',
      lr({
        type: 'Container',
        min: { 'ephemeral-storage': '1Gi' },
        max: { 'ephemeral-storage': '2Gi' },
      }),
      validPod('storage', 1, { 'ephemeral-storage': '1Gi' }, { 'ephemeral-storage': '2Gi' }),
    ],
  ];
  for (const [name, range, pod] of success) {
    it(`admits: ${name}`, () => {
      assert.deepEqual(podLimitRangeViolations(range, pod), []);
      validateLimitRanger([range], attrs(pod));
    });
  }

  const failure: [string, LimitRange, Pod, string[]][] = [
    [
      'container min cpu request',
      lr({ type: 'Container', min: { cpu: '100m' } }),
      validPod('p', 1, { cpu: '50m' }),
      ['minimum cpu usage per Container is 100m, but request is 50m'],
    ],
    [
      'container no request',
      lr({ type: 'Container', min: { cpu: '100m' } }),
      validPod('p', 1),
      ['minimum cpu usage per Container is 100m.  No request is specified'],
    ],
    [
      'container min limit',
      lr({ type: 'Container', min: { memory: '1Gi' } }),
      validPod('p', 1, { memory: '1Gi' }, { memory: '512Mi' }),
      ['minimum memory usage per Container is 1Gi, but limit is 512Mi'],
    ],
    [
      'container max limit',
      lr({ type: 'Container', max: { memory: '1Gi' } }),
      validPod('p', 1, { memory: '1Gi' }, { memory: '2Gi' }),
      ['maximum memory usage per Container is 1Gi, but limit is 2Gi'],
    ],
    [
      'container max without limit',
      lr({ type: 'Container', max: { cpu: '1' } }),
      validPod('p', 1, { cpu: '1' }),
      ['maximum cpu usage per Container is 1.  No limit is specified'],
    ],
    [
      'container max request',
      lr({ type: 'Container', max: { cpu: '1' } }),
      validPod('p', 1, { cpu: '2' }, { cpu: '1' }),
      ['maximum cpu usage per Container is 1, but request is 2'],
    ],
    [
      'pod max',
      lr({ type: 'Pod', max: { cpu: '200m' } }),
      validPod('p', 3, { cpu: '100m' }, { cpu: '100m' }),
      ['maximum cpu usage per Pod is 200m, but limit is 300m'],
    ],
    [
      'pod min',
      lr({ type: 'Pod', min: { memory: '64Mi' } }),
      validPod('p', 2, { memory: '16Mi' }),
      ['minimum memory usage per Pod is 64Mi, but request is 32Mi'],
    ],
    [
      'container ratio',
      lr({ type: 'Container', maxLimitRequestRatio: { cpu: '1' } }),
      validPod('p', 1, { cpu: '100m' }, { cpu: '200m' }),
      ['cpu max limit to request ratio per Container is 1, but provided ratio is 2.000000'],
    ],
    [
      'container ratio without request',
      lr({ type: 'Container', maxLimitRequestRatio: { cpu: '1' } }),
      validPod('p', 1, {}, { cpu: '200m' }),
      [
        'cpu max limit to request ratio per Container is 1, but no request is specified or request is 0',
      ],
    ],
    [
      'container ratio without limit',
      lr({ type: 'Container', maxLimitRequestRatio: { cpu: '1' } }),
      validPod('p', 1, { cpu: '200m' }),
      [
        'cpu max limit to request ratio per Container is 1, but no limit is specified or limit is 0',
      ],
    ],
    [
      'pod ratio',
      lr({ type: 'Pod', maxLimitRequestRatio: { memory: '1500m' } }),
      validPod('p', 2, { memory: '10Mi' }, { memory: '25Mi' }),
      ['memory max limit to request ratio per Pod is 1500m, but provided ratio is 2.500000'],
    ],
    [
      'several violations at once',
      lr({ type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' } }),
      validPod('p', 1, { cpu: '50m', memory: '1Gi' }, { memory: '2Gi' }),
      [
        'minimum cpu usage per Container is 100m, but request is 50m',
        'maximum memory usage per Container is 1Gi, but limit is 2Gi',
      ],
    ],
  ];
  for (const [name, range, pod, want] of failure) {
    it(`rejects: ${name}`, () => {
      assert.deepEqual(podLimitRangeViolations(range, pod), want);
    });
  }

  it('init containers are checked too', () => {
    const pod = validPod('p', 1, { cpu: '100m' });
    pod.spec = {
      containers: pod.spec?.containers ?? [],
      initContainers: [{ name: 'i', resources: { requests: { cpu: '10m' } } }],
    };
    assert.deepEqual(podLimitRangeViolations(lr({ type: 'Container', min: { cpu: '50m' } }), pod), [
      'minimum cpu usage per Container is 50m, but request is 10m',
    ]);
  });

  it('pod totals use the init-container max and ignore overhead', () => {
    const pod: Pod = {
      spec: {
        overhead: { cpu: '1' },
        initContainers: [
          { name: 'i', resources: { requests: { cpu: '300m' }, limits: { cpu: '300m' } } },
        ],
        containers: [
          { name: 'c', resources: { requests: { cpu: '100m' }, limits: { cpu: '100m' } } },
        ],
      },
    };
    assert.deepEqual(podLimitRangeViolations(lr({ type: 'Pod', max: { cpu: '250m' } }), pod), [
      'maximum cpu usage per Pod is 250m, but limit is 300m',
    ]);
  });

  it('validateLimitRanger throws 403 with the aggregated message', () => {
    const range = lr({ type: 'Container', min: { cpu: '100m' }, max: { memory: '1Gi' } });
    const pod = validPod('p', 1, { cpu: '50m', memory: '1Gi' }, { memory: '2Gi' });
    assert.throws(
      () => {
        validateLimitRanger([range], attrs(pod));
      },
      (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.equal(err.code, 403);
        assert.equal(
          err.message,
          'pods "p" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, maximum memory usage per Container is 1Gi, but limit is 2Gi]',
        );
        return true;
      },
    );
    assert.throws(
      () => {
        validateLimitRanger(
          [lr({ type: 'Container', min: { cpu: '100m' } })],
          attrs(validPod('q', 1, { cpu: '50m' })),
        );
      },
      {
        message:
          'pods "q" is forbidden: minimum cpu usage per Container is 100m, but request is 50m',
      },
    );
  });
});

describe('PVC limit checks (upstream TestPersistentVolumeClaimLimitFunc)', () => {
  const range = lr({
    type: 'PersistentVolumeClaim',
    min: { storage: '1Gi' },
    max: { storage: '10Gi' },
  });
  const pvc = (storage?: string) => ({
    metadata: { name: 'claim' },
    spec: { resources: storage === undefined ? {} : { requests: { storage } } },
  });
  it('admits in range', () => {
    assert.deepEqual(pvcLimitRangeViolations(range, pvc('5Gi')), []);
  });
  it('rejects below min', () => {
    assert.deepEqual(pvcLimitRangeViolations(range, pvc('512Mi')), [
      'minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 512Mi',
    ]);
  });
  it('rejects above max', () => {
    assert.deepEqual(pvcLimitRangeViolations(range, pvc('20Gi')), [
      'maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
    ]);
  });
  it('rejects no request', () => {
    assert.deepEqual(pvcLimitRangeViolations(range, pvc()), [
      'minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified',
      'maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified',
    ]);
  });
  it('validate', () => {
    assert.throws(() => {
      validateLimitRanger([range], attrs(pvc('20Gi'), 'persistentvolumeclaims'));
    }, /persistentvolumeclaims "claim" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi/);
  });
});
