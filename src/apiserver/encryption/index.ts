/**
 * Encryption of resources at rest with an EncryptionConfiguration (identity, aesgcm, aescbc;
 * secretbox and kms are refused), byte-compatible with Kubernetes' on-disk format.
 *
 * Wiring: `loadEncryptionConfigFile(path)` at start-up (or `parseEncryptionConfig(text)`), then
 * a `KeyPrefixTransformer` over its transformers with every stored resource registered
 * (`register(info.storagePrefix, {group, resource})`), handed to the Store, which calls
 * `toStorage(json, key)` before writing and `fromStorage(bytes, key)` after reading; a `stale`
 * read makes an update write even when the object is unchanged, so rewriting all objects
 * re-encrypts them with the first provider and key.
 */
export type { FromStorageResult, PrefixTransformer, ValueTransformer } from './transformer.ts';
export {
  AesCbcTransformer,
  AesGcmTransformer,
  ENCRYPTED_DATA_PREFIX,
  PrefixTransformers,
  TransformError,
  identityTransformer,
} from './transformer.ts';
export type {
  EncryptionConfiguration,
  EncryptionKey,
  GroupResource,
  KMSConfiguration,
  KeysConfiguration,
  ProviderConfiguration,
  ResourceConfiguration,
} from './config.ts';
export {
  AESCBC_PREFIX,
  AESGCM_PREFIX,
  ENCRYPTION_CONFIG_API_VERSION,
  EncryptionConfigError,
  EncryptionTransformers,
  SECRETBOX_PREFIX,
  buildEncryptionTransformers,
  decodeBase64Strict,
  loadEncryptionConfigFile,
  parseEncryptionConfig,
  parseGroupResource,
  validateEncryptionConfiguration,
} from './config.ts';
export { KeyPrefixTransformer } from './storage.ts';
