/**
 * The kubelet's volume plugins (upstream pkg/volume): pure plans of the volumes a pod needs
 * and of each container's mounts (subPath / subPathExpr, readOnly, propagation), the contents
 * of configMap, secret, downwardAPI and projected volumes (service account tokens included,
 * with their refresh), fsGroup ownership, and the local-path provisioner's PersistentVolume;
 * host adapters for the AtomicWriter, emptyDir on disk and tmpfs, hostPath type checks,
 * teardown that never deletes through a mount point, and claim directories.
 */
export {
  VolumePlugin,
  cleanPath,
  escapeQualifiedName,
  localPathClaimDir,
  podDir,
  podPluginDir,
  podVolumeDir,
  podVolumeSubpathsDir,
  podVolumesDir,
  unescapeQualifiedName,
} from './layout.ts';
export type { VolumePluginName } from './layout.ts';
export { expandSubPathExpr, mappingFuncFor } from './expansion.ts';
export { expand } from '../../api/index.ts';
export type { ResolvedEnvVar } from './expansion.ts';
export {
  extractFieldPathAsString,
  formatMap,
  podFieldSelectorRuntimeValue,
  splitMaybeSubscriptedPath,
} from './fieldpath.ts';
export type { PodRuntimeFields } from './fieldpath.ts';
export {
  extractContainerResourceValue,
  extractResourceValueByContainerName,
  mergeContainerResourceLimits,
} from './resource.ts';
export type { ResourceList } from './resource.ts';
export {
  MultiError,
  DEFAULT_MODE,
  FAILED_MOUNT_REASON,
  ObjectNotFoundError,
  collectDownwardAPIData,
  collectProjectedData,
  configMapVolumePayload,
  formatAggregate,
  fsUserFrom,
  makeConfigMapPayload,
  makeSecretPayload,
  mountFailedMessage,
  secretVolumePayload,
} from './payload.ts';
export type { FileProjection, MounterArgs, Payload, PayloadSources } from './payload.ts';
export {
  TOKEN_MAX_JITTER_MS,
  TOKEN_MAX_TTL_MS,
  TokenManager,
  prefetchProjectedTokens,
  serviceAccountTokenRequest,
  tokenCacheKey,
  tokenExpired,
  tokenRefreshAt,
  tokenRequiresRefresh,
} from './token.ts';
export type { TokenFetcher, TokenManagerOptions } from './token.ts';
export {
  emptyDirMemorySize,
  makeContainerMounts,
  planPodVolumes,
  planVolume,
  podMemoryLimit,
  resolveClaim,
  translateMountPropagation,
  validatePathNoBacksteps,
} from './plan.ts';
export type {
  ClaimLookup,
  ContainerMount,
  HostPathType,
  MountPropagation,
  OwnershipManagement,
  PlannedVolume,
  PodVolumePlan,
  PodVolumePlanOptions,
  VolumePlanError,
  VolumeSetUp,
} from './plan.ts';
export {
  EXEC_MASK,
  RO_MASK,
  RW_MASK,
  SETGID,
  ownershipMode,
  requiresPermissionChange,
  setVolumeOwnership,
  skipPermissionChange,
} from './ownership.ts';
export type { RootStat } from './ownership.ts';
export {
  AtomicWriter,
  DATA_DIR_NAME,
  NEW_DATA_DIR_NAME,
  pathsToRemove,
  timestampDirPrefix,
  validatePath,
  validatePayload,
} from './atomic-writer.ts';
export type { WriteResult } from './atomic-writer.ts';
export { mountsUnder, parseMountInfo, readMountInfo, unescapeMountPath } from './mountinfo.ts';
export type { MountInfo } from './mountinfo.ts';
export { checkHostPathType, hostFileTypeChecker, setUpHostPath } from './hostpath.ts';
export type { FileTypeChecker } from './hostpath.ts';
export {
  isMountPoint,
  mountTmpfs,
  prepareSubPath,
  removeAllOneFilesystem,
  removePodDir,
  setUpVolume,
  tearDownPodVolumes,
  tearDownVolume,
  unmount,
} from './host.ts';
export type { SetUpVolumeOptions, SetUpVolumeResult } from './host.ts';
export {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  LABEL_HOSTNAME,
  LOCAL_PATH_PROVISIONER,
  LOCAL_PATH_STORAGE_CLASS_NAME,
  buildLocalPathVolume,
  deleteLocalPath,
  localPathStorageClass,
  localPathVolumeName,
  provisionLocalPath,
  shouldProvisionClaim,
} from './local-path.ts';
export type { LocalPathVolumeInput } from './local-path.ts';
