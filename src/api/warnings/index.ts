/**
 * Server warnings: the `Warning` response header (encoding, per-request limits and dedupe),
 * the object warnings the built-in registry strategies give on create and update, and
 * deprecated-API warnings. Pure: no I/O.
 */
export {
  WARNING_ITEM_RUNES,
  WARNING_TOTAL_RUNES,
  WarningHeaderError,
  WarningRecorder,
  newWarningHeader,
  toLatin1HeaderValue,
} from './header.ts';
export { warningsForJobSpec, warningsForObject } from './objects.ts';
export type { GroupKindRef } from './objects.ts';
export { warningsForPod, warningsForPodTemplate } from './pod.ts';
export { warningsForService } from './service.ts';
export { warningsForCIDR, warningsForIP } from './ip.ts';
export {
  nodeLabelDeprecatedMessage,
  warningsForNode,
  warningsForNodeLabelSelector,
  warningsForNodeSelectorTerm,
  warningsForRuntimeClass,
} from './node.ts';
export {
  warningsForCSIStorageCapacity,
  warningsForPersistentVolume,
  warningsForPersistentVolumeClaim,
  warningsForPersistentVolumeClaimSpec,
  warningsForStorageClass,
} from './storage.ts';
export { CURRENT_RELEASE, crdDeprecationWarning, deprecationWarning } from './deprecation.ts';
export type { KubeRelease } from './deprecation.ts';
