/**
 * Images for the kubelet: image references (docker's grammar), an OCI distribution client
 * (anonymous, Basic and Bearer auth; pull-secret and docker config credentials; index
 * resolution; verified, parallel, resumable blob downloads), a content-addressed store, layer
 * unpacking into per-layer overlayfs directories, overlay root filesystems, offline archive
 * import, pull policies with the kubelet's messages and back-off, and the image GC planner.
 */
export {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  REFERENCE_ERRORS,
  ReferenceError,
  familiarName,
  familiarString,
  formatReference,
  isValidTag,
  parseAnyReference,
  parseDigest,
  parseDockerRef,
  parseImageName,
  parseNormalizedNamed,
  parseReference,
  referenceName,
  registryHost,
} from './reference.ts';
export type { ImageReference } from './reference.ts';
export {
  ContentError,
  DEFAULT_PLATFORM,
  MANIFEST_ACCEPT,
  MediaType,
  decodeImageConfig,
  decodeManifest,
  layerCompression,
  selectPlatform,
  sha256Digest,
  verifyDigest,
} from './manifest.ts';
export type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from './manifest.ts';
export {
  CredentialKeyring,
  SecretType,
  basicAuthorization,
  decodeTokenResponse,
  keyringFromDockerConfig,
  keyringFromPullSecrets,
  parseAuthChallenges,
  planTokenRequest,
  pullScope,
} from './auth.ts';
export type { AuthChallenge, RegistryCredential, TokenRequest, TokenResponse } from './auth.ts';
export {
  RegistryClient,
  RegistryError,
  blobRequest,
  isLoopbackHost,
  manifestRequest,
  registryBaseUrl,
} from './distribution.ts';
export type {
  PullProgress,
  RegistryClientOptions,
  RegistryRequest,
  RegistryResponse,
  RegistryTransport,
  ResolvedImage,
} from './distribution.ts';
export { nodeTransport } from './http-transport.ts';
export type { NodeTransportOptions } from './http-transport.ts';
export { ImageStore } from './store.ts';
export type { BlobIngest, ImageRecord, StoredLayer } from './store.ts';
export { TarError, readTar, writeTar } from './tar.ts';
export type { TarEntry, TarEntryType, TarHeader } from './tar.ts';
export {
  OVERLAY_OPAQUE_XATTR,
  UnsafePathError,
  WHITEOUT_OPAQUE,
  WHITEOUT_PREFIX,
  applyLayer,
  cleanEntryPath,
  planLayerEntry,
} from './unpack.ts';
export type { ApplyStats, LayerAction, LayerHost } from './unpack.ts';
export { getXattr, hostLayerHost } from './layer-host.ts';
export { isMountPoint, mountOverlay, overlayMountPlan, unmountOverlay } from './overlay.ts';
export type { OverlayMountPlan, OverlaySpec } from './overlay.ts';
export { importArchive } from './archive.ts';
export type { ImportOptions } from './archive.ts';
export {
  IMAGE_BACKOFF_INITIAL_MS,
  IMAGE_BACKOFF_MAX_MS,
  ImageEventReason,
  ImagePullReason,
  PullBackOff,
  defaultPullPolicy,
  formatGoDuration,
  imageMessages,
  planImagePull,
  pullFailure,
  shouldPullImage,
} from './policy.ts';
export type { ImageDecision, PullPolicy } from './policy.ts';
export { DEFAULT_GC_POLICY, planImageGc, validateGcPolicy } from './gc.ts';
export type { GcImage, GcPlan, GcPolicy } from './gc.ts';
export { IMAGE_GC_PERIOD_MS, ImageGcEventReason, ImageGcManager } from './gc-manager.ts';
export type {
  GcImageStore,
  ImageGcLogger,
  ImageGcManagerOptions,
  ImageGcResult,
} from './gc-manager.ts';
