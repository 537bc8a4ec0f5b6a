/**
 * The CNI configuration Skiff uses until its own network agent exists: the reference plugins
 * as k3s and kind chain them. `bridge` (a Linux bridge `skiff0` holding the gateway address,
 * a veth per pod, hairpin mode so a pod reaches itself through a Service), `host-local` IPAM
 * over the node's podCIDR with a default route through the bridge, `portmap` for hostPort
 * (the `portMappings` capability), and `loopback` last (it passes the previous result through
 * and brings `lo` up, which the bridge plugin does not). Pure.
 */
import type { NetworkConfigList } from './cni-config.ts';
import { CNI_SPEC_VERSION, CniConfigError, parseNetworkConfigList } from './cni-config.ts';

/** The default network name (the conflist `name`, part of every cache record). */
export const DEFAULT_NETWORK_NAME = 'skiff';
/** The default bridge. Tests must use their own name, never this one. */
export const DEFAULT_BRIDGE_NAME = 'skiff0';
/** The interface name inside a pod (the kubelet's DefaultInterfaceName). */
export const DEFAULT_POD_INTERFACE = 'eth0';

/** Options of {@link defaultNetworkConfig}. */
export interface DefaultNetworkOptions {
  /** The node's pod CIDR (`spec.podCIDR`), e.g. `10.244.1.0/24`. Required. */
  podCIDR: string;
  /** More pod CIDRs (dual stack: `spec.podCIDRs` after the first). */
  extraPodCIDRs?: readonly string[];
  networkName?: string;
  bridgeName?: string;
  /** Let the bridge plugin masquerade pod egress with iptables. Default false: egress NAT is the network agent's job (nft). */
  ipMasq?: boolean;
  /** Pod MTU; default: the bridge plugin's (1500). */
  mtu?: number;
  /** host-local's state directory; default the plugin's (/var/lib/cni/networks). */
  ipamDataDir?: string;
  /** Include `portmap` (hostPort support). Default true. */
  portmap?: boolean;
}

const ipv4Cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * Checks a pod CIDR: an IPv4 network address with a prefix of /8 to /30 (host bits zero), or an
 * IPv6 CIDR. Throws CniConfigError.
 */
export function validatePodCIDR(cidr: string): void {
  const m = ipv4Cidr.exec(cidr);
  if (m) {
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix < 8 || prefix > 30) {
      throw new CniConfigError(
        `invalid pod CIDR "${cidr}": need an IPv4 network between /8 and /30`,
      );
    }
    const addr = octets.reduce((a, o) => a * 256 + o, 0);
    const hostBits = 2 ** (32 - prefix);
    if (addr % hostBits !== 0)
      throw new CniConfigError(`invalid pod CIDR "${cidr}": host bits are set`);
    return;
  }
  if (/^[0-9a-fA-F:]+\/\d{1,3}$/.test(cidr) && cidr.includes(':')) {
    const prefix = Number(cidr.split('/')[1]);
    if (prefix >= 8 && prefix <= 126) return;
  }
  throw new CniConfigError(`invalid pod CIDR "${cidr}"`);
}

/**
 * The default configuration list document (an object ready for JSON). Each pod CIDR is one
 * host-local range set; the default route of each family goes through the bridge's gateway.
 */
export function defaultNetworkConfig(options: DefaultNetworkOptions): Record<string, unknown> {
  const cidrs = [options.podCIDR, ...(options.extraPodCIDRs ?? [])];
  cidrs.forEach(validatePodCIDR);
  const bridge = options.bridgeName ?? DEFAULT_BRIDGE_NAME;
  if (bridge === '' || bridge.length > 15 || /[/:\s]/.test(bridge)) {
    throw new CniConfigError(`invalid bridge name "${bridge}"`);
  }
  const routes = [...new Set(cidrs.map((c) => (c.includes(':') ? '::/0' : '0.0.0.0/0')))].map(
    (dst) => ({ dst }),
  );
  const ipam: Record<string, unknown> = {
    type: 'host-local',
    ranges: cidrs.map((subnet) => [{ subnet }]),
    routes,
  };
  if (options.ipamDataDir !== undefined) ipam.dataDir = options.ipamDataDir;
  const bridgeConf: Record<string, unknown> = {
    type: 'bridge',
    bridge,
    isGateway: true,
    ipMasq: options.ipMasq ?? false,
    hairpinMode: true,
    ipam,
  };
  if (options.mtu !== undefined) bridgeConf.mtu = options.mtu;
  const plugins: Record<string, unknown>[] = [bridgeConf];
  if (options.portmap ?? true)
    plugins.push({ type: 'portmap', capabilities: { portMappings: true } });
  plugins.push({ type: 'loopback' });
  return {
    cniVersion: CNI_SPEC_VERSION,
    name: options.networkName ?? DEFAULT_NETWORK_NAME,
    plugins,
  };
}

/** {@link defaultNetworkConfig} as a parsed list, ready for CniClient. */
export function defaultNetworkConfigList(options: DefaultNetworkOptions): NetworkConfigList {
  return parseNetworkConfigList(`${JSON.stringify(defaultNetworkConfig(options), null, 2)}\n`);
}
