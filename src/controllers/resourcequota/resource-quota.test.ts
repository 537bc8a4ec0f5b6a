import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ConfigMap,
  PersistentVolumeClaim,
  Pod,
  ResourceQuota,
  Secret,
  Service,
} from 'kubernetes-types/core/v1.js';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { isConflict, newConflict } from '../../api/index.ts';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { GroupVersionResource, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import { newResourceQuotaController } from './index.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const R = BUILTIN_RESOURCES;

function quota(name: string, hard: Record<string, string>, spec: ResourceQuota['spec'] = {}) {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name, namespace: 'ns' },
    spec: { ...spec, hard },
  } satisfies ResourceQuota;
}

function pod(
  name: string,
  o: {
    cpu?: string;
    memory?: string;
    limitsMemory?: string;
    phase?: string;
    ns?: string;
    deadline?: number;
    priorityClassName?: string;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu !== undefined) requests.cpu = o.cpu;
  if (o.memory !== undefined) requests.memory = o.memory;
  const limits: Record<string, string> = {};
  if (o.limitsMemory !== undefined) limits.memory = o.limitsMemory;
  return {
    metadata: { name, namespace: o.ns ?? 'ns' },
    spec: {
      containers: [{ name: 'c', image: 'nginx', resources: { requests, limits } }],
      ...(o.deadline !== undefined ? { activeDeadlineSeconds: o.deadline } : {}),
      ...(o.priorityClassName !== undefined ? { priorityClassName: o.priorityClassName } : {}),
    },
    status: { phase: o.phase ?? 'Running' },
  };
}

const WIDGETS: GroupVersionResource = { group: 'example.com', version: 'v1', resource: 'widgets' };

async function setup(seed: [GroupVersionResource, KubeObject[]][], resyncMs = 0) {
  const cluster = new FakeCluster({ now: () => new Date(T0) });
  for (const [gvr, objs] of seed) cluster.seed(gvr, ...objs);
  const informers = new InformerFactory(cluster.clientset);
  const queue = newRateLimitingQueue({ name: 'test', baseDelayMs: 1 });
  const ctrl = newResourceQuotaController({
    clientset: cluster.clientset,
    informers,
    queue,
    now: () => T0,
    resyncMs,
  });
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForCacheSync();
  cluster.clearActions();
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await informers.stopped();
  };
  const status = (name: string) =>
    cluster.peek<ResourceQuota>(R.resourceQuotas, 'ns', name)?.status;
  const statusWrites = () =>
    cluster.writes().filter((a) => a.resource.resource === 'resourcequotas');
  return { cluster, informers, queue, ctrl, ac, stop, status, statusWrites };
}

/** Polls `cond` (letting the fake's watches and the workers run) for up to 5 s. */
async function until(what: string, cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await settle();
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ResourceQuotaController.sync', () => {
  it('counts every built-in kind and count/<resource>.<group>, only in its namespace', async () => {
    const svc = (name: string, type: string, ports = 1): Service => ({
      metadata: { name, namespace: 'ns' },
      spec: {
        type,
        ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })),
      },
    });
    const pvc: PersistentVolumeClaim = {
      metadata: { name: 'data', namespace: 'ns' },
      spec: { storageClassName: 'gold', resources: { requests: { storage: '1Gi' } } },
    };
    const cm = (name: string, ns = 'ns'): ConfigMap => ({ metadata: { name, namespace: ns } });
    const secret: Secret = { metadata: { name: 's', namespace: 'ns' } };
    const deploy = (name: string, ns = 'ns'): Deployment => ({ metadata: { name, namespace: ns } });
    const q = quota('all', {
      pods: '10',
      'count/pods': '10',
      'requests.cpu': '4',
      cpu: '4',
      'requests.memory': '4Gi',
      'limits.memory': '8Gi',
      services: '5',
      'services.nodeports': '5',
      'services.loadbalancers': '2',
      configmaps: '5',
      secrets: '5',
      persistentvolumeclaims: '3',
      'requests.storage': '10Gi',
      'gold.storageclass.storage.k8s.io/requests.storage': '5Gi',
      replicationcontrollers: '2',
      resourcequotas: '1',
      'count/deployments.apps': '3',
    });
    const t = await setup([
      [R.resourceQuotas, [q]],
      [
        R.pods,
        [
          pod('a', { cpu: '500m', memory: '1Gi', limitsMemory: '2Gi' }),
          pod('b', { cpu: '250m' }),
          pod('other', { cpu: '3', ns: 'elsewhere' }),
        ],
      ],
      [R.services, [svc('np', 'NodePort', 2), svc('lb', 'LoadBalancer'), svc('c', 'ClusterIP')]],
      [R.configMaps, [cm('a'), cm('b'), cm('x', 'elsewhere')]],
      [R.secrets, [secret]],
      [R.persistentVolumeClaims, [pvc]],
      [R.deployments, [deploy('web'), deploy('api'), deploy('x', 'elsewhere')]],
    ]);
    try {
      await t.ctrl.sync('ns/all');
      const s = t.status('all');
      assert.ok(s);
      assert.deepEqual(s.hard, q.spec.hard);
      assert.deepEqual(s.used, {
        configmaps: '2',
        cpu: '750m',
        'count/deployments.apps': '2',
        'count/pods': '2',
        'gold.storageclass.storage.k8s.io/requests.storage': '1Gi',
        'limits.memory': '2Gi',
        persistentvolumeclaims: '1',
        pods: '2',
        replicationcontrollers: '0',
        'requests.cpu': '750m',
        'requests.memory': '1Gi',
        'requests.storage': '1Gi',
        resourcequotas: '1',
        secrets: '1',
        services: '3',
        'services.loadbalancers': '1',
        'services.nodeports': '3',
      });
      const writes = t.statusWrites();
      assert.equal(writes.length, 1);
      assert.deepEqual([writes[0]?.verb, writes[0]?.subresource], ['update', 'status']);
      assert.deepEqual(t.ctrl.monitoredResources(), [
        'configmaps.',
        'deployments.apps',
        'persistentvolumeclaims.',
        'pods.',
        'replicationcontrollers.',
        'resourcequotas.',
        'secrets.',
        'services.',
      ]);
      // Idempotent: nothing changed, nothing written.
      await t.ctrl.sync('ns/all');
      assert.equal(t.statusWrites().length, 1);
    } finally {
      await t.stop();
    }
  });

  it('counts a custom resource through its CRD, and keeps usage it cannot count', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true }],
      },
    };
    const q = quota('crd', { 'count/widgets.example.com': '5', 'count/gadgets.example.com': '5' });
    const t = await setup([
      [
        { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' },
        [crd],
      ],
      [WIDGETS, [{ metadata: { name: 'w1', namespace: 'ns' } }]],
      [
        R.resourceQuotas,
        [{ ...q, status: { used: { 'count/gadgets.example.com': '4' } } } as KubeObject],
      ],
    ]);
    try {
      await assert.rejects(
        t.ctrl.sync('ns/crd'),
        /gadgets\.example\.com: the server does not serve this resource/,
      );
      // What could be counted is written; what could not keeps its last value (upstream).
      assert.deepEqual(t.status('crd')?.used, {
        'count/gadgets.example.com': '4',
        'count/widgets.example.com': '1',
      });
    } finally {
      await t.stop();
    }
  });

  it('applies scopes and scope selectors (upstream evaluation in src/api/quota)', async () => {
    const t = await setup([
      [
        R.resourceQuotas,
        [
          quota('besteffort', { pods: '10' }, { scopes: ['BestEffort'] }),
          quota(
            'notbesteffort',
            { pods: '10', 'requests.cpu': '4' },
            { scopes: ['NotBestEffort'] },
          ),
          quota('terminating', { pods: '10' }, { scopes: ['Terminating'] }),
          quota('notterminating', { pods: '10' }, { scopes: ['NotTerminating'] }),
          quota(
            'high',
            { pods: '10', 'requests.cpu': '10' },
            {
              scopeSelector: {
                matchExpressions: [
                  { scopeName: 'PriorityClass', operator: 'In', values: ['high'] },
                ],
              },
            },
          ),
        ],
      ],
      [
        R.pods,
        [
          pod('be'),
          pod('burst', { cpu: '1' }),
          pod('job', { cpu: '2', deadline: 60 }),
          pod('vip', { cpu: '3', priorityClassName: 'high' }),
        ],
      ],
    ]);
    try {
      for (const n of ['besteffort', 'notbesteffort', 'terminating', 'notterminating', 'high'])
        await t.ctrl.sync(`ns/${n}`);
      assert.deepEqual(t.status('besteffort')?.used, { pods: '1' });
      assert.deepEqual(t.status('notbesteffort')?.used, { pods: '3', 'requests.cpu': '6' });
      assert.deepEqual(t.status('terminating')?.used, { pods: '1' });
      assert.deepEqual(t.status('notterminating')?.used, { pods: '3' });
      assert.deepEqual(t.status('high')?.used, { pods: '1', 'requests.cpu': '3' });
    } finally {
      await t.stop();
    }
  });

  it('does not charge terminal pods (Succeeded, Failed) except in count/pods', async () => {
    const t = await setup([
      [R.resourceQuotas, [quota('q', { pods: '5', 'count/pods': '5', 'requests.cpu': '5' })]],
      [
        R.pods,
        [
          pod('run', { cpu: '1' }),
          pod('done', { cpu: '1', phase: 'Succeeded' }),
          pod('failed', { cpu: '1', phase: 'Failed' }),
        ],
      ],
    ]);
    try {
      await t.ctrl.sync('ns/q');
      assert.deepEqual(t.status('q')?.used, {
        'count/pods': '3',
        pods: '1',
        'requests.cpu': '1',
      });
    } finally {
      await t.stop();
    }
  });

  it('ignores a quota that is gone', async () => {
    const t = await setup([]);
    try {
      await t.ctrl.sync('ns/missing');
      assert.equal(t.cluster.writes().length, 0);
    } finally {
      await t.stop();
    }
  });

  it('rejects on a write conflict, so that the key is requeued', async () => {
    const t = await setup([
      [R.resourceQuotas, [quota('q', { pods: '5' })]],
      [R.pods, [pod('a')]],
    ]);
    let conflicts = 0;
    t.cluster.prependReactor((a) => {
      if (a.verb === 'update' && a.subresource === 'status' && conflicts++ === 0) {
        throw newConflict({ group: '', resource: 'resourcequotas' }, 'q', 'stale');
      }
      return undefined;
    });
    try {
      await assert.rejects(t.ctrl.sync('ns/q'), (err) => isConflict(err));
      assert.equal(t.status('q'), undefined);
      // The worker requeues the key with rate limiting; the retry writes the status.
      const run = t.ctrl.run(t.ac.signal, 1);
      t.ctrl.controller.queue.addRateLimited('ns/q');
      await until('the status written after the conflict', () => t.status('q') !== undefined);
      assert.deepEqual(t.status('q')?.used, { pods: '1' });
      t.ac.abort();
      await run;
    } finally {
      await t.stop();
    }
  });
});

describe('ResourceQuotaController replenishment', () => {
  it('fills new quotas, gives usage back on delete and when a pod finishes', async () => {
    const t = await setup([
      [R.resourceQuotas, [quota('q', { pods: '5', 'requests.cpu': '4', configmaps: '3' })]],
      [R.pods, [pod('a', { cpu: '1' }), pod('b', { cpu: '1' }), pod('c', { cpu: '1' })]],
      [R.configMaps, [{ metadata: { name: 'cm', namespace: 'ns' } }]],
    ]);
    const run = t.ctrl.run(t.ac.signal, 2);
    try {
      await until('the first count', () => t.status('q')?.used?.pods === '3');
      assert.deepEqual(t.status('q')?.used, { configmaps: '1', pods: '3', 'requests.cpu': '3' });

      await t.cluster.clientset.pods.delete('ns', 'a');
      await until('pods back to 2', () => t.status('q')?.used?.pods === '2');
      assert.equal(t.status('q')?.used?.['requests.cpu'], '2');

      // A pod going terminal is no longer charged (upstream QuotaV1Pod).
      const b = t.cluster.peek<Pod>(R.pods, 'ns', 'b');
      assert.ok(b);
      await t.cluster.clientset.pods.updateStatus('ns', {
        ...b,
        status: { phase: 'Succeeded' },
      });
      await until('pods back to 1', () => t.status('q')?.used?.pods === '1');
      assert.equal(t.status('q')?.used?.['requests.cpu'], '1');

      await t.cluster.clientset.configMaps.delete('ns', 'cm');
      await until('configmaps back to 0', () => t.status('q')?.used?.configmaps === '0');

      // A deletion elsewhere, or of a kind the quota does not track, recounts nothing.
      const before = t.statusWrites().length;
      await t.cluster.clientset.secrets.create('ns', { metadata: { name: 's', namespace: 'ns' } });
      await t.cluster.clientset.secrets.delete('ns', 's');
      await t.cluster.clientset.pods.create('other', pod('x', { ns: 'other' }));
      await t.cluster.clientset.pods.delete('other', 'x');
      await settle();
      assert.equal(t.statusWrites().length, before);
    } finally {
      t.ac.abort();
      await run;
      await t.stop();
    }
  });

  it('recounts on a spec.hard change but not on a status write, and on resync', async () => {
    const t = await setup([
      [R.resourceQuotas, [quota('q', { pods: '5' })]],
      [R.pods, [pod('a')]],
    ]);
    const run = t.ctrl.run(t.ac.signal, 1);
    try {
      await until('the first count', () => t.status('q')?.used?.pods === '1');
      const q = t.cluster.peek<ResourceQuota>(R.resourceQuotas, 'ns', 'q');
      assert.ok(q);
      await t.cluster.clientset.resourceQuotas.update('ns', {
        ...q,
        spec: { hard: { pods: '5', 'count/deployments.apps': '2' } },
      });
      await until(
        'the new hard counted',
        () => t.status('q')?.used?.['count/deployments.apps'] === '0',
      );
      assert.deepEqual(t.status('q')?.hard, { 'count/deployments.apps': '2', pods: '5' });

      // A pod created without a recount (admission charges creates, not this controller)...
      await t.cluster.clientset.pods.create('ns', pod('b'));
      const cur = t.cluster.peek<ResourceQuota>(R.resourceQuotas, 'ns', 'q');
      assert.ok(cur);
      // ...and a status write from elsewhere do not trigger a recount...
      await t.cluster.clientset.resourceQuotas.updateStatus('ns', {
        ...cur,
        status: { ...cur.status, used: { ...cur.status?.used, pods: '1' } },
      });
      await settle();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(t.status('q')?.used?.pods, '1');
      // ...the periodic full resync does.
      t.ctrl.enqueueAll();
      await until('the resync count', () => t.status('q')?.used?.pods === '2');
    } finally {
      t.ac.abort();
      await run;
      await t.stop();
    }
  });
});
