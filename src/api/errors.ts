/**
 * Kubernetes API errors: `StatusError` carries a `metav1.Status`, the only error shape that
 * crosses HTTP. Constructors and predicates are ported from Kubernetes 1.32
 * staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go (messages, reasons, codes and
 * details exactly as upstream), plus the two negotiation errors of
 * staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation/errors.go and the
 * non-Status fallback of .../handlers/responsewriters/status.go (ErrorToAPIStatus).
 *
 * Predicates (`isNotFound`, ...) accept anything: a StatusError, a plain decoded Status object
 * (what a client reads from a response body), an object with such a `status` property, or an
 * Error whose `cause` chain holds one of those (Go's errors.As).
 */
import type { Status, StatusCause, StatusDetails } from 'kubernetes-types/meta/v1.js';
import { goQuote, toAggregateMessage } from './validation/index.ts';
import type { FieldError } from './validation/index.ts';

/** metav1.StatusReason values. '' is StatusReasonUnknown. */
export const StatusReason = {
  Unknown: '',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Gone: 'Gone',
  Invalid: 'Invalid',
  ServerTimeout: 'ServerTimeout',
  StoreReadError: 'StorageReadError',
  Timeout: 'Timeout',
  TooManyRequests: 'TooManyRequests',
  BadRequest: 'BadRequest',
  MethodNotAllowed: 'MethodNotAllowed',
  NotAcceptable: 'NotAcceptable',
  RequestEntityTooLarge: 'RequestEntityTooLarge',
  UnsupportedMediaType: 'UnsupportedMediaType',
  InternalError: 'InternalError',
  Expired: 'Expired',
  ServiceUnavailable: 'ServiceUnavailable',
} as const;
/** One of the StatusReason values (or any other string a server sent). */
export type StatusReason = (typeof StatusReason)[keyof typeof StatusReason];

/** Reasons upstream knows; for other reasons the predicates fall back to the HTTP code. */
const KNOWN_REASONS: ReadonlySet<string> = new Set(
  Object.values(StatusReason).filter((r) => r !== ''),
);

/** A resource name qualified by its API group (schema.GroupResource). '' is the core group. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A kind qualified by its API group (schema.GroupKind). '' is the core group. */
export interface GroupKind {
  group: string;
  kind: string;
}

/** GroupResource.String(): `pods`, `deployments.apps`. */
export function groupResourceString(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** GroupKind.String(): `Pod`, `Deployment.apps`. */
export function groupKindString(gk: GroupKind): string {
  return gk.group === '' ? gk.kind : `${gk.kind}.${gk.group}`;
}

/** Fields of a Status detail; empty values are dropped to match Go's `omitempty`. */
interface DetailsInit {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** Builds StatusDetails with upstream's JSON field order and omitempty behaviour. */
function details(init: DetailsInit): StatusDetails {
  const d: StatusDetails = {};
  if (init.name) d.name = init.name;
  if (init.group) d.group = init.group;
  if (init.kind) d.kind = init.kind;
  if (init.causes && init.causes.length > 0) d.causes = init.causes;
  if (init.retryAfterSeconds) d.retryAfterSeconds = init.retryAfterSeconds;
  return d;
}

/**
 * Builds a failure Status in the JSON field order the Go API server writes:
 * kind, apiVersion, metadata, status, message, reason, details, code.
 */
function failure(
  code: number,
  reason: string,
  message: string,
  statusDetails?: StatusDetails,
): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' };
  if (message) s.message = message;
  if (reason) s.reason = reason;
  if (statusDetails) s.details = statusDetails;
  if (code) s.code = code;
  return s;
}

/**
 * An error that is a Kubernetes Status. `status` is the wire object (`JSON.stringify(err)`
 * writes it); the error owns it, so callers copy it before changing it.
 */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  readonly status: Status;

  constructor(status: Status, options?: { cause?: unknown }) {
    super(status.message ?? '', options);
    this.status = status;
  }

  /** The HTTP status code (0 when unset). */
  get code(): number {
    return this.status.code ?? 0;
  }

  /** The machine-readable reason ('' when unknown). */
  get reason(): string {
    return this.status.reason ?? '';
  }

  /** The Status object, so that JSON.stringify(err) gives the wire form. */
  toJSON(): Status {
    return this.status;
  }
}

/** Rebuilds a StatusError from a Status read off the wire (upstream FromObject). */
export function fromStatus(status: Status): StatusError {
  return new StatusError(status);
}

/** `<resource> "<name>" not found`, 404 NotFound. */
export function newNotFound(qualifiedResource: GroupResource, name: string): StatusError {
  return new StatusError(
    failure(
      404,
      StatusReason.NotFound,
      `${groupResourceString(qualifiedResource)} ${goQuote(name)} not found`,
      details({ name, group: qualifiedResource.group, kind: qualifiedResource.resource }),
    ),
  );
}

/** `<resource> "<name>" already exists`, 409 AlreadyExists. */
export function newAlreadyExists(qualifiedResource: GroupResource, name: string): StatusError {
  return new StatusError(
    failure(
      409,
      StatusReason.AlreadyExists,
      `${groupResourceString(qualifiedResource)} ${goQuote(name)} already exists`,
      details({ name, group: qualifiedResource.group, kind: qualifiedResource.resource }),
    ),
  );
}

/** generateName produced a name that exists: 409 AlreadyExists with a retry hint. */
export function newGenerateNameConflict(
  qualifiedResource: GroupResource,
  name: string,
  retryAfterSeconds: number,
): StatusError {
  return new StatusError(
    failure(
      409,
      StatusReason.AlreadyExists,
      `${groupResourceString(qualifiedResource)} ${goQuote(name)} already exists, the server was not able to generate a unique name for the object`,
      details({
        name,
        group: qualifiedResource.group,
        kind: qualifiedResource.resource,
        retryAfterSeconds,
      }),
    ),
  );
}

/** 401 Unauthorized; the message defaults to "not authorized". */
export function newUnauthorized(reason: string): StatusError {
  return new StatusError(
    failure(401, StatusReason.Unauthorized, reason.length === 0 ? 'not authorized' : reason),
  );
}

function messageOf(err: Error | string): string {
  return typeof err === 'string' ? err : err.message;
}

/**
 * 403 Forbidden: `<resource> "<name>" is forbidden: <err>`, or `<resource> is forbidden: ...`
 * without a name, or `forbidden: ...` without a resource.
 */
export function newForbidden(
  qualifiedResource: GroupResource,
  name: string,
  err: Error | string,
): StatusError {
  let message: string;
  if (qualifiedResource.group === '' && qualifiedResource.resource === '') {
    message = `forbidden: ${messageOf(err)}`;
  } else if (name === '') {
    message = `${groupResourceString(qualifiedResource)} is forbidden: ${messageOf(err)}`;
  } else {
    message = `${groupResourceString(qualifiedResource)} ${goQuote(name)} is forbidden: ${messageOf(err)}`;
  }
  return new StatusError(
    failure(
      403,
      StatusReason.Forbidden,
      message,
      details({ name, group: qualifiedResource.group, kind: qualifiedResource.resource }),
    ),
  );
}

/** 409 Conflict: `Operation cannot be fulfilled on <resource> "<name>": <err>`. */
export function newConflict(
  qualifiedResource: GroupResource,
  name: string,
  err: Error | string,
): StatusError {
  return new StatusError(
    failure(
      409,
      StatusReason.Conflict,
      `Operation cannot be fulfilled on ${groupResourceString(qualifiedResource)} ${goQuote(name)}: ${messageOf(err)}`,
      details({ name, group: qualifiedResource.group, kind: qualifiedResource.resource }),
    ),
  );
}

/** 409 Conflict for server-side apply conflicts, with the caller's causes. */
export function newApplyConflict(causes: StatusCause[], message: string): StatusError {
  return new StatusError(failure(409, StatusReason.Conflict, message, details({ causes })));
}

/** 410 Gone (deprecated upstream in favour of newResourceExpired). */
export function newGone(message: string): StatusError {
  return new StatusError(failure(410, StatusReason.Gone, message));
}

/** 410 Expired: the requested resourceVersion is too old (compacted). */
export function newResourceExpired(message: string): StatusError {
  return new StatusError(failure(410, StatusReason.Expired, message));
}

/**
 * 422 Invalid: `<Kind> "<name>" is invalid: <aggregate>` with one cause per field error
 * (reason = error type, message = error body, field = path), in list order.
 */
export function newInvalid(
  qualifiedKind: GroupKind,
  name: string,
  errs: readonly FieldError[],
): StatusError {
  const causes: StatusCause[] = errs.map((e) => {
    const c: StatusCause = { reason: e.type };
    const body = e.errorBody();
    if (body) c.message = body;
    if (e.field) c.field = e.field;
    return c;
  });
  const aggregate = toAggregateMessage(errs);
  const head = `${groupKindString(qualifiedKind)} ${goQuote(name)} is invalid`;
  return new StatusError(
    failure(
      422,
      StatusReason.Invalid,
      aggregate === '' ? head : `${head}: ${aggregate}`,
      details({ name, group: qualifiedKind.group, kind: qualifiedKind.kind, causes }),
    ),
  );
}

/** 400 BadRequest with `reason` as the message. */
export function newBadRequest(reason: string): StatusError {
  return new StatusError(failure(400, StatusReason.BadRequest, reason));
}

/** 429 TooManyRequests with a retry hint (details are present even when the hint is 0). */
export function newTooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return new StatusError(
    failure(429, StatusReason.TooManyRequests, message, details({ retryAfterSeconds })),
  );
}

/** 429 TooManyRequests: `Too many requests: <message>`, no details. */
export function newTooManyRequestsError(message: string): StatusError {
  return new StatusError(
    failure(429, StatusReason.TooManyRequests, `Too many requests: ${message}`),
  );
}

/** 503 ServiceUnavailable with `reason` as the message. */
export function newServiceUnavailable(reason: string): StatusError {
  return new StatusError(failure(503, StatusReason.ServiceUnavailable, reason));
}

/** 405 MethodNotAllowed: `<action> is not supported on resources of kind "<resource>"`. */
export function newMethodNotSupported(
  qualifiedResource: GroupResource,
  action: string,
): StatusError {
  return new StatusError(
    failure(
      405,
      StatusReason.MethodNotAllowed,
      `${action} is not supported on resources of kind ${goQuote(groupResourceString(qualifiedResource))}`,
      details({ group: qualifiedResource.group, kind: qualifiedResource.resource }),
    ),
  );
}

/**
 * 500 ServerTimeout: `The <operation> operation against <resource> could not be completed at
 * this time, please try again.` (details.name is the operation, as upstream).
 */
export function newServerTimeout(
  qualifiedResource: GroupResource,
  operation: string,
  retryAfterSeconds: number,
): StatusError {
  return new StatusError(
    failure(
      500,
      StatusReason.ServerTimeout,
      `The ${operation} operation against ${groupResourceString(qualifiedResource)} could not be completed at this time, please try again.`,
      details({
        name: operation,
        group: qualifiedResource.group,
        kind: qualifiedResource.resource,
        retryAfterSeconds,
      }),
    ),
  );
}

/** newServerTimeout keyed by kind (upstream NewServerTimeoutForKind). */
export function newServerTimeoutForKind(
  qualifiedKind: GroupKind,
  operation: string,
  retryAfterSeconds: number,
): StatusError {
  return newServerTimeout(
    { group: qualifiedKind.group, resource: qualifiedKind.kind },
    operation,
    retryAfterSeconds,
  );
}

/** 500 InternalError: `Internal error occurred: <err>`, with the message as the only cause. */
export function newInternalError(err: Error | string): StatusError {
  const msg = messageOf(err);
  const cause = typeof err === 'string' ? undefined : err;
  return new StatusError(
    failure(
      500,
      StatusReason.InternalError,
      `Internal error occurred: ${msg}`,
      details({ causes: [msg ? { message: msg } : {}] }),
    ),
    cause === undefined ? undefined : { cause },
  );
}

/** 504 Timeout: `Timeout: <message>`, with a retry hint (details present even when 0). */
export function newTimeoutError(message: string, retryAfterSeconds: number): StatusError {
  return new StatusError(
    failure(504, StatusReason.Timeout, `Timeout: ${message}`, details({ retryAfterSeconds })),
  );
}

/** 413 RequestEntityTooLarge: `Request entity too large: <message>`. */
export function newRequestEntityTooLarge(message: string): StatusError {
  return new StatusError(
    failure(413, StatusReason.RequestEntityTooLarge, `Request entity too large: ${message}`),
  );
}

/**
 * 415 UnsupportedMediaType for a request body in an unknown format (upstream negotiation
 * errUnsupportedMediaType), listing the accepted media types.
 */
export function newUnsupportedMediaType(accepted: readonly string[]): StatusError {
  return new StatusError(
    failure(
      415,
      StatusReason.UnsupportedMediaType,
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    ),
  );
}

/** 406 NotAcceptable when no acceptable response type exists (upstream errNotAcceptable). */
export function newNotAcceptable(accepted: readonly string[]): StatusError {
  return new StatusError(
    failure(
      406,
      StatusReason.NotAcceptable,
      `only the following media types are accepted: ${accepted.join(', ')}`,
    ),
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** A plain object that looks like a decoded failure Status. */
function looksLikeStatus(v: unknown): boolean {
  return (
    isRecord(v) &&
    v.kind === 'Status' &&
    (v.code === undefined || typeof v.code === 'number') &&
    (v.reason === undefined || typeof v.reason === 'string')
  );
}

/**
 * The Status carried by `err`, if any: a StatusError, a decoded Status, an object whose
 * `status` property is a Status, or any of those in the `cause` chain. Returns the shared
 * object (do not change it), or undefined.
 */
export function statusOf(err: unknown): Status | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (isRecord(cur) && !seen.has(cur)) {
    seen.add(cur);
    if (cur instanceof StatusError) {
      return cur.status;
    }
    // looksLikeStatus checked the fields that matter; Status has only optional fields.
    if (looksLikeStatus(cur)) {
      return cur;
    }
    if (looksLikeStatus(cur.status)) {
      return cur.status as Status;
    }
    cur = cur.cause;
  }
  return undefined;
}

/** The reason of `err`'s Status, or '' (Unknown) when it has none (upstream ReasonForError). */
export function reasonForError(err: unknown): string {
  return statusOf(err)?.reason ?? '';
}

function reasonAndCode(err: unknown): [string, number] {
  const s = statusOf(err);
  return s ? [s.reason ?? '', s.code ?? 0] : ['', 0];
}

/** True when the reason matches, or the reason is not a known one and the code matches. */
function matches(err: unknown, reason: string, code: number): boolean {
  const [r, c] = reasonAndCode(err);
  if (r === reason) {
    return r !== '';
  }
  return !KNOWN_REASONS.has(r) && c === code;
}

/** 404 NotFound. */
export function isNotFound(err: unknown): boolean {
  return matches(err, StatusReason.NotFound, 404);
}
/** 409 AlreadyExists (reason only, as upstream). */
export function isAlreadyExists(err: unknown): boolean {
  return reasonForError(err) === StatusReason.AlreadyExists;
}
/** 409 Conflict. */
export function isConflict(err: unknown): boolean {
  return matches(err, StatusReason.Conflict, 409);
}
/** 422 Invalid. */
export function isInvalid(err: unknown): boolean {
  return matches(err, StatusReason.Invalid, 422);
}
/** 410 Gone. */
export function isGone(err: unknown): boolean {
  return matches(err, StatusReason.Gone, 410);
}
/** 410 Expired (reason only, as upstream). */
export function isResourceExpired(err: unknown): boolean {
  return reasonForError(err) === StatusReason.Expired;
}
/** 406 NotAcceptable. */
export function isNotAcceptable(err: unknown): boolean {
  return matches(err, StatusReason.NotAcceptable, 406);
}
/** 415 UnsupportedMediaType. */
export function isUnsupportedMediaType(err: unknown): boolean {
  return matches(err, StatusReason.UnsupportedMediaType, 415);
}
/** 405 MethodNotAllowed. */
export function isMethodNotSupported(err: unknown): boolean {
  return matches(err, StatusReason.MethodNotAllowed, 405);
}
/** 503 ServiceUnavailable. */
export function isServiceUnavailable(err: unknown): boolean {
  return matches(err, StatusReason.ServiceUnavailable, 503);
}
/** 400 BadRequest. */
export function isBadRequest(err: unknown): boolean {
  return matches(err, StatusReason.BadRequest, 400);
}
/** 401 Unauthorized. */
export function isUnauthorized(err: unknown): boolean {
  return matches(err, StatusReason.Unauthorized, 401);
}
/** 403 Forbidden. */
export function isForbidden(err: unknown): boolean {
  return matches(err, StatusReason.Forbidden, 403);
}
/** 504 Timeout. */
export function isTimeout(err: unknown): boolean {
  return matches(err, StatusReason.Timeout, 504);
}
/** ServerTimeout (reason only: no HTTP code is specific to it). */
export function isServerTimeout(err: unknown): boolean {
  return reasonForError(err) === StatusReason.ServerTimeout;
}
/** 500 InternalError (also any 500 with an unknown reason). */
export function isInternalError(err: unknown): boolean {
  return matches(err, StatusReason.InternalError, 500);
}
/** 429 TooManyRequests, by reason or by code whatever the reason (as upstream). */
export function isTooManyRequests(err: unknown): boolean {
  const [r, c] = reasonAndCode(err);
  return r === StatusReason.TooManyRequests || c === 429;
}
/** 413 RequestEntityTooLarge, by reason or by code whatever the reason (as upstream). */
export function isRequestEntityTooLarge(err: unknown): boolean {
  const [r, c] = reasonAndCode(err);
  return r === StatusReason.RequestEntityTooLarge || c === 413;
}
/** StorageReadError (reason only). */
export function isStoreReadError(err: unknown): boolean {
  return reasonForError(err) === StatusReason.StoreReadError;
}

/** The first cause of `err`'s Status with the given reason (upstream StatusCause). */
export function statusCause(err: unknown, causeType: string): StatusCause | undefined {
  return statusOf(err)?.details?.causes?.find((c) => c.reason === causeType);
}

/**
 * Seconds the server asked the client to wait, if any (upstream SuggestsClientDelay):
 * ServerTimeout always suggests its retryAfterSeconds; other Statuses only when it is > 0.
 */
export function suggestsClientDelay(err: unknown): number | undefined {
  const s = statusOf(err);
  if (s?.details === undefined) {
    return undefined;
  }
  const after = s.details.retryAfterSeconds ?? 0;
  if (s.reason === StatusReason.ServerTimeout) {
    return after;
  }
  return after > 0 ? after : undefined;
}

/**
 * The Status to send for any thrown value (upstream ErrorToAPIStatus): a Status-carrying error
 * gives its Status (kind/apiVersion set, status defaulted to Failure, code defaulted to 500 or
 * 200 for Success); anything else becomes a 500 with an unknown reason and the error's
 * message, which `isInternalError` recognises. Returns a new object owned by the caller.
 */
export function statusFromError(err: unknown): Status {
  const found = statusOf(err);
  if (found !== undefined) {
    const status = found.status !== undefined && found.status !== '' ? found.status : 'Failure';
    const code =
      found.code !== undefined && found.code !== 0 ? found.code : status === 'Success' ? 200 : 500;
    const out: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: found.metadata ?? {},
      status,
    };
    if (found.message !== undefined && found.message !== '') out.message = found.message;
    if (found.reason !== undefined && found.reason !== '') out.reason = found.reason;
    if (found.details !== undefined) out.details = found.details;
    out.code = code;
    return structuredClone(out);
  }
  return failure(500, StatusReason.Unknown, errorMessage(err));
}

/** Error.message, a string as is, or a JSON-ish rendering of anything else. */
function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  if (typeof err === 'string') {
    return err;
  }
  try {
    // JSON.stringify returns undefined for functions and symbols despite its declared type.
    const json = JSON.stringify(err) as string | undefined;
    return json ?? String(err);
  } catch {
    return String(err);
  }
}
