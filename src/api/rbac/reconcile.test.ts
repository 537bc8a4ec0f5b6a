import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { reconcileClusterRole, reconcileClusterRoleBinding } from './reconcile.ts';

const rule = (...verbs: string[]): PolicyRule => ({ verbs, apiGroups: [''], resources: ['pods'] });
const cr = (rules: PolicyRule[] | undefined, extra: Partial<ClusterRole> = {}): ClusterRole => ({
  metadata: { name: 'r' },
  ...(rules === undefined ? {} : { rules }),
  ...extra,
});
const sel = (k: string) => ({ matchLabels: { [k]: 'true' } });

// after upstream reconcile_role_test.go TestComputeReconciledRoleRules / aggregation / labels
test('reconcileClusterRole: rules, union mode', () => {
  const table: {
    name: string;
    existing: ClusterRole;
    expected: ClusterRole;
    rules: PolicyRule[] | undefined;
    op: string;
  }[] = [
    { name: 'empty', existing: cr([]), expected: cr([]), rules: [], op: 'none' },
    {
      name: 'match',
      existing: cr([rule('get')]),
      expected: cr([rule('get')]),
      rules: [rule('get')],
      op: 'none',
    },
    {
      name: 'covered by a wider rule',
      existing: cr([rule('*')]),
      expected: cr([rule('get')]),
      rules: [rule('*')],
      op: 'none',
    },
    {
      name: 'missing rules are appended as atomic rules',
      existing: cr([rule('get')]),
      expected: cr([rule('get', 'list')]),
      rules: [rule('get'), { apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
      op: 'update',
    },
    {
      name: 'extra existing rules are kept',
      existing: cr([rule('get'), rule('delete')]),
      expected: cr([rule('get')]),
      rules: [rule('get'), rule('delete')],
      op: 'none',
    },
  ];
  for (const c of table) {
    const got = reconcileClusterRole(c.existing, c.expected);
    assert.deepEqual(got.role.rules, c.rules, c.name);
    assert.equal(got.operation, c.op, c.name);
  }
});

test('reconcileClusterRole: removeExtra replaces differing rules', () => {
  const got = reconcileClusterRole(cr([rule('get'), rule('delete')]), cr([rule('get')]), true);
  assert.equal(got.operation, 'update');
  assert.deepEqual(got.role.rules, [rule('get')]);
  assert.deepEqual(got.extraRules, [rule('delete')]);
});

test('reconcileClusterRole: labels and annotations merge with existing values winning', () => {
  const existing = cr([], {
    metadata: {
      name: 'r',
      labels: { a: 'existing' },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' },
    },
  });
  const expected = cr([], {
    metadata: {
      name: 'r',
      labels: { a: 'expected', b: 'new' },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
    },
  });
  const got = reconcileClusterRole(existing, expected);
  assert.deepEqual(got.role.metadata?.labels, { a: 'existing', b: 'new' });
  assert.deepEqual(got.role.metadata.annotations, {
    'rbac.authorization.kubernetes.io/autoupdate': 'false',
  });
  assert.equal(got.operation, 'update');
  assert.equal(got.protected, true);
  assert.equal(reconcileClusterRole(undefined, expected).operation, 'create');
});

test('reconcileClusterRole: aggregation selectors', () => {
  const withAgg = (...keys: string[]) =>
    cr(undefined, { aggregationRule: { clusterRoleSelectors: keys.map(sel) } });
  // missing selectors are appended; aggregated rules are not treated as extra
  const existing = { ...withAgg('a'), rules: [rule('get')] };
  const got = reconcileClusterRole(existing, withAgg('a', 'b'));
  assert.equal(got.operation, 'update');
  assert.deepEqual(got.role.aggregationRule, { clusterRoleSelectors: [sel('a'), sel('b')] });
  assert.deepEqual(got.role.rules, [rule('get')]);
  assert.deepEqual(got.extraRules, []);
  // an aggregationRule that is not expected is removed
  const removed = reconcileClusterRole(withAgg('a'), cr([]));
  assert.equal(removed.role.aggregationRule, undefined);
  assert.equal(removed.operation, 'update');
  // same selectors: nothing to do
  assert.equal(reconcileClusterRole(withAgg('a'), withAgg('a')).operation, 'none');
});

test('reconcileClusterRoleBinding: subjects union, roleRef change recreates', () => {
  const b = (roleName: string, ...users: string[]): ClusterRoleBinding => ({
    metadata: { name: 'b' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: users.map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
  });
  const got = reconcileClusterRoleBinding(b('r', 'alice'), b('r', 'bob'));
  assert.equal(got.operation, 'update');
  assert.deepEqual(
    got.binding.subjects?.map((s) => s.name),
    ['alice', 'bob'],
  );
  assert.equal(reconcileClusterRoleBinding(b('r', 'alice'), b('r', 'alice')).operation, 'none');
  assert.equal(
    reconcileClusterRoleBinding(b('r', 'alice'), b('other', 'alice')).operation,
    'recreate',
  );
  assert.deepEqual(
    reconcileClusterRoleBinding(b('r', 'alice'), b('r', 'bob'), true).binding.subjects?.map(
      (s) => s.name,
    ),
    ['bob'],
  );
});
