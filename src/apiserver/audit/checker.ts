/**
 * Audit policy evaluation: k8s.io/apiserver/pkg/audit/policy/checker.go. The first rule that
 * matches a request decides its level and omitted stages; no match means level None.
 */
import type { UserInfo } from '../user.ts';
import type { Level, Policy, PolicyRule, Stage } from './types.ts';

/**
 * What the policy matches on (the subset of authorizer.Attributes audit reads). For
 * non-resource requests only `user`, `verb` and `path` matter.
 */
export interface AuditAttributes {
  /** The authenticated user (before impersonation, as upstream). Undefined: unauthenticated. */
  user?: UserInfo;
  /** Kubernetes verb for resource requests, the lower-case HTTP method otherwise. */
  verb: string;
  isResourceRequest: boolean;
  /** The request path without the query. */
  path: string;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/**
 * The request info shape of `src/apiserver/request-info.ts` (structurally), so this module does
 * not depend on the HTTP layer.
 */
export type RequestInfoLike =
  | {
      isResourceRequest: true;
      group: string;
      version: string;
      namespace: string;
      resource: string;
      subresource: string;
      name: string;
      verb: string;
    }
  | { isResourceRequest: false; path: string; verb: string };

/** Builds the audit attributes of a request from its parsed RequestInfo and path. */
export function auditAttributes(
  info: RequestInfoLike,
  path: string,
  user: UserInfo | undefined,
): AuditAttributes {
  if (!info.isResourceRequest) {
    return {
      ...(user === undefined ? {} : { user }),
      verb: info.verb,
      isResourceRequest: false,
      path,
    };
  }
  return {
    ...(user === undefined ? {} : { user }),
    verb: info.verb,
    isResourceRequest: true,
    path,
    namespace: info.namespace,
    apiGroup: info.group,
    apiVersion: info.version,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
  };
}

/** The outcome of evaluating a policy for one request (upstream RequestAuditConfig). */
export interface RequestAuditConfig {
  level: Level;
  /** The stages not to record: the rule's stages united with the policy's. Shared; read-only. */
  omitStages: readonly Stage[];
  omitManagedFields: boolean;
}

/** One rule with its lists as Sets, and its result precomputed. */
interface CompiledRule {
  users: ReadonlySet<string> | undefined;
  userGroups: ReadonlySet<string> | undefined;
  verbs: ReadonlySet<string> | undefined;
  namespaces: ReadonlySet<string> | undefined;
  resources: PolicyRule['resources'];
  nonResourceURLs: readonly string[] | undefined;
  result: RequestAuditConfig;
}

function setOf(list: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return list === undefined || list.length === 0 ? undefined : new Set(list);
}

/** Upstream unionStages: each stage once, in first-seen order. */
export function unionStages(...lists: (readonly Stage[] | undefined)[]): Stage[] {
  const seen = new Set<Stage>();
  for (const list of lists) for (const s of list ?? []) seen.add(s);
  return [...seen];
}

/**
 * Evaluates an audit policy (upstream NewPolicyRuleEvaluator / EvaluatePolicyRule). Built once
 * per policy; `evaluate` is cheap (a few Set lookups per rule) and allocation-free. The policy
 * is copied, so later changes to it have no effect.
 */
export class PolicyRuleEvaluator {
  private readonly rules: CompiledRule[];
  private readonly defaultConfig: RequestAuditConfig;

  constructor(policy: Policy) {
    const policyOmitManaged = policy.omitManagedFields === true;
    this.rules = policy.rules.map((r) => ({
      users: setOf(r.users),
      userGroups: setOf(r.userGroups),
      verbs: setOf(r.verbs),
      namespaces: setOf(r.namespaces),
      resources: r.resources?.length === 0 ? undefined : r.resources,
      nonResourceURLs: r.nonResourceURLs?.length === 0 ? undefined : r.nonResourceURLs,
      result: Object.freeze({
        level: r.level,
        omitStages: Object.freeze(unionStages(policy.omitStages, r.omitStages)),
        omitManagedFields: r.omitManagedFields ?? policyOmitManaged,
      }),
    }));
    this.defaultConfig = Object.freeze({
      level: 'None',
      omitStages: Object.freeze(unionStages(policy.omitStages)),
      omitManagedFields: policyOmitManaged,
    });
  }

  /** The audit configuration for a request: the first matching rule's, else level None. */
  evaluate(attrs: AuditAttributes): RequestAuditConfig {
    for (const rule of this.rules) {
      if (ruleMatches(rule, attrs)) return rule.result;
    }
    return this.defaultConfig;
  }
}

function ruleMatches(r: CompiledRule, attrs: AuditAttributes): boolean {
  const user = attrs.user;
  if (r.users !== undefined && (user === undefined || !r.users.has(user.username))) return false;
  if (r.userGroups !== undefined) {
    if (user === undefined) return false;
    const groups = r.userGroups;
    if (!user.groups.some((g) => groups.has(g))) return false;
  }
  if (r.verbs !== undefined && !r.verbs.has(attrs.verb)) return false;
  if (r.namespaces !== undefined || r.resources !== undefined) return ruleMatchesResource(r, attrs);
  if (r.nonResourceURLs !== undefined) return ruleMatchesNonResource(r.nonResourceURLs, attrs);
  return true;
}

function ruleMatchesNonResource(urls: readonly string[], attrs: AuditAttributes): boolean {
  if (attrs.isResourceRequest) return false;
  return urls.some((spec) => pathMatches(attrs.path, spec));
}

/** `*` matches everything, a trailing `*` matches by prefix, anything else exactly. */
function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  // Upstream trims every trailing '*' (strings.TrimRight).
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function ruleMatchesResource(r: CompiledRule, attrs: AuditAttributes): boolean {
  if (!attrs.isResourceRequest) return false;
  // Cluster-scoped resources have the empty namespace.
  if (r.namespaces !== undefined && !r.namespaces.has(attrs.namespace ?? '')) return false;
  if (r.resources === undefined) return true;

  const apiGroup = attrs.apiGroup ?? '';
  const resource = attrs.resource ?? '';
  const subresource = attrs.subresource ?? '';
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  const name = attrs.name ?? '';
  for (const gr of r.resources) {
    if ((gr.group ?? '') !== apiGroup) continue;
    const resources = gr.resources ?? [];
    if (resources.length === 0) return true;
    const names = gr.resourceNames ?? [];
    if (names.length > 0 && !names.includes(name)) continue;
    for (const res of resources) {
      if (res === combined || res === '*') return true;
      if (subresource !== '' && res.startsWith('*/') && res.slice(2) === subresource) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
    }
  }
  return false;
}
