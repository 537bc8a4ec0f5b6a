/**
 * Field paths and field-level validation errors, ported from Kubernetes 1.32
 * staging/src/k8s.io/apimachinery/pkg/util/validation/field/{path.go,errors.go}.
 *
 * Validation returns `FieldError[]` (a value, never thrown); the API server turns a non-empty
 * list into a 422 Invalid Status with `newInvalid` (../errors.ts). Message texts match upstream
 * byte for byte (see `FieldError.error()`).
 */
import { goQuote } from './quote.ts';

/**
 * The path from an object's root to one field, e.g. `spec.containers[0].name` or
 * `metadata.labels[app]`. Immutable: `child`, `index` and `key` return new paths that share
 * their parent, so one base path can be extended many times.
 */
export class FieldPath {
  private constructor(
    /** The field name, or '' when this element is a subscript. */
    private readonly name: string,
    /** The subscript (index or map key) when `name` is ''. */
    private readonly subscript: string,
    private readonly parent: FieldPath | undefined,
  ) {}

  /** A root path; `new FieldPath`-free equivalent of upstream NewPath(name, moreNames...). */
  static of(name: string, ...moreNames: string[]): FieldPath {
    let p = new FieldPath(name, '', undefined);
    for (const n of moreNames) {
      p = new FieldPath(n, '', p);
    }
    return p;
  }

  /** This path followed by `.name` (and `.more`...). */
  child(name: string, ...moreNames: string[]): FieldPath {
    let p = new FieldPath(name, '', this);
    for (const n of moreNames) {
      p = new FieldPath(n, '', p);
    }
    return p;
  }

  /** This path subscripted by a list index: `[i]`. */
  index(i: number): FieldPath {
    return new FieldPath('', String(i), this);
  }

  /** This path subscripted by a map key: `[key]` (unquoted, as upstream). */
  key(key: string): FieldPath {
    return new FieldPath('', key, this);
  }

  /** The root element of this path. */
  root(): FieldPath {
    return this.parent === undefined ? this : this.parent.root();
  }

  /** Upstream Path.String(): names joined by `.`, subscripts as `[x]`. */
  toString(): string {
    const elems: FieldPath[] = [this];
    for (let p = this.parent; p !== undefined; p = p.parent) {
      elems.push(p);
    }
    let out = '';
    for (let i = elems.length - 1; i >= 0; i--) {
      const p = elems[i];
      if (p === undefined) {
        continue;
      }
      if (p.parent !== undefined && p.name.length > 0) {
        out += '.';
      }
      out += p.name.length > 0 ? p.name : `[${p.subscript}]`;
    }
    return out;
  }
}

/** Shorthand for `FieldPath.of` (upstream field.NewPath). */
export function newPath(name: string, ...moreNames: string[]): FieldPath {
  return FieldPath.of(name, ...moreNames);
}

/** Upstream field.ErrorType values; these are also the `reason` of a Status cause. */
export const ErrorType = {
  NotFound: 'FieldValueNotFound',
  Required: 'FieldValueRequired',
  Duplicate: 'FieldValueDuplicate',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Internal: 'InternalError',
  TypeInvalid: 'FieldValueTypeInvalid',
} as const;
/** One of the ErrorType values. */
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

const ERROR_TYPE_TEXT: Readonly<Record<ErrorType, string>> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  InternalError: 'Internal error',
  FieldValueTypeInvalid: 'Invalid value',
};

/** The canonical text of an error type (upstream ErrorType.String()). */
export function errorTypeText(t: ErrorType): string {
  return ERROR_TYPE_TEXT[t];
}

/** Marks a bad value that must not be printed (upstream's omitValue). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

/** Formats a bad value as Go's ErrorBody does for the JSON-shaped values we handle. */
function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  switch (typeof value) {
    case 'string':
      return goQuote(value);
    case 'number':
      return formatGoNumber(value);
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      // Go prints other values with %#v; JSON is the closest readable equivalent we have.
      return safeJson(value);
  }
}

/** Go's %v of a float64/int64: integers plainly, exponents as Go writes them (1e+21). */
function formatGoNumber(n: number): string {
  const s = String(n);
  if (s.includes('e')) {
    // JS: 1e21, 1e-7. Go: 1e+21, 1e-07.
    const [mantissa = '', exp = ''] = s.split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return s;
}

function safeJson(value: unknown): string {
  try {
    // JSON.stringify returns undefined for functions and symbols despite its declared type.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * One field-level validation error (upstream field.Error). A value: create it with the
 * constructors below and collect them in a `FieldError[]`.
 */
export class FieldError {
  constructor(
    readonly type: ErrorType,
    /** The field path as a string, e.g. `spec.replicas`. */
    readonly field: string,
    /** The offending value (printed in the message unless the type hides it). */
    readonly badValue: unknown,
    /** Extra explanation appended after the value. */
    readonly detail: string,
  ) {}

  /** The message without the field name (upstream ErrorBody); a Status cause's message. */
  errorBody(): string {
    let s: string;
    switch (this.type) {
      case ErrorType.Required:
      case ErrorType.Forbidden:
      case ErrorType.TooLong:
      case ErrorType.Internal:
        s = errorTypeText(this.type);
        break;
      default:
        s =
          this.badValue === OMIT_VALUE
            ? errorTypeText(this.type)
            : `${errorTypeText(this.type)}: ${formatBadValue(this.badValue)}`;
    }
    if (this.detail.length !== 0) {
      s += `: ${this.detail}`;
    }
    return s;
  }

  /** The full message, `<field>: <body>` (upstream Error()). */
  error(): string {
    return `${this.field}: ${this.errorBody()}`;
  }

  /** Same as `error()`, so template strings print the upstream message. */
  toString(): string {
    return this.error();
  }
}

/** The value could not be found (e.g. a referenced ID). */
export function notFound(path: FieldPath, value: unknown): FieldError {
  return new FieldError(ErrorType.NotFound, path.toString(), value, '');
}

/** A required value is missing. */
export function required(path: FieldPath, detail = ''): FieldError {
  return new FieldError(ErrorType.Required, path.toString(), '', detail);
}

/** A value that must be unique is repeated. */
export function duplicate(path: FieldPath, value: unknown): FieldError {
  return new FieldError(ErrorType.Duplicate, path.toString(), value, '');
}

/** A malformed value (failed regex, out of range, ...). */
export function invalid(path: FieldPath, value: unknown, detail: string): FieldError {
  return new FieldError(ErrorType.Invalid, path.toString(), value, detail);
}

/** A value of an enumeration outside the supported set, listed in the detail. */
export function notSupported(
  path: FieldPath,
  value: unknown,
  validValues: readonly string[],
): FieldError {
  const detail =
    validValues.length > 0 ? 'supported values: ' + validValues.map(goQuote).join(', ') : '';
  return new FieldError(ErrorType.NotSupported, path.toString(), value, detail);
}

/** A well-formed value that is not allowed under the current conditions. */
export function forbidden(path: FieldPath, detail: string): FieldError {
  return new FieldError(ErrorType.Forbidden, path.toString(), '', detail);
}

/**
 * A value longer than `maxLength` bytes; the value itself is never printed. A negative
 * `maxLength` gives the generic "value is too long".
 */
export function tooLong(path: FieldPath, _value: unknown, maxLength: number): FieldError {
  let msg: string;
  if (maxLength >= 0) {
    msg = `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`;
  } else {
    msg = 'value is too long';
  }
  return new FieldError(ErrorType.TooLong, path.toString(), '<value omitted>', msg);
}

/** Deprecated upstream alias of `tooLong`. */
export function tooLongMaxLength(path: FieldPath, value: unknown, maxLength: number): FieldError {
  return tooLong(path, value, maxLength);
}

/**
 * A list with more than `maxQuantity` items. A negative `actualQuantity` omits the count; a
 * negative `maxQuantity` gives the generic "has too many items".
 */
export function tooMany(path: FieldPath, actualQuantity: number, maxQuantity: number): FieldError {
  const msg = maxQuantity >= 0 ? `must have at most ${maxQuantity} items` : 'has too many items';
  const actual = actualQuantity >= 0 ? actualQuantity : OMIT_VALUE;
  return new FieldError(ErrorType.TooMany, path.toString(), actual, msg);
}

/** An error not caused by the user's input. */
export function internalError(path: FieldPath, err: Error | string): FieldError {
  const msg = typeof err === 'string' ? err : err.message;
  return new FieldError(ErrorType.Internal, path.toString(), null, msg);
}

/** The value does not have the type the schema requires. */
export function typeInvalid(path: FieldPath, value: unknown, detail: string): FieldError {
  return new FieldError(ErrorType.TypeInvalid, path.toString(), value, detail);
}

/**
 * The message of `list` as upstream's `ErrorList.ToAggregate().Error()`: duplicates (same
 * message) dropped keeping the first, '' for an empty list, the single message alone, or
 * `[a, b, ...]` for several.
 */
export function toAggregateMessage(list: readonly FieldError[]): string {
  const seen = new Set<string>();
  const msgs: string[] = [];
  for (const e of list) {
    const m = e.error();
    if (!seen.has(m)) {
      seen.add(m);
      msgs.push(m);
    }
  }
  if (msgs.length === 0) {
    return '';
  }
  if (msgs.length === 1) {
    return msgs[0] ?? '';
  }
  return `[${msgs.join(', ')}]`;
}

/** The errors of `list` whose type is not one of `types` (upstream ErrorList.Filter by type). */
export function filterOutTypes(
  list: readonly FieldError[],
  ...types: readonly ErrorType[]
): FieldError[] {
  return list.filter((e) => !types.includes(e.type));
}
