/**
 * Why a protobuf body was rejected. `malformed`: the bytes are not a valid encoding of the
 * expected message (upstream answers 400 BadRequest). `unknown-kind`: the envelope names a kind
 * we hold no descriptor for, or the body is not Kubernetes protobuf at all (the API server answers
 * 415 UnsupportedMediaType). `unsupported-encoding`: the envelope asks for a content encoding or
 * inner content type we do not implement (also 415).
 */
export type ProtobufDecodeErrorReason = 'malformed' | 'unknown-kind' | 'unsupported-encoding';

/**
 * The only error the protobuf decoder throws, whatever the input: hostile or truncated bytes,
 * wrong wire types, excessive nesting, unknown kinds. `offset` is the byte offset (within the
 * message being decoded) where the problem was found, when known.
 */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
  readonly reason: ProtobufDecodeErrorReason;
  readonly offset: number | undefined;

  constructor(
    message: string,
    options: { reason?: ProtobufDecodeErrorReason; offset?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason ?? 'malformed';
    this.offset = options.offset;
  }
}
