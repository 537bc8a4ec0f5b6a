import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import { MemoryRbacSource } from './memory-source.ts';
import { RbacAuthorizer, appliesToUser } from './resolver.ts';
import type { AuthorizationAttributes } from './types.ts';

function rule(verbs: string, groups: string, resources: string, urls = ''): PolicyRule {
  const r: PolicyRule = { verbs: verbs.split(',') };
  if (groups !== '-') r.apiGroups = groups.split(',');
  if (resources !== '') r.resources = resources.split(',');
  if (urls !== '') r.nonResourceURLs = urls.split(',');
  return r;
}
function subjects(list: string[]): Subject[] {
  return list.map((s) => {
    const i = s.indexOf(':');
    const kind = s.slice(0, i);
    const name = s.slice(i + 1);
    if (kind === 'ServiceAccount') {
      const [ns, n] = name.includes('/') ? name.split('/') : ['', name];
      const sub: Subject = { kind, name: n ?? '' };
      if (ns !== undefined && ns !== '') sub.namespace = ns;
      return sub;
    }
    return { kind, name, apiGroup: 'rbac.authorization.k8s.io' };
  });
}
const cr = (name: string, ...rules: PolicyRule[]): ClusterRole => ({ metadata: { name }, rules });
const role = (ns: string, name: string, ...rules: PolicyRule[]): Role => ({
  metadata: { namespace: ns, name },
  rules,
});
const crb = (name: string, roleName: string, ...subs: string[]): ClusterRoleBinding => ({
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
  subjects: subjects(subs),
});
const rb = (
  ns: string,
  name: string,
  kind: 'Role' | 'ClusterRole',
  roleName: string,
  ...subs: string[]
): RoleBinding => ({
  metadata: { namespace: ns, name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
  subjects: subjects(subs),
});

function attrs(
  user: string,
  groups: string,
  verb: string,
  resource: string,
  subresource: string,
  namespace: string,
): AuthorizationAttributes {
  return {
    user: { username: user, groups: groups === '' ? [] : groups.split(',') },
    verb,
    resourceRequest: true,
    resource,
    subresource,
    namespace,
    apiGroup: '',
  };
}

// upstream rbac_test.go TestAuthorizer
test('authorize: RoleBinding to a ClusterRole grants only in its namespace', () => {
  const a = new RbacAuthorizer(
    new MemoryRbacSource({
      clusterRoles: [cr('admin', rule('*', '*', '*', '*'))],
      roleBindings: [rb('ns1', 'b', 'ClusterRole', 'admin', 'User:admin', 'Group:admins')],
    }),
  );
  const pass = [
    attrs('admin', '', 'get', 'Pods', '', 'ns1'),
    attrs('admin', '', 'watch', 'Pods', '', 'ns1'),
    attrs('admin', 'group1', 'watch', 'Foobar', '', 'ns1'),
    attrs('joe', 'admins', 'watch', 'Foobar', '', 'ns1'),
    attrs('joe', 'group1,admins', 'watch', 'Foobar', '', 'ns1'),
  ];
  const fail = [
    attrs('admin', '', 'GET', 'Pods', '', 'ns2'),
    attrs('admin', '', 'GET', 'Nodes', '', ''),
    attrs('admin', 'admins', 'GET', 'Pods', '', 'ns2'),
    attrs('admin', 'admins', 'GET', 'Nodes', '', ''),
  ];
  for (const p of pass) assert.equal(a.authorize(p).decision, 'allow', JSON.stringify(p));
  for (const f of fail) assert.equal(a.authorize(f).decision, 'no-opinion', JSON.stringify(f));
});

test('authorize: non-resource URLs', () => {
  const a = new RbacAuthorizer(
    new MemoryRbacSource({
      clusterRoles: [
        cr('non-resource-url-getter', rule('get', '-', '', '/apis')),
        cr('non-resource-url', rule('*', '-', '', '/apis')),
        cr('non-resource-url-prefix', rule('get', '-', '', '/apis/*')),
      ],
      clusterRoleBindings: [
        crb('a', 'non-resource-url-getter', 'User:foo', 'Group:bar'),
        crb('b', 'non-resource-url', 'User:admin', 'Group:admin'),
        crb('c', 'non-resource-url-prefix', 'User:prefixed', 'Group:prefixed'),
      ],
    }),
  );
  const r = (username: string, groups: string[], verb: string, path: string) =>
    a.authorize({ user: { username, groups }, verb, resourceRequest: false, path }).decision;
  const table: [string, string[], string, string, boolean][] = [
    ['foo', [], 'get', '/apis', true],
    ['', ['bar'], 'get', '/apis', true],
    ['admin', [], 'watch', '/apis', true],
    ['', ['admin'], 'watch', '/apis', true],
    ['prefixed', [], 'get', '/apis/v1', true],
    ['', ['prefixed'], 'get', '/apis/v1/foobar', true],
    ['foo', [], 'watch', '/apis', false],
    ['', ['bar'], 'watch', '/apis', false],
    ['foo', [], 'get', '/api/v1', false],
    ['admin', [], 'get', '/api/v1', false],
    ['prefixed', [], 'get', '/api/v1', false],
    ['prefixed', [], 'get', '/apis', false],
  ];
  for (const [user, groups, verb, path, want] of table) {
    assert.equal(
      r(user, groups, verb, path),
      want ? 'allow' : 'no-opinion',
      `${user} ${verb} ${path}`,
    );
  }
});

test('authorize: subresource resolution', () => {
  const a = new RbacAuthorizer(
    new MemoryRbacSource({
      clusterRoles: [
        cr('pods', rule('*', '*', 'pods')),
        cr('status', rule('*', '*', 'pods/status')),
      ],
      roleBindings: [
        rb('ns1', 'a', 'ClusterRole', 'pods', 'User:admin'),
        rb('ns2', 'b', 'ClusterRole', 'status', 'User:admin'),
      ],
    }),
  );
  assert.equal(a.authorize(attrs('admin', '', 'get', 'pods', '', 'ns1')).decision, 'allow');
  assert.equal(
    a.authorize(attrs('admin', '', 'get', 'pods', 'status', 'ns1')).decision,
    'no-opinion',
  );
  assert.equal(a.authorize(attrs('admin', '', 'get', 'pods', 'status', 'ns2')).decision, 'allow');
  assert.equal(a.authorize(attrs('admin', '', 'get', 'pods', '', 'ns2')).decision, 'no-opinion');
});

test('authorize: allow reasons name the binding, role and first matching subject', () => {
  const a = new RbacAuthorizer(
    new MemoryRbacSource({
      clusterRoles: [cr('y', rule('list', '', 'pods'))],
      roles: [role('dev', 'r', rule('get', '', 'secrets'))],
      clusterRoleBindings: [crb('x', 'y', 'Group:other', 'User:alice', 'Group:devs')],
      roleBindings: [
        rb('dev', 'rb1', 'Role', 'r', 'ServiceAccount:bot'),
        rb('dev', 'rb2', 'Role', 'r', 'ServiceAccount:other/bot2'),
      ],
    }),
  );
  assert.deepEqual(a.authorize(attrs('alice', 'devs', 'list', 'pods', '', '')), {
    decision: 'allow',
    reason: 'RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "alice"',
  });
  assert.deepEqual(
    a.authorize(attrs('system:serviceaccount:dev:bot', '', 'get', 'secrets', '', 'dev')),
    {
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "rb1/dev" of Role "r" to ServiceAccount "bot/dev"',
    },
  );
  assert.deepEqual(
    a.authorize(attrs('system:serviceaccount:other:bot2', '', 'get', 'secrets', '', 'dev')),
    {
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "rb2/dev" of Role "r" to ServiceAccount "bot2/other"',
    },
  );
  // the SA in another namespace is not the binding's namespace-defaulted SA
  assert.equal(
    a.authorize(attrs('system:serviceaccount:prod:bot', '', 'get', 'secrets', '', 'dev')).decision,
    'no-opinion',
  );
});

test('authorize: unresolvable roles give no-opinion with aggregated lister errors', () => {
  const src = new MemoryRbacSource({
    clusterRoleBindings: [crb('a', 'missing', 'User:alice'), crb('b', 'missing', 'User:alice')],
    roleBindings: [rb('dev', 'c', 'Role', 'gone', 'User:alice')],
  });
  const a = new RbacAuthorizer(src);
  assert.deepEqual(a.authorize(attrs('alice', '', 'get', 'pods', '', '')), {
    decision: 'no-opinion',
    reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found',
  });
  assert.deepEqual(a.authorize(attrs('alice', '', 'get', 'pods', '', 'dev')), {
    decision: 'no-opinion',
    reason:
      'RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, role.rbac.authorization.k8s.io "gone" not found]',
  });
  assert.deepEqual(a.authorize(attrs('bob', '', 'get', 'pods', '', 'dev')), {
    decision: 'no-opinion',
    reason: '',
  });
  // roles are read live: creating the role fixes it without a binding revision change
  src.putClusterRole(cr('missing', rule('get', '', 'pods')));
  assert.equal(a.authorize(attrs('alice', '', 'get', 'pods', '', '')).decision, 'allow');
});

test('authorize: the index follows binding changes through the revision', () => {
  const src = new MemoryRbacSource({ clusterRoles: [cr('view', rule('get', '', 'pods'))] });
  const a = new RbacAuthorizer(src);
  const req = attrs('alice', '', 'get', 'pods', '', 'dev');
  assert.equal(a.authorize(req).decision, 'no-opinion');
  src.putRoleBinding(rb('dev', 'b', 'ClusterRole', 'view', 'User:alice'));
  assert.equal(a.authorize(req).decision, 'allow');
  src.putClusterRoleBinding(crb('c', 'view', 'Group:all'));
  assert.equal(a.authorize(attrs('bob', 'all', 'get', 'pods', '', '')).decision, 'allow');
  src.deleteClusterRoleBinding('c');
  assert.equal(a.authorize(attrs('bob', 'all', 'get', 'pods', '', '')).decision, 'no-opinion');
});

test('appliesToUser: users, groups, service accounts (upstream rule_test TestAppliesTo)', () => {
  const sa = {
    username: 'system:serviceaccount:kube-system:default',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
  };
  const table: [Subject, string, boolean][] = [
    [{ kind: 'User', name: 'foobar' }, '', false],
    [{ kind: 'User', name: 'system:serviceaccount:kube-system:default' }, '', true],
    [{ kind: 'Group', name: 'system:serviceaccounts' }, '', true],
    [{ kind: 'Group', name: 'system:serviceaccounts:kube-system' }, '', true],
    [{ kind: 'Group', name: 'system:serviceaccounts:default' }, '', false],
    [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, '', true],
    [{ kind: 'ServiceAccount', name: 'default' }, 'kube-system', true],
    [{ kind: 'ServiceAccount', name: 'default' }, '', false],
    [{ kind: 'ServiceAccount', name: 'default', namespace: 'other' }, 'kube-system', false],
    [{ kind: 'Unknown', name: 'system:serviceaccount:kube-system:default' }, '', false],
  ];
  for (const [s, ns, want] of table)
    assert.equal(appliesToUser(sa, s, ns), want, JSON.stringify(s));
});

test('rulesFor: SelfSubjectRulesReview rules, cluster rules first, errors reported', () => {
  const a = new RbacAuthorizer(
    new MemoryRbacSource({
      clusterRoles: [
        cr(
          'basic',
          rule('create', 'authorization.k8s.io', 'selfsubjectrulesreviews'),
          rule('get', '-', '', '/api,/api/*'),
        ),
      ],
      roles: [
        role('dev', 'r', {
          verbs: ['get'],
          apiGroups: [''],
          resources: ['pods'],
          resourceNames: ['p'],
        }),
      ],
      clusterRoleBindings: [
        crb('basic', 'basic', 'Group:system:authenticated'),
        crb('x', 'nope', 'User:alice'),
      ],
      roleBindings: [rb('dev', 'b', 'Role', 'r', 'User:alice')],
    }),
  );
  const st = a.rulesFor({ username: 'alice', groups: ['system:authenticated'] }, 'dev');
  assert.deepEqual(st, {
    resourceRules: [
      {
        verbs: ['create'],
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectrulesreviews'],
      },
      { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] },
    ],
    nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }],
    incomplete: false,
    evaluationError: 'clusterrole.rbac.authorization.k8s.io "nope" not found',
  });
  const cluster = a.rulesFor({ username: 'bob', groups: ['system:authenticated'] }, '');
  assert.equal(cluster.resourceRules.length, 1);
  assert.equal(cluster.evaluationError, undefined);
});
