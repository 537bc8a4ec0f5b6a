/**
 * Admission for the registries: dynamic webhooks (./webhooks) fed by in-process mirrors of
 * the webhook configurations and namespaces. Built-in admission plugins (quotas, limits, pod
 * security, ...) join here with the security issue.
 */
import type {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { AuthorizationAttributes, Decision, RuleResolver, Scheme } from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';
import type { AdmissionRequest, ResourceRegistry } from '../registry/registry.ts';
import { ResourceMirror, resourcePrefix } from '../mirror.ts';
import { WebhookAdmission } from './webhooks/index.ts';
import { BuiltinAdmission } from './builtin.ts';
import type { AdmissionAttributes, ServiceEndpoint } from './webhooks/index.ts';

/** What the admission chain needs from the server. */
export interface AdmissionDeps {
  storage: Storage;
  scheme: Scheme;
  /** The registry of a built-in resource, for Service and Endpoints lookups. */
  registry(group: string, version: string, resource: string): ResourceRegistry | undefined;
  /** Scheme defaulting, re-applied after a webhook's patch (as upstream). */
  setDefaults(obj: StoredObject): void;
  /** A namespace as the server's namespace watch cache holds it (for namespaceSelector). */
  getNamespace(name: string): StoredObject | undefined;
  /** The authorizer chain and RBAC's rule resolver (RBAC escalation checks). */
  authorize?: (attrs: AuthorizationAttributes) => Decision;
  rules?: RuleResolver;
}

/** The registries' admission hooks plus their lifecycle. */
export interface Admission {
  admitMutating(req: AdmissionRequest): Promise<StoredObject | undefined>;
  admitValidating(req: AdmissionRequest): Promise<void>;
  /** Resolves once the plugins' mirrors hold the stored state. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the mirrors and returns the hooks. Requests with no webhook configured cost a length check. */
export function newAdmission(deps: AdmissionDeps): Admission {
  const { scheme } = deps;
  const mutating = new ResourceMirror(
    deps.storage,
    resourcePrefix(scheme, 'admissionregistration.k8s.io', 'mutatingwebhookconfigurations'),
  );
  const validating = new ResourceMirror(
    deps.storage,
    resourcePrefix(scheme, 'admissionregistration.k8s.io', 'validatingwebhookconfigurations'),
  );

  const webhooks = new WebhookAdmission({
    mutatingConfigs: () => mutating.values() as unknown as readonly MutatingWebhookConfiguration[],
    validatingConfigs: () =>
      validating.values() as unknown as readonly ValidatingWebhookConfiguration[],
    getNamespace: (name) => deps.getNamespace(name) as Namespace | undefined,
    resolveService: (namespace, name, port) => resolveService(deps, namespace, name, port),
    equivalentResources: (gvr, subresource) =>
      scheme.versionsOf({ group: gvr.group, resource: gvr.resource }).map((info) => {
        const sub = info.subresources.find((s) => s.name === subresource);
        return {
          resource: { group: info.group, version: info.version, resource: info.resource },
          kind:
            sub === undefined
              ? { group: info.group, version: info.version, kind: info.kind }
              : { group: sub.group, version: sub.version, kind: sub.kind },
        };
      }),
    defaulter: (obj) => {
      deps.setDefaults(obj);
    },
  });

  const attributes = (req: AdmissionRequest, object?: StoredObject): AdmissionAttributes => {
    const { info } = req;
    const sub =
      req.subresource === ''
        ? undefined
        : info.subresources.find((s) => s.name === req.subresource);
    return {
      operation: req.operation,
      resource: { group: info.group, version: info.version, resource: info.resource },
      subresource: req.subresource,
      kind:
        sub === undefined
          ? { group: info.group, version: info.version, kind: info.kind }
          : { group: sub.group, version: sub.version, kind: sub.kind },
      name: req.name,
      // For a namespace object itself, upstream sets the namespace to its name.
      namespace: info.group === '' && info.resource === 'namespaces' ? req.name : req.namespace,
      object: object,
      oldObject: req.oldObject,
      options: req.opts.admissionOptions,
      dryRun: req.opts.dryRun,
      userInfo: {
        username: req.opts.user.username,
        groups: req.opts.user.groups,
        ...(req.opts.user.uid === undefined ? {} : { uid: req.opts.user.uid }),
        ...(req.opts.user.extra === undefined ? {} : { extra: req.opts.user.extra }),
      },
      signal: req.opts.signal?.(),
    };
  };

  const builtin = new BuiltinAdmission({
    storage: deps.storage,
    scheme,
    registry: (group, version, resource) => deps.registry(group, version, resource),
    getNamespace: (name) => deps.getNamespace(name),
    ...(deps.authorize === undefined ? {} : { authorize: deps.authorize }),
    ...(deps.rules === undefined ? {} : { rules: deps.rules }),
  });

  return {
    async admitMutating(req) {
      const object = await builtin.mutate(req, req.object);
      if (mutating.values().length === 0) return object;
      const result = await webhooks.admitMutating(attributes(req, object));
      for (const w of result.warnings) req.opts.warn?.(w);
      annotate(req, result.auditAnnotations);
      return result.object ?? object;
    },
    async admitValidating(req) {
      await builtin.validate(req, req.object, req.opts.warn);
      if (validating.values().length > 0) {
        const result = await webhooks.admitValidating(attributes(req, req.object));
        for (const w of result.warnings) req.opts.warn?.(w);
        annotate(req, result.auditAnnotations);
      }
      await builtin.chargeQuota(req, req.object);
    },
    ready: () => builtin.ready(),
    async close() {
      webhooks.close();
      await Promise.all([mutating.close(), validating.close(), builtin.close()]);
    },
  };
}

/**
 * Copies admission audit annotations (webhooks' `<webhook>/<key>`, `mutation.webhook...`) into
 * the request's audit event.
 */
function annotate(req: AdmissionRequest, annotations: Readonly<Record<string, string>>): void {
  const add = req.opts.addAuditAnnotation;
  if (add === undefined) return;
  for (const [k, v] of Object.entries(annotations)) add(k, v);
}

/**
 * A webhook Service's address through its Endpoints (as kube-apiserver with
 * `--enable-aggregator-routing`): there is no Service proxy inside the API server, and the
 * cluster IP would need kube-proxy on this host.
 */
async function resolveService(
  deps: AdmissionDeps,
  namespace: string,
  name: string,
  port: number,
): Promise<ServiceEndpoint | Error> {
  const services = deps.registry('', 'v1', 'services');
  const endpoints = deps.registry('', 'v1', 'endpoints');
  if (services === undefined || endpoints === undefined) return new Error('no service registry');
  let svc: StoredObject;
  try {
    svc = await services.get(namespace, name);
  } catch {
    return new Error(`service "${name}" not found`);
  }
  const ports =
    (
      svc['spec'] as
        { ports?: { name?: string; port: number; targetPort?: number | string }[] } | undefined
    )?.ports ?? [];
  const svcPort = ports.find((p) => p.port === port);
  if (svcPort === undefined)
    return new Error(`no service port ${String(port)} found for service "${name}"`);
  let ep: StoredObject;
  try {
    ep = await endpoints.get(namespace, name);
  } catch {
    return new Error(`endpoints "${name}" not found`);
  }
  const subsets = (ep['subsets'] ?? []) as {
    addresses?: { ip: string }[];
    ports?: { name?: string; port: number }[];
  }[];
  for (const subset of subsets) {
    const p = (subset.ports ?? []).find((x) => (x.name ?? '') === (svcPort.name ?? ''));
    const addr = subset.addresses?.[0];
    if (p !== undefined && addr !== undefined) return { host: addr.ip, port: p.port };
  }
  return new Error(`service "${name}" does not have ready endpoints`);
}
