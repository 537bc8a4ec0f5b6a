/**
 * JSON parsing with Go's encoding/json syntax error messages ("invalid character 'x' looking
 * for beginning of value", "unexpected end of JSON input", ...), which the API server returns
 * verbatim in 400 responses to malformed patches. Valid input goes through JSON.parse; the
 * Go-compatible scanner only runs to describe a failure.
 */
import { goQuote } from '../validation/index.ts';
import type { JsonValue } from './json.ts';

/** A JSON syntax error whose message is the one Go's decoder would give. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

const EOF_MESSAGE = 'unexpected end of JSON input';

/** Go's quoteChar: a byte shown in single quotes, escaped as strconv.Quote escapes it. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const q = goQuote(String.fromCodePoint(c));
  return `'${q.slice(1, -1)}'`;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean =>
  isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Scans `b` as Go's checkValid does and returns the first error message, or undefined. */
export function goSyntaxError(b: Uint8Array): string | undefined {
  let pos = 0;
  class Stop extends Error {}
  const fail = (msg: string): never => {
    throw new Stop(msg);
  };
  const eof = (): boolean => pos >= b.length;
  const cur = (): number => {
    if (pos >= b.length) fail(EOF_MESSAGE);
    return b[pos] ?? 0;
  };
  const bad = (context: string): never => fail(`invalid character ${quoteChar(cur())} ${context}`);
  const skipWs = (): void => {
    while (!eof() && isSpace(b[pos] ?? 0)) pos++;
  };
  const digits = (): void => {
    while (!eof() && isDigit(b[pos] ?? 0)) pos++;
  };

  const literal = (word: string): void => {
    for (let i = 0; i < word.length; i++) {
      const want = word.charCodeAt(i);
      if (cur() !== want) bad(`in literal ${word} (expecting ${quoteChar(want)})`);
      pos++;
    }
  };
  const string = (): void => {
    pos++;
    for (;;) {
      const c = cur();
      if (c === 0x22) {
        pos++;
        return;
      }
      if (c === 0x5c) {
        pos++;
        const e = cur();
        if (e === 0x75) {
          pos++;
          for (let i = 0; i < 4; i++) {
            if (!isHex(cur())) bad('in \\u hexadecimal character escape');
            pos++;
          }
          continue;
        }
        if (!'bfnrt\\/"'.includes(String.fromCharCode(e))) bad('in string escape code');
        pos++;
        continue;
      }
      if (c < 0x20) bad('in string literal');
      pos++;
    }
  };
  const number = (): void => {
    if (cur() === 0x2d) {
      pos++;
      if (!isDigit(cur())) bad('in numeric literal');
    }
    if (cur() === 0x30) pos++;
    else digits();
    if (!eof() && b[pos] === 0x2e) {
      pos++;
      if (!isDigit(cur())) bad('after decimal point in numeric literal');
      digits();
    }
    if (!eof() && (b[pos] === 0x65 || b[pos] === 0x45)) {
      pos++;
      if (cur() === 0x2b || cur() === 0x2d) pos++;
      if (!isDigit(cur())) bad('in exponent of numeric literal');
      digits();
    }
  };
  const value = (): void => {
    skipWs();
    const c = cur();
    if (c === 0x7b) {
      pos++;
      skipWs();
      if (cur() === 0x7d) {
        pos++;
        return;
      }
      for (;;) {
        if (cur() !== 0x22) bad('looking for beginning of object key string');
        string();
        skipWs();
        if (cur() !== 0x3a) bad('after object key');
        pos++;
        value();
        skipWs();
        const d = cur();
        if (d === 0x2c) {
          pos++;
          skipWs();
          continue;
        }
        if (d === 0x7d) {
          pos++;
          return;
        }
        bad('after object key:value pair');
      }
    }
    if (c === 0x5b) {
      pos++;
      skipWs();
      if (cur() === 0x5d) {
        pos++;
        return;
      }
      for (;;) {
        value();
        skipWs();
        const d = cur();
        if (d === 0x2c) {
          pos++;
          continue;
        }
        if (d === 0x5d) {
          pos++;
          return;
        }
        bad('after array element');
      }
    }
    if (c === 0x22) {
      string();
      return;
    }
    if (c === 0x2d || isDigit(c)) {
      number();
      return;
    }
    if (c === 0x74) {
      literal('true');
      return;
    }
    if (c === 0x66) {
      literal('false');
      return;
    }
    if (c === 0x6e) {
      literal('null');
      return;
    }
    bad('looking for beginning of value');
  };

  try {
    value();
    skipWs();
    if (!eof()) bad('after top-level value');
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return e.message;
    throw e;
  }
}

/**
 * Parses JSON text or UTF-8 bytes. Throws JsonSyntaxError with Go's message when the input is
 * not valid JSON. Numbers become JS numbers (integers beyond 2^53 lose precision).
 */
export function parseJson(input: string | Uint8Array): JsonValue {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
    throw new JsonSyntaxError(goSyntaxError(bytes) ?? EOF_MESSAGE);
  }
}
