import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { ruleAllows } from './rule-match.ts';
import type { AuthorizationAttributes } from './types.ts';

const u = { username: 'u', groups: [] };
function res(
  verb: string,
  group: string,
  resource: string,
  subresource = '',
): AuthorizationAttributes {
  return { user: u, verb, resourceRequest: true, apiGroup: group, resource, subresource };
}
function url(verb: string, path: string): AuthorizationAttributes {
  return { user: u, verb, resourceRequest: false, path };
}

// upstream rbac_test.go TestRuleMatches
const cases: { name: string; rule: PolicyRule; expect: [AuthorizationAttributes, boolean][] }[] = [
  {
    name: 'star verb, exact match other',
    rule: { verbs: ['*'], apiGroups: ['group1'], resources: ['resource1'] },
    expect: [
      [res('verb1', 'group1', 'resource1'), true],
      [res('verb1', 'group2', 'resource1'), false],
      [res('verb1', 'group1', 'resource2'), false],
      [res('verb2', 'group1', 'resource1'), true],
    ],
  },
  {
    name: 'star group, exact match other',
    rule: { verbs: ['verb1'], apiGroups: ['*'], resources: ['resource1'] },
    expect: [
      [res('verb1', 'group1', 'resource1'), true],
      [res('verb1', 'group2', 'resource1'), true],
      [res('verb1', 'group1', 'resource2'), false],
      [res('verb2', 'group1', 'resource1'), false],
    ],
  },
  {
    name: 'star resource, exact match other',
    rule: { verbs: ['verb1'], apiGroups: ['group1'], resources: ['*'] },
    expect: [
      [res('verb1', 'group1', 'resource1'), true],
      [res('verb1', 'group2', 'resource1'), false],
      [res('verb1', 'group1', 'resource2'), true],
      [res('verb2', 'group1', 'resource1'), false],
    ],
  },
  {
    name: 'tuple expansion',
    rule: {
      verbs: ['verb1', 'verb2'],
      apiGroups: ['group1', 'group2'],
      resources: ['resource1', 'resource2'],
    },
    expect: [
      [res('verb1', 'group1', 'resource1'), true],
      [res('verb1', 'group2', 'resource2'), true],
      [res('verb2', 'group2', 'resource1'), true],
    ],
  },
  {
    name: 'subresource expansion',
    rule: { verbs: ['*'], apiGroups: ['*'], resources: ['resource1/subresource1'] },
    expect: [
      [res('verb1', 'group1', 'resource1', 'subresource1'), true],
      [res('verb1', 'group2', 'resource1', 'subresource2'), false],
      [res('verb1', 'group1', 'resource2', 'subresource1'), false],
      [res('verb1', 'group1', 'resource1'), false],
    ],
  },
  {
    name: 'star subresource',
    rule: { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
    expect: [
      [res('get', 'apps', 'deployments', 'scale'), true],
      [res('get', 'apps', 'deployments', 'status'), false],
      [res('get', 'apps', 'deployments'), false],
      [res('get', 'apps', 'deployments', 'xscale'), false],
    ],
  },
  {
    name: 'star nonresource, exact match other',
    rule: { verbs: ['verb1'], nonResourceURLs: ['*'] },
    expect: [
      [url('verb1', '/foo'), true],
      [url('verb1', '/foo/bar/one'), true],
      [url('verb2', '/foo'), false],
    ],
  },
  {
    name: 'star nonresource subpath',
    rule: { verbs: ['verb1'], nonResourceURLs: ['/foo/*'] },
    expect: [
      [url('verb1', '/foo'), false],
      [url('verb1', '/foo/bar'), true],
      [url('verb1', '/foo/baz/one'), true],
      [url('verb1', '/notfoo'), false],
      [url('verb2', '/foo/bar'), false],
    ],
  },
  {
    name: 'star verb, exact nonresource',
    rule: { verbs: ['*'], nonResourceURLs: ['/foo', '/foo/bar/one'] },
    expect: [
      [url('verb1', '/foo'), true],
      [url('verb1', '/foo/bar'), false],
      [url('verb1', '/foo/bar/one'), true],
      [url('verb2', '/foo'), true],
    ],
  },
  {
    name: 'resource rule does not match a non-resource request',
    rule: { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    expect: [
      [url('get', '/healthz'), false],
      [res('get', '', 'pods'), true],
    ],
  },
];

for (const c of cases) {
  test(`ruleAllows: ${c.name}`, () => {
    for (const [attrs, want] of c.expect) {
      assert.equal(ruleAllows(attrs, c.rule), want, JSON.stringify(attrs));
    }
  });
}

test('ruleAllows: resourceNames restrict by name; an empty name does not match a named rule', () => {
  const rule: PolicyRule = {
    verbs: ['get'],
    apiGroups: [''],
    resources: ['pods'],
    resourceNames: ['a'],
  };
  assert.equal(ruleAllows({ ...res('get', '', 'pods'), name: 'a' }, rule), true);
  assert.equal(ruleAllows({ ...res('get', '', 'pods'), name: 'b' }, rule), false);
  assert.equal(ruleAllows(res('get', '', 'pods'), rule), false);
  const empty: PolicyRule = { ...rule, resourceNames: [] };
  assert.equal(ruleAllows({ ...res('get', '', 'pods'), name: 'b' }, empty), true);
});
