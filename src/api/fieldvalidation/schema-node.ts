/**
 * The decoding shape of a type, as the Go API server sees it when it unmarshals a request body
 * into a typed object: which object keys are struct fields, which objects are maps, which
 * values are opaque to strict decoding. Built once per schema (see ./openapi-schema.ts) and
 * shared read-only by every request.
 */

/** A Go struct: known fields by their exact (case-sensitive) JSON name. */
export interface StructNode {
  readonly kind: 'struct';
  /** Field name → shape of its value. Filled once at compile time, then never changed. */
  readonly fields: Map<string, SchemaNode>;
  /**
   * `x-kubernetes-preserve-unknown-fields`: unknown keys are kept, not reported; their values
   * decode as `any` (duplicates still reported).
   */
  readonly preserveUnknown: boolean;
  /** The Go type of a built-in struct (`v1.PodSpec`); undefined for a CRD's (unstructured) object. */
  readonly goType?: string;
}

/** A Go map (`additionalProperties`): any key is allowed, values share one shape. */
export interface MapNode {
  readonly kind: 'map';
  value: SchemaNode;
}

/** A Go slice (`items`). */
export interface ListNode {
  readonly kind: 'list';
  item: SchemaNode;
}

/** `interface{}` / unstructured content: every duplicate key is reported, no key is unknown. */
export interface AnyNode {
  readonly kind: 'any';
}

/**
 * How a built-in scalar decodes (its Go type): what JSON values it accepts. `quantity` and
 * `int-or-string` are types with their own unmarshaler (resource.Quantity, intstr.IntOrString).
 */
export type ScalarType =
  'string' | '[]uint8' | 'bool' | 'int32' | 'int64' | 'float64' | 'quantity' | 'int-or-string';

/**
 * A scalar, or a type with its own JSON unmarshaler (RawExtension, FieldsV1, IntOrString,
 * Quantity, Time, apiextensions JSON...): nothing inside is checked for unknown fields.
 * `scalar` is set for a built-in type's scalar: then the value's JSON type is checked as Go's
 * decoder checks it (see ./type-errors.ts); unset, anything decodes.
 */
export interface RawNode {
  readonly kind: 'raw';
  readonly scalar?: ScalarType;
}

/** The decoding shape of one value. */
export type SchemaNode = StructNode | MapNode | ListNode | AnyNode | RawNode;

/** The shared `interface{}` node. */
export const ANY_NODE: AnyNode = Object.freeze({ kind: 'any' });

/** The shared opaque node. */
export const RAW_NODE: RawNode = Object.freeze({ kind: 'raw' });

/** Builds a struct node from `[name, shape]` pairs (for hand-written shapes and tests). */
export function structNode(
  fields: Iterable<readonly [string, SchemaNode]>,
  preserveUnknown = false,
): StructNode {
  return { kind: 'struct', fields: new Map(fields), preserveUnknown };
}

/** A map node whose values have `value`'s shape. */
export function mapNode(value: SchemaNode): MapNode {
  return { kind: 'map', value };
}

/** A list node whose items have `item`'s shape. */
export function listNode(item: SchemaNode): ListNode {
  return { kind: 'list', item };
}
