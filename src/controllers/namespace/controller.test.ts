import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace, NamespaceCondition, Pod } from 'kubernetes-types/core/v1.js';
import { newInternalError } from '../../api/index.ts';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { GroupVersionResource } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { NamespaceController, ResourcesRemainingError } from './index.ts';

const R = BUILTIN_RESOURCES;
const NOW = Date.UTC(2024, 0, 1);
const STAMP = '2024-01-01T00:00:00Z';

// The fake removes an object with deletionTimestamp and no metadata.finalizers on any write (it
// does not know namespaces' spec.finalizers), so test namespaces carry a metadata finalizer.
const terminating = (name: string, finalizers = ['kubernetes']): Namespace => ({
  metadata: { name, deletionTimestamp: STAMP, finalizers: ['test/keep'] },
  spec: { finalizers },
  status: { phase: 'Active' },
});

async function setup(opts: {
  namespaces: Namespace[];
  configMaps?: ConfigMap[];
  pods?: Pod[];
  resources?: readonly GroupVersionResource[] | (() => Promise<readonly GroupVersionResource[]>);
}): Promise<{
  cluster: FakeCluster;
  ctrl: NamespaceController;
  finalized: Namespace[];
  stop: () => Promise<void>;
}> {
  const cluster = new FakeCluster();
  cluster.seed(R.namespaces, ...opts.namespaces);
  cluster.seed(R.configMaps, ...(opts.configMaps ?? []));
  cluster.seed(R.pods, ...(opts.pods ?? []));
  const informers = new InformerFactory(cluster.clientset);
  const finalized: Namespace[] = [];
  const ctrl = new NamespaceController({
    clientset: cluster.clientset,
    informers,
    resources: opts.resources ?? [R.pods, R.configMaps],
    finalize: (ns) => {
      finalized.push(ns);
      return Promise.resolve(ns);
    },
    now: () => NOW,
  });
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForCacheSync();
  cluster.clearActions();
  return {
    cluster,
    ctrl,
    finalized,
    stop: async () => {
      ac.abort();
      ctrl.queue.shutDown();
      await informers.stopped();
    },
  };
}

const cond = (ns: Namespace | undefined, type: string): NamespaceCondition | undefined =>
  ns?.status?.conditions?.find((c) => c.type === type);

describe('NamespaceController.sync', () => {
  it('leaves an active namespace alone', async () => {
    const { cluster, ctrl, finalized, stop } = await setup({
      namespaces: [{ metadata: { name: 'a' }, spec: { finalizers: ['kubernetes'] } }],
      configMaps: [{ metadata: { namespace: 'a', name: 'cm' } }],
    });
    try {
      await ctrl.sync('a');
      assert.deepEqual(cluster.writes(), []);
      assert.deepEqual(finalized, []);
    } finally {
      await stop();
    }
  });

  it('deletes the content, sets Terminating and ok conditions, then finalizes', async () => {
    const { cluster, ctrl, finalized, stop } = await setup({
      namespaces: [terminating('a', ['kubernetes', 'other.io/x'])],
      configMaps: [
        { metadata: { namespace: 'a', name: 'cm' } },
        { metadata: { namespace: 'b', name: 'keep' } },
      ],
      pods: [{ metadata: { namespace: 'a', name: 'p' }, spec: { containers: [] } }],
    });
    try {
      await ctrl.sync('a');
      assert.deepEqual(cluster.objects(R.configMaps, 'a'), []);
      assert.deepEqual(cluster.objects(R.pods, 'a'), []);
      assert.equal(cluster.objects(R.configMaps, 'b').length, 1);
      const ns = cluster.peek<Namespace>(R.namespaces, '', 'a');
      assert.equal(ns?.status?.phase, 'Terminating');
      assert.deepEqual(
        ns.status.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
        [
          [
            'NamespaceDeletionDiscoveryFailure',
            'False',
            'ResourcesDiscovered',
            'All resources successfully discovered',
          ],
          [
            'NamespaceDeletionGroupVersionParsingFailure',
            'False',
            'ParsedGroupVersions',
            'All legacy kube types successfully parsed',
          ],
          [
            'NamespaceDeletionContentFailure',
            'False',
            'ContentDeleted',
            'All content successfully deleted, may be waiting on finalization',
          ],
          [
            'NamespaceContentRemaining',
            'False',
            'ContentRemoved',
            'All content successfully removed',
          ],
          [
            'NamespaceFinalizersRemaining',
            'False',
            'ContentHasNoFinalizers',
            'All content-preserving finalizers finished',
          ],
        ],
      );
      assert.equal(cond(ns, 'NamespaceContentRemaining')?.lastTransitionTime, STAMP);
      assert.equal(finalized.length, 1);
      assert.deepEqual(finalized[0]?.spec?.finalizers, ['other.io/x']);
      const deletes = cluster.writes().filter((w) => w.verb === 'deletecollection');
      assert.deepEqual(
        deletes.map((w) => w.resource.resource),
        ['pods', 'configmaps'],
      );
    } finally {
      await stop();
    }
  });

  it('waits for content with finalizers and reports it', async () => {
    const { cluster, ctrl, finalized, stop } = await setup({
      namespaces: [terminating('a')],
      configMaps: [
        { metadata: { namespace: 'a', name: 'cm1', finalizers: ['example.com/x'] } },
        {
          metadata: { namespace: 'a', name: 'cm2', finalizers: ['example.com/x', 'example.com/y'] },
        },
      ],
    });
    try {
      await assert.rejects(ctrl.sync('a'), (err: unknown) => {
        assert.ok(err instanceof ResourcesRemainingError);
        assert.equal(err.estimateSeconds, 5);
        return true;
      });
      const ns = cluster.peek<Namespace>(R.namespaces, '', 'a');
      assert.deepEqual(
        [cond(ns, 'NamespaceContentRemaining'), cond(ns, 'NamespaceFinalizersRemaining')].map(
          (c) => [c?.status, c?.reason, c?.message],
        ),
        [
          [
            'True',
            'SomeResourcesRemain',
            'Some resources are remaining: configmaps. has 2 resource instances',
          ],
          [
            'True',
            'SomeFinalizersRemain',
            'Some content in the namespace has finalizers remaining: example.com/x in 2 resource instances, example.com/y in 1 resource instances',
          ],
        ],
      );
      assert.deepEqual(finalized, []);
      // The finalizers go: the next pass finalizes and flips the conditions back.
      for (const name of ['cm1', 'cm2']) {
        await cluster.clientset.configMaps.patch('a', name, 'merge', {
          metadata: { finalizers: null },
        });
      }
      await ctrl.sync('a');
      assert.equal(finalized.length, 1);
      assert.equal(
        cond(cluster.peek<Namespace>(R.namespaces, '', 'a'), 'NamespaceContentRemaining')?.status,
        'False',
      );
    } finally {
      await stop();
    }
  });

  it('reports delete failures in NamespaceDeletionContentFailure', async () => {
    const { cluster, ctrl, finalized, stop } = await setup({
      namespaces: [terminating('a')],
      configMaps: [{ metadata: { namespace: 'a', name: 'cm' } }],
    });
    cluster.prependReactor((a) => {
      if (a.verb === 'deletecollection' && a.resource.resource === 'configmaps')
        throw newInternalError('boom');
      return undefined;
    });
    try {
      await assert.rejects(ctrl.sync('a'));
      const c = cond(
        cluster.peek<Namespace>(R.namespaces, '', 'a'),
        'NamespaceDeletionContentFailure',
      );
      assert.equal(c?.status, 'True');
      assert.equal(c.reason, 'ContentDeletionFailed');
      assert.equal(
        c.message,
        'Failed to delete all resource types, 1 remaining: Internal error occurred: boom',
      );
      assert.deepEqual(finalized, []);
    } finally {
      await stop();
    }
  });

  it('reports a discovery failure', async () => {
    const { cluster, ctrl, finalized, stop } = await setup({
      namespaces: [terminating('a')],
      resources: () =>
        Promise.reject(new Error('unable to retrieve the complete list of server APIs')),
    });
    try {
      await assert.rejects(ctrl.sync('a'));
      const c = cond(
        cluster.peek<Namespace>(R.namespaces, '', 'a'),
        'NamespaceDeletionDiscoveryFailure',
      );
      assert.equal(c?.status, 'True');
      assert.equal(c.reason, 'DiscoveryFailed');
      assert.deepEqual(finalized, []);
    } finally {
      await stop();
    }
  });

  it('does nothing more for a namespace already finalized', async () => {
    const { cluster, ctrl, finalized, stop } = await setup({
      namespaces: [{ ...terminating('a', []), status: { phase: 'Terminating' } }],
      configMaps: [{ metadata: { namespace: 'a', name: 'cm' } }],
    });
    try {
      await ctrl.sync('a');
      assert.deepEqual(cluster.writes(), []);
      assert.deepEqual(finalized, []);
    } finally {
      await stop();
    }
  });

  it('queues terminating namespaces after the grace period', async () => {
    const { ctrl, stop } = await setup({
      namespaces: [terminating('a'), { metadata: { name: 'b' } }],
    });
    try {
      // Added with a 5 s delay: nothing is ready yet.
      assert.equal(ctrl.queue.len(), 0);
    } finally {
      await stop();
    }
  });
});
