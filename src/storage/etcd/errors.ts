/**
 * Translation of etcd3/gRPC failures into StorageError. etcd reports most conditions only as
 * message text (`mvcc: required revision has been compacted`), and etcd3 re-types gRPC errors
 * by status code, so both are checked.
 */
import {
  ClientClosedError,
  castGrpcError,
  GRPCDeadlineExceededError,
  GRPCResourceExhastedError,
  GRPCUnavailableError,
} from 'etcd3';
import { StorageError, isStorageError } from '../errors.ts';

const compactedMessage = 'required revision has been compacted';
const futureRevisionMessage = 'required revision is a future revision';
const leaseNotFoundMessage = 'requested lease not found';

/**
 * Stream errors come straight from gRPC (plain Errors with a numeric `code`); unary errors were
 * already re-typed by etcd3. Re-type the former the same way.
 */
export function normalize(err: unknown): unknown {
  return err instanceof Error && err.constructor === Error ? castGrpcError(err) : err;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when etcd said the requested revision was compacted (the caller adds the numbers). */
export function isCompactedError(err: unknown): boolean {
  return messageOf(err).includes(compactedMessage);
}

/** True when a put referenced a lease that expired or was revoked meanwhile. */
export function isLeaseNotFound(err: unknown): boolean {
  return messageOf(err).includes(leaseNotFoundMessage);
}

/**
 * True for failures worth retrying on another endpoint or after a short pause: the member is
 * down or has no leader (all gRPC UNAVAILABLE), or etcd3's per-host circuit breaker is open.
 */
export function isUnavailable(err: unknown): boolean {
  if (normalize(err) instanceof GRPCUnavailableError) return true;
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { isBrokenCircuitError?: unknown }).isBrokenCircuitError === true
  );
}

/** Maps any failure from the etcd client to a StorageError with the original as `cause`. */
export function toStorageError(raw: unknown, op: string, key?: string): StorageError {
  if (isStorageError(raw)) return raw;
  const err = normalize(raw);
  const msg = messageOf(err);
  const base = { key, cause: raw };
  if (msg.includes(futureRevisionMessage)) {
    return new StorageError('TooLargeResourceVersion', `etcd ${op}: ${msg}`, base);
  }
  if (msg.includes('request is too large') || err instanceof GRPCResourceExhastedError) {
    return new StorageError('TooLarge', `etcd ${op}: ${msg}`, base);
  }
  if (isUnavailable(err)) {
    return new StorageError('Unreachable', `etcd ${op}: unreachable: ${msg}`, base);
  }
  if (err instanceof GRPCDeadlineExceededError) {
    return new StorageError('Timeout', `etcd ${op}: deadline exceeded: ${msg}`, base);
  }
  if (err instanceof ClientClosedError) {
    return new StorageError('Closed', `etcd ${op}: client closed`, base);
  }
  return new StorageError('Internal', `etcd ${op}: ${msg}`, base);
}
