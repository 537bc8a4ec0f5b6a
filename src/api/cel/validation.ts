/**
 * CRD validation rules (`x-kubernetes-validations`), following Kubernetes 1.32
 * apiextensions-apiserver/pkg/apiserver/schema/cel (validation.go, compilation.go) and the CRD
 * checks in pkg/apis/apiextensions/validation. `compileValidationRules` runs once per CRD
 * schema (on CRD create/update and when serving starts); `evaluateValidationRules` runs on every
 * custom resource write and returns upstream's field errors.
 */
import { FieldError, ErrorType, FieldPath, notSupported } from '../validation/index.ts';
import { jsonToCel } from './json-values.ts';
import type { JSONSchemaProps, ValidationRuleJSON } from './json-values.ts';
import { CelCompileError } from './parser.ts';
import { compileCel, PER_CALL_COST_LIMIT } from './program.ts';
import type { CelProgram, VariableDecl } from './program.ts';
import { CelCostLimitError, CelError, CelOptional } from './values.ts';
import type { CelValue } from './values.ts';

/** Kubernetes' per-object runtime cost budget (celconfig.RuntimeCELCostBudget). */
export const RUNTIME_COST_BUDGET = 10_000_000;

/** Largest evaluated messageExpression kept (celconfig.MaxEvaluatedMessageExpressionSizeBytes). */
const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;

const SUPPORTED_REASONS = [
  'FieldValueDuplicate',
  'FieldValueForbidden',
  'FieldValueInvalid',
  'FieldValueRequired',
];

/** One compiled rule of a schema node. */
interface CompiledRule {
  readonly rule: ValidationRuleJSON;
  readonly program: CelProgram | undefined;
  readonly messageProgram: CelProgram | undefined;
  readonly usesOldSelf: boolean;
  /** The rule's fieldPath as a path suffix, '' when unset. */
  readonly fieldPath: string;
}

/** The validators of one schema node and of its descendants that carry rules. */
export interface ValidatorNode {
  readonly schema: JSONSchemaProps;
  /** The schema CEL sees for `self` (the resource root gains apiVersion/kind/metadata). */
  readonly celSchema: JSONSchemaProps;
  readonly rules: readonly CompiledRule[];
  readonly properties: ReadonlyMap<string, ValidatorNode>;
  readonly items: ValidatorNode | undefined;
  readonly additionalProperties: ValidatorNode | undefined;
  readonly allOf: readonly ValidatorNode[];
}

/**
 * The compiled validation rules of one CRD schema. Immutable; share it across requests.
 * `errors` lists the compile problems as the CRD's own validation reports them (empty when the
 * CRD is valid); nodes whose rules failed to compile are skipped at evaluation.
 */
export interface CompiledValidationRules {
  readonly root: ValidatorNode | undefined;
  readonly errors: readonly FieldError[];
}

/** Options of {@link compileValidationRules}. */
export interface CompileValidationOptions {
  /**
   * Where the schema sits in the CRD, for compile errors. Default
   * `spec.validation.openAPIV3Schema` (the internal CRD path upstream reports for v1 CRDs whose
   * versions share one schema); per-version schemas use `spec.versions[i].schema.openAPIV3Schema`.
   */
  readonly basePath?: FieldPath;
}

function asSchema(v: unknown): JSONSchemaProps | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

/** Upstream model.WithTypeAndObjectMeta: what a resource root exposes to CEL. */
function withTypeAndObjectMeta(s: JSONSchemaProps): JSONSchemaProps {
  return {
    ...s,
    type: 'object',
    properties: {
      ...s.properties,
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: {
        type: 'object',
        properties: { name: { type: 'string' }, generateName: { type: 'string' } },
      },
    },
  };
}

/** Go's %#v of the internal apiextensions.ValidationRule, the bad value of CRD rule errors. */
function goRuleString(r: ValidationRuleJSON): string {
  const q = (s: string | undefined): string => JSON.stringify(s ?? '');
  const reason =
    r.reason === undefined
      ? '(*apiextensions.FieldValueErrorReason)(nil)'
      : '(*apiextensions.FieldValueErrorReason)(0xc000000000)';
  const opt = r.optionalOldSelf === undefined ? '(*bool)(nil)' : '(*bool)(0xc000000000)';
  return (
    `apiextensions.ValidationRule{Rule:${q(r.rule)}, Message:${q(r.message)}, ` +
    `MessageExpression:${q(r.messageExpression)}, Reason:${reason}, FieldPath:${q(r.fieldPath)}, ` +
    `OptionalOldSelf:${opt}}`
  );
}

/** A FieldError whose bad value is printed verbatim (Go's %#v of a struct). */
class RawValueFieldError extends FieldError {
  constructor(
    field: string,
    private readonly rendered: string,
    detail: string,
  ) {
    super(ErrorType.Invalid, field, rendered, detail);
  }
  override errorBody(): string {
    return `Invalid value: ${this.rendered}${this.detail.length > 0 ? `: ${this.detail}` : ''}`;
  }
}

/** Parses a rule's fieldPath (`.a.b`, `.a['b.c']`) against the schema; returns the path text. */
function normalizeFieldPath(fieldPath: string, schema: JSONSchemaProps): string | Error {
  let s: JSONSchemaProps | undefined = schema;
  const parts: string[] = [];
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/y;
  let i = 0;
  while (i < fieldPath.length) {
    re.lastIndex = i;
    const m = re.exec(fieldPath);
    if (m === null) return new Error(`expected [ or . but got: ${fieldPath.slice(i)}`);
    i = re.lastIndex;
    const name = m[1] ?? (m[2] ?? '').replace(/\\(.)/g, '$1');
    if (s.properties !== undefined) {
      s = s.properties[name];
      if (s === undefined) return new Error('does not refer to a valid field');
      parts.push((parts.length > 0 ? '.' : '') + name);
    } else if (typeof s.additionalProperties === 'object') {
      s = s.additionalProperties;
      parts.push(`[${name}]`);
    } else {
      return new Error('does not refer to a valid field');
    }
  }
  return parts.join('');
}

/**
 * Compiles every `x-kubernetes-validations` rule of a raw openAPIV3Schema (walking properties,
 * items, additionalProperties and allOf). Compile problems are returned as upstream's CRD
 * validation errors, e.g. `spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-
 * validations[0].rule: Invalid value: apiextensions.ValidationRule{...}: compilation failed:
 * ERROR: <input>:1:6: ...`. Pure; the result is immutable.
 */
export function compileValidationRules(
  schema: unknown,
  options: CompileValidationOptions = {},
): CompiledValidationRules {
  const errors: FieldError[] = [];
  const base = options.basePath ?? FieldPath.of('spec', 'validation', 'openAPIV3Schema');
  const s = asSchema(schema);
  const root = s === undefined ? undefined : compileNode(s, base, true, true, errors);
  return { root, errors };
}

function compileNode(
  schema: JSONSchemaProps,
  path: FieldPath,
  isResourceRoot: boolean,
  correlatable: boolean,
  errors: FieldError[],
): ValidatorNode | undefined {
  const celSchema = isResourceRoot ? withTypeAndObjectMeta(schema) : schema;
  const rules: CompiledRule[] = [];
  const xv = schema['x-kubernetes-validations'];
  if (Array.isArray(xv)) {
    xv.forEach((raw: ValidationRuleJSON, i) => {
      const rulePath = path.child('x-kubernetes-validations').index(i);
      const c = compileRule(raw, celSchema, rulePath, correlatable, errors);
      if (c !== undefined) rules.push(c);
    });
  }
  const properties = new Map<string, ValidatorNode>();
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    const child = compileNode(
      p,
      path.child('properties').key(name),
      p['x-kubernetes-embedded-resource'] === true,
      correlatable,
      errors,
    );
    if (child !== undefined) properties.set(name, child);
  }
  let items: ValidatorNode | undefined;
  if (schema.items !== undefined && asSchema(schema.items) !== undefined) {
    const mapList = schema['x-kubernetes-list-type'] === 'map';
    items = compileNode(
      schema.items,
      path.child('items'),
      schema.items['x-kubernetes-embedded-resource'] === true,
      correlatable && mapList,
      errors,
    );
  }
  let additionalProperties: ValidatorNode | undefined;
  const ap = schema.additionalProperties;
  if (typeof ap === 'object') {
    const mt = schema['x-kubernetes-map-type'];
    const corr = mt === undefined || mt === 'granular' || mt === 'atomic';
    additionalProperties = compileNode(
      ap,
      path.child('additionalProperties'),
      ap['x-kubernetes-embedded-resource'] === true,
      correlatable && corr,
      errors,
    );
  }
  const allOf: ValidatorNode[] = [];
  (schema.allOf ?? []).forEach((sub, i) => {
    const merged: JSONSchemaProps = {
      ...schema,
      ...sub,
      allOf: undefined,
      properties: schema.properties,
      items: schema.items,
    };
    const n = compileAllOf(
      merged,
      sub,
      path.child('allOf').index(i),
      isResourceRoot,
      correlatable,
      errors,
    );
    if (n !== undefined) allOf.push(n);
  });
  if (
    rules.length === 0 &&
    properties.size === 0 &&
    items === undefined &&
    additionalProperties === undefined &&
    allOf.length === 0
  ) {
    return undefined;
  }
  return { schema, celSchema, rules, properties, items, additionalProperties, allOf };
}

/** allOf entries contribute rules evaluated against the node's value with the node's type. */
function compileAllOf(
  nodeSchema: JSONSchemaProps,
  sub: JSONSchemaProps,
  path: FieldPath,
  isResourceRoot: boolean,
  correlatable: boolean,
  errors: FieldError[],
): ValidatorNode | undefined {
  const celSchema = isResourceRoot ? withTypeAndObjectMeta(nodeSchema) : nodeSchema;
  const rules: CompiledRule[] = [];
  (sub['x-kubernetes-validations'] ?? []).forEach((raw, i) => {
    const c = compileRule(
      raw,
      celSchema,
      path.child('x-kubernetes-validations').index(i),
      correlatable,
      errors,
    );
    if (c !== undefined) rules.push(c);
  });
  if (rules.length === 0) return undefined;
  return {
    schema: nodeSchema,
    celSchema,
    rules,
    properties: new Map(),
    items: undefined,
    additionalProperties: undefined,
    allOf: [],
  };
}

function compileRule(
  raw: ValidationRuleJSON,
  celSchema: JSONSchemaProps,
  rulePath: FieldPath,
  correlatable: boolean,
  errors: FieldError[],
): CompiledRule | undefined {
  const ruleText = typeof raw.rule === 'string' ? raw.rule : '';
  const invalidRule = (child: string, detail: string): void => {
    errors.push(
      new RawValueFieldError(rulePath.child(child).toString(), goRuleString(raw), detail),
    );
  };
  if (raw.reason !== undefined && !SUPPORTED_REASONS.includes(raw.reason)) {
    errors.push(notSupported(rulePath.child('reason'), raw.reason, SUPPORTED_REASONS));
  }
  let fieldPath = '';
  if (raw.fieldPath !== undefined && raw.fieldPath !== '') {
    const norm = normalizeFieldPath(raw.fieldPath, celSchema);
    if (norm instanceof Error) {
      errors.push(
        new FieldError(
          ErrorType.Invalid,
          rulePath.child('fieldPath').toString(),
          raw.fieldPath,
          `fieldPath must be a valid path: ${norm.message}`,
        ),
      );
    } else {
      fieldPath = norm;
    }
  }
  if (ruleText.trim() === '') return undefined;
  const optionalOldSelf = raw.optionalOldSelf === true;
  const selfDecl: VariableDecl = { name: 'self', schema: celSchema };
  const oldDecl: VariableDecl = { name: 'oldSelf', schema: celSchema, optional: optionalOldSelf };
  let program: CelProgram | undefined;
  try {
    program = compileCel(ruleText, { variables: [selfDecl, oldDecl] });
  } catch (e) {
    if (!(e instanceof CelCompileError)) throw e;
    invalidRule('rule', `compilation failed: ${e.message}`);
    return undefined;
  }
  if (program.outputType !== 'bool' && program.outputType !== 'dyn') {
    invalidRule('rule', 'cel expression must evaluate to a bool');
    return undefined;
  }
  const usesOldSelf = program.references('oldSelf');
  if (usesOldSelf && !correlatable) {
    errors.push(
      new FieldError(
        ErrorType.Invalid,
        rulePath.child('rule').toString(),
        ruleText,
        'oldSelf cannot be used on the uncorrelatable portion of the schema within ' +
          rulePath.toString().replace(/\.x-kubernetes-validations\[\d+\]$/, ''),
      ),
    );
    return undefined;
  }
  if (optionalOldSelf && !usesOldSelf) {
    errors.push(
      new FieldError(
        ErrorType.Invalid,
        rulePath.child('optionalOldSelf').toString(),
        true,
        'may not be set if rule does not use oldSelf',
      ),
    );
  }
  let messageProgram: CelProgram | undefined;
  if (raw.messageExpression !== undefined && raw.messageExpression !== '') {
    try {
      messageProgram = compileCel(raw.messageExpression, {
        variables: [selfDecl, { name: 'oldSelf', schema: celSchema }],
      });
      if (messageProgram.outputType !== 'string' && messageProgram.outputType !== 'dyn') {
        invalidRule('messageExpression', 'messageExpression must evaluate to a string');
        messageProgram = undefined;
      }
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      invalidRule('messageExpression', `messageExpression compilation failed: ${e.message}`);
    }
  }
  return { rule: raw, program, messageProgram, usesOldSelf, fieldPath };
}

/** Options of {@link evaluateValidationRules}. */
export interface EvaluateValidationOptions {
  /** Path of the object root; undefined prints as `<nil>` like upstream's nil path. */
  readonly basePath?: FieldPath;
  /** Total cost budget for the object (default {@link RUNTIME_COST_BUDGET}). */
  readonly costBudget?: number;
  /** Per-expression cost limit (default PER_CALL_COST_LIMIT). */
  readonly perCallLimit?: number;
  /**
   * Receives errors downgraded to warnings by validation ratcheting (upstream
   * CRDValidationRatcheting, on by default since 1.30): rules not using oldSelf that fail on a
   * value unchanged from the old object.
   */
  readonly onWarning?: (message: string) => void;
}

interface EvalState {
  budget: number;
  readonly perCallLimit: number;
  readonly errors: FieldError[];
  readonly onWarning: ((message: string) => void) | undefined;
}

function pathChild(p: FieldPath | undefined, name: string): FieldPath {
  return p === undefined ? FieldPath.of(name) : p.child(name);
}

function pathString(p: FieldPath | undefined): string {
  return p === undefined ? '<nil>' : p.toString();
}

/**
 * Evaluates compiled rules against a custom resource (`obj`, parsed JSON) and, on update, its
 * old version. Returns upstream's errors: `<path>: Invalid value: "<schema type>": <message or
 * "failed rule: <rule>">`, runtime errors as `<error> evaluating rule: <rule>`, and the budget
 * errors. Transition rules (using oldSelf) run only when a correlated old value exists, unless
 * optionalOldSelf. Does not mutate its inputs.
 */
export function evaluateValidationRules(
  compiled: CompiledValidationRules,
  obj: unknown,
  oldObj?: unknown,
  options: EvaluateValidationOptions = {},
): FieldError[] {
  const state: EvalState = {
    budget: options.costBudget ?? RUNTIME_COST_BUDGET,
    perCallLimit: options.perCallLimit ?? PER_CALL_COST_LIMIT,
    errors: [],
    onWarning: options.onWarning,
  };
  if (compiled.root !== undefined) {
    validateNode(
      compiled.root,
      options.basePath,
      obj,
      oldObj,
      oldObj === undefined ? undefined : { old: oldObj, parentEqual: false },
      state,
    );
  }
  return state.errors;
}

/** Ratcheting context: the correlated old value, or undefined when this node is uncorrelatable. */
interface Ratchet {
  readonly old: unknown;
  readonly parentEqual: boolean;
}

function shouldRatchet(obj: unknown, r: Ratchet | undefined): boolean {
  if (r === undefined) return false;
  if (r.old !== undefined) return deepEqualJSON(obj, r.old);
  return r.parentEqual;
}

function childRatchet(
  r: Ratchet | undefined,
  parentObj: unknown,
  oldChild: unknown,
): Ratchet | undefined {
  if (r === undefined) return undefined;
  const parentEqual = r.old !== undefined ? deepEqualJSON(parentObj, r.old) : r.parentEqual;
  return { old: oldChild, parentEqual };
}

function validateNode(
  node: ValidatorNode,
  path: FieldPath | undefined,
  obj: unknown,
  oldObj: unknown,
  ratchet: Ratchet | undefined,
  state: EvalState,
): void {
  if (obj === null || obj === undefined) return;
  validateExpressions(node, path, obj, oldObj, ratchet, state);
  if (state.budget < 0) return;
  for (const a of node.allOf) {
    validateExpressions(
      a,
      path,
      obj,
      oldObj,
      ratchet === undefined ? undefined : { old: undefined, parentEqual: ratchet.parentEqual },
      state,
    );
    if (state.budget < 0) return;
  }
  if (Array.isArray(obj)) {
    if (node.items === undefined) return;
    const oldArr = Array.isArray(oldObj) ? oldObj : undefined;
    const keys =
      node.schema['x-kubernetes-list-type'] === 'map'
        ? (node.schema['x-kubernetes-list-map-keys'] ?? [])
        : undefined;
    for (let i = 0; i < obj.length; i++) {
      const item: unknown = obj[i];
      const oldItem =
        keys !== undefined && oldArr !== undefined ? findByKeys(oldArr, item, keys) : undefined;
      const p = path === undefined ? FieldPath.of('').index(i) : path.index(i);
      validateNode(node.items, p, item, oldItem, childRatchet(ratchet, obj, oldItem), state);
      if (state.budget < 0) return;
    }
    return;
  }
  if (typeof obj === 'object') {
    const rec = obj as Record<string, unknown>;
    const oldRec =
      typeof oldObj === 'object' && oldObj !== null && !Array.isArray(oldObj)
        ? (oldObj as Record<string, unknown>)
        : undefined;
    const mt = node.schema['x-kubernetes-map-type'];
    const correlatable = mt === undefined || mt === 'granular' || mt === 'atomic';
    for (const [k, v] of Object.entries(rec)) {
      const oldV =
        correlatable && oldRec !== undefined && Object.hasOwn(oldRec, k) ? oldRec[k] : undefined;
      const prop = node.properties.get(k);
      if (node.additionalProperties !== undefined && node.schema.properties?.[k] === undefined) {
        const p = path === undefined ? FieldPath.of('').key(k) : path.key(k);
        validateNode(
          node.additionalProperties,
          p,
          v,
          oldV,
          childRatchet(ratchet, obj, oldV),
          state,
        );
      } else if (prop !== undefined) {
        validateNode(prop, pathChild(path, k), v, oldV, childRatchet(ratchet, obj, oldV), state);
      }
      if (state.budget < 0) return;
    }
  }
}

function findByKeys(oldArr: readonly unknown[], item: unknown, keys: readonly string[]): unknown {
  if (typeof item !== 'object' || item === null) return undefined;
  const it = item as Record<string, unknown>;
  for (const o of oldArr) {
    if (typeof o !== 'object' || o === null) continue;
    const or = o as Record<string, unknown>;
    if (keys.every((k) => deepEqualJSON(it[k], or[k]))) return o;
  }
  return undefined;
}

/** Structural equality of parsed JSON values. */
export function deepEqualJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqualJSON(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length) return false;
  const br = b as Record<string, unknown>;
  const ar = a as Record<string, unknown>;
  for (const k of ak) if (!Object.hasOwn(br, k) || !deepEqualJSON(ar[k], br[k])) return false;
  return true;
}

function ruleErrorString(rule: ValidationRuleJSON): string {
  if (rule.message !== undefined && rule.message.length > 0) return rule.message.trim();
  return (rule.rule ?? '').trim();
}

function ruleMessageOrDefault(rule: ValidationRuleJSON): string {
  if (rule.message === undefined || rule.message.length === 0) {
    return `failed rule: ${ruleErrorString(rule)}`;
  }
  return rule.message.trim();
}

function fieldErrorForReason(
  field: string,
  type: string,
  detail: string,
  reason: string | undefined,
): FieldError {
  switch (reason) {
    case 'FieldValueForbidden':
      return new FieldError(ErrorType.Forbidden, field, '', detail);
    case 'FieldValueRequired':
      return new FieldError(ErrorType.Required, field, '', detail);
    case 'FieldValueDuplicate':
      return new FieldError(ErrorType.Duplicate, field, type, '');
    default:
      return new FieldError(ErrorType.Invalid, field, type, detail);
  }
}

function validateExpressions(
  node: ValidatorNode,
  path: FieldPath | undefined,
  obj: unknown,
  oldObj: unknown,
  ratchet: Ratchet | undefined,
  state: EvalState,
): void {
  if (node.rules.length === 0) return;
  const type = node.schema.type ?? '';
  const field = pathString(path);
  if (state.budget <= 0) {
    state.errors.push(
      new FieldError(
        ErrorType.Invalid,
        field,
        type,
        'validation failed due to running out of cost budget, no further validation rules will be run',
      ),
    );
    state.budget = -1;
    return;
  }
  const self = jsonToCel(obj, node.celSchema);
  const hasOld = oldObj !== undefined && oldObj !== null;
  const vars = new Map<string, CelValue>([['self', self]]);
  if (hasOld) vars.set('oldSelf', jsonToCel(oldObj, node.celSchema));
  let optionalVars: Map<string, CelValue> | undefined;
  for (const c of node.rules) {
    if (c.program === undefined) continue;
    const optionalOldSelf = c.rule.optionalOldSelf === true;
    if (c.usesOldSelf && !hasOld && !optionalOldSelf) continue;
    let activation = vars;
    if (optionalOldSelf) {
      optionalVars ??= new Map<string, CelValue>([
        ['self', self],
        ['oldSelf', hasOld ? new CelOptional(vars.get('oldSelf') ?? null) : CelOptional.NONE],
      ]);
      activation = optionalVars;
    }
    let result: CelValue;
    try {
      const limit = Math.min(state.perCallLimit, state.budget);
      const r = c.program.evaluate(activation, limit);
      state.budget -= r.cost;
      result = r.value;
    } catch (e) {
      if (e instanceof CelCostLimitError) {
        if (state.budget < state.perCallLimit) {
          state.errors.push(
            new FieldError(
              ErrorType.Invalid,
              field,
              type,
              'validation failed due to running out of cost budget, no further validation rules will be run',
            ),
          );
        } else {
          state.errors.push(
            new FieldError(
              ErrorType.Invalid,
              field,
              type,
              `'${e.message}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(c.rule)}`,
            ),
          );
        }
        state.budget = -1;
        return;
      }
      if (!(e instanceof CelError)) throw e;
      if (e.message.startsWith('no such overload')) {
        state.errors.push(
          new FieldError(
            ErrorType.Invalid,
            field,
            type,
            `'${e.message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(c.rule)}`,
          ),
        );
      } else {
        state.errors.push(
          new FieldError(
            ErrorType.Invalid,
            field,
            type,
            `${e.message} evaluating rule: ${ruleErrorString(c.rule)}`,
          ),
        );
      }
      continue;
    }
    if (result === true) continue;

    // Upstream: fldPath.Child(normalizedRuleFieldPath), a single child named e.g. `a.b`.
    const errField =
      c.fieldPath === '' ? field : path === undefined ? c.fieldPath : `${field}.${c.fieldPath}`;
    let detail: string | undefined;
    if (c.messageProgram !== undefined) {
      detail = evalMessage(c.messageProgram, vars, state);
      if (state.budget < 0) {
        state.errors.push(
          new FieldError(
            ErrorType.Invalid,
            errField,
            type,
            'messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run',
          ),
        );
        return;
      }
    }
    const err = fieldErrorForReason(
      errField,
      type,
      detail ?? ruleMessageOrDefault(c.rule),
      c.rule.reason,
    );
    if (!c.usesOldSelf && shouldRatchet(obj, ratchet)) {
      state.onWarning?.(err.error());
    } else {
      state.errors.push(err);
    }
  }
}

/** Evaluates a messageExpression; undefined means "use the static message" (upstream logs why). */
function evalMessage(
  p: CelProgram,
  vars: ReadonlyMap<string, CelValue>,
  state: EvalState,
): string | undefined {
  let v: CelValue;
  try {
    const r = p.evaluate(vars, Math.min(state.perCallLimit, state.budget));
    state.budget -= r.cost;
    v = r.value;
  } catch (e) {
    if (e instanceof CelCostLimitError) {
      state.budget = -1;
      return undefined;
    }
    if (e instanceof CelError) return undefined;
    throw e;
  }
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (
    t.length === 0 ||
    t.includes('\n') ||
    new TextEncoder().encode(t).length > MAX_MESSAGE_EXPRESSION_BYTES
  ) {
    return undefined;
  }
  return t;
}
