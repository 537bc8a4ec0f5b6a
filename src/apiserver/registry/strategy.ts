/**
 * Per-resource behaviour of the generic registry (Kubernetes' RESTCreateStrategy /
 * RESTUpdateStrategy / RESTDeleteStrategy, reduced to what differs between resources).
 * The generic registry (registry.ts) applies it; everything common lives there.
 */
import type { CustomResourceDefinition, ResourceInfo, ValidateNameFunc } from '../../api/index.ts';
import {
  newForbidden,
  prepareCrdForCreate,
  nameIsDNSLabel,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
  validatePathSegmentName,
} from '../../api/index.ts';
import type { FieldError } from '../../api/index.ts';
import type { StoredObject } from '../../storage/index.ts';
import type { UserInfo } from '../user.ts';
import { csrStrategy } from './certificates.ts';

/** Keeps a CRD until its custom resources are deleted (upstream's cleanup finalizer). */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export interface ResourceStrategy {
  /** Validates metadata.name (and generateName as a prefix). */
  nameFn: ValidateNameFunc;
  /** metadata.generation is kept: set to 1 on create, bumped on spec changes. */
  hasGeneration: boolean;
  /** PUT on a missing object creates it (upstream AllowCreateOnUpdate). */
  allowCreateOnUpdate: boolean;
  /** A DELETE of a immediately-deleted object answers with the object instead of a Status. */
  returnDeletedObject: boolean;
  /**
   * Resets fields a client may not set on create (e.g. status). Mutates `obj`. `user` is the
   * requesting user (undefined for the server's own writes).
   */
  prepareForCreate(obj: StoredObject, user?: UserInfo): void;
  /**
   * Subresources updated like /status (PUT/PATCH of the whole object) besides status, scale and
   * finalize: the registry starts from the stored object with the new `status`, then calls
   * prepareForUpdate (e.g. CSR /approval).
   */
  updateSubresources?: readonly string[];
  /**
   * A kind's own PrepareForUpdate, after the registry's generic one: `obj` is the object to
   * store (already a copy), `subresource` the path it came through. Mutates `obj`.
   */
  prepareForUpdate?: (obj: StoredObject, old: StoredObject, subresource: string) => void;
  /** A kind's own validation on create, added to the hooks' (metadata excluded). */
  validate?: (obj: StoredObject) => FieldError[];
  /** A kind's own validation on update through `subresource`, added to the hooks'. */
  validateUpdate?: (obj: StoredObject, old: StoredObject, subresource: string) => FieldError[];
  /** Updates of the main resource keep the stored status (it changes only through /status). */
  statusFromSubresource: boolean;
  /** Updates of the main resource keep spec.finalizers (namespaces: only through /finalize). */
  specFinalizersFromSubresource: boolean;
  /** Throws to refuse deleting `name` (e.g. the system namespaces). */
  checkDelete(name: string): void;
  /**
   * Seconds of graceful deletion for this object (pods bound to a node); 0 deletes at once
   * unless finalizers or `markForDeletion` keep it.
   */
  gracePeriodSeconds(obj: StoredObject, requested: number | undefined): number;
  /**
   * Always delete by marking (deletionTimestamp) and let an owner finish, changing the object
   * as given (namespaces go Terminating). Undefined for ordinary resources.
   */
  markForDeletion?: (obj: StoredObject) => void;
}

const hasStatus = (info: ResourceInfo): boolean =>
  info.subresources.some((s) => s.name === 'status');

/** Upstream registries whose strategy maintains metadata.generation (1.32). */
const GENERATION = new Set([
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  '/replicationcontrollers',
  'networking.k8s.io/networkpolicies',
  'networking.k8s.io/ingresses',
  'networking.k8s.io/ingressclasses',
  'policy/poddisruptionbudgets',
  'autoscaling/horizontalpodautoscalers',
  'apiextensions.k8s.io/customresourcedefinitions',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
]);

/** Name validation per resource (upstream ValidateXName); DNS subdomain otherwise. */
const NAME_FN: Record<string, ValidateNameFunc> = {
  '/namespaces': nameIsDNSLabel,
  '/services': nameIsDNS1035Label,
  '/replicationcontrollers': nameIsDNSSubdomain,
  'rbac.authorization.k8s.io/roles': validatePathSegmentName,
  'rbac.authorization.k8s.io/rolebindings': validatePathSegmentName,
  'rbac.authorization.k8s.io/clusterroles': validatePathSegmentName,
  'rbac.authorization.k8s.io/clusterrolebindings': validatePathSegmentName,
  'apps/statefulsets': nameIsDNSLabel,
  // upstream ValidateCertificateRequestName accepts any name a path segment can carry.
  'certificates.k8s.io/certificatesigningrequests': validatePathSegmentName,
};

const ALLOW_CREATE_ON_UPDATE = new Set([
  '/endpoints',
  '/events',
  'events.k8s.io/events',
  'coordination.k8s.io/leases',
  'discovery.k8s.io/endpointslices',
  'rbac.authorization.k8s.io/roles',
  'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterroles',
  'rbac.authorization.k8s.io/clusterrolebindings',
  'apps/controllerrevisions',
  '/limitranges',
]);

type Container = {
  resources?: {
    requests?: Record<string, string | number>;
    limits?: Record<string, string | number>;
  };
};

/** Pod QoS class (upstream pkg/apis/core/helper/qos GetPodQOS, simplified to cpu and memory). */
export function podQOSClass(pod: StoredObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = (pod['spec'] ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const req: Record<string, string | number> = c.resources?.requests ?? {};
    const lim: Record<string, string | number> = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Namespaces that cannot be deleted (upstream's NamespaceLifecycle immortal namespaces). */
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Grace period of a pod deletion: 0 (immediate) for unbound or finished pods, as upstream. */
function podGracePeriod(pod: StoredObject, requested: number | undefined): number {
  const spec = (pod['spec'] ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const status = (pod['status'] ?? {}) as { phase?: string };
  if ((spec.nodeName ?? '') === '') return 0;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return 0;
  return Math.max(0, requested ?? spec.terminationGracePeriodSeconds ?? 30);
}

/** The strategy of a built-in resource. */
export function strategyFor(info: ResourceInfo): ResourceStrategy {
  const gr = `${info.group}/${info.resource}`;
  const status = hasStatus(info);
  return {
    nameFn: NAME_FN[gr] ?? nameIsDNSSubdomain,
    hasGeneration: GENERATION.has(gr),
    allowCreateOnUpdate: ALLOW_CREATE_ON_UPDATE.has(gr),
    returnDeletedObject: gr === '/pods',
    statusFromSubresource: status && gr !== '/nodes',
    specFinalizersFromSubresource: gr === '/namespaces',
    checkDelete(name) {
      if (gr === '/namespaces' && IMMORTAL_NAMESPACES.has(name)) {
        throw newForbidden(
          { group: '', resource: 'namespaces' },
          name,
          'this namespace may not be deleted',
        );
      }
    },
    gracePeriodSeconds: (obj, requested) => (gr === '/pods' ? podGracePeriod(obj, requested) : 0),
    ...(gr === '/namespaces'
      ? {
          markForDeletion: (obj: StoredObject) => {
            obj['status'] = { ...(obj['status'] ?? {}), phase: 'Terminating' };
          },
        }
      : {}),
    ...(gr === 'certificates.k8s.io/certificatesigningrequests' ? csrStrategy : {}),
    prepareForCreate(obj, user) {
      if (gr === 'certificates.k8s.io/certificatesigningrequests') {
        csrStrategy.prepareForCreate(obj, user);
      } else if (gr === '/pods') {
        obj['status'] = { phase: 'Pending', qosClass: podQOSClass(obj) };
      } else if (gr === '/namespaces') {
        obj['spec'] = { finalizers: ['kubernetes'] };
        obj['status'] = { phase: 'Active' };
      } else if (gr === '/services') {
        obj['status'] = { loadBalancer: {} };
      } else if (gr === '/persistentvolumes' || gr === '/persistentvolumeclaims') {
        obj['status'] = { phase: 'Pending' };
      } else if (gr === 'apiextensions.k8s.io/customresourcedefinitions') {
        const crd = obj as unknown as CustomResourceDefinition;
        // A body without a spec object is rejected by validation right after.
        const spec: unknown = obj['spec'];
        if (spec !== null && typeof spec === 'object') prepareCrdForCreate(crd);
        // Custom resources are deleted before the CRD goes (see apiserver/crd).
        const meta = (obj.metadata ??= {});
        if (!(meta.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) {
          meta.finalizers = [...(meta.finalizers ?? []), CRD_CLEANUP_FINALIZER];
        }
      } else if (status && gr !== '/nodes') {
        // Workload status is written only by controllers through /status.
        delete obj['status'];
      }
    },
  };
}
