/**
 * Matching one PolicyRule against request attributes (upstream rbac.RuleAllows and the
 * evaluation helpers of pkg/apis/rbac/v1). Pure, allocation-free on the hot path.
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { AuthorizationAttributes } from './types.ts';

/** True when the rule lists `*` or the verb. */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  for (const v of rule.verbs) if (v === '*' || v === verb) return true;
  return false;
}

/** True when the rule lists `*` or the API group ('' is the core group). */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  const groups = rule.apiGroups;
  if (groups === undefined) return false;
  for (const g of groups) if (g === '*' || g === group) return true;
  return false;
}

/**
 * True when the rule lists `*`, the combined `resource/subresource`, or `*\/subresource` for a
 * subresource request. A bare `pods` does not cover `pods/status`.
 */
export function resourceMatches(
  rule: PolicyRule,
  combinedResource: string,
  subresource: string,
): boolean {
  const resources = rule.resources;
  if (resources === undefined) return false;
  for (const r of resources) {
    if (r === '*' || r === combinedResource) return true;
    if (subresource === '') continue;
    if (r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) {
      return true;
    }
  }
  return false;
}

/** True when the rule has no resourceNames or lists `name`. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames;
  if (names === undefined || names.length === 0) return true;
  for (const n of names) if (n === name) return true;
  return false;
}

/** True when the rule lists `*`, the exact path, or a `prefix*` the path starts with. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  const urls = rule.nonResourceURLs;
  if (urls === undefined) return false;
  for (const u of urls) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(trimRightStars(u))) return true;
  }
  return false;
}

/** strings.TrimRight(s, "*"). */
export function trimRightStars(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 42) end--;
  return s.slice(0, end);
}

/** True when the rule allows the request (upstream RuleAllows). */
export function ruleAllows(attrs: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (attrs.resourceRequest) {
    const resource = attrs.resource ?? '';
    const subresource = attrs.subresource ?? '';
    const combined = subresource === '' ? resource : `${resource}/${subresource}`;
    return (
      verbMatches(rule, attrs.verb) &&
      apiGroupMatches(rule, attrs.apiGroup ?? '') &&
      resourceMatches(rule, combined, subresource) &&
      resourceNameMatches(rule, attrs.name ?? '')
    );
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path ?? '');
}

/** True when any of the rules allows the request (upstream RulesAllow). */
export function rulesAllow(
  attrs: AuthorizationAttributes,
  rules: readonly PolicyRule[] | undefined,
): boolean {
  if (rules === undefined) return false;
  for (const r of rules) if (ruleAllows(attrs, r)) return true;
  return false;
}
