/**
 * AdmissionReview requests and responses, ported from Kubernetes 1.32
 * k8s.io/apiserver/pkg/admission/plugin/webhook/request/admissionreview.go plus the decoding
 * client-go does before (`Do().Into()`), with upstream's error texts.
 */
import type { Status } from 'kubernetes-types/meta/v1.js';
import { StatusError, goQuote } from '../../../api/index.ts';
import type {
  AdmissionAttributes,
  GroupVersionKind,
  GroupVersionResource,
  JsonObject,
} from './types.ts';
import type { WebhookInvocation } from './matching.ts';
import type { WebhookHttpResponse } from './client.ts';

/** The AdmissionReview versions we can send, in our preference order. */
export const SUPPORTED_REVIEW_VERSIONS = ['v1', 'v1beta1'] as const;

/** An AdmissionReview version we send. */
export type ReviewVersion = (typeof SUPPORTED_REVIEW_VERSIONS)[number];

/**
 * The first of the webhook's `admissionReviewVersions` we support, or undefined (upstream then
 * fails the call: `webhook does not accept known AdmissionReview versions (v1, v1beta1)`).
 */
export function pickReviewVersion(
  versions: readonly string[] | undefined,
): ReviewVersion | undefined {
  for (const v of versions ?? []) {
    if (v === 'v1' || v === 'v1beta1') return v;
  }
  return undefined;
}

function gvk(k: GroupVersionKind): JsonObject {
  return { group: k.group, version: k.version, kind: k.kind };
}

function gvr(r: GroupVersionResource): JsonObject {
  return { group: r.group, version: r.version, resource: r.resource };
}

/**
 * Upstream CreateV1AdmissionReview / CreateV1beta1AdmissionReview: `kind`/`resource`/
 * `subResource` are what the webhook matched (its version under matchPolicy Equivalent),
 * `request*` what the client asked for. Field order and omitempty as Go encodes them; absent
 * objects are `null` as Go's RawExtension writes them.
 */
export function createAdmissionReview(
  version: ReviewVersion,
  uid: string,
  attr: AdmissionAttributes,
  invocation: WebhookInvocation,
  object: JsonObject | undefined,
  oldObject: JsonObject | undefined,
): JsonObject {
  const userInfo: JsonObject = {};
  if (attr.userInfo.username !== '') userInfo.username = attr.userInfo.username;
  if (attr.userInfo.uid !== undefined && attr.userInfo.uid !== '') userInfo.uid = attr.userInfo.uid;
  if (attr.userInfo.groups !== undefined && attr.userInfo.groups.length > 0) {
    userInfo.groups = attr.userInfo.groups;
  }
  if (attr.userInfo.extra !== undefined && Object.keys(attr.userInfo.extra).length > 0) {
    userInfo.extra = attr.userInfo.extra;
  }
  const req: JsonObject = {
    uid,
    kind: gvk(invocation.kind),
    resource: gvr(invocation.resource),
  };
  if (invocation.subresource !== '') req.subResource = invocation.subresource;
  req.requestKind = gvk(attr.kind);
  req.requestResource = gvr(attr.resource);
  if (attr.subresource !== '') req.requestSubResource = attr.subresource;
  if (attr.name !== '') req.name = attr.name;
  if (attr.namespace !== '') req.namespace = attr.namespace;
  req.operation = attr.operation;
  req.userInfo = userInfo;
  req.object = object ?? null;
  req.oldObject = oldObject ?? null;
  req.dryRun = attr.dryRun;
  req.options = attr.options ?? null;
  return { kind: 'AdmissionReview', apiVersion: `admission.k8s.io/${version}`, request: req };
}

/** The fields of a verified AdmissionReview response (upstream request.AdmissionResponse). */
export interface AdmissionResponse {
  readonly allowed: boolean;
  readonly auditAnnotations: Readonly<Record<string, string>>;
  /** The decoded patch bytes; empty when none. */
  readonly patch: Buffer;
  /** '' when none. */
  readonly patchType: string;
  readonly result: Status | undefined;
  readonly warnings: readonly string[];
}

/** A decode failure (client-go level: reported as `failed to call webhook: <msg>`). */
export class ReviewDecodeError extends Error {
  override readonly name = 'ReviewDecodeError';
  constructor(
    message: string,
    /** Set when the webhook answered with an HTTP error (the StatusError client-go builds). */
    readonly status?: StatusError,
  ) {
    super(message);
  }
}

/** A response that decoded but is not acceptable (`received invalid webhook response: <msg>`). */
export class ReviewVerifyError extends Error {
  override readonly name = 'ReviewVerifyError';
}

const GENERIC_MESSAGES: Readonly<Record<number, [string, string]>> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['AlreadyExists', 'the server reported a conflict'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: [
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
  ],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
};

/**
 * client-go's handling of a non-2xx answer: a `Status` body is used as is, anything else
 * becomes NewGenericServerResponse's message for the code (POST, no resource).
 */
function httpError(res: WebhookHttpResponse): ReviewDecodeError {
  const text = res.body.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && parsed.kind === 'Status' && typeof parsed.message === 'string') {
      const status = parsed as Status;
      return new ReviewDecodeError(status.message ?? '', new StatusError(status));
    }
  } catch {
    // not JSON: fall through to the generic message
  }
  const code = res.statusCode;
  const serverMessage = /^text\//.test(res.contentType) ? text.trim() : 'unknown';
  let reason = 'Unknown';
  let message = `the server responded with the status code ${String(code)} but did not return more information`;
  const known = GENERIC_MESSAGES[code];
  if (known !== undefined) {
    [reason, message] = known;
  } else if (code === 403 || code === 415) {
    reason = code === 403 ? 'Forbidden' : 'UnsupportedMediaType';
    message = serverMessage;
  } else if (code === 406) {
    reason = 'NotAcceptable';
    message =
      serverMessage === '' || serverMessage === 'unknown'
        ? 'the server was unable to respond with a content type that the client supports'
        : serverMessage;
  } else if (code >= 500) {
    reason = 'InternalError';
    message = `an error on the server (${goQuote(serverMessage)}) has prevented the request from succeeding`;
  }
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: { causes: [{ reason: 'UnexpectedServerResponse', message: serverMessage }] },
    code,
  };
  return new ReviewDecodeError(message, new StatusError(status));
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes a webhook's answer into an AdmissionReview object (client-go's part) and verifies
 * it (upstream VerifyAdmissionResponse). Throws ReviewDecodeError or ReviewVerifyError.
 */
export function decodeAdmissionResponse(
  res: WebhookHttpResponse,
  version: ReviewVersion,
  uid: string,
  mutating: boolean,
): AdmissionResponse {
  if (res.statusCode < 200 || res.statusCode > 206) throw httpError(res);
  const text = res.body.toString('utf8');
  let review: unknown;
  try {
    review = JSON.parse(text);
  } catch (e) {
    throw new ReviewDecodeError(
      `couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!isObject(review)) {
    throw new ReviewDecodeError(
      "couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct",
    );
  }
  if (typeof review.kind !== 'string' || review.kind === '') {
    throw new ReviewDecodeError(`Object 'Kind' is missing in '${text}'`);
  }
  const response = review.response;
  if (response !== undefined && response !== null && !isObject(response)) {
    throw new ReviewDecodeError(
      'json: cannot unmarshal into Go struct field AdmissionReview.response of type v1.AdmissionResponse',
    );
  }
  if (!isObject(response)) throw new ReviewVerifyError('webhook response was absent');
  const apiVersion = typeof review.apiVersion === 'string' ? review.apiVersion : '';

  const patchB64 = response.patch;
  let patch = Buffer.alloc(0);
  if (patchB64 !== undefined && patchB64 !== null) {
    if (typeof patchB64 !== 'string' || !BASE64.test(patchB64) || patchB64.length % 4 !== 0) {
      throw new ReviewDecodeError('illegal base64 data in response.patch');
    }
    patch = Buffer.from(patchB64, 'base64');
  }
  const patchTypeRaw = response.patchType;
  const hasPatchType = patchTypeRaw !== undefined && patchTypeRaw !== null;
  const patchType = typeof patchTypeRaw === 'string' ? patchTypeRaw : '';
  let outPatch = Buffer.alloc(0);
  let outPatchType = '';

  if (version === 'v1') {
    const gotUid = typeof response.uid === 'string' ? response.uid : '';
    if (gotUid !== uid) {
      throw new ReviewVerifyError(`expected response.uid=${goQuote(uid)}, got ${goQuote(gotUid)}`);
    }
    const slash = apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const ver = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    if (group !== 'admission.k8s.io' || ver !== 'v1' || review.kind !== 'AdmissionReview') {
      throw new ReviewVerifyError(
        `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${group === '' ? '' : group + '/'}${ver}, Kind=${review.kind}`,
      );
    }
    if (mutating) {
      if (patch.length > 0 && !hasPatchType) {
        throw new ReviewVerifyError('webhook returned response.patch but not response.patchType');
      }
      if (patch.length === 0 && hasPatchType) {
        throw new ReviewVerifyError('webhook returned response.patchType but not response.patch');
      }
      if (hasPatchType && patchType === '') {
        throw new ReviewVerifyError(
          `webhook returned invalid response.patchType of ${goQuote(patchType)}`,
        );
      }
      outPatch = patch;
      outPatchType = patchType;
    } else {
      if (patch.length > 0)
        throw new ReviewVerifyError('validating webhook may not return response.patch');
      if (hasPatchType) {
        throw new ReviewVerifyError('validating webhook may not return response.patchType');
      }
    }
  } else if (mutating) {
    // v1beta1 never checked uid, kind or patchType; a patch is pinned to JSONPatch.
    outPatch = patch;
    if (patch.length > 0) outPatchType = 'JSONPatch';
  }

  const auditAnnotations: Record<string, string> = {};
  if (isObject(response.auditAnnotations)) {
    for (const [k, v] of Object.entries(response.auditAnnotations)) {
      if (typeof v === 'string') auditAnnotations[k] = v;
    }
  }
  const warnings = Array.isArray(response.warnings)
    ? response.warnings.filter((w): w is string => typeof w === 'string')
    : [];
  return {
    allowed: response.allowed === true,
    auditAnnotations,
    patch: outPatch,
    patchType: outPatchType,
    result: isObject(response.status) ? response.status : undefined,
    warnings,
  };
}
