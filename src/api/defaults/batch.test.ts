import { describe, it } from 'node:test';
import { assertDefaults } from './test-util.ts';
import type { DefaultingCase } from './test-util.ts';

const templateSpecDefaults = {
  dnsPolicy: 'ClusterFirst',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};
const busybox = {
  name: 'job',
  image: 'busybox',
  imagePullPolicy: 'Always',
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

const cases: DefaultingCase[] = [
  {
    // `kubectl create job job --image=busybox` (restartPolicy Never comes from kubectl).
    name: 'Job as kubectl create job sends it',
    input: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: { name: 'job' },
      spec: {
        template: {
          metadata: {},
          spec: {
            containers: [{ name: 'job', image: 'busybox', resources: {} }],
            restartPolicy: 'Never',
          },
        },
      },
      status: {},
    },
    expected: {
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: { name: 'job' },
      spec: {
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        completions: 1,
        manualSelector: false,
        parallelism: 1,
        podReplacementPolicy: 'TerminatingOrFailed',
        suspend: false,
        template: {
          metadata: {},
          spec: {
            containers: [{ ...busybox, resources: {} }],
            restartPolicy: 'Never',
            ...templateSpecDefaults,
          },
        },
      },
      status: {},
    },
  },
  {
    name: 'Job: labels from the template, completions only, backoffLimitPerIndex, podFailurePolicy',
    input: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: {
        completions: 5,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 1,
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] },
            { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
            { action: 'Count', onPodConditions: [{ type: 'X', status: 'False' }] },
          ],
        },
        template: {
          metadata: { labels: { app: 'batch' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox' }] },
        },
      },
    },
    expected: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', labels: { app: 'batch' } },
      spec: {
        completions: 5,
        parallelism: 1,
        completionMode: 'Indexed',
        backoffLimitPerIndex: 1,
        backoffLimit: 2147483647,
        suspend: false,
        manualSelector: false,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
            { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } },
            { action: 'Count', onPodConditions: [{ type: 'X', status: 'False' }] },
          ],
        },
        template: {
          metadata: { labels: { app: 'batch' } },
          spec: {
            restartPolicy: 'Never',
            containers: [busybox],
            ...templateSpecDefaults,
          },
        },
      },
    },
  },
  {
    name: 'Job: explicit values kept (parallelism only, own labels)',
    input: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', labels: { own: 'yes' } },
      spec: {
        parallelism: 3,
        backoffLimit: 0,
        suspend: true,
        manualSelector: true,
        completionMode: 'NonIndexed',
        podReplacementPolicy: 'Failed',
        template: {
          metadata: { labels: { app: 'x' } },
          spec: { restartPolicy: 'OnFailure', containers: [] },
        },
      },
    },
    expected: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', labels: { own: 'yes' } },
      spec: {
        parallelism: 3,
        backoffLimit: 0,
        suspend: true,
        manualSelector: true,
        completionMode: 'NonIndexed',
        podReplacementPolicy: 'Failed',
        template: {
          metadata: { labels: { app: 'x' } },
          spec: { restartPolicy: 'OnFailure', containers: [], ...templateSpecDefaults },
        },
      },
    },
  },
  {
    // `kubectl create cronjob cj --image=busybox --schedule='*/1 * * * *'`.
    name: 'CronJob: history limits, policy, suspend; the job template gets pod defaults only',
    input: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: { name: 'cj' },
      spec: {
        schedule: '*/1 * * * *',
        jobTemplate: {
          metadata: { name: 'cj' },
          spec: {
            template: {
              metadata: {},
              spec: {
                containers: [{ name: 'job', image: 'busybox', resources: {} }],
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
      status: {},
    },
    expected: {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: { name: 'cj' },
      spec: {
        schedule: '*/1 * * * *',
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: {
          metadata: { name: 'cj' },
          spec: {
            template: {
              metadata: {},
              spec: {
                containers: [{ ...busybox, resources: {} }],
                restartPolicy: 'OnFailure',
                ...templateSpecDefaults,
              },
            },
          },
        },
      },
      status: {},
    },
  },
  {
    name: 'CronJob: explicit values kept',
    input: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj' },
      spec: {
        schedule: '@daily',
        concurrencyPolicy: 'Forbid',
        suspend: true,
        successfulJobsHistoryLimit: 0,
        failedJobsHistoryLimit: 0,
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [] } } } },
      },
    },
    expected: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj' },
      spec: {
        schedule: '@daily',
        concurrencyPolicy: 'Forbid',
        suspend: true,
        successfulJobsHistoryLimit: 0,
        failedJobsHistoryLimit: 0,
        jobTemplate: {
          spec: {
            template: {
              spec: { restartPolicy: 'Never', containers: [], ...templateSpecDefaults },
            },
          },
        },
      },
    },
  },
];

describe('batch/v1 defaults', () => {
  for (const c of cases)
    it(c.name, () => {
      assertDefaults(c);
    });
});
