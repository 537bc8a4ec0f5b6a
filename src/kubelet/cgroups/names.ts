// Cgroup names and the kubelet's layout (upstream pkg/kubelet/cm/cgroup_manager_linux.go
// CgroupName, pod_container_manager_linux.go, qos_container_manager_linux.go). A CgroupName is
// the driver-neutral list of components (["kubepods", "burstable", "pod<uid>"]); each driver
// turns it into a literal path: cgroupfs joins with "/", systemd makes nested slices
// ("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice").
import type { PodQOSClass } from './qos.ts';

/** Driver-neutral cgroup name: its components from the hierarchy root. Empty = the root. */
export type CgroupName = readonly string[];

/** How names become paths (kubelet `--cgroup-driver`). */
export type CgroupDriver = 'cgroupfs' | 'systemd';

/** Prefix of pod cgroup names (upstream podCgroupNamePrefix). */
export const POD_CGROUP_PREFIX = 'pod';
/** Name of the node-allocatable cgroup that holds every pod (upstream defaultNodeAllocatableCgroupName). */
export const DEFAULT_PODS_CGROUP = 'kubepods';
/** Scope prefix of container cgroups under the systemd driver (containerd uses "cri-containerd"). */
export const SYSTEMD_SCOPE_PREFIX = 'skiff';

const SYSTEMD_SUFFIX = '.slice';

/** Thrown for a name the systemd driver cannot express (upstream ExpandSlice errors). */
export class CgroupNameError extends Error {
  override readonly name = 'CgroupNameError';
}

/** `"/" + components.join("/")` (upstream CgroupName.ToCgroupfs). */
export function toCgroupfs(name: CgroupName): string {
  return '/' + name.filter((c) => c !== '').join('/');
}

/** Systemd escapes "-" (its nesting separator) as "_" (upstream escapeSystemdCgroupName). */
export function escapeSystemd(part: string): string {
  return part.replaceAll('-', '_');
}

/**
 * Expands a slice unit name into its path ("a-b.slice" → "/a.slice/a-b.slice"); "-.slice" is
 * the root (runc's systemd.ExpandSlice). Throws CgroupNameError for an invalid name.
 */
export function expandSlice(slice: string): string {
  if (!slice.endsWith(SYSTEMD_SUFFIX) || slice.includes('/')) {
    throw new CgroupNameError(`invalid slice name: ${slice}`);
  }
  const base = slice.slice(0, -SYSTEMD_SUFFIX.length);
  if (base === '-') return '/';
  let path = '';
  let prefix = '';
  for (const component of base.split('-')) {
    if (component === '') throw new CgroupNameError(`invalid slice name: ${slice}`);
    path += `/${prefix}${component}${SYSTEMD_SUFFIX}`;
    prefix += `${component}-`;
  }
  return path;
}

/** The systemd slice unit of a name ("kubepods-burstable-pod<uid_>.slice"); "-.slice" for the root. */
export function toSystemdSlice(name: CgroupName): string {
  if (name.length === 0 || (name.length === 1 && name[0] === '')) return '-.slice';
  return name.map(escapeSystemd).join('-') + SYSTEMD_SUFFIX;
}

/** The literal systemd path of a name (upstream CgroupName.ToSystemd). */
export function toSystemd(name: CgroupName): string {
  return expandSlice(toSystemdSlice(name));
}

/** The literal path of a name under a driver. */
export function cgroupPath(name: CgroupName, driver: CgroupDriver): string {
  return driver === 'systemd' ? toSystemd(name) : toCgroupfs(name);
}

/** Inverse of {@link toCgroupfs} (upstream ParseCgroupfsToCgroupName). */
export function parseCgroupfs(path: string): CgroupName {
  const parts = path.replace(/^\/+/, '').split('/');
  return parts.length === 1 && parts[0] === '' ? [] : parts;
}

/** Inverse of {@link toSystemd}: the last slice, unescaped (upstream ParseSystemdToCgroupName). */
export function parseSystemd(path: string): CgroupName {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const name = base.endsWith(SYSTEMD_SUFFIX) ? base.slice(0, -SYSTEMD_SUFFIX.length) : base;
  return name.split('-').map((p) => p.replaceAll('_', '-'));
}

/** Where the kubelet puts pods (kubelet `--cgroup-root`, `--cgroup-driver`). */
export interface CgroupLayoutOptions {
  /** Parent of the pods cgroup (kubelet `--cgroup-root`); default [] (the hierarchy root). */
  readonly cgroupRoot?: CgroupName;
  /**
   * Name of the node-allocatable cgroup that holds every pod; default "kubepods". Tests pass a
   * unique name (e.g. "skiff-test-<pid>-<rand>") so they never touch anyone else's cgroups.
   */
  readonly podsCgroup?: string;
  /** Default "cgroupfs" (this machine has no systemd). */
  readonly driver?: CgroupDriver;
}

/** A resolved layout: every name the kubelet uses, and their paths under the driver. */
export class CgroupLayout {
  readonly driver: CgroupDriver;
  /** The node-allocatable cgroup (["kubepods"]); Guaranteed pods live directly under it. */
  readonly pods: CgroupName;

  constructor(opts: CgroupLayoutOptions = {}) {
    this.driver = opts.driver ?? 'cgroupfs';
    const leaf = opts.podsCgroup ?? DEFAULT_PODS_CGROUP;
    if (leaf === '' || leaf.includes('/')) {
      throw new CgroupNameError(`invalid pods cgroup name: ${JSON.stringify(leaf)}`);
    }
    this.pods = [...(opts.cgroupRoot ?? []).filter((c) => c !== ''), leaf];
  }

  /** The QoS-tier cgroup: the pods cgroup for Guaranteed, its lowercase child otherwise. */
  qos(qosClass: PodQOSClass): CgroupName {
    return qosClass === 'Guaranteed' ? this.pods : [...this.pods, qosClass.toLowerCase()];
  }

  /** The pod cgroup: `pod<uid>` under its QoS tier (upstream GetPodContainerName). */
  pod(qosClass: PodQOSClass, uid: string): CgroupName {
    return [...this.qos(qosClass), POD_CGROUP_PREFIX + uid];
  }

  /** The literal path of a name under this layout's driver. */
  path(name: CgroupName): string {
    return cgroupPath(name, this.driver);
  }

  /**
   * The literal path of a container's cgroup: `<pod path>/<id>` (cgroupfs, as containerd and
   * runc name them) or `<pod slice path>/skiff-<id>.scope` (systemd).
   */
  containerPath(qosClass: PodQOSClass, uid: string, containerId: string): string {
    const pod = this.path(this.pod(qosClass, uid));
    return this.driver === 'systemd'
      ? `${pod}/${SYSTEMD_SCOPE_PREFIX}-${containerId}.scope`
      : `${pod}/${containerId}`;
  }

  /**
   * The OCI `linux.cgroupsPath` runc expects for a container: the literal path (cgroupfs) or
   * `slice:prefix:name` (runc's systemd form, e.g. "kubepods-pod1.slice:skiff:c1").
   */
  runcCgroupsPath(qosClass: PodQOSClass, uid: string, containerId: string): string {
    if (this.driver === 'cgroupfs') return this.containerPath(qosClass, uid, containerId);
    return `${toSystemdSlice(this.pod(qosClass, uid))}:${SYSTEMD_SCOPE_PREFIX}:${containerId}`;
  }

  /** The pod UID encoded in a pod cgroup's last component, or undefined when it is not one. */
  podUidOf(path: string): string | undefined {
    const name = this.driver === 'systemd' ? parseSystemd(path) : parseCgroupfs(path);
    const last = name[name.length - 1];
    if (last === undefined || !last.startsWith(POD_CGROUP_PREFIX)) return undefined;
    const uid = last.slice(POD_CGROUP_PREFIX.length);
    return uid === '' ? undefined : uid;
  }
}
