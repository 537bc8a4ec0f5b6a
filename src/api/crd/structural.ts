/**
 * Structural schemas, ported from Kubernetes 1.32
 * staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/{structural,convert,
 * validation,complete}.go.
 *
 * `compileStructural` turns a version's `openAPIV3Schema` into an immutable tree once per CRD
 * version; the request path (validation, defaulting, pruning, printing) reads only that tree.
 * The same node type carries the value validations (`allOf`/`anyOf`/`oneOf`/`not` branches are
 * nodes too), so one compiled tree serves both the structural algorithms and kube-openapi's
 * validator semantics.
 */
import type { FieldError, FieldPath } from '../validation/index.ts';
import { forbidden, invalid, required } from '../validation/index.ts';
import type { JSONSchemaProps, ValidationRule } from './types.ts';

/** A compiled schema node. Immutable and shared: never mutate one. */
export interface Structural {
  /** `type`, '' when unset. */
  readonly type: string;
  /** The types kube-openapi checks: `[type]`, `['integer','string']` for int-or-string, or []. */
  readonly types: readonly string[];
  readonly format: string;
  readonly description: string;
  readonly title: string;
  readonly nullable: boolean;
  /** The default value; `undefined` when there is none (a JSON `null` default counts as none). */
  readonly default: unknown;
  /** True when `default` was present in the schema at all (even `null`). */
  readonly hasDefault: boolean;
  readonly properties: ReadonlyMap<string, Structural> | undefined;
  readonly items: Structural | undefined;
  /** A schema, `true`/`false` as written, or undefined when absent. */
  readonly additionalProperties: Structural | boolean | undefined;
  readonly preserveUnknownFields: boolean;
  readonly embeddedResource: boolean;
  readonly intOrString: boolean;
  readonly listType: string | undefined;
  readonly listMapKeys: readonly string[];
  readonly mapType: string | undefined;
  /** `x-kubernetes-validations` rules, for the CEL hook. */
  readonly validations: readonly ValidationRule[];
  // Value validation (kube-openapi keywords).
  readonly maximum: number | undefined;
  readonly exclusiveMaximum: boolean;
  readonly minimum: number | undefined;
  readonly exclusiveMinimum: boolean;
  readonly maxLength: number | undefined;
  readonly minLength: number | undefined;
  readonly pattern: string;
  /** `pattern` compiled, undefined when empty or not compilable. */
  readonly patternRegExp: RegExp | undefined;
  readonly maxItems: number | undefined;
  readonly minItems: number | undefined;
  readonly uniqueItems: boolean;
  readonly multipleOf: number | undefined;
  readonly enum: readonly unknown[] | undefined;
  readonly maxProperties: number | undefined;
  readonly minProperties: number | undefined;
  readonly required: readonly string[];
  readonly allOf: readonly Structural[];
  readonly anyOf: readonly Structural[];
  readonly oneOf: readonly Structural[];
  readonly not: Structural | undefined;
  /** The schema this node was compiled from. */
  readonly source: JSONSchemaProps;
}

/**
 * Compiles a JSON schema into a `Structural` tree (upstream NewStructural, plus the value
 * validations in the same nodes). Never throws: keywords CRDs forbid (`$ref`, `patternProperties`,
 * array `items`, ...) are ignored here and reported by `validateCrd`. The result is immutable
 * and may be cached per CRD version.
 */
export function compileStructural(schema: JSONSchemaProps): Structural {
  const props = schema.properties;
  let properties: Map<string, Structural> | undefined;
  if (props !== undefined) {
    properties = new Map();
    for (const [k, v] of Object.entries(props)) properties.set(k, compileStructural(v));
  }
  let items: Structural | undefined;
  if (schema.items !== undefined && !Array.isArray(schema.items)) {
    items = compileStructural(schema.items);
  }
  let additionalProperties: Structural | boolean | undefined;
  const ap = schema.additionalProperties;
  if (typeof ap === 'boolean') additionalProperties = ap;
  else if (ap !== undefined) additionalProperties = compileStructural(ap);
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const type = schema.type ?? '';
  const pattern = schema.pattern ?? '';
  const hasDefault = schema.default !== undefined;
  return {
    type,
    types: intOrString ? ['integer', 'string'] : type !== '' ? [type] : [],
    format: schema.format ?? '',
    description: schema.description ?? '',
    title: schema.title ?? '',
    nullable: schema.nullable === true,
    default: schema.default === null ? undefined : schema.default,
    hasDefault,
    properties,
    items,
    additionalProperties,
    preserveUnknownFields: schema['x-kubernetes-preserve-unknown-fields'] === true,
    embeddedResource: schema['x-kubernetes-embedded-resource'] === true,
    intOrString,
    listType: schema['x-kubernetes-list-type'],
    listMapKeys: schema['x-kubernetes-list-map-keys'] ?? [],
    mapType: schema['x-kubernetes-map-type'],
    validations: schema['x-kubernetes-validations'] ?? [],
    maximum: schema.maximum,
    exclusiveMaximum: schema.exclusiveMaximum === true,
    minimum: schema.minimum,
    exclusiveMinimum: schema.exclusiveMinimum === true,
    maxLength: schema.maxLength,
    minLength: schema.minLength,
    pattern,
    patternRegExp: pattern === '' ? undefined : compilePattern(pattern).re,
    maxItems: schema.maxItems,
    minItems: schema.minItems,
    uniqueItems: schema.uniqueItems === true,
    multipleOf: schema.multipleOf,
    enum: schema.enum,
    maxProperties: schema.maxProperties,
    minProperties: schema.minProperties,
    required: schema.required ?? [],
    allOf: (schema.allOf ?? []).map(compileStructural),
    anyOf: (schema.anyOf ?? []).map(compileStructural),
    oneOf: (schema.oneOf ?? []).map(compileStructural),
    not: schema.not === undefined ? undefined : compileStructural(schema.not),
    source: schema,
  };
}

/**
 * Compiles an OpenAPI `pattern` (Go RE2 syntax upstream) as a JavaScript RegExp. Unicode mode
 * first (closest to RE2), then the legacy mode for patterns only it accepts.
 */
export function compilePattern(pattern: string): { re?: RegExp; error?: string } {
  try {
    return { re: new RegExp(pattern, 'u') };
  } catch {
    try {
      return { re: new RegExp(pattern) };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }
}

const enum Level {
  Root,
  Item,
  Field,
}

/**
 * Checks that `s` is a structural schema (upstream ValidateStructural with the options the
 * CRD validation of 1.32 uses: nested additionalProperties and x-kubernetes-validations allowed
 * under allOf). Errors are sorted by message, as upstream does, so the order is stable.
 */
export function validateStructural(fldPath: FieldPath, s: Structural): FieldError[] {
  const errs: FieldError[] = [];
  validateInvariants(s, Level.Root, fldPath, errs);
  validateValueValidationCompleteness(s, s, fldPath, fldPath, errs);
  errs.sort((a, b) => {
    const x = a.error();
    const y = b.error();
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return errs;
}

function validateInvariants(s: Structural, lvl: Level, fldPath: FieldPath, errs: FieldError[]) {
  if (s.type === 'array' && s.items === undefined) {
    errs.push(required(fldPath.child('items'), 'must be specified'));
  }
  if (s.items !== undefined) validateInvariants(s.items, Level.Item, fldPath.child('items'), errs);
  if (s.properties !== undefined) {
    for (const [k, v] of s.properties) {
      validateInvariants(v, Level.Field, fldPath.child('properties').key(k), errs);
    }
  }
  if (s.additionalProperties !== undefined) {
    if (lvl === Level.Root) {
      errs.push(forbidden(fldPath.child('additionalProperties'), 'must not be used at the root'));
    }
    if (typeof s.additionalProperties !== 'boolean') {
      validateInvariants(
        s.additionalProperties,
        Level.Field,
        fldPath.child('additionalProperties'),
        errs,
      );
    }
  }
  if (s.intOrString && s.preserveUnknownFields) {
    errs.push(
      invalid(
        fldPath.child('x-kubernetes-preserve-unknown-fields'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  if (s.intOrString && s.embeddedResource) {
    errs.push(
      invalid(
        fldPath.child('x-kubernetes-embedded-resource'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = s.allOf[0] !== undefined && isIntOrStringAnyOf(s.allOf[0].anyOf);
  validateValueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, lvl, fldPath, errs);

  const checkMetadata = lvl === Level.Root || s.embeddedResource;
  if (s.embeddedResource && s.type !== 'object') {
    const msg = 'must be object if x-kubernetes-embedded-resource is true';
    errs.push(
      s.type === ''
        ? required(fldPath.child('type'), msg)
        : invalid(fldPath.child('type'), s.type, msg),
    );
  } else if (s.type === '' && !s.intOrString && !s.preserveUnknownFields) {
    const msg =
      lvl === Level.Root
        ? 'must not be empty at the root'
        : lvl === Level.Item
          ? 'must not be empty for specified array items'
          : 'must not be empty for specified object fields';
    errs.push(required(fldPath.child('type'), msg));
  }
  if (s.embeddedResource && s.additionalProperties !== undefined) {
    errs.push(
      forbidden(
        fldPath.child('additionalProperties'),
        'must not be used if x-kubernetes-embedded-resource is set',
      ),
    );
  }
  if (lvl === Level.Root && s.type !== '' && s.type !== 'object') {
    errs.push(invalid(fldPath.child('type'), s.type, 'must be object at the root'));
  }
  const kind = s.properties?.get('kind');
  if (kind !== undefined && checkMetadata && kind.type !== 'string') {
    errs.push(
      invalid(fldPath.child('properties').key('kind').child('type'), kind.type, 'must be string'),
    );
  }
  const apiVersion = s.properties?.get('apiVersion');
  if (apiVersion !== undefined && checkMetadata && apiVersion.type !== 'string') {
    errs.push(
      invalid(
        fldPath.child('properties').key('apiVersion').child('type'),
        apiVersion.type,
        'must be string',
      ),
    );
  }
  const metadata = s.properties?.get('metadata');
  if (metadata !== undefined) {
    const mp = fldPath.child('properties').key('metadata');
    if (checkMetadata && metadata.type !== 'object') {
      errs.push(invalid(mp.child('type'), metadata.type, 'must be object'));
    }
    if (lvl === Level.Root && !isOnlyNameAndGenerateName(metadata)) {
      errs.push(
        forbidden(
          mp,
          'must not specify anything other than name and generateName, but metadata is implicitly specified',
        ),
      );
    }
  }
  if (s.embeddedResource && !s.preserveUnknownFields && (s.properties?.size ?? 0) === 0) {
    errs.push(
      required(
        fldPath.child('properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
  }
}

/**
 * Upstream compares the metadata node (type and default cleared, name/generateName-only
 * properties cleared) to an empty Structural; this checks the same fields one by one.
 */
function isOnlyNameAndGenerateName(m: Structural): boolean {
  if (m.properties !== undefined && m.properties.size > 0) {
    const keys = [...m.properties.keys()];
    if (!keys.every((k) => k === 'name' || k === 'generateName')) return false;
  }
  return (
    m.items === undefined &&
    m.additionalProperties === undefined &&
    m.description === '' &&
    m.title === '' &&
    !m.nullable &&
    !m.preserveUnknownFields &&
    !m.embeddedResource &&
    !m.intOrString &&
    m.listType === undefined &&
    m.listMapKeys.length === 0 &&
    m.mapType === undefined &&
    m.validations.length === 0 &&
    !hasValueValidation(m)
  );
}

function hasValueValidation(v: Structural): boolean {
  return (
    v.format !== '' ||
    v.maximum !== undefined ||
    v.exclusiveMaximum ||
    v.minimum !== undefined ||
    v.exclusiveMinimum ||
    v.maxLength !== undefined ||
    v.minLength !== undefined ||
    v.pattern !== '' ||
    v.maxItems !== undefined ||
    v.minItems !== undefined ||
    v.uniqueItems ||
    v.multipleOf !== undefined ||
    v.enum !== undefined ||
    v.maxProperties !== undefined ||
    v.minProperties !== undefined ||
    v.required.length > 0 ||
    v.allOf.length > 0 ||
    v.anyOf.length > 0 ||
    v.oneOf.length > 0 ||
    v.not !== undefined
  );
}

/** `anyOf: [{type: integer}, {type: string}]` and nothing else in either branch. */
function isIntOrStringAnyOf(anyOf: readonly Structural[]): boolean {
  if (anyOf.length !== 2) return false;
  const [a, b] = anyOf;
  return (
    a !== undefined &&
    b !== undefined &&
    a.type === 'integer' &&
    b.type === 'string' &&
    isBareType(a) &&
    isBareType(b)
  );
}

function isBareType(s: Structural): boolean {
  return (
    s.properties === undefined &&
    s.items === undefined &&
    s.additionalProperties === undefined &&
    s.description === '' &&
    s.title === '' &&
    !s.nullable &&
    !s.hasDefault &&
    !s.preserveUnknownFields &&
    !s.embeddedResource &&
    !s.intOrString &&
    s.listType === undefined &&
    s.listMapKeys.length === 0 &&
    s.mapType === undefined &&
    s.validations.length === 0 &&
    !hasValueValidation(s)
  );
}

function validateValueValidation(
  v: Structural,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  lvl: Level,
  fldPath: FieldPath,
  errs: FieldError[],
  allowXValidations = true,
): void {
  if (!skipAnyOf) {
    v.anyOf.forEach((a, i) => {
      validateNested(a, false, lvl, fldPath.child('anyOf').index(i), errs, false);
    });
  }
  v.allOf.forEach((a, i) => {
    validateNested(
      a,
      skipFirstAllOfAnyOf && i === 0,
      lvl,
      fldPath.child('allOf').index(i),
      errs,
      allowXValidations,
    );
  });
  v.oneOf.forEach((a, i) => {
    validateNested(a, false, lvl, fldPath.child('oneOf').index(i), errs, false);
  });
  if (v.not !== undefined) validateNested(v.not, false, lvl, fldPath.child('not'), errs, false);
  if (v.pattern !== '') {
    const { error } = compilePattern(v.pattern);
    if (error !== undefined) {
      errs.push(
        invalid(
          fldPath.child('pattern'),
          v.pattern,
          `must be a valid regular expression, but isn't: ${error}`,
        ),
      );
    }
  }
}

function validateNested(
  v: Structural,
  skipAnyOf: boolean,
  lvl: Level,
  fldPath: FieldPath,
  errs: FieldError[],
  allowXValidations: boolean,
): void {
  validateValueValidation(v, skipAnyOf, false, lvl, fldPath, errs, allowXValidations);
  if (v.items !== undefined) {
    validateNested(v.items, false, lvl, fldPath.child('items'), errs, allowXValidations);
  }
  if (v.properties !== undefined) {
    for (const [k, p] of v.properties) {
      validateNested(
        p,
        false,
        Level.Field,
        fldPath.child('properties').key(k),
        errs,
        allowXValidations,
      );
    }
  }
  if (v.type !== '') errs.push(forbidden(fldPath.child('type'), 'must be empty to be structural'));
  if (typeof v.additionalProperties === 'object') {
    validateNested(
      v.additionalProperties,
      false,
      lvl,
      fldPath.child('additionalProperties'),
      errs,
      allowXValidations,
    );
  }
  if (v.hasDefault) {
    errs.push(forbidden(fldPath.child('default'), 'must be undefined to be structural'));
  }
  if (v.title !== '')
    errs.push(forbidden(fldPath.child('title'), 'must be empty to be structural'));
  if (v.description !== '') {
    errs.push(forbidden(fldPath.child('description'), 'must be empty to be structural'));
  }
  if (v.nullable) errs.push(forbidden(fldPath.child('nullable'), 'must be false to be structural'));
  if (v.preserveUnknownFields) {
    errs.push(
      forbidden(
        fldPath.child('x-kubernetes-preserve-unknown-fields'),
        'must be false to be structural',
      ),
    );
  }
  if (v.embeddedResource) {
    errs.push(
      forbidden(fldPath.child('x-kubernetes-embedded-resource'), 'must be false to be structural'),
    );
  }
  if (v.intOrString) {
    errs.push(
      forbidden(fldPath.child('x-kubernetes-int-or-string'), 'must be false to be structural'),
    );
  }
  if (v.listMapKeys.length > 0) {
    errs.push(
      forbidden(fldPath.child('x-kubernetes-list-map-keys'), 'must be empty to be structural'),
    );
  }
  if (v.listType !== undefined) {
    errs.push(
      forbidden(fldPath.child('x-kubernetes-list-type'), 'must be undefined to be structural'),
    );
  }
  if (v.mapType !== undefined) {
    errs.push(
      forbidden(fldPath.child('x-kubernetes-map-type'), 'must be undefined to be structural'),
    );
  }
  if (v.validations.length > 0 && !allowXValidations) {
    errs.push(
      forbidden(fldPath.child('x-kubernetes-validations'), 'must be empty to be structural'),
    );
  }
  if (v.properties?.has('metadata') === true) {
    errs.push(
      forbidden(
        fldPath.child('properties').key('metadata'),
        'must not be specified in a nested context',
      ),
    );
  }
}

function validateValueValidationCompleteness(
  v: Structural,
  s: Structural,
  sPath: FieldPath,
  vPath: FieldPath,
  errs: FieldError[],
): void {
  if (v.not !== undefined) validateNestedCompleteness(v.not, s, sPath, vPath.child('not'), errs);
  const lists: [string, readonly Structural[]][] = [
    ['allOf', v.allOf],
    ['anyOf', v.anyOf],
    ['oneOf', v.oneOf],
  ];
  for (const [name, list] of lists) {
    list.forEach((n, i) => {
      validateNestedCompleteness(n, s, sPath, vPath.child(name).index(i), errs);
    });
  }
}

function validateNestedCompleteness(
  v: Structural,
  s: Structural | undefined,
  sPath: FieldPath,
  vPath: FieldPath,
  errs: FieldError[],
): void {
  if (s === undefined) {
    errs.push(required(sPath, `because it is defined in ${vPath.toString()}`));
    return;
  }
  validateValueValidationCompleteness(v, s, sPath, vPath, errs);
  if (v.items !== undefined) {
    validateNestedCompleteness(v.items, s.items, sPath.child('items'), vPath.child('items'), errs);
  }
  const sAdditional =
    typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
  if (v.properties !== undefined) {
    for (const [k, vf] of v.properties) {
      const sf = s.properties?.get(k);
      if (sf !== undefined) {
        validateNestedCompleteness(
          vf,
          sf,
          sPath.child('properties').key(k),
          vPath.child('properties').key(k),
          errs,
        );
      } else if (sAdditional !== undefined) {
        validateNestedCompleteness(
          vf,
          sAdditional,
          sPath.child('additionalProperties'),
          vPath.child('properties').key(k),
          errs,
        );
      } else {
        const vp = vPath.child('properties').key(k);
        errs.push(
          required(sPath.child('properties').key(k), `because it is defined in ${vp.toString()}`),
        );
      }
    }
  }
  if (typeof v.additionalProperties === 'object') {
    validateNestedCompleteness(
      v.additionalProperties,
      sAdditional,
      sPath.child('additionalProperties'),
      vPath.child('additionalProperties'),
      errs,
    );
  }
}
