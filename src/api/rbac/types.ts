/**
 * Shared types of the RBAC library: the request attributes an authorizer sees (upstream
 * `authorizer.Attributes`), the decision it returns, and the read-only source of RBAC objects
 * the authorizer and the escalation checks resolve rules from.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-types/rbac/v1.js';
import type { UserInfo } from '../user.ts';

/**
 * What an authorizer is asked about (upstream `authorizer.AttributesRecord`). Resource requests
 * use `namespace`/`apiGroup`/`apiVersion`/`resource`/`subresource`/`name`; non-resource requests
 * (`resourceRequest: false`) use `path`. Absent strings mean '' (Go's zero value).
 */
export interface AuthorizationAttributes {
  user: UserInfo;
  /** Kubernetes verb: get list watch create update patch delete deletecollection, or bind, escalate, impersonate, ... */
  verb: string;
  resourceRequest: boolean;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** Request path, for non-resource requests (`/healthz`, `/apis`). */
  path?: string;
}

/** The three answers of an authorizer (upstream DecisionAllow / DecisionDeny / DecisionNoOpinion). */
export type DecisionKind = 'allow' | 'deny' | 'no-opinion';

/** An authorizer's answer with its human-readable reason ('' when there is none). */
export interface Decision {
  decision: DecisionKind;
  reason: string;
}

/**
 * The RBAC objects the authorizer reads, typically backed by in-memory watch mirrors. Objects
 * returned are shared and must not be mutated by either side.
 *
 * Index invalidation contract: `bindingsRevision` must change (any new value) whenever a
 * RoleBinding or ClusterRoleBinding is added, modified or deleted. The authorizer keeps an index
 * of bindings by subject and drops it when the revision changes; it rebuilds the cluster index
 * on the next request and each namespace's index on the first request for that namespace.
 * Role and ClusterRole changes need no revision bump: roles are looked up live on every
 * request through `getRole` / `getClusterRole`, which must therefore be O(1) map lookups.
 */
export interface RbacSource {
  /** A value that changes whenever any RoleBinding or ClusterRoleBinding changes. */
  bindingsRevision(): number | string;
  getRole(namespace: string, name: string): Role | undefined;
  getClusterRole(name: string): ClusterRole | undefined;
  /** RoleBindings in one namespace, in a stable order. */
  roleBindings(namespace: string): Iterable<RoleBinding>;
  /** All ClusterRoleBindings, in a stable order. */
  clusterRoleBindings(): Iterable<ClusterRoleBinding>;
}

/** The API group of the RBAC resources. */
export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Annotation that, when "false", stops the API server from reconciling a bootstrap object. */
export const AUTO_UPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

/** The group whose members bypass escalation checks (system:masters). */
export const SYSTEM_PRIVILEGED_GROUP = 'system:masters';

/** Username prefix of service accounts: `system:serviceaccount:<ns>:<name>`. */
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
