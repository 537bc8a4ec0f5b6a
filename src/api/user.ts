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

/**
 * Skiff's simulated node pools (kwok-like nodes): the in-process pool's user (its client
 * certificate's CN) and the group of remote pools' certificates (`skiff agent --simulated`).
 * The bootstrap policy binds both to the pool's ClusterRole, named after the user.
 */
export const SIMULATED_NODE_POOL_USER = 'skiff:simulated-node-pool';
export const SIMULATED_NODE_POOL_GROUP = 'skiff:simulated-node-pools';
