/**
 * What the `fieldValidation` directive makes of the strict decoding errors of a write, as the
 * Go API server's handlers do (staging/src/k8s.io/apiserver/pkg/endpoints/handlers: create.go,
 * update.go, patch.go, rest.go):
 *
 * - `Strict`: the request fails. Create/update: 400 BadRequest
 *   `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: <errors>`;
 *   JSON, merge and strategic-merge patches: 422 Invalid
 *   ` "" is invalid: patch: Invalid value: "<patched>": strict decoding error: <errors>`;
 *   apply: 400 `error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:...`.
 * - `Warn` (the default when the parameter is absent): one `Warning` per error; go-yaml's
 *   folded repeated-key error gives one warning per line.
 * - `Ignore`: nothing (callers skip the checks altogether, see {@link needsStrictChecks}).
 */
import { newBadRequest, newInvalid } from '../errors.ts';
import type { StatusError } from '../errors.ts';
import { goQuote, invalid, newPath, notSupported } from '../validation/index.ts';
import { yamlUnmarshalErrorsMessage } from './strict-yaml.ts';

/** metav1.FieldValidation* values. */
export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

/** The values upstream accepts for the `fieldValidation` parameter, sorted as it lists them. */
export const ALLOWED_FIELD_VALIDATION_VALUES: readonly string[] = ['', 'Ignore', 'Strict', 'Warn'];

/** The options kind a write verb decodes its query parameters into. */
export type WriteOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/**
 * Validates the raw `fieldValidation` query value (upstream ValidateFieldValidation, reported
 * through Validate{Create,Update,Patch}Options): `undefined` when valid, else 422 Invalid
 * `CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "foo":
 * supported values: "", "Ignore", "Strict", "Warn"`. Values are case-sensitive.
 */
export function validateFieldValidationParam(
  raw: string | undefined,
  optionsKind: WriteOptionsKind,
): StatusError | undefined {
  const value = raw ?? '';
  if (ALLOWED_FIELD_VALIDATION_VALUES.includes(value)) return undefined;
  return newInvalid({ group: 'meta.k8s.io', kind: optionsKind }, '', [
    notSupported(newPath('fieldValidation'), value, ALLOWED_FIELD_VALIDATION_VALUES),
  ]);
}

/**
 * The effective directive of a validated parameter: absent or empty means `Warn` for every
 * verb (handlers/rest.go fieldValidation()). Call {@link validateFieldValidationParam} first.
 */
export function fieldValidationDirective(raw: string | undefined): FieldValidationDirective {
  return raw === 'Strict' || raw === 'Ignore' ? raw : 'Warn';
}

/** Whether the server must look for unknown and duplicate fields at all. */
export function needsStrictChecks(directive: FieldValidationDirective): boolean {
  return directive !== 'Ignore';
}

/** The strict decoding errors of one request body, in upstream order. */
export interface StrictIssues {
  /**
   * go-yaml repeated-key lines (`line 5: key "name" already set in map`) of a YAML body,
   * folded into one error that comes first.
   */
  readonly yamlDuplicates?: readonly string[];
  /** `duplicate field "..."` / `unknown field "..."` messages. */
  readonly errors: readonly string[];
}

/** True when there is nothing to report. */
export function isEmptyIssues(issues: StrictIssues): boolean {
  return issues.errors.length === 0 && (issues.yamlDuplicates?.length ?? 0) === 0;
}

/** runtime.strictDecodingError's text: `strict decoding error: <e1>, <e2>, ...`. */
export function strictDecodingErrorMessage(issues: StrictIssues): string {
  const parts: string[] = [];
  const yamlMsg = yamlUnmarshalErrorsMessage(issues.yamlDuplicates ?? []);
  if (yamlMsg !== '') parts.push(yamlMsg);
  parts.push(...issues.errors);
  return `strict decoding error: ${parts.join(', ')}`;
}

/** The warnings `Warn` gives (addStrictDecodingWarnings): YAML lines first, one per error. */
export function strictDecodingWarnings(issues: StrictIssues): string[] {
  return [...(issues.yamlDuplicates ?? []), ...issues.errors];
}

/** The result of applying a directive: an error to return, or warnings to add. */
export interface StrictOutcome {
  /** Set when the request must fail with this error. */
  readonly error?: StatusError;
  /** Warning texts for the response (`Warning: 299 - "<text>"`), in order. */
  readonly warnings: readonly string[];
}

const NOTHING: StrictOutcome = Object.freeze({ warnings: Object.freeze([]) });

/**
 * Create and update (POST/PUT) with a JSON or YAML body.
 * `decoded` is the version and kind the body decoded as (its apiVersion/kind, defaulted from
 * the URL); `intoKind` the kind of the object the endpoint decodes into (usually the same).
 * Strict: 400 `Deployment in version "v1" cannot be handled as a Deployment: strict decoding
 * error: unknown field "spec.foo", ...` (transformDecodeError in rest.go).
 */
export function decodeStrictOutcome(
  directive: FieldValidationDirective,
  issues: StrictIssues,
  decoded: { readonly version: string; readonly kind: string },
  intoKind: string = decoded.kind,
): StrictOutcome {
  if (directive === 'Ignore' || isEmptyIssues(issues)) return NOTHING;
  if (directive === 'Warn') return { warnings: strictDecodingWarnings(issues) };
  return {
    error: newBadRequest(
      `${decoded.kind} in version ${goQuote(decoded.version)} cannot be handled as a ${intoKind}: ${strictDecodingErrorMessage(issues)}`,
    ),
    warnings: [],
  };
}

/**
 * JSON patch, merge patch and strategic merge patch. Strict: 422 Invalid with no kind and no
 * name, one `patch: Invalid value` cause whose value is `badValue`: the patched object's JSON
 * for JSON/merge patches (Go's compact encoding, keys sorted), `goFormatValue(patchMap)` for
 * strategic merge patches (upstream prints the patch map with `%+v`).
 *
 * `issues.errors` must be in upstream order: the patch body's own strict errors
 * (`jsonPatchStrictErrors` / `parseJsonStrict`) first, then the unknown fields of the patched
 * object (`unknownFields(..., 'sorted-keys')` for JSON/merge, `'message'` for strategic).
 */
export function patchStrictOutcome(
  directive: FieldValidationDirective,
  issues: StrictIssues,
  badValue: string,
): StrictOutcome {
  if (directive === 'Ignore' || isEmptyIssues(issues)) return NOTHING;
  if (directive === 'Warn') return { warnings: strictDecodingWarnings(issues) };
  return {
    error: newInvalid({ group: '', kind: '' }, '', [
      invalid(newPath('patch'), badValue, strictDecodingErrorMessage(issues)),
    ]),
    warnings: [],
  };
}

/**
 * Server-side apply (`application/apply-patch+yaml`): only repeated keys are checked, with
 * YAML line numbers even for a JSON body (unknown fields are the field manager's business).
 * Strict: 400 `error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal
 * errors:\n  line 10: key "paused" already set in map`.
 */
export function applyStrictOutcome(
  directive: FieldValidationDirective,
  yamlDuplicates: readonly string[],
): StrictOutcome {
  if (directive === 'Ignore' || yamlDuplicates.length === 0) return NOTHING;
  if (directive === 'Warn') return { warnings: [...yamlDuplicates] };
  return {
    error: newBadRequest(
      `error strict decoding YAML: error converting YAML to JSON: ${yamlUnmarshalErrorsMessage(yamlDuplicates)}`,
    ),
    warnings: [],
  };
}

/**
 * Go's `%+v` of decoded JSON (`map[string]interface{}` and friends): `map[k:v k2:v2]` with
 * sorted keys, `[a b]` for slices, strings bare, `<nil>` for null, numbers as Go prints
 * int64/float64. Used for the strategic-merge-patch bad value.
 */
export function goFormatValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goFormatValue).join(' ')}]`;
  if (typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${keys.map((k) => `${k}:${goFormatValue(obj[k])}`).join(' ')}]`;
  }
  return typeof v === 'symbol' ? v.toString() : '<unknown>';
}

/** `%v` of an int64 (integral values) or float64 (`%g` shortest, exponent outside [1e-4, 1e21)). */
function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [mantissa = '', exp = ''] = n.toExponential().split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return String(n);
}
