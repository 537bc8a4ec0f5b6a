/**
 * The API server's side of the kubelet: address resolution, the connect subresources' options
 * and locations (pure), the HTTPS client with upgrade proxying, and the handlers of `pods/log`,
 * `pods/exec`, `pods/attach`, `pods/portforward` and `nodes/proxy`.
 */
export {
  DEFAULT_KUBELET_PORT,
  DEFAULT_PREFERRED_ADDRESS_TYPES,
  NoPreferredAddressError,
  formatNodeAddresses,
  joinHostPort,
  kubeletEndpoint,
  preferredNodeAddress,
} from './address.ts';
export type { KubeletEndpoint, KubeletEndpointOptions } from './address.ts';
export {
  checkPodLogOptions,
  encodeGoQuery,
  goQueryEscape,
  logLocation,
  parsePodLogOptions,
  parsePodPortForwardOptions,
  parsePodStreamOptions,
  podContainerNames,
  portForwardLocation,
  streamLocation,
  validateContainer,
  validatePodLogOptions,
} from './connect.ts';
export type {
  KubeletLocation,
  PodLogOptions,
  PodPortForwardOptions,
  PodStreamOptions,
} from './connect.ts';
export { APISERVER_KUBELET_CLIENT_USER } from '../../api/index.ts';
export { KubeletClient, KubeletConnectionError, forwardedHeaders, sendRequest } from './client.ts';
export type { KubeletClientConfig, KubeletRequestOptions } from './client.ts';
export {
  KubeletConnect,
  isGlobalUnicast,
  kubeletResponseError,
  parsePodProxyId,
  unknownServerError,
} from './proxy.ts';
export type { KubeletConnectOptions } from './proxy.ts';
export { isUpgradeRequest, serveUpgrades, takeUpgrade } from './upgrade.ts';
export type { UpgradeSocket } from './upgrade.ts';
