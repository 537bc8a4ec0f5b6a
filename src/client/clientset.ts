/**
 * Typed clients for the built-in resources (client-go's Clientset), over any transport: the
 * real one (./rest) or the fake (./fake). `resource(gvr)` reaches any other resource, custom
 * resources included.
 */
import type {
  ConfigMap,
  Endpoints,
  Event as CoreEvent,
  LimitRange,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  ReplicaSet,
  StatefulSet,
} from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { Event as EventV1 } from 'kubernetes-types/events/v1.js';
import type { GroupVersionResource, KubeObject, ResourceClient } from './types.ts';

/** Makes the client of one resource (the transport's factory). */
export type ResourceClientFactory = <T extends KubeObject>(
  gvr: GroupVersionResource,
) => ResourceClient<T>;

const gvr = (group: string, version: string, resource: string): GroupVersionResource =>
  Object.freeze({ group, version, resource });

/** The built-in resources with a typed accessor, and their wire types. */
export const BUILTIN_RESOURCES = {
  pods: gvr('', 'v1', 'pods'),
  nodes: gvr('', 'v1', 'nodes'),
  namespaces: gvr('', 'v1', 'namespaces'),
  services: gvr('', 'v1', 'services'),
  endpoints: gvr('', 'v1', 'endpoints'),
  configMaps: gvr('', 'v1', 'configmaps'),
  secrets: gvr('', 'v1', 'secrets'),
  serviceAccounts: gvr('', 'v1', 'serviceaccounts'),
  coreEvents: gvr('', 'v1', 'events'),
  persistentVolumes: gvr('', 'v1', 'persistentvolumes'),
  persistentVolumeClaims: gvr('', 'v1', 'persistentvolumeclaims'),
  replicationControllers: gvr('', 'v1', 'replicationcontrollers'),
  resourceQuotas: gvr('', 'v1', 'resourcequotas'),
  limitRanges: gvr('', 'v1', 'limitranges'),
  podTemplates: gvr('', 'v1', 'podtemplates'),
  deployments: gvr('apps', 'v1', 'deployments'),
  replicaSets: gvr('apps', 'v1', 'replicasets'),
  statefulSets: gvr('apps', 'v1', 'statefulsets'),
  daemonSets: gvr('apps', 'v1', 'daemonsets'),
  controllerRevisions: gvr('apps', 'v1', 'controllerrevisions'),
  jobs: gvr('batch', 'v1', 'jobs'),
  cronJobs: gvr('batch', 'v1', 'cronjobs'),
  endpointSlices: gvr('discovery.k8s.io', 'v1', 'endpointslices'),
  leases: gvr('coordination.k8s.io', 'v1', 'leases'),
  priorityClasses: gvr('scheduling.k8s.io', 'v1', 'priorityclasses'),
  podDisruptionBudgets: gvr('policy', 'v1', 'poddisruptionbudgets'),
  events: gvr('events.k8s.io', 'v1', 'events'),
} as const;

/** Typed clients of the built-in resources, plus `resource(gvr)` for the rest. */
export interface Clientset {
  resource<T extends KubeObject>(gvr: GroupVersionResource): ResourceClient<T>;
  readonly pods: ResourceClient<Pod>;
  readonly nodes: ResourceClient<Node>;
  readonly namespaces: ResourceClient<Namespace>;
  readonly services: ResourceClient<Service>;
  readonly endpoints: ResourceClient<Endpoints>;
  readonly configMaps: ResourceClient<ConfigMap>;
  readonly secrets: ResourceClient<Secret>;
  readonly serviceAccounts: ResourceClient<ServiceAccount>;
  readonly coreEvents: ResourceClient<CoreEvent>;
  readonly persistentVolumes: ResourceClient<PersistentVolume>;
  readonly persistentVolumeClaims: ResourceClient<PersistentVolumeClaim>;
  readonly replicationControllers: ResourceClient<ReplicationController>;
  readonly resourceQuotas: ResourceClient<ResourceQuota>;
  readonly limitRanges: ResourceClient<LimitRange>;
  readonly podTemplates: ResourceClient<PodTemplate>;
  readonly deployments: ResourceClient<Deployment>;
  readonly replicaSets: ResourceClient<ReplicaSet>;
  readonly statefulSets: ResourceClient<StatefulSet>;
  readonly daemonSets: ResourceClient<DaemonSet>;
  readonly controllerRevisions: ResourceClient<ControllerRevision>;
  readonly jobs: ResourceClient<Job>;
  readonly cronJobs: ResourceClient<CronJob>;
  readonly endpointSlices: ResourceClient<EndpointSlice>;
  readonly leases: ResourceClient<Lease>;
  readonly priorityClasses: ResourceClient<PriorityClass>;
  readonly podDisruptionBudgets: ResourceClient<PodDisruptionBudget>;
  readonly events: ResourceClient<EventV1>;
}

/** A Clientset whose clients `factory` makes (once per resource, lazily). */
export function newClientset(factory: ResourceClientFactory): Clientset {
  const made = new Map<string, ResourceClient<KubeObject>>();
  const resource = <T extends KubeObject>(r: GroupVersionResource): ResourceClient<T> => {
    const key = `${r.group}/${r.version}/${r.resource}`;
    let c = made.get(key);
    if (c === undefined) {
      c = factory<KubeObject>(r);
      made.set(key, c);
    }
    return c as unknown as ResourceClient<T>;
  };
  const cs: Record<string, unknown> = { resource };
  for (const [name, r] of Object.entries(BUILTIN_RESOURCES)) {
    Object.defineProperty(cs, name, { get: () => resource(r), enumerable: true });
  }
  return cs as unknown as Clientset;
}
