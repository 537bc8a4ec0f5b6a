import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, PodStatus } from 'kubernetes-types/core/v1.js';
import { newFakeClock, settle } from '../../client/index.ts';
import type { ContainerState } from '../runtime/index.ts';
import {
  buildNodeStatus,
  nodeConditions,
  nodeImages,
  osImageFromOsRelease,
  reconcileExistingNode,
} from './node-status.ts';
import type { NodeStatusInput } from './node-status.ts';
import { PodWorkers } from './pod-workers.ts';
import { PreflightError, preflight } from './preflight.ts';
import type { HostFacts } from './preflight.ts';
import { Label, deadContainersToRemove, runtimePodStatus } from './runtime-status.ts';
import { podStatusChanged, podStatusPatch } from './status-manager.ts';
import { nodeLease, renewedLease } from '../simulated/index.ts';

const T0 = Date.UTC(2026, 0, 1);

function input(over: Partial<NodeStatusInput> = {}): NodeStatusInput {
  return {
    nodeName: 'n1',
    internalIPs: ['10.0.0.5'],
    hostname: 'n1',
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    allocatable: { cpu: '2', memory: '3996Mi', pods: '110' },
    info: {
      machineID: 'm',
      systemUUID: 'u',
      bootID: 'b',
      kernelVersion: '6.1.0-18-amd64',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'runc://1.1.5',
      kubeletVersion: 'v1.32.0-skiff',
      architecture: 'amd64',
    },
    kubeletPort: 10250,
    nowMs: T0,
    ...over,
  };
}

describe('node status', () => {
  it('builds upstream conditions in order with reasons and messages', () => {
    const c = nodeConditions({ nowMs: T0 });
    assert.deepEqual(
      c.map((x) => [x.type, x.status, x.reason, x.message]),
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
    const p = nodeConditions({
      nowMs: T0,
      pressure: { memoryPressure: true, diskPressure: true, pidPressure: true },
      notReadyReason: 'container runtime is down',
    });
    assert.deepEqual(
      p.map((x) => [x.type, x.status, x.reason, x.message]),
      [
        [
          'MemoryPressure',
          'True',
          'KubeletHasInsufficientMemory',
          'kubelet has insufficient memory available',
        ],
        ['DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure'],
        [
          'PIDPressure',
          'True',
          'KubeletHasInsufficientPID',
          'kubelet has insufficient PID available',
        ],
        ['Ready', 'False', 'KubeletNotReady', 'container runtime is down'],
      ],
    );
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const first = nodeConditions({ nowMs: T0 });
    const later = nodeConditions({ nowMs: T0 + 60_000, pressure: { diskPressure: true } }, first);
    const byType = new Map(later.map((c) => [c.type, c]));
    assert.equal(byType.get('Ready')?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(byType.get('Ready')?.lastHeartbeatTime, '2026-01-01T00:01:00Z');
    assert.equal(byType.get('DiskPressure')?.lastTransitionTime, '2026-01-01T00:01:00Z');
  });

  it('reports addresses, the endpoint, nodeInfo and at most 50 images, largest first', () => {
    const images = Array.from({ length: 60 }, (_, i) => ({ names: [`img${i}`], sizeBytes: i }));
    const s = buildNodeStatus(input({ images }));
    assert.deepEqual(s.addresses, [
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'Hostname', address: 'n1' },
    ]);
    assert.equal(s.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
    assert.equal(s.nodeInfo?.osImage, 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(s.nodeInfo.kubeProxyVersion, '');
    assert.equal(s.nodeInfo.operatingSystem, 'linux');
    assert.equal(s.images?.length, 50);
    assert.deepEqual(s.images[0], { names: ['img59'], sizeBytes: 59 });
    assert.deepEqual(nodeImages([{ names: [], sizeBytes: 5 }]), []);
  });

  it('reads PRETTY_NAME from os-release', () => {
    assert.equal(
      osImageFromOsRelease(
        'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      ),
      'Debian GNU/Linux 12 (bookworm)',
    );
    assert.equal(osImageFromOsRelease("PRETTY_NAME='Ubuntu 24.04 LTS'"), 'Ubuntu 24.04 LTS');
    assert.equal(osImageFromOsRelease('ID=alpine'), 'Linux');
  });

  it('reconciles an existing Node: labels and taints added, podCIDR filled once', () => {
    const existing: Node = {
      metadata: { name: 'n1', labels: { a: 'b' } },
      spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] },
    };
    const reg = {
      labels: { 'kubernetes.io/hostname': 'n1' },
      taints: [
        { key: 'x', effect: 'NoSchedule' },
        { key: 'y', effect: 'NoExecute' },
      ],
      podCIDR: '10.244.0.0/24',
    };
    const next = reconcileExistingNode(existing, reg);
    assert.deepEqual(next?.metadata?.labels, { a: 'b', 'kubernetes.io/hostname': 'n1' });
    assert.deepEqual(
      next.spec?.taints?.map((t) => t.key),
      ['x', 'y'],
    );
    assert.equal(next.spec.podCIDR, '10.244.0.0/24');
    assert.equal(reconcileExistingNode(next, reg), undefined, 'nothing left to change');
  });

  it('builds and renews the node Lease', () => {
    const lease = nodeLease('n1', 'uid-1', T0);
    assert.equal(lease.metadata?.namespace, 'kube-node-lease');
    assert.equal(lease.spec?.renewTime, '2026-01-01T00:00:00.000000Z');
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.equal(lease.metadata.ownerReferences?.[0]?.kind, 'Node');
    const unowned = nodeLease('n1', undefined, T0);
    assert.equal(unowned.metadata?.ownerReferences, undefined);
    const renewed = renewedLease(unowned, 'n1', 'uid-1', T0 + 10_000);
    assert.equal(renewed.spec?.renewTime, '2026-01-01T00:00:10.000000Z');
    assert.equal(renewed.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
  });
});

describe('status manager diffing', () => {
  const base: PodStatus = {
    phase: 'Running',
    podIP: '10.88.0.2',
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'example.com/gate', status: 'False' },
    ],
    containerStatuses: [],
  };

  it('ignores conditions the kubelet does not own and key order', () => {
    const other: PodStatus = {
      containerStatuses: [],
      conditions: [{ status: 'True', type: 'Ready' }],
      podIP: '10.88.0.2',
      phase: 'Running',
    };
    assert.equal(podStatusChanged(base, other), false);
    assert.equal(podStatusChanged(base, { ...other, phase: 'Succeeded' }), true);
    assert.equal(podStatusChanged(undefined, other), true);
  });

  it('nulls dropped fields and condition reasons in the patch', () => {
    const patch = podStatusPatch(
      { ...base, reason: 'X', message: 'y' },
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
      },
    );
    assert.equal(patch['reason'], null);
    assert.equal(patch['message'], null);
    assert.equal(patch['podIP'], null);
    assert.equal(patch['containerStatuses'], null);
    assert.deepEqual(patch['conditions'], [
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: null },
    ]);
    assert.equal('hostIP' in patch, false);
  });
});

describe('pod workers', () => {
  it('runs one sync per key at a time and coalesces updates into one more sync', async () => {
    const clock = newFakeClock(T0);
    const seen: string[] = [];
    let release: (() => void) | undefined;
    let active = 0;
    let maxActive = 0;
    const workers = new PodWorkers({
      clock,
      sync: async (key) => {
        active++;
        maxActive = Math.max(maxActive, active);
        seen.push(key);
        if (seen.length === 1) {
          await new Promise<void>((r) => {
            release = r;
          });
        }
        active--;
        return null;
      },
    });
    workers.enqueue('a');
    await settle();
    assert.equal(workers.isSyncing('a'), true);
    for (let i = 0; i < 5; i++) workers.enqueue('a');
    assert.ok(release);
    release();
    await workers.drain();
    assert.deepEqual(seen, ['a', 'a'], 'five updates while syncing make one more sync');
    assert.equal(maxActive, 1);
  });

  it('resyncs after the returned delay, the default period, or backs off on error', async () => {
    const clock = newFakeClock(T0);
    const times: number[] = [];
    let fail = true;
    const workers = new PodWorkers({
      clock,
      resyncMs: 10_000,
      sync: () => {
        times.push(clock.now() - T0);
        if (fail) {
          fail = false;
          return Promise.reject(new Error('boom'));
        }
        return Promise.resolve(times.length === 2 ? 3_000 : undefined);
      },
    });
    workers.enqueue('a');
    await clock.advance(1_000); // error back-off: 1 s
    await clock.advance(3_000); // the sync asked for 3 s
    await clock.advance(10_000); // default resync
    assert.deepEqual(times, [0, 1_000, 4_000, 14_000]);
    workers.forget('a');
    await clock.advance(60_000);
    assert.equal(times.length, 4, 'a forgotten key is not resynced');
    await workers.stop();
  });

  it('keeps the earlier of two scheduled syncs', async () => {
    const clock = newFakeClock(T0);
    const times: number[] = [];
    const workers = new PodWorkers({
      clock,
      sync: () => {
        times.push(clock.now() - T0);
        return Promise.resolve(null);
      },
    });
    workers.enqueueAfter('a', 5_000);
    workers.enqueueAfter('a', 2_000);
    workers.enqueueAfter('a', 8_000);
    await clock.advance(10_000);
    assert.deepEqual(times, [2_000]);
    await workers.stop();
  });
});

describe('preflight', () => {
  const ok: HostFacts = {
    uid: 0,
    runcPath: '/usr/sbin/runc',
    conmonPath: '/usr/bin/conmon',
    cgroupMode: 'hybrid',
    cniBinDir: '/usr/lib/cni',
    cniPluginsMissing: [],
    overlayfs: true,
    commandsMissing: [],
  };

  it('passes on a ready host', () => {
    assert.deepEqual(preflight(ok), []);
  });

  it('gives the exact reason and fix for each problem', () => {
    assert.deepEqual(
      preflight({ ...ok, uid: 1000 }).map((p) => p.message),
      [
        'running real containers needs root (this process runs as uid 1000): run it as root, e.g. with `sudo`',
      ],
    );
    const problems = preflight({
      ...ok,
      runcPath: undefined,
      conmonPath: undefined,
      cgroupMode: 'none',
      cniPluginsMissing: ['bridge', 'host-local'],
      overlayfs: false,
      commandsMissing: ['ip'],
    });
    assert.deepEqual(
      problems.map((p) => p.check),
      ['runc', 'conmon', 'cgroups', 'cni', 'overlayfs', 'command:ip'],
    );
    assert.equal(
      problems[0]?.message,
      'runc not found on PATH: install it with `apt-get install runc`',
    );
    assert.equal(
      problems[1]?.message,
      'conmon (which keeps each container and its log running across kubelet restarts) not found on PATH: install it with `apt-get install conmon`',
    );
    assert.equal(
      problems[3]?.message,
      'CNI plugins missing from /usr/lib/cni (bridge, host-local): install them with `apt-get install containernetworking-plugins`',
    );
    assert.equal(
      problems[5]?.message,
      'ip not found on PATH: install it with `apt-get install iproute2`',
    );
    assert.match(
      new PreflightError(problems).message,
      /^this machine cannot run containers:\n {2}- runc/,
    );
  });
});

describe('runtime status from labels', () => {
  const c = (
    id: string,
    name: string,
    restart: number,
    at: number,
    status: ContainerState['status'],
    exitCode?: number,
  ): ContainerState => ({
    id,
    status,
    bundleDir: '/b',
    createdAt: new Date(at),
    ...(status === 'stopped' ? { finishedAt: new Date(at + 1), exitCode } : {}),
    oomKilled: false,
    labels: {
      [Label.podUid]: 'u1',
      [Label.containerName]: name,
      [Label.restartCount]: String(restart),
      [Label.image]: 'busybox',
    },
  });

  it('maps containers newest first with runc:// ids and exit reasons', () => {
    const all = [
      c('a', 'app', 0, T0, 'stopped', 1),
      c('b', 'app', 1, T0, 'running'),
      { ...c('x', 'app', 0, T0, 'running'), labels: { [Label.podUid]: 'other' } },
    ];
    const s = runtimePodStatus('u1', all, undefined, 'runc');
    assert.deepEqual(
      s.containers.map((x) => [x.id, x.state, x.restartCount, x.reason]),
      [
        ['runc://b', 'running', 1, undefined],
        ['runc://a', 'exited', 0, 'Error'],
      ],
    );
    assert.deepEqual(s.sandboxes, []);
  });

  it('removes dead instances beyond the newest two of each container', () => {
    const all = [
      c('a', 'app', 0, T0, 'stopped', 1),
      c('b', 'app', 1, T0 + 1, 'stopped', 1),
      c('d', 'app', 2, T0 + 2, 'running'),
      c('e', 'side', 0, T0, 'stopped', 0),
    ];
    assert.deepEqual(deadContainersToRemove('u1', all), ['a']);
  });
});
