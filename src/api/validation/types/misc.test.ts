import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateCreate, validateUpdate } from './index.ts';
import { defaulted, messages } from './test-util.ts';
import type { Json } from './test-util.ts';

interface Row {
  readonly name: string;
  readonly obj: Json;
  readonly expected: readonly string[];
}

const rows: Row[] = [
  {
    name: 'valid PDB (kubectl create pdb p --selector=app=a --min-available=1)',
    obj: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'p', namespace: 'default' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'a' } } },
    },
    expected: [],
  },
  {
    name: 'PDB with both minAvailable and maxUnavailable',
    obj: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'p', namespace: 'default' },
      spec: { minAvailable: '50%', maxUnavailable: '120%' },
    },
    expected: [
      'spec: Invalid value: {"minAvailable":"50%","maxUnavailable":"120%"}: minAvailable and maxUnavailable cannot be both set',
      'spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
    ],
  },
  {
    name: 'valid PriorityClass',
    obj: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000,
    },
    expected: [],
  },
  {
    name: 'user PriorityClass above the limit',
    obj: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000000001,
    },
    expected: ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
  },
  {
    name: 'system- prefix is reserved',
    obj: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'system-x' },
      value: 1,
    },
    expected: [
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class",
    ],
  },
  {
    name: 'the built-in system-node-critical',
    obj: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'system-node-critical' },
      value: 2000001000,
    },
    expected: [],
  },
  {
    name: 'Lease durations',
    obj: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'kube-node-lease' },
      spec: { holderIdentity: 'n1', leaseDurationSeconds: 0, leaseTransitions: -1 },
    },
    expected: [
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ],
  },
  {
    name: 'valid EndpointSlice',
    obj: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 's-abc', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.0.0.5'], conditions: { ready: true } }],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
    expected: [],
  },
  {
    name: 'EndpointSlice addresses and address type',
    obj: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 's-abc', namespace: 'default' },
      addressType: 'IPv4',
      endpoints: [{ addresses: [] }, { addresses: ['::1'] }],
    },
    expected: [
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[0]: Invalid value: "::1": must be a valid IPv4 address',
    ],
  },
  {
    name: 'StorageClass provisioner required',
    obj: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'sc' },
      provisioner: '',
    },
    expected: ['provisioner: Required value'],
  },
  {
    name: 'events.k8s.io event needs reporting fields',
    obj: {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'default' },
      eventTime: '2024-01-01T00:00:00.000000Z',
      regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
      type: 'Normal',
      reason: 'Started',
      action: 'Start',
    },
    expected: [
      'reportingController: Required value',
      'reportingController: Invalid value: "": name part must be non-empty',
      "reportingController: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'reportingInstance: Required value',
    ],
  },
  {
    name: 'HPA v1 replicas and target',
    obj: {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: {
        minReplicas: 0,
        maxReplicas: 0,
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: '' },
        targetCPUUtilizationPercentage: 0,
      },
    },
    expected: [
      'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
      'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      'spec.scaleTargetRef.name: Required value',
      'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    ],
  },
  {
    name: 'HPA v2 maxReplicas below minReplicas; metric type',
    obj: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: {
        minReplicas: 3,
        maxReplicas: 2,
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        metrics: [{ type: 'Magic' }],
      },
    },
    expected: [
      'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
      'spec.metrics[0].type: Unsupported value: "Magic": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
    ],
  },
];

void describe('policy, scheduling, coordination, discovery, storage and events validation', () => {
  for (const r of rows) {
    it(r.name, () => {
      assert.deepEqual(messages(validateCreate(defaulted(r.obj))), r.expected);
    });
  }
  it('PriorityClass value is immutable', () => {
    const old = {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'h' },
      value: 1,
    };
    const obj = { ...old, value: 2 };
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'value: Forbidden: may not be changed in an update.',
    ]);
  });
  it('EndpointSlice addressType is immutable', () => {
    const old = defaulted({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 's', namespace: 'default' },
      addressType: 'IPv4',
    });
    const obj = { ...old, addressType: 'IPv6' };
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'addressType: Invalid value: "IPv6": field is immutable',
    ]);
  });
});
