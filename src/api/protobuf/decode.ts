import { ProtobufDecodeError } from './errors.ts';
import type { FieldDescriptor, MessageDescriptor, ValueType } from './schema.ts';
import {
  decodeDuration,
  decodeEmbeddedJSON,
  decodeIntOrString,
  decodeMicroTime,
  decodeQuantity,
  decodeStringArray,
  decodeTime,
} from './specials.ts';
import { WireReader, WireType } from './wire.ts';

/** Deepest message nesting accepted; deeper input is rejected instead of exhausting the stack. */
export const MAX_DEPTH = 100;

/** A JSON object as produced by the decoder. */
export type JsonObject = Record<string, unknown>;

/**
 * Decodes `buf[start, end)` as the message `desc` into its JSON form (see schema.ts for the
 * mapping rules). Unknown fields are skipped; a known field with the wrong wire type, a
 * truncated or overlong value, or nesting deeper than {@link MAX_DEPTH} throws
 * {@link ProtobufDecodeError}. The returned object is fresh and owned by the caller.
 */
export function decodeMessage(
  buf: Uint8Array,
  desc: MessageDescriptor,
  start = 0,
  end = buf.length,
): JsonObject {
  const out: JsonObject = {};
  decodeInto(new WireReader(buf, start, end), desc, out, 1);
  return out;
}

function decodeInto(r: WireReader, desc: MessageDescriptor, out: JsonObject, depth: number): void {
  if (depth > MAX_DEPTH) {
    throw new ProtobufDecodeError(`message nesting exceeds ${String(MAX_DEPTH)} levels`, {
      offset: r.pos,
    });
  }
  const fields = desc.fields;
  // Map entries are gathered and materialised once with Object.fromEntries: much faster than
  // growing an object key by key, and it defines `__proto__` as an own key like JSON.parse.
  let maps: Map<FieldDescriptor, [string, unknown][]> | undefined;
  while (!r.done()) {
    const tagAt = r.pos;
    const tag = r.readTag();
    const wt = tag & 7;
    const field = fields.get(tag >>> 3);
    if (field === undefined) {
      if (wt === WireType.EndGroup) {
        throw new ProtobufDecodeError(`wire type end group for non-group in ${desc.name}`, {
          offset: tagAt,
        });
      }
      r.skip(wt);
      continue;
    }
    switch (field.cardinality) {
      case 'single':
        decodeSingle(r, field, wt, out, depth, tagAt);
        break;
      case 'repeated':
        decodeRepeated(r, field, wt, out, depth, tagAt);
        break;
      case 'map': {
        maps ??= new Map();
        let entries = maps.get(field);
        if (entries === undefined) {
          entries = [];
          maps.set(field, entries);
        }
        entries.push(decodeMapEntry(r, field, wt, depth, tagAt));
        break;
      }
      case 'inline':
        expectWireType(field, desc.name, wt, WireType.LengthDelimited, tagAt);
        readComposite(r, field.type, depth, out);
        break;
    }
  }
  if (maps !== undefined) {
    for (const [field, entries] of maps) {
      const built: JsonObject = Object.fromEntries<unknown>(entries);
      const existing = out[field.name];
      if (isObject(existing)) {
        // A second occurrence of the enclosing message: merge, later keys winning.
        for (const [key, value] of Object.entries(built)) setKey(existing, key, value);
      } else {
        out[field.name] = built;
      }
    }
  }
}

function expectWireType(
  field: FieldDescriptor,
  owner: string,
  wt: number,
  want: number,
  at: number,
): void {
  if (wt !== want) {
    throw new ProtobufDecodeError(
      `wrong wire type ${String(wt)} for field ${field.name} (${String(field.number)}) of ${owner}`,
      { offset: at },
    );
  }
}

/** The wire type a value of `type` uses when not packed. */
function wireTypeOf(type: ValueType): number {
  if (type.kind !== 'scalar') return WireType.LengthDelimited;
  switch (type.scalar) {
    case 'string':
    case 'bytes':
      return WireType.LengthDelimited;
    case 'double':
      return WireType.Fixed64;
    default:
      return WireType.Varint;
  }
}

function readScalar(r: WireReader, type: ValueType & { kind: 'scalar' }): unknown {
  switch (type.scalar) {
    case 'string':
      return r.readString();
    case 'bytes':
      return r.readBase64();
    case 'bool':
      return r.readBool();
    case 'int32':
      return r.readInt32();
    case 'int64':
      return r.readInt64();
    case 'double':
      return r.readDouble();
  }
}

/** Reads one length-delimited value of a message or special type. */
function readComposite(r: WireReader, type: ValueType, depth: number, into?: JsonObject): unknown {
  const saved = r.enter();
  const value = readCompositeBody(r, type, depth, into);
  r.leave(saved);
  return value;
}

function readCompositeBody(
  r: WireReader,
  type: ValueType,
  depth: number,
  into?: JsonObject,
): unknown {
  const sub = r;
  if (type.kind === 'message') {
    const obj = into ?? {};
    decodeInto(sub, type.message, obj, depth + 1);
    return obj;
  }
  if (type.kind !== 'special') return undefined;
  switch (type.special) {
    case 'Time':
      return decodeTime(sub);
    case 'MicroTime':
      return decodeMicroTime(sub);
    case 'Duration':
      return decodeDuration(sub);
    case 'Quantity':
      return decodeQuantity(sub);
    case 'IntOrString':
      return decodeIntOrString(sub);
    case 'RawExtension':
      return decodeEmbeddedJSON(sub, 'RawExtension');
    case 'FieldsV1':
      return decodeEmbeddedJSON(sub, 'FieldsV1');
    case 'StringArray':
      return decodeStringArray(sub);
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function decodeSingle(
  r: WireReader,
  field: FieldDescriptor,
  wt: number,
  out: JsonObject,
  depth: number,
  at: number,
): void {
  const type = field.type;
  expectWireType(field, 'message', wt, wireTypeOf(type), at);
  if (type.kind === 'scalar') {
    const v = readScalar(r, type);
    // gogo writes non-pointer scalars even when zero; Go's JSON (omitempty) drops them, and a
    // later zero occurrence overrides an earlier value, so the key goes away.
    if (!field.pointer && isZero(v)) {
      if (Object.hasOwn(out, field.name)) Reflect.deleteProperty(out, field.name);
    } else {
      out[field.name] = v;
    }
    return;
  }
  if (type.kind === 'message') {
    // A repeated occurrence of a singular message merges into the first, as in protobuf.
    const existing = out[field.name];
    const into = isObject(existing) ? existing : undefined;
    out[field.name] = readComposite(r, type, depth, into);
    return;
  }
  out[field.name] = readComposite(r, type, depth);
}

function decodeRepeated(
  r: WireReader,
  field: FieldDescriptor,
  wt: number,
  out: JsonObject,
  depth: number,
  at: number,
): void {
  const type = field.type;
  let arr = out[field.name];
  if (!Array.isArray(arr)) {
    arr = [];
    out[field.name] = arr;
  }
  const list = arr as unknown[];
  const want = wireTypeOf(type);
  if (
    type.kind === 'scalar' &&
    want !== WireType.LengthDelimited &&
    wt === WireType.LengthDelimited
  ) {
    // Packed encoding: proto2 parsers accept it for repeated numeric fields.
    const saved = r.enter();
    while (!r.done()) list.push(readScalar(r, type));
    r.leave(saved);
    return;
  }
  expectWireType(field, 'message', wt, want, at);
  if (type.kind === 'scalar') list.push(readScalar(r, type));
  else list.push(readComposite(r, type, depth));
}

function decodeMapEntry(
  r: WireReader,
  field: FieldDescriptor,
  wt: number,
  depth: number,
  at: number,
): [string, unknown] {
  expectWireType(field, 'message', wt, WireType.LengthDelimited, at);
  if (depth + 1 > MAX_DEPTH) {
    throw new ProtobufDecodeError(`message nesting exceeds ${String(MAX_DEPTH)} levels`, {
      offset: at,
    });
  }
  const saved = r.enter();
  const sub = r;
  const type = field.type;
  let key = '';
  let value: unknown;
  let seenValue = false;
  while (!sub.done()) {
    const entryAt = sub.pos;
    const tag = sub.readTag();
    const ewt = tag & 7;
    const no = tag >>> 3;
    if (no === 1) {
      expectWireType(field, 'map entry', ewt, WireType.LengthDelimited, entryAt);
      key = sub.readString();
    } else if (no === 2) {
      expectWireType(field, 'map entry', ewt, wireTypeOf(type), entryAt);
      value = type.kind === 'scalar' ? readScalar(sub, type) : readComposite(sub, type, depth + 1);
      seenValue = true;
    } else {
      if (ewt === WireType.EndGroup) {
        throw new ProtobufDecodeError('wire type end group for non-group in map entry', {
          offset: entryAt,
        });
      }
      sub.skip(ewt);
    }
  }
  r.leave(saved);
  if (!seenValue) value = zeroValue(type, depth);
  return [key, value];
}

/** The JSON form of a map value absent from its entry (Go's zero value of the type). */
function zeroValue(type: ValueType, depth: number): unknown {
  if (type.kind === 'scalar') {
    switch (type.scalar) {
      case 'string':
      case 'bytes':
        return '';
      case 'bool':
        return false;
      default:
        return 0;
    }
  }
  const empty = new WireReader(new Uint8Array(0));
  if (type.kind === 'message') {
    const obj: JsonObject = {};
    decodeInto(empty, type.message, obj, depth + 1);
    return obj;
  }
  switch (type.special) {
    case 'Quantity':
      return '0';
    case 'IntOrString':
      return 0;
    case 'Duration':
      return '0s';
    case 'StringArray':
      return [];
    default:
      return null;
  }
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets a map key as an own property, even for `__proto__` (as JSON.parse would). */
function setKey(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}
