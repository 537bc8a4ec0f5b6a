/**
 * A pod's /etc/hosts and host name, as the kubelet makes them (kubelet_pods.go, 1.32): the
 * managed hosts file (header, localhost lines, one line per pod IP with the FQDN when the pod
 * has a subdomain, then hostAliases), the host-network variant (the node's file plus aliases),
 * the pod's hostname and domain (`spec.hostname`, `spec.subdomain`, truncation to 63
 * characters), the kernel nodename (`setHostnameAsFQDN`) and the /etc/hostname text. Pure.
 */
import type { HostAlias, Pod } from 'kubernetes-types/core/v1.js';
import { isDNS1123Label } from '../../api/index.ts';

/** First line of a managed hosts file. */
export const MANAGED_HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
/** First line of a host-network pod's hosts file. */
export const MANAGED_HOSTS_HEADER_HOST_NETWORK =
  '# Kubernetes-managed hosts file (host network).\n';

/** The hostAliases block (empty without aliases): one line per alias, hostnames tab-separated. */
export function hostsEntriesFromHostAliases(aliases: readonly HostAlias[] | undefined): string {
  if (aliases === undefined || aliases.length === 0) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

/**
 * The managed hosts file of a pod with its own network namespace. `hostDomain` '' means the pod
 * has no subdomain (a bare hostname line per IP).
 */
export function managedHostsFileContent(
  podIPs: readonly string[],
  hostname: string,
  hostDomain: string,
  aliases?: readonly HostAlias[],
): string {
  let out = MANAGED_HOSTS_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) {
    out +=
      hostDomain !== ''
        ? `${ip}\t${hostname}.${hostDomain}\t${hostname}\n`
        : `${ip}\t${hostname}\n`;
  }
  return out + hostsEntriesFromHostAliases(aliases);
}

/** The hosts file of a host-network pod: the node's file (given) under the header, plus aliases. */
export function nodeHostsFileContent(nodeHosts: string, aliases?: readonly HostAlias[]): string {
  return MANAGED_HOSTS_HEADER_HOST_NETWORK + nodeHosts + hostsEntriesFromHostAliases(aliases);
}

/** The pod's hosts file for either network mode (ensureHostsFile). */
export function podHostsFileContent(args: {
  hostNetwork: boolean;
  podIPs: readonly string[];
  hostname: string;
  hostDomain: string;
  aliases?: readonly HostAlias[];
  /** The node's /etc/hosts text (host-network pods only). */
  nodeHosts?: string;
}): string {
  if (args.hostNetwork) return nodeHostsFileContent(args.nodeHosts ?? '', args.aliases);
  return managedHostsFileContent(args.podIPs, args.hostname, args.hostDomain, args.aliases);
}

/** The pod's name or hostname cut to 63 characters without a trailing '-' or '.'. */
export function truncatePodHostname(podName: string, hostname: string): string {
  const max = 63;
  if (hostname.length <= max) return hostname;
  const truncated = hostname.slice(0, max).replace(/[-.]+$/, '');
  if (truncated === '')
    throw new Error(
      `hostname for pod ${JSON.stringify(podName)} was invalid: ${JSON.stringify(hostname)}`,
    );
  return truncated;
}

/**
 * The pod's hostname and domain (GeneratePodHostNameAndDomain): `spec.hostname` or the pod
 * name, truncated; the domain `<subdomain>.<namespace>.svc.<clusterDomain>` when `spec.subdomain`
 * is set, else ''. Throws with upstream's message for an invalid hostname or subdomain.
 */
export function podHostnameAndDomain(
  pod: Pod,
  clusterDomain: string,
): { hostname: string; hostDomain: string } {
  const podName = pod.metadata?.name ?? '';
  let hostname = podName;
  const specHostname = pod.spec?.hostname ?? '';
  if (specHostname !== '') {
    const msgs = isDNS1123Label(specHostname);
    if (msgs.length > 0) {
      throw new Error(
        `pod Hostname ${JSON.stringify(specHostname)} is not a valid DNS label: ${msgs.join(';')}`,
      );
    }
    hostname = specHostname;
  }
  hostname = truncatePodHostname(podName, hostname);
  let hostDomain = '';
  const subdomain = pod.spec?.subdomain ?? '';
  if (subdomain !== '') {
    const msgs = isDNS1123Label(subdomain);
    if (msgs.length > 0) {
      throw new Error(
        `pod Subdomain ${JSON.stringify(subdomain)} is not a valid DNS label: ${msgs.join(';')}`,
      );
    }
    hostDomain = `${subdomain}.${pod.metadata?.namespace ?? ''}.svc.${clusterDomain}`;
  }
  return { hostname, hostDomain };
}

/**
 * The kernel hostname (uname nodename) of the pod (GetNodenameForKernel): the FQDN when
 * `setHostnameAsFQDN` and a domain are set (error above 64 characters), else the hostname.
 */
export function nodenameForKernel(
  hostname: string,
  hostDomain: string,
  setHostnameAsFQDN: boolean | undefined,
): string {
  if (hostDomain === '' || setHostnameAsFQDN !== true) return hostname;
  const fqdn = `${hostname}.${hostDomain}`;
  const max = 64;
  if (fqdn.length > max) {
    throw new Error(
      `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${max} characters is the max, ${fqdn.length} characters requested)`,
    );
  }
  return fqdn;
}

/** The sandbox's /etc/hostname text (containerd writes the hostname and a newline). */
export function hostnameFileContent(hostname: string): string {
  return `${hostname}\n`;
}
