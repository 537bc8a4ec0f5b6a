/**
 * Value validation of JSON against a compiled schema with kube-openapi's semantics
 * (k8s.io/kube-openapi/pkg/validation/validate) and the API server's translation of its
 * results into field errors (apiextensions-apiserver pkg/apiserver/validation,
 * kubeOpenAPIResultToFieldErrors), so messages read exactly as `kubectl` shows them, e.g.
 * `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
 */
import type { FieldError, FieldPath } from '../validation/index.ts';
import {
  goQuote,
  invalid,
  newPath,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from '../validation/index.ts';
import { isKnownFormat, validateFormat } from './formats.ts';
import type { Structural } from './structural.ts';
import { isJsonObject } from './types.ts';

/** kube-openapi error codes that the API server maps to specific field error types. */
const enum Code {
  InvalidType,
  Required,
  TooLong,
  Enum,
  MaxItems,
  TooManyProperties,
  Other,
}

interface SchemaError {
  code: Code;
  /** kube-openapi's dotted path (`spec.items[0].name`), '' for errors without one. */
  name: string;
  value: unknown;
  message: string;
  max?: number;
  values?: readonly unknown[];
}

const IN = 'body';

/** Go's `%v` of a float64 (exponent below 1e-4 and from 1e21, as `1e-05`, `1e+21`). */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m = '', e = ''] = n.toExponential().split('e');
    const sign = e.startsWith('-') ? '-' : '+';
    return `${m}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return String(n);
}

/** The JSON type kube-openapi infers for a decoded value (integers are whole numbers). */
function jsonType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** Deep equality of JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) {
    if (!Object.hasOwn(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  }
  return true;
}

function invalidType(name: string, typeName: string, value: string): SchemaError {
  return {
    code: Code.InvalidType,
    name,
    value,
    message: `${name} in ${IN} must be of type ${typeName}: ${goQuote(value)}`,
  };
}

function other(name: string, value: unknown, message: string): SchemaError {
  return { code: Code.Other, name, value, message };
}

/** Unicode code points, as Go's utf8.RuneCountInString. */
function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function isJsonInteger(f: number): boolean {
  if (!Number.isFinite(f)) return false;
  return Math.abs(f - Math.round(f)) <= 1e-9 * Math.max(1, Math.abs(f));
}

/** Options for `validateValue`. */
export interface ValueValidationOptions {
  /**
   * The previous value (on update). Subtrees that are unchanged from their correlated old value
   * report no errors (upstream CRDValidationRatcheting, on by default since 1.30).
   */
  readonly old?: unknown;
}

/**
 * Validates `data` against `s` as kube-openapi's SchemaValidator with root path `''` and
 * returns the API server's field errors. `fldPath` prefixes every error path (upstream passes
 * nil for a custom resource, and `...default` when validating a CRD default). Errors without a
 * path (anyOf/oneOf/not failures at the root) print as `<nil>`, as upstream does. Pure.
 */
export function validateValue(
  data: unknown,
  s: Structural,
  fldPath?: FieldPath,
  opts: ValueValidationOptions = {},
): FieldError[] {
  const out: SchemaError[] = [];
  validateNode(data, s, '', out, opts.old !== undefined, opts.old);
  return toFieldErrors(out, fldPath);
}

function toFieldErrors(errs: readonly SchemaError[], fldPath: FieldPath | undefined): FieldError[] {
  const result: FieldError[] = [];
  for (const e of errs) {
    let p: FieldPath;
    if (e.name.length > 0 && e.name !== '.') {
      const n = e.name.startsWith('.') ? e.name.slice(1) : e.name;
      p = fldPath === undefined ? newPath(n) : fldPath.child(n);
    } else {
      p = fldPath ?? newPath('<nil>');
    }
    const value = e.value ?? '';
    switch (e.code) {
      case Code.Required:
        result.push(required(p, ''));
        break;
      case Code.Enum:
        result.push(
          notSupported(
            p,
            e.value,
            (e.values ?? []).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
          ),
        );
        break;
      case Code.TooLong:
        result.push(tooLong(p, value, e.max ?? -1));
        break;
      case Code.MaxItems:
      case Code.TooManyProperties:
        result.push(tooMany(p, typeof e.value === 'number' ? e.value : -1, e.max ?? -1));
        break;
      case Code.InvalidType:
        result.push(typeInvalid(p, value, e.message));
        break;
      default:
        result.push(invalid(p, value, e.message));
    }
  }
  return result;
}

/** Runs `fn` on a scratch list and reports whether it added errors. */
function attempt(data: unknown, s: Structural, path: string): SchemaError[] {
  const scratch: SchemaError[] = [];
  validateNode(data, s, path, scratch, false, undefined);
  return scratch;
}

function validateNode(
  data: unknown,
  s: Structural,
  path: string,
  out: SchemaError[],
  hasOld: boolean,
  old: unknown,
): void {
  if (hasOld && jsonEqual(data, old)) return;
  if (data === null || data === undefined) {
    if (s.types.length > 0 && !s.types.includes('null') && !s.nullable) {
      out.push(invalidType(path, s.types.join(','), 'null'));
    }
    checkEnum(null, s, path, out);
    return;
  }
  // typeValidator
  if (s.types.length > 0 || s.format !== '') {
    const e = checkType(data, s, path);
    if (e !== undefined) out.push(e);
  }
  // schemaPropsValidator
  checkJunctors(data, s, path, out);
  if (typeof data === 'string') {
    // stringValidator
    if (s.maxLength !== undefined && runeCount(data) > s.maxLength) {
      out.push({
        code: Code.TooLong,
        name: path,
        value: data,
        max: s.maxLength,
        message: `${path} in ${IN} should be at most ${String(s.maxLength)} chars long`,
      });
    }
    if (s.minLength !== undefined && runeCount(data) < s.minLength) {
      out.push(
        other(path, data, `${path} in ${IN} should be at least ${String(s.minLength)} chars long`),
      );
    }
    if (s.patternRegExp !== undefined && !s.patternRegExp.test(data)) {
      out.push(other(path, data, `${path} in ${IN} should match '${s.pattern}'`));
    }
    // formatValidator
    if (s.format !== '' && isKnownFormat(s.format) && !validateFormat(s.format, data)) {
      out.push({
        code: Code.InvalidType,
        name: path,
        value: data,
        message: `${path} in ${IN} must be of type ${s.format}: ${goQuote(data)}`,
      });
    }
  } else if (typeof data === 'number') {
    checkNumber(data, s, path, out);
  } else if (Array.isArray(data)) {
    checkSlice(data, s, path, out, hasOld, old);
  }
  // basicCommonValidator
  checkEnum(data, s, path, out);
  if (isJsonObject(data)) checkObject(data, s, path, out, hasOld, old);
}

const NUMBER_FORMATS: Readonly<Record<string, string>> = { integer: 'int64', number: 'double' };

function checkType(data: unknown, s: Structural, path: string): SchemaError | undefined {
  const schType = jsonType(data);
  const format = NUMBER_FORMATS[schType] ?? '';
  const types = s.types;
  // Go's isFloatInt (a float64 holding a whole number where integer is allowed) cannot occur:
  // whole JSON numbers already infer as integer here.
  const isIntFloat = schType === 'integer' && types.includes('number');
  const isLowerInt = s.format === 'int64' && format === 'int32';
  const isLowerFloat = s.format === 'double' && format === 'float';
  const isStringOrSlice = schType === 'string' || schType === 'array';
  if (
    !isStringOrSlice &&
    s.format !== '' &&
    !(types.includes(schType) || format === s.format || isIntFloat || isLowerInt || isLowerFloat)
  ) {
    return invalidType(path, s.format, format);
  }
  if (
    !(types.includes('number') || types.includes('integer')) &&
    s.format !== '' &&
    isStringOrSlice
  ) {
    return undefined;
  }
  if (!(types.includes(schType) || isIntFloat)) {
    return invalidType(path, types.join(','), schType);
  }
  return undefined;
}

function checkJunctors(data: unknown, s: Structural, path: string, out: SchemaError[]): void {
  if (s.anyOf.length > 0) {
    let ok = false;
    let best: SchemaError[] | undefined;
    for (const b of s.anyOf) {
      const errs = attempt(data, b, path);
      if (errs.length === 0) {
        ok = true;
        best = undefined;
        break;
      }
      // Upstream keeps the failure with the highest MatchCount; fewest errors approximates it.
      if (best === undefined || errs.length < best.length) best = errs;
    }
    if (!ok) out.push(other('', '', `${goQuote(path)} must validate at least one schema (anyOf)`));
    if (best !== undefined) out.push(...best);
  }
  if (s.oneOf.length > 0) {
    let valid = 0;
    let best: SchemaError[] | undefined;
    for (const b of s.oneOf) {
      const errs = attempt(data, b, path);
      if (errs.length === 0) {
        valid++;
        best = undefined;
      } else if (valid === 0 && (best === undefined || errs.length < best.length)) {
        best = errs;
      }
    }
    if (valid !== 1) {
      const more = valid === 0 ? 'Found none valid' : `Found ${String(valid)} valid alternatives`;
      out.push(
        other('', '', `${goQuote(path)} must validate one and only one schema (oneOf). ${more}`),
      );
      if (best !== undefined) out.push(...best);
    }
  }
  if (s.allOf.length > 0) {
    let validated = 0;
    for (const b of s.allOf) {
      const errs = attempt(data, b, path);
      if (errs.length === 0) validated++;
      out.push(...errs);
    }
    if (validated !== s.allOf.length) {
      const more = validated === 0 ? '. None validated' : '';
      out.push(other('', '', `${goQuote(path)} must validate all the schemas (allOf)${more}`));
    }
  }
  if (s.not !== undefined && attempt(data, s.not, path).length === 0) {
    out.push(other('', '', `${goQuote(path)} must not validate the schema (not)`));
  }
}

function checkNumber(data: number, s: Structural, path: string, out: SchemaError[]): void {
  if (s.multipleOf !== undefined) {
    if (s.multipleOf <= 0) {
      out.push(
        other(
          path,
          s.multipleOf,
          `factor MultipleOf declared for ${path} must be positive: ${goFloat(s.multipleOf)}`,
        ),
      );
    } else if (!isJsonInteger(data / s.multipleOf)) {
      out.push(
        other(path, data, `${path} in ${IN} should be a multiple of ${goFloat(s.multipleOf)}`),
      );
    }
  }
  if (s.maximum !== undefined) {
    const max = s.maximum;
    if (s.exclusiveMaximum ? data >= max : data > max) {
      const rel = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
      out.push(other(path, data, `${path} in ${IN} should be ${rel} ${goFloat(max)}`));
    }
  }
  if (s.minimum !== undefined) {
    const min = s.minimum;
    if (s.exclusiveMinimum ? data <= min : data < min) {
      const rel = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
      out.push(other(path, data, `${path} in ${IN} should be ${rel} ${goFloat(min)}`));
    }
  }
}

function checkSlice(
  data: readonly unknown[],
  s: Structural,
  path: string,
  out: SchemaError[],
  hasOld: boolean,
  old: unknown,
): void {
  if (s.items !== undefined) {
    const oldList = hasOld && Array.isArray(old) ? old : undefined;
    for (let i = 0; i < data.length; i++) {
      const item = data[i];
      const corr = oldList === undefined ? undefined : correlateItem(item, oldList, s);
      validateNode(item, s.items, `${path}[${String(i)}]`, out, corr !== undefined, corr?.value);
    }
  }
  const size = data.length;
  if (s.minItems !== undefined && size < s.minItems) {
    out.push(
      other(path, size, `${path} in ${IN} should have at least ${String(s.minItems)} items`),
    );
  }
  if (s.maxItems !== undefined && size > s.maxItems) {
    out.push({
      code: Code.MaxItems,
      name: path,
      value: size,
      max: s.maxItems,
      message: `${path} in ${IN} should have at most ${String(s.maxItems)} items`,
    });
  }
  if (s.uniqueItems) {
    outer: for (let i = 0; i < size; i++) {
      for (let j = i + 1; j < size; j++) {
        if (jsonEqual(data[i], data[j])) {
          out.push(other(path, '', `${path} in ${IN} shouldn't contain duplicates`));
          break outer;
        }
      }
    }
  }
}

/**
 * The old list element an element correlates with for ratcheting: by key for list-type map,
 * by value for list-type set; atomic lists do not correlate (as upstream).
 */
function correlateItem(
  item: unknown,
  oldList: readonly unknown[],
  s: Structural,
): { value: unknown } | undefined {
  if (s.listType === 'set') {
    return oldList.some((o) => jsonEqual(o, item)) ? { value: item } : undefined;
  }
  if (s.listType === 'map' && isJsonObject(item)) {
    const keys = s.listMapKeys;
    const found = oldList.find(
      (o) => isJsonObject(o) && keys.every((k) => jsonEqual(o[k], item[k])),
    );
    return found === undefined ? undefined : { value: found };
  }
  return undefined;
}

function checkEnum(data: unknown, s: Structural, path: string, out: SchemaError[]): void {
  const values = s.enum;
  if (values === undefined || values.length === 0) return;
  for (const v of values) {
    if (v !== null && v !== undefined && jsonEqual(data, v)) return;
  }
  out.push({
    code: Code.Enum,
    name: path,
    value: data,
    values,
    message: `${path} in ${IN} should be one of ${JSON.stringify(values)}`,
  });
}

function checkObject(
  data: Record<string, unknown>,
  s: Structural,
  path: string,
  out: SchemaError[],
  hasOld: boolean,
  old: unknown,
): void {
  const keys = Object.keys(data);
  if (s.minProperties !== undefined && keys.length < s.minProperties) {
    out.push(
      other(
        path,
        keys.length,
        `${path} in ${IN} should have at least ${String(s.minProperties)} properties`,
      ),
    );
    return;
  }
  if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
    out.push({
      code: Code.TooManyProperties,
      name: path,
      value: keys.length,
      max: s.maxProperties,
      message: `${path} in ${IN} should have at most ${String(s.maxProperties)} properties`,
    });
    return;
  }
  const oldObj = hasOld && isJsonObject(old) ? old : undefined;
  const props = s.properties;
  const ap = s.additionalProperties;
  if (ap === false) {
    for (const k of keys) {
      if (props?.has(k) !== true) {
        out.push(other(path, k, `${path}.${k} in ${IN} is a forbidden property`));
      }
    }
  } else if (typeof ap === 'object') {
    for (const k of keys) {
      if (props?.has(k) === true) continue;
      const has = oldObj !== undefined && Object.hasOwn(oldObj, k);
      validateNode(data[k], ap, `${path}.${k}`, out, has, has ? oldObj[k] : undefined);
    }
  }
  if (props !== undefined) {
    for (const [k, ps] of props) {
      if (!Object.hasOwn(data, k)) continue;
      const has = oldObj !== undefined && Object.hasOwn(oldObj, k);
      const rName = path === '' ? k : `${path}.${k}`;
      validateNode(data[k], ps, rName, out, has, has ? oldObj[k] : undefined);
    }
  }
  for (const k of s.required) {
    if (!Object.hasOwn(data, k)) {
      out.push({
        code: Code.Required,
        name: `${path}.${k}`,
        value: undefined,
        message: `${path}.${k} in ${IN} is required`,
      });
    }
  }
}
