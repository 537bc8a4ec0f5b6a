/**
 * Privilege-escalation prevention for writes of Roles, ClusterRoles and their bindings
 * (upstream pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased,
 * pkg/registry/rbac/escalation_check.go and validation.ConfirmNoEscalation). The lead calls
 * these from the registry's create/update path, after validation and before storage.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
} from 'kubernetes-types/rbac/v1.js';
import { newForbidden, newInternalError, newNotFound } from '../errors.ts';
import type { StatusError } from '../errors.ts';
import type { UserInfo } from '../user.ts';
import { compactRules, compactString, covers } from './covers.ts';
import type { NotFoundStyle, RoleRefError } from './resolver.ts';
import { aggregateErrorMessages, isRoleRefError } from './resolver.ts';
import type { AuthorizationAttributes, Decision } from './types.ts';
import { RBAC_GROUP, SYSTEM_PRIVILEGED_GROUP } from './types.ts';
import { quote } from './quote.ts';

/** The part of {@link RbacAuthorizer} the escalation checks need. */
export interface RuleResolver {
  policyRulesFor(
    user: UserInfo,
    namespace: string,
    style?: NotFoundStyle,
  ): { rules: PolicyRule[]; errors: string[] };
  getRoleReferenceRules(
    roleRef: RoleRef,
    namespace: string,
    style?: NotFoundStyle,
  ): readonly PolicyRule[] | RoleRefError;
}

/** The whole authorizer chain (RBAC plus any others), used for the `escalate` and `bind` checks. */
export type AuthorizeFn = (attrs: AuthorizationAttributes) => Decision | Promise<Decision>;

/** Who is writing, where, and how to resolve their permissions. */
export interface EscalationContext {
  user: UserInfo;
  /** The request's namespace ('' for cluster-scoped resources). */
  namespace: string;
  resolver: RuleResolver;
  authorize: AuthorizeFn;
}

/** Full authority: what a ClusterRole with an aggregationRule requires of its writer. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** True for members of system:masters, which bypass escalation checks (EscalationAllowed). */
export function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes(SYSTEM_PRIVILEGED_GROUP);
}

function goQuoteList(list: readonly string[]): string {
  return `[${list.map(quote).join(' ')}]`;
}

/**
 * upstream ConfirmNoEscalation: undefined when the user's rules in `namespace` cover `rules`,
 * else the message `user "alice" (groups=["g" "system:authenticated"]) is attempting to grant
 * RBAC permissions not currently held:\n<compact rule>\n...` (missing rules compacted, described
 * with {@link compactString}, deduplicated and sorted), with `; resolution errors: [...]`
 * appended when some of the user's bindings could not be resolved.
 */
export function confirmNoEscalation(
  user: UserInfo,
  namespace: string,
  resolver: RuleResolver,
  rules: readonly PolicyRule[],
): string | undefined {
  const owner = resolver.policyRulesFor(user, namespace, 'registry');
  const { covered, uncoveredRules } = covers(owner.rules, rules);
  if (covered) return undefined;
  const descriptions = [...new Set(compactRules(uncoveredRules).map(compactString))].sort(
    compareGo,
  );
  let msg = `user ${quote(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  if (owner.errors.length > 0) {
    msg += `; resolution errors: [${aggregateErrorMessages(owner.errors)}]`;
  }
  return msg;
}

/** Byte-wise string order, as Go's sort.Strings. */
function compareGo(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hasAggregationRule(role: ClusterRole | Role | undefined): boolean {
  if (role === undefined || !('aggregationRule' in role)) return false;
  return (role.aggregationRule?.clusterRoleSelectors?.length ?? 0) > 0;
}

/** A role or binding write to check. */
export interface RoleWrite<T> {
  /** The object being created, or the new object of an update. */
  object: T;
  /** The stored object, on update; absent on create. */
  oldObject?: T;
}

/**
 * Checks a create or update of a Role (`resource: 'roles'`) or ClusterRole. Passes when the
 * user is in system:masters, or is authorized to `escalate` on the resource (attributes:
 * apiGroup rbac.authorization.k8s.io, apiVersion `*`, `requestName` = the name in the URL, ''
 * on create, request namespace), or on update when only ownerReferences/finalizers change, or
 * when the user already holds every rule. A ClusterRole with an aggregationRule (new or old)
 * additionally needs full authority. Returns the 403 to send, or undefined.
 */
export async function checkRoleEscalation(
  ctx: EscalationContext,
  resource: 'roles' | 'clusterroles',
  requestName: string,
  write: RoleWrite<Role | ClusterRole>,
): Promise<StatusError | undefined> {
  if (escalationAllowed(ctx.user)) return undefined;
  const escalate = await ctx.authorize({
    user: ctx.user,
    verb: 'escalate',
    resourceRequest: true,
    apiGroup: RBAC_GROUP,
    apiVersion: '*',
    resource,
    name: requestName,
    namespace: ctx.namespace,
  });
  if (escalate.decision === 'allow') return undefined;
  const { object, oldObject } = write;
  if (oldObject !== undefined && isOnlyMutatingGCFields(object, oldObject)) return undefined;
  const name = object.metadata?.name ?? '';
  const gr = { group: RBAC_GROUP, resource };
  const msg = confirmNoEscalation(ctx.user, ctx.namespace, ctx.resolver, object.rules ?? []);
  if (msg !== undefined) return newForbidden(gr, name, msg);
  if (
    resource === 'clusterroles' &&
    (hasAggregationRule(object) || hasAggregationRule(oldObject)) &&
    confirmNoEscalation(ctx.user, ctx.namespace, ctx.resolver, FULL_AUTHORITY) !== undefined
  ) {
    return newForbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
  }
  return undefined;
}

/**
 * upstream BindingAuthorized: whether the user may `bind` the referenced role, asked as verb
 * `bind` on `roles`/`clusterroles` named roleRef.name in the binding's namespace ('' for a
 * ClusterRoleBinding), group = roleRef.apiGroup.
 */
export async function bindingAuthorized(
  ctx: EscalationContext,
  roleRef: RoleRef,
  bindingNamespace: string,
): Promise<boolean> {
  let resource: string;
  if (roleRef.kind === 'ClusterRole') resource = 'clusterroles';
  else if (roleRef.kind === 'Role') resource = 'roles';
  else return false;
  const d = await ctx.authorize({
    user: ctx.user,
    verb: 'bind',
    resourceRequest: true,
    namespace: bindingNamespace,
    apiGroup: roleRef.apiGroup,
    resource,
    name: roleRef.name,
  });
  return d.decision === 'allow';
}

/**
 * Checks a create or update of a RoleBinding (`resource: 'rolebindings'`, binding namespace =
 * `ctx.namespace`) or ClusterRoleBinding (namespace ''). Passes for system:masters, for an
 * update that only changes ownerReferences/finalizers, when the user may `bind` the role, or
 * when the user already holds every rule of the referenced role. A roleRef that does not
 * resolve gives 404 `roles.rbac.authorization.k8s.io "x" not found` (or an internal error for
 * an unknown kind, 500); missing permissions give 403. Returns the error, or undefined.
 */
export async function checkBindingEscalation(
  ctx: EscalationContext,
  resource: 'rolebindings' | 'clusterrolebindings',
  write: RoleWrite<RoleBinding | ClusterRoleBinding>,
): Promise<StatusError | undefined> {
  if (escalationAllowed(ctx.user)) return undefined;
  const { object, oldObject } = write;
  if (oldObject !== undefined && isOnlyMutatingGCFields(object, oldObject)) return undefined;
  const bindingNamespace = resource === 'rolebindings' ? ctx.namespace : '';
  if (await bindingAuthorized(ctx, object.roleRef, bindingNamespace)) return undefined;
  const rules = ctx.resolver.getRoleReferenceRules(object.roleRef, bindingNamespace, 'registry');
  if (isRoleRefError(rules)) {
    if (rules.reason === 'not-found') {
      return newNotFound({ group: RBAC_GROUP, resource: rules.resource ?? '' }, rules.name ?? '');
    }
    return newInternalError(rules.message);
  }
  const msg = confirmNoEscalation(ctx.user, bindingNamespace, ctx.resolver, rules);
  if (msg !== undefined) {
    return newForbidden({ group: RBAC_GROUP, resource }, object.metadata?.name ?? '', msg);
  }
  return undefined;
}

/**
 * upstream IsOnlyMutatingGCFields: true when `obj` equals `old` once ownerReferences,
 * finalizers, selfLink and managedFields are taken from `old`. Equality is semantic: an absent
 * field equals its zero value ('', 0, false, [], {}).
 */
export function isOnlyMutatingGCFields(obj: object, old: object): boolean {
  const o = obj as { metadata?: Record<string, unknown> };
  const p = old as { metadata?: Record<string, unknown> };
  const gcFields = new Set(['ownerReferences', 'finalizers', 'selfLink', 'managedFields']);
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o.metadata ?? {})) if (!gcFields.has(k)) meta[k] = v;
  for (const k of gcFields) {
    const v = p.metadata?.[k];
    if (v !== undefined) meta[k] = v;
  }
  return goSemanticEqual({ ...obj, metadata: meta }, { ...old, metadata: p.metadata ?? {} });
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** Deep equality of JSON values where an absent value equals a zero value. */
export function goSemanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isZero(a) && isZero(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!goSemanticEqual(a[i], b[i])) return false;
    return true;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      if (!goSemanticEqual(ao[k], bo[k])) return false;
    }
    return true;
  }
  return false;
}
