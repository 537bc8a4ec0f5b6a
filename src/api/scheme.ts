/**
 * The scheme: which resources exist, in which groups and versions, with their kinds, names,
 * scope, verbs, subresources and storage layout. The API server routes and builds discovery
 * from it, kubectl-style name resolution uses it, and CRDs add to it at run time.
 *
 * Built-in entries come from ./scheme-resources.ts (Kubernetes 1.32). ResourceInfo objects
 * held by a Scheme are deeply frozen and shared: callers read them, never change them.
 */
import { newBadRequest } from './errors.ts';
import { goQuote, isValidPathSegmentName } from './validation/index.ts';
import { BUILTIN_RESOURCE_SPECS, resourceInfo } from './scheme-resources.ts';
import type {
  GroupVersion,
  GroupVersionKind,
  GroupVersionResource,
  ResourceInfo,
} from './scheme-resources.ts';
import type { GroupKind, GroupResource } from './errors.ts';

export {
  BUILTIN_RESOURCE_SPECS,
  STANDARD_VERBS,
  STORAGE_ROOT,
  customResourceInfo,
  resourceInfo,
  scaleSubresource,
  statusSubresource,
} from './scheme-resources.ts';
export type {
  CustomResourceSpec,
  GroupVersion,
  GroupVersionKind,
  GroupVersionResource,
  ResourceInfo,
  ResourceSpec,
  SubresourceInfo,
  Verb,
} from './scheme-resources.ts';

/** The versions a group serves, highest priority first, as discovery lists them. */
export interface GroupVersions {
  readonly group: string;
  /** Kube-aware order: v2, v1, v1beta2, v1beta1, v1alpha1, then others alphabetically. */
  readonly versions: readonly string[];
  readonly preferredVersion: string;
}

/** `apps/v1`, or `v1` for the core group. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

/** Splits an apiVersion (`apps/v1`, `v1`) into group and version. */
export function parseGroupVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const KUBE_VERSION_RE = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Upstream version.CompareKubeAwareVersionStrings, negated for sorting: negative when `a`
 * has higher priority than `b`. GA > beta > alpha, higher numbers first; versions that are not
 * Kubernetes-like sort last, alphabetically.
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const ma = KUBE_VERSION_RE.exec(a);
  const mb = KUBE_VERSION_RE.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const rank = (m: RegExpExecArray): number => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  const ra = rank(ma);
  const rb = rank(mb);
  if (ra !== rb) return rb - ra;
  const major = Number(mb[1]) - Number(ma[1]);
  if (major !== 0) return major;
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) {
      deepFreeze(v);
    }
  }
  return value;
}

function gvrKey(group: string, version: string, resource: string): string {
  return `${group}/${version}/${resource}`;
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/**
 * A registry of resources. Lookups return shared frozen ResourceInfo objects. Groups keep the
 * order in which they were first added (the discovery order); resources within a group
 * version keep insertion order.
 */
export class Scheme {
  private readonly byGVR = new Map<string, ResourceInfo>();
  private readonly byGVK = new Map<string, ResourceInfo>();
  /** group → version → resources, in insertion order. */
  private readonly groups = new Map<string, Map<string, ResourceInfo[]>>();

  constructor(resources: Iterable<ResourceInfo> = []) {
    for (const r of resources) {
      this.add(r);
    }
  }

  /**
   * Adds one resource version. The scheme keeps a frozen copy (the argument stays the
   * caller's). Throws if the group/version/resource or the group/version/kind is taken, or if
   * the entry is inconsistent with other versions of the same group-resource (scope, kind,
   * storage prefix). Not idempotent: remove first to replace.
   */
  add(info: ResourceInfo): ResourceInfo {
    const gvr = gvrKey(info.group, info.version, info.resource);
    const gvk = gvkKey(info.group, info.version, info.kind);
    if (this.byGVR.has(gvr)) {
      throw new Error(`resource ${gvr} is already registered`);
    }
    if (this.byGVK.has(gvk)) {
      throw new Error(`kind ${gvk} is already registered`);
    }
    const sibling = this.versionsOf({ group: info.group, resource: info.resource })[0];
    if (
      sibling !== undefined &&
      (sibling.namespaced !== info.namespaced || sibling.storagePrefix !== info.storagePrefix)
    ) {
      throw new Error(
        `resource ${gvr} disagrees with ${gvrKey(sibling.group, sibling.version, sibling.resource)} on scope or storage`,
      );
    }
    const frozen = deepFreeze(structuredClone(info));
    this.byGVR.set(gvr, frozen);
    this.byGVK.set(gvk, frozen);
    let versions = this.groups.get(info.group);
    if (versions === undefined) {
      versions = new Map();
      this.groups.set(info.group, versions);
    }
    const list = versions.get(info.version);
    if (list === undefined) {
      versions.set(info.version, [frozen]);
    } else {
      list.push(frozen);
    }
    return frozen;
  }

  /** Removes one resource version; true if it was present. */
  remove(gvr: GroupVersionResource): boolean {
    const info = this.byGVR.get(gvrKey(gvr.group, gvr.version, gvr.resource));
    if (info === undefined) {
      return false;
    }
    this.byGVR.delete(gvrKey(info.group, info.version, info.resource));
    this.byGVK.delete(gvkKey(info.group, info.version, info.kind));
    const versions = this.groups.get(info.group);
    const list = versions?.get(info.version);
    if (versions !== undefined && list !== undefined) {
      const rest = list.filter((r) => r !== info);
      if (rest.length > 0) {
        versions.set(info.version, rest);
      } else {
        versions.delete(info.version);
        if (versions.size === 0) {
          this.groups.delete(info.group);
        }
      }
    }
    return true;
  }

  /** Removes every version of a group-resource (a deleted CRD); returns how many were removed. */
  removeGroupResource(gr: GroupResource): number {
    let n = 0;
    for (const info of this.versionsOf(gr)) {
      if (this.remove(info)) n++;
    }
    return n;
  }

  /** Exact lookup by group, version and plural resource name. */
  byGroupVersionResource(gvr: GroupVersionResource): ResourceInfo | undefined {
    return this.byGVR.get(gvrKey(gvr.group, gvr.version, gvr.resource));
  }

  /** Exact lookup by group, version and kind (top-level resources only, not subresources). */
  byGroupVersionKind(gvk: GroupVersionKind): ResourceInfo | undefined {
    return this.byGVK.get(gvkKey(gvk.group, gvk.version, gvk.kind));
  }

  /** Lookup by apiVersion (`apps/v1`) and kind, as found in an object. */
  byApiVersionKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.byGroupVersionKind({ ...parseGroupVersion(apiVersion), kind });
  }

  /** Every served version of a group-resource, highest priority first. */
  versionsOf(gr: GroupResource): ResourceInfo[] {
    const versions = this.groups.get(gr.group);
    if (versions === undefined) {
      return [];
    }
    const out: ResourceInfo[] = [];
    for (const version of [...versions.keys()].sort(compareKubeAwareVersions)) {
      const info = this.byGVR.get(gvrKey(gr.group, version, gr.resource));
      if (info !== undefined) out.push(info);
    }
    return out;
  }

  /** The preferred (highest priority) version of a group-resource. */
  byGroupResource(gr: GroupResource): ResourceInfo | undefined {
    return this.versionsOf(gr)[0];
  }

  /** The highest-priority version of the group that serves `kind`. */
  byGroupKind(gk: GroupKind): ResourceInfo | undefined {
    const versions = this.groups.get(gk.group);
    if (versions === undefined) {
      return undefined;
    }
    for (const version of [...versions.keys()].sort(compareKubeAwareVersions)) {
      const info = this.byGVK.get(gvkKey(gk.group, version, gk.kind));
      if (info !== undefined) return info;
    }
    return undefined;
  }

  /** Preferred versions of resources whose short name is `shortName`, in group order. */
  byShortName(shortName: string): ResourceInfo[] {
    return this.preferred().filter((r) => r.shortNames.includes(shortName));
  }

  /** Preferred versions of resources in the category (`all`, `api-extensions`), in group order. */
  byCategory(category: string): ResourceInfo[] {
    return this.preferred().filter((r) => r.categories.includes(category));
  }

  /**
   * kubectl-style resolution of a user-typed resource: a plural, singular, short name or kind
   * (case-insensitive), optionally qualified as `name.group` or `name.version.group`
   * (`deployments.apps`, `deploy.v1.apps`). Returns matching preferred versions (or the named
   * version) in group order, core first; several results mean the name is ambiguous across
   * groups (e.g. `ev`), and callers usually take the first, as kubectl does.
   */
  resolve(typed: string): ResourceInfo[] {
    const input = typed.toLowerCase();
    const matchesName = (r: ResourceInfo, name: string): boolean =>
      r.resource === name ||
      r.singular === name ||
      r.kind.toLowerCase() === name ||
      r.shortNames.includes(name);
    const direct = this.preferred().filter((r) => matchesName(r, input));
    if (direct.length > 0) {
      return direct;
    }
    const dot = input.indexOf('.');
    if (dot < 0) {
      return [];
    }
    const name = input.slice(0, dot);
    const rest = input.slice(dot + 1);
    const out: ResourceInfo[] = [];
    // name.group
    for (const r of this.preferred()) {
      if (r.group === rest && matchesName(r, name)) out.push(r);
    }
    if (out.length > 0) {
      return out;
    }
    // name.version.group
    const dot2 = rest.indexOf('.');
    if (dot2 >= 0) {
      const version = rest.slice(0, dot2);
      const group = rest.slice(dot2 + 1);
      for (const r of this.resourcesFor({ group, version })) {
        if (matchesName(r, name)) out.push(r);
      }
    }
    return out;
  }

  /** The resources of one group version, in insertion order (empty if not served). */
  resourcesFor(gv: GroupVersion): ResourceInfo[] {
    return [...(this.groups.get(gv.group)?.get(gv.version) ?? [])];
  }

  /** Every resource version in the scheme: groups in order, versions by priority. */
  all(): ResourceInfo[] {
    const out: ResourceInfo[] = [];
    for (const [group, versions] of this.groups) {
      for (const version of [...versions.keys()].sort(compareKubeAwareVersions)) {
        out.push(...this.resourcesFor({ group, version }));
      }
    }
    return out;
  }

  /** One entry per group (core '' included), in group order, with the preferred version. */
  groupVersions(): GroupVersions[] {
    const out: GroupVersions[] = [];
    for (const [group, versions] of this.groups) {
      const sorted = [...versions.keys()].sort(compareKubeAwareVersions);
      const preferredVersion = sorted[0];
      if (preferredVersion !== undefined) {
        out.push({ group, versions: sorted, preferredVersion });
      }
    }
    return out;
  }

  /** The preferred version of a group, if the group is served. */
  preferredVersion(group: string): string | undefined {
    const versions = this.groups.get(group);
    return versions === undefined
      ? undefined
      : [...versions.keys()].sort(compareKubeAwareVersions)[0];
  }

  /** The preferred version of every group-resource, in group order. */
  private preferred(): ResourceInfo[] {
    const out: ResourceInfo[] = [];
    for (const versions of this.groups.values()) {
      const seen = new Set<string>();
      for (const version of [...versions.keys()].sort(compareKubeAwareVersions)) {
        for (const r of versions.get(version) ?? []) {
          if (!seen.has(r.resource)) {
            seen.add(r.resource);
            out.push(r);
          }
        }
      }
    }
    return out;
  }
}

/** A new Scheme holding the built-in Kubernetes 1.32 resources. Each call returns a new one. */
export function newBuiltinScheme(): Scheme {
  return new Scheme(BUILTIN_RESOURCE_SPECS.map(resourceInfo));
}

function requireStoragePrefix(info: ResourceInfo): string {
  if (info.storagePrefix === undefined) {
    throw new Error(`resource ${groupVersionString(info)}/${info.resource} is not stored`);
  }
  return info.storagePrefix;
}

/**
 * The storage key of one object, upstream's NamespaceKeyFunc / NoNamespaceKeyFunc:
 * `<prefix>/<namespace>/<name>` for namespaced resources, `<prefix>/<name>` otherwise.
 * Throws a 400 StatusError with upstream's messages when the namespace (for namespaced
 * resources) or the name is missing, or the name is not a safe path segment; throws a plain
 * Error for a resource that is never stored (a programming error). The namespace of a
 * cluster-scoped resource is ignored.
 */
export function storageKey(
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): string {
  const prefix = requireStoragePrefix(info);
  if (info.namespaced && (namespace === undefined || namespace === '')) {
    throw newBadRequest('Namespace parameter required.');
  }
  if (name === '') {
    throw newBadRequest('Name parameter required.');
  }
  const msgs = isValidPathSegmentName(name);
  if (msgs.length > 0) {
    throw newBadRequest(`Name parameter invalid: ${goQuote(name)}: ${msgs.join(';')}`);
  }
  return info.namespaced ? `${prefix}/${namespace ?? ''}/${name}` : `${prefix}/${name}`;
}

/**
 * The prefix to list or watch: every object of the resource (`/registry/pods/`) or, for a
 * namespaced resource with a namespace, the objects of that namespace
 * (`/registry/pods/default/`). Always ends with `/` so that `/registry/pods/a/` never matches
 * namespace `ab` (the storage layer lists by prefix).
 */
export function storageListPrefix(info: ResourceInfo, namespace?: string): string {
  const prefix = requireStoragePrefix(info);
  if (info.namespaced && namespace !== undefined && namespace !== '') {
    return `${prefix}/${namespace}/`;
  }
  return `${prefix}/`;
}
