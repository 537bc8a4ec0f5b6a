/**
 * Authentication and authorization of the API server, assembled: the request authenticator
 * (client certificates, then bearer tokens: static token file, bootstrap tokens, service
 * account JWTs signed by the server's key), the authorizer chain (system:masters, then RBAC over
 * in-memory mirrors of the RBAC objects), the bootstrap policy reconciled at start and the
 * ClusterRole aggregation loop.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import { NodeAuthorizer, RbacAuthorizer } from '../../api/index.ts';
import type { Scheme } from '../../api/index.ts';
import type { Storage } from '../../storage/index.ts';
import {
  BearerAuthenticator,
  BootstrapTokenAuthenticator,
  ServiceAccountTokens,
  StaticTokenFile,
  generateSigningKey,
  loadOrCreateSigningKey,
  newOpenIDMetadata,
  tokenRequest,
} from '../authn/index.ts';
import type {
  OpenIDMetadata,
  ServiceAccountTokenGetter,
  TokenAuthenticator,
  TokenRequestResult,
} from '../authn/index.ts';
import { getIfExists, type ResourceRegistry } from '../registry/registry.ts';
import { RequestAuthenticator } from './authentication.ts';
import { AuthorizerChain } from './authorizer.ts';
import { ClusterRoleAggregator, reconcileBootstrapPolicy } from './bootstrap.ts';
import { MirroredRbacSource } from './rbac-source.ts';
import { NodeGraphFeed } from './node-graph.ts';

export { RequestAuthenticator } from './authentication.ts';
export { AuthorizerChain, PRIVILEGED_GROUP, requestAttributes } from './authorizer.ts';
export type { Authorizer } from './authorizer.ts';
export { MirroredRbacSource } from './rbac-source.ts';

/** The service account issuer kubeadm and k3s use by default. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface SecurityOptions {
  storage: Storage;
  scheme: Scheme;
  registry(group: string, version: string, resource: string): ResourceRegistry | undefined;
  /** Where the service account signing key lives (`sa.key`, `sa.pub`); absent: an in-memory key. */
  serviceAccountKeyDir?: string;
  serviceAccountIssuer?: string;
  /** A static token file (upstream --token-auth-file). */
  tokenAuthFile?: string;
  now?: () => Date;
  onError?: (err: unknown) => void;
}

export interface Security {
  authenticator: RequestAuthenticator;
  authorizer: AuthorizerChain;
  rbac: RbacAuthorizer;
  serviceAccountTokens: ServiceAccountTokens;
  /** The issuer's OIDC discovery documents for an API server at `externalAddress` (host:port). */
  openid(externalAddress: string): OpenIDMetadata;
  /** Issues a TokenRequest for a ServiceAccount (the `token` subresource). */
  tokenRequest(namespace: string, name: string, body: unknown): Promise<TokenRequestResult>;
  /**
   * Syncs the RBAC mirrors and reconciles the bootstrap policy (call once the system
   * namespaces exist); resolves when done. Idempotent: later calls return the same promise.
   */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the authenticator and authorizer and starts the RBAC mirrors and bootstrap. */
export async function newSecurity(opts: SecurityOptions): Promise<Security> {
  const registry = (resource: string, group = '', version = 'v1'): ResourceRegistry => {
    const r = opts.registry(group, version, resource);
    if (r === undefined) throw new Error(`security: no registry for ${group}/${resource}`);
    return r;
  };
  const read = (resource: string, namespace: string, name: string) =>
    getIfExists(registry(resource), namespace, name);
  const lookup: ServiceAccountTokenGetter = {
    getServiceAccount: (ns, name) => read('serviceaccounts', ns, name) as never,
    getPod: (ns, name) => read('pods', ns, name) as never,
    getSecret: (ns, name) => read('secrets', ns, name) as never,
    getNode: (name) => read('nodes', '', name) as never,
  };
  const signingKey =
    opts.serviceAccountKeyDir === undefined
      ? await generateSigningKey('RS256')
      : await loadOrCreateSigningKey(opts.serviceAccountKeyDir, 'RS256');
  const issuer = opts.serviceAccountIssuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
  const serviceAccountTokens = new ServiceAccountTokens({
    issuer,
    signingKey,
    lookup,
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
  const authenticators: TokenAuthenticator[] = [];
  if (opts.tokenAuthFile !== undefined) {
    authenticators.push(await StaticTokenFile.load(opts.tokenAuthFile));
  }
  authenticators.push(
    new BootstrapTokenAuthenticator(
      {
        getSecret: async (ns, name) =>
          (await read('secrets', ns, name)) as unknown as Secret | undefined,
      },
      opts.now,
    ),
    serviceAccountTokens,
  );
  const authenticator = new RequestAuthenticator(new BearerAuthenticator({ authenticators }));

  const source = new MirroredRbacSource(opts.storage, opts.scheme);
  const rbac = new RbacAuthorizer(source);
  // upstream --authorization-mode=Node,RBAC: kubelets are scoped to their node's objects.
  const nodeGraph = new NodeGraphFeed(opts.storage, opts.scheme);
  const authorizer = new AuthorizerChain([new NodeAuthorizer(nodeGraph.graph), rbac]);
  const rbacGroup = 'rbac.authorization.k8s.io';
  const clusterRoles = registry('clusterroles', rbacGroup);
  const aggregator = new ClusterRoleAggregator(source, clusterRoles, opts.onError);
  let started: Promise<void> | undefined;
  let openidDocs: OpenIDMetadata | undefined;
  const start = async (): Promise<void> => {
    await Promise.all([source.ready(), nodeGraph.ready()]);
    await reconcileBootstrapPolicy(source, {
      roles: registry('roles', rbacGroup),
      roleBindings: registry('rolebindings', rbacGroup),
      clusterRoles,
      clusterRoleBindings: registry('clusterrolebindings', rbacGroup),
      priorityClasses: registry('priorityclasses', 'scheduling.k8s.io'),
    });
    aggregator.trigger();
  };
  return {
    authenticator,
    authorizer,
    rbac,
    serviceAccountTokens,
    openid: (externalAddress) =>
      (openidDocs ??= newOpenIDMetadata(
        issuer,
        '',
        externalAddress,
        serviceAccountTokens.publicKeys(),
      )),
    tokenRequest: (namespace, name, body) =>
      tokenRequest({ namespace, name, body, tokens: serviceAccountTokens, lookup }),
    start: () => (started ??= start()),
    close: async () => {
      aggregator.stop();
      await Promise.all([source.close(), nodeGraph.close()]);
    },
  };
}
