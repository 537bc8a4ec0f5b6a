/**
 * The few bytes of gRPC a grpc probe needs, by hand (no protobuf library): the
 * grpc.health.v1.HealthCheckRequest / HealthCheckResponse messages, gRPC's length-prefixed
 * message framing, status codes and the `rpc error: code = … desc = …` text grpc-go prints.
 * Pure.
 */

/** The method path of grpc.health.v1.Health/Check. */
export const HEALTH_CHECK_PATH = '/grpc.health.v1.Health/Check';

/** HealthCheckResponse.ServingStatus values. */
export const ServingStatus = Object.freeze({
  0: 'UNKNOWN',
  1: 'SERVING',
  2: 'NOT_SERVING',
  3: 'SERVICE_UNKNOWN',
} as const);

/** gRPC status code names (codes.Code.String()). */
export const GRPC_CODE_NAMES: readonly string[] = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/** The name of a gRPC code (`Code(99)` for unknown ones, as grpc-go). */
export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES[code] ?? `Code(${code})`;
}

/** grpc-go's status error text. */
export function grpcErrorText(code: number, message: string): string {
  return `rpc error: code = ${grpcCodeName(code)} desc = ${message}`;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** Encodes HealthCheckRequest{service} (field 1, string; omitted when empty, as proto3). */
export function encodeHealthCheckRequest(service: string): Uint8Array {
  if (service === '') return new Uint8Array(0);
  const bytes = new TextEncoder().encode(service);
  return Uint8Array.from([0x0a, ...varint(bytes.length), ...bytes]);
}

/** Encodes HealthCheckResponse{status} (for tests and fake servers). */
export function encodeHealthCheckResponse(status: number): Uint8Array {
  return status === 0 ? new Uint8Array(0) : Uint8Array.from([0x08, ...varint(status)]);
}

/** A malformed protobuf or gRPC frame. */
export class GrpcDecodeError extends Error {
  override name = 'GrpcDecodeError';
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new GrpcDecodeError('truncated varint');
    const b = buf[pos++] ?? 0;
    if (shift < 32) result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, pos];
    if (shift > 63) throw new GrpcDecodeError('varint too long');
  }
}

/**
 * Decodes HealthCheckResponse.status (0 when absent); unknown fields are skipped.
 * @throws GrpcDecodeError on malformed input.
 */
export function decodeHealthCheckResponse(buf: Uint8Array): number {
  let status = 0;
  let pos = 0;
  while (pos < buf.length) {
    let tag: number;
    [tag, pos] = readVarint(buf, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      let v: number;
      [v, pos] = readVarint(buf, pos);
      if (field === 1) status = v;
    } else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      pos += len;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new GrpcDecodeError(`unsupported wire type ${wire}`);
    }
    if (pos > buf.length) throw new GrpcDecodeError('truncated field');
  }
  return status;
}

/** The name of a serving status (`SERVING`), or its number for unknown values, as protobuf-go. */
export function servingStatusName(status: number): string {
  return (ServingStatus as Record<number, string>)[status] ?? String(status);
}

/** Frames one uncompressed gRPC message (flag byte, 4-byte big-endian length, payload). */
export function frameGrpcMessage(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

/**
 * Reads the first gRPC message of a response body, or undefined when the body holds no complete
 * message. @throws GrpcDecodeError for compressed messages (never requested).
 */
export function unframeGrpcMessage(body: Uint8Array): Uint8Array | undefined {
  if (body.length < 5) return undefined;
  if (body[0] !== 0) throw new GrpcDecodeError('compressed message without grpc-encoding');
  const len = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(1);
  if (body.length < 5 + len) return undefined;
  return body.subarray(5, 5 + len);
}

/** gRPC's `grpc-timeout` header value for a timeout in ms (`1000m`). */
export function grpcTimeoutHeader(ms: number): string {
  return `${Math.max(1, Math.ceil(ms))}m`;
}

/** Decodes a percent-encoded `grpc-message` trailer. */
export function decodeGrpcMessage(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The gRPC code an HTTP status maps to when a response has no grpc-status (gRPC's table). */
export function httpStatusToGrpcCode(status: number): number {
  switch (status) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}
