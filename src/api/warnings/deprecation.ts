/**
 * Deprecated-API warnings, as the API server adds them to every request on a deprecated
 * group/version (staging/src/k8s.io/apiserver/pkg/endpoints/deprecation: WarningMessage, from
 * the types' prerelease-lifecycle annotations) and for CRD versions marked `deprecated`.
 *
 * Skiff serves only GA versions today (see scheme-resources.ts), none of which Kubernetes 1.32
 * deprecates, so `deprecationWarning` returns undefined for every built-in it serves; the
 * table holds the deprecated versions 1.32 still serves, for when they are added.
 */
import type { GroupVersionKind } from '../scheme.ts';

/** A Kubernetes minor release `major.minor`. */
export interface KubeRelease {
  readonly major: number;
  readonly minor: number;
}

/** The release Skiff implements. */
export const CURRENT_RELEASE: KubeRelease = { major: 1, minor: 32 };

interface DeprecatedApi {
  readonly group: string;
  readonly version: string;
  /** Kinds this entry covers (the kind and its List). */
  readonly kinds: readonly string[];
  readonly deprecated: KubeRelease;
  readonly removed?: KubeRelease;
  /** Replacement group/version; the kind stays the same. */
  readonly replacement?: { readonly group: string; readonly version: string };
}

/** Deprecated group/versions still served (when enabled) by Kubernetes 1.32. */
const DEPRECATED_APIS: readonly DeprecatedApi[] = [
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1beta1',
    kinds: ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'],
    deprecated: { major: 1, minor: 31 },
    removed: { major: 1, minor: 34 },
    replacement: { group: 'admissionregistration.k8s.io', version: 'v1' },
  },
];

function gv(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function atLeast(a: KubeRelease, b: KubeRelease): boolean {
  return a.major > b.major || (a.major === b.major && a.minor >= b.minor);
}

/**
 * The warning for a request on `gvk` (the kind of the object served, or its List), e.g.
 * `admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy is deprecated in v1.31+,
 * unavailable in v1.34+; use admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy`;
 * undefined when the version is not deprecated in `current`.
 */
export function deprecationWarning(
  gvk: GroupVersionKind,
  current: KubeRelease = CURRENT_RELEASE,
): string | undefined {
  const kind = gvk.kind.endsWith('List') ? gvk.kind.slice(0, -4) : gvk.kind;
  const api = DEPRECATED_APIS.find(
    (a) => a.group === gvk.group && a.version === gvk.version && a.kinds.includes(kind),
  );
  if (api === undefined || !atLeast(current, api.deprecated)) return undefined;
  let msg = `${gv(gvk.group, gvk.version)} ${gvk.kind} is deprecated in v${String(api.deprecated.major)}.${String(api.deprecated.minor)}+`;
  if (api.removed !== undefined) {
    msg += `, unavailable in v${String(api.removed.major)}.${String(api.removed.minor)}+`;
  }
  if (api.replacement !== undefined) {
    msg += `; use ${gv(api.replacement.group, api.replacement.version)} ${gvk.kind}`;
  }
  return msg;
}

/**
 * The warning for a request on a CRD version marked `deprecated: true`: its
 * `deprecationWarning` when set, else `<group>/<version> <Kind> is deprecated`.
 */
export function crdDeprecationWarning(
  group: string,
  version: {
    readonly name: string;
    readonly deprecated?: boolean;
    readonly deprecationWarning?: string;
  },
  kind: string,
): string | undefined {
  if (version.deprecated !== true) return undefined;
  return version.deprecationWarning ?? `${group}/${version.name} ${kind} is deprecated`;
}
