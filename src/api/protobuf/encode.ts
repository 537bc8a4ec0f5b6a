import type { FieldDescriptor, MessageDescriptor, ValueType } from './schema.ts';
import { encodeSpecial } from './specials.ts';
import { WireType } from './wire.ts';
import { WireWriter } from './writer.ts';

/**
 * Encodes a JSON object as the protobuf message `desc` (the inverse of decodeMessage): fields
 * in ascending number order, map entries sorted by key as gogo-protobuf writes them, JSON
 * properties the descriptor does not know ignored. Throws TypeError for values of the wrong JSON
 * type. Unlike gogo it writes only the fields present in the JSON, so zero non-pointer scalars
 * that JSON omitted stay omitted. Intended for tests and for answering protobuf clients.
 */
export function encodeMessage(
  obj: Readonly<Record<string, unknown>>,
  desc: MessageDescriptor,
): Uint8Array {
  const w = new WireWriter();
  writeMessage(w, obj, desc);
  return w.finish();
}

function writeMessage(
  w: WireWriter,
  obj: Readonly<Record<string, unknown>>,
  desc: MessageDescriptor,
): void {
  for (const field of desc.ordered) {
    // An embedded struct reads its fields from this same object.
    const v = field.cardinality === 'inline' ? obj : obj[field.name];
    if (v === undefined) continue;
    writeField(w, field, v);
  }
}

function writeField(w: WireWriter, field: FieldDescriptor, v: unknown): void {
  switch (field.cardinality) {
    case 'inline':
      writeValue(w, field.number, field.type, v);
      return;
    case 'single':
      if (v === null && field.type.kind !== 'special') return;
      writeValue(w, field.number, field.type, v);
      return;
    case 'repeated':
      if (v === null) return;
      if (!Array.isArray(v)) throw new TypeError(`${field.name} must be an array`);
      for (const item of v as unknown[]) writeValue(w, field.number, field.type, item);
      return;
    case 'map': {
      if (v === null) return;
      if (typeof v !== 'object' || Array.isArray(v))
        throw new TypeError(`${field.name} must be an object`);
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      for (const [key, value] of entries) {
        w.tag(field.number, WireType.LengthDelimited).message((e) => {
          e.tag(1, WireType.LengthDelimited).string(key);
          writeValue(e, 2, field.type, value);
        });
      }
      return;
    }
  }
}

function writeValue(w: WireWriter, no: number, type: ValueType, v: unknown): void {
  if (type.kind === 'message') {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new TypeError(`field ${String(no)} must be an object`);
    }
    const message = type.message;
    w.tag(no, WireType.LengthDelimited).message((inner) => {
      writeMessage(inner, v as Record<string, unknown>, message);
    });
    return;
  }
  if (type.kind === 'special') {
    const special = type.special;
    w.tag(no, WireType.LengthDelimited).message((inner) => {
      encodeSpecial(inner, special, v);
    });
    return;
  }
  switch (type.scalar) {
    case 'string':
      if (typeof v !== 'string') throw new TypeError(`field ${String(no)} must be a string`);
      w.tag(no, WireType.LengthDelimited).string(v);
      return;
    case 'bytes':
      if (typeof v !== 'string') throw new TypeError(`field ${String(no)} must be base64`);
      w.tag(no, WireType.LengthDelimited).bytes(Uint8Array.from(Buffer.from(v, 'base64')));
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw new TypeError(`field ${String(no)} must be a boolean`);
      w.tag(no, WireType.Varint).bool(v);
      return;
    case 'int32':
    case 'int64':
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new TypeError(`field ${String(no)} must be an integer`);
      }
      w.tag(no, WireType.Varint).int64(v);
      return;
    case 'double':
      if (typeof v !== 'number') throw new TypeError(`field ${String(no)} must be a number`);
      w.tag(no, WireType.Fixed64).double(v);
      return;
  }
}
