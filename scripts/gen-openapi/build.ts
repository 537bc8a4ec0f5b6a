/**
 * Builds the OpenAPI v3 component schemas of every kind Skiff serves, from the `kubernetes-types`
 * declaration files (types, fields, optionality and the upstream field descriptions as doc
 * comments), in upstream's shape (kube-openapi v3 as served by kube-apiserver 1.32):
 *
 * - schemas are named like upstream (`io.k8s.api.core.v1.Pod`,
 *   `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`, ...);
 * - a reference with sibling keywords is wrapped as `allOf: [{ $ref }]`, as upstream v3 does;
 * - integers carry upstream's `format` (`int32`, or `int64` for the fields listed in INT64_FIELDS:
 *   the declaration files only say `number`);
 * - required scalars, list items and `metadata` carry upstream's zero `default`;
 * - top-level kinds and their lists carry `x-kubernetes-group-version-kind`;
 * - the strategic-merge tags come from our own patch metadata (`patchMetaFor`, src/api/patch),
 *   with the matching list types (`x-kubernetes-list-type: map|set`, `x-kubernetes-list-map-keys`).
 *
 * Only schemas reachable from the kinds served by the built-in scheme (and the few request/response
 * types every document references) are emitted, keeping the generated file small.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import * as prettier from 'prettier';
import { newBuiltinScheme, patchMetaFor } from '../../src/api/index.ts';
import type { PatchMeta } from '../../src/api/index.ts';
import {
  COMMON_SCHEMAS,
  packageOfModule as packageOf,
  schemaNameOf,
} from '../../src/apiserver/openapi/index.ts';

/** A JSON value as written to the generated file. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** One OpenAPI schema object. */
export type Schema = { [key: string]: Json };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TYPES_DIR = join(ROOT, 'node_modules', 'kubernetes-types');

/** Where the generated file lives (relative to the repository root). */
export const GENERATED_FILE = 'src/apiserver/openapi/schemas.generated.json';

const REF_PREFIX = '#/components/schemas/';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/**
 * Fields that are Go `int64` (or `[]int64`) upstream; every other integer is `int32`. The
 * declaration files only say `number`, so this list was taken from the Go types
 * (staging/src/k8s.io/api/.../types.go, apimachinery meta/v1 and apiextensions v1).
 */
const INT64_FIELDS: ReadonlySet<string> = new Set([
  'activeDeadlineSeconds',
  'deletionGracePeriodSeconds',
  'expirationSeconds',
  'fsGroup',
  'generation',
  'gid',
  'gracePeriodSeconds',
  'maxItems',
  'maxLength',
  'maxProperties',
  'minItems',
  'minLength',
  'minProperties',
  'observedGeneration',
  'remainingItemCount',
  'revision',
  'runAsGroup',
  'runAsUser',
  'seconds',
  'sizeBytes',
  'startingDeadlineSeconds',
  'supplementalGroups',
  'terminationGracePeriodSeconds',
  'tolerationSeconds',
  'uid',
]);
/** Go `float64` fields (JSONSchemaProps): `type: number, format: double`. */
const DOUBLE_FIELDS: ReadonlySet<string> = new Set(['maximum', 'minimum', 'multipleOf']);

/**
 * `x-kubernetes-list-map-keys` where upstream's `+listMapKey` tags name more than the patch
 * merge key (keyed by `Type.field`).
 */
const LIST_MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  'Container.ports': ['containerPort', 'protocol'],
  'EphemeralContainer.ports': ['containerPort', 'protocol'],
  'ServiceSpec.ports': ['port', 'protocol'],
  'PodSpec.topologySpreadConstraints': ['topologyKey', 'whenUnsatisfiable'],
};

/**
 * Upstream `+default` markers the declarations do not carry, keyed by `Type.field`. These two
 * matter: the fields are list-map keys, which must be required or defaulted.
 */
const FIELD_DEFAULTS: Readonly<Record<string, Json>> = {
  'ContainerPort.protocol': 'TCP',
  'ServicePort.protocol': 'TCP',
};

/** Schemas that have no declaration of their own (inlined in kubernetes-types). */
const BUILTIN_SCHEMAS: Readonly<Record<string, Schema>> = {
  [INT_OR_STRING]: {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
};

/** Declarations that are not plain structs: name → how to render them. */
const SPECIAL_ALIASES: Readonly<Record<string, Schema>> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { format: 'date-time', type: 'string' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { format: 'date-time', type: 'string' },
  // Any JSON value: no type.
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': {},
};

/** A parsed declaration: an interface (struct) or a type alias. */
interface Decl {
  readonly name: string;
  readonly module: string;
  readonly node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
  readonly source: ts.SourceFile;
  /** Local name → module of the imports of its file. */
  readonly imports: ReadonlyMap<string, string>;
}

/** The text of the JSDoc comment right before `node`, with `*` gutters removed. */
function docOf(node: ts.Node, source: ts.SourceFile): string | undefined {
  const ranges = ts.getLeadingCommentRanges(source.text, node.pos) ?? [];
  const last = ranges[ranges.length - 1];
  if (last === undefined) return undefined;
  const raw = source.text.slice(last.pos, last.end);
  if (!raw.startsWith('/**')) return undefined;
  const body = raw.slice(3, -2);
  const lines = body.split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
  // Single-line comments are `/** text */`; multi-line ones start and end with a bare line.
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  const text = lines.join('\n').trim();
  return text === '' ? undefined : text;
}

function listDeclarationFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listDeclarationFiles(path));
    else if (entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/** Reads every declaration of kubernetes-types, keyed by upstream schema name. */
function readDeclarations(): Map<string, Decl> {
  const decls = new Map<string, Decl>();
  for (const file of listDeclarationFiles(TYPES_DIR)) {
    const module = relative(TYPES_DIR, file)
      .replace(/\.d\.ts$/, '')
      .split('\\')
      .join('/');
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const imports = new Map<string, string>();
    for (const stmt of source.statements) {
      if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
        const target = join(dirname(module), stmt.moduleSpecifier.text).split('\\').join('/');
        const named = stmt.importClause?.namedBindings;
        if (named !== undefined && ts.isNamedImports(named)) {
          for (const el of named.elements) imports.set(el.name.text, target);
        }
      }
    }
    for (const stmt of source.statements) {
      if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) {
        const name = `${packageOf(module)}.${stmt.name.text}`;
        decls.set(name, { name, module, node: stmt, source, imports });
      }
    }
  }
  return decls;
}

/** Per schema and property, the extensions that come from the patch metadata. */
type Extensions = Map<string, Map<string, Schema>>;

/** Converts declarations to schemas, following references on demand. */
class Converter {
  readonly schemas = new Map<string, Schema>();
  /** Schema name → field → the schema name its value (or elements) refer to. */
  readonly fieldRefs = new Map<string, Map<string, string>>();

  constructor(
    private readonly decls: ReadonlyMap<string, Decl>,
    private readonly extensions: Extensions,
  ) {}

  /** Emits `name` and everything it references. */
  require(name: string): void {
    if (this.schemas.has(name)) return;
    const builtin = BUILTIN_SCHEMAS[name];
    if (builtin !== undefined) {
      this.schemas.set(name, builtin);
      return;
    }
    const decl = this.decls.get(name);
    if (decl === undefined) throw new Error(`no declaration for ${name}`);
    const schema: Schema = {};
    this.schemas.set(name, schema); // set first: types may be recursive
    const description = docOf(decl.node, decl.source);
    if (description !== undefined) schema.description = description;
    const special = SPECIAL_ALIASES[name];
    if (special !== undefined) {
      Object.assign(schema, special);
      return;
    }
    if (ts.isTypeAliasDeclaration(decl.node)) {
      // JSONSchemaPropsOr*: a union kept opaque, as upstream does.
      for (const t of ts.isUnionTypeNode(decl.node.type) ? decl.node.type.types : []) {
        this.typeSchema(t, decl, '', name, '');
      }
      return;
    }
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const members = [...decl.node.members].filter(ts.isPropertySignature);
    for (const member of members) {
      const field =
        ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : '';
      if (field === '' || member.type === undefined) continue;
      const prop = this.typeSchema(member.type, decl, field, name, field);
      const isRequired = member.questionToken === undefined;
      if (isRequired) {
        required.push(field);
        const zero = zeroOf(prop);
        if (zero !== undefined) prop.default = zero;
      }
      if (field === 'metadata' && isRef(prop)) prop.default = {};
      const fieldDefault = FIELD_DEFAULTS[`${decl.node.name.text}.${field}`];
      if (fieldDefault !== undefined) prop.default = fieldDefault;
      const doc = docOf(member, decl.source);
      if (doc !== undefined) prop.description = doc;
      Object.assign(prop, this.extensions.get(name)?.get(field) ?? {});
      properties[field] = wrapRef(prop);
    }
    if (members.length > 0) schema.properties = sortKeys(properties);
    if (required.length > 0) schema.required = required;
    schema.type = 'object';
  }

  /** The schema of a type node (without description). Records what the field refers to. */
  private typeSchema(
    node: ts.TypeNode,
    decl: Decl,
    field: string,
    owner: string,
    ownerField: string,
  ): Schema {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword:
        return numberSchema(field);
      default:
        break;
    }
    if (ts.isLiteralTypeNode(node)) return { type: 'string' };
    if (ts.isUnionTypeNode(node)) {
      const kinds = node.types.map((t) => t.kind);
      if (
        kinds.includes(ts.SyntaxKind.NumberKeyword) &&
        kinds.includes(ts.SyntaxKind.StringKeyword)
      ) {
        return this.ref(INT_OR_STRING, owner, ownerField);
      }
      if (node.types.every(ts.isLiteralTypeNode)) return { type: 'string' };
      throw new Error(`unsupported union in ${decl.name}.${field}`);
    }
    if (ts.isArrayTypeNode(node)) {
      return {
        items: this.elementSchema(node.elementType, decl, field, owner, ownerField),
        type: 'array',
      };
    }
    if (ts.isTypeLiteralNode(node)) {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (index === undefined) throw new Error(`unsupported type literal in ${decl.name}.${field}`);
      return {
        additionalProperties: this.elementSchema(index.type, decl, field, owner, ownerField),
        type: 'object',
      };
    }
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const local = node.typeName.text;
      if (local === 'Array') {
        const arg = node.typeArguments?.[0];
        if (arg === undefined) throw new Error(`Array without element in ${decl.name}.${field}`);
        return { items: this.elementSchema(arg, decl, field, owner, ownerField), type: 'array' };
      }
      const module = decl.imports.get(local) ?? decl.module;
      return this.ref(`${packageOf(module)}.${local}`, owner, ownerField);
    }
    throw new Error(`unsupported type ${ts.SyntaxKind[node.kind]} in ${decl.name}.${field}`);
  }

  /** The schema of a list element or map value: struct elements default to `{}`. */
  private elementSchema(
    node: ts.TypeNode,
    decl: Decl,
    field: string,
    owner: string,
    ownerField: string,
  ): Schema {
    const schema = this.typeSchema(node, decl, field, owner, ownerField);
    const zero = zeroOf(schema);
    if (zero !== undefined) schema.default = zero;
    else if (isRef(schema) && this.isStruct(refName(schema))) schema.default = {};
    return wrapRef(schema);
  }

  private ref(name: string, owner: string, ownerField: string): Schema {
    if (ownerField !== '') {
      let fields = this.fieldRefs.get(owner);
      if (fields === undefined) {
        fields = new Map();
        this.fieldRefs.set(owner, fields);
      }
      fields.set(ownerField, name);
    }
    this.require(name);
    return { $ref: REF_PREFIX + name };
  }

  /** True for schemas of Go structs (objects with properties), the ones upstream defaults to `{}`. */
  private isStruct(name: string): boolean {
    const schema = this.schemas.get(name);
    return (
      schema !== undefined &&
      schema.type === 'object' &&
      name !== 'io.k8s.apimachinery.pkg.runtime.RawExtension'
    );
  }
}

function numberSchema(field: string): Schema {
  if (DOUBLE_FIELDS.has(field)) return { format: 'double', type: 'number' };
  return { format: INT64_FIELDS.has(field) ? 'int64' : 'int32', type: 'integer' };
}

function isRef(schema: Schema): boolean {
  return typeof schema.$ref === 'string';
}

function refName(schema: Schema): string {
  return typeof schema.$ref === 'string' ? schema.$ref.slice(REF_PREFIX.length) : '';
}

/** Upstream's zero default of a non-pointer scalar. */
function zeroOf(schema: Schema): Json | undefined {
  switch (schema.type) {
    case 'string':
      return schema.format === undefined ? '' : undefined;
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return undefined;
  }
}

/** A `$ref` with siblings becomes `allOf: [{ $ref }]` (OpenAPI 3.0 ignores `$ref` siblings). */
function wrapRef(schema: Schema): Schema {
  if (!isRef(schema) || Object.keys(schema).length === 1) return schema;
  const { $ref, ...rest } = schema;
  return sortKeys({ allOf: [{ $ref: $ref ?? '' }], ...rest });
}

function sortKeys<T extends Json>(obj: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(obj).sort()) {
    const value = obj[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Recursively sorts object keys (arrays keep their order), for stable output. */
function canonical(value: Json): Json {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/**
 * Walks a kind's patch metadata along the converted schemas and records the extensions of each
 * tagged field on the schema that declares it.
 */
function collectExtensions(
  meta: PatchMeta,
  schemaName: string,
  converter: Converter,
  out: Extensions,
  seen: Set<string>,
): void {
  const visitKey = `${schemaName}|${meta.name}`;
  if (seen.has(visitKey)) return;
  seen.add(visitKey);
  const typeName = schemaName.slice(schemaName.lastIndexOf('.') + 1);
  for (const [field, fm] of Object.entries(meta.fields)) {
    const ext: Schema = {};
    if (fm.patchStrategy !== undefined) ext['x-kubernetes-patch-strategy'] = fm.patchStrategy;
    if (fm.patchMergeKey !== undefined) {
      ext['x-kubernetes-patch-merge-key'] = fm.patchMergeKey;
      ext['x-kubernetes-list-type'] = 'map';
      ext['x-kubernetes-list-map-keys'] = [
        ...(LIST_MAP_KEYS[`${typeName}.${field}`] ?? [fm.patchMergeKey]),
      ];
    } else if (fm.type === 'list' && fm.patchStrategy === 'merge') {
      ext['x-kubernetes-list-type'] = 'set';
    }
    if (Object.keys(ext).length > 0) {
      let fields = out.get(schemaName);
      if (fields === undefined) {
        fields = new Map();
        out.set(schemaName, fields);
      }
      fields.set(field, ext);
    }
    const target = converter.fieldRefs.get(schemaName)?.get(field);
    if (fm.elem !== undefined && target !== undefined) {
      collectExtensions(fm.elem, target, converter, out, seen);
    }
  }
}

/** The served top-level kinds: schema name → GVKs (a kind and its list). */
function servedKinds(
  decls: ReadonlyMap<string, Decl>,
): Map<string, { group: string; version: string; kind: string }[]> {
  const scheme = newBuiltinScheme();
  const out = new Map<string, { group: string; version: string; kind: string }[]>();
  const add = (group: string, version: string, kind: string): void => {
    const name = schemaNameOf(group, version, kind);
    if (!decls.has(name)) return; // connect-style option kinds have no schema upstream either
    const list = out.get(name) ?? [];
    if (!list.some((g) => g.group === group && g.version === version && g.kind === kind)) {
      list.push({ group, version, kind });
    }
    out.set(name, list);
  };
  for (const r of scheme.all()) {
    add(r.group, r.version, r.kind);
    add(r.group, r.version, r.listKind);
    for (const sub of r.subresources) add(sub.group, sub.version, sub.kind);
  }
  return out;
}

/** The generated file's data: the component schemas, keyed by upstream name. */
export interface GeneratedSchemas {
  /** The kubernetes-types version the schemas were read from. */
  readonly source: string;
  readonly schemas: Record<string, Schema>;
}

/** Builds the schemas (deterministic: same inputs, same output). */
export function buildSchemas(): GeneratedSchemas {
  const decls = readDeclarations();
  const kinds = servedKinds(decls);
  // First pass without extensions to learn which schema each field refers to.
  const probe = new Converter(decls, new Map());
  for (const name of [...kinds.keys(), ...COMMON_SCHEMAS]) probe.require(name);
  const extensions: Extensions = new Map();
  const seen = new Set<string>();
  for (const [name, gvks] of kinds) {
    for (const gvk of gvks) {
      const apiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
      collectExtensions(patchMetaFor(apiVersion, gvk.kind), name, probe, extensions, seen);
    }
  }
  const converter = new Converter(decls, extensions);
  for (const name of [...kinds.keys(), ...COMMON_SCHEMAS]) converter.require(name);
  for (const [name, gvks] of kinds) {
    const schema = converter.schemas.get(name);
    if (schema !== undefined)
      schema['x-kubernetes-group-version-kind'] = gvks.map((g) => ({ ...g }));
  }
  const schemas: Record<string, Schema> = {};
  for (const name of [...converter.schemas.keys()].sort()) {
    const schema = converter.schemas.get(name);
    if (schema !== undefined) schemas[name] = canonical(schema) as Schema;
  }
  const pkg = JSON.parse(readFileSync(join(TYPES_DIR, 'package.json'), 'utf8')) as {
    version?: string;
  };
  return { source: `kubernetes-types@${pkg.version ?? 'unknown'}`, schemas };
}

/** The generated file's exact contents (JSON formatted by the repository's Prettier settings). */
export async function renderGeneratedFile(): Promise<string> {
  const data = buildSchemas();
  const text = JSON.stringify(data, null, 2);
  const options = (await prettier.resolveConfig(join(ROOT, GENERATED_FILE))) ?? {};
  return prettier.format(text, { ...options, parser: 'json' });
}
