/**
 * Endpoints subset packing (upstream pkg/api/v1/endpoints RepackSubsets) and the 1000-address
 * truncation of the Endpoints controller (truncateEndpoints).
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from 'kubernetes-types/core/v1.js';

const portKey = (p: EndpointPort): string =>
  JSON.stringify([p.name ?? '', p.port, p.protocol ?? '', p.appProtocol ?? null]);

/** Upstream LessEndpointAddress: by IP (bytewise), then by targetRef uid (none first). */
export function compareEndpointAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  if (b.targetRef === undefined) return a.targetRef === undefined ? 0 : 1;
  if (a.targetRef === undefined) return -1;
  const ua = a.targetRef.uid ?? '';
  const ub = b.targetRef.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * Regroups subsets so that each subset holds the addresses that offer exactly the same ports
 * with the same readiness (upstream RepackSubsets). Addresses are de-duplicated by IP and
 * targetRef uid; not-ready wins over ready for one port; a subset without ports keeps its
 * addresses. The result is sorted: addresses by IP and uid, ports and subsets by a stable key
 * (upstream sorts those by a hash, so the order of subsets differs from upstream's).
 * Returns new objects; the input is not changed.
 */
export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const allAddrs = new Map<string, EndpointAddress>();
  // port key → address → ready
  const portToAddrs = new Map<
    string,
    { port: EndpointPort | undefined; addrs: Map<EndpointAddress, boolean> }
  >();
  const mapAddress = (
    addr: EndpointAddress,
    port: EndpointPort | undefined,
    ready: boolean,
  ): void => {
    const akey = `${addr.ip}\u0000${addr.targetRef?.uid ?? ''}`;
    let existing = allAddrs.get(akey);
    if (existing === undefined) {
      existing = structuredClone(addr);
      allAddrs.set(akey, existing);
    }
    const pkey = port === undefined ? '' : portKey(port);
    let entry = portToAddrs.get(pkey);
    if (entry === undefined) {
      entry = { port, addrs: new Map() };
      portToAddrs.set(pkey, entry);
    }
    const was = entry.addrs.get(existing);
    if (was === undefined || was) entry.addrs.set(existing, ready);
  };
  for (const s of subsets) {
    const ports: (EndpointPort | undefined)[] =
      (s.ports ?? []).length === 0 ? [undefined] : (s.ports ?? []);
    for (const port of ports) {
      for (const a of s.addresses ?? []) mapAddress(a, port, true);
      for (const a of s.notReadyAddresses ?? []) mapAddress(a, port, false);
    }
  }
  // Group the ports by the exact set of (address, readiness) that offers them.
  const groups = new Map<string, { addrs: Map<EndpointAddress, boolean>; ports: EndpointPort[] }>();
  for (const { port, addrs } of portToAddrs.values()) {
    const entries = [...addrs.entries()].sort(
      ([a, ra], [b, rb]) => compareEndpointAddresses(a, b) || Number(ra) - Number(rb),
    );
    const key = entries
      .map(([a, r]) => `${a.ip}\u0000${a.targetRef?.uid ?? ''}\u0000${String(r)}`)
      .join('\u0001');
    let g = groups.get(key);
    if (g === undefined) {
      g = { addrs, ports: [] };
      groups.set(key, g);
    }
    if (port !== undefined && port.port > 0) g.ports.push(structuredClone(port));
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [a, r] of g.addrs) (r ? ready : notReady).push(structuredClone(a));
    ready.sort(compareEndpointAddresses);
    notReady.sort(compareEndpointAddresses);
    g.ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    const subset: EndpointSubset = {};
    if (ready.length > 0) subset.addresses = ready;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    if (g.ports.length > 0) subset.ports = g.ports;
    out.push(subset);
  }
  const subsetKey = (s: EndpointSubset): string =>
    JSON.stringify([
      (s.ports ?? []).map(portKey),
      (s.addresses ?? [])[0]?.ip ?? '',
      (s.notReadyAddresses ?? [])[0]?.ip ?? '',
    ]);
  return out.sort((a, b) =>
    subsetKey(a) < subsetKey(b) ? -1 : subsetKey(a) > subsetKey(b) ? 1 : 0,
  );
}

/** The most addresses (ready plus not ready) one Endpoints object carries (upstream maxCapacity). */
export const MAX_ENDPOINTS_CAPACITY = 1000;

/**
 * Cuts `subsets` down to MAX_ENDPOINTS_CAPACITY addresses in place, as upstream
 * truncateEndpoints: not-ready addresses go first; when the ready ones alone exceed the
 * capacity, every not-ready address goes and each subset keeps its share (rounded up) of the
 * ready ones. Returns true when it truncated.
 */
export function truncateSubsets(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const s of subsets) {
    totalReady += (s.addresses ?? []).length;
    totalNotReady += (s.notReadyAddresses ?? []).length;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const s of subsets) {
    const inSubset = (truncateReady ? s.addresses : s.notReadyAddresses) ?? [];
    const toBeAdded = Math.min(Math.ceil((inSubset.length / numTotal) * max), canBeAdded);
    if (truncateReady) {
      s.addresses = inSubset.slice(0, toBeAdded);
      s.notReadyAddresses = [];
      canBeAdded -= s.addresses.length;
    } else {
      s.notReadyAddresses = inSubset.slice(0, toBeAdded);
      canBeAdded -= s.notReadyAddresses.length;
    }
  }
  return true;
}
