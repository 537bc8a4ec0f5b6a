import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  STANDARD_VERBS,
  compareKubeAwareVersions,
  customResourceInfo,
  groupVersionString,
  newBuiltinScheme,
  parseGroupVersion,
  storageKey,
  storageListPrefix,
} from './scheme.ts';
import type { ResourceInfo } from './scheme.ts';
import { isBadRequest, StatusError } from './errors.ts';

const scheme = newBuiltinScheme();

// [resource, apiVersion, kind, namespaced, shortNames, categories, storage prefix]
const builtins: [string, string, string, boolean, string[], string[], string | undefined][] = [
  ['bindings', 'v1', 'Binding', true, [], [], undefined],
  ['componentstatuses', 'v1', 'ComponentStatus', false, ['cs'], [], undefined],
  ['configmaps', 'v1', 'ConfigMap', true, ['cm'], [], '/registry/configmaps'],
  ['endpoints', 'v1', 'Endpoints', true, ['ep'], [], '/registry/services/endpoints'],
  ['events', 'v1', 'Event', true, ['ev'], [], '/registry/events'],
  ['limitranges', 'v1', 'LimitRange', true, ['limits'], [], '/registry/limitranges'],
  ['namespaces', 'v1', 'Namespace', false, ['ns'], [], '/registry/namespaces'],
  ['nodes', 'v1', 'Node', false, ['no'], [], '/registry/minions'],
  [
    'persistentvolumeclaims',
    'v1',
    'PersistentVolumeClaim',
    true,
    ['pvc'],
    [],
    '/registry/persistentvolumeclaims',
  ],
  ['persistentvolumes', 'v1', 'PersistentVolume', false, ['pv'], [], '/registry/persistentvolumes'],
  ['pods', 'v1', 'Pod', true, ['po'], ['all'], '/registry/pods'],
  ['podtemplates', 'v1', 'PodTemplate', true, [], [], '/registry/podtemplates'],
  [
    'replicationcontrollers',
    'v1',
    'ReplicationController',
    true,
    ['rc'],
    ['all'],
    '/registry/controllers',
  ],
  ['resourcequotas', 'v1', 'ResourceQuota', true, ['quota'], [], '/registry/resourcequotas'],
  ['secrets', 'v1', 'Secret', true, [], [], '/registry/secrets'],
  ['serviceaccounts', 'v1', 'ServiceAccount', true, ['sa'], [], '/registry/serviceaccounts'],
  ['services', 'v1', 'Service', true, ['svc'], ['all'], '/registry/services/specs'],
  [
    'controllerrevisions',
    'apps/v1',
    'ControllerRevision',
    true,
    [],
    [],
    '/registry/controllerrevisions',
  ],
  ['daemonsets', 'apps/v1', 'DaemonSet', true, ['ds'], ['all'], '/registry/daemonsets'],
  ['deployments', 'apps/v1', 'Deployment', true, ['deploy'], ['all'], '/registry/deployments'],
  ['replicasets', 'apps/v1', 'ReplicaSet', true, ['rs'], ['all'], '/registry/replicasets'],
  ['statefulsets', 'apps/v1', 'StatefulSet', true, ['sts'], ['all'], '/registry/statefulsets'],
  ['events', 'events.k8s.io/v1', 'Event', true, ['ev'], [], '/registry/events'],
  ['selfsubjectreviews', 'authentication.k8s.io/v1', 'SelfSubjectReview', false, [], [], undefined],
  ['tokenreviews', 'authentication.k8s.io/v1', 'TokenReview', false, [], [], undefined],
  [
    'localsubjectaccessreviews',
    'authorization.k8s.io/v1',
    'LocalSubjectAccessReview',
    true,
    [],
    [],
    undefined,
  ],
  [
    'selfsubjectaccessreviews',
    'authorization.k8s.io/v1',
    'SelfSubjectAccessReview',
    false,
    [],
    [],
    undefined,
  ],
  [
    'selfsubjectrulesreviews',
    'authorization.k8s.io/v1',
    'SelfSubjectRulesReview',
    false,
    [],
    [],
    undefined,
  ],
  [
    'subjectaccessreviews',
    'authorization.k8s.io/v1',
    'SubjectAccessReview',
    false,
    [],
    [],
    undefined,
  ],
  [
    'horizontalpodautoscalers',
    'autoscaling/v2',
    'HorizontalPodAutoscaler',
    true,
    ['hpa'],
    ['all'],
    '/registry/horizontalpodautoscalers',
  ],
  [
    'horizontalpodautoscalers',
    'autoscaling/v1',
    'HorizontalPodAutoscaler',
    true,
    ['hpa'],
    ['all'],
    '/registry/horizontalpodautoscalers',
  ],
  ['cronjobs', 'batch/v1', 'CronJob', true, ['cj'], ['all'], '/registry/cronjobs'],
  ['jobs', 'batch/v1', 'Job', true, [], ['all'], '/registry/jobs'],
  [
    'certificatesigningrequests',
    'certificates.k8s.io/v1',
    'CertificateSigningRequest',
    false,
    ['csr'],
    [],
    '/registry/certificatesigningrequests',
  ],
  [
    'ingressclasses',
    'networking.k8s.io/v1',
    'IngressClass',
    false,
    [],
    [],
    '/registry/ingressclasses',
  ],
  ['ingresses', 'networking.k8s.io/v1', 'Ingress', true, ['ing'], [], '/registry/ingress'],
  [
    'networkpolicies',
    'networking.k8s.io/v1',
    'NetworkPolicy',
    true,
    ['netpol'],
    [],
    '/registry/networkpolicies',
  ],
  [
    'poddisruptionbudgets',
    'policy/v1',
    'PodDisruptionBudget',
    true,
    ['pdb'],
    [],
    '/registry/poddisruptionbudgets',
  ],
  [
    'clusterrolebindings',
    'rbac.authorization.k8s.io/v1',
    'ClusterRoleBinding',
    false,
    [],
    [],
    '/registry/clusterrolebindings',
  ],
  [
    'clusterroles',
    'rbac.authorization.k8s.io/v1',
    'ClusterRole',
    false,
    [],
    [],
    '/registry/clusterroles',
  ],
  [
    'rolebindings',
    'rbac.authorization.k8s.io/v1',
    'RoleBinding',
    true,
    [],
    [],
    '/registry/rolebindings',
  ],
  ['roles', 'rbac.authorization.k8s.io/v1', 'Role', true, [], [], '/registry/roles'],
  ['csidrivers', 'storage.k8s.io/v1', 'CSIDriver', false, [], [], '/registry/csidrivers'],
  ['csinodes', 'storage.k8s.io/v1', 'CSINode', false, [], [], '/registry/csinodes'],
  [
    'csistoragecapacities',
    'storage.k8s.io/v1',
    'CSIStorageCapacity',
    true,
    [],
    [],
    '/registry/csistoragecapacities',
  ],
  [
    'storageclasses',
    'storage.k8s.io/v1',
    'StorageClass',
    false,
    ['sc'],
    [],
    '/registry/storageclasses',
  ],
  [
    'volumeattachments',
    'storage.k8s.io/v1',
    'VolumeAttachment',
    false,
    [],
    [],
    '/registry/volumeattachments',
  ],
  [
    'mutatingwebhookconfigurations',
    'admissionregistration.k8s.io/v1',
    'MutatingWebhookConfiguration',
    false,
    [],
    ['api-extensions'],
    '/registry/mutatingwebhookconfigurations',
  ],
  [
    'validatingwebhookconfigurations',
    'admissionregistration.k8s.io/v1',
    'ValidatingWebhookConfiguration',
    false,
    [],
    ['api-extensions'],
    '/registry/validatingwebhookconfigurations',
  ],
  [
    'customresourcedefinitions',
    'apiextensions.k8s.io/v1',
    'CustomResourceDefinition',
    false,
    ['crd', 'crds'],
    ['api-extensions'],
    '/registry/apiextensions.k8s.io/customresourcedefinitions',
  ],
  [
    'priorityclasses',
    'scheduling.k8s.io/v1',
    'PriorityClass',
    false,
    ['pc'],
    [],
    '/registry/priorityclasses',
  ],
  ['leases', 'coordination.k8s.io/v1', 'Lease', true, [], [], '/registry/leases'],
  ['runtimeclasses', 'node.k8s.io/v1', 'RuntimeClass', false, [], [], '/registry/runtimeclasses'],
  [
    'endpointslices',
    'discovery.k8s.io/v1',
    'EndpointSlice',
    true,
    [],
    [],
    '/registry/endpointslices',
  ],
];

describe('built-in scheme', () => {
  it('holds exactly the table', () => {
    assert.equal(scheme.all().length, builtins.length);
  });
  for (const [resource, apiVersion, kind, namespaced, shortNames, categories, prefix] of builtins) {
    it(`${resource} (${apiVersion}) resolves by resource, kind, singular and short names`, () => {
      const gv = parseGroupVersion(apiVersion);
      const r = scheme.byGroupVersionResource({ ...gv, resource });
      assert.ok(r, 'by GVR');
      assert.equal(r.kind, kind);
      assert.equal(r.listKind, `${kind}List`);
      assert.equal(r.singular, kind.toLowerCase());
      assert.equal(r.namespaced, namespaced);
      assert.deepEqual(r.shortNames, shortNames);
      assert.deepEqual(r.categories, categories);
      assert.equal(r.storagePrefix, prefix);
      assert.equal(scheme.byGroupVersionKind({ ...gv, kind }), r, 'by GVK');
      assert.equal(scheme.byApiVersionKind(apiVersion, kind), r, 'by apiVersion/kind');
      const preferred = scheme.byGroupResource({ group: gv.group, resource });
      assert.ok(preferred);
      for (const name of [resource, r.singular, kind, ...shortNames]) {
        assert.ok(scheme.resolve(name).includes(preferred), `resolve(${name})`);
      }
      for (const sn of shortNames) {
        assert.ok(scheme.byShortName(sn).includes(preferred), `byShortName(${sn})`);
      }
      if (gv.group !== '') {
        assert.deepEqual(scheme.resolve(`${resource}.${gv.group}`), [preferred]);
        assert.deepEqual(scheme.resolve(`${resource}.${gv.version}.${gv.group}`), [r]);
      }
    });
  }

  it('core resources come first when a name is ambiguous (ev)', () => {
    const ev = scheme.resolve('ev');
    assert.deepEqual(
      ev.map((r) => groupVersionString(r)),
      ['v1', 'events.k8s.io/v1'],
    );
  });

  it('verbs match upstream discovery', () => {
    const verbsOf = (group: string, resource: string): readonly string[] =>
      scheme.byGroupResource({ group, resource })?.verbs ?? [];
    assert.deepEqual(verbsOf('', 'pods'), STANDARD_VERBS);
    assert.deepEqual(verbsOf('', 'events'), STANDARD_VERBS);
    assert.deepEqual(verbsOf('', 'nodes'), STANDARD_VERBS);
    assert.deepEqual(verbsOf('', 'services'), STANDARD_VERBS);
    assert.deepEqual(verbsOf('', 'namespaces'), [
      'create',
      'delete',
      'get',
      'list',
      'patch',
      'update',
      'watch',
    ]);
    assert.deepEqual(verbsOf('', 'bindings'), ['create']);
    assert.deepEqual(verbsOf('', 'componentstatuses'), ['get', 'list']);
    assert.deepEqual(verbsOf('authentication.k8s.io', 'selfsubjectreviews'), ['create']);
    assert.deepEqual(verbsOf('authorization.k8s.io', 'localsubjectaccessreviews'), ['create']);
  });

  it('subresources match upstream discovery', () => {
    const subs = (group: string, resource: string): string[] =>
      (scheme.byGroupResource({ group, resource })?.subresources ?? []).map(
        (s) => `${s.name}:${groupVersionString(s)}/${s.kind}:${s.verbs.join(',')}`,
      );
    assert.deepEqual(subs('', 'pods'), [
      'attach:v1/PodAttachOptions:create,get',
      'binding:v1/Binding:create',
      'ephemeralcontainers:v1/Pod:get,patch,update',
      'eviction:policy/v1/Eviction:create',
      'exec:v1/PodExecOptions:create,get',
      'log:v1/Pod:get',
      'portforward:v1/PodPortForwardOptions:create,get',
      'proxy:v1/PodProxyOptions:create,delete,get,patch,update',
      'status:v1/Pod:get,patch,update',
    ]);
    assert.deepEqual(subs('', 'namespaces'), [
      'finalize:v1/Namespace:update',
      'status:v1/Namespace:get,patch,update',
    ]);
    assert.deepEqual(subs('', 'nodes'), [
      'proxy:v1/NodeProxyOptions:create,delete,get,patch,update',
      'status:v1/Node:get,patch,update',
    ]);
    assert.deepEqual(subs('', 'serviceaccounts'), [
      'token:authentication.k8s.io/v1/TokenRequest:create',
    ]);
    assert.deepEqual(subs('', 'replicationcontrollers'), [
      'scale:autoscaling/v1/Scale:get,patch,update',
      'status:v1/ReplicationController:get,patch,update',
    ]);
    for (const r of ['deployments', 'replicasets', 'statefulsets']) {
      assert.deepEqual(subs('apps', r)[0], 'scale:autoscaling/v1/Scale:get,patch,update');
    }
    assert.deepEqual(subs('apps', 'daemonsets'), ['status:apps/v1/DaemonSet:get,patch,update']);
    assert.deepEqual(subs('certificates.k8s.io', 'certificatesigningrequests'), [
      'approval:certificates.k8s.io/v1/CertificateSigningRequest:get,patch,update',
      'status:certificates.k8s.io/v1/CertificateSigningRequest:get,patch,update',
    ]);
    assert.deepEqual(subs('apiextensions.k8s.io', 'customresourcedefinitions'), [
      'status:apiextensions.k8s.io/v1/CustomResourceDefinition:get,patch,update',
    ]);
  });

  it('lists group versions with preferred versions in discovery order', () => {
    const gvs = scheme.groupVersions();
    assert.deepEqual(gvs[0], { group: '', versions: ['v1'], preferredVersion: 'v1' });
    assert.deepEqual(
      gvs.find((g) => g.group === 'autoscaling'),
      { group: 'autoscaling', versions: ['v2', 'v1'], preferredVersion: 'v2' },
    );
    assert.deepEqual(gvs.map((g) => g.group).slice(0, 4), [
      '',
      'apps',
      'events.k8s.io',
      'authentication.k8s.io',
    ]);
    assert.equal(scheme.preferredVersion('autoscaling'), 'v2');
    assert.equal(scheme.preferredVersion('nope'), undefined);
    assert.deepEqual(
      scheme.resourcesFor({ group: 'batch', version: 'v1' }).map((r) => r.resource),
      ['cronjobs', 'jobs'],
    );
    assert.deepEqual(scheme.resourcesFor({ group: 'batch', version: 'v2' }), []);
  });

  it('expands the all category like kubectl get all', () => {
    assert.deepEqual(
      scheme.byCategory('all').map((r) => r.resource),
      [
        'pods',
        'replicationcontrollers',
        'services',
        'daemonsets',
        'deployments',
        'replicasets',
        'statefulsets',
        'horizontalpodautoscalers',
        'cronjobs',
        'jobs',
      ],
    );
  });

  it('hands out frozen shared objects', () => {
    const pods = scheme.byGroupVersionResource({ group: '', version: 'v1', resource: 'pods' });
    assert.ok(pods);
    assert.ok(Object.isFrozen(pods));
    assert.ok(Object.isFrozen(pods.subresources[0]));
    assert.throws(() => {
      (pods.shortNames as string[]).push('p');
    });
  });

  it('returns nothing for unknown names', () => {
    assert.deepEqual(scheme.resolve('widgets'), []);
    assert.deepEqual(scheme.resolve('pods.nope'), []);
    assert.equal(
      scheme.byGroupVersionKind({ group: 'apps', version: 'v1', kind: 'Pod' }),
      undefined,
    );
  });
});

describe('run-time resources (CRDs)', () => {
  it('adds, resolves and removes a custom resource in two versions', () => {
    const s = newBuiltinScheme();
    const spec = {
      group: 'example.com',
      kind: 'Widget',
      plural: 'widgets',
      shortNames: ['wd'],
      categories: ['all'],
      namespaced: true,
      status: true,
      scale: true,
      storageVersion: 'v1',
    };
    s.add(customResourceInfo({ ...spec, version: 'v1' }));
    s.add(customResourceInfo({ ...spec, version: 'v1beta1' }));
    const w = s.resolve('wd');
    assert.equal(w.length, 1);
    const [first] = w;
    assert.ok(first);
    assert.equal(first.version, 'v1');
    assert.equal(first.storagePrefix, '/registry/example.com/widgets');
    assert.equal(first.listKind, 'WidgetList');
    assert.equal(first.singular, 'widget');
    assert.deepEqual(
      first.subresources.map((x) => x.name),
      ['scale', 'status'],
    );
    assert.ok(s.byCategory('all').some((r) => r.resource === 'widgets'));
    assert.deepEqual(s.groupVersions().at(-1), {
      group: 'example.com',
      versions: ['v1', 'v1beta1'],
      preferredVersion: 'v1',
    });
    assert.throws(
      () => s.add(customResourceInfo({ ...spec, version: 'v1' })),
      /already registered/,
    );
    assert.throws(
      () => s.add(customResourceInfo({ ...spec, version: 'v2', namespaced: false })),
      /disagrees/,
    );
    assert.equal(s.removeGroupResource({ group: 'example.com', resource: 'widgets' }), 2);
    assert.deepEqual(s.resolve('wd'), []);
    assert.equal(s.preferredVersion('example.com'), undefined);
    assert.equal(s.remove({ group: 'example.com', version: 'v1', resource: 'widgets' }), false);
    // The built-in scheme of another call is unaffected.
    assert.deepEqual(newBuiltinScheme().resolve('wd'), []);
  });
});

describe('compareKubeAwareVersions (upstream order)', () => {
  it('sorts GA > beta > alpha > other', () => {
    const sorted = [
      'foo10',
      'v1alpha1',
      'v11alpha2',
      'v1',
      'v2',
      'v10beta3',
      'v3beta1',
      'foo1',
      'v12alpha1',
      'v11beta2',
    ].sort(compareKubeAwareVersions);
    assert.deepEqual(sorted, [
      'v2',
      'v1',
      'v11beta2',
      'v10beta3',
      'v3beta1',
      'v12alpha1',
      'v11alpha2',
      'v1alpha1',
      'foo1',
      'foo10',
    ]);
  });
});

describe('storage keys (upstream NamespaceKeyFunc / NoNamespaceKeyFunc)', () => {
  const get = (group: string, resource: string): ResourceInfo => {
    const r = scheme.byGroupResource({ group, resource });
    assert.ok(r);
    return r;
  };
  it('builds namespaced and cluster-scoped keys and list prefixes', () => {
    assert.equal(storageKey(get('', 'pods'), 'default', 'web'), '/registry/pods/default/web');
    assert.equal(storageKey(get('', 'services'), 'ns1', 'api'), '/registry/services/specs/ns1/api');
    assert.equal(
      storageKey(get('', 'endpoints'), 'ns1', 'api'),
      '/registry/services/endpoints/ns1/api',
    );
    assert.equal(storageKey(get('', 'nodes'), undefined, 'n1'), '/registry/minions/n1');
    assert.equal(storageKey(get('', 'nodes'), 'ignored', 'n1'), '/registry/minions/n1');
    assert.equal(
      storageKey(
        get('apiextensions.k8s.io', 'customresourcedefinitions'),
        undefined,
        'widgets.example.com',
      ),
      '/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com',
    );
    assert.equal(storageListPrefix(get('apps', 'deployments')), '/registry/deployments/');
    assert.equal(storageListPrefix(get('apps', 'deployments'), 'a'), '/registry/deployments/a/');
    assert.equal(storageListPrefix(get('', 'namespaces'), 'x'), '/registry/namespaces/');
  });
  it('rejects missing and unsafe names with upstream 400s', () => {
    const pods = get('', 'pods');
    const cases: [() => string, string][] = [
      [() => storageKey(pods, '', 'x'), 'Namespace parameter required.'],
      [() => storageKey(pods, 'default', ''), 'Name parameter required.'],
      [() => storageKey(pods, 'default', '..'), `Name parameter invalid: "..": may not be '..'`],
      [
        () => storageKey(pods, 'default', 'a/b%'),
        `Name parameter invalid: "a/b%": may not contain '/';may not contain '%'`,
      ],
    ];
    for (const [fn, message] of cases) {
      assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof StatusError);
        assert.ok(isBadRequest(err));
        assert.equal(err.message, message);
        return true;
      });
    }
    assert.throws(() => storageKey(get('', 'bindings'), 'default', 'x'), /not stored/);
  });
});
