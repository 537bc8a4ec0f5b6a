/**
 * Validation of the built-in types beyond their metadata (which the API server checks with
 * validateObjectMeta / validateObjectMetaUpdate), ported from Kubernetes 1.32's
 * pkg/apis/<group>/validation packages and the immutability rules of the registry strategies.
 *
 * Entry points take decoded, defaulted objects as plain JSON and return `FieldError[]` in
 * upstream's order with upstream's paths and messages. They never mutate their inputs, except
 * {@link prepareJob}, which is a strategy step, not a validator. Unknown kinds give [].
 */
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type {
  ConfigMap,
  Endpoints,
  Event as CoreEvent,
  LimitRange,
  Namespace,
  Node,
  PersistentVolumeClaim,
  Pod,
  PodTemplate,
  ReplicationController,
  ResourceQuota,
  Secret,
  Service,
} from 'kubernetes-types/core/v1.js';
import type { HorizontalPodAutoscaler as HpaV1 } from 'kubernetes-types/autoscaling/v1.js';
import type { HorizontalPodAutoscaler as HpaV2 } from 'kubernetes-types/autoscaling/v2.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Event as EventsV1Event } from 'kubernetes-types/events/v1.js';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Ingress, IngressClass, NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
} from 'kubernetes-types/rbac/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import type {
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
} from 'kubernetes-types/admissionregistration/v1.js';
import {
  validateMutatingWebhookConfiguration,
  validateMutatingWebhookConfigurationUpdate,
  validateValidatingWebhookConfiguration,
  validateValidatingWebhookConfigurationUpdate,
} from './admissionregistration.ts';
import type { CustomResourceDefinition } from '../../crd/index.ts';
import {
  validateCustomResourceDefinition,
  validateCustomResourceDefinitionStatusUpdate,
  validateCustomResourceDefinitionUpdate,
} from './apiextensions.ts';
import { invalid, newPath } from '../field-errors.ts';
import type { FieldError } from '../field-errors.ts';
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetUpdate,
  validateStatefulSet,
  validateStatefulSetUpdate,
  validateWorkloadStatus,
} from './apps.ts';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import {
  validateCronJob,
  validateCronJobUpdate,
  validateJob,
  validateJobStatusUpdate,
  validateJobUpdate,
} from './batch.ts';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateEndpoints,
  validateLimitRange,
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateNode,
  validateNodeUpdate,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimUpdate,
  validatePodTemplate,
  validateReplicationController,
  validateResourceQuota,
  validateResourceQuotaStatusUpdate,
  validateResourceQuotaUpdate,
  validateSecret,
  validateSecretUpdate,
  validateService,
  validateServiceUpdate,
} from './core.ts';
import {
  validateCoreEvent,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateEventsV1Event,
  validateEventsV1EventUpdate,
  validateHorizontalPodAutoscalerV1,
  validateHorizontalPodAutoscalerV2,
  validateLease,
  validatePodDisruptionBudget,
  validatePodDisruptionBudgetStatus,
  validatePriorityClass,
  validatePriorityClassUpdate,
  validateStorageClass,
  validateStorageClassUpdate,
} from './misc.ts';
import {
  validateIngress,
  validateIngressClass,
  validateIngressClassUpdate,
  validateNetworkPolicy,
} from './networking.ts';
import { validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from './pod.ts';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
  validateRoleRefUpdate,
} from './rbac.ts';

export { prepareJob } from './batch.ts';
export {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from './batch.ts';
export { CronParseError, parseStandardCron } from './cron.ts';
export type { CronSchedule } from './cron.ts';
export { validateNamespaceFinalizeUpdate } from './core.ts';
export { validatePodSpec, validatePodTemplateSpec } from './pod.ts';
export * from './admissionregistration.ts';
export { setCustomResourceDefinitionDefaults } from './apiextensions.ts';

/** `group/version` and kind of an object, for dispatch. */
function gvk(obj: Record<string, unknown>): string {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  return `${apiVersion}/${kind}`;
}

type CreateFn = (obj: never) => FieldError[];
type UpdateFn = (obj: never, old: never) => FieldError[];

const CREATE: Readonly<Record<string, CreateFn>> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': (o: CustomResourceDefinition) =>
    validateCustomResourceDefinition(o),
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': (
    o: MutatingWebhookConfiguration,
  ) => validateMutatingWebhookConfiguration(o),
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': (
    o: ValidatingWebhookConfiguration,
  ) => validateValidatingWebhookConfiguration(o),
  'v1/Pod': (o: Pod) => validatePodCreate(o),
  'v1/PodTemplate': (o: PodTemplate) => validatePodTemplate(o),
  'v1/ReplicationController': (o: ReplicationController) => validateReplicationController(o),
  'v1/Service': (o: Service) => validateService(o),
  'v1/Endpoints': (o: Endpoints) => validateEndpoints(o),
  'v1/ConfigMap': (o: ConfigMap) => validateConfigMap(o),
  'v1/Secret': (o: Secret) => validateSecret(o),
  'v1/Namespace': (o: Namespace) => validateNamespace(o),
  'v1/Node': (o: Node) => validateNode(o),
  'v1/ResourceQuota': (o: ResourceQuota) => validateResourceQuota(o),
  'v1/LimitRange': (o: LimitRange) => validateLimitRange(o),
  'v1/PersistentVolumeClaim': (o: PersistentVolumeClaim) => validatePersistentVolumeClaim(o),
  'v1/Event': (o: CoreEvent) => validateCoreEvent(o),
  'apps/v1/Deployment': (o: Deployment) => validateDeployment(o),
  'apps/v1/ReplicaSet': (o: ReplicaSet) => validateReplicaSet(o),
  'apps/v1/StatefulSet': (o: StatefulSet) => validateStatefulSet(o),
  'apps/v1/DaemonSet': (o: DaemonSet) => validateDaemonSet(o),
  'apps/v1/ControllerRevision': (o: ControllerRevision) => validateControllerRevision(o),
  'batch/v1/Job': (o: Job) => validateJob(o),
  'batch/v1/CronJob': (o: CronJob) => validateCronJob(o),
  'networking.k8s.io/v1/NetworkPolicy': (o: NetworkPolicy) => validateNetworkPolicy(o),
  'networking.k8s.io/v1/Ingress': (o: Ingress) => validateIngress(o),
  'networking.k8s.io/v1/IngressClass': (o: IngressClass) => validateIngressClass(o),
  'rbac.authorization.k8s.io/v1/Role': (o: Role) => validateRole(o),
  'rbac.authorization.k8s.io/v1/ClusterRole': (o: ClusterRole) => validateClusterRole(o),
  'rbac.authorization.k8s.io/v1/RoleBinding': (o: RoleBinding) => validateRoleBinding(o),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (o: ClusterRoleBinding) =>
    validateClusterRoleBinding(o),
  'policy/v1/PodDisruptionBudget': (o: PodDisruptionBudget) => validatePodDisruptionBudget(o),
  'scheduling.k8s.io/v1/PriorityClass': (o: PriorityClass) => validatePriorityClass(o),
  'coordination.k8s.io/v1/Lease': (o: Lease) => validateLease(o),
  'discovery.k8s.io/v1/EndpointSlice': (o: EndpointSlice) => validateEndpointSlice(o),
  'storage.k8s.io/v1/StorageClass': (o: StorageClass) => validateStorageClass(o),
  'events.k8s.io/v1/Event': (o: EventsV1Event) => validateEventsV1Event(o),
  'autoscaling/v1/HorizontalPodAutoscaler': (o: HpaV1) => validateHorizontalPodAutoscalerV1(o),
  'autoscaling/v2/HorizontalPodAutoscaler': (o: HpaV2) => validateHorizontalPodAutoscalerV2(o),
};

const UPDATE: Readonly<Record<string, UpdateFn>> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': (
    o: CustomResourceDefinition,
    old: CustomResourceDefinition,
  ) => validateCustomResourceDefinitionUpdate(o, old),
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': (
    o: MutatingWebhookConfiguration,
    old: MutatingWebhookConfiguration,
  ) => validateMutatingWebhookConfigurationUpdate(o, old),
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': (
    o: ValidatingWebhookConfiguration,
    old: ValidatingWebhookConfiguration,
  ) => validateValidatingWebhookConfigurationUpdate(o, old),
  'v1/Pod': (o: Pod, old: Pod) => validatePodUpdate(o, old),
  'v1/Service': (o: Service, old: Service) => validateServiceUpdate(o, old),
  'v1/ConfigMap': (o: ConfigMap, old: ConfigMap) => validateConfigMapUpdate(o, old),
  'v1/Secret': (o: Secret, old: Secret) => validateSecretUpdate(o, old),
  // Namespace spec changes only through the finalize subresource, ServiceAccount has no spec.
  'v1/Namespace': () => [],
  'v1/ServiceAccount': () => [],
  'v1/Node': (o: Node, old: Node) => validateNodeUpdate(o, old),
  'v1/ResourceQuota': (o: ResourceQuota, old: ResourceQuota) => validateResourceQuotaUpdate(o, old),
  'v1/PersistentVolumeClaim': (o: PersistentVolumeClaim, old: PersistentVolumeClaim) =>
    validatePersistentVolumeClaimUpdate(o, old),
  'apps/v1/Deployment': (o: Deployment, old: Deployment) => validateDeploymentUpdate(o, old),
  'apps/v1/ReplicaSet': (o: ReplicaSet, old: ReplicaSet) => validateReplicaSetUpdate(o, old),
  'apps/v1/StatefulSet': (o: StatefulSet, old: StatefulSet) => validateStatefulSetUpdate(o, old),
  'apps/v1/DaemonSet': (o: DaemonSet, old: DaemonSet) => validateDaemonSetUpdate(o, old),
  'apps/v1/ControllerRevision': (o: ControllerRevision, old: ControllerRevision) =>
    validateControllerRevisionUpdate(o, old),
  'batch/v1/Job': (o: Job, old: Job) => validateJobUpdate(o, old),
  'batch/v1/CronJob': (o: CronJob, old: CronJob) => validateCronJobUpdate(o, old),
  'networking.k8s.io/v1/IngressClass': (o: IngressClass, old: IngressClass) =>
    validateIngressClassUpdate(o, old),
  'rbac.authorization.k8s.io/v1/RoleBinding': (o: RoleBinding, old: RoleBinding) => [
    ...validateRoleBinding(o),
    ...validateRoleRefUpdate(o.roleRef, old.roleRef),
  ],
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (
    o: ClusterRoleBinding,
    old: ClusterRoleBinding,
  ) => [...validateClusterRoleBinding(o), ...validateRoleRefUpdate(o.roleRef, old.roleRef)],
  'scheduling.k8s.io/v1/PriorityClass': (o: PriorityClass, old: PriorityClass) =>
    validatePriorityClassUpdate(o, old),
  'discovery.k8s.io/v1/EndpointSlice': (o: EndpointSlice, old: EndpointSlice) =>
    validateEndpointSliceUpdate(o, old),
  'storage.k8s.io/v1/StorageClass': (o: StorageClass, old: StorageClass) =>
    validateStorageClassUpdate(o, old),
  'events.k8s.io/v1/Event': (o: EventsV1Event, old: EventsV1Event) =>
    validateEventsV1EventUpdate(o, old),
};

function collisionCountDecrement(
  obj: Record<string, unknown>,
  old: Record<string, unknown>,
): FieldError[] {
  const cc = (o: Record<string, unknown>): number | undefined => {
    const status = o.status as Record<string, unknown> | undefined;
    return typeof status?.collisionCount === 'number' ? status.collisionCount : undefined;
  };
  const n = cc(obj);
  const o = cc(old);
  if ((n === undefined && o !== undefined) || (n !== undefined && o !== undefined && n < o)) {
    return [invalid(newPath('status', 'collisionCount'), n ?? 0, 'cannot be decremented')];
  }
  return [];
}

const STATUS_UPDATE: Readonly<Record<string, UpdateFn>> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': (
    o: CustomResourceDefinition,
    old: CustomResourceDefinition,
  ) => validateCustomResourceDefinitionStatusUpdate(o, old),
  'v1/Pod': (o: Pod, old: Pod) => validatePodStatusUpdate(o, old),
  'v1/Namespace': (o: Namespace) => validateNamespaceStatusUpdate(o),
  'v1/Node': (o: Node, old: Node) => validateNodeUpdate(o, old),
  'v1/ResourceQuota': (o: ResourceQuota) => validateResourceQuotaStatusUpdate(o),
  'batch/v1/Job': (o: Job) => validateJobStatusUpdate(o),
  'policy/v1/PodDisruptionBudget': (o: PodDisruptionBudget) => validatePodDisruptionBudgetStatus(o),
};

const WORKLOADS = new Set([
  'apps/v1/Deployment',
  'apps/v1/ReplicaSet',
  'apps/v1/StatefulSet',
  'apps/v1/DaemonSet',
  'v1/ReplicationController',
]);

/**
 * Validates a new object of a built-in kind (everything but its metadata). Call after
 * defaulting and, for Jobs, after {@link prepareJob}. Unknown kinds give [].
 */
export function validateCreate(obj: Record<string, unknown>): FieldError[] {
  const fn = CREATE[gvk(obj)];
  return fn === undefined ? [] : fn(obj as never);
}

/**
 * Validates an update of a built-in kind: the new object's spec as on create plus upstream's
 * immutability rules against `old`. Kinds without update rules are validated as on create.
 */
export function validateUpdate(
  obj: Record<string, unknown>,
  old: Record<string, unknown>,
): FieldError[] {
  const key = gvk(obj);
  const fn = UPDATE[key];
  if (fn !== undefined) return fn(obj as never, old as never);
  return validateCreate(obj);
}

/**
 * Validates a write to the status subresource: the status rules of the kind (counts,
 * transitions, phases). The spec is expected to be reset to the old spec by the strategy.
 */
export function validateStatusUpdate(
  obj: Record<string, unknown>,
  old: Record<string, unknown>,
): FieldError[] {
  const key = gvk(obj);
  if (WORKLOADS.has(key)) {
    return [
      ...validateWorkloadStatus(obj.status as Record<string, unknown> | undefined),
      ...collisionCountDecrement(obj, old),
    ];
  }
  const fn = STATUS_UPDATE[key];
  return fn === undefined ? [] : fn(obj as never, old as never);
}
