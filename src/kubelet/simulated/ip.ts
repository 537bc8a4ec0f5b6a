/**
 * IPv4 arithmetic for the simulated nodes: the default pod CIDR and InternalIP of the n-th node,
 * and a small per-node pod IP allocator (a bitmap over the node's pod CIDR).
 */
import { ipv4ToNumber, numberToIpv4 } from '../../api/index.ts';
import type { Cidr } from '../../api/index.ts';

const SMALL_BASE = ipv4ToNumber('10.244.0.0');
const WIDE_BASE = ipv4ToNumber('10.128.0.0');
/** 10.128.0.0/9 holds 2^15 /24s. */
const WIDE_CAPACITY = 1 << 15;

/**
 * The pod CIDR of the `index`-th of `total` simulated nodes: a /24 out of 10.244.0.0/16 (the
 * flannel/kubeadm default, as kwok's examples use) when the pool has at most 256 nodes, and out
 * of 10.128.0.0/9 (32,768 /24s) when it is larger. Throws past 32,768 nodes.
 */
export function defaultPodCidr(index: number, total: number): Cidr {
  if (total <= 256) return { base: SMALL_BASE + index * 256, prefix: 24 };
  if (index >= WIDE_CAPACITY) {
    throw new Error(`simulated node ${index}: more than ${WIDE_CAPACITY} nodes need podCIDRs`);
  }
  return { base: WIDE_BASE + index * 256, prefix: 24 };
}

const INTERNAL_BASE = ipv4ToNumber('10.0.0.0');

/**
 * The InternalIP of the `index`-th simulated node: 10.0.x.y with y in 1..254 (no .0 or .255,
 * so no address looks like a network or broadcast address), room for 65,024 nodes.
 */
export function defaultInternalIp(index: number): string {
  return numberToIpv4(INTERNAL_BASE + Math.floor(index / 254) * 256 + (index % 254) + 1);
}

/**
 * Pod IPs of one node: addresses of the pod CIDR from .2 (.0 is the network, .1 the bridge's
 * gateway, as host-local IPAM does) to the last address but one (the broadcast address), at
 * most 65,534 of them. The lowest free address is handed out first, so freed addresses are
 * reused.
 */
export class PodIpAllocator {
  private readonly bits: Uint32Array;
  private readonly size: number;
  private used = 0;

  constructor(readonly cidr: Cidr) {
    this.size = Math.min(2 ** (32 - cidr.prefix), 65_536);
    this.bits = new Uint32Array(Math.ceil(this.size / 32));
  }

  /** Number of addresses handed out. */
  get allocated(): number {
    return this.used;
  }

  /** The lowest free address (as a number), or undefined when the CIDR is full. */
  allocate(): number | undefined {
    const last = this.size - 2;
    for (let w = 0; w < this.bits.length; w++) {
      const word = this.bits[w] ?? 0;
      if (word === 0xffffffff) continue;
      for (let b = 0; b < 32; b++) {
        const off = w * 32 + b;
        if (off < 2) continue;
        if (off > last) return undefined;
        if ((word & (1 << b)) === 0) {
          this.bits[w] = (word | (1 << b)) >>> 0;
          this.used++;
          return this.cidr.base + off;
        }
      }
    }
    return undefined;
  }

  /** Marks `ip` as taken (an address found in an adopted pod); false if outside or taken. */
  reserve(ip: number): boolean {
    const off = ip - this.cidr.base;
    if (off < 2 || off > this.size - 2) return false;
    const w = off >>> 5;
    const mask = 1 << (off & 31);
    const word = this.bits[w] ?? 0;
    if ((word & mask) !== 0) return false;
    this.bits[w] = (word | mask) >>> 0;
    this.used++;
    return true;
  }

  /** Frees `ip`; a no-op for an address that is not allocated. */
  release(ip: number): void {
    const off = ip - this.cidr.base;
    if (off < 0 || off >= this.size) return;
    const w = off >>> 5;
    const mask = 1 << (off & 31);
    const word = this.bits[w] ?? 0;
    if ((word & mask) === 0) return;
    this.bits[w] = (word & ~mask) >>> 0;
    this.used--;
  }
}
