import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  IntOrStringError,
  getScaledValueFromIntOrPercent,
  intOrStringFromInt,
  intOrStringFromJSON,
  intOrStringFromString,
  intOrStringToString,
  intOrStringValue,
  parseIntOrString,
} from './intstr.ts';
import type { IntOrString } from './intstr.ts';

describe('getScaledValueFromIntOrPercent (upstream TestGetScaledValueFromIntOrPercent)', () => {
  const cases: [IntOrString, number, boolean, number][] = [
    [intOrStringFromInt(123), 0, false, 123],
    [intOrStringFromString('90%'), 100, true, 90],
    [intOrStringFromString('90%'), 95, true, 86],
    [intOrStringFromString('90%'), 95, false, 85],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 0, true, 0],
    ['0%', 100, true, 0],
    ['100%', 7, false, 7],
    ['150%', 10, false, 15],
    ['33%', 3, true, 1],
    ['33%', 3, false, 0],
    ['-10%', 10, false, -1],
    ['+10%', 10, false, 1],
    [0, 10, true, 0],
    [-5, 10, true, -5],
  ];
  for (const [input, total, roundUp, want] of cases) {
    it(`${JSON.stringify(input)} of ${total} (roundUp=${roundUp}) = ${want}`, () => {
      assert.equal(getScaledValueFromIntOrPercent(input, total, roundUp), want);
    });
  }

  const errors: [IntOrString | undefined | null, string][] = [
    [
      '%',
      'invalid value for IntOrString: invalid value "%": strconv.Atoi: parsing "": invalid syntax',
    ],
    ['90#', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    [
      '#%',
      'invalid value for IntOrString: invalid value "#%": strconv.Atoi: parsing "#": invalid syntax',
    ],
    ['90', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    ['', 'invalid value for IntOrString: invalid type: string is not a percentage'],
    [
      ' 5%',
      'invalid value for IntOrString: invalid value " 5%": strconv.Atoi: parsing " 5": invalid syntax',
    ],
    [
      '1.5%',
      'invalid value for IntOrString: invalid value "1.5%": strconv.Atoi: parsing "1.5": invalid syntax',
    ],
    [
      '99999999999999999999%',
      'invalid value for IntOrString: invalid value "99999999999999999999%": strconv.Atoi: parsing "99999999999999999999": value out of range',
    ],
    [undefined, 'nil value for IntOrString'],
    [null, 'nil value for IntOrString'],
  ];
  for (const [input, message] of errors) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => getScaledValueFromIntOrPercent(input, 100, true),
        (err: unknown) => err instanceof IntOrStringError && err.message === message,
      );
    });
  }
});

describe('value helpers', () => {
  const values: [IntOrString, number, string][] = [
    [5, 5, '5'],
    ['5', 5, '5'],
    ['-7', -7, '-7'],
    ['25%', 0, '25%'],
    ['http', 0, 'http'],
    ['', 0, ''],
  ];
  for (const [v, int, str] of values) {
    it(`intOrStringValue/ToString(${JSON.stringify(v)})`, () => {
      assert.equal(intOrStringValue(v), int);
      assert.equal(intOrStringToString(v), str);
    });
  }

  const parsed: [string, IntOrString][] = [
    ['8080', 8080],
    ['+1', 1],
    ['-3', -3],
    ['http', 'http'],
    ['25%', '25%'],
    ['1.5', '1.5'],
    ['', ''],
  ];
  for (const [s, want] of parsed) {
    it(`parseIntOrString(${JSON.stringify(s)})`, () => {
      assert.equal(parseIntOrString(s), want);
    });
  }

  it('intOrStringFromInt rejects non-integers', () => {
    assert.throws(() => intOrStringFromInt(1.5), IntOrStringError);
  });
});

describe('intOrStringFromJSON', () => {
  it('accepts int32 numbers and strings', () => {
    assert.equal(intOrStringFromJSON(3), 3);
    assert.equal(intOrStringFromJSON(-2147483648), -2147483648);
    assert.equal(intOrStringFromJSON('25%'), '25%');
    assert.equal(intOrStringFromJSON('http'), 'http');
  });

  const bad: [unknown, string][] = [
    [1.5, 'json: cannot unmarshal number 1.5 into Go value of type int32'],
    [2147483648, 'json: cannot unmarshal number 2147483648 into Go value of type int32'],
    [true, 'json: cannot unmarshal bool into Go value of type int32'],
    [{}, 'json: cannot unmarshal object into Go value of type int32'],
    [[], 'json: cannot unmarshal array into Go value of type int32'],
    [null, 'json: cannot unmarshal null into Go value of type int32'],
  ];
  for (const [v, message] of bad) {
    it(`rejects ${JSON.stringify(v)}`, () => {
      assert.throws(
        () => intOrStringFromJSON(v),
        (err: unknown) => err instanceof IntOrStringError && err.message === message,
      );
    });
  }
});
