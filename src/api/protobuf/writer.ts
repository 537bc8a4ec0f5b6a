/**
 * A growable protobuf byte writer. Used by the encoder (tests and any future protobuf
 * responses); the decoder never needs it.
 */
export class WireWriter {
  #buf = new Uint8Array(256);
  #len = 0;

  /** The bytes written so far (a copy the caller owns). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  /** Appends raw bytes. */
  raw(bytes: Uint8Array): this {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    return this;
  }

  /** Appends a field tag. */
  tag(field: number, wireType: number): this {
    return this.uint32(((field << 3) | wireType) >>> 0);
  }

  /** Appends an unsigned 32-bit varint. */
  uint32(v: number): this {
    this.#ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.#buf[this.#len++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.#buf[this.#len++] = x;
    return this;
  }

  /** Appends an int64 varint (negative values take ten bytes, as in protobuf). */
  int64(v: number): this {
    return this.int64BigInt(BigInt(v));
  }

  /** Appends an int64 varint given as a BigInt. */
  int64BigInt(v: bigint): this {
    let x = BigInt.asUintN(64, v);
    this.#ensure(10);
    while (x >= 0x80n) {
      this.#buf[this.#len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.#buf[this.#len++] = Number(x);
    return this;
  }

  /** Appends a bool varint. */
  bool(v: boolean): this {
    return this.uint32(v ? 1 : 0);
  }

  /** Appends a little-endian double. */
  double(v: number): this {
    this.#ensure(8);
    new DataView(this.#buf.buffer, this.#len, 8).setFloat64(0, v, true);
    this.#len += 8;
    return this;
  }

  /** Appends a length-prefixed byte string. */
  bytes(b: Uint8Array): this {
    this.uint32(b.length);
    return this.raw(b);
  }

  /** Appends a length-prefixed UTF-8 string. */
  string(s: string): this {
    return this.bytes(new TextEncoder().encode(s));
  }

  /** Appends a length-prefixed nested message built by `fill`. */
  message(fill: (w: WireWriter) => void): this {
    const inner = new WireWriter();
    fill(inner);
    return this.bytes(inner.finish());
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}
