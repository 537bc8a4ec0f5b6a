// storage.k8s.io/v1 defaulting: pkg/apis/storage/v1/defaults.go (1.32) plus the generated
// defaulting of the persistent volume spec inlined in a VolumeAttachment (source defaults and
// capacity rounding only: reclaim policy and volume mode are PersistentVolume-object defaults).
import { setPersistentVolumeSpecDefaults } from './core.ts';
import { child, defaultUnset, ensureChild, isEmptyList } from './walk.ts';
import type { JsonObject } from './walk.ts';

/** SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate. */
export function setStorageClassDefaults(obj: JsonObject): void {
  defaultUnset(obj, 'reclaimPolicy', 'Delete');
  defaultUnset(obj, 'volumeBindingMode', 'Immediate');
}

/**
 * SetDefaults_CSIDriver: attachRequired true, podInfoOnMount false, storageCapacity false,
 * fsGroupPolicy ReadWriteOnceWithFSType, volumeLifecycleModes [Persistent], requiresRepublish
 * false, seLinuxMount false (CSIVolumeFSGroupPolicy and CSIInlineVolume are GA,
 * SELinuxMountReadWriteOncePod is beta and on).
 */
export function setCSIDriverDefaults(obj: JsonObject): void {
  const s = ensureChild(obj, 'spec');
  if (s === undefined) return;
  defaultUnset(s, 'attachRequired', true);
  defaultUnset(s, 'podInfoOnMount', false);
  defaultUnset(s, 'storageCapacity', false);
  defaultUnset(s, 'fsGroupPolicy', 'ReadWriteOnceWithFSType');
  if (isEmptyList(s['volumeLifecycleModes'])) s['volumeLifecycleModes'] = ['Persistent'];
  defaultUnset(s, 'requiresRepublish', false);
  defaultUnset(s, 'seLinuxMount', false);
}

/** VolumeAttachment: an inline persistent volume spec gets the PV source defaults. */
export function setVolumeAttachmentDefaults(obj: JsonObject): void {
  const inlineSpec = child(child(child(obj, 'spec') ?? {}, 'source') ?? {}, 'inlineVolumeSpec');
  if (inlineSpec !== undefined) setPersistentVolumeSpecDefaults(inlineSpec);
}
