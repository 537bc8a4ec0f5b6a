/**
 * The built-in resource table of the scheme, taken from Kubernetes 1.32 discovery
 * (api/discovery/*.json and aggregated_v2.json upstream; `kubectl api-resources -o wide`):
 * names, short names, categories, scope, verbs and subresources with their kinds. Storage
 * prefixes follow the kube-apiserver etcd layout: `/registry/<resource>` with the overrides of
 * pkg/kubeapiserver/default_storage_factory_builder.go (SpecialDefaultResourcePrefixes) and
 * cohabitation (events.k8s.io events share core events), and `/registry/<group>/<resource>`
 * for what apiextensions-apiserver serves (CRDs and custom resources).
 *
 * Alpha/beta-only APIs, flowcontrol, apiregistration and ValidatingAdmissionPolicy are left
 * out: Skiff does not serve them (yet).
 */

/** The verbs of Kubernetes' authorization and discovery vocabulary. */
export type Verb =
  'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** A group and version, `''` being the core (legacy) group. */
export interface GroupVersion {
  readonly group: string;
  readonly version: string;
}

/** A fully qualified kind. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** A fully qualified resource (plural name). */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** A subresource (`pods/status`, `deployments/scale`, ...) as discovery describes it. */
export interface SubresourceInfo {
  /** The subresource name, e.g. `status`. */
  readonly name: string;
  /** Group, version and kind of the object the subresource accepts and returns. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Verbs in discovery order (alphabetical). */
  readonly verbs: readonly Verb[];
}

/** Everything the server and clients need to know about one resource in one version. */
export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** The plural resource name used in URLs, e.g. `pods`. */
  readonly resource: string;
  /** The singular name, e.g. `pod` (lower-case kind for built-ins). */
  readonly singular: string;
  readonly shortNames: readonly string[];
  /** Discovery categories, e.g. `all` (what `kubectl get all` expands). */
  readonly categories: readonly string[];
  readonly namespaced: boolean;
  /** Verbs in discovery order (alphabetical). */
  readonly verbs: readonly Verb[];
  /** Subresources, sorted by name. */
  readonly subresources: readonly SubresourceInfo[];
  /**
   * Storage key prefix without a trailing slash, e.g. `/registry/pods`; undefined for
   * resources that are never stored (bindings, access reviews, componentstatuses).
   */
  readonly storagePrefix: string | undefined;
  /** The version objects of this group-resource are stored as. */
  readonly storageVersion: string;
}

/** The root of every storage key (kube-apiserver's default `--etcd-prefix`). */
export const STORAGE_ROOT = '/registry';

/** Verbs of an ordinary CRUD resource. */
export const STANDARD_VERBS: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

const GET_PATCH_UPDATE: readonly Verb[] = ['get', 'patch', 'update'];
const CONNECT_VERBS: readonly Verb[] = ['create', 'get'];
const PROXY_VERBS: readonly Verb[] = ['create', 'delete', 'get', 'patch', 'update'];

interface SubresourceSpec {
  name: string;
  /** Defaults to the parent's group/version/kind. */
  group?: string;
  version?: string;
  kind?: string;
  verbs: readonly Verb[];
}

/** `<parent>/status`: the parent kind, get/patch/update. */
export function statusSubresource(): SubresourceSpec {
  return { name: 'status', verbs: GET_PATCH_UPDATE };
}

/** `<parent>/scale`: autoscaling/v1 Scale, get/patch/update. */
export function scaleSubresource(): SubresourceSpec {
  return {
    name: 'scale',
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
    verbs: GET_PATCH_UPDATE,
  };
}

/** The fields a table row or a CRD supplies; the rest is derived. */
export interface ResourceSpec {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  listKind?: string;
  singular?: string;
  shortNames?: readonly string[];
  categories?: readonly string[];
  verbs?: readonly Verb[];
  subresources?: readonly SubresourceSpec[];
  /** Full storage prefix; `null` for resources never stored; default `/registry/<resource>`. */
  storagePrefix?: string | null;
  /** Defaults to `version`. */
  storageVersion?: string;
}

/**
 * Builds a ResourceInfo from a spec: listKind `<Kind>List`, singular = lower-case kind,
 * standard verbs, `/registry/<resource>` storage, subresources sorted by name and defaulted
 * to the parent kind. Returns a new object owned by the caller.
 */
export function resourceInfo(spec: ResourceSpec): ResourceInfo {
  const subresources = (spec.subresources ?? [])
    .map((s): SubresourceInfo => ({
      name: s.name,
      group: s.group ?? spec.group,
      version: s.version ?? spec.version,
      kind: s.kind ?? spec.kind,
      verbs: [...s.verbs],
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    group: spec.group,
    version: spec.version,
    kind: spec.kind,
    listKind: spec.listKind ?? `${spec.kind}List`,
    resource: spec.resource,
    singular: spec.singular ?? spec.kind.toLowerCase(),
    shortNames: [...(spec.shortNames ?? [])],
    categories: [...(spec.categories ?? [])],
    namespaced: spec.namespaced,
    verbs: [...(spec.verbs ?? STANDARD_VERBS)],
    subresources,
    storagePrefix:
      spec.storagePrefix === null
        ? undefined
        : (spec.storagePrefix ?? `${STORAGE_ROOT}/${spec.resource}`),
    storageVersion: spec.storageVersion ?? spec.version,
  };
}

/** What a CustomResourceDefinition version contributes (see `customResourceInfo`). */
export interface CustomResourceSpec {
  group: string;
  version: string;
  kind: string;
  listKind?: string;
  plural: string;
  singular?: string;
  shortNames?: readonly string[];
  categories?: readonly string[];
  namespaced: boolean;
  /** `subresources.status` is set on this CRD version. */
  status?: boolean;
  /** `subresources.scale` is set on this CRD version. */
  scale?: boolean;
  /** The CRD version with `storage: true`. */
  storageVersion: string;
}

/**
 * A custom resource's ResourceInfo as apiextensions-apiserver serves it: standard verbs,
 * optional status/scale subresources, storage at `/registry/<group>/<plural>`.
 */
export function customResourceInfo(spec: CustomResourceSpec): ResourceInfo {
  const subresources: SubresourceSpec[] = [];
  if (spec.status === true) subresources.push(statusSubresource());
  if (spec.scale === true) subresources.push(scaleSubresource());
  const info: ResourceSpec = {
    group: spec.group,
    version: spec.version,
    kind: spec.kind,
    resource: spec.plural,
    namespaced: spec.namespaced,
    singular: spec.singular ?? spec.kind.toLowerCase(),
    subresources,
    storagePrefix: `${STORAGE_ROOT}/${spec.group}/${spec.plural}`,
    storageVersion: spec.storageVersion,
  };
  if (spec.listKind !== undefined) info.listKind = spec.listKind;
  if (spec.shortNames !== undefined) info.shortNames = spec.shortNames;
  if (spec.categories !== undefined) info.categories = spec.categories;
  return resourceInfo(info);
}

const ALL = ['all'];
const API_EXTENSIONS = ['api-extensions'];
const CREATE: readonly Verb[] = ['create'];

function core(spec: Omit<ResourceSpec, 'group' | 'version'>): ResourceSpec {
  return { group: '', version: 'v1', ...spec };
}

/**
 * The built-in resources, in the order upstream discovery lists them: the core group first,
 * then the named groups in kube-apiserver's group priority order; within a group the preferred
 * version first, and resources alphabetically.
 */
export const BUILTIN_RESOURCE_SPECS: readonly ResourceSpec[] = [
  // core/v1
  core({
    kind: 'Binding',
    resource: 'bindings',
    namespaced: true,
    verbs: CREATE,
    storagePrefix: null,
  }),
  core({
    kind: 'ComponentStatus',
    resource: 'componentstatuses',
    namespaced: false,
    shortNames: ['cs'],
    verbs: ['get', 'list'],
    storagePrefix: null,
  }),
  core({ kind: 'ConfigMap', resource: 'configmaps', namespaced: true, shortNames: ['cm'] }),
  core({
    kind: 'Endpoints',
    resource: 'endpoints',
    namespaced: true,
    shortNames: ['ep'],
    listKind: 'EndpointsList',
    storagePrefix: `${STORAGE_ROOT}/services/endpoints`,
  }),
  core({ kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'] }),
  core({ kind: 'LimitRange', resource: 'limitranges', namespaced: true, shortNames: ['limits'] }),
  core({
    kind: 'Namespace',
    resource: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [{ name: 'finalize', verbs: ['update'] }, statusSubresource()],
  }),
  core({
    kind: 'Node',
    resource: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    subresources: [
      { name: 'proxy', kind: 'NodeProxyOptions', verbs: PROXY_VERBS },
      statusSubresource(),
    ],
    storagePrefix: `${STORAGE_ROOT}/minions`,
  }),
  core({
    kind: 'PersistentVolumeClaim',
    resource: 'persistentvolumeclaims',
    namespaced: true,
    shortNames: ['pvc'],
    subresources: [statusSubresource()],
  }),
  core({
    kind: 'PersistentVolume',
    resource: 'persistentvolumes',
    namespaced: false,
    shortNames: ['pv'],
    subresources: [statusSubresource()],
  }),
  core({
    kind: 'Pod',
    resource: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ALL,
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: CONNECT_VERBS },
      { name: 'binding', kind: 'Binding', verbs: CREATE },
      { name: 'ephemeralcontainers', verbs: GET_PATCH_UPDATE },
      { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: CREATE },
      { name: 'exec', kind: 'PodExecOptions', verbs: CONNECT_VERBS },
      { name: 'log', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: CONNECT_VERBS },
      { name: 'proxy', kind: 'PodProxyOptions', verbs: PROXY_VERBS },
      statusSubresource(),
    ],
  }),
  core({ kind: 'PodTemplate', resource: 'podtemplates', namespaced: true }),
  core({
    kind: 'ReplicationController',
    resource: 'replicationcontrollers',
    namespaced: true,
    shortNames: ['rc'],
    categories: ALL,
    subresources: [scaleSubresource(), statusSubresource()],
    storagePrefix: `${STORAGE_ROOT}/controllers`,
  }),
  core({
    kind: 'ResourceQuota',
    resource: 'resourcequotas',
    namespaced: true,
    shortNames: ['quota'],
    subresources: [statusSubresource()],
  }),
  core({ kind: 'Secret', resource: 'secrets', namespaced: true }),
  core({
    kind: 'ServiceAccount',
    resource: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    subresources: [
      {
        name: 'token',
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: CREATE,
      },
    ],
  }),
  core({
    kind: 'Service',
    resource: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ALL,
    subresources: [
      { name: 'proxy', kind: 'ServiceProxyOptions', verbs: PROXY_VERBS },
      statusSubresource(),
    ],
    storagePrefix: `${STORAGE_ROOT}/services/specs`,
  }),

  // apps/v1
  ...[
    { kind: 'ControllerRevision', resource: 'controllerrevisions' },
    {
      kind: 'DaemonSet',
      resource: 'daemonsets',
      shortNames: ['ds'],
      categories: ALL,
      subresources: [statusSubresource()],
    },
    {
      kind: 'Deployment',
      resource: 'deployments',
      shortNames: ['deploy'],
      categories: ALL,
      subresources: [scaleSubresource(), statusSubresource()],
    },
    {
      kind: 'ReplicaSet',
      resource: 'replicasets',
      shortNames: ['rs'],
      categories: ALL,
      subresources: [scaleSubresource(), statusSubresource()],
    },
    {
      kind: 'StatefulSet',
      resource: 'statefulsets',
      shortNames: ['sts'],
      categories: ALL,
      subresources: [scaleSubresource(), statusSubresource()],
    },
  ].map((r): ResourceSpec => ({ group: 'apps', version: 'v1', namespaced: true, ...r })),

  // events.k8s.io/v1: cohabits with core events in storage.
  {
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    resource: 'events',
    namespaced: true,
    shortNames: ['ev'],
    storagePrefix: `${STORAGE_ROOT}/events`,
  },

  // authentication.k8s.io/v1
  ...[
    { kind: 'SelfSubjectReview', resource: 'selfsubjectreviews' },
    { kind: 'TokenReview', resource: 'tokenreviews' },
  ].map((r): ResourceSpec => ({
    group: 'authentication.k8s.io',
    version: 'v1',
    namespaced: false,
    verbs: CREATE,
    storagePrefix: null,
    ...r,
  })),

  // authorization.k8s.io/v1
  ...[
    { kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', namespaced: true },
    { kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', namespaced: false },
    { kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', namespaced: false },
    { kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', namespaced: false },
  ].map((r): ResourceSpec => ({
    group: 'authorization.k8s.io',
    version: 'v1',
    verbs: CREATE,
    storagePrefix: null,
    ...r,
  })),

  // autoscaling: v2 preferred and stored, v1 still served.
  ...['v2', 'v1'].map((version): ResourceSpec => ({
    group: 'autoscaling',
    version,
    kind: 'HorizontalPodAutoscaler',
    resource: 'horizontalpodautoscalers',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ALL,
    subresources: [statusSubresource()],
    storageVersion: 'v2',
  })),

  // batch/v1
  {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    resource: 'cronjobs',
    namespaced: true,
    shortNames: ['cj'],
    categories: ALL,
    subresources: [statusSubresource()],
  },
  {
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    resource: 'jobs',
    namespaced: true,
    categories: ALL,
    subresources: [statusSubresource()],
  },

  // certificates.k8s.io/v1
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    kind: 'CertificateSigningRequest',
    resource: 'certificatesigningrequests',
    namespaced: false,
    shortNames: ['csr'],
    subresources: [{ name: 'approval', verbs: GET_PATCH_UPDATE }, statusSubresource()],
  },

  // networking.k8s.io/v1
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    resource: 'ingressclasses',
    namespaced: false,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    resource: 'ingresses',
    namespaced: true,
    shortNames: ['ing'],
    subresources: [statusSubresource()],
    storagePrefix: `${STORAGE_ROOT}/ingress`,
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    resource: 'networkpolicies',
    namespaced: true,
    shortNames: ['netpol'],
  },

  // policy/v1
  {
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    resource: 'poddisruptionbudgets',
    namespaced: true,
    shortNames: ['pdb'],
    subresources: [statusSubresource()],
  },

  // rbac.authorization.k8s.io/v1
  ...[
    { kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false },
    { kind: 'ClusterRole', resource: 'clusterroles', namespaced: false },
    { kind: 'RoleBinding', resource: 'rolebindings', namespaced: true },
    { kind: 'Role', resource: 'roles', namespaced: true },
  ].map((r): ResourceSpec => ({ group: 'rbac.authorization.k8s.io', version: 'v1', ...r })),

  // storage.k8s.io/v1
  ...[
    { kind: 'CSIDriver', resource: 'csidrivers', namespaced: false },
    { kind: 'CSINode', resource: 'csinodes', namespaced: false },
    { kind: 'CSIStorageCapacity', resource: 'csistoragecapacities', namespaced: true },
    { kind: 'StorageClass', resource: 'storageclasses', namespaced: false, shortNames: ['sc'] },
    {
      kind: 'VolumeAttachment',
      resource: 'volumeattachments',
      namespaced: false,
      subresources: [statusSubresource()],
    },
  ].map((r): ResourceSpec => ({ group: 'storage.k8s.io', version: 'v1', ...r })),

  // admissionregistration.k8s.io/v1
  ...[
    { kind: 'MutatingWebhookConfiguration', resource: 'mutatingwebhookconfigurations' },
    { kind: 'ValidatingWebhookConfiguration', resource: 'validatingwebhookconfigurations' },
  ].map((r): ResourceSpec => ({
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    namespaced: false,
    categories: API_EXTENSIONS,
    ...r,
  })),

  // apiextensions.k8s.io/v1: served by apiextensions-apiserver, hence the group in the prefix.
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    resource: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: API_EXTENSIONS,
    subresources: [statusSubresource()],
    storagePrefix: `${STORAGE_ROOT}/apiextensions.k8s.io/customresourcedefinitions`,
  },

  // scheduling.k8s.io/v1
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    kind: 'PriorityClass',
    resource: 'priorityclasses',
    namespaced: false,
    shortNames: ['pc'],
  },

  // coordination.k8s.io/v1
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    resource: 'leases',
    namespaced: true,
  },

  // node.k8s.io/v1
  {
    group: 'node.k8s.io',
    version: 'v1',
    kind: 'RuntimeClass',
    resource: 'runtimeclasses',
    namespaced: false,
  },

  // discovery.k8s.io/v1
  {
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    resource: 'endpointslices',
    namespaced: true,
  },
];
