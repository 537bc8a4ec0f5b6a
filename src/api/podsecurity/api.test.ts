import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_POLICY,
  LATEST_VERSION,
  compareLevels,
  levelVersionString,
  majorMinorVersion,
  parseLevel,
  parseNamespacePolicy,
  parseVersion,
  versionOlder,
} from './api.ts';
import type { NamespacePolicy } from './api.ts';

describe('parseLevel / parseVersion', () => {
  it('parses levels', () => {
    for (const l of ['privileged', 'baseline', 'restricted'])
      assert.deepEqual(parseLevel(l), { value: l, error: undefined });
    assert.deepEqual(parseLevel('Restricted'), {
      value: 'restricted',
      error: 'must be one of privileged, baseline, restricted',
    });
  });
  const versions: [string, string | undefined][] = [
    ['latest', 'latest'],
    ['v1.0', 'v1.0'],
    ['v1.22', 'v1.22'],
    ['v1.999', 'v1.999'],
    ['v1.01', undefined],
    ['1.22', undefined],
    ['v2.0', undefined],
    ['v1.', undefined],
    ['', undefined],
    ['Latest', undefined],
  ];
  for (const [input, want] of versions) {
    it(`parseVersion(${JSON.stringify(input)})`, () => {
      const r = parseVersion(input);
      if (want === undefined) {
        assert.equal(r.error, 'must be "latest" or "v1.x"');
        assert.equal(r.value.latest, true);
      } else {
        assert.equal(r.error, undefined);
        assert.equal(
          levelVersionString({ level: 'baseline', version: r.value }),
          `baseline:${want}`,
        );
      }
    });
  }
  it('orders versions with latest last', () => {
    assert.equal(versionOlder(majorMinorVersion(1, 2), majorMinorVersion(1, 10)), true);
    assert.equal(versionOlder(majorMinorVersion(1, 10), LATEST_VERSION), true);
    assert.equal(versionOlder(LATEST_VERSION, majorMinorVersion(1, 999)), false);
    assert.equal(versionOlder(LATEST_VERSION, LATEST_VERSION), false);
  });
  it('compares levels', () => {
    assert.equal(compareLevels('privileged', 'baseline'), -1);
    assert.equal(compareLevels('restricted', 'baseline'), 1);
    assert.equal(compareLevels('baseline', 'restricted'), -1);
    assert.equal(compareLevels('baseline', 'privileged'), 1);
    assert.equal(compareLevels('baseline', 'baseline'), 0);
  });
});

describe('parseNamespacePolicy (upstream PolicyToEvaluate)', () => {
  const str = (p: NamespacePolicy): string =>
    [p.enforce, p.audit, p.warn].map((lv) => levelVersionString(lv)).join(' ');
  const cases: {
    name: string;
    labels?: Record<string, string>;
    defaults?: NamespacePolicy;
    want: string;
    errors?: string[];
  }[] = [
    { name: 'no labels', want: 'privileged:latest privileged:latest privileged:latest' },
    {
      name: 'all set',
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.30',
        'pod-security.kubernetes.io/audit': 'baseline',
        'pod-security.kubernetes.io/audit-version': 'v1.2',
        'pod-security.kubernetes.io/warn': 'restricted',
        'other/label': 'x',
      },
      want: 'restricted:v1.30 baseline:v1.2 restricted:latest',
    },
    {
      name: 'defaults used for missing labels',
      labels: { 'pod-security.kubernetes.io/warn': 'baseline' },
      defaults: {
        enforce: { level: 'baseline', version: majorMinorVersion(1, 25) },
        audit: { level: 'restricted', version: LATEST_VERSION },
        warn: { level: 'restricted', version: majorMinorVersion(1, 20) },
      },
      want: 'baseline:v1.25 restricted:latest baseline:v1.20',
    },
    {
      name: 'bad labels fail closed for enforce and open for audit/warn',
      labels: {
        'pod-security.kubernetes.io/enforce': 'foo',
        'pod-security.kubernetes.io/enforce-version': 'bar',
        'pod-security.kubernetes.io/audit': 'foo',
        'pod-security.kubernetes.io/audit-version': 'v1.x',
        'pod-security.kubernetes.io/warn': 'foo',
        'pod-security.kubernetes.io/warn-version': 'v1.22',
      },
      want: 'restricted:latest privileged:latest privileged:v1.22',
      errors: [
        'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "bar": must be "latest" or "v1.x"',
        'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "foo": must be one of privileged, baseline, restricted',
        'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "v1.x": must be "latest" or "v1.x"',
        'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "foo": must be one of privileged, baseline, restricted',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { policy, errors } = parseNamespacePolicy(c.labels, c.defaults ?? DEFAULT_POLICY);
      assert.equal(str(policy), c.want);
      assert.deepEqual(
        errors.map((e) => e.error()),
        c.errors ?? [],
      );
    });
  }
});
