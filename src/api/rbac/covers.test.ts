import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { compactRules, compactString, covers, nonResourceURLCovers } from './covers.ts';

// upstream component-helpers policy_comparator_test.go
const cases: {
  name: string;
  owner: PolicyRule[];
  servant: PolicyRule[];
  uncovered: PolicyRule[];
}[] = [
  {
    name: 'exact match',
    owner: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['builds'] }],
    servant: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['builds'] }],
    uncovered: [],
  },
  {
    name: 'subresource wildcard',
    owner: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['*/scale'] }],
    servant: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['foo/scale'] }],
    uncovered: [],
  },
  {
    name: 'multiple rules covering a single rule',
    owner: [
      { apiGroups: ['v1'], verbs: ['delete'], resources: ['deployments'] },
      { apiGroups: ['v1'], verbs: ['delete'], resources: ['builds'] },
      { apiGroups: ['v1'], verbs: ['update'], resources: ['builds', 'deployments'] },
    ],
    servant: [
      { apiGroups: ['v1'], verbs: ['delete', 'update'], resources: ['builds', 'deployments'] },
    ],
    uncovered: [],
  },
  {
    name: 'single API groups rule covering multiple',
    owner: [
      {
        apiGroups: ['group1', 'group2'],
        verbs: ['delete', 'update'],
        resources: ['builds', 'deployments'],
      },
    ],
    servant: [
      { apiGroups: ['group1'], verbs: ['delete'], resources: ['deployments'] },
      { apiGroups: ['group2'], verbs: ['update'], resources: ['builds', 'deployments'] },
    ],
    uncovered: [],
  },
  {
    name: 'missing single verb/resource combination',
    owner: [
      { apiGroups: ['v1'], verbs: ['delete', 'update'], resources: ['builds', 'deployments'] },
      { apiGroups: ['v1'], verbs: ['delete'], resources: ['pods'] },
    ],
    servant: [
      {
        apiGroups: ['v1'],
        verbs: ['delete', 'update'],
        resources: ['builds', 'deployments', 'pods'],
      },
    ],
    uncovered: [{ apiGroups: ['v1'], verbs: ['update'], resources: ['pods'] }],
  },
  {
    name: 'API group star covering multiple',
    owner: [{ apiGroups: ['*'], verbs: ['get'], resources: ['roles'] }],
    servant: [{ apiGroups: ['group1', 'group2'], verbs: ['get'], resources: ['roles'] }],
    uncovered: [],
  },
  {
    name: 'enumeration not covering API group star',
    owner: [{ apiGroups: ['dummy-group'], verbs: ['get'], resources: ['roles'] }],
    servant: [{ apiGroups: ['*'], verbs: ['get'], resources: ['roles'] }],
    uncovered: [{ apiGroups: ['*'], verbs: ['get'], resources: ['roles'] }],
  },
  {
    name: 'enumeration not covering verb star',
    owner: [
      {
        apiGroups: ['v1'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'delete', 'exec'],
        resources: ['roles'],
      },
    ],
    servant: [{ apiGroups: ['v1'], verbs: ['*'], resources: ['roles'] }],
    uncovered: [{ apiGroups: ['v1'], verbs: ['*'], resources: ['roles'] }],
  },
  {
    name: 'resource star covering multiple',
    owner: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['*'] }],
    servant: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['resourcegroup:deployments'] }],
    uncovered: [],
  },
  {
    name: 'enumeration not covering resource star',
    owner: [
      { apiGroups: ['v1'], verbs: ['get'], resources: ['roles', 'resourcegroup:deployments'] },
    ],
    servant: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['*'] }],
    uncovered: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['*'] }],
  },
  {
    name: 'resource name empty covering multiple',
    owner: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['pods'], resourceNames: [] }],
    servant: [
      { apiGroups: ['v1'], verbs: ['get'], resources: ['pods'], resourceNames: ['foo', 'bar'] },
    ],
    uncovered: [],
  },
  {
    name: 'enumeration not covering resource name empty',
    owner: [
      { apiGroups: ['v1'], verbs: ['get'], resources: ['pods'], resourceNames: ['foo', 'bar'] },
    ],
    servant: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['pods'], resourceNames: [] }],
    uncovered: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['pods'] }],
  },
  {
    name: 'non-resource URLs star',
    owner: [{ nonResourceURLs: ['*'], verbs: ['*'] }],
    servant: [{ nonResourceURLs: ['/apis', '/apis/v1', '/'], verbs: ['*'] }],
    uncovered: [],
  },
  {
    name: 'non-resource URL star after prefix does not cover the prefix',
    owner: [{ nonResourceURLs: ['/apis/*'], verbs: ['*'] }],
    servant: [{ nonResourceURLs: ['/apis', '/apis/v1'], verbs: ['get'] }],
    uncovered: [{ nonResourceURLs: ['/apis'], verbs: ['get'] }],
  },
  {
    name: 'non-resource URLs with other fields, failure',
    owner: [{ apiGroups: ['v1'], verbs: ['get'], resources: ['builds'] }],
    servant: [
      { apiGroups: ['v1'], verbs: ['get'], resources: ['builds'], nonResourceURLs: ['/apis'] },
    ],
    uncovered: [{ nonResourceURLs: ['/apis'], verbs: ['get'] }],
  },
];

for (const c of cases) {
  test(`covers: ${c.name}`, () => {
    const got = covers(c.owner, c.servant);
    assert.equal(got.covered, c.uncovered.length === 0);
    assert.deepEqual(got.uncoveredRules, c.uncovered);
  });
}

test('nonResourceURLCovers (upstream TestNonResourceURLCovers)', () => {
  const table: [string, string, boolean][] = [
    ['*', '', true],
    ['*', '/', true],
    ['*', '/api', true],
    ['/*', '', false],
    ['/*', '/', true],
    ['/*', '/foo', true],
    ['/api', '/api', true],
    ['/apis', '/api', false],
    ['/api/v1', '/api', false],
    ['/api/v1', '/api/v1', true],
    ['/api/*', '/api/v1', true],
    ['/api/*', '/api', false],
    ['/api/*/*', '/api/v1', false],
    ['/*/v1/*', '/api/v1', false],
  ];
  for (const [owner, req, want] of table)
    assert.equal(nonResourceURLCovers(owner, req), want, `${owner} ${req}`);
});

test('compactRules merges single group/resource rules by verb (upstream policy_compact_test)', () => {
  const got = compactRules([
    { verbs: ['get'], apiGroups: [''], resources: ['builds'] },
    { verbs: ['list'], apiGroups: [''], resources: ['builds'] },
    { verbs: ['update', 'patch'], apiGroups: [''], resources: ['builds'] },
    { verbs: ['create'], apiGroups: ['extensions'], resources: ['builds'] },
    { verbs: ['get'], apiGroups: [''], resources: ['builds'], resourceNames: ['foo'] },
    { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    { verbs: ['delete'], apiGroups: [''], resources: ['builds'] },
  ]);
  assert.deepEqual(got, [
    { verbs: ['get'], apiGroups: [''], resources: ['builds'], resourceNames: ['foo'] },
    { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    { verbs: ['get', 'list', 'update', 'patch', 'delete'], apiGroups: [''], resources: ['builds'] },
    { verbs: ['create'], apiGroups: ['extensions'], resources: ['builds'] },
  ]);
});

test('compactString formats like Go %q slices', () => {
  assert.equal(
    compactString({ verbs: ['get', 'list'], apiGroups: ['', 'apps'], resources: ['pods'] }),
    '{APIGroups:["" "apps"], Resources:["pods"], Verbs:["get" "list"]}',
  );
  assert.equal(
    compactString({ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }),
    '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}',
  );
  assert.equal(
    compactString({ verbs: ['get'], nonResourceURLs: ['/x'] }),
    '{NonResourceURLs:["/x"], Verbs:["get"]}',
  );
});

test('a rule identical to an owner rule is covered without its breakdown; a near-identical one is not', () => {
  const rule: PolicyRule = {
    apiGroups: ['', 'apps'],
    resources: ['pods', 'deployments/scale'],
    resourceNames: ['a'],
    verbs: ['get', '*'],
  };
  assert.deepEqual(covers([rule], [structuredClone(rule)]), { covered: true, uncoveredRules: [] });
  // The same lists in another order are still covered, through the breakdown.
  assert.equal(covers([rule], [{ ...rule, verbs: ['*', 'get'] }]).covered, true);
  // One more resource name differs: only that part is uncovered.
  assert.deepEqual(
    covers(
      [rule],
      [{ apiGroups: [''], resources: ['pods'], resourceNames: ['a', 'b'], verbs: ['get'] }],
    ).uncoveredRules,
    [{ apiGroups: [''], resources: ['pods'], resourceNames: ['b'], verbs: ['get'] }],
  );
});
