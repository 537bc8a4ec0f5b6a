import { ProtobufDecodeError } from './errors.ts';

/** Protobuf wire types (the low three bits of a field tag). */
export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;
/** One of the {@link WireType} values. */
export type WireType = (typeof WireType)[keyof typeof WireType];

const TWO_32 = 4294967296;

/**
 * A bounds-checked cursor over protobuf bytes, limited to `[pos, end)` of `buf`. Every read
 * either advances `pos` by at least one byte or throws {@link ProtobufDecodeError}, so a loop
 * `while (!r.done())` always terminates, and no read allocates more than the input holds.
 * The reader never copies `buf`; decoded `bytes` values are views into it.
 */
export class WireReader {
  readonly buf: Uint8Array;
  pos: number;
  /**
   * The end of the range being read. Decoders narrow it while reading a nested message and
   * restore it afterwards, which avoids allocating a reader per message.
   */
  end: number;
  /** The low and high 32 bits of the last varint read by {@link readVarintParts}. */
  lo = 0;
  hi = 0;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) {
      throw new ProtobufDecodeError('invalid reader bounds', { offset: start });
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  readonly #text: Buffer;

  /** True when every byte of the range has been consumed. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /**
   * Reads a varint into {@link lo}/{@link hi} (unsigned 32-bit halves). Like gogo-protobuf,
   * at most ten bytes are accepted and bits beyond 64 are discarded; an eleventh byte is an
   * overflow and a varint cut off by the end of the range is a truncation.
   */
  readVarintParts(): void {
    const buf = this.buf;
    let pos = this.pos;
    const end = this.end;
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (pos >= end)
        throw new ProtobufDecodeError('unexpected end of data in varint', { offset: pos });
      if (i === 10) throw new ProtobufDecodeError('varint overflows 64 bits', { offset: pos });
      const b = buf[pos++] ?? 0;
      const v = b & 0x7f;
      if (i < 4) lo |= v << (7 * i);
      else if (i === 4) {
        lo |= (v & 0x0f) << 28;
        hi = v >>> 4;
      } else hi |= v << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a varint as an unsigned 64-bit BigInt (exact, for callers that need every bit). */
  readUint64(): bigint {
    this.readVarintParts();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Reads a varint as an `int64` BigInt (two's complement of the 64 bits). */
  readInt64BigInt(): bigint {
    return BigInt.asIntN(64, this.readUint64());
  }

  /**
   * Reads an `int64` varint as a JS number. Values outside ±(2^53-1) cannot be carried by a
   * JSON number without silently changing, so they are rejected rather than rounded.
   */
  readInt64(): number {
    this.readVarintParts();
    const hiSigned = this.hi | 0;
    if (hiSigned > 0x1fffff || hiSigned < -0x200000 || (hiSigned === -0x200000 && this.lo === 0)) {
      throw new ProtobufDecodeError('int64 value does not fit in a JSON number', {
        offset: this.pos,
      });
    }
    return hiSigned * TWO_32 + this.lo;
  }

  /** Reads an `int32` varint: the low 32 bits, signed (negative values arrive as ten bytes). */
  readInt32(): number {
    this.readVarintParts();
    return this.lo | 0;
  }

  /** Reads a `uint32` varint: the low 32 bits, unsigned. */
  readUint32(): number {
    this.readVarintParts();
    return this.lo;
  }

  /** Reads a `bool` varint: any non-zero value is true (as gogo-protobuf does). */
  readBool(): boolean {
    this.readVarintParts();
    return (this.lo | this.hi) !== 0;
  }

  /**
   * Reads a field tag and returns `fieldNumber * 8 + wireType` as a plain number. Field number
   * 0, numbers beyond 2^29-1 and tags wider than 32 bits are malformed.
   */
  readTag(): number {
    const at = this.pos;
    this.readVarintParts();
    if (this.hi !== 0 || this.lo >>> 3 === 0) {
      throw new ProtobufDecodeError('illegal field tag', { offset: at });
    }
    return this.lo;
  }

  /** Reads a length prefix and checks it against the bytes that remain. */
  readLength(): number {
    const at = this.pos;
    this.readVarintParts();
    if (this.hi !== 0 || this.lo > this.end - this.pos) {
      throw new ProtobufDecodeError('length-delimited field runs past the end of its message', {
        offset: at,
      });
    }
    return this.lo;
  }

  /** Reads a length-delimited field's payload bounds: returns its start; `pos` moves past it. */
  readDelimited(): number {
    const len = this.readLength();
    const start = this.pos;
    this.pos += len;
    return start;
  }

  /**
   * Reads a length-delimited UTF-8 string. Invalid sequences become U+FFFD (what Go's JSON
   * encoder does with a Go string holding them).
   */
  readString(): string {
    const len = this.readLength();
    const start = this.pos;
    const end = start + len;
    this.pos = end;
    if (len === 0) return '';
    // Node's native UTF-8 slicing: no view object per string (views are what made the
    // garbage collector dominate large decodes), U+FFFD for invalid sequences like TextDecoder.
    return this.#text.toString('utf8', start, end);
  }

  /** Reads a length-delimited payload as standard padded base64 (Go's JSON form of []byte). */
  readBase64(): string {
    const len = this.readLength();
    const start = this.pos;
    this.pos = start + len;
    return this.#text.toString('base64', start, start + len);
  }

  /**
   * Narrows the reader to the next length-delimited payload and returns the end to restore with
   * {@link leave} once the payload has been read.
   */
  enter(): number {
    const len = this.readLength();
    const saved = this.end;
    this.end = this.pos + len;
    return saved;
  }

  /** Restores the end saved by {@link enter}; the payload must have been consumed. */
  leave(saved: number): void {
    if (this.pos !== this.end) {
      throw new ProtobufDecodeError('nested message not fully consumed', { offset: this.pos });
    }
    this.end = saved;
  }

  /** Reads a length-delimited payload as a view (no copy) into the input. */
  readBytes(): Uint8Array {
    const start = this.readDelimited();
    return this.buf.subarray(start, this.pos);
  }

  /** Reads a little-endian IEEE-754 double (wire type 1). */
  readDouble(): number {
    this.need(8);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** Reads a little-endian IEEE-754 float (wire type 5). */
  readFloat(): number {
    this.need(4);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
    this.pos += 4;
    return view.getFloat32(0, true);
  }

  /**
   * Skips the value of a field whose tag was just read, as gogo-protobuf's skip does for fields
   * it does not know: varints, fixed32/64, length-delimited payloads and (deprecated) groups,
   * with nested groups tracked by a counter rather than recursion.
   */
  skip(wireType: number): void {
    let depth = 0;
    for (;;) {
      switch (wireType) {
        case WireType.Varint:
          this.readVarintParts();
          break;
        case WireType.Fixed64:
          this.need(8);
          this.pos += 8;
          break;
        case WireType.LengthDelimited:
          this.readDelimited();
          break;
        case WireType.StartGroup:
          depth++;
          break;
        case WireType.EndGroup:
          if (depth === 0) {
            throw new ProtobufDecodeError('unexpected end of group', { offset: this.pos });
          }
          depth--;
          break;
        case WireType.Fixed32:
          this.need(4);
          this.pos += 4;
          break;
        default:
          throw new ProtobufDecodeError(`illegal wire type ${String(wireType)}`, {
            offset: this.pos,
          });
      }
      if (depth === 0) return;
      wireType = this.readTag() & 7;
    }
  }

  private need(n: number): void {
    if (this.end - this.pos < n) {
      throw new ProtobufDecodeError('unexpected end of data', { offset: this.pos });
    }
  }
}
