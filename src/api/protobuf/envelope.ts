import { decodeMessage } from './decode.ts';
import type { JsonObject } from './decode.ts';
import { encodeMessage } from './encode.ts';
import { ProtobufDecodeError } from './errors.ts';
import { messageForKind } from './kinds.ts';
import { WireReader, WireType } from './wire.ts';
import { WireWriter } from './writer.ts';

/** The media type of Kubernetes protobuf bodies. */
export const KUBERNETES_PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The four bytes every Kubernetes protobuf body starts with: "k8s\0". */
export const KUBERNETES_PROTOBUF_MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/**
 * True when a Content-Type header names Kubernetes protobuf (`application/vnd.kubernetes.protobuf`,
 * any case, parameters ignored). An absent header is false: the API server treats it as JSON.
 */
export function isKubernetesProtobuf(contentType: string | undefined | null): boolean {
  if (contentType === undefined || contentType === null) return false;
  const semi = contentType.indexOf(';');
  const base = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return base === KUBERNETES_PROTOBUF_MEDIA_TYPE;
}

/** A decoded protobuf request body. `object` is fresh, owned by the caller, and includes apiVersion and kind. */
export interface DecodedKubernetesProtobuf {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function readTypeMeta(r: WireReader, env: Envelope): void {
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    const no = tag >>> 3;
    if (no === 1 || no === 2) {
      if (wt !== WireType.LengthDelimited) {
        throw new ProtobufDecodeError(`wrong wire type ${String(wt)} in TypeMeta`, {
          offset: r.pos,
        });
      }
      const text = utf8.decode(r.readBytes());
      if (no === 1) env.apiVersion = text;
      else env.kind = text;
    } else {
      if (wt === WireType.EndGroup)
        throw new ProtobufDecodeError('unexpected end group in TypeMeta');
      r.skip(wt);
    }
  }
}

/** Decodes the runtime.Unknown envelope that follows the magic bytes. */
function readEnvelope(body: Uint8Array): Envelope {
  const env: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0) };
  const r = new WireReader(body, KUBERNETES_PROTOBUF_MAGIC.length);
  while (!r.done()) {
    const tag = r.readTag();
    const wt = tag & 7;
    const no = tag >>> 3;
    if (no >= 1 && no <= 4) {
      if (wt !== WireType.LengthDelimited) {
        throw new ProtobufDecodeError(
          `wrong wire type ${String(wt)} for field ${String(no)} of runtime.Unknown`,
          {
            offset: r.pos,
          },
        );
      }
      const start = r.readDelimited();
      // Upstream's protobuf serializer ignores contentEncoding (3) and contentType (4) too.
      if (no === 1) readTypeMeta(new WireReader(body, start, r.pos), env);
      else if (no === 2) env.raw = body.subarray(start, r.pos);
    } else {
      if (wt === WireType.EndGroup)
        throw new ProtobufDecodeError('unexpected end group in runtime.Unknown');
      r.skip(wt);
    }
  }
  return env;
}

/**
 * Decodes a Kubernetes protobuf request body (magic "k8s\0" + runtime.Unknown) into the JSON
 * object the same request would have carried as `application/json`: `{apiVersion, kind, ...}`.
 *
 * `defaults` fills an empty kind, or an empty apiVersion, from the request's endpoint, as
 * upstream's serializer does with its default GroupVersionKind. Throws only
 * {@link ProtobufDecodeError}: reason `malformed` for bad bytes or a missing kind (answer 400),
 * `unknown-kind` for a kind with no descriptor (answer 415 UnsupportedMediaType).
 */
export function decodeKubernetesProtobuf(
  body: Uint8Array,
  defaults?: { apiVersion?: string; kind?: string },
): DecodedKubernetesProtobuf {
  try {
    return decodeBody(body, defaults);
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw err;
    // Defence in depth: no other exception may escape (e.g. a RangeError from the engine).
    throw new ProtobufDecodeError('protobuf body could not be decoded', { cause: err });
  }
}

function decodeBody(
  body: Uint8Array,
  defaults: { apiVersion?: string; kind?: string } | undefined,
): DecodedKubernetesProtobuf {
  if (!hasMagic(body)) {
    throw new ProtobufDecodeError(
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
    );
  }
  const env = readEnvelope(body);
  const kind = env.kind !== '' ? env.kind : (defaults?.kind ?? '');
  const apiVersion = env.apiVersion !== '' ? env.apiVersion : (defaults?.apiVersion ?? '');
  if (kind === '') throw new ProtobufDecodeError("Object 'Kind' is missing in protobuf body");
  if (apiVersion === '')
    throw new ProtobufDecodeError("Object 'apiVersion' is missing in protobuf body");
  const desc = messageForKind(apiVersion, kind);
  if (desc === undefined) {
    throw new ProtobufDecodeError(
      `no protobuf decoder for kind "${kind}" in version "${apiVersion}"`,
      { reason: 'unknown-kind' },
    );
  }
  const decoded: JsonObject = decodeMessage(env.raw, desc);
  const object: Record<string, unknown> = { apiVersion, kind, ...decoded };
  return { apiVersion, kind, object };
}

function hasMagic(body: Uint8Array): boolean {
  if (body.length < KUBERNETES_PROTOBUF_MAGIC.length) return false;
  for (let i = 0; i < KUBERNETES_PROTOBUF_MAGIC.length; i++) {
    if (body[i] !== KUBERNETES_PROTOBUF_MAGIC[i]) return false;
  }
  return true;
}

/**
 * Encodes a JSON object carrying apiVersion and kind as a Kubernetes protobuf body (the inverse
 * of {@link decodeKubernetesProtobuf}). Throws TypeError for an unsupported kind or a value of
 * the wrong JSON type. Used by tests; could serve protobuf responses later.
 */
export function encodeKubernetesProtobuf(object: Readonly<Record<string, unknown>>): Uint8Array {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    throw new TypeError('object needs string apiVersion and kind');
  }
  const desc = messageForKind(apiVersion, kind);
  if (desc === undefined) throw new TypeError(`no protobuf descriptor for ${apiVersion} ${kind}`);
  const raw = encodeMessage(object, desc);
  const w = new WireWriter().raw(KUBERNETES_PROTOBUF_MAGIC);
  w.tag(1, WireType.LengthDelimited).message((t) => {
    t.tag(1, WireType.LengthDelimited).string(apiVersion);
    t.tag(2, WireType.LengthDelimited).string(kind);
  });
  w.tag(2, WireType.LengthDelimited).bytes(raw);
  w.tag(3, WireType.LengthDelimited).string('');
  w.tag(4, WireType.LengthDelimited).string('');
  return w.finish();
}
