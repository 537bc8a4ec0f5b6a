/**
 * The set of pod CIDRs of one cluster CIDR (upstream pkg/controller/nodeipam/ipam/cidrset,
 * IPv4): the cluster CIDR cut into subnets of `nodeMaskSize` bits, each free or used, handed
 * out round robin from the one after the last allocated, so a released CIDR is not reused at
 * once (a node that goes and comes back does not meet its predecessor's routes).
 */
import { formatCidr, parseCidr } from '../../api/index.ts';
import type { Cidr } from '../../api/index.ts';

/** upstream's limit: at most 2^16 subnets per cluster CIDR (the mask sizes may differ by ≤ 16). */
const MAX_PREFIX_DIFF = 16;

/** upstream ErrCIDRRangeNoCIDRsRemaining. */
export class NoCidrsRemainingError extends Error {
  constructor() {
    super(
      'CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range',
    );
  }
}

/** The subnets of one cluster CIDR; see the module comment. */
export class CidrSet {
  readonly cluster: Cidr;
  readonly nodeMaskSize: number;
  /** How many subnets the cluster CIDR holds. */
  readonly size: number;
  private readonly used: Uint8Array;
  private next = 0;
  private allocated = 0;

  /**
   * Throws on a malformed CIDR or a mask size that is smaller than the cluster's prefix or more
   * than 16 bits longer (upstream's messages).
   */
  constructor(clusterCidr: string, nodeMaskSize: number) {
    this.cluster = parseCidr(clusterCidr);
    if (
      !Number.isInteger(nodeMaskSize) ||
      nodeMaskSize < this.cluster.prefix ||
      nodeMaskSize > 32
    ) {
      throw new Error(
        `the --node-cidr-mask-size ${String(nodeMaskSize)} must be between the cluster CIDR's prefix length (${String(this.cluster.prefix)}) and 32`,
      );
    }
    if (nodeMaskSize - this.cluster.prefix > MAX_PREFIX_DIFF) {
      throw new Error(
        'CIDRSet initialization failed: subnet mask size is too big compared to the cluster mask size',
      );
    }
    this.nodeMaskSize = nodeMaskSize;
    this.size = 2 ** (nodeMaskSize - this.cluster.prefix);
    this.used = new Uint8Array(this.size);
  }

  /** Subnets in use. */
  get usedCount(): number {
    return this.allocated;
  }

  /** The next free subnet, marked used; throws {@link NoCidrsRemainingError} when none is left. */
  allocateNext(): string {
    for (let i = 0; i < this.size; i++) {
      const k = (this.next + i) % this.size;
      if (this.used[k] === 0) {
        this.used[k] = 1;
        this.allocated++;
        this.next = (k + 1) % this.size;
        return formatCidr(this.subnet(k));
      }
    }
    throw new NoCidrsRemainingError();
  }

  /**
   * Marks the subnets `cidr` covers as used (a node that already has a pod CIDR). Returns false
   * when `cidr` is not inside the cluster CIDR (nothing marked); throws when it is malformed.
   */
  occupy(cidr: string): boolean {
    const range = this.indexRange(cidr);
    if (range === undefined) return false;
    for (let k = range[0]; k <= range[1]; k++) {
      if (this.used[k] === 0) {
        this.used[k] = 1;
        this.allocated++;
      }
    }
    return true;
  }

  /** Frees what `cidr` covers; a CIDR outside the cluster CIDR is ignored. */
  release(cidr: string): void {
    const range = this.indexRange(cidr);
    if (range === undefined) return;
    for (let k = range[0]; k <= range[1]; k++) {
      if (this.used[k] === 1) {
        this.used[k] = 0;
        this.allocated--;
      }
    }
  }

  /** Whether `cidr`'s subnets are all in use. */
  isUsed(cidr: string): boolean {
    const range = this.indexRange(cidr);
    if (range === undefined) return false;
    for (let k = range[0]; k <= range[1]; k++) if (this.used[k] === 0) return false;
    return true;
  }

  private subnet(k: number): Cidr {
    return {
      base: this.cluster.base + k * 2 ** (32 - this.nodeMaskSize),
      prefix: this.nodeMaskSize,
    };
  }

  /** The subnet indexes `cidr` overlaps, or undefined when it is outside the cluster CIDR. */
  private indexRange(cidr: string): [number, number] | undefined {
    const c = parseCidr(cidr);
    const clusterSize = 2 ** (32 - this.cluster.prefix);
    const size = 2 ** (32 - c.prefix);
    const start = c.base;
    const end = c.base + size - 1;
    if (start < this.cluster.base || end > this.cluster.base + clusterSize - 1) return undefined;
    const step = 2 ** (32 - this.nodeMaskSize);
    return [
      Math.floor((start - this.cluster.base) / step),
      Math.floor((end - this.cluster.base) / step),
    ];
  }
}
