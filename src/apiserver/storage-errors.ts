/**
 * The one translation point from StorageError to Kubernetes Status errors
 * (upstream k8s.io/apiserver/pkg/storage/errors.go interpretStorageError / InterpretListError).
 */
import {
  StatusError,
  newAlreadyExists,
  newBadRequest,
  newConflict,
  newInternalError,
  newNotFound,
  newRequestEntityTooLarge,
  newResourceExpired,
  newServiceUnavailable,
  newTimeoutError,
  type GroupResource,
} from '../api/index.ts';
import { isStorageError } from '../storage/index.ts';

/** Converts any error from the storage layer into a StatusError; StatusErrors pass through. */
export function interpretStorageError(
  err: unknown,
  qualifiedResource: GroupResource,
  name: string,
): StatusError {
  if (err instanceof StatusError) return err;
  if (!isStorageError(err)) return newInternalError(err instanceof Error ? err : String(err));
  switch (err.code) {
    case 'KeyNotFound':
      return newNotFound(qualifiedResource, name);
    case 'KeyExists':
      return newAlreadyExists(qualifiedResource, name);
    case 'PreconditionFailed':
      return newConflict(qualifiedResource, name, err.message);
    case 'Compacted':
      return newResourceExpired(
        `too old resource version: ${String(err.revision ?? '')} (${String(err.currentRevision ?? '')})`,
      );
    case 'InvalidContinue':
      return newBadRequest(err.message);
    case 'TooLargeResourceVersion':
      return newTimeoutError(
        `Too large resource version: ${String(err.revision ?? '')}, current: ${String(err.currentRevision ?? '')}`,
        1,
      );
    case 'TooLarge':
      return newRequestEntityTooLarge('limit is 3145728');
    case 'InvalidObject':
      return newBadRequest(err.message);
    case 'Unreachable':
    case 'Closed':
      return newServiceUnavailable(err.message);
    case 'Timeout':
      return newTimeoutError(err.message, 1);
    default:
      return newInternalError(err);
  }
}
