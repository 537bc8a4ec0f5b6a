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
/**
 * The label every simulated node carries (kwok's `type: kwok`). Such a node runs no kubelet:
 * the API server never dials its made-up address (logs, exec, metrics).
 */
export const SIMULATED_NODE_LABEL = 'node.skiff.dev/simulated';

/** The common name of the API server's kubelet client certificate (kubeadm's). */
export const APISERVER_KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';
