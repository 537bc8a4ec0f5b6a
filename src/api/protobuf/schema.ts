/**
 * Our compact descriptor format for Kubernetes protobuf messages, and its compiler.
 *
 * A package table maps message names to `{ fieldNumber: 'jsonName:type' }`. The type grammar:
 *
 *   type    := ['*'] ( '[]' elem | '{' elem '}' | elem )
 *   elem    := scalar | special | messageRef
 *   scalar  := string | bytes | bool | int32 | int64 | double
 *   special := Time | MicroTime | Duration | Quantity | IntOrString | RawExtension | FieldsV1
 *            | StringArray
 *
 * `*` marks a Go pointer scalar (`*int32`, `*bool`, `*string`): its zero value is meaningful and
 * is kept. Non-pointer scalars are always written by gogo-protobuf, even when zero, and Go's JSON
 * encoder drops them again (`omitempty`), so the decoder drops zero non-pointer scalars too.
 * `[]T` is a repeated field, `{T}` a `map<string, T>`. The name `...` marks a Go embedded struct
 * (`json:",inline"`): its fields are read into and written from the parent's JSON object. A message reference is resolved first in
 * the declaring package, then in `meta`; other packages are named explicitly (`core.PodSpec`).
 * Field names are the JSON names, taken from upstream `generated.proto`.
 */

/** Scalar protobuf types used by Kubernetes (k8s never uses sint/fixed/zigzag encodings). */
export type ScalarType = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'double';

/** Messages with a custom JSON form, decoded by hand rather than by descriptor. */
export type SpecialType =
  | 'Time'
  | 'MicroTime'
  | 'Duration'
  | 'Quantity'
  | 'IntOrString'
  | 'RawExtension'
  | 'FieldsV1'
  /** A message `{1: repeated string}` standing for a Go `[]string` (authn ExtraValue): a JSON array. */
  | 'StringArray';

/** A message table: message name → field number → `'jsonName:type'`. */
export type MessageTable = Readonly<Record<string, Readonly<Record<number, string>>>>;

/** The type of one value (a single field, a repeated element or a map value). */
export type ValueType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'special'; readonly special: SpecialType }
  | { readonly kind: 'message'; readonly message: MessageDescriptor };

/** One compiled field. */
export interface FieldDescriptor {
  readonly number: number;
  readonly name: string;
  /** `inline`: an embedded message whose fields live in the parent's JSON object. */
  readonly cardinality: 'single' | 'repeated' | 'map' | 'inline';
  /** Go pointer scalar: keep its zero value. */
  readonly pointer: boolean;
  readonly type: ValueType;
}

/** One compiled message. `fields` is keyed by field number, `byName` by JSON name. */
export interface MessageDescriptor {
  readonly name: string;
  readonly fields: ReadonlyMap<number, FieldDescriptor>;
  readonly byName: ReadonlyMap<string, FieldDescriptor>;
  /** Fields in ascending field-number order (the order gogo-protobuf writes them). */
  readonly ordered: readonly FieldDescriptor[];
}

const SCALARS: ReadonlySet<string> = new Set([
  'string',
  'bytes',
  'bool',
  'int32',
  'int64',
  'double',
]);
const SPECIALS: ReadonlySet<string> = new Set([
  'Time',
  'MicroTime',
  'Duration',
  'Quantity',
  'IntOrString',
  'RawExtension',
  'FieldsV1',
  'StringArray',
]);

/** Thrown when a descriptor table is inconsistent: a programming error, caught by tests. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

/**
 * A set of package tables, compiled lazily (message by message, on first use) and cached.
 * Recursive message references are fine: a message is cached before its fields are resolved.
 */
export class Schema {
  readonly #packages: ReadonlyMap<string, MessageTable>;
  readonly #compiled = new Map<string, MessageDescriptor>();

  constructor(packages: Readonly<Record<string, MessageTable>>) {
    this.#packages = new Map(Object.entries(packages));
  }

  /** Every qualified message name (`pkg.Name`) in the tables. */
  messageNames(): string[] {
    const names: string[] = [];
    for (const [pkg, table] of this.#packages) {
      for (const name of Object.keys(table)) names.push(`${pkg}.${name}`);
    }
    return names;
  }

  /** True when `qualified` (`pkg.Name`) names a message of the tables. */
  has(qualified: string): boolean {
    const [pkg, name] = splitQualified(qualified);
    return name !== undefined && this.#packages.get(pkg)?.[name] !== undefined;
  }

  /** Compiles (or returns the cached) message `pkg.Name`. Throws SchemaError if unknown. */
  message(qualified: string): MessageDescriptor {
    const cached = this.#compiled.get(qualified);
    if (cached !== undefined) return cached;
    const [pkg, name] = splitQualified(qualified);
    const table = name === undefined ? undefined : this.#packages.get(pkg)?.[name];
    if (table === undefined || name === undefined) {
      throw new SchemaError(`unknown message ${qualified}`);
    }
    const fields = new Map<number, FieldDescriptor>();
    const byName = new Map<string, FieldDescriptor>();
    const ordered: FieldDescriptor[] = [];
    const desc: MessageDescriptor = { name: qualified, fields, byName, ordered };
    this.#compiled.set(qualified, desc);
    try {
      for (const [no, spec] of Object.entries(table)) {
        const field = this.#compileField(pkg, Number(no), spec, qualified);
        if (byName.has(field.name)) {
          throw new SchemaError(`${qualified}: duplicate field name ${field.name}`);
        }
        fields.set(field.number, field);
        byName.set(field.name, field);
        ordered.push(field);
      }
    } catch (err) {
      this.#compiled.delete(qualified);
      throw err;
    }
    ordered.sort((a, b) => a.number - b.number);
    return desc;
  }

  #compileField(pkg: string, number: number, spec: string, owner: string): FieldDescriptor {
    const colon = spec.indexOf(':');
    if (colon <= 0 || !Number.isInteger(number) || number <= 0 || number >= 2 ** 29) {
      throw new SchemaError(`${owner}: bad field spec ${String(number)} '${spec}'`);
    }
    const name = spec.slice(0, colon);
    let type = spec.slice(colon + 1);
    let pointer = false;
    if (type.startsWith('*')) {
      pointer = true;
      type = type.slice(1);
    }
    let cardinality: FieldDescriptor['cardinality'] = 'single';
    if (type.startsWith('[]')) {
      cardinality = 'repeated';
      type = type.slice(2);
    } else if (type.startsWith('{') && type.endsWith('}')) {
      cardinality = 'map';
      type = type.slice(1, -1);
    }
    const resolved = this.#resolve(pkg, type, owner);
    if (name === '...') {
      if (cardinality !== 'single' || resolved.kind !== 'message') {
        throw new SchemaError(`${owner}: inline field ${String(number)} must be a single message`);
      }
      cardinality = 'inline';
    }
    return { number, name, cardinality, pointer, type: resolved };
  }

  #resolve(pkg: string, type: string, owner: string): ValueType {
    if (SCALARS.has(type)) return { kind: 'scalar', scalar: type as ScalarType };
    if (SPECIALS.has(type)) return { kind: 'special', special: type as SpecialType };
    const candidates = type.includes('.') ? [type] : [`${pkg}.${type}`, `meta.${type}`];
    for (const qualified of candidates) {
      if (this.has(qualified)) {
        // Resolved lazily so that large, partly recursive tables compile only what is used.
        let compiled: MessageDescriptor | undefined;
        const load = (): MessageDescriptor => {
          compiled ??= this.message(qualified);
          return compiled;
        };
        return {
          kind: 'message',
          get message(): MessageDescriptor {
            return load();
          },
        };
      }
    }
    throw new SchemaError(`${owner}: unknown type ${type}`);
  }
}

function splitQualified(qualified: string): [string, string | undefined] {
  const dot = qualified.indexOf('.');
  if (dot < 0) return [qualified, undefined];
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
}
