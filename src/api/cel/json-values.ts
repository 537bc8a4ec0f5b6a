/**
 * JSON values seen through a structural OpenAPI schema, the way Kubernetes' UnstructuredToVal
 * presents custom resources to CEL: numbers under an `integer` schema are ints, under `number`
 * doubles; `string` with format `byte`/`duration`/`date`/`date-time` become bytes, durations and
 * timestamps; objects with `properties` are objects (field access, escaped property names),
 * `additionalProperties` make maps; `x-kubernetes-int-or-string` and untyped values are dynamic.
 * Lists and objects convert lazily, element by element, and cache nothing: rules usually touch
 * few fields.
 */
import { RESERVED_IDENTIFIERS } from './parser.ts';
import { parseGoDuration, parseTimestamp } from './time.ts';
import { CelDuration, CelError, CelTimestamp } from './values.ts';
import type { CelList, CelMap, CelValue } from './values.ts';

/**
 * The subset of an OpenAPI v3 schema (apiextensions JSONSchemaProps, as JSON) the CEL layer
 * reads. Unknown members are ignored.
 */
export interface JSONSchemaProps {
  readonly type?: string;
  readonly format?: string;
  readonly nullable?: boolean;
  readonly properties?: Readonly<Record<string, JSONSchemaProps>>;
  readonly items?: JSONSchemaProps;
  readonly additionalProperties?: JSONSchemaProps | boolean;
  readonly allOf?: readonly JSONSchemaProps[];
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
  readonly 'x-kubernetes-list-type'?: string;
  readonly 'x-kubernetes-list-map-keys'?: readonly string[];
  readonly 'x-kubernetes-map-type'?: string;
  readonly 'x-kubernetes-validations'?: readonly ValidationRuleJSON[];
}

/** One `x-kubernetes-validations` entry as it appears in a CRD. */
export interface ValidationRuleJSON {
  readonly rule?: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly reason?: string;
  readonly fieldPath?: string;
  readonly optionalOldSelf?: boolean;
}

/** Escaped in property names (escaping.go): the literals and `in`, and the reserved words. */
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', ...RESERVED_IDENTIFIERS]);

/**
 * Kubernetes' property-name escaping for CEL (apiserver/pkg/cel/escaping.go): reserved words
 * become `__word__`; `__`, `.`, `-`, `/` become `__underscores__`, `__dot__`, `__dash__`,
 * `__slash__`. Returns undefined when the name cannot be escaped (other characters), in which
 * case the property is not accessible from CEL.
 */
export function escapePropertyName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return undefined;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i] ?? '';
    if (c === '_' && name[i + 1] === '_') {
      out += '__underscores__';
      i++;
    } else if (c === '.') out += '__dot__';
    else if (c === '-') out += '__dash__';
    else if (c === '/') out += '__slash__';
    else out += c;
  }
  return out;
}

/** The JSON value at `field` of an object with this schema, undefined when absent/not visible. */
function objectFieldSchema(
  schema: JSONSchemaProps,
  celName: string,
): { name: string; schema: JSONSchemaProps } | undefined {
  const props = schema.properties;
  if (props === undefined) return undefined;
  const direct = props[celName];
  if (direct !== undefined && escapePropertyName(celName) === celName) {
    return { name: celName, schema: direct };
  }
  for (const [name, s] of Object.entries(props)) {
    if (escapePropertyName(name) === celName) return { name, schema: s };
  }
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Schema of an object node: properties, or additionalProperties, or neither (dynamic). */
function isObjectWithProperties(s: JSONSchemaProps): boolean {
  return s.properties !== undefined && Object.keys(s.properties).length > 0;
}

/**
 * Converts `value` to a CEL value under `schema` (undefined means untyped: ints for integral
 * numbers). Does not copy: the returned list/map views read `value` on demand, so the caller
 * must not mutate it during evaluation.
 */
export function jsonToCel(value: unknown, schema: JSONSchemaProps | undefined): CelValue {
  if (value === null || value === undefined) return null;
  if (schema === undefined) return dynToCel(value);
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
    return dynToCel(value);
  }
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      if (schema.type === 'integer' && Number.isInteger(value)) return BigInt(value);
      if (schema.type === 'number') return value;
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'string':
      if (schema.type === 'string') {
        switch (schema.format) {
          case 'byte':
            return decodeBase64(value);
          case 'duration':
            return new CelDuration(parseGoDuration(value));
          case 'date':
            return new CelTimestamp(parseTimestamp(`${value}T00:00:00Z`));
          case 'date-time':
            return new CelTimestamp(parseTimestamp(value));
          default:
            return value;
        }
      }
      return value;
    default:
      break;
  }
  if (Array.isArray(value)) return new SchemaList(value, schema.items, schema);
  if (isPlainObject(value)) return new SchemaMap(value, schema);
  return null;
}

function dynToCel(value: unknown): CelValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isInteger(value) ? BigInt(value) : value;
    default:
      break;
  }
  if (Array.isArray(value)) return new SchemaList(value, undefined, undefined);
  if (isPlainObject(value)) return new SchemaMap(value, undefined);
  return null;
}

function decodeBase64(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) {
    throw new CelError('illegal base64 data');
  }
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * A JSON array under a schema. `x-kubernetes-list-type: set` lists compare order-insensitively
 * and `map` lists by their keys, as Kubernetes' list types do.
 */
export class SchemaList implements CelList {
  readonly kind = 'list';
  constructor(
    readonly raw: readonly unknown[],
    readonly itemSchema: JSONSchemaProps | undefined,
    readonly listSchema: JSONSchemaProps | undefined,
  ) {}
  get size(): number {
    return this.raw.length;
  }
  get(i: number): CelValue {
    return jsonToCel(this.raw[i], this.itemSchema);
  }
  /** The list type from the schema: atomic (default), set or map. */
  get listType(): string {
    return this.listSchema?.['x-kubernetes-list-type'] ?? 'atomic';
  }
}

/**
 * A JSON object under a schema: an object type when the schema has properties (only declared
 * properties are visible, through their escaped names), else a map (additionalProperties or
 * untyped).
 */
export class SchemaMap implements CelMap {
  readonly kind = 'map';
  readonly objectType: string | undefined;
  private readonly isObject: boolean;
  constructor(
    readonly raw: Readonly<Record<string, unknown>>,
    readonly schema: JSONSchemaProps | undefined,
  ) {
    this.isObject = schema !== undefined && isObjectWithProperties(schema);
    this.objectType = this.isObject ? 'object' : undefined;
  }
  get size(): number {
    if (!this.isObject) return Object.keys(this.raw).length;
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }
  get(key: CelValue): CelValue | undefined {
    if (typeof key !== 'string') return undefined;
    if (this.isObject && this.schema !== undefined) {
      const f = objectFieldSchema(this.schema, key);
      if (f === undefined || !Object.hasOwn(this.raw, f.name)) return undefined;
      return jsonToCel(this.raw[f.name], f.schema);
    }
    if (!Object.hasOwn(this.raw, key)) return undefined;
    const ap = this.schema?.additionalProperties;
    return jsonToCel(this.raw[key], typeof ap === 'object' ? ap : undefined);
  }
  *keys(): Iterable<CelValue> {
    if (this.isObject && this.schema?.properties !== undefined) {
      for (const name of Object.keys(this.raw)) {
        if (this.schema.properties[name] === undefined) continue;
        const esc = escapePropertyName(name);
        if (esc !== undefined) yield esc;
      }
      return;
    }
    yield* Object.keys(this.raw);
  }
}
