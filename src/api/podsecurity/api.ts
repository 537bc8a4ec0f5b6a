/**
 * Pod Security Standards vocabulary: levels, policy versions, the namespace labels that pick
 * them and their parsing. Ported from Kubernetes 1.32
 * staging/src/k8s.io/pod-security-admission/api (constants.go, helpers.go).
 */
import { invalid, newPath } from '../validation/index.ts';
import type { FieldError } from '../validation/index.ts';

/** A Pod Security Standards level, from least to most strict. */
export type Level = 'privileged' | 'baseline' | 'restricted';

/** The three levels in upstream's order (used in the "must be one of" message). */
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];

/**
 * A policy version: `latest`, or `v<major>.<minor>`. `latest` sorts after every numbered
 * version, even future ones. Values are plain data; compare them with `versionEquals`.
 */
export type PolicyVersion =
  | { readonly latest: true }
  | { readonly latest: false; readonly major: number; readonly minor: number };

/** A level at a version, as a namespace label pair selects it ("restricted:v1.30"). */
export interface LevelVersion {
  readonly level: Level;
  readonly version: PolicyVersion;
}

/** The effective policy of a namespace: one LevelVersion per mode. */
export interface NamespacePolicy {
  readonly enforce: LevelVersion;
  readonly audit: LevelVersion;
  readonly warn: LevelVersion;
}

const LABEL_PREFIX = 'pod-security.kubernetes.io/';

/** Prefix of the audit annotations PodSecurity adds (upstream AuditAnnotationPrefix). */
export const AUDIT_ANNOTATION_PREFIX = LABEL_PREFIX;
/** Namespace label selecting the enforce level. */
export const ENFORCE_LEVEL_LABEL = `${LABEL_PREFIX}enforce`;
/** Namespace label selecting the enforce version. */
export const ENFORCE_VERSION_LABEL = `${LABEL_PREFIX}enforce-version`;
/** Namespace label selecting the audit level. */
export const AUDIT_LEVEL_LABEL = `${LABEL_PREFIX}audit`;
/** Namespace label selecting the audit version. */
export const AUDIT_VERSION_LABEL = `${LABEL_PREFIX}audit-version`;
/** Namespace label selecting the warn level. */
export const WARN_LEVEL_LABEL = `${LABEL_PREFIX}warn`;
/** Namespace label selecting the warn version. */
export const WARN_VERSION_LABEL = `${LABEL_PREFIX}warn-version`;

/** Audit annotation key (unprefixed) naming why a request was exempt. */
export const EXEMPTION_REASON_ANNOTATION_KEY = 'exempt';
/** Audit annotation key (unprefixed) carrying audit-mode violations. */
export const AUDIT_VIOLATIONS_ANNOTATION_KEY = 'audit-violations';
/** Audit annotation key (unprefixed) naming the enforced level:version. */
export const ENFORCED_POLICY_ANNOTATION_KEY = 'enforce-policy';

/** The `latest` version. */
export const LATEST_VERSION: PolicyVersion = Object.freeze({ latest: true });

/** A numbered version `v<major>.<minor>`. */
export function majorMinorVersion(major: number, minor: number): PolicyVersion {
  return { latest: false, major, minor };
}

/** Upstream Version.String(): `latest` or `v1.30`. */
export function versionString(v: PolicyVersion): string {
  return v.latest ? 'latest' : `v${String(v.major)}.${String(v.minor)}`;
}

/** True when `a` is strictly older than `b` (latest is never older; everything is older than latest). */
export function versionOlder(a: PolicyVersion, b: PolicyVersion): boolean {
  if (a.latest) return false;
  if (b.latest) return true;
  if (a.major !== b.major) return a.major < b.major;
  return a.minor < b.minor;
}

/** Value equality of two versions (Go's `==` on api.Version). */
export function versionEquals(a: PolicyVersion, b: PolicyVersion): boolean {
  if (a.latest || b.latest) return a.latest === b.latest;
  return a.major === b.major && a.minor === b.minor;
}

/** Upstream LevelVersion.String(): `restricted:latest`, `baseline:v1.30`. */
export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${versionString(lv.version)}`;
}

/** Value equality of two LevelVersions. */
export function levelVersionEquals(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && versionEquals(a.version, b.version);
}

/** LevelVersion.Equivalent: both privileged (any versions), or same level and version. */
export function levelVersionEquivalent(a: LevelVersion, b: LevelVersion): boolean {
  return (a.level === 'privileged' && b.level === 'privileged') || levelVersionEquals(a, b);
}

/** Policy.FullyPrivileged: every mode is privileged. */
export function policyFullyPrivileged(p: NamespacePolicy): boolean {
  return (
    p.enforce.level === 'privileged' &&
    p.audit.level === 'privileged' &&
    p.warn.level === 'privileged'
  );
}

/** Policy.Equivalent: every mode is equivalent. */
export function policyEquivalent(a: NamespacePolicy, b: NamespacePolicy): boolean {
  return (
    levelVersionEquivalent(a.enforce, b.enforce) &&
    levelVersionEquivalent(a.audit, b.audit) &&
    levelVersionEquivalent(a.warn, b.warn)
  );
}

/**
 * CompareLevels: 0 when equal, -1 when `a` is less strict than `b`, +1 when stricter.
 */
export function compareLevels(a: Level, b: Level): number {
  if (a === b) return 0;
  if (a === 'privileged') return -1;
  if (a === 'restricted') return 1;
  return b === 'privileged' ? 1 : -1;
}

/** The result of a parse: the value to use (always valid) and an error message or undefined. */
export interface ParseResult<T> {
  value: T;
  error: string | undefined;
}

/**
 * ParseLevel: one of privileged, baseline, restricted; anything else yields `restricted` and
 * the error `must be one of privileged, baseline, restricted`.
 */
export function parseLevel(level: string): ParseResult<Level> {
  if (level === 'privileged' || level === 'baseline' || level === 'restricted') {
    return { value: level, error: undefined };
  }
  return { value: 'restricted', error: `must be one of ${LEVELS.join(', ')}` };
}

const VERSION_RE = /^v1\.([0-9]|[1-9][0-9]*)$/;

/**
 * ParseVersion: `latest` or `v1.<minor>` (no leading zeros); anything else yields `latest` and
 * the error `must be "latest" or "v1.x"`.
 */
export function parseVersion(version: string): ParseResult<PolicyVersion> {
  if (version === 'latest') return { value: LATEST_VERSION, error: undefined };
  const m = VERSION_RE.exec(version);
  const minor = m?.[1] === undefined ? NaN : Number(m[1]);
  // Go's Atoi fails past int64; such a number cannot name a real policy version either.
  if (!Number.isSafeInteger(minor)) {
    return { value: LATEST_VERSION, error: 'must be "latest" or "v1.x"' };
  }
  return { value: majorMinorVersion(1, minor), error: undefined };
}

/** The built-in default policy: privileged:latest for every mode. */
export const DEFAULT_POLICY: NamespacePolicy = Object.freeze<NamespacePolicy>({
  enforce: { level: 'privileged', version: LATEST_VERSION },
  audit: { level: 'privileged', version: LATEST_VERSION },
  warn: { level: 'privileged', version: LATEST_VERSION },
});

const labelsPath = newPath('metadata', 'labels');

/**
 * PolicyToEvaluate: resolves a namespace's labels to its policy, falling back to `defaults`
 * for unset labels. A usable policy is always returned: a bad enforce level becomes
 * `restricted`, a bad audit or warn level becomes `privileged` (fail open), a bad version
 * becomes `latest`. `errors` holds one `metadata.labels[<key>]: Invalid value` per bad label,
 * in upstream's order (enforce, enforce-version, audit, audit-version, warn, warn-version).
 */
export function parseNamespacePolicy(
  labels: Readonly<Record<string, string>> | undefined,
  defaults: NamespacePolicy = DEFAULT_POLICY,
): { policy: NamespacePolicy; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (labels === undefined) return { policy: defaults, errors };
  let { enforce, audit, warn } = defaults;
  const check = <T>(label: string, value: string, r: ParseResult<T>): T => {
    if (r.error !== undefined) errors.push(invalid(labelsPath.key(label), value, r.error));
    return r.value;
  };
  const get = (key: string): string | undefined =>
    Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : undefined;

  let v = get(ENFORCE_LEVEL_LABEL);
  if (v !== undefined)
    enforce = { ...enforce, level: check(ENFORCE_LEVEL_LABEL, v, parseLevel(v)) };
  v = get(ENFORCE_VERSION_LABEL);
  if (v !== undefined) {
    enforce = { ...enforce, version: check(ENFORCE_VERSION_LABEL, v, parseVersion(v)) };
  }
  v = get(AUDIT_LEVEL_LABEL);
  if (v !== undefined) {
    const r = parseLevel(v);
    audit = { ...audit, level: r.error === undefined ? r.value : 'privileged' };
    check(AUDIT_LEVEL_LABEL, v, r);
  }
  v = get(AUDIT_VERSION_LABEL);
  if (v !== undefined)
    audit = { ...audit, version: check(AUDIT_VERSION_LABEL, v, parseVersion(v)) };
  v = get(WARN_LEVEL_LABEL);
  if (v !== undefined) {
    const r = parseLevel(v);
    warn = { ...warn, level: r.error === undefined ? r.value : 'privileged' };
    check(WARN_LEVEL_LABEL, v, r);
  }
  v = get(WARN_VERSION_LABEL);
  if (v !== undefined) warn = { ...warn, version: check(WARN_VERSION_LABEL, v, parseVersion(v)) };
  return { policy: { enforce, audit, warn }, errors };
}
