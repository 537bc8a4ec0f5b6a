/* eslint-disable @typescript-eslint/no-unnecessary-condition -- assert.deepEqual narrows what it checks; optional chains keep the later assertions uniform */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { BUILTIN_RESOURCES, InformerFactory } from '../../client/index.ts';
import type { EventRecorder, KubeObject } from '../../client/index.ts';
import { FakeCluster } from '../../client/fake/index.ts';
import { newFakeClock, newRateLimitingQueue, settle } from '../../client/workqueue/index.ts';
import { parseStandardCron } from '../../api/index.ts';
import {
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  formatRFC1123ZUTC,
  formatRFC3339,
  mostRecentScheduleTime,
  newCronJobController,
  nextActivation,
} from './index.ts';

class Recorder implements EventRecorder {
  readonly events: string[] = [];
  event(_obj: KubeObject, type: string, reason: string, message: string): void {
    this.events.push(`${type} ${reason} ${message}`);
  }
}

describe('nextActivation', () => {
  // robfig/cron spec_test.go TestNext / TestNextWithTz cases, in 5-field form.
  const cases: [string, string, string, string][] = [
    ['*/15 * * * *', '2012-07-09T14:45:00Z', 'UTC', '2012-07-09T15:00:00Z'],
    ['*/15 * * * *', '2012-07-09T14:59:59Z', 'UTC', '2012-07-09T15:00:00Z'],
    ['0 */2 * * *', '2012-07-09T15:45:00Z', 'UTC', '2012-07-09T16:00:00Z'],
    ['0 0 * * *', '2012-07-09T23:46:00Z', 'UTC', '2012-07-10T00:00:00Z'],
    ['0 0 1 * *', '2012-07-09T23:35:00Z', 'UTC', '2012-08-01T00:00:00Z'],
    ['0 0 29 2 *', '2012-03-01T00:00:00Z', 'UTC', '2016-02-29T00:00:00Z'],
    ['0 9 * * mon-fri', '2024-01-05T10:00:00Z', 'UTC', '2024-01-08T09:00:00Z'],
    // Day-of-month and day-of-week both restricted: either matches.
    ['0 0 1 * 1', '2024-01-02T00:00:00Z', 'UTC', '2024-01-08T00:00:00Z'],
    ['@hourly', '2024-01-01T00:00:00Z', 'UTC', '2024-01-01T01:00:00Z'],
    ['@weekly', '2024-01-01T00:00:00Z', 'UTC', '2024-01-07T00:00:00Z'],
    // DST spring forward: 02:00 does not exist on 2024-03-10 in New York, the day is skipped.
    ['0 2 * * *', '2024-03-09T12:00:00-05:00', 'America/New_York', '2024-03-11T02:00:00-04:00'],
    ['30 3 * * *', '2024-03-10T00:00:00-05:00', 'America/New_York', '2024-03-10T03:30:00-04:00'],
    // DST fall back: 01:30 happens twice, and so does the activation.
    ['30 1 * * *', '2024-11-03T00:00:00-04:00', 'America/New_York', '2024-11-03T01:30:00-04:00'],
    ['30 1 * * *', '2024-11-03T01:30:00-04:00', 'America/New_York', '2024-11-03T01:30:00-05:00'],
    ['0 0 * * *', '2024-03-30T12:00:00+01:00', 'Europe/Berlin', '2024-03-31T00:00:00+01:00'],
    ['0 9 * * *', '2024-01-01T00:00:00Z', 'Asia/Kolkata', '2024-01-01T09:00:00+05:30'],
  ];
  for (const [spec, from, tz, want] of cases) {
    it(`${spec} after ${from} in ${tz}`, () => {
      const next = nextActivation(parseStandardCron(spec), Date.parse(from), tz);
      assert.ok(next !== undefined);
      assert.equal(formatRFC3339(next, tz), want);
    });
  }
  it('an impossible date has no next time', () => {
    assert.equal(nextActivation(parseStandardCron('0 0 30 2 *'), Date.UTC(2024, 0, 1)), undefined);
  });
  it('honours a TZ= prefix and @every', () => {
    const s = parseStandardCron('TZ=Asia/Tokyo 0 0 * * *');
    assert.equal(
      new Date(nextActivation(s, Date.UTC(2024, 0, 1, 16)) ?? 0).toISOString(),
      '2024-01-02T15:00:00.000Z',
    );
    const every = parseStandardCron('@every 90s');
    assert.equal(nextActivation(every, Date.UTC(2024, 0, 1) + 500), Date.UTC(2024, 0, 1, 0, 1, 30));
  });
  it('formats RFC1123Z', () => {
    assert.equal(
      formatRFC1123ZUTC(Date.UTC(2024, 0, 2, 3, 4, 5)),
      'Tue, 02 Jan 2024 03:04:05 +0000',
    );
  });
});

describe('mostRecentScheduleTime', () => {
  // upstream TestMostRecentScheduleTime cases.
  const hourly = parseStandardCron('0 * * * *');
  const next = (t: number): number | undefined => nextActivation(hourly, t);
  const T = Date.parse('2016-05-19T10:00:00Z');
  const cj = (created: number, last?: number, sds?: number): CronJob => ({
    metadata: { creationTimestamp: new Date(created).toISOString() },
    spec: {
      schedule: '0 * * * *',
      jobTemplate: {},
      ...(sds !== undefined ? { startingDeadlineSeconds: sds } : {}),
    },
    ...(last !== undefined ? { status: { lastScheduleTime: new Date(last).toISOString() } } : {}),
  });
  it('no schedule yet', () => {
    const r = mostRecentScheduleTime(cj(T - 1_800_000), T - 60_000, next, false);
    assert.deepEqual([r.mostRecent, r.missed], [undefined, 'none']);
  });
  it('one missed', () => {
    const r = mostRecentScheduleTime(cj(T - 3_600_000), T + 60_000, next, false);
    assert.deepEqual([r.mostRecent, r.missed], [T, 'few']);
  });
  it('many missed: the most recent one', () => {
    const r = mostRecentScheduleTime(
      cj(T - 3_600_000, T - 3_600_000),
      T + 5 * 3_600_000 + 1,
      next,
      false,
    );
    assert.deepEqual([r.mostRecent, r.missed], [T + 5 * 3_600_000, 'few']);
  });
  it('more than 100 missed', () => {
    const r = mostRecentScheduleTime(cj(T - 200 * 3_600_000), T + 1, next, false);
    assert.deepEqual([r.mostRecent, r.missed], [T, 'many']);
  });
  it('startingDeadlineSeconds limits the look-back', () => {
    const r = mostRecentScheduleTime(
      cj(T - 200 * 3_600_000, undefined, 600),
      T + 60_000,
      next,
      true,
    );
    assert.deepEqual([r.mostRecent, r.missed], [T, 'few']);
  });
});

const T0 = Date.parse('2024-01-01T10:00:00Z');

function newCronJob(
  spec: Partial<NonNullable<CronJob['spec']>> = {},
  status?: CronJob['status'],
): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: 'cj',
      namespace: 'ns',
      uid: 'uid-cj',
      creationTimestamp: '2024-01-01T09:00:00Z',
    },
    spec: {
      schedule: '0 * * * *',
      concurrencyPolicy: 'Allow',
      jobTemplate: {
        metadata: { labels: { app: 'x' } },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      },
      ...spec,
    },
    ...(status !== undefined ? { status } : {}),
  };
}

function childJob(
  name: string,
  opts: { finished?: 'Complete' | 'Failed'; start?: string } = {},
): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'cj', uid: 'uid-cj', controller: true },
      ],
    },
    spec: { template: {} },
    status: {
      ...(opts.start !== undefined ? { startTime: opts.start } : {}),
      ...(opts.finished !== undefined
        ? {
            conditions: [{ type: opts.finished, status: 'True' }],
            ...(opts.finished === 'Complete' ? { completionTime: opts.start ?? '' } : {}),
          }
        : {}),
    },
  };
}

async function setup(cronJobs: CronJob[], jobs: Job[] = [], now = T0 + 5_000) {
  const time = { t: now };
  const cluster = new FakeCluster({ now: () => new Date(time.t) });
  cluster.seed(BUILTIN_RESOURCES.cronJobs, ...cronJobs);
  if (jobs.length > 0) cluster.seed(BUILTIN_RESOURCES.jobs, ...jobs);
  const factory = new InformerFactory(cluster.clientset);
  const recorder = new Recorder();
  const clock = newFakeClock(now);
  const queue = newRateLimitingQueue({ clock });
  const cc = newCronJobController({
    clientset: cluster.clientset,
    informers: factory,
    recorder,
    queue,
    now: () => time.t,
  });
  const ac = new AbortController();
  factory.start(ac.signal);
  await factory.waitForCacheSync();
  // Drain the keys the informers' adds enqueued.
  while (queue.len() > 0) {
    const k = await queue.get();
    if (k !== undefined) queue.done(k);
  }
  cluster.clearActions();
  const stop = async (): Promise<void> => {
    ac.abort();
    queue.shutDown();
    await factory.stopped();
  };
  return { cluster, recorder, cc, time, clock, queue, stop };
}

const cjOf = (c: FakeCluster): CronJob =>
  c.peek<CronJob>(BUILTIN_RESOURCES.cronJobs, 'ns', 'cj') ?? {};
const jobsOf = (c: FakeCluster): Job[] => c.objects<Job>(BUILTIN_RESOURCES.jobs, 'ns');

describe('CronJobController.sync', () => {
  it('creates the Job of the most recent schedule time and requeues at the next one', async () => {
    const h = await setup([newCronJob()]);
    try {
      await h.cc.sync('ns/cj');
      const jobs = jobsOf(h.cluster);
      assert.equal(jobs.length, 1);
      const job = jobs[0];
      assert.equal(job?.metadata?.name, `cj-${T0 / 60_000}`);
      assert.equal(
        job?.metadata?.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION],
        '2024-01-01T10:00:00Z',
      );
      assert.deepEqual(job?.metadata?.labels, { app: 'x' });
      assert.equal(job?.metadata?.ownerReferences?.[0]?.uid, 'uid-cj');
      const cj = cjOf(h.cluster);
      assert.equal(cj.status?.lastScheduleTime, '2024-01-01T10:00:00Z');
      assert.deepEqual(
        cj.status?.active?.map((r) => r.name),
        [job?.metadata?.name],
      );
      assert.deepEqual(h.recorder.events, [
        `Normal SuccessfulCreate Created job cj-${T0 / 60_000}`,
      ]);
      // Requeued for 11:00:00.1 (after the key its own status update enqueued).
      await settle();
      while (h.queue.len() > 0) {
        const k = await h.queue.get();
        if (k !== undefined) h.queue.done(k);
      }
      await h.clock.advance(3_600_000 - 5_000 + 99);
      assert.equal(h.queue.len(), 0);
      await h.clock.advance(1);
      assert.equal(h.queue.len(), 1);
    } finally {
      await h.stop();
    }
  });

  it('writes the scheduled timestamp in spec.timeZone', async () => {
    const h = await setup([newCronJob({ schedule: '0 11 * * *', timeZone: 'Europe/Berlin' })]);
    try {
      await h.cc.sync('ns/cj');
      const job = jobsOf(h.cluster)[0];
      assert.equal(
        job?.metadata?.annotations?.[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION],
        '2024-01-01T11:00:00+01:00',
      );
    } finally {
      await h.stop();
    }
  });

  it('Forbid skips while a Job is active', async () => {
    const active = childJob('cj-old');
    const h = await setup(
      [
        newCronJob(
          { concurrencyPolicy: 'Forbid' },
          {
            active: [{ kind: 'Job', namespace: 'ns', name: 'cj-old', uid: 'uid-cj-old' }],
            lastScheduleTime: '2024-01-01T09:00:00Z',
          },
        ),
      ],
      [active],
    );
    try {
      await h.cc.sync('ns/cj');
      assert.equal(jobsOf(h.cluster).length, 1);
      assert.deepEqual(h.recorder.events, [
        'Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid',
      ]);
    } finally {
      await h.stop();
    }
  });

  it('Replace deletes the active Job and creates the new one', async () => {
    const h = await setup(
      [
        newCronJob(
          { concurrencyPolicy: 'Replace' },
          {
            active: [{ kind: 'Job', namespace: 'ns', name: 'cj-old', uid: 'uid-cj-old' }],
            lastScheduleTime: '2024-01-01T09:00:00Z',
          },
        ),
      ],
      [childJob('cj-old')],
    );
    try {
      await h.cc.sync('ns/cj');
      assert.deepEqual(
        jobsOf(h.cluster).map((j) => j.metadata?.name),
        [`cj-${T0 / 60_000}`],
      );
      const del = h.cluster.writes().find((a) => a.verb === 'delete');
      assert.deepEqual(del?.object, { propagationPolicy: 'Background' });
      assert.deepEqual(h.recorder.events, [
        'Normal SuccessfulDelete Deleted job cj-old',
        `Normal SuccessfulCreate Created job cj-${T0 / 60_000}`,
      ]);
      assert.equal(cjOf(h.cluster).status?.active?.length, 1);
    } finally {
      await h.stop();
    }
  });

  it('schedules nothing older than startingDeadlineSeconds', async () => {
    const h = await setup([newCronJob({ startingDeadlineSeconds: 10 })], [], T0 + 60_000);
    try {
      await h.cc.sync('ns/cj');
      // The look-back starts at the deadline, so nothing unmet is left: upstream's
      // MissSchedule branch cannot fire since the deadline bounds the search.
      assert.equal(jobsOf(h.cluster).length, 0);
      assert.deepEqual(h.recorder.events, []);
    } finally {
      await h.stop();
    }
  });

  it('sees completed Jobs, records lastSuccessfulTime and applies history limits', async () => {
    const h = await setup(
      [
        newCronJob(
          { successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0, suspend: true },
          {
            active: [{ kind: 'Job', namespace: 'ns', name: 'cj-3', uid: 'uid-cj-3' }],
            lastScheduleTime: '2024-01-01T09:00:00Z',
          },
        ),
      ],
      [
        childJob('cj-1', { finished: 'Complete', start: '2024-01-01T07:00:00Z' }),
        childJob('cj-2', { finished: 'Failed', start: '2024-01-01T08:00:00Z' }),
        childJob('cj-3', { finished: 'Complete', start: '2024-01-01T09:00:00Z' }),
      ],
    );
    try {
      await h.cc.sync('ns/cj');
      assert.deepEqual(
        jobsOf(h.cluster).map((j) => j.metadata?.name),
        ['cj-3'],
      );
      const cj = cjOf(h.cluster);
      assert.equal(cj.status?.active, undefined);
      assert.deepEqual(h.recorder.events.sort(), [
        'Normal SawCompletedJob Saw completed job: cj-3, condition: Complete',
        'Normal SuccessfulDelete Deleted job cj-1',
        'Normal SuccessfulDelete Deleted job cj-2',
      ]);
    } finally {
      await h.stop();
    }
  });

  it('drops an active Job that went missing', async () => {
    const h = await setup([
      newCronJob(
        { suspend: true },
        { active: [{ kind: 'Job', namespace: 'ns', name: 'gone', uid: 'uid-gone' }] },
      ),
    ]);
    try {
      await h.cc.sync('ns/cj');
      assert.equal(cjOf(h.cluster).status?.active, undefined);
      assert.deepEqual(h.recorder.events, ['Normal MissingJob Active job went missing: gone']);
    } finally {
      await h.stop();
    }
  });

  it('reports an unparseable schedule', async () => {
    const h = await setup([newCronJob({ schedule: '* * *' })]);
    try {
      await h.cc.sync('ns/cj');
      assert.deepEqual(h.recorder.events, [
        'Warning UnparseableSchedule unparseable schedule: "* * *" : expected exactly 5 fields, found 3: [* * *]',
      ]);
      await settle();
    } finally {
      await h.stop();
    }
  });
});
