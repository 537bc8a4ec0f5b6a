import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeNamesAccepted, establishedCondition, setCrdCondition } from './index.ts';
import type { CustomResourceDefinition, CustomResourceDefinitionNames } from './index.ts';

function crd(
  name: string,
  names: CustomResourceDefinitionNames,
  accepted?: CustomResourceDefinitionNames,
): CustomResourceDefinition {
  const c: CustomResourceDefinition = {
    metadata: { name },
    spec: { group: 'example.com', scope: 'Namespaced', names, versions: [] },
  };
  if (accepted !== undefined) c.status = { acceptedNames: accepted };
  return c;
}

const foo = {
  plural: 'foos',
  singular: 'foo',
  kind: 'Foo',
  listKind: 'FooList',
  shortNames: ['f'],
};

describe('computeNamesAccepted (upstream naming controller)', () => {
  it('accepts fresh names', () => {
    const c = crd('foos.example.com', foo);
    const r = computeNamesAccepted(c, [c]);
    assert.deepEqual(r.acceptedNames, foo);
    assert.deepEqual(r.namesAccepted, {
      type: 'NamesAccepted',
      status: 'True',
      reason: 'NoConflicts',
      message: 'no conflicts found',
    });
    assert.deepEqual(r.established, {
      type: 'Established',
      status: 'False',
      reason: 'Installing',
      message: 'the initial names have been accepted',
    });
  });

  const conflicts: {
    name: string;
    other: CustomResourceDefinitionNames;
    reason: string;
    message: string;
  }[] = [
    {
      name: 'plural',
      other: { plural: 'foos', singular: 'x', kind: 'X', listKind: 'XList' },
      reason: 'PluralConflict',
      message: '"foos" is already in use',
    },
    {
      name: 'singular used as another plural',
      other: { plural: 'foo', singular: 'x', kind: 'X', listKind: 'XList' },
      reason: 'SingularConflict',
      message: '"foo" is already in use',
    },
    {
      name: 'short name',
      other: { plural: 'xs', singular: 'x', kind: 'X', listKind: 'XList', shortNames: ['f'] },
      reason: 'ShortNamesConflict',
      message: '"f" is already in use',
    },
    {
      name: 'kind',
      other: { plural: 'xs', singular: 'x', kind: 'Foo', listKind: 'XList' },
      reason: 'KindConflict',
      message: '"Foo" is already in use',
    },
  ];
  for (const c of conflicts) {
    it(`reports a ${c.name} conflict`, () => {
      const mine = crd('foos.example.com', foo);
      const other = crd('other.example.com', c.other, c.other);
      const r = computeNamesAccepted(mine, [mine, other]);
      assert.equal(r.namesAccepted.status, 'False');
      assert.equal(r.namesAccepted.reason, c.reason);
      assert.equal(r.namesAccepted.message, c.message);
      assert.equal(r.established.reason, 'NotAccepted');
    });
  }

  it('keeps names it already owns', () => {
    const mine = crd('foos.example.com', foo, foo);
    const r = computeNamesAccepted(mine, [mine]);
    assert.equal(r.namesAccepted.status, 'True');
  });

  it('establishes with InitialNamesAccepted and keeps transition times', () => {
    const c = crd('foos.example.com', foo);
    setCrdCondition(c, establishedCondition(), '2024-01-01T00:00:00Z');
    setCrdCondition(c, establishedCondition(), '2024-01-02T00:00:00Z');
    assert.deepEqual(c.status?.conditions, [
      {
        type: 'Established',
        status: 'True',
        reason: 'InitialNamesAccepted',
        message: 'the initial names have been accepted',
        lastTransitionTime: '2024-01-01T00:00:00Z',
      },
    ]);
  });
});
