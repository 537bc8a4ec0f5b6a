/**
 * Escalation comparison of rule sets (upstream component-helpers policy_comparator.go Covers /
 * BreakdownRule, pkg/registry/rbac/validation CompactRules, and rbacv1helpers.CompactString).
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { trimRightStars } from './rule-match.ts';
import { quote } from './quote.ts';

/** Result of {@link covers}. */
export interface CoversResult {
  covered: boolean;
  /** The atomic (one group/resource/verb/name, or one URL/verb) rules no owner rule covers. */
  uncoveredRules: PolicyRule[];
}

/**
 * Whether `ownerRules` allow everything `requestedRules` allow. Each requested rule is broken
 * into atomic rules (see {@link breakdownRule}) and each must be covered by a single owner rule;
 * wildcards in the request are only covered by the same wildcard in an owner rule.
 */
export function covers(
  ownerRules: readonly PolicyRule[],
  requestedRules: readonly PolicyRule[],
): CoversResult {
  const uncoveredRules: PolicyRule[] = [];
  for (const requested of requestedRules) {
    // A rule covers itself: the API server reconciles ~130 bootstrap roles at every start, and
    // their stored rules are almost always the expected ones, so skip the breakdown then.
    if (ownerRules.some((owner) => sameRule(owner, requested))) continue;
    for (const sub of breakdownRule(requested)) {
      let ok = false;
      for (const owner of ownerRules) {
        if (ruleCovers(owner, sub)) {
          ok = true;
          break;
        }
      }
      if (!ok) uncoveredRules.push(sub);
    }
  }
  return { covered: uncoveredRules.length === 0, uncoveredRules };
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Whether two rules list the same verbs, groups, resources, names and URLs in the same order. */
function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return (
    sameList(a.verbs, b.verbs) &&
    sameList(a.apiGroups, b.apiGroups) &&
    sameList(a.resources, b.resources) &&
    sameList(a.resourceNames, b.resourceNames) &&
    sameList(a.nonResourceURLs, b.nonResourceURLs)
  );
}

/**
 * Splits a rule into equivalent rules with at most one group, resource, verb and resource name
 * (group → resource → verb → name order), then one rule per nonResourceURL × verb.
 */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  const names = rule.resourceNames ?? [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (names.length > 0) {
          for (const name of names) {
            out.push({
              apiGroups: [group],
              resources: [resource],
              verbs: [verb],
              resourceNames: [name],
            });
          }
        } else {
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

function hasAll(
  set: readonly string[] | undefined,
  contains: readonly string[] | undefined,
): boolean {
  if (contains === undefined || contains.length === 0) return true;
  if (set === undefined) return false;
  for (const c of contains) if (!set.includes(c)) return false;
  return true;
}

function resourceCoversAll(
  owner: readonly string[] | undefined,
  requested: readonly string[] | undefined,
): boolean {
  const set = owner ?? [];
  if (set.includes('*') || hasAll(set, requested)) return true;
  for (const path of requested ?? []) {
    if (set.includes(path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!set.includes(`*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

/** Whether one owner URL covers a requested URL: equal, or an owner `prefix*` it starts with. */
export function nonResourceURLCovers(ownerPath: string, requestedPath: string): boolean {
  if (ownerPath === requestedPath) return true;
  return ownerPath.endsWith('*') && requestedPath.startsWith(trimRightStars(ownerPath));
}

function nonResourceURLsCoverAll(
  owner: readonly string[] | undefined,
  requested: readonly string[] | undefined,
): boolean {
  for (const path of requested ?? []) {
    if (!(owner ?? []).some((o) => nonResourceURLCovers(o, path))) return false;
  }
  return true;
}

/** Whether an owner rule covers an atomic rule (upstream ruleCovers). */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = owner.verbs.includes('*') || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
  const ownerNames = owner.resourceNames ?? [];
  const subNames = sub.resourceNames ?? [];
  const names =
    subNames.length === 0
      ? ownerNames.length === 0
      : ownerNames.length === 0 || hasAll(ownerNames, subNames);
  return verbs && groups && resources && names && urls;
}

/**
 * Merges rules that name exactly one group and one resource and nothing but verbs, appending
 * verbs in order (upstream CompactRules); other rules pass through first, in order, followed by
 * the merged rules in first-seen order. Returns new rule objects for merged rules.
 */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const key = simpleResourceKey(rule);
    if (key === undefined) {
      compacted.push(rule);
      continue;
    }
    const existing = simple.get(key);
    if (existing !== undefined) existing.verbs = [...existing.verbs, ...rule.verbs];
    else {
      simple.set(key, {
        apiGroups: [...(rule.apiGroups ?? [])],
        resources: [...(rule.resources ?? [])],
        verbs: [...rule.verbs],
      });
    }
  }
  for (const r of simple.values()) compacted.push(r);
  return compacted;
}

function simpleResourceKey(rule: PolicyRule): string | undefined {
  if ((rule.resourceNames?.length ?? 0) > 0 || (rule.nonResourceURLs?.length ?? 0) > 0) {
    return undefined;
  }
  if (rule.apiGroups?.length !== 1 || rule.resources?.length !== 1) return undefined;
  // upstream compares the rule with a copy holding only groups/resources/verbs via DeepEqual:
  // an explicit empty resourceNames/nonResourceURLs (vs nil) makes the rule non-simple.
  if (rule.resourceNames !== undefined || rule.nonResourceURLs !== undefined) return undefined;
  return `${rule.apiGroups[0] ?? ''}\u0000${rule.resources[0] ?? ''}`;
}

function quoteList(list: readonly string[]): string {
  return `[${list.map(quote).join(' ')}]`;
}

/**
 * The compact form used in escalation messages (upstream CompactString):
 * `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`; empty fields are
 * omitted, order APIGroups, Resources, NonResourceURLs, ResourceNames, Verbs.
 */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if ((rule.apiGroups?.length ?? 0) > 0) parts.push(`APIGroups:${quoteList(rule.apiGroups ?? [])}`);
  if ((rule.resources?.length ?? 0) > 0) parts.push(`Resources:${quoteList(rule.resources ?? [])}`);
  if ((rule.nonResourceURLs?.length ?? 0) > 0) {
    parts.push(`NonResourceURLs:${quoteList(rule.nonResourceURLs ?? [])}`);
  }
  if ((rule.resourceNames?.length ?? 0) > 0) {
    parts.push(`ResourceNames:${quoteList(rule.resourceNames ?? [])}`);
  }
  if (rule.verbs.length > 0) parts.push(`Verbs:${quoteList(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
