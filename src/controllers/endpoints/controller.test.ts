import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type {
  EndpointAddress,
  Endpoints,
  EndpointSubset,
  Pod,
  PodSpec,
  Service,
} from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import {
  ENDPOINTS_LAST_CHANGE_TRIGGER_TIME,
  ENDPOINTS_OVER_CAPACITY,
  EndpointsController,
  IS_HEADLESS_SERVICE,
} from './index.ts';

const R = BUILTIN_RESOURCES;

/** Upstream's testPod: pod<id> with label foo=bar, IP 1.2.x.y, nPorts named ports 8080+j. */
function testPod(ns: string, id: number, nPorts: number, ready: boolean): Pod {
  const ip = `1.2.${String(3 + Math.floor((4 + id) / 256))}.${String((4 + id) % 256)}`;
  return {
    metadata: {
      namespace: ns,
      name: `pod${String(id)}`,
      uid: `uid-pod${String(id)}`,
      labels: { foo: 'bar' },
    },
    spec: {
      containers: [
        {
          name: 'c',
          ports: Array.from({ length: nPorts }, (_, j) => ({
            name: `port${String(j)}`,
            containerPort: 8080 + j,
          })),
        },
      ],
    },
    status: {
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}

function service(
  ns: string,
  spec: Service['spec'],
  extra: Partial<Service['metadata']> = {},
): Service {
  return { metadata: { namespace: ns, name: 'foo', ...extra }, spec };
}

interface Seed {
  services?: Service[];
  pods?: Pod[];
  endpoints?: Endpoints[];
}

async function setup(seed: Seed): Promise<{
  cluster: FakeCluster;
  ctrl: EndpointsController;
  stop: () => Promise<void>;
}> {
  const cluster = new FakeCluster();
  cluster.seed(R.services, ...(seed.services ?? []));
  cluster.seed(R.pods, ...(seed.pods ?? []));
  cluster.seed(R.endpoints, ...(seed.endpoints ?? []));
  const informers = new InformerFactory(cluster.clientset);
  const ctrl = new EndpointsController({ clientset: cluster.clientset, informers });
  const ac = new AbortController();
  informers.start(ac.signal);
  await informers.waitForCacheSync();
  cluster.clearActions();
  return {
    cluster,
    ctrl,
    stop: async () => {
      ac.abort();
      ctrl.queue.shutDown();
      await informers.stopped();
    },
  };
}

const addr = (ip: string, pod: string, ns: string): EndpointAddress => ({
  ip,
  nodeName: '',
  targetRef: { kind: 'Pod', name: pod, namespace: ns, uid: `uid-${pod}` },
});

describe('EndpointsController.sync', () => {
  const ns = 'other';
  const cases: {
    name: string;
    seed: Seed;
    key?: string;
    /** undefined: no write expected. */
    verb?: 'create' | 'update' | 'delete';
    subsets?: EndpointSubset[];
    labels?: Record<string, string>;
  }[] = [
    {
      name: 'preserves the endpoints of a service without selector',
      seed: {
        services: [service(ns, { ports: [{ port: 80 }] })],
        endpoints: [
          {
            metadata: { namespace: ns, name: 'foo' },
            subsets: [{ addresses: [{ ip: '6.7.8.9', nodeName: '' }], ports: [{ port: 1000 }] }],
          },
        ],
      },
    },
    {
      name: 'existing empty subsets and no pods: no write',
      seed: {
        services: [service(ns, { selector: { foo: 'bar' }, ports: [{ port: 80 }] })],
        endpoints: [{ metadata: { namespace: ns, name: 'foo' }, subsets: [] }],
      },
    },
    {
      name: 'only pod resourceVersions changed: no write',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            ipFamilies: ['IPv4'],
            ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }],
          }),
        ],
        pods: [testPod(ns, 0, 1, true), testPod(ns, 1, 1, false)],
        endpoints: [
          {
            metadata: { namespace: ns, name: 'foo' },
            subsets: [
              {
                addresses: [
                  {
                    ip: '1.2.3.4',
                    nodeName: '',
                    targetRef: {
                      kind: 'Pod',
                      name: 'pod0',
                      namespace: ns,
                      uid: 'uid-pod0',
                      resourceVersion: '1',
                    },
                  },
                ],
                notReadyAddresses: [
                  {
                    ip: '1.2.3.5',
                    nodeName: '',
                    targetRef: {
                      kind: 'Pod',
                      name: 'pod1',
                      namespace: ns,
                      uid: 'uid-pod1',
                      resourceVersion: '2',
                    },
                  },
                ],
                ports: [{ port: 8080, protocol: 'TCP' }],
              },
            ],
          },
        ],
      },
    },
    {
      name: 'new service without pods: creates empty endpoints',
      seed: {
        services: [
          service(ns, { selector: { foo: 'bar' }, ports: [{ port: 80 }], clusterIP: '10.0.0.1' }),
        ],
      },
      verb: 'create',
      subsets: [],
      labels: {},
    },
    {
      name: 'protocol TCP: replaces stale addresses',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
          }),
        ],
        pods: [testPod(ns, 0, 1, true)],
        endpoints: [
          {
            metadata: { namespace: ns, name: 'foo' },
            subsets: [
              {
                addresses: [{ ip: '6.7.8.9', nodeName: '' }],
                ports: [{ port: 1000, protocol: 'TCP' }],
              },
            ],
          },
        ],
      },
      verb: 'update',
      subsets: [
        { addresses: [addr('1.2.3.4', 'pod0', ns)], ports: [{ port: 8080, protocol: 'TCP' }] },
      ],
      labels: { [IS_HEADLESS_SERVICE]: '' },
    },
    {
      name: 'headless service label',
      seed: {
        services: [
          service(
            ns,
            { selector: { foo: 'bar' }, clusterIP: 'None', ports: [{ port: 80 }] },
            { labels: { a: 'b' } },
          ),
        ],
        pods: [testPod(ns, 0, 1, true)],
      },
      verb: 'create',
      subsets: [
        { addresses: [addr('1.2.3.4', 'pod0', ns)], ports: [{ port: 80, protocol: 'TCP' }] },
      ],
      labels: { a: 'b', [IS_HEADLESS_SERVICE]: '' },
    },
    {
      name: 'headless service without ports lists addresses without ports',
      seed: {
        services: [service(ns, { selector: { foo: 'bar' }, clusterIP: 'None' })],
        pods: [testPod(ns, 0, 0, true), testPod(ns, 1, 0, false)],
      },
      verb: 'create',
      subsets: [
        {
          addresses: [addr('1.2.3.4', 'pod0', ns)],
          notReadyAddresses: [addr('1.2.3.5', 'pod1', ns)],
        },
      ],
      labels: { [IS_HEADLESS_SERVICE]: '' },
    },
    {
      name: 'named target ports of several pods group into one subset',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            clusterIP: '10.0.0.1',
            ports: [
              { name: 'port0', port: 80, protocol: 'TCP', targetPort: 'port0' },
              { name: 'port1', port: 88, protocol: 'TCP', targetPort: 'port1' },
            ],
          }),
        ],
        pods: [testPod(ns, 0, 2, true), testPod(ns, 1, 2, true), testPod(ns, 2, 2, true)],
      },
      verb: 'create',
      subsets: [
        {
          addresses: [
            addr('1.2.3.4', 'pod0', ns),
            addr('1.2.3.5', 'pod1', ns),
            addr('1.2.3.6', 'pod2', ns),
          ],
          ports: [
            { name: 'port0', port: 8080, protocol: 'TCP' },
            { name: 'port1', port: 8081, protocol: 'TCP' },
          ],
        },
      ],
      labels: {},
    },
    {
      name: 'a pod without the named port is left out of that port',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            clusterIP: '10.0.0.1',
            ports: [{ name: 'p', port: 80, protocol: 'TCP', targetPort: 'port1' }],
          }),
        ],
        pods: [testPod(ns, 0, 1, true), testPod(ns, 1, 2, true)],
      },
      verb: 'create',
      subsets: [
        {
          addresses: [addr('1.2.3.5', 'pod1', ns)],
          ports: [{ name: 'p', port: 8081, protocol: 'TCP' }],
        },
      ],
      labels: {},
    },
    {
      name: 'not ready pods are notReadyAddresses',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            clusterIP: '10.0.0.1',
            ports: [{ port: 80, targetPort: 8080 }],
          }),
        ],
        pods: [testPod(ns, 0, 1, true), testPod(ns, 1, 1, false)],
      },
      verb: 'create',
      subsets: [
        {
          addresses: [addr('1.2.3.4', 'pod0', ns)],
          notReadyAddresses: [addr('1.2.3.5', 'pod1', ns)],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ],
      labels: {},
    },
    {
      name: 'publishNotReadyAddresses lists not ready and terminating pods as ready',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            clusterIP: '10.0.0.1',
            publishNotReadyAddresses: true,
            ports: [{ port: 80, targetPort: 8080 }],
          }),
        ],
        pods: [
          testPod(ns, 0, 1, false),
          {
            ...testPod(ns, 1, 1, true),
            metadata: {
              ...testPod(ns, 1, 1, true).metadata,
              deletionTimestamp: '2024-01-01T00:00:00Z',
            },
          },
        ],
      },
      verb: 'create',
      subsets: [
        {
          addresses: [addr('1.2.3.4', 'pod0', ns), addr('1.2.3.5', 'pod1', ns)],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ],
      labels: {},
    },
    {
      name: 'terminating, terminal and IP-less pods are left out',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            clusterIP: '10.0.0.1',
            ports: [{ port: 80, targetPort: 8080 }],
          }),
        ],
        pods: [
          {
            ...testPod(ns, 0, 1, true),
            metadata: {
              ...testPod(ns, 0, 1, true).metadata,
              deletionTimestamp: '2024-01-01T00:00:00Z',
            },
          },
          {
            ...testPod(ns, 1, 1, false),
            status: { ...testPod(ns, 1, 1, false).status, phase: 'Failed' },
          },
          {
            ...testPod(ns, 2, 1, true),
            status: { conditions: [{ type: 'Ready', status: 'True' }] },
          },
          testPod(ns, 3, 1, true),
        ],
      },
      verb: 'create',
      subsets: [
        { addresses: [addr('1.2.3.7', 'pod3', ns)], ports: [{ port: 8080, protocol: 'TCP' }] },
      ],
      labels: {},
    },
    {
      name: 'hostname when the pod subdomain is the service',
      seed: {
        services: [
          service(ns, {
            selector: { foo: 'bar' },
            clusterIP: 'None',
            ports: [{ port: 80, targetPort: 8080 }],
          }),
        ],
        pods: [
          {
            ...testPod(ns, 0, 1, true),
            spec: {
              ...(testPod(ns, 0, 1, true).spec as PodSpec),
              hostname: 'web-0',
              subdomain: 'foo',
            },
          },
          {
            ...testPod(ns, 1, 1, true),
            spec: {
              ...(testPod(ns, 1, 1, true).spec as PodSpec),
              hostname: 'web-1',
              subdomain: 'bar',
            },
          },
        ],
      },
      verb: 'create',
      subsets: [
        {
          addresses: [
            { ...addr('1.2.3.4', 'pod0', ns), hostname: 'web-0' },
            addr('1.2.3.5', 'pod1', ns),
          ],
          ports: [{ port: 8080, protocol: 'TCP' }],
        },
      ],
      labels: { [IS_HEADLESS_SERVICE]: '' },
    },
    {
      name: 'service gone: deletes the endpoints',
      seed: { endpoints: [{ metadata: { namespace: ns, name: 'foo' } }] },
      verb: 'delete',
    },
    {
      name: 'service gone and no endpoints: nothing to do',
      seed: {},
      verb: 'delete',
    },
    {
      name: 'ExternalName services get no endpoints',
      seed: {
        services: [
          service(ns, {
            type: 'ExternalName',
            externalName: 'x.example',
            selector: { foo: 'bar' },
          }),
        ],
      },
    },
    {
      name: 'the kubernetes service in default is the API server’s',
      key: 'default/kubernetes',
      seed: {
        services: [
          {
            metadata: { namespace: 'default', name: 'kubernetes' },
            spec: { selector: { foo: 'bar' } },
          },
        ],
        pods: [testPod('default', 0, 1, true)],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { cluster, ctrl, stop } = await setup(c.seed);
      try {
        const key = c.key ?? `${ns}/foo`;
        await ctrl.sync(key);
        const writes = cluster.writes();
        if (c.verb === undefined) {
          assert.deepEqual(writes, []);
          return;
        }
        assert.equal(writes.length, 1);
        assert.equal(writes[0]?.verb, c.verb);
        const got = cluster.peek<Endpoints>(R.endpoints, ns, 'foo');
        if (c.verb === 'delete') {
          assert.equal(got, undefined);
          return;
        }
        assert.ok(got);
        assert.deepEqual(got.subsets ?? [], c.subsets);
        assert.deepEqual(got.metadata?.labels, c.labels);
        // Idempotent: a second sync once the cache caught up writes nothing.
        await waitFor(
          () =>
            ctrl['endpoints'].lister.get(ns, 'foo')?.metadata?.resourceVersion ===
            got.metadata?.resourceVersion,
        );
        cluster.clearActions();
        await ctrl.sync(key);
        assert.deepEqual(cluster.writes(), []);
      } finally {
        await stop();
      }
    });
  }
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  assert.ok(cond(), 'condition not reached');
}

describe('EndpointsController annotations', () => {
  it('sets the trigger time from the service creation, then from pod readiness changes', async () => {
    const svc = service('ns', {
      selector: { foo: 'bar' },
      clusterIP: '10.0.0.1',
      ports: [{ port: 80 }],
    });
    const { cluster, ctrl, stop } = await setup({ services: [svc] });
    try {
      const created = cluster.peek<Service>(R.services, 'ns', 'foo');
      await ctrl.sync('ns/foo');
      const ep = cluster.peek<Endpoints>(R.endpoints, 'ns', 'foo');
      // The fake's seed sets no creationTimestamp: no trigger time, no annotation.
      assert.equal(created?.metadata?.creationTimestamp, undefined);
      assert.equal(ep?.metadata?.annotations?.[ENDPOINTS_LAST_CHANGE_TRIGGER_TIME], undefined);
    } finally {
      await stop();
    }
    const svc2 = service(
      'ns',
      { selector: { foo: 'bar' }, clusterIP: '10.0.0.1', ports: [{ port: 80, targetPort: 8080 }] },
      {
        creationTimestamp: '2018-01-01T00:00:00Z',
      },
    );
    const pod = testPod('ns', 0, 1, true);
    const s2 = await setup({ services: [svc2] });
    try {
      await s2.ctrl.sync('ns/foo');
      const ep = s2.cluster.peek<Endpoints>(R.endpoints, 'ns', 'foo');
      assert.equal(
        ep?.metadata?.annotations?.[ENDPOINTS_LAST_CHANGE_TRIGGER_TIME],
        '2018-01-01T00:00:00Z',
      );
      // A pod turning ready at 01:00: the annotation moves to that time.
      const readyPod: Pod = {
        ...pod,
        status: {
          ...pod.status,
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: '2018-01-01T01:00:00Z' },
          ],
        },
      };
      await s2.cluster.clientset.pods.create('ns', readyPod);
      await waitFor(() => s2.ctrl['pods'].lister.get('ns', 'pod0') !== undefined);
      await waitFor(() => s2.ctrl['endpoints'].lister.get('ns', 'foo') !== undefined);
      await s2.ctrl.sync('ns/foo');
      const ep2 = s2.cluster.peek<Endpoints>(R.endpoints, 'ns', 'foo');
      assert.equal(
        ep2?.metadata?.annotations?.[ENDPOINTS_LAST_CHANGE_TRIGGER_TIME],
        '2018-01-01T01:00:00Z',
      );
      assert.equal(ep2.subsets?.[0]?.addresses?.[0]?.ip, '1.2.3.4');
    } finally {
      await s2.stop();
    }
  });

  it('truncates over 1000 addresses and annotates', async () => {
    const pods = [
      ...Array.from({ length: 1001 }, (_, i) => testPod('ns', i, 1, true)),
      ...Array.from({ length: 5 }, (_, i) => testPod('ns', 1001 + i, 1, false)),
    ];
    const svc = service('ns', {
      selector: { foo: 'bar' },
      clusterIP: '10.0.0.1',
      ports: [{ port: 80, targetPort: 8080 }],
    });
    const { cluster, ctrl, stop } = await setup({ services: [svc], pods });
    try {
      await ctrl.sync('ns/foo');
      const ep = cluster.peek<Endpoints>(R.endpoints, 'ns', 'foo');
      assert.equal(ep?.metadata?.annotations?.[ENDPOINTS_OVER_CAPACITY], 'truncated');
      const n = (ep.subsets ?? []).reduce(
        (a, s) => a + (s.addresses ?? []).length + (s.notReadyAddresses ?? []).length,
        0,
      );
      assert.equal(n, 1000);
      await waitFor(() => ctrl['endpoints'].lister.get('ns', 'foo') !== undefined);
      cluster.clearActions();
      await ctrl.sync('ns/foo');
      assert.deepEqual(cluster.writes(), []);
    } finally {
      await stop();
    }
  });
});

describe('EndpointsController handlers', () => {
  it('queues the services of added pods and leftover endpoints', async () => {
    const svc = service('ns', { selector: { foo: 'bar' }, ports: [{ port: 80 }] });
    const other: Service = {
      metadata: { namespace: 'ns', name: 'other' },
      spec: { selector: { x: 'y' } },
    };
    const { cluster, ctrl, stop } = await setup({
      services: [svc, other],
      endpoints: [
        { metadata: { namespace: 'ns', name: 'gone' } },
        {
          metadata: {
            namespace: 'ns',
            name: 'lease',
            annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' },
          },
        },
      ],
    });
    try {
      // The initial adds queued both services.
      const first = new Set<string>();
      while (ctrl.queue.len() > 0) {
        const k = await ctrl.queue.get();
        if (k !== undefined) {
          first.add(k);
          ctrl.queue.done(k);
        }
      }
      assert.deepEqual([...first].sort(), ['ns/foo', 'ns/other']);
      await cluster.clientset.pods.create('ns', testPod('ns', 0, 1, true));
      await waitFor(() => ctrl.queue.len() > 0);
      assert.equal(await ctrl.queue.get(), 'ns/foo');
      ctrl.queue.done('ns/foo');
      ctrl.checkLeftoverEndpoints();
      assert.equal(ctrl.queue.len(), 1);
      assert.equal(await ctrl.queue.get(), 'ns/gone');
    } finally {
      await stop();
    }
  });
});
