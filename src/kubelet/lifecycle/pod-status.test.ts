import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import {
  activeDeadlineExceeded,
  buildPodStatus,
  containersReadyCondition,
  getPhase,
  podInitializedCondition,
  podReadyCondition,
  terminatedReason,
} from './pod-status.ts';
import type { RuntimeContainerStatus, RuntimePodStatus } from './types.ts';

// The helpers of upstream's kubelet_pods_test.go.
const waiting = (name: string): ContainerStatus => ({
  name,
  image: '',
  imageID: '',
  ready: false,
  restartCount: 0,
  state: { waiting: {} },
});
const waitingLastTerm = (name: string, exitCode = 0): ContainerStatus => ({
  ...waiting(name),
  lastState: { terminated: { exitCode } },
});
const running = (name: string): ContainerStatus => ({ ...waiting(name), state: { running: {} } });
const started = (name: string): ContainerStatus => ({ ...running(name), started: true });
const stopped = (name: string): ContainerStatus => ({
  ...waiting(name),
  state: { terminated: { exitCode: 0 } },
});
const succeeded = stopped;
const failed = (name: string): ContainerStatus => ({
  ...waiting(name),
  state: { terminated: { exitCode: -1 } },
});
const ready = (s: ContainerStatus): ContainerStatus => ({ ...s, ready: true });

const podOf = (spec: PodSpec): Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: 'u' },
  spec,
});

describe('getPhase (kubelet_pods_test.go)', () => {
  const always = podOf({
    containers: [{ name: 'containerA' }, { name: 'containerB' }],
    restartPolicy: 'Always',
  });
  const cases: [string, Pod, ContainerStatus[], boolean, string][] = [
    ['waiting', always, [], false, 'Pending'],
    ['all running', always, [running('containerA'), running('containerB')], false, 'Running'],
    [
      'all stopped with restart always',
      always,
      [stopped('containerA'), stopped('containerB')],
      false,
      'Running',
    ],
    [
      'all succeeded with restart always, but the pod is terminal',
      always,
      [succeeded('containerA'), succeeded('containerB')],
      true,
      'Succeeded',
    ],
    [
      'all stopped with restart always, but the pod is terminal',
      always,
      [succeeded('containerA'), failed('containerB')],
      true,
      'Failed',
    ],
    ['mixed state #1', always, [running('containerA'), stopped('containerB')], false, 'Running'],
    ['mixed state #2', always, [running('containerA')], false, 'Pending'],
    ['mixed state #3', always, [running('containerA'), waiting('containerB')], false, 'Pending'],
    [
      'backoff crashloop container with restart always',
      always,
      [running('containerA'), waitingLastTerm('containerB')],
      false,
      'Running',
    ],
  ];
  const inits = podOf({
    initContainers: [{ name: 'containerX' }],
    containers: [{ name: 'containerA' }, { name: 'containerB' }],
    restartPolicy: 'Always',
  });
  cases.push(
    ['init: empty, waiting', inits, [], false, 'Pending'],
    ['init container running', inits, [running('containerX')], false, 'Pending'],
    ['init container terminated non-zero', inits, [failed('containerX')], false, 'Pending'],
    [
      'init container waiting, terminated zero',
      inits,
      [waitingLastTerm('containerX')],
      false,
      'Pending',
    ],
    [
      'init container waiting, terminated non-zero',
      inits,
      [waitingLastTerm('containerX', -1)],
      false,
      'Pending',
    ],
    ['init container waiting, not terminated', inits, [waiting('containerX')], false, 'Pending'],
    [
      'init container succeeded',
      inits,
      [succeeded('containerX'), running('containerA'), running('containerB')],
      false,
      'Running',
    ],
  );
  const sidecar = podOf({
    initContainers: [{ name: 'containerX', restartPolicy: 'Always' }],
    containers: [{ name: 'containerA' }, { name: 'containerB' }],
    restartPolicy: 'Always',
  });
  cases.push(
    ['sidecar: empty, waiting', sidecar, [], false, 'Pending'],
    ['restartable init container running', sidecar, [running('containerX')], false, 'Pending'],
    ['restartable init container stopped', sidecar, [stopped('containerX')], false, 'Pending'],
    [
      'restartable init container waiting, terminated zero',
      sidecar,
      [waitingLastTerm('containerX')],
      false,
      'Pending',
    ],
    [
      'restartable init container started, 1/2 regular container running',
      sidecar,
      [started('containerX'), running('containerA')],
      false,
      'Pending',
    ],
    [
      'restartable init container started, all regular containers running',
      sidecar,
      [started('containerX'), running('containerA'), running('containerB')],
      false,
      'Running',
    ],
    [
      'restartable init container running, all regular containers running',
      sidecar,
      [running('containerX'), running('containerA'), running('containerB')],
      false,
      'Running',
    ],
    [
      'restartable init container stopped, all regular containers running',
      sidecar,
      [stopped('containerX'), running('containerA'), running('containerB')],
      false,
      'Running',
    ],
    [
      'backoff crashloop restartable init container, all regular containers running',
      sidecar,
      [waitingLastTerm('containerX'), running('containerA'), running('containerB')],
      false,
      'Running',
    ],
    [
      'all regular containers succeeded and restartable init container failed, pod terminal',
      sidecar,
      [failed('containerX'), succeeded('containerA'), succeeded('containerB')],
      true,
      'Succeeded',
    ],
  );
  const never = podOf({
    containers: [{ name: 'containerA' }, { name: 'containerB' }],
    restartPolicy: 'Never',
  });
  cases.push(
    [
      'never: all succeeded',
      never,
      [succeeded('containerA'), succeeded('containerB')],
      false,
      'Succeeded',
    ],
    ['never: all failed', never, [failed('containerA'), failed('containerB')], false, 'Failed'],
    ['never: mixed', never, [running('containerA'), succeeded('containerB')], false, 'Running'],
    ['never: one unknown', never, [running('containerA')], false, 'Pending'],
  );
  const neverInit = podOf({
    initContainers: [{ name: 'containerX' }],
    containers: [{ name: 'containerA' }],
    restartPolicy: 'Never',
  });
  cases.push(['never: init container failed', neverInit, [failed('containerX')], false, 'Failed']);
  const onFailure = podOf({
    containers: [{ name: 'containerA' }, { name: 'containerB' }],
    restartPolicy: 'OnFailure',
  });
  cases.push(
    [
      'onfailure: all succeeded',
      onFailure,
      [succeeded('containerA'), succeeded('containerB')],
      false,
      'Succeeded',
    ],
    [
      'onfailure: one failed, restarting',
      onFailure,
      [succeeded('containerA'), failed('containerB')],
      false,
      'Running',
    ],
    [
      'onfailure: backoff crashloop',
      onFailure,
      [running('containerA'), waitingLastTerm('containerB', 1)],
      false,
      'Running',
    ],
  );
  for (const [name, pod, statuses, terminal, want] of cases) {
    it(name, () => {
      assert.equal(getPhase(pod, statuses, terminal), want);
    });
  }
});

describe('conditions (status/generate_test.go)', () => {
  const pod = podOf({ containers: [{ name: '1234' }, { name: '5678' }] });
  it('ContainersReady lists unknown and unready containers', () => {
    assert.deepEqual(containersReadyCondition(pod, undefined, 'Running'), {
      type: 'ContainersReady',
      status: 'False',
      reason: 'UnknownContainerStatuses',
    });
    assert.deepEqual(containersReadyCondition(pod, [ready(running('1234'))], 'Running'), {
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unknown status: [5678]',
    });
    assert.deepEqual(
      containersReadyCondition(pod, [ready(running('1234')), running('5678')], 'Running'),
      {
        type: 'ContainersReady',
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [5678]',
      },
    );
    assert.deepEqual(
      containersReadyCondition(pod, [ready(running('1234')), ready(running('5678'))], 'Running'),
      { type: 'ContainersReady', status: 'True' },
    );
    assert.deepEqual(
      containersReadyCondition(pod, [succeeded('1234'), succeeded('5678')], 'Succeeded'),
      {
        type: 'ContainersReady',
        status: 'False',
        reason: 'PodCompleted',
      },
    );
    assert.deepEqual(containersReadyCondition(pod, [running('1234')], 'Failed'), {
      type: 'ContainersReady',
      status: 'False',
      reason: 'PodFailed',
    });
  });
  it('Ready follows ContainersReady, then readiness gates', () => {
    const gated = podOf({
      containers: [{ name: '1234' }],
      readinessGates: [{ conditionType: 'gate1' }, { conditionType: 'gate2' }],
    });
    const all = [ready(running('1234'))];
    assert.deepEqual(
      podReadyCondition(gated, [{ type: 'gate1', status: 'False' }], all, 'Running'),
      {
        type: 'Ready',
        status: 'False',
        reason: 'ReadinessGatesNotReady',
        message:
          'the status of pod readiness gate "gate1" is not "True", but False, corresponding condition of pod readiness gate "gate2" does not exist.',
      },
    );
    assert.deepEqual(
      podReadyCondition(
        gated,
        [
          { type: 'gate1', status: 'True' },
          { type: 'gate2', status: 'True' },
        ],
        all,
        'Running',
      ),
      { type: 'Ready', status: 'True' },
    );
    assert.deepEqual(podReadyCondition(pod, [], [running('1234')], 'Running'), {
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unknown status: [5678], containers with unready status: [1234]',
    });
  });
  it('Initialized needs regular init containers ready and sidecars started', () => {
    const p = podOf({
      initContainers: [{ name: '1234' }, { name: 'side', restartPolicy: 'Always' }],
      containers: [{ name: 'app' }],
    });
    assert.deepEqual(
      podInitializedCondition(p, [ready(succeeded('1234')), running('side')], 'Pending'),
      {
        type: 'Initialized',
        status: 'False',
        reason: 'ContainersNotInitialized',
        message: 'containers with incomplete status: [side]',
      },
    );
    assert.deepEqual(
      podInitializedCondition(p, [ready(succeeded('1234')), started('side')], 'Pending'),
      {
        type: 'Initialized',
        status: 'True',
      },
    );
    assert.deepEqual(podInitializedCondition(p, [running('1234')], 'Pending'), {
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with unknown status: [side], containers with incomplete status: [1234]',
    });
    // A sidecar restarting after initialization keeps the pod initialized.
    assert.deepEqual(
      podInitializedCondition(
        p,
        [ready(succeeded('1234')), waiting('side'), running('app')],
        'Running',
      ),
      { type: 'Initialized', status: 'True' },
    );
  });
});

const T0 = Date.parse('2026-01-01T00:00:00Z');
const rc = (c: Partial<RuntimeContainerStatus> & { name: string }): RuntimeContainerStatus => ({
  id: `runc://${c.name}-${c.restartCount ?? 0}`,
  state: 'running',
  createdAt: T0,
  startedAt: T0,
  image: 'busybox',
  imageRef: 'docker.io/library/busybox@sha256:abc',
  restartCount: 0,
  ...c,
});
const sandbox = { id: 'sb1', ready: true, attempt: 0, ip: '10.0.0.5' };

describe('buildPodStatus', () => {
  const pod: Pod = {
    metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
    spec: {
      containers: [{ name: 'app', image: 'busybox' }],
      restartPolicy: 'Always',
    },
    status: {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2025-12-31T23:59:00Z' },
      ],
    },
  };

  it('reports ContainerCreating before the sandbox exists', () => {
    const s = buildPodStatus({ pod, runtime: { sandboxes: [], containers: [] }, now: T0 });
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(s.qosClass, 'BestEffort');
    assert.equal(s.startTime, '2026-01-01T00:00:00Z');
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status, c.lastTransitionTime]),
      [
        ['PodReadyToStartContainers', 'False', '2026-01-01T00:00:00Z'],
        ['Initialized', 'True', '2026-01-01T00:00:00Z'],
        ['Ready', 'False', '2026-01-01T00:00:00Z'],
        ['ContainersReady', 'False', '2026-01-01T00:00:00Z'],
        ['PodScheduled', 'True', '2025-12-31T23:59:00Z'],
      ],
    );
  });

  it('reports a running, ready container and the pod IPs', () => {
    const runtime: RuntimePodStatus = {
      sandboxes: [sandbox],
      containers: [rc({ name: 'app' })],
      ips: ['10.0.0.5'],
    };
    const s = buildPodStatus({ pod, runtime, now: T0 + 5000, hostIPs: ['192.168.1.2'] });
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.0.0.5');
    assert.deepEqual(s.podIPs, [{ ip: '10.0.0.5' }]);
    assert.equal(s.hostIP, '192.168.1.2');
    const cs = s.containerStatuses![0]!;
    assert.deepEqual(cs, {
      name: 'app',
      restartCount: 0,
      image: 'busybox',
      imageID: 'docker.io/library/busybox@sha256:abc',
      containerID: 'runc://app-0',
      ready: true,
      started: true,
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
    });
    assert.equal(s.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('shows CrashLoopBackOff with lastState from the previous instance', () => {
    const runtime: RuntimePodStatus = {
      sandboxes: [sandbox],
      containers: [
        rc({
          name: 'app',
          state: 'exited',
          exitCode: 1,
          reason: 'Error',
          restartCount: 3,
          createdAt: T0 + 1000,
          startedAt: T0 + 1000,
          finishedAt: T0 + 2000,
        }),
        rc({
          name: 'app',
          state: 'exited',
          exitCode: 1,
          reason: 'Error',
          restartCount: 2,
          finishedAt: T0 + 500,
        }),
      ],
      ips: ['10.0.0.5'],
    };
    const message = 'back-off 40s restarting failed container=app pod=web_default(uid-1)';
    const s = buildPodStatus({
      pod,
      runtime,
      now: T0 + 3000,
      reasons: new Map([['app', { reason: 'CrashLoopBackOff', message }]]),
    });
    const cs = s.containerStatuses![0]!;
    assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message } });
    assert.deepEqual(cs.lastState, {
      terminated: {
        exitCode: 1,
        reason: 'Error',
        startedAt: '2026-01-01T00:00:01Z',
        finishedAt: '2026-01-01T00:00:02Z',
        containerID: 'runc://app-3',
      },
    });
    assert.equal(cs.restartCount, 3);
    assert.equal(s.phase, 'Running');
    assert.equal(cs.ready, false);
  });

  it('succeeds a Never pod whose container completed, and keeps terminal phases', () => {
    const never: Pod = { ...pod, spec: { ...pod.spec!, restartPolicy: 'Never' } };
    const runtime: RuntimePodStatus = {
      sandboxes: [sandbox],
      containers: [
        rc({
          name: 'app',
          state: 'exited',
          exitCode: 0,
          reason: 'Completed',
          finishedAt: T0 + 1000,
        }),
      ],
    };
    const s = buildPodStatus({ pod: never, runtime, now: T0 + 2000 });
    assert.equal(s.phase, 'Succeeded');
    assert.deepEqual(
      s.conditions?.find((c) => c.type === 'Ready'),
      {
        type: 'Ready',
        status: 'False',
        reason: 'PodCompleted',
        lastTransitionTime: '2026-01-01T00:00:02Z',
      },
    );
    // The runtime forgot the container: the terminal phase stays.
    const again = buildPodStatus({
      pod: { ...never, status: s },
      runtime: { sandboxes: [], containers: [] },
      now: T0 + 3000,
    });
    assert.equal(again.phase, 'Succeeded');
    assert.equal(again.startTime, s.startTime);
  });

  it('fails a pod past its activeDeadlineSeconds', () => {
    const p: Pod = { ...pod, spec: { ...pod.spec!, activeDeadlineSeconds: 30 } };
    assert.equal(activeDeadlineExceeded(p, '2026-01-01T00:00:00Z', T0 + 29_000), undefined);
    const evict = activeDeadlineExceeded(p, '2026-01-01T00:00:00Z', T0 + 30_000);
    assert.deepEqual(evict, {
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than the specified deadline',
    });
    const s = buildPodStatus({
      pod: p,
      runtime: { sandboxes: [sandbox], containers: [rc({ name: 'app' })] },
      now: T0 + 30_000,
      evict,
    });
    assert.equal(s.phase, 'Failed');
    assert.equal(s.reason, 'DeadlineExceeded');
  });

  it('reports PodInitializing and the init container statuses in spec order', () => {
    const p: Pod = {
      metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
      spec: {
        initContainers: [
          { name: 'init-b', image: 'busybox' },
          { name: 'init-a', image: 'busybox' },
        ],
        containers: [{ name: 'app', image: 'busybox' }],
      },
    };
    const s = buildPodStatus({
      pod: p,
      runtime: {
        sandboxes: [sandbox],
        containers: [
          rc({ name: 'init-b', state: 'exited', exitCode: 0, reason: 'Completed', finishedAt: T0 }),
        ],
      },
      now: T0,
    });
    assert.deepEqual(
      s.initContainerStatuses?.map((c) => [c.name, c.ready]),
      [
        ['init-b', true],
        ['init-a', false],
      ],
    );
    assert.deepEqual(s.initContainerStatuses[1]!.state, { waiting: { reason: 'PodInitializing' } });
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'PodInitializing' } });
    assert.equal(s.phase, 'Pending');
    assert.deepEqual(
      s.conditions?.find((c) => c.type === 'Initialized')?.message,
      'containers with incomplete status: [init-a]',
    );
  });

  it('infers a lost running container as terminated with exit code 137', () => {
    const previous = buildPodStatus({
      pod,
      runtime: { sandboxes: [sandbox], containers: [rc({ name: 'app' })] },
      now: T0,
    });
    const s = buildPodStatus({
      pod,
      runtime: { sandboxes: [sandbox], containers: [] },
      previous,
      now: T0 + 1,
    });
    const cs = s.containerStatuses![0]!;
    assert.equal(cs.restartCount, 1);
    assert.equal(cs.lastState?.terminated?.exitCode, 137);
    assert.equal(cs.lastState.terminated.reason, 'ContainerStatusUnknown');
    assert.equal(s.phase, 'Running');
  });
});

describe('terminatedReason', () => {
  it('maps exit codes as the runtime does', () => {
    assert.equal(terminatedReason(0), 'Completed');
    assert.equal(terminatedReason(1), 'Error');
    assert.equal(terminatedReason(137, true), 'OOMKilled');
  });
});
