// Scheme defaulting for the built-in types (Kubernetes 1.32): what upstream's registered
// defaulters do to an object decoded from a request body, before admission and validation.
//
// Not here, because upstream does them in the registry strategies (PrepareForCreate /
// Canonicalize) or in admission, not in defaulters; the API server must do them itself:
// - Namespace spec.finalizers [kubernetes] (namespace strategy PrepareForCreate) and the
//   kubernetes.io/metadata.name label for generateName namespaces (Canonicalize).
// - Service clusterIP/clusterIPs, ipFamilies, ipFamilyPolicy, nodePorts, healthCheckNodePort
//   (allocated by the service REST storage on create).
// - Pod status.phase Pending and qosClass, Pod priority/preemptionPolicy (Priority admission),
//   serviceAccountName/token volume (ServiceAccount admission), default tolerations
//   (DefaultTolerationSeconds admission), PVC storageClassName (DefaultStorageClass admission).
// - Job selector and the controller-uid/job-name labels (job strategy PrepareForCreate).
// - metadata: uid, creationTimestamp, generation, resourceVersion, managedFields.
// - Go's wire form of zero-valued structs (`resources: {}`, template `creationTimestamp: null`,
//   `status: {}`): see ./wire-zero.ts.
import {
  setDaemonSetDefaults,
  setDeploymentDefaults,
  setReplicaSetDefaults,
  setStatefulSetDefaults,
} from './apps.ts';
import {
  setHorizontalPodAutoscalerV1Defaults,
  setHorizontalPodAutoscalerV2Defaults,
} from './autoscaling.ts';
import { setCronJobDefaults, setJobDefaults } from './batch.ts';
import {
  setEndpointsDefaults,
  setLimitRangeDefaults,
  setNamespaceDefaults,
  setNodeDefaults,
  setPersistentVolumeClaimDefaults,
  setPersistentVolumeDefaults,
  setPodDefaults,
  setPodTemplateDefaults,
  setReplicationControllerDefaults,
  setResourceQuotaDefaults,
  setSecretDefaults,
  setServiceDefaults,
} from './core.ts';
import { setEndpointSliceDefaults } from './discovery.ts';
import { setIngressClassDefaults, setNetworkPolicyDefaults } from './networking.ts';
import { setRoleBindingDefaults } from './rbac.ts';
import { setPriorityClassDefaults } from './scheduling.ts';
import {
  setCSIDriverDefaults,
  setStorageClassDefaults,
  setVolumeAttachmentDefaults,
} from './storage.ts';
import { isObject } from './walk.ts';
import { setCustomResourceDefinitionDefaults } from '../validation/types/apiextensions.ts';
import type { CustomResourceDefinition } from '../crd/index.ts';
import {
  setMutatingWebhookConfigurationDefaults,
  setValidatingWebhookConfigurationDefaults,
} from '../validation/types/admissionregistration.ts';
import type { JsonObject } from './walk.ts';

export { defaultPullPolicy, parseImageName } from './image.ts';
export type { ImageName } from './image.ts';
export {
  setContainerDefaults,
  setPersistentVolumeClaimSpecDefaults,
  setPodSpecDefaults,
  setPodTemplateSpecDefaults,
  setVolumeDefaults,
} from './core.ts';
export { setWireZeroValues } from './wire-zero.ts';

/** A defaulter: mutates a decoded object of one apiVersion/kind in place; idempotent. */
export type Defaulter = (obj: JsonObject) => void;

const defaulters: ReadonlyMap<string, Defaulter> = new Map<string, Defaulter>([
  [
    'apiextensions.k8s.io/v1 CustomResourceDefinition',
    (o) => {
      setCustomResourceDefinitionDefaults(o as unknown as CustomResourceDefinition);
    },
  ],
  [
    'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration',
    (o) => {
      setMutatingWebhookConfigurationDefaults(o);
    },
  ],
  [
    'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration',
    (o) => {
      setValidatingWebhookConfigurationDefaults(o);
    },
  ],
  ['v1 Pod', setPodDefaults],
  ['v1 PodTemplate', setPodTemplateDefaults],
  ['v1 ReplicationController', setReplicationControllerDefaults],
  ['v1 Service', setServiceDefaults],
  ['v1 Endpoints', setEndpointsDefaults],
  ['v1 Namespace', setNamespaceDefaults],
  ['v1 Node', setNodeDefaults],
  ['v1 PersistentVolume', setPersistentVolumeDefaults],
  ['v1 PersistentVolumeClaim', setPersistentVolumeClaimDefaults],
  ['v1 Secret', setSecretDefaults],
  ['v1 LimitRange', setLimitRangeDefaults],
  ['v1 ResourceQuota', setResourceQuotaDefaults],
  ['apps/v1 Deployment', setDeploymentDefaults],
  ['apps/v1 ReplicaSet', setReplicaSetDefaults],
  ['apps/v1 StatefulSet', setStatefulSetDefaults],
  ['apps/v1 DaemonSet', setDaemonSetDefaults],
  ['batch/v1 Job', setJobDefaults],
  ['batch/v1 CronJob', setCronJobDefaults],
  ['networking.k8s.io/v1 NetworkPolicy', setNetworkPolicyDefaults],
  ['networking.k8s.io/v1 IngressClass', setIngressClassDefaults],
  ['rbac.authorization.k8s.io/v1 RoleBinding', setRoleBindingDefaults],
  ['rbac.authorization.k8s.io/v1 ClusterRoleBinding', setRoleBindingDefaults],
  ['storage.k8s.io/v1 StorageClass', setStorageClassDefaults],
  ['storage.k8s.io/v1 CSIDriver', setCSIDriverDefaults],
  ['storage.k8s.io/v1 VolumeAttachment', setVolumeAttachmentDefaults],
  ['scheduling.k8s.io/v1 PriorityClass', setPriorityClassDefaults],
  ['autoscaling/v2 HorizontalPodAutoscaler', setHorizontalPodAutoscalerV2Defaults],
  ['autoscaling/v1 HorizontalPodAutoscaler', setHorizontalPodAutoscalerV1Defaults],
  ['discovery.k8s.io/v1 EndpointSlice', setEndpointSliceDefaults],
]);

/**
 * The defaulter registered for apiVersion/kind, or undefined when upstream registers none
 * with a visible effect (e.g. ServiceAccount, Event, Lease, Role, PodDisruptionBudget, Ingress).
 * ConfigMap is absent on purpose: upstream sets `data` to an empty map, which the wire form
 * omits, so defaulting it would only add a `data: {}` that a real cluster never shows.
 */
export function defaulterFor(apiVersion: string, kind: string): Defaulter | undefined {
  return defaulters.get(`${apiVersion} ${kind}`);
}

/**
 * Applies upstream's scheme defaults to `obj` in place, chosen by obj.apiVersion and obj.kind
 * (a `<Kind>List` defaults each of its items as `<Kind>`). Only unset fields are filled, with two
 * upstream exceptions: a Namespace's `kubernetes.io/metadata.name` label is forced to its name,
 * and a Service with sessionAffinity None loses sessionAffinityConfig. Idempotent: a second call
 * changes nothing. Unknown kinds, and fields of the wrong JSON type, are left alone for
 * validation to report. Default values are fresh objects, never shared with other objects.
 */
export function setDefaults(obj: Record<string, unknown>): void {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
  const defaulter = defaulterFor(apiVersion, kind);
  if (defaulter !== undefined) {
    defaulter(obj);
    return;
  }
  if (kind.endsWith('List') && Array.isArray(obj['items'])) {
    const itemDefaulter = defaulterFor(apiVersion, kind.slice(0, -'List'.length));
    if (itemDefaulter === undefined) return;
    for (const item of obj['items']) {
      if (isObject(item)) itemDefaulter(item);
    }
  }
}
