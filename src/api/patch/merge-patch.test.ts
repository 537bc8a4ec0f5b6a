import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PatchError } from './errors.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { applyMergePatch } from './merge-patch.ts';

describe('applyMergePatch: RFC 7386 appendix A', () => {
  const table: { doc: JsonObject; patch: JsonValue; want: JsonValue }[] = [
    { doc: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
    { doc: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
    { doc: { a: 'b' }, patch: { a: null }, want: {} },
    { doc: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
    { doc: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
    { doc: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
    { doc: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, want: { a: { b: 'd' } } },
    { doc: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
    { doc: { a: 'b' }, patch: ['c'], want: ['c'] },
    { doc: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
    { doc: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
    // evanphx v4: nulls inside objects nested in an added array are pruned, null elements kept.
    { doc: {}, patch: { a: [{ b: null, c: 1 }, null] }, want: { a: [{ c: 1 }, null] } },
    // kubectl label / annotate
    {
      doc: { metadata: { name: 'web', labels: { env: 'dev', tier: 'fe' } } },
      patch: { metadata: { labels: { env: null } } },
      want: { metadata: { name: 'web', labels: { tier: 'fe' } } },
    },
    {
      doc: { metadata: { name: 'web' } },
      patch: { metadata: { annotations: { note: 'hello' } } },
      want: { metadata: { name: 'web', annotations: { note: 'hello' } } },
    },
    // lists are always replaced, even lists Kubernetes merges strategically
    {
      doc: { spec: { containers: [{ name: 'a', image: 'x' }] } },
      patch: { spec: { containers: [{ name: 'b', image: 'y' }] } },
      want: { spec: { containers: [{ name: 'b', image: 'y' }] } },
    },
  ];
  for (const t of table) {
    it(`${JSON.stringify(t.doc)} + ${JSON.stringify(t.patch)}`, () => {
      const doc = structuredClone(t.doc);
      const patch = structuredClone(t.patch);
      assert.deepStrictEqual(applyMergePatch(doc, patch), t.want);
      assert.deepStrictEqual(doc, t.doc);
      assert.deepStrictEqual(patch, t.patch);
    });
  }
});

describe('applyMergePatch: patches upstream rejects', () => {
  for (const patch of [null, 'bar', 5, true] as JsonValue[]) {
    it(`${JSON.stringify(patch)} is 400 Invalid JSON Patch`, () => {
      assert.throws(
        () => applyMergePatch({ a: 'foo' }, patch),
        (e: unknown) =>
          e instanceof PatchError && e.code === 400 && e.message === 'Invalid JSON Patch',
      );
    });
  }
});
