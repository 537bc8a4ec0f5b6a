import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import {
  aggregateCheckResults,
  aggregateForbiddenDetail,
  aggregateForbiddenReason,
  aggregateMessage,
  evaluatePod,
  newEvaluator,
} from './registry.ts';
import { LATEST_VERSION, majorMinorVersion, versionString } from './api.ts';
import type { Level, PolicyVersion } from './api.ts';
import type { Check, CheckResult } from './checks.ts';

const plainPod: PodSpec = { containers: [{ name: 'c', image: 'nginx' }] };

describe('evaluatePod (default checks)', () => {
  const cases: { level: Level; version: PolicyVersion; count: number }[] = [
    { level: 'privileged', version: LATEST_VERSION, count: 0 },
    { level: 'baseline', version: LATEST_VERSION, count: 11 },
    { level: 'baseline', version: majorMinorVersion(1, 0), count: 11 },
    // 6 restricted checks replace 3 baseline ones.
    { level: 'restricted', version: LATEST_VERSION, count: 14 },
    { level: 'restricted', version: majorMinorVersion(1, 32), count: 14 },
    { level: 'restricted', version: majorMinorVersion(1, 99), count: 14 },
    // v1.0: restrictedVolumes and runAsNonRoot only; capabilities/seccomp baseline still apply.
    { level: 'restricted', version: majorMinorVersion(1, 0), count: 12 },
  ];
  for (const c of cases) {
    it(`${c.level}:${versionString(c.version)} runs ${String(c.count)} checks`, () => {
      assert.equal(
        evaluatePod({ level: c.level, version: c.version }, {}, plainPod).length,
        c.count,
      );
    });
  }

  it('gives the upstream restricted message for a plain pod, checks in ID order', () => {
    const results = evaluatePod({ level: 'restricted', version: LATEST_VERSION }, {}, plainPod);
    assert.equal(
      aggregateMessage(results),
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('orders baseline failures by check ID', () => {
    const spec: PodSpec = {
      hostNetwork: true,
      containers: [
        {
          name: 'c',
          securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN'] } },
          ports: [{ containerPort: 80, hostPort: 80 }],
        },
      ],
    };
    const r = aggregateCheckResults(
      evaluatePod({ level: 'baseline', version: LATEST_VERSION }, {}, spec),
    );
    assert.equal(
      aggregateForbiddenReason(r),
      'non-default capabilities, host namespaces, hostPort, privileged',
    );
  });

  it('accepts a pod that meets restricted', () => {
    const spec: PodSpec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        },
      ],
      volumes: [{ name: 'v', configMap: { name: 'x' } }],
    };
    assert.equal(
      aggregateMessage(evaluatePod({ level: 'restricted', version: LATEST_VERSION }, {}, spec)),
      '',
    );
  });

  it('restricted at v1.21 still applies baseline capabilities', () => {
    const spec: PodSpec = {
      containers: [{ name: 'c', securityContext: { capabilities: { add: ['NET_ADMIN'] } } }],
    };
    const reasons = aggregateForbiddenReason(
      aggregateCheckResults(
        evaluatePod({ level: 'restricted', version: majorMinorVersion(1, 21) }, {}, spec),
      ),
    );
    assert.equal(
      reasons,
      'non-default capabilities, allowPrivilegeEscalation != false, runAsNonRoot != true, seccompProfile',
    );
  });
});

describe('newEvaluator', () => {
  const fixed = (reason: string) => (): CheckResult => ({
    allowed: false,
    forbiddenReason: reason,
  });
  const checks: Check[] = [
    {
      id: 'b',
      level: 'baseline',
      versions: [
        { minimumVersion: majorMinorVersion(1, 0), checkPod: fixed('b1.0') },
        { minimumVersion: majorMinorVersion(1, 5), checkPod: fixed('b1.5') },
      ],
    },
    {
      id: 'a',
      level: 'baseline',
      versions: [{ minimumVersion: majorMinorVersion(1, 3), checkPod: fixed('a1.3') }],
    },
    {
      id: 'z',
      level: 'restricted',
      versions: [
        { minimumVersion: majorMinorVersion(1, 2), checkPod: fixed('z1.2') },
        {
          minimumVersion: majorMinorVersion(1, 4),
          checkPod: fixed('z1.4'),
          overrideCheckIDs: ['b'],
        },
      ],
    },
  ];
  const e = newEvaluator({ checks });
  const reasons = (level: Level, v: PolicyVersion): string =>
    aggregateForbiddenReason(
      aggregateCheckResults(e.evaluatePod({ level, version: v }, {}, undefined)),
    );
  const table: [Level, PolicyVersion, string][] = [
    ['baseline', majorMinorVersion(1, 0), 'b1.0'],
    ['baseline', majorMinorVersion(1, 3), 'a1.3, b1.0'],
    ['baseline', majorMinorVersion(1, 5), 'a1.3, b1.5'],
    ['baseline', LATEST_VERSION, 'a1.3, b1.5'],
    ['restricted', majorMinorVersion(1, 1), 'b1.0'],
    ['restricted', majorMinorVersion(1, 2), 'b1.0, z1.2'],
    ['restricted', majorMinorVersion(1, 4), 'a1.3, z1.4'],
    ['restricted', majorMinorVersion(1, 9), 'a1.3, z1.4'],
  ];
  for (const [level, v, want] of table) {
    it(`${level}:${versionString(v)} -> ${want}`, () => {
      assert.equal(reasons(level, v), want);
    });
  }
  it('reports maxVersion', () => {
    assert.deepEqual(e.maxVersion, majorMinorVersion(1, 5));
    assert.deepEqual(newEvaluator().maxVersion, majorMinorVersion(1, 32));
  });
  it('rejects invalid check lists', () => {
    assert.throws(
      () => newEvaluator({ checks: [checks[0] as Check, checks[0] as Check] }),
      /multiple checks registered for ID b/,
    );
    assert.throws(
      () => newEvaluator({ checks: [{ id: 'x', level: 'baseline', versions: [] }] }),
      /check x: empty/,
    );
    assert.throws(
      () =>
        newEvaluator({
          checks: [
            {
              id: 'x',
              level: 'baseline',
              versions: [
                { minimumVersion: majorMinorVersion(1, 2), checkPod: fixed('') },
                { minimumVersion: majorMinorVersion(1, 2), checkPod: fixed('') },
              ],
            },
          ],
        }),
      /strictly increasing/,
    );
  });
});

describe('aggregation', () => {
  it('formats reasons and details as upstream', () => {
    const results: CheckResult[] = [
      { allowed: false, forbiddenReason: 'host ports', forbiddenDetail: '8080, 9090' },
      { allowed: true },
      { allowed: false, forbiddenReason: 'privileged containers' },
      {
        allowed: false,
        forbiddenReason: 'non-default capabilities',
        forbiddenDetail: 'CAP_NET_RAW',
      },
      { allowed: false },
    ];
    const a = aggregateCheckResults(results);
    assert.equal(a.allowed, false);
    assert.equal(
      aggregateForbiddenReason(a),
      'host ports, privileged containers, non-default capabilities, unknown forbidden reason',
    );
    assert.equal(
      aggregateForbiddenDetail(a),
      'host ports (8080, 9090), privileged containers, non-default capabilities (CAP_NET_RAW), unknown forbidden reason',
    );
    assert.deepEqual(aggregateCheckResults([{ allowed: true }]), {
      allowed: true,
      forbiddenReasons: [],
      forbiddenDetails: [],
    });
  });
});
