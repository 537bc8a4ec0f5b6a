/**
 * The pod sandbox: its network, IPC and UTS namespaces (persistent bind mounts, no pause
 * process), its network through CNI 1.0 (a libcni-like client: chains, prevResult, result
 * cache, idempotent DEL), the default bridge/host-local/portmap/loopback configuration, and its
 * /etc files (hosts, resolv.conf, hostname) as the kubelet and containerd make them.
 */
export {
  CNI_SPEC_VERSION,
  CniConfigError,
  SUPPORTED_CNI_VERSIONS,
  buildPluginConfig,
  buildPluginEnv,
  compareCniVersions,
  containerIdError,
  formatCniArgs,
  interfaceNameError,
  k8sCniArgs,
  listCapabilities,
  networkNameError,
  parseNetworkConfigList,
  parsePluginConfig,
  podPortMappings,
  validateRuntimeConf,
} from './cni-config.ts';
export type {
  CniCommand,
  CniPortMapping,
  JsonObject,
  JsonValue,
  NetworkConfigList,
  PluginConfig,
  PodSandboxIdentity,
  RuntimeConf,
} from './cni-config.ts';
export {
  CNI_CACHE_KIND,
  CniError,
  CniErrorCode,
  cacheFileName,
  decodeCacheRecord,
  decodeCniResult,
  encodeCacheRecord,
  parseCniResult,
  parseVersionResult,
  pluginRunError,
  podIPs,
  resultToJson,
} from './cni-result.ts';
export type {
  CachedAttachment,
  CniDns,
  CniInterface,
  CniIpConfig,
  CniResult,
  CniRoute,
  PluginRun,
  PluginVersionInfo,
} from './cni-result.ts';
export {
  CniClient,
  DEFAULT_CNI_CACHE_DIR,
  DEFAULT_CNI_PLUGIN_DIRS,
  DEFAULT_PLUGIN_TIMEOUT_MS,
  hostPluginExecutor,
} from './cni.ts';
export type { CniClientOptions, PluginExecutor } from './cni.ts';
export {
  DEFAULT_BRIDGE_NAME,
  DEFAULT_NETWORK_NAME,
  DEFAULT_POD_INTERFACE,
  defaultNetworkConfig,
  defaultNetworkConfigList,
  validatePodCIDR,
} from './default-config.ts';
export type { DefaultNetworkOptions } from './default-config.ts';
export {
  DEFAULT_DNS_OPTIONS,
  DNS1123_SUBDOMAIN_MAX_LENGTH,
  MAX_DNS_NAMESERVERS,
  MAX_DNS_SEARCH_LIST_CHARS,
  MAX_DNS_SEARCH_PATHS,
  checkLimitsForResolvConf,
  formDnsNameserversFitsLimits,
  formDnsSearchFitsLimits,
  formatResolvConf,
  mergeDnsOptions,
  omitDuplicates,
  parseResolvConf,
  podDnsConfig,
  podDnsType,
  searchesForClusterFirst,
} from './dns.ts';
export type { DnsConfigurerOptions, DnsEvent, PodDnsType, ResolvConf } from './dns.ts';
export {
  MANAGED_HOSTS_HEADER,
  MANAGED_HOSTS_HEADER_HOST_NETWORK,
  hostnameFileContent,
  hostsEntriesFromHostAliases,
  managedHostsFileContent,
  nodeHostsFileContent,
  nodenameForKernel,
  podHostnameAndDomain,
  podHostsFileContent,
  truncatePodHostname,
} from './hosts.ts';
export {
  DEFAULT_SANDBOX_RUN_DIR,
  NETNS_DIR,
  NamespaceError,
  createNetns,
  createSandboxNamespaces,
  deleteNetns,
  deleteSandboxNamespaces,
  isMountPointIn,
  netnsExists,
  runCommand,
  runInNetns,
  sandboxNameForPod,
  sandboxNamespacePaths,
  spawnInNetns,
  validateSandboxName,
} from './netns.ts';
export type { CommandResult, NamespaceOptions, RunOptions, SandboxNamespaces } from './netns.ts';
export { HOST_RESOLV_CONF, removeSandboxFiles, writeSandboxFiles } from './sandbox-files.ts';
export type { SandboxFilePaths, SandboxFiles } from './sandbox-files.ts';
export {
  podSandboxRuntimeConf,
  setUpPodSandboxNetwork,
  tearDownPodSandboxNetwork,
} from './sandbox.ts';
export type { PodSandboxNetwork, PodSandboxNetworkRequest } from './sandbox.ts';
