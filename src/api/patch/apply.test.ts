import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusFromError } from '../errors.ts';
import { applyPatch, patchTypeFromContentType } from './apply.ts';
import type { PatchType } from './apply.ts';
import { PatchError } from './errors.ts';
import type { JsonObject } from './json.ts';

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };
const POD = { apiVersion: 'v1', kind: 'Pod' };

function smp(original: JsonObject, patch: JsonObject, target = DEPLOYMENT): JsonObject {
  const before = structuredClone(original);
  const out = applyPatch('strategic', original, JSON.stringify(patch), target);
  assert.deepStrictEqual(original, before, 'the original must not change');
  return out;
}

function deployment(podSpec: JsonObject, labels: JsonObject = { app: 'web' }): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
    },
  };
}

describe('applyPatch strategic: what client-side kubectl apply sends', () => {
  it('removes a container env var and a label (3-way patch with $setElementOrder)', () => {
    const live = deployment(
      {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
              { name: 'C', value: '3' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
      { app: 'web', tier: 'frontend' },
    );
    const patch = {
      metadata: {
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' },
        labels: { tier: null },
      },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
                env: [{ $patch: 'delete', name: 'B' }],
                name: 'web',
              },
            ],
          },
        },
      },
    };
    const got = smp(live, patch);
    const want = deployment(
      {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            env: [
              { name: 'A', value: '1' },
              { name: 'C', value: '3' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ],
      },
      { app: 'web' },
    );
    (want.metadata as JsonObject).annotations = {
      'kubectl.kubernetes.io/last-applied-configuration': '{}\n',
    };
    assert.deepStrictEqual(got, want);
  });

  it('applies the directive-rich Deployment patch recorded in kubectl-wire §3.4', () => {
    const live = deployment({
      containers: [
        {
          name: 'a',
          image: 'nginx',
          args: ['y'],
          env: [
            { name: 'E1', value: '1' },
            { name: 'E2', value: '2' },
          ],
          volumeMounts: [{ name: 'v1', mountPath: '/m' }],
        },
        { name: 'b', image: 'busybox' },
      ],
      volumes: [{ name: 'v1', emptyDir: {} }],
    });
    const patch = JSON.parse(
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"$setElementOrder/volumes":[{"name":"v1"}],' +
        '"containers":[{"$setElementOrder/env":[{"name":"E2"}],"args":["x"],"env":[{"$patch":"delete","name":"E1"}],"name":"a","volumeMounts":null},' +
        '{"$patch":"delete","name":"b"}],' +
        '"volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cfg"},"emptyDir":null,"name":"v1"}]}}}}',
    ) as JsonObject;
    const got = smp(live, patch);
    assert.deepStrictEqual(
      got,
      deployment({
        containers: [{ name: 'a', image: 'nginx', args: ['x'], env: [{ name: 'E2', value: '2' }] }],
        volumes: [{ name: 'v1', configMap: { name: 'cfg' } }],
      }),
    );
  });

  it('adds a container and a port, keeping live-only containers after the applied ones', () => {
    const live = deployment({
      containers: [
        { name: 'injected', image: 'proxy' },
        { name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] },
      ],
    });
    const patch: JsonObject = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }],
            containers: [
              {
                name: 'web',
                '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 443 }],
                ports: [{ containerPort: 443 }],
              },
              { name: 'log', image: 'fluent' },
            ],
          },
        },
      },
    };
    const got = smp(live, patch) as { spec: { template: { spec: JsonObject } } };
    assert.deepStrictEqual(got.spec.template.spec.containers, [
      { name: 'injected', image: 'proxy' },
      { name: 'web', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 443 }] },
      { name: 'log', image: 'fluent' },
    ]);
  });

  it('switches the deployment strategy with $retainKeys', () => {
    const got = smp(deployment({ containers: [] }), {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } },
    }) as { spec: JsonObject };
    assert.deepStrictEqual(got.spec.strategy, { type: 'Recreate' });
  });
});

describe('applyPatch strategic: built-in patch metadata', () => {
  const table: {
    name: string;
    target: { apiVersion: string; kind: string };
    original: JsonObject;
    patch: JsonObject;
    want: JsonObject;
  }[] = [
    {
      name: 'finalizers merge as a set',
      target: POD,
      original: { metadata: { finalizers: ['a', 'b'] } },
      patch: { metadata: { finalizers: ['c', 'a'] } },
      // upstream order: patch items first when the live order cannot place them
      want: { metadata: { finalizers: ['c', 'a', 'b'] } },
    },
    {
      name: '$deleteFromPrimitiveList/finalizers removes one',
      target: POD,
      original: { metadata: { finalizers: ['a', 'b', 'c'] } },
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
      want: { metadata: { finalizers: ['a', 'c'] } },
    },
    {
      name: 'ownerReferences merge by uid',
      target: { apiVersion: 'v1', kind: 'ConfigMap' },
      original: { metadata: { ownerReferences: [{ uid: '1', name: 'x', kind: 'A' }] } },
      patch: {
        metadata: {
          ownerReferences: [
            { uid: '1', controller: true },
            { uid: '2', name: 'y' },
          ],
        },
      },
      want: {
        metadata: {
          ownerReferences: [
            { uid: '1', name: 'x', kind: 'A', controller: true },
            { uid: '2', name: 'y' },
          ],
        },
      },
    },
    {
      name: 'service ports merge by port',
      target: { apiVersion: 'v1', kind: 'Service' },
      original: { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } },
      patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      want: { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
    },
    {
      name: 'pod volumeMounts merge by mountPath',
      target: POD,
      original: {
        spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'v', mountPath: '/a' }] }] },
      },
      patch: {
        spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'w', mountPath: '/b' }] }] },
      },
      want: {
        spec: {
          containers: [
            {
              name: 'c',
              volumeMounts: [
                { name: 'w', mountPath: '/b' },
                { name: 'v', mountPath: '/a' },
              ],
            },
          ],
        },
      },
    },
    {
      name: 'tolerations have no strategy: replaced',
      target: POD,
      original: { spec: { tolerations: [{ key: 'a' }] } },
      patch: { spec: { tolerations: [{ key: 'b' }] } },
      want: { spec: { tolerations: [{ key: 'b' }] } },
    },
    {
      name: 'pod status conditions merge by type',
      target: POD,
      original: {
        status: {
          conditions: [
            { type: 'Ready', status: 'False' },
            { type: 'Initialized', status: 'True' },
          ],
        },
      },
      patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      want: {
        status: {
          conditions: [
            { type: 'Ready', status: 'True' },
            { type: 'Initialized', status: 'True' },
          ],
        },
      },
    },
    {
      name: 'CronJob pod template containers merge by name',
      target: { apiVersion: 'batch/v1', kind: 'CronJob' },
      original: {
        spec: {
          jobTemplate: {
            spec: { template: { spec: { containers: [{ name: 'a', image: 'x' }] } } },
          },
        },
      },
      patch: {
        spec: {
          jobTemplate: {
            spec: { template: { spec: { containers: [{ name: 'a', image: 'y' }] } } },
          },
        },
      },
      want: {
        spec: {
          jobTemplate: {
            spec: { template: { spec: { containers: [{ name: 'a', image: 'y' }] } } },
          },
        },
      },
    },
    {
      name: 'node cordon',
      target: { apiVersion: 'v1', kind: 'Node' },
      original: { metadata: { name: 'n' }, spec: { podCIDR: '10.0.0.0/24' } },
      patch: { spec: { unschedulable: true } },
      want: { metadata: { name: 'n' }, spec: { podCIDR: '10.0.0.0/24', unschedulable: true } },
    },
    {
      name: 'unknown kinds replace lists outside metadata but still merge finalizers',
      target: { apiVersion: 'example.com/v1', kind: 'Widget' },
      original: { metadata: { finalizers: ['a'] }, spec: { items: [{ name: 'a' }] } },
      patch: { metadata: { finalizers: ['b'] }, spec: { items: [{ name: 'b' }] } },
      want: { metadata: { finalizers: ['b', 'a'] }, spec: { items: [{ name: 'b' }] } },
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      assert.deepStrictEqual(smp(t.original, t.patch, t.target), t.want);
    });
  }
});

describe('applyPatch: decoding errors', () => {
  const table: {
    type: PatchType;
    body: string;
    fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
    code: number;
    message: string;
  }[] = [
    {
      type: 'strategic',
      body: 'x',
      code: 400,
      message: "invalid character 'x' looking for beginning of value",
    },
    { type: 'strategic', body: '{"a":', code: 400, message: 'unexpected end of JSON input' },
    {
      type: 'strategic',
      body: '[1]',
      code: 400,
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
    {
      type: 'json',
      body: '{"a" 1}',
      code: 400,
      message: "error decoding patch: invalid character '1' after object key",
    },
    {
      type: 'json',
      body: '{"op":"add"}',
      code: 400,
      message:
        'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
    },
    {
      type: 'json',
      body: '{"op":"add"}',
      fieldValidation: 'Ignore',
      code: 400,
      message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    },
    {
      type: 'json',
      body: '[{"op":"test","path":"/metadata/name","value":"other"}]',
      code: 422,
      message: 'the server rejected our request due to an error in our request',
    },
    {
      type: 'merge',
      body: '{',
      code: 400,
      message: 'error decoding patch: unexpected end of JSON input',
    },
    {
      type: 'merge',
      body: '{',
      fieldValidation: 'Ignore',
      code: 400,
      message: 'Invalid JSON Patch',
    },
    { type: 'merge', body: 'null', code: 400, message: 'Invalid JSON Patch' },
    {
      type: 'merge',
      body: '"x"',
      code: 400,
      message:
        'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}',
    },
  ];
  for (const t of table) {
    it(`${t.type} ${t.body} (${t.fieldValidation ?? 'default'})`, () => {
      assert.throws(
        () =>
          applyPatch(t.type, { metadata: { name: 'a' } }, t.body, POD, {
            fieldValidation: t.fieldValidation,
          }),
        (e: unknown) => {
          assert.ok(e instanceof PatchError);
          assert.equal(e.code, t.code);
          assert.equal(e.message, t.message);
          // The errors module understands a PatchError as the Status it carries.
          assert.equal(statusFromError(e).code, t.code);
          return true;
        },
      );
    });
  }

  it('a merge patch that makes the object an array is 422 Invalid on field patch', () => {
    assert.throws(
      () => applyPatch('merge', { a: 1 }, '[1]', POD, { fieldValidation: 'Ignore' }),
      (e: unknown) => {
        assert.ok(e instanceof PatchError);
        assert.equal(e.code, 422);
        assert.equal(e.status.reason, 'Invalid');
        assert.ok(e.message.startsWith(' "" is invalid: patch: Invalid value: "[1]": '), e.message);
        return true;
      },
    );
  });
});

describe('applyPatch: bodies and content types', () => {
  it('accepts UTF-8 bytes', () => {
    const body = new TextEncoder().encode('{"metadata":{"labels":{"é":"ü"}}}');
    assert.deepStrictEqual(applyPatch('merge', { metadata: {} }, body, POD), {
      metadata: { labels: { é: 'ü' } },
    });
  });
  it('a null strategic patch or JSON patch changes nothing', () => {
    assert.deepStrictEqual(applyPatch('strategic', { a: 1 }, 'null', POD), { a: 1 });
    assert.deepStrictEqual(applyPatch('json', { a: 1 }, 'null', POD), { a: 1 });
  });
  it('maps content types', () => {
    assert.equal(patchTypeFromContentType('application/json-patch+json'), 'json');
    assert.equal(patchTypeFromContentType('application/merge-patch+json; charset=utf-8'), 'merge');
    assert.equal(patchTypeFromContentType('application/strategic-merge-patch+json'), 'strategic');
    assert.equal(patchTypeFromContentType('application/apply-patch+yaml'), undefined);
  });
});
