/**
 * admissionregistration.k8s.io/v1 webhook configurations: validation and defaults, ported from
 * Kubernetes 1.32 pkg/apis/admissionregistration/validation/validation.go,
 * staging/src/k8s.io/apiserver/pkg/util/webhook/validation.go and
 * pkg/apis/admissionregistration/v1/defaults.go.
 *
 * Validators take decoded, defaulted objects and return `FieldError[]` in upstream's order
 * (metadata is checked by the API server's object-meta validation, as for every kind). CEL
 * `matchConditions` expressions are checked for presence only: compiling CEL is left to a
 * CEL module when one exists.
 */
import type {
  MatchCondition,
  MutatingWebhook,
  MutatingWebhookConfiguration,
  RuleWithOperations as RuleWithOperationsBase,
  ValidatingWebhook,
  ValidatingWebhookConfiguration,
  WebhookClientConfig,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import {
  ErrorType,
  duplicate,
  invalid,
  newPath,
  notSupported,
  required,
  tooMany,
} from '../field-errors.ts';
import type { FieldError, FieldPath } from '../field-errors.ts';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName } from '../names.ts';
import { asArr, isSet, isValidPortNum, str, validateLabelSelector } from './util.ts';

/**
 * A webhook rule. kubernetes-types' RuleWithOperations lacks `resources` and `scope`, which
 * the wire format has.
 */
export interface RuleWithOperations extends RuleWithOperationsBase {
  resources?: string[];
  scope?: string;
}

/** AdmissionReview versions this server understands, in upstream's order. */
export const ACCEPTED_ADMISSION_REVIEW_VERSIONS: readonly string[] = ['v1', 'v1beta1'];

// Sorted as Go's sets.String.List() sorts them, because messages list them in that order.
const SUPPORTED_FAILURE_POLICIES = ['Fail', 'Ignore'];
const SUPPORTED_MATCH_POLICIES = ['Equivalent', 'Exact'];
const SUPPORTED_SIDE_EFFECT_CLASSES = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const NO_SIDE_EFFECT_CLASSES = ['None', 'NoneOnDryRun'];
const SUPPORTED_OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SUPPORTED_REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const VALID_SCOPES = ['*', 'Cluster', 'Namespaced'];
const MAX_MATCH_CONDITIONS = 64;

/** Options that upstream relaxes on update when the stored object already broke a rule. */
interface ValidationOptions {
  readonly requireNoSideEffects: boolean;
  readonly requireRecognizedAdmissionReviewVersion: boolean;
  readonly requireUniqueWebhookNames: boolean;
  readonly allowInvalidLabelValueInSelector: boolean;
  readonly ignoreMatchConditions: boolean;
}

const CREATE_OPTIONS: ValidationOptions = {
  requireNoSideEffects: true,
  requireRecognizedAdmissionReviewVersion: true,
  requireUniqueWebhookNames: true,
  allowInvalidLabelValueInSelector: false,
  ignoreMatchConditions: false,
};

type AnyWebhook = MutatingWebhook | ValidatingWebhook;

function hasWildcard(items: readonly unknown[]): boolean {
  return items.includes('*');
}

/** Upstream utilvalidation.IsFullyQualifiedName. */
function isFullyQualifiedName(path: FieldPath, name: string): FieldError[] {
  if (name.length === 0) return [required(path)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) {
    return [
      invalid(path, name, 'should be a domain with at least three segments separated by dots'),
    ];
  }
  return [];
}

/** Upstream validateResources (subresources allowed). */
function validateResources(resources: readonly unknown[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(required(path));
  const resourcesWithWildcardSubresources = new Set<string>();
  const subResourcesWithWildcardResource = new Set<string>();
  let hasDoubleWildcard = false;
  let hasSingleWildcard = false;
  let hasResourceWithoutSubresource = false;
  for (const [i, raw] of resources.entries()) {
    const resSub = str(raw);
    if (resSub === '') {
      errs.push(required(path.index(i)));
      continue;
    }
    if (resSub === '*/*') hasDoubleWildcard = true;
    if (resSub === '*') hasSingleWildcard = true;
    const slash = resSub.indexOf('/');
    if (slash < 0) {
      // Upstream assigns (not ORs) here, so only the last plain resource counts.
      hasResourceWithoutSubresource = resSub !== '*';
      continue;
    }
    const res = resSub.slice(0, slash);
    const sub = resSub.slice(slash + 1);
    if (resourcesWithWildcardSubresources.has(res)) {
      errs.push(
        invalid(path.index(i), resSub, `if '${res}/*' is present, must not specify ${resSub}`),
      );
    }
    if (subResourcesWithWildcardResource.has(sub)) {
      errs.push(
        invalid(path.index(i), resSub, `if '*/${sub}' is present, must not specify ${resSub}`),
      );
    }
    if (sub === '*') resourcesWithWildcardSubresources.add(res);
    if (res === '*') subResourcesWithWildcardResource.add(sub);
  }
  if (resources.length > 1 && hasDoubleWildcard) {
    errs.push(invalid(path, resources, "if '*/*' is present, must not specify other resources"));
  }
  if (hasSingleWildcard && hasResourceWithoutSubresource) {
    errs.push(
      invalid(
        path,
        resources,
        "if '*' is present, must not specify other resources without subresources",
      ),
    );
  }
  return errs;
}

/** Upstream validateRuleWithOperations (which includes validateRule with subresources). */
export function validateRuleWithOperations(
  rule: RuleWithOperations,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const ops = asArr(rule.operations);
  if (ops.length === 0) errs.push(required(path.child('operations')));
  if (ops.length > 1 && hasWildcard(ops)) {
    errs.push(
      invalid(
        path.child('operations'),
        ops,
        "if '*' is present, must not specify other operations",
      ),
    );
  }
  ops.forEach((op, i) => {
    if (!SUPPORTED_OPERATIONS.includes(str(op))) {
      errs.push(notSupported(path.child('operations').index(i), op, SUPPORTED_OPERATIONS));
    }
  });
  const groups = asArr(rule.apiGroups);
  if (groups.length === 0) errs.push(required(path.child('apiGroups')));
  if (groups.length > 1 && hasWildcard(groups)) {
    errs.push(
      invalid(
        path.child('apiGroups'),
        groups,
        "if '*' is present, must not specify other API groups",
      ),
    );
  }
  const versions = asArr(rule.apiVersions);
  if (versions.length === 0) errs.push(required(path.child('apiVersions')));
  if (versions.length > 1 && hasWildcard(versions)) {
    errs.push(
      invalid(
        path.child('apiVersions'),
        versions,
        "if '*' is present, must not specify other API versions",
      ),
    );
  }
  versions.forEach((v, i) => {
    if (str(v) === '') errs.push(required(path.child('apiVersions').index(i)));
  });
  errs.push(...validateResources(asArr(rule.resources), path.child('resources')));
  if (isSet(rule.scope) && !VALID_SCOPES.includes(str(rule.scope))) {
    errs.push(notSupported(path.child('scope'), rule.scope, VALID_SCOPES));
  }
  return errs;
}

function validateAdmissionReviewVersions(
  versions: readonly unknown[],
  requireRecognized: boolean,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (versions.length < 1) {
    errs.push(
      required(path, `must specify one of ${ACCEPTED_ADMISSION_REVIEW_VERSIONS.join(', ')}`),
    );
    return errs;
  }
  const seen = new Set<string>();
  let hasAccepted = false;
  for (const [i, raw] of versions.entries()) {
    const v = str(raw);
    if (seen.has(v)) {
      errs.push(invalid(path.index(i), v, 'duplicate version'));
      continue;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(invalid(path.index(i), v, m));
    if (ACCEPTED_ADMISSION_REVIEW_VERSIONS.includes(v)) hasAccepted = true;
  }
  if (requireRecognized && !hasAccepted) {
    errs.push(
      invalid(
        path,
        versions,
        `must include at least one of ${ACCEPTED_ADMISSION_REVIEW_VERSIONS.join(', ')}`,
      ),
    );
  }
  return errs;
}

/** A URL split as Go's url.Parse splits it (only the parts the validation looks at). */
interface GoUrl {
  readonly scheme: string;
  readonly user: string | undefined;
  readonly host: string;
  readonly rawQuery: string;
  readonly fragment: string;
}

/** Go's url.Parse, reduced to its error cases and the components validation reads. */
export function parseGoUrl(raw: string): GoUrl | { error: string } {
  const quoted = JSON.stringify(raw);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) {
    return { error: `parse ${quoted}: net/url: invalid control character in URL` };
  }
  let rest = raw;
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let scheme = '';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  if (m?.[1] !== undefined) {
    scheme = m[1].toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) {
    return { error: `parse ${quoted}: missing protocol scheme` };
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    rawQuery = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  let user: string | undefined;
  let host = '';
  if (rest.startsWith('//')) {
    const authEnd = rest.indexOf('/', 2);
    let authority = authEnd < 0 ? rest.slice(2) : rest.slice(2, authEnd);
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      user = authority.slice(0, at);
      authority = authority.slice(at + 1);
    }
    host = authority;
  }
  return { scheme, user, host, rawQuery, fragment };
}

/** Upstream webhook.ValidateWebhookURL. */
export function validateWebhookURL(
  path: FieldPath,
  url: string,
  forceHttps: boolean,
): FieldError[] {
  const errs: FieldError[] = [];
  const form = '; desired format: https://host[/path]';
  const u = parseGoUrl(url);
  if ('error' in u) {
    errs.push(required(path, `url must be a valid URL: ${u.error}${form}`));
    return errs;
  }
  if (forceHttps && u.scheme !== 'https') {
    errs.push(invalid(path, u.scheme, `'https' is the only allowed URL scheme${form}`));
  }
  if (u.host.length === 0) errs.push(invalid(path, u.host, `host must be specified${form}`));
  if (u.user !== undefined) {
    errs.push(invalid(path, u.user, 'user information is not permitted in the URL'));
  }
  if (u.fragment.length !== 0) {
    errs.push(invalid(path, u.fragment, 'fragments are not permitted in the URL'));
  }
  if (u.rawQuery.length !== 0) {
    errs.push(invalid(path, u.rawQuery, 'query parameters are not permitted in the URL'));
  }
  return errs;
}

/** Upstream webhook.ValidateWebhookService. */
export function validateWebhookService(
  path: FieldPath,
  namespace: string,
  name: string,
  urlPath: string | undefined,
  port: number,
): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(required(path.child('name')));
  if (namespace.length === 0) {
    errs.push(required(path.child('namespace')));
  }
  const portErrs = isValidPortNum(port);
  if (portErrs.length > 0) {
    errs.push(invalid(path.child('port'), port, `port is not valid: ${portErrs.join(', ')}`));
  }
  if (urlPath === undefined || urlPath === '/' || urlPath.length === 0) return errs;
  const p = path.child('path');
  if (urlPath === '//') {
    errs.push(invalid(p, urlPath, 'segment[0] may not be empty'));
    return errs;
  }
  if (!urlPath.startsWith('/')) errs.push(invalid(p, urlPath, "must start with a '/'"));
  let toCheck = urlPath.slice(1);
  if (toCheck.endsWith('/')) toCheck = toCheck.slice(0, -1);
  toCheck.split('/').forEach((step, i) => {
    if (step.length === 0) {
      errs.push(invalid(p, urlPath, `segment[${String(i)}] may not be empty`));
      return;
    }
    for (const failure of isDNS1123Subdomain(step)) {
      errs.push(invalid(p, urlPath, `segment[${String(i)}]: ${failure}`));
    }
  });
  return errs;
}

function validateClientConfig(cc: WebhookClientConfig | undefined, path: FieldPath): FieldError[] {
  const url = cc?.url;
  const service = cc?.service;
  if (isSet(url) === isSet(service)) {
    return [required(path, 'exactly one of url or service is required')];
  }
  if (typeof url === 'string') {
    return validateWebhookURL(path.child('url'), url, true);
  }
  return validateWebhookService(
    path.child('service'),
    str(service?.namespace),
    str(service?.name),
    typeof service?.path === 'string' ? service.path : undefined,
    typeof service?.port === 'number' ? service.port : 0,
  );
}

function validateMatchConditions(
  conditions: readonly MatchCondition[],
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  if (conditions.length > MAX_MATCH_CONDITIONS) {
    errs.push(tooMany(path, conditions.length, MAX_MATCH_CONDITIONS));
  }
  const names = new Set<string>();
  conditions.forEach((c, i) => {
    const p = path.index(i);
    if (str(c.expression).trim().length === 0) errs.push(required(p.child('expression')));
    const name = str(c.name);
    if (name.length === 0) {
      errs.push(required(p.child('name')));
    } else {
      // Upstream reports these on the condition's path, not on `.name`.
      for (const m of isQualifiedName(name)) errs.push(invalid(p, name, m));
    }
    if (name.length > 0) {
      if (names.has(name)) errs.push(duplicate(p.child('name'), name));
      else names.add(name);
    }
  });
  return errs;
}

function validateSelector(
  selector: LabelSelector | undefined,
  allowInvalidLabelValue: boolean,
  path: FieldPath,
): FieldError[] {
  if (!isSet(selector)) return [];
  const errs = validateLabelSelector(selector, path);
  if (!allowInvalidLabelValue) return errs;
  // AllowInvalidLabelValueInSelector skips only the value checks of matchExpressions.
  return errs.filter((e) => !(e.type === ErrorType.Invalid && /\.values\[\d+\]$/.test(e.field)));
}

function validateWebhook(
  hook: AnyWebhook,
  mutating: boolean,
  opts: ValidationOptions,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...isFullyQualifiedName(path.child('name'), str(hook.name)));
  asArr(hook.rules).forEach((rule, i) => {
    errs.push(
      ...validateRuleWithOperations(rule as RuleWithOperations, path.child('rules').index(i)),
    );
  });
  if (isSet(hook.failurePolicy) && !SUPPORTED_FAILURE_POLICIES.includes(str(hook.failurePolicy))) {
    errs.push(
      notSupported(path.child('failurePolicy'), hook.failurePolicy, SUPPORTED_FAILURE_POLICIES),
    );
  }
  if (isSet(hook.matchPolicy) && !SUPPORTED_MATCH_POLICIES.includes(str(hook.matchPolicy))) {
    errs.push(notSupported(path.child('matchPolicy'), hook.matchPolicy, SUPPORTED_MATCH_POLICIES));
  }
  const allowedSideEffects = opts.requireNoSideEffects
    ? NO_SIDE_EFFECT_CLASSES
    : SUPPORTED_SIDE_EFFECT_CLASSES;
  if (!isSet(hook.sideEffects)) {
    errs.push(
      required(path.child('sideEffects'), `must specify one of ${allowedSideEffects.join(', ')}`),
    );
  } else if (!allowedSideEffects.includes(str(hook.sideEffects))) {
    errs.push(notSupported(path.child('sideEffects'), hook.sideEffects, allowedSideEffects));
  }
  if (
    typeof hook.timeoutSeconds === 'number' &&
    (hook.timeoutSeconds > 30 || hook.timeoutSeconds < 1)
  ) {
    errs.push(
      invalid(
        path.child('timeoutSeconds'),
        hook.timeoutSeconds,
        'the timeout value must be between 1 and 30 seconds',
      ),
    );
  }
  errs.push(
    ...validateSelector(
      hook.namespaceSelector,
      opts.allowInvalidLabelValueInSelector,
      path.child('namespaceSelector'),
    ),
  );
  errs.push(
    ...validateSelector(
      hook.objectSelector,
      opts.allowInvalidLabelValueInSelector,
      path.child('objectSelector'),
    ),
  );
  if (mutating) {
    const policy = (hook as MutatingWebhook).reinvocationPolicy;
    if (isSet(policy) && !SUPPORTED_REINVOCATION_POLICIES.includes(str(policy))) {
      errs.push(
        notSupported(path.child('reinvocationPolicy'), policy, SUPPORTED_REINVOCATION_POLICIES),
      );
    }
  }
  errs.push(...validateClientConfig(hook.clientConfig, path.child('clientConfig')));
  if (!opts.ignoreMatchConditions) {
    errs.push(
      ...validateMatchConditions(
        asArr(hook.matchConditions) as MatchCondition[],
        path.child('matchConditions'),
      ),
    );
  }
  return errs;
}

function validateConfiguration(
  webhooks: readonly AnyWebhook[],
  mutating: boolean,
  opts: ValidationOptions,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  webhooks.forEach((hook, i) => {
    const p = newPath('webhooks').index(i);
    errs.push(...validateWebhook(hook, mutating, opts, p));
    errs.push(
      ...validateAdmissionReviewVersions(
        asArr(hook.admissionReviewVersions),
        opts.requireRecognizedAdmissionReviewVersion,
        p.child('admissionReviewVersions'),
      ),
    );
    const name = str(hook.name);
    if (opts.requireUniqueWebhookNames && name.length > 0) {
      if (names.has(name)) errs.push(duplicate(p.child('name'), name));
      else names.add(name);
    }
  });
  return errs;
}

function webhooksOf(obj: { webhooks?: readonly AnyWebhook[] }): AnyWebhook[] {
  return asArr(obj.webhooks) as AnyWebhook[];
}

/** The update options upstream derives from the stored object (ratcheting). */
function updateOptions(
  newHooks: readonly AnyWebhook[],
  oldHooks: readonly AnyWebhook[],
): ValidationOptions {
  const hasNoSideEffects = oldHooks.every(
    (h) => isSet(h.sideEffects) && NO_SIDE_EFFECT_CLASSES.includes(str(h.sideEffects)),
  );
  const hasAcceptedVersions = oldHooks.every((h) => {
    const versions = asArr(h.admissionReviewVersions).map(str);
    return (
      versions.length === 0 || versions.some((v) => ACCEPTED_ADMISSION_REVIEW_VERSIONS.includes(v))
    );
  });
  const names = new Set<string>();
  let unique = true;
  for (const h of oldHooks) {
    const n = str(h.name);
    if (names.has(n)) unique = false;
    names.add(n);
  }
  const hasInvalidLabelValue = oldHooks.some(
    (h) =>
      validateLabelSelector(h.namespaceSelector, newPath('namespaceSelector')).length > 0 ||
      validateLabelSelector(h.objectSelector, newPath('objectSelector')).length > 0,
  );
  const sameConditions =
    newHooks.length === oldHooks.length &&
    oldHooks.every(
      (h, i) =>
        JSON.stringify(h.matchConditions ?? null) ===
        JSON.stringify(newHooks[i]?.matchConditions ?? null),
    );
  return {
    requireNoSideEffects: hasNoSideEffects,
    requireRecognizedAdmissionReviewVersion: hasAcceptedVersions,
    requireUniqueWebhookNames: unique,
    allowInvalidLabelValueInSelector: hasInvalidLabelValue,
    ignoreMatchConditions: sameConditions,
  };
}

/** Upstream ValidateMutatingWebhookConfiguration (create), without metadata. */
export function validateMutatingWebhookConfiguration(
  obj: MutatingWebhookConfiguration,
): FieldError[] {
  return validateConfiguration(webhooksOf(obj), true, CREATE_OPTIONS);
}

/**
 * Upstream ValidateMutatingWebhookConfigurationUpdate: like create, but rules the stored object
 * already broke (side effects, unknown review versions, duplicate names, invalid selector
 * values, unchanged match conditions) are not enforced again.
 */
export function validateMutatingWebhookConfigurationUpdate(
  obj: MutatingWebhookConfiguration,
  old: MutatingWebhookConfiguration,
): FieldError[] {
  const hooks = webhooksOf(obj);
  return validateConfiguration(hooks, true, updateOptions(hooks, webhooksOf(old)));
}

/** Upstream ValidateValidatingWebhookConfiguration (create), without metadata. */
export function validateValidatingWebhookConfiguration(
  obj: ValidatingWebhookConfiguration,
): FieldError[] {
  return validateConfiguration(webhooksOf(obj), false, CREATE_OPTIONS);
}

/** Upstream ValidateValidatingWebhookConfigurationUpdate (see the mutating variant). */
export function validateValidatingWebhookConfigurationUpdate(
  obj: ValidatingWebhookConfiguration,
  old: ValidatingWebhookConfiguration,
): FieldError[] {
  const hooks = webhooksOf(obj);
  return validateConfiguration(hooks, false, updateOptions(hooks, webhooksOf(old)));
}

function defaultWebhook(
  hook: AnyWebhook & { reinvocationPolicy?: string },
  mutating: boolean,
): void {
  hook.failurePolicy ??= 'Fail';
  hook.matchPolicy ??= 'Equivalent';
  hook.namespaceSelector ??= {};
  hook.objectSelector ??= {};
  hook.timeoutSeconds ??= 10;
  if (mutating) hook.reinvocationPolicy ??= 'Never';
  for (const rule of asArr(hook.rules) as RuleWithOperations[]) rule.scope ??= '*';
  const service = (hook.clientConfig as WebhookClientConfig | undefined)?.service;
  if (service !== undefined) service.port ??= 443;
}

/**
 * Upstream v1 defaulters for MutatingWebhookConfiguration, in place: failurePolicy Fail,
 * matchPolicy Equivalent, empty namespace/object selectors, timeoutSeconds 10,
 * reinvocationPolicy Never, rule scope "*", service port 443. Idempotent.
 */
export function setMutatingWebhookConfigurationDefaults(obj: MutatingWebhookConfiguration): void {
  for (const hook of webhooksOf(obj)) defaultWebhook(hook, true);
}

/** Upstream v1 defaulters for ValidatingWebhookConfiguration, in place (as the mutating one, without reinvocationPolicy). */
export function setValidatingWebhookConfigurationDefaults(
  obj: ValidatingWebhookConfiguration,
): void {
  for (const hook of webhooksOf(obj)) defaultWebhook(hook, false);
}
