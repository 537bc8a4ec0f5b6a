import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyStructuralDefaults, compileStructural, pruneUnknownFields } from './index.ts';
import type { CrdJSONSchemaProps as JSONSchemaProps } from './index.ts';

describe('applyStructuralDefaults (upstream defaulting/algorithm.go)', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        default: {},
        properties: {
          replicas: { type: 'integer', default: 1 },
          mode: { type: 'string', default: 'a' },
          opt: { type: 'string', nullable: true, default: 'n' },
          items: {
            type: 'array',
            items: {
              type: 'object',
              default: { x: 1 },
              properties: { y: { type: 'string', default: 'yy' } },
            },
          },
          m: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: { z: { type: 'integer', default: 7 } },
            },
          },
        },
      },
    },
  };
  const s = compileStructural(schema);
  const cases: { name: string; in: unknown; want: unknown }[] = [
    {
      name: 'missing object gets its default, then nested defaults',
      in: {},
      want: { spec: { replicas: 1, mode: 'a', opt: 'n' } },
    },
    {
      name: 'non-nullable null is replaced, nullable null kept',
      in: { spec: { mode: null, opt: null } },
      want: { spec: { replicas: 1, mode: 'a', opt: null } },
    },
    {
      name: 'items and additionalProperties',
      in: { spec: { items: [null, {}], m: { k: {} } } },
      want: {
        spec: {
          replicas: 1,
          mode: 'a',
          opt: 'n',
          items: [{ x: 1, y: 'yy' }, { y: 'yy' }],
          m: { k: { z: 7 } },
        },
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const obj = structuredClone(c.in);
      applyStructuralDefaults(obj, s);
      assert.deepEqual(obj, c.want);
    });
  }
});

describe('pruneUnknownFields (upstream pruning/algorithm.go)', () => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          a: { type: 'string' },
          list: { type: 'array', items: { type: 'object', properties: { b: { type: 'string' } } } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          emb: {
            type: 'object',
            'x-kubernetes-embedded-resource': true,
            'x-kubernetes-preserve-unknown-fields': true,
          },
        },
      },
    },
  };
  const s = compileStructural(schema);
  it('removes unknown fields and reports their paths', () => {
    const obj = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', foo: 'bar' },
      spec: {
        a: 'ok',
        foo: 1,
        list: [{ b: 'x', c: 'y' }],
        free: { anything: { goes: true } },
        emb: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', bogus: 1 }, spec: { x: 1 } },
      },
      status: { s: 1 },
    };
    const paths = pruneUnknownFields(obj, s, true);
    assert.deepEqual(paths.sort(), [
      'metadata.foo',
      'spec.emb.metadata.bogus',
      'spec.foo',
      'spec.list[0].c',
      'status',
    ]);
    assert.deepEqual(obj, {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n' },
      spec: {
        a: 'ok',
        list: [{ b: 'x' }],
        free: { anything: { goes: true } },
        emb: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 1 } },
      },
    });
  });
  it('is a no-op for a conforming object', () => {
    const obj = { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'n' }, spec: { a: 'x' } };
    assert.deepEqual(pruneUnknownFields(obj, s, true), []);
  });
});
