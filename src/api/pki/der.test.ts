import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  boolean,
  decodeOid,
  integer,
  isPrintable,
  namedBits,
  octetString,
  oid,
  printableString,
  readChildren,
  readElement,
  sequence,
  setOf,
  time,
  tlv,
} from './der.ts';

const hex = (b: Buffer): string => b.toString('hex');

describe('DER encoder', () => {
  // Vectors from X.690 (8.3 integers, 8.19 OIDs incl. its {2 999 3} example, 11.2 named bits).
  const cases: { name: string; got: () => Buffer; want: string }[] = [
    { name: 'INTEGER 0', got: () => integer(0), want: '020100' },
    { name: 'INTEGER 127', got: () => integer(127), want: '02017f' },
    { name: 'INTEGER 128 needs a leading zero', got: () => integer(128), want: '02020080' },
    { name: 'INTEGER 256', got: () => integer(256), want: '02020100' },
    { name: 'INTEGER bigint', got: () => integer(2n ** 64n), want: '0209010000000000000000' },
    {
      name: 'INTEGER bytes drop leading zeros',
      got: () => integer(Buffer.from([0, 0, 1])),
      want: '020101',
    },
    {
      name: 'INTEGER bytes with sign bit',
      got: () => integer(Buffer.from([0xff])),
      want: '020200ff',
    },
    { name: 'BOOLEAN true is 0xff', got: () => boolean(true), want: '0101ff' },
    { name: 'BOOLEAN false', got: () => boolean(false), want: '010100' },
    { name: 'OID rsadsi', got: () => oid('1.2.840.113549'), want: '06062a864886f70d' },
    { name: 'OID subjectAltName', got: () => oid('2.5.29.17'), want: '0603551d11' },
    { name: 'OID 2.999.3 (first arc 2)', got: () => oid('2.999.3'), want: '0603883703' },
    {
      name: 'OID ecdsa-with-SHA256',
      got: () => oid('1.2.840.10045.4.3.2'),
      want: '06082a8648ce3d040302',
    },
    { name: 'keyUsage CA bits 0,5,6', got: () => namedBits([0, 5, 6]), want: '03020186' },
    { name: 'keyUsage digitalSignature', got: () => namedBits([0]), want: '03020780' },
    { name: 'named bits: second octet', got: () => namedBits([8]), want: '0303070080' },
    { name: 'named bits: none', got: () => namedBits([]), want: '030100' },
    { name: 'empty SEQUENCE', got: () => sequence(), want: '3000' },
    {
      name: 'SEQUENCE keeps order',
      got: () => sequence(integer(2), integer(1)),
      want: '3006020102020101',
    },
    {
      name: 'SET OF sorts by encoding',
      got: () => setOf(integer(2), integer(1)),
      want: '3106020101020102',
    },
    {
      name: 'PrintableString',
      got: () => printableString('system:masters'),
      want: '130e' + hex(Buffer.from('system:masters')),
    },
    {
      name: 'long form length 200',
      got: () => octetString(Buffer.alloc(200)).subarray(0, 3),
      want: '0481c8',
    },
    {
      name: 'long form length 300',
      got: () => octetString(Buffer.alloc(300)).subarray(0, 4),
      want: '0482012c',
    },
    {
      name: 'UTCTime for 2049',
      got: () => time(new Date('2049-12-31T23:59:59.999Z')),
      want: '170d' + hex(Buffer.from('491231235959Z')),
    },
    {
      name: 'UTCTime from 1950',
      got: () => time(new Date('1950-01-01T00:00:00Z')),
      want: '170d' + hex(Buffer.from('500101000000Z')),
    },
    {
      name: 'GeneralizedTime from 2050',
      got: () => time(new Date('2050-01-01T00:00:00Z')),
      want: '180f' + hex(Buffer.from('20500101000000Z')),
    },
    {
      name: 'GeneralizedTime before 1950',
      got: () => time(new Date('1949-12-31T23:59:59Z')),
      want: '180f' + hex(Buffer.from('19491231235959Z')),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(hex(c.got()), c.want);
    });
  }

  it('rejects what it cannot encode', () => {
    assert.throws(() => integer(-1), RangeError);
    assert.throws(() => oid('1'), RangeError);
    assert.throws(() => oid('1.40'), RangeError);
    assert.throws(() => oid('1.2.03'), RangeError);
    assert.throws(() => printableString('a_b'), RangeError);
    assert.throws(() => namedBits([-1]), RangeError);
  });

  it('knows the PrintableString alphabet', () => {
    for (const s of ['admin', 'system:masters', "a'b(c)+,-./:=? Z9"])
      assert.equal(isPrintable(s), true, s);
    for (const s of ['a_b', 'a@b', 'a*b', 'é', 'a&b']) assert.equal(isPrintable(s), false, s);
  });
});

describe('DER reader', () => {
  it('reads back what the encoder writes, long lengths included', () => {
    const inner = octetString(Buffer.alloc(1000, 7));
    const outer = sequence(oid('2.5.29.17'), boolean(true), inner);
    const e = readElement(outer);
    assert.equal(e.tag, 0x30);
    assert.equal(e.raw.length, outer.length);
    const [o, b, s] = readChildren(e);
    assert.equal(decodeOid(o!.contents), '2.5.29.17');
    assert.equal(b!.contents[0], 0xff);
    assert.equal(s!.contents.length, 1000);
  });

  it('decodes OIDs with a first arc of 2 and large arcs', () => {
    for (const id of ['2.999.3', '1.2.840.113549.1.1.11', '1.3.6.1.5.5.7.3.2', '0.9.2342']) {
      assert.equal(decodeOid(readElement(oid(id)).contents), id);
    }
  });

  it('rejects truncated input', () => {
    assert.throws(() => readElement(Buffer.from([0x30])));
    assert.throws(() => readElement(Buffer.from([0x30, 0x05, 0x00])));
    assert.throws(() => readElement(tlv(0x04, Buffer.alloc(300)).subarray(0, 3)));
  });
});
