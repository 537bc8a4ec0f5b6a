import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import {
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  bootstrapRoleBindings,
  bootstrapRoles,
} from './bootstrap.ts';
import { MemoryRbacSource } from './memory-source.ts';
import { RbacAuthorizer } from './resolver.ts';
import type { AuthorizationAttributes } from './types.ts';

const roles = bootstrapClusterRoles();
const byName = new Map(roles.map((r) => [r.metadata?.name ?? '', r]));
const rulesOf = (n: string): PolicyRule[] | undefined => byName.get(n)?.rules;
const R = (
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
): PolicyRule =>
  resourceNames === undefined
    ? { apiGroups, resources, verbs }
    : { apiGroups, resources, verbs, resourceNames };
const EV = R(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);

// names as listed in testdata/cluster-roles.yaml (policy roles) and controller-roles.yaml
test('bootstrap cluster roles: the expected set', () => {
  const policy = [
    'admin',
    'cluster-admin',
    'edit',
    'system:aggregate-to-admin',
    'system:aggregate-to-edit',
    'system:aggregate-to-view',
    'system:auth-delegator',
    'system:basic-user',
    'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    'system:certificates.k8s.io:kube-apiserver-client-approver',
    'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
    'system:certificates.k8s.io:kubelet-serving-approver',
    'system:certificates.k8s.io:legacy-unknown-approver',
    'system:discovery',
    'system:heapster',
    'system:kube-aggregator',
    'system:kube-controller-manager',
    'system:kube-dns',
    'system:kube-scheduler',
    'system:kubelet-api-admin',
    'system:monitoring',
    'system:node',
    'system:node-bootstrapper',
    'system:node-problem-detector',
    'system:node-proxier',
    'system:persistent-volume-provisioner',
    'system:public-info-viewer',
    'system:service-account-issuer-discovery',
    'system:volume-scheduler',
    'view',
  ];
  const controllers = [
    'attachdetach-controller',
    'certificate-controller',
    'clusterrole-aggregation-controller',
    'cronjob-controller',
    'daemon-set-controller',
    'deployment-controller',
    'disruption-controller',
    'endpoint-controller',
    'endpointslice-controller',
    'endpointslicemirroring-controller',
    'ephemeral-volume-controller',
    'expand-controller',
    'generic-garbage-collector',
    'horizontal-pod-autoscaler',
    'job-controller',
    'legacy-service-account-token-cleaner',
    'namespace-controller',
    'node-controller',
    'persistent-volume-binder',
    'pod-garbage-collector',
    'pv-protection-controller',
    'pvc-protection-controller',
    'replicaset-controller',
    'replication-controller',
    'resourcequota-controller',
    'root-ca-cert-publisher',
    'route-controller',
    'service-account-controller',
    'service-controller',
    'statefulset-controller',
    'ttl-after-finished-controller',
    'ttl-controller',
    'validatingadmissionpolicy-status-controller',
  ].map((n) => `system:controller:${n}`);
  assert.deepEqual(
    roles.map((r) => r.metadata?.name),
    [...policy, ...controllers],
  );
});

test('every bootstrap object has the autoupdate annotation and bootstrapping label', () => {
  const all = [
    ...roles,
    ...bootstrapClusterRoleBindings(),
    ...bootstrapRoles(),
    ...bootstrapRoleBindings(),
  ];
  for (const o of all) {
    const m = o.metadata ?? {};
    assert.equal(m.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true', m.name);
    assert.equal(m.labels?.['kubernetes.io/bootstrapping'], 'rbac-defaults', m.name);
  }
  assert.deepEqual(byName.get('edit')?.metadata?.labels, {
    'kubernetes.io/bootstrapping': 'rbac-defaults',
    'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
  });
  assert.deepEqual(byName.get('admin')?.aggregationRule, {
    clusterRoleSelectors: [
      { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
    ],
  });
  assert.equal(byName.get('admin')?.rules, undefined);
});

test('spot check: system:node rule by rule (testdata/cluster-roles.yaml)', () => {
  assert.deepEqual(rulesOf('system:node'), [
    R(['create'], ['authentication.k8s.io'], ['tokenreviews']),
    R(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
    R(['get', 'list', 'watch'], [''], ['services']),
    R(['create', 'get', 'list', 'watch'], [''], ['nodes']),
    R(['patch', 'update'], [''], ['nodes/status']),
    R(['patch', 'update'], [''], ['nodes']),
    R(['create', 'patch', 'update'], [''], ['events']),
    R(['get', 'list', 'watch'], [''], ['pods']),
    R(['create', 'delete'], [''], ['pods']),
    R(['patch', 'update'], [''], ['pods/status']),
    R(['create'], [''], ['pods/eviction']),
    R(['get', 'list', 'watch'], [''], ['configmaps', 'secrets']),
    R(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
    R(['get'], [''], ['endpoints']),
    R(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    R(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
    R(['get'], ['storage.k8s.io'], ['volumeattachments']),
    R(['create'], [''], ['serviceaccounts/token']),
    R(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
    R(['get', 'list', 'watch'], ['storage.k8s.io'], ['csidrivers']),
    R(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
    R(['get', 'list', 'watch'], ['node.k8s.io'], ['runtimeclasses']),
  ]);
});

test('spot check: discovery, monitoring, public-info-viewer, certificates, cluster-admin', () => {
  assert.deepEqual(rulesOf('system:discovery'), [
    {
      nonResourceURLs: [
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
        '/healthz',
        '/livez',
        '/openapi',
        '/openapi/*',
        '/readyz',
        '/version',
        '/version/',
      ],
      verbs: ['get'],
    },
  ]);
  assert.deepEqual(rulesOf('system:monitoring'), [
    {
      nonResourceURLs: [
        '/healthz',
        '/healthz/*',
        '/livez',
        '/livez/*',
        '/metrics',
        '/metrics/slis',
        '/readyz',
        '/readyz/*',
      ],
      verbs: ['get'],
    },
  ]);
  assert.deepEqual(rulesOf('system:public-info-viewer'), [
    { nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] },
  ]);
  assert.deepEqual(rulesOf('system:certificates.k8s.io:kubelet-serving-approver'), [
    R(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kubelet-serving']),
  ]);
  assert.deepEqual(rulesOf('cluster-admin'), [
    R(['*'], ['*'], ['*']),
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ]);
  assert.deepEqual(rulesOf('system:kube-controller-manager')?.slice(0, 3), [
    EV,
    R(['create'], ['coordination.k8s.io'], ['leases']),
    R(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
  ]);
});

test('spot check: statefulset and horizontal-pod-autoscaler controllers (testdata/controller-roles.yaml)', () => {
  assert.deepEqual(rulesOf('system:controller:statefulset-controller'), [
    R(['list', 'watch'], [''], ['pods']),
    R(['get', 'list', 'watch'], ['apps'], ['statefulsets']),
    R(['update'], ['apps'], ['statefulsets/status']),
    R(['update'], ['apps'], ['statefulsets/finalizers']),
    R(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']),
    R(
      ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      ['apps'],
      ['controllerrevisions'],
    ),
    R(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
    R(['delete', 'update'], [''], ['persistentvolumeclaims']),
    R(['update'], [''], ['pods/finalizers']),
    EV,
  ]);
  assert.deepEqual(rulesOf('system:controller:horizontal-pod-autoscaler'), [
    R(['get', 'list', 'watch'], ['autoscaling'], ['horizontalpodautoscalers']),
    R(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    R(['get', 'update'], ['*'], ['*/scale']),
    R(['list', 'watch'], [''], ['pods']),
    R(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
    R(['get', 'list', 'watch'], ['custom.metrics.k8s.io'], ['*']),
    R(['get', 'list', 'watch'], ['external.metrics.k8s.io'], ['*']),
    EV,
  ]);
  assert.deepEqual(rulesOf('system:controller:namespace-controller'), [
    R(['delete', 'get', 'list', 'watch'], [''], ['namespaces']),
    R(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
    R(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*']),
  ]);
});

test('cluster role bindings: policy subjects and one binding per controller', () => {
  const bindings = bootstrapClusterRoleBindings();
  const b = new Map(bindings.map((x) => [x.metadata?.name ?? '', x]));
  assert.deepEqual(b.get('cluster-admin')?.subjects, [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:masters' },
  ]);
  assert.deepEqual(
    b.get('system:public-info-viewer')?.subjects?.map((s) => s.name),
    ['system:authenticated', 'system:unauthenticated'],
  );
  assert.deepEqual(b.get('system:kube-dns')?.subjects, [
    { kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' },
  ]);
  assert.equal(b.get('system:node')?.subjects, undefined);
  for (const r of roles.filter((x) => x.metadata?.name?.startsWith('system:controller:'))) {
    const name = r.metadata?.name ?? '';
    const cb = b.get(name);
    assert.ok(cb, name);
    assert.deepEqual(cb.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name,
    });
    assert.deepEqual(cb.subjects, [
      {
        kind: 'ServiceAccount',
        name: name.slice('system:controller:'.length),
        namespace: 'kube-system',
      },
    ]);
  }
  for (const x of bindings) assert.ok(byName.has(x.roleRef.name), x.roleRef.name);
});

test('namespace roles and bindings (testdata/namespace-roles.yaml, namespace-role-bindings.yaml)', () => {
  const nsRoles = bootstrapRoles();
  assert.deepEqual(
    nsRoles.map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`),
    [
      'kube-public/system:controller:bootstrap-signer',
      'kube-system/extension-apiserver-authentication-reader',
      'kube-system/system::leader-locking-kube-controller-manager',
      'kube-system/system::leader-locking-kube-scheduler',
      'kube-system/system:controller:bootstrap-signer',
      'kube-system/system:controller:cloud-provider',
      'kube-system/system:controller:token-cleaner',
    ],
  );
  assert.deepEqual(nsRoles[0]?.rules, [
    R(['get', 'list', 'watch'], [''], ['configmaps']),
    R(['update'], [''], ['configmaps'], ['cluster-info']),
    EV,
  ]);
  const rbs = bootstrapRoleBindings();
  for (const rb of rbs) {
    assert.ok(
      nsRoles.some(
        (r) =>
          r.metadata?.namespace === rb.metadata?.namespace && r.metadata?.name === rb.roleRef.name,
      ),
      rb.metadata?.name,
    );
  }
  const lock = rbs.find(
    (x) => x.metadata?.name === 'system::leader-locking-kube-controller-manager',
  );
  assert.deepEqual(lock?.subjects, [
    { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-controller-manager' },
    { kind: 'ServiceAccount', name: 'kube-controller-manager', namespace: 'kube-system' },
    { kind: 'ServiceAccount', name: 'leader-election-controller', namespace: 'kube-system' },
  ]);
});

test('the bootstrap policy authorizes the usual system identities', () => {
  const a = new RbacAuthorizer(
    new MemoryRbacSource({
      clusterRoles: roles,
      clusterRoleBindings: bootstrapClusterRoleBindings(),
      roles: bootstrapRoles(),
      roleBindings: bootstrapRoleBindings(),
    }),
  );
  const anon = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
  const alice = { username: 'alice', groups: ['system:authenticated'] };
  const path = (user: typeof anon, p: string): AuthorizationAttributes => ({
    user,
    verb: 'get',
    resourceRequest: false,
    path: p,
  });
  assert.equal(a.authorize(path(anon, '/healthz')).decision, 'allow');
  assert.equal(a.authorize(path(anon, '/api')).decision, 'no-opinion');
  assert.equal(a.authorize(path(alice, '/apis/apps/v1')).decision, 'allow');
  assert.equal(
    a.authorize({
      user: alice,
      verb: 'create',
      resourceRequest: true,
      apiGroup: 'authorization.k8s.io',
      resource: 'selfsubjectaccessreviews',
    }).reason,
    'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
  );
  assert.equal(
    a.authorize({
      user: alice,
      verb: 'list',
      resourceRequest: true,
      resource: 'pods',
      namespace: 'default',
    }).decision,
    'no-opinion',
  );
  const dc = {
    username: 'system:serviceaccount:kube-system:deployment-controller',
    groups: [
      'system:serviceaccounts',
      'system:serviceaccounts:kube-system',
      'system:authenticated',
    ],
  };
  assert.deepEqual(
    a.authorize({
      user: dc,
      verb: 'update',
      resourceRequest: true,
      apiGroup: 'apps',
      resource: 'deployments',
      subresource: 'status',
      namespace: 'web',
      name: 'x',
    }),
    {
      decision: 'allow',
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:controller:deployment-controller" of ClusterRole "system:controller:deployment-controller" to ServiceAccount "deployment-controller/kube-system"',
    },
  );
  const sched = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };
  assert.equal(
    a.authorize({
      user: sched,
      verb: 'create',
      resourceRequest: true,
      resource: 'pods',
      subresource: 'binding',
      namespace: 'x',
    }).decision,
    'allow',
  );
  assert.equal(
    a.authorize({
      user: sched,
      verb: 'update',
      resourceRequest: true,
      apiGroup: 'coordination.k8s.io',
      resource: 'leases',
      name: 'kube-scheduler',
      namespace: 'kube-system',
    }).decision,
    'allow',
  );
  const root = { username: 'admin', groups: ['system:masters'] };
  assert.equal(
    a.authorize({ user: root, verb: 'delete', resourceRequest: true, resource: 'nodes', name: 'n' })
      .decision,
    'allow',
  );
});
