/**
 * The Pod Security Standards checks, one function per upstream policy/check_*.go revision of
 * Kubernetes 1.32, with upstream's IDs, levels, minimum versions, overrides and messages.
 *
 * Checks read plain wire objects and treat `null` like an absent field (Go's nil pointer).
 * They never mutate their inputs.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { Container, PodSpec, SELinuxOptions, Volume } from 'kubernetes-types/core/v1.js';
import { goQuote } from '../validation/index.ts';
import { majorMinorVersion } from './api.ts';
import type { PolicyVersion } from './api.ts';
import { goCompare } from './strings.ts';

/**
 * The outcome of one check. When `allowed` is false, `forbiddenReason` is a short phrase
 * ("host namespaces") and `forbiddenDetail` names the offending fields ("hostNetwork=true").
 */
export interface CheckResult {
  allowed: boolean;
  forbiddenReason?: string;
  forbiddenDetail?: string;
}

/** Knobs that upstream keeps in process-global state. */
export interface CheckOptions {
  /**
   * Relax runAsNonRoot, runAsUser and procMount for pods with `hostUsers: false` (upstream's
   * UserNamespacesPodSecurityStandards feature gate, alpha and off by default in 1.32).
   */
  relaxForUserNamespacePods: boolean;
}

/** A check revision: reads pod metadata and spec, returns a verdict. */
export type CheckPodFn = (meta: ObjectMeta, spec: PodSpec, opts: CheckOptions) => CheckResult;

/** One revision of a check, applying from `minimumVersion` until the next revision. */
export interface VersionedCheck {
  minimumVersion: PolicyVersion;
  checkPod: CheckPodFn;
  /** Baseline check IDs that this restricted revision replaces at restricted level. */
  overrideCheckIDs?: readonly string[];
}

/** A check with its revisions in strictly increasing version order. */
export interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  versions: readonly VersionedCheck[];
}

const ALLOWED: CheckResult = Object.freeze({ allowed: true });

function forbid(forbiddenReason: string, forbiddenDetail: string): CheckResult {
  return { allowed: false, forbiddenReason, forbiddenDetail };
}

function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/** joinQuote: `"a", "b"` (no escaping, as upstream). */
function joinQuote(items: readonly string[]): string {
  return items.length === 0 ? '' : `"${items.join('", "')}"`;
}

/** sets.String.List(): the distinct values, sorted. */
function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(goCompare);
}

type ContainerLike = Pick<Container, 'name' | 'securityContext' | 'ports' | 'image'>;

/** visitContainers: init containers, then containers, then ephemeral containers. */
function visitContainers(spec: PodSpec, visit: (c: ContainerLike) => void): void {
  for (const c of spec.initContainers ?? []) visit(c);
  // Typed as required, but templates and partial objects may omit it.
  for (const c of (spec.containers as Container[] | undefined) ?? []) visit(c);
  for (const c of spec.ephemeralContainers ?? []) visit(c);
}

/** A profile's `type`, '' when absent (Go's zero value; validation normally requires it). */
function typeOf(profile: { type: string }): string {
  const t: unknown = profile.type;
  return typeof t === 'string' ? t : '';
}

function relaxForUserNamespacePod(spec: PodSpec, opts: CheckOptions): boolean {
  return opts.relaxForUserNamespacePods && spec.hostUsers === false;
}

function isWindowsPod(spec: PodSpec): boolean {
  return spec.os?.name === 'windows';
}

// ---- privileged (baseline, 1.0) ----

function privileged_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.privileged === true) bad.push(c.name);
  });
  if (bad.length === 0) return ALLOWED;
  return forbid(
    'privileged',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true`,
  );
}

// ---- hostNamespaces (baseline, 1.0) ----

function hostNamespaces_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const ns: string[] = [];
  if (spec.hostNetwork === true) ns.push('hostNetwork');
  if (spec.hostPID === true) ns.push('hostPID');
  if (spec.hostIPC === true) ns.push('hostIPC');
  if (ns.length === 0) return ALLOWED;
  return forbid('host namespaces', ns.map((n) => `${n}=true`).join(', '));
}

// ---- hostPorts (baseline, 1.0) ----

function hostPorts_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const ports: string[] = [];
  visitContainers(spec, (c) => {
    let valid = true;
    for (const p of c.ports ?? []) {
      if (p.hostPort != null && p.hostPort !== 0) {
        valid = false;
        ports.push(String(p.hostPort));
      }
    }
    if (!valid) bad.push(c.name);
  });
  if (bad.length === 0) return ALLOWED;
  const portList = sortedSet(ports);
  return forbid(
    'hostPort',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', portList.length)} ${portList.join(', ')}`,
  );
}

// ---- hostPathVolumes (baseline, 1.0; overridden by restrictedVolumes) ----

function hostPathVolumes_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const vols: string[] = [];
  for (const v of spec.volumes ?? []) {
    if (v.hostPath != null) vols.push(v.name);
  }
  if (vols.length === 0) return ALLOWED;
  return forbid(
    'hostPath volumes',
    `${pluralize('volume', 'volumes', vols.length)} ${joinQuote(vols)}`,
  );
}

// ---- capabilities_baseline (baseline, 1.0; overridden by capabilities_restricted) ----

const CAPABILITIES_ALLOWED_1_0: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

function capabilitiesBaseline_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  const caps: string[] = [];
  visitContainers(spec, (c) => {
    const capabilities = c.securityContext?.capabilities;
    if (capabilities == null) return;
    let valid = true;
    for (const cap of capabilities.add ?? []) {
      if (!CAPABILITIES_ALLOWED_1_0.has(cap)) {
        valid = false;
        caps.push(cap);
      }
    }
    if (!valid) bad.push(c.name);
  });
  if (bad.length === 0) return ALLOWED;
  return forbid(
    'non-default capabilities',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`,
  );
}

// ---- capabilities_restricted (restricted, 1.22, 1.25) ----

function capabilitiesRestricted_1_22(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCaps: string[] = [];
  visitContainers(spec, (c) => {
    const capabilities = c.securityContext?.capabilities;
    if (capabilities == null) {
      missingDropAll.push(c.name);
      return;
    }
    if (!(capabilities.drop ?? []).includes('ALL')) missingDropAll.push(c.name);
    let addedForbidden = false;
    for (const cap of capabilities.add ?? []) {
      if (cap !== 'NET_BIND_SERVICE') {
        addedForbidden = true;
        forbiddenCaps.push(cap);
      }
    }
    if (addedForbidden) addingForbidden.push(c.name);
  });
  const details: string[] = [];
  if (missingDropAll.length > 0) {
    details.push(
      `${pluralize('container', 'containers', missingDropAll.length)} ${joinQuote(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`,
    );
  }
  if (addingForbidden.length > 0) {
    details.push(
      `${pluralize('container', 'containers', addingForbidden.length)} ${joinQuote(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCaps))} in securityContext.capabilities.add`,
    );
  }
  if (details.length === 0) return ALLOWED;
  return forbid('unrestricted capabilities', details.join('; '));
}

function capabilitiesRestricted_1_25(meta: ObjectMeta, spec: PodSpec): CheckResult {
  // API validation forbids capabilities on Windows pods, so an unset value is fine there.
  if (isWindowsPod(spec)) return ALLOWED;
  return capabilitiesRestricted_1_22(meta, spec);
}

// ---- appArmorProfile (baseline, 1.0) ----

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

function allowedAppArmorAnnotation(v: string): boolean {
  return v === '' || v === 'runtime/default' || v.startsWith('localhost/');
}

function allowedAppArmorType(t: string | undefined): boolean {
  return t === 'RuntimeDefault' || t === 'Localhost';
}

function appArmorProfile_1_0(meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const badValues: string[] = [];
  const podProfile = spec.securityContext?.appArmorProfile;
  if (podProfile != null && !allowedAppArmorType(podProfile.type)) {
    badSetters.push('pod');
    badValues.push(typeOf(podProfile));
  }
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    const profile = c.securityContext?.appArmorProfile;
    if (profile != null && !allowedAppArmorType(profile.type)) {
      badContainers.push(c.name);
      badValues.push(typeOf(profile));
    }
  });
  if (badContainers.length > 0) {
    badSetters.push(
      `${pluralize('container', 'containers', badContainers.length)} ${joinQuote(badContainers)}`,
    );
  }
  const forbiddenAnnotations: string[] = [];
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(v)) {
      forbiddenAnnotations.push(`${k}=${goQuote(v)}`);
    }
  }
  const valueList = sortedSet(badValues);
  if (forbiddenAnnotations.length > 0) {
    forbiddenAnnotations.sort(goCompare);
    valueList.push(...forbiddenAnnotations);
    badSetters.push(pluralize('annotation', 'annotations', forbiddenAnnotations.length));
  }
  if (badSetters.length === 0) return ALLOWED;
  return forbid(
    pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', valueList.length),
    `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(valueList)}`,
  );
}

// ---- seLinuxOptions (baseline, 1.0, 1.31) ----

const SELINUX_TYPES_1_0: ReadonlySet<string> = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
]);
const SELINUX_TYPES_1_31: ReadonlySet<string> = new Set([
  ...SELINUX_TYPES_1_0,
  'container_engine_t',
]);

function seLinuxOptionsWith(allowedTypes: ReadonlySet<string>): CheckPodFn {
  return (_meta, spec) => {
    const badSetters: string[] = [];
    const badTypes: string[] = [];
    const set = { user: false, role: false };
    const valid = (o: SELinuxOptions): boolean => {
      let ok = true;
      const type = o.type ?? '';
      if (!allowedTypes.has(type)) {
        ok = false;
        badTypes.push(type);
      }
      if ((o.user ?? '') !== '') {
        ok = false;
        set.user = true;
      }
      if ((o.role ?? '') !== '') {
        ok = false;
        set.role = true;
      }
      return ok;
    };
    const podOpts = spec.securityContext?.seLinuxOptions;
    if (podOpts != null && !valid(podOpts)) badSetters.push('pod');
    const badContainers: string[] = [];
    visitContainers(spec, (c) => {
      const o = c.securityContext?.seLinuxOptions;
      if (o != null && !valid(o)) badContainers.push(c.name);
    });
    if (badContainers.length > 0) {
      badSetters.push(
        `${pluralize('container', 'containers', badContainers.length)} ${joinQuote(badContainers)}`,
      );
    }
    if (badSetters.length === 0) return ALLOWED;
    const badData: string[] = [];
    const types = sortedSet(badTypes);
    if (types.length > 0) {
      badData.push(`${pluralize('type', 'types', types.length)} ${joinQuote(types)}`);
    }
    if (set.user) badData.push('user may not be set');
    if (set.role) badData.push('role may not be set');
    return forbid(
      'seLinuxOptions',
      `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${badData.join('; ')}`,
    );
  };
}

// ---- procMount (baseline, 1.0) ----

function procMount_1_0(_meta: ObjectMeta, spec: PodSpec, opts: CheckOptions): CheckResult {
  // Pod validation checks the value is well formed; a user-namespaced pod may use any.
  if (relaxForUserNamespacePod(spec, opts)) return ALLOWED;
  const bad: string[] = [];
  const types: string[] = [];
  visitContainers(spec, (c) => {
    const pm = c.securityContext?.procMount;
    if (pm == null) return;
    if (pm !== 'Default') {
      bad.push(c.name);
      types.push(pm);
    }
  });
  if (bad.length === 0) return ALLOWED;
  return forbid(
    'procMount',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}`,
  );
}

// ---- seccompProfile_baseline (baseline, 1.0, 1.19) ----

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function validSeccomp(t: string | undefined): boolean {
  return t === 'Localhost' || t === 'RuntimeDefault';
}

function validSeccompAnnotation(v: string): boolean {
  return v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
}

function seccompProfileBaseline_1_0(meta: ObjectMeta, spec: PodSpec): CheckResult {
  const annotations = meta.annotations ?? {};
  const forbidden: string[] = [];
  const podValue = Object.prototype.hasOwnProperty.call(annotations, SECCOMP_POD_ANNOTATION)
    ? annotations[SECCOMP_POD_ANNOTATION]
    : undefined;
  if (podValue !== undefined && !validSeccompAnnotation(podValue)) {
    forbidden.push(`${SECCOMP_POD_ANNOTATION}=${goQuote(podValue)}`);
  }
  visitContainers(spec, (c) => {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
    const v = Object.prototype.hasOwnProperty.call(annotations, key) ? annotations[key] : undefined;
    if (v !== undefined && !validSeccompAnnotation(v)) forbidden.push(`${key}=${goQuote(v)}`);
  });
  if (forbidden.length === 0) return ALLOWED;
  const list = sortedSet(forbidden);
  return forbid(
    'seccompProfile',
    `forbidden ${pluralize('annotation', 'annotations', list.length)} ${list.join(', ')}`,
  );
}

function seccompProfileBaseline_1_19(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const badValues: string[] = [];
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile != null && !validSeccomp(podProfile.type)) {
    badSetters.push('pod');
    badValues.push(typeOf(podProfile));
  }
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p != null && !validSeccomp(p.type)) {
      badContainers.push(c.name);
      badValues.push(typeOf(p));
    }
  });
  if (badContainers.length > 0) {
    badSetters.push(
      `${pluralize('container', 'containers', badContainers.length)} ${joinQuote(badContainers)}`,
    );
  }
  if (badSetters.length === 0) return ALLOWED;
  return forbid(
    'seccompProfile',
    `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
  );
}

// ---- seccompProfile_restricted (restricted, 1.19, 1.25) ----

function seccompProfileRestricted_1_19(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badSetters: string[] = [];
  const badValues: string[] = [];
  let podSeccompSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (podProfile != null) {
    if (!validSeccomp(podProfile.type)) {
      badSetters.push('pod');
      badValues.push(typeOf(podProfile));
    } else {
      podSeccompSet = true;
    }
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  visitContainers(spec, (c) => {
    const p = c.securityContext?.seccompProfile;
    if (p != null) {
      if (!validSeccomp(p.type)) {
        explicitlyBad.push(c.name);
        badValues.push(typeOf(p));
      }
    } else if (!podSeccompSet) {
      implicitlyBad.push(c.name);
    }
  });
  if (explicitlyBad.length > 0) {
    badSetters.push(
      `${pluralize('container', 'containers', explicitlyBad.length)} ${joinQuote(explicitlyBad)}`,
    );
  }
  if (badSetters.length > 0) {
    return forbid(
      'seccompProfile',
      `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
    );
  }
  if (implicitlyBad.length > 0) {
    return forbid(
      'seccompProfile',
      `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    );
  }
  return ALLOWED;
}

function seccompProfileRestricted_1_25(meta: ObjectMeta, spec: PodSpec): CheckResult {
  // API validation forbids seccomp profiles on Windows pods.
  if (isWindowsPod(spec)) return ALLOWED;
  return seccompProfileRestricted_1_19(meta, spec);
}

// ---- sysctls (baseline, 1.0, 1.27, 1.29, 1.32) ----

const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctlsWith(allowedList: readonly string[]): CheckPodFn {
  const allowed = new Set(allowedList);
  return (_meta, spec) => {
    const forbidden: string[] = [];
    for (const s of spec.securityContext?.sysctls ?? []) {
      if (!allowed.has(s.name)) forbidden.push(s.name);
    }
    if (forbidden.length === 0) return ALLOWED;
    return forbid('forbidden sysctls', forbidden.join(', '));
  };
}

// ---- windowsHostProcess (baseline, 1.0) ----

function windowsHostProcess_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess === true) bad.push(c.name);
  });
  const setters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) setters.push('pod');
  if (bad.length > 0)
    setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  if (setters.length === 0) return ALLOWED;
  return forbid(
    'hostProcess',
    `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
  );
}

// ---- restrictedVolumes (restricted, 1.0; overrides hostPathVolumes) ----

/** Volume sources allowed at restricted (1.32: `image` is not among them yet). */
const ALLOWED_VOLUME_SOURCES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
] as const;

/** Restricted sources in upstream's switch order: [wire field, name in the message]. */
const RESTRICTED_VOLUME_SOURCES: readonly (readonly [string, string])[] = [
  ['hostPath', 'hostPath'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['gitRepo', 'gitRepo'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['rbd', 'rbd'],
  ['flexVolume', 'flexVolume'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephfs'],
  ['flocker', 'flocker'],
  ['fc', 'fc'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['quobyte', 'quobyte'],
  ['azureDisk', 'azureDisk'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['scaleIO', 'scaleIO'],
  ['storageos', 'storageos'],
];

function restrictedVolumes_1_0(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const badVolumes: string[] = [];
  const badTypes: string[] = [];
  for (const volume of spec.volumes ?? []) {
    const v = volume as Volume & Record<string, unknown>;
    if (ALLOWED_VOLUME_SOURCES.some((k) => v[k] != null)) continue;
    badVolumes.push(volume.name);
    const found = RESTRICTED_VOLUME_SOURCES.find(([k]) => v[k] != null);
    badTypes.push(found === undefined ? 'unknown' : found[1]);
  }
  if (badVolumes.length === 0) return ALLOWED;
  const types = sortedSet(badTypes);
  return forbid(
    'restricted volume types',
    `${pluralize('volume', 'volumes', badVolumes.length)} ${joinQuote(badVolumes)} ${pluralize('uses', 'use', badVolumes.length)} ${pluralize('restricted volume type', 'restricted volume types', types.length)} ${joinQuote(types)}`,
  );
}

// ---- allowPrivilegeEscalation (restricted, 1.8, 1.25) ----

function allowPrivilegeEscalation_1_8(_meta: ObjectMeta, spec: PodSpec): CheckResult {
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) bad.push(c.name);
  });
  if (bad.length === 0) return ALLOWED;
  return forbid(
    'allowPrivilegeEscalation != false',
    `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false`,
  );
}

function allowPrivilegeEscalation_1_25(meta: ObjectMeta, spec: PodSpec): CheckResult {
  // API validation forbids allowPrivilegeEscalation on Windows pods.
  if (isWindowsPod(spec)) return ALLOWED;
  return allowPrivilegeEscalation_1_8(meta, spec);
}

// ---- runAsNonRoot (restricted, 1.0) ----

function runAsNonRoot_1_0(_meta: ObjectMeta, spec: PodSpec, opts: CheckOptions): CheckResult {
  // KEP-127: root in a user namespace is not root on the host.
  if (relaxForUserNamespacePod(spec, opts)) return ALLOWED;
  const badSetters: string[] = [];
  let podRunAsNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (podValue != null) {
    if (!podValue) badSetters.push('pod');
    else podRunAsNonRoot = true;
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  visitContainers(spec, (c) => {
    const v = c.securityContext?.runAsNonRoot;
    if (v != null) {
      if (!v) explicitlyBad.push(c.name);
    } else if (!podRunAsNonRoot) {
      implicitlyBad.push(c.name);
    }
  });
  if (explicitlyBad.length > 0) {
    badSetters.push(
      `${pluralize('container', 'containers', explicitlyBad.length)} ${joinQuote(explicitlyBad)}`,
    );
  }
  if (badSetters.length > 0) {
    return forbid(
      'runAsNonRoot != true',
      `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    );
  }
  if (implicitlyBad.length > 0) {
    return forbid(
      'runAsNonRoot != true',
      `pod or ${pluralize('container', 'containers', implicitlyBad.length)} ${joinQuote(implicitlyBad)} must set securityContext.runAsNonRoot=true`,
    );
  }
  return ALLOWED;
}

// ---- runAsUser (restricted, 1.23) ----

function runAsUser_1_23(_meta: ObjectMeta, spec: PodSpec, opts: CheckOptions): CheckResult {
  if (relaxForUserNamespacePod(spec, opts)) return ALLOWED;
  const badSetters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) badSetters.push('pod');
  const bad: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) bad.push(c.name);
  });
  if (bad.length > 0)
    badSetters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
  if (badSetters.length === 0) return ALLOWED;
  return forbid('runAsUser=0', `${badSetters.join(' and ')} must not set runAsUser=0`);
}

const v = majorMinorVersion;

/**
 * Every check of Kubernetes 1.32's default registry (upstream policy.DefaultChecks()), in
 * registration order. The evaluator orders them by ID, so this order does not matter.
 */
export const DEFAULT_CHECKS: readonly Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { minimumVersion: v(1, 8), checkPod: allowPrivilegeEscalation_1_8 },
      { minimumVersion: v(1, 25), checkPod: allowPrivilegeEscalation_1_25 },
    ],
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: appArmorProfile_1_0 }],
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: capabilitiesBaseline_1_0 }],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    versions: [
      {
        minimumVersion: v(1, 22),
        checkPod: capabilitiesRestricted_1_22,
        overrideCheckIDs: ['capabilities_baseline'],
      },
      {
        minimumVersion: v(1, 25),
        checkPod: capabilitiesRestricted_1_25,
        overrideCheckIDs: ['capabilities_baseline'],
      },
    ],
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: hostNamespaces_1_0 }],
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: hostPathVolumes_1_0 }],
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: hostPorts_1_0 }],
  },
  {
    id: 'privileged',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: privileged_1_0 }],
  },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: procMount_1_0 }],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    versions: [
      {
        minimumVersion: v(1, 0),
        checkPod: restrictedVolumes_1_0,
        overrideCheckIDs: ['hostPathVolumes'],
      },
    ],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [{ minimumVersion: v(1, 0), checkPod: runAsNonRoot_1_0 }],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [{ minimumVersion: v(1, 23), checkPod: runAsUser_1_23 }],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { minimumVersion: v(1, 0), checkPod: seccompProfileBaseline_1_0 },
      { minimumVersion: v(1, 19), checkPod: seccompProfileBaseline_1_19 },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    versions: [
      {
        minimumVersion: v(1, 19),
        checkPod: seccompProfileRestricted_1_19,
        overrideCheckIDs: ['seccompProfile_baseline'],
      },
      {
        minimumVersion: v(1, 25),
        checkPod: seccompProfileRestricted_1_25,
        overrideCheckIDs: ['seccompProfile_baseline'],
      },
    ],
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { minimumVersion: v(1, 0), checkPod: seLinuxOptionsWith(SELINUX_TYPES_1_0) },
      { minimumVersion: v(1, 31), checkPod: seLinuxOptionsWith(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { minimumVersion: v(1, 0), checkPod: sysctlsWith(SYSCTLS_1_0) },
      { minimumVersion: v(1, 27), checkPod: sysctlsWith(SYSCTLS_1_27) },
      { minimumVersion: v(1, 29), checkPod: sysctlsWith(SYSCTLS_1_29) },
      { minimumVersion: v(1, 32), checkPod: sysctlsWith(SYSCTLS_1_32) },
    ],
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    versions: [{ minimumVersion: v(1, 0), checkPod: windowsHostProcess_1_0 }],
  },
];
