/**
 * The StoreTransformer contract and the StorageErrors its failures become. Upstream's etcd3 store
 * turns every transformer failure into storage.NewInternalError(err.Error()) (a list names the
 * key: `unable to transform key "K": ...`), which the API server answers with a 500
 * "Internal error occurred: ...".
 */
import { StorageError } from '../errors.ts';

/** The result of reading a stored value back. */
export interface StoreFromStorageResult {
  /** The plaintext. May share memory with the input (identity); the Store never mutates it. */
  data: Uint8Array;
  /**
   * True when the value was not written with the preferred (first) provider and key. An update
   * then writes even an unchanged object, so rewriting every object re-encrypts it after a key
   * rotation or when encryption is turned on or off.
   */
  stale: boolean;
}

/**
 * Transforms values on their way to and from the backend (upstream value.Transformer). `key`
 * is the full storage key (`/registry/secrets/ns/name`): encrypting transformers authenticate
 * it, so a value copied under another key does not decrypt. Both methods are synchronous
 * (they run once per object on every read and write), must not mutate their input, and throw
 * when the value cannot be transformed; the Store reports that as an Internal StorageError
 * naming the key, with the thrown error as `cause`.
 */
export interface StoreTransformer {
  toStorage(data: Uint8Array, key: string): Uint8Array;
  fromStorage(data: Uint8Array, key: string): StoreFromStorageResult;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The error for a failed `fromStorage` of `key`. `listing` selects upstream's list wording,
 * which names the key because one list reads many; a get, update, delete or watch of one key
 * carries the transformer's message alone, as upstream.
 */
export function transformFromStorageError(
  key: string,
  err: unknown,
  listing = false,
): StorageError {
  const msg = messageOf(err);
  return new StorageError(
    'Internal',
    listing ? `unable to transform key ${JSON.stringify(key)}: ${msg}` : msg,
    { key, cause: err },
  );
}

/** The error for a failed `toStorage` of `key` (upstream: the transformer's message). */
export function transformToStorageError(key: string, err: unknown): StorageError {
  return new StorageError('Internal', messageOf(err), { key, cause: err });
}
