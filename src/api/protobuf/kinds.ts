import { Schema } from './schema.ts';
import type { MessageDescriptor } from './schema.ts';
import { apps } from './tables/apps.ts';
import { batch } from './tables/batch.ts';
import { certificates } from './tables/certificates.ts';
import { core } from './tables/core.ts';
import {
  authentication,
  authorization,
  autoscalingv1,
  autoscalingv2,
  coordination,
  discovery,
  events,
  policy,
  scheduling,
  storage,
} from './tables/groups.ts';
import { meta, runtime } from './tables/meta.ts';
import { networking, rbac } from './tables/rbac-networking.ts';

/** Every descriptor table, by package name (the prefix used in qualified message names). */
export const kubernetesSchema: Schema = new Schema({
  meta,
  runtime,
  core,
  apps,
  batch,
  rbac,
  networking,
  policy,
  scheduling,
  authentication,
  authorization,
  autoscalingv1,
  autoscalingv2,
  certificates,
  coordination,
  discovery,
  events,
  storage,
});

/**
 * The top-level kinds a protobuf request body may carry: apiVersion → kind → qualified message.
 * DeleteOptions is accepted under any apiVersion (every group version registers it).
 */
const KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  v1: {
    Binding: 'core.Binding',
    ConfigMap: 'core.ConfigMap',
    Endpoints: 'core.Endpoints',
    Event: 'core.Event',
    LimitRange: 'core.LimitRange',
    Namespace: 'core.Namespace',
    Node: 'core.Node',
    PersistentVolume: 'core.PersistentVolume',
    PersistentVolumeClaim: 'core.PersistentVolumeClaim',
    Pod: 'core.Pod',
    PodTemplate: 'core.PodTemplate',
    ReplicationController: 'core.ReplicationController',
    ResourceQuota: 'core.ResourceQuota',
    Secret: 'core.Secret',
    Service: 'core.Service',
    ServiceAccount: 'core.ServiceAccount',
  },
  'apps/v1': {
    ControllerRevision: 'apps.ControllerRevision',
    DaemonSet: 'apps.DaemonSet',
    Deployment: 'apps.Deployment',
    ReplicaSet: 'apps.ReplicaSet',
    StatefulSet: 'apps.StatefulSet',
  },
  'batch/v1': { CronJob: 'batch.CronJob', Job: 'batch.Job' },
  'rbac.authorization.k8s.io/v1': {
    ClusterRole: 'rbac.ClusterRole',
    ClusterRoleBinding: 'rbac.ClusterRoleBinding',
    Role: 'rbac.Role',
    RoleBinding: 'rbac.RoleBinding',
  },
  'networking.k8s.io/v1': {
    Ingress: 'networking.Ingress',
    IngressClass: 'networking.IngressClass',
    NetworkPolicy: 'networking.NetworkPolicy',
  },
  'policy/v1': { Eviction: 'policy.Eviction', PodDisruptionBudget: 'policy.PodDisruptionBudget' },
  'scheduling.k8s.io/v1': { PriorityClass: 'scheduling.PriorityClass' },
  'autoscaling/v1': {
    HorizontalPodAutoscaler: 'autoscalingv1.HorizontalPodAutoscaler',
    Scale: 'autoscalingv1.Scale',
  },
  'autoscaling/v2': { HorizontalPodAutoscaler: 'autoscalingv2.HorizontalPodAutoscaler' },
  'authentication.k8s.io/v1': {
    SelfSubjectReview: 'authentication.SelfSubjectReview',
    TokenRequest: 'authentication.TokenRequest',
    TokenReview: 'authentication.TokenReview',
  },
  'authorization.k8s.io/v1': {
    LocalSubjectAccessReview: 'authorization.LocalSubjectAccessReview',
    SelfSubjectAccessReview: 'authorization.SelfSubjectAccessReview',
    SelfSubjectRulesReview: 'authorization.SelfSubjectRulesReview',
    SubjectAccessReview: 'authorization.SubjectAccessReview',
  },
  'certificates.k8s.io/v1': {
    CertificateSigningRequest: 'certificates.CertificateSigningRequest',
  },
  'coordination.k8s.io/v1': { Lease: 'coordination.Lease' },
  'discovery.k8s.io/v1': { EndpointSlice: 'discovery.EndpointSlice' },
  'events.k8s.io/v1': { Event: 'events.Event' },
  'storage.k8s.io/v1': { StorageClass: 'storage.StorageClass' },
};

/**
 * The descriptor for `apiVersion` + `kind`, or undefined when protobuf bodies of that kind are not
 * supported. The descriptor is compiled on first use and shared (read-only).
 */
export function messageForKind(apiVersion: string, kind: string): MessageDescriptor | undefined {
  if (kind === 'DeleteOptions') return kubernetesSchema.message('meta.DeleteOptions');
  const qualified = Object.hasOwn(KINDS, apiVersion) ? KINDS[apiVersion]?.[kind] : undefined;
  if (qualified === undefined || !Object.hasOwn(KINDS[apiVersion] ?? {}, kind)) return undefined;
  return kubernetesSchema.message(qualified);
}

/** Every supported `[apiVersion, kind]` pair (DeleteOptions excepted), for tests and discovery. */
export function supportedKinds(): [apiVersion: string, kind: string][] {
  return Object.entries(KINDS).flatMap(([apiVersion, kinds]) =>
    Object.keys(kinds).map((kind): [string, string] => [apiVersion, kind]),
  );
}
