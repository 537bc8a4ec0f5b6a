/**
 * Storage warnings (Kubernetes 1.32): PersistentVolumeClaim (pkg/api/persistentvolumeclaim),
 * PersistentVolume (pkg/api/persistentvolume), StorageClass and CSIStorageCapacity
 * (pkg/api/storage).
 */
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  PersistentVolumeClaimSpec,
} from 'kubernetes-types/core/v1.js';
import type { CSIStorageCapacity, StorageClass } from 'kubernetes-types/storage/v1.js';
import { parseQuantity } from '../quantity.ts';
import { goQuote, newPath } from '../validation/index.ts';
import type { FieldPath } from '../validation/index.ts';
import {
  nodeLabelDeprecatedMessage,
  warningsForNodeLabelSelector,
  warningsForNodeSelectorTerm,
} from './node.ts';

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
const DEPRECATED_STORAGE_CLASS_MSG =
  'deprecated since v1.8; use "storageClassName" attribute instead';

/** A quantity's milli-value modulo 1000 is not 0; unset means zero (fine). */
function fractional(raw: unknown): string | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  try {
    const q = parseQuantity(String(raw));
    return q.scaledValue(-3) % 1000n !== 0n ? q.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Fractional `storage` requests/limits of a claim spec at `path`. */
export function warningsForPersistentVolumeClaimSpec(
  path: FieldPath,
  spec: PersistentVolumeClaimSpec | undefined,
): string[] {
  const out: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    const frac = fractional(spec?.resources?.[kind]?.storage);
    if (frac !== undefined) {
      out.push(
        `${path.child('resources').child(kind).key('storage').toString()}: fractional byte value ${goQuote(frac)} is invalid, must be an integer`,
      );
    }
  }
  return out;
}

/** PersistentVolumeClaim create and update. */
export function warningsForPersistentVolumeClaim(pvc: PersistentVolumeClaim | undefined): string[] {
  if (pvc === undefined) return [];
  const out: string[] = [];
  if (BETA_STORAGE_CLASS_ANNOTATION in (pvc.metadata?.annotations ?? {})) {
    out.push(
      `${newPath('metadata', 'annotations').key(BETA_STORAGE_CLASS_ANNOTATION).toString()}: ${DEPRECATED_STORAGE_CLASS_MSG}`,
    );
  }
  out.push(...warningsForPersistentVolumeClaimSpec(newPath('spec'), pvc.spec));
  return out;
}

const DEPRECATED_PV_SOURCES: readonly (readonly [string, string, string])[] = [
  ['cephfs', 'cephfs', 'deprecated in v1.28, non-functional in v1.31+'],
  ['photonPersistentDisk', 'photonPersistentDisk', 'deprecated in v1.11, non-functional in v1.16+'],
  ['scaleIO', 'scaleIO', 'deprecated in v1.16, non-functional in v1.22+'],
  ['storageos', 'storageOS', 'deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'glusterfs', 'deprecated in v1.25, non-functional in v1.26+'],
  ['rbd', 'rbd', 'deprecated in v1.28, non-functional in v1.31+'],
];

/** PersistentVolume create and update. */
export function warningsForPersistentVolume(pv: PersistentVolume | undefined): string[] {
  if (pv === undefined) return [];
  const out: string[] = [];
  if (BETA_STORAGE_CLASS_ANNOTATION in (pv.metadata?.annotations ?? {})) {
    out.push(
      `${newPath('metadata', 'annotations').key(BETA_STORAGE_CLASS_ANNOTATION).toString()}: ${DEPRECATED_STORAGE_CLASS_MSG}`,
    );
  }
  const spec = pv.spec ?? {};
  if (spec.persistentVolumeReclaimPolicy === 'Recycle') {
    out.push(
      `${newPath('spec', 'persistentVolumeReclaimPolicy').toString()}: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.`,
    );
  }
  const terms = spec.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  const termPath = newPath('spec', 'nodeAffinity', 'required', 'nodeSelectorTerms');
  terms.forEach((t, i) => {
    out.push(...warningsForNodeSelectorTerm(t, termPath.index(i)));
  });
  const source = spec as unknown as Record<string, unknown>;
  for (const [wire, goName, msg] of DEPRECATED_PV_SOURCES) {
    if (source[wire] != null) out.push(`${newPath('spec', goName).toString()}: ${msg}`);
  }
  return out;
}

/** StorageClass: deprecated node labels in allowedTopologies. */
export function warningsForStorageClass(sc: StorageClass | undefined): string[] {
  const out: string[] = [];
  (sc?.allowedTopologies ?? []).forEach((topo, i) => {
    (topo.matchLabelExpressions ?? []).forEach((e, j) => {
      const msg = nodeLabelDeprecatedMessage(e.key);
      if (msg !== undefined) {
        out.push(
          `${newPath('allowedTopologies').index(i).child('matchLabelExpressions').index(j).child('key').toString()}: ${msg}`,
        );
      }
    });
  });
  return out;
}

/** CSIStorageCapacity: deprecated node labels in nodeTopology. */
export function warningsForCSIStorageCapacity(csc: CSIStorageCapacity | undefined): string[] {
  return warningsForNodeLabelSelector(csc?.nodeTopology, newPath('nodeTopology'));
}
