import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { containerHash } from './hash.ts';
import { computePodActions, nextRestartCount, podSandboxChanged } from './pod-actions.ts';
import type { PodActions } from './pod-actions.ts';
import type {
  ProbeResult,
  ProbeResultsView,
  ProbeType,
  RuntimeContainerStatus,
  RuntimePodStatus,
} from './types.ts';

// Cases ported from upstream's kuberuntime_manager_test.go TestComputePodActions and
// TestComputePodActionsWithRestartableInitContainers.

function basePod(): Pod {
  return {
    metadata: { name: 'foo', namespace: 'new', uid: '12345678' },
    spec: {
      containers: [
        { name: 'foo1', image: 'busybox' },
        { name: 'foo2', image: 'busybox' },
        { name: 'foo3', image: 'busybox' },
      ],
    },
  };
}

function running(c: Container, i: number): RuntimeContainerStatus {
  return {
    id: `runc://id${c.name}`,
    name: c.name,
    state: 'running',
    createdAt: 1000 + i,
    startedAt: 1000 + i,
    image: c.image ?? '',
    restartCount: 0,
    hash: containerHash(c),
  };
}

function baseStatus(pod: Pod, init = false): RuntimePodStatus {
  const list = init ? (pod.spec?.initContainers ?? []) : (pod.spec?.containers ?? []);
  return {
    sandboxes: [{ id: 'sandboxID', ready: true, attempt: 0, ip: '10.0.0.1' }],
    containers: list.map(running),
    ips: ['10.0.0.1'],
  };
}

function withContainers(
  s: RuntimePodStatus,
  f: (list: RuntimeContainerStatus[]) => RuntimeContainerStatus[],
): RuntimePodStatus {
  return { ...s, containers: f([...s.containers]) };
}

function exited(c: RuntimeContainerStatus, exitCode: number): RuntimeContainerStatus {
  return { ...c, state: 'exited', exitCode, finishedAt: c.createdAt + 10 };
}

function probes(map: Partial<Record<ProbeType, Record<string, ProbeResult>>>): ProbeResultsView {
  return { get: (t, id) => map[t]?.[id], hasWorker: () => false };
}

interface Want {
  killPod?: boolean;
  createSandbox?: boolean;
  sandboxID?: string;
  attempt?: number;
  initContainersToStart?: number[];
  containersToStart?: number[];
  containersToKill?: { containerID: string; name: string; message: string; reason: string }[];
}

function expectActions(got: PodActions, want: Want): void {
  const norm = {
    killPod: got.killPod,
    createSandbox: got.createSandbox,
    sandboxID: got.sandboxID,
    attempt: got.attempt,
    initContainersToStart: got.initContainersToStart,
    containersToStart: got.containersToStart,
    containersToKill: got.containersToKill.map((k) => ({
      containerID: k.containerID,
      name: k.name,
      message: k.message,
      reason: k.reason,
    })),
  };
  const full = {
    killPod: false,
    createSandbox: false,
    sandboxID: 'sandboxID',
    attempt: 0,
    initContainersToStart: [],
    containersToStart: [],
    containersToKill: [],
    ...want,
  };
  assert.deepEqual(norm, full);
}

describe('computePodActions', () => {
  it('creates the sandbox and starts all containers', () => {
    const pod = basePod();
    expectActions(computePodActions(pod, { sandboxes: [], containers: [] }), {
      killPod: true,
      createSandbox: true,
      sandboxID: '',
      containersToStart: [0, 1, 2],
    });
  });

  it('keeps running containers', () => {
    const pod = basePod();
    expectActions(computePodActions(pod, baseStatus(pod)), {});
  });

  it('restarts exited containers if RestartPolicy == Always', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Always';
    const s = withContainers(baseStatus(pod), (l) => [exited(l[0]!, 0), exited(l[1]!, 0), l[2]!]);
    expectActions(computePodActions(pod, s), { containersToStart: [0, 1] });
  });

  it('restarts failed containers if RestartPolicy == OnFailure', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'OnFailure';
    const s = withContainers(baseStatus(pod), (l) => [exited(l[0]!, 0), exited(l[1]!, 111), l[2]!]);
    expectActions(computePodActions(pod, s), { containersToStart: [1] });
  });

  it("doesn't restart containers if RestartPolicy == Never", () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Never';
    const s = withContainers(baseStatus(pod), (l) => [exited(l[0]!, 0), exited(l[1]!, 111), l[2]!]);
    expectActions(computePodActions(pod, s), {});
  });

  it('kills the pod when every container exited and none restarts', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Never';
    const s = withContainers(baseStatus(pod), (l) => l.map((c) => exited(c, 0)));
    expectActions(computePodActions(pod, s), { killPod: true });
  });

  it('kills the pod and recreates everything if the sandbox is dead (Always)', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Always';
    const s = { ...baseStatus(pod), sandboxes: [{ id: 'sandboxID', ready: false, attempt: 0 }] };
    expectActions(computePodActions(pod, s), {
      killPod: true,
      createSandbox: true,
      attempt: 1,
      containersToStart: [0, 1, 2],
    });
  });

  it('recreates all but the succeeded containers if the sandbox is dead (OnFailure)', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'OnFailure';
    const s = withContainers(
      { ...baseStatus(pod), sandboxes: [{ id: 'sandboxID', ready: false, attempt: 0 }] },
      (l) => [l[0]!, exited(l[1]!, 0), l[2]!],
    );
    expectActions(computePodActions(pod, s), {
      killPod: true,
      createSandbox: true,
      attempt: 1,
      containersToStart: [0, 2],
    });
  });

  it('recreates the sandbox if it has no IP', () => {
    const pod = basePod();
    const s = {
      ...baseStatus(pod),
      sandboxes: [{ id: 'sandboxID', ready: true, attempt: 0, ip: '' }],
    };
    expectActions(computePodActions(pod, s), {
      killPod: true,
      createSandbox: true,
      attempt: 1,
      containersToStart: [0, 1, 2],
    });
  });

  it('kills and recreates a container whose spec changed', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Always';
    const s = withContainers(baseStatus(pod), (l) => [l[0]!, { ...l[1]!, hash: '5678' }, l[2]!]);
    expectActions(computePodActions(pod, s), {
      containersToStart: [1],
      containersToKill: [
        {
          containerID: 'runc://idfoo2',
          name: 'foo2',
          message: 'Container foo2 definition changed, will be restarted',
          reason: '',
        },
      ],
    });
  });

  it('kills and recreates a container that failed its liveness probe', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Always';
    const got = computePodActions(
      pod,
      baseStatus(pod),
      probes({ liveness: { 'runc://idfoo2': 'failure' } }),
    );
    expectActions(got, {
      containersToStart: [1],
      containersToKill: [
        {
          containerID: 'runc://idfoo2',
          name: 'foo2',
          message: 'Container foo2 failed liveness probe, will be restarted',
          reason: 'LivenessProbe',
        },
      ],
    });
  });

  it('kills a container that failed its startup probe without restart under Never', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Never';
    const got = computePodActions(
      pod,
      baseStatus(pod),
      probes({ startup: { 'runc://idfoo2': 'failure' } }),
    );
    expectActions(got, {
      containersToKill: [
        {
          containerID: 'runc://idfoo2',
          name: 'foo2',
          message: 'Container foo2 failed startup probe',
          reason: 'StartupProbe',
        },
      ],
    });
  });

  it('does not create a sandbox for a Never pod whose containers all exited', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Never';
    const s = withContainers(
      { ...baseStatus(pod), sandboxes: [{ id: 'sandboxID', ready: false, attempt: 0 }] },
      (l) => l.map((c) => exited(c, 0)),
    );
    expectActions(computePodActions(pod, s), { killPod: true, attempt: 1 });
  });

  it('creates a sandbox for a Never pod whose containers never ran', () => {
    const pod = basePod();
    pod.spec!.restartPolicy = 'Never';
    const s = {
      ...baseStatus(pod),
      sandboxes: [{ id: 'sandboxID', ready: false, attempt: 0 }],
      containers: [],
    };
    expectActions(computePodActions(pod, s), {
      killPod: true,
      createSandbox: true,
      attempt: 1,
      containersToStart: [0, 1, 2],
    });
  });

  it('kills and recreates a container in unknown state', () => {
    const pod = basePod();
    const s = withContainers(baseStatus(pod), (l) => [
      l[0]!,
      { ...l[1]!, state: 'unknown' },
      l[2]!,
    ]);
    expectActions(computePodActions(pod, s), {
      containersToStart: [1],
      containersToKill: [
        {
          containerID: 'runc://idfoo2',
          name: 'foo2',
          message: 'Container is in "unknown" state, try killing it before restart',
          reason: 'Unknown',
        },
      ],
    });
  });

  it('starts nothing new for a deleted pod', () => {
    const pod: Pod = {
      ...basePod(),
      metadata: { ...basePod().metadata, deletionTimestamp: '2026-01-01T00:00:00Z' },
    };
    const s = withContainers(baseStatus(pod), (l) => [exited(l[0]!, 1), l[1]!, l[2]!]);
    expectActions(computePodActions(pod, s), {});
  });
});

describe('computePodActions with init containers', () => {
  function initPod(restartPolicy: 'Always' | 'OnFailure' | 'Never'): Pod {
    const p = basePod();
    p.spec!.restartPolicy = restartPolicy;
    p.spec!.initContainers = [
      { name: 'init1', image: 'busybox' },
      { name: 'init2', image: 'busybox' },
    ];
    return p;
  }
  it('starts the first init container', () => {
    const pod = initPod('Always');
    expectActions(computePodActions(pod, { ...baseStatus(pod), containers: [] }), {
      initContainersToStart: [0],
    });
  });
  it('starts the next init container after one completed', () => {
    const pod = initPod('Always');
    const s = {
      ...baseStatus(pod, true),
      containers: [exited(running(pod.spec!.initContainers![0]!, 0), 0)],
    };
    expectActions(computePodActions(pod, s), { initContainersToStart: [1] });
  });
  it('waits for a running init container', () => {
    const pod = initPod('Always');
    const s = baseStatus(pod, true);
    expectActions(computePodActions(pod, { ...s, containers: [s.containers[0]!] }), {});
  });
  it('restarts a failed init container unless RestartPolicy == Never', () => {
    const pod = initPod('OnFailure');
    const s = {
      ...baseStatus(pod, true),
      containers: [exited(running(pod.spec!.initContainers![0]!, 0), 1)],
    };
    expectActions(computePodActions(pod, s), { initContainersToStart: [0] });
    const never = initPod('Never');
    expectActions(computePodActions(never, s), { killPod: true });
  });
  it('starts the regular containers after the last init container completed', () => {
    const pod = initPod('Always');
    const s = {
      ...baseStatus(pod, true),
      containers: baseStatus(pod, true).containers.map((c) => exited(c, 0)),
    };
    expectActions(computePodActions(pod, s), { containersToStart: [0, 1, 2] });
  });
  it('treats an OOMKilled init container as failed', () => {
    const pod = initPod('Never');
    const c = { ...exited(running(pod.spec!.initContainers![0]!, 0), 0), reason: 'OOMKilled' };
    expectActions(computePodActions(pod, { ...baseStatus(pod, true), containers: [c] }), {
      killPod: true,
    });
  });
});

describe('computePodActions with sidecars (restartable init containers)', () => {
  const always = 'Always' as const;
  function sidecarPod(restartPolicy: 'Always' | 'OnFailure' | 'Never'): Pod {
    const p = basePod();
    p.spec!.restartPolicy = restartPolicy;
    p.spec!.initContainers = [
      { name: 'restartable-init-1', image: 'busybox', restartPolicy: always },
      {
        name: 'restartable-init-2',
        image: 'busybox',
        restartPolicy: always,
        startupProbe: { exec: { command: ['true'] } },
        livenessProbe: { exec: { command: ['true'] } },
      },
      { name: 'restartable-init-3', image: 'busybox', restartPolicy: always },
    ];
    return p;
  }
  const inits = (pod: Pod) => pod.spec!.initContainers!;
  const allRunning = (pod: Pod): RuntimePodStatus => ({
    ...baseStatus(pod),
    containers: [...inits(pod).map(running), ...baseStatus(pod).containers],
  });

  it('initialization completed; keeps everything running', () => {
    const pod = sidecarPod('Always');
    const got = computePodActions(
      pod,
      allRunning(pod),
      probes({
        startup: { 'runc://idrestartable-init-2': 'success' },
        liveness: { 'runc://idrestartable-init-2': 'success' },
      }),
    );
    expectActions(got, {});
  });

  it('startupProbe has not been run; does nothing', () => {
    const pod = sidecarPod('Always');
    const s = { ...baseStatus(pod), containers: inits(pod).slice(0, 2).map(running) };
    expectActions(computePodActions(pod, s), {});
  });

  it('startupProbe passed; starts the next init container', () => {
    const pod = sidecarPod('Always');
    const s = { ...baseStatus(pod), containers: inits(pod).slice(0, 2).map(running) };
    const got = computePodActions(
      pod,
      s,
      probes({ startup: { 'runc://idrestartable-init-2': 'success' } }),
    );
    expectActions(got, { initContainersToStart: [2] });
  });

  it('kills and recreates the sidecar that failed its startup probe', () => {
    const pod = sidecarPod('Always');
    const s = { ...baseStatus(pod), containers: inits(pod).slice(0, 2).map(running) };
    const got = computePodActions(
      pod,
      s,
      probes({ startup: { 'runc://idrestartable-init-2': 'failure' } }),
    );
    expectActions(got, {
      initContainersToStart: [1],
      containersToKill: [
        {
          containerID: 'runc://idrestartable-init-2',
          name: 'restartable-init-2',
          message: 'Init container restartable-init-2 failed startup probe',
          reason: 'StartupProbe',
        },
      ],
    });
  });

  it('kills and recreates the sidecar that failed its liveness probe', () => {
    const pod = sidecarPod('Always');
    const got = computePodActions(
      pod,
      allRunning(pod),
      probes({
        startup: { 'runc://idrestartable-init-2': 'success' },
        liveness: { 'runc://idrestartable-init-2': 'failure' },
      }),
    );
    expectActions(got, {
      initContainersToStart: [1],
      containersToKill: [
        {
          containerID: 'runc://idrestartable-init-2',
          name: 'restartable-init-2',
          message: 'Init container restartable-init-2 failed liveness probe',
          reason: 'LivenessProbe',
        },
      ],
    });
  });

  it('restarts a terminated sidecar even if RestartPolicy == Never while regular containers run', () => {
    const pod = sidecarPod('Never');
    const s = allRunning(pod);
    const got = computePodActions(
      pod,
      withContainers(s, (l) => [l[0]!, l[1]!, exited(l[2]!, 1), ...l.slice(3)]),
      probes({
        startup: { 'runc://idrestartable-init-2': 'success' },
        liveness: { 'runc://idrestartable-init-2': 'success' },
      }),
    );
    expectActions(got, { initContainersToStart: [2] });
  });

  it('kills the pod (not restarting sidecars) once all regular containers succeeded under Never', () => {
    const pod = sidecarPod('Never');
    const s = allRunning(pod);
    const got = computePodActions(
      pod,
      withContainers(s, (l) => [...l.slice(0, 3), ...l.slice(3).map((c) => exited(c, 0))]),
      probes({
        startup: { 'runc://idrestartable-init-2': 'success' },
        liveness: { 'runc://idrestartable-init-2': 'success' },
      }),
    );
    expectActions(got, { killPod: true });
  });

  it('restarts missing sidecars when the regular containers are already running', () => {
    const pod = sidecarPod('Always');
    const s = {
      ...baseStatus(pod),
      containers: [running(inits(pod)[2]!, 9), ...baseStatus(pod).containers],
    };
    expectActions(computePodActions(pod, s), { initContainersToStart: [0, 1] });
  });
});

describe('podSandboxChanged', () => {
  it('needs a new sandbox when two are ready or the network mode changed', () => {
    const pod = basePod();
    assert.deepEqual(
      podSandboxChanged(pod, {
        sandboxes: [
          { id: 'a', ready: true, attempt: 2 },
          { id: 'b', ready: true, attempt: 1 },
        ],
        containers: [],
      }),
      { changed: true, attempt: 3, sandboxID: 'a' },
    );
    pod.spec!.hostNetwork = true;
    assert.deepEqual(
      podSandboxChanged(pod, { sandboxes: [{ id: 'a', ready: true, attempt: 0 }], containers: [] }),
      { changed: true, attempt: 1, sandboxID: '' },
    );
  });
});

describe('nextRestartCount', () => {
  it('counts from the newest instance', () => {
    const pod = basePod();
    const s = withContainers(baseStatus(pod), (l) => [
      { ...exited(l[0]!, 1), restartCount: 4, createdAt: 5000 },
      { ...exited(l[0]!, 1), restartCount: 3, createdAt: 4000 },
    ]);
    assert.equal(nextRestartCount(s, 'foo1'), 5);
    assert.equal(nextRestartCount(s, 'foo2'), 0);
  });
});
