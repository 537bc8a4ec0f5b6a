// The kubelet's housekeeping wired with fakes: the eviction manager's loop (node conditions,
// ranking, the Evicted status written by the pod worker, reclaim before eviction), the image GC
// loop and the dead container GC (MaxPerPodContainer 1, log files, pods that are gone).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, newFakeClock, settle } from '../../client/index.ts';
import type { EventRecorder, FakeClock, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { parseEvictionFlags } from '../eviction/index.ts';
import { OCI_VERSION, SimulatedRuntime } from '../runtime/index.ts';
import type { PodStats, Summary } from '../stats/index.ts';
import { FakeImageService, FakePodEnvironment } from './fakes.ts';
import { Kubelet } from './kubelet.ts';
import type { ContainerLogFiles, KubeletOptions } from './kubelet.ts';
import { Label } from './runtime-status.ts';

const START = Date.UTC(2026, 0, 1);
const Mi = 1024 * 1024;

interface Recorded {
  reason: string;
  type: string;
  message: string;
  name: string;
}

/** What the fake stats report; tests change it between cycles. */
interface FakeStats {
  memoryAvailable: number;
  nodefsAvailable: number;
  /** Working set by pod name. */
  podMemory: Record<string, number>;
}

class FakeLogs implements ContainerLogFiles {
  readonly removed: string[] = [];
  keep: ((uid: string) => boolean) | undefined;
  removeContainerLogs(logPath: string): Promise<void> {
    this.removed.push(logPath);
    return Promise.resolve();
  }
  removePodLogDirs(_dir: string, keep: (uid: string) => boolean): Promise<void> {
    this.keep = keep;
    return Promise.resolve();
  }
}

function setup(extra: Partial<KubeletOptions> = {}, flags: { evictionHard?: string } = {}) {
  const clock: FakeClock = newFakeClock(START);
  const cluster = new FakeCluster({ now: () => new Date(clock.now()) });
  const runtime = new SimulatedRuntime({ now: () => new Date(clock.now()) });
  const env = new FakePodEnvironment(() => clock.now());
  const images = new FakeImageService(['busybox:1.36']);
  const events: Recorded[] = [];
  const recorder: EventRecorder = {
    event(obj: KubeObject, type, reason, message) {
      events.push({ type, reason, message, name: obj.metadata?.name ?? '' });
    },
  };
  const stats: FakeStats = { memoryAvailable: 3000 * Mi, nodefsAvailable: 50e9, podMemory: {} };
  const summary = (): Promise<Summary> => {
    const time = new Date(clock.now()).toISOString();
    const pods: PodStats[] = kubelet.listPods().map((p) => {
      const ws = stats.podMemory[p.metadata?.name ?? ''] ?? 0;
      return {
        podRef: {
          name: p.metadata?.name ?? '',
          namespace: p.metadata?.namespace ?? '',
          uid: p.metadata?.uid ?? '',
        },
        startTime: time,
        memory: { time, workingSetBytes: ws },
        containers: [{ name: 'app', startTime: time, memory: { time, workingSetBytes: ws } }],
      };
    });
    return Promise.resolve({
      node: {
        nodeName: 'node-1',
        startTime: time,
        memory: {
          time,
          availableBytes: stats.memoryAvailable,
          workingSetBytes: 4096 * Mi - stats.memoryAvailable,
        },
        fs: {
          time,
          availableBytes: stats.nodefsAvailable,
          capacityBytes: 100e9,
          inodesFree: 1e6,
          inodes: 2e6,
        },
      },
      pods,
    });
  };
  const cfg = parseEvictionFlags(flags);
  const logs = new FakeLogs();
  const kubelet: Kubelet = new Kubelet({
    clientset: cluster.clientset,
    nodeName: 'node-1',
    runtime,
    environment: env,
    images,
    machine: { numCores: 2, memoryCapacity: 4096 * Mi, ephemeralStorageCapacity: 100e9 },
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
    clock,
    recorder,
    evictionHard: cfg.evictionHard,
    eviction: { thresholds: cfg.thresholds, summary },
    containerLogs: logs,
    ...extra,
  });
  const k = kubelet;
  const ac = new AbortController();
  let done: Promise<void> | undefined;
  const flush = async () => {
    for (let i = 0; i < 8; i++) {
      await settle();
      await k.idle();
    }
  };
  const start = async () => {
    done = k.run(ac.signal);
    await flush();
  };
  const stop = async () => {
    ac.abort();
    await done;
    await runtime.close();
  };
  const advance = async (ms: number) => {
    await clock.advance(ms);
    await flush();
  };
  const pod = (name: string) => cluster.peek<Pod>(BUILTIN_RESOURCES.pods, 'default', name);
  const node = () => cluster.peek<Node>(BUILTIN_RESOURCES.nodes, '', 'node-1');
  return {
    clock,
    cluster,
    runtime,
    env,
    events,
    kubelet: k,
    stats,
    logs,
    start,
    stop,
    flush,
    advance,
    pod,
    node,
  };
}

function newPod(name: string, resources?: Record<string, string>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}-0000-0000` },
    spec: {
      nodeName: 'node-1',
      containers: [
        {
          name: 'app',
          image: 'busybox:1.36',
          imagePullPolicy: 'IfNotPresent',
          ...(resources !== undefined
            ? { resources: { requests: resources, limits: resources } }
            : {}),
        },
      ],
    },
    status: { phase: 'Pending' },
  };
}

function condition(node: Node | undefined, type: string): string | undefined {
  return node?.status?.conditions?.find((c) => c.type === type)?.status;
}

describe('Kubelet eviction', () => {
  it('reports MemoryPressure and evicts the BestEffort pod first with the Evicted status', async () => {
    const t = setup({}, { evictionHard: 'memory.available<1Gi' });
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('be'));
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('g', { cpu: '100m', memory: '64Mi' }));
    t.stats.podMemory = { be: 10 * Mi, g: 1 * Mi };
    await t.start();
    assert.equal(t.pod('be')?.status?.phase, 'Running');
    assert.equal(t.pod('g')?.status?.phase, 'Running');
    assert.equal(condition(t.node(), 'MemoryPressure'), 'False');

    t.stats.memoryAvailable = 500 * Mi;
    await t.advance(10_000);
    const be = t.pod('be');
    const message =
      'The node was low on resource: memory. Threshold quantity: 1Gi, available: 500Mi. ' +
      'Container app was using 10Mi, request is 0, has larger consumption of memory. ';
    assert.equal(be?.status?.phase, 'Failed');
    assert.equal(be.status.reason, 'Evicted');
    assert.equal(be.status.message, message);
    const dt = be.status.conditions?.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual(
      { status: dt?.status, reason: dt?.reason, message: dt?.message },
      { status: 'True', reason: 'TerminationByKubelet', message },
    );
    // Stopped with the hard threshold's 1 s grace period: SIGTERM ends the simulated program.
    assert.equal(be.status.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
    assert.ok(
      t.events.some((e) => e.name === 'be' && e.reason === 'Evicted' && e.message === message),
    );
    assert.ok(
      t.events.some(
        (e) =>
          e.name === 'node-1' &&
          e.reason === 'EvictionThresholdMet' &&
          e.message === 'Attempting to reclaim memory',
      ),
    );
    // The Guaranteed pod under its request is ranked last: still running after this cycle.
    assert.equal(t.pod('g')?.status?.phase, 'Running');
    // The condition went to the node at once (requestNodeStatusUpdate), not 10 s later.
    assert.equal(condition(t.node(), 'MemoryPressure'), 'True');
    const running = (await t.runtime.listContainers()).filter((c) => c.status === 'running');
    assert.deepEqual(
      running.map((c) => c.labels[Label.podName]),
      ['g'],
    );
    // The evicted pod stays Failed (not deleted) and its sandbox is stopped.
    assert.ok(t.env.calls.includes('stopSandbox uid-be-0000-0000'));

    // Still under pressure at the next cycle: the Guaranteed pod goes next.
    await t.advance(10_000);
    assert.equal(t.pod('g')?.status?.reason, 'Evicted');
    await t.stop();
  });

  it('reclaims with container and image GC before evicting for disk pressure', async () => {
    let imageGcCalls = 0;
    let deleteUnused = 0;
    const t = setup({
      imageGc: {
        garbageCollect: () => {
          imageGcCalls++;
          return Promise.resolve();
        },
        deleteUnusedImages: () => {
          deleteUnused++;
          // Freeing the images relieves the disk.
          t.stats.nodefsAvailable = 50e9;
          return Promise.resolve();
        },
      },
    });
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('web'));
    await t.start();
    assert.equal(imageGcCalls, 1, 'image GC runs once the node starts');
    t.stats.nodefsAvailable = 5e9; // < 10% of 100 GB
    await t.advance(10_000);
    assert.equal(deleteUnused, 1);
    assert.equal(t.pod('web')?.status?.phase, 'Running');
    assert.equal(condition(t.node(), 'DiskPressure'), 'True');
    // The condition holds for the transition period (5 min) after the last observation.
    await t.advance(10_000);
    assert.equal(deleteUnused, 1);
    await t.advance(300_000);
    await t.advance(10_000);
    assert.equal(condition(t.node(), 'DiskPressure'), 'False');
    // Image GC ran again on its 5-minute period.
    assert.equal(imageGcCalls, 2);
    await t.stop();
  });

  it('rejects a new BestEffort pod under MemoryPressure and admits a Burstable one', async () => {
    const t = setup({}, { evictionHard: 'memory.available<1Gi' });
    t.stats.memoryAvailable = 500 * Mi;
    await t.start();
    await t.cluster.clientset.pods.create('default', newPod('late'));
    const burstable = newPod('burstable');
    const c = burstable.spec?.containers[0];
    if (c !== undefined) c.resources = { requests: { memory: '16Mi' } };
    await t.cluster.clientset.pods.create('default', burstable);
    await t.flush();
    const late = t.pod('late');
    assert.equal(late?.status?.phase, 'Failed');
    assert.equal(late.status.reason, 'Evicted');
    assert.equal(
      late.status.message,
      'Pod was rejected: The node had condition: [MemoryPressure]. ',
    );
    assert.ok(
      t.events.some(
        (e) =>
          e.name === 'late' &&
          e.reason === 'Evicted' &&
          e.message === 'The node had condition: [MemoryPressure]. ',
      ),
    );
    assert.ok(!t.env.calls.includes('setUp uid-late-0000-0000'), 'a rejected pod never starts');
    assert.equal(t.pod('burstable')?.status?.phase, 'Running');
    await t.stop();
  });

  it('lets an explicit conditionsProvider override the manager', async () => {
    const t = setup({ conditionsProvider: () => ({ pidPressure: true }) });
    await t.start();
    await t.advance(10_000);
    assert.equal(condition(t.node(), 'PIDPressure'), 'True');
    assert.equal(condition(t.node(), 'MemoryPressure'), 'False');
    await t.stop();
  });
});

describe('Kubelet image GC', () => {
  it('runs every 5 minutes and raises ImageGCFailed only on repeated failures', async () => {
    let calls = 0;
    const t = setup({
      imageGc: {
        garbageCollect: () => {
          calls++;
          return Promise.reject(new Error('Failed to garbage collect required amount of images.'));
        },
        deleteUnusedImages: () => Promise.resolve(),
      },
    });
    await t.start();
    assert.equal(calls, 1);
    assert.ok(!t.events.some((e) => e.reason === 'ImageGCFailed'));
    await t.advance(299_000);
    assert.equal(calls, 1);
    await t.advance(1_000);
    assert.equal(calls, 2);
    const failed = t.events.filter((e) => e.reason === 'ImageGCFailed');
    assert.deepEqual(failed, [
      {
        type: 'Warning',
        reason: 'ImageGCFailed',
        message: 'Failed to garbage collect required amount of images.',
        name: 'node-1',
      },
    ]);
    await t.stop();
  });
});

describe('Kubelet container GC', () => {
  it('keeps the newest exited instance per container, removes older ones with their logs, and every container of pods that are gone', async () => {
    const t = setup({ containerGcPeriodMs: 0 });
    t.cluster.seed(BUILTIN_RESOURCES.pods, newPod('web'));
    await t.start();
    const uid = 'uid-web-0000-0000';
    const mk = async (podUid: string, name: string, restart: number, podName = 'web') => {
      const id = `${podUid.slice(0, 8)}-${name}-${String(restart)}`;
      await t.runtime.createContainer({
        id,
        bundleDir: `/fake/${id}`,
        logPath: `/var/log/pods/default_${podName}_${podUid}/${name}/${String(restart)}.log`,
        labels: {
          [Label.podUid]: podUid,
          [Label.podName]: podName,
          [Label.podNamespace]: 'default',
          [Label.containerName]: name,
          [Label.restartCount]: String(restart),
        },
        spec: {
          ociVersion: OCI_VERSION,
          process: { user: { uid: 0, gid: 0 }, args: ['sleep'], env: [], cwd: '/' },
          root: { path: `/fake/${id}/rootfs` },
          mounts: [],
          linux: { namespaces: [] },
        },
      });
      await t.runtime.startContainer(id);
      await t.runtime.kill(id, 'SIGKILL');
      await t.runtime.wait(id);
      await t.clock.advance(1000);
      return id;
    };
    // Two old exited instances of a sidecar-like name in the known pod.
    const old1 = await mk(uid, 'side', 1);
    const old2 = await mk(uid, 'side', 2);
    // A pod the node no longer has.
    const gone = await mk('uid-gone-0000-0000', 'app', 0, 'gone');
    const removed = await t.kubelet.garbageCollectContainers();
    assert.deepEqual(removed.sort(), [gone, old1].sort());
    const ids = (await t.runtime.listContainers()).map((c) => c.id);
    assert.ok(ids.includes(old2), 'the newest exited instance stays (logs --previous)');
    assert.ok(!ids.includes(old1) && !ids.includes(gone));
    assert.deepEqual(t.logs.removed.sort(), [
      '/var/log/pods/default_gone_uid-gone-0000-0000/app/0.log',
      `/var/log/pods/default_web_${uid}/side/1.log`,
    ]);
    assert.ok(t.env.calls.includes(`cleanup ${gone}`));
    // Pod log directories: kept for known pods only.
    const keep = t.logs.keep;
    assert.ok(keep !== undefined);
    assert.equal(keep(uid), true);
    assert.equal(keep('uid-gone-0000-0000'), false);
    // The running container of the pod is never touched.
    assert.equal(t.pod('web')?.status?.phase, 'Running');
    await t.stop();
  });

  it('runs every minute once the node has listed its pods', async () => {
    const t = setup();
    await t.start();
    assert.equal(t.kubelet.stats.containerGcRuns, 1);
    await t.advance(60_000);
    assert.equal(t.kubelet.stats.containerGcRuns, 2);
    await t.stop();
  });
});

describe('parseEvictionFlags', () => {
  it('parses upstream flag syntax and replaces the defaults', () => {
    const cfg = parseEvictionFlags({
      evictionHard: 'memory.available<200Mi, nodefs.available<5%',
      evictionSoft: 'memory.available<1Gi',
      evictionSoftGracePeriod: 'memory.available=1m30s',
      evictionMinimumReclaim: 'memory.available=100Mi',
      evictionPressureTransitionPeriod: '30s',
    });
    assert.deepEqual(cfg.evictionHard, { 'memory.available': '200Mi', 'nodefs.available': '5%' });
    assert.deepEqual(
      cfg.thresholds.map((t) => [t.signal, t.gracePeriodMs, t.minReclaim !== undefined]),
      [
        ['memory.available', 0, true],
        ['nodefs.available', 0, false],
        ['memory.available', 90_000, true],
      ],
    );
    assert.equal(cfg.pressureTransitionPeriodMs, 30_000);
  });

  it('defaults to upstream thresholds and reports upstream errors', () => {
    const cfg = parseEvictionFlags({});
    assert.equal(cfg.thresholds.length, 5);
    assert.equal(cfg.pressureTransitionPeriodMs, 300_000);
    assert.throws(
      () => parseEvictionFlags({ evictionHard: 'memory.available=1Gi' }),
      /^Error: invalid argument "memory.available=1Gi" for "--eviction-hard" flag: malformed pair, expect string<string$/,
    );
    assert.throws(
      () => parseEvictionFlags({ evictionSoft: 'memory.available<1Gi' }),
      /grace period must be specified for the soft eviction threshold memory.available/,
    );
    assert.throws(
      () => parseEvictionFlags({ evictionHard: 'foo<1' }),
      /unsupported eviction signal foo/,
    );
  });
});
