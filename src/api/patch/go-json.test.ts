import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, goSyntaxError, parseJson } from './go-json.ts';

describe('goSyntaxError: encoding/json scanner messages', () => {
  const table: [string, string | undefined][] = [
    ['{"a":1}', undefined],
    [' [1, -2.5e+3, true, false, null, "x\\u00e9\\n"] ', undefined],
    ['', 'unexpected end of JSON input'],
    ['{', 'unexpected end of JSON input'],
    ['x', "invalid character 'x' looking for beginning of value"],
    ['{a}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', `invalid character '"' after object key:value pair`],
    ['[1 2]', "invalid character '2' after array element"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
    ['"a\tb"', "invalid character '\\t' in string literal"],
    ['"\\x"', "invalid character 'x' in string escape code"],
    ['"\\u12g4"', "invalid character 'g' in \\u hexadecimal character escape"],
    ['-a', "invalid character 'a' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['1ex', "invalid character 'x' in exponent of numeric literal"],
    ['tru', 'unexpected end of JSON input'],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['nul1', "invalid character '1' in literal null (expecting 'l')"],
    ['{} {}', "invalid character '{' after top-level value"],
    ['01', "invalid character '1' after top-level value"],
    ["'a'", `invalid character '\\'' looking for beginning of value`],
  ];
  for (const [input, want] of table) {
    it(JSON.stringify(input), () => {
      assert.equal(goSyntaxError(new TextEncoder().encode(input)), want);
    });
  }
});

describe('parseJson', () => {
  it('parses strings and bytes', () => {
    assert.deepStrictEqual(parseJson('{"a":[1]}'), { a: [1] });
    assert.deepStrictEqual(parseJson(new TextEncoder().encode('"é"')), 'é');
  });
  it('throws JsonSyntaxError with the Go message', () => {
    assert.throws(
      () => parseJson('{"a":}'),
      (e: unknown) =>
        e instanceof JsonSyntaxError &&
        e.message === "invalid character '}' looking for beginning of value",
    );
  });
});
