/**
 * Service account identities, as upstream's
 * staging/src/k8s.io/apiserver/pkg/authentication/serviceaccount/util.go: the username
 * `system:serviceaccount:<ns>:<name>`, the groups every service account belongs to and the
 * `extra` keys a bound token adds.
 */
import { validateNamespaceName, validateServiceAccountName } from '../../api/index.ts';
import type { UserInfo } from '../user.ts';

/** Prefix of every service account username. */
export const SERVICE_ACCOUNT_USERNAME_PREFIX = 'system:serviceaccount:';
/** Prefix of the per-namespace service account group. */
export const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';
/** The group of all service accounts. */
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** `extra` key: the pod a token is bound to. */
export const POD_NAME_KEY = 'authentication.kubernetes.io/pod-name';
/** `extra` key: the uid of the pod a token is bound to. */
export const POD_UID_KEY = 'authentication.kubernetes.io/pod-uid';
/** `extra` key: the node a token is bound to (or the node of its bound pod). */
export const NODE_NAME_KEY = 'authentication.kubernetes.io/node-name';
/** `extra` key: the uid of that node, when known. */
export const NODE_UID_KEY = 'authentication.kubernetes.io/node-uid';
/** `extra` key: the credential id (`JTI=<jti>`) of the token. */
export const CREDENTIAL_ID_KEY = 'authentication.kubernetes.io/credential-id';

/** Group every authenticated user is in (user.AllAuthenticated). */
export const ALL_AUTHENTICATED_GROUP = 'system:authenticated';
/** Group of the anonymous user (user.AllUnauthenticated). */
export const ALL_UNAUTHENTICATED_GROUP = 'system:unauthenticated';
/** The anonymous username (user.Anonymous). */
export const ANONYMOUS_USER = 'system:anonymous';

/** `system:serviceaccount:<namespace>:<name>`. */
export function makeServiceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USERNAME_PREFIX}${namespace}:${name}`;
}

/**
 * The namespace and name inside a service account username, or undefined when the username is
 * not one (upstream SplitUsername: exactly two parts, a valid namespace and account name).
 */
export function splitServiceAccountUsername(
  username: string,
): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USERNAME_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USERNAME_PREFIX.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace = '', name = ''] = parts;
  if (validateNamespaceName(namespace, false).length !== 0) return undefined;
  if (validateServiceAccountName(name, false).length !== 0) return undefined;
  return { namespace, name };
}

/** `[system:serviceaccounts, system:serviceaccounts:<namespace>]` (a fresh array). */
export function makeServiceAccountGroupNames(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNT_GROUP_PREFIX}${namespace}`];
}

/** `JTI=<jti>`, or '' without a jti (upstream CredentialIDForJTI). */
export function credentialIdForJti(jti: string): string {
  return jti === '' ? '' : `JTI=${jti}`;
}

/** What a validated service account token says about its holder (ServiceAccountInfo). */
export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  uid: string;
  podName?: string;
  podUid?: string;
  nodeName?: string;
  nodeUid?: string;
  credentialId?: string;
}

/**
 * The user a service account token authenticates as (ServiceAccountInfo.UserInfo): groups are
 * the service account groups only; the authenticator chain adds `system:authenticated`.
 * Pod extras need both name and uid; the node uid only accompanies a node name.
 */
export function serviceAccountUserInfo(sa: ServiceAccountInfo): UserInfo {
  const info: UserInfo = {
    username: makeServiceAccountUsername(sa.namespace, sa.name),
    uid: sa.uid,
    groups: makeServiceAccountGroupNames(sa.namespace),
  };
  const extra: Record<string, string[]> = {};
  if (sa.podName && sa.podUid) {
    extra[POD_NAME_KEY] = [sa.podName];
    extra[POD_UID_KEY] = [sa.podUid];
  }
  if (sa.credentialId) extra[CREDENTIAL_ID_KEY] = [sa.credentialId];
  if (sa.nodeName) {
    extra[NODE_NAME_KEY] = [sa.nodeName];
    if (sa.nodeUid) extra[NODE_UID_KEY] = [sa.nodeUid];
  }
  if (Object.keys(extra).length > 0) info.extra = extra;
  return info;
}

/**
 * Adds `system:authenticated` unless the user is anonymous or already carries it or
 * `system:unauthenticated` (upstream AuthenticatedGroupAdder). Returns a new object when it
 * adds the group, the same one otherwise.
 */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.username === ANONYMOUS_USER) return user;
  for (const g of user.groups) {
    if (g === ALL_AUTHENTICATED_GROUP || g === ALL_UNAUTHENTICATED_GROUP) return user;
  }
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED_GROUP] };
}
