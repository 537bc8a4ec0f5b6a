import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { admitDefaultTolerationSeconds, defaultTolerationSeconds } from './tolerations.ts';

const notReady: Toleration = {
  key: 'node.kubernetes.io/not-ready',
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
};
const unreachable: Toleration = {
  key: 'node.kubernetes.io/unreachable',
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
};
const pod = (tolerations?: Toleration[]): Pod => ({
  spec: { containers: [], ...(tolerations === undefined ? {} : { tolerations }) },
});

describe('defaultTolerationSeconds (upstream TestForgivenessAdmission)', () => {
  const cases: [string, Toleration[] | undefined, Toleration[] | undefined][] = [
    [
      'pod has no tolerations, expect add tolerations for not-ready and unreachable',
      undefined,
      [notReady, unreachable],
    ],
    [
      'pod has tolerations, but none is for taint `not-ready:NoExecute` or `unreachable:NoExecute`',
      [
        {
          key: 'foo',
          operator: 'Equal',
          value: 'bar',
          effect: 'NoSchedule',
          tolerationSeconds: 700,
        },
      ],
      [
        {
          key: 'foo',
          operator: 'Equal',
          value: 'bar',
          effect: 'NoSchedule',
          tolerationSeconds: 700,
        },
        notReady,
        unreachable,
      ],
    ],
    [
      'pod specified a toleration for taint `not-ready:NoExecute`',
      [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 700,
        },
      ],
      [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 700,
        },
        unreachable,
      ],
    ],
    [
      'pod specified a toleration for taint `unreachable:NoExecute`',
      [
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 700,
        },
      ],
      [
        {
          key: 'node.kubernetes.io/unreachable',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 700,
        },
        notReady,
      ],
    ],
    ['pod specified tolerations for both', [notReady, unreachable], undefined],
    [
      'pod specified toleration for taint `unreachable` with empty effect',
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
      [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, notReady],
    ],
    ['pod tolerates all taints (empty key, Exists)', [{ operator: 'Exists' }], undefined],
    [
      'pod tolerates all NoExecute taints',
      [{ operator: 'Exists', effect: 'NoExecute' }],
      undefined,
    ],
    [
      'a NoSchedule toleration with empty key is not enough',
      [{ operator: 'Exists', effect: 'NoSchedule' }],
      [{ operator: 'Exists', effect: 'NoSchedule' }, notReady, unreachable],
    ],
  ];
  for (const [name, given, want] of cases) {
    it(name, () => {
      const p = pod(given);
      const before = structuredClone(p);
      const out = defaultTolerationSeconds(p);
      assert.deepEqual(p, before);
      assert.deepEqual(out?.spec?.tolerations, want);
    });
  }
  it('configurable seconds', () => {
    assert.deepEqual(
      defaultTolerationSeconds(pod(), {
        notReadySeconds: 60,
        unreachableSeconds: 30,
      })?.spec?.tolerations?.map((t) => t.tolerationSeconds),
      [60, 30],
    );
  });
  it('admission form ignores non-pods and subresources', () => {
    const base = {
      operation: 'CREATE' as const,
      resource: { group: '', resource: 'pods' },
      subresource: '',
      name: 'p',
      namespace: 'n',
      object: pod() as Record<string, unknown>,
    };
    assert.ok(admitDefaultTolerationSeconds(base));
    assert.equal(admitDefaultTolerationSeconds({ ...base, subresource: 'status' }), undefined);
    assert.equal(
      admitDefaultTolerationSeconds({ ...base, resource: { group: '', resource: 'services' } }),
      undefined,
    );
  });
});
