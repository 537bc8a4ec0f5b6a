import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStandardCron, prepareJob, validateCreate, validateUpdate } from './index.ts';
import { at, defaulted, messages } from './test-util.ts';
import type { Json } from './test-util.ts';

const UID = '1a2b3c4d-0000-4000-8000-000000000001';

/** `kubectl create job j --image=busybox` before defaulting. */
const JOB: Json = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j', namespace: 'default', uid: UID },
  spec: {
    template: {
      metadata: {},
      spec: {
        containers: [{ name: 'j', image: 'busybox', resources: {} }],
        restartPolicy: 'Never',
      },
    },
  },
};

/** A defaulted, prepared Job, as the API server has it before validation. */
function job(mutate?: (o: Json) => void): Json {
  const o = defaulted(JOB);
  mutate?.(o);
  prepareJob(o, UID);
  return o;
}

void describe('prepareJob', () => {
  it('generates the selector and labels', () => {
    const o = job();
    assert.deepEqual(at(o, 'spec', 'selector'), {
      matchLabels: { 'batch.kubernetes.io/controller-uid': UID },
    });
    assert.deepEqual(at(o, 'spec', 'template', 'metadata', 'labels'), {
      'job-name': 'j',
      'batch.kubernetes.io/job-name': 'j',
      'controller-uid': UID,
      'batch.kubernetes.io/controller-uid': UID,
    });
  });
  it('is idempotent and leaves manual selectors alone', () => {
    const o = job();
    const before = structuredClone(o);
    prepareJob(o, UID);
    assert.deepEqual(o, before);
    const manual = defaulted(JOB);
    at(manual, 'spec').manualSelector = true;
    prepareJob(manual, UID);
    assert.equal(at(manual, 'spec').selector, undefined);
  });
});

void describe('job validation', () => {
  const cases: { name: string; obj: () => Json; expected: string[] }[] = [
    { name: 'valid job', obj: () => job(), expected: [] },
    {
      name: 'restartPolicy Always is rejected',
      obj: () => job((o) => (at(o, 'spec', 'template', 'spec').restartPolicy = 'Always')),
      expected: [
        'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      ],
    },
    {
      name: 'restartPolicy unsupported',
      obj: () => job((o) => (at(o, 'spec', 'template', 'spec').restartPolicy = 'Sometimes')),
      expected: [
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
      ],
    },
    {
      name: 'negative counts',
      obj: () =>
        job((o) => {
          Object.assign(at(o, 'spec'), { parallelism: -1, completions: -1, backoffLimit: -1 });
        }),
      expected: [
        'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
        'spec.completions: Invalid value: -1: must be greater than or equal to 0',
        'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      ],
    },
    {
      name: 'indexed job needs completions',
      obj: () =>
        job((o) => {
          at(o, 'spec').completionMode = 'Indexed';
          delete at(o, 'spec').completions;
        }),
      expected: ['spec.completions: Required value: when completion mode is Indexed'],
    },
    {
      name: 'completion mode not supported',
      obj: () => job((o) => (at(o, 'spec').completionMode = 'Sometimes')),
      expected: [
        'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
      ],
    },
    {
      name: 'conflicting job-name label',
      obj: () =>
        job(
          (o) =>
            (at(o, 'spec', 'template', 'metadata').labels = {
              'batch.kubernetes.io/job-name': 'x',
            }),
        ),
      expected: [
        'spec.template.metadata.labels[batch.kubernetes.io/job-name]: Invalid value: {"batch.kubernetes.io/job-name":"x","job-name":"j","controller-uid":"1a2b3c4d-0000-4000-8000-000000000001","batch.kubernetes.io/controller-uid":"1a2b3c4d-0000-4000-8000-000000000001"}: must be \'j\'',
      ],
    },
    {
      name: 'manual selector must match the template',
      obj: () =>
        job((o) => {
          at(o, 'spec').manualSelector = true;
          at(o, 'spec').selector = { matchLabels: { a: 'b' } };
        }),
      expected: [
        'spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(messages(validateCreate(c.obj())), c.expected);
    });
  }

  it('selector and template are immutable', () => {
    const old = job();
    const obj = structuredClone(old);
    at(obj, 'spec', 'template', 'spec', 'containers', 0).image = 'busybox:2';
    const msgs = messages(validateUpdate(obj, old));
    assert.equal(msgs.length, 1);
    assert.match(msgs[0] ?? '', /^spec\.template: Invalid value: .*: field is immutable$/);
  });
  it('a suspended, never started job may change scheduling directives', () => {
    const old = job((o) => (at(o, 'spec').suspend = true));
    const obj = structuredClone(old);
    at(obj, 'spec', 'template', 'spec').nodeSelector = { zone: 'a' };
    assert.deepEqual(messages(validateUpdate(obj, old)), []);
  });
  it('completions are immutable for non-indexed jobs', () => {
    const old = job();
    const obj = structuredClone(old);
    at(obj, 'spec').completions = 3;
    assert.deepEqual(messages(validateUpdate(obj, old)), [
      'spec.completions: Invalid value: 3: field is immutable',
    ]);
  });
});

/** `kubectl create cronjob c --image=busybox --schedule="*\/1 * * * *"` before defaulting. */
const CRONJOB: Json = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'c', namespace: 'default' },
  spec: {
    schedule: '*/1 * * * *',
    jobTemplate: {
      metadata: { name: 'c' },
      spec: {
        template: {
          metadata: {},
          spec: {
            containers: [{ name: 'c', image: 'busybox', resources: {} }],
            restartPolicy: 'OnFailure',
          },
        },
      },
    },
  },
};

void describe('cronjob validation', () => {
  const cases: { name: string; mutate: (o: Json) => void; expected: string[] }[] = [
    { name: 'valid cronjob', mutate: () => undefined, expected: [] },
    { name: 'macro schedule', mutate: (o) => (at(o, 'spec').schedule = '@hourly'), expected: [] },
    {
      name: 'schedule required',
      mutate: (o) => (at(o, 'spec').schedule = ''),
      expected: ['spec.schedule: Required value'],
    },
    {
      name: 'schedule with too few fields',
      mutate: (o) => (at(o, 'spec').schedule = '* * *'),
      expected: [
        'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]',
      ],
    },
    {
      name: 'schedule out of range',
      mutate: (o) => (at(o, 'spec').schedule = '61 * * * *'),
      expected: [
        'spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61',
      ],
    },
    {
      name: 'unknown descriptor',
      mutate: (o) => (at(o, 'spec').schedule = '@fortnightly'),
      expected: [
        'spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly',
      ],
    },
    {
      name: 'TZ in schedule',
      mutate: (o) => (at(o, 'spec').schedule = 'TZ=UTC 0 * * * *'),
      expected: [
        'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    },
    {
      name: 'timeZone must be known and explicit',
      mutate: (o) => (at(o, 'spec').timeZone = 'Local'),
      expected: [
        'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ],
    },
    {
      name: 'unknown timeZone',
      mutate: (o) => (at(o, 'spec').timeZone = 'Mars/Olympus'),
      expected: ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    },
    {
      name: 'IANA timeZone',
      mutate: (o) => (at(o, 'spec').timeZone = 'Europe/Paris'),
      expected: [],
    },
    {
      name: 'concurrencyPolicy not supported',
      mutate: (o) => (at(o, 'spec').concurrencyPolicy = 'Sometimes'),
      expected: [
        'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      ],
    },
    {
      name: 'negative startingDeadlineSeconds',
      mutate: (o) => (at(o, 'spec').startingDeadlineSeconds = -1),
      expected: [
        'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      ],
    },
    {
      name: 'job template may not set a selector',
      mutate: (o) => (at(o, 'spec', 'jobTemplate', 'spec').selector = { matchLabels: { a: 'b' } }),
      expected: [
        'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
      ],
    },
    {
      name: 'job template restartPolicy',
      mutate: (o) =>
        (at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec').restartPolicy = 'Always'),
      expected: [
        'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
      ],
    },
    {
      name: 'name longer than 52 characters',
      mutate: (o) => (at(o, 'metadata').name = 'c'.repeat(53)),
      expected: [
        `metadata.name: Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`,
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = defaulted(CRONJOB);
      c.mutate(o);
      assert.deepEqual(messages(validateCreate(o)), c.expected);
    });
  }
  it('TZ in schedule is tolerated on update when it was there', () => {
    const old = defaulted(CRONJOB);
    at(old, 'spec').schedule = 'TZ=UTC 0 * * * *';
    const obj = structuredClone(old);
    at(obj, 'spec').suspend = true;
    assert.deepEqual(messages(validateUpdate(obj, old)), []);
  });
});

void describe('robfig/cron ParseStandard port', () => {
  const errors: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['@every x', 'failed to parse duration @every x: time: invalid duration "x"'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    [
      'TZ=Nowhere/City * * * * *',
      'provided bad location Nowhere/City: unknown time zone Nowhere/City',
    ],
  ];
  for (const [spec, msg] of errors) {
    it(`rejects ${JSON.stringify(spec)}`, () => {
      assert.throws(() => parseStandardCron(spec), { message: msg });
    });
  }
  it('parses names, ranges and steps', () => {
    const s = parseStandardCron('0,30 9-17/4 * jan-mar MON-fri');
    assert.deepEqual([...s.minutes], [0, 30]);
    assert.deepEqual([...s.hours], [9, 13, 17]);
    assert.deepEqual([...s.months], [1, 2, 3]);
    assert.deepEqual([...s.daysOfWeek], [1, 2, 3, 4, 5]);
    assert.equal(s.domStar, true);
    assert.equal(s.dowStar, false);
  });
  it('parses descriptors and @every', () => {
    assert.deepEqual([...parseStandardCron('@weekly').daysOfWeek], [0]);
    assert.equal(parseStandardCron('@every 1h30m').everyMs, 5_400_000);
    assert.equal(parseStandardCron('CRON_TZ=Asia/Tokyo 0 0 * * *').location, 'Asia/Tokyo');
  });
});
