import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditPolicyError, parseAuditPolicy, validatePolicy } from './policy.ts';
import type { Policy, PolicyRule } from './types.ts';

// Upstream pkg/apis/audit/validation/validation_test.go TestValidatePolicy.
const validRules: PolicyRule[] = [
  { level: 'Metadata' },
  { level: 'None', userGroups: ['system:serviceaccounts', 'system:nodes'] },
  {
    level: 'RequestResponse',
    verbs: ['get'],
    resources: [{ group: 'rbac.authorization.k8s.io', resources: ['roles', 'rolebindings'] }],
    namespaces: ['kube-system'],
  },
  {
    level: 'Metadata',
    userGroups: ['developers'],
    nonResourceURLs: ['/logs*', '/healthz*', '/metrics', '*'],
  },
  { level: 'Metadata', omitStages: ['RequestReceived'] },
];

const invalidRules: [string, PolicyRule, string][] = [
  ['empty rule', { level: '' as PolicyRule['level'] }, 'rules[0].level: Required value'],
  [
    'missing level',
    {
      level: '' as PolicyRule['level'],
      verbs: ['get'],
      resources: [{ resources: ['secrets'] }],
      namespaces: ['kube-system'],
    },
    'rules[0].level: Required value',
  ],
  [
    'invalid level',
    { level: 'FooBar' as PolicyRule['level'] },
    'rules[0].level: Unsupported value: "FooBar": supported values: "None", "Metadata", "Request", "RequestResponse"',
  ],
  [
    'nonResourceURLs + namespaces',
    { level: 'Metadata', namespaces: ['default'], nonResourceURLs: ['/logs*'] },
    'rules[0].nonResourceURLs: Invalid value: []string{"/logs*"}: rules cannot apply to both regular resources and non-resource URLs',
  ],
  [
    'nonResourceURLs + resources',
    { level: 'Metadata', resources: [{ resources: ['secrets'] }], nonResourceURLs: ['/logs*'] },
    'rules[0].nonResourceURLs: Invalid value: []string{"/logs*"}: rules cannot apply to both regular resources and non-resource URLs',
  ],
  [
    'invalid group name',
    {
      level: 'Metadata',
      resources: [{ group: 'rbac.authorization.k8s.io/v1beta1', resources: ['roles'] }],
    },
    'rules[0].resources.group: Invalid value: "rbac.authorization.k8s.io/v1beta1": a lowercase RFC 1123 subdomain',
  ],
  [
    'non-resource URL without /',
    { level: 'Metadata', nonResourceURLs: ['logs', '/healthz*'] },
    `rules[0].nonResourceURLs[0]: Invalid value: "logs": non-resource URL rules must begin with a '/' character`,
  ],
  [
    'empty non-resource URL',
    { level: 'Metadata', nonResourceURLs: ['', '/healthz*'] },
    `rules[0].nonResourceURLs[0]: Invalid value: "": non-resource URL rules must begin with a '/' character`,
  ],
  [
    'several wildcards',
    { level: 'Metadata', nonResourceURLs: ['/logs/*/*', '/metrics'] },
    `rules[0].nonResourceURLs[0]: Invalid value: "/logs/*/*": non-resource URL wildcards '*' must be the final character of the rule`,
  ],
  [
    'wildcard not last',
    { level: 'Metadata', nonResourceURLs: ['/logs/*.log', '/metrics'] },
    `rules[0].nonResourceURLs[0]: Invalid value: "/logs/*.log": non-resource URL wildcards '*' must be the final character of the rule`,
  ],
  [
    'resourceNames without resources',
    {
      level: 'Metadata',
      verbs: ['get'],
      resources: [{ resourceNames: ['leader'] }],
      namespaces: ['kube-system'],
    },
    'rules[0].resources.resourceNames: Invalid value: []string{"leader"}: using resourceNames requires at least one resource',
  ],
  [
    'invalid omitStages in a rule',
    { level: 'Metadata', omitStages: ['foo' as PolicyRule['level'] as never] },
    'rules[0].omitStages[0]: Invalid value: "foo": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic',
  ],
];

describe('validatePolicy', () => {
  it('accepts upstream valid policies', () => {
    const cases: Policy[] = [
      ...validRules.map((r) => ({ rules: [r] })),
      { rules: [] },
      { rules: [], omitStages: ['RequestReceived'] },
      { rules: validRules },
    ];
    for (const p of cases) assert.deepEqual(validatePolicy(p).map(String), [], JSON.stringify(p));
  });

  for (const [name, rule, message] of invalidRules) {
    it(`rejects ${name}`, () => {
      const errs = validatePolicy({ rules: [rule] });
      assert.ok(errs.length > 0);
      assert.ok(errs[0]?.error().startsWith(message), `${errs[0]?.error()} !~ ${message}`);
    });
  }

  it('rejects an invalid rule after valid ones and invalid policy omitStages', () => {
    assert.equal(
      validatePolicy({ rules: [...validRules, { level: '' as PolicyRule['level'] }] })
        .map(String)
        .join(';'),
      'rules[5].level: Required value',
    );
    assert.equal(
      validatePolicy({ omitStages: ['foo' as never], rules: [{ level: 'Metadata' }] })
        .map(String)
        .join(';'),
      'omitStages[0]: Invalid value: "foo": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic',
    );
  });
});

describe('parseAuditPolicy', () => {
  it('parses YAML with every field', () => {
    const p = parseAuditPolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
omitManagedFields: true
rules:
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services", "pods/log"]
        resourceNames: ["a"]
  - level: Metadata
    nonResourceURLs: ["/healthz*"]
    omitStages: ["Panic"]
    omitManagedFields: false
  - level: RequestResponse
    namespaces: ["kube-system"]
    userGroups: ["system:nodes"]
`);
    assert.equal(p.rules.length, 3);
    assert.deepEqual(p.omitStages, ['RequestReceived']);
    assert.equal(p.omitManagedFields, true);
    assert.deepEqual(p.rules[0], {
      level: 'None',
      users: ['system:kube-proxy'],
      verbs: ['watch'],
      resources: [
        { group: '', resources: ['endpoints', 'services', 'pods/log'], resourceNames: ['a'] },
      ],
    });
    assert.deepEqual(p.rules[1], {
      level: 'Metadata',
      nonResourceURLs: ['/healthz*'],
      omitStages: ['Panic'],
      omitManagedFields: false,
    });
  });

  it('parses JSON', () => {
    const p = parseAuditPolicy(
      '{"apiVersion":"audit.k8s.io/v1","kind":"Policy","rules":[{"level":"Metadata"}]}',
    );
    assert.deepEqual(p.rules, [{ level: 'Metadata' }]);
  });

  const errors: [string, string, string | RegExp][] = [
    [
      'no rules',
      'apiVersion: audit.k8s.io/v1\nkind: Policy\n',
      'loaded illegal policy with 0 rules',
    ],
    [
      'validation',
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Foo\n- {}\n',
      '[rules[0].level: Unsupported value: "Foo": supported values: "None", "Metadata", "Request", "RequestResponse", rules[1].level: Required value]',
    ],
    [
      'missing kind',
      'apiVersion: audit.k8s.io/v1\nrules: []\n',
      /^failed decoding: Object 'Kind' is missing in/,
    ],
    [
      'old version',
      'apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n',
      /^failed decoding: no kind "Policy" is registered for version "audit.k8s.io\/v1beta1"/,
    ],
    [
      'wrong type',
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: {level: None}\n',
      'failed decoding: json: cannot unmarshal object into Go struct field Policy.rules of type []v1.PolicyRule',
    ],
    [
      'wrong nested type',
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: None, verbs: get}]\n',
      'failed decoding: json: cannot unmarshal string into Go struct field Policy.rules.verbs of type []string',
    ],
  ];
  for (const [name, text, message] of errors) {
    it(`fails: ${name}`, () => {
      assert.throws(
        () => parseAuditPolicy(text),
        (err: unknown) => {
          assert.ok(err instanceof AuditPolicyError);
          if (typeof message === 'string') assert.equal(err.message, message);
          else assert.match(err.message, message);
          return true;
        },
      );
    });
  }
});
