/**
 * The authenticated user of a request, as Kubernetes' `user.Info`: a name, groups, an optional
 * uid and extra attributes (scopes, the pod a service account token is bound to, ...).
 * Authenticators produce it; authorizers and admission read it.
 */
export interface UserInfo {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}
