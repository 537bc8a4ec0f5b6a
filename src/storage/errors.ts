/**
 * Storage errors. This is the one error family that storage code throws; the API server
 * translates it once into Kubernetes `Status` errors (see docs/ARCHITECTURE.md).
 *
 * Mapping used by the API server:
 *   KeyNotFound → 404 NotFound; KeyExists → 409 AlreadyExists; PreconditionFailed → 409 Conflict;
 *   Compacted / InvalidContinue → 410 Expired (Gone); TooLargeResourceVersion → 504 Timeout
 *   (with a Retry-After, as upstream); TooLarge → 413 RequestEntityTooLarge;
 *   InvalidObject → 400/422; Corrupt, Unreachable, Timeout, Closed, Locked, Internal → 500.
 */
export type StorageErrorCode =
  /** The key does not exist (get, update without ignoreNotFound, delete). */
  | 'KeyNotFound'
  /** create() of a key that exists. */
  | 'KeyExists'
  /** A uid or resourceVersion precondition did not hold. */
  | 'PreconditionFailed'
  /** The requested revision (watch start, list/get at a revision, continue token) was compacted. */
  | 'Compacted'
  /** A continue token that cannot be decoded or does not belong to the listed prefix. */
  | 'InvalidContinue'
  /** A resourceVersion newer than the store's current revision (the store did not catch up in time). */
  | 'TooLargeResourceVersion'
  /** The object cannot be stored as given (e.g. resourceVersion set on create, not an object). */
  | 'InvalidObject'
  /**
   * The stored value of `key` cannot be decoded (only that key is affected), or, at open, the
   * data file is not a valid store (not SQLite, another application's database, damaged).
   */
  | 'Corrupt'
  /** The encoded value is larger than the store accepts. */
  | 'TooLarge'
  /** A watcher fell behind its bounded buffer and was ended; re-list and watch again. */
  | 'TooSlow'
  /** The backend cannot be reached (etcd down, ...). */
  | 'Unreachable'
  /** The backend did not answer in time. */
  | 'Timeout'
  /** The store was closed. */
  | 'Closed'
  /** The data file is locked by another process. */
  | 'Locked'
  /** Anything else the backend reported. */
  | 'Internal';

export interface StorageErrorOptions {
  /** The key involved, when there is one. */
  key?: string;
  /** The revision involved (compacted revision, requested revision, ...). */
  revision?: number;
  /** The store's current revision, when known (for Compacted/TooLargeResourceVersion). */
  currentRevision?: number;
  cause?: unknown;
}

/** An error from the storage layer. `code` says what happened; `key` names the key, when any. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly key: string | undefined;
  readonly revision: number | undefined;
  readonly currentRevision: number | undefined;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.key = options.key;
    this.revision = options.revision;
    this.currentRevision = options.currentRevision;
  }
}

/** True when `err` is a StorageError, optionally of the given code. */
export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const keyNotFound = (key: string): StorageError =>
  new StorageError('KeyNotFound', `key not found: ${key}`, { key });

export const keyExists = (key: string): StorageError =>
  new StorageError('KeyExists', `key exists: ${key}`, { key });

export const compacted = (revision: number, compactedRevision: number): StorageError =>
  new StorageError(
    'Compacted',
    `required revision ${revision} has been compacted (compacted revision ${compactedRevision})`,
    { revision, currentRevision: compactedRevision },
  );
