/**
 * Validation of a custom resource as the apiextensions API server does it on create, update
 * and status update (pkg/registry/customresource/{strategy,validator}.go): type meta, object
 * metadata, the schema (kube-openapi, ratcheting on update), the scale subresource paths,
 * embedded resources (pkg/apiserver/schema/objectmeta), list-type set/map uniqueness
 * (pkg/apiserver/schema/listtype) and a hook for `x-kubernetes-validations` (CEL).
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { FieldError, FieldPath } from '../validation/index.ts';
import {
  duplicate,
  invalid,
  isDNS1035Label,
  nameIsDNSSubdomain,
  newPath,
  required,
  validateObjectMeta,
  validateObjectMetaUpdate,
  validatePathSegmentName,
} from '../validation/index.ts';
import { goFloat, jsonEqual, validateValue } from './schema-validate.ts';
import type { Structural } from './structural.ts';
import type { JsonObject } from './types.ts';
import { isJsonObject } from './types.ts';

/**
 * Evaluates `x-kubernetes-validations` rules (another module's job). Receives the new object,
 * the old one on update, and the compiled schema; returns the rule failures as field errors.
 */
export type CelValidationHook = (
  obj: JsonObject,
  old: JsonObject | undefined,
  schema: Structural,
) => FieldError[];

/** What `validateCustomResource` needs to know about the served CRD version. */
export interface CustomResourceValidationContext {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** The compiled schema of this version; undefined when it has none. */
  readonly structural: Structural | undefined;
  /** `subresources.scale` of this version, when enabled. */
  readonly scale?: {
    readonly specReplicasPath: string;
    readonly statusReplicasPath: string;
    readonly labelSelectorPath?: string;
  };
  /** Optional CEL evaluator for `x-kubernetes-validations`. */
  readonly cel?: CelValidationHook;
}

/** Which strategy call to mirror: create, update (main resource) or the status subresource. */
export type CustomResourceOperation = 'create' | 'update' | 'status';

const MAX_INT32 = 2147483647;

/**
 * Validates a custom resource after defaulting and pruning, returning upstream's field errors
 * in upstream's order. `old` is required for `update` and `status` (metadata update rules and
 * schema ratcheting: unchanged subtrees report no schema errors). Type-meta errors
 * (`kind: Invalid value: "X": must be Y`) are returned alone, as upstream does. Pure; the
 * objects are only read.
 */
export function validateCustomResource(
  obj: JsonObject,
  ctx: CustomResourceValidationContext,
  op: CustomResourceOperation = 'create',
  old?: JsonObject,
): FieldError[] {
  const typeErrs = validateTypeMeta(obj, ctx);
  if (typeErrs.length > 0) return typeErrs;
  const errs: FieldError[] = [];
  const meta = (isJsonObject(obj.metadata) ? obj.metadata : {}) as ObjectMeta;
  if (op === 'create' || old === undefined) {
    errs.push(...validateObjectMeta(meta, ctx.namespaced, nameIsDNSSubdomain, newPath('metadata')));
  } else {
    const oldMeta = (isJsonObject(old.metadata) ? old.metadata : {}) as ObjectMeta;
    errs.push(...validateObjectMetaUpdate(meta, oldMeta, newPath('metadata')));
  }
  const s = ctx.structural;
  if (s !== undefined) {
    errs.push(
      ...validateValue(obj, s, undefined, op === 'create' || old === undefined ? {} : { old }),
    );
  }
  if (ctx.scale !== undefined) {
    if (op !== 'status') errs.push(...validateScaleSpec(obj, ctx.scale.specReplicasPath));
    errs.push(...validateScaleStatus(obj, ctx.scale));
  }
  if (s !== undefined) {
    errs.push(...validateEmbeddedResources(obj, s));
    errs.push(...validateListSetsAndMaps(undefined, s, obj));
    if (ctx.cel !== undefined) errs.push(...ctx.cel(obj, op === 'create' ? undefined : old, s));
  }
  return errs;
}

function validateTypeMeta(obj: JsonObject, ctx: CustomResourceValidationContext): FieldError[] {
  const errs: FieldError[] = [];
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (kind !== ctx.kind) {
    errs.push(invalid(newPath('kind'), kind, `must be ${ctx.kind}`));
  }
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const want = `${ctx.group}/${ctx.version}`;
  if (apiVersion !== want) {
    errs.push(invalid(newPath('apiVersion'), apiVersion, `must be ${want}`));
  }
  return errs;
}

/** Go's `%v` of a decoded JSON value (`map[a:1]`, `[x y]`), as accessor errors and JSONPath print it. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  const o = v as Record<string, unknown>;
  return `map[${Object.keys(o)
    .sort()
    .map((k) => `${k}:${goValue(o[k])}`)
    .join(' ')}]`;
}

/** Go's `%T` of a decoded JSON value. */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** unstructured.NestedFieldNoCopy + a type check, with upstream's accessor errors. */
function nestedTyped(
  obj: JsonObject,
  fields: readonly string[],
  want: 'int64' | 'string',
): { value: unknown; found: boolean; error?: string } {
  let cur: unknown = obj;
  const jsonPath = '.' + fields.join('.');
  for (let i = 0; i < fields.length; i++) {
    if (!isJsonObject(cur)) {
      const p = '.' + fields.slice(0, i).join('.');
      return {
        value: undefined,
        found: false,
        error: `${p} accessor error: ${goValue(cur)} is of the type ${goType(cur)}, expected map[string]interface{}`,
      };
    }
    const k = fields[i] ?? '';
    if (!Object.hasOwn(cur, k)) return { value: undefined, found: false };
    cur = cur[k];
  }
  const ok = want === 'string' ? typeof cur === 'string' : Number.isInteger(cur);
  if (!ok) {
    return {
      value: undefined,
      found: false,
      error: `${jsonPath} accessor error: ${goValue(cur)} is of the type ${goType(cur)}, expected ${want}`,
    };
  }
  return { value: cur, found: true };
}

function validateReplicas(obj: JsonObject, path: string): FieldError[] {
  const fields = (path.startsWith('.') ? path.slice(1) : path).split('.');
  const r = nestedTyped(obj, fields, 'int64');
  const p = newPath(path);
  if (r.error !== undefined) return [invalid(p, 0, r.error)];
  const n = typeof r.value === 'number' ? r.value : 0;
  if (n < 0) return [invalid(p, n, 'should be a non-negative integer')];
  if (n > MAX_INT32) return [invalid(p, n, `should be less than or equal to ${String(MAX_INT32)}`)];
  return [];
}

function validateScaleSpec(obj: JsonObject, specReplicasPath: string): FieldError[] {
  return validateReplicas(obj, specReplicasPath);
}

function validateScaleStatus(
  obj: JsonObject,
  scale: NonNullable<CustomResourceValidationContext['scale']>,
): FieldError[] {
  const errs = validateReplicas(obj, scale.statusReplicasPath);
  const lsp = scale.labelSelectorPath;
  if (lsp !== undefined) {
    const fields = (lsp.startsWith('.') ? lsp.slice(1) : lsp).split('.');
    const r = nestedTyped(obj, fields, 'string');
    if (r.error !== undefined) errs.push(invalid(newPath(lsp), '', r.error));
  }
  return errs;
}

/** schema.ParseGroupVersion's error for an apiVersion with more than one `/`. */
function parseGroupVersionError(gv: string): string | undefined {
  if (gv === '' || gv === '/') return undefined;
  const n = gv.split('/').length - 1;
  if (n <= 1) return undefined;
  return `unexpected GroupVersion string: ${gv}`;
}

/**
 * Validates every `x-kubernetes-embedded-resource` object below the root (upstream
 * objectmeta.Validate with isResourceRoot false): apiVersion and kind present and well formed,
 * metadata valid as ObjectMeta with path-segment names.
 */
export function validateEmbeddedResources(obj: unknown, s: Structural): FieldError[] {
  const errs: FieldError[] = [];
  walkEmbedded(undefined, obj, s, errs);
  return errs;
}

function walkEmbedded(
  pth: FieldPath | undefined,
  x: unknown,
  s: Structural | undefined,
  errs: FieldError[],
): void {
  if (s === undefined) return;
  const child = (k: string) => (pth === undefined ? newPath(k) : pth.child(k));
  if (isJsonObject(x)) {
    if (s.embeddedResource && pth !== undefined) validateEmbeddedResource(pth, x, errs);
    for (const [k, v] of Object.entries(x)) {
      const prop = s.properties?.get(k);
      if (prop !== undefined) walkEmbedded(child(k), v, prop, errs);
      else if (typeof s.additionalProperties === 'object') {
        walkEmbedded(pth === undefined ? newPath(k) : pth.key(k), v, s.additionalProperties, errs);
      }
    }
  } else if (Array.isArray(x) && pth !== undefined) {
    x.forEach((v, i) => {
      walkEmbedded(pth.index(i), v, s.items, errs);
    });
  }
}

function validateEmbeddedResource(pth: FieldPath, x: JsonObject, errs: FieldError[]): void {
  if (!Object.hasOwn(x, 'apiVersion')) {
    errs.push(required(pth.child('apiVersion'), 'must not be empty'));
  }
  if (!Object.hasOwn(x, 'kind')) errs.push(required(pth.child('kind'), 'must not be empty'));
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      const p = pth.child('apiVersion');
      if (typeof v !== 'string') errs.push(invalid(p, v, 'must be a string'));
      else if (v.length === 0) errs.push(invalid(p, v, 'must not be empty'));
      else {
        const e = parseGroupVersionError(v);
        if (e !== undefined) errs.push(invalid(p, v, e));
      }
    } else if (k === 'kind') {
      const p = pth.child('kind');
      if (typeof v !== 'string') errs.push(invalid(p, v, 'must be a string'));
      else if (v.length === 0) errs.push(invalid(p, v, 'must not be empty'));
      else {
        const msgs = isDNS1035Label(v.toLowerCase());
        if (msgs.length > 0) {
          errs.push(
            invalid(p, v, 'may have mixed case, but should otherwise match: ' + msgs.join(',')),
          );
        }
      }
    } else if (k === 'metadata') {
      const p = pth.child('metadata');
      if (!isJsonObject(v)) {
        if (v !== null) errs.push(invalid(p, v, 'must be an object'));
        continue;
      }
      const meta = { ...v } as ObjectMeta;
      if ((meta.name ?? '') === '') meta.name = 'fakename';
      const namespaced = (meta.namespace ?? '') !== '';
      errs.push(...validateObjectMeta(meta, namespaced, validatePathSegmentName, p));
    }
  }
}

/**
 * Checks `x-kubernetes-list-type: set` and `map` invariants (upstream
 * ValidateListSetsAndMaps): duplicates are reported at the index of the repeat as
 * `Duplicate value`, with the key fields for maps. `fldPath` undefined means the object root.
 */
export function validateListSetsAndMaps(
  fldPath: FieldPath | undefined,
  s: Structural,
  obj: JsonObject,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const prop = s.properties?.get(k);
    if (prop !== undefined) {
      listOnValue(fldPath === undefined ? newPath(k) : fldPath.child(k), prop, v, errs);
    } else if (typeof s.additionalProperties === 'object') {
      listOnValue(
        fldPath === undefined ? newPath(k) : fldPath.key(k),
        s.additionalProperties,
        v,
        errs,
      );
    }
  }
  return errs;
}

function listOnValue(pth: FieldPath, s: Structural, v: unknown, errs: FieldError[]): void {
  if (Array.isArray(v)) {
    if (s.listType === 'set') {
      for (let i = 0; i < v.length; i++) {
        for (let j = 0; j < i; j++) {
          if (jsonEqual(v[i], v[j])) {
            errs.push(duplicate(pth.index(i), v[i]));
            break;
          }
        }
      }
    } else if (s.listType === 'map') {
      validateListMap(pth, s, v, errs);
    }
    if (s.items !== undefined) {
      const items = s.items;
      v.forEach((x, i) => {
        listOnValue(pth.index(i), items, x, errs);
      });
    }
  } else if (isJsonObject(v)) {
    errs.push(...validateListSetsAndMaps(pth, s, v));
  }
}

const UNSPECIFIED: unique symbol = Symbol('unspecified');

function validateListMap(
  pth: FieldPath,
  s: Structural,
  list: readonly unknown[],
  errs: FieldError[],
): void {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (x !== null && !isJsonObject(x)) {
      errs.push(invalid(pth.index(i), x, 'must be an object for an array of list-type map'));
      return;
    }
  }
  if (list.length <= 1) return;
  const keyOf = (x: unknown): unknown[] =>
    s.listMapKeys.map((k) => {
      if (isJsonObject(x) && Object.hasOwn(x, k)) return x[k];
      const d = s.items?.properties?.get(k)?.default;
      return d === undefined ? UNSPECIFIED : d;
    });
  const seen: unknown[][] = [];
  for (let i = 0; i < list.length; i++) {
    const key = keyOf(list[i]);
    if (seen.some((o) => o.every((e, j) => e === key[j] || jsonEqual(e, key[j])))) {
      const shown: Record<string, unknown> = {};
      s.listMapKeys.forEach((k, j) => {
        if (key[j] !== UNSPECIFIED) shown[k] = key[j];
      });
      errs.push(duplicate(pth.index(i), shown));
    } else {
      seen.push(key);
    }
  }
}
