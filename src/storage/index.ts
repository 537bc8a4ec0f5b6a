export type {
  Backend,
  BackendEvent,
  BackendWatchMessage,
  BackendWatchOptions,
  CompactResponse,
  GetResponse,
  KeyValue,
  RangeRequest,
  RangeResponse,
  WriteOptions,
  WriteResponse,
} from './backend.ts';
export type {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListResult,
  Preconditions,
  Predicate,
  ResourceVersionMatch,
  Storage,
  StoredObject,
  UpdateFunc,
  UpdateOptions,
  WatchEvent,
  WatchEventType,
  WatchOptions,
  Watcher,
} from './interface.ts';
export { StorageError, isStorageError, keyNotFound, keyExists, compacted } from './errors.ts';
export type { StorageErrorCode, StorageErrorOptions } from './errors.ts';
export { Store } from './store.ts';
export type { StoreOptions } from './store.ts';
export type { StoreFromStorageResult, StoreTransformer } from './transform/index.ts';
export { DsnError, openBackend, openStorage, parseDsn } from './dsn.ts';
export type { Dsn, EtcdTlsFiles } from './dsn.ts';
export { Cacher } from './cacher/index.ts';
export type { CacherOptions } from './cacher/index.ts';
