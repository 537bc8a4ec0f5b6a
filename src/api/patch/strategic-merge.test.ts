import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PatchError } from './errors.ts';
import type { JsonObject } from './json.ts';
import type { PatchFieldMeta, PatchMeta } from './patch-meta.ts';
import { strategicMergePatch } from './strategic-merge.ts';
import { SMP_CASES_YAML } from './testdata/smp-cases.ts';

/** upstream's test struct MergeItem (patch_test.go), including its self references. */
function mergeItemSchema(): PatchMeta {
  const fields: Record<string, PatchFieldMeta> = {};
  const mergeItem: PatchMeta = { name: 'MergeItem', fields };
  const retainKeysItem: PatchMeta = {
    name: 'RetainKeysMergeItem',
    fields: {
      mergingIntList: { type: 'list', patchStrategy: 'merge' },
      mergingList: { type: 'list', patchStrategy: 'merge', patchMergeKey: 'name', elem: mergeItem },
      nonMergingList: { type: 'list', elem: mergeItem },
    },
  };
  Object.assign(fields, {
    mergingList: { type: 'list', patchStrategy: 'merge', patchMergeKey: 'name', elem: mergeItem },
    nonMergingList: { type: 'list', elem: mergeItem },
    mergingIntList: { type: 'list', patchStrategy: 'merge' },
    nonMergingIntList: { type: 'list' },
    mergeItemPtr: { type: 'list', patchStrategy: 'merge', patchMergeKey: 'name', elem: mergeItem },
    simpleMap: { type: 'map' },
    replacingItem: { type: 'map', patchStrategy: 'replace' },
    retainKeysMap: { type: 'map', patchStrategy: 'retainKeys', elem: retainKeysItem },
    retainKeysMergingList: {
      type: 'list',
      patchStrategy: 'merge,retainKeys',
      patchMergeKey: 'name',
      elem: mergeItem,
    },
  } satisfies Record<string, PatchFieldMeta>);
  return mergeItem;
}

const SCHEMA = mergeItemSchema();

interface Case {
  description: string;
  original?: JsonObject;
  twoWay?: JsonObject;
  modified?: JsonObject;
  twoWayResult?: JsonObject;
  current?: JsonObject;
  threeWay?: JsonObject;
  result?: JsonObject;
  expectedError?: string;
}

describe('strategicMergePatch: upstream patch_test.go cases', () => {
  const cases = parse(SMP_CASES_YAML) as Case[];
  for (const c of cases) {
    it(c.description, () => {
      if (c.twoWay !== undefined) {
        const original = c.original ?? {};
        if (c.expectedError !== undefined) {
          assert.throws(
            () => strategicMergePatch(original, c.twoWay ?? {}, SCHEMA),
            (e: unknown) => e instanceof PatchError && e.detail.includes(c.expectedError ?? ''),
          );
          return;
        }
        const before = structuredClone(original);
        const got = strategicMergePatch(original, c.twoWay, SCHEMA);
        assert.deepStrictEqual(got, c.twoWayResult ?? c.modified, 'two-way');
        assert.deepStrictEqual(original, before, 'original must not change');
      }
      if (c.threeWay !== undefined && c.result !== undefined) {
        assert.deepStrictEqual(
          strategicMergePatch(c.current ?? {}, c.threeWay, SCHEMA),
          c.result,
          'three-way',
        );
      }
    });
  }
});

describe('strategicMergePatch: directives and errors', () => {
  const table: {
    name: string;
    original: JsonObject;
    patch: JsonObject;
    want?: JsonObject;
    err?: { kind: string; code: number; detail: string };
  }[] = [
    {
      name: '$patch: delete on a nested map leaves an empty map',
      original: { simpleMap: { a: '1' } },
      patch: { simpleMap: { $patch: 'delete' } },
      want: { simpleMap: {} },
    },
    {
      name: '$patch: replace inside a merging list replaces the whole list',
      original: { mergingList: [{ name: 'a' }, { name: 'b' }] },
      patch: { mergingList: [{ name: 'c' }, { $patch: 'replace' }] },
      want: { mergingList: [{ name: 'c' }] },
    },
    {
      name: 'replace strategy on a map takes the patch value',
      original: { replacingItem: { a: 1, b: 2 } },
      patch: { replacingItem: { c: 3 } },
      want: { replacingItem: { c: 3 } },
    },
    {
      name: 'a new field drops nulls and $patch maps nested in it',
      original: {},
      patch: { simpleMap: { a: 'x', b: null, c: { $patch: 'delete' } } },
      want: { simpleMap: { a: 'x' } },
    },
    {
      name: 'directive keys inside an appended list element never reach the result',
      original: { mergingList: [{ name: 'a' }] },
      patch: {
        mergingList: [
          { name: 'b', '$setElementOrder/mergingList': [{ name: 'z' }], $retainKeys: ['name'] },
        ],
      },
      // New items go before live items the patch does not mention (upstream order).
      want: { mergingList: [{ name: 'b' }, { name: 'a' }] },
    },
    {
      name: '$retainKeys rejects a patch key not listed',
      original: { retainKeysMap: { name: 'a' } },
      patch: { retainKeysMap: { $retainKeys: ['name'], value: 'x' } },
      err: { kind: 'BadRequest', code: 400, detail: 'invalid patch format of retainKeys' },
    },
    {
      name: '$retainKeys must be a list',
      original: { retainKeysMap: { name: 'a' } },
      patch: { retainKeysMap: { $retainKeys: 'name' } },
      err: { kind: 'BadRequest', code: 400, detail: 'invalid patch format of retainKeys' },
    },
    {
      name: 'unknown $patch value on a map is a 500',
      original: { simpleMap: { a: '1' } },
      patch: { simpleMap: { $patch: 'merge' } },
      err: {
        kind: 'Internal',
        code: 500,
        detail: 'unknown patch type: merge in map: map[$patch:merge]',
      },
    },
    {
      name: '$patch: merge in a list is not supported',
      original: { mergingList: [{ name: 'a' }] },
      patch: { mergingList: [{ $patch: 'merge' }] },
      err: {
        kind: 'Internal',
        code: 500,
        detail: 'merging lists cannot yet be specified in the patch',
      },
    },
    {
      name: 'delete directive without merge key',
      original: { mergingList: [{ name: 'a' }] },
      patch: { mergingList: [{ $patch: 'delete' }] },
      err: {
        kind: 'Internal',
        code: 500,
        detail: 'map: map[$patch:delete] does not contain declared merge key: name',
      },
    },
    {
      name: 'lists of lists are a 422',
      original: { mergingIntList: [[1]] },
      patch: { mergingIntList: [[2]] },
      err: { kind: 'Invalid', code: 422, detail: 'lists of lists are not supported' },
    },
    {
      name: 'malformed $deleteFromPrimitiveList key',
      original: { mergingIntList: [1] },
      patch: { $deleteFromPrimitiveList: [1] },
      err: { kind: 'BadRequest', code: 400, detail: 'invalid patch format of primitive list' },
    },
    {
      name: 'malformed $setElementOrder key',
      original: { mergingIntList: [1] },
      patch: { $setElementOrder: [1] },
      err: {
        kind: 'BadRequest',
        code: 400,
        detail: 'invalid patch format of setElementOrder list',
      },
    },
    {
      name: 'deleteFromPrimitiveList on a missing list is ignored',
      original: {},
      patch: { '$deleteFromPrimitiveList/mergingIntList': [1] },
      want: {},
    },
    {
      name: 'type change replaces',
      original: { mergingList: [{ name: 'a' }] },
      patch: { mergingList: 'x' },
      want: { mergingList: 'x' },
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      if (t.err !== undefined) {
        const want = t.err;
        assert.throws(
          () => strategicMergePatch(t.original, t.patch, SCHEMA),
          (e: unknown) => {
            assert.ok(e instanceof PatchError);
            assert.equal(e.kind, want.kind);
            assert.equal(e.code, want.code);
            assert.equal(e.detail, want.detail);
            return true;
          },
        );
      } else {
        assert.deepStrictEqual(strategicMergePatch(t.original, t.patch, SCHEMA), t.want);
      }
    });
  }
});

describe('strategicMergePatch: directive-like keys already in the object', () => {
  it('keeps $patch keys stored in the original (ControllerRevision data)', () => {
    const original: JsonObject = {
      data: { spec: { template: { $patch: 'replace', spec: {} } } },
      metadata: { labels: {} },
    };
    const got = strategicMergePatch(original, { metadata: { labels: { a: 'b' } } }, SCHEMA);
    assert.deepStrictEqual(got, {
      data: { spec: { template: { $patch: 'replace', spec: {} } } },
      metadata: { labels: { a: 'b' } },
    });
  });
});
