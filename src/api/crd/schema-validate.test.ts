import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileStructural, validateValue } from './index.ts';
import type { CrdJSONSchemaProps as JSONSchemaProps } from './index.ts';

function msgs(schema: JSONSchemaProps, data: unknown, old?: unknown): string[] {
  const s = compileStructural(schema);
  return validateValue(data, s, undefined, old === undefined ? {} : { old }).map((e) => e.error());
}

const spec = (props: Record<string, JSONSchemaProps>, extra: JSONSchemaProps = {}) => ({
  type: 'object',
  properties: { spec: { type: 'object', properties: props, ...extra } },
});

describe('validateValue (kube-openapi semantics, apiserver messages)', () => {
  const cases: { name: string; schema: JSONSchemaProps; data: unknown; want: string[] }[] = [
    {
      name: 'type mismatch',
      schema: spec({ replicas: { type: 'integer' } }),
      data: { spec: { replicas: 'x' } },
      want: [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      ],
    },
    {
      name: 'float where integer',
      schema: spec({ replicas: { type: 'integer' } }),
      data: { spec: { replicas: 1.5 } },
      want: [
        'spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
      ],
    },
    {
      name: 'integer where number is fine',
      schema: spec({ ratio: { type: 'number' } }),
      data: { spec: { ratio: 3 } },
      want: [],
    },
    {
      name: 'required',
      schema: spec({ x: { type: 'string' } }, { required: ['x'] }),
      data: { spec: {} },
      want: ['spec.x: Required value'],
    },
    {
      name: 'required at root',
      schema: { type: 'object', required: ['spec'], properties: { spec: { type: 'object' } } },
      data: {},
      want: ['spec: Required value'],
    },
    {
      name: 'enum',
      schema: spec({ mode: { type: 'string', enum: ['a', 'b'] } }),
      data: { spec: { mode: 'c' } },
      want: ['spec.mode: Unsupported value: "c": supported values: "a", "b"'],
    },
    {
      name: 'enum of numbers',
      schema: spec({ n: { type: 'integer', enum: [1, 2] } }),
      data: { spec: { n: 3 } },
      want: ['spec.n: Unsupported value: 3: supported values: "1", "2"'],
    },
    {
      name: 'minimum',
      schema: spec({ replicas: { type: 'integer', minimum: 1 } }),
      data: { spec: { replicas: 0 } },
      want: [
        'spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1',
      ],
    },
    {
      name: 'exclusive maximum',
      schema: spec({ r: { type: 'number', maximum: 1.5, exclusiveMaximum: true } }),
      data: { spec: { r: 1.5 } },
      want: ['spec.r: Invalid value: 1.5: spec.r in body should be less than 1.5'],
    },
    {
      name: 'multipleOf',
      schema: spec({ r: { type: 'integer', multipleOf: 5 } }),
      data: { spec: { r: 7 } },
      want: ['spec.r: Invalid value: 7: spec.r in body should be a multiple of 5'],
    },
    {
      name: 'maxLength',
      schema: spec({ s: { type: 'string', maxLength: 3 } }),
      data: { spec: { s: 'abcd' } },
      want: ['spec.s: Too long: may not be more than 3 bytes'],
    },
    {
      name: 'minLength counts runes',
      schema: spec({ s: { type: 'string', minLength: 2 } }),
      data: { spec: { s: '😀' } },
      want: ['spec.s: Invalid value: "😀": spec.s in body should be at least 2 chars long'],
    },
    {
      name: 'pattern',
      schema: spec({ s: { type: 'string', pattern: '^[a-z]+$' } }),
      data: { spec: { s: 'A1' } },
      want: ['spec.s: Invalid value: "A1": spec.s in body should match \'^[a-z]+$\''],
    },
    {
      name: 'maxItems',
      schema: spec({ l: { type: 'array', items: { type: 'string' }, maxItems: 1 } }),
      data: { spec: { l: ['a', 'b'] } },
      want: ['spec.l: Too many: 2: must have at most 1 items'],
    },
    {
      name: 'minItems',
      schema: spec({ l: { type: 'array', items: { type: 'string' }, minItems: 2 } }),
      data: { spec: { l: ['a'] } },
      want: ['spec.l: Invalid value: 1: spec.l in body should have at least 2 items'],
    },
    {
      name: 'item type with index',
      schema: spec({ l: { type: 'array', items: { type: 'string' } } }),
      data: { spec: { l: ['a', 2] } },
      want: [
        'spec.l[1]: Invalid value: "integer": spec.l[1] in body must be of type string: "integer"',
      ],
    },
    {
      name: 'maxProperties',
      schema: spec({ m: { type: 'object', maxProperties: 1 } }),
      data: { spec: { m: { a: 1, b: 2 } } },
      want: ['spec.m: Too many: 2: must have at most 1 items'],
    },
    {
      name: 'additionalProperties schema',
      schema: spec({ m: { type: 'object', additionalProperties: { type: 'string' } } }),
      data: { spec: { m: { a: 1 } } },
      want: [
        'spec.m.a: Invalid value: "integer": spec.m.a in body must be of type string: "integer"',
      ],
    },
    {
      name: 'null not nullable',
      schema: spec({ s: { type: 'string' } }),
      data: { spec: { s: null } },
      want: ['spec.s: Invalid value: "null": spec.s in body must be of type string: "null"'],
    },
    {
      name: 'nullable',
      schema: spec({ s: { type: 'string', nullable: true } }),
      data: { spec: { s: null } },
      want: [],
    },
    {
      name: 'int-or-string accepts both',
      schema: spec({ p: { 'x-kubernetes-int-or-string': true } }),
      data: { spec: { p: 'x' } },
      want: [],
    },
    {
      name: 'int-or-string rejects bool',
      schema: spec({ p: { 'x-kubernetes-int-or-string': true } }),
      data: { spec: { p: true } },
      want: [
        'spec.p: Invalid value: "boolean": spec.p in body must be of type integer,string: "boolean"',
      ],
    },
    {
      name: 'format date-time',
      schema: spec({ t: { type: 'string', format: 'date-time' } }),
      data: { spec: { t: 'yesterday' } },
      want: [
        'spec.t: Invalid value: "yesterday": spec.t in body must be of type date-time: "yesterday"',
      ],
    },
    {
      name: 'format uuid ok, ipv4 bad',
      schema: spec({
        u: { type: 'string', format: 'uuid' },
        ip: { type: 'string', format: 'ipv4' },
      }),
      data: { spec: { u: '123e4567-e89b-12d3-a456-426614174000', ip: '300.1.1.1' } },
      want: [
        'spec.ip: Invalid value: "300.1.1.1": spec.ip in body must be of type ipv4: "300.1.1.1"',
      ],
    },
    {
      name: 'format int32 on integer is fine',
      schema: spec({ n: { type: 'integer', format: 'int32' } }),
      data: { spec: { n: 5 } },
      want: [],
    },
    {
      name: 'anyOf failure',
      schema: spec({ v: { anyOf: [{ type: 'integer' }, { type: 'boolean' }] } }),
      data: { spec: { v: 'x' } },
      want: [
        '<nil>: Invalid value: "": "spec.v" must validate at least one schema (anyOf)',
        'spec.v: Invalid value: "string": spec.v in body must be of type integer: "string"',
      ],
    },
    {
      name: 'oneOf with two matches',
      schema: spec({ v: { type: 'integer', oneOf: [{ minimum: 1 }, { maximum: 10 }] } }),
      data: { spec: { v: 5 } },
      want: [
        '<nil>: Invalid value: "": "spec.v" must validate one and only one schema (oneOf). Found 2 valid alternatives',
      ],
    },
    {
      name: 'allOf failure lists the branch errors, then the composite',
      schema: spec({ v: { type: 'integer', allOf: [{ minimum: 10 }] } }),
      data: { spec: { v: 5 } },
      want: [
        'spec.v: Invalid value: 5: spec.v in body should be greater than or equal to 10',
        '<nil>: Invalid value: "": "spec.v" must validate all the schemas (allOf). None validated',
      ],
    },
    {
      name: 'additionalProperties false',
      schema: spec({ m: { type: 'object', additionalProperties: false } }),
      data: { spec: { m: { a: 1 } } },
      want: ['spec.m: Invalid value: "a": spec.m.a in body is a forbidden property'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(msgs(c.schema, c.data), c.want);
    });
  }

  it('ratchets unchanged invalid values on update', () => {
    const schema = spec({ a: { type: 'integer', minimum: 5 }, b: { type: 'integer', minimum: 5 } });
    const old = { spec: { a: 1, b: 1 } };
    assert.deepEqual(msgs(schema, { spec: { a: 1, b: 2 } }, old), [
      'spec.b: Invalid value: 2: spec.b in body should be greater than or equal to 5',
    ]);
  });
});
