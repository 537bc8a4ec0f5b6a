/**
 * Compiling and running CEL expressions: `compileCel` parses, then runs a light static check
 * (undeclared identifiers and functions, undefined fields of schema objects, the obvious result
 * type) so that mistakes are reported when a CRD is written, as cel-go's checker does, instead
 * of at every request. It is not a full type checker: what it cannot decide is left to runtime.
 */
import type { Expr } from './ast.ts';
import { isKnownFunctionName, NAMESPACES } from './functions.ts';
import { Interpreter, TYPE_NAMES } from './interpreter.ts';
import { escapePropertyName } from './json-values.ts';
import type { JSONSchemaProps } from './json-values.ts';
import { CelCompileError, parse } from './parser.ts';
import type { CelIssue } from './parser.ts';
import { typeName, type CelValue } from './values.ts';

/** Kubernetes' per-expression cost limit (celconfig.PerCallLimit). */
export const PER_CALL_COST_LIMIT = 1_000_000;

/** A statically known result type: a CEL type name, or `dyn` when unknown. */
export type StaticType = string;

/** Declares one variable of the environment, with its schema when it holds schema data. */
export interface VariableDecl {
  readonly name: string;
  /** The schema of the value (self/oldSelf); undefined for dynamic values. */
  readonly schema?: JSONSchemaProps | undefined;
  /** True when the variable is an optional of the schema type (optionalOldSelf). */
  readonly optional?: boolean;
}

/** Options of {@link compileCel}. */
export interface CompileOptions {
  readonly variables?: readonly VariableDecl[];
}

/** The result of one evaluation. */
export interface EvalResult {
  readonly value: CelValue;
  /** Cost units consumed (roughly one per evaluated node plus size-based library costs). */
  readonly cost: number;
}

/** A compiled expression; immutable and reusable across evaluations and requests. */
export class CelProgram {
  /** @internal Use {@link compileCel}. */
  constructor(
    readonly source: string,
    readonly ast: Expr,
    /** The statically inferred result type (`dyn` when unknown). */
    readonly outputType: StaticType,
    private readonly referenced: ReadonlySet<string>,
  ) {}

  /** True when the expression references the variable `name` (e.g. `oldSelf`). */
  references(name: string): boolean {
    return this.referenced.has(name);
  }

  /**
   * Evaluates with the given variables. Throws CelError (including CelCostLimitError past
   * `costLimit`, default {@link PER_CALL_COST_LIMIT}) on runtime errors.
   */
  evaluate(vars: ReadonlyMap<string, CelValue>, costLimit = PER_CALL_COST_LIMIT): EvalResult {
    const interp = new Interpreter(vars, costLimit);
    const value = interp.eval(this.ast);
    return { value, cost: interp.cost };
  }
}

interface TypeInfo {
  readonly type: StaticType;
  readonly schema?: JSONSchemaProps | undefined;
  /** Element type info for lists / value type for maps. */
  readonly elem?: TypeInfo | undefined;
}

const DYN: TypeInfo = { type: 'dyn' };

function schemaType(s: JSONSchemaProps | undefined): TypeInfo {
  if (s === undefined || s['x-kubernetes-int-or-string'] === true)
    return { type: 'dyn', schema: s };
  switch (s.type) {
    case 'integer':
      return { type: 'int', schema: s };
    case 'number':
      return { type: 'double', schema: s };
    case 'boolean':
      return { type: 'bool', schema: s };
    case 'string':
      switch (s.format) {
        case 'byte':
          return { type: 'bytes', schema: s };
        case 'duration':
          return { type: 'google.protobuf.Duration', schema: s };
        case 'date':
        case 'date-time':
          return { type: 'google.protobuf.Timestamp', schema: s };
        default:
          return { type: 'string', schema: s };
      }
    case 'array':
      return { type: 'list', schema: s, elem: schemaType(s.items) };
    case 'object': {
      if (s.properties !== undefined && Object.keys(s.properties).length > 0) {
        return { type: 'object', schema: s };
      }
      const ap = s.additionalProperties;
      if (typeof ap === 'object') return { type: 'map', schema: s, elem: schemaType(ap) };
      return { type: 'dyn', schema: s };
    }
    default:
      return { type: 'dyn', schema: s };
  }
}

const CALL_RESULT: Readonly<Record<string, StaticType>> = {
  size: 'int',
  string: 'string',
  int: 'int',
  uint: 'uint',
  double: 'double',
  bool: 'bool',
  bytes: 'bytes',
  contains: 'bool',
  startsWith: 'bool',
  endsWith: 'bool',
  matches: 'bool',
  lowerAscii: 'string',
  upperAscii: 'string',
  trim: 'string',
  join: 'string',
  substring: 'string',
  charAt: 'string',
  replace: 'string',
  format: 'string',
  isSorted: 'bool',
  isURL: 'bool',
  isQuantity: 'bool',
  isLessThan: 'bool',
  isGreaterThan: 'bool',
  'strings.quote': 'string',
};

class Checker {
  readonly issues: CelIssue[] = [];
  readonly referenced = new Set<string>();
  private readonly locals: string[] = [];
  private readonly vars: ReadonlyMap<string, VariableDecl>;

  constructor(vars: readonly VariableDecl[]) {
    this.vars = new Map(vars.map((v) => [v.name, v]));
  }

  private issue(pos: number, message: string): TypeInfo {
    this.issues.push({ pos, message });
    return DYN;
  }

  check(e: Expr): TypeInfo {
    switch (e.k) {
      case 'lit':
        return { type: litType(e.value) };
      case 'ident': {
        if (this.locals.includes(e.name)) return DYN;
        const v = this.vars.get(e.name);
        if (v !== undefined) {
          this.referenced.add(e.name);
          const t = schemaType(v.schema);
          return v.optional === true ? { type: 'optional_type', elem: t } : t;
        }
        if (TYPE_NAMES.has(e.name)) return { type: 'type' };
        return this.issue(e.pos, `undeclared reference to '${e.name}' (in container '')`);
      }
      case 'select': {
        const t = this.check(e.operand);
        return this.field(t, e.field, e.pos, e.optional);
      }
      case 'has': {
        const t = this.check(e.operand);
        this.field(t, e.field, e.pos, true);
        return { type: 'bool' };
      }
      case 'index': {
        const t = this.check(e.operand);
        this.check(e.index);
        if (t.type === 'list' || t.type === 'map') return t.elem ?? DYN;
        return DYN;
      }
      case 'call': {
        let name = e.fn;
        if (e.target !== undefined) {
          const t = e.target;
          if (
            t.k === 'ident' &&
            NAMESPACES.has(t.name) &&
            !this.vars.has(t.name) &&
            !this.locals.includes(t.name)
          ) {
            name = `${t.name}.${e.fn}`;
          } else {
            this.check(t);
          }
        }
        for (const a of e.args) this.check(a);
        if (!isKnownFunctionName(name)) {
          return this.issue(e.pos, `undeclared reference to '${name}' (in container '')`);
        }
        return { type: CALL_RESULT[name] ?? 'dyn' };
      }
      case 'list': {
        let elem: TypeInfo | undefined;
        for (const x of e.elems) elem = this.check(x);
        return { type: 'list', elem: elem ?? DYN };
      }
      case 'map': {
        for (const ent of e.entries) {
          this.check(ent.key);
          this.check(ent.value);
        }
        return { type: 'map' };
      }
      case 'and':
      case 'or':
        this.check(e.left);
        this.check(e.right);
        return { type: 'bool' };
      case 'not':
        this.check(e.operand);
        return { type: 'bool' };
      case 'neg':
        return { type: this.check(e.operand).type };
      case 'binary': {
        const l = this.check(e.left);
        const r = this.check(e.right);
        switch (e.op) {
          case '+':
          case '-':
          case '*':
          case '/':
          case '%':
            if (
              l.type === r.type &&
              ['int', 'uint', 'double', 'string', 'bytes'].includes(l.type)
            ) {
              return { type: l.type };
            }
            return DYN;
          default:
            return { type: 'bool' };
        }
      }
      case 'cond': {
        this.check(e.cond);
        const a = this.check(e.then);
        const b = this.check(e.otherwise);
        return a.type === b.type ? a : DYN;
      }
      case 'comp': {
        const range = this.check(e.range);
        this.locals.push(e.iterVar);
        try {
          if (e.pred !== undefined) this.check(e.pred);
          const body = e.transform !== undefined ? this.check(e.transform) : undefined;
          if (e.macro === 'map') return { type: 'list', elem: body ?? DYN };
          if (e.macro === 'filter') return range.type === 'list' ? range : { type: 'list' };
          return { type: 'bool' };
        } finally {
          this.locals.pop();
        }
      }
    }
  }

  private field(t: TypeInfo, field: string, pos: number, optional: boolean): TypeInfo {
    if (t.type === 'optional_type') {
      const inner = t.elem ?? DYN;
      return { type: 'optional_type', elem: this.field(inner, field, pos, true) };
    }
    if (t.type === 'object' && t.schema?.properties !== undefined) {
      for (const [name, s] of Object.entries(t.schema.properties)) {
        if (escapePropertyName(name) === field) {
          const ft = schemaType(s);
          return optional ? { type: 'optional_type', elem: ft } : ft;
        }
      }
      return this.issue(pos, `undefined field '${field}'`);
    }
    if (t.type === 'map') return t.elem ?? DYN;
    if (['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list'].includes(t.type)) {
      return this.issue(pos, `type '${t.type}' does not support field selection`);
    }
    return DYN;
  }
}

function litType(v: CelValue): StaticType {
  // Literals are null, bool, int, uint, double, string or bytes: their value's type name.
  return typeName(v);
}

/**
 * Parses and checks `source`. Throws {@link CelCompileError} whose message is cel-go's issue
 * text (`ERROR: <input>:1:6: ...`). The returned program is immutable and cacheable.
 */
export function compileCel(source: string, options: CompileOptions = {}): CelProgram {
  const ast = parse(source);
  const checker = new Checker(options.variables ?? []);
  const t = checker.check(ast);
  if (checker.issues.length > 0) throw new CelCompileError(source, checker.issues);
  return new CelProgram(source, ast, t.type, checker.referenced);
}
