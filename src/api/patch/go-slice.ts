/**
 * A model of a Go slice of decoded JSON values (`[]interface{}`): a window (offset, length,
 * capacity) over a shared backing array, with Go's `append` growth. Upstream's strategic
 * merge code deletes from and appends to the live list in place, and `$setElementOrder`
 * ordering then reads the live list through an older slice header that shares the backing
 * array; the resulting element order (pinned by upstream's own tests) depends on that
 * aliasing, so the port reproduces it instead of copying lists.
 */
import type { JsonValue } from './json.ts';

/** Go's malloc size classes up to 32 KiB, in bytes. */
const SIZE_CLASSES = [
  0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352,
  384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304,
  2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880,
  12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768,
];
/** sizeof(interface{}) on 64-bit platforms. */
const ELEM_SIZE = 16;

/** runtime.growslice's new capacity for `newLen` elements of an interface slice. */
export function growCap(oldCap: number, newLen: number): number {
  let newCap: number;
  const doubled = oldCap + oldCap;
  if (newLen > doubled) {
    newCap = newLen;
  } else if (oldCap < 256) {
    newCap = doubled;
  } else {
    newCap = oldCap;
    while (newCap < newLen) newCap += (newCap + 3 * 256) >> 2;
  }
  const bytes = newCap * ELEM_SIZE;
  const cls = SIZE_CLASSES.find((c) => c >= bytes);
  return cls === undefined ? newCap : Math.floor(cls / ELEM_SIZE);
}

/** The capacity of a slice built by appending `n` elements one at a time (JSON decoding). */
export function appendedCap(n: number): number {
  let cap = 0;
  for (let len = 1; len <= n; len++) if (len > cap) cap = growCap(cap, len);
  return cap;
}

/** A Go slice header over a shared backing array. */
export class GoSlice {
  private constructor(
    private readonly backing: JsonValue[],
    private readonly off: number,
    readonly len: number,
    readonly cap: number,
  ) {}

  /** A slice holding `items` with the capacity JSON decoding would have given it. */
  static decoded(items: readonly JsonValue[]): GoSlice {
    const cap = appendedCap(items.length);
    const backing = [...items];
    while (backing.length < cap) backing.push(null);
    return new GoSlice(backing, 0, items.length, cap);
  }

  /** Element i (0 <= i < len). */
  get(i: number): JsonValue {
    return this.backing[this.off + i] ?? null;
  }

  /** Writes element i in the shared backing array. */
  set(i: number, v: JsonValue): void {
    this.backing[this.off + i] = v;
  }

  /** s[:n] */
  prefix(n: number): GoSlice {
    return new GoSlice(this.backing, this.off, n, this.cap);
  }

  /** append(s, vals...): in place when the capacity allows, else into a new backing array. */
  append(...vals: JsonValue[]): GoSlice {
    const newLen = this.len + vals.length;
    if (newLen <= this.cap) {
      vals.forEach((v, i) => {
        this.backing[this.off + this.len + i] = v;
      });
      return new GoSlice(this.backing, this.off, newLen, this.cap);
    }
    const cap = growCap(this.cap, newLen);
    const backing = [...this.toArray(), ...vals];
    while (backing.length < cap) backing.push(null);
    return new GoSlice(backing, 0, newLen, cap);
  }

  /** append(s[:i], s[i+1:]...): shifts the tail left inside the shared backing array. */
  deleteAt(i: number): GoSlice {
    for (let k = i; k < this.len - 1; k++) this.set(k, this.get(k + 1));
    return new GoSlice(this.backing, this.off, this.len - 1, this.cap);
  }

  /** A fresh JS array of the len elements in view. */
  toArray(): JsonValue[] {
    return this.backing.slice(this.off, this.off + this.len);
  }
}
