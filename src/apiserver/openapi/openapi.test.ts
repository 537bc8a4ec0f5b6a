import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { newBuiltinScheme, Scheme } from '../../api/index.ts';
import { buildNow, buildOpenApiV3, generatedSchemas, schemaNameOf } from './index.ts';

type Obj = Record<string, unknown>;
const schemas = generatedSchemas().schemas;
const schema = (name: string): Obj => {
  const s = schemas[name];
  assert.ok(s !== undefined, `missing ${name}`);
  return s;
};
const prop = (name: string, field: string): Obj => {
  const p = (schema(name).properties as Record<string, Obj> | undefined)?.[field];
  assert.ok(p !== undefined, `missing ${name}.${field}`);
  return p;
};
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

// Expected values below are copied from upstream's api/openapi-spec/v3/api__v1_openapi.json and
// apis__apps__v1_openapi.json (kubernetes/kubernetes). Upstream 1.33+ also marks most untagged
// lists `x-kubernetes-list-type: atomic` and non-pointer structs `default: {}`; we emit neither
// (see the generator's header), which changes nothing for kubectl.
describe('generated schemas match upstream', () => {
  it('Container list fields carry the strategic-merge and list-map extensions', () => {
    const c = 'io.k8s.api.core.v1.Container';
    assert.deepEqual(prop(c, 'env'), {
      description: 'List of environment variables to set in the container. Cannot be updated.',
      items: { allOf: [ref('io.k8s.api.core.v1.EnvVar')], default: {} },
      type: 'array',
      'x-kubernetes-list-map-keys': ['name'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
    });
    const ports = prop(c, 'ports');
    assert.deepEqual(ports.items, {
      allOf: [ref('io.k8s.api.core.v1.ContainerPort')],
      default: {},
    });
    assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(ports['x-kubernetes-list-type'], 'map');
    assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.equal(ports['x-kubernetes-patch-strategy'], 'merge');
    assert.match(String(ports.description), /^List of ports to expose from the container\./);
    const devices = prop(c, 'volumeDevices');
    assert.deepEqual(devices['x-kubernetes-list-map-keys'], ['devicePath']);
    assert.equal(devices['x-kubernetes-patch-merge-key'], 'devicePath');
    assert.equal(prop(c, 'volumeMounts')['x-kubernetes-patch-merge-key'], 'mountPath');
    assert.deepEqual(prop(c, 'name'), {
      default: '',
      description:
        'Name of the container specified as a DNS_LABEL. Each container in a pod must have a unique name (DNS_LABEL). Cannot be updated.',
      type: 'string',
    });
    assert.deepEqual(prop(c, 'args').items, { default: '', type: 'string' });
    assert.deepEqual(prop(c, 'resources').allOf, [ref('io.k8s.api.core.v1.ResourceRequirements')]);
    assert.deepEqual(schema(c).required, ['name']);
    assert.equal(
      schema(c).description,
      'A single application container that you want to run within a pod.',
    );
  });

  it('PodSpec lists and their merge keys', () => {
    const p = 'io.k8s.api.core.v1.PodSpec';
    const cases: [string, string, string, string[]][] = [
      ['containers', 'merge', 'name', ['name']],
      ['initContainers', 'merge', 'name', ['name']],
      ['volumes', 'merge,retainKeys', 'name', ['name']],
      ['imagePullSecrets', 'merge', 'name', ['name']],
      ['hostAliases', 'merge', 'ip', ['ip']],
      ['topologySpreadConstraints', 'merge', 'topologyKey', ['topologyKey', 'whenUnsatisfiable']],
    ];
    for (const [field, strategy, key, keys] of cases) {
      const f = prop(p, field);
      assert.equal(f['x-kubernetes-patch-strategy'], strategy, field);
      assert.equal(f['x-kubernetes-patch-merge-key'], key, field);
      assert.deepEqual(f['x-kubernetes-list-map-keys'], keys, field);
      assert.equal(f['x-kubernetes-list-type'], 'map', field);
    }
    assert.deepEqual(prop(p, 'terminationGracePeriodSeconds').format, 'int64');
    assert.deepEqual(prop(p, 'restartPolicy').type, 'string');
  });

  it('ContainerPort and EnvVar', () => {
    assert.deepEqual(schema('io.k8s.api.core.v1.ContainerPort').required, ['containerPort']);
    assert.deepEqual(prop('io.k8s.api.core.v1.ContainerPort', 'containerPort'), {
      default: 0,
      description:
        "Number of port to expose on the pod's IP address. This must be a valid port number, 0 < x < 65536.",
      format: 'int32',
      type: 'integer',
    });
    assert.equal(prop('io.k8s.api.core.v1.ContainerPort', 'protocol').default, 'TCP');
    const envVar = schema('io.k8s.api.core.v1.EnvVar');
    assert.equal(
      envVar.description,
      'EnvVar represents an environment variable present in a Container.',
    );
    assert.deepEqual(envVar.required, ['name']);
    assert.equal(envVar.type, 'object');
    assert.deepEqual(prop('io.k8s.api.core.v1.EnvVar', 'name'), {
      default: '',
      description: 'Name of the environment variable. Must be a C_IDENTIFIER.',
      type: 'string',
    });
    assert.deepEqual(prop('io.k8s.api.core.v1.EnvVar', 'valueFrom'), {
      allOf: [ref('io.k8s.api.core.v1.EnvVarSource')],
      description:
        "Source for the environment variable's value. Cannot be used if value is not empty.",
    });
  });

  it('Quantity, IntOrString, Time', () => {
    const q = schema('io.k8s.apimachinery.pkg.api.resource.Quantity');
    assert.deepEqual(q.oneOf, [{ type: 'string' }, { type: 'number' }]);
    assert.match(String(q.description), /^Quantity is a fixed-point representation of a number\./);
    const i = schema('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(i.format, 'int-or-string');
    assert.deepEqual(i.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.equal(i['x-kubernetes-int-or-string'], true);
    const t = schema('io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    assert.equal(t.type, 'string');
    assert.equal(t.format, 'date-time');
    assert.deepEqual(
      prop('io.k8s.api.core.v1.ResourceRequirements', 'limits').additionalProperties,
      ref('io.k8s.apimachinery.pkg.api.resource.Quantity'),
    );
    assert.deepEqual(prop('io.k8s.api.core.v1.ServicePort', 'targetPort').allOf, [
      ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString'),
    ]);
  });

  it('ObjectMeta descriptions and extensions', () => {
    const m = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
    assert.equal(
      schema(m).description,
      'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    );
    assert.equal(
      prop(m, 'generateName').description,
      'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided. If this field is used, the name returned to the client will be different than the name passed. This value will also be combined with a unique suffix. The provided value has the same validation rules as the Name field, and may be truncated by the length of the suffix required to make the value unique on the server.\n\nIf this field is specified and the generated name exists, the server will return a 409.\n\nApplied only if Name is not specified. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#idempotency',
    );
    const finalizers = prop(m, 'finalizers');
    assert.deepEqual(finalizers.items, { default: '', type: 'string' });
    assert.equal(finalizers['x-kubernetes-list-type'], 'set');
    assert.equal(finalizers['x-kubernetes-patch-strategy'], 'merge');
    const owners = prop(m, 'ownerReferences');
    assert.equal(owners['x-kubernetes-patch-merge-key'], 'uid');
    assert.deepEqual(owners['x-kubernetes-list-map-keys'], ['uid']);
    assert.deepEqual(prop(m, 'creationTimestamp').allOf, [
      ref('io.k8s.apimachinery.pkg.apis.meta.v1.Time'),
    ]);
    assert.equal(prop(m, 'generation').format, 'int64');
  });

  it('apps/v1 kinds', () => {
    const d = schema('io.k8s.api.apps.v1.Deployment');
    assert.deepEqual(d['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    assert.deepEqual(prop('io.k8s.api.apps.v1.Deployment', 'metadata'), {
      allOf: [ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')],
      default: {},
      description:
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    });
    assert.equal(
      prop('io.k8s.api.apps.v1.DeploymentSpec', 'strategy')['x-kubernetes-patch-strategy'],
      'retainKeys',
    );
    assert.deepEqual(prop('io.k8s.api.apps.v1.DaemonSetStatus', 'conditions'), {
      description: "Represents the latest available observations of a DaemonSet's current state.",
      items: { allOf: [ref('io.k8s.api.apps.v1.DaemonSetCondition')], default: {} },
      type: 'array',
      'x-kubernetes-list-map-keys': ['type'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'type',
      'x-kubernetes-patch-strategy': 'merge',
    });
    assert.deepEqual(prop('io.k8s.api.apps.v1.ControllerRevision', 'revision'), {
      default: 0,
      description: 'Revision indicates the revision of the state represented by Data.',
      format: 'int64',
      type: 'integer',
    });
    assert.deepEqual(
      new Set(schema('io.k8s.api.apps.v1.DaemonSetCondition').required as string[]),
      new Set(['type', 'status']),
    );
    assert.deepEqual(
      schema('io.k8s.api.apps.v1.DeploymentList')['x-kubernetes-group-version-kind'],
      [{ group: 'apps', kind: 'DeploymentList', version: 'v1' }],
    );
  });

  it('has a schema with a GVK for every served kind', () => {
    for (const r of newBuiltinScheme().all()) {
      const name = schemaNameOf(r.group, r.version, r.kind);
      const gvks = schema(name)['x-kubernetes-group-version-kind'] as Obj[];
      assert.ok(
        gvks.some((g) => g.group === r.group && g.version === r.version && g.kind === r.kind),
        name,
      );
    }
  });
});

describe('buildOpenApiV3', () => {
  const scheme = newBuiltinScheme();
  const docs = buildOpenApiV3(scheme, 'v1.32.0');
  const doc = (path: string): Obj => {
    const d = docs.byPath.get(path);
    assert.ok(d !== undefined, path);
    return JSON.parse(d.body) as Obj;
  };

  it('serves one document per group version, with sha512 hashes in the root', () => {
    const root = docs.root as { paths: Record<string, { serverRelativeURL: string }> };
    assert.ok(docs.byPath.has('api/v1'));
    assert.ok(docs.byPath.has('apis/apps/v1'));
    assert.ok(docs.byPath.has('apis/autoscaling/v2'));
    for (const [path, { body, hash }] of docs.byPath) {
      assert.equal(hash, createHash('sha512').update(body).digest('hex').toUpperCase());
      assert.equal(root.paths[path]?.serverRelativeURL, `/openapi/v3/${path}?hash=${hash}`);
    }
  });

  it('lists the item operations kubectl looks for, with strategic merge for built-ins', () => {
    const paths = doc('apis/apps/v1').paths as Record<string, Record<string, Obj>>;
    const item = paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    assert.ok(item !== undefined);
    const patch = item.patch;
    assert.ok(patch !== undefined);
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], {
      group: 'apps',
      kind: 'Deployment',
      version: 'v1',
    });
    assert.equal(patch['x-kubernetes-action'], 'patch');
    assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
    const names = (patch.parameters as Obj[]).map((p) => `${String(p.in)}:${String(p.name)}`);
    assert.deepEqual(names, [
      'query:dryRun',
      'query:fieldManager',
      'query:fieldValidation',
      'query:force',
    ]);
    const body = patch.requestBody as { content: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.content), [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
    assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
    const coll = paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    assert.deepEqual(Object.keys(coll ?? {}).sort(), ['delete', 'get', 'parameters', 'post']);
    assert.equal(coll!.post!['x-kubernetes-action'], 'post');
    assert.equal(coll!.delete!['x-kubernetes-action'], 'deletecollection');
    assert.ok(paths['/apis/apps/v1/deployments']?.get !== undefined);
    const scale = paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    assert.deepEqual(scale!.patch!['x-kubernetes-group-version-kind'], {
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
    assert.equal(scale?.get?.operationId, 'readAppsV1NamespacedDeploymentScale');
  });

  it('includes every schema the document references, and nothing unreachable', () => {
    for (const path of docs.byPath.keys()) {
      const d = doc(path);
      const components = (d.components as { schemas: Record<string, unknown> }).schemas;
      const refs = new Set<string>();
      JSON.stringify(d, (key, value: unknown) => {
        if (key === '$ref' && typeof value === 'string')
          refs.add(value.slice('#/components/schemas/'.length));
        return value;
      });
      for (const r of refs) assert.ok(r in components, `${path}: ${r}`);
    }
    const apps = (doc('apis/apps/v1').components as { schemas: Record<string, unknown> }).schemas;
    assert.ok('io.k8s.api.autoscaling.v1.Scale' in apps);
    assert.ok('io.k8s.api.core.v1.PodTemplateSpec' in apps);
    assert.ok(!('io.k8s.api.core.v1.Service' in apps));
  });

  it('gives custom kinds operations without schemas or strategic merge', () => {
    const crdScheme = new Scheme(newBuiltinScheme().all());
    const deployments = crdScheme.byGroupVersionResource({
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
    });
    assert.ok(deployments !== undefined);
    crdScheme.add({
      ...deployments,
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      listKind: 'WidgetList',
      resource: 'widgets',
      singular: 'widget',
      shortNames: [],
      categories: [],
      subresources: [],
      storagePrefix: '/registry/example.com/widgets',
    });
    const built = buildNow(crdScheme, 'v1.32.0', schemas);
    const body = built.byPath.get('apis/example.com/v1')?.body;
    assert.ok(body !== undefined);
    const d = JSON.parse(body) as { paths: Record<string, Record<string, Obj>> };
    const patch = d.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']?.patch;
    assert.deepEqual(patch?.['x-kubernetes-group-version-kind'], {
      group: 'example.com',
      kind: 'Widget',
      version: 'v1',
    });
    const types = Object.keys((patch.requestBody as { content: Obj }).content);
    assert.ok(!types.includes('application/strategic-merge-patch+json'));
    assert.ok((patch.parameters as Obj[]).some((p) => p.name === 'fieldValidation'));
  });
});
