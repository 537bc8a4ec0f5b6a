/**
 * Cases ported from sigs.k8s.io/structured-merge-diff merge/multiple_appliers_test.go
 * (TestMultipleAppliersSet, TestMultipleAppliersFieldUnsetting with one version,
 * TestMultipleAppliersNestedType, TestMultipleAppliersDeducedType). Upstream runs them on the
 * bare Updater; here they go through applyObject/trackUpdate, so every object carries
 * apiVersion/kind (stripped from managed sets) and all managers use one API version.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusError } from '../errors.ts';
import { FieldSet, pathString } from './fieldpath.ts';
import type { JsonObject } from './fieldpath.ts';
import { applyObject, trackUpdate } from './manager.ts';
import { DEDUCED, newTypeResolver } from './schema.ts';
import type { TypeNode } from './schema.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' };
const typeMeta = { apiVersion: str, kind: str };
const resolver = newTypeResolver({
  'assoc.Type': {
    type: 'object',
    properties: {
      ...typeMeta,
      list: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: ref('assoc.Element'),
      },
    },
  },
  'assoc.Element': { type: 'object', properties: { name: str, value: { type: 'number' } } },
  'nested.Type': {
    type: 'object',
    properties: {
      ...typeMeta,
      listOfLists: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: ref('nested.Item'),
      },
      mapOfMapsRecursive: ref('nested.MapOfMaps'),
    },
  },
  'nested.Item': {
    type: 'object',
    properties: {
      name: str,
      value: { type: 'array', 'x-kubernetes-list-type': 'set', items: str },
    },
  },
  'nested.MapOfMaps': { type: 'object', additionalProperties: ref('nested.MapOfMaps') },
  'struct.Type': { type: 'object', properties: { ...typeMeta, struct: ref('struct.Struct') } },
  'struct.Struct': {
    type: 'object',
    properties: { name: str, scalarField_v1: str, complexField_v1: ref('struct.Complex') },
  },
  'struct.Complex': { type: 'object', properties: { name: str } },
});

function typeOf(name: string): TypeNode {
  const t = resolver.typeFor(name);
  assert.ok(t !== undefined);
  return t;
}

type Op =
  | { apply: string; object: JsonObject; conflicts?: string[] }
  | { update: string; object: JsonObject };

interface Case {
  name: string;
  ops: Op[];
  object: JsonObject;
  managed: Record<string, string[]>;
}

const TM = { apiVersion: 'v1', kind: 'T' };

function run(type: TypeNode, cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      let live: JsonObject | undefined;
      for (const op of c.ops) {
        const object = { ...TM, ...op.object };
        if ('update' in op) {
          live = trackUpdate({
            live,
            updated: object,
            manager: op.update,
            type,
            apiVersion: 'v1',
            now: 'T',
          });
          continue;
        }
        const req = {
          live,
          applied: object,
          manager: op.apply,
          force: false,
          type,
          apiVersion: 'v1',
          kind: 'T',
          now: 'T',
          dropNulls: false,
        };
        if (op.conflicts !== undefined) {
          const expected = op.conflicts;
          assert.throws(
            () => applyObject(req),
            (err: unknown) =>
              err instanceof StatusError &&
              JSON.stringify(err.status.details?.causes?.map((x) => x.field)) ===
                JSON.stringify(expected),
          );
          continue;
        }
        live = applyObject(req);
      }
      assert.ok(live !== undefined);
      const { apiVersion: _a, kind: _k, metadata, ...rest } = live;
      assert.deepEqual(rest, c.object);
      const managed: Record<string, string[]> = {};
      for (const e of (metadata as JsonObject)['managedFields'] as JsonObject[]) {
        managed[e['manager'] as string] = FieldSet.fromFieldsV1(e['fieldsV1'])
          .paths()
          .map(pathString)
          .sort();
      }
      const expected = Object.fromEntries(
        Object.entries(c.managed).map(([k, v]) => [k, [...v].sort()]),
      );
      assert.deepEqual(managed, expected);
    });
  }
}

const names = (...n: string[]) => ({ list: n.map((name) => ({ name })) });
const items = (...n: string[]) =>
  n.flatMap((x) => [`.list[name="${x}"]`, `.list[name="${x}"].name`]);

describe('TestMultipleAppliersSet', () => {
  run(typeOf('assoc.Type'), [
    {
      name: 'remove_one',
      ops: [
        { apply: 'apply-one', object: names('a', 'b') },
        { apply: 'apply-two', object: names('c') },
        { apply: 'apply-one', object: names('a') },
      ],
      object: names('a', 'c'),
      managed: { 'apply-one': items('a'), 'apply-two': items('c') },
    },
    {
      name: 'same_value_no_conflict',
      ops: [
        { apply: 'apply-one', object: { list: [{ name: 'a', value: 0 }] } },
        { apply: 'apply-two', object: { list: [{ name: 'a', value: 0 }] } },
      ],
      object: { list: [{ name: 'a', value: 0 }] },
      managed: {
        'apply-one': [...items('a'), '.list[name="a"].value'],
        'apply-two': [...items('a'), '.list[name="a"].value'],
      },
    },
    {
      name: 'change_value_yes_conflict',
      ops: [
        { apply: 'apply-one', object: { list: [{ name: 'a', value: 0 }] } },
        {
          apply: 'apply-two',
          object: { list: [{ name: 'a', value: 1 }] },
          conflicts: ['.list[name="a"].value'],
        },
      ],
      object: { list: [{ name: 'a', value: 0 }] },
      managed: { 'apply-one': [...items('a'), '.list[name="a"].value'] },
    },
    {
      name: 'remove_one_keep_one',
      ops: [
        { apply: 'apply-one', object: names('a', 'b', 'c') },
        { apply: 'apply-two', object: names('c', 'd') },
        { apply: 'apply-one', object: names('a') },
      ],
      object: names('a', 'c', 'd'),
      managed: { 'apply-one': items('a'), 'apply-two': items('c', 'd') },
    },
  ]);
});

describe('TestMultipleAppliersFieldUnsetting (v1-v1-v1)', () => {
  run(typeOf('struct.Type'), [
    {
      name: 'unset_scalar_sole_owner',
      ops: [
        { apply: 'apply-one', object: { struct: { name: 'a', scalarField_v1: 'a' } } },
        { apply: 'apply-one', object: { struct: { name: 'a' } } },
      ],
      object: { struct: { name: 'a' } },
      managed: { 'apply-one': ['.struct.name'] },
    },
    {
      name: 'unset_scalar_shared_with_applier',
      ops: [
        { apply: 'apply-one', object: { struct: { name: 'a', scalarField_v1: 'a' } } },
        { apply: 'apply-two', object: { struct: { scalarField_v1: 'a' } } },
        { apply: 'apply-one', object: { struct: { name: 'a' } } },
      ],
      object: { struct: { name: 'a', scalarField_v1: 'a' } },
      managed: { 'apply-one': ['.struct.name'], 'apply-two': ['.struct.scalarField_v1'] },
    },
    {
      name: 'unset_scalar_shared_with_updater',
      ops: [
        { update: 'updater', object: { struct: { name: 'a', scalarField_v1: 'a' } } },
        { apply: 'applier', object: { struct: { name: 'a', scalarField_v1: 'a' } } },
        { apply: 'applier', object: { struct: { name: 'a' } } },
      ],
      object: { struct: { name: 'a', scalarField_v1: 'a' } },
      managed: {
        updater: ['.struct', '.struct.name', '.struct.scalarField_v1'],
        applier: ['.struct.name'],
      },
    },
    {
      name: 'updater_claims_field',
      ops: [
        { apply: 'applier', object: { struct: { name: 'a', scalarField_v1: 'a' } } },
        { update: 'updater', object: { struct: { name: 'a', scalarField_v1: 'b' } } },
      ],
      object: { struct: { name: 'a', scalarField_v1: 'b' } },
      managed: { updater: ['.struct.scalarField_v1'], applier: ['.struct.name'] },
    },
    {
      name: 'unset_complex_sole_owner',
      ops: [
        { apply: 'apply-one', object: { struct: { name: 'a', complexField_v1: { name: 'b' } } } },
        { apply: 'apply-one', object: { struct: { name: 'a' } } },
      ],
      object: { struct: { name: 'a' } },
      managed: { 'apply-one': ['.struct.name'] },
    },
    {
      name: 'unset_complex_shared_with_applier',
      ops: [
        { apply: 'apply-one', object: { struct: { name: 'a', complexField_v1: { name: 'b' } } } },
        { apply: 'apply-two', object: { struct: { complexField_v1: { name: 'b' } } } },
        { apply: 'apply-one', object: { struct: { name: 'a' } } },
      ],
      object: { struct: { name: 'a', complexField_v1: { name: 'b' } } },
      managed: { 'apply-one': ['.struct.name'], 'apply-two': ['.struct.complexField_v1.name'] },
    },
  ]);
});

const lol = (...entries: [string, string[]?][]): JsonObject => ({
  listOfLists: entries.map(([name, value]): JsonObject =>
    value === undefined ? { name } : { name, value },
  ),
});
const lolItem = (name: string) => [
  `.listOfLists[name="${name}"]`,
  `.listOfLists[name="${name}"].name`,
];
const lolValue = (name: string, v: string) => `.listOfLists[name="${name}"].value[="${v}"]`;

describe('TestMultipleAppliersNestedType', () => {
  run(typeOf('nested.Type'), [
    {
      name: 'remove_one_keep_one_with_two_sub_items',
      ops: [
        { apply: 'apply-one', object: lol(['a'], ['b', ['c']]) },
        { apply: 'apply-two', object: lol(['b', ['d']]) },
        { apply: 'apply-one', object: lol(['a']) },
      ],
      object: lol(['a'], ['b', ['d']]),
      managed: { 'apply-one': lolItem('a'), 'apply-two': [...lolItem('b'), lolValue('b', 'd')] },
    },
    {
      name: 'remove_one_keep_one_with_dangling_subitem',
      ops: [
        { apply: 'apply-one', object: lol(['a'], ['b', ['c']]) },
        { apply: 'apply-two', object: lol(['b', ['d']]) },
        { update: 'controller', object: lol(['a'], ['b', ['c', 'd', 'e']]) },
        { apply: 'apply-one', object: lol(['a']) },
      ],
      object: lol(['a'], ['b', ['d', 'e']]),
      managed: {
        'apply-one': lolItem('a'),
        'apply-two': [...lolItem('b'), lolValue('b', 'd')],
        controller: [lolValue('b', 'e')],
      },
    },
    {
      name: 'remove_one_with_dangling_subitem_keep_one',
      ops: [
        { apply: 'apply-one', object: lol(['a'], ['b', ['c']]) },
        { apply: 'apply-two', object: lol(['a', ['b']]) },
        { update: 'controller', object: lol(['a', ['b']], ['b', ['c', 'd']]) },
        { apply: 'apply-one', object: lol(['a']) },
      ],
      object: lol(['a', ['b']]),
      managed: { 'apply-one': lolItem('a'), 'apply-two': [...lolItem('a'), lolValue('a', 'b')] },
    },
    {
      name: 'remove_one_keep_one_with_sub_item',
      ops: [
        { apply: 'apply-one', object: lol(['a'], ['b', ['c']]) },
        { apply: 'apply-two', object: lol(['b', ['d']]) },
        { apply: 'apply-one', object: lol(['a']) },
      ],
      object: lol(['a'], ['b', ['d']]),
      managed: { 'apply-one': lolItem('a'), 'apply-two': [...lolItem('b'), lolValue('b', 'd')] },
    },
    {
      name: 'multiple_appliers_recursive_map',
      ops: [
        { apply: 'apply-one', object: { mapOfMapsRecursive: { a: { b: null }, c: { d: null } } } },
        { apply: 'apply-two', object: { mapOfMapsRecursive: { a: null, c: { d: null } } } },
        {
          update: 'controller-one',
          object: { mapOfMapsRecursive: { a: { b: { c: null } }, c: { d: { e: null } } } },
        },
        {
          update: 'controller-two',
          object: {
            mapOfMapsRecursive: { a: { b: { c: { d: null } } }, c: { d: { e: { f: null } } } },
          },
        },
        {
          update: 'controller-one',
          object: {
            mapOfMapsRecursive: {
              a: { b: { c: { d: { e: null } } } },
              c: { d: { e: { f: { g: null } } } },
            },
          },
        },
        { apply: 'apply-one', object: { mapOfMapsRecursive: null } },
      ],
      object: { mapOfMapsRecursive: { a: null, c: { d: { e: { f: { g: null } } } } } },
      managed: {
        'apply-one': ['.mapOfMapsRecursive'],
        'apply-two': ['.mapOfMapsRecursive.a', '.mapOfMapsRecursive.c', '.mapOfMapsRecursive.c.d'],
        'controller-one': ['.mapOfMapsRecursive.c.d.e', '.mapOfMapsRecursive.c.d.e.f.g'],
        'controller-two': ['.mapOfMapsRecursive.c.d.e.f'],
      },
    },
  ]);
});

describe('TestMultipleAppliersDeducedType', () => {
  run(DEDUCED, [
    {
      name: 'multiple_appliers_recursive_map_deduced',
      ops: [
        { apply: 'apply-one', object: { a: { b: null }, c: { d: null } } },
        { apply: 'apply-two', object: { a: null, c: { d: null } } },
        { update: 'controller-one', object: { a: { b: { c: null } }, c: { d: { e: null } } } },
        {
          update: 'controller-two',
          object: { a: { b: { c: { d: null } } }, c: { d: { e: { f: null } } } },
        },
        {
          update: 'controller-one',
          object: { a: { b: { c: { d: { e: null } } } }, c: { d: { e: { f: { g: null } } } } },
        },
        { apply: 'apply-one', object: {} },
      ],
      object: { a: null, c: { d: { e: { f: { g: null } } } } },
      managed: {
        'apply-two': ['.a', '.c', '.c.d'],
        'controller-one': ['.c.d.e', '.c.d.e.f.g'],
        'controller-two': ['.c.d.e.f'],
      },
    },
  ]);
});
