// Cases ported from upstream pkg/printers/internalversion/printers_test.go (TestPrintDeployment,
// TestPrintDaemonSet, TestPrintJob, TestPrintHPA, ...), with the injected clock for time.Now().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFor } from './table.ts';

const NOW = new Date('2024-06-15T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

function cells(apiVersion: string, kind: string, obj: object, wide = false): unknown[] {
  return tableFor([obj], { apiVersion, kind, now: NOW, wide }).rows[0]!.cells;
}

const twoContainers = {
  spec: {
    containers: [
      { name: 'fake-container1', image: 'fake-image1' },
      { name: 'fake-container2', image: 'fake-image2' },
    ],
  },
};

test('TestPrintDeployment', () => {
  const d = {
    metadata: { name: 'test1', creationTimestamp: at(1.9 * S) },
    spec: { replicas: 5, template: twoContainers, selector: { matchLabels: { foo: 'bar' } } },
    status: { replicas: 10, updatedReplicas: 2, availableReplicas: 1, unavailableReplicas: 4 },
  };
  assert.deepEqual(cells('apps/v1', 'Deployment', d), ['test1', '0/5', 2, 1, '0s']);
  assert.deepEqual(cells('apps/v1', 'Deployment', d, true), [
    'test1',
    '0/5',
    2,
    1,
    '0s',
    'fake-container1,fake-container2',
    'fake-image1,fake-image2',
    'foo=bar',
  ]);
  // an invalid selector prints <invalid>; an empty one prints nothing
  const bad = {
    ...d,
    spec: { ...d.spec, selector: { matchExpressions: [{ key: 'a', operator: 'Foo' }] } },
  };
  assert.equal(cells('apps/v1', 'Deployment', bad, true)[7], '<invalid>');
  const empty = { ...d, spec: { ...d.spec, selector: {} } };
  assert.equal(cells('apps/v1', 'Deployment', empty, true)[7], '');
});

test('TestPrintDaemonSet', () => {
  const ds = {
    metadata: { name: 'test1', creationTimestamp: at(1.9 * S) },
    spec: { template: twoContainers, selector: { matchLabels: { foo: 'bar' } } },
    status: {
      currentNumberScheduled: 2,
      desiredNumberScheduled: 3,
      numberReady: 1,
      updatedNumberScheduled: 2,
      numberAvailable: 0,
    },
  };
  assert.deepEqual(cells('apps/v1', 'DaemonSet', ds), ['test1', 3, 2, 1, 2, 0, '<none>', '0s']);
  assert.deepEqual(cells('apps/v1', 'DaemonSet', ds, true), [
    'test1',
    3,
    2,
    1,
    2,
    0,
    '<none>',
    '0s',
    'fake-container1,fake-container2',
    'fake-image1,fake-image2',
    'foo=bar',
  ]);
});

test('TestPrintReplicaSet and TestPrintStatefulSet', () => {
  const rs = {
    metadata: { name: 'test1', creationTimestamp: at(1.9 * S) },
    spec: { replicas: 5, template: twoContainers, selector: { matchLabels: { foo: 'bar' } } },
    status: { replicas: 5, readyReplicas: 2 },
  };
  assert.deepEqual(cells('apps/v1', 'ReplicaSet', rs), ['test1', 5, 5, 2, '0s']);
  assert.deepEqual(cells('apps/v1', 'ReplicaSet', rs, true), [
    'test1',
    5,
    5,
    2,
    '0s',
    'fake-container1,fake-container2',
    'fake-image1,fake-image2',
    'foo=bar',
  ]);
  const sts = {
    metadata: { name: 'test1', creationTimestamp: at(1.9 * S) },
    spec: { replicas: 5, template: twoContainers },
    status: { replicas: 5, readyReplicas: 2 },
  };
  assert.deepEqual(cells('apps/v1', 'StatefulSet', sts), ['test1', '2/5', '0s']);
  assert.deepEqual(cells('apps/v1', 'StatefulSet', sts, true), [
    'test1',
    '2/5',
    '0s',
    'fake-container1,fake-container2',
    'fake-image1,fake-image2',
  ]);
});

test('TestPrintControllerRevision', () => {
  const rev = (ownerReferences: object[] | undefined) => ({
    metadata: { name: 'test1', creationTimestamp: at(1.9 * S), ownerReferences },
    revision: 1,
  });
  const owner = (apiVersion: string, kind: string, controller?: boolean) => ({
    apiVersion,
    kind,
    name: 'test',
    uid: 'u',
    controller,
  });
  assert.deepEqual(
    cells('apps/v1', 'ControllerRevision', rev([owner('apps/v1', 'DaemonSet', true)])),
    ['test1', 'daemonset.apps/test', 1, '0s'],
  );
  assert.deepEqual(
    cells('apps/v1', 'ControllerRevision', rev([owner('apps/v1', 'DaemonSet', false)])),
    ['test1', '<none>', 1, '0s'],
  );
  assert.deepEqual(cells('apps/v1', 'ControllerRevision', rev(undefined)), [
    'test1',
    '<none>',
    1,
    '0s',
  ]);
  assert.deepEqual(cells('apps/v1', 'ControllerRevision', rev([owner('v1', 'Pod', true)])), [
    'test1',
    'pod/test',
    1,
    '0s',
  ]);
});

test('TestPrintJob', () => {
  const job = (name: string, extra: { spec?: object; status?: object; metadata?: object }) => ({
    metadata: { name, creationTimestamp: at(1.9 * S), ...extra.metadata },
    spec: { template: { spec: { containers: [] } }, ...extra.spec },
    status: extra.status ?? {},
  });
  const tpl = {
    spec: {
      containers: [
        { name: 'fake-job-container1', image: 'fake-job-image1' },
        { name: 'fake-job-container2', image: 'fake-job-image2' },
      ],
    },
  };
  const cases: { job: object; wide?: boolean; want: unknown[] }[] = [
    {
      job: job('job1', {
        spec: {
          completions: 2,
          template: tpl,
          selector: { matchLabels: { 'job-label': 'job-lable-value' } },
        },
        status: { succeeded: 1 },
      }),
      want: ['job1', 'Running', '1/2', '', '0s'],
    },
    {
      job: job('job1', {
        spec: {
          completions: 2,
          template: tpl,
          selector: { matchLabels: { 'job-label': 'job-label-value' } },
        },
        status: { succeeded: 1 },
      }),
      wide: true,
      want: [
        'job1',
        'Running',
        '1/2',
        '',
        '0s',
        'fake-job-container1,fake-job-container2',
        'fake-job-image1,fake-job-image2',
        'job-label=job-label-value',
      ],
    },
    {
      job: job('job2', { metadata: { creationTimestamp: at(-10 * 365 * D - 3 * D) } }),
      want: ['job2', 'Running', '0/1', '', '10y'],
    },
    {
      job: job('job3', {
        metadata: { creationTimestamp: at(-10 * 365 * D) },
        status: { startTime: at(M), completionTime: at(31 * M) },
      }),
      want: ['job3', 'Running', '0/1', '30m', '10y'],
    },
    {
      job: job('job4', {
        metadata: { creationTimestamp: at(-10 * 365 * D) },
        status: { startTime: at(-20 * M) },
      }),
      want: ['job4', 'Running', '0/1', '20m', '10y'],
    },
    {
      job: job('job5', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }),
      want: ['job5', 'Complete', '0/1', '', '0s'],
    },
    {
      job: job('job6', { status: { conditions: [{ type: 'Failed', status: 'True' }] } }),
      want: ['job6', 'Failed', '0/1', '', '0s'],
    },
    {
      job: job('job7', { status: { conditions: [{ type: 'Suspended', status: 'True' }] } }),
      want: ['job7', 'Suspended', '0/1', '', '0s'],
    },
    {
      job: job('job8', { status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } }),
      want: ['job8', 'FailureTarget', '0/1', '', '0s'],
    },
    {
      job: job('job9', { metadata: { deletionTimestamp: at(1.9 * S) } }),
      want: ['job9', 'Terminating', '0/1', '', '0s'],
    },
    {
      job: job('parallel', {
        spec: { parallelism: 3 },
        status: { succeeded: 0, conditions: [{ type: 'Complete', status: 'False' }] },
      }),
      want: ['parallel', 'Running', '0/1 of 3', '', '0s'],
    },
  ];
  for (const c of cases) assert.deepEqual(cells('batch/v1', 'Job', c.job, c.wide), c.want);
});

test('TestPrintCronJob', () => {
  const cj = (extra: { spec?: object; status?: object }) => ({
    metadata: { name: 'cronjob1', creationTimestamp: at(1.9 * S) },
    spec: {
      schedule: '0/5 * * * ?',
      suspend: false,
      jobTemplate: { spec: { template: { spec: { containers: [] } } } },
      ...extra.spec,
    },
    status: extra.status ?? {},
  });
  assert.deepEqual(
    cells('batch/v1', 'CronJob', cj({ status: { lastScheduleTime: at(-30 * S) } })),
    ['cronjob1', '0/5 * * * ?', '<none>', 'False', 0, '30s', '0s'],
  );
  assert.deepEqual(
    cells('batch/v1', 'CronJob', cj({ spec: { timeZone: 'Asia/Shanghai', suspend: undefined } })),
    ['cronjob1', '0/5 * * * ?', 'Asia/Shanghai', '<unset>', 0, '<none>', '0s'],
  );
  assert.deepEqual(
    cells('batch/v1', 'CronJob', cj({ status: { active: [{ name: 'a' }, { name: 'b' }] } }), true),
    ['cronjob1', '0/5 * * * ?', '<none>', 'False', 2, '<none>', '0s', '', '', '<none>'],
  );
});

test('TestPrintHPA (autoscaling/v2)', () => {
  const hpa = (metrics: object[] | undefined, currentMetrics?: object[]) => ({
    metadata: { name: 'some-hpa' },
    spec: {
      scaleTargetRef: { kind: 'ReplicationController', name: 'some-rc' },
      minReplicas: undefined,
      maxReplicas: 10,
      metrics,
    },
    status: { currentReplicas: 4, desiredReplicas: 5, currentMetrics },
  });
  const cases: { hpa: object; want: string }[] = [
    { hpa: hpa(undefined), want: '<none>' },
    {
      hpa: hpa([
        {
          type: 'External',
          external: {
            metric: { name: 'foo' },
            target: { type: 'AverageValue', averageValue: '100m' },
          },
        },
      ]),
      want: '<unknown>/100m (avg)',
    },
    {
      hpa: hpa(
        [
          {
            type: 'External',
            external: {
              metric: { name: 'foo' },
              target: { type: 'AverageValue', averageValue: '100m' },
            },
          },
        ],
        [
          {
            type: 'External',
            external: { metric: { name: 'foo' }, current: { averageValue: '50m' } },
          },
        ],
      ),
      want: '50m/100m (avg)',
    },
    {
      hpa: hpa([
        {
          type: 'External',
          external: { metric: { name: 'foo' }, target: { type: 'Value', value: '100m' } },
        },
      ]),
      want: '<unknown>/100m',
    },
    {
      hpa: hpa(
        [
          {
            type: 'Pods',
            pods: {
              metric: { name: 'some-pods-metric' },
              target: { type: 'AverageValue', averageValue: '100m' },
            },
          },
        ],
        [
          {
            type: 'Pods',
            pods: { metric: { name: 'some-pods-metric' }, current: { averageValue: '50m' } },
          },
        ],
      ),
      want: '50m/100m',
    },
    {
      hpa: hpa(
        [
          {
            type: 'Object',
            object: {
              metric: { name: 'x' },
              describedObject: {},
              target: { type: 'Value', value: '100m' },
            },
          },
        ],
        [
          {
            type: 'Object',
            object: { metric: { name: 'x' }, describedObject: {}, current: { value: '50m' } },
          },
        ],
      ),
      want: '50m/100m',
    },
    {
      hpa: hpa([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '100m' } },
        },
      ]),
      want: 'cpu: <unknown>/100m',
    },
    {
      hpa: hpa(
        [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
        [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: 50, averageValue: '10m' } },
          },
        ],
      ),
      want: 'cpu: 50%/80%',
    },
    {
      hpa: hpa([
        {
          type: 'ContainerResource',
          containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization' } },
        },
      ]),
      want: 'cpu: <unknown>/<auto>',
    },
    {
      hpa: hpa([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Gi' } },
        },
        {
          type: 'Pods',
          pods: { metric: { name: 'p' }, target: { type: 'AverageValue', averageValue: '5' } },
        },
      ]),
      want: 'cpu: <unknown>/80%, memory: <unknown>/1Gi + 1 more...',
    },
  ];
  for (const c of cases) {
    assert.deepEqual(cells('autoscaling/v2', 'HorizontalPodAutoscaler', c.hpa), [
      'some-hpa',
      'ReplicationController/some-rc',
      c.want,
      '<unset>',
      10,
      4,
      '<unknown>',
    ]);
  }
  // autoscaling/v1: the CPU target converts to a Resource metric
  assert.deepEqual(
    cells('autoscaling/v1', 'HorizontalPodAutoscaler', {
      metadata: { name: 'v1' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 3,
        targetCPUUtilizationPercentage: 70,
      },
      status: { currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 12 },
    }),
    ['v1', 'Deployment/web', 'cpu: 12%/70%', '1', 3, 1, '<unknown>'],
  );
});

test('TestPrintPodDisruptionBudget and Scale', () => {
  assert.deepEqual(
    cells('policy/v1', 'PodDisruptionBudget', {
      metadata: { name: 'pdb1', creationTimestamp: at(1.9 * S) },
      spec: { minAvailable: 22 },
      status: { disruptionsAllowed: 5 },
    }),
    ['pdb1', '22', 'N/A', 5, '0s'],
  );
  assert.deepEqual(
    cells('policy/v1', 'PodDisruptionBudget', {
      metadata: { name: 'pdb2', creationTimestamp: at(1.9 * S) },
      spec: { maxUnavailable: '11%' },
      status: { disruptionsAllowed: 5 },
    }),
    ['pdb2', 'N/A', '11%', 5, '0s'],
  );
  assert.deepEqual(
    cells('autoscaling/v1', 'Scale', {
      metadata: { name: 'web', creationTimestamp: at(-3 * H) },
      spec: { replicas: 3 },
      status: { replicas: 2 },
    }),
    ['web', 3, 2, '3h'],
  );
});
