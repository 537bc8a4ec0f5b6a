/**
 * Strict decoding tests. The request bodies and expected messages are upstream's
 * (test/integration/apiserver/field_validation_test.go, Kubernetes 1.32); the schemas are a
 * faithful excerpt of the built-in OpenAPI v3 component schemas.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANY_NODE,
  applyStrictOutcome,
  compileSchema,
  decodeJsonBody,
  decodeStrictOutcome,
  decodeYamlBody,
  fieldValidationDirective,
  goFormatValue,
  jsonPatchStrictErrors,
  parseJsonStrict,
  parseYamlStrict,
  patchStrictOutcome,
  schemaNodeForKind,
  schemaNodeForName,
  decodeTyped,
  dropUnknownFields,
  unknownFields,
  validateFieldValidationParam,
} from './index.ts';
import type { OpenAPISchemas, SchemaNode } from './index.ts';

const ref = (name: string) => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

const SCHEMAS: OpenAPISchemas = {
  'io.k8s.api.apps.v1.Deployment': {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: ref(META),
      spec: ref('io.k8s.api.apps.v1.DeploymentSpec'),
      status: { type: 'object', properties: { replicas: { type: 'integer' } } },
    },
    'x-kubernetes-group-version-kind': [{ group: 'apps', kind: 'Deployment', version: 'v1' }],
  },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    type: 'object',
    properties: {
      replicas: { type: 'integer', format: 'int32' },
      paused: { type: 'boolean' },
      selector: ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'),
      template: ref('io.k8s.api.core.v1.PodTemplateSpec'),
      strategy: {
        type: 'object',
        properties: {
          rollingUpdate: {
            type: 'object',
            properties: {
              maxSurge: {
                $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString',
              },
            },
          },
        },
      },
    },
  },
  [META]: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
      annotations: { type: 'object', additionalProperties: { type: 'string', default: '' } },
      managedFields: {
        type: 'array',
        items: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry'),
      },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry': {
    type: 'object',
    properties: {
      manager: { type: 'string' },
      fieldsV1: ref('io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1'),
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': { type: 'object' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': {
    type: 'object',
    properties: {
      matchLabels: { type: 'object', additionalProperties: { type: 'string', default: '' } },
    },
  },
  'io.k8s.api.core.v1.PodTemplateSpec': {
    type: 'object',
    properties: { metadata: ref(META), spec: ref('io.k8s.api.core.v1.PodSpec') },
  },
  'io.k8s.api.core.v1.PodSpec': {
    type: 'object',
    properties: {
      containers: { type: 'array', items: ref('io.k8s.api.core.v1.Container') },
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  'io.k8s.api.core.v1.Container': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      image: { type: 'string' },
      imagePullPolicy: { type: 'string' },
      ports: { type: 'array', items: ref('io.k8s.api.core.v1.ContainerPort') },
      resources: {
        type: 'object',
        properties: {
          limits: {
            type: 'object',
            additionalProperties: {
              $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
            },
          },
        },
      },
    },
  },
  'io.k8s.api.core.v1.ContainerPort': {
    type: 'object',
    properties: {
      containerPort: { type: 'integer', format: 'int32' },
      protocol: { type: 'string' },
    },
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { type: 'string' },
  'io.k8s.api.x.v1.Props': {
    type: 'object',
    properties: {
      type: { type: 'string' },
      properties: {
        type: 'object',
        additionalProperties: { $ref: '#/components/schemas/io.k8s.api.x.v1.Props' },
      },
      raw: ref('io.k8s.apimachinery.pkg.runtime.RawExtension'),
    },
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
};

const deploymentShape = (): SchemaNode => {
  const s = schemaNodeForKind(SCHEMAS, { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.ok(s);
  return s;
};

// invalidBodyJSON of field_validation_test.go, name already substituted.
const INVALID_BODY_JSON = `
	{
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {
			"name": "dupename",
			"name": "test-deployment",
			"labels": {"app": "nginx"},
			"unknownMeta": "metaVal"
		},
		"spec": {
			"unknown1": "val1",
			"unknownDupe": "valDupe",
			"unknownDupe": "valDupe2",
			"paused": true,
			"paused": false,
			"selector": {
				"matchLabels": {
					"app": "nginx"
				}
			},
			"template": {
				"metadata": {
					"labels": {
						"app": "nginx"
					}
				},
				"spec": {
					"containers": [{
						"name":  "nginx",
						"image": "nginx:latest",
						"unknownNested": "val1",
						"imagePullPolicy": "Always",
						"imagePullPolicy": "Never"
					}]
				}
			}
		}
	}
		`;

const INVALID_BODY_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dupename
  name: test-deployment
  unknownMeta: metaVal
  labels:
    app: nginx
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  paused: true
  paused: false
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never`;

const POST_JSON_WARNINGS = [
  `duplicate field "metadata.name"`,
  `unknown field "metadata.unknownMeta"`,
  `unknown field "spec.unknown1"`,
  `unknown field "spec.unknownDupe"`,
  `duplicate field "spec.paused"`,
  `unknown field "spec.template.spec.containers[0].unknownNested"`,
  `duplicate field "spec.template.spec.containers[0].imagePullPolicy"`,
];

const POST_YAML_WARNINGS = [
  `line 5: key "name" already set in map`,
  `line 12: key "unknownDupe" already set in map`,
  `line 14: key "paused" already set in map`,
  `line 28: key "imagePullPolicy" already set in map`,
  `unknown field "metadata.unknownMeta"`,
  `unknown field "spec.template.spec.containers[0].unknownNested"`,
  `unknown field "spec.unknown1"`,
  `unknown field "spec.unknownDupe"`,
];

describe('create/update bodies (testFieldValidationPost/Put)', () => {
  const v1Deployment = { version: 'v1', kind: 'Deployment' };

  it('JSON body: errors in document order, value as JSON.parse', () => {
    const { value, issues } = decodeJsonBody(INVALID_BODY_JSON, deploymentShape());
    assert.deepEqual(value, JSON.parse(INVALID_BODY_JSON));
    assert.deepEqual(issues.errors, POST_JSON_WARNINGS);
  });

  const cases: {
    name: string;
    param: string | undefined;
    yaml: boolean;
    error?: string;
    warnings: string[];
  }[] = [
    {
      name: 'post-strict-validation',
      param: 'Strict',
      yaml: false,
      error: `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: duplicate field "metadata.name", unknown field "metadata.unknownMeta", unknown field "spec.unknown1", unknown field "spec.unknownDupe", duplicate field "spec.paused", unknown field "spec.template.spec.containers[0].unknownNested", duplicate field "spec.template.spec.containers[0].imagePullPolicy"`,
      warnings: [],
    },
    { name: 'post-warn-validation', param: 'Warn', yaml: false, warnings: POST_JSON_WARNINGS },
    { name: 'post-ignore-validation', param: 'Ignore', yaml: false, warnings: [] },
    { name: 'post-no-validation', param: undefined, yaml: false, warnings: POST_JSON_WARNINGS },
    {
      name: 'post-strict-validation-yaml',
      param: 'Strict',
      yaml: true,
      error: `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: yaml: unmarshal errors:
  line 5: key "name" already set in map
  line 12: key "unknownDupe" already set in map
  line 14: key "paused" already set in map
  line 28: key "imagePullPolicy" already set in map, unknown field "metadata.unknownMeta", unknown field "spec.template.spec.containers[0].unknownNested", unknown field "spec.unknown1", unknown field "spec.unknownDupe"`,
      warnings: [],
    },
    { name: 'post-warn-validation-yaml', param: 'Warn', yaml: true, warnings: POST_YAML_WARNINGS },
    { name: 'post-ignore-validation-yaml', param: 'Ignore', yaml: true, warnings: [] },
    { name: 'post-no-validation-yaml', param: undefined, yaml: true, warnings: POST_YAML_WARNINGS },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      assert.equal(validateFieldValidationParam(tc.param, 'CreateOptions'), undefined);
      const body = tc.yaml
        ? decodeYamlBody(INVALID_BODY_YAML, deploymentShape())
        : decodeJsonBody(INVALID_BODY_JSON, deploymentShape());
      const out = decodeStrictOutcome(
        fieldValidationDirective(tc.param),
        body.issues,
        v1Deployment,
      );
      if (tc.error === undefined) {
        assert.equal(out.error, undefined);
      } else {
        assert.equal(out.error?.code, 400);
        assert.equal(out.error.reason, 'BadRequest');
        assert.equal(out.error.message, tc.error);
      }
      assert.deepEqual(out.warnings, tc.warnings);
    });
  }
});

describe('patches (testFieldValidationPatchTyped/SMP)', () => {
  const mergePatchBody = `
{
	"spec": {
		"unknown1": "val1",
		"unknownDupe": "valDupe",
		"unknownDupe": "valDupe2",
		"paused": true,
		"paused": false,
		"template": {
			"spec": {
				"containers": [{
					"name": "nginx",
					"image": "nginx:latest",
					"unknownNested": "val1",
					"imagePullPolicy": "Always",
					"imagePullPolicy": "Never"
				}]
			}
		}
	}
}
	`;
  const expected = [
    `duplicate field "spec.unknownDupe"`,
    `duplicate field "spec.paused"`,
    `duplicate field "spec.template.spec.containers[0].imagePullPolicy"`,
    `unknown field "spec.template.spec.containers[0].unknownNested"`,
    `unknown field "spec.unknown1"`,
    `unknown field "spec.unknownDupe"`,
  ];

  it('merge patch: patch duplicates, then unknown fields of the patched object', () => {
    const patch = parseJsonStrict(mergePatchBody);
    // The patched object (a merge of the patch into the stored deployment).
    const patched = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: patch.value as Record<string, unknown>,
    };
    const errors = [
      ...patch.errors,
      ...unknownFields(
        { ...patched, spec: (patch.value as { spec: unknown }).spec },
        deploymentShape(),
      ),
    ];
    assert.deepEqual(errors, expected);
    const strict = patchStrictOutcome('Strict', { errors }, '{}');
    assert.equal(strict.error?.code, 422);
    assert.equal(
      strict.error.message,
      ` "" is invalid: patch: Invalid value: "{}": strict decoding error: ${expected.join(', ')}`,
    );
    assert.deepEqual(patchStrictOutcome('Warn', { errors }, '{}').warnings, expected);
    assert.deepEqual(patchStrictOutcome('Ignore', { errors }, '{}').warnings, []);
  });

  it('strategic merge patch: converter errors are sorted by message, unquoted', () => {
    const value = {
      spec: {
        zeta: 1,
        template: { spec: { containers: [{ name: 'a', unknownNested: 'x' }] } },
        unknown1: 'v',
        'a-b': 1,
      },
    };
    assert.deepEqual(unknownFields(value, deploymentShape(), 'message'), [
      'unknown field "spec.a-b"',
      'unknown field "spec.template.spec.containers[0].unknownNested"',
      'unknown field "spec.unknown1"',
      'unknown field "spec.zeta"',
    ]);
  });

  it('JSON patch ops are strict-decoded too', () => {
    const jsonPatchBody = `
			[
				{"op": "add", "path": "/spec/unknown1", "value": "val1", "foo":"bar"},
				{"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "val1"},
				{"op": "add", "path": "/spec/unknownDupe", "value": "valDupe"},
				{"op": "add", "path": "/spec/unknownDupe", "value": "valDupe2"},
				{"op": "add", "path": "/spec/paused", "value": true},
				{"op": "add", "path": "/spec/paused", "value": false},
				{"op": "add", "path": "/spec/template/spec/containers/0/unknownNested", "value": "val1"},
				{"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Always"},
				{"op": "add", "path": "/spec/template/spec/containers/0/imagePullPolicy", "value": "Never"}
			]
			`;
    assert.deepEqual(jsonPatchStrictErrors(jsonPatchBody), [
      `json patch unknown field "[0].foo"`,
      `json patch duplicate field "[1].path"`,
    ]);
    assert.deepEqual(jsonPatchStrictErrors('[{"op":"add","path":"/a","value":{"x":1,"x":2}}]'), [
      `json patch duplicate field "[0].value.x"`,
    ]);
  });

  it('goFormatValue prints the patch map as Go %+v', () => {
    assert.equal(
      goFormatValue({ spec: { paused: false, b: [1, 'x', null], a: 1.5, e: 1e-7 } }),
      'map[spec:map[a:1.5 b:[1 x <nil>] e:1e-07 paused:false]]',
    );
  });
});

describe('apply (testFieldValidationApplyCreate)', () => {
  const applyInvalidBody = `{
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {
			"name": "apply-create-deployment",
			"labels": {"app": "nginx"}
		},
		"spec": {
			"paused": false,
			"paused": true,
			"selector": {
				"matchLabels": {
					"app": "nginx"
				}
			},
			"template": {
				"metadata": {
					"labels": {
						"app": "nginx"
					}
				},
				"spec": {
					"containers": [{
						"name":  "nginx",
						"image": "nginx:latest",
						"imagePullPolicy": "Never",
						"imagePullPolicy": "Always"
					}]
				}
			}
		}
	}`;
  it('reports YAML lines for a JSON apply body', () => {
    const { duplicates, value } = parseYamlStrict(applyInvalidBody);
    assert.deepEqual(duplicates, [
      `line 10: key "paused" already set in map`,
      `line 27: key "imagePullPolicy" already set in map`,
    ]);
    assert.equal((value as { spec: { paused: boolean } }).spec.paused, true);
    const strict = applyStrictOutcome('Strict', duplicates);
    assert.equal(strict.error?.code, 400);
    assert.equal(
      strict.error.message,
      `error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:
  line 10: key "paused" already set in map
  line 27: key "imagePullPolicy" already set in map`,
    );
    assert.deepEqual(applyStrictOutcome('Warn', duplicates).warnings, duplicates);
    assert.deepEqual(applyStrictOutcome('Ignore', duplicates).warnings, []);
  });

  it('takes the JSON fast path for JSON bodies and gives the value YAML parsing gives', () => {
    const json =
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"a":"1"},"n":[1,2.5,null,true]}';
    const fast = parseYamlStrict(json);
    const viaYaml = parseYamlStrict(`\n# a comment makes it YAML\n${json}`);
    assert.deepEqual(fast, { value: JSON.parse(json) as unknown, duplicates: [] });
    assert.deepEqual(fast, viaYaml);
    // A YAML flow mapping that is not JSON still parses as YAML.
    assert.deepEqual(parseYamlStrict('{a: 1, b: [x, y]}').value, { a: 1, b: ['x', 'y'] });
  });
});

describe('strict JSON scanner', () => {
  const cases: { name: string; text: string; shape?: SchemaNode; errors: string[] }[] = [
    { name: 'no duplicates', text: '{"a":1,"b":{"c":[1,{"d":2}]}}', errors: [] },
    {
      name: 'nested duplicates with paths',
      text: '{"a":{"x":1,"x":2},"l":[{"k":1},{"k":1,"k":2}]}',
      errors: ['duplicate field "a.x"', 'duplicate field "l[1].k"'],
    },
    {
      name: 'duplicate at root of a list',
      text: '[{"a":1,"a":2}]',
      errors: ['duplicate field "[0].a"'],
    },
    {
      name: 'escaped keys and strings',
      text: '{"a\\"b":"x\\\\","a\\u0022b":"}{","c":"\\"]"}',
      errors: ['duplicate field "a\\"b"'],
    },
    {
      name: 'deduplicated messages',
      text: '{"a":1,"a":2,"a":3}',
      errors: ['duplicate field "a"'],
    },
    {
      name: 'many keys switch to a set',
      text: `{${Array.from({ length: 30 }, (_, i) => `"k${String(i % 20)}":${String(i)}`).join(',')}}`,
      errors: Array.from({ length: 10 }, (_, i) => `duplicate field "k${String(i)}"`),
    },
    {
      name: 'case-sensitive fields; map keys and opaque values',
      text: '{"Spec":{},"metadata":{"labels":{"a":"1","a":"2"},"managedFields":[{"fieldsV1":{"f:a":{},"f:a":{}},"x":1}]},"spec":{"strategy":{"rollingUpdate":{"maxSurge":"25%"}}}}',
      shape: deploymentShape(),
      errors: [
        'unknown field "Spec"',
        'duplicate field "metadata.labels.a"',
        'unknown field "metadata.managedFields[0].x"',
      ],
    },
    {
      name: 'fields of 1.32 Go types missing from the generated schemas are known',
      text: '{"spec":{"template":{"spec":{"resources":{"limits":{}},"containers":[]}}}}',
      shape: deploymentShape(),
      errors: [],
    },
    {
      name: 'unknown and repeated is reported once, as unknown',
      text: '{"spec":{"u":{"a":1,"a":2},"u":2}}',
      shape: deploymentShape(),
      errors: ['unknown field "spec.u"'],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const r = tc.shape
        ? decodeJsonBody(tc.text, tc.shape)
        : {
            value: parseJsonStrict(tc.text).value,
            issues: { errors: parseJsonStrict(tc.text).errors },
          };
      assert.deepEqual(r.value, JSON.parse(tc.text));
      assert.deepEqual(r.issues.errors, tc.errors);
    });
  }

  it('caps at 100 errors', () => {
    const text = `{${Array.from({ length: 300 }, (_, i) => `"u${String(i)}":1`).join(',')}}`;
    assert.equal(decodeJsonBody(text, deploymentShape()).issues.errors.length, 100);
  });

  it('throws on malformed JSON', () => {
    assert.throws(() => parseJsonStrict('{"a":'), SyntaxError);
  });
});

describe('schemas', () => {
  it('follows recursive $refs and additionalProperties maps', () => {
    const shape = schemaNodeForName(SCHEMAS, 'io.k8s.api.x.v1.Props');
    assert.ok(shape);
    const body =
      '{"type":"object","properties":{"a":{"properties":{"b":{"typo":1}}}},"raw":{"anything":{"a":1,"a":2}}}';
    assert.deepEqual(decodeJsonBody(body, shape).issues.errors, [
      'unknown field "properties.a.properties.b.typo"',
    ]);
  });

  it('caches compiled shapes per schemas object', () => {
    assert.equal(
      schemaNodeForName(SCHEMAS, 'io.k8s.api.apps.v1.Deployment'),
      schemaNodeForName(SCHEMAS, 'io.k8s.api.apps.v1.Deployment'),
    );
    assert.equal(
      schemaNodeForKind(SCHEMAS, { group: 'apps', version: 'v1', kind: 'Nope' }),
      undefined,
    );
  });

  it('CRD schemas: preserve-unknown-fields, embedded resources, ObjectMeta', () => {
    const shape = compileSchema(
      {
        type: 'object',
        properties: {
          metadata: { type: 'object' },
          spec: {
            type: 'object',
            properties: {
              free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              embedded: {
                type: 'object',
                'x-kubernetes-embedded-resource': true,
                properties: { spec: { type: 'object', properties: {} } },
              },
            },
          },
        },
      },
      SCHEMAS,
    );
    const body =
      '{"apiVersion":"x/v1","kind":"K","metadata":{"name":"a","bogus":1},"spec":{"free":{"a":{"b":1,"b":2}},"embedded":{"apiVersion":"v1","kind":"K","metadata":{"name":"n"},"spec":{"z":1}}}}';
    assert.deepEqual(decodeJsonBody(body, shape).issues.errors, [
      'unknown field "metadata.bogus"',
      'duplicate field "spec.free.a.b"',
      'unknown field "spec.embedded.spec.z"',
    ]);
  });

  it('unknownFields on values skips mismatched types', () => {
    assert.deepEqual(unknownFields({ spec: 'x', metadata: [1] }, deploymentShape()), []);
    assert.deepEqual(unknownFields({ a: 1 }, ANY_NODE), []);
  });

  it('dropUnknownFields removes what the Go structs would not decode, and nothing else', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      deep,
      metadata: {
        name: 'a',
        bogus: 1,
        labels: { x: 'y' },
        managedFields: [{ fieldsV1: { 'f:z': {} }, junk: 2 }],
      },
      spec: {
        replicas: 1,
        template: {
          spec: { containers: [{ name: 'c', extra: true, resources: { limits: { cpu: '1' } } }] },
        },
        strategy: { rollingUpdate: { maxSurge: '25%', nope: 1 } },
      },
      status: 'mismatched type is left alone',
    };
    dropUnknownFields(obj, deploymentShape());
    assert.deepEqual(obj, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'a', labels: { x: 'y' }, managedFields: [{ fieldsV1: { 'f:z': {} } }] },
      spec: {
        replicas: 1,
        template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: '1' } } }] } },
        strategy: { rollingUpdate: { maxSurge: '25%' } },
      },
      status: 'mismatched type is left alone',
    });
    const free = { a: { b: 1 } };
    dropUnknownFields(free, ANY_NODE);
    assert.deepEqual(free, { a: { b: 1 } });
  });
});

describe('decode type errors (sigs.k8s.io/json UnmarshalTypeError)', () => {
  const err = (v: unknown) => decodeTyped(v, deploymentShape());

  it('names the innermost struct, the field path from the root and the Go type', () => {
    assert.equal(
      err({ spec: { template: { spec: { containers: { name: 'c' } } } } }),
      'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container',
    );
    assert.equal(
      err({ spec: { template: { spec: { nodeSelector: { a: true } } } } }),
      'json: cannot unmarshal bool into Go struct field PodSpec.spec.template.spec.nodeSelector of type string',
    );
    assert.equal(
      err({ spec: 'x' }),
      'json: cannot unmarshal string into Go struct field Deployment.spec of type v1.DeploymentSpec',
    );
    assert.equal(
      err({ metadata: { labels: { a: 1 } } }),
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
    );
    assert.equal(
      err({ spec: { template: { spec: { containers: [{ ports: [{ containerPort: 'x' }] }] } } } }),
      'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    );
  });

  it('prints the literal of a number that does not fit, and checks IntOrString as int32', () => {
    assert.equal(
      err({ spec: { replicas: 1.5 } }),
      'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    assert.equal(
      err({ spec: { replicas: 2 ** 31 } }),
      'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    assert.equal(
      err({ spec: { strategy: { rollingUpdate: { maxSurge: {} } } } }),
      'json: cannot unmarshal object into Go struct field DeploymentSpec.spec.strategy.rollingUpdate.maxSurge of type int32',
    );
    assert.equal(err({ spec: { strategy: { rollingUpdate: { maxSurge: '25%' } } } }), undefined);
  });

  it('reports a bad quantity with its own message, accepts numbers, canonicalizes', () => {
    const withLimit = (cpu: unknown) => ({
      spec: { template: { spec: { containers: [{ resources: { limits: { cpu } } }] } } },
    });
    assert.equal(err(withLimit('1500m')), undefined);
    const half = withLimit(0.5);
    assert.equal(err(half), undefined);
    assert.deepEqual(half.spec.template.spec.containers[0]?.resources.limits, { cpu: '500m' });
    const thousand = withLimit('1000m');
    assert.equal(err(thousand), undefined);
    assert.deepEqual(thousand.spec.template.spec.containers[0]?.resources.limits, { cpu: '1' });
    assert.equal(
      err(withLimit('abc')),
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    assert.equal(
      err(withLimit({ a: 1 })),
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });

  it('keeps the first error in document order, skips unknown fields, nulls and raw values', () => {
    assert.equal(
      err({ spec: { paused: 'x', replicas: 'y' } }),
      'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool',
    );
    assert.equal(err({ spec: { replicas: null, bogus: { deep: [1] } }, status: null }), undefined);
    assert.equal(err({ metadata: { managedFields: [{ fieldsV1: { 'f:x': 5 } }] } }), undefined);
    assert.equal(decodeTyped({ a: 1 }, ANY_NODE), undefined);
  });

  it('survives deep nesting without using the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(
      err({ spec: { template: { spec: { containers: [{ ports: deep }] } } } }),
      'json: cannot unmarshal array into Go struct field Container.spec.template.spec.containers.ports of type v1.ContainerPort',
    );
  });
});

describe('fieldValidation parameter', () => {
  it('accepts the upstream values and defaults to Warn', () => {
    for (const v of [undefined, '', 'Ignore', 'Warn', 'Strict']) {
      assert.equal(validateFieldValidationParam(v, 'PatchOptions'), undefined);
    }
    assert.equal(fieldValidationDirective(undefined), 'Warn');
    assert.equal(fieldValidationDirective(''), 'Warn');
    assert.equal(fieldValidationDirective('Strict'), 'Strict');
    assert.equal(fieldValidationDirective('Ignore'), 'Ignore');
  });

  it('rejects others as upstream ValidateCreateOptions does', () => {
    const err = validateFieldValidationParam('strict', 'CreateOptions');
    assert.equal(err?.code, 422);
    assert.equal(
      err.message,
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
    );
    assert.deepEqual(err.status.details, {
      group: 'meta.k8s.io',
      kind: 'CreateOptions',
      causes: [
        {
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"',
          field: 'fieldValidation',
        },
      ],
    });
  });
});
