import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileCel, CelCompileError, CelError, CelUint, isListForTest } from './test-helpers.ts';
import { typeName } from './index.ts';
import type { CelValue } from './index.ts';

/** Renders a CEL value compactly for table assertions. */
function show(v: CelValue): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return `${v}`;
  if (typeof v === 'number') return `${v}d`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof CelUint) return `${v.v}u`;
  if (v instanceof Uint8Array) return `b${JSON.stringify(new TextDecoder().decode(v))}`;
  if (isListForTest(v)) {
    const out: string[] = [];
    for (let i = 0; i < v.size; i++) out.push(show(v.get(i)));
    return `[${out.join(', ')}]`;
  }
  return typeName(v);
}

function run(src: string): string {
  try {
    return show(compileCel(src).evaluate(new Map()).value);
  } catch (e) {
    if (e instanceof CelError) return `error: ${e.message}`;
    throw e;
  }
}

// Cases after google/cel-spec tests/simple (basic, integer_math, fp_math, string, lists,
// logic, comparisons, macros, conversions) and the Kubernetes library tests.
const cases: [string, string][] = [
  // literals
  ['123', '123'],
  ['0x1F', '31'],
  ['-9223372036854775808', '-9223372036854775808'],
  ['1u', '1u'],
  ['0xffu', '255u'],
  ['1.5', '1.5d'],
  ['1e3', '1000d'],
  ['.5', '0.5d'],
  ['"a\\tb"', '"a\\tb"'],
  ["'\\u00e9\\x41\\101'", '"éAA"'],
  ["r'\\n'", '"\\\\n"'],
  ["'''a'b'''", '"a\'b"'],
  ['size(b"\\xffé")', '3'],
  ['null', 'null'],
  ['true && !false', 'true'],
  // integer math
  ['7 / 2', '3'],
  ['-7 / 2', '-3'],
  ['-7 % 3', '-1'],
  ['9223372036854775807 + 1', 'error: integer overflow'],
  ['-9223372036854775808 - 1', 'error: integer overflow'],
  ['9223372036854775807 * 2', 'error: integer overflow'],
  ['-(-9223372036854775808)', 'error: integer overflow'],
  ['1 / 0', 'error: division by zero'],
  ['1 % 0', 'error: modulus by zero'],
  ['0u - 1u', 'error: unsigned integer overflow'],
  ['1u / 0u', 'error: division by zero'],
  ['1 + 1.0', 'error: no such overload'],
  ['1 + 1u', 'error: no such overload'],
  ['1.0 / 0.0', 'Infinityd'],
  ['2.5 * 2.0', '5d'],
  // equality and comparison (heterogeneous)
  ['1 == 1.0', 'true'],
  ['1 == 1u', 'true'],
  ['1u < 2', 'true'],
  ['1.5 > 1', 'true'],
  ["1 == 'a'", 'false'],
  ['[1, 2] == [1, 2.0]', 'true'],
  ["{'a': 1} == {'a': 1}", 'true'],
  ["{'a': 1} != {'a': 2}", 'true'],
  ['null == null', 'true'],
  ["'a' < 'b'", 'true'],
  ["b'a' < b'b'", 'true'],
  ["1 < 'a'", 'error: no such overload'],
  // logic: commutative errors
  ['1 / 0 == 1 || true', 'true'],
  ['true || 1 / 0 == 1', 'true'],
  ['false && 1 / 0 == 1', 'false'],
  ['1 / 0 == 1 && false', 'false'],
  ['1 / 0 == 1 && true', 'error: division by zero'],
  ['true ? 1 : 2', '1'],
  ['1 ? 1 : 2', 'error: no such overload'],
  // strings
  ["'hello'.size()", '5'],
  ["size('héllo')", '5'],
  ["'hello' + ' ' + 'world'", '"hello world"'],
  ["'hello'.contains('ell')", 'true'],
  ["'hello'.startsWith('he') && 'hello'.endsWith('lo')", 'true'],
  ["'abc123'.matches('^[a-z]+[0-9]+$')", 'true'],
  ["matches('abc', 'b')", 'true'],
  [
    "'abc'.matches('(?=a)')",
    'error: error parsing regexp: invalid or unsupported Perl syntax: `(?=`: `(?=a)`',
  ],
  ["'foo' in ['foo', 'bar']", 'true'],
  ["'x' in {'x': 1}", 'true'],
  // strings extension
  ["'hello'.charAt(1)", '"e"'],
  ["'hello'.charAt(5)", '""'],
  ["'hello'.indexOf('l')", '2'],
  ["'hello'.lastIndexOf('l')", '3'],
  ["'hello'.indexOf('l', 3)", '3'],
  ["'hello'.indexOf('', 10)", 'error: index out of range: 10'],
  ["'TacoCat'.lowerAscii()", '"tacocat"'],
  ["'TacoCat'.upperAscii()", '"TACOCAT"'],
  ["'hello hello'.replace('he', 'we')", '"wello wello"'],
  ["'hello hello'.replace('he', 'we', 1)", '"wello hello"'],
  ["'a,b,c'.split(',')", '["a", "b", "c"]'],
  ["'a,b,c'.split(',', 2)", '["a", "b,c"]'],
  ["'tacocat'.substring(4)", '"cat"'],
  ["'tacocat'.substring(0, 4)", '"taco"'],
  ["'tacocat'.substring(4, 2)", 'error: invalid substring range. start: 4, end: 2'],
  ["'  trim\\n '.trim()", '"trim"'],
  ["['a', 'b'].join('-')", '"a-b"'],
  ["['a', 'b'].join()", '"ab"'],
  ["'%s is %d years'.format(['Ann', 30])", '"Ann is 30 years"'],
  ["'%.2f'.format([1.0 / 3.0])", '"0.33"'],
  ["strings.quote('a\"b')", '"\\"a\\\\\\"b\\""'],
  // lists and maps
  ['[1, 2, 3][1]', '2'],
  ['[1, 2, 3][3]', "error: index '3' out of range in list size '3'"],
  ["{'a': 1}['b']", 'error: no such key: b'],
  ["{'a': 1}.a", '1'],
  ['[1] + [2]', '[1, 2]'],
  ['size([1, 2])', '2'],
  ["size({'a': 1})", '1'],
  // macros
  ['[1, 2, 3].all(x, x > 0)', 'true'],
  ['[1, 2, 3].exists(x, x > 2)', 'true'],
  ['[1, 2, 3].exists_one(x, x > 1)', 'false'],
  ['[1, 2, 3].map(x, x * 2)', '[2, 4, 6]'],
  ['[1, 2, 3].map(x, x > 1, x * 10)', '[20, 30]'],
  ['[1, 2, 3].filter(x, x != 2)', '[1, 3]'],
  ["{'a': 1, 'b': 2}.all(k, k.size() == 1)", 'true'],
  ['[0, 1].exists(x, 1 / x == 1)', 'true'],
  ['[1, 0].all(x, 1 / x == 1)', 'error: division by zero'],
  ['[0, 2].all(x, 1 / x == 1)', 'false'],
  ["has({'a': 1}.a)", 'true'],
  ["has({'a': 1}.b)", 'false'],
  // lists library
  ['[1, 2, 3].isSorted()', 'true'],
  ['[3, 1].isSorted()', 'false'],
  ['[1, 2, 3].sum()', '6'],
  ['[1.5, 2.5].sum()', '4d'],
  ['[2, 1, 3].min()', '1'],
  ['[2, 1, 3].max()', '3'],
  ['[].min()', 'error: min(list) called on empty list'],
  ['[1, 2, 1].indexOf(1)', '0'],
  ['[1, 2, 1].lastIndexOf(1)', '2'],
  // regex library
  ["'abc 123 def 456'.find('[0-9]+')", '"123"'],
  ["'abc 123 def 456'.findAll('[0-9]+')", '["123", "456"]'],
  ["'abc 123 def 456'.findAll('[0-9]+', 1)", '["123"]'],
  // url library
  ["isURL('https://example.com:80/path?a=b')", 'true'],
  ["isURL('not a url')", 'false'],
  ["url('https://example.com:80/path').getScheme()", '"https"'],
  ["url('https://example.com:80/path').getHost()", '"example.com:80"'],
  ["url('https://example.com:80/path').getHostname()", '"example.com"'],
  ["url('https://example.com:80/path').getPort()", '"80"'],
  ["url('https://[::1]:80/p').getHostname()", '"::1"'],
  ["url('https://example.com/a%20b').getEscapedPath()", '"/a%20b"'],
  ["url('https://example.com/?a=1&a=2').getQuery()['a']", '["1", "2"]'],
  // quantity library
  ["quantity('1Gi').isGreaterThan(quantity('1G'))", 'true'],
  ["quantity('500m').isLessThan(quantity('1'))", 'true'],
  ["quantity('1') == quantity('1000m')", 'true'],
  ["quantity('1Gi').compareTo(quantity('1Gi'))", '0'],
  ["quantity('1.5').add(quantity('500m')).asInteger()", '2'],
  ["quantity('1').sub(1).isInteger()", 'true'],
  ["quantity('1.5').asInteger()", 'error: cannot convert value to integer'],
  ["quantity('50k').asApproximateFloat()", '50000d'],
  ["isQuantity('1.5Gi')", 'true'],
  ["isQuantity('1.5Gx')", 'false'],
  ["quantity('-1').sign()", '-1'],
  // conversions and types
  ["int('42')", '42'],
  ["int('4x')", 'error: strconv.ParseInt: parsing "4x": invalid syntax'],
  ['int(1.9)', '1'],
  ['int(1e19)', 'error: integer overflow'],
  ['uint(-1)', 'error: unsigned integer overflow'],
  ['double(1)', '1d'],
  ["double('2.5')", '2.5d'],
  ['string(1.5)', '"1.5"'],
  ['string(1u)', '"1"'],
  ["string(b'abc')", '"abc"'],
  ["bool('true')", 'true'],
  ["bytes('ab')", 'b"ab"'],
  ['type(1) == int', 'true'],
  ["type('a') == string", 'true'],
  ['type(1u) == uint && type(1.0) == double', 'true'],
  ['type([]) == list && type({}) == map', 'true'],
  ['dyn(1) == 1', 'true'],
  // duration and timestamp
  ["duration('1h30m') == duration('90m')", 'true'],
  ["string(duration('1h30m'))", '"5400s"'],
  ["string(duration('1.5s'))", '"1.5s"'],
  ["duration('1h').getMinutes()", '60'],
  ["string(timestamp('2023-01-01T00:00:00Z') + duration('36h'))", '"2023-01-02T12:00:00Z"'],
  ["timestamp('2023-03-04T05:06:07Z').getFullYear()", '2023'],
  ["timestamp('2023-03-04T05:06:07Z').getMonth()", '2'],
  ["timestamp('2023-03-04T05:06:07Z').getDayOfMonth()", '3'],
  ["timestamp('2023-03-04T05:06:07+01:00').getHours()", '4'],
  [
    "timestamp('2023-01-02T00:00:00Z') - timestamp('2023-01-01T00:00:00Z') == duration('24h')",
    'true',
  ],
  ["timestamp('2023-01-01T00:00:00Z') < timestamp('2023-01-02T00:00:00Z')", 'true'],
  ["duration('x')", 'error: time: invalid duration "x"'],
  // optionals
  ['optional.of(1).hasValue()', 'true'],
  ['optional.none().orValue(5)', '5'],
  ["{'a': 1}.?a.value()", '1'],
  ["{'a': 1}.?b.hasValue()", 'false'],
  ["{'a': {'b': 2}}.?a.b.orValue(0)", '2'],
  ['[1, 2][?5].orValue(0)', '0'],
  ['[?optional.none(), ?optional.of(1)]', '[1]'],
  // sets
  ['sets.contains([1, 2, 3], [3, 2])', 'true'],
  ['sets.equivalent([1, 2], [2, 1, 1])', 'true'],
  ['sets.intersects([1], [2])', 'false'],
];

describe('CEL expressions', () => {
  for (const [src, want] of cases) {
    it(src, () => {
      assert.equal(run(src), want);
    });
  }
});

describe('CEL compile errors', () => {
  const errs: [string, string][] = [
    [
      'a b',
      "ERROR: <input>:1:3: Syntax error: mismatched input 'b' expecting <EOF>\n | a b\n | ..^",
    ],
    [
      '1 +',
      "ERROR: <input>:1:4: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 1 +\n | ...^",
    ],
    ['foo', "ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n | foo\n | ^"],
    [
      "'a'.frob()",
      "ERROR: <input>:1:5: undeclared reference to 'frob' (in container '')\n | 'a'.frob()\n | ....^",
    ],
    [
      '[1].all(1, true)',
      'ERROR: <input>:1:9: argument must be a simple name\n | [1].all(1, true)\n | ........^',
    ],
    ['has(a)', 'ERROR: <input>:1:5: invalid argument to has() macro\n | has(a)\n | ....^'],
    ['var', 'ERROR: <input>:1:1: reserved identifier: var\n | var\n | ^'],
    [
      '9223372036854775808',
      'ERROR: <input>:1:1: invalid int literal\n | 9223372036854775808\n | ^',
    ],
    [
      '1 +\n  2 +',
      "ERROR: <input>:2:6: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n |   2 +\n | .....^",
    ],
  ];
  for (const [src, want] of errs) {
    it(JSON.stringify(src), () => {
      assert.throws(
        () => compileCel(src),
        (e: unknown) => e instanceof CelCompileError && e.message === want,
      );
    });
  }
});

describe('CEL cost limit', () => {
  it('stops a runaway expression with cel-go message', () => {
    const p = compileCel(
      '[1,2,3,4,5,6,7,8,9,10].map(x, [1,2,3,4,5,6,7,8,9,10].map(y, [1,2,3,4,5,6,7,8,9,10].map(z, x * y * z))).size() > 0',
    );
    assert.throws(() => p.evaluate(new Map(), 1000), {
      message: 'operation cancelled: actual cost limit exceeded',
    });
    assert.equal(p.evaluate(new Map()).value, true);
  });
});
