import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import {
  DESCRIPTION_ANNOTATION,
  ROOT_CA_CONFIGMAP_NAME,
  ROOT_CA_DESCRIPTION,
  RootCACertPublisher,
  ServiceAccountsController,
} from './index.ts';

const R = BUILTIN_RESOURCES;
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const active = (name: string): Namespace => ({ metadata: { name }, status: { phase: 'Active' } });

async function setup(seed: {
  namespaces: Namespace[];
  serviceAccounts?: ServiceAccount[];
  configMaps?: ConfigMap[];
}) {
  const cluster = new FakeCluster();
  cluster.seed(R.namespaces, ...seed.namespaces);
  cluster.seed(R.serviceAccounts, ...(seed.serviceAccounts ?? []));
  cluster.seed(R.configMaps, ...(seed.configMaps ?? []));
  const informers = new InformerFactory(cluster.clientset);
  const sa = new ServiceAccountsController({ clientset: cluster.clientset, informers });
  const ca = new RootCACertPublisher({ clientset: cluster.clientset, informers, rootCA: CA });
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForCacheSync();
  cluster.clearActions();
  return {
    cluster,
    sa,
    ca,
    stop: async () => {
      ac.abort();
      sa.queue.shutDown();
      ca.queue.shutDown();
      await informers.stopped();
    },
  };
}

// Upstream TestServiceAccountCreation, the cases that translate.
describe('ServiceAccountsController.sync', () => {
  const cases: { name: string; ns: Namespace; existing?: string[]; created: string[] }[] = [
    { name: 'new active namespace missing serviceaccounts', ns: active('a'), created: ['default'] },
    {
      name: 'active namespace with default serviceaccount',
      ns: active('a'),
      existing: ['default'],
      created: [],
    },
    {
      name: 'active namespace with other serviceaccounts',
      ns: active('a'),
      existing: ['builder'],
      created: ['default'],
    },
    {
      name: 'terminating namespace',
      ns: {
        metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['x'] },
        status: { phase: 'Terminating' },
      },
      created: [],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { cluster, sa, stop } = await setup({
        namespaces: [c.ns],
        serviceAccounts: (c.existing ?? []).map((n) => ({ metadata: { namespace: 'a', name: n } })),
      });
      try {
        await sa.sync('a');
        assert.deepEqual(
          cluster
            .writes()
            .filter((w) => w.resource.resource === 'serviceaccounts')
            .map((w) => [w.verb, w.name]),
          c.created.map((n) => ['create', n]),
        );
      } finally {
        await stop();
      }
    });
  }

  it('recreates a deleted default serviceaccount', async () => {
    const { cluster, sa, stop } = await setup({ namespaces: [active('a')] });
    try {
      await sa.sync('a');
      // Drain the initial namespace key, then delete the ServiceAccount.
      for (let i = 0; i < 30; i++) await new Promise<void>((r) => setImmediate(r));
      while (sa.queue.len() > 0) {
        const k = await sa.queue.get();
        if (k !== undefined) sa.queue.done(k);
      }
      await cluster.clientset.serviceAccounts.delete('a', 'default');
      for (let i = 0; i < 30 && sa.queue.len() === 0; i++)
        await new Promise<void>((r) => setImmediate(r));
      assert.equal(await sa.queue.get(), 'a');
      await sa.sync('a');
      assert.ok(cluster.peek(R.serviceAccounts, 'a', 'default'));
    } finally {
      await stop();
    }
  });
});

describe('RootCACertPublisher.sync', () => {
  const good: ConfigMap = {
    metadata: {
      namespace: 'a',
      name: ROOT_CA_CONFIGMAP_NAME,
      annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION },
    },
    data: { 'ca.crt': CA },
  };
  const cases: { name: string; existing?: ConfigMap; verb?: 'create' | 'update' }[] = [
    { name: 'creates the configmap', verb: 'create' },
    { name: 'leaves a correct configmap alone', existing: good },
    {
      name: 'restores changed data',
      existing: { ...good, data: { 'ca.crt': 'other', extra: 'x' } },
      verb: 'update',
    },
    {
      name: 'restores a missing description',
      existing: {
        ...good,
        metadata: { namespace: 'a', name: ROOT_CA_CONFIGMAP_NAME, annotations: { keep: 'me' } },
      },
      verb: 'update',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { cluster, ca, stop } = await setup({
        namespaces: [active('a')],
        configMaps: c.existing === undefined ? [] : [c.existing],
      });
      try {
        await ca.sync('a');
        assert.deepEqual(
          cluster.writes().map((w) => w.verb),
          c.verb === undefined ? [] : [c.verb],
        );
        const cm = cluster.peek<ConfigMap>(R.configMaps, 'a', ROOT_CA_CONFIGMAP_NAME);
        assert.deepEqual(cm?.data, { 'ca.crt': CA });
        assert.equal(cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION], ROOT_CA_DESCRIPTION);
        if (c.name === 'restores a missing description')
          assert.equal(cm.metadata.annotations.keep, 'me');
      } finally {
        await stop();
      }
    });
  }
});
