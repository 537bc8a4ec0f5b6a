/**
 * A pod's resolver configuration, as the kubelet computes it (pkg/kubelet/network/dns, 1.32)
 * and containerd writes it: the DNS policy (ClusterFirst, ClusterFirstWithHostNet, Default,
 * None), the cluster search path `<ns>.svc.<domain> svc.<domain> <domain>` before the host's,
 * `ndots:5`, `dnsConfig` merged in, and the limits (3 nameservers, 32 search paths, 2048
 * characters, no path over 253) with upstream's event messages. Pure: events come back as
 * values for the caller's recorder.
 */
import type { Pod, PodDNSConfigOption } from 'kubernetes-types/core/v1.js';

/** At most this many nameservers reach the file (validation.MaxDNSNameservers). */
export const MAX_DNS_NAMESERVERS = 3;
/** At most this many search paths (validation.MaxDNSSearchPaths; ExpandedDNSConfig is GA). */
export const MAX_DNS_SEARCH_PATHS = 32;
/** At most this many characters on the search line (validation.MaxDNSSearchListChars). */
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** A search path longer than a DNS subdomain is dropped (glibc aborts on such paths). */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
/** The options a ClusterFirst pod gets before its own dnsConfig. */
export const DEFAULT_DNS_OPTIONS: readonly string[] = ['ndots:5'];

/** A resolver configuration (the CRI's DNSConfig). Fresh arrays, owned by the caller. */
export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** An event the kubelet would record; `on` says whether it concerns the pod or the node. */
export interface DnsEvent {
  on: 'pod' | 'node';
  type: 'Warning';
  reason: 'DNSConfigForming' | 'MissingClusterDNS' | 'CheckLimitsForResolvConf';
  message: string;
}

/**
 * Parses resolv.conf as the kubelet does: `nameserver` lines accumulate, the last `search` and
 * the last `options` line win, `#` comment lines are skipped, search paths lose a trailing dot.
 * A `nameserver` line without an address is an error ("nameserver list is empty"); the kubelet
 * then fails the pod's DNS setup, so callers should treat `errors` as fatal.
 */
export function parseResolvConf(text: string): { config: ResolvConf; errors: string[] } {
  const config: ResolvConf = { nameservers: [], searches: [], options: [] };
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter((f) => f !== '');
    const [key, ...rest] = fields;
    if (key === undefined) continue;
    if (key === 'nameserver') {
      if (rest[0] !== undefined) config.nameservers.push(rest[0]);
      else errors.push('nameserver list is empty ');
    } else if (key === 'search') {
      config.searches = rest.map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    } else if (key === 'options') {
      config.options = rest;
    }
  }
  return { config, errors };
}

/** Drops repeated entries, keeping the first. */
export function omitDuplicates(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Trims nameservers to the limit; the event says which line was applied. */
export function formDnsNameserversFitsLimits(
  nameservers: readonly string[],
  events: DnsEvent[] = [],
): string[] {
  if (nameservers.length <= MAX_DNS_NAMESERVERS) return [...nameservers];
  const applied = nameservers.slice(0, MAX_DNS_NAMESERVERS);
  events.push({
    on: 'pod',
    type: 'Warning',
    reason: 'DNSConfigForming',
    message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${applied.join(' ')}`,
  });
  return applied;
}

/**
 * Trims the search list to the limits: at most 32 paths, none over 253 characters, the line at
 * most 2048 characters (paths dropped from the end). Pushes upstream's event when anything was
 * dropped.
 */
export function formDnsSearchFitsLimits(
  search: readonly string[],
  events: DnsEvent[] = [],
): string[] {
  let exceeded = false;
  let composed = [...search];
  if (composed.length > MAX_DNS_SEARCH_PATHS) {
    composed = composed.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const kept = composed.filter((s) => s.length <= DNS1123_SUBDOMAIN_MAX_LENGTH);
  if (kept.length !== composed.length) exceeded = true;
  composed = kept;
  const lineLength = composed.join(' ').length;
  if (lineLength > MAX_DNS_SEARCH_LIST_CHARS) {
    let cutLen = 0;
    let cutNum = 0;
    for (let i = composed.length - 1; i >= 0; i--) {
      cutLen += (composed[i]?.length ?? 0) + 1;
      cutNum++;
      if (lineLength - cutLen <= MAX_DNS_SEARCH_LIST_CHARS) break;
    }
    composed = composed.slice(0, composed.length - cutNum);
    exceeded = true;
  }
  if (exceeded) {
    events.push({
      on: 'pod',
      type: 'Warning',
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${composed.join(' ')}`,
    });
  }
  return composed;
}

/** The ClusterFirst search list: the three cluster paths, then the host's, duplicates dropped. */
export function searchesForClusterFirst(
  hostSearch: readonly string[],
  namespace: string,
  clusterDomain: string,
): string[] {
  if (clusterDomain === '') return [...hostSearch];
  return omitDuplicates([
    `${namespace}.svc.${clusterDomain}`,
    `svc.${clusterDomain}`,
    clusterDomain,
    ...hostSearch,
  ]);
}

/**
 * Merges `dnsConfig.options` into existing options: a name given by the pod replaces the
 * existing option of that name (`ndots:5` + `{name: ndots, value: "3"}` → `ndots:3`).
 * Order: existing names first (in their order), then new names (upstream's order is a Go map's,
 * i.e. unspecified).
 */
export function mergeDnsOptions(
  existing: readonly string[],
  options: readonly PodDNSConfigOption[],
): string[] {
  const merged = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i !== -1) merged.set(op.slice(0, i), op.slice(i + 1));
    else merged.set(op, '');
  }
  for (const op of options) merged.set(op.name ?? '', op.value ?? '');
  return [...merged].map(([name, value]) => (value !== '' ? `${name}:${value}` : name));
}

/** How a pod's DNS is formed (getPodDNSType). */
export type PodDnsType = 'cluster' | 'host' | 'none';

/**
 * The pod's DNS type from its policy: None → none; ClusterFirstWithHostNet → cluster;
 * ClusterFirst → cluster unless the pod uses the host network (then host); Default → host.
 * An unknown policy returns cluster with an error (the API server rejects such pods).
 */
export function podDnsType(pod: Pod): { type: PodDnsType; error?: string } {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  switch (policy) {
    case 'None':
      return { type: 'none' };
    case 'ClusterFirstWithHostNet':
      return { type: 'cluster' };
    case 'ClusterFirst':
      return { type: pod.spec?.hostNetwork === true ? 'host' : 'cluster' };
    case 'Default':
      return { type: 'host' };
    default:
      return { type: 'cluster', error: `invalid DNSPolicy=${policy}` };
  }
}

/** The kubelet's DNS settings (its configuration flags). */
export interface DnsConfigurerOptions {
  /** `--cluster-dns`: the cluster DNS service IPs; empty makes ClusterFirst fall back to Default. */
  clusterDNS: readonly string[];
  /** `--cluster-domain`, e.g. `cluster.local`. */
  clusterDomain: string;
  /**
   * The parsed `--resolv-conf` file (see parseResolvConf), or undefined when the flag is empty:
   * then host-DNS pods get `nameserver 127.0.0.1` (`::1` per IPv6 node IP) and `search .`.
   */
  hostDNS?: ResolvConf;
  /** The node's IPs (only used when hostDNS is undefined). */
  nodeIPs?: readonly string[];
}

function podRef(pod: Pod): string {
  return `${pod.metadata?.name ?? ''}_${pod.metadata?.namespace ?? ''}(${pod.metadata?.uid ?? ''})`;
}

/**
 * The pod's resolver configuration (Configurer.GetPodDNS) and the events the kubelet records
 * while forming it. An invalid policy is treated as ClusterFirst (upstream logs it).
 */
export function podDnsConfig(
  pod: Pod,
  options: DnsConfigurerOptions,
): { config: ResolvConf; events: DnsEvent[] } {
  const events: DnsEvent[] = [];
  const host = options.hostDNS;
  let config: ResolvConf = {
    nameservers: [...(host?.nameservers ?? [])],
    searches: [...(host?.searches ?? [])],
    options: [...(host?.options ?? [])],
  };
  let type = podDnsType(pod).type;
  if (type === 'none') {
    config = { nameservers: [], searches: [], options: [] };
  } else if (type === 'cluster') {
    if (options.clusterDNS.length > 0) {
      config.nameservers = [...options.clusterDNS];
      config.searches = searchesForClusterFirst(
        config.searches,
        pod.metadata?.namespace ?? '',
        options.clusterDomain,
      );
      config.options = [...DEFAULT_DNS_OPTIONS];
    } else {
      const nodeMessage =
        'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
      events.push({
        on: 'node',
        type: 'Warning',
        reason: 'MissingClusterDNS',
        message: nodeMessage,
      });
      events.push({
        on: 'pod',
        type: 'Warning',
        reason: 'MissingClusterDNS',
        message: `pod: ${JSON.stringify(podRef(pod))}. ${nodeMessage}`,
      });
      type = 'host';
    }
  }
  if (type === 'host' && host === undefined) {
    for (const ip of options.nodeIPs ?? [])
      config.nameservers.push(ip.includes(':') ? '::1' : '127.0.0.1');
    if (config.nameservers.length === 0) config.nameservers.push('127.0.0.1');
    config.searches = ['.'];
  }
  const dnsConfig = pod.spec?.dnsConfig;
  if (dnsConfig !== undefined) {
    config.nameservers = omitDuplicates([...config.nameservers, ...(dnsConfig.nameservers ?? [])]);
    config.searches = omitDuplicates([...config.searches, ...(dnsConfig.searches ?? [])]);
    config.options = mergeDnsOptions(config.options, dnsConfig.options ?? []);
  }
  config.nameservers = formDnsNameserversFitsLimits(config.nameservers, events);
  config.searches = formDnsSearchFitsLimits(config.searches, events);
  return { config, events };
}

/**
 * Checks the node's resolv.conf search line against the limits, leaving room for the three
 * cluster paths (CheckLimitsForResolvConf); returns the node event, or undefined when fine.
 */
export function checkLimitsForResolvConf(
  path: string,
  hostSearch: readonly string[],
  clusterDomain: string,
): DnsEvent | undefined {
  const limit = clusterDomain !== '' ? MAX_DNS_SEARCH_PATHS - 3 : MAX_DNS_SEARCH_PATHS;
  const ev = (message: string): DnsEvent => ({
    on: 'node',
    type: 'Warning',
    reason: 'CheckLimitsForResolvConf',
    message,
  });
  if (hostSearch.length > limit) {
    return ev(
      `Resolv.conf file '${path}' contains search line consisting of more than ${limit} domains!`,
    );
  }
  if (hostSearch.some((s) => s.length > DNS1123_SUBDOMAIN_MAX_LENGTH)) {
    return ev(
      `Resolv.conf file ${JSON.stringify(path)} contains a search path which length is more than allowed ${DNS1123_SUBDOMAIN_MAX_LENGTH} chars!`,
    );
  }
  if (hostSearch.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    return ev(
      `Resolv.conf file '${path}' contains search line which length is more than allowed ${MAX_DNS_SEARCH_LIST_CHARS} chars!`,
    );
  }
  return undefined;
}

/**
 * The sandbox's resolv.conf text as containerd writes it (`search`, then one `nameserver` per
 * server, then `options`). An empty configuration gives '' — containerd then copies the host's
 * resolv.conf instead (see writeSandboxFiles), which is what a dnsPolicy None pod without
 * dnsConfig gets.
 */
export function formatResolvConf(config: ResolvConf): string {
  let out = '';
  if (config.searches.length > 0) out += `search ${config.searches.join(' ')}\n`;
  for (const ns of config.nameservers) out += `nameserver ${ns}\n`;
  if (config.options.length > 0) out += `options ${config.options.join(' ')}\n`;
  return out;
}
