import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { aggregateClusterRole, aggregationNeedsUpdate } from './aggregation.ts';
import { bootstrapClusterRoles } from './bootstrap.ts';

const hammer = (): PolicyRule[] => [
  { verbs: ['hammer'], resources: ['nails'] },
  { verbs: ['hammer'], resources: ['wedges'] },
];
const chisel = (): PolicyRule[] => [{ verbs: ['chisel'], resources: ['mortises'] }];
const saw = (): PolicyRule[] => [{ verbs: ['saw'], resources: ['boards'] }];
const role = (name: string, labels: Record<string, string>, rules: PolicyRule[]): ClusterRole => ({
  metadata: { name, labels },
  rules,
});
const combined = (selectors: Record<string, string>[], ...rules: PolicyRule[][]): ClusterRole => ({
  metadata: { name: 'combined' },
  aggregationRule: { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) },
  rules: rules.flat(),
});

// upstream clusterroleaggregation_controller_test.go TestSyncClusterRole
const cases: { name: string; roles: ClusterRole[]; want: PolicyRule[]; update: boolean }[] = [
  {
    name: 'remove dead rules',
    roles: [role('hammer', { foo: 'bar' }, hammer()), combined([{ foo: 'bar' }], saw())],
    want: hammer(),
    update: true,
  },
  {
    name: 'strip rules',
    roles: [role('hammer', { foo: 'not-bar' }, hammer()), combined([{ foo: 'bar' }], hammer())],
    want: [],
    update: true,
  },
  {
    name: 'select properly and put in order',
    roles: [
      role('hammer', { foo: 'bar' }, hammer()),
      role('chisel', { foo: 'bar' }, chisel()),
      role('saw', { foo: 'not-bar' }, saw()),
      combined([{ foo: 'bar' }]),
    ],
    want: [...chisel(), ...hammer()],
    update: true,
  },
  {
    name: 'select properly with multiple selectors',
    roles: [
      role('hammer', { foo: 'bar' }, hammer()),
      role('chisel', { foo: 'bar' }, chisel()),
      role('saw', { foo: 'not-bar' }, saw()),
      combined([{ foo: 'bar' }, { foo: 'not-bar' }]),
    ],
    want: [...chisel(), ...hammer(), ...saw()],
    update: true,
  },
  {
    name: 'select properly remove duplicates',
    roles: [
      role('hammer', { foo: 'bar' }, hammer()),
      role('chisel', { foo: 'bar' }, chisel()),
      role('saw', { foo: 'bar' }, saw()),
      role('other-saw', { foo: 'not-bar' }, saw()),
      combined([{ foo: 'bar' }, { foo: 'not-bar' }]),
    ],
    want: [...chisel(), ...hammer(), ...saw()],
    update: true,
  },
  {
    name: 'no diff skip',
    roles: [role('hammer', { foo: 'bar' }, hammer()), combined([{ foo: 'bar' }], hammer())],
    want: hammer(),
    update: false,
  },
];

for (const c of cases) {
  test(`aggregateClusterRole: ${c.name}`, () => {
    const target = c.roles.find((r) => r.metadata?.name === 'combined');
    assert.ok(target);
    const got = aggregateClusterRole(target, c.roles);
    assert.deepEqual(got, c.want);
    assert.equal(aggregationNeedsUpdate(target, got), c.update);
  });
}

test('aggregateClusterRole: a role without aggregationRule is left alone', () => {
  assert.equal(aggregateClusterRole(role('x', {}, saw()), []), undefined);
});

test('bootstrap admin/edit/view aggregate their aggregate-to-* parts, converging like the controller', () => {
  let all = bootstrapClusterRoles();
  const get = (n: string) => all.find((r) => r.metadata?.name === n) ?? {};
  // run the controller until nothing changes (view feeds edit, edit feeds admin)
  for (let i = 0; i < 5; i++) {
    all = all.map((r) => {
      const rules = aggregateClusterRole(r, all);
      return rules === undefined || !aggregationNeedsUpdate(r, rules) ? r : { ...r, rules };
    });
  }
  const view = get('view').rules ?? [];
  const aggView = get('system:aggregate-to-view').rules ?? [];
  const aggEdit = get('system:aggregate-to-edit').rules ?? [];
  const aggAdmin = get('system:aggregate-to-admin').rules ?? [];
  assert.deepEqual(view, aggView);
  // edit = its aggregate-to-edit part (sorted first by name) then view's rules
  assert.deepEqual(get('edit').rules, [...aggEdit, ...aggView]);
  // admin = edit's rules then aggregate-to-admin ("edit" < "system:aggregate-to-admin")
  assert.deepEqual(get('admin').rules, [...aggEdit, ...aggView, ...aggAdmin]);
});
