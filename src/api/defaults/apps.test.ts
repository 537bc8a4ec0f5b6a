import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setDefaults, setWireZeroValues } from './index.ts';
import { assertDefaults } from './test-util.ts';
import type { DefaultingCase } from './test-util.ts';

const podSpecDefaults = {
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};
const nginx = {
  name: 'nginx',
  image: 'nginx',
  imagePullPolicy: 'Always',
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

/** `kubectl create deployment web --image=nginx`, as the JSON body of kubectl 1.27-1.31. */
const createDeploymentBody = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
    },
    strategy: {},
  },
  status: {},
};

/**
 * What `kubectl get deployment web -o yaml` shows on a 1.32 cluster right after that create,
 * minus the fields the registry sets (uid, resourceVersion, generation, timestamps,
 * managedFields, namespace) and before the controller writes status.
 */
const createDeploymentResult = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [{ ...nginx, resources: {} }],
        ...podSpecDefaults,
      },
    },
  },
  status: {},
};

const cases: DefaultingCase[] = [
  {
    name: 'Deployment as kubectl create deployment sends it',
    input: createDeploymentBody,
    expected: createDeploymentResult,
  },
  {
    name: 'Deployment: replicas defaulted; Recreate gets no rollingUpdate',
    input: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        strategy: { type: 'Recreate' },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
        },
      },
    },
    expected: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { a: 'b' } },
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        template: {
          metadata: { labels: { a: 'b' } },
          spec: {
            containers: [
              { ...nginx, name: 'c', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' },
            ],
            ...podSpecDefaults,
          },
        },
      },
    },
  },
  {
    name: 'Deployment: explicit values kept, partial rollingUpdate completed',
    input: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        replicas: 0,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 30,
        strategy: { rollingUpdate: { maxSurge: 2 } },
        template: { spec: { restartPolicy: 'Always', containers: [] } },
      },
    },
    expected: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        replicas: 0,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 30,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: '25%' } },
        template: { spec: { containers: [], ...podSpecDefaults } },
      },
    },
  },
  {
    name: 'ReplicaSet: replicas 1 and template defaults',
    input: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs' },
      spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx' }] } } },
    },
    expected: {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs' },
      spec: { replicas: 1, template: { spec: { containers: [nginx], ...podSpecDefaults } } },
    },
  },
  {
    name: 'StatefulSet: all defaults, volumeClaimTemplates as full PVCs',
    input: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        serviceName: 'nginx',
        selector: { matchLabels: { app: 'nginx' } },
        template: {
          metadata: { labels: { app: 'nginx' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'www' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
    expected: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        serviceName: 'nginx',
        selector: { matchLabels: { app: 'nginx' } },
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        replicas: 1,
        revisionHistoryLimit: 10,
        template: {
          metadata: { labels: { app: 'nginx' } },
          spec: { containers: [nginx], ...podSpecDefaults },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'www' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: '1Gi' } },
              volumeMode: 'Filesystem',
            },
            status: { phase: 'Pending' },
          },
        ],
      },
    },
  },
  {
    name: 'StatefulSet: explicit RollingUpdate without rollingUpdate gets none; OnDelete kept',
    input: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSetList',
      items: [
        {
          metadata: { name: 'a' },
          spec: {
            podManagementPolicy: 'Parallel',
            updateStrategy: { type: 'RollingUpdate' },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' },
            replicas: 3,
            template: { spec: { containers: [] } },
          },
        },
        {
          metadata: { name: 'b' },
          spec: {
            updateStrategy: { type: 'OnDelete' },
            revisionHistoryLimit: 2,
            template: { spec: { containers: [] } },
          },
        },
        {
          metadata: { name: 'c' },
          spec: {
            updateStrategy: { rollingUpdate: { partition: 2, maxUnavailable: 1 } },
            template: { spec: { containers: [] } },
          },
        },
      ],
    },
    expected: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSetList',
      items: [
        {
          metadata: { name: 'a' },
          spec: {
            podManagementPolicy: 'Parallel',
            updateStrategy: { type: 'RollingUpdate' },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
            replicas: 3,
            revisionHistoryLimit: 10,
            template: { spec: { containers: [], ...podSpecDefaults } },
          },
        },
        {
          metadata: { name: 'b' },
          spec: {
            podManagementPolicy: 'OrderedReady',
            updateStrategy: { type: 'OnDelete' },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
            replicas: 1,
            revisionHistoryLimit: 2,
            template: { spec: { containers: [], ...podSpecDefaults } },
          },
        },
        {
          metadata: { name: 'c' },
          spec: {
            podManagementPolicy: 'OrderedReady',
            updateStrategy: {
              type: 'RollingUpdate',
              rollingUpdate: { partition: 2, maxUnavailable: 1 },
            },
            persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
            replicas: 1,
            revisionHistoryLimit: 10,
            template: { spec: { containers: [], ...podSpecDefaults } },
          },
        },
      ],
    },
  },
  {
    name: 'DaemonSet: RollingUpdate 1/0 and revisionHistoryLimit 10',
    input: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
        },
      },
    },
    expected: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
        },
        revisionHistoryLimit: 10,
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [nginx], ...podSpecDefaults },
        },
      },
    },
  },
  {
    name: 'DaemonSet: OnDelete and explicit percentages kept',
    input: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSetList',
      items: [
        { spec: { updateStrategy: { type: 'OnDelete' }, template: { spec: { containers: [] } } } },
        {
          spec: {
            updateStrategy: { rollingUpdate: { maxUnavailable: '10%', maxSurge: '5%' } },
            template: { spec: { containers: [] } },
          },
        },
      ],
    },
    expected: {
      apiVersion: 'apps/v1',
      kind: 'DaemonSetList',
      items: [
        {
          spec: {
            updateStrategy: { type: 'OnDelete' },
            revisionHistoryLimit: 10,
            template: { spec: { containers: [], ...podSpecDefaults } },
          },
        },
        {
          spec: {
            updateStrategy: {
              type: 'RollingUpdate',
              rollingUpdate: { maxUnavailable: '10%', maxSurge: '5%' },
            },
            revisionHistoryLimit: 10,
            template: { spec: { containers: [], ...podSpecDefaults } },
          },
        },
      ],
    },
  },
];

describe('apps/v1 defaults', () => {
  for (const c of cases)
    it(c.name, () => {
      assertDefaults(c);
    });

  it('kubectl 1.32 (protobuf, no zero fields) gets the same result after setWireZeroValues', () => {
    // The protobuf body decodes without the Go zero values the JSON body carries.
    const body: Record<string, unknown> = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
        },
      },
    };
    setDefaults(body);
    setWireZeroValues(body);
    const expected = structuredClone(createDeploymentResult) as {
      metadata: Record<string, unknown>;
    };
    delete expected.metadata['creationTimestamp'];
    assert.deepEqual(body, expected);
    setWireZeroValues(body);
    assert.deepEqual(body, expected);
  });

  it('defaults in different objects are never shared', () => {
    const a: Record<string, unknown> = { apiVersion: 'apps/v1', kind: 'Deployment' };
    const b: Record<string, unknown> = { apiVersion: 'apps/v1', kind: 'Deployment' };
    setDefaults(a);
    setDefaults(b);
    const specA = a['spec'] as { strategy: { rollingUpdate: Record<string, unknown> } };
    specA.strategy.rollingUpdate['maxSurge'] = 5;
    const specB = b['spec'] as { strategy: { rollingUpdate: Record<string, unknown> } };
    assert.equal(specB.strategy.rollingUpdate['maxSurge'], '25%');
  });
});
