/**
 * CNI results and errors, as pure functions: decoding a plugin's ADD result (spec 0.3.0 to
 * 1.0.0 shapes, normalised to 1.0.0), converting it back to the list's version for `prevResult`,
 * turning a failed invocation into a CniError with libcni's messages, the VERSION answer, and
 * libcni's result cache record (`cniCacheV1`) so DEL and CHECK get the ADD result after a
 * restart (and tools that read libcni's cache can read ours).
 */
import type { CniCommand, NetworkConfigList, PluginConfig, RuntimeConf } from './cni-config.ts';
import { compareCniVersions } from './cni-config.ts';

/** An interface a plugin created (`sandbox` set for interfaces inside the pod). */
export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
}

/** One assigned address (`address` in CIDR form, e.g. `10.244.1.5/24`). */
export interface CniIpConfig {
  address: string;
  gateway?: string;
  /** Index into `interfaces`. */
  interface?: number;
}

/** A route the plugin installed in the sandbox. */
export interface CniRoute {
  dst: string;
  gw?: string;
}

/** DNS information a plugin reports (rarely used by Kubernetes runtimes). */
export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** A CNI 1.0 result; fresh object per decode, owned by the caller. */
export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: CniDns;
}

/** The well-known error codes of the spec (0-99 reserved; 100+ plugin specific). */
export const CniErrorCode = {
  IncompatibleCNIVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironmentVariables: 4,
  IOFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  /** Not from the spec: what the reference plugins use for internal failures. */
  Internal: 999,
} as const;

/**
 * A plugin failed, or its answer could not be used. `message` is libcni's wording
 * (`plugin type="bridge" failed (add): <msg>; <details>`); the fields keep the parts.
 */
export class CniError extends Error {
  override name = 'CniError';
  constructor(
    /** The plugin's error code (0 when the plugin printed none). */
    readonly code: number,
    /** The plugin's `msg`. */
    readonly msg: string,
    /** The plugin's `details` ('' when absent). */
    readonly details: string,
    /** The plugin type, when the failure came from a plugin. */
    readonly plugin?: string,
    /** The operation. */
    readonly command?: CniCommand,
    options?: { cause?: unknown },
  ) {
    super(formatCniErrorMessage(msg, details, plugin, command), options);
  }
}

function pluginDescription(plugin: string | PluginConfig): string {
  if (typeof plugin === 'string') return `type="${plugin}"`;
  return `type="${plugin.type}"${plugin.name !== undefined && plugin.name !== '' ? ` name="${plugin.name}"` : ''}`;
}

function formatCniErrorMessage(
  msg: string,
  details: string,
  plugin?: string,
  command?: CniCommand,
): string {
  const body = details !== '' ? `${msg}; ${details}` : msg;
  if (plugin === undefined) return body;
  const verb = command === 'DEL' ? 'delete' : (command ?? 'exec').toLowerCase();
  return `plugin ${plugin} failed (${verb}): ${body}`;
}

/** What one plugin process did. */
export interface PluginRun {
  stdout: string;
  stderr: string;
  /** null when it was killed by a signal. */
  exitCode: number | null;
  signal?: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The CniError of a failed run (non-zero exit), with libcni's fallbacks: the structured error
 * the plugin printed on stdout (`{code,msg,details}`), else its stderr, else the exit status.
 */
export function pluginRunError(
  run: PluginRun,
  plugin: string | PluginConfig,
  command: CniCommand,
): CniError {
  const desc = pluginDescription(plugin);
  const status =
    run.exitCode !== null ? `exit status ${run.exitCode}` : `signal: ${run.signal ?? 'unknown'}`;
  const out = run.stdout.trim();
  if (out === '') {
    const err = run.stderr.trim();
    const msg =
      err === ''
        ? `netplugin failed with no error message: ${status}`
        : `netplugin failed: ${JSON.stringify(run.stderr)}`;
    return new CniError(0, msg, '', desc, command);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch (e) {
    return new CniError(
      0,
      `netplugin failed but error parsing its diagnostic message ${JSON.stringify(run.stdout)}: ${(e as Error).message}`,
      '',
      desc,
      command,
    );
  }
  if (!isObject(parsed)) {
    return new CniError(0, `netplugin failed: ${JSON.stringify(run.stdout)}`, '', desc, command);
  }
  const code = typeof parsed.code === 'number' ? parsed.code : 0;
  const msg = typeof parsed.msg === 'string' ? parsed.msg : '';
  const details = typeof parsed.details === 'string' ? parsed.details : '';
  return new CniError(code, msg === '' ? status : msg, details, desc, command);
}

function strings(v: unknown, field: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw new Error(`${field} must be a list of strings`);
  }
  return v as string[];
}

function optString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`${field} must be a string`);
  return v;
}

/**
 * Decodes a result (an ADD answer or a cached result): versions 0.3.0 to 1.0.0 are accepted and
 * normalised to the 1.0.0 shape (0.3.x/0.4.0 `ips[].version` dropped). 0.1/0.2 results (`ip4`)
 * and malformed ones throw a CniError (code 6) naming the plugin when given.
 */
export function decodeCniResult(value: unknown, plugin?: string | PluginConfig): CniResult {
  const fail = (why: string): CniError =>
    new CniError(
      CniErrorCode.DecodingFailure,
      `failed to decode result: ${why}`,
      '',
      plugin === undefined ? undefined : pluginDescription(plugin),
      plugin === undefined ? undefined : 'ADD',
    );
  if (!isObject(value)) throw fail('not a JSON object');
  const cniVersion = typeof value.cniVersion === 'string' ? value.cniVersion : '';
  if (cniVersion === '' || 'ip4' in value || 'ip6' in value) {
    throw fail(`unsupported result version "${cniVersion || '0.1.0'}" (0.3.0 or later needed)`);
  }
  try {
    if (compareCniVersions(cniVersion, '0.3.0') < 0)
      throw new Error(`unsupported result version "${cniVersion}"`);
    const interfaces: CniInterface[] = [];
    for (const [i, raw] of ((value.interfaces as unknown[] | undefined | null) ?? []).entries()) {
      if (!isObject(raw) || typeof raw.name !== 'string')
        throw new Error(`interfaces[${i}] needs a name`);
      const mac = optString(raw.mac, `interfaces[${i}].mac`);
      const sandbox = optString(raw.sandbox, `interfaces[${i}].sandbox`);
      interfaces.push({
        name: raw.name,
        ...(mac !== undefined ? { mac } : {}),
        ...(typeof raw.mtu === 'number' && raw.mtu > 0 ? { mtu: raw.mtu } : {}),
        ...(sandbox !== undefined ? { sandbox } : {}),
      });
    }
    const ips: CniIpConfig[] = [];
    for (const [i, raw] of ((value.ips as unknown[] | undefined | null) ?? []).entries()) {
      if (!isObject(raw) || typeof raw.address !== 'string' || !raw.address.includes('/')) {
        throw new Error(`ips[${i}].address must be an address in CIDR form`);
      }
      const gateway = optString(raw.gateway, `ips[${i}].gateway`);
      const iface = raw.interface;
      if (
        iface !== undefined &&
        iface !== null &&
        (typeof iface !== 'number' || !Number.isInteger(iface))
      ) {
        throw new Error(`ips[${i}].interface must be an integer`);
      }
      ips.push({
        address: raw.address,
        ...(gateway !== undefined ? { gateway } : {}),
        ...(typeof iface === 'number' ? { interface: iface } : {}),
      });
    }
    const routes: CniRoute[] = [];
    for (const [i, raw] of ((value.routes as unknown[] | undefined | null) ?? []).entries()) {
      if (!isObject(raw) || typeof raw.dst !== 'string')
        throw new Error(`routes[${i}].dst must be a CIDR`);
      const gw = optString(raw.gw, `routes[${i}].gw`);
      routes.push({ dst: raw.dst, ...(gw !== undefined ? { gw } : {}) });
    }
    const dns: CniDns = {};
    if (isObject(value.dns)) {
      const nameservers = strings(value.dns.nameservers, 'dns.nameservers');
      const domain = optString(value.dns.domain, 'dns.domain');
      const search = strings(value.dns.search, 'dns.search');
      const options = strings(value.dns.options, 'dns.options');
      if (nameservers !== undefined) dns.nameservers = nameservers;
      if (domain !== undefined) dns.domain = domain;
      if (search !== undefined) dns.search = search;
      if (options !== undefined) dns.options = options;
    }
    return { cniVersion, interfaces, ips, routes, dns };
  } catch (e) {
    throw fail((e as Error).message);
  }
}

/** Parses a plugin's stdout as a result (see {@link decodeCniResult}). */
export function parseCniResult(stdout: string, plugin?: string | PluginConfig): CniResult {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch (e) {
    throw new CniError(
      CniErrorCode.DecodingFailure,
      `failed to decode result: ${(e as Error).message}`,
      stdout.slice(0, 200),
      plugin === undefined ? undefined : pluginDescription(plugin),
      plugin === undefined ? undefined : 'ADD',
    );
  }
  return decodeCniResult(value, plugin);
}

function ipVersion(address: string): string {
  return address.includes(':') ? '6' : '4';
}

/**
 * The JSON of a result in `cniVersion` (the list's version), as libcni's GetAsVersion: 1.0.0
 * as is; 0.3.x/0.4.0 with `ips[].version`. Optional fields stay absent, not empty.
 */
export function resultToJson(result: CniResult, cniVersion: string): Record<string, unknown> {
  const legacy = compareCniVersions(cniVersion, '1.0.0') < 0;
  const out: Record<string, unknown> = { cniVersion };
  if (result.interfaces.length > 0) out.interfaces = result.interfaces.map((i) => ({ ...i }));
  if (result.ips.length > 0) {
    out.ips = result.ips.map((ip) =>
      legacy ? { version: ipVersion(ip.address), ...ip } : { ...ip },
    );
  }
  if (result.routes.length > 0) out.routes = result.routes.map((r) => ({ ...r }));
  const dns: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result.dns)) if (v !== undefined) dns[k] = v;
  if (Object.keys(dns).length > 0) out.dns = dns;
  return out;
}

/**
 * The pod IPs of a result, as the CRI reports them: the addresses (without prefix length) of
 * the sandbox interface named `ifName` (addresses on no particular interface count too, as
 * some IPAM-only chains report them), IPv4 first.
 */
export function podIPs(result: CniResult, ifName: string): string[] {
  const ips: string[] = [];
  for (const ip of result.ips) {
    if (ip.interface !== undefined) {
      const iface = result.interfaces[ip.interface];
      if (iface === undefined || iface.name !== ifName || (iface.sandbox ?? '') === '') continue;
    }
    const addr = ip.address.split('/')[0] ?? '';
    if (addr !== '' && !ips.includes(addr)) ips.push(addr);
  }
  return ips.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
}

/** A plugin's answer to VERSION. */
export interface PluginVersionInfo {
  cniVersion: string;
  supportedVersions: string[];
}

/**
 * Decodes a VERSION answer. A plugin that prints no `supportedVersions` is treated as libcni
 * does for pre-0.3 plugins (0.1.0 and 0.2.0). Throws CniError (code 6).
 */
export function parseVersionResult(stdout: string, plugin: string): PluginVersionInfo {
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch (e) {
    throw new CniError(
      CniErrorCode.DecodingFailure,
      `decoding version info: ${(e as Error).message}`,
      '',
      `type="${plugin}"`,
      'VERSION',
    );
  }
  if (!isObject(v)) {
    throw new CniError(
      CniErrorCode.DecodingFailure,
      'decoding version info: not an object',
      '',
      `type="${plugin}"`,
      'VERSION',
    );
  }
  const cniVersion = typeof v.cniVersion === 'string' ? v.cniVersion : '0.1.0';
  const supported = Array.isArray(v.supportedVersions)
    ? v.supportedVersions.filter((s): s is string => typeof s === 'string')
    : ['0.1.0', '0.2.0'];
  return { cniVersion, supportedVersions: supported };
}

/** libcni's cache record kind. */
export const CNI_CACHE_KIND = 'cniCacheV1';

/** One cached attachment (libcni's cachedInfo). */
export interface CachedAttachment {
  containerId: string;
  networkName: string;
  ifName: string;
  netns: string;
  /** The configuration list's text at ADD time. */
  config: string;
  cniArgs: [string, string][];
  capabilityArgs: Record<string, unknown>;
  /** The final ADD result (undefined for a record written without one). */
  result?: CniResult;
}

/** File name of an attachment's cache record under `<cacheDir>/results/` (libcni's scheme). */
export function cacheFileName(networkName: string, containerId: string, ifName: string): string {
  if (networkName === '' || containerId === '' || ifName === '') {
    throw new CniError(
      CniErrorCode.InvalidEnvironmentVariables,
      `cache file path requires network name (${JSON.stringify(networkName)}), container ID (${JSON.stringify(containerId)}), and interface name (${JSON.stringify(ifName)})`,
      '',
    );
  }
  return `${networkName}-${containerId}-${ifName}`;
}

/**
 * The cache record of a successful ADD, in libcni's JSON layout (the configuration bytes are
 * base64, as Go encodes []byte).
 */
export function encodeCacheRecord(
  list: NetworkConfigList,
  rt: RuntimeConf,
  result: CniResult,
): string {
  const record: Record<string, unknown> = {
    kind: CNI_CACHE_KIND,
    containerId: rt.containerId,
    config: Buffer.from(list.bytes, 'utf8').toString('base64'),
    ifName: rt.ifName,
    networkName: list.name,
  };
  if (rt.netns !== '') record.netns = rt.netns;
  if (rt.args !== undefined && rt.args.length > 0) record.cniArgs = rt.args.map(([k, v]) => [k, v]);
  if (rt.capabilityArgs !== undefined && Object.keys(rt.capabilityArgs).length > 0) {
    record.capabilityArgs = rt.capabilityArgs;
  }
  record.result = resultToJson(result, result.cniVersion);
  return JSON.stringify(record);
}

/**
 * Decodes a cache record; undefined when the text is not a `cniCacheV1` record (libcni then
 * ignores it), CniError when its result cannot be decoded.
 */
export function decodeCacheRecord(text: string): CachedAttachment | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v) || v.kind !== CNI_CACHE_KIND) return undefined;
  if (
    typeof v.containerId !== 'string' ||
    typeof v.networkName !== 'string' ||
    typeof v.ifName !== 'string'
  ) {
    return undefined;
  }
  const cniArgs: [string, string][] = [];
  if (Array.isArray(v.cniArgs)) {
    for (const pair of v.cniArgs) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') {
        cniArgs.push([pair[0], pair[1]]);
      }
    }
  }
  const out: CachedAttachment = {
    containerId: v.containerId,
    networkName: v.networkName,
    ifName: v.ifName,
    netns: typeof v.netns === 'string' ? v.netns : '',
    config: typeof v.config === 'string' ? Buffer.from(v.config, 'base64').toString('utf8') : '',
    cniArgs,
    capabilityArgs: isObject(v.capabilityArgs) ? v.capabilityArgs : {},
  };
  if (v.result !== undefined && v.result !== null) out.result = decodeCniResult(v.result);
  return out;
}
