/**
 * Pod Security admission (Pod Security Standards), Kubernetes 1.32: namespace label parsing,
 * the baseline/restricted checks per policy version, upstream's messages, and the validating
 * admission plugin for pods, namespaces and workloads with pod templates.
 */
export {
  AUDIT_ANNOTATION_PREFIX,
  AUDIT_LEVEL_LABEL,
  AUDIT_VERSION_LABEL,
  AUDIT_VIOLATIONS_ANNOTATION_KEY,
  DEFAULT_POLICY,
  ENFORCED_POLICY_ANNOTATION_KEY,
  ENFORCE_LEVEL_LABEL,
  ENFORCE_VERSION_LABEL,
  EXEMPTION_REASON_ANNOTATION_KEY,
  LATEST_VERSION,
  LEVELS,
  WARN_LEVEL_LABEL,
  WARN_VERSION_LABEL,
  compareLevels,
  levelVersionEquals,
  levelVersionEquivalent,
  levelVersionString,
  majorMinorVersion,
  parseLevel,
  parseNamespacePolicy,
  parseVersion,
  policyEquivalent,
  policyFullyPrivileged,
  versionEquals,
  versionOlder,
  versionString,
} from './api.ts';
export type { Level, LevelVersion, NamespacePolicy, ParseResult, PolicyVersion } from './api.ts';
export { DEFAULT_CHECKS } from './checks.ts';
export type { Check, CheckOptions, CheckPodFn, CheckResult, VersionedCheck } from './checks.ts';
export {
  UNKNOWN_FORBIDDEN_REASON,
  aggregateCheckResults,
  aggregateForbiddenDetail,
  aggregateForbiddenReason,
  aggregateMessage,
  evaluatePod,
  newEvaluator,
} from './registry.ts';
export type { AggregateCheckResult, Evaluator, EvaluatorOptions } from './registry.ts';
export {
  PodSecurityAdmission,
  extractPodSpec,
  isSignificantPodUpdate,
  podSecurityApplies,
} from './admission.ts';
export type {
  PodSecurityAdmissionDeps,
  PodSecurityAdmissionOptions,
  PodSecurityAttributes,
  PodSecurityConfiguration,
  PodSecurityResult,
} from './admission.ts';
