/**
 * The type errors upstream's JSON decoder (sigs.k8s.io/json, a case-sensitive fork of Go's
 * encoding/json) reports when a request body does not fit the Go types of a built-in kind:
 * `json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type
 * []v1.Container`. Go names the innermost struct being decoded and the JSON field path from
 * the root (map keys and list indices are not part of it); it keeps the first error in document
 * order. resource.Quantity has its own unmarshaler, whose parse errors carry no context.
 *
 * Unknown fields are not type-checked (the decoder drops them), nor are opaque values
 * (RawExtension, FieldsV1, ...). The walk is iterative: a hostile, deeply nested value costs
 * heap, never the stack.
 *
 * A value that decodes is also re-encoded as Go would: every resource.Quantity is rewritten in
 * its canonical form (`1000m` → `1`, `0.5` → `500m`, a JSON number → a string).
 */
import { QuantityParseError, quantityFromJSON } from '../quantity.ts';
import type { ScalarType, SchemaNode } from './schema-node.ts';

interface Item {
  readonly value: unknown;
  /** Where the value sits, so that a quantity can be rewritten in place. */
  readonly parent: Record<string, unknown> | unknown[] | undefined;
  readonly key: string | number;
  readonly node: SchemaNode;
  /** JSON field names from the root, joined with '.'. */
  readonly path: string;
  /** The innermost Go struct's name (`PodSpec`). */
  readonly struct: string;
}

/** Go's word for a JSON value's type in an UnmarshalTypeError. */
function jsonWord(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return 'number';
  }
}

/** How Go prints the type a node decodes into. */
export function goTypeString(node: SchemaNode): string {
  switch (node.kind) {
    case 'struct':
      return node.goType ?? 'map[string]interface {}';
    case 'map':
      return `map[string]${goTypeString(node.value)}`;
    case 'list':
      return `[]${goTypeString(node.item)}`;
    case 'any':
      return 'interface {}';
    case 'raw':
      switch (node.scalar) {
        case 'quantity':
          return 'resource.Quantity';
        case 'int-or-string':
          return 'intstr.IntOrString';
        case undefined:
          return 'json.RawMessage';
        default:
          return node.scalar;
      }
  }
}

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

function intFits(v: number, scalar: 'int32' | 'int64'): boolean {
  if (!Number.isInteger(v)) return false;
  return scalar === 'int32' ? v >= INT32.min && v <= INT32.max : Number.isSafeInteger(v);
}

/**
 * Why `v` does not decode as `scalar`: the JSON word (with the literal for a number that does
 * not fit an integer, as Go prints it) and the Go type; or a complete message for a bad
 * quantity; undefined when it decodes.
 */
function scalarMismatch(
  v: unknown,
  scalar: ScalarType,
): { word: string; type: string } | { message: string } | undefined {
  switch (scalar) {
    case 'string':
      return typeof v === 'string' ? undefined : { word: jsonWord(v), type: 'string' };
    case '[]uint8':
      // A JSON array decodes element by element into a byte slice.
      return typeof v === 'string' || Array.isArray(v)
        ? undefined
        : { word: jsonWord(v), type: '[]uint8' };
    case 'bool':
      return typeof v === 'boolean' ? undefined : { word: jsonWord(v), type: 'bool' };
    case 'float64':
      return typeof v === 'number' ? undefined : { word: jsonWord(v), type: 'float64' };
    case 'int32':
    case 'int64':
      if (typeof v !== 'number') return { word: jsonWord(v), type: scalar };
      return intFits(v, scalar) ? undefined : { word: `number ${String(v)}`, type: scalar };
    case 'int-or-string':
      if (typeof v === 'string') return undefined;
      if (typeof v !== 'number') return { word: jsonWord(v), type: 'int32' };
      return intFits(v, 'int32') ? undefined : { word: `number ${String(v)}`, type: 'int32' };
    case 'quantity':
      try {
        quantityFromJSON(v);
        return undefined;
      } catch (err) {
        if (err instanceof QuantityParseError) return { message: err.message };
        throw err;
      }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Decodes `value` into the built-in type `root` as upstream would, in place: the first type
 * error the decoder would give, or undefined when it decodes, with its quantities then in
 * canonical form. A `root` that is not a built-in struct (custom resources decode into
 * unstructured objects, which take anything) is left alone.
 */
export function decodeTyped(value: unknown, root: SchemaNode): string | undefined {
  if (root.kind !== 'struct' || root.goType === undefined) return undefined;
  const rootName = root.goType.slice(root.goType.indexOf('.') + 1);
  const quantities: Item[] = [];
  // Depth-first in document order: children are pushed in reverse.
  const stack: Item[] = [
    { value, parent: undefined, key: '', node: root, path: '', struct: rootName },
  ];
  const fail = (item: Item, word: string, type: string): string =>
    item.path === ''
      ? `json: cannot unmarshal ${word} into Go value of type ${type}`
      : `json: cannot unmarshal ${word} into Go struct field ${item.struct}.${item.path} of type ${type}`;
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value: v, node } = item;
    if (v === null || node.kind === 'any') continue;
    switch (node.kind) {
      case 'raw': {
        if (node.scalar === undefined) break;
        const bad = scalarMismatch(v, node.scalar);
        if (bad === undefined) {
          if (node.scalar === 'quantity') quantities.push(item);
          break;
        }
        return 'message' in bad ? bad.message : fail(item, bad.word, bad.type);
      }
      case 'struct': {
        if (!isPlainObject(v)) return fail(item, jsonWord(v), goTypeString(node));
        const struct =
          node.goType === undefined ? item.struct : node.goType.slice(node.goType.indexOf('.') + 1);
        const keys = Object.keys(v);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] ?? '';
          const child = node.fields.get(key);
          if (child === undefined) continue;
          stack.push({
            value: v[key],
            parent: v,
            key,
            node: child,
            path: item.path === '' ? key : `${item.path}.${key}`,
            struct,
          });
        }
        break;
      }
      case 'map': {
        if (!isPlainObject(v)) return fail(item, jsonWord(v), goTypeString(node));
        const keys = Object.keys(v);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] ?? '';
          stack.push({ ...item, value: v[key], parent: v, key, node: node.value });
        }
        break;
      }
      case 'list': {
        if (!Array.isArray(v)) return fail(item, jsonWord(v), goTypeString(node));
        for (let i = v.length - 1; i >= 0; i--) {
          stack.push({ ...item, value: v[i] as unknown, parent: v, key: i, node: node.item });
        }
        break;
      }
    }
  }
  for (const q of quantities) {
    const canonical = quantityFromJSON(q.value).toString();
    if (q.parent !== undefined && canonical !== q.value) {
      (q.parent as Record<string | number, unknown>)[q.key] = canonical;
    }
  }
  return undefined;
}
