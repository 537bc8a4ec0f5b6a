// Cases ported from upstream pkg/printers/internalversion/printers_test.go (TestPrintPod,
// TestPrintPodWithRestartableInitContainer, TestPrintPodwide, TestPrintNodeStatus, ...), with
// `time.Now()` replaced by the injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFor } from './table.ts';

const NOW = new Date('2024-06-15T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** The RFC 3339 time `ms` from now (negative: in the past). */
const at = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

function cells(apiVersion: string, kind: string, obj: object, wide = false): unknown[] {
  const t = tableFor([obj], { apiVersion, kind, now: NOW, wide });
  assert.equal(t.rows.length, 1);
  return t.rows[0]!.cells;
}

function row(apiVersion: string, kind: string, obj: object, wide = false) {
  return tableFor([obj], { apiVersion, kind, now: NOW, wide }).rows[0]!;
}

const running = { running: {} };
const containers = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `c${String(i)}`, image: '' }));

test('TestPrintPod', () => {
  const cases: { name: string; pod: object; want: unknown[] }[] = [
    {
      name: 'name, containers, restarts, ready',
      pod: {
        metadata: { name: 'test1' },
        spec: { containers: containers(2) },
        status: {
          phase: 'podPhase',
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            { ready: false, restartCount: 3 },
          ],
        },
      },
      want: ['test1', '1/2', 'podPhase', '6', '<unknown>'],
    },
    {
      name: 'container error overwrites pod phase',
      pod: {
        metadata: { name: 'test2' },
        spec: { containers: containers(2) },
        status: {
          phase: 'podPhase',
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            {
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'ContainerWaitingReason' } },
            },
          ],
        },
      },
      want: ['test2', '1/2', 'ContainerWaitingReason', '6', '<unknown>'],
    },
    {
      name: 'first container overwrites the rest',
      pod: {
        metadata: { name: 'test3' },
        spec: { containers: containers(2) },
        status: {
          phase: 'podPhase',
          containerStatuses: [
            {
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'ContainerWaitingReason' } },
            },
            {
              ready: false,
              restartCount: 3,
              state: { terminated: { reason: 'ContainerTerminatedReason', exitCode: 0 } },
            },
          ],
        },
      },
      want: ['test3', '0/2', 'ContainerWaitingReason', '6', '<unknown>'],
    },
    {
      name: 'ready is not enough for running',
      pod: {
        metadata: { name: 'test4' },
        spec: { containers: containers(2) },
        status: {
          phase: 'podPhase',
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            { ready: true, restartCount: 3 },
          ],
        },
      },
      want: ['test4', '1/2', 'podPhase', '6', '<unknown>'],
    },
    {
      name: 'pod reason wins over phase',
      pod: {
        metadata: { name: 'test5' },
        spec: { containers: containers(2) },
        status: {
          reason: 'podReason',
          phase: 'podPhase',
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            { ready: true, restartCount: 3 },
          ],
        },
      },
      want: ['test5', '1/2', 'podReason', '6', '<unknown>'],
    },
    {
      name: 'one running, one completed, no ready condition',
      pod: {
        metadata: { name: 'test6' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              ready: true,
              restartCount: 3,
              state: { terminated: { reason: 'Completed', exitCode: 0 } },
            },
            { ready: true, restartCount: 3, state: running },
          ],
        },
      },
      want: ['test6', '1/2', 'NotReady', '6', '<unknown>'],
    },
    {
      name: 'one running, one completed, ready condition',
      pod: {
        metadata: { name: 'test6' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              ready: true,
              restartCount: 3,
              state: { terminated: { reason: 'Completed', exitCode: 0 } },
            },
            { ready: true, restartCount: 3, state: running },
          ],
          conditions: [{ type: 'Ready', status: 'True', lastProbeTime: at(0) }],
        },
      },
      want: ['test6', '1/2', 'Running', '6', '<unknown>'],
    },
    {
      name: 'init container restarting',
      pod: {
        metadata: { name: 'test7' },
        spec: { initContainers: containers(1), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [
            {
              name: 'c0',
              ready: false,
              restartCount: 3,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
        },
      },
      want: ['test7', '0/1', 'Init:0/1', '3 (10s ago)', '<unknown>'],
    },
    {
      name: 'two init containers, one restarting',
      pod: {
        metadata: { name: 'test8' },
        spec: { initContainers: containers(2), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [
            {
              name: 'c0',
              ready: false,
              restartCount: 3,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
            { name: 'c1', ready: false, restartCount: 0, state: { waiting: {} } },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
        },
      },
      want: ['test8', '0/1', 'Init:0/2', '3 (10s ago)', '<unknown>'],
    },
    {
      name: 'first init completed, second restarting',
      pod: {
        metadata: { name: 'test9' },
        spec: { initContainers: containers(2), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [
            { name: 'c0', ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } },
            {
              name: 'c1',
              ready: false,
              restartCount: 3,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
        },
      },
      want: ['test9', '0/1', 'Init:1/2', '3 (10s ago)', '<unknown>'],
    },
    {
      name: 'first init completed with restarts, second restarting',
      pod: {
        metadata: { name: 'test10' },
        spec: { initContainers: containers(2), containers: containers(1) },
        status: {
          phase: 'podPhase',
          initContainerStatuses: [
            {
              name: 'c0',
              ready: false,
              restartCount: 2,
              state: { terminated: { exitCode: 0 } },
              lastState: { terminated: { exitCode: 0, finishedAt: at(-2 * M) } },
            },
            {
              name: 'c1',
              ready: false,
              restartCount: 3,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
        },
      },
      want: ['test10', '0/1', 'Init:1/2', '5 (10s ago)', '<unknown>'],
    },
    {
      name: 'init completed with restarts, container restarting',
      pod: {
        metadata: { name: 'test11' },
        spec: { initContainers: containers(1), containers: containers(1) },
        status: {
          phase: 'Running',
          initContainerStatuses: [
            {
              name: 'c0',
              ready: false,
              restartCount: 2,
              state: { terminated: { exitCode: 0 } },
              lastState: { terminated: { exitCode: 0, finishedAt: at(-2 * M) } },
            },
          ],
          containerStatuses: [
            {
              ready: false,
              restartCount: 4,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-20 * S) } },
            },
          ],
        },
      },
      want: ['test11', '0/1', 'Running', '4 (20s ago)', '<unknown>'],
    },
    {
      name: 'restarted 5d ago',
      pod: {
        metadata: { name: 'test12' },
        spec: { containers: containers(1) },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              ready: true,
              restartCount: 3,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-5 * D) } },
            },
          ],
        },
      },
      want: ['test12', '1/1', 'Running', '3 (5d ago)', '<unknown>'],
    },
    {
      name: 'latest restart wins',
      pod: {
        metadata: { name: 'test14' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              ready: true,
              restartCount: 6,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-5 * D) } },
            },
            {
              ready: true,
              restartCount: 3,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-20 * D) } },
            },
          ],
        },
      },
      want: ['test14', '2/2', 'Running', '9 (5d ago)', '<unknown>'],
    },
    {
      name: 'scheduling gated',
      pod: {
        metadata: { name: 'test15' },
        spec: { containers: containers(2) },
        status: {
          phase: 'podPhase',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
        },
      },
      want: ['test15', '0/2', 'SchedulingGated', '0', '<unknown>'],
    },
    {
      name: 'running with deletion is Terminating',
      pod: {
        metadata: { name: 'test19', deletionTimestamp: at(-10 * S) },
        spec: { containers: containers(1) },
        status: {
          phase: 'Running',
          containerStatuses: [{ ready: false, restartCount: 0, state: running }],
        },
      },
      want: ['test19', '0/1', 'Terminating', '0', '<unknown>'],
    },
    {
      name: 'pending with deletion is Terminating',
      pod: {
        metadata: { name: 'test20', deletionTimestamp: at(-10 * S) },
        spec: { containers: containers(1) },
        status: { phase: 'Pending' },
      },
      want: ['test20', '0/1', 'Terminating', '0', '<unknown>'],
    },
    {
      name: 'lost node with deletion is Unknown',
      pod: {
        metadata: { name: 'lost', deletionTimestamp: at(-10 * S) },
        spec: { containers: containers(1) },
        status: { phase: 'Running', reason: 'NodeLost' },
      },
      want: ['lost', '0/1', 'Unknown', '0', '<unknown>'],
    },
    {
      name: 'CrashLoopBackOff with age',
      pod: {
        metadata: { name: 'crash', creationTimestamp: at(-200 * S) },
        spec: { containers: containers(1) },
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              ready: false,
              restartCount: 5,
              state: { waiting: { reason: 'CrashLoopBackOff' } },
              lastState: { terminated: { exitCode: 1, finishedAt: at(-5 * M) } },
            },
          ],
        },
      },
      want: ['crash', '0/1', 'CrashLoopBackOff', '5 (5m ago)', '3m20s'],
    },
    {
      name: 'terminated without reason shows the exit code or signal',
      pod: {
        metadata: { name: 'exit' },
        spec: { containers: containers(2) },
        status: {
          phase: 'Running',
          containerStatuses: [
            { ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } },
            { ready: false, restartCount: 0, state: { terminated: { exitCode: 0, signal: 9 } } },
          ],
        },
      },
      want: ['exit', '0/2', 'ExitCode:2', '0', '<unknown>'],
    },
    {
      name: 'failed init container',
      pod: {
        metadata: { name: 'initfail' },
        spec: { initContainers: containers(1), containers: containers(1) },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            {
              name: 'c0',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 1, reason: 'Error' } },
            },
          ],
        },
      },
      want: ['initfail', '0/1', 'Init:Error', '0', '<unknown>'],
    },
    {
      name: 'init container waiting with a reason',
      pod: {
        metadata: { name: 'initwait' },
        spec: { initContainers: containers(1), containers: containers(1) },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            {
              name: 'c0',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ImagePullBackOff' } },
            },
          ],
        },
      },
      want: ['initwait', '0/1', 'Init:ImagePullBackOff', '0', '<unknown>'],
    },
  ];
  for (const c of cases) assert.deepEqual(cells('v1', 'Pod', c.pod), c.want, c.name);
});

test('TestPrintPod row conditions of finished pods', () => {
  const succeeded = row('v1', 'Pod', {
    metadata: { name: 'test16' },
    spec: { containers: containers(1) },
    status: {
      phase: 'Succeeded',
      containerStatuses: [
        {
          ready: false,
          restartCount: 0,
          state: { terminated: { reason: 'Completed', exitCode: 0 } },
        },
      ],
    },
  });
  assert.deepEqual(succeeded, {
    cells: ['test16', '0/1', 'Completed', '0', '<unknown>'],
    conditions: [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ],
  });
  const failed = row('v1', 'Pod', {
    metadata: { name: 'test17' },
    spec: { containers: containers(1) },
    status: {
      phase: 'Failed',
      containerStatuses: [
        { ready: false, restartCount: 0, state: { terminated: { reason: 'Error', exitCode: 1 } } },
      ],
    },
  });
  assert.deepEqual(failed, {
    cells: ['test17', '0/1', 'Error', '0', '<unknown>'],
    conditions: [
      { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' },
    ],
  });
  // a succeeded pod being deleted stays Completed
  const deleted = row('v1', 'Pod', {
    metadata: { name: 'test18', deletionTimestamp: at(-10 * S) },
    spec: { containers: containers(1) },
    status: {
      phase: 'Succeeded',
      containerStatuses: [
        {
          ready: false,
          restartCount: 0,
          state: { terminated: { reason: 'Completed', exitCode: 0 } },
        },
      ],
    },
  });
  assert.deepEqual(deleted.cells, ['test18', '0/1', 'Completed', '0', '<unknown>']);
  const runningPod = row('v1', 'Pod', {
    metadata: { name: 'r' },
    spec: { containers: containers(1) },
    status: { phase: 'Running' },
  });
  assert.equal(runningPod.conditions, undefined);
});

test('TestPrintPodWithRestartableInitContainer', () => {
  const sidecars = [
    { name: 'restartable-init-1', image: '', restartPolicy: 'Always' },
    { name: 'restartable-init-2', image: '', restartPolicy: 'Always' },
  ];
  const cases: { pod: object; want: unknown[] }[] = [
    {
      pod: {
        metadata: { name: 'test1' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            {
              name: 'restartable-init-1',
              ready: false,
              restartCount: 3,
              state: running,
              started: false,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
            {
              name: 'restartable-init-2',
              ready: false,
              restartCount: 0,
              state: { waiting: {} },
              started: false,
            },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
          conditions: [{ type: 'Initialized', status: 'False' }],
        },
      },
      want: ['test1', '0/3', 'Init:0/2', '3 (10s ago)', '<unknown>'],
    },
    {
      pod: {
        metadata: { name: 'test1' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Pending',
          initContainerStatuses: [
            {
              name: 'restartable-init-1',
              ready: false,
              restartCount: 3,
              state: running,
              started: true,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
            {
              name: 'restartable-init-2',
              ready: false,
              restartCount: 0,
              state: running,
              started: false,
            },
          ],
          containerStatuses: [{ ready: false, restartCount: 0, state: { waiting: {} } }],
          conditions: [{ type: 'Initialized', status: 'False' }],
        },
      },
      want: ['test1', '0/3', 'Init:1/2', '3 (10s ago)', '<unknown>'],
    },
    {
      pod: {
        metadata: { name: 'test2' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Running',
          initContainerStatuses: [
            {
              name: 'restartable-init-1',
              ready: false,
              restartCount: 3,
              state: running,
              started: true,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
            {
              name: 'restartable-init-2',
              ready: false,
              restartCount: 0,
              state: running,
              started: true,
            },
          ],
          containerStatuses: [
            {
              ready: true,
              restartCount: 4,
              state: running,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-20 * S) } },
            },
          ],
          conditions: [{ type: 'Initialized', status: 'True' }],
        },
      },
      want: ['test2', '1/3', 'Running', '7 (10s ago)', '<unknown>'],
    },
    {
      pod: {
        metadata: { name: 'test3' },
        spec: { initContainers: sidecars, containers: containers(1) },
        status: {
          phase: 'Succeeded',
          initContainerStatuses: [
            {
              name: 'restartable-init-1',
              ready: false,
              restartCount: 3,
              state: { terminated: { reason: 'Error', exitCode: 137 } },
              started: false,
              lastState: { terminated: { exitCode: 0, finishedAt: at(-10 * S) } },
            },
            {
              name: 'restartable-init-2',
              ready: false,
              restartCount: 0,
              state: { terminated: { reason: 'Error', exitCode: 137 } },
              started: false,
            },
          ],
          containerStatuses: [
            {
              ready: false,
              restartCount: 4,
              state: { terminated: { reason: 'Completed', exitCode: 0 } },
              lastState: { terminated: { exitCode: 0, finishedAt: at(-20 * S) } },
            },
          ],
          conditions: [{ type: 'Initialized', status: 'True' }],
        },
      },
      want: ['test3', '0/3', 'Completed', '7 (10s ago)', '<unknown>'],
    },
    {
      // statuses for containers that do not exist in the spec
      pod: {
        metadata: { name: 'test4' },
        spec: {
          initContainers: [
            { name: 'init1', image: 'initimage' },
            { name: 'sidecar1', image: 'sidecarimage', restartPolicy: 'Always' },
          ],
          containers: [{ name: 'container1', image: 'containerimage' }],
        },
        status: {
          phase: 'Running',
          initContainerStatuses: [
            { name: 'initinvalid', ready: false, restartCount: 0 },
            { name: 'init1', ready: false, restartCount: 0 },
            { name: 'sidecar1', ready: false, restartCount: 0 },
          ],
          containerStatuses: [
            { name: 'containerinvalid', ready: false, restartCount: 0 },
            { name: 'container1', ready: false, restartCount: 0 },
          ],
        },
      },
      want: ['test4', '0/2', 'Init:0/2', '0', '<unknown>'],
    },
  ];
  for (const [i, c] of cases.entries())
    assert.deepEqual(cells('v1', 'Pod', c.pod), c.want, `case ${String(i)}`);
});

test('TestPrintPodwide', () => {
  const gates = [
    { conditionType: 'condition1' },
    { conditionType: 'condition2' },
    { conditionType: 'condition3' },
  ];
  const base = (podIPs: object[]) => ({
    metadata: { name: 'test1' },
    spec: { containers: containers(2), nodeName: 'test1', readinessGates: gates },
    status: {
      conditions: [
        { type: 'condition1', status: 'False' },
        { type: 'condition2', status: 'True' },
      ],
      phase: 'podPhase',
      podIPs,
      containerStatuses: [
        { ready: true, restartCount: 3, state: running },
        { ready: false, restartCount: 3 },
      ],
      nominatedNodeName: 'node1',
    },
  });
  const want = ['test1', '1/2', 'podPhase', '6', '<unknown>', '1.1.1.1', 'test1', 'node1', '1/3'];
  assert.deepEqual(cells('v1', 'Pod', base([{ ip: '1.1.1.1' }]), true), want);
  assert.deepEqual(cells('v1', 'Pod', base([{ ip: '1.1.1.1' }, { ip: '2001:db8::' }]), true), want);
  assert.deepEqual(
    cells(
      'v1',
      'Pod',
      {
        metadata: { name: 'test2' },
        spec: { containers: containers(2), nodeName: '' },
        status: {
          phase: 'podPhase',
          containerStatuses: [
            { ready: true, restartCount: 3, state: running },
            {
              ready: false,
              restartCount: 3,
              state: { waiting: { reason: 'ContainerWaitingReason' } },
            },
          ],
        },
      },
      true,
    ),
    [
      'test2',
      '1/2',
      'ContainerWaitingReason',
      '6',
      '<unknown>',
      '<none>',
      '<none>',
      '<none>',
      '<none>',
    ],
  );
  // only the legacy podIP field set (the v1 conversion fills podIPs from it)
  assert.equal(
    cells(
      'v1',
      'Pod',
      { metadata: { name: 'x' }, spec: { containers: [] }, status: { podIP: '10.0.0.9' } },
      true,
    )[5],
    '10.0.0.9',
  );
});

test('TestPrintPodTemplate', () => {
  const cases: { tpl: object; want: unknown[] }[] = [
    {
      tpl: {
        metadata: { name: 'pod-template-1' },
        template: { metadata: { name: 'pod-template-1' }, spec: { containers: [] } },
      },
      want: ['pod-template-1', '', '', '<none>'],
    },
    {
      tpl: {
        metadata: { name: 'pod-template-2' },
        template: {
          spec: {
            containers: [
              { name: 'fake-container1', image: 'fake-image1' },
              { name: 'fake-container2', image: 'fake-image2' },
            ],
          },
        },
      },
      want: [
        'pod-template-2',
        'fake-container1,fake-container2',
        'fake-image1,fake-image2',
        '<none>',
      ],
    },
    {
      tpl: {
        metadata: { name: 'pod-template-3' },
        template: { metadata: { labels: { foo: 'bar' } }, spec: { containers: [] } },
      },
      want: ['pod-template-3', '', '', 'foo=bar'],
    },
  ];
  for (const c of cases) assert.deepEqual(cells('v1', 'PodTemplate', c.tpl), c.want);
});

test('TestPrintNodeStatus and roles', () => {
  const node = (name: string, extra: object) => ({ metadata: { name }, ...extra });
  const ready = (status: string) => ({ status: { conditions: [{ type: 'Ready', status }] } });
  const cases: { node: object; want: unknown[] }[] = [
    { node: node('foo1', ready('True')), want: ['foo1', 'Ready', '<none>', '<unknown>', ''] },
    {
      node: node('foo2', { spec: { unschedulable: true }, ...ready('True') }),
      want: ['foo2', 'Ready,SchedulingDisabled', '<none>', '<unknown>', ''],
    },
    {
      node: node('foo3', {
        status: {
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'Ready', status: 'True' },
          ],
        },
      }),
      want: ['foo3', 'Ready', '<none>', '<unknown>', ''],
    },
    { node: node('foo4', ready('False')), want: ['foo4', 'NotReady', '<none>', '<unknown>', ''] },
    {
      node: node('foo5', { spec: { unschedulable: true }, ...ready('False') }),
      want: ['foo5', 'NotReady,SchedulingDisabled', '<none>', '<unknown>', ''],
    },
    {
      node: node('foo6', { status: { conditions: [{ type: 'InvalidValue', status: 'True' }] } }),
      want: ['foo6', 'Unknown', '<none>', '<unknown>', ''],
    },
    {
      node: node('foo8', {
        spec: { unschedulable: true },
        status: { conditions: [{ type: 'InvalidValue', status: 'True' }] },
      }),
      want: ['foo8', 'Unknown,SchedulingDisabled', '<none>', '<unknown>', ''],
    },
    {
      node: {
        metadata: {
          name: 'foo10',
          labels: {
            'node-role.kubernetes.io/master': '',
            'node-role.kubernetes.io/control-plane': '',
            'node-role.kubernetes.io/proxy': '',
            'kubernetes.io/role': 'node',
          },
        },
      },
      want: ['foo10', 'Unknown', 'control-plane,master,node,proxy', '<unknown>', ''],
    },
    {
      node: { metadata: { name: 'foo11', labels: { 'kubernetes.io/role': 'node' } } },
      want: ['foo11', 'Unknown', 'node', '<unknown>', ''],
    },
    {
      node: {
        metadata: { name: 'k1', creationTimestamp: at(-(2 * D + 3 * H)) },
        status: {
          nodeInfo: { kubeletVersion: 'v1.32.0' },
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      },
      want: ['k1', 'Ready', '<none>', '2d3h', 'v1.32.0'],
    },
  ];
  for (const c of cases) assert.deepEqual(cells('v1', 'Node', c.node), c.want);
});

test('TestPrintNode wide columns (internal/external IP, OS image, kernel, runtime)', () => {
  const cases: { status: object; want: unknown[] }[] = [
    {
      status: {
        nodeInfo: { osImage: 'fake-os-image' },
        addresses: [{ type: 'ExternalIP', address: '1.1.1.1' }],
      },
      want: ['<none>', '1.1.1.1', 'fake-os-image', '<unknown>', '<unknown>'],
    },
    {
      status: {
        nodeInfo: { kernelVersion: 'fake-kernel-version' },
        addresses: [{ type: 'ExternalIP', address: '1.1.1.1' }],
      },
      want: ['<none>', '1.1.1.1', '<unknown>', 'fake-kernel-version', '<unknown>'],
    },
    {
      status: {
        nodeInfo: { containerRuntimeVersion: 'foo://1.2.3' },
        addresses: [{ type: 'ExternalIP', address: '1.1.1.1' }],
      },
      want: ['<none>', '1.1.1.1', '<unknown>', '<unknown>', 'foo://1.2.3'],
    },
    {
      status: { addresses: [{ type: 'InternalIP', address: '1.1.1.1' }] },
      want: ['1.1.1.1', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    },
    {
      status: {
        addresses: [
          { type: 'ExternalIP', address: '2.2.2.2' },
          { type: 'InternalIP', address: '3.3.3.3' },
          { type: 'ExternalIP', address: '4.4.4.4' },
        ],
      },
      want: ['3.3.3.3', '2.2.2.2', '<unknown>', '<unknown>', '<unknown>'],
    },
  ];
  for (const c of cases) {
    assert.deepEqual(cells('v1', 'Node', { metadata: { name: 'foo1' }, status: c.status }, true), [
      'foo1',
      'Unknown',
      '<none>',
      '<unknown>',
      '',
      ...c.want,
    ]);
  }
});

test('TestPrintServiceLoadBalancer and TestPrintService', () => {
  const lb = (
    name: string,
    ip: string,
    ports: object[],
    ingress?: object[],
    selector?: object,
  ) => ({
    metadata: { name },
    spec: { clusterIPs: [ip], type: 'LoadBalancer', ports, selector },
    status: ingress ? { loadBalancer: { ingress } } : {},
  });
  const tcp80 = { port: 80, protocol: 'TCP' };
  const three = [tcp80, { port: 8090, protocol: 'UDP' }, { port: 8000, protocol: 'TCP' }];
  const cases: { svc: object; wide: boolean; want: unknown[] }[] = [
    {
      svc: lb('service1', '1.2.3.4', [tcp80], [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }]),
      wide: false,
      want: ['service1', 'LoadBalancer', '1.2.3.4', '2.3.4.5,3.4.5.6', '80/TCP', '<unknown>'],
    },
    {
      svc: lb('service2', '1.3.4.5', [...three, { port: 7777, protocol: 'SCTP' }]),
      wide: false,
      want: [
        'service2',
        'LoadBalancer',
        '1.3.4.5',
        '<pending>',
        '80/TCP,8090/UDP,8000/TCP,7777/SCTP',
        '<unknown>',
      ],
    },
    {
      svc: lb('service3', '1.4.5.6', three, [{ ip: '2.3.4.5' }]),
      wide: false,
      want: [
        'service3',
        'LoadBalancer',
        '1.4.5.6',
        '2.3.4.5',
        '80/TCP,8090/UDP,8000/TCP',
        '<unknown>',
      ],
    },
    {
      // long external IP lists are elided unless wide
      svc: lb('service4', '1.5.6.7', three, [
        { ip: '2.3.4.5' },
        { ip: '3.4.5.6' },
        { ip: '5.6.7.8', hostname: 'host5678' },
      ]),
      wide: false,
      want: [
        'service4',
        'LoadBalancer',
        '1.5.6.7',
        '2.3.4.5,3.4.5...',
        '80/TCP,8090/UDP,8000/TCP',
        '<unknown>',
      ],
    },
    {
      svc: lb(
        'service4',
        '1.5.6.7',
        three,
        [{ ip: '2.3.4.5' }, { ip: '3.4.5.6' }, { ip: '5.6.7.8', hostname: 'host5678' }],
        { foo: 'bar' },
      ),
      wide: true,
      want: [
        'service4',
        'LoadBalancer',
        '1.5.6.7',
        '2.3.4.5,3.4.5.6,5.6.7.8',
        '80/TCP,8090/UDP,8000/TCP',
        '<unknown>',
        'foo=bar',
      ],
    },
    {
      svc: {
        metadata: { name: 'nodeport', creationTimestamp: at(-5 * M) },
        spec: {
          type: 'NodePort',
          clusterIPs: ['10.96.0.10'],
          ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
        },
      },
      wide: true,
      want: ['nodeport', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP', '5m', '<none>'],
    },
    {
      svc: {
        metadata: { name: 'ext' },
        spec: { type: 'ExternalName', externalName: 'example.com' },
      },
      wide: false,
      want: ['ext', 'ExternalName', '<none>', 'example.com', '<none>', '<unknown>'],
    },
    {
      svc: {
        metadata: { name: 'cip' },
        spec: {
          type: 'ClusterIP',
          clusterIPs: ['None'],
          externalIPs: ['1.1.1.1', '2.2.2.2'],
          ports: [{ port: 53, protocol: 'UDP' }],
        },
      },
      wide: false,
      want: ['cip', 'ClusterIP', 'None', '1.1.1.1,2.2.2.2', '53/UDP', '<unknown>'],
    },
    {
      svc: {
        metadata: { name: 'lbext' },
        spec: {
          type: 'LoadBalancer',
          clusterIPs: ['10.0.0.1'],
          externalIPs: ['9.9.9.9'],
          ports: [tcp80],
        },
        status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } },
      },
      wide: true,
      want: [
        'lbext',
        'LoadBalancer',
        '10.0.0.1',
        'lb.example.com,9.9.9.9',
        '80/TCP',
        '<unknown>',
        '<none>',
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(cells('v1', 'Service', c.svc, c.wide), c.want);
});

test('TestPrintEvent', () => {
  const base = {
    involvedObject: {
      kind: 'Deployment',
      name: 'Deployment Name',
      fieldPath: 'spec.containers{foo}',
    },
    reason: 'Event Reason',
    message: 'Message Data',
    type: 'Warning',
  };
  const cases: { ev: object; wide: boolean; want: unknown[] }[] = [
    {
      ev: {
        metadata: { name: 'event1' },
        source: { component: 'kubelet' },
        involvedObject: { kind: 'Pod', name: 'Pod Name', fieldPath: 'spec.containers{foo}' },
        reason: 'Event Reason',
        message: 'Message Data',
        firstTimestamp: at(-3 * D),
        lastTimestamp: at(-2 * D),
        count: 6,
        type: 'Normal',
      },
      wide: false,
      want: ['2d', 'Normal', 'Event Reason', 'pod/Pod Name', 'Message Data'],
    },
    {
      ev: {
        ...base,
        metadata: { name: 'event2' },
        source: { component: 'kubelet', host: 'Node1' },
        firstTimestamp: at(-3 * D),
        lastTimestamp: at(-2 * D),
        count: 6,
      },
      wide: true,
      want: [
        '2d',
        'Warning',
        'Event Reason',
        'deployment/Deployment Name',
        'spec.containers{foo}',
        'kubelet, Node1',
        'Message Data',
        '3d',
        6,
        'event2',
      ],
    },
    {
      // without firstTimestamp: eventTime (a MicroTime) stands in
      ev: {
        ...base,
        metadata: { name: 'event3' },
        source: { component: 'kubelet', host: 'Node1' },
        eventTime: new Date(NOW.getTime() - 3 * D).toISOString().replace('Z', '000Z'),
        lastTimestamp: at(-3 * D),
        count: 1,
      },
      wide: true,
      want: [
        '3d',
        'Warning',
        'Event Reason',
        'deployment/Deployment Name',
        'spec.containers{foo}',
        'kubelet, Node1',
        'Message Data',
        '3d',
        1,
        'event3',
      ],
    },
    {
      ev: {
        ...base,
        metadata: { name: 'event5' },
        source: { component: 'kubelet', host: 'Node1' },
        eventTime: at(-3 * D),
        count: 1,
      },
      wide: true,
      want: [
        '3d',
        'Warning',
        'Event Reason',
        'deployment/Deployment Name',
        'spec.containers{foo}',
        'kubelet, Node1',
        'Message Data',
        '3d',
        1,
        'event5',
      ],
    },
    {
      ev: {
        ...base,
        metadata: { name: 'event6' },
        source: { component: 'kubelet', host: 'Node1' },
        series: { count: 2, lastObservedTime: at(-2 * D) },
        eventTime: at(-3 * D),
      },
      wide: true,
      want: [
        '2d',
        'Warning',
        'Event Reason',
        'deployment/Deployment Name',
        'spec.containers{foo}',
        'kubelet, Node1',
        'Message Data',
        '3d',
        2,
        'event6',
      ],
    },
    {
      // singleton events without a count print 1
      ev: {
        ...base,
        metadata: { name: 'event7' },
        source: { component: 'kubelet', host: 'Node1' },
        eventTime: at(-3 * D),
      },
      wide: true,
      want: [
        '3d',
        'Warning',
        'Event Reason',
        'deployment/Deployment Name',
        'spec.containers{foo}',
        'kubelet, Node1',
        'Message Data',
        '3d',
        1,
        'event7',
      ],
    },
    {
      // empty source: reportingComponent / reportingInstance stand in
      ev: {
        ...base,
        metadata: { name: 'event2' },
        reportingComponent: 'kubelet',
        reportingInstance: 'test',
        firstTimestamp: at(-3 * D),
        lastTimestamp: at(-2 * D),
        count: 6,
      },
      wide: true,
      want: [
        '2d',
        'Warning',
        'Event Reason',
        'deployment/Deployment Name',
        'spec.containers{foo}',
        'kubelet, test',
        'Message Data',
        '3d',
        6,
        'event2',
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(cells('v1', 'Event', c.ev, c.wide), c.want);
  // events.k8s.io/v1 print through the same conversion
  assert.deepEqual(
    cells(
      'events.k8s.io/v1',
      'Event',
      {
        metadata: { name: 'ev' },
        regarding: { kind: 'Pod', name: 'p' },
        reason: 'Started',
        note: ' Started container ',
        type: 'Normal',
        eventTime: at(-30 * S),
        reportingController: 'kubelet',
        reportingInstance: 'node-1',
      },
      true,
    ),
    [
      '30s',
      'Normal',
      'Started',
      'pod/p',
      '',
      'kubelet, node-1',
      'Started container',
      '30s',
      1,
      'ev',
    ],
  );
});

test('TestPrintNamespace, TestPrintSecret, TestPrintServiceAccount, TestPrintConfigMap', () => {
  const soon = at(1.9 * S);
  assert.deepEqual(
    cells('v1', 'Namespace', {
      metadata: { name: 'namespace1', creationTimestamp: soon },
      status: { phase: 'FooStatus' },
    }),
    ['namespace1', 'FooStatus', '0s'],
  );
  assert.deepEqual(cells('v1', 'Namespace', { metadata: { name: 'namespace2' } }), [
    'namespace2',
    '',
    '<unknown>',
  ]);
  assert.deepEqual(
    cells('v1', 'Secret', {
      metadata: { name: 'secret1', creationTimestamp: soon },
      type: 'kubernetes.io/service-account-token',
      data: { token: 'c2VjcmV0IGRhdGE=' },
    }),
    ['secret1', 'kubernetes.io/service-account-token', 1, '0s'],
  );
  assert.deepEqual(
    cells('v1', 'Secret', {
      metadata: { name: 'secret1', creationTimestamp: soon },
      type: 'kubernetes.io/service-account-token',
    }),
    ['secret1', 'kubernetes.io/service-account-token', 0, '0s'],
  );
  assert.deepEqual(
    cells('v1', 'ServiceAccount', {
      metadata: { name: 'sa1', creationTimestamp: soon },
      secrets: [{ name: 'a' }, { name: 'b' }],
    }),
    ['sa1', 2, '0s'],
  );
  assert.deepEqual(
    cells('v1', 'ConfigMap', {
      metadata: { name: 'cm', creationTimestamp: at(-90 * D) },
      data: { a: '1' },
      binaryData: { b: 'AA==' },
    }),
    ['cm', 2, '90d'],
  );
});

test('TestPrintEndpoint', () => {
  const cases: { ep: object; want: string }[] = [
    { ep: { metadata: { name: 'e' } }, want: '<none>' },
    {
      ep: {
        metadata: { name: 'e' },
        subsets: [{ addresses: [{ ip: '127.0.0.1' }, { ip: '::1' }], ports: [{ port: 8001 }] }],
      },
      want: '127.0.0.1:8001,[::1]:8001',
    },
    {
      ep: {
        metadata: { name: 'e' },
        subsets: [
          {
            addresses: [{ ip: '1.1.1.1' }, { ip: '2.2.2.2' }],
            ports: [{ port: 80 }, { port: 443 }],
          },
          { addresses: [{ ip: '3.3.3.3' }] },
        ],
      },
      want: '1.1.1.1:80,2.2.2.2:80,1.1.1.1:443 + 2 more...',
    },
    {
      ep: { metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] },
      want: '10.0.0.1',
    },
  ];
  for (const c of cases) assert.equal(cells('v1', 'Endpoints', c.ep)[1], c.want);
});

test('TestPrintPersistentVolume and TestPrintPersistentVolumeClaim', () => {
  const pv = {
    metadata: { name: 'test1', creationTimestamp: at(-10 * M) },
    spec: {
      claimRef: { namespace: 'default', name: 'claim' },
      accessModes: ['ReadOnlyMany', 'ReadWriteOnce', 'ReadWriteOnce'],
      capacity: { storage: '4Gi' },
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'standard',
      volumeMode: 'Filesystem',
    },
    status: { phase: 'Bound' },
  };
  assert.deepEqual(cells('v1', 'PersistentVolume', pv, true), [
    'test1',
    '4Gi',
    'RWO,ROX',
    'Retain',
    'Bound',
    'default/claim',
    'standard',
    '<unset>',
    '',
    '10m',
    'Filesystem',
  ]);
  assert.equal(
    cells('v1', 'PersistentVolume', {
      ...pv,
      metadata: { ...pv.metadata, deletionTimestamp: at(0) },
    })[4],
    'Terminating',
  );
  const pvc = {
    metadata: { name: 'claim', annotations: { 'volume.beta.kubernetes.io/storage-class': 'beta' } },
    spec: {
      volumeName: 'test1',
      storageClassName: 'standard',
      resources: { requests: { storage: '1Gi' } },
    },
    status: { phase: 'Bound', capacity: { storage: '4Gi' }, accessModes: ['ReadWriteOncePod'] },
  };
  assert.deepEqual(cells('v1', 'PersistentVolumeClaim', pvc, true), [
    'claim',
    'Bound',
    'test1',
    '4Gi',
    'RWOP',
    'beta',
    '<unset>',
    '<unknown>',
    '<unset>',
  ]);
  assert.deepEqual(
    cells('v1', 'PersistentVolumeClaim', {
      metadata: { name: 'pending' },
      spec: {},
      status: { phase: 'Pending' },
    }),
    ['pending', 'Pending', '', '', '', '', '<unset>', '<unknown>'],
  );
});

test('TestPrintResourceQuota', () => {
  const rq = {
    metadata: { name: 'quota', creationTimestamp: at(-1 * H) },
    status: {
      hard: { 'limits.cpu': '4', 'requests.memory': '1Gi', pods: '10', 'limits.memory': '2Gi' },
      used: { 'limits.cpu': '500m', pods: '1', 'requests.memory': '100Mi' },
    },
  };
  assert.deepEqual(cells('v1', 'ResourceQuota', rq), [
    'quota',
    'pods: 1/10, requests.memory: 100Mi/1Gi',
    'limits.cpu: 500m/4, limits.memory: 0/2Gi',
    '60m',
  ]);
});

test('TestPrintReplicationController and TestPrintComponentStatus', () => {
  const rc = {
    metadata: { name: 'rc1', creationTimestamp: at(1.9 * S) },
    spec: {
      replicas: 5,
      selector: { a: 'b' },
      template: { spec: { containers: [{ name: 'test', image: 'test_image' }] } },
    },
    status: { replicas: 5, readyReplicas: 2 },
  };
  assert.deepEqual(cells('v1', 'ReplicationController', rc, true), [
    'rc1',
    5,
    5,
    2,
    '0s',
    'test',
    'test_image',
    'a=b',
  ]);
  const cases: { cs: object; want: unknown[] }[] = [
    {
      cs: {
        metadata: { name: 'cs1' },
        conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
      },
      want: ['cs1', 'Healthy', 'ok', ''],
    },
    {
      cs: {
        metadata: { name: 'cs2' },
        conditions: [{ type: 'Healthy', status: 'False', message: 'm', error: 'e' }],
      },
      want: ['cs2', 'Unhealthy', 'm', 'e'],
    },
    { cs: { metadata: { name: 'cs3' } }, want: ['cs3', 'Unknown', '', ''] },
  ];
  for (const c of cases) assert.deepEqual(cells('v1', 'ComponentStatus', c.cs), c.want);
});
