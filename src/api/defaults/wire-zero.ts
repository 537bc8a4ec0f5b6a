// Go's wire form of zero values. Upstream objects are Go structs, and encoding/json never omits
// a struct-typed field (omitempty does not apply to structs) nor a field without omitempty. So
// after a create, `kubectl get -o yaml` shows `resources: {}` on every container,
// `creationTimestamp: null` in every embedded template's metadata, and `status: {}` or status
// counters at 0. These are not defaults (upstream's defaulters do not set them) but clients see
// them, so the API server applies this after defaulting when it wants byte-for-byte parity.
import { child, ensureChild, isUnset, items } from './walk.ts';
import type { JsonObject } from './walk.ts';

/** metav1.Time zero in an embedded ObjectMeta marshals as null. */
function objectMetaZero(holder: JsonObject): void {
  const metadata = ensureChild(holder, 'metadata');
  if (metadata !== undefined && !('creationTimestamp' in metadata)) {
    metadata['creationTimestamp'] = null;
  }
}

/** Containers' ResourceRequirements is a struct: always present, `{}` when empty. */
function podSpecZero(spec: JsonObject): void {
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of items(spec, key)) {
      if (isUnset(c['resources'])) c['resources'] = {};
    }
  }
}

/** A PodTemplateSpec: metadata.creationTimestamp null and the container resources. */
function templateZero(template: JsonObject | undefined): void {
  if (template === undefined) return;
  objectMetaZero(template);
  const spec = child(template, 'spec');
  if (spec !== undefined) podSpecZero(spec);
}

/** Fills status with the given zero fields (struct status, non-omitempty counters). */
function statusZero(obj: JsonObject, zero: JsonObject): void {
  const status = ensureChild(obj, 'status');
  if (status === undefined) return;
  for (const [key, value] of Object.entries(zero)) {
    if (isUnset(status[key])) status[key] = structuredClone(value);
  }
}

function specTemplate(obj: JsonObject): JsonObject | undefined {
  return child(child(obj, 'spec') ?? {}, 'template');
}

const byKind: ReadonlyMap<string, (obj: JsonObject) => void> = new Map<
  string,
  (obj: JsonObject) => void
>([
  [
    'v1 Pod',
    (obj) => {
      const spec = child(obj, 'spec');
      if (spec !== undefined) podSpecZero(spec);
    },
  ],
  [
    'v1 PodTemplate',
    (obj) => {
      templateZero(child(obj, 'template'));
    },
  ],
  [
    'v1 ReplicationController',
    (obj) => {
      templateZero(specTemplate(obj));
      statusZero(obj, { replicas: 0 });
    },
  ],
  [
    'v1 Service',
    (obj) => {
      statusZero(obj, { loadBalancer: {} });
    },
  ],
  [
    'apps/v1 Deployment',
    (obj) => {
      templateZero(specTemplate(obj));
      statusZero(obj, {});
    },
  ],
  [
    'apps/v1 ReplicaSet',
    (obj) => {
      templateZero(specTemplate(obj));
      statusZero(obj, { replicas: 0 });
    },
  ],
  [
    'apps/v1 StatefulSet',
    (obj) => {
      templateZero(specTemplate(obj));
      for (const claim of items(child(obj, 'spec') ?? {}, 'volumeClaimTemplates')) {
        objectMetaZero(claim);
      }
      statusZero(obj, { replicas: 0, availableReplicas: 0 });
    },
  ],
  [
    'apps/v1 DaemonSet',
    (obj) => {
      templateZero(specTemplate(obj));
      statusZero(obj, {
        currentNumberScheduled: 0,
        desiredNumberScheduled: 0,
        numberMisscheduled: 0,
        numberReady: 0,
      });
    },
  ],
  [
    'batch/v1 Job',
    (obj) => {
      templateZero(specTemplate(obj));
      statusZero(obj, {});
    },
  ],
  [
    'batch/v1 CronJob',
    (obj) => {
      const jobTemplate = child(child(obj, 'spec') ?? {}, 'jobTemplate');
      if (jobTemplate !== undefined) {
        objectMetaZero(jobTemplate);
        templateZero(specTemplate(jobTemplate));
      }
      statusZero(obj, {});
    },
  ],
  [
    'networking.k8s.io/v1 Ingress',
    (obj) => {
      statusZero(obj, { loadBalancer: {} });
    },
  ],
]);

/**
 * Adds, in place, the zero-valued fields Go's JSON encoding would show for obj's kind (see the
 * file comment): container `resources: {}`, template `metadata.creationTimestamp: null`,
 * workload `status` zeros, Service/Ingress `status.loadBalancer: {}`. Only missing fields are
 * added; idempotent; unknown kinds are left alone. Covers the kinds kubectl users create most,
 * not every struct of every type.
 */
export function setWireZeroValues(obj: Record<string, unknown>): void {
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
  byKind.get(`${apiVersion} ${kind}`)?.(obj);
}
