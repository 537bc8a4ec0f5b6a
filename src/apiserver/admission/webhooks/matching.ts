/**
 * Which webhooks a request reaches, ported from Kubernetes 1.32
 * k8s.io/apiserver/pkg/admission/plugin/webhook/{predicates/rules,predicates/namespace,
 * predicates/object,generic/webhook.go (ShouldCallHook)}. Pure: the namespace lookup and the
 * equivalent-resource mapping are passed in.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { Selector } from '../../../api/index.ts';
import {
  StatusError,
  labelSelectorAsSelector,
  newInternalError,
  newNotFound,
} from '../../../api/index.ts';
import type {
  AdmissionAttributes,
  EquivalentResource,
  GroupVersionKind,
  GroupVersionResource,
  JsonObject,
} from './types.ts';

/** A webhook rule on the wire (kubernetes-types' RuleWithOperations lacks resources/scope). */
export interface WebhookRule {
  readonly operations?: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly apiVersions?: readonly string[];
  readonly resources?: readonly string[];
  readonly scope?: string;
}

/** The parts of a webhook the matcher reads (shared by mutating and validating webhooks). */
export interface MatchableWebhook {
  readonly name: string;
  readonly rules?: readonly WebhookRule[];
  readonly matchPolicy?: string;
  readonly namespaceSelector?: LabelSelector;
  readonly objectSelector?: LabelSelector;
}

/** The request facts a rule looks at; `resource` may be an equivalent of the request's. */
export interface RuleAttributes {
  readonly operation: string;
  readonly resource: GroupVersionResource;
  readonly subresource: string;
  readonly namespace: string;
}

function exactOrWildcard(items: readonly string[] | undefined, requested: string): boolean {
  if (items === undefined) return false;
  for (const item of items) if (item === '*' || item === requested) return true;
  return false;
}

function isNamespaceResource(r: GroupVersionResource): boolean {
  return r.group === '' && r.version === 'v1' && r.resource === 'namespaces';
}

/**
 * Upstream rules.Matcher.Matches: scope, operation, group, version and resource (with the
 * `res/sub`, `res/*`, `* /sub` and `*` forms). A namespace object counts as cluster-scoped.
 */
export function ruleMatches(rule: WebhookRule, attr: RuleAttributes): boolean {
  return (
    scopeMatches(rule.scope, attr) &&
    (rule.operations ?? []).some((op) => op === '*' || op === attr.operation) &&
    exactOrWildcard(rule.apiGroups, attr.resource.group) &&
    exactOrWildcard(rule.apiVersions, attr.resource.version) &&
    resourceMatches(rule.resources, attr.resource.resource, attr.subresource)
  );
}

function scopeMatches(scope: string | undefined, attr: RuleAttributes): boolean {
  switch (scope) {
    case undefined:
    case '*':
      return true;
    case 'Namespaced':
      return !isNamespaceResource(attr.resource) && attr.namespace !== '';
    case 'Cluster':
      return isNamespaceResource(attr.resource) || attr.namespace === '';
    default:
      return false;
  }
}

function resourceMatches(
  resources: readonly string[] | undefined,
  opRes: string,
  opSub: string,
): boolean {
  for (const entry of resources ?? []) {
    const slash = entry.indexOf('/');
    const res = slash < 0 ? entry : entry.slice(0, slash);
    const sub = slash < 0 ? '' : entry.slice(slash + 1);
    if ((res === '*' || res === opRes) && (sub === '*' || sub === opSub)) return true;
  }
  return false;
}

/**
 * Upstream IsExemptAdmissionConfigurationResource: requests on the admission configuration
 * kinds never go to webhooks, so a broken webhook cannot lock its own configuration.
 */
export function isExemptAdmissionConfigurationResource(kind: GroupVersionKind): boolean {
  return (
    kind.group === 'admissionregistration.k8s.io' &&
    [
      'ValidatingWebhookConfiguration',
      'MutatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'MutatingAdmissionPolicy',
      'MutatingAdmissionPolicyBinding',
    ].includes(kind.kind)
  );
}

// Parsed selectors per selector object: configurations come from a watch cache and are
// replaced (not mutated) on change, so identity is a sound cache key and entries die with them.
const parsedSelectors = new WeakMap<LabelSelector, Selector | StatusError>();

/**
 * The parsed selector, or a StatusError (InternalError) when it does not parse. An unset
 * selector matches everything: v1 defaulting makes it `{}`, and an undefaulted object should
 * not silently disable its webhook.
 */
export function parseSelector(ls: LabelSelector | undefined): Selector | StatusError {
  if (ls === undefined) return labelSelectorAsSelector({});
  let parsed = parsedSelectors.get(ls);
  if (parsed === undefined) {
    try {
      parsed = labelSelectorAsSelector(ls);
    } catch (e) {
      parsed = newInternalError(e instanceof Error ? e : String(e));
    }
    parsedSelectors.set(ls, parsed);
  }
  return parsed;
}

function labelsOf(obj: JsonObject | undefined): Record<string, string> | undefined {
  const meta = obj?.metadata;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  const labels = (meta as JsonObject).labels;
  if (typeof labels !== 'object' || labels === null) return {};
  return labels as Record<string, string>;
}

/**
 * Upstream namespace.Matcher.MatchNamespaceSelector. Cluster-scoped requests other than
 * namespaces always match; a namespace being created or updated is matched on its new
 * labels; a missing namespace is a 404 as upstream. Returns true/false or the StatusError.
 */
export function matchNamespaceSelector(
  hook: MatchableWebhook,
  attr: AdmissionAttributes,
  getNamespace: (name: string) => Namespace | undefined,
): boolean | StatusError {
  if (attr.namespace === '' && attr.resource.resource !== 'namespaces') return true;
  const selector = parseSelector(hook.namespaceSelector);
  if (selector instanceof StatusError) return selector;
  if (selector.empty()) return true;
  let labels: Record<string, string> | undefined;
  if (
    attr.resource.resource === 'namespaces' &&
    attr.subresource === '' &&
    (attr.operation === 'CREATE' || attr.operation === 'UPDATE')
  ) {
    labels = labelsOf(attr.object) ?? {};
  } else {
    const ns = getNamespace(attr.namespace);
    if (ns === undefined) return newNotFound({ group: '', resource: 'namespaces' }, attr.namespace);
    labels = ns.metadata?.labels ?? {};
  }
  return selector.matches(labels);
}

/** Upstream object.Matcher.MatchObjectSelector: the new or the old object's labels match. */
export function matchObjectSelector(
  hook: MatchableWebhook,
  attr: AdmissionAttributes,
): boolean | StatusError {
  const selector = parseSelector(hook.objectSelector);
  if (selector instanceof StatusError) return selector;
  if (selector.empty()) return true;
  const matchObject = (obj: JsonObject | undefined): boolean => {
    const labels = labelsOf(obj);
    return labels !== undefined && selector.matches(labels);
  };
  return matchObject(attr.object) || matchObject(attr.oldObject);
}

/** How a matched webhook is called: the resource and kind it sees (its own version). */
export interface WebhookInvocation {
  readonly resource: GroupVersionResource;
  readonly subresource: string;
  readonly kind: GroupVersionKind;
}

function sameResource(a: GroupVersionResource, b: GroupVersionResource): boolean {
  return a.group === b.group && a.version === b.version && a.resource === b.resource;
}

/**
 * Upstream Webhook.ShouldCallHook: undefined when the webhook does not apply, the invocation
 * when it does, or the StatusError a selector produced (reported only when a rule matched, as
 * upstream). With matchPolicy Equivalent, a rule matching an equivalent resource calls the
 * webhook under that resource and kind.
 */
export function shouldCallHook(
  hook: MatchableWebhook,
  attr: AdmissionAttributes,
  getNamespace: (name: string) => Namespace | undefined,
  equivalents: (() => readonly EquivalentResource[]) | undefined,
): WebhookInvocation | StatusError | undefined {
  const nsMatch = matchNamespaceSelector(hook, attr, getNamespace);
  if (nsMatch === false) return undefined;
  const objMatch = matchObjectSelector(hook, attr);
  if (objMatch === false) return undefined;

  let invocation: WebhookInvocation | undefined;
  const rules = hook.rules ?? [];
  if (rules.some((r) => ruleMatches(r, attr))) {
    invocation = { resource: attr.resource, subresource: attr.subresource, kind: attr.kind };
  } else if (hook.matchPolicy === 'Equivalent' && equivalents !== undefined) {
    const list = equivalents();
    outer: for (const r of rules) {
      for (const eq of list) {
        if (sameResource(eq.resource, attr.resource)) continue;
        if (ruleMatches(r, { ...attr, resource: eq.resource })) {
          invocation = { resource: eq.resource, subresource: attr.subresource, kind: eq.kind };
          break outer;
        }
      }
    }
  }
  if (invocation === undefined) return undefined;
  if (nsMatch instanceof StatusError) return nsMatch;
  if (objMatch instanceof StatusError) return objMatch;
  return invocation;
}
