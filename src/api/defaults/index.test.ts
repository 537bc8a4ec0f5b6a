import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaulterFor, setDefaults, setWireZeroValues } from './index.ts';

describe('setDefaults dispatch', () => {
  it('leaves unknown kinds, other versions and objects without type info alone', () => {
    const inputs: Record<string, unknown>[] = [
      { apiVersion: 'example.com/v1', kind: 'Widget', spec: {} },
      { apiVersion: 'apps/v1beta1', kind: 'Deployment', spec: {} },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' } },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec: {} },
      { kind: 'Pod', spec: {} },
      { apiVersion: 'v1', spec: {} },
      { apiVersion: 'v1', kind: 'WidgetList', items: [{}] },
    ];
    for (const input of inputs) {
      const obj = structuredClone(input);
      setDefaults(obj);
      assert.deepEqual(obj, input);
    }
  });

  it('does not crash on, or overwrite, fields of the wrong JSON type', () => {
    const pod: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: 'nope',
      spec: { containers: 'x', volumes: [1, null, { name: 'v' }], restartPolicy: 7 },
      status: [],
    };
    setDefaults(pod);
    assert.deepEqual(pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: 'nope',
      spec: {
        containers: 'x',
        volumes: [1, null, { name: 'v', emptyDir: {} }],
        restartPolicy: 7,
        enableServiceLinks: true,
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
      status: [],
    });
    const deployment: Record<string, unknown> = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: 'bad',
    };
    setDefaults(deployment);
    assert.deepEqual(deployment, { apiVersion: 'apps/v1', kind: 'Deployment', spec: 'bad' });
    const resources: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      spec: { hard: { cpu: 'lots', pods: 3, memory: null } },
    };
    setDefaults(resources);
    assert.deepEqual(resources['spec'], { hard: { cpu: 'lots', pods: 3, memory: null } });
  });

  it('null counts as unset, as it decodes to Go nil', () => {
    const obj: Record<string, unknown> = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      spec: { replicas: null, template: null },
    };
    setDefaults(obj);
    assert.equal((obj['spec'] as Record<string, unknown>)['replicas'], 1);
  });

  it('exposes the defaulter table', () => {
    assert.equal(typeof defaulterFor('v1', 'Pod'), 'function');
    assert.equal(defaulterFor('v1', 'ConfigMap'), undefined);
    assert.equal(defaulterFor('policy/v1', 'PodDisruptionBudget'), undefined);
  });
});

describe('setWireZeroValues', () => {
  it('adds Go zero structs to workloads', () => {
    const sts: Record<string, unknown> = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      spec: {
        template: {
          spec: {
            containers: [{ name: 'c' }],
            initContainers: [{ name: 'i', resources: { limits: {} } }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'www' } }],
      },
    };
    setWireZeroValues(sts);
    assert.deepEqual(sts, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      spec: {
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            containers: [{ name: 'c', resources: {} }],
            initContainers: [{ name: 'i', resources: { limits: {} } }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'www', creationTimestamp: null } }],
      },
      status: { replicas: 0, availableReplicas: 0 },
    });
  });

  it('CronJob job template, Service status, and kinds it does not know', () => {
    const cj: Record<string, unknown> = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c' }] } } } } },
      status: { lastScheduleTime: '2024-01-01T00:00:00Z' },
    };
    setWireZeroValues(cj);
    assert.deepEqual(cj['spec'], {
      jobTemplate: {
        metadata: { creationTimestamp: null },
        spec: {
          template: {
            metadata: { creationTimestamp: null },
            spec: { containers: [{ name: 'c', resources: {} }] },
          },
        },
      },
    });
    assert.deepEqual(cj['status'], { lastScheduleTime: '2024-01-01T00:00:00Z' });
    const svc: Record<string, unknown> = { apiVersion: 'v1', kind: 'Service', spec: {} };
    setWireZeroValues(svc);
    assert.deepEqual(svc['status'], { loadBalancer: {} });
    const cm: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap' };
    setWireZeroValues(cm);
    assert.deepEqual(cm, { apiVersion: 'v1', kind: 'ConfigMap' });
  });
});
