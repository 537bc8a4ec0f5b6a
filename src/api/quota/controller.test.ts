import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import type { GroupResource } from '../errors.ts';
import type { JsonObject } from './attributes.ts';
import { quotaTrackedResources, recalculateUsage } from './controller.ts';

const NOW = Date.parse('2024-01-01T00:00:00Z');
const pod = (name: string, cpu?: string, extra: object = {}): JsonObject => ({
  metadata: { name },
  spec: {
    containers: [
      { name: 'c', resources: cpu === undefined ? {} : { requests: { cpu }, limits: { cpu } } },
    ],
  },
  ...extra,
});

function lister(
  objects: Record<string, JsonObject[]>,
): (gr: GroupResource) => JsonObject[] | undefined {
  return (gr) => objects[`${gr.resource}.${gr.group}`];
}

describe('recalculateUsage (upstream resource_quota_controller_test.go TestSyncResourceQuota)', () => {
  it('pods in various states', () => {
    const q: ResourceQuota = {
      metadata: { name: 'quota', namespace: 'testing' },
      spec: { hard: { cpu: '3', memory: '100Gi', pods: '5', 'count/pods': '10' } },
    };
    const objects = {
      'pods.': [
        pod('pod-running', '100m'),
        pod('pod-running-2', '100m'),
        pod('pod-failed', '100m', { status: { phase: 'Failed' } }),
        pod('pod-besteffort'),
      ],
    };
    const res = recalculateUsage(q, lister(objects), NOW);
    assert.equal(res.changed, true);
    assert.deepEqual(res.status, {
      hard: { 'count/pods': '10', cpu: '3', memory: '100Gi', pods: '5' },
      used: { 'count/pods': '4', cpu: '200m', memory: '0', pods: '3' },
    });
  });

  it('scopes filter what is counted', () => {
    const q: ResourceQuota = {
      metadata: { name: 'quota' },
      spec: { hard: { pods: '5' }, scopes: ['BestEffort'] },
    };
    const res = recalculateUsage(
      q,
      lister({ 'pods.': [pod('a', '100m'), pod('b'), pod('c')] }),
      NOW,
    );
    assert.deepEqual(res.status.used, { pods: '2' });
  });

  it('unchanged status reports no change', () => {
    const q: ResourceQuota = {
      spec: { hard: { pods: '5' } },
      status: { hard: { pods: '5' }, used: { pods: '1' } },
    };
    assert.equal(recalculateUsage(q, lister({ 'pods.': [pod('a')] }), NOW).changed, false);
    assert.equal(recalculateUsage(q, lister({ 'pods.': [] }), NOW).changed, true);
  });

  it('hard changes are copied into status and stale used entries dropped', () => {
    const q: ResourceQuota = {
      spec: { hard: { services: '3' } },
      status: { hard: { pods: '5' }, used: { pods: '1' } },
    };
    const res = recalculateUsage(
      q,
      lister({ 'services.': [{ spec: { type: 'NodePort', ports: [{ port: 1 }] } }] }),
      NOW,
    );
    assert.deepEqual(res.status, { hard: { services: '3' }, used: { services: '1' } });
    assert.equal(res.changed, true);
  });

  it('generic object counts, legacy aliases and storage classes', () => {
    const q: ResourceQuota = {
      spec: {
        hard: {
          'count/deployments.apps': '5',
          secrets: '10',
          'count/secrets': '10',
          'gold.storageclass.storage.k8s.io/requests.storage': '10Gi',
          'requests.storage': '20Gi',
        },
      },
    };
    const res = recalculateUsage(
      q,
      lister({
        'deployments.apps': [{}, {}],
        'secrets.': [{}],
        'persistentvolumeclaims.': [
          { spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } } },
          { spec: { resources: { requests: { storage: '2Gi' } } } },
        ],
      }),
      NOW,
    );
    assert.deepEqual(res.status.used, {
      'count/deployments.apps': '2',
      'count/secrets': '1',
      'gold.storageclass.storage.k8s.io/requests.storage': '1Gi',
      'requests.storage': '3Gi',
      secrets: '1',
    });
  });

  it('unlistable resources keep their previous usage', () => {
    const q: ResourceQuota = {
      spec: { hard: { 'count/widgets.example.com': '5', pods: '3' } },
      status: {
        hard: { 'count/widgets.example.com': '5', pods: '3' },
        used: { 'count/widgets.example.com': '2' },
      },
    };
    const res = recalculateUsage(q, lister({ 'pods.': [] }), NOW);
    assert.deepEqual(res.status.used, { 'count/widgets.example.com': '2', pods: '0' });
    assert.deepEqual(res.unavailable, [{ group: 'example.com', resource: 'widgets' }]);
  });

  it('quotaTrackedResources', () => {
    const q: ResourceQuota = {
      spec: { hard: { 'requests.cpu': '1', 'count/jobs.batch': '1', services: '1' } },
    };
    assert.deepEqual(
      quotaTrackedResources(q)
        .map((g) => `${g.resource}.${g.group}`)
        .sort(),
      ['jobs.batch', 'pods.', 'services.'],
    );
  });
});
