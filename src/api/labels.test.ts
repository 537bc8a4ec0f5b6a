import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  LabelSelectorError,
  SelectionOperator,
  Requirement,
  everything,
  labelSelectorAsSelector,
  labelSelectorToString,
  lexLabelSelector,
  matchesNothing,
  newRequirement,
  nothing,
  parseSelector,
  parseToRequirements,
  selectorFromSet,
  validatedSelectorFromSet,
} from './labels.ts';
import type { Labels } from './labels.ts';

const QUALIFIED_NAME_ERR =
  "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function req(key: string, op: string, values: string[] = []): Requirement {
  return newRequirement(key, op, values);
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LabelSelectorError, `unexpected error type: ${String(err)}`);
    return err.message;
  }
  assert.fail('expected an error');
}

describe('parseSelector: upstream TestSelectorParse', () => {
  const good = [
    'x=a,y=b,z=c',
    '',
    'x!=a,y=b',
    'x=',
    'x= ',
    'x=,z= ',
    'x= ,z= ',
    '!x',
    'x>1',
    'x>1,z<5',
  ];
  for (const s of good) {
    it(`parses ${JSON.stringify(s)} and re-prints it without spaces`, () => {
      assert.equal(parseSelector(s).toString(), s.replaceAll(' ', ''));
    });
  }
  const bad = ['x=a||y=b', 'x==a==b', '!x=a', 'x<a'];
  for (const s of bad) {
    it(`rejects ${JSON.stringify(s)}`, () => {
      assert.throws(() => parseSelector(s), LabelSelectorError);
    });
  }

  it('is deterministic (TestDeterministicParse)', () => {
    assert.equal(parseSelector('x=a,a=x').toString(), parseSelector('a=x,x=a').toString());
    assert.equal(parseSelector('x=a,a=x').toString(), 'a=x,x=a');
  });
});

describe('matches: upstream TestSelectorMatches', () => {
  const cases: [string, Labels, boolean][] = [
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x<1', { x: '2' }, false],
    ['foo=bar', { foo: 'bar', baz: 'blah' }, true],
    ['baz=blah', { foo: 'bar', baz: 'blah' }, true],
    ['foo=bar,baz=blah', { foo: 'bar', baz: 'blah' }, true],
    ['foo=blah', { foo: 'bar', baz: 'blah' }, false],
    ['baz=bar', { foo: 'bar', baz: 'blah' }, false],
    ['foo=bar,foobar=bar,baz=blah', { foo: 'bar', baz: 'blah' }, false],
    // more: set-based, empty values, integers
    ['x in (a,b)', { x: 'b' }, true],
    ['x in (a,b)', { x: 'c' }, false],
    ['x in (a,b)', {}, false],
    ['x notin (a,b)', { x: 'c' }, true],
    ['x notin (a,b)', {}, true],
    ['x notin (a,b)', { x: 'a' }, false],
    ['x=', { x: '' }, true],
    ['x=', {}, false],
    ['x!=', {}, true],
    ['x in ()', { x: '' }, true],
    ['x>1', { x: 'v2' }, false],
    ['x>1', {}, false],
    ['x<9223372036854775807', { x: '9223372036854775806' }, true],
    ['x>1', { x: '9223372036854775808' }, false],
    ['x>0', { x: '-4' }, false],
    ['x<0', { x: '-4' }, true],
    ['x>0', { x: '+4' }, true],
    ['constructor', {}, false],
    ['!toString', {}, true],
    ['example.com/app=web', { 'example.com/app': 'web' }, true],
    ['x==y', { x: 'y' }, true],
  ];
  for (const [sel, labels, want] of cases) {
    it(`${JSON.stringify(sel)} on ${JSON.stringify(labels)} -> ${want}`, () => {
      assert.equal(parseSelector(sel).matches(labels), want);
    });
  }
});

describe('selectorFromSet (upstream TestSetMatches and friends)', () => {
  const labelset = { foo: 'bar', baz: 'blah' };
  const cases: [Labels, boolean][] = [
    [{}, true],
    [{ foo: 'bar' }, true],
    [{ baz: 'blah' }, true],
    [{ foo: 'bar', baz: 'blah' }, true],
    [{ foo: 'blah' }, false],
    [{ foo: 'bar', foobar: 'bar' }, false],
  ];
  for (const [set, want] of cases) {
    it(`${JSON.stringify(set)} -> ${want}`, () => {
      assert.equal(selectorFromSet(set).matches(labelset), want);
    });
  }

  it('nil and empty sets are everything', () => {
    assert.equal(selectorFromSet(undefined).empty(), true);
    assert.equal(selectorFromSet(null).empty(), true);
    assert.equal(selectorFromSet({}).empty(), true);
    assert.equal(selectorFromSet({}).toString(), '');
  });

  it('prints sorted by key', () => {
    assert.equal(selectorFromSet({ z: '1', a: '2', m: '' }).toString(), 'a=2,m=,z=1');
  });

  it('does not validate, while validatedSelectorFromSet does', () => {
    assert.equal(selectorFromSet({ a: 'b c' }).toString(), 'a=b c');
    assert.equal(
      errorOf(() => validatedSelectorFromSet({ a: 'b c' })),
      `values[0][a]: Invalid value: "b c": ${LABEL_VALUE_ERR}`,
    );
    assert.equal(validatedSelectorFromSet({ b: '1', a: '2' }).toString(), 'a=2,b=1');
  });
});

describe('everything and nothing', () => {
  it('everything matches all and is empty', () => {
    assert.equal(everything().matches({ x: 'y' }), true);
    assert.equal(everything().empty(), true);
    assert.equal(everything().toString(), '');
    assert.deepEqual(everything().requirements(), { requirements: [], selectable: true });
  });

  it('nothing matches nothing and is not empty', () => {
    assert.equal(nothing().matches({}), false);
    assert.equal(nothing().matches({ x: 'y' }), false);
    assert.equal(nothing().empty(), false);
    assert.equal(nothing().toString(), '');
    assert.equal(nothing().requirements().selectable, false);
    assert.equal(nothing().add(req('x', SelectionOperator.Exists)), nothing());
    assert.equal(nothing().requiresExactMatch('x'), undefined);
    assert.equal(matchesNothing(nothing()), true);
    assert.equal(matchesNothing(everything()), false);
    assert.equal(matchesNothing(parseSelector('x')), false);
  });
});

describe('lexer: upstream TestLexer and TestLexerSequence', () => {
  const single: [string, string | undefined][] = [
    ['', undefined],
    [',', 'Comma'],
    ['notin', 'NotIn'],
    ['in', 'In'],
    ['=', 'Equals'],
    ['==', 'DoubleEquals'],
    ['>', 'GreaterThan'],
    ['<', 'LessThan'],
    ['!', 'DoesNotExist'],
    ['!=', 'NotEquals'],
    ['(', 'OpenPar'],
    [')', 'ClosedPar'],
    ['~', 'Identifier'],
    ['||', 'Identifier'],
  ];
  for (const [s, tok] of single) {
    it(`lexes ${JSON.stringify(s)}`, () => {
      const items = lexLabelSelector(s);
      if (tok === undefined) {
        assert.deepEqual(items, []);
      } else {
        assert.deepEqual(items, [{ tok, literal: s }]);
      }
    });
  }

  const sequences: [string, string[]][] = [
    ['key in ( value )', ['Identifier', 'In', 'OpenPar', 'Identifier', 'ClosedPar']],
    ['key notin ( value )', ['Identifier', 'NotIn', 'OpenPar', 'Identifier', 'ClosedPar']],
    [
      'key in ( value1, value2 )',
      ['Identifier', 'In', 'OpenPar', 'Identifier', 'Comma', 'Identifier', 'ClosedPar'],
    ],
    ['key', ['Identifier']],
    ['!key', ['DoesNotExist', 'Identifier']],
    ['()', ['OpenPar', 'ClosedPar']],
    ['x in (),y', ['Identifier', 'In', 'OpenPar', 'ClosedPar', 'Comma', 'Identifier']],
    [
      '== != (), = notin',
      ['DoubleEquals', 'NotEquals', 'OpenPar', 'ClosedPar', 'Comma', 'Equals', 'NotIn'],
    ],
    ['key>2', ['Identifier', 'GreaterThan', 'Identifier']],
    ['key<1', ['Identifier', 'LessThan', 'Identifier']],
    ['a=(', ['Identifier', 'Equals', 'OpenPar']],
    ['!==', ['NotEquals', 'Equals']],
  ];
  for (const [s, toks] of sequences) {
    it(`lexes ${JSON.stringify(s)}`, () => {
      assert.deepEqual(
        lexLabelSelector(s).map((i) => i.tok),
        toks,
      );
    });
  }
});

describe('newRequirement: upstream TestRequirementConstructor', () => {
  const cases: [string, string, string[] | null, boolean][] = [
    ['x', SelectionOperator.In, null, false],
    ['x', SelectionOperator.NotIn, [], false],
    ['x', SelectionOperator.In, ['foo'], true],
    ['x', SelectionOperator.NotIn, ['foo'], true],
    ['x', SelectionOperator.Exists, null, true],
    ['x', SelectionOperator.DoesNotExist, null, true],
    ['1foo', SelectionOperator.In, ['bar'], true],
    ['1234', SelectionOperator.In, ['bar'], true],
    ['y', SelectionOperator.GreaterThan, ['1'], true],
    ['z', SelectionOperator.LessThan, ['6'], true],
    ['foo', SelectionOperator.GreaterThan, ['bar'], false],
    ['barz', SelectionOperator.LessThan, ['blah'], false],
    ['a'.repeat(254), SelectionOperator.Exists, null, false],
    ['x', SelectionOperator.Equals, ['a', 'b'], false],
    ['x', SelectionOperator.Exists, ['a'], false],
    ['x', 'like', ['a'], false],
    ['x', SelectionOperator.In, ['a b'], false],
    ['x', SelectionOperator.In, ['a', ''], true],
  ];
  for (const [key, op, values, ok] of cases) {
    it(`${key.slice(0, 10)} ${op} ${JSON.stringify(values)} -> ${ok ? 'ok' : 'error'}`, () => {
      if (ok) {
        assert.doesNotThrow(() => newRequirement(key, op, values));
      } else {
        assert.throws(() => newRequirement(key, op, values), LabelSelectorError);
      }
    });
  }

  const messages: [string, string, string[] | null, string][] = [
    [
      'x',
      SelectionOperator.In,
      null,
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      'x',
      SelectionOperator.NotIn,
      [],
      "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      'x',
      SelectionOperator.Equals,
      ['a', 'b'],
      'values: Invalid value: []string{"a", "b"}: exact-match compatibility requires one single value',
    ],
    [
      'x',
      SelectionOperator.Exists,
      ['a'],
      'values: Invalid value: []string{"a"}: values set must be empty for exists and does not exist',
    ],
    [
      'foo',
      SelectionOperator.GreaterThan,
      ['bar'],
      `values[0]: Invalid value: "bar": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
    [
      'x',
      SelectionOperator.GreaterThan,
      ['1', '2'],
      'values: Invalid value: []string{"1", "2"}: for \'Gt\', \'Lt\' operators, exactly one value is required',
    ],
    [
      'x',
      'like',
      [],
      'operator: Unsupported value: "like": supported values: "in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!"',
    ],
    ['a/b/c', SelectionOperator.Exists, [], `key: Invalid value: "a/b/c": ${QUALIFIED_NAME_ERR}`],
    ['/x', SelectionOperator.Exists, [], 'key: Invalid value: "/x": prefix part must be non-empty'],
    ['x', SelectionOperator.In, ['a b'], `values[0][x]: Invalid value: "a b": ${LABEL_VALUE_ERR}`],
    [
      '-x',
      SelectionOperator.In,
      [''],
      "key: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
    [
      'x',
      SelectionOperator.In,
      ['a'.repeat(64)],
      `values[0][x]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`,
    ],
    [
      '-x',
      SelectionOperator.In,
      [],
      `[key: Invalid value: "-x": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty]`,
    ],
  ];
  for (const [key, op, values, message] of messages) {
    it(`reports ${message.slice(0, 50)}...`, () => {
      assert.equal(
        errorOf(() => newRequirement(key, op, values)),
        message,
      );
    });
  }

  it('prefixes field paths when given one', () => {
    assert.equal(
      errorOf(() =>
        newRequirement('x', SelectionOperator.In, [], 'spec.selector.matchExpressions[0]'),
      ),
      "spec.selector.matchExpressions[0].values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty",
    );
  });

  it('exposes field errors', () => {
    try {
      newRequirement('x', SelectionOperator.In, ['a b', 'c d']);
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof LabelSelectorError);
      assert.deepEqual(
        err.fieldErrors.map((e) => e.field),
        ['values[0][x]', 'values[1][x]'],
      );
    }
  });
});

describe('toString: upstream TestToString', () => {
  const cases: [Requirement[], string][] = [
    [
      [
        req('x', SelectionOperator.In, ['abc', 'def']),
        req('y', SelectionOperator.NotIn, ['jkl']),
        req('z', SelectionOperator.Exists),
      ],
      'x in (abc,def),y notin (jkl),z',
    ],
    [
      [
        req('x', SelectionOperator.NotIn, ['abc', 'def']),
        req('y', SelectionOperator.NotEquals, ['jkl']),
        req('z', SelectionOperator.DoesNotExist),
      ],
      'x notin (abc,def),y!=jkl,!z',
    ],
    [
      [
        req('x', SelectionOperator.NotIn, ['abc']),
        req('y', SelectionOperator.In, ['jkl', 'mno']),
        req('z', SelectionOperator.NotIn, ['']),
      ],
      'x notin (abc),y in (jkl,mno),z notin ()',
    ],
    [
      [
        req('x', SelectionOperator.Equals, ['abc']),
        req('y', SelectionOperator.DoubleEquals, ['jkl']),
        req('z', SelectionOperator.NotEquals, ['a']),
        req('z', SelectionOperator.Exists),
      ],
      'x=abc,y==jkl,z!=a,z',
    ],
    [
      [
        req('x', SelectionOperator.GreaterThan, ['2']),
        req('y', SelectionOperator.LessThan, ['8']),
        req('z', SelectionOperator.Exists),
      ],
      'x>2,y<8,z',
    ],
    [[req('x', SelectionOperator.In, ['def', 'abc'])], 'x in (abc,def)'],
  ];
  for (const [reqs, out] of cases) {
    it(out, () => {
      assert.equal(
        everything()
          .add(...reqs)
          .toString(),
        out,
      );
    });
  }

  it('sorts values for printing without reordering the requirement', () => {
    const r = req('x', SelectionOperator.In, ['b', 'a']);
    assert.equal(r.toString(), 'x in (a,b)');
    assert.deepEqual(r.values, ['b', 'a']);
    assert.deepEqual(r.sortedValues(), ['a', 'b']);
  });
});

describe('Requirement.matches: upstream TestRequirementSelectorMatching', () => {
  const cases: [Labels, Requirement[], boolean][] = [
    [
      { x: 'foo', y: 'baz' },
      [req('x', SelectionOperator.In, ['foo']), req('y', SelectionOperator.NotIn, ['alpha'])],
      true,
    ],
    [
      { x: 'foo', y: 'baz' },
      [req('x', SelectionOperator.In, ['foo']), req('y', SelectionOperator.In, ['alpha'])],
      false,
    ],
    [
      { y: '' },
      [req('x', SelectionOperator.NotIn, ['']), req('y', SelectionOperator.Exists)],
      true,
    ],
    [
      { y: '' },
      [req('x', SelectionOperator.DoesNotExist), req('y', SelectionOperator.Exists)],
      true,
    ],
    [
      { y: '' },
      [req('x', SelectionOperator.NotIn, ['']), req('y', SelectionOperator.DoesNotExist)],
      false,
    ],
    [{ y: 'baz' }, [req('x', SelectionOperator.In, [''])], false],
    [{ z: '2' }, [req('z', SelectionOperator.GreaterThan, ['1'])], true],
    [{ z: 'v2' }, [req('z', SelectionOperator.GreaterThan, ['1'])], false],
  ];
  cases.forEach(([labels, reqs, want], i) => {
    it(`case ${i}`, () => {
      assert.equal(
        everything()
          .add(...reqs)
          .matches(labels),
        want,
      );
    });
  });
});

describe('parse: upstream TestSetSelectorParser', () => {
  const valid: [string, string][] = [
    ['', ''],
    ['\rx', 'x'],
    ['this-is-a-dns.domain.com/key-with-dash', 'this-is-a-dns.domain.com/key-with-dash'],
    [
      'this-is-another-dns.domain.com/key-with-dash in (so,what)',
      'this-is-another-dns.domain.com/key-with-dash in (so,what)',
    ],
    [
      '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
      '0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)',
    ],
    ['foo  in\t (abc)', 'foo in (abc)'],
    ['x notin\n (abc)', 'x notin (abc)'],
    ['x  notin\t\t\t(abc,def)', 'x notin (abc,def)'],
    ['x in (abc,def)', 'x in (abc,def)'],
    ['x in (abc,)', 'x in (,abc)'],
    ['x in ()', 'x in ()'],
    ['x notin (abc,def),bar,z in (),w', 'bar,w,x notin (abc,def),z in ()'],
    ['x,y in (a)', 'x,y in (a)'],
    ['x=a', 'x=a'],
    ['x>1', 'x>1'],
    ['x<7', 'x<7'],
    ['x=a,y!=b', 'x=a,y!=b'],
    ['x=a,y!=b,z in (h,i,j)', 'x=a,y!=b,z in (h,i,j)'],
    ['x notin ( )', 'x notin ()'],
    ['x notin (, a)', 'x notin (,a)'],
    ['a ', 'a'],
    ['a in (x,y,notin, z,in)', 'a in (in,notin,x,y,z)'],
    ['a in (b,b,a)', 'a in (a,b)'],
    ['a in (b,,c)', 'a in (,b,c)'],
    ['a in (,)', 'a in ()'],
    ['z,a,m', 'a,m,z'],
    ['a,!a', 'a,!a'],
    ['in=notin', 'in=notin'],
    ['x in (in)', 'x in (in)'],
  ];
  for (const [input, out] of valid) {
    it(`parses ${JSON.stringify(input)}`, () => {
      assert.equal(parseSelector(input).toString(), out);
    });
  }

  // The upstream "x notin (abc,def),bar,..." case: '(abc,def)' has no empty value.
  it('keeps values of set-based requirements', () => {
    const reqs = parseToRequirements('x notin (abc,def),bar,z in (),w');
    assert.deepEqual(
      reqs.map((r) => [r.key, r.operator, [...r.values]]),
      [
        ['bar', 'exists', []],
        ['w', 'exists', []],
        ['x', 'notin', ['abc', 'def']],
        ['z', 'in', ['']],
      ],
    );
  });

  const invalid: [string, string][] = [
    [
      'x=a||y=b',
      `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${LABEL_VALUE_ERR}`,
    ],
    ['x,y,', "found '', expected: identifier after ','"],
    [',x,y', "found ',', expected: !, identifier, or 'end of string'"],
    [
      'x nott in (y)',
      "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt",
    ],
    ['a in (xyz),', "found '', expected: identifier after ','"],
    ['a in (xyz)b notin ()', "found 'b', expected: ',' or 'end of string'"],
    ['a in (xyz abc)', "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ['a notin(', "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ['a (', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
    ['(', "found '(', expected: !, identifier, or 'end of string'"],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    [
      'x<a',
      "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    ['a/b/c', `unable to parse requirement: <nil>: Invalid value: "a/b/c": ${QUALIFIED_NAME_ERR}`],
    [
      '!a/b/c=d',
      `unable to parse requirement: <nil>: Invalid value: "a/b/c": ${QUALIFIED_NAME_ERR}`,
    ],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in (a=', "unable to parse requirement: found '=', expected: ',' or ')'"],
    ['x in (=', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
    ['x in (,=', "unable to parse requirement: found '=', expected: ',', or identifier"],
    ['x=(', "unable to parse requirement: found '(', expected: identifier"],
    ['!', "unable to parse requirement: found '', expected: identifier"],
    ['!!x', "unable to parse requirement: found '!', expected: identifier"],
    ['x in (a)) ', "found ')', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['x>-5', `unable to parse requirement: values[0][x]: Invalid value: "-5": ${LABEL_VALUE_ERR}`],
    ['x!', "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"],
    [
      'x>9223372036854775808',
      "unable to parse requirement: values[0]: Invalid value: \"9223372036854775808\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
  ];
  for (const [input, message] of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.equal(
        errorOf(() => parseSelector(input)),
        message,
      );
    });
  }
});

describe('add, requirements, requiresExactMatch', () => {
  it('add returns a new sorted selector (upstream TestAdd)', () => {
    const base = everything();
    const s1 = base.add(req('key', SelectionOperator.In, ['value']));
    assert.equal(s1.toString(), 'key in (value)');
    const s2 = s1.add(req('key2', SelectionOperator.Equals, ['value2']));
    assert.equal(s2.toString(), 'key in (value),key2=value2');
    const s3 = s2.add(req('a', SelectionOperator.Exists));
    assert.equal(s3.toString(), 'a,key in (value),key2=value2');
    assert.equal(s1.toString(), 'key in (value)');
    assert.equal(base.empty(), true);
  });

  it('requirements() exposes sorted requirements', () => {
    const { requirements, selectable } = parseSelector('b=1,a in (x,y),!c').requirements();
    assert.equal(selectable, true);
    assert.deepEqual(
      requirements.map((r) => r.toString()),
      ['a in (x,y)', 'b=1', '!c'],
    );
    assert.ok(requirements.every((r) => r instanceof Requirement));
  });

  const exact: [string, string, string | undefined][] = [
    ['a=b', 'a', 'b'],
    ['a==b', 'a', 'b'],
    ['a in (b)', 'a', 'b'],
    ['a in (b,c)', 'a', undefined],
    ['a!=b', 'a', undefined],
    ['a', 'a', undefined],
    ['a=b', 'c', undefined],
    ['a=', 'a', ''],
    ['x=1,a=b', 'x', '1'],
    ['', 'a', undefined],
  ];
  for (const [sel, label, want] of exact) {
    it(`requiresExactMatch(${JSON.stringify(sel)}, ${label})`, () => {
      assert.equal(parseSelector(sel).requiresExactMatch(label), want);
    });
  }

  it('Requirement.equal compares key, operator and values in order', () => {
    assert.equal(req('a', '=', ['b']).equal(req('a', '=', ['b'])), true);
    assert.equal(req('a', '=', ['b']).equal(req('a', '==', ['b'])), false);
    assert.equal(req('a', 'in', ['b', 'c']).equal(req('a', 'in', ['c', 'b'])), false);
  });
});

describe('labelSelectorAsSelector (upstream TestLabelSelectorAsSelector)', () => {
  it('nil selects nothing and empty selects everything', () => {
    assert.equal(labelSelectorAsSelector(undefined), nothing());
    assert.equal(labelSelectorAsSelector(null), nothing());
    assert.equal(labelSelectorAsSelector({}), everything());
    assert.equal(labelSelectorAsSelector({ matchLabels: {}, matchExpressions: [] }), everything());
    assert.equal(labelSelectorToString(undefined), '');
  });

  const cases: [Parameters<typeof labelSelectorAsSelector>[0], string][] = [
    [
      {
        matchLabels: { foo: 'bar' },
        matchExpressions: [{ key: 'baz', operator: 'In', values: ['qux', 'norf'] }],
      },
      'baz in (norf,qux),foo=bar',
    ],
    [
      {
        matchLabels: { foo: 'bar' },
        matchExpressions: [{ key: 'baz', operator: 'NotIn', values: ['qux', 'norf'] }],
      },
      'baz notin (norf,qux),foo=bar',
    ],
    [
      {
        matchLabels: { foo: 'bar' },
        matchExpressions: [{ key: 'baz', operator: 'Exists' }],
      },
      'baz,foo=bar',
    ],
    [
      {
        matchLabels: { foo: 'bar' },
        matchExpressions: [{ key: 'baz', operator: 'DoesNotExist', values: [] }],
      },
      '!baz,foo=bar',
    ],
    [{ matchLabels: { b: '2', a: '1', c: '' } }, 'a=1,b=2,c='],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] }, 'app in (web)'],
  ];
  for (const [ls, out] of cases) {
    it(out, () => {
      assert.equal(labelSelectorAsSelector(ls).toString(), out);
    });
  }

  it('matches like the API describes', () => {
    const s = labelSelectorAsSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    assert.equal(s.matches({ app: 'web', tier: 'edge' }), true);
    assert.equal(s.matches({ app: 'web', tier: 'edge', canary: 'true' }), false);
    assert.equal(s.matches({ app: 'web', tier: 'backend' }), false);
    assert.equal(s.matches({ tier: 'edge' }), false);
  });

  const errors: [Parameters<typeof labelSelectorAsSelector>[0], string][] = [
    [
      { matchExpressions: [{ key: 'foo', operator: 'exists', values: ['qux', 'norf'] }] },
      '"exists" is not a valid label selector operator',
    ],
    [
      { matchExpressions: [{ key: 'foo', operator: 'Gt', values: ['1'] }] },
      '"Gt" is not a valid label selector operator',
    ],
    [
      { matchExpressions: [{ key: 'foo', operator: 'In' }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'foo', operator: 'NotIn', values: [] }] },
      "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    ],
    [
      { matchExpressions: [{ key: 'foo', operator: 'Exists', values: ['a'] }] },
      'values: Invalid value: []string{"a"}: values set must be empty for exists and does not exist',
    ],
    [
      { matchLabels: { 'a b': 'c' } },
      `key: Invalid value: "a b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
    [{ matchLabels: { b: '-', a: '-' } }, `values[0][a]: Invalid value: "-": ${LABEL_VALUE_ERR}`],
  ];
  for (const [ls, message] of errors) {
    it(`rejects ${JSON.stringify(ls)}`, () => {
      assert.equal(
        errorOf(() => labelSelectorAsSelector(ls)),
        message,
      );
    });
  }
});
