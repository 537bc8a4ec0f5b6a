/**
 * Per-namespace defaults: the `default` ServiceAccount (upstream serviceaccount controller) and
 * the `kube-root-ca.crt` ConfigMap (upstream root-ca-cert-publisher).
 */
export {
  DESCRIPTION_ANNOTATION,
  ROOT_CA_CONFIGMAP_NAME,
  ROOT_CA_DESCRIPTION,
  RootCACertPublisher,
  ServiceAccountsController,
} from './controller.ts';
export type { RootCACertPublisherOptions, ServiceAccountsControllerOptions } from './controller.ts';
