import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { BUILTIN_RESOURCES, newFakeClock, realClock, settle } from '../../client/index.ts';
import type { EventRecorder, FakeClock, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { SimulatedRuntime } from '../runtime/index.ts';
import type { SimulatedProgram } from '../runtime/index.ts';
import { ContainerConfigError } from './environment.ts';
import { FakeImageService, FakePodEnvironment } from './fakes.ts';
import { Kubelet } from './kubelet.ts';
import type { KubeletOptions } from './kubelet.ts';
import type { NodePressure } from './node-status.ts';
import { Label } from './runtime-status.ts';

interface Recorded {
  reason: string;
  type: string;
  message: string;
  name: string;
}

const START = Date.UTC(2026, 0, 1);

function setup(
  opts: {
    program?: (name: string) => SimulatedProgram;
    images?: string[];
    pressure?: () => NodePressure;
    extra?: Partial<KubeletOptions>;
    exec?: (id: string, args: readonly string[]) => number;
  } = {},
) {
  const clock: FakeClock = newFakeClock(START);
  const cluster = new FakeCluster({ now: () => new Date(clock.now()) });
  const runtime = new SimulatedRuntime({
    now: () => new Date(clock.now()),
    program: (req) => opts.program?.(req.labels?.[Label.containerName] ?? '') ?? {},
    exec: (id, req) => ({ exitCode: opts.exec?.(id, req.args) ?? 0 }),
  });
  const env = new FakePodEnvironment(() => clock.now());
  const images = new FakeImageService(opts.images ?? ['busybox:1.36']);
  const events: Recorded[] = [];
  const recorder: EventRecorder = {
    event(obj: KubeObject, type, reason, message) {
      events.push({ type, reason, message, name: obj.metadata?.name ?? '' });
    },
  };
  const kubelet = new Kubelet({
    clientset: cluster.clientset,
    nodeName: 'node-1',
    runtime,
    environment: env,
    images,
    machine: {
      numCores: 2,
      memoryCapacity: 4 * 1024 ** 3,
      ephemeralStorageCapacity: 100 * 1024 ** 3,
    },
    hostInfo: {
      machineID: 'm',
      systemUUID: 'u',
      bootID: 'b',
      kernelVersion: '6.1.0',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      containerRuntimeVersion: 'runc://1.1.5',
      kubeletVersion: 'v1.32.0-skiff',
      architecture: 'amd64',
    },
    nodeIPs: ['10.0.0.5'],
    podLogsDir: '/var/log/pods',
    clock,
    recorder,
    labels: { 'node-role.kubernetes.io/control-plane': '' },
    ...(opts.pressure !== undefined ? { conditionsProvider: opts.pressure } : {}),
    ...opts.extra,
  });
  const ac = new AbortController();
  let done: Promise<void> | undefined;
  const start = async () => {
    done = kubelet.run(ac.signal);
    await flush();
  };
  const flush = async () => {
    for (let i = 0; i < 5; i++) {
      await settle();
      await kubelet.idle();
    }
  };
  const stop = async () => {
    ac.abort();
    await done;
    await runtime.close();
  };
  const pod = (name: string) => cluster.peek<Pod>(BUILTIN_RESOURCES.pods, 'default', name);
  return { clock, cluster, runtime, env, images, events, kubelet, start, stop, flush, pod };
}

function newPod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-0000-0000` },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'app', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' }],
      ...spec,
    },
    status: { phase: 'Pending' },
  };
}

async function running(runtime: SimulatedRuntime, name: string) {
  return (await runtime.listContainers()).filter(
    (c) => c.labels[Label.containerName] === name && c.status === 'running',
  );
}

describe('Kubelet node', () => {
  it('registers the Node with capacity, labels, nodeInfo and conditions, and a Lease', async () => {
    const t = setup();
    await t.start();
    const node = t.cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', 'node-1');
    assert.ok(node);
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'node-1');
    assert.equal(node.metadata.labels['kubernetes.io/os'], 'linux');
    assert.equal(node.metadata.labels['node-role.kubernetes.io/control-plane'], '');
    assert.equal(node.status?.capacity?.['cpu'], '2');
    assert.equal(node.status.capacity['memory'], '4Gi');
    assert.equal(node.status.capacity['pods'], '110');
    // 4096Mi minus the 100Mi hard eviction threshold.
    assert.equal(node.status.allocatable?.['memory'], '3996Mi');
    assert.equal(node.status.nodeInfo?.containerRuntimeVersion, 'runc://1.1.5');
    assert.equal(node.status.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
    assert.deepEqual(node.status.addresses, [
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'Hostname', address: 'node-1' },
    ]);
    const ready = node.status.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready.reason, 'KubeletReady');
    assert.equal(ready.message, 'kubelet is posting ready status');
    assert.deepEqual(node.status.images, [{ names: ['busybox:1.36'], sizeBytes: 1000 }]);
    const lease = t.cluster.peek<Lease>(BUILTIN_RESOURCES.leases, 'kube-node-lease', 'node-1');
    assert.equal(lease?.spec?.holderIdentity, 'node-1');
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.equal(lease.metadata?.ownerReferences?.[0]?.uid, node.metadata.uid);
    const renewed = lease.spec.renewTime;
    await t.clock.advance(10_000);
    const lease2 = t.cluster.peek<Lease>(BUILTIN_RESOURCES.leases, 'kube-node-lease', 'node-1');
    assert.notEqual(lease2?.spec?.renewTime, renewed);
    assert.ok(t.kubelet.stats.leaseRenewals >= 2);
    assert.ok(t.kubelet.stats.nodeStatusUpdates >= 1);
    await t.stop();
  });

  it('reports pressure from the conditions provider', async () => {
    let memory = false;
    const t = setup({ pressure: () => ({ memoryPressure: memory }) });
    await t.start();
    memory = true;
    t.kubelet.requestNodeStatusUpdate();
    await t.flush();
    const node = t.cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', 'node-1');
    const c = node?.status?.conditions?.find((x) => x.type === 'MemoryPressure');
    assert.equal(c?.status, 'True');
    assert.equal(c.reason, 'KubeletHasInsufficientMemory');
    await t.stop();
  });

  it('takes over an existing Node', async () => {
    const t = setup();
    t.cluster.seed(BUILTIN_RESOURCES.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1', labels: { keep: 'me' } },
      spec: { podCIDR: '10.244.3.0/24' },
    } as Node);
    await t.start();
    const node = t.cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', 'node-1');
    assert.equal(node?.metadata?.labels?.['keep'], 'me');
    assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'node-1');
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    await t.stop();
  });
});

describe('Kubelet pods', () => {
  it('takes a pod from Pending to Running and Ready', async () => {
    const t = setup();
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('web'));
    await t.start();
    const pod = t.pod('web');
    assert.equal(pod?.status?.phase, 'Running');
    assert.equal(pod.status.podIP, '10.88.0.2');
    assert.equal(pod.status.hostIP, '10.0.0.5');
    assert.equal(pod.status.qosClass, 'BestEffort');
    const cs = pod.status.containerStatuses?.[0];
    assert.equal(cs?.name, 'app');
    assert.ok(cs.state?.running);
    assert.equal(cs.ready, true);
    assert.equal(cs.started, true);
    assert.match(cs.containerID ?? '', /^simulated:\/\/[0-9a-f]{64}$/);
    assert.equal(cs.imageID, `busybox:1.36@sha256:${'0'.repeat(64)}`);
    const ready = pod.status.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.deepEqual(
      t.events.map((e) => `${e.reason}: ${e.message}`),
      [
        'Starting: Starting kubelet.',
        'Pulled: Container image "busybox:1.36" already present on machine',
        'Created: Created container app',
        'Started: Started container app',
      ],
    );
    // The log file and the container's labels follow upstream's layout.
    const info = await t.kubelet.containerInfo('uid-web-0000-0000', 'app');
    assert.equal(info?.logPath, '/var/log/pods/default_web_uid-web-0000-0000/app/0.log');
    assert.equal(t.kubelet.getPod('default', 'web')?.metadata?.uid, 'uid-web-0000-0000');
    assert.deepEqual(
      t.kubelet.listPods().map((p) => p.metadata?.name),
      ['web'],
    );
    const listed = await t.kubelet.listPodContainers();
    assert.equal(listed[0]?.containers[0]?.state, 'running');
    assert.equal(
      await t.kubelet.podNetnsPath('uid-web-0000-0000'),
      '/run/netns/fake-uid-web-0000-0000',
    );
    // A resync with nothing new writes nothing.
    const writes = t.cluster.writes().length;
    await t.clock.advance(10_000);
    await t.flush();
    const podWrites = t.cluster
      .writes()
      .slice(writes)
      .filter((a) => a.resource.resource === 'pods');
    assert.deepEqual(podWrites, []);
    await t.stop();
  });

  for (const [code, phase, reason] of [
    [0, 'Succeeded', 'Completed'],
    [1, 'Failed', 'Error'],
  ] as const) {
    it(`ends a restartPolicy Never pod as ${phase} when its container exits ${code}`, async () => {
      const t = setup();
      t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('job', { restartPolicy: 'Never' }));
      await t.start();
      const [c] = await running(t.runtime, 'app');
      assert.ok(c);
      t.runtime.exit(c.id, code);
      await t.flush();
      const pod = t.pod('job');
      assert.equal(pod?.status?.phase, phase);
      const term = pod.status.containerStatuses?.[0]?.state?.terminated;
      assert.equal(term?.exitCode, code);
      assert.equal(term.reason, reason);
      assert.ok(t.env.calls.includes('stopSandbox uid-job-0000-0000'));
      // The exited container stays (logs), not restarted.
      assert.equal((await t.runtime.listContainers()).length, 1);
      await t.stop();
    });
  }

  it('stops a deleted pod gracefully, tears it down and deletes it with a uid precondition', async () => {
    const t = setup({ program: () => ({ ignoreSignals: [] }) });
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('web'));
    await t.start();
    const current = t.pod('web');
    assert.ok(current);
    t.cluster.clearActions();
    await t.cluster.clientset.pods.update('default', {
      ...current,
      metadata: {
        ...current.metadata,
        deletionTimestamp: new Date(t.clock.now()).toISOString(),
        deletionGracePeriodSeconds: 30,
        // The fake removes a terminating object at once unless a finalizer holds it.
        finalizers: ['test/hold'],
      },
    });
    await t.flush();
    const final = t.pod('web');
    assert.equal(final?.status?.phase, 'Failed', 'terminal status before the delete');
    assert.equal(final.status.containerStatuses?.[0]?.state?.terminated?.exitCode, 143, 'SIGTERM');
    const del = t.cluster.actions.find(
      (a) => a.verb === 'delete' && a.resource.resource === 'pods',
    );
    assert.deepEqual(del?.object, {
      gracePeriodSeconds: 0,
      preconditions: { uid: 'uid-web-0000-0000' },
    });
    assert.ok(t.env.calls.includes('tearDown uid-web-0000-0000'));
    assert.deepEqual(await t.runtime.listContainers(), []);
    assert.ok(
      t.events.some((e) => e.reason === 'Killing' && e.message === 'Stopping container app'),
    );
    await t.stop();
  });

  it('runs postStart after the start and preStop before the stop signal', async () => {
    const calls: string[] = [];
    const t = setup({
      exec: (_id, args) => {
        calls.push(args.join(' '));
        return 0;
      },
    });
    t.cluster.seed(
      BUILTIN_RESOURCES.pods,
      newPod('hooks', {
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            imagePullPolicy: 'IfNotPresent',
            lifecycle: {
              postStart: { exec: { command: ['touch', '/started'] } },
              preStop: { exec: { command: ['nginx', '-s', 'quit'] } },
            },
          },
        ],
      }),
    );
    await t.start();
    assert.deepEqual(calls, ['touch /started']);
    const current = t.pod('hooks');
    assert.ok(current);
    await t.cluster.clientset.pods.update('default', {
      ...current,
      metadata: {
        ...current.metadata,
        deletionTimestamp: new Date(t.clock.now()).toISOString(),
        deletionGracePeriodSeconds: 30,
        finalizers: ['test/hold'],
      },
    });
    await t.flush();
    assert.deepEqual(calls, ['touch /started', 'nginx -s quit']);
    assert.ok(t.cluster.actions.some((a) => a.verb === 'delete' && a.resource.resource === 'pods'));
    await t.stop();
  });

  it('kills a container whose postStart hook fails (PostStartHookError)', async () => {
    const t = setup({ exec: () => 1 });
    t.cluster.seed(
      BUILTIN_RESOURCES.pods,
      newPod('badhook', {
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            imagePullPolicy: 'IfNotPresent',
            lifecycle: { postStart: { exec: { command: ['false'] } } },
          },
        ],
      }),
    );
    await t.start();
    assert.ok(t.events.some((e) => e.reason === 'FailedPostStartHook'));
    assert.ok(t.events.some((e) => e.reason === 'Killing' && e.message === 'FailedPostStartHook'));
    await t.stop();
  });

  it('sends SIGKILL when the grace period ends', async () => {
    const t = setup({ program: () => ({ ignoreSignals: ['SIGTERM'] }) });
    t.cluster.seed(
      BUILTIN_RESOURCES.pods,
      newPod('stubborn', { terminationGracePeriodSeconds: 5 }),
    );
    await t.start();
    const current = t.pod('stubborn');
    assert.ok(current);
    await t.cluster.clientset.pods.update('default', {
      ...current,
      metadata: {
        ...current.metadata,
        deletionTimestamp: new Date(t.clock.now()).toISOString(),
        deletionGracePeriodSeconds: 5,
        finalizers: ['test/hold'],
      },
    });
    await settle();
    assert.equal((await running(t.runtime, 'app')).length, 1, 'SIGTERM is ignored');
    await t.clock.advance(4_000);
    assert.equal((await running(t.runtime, 'app')).length, 1, 'still in the grace period');
    await t.clock.advance(1_000);
    await t.flush();
    assert.equal((await running(t.runtime, 'app')).length, 0);
    assert.equal(
      t.pod('stubborn')?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode,
      137,
      'SIGKILL',
    );
    assert.ok(t.cluster.actions.some((a) => a.verb === 'delete' && a.resource.resource === 'pods'));
    await t.stop();
  });

  it('backs off a crashing container (CrashLoopBackOff)', async () => {
    const t = setup();
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('crash'));
    await t.start();
    let [c] = await running(t.runtime, 'app');
    assert.ok(c);
    t.runtime.exit(c.id, 1);
    await t.flush();
    // The first restart is immediate.
    [c] = await running(t.runtime, 'app');
    assert.ok(c);
    assert.equal(t.pod('crash')?.status?.containerStatuses?.[0]?.restartCount, 1);
    t.runtime.exit(c.id, 1);
    await t.flush();
    const cs = t.pod('crash')?.status?.containerStatuses?.[0];
    assert.equal(cs?.state?.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(
      cs.state.waiting.message,
      'back-off 10s restarting failed container=app pod=crash_default(uid-crash-0000-0000)',
    );
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(t.pod('crash')?.status?.phase, 'Running');
    assert.ok(t.events.some((e) => e.reason === 'BackOff'));
    assert.equal((await running(t.runtime, 'app')).length, 0);
    await t.clock.advance(10_000);
    await t.flush();
    assert.equal((await running(t.runtime, 'app')).length, 1);
    assert.equal(t.pod('crash')?.status?.containerStatuses?.[0]?.restartCount, 2);
    await t.stop();
  });

  it('reports ErrImagePull, then ImagePullBackOff', async () => {
    const t = setup({ images: [] });
    t.images.failing.set('busybox:1.36', 'manifest unknown');
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('img'));
    await t.start();
    let w = t.pod('img')?.status?.containerStatuses?.[0]?.state?.waiting;
    // The first attempt fails with ErrImagePull; the syncs that follow are in back-off.
    const reasons = t.cluster
      .writes()
      .filter((a) => a.subresource === 'status')
      .map((a) => JSON.stringify(a.object));
    assert.ok(
      reasons.some((r) => r.includes('"reason":"ErrImagePull","message":"manifest unknown"')),
    );
    assert.ok(
      t.events.some(
        (e) =>
          e.reason === 'Failed' &&
          e.message === 'Failed to pull image "busybox:1.36": manifest unknown',
      ),
    );
    w = t.pod('img')?.status?.containerStatuses?.[0]?.state?.waiting;
    assert.equal(w?.reason, 'ImagePullBackOff');
    assert.equal(w.message, 'Back-off pulling image "busybox:1.36"');
    t.images.failing.clear();
    await t.clock.advance(10_000);
    await t.flush();
    assert.equal(t.pod('img')?.status?.phase, 'Running');
    assert.ok(t.events.some((e) => e.reason === 'Pulling'));
    await t.stop();
  });

  it('waits in ContainerCreating while a volume cannot be mounted (FailedMount)', async () => {
    const t = setup();
    const msg = 'MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found';
    t.env.volumeError = msg;
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('vol'));
    await t.start();
    assert.ok(t.events.some((e) => e.reason === 'FailedMount' && e.message === msg));
    const pod = t.pod('vol');
    assert.equal(pod?.status?.phase, 'Pending');
    assert.equal(pod.status.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');
    assert.equal(t.env.sandboxes.size, 0, 'no sandbox before the volumes');
    t.env.volumeError = undefined;
    await t.clock.advance(2_000);
    await t.flush();
    assert.equal(t.pod('vol')?.status?.phase, 'Running');
    await t.stop();
  });

  it('reports CreateContainerConfigError for an unresolvable env', async () => {
    const t = setup();
    t.env.prepareError = new ContainerConfigError("couldn't find key k in ConfigMap default/cfg");
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('cfg'));
    await t.start();
    const w = t.pod('cfg')?.status?.containerStatuses?.[0]?.state?.waiting;
    assert.equal(w?.reason, 'CreateContainerConfigError');
    assert.equal(w.message, "couldn't find key k in ConfigMap default/cfg");
    assert.ok(
      t.events.some(
        (e) =>
          e.reason === 'Failed' &&
          e.message === "Error: couldn't find key k in ConfigMap default/cfg",
      ),
    );
    assert.ok(
      t.env.calls.some((c) => c.startsWith('cleanup ')),
      'the partial bundle is released',
    );
    await t.stop();
  });

  it('runs init containers in order before the app', async () => {
    const t = setup();
    t.cluster.seed(
      BUILTIN_RESOURCES.pods,
      newPod('init', {
        initContainers: [
          { name: 'one', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' },
          { name: 'two', image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' },
        ],
      }),
    );
    await t.start();
    assert.equal((await running(t.runtime, 'one')).length, 1);
    assert.equal((await running(t.runtime, 'two')).length, 0);
    assert.equal(t.pod('init')?.status?.phase, 'Pending');
    const [one] = await running(t.runtime, 'one');
    assert.ok(one);
    t.runtime.exit(one.id, 0);
    await t.flush();
    const [two] = await running(t.runtime, 'two');
    assert.ok(two);
    t.runtime.exit(two.id, 0);
    await t.flush();
    assert.equal((await running(t.runtime, 'app')).length, 1);
    assert.equal(t.pod('init')?.status?.phase, 'Running');
    await t.stop();
  });

  it('starts a sidecar before the app and keeps it running with it', async () => {
    const t = setup();
    t.cluster.seed(
      BUILTIN_RESOURCES.pods,
      newPod('side', {
        initContainers: [
          {
            name: 'proxy',
            image: 'busybox:1.36',
            imagePullPolicy: 'IfNotPresent',
            restartPolicy: 'Always',
          },
        ],
      }),
    );
    await t.start();
    assert.equal((await running(t.runtime, 'proxy')).length, 1);
    assert.equal((await running(t.runtime, 'app')).length, 1);
    const pod = t.pod('side');
    assert.equal(pod?.status?.phase, 'Running');
    assert.ok(pod.status.initContainerStatuses?.[0]?.state?.running);
    assert.equal(
      t.events
        .filter((e) => e.reason === 'Started')
        .map((e) => e.message)
        .join(', '),
      'Started container proxy, Started container app',
    );
    await t.stop();
  });

  it('fails a pod past its activeDeadlineSeconds', async () => {
    const t = setup();
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('deadline', { activeDeadlineSeconds: 30 }));
    await t.start();
    assert.equal(t.pod('deadline')?.status?.phase, 'Running');
    await t.clock.advance(30_000);
    await t.flush();
    const pod = t.pod('deadline');
    assert.equal(pod?.status?.phase, 'Failed');
    assert.equal(pod.status.reason, 'DeadlineExceeded');
    assert.equal((await running(t.runtime, 'app')).length, 0);
    await t.stop();
  });

  it('adopts running containers of its pods and removes those of deleted pods at start', async () => {
    const t = setup();
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('web'));
    await t.start();
    const [c] = await running(t.runtime, 'app');
    assert.ok(c);
    await t.stop();

    // A new kubelet over the same runtime and host: the pod is kept, an orphan is removed.
    const t2 = setup();
    const runtime = t.runtime;
    await runtime.createContainer({
      id: 'orphan',
      bundleDir: '/x',
      spec: {
        ociVersion: '1.0.2',
        process: { user: { uid: 0, gid: 0 }, args: ['sh'], env: [], cwd: '/' },
        root: { path: '/x' },
        mounts: [],
        linux: { namespaces: [] },
      },
      labels: {
        [Label.podUid]: 'gone-0000',
        [Label.podName]: 'gone',
        [Label.podNamespace]: 'default',
        [Label.containerName]: 'app',
      },
    });
    await runtime.startContainer('orphan');
    const k2 = new Kubelet({
      ...kubeletOptionsOf(t2),
      clientset: t.cluster.clientset,
      runtime,
      environment: t.env,
    });
    const ac = new AbortController();
    const done = k2.run(ac.signal);
    for (let i = 0; i < 5; i++) {
      await settle();
      await k2.idle();
    }
    const ids = (await runtime.listContainers()).map((x) => x.id);
    assert.deepEqual(ids, [c.id], 'the pod keeps its container, the orphan is gone');
    assert.equal(t.pod('web')?.status?.phase, 'Running');
    ac.abort();
    await done;
    await t2.stop();
  });
});

describe('Kubelet probes', () => {
  it('drives Ready from the readiness probe and restarts on a liveness failure', async () => {
    const results = new Map<string, 'success' | 'failure'>([
      ['readiness', 'failure'],
      ['liveness', 'success'],
    ]);
    const t = setup({
      extra: {
        // The probe loop sleeps in real time; so does this test's kubelet (periods of 1 s).
        clock: realClock,
        runProbe: (req) =>
          Promise.resolve({ result: results.get(req.type) ?? 'success', output: 'nope' }),
      },
    });
    const probe = { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 1 };
    t.cluster.seed(
      BUILTIN_RESOURCES.pods,
      newPod('probed', {
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            imagePullPolicy: 'IfNotPresent',
            readinessProbe: probe,
            livenessProbe: probe,
          },
        ],
      }),
    );
    await t.start();
    const until = async (what: string, ok: () => boolean) => {
      const end = Date.now() + 5_000;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const ready = () =>
      t.pod('probed')?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    await until('a readiness failure event', () =>
      t.events.some(
        (e) => e.reason === 'Unhealthy' && e.message.startsWith('Readiness probe failed'),
      ),
    );
    assert.equal(ready(), 'False');
    results.set('readiness', 'success');
    await until('Ready', () => ready() === 'True');
    results.set('liveness', 'failure');
    await until('the restart', () =>
      t.events.some(
        (e) =>
          e.reason === 'Killing' &&
          e.message === 'Container app failed liveness probe, will be restarted',
      ),
    );
    results.set('liveness', 'success');
    await until(
      'restartCount 1',
      () => t.pod('probed')?.status?.containerStatuses?.[0]?.restartCount === 1,
    );
    await t.stop();
  });
});

function kubeletOptionsOf(t: ReturnType<typeof setup>): KubeletOptions {
  return {
    clientset: t.cluster.clientset,
    nodeName: 'node-1',
    runtime: t.runtime,
    environment: t.env,
    images: t.images,
    machine: { numCores: 2, memoryCapacity: 4 * 1024 ** 3 },
    hostInfo: {
      machineID: 'm',
      systemUUID: 'u',
      bootID: 'b',
      kernelVersion: '6.1.0',
      osImage: 'Debian',
      containerRuntimeVersion: 'runc://1.1.5',
      kubeletVersion: 'v1.32.0-skiff',
      architecture: 'amd64',
    },
    nodeIPs: ['10.0.0.5'],
    podLogsDir: '/var/log/pods',
    clock: t.clock,
    recorder: { event: () => undefined },
  };
}
