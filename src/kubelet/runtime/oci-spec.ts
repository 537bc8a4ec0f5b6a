/**
 * The OCI runtime config (`config.json`) of one container, computed by a pure function from the
 * pod, the container, the image config and what the kubelet's other parts prepared (resolved
 * environment sources, volume mounts, the sandbox's namespaces and files, the cgroup path).
 *
 * The result is what upstream's kubelet + containerd CRI + runc stack would run, merged into one
 * step: the kubelet's part (pkg/kubelet/kuberuntime: environment and `$(VAR)` expansion, the
 * effective security context, cpu shares/quota, oom_score_adj by QoS, masked paths) and
 * containerd's part (pkg/cri container_create_linux.go + oci/spec_opts.go: process args from the
 * image, env merge, user and groups from the rootfs's /etc/passwd and /etc/group, capabilities,
 * privileged, default mounts, seccomp). Each helper names the upstream function it follows.
 *
 * Nothing here touches the host: files the computation needs (passwd, group, a Localhost
 * seccomp profile, host devices, the host's capability set) are inputs.
 */
import type {
  Container,
  EphemeralContainer,
  Pod,
  PodSecurityContext,
  PodSpec,
  SecurityContext,
  SeccompProfile,
} from 'kubernetes-types/core/v1.js';
import { getPodQOS, parseQuantity } from '../../api/index.ts';
import { expand, mappingFor } from '../../api/index.ts';
import { QUOTA_PERIOD, milliCPUToQuota, milliCPUToShares } from '../cgroups/index.ts';
import { defaultSeccompProfile } from './seccomp.ts';
import { OCI_VERSION } from './oci-types.ts';
import type {
  OciDevice,
  OciMount,
  OciNamespace,
  OciResources,
  OciSeccomp,
  OciSpec,
  OciUser,
} from './oci-types.ts';

/** A spec that cannot be computed (the kubelet reports it as CreateContainerConfigError). */
export class OciSpecError extends Error {
  override readonly name = 'OciSpecError';
}

/** A container of any kind: regular, init (incl. sidecars) or ephemeral. */
export type AnyContainer = Container | EphemeralContainer;

// ---------------------------------------------------------------------------------------------
// Environment (kubelet_pods.go makeEnvironmentVariables; containerd WithEnv)

/** The resolved data of one `envFrom` source, in `container.envFrom` order. */
export interface ResolvedEnvFromSource {
  /** `envFrom[i].prefix`, prepended to every key. */
  prefix?: string;
  /** The ConfigMap's data or the Secret's decoded data; undefined when optional and missing. */
  data?: Readonly<Record<string, string>>;
}

/** What the caller resolved for the container's environment (API lookups live elsewhere). */
export interface ResolvedEnvironment {
  /** One entry per `container.envFrom` source, same order. */
  envFrom?: readonly ResolvedEnvFromSource[];
  /**
   * Values of `env[]` entries that use `valueFrom` (fieldRef, resourceFieldRef,
   * configMapKeyRef, secretKeyRef), by variable name. An entry absent here resolves to "" (an
   * optional key that does not exist), as upstream.
   */
  valueFrom?: Readonly<Record<string, string>>;
  /** Service environment variables (`KUBERNETES_SERVICE_HOST`, service links, ...). */
  serviceEnv?: Readonly<Record<string, string>>;
}

/** One environment variable. */
export interface EnvVar {
  name: string;
  value: string;
}

/**
 * The kubelet's environment for a container (upstream makeEnvironmentVariables): `envFrom`
 * sources in order (later sources win), then `env` in order, each literal value `$(VAR)`-expanded
 * against the variables defined so far and the service variables; `valueFrom` values are taken
 * verbatim; service variables not otherwise defined come last.
 *
 * Upstream builds a Go map, so its order is random; this keeps first-definition order, which is
 * one of upstream's possible outputs and makes the result deterministic.
 */
export function makeEnvironment(container: AnyContainer, resolved: ResolvedEnvironment): EnvVar[] {
  const tmp = new Map<string, string>();
  const serviceEnv = resolved.serviceEnv ?? {};
  const envFrom = container.envFrom ?? [];
  for (let i = 0; i < envFrom.length; i++) {
    const source = resolved.envFrom?.[i];
    const prefix = source?.prefix ?? envFrom[i]?.prefix ?? '';
    for (const [k, v] of Object.entries(source?.data ?? {})) tmp.set(prefix + k, v);
  }
  const mapping = mappingFor(tmp, serviceEnv);
  for (const e of container.env ?? []) {
    let value = e.value ?? '';
    if (value !== '') value = expand(value, mapping);
    else if (e.valueFrom !== undefined) value = resolved.valueFrom?.[e.name] ?? '';
    tmp.set(e.name, value);
  }
  const out: EnvVar[] = [...tmp].map(([name, value]) => ({ name, value }));
  for (const [name, value] of Object.entries(serviceEnv)) {
    if (!tmp.has(name)) out.push({ name, value });
  }
  return out;
}

/**
 * containerd's replaceOrAppendEnvValues: `KEY=VALUE` overrides replace a default with the same
 * key in place or are appended; an override without `=` removes the key.
 */
export function mergeEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const results: Array<string | undefined> = [];
  const index = new Map<string, number>();
  const key = (e: string): [string, boolean] => {
    const i = e.indexOf('=');
    return i < 0 ? [e, false] : [e.slice(0, i), true];
  };
  for (const e of defaults) {
    const [k] = key(e);
    const at = index.get(k);
    if (at !== undefined) results[at] = e;
    else {
      index.set(k, results.length);
      results.push(e);
    }
  }
  for (const e of overrides) {
    const [k, hasValue] = key(e);
    const at = index.get(k);
    if (!hasValue) {
      if (at !== undefined) results[at] = undefined;
      continue;
    }
    if (at !== undefined) results[at] = e;
    else {
      index.set(k, results.length);
      results.push(e);
    }
  }
  return results.filter((e): e is string => e !== undefined);
}

/** The default PATH containerd puts in every container (oci.WithDefaultPathEnv). */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// ---------------------------------------------------------------------------------------------
// Command and args

/**
 * Upstream ExpandContainerCommandAndArgs (pkg/kubelet/container/helpers.go): `$(VAR)` in
 * `command` and `args` expanded against the kubelet's environment (not the image's).
 */
export function expandContainerCommandAndArgs(
  container: AnyContainer,
  env: readonly EnvVar[],
): { command: string[]; args: string[] } {
  const vars = new Map(env.map((e) => [e.name, e.value]));
  const mapping = mappingFor(vars);
  return {
    command: (container.command ?? []).map((c) => expand(c, mapping)),
    args: (container.args ?? []).map((a) => expand(a, mapping)),
  };
}

/** The image config fields a container spec uses (OCI image-spec `config`). */
export interface OciImageConfig {
  User?: string;
  Env?: readonly string[];
  Entrypoint?: readonly string[] | null;
  Cmd?: readonly string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Readonly<Record<string, unknown>>;
  StopSignal?: string;
}

/**
 * containerd's WithProcessArgs: `command` replaces the image Entrypoint and drops its Cmd;
 * `args` replaces Cmd; with neither, Entrypoint + Cmd (an Entrypoint of `[""]` counts as none).
 * Throws "no command specified" when nothing is left.
 */
export function processArgs(
  command: readonly string[],
  args: readonly string[],
  image: OciImageConfig,
): string[] {
  let cmd = [...command];
  let a = [...args];
  if (cmd.length === 0) {
    if (a.length === 0) a = [...(image.Cmd ?? [])];
    const ep = image.Entrypoint ?? [];
    if (!(ep.length === 1 && ep[0] === '')) cmd = [...ep];
  }
  if (cmd.length === 0 && a.length === 0) throw new OciSpecError('no command specified');
  return [...cmd, ...a];
}

// ---------------------------------------------------------------------------------------------
// Resources (pkg/kubelet/cm/helpers_linux.go, kuberuntime calculateLinuxResources)

// The conversions live with the cgroup plans (src/kubelet/cgroups), which apply the same values.
export {
  MAX_SHARES,
  MILLI_CPU_TO_CPU,
  MIN_QUOTA_PERIOD,
  MIN_SHARES,
  QUOTA_PERIOD,
  SHARES_PER_CPU,
  milliCPUToQuota,
  milliCPUToShares,
} from '../cgroups/index.ts';

function quantityOf(list: Readonly<Record<string, string | number>> | undefined, name: string) {
  const v = list?.[name];
  if (v === undefined) return undefined;
  return parseQuantity(String(v));
}

/**
 * The container's Linux resources as the kubelet computes them (calculateLinuxResources): cpu
 * shares from the cpu request (or the limit when only a limit is set), CFS quota from the cpu
 * limit with period 100000 (the period is always set, the quota only under a limit), memory
 * limit; swap equal to the memory limit when the swap controller exists (kubelet NoSwap).
 */
export function containerResources(
  container: AnyContainer,
  opts: { swapControllerAvailable?: boolean; pidsLimit?: number } = {},
): OciResources {
  const res = container.resources;
  const cpuRequest = quantityOf(res?.requests, 'cpu')?.milliValue() ?? 0;
  const cpuLimit = quantityOf(res?.limits, 'cpu')?.milliValue() ?? 0;
  const memLimit = quantityOf(res?.limits, 'memory')?.value() ?? 0;
  const shares =
    cpuRequest === 0 && cpuLimit !== 0 ? milliCPUToShares(cpuLimit) : milliCPUToShares(cpuRequest);
  const quota = milliCPUToQuota(cpuLimit, QUOTA_PERIOD);
  const out: OciResources = {
    devices: [{ allow: false, access: 'rwm' }],
    cpu: { shares, period: QUOTA_PERIOD, ...(quota !== 0 ? { quota } : {}) },
  };
  if (memLimit !== 0) {
    out.memory = {
      limit: memLimit,
      ...(opts.swapControllerAvailable === true ? { swap: memLimit } : {}),
    };
  }
  if (opts.pidsLimit !== undefined && opts.pidsLimit > 0) out.pids = { limit: opts.pidsLimit };
  return out;
}

// ---------------------------------------------------------------------------------------------
// OOM score (pkg/kubelet/qos/policy.go)

export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BESTEFFORT_OOM_SCORE_ADJ = 1000;
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

function isCriticalPod(pod: Pod): boolean {
  const ann = pod.metadata?.annotations ?? {};
  const source = ann['kubernetes.io/config.source'];
  if (source !== undefined && source !== 'api') return true; // static pod
  if (ann['kubernetes.io/config.mirror'] !== undefined) return true;
  return (pod.spec?.priority ?? 0) >= SYSTEM_CRITICAL_PRIORITY;
}

function isSidecar(pod: Pod, container: AnyContainer): boolean {
  return (pod.spec?.initContainers ?? []).some(
    (c) => c.name === container.name && c.restartPolicy === 'Always',
  );
}

function memoryRequest(c: AnyContainer): number {
  return quantityOf(c.resources?.requests, 'memory')?.value() ?? 0;
}

/**
 * Upstream GetContainerOOMScoreAdjust: node-critical and Guaranteed pods -997, BestEffort 1000,
 * Burstable `1000 - 1000*request/capacity` clamped to [3, 999]; a sidecar gets at most the score
 * of the pod's regular container with the smallest memory request.
 */
export function containerOomScoreAdjust(
  pod: Pod,
  container: AnyContainer,
  memoryCapacity: number,
): number {
  if (isCriticalPod(pod) && pod.spec?.priorityClassName === 'system-node-critical') {
    return GUARANTEED_OOM_SCORE_ADJ;
  }
  switch (getPodQOS(pod)) {
    case 'Guaranteed':
      return GUARANTEED_OOM_SCORE_ADJ;
    case 'BestEffort':
      return BESTEFFORT_OOM_SCORE_ADJ;
    default:
      break;
  }
  const formula = (request: number): number =>
    1000 - Math.trunc((1000 * request) / Math.max(memoryCapacity, 1));
  let adj = formula(memoryRequest(container));
  const regular = pod.spec?.containers ?? [];
  if (isSidecar(pod, container) && regular.length > 0) {
    const minRequest = Math.min(...regular.map(memoryRequest));
    adj = Math.min(adj, formula(minRequest));
  }
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BESTEFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}

// ---------------------------------------------------------------------------------------------
// Security context

/**
 * Upstream DetermineEffectiveSecurityContext: the container's security context with the pod's
 * runAsUser, runAsGroup, runAsNonRoot, seLinuxOptions, seccompProfile, appArmorProfile and
 * windowsOptions filled in where the container leaves them unset.
 */
export function effectiveSecurityContext(pod: Pod, container: AnyContainer): SecurityContext {
  const podSc: PodSecurityContext = pod.spec?.securityContext ?? {};
  const sc: SecurityContext = { ...(container.securityContext ?? {}) };
  if (sc.seLinuxOptions === undefined && podSc.seLinuxOptions !== undefined)
    sc.seLinuxOptions = podSc.seLinuxOptions;
  if (sc.windowsOptions === undefined && podSc.windowsOptions !== undefined)
    sc.windowsOptions = podSc.windowsOptions;
  if (sc.runAsUser === undefined && podSc.runAsUser !== undefined) sc.runAsUser = podSc.runAsUser;
  if (sc.runAsGroup === undefined && podSc.runAsGroup !== undefined)
    sc.runAsGroup = podSc.runAsGroup;
  if (sc.runAsNonRoot === undefined && podSc.runAsNonRoot !== undefined)
    sc.runAsNonRoot = podSc.runAsNonRoot;
  if (sc.seccompProfile === undefined && podSc.seccompProfile !== undefined)
    sc.seccompProfile = podSc.seccompProfile;
  if (sc.appArmorProfile === undefined && podSc.appArmorProfile !== undefined)
    sc.appArmorProfile = podSc.appArmorProfile;
  return sc;
}

/** One line of /etc/passwd. */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** One line of /etc/group. */
export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Parses /etc/passwd text (libcontainer/user.ParsePasswd): bad and comment lines are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number.parseInt(f[2] ?? '', 10);
    const gid = Number.parseInt(f[3] ?? '', 10);
    out.push({
      name: f[0] ?? '',
      uid: Number.isNaN(uid) ? 0 : uid,
      gid: Number.isNaN(gid) ? 0 : gid,
      home: f[5] ?? '',
      shell: f[6] ?? '',
    });
  }
  return out;
}

/** Parses /etc/group text (libcontainer/user.ParseGroup). */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const gid = Number.parseInt(f[2] ?? '', 10);
    const members = (f[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    out.push({ name: f[0] ?? '', gid: Number.isNaN(gid) ? 0 : gid, members });
  }
  return out;
}

/** The rootfs's /etc/passwd and /etc/group, parsed; `undefined` when the file does not exist. */
export interface RootfsUsers {
  passwd?: readonly PasswdEntry[];
  group?: readonly GroupEntry[];
}

function isDecimal(s: string): boolean {
  return /^[+-]?\d+$/.test(s);
}

/** How the kubelet reads an image's `User` (getUserFromImage): the part before `:` only. */
export function imageUser(user: string | undefined): { uid?: number; username?: string } {
  if (user === undefined || user === '') return {};
  const first = user.split(':')[0] ?? '';
  if (isDecimal(first)) return { uid: Number.parseInt(first, 10) };
  return { username: first };
}

/**
 * The user string the runtime applies (containerd GenerateUserString after the kubelet's
 * determineEffectiveSecurityContext): runAsUser, else the image's uid (0 when the image names
 * no user), or the image's user name; `:runAsGroup` appended when set. As upstream, the group
 * part of an image's `User` (`uid:gid`) is not used by Kubernetes pods.
 */
export function userString(sc: SecurityContext, image: OciImageConfig): string {
  let user: string;
  if (sc.runAsUser !== undefined) user = String(sc.runAsUser);
  else {
    const iu = imageUser(image.User);
    user = iu.username ?? String(iu.uid ?? 0);
  }
  return sc.runAsGroup !== undefined ? `${user}:${sc.runAsGroup}` : user;
}

/** The `name_namespace(uid)` form upstream's format.Pod prints. */
export function formatPod(pod: Pod): string {
  const m = pod.metadata ?? {};
  return `${m.name ?? ''}_${m.namespace ?? ''}(${m.uid ?? ''})`;
}

/** Upstream verifyRunAsNonRoot with its messages; throws an OciSpecError. */
export function verifyRunAsNonRoot(pod: Pod, container: AnyContainer, image: OciImageConfig) {
  const sc = effectiveSecurityContext(pod, container);
  if (sc.runAsNonRoot !== true) return;
  const p = JSON.stringify(formatPod(pod));
  if (sc.runAsUser !== undefined) {
    if (sc.runAsUser === 0) {
      throw new OciSpecError(
        `container's runAsUser breaks non-root policy (pod: ${p}, container: ${container.name})`,
      );
    }
    return;
  }
  const iu = imageUser(image.User);
  const uid = iu.username === undefined ? (iu.uid ?? 0) : undefined;
  if (uid === 0) {
    throw new OciSpecError(
      `container has runAsNonRoot and image will run as root (pod: ${p}, container: ${container.name})`,
    );
  }
  if (uid === undefined && iu.username !== undefined) {
    throw new OciSpecError(
      `container has runAsNonRoot and image has non-numeric user (${iu.username}), cannot verify user is non-root (pod: ${p}, container: ${container.name})`,
    );
  }
}

/**
 * containerd's oci.WithUser + WithAdditionalGIDs + WithSupplementalGroups against the rootfs's
 * files: `uid` (gid from the passwd entry of that uid, else 0), `name` (both from passwd),
 * `user:group` with either part numeric or a name. Additional gids are the primary gid, the
 * groups listing the user as a member, then `supplementalGroups`, sorted and deduplicated.
 */
export function resolveUser(
  user: string,
  users: RootfsUsers,
  supplementalGroups: readonly number[] = [],
): OciUser {
  const parts = user.split(':');
  if (parts.length > 2) throw new OciSpecError('invalid USER value');
  const findUser = (pred: (u: PasswdEntry) => boolean): PasswdEntry => {
    if (users.passwd === undefined)
      throw new OciSpecError('open /etc/passwd: no such file or directory');
    const u = users.passwd.find(pred);
    if (u === undefined) throw new OciSpecError('no users found');
    return u;
  };
  let uid: number;
  let gid: number;
  const [u0 = '', g0] = parts;
  if (g0 === undefined) {
    if (isDecimal(u0)) {
      uid = Number.parseInt(u0, 10);
      const entry = users.passwd?.find((e) => e.uid === uid);
      gid = entry?.gid ?? 0;
    } else {
      const entry = findUser((e) => e.name === u0);
      uid = entry.uid;
      gid = entry.gid;
    }
  } else {
    uid = isDecimal(u0) ? Number.parseInt(u0, 10) : findUser((e) => e.name === u0).uid;
    if (isDecimal(g0)) gid = Number.parseInt(g0, 10);
    else {
      if (users.group === undefined)
        throw new OciSpecError('open /etc/group: no such file or directory');
      const g = users.group.find((e) => e.name === g0);
      if (g === undefined) throw new OciSpecError('no groups found');
      gid = g.gid;
    }
  }
  // WithAdditionalGIDs looks the user up by the user part alone.
  let username: string | undefined;
  if (isDecimal(u0)) username = users.passwd?.find((e) => e.uid === Number.parseInt(u0, 10))?.name;
  else username = u0;
  const gids = new Set<number>([gid]);
  if (username !== undefined) {
    for (const g of users.group ?? []) {
      if (g.name !== username && g.members.includes(username)) gids.add(g.gid);
    }
  }
  for (const g of supplementalGroups) gids.add(g);
  return { uid, gid, additionalGids: [...gids].sort((a, b) => a - b) };
}

// ---------------------------------------------------------------------------------------------
// Capabilities

/** Every capability runc 1.1 knows, in kernel bit order (CAP_CHOWN = 0 ... 40). */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** containerd's default capability set (oci.defaultUnixCaps), in its order. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/**
 * The capability names of a `/proc/<pid>/status` mask (`CapEff: 000001fffeffffff`), in bit
 * order; bits past the known list are ignored. containerd gives privileged containers and
 * `add: [ALL]` exactly the capabilities it holds itself; this host lacks CAP_SYS_RESOURCE.
 */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return ALL_CAPABILITIES.filter((_, bit) => ((mask >> BigInt(bit)) & 1n) === 1n);
}

/**
 * The container's capability set (containerd customopts.WithCapabilities): the defaults, `ALL`
 * in `add` gives every available capability and in `drop` clears the set (both case-insensitive,
 * so `add: [ALL], drop: [CHOWN]` is everything but CAP_CHOWN); other names get `CAP_` prefixed.
 */
export function containerCapabilities(
  sc: SecurityContext,
  available: readonly string[] = ALL_CAPABILITIES,
): string[] {
  if (sc.privileged === true) return [...available];
  const add = sc.capabilities?.add ?? [];
  const drop = sc.capabilities?.drop ?? [];
  const isAll = (c: string): boolean => c.toUpperCase() === 'ALL';
  let caps = [...DEFAULT_CAPABILITIES];
  if (add.some(isAll)) caps = [...available];
  if (drop.some(isAll)) caps = [];
  for (const c of add) {
    if (isAll(c)) continue;
    const name = `CAP_${c.toUpperCase()}`;
    if (!caps.includes(name)) caps.push(name);
  }
  const dropped = new Set(drop.filter((c) => !isAll(c)).map((c) => `CAP_${c.toUpperCase()}`));
  return caps.filter((c) => !dropped.has(c));
}

/** The kubelet's default masked paths (securitycontext defaultMaskedPaths, procMount Default). */
export const DEFAULT_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** The kubelet's default read-only paths (securitycontext defaultReadonlyPaths). */
export const DEFAULT_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** The seccomp profile type in force (kubelet getSeccompProfile). */
export function effectiveSeccompProfile(
  sc: SecurityContext,
  seccompDefault: boolean,
): SeccompProfile {
  if (sc.seccompProfile !== undefined) return sc.seccompProfile;
  return { type: seccompDefault ? 'RuntimeDefault' : 'Unconfined' };
}

// ---------------------------------------------------------------------------------------------
// Mounts

/** A volume mount prepared by the volume layer. */
export interface PreparedMount {
  /** The host path to bind (a volume directory, a subPath, a file). */
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
  /** `volumeMounts[].mountPropagation`; default None. */
  propagation?: 'None' | 'HostToContainer' | 'Bidirectional';
}

/** containerd's default Linux mounts (oci.defaultMounts without /run; WithMounts adds cgroup). */
export function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', 'ro'],
    },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ];
}

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

/**
 * containerd's WithMounts: supplied bind mounts replace default mounts at the same destination
 * (and a supplied /dev drops every default under /dev); supplied mounts are sorted by path depth
 * (stable) so parents mount first; propagation None → rprivate, HostToContainer → rslave (and
 * the rootfs becomes rslave), Bidirectional → rshared (rootfs rshared). Privileged containers
 * get /sys and /sys/fs/cgroup read-write.
 */
export function buildMounts(
  supplied: readonly PreparedMount[],
  privileged: boolean,
): { mounts: OciMount[]; rootfsPropagation?: string } {
  const set = new Set(supplied.map((m) => cleanPath(m.containerPath)));
  const out: OciMount[] = [];
  for (const m of defaultMounts()) {
    const dst = cleanPath(m.destination);
    if (set.has(dst)) continue;
    if (set.has('/dev') && dst.startsWith('/dev/')) continue;
    if (privileged && (dst === '/sys' || dst === '/sys/fs/cgroup')) {
      m.options = (m.options ?? []).map((o) => (o === 'ro' ? 'rw' : o));
    }
    out.push(m);
  }
  const depth = (p: string): number => cleanPath(p).split('/').length;
  const sorted = supplied
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.containerPath) - depth(b.m.containerPath) || a.i - b.i)
    .map((x) => x.m);
  let rootfsPropagation: string | undefined;
  for (const m of sorted) {
    const options = ['rbind'];
    switch (m.propagation ?? 'None') {
      case 'Bidirectional':
        options.push('rshared');
        rootfsPropagation = 'rshared';
        break;
      case 'HostToContainer':
        options.push('rslave');
        if (rootfsPropagation !== 'rshared') rootfsPropagation = 'rslave';
        break;
      default:
        options.push('rprivate');
    }
    options.push(m.readOnly === true ? 'ro' : 'rw');
    out.push({ destination: m.containerPath, type: 'bind', source: m.hostPath, options });
  }
  return { mounts: out, ...(rootfsPropagation !== undefined ? { rootfsPropagation } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Hostname

/**
 * The pod's hostname (upstream GeneratePodHostNameAndDomain without the domain): spec.hostname
 * or the pod name, cut to 63 characters without a trailing `-` or `.`.
 */
export function podHostname(pod: Pod): string {
  const name = pod.metadata?.name ?? '';
  const hostname =
    pod.spec?.hostname !== undefined && pod.spec.hostname !== '' ? pod.spec.hostname : name;
  if (hostname.length <= 63) return hostname;
  const cut = hostname.slice(0, 63).replace(/[-.]+$/, '');
  if (cut === '')
    throw new OciSpecError(
      `hostname for pod ${JSON.stringify(name)} was invalid: ${JSON.stringify(hostname)}`,
    );
  return cut;
}

// ---------------------------------------------------------------------------------------------
// The spec

/** The pod sandbox a container joins. */
export interface SandboxInfo {
  /**
   * Namespace paths to join. For a namespace the pod does not share with the host
   * (hostNetwork/hostIPC/hostPID), a missing path creates a fresh namespace: a container with
   * no `network` path gets its own empty network namespace (only `lo`), never the host's.
   */
  namespaces?: {
    network?: string;
    ipc?: string;
    uts?: string;
    /**
     * The PID namespace to join: the sandbox's when `shareProcessNamespace`, the target
     * container's for an ephemeral container with `targetContainerName`. Required then.
     */
    pid?: string;
  };
  /** The pod's hostname (for hostNetwork pods: the node's); see {@link podHostname}. */
  hostname: string;
  /** Host files bound into the container when given. */
  files?: {
    /** The kubelet-managed hosts file → /etc/hosts (read-write, as the kubelet mounts it). */
    hosts?: string;
    /** → /etc/resolv.conf (read-only when readOnlyRootFilesystem). */
    resolvConf?: string;
    /** → /etc/hostname (read-only when readOnlyRootFilesystem). */
    hostname?: string;
    /** The pod's shared /dev/shm directory; without it the container gets a private tmpfs. */
    shm?: string;
  };
  /** The pod sandbox id, written to the `io.kubernetes.cri.sandbox-id` annotation. */
  id?: string;
}

/** Node facts the spec depends on. */
export interface NodeInfo {
  /** Node memory capacity in bytes (Burstable oom_score_adj). */
  memoryCapacity: number;
  /** The capabilities the runtime holds (`ALL` and privileged); default {@link ALL_CAPABILITIES}. */
  capabilities?: readonly string[];
  /** Host devices for privileged containers (containerd WithHostDevices). */
  hostDevices?: readonly OciDevice[];
  /** Whether containers get a cgroup namespace (containerd: cgroup v2 and not privileged). */
  cgroupV2?: boolean;
  /** Whether memory.memsw exists (swap limited to the memory limit then). */
  swapControllerAvailable?: boolean;
  /**
   * containerd's `restrict_oom_score_adj`: the runtime's own oom_score_adj; a lower computed
   * value is raised to it. This host needs it (no CAP_SYS_RESOURCE: a negative value fails).
   */
  minOomScoreAdj?: number;
  /** The kubelet's `--seccomp-default`: RuntimeDefault instead of Unconfined when unset. */
  seccompDefault?: boolean;
  /**
   * RLIMIT_NOFILE (soft = hard) for containers. Unset, the spec has no rlimits and containers
   * inherit the runtime's own limits, as with containerd's CRI (which drops its default 1024
   * so containers get containerd's `LimitNOFILE`). A value above the runtime's hard limit fails
   * without CAP_SYS_RESOURCE (missing on this host, where the hard limit is 20000).
   */
  nofile?: number;
}

/** Everything {@link buildContainerSpec} needs. */
export interface ContainerSpecInput {
  pod: Pod;
  container: AnyContainer;
  image: OciImageConfig;
  /** Absolute path of the container's root filesystem (not a symlink). */
  rootfs: string;
  env?: ResolvedEnvironment;
  /** Volume mounts prepared by the volume layer. */
  mounts?: readonly PreparedMount[];
  /** The host file for `terminationMessagePath` (default /dev/termination-log). */
  terminationLogPath?: string;
  sandbox: SandboxInfo;
  users?: RootfsUsers;
  /** Extra supplemental groups (upstream GetExtraSupplementalGroupsForPod: volume GIDs). */
  extraSupplementalGroups?: readonly number[];
  /** `cgroupsPath` for runc (cgroupfs style, e.g. /kubepods/burstable/pod<uid>/<id>). */
  cgroupsPath?: string;
  /** The pod-level pids limit (kubelet --pod-max-pids); omitted when undefined. */
  pidsLimit?: number;
  node: NodeInfo;
  /** Localhost seccomp profiles by `localhostProfile`, loaded by the caller. */
  localhostProfiles?: Readonly<Record<string, OciSeccomp>>;
  /** Extra annotations. */
  annotations?: Readonly<Record<string, string>>;
}

function isEphemeral(pod: Pod, c: AnyContainer): boolean {
  return (pod.spec?.ephemeralContainers ?? []).some((e) => e.name === c.name);
}

/**
 * The OCI runtime config of one container (see the module comment). Throws an OciSpecError for
 * what upstream reports as CreateContainerConfigError / CreateContainerError: no command, a
 * user or group missing from the rootfs, runAsNonRoot violations, a missing Localhost profile,
 * a PID namespace to join that was not given. Returns a fresh object the caller owns.
 */
export function buildContainerSpec(input: ContainerSpecInput): OciSpec {
  const { pod, container, image, sandbox, node } = input;
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const sc = effectiveSecurityContext(pod, container);
  const privileged = sc.privileged === true;

  verifyRunAsNonRoot(pod, container, image);

  // Process: args, env, cwd.
  const kubeEnv = makeEnvironment(container, input.env ?? {});
  const { command, args } = expandContainerCommandAndArgs(container, kubeEnv);
  const processArgv = processArgs(command, args, image);
  const env = mergeEnv(
    mergeEnv(mergeEnv([DEFAULT_PATH_ENV], [`HOSTNAME=${sandbox.hostname}`]), image.Env ?? []),
    kubeEnv.map((e) => `${e.name}=${e.value}`),
  );
  const cwd =
    container.workingDir !== undefined && container.workingDir !== ''
      ? container.workingDir
      : image.WorkingDir !== undefined && image.WorkingDir !== ''
        ? image.WorkingDir
        : '/';

  // User and groups.
  const podSc = spec.securityContext ?? {};
  const supplemental = [
    ...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : []),
    ...(podSc.supplementalGroups ?? []),
    ...(input.extraSupplementalGroups ?? []),
  ];
  const user = resolveUser(userString(sc, image), input.users ?? {}, supplemental);

  // Capabilities and seccomp.
  const caps = containerCapabilities(sc, node.capabilities ?? ALL_CAPABILITIES);
  let seccomp: OciSeccomp | undefined;
  if (!privileged) {
    const profile = effectiveSeccompProfile(sc, node.seccompDefault === true);
    if (profile.type === 'RuntimeDefault') seccomp = defaultSeccompProfile(caps);
    else if (profile.type === 'Localhost') {
      const name = profile.localhostProfile ?? '';
      const p = input.localhostProfiles?.[name];
      if (p === undefined)
        throw new OciSpecError(`failed to load seccomp profile ${JSON.stringify(name)}`);
      seccomp = structuredClone(p);
    }
  }

  // Mounts: the sandbox's files, the termination log, then volumes (volumes win on conflict).
  const volumeMounts = input.mounts ?? [];
  const has = (p: string): boolean => volumeMounts.some((m) => cleanPath(m.containerPath) === p);
  const readonlyRootfs = sc.readOnlyRootFilesystem === true;
  const supplied: PreparedMount[] = [];
  const files = sandbox.files ?? {};
  if (files.hostname !== undefined && !has('/etc/hostname'))
    supplied.push({
      hostPath: files.hostname,
      containerPath: '/etc/hostname',
      readOnly: readonlyRootfs,
    });
  if (files.hosts !== undefined && !has('/etc/hosts'))
    supplied.push({ hostPath: files.hosts, containerPath: '/etc/hosts' });
  if (files.resolvConf !== undefined && !has('/etc/resolv.conf'))
    supplied.push({
      hostPath: files.resolvConf,
      containerPath: '/etc/resolv.conf',
      readOnly: readonlyRootfs,
    });
  if (files.shm !== undefined && !has('/dev/shm'))
    supplied.push({ hostPath: files.shm, containerPath: '/dev/shm' });
  const termPath =
    'terminationMessagePath' in container && container.terminationMessagePath !== undefined
      ? container.terminationMessagePath
      : '/dev/termination-log';
  if (input.terminationLogPath !== undefined && termPath !== '' && !has(cleanPath(termPath)))
    supplied.push({ hostPath: input.terminationLogPath, containerPath: termPath });
  supplied.push(...volumeMounts);
  const { mounts, rootfsPropagation } = buildMounts(supplied, privileged);

  // Namespaces (containerd WithPodNamespaces; host* pods share the host's).
  const ns = sandbox.namespaces ?? {};
  const namespaces: OciNamespace[] = [{ type: 'mount' }];
  const join = (type: OciNamespace['type'], path: string | undefined): void => {
    namespaces.push(path !== undefined ? { type, path } : { type });
  };
  if (spec.hostNetwork !== true) {
    join('network', ns.network);
    join('uts', ns.uts);
  }
  if (spec.hostIPC !== true) join('ipc', ns.ipc);
  const ephemeralTarget =
    isEphemeral(pod, container) && 'targetContainerName' in container
      ? container.targetContainerName
      : undefined;
  if (spec.hostPID !== true) {
    if (
      spec.shareProcessNamespace === true ||
      (ephemeralTarget !== undefined && ephemeralTarget !== '')
    ) {
      if (ns.pid === undefined)
        throw new OciSpecError(`container ${container.name}: a PID namespace to join is required`);
      join('pid', ns.pid);
    } else join('pid', undefined);
  }
  if (node.cgroupV2 === true && !privileged) namespaces.push({ type: 'cgroup' });
  // runc sets the hostname only in a UTS namespace it creates; a joined one is the sandbox's.
  const setHostname = spec.hostNetwork !== true && ns.uts === undefined;

  // Resources, oom score.
  const resources = containerResources(container, {
    ...(node.swapControllerAvailable !== undefined
      ? { swapControllerAvailable: node.swapControllerAvailable }
      : {}),
    ...(input.pidsLimit !== undefined ? { pidsLimit: input.pidsLimit } : {}),
  });
  if (privileged) resources.devices = [{ allow: true, access: 'rwm' }];
  let oomScoreAdj = containerOomScoreAdjust(pod, container, node.memoryCapacity);
  if (node.minOomScoreAdj !== undefined && oomScoreAdj < node.minOomScoreAdj)
    oomScoreAdj = node.minOomScoreAdj;

  const procUnmasked = sc.procMount === 'Unmasked';
  const sysctls = podSc.sysctls ?? [];
  const m = pod.metadata ?? {};
  const annotations: Record<string, string> = {
    'io.kubernetes.cri.container-type': 'container',
    'io.kubernetes.cri.container-name': container.name,
    'io.kubernetes.cri.sandbox-name': m.name ?? '',
    'io.kubernetes.cri.sandbox-namespace': m.namespace ?? '',
    'io.kubernetes.cri.sandbox-uid': m.uid ?? '',
    ...(container.image !== undefined ? { 'io.kubernetes.cri.image-name': container.image } : {}),
    ...(sandbox.id !== undefined ? { 'io.kubernetes.cri.sandbox-id': sandbox.id } : {}),
    ...(input.annotations ?? {}),
  };

  const out: OciSpec = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: container.tty === true,
      user,
      args: processArgv,
      env,
      cwd,
      capabilities: { bounding: [...caps], effective: [...caps], permitted: [...caps] },
      ...(node.nofile !== undefined
        ? { rlimits: [{ type: 'RLIMIT_NOFILE', hard: node.nofile, soft: node.nofile }] }
        : {}),
      noNewPrivileges: !privileged && sc.allowPrivilegeEscalation === false,
      oomScoreAdj,
    },
    root: { path: input.rootfs, readonly: readonlyRootfs },
    ...(setHostname ? { hostname: sandbox.hostname } : {}),
    mounts,
    annotations,
    linux: {
      namespaces,
      ...(input.cgroupsPath !== undefined ? { cgroupsPath: input.cgroupsPath } : {}),
      resources,
      ...(privileged && node.hostDevices !== undefined
        ? { devices: node.hostDevices.map((d) => ({ ...d })) }
        : {}),
      maskedPaths: privileged || procUnmasked ? [] : [...DEFAULT_MASKED_PATHS],
      readonlyPaths: privileged || procUnmasked ? [] : [...DEFAULT_READONLY_PATHS],
      ...(seccomp !== undefined ? { seccomp } : {}),
      ...(rootfsPropagation !== undefined ? { rootfsPropagation } : {}),
      ...(sysctls.length > 0
        ? { sysctl: Object.fromEntries(sysctls.map((s) => [s.name, s.value])) }
        : {}),
    },
  };
  return out;
}
