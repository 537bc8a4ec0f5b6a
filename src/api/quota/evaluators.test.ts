import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, ResourceQuota, Service } from 'kubernetes-types/core/v1.js';
import {
  evaluatorFor,
  isQuotaIgnoredResource,
  objectCountResourceName,
  parseObjectCountResourceName,
  podMatchesScope,
  podUsage,
  pvcUsage,
  quotaMatches,
  serviceUsage,
  usageFor,
} from './evaluators.ts';
import { computePodQOS } from './pod-resources.ts';
import { resourceListToWire } from './resources.ts';

type Res = Record<string, string>;
const ctr = (requests?: Res, limits?: Res, extra: object = {}) => ({
  name: 'c',
  image: 'x',
  resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) },
  ...extra,
});
const NOW = Date.parse('2024-01-01T00:00:00Z');

describe('podUsage (upstream TestPodEvaluatorUsage)', () => {
  const cases: { name: string; pod: Pod; usage: Res }[] = [
    {
      name: 'init container CPU',
      pod: { spec: { containers: [], initContainers: [ctr({ cpu: '1m' }, { cpu: '2m' })] } },
      usage: { 'requests.cpu': '1m', 'limits.cpu': '2m', pods: '1', cpu: '1m', 'count/pods': '1' },
    },
    {
      name: 'init container local ephemeral storage',
      pod: {
        spec: {
          containers: [],
          initContainers: [ctr({ 'ephemeral-storage': '32Mi' }, { 'ephemeral-storage': '64Mi' })],
        },
      },
      usage: {
        'ephemeral-storage': '32Mi',
        'requests.ephemeral-storage': '32Mi',
        'limits.ephemeral-storage': '64Mi',
        pods: '1',
        'count/pods': '1',
      },
    },
    {
      name: 'container hugepages',
      pod: { spec: { containers: [ctr({ 'hugepages-2Mi': '100Mi' })] } },
      usage: {
        'hugepages-2Mi': '100Mi',
        'requests.hugepages-2Mi': '100Mi',
        pods: '1',
        'count/pods': '1',
      },
    },
    {
      name: 'container extended resources',
      pod: {
        spec: { containers: [ctr({ 'example.com/dongle': '3' }, { 'example.com/dongle': '3' })] },
      },
      usage: { 'requests.example.com/dongle': '3', pods: '1', 'count/pods': '1' },
    },
    {
      name: 'terminated generic count still appears',
      pod: {
        spec: { containers: [ctr({ 'example.com/dongle': '3' }, { 'example.com/dongle': '3' })] },
        status: { phase: 'Succeeded' },
      },
      usage: { 'count/pods': '1' },
    },
    {
      name: 'init container maximums override sum of containers',
      pod: {
        spec: {
          initContainers: [
            ctr(
              { cpu: '4', memory: '100M', 'example.com/dongle': '4' },
              { cpu: '8', memory: '200M', 'example.com/dongle': '4' },
            ),
            ctr(
              { cpu: '1', memory: '50M', 'example.com/dongle': '2' },
              { cpu: '2', memory: '100M', 'example.com/dongle': '2' },
            ),
          ],
          containers: [
            ctr(
              { cpu: '1', memory: '50M', 'example.com/dongle': '1' },
              { cpu: '2', memory: '100M', 'example.com/dongle': '1' },
            ),
            ctr(
              { cpu: '2', memory: '25M', 'example.com/dongle': '2' },
              { cpu: '5', memory: '50M', 'example.com/dongle': '2' },
            ),
          ],
        },
      },
      usage: {
        'requests.cpu': '4',
        'requests.memory': '100M',
        'requests.example.com/dongle': '4',
        'limits.cpu': '8',
        'limits.memory': '200M',
        pods: '1',
        cpu: '4',
        memory: '100M',
        'count/pods': '1',
      },
    },
    {
      name: 'pod deletion timestamp exceeded',
      pod: {
        metadata: {
          deletionTimestamp: new Date(NOW - 60_000).toISOString(),
          deletionGracePeriodSeconds: 30,
        },
        spec: { containers: [ctr({ cpu: '1', memory: '50M' }, { cpu: '2', memory: '100M' })] },
      },
      usage: { 'count/pods': '1' },
    },
    {
      name: 'pod deletion timestamp not exceeded',
      pod: {
        metadata: {
          deletionTimestamp: new Date(NOW).toISOString(),
          deletionGracePeriodSeconds: 30,
        },
        spec: { containers: [ctr({ cpu: '1' }, { cpu: '2' })] },
      },
      usage: { 'requests.cpu': '1', 'limits.cpu': '2', pods: '1', cpu: '1', 'count/pods': '1' },
    },
    {
      name: 'count pod overhead as usage',
      pod: {
        spec: { overhead: { cpu: '1' }, containers: [ctr({ cpu: '1' }, { cpu: '2' })] },
      },
      usage: { 'count/pods': '1', 'requests.cpu': '2', 'limits.cpu': '3', pods: '1', cpu: '2' },
    },
    {
      name: 'restartable init container CPU (sidecar formula)',
      pod: {
        spec: {
          initContainers: [
            ctr({ cpu: '1' }, { cpu: '2' }, { restartPolicy: 'Always' }),
            ctr({ cpu: '3' }, { cpu: '4' }),
          ],
          containers: [ctr({ cpu: '1' }, { cpu: '2' })],
        },
      },
      // max(sum(1 + 1), 1 + 3) = 4 requested; max(2 + 2, 2 + 4) = 6 limited
      usage: { 'count/pods': '1', 'requests.cpu': '4', 'limits.cpu': '6', pods: '1', cpu: '4' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(resourceListToWire(podUsage(c.pod, NOW)), sorted(c.usage));
    });
  }
});

describe('podMatchesScope', () => {
  const bestEffort: Pod = { spec: { containers: [ctr()] } };
  const burstable: Pod = { spec: { containers: [ctr({ cpu: '100m' })] } };
  const terminating: Pod = { spec: { activeDeadlineSeconds: 30, containers: [ctr()] } };
  const withClass: Pod = { spec: { priorityClassName: 'high', containers: [ctr()] } };
  const crossNs: Pod = {
    spec: {
      containers: [ctr()],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'k', namespaces: ['other'] },
          ],
        },
      },
    },
  };
  const cases: [
    string,
    Pod,
    { scopeName: string; operator: string; values?: string[] },
    boolean,
  ][] = [
    [
      'BestEffort on best-effort pod',
      bestEffort,
      { scopeName: 'BestEffort', operator: 'Exists' },
      true,
    ],
    [
      'BestEffort on burstable pod',
      burstable,
      { scopeName: 'BestEffort', operator: 'Exists' },
      false,
    ],
    [
      'NotBestEffort on burstable pod',
      burstable,
      { scopeName: 'NotBestEffort', operator: 'Exists' },
      true,
    ],
    ['Terminating', terminating, { scopeName: 'Terminating', operator: 'Exists' }, true],
    ['NotTerminating', terminating, { scopeName: 'NotTerminating', operator: 'Exists' }, false],
    [
      'NotTerminating without deadline',
      bestEffort,
      { scopeName: 'NotTerminating', operator: 'Exists' },
      true,
    ],
    ['PriorityClass Exists', withClass, { scopeName: 'PriorityClass', operator: 'Exists' }, true],
    [
      'PriorityClass Exists without class',
      bestEffort,
      { scopeName: 'PriorityClass', operator: 'Exists' },
      false,
    ],
    [
      'PriorityClass In',
      withClass,
      { scopeName: 'PriorityClass', operator: 'In', values: ['high', 'low'] },
      true,
    ],
    [
      'PriorityClass In miss',
      withClass,
      { scopeName: 'PriorityClass', operator: 'In', values: ['low'] },
      false,
    ],
    [
      'PriorityClass NotIn',
      withClass,
      { scopeName: 'PriorityClass', operator: 'NotIn', values: ['low'] },
      true,
    ],
    [
      'PriorityClass NotIn without class',
      bestEffort,
      { scopeName: 'PriorityClass', operator: 'NotIn', values: ['low'] },
      true,
    ],
    [
      'PriorityClass DoesNotExist',
      bestEffort,
      { scopeName: 'PriorityClass', operator: 'DoesNotExist' },
      true,
    ],
    [
      'CrossNamespacePodAffinity',
      crossNs,
      { scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' },
      true,
    ],
    [
      'CrossNamespacePodAffinity none',
      bestEffort,
      { scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' },
      false,
    ],
  ];
  for (const [name, pod, sel, want] of cases) {
    it(name, () => {
      assert.equal(podMatchesScope(sel, pod), want);
    });
  }
  it('rejects an invalid operator', () => {
    assert.throws(
      () => podMatchesScope({ scopeName: 'PriorityClass', operator: 'Bogus' }, withClass),
      /"Bogus" is not a valid scope selector operator/,
    );
  });
});

describe('computePodQOS', () => {
  const cases: [string, Pod, string][] = [
    ['best effort', { spec: { containers: [ctr()] } }, 'BestEffort'],
    ['zero requests are best effort', { spec: { containers: [ctr({ cpu: '0' })] } }, 'BestEffort'],
    [
      'guaranteed',
      { spec: { containers: [ctr({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] } },
      'Guaranteed',
    ],
    [
      'burstable without memory limit',
      { spec: { containers: [ctr({ cpu: '1' }, { cpu: '1' })] } },
      'Burstable',
    ],
    [
      'burstable when requests differ',
      { spec: { containers: [ctr({ cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] } },
      'Burstable',
    ],
  ];
  for (const [name, pod, want] of cases)
    it(name, () => {
      assert.equal(computePodQOS(pod), want);
    });
});

describe('pod constraints (upstream TestPodConstraintsFunc)', () => {
  const e = evaluatorFor({ group: '', resource: 'pods' });
  assert.ok(e);
  const cases: [string, Pod, string[], string | undefined][] = [
    [
      'init container resource missing',
      {
        spec: {
          containers: [],
          initContainers: [{ ...ctr({ cpu: '1m' }, { cpu: '2m' }), name: 'dummy' }],
        },
      },
      ['memory'],
      'must specify memory for: dummy',
    ],
    [
      'multiple init container resource missing',
      {
        spec: {
          containers: [],
          initContainers: [
            { ...ctr({ cpu: '1m' }, { cpu: '2m' }), name: 'foo' },
            { ...ctr({ cpu: '1m' }, { cpu: '2m' }), name: 'bar' },
          ],
        },
      },
      ['memory'],
      'must specify memory for: bar,foo',
    ],
    [
      'container resource missing multiple',
      {
        spec: {
          containers: [
            { ...ctr(), name: 'foo' },
            { ...ctr(), name: 'bar' },
          ],
        },
      },
      ['memory', 'cpu'],
      'must specify cpu for: bar,foo; memory for: bar,foo',
    ],
    [
      'limits and requests',
      { spec: { containers: [{ ...ctr({ memory: '1Gi' }), name: 'c' }] } },
      ['limits.cpu', 'requests.cpu', 'requests.memory', 'pods'],
      'must specify limits.cpu for: c; requests.cpu for: c',
    ],
    ['satisfied', { spec: { containers: [ctr({ cpu: '1' })] } }, ['requests.cpu'], undefined],
    [
      'ephemeral-storage is never required',
      { spec: { containers: [ctr()] } },
      ['requests.ephemeral-storage'],
      undefined,
    ],
  ];
  for (const [name, pod, required, want] of cases) {
    it(name, () => {
      assert.equal(e.constraints(required, pod as Record<string, unknown>), want);
    });
  }
});

describe('serviceUsage (upstream TestServiceEvaluatorUsage)', () => {
  const cases: [string, Service, Res][] = [
    [
      'loadbalancer',
      { spec: { type: 'LoadBalancer' } },
      {
        'services.nodeports': '0',
        'services.loadbalancers': '1',
        services: '1',
        'count/services': '1',
      },
    ],
    [
      'loadbalancer_ports',
      { spec: { type: 'LoadBalancer', ports: [{ port: 27443 }] } },
      {
        'services.nodeports': '1',
        'services.loadbalancers': '1',
        services: '1',
        'count/services': '1',
      },
    ],
    [
      'clusterip',
      { spec: { type: 'ClusterIP' } },
      {
        services: '1',
        'services.nodeports': '0',
        'services.loadbalancers': '0',
        'count/services': '1',
      },
    ],
    [
      'nodeports',
      { spec: { type: 'NodePort', ports: [{ port: 27443 }] } },
      {
        services: '1',
        'services.nodeports': '1',
        'services.loadbalancers': '0',
        'count/services': '1',
      },
    ],
    [
      'multi-nodeports',
      { spec: { type: 'NodePort', ports: [{ port: 27443 }, { port: 27444 }] } },
      {
        services: '1',
        'services.nodeports': '2',
        'services.loadbalancers': '0',
        'count/services': '1',
      },
    ],
    [
      'nodeports-disabled',
      {
        spec: {
          type: 'LoadBalancer',
          allocateLoadBalancerNodePorts: false,
          ports: [{ port: 27443 }, { port: 27444, nodePort: 32001 }],
        },
      },
      {
        services: '1',
        'services.nodeports': '1',
        'services.loadbalancers': '1',
        'count/services': '1',
      },
    ],
  ];
  for (const [name, svc, want] of cases)
    it(name, () => {
      assert.deepEqual(resourceListToWire(serviceUsage(svc)), sorted(want));
    });
});

function sorted(r: Res): Res {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

describe('pvcUsage (upstream TestPersistentVolumeClaimEvaluatorUsage)', () => {
  it('claim with storage class', () => {
    assert.deepEqual(
      resourceListToWire(
        pvcUsage({
          spec: { storageClassName: 'gold', resources: { requests: { storage: '10Gi' } } },
        }),
      ),
      sorted({
        'requests.storage': '10Gi',
        persistentvolumeclaims: '1',
        'gold.storageclass.storage.k8s.io/requests.storage': '10Gi',
        'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
        'count/persistentvolumeclaims': '1',
      }),
    );
  });
  it('fractional storage is rounded up to whole bytes', () => {
    assert.deepEqual(
      resourceListToWire(pvcUsage({ spec: { resources: { requests: { storage: '1m' } } } })),
      sorted({
        'requests.storage': '1',
        persistentvolumeclaims: '1',
        'count/persistentvolumeclaims': '1',
      }),
    );
  });
  it('the beta annotation wins over storageClassName', () => {
    const u = pvcUsage({
      metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'silver' } },
      spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } },
    });
    assert.equal(u.get('silver.storageclass.storage.k8s.io/requests.storage')?.toString(), '1Gi');
    assert.equal(u.has('gold.storageclass.storage.k8s.io/requests.storage'), false);
  });
  it('a larger allocated size is charged', () => {
    const u = pvcUsage({
      spec: { resources: { requests: { storage: '1Gi' } } },
      status: { allocatedResources: { storage: '2Gi' } },
    });
    assert.equal(u.get('requests.storage')?.toString(), '2Gi');
  });
});

describe('registry', () => {
  it('object count names', () => {
    assert.equal(
      objectCountResourceName({ group: 'apps', resource: 'deployments' }),
      'count/deployments.apps',
    );
    assert.equal(objectCountResourceName({ group: '', resource: 'secrets' }), 'count/secrets');
    assert.deepEqual(parseObjectCountResourceName('count/deployments.apps'), {
      group: 'apps',
      resource: 'deployments',
    });
    assert.deepEqual(parseObjectCountResourceName('count/widgets.example.com'), {
      group: 'example.com',
      resource: 'widgets',
    });
    assert.equal(parseObjectCountResourceName('pods'), undefined);
  });
  it('generic and aliased object counts', () => {
    assert.deepEqual(resourceListToWire(usageFor({ group: 'apps', resource: 'deployments' }, {})), {
      'count/deployments.apps': '1',
    });
    assert.deepEqual(resourceListToWire(usageFor({ group: '', resource: 'secrets' }, {})), {
      'count/secrets': '1',
      secrets: '1',
    });
  });
  it('ignored resources', () => {
    assert.equal(isQuotaIgnoredResource({ group: '', resource: 'events' }), true);
    assert.equal(
      evaluatorFor({ group: 'authorization.k8s.io', resource: 'subjectaccessreviews' }),
      undefined,
    );
  });
  it('quotaMatches needs a tracked resource and every scope', () => {
    const e = evaluatorFor({ group: '', resource: 'pods' });
    assert.ok(e);
    const q = (hard: Res, scopes?: string[]): ResourceQuota => ({
      spec: { hard, ...(scopes ? { scopes } : {}) },
      status: { hard },
    });
    const pod = { spec: { containers: [ctr()] } };
    assert.equal(quotaMatches(e, q({ pods: '1' }), pod), true);
    assert.equal(quotaMatches(e, q({ services: '1' }), pod), false);
    assert.equal(quotaMatches(e, q({ pods: '1' }, ['BestEffort']), pod), true);
    assert.equal(quotaMatches(e, q({ pods: '1' }, ['BestEffort', 'Terminating']), pod), false);
    const svc = evaluatorFor({ group: '', resource: 'services' });
    assert.ok(svc);
    assert.equal(quotaMatches(svc, q({ services: '1' }, ['BestEffort']), {}), false);
  });
});
