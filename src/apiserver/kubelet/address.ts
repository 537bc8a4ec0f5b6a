/**
 * Where the API server reaches a node's kubelet: the node's reported address picked by a
 * preference order of address types, and the port the kubelet reports in
 * `status.daemonEndpoints.kubeletEndpoint` (upstream pkg/kubelet/client NodeConnectionInfoGetter
 * and pkg/util/node GetPreferredNodeAddress). Pure.
 */
import type { Node, NodeAddress } from 'kubernetes-types/core/v1.js';
import { SIMULATED_NODE_LABEL } from '../../api/index.ts';

/**
 * kube-apiserver's default `--kubelet-preferred-address-types`. kubeadm and k3s pass
 * `InternalIP,ExternalIP,Hostname` instead (a node's host name often does not resolve).
 */
export const DEFAULT_PREFERRED_ADDRESS_TYPES: readonly string[] = [
  'Hostname',
  'InternalDNS',
  'InternalIP',
  'ExternalDNS',
  'ExternalIP',
];

/** kube-apiserver's default `--kubelet-port`, used when a node reports no kubelet port. */
export const DEFAULT_KUBELET_PORT = 10250;

/** No address of a preferred type (upstream NoMatchError, same message). */
export class NoPreferredAddressError extends Error {
  override readonly name = 'NoPreferredAddressError';
  constructor(readonly addresses: readonly NodeAddress[]) {
    super(`no preferred addresses found; known addresses: ${formatNodeAddresses(addresses)}`);
  }
}

/** Go's `%v` of a []v1.NodeAddress: `[{InternalIP 10.0.0.1} {Hostname n1}]`. */
export function formatNodeAddresses(addresses: readonly NodeAddress[]): string {
  return `[${addresses.map((a) => `{${a.type} ${a.address}}`).join(' ')}]`;
}

/**
 * The first address of the first type in `preferredTypes` that the node reports, in the order
 * of `status.addresses` within a type. Throws NoPreferredAddressError when none matches.
 */
export function preferredNodeAddress(node: Node, preferredTypes: readonly string[]): string {
  const addresses = node.status?.addresses ?? [];
  for (const type of preferredTypes) {
    for (const a of addresses) {
      if (a.type === type) return a.address;
    }
  }
  throw new NoPreferredAddressError(addresses);
}

/** A kubelet's HTTPS endpoint. */
export interface KubeletEndpoint {
  /** IP address or DNS name, without brackets. */
  host: string;
  port: number;
}

/** How to pick a node's kubelet endpoint. */
export interface KubeletEndpointOptions {
  /** Default DEFAULT_PREFERRED_ADDRESS_TYPES. */
  preferredAddressTypes?: readonly string[];
  /** Used when the node reports no (or a non-positive) kubelet port; default 10250. */
  defaultPort?: number;
}

/** A simulated node: it has no kubelet, and its addresses are made up (never dialled). */
export class SimulatedNodeError extends Error {
  override readonly name = 'SimulatedNodeError';
  constructor(nodeName: string) {
    super(`node ${JSON.stringify(nodeName)} is a simulated node: it runs no kubelet`);
  }
}

/**
 * The kubelet endpoint of `node`; throws NoPreferredAddressError when it has no usable address
 * and SimulatedNodeError for a simulated node.
 */
export function kubeletEndpoint(node: Node, opts: KubeletEndpointOptions = {}): KubeletEndpoint {
  if (node.metadata?.labels?.[SIMULATED_NODE_LABEL] === 'true') {
    throw new SimulatedNodeError(node.metadata.name ?? '');
  }
  const host = preferredNodeAddress(
    node,
    opts.preferredAddressTypes ?? DEFAULT_PREFERRED_ADDRESS_TYPES,
  );
  const reported = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  return { host, port: reported > 0 ? reported : (opts.defaultPort ?? DEFAULT_KUBELET_PORT) };
}

/** `host:port` as Go's net.JoinHostPort writes it (IPv6 in brackets). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
}
