/**
 * A small DER (X.690 Distinguished Encoding Rules) encoder and reader: just what X.509
 * certificate creation needs. Every encoder returns a fresh Buffer holding one complete TLV; the
 * caller owns it. The encoders produce canonical DER (minimal lengths, minimal INTEGERs, BIT
 * STRINGs of named bits without trailing zero bits) because verifiers such as Go's crypto/x509
 * reject non-canonical encodings.
 */

/** Universal tag numbers used here (class universal, primitive unless noted). */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  /** SEQUENCE and SET are always constructed (0x20 bit set). */
  sequence: 0x30,
  set: 0x31,
} as const;

/** Encodes a definite length in the minimal number of octets. */
function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given identifier octet and contents. */
export function tlv(tag: number, contents: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(contents.length), contents]);
}

/** SEQUENCE of already-encoded elements, in the given order. */
export function sequence(...elements: Uint8Array[]): Buffer {
  return tlv(Tag.sequence, Buffer.concat(elements));
}

/**
 * SET OF already-encoded elements. DER requires the elements sorted by their encodings
 * (X.690 §11.6), so they are sorted here; the input array is not modified.
 */
export function setOf(...elements: Uint8Array[]): Buffer {
  const sorted = elements.map((e) => Buffer.from(e)).sort((a, b) => Buffer.compare(a, b));
  return tlv(Tag.set, Buffer.concat(sorted));
}

/** BOOLEAN: DER encodes TRUE as 0xff. */
export function boolean(value: boolean): Buffer {
  return tlv(Tag.boolean, Buffer.from([value ? 0xff : 0x00]));
}

/** NULL. */
export function nullValue(): Buffer {
  return tlv(Tag.null, Buffer.alloc(0));
}

/**
 * INTEGER from a non-negative safe integer, a bigint, or big-endian unsigned magnitude bytes.
 * Negative values are not needed for certificates and are rejected.
 */
export function integer(value: number | bigint | Uint8Array): Buffer {
  let bytes: Buffer;
  if (value instanceof Uint8Array) {
    bytes = Buffer.from(value);
  } else {
    let n = BigInt(value);
    if (n < 0n) throw new RangeError('DER INTEGER: negative values are not supported');
    const out: number[] = [];
    do {
      out.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n > 0n);
    bytes = Buffer.from(out);
  }
  // Minimal form: drop leading zero octets, then add one back if the sign bit would be set.
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(Tag.integer, bytes);
}

/** OBJECT IDENTIFIER from dotted text ("2.5.29.17"). Throws on malformed input. */
export function oid(dotted: string): Buffer {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(dotted)) {
    throw new RangeError(`DER OID: malformed object identifier ${JSON.stringify(dotted)}`);
  }
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const first = arcs[0] ?? 0n;
  const second = arcs[1] ?? 0n;
  if (first < 2n && second > 39n) {
    throw new RangeError(`DER OID: second arc must be below 40 in ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...arcs.slice(2)]) {
    // Base-128, most significant group first, continuation bit on all but the last.
    const groups: number[] = [];
    let n = arc;
    do {
      groups.unshift(Number(n & 0x7fn));
      n >>= 7n;
    } while (n > 0n);
    for (let i = 0; i < groups.length - 1; i++) groups[i] = (groups[i] ?? 0) | 0x80;
    out.push(...groups);
  }
  return tlv(Tag.oid, Buffer.from(out));
}

/** OCTET STRING. */
export function octetString(contents: Uint8Array): Buffer {
  return tlv(Tag.octetString, contents);
}

/** BIT STRING holding whole octets (0 unused bits): keys, signatures. */
export function bitString(contents: Uint8Array): Buffer {
  return tlv(Tag.bitString, Buffer.concat([Buffer.from([0]), contents]));
}

/**
 * BIT STRING for a NamedBitList (e.g. keyUsage): bit 0 is the most significant bit of the first
 * octet. DER (X.690 §11.2.2) drops trailing zero bits, so the result is as short as possible.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return tlv(Tag.bitString, Buffer.from([0]));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    if (!Number.isInteger(bit) || bit < 0) throw new RangeError(`DER BIT STRING: bad bit ${bit}`);
    const index = Math.floor(bit / 8);
    bytes[index] = (bytes[index] ?? 0) | (0x80 >> (bit % 8));
  }
  const unused = 7 - (highest % 8);
  return tlv(Tag.bitString, Buffer.concat([Buffer.from([unused]), bytes]));
}

/** The characters ASN.1 allows in a PrintableString (X.680 §41.4). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/** True when `s` can be encoded as a PrintableString. */
export function isPrintable(s: string): boolean {
  return PRINTABLE.test(s);
}

/** PrintableString; throws if `s` has characters outside its alphabet. */
export function printableString(s: string): Buffer {
  if (!isPrintable(s)) throw new RangeError(`DER PrintableString: invalid characters in ${s}`);
  return tlv(Tag.printableString, Buffer.from(s, 'latin1'));
}

/** UTF8String. */
export function utf8String(s: string): Buffer {
  return tlv(Tag.utf8String, Buffer.from(s, 'utf8'));
}

/** IA5String (ASCII); throws on non-ASCII input. */
export function ia5String(s: string): Buffer {
  // eslint-disable-next-line no-control-regex -- IA5 is exactly the 7-bit range.
  if (!/^[\x00-\x7f]*$/.test(s)) throw new RangeError(`DER IA5String: non-ASCII in ${s}`);
  return tlv(Tag.ia5String, Buffer.from(s, 'latin1'));
}

/**
 * A certificate validity time (RFC 5280 §4.1.2.5): UTCTime (YYMMDDHHMMSSZ) for years 1950
 * through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise. Sub-second precision is dropped, as
 * RFC 5280 forbids fractional seconds.
 */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`DER time: year ${year} out of range`);
  const two = (n: number): string => String(n).padStart(2, '0');
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) {
    return tlv(Tag.utcTime, Buffer.from(two(year % 100) + rest, 'latin1'));
  }
  return tlv(Tag.generalizedTime, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}

/** Context-specific tag number `n`, constructed: EXPLICIT tagging wraps a complete TLV. */
export function explicit(n: number, inner: Uint8Array): Buffer {
  if (n < 0 || n > 30) throw new RangeError(`DER: context tag ${n} out of range`);
  return tlv(0xa0 | n, inner);
}

/** Context-specific tag number `n`, primitive: IMPLICIT tagging of a primitive type's contents. */
export function implicit(n: number, contents: Uint8Array): Buffer {
  if (n < 0 || n > 30) throw new RangeError(`DER: context tag ${n} out of range`);
  return tlv(0x80 | n, contents);
}

/** One decoded TLV: its identifier octet, and views into the buffer it was read from. */
export interface DerElement {
  tag: number;
  /** The contents octets (a view; do not modify). */
  contents: Buffer;
  /** The whole encoding, identifier and length included (a view; do not modify). */
  raw: Buffer;
}

/** Malformed DER input. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/**
 * Reads the TLV at `offset` of `buf`. Only single-octet identifiers and definite lengths are
 * accepted (all DER for X.509 uses them). Throws DerError on truncated or malformed input.
 */
export function readElement(buf: Buffer, offset = 0): DerElement {
  const tag = buf[offset];
  const first = buf[offset + 1];
  if (tag === undefined || first === undefined) throw new DerError('DER: truncated element');
  if ((tag & 0x1f) === 0x1f) throw new DerError('DER: multi-octet tags are not supported');
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new DerError('DER: unsupported length encoding');
    length = 0;
    for (let i = 0; i < count; i++) {
      const b = buf[offset + 2 + i];
      if (b === undefined) throw new DerError('DER: truncated length');
      length = length * 256 + b;
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new DerError('DER: element runs past the end of its input');
  return {
    tag,
    contents: buf.subarray(offset + header, end),
    raw: buf.subarray(offset, end),
  };
}

/** The elements inside a constructed element's contents, in order. */
export function readChildren(element: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < element.contents.length;) {
    const child = readElement(element.contents, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER element's contents to dotted text. */
export function decodeOid(contents: Uint8Array): string {
  const arcs: bigint[] = [];
  let n = 0n;
  for (const byte of contents) {
    n = (n << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(n);
      n = 0n;
    }
  }
  const head = arcs.shift();
  if (head === undefined) throw new DerError('DER: empty object identifier');
  const first = head < 80n ? head / 40n : 2n;
  return [first, head - first * 40n, ...arcs].join('.');
}
