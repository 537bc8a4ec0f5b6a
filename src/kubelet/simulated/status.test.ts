import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  canonicalResources,
  formatMicroTime,
  imageID,
  nodeStatus,
  normalizeImage,
  podStatus,
  podStatusMatches,
} from './status.ts';
import type { ResolvedNode, SimulatedPodPhase } from './status.ts';

const T0 = Date.parse('2025-03-01T10:00:00Z');

describe('normalizeImage / imageID (containerd references)', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10'],
    ['localhost/app', 'localhost/app:latest'],
    ['myhost:5000/team/app', 'myhost:5000/team/app:latest'],
    ['busybox@sha256:abcd', 'docker.io/library/busybox@sha256:abcd'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => {
      assert.equal(normalizeImage(input), want);
    });
  }
  it('image IDs name the repository and a sha256 digest', () => {
    assert.match(imageID('nginx:1.27'), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.equal(imageID('busybox@sha256:abcd'), 'docker.io/library/busybox@sha256:abcd');
    assert.equal(imageID('nginx'), imageID('docker.io/library/nginx:latest'));
  });
});

describe('MicroTime and quantities', () => {
  it('formats renewTime with microseconds', () => {
    assert.equal(formatMicroTime(T0 + 123), '2025-03-01T10:00:00.123000Z');
  });
  it('canonicalises quantities', () => {
    assert.deepEqual(canonicalResources({ cpu: '32000m', memory: '1024Mi' }), {
      cpu: '32',
      memory: '1Gi',
    });
  });
});

const node: ResolvedNode = {
  name: 'n1',
  labels: {},
  taints: [],
  capacity: { cpu: '32' },
  allocatable: { cpu: '32' },
  internalIP: '10.0.0.1',
  podCIDR: '10.244.0.0/24',
};

describe('nodeStatus', () => {
  it('posts kubelet conditions with kubelet reasons and messages', () => {
    const s = nodeStatus(node, T0, 'boot');
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        [
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ],
        ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
        ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
        ['Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'],
      ],
    );
    assert.deepEqual(s.addresses, [
      { type: 'InternalIP', address: '10.0.0.1' },
      { type: 'Hostname', address: 'n1' },
    ]);
    assert.equal(s.nodeInfo?.kubeletVersion, 'v1.32.0-skiff-sim');
    assert.equal(s.nodeInfo.containerRuntimeVersion, 'simulated://1');
    assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  });
  it('keeps lastTransitionTime unless the status flips', () => {
    const first = nodeStatus(node, T0, 'boot');
    const unknown = {
      ...first,
      conditions: first.conditions?.map((c) =>
        c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c,
      ),
    };
    const later = nodeStatus(node, T0 + 60_000, 'boot', unknown);
    const at = (type: string): [string | undefined, string | undefined] => {
      const c = later.conditions?.find((x) => x.type === type);
      return [c?.lastHeartbeatTime, c?.lastTransitionTime];
    };
    assert.deepEqual(at('MemoryPressure'), ['2025-03-01T10:01:00Z', '2025-03-01T10:00:00Z']);
    assert.deepEqual(at('Ready'), ['2025-03-01T10:01:00Z', '2025-03-01T10:01:00Z']);
  });
});

function pod(extra: Partial<Pod['spec']> = {}, status?: Pod['status']): Pod {
  return {
    metadata: { name: 'p', namespace: 'default', uid: 'u1' },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx' }], ...extra },
    ...(status === undefined ? {} : { status }),
  };
}

type CondRow = [string, string, string | undefined, string | undefined];
const conds = (p: Pod, phase: SimulatedPodPhase, ip?: string): CondRow[] =>
  (podStatus({ pod: p, phase, nowMs: T0, hostIP: '10.0.0.1', podIP: ip }).conditions ?? []).map(
    (c) => [c.type, c.status, c.reason, c.message],
  );

describe('podStatus conditions (pkg/kubelet/status/generate.go)', () => {
  const cases: { name: string; pod: Pod; phase: SimulatedPodPhase; want: CondRow[] }[] = [
    {
      name: 'running',
      pod: pod(),
      phase: 'Running',
      want: [
        ['PodReadyToStartContainers', 'True', undefined, undefined],
        ['Initialized', 'True', undefined, undefined],
        ['Ready', 'True', undefined, undefined],
        ['ContainersReady', 'True', undefined, undefined],
        ['PodScheduled', 'True', undefined, undefined],
      ],
    },
    {
      name: 'pending with init containers',
      pod: pod({ initContainers: [{ name: 'i1' }, { name: 'i2' }] }),
      phase: 'Pending',
      want: [
        ['PodReadyToStartContainers', 'False', undefined, undefined],
        [
          'Initialized',
          'False',
          'ContainersNotInitialized',
          'containers with incomplete status: [i1 i2]',
        ],
        ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [app]'],
        ['ContainersReady', 'False', 'ContainersNotReady', 'containers with unready status: [app]'],
        ['PodScheduled', 'True', undefined, undefined],
      ],
    },
    {
      name: 'succeeded',
      pod: pod(),
      phase: 'Succeeded',
      want: [
        ['PodReadyToStartContainers', 'False', undefined, undefined],
        ['Initialized', 'True', 'PodCompleted', undefined],
        ['Ready', 'False', 'PodCompleted', undefined],
        ['ContainersReady', 'False', 'PodCompleted', undefined],
        ['PodScheduled', 'True', undefined, undefined],
      ],
    },
    {
      name: 'failed',
      pod: pod(),
      phase: 'Failed',
      want: [
        ['PodReadyToStartContainers', 'False', undefined, undefined],
        ['Initialized', 'True', undefined, undefined],
        ['Ready', 'False', 'PodFailed', undefined],
        ['ContainersReady', 'False', 'PodFailed', undefined],
        ['PodScheduled', 'True', undefined, undefined],
      ],
    },
    {
      name: 'running with unmet readiness gates',
      pod: pod(
        { readinessGates: [{ conditionType: 'www.example.com/a' }, { conditionType: 'b' }] },
        { conditions: [{ type: 'b', status: 'False' }] },
      ),
      phase: 'Running',
      want: [
        ['PodReadyToStartContainers', 'True', undefined, undefined],
        ['Initialized', 'True', undefined, undefined],
        [
          'Ready',
          'False',
          'ReadinessGatesNotReady',
          'corresponding condition of pod readiness gate "www.example.com/a" does not exist., the status of pod readiness gate "b" is not "True", but False',
        ],
        ['ContainersReady', 'True', undefined, undefined],
        ['PodScheduled', 'True', undefined, undefined],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(conds(c.pod, c.phase, '10.244.0.2'), c.want);
    });
  }
});

describe('podStatus containers', () => {
  it('running: containers started and ready, init containers completed, sidecars running', () => {
    const p = pod({
      initContainers: [
        { name: 'init', image: 'busybox' },
        { name: 'sidecar', image: 'envoy', restartPolicy: 'Always' },
      ],
    });
    const s = podStatus({
      pod: p,
      phase: 'Running',
      nowMs: T0,
      hostIP: '10.0.0.1',
      podIP: '10.244.0.2',
    });
    assert.equal(s.phase, 'Running');
    assert.equal(s.podIP, '10.244.0.2');
    assert.deepEqual(s.podIPs, [{ ip: '10.244.0.2' }]);
    assert.deepEqual(s.hostIPs, [{ ip: '10.0.0.1' }]);
    assert.equal(s.startTime, '2025-03-01T10:00:00Z');
    const app = s.containerStatuses?.[0];
    assert.equal(app?.ready, true);
    assert.equal(app.started, true);
    assert.equal(app.restartCount, 0);
    assert.equal(app.image, 'docker.io/library/nginx:latest');
    assert.match(app.containerID ?? '', /^simulated:\/\/[0-9a-f]{64}$/);
    assert.deepEqual(app.state, { running: { startedAt: '2025-03-01T10:00:00Z' } });
    const [init, sidecar] = s.initContainerStatuses ?? [];
    assert.equal(init?.state?.terminated?.reason, 'Completed');
    assert.equal(init.state.terminated.exitCode, 0);
    assert.equal(sidecar?.state?.running?.startedAt, '2025-03-01T10:00:00Z');
    assert.equal(sidecar.ready, true);
  });
  it('pending: ContainerCreating, no pod IP', () => {
    const s = podStatus({
      pod: pod(),
      phase: 'Pending',
      nowMs: T0,
      hostIP: '10.0.0.1',
      podIP: undefined,
    });
    assert.equal(s.podIP, undefined);
    assert.deepEqual(s.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(s.containerStatuses[0].imageID, '');
  });
  it('succeeded: terminated Completed with the start time kept and the IP kept', () => {
    const running = podStatus({
      pod: pod(),
      phase: 'Running',
      nowMs: T0,
      hostIP: '10.0.0.1',
      podIP: '10.244.0.9',
    });
    const s = podStatus({
      pod: pod({}, running),
      phase: 'Succeeded',
      nowMs: T0 + 5000,
      hostIP: '10.0.0.1',
      podIP: undefined,
    });
    assert.deepEqual(s.containerStatuses?.[0]?.state?.terminated, {
      exitCode: 0,
      reason: 'Completed',
      startedAt: '2025-03-01T10:00:00Z',
      finishedAt: '2025-03-01T10:00:05Z',
      containerID: running.containerStatuses?.[0]?.containerID,
    });
    assert.equal(s.containerStatuses[0].ready, false);
    assert.equal(s.podIP, '10.244.0.9');
    assert.equal(s.startTime, '2025-03-01T10:00:00Z');
  });
  it('is idempotent: a status built from its own output matches it', () => {
    const first = podStatus({
      pod: pod(),
      phase: 'Running',
      nowMs: T0,
      hostIP: '10.0.0.1',
      podIP: '10.244.0.2',
    });
    // What the API returns: nulls for empty times, other writers' conditions appended.
    const stored = {
      ...first,
      qosClass: 'BestEffort',
      conditions: [
        ...(first.conditions ?? []).map((c) => ({
          ...c,
          lastProbeTime: null as unknown as string,
        })),
        { type: 'DisruptionTarget', status: 'False' },
      ],
    };
    const again = podStatus({
      pod: pod({}, stored),
      phase: 'Running',
      nowMs: T0 + 9000,
      hostIP: '10.0.0.1',
      podIP: '10.244.0.2',
    });
    assert.equal(podStatusMatches(stored, again), true);
    const done = podStatus({
      pod: pod({}, stored),
      phase: 'Succeeded',
      nowMs: T0 + 9000,
      hostIP: '10.0.0.1',
      podIP: '10.244.0.2',
    });
    assert.equal(podStatusMatches(stored, done), false);
  });
});
