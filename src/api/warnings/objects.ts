/**
 * `warningsForObject`: the warnings the Kubernetes 1.32 registry strategies return from
 * WarningsOnCreate / WarningsOnUpdate for the built-in kinds Skiff serves, dispatched by
 * group and kind. Objects are the wire (v1) form after defaulting and PrepareForCreate /
 * PrepareForUpdate (so `metadata.generation` already reflects a spec change); they are only read.
 */
import type {
  Pod,
  PodTemplate,
  PodTemplateSpec,
  ReplicationController,
} from 'kubernetes-types/core/v1.js';
import type { CronJob, Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { RuntimeClass } from 'kubernetes-types/node/v1.js';
import type { CSIStorageCapacity, StorageClass } from 'kubernetes-types/storage/v1.js';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { isDNS1123Label, newPath } from '../validation/index.ts';
import type { FieldPath } from '../validation/index.ts';
import { warningsForNode, warningsForRuntimeClass } from './node.ts';
import { warningsForPod, warningsForPodTemplate } from './pod.ts';
import { warningsForService } from './service.ts';
import {
  warningsForCSIStorageCapacity,
  warningsForPersistentVolume,
  warningsForPersistentVolumeClaim,
  warningsForPersistentVolumeClaimSpec,
  warningsForStorageClass,
} from './storage.ts';

/** The group and kind an object is served as. */
export interface GroupKindRef {
  readonly group: string;
  readonly kind: string;
}

const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** Go's `%v` of a []string: `[a b]`. */
function goList(items: readonly string[]): string {
  return `[${items.join(' ')}]`;
}

function nameWarning(meta: ObjectMeta | undefined, usedIn: string): string[] {
  const msgs = isDNS1123Label(meta?.name ?? '');
  if (msgs.length === 0) return [];
  return [
    `metadata.name: this is used in ${usedIn}, which can result in surprising behavior; a DNS label is recommended: ${goList(msgs)}`,
  ];
}

const POD_NAMES = 'Pod names and hostnames';

function generationChanged(
  obj: { metadata?: ObjectMeta },
  old: { metadata?: ObjectMeta },
): boolean {
  return obj.metadata?.generation !== old.metadata?.generation;
}

/** The Indexed-job soft limits of pkg/api/job/warnings.go. */
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_SOFT_LIMIT_FOR_UNLIMITED_COMPLETIONS = 10_000;

/** Warnings for a JobSpec at `path` (upstream job.WarningsForJobSpec). */
export function warningsForJobSpec(
  path: FieldPath,
  spec: JobSpec | undefined,
  oldSpec?: JobSpec,
): string[] {
  const out: string[] = [];
  if (spec?.completionMode === 'Indexed') {
    const completions = spec.completions ?? 0;
    const parallelism = spec.parallelism ?? 0;
    if (
      completions > COMPLETIONS_SOFT_LIMIT &&
      parallelism > PARALLELISM_SOFT_LIMIT_FOR_UNLIMITED_COMPLETIONS
    ) {
      out.push(
        `${path.toString()}: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail`,
      );
    }
  }
  out.push(...warningsForPodTemplate(path.child('template'), spec?.template, oldSpec?.template));
  return out;
}

function cronScheduleWarning(cj: CronJob): string[] {
  return (cj.spec?.schedule ?? '').includes('TZ')
    ? [
        `CRON_TZ or TZ used in ${newPath('spec', 'schedule').toString()} is not officially supported, please use ${newPath('spec', 'timeZone').toString()} instead`,
      ]
    : [];
}

interface Templated {
  metadata?: ObjectMeta;
  spec?: { template?: PodTemplateSpec };
}

/**
 * The warnings for creating (`oldObj` undefined) or updating `obj` of kind `gk`. Unknown kinds
 * give none. Returns a new array; order as upstream.
 */
export function warningsForObject(gk: GroupKindRef, obj: unknown, oldObj?: unknown): string[] {
  if (obj === null || typeof obj !== 'object') return [];
  const update = oldObj !== null && typeof oldObj === 'object';
  const key = gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
  switch (key) {
    case 'Pod': {
      // Upstream skips pod update warnings: pods are updated often, by machines.
      if (update) return [];
      const pod = obj as Pod;
      return [
        ...nameWarning(pod.metadata, "the Pod's hostname"),
        ...warningsForPod({
          ...(pod.metadata ? { metadata: pod.metadata } : {}),
          ...(pod.spec ? { spec: pod.spec } : {}),
        }),
      ];
    }
    case 'PodTemplate': {
      const pt = obj as PodTemplate;
      return warningsForPodTemplate(
        newPath('template'),
        pt.template,
        update ? (oldObj as PodTemplate).template : undefined,
      );
    }
    case 'ReplicationController':
    case 'Deployment.apps':
    case 'ReplicaSet.apps':
    case 'DaemonSet.apps': {
      const o = obj as Templated | ReplicationController;
      const path = newPath('spec', 'template');
      if (update) {
        const old = oldObj as Templated;
        return generationChanged(o, old)
          ? warningsForPodTemplate(path, o.spec?.template, old.spec?.template)
          : [];
      }
      return [
        ...nameWarning(o.metadata, POD_NAMES),
        ...warningsForPodTemplate(path, o.spec?.template),
      ];
    }
    case 'StatefulSet.apps': {
      const ss = obj as StatefulSet;
      if (update) {
        const old = oldObj as StatefulSet;
        if (!generationChanged(ss, old)) return [];
        return warningsForPodTemplate(
          newPath('spec', 'template'),
          ss.spec?.template,
          old.spec?.template,
        );
      }
      const out = warningsForPodTemplate(newPath('spec', 'template'), ss.spec?.template);
      (ss.spec?.volumeClaimTemplates ?? []).forEach((pvc, i) => {
        out.push(
          ...warningsForPersistentVolumeClaimSpec(
            newPath('spec', 'volumeClaimTemplates').index(i).child('spec'),
            pvc.spec,
          ),
        );
      });
      return out;
    }
    case 'Job.batch': {
      const job = obj as Job;
      if (update) {
        const old = oldObj as Job;
        return generationChanged(job, old)
          ? warningsForJobSpec(newPath('spec'), job.spec, old.spec)
          : [];
      }
      return [
        ...nameWarning(job.metadata, POD_NAMES),
        ...warningsForJobSpec(newPath('spec'), job.spec),
      ];
    }
    case 'CronJob.batch': {
      const cj = obj as CronJob;
      const path = newPath('spec', 'jobTemplate', 'spec');
      if (update) {
        const old = oldObj as CronJob;
        const out = generationChanged(cj, old)
          ? warningsForJobSpec(path, cj.spec?.jobTemplate.spec, old.spec?.jobTemplate.spec)
          : [];
        return [...out, ...cronScheduleWarning(cj)];
      }
      return [
        ...nameWarning(cj.metadata, POD_NAMES),
        ...warningsForJobSpec(path, cj.spec?.jobTemplate.spec),
        ...cronScheduleWarning(cj),
      ];
    }
    case 'Service':
      return warningsForService(obj, update ? oldObj : undefined);
    case 'Node':
      return warningsForNode(obj);
    case 'PersistentVolume':
      return warningsForPersistentVolume(obj);
    case 'PersistentVolumeClaim':
      return warningsForPersistentVolumeClaim(obj);
    case 'StorageClass.storage.k8s.io':
      return warningsForStorageClass(obj as StorageClass);
    case 'CSIStorageCapacity.storage.k8s.io':
      return warningsForCSIStorageCapacity(obj as CSIStorageCapacity);
    case 'RuntimeClass.node.k8s.io':
      return warningsForRuntimeClass(obj as RuntimeClass);
    case 'Ingress.networking.k8s.io': {
      if (update) return [];
      const ing = obj as Ingress;
      return INGRESS_CLASS_ANNOTATION in (ing.metadata?.annotations ?? {})
        ? [
            `annotation "${INGRESS_CLASS_ANNOTATION}" is deprecated, please use 'spec.ingressClassName' instead`,
          ]
        : [];
    }
    default:
      return [];
  }
}
