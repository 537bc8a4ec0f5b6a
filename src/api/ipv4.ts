/**
 * IPv4 addresses and CIDRs as unsigned 32-bit numbers, for the allocators of pod CIDRs (the
 * node IPAM controller, the simulated nodes) and pod IPs.
 */

/** An IPv4 CIDR as numbers: the network address and the prefix length. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** `a.b.c.d` as an unsigned 32-bit number; throws on anything else. */
export function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + Number(p);
  }
  return n;
}

/** An unsigned 32-bit number as `a.b.c.d`. */
export function numberToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses `a.b.c.d/p` (the host bits are cleared); throws on anything else. */
export function parseCidr(cidr: string): Cidr {
  const slash = cidr.indexOf('/');
  const prefix = slash < 0 ? NaN : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw new Error(`invalid CIDR address: ${cidr}`);
  }
  const ip = ipv4ToNumber(cidr.slice(0, slash));
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}

/** `cidr` back as `a.b.c.d/p`. */
export function formatCidr(cidr: Cidr): string {
  return `${numberToIpv4(cidr.base)}/${cidr.prefix}`;
}
