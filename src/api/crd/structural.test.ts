import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPath } from '../validation/index.ts';
import { compileStructural, nonStructuralSchemaCondition, validateStructural } from './index.ts';
import type { CrdJSONSchemaProps as JSONSchemaProps } from './index.ts';

const root = newPath('schema');

function check(s: JSONSchemaProps): string[] {
  return validateStructural(root, compileStructural(s)).map((e) => e.error());
}

describe('validateStructural (upstream schema/validation.go)', () => {
  const cases: { name: string; schema: JSONSchemaProps; want: string[] }[] = [
    { name: 'minimal', schema: { type: 'object' }, want: [] },
    {
      name: 'root type required',
      schema: { properties: { a: { type: 'string' } } },
      want: ['schema.type: Required value: must not be empty at the root'],
    },
    {
      name: 'root must be object',
      schema: { type: 'string' },
      want: ['schema.type: Invalid value: "string": must be object at the root'],
    },
    {
      name: 'array items required, item type required',
      schema: {
        type: 'object',
        properties: { a: { type: 'array' }, b: { type: 'array', items: {} } },
      },
      want: [
        'schema.properties[a].items: Required value: must be specified',
        'schema.properties[b].items.type: Required value: must not be empty for specified array items',
      ],
    },
    {
      name: 'preserve-unknown-fields and int-or-string exempt from type',
      schema: {
        type: 'object',
        properties: {
          a: { 'x-kubernetes-preserve-unknown-fields': true },
          b: {
            'x-kubernetes-int-or-string': true,
            anyOf: [{ type: 'integer' }, { type: 'string' }],
          },
        },
      },
      want: [],
    },
    {
      name: 'additionalProperties at the root',
      schema: { type: 'object', additionalProperties: { type: 'string' } },
      want: ['schema.additionalProperties: Forbidden: must not be used at the root'],
    },
    {
      name: 'embedded resource must be object with properties',
      schema: {
        type: 'object',
        properties: { e: { type: 'string', 'x-kubernetes-embedded-resource': true } },
      },
      want: [
        'schema.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
        'schema.properties[e].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true',
      ],
    },
    {
      name: 'metadata restricted to name and generateName',
      schema: {
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { labels: { type: 'object' } } },
        },
      },
      want: [
        'schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
      ],
    },
    {
      name: 'metadata with name only is fine',
      schema: {
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } },
        },
      },
      want: [],
    },
    {
      name: 'types inside anyOf are not structural; completeness',
      schema: {
        type: 'object',
        anyOf: [{ type: 'object', properties: { x: { description: 'd' } } }],
      },
      want: [
        'schema.anyOf[0].properties[x].description: Forbidden: must be empty to be structural',
        'schema.anyOf[0].type: Forbidden: must be empty to be structural',
        'schema.properties[x]: Required value: because it is defined in schema.anyOf[0].properties[x]',
      ],
    },
    {
      name: 'int-or-string with extra preserve-unknown-fields',
      schema: {
        type: 'object',
        properties: {
          a: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
      want: [
        'schema.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(check(c.schema), c.want);
    });
  }
});

describe('nonStructuralSchemaCondition', () => {
  it('reports violations with upstream paths', () => {
    const cond = nonStructuralSchemaCondition({
      spec: {
        group: 'g.io',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { a: {} } } },
          },
        ],
      },
    });
    assert.deepEqual(cond, {
      type: 'NonStructuralSchema',
      status: 'True',
      reason: 'Violations',
      message:
        'spec.versions[0].schema.openAPIV3Schema.properties[a].type: Required value: must not be empty for specified object fields',
    });
  });
});
