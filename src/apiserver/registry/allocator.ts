/**
 * Bitmap allocators kept in storage (upstream: pkg/registry/core/service/allocator, a bitmap
 * stored at /registry/ranges/serviceips and /registry/ranges/servicenodeports). Every change
 * is a guaranteedUpdate of the one bitmap object, so allocations stay consistent across
 * restarts and across several API servers sharing etcd.
 */
import { randomInt } from 'node:crypto';
import type { Storage, StoredObject } from '../../storage/index.ts';

export class AllocationError extends Error {
  override readonly name = 'AllocationError';
}

interface RangeObject extends StoredObject {
  range: string;
  /** base64 bitmap, bit i = offset i allocated. */
  data: string;
}

/** A range of `size` offsets (0..size-1) persisted at `key`; `describe` names it in errors. */
export class BitmapAllocator {
  constructor(
    private readonly storage: Storage,
    private readonly key: string,
    private readonly range: string,
    readonly size: number,
    /** Offsets never handed out (e.g. network and broadcast addresses). */
    private readonly reserved: ReadonlySet<number> = new Set(),
  ) {}

  private async mutate<T>(fn: (bits: Uint8Array) => T): Promise<T> {
    let result: T | undefined;
    await this.storage.guaranteedUpdate<RangeObject>(
      this.key,
      (cur) => {
        const bits = new Uint8Array(Math.ceil(this.size / 8));
        if (cur !== undefined && cur.range === this.range)
          bits.set(Buffer.from(cur.data, 'base64').subarray(0, bits.length));
        result = fn(bits);
        return {
          apiVersion: 'v1',
          kind: 'RangeAllocation',
          metadata: { name: this.key.split('/').pop() ?? '' },
          range: this.range,
          data: Buffer.from(bits).toString('base64'),
        };
      },
      { ignoreNotFound: true },
    );
    return result as T;
  }

  private static isSet(bits: Uint8Array, i: number): boolean {
    return ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  }

  private static set(bits: Uint8Array, i: number, on: boolean): void {
    const b = bits[i >> 3] ?? 0;
    bits[i >> 3] = on ? b | (1 << (i & 7)) : b & ~(1 << (i & 7));
  }

  /** Allocates `offset` exactly; throws AllocationError when taken or out of range. */
  allocate(offset: number): Promise<void> {
    if (
      !Number.isInteger(offset) ||
      offset < 0 ||
      offset >= this.size ||
      this.reserved.has(offset)
    ) {
      return Promise.reject(new AllocationError('provided value is not in the valid range'));
    }
    return this.mutate((bits) => {
      if (BitmapAllocator.isSet(bits, offset))
        throw new AllocationError('provided value is already allocated');
      BitmapAllocator.set(bits, offset, true);
    });
  }

  /** Allocates a free offset, starting the search at a random point. */
  allocateNext(): Promise<number> {
    return this.mutate((bits) => {
      const start = randomInt(this.size);
      for (let k = 0; k < this.size; k++) {
        const i = (start + k) % this.size;
        if (this.reserved.has(i) || BitmapAllocator.isSet(bits, i)) continue;
        BitmapAllocator.set(bits, i, true);
        return i;
      }
      throw new AllocationError('range is full');
    });
  }

  /** Frees `offset` (idempotent). */
  async release(offset: number): Promise<void> {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.size) return;
    await this.mutate((bits) => {
      BitmapAllocator.set(bits, offset, false);
    });
  }

  /** True when `offset` is allocated. */
  async has(offset: number): Promise<boolean> {
    const cur = await this.storage.get<RangeObject>(this.key, { ignoreNotFound: true });
    if (cur === undefined || cur.range !== this.range) return false;
    return BitmapAllocator.isSet(Buffer.from(cur.data, 'base64'), offset);
  }
}

/** Parses an IPv4 CIDR into its base address (as a number) and size. */
export function parseIPv4Cidr(cidr: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid IPv4 CIDR: ${cidr}`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30)
    throw new Error(`unsupported CIDR: ${cidr}`);
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size };
}

export function ipv4ToString(n: number): string {
  return [24, 16, 8, 0].map((s) => String(Math.floor(n / 2 ** s) % 256)).join('.');
}

export function ipv4ToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}
