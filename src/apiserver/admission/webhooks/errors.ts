/**
 * The webhook error families of Kubernetes 1.32 (k8s.io/apiserver/pkg/util/webhook/error.go
 * and .../admission/plugin/webhook/errors): a failure to talk to a webhook (subject to
 * failurePolicy) versus a webhook's deliberate rejection (always final), and the Status a
 * rejection becomes.
 */
import type { Status } from 'kubernetes-types/meta/v1.js';
import { StatusError, goQuote, newBadRequest } from '../../../api/index.ts';

/**
 * A transport-level failure calling a webhook (upstream ErrCallingWebhook): connection, TLS,
 * timeout, bad response. `failurePolicy: Ignore` skips it; `Fail` turns it into a 500
 * `Internal error occurred: failed calling webhook "<name>": <reason>`.
 */
export class CallingWebhookError extends Error {
  override readonly name = 'CallingWebhookError';

  constructor(
    readonly webhookName: string,
    /** The reason text, as upstream's wrapped error prints it; '' for none. */
    readonly reason: string,
    /** The Status upstream records for metrics; the request error is built from the message. */
    readonly status: StatusError,
    options?: { cause?: unknown },
  ) {
    super(
      reason !== ''
        ? `failed calling webhook ${goQuote(webhookName)}: ${reason}`
        : `failed calling webhook ${goQuote(webhookName)}; no further details available`,
      options,
    );
  }
}

/** A webhook that answered and said no (upstream ErrWebhookRejection). */
export class WebhookRejectionError extends Error {
  override readonly name = 'WebhookRejectionError';

  constructor(readonly status: StatusError) {
    super(status.message);
  }
}

/**
 * Upstream ToStatusErr: the webhook's `result` Status with code at least 400, status Failure,
 * and the message `admission webhook "<name>" denied the request: <message or reason>` (or
 * `... denied the request without explanation`). Reason and details are kept as sent.
 */
export function toStatusErr(webhookName: string, result: Status | undefined): StatusError {
  const status: Status = result === undefined ? { status: 'Failure' } : structuredClone(result);
  const deniedBy = `admission webhook ${goQuote(webhookName)} denied the request`;
  if ((status.code ?? 0) < 400) status.code = 400;
  if (status.status === undefined || status.status === '' || status.status === 'Success') {
    status.status = 'Failure';
  }
  if (status.message !== undefined && status.message !== '') {
    status.message = `${deniedBy}: ${status.message}`;
  } else if (status.reason !== undefined && status.reason !== '') {
    status.message = `${deniedBy}: ${status.reason}`;
  } else {
    status.message = `${deniedBy} without explanation`;
  }
  // Go's field order, with the kind/apiVersion/metadata its encoder always writes.
  const out: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: status.metadata ?? {},
    status: status.status,
    message: status.message,
  };
  if (status.reason !== undefined && status.reason !== '') out.reason = status.reason;
  if (status.details !== undefined) out.details = status.details;
  out.code = status.code;
  return new StatusError(out);
}

/** Upstream NewDryRunUnsupportedErr: 400 `admission webhook "<name>" does not support dry run`. */
export function newDryRunUnsupportedErr(webhookName: string): StatusError {
  return newBadRequest(`admission webhook ${goQuote(webhookName)} does not support dry run`);
}
