import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ProtobufDecodeError } from './errors.ts';
import {
  decodeDuration,
  decodeEmbeddedJSON,
  decodeIntOrString,
  decodeMicroTime,
  decodeQuantity,
  decodeStringArray,
  decodeTime,
  formatGoDuration,
  parseGoDuration,
} from './specials.ts';
import { WireReader } from './wire.ts';
import { WireWriter } from './writer.ts';

const reader = (fill: (w: WireWriter) => void): WireReader => {
  const w = new WireWriter();
  fill(w);
  return new WireReader(w.finish());
};
const ts = (seconds: number, nanos = 0): WireReader =>
  reader((w) => {
    w.tag(1, 0).int64(seconds);
    if (nanos !== 0) w.tag(2, 0).int64(nanos);
  });
const sec = (iso: string): number => Date.parse(iso) / 1000;

describe('Go duration formatting (Go time.Duration.String test table)', () => {
  const cases: [string, bigint][] = [
    ['0s', 0n],
    ['1ns', 1n],
    ['1.1µs', 1100n],
    ['2.2ms', 2_200_000n],
    ['3.3s', 3_300_000_000n],
    ['4m5s', 245_000_000_000n],
    ['4m5.001s', 245_001_000_000n],
    ['5h6m7.001s', 18_367_001_000_000n],
    ['8m0.000000001s', 480_000_000_001n],
    ['2562047h47m16.854775807s', 2n ** 63n - 1n],
    ['-2562047h47m16.854775808s', -(2n ** 63n)],
  ];
  for (const [text, ns] of cases) {
    it(text, () => {
      assert.equal(formatGoDuration(ns), text);
      assert.equal(parseGoDuration(text), ns);
      assert.equal(decodeDuration(reader((w) => w.tag(1, 0).int64BigInt(ns))), text);
    });
  }
  it('decodes an empty Duration as 0s', () => {
    assert.equal(decodeDuration(new WireReader(new Uint8Array(0))), '0s');
  });
});

describe('meta/v1 Time and MicroTime', () => {
  it('formats RFC3339 in UTC, dropping nanoseconds for Time', () => {
    assert.equal(decodeTime(ts(sec('2024-01-02T03:04:05Z'), 999_999_999)), '2024-01-02T03:04:05Z');
    assert.equal(decodeTime(ts(0)), '1970-01-01T00:00:00Z');
    assert.equal(decodeTime(ts(-1)), '1969-12-31T23:59:59Z');
  });
  it('keeps six digits of microseconds for MicroTime', () => {
    assert.equal(
      decodeMicroTime(ts(sec('2024-01-02T03:04:05Z'), 123_456_789)),
      '2024-01-02T03:04:05.123456Z',
    );
    assert.equal(decodeMicroTime(ts(sec('2024-01-02T03:04:05Z'))), '2024-01-02T03:04:05.000000Z');
    // nanos outside [0, 1e9) are normalised like Go's time.Unix
    assert.equal(decodeMicroTime(ts(10, -1000)), '1970-01-01T00:00:09.999999Z');
  });
  it('maps the empty message and Go zero time to null', () => {
    assert.equal(decodeTime(new WireReader(new Uint8Array(0))), null);
    assert.equal(decodeMicroTime(new WireReader(new Uint8Array(0))), null);
    assert.equal(decodeTime(ts(-62135596800)), null);
    assert.equal(decodeMicroTime(ts(-62135596800, 999)), null);
  });
  it('rejects times JSON cannot carry (years beyond 9999)', () => {
    assert.throws(() => decodeTime(ts(sec('9999-12-31T23:59:59Z') + 1)), ProtobufDecodeError);
    assert.equal(decodeTime(ts(sec('9999-12-31T23:59:59Z'))), '9999-12-31T23:59:59Z');
  });
  it('rejects a wrong wire type for seconds', () => {
    assert.throws(() => decodeTime(reader((w) => w.tag(1, 2).string('x'))), /wrong wire type/);
  });
});

describe('resource.Quantity', () => {
  const q = (s: string): WireReader => reader((w) => w.tag(1, 2).string(s));
  const cases: [string, string][] = [
    ['1', '1'],
    ['1Gi', '1Gi'],
    ['100m', '100m'],
    ['1000m', '1'],
    ['0.5', '500m'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => {
      assert.equal(decodeQuantity(q(input)), want);
    });
  }
  it('decodes the empty message as zero', () => {
    assert.equal(decodeQuantity(new WireReader(new Uint8Array(0))), '0');
  });
  it('rejects an unparsable quantity, as upstream Unmarshal does', () => {
    assert.throws(() => decodeQuantity(q('abc')), ProtobufDecodeError);
    assert.throws(() => decodeQuantity(q('')), ProtobufDecodeError);
  });
});

describe('intstr.IntOrString', () => {
  it('type 0 is the int value, type 1 the string value', () => {
    const int = reader((w) => w.tag(1, 0).int64(0).tag(2, 0).int64(8080).tag(3, 2).string(''));
    assert.equal(decodeIntOrString(int), 8080);
    const str = reader((w) => w.tag(1, 0).int64(1).tag(2, 0).int64(0).tag(3, 2).string('50%'));
    assert.equal(decodeIntOrString(str), '50%');
    assert.equal(decodeIntOrString(new WireReader(new Uint8Array(0))), 0);
  });
  it('rejects other types', () => {
    assert.throws(() => decodeIntOrString(reader((w) => w.tag(1, 0).int64(2))), /impossible/);
  });
});

describe('RawExtension / FieldsV1 / StringArray', () => {
  it('embeds the JSON held in raw', () => {
    const raw = reader((w) => w.tag(1, 2).string('{"a":[1,"x"]}'));
    assert.deepEqual(decodeEmbeddedJSON(raw, 'RawExtension'), { a: [1, 'x'] });
    assert.equal(decodeEmbeddedJSON(new WireReader(new Uint8Array(0)), 'RawExtension'), null);
  });
  it('rejects raw bytes that are not JSON, including deeply nested garbage', () => {
    const bad = reader((w) => w.tag(1, 2).string('{nope'));
    assert.throws(() => decodeEmbeddedJSON(bad, 'RawExtension'), ProtobufDecodeError);
    const deep = reader((w) => w.tag(1, 2).string('['.repeat(200_000)));
    assert.throws(() => decodeEmbeddedJSON(deep, 'FieldsV1'), ProtobufDecodeError);
  });
  it('decodes a repeated-string message as an array', () => {
    const r = reader((w) => w.tag(1, 2).string('a').tag(1, 2).string('b'));
    assert.deepEqual(decodeStringArray(r), ['a', 'b']);
  });
});
