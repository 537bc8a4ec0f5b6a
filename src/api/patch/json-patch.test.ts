import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GENERIC_UNPROCESSABLE_MESSAGE, PatchError } from './errors.ts';
import type { JsonObject, JsonValue } from './json.ts';
import { applyJsonPatch, decodeJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.ts';

function apply(doc: JsonObject, patch: JsonValue): JsonValue {
  return applyJsonPatch(doc, decodeJsonPatch(patch));
}

/** Asserts a 422 whose detail (the library message) is `detail`. */
function assertFails(doc: JsonObject, patch: JsonValue, detail: string): void {
  assert.throws(
    () => apply(doc, patch),
    (e: unknown) => {
      assert.ok(e instanceof PatchError);
      assert.equal(e.kind, 'Invalid');
      assert.equal(e.code, 422);
      assert.equal(e.detail, detail);
      assert.equal(e.message, GENERIC_UNPROCESSABLE_MESSAGE);
      return true;
    },
  );
}

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  const table: { name: string; doc: JsonObject; patch: JsonValue; want: JsonValue }[] = [
    {
      name: 'A.1 adding an object member',
      doc: { foo: 'bar' },
      patch: [{ op: 'add', path: '/baz', value: 'qux' }],
      want: { baz: 'qux', foo: 'bar' },
    },
    {
      name: 'A.2 adding an array element',
      doc: { foo: ['bar', 'baz'] },
      patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
      want: { foo: ['bar', 'qux', 'baz'] },
    },
    {
      name: 'A.3 removing an object member',
      doc: { baz: 'qux', foo: 'bar' },
      patch: [{ op: 'remove', path: '/baz' }],
      want: { foo: 'bar' },
    },
    {
      name: 'A.4 removing an array element',
      doc: { foo: ['bar', 'qux', 'baz'] },
      patch: [{ op: 'remove', path: '/foo/1' }],
      want: { foo: ['bar', 'baz'] },
    },
    {
      name: 'A.5 replacing a value',
      doc: { baz: 'qux', foo: 'bar' },
      patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
      want: { baz: 'boo', foo: 'bar' },
    },
    {
      name: 'A.6 moving a value',
      doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      want: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    },
    {
      name: 'A.7 moving an array element',
      doc: { foo: ['all', 'grass', 'cows', 'eat'] },
      patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      want: { foo: ['all', 'cows', 'eat', 'grass'] },
    },
    {
      name: 'A.8 testing a value: success',
      doc: { baz: 'qux', foo: ['a', 2, 'c'] },
      patch: [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ],
      want: { baz: 'qux', foo: ['a', 2, 'c'] },
    },
    {
      name: 'A.10 adding a nested member object',
      doc: { foo: 'bar' },
      patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      want: { foo: 'bar', child: { grandchild: {} } },
    },
    {
      name: 'A.11 ignoring unrecognized elements',
      doc: { foo: 'bar' },
      patch: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
      want: { foo: 'bar', baz: 'qux' },
    },
    {
      name: 'A.14 ~ escape ordering',
      doc: { '/': 9, '~1': 10 },
      patch: [{ op: 'test', path: '/~01', value: 10 }],
      want: { '/': 9, '~1': 10 },
    },
    {
      name: 'A.16 adding an array value',
      doc: { foo: ['bar'] },
      patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
      want: { foo: ['bar', ['abc', 'def']] },
    },
    {
      name: 'copy deep-copies the value',
      doc: { a: { b: [1] } },
      patch: [
        { op: 'copy', from: '/a', path: '/c' },
        { op: 'add', path: '/c/b/-', value: 2 },
      ],
      want: { a: { b: [1] }, c: { b: [1, 2] } },
    },
    {
      name: 'replace of a missing object member adds it (evanphx v4)',
      doc: { a: 1 },
      patch: [{ op: 'replace', path: '/b', value: 2 }],
      want: { a: 1, b: 2 },
    },
    {
      name: 'negative array index counts from the end (evanphx default)',
      doc: { a: [1, 2, 3] },
      patch: [{ op: 'remove', path: '/a/-1' }],
      want: { a: [1, 2] },
    },
    {
      name: 'test of a missing member against null passes',
      doc: { a: 1 },
      patch: [{ op: 'test', path: '/b', value: null }],
      want: { a: 1 },
    },
    {
      name: 'test of the whole document',
      doc: { a: 1 },
      patch: [{ op: 'test', path: '', value: { a: 1 } }],
      want: { a: 1 },
    },
    {
      name: 'keys with slashes in a label (kubectl label via json patch)',
      doc: { metadata: { labels: { 'app.kubernetes.io/name': 'x', keep: 'y' } } },
      patch: [{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1name' }],
      want: { metadata: { labels: { keep: 'y' } } },
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      const before = structuredClone(t.doc);
      assert.deepStrictEqual(apply(t.doc, t.patch), t.want);
      assert.deepStrictEqual(t.doc, before, 'the input must not change');
    });
  }
});

describe('applyJsonPatch: failures are 422 with the library message as detail', () => {
  it('A.9 testing a value: error', () => {
    assertFails(
      { baz: 'qux' },
      [{ op: 'test', path: '/baz', value: 'bar' }],
      'testing value /baz failed: test failed',
    );
  });
  it('A.12 adding to a nonexistent target', () => {
    assertFails(
      { foo: 'bar' },
      [{ op: 'add', path: '/baz/bat', value: 'qux' }],
      'add operation does not apply: doc is missing path: "/baz/bat": missing value',
    );
  });
  it('A.15 comparing strings and numbers', () => {
    assertFails(
      { '/': 9, '~1': 10 },
      [{ op: 'test', path: '/~01', value: '10' }],
      'testing value /~01 failed: test failed',
    );
  });
  it('removing a missing member', () => {
    assertFails(
      { a: 1 },
      [{ op: 'remove', path: '/b' }],
      "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value",
    );
  });
  it('adding past the end of an array', () => {
    assertFails(
      { a: [1] },
      [{ op: 'add', path: '/a/5', value: 2 }],
      "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced",
    );
  });
  it('unknown op', () => {
    assertFails({ a: 1 }, [{ op: 'frob', path: '/a' }], 'Unexpected kind: frob');
  });
  it('a failing operation leaves nothing applied', () => {
    const doc = { a: 1 };
    assert.throws(() =>
      apply(doc, [
        { op: 'add', path: '/b', value: 2 },
        { op: 'test', path: '/a', value: 2 },
      ]),
    );
    assert.deepStrictEqual(doc, { a: 1 });
  });
  it('the Status is the generic 422 upstream sends', () => {
    try {
      apply({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof PatchError);
      assert.deepStrictEqual(e.status, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server rejected our request due to an error in our request',
        reason: 'Invalid',
        details: {},
        code: 422,
      });
      assert.equal(e.toStatusError().code, 422);
    }
  });
  it('more than 10000 operations is 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '/a',
      value: 1,
    }));
    assert.throws(
      () => apply({ a: 1 }, ops),
      (e: unknown) =>
        e instanceof PatchError &&
        e.code === 413 &&
        e.message ===
          'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    );
  });
});

describe('decodeJsonPatch', () => {
  it('rejects a non-array document as 400', () => {
    assert.throws(
      () => decodeJsonPatch({ op: 'add' }),
      (e: unknown) =>
        e instanceof PatchError &&
        e.code === 400 &&
        e.message === 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  });
  it('treats a missing op as unknown', () => {
    assert.deepStrictEqual(decodeJsonPatch([{ path: '/a' }]), [{ op: 'unknown', path: '/a' }]);
  });
});
