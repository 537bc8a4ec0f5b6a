/* eslint-disable @typescript-eslint/no-unnecessary-condition -- assert.deepEqual narrows what it checks; optional chains keep the later assertions uniform */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import { prepareJob } from '../../api/index.ts';
import {
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_TRACKING_FINALIZER,
  firstPendingIndexes,
  intervalsString,
  matchPodFailurePolicy,
  newJobController,
  parseIndexesFromString,
  podGenerateNameWithIndex,
  remainingTime,
  withOrderedIndexes,
} from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

const T0 = Date.parse('2024-01-01T00:00:00Z');

function newJob(name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, generation: 1 },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
      },
      backoffLimit: 6,
      completions: 1,
      parallelism: 1,
      ...spec,
    },
  };
  prepareJob(job as unknown as Record<string, unknown>, `uid-${name}`);
  return job;
}

async function setup(jobs: Job[], pods: Pod[] = []) {
  const now = { t: T0 };
  const cluster = new FakeCluster({ now: () => new Date(now.t) });
  cluster.seed(BUILTIN_RESOURCES.jobs, ...jobs);
  if (pods.length > 0) cluster.seed(BUILTIN_RESOURCES.pods, ...pods);
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const clock = newFakeClock(now.t);
  const queue = newRateLimitingQueue({ clock });
  const orphanQueue = newRateLimitingQueue({ clock });
  const jc = newJobController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    orphanQueue,
    now: () => now.t,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  cluster.clearActions();
  const sync = async (key = 'ns/job'): Promise<void> => {
    await jc.sync(key);
    await settle();
  };
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    orphanQueue.shutDown();
    await factory.stopped();
  };
  return { cluster, recorder, jc, now, sync, stop };
}

const podsOf = (c: FakeCluster): Pod[] => c.objects<Pod>(BUILTIN_RESOURCES.pods, 'ns');
const jobOf = (c: FakeCluster, name = 'job'): Job =>
  c.peek<Job>(BUILTIN_RESOURCES.jobs, 'ns', name) ?? {};
const condTypes = (j: Job): string[] => (j.status?.conditions ?? []).map((c) => c.type);

/** Sets the phase of a stored pod (as a kubelet would), with container exit codes. */
async function finishPod(c: FakeCluster, pod: Pod, phase: 'Succeeded' | 'Failed', exitCode = 0) {
  await c.clientset.pods.updateStatus('ns', {
    ...pod,
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          image: 'busybox',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode, finishedAt: '2024-01-01T00:00:00Z' } },
        },
      ],
    },
  });
}

describe('indexes', () => {
  // upstream TestIntervalsString / TestCalculateSucceededIndexes cases.
  const cases = [
    { prev: '', add: [], want: '' },
    { prev: '', add: [2, 5, 6, 7, 8], want: '2,5-8' },
    { prev: '1,2', add: [3], want: '1-3' },
    { prev: '1,3-5', add: [2, 7], want: '1-5,7' },
    { prev: '0-3,5,7', add: [6], want: '0-3,5-7' },
    { prev: '1,2', add: [], want: '1,2' },
  ];
  for (const c of cases) {
    it(`${c.prev} + [${c.add.join(',')}] = ${c.want}`, () => {
      const got = withOrderedIndexes(parseIndexesFromString(c.prev, 100), c.add);
      assert.equal(intervalsString(got), c.want);
    });
  }
  it('parse caps at completions and skips corrupted intervals', () => {
    assert.equal(intervalsString(parseIndexesFromString('0,a,2-9,11', 5)), '0,2-4');
  });
  // upstream TestFirstPendingIndexes.
  it('firstPendingIndexes', () => {
    assert.deepEqual(firstPendingIndexes([], 3, 5), [0, 1, 2]);
    assert.deepEqual(firstPendingIndexes(parseIndexesFromString('0,2', 10), 3, 10), [1, 3, 4]);
    assert.deepEqual(firstPendingIndexes(parseIndexesFromString('0-2,5', 10), 5, 6), [3, 4]);
  });
  it('podGenerateNameWithIndex truncates long job names', () => {
    assert.equal(podGenerateNameWithIndex('job', 3), 'job-3-');
    const long = 'a'.repeat(60);
    assert.equal(podGenerateNameWithIndex(long, 12), `${'a'.repeat(54)}-12-`);
  });
});

describe('pod failure policy and backoff', () => {
  const failed = (code: number, conds: { type: string; status: string }[] = []): Pod => ({
    metadata: { name: 'p', namespace: 'ns' },
    status: {
      phase: 'Failed',
      conditions: conds,
      containerStatuses: [
        {
          name: 'main',
          image: '',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: code } },
        },
      ],
    },
  });
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { containerName: 'main', operator: 'NotIn', values: [1] } },
    ],
  };
  it('matches rules in order', () => {
    assert.deepEqual(
      matchPodFailurePolicy(policy, failed(1, [{ type: 'DisruptionTarget', status: 'True' }])),
      { countFailed: false, action: 'Ignore' },
    );
    assert.deepEqual(matchPodFailurePolicy(policy, failed(42)), {
      failJobMessage:
        'Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1',
      countFailed: true,
      action: 'FailJob',
    });
    assert.deepEqual(matchPodFailurePolicy(policy, failed(3)), {
      countFailed: true,
      action: 'Count',
    });
    assert.deepEqual(matchPodFailurePolicy(policy, failed(1)), { countFailed: true });
  });
  it('backoff doubles from 10s', () => {
    assert.equal(remainingTime(0, undefined, 0), 0);
    assert.equal(remainingTime(1, 0, 0), 10_000);
    assert.equal(remainingTime(3, 0, 5_000), 35_000);
    assert.equal(remainingTime(20, 0, 0), 600_000);
    assert.equal(remainingTime(1, 0, 11_000), 0);
  });
});

describe('JobController.sync', () => {
  it('runs completions with parallelism and counts through the tracking finalizer', async () => {
    const h = await setup([newJob('job', { completions: 3, parallelism: 2 })]);
    try {
      await h.sync();
      let pods = podsOf(h.cluster);
      assert.equal(pods.length, 2);
      for (const p of pods) {
        assert.deepEqual(p.metadata?.finalizers, [JOB_TRACKING_FINALIZER]);
        assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-name'], 'job');
        assert.equal(p.metadata?.labels?.['controller-uid'], 'uid-job');
        assert.equal(p.metadata?.generateName, 'job-');
        assert.equal(p.metadata?.ownerReferences?.[0]?.kind, 'Job');
      }
      let job = jobOf(h.cluster);
      assert.equal(job.status?.active, 2);
      assert.equal(job.status?.ready, 0);
      assert.equal(job.status?.terminating, 0);
      assert.equal(job.status?.startTime, '2024-01-01T00:00:00Z');
      assert.deepEqual(h.recorder.events.filter((e) => e.includes('SuccessfulCreate')).length, 2);

      const [p0] = pods;
      assert.ok(p0);
      await finishPod(h.cluster, p0, 'Succeeded');
      await settle();
      await h.sync();
      pods = podsOf(h.cluster);
      job = jobOf(h.cluster);
      assert.equal(job.status?.succeeded, 1);
      assert.deepEqual(job.status?.uncountedTerminatedPods, {});
      // Its finalizer is gone, and a replacement was created.
      const done = pods.find((p) => p.metadata?.name === p0.metadata?.name);
      assert.deepEqual(done?.metadata?.finalizers ?? [], []);
      assert.equal(pods.filter((p) => p.status?.phase !== 'Succeeded').length, 2);

      for (const p of pods.filter((x) => x.status?.phase !== 'Succeeded')) {
        await finishPod(h.cluster, p, 'Succeeded');
      }
      await settle();
      await h.sync();
      job = jobOf(h.cluster);
      assert.equal(job.status?.succeeded, 3);
      assert.equal(job.status?.active, 0);
      assert.deepEqual(condTypes(job), ['SuccessCriteriaMet', 'Complete']);
      const complete = job.status?.conditions?.[1];
      assert.equal(complete?.reason, 'CompletionsReached');
      assert.equal(complete?.message, 'Reached expected number of succeeded pods');
      assert.equal(job.status?.completionTime, '2024-01-01T00:00:00Z');
      assert.ok(h.recorder.events.includes('Normal Completed Job completed'));
    } finally {
      await h.stop();
    }
  });

  it('fails the Job past backoffLimit and deletes active pods', async () => {
    const h = await setup([newJob('job', { completions: 2, parallelism: 2, backoffLimit: 0 })]);
    try {
      await h.sync();
      const [p0] = podsOf(h.cluster);
      assert.ok(p0);
      await finishPod(h.cluster, p0, 'Failed', 1);
      await settle();
      await h.sync();
      let job = jobOf(h.cluster);
      assert.deepEqual(condTypes(job), ['FailureTarget']);
      assert.equal(job.status?.conditions?.[0]?.reason, 'BackoffLimitExceeded');
      // The other pod is terminating; once it is gone the Job fails.
      await settle();
      await h.sync();
      job = jobOf(h.cluster);
      assert.deepEqual(condTypes(job), ['FailureTarget', 'Failed']);
      const failed = job.status?.conditions?.[1];
      assert.equal(failed?.reason, 'BackoffLimitExceeded');
      assert.equal(failed?.message, 'Job has reached the specified backoff limit');
      assert.equal(job.status?.failed, 2);
      assert.equal(job.status?.active, 0);
      assert.equal(podsOf(h.cluster).length, 1);
      assert.ok(
        h.recorder.events.includes(
          'Warning BackoffLimitExceeded Job has reached the specified backoff limit',
        ),
      );
    } finally {
      await h.stop();
    }
  });

  it('fails the Job past activeDeadlineSeconds', async () => {
    const h = await setup([newJob('job', { activeDeadlineSeconds: 10 })]);
    try {
      await h.sync();
      assert.equal(podsOf(h.cluster).length, 1);
      h.now.t += 10_000;
      await h.sync();
      await h.sync();
      const job = jobOf(h.cluster);
      assert.deepEqual(condTypes(job), ['FailureTarget', 'Failed']);
      assert.equal(job.status?.conditions?.[1]?.reason, 'DeadlineExceeded');
      assert.equal(
        job.status?.conditions?.[1]?.message,
        'Job was active longer than specified deadline',
      );
      assert.equal(podsOf(h.cluster).length, 0);
      assert.ok(
        h.recorder.events.includes(
          'Warning DeadlineExceeded Job was active longer than specified deadline',
        ),
      );
    } finally {
      await h.stop();
    }
  });

  it('applies the pod failure backoff before replacing a failed pod', async () => {
    const h = await setup([newJob('job')]);
    try {
      await h.sync();
      const [p0] = podsOf(h.cluster);
      assert.ok(p0);
      await finishPod(h.cluster, p0, 'Failed', 1);
      await settle();
      await h.sync();
      assert.equal(podsOf(h.cluster).length, 1, 'no replacement during the backoff');
      assert.equal(jobOf(h.cluster).status?.failed, 1);
      h.now.t += 10_000;
      await h.sync();
      assert.equal(podsOf(h.cluster).length, 2);
    } finally {
      await h.stop();
    }
  });

  it('creates Indexed pods with index annotation, label, hostname and env', async () => {
    const h = await setup([
      newJob('job', { completions: 3, parallelism: 3, completionMode: 'Indexed' }),
    ]);
    try {
      await h.sync();
      const pods = podsOf(h.cluster).sort((a, b) =>
        (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
      );
      assert.deepEqual(
        pods.map((p) => [
          p.metadata?.generateName,
          p.metadata?.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION],
          p.metadata?.labels?.[JOB_COMPLETION_INDEX_ANNOTATION],
          p.spec?.hostname,
        ]),
        [
          ['job-0-', '0', '0', 'job-0'],
          ['job-1-', '1', '1', 'job-1'],
          ['job-2-', '2', '2', 'job-2'],
        ],
      );
      assert.equal(
        pods[0]?.spec?.containers[0]?.env?.[0]?.valueFrom?.fieldRef?.fieldPath,
        "metadata.labels['batch.kubernetes.io/job-completion-index']",
      );
      const p1 = pods[1];
      assert.ok(p1);
      await finishPod(h.cluster, p1, 'Succeeded');
      await settle();
      await h.sync();
      const job = jobOf(h.cluster);
      assert.equal(job.status?.completedIndexes, '1');
      assert.equal(job.status?.succeeded, 1);
    } finally {
      await h.stop();
    }
  });

  it('fails the Job on a FailJob pod failure policy rule', async () => {
    const h = await setup([
      newJob('job', {
        podReplacementPolicy: 'Failed',
        podFailurePolicy: {
          rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }],
        },
      }),
    ]);
    try {
      await h.sync();
      const [p0] = podsOf(h.cluster);
      assert.ok(p0);
      await finishPod(h.cluster, p0, 'Failed', 42);
      await settle();
      await h.sync();
      const job = jobOf(h.cluster);
      assert.deepEqual(condTypes(job), ['FailureTarget', 'Failed']);
      assert.equal(job.status?.conditions?.[1]?.reason, 'PodFailurePolicy');
      assert.equal(
        job.status?.conditions?.[1]?.message,
        `Container c for pod ns/${p0.metadata?.name ?? ''} failed with exit code 42 matching FailJob rule at index 0`,
      );
      assert.equal(job.status?.failed, 1);
    } finally {
      await h.stop();
    }
  });

  it('suspends: deletes active pods and sets the Suspended condition', async () => {
    const h = await setup([newJob('job', { completions: 2, parallelism: 2 })]);
    try {
      await h.sync();
      assert.equal(podsOf(h.cluster).length, 2);
      const job = jobOf(h.cluster);
      await h.cluster.clientset.jobs.update('ns', {
        ...job,
        spec: { ...job.spec, template: job.spec?.template ?? {}, suspend: true },
      });
      await settle();
      await h.sync();
      const after = jobOf(h.cluster);
      assert.equal(podsOf(h.cluster).length, 0);
      assert.equal(after.status?.active, 0);
      assert.deepEqual(condTypes(after), ['Suspended']);
      assert.equal(after.status?.conditions?.[0]?.reason, 'JobSuspended');
      assert.ok(h.recorder.events.includes('Normal Suspended Job suspended'));
      assert.equal(h.recorder.events.filter((e) => e.includes('SuccessfulDelete')).length, 2);
    } finally {
      await h.stop();
    }
  });

  it('does nothing for a finished or externally managed Job', async () => {
    const finished = newJob('job');
    finished.status = { conditions: [{ type: 'Complete', status: 'True' }] };
    const ext = newJob('ext', { managedBy: 'example.com/other' });
    const h = await setup([finished, ext]);
    try {
      await h.sync('ns/job');
      await h.sync('ns/ext');
      assert.deepEqual(h.cluster.writes(), []);
    } finally {
      await h.stop();
    }
  });
});
