/** The HTTPS transport: kubeconfig loading, the HTTP/2 transport and the REST clientset. */
export { KubeconfigError, loadKubeconfig, restConfigFromKubeconfig } from './kubeconfig.ts';
export type { RestConfig } from './kubeconfig.ts';
export { Transport, statusErrorOf } from './transport.ts';
export type { RestRequest } from './transport.ts';
export { RestResourceClient, newRestClientset } from './resource-client.ts';
