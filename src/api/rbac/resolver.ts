/**
 * The RBAC rule resolver and authorizer (upstream plugin/pkg/auth/authorizer/rbac and
 * pkg/registry/rbac/validation/rule.go DefaultRuleResolver), over an {@link RbacSource} with a
 * subject index so that a request only looks at the bindings naming its user, its groups or
 * its service account.
 */
import type {
  ClusterRoleBinding,
  PolicyRule,
  RoleBinding,
  RoleRef,
  Subject,
} from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../user.ts';
import { ruleAllows } from './rule-match.ts';
import type { AuthorizationAttributes, Decision, RbacSource } from './types.ts';
import { RBAC_GROUP, SERVICE_ACCOUNT_USERNAME_PREFIX } from './types.ts';
import { quote } from './quote.ts';

/**
 * How "role not found" errors read. The authorizer resolves through informer listers upstream
 * (`clusterrole.rbac.authorization.k8s.io "x" not found`, singular); the escalation checks
 * resolve through the registry (`clusterroles.rbac.authorization.k8s.io "x" not found`).
 */
export type NotFoundStyle = 'lister' | 'registry';

/** Why a roleRef could not be resolved. */
export interface RoleRefError {
  /** `not-found` carries the plural resource and name so callers can build a 404. */
  reason: 'not-found' | 'unsupported-kind';
  resource?: 'roles' | 'clusterroles';
  name?: string;
  message: string;
}

/** Which binding (and which of its subjects) granted a rule. */
export interface RuleSource {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  binding: ClusterRoleBinding | RoleBinding;
  /** The first subject of the binding that applies to the user. */
  subject: Subject;
}

/**
 * Upstream's source describer: `ClusterRoleBinding "x" of ClusterRole "y" to User "alice"`,
 * `RoleBinding "x/ns" of Role "y" to ServiceAccount "sa/ns"`.
 */
export function describeRuleSource(src: RuleSource): string {
  const b = src.binding;
  const ns = b.metadata?.namespace ?? '';
  const name = b.metadata?.name ?? '';
  const bindingName = src.kind === 'RoleBinding' ? `${name}/${ns}` : name;
  return `${src.kind} ${quote(bindingName)} of ${b.roleRef.kind} ${quote(b.roleRef.name)} to ${describeSubject(src.subject, src.kind === 'RoleBinding' ? ns : '')}`;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace !== undefined && s.namespace !== '' ? s.namespace : bindingNamespace;
    return `${s.kind} ${quote(`${s.name}/${ns}`)}`;
  }
  return `${s.kind} ${quote(s.name)}`;
}

/** utilerrors.NewAggregate(errs).Error(): one message bare, several deduplicated in `[a, b]`. */
export function aggregateErrorMessages(messages: readonly string[]): string {
  if (messages.length === 0) return '';
  if (messages.length === 1) return messages[0] ?? '';
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

/** True when the binding subject names this user (upstream appliesToUser). */
export function appliesToUser(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns =
        subject.namespace !== undefined && subject.namespace !== '' ? subject.namespace : namespace;
      if (ns === '') return false;
      return user.username === `${SERVICE_ACCOUNT_USERNAME_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function firstApplyingSubject(
  user: UserInfo,
  subjects: readonly Subject[] | undefined,
  namespace: string,
): Subject | undefined {
  if (subjects === undefined) return undefined;
  for (const s of subjects) if (appliesToUser(user, s, namespace)) return s;
  return undefined;
}

/** One binding in an index, with its position in the source's order. */
interface Entry<B> {
  order: number;
  binding: B;
}

/**
 * Bindings keyed by the subjects they name: `u:<user>`, `g:<group>`, `s:<ns>:<name>` for a
 * service account (whose username is `system:serviceaccount:<ns>:<name>`, so a user's key is
 * `s:` + the username without its prefix). Other subject kinds never match and are skipped.
 */
class SubjectIndex<B extends ClusterRoleBinding | RoleBinding> {
  readonly byKey = new Map<string, Entry<B>[]>();

  constructor(bindings: Iterable<B>, bindingNamespace: string) {
    let order = 0;
    for (const binding of bindings) {
      const entry: Entry<B> = { order: order++, binding };
      for (const s of binding.subjects ?? []) {
        let key: string;
        if (s.kind === 'User') key = `u:${s.name}`;
        else if (s.kind === 'Group') key = `g:${s.name}`;
        else if (s.kind === 'ServiceAccount') {
          const ns =
            s.namespace !== undefined && s.namespace !== '' ? s.namespace : bindingNamespace;
          if (ns === '') continue;
          key = `s:${ns}:${s.name}`;
        } else continue;
        const list = this.byKey.get(key);
        if (list === undefined) this.byKey.set(key, [entry]);
        else if (list[list.length - 1] !== entry) list.push(entry);
      }
    }
  }

  /**
   * Merged lookups of users with several matching keys, by their joined keys: the same users
   * (and the same large group sets) ask again and again, and merging is the dominant cost for
   * a user in many groups. The index is rebuilt on every binding change, so entries never go
   * stale; the memo is bounded by clearing it when full.
   */
  private readonly merged = new Map<string, readonly Entry<B>[]>();

  /** The bindings naming any of the keys, deduplicated, in source order. */
  lookup(keys: readonly string[]): readonly Entry<B>[] {
    let hits = 0;
    let first: Entry<B>[] | undefined;
    for (const k of keys) {
      const list = this.byKey.get(k);
      if (list === undefined) continue;
      first ??= list;
      hits++;
    }
    if (hits === 0) return EMPTY;
    if (hits === 1 && first !== undefined) return first;
    const memoKey = keys.join('\0');
    const known = this.merged.get(memoKey);
    if (known !== undefined) return known;
    const out = this.merge(keys);
    if (this.merged.size >= 1024) this.merged.clear();
    this.merged.set(memoKey, out);
    return out;
  }

  private merge(keys: readonly string[]): readonly Entry<B>[] {
    let single: Entry<B>[] | undefined;
    let merged: Entry<B>[] | undefined;
    for (const k of keys) {
      const list = this.byKey.get(k);
      if (list === undefined) continue;
      if (single === undefined) single = list;
      else {
        merged ??= single.slice();
        for (const e of list) merged.push(e);
      }
    }
    if (merged === undefined) return single ?? EMPTY;
    merged.sort((a, b) => a.order - b.order);
    const out: Entry<B>[] = [];
    for (const e of merged) if (out.length === 0 || out[out.length - 1] !== e) out.push(e);
    return out;
  }
}

const EMPTY: readonly never[] = [];

function userKeys(user: UserInfo): string[] {
  const keys = [`u:${user.username}`];
  for (const g of user.groups) keys.push(`g:${g}`);
  if (user.username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) {
    keys.push(`s:${user.username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length)}`);
  }
  return keys;
}

/**
 * Visitor of upstream VisitRulesFor: called with each rule that applies (and its source), or
 * with an error message for a binding whose role could not be resolved. Returning false stops
 * the walk.
 */
export type RuleVisitor = (
  source: RuleSource | undefined,
  rule: PolicyRule | undefined,
  error: string | undefined,
) => boolean;

/**
 * authorization/v1 ResourceRule (declared here because the kubernetes-types package omits its
 * `verbs` and `resources` fields).
 */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** authorization/v1 NonResourceRule. */
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

/** The SelfSubjectRulesReview status computed by {@link RbacAuthorizer.rulesFor}. */
export interface SubjectRulesReviewStatus {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  /** Set when some bindings could not be resolved (the listed rules are still valid). */
  evaluationError?: string;
}

/**
 * RBAC authorizer and rule resolver. Holds a subject index of the source's bindings, rebuilt
 * lazily when `source.bindingsRevision()` changes (see {@link RbacSource}); roles are read live.
 * Not thread-affine state beyond the index; safe to share across requests.
 */
export class RbacAuthorizer {
  private revision: number | string | undefined;
  private clusterIndex: SubjectIndex<ClusterRoleBinding> | undefined;
  private readonly namespaceIndexes = new Map<string, SubjectIndex<RoleBinding>>();

  constructor(private readonly source: RbacSource) {}

  /** Drops every index now (they are rebuilt on demand). The revision check makes this optional. */
  invalidate(): void {
    this.revision = undefined;
    this.clusterIndex = undefined;
    this.namespaceIndexes.clear();
  }

  private sync(): void {
    const rev = this.source.bindingsRevision();
    if (rev !== this.revision) {
      this.invalidate();
      this.revision = rev;
    }
  }

  private clusterBindings(): SubjectIndex<ClusterRoleBinding> {
    this.clusterIndex ??= new SubjectIndex(this.source.clusterRoleBindings(), '');
    return this.clusterIndex;
  }

  private namespaceBindings(namespace: string): SubjectIndex<RoleBinding> {
    let idx = this.namespaceIndexes.get(namespace);
    if (idx === undefined) {
      idx = new SubjectIndex(this.source.roleBindings(namespace), namespace);
      this.namespaceIndexes.set(namespace, idx);
    }
    return idx;
  }

  /**
   * Resolves a roleRef to its rules (upstream GetRoleReferenceRules); `namespace` is the
   * binding's namespace, '' for a ClusterRoleBinding. The returned rules are the role's own
   * (shared) array: do not mutate.
   */
  getRoleReferenceRules(
    roleRef: RoleRef,
    namespace: string,
    style: NotFoundStyle = 'lister',
  ): readonly PolicyRule[] | RoleRefError {
    if (roleRef.kind === 'Role') {
      const role = namespace === '' ? undefined : this.source.getRole(namespace, roleRef.name);
      if (role === undefined) return notFound('roles', roleRef.name, style);
      return role.rules ?? EMPTY;
    }
    if (roleRef.kind === 'ClusterRole') {
      const role = this.source.getClusterRole(roleRef.name);
      if (role === undefined) return notFound('clusterroles', roleRef.name, style);
      return role.rules ?? EMPTY;
    }
    return {
      reason: 'unsupported-kind',
      message: `unsupported role reference kind: ${quote(roleRef.kind)}`,
    };
  }

  /**
   * Walks every rule that applies to `user` in `namespace` ('' = cluster-scoped: only
   * ClusterRoleBindings), ClusterRoleBindings first, like upstream VisitRulesFor.
   */
  visitRulesFor(
    user: UserInfo,
    namespace: string,
    visitor: RuleVisitor,
    style: NotFoundStyle = 'lister',
  ): void {
    this.sync();
    const keys = userKeys(user);
    for (const { binding } of this.clusterBindings().lookup(keys)) {
      if (!this.visitBinding(user, binding, 'ClusterRoleBinding', '', visitor, style)) return;
    }
    if (namespace === '') return;
    for (const { binding } of this.namespaceBindings(namespace).lookup(keys)) {
      if (!this.visitBinding(user, binding, 'RoleBinding', namespace, visitor, style)) return;
    }
  }

  private visitBinding(
    user: UserInfo,
    binding: ClusterRoleBinding | RoleBinding,
    kind: RuleSource['kind'],
    namespace: string,
    visitor: RuleVisitor,
    style: NotFoundStyle,
  ): boolean {
    const subject = firstApplyingSubject(user, binding.subjects, namespace);
    if (subject === undefined) return true;
    const rules = this.getRoleReferenceRules(binding.roleRef, namespace, style);
    if (isRoleRefError(rules)) return visitor(undefined, undefined, rules.message);
    const src: RuleSource = { kind, binding, subject };
    for (const rule of rules) if (!visitor(src, rule, undefined)) return false;
    return true;
  }

  /**
   * All rules that apply to `user` in `namespace` plus the messages of bindings that could not
   * be resolved (upstream DefaultRuleResolver.RulesFor). Rules are shared: do not mutate.
   */
  policyRulesFor(
    user: UserInfo,
    namespace: string,
    style: NotFoundStyle = 'lister',
  ): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(
      user,
      namespace,
      (_src, rule, err) => {
        if (rule !== undefined) rules.push(rule);
        if (err !== undefined) errors.push(err);
        return true;
      },
      style,
    );
    return { rules, errors };
  }

  /**
   * Authorizes one request (upstream RBACAuthorizer.Authorize): `allow` with reason
   * `RBAC: allowed by <source>` at the first rule that allows, otherwise `no-opinion` with
   * reason `RBAC: <aggregated resolution errors>` or ''. RBAC never denies.
   */
  authorize(attrs: AuthorizationAttributes): Decision {
    this.sync();
    const user = attrs.user;
    const keys = userKeys(user);
    const errors: string[] = [];
    for (const { binding } of this.clusterBindings().lookup(keys)) {
      const allowed = this.checkBinding(attrs, binding, 'ClusterRoleBinding', '', errors);
      if (allowed !== undefined) return { decision: 'allow', reason: allowed };
    }
    const namespace = attrs.namespace ?? '';
    if (namespace !== '') {
      for (const { binding } of this.namespaceBindings(namespace).lookup(keys)) {
        const allowed = this.checkBinding(attrs, binding, 'RoleBinding', namespace, errors);
        if (allowed !== undefined) return { decision: 'allow', reason: allowed };
      }
    }
    return {
      decision: 'no-opinion',
      reason: errors.length > 0 ? `RBAC: ${aggregateErrorMessages(errors)}` : '',
    };
  }

  /** Returns the allow reason, or undefined; collects resolution errors. */
  private checkBinding(
    attrs: AuthorizationAttributes,
    binding: ClusterRoleBinding | RoleBinding,
    kind: RuleSource['kind'],
    namespace: string,
    errors: string[],
  ): string | undefined {
    const subject = firstApplyingSubject(attrs.user, binding.subjects, namespace);
    if (subject === undefined) return undefined;
    const rules = this.getRoleReferenceRules(binding.roleRef, namespace);
    if (isRoleRefError(rules)) {
      errors.push(rules.message);
      return undefined;
    }
    for (const rule of rules) {
      if (ruleAllows(attrs, rule)) {
        return `RBAC: allowed by ${describeRuleSource({ kind, binding, subject })}`;
      }
    }
    return undefined;
  }

  /**
   * The SelfSubjectRulesReview answer for `user` in `namespace` (upstream RBACAuthorizer.RulesFor
   * plus the SSRR handler): each rule with resources becomes a resource rule, each rule with
   * nonResourceURLs a non-resource rule (a rule with both yields both), in resolution order,
   * duplicates kept. `incomplete` is always false for RBAC; resolution errors go to
   * `evaluationError`. Returned arrays are fresh copies.
   */
  rulesFor(user: UserInfo, namespace: string): SubjectRulesReviewStatus {
    const { rules, errors } = this.policyRulesFor(user, namespace);
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const r of rules) {
      if (r.resources !== undefined && r.resources.length > 0) {
        const rr: ResourceRule = { verbs: [...r.verbs] };
        if (r.apiGroups !== undefined) rr.apiGroups = [...r.apiGroups];
        rr.resources = [...r.resources];
        if (r.resourceNames !== undefined) rr.resourceNames = [...r.resourceNames];
        resourceRules.push(rr);
      }
      if (r.nonResourceURLs !== undefined && r.nonResourceURLs.length > 0) {
        nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
      }
    }
    const status: SubjectRulesReviewStatus = { resourceRules, nonResourceRules, incomplete: false };
    if (errors.length > 0) status.evaluationError = aggregateErrorMessages(errors);
    return status;
  }
}

/** Narrows a {@link RbacAuthorizer.getRoleReferenceRules} result to its error case. */
export function isRoleRefError(x: readonly PolicyRule[] | RoleRefError): x is RoleRefError {
  return !Array.isArray(x);
}

function notFound(
  resource: 'roles' | 'clusterroles',
  name: string,
  style: NotFoundStyle,
): RoleRefError {
  const r = style === 'lister' ? resource.slice(0, -1) : resource;
  return {
    reason: 'not-found',
    resource,
    name,
    message: `${r}.${RBAC_GROUP} ${quote(name)} not found`,
  };
}
