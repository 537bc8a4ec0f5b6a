import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import {
  nameIsDNSSubdomain,
  newPath,
  validateAnnotations,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './index.ts';

const md = newPath('metadata');
const messages = (errs: { error(): string }[]): string[] => errs.map((e) => e.error());

describe('validateObjectMeta (create)', () => {
  it('accepts a valid namespaced object', () => {
    const meta: ObjectMeta = {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', 'example.com/tier': 'front' },
      annotations: { 'Example.com/Note': 'x' },
      finalizers: ['example.com/cleanup'],
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true },
      ],
    };
    assert.deepEqual(validateObjectMeta(meta, true, nameIsDNSSubdomain, md), []);
  });

  it('reports upstream messages in upstream order', () => {
    const meta: ObjectMeta = {
      generateName: 'Bad-',
      namespace: 'default',
      generation: -1,
      labels: { 'a/b/c': 'ok', ok: '-bad' },
      finalizers: ['orphan', 'foregroundDeletion'],
      ownerReferences: [
        { apiVersion: 'v1', kind: 'Event', name: 'e', uid: 'u', controller: true },
        { apiVersion: '', kind: 'X', name: 'x', uid: 'v', controller: true },
      ],
    };
    const got = messages(validateObjectMeta(meta, true, nameIsDNSSubdomain, md));
    assert.equal(got.length, 9);
    assert.match(
      got[0] ?? '',
      /^metadata\.generateName: Invalid value: "Bad-": a lowercase RFC 1123 subdomain/,
    );
    assert.equal(got[1], 'metadata.name: Required value: name or generateName is required');
    assert.equal(
      got[2],
      'metadata.generation: Invalid value: -1: must be greater than or equal to 0',
    );
    assert.match(
      got[3] ?? '',
      /^metadata\.labels: Invalid value: "a\/b\/c": a qualified name must consist/,
    );
    assert.match(got[4] ?? '', /^metadata\.labels: Invalid value: "-bad": a valid label must be/);
    assert.match(
      got[5] ?? '',
      /^metadata\.ownerReferences: Invalid value: \{.*\}: \/v1, Kind=Event is disallowed from being an owner$/,
    );
    assert.equal(
      got[6],
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
    );
    assert.match(
      got[7] ?? '',
      /: Only one reference can have Controller set to true\. Found "true" in references for Event\/e and X\/x$/,
    );
    assert.equal(
      got[8],
      'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
    );
  });

  it('checks namespace presence against scope', () => {
    assert.deepEqual(messages(validateObjectMeta({ name: 'a' }, true, nameIsDNSSubdomain, md)), [
      'metadata.namespace: Required value',
    ]);
    assert.deepEqual(
      messages(validateObjectMeta({ name: 'a', namespace: 'x' }, false, nameIsDNSSubdomain, md)),
      ['metadata.namespace: Forbidden: not allowed on this type'],
    );
    assert.match(
      messages(
        validateObjectMeta({ name: 'a', namespace: 'X.y' }, true, nameIsDNSSubdomain, md),
      )[0] ?? '',
      /^metadata\.namespace: Invalid value: "X\.y": a lowercase RFC 1123 label/,
    );
  });

  it('limits annotations to 256 KiB in total', () => {
    const big = { a: 'x'.repeat(262143) };
    assert.deepEqual(validateAnnotations(big, md.child('annotations')), []);
    assert.deepEqual(messages(validateAnnotations({ ...big, b: '' }, md.child('annotations'))), [
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ]);
  });
});

describe('validateObjectMetaUpdate', () => {
  const old: ObjectMeta = {
    name: 'a',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '5',
    generation: 2,
    creationTimestamp: '2024-01-01T00:00:00Z',
    deletionTimestamp: '2024-01-02T00:00:00Z',
    finalizers: ['x.io/a'],
  };
  it('accepts an unchanged object', () => {
    assert.deepEqual(validateObjectMetaUpdate({ ...old }, old, md), []);
  });
  it('rejects identity changes, new finalizers while deleting, missing resourceVersion', () => {
    const got = messages(
      validateObjectMetaUpdate(
        {
          ...old,
          name: 'b',
          uid: 'u2',
          resourceVersion: '',
          generation: 1,
          finalizers: ['x.io/a', 'x.io/c', 'x.io/b'],
        },
        old,
        md,
      ),
    );
    assert.deepEqual(got, [
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x.io/b", "x.io/c"}',
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      'metadata.generation: Invalid value: 1: must not be decremented',
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });
});
