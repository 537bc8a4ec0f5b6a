/**
 * CNI network configuration lists and the invocation protocol, as pure functions (CNI spec 1.0,
 * libcni's behaviour): parsing and validating `.conflist` documents, building the configuration
 * one plugin of a chain receives on stdin (`name`, `cniVersion`, `prevResult`, `runtimeConfig`
 * filtered by the plugin's `capabilities`), the `CNI_*` environment, `CNI_ARGS` as the kubelet
 * and containerd's CRI pass them, and the `portMappings` capability argument of a pod.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** A JSON value as `JSON.parse` returns it. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The CNI spec version this client implements (and writes into the default configuration). */
export const CNI_SPEC_VERSION = '1.0.0';
/**
 * Configuration versions this client can run: every version whose result format is the
 * `interfaces`/`ips`/`routes` one (0.3.0 and later). 0.1/0.2 (`ip4`/`ip6` results) are refused.
 */
export const SUPPORTED_CNI_VERSIONS: readonly string[] = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'];

/** The CNI operations (the value of `CNI_COMMAND`). */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

/** A configuration list (or plugin configuration) that cannot be used; the message says why. */
export class CniConfigError extends Error {
  override name = 'CniConfigError';
}

/** One plugin of a configuration list. */
export interface PluginConfig {
  /** The executable's name (`type`), looked up in the plugin directories. */
  readonly type: string;
  /** The plugin entry's own `name`, if any (only used in messages; the list's name wins). */
  readonly name?: string;
  /** Capabilities the plugin declares (`capabilities: {portMappings: true}`). */
  readonly capabilities: Readonly<Record<string, boolean>>;
  /** The plugin's configuration as written (not modified by this module). */
  readonly raw: Readonly<JsonObject>;
}

/** A parsed network configuration list. Immutable; share freely. */
export interface NetworkConfigList {
  readonly name: string;
  readonly cniVersion: string;
  readonly disableCheck: boolean;
  readonly plugins: readonly PluginConfig[];
  /** The document's text exactly as given (cached next to ADD results, as libcni does). */
  readonly bytes: string;
}

/** The per-attachment arguments of one invocation (libcni's RuntimeConf). */
export interface RuntimeConf {
  /** The sandbox's ID (`CNI_CONTAINERID`). */
  readonly containerId: string;
  /** Path of the network namespace (`CNI_NETNS`); may be '' for DEL. */
  readonly netns: string;
  /** Interface name inside the sandbox (`CNI_IFNAME`), e.g. `eth0`. */
  readonly ifName: string;
  /** `CNI_ARGS` pairs, in order (see {@link k8sCniArgs}). */
  readonly args?: readonly (readonly [string, string])[];
  /**
   * Capability arguments (`portMappings`, `bandwidth`, `dns`, ...); each reaches only the
   * plugins that declare that capability, under `runtimeConfig`.
   */
  readonly capabilityArgs?: Readonly<Record<string, unknown>>;
}

const validName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const MAX_IFNAME_LENGTH = 15;

/** libcni's ValidateNetworkName; returns the error message or undefined. */
export function networkNameError(name: string): string | undefined {
  if (name === '') return 'missing network name';
  if (!validName.test(name)) return `invalid characters found in network name: ${name}`;
  return undefined;
}

/** libcni's ValidateContainerID; returns the error message or undefined. */
export function containerIdError(id: string): string | undefined {
  if (id === '') return 'missing containerID';
  if (!validName.test(id)) return `invalid characters in containerID: ${id}`;
  return undefined;
}

/** libcni's ValidateInterfaceName (Linux IFNAMSIZ rules); returns the error message or undefined. */
export function interfaceNameError(ifName: string): string | undefined {
  if (ifName === '') return 'interface name is empty';
  if (ifName.length > MAX_IFNAME_LENGTH) {
    return `interface name is too long: interface name should be less than ${MAX_IFNAME_LENGTH + 1} characters`;
  }
  if (ifName === '.' || ifName === '..') return 'interface name is . or ..';
  if (/[/:\s]/.test(ifName)) return 'interface name contains / or : or whitespace characters';
  return undefined;
}

function parseSemver(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/**
 * Compares two CNI versions (`major.minor.patch`): negative, 0 or positive. Throws
 * CniConfigError for a malformed version.
 */
export function compareCniVersions(a: string, b: string): number {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (!pa) throw new CniConfigError(`invalid version "${a}"`);
  if (!pb) throw new CniConfigError(`invalid version "${b}"`);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Parses one plugin's configuration object (libcni's NetworkPluginConfFromBytes rules). */
export function parsePluginConfig(raw: unknown, index?: number): PluginConfig {
  const where =
    index === undefined ? 'error parsing configuration' : `failed to parse plugin config ${index}`;
  if (!isObject(raw))
    throw new CniConfigError(`${where}: expected an object, got ${typeName(raw)}`);
  const type = raw.type;
  if (type === undefined || type === '') throw new CniConfigError(`${where}: missing 'type'`);
  if (typeof type !== 'string')
    throw new CniConfigError(`${where}: invalid 'type' type ${typeName(type)}`);
  if (type.includes('/')) throw new CniConfigError(`${where}: invalid plugin name: ${type}`);
  const capabilities: Record<string, boolean> = {};
  if (raw.capabilities !== undefined) {
    if (!isObject(raw.capabilities)) {
      throw new CniConfigError(
        `${where}: invalid 'capabilities' type ${typeName(raw.capabilities)}`,
      );
    }
    for (const [k, v] of Object.entries(raw.capabilities)) {
      if (typeof v !== 'boolean')
        throw new CniConfigError(`${where}: capability ${k} must be a boolean`);
      capabilities[k] = v;
    }
  }
  if (raw.ipam !== undefined && !(isObject(raw.ipam) && typeof raw.ipam.type === 'string')) {
    throw new CniConfigError(`${where}: 'ipam' must be an object with a 'type'`);
  }
  const name = typeof raw.name === 'string' ? raw.name : undefined;
  return { type, capabilities, raw, ...(name !== undefined ? { name } : {}) };
}

/**
 * Parses a `.conflist` document with libcni's rules and messages ("error parsing configuration
 * list: ..."), including `cniVersions` (the highest listed version this client supports wins)
 * and `disableCheck` as a boolean or "true"/"false". Then checks what a run needs: a valid
 * network name and a supported cniVersion (a missing version means 0.1.0, which is refused).
 * Throws CniConfigError.
 */
export function parseNetworkConfigList(text: string): NetworkConfigList {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CniConfigError(`error parsing configuration list: ${(err as Error).message}`);
  }
  if (!isObject(parsed))
    throw new CniConfigError(`error parsing configuration list: expected an object`);
  const raw: JsonObject = parsed;
  if (raw.name === undefined) throw new CniConfigError('error parsing configuration list: no name');
  if (typeof raw.name !== 'string') {
    throw new CniConfigError(
      `error parsing configuration list: invalid name type ${typeName(raw.name)}`,
    );
  }
  const name: string = raw.name;
  let cniVersion = '';
  if (raw.cniVersion !== undefined) {
    if (typeof raw.cniVersion !== 'string') {
      throw new CniConfigError(
        `error parsing configuration list: invalid cniVersion type ${typeName(raw.cniVersion)}`,
      );
    }
    cniVersion = raw.cniVersion;
  }
  if (raw.cniVersions !== undefined) {
    if (!Array.isArray(raw.cniVersions)) {
      throw new CniConfigError(
        `error parsing configuration list: invalid type for cniVersions: ${typeName(raw.cniVersions)}`,
      );
    }
    const candidates: string[] = [];
    raw.cniVersions.forEach((v, i) => {
      if (typeof v !== 'string') {
        throw new CniConfigError(
          `error parsing configuration list: invalid type for cniVersions index ${i}: ${typeName(v)}`,
        );
      }
      if (!parseSemver(v)) {
        throw new CniConfigError(
          `error parsing configuration list: invalid cniVersions entry ${v} at index ${i}`,
        );
      }
      if (compareCniVersions(v, CNI_SPEC_VERSION) <= 0) candidates.push(v);
    });
    if (
      cniVersion !== '' &&
      parseSemver(cniVersion) &&
      compareCniVersions(cniVersion, CNI_SPEC_VERSION) <= 0
    ) {
      candidates.push(cniVersion);
    }
    candidates.sort(compareCniVersions);
    const best = candidates.at(-1);
    if (best !== undefined) cniVersion = best;
  }
  const readBool = (key: string): boolean => {
    const v = raw[key];
    if (v === undefined) return false;
    if (typeof v === 'boolean') return v;
    if (typeof v !== 'string') {
      throw new CniConfigError(
        `error parsing configuration list: invalid type ${typeName(v)} for ${key}`,
      );
    }
    const s = v.toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
    throw new CniConfigError(`error parsing configuration list: invalid value "${s}" for ${key}`);
  };
  const disableCheck = readBool('disableCheck');
  if (raw.plugins === undefined)
    throw new CniConfigError(`error parsing configuration list: no 'plugins' key`);
  if (!Array.isArray(raw.plugins)) {
    throw new CniConfigError(
      `error parsing configuration list: invalid 'plugins' type ${typeName(raw.plugins)}`,
    );
  }
  if (raw.plugins.length === 0)
    throw new CniConfigError('error parsing configuration list: no plugins in list');
  const plugins = raw.plugins.map((p, i) => parsePluginConfig(p, i));

  const nameErr = networkNameError(name);
  if (nameErr !== undefined) throw new CniConfigError(nameErr);
  if (cniVersion === '') {
    throw new CniConfigError(
      `network ${name}: cniVersion missing (0.1.0 implied); supported: ${SUPPORTED_CNI_VERSIONS.join(', ')}`,
    );
  }
  if (!SUPPORTED_CNI_VERSIONS.includes(cniVersion)) {
    throw new CniConfigError(
      `network ${name}: unsupported cniVersion "${cniVersion}"; supported: ${SUPPORTED_CNI_VERSIONS.join(', ')}`,
    );
  }
  return { name, cniVersion, disableCheck, plugins, bytes: text };
}

/**
 * The configuration one plugin of `list` receives on stdin (libcni's buildOneConfig): its own
 * entry with the list's `name` and `cniVersion`, `prevResult` when given (already in the list's
 * version, see `resultToJson`), and `runtimeConfig` holding the capability arguments the plugin
 * declares (omitted when none apply). Returns the JSON text.
 */
export function buildPluginConfig(
  list: NetworkConfigList,
  plugin: PluginConfig,
  prevResult: Readonly<Record<string, unknown>> | undefined,
  rt: RuntimeConf | undefined,
): string {
  const conf: Record<string, unknown> = {
    ...plugin.raw,
    name: list.name,
    cniVersion: list.cniVersion,
  };
  if (prevResult !== undefined) conf.prevResult = prevResult;
  if (rt?.capabilityArgs !== undefined) {
    const runtimeConfig: Record<string, unknown> = {};
    for (const [capability, supported] of Object.entries(plugin.capabilities)) {
      if (!supported) continue;
      const data = rt.capabilityArgs[capability];
      if (data !== undefined) runtimeConfig[capability] = data;
    }
    if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  }
  return JSON.stringify(conf);
}

/** Every capability a list declares (what ValidateNetworkList returns), sorted. */
export function listCapabilities(list: NetworkConfigList): string[] {
  const caps = new Set<string>();
  for (const p of list.plugins)
    for (const [c, on] of Object.entries(p.capabilities)) if (on) caps.add(c);
  return [...caps].sort();
}

/**
 * Formats `CNI_ARGS` ("K1=V1;K2=V2"). Throws CniConfigError when a key or value contains `;`
 * or `=` (they could not be parsed back) or a key is empty.
 */
export function formatCniArgs(args: readonly (readonly [string, string])[]): string {
  return args
    .map(([k, v]) => {
      if (k === '' || /[;=]/.test(k) || /[;=]/.test(v)) {
        throw new CniConfigError(`invalid CNI_ARGS pair ${JSON.stringify(k)}=${JSON.stringify(v)}`);
      }
      return `${k}=${v}`;
    })
    .join(';');
}

/**
 * The environment of one plugin invocation (libcni's Args.AsEnv): `baseEnv` (typically the
 * process environment, so plugins find `iptables` and friends on PATH) overridden by the CNI_*
 * variables. VERSION passes empty per-attachment variables.
 */
export function buildPluginEnv(
  command: CniCommand,
  rt: RuntimeConf | undefined,
  pluginDirs: readonly string[],
  baseEnv: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v;
  env.CNI_COMMAND = command;
  env.CNI_CONTAINERID = rt?.containerId ?? '';
  env.CNI_NETNS = rt?.netns ?? '';
  env.CNI_ARGS = formatCniArgs(rt?.args ?? []);
  env.CNI_IFNAME = rt?.ifName ?? '';
  env.CNI_PATH = pluginDirs.join(':');
  return env;
}

/** Checks an attachment's container ID and interface name (libcni does before ADD). */
export function validateRuntimeConf(rt: RuntimeConf): void {
  const err = containerIdError(rt.containerId) ?? interfaceNameError(rt.ifName);
  if (err !== undefined) throw new CniConfigError(err);
}

/** Who a sandbox belongs to, for {@link k8sCniArgs}. */
export interface PodSandboxIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The sandbox's ID (`K8S_POD_INFRA_CONTAINER_ID`, also `CNI_CONTAINERID`). */
  readonly sandboxId: string;
}

/**
 * `CNI_ARGS` for a pod as containerd's CRI passes them (`IgnoreUnknown=1` first, so plugins
 * that do not know a key ignore it instead of failing).
 */
export function k8sCniArgs(id: PodSandboxIdentity): [string, string][] {
  return [
    ['IgnoreUnknown', '1'],
    ['K8S_POD_NAMESPACE', id.namespace],
    ['K8S_POD_NAME', id.name],
    ['K8S_POD_INFRA_CONTAINER_ID', id.sandboxId],
    ['K8S_POD_UID', id.uid],
  ];
}

/** One entry of the `portMappings` capability (CNI CONVENTIONS.md). */
export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  /** Lower case: `tcp`, `udp` or `sctp`. */
  protocol: string;
  hostIP?: string;
}

/**
 * The `portMappings` capability argument of a pod: the kubelet's port mappings of every app
 * container (MakePortMappings: a port whose name, or family/protocol/hostIP/ports when unnamed,
 * repeats in the container is dropped), of which containerd passes those with a hostPort,
 * protocol in lower case.
 */
export function podPortMappings(pod: Pod): CniPortMapping[] {
  const out: CniPortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const seen = new Set<string>();
    for (const p of c.ports ?? []) {
      const protocol = (p.protocol ?? 'TCP').toLowerCase();
      const hostIP = p.hostIP ?? '';
      const family = hostIP === '' ? 'any' : hostIP.includes(':') ? 'v6' : 'v4';
      const key =
        p.name !== undefined && p.name !== ''
          ? p.name
          : `${family}-${p.protocol ?? 'TCP'}-${hostIP}:${p.containerPort}:${p.hostPort ?? 0}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (p.hostPort === undefined || p.hostPort <= 0) continue;
      out.push({
        hostPort: p.hostPort,
        containerPort: p.containerPort,
        protocol,
        ...(p.hostIP !== undefined && p.hostIP !== '' ? { hostIP: p.hostIP } : {}),
      });
    }
  }
  return out;
}
