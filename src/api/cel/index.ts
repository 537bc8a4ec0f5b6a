/**
 * CEL (Common Expression Language) for CRD validation rules, written for Skiff: a parser, a
 * light checker and an evaluator over JSON values typed by their OpenAPI schema, with the
 * function libraries Kubernetes 1.32 offers to `x-kubernetes-validations`.
 *
 * Most callers need only the CRD hook:
 * - `compileValidationRules(openAPIV3Schema)` once per CRD schema → `{ root, errors }`;
 *   `errors` are the CRD's own validation errors (compile failures), upstream's messages.
 * - `evaluateValidationRules(compiled, obj, oldObj?)` on each write → `FieldError[]`.
 *
 * Lower level: `compileCel(source, { variables })` → `CelProgram`, `program.evaluate(vars)`,
 * `jsonToCel(value, schema)` to build variables.
 */
export { CelCompileError, formatIssues, parse as parseCel } from './parser.ts';
export type { CelIssue } from './parser.ts';
export type { Expr, BinaryOp, MacroKind } from './ast.ts';
export { CelProgram, compileCel, PER_CALL_COST_LIMIT } from './program.ts';
export type { CompileOptions, EvalResult, StaticType, VariableDecl } from './program.ts';
export { COST_LIMIT_MESSAGE } from './interpreter.ts';
export { escapePropertyName, jsonToCel, SchemaList, SchemaMap } from './json-values.ts';
export type { JSONSchemaProps, ValidationRuleJSON } from './json-values.ts';
export {
  ArrayList,
  celEquals,
  CelCostLimitError,
  CelDuration,
  CelError,
  CelOptional,
  CelQuantity,
  CelTimestamp,
  CelType,
  CelUint,
  CelURL,
  EntryMap,
  typeName,
} from './values.ts';
export type { CelList, CelMap, CelValue, CostMeter } from './values.ts';
export { compileRe2, translateRe2 } from './regex.ts';
export {
  compileValidationRules,
  deepEqualJSON,
  evaluateValidationRules,
  RUNTIME_COST_BUDGET,
} from './validation.ts';
export type {
  CompiledValidationRules,
  CompileValidationOptions,
  ValidatorNode,
  EvaluateValidationOptions,
} from './validation.ts';
