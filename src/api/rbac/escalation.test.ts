import { test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-types/rbac/v1.js';
import { isNotFound } from '../errors.ts';
import {
  checkBindingEscalation,
  checkRoleEscalation,
  confirmNoEscalation,
  isOnlyMutatingGCFields,
} from './escalation.ts';
import type { EscalationContext } from './escalation.ts';
import { MemoryRbacSource } from './memory-source.ts';
import { RbacAuthorizer } from './resolver.ts';

const G = 'rbac.authorization.k8s.io';
const alice = { username: 'alice', groups: ['devs', 'system:authenticated'] };

function setup(): { authz: RbacAuthorizer; src: MemoryRbacSource } {
  const src = new MemoryRbacSource({
    clusterRoles: [
      {
        metadata: { name: 'pod-reader' },
        rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
      },
      {
        metadata: { name: 'big' },
        rules: [{ verbs: ['*'], apiGroups: [''], resources: ['pods', 'secrets'] }],
      },
      {
        metadata: { name: 'binder' },
        rules: [
          { verbs: ['bind'], apiGroups: [G], resources: ['clusterroles'], resourceNames: ['big'] },
        ],
      },
      {
        metadata: { name: 'escalator' },
        rules: [{ verbs: ['escalate'], apiGroups: [G], resources: ['roles'] }],
      },
    ],
    clusterRoleBindings: [
      {
        metadata: { name: 'devs-read' },
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'pod-reader' },
        subjects: [{ kind: 'Group', apiGroup: G, name: 'devs' }],
      },
    ],
    roleBindings: [
      {
        metadata: { namespace: 'dev', name: 'esc' },
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'escalator' },
        subjects: [{ kind: 'User', apiGroup: G, name: 'escalating-user' }],
      },
      {
        metadata: { namespace: 'dev', name: 'bind' },
        roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'binder' },
        subjects: [{ kind: 'User', apiGroup: G, name: 'binding-user' }],
      },
    ],
  });
  return { authz: new RbacAuthorizer(src), src };
}

function ctx(
  authz: RbacAuthorizer,
  user: { username: string; groups: string[] },
  namespace: string,
): EscalationContext {
  return { user, namespace, resolver: authz, authorize: (a) => authz.authorize(a) };
}

const role = (rules: Role['rules']): Role => ({ metadata: { namespace: 'dev', name: 'r' }, rules });

test('confirmNoEscalation: message lists compacted, sorted missing rules', () => {
  const { authz } = setup();
  assert.equal(
    confirmNoEscalation(alice, 'dev', authz, [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    ]),
    undefined,
  );
  assert.equal(
    confirmNoEscalation(alice, 'dev', authz, [
      { verbs: ['get', 'delete', 'watch'], apiGroups: [''], resources: ['pods', 'configmaps'] },
      { verbs: ['get'], nonResourceURLs: ['/metrics'] },
    ]),
    'user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:[""], Resources:["configmaps"], Verbs:["get" "delete" "watch"]}\n' +
      '{APIGroups:[""], Resources:["pods"], Verbs:["delete" "watch"]}\n' +
      '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
  );
});

test('confirmNoEscalation: appends registry-style resolution errors', () => {
  const { authz, src } = setup();
  src.putClusterRoleBinding({
    metadata: { name: 'x' },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'gone' },
    subjects: [{ kind: 'User', apiGroup: G, name: 'alice' }],
  });
  assert.equal(
    confirmNoEscalation(alice, '', authz, [
      { verbs: ['create'], apiGroups: [''], resources: ['pods'] },
    ]),
    'user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
      '{APIGroups:[""], Resources:["pods"], Verbs:["create"]}; resolution errors: [clusterroles.rbac.authorization.k8s.io "gone" not found]',
  );
});

test('checkRoleEscalation: masters, escalate verb, covered rules pass; others get 403', async () => {
  const { authz } = setup();
  const wide = role([{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
  const narrow = role([{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]);
  assert.equal(
    await checkRoleEscalation(
      ctx(authz, { username: 'root', groups: ['system:masters'] }, 'dev'),
      'roles',
      '',
      { object: wide },
    ),
    undefined,
  );
  assert.equal(
    await checkRoleEscalation(
      ctx(authz, { username: 'escalating-user', groups: [] }, 'dev'),
      'roles',
      '',
      { object: wide },
    ),
    undefined,
  );
  assert.equal(
    await checkRoleEscalation(ctx(authz, alice, 'dev'), 'roles', '', { object: narrow }),
    undefined,
  );
  const err = await checkRoleEscalation(ctx(authz, alice, 'dev'), 'roles', '', { object: wide });
  assert.equal(err?.status.code, 403);
  assert.equal(
    err.status.message,
    'roles.rbac.authorization.k8s.io "r" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}',
  );
  // escalate in another namespace does not count
  assert.notEqual(
    await checkRoleEscalation(
      ctx(authz, { username: 'escalating-user', groups: [] }, 'prod'),
      'roles',
      '',
      { object: wide },
    ),
    undefined,
  );
});

test('checkRoleEscalation: an update touching only GC fields passes', async () => {
  const { authz } = setup();
  const old = role([{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
  const gc: Role = {
    ...old,
    metadata: {
      ...old.metadata,
      finalizers: ['x'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' }],
    },
  };
  assert.equal(
    await checkRoleEscalation(ctx(authz, alice, 'dev'), 'roles', 'r', {
      object: gc,
      oldObject: old,
    }),
    undefined,
  );
  const relabel: Role = { ...old, metadata: { ...old.metadata, labels: { a: 'b' } } };
  assert.notEqual(
    await checkRoleEscalation(ctx(authz, alice, 'dev'), 'roles', 'r', {
      object: relabel,
      oldObject: old,
    }),
    undefined,
  );
});

test('checkRoleEscalation: aggregationRule needs full authority', async () => {
  const { authz } = setup();
  const agg: ClusterRole = {
    metadata: { name: 'agg' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] },
  };
  const err = await checkRoleEscalation(ctx(authz, alice, ''), 'clusterroles', '', { object: agg });
  assert.equal(
    err?.status.message,
    'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule',
  );
  const plain: ClusterRole = { metadata: { name: 'agg' }, rules: [] };
  assert.notEqual(
    await checkRoleEscalation(ctx(authz, alice, ''), 'clusterroles', 'agg', {
      object: plain,
      oldObject: agg,
    }),
    undefined,
  );
  assert.equal(
    await checkRoleEscalation(ctx(authz, alice, ''), 'clusterroles', '', {
      object: { ...agg, aggregationRule: { clusterRoleSelectors: [] } },
    }),
    undefined,
  );
});

test('checkBindingEscalation: bind verb, held permissions, missing role, 403', async () => {
  const { authz } = setup();
  const rb = (name: string, roleName: string): RoleBinding => ({
    metadata: { namespace: 'dev', name },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'User', apiGroup: G, name: 'someone' }],
  });
  // binding-user may bind "big" in dev only
  assert.equal(
    await checkBindingEscalation(
      ctx(authz, { username: 'binding-user', groups: [] }, 'dev'),
      'rolebindings',
      { object: rb('b', 'big') },
    ),
    undefined,
  );
  // alice holds everything in pod-reader
  assert.equal(
    await checkBindingEscalation(ctx(authz, alice, 'dev'), 'rolebindings', {
      object: rb('b', 'pod-reader'),
    }),
    undefined,
  );
  const denied = await checkBindingEscalation(ctx(authz, alice, 'dev'), 'rolebindings', {
    object: rb('b', 'big'),
  });
  assert.equal(
    denied?.status.message,
    'rolebindings.rbac.authorization.k8s.io "b" is forbidden: user "alice" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], Verbs:["*"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["*"]}',
  );
  const missing = await checkBindingEscalation(ctx(authz, alice, 'dev'), 'rolebindings', {
    object: rb('b', 'missing'),
  });
  assert.ok(isNotFound(missing));
  assert.equal(
    missing?.status.message,
    'clusterroles.rbac.authorization.k8s.io "missing" not found',
  );
  // a ClusterRoleBinding is checked cluster-wide: binding-user's namespaced bind does not help
  const crb: ClusterRoleBinding = {
    metadata: { name: 'c' },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'big' },
  };
  const err = await checkBindingEscalation(
    ctx(authz, { username: 'binding-user', groups: [] }, ''),
    'clusterrolebindings',
    { object: crb },
  );
  assert.equal(err?.status.code, 403);
  assert.equal(
    await checkBindingEscalation(
      ctx(authz, { username: 'x', groups: ['system:masters'] }, ''),
      'clusterrolebindings',
      { object: crb },
    ),
    undefined,
  );
});

test('isOnlyMutatingGCFields treats absent and empty alike', () => {
  const old = { metadata: { name: 'a', labels: {} }, rules: [] };
  assert.equal(isOnlyMutatingGCFields({ metadata: { name: 'a', finalizers: ['f'] } }, old), true);
  assert.equal(
    isOnlyMutatingGCFields({ metadata: { name: 'a' }, rules: [{ verbs: ['get'] }] }, old),
    false,
  );
});
