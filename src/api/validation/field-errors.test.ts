import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorType,
  duplicate,
  filterOutTypes,
  forbidden,
  goQuote,
  internalError,
  invalid,
  newPath,
  notFound,
  notSupported,
  required,
  toAggregateMessage,
  tooLong,
  tooLongMaxLength,
  tooMany,
  typeInvalid,
} from './index.ts';
import type { FieldPath } from './index.ts';

describe('FieldPath (upstream path_test.go)', () => {
  const table: [FieldPath, string][] = [
    [newPath('root'), 'root'],
    [newPath('root').child('first'), 'root.first'],
    [newPath('root').child('first').child('second'), 'root.first.second'],
    [newPath('root').index(0), 'root[0]'],
    [newPath('root').child('first').index(0), 'root.first[0]'],
    [newPath('root').index(0).child('second'), 'root[0].second'],
    [newPath('root').child('first').index(0).child('second'), 'root.first[0].second'],
    [newPath('root').child('first').key('name'), 'root.first[name]'],
    [newPath('root').child('first').index(0).key('name'), 'root.first[0][name]'],
    [newPath('root', 'first', 'second'), 'root.first.second'],
    [newPath('root').child('first', 'second'), 'root.first.second'],
    [newPath('spec').child('containers').index(0).child('name'), 'spec.containers[0].name'],
    [newPath('metadata', 'labels').key('app'), 'metadata.labels[app]'],
  ];
  it('renders like upstream', () => {
    for (const [p, want] of table) {
      assert.equal(p.toString(), want);
    }
  });
  it('is immutable: extending a base path twice gives independent paths', () => {
    const base = newPath('spec');
    const x = base.child('x');
    const y = base.child('y');
    assert.equal(x.toString(), 'spec.x');
    assert.equal(y.toString(), 'spec.y');
    assert.equal(base.toString(), 'spec');
    assert.equal(y.index(3).root(), base);
  });
});

describe('FieldError messages', () => {
  const p = newPath('spec', 'x');
  const table: [ReturnType<typeof invalid>, ErrorType, string][] = [
    [
      invalid(newPath('spec', 'replicas'), -1, 'must be greater than or equal to 0'),
      ErrorType.Invalid,
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      notSupported(newPath('spec', 'restartPolicy'), 'x', ['Always', 'OnFailure', 'Never']),
      ErrorType.NotSupported,
      'spec.restartPolicy: Unsupported value: "x": supported values: "Always", "OnFailure", "Never"',
    ],
    [notSupported(p, 'x', []), ErrorType.NotSupported, 'spec.x: Unsupported value: "x"'],
    [
      required(newPath('metadata', 'name'), 'name or generateName is required'),
      ErrorType.Required,
      'metadata.name: Required value: name or generateName is required',
    ],
    [required(p), ErrorType.Required, 'spec.x: Required value'],
    [
      duplicate(newPath('spec', 'containers').index(1).child('name'), 'a'),
      ErrorType.Duplicate,
      'spec.containers[1].name: Duplicate value: "a"',
    ],
    [notFound(p, 'y'), ErrorType.NotFound, 'spec.x: Not found: "y"'],
    [forbidden(p, 'not allowed'), ErrorType.Forbidden, 'spec.x: Forbidden: not allowed'],
    [
      tooLong(newPath('metadata', 'annotations'), '', 262144),
      ErrorType.TooLong,
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ],
    [tooLong(p, 'ab', 1), ErrorType.TooLong, 'spec.x: Too long: may not be more than 1 byte'],
    [tooLong(p, 'ab', -1), ErrorType.TooLong, 'spec.x: Too long: value is too long'],
    [
      tooLongMaxLength(p, 'ab', 5),
      ErrorType.TooLong,
      'spec.x: Too long: may not be more than 5 bytes',
    ],
    [tooMany(p, 5, 3), ErrorType.TooMany, 'spec.x: Too many: 5: must have at most 3 items'],
    [tooMany(p, -1, 3), ErrorType.TooMany, 'spec.x: Too many: must have at most 3 items'],
    [tooMany(p, 5, -1), ErrorType.TooMany, 'spec.x: Too many: 5: has too many items'],
    [internalError(p, new Error('boom')), ErrorType.Internal, 'spec.x: Internal error: boom'],
    [
      typeInvalid(p, 'str', 'must be integer'),
      ErrorType.TypeInvalid,
      'spec.x: Invalid value: "str": must be integer',
    ],
    [invalid(p, null, ''), ErrorType.Invalid, 'spec.x: Invalid value: null'],
    [invalid(p, undefined, 'd'), ErrorType.Invalid, 'spec.x: Invalid value: null: d'],
    [invalid(p, true, 'd'), ErrorType.Invalid, 'spec.x: Invalid value: true: d'],
    [invalid(p, 1.5, 'd'), ErrorType.Invalid, 'spec.x: Invalid value: 1.5: d'],
    [invalid(p, 1e21, 'd'), ErrorType.Invalid, 'spec.x: Invalid value: 1e+21: d'],
    [invalid(p, { a: 1 }, 'd'), ErrorType.Invalid, 'spec.x: Invalid value: {"a":1}: d'],
    [invalid(p, 'a"b\n', 'd'), ErrorType.Invalid, 'spec.x: Invalid value: "a\\"b\\n": d'],
  ];
  it('match upstream text exactly', () => {
    for (const [e, type, want] of table) {
      assert.equal(e.type, type);
      assert.equal(e.error(), want);
      assert.equal(String(e), want);
      assert.equal(e.errorBody(), want.slice(e.field.length + 2));
    }
  });
  it('uses upstream ErrorType strings', () => {
    assert.deepEqual(Object.values(ErrorType).sort(), [
      'FieldValueDuplicate',
      'FieldValueForbidden',
      'FieldValueInvalid',
      'FieldValueNotFound',
      'FieldValueNotSupported',
      'FieldValueRequired',
      'FieldValueTooLong',
      'FieldValueTooMany',
      'FieldValueTypeInvalid',
      'InternalError',
    ]);
  });
});

describe('toAggregateMessage', () => {
  const a = required(newPath('a'));
  const b = invalid(newPath('b'), 1, 'bad');
  it('formats empty, single and multiple lists, dropping duplicates', () => {
    assert.equal(toAggregateMessage([]), '');
    assert.equal(toAggregateMessage([a]), 'a: Required value');
    assert.equal(toAggregateMessage([a, a]), 'a: Required value');
    assert.equal(toAggregateMessage([a, b, a]), '[a: Required value, b: Invalid value: 1: bad]');
  });
  it('filters by type', () => {
    assert.deepEqual(filterOutTypes([a, b], ErrorType.Required), [b]);
  });
});

describe('goQuote', () => {
  it('quotes like strconv.Quote', () => {
    assert.equal(goQuote('x'), '"x"');
    assert.equal(goQuote('tab\there'), '"tab\\there"');
    assert.equal(goQuote('\x00\x1f\x7f'), '"\\x00\\x1f\\x7f"');
    assert.equal(goQuote('back\\slash'), '"back\\\\slash"');
    assert.equal(goQuote('Māori ✓'), '"Māori ✓"');
    assert.equal(goQuote('nb\u00a0sp'), '"nb\\u00a0sp"');
    assert.equal(goQuote('\u2028'), '"\\u2028"');
  });
});
