import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import {
  CONTROLLER_NAME,
  EndpointSliceController,
  LABEL_MANAGED_BY,
  LABEL_SERVICE_NAME,
  LABEL_TOPOLOGY_ZONE,
} from './index.ts';

const R = BUILTIN_RESOURCES;
const NS = 'ns';

function pod(i: number, opts: { ready?: boolean; node?: string; terminating?: boolean } = {}): Pod {
  const ip = `10.0.${String(Math.floor(i / 250))}.${String((i % 250) + 1)}`;
  return {
    metadata: {
      namespace: NS,
      name: `pod${String(i).padStart(3, '0')}`,
      uid: `uid-${String(i)}`,
      labels: { app: 'web' },
      ...(opts.terminating === true ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: opts.node ?? 'node-1',
      containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
    status: {
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

const node: Node = {
  metadata: { name: 'node-1', labels: { [LABEL_TOPOLOGY_ZONE]: 'us-central1-a' } },
};

function svc(
  extra: Partial<NonNullable<Service['spec']>> = {},
  labels: Record<string, string> = {},
): Service {
  return {
    metadata: { namespace: NS, name: 'foo', uid: 'svc-uid', labels },
    spec: {
      selector: { app: 'web' },
      clusterIP: '10.96.0.10',
      ipFamilies: ['IPv4'],
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }],
      ...extra,
    },
  };
}

async function setup(seed: {
  services?: Service[];
  pods?: Pod[];
  slices?: EndpointSlice[];
  nodes?: Node[];
}): Promise<{
  cluster: FakeCluster;
  ctrl: EndpointSliceController;
  settle: () => Promise<void>;
  stop: () => Promise<void>;
}> {
  const cluster = new FakeCluster();
  cluster.seed(R.services, ...(seed.services ?? []));
  cluster.seed(R.pods, ...(seed.pods ?? []));
  cluster.seed(R.endpointSlices, ...(seed.slices ?? []));
  cluster.seed(R.nodes, ...(seed.nodes ?? [node]));
  const informers = new InformerFactory(cluster.clientset);
  const ctrl = new EndpointSliceController({ clientset: cluster.clientset, informers });
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForCacheSync();
  cluster.clearActions();
  return {
    cluster,
    ctrl,
    // Lets the informers deliver the writes made so far.
    settle: async () => {
      for (let i = 0; i < 30; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    },
    stop: async () => {
      ac.abort();
      ctrl.queue.shutDown();
      await informers.stopped();
    },
  };
}

const slicesOf = (cluster: FakeCluster): EndpointSlice[] =>
  cluster
    .objects<EndpointSlice>(R.endpointSlices, NS)
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));

describe('EndpointSliceController.sync', () => {
  it('creates one slice for a pod (upstream TestReconcile1Pod)', async () => {
    const { cluster, ctrl, settle, stop } = await setup({ services: [svc()], pods: [pod(1)] });
    try {
      await ctrl.sync('ns/foo');
      const slices = slicesOf(cluster);
      assert.equal(slices.length, 1);
      const s = slices[0];
      assert.ok(s);
      assert.equal(s.metadata?.generateName, 'foo-');
      assert.match(s.metadata.name ?? '', /^foo-.{5}$/);
      assert.deepEqual(s.metadata.labels, {
        [LABEL_SERVICE_NAME]: 'foo',
        [LABEL_MANAGED_BY]: CONTROLLER_NAME,
      });
      assert.deepEqual(s.metadata.ownerReferences, [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: 'foo',
          uid: 'svc-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      assert.equal(s.addressType, 'IPv4');
      assert.deepEqual(s.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
      assert.deepEqual(s.endpoints, [
        {
          addresses: ['10.0.0.2'],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { kind: 'Pod', namespace: NS, name: 'pod001', uid: 'uid-1' },
          nodeName: 'node-1',
          zone: 'us-central1-a',
        },
      ]);
      await settle();
      cluster.clearActions();
      await ctrl.sync('ns/foo');
      assert.deepEqual(cluster.writes(), [], 'a second sync writes nothing');
    } finally {
      await stop();
    }
  });

  it('keeps one placeholder slice for a service without pods', async () => {
    const { cluster, ctrl, settle, stop } = await setup({ services: [svc({}, { team: 'a' })] });
    try {
      await ctrl.sync('ns/foo');
      const [s] = slicesOf(cluster);
      assert.ok(s);
      assert.deepEqual(s.endpoints, []);
      assert.deepEqual(s.ports, []);
      assert.equal(s.metadata?.labels?.team, 'a');
      await settle();
      cluster.clearActions();
      await ctrl.sync('ns/foo');
      assert.deepEqual(cluster.writes(), []);
    } finally {
      await stop();
    }
  });

  it('splits 250 endpoints into slices of at most 100', async () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const { cluster, ctrl, settle, stop } = await setup({ services: [svc()], pods });
    try {
      await ctrl.sync('ns/foo');
      const sizes = slicesOf(cluster)
        .map((s) => s.endpoints.length)
        .sort((a, b) => b - a);
      assert.deepEqual(sizes, [100, 100, 50]);
      await settle();
      cluster.clearActions();
      await ctrl.sync('ns/foo');
      assert.deepEqual(cluster.writes(), []);
    } finally {
      await stop();
    }
  });

  it('updates the existing slice in place when endpoints change', async () => {
    const { cluster, ctrl, settle, stop } = await setup({
      services: [svc()],
      pods: [pod(1), pod(2)],
    });
    try {
      await ctrl.sync('ns/foo');
      const [before] = slicesOf(cluster);
      await settle();
      // pod2 turns not ready, pod1 goes away, pod3 arrives.
      await cluster.clientset.pods.delete(NS, 'pod001');
      await cluster.clientset.pods.updateStatus(NS, {
        ...pod(2, { ready: false }),
        metadata: { ...pod(2).metadata, resourceVersion: '' },
      });
      await cluster.clientset.pods.create(NS, pod(3));
      await settle();
      cluster.clearActions();
      await ctrl.sync('ns/foo');
      assert.deepEqual(
        cluster.writes().map((w) => w.verb),
        ['update'],
      );
      const [after] = slicesOf(cluster);
      assert.equal(after?.metadata?.name, before?.metadata?.name);
      assert.deepEqual(
        after?.endpoints.map((e) => [e.targetRef?.name, e.conditions]),
        [
          ['pod002', { ready: false, serving: false, terminating: false }],
          ['pod003', { ready: true, serving: true, terminating: false }],
        ],
      );
    } finally {
      await stop();
    }
  });

  it('terminating pods are serving but not ready, unless publishNotReadyAddresses', async () => {
    for (const [publish, ready] of [
      [false, false],
      [true, true],
    ] as const) {
      const { cluster, ctrl, stop } = await setup({
        services: [svc({ publishNotReadyAddresses: publish })],
        pods: [pod(1, { terminating: true })],
      });
      try {
        await ctrl.sync('ns/foo');
        assert.deepEqual(slicesOf(cluster)[0]?.endpoints[0]?.conditions, {
          ready,
          serving: true,
          terminating: true,
        });
      } finally {
        await stop();
      }
    }
  });

  it('skips pods on unknown nodes and retries', async () => {
    const { cluster, ctrl, stop } = await setup({
      services: [svc()],
      pods: [pod(1), pod(2, { node: 'node-9' })],
    });
    try {
      await assert.rejects(
        ctrl.sync('ns/foo'),
        /skipping Pod pod002 for Service ns\/foo: Node node-9 Not Found/,
      );
      assert.deepEqual(
        slicesOf(cluster)[0]?.endpoints.map((e) => e.targetRef?.name),
        ['pod001'],
      );
    } finally {
      await stop();
    }
  });

  it('follows service label changes and turns an emptied slice into the placeholder', async () => {
    const { cluster, ctrl, settle, stop } = await setup({ services: [svc()], pods: [pod(1)] });
    try {
      await ctrl.sync('ns/foo');
      await settle();
      const cur = cluster.peek<Service>(R.services, NS, 'foo');
      assert.ok(cur);
      await cluster.clientset.services.update(NS, {
        ...cur,
        metadata: { ...cur.metadata, labels: { tier: 'front' } },
      });
      await settle();
      cluster.clearActions();
      await ctrl.sync('ns/foo');
      assert.deepEqual(
        cluster.writes().map((w) => w.verb),
        ['update'],
      );
      assert.equal(slicesOf(cluster)[0]?.metadata?.labels?.tier, 'front');
      await settle();
      await cluster.clientset.pods.delete(NS, 'pod001');
      await settle();
      cluster.clearActions();
      await ctrl.sync('ns/foo');
      // The delete of the emptied slice and the create of a placeholder become one update.
      assert.deepEqual(
        cluster.writes().map((w) => w.verb),
        ['update'],
      );
      const slices = slicesOf(cluster);
      assert.equal(slices.length, 1);
      assert.deepEqual(slices[0]?.endpoints, []);
      assert.deepEqual(slices[0].ports, []);
    } finally {
      await stop();
    }
  });

  it('no slices for services without selector, ExternalName, or gone', async () => {
    const { cluster, ctrl, stop } = await setup({
      services: [
        { metadata: { namespace: NS, name: 'nosel' }, spec: { ports: [{ port: 80 }] } },
        {
          metadata: { namespace: NS, name: 'ext' },
          spec: { type: 'ExternalName', externalName: 'a.b', selector: { app: 'web' } },
        },
      ],
      pods: [pod(1)],
    });
    try {
      for (const k of ['ns/nosel', 'ns/ext', 'ns/gone']) await ctrl.sync(k);
      assert.deepEqual(cluster.writes(), []);
    } finally {
      await stop();
    }
  });

  it('deletes slices of an address type the service no longer has', async () => {
    const v6: EndpointSlice = {
      metadata: {
        namespace: NS,
        name: 'foo-v6',
        labels: { [LABEL_SERVICE_NAME]: 'foo', [LABEL_MANAGED_BY]: CONTROLLER_NAME },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Service', name: 'foo', uid: 'svc-uid', controller: true },
        ],
      },
      addressType: 'IPv6',
      endpoints: [],
    };
    const { cluster, ctrl, stop } = await setup({
      services: [svc()],
      pods: [pod(1)],
      slices: [v6],
    });
    try {
      await ctrl.sync('ns/foo');
      // The IPv6 slice is reused? No: address types differ, so it is deleted and an IPv4 one made.
      assert.deepEqual(
        cluster
          .writes()
          .map((w) => w.verb)
          .sort(),
        ['create', 'delete'],
      );
      assert.deepEqual(
        slicesOf(cluster).map((s) => s.addressType),
        ['IPv4'],
      );
    } finally {
      await stop();
    }
  });
});
