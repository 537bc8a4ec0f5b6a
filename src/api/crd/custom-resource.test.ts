import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileStructural, validateCustomResource } from './index.ts';
import type { CustomResourceValidationContext } from './index.ts';

type JsonObject = Record<string, unknown>;

const ctx: CustomResourceValidationContext = {
  group: 'stable.example.com',
  version: 'v1',
  kind: 'CronTab',
  namespaced: true,
  structural: compileStructural({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', minimum: 0 },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
          },
          template: {
            type: 'object',
            'x-kubernetes-embedded-resource': true,
            'x-kubernetes-preserve-unknown-fields': true,
          },
        },
      },
      status: { type: 'object', properties: { replicas: { type: 'integer' } } },
    },
  }),
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
};

function obj(spec: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'stable.example.com/v1',
    kind: 'CronTab',
    metadata: { name: 'my-cron', namespace: 'default' },
    spec,
    ...extra,
  };
}

describe('validateCustomResource', () => {
  const cases: { name: string; o: JsonObject; want: string[] }[] = [
    { name: 'valid', o: obj({ replicas: 1 }), want: [] },
    {
      name: 'type meta mismatch is reported alone',
      o: { ...obj({ replicas: 'x' }), kind: 'Other' },
      want: ['kind: Invalid value: "Other": must be CronTab'],
    },
    {
      name: 'metadata name',
      o: { ...obj({}), metadata: { name: 'Bad_Name', namespace: 'default' } },
      want: [
        "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      name: 'schema error then scale error',
      o: obj({ replicas: -1 }),
      want: [
        'spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
        '.spec.replicas: Invalid value: -1: should be a non-negative integer',
      ],
    },
    {
      name: 'scale accessor error',
      o: obj({ replicas: 'x' }),
      want: [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
        '.spec.replicas: Invalid value: 0: .spec.replicas accessor error: x is of the type string, expected int64',
      ],
    },
    {
      name: 'list-type set and map duplicates',
      o: obj({ tags: ['a', 'b', 'a'], ports: [{ name: 'http' }, { name: 'http' }] }),
      want: [
        'spec.tags[2]: Duplicate value: "a"',
        'spec.ports[1]: Duplicate value: {"name":"http"}',
      ],
    },
    {
      name: 'embedded resource requires apiVersion and kind',
      o: obj({ template: { metadata: { name: 'x' } } }),
      want: [
        'spec.template.apiVersion: Required value: must not be empty',
        'spec.template.kind: Required value: must not be empty',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        validateCustomResource(c.o, ctx).map((e) => e.error()),
        c.want,
      );
    });
  }

  it('update ratchets unchanged errors and checks metadata update rules', () => {
    const old = obj({ replicas: -1 });
    (old.metadata as JsonObject).resourceVersion = '5';
    const next = structuredClone(old);
    (next.spec as JsonObject).tags = ['a'];
    assert.deepEqual(
      validateCustomResource(next, ctx, 'update', old).map((e) => e.error()),
      ['.spec.replicas: Invalid value: -1: should be a non-negative integer'],
    );
  });

  it('calls the CEL hook with the schema', () => {
    let called = 0;
    const withCel: CustomResourceValidationContext = {
      ...ctx,
      cel: () => {
        called++;
        return [];
      },
    };
    validateCustomResource(obj({}), withCel);
    assert.equal(called, 1);
  });
});
