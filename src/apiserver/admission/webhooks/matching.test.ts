// Rule tables from Kubernetes 1.32 .../webhook/predicates/rules/rules_test.go (TestGroup,
// TestVersion, TestOperation, TestResource, TestScope), with the other rule fields wildcarded
// so each table checks one predicate; selector cases after namespace/object matcher_test.go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import { StatusError } from '../../../api/index.ts';
import {
  isExemptAdmissionConfigurationResource,
  matchNamespaceSelector,
  matchObjectSelector,
  ruleMatches,
  shouldCallHook,
} from './matching.ts';
import type { MatchableWebhook, RuleAttributes, WebhookRule } from './matching.ts';
import type { AdmissionAttributes } from './types.ts';

function a(
  group: string,
  version: string,
  resource: string,
  subresource: string,
  operation = 'CREATE',
  namespace = 'ns',
): RuleAttributes {
  return { operation, resource: { group, version, resource }, subresource, namespace };
}
const cluster = (g: string, v: string, r: string, sub: string): RuleAttributes =>
  a(g, v, r, sub, 'CREATE', '');

const ALL: WebhookRule = {
  operations: ['*'],
  apiGroups: ['*'],
  apiVersions: ['*'],
  resources: ['*/*'],
};

const tables: {
  name: string;
  rule: WebhookRule;
  match: RuleAttributes[];
  noMatch: RuleAttributes[];
}[] = [
  {
    name: 'group wildcard',
    rule: { ...ALL, apiGroups: ['*'] },
    match: [a('g', 'v', 'r', '')],
    noMatch: [],
  },
  {
    name: 'group exact',
    rule: { ...ALL, apiGroups: ['g1', 'g2'] },
    match: [a('g1', 'v', 'r', ''), a('g2', 'v2', 'r3', '')],
    noMatch: [a('g3', 'v', 'r', ''), a('g4', 'v', 'r', '')],
  },
  {
    name: 'version exact',
    rule: { ...ALL, apiVersions: ['v1', 'v2'] },
    match: [a('g1', 'v1', 'r', ''), a('g2', 'v2', 'r', '')],
    noMatch: [a('g1', 'v3', 'r', ''), a('g2', 'v4', 'r', '')],
  },
  {
    name: 'operation wildcard',
    rule: { ...ALL, operations: ['*'] },
    match: ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'].map((op) => a('g', 'v', 'r', '', op)),
    noMatch: [],
  },
  {
    name: 'operation create',
    rule: { ...ALL, operations: ['CREATE'] },
    match: [a('g', 'v', 'r', '', 'CREATE')],
    noMatch: ['UPDATE', 'DELETE', 'CONNECT'].map((op) => a('g', 'v', 'r', '', op)),
  },
  {
    name: 'operation multiple',
    rule: { ...ALL, operations: ['UPDATE', 'DELETE'] },
    match: [a('g', 'v', 'r', '', 'UPDATE'), a('g', 'v', 'r', '', 'DELETE')],
    noMatch: [a('g', 'v', 'r', '', 'CREATE'), a('g', 'v', 'r', '', 'CONNECT')],
  },
  {
    name: 'no subresources',
    rule: { ...ALL, resources: ['*'] },
    match: [a('g', 'v', 'r', ''), a('2', 'v', 'r2', '')],
    noMatch: [a('g', 'v', 'r', 'exec'), a('2', 'v', 'r2', 'proxy')],
  },
  {
    name: 'r & subresources',
    rule: { ...ALL, resources: ['r/*'] },
    match: [a('g', 'v', 'r', ''), a('g', 'v', 'r', 'exec')],
    noMatch: [a('2', 'v', 'r2', ''), a('2', 'v', 'r2', 'proxy')],
  },
  {
    name: 'r & subresources or r2',
    rule: { ...ALL, resources: ['r/*', 'r2'] },
    match: [a('g', 'v', 'r', ''), a('g', 'v', 'r', 'exec'), a('2', 'v', 'r2', '')],
    noMatch: [a('2', 'v', 'r2', 'proxy')],
  },
  {
    name: 'proxy or exec',
    rule: { ...ALL, resources: ['*/proxy', '*/exec'] },
    match: [a('g', 'v', 'r', 'exec'), a('2', 'v', 'r2', 'proxy'), a('2', 'v', 'r3', 'proxy')],
    noMatch: [a('g', 'v', 'r', ''), a('2', 'v', 'r2', ''), a('2', 'v', 'r4', 'scale')],
  },
  {
    name: 'pods/status only',
    rule: { ...ALL, resources: ['pods/status'] },
    match: [a('', 'v1', 'pods', 'status')],
    noMatch: [a('', 'v1', 'pods', ''), a('', 'v1', 'pods', 'exec')],
  },
  {
    name: 'cluster scope',
    rule: { ...ALL, resources: ['*/*'], scope: 'Cluster' },
    match: [
      cluster('g', 'v', 'r', ''),
      cluster('g', 'v', 'r', 'exec'),
      cluster('', 'v1', 'namespaces', ''),
      cluster('', 'v1', 'namespaces', 'finalize'),
      a('', 'v1', 'namespaces', ''),
      a('', 'v1', 'namespaces', 'finalize'),
    ],
    noMatch: [a('g', 'v', 'r', ''), a('g', 'v', 'r', 'exec')],
  },
  {
    name: 'namespace scope',
    rule: { ...ALL, resources: ['*/*'], scope: 'Namespaced' },
    match: [a('g', 'v', 'r', ''), a('g', 'v', 'r', 'exec')],
    noMatch: [
      cluster('', 'v1', 'namespaces', ''),
      cluster('', 'v1', 'namespaces', 'finalize'),
      a('', 'v1', 'namespaces', ''),
      a('', 'v1', 'namespaces', 'finalize'),
      cluster('g', 'v', 'r', ''),
      cluster('g', 'v', 'r', 'exec'),
    ],
  },
  {
    name: 'all scopes',
    rule: { ...ALL, resources: ['*/*'], scope: '*' },
    match: [a('g', 'v', 'r', ''), cluster('g', 'v', 'r', 'exec'), a('', 'v1', 'namespaces', '')],
    noMatch: [],
  },
];

describe('ruleMatches', () => {
  for (const t of tables) {
    it(t.name, () => {
      for (const m of t.match) assert.equal(ruleMatches(t.rule, m), true, JSON.stringify(m));
      for (const m of t.noMatch) assert.equal(ruleMatches(t.rule, m), false, JSON.stringify(m));
    });
  }
  it('an unknown scope and an empty rule match nothing', () => {
    assert.equal(ruleMatches({ ...ALL, scope: 'Other' }, a('g', 'v', 'r', '')), false);
    assert.equal(ruleMatches({}, a('g', 'v', 'r', '')), false);
  });
});

function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'pods' },
    subresource: '',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    name: 'p',
    namespace: 'ns',
    object: { metadata: { name: 'p', labels: { app: 'web' } } },
    dryRun: false,
    userInfo: { username: 'u' },
    ...over,
  };
}

const namespaces: Record<string, Namespace> = {
  ns: { metadata: { name: 'ns', labels: { runlevel: '1' } } },
  other: { metadata: { name: 'other' } },
};
const getNamespace = (n: string): Namespace | undefined => namespaces[n];

function hook(over: Partial<MatchableWebhook> = {}): MatchableWebhook {
  return {
    name: 'h.example.com',
    rules: [{ operations: ['*'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    namespaceSelector: {},
    objectSelector: {},
    ...over,
  };
}

describe('namespaceSelector', () => {
  const sel = { matchExpressions: [{ key: 'runlevel', operator: 'NotIn', values: ['0', '1'] }] };
  const cases: { name: string; attrs: AdmissionAttributes; expected: boolean }[] = [
    { name: 'namespace labels excluded', attrs: attrs(), expected: false },
    { name: 'namespace without the label', attrs: attrs({ namespace: 'other' }), expected: true },
    {
      name: 'cluster-scoped objects are never exempted',
      attrs: attrs({ namespace: '', resource: { group: '', version: 'v1', resource: 'nodes' } }),
      expected: true,
    },
    {
      name: 'a namespace being created is matched on its new labels',
      attrs: attrs({
        namespace: 'new',
        resource: { group: '', version: 'v1', resource: 'namespaces' },
        object: { metadata: { name: 'new', labels: { runlevel: '0' } } },
      }),
      expected: false,
    },
    {
      name: 'a namespace being deleted is matched on the stored labels',
      attrs: attrs({
        operation: 'DELETE',
        namespace: 'other',
        resource: { group: '', version: 'v1', resource: 'namespaces' },
        object: undefined,
      }),
      expected: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(
        matchNamespaceSelector(hook({ namespaceSelector: sel }), c.attrs, getNamespace),
        c.expected,
      );
    });
  }
  it('a missing namespace is a 404, an unparsable selector a 500', () => {
    const err = matchNamespaceSelector(
      hook({ namespaceSelector: sel }),
      attrs({ namespace: 'gone' }),
      getNamespace,
    );
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 404);
    assert.equal(err.message, 'namespaces "gone" not found');
    const bad = matchNamespaceSelector(
      hook({ namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Bogus' }] } }),
      attrs(),
      getNamespace,
    );
    assert.ok(bad instanceof StatusError);
    assert.equal(bad.code, 500);
  });
});

describe('objectSelector', () => {
  const sel = { matchLabels: { app: 'web' } };
  it('matches new or old object labels', () => {
    assert.equal(matchObjectSelector(hook({ objectSelector: sel }), attrs()), true);
    assert.equal(
      matchObjectSelector(
        hook({ objectSelector: sel }),
        attrs({
          object: { metadata: { labels: {} } },
          oldObject: { metadata: { labels: { app: 'web' } } },
        }),
      ),
      true,
    );
    assert.equal(
      matchObjectSelector(
        hook({ objectSelector: sel }),
        attrs({ object: { metadata: { labels: { app: 'db' } } } }),
      ),
      false,
    );
  });
  it('objects without metadata (connect options) never match a non-empty selector', () => {
    assert.equal(
      matchObjectSelector(
        hook({ objectSelector: sel }),
        attrs({ object: { kind: 'PodExecOptions' } }),
      ),
      false,
    );
    assert.equal(matchObjectSelector(hook(), attrs({ object: undefined })), true);
  });
});

describe('shouldCallHook', () => {
  const equivalents = () => [
    {
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
    },
    {
      resource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
      kind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
    },
  ];
  const deployment = attrs({
    resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
  });
  const extRule = {
    operations: ['CREATE'],
    apiGroups: ['extensions'],
    apiVersions: ['v1beta1'],
    resources: ['deployments'],
  };
  it('matches directly under the request version', () => {
    const inv = shouldCallHook(hook(), attrs(), getNamespace, undefined);
    assert.deepEqual(inv, {
      resource: { group: '', version: 'v1', resource: 'pods' },
      subresource: '',
      kind: { group: '', version: 'v1', kind: 'Pod' },
    });
  });
  it('matchPolicy Equivalent calls under the matched equivalent; Exact does not', () => {
    const inv = shouldCallHook(
      hook({ rules: [extRule], matchPolicy: 'Equivalent' }),
      deployment,
      getNamespace,
      equivalents,
    );
    assert.deepEqual(inv, {
      resource: { group: 'extensions', version: 'v1beta1', resource: 'deployments' },
      subresource: '',
      kind: { group: 'extensions', version: 'v1beta1', kind: 'Deployment' },
    });
    assert.equal(
      shouldCallHook(
        hook({ rules: [extRule], matchPolicy: 'Exact' }),
        deployment,
        getNamespace,
        equivalents,
      ),
      undefined,
    );
  });
  it('reports a selector error only when a rule matches', () => {
    const h = hook({ namespaceSelector: { matchLabels: { x: 'y' } } });
    const err = shouldCallHook(h, attrs({ namespace: 'gone' }), getNamespace, undefined);
    assert.ok(err instanceof StatusError);
    assert.equal(
      shouldCallHook(
        h,
        attrs({
          namespace: 'gone',
          operation: 'CONNECT',
          resource: { group: '', version: 'v1', resource: 'services' },
        }),
        getNamespace,
        undefined,
      ),
      undefined,
    );
  });
});

describe('isExemptAdmissionConfigurationResource', () => {
  it('exempts the admission configuration kinds only', () => {
    const g = 'admissionregistration.k8s.io';
    assert.equal(
      isExemptAdmissionConfigurationResource({
        group: g,
        version: 'v1',
        kind: 'MutatingWebhookConfiguration',
      }),
      true,
    );
    assert.equal(
      isExemptAdmissionConfigurationResource({
        group: g,
        version: 'v1',
        kind: 'ValidatingWebhookConfiguration',
      }),
      true,
    );
    assert.equal(
      isExemptAdmissionConfigurationResource({ group: '', version: 'v1', kind: 'Pod' }),
      false,
    );
  });
});
