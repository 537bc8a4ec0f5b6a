/**
 * The default RBAC policy the API server bootstraps (upstream
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go, controller_policy.go,
 * namespace_policy.go), as Kubernetes 1.32 writes it with default feature gates. The testdata
 * YAML under bootstrappolicy/testdata is the reference; rule order and the sorted verbs,
 * groups and resources within a rule follow it.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import { AUTO_UPDATE_ANNOTATION, RBAC_GROUP } from './types.ts';

/** Label every bootstrap object carries. */
export const BOOTSTRAP_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' } as const;

const READ = ['get', 'list', 'watch'];

function r(
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  names?: string[],
): PolicyRule {
  const rule: PolicyRule = { apiGroups, resources, verbs };
  if (names !== undefined) rule.resourceNames = names;
  return rule;
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { nonResourceURLs, verbs };
}

/** The events rule every controller gets (upstream eventsRule()). */
function ev(): PolicyRule {
  return r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']);
}

function meta(name: string, extraLabels?: Record<string, string>, namespace?: string) {
  const m: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  } = {
    name,
    labels: { ...BOOTSTRAP_LABEL, ...extraLabels },
    annotations: { [AUTO_UPDATE_ANNOTATION]: 'true' },
  };
  if (namespace !== undefined) m.namespace = namespace;
  return m;
}

function clusterRole(
  name: string,
  rules: PolicyRule[],
  extraLabels?: Record<string, string>,
): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(name, extraLabels),
    rules,
  };
}

function aggregated(
  name: string,
  aggregateTo: string,
  extraLabels?: Record<string, string>,
): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(name, extraLabels),
    aggregationRule: {
      clusterRoleSelectors: [
        { matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${aggregateTo}`]: 'true' } },
      ],
    },
  };
}

const user = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'User', name });
const group = (name: string): Subject => ({ apiGroup: RBAC_GROUP, kind: 'Group', name });
const sa = (namespace: string, name: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  namespace,
});

function clusterBinding(name: string, subjects: Subject[], roleName = name): ClusterRoleBinding {
  const b: ClusterRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: roleName },
  };
  if (subjects.length > 0) b.subjects = subjects;
  return b;
}

const RW_EDIT = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const RW_ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SIGNERS = 'certificates.k8s.io';

function buildClusterRoles(): ClusterRole[] {
  return [
    aggregated('admin', 'admin'),
    clusterRole('cluster-admin', [r(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    aggregated('edit', 'edit', { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }),
    clusterRole(
      'system:aggregate-to-admin',
      [
        r(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
        r(RW_ALL, ['rbac.authorization.k8s.io'], ['rolebindings', 'roles']),
      ],
      { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        r(
          READ,
          [''],
          [
            'pods/attach',
            'pods/exec',
            'pods/portforward',
            'pods/proxy',
            'secrets',
            'services/proxy',
          ],
        ),
        r(['impersonate'], [''], ['serviceaccounts']),
        r(RW_EDIT, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
        r(['create'], [''], ['pods/eviction']),
        r(
          RW_EDIT,
          [''],
          [
            'configmaps',
            'events',
            'persistentvolumeclaims',
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'secrets',
            'serviceaccounts',
            'services',
            'services/proxy',
          ],
        ),
        r(['create'], [''], ['serviceaccounts/token']),
        r(
          RW_EDIT,
          ['apps'],
          [
            'daemonsets',
            'deployments',
            'deployments/rollback',
            'deployments/scale',
            'replicasets',
            'replicasets/scale',
            'statefulsets',
            'statefulsets/scale',
          ],
        ),
        r(RW_EDIT, ['autoscaling'], ['horizontalpodautoscalers']),
        r(RW_EDIT, ['batch'], ['cronjobs', 'jobs']),
        r(
          RW_EDIT,
          ['extensions'],
          [
            'daemonsets',
            'deployments',
            'deployments/rollback',
            'deployments/scale',
            'ingresses',
            'networkpolicies',
            'replicasets',
            'replicasets/scale',
            'replicationcontrollers/scale',
          ],
        ),
        r(RW_EDIT, ['policy'], ['poddisruptionbudgets']),
        r(RW_EDIT, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
        r(RW_ALL, ['coordination.k8s.io'], ['leases']),
      ],
      { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        r(
          READ,
          [''],
          [
            'configmaps',
            'endpoints',
            'persistentvolumeclaims',
            'persistentvolumeclaims/status',
            'pods',
            'replicationcontrollers',
            'replicationcontrollers/scale',
            'serviceaccounts',
            'services',
            'services/status',
          ],
        ),
        r(
          READ,
          [''],
          [
            'bindings',
            'events',
            'limitranges',
            'namespaces/status',
            'pods/log',
            'pods/status',
            'replicationcontrollers/status',
            'resourcequotas',
            'resourcequotas/status',
          ],
        ),
        r(READ, [''], ['namespaces']),
        r(READ, ['discovery.k8s.io'], ['endpointslices']),
        r(
          READ,
          ['apps'],
          [
            'controllerrevisions',
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/scale',
            'deployments/status',
            'replicasets',
            'replicasets/scale',
            'replicasets/status',
            'statefulsets',
            'statefulsets/scale',
            'statefulsets/status',
          ],
        ),
        r(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
        r(
          READ,
          ['extensions'],
          [
            'daemonsets',
            'daemonsets/status',
            'deployments',
            'deployments/scale',
            'deployments/status',
            'ingresses',
            'ingresses/status',
            'networkpolicies',
            'replicasets',
            'replicasets/scale',
            'replicasets/status',
            'replicationcontrollers/scale',
          ],
        ),
        r(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        r(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
      ],
      { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
    ),
    clusterRole('system:auth-delegator', [
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]),
    clusterRole('system:basic-user', [
      r(
        ['create'],
        ['authorization.k8s.io'],
        ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      ),
      r(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      r(['create'], [SIGNERS], ['certificatesigningrequests/nodeclient']),
    ]),
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      r(['create'], [SIGNERS], ['certificatesigningrequests/selfnodeclient']),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', [
      r(['approve'], [SIGNERS], ['signers'], ['kubernetes.io/kube-apiserver-client']),
    ]),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [
      r(['approve'], [SIGNERS], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
    ]),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', [
      r(['approve'], [SIGNERS], ['signers'], ['kubernetes.io/kubelet-serving']),
    ]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', [
      r(['approve'], [SIGNERS], ['signers'], ['kubernetes.io/legacy-unknown']),
    ]),
    clusterRole('system:discovery', [
      urls(
        ['get'],
        [
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
      ),
    ]),
    clusterRole('system:heapster', [
      r(READ, [''], ['events', 'namespaces', 'nodes', 'pods']),
      r(READ, ['extensions'], ['deployments']),
    ]),
    clusterRole('system:kube-aggregator', [r(READ, [''], ['endpoints', 'services'])]),
    clusterRole('system:kube-controller-manager', [
      ev(),
      r(['create'], ['coordination.k8s.io'], ['leases']),
      r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      r(['create'], [''], ['secrets', 'serviceaccounts']),
      r(['delete'], [''], ['secrets']),
      r(['get'], [''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      r(['update'], [''], ['secrets', 'serviceaccounts']),
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      r(['list', 'watch'], ['*'], ['*']),
      r(['create'], [''], ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-dns', [r(['list', 'watch'], [''], ['endpoints', 'services'])]),
    clusterRole('system:kube-scheduler', [
      ev(),
      r(['create'], ['coordination.k8s.io'], ['leases']),
      r(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      r(READ, [''], ['nodes']),
      r(['delete', 'get', 'list', 'watch'], [''], ['pods']),
      r(['create'], [''], ['bindings', 'pods/binding']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(READ, [''], ['replicationcontrollers', 'services']),
      r(READ, ['apps', 'extensions'], ['replicasets']),
      r(READ, ['apps'], ['statefulsets']),
      r(READ, ['policy'], ['poddisruptionbudgets']),
      r(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      r(READ, ['storage.k8s.io'], ['csinodes']),
      r(READ, [''], ['namespaces']),
      r(READ, ['storage.k8s.io'], ['csidrivers']),
      r(READ, ['storage.k8s.io'], ['csistoragecapacities']),
    ]),
    clusterRole('system:kubelet-api-admin', [
      r(READ, [''], ['nodes']),
      r(['proxy'], [''], ['nodes']),
      r(['*'], [''], ['nodes/log', 'nodes/metrics', 'nodes/proxy', 'nodes/stats']),
    ]),
    clusterRole('system:monitoring', [
      urls(
        ['get'],
        [
          '/healthz',
          '/healthz/*',
          '/livez',
          '/livez/*',
          '/metrics',
          '/metrics/slis',
          '/readyz',
          '/readyz/*',
        ],
      ),
    ]),
    clusterRole('system:node', [
      r(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      r(
        ['create'],
        ['authorization.k8s.io'],
        ['localsubjectaccessreviews', 'subjectaccessreviews'],
      ),
      r(READ, [''], ['services']),
      r(['create', 'get', 'list', 'watch'], [''], ['nodes']),
      r(['patch', 'update'], [''], ['nodes/status']),
      r(['patch', 'update'], [''], ['nodes']),
      r(['create', 'patch', 'update'], [''], ['events']),
      r(READ, [''], ['pods']),
      r(['create', 'delete'], [''], ['pods']),
      r(['patch', 'update'], [''], ['pods/status']),
      r(['create'], [''], ['pods/eviction']),
      r(READ, [''], ['configmaps', 'secrets']),
      r(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      r(['get'], [''], ['endpoints']),
      r(['create', 'get', 'list', 'watch'], [SIGNERS], ['certificatesigningrequests']),
      r(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
      r(['get'], ['storage.k8s.io'], ['volumeattachments']),
      r(['create'], [''], ['serviceaccounts/token']),
      r(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
      r(READ, ['storage.k8s.io'], ['csidrivers']),
      r(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
      r(READ, ['node.k8s.io'], ['runtimeclasses']),
    ]),
    clusterRole('system:node-bootstrapper', [
      r(['create', 'get', 'list', 'watch'], [SIGNERS], ['certificatesigningrequests']),
    ]),
    clusterRole('system:node-problem-detector', [
      r(['get'], [''], ['nodes']),
      r(['patch'], [''], ['nodes/status']),
      ev(),
    ]),
    clusterRole('system:node-proxier', [
      r(['list', 'watch'], [''], ['endpoints', 'services']),
      r(READ, [''], ['nodes']),
      ev(),
      r(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
    clusterRole('system:persistent-volume-provisioner', [
      r(['create', 'delete', 'get', 'list', 'watch'], [''], ['persistentvolumes']),
      r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
      r(READ, ['storage.k8s.io'], ['storageclasses']),
      r(['watch'], [''], ['events']),
      ev(),
    ]),
    clusterRole('system:public-info-viewer', [
      urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/']),
    ]),
    clusterRole('system:service-account-issuer-discovery', [
      urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks']),
    ]),
    clusterRole('system:volume-scheduler', [
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
      r(READ, ['storage.k8s.io'], ['storageclasses']),
      r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumeclaims']),
    ]),
    aggregated('view', 'view', { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }),
  ];
}

/** Controller roles as [name without `system:controller:`, rules]; each is bound to its SA. */
function controllerRoleRules(): [string, PolicyRule[]][] {
  const RW_APPS = ['apps', 'extensions'];
  return [
    [
      'attachdetach-controller',
      [
        r(['list', 'watch'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
        r(READ, [''], ['nodes']),
        r(['patch', 'update'], [''], ['nodes/status']),
        r(['list', 'watch'], [''], ['pods']),
        ev(),
        r(['create', 'delete', 'get', 'list', 'watch'], ['storage.k8s.io'], ['volumeattachments']),
        r(READ, ['storage.k8s.io'], ['csidrivers']),
        r(READ, ['storage.k8s.io'], ['csinodes']),
      ],
    ],
    [
      'certificate-controller',
      [
        r(['delete', 'get', 'list', 'watch'], [SIGNERS], ['certificatesigningrequests']),
        r(
          ['update'],
          [SIGNERS],
          ['certificatesigningrequests/approval', 'certificatesigningrequests/status'],
        ),
        r(['approve'], [SIGNERS], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
        r(
          ['sign'],
          [SIGNERS],
          ['signers'],
          [
            'kubernetes.io/kube-apiserver-client',
            'kubernetes.io/kube-apiserver-client-kubelet',
            'kubernetes.io/kubelet-serving',
            'kubernetes.io/legacy-unknown',
          ],
        ),
        r(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
        ev(),
      ],
    ],
    [
      'clusterrole-aggregation-controller',
      [
        r(
          ['escalate', 'get', 'list', 'patch', 'update', 'watch'],
          ['rbac.authorization.k8s.io'],
          ['clusterroles'],
        ),
      ],
    ],
    [
      'cronjob-controller',
      [
        r(['get', 'list', 'update', 'watch'], ['batch'], ['cronjobs']),
        r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
        r(['update'], ['batch'], ['cronjobs/status']),
        r(['update'], ['batch'], ['cronjobs/finalizers']),
        r(['delete', 'list', 'watch'], [''], ['pods']),
        ev(),
      ],
    ],
    [
      'daemon-set-controller',
      [
        r(READ, RW_APPS, ['daemonsets']),
        r(['update'], RW_APPS, ['daemonsets/status']),
        r(['update'], RW_APPS, ['daemonsets/finalizers']),
        r(['list', 'watch'], [''], ['nodes']),
        r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
        r(['create'], [''], ['pods/binding']),
        r(
          ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          ['apps'],
          ['controllerrevisions'],
        ),
        ev(),
      ],
    ],
    [
      'deployment-controller',
      [
        r(['get', 'list', 'update', 'watch'], RW_APPS, ['deployments']),
        r(['update'], RW_APPS, ['deployments/status']),
        r(['update'], RW_APPS, ['deployments/finalizers']),
        r(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], RW_APPS, [
          'replicasets',
        ]),
        r(['get', 'list', 'update', 'watch'], [''], ['pods']),
        ev(),
      ],
    ],
    [
      'disruption-controller',
      [
        r(READ, RW_APPS, ['deployments']),
        r(READ, RW_APPS, ['replicasets']),
        r(READ, [''], ['replicationcontrollers']),
        r(READ, ['policy'], ['poddisruptionbudgets']),
        r(READ, ['apps'], ['statefulsets']),
        r(['update'], ['policy'], ['poddisruptionbudgets/status']),
        r(['patch', 'update'], [''], ['pods/status']),
        r(['get'], ['*'], ['*/scale']),
        ev(),
      ],
    ],
    [
      'endpoint-controller',
      [
        r(READ, [''], ['pods', 'services']),
        r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['endpoints']),
        r(['create'], [''], ['endpoints/restricted']),
        ev(),
      ],
    ],
    [
      'endpointslice-controller',
      [
        r(READ, [''], ['nodes', 'pods', 'services']),
        r(['update'], [''], ['services/finalizers']),
        r(
          ['create', 'delete', 'get', 'list', 'update', 'watch'],
          ['discovery.k8s.io'],
          ['endpointslices'],
        ),
        ev(),
      ],
    ],
    [
      'endpointslicemirroring-controller',
      [
        r(READ, [''], ['endpoints', 'services']),
        r(['update'], [''], ['services/finalizers']),
        r(['update'], [''], ['endpoints/finalizers']),
        r(
          ['create', 'delete', 'get', 'list', 'update', 'watch'],
          ['discovery.k8s.io'],
          ['endpointslices'],
        ),
        ev(),
      ],
    ],
    [
      'ephemeral-volume-controller',
      [
        r(READ, [''], ['pods']),
        r(['update'], [''], ['pods/finalizers']),
        r(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
        ev(),
      ],
    ],
    [
      'expand-controller',
      [
        r(['get', 'list', 'patch', 'update', 'watch'], [''], ['persistentvolumes']),
        r(['patch', 'update'], [''], ['persistentvolumeclaims/status']),
        r(READ, [''], ['persistentvolumeclaims']),
        ev(),
      ],
    ],
    [
      'generic-garbage-collector',
      [r(['delete', 'get', 'list', 'patch', 'update', 'watch'], ['*'], ['*']), ev()],
    ],
    [
      'horizontal-pod-autoscaler',
      [
        r(READ, ['autoscaling'], ['horizontalpodautoscalers']),
        r(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
        r(['get', 'update'], ['*'], ['*/scale']),
        r(['list', 'watch'], [''], ['pods']),
        r(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
        r(READ, ['custom.metrics.k8s.io'], ['*']),
        r(READ, ['external.metrics.k8s.io'], ['*']),
        ev(),
      ],
    ],
    [
      'job-controller',
      [
        r(['get', 'list', 'patch', 'update', 'watch'], ['batch'], ['jobs']),
        r(['update'], ['batch'], ['jobs/status']),
        r(['update'], ['batch'], ['jobs/finalizers']),
        r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
        ev(),
      ],
    ],
    [
      'legacy-service-account-token-cleaner',
      [
        r(['get'], [''], ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
        r(['delete', 'patch'], [''], ['secrets']),
      ],
    ],
    [
      'namespace-controller',
      [
        r(['delete', 'get', 'list', 'watch'], [''], ['namespaces']),
        r(['update'], [''], ['namespaces/finalize', 'namespaces/status']),
        r(['delete', 'deletecollection', 'get', 'list', 'watch'], ['*'], ['*']),
      ],
    ],
    [
      'node-controller',
      [
        r(['delete', 'get', 'list', 'patch', 'update', 'watch'], [''], ['nodes']),
        r(['patch', 'update'], [''], ['nodes/status']),
        r(['patch', 'update'], [''], ['pods/status']),
        r(['delete', 'get', 'list', 'watch'], [''], ['pods']),
        ev(),
      ],
    ],
    [
      'persistent-volume-binder',
      [
        r(['create', 'delete', 'get', 'list', 'update', 'watch'], [''], ['persistentvolumes']),
        r(['update'], [''], ['persistentvolumes/status']),
        r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
        r(['update'], [''], ['persistentvolumeclaims/status']),
        r(['create', 'delete', 'get', 'list', 'watch'], [''], ['pods']),
        r(READ, ['storage.k8s.io'], ['storageclasses']),
        r(['list', 'watch'], [''], ['nodes']),
        ev(),
        r(['watch'], [''], ['events']),
      ],
    ],
    [
      'pod-garbage-collector',
      [
        r(['delete', 'list', 'watch'], [''], ['pods']),
        r(READ, [''], ['nodes']),
        r(['patch'], [''], ['pods/status']),
      ],
    ],
    [
      'pv-protection-controller',
      [r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumes']), ev()],
    ],
    [
      'pvc-protection-controller',
      [
        r(['get', 'list', 'update', 'watch'], [''], ['persistentvolumeclaims']),
        r(['update'], [''], ['persistentvolumeclaims/status']),
        r(READ, [''], ['pods']),
        ev(),
      ],
    ],
    [
      'replicaset-controller',
      [
        r(['get', 'list', 'update', 'watch'], RW_APPS, ['replicasets']),
        r(['update'], RW_APPS, ['replicasets/status']),
        r(['update'], RW_APPS, ['replicasets/finalizers']),
        r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
        ev(),
      ],
    ],
    [
      'replication-controller',
      [
        r(['get', 'list', 'update', 'watch'], [''], ['replicationcontrollers']),
        r(['update'], [''], ['replicationcontrollers/status']),
        r(['update'], [''], ['replicationcontrollers/finalizers']),
        r(['create', 'delete', 'list', 'patch', 'watch'], [''], ['pods']),
        ev(),
      ],
    ],
    [
      'resourcequota-controller',
      [r(['list', 'watch'], ['*'], ['*']), r(['update'], [''], ['resourcequotas/status']), ev()],
    ],
    ['root-ca-cert-publisher', [r(['create', 'update'], [''], ['configmaps']), ev()]],
    [
      'route-controller',
      [r(['list', 'watch'], [''], ['nodes']), r(['patch'], [''], ['nodes/status']), ev()],
    ],
    ['service-account-controller', [r(['create'], [''], ['serviceaccounts']), ev()]],
    [
      'service-controller',
      [
        r(READ, [''], ['services']),
        r(['patch', 'update'], [''], ['services/status']),
        r(['list', 'watch'], [''], ['nodes']),
        ev(),
      ],
    ],
    [
      'statefulset-controller',
      [
        r(['list', 'watch'], [''], ['pods']),
        r(READ, ['apps'], ['statefulsets']),
        r(['update'], ['apps'], ['statefulsets/status']),
        r(['update'], ['apps'], ['statefulsets/finalizers']),
        r(['create', 'delete', 'get', 'patch', 'update'], [''], ['pods']),
        r(
          ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
          ['apps'],
          ['controllerrevisions'],
        ),
        r(['create', 'get', 'list', 'watch'], [''], ['persistentvolumeclaims']),
        r(['delete', 'update'], [''], ['persistentvolumeclaims']),
        r(['update'], [''], ['pods/finalizers']),
        ev(),
      ],
    ],
    [
      'ttl-after-finished-controller',
      [r(['delete', 'get', 'list', 'watch'], ['batch'], ['jobs']), ev()],
    ],
    ['ttl-controller', [r(['list', 'patch', 'update', 'watch'], [''], ['nodes']), ev()]],
    [
      'validatingadmissionpolicy-status-controller',
      [
        r(READ, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
        r(
          ['get', 'patch', 'update'],
          ['admissionregistration.k8s.io'],
          ['validatingadmissionpolicies/status'],
        ),
        ev(),
      ],
    ],
  ];
}

/** Prefix of the controller roles and bindings. */
export const CONTROLLER_ROLE_PREFIX = 'system:controller:';

/**
 * Every bootstrap ClusterRole: the policy roles (admin, edit, view and their aggregate-to-*
 * parts, cluster-admin, system:*) then the `system:controller:*` roles, each group sorted by
 * name, with the autoupdate annotation and the bootstrapping label. admin/edit/view carry only
 * an aggregationRule (their rules come from aggregation). Returns fresh objects on every call.
 */
export function bootstrapClusterRoles(): ClusterRole[] {
  const controllers = controllerRoleRules().map(([name, rules]) =>
    clusterRole(CONTROLLER_ROLE_PREFIX + name, rules),
  );
  return [...buildClusterRoles(), ...controllers];
}

/**
 * Every bootstrap ClusterRoleBinding: the policy bindings, then one binding per controller role
 * to the `kube-system` service account of the same short name. `system:node` has no subjects
 * (the Node authorizer replaced it). Fresh objects on every call.
 */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  const policy = [
    clusterBinding('cluster-admin', [group('system:masters')]),
    clusterBinding('system:basic-user', [group('system:authenticated')]),
    clusterBinding('system:discovery', [group('system:authenticated')]),
    clusterBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterBinding('system:kube-dns', [sa('kube-system', 'kube-dns')]),
    clusterBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterBinding('system:monitoring', [group('system:monitoring')]),
    clusterBinding('system:node', []),
    clusterBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterBinding('system:public-info-viewer', [
      group('system:authenticated'),
      group('system:unauthenticated'),
    ]),
    clusterBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    clusterBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
  ];
  const controllers = controllerRoleRules().map(([name]) =>
    clusterBinding(CONTROLLER_ROLE_PREFIX + name, [sa('kube-system', name)]),
  );
  return [...policy, ...controllers];
}

function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(name, undefined, namespace),
    rules,
  };
}

function roleBinding(
  namespace: string,
  name: string,
  roleName: string,
  subjects: Subject[],
): RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(name, undefined, namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: roleName },
    subjects,
  };
}

const LEADER_LOCKING = (): PolicyRule[] => [
  r(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leases']),
  r(['create', 'get', 'list', 'update', 'watch'], ['coordination.k8s.io'], ['leasecandidates']),
];

/**
 * The bootstrap Roles of kube-public and kube-system (namespace_policy.go), ordered as the
 * testdata lists them (namespace, then name). Fresh objects on every call.
 */
export function bootstrapRoles(): Role[] {
  return [
    role('kube-public', 'system:controller:bootstrap-signer', [
      r(READ, [''], ['configmaps']),
      r(['update'], [''], ['configmaps'], ['cluster-info']),
      ev(),
    ]),
    role('kube-system', 'extension-apiserver-authentication-reader', [
      r(READ, [''], ['configmaps'], ['extension-apiserver-authentication']),
    ]),
    role('kube-system', 'system::leader-locking-kube-controller-manager', LEADER_LOCKING()),
    role('kube-system', 'system::leader-locking-kube-scheduler', LEADER_LOCKING()),
    role('kube-system', 'system:controller:bootstrap-signer', [r(READ, [''], ['secrets'])]),
    role('kube-system', 'system:controller:cloud-provider', [
      r(['create', 'get', 'list', 'watch'], [''], ['configmaps']),
    ]),
    role('kube-system', 'system:controller:token-cleaner', [
      r(['delete', 'get', 'list', 'watch'], [''], ['secrets']),
      ev(),
    ]),
  ];
}

/** The bootstrap RoleBindings of kube-public and kube-system. Fresh objects on every call. */
export function bootstrapRoleBindings(): RoleBinding[] {
  return [
    roleBinding(
      'kube-public',
      'system:controller:bootstrap-signer',
      'system:controller:bootstrap-signer',
      [sa('kube-system', 'bootstrap-signer')],
    ),
    roleBinding(
      'kube-system',
      'system::extension-apiserver-authentication-reader',
      'extension-apiserver-authentication-reader',
      [user('system:kube-controller-manager'), user('system:kube-scheduler')],
    ),
    roleBinding(
      'kube-system',
      'system::leader-locking-kube-controller-manager',
      'system::leader-locking-kube-controller-manager',
      [
        user('system:kube-controller-manager'),
        sa('kube-system', 'kube-controller-manager'),
        sa('kube-system', 'leader-election-controller'),
      ],
    ),
    roleBinding(
      'kube-system',
      'system::leader-locking-kube-scheduler',
      'system::leader-locking-kube-scheduler',
      [user('system:kube-scheduler'), sa('kube-system', 'kube-scheduler')],
    ),
    roleBinding(
      'kube-system',
      'system:controller:bootstrap-signer',
      'system:controller:bootstrap-signer',
      [sa('kube-system', 'bootstrap-signer')],
    ),
    roleBinding(
      'kube-system',
      'system:controller:cloud-provider',
      'system:controller:cloud-provider',
      [sa('kube-system', 'cloud-provider')],
    ),
    roleBinding(
      'kube-system',
      'system:controller:token-cleaner',
      'system:controller:token-cleaner',
      [sa('kube-system', 'token-cleaner')],
    ),
  ];
}
