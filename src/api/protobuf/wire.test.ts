import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ProtobufDecodeError } from './errors.ts';
import { WireReader, WireType } from './wire.ts';
import { WireWriter } from './writer.ts';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('WireReader varints', () => {
  const cases: { name: string; input: number[]; int32: number; int64: bigint }[] = [
    { name: 'zero', input: [0x00], int32: 0, int64: 0n },
    { name: 'one byte', input: [0x7f], int32: 127, int64: 127n },
    { name: 'two bytes (300)', input: [0xac, 0x02], int32: 300, int64: 300n },
    {
      name: 'int32 max',
      input: [0xff, 0xff, 0xff, 0xff, 0x07],
      int32: 2147483647,
      int64: 2147483647n,
    },
    {
      name: 'negative int32 as ten bytes',
      input: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      int32: -1,
      int64: -1n,
    },
    {
      name: 'int32 min',
      input: [0x80, 0x80, 0x80, 0x80, 0xf8, 0xff, 0xff, 0xff, 0xff, 0x01],
      int32: -2147483648,
      int64: -2147483648n,
    },
    {
      name: '2^53-1',
      input: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f],
      int32: -1,
      int64: 9007199254740991n,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(new WireReader(bytes(...c.input)).readInt32(), c.int32);
      assert.equal(new WireReader(bytes(...c.input)).readInt64BigInt(), c.int64);
      assert.equal(new WireReader(bytes(...c.input)).readInt64(), Number(c.int64));
    });
  }

  it('reads uint64 max exactly through BigInt', () => {
    const r = new WireReader(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
    assert.equal(r.readUint64(), 18446744073709551615n);
    assert.ok(r.done());
  });

  it('rejects an int64 a JSON number cannot hold exactly', () => {
    const twoTo53 = bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10);
    assert.throws(() => new WireReader(twoTo53).readInt64(), ProtobufDecodeError);
  });

  it('rejects an eleven-byte varint and a truncated one', () => {
    const long = bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
    assert.throws(() => new WireReader(long).readInt64BigInt(), /overflows 64 bits/);
    assert.throws(() => new WireReader(bytes(0x80, 0x80)).readInt32(), /unexpected end/);
    assert.throws(() => new WireReader(bytes()).readInt32(), ProtobufDecodeError);
  });

  it('round-trips through WireWriter', () => {
    for (const v of [0n, 1n, 150n, -1n, -150n, 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n]) {
      const w = new WireWriter().int64BigInt(v).finish();
      assert.equal(new WireReader(w).readInt64BigInt(), v, String(v));
    }
  });
});

describe('WireReader tags, lengths and skipping', () => {
  it('rejects field number 0 and tags wider than 32 bits', () => {
    assert.throws(() => new WireReader(bytes(0x02)).readTag(), /illegal field tag/);
    assert.throws(
      () => new WireReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).readTag(),
      /illegal field tag/,
    );
  });

  it('checks lengths against the bytes that remain', () => {
    assert.throws(() => new WireReader(bytes(0x05, 0x61, 0x62)).readBytes(), /past the end/);
    // A length near 2^64 must not be treated as a small or negative number.
    const huge = bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    assert.throws(() => new WireReader(huge).readBytes(), /past the end/);
    const ok = new WireReader(bytes(0x02, 0x61, 0x62));
    assert.deepEqual([...ok.readBytes()], [0x61, 0x62]);
    assert.ok(ok.done());
  });

  it('respects the end of a sub-range', () => {
    const r = new WireReader(bytes(0x03, 0x61, 0x62, 0x63), 0, 3);
    assert.throws(() => r.readBytes(), ProtobufDecodeError);
  });

  const skips: { name: string; wireType: number; input: number[]; consumed: number }[] = [
    { name: 'varint', wireType: WireType.Varint, input: [0x96, 0x01, 0xaa], consumed: 2 },
    {
      name: 'fixed64',
      wireType: WireType.Fixed64,
      input: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      consumed: 8,
    },
    { name: 'fixed32', wireType: WireType.Fixed32, input: [1, 2, 3, 4, 5], consumed: 4 },
    {
      name: 'length-delimited',
      wireType: WireType.LengthDelimited,
      input: [2, 9, 9, 7],
      consumed: 3,
    },
    // start group (already read), then field 2 varint, nested group 3 {}, end group
    {
      name: 'group with a nested group',
      wireType: WireType.StartGroup,
      input: [0x10, 0x01, 0x1b, 0x1c, 0x0c, 0x99],
      consumed: 5,
    },
  ];
  for (const c of skips) {
    it(`skips ${c.name}`, () => {
      const r = new WireReader(bytes(...c.input));
      r.skip(c.wireType);
      assert.equal(r.pos, c.consumed);
    });
  }

  it('rejects truncated skips, stray end groups and wire types 6 and 7', () => {
    assert.throws(() => {
      new WireReader(bytes(1, 2, 3)).skip(WireType.Fixed64);
    }, ProtobufDecodeError);
    assert.throws(() => {
      new WireReader(bytes(1, 2)).skip(WireType.Fixed32);
    }, ProtobufDecodeError);
    assert.throws(() => {
      new WireReader(bytes()).skip(WireType.EndGroup);
    }, /end of group/);
    assert.throws(() => {
      new WireReader(bytes(0x10)).skip(WireType.StartGroup);
    }, ProtobufDecodeError);
    assert.throws(() => {
      new WireReader(bytes()).skip(6);
    }, /illegal wire type 6/);
    assert.throws(() => {
      new WireReader(bytes()).skip(7);
    }, /illegal wire type 7/);
  });

  it('reads little-endian doubles and floats', () => {
    const w = new WireWriter().double(1.5).finish();
    assert.equal(new WireReader(w).readDouble(), 1.5);
    assert.equal(new WireReader(bytes(0, 0, 0xc0, 0x3f)).readFloat(), 1.5);
    assert.throws(() => new WireReader(bytes(0, 0)).readFloat(), ProtobufDecodeError);
  });
});
