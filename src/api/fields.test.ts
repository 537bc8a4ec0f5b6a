import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  FieldSelectorError,
  andFieldSelectors,
  escapeFieldValue,
  everythingFields,
  fieldSelectorFromSet,
  oneTermEqualSelector,
  oneTermNotEqualSelector,
  parseAndTransformFieldSelector,
  parseFieldSelector,
  splitFieldTerm,
  splitFieldTerms,
  unescapeFieldValue,
} from './fields.ts';
import type { FieldSelector, Fields } from './fields.ts';

describe('splitFieldTerms (upstream TestSplitTerms)', () => {
  const cases: [string, string[]][] = [
    ['a', ['a']],
    ['a=avalue', ['a=avalue']],
    ['a=avalue,b=bvalue', ['a=avalue', 'b=bvalue']],
    ['a=avalue,b==bvalue,c!=cvalue', ['a=avalue', 'b==bvalue', 'c!=cvalue']],
    ['', []],
    ['a=a,', ['a=a', '']],
    [',a=a', ['', 'a=a']],
    ['k=\\,,k2=v2', ['k=\\,', 'k2=v2']],
    ['k=\\\\,k2=v2', ['k=\\\\', 'k2=v2']],
    ['k=\\\\\\,,k2=v2', ['k=\\\\\\,', 'k2=v2']],
    ['k=\\a\\b\\', ['k=\\a\\b\\']],
    ['k=\\', ['k=\\']],
    ['함=수,목=록', ['함=수', '목=록']],
  ];
  for (const [input, terms] of cases) {
    it(JSON.stringify(input), () => {
      assert.deepEqual(splitFieldTerms(input), terms);
    });
  }
});

describe('splitFieldTerm (upstream TestSplitTerm)', () => {
  const cases: [string, { lhs: string; op: string; rhs: string } | undefined][] = [
    ['a=value', { lhs: 'a', op: '=', rhs: 'value' }],
    ['b==value', { lhs: 'b', op: '==', rhs: 'value' }],
    ['c!=value', { lhs: 'c', op: '!=', rhs: 'value' }],
    ['', undefined],
    ['a', undefined],
    ['k=\\,', { lhs: 'k', op: '=', rhs: '\\,' }],
    ['k=\\=', { lhs: 'k', op: '=', rhs: '\\=' }],
    ['k=\\\\\\a\\b\\=\\,\\', { lhs: 'k', op: '=', rhs: '\\\\\\a\\b\\=\\,\\' }],
    ['함=수', { lhs: '함', op: '=', rhs: '수' }],
    ['a!==b', { lhs: 'a', op: '!=', rhs: '=b' }],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => {
      assert.deepEqual(splitFieldTerm(input), want);
    });
  }
});

describe('escapeFieldValue / unescapeFieldValue (upstream TestEscapeValue)', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['a', 'a'],
    ['=', '\\='],
    [',', '\\,'],
    ['\\', '\\\\'],
    ['\\=\\,\\', '\\\\\\=\\\\\\,\\\\'],
  ];
  for (const [raw, escaped] of cases) {
    it(JSON.stringify(raw), () => {
      assert.equal(escapeFieldValue(raw), escaped);
      assert.equal(unescapeFieldValue(escaped), raw);
    });
  }

  const invalid: [string, string][] = [
    ['\\', 'invalid field selector: invalid escape sequence: \\'],
    ['\\\\\\', 'invalid field selector: invalid escape sequence: \\'],
    ['\\a', 'invalid field selector: invalid escape sequence: \\a'],
    ['a=b', 'invalid field selector: unescaped character in value: 61'],
    ['a,b', 'invalid field selector: unescaped character in value: 44'],
  ];
  for (const [value, message] of invalid) {
    it(`rejects ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => unescapeFieldValue(value),
        (err: unknown) => err instanceof FieldSelectorError && err.message === message,
      );
    });
  }
});

describe('parseFieldSelector (upstream TestSelectorParse)', () => {
  const good = ['x=a,y=b,z=c', '', 'x!=a,y=b', 'x=a||y\\=b', 'x=a\\=\\=b'];
  for (const s of good) {
    it(`round-trips ${JSON.stringify(s)}`, () => {
      assert.equal(parseFieldSelector(s).toString(), s);
    });
  }

  const normalized: [string, string][] = [
    ['x==a', 'x=a'],
    ['b=1,a=2', 'a=2,b=1'],
    ['metadata.name=foo,spec.nodeName=', 'metadata.name=foo,spec.nodeName='],
    [',x=a,', 'x=a'],
    ['x=a\\,b', 'x=a\\,b'],
    ['a=1,a!=1', 'a!=1,a=1'],
  ];
  for (const [input, out] of normalized) {
    it(`prints ${JSON.stringify(input)} as ${JSON.stringify(out)}`, () => {
      assert.equal(parseFieldSelector(input).toString(), out);
    });
  }

  const bad: [string, string][] = [
    ['x=a||y=b', 'invalid field selector: unescaped character in value: 61'],
    ['x==a==b', 'invalid field selector: unescaped character in value: 61'],
    ['x=a,b', "invalid selector: 'x=a,b'; can't understand 'b'"],
    ['x in (a)', "invalid selector: 'x in (a)'; can't understand 'x in (a)'"],
    ['x in (a,b,c)', "invalid selector: 'x in (a,b,c)'; can't understand 'b'"],
    ['x', "invalid selector: 'x'; can't understand 'x'"],
    ['x=\\q', 'invalid field selector: invalid escape sequence: \\q'],
    ['x=a\\', 'invalid field selector: invalid escape sequence: \\'],
  ];
  for (const [input, message] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseFieldSelector(input),
        (err: unknown) => err instanceof FieldSelectorError && err.message === message,
      );
    });
  }

  it('is deterministic (TestDeterministicParse)', () => {
    assert.equal(
      parseFieldSelector('x=a,a=x').toString(),
      parseFieldSelector('a=x,x=a').toString(),
    );
  });
});

describe('matches (upstream TestSelectorMatches)', () => {
  const fieldset: Fields = { foo: 'bar', baz: 'blah', complex: '=value\\,\\' };
  const cases: [string, Fields, boolean][] = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['foo=bar', fieldset, true],
    ['baz=blah', fieldset, true],
    ['foo=bar,baz=blah', fieldset, true],
    ['foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\', fieldset, true],
    ['foo=blah', fieldset, false],
    ['baz=bar', fieldset, false],
    ['foo=bar,foobar=bar,baz=blah', fieldset, false],
    ['missing=', {}, true],
    ['missing!=', {}, false],
    ['constructor=', {}, true],
    ['spec.nodeName!=', { 'spec.nodeName': 'n1' }, true],
  ];
  for (const [sel, fields, want] of cases) {
    it(`${JSON.stringify(sel)} -> ${want}`, () => {
      assert.equal(parseFieldSelector(sel).matches(fields), want);
    });
  }

  it('oneTermEqualSelector / oneTermNotEqualSelector', () => {
    assert.equal(oneTermEqualSelector('x', 'y').matches({ x: 'y' }), true);
    assert.equal(oneTermEqualSelector('x', 'y').matches({ x: 'z' }), false);
    assert.equal(oneTermNotEqualSelector('x', 'y').matches({ x: 'z' }), true);
    assert.equal(oneTermEqualSelector('x', 'a,b').toString(), 'x=a\\,b');
  });

  it('fieldSelectorFromSet (upstream TestSetMatches)', () => {
    const labelset = { foo: 'bar', baz: 'blah' };
    assert.equal(fieldSelectorFromSet({}).matches(labelset), true);
    assert.equal(fieldSelectorFromSet({ foo: 'bar' }).matches(labelset), true);
    assert.equal(fieldSelectorFromSet({ foo: 'bar', baz: 'blah' }).matches(labelset), true);
    assert.equal(fieldSelectorFromSet({ foo: '=blah' }).matches(labelset), false);
    assert.equal(fieldSelectorFromSet({ foo: '=bar', foobar: 'bar' }).matches(labelset), false);
    assert.equal(fieldSelectorFromSet(undefined).empty(), true);
    assert.equal(fieldSelectorFromSet({}).empty(), true);
    assert.equal(fieldSelectorFromSet({ b: '1', a: '2' }).toString(), 'a=2,b=1');
  });
});

describe('empty and requiresExactMatch (upstream TestSetIsEmpty, TestRequiresExactMatch)', () => {
  it('empty', () => {
    assert.equal(everythingFields().empty(), true);
    assert.equal(everythingFields().matches({ x: 'y' }), true);
    assert.equal(oneTermEqualSelector('', '').empty(), false);
    assert.equal(oneTermNotEqualSelector('', '').empty(), false);
    assert.equal(andFieldSelectors(andFieldSelectors()).empty(), true);
    assert.equal(andFieldSelectors(oneTermEqualSelector('a', 'b')).empty(), false);
  });

  const cases: [string, FieldSelector, string, string | undefined][] = [
    ['empty set', fieldSelectorFromSet({}), 'test', undefined],
    ['empty hasTerm', oneTermEqualSelector('', ''), 'test', undefined],
    ['skipped hasTerm', oneTermEqualSelector('a', 'b'), 'test', undefined],
    ['valid hasTerm', oneTermEqualSelector('test', 'b'), 'test', 'b'],
    ['valid hasTerm no value', oneTermEqualSelector('test', ''), 'test', ''],
    ['valid notHasTerm', oneTermNotEqualSelector('test', 'b'), 'test', undefined],
    ['valid notHasTerm no value', oneTermNotEqualSelector('test', ''), 'test', undefined],
    ['empty andTerm', andFieldSelectors(), 'test', undefined],
    ['nested andTerm', andFieldSelectors(andFieldSelectors()), 'test', undefined],
    ['nested andTerm matches', andFieldSelectors(oneTermEqualSelector('test', 'b')), 'test', 'b'],
    [
      'andTerm with non-match',
      andFieldSelectors(oneTermEqualSelector('', ''), oneTermEqualSelector('test', 'b')),
      'test',
      'b',
    ],
    ['parsed', parseFieldSelector('metadata.name=x,spec.nodeName==n1'), 'spec.nodeName', 'n1'],
  ];
  for (const [name, sel, field, want] of cases) {
    it(name, () => {
      assert.equal(sel.requiresExactMatch(field), want);
    });
  }
});

describe('transform and requirements', () => {
  it('rewrites fields and values', () => {
    const s = parseAndTransformFieldSelector('name=foo,spec.host=n1', (field, value) =>
      field === 'spec.host'
        ? { field: 'spec.nodeName', value }
        : { field: `metadata.${field}`, value },
    );
    assert.equal(s.toString(), 'metadata.name=foo,spec.nodeName=n1');
    assert.equal(s.matches({ 'metadata.name': 'foo', 'spec.nodeName': 'n1' }), true);
  });

  it('drops terms transformed to empty field and value', () => {
    const s = parseFieldSelector('a=1,b!=2,c=3').transform((field, value) =>
      field === 'b' ? { field: '', value: '' } : { field, value },
    );
    assert.equal(s.toString(), 'a=1,c=3');
    const single = parseFieldSelector('a=1').transform(() => ({ field: '', value: '' }));
    assert.equal(single.empty(), true);
  });

  it('propagates errors thrown by the transform', () => {
    assert.throws(
      () =>
        parseAndTransformFieldSelector('bad=1', () => {
          throw new FieldSelectorError('field label not supported: bad');
        }),
      /field label not supported: bad/,
    );
  });

  it('lists requirements in order with = for ==', () => {
    assert.deepEqual(parseFieldSelector('b==2,a!=1').requirements(), [
      { field: 'a', operator: '!=', value: '1' },
      { field: 'b', operator: '=', value: '2' },
    ]);
    assert.deepEqual(everythingFields().requirements(), []);
  });
});
