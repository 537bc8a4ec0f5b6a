import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserInfo } from '../user.ts';
import { PolicyRuleEvaluator, auditAttributes, unionStages } from './checker.ts';
import type { AuditAttributes } from './checker.ts';
import type { Level, PolicyRule, Stage } from './types.ts';

// The tables of upstream pkg/audit/policy/checker_test.go.
const tim: UserInfo = { username: 'tim@k8s.io', groups: ['humans', 'developers'] };

const attrs: Record<string, AuditAttributes> = {
  namespaced: {
    user: tim,
    verb: 'get',
    namespace: 'default',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    name: 'busybox',
    isResourceRequest: true,
    path: '/api/v1/namespaces/default/pods/busybox',
  },
  cluster: {
    user: tim,
    verb: 'get',
    apiGroup: 'rbac.authorization.k8s.io',
    apiVersion: 'v1beta1',
    resource: 'clusterroles',
    name: 'edit',
    isResourceRequest: true,
    path: '/apis/rbac.authorization.k8s.io/v1beta1/clusterroles/edit',
  },
  nonResource: { user: tim, verb: 'get', isResourceRequest: false, path: '/logs/kubelet.log' },
  subresource: {
    user: tim,
    verb: 'get',
    namespace: 'default',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    subresource: 'log',
    name: 'busybox',
    isResourceRequest: true,
    path: '/api/v1/namespaces/default/pods/busybox',
  },
  Unauthorized: {
    verb: 'get',
    namespace: 'default',
    apiGroup: '',
    apiVersion: 'v1',
    resource: 'pods',
    name: 'busybox',
    isResourceRequest: true,
    path: '/api/v1/namespaces/default/pods/busybox',
  },
};

const rules: Record<string, PolicyRule> = {
  default: { level: 'Metadata' },
  create: { level: 'Request', verbs: ['create'] },
  tims: { level: 'Metadata', users: ['tim@k8s.io'] },
  humans: { level: 'Metadata', userGroups: ['humans'] },
  serviceAccounts: { level: 'Request', userGroups: ['system:serviceaccounts'] },
  getPods: { level: 'RequestResponse', verbs: ['get'], resources: [{ resources: ['pods'] }] },
  getPodLogs: { level: 'Request', verbs: ['get'], resources: [{ resources: ['pods/log'] }] },
  getPodWildcardMatching: { level: 'Request', verbs: ['get'], resources: [{ resources: ['*'] }] },
  getPodResourceWildcardMatching: {
    level: 'Request',
    verbs: ['get'],
    resources: [{ resources: ['*/log'] }],
  },
  getPodSubResourceWildcardMatching: {
    level: 'Request',
    verbs: ['get'],
    resources: [{ resources: ['pods/*'] }],
  },
  getClusterRoles: {
    level: 'RequestResponse',
    verbs: ['get'],
    resources: [{ group: 'rbac.authorization.k8s.io', resources: ['clusterroles'] }],
    namespaces: [''],
  },
  getLogs: { level: 'RequestResponse', verbs: ['get'], nonResourceURLs: ['/logs*'] },
  getMetrics: { level: 'Request', verbs: ['get'], nonResourceURLs: ['/metrics'] },
  clusterRoleEdit: {
    level: 'Request',
    resources: [
      { group: 'rbac.authorization.k8s.io', resources: ['clusterroles'], resourceNames: ['edit'] },
    ],
  },
  'omit RequestReceived': { level: 'Request', omitStages: ['RequestReceived'] },
  'only audit panic': {
    level: 'Request',
    omitStages: ['RequestReceived', 'ResponseStarted', 'ResponseComplete'],
  },
};

function check(
  req: string,
  expLevel: Level,
  policyStages: Stage[] | undefined,
  expStages: Stage[] | undefined,
  ...ruleNames: string[]
): void {
  const policyRules = ruleNames.map((n) => {
    const r = rules[n];
    assert.ok(r, n);
    return r;
  });
  const a = attrs[req];
  assert.ok(a, req);
  const got = new PolicyRuleEvaluator({
    rules: policyRules,
    ...(policyStages === undefined ? {} : { omitStages: policyStages }),
  }).evaluate(a);
  const label = `request:${req} rules:${ruleNames.join(',')}`;
  assert.equal(got.level, expLevel, label);
  assert.deepEqual(new Set(got.omitStages), new Set(expStages ?? []), label);
}

function testAuditLevel(stages: Stage[] | undefined): void {
  check('namespaced', 'Metadata', stages, stages, 'default');
  check('namespaced', 'None', stages, stages, 'create');
  check('namespaced', 'Metadata', stages, stages, 'tims');
  check('namespaced', 'Metadata', stages, stages, 'humans');
  check('namespaced', 'None', stages, stages, 'serviceAccounts');
  check('namespaced', 'RequestResponse', stages, stages, 'getPods');
  check('namespaced', 'None', stages, stages, 'getClusterRoles');
  check('namespaced', 'None', stages, stages, 'getLogs');
  check('namespaced', 'None', stages, stages, 'getMetrics');
  check('namespaced', 'Metadata', stages, stages, 'getMetrics', 'serviceAccounts', 'default');
  check('namespaced', 'RequestResponse', stages, stages, 'getMetrics', 'getPods', 'default');
  check('namespaced', 'RequestResponse', stages, stages, 'getPodLogs', 'getPods');

  check('cluster', 'Metadata', stages, stages, 'default');
  check('cluster', 'None', stages, stages, 'create');
  check('cluster', 'Metadata', stages, stages, 'tims');
  check('cluster', 'Metadata', stages, stages, 'humans');
  check('cluster', 'None', stages, stages, 'serviceAccounts');
  check('cluster', 'None', stages, stages, 'getPods');
  check('cluster', 'RequestResponse', stages, stages, 'getClusterRoles');
  check('cluster', 'Request', stages, stages, 'clusterRoleEdit', 'getClusterRoles');
  check('cluster', 'None', stages, stages, 'getLogs');
  check('cluster', 'None', stages, stages, 'getMetrics');
  check('cluster', 'Metadata', stages, stages, 'getMetrics', 'serviceAccounts', 'default');
  check('cluster', 'RequestResponse', stages, stages, 'getMetrics', 'getClusterRoles', 'default');
  check('cluster', 'None', stages, stages, 'getPodLogs', 'getPods');

  check('nonResource', 'Metadata', stages, stages, 'default');
  check('nonResource', 'None', stages, stages, 'create');
  check('nonResource', 'Metadata', stages, stages, 'tims');
  check('nonResource', 'Metadata', stages, stages, 'humans');
  check('nonResource', 'None', stages, stages, 'serviceAccounts');
  check('nonResource', 'None', stages, stages, 'getPods');
  check('nonResource', 'None', stages, stages, 'getClusterRoles');
  check('nonResource', 'RequestResponse', stages, stages, 'getLogs');
  check('nonResource', 'None', stages, stages, 'getMetrics');
  check('nonResource', 'Metadata', stages, stages, 'getMetrics', 'serviceAccounts', 'default');
  check('nonResource', 'RequestResponse', stages, stages, 'getLogs', 'getClusterRoles', 'default');
  check('nonResource', 'None', stages, stages, 'getPodLogs', 'getPods');

  check('subresource', 'Request', stages, stages, 'getPodLogs', 'getPods');
  check('subresource', 'Request', stages, stages, 'getPodWildcardMatching');
  check('subresource', 'Request', stages, stages, 'getPodResourceWildcardMatching');
  check('subresource', 'Request', stages, stages, 'getPodSubResourceWildcardMatching');

  check('Unauthorized', 'None', stages, stages, 'tims');
  check('Unauthorized', 'Metadata', stages, stages, 'tims', 'default');
  check('Unauthorized', 'None', stages, stages, 'humans');
  check('Unauthorized', 'Metadata', stages, stages, 'humans', 'default');
}

describe('PolicyRuleEvaluator', () => {
  it('TestChecker', () => {
    testAuditLevel(undefined);
    const rr: Stage[] = ['RequestReceived'];
    const allButPanic: Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete'];
    for (const req of ['namespaced', 'cluster', 'nonResource']) {
      check(req, 'Request', undefined, rr, 'omit RequestReceived', 'getPods', 'default');
      check(req, 'Request', undefined, allButPanic, 'only audit panic', 'getPods', 'default');
    }
  });

  it('TestCheckerPolicyOmitStages', () => {
    const policyStages: Stage[] = ['RequestReceived', 'ResponseStarted'];
    testAuditLevel(policyStages);
    const allButPanic: Stage[] = ['RequestReceived', 'ResponseStarted', 'ResponseComplete'];
    for (const req of ['namespaced', 'cluster']) {
      check(
        req,
        'Request',
        policyStages,
        policyStages,
        'omit RequestReceived',
        'getPods',
        'default',
      );
      check(req, 'Request', policyStages, allButPanic, 'only audit panic', 'getPods', 'default');
    }
    check(
      'nonResource',
      'Metadata',
      policyStages,
      policyStages,
      'default',
      'omit RequestReceived',
      'getPods',
    );
    check(
      'nonResource',
      'Request',
      policyStages,
      allButPanic,
      'only audit panic',
      'getPods',
      'default',
    );
  });

  it('TestOmitManagedFields', () => {
    const a: AuditAttributes = { verb: 'get', isResourceRequest: false, path: '/' };
    const rule: PolicyRule = { level: 'RequestResponse', verbs: ['get'] };
    const cases: [boolean, boolean | undefined, boolean][] = [
      [false, undefined, false],
      [true, undefined, true],
      [true, false, false],
      [false, true, true],
    ];
    for (const [policyDefault, ruleValue, want] of cases) {
      const r = ruleValue === undefined ? rule : { ...rule, omitManagedFields: ruleValue };
      const got = new PolicyRuleEvaluator({
        omitManagedFields: policyDefault,
        rules: [r],
      }).evaluate(a);
      assert.equal(got.omitManagedFields, want, `${policyDefault} ${String(ruleValue)}`);
    }
  });

  it('matches non-resource URL wildcards and namespaces of cluster-scoped resources', () => {
    const ev = new PolicyRuleEvaluator({
      rules: [
        { level: 'Request', nonResourceURLs: ['/apis*'] },
        { level: 'Metadata', namespaces: [''] },
      ],
    });
    assert.equal(
      ev.evaluate({ verb: 'get', isResourceRequest: false, path: '/apis/apps' }).level,
      'Request',
    );
    assert.equal(
      ev.evaluate({ verb: 'get', isResourceRequest: false, path: '/api' }).level,
      'None',
    );
    assert.equal(
      ev.evaluate({
        verb: 'list',
        isResourceRequest: true,
        path: '/api/v1/nodes',
        resource: 'nodes',
        namespace: '',
      }).level,
      'Metadata',
    );
  });
});

describe('unionStages', () => {
  const cases: [Stage[] | undefined, Stage[], Stage[]][] = [
    [[], [], []],
    [['RequestReceived'], [], ['RequestReceived']],
    [['RequestReceived'], ['RequestReceived'], ['RequestReceived']],
    [['RequestReceived'], ['ResponseStarted'], ['RequestReceived', 'ResponseStarted']],
    [
      ['RequestReceived', 'RequestReceived'],
      ['RequestReceived', 'RequestReceived'],
      ['RequestReceived'],
    ],
    [
      ['RequestReceived', 'ResponseStarted'],
      ['Panic', 'RequestReceived'],
      ['RequestReceived', 'ResponseStarted', 'Panic'],
    ],
    [undefined, ['RequestReceived'], ['RequestReceived']],
  ];
  for (const [a, b, exp] of cases) {
    it(`${JSON.stringify(a)} ∪ ${JSON.stringify(b)}`, () => {
      assert.deepEqual(unionStages(a, b), exp);
    });
  }
});

describe('auditAttributes', () => {
  it('maps resource and non-resource request infos', () => {
    assert.deepEqual(
      auditAttributes(
        {
          isResourceRequest: true,
          group: 'apps',
          version: 'v1',
          namespace: 'ns',
          resource: 'deployments',
          subresource: 'scale',
          name: 'd',
          verb: 'update',
        },
        '/apis/apps/v1/namespaces/ns/deployments/d/scale',
        tim,
      ),
      {
        user: tim,
        verb: 'update',
        isResourceRequest: true,
        path: '/apis/apps/v1/namespaces/ns/deployments/d/scale',
        namespace: 'ns',
        apiGroup: 'apps',
        apiVersion: 'v1',
        resource: 'deployments',
        subresource: 'scale',
        name: 'd',
      },
    );
    assert.deepEqual(
      auditAttributes(
        { isResourceRequest: false, path: '/healthz', verb: 'get' },
        '/healthz',
        undefined,
      ),
      {
        verb: 'get',
        isResourceRequest: false,
        path: '/healthz',
      },
    );
  });
});
