/**
 * The one error class the patch functions throw, classified the way the Go API server maps
 * patch failures to HTTP (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go):
 *
 * - `BadRequest` (400): the patch document cannot be decoded (JSON patch `DecodePatch`,
 *   merge patch `ErrBadJSONPatch`, SMP `ErrBadJSONDoc` and the malformed-directive errors of
 *   `interpretStrategicMergePatchError`).
 * - `Invalid` (422): a JSON patch that decodes but fails to apply (`NewGenericServerResponse(
 *   422, ...)`, whose message is the fixed text "the server rejected our request due to an
 *   error in our request"; the library's own message is kept in `detail`), the SMP errors
 *   `ErrNoListOfLists` / `ErrPatchContentNotMatchRetainKeys` (same generic 422), and a patched
 *   document that is not an object (upstream's decode failure, `NewInvalid` on field `patch`).
 * - `RequestEntityTooLarge` (413): a JSON patch with more than 10000 operations.
 * - `Internal` (500, reason unknown): every other SMP failure (missing merge key, unknown
 *   `$patch` value, ...), which upstream returns as a plain error that ErrorToAPIStatus turns
 *   into a 500 carrying the raw message.
 */
import type { Status } from 'kubernetes-types/meta/v1.js';
import { StatusError, newBadRequest, newInvalid, newRequestEntityTooLarge } from '../errors.ts';
import { invalid, newPath } from '../validation/index.ts';

/** How the API server answers a failed patch. */
export type PatchErrorKind = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | 'Internal';

/** The message upstream's NewGenericServerResponse uses for a 422. */
export const GENERIC_UNPROCESSABLE_MESSAGE =
  'the server rejected our request due to an error in our request';

/**
 * A failed patch. `status` is the `metav1.Status` the API server sends for it (so
 * `statusOf`/`statusFromError` from the errors module understand a PatchError as is);
 * `detail` is the underlying library message (what upstream's jsonpatch/strategicpatch
 * returned), useful for logs even when the wire message is generic.
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  /** The wire Status; owned by the error, copy it before changing it. */
  readonly status: Status;

  constructor(
    readonly kind: PatchErrorKind,
    readonly detail: string,
    status: Status,
    options?: { cause?: unknown },
  ) {
    super(status.message ?? detail, options);
    this.status = status;
  }

  /** The HTTP status code (400, 413, 422 or 500). */
  get code(): number {
    return this.status.code ?? 500;
  }

  /** The same failure as a StatusError (a new object on each call). */
  toStatusError(): StatusError {
    return new StatusError(structuredClone(this.status), { cause: this });
  }
}

/** 400 BadRequest with `message` as the Status message. */
export function badRequest(message: string): PatchError {
  return new PatchError('BadRequest', message, newBadRequest(message).status);
}

/** 422 with upstream's generic message (NewGenericServerResponse); `detail` kept aside. */
export function unprocessable(detail: string): PatchError {
  return new PatchError('Invalid', detail, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: GENERIC_UNPROCESSABLE_MESSAGE,
    reason: 'Invalid',
    details: {},
    code: 422,
  });
}

/**
 * 422 Invalid on field `patch`, as upstream reports a patched document that does not decode
 * into the object: `NewInvalid(GroupKind{}, "", [Invalid(patch, <patched JSON>, detail)])`.
 */
export function invalidPatchedObject(patchedJson: string, detail: string): PatchError {
  const err = newInvalid({ group: '', kind: '' }, '', [
    invalid(newPath('patch'), patchedJson, detail),
  ]);
  return new PatchError('Invalid', detail, err.status);
}

/** 413 for a JSON patch with too many operations. */
export function tooManyOperations(max: number, got: number): PatchError {
  const message = `The allowed maximum operations in a JSON patch is ${String(max)}, got ${String(got)}`;
  return new PatchError('RequestEntityTooLarge', message, newRequestEntityTooLarge(message).status);
}

/** 500 with an unknown reason and the raw message (ErrorToAPIStatus of a plain error). */
export function internal(message: string): PatchError {
  return new PatchError('Internal', message, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    code: 500,
  });
}
