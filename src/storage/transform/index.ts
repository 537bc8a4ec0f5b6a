/**
 * Value transformation at rest (encryption): the contract the Store calls on every stored value,
 * declared here so that storage does not depend on the API server. Kubernetes' value.Transformer
 * (k8s.io/apiserver/pkg/storage/value) in TypeScript; `KeyPrefixTransformer` and the other
 * transformers of src/apiserver/encryption satisfy it structurally.
 *
 * The Store calls `toStorage(json, key)` before every write and `fromStorage(bytes, key)` after
 * every read (get, list, watch events and their previous values, the state an update or delete
 * starts from). Above the Store (the watch cache, the API server) everything is plaintext.
 */
export type { StoreFromStorageResult, StoreTransformer } from './transformer.ts';
export { transformFromStorageError, transformToStorageError } from './transformer.ts';
