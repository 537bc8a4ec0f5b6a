/**
 * The PodSecurity validating admission plugin (upstream pod-security-admission/admission and
 * plugin/pkg/admission/security/podsecurity, Kubernetes 1.32), as a pure library: the server
 * supplies namespace labels and pod listings through callbacks and turns the result into a
 * response, warning headers and audit annotations.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { newBadRequest, newForbidden, newInternalError, newInvalid } from '../errors.ts';
import type { StatusError } from '../errors.ts';
import { goQuote, toAggregateMessage } from '../validation/index.ts';
import type { FieldError } from '../validation/index.ts';
import type { UserInfo } from '../user.ts';
import {
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
  WARN_LEVEL_LABEL,
  WARN_VERSION_LABEL,
  compareLevels,
  levelVersionEquals,
  levelVersionString,
  parseLevel,
  parseNamespacePolicy,
  parseVersion,
  policyEquivalent,
  policyFullyPrivileged,
  versionEquals,
} from './api.ts';
import type { Level, LevelVersion, NamespacePolicy } from './api.ts';
import {
  aggregateCheckResults,
  aggregateForbiddenDetail,
  aggregateForbiddenReason,
  newEvaluator,
} from './registry.ts';
import type { AggregateCheckResult, Evaluator } from './registry.ts';
import { goCompare } from './strings.ts';

/** The PodSecurityConfiguration of the admission configuration file (defaults + exemptions). */
export interface PodSecurityConfiguration {
  /** Levels and versions for namespaces without the labels; `privileged`/`latest` when unset. */
  defaults?: {
    enforce?: string;
    enforceVersion?: string;
    audit?: string;
    auditVersion?: string;
    warn?: string;
    warnVersion?: string;
  };
  exemptions?: {
    /** Authenticated usernames whose requests are never checked. */
    usernames?: readonly string[];
    /** Pods (and templates) with one of these runtimeClassName values are never checked. */
    runtimeClasses?: readonly string[];
    /** Namespaces whose pods are never checked. */
    namespaces?: readonly string[];
  };
}

/** What the plugin needs from the server. Callbacks may be sync or async. */
export interface PodSecurityAdmissionDeps {
  /** The labels of a namespace; `undefined` when it does not exist (a lookup failure). */
  getNamespaceLabels(
    name: string,
  ):
    | Readonly<Record<string, string>>
    | undefined
    | Promise<Readonly<Record<string, string>> | undefined>;
  /** The pods of a namespace, for the warnings on a namespace label change. */
  listPods(namespace: string): readonly Pod[] | Promise<readonly Pod[]>;
  /** Milliseconds clock for the 1 s budget of namespace pod checks; `Date.now` by default. */
  now?: () => number;
}

/** Options of the plugin. */
export interface PodSecurityAdmissionOptions {
  configuration?: PodSecurityConfiguration;
  /** The evaluator; upstream's default checks when omitted. */
  evaluator?: Evaluator;
  /** Pods checked at most on a namespace label change (upstream: 3000). */
  namespaceMaxPodsToCheck?: number;
  /** Time budget in ms of those checks (upstream: 1 s). */
  namespacePodCheckTimeoutMs?: number;
}

/** A request, as upstream's admission.Attributes. */
export interface PodSecurityAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** The resource requested; only `group` and `resource` matter. */
  resource: { group: string; version?: string; resource: string };
  /** '' for the main resource. */
  subresource: string;
  /**
   * The request namespace, as upstream's request info has it: for namespace requests on
   * `/namespaces/{name}` that is the name itself, '' for `POST /namespaces` (exempt-namespace
   * warnings on create only appear when the caller passes the name here).
   */
  namespace: string;
  /** The object name; the object's `metadata.name` is used when ''. */
  name: string;
  /** The new object (a Pod, Namespace or workload), decoded JSON. */
  object: unknown;
  /** The old object on UPDATE. */
  oldObject?: unknown;
  userInfo?: UserInfo;
  /** Accepted for symmetry; PodSecurity behaves the same for dry runs (as upstream). */
  dryRun?: boolean;
}

/** The decision. */
export interface PodSecurityResult {
  allowed: boolean;
  /** Why the request is denied (403 Forbidden, 422 Invalid, 400, 500); set iff !allowed. */
  error?: StatusError;
  /** Warning texts for `Warning: 299 - "..."` headers (the caller formats and escapes). */
  warnings: string[];
  /**
   * Audit annotations, keys already prefixed with `pod-security.kubernetes.io/` as upstream's
   * plugin adds them (`.../enforce-policy`, `.../audit-violations`, `.../exempt`, `.../error`).
   */
  auditAnnotations: Record<string, string>;
}

const POD_SPEC_RESOURCES: ReadonlySet<string> = new Set([
  '/pods',
  '/replicationcontrollers',
  '/podtemplates',
  'apps/replicasets',
  'apps/deployments',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
]);

/** Pod subresources that cannot change the pod spec and are never checked. */
const IGNORED_POD_SUBRESOURCES: ReadonlySet<string> = new Set([
  'exec',
  'attach',
  'binding',
  'eviction',
  'log',
  'portforward',
  'proxy',
  'status',
]);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(o: unknown, key: string): unknown {
  return isObject(o) ? o[key] : undefined;
}

function labelsOf(o: unknown): Record<string, string> | undefined {
  const labels = field(field(o, 'metadata'), 'labels');
  return isObject(labels) ? (labels as Record<string, string>) : undefined;
}

/**
 * DefaultPodSpecExtractor: the pod metadata and spec a workload embeds, `null` when the
 * (optional) template is absent, or an Error for an unexpected object.
 */
export function extractPodSpec(
  resource: { group: string; resource: string },
  obj: unknown,
): { meta: ObjectMeta; spec: PodSpec } | null | Error {
  if (!isObject(obj)) return new Error('unexpected object type');
  const key = `${resource.group}/${resource.resource}`;
  let template: unknown;
  switch (key) {
    case '/pods':
      return {
        meta: field(obj, 'metadata') ?? {},
        spec: (field(obj, 'spec') ?? {}) as PodSpec,
      };
    case '/podtemplates':
      template = field(obj, 'template') ?? {};
      break;
    case '/replicationcontrollers':
      template = field(field(obj, 'spec'), 'template');
      if (template == null) return null;
      break;
    case 'batch/cronjobs':
      template = field(field(field(field(obj, 'spec'), 'jobTemplate'), 'spec'), 'template') ?? {};
      break;
    default:
      if (!POD_SPEC_RESOURCES.has(key)) return new Error(`unexpected object type: ${key}`);
      template = field(field(obj, 'spec'), 'template') ?? {};
  }
  return {
    meta: field(template, 'metadata') ?? {},
    spec: (field(template, 'spec') ?? {}) as PodSpec,
  };
}

/** True when PodSecurity looks at requests for this resource (pods, namespaces, workloads). */
export function podSecurityApplies(resource: { group: string; resource: string }): boolean {
  return (
    (resource.group === '' && resource.resource === 'namespaces') ||
    POD_SPEC_RESOURCES.has(`${resource.group}/${resource.resource}`)
  );
}

type ContainerImage = { name?: string; image?: string };

function containersOf(spec: unknown, key: string): ContainerImage[] {
  const list = field(spec, key);
  return Array.isArray(list) ? (list as ContainerImage[]) : [];
}

const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function annotationOf(annotations: unknown, key: string): string {
  const v = field(annotations, key);
  return typeof v === 'string' ? v : '';
}

function isSignificantContainerUpdate(
  c: ContainerImage,
  old: ContainerImage,
  annotations: unknown,
  oldAnnotations: unknown,
): boolean {
  if ((c.image ?? '') !== (old.image ?? '')) return true;
  const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + (c.name ?? '');
  return annotationOf(annotations, key) !== annotationOf(oldAnnotations, key);
}

/**
 * isSignificantPodUpdate: whether a pod update can change the verdict. Pod specs are mostly
 * immutable; only container images, container seccomp annotations and new or changed
 * ephemeral containers matter. Metadata-only, status and resize updates are not re-checked.
 */
export function isSignificantPodUpdate(pod: unknown, oldPod: unknown): boolean {
  const spec = field(pod, 'spec');
  const oldSpec = field(oldPod, 'spec');
  const annotations = field(field(pod, 'metadata'), 'annotations');
  const oldAnnotations = field(field(oldPod, 'metadata'), 'annotations');
  for (const key of ['containers', 'initContainers']) {
    const cs = containersOf(spec, key);
    const olds = containersOf(oldSpec, key);
    if (cs.length !== olds.length) return true;
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i];
      const o = olds[i];
      if (
        c !== undefined &&
        o !== undefined &&
        isSignificantContainerUpdate(c, o, annotations, oldAnnotations)
      ) {
        return true;
      }
    }
  }
  const oldEphemeral = containersOf(oldSpec, 'ephemeralContainers');
  for (const c of containersOf(spec, 'ephemeralContainers')) {
    const o = oldEphemeral.find((e) => e.name === c.name);
    if (o === undefined) return true; // an ephemeral container was added
    if (isSignificantContainerUpdate(c, o, annotations, oldAnnotations)) return true;
  }
  return false;
}

function parseDefaults(defaults: PodSecurityConfiguration['defaults']): NamespacePolicy {
  if (defaults === undefined) return DEFAULT_POLICY;
  const lv = (
    levelText: string | undefined,
    versionText: string | undefined,
    what: string,
  ): LevelVersion => {
    let level: Level = 'privileged';
    if (levelText !== undefined) {
      const r = parseLevel(levelText);
      if (r.error !== undefined)
        throw new Error(`invalid ${what} level ${JSON.stringify(levelText)}: ${r.error}`);
      level = r.value;
    }
    let version = LATEST_VERSION;
    if (versionText !== undefined) {
      const r = parseVersion(versionText);
      if (r.error !== undefined)
        throw new Error(`invalid ${what} version ${JSON.stringify(versionText)}: ${r.error}`);
      version = r.value;
    }
    return { level, version };
  };
  return {
    enforce: lv(defaults.enforce, defaults.enforceVersion, 'enforce'),
    audit: lv(defaults.audit, defaults.auditVersion, 'audit'),
    warn: lv(defaults.warn, defaults.warnVersion, 'warn'),
  };
}

function sameErrors(a: readonly FieldError[], b: readonly FieldError[]): boolean {
  return a.length === b.length && a.every((e, i) => e.error() === b[i]?.error());
}

function allowed(
  auditAnnotations: Record<string, string> = {},
  warnings: string[] = [],
): PodSecurityResult {
  return { allowed: true, warnings, auditAnnotations };
}

function denied(
  error: StatusError,
  auditAnnotations: Record<string, string> = {},
): PodSecurityResult {
  return { allowed: false, error, warnings: [], auditAnnotations };
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'unknown error';
}

/** errorResponse: a denial whose audit annotation repeats the message and the cause. */
function errorResult(error: StatusError, cause?: unknown): PodSecurityResult {
  const detail = cause === undefined ? error.message : `${error.message}: ${messageOf(cause)}`;
  return denied(error, { [`${AUDIT_ANNOTATION_PREFIX}error`]: detail });
}

function annotate(key: string, value: string): Record<string, string> {
  return { [AUDIT_ANNOTATION_PREFIX + key]: value };
}

/**
 * The PodSecurity admission plugin. Construct once; `validate` is safe to call concurrently.
 * It only reads the request objects.
 */
export class PodSecurityAdmission {
  /** The plugin name in the admission chain. */
  readonly name = 'PodSecurity';
  private readonly evaluator: Evaluator;
  private readonly defaultPolicy: NamespacePolicy;
  private readonly exemptUsers: ReadonlySet<string>;
  private readonly exemptNamespaces: ReadonlySet<string>;
  private readonly exemptRuntimeClasses: ReadonlySet<string>;
  private readonly maxPodsToCheck: number;
  private readonly podCheckTimeoutMs: number;
  private readonly now: () => number;

  /** Throws when the configuration's defaults do not parse. */
  constructor(
    private readonly deps: PodSecurityAdmissionDeps,
    options: PodSecurityAdmissionOptions = {},
  ) {
    const config = options.configuration ?? {};
    this.evaluator = options.evaluator ?? newEvaluator();
    this.defaultPolicy = parseDefaults(config.defaults);
    this.exemptUsers = new Set(config.exemptions?.usernames ?? []);
    this.exemptNamespaces = new Set(config.exemptions?.namespaces ?? []);
    this.exemptRuntimeClasses = new Set(config.exemptions?.runtimeClasses ?? []);
    this.maxPodsToCheck = options.namespaceMaxPodsToCheck ?? 3000;
    this.podCheckTimeoutMs = options.namespacePodCheckTimeoutMs ?? 1000;
    this.now = deps.now ?? Date.now;
  }

  /** The policy of a namespace with these labels (labels over the configured defaults). */
  policyToEvaluate(labels: Readonly<Record<string, string>> | undefined): {
    policy: NamespacePolicy;
    errors: FieldError[];
  } {
    return parseNamespacePolicy(labels, this.defaultPolicy);
  }

  /**
   * Admits one request. Only CREATE and UPDATE of pods, namespaces and the workload resources
   * with pod templates are looked at; everything else is allowed with no side effects.
   * The result is new and owned by the caller.
   */
  async validate(attrs: PodSecurityAttributes): Promise<PodSecurityResult> {
    if (attrs.operation !== 'CREATE' && attrs.operation !== 'UPDATE') return allowed();
    const { group, resource } = attrs.resource;
    if (group === '' && resource === 'namespaces') return this.validateNamespace(attrs);
    if (group === '' && resource === 'pods') return this.validatePod(attrs);
    if (!POD_SPEC_RESOURCES.has(`${group}/${resource}`)) return allowed();
    return this.validatePodController(attrs);
  }

  private nameOf(attrs: PodSecurityAttributes): string {
    if (attrs.name !== '') return attrs.name;
    const n = field(field(attrs.object, 'metadata'), 'name');
    return typeof n === 'string' ? n : '';
  }

  private exemptNamespace(ns: string): boolean {
    return ns !== '' && this.exemptNamespaces.has(ns);
  }

  private exemptUser(attrs: PodSecurityAttributes): boolean {
    const u = attrs.userInfo?.username ?? '';
    return u !== '' && this.exemptUsers.has(u);
  }

  private exemptRuntimeClass(rc: string | undefined | null): boolean {
    return rc != null && rc !== '' && this.exemptRuntimeClasses.has(rc);
  }

  /**
   * Namespaces: labels must parse on create, and on update when their errors changed. When an
   * update tightens the enforce policy, existing pods that would violate it become warnings.
   */
  private async validateNamespace(attrs: PodSecurityAttributes): Promise<PodSecurityResult> {
    if (attrs.subresource !== '') return allowed();
    if (!isObject(attrs.object)) return errorResult(newBadRequest('failed to decode namespace'));
    const name = this.nameOf(attrs);
    const labels = labelsOf(attrs.object);
    const { policy: newPolicy, errors: newErrs } = this.policyToEvaluate(labels);
    const invalidResult = (): PodSecurityResult =>
      denied(newInvalid({ group: '', kind: 'Namespace' }, name, newErrs));

    if (attrs.operation === 'CREATE') {
      if (newErrs.length > 0) return invalidResult();
      if (this.exemptNamespace(attrs.namespace)) {
        const warning = this.exemptNamespaceWarning(name, newPolicy, labels ?? {});
        if (warning !== '') return allowed({}, [warning]);
      }
      return allowed();
    }

    if (!isObject(attrs.oldObject))
      return errorResult(newBadRequest('failed to decode  old namespace'));
    const { policy: oldPolicy, errors: oldErrs } = this.policyToEvaluate(labelsOf(attrs.oldObject));
    if (newErrs.length > 0 && (oldErrs.length === 0 || !sameErrors(newErrs, oldErrs)))
      return invalidResult();

    // No dry run of the pods when enforce is unchanged, now privileged, or relaxed at the same
    // version; nor for exempt namespaces.
    if (levelVersionEquals(newPolicy.enforce, oldPolicy.enforce)) return allowed();
    if (newPolicy.enforce.level === 'privileged') return allowed();
    if (
      versionEquals(newPolicy.enforce.version, oldPolicy.enforce.version) &&
      compareLevels(newPolicy.enforce.level, oldPolicy.enforce.level) < 1
    ) {
      return allowed();
    }
    // Upstream's request info names the namespace for /namespaces/{name}, so an update always
    // carries it; accept callers that pass '' for this cluster-scoped resource.
    if (this.exemptNamespace(attrs.namespace === '' ? name : attrs.namespace)) {
      const warning = this.exemptNamespaceWarning(name, newPolicy, labels ?? {});
      return warning === '' ? allowed() : allowed({}, [warning]);
    }
    return allowed({}, await this.evaluatePodsInNamespace(name, newPolicy.enforce));
  }

  /** Pods: enforce, audit and warn, unless exempt or the update cannot change the verdict. */
  private async validatePod(attrs: PodSecurityAttributes): Promise<PodSecurityResult> {
    if (IGNORED_POD_SUBRESOURCES.has(attrs.subresource)) return allowed();
    if (this.exemptNamespace(attrs.namespace))
      return allowed(annotate(EXEMPTION_REASON_ANNOTATION_KEY, 'namespace'));
    if (this.exemptUser(attrs)) return allowed(annotate(EXEMPTION_REASON_ANNOTATION_KEY, 'user'));

    let labels: Readonly<Record<string, string>> | undefined;
    let lookupError: unknown;
    try {
      labels = await this.deps.getNamespaceLabels(attrs.namespace);
      if (labels === undefined)
        lookupError = new Error(`namespaces ${goQuote(attrs.namespace)} not found`);
    } catch (err) {
      lookupError = err;
    }
    if (lookupError !== undefined || labels === undefined) {
      return errorResult(
        newInternalError(`failed to lookup namespace ${goQuote(attrs.namespace)}`),
        lookupError,
      );
    }
    const { policy, errors } = this.policyToEvaluate(labels);
    if (errors.length === 0 && policyFullyPrivileged(policy)) {
      return allowed(
        annotate(
          ENFORCED_POLICY_ANNOTATION_KEY,
          levelVersionString({ level: 'privileged', version: LATEST_VERSION }),
        ),
      );
    }
    if (!isObject(attrs.object)) return errorResult(newBadRequest('failed to decode pod'));
    if (attrs.operation === 'UPDATE') {
      if (!isObject(attrs.oldObject)) return errorResult(newBadRequest('failed to decode old pod'));
      if (!isSignificantPodUpdate(attrs.object, attrs.oldObject)) return allowed();
    }
    const pod = attrs.object as Pod;
    return this.evaluate(
      policy,
      errors,
      pod.metadata ?? {},
      pod.spec ?? { containers: [] },
      attrs,
      true,
    );
  }

  /** Workloads: audit and warn only (their pods are enforced when created). */
  private async validatePodController(attrs: PodSecurityAttributes): Promise<PodSecurityResult> {
    if (attrs.subresource !== '') return allowed();
    if (this.exemptNamespace(attrs.namespace))
      return allowed(annotate(EXEMPTION_REASON_ANNOTATION_KEY, 'namespace'));
    if (this.exemptUser(attrs)) return allowed(annotate(EXEMPTION_REASON_ANNOTATION_KEY, 'user'));

    let labels: Readonly<Record<string, string>> | undefined;
    try {
      labels = await this.deps.getNamespaceLabels(attrs.namespace);
      if (labels === undefined) throw new Error(`namespaces ${goQuote(attrs.namespace)} not found`);
    } catch (err) {
      const msg = messageOf(err);
      return allowed(
        annotate('error', `failed to lookup namespace ${goQuote(attrs.namespace)}: ${msg}`),
      );
    }
    const { policy, errors } = this.policyToEvaluate(labels);
    if (
      errors.length === 0 &&
      policy.warn.level === 'privileged' &&
      policy.audit.level === 'privileged'
    ) {
      return allowed();
    }
    const extracted = extractPodSpec(attrs.resource, attrs.object);
    if (extracted instanceof Error) {
      return allowed(annotate('error', `failed to extract pod template: ${extracted.message}`));
    }
    if (extracted === null) return allowed();
    return this.evaluate(policy, errors, extracted.meta, extracted.spec, attrs, false);
  }

  /** EvaluatePod: enforce (pods only), then audit, then warn, reusing identical evaluations. */
  private evaluate(
    policy: NamespacePolicy,
    policyErrors: readonly FieldError[],
    meta: ObjectMeta,
    spec: PodSpec,
    attrs: PodSecurityAttributes,
    enforce: boolean,
  ): PodSecurityResult {
    if (this.exemptRuntimeClass(spec.runtimeClassName)) {
      return allowed(annotate(EXEMPTION_REASON_ANNOTATION_KEY, 'runtimeClass'));
    }
    const auditAnnotations: Record<string, string> = {};
    if (policyErrors.length > 0) {
      auditAnnotations[`${AUDIT_ANNOTATION_PREFIX}error`] =
        `Failed to parse policy: ${toAggregateMessage(policyErrors)}`;
    }
    const cache = new Map<string, AggregateCheckResult>();
    const run = (lv: LevelVersion): AggregateCheckResult => {
      const key = levelVersionString(lv);
      let r = cache.get(key);
      if (r === undefined) {
        r = aggregateCheckResults(this.evaluator.evaluatePod(lv, meta, spec));
        cache.set(key, r);
      }
      return r;
    };

    let error: StatusError | undefined;
    if (enforce) {
      auditAnnotations[AUDIT_ANNOTATION_PREFIX + ENFORCED_POLICY_ANNOTATION_KEY] =
        levelVersionString(policy.enforce);
      const r = run(policy.enforce);
      if (!r.allowed) {
        error = newForbidden(
          { group: attrs.resource.group, resource: attrs.resource.resource },
          this.nameOf(attrs),
          `violates PodSecurity ${goQuote(levelVersionString(policy.enforce))}: ${aggregateForbiddenDetail(r)}`,
        );
      }
    }
    const auditResult = run(policy.audit);
    if (!auditResult.allowed) {
      auditAnnotations[AUDIT_ANNOTATION_PREFIX + AUDIT_VIOLATIONS_ANNOTATION_KEY] =
        `would violate PodSecurity ${goQuote(levelVersionString(policy.audit))}: ${aggregateForbiddenDetail(auditResult)}`;
    }
    if (error !== undefined) return denied(error, auditAnnotations);
    const warnings: string[] = [];
    const warnResult = run(policy.warn);
    if (!warnResult.allowed) {
      warnings.push(
        `would violate PodSecurity ${goQuote(levelVersionString(policy.warn))}: ${aggregateForbiddenDetail(warnResult)}`,
      );
    }
    return allowed(auditAnnotations, warnings);
  }

  /**
   * EvaluatePodsInNamespace: warnings for existing pods that the new enforce level would
   * reject, grouped by reason (`pod1 (and 2 other pods): privileged, hostPort`). Pods of an
   * exempt runtime class are skipped; one pod per controller is checked first; at most
   * `namespaceMaxPodsToCheck` pods within the time budget.
   */
  async evaluatePodsInNamespace(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const start = this.now();
    let pods: readonly Pod[];
    try {
      pods = await this.deps.listPods(namespace);
    } catch {
      return ['failed to list pods while checking new PodSecurity enforce level'];
    }
    const deadline = start + this.podCheckTimeoutMs;
    let prioritized = this.prioritizePods(pods);
    const totalPods = prioritized.length;
    if (prioritized.length > this.maxPodsToCheck)
      prioritized = prioritized.slice(0, this.maxPodsToCheck);

    const podWarnings: string[] = [];
    const counts = new Map<string, { podName: string; podCount: number }>();
    let checkedPods = prioritized.length;
    for (let i = 0; i < prioritized.length; i++) {
      const pod = prioritized[i];
      if (pod === undefined) continue;
      const r = aggregateCheckResults(this.evaluator.evaluatePod(enforce, pod.metadata, pod.spec));
      if (!r.allowed) {
        const warning = aggregateForbiddenReason(r);
        const podName = pod.metadata?.name ?? '';
        const c = counts.get(warning);
        if (c === undefined) {
          counts.set(warning, { podName, podCount: 1 });
          podWarnings.push(warning);
        } else {
          if (goCompare(podName, c.podName) < 0) c.podName = podName;
          c.podCount++;
        }
      }
      if (this.now() > deadline) {
        checkedPods = i + 1;
        break;
      }
    }

    const warnings: string[] = [];
    if (checkedPods < totalPods) {
      warnings.push(
        `new PodSecurity enforce level only checked against the first ${String(checkedPods)} of ${String(totalPods)} existing pods`,
      );
    }
    if (podWarnings.length > 0) {
      warnings.push(
        `existing pods in namespace ${goQuote(namespace)} violate the new PodSecurity enforce level ${goQuote(levelVersionString(enforce))}`,
      );
    }
    const decorated = podWarnings.map((w) => {
      const c = counts.get(w);
      if (c === undefined) return w;
      if (c.podCount === 1) return `${c.podName}: ${w}`;
      if (c.podCount === 2) return `${c.podName} (and 1 other pod): ${w}`;
      return `${c.podName} (and ${String(c.podCount - 1)} other pods): ${w}`;
    });
    decorated.sort(goCompare);
    return [...warnings, ...decorated];
  }

  /** Drops exempt-runtime-class pods; puts the first pod of each controller ahead of its siblings. */
  private prioritizePods(pods: readonly Pod[]): Pod[] {
    const first: Pod[] = [];
    const duplicates: Pod[] = [];
    const seenControllers = new Set<string>();
    for (const pod of pods) {
      if (this.exemptRuntimeClass(pod.spec?.runtimeClassName)) continue;
      const ref = pod.metadata?.ownerReferences?.find((r) => r.controller === true);
      if (ref === undefined) {
        first.push(pod);
      } else if (seenControllers.has(ref.uid)) {
        duplicates.push(pod);
      } else {
        seenControllers.add(ref.uid);
        first.push(pod);
      }
    }
    return [...first, ...duplicates];
  }

  /**
   * The warning for an exempt namespace that sets a non-privileged policy differing from the
   * defaults, listing the explicitly labelled non-privileged modes; '' when there is none.
   */
  private exemptNamespaceWarning(
    namespace: string,
    policy: NamespacePolicy,
    labels: Readonly<Record<string, string>>,
  ): string {
    if (policyFullyPrivileged(policy) || policyEquivalent(policy, this.defaultPolicy)) return '';
    const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
    const parts: string[] = [];
    if (
      policy.enforce.level !== 'privileged' &&
      (has(ENFORCE_LEVEL_LABEL) || has(ENFORCE_VERSION_LABEL))
    ) {
      parts.push(`enforce=${levelVersionString(policy.enforce)}`);
    }
    if (
      policy.audit.level !== 'privileged' &&
      (has(AUDIT_LEVEL_LABEL) || has(AUDIT_VERSION_LABEL))
    ) {
      parts.push(`audit=${levelVersionString(policy.audit)}`);
    }
    if (policy.warn.level !== 'privileged' && (has(WARN_LEVEL_LABEL) || has(WARN_VERSION_LABEL))) {
      parts.push(`warn=${levelVersionString(policy.warn)}`);
    }
    return `namespace ${goQuote(namespace)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`;
  }
}
