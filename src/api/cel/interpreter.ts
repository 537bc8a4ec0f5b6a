/**
 * Tree-walking CEL evaluator. Errors are thrown as {@link CelError} and caught exactly where CEL
 * absorbs them: `&&`, `||`, `? :` and the `all`/`exists` macros, which are commutative with
 * respect to errors (`error || true` is `true`). Every node costs one unit and library calls add
 * size-proportional costs, so a runaway expression stops with cel-go's cost-limit error.
 */
import type { Expr } from './ast.ts';
import { callFunction, contains, NAMESPACES } from './functions.ts';
import {
  ArrayList,
  celCompare,
  celEquals,
  CelCostLimitError,
  CelDuration,
  CelError,
  CelOptional,
  CelTimestamp,
  CelType,
  CelUint,
  checkInt,
  checkUint,
  EntryMap,
  INT64_MIN,
  isList,
  isMap,
  noSuchOverload,
  typeName,
} from './values.ts';
import type { CelList, CelValue, CostMeter } from './values.ts';
import { checkDurationRange, checkTimestampRange } from './time.ts';

/** Identifiers that name types when not shadowed by a variable. */
export const TYPE_NAMES: ReadonlySet<string> = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
]);

/** cel-go's message when the cost limit is exceeded. */
export const COST_LIMIT_MESSAGE = 'operation cancelled: actual cost limit exceeded';

/** Evaluation state of one program run: variables, locals and the running cost. */
export class Interpreter implements CostMeter {
  /** Cost consumed so far. */
  cost = 0;
  private readonly locals: { name: string; value: CelValue }[] = [];

  constructor(
    private readonly vars: ReadonlyMap<string, CelValue>,
    private readonly limit: number,
  ) {}

  /** Adds `n` cost units; throws the cost-limit error once over the limit. */
  charge(n: number): void {
    this.cost += n;
    if (this.cost > this.limit) throw new CelCostLimitError(COST_LIMIT_MESSAGE);
  }

  private lookup(name: string): CelValue | undefined {
    for (let i = this.locals.length - 1; i >= 0; i--) {
      const l = this.locals[i];
      if (l !== undefined && l.name === name) return l.value;
    }
    return this.vars.get(name);
  }

  /** Evaluates `e`; throws CelError on runtime errors. */
  eval(e: Expr): CelValue {
    this.charge(1);
    switch (e.k) {
      case 'lit':
        return e.value;
      case 'ident': {
        const v = this.lookup(e.name);
        if (v !== undefined) return v;
        if (TYPE_NAMES.has(e.name)) return new CelType(e.name);
        throw new CelError(`no such attribute: ${e.name}`);
      }
      case 'select':
        return this.select(e.operand, e.field, e.optional);
      case 'has': {
        const v = this.eval(e.operand);
        if (isMap(v)) return v.get(e.field) !== undefined;
        if (v instanceof CelOptional) {
          return v.value !== undefined && isMap(v.value) && v.value.get(e.field) !== undefined;
        }
        throw noSuchOverload();
      }
      case 'index':
        return this.index(this.eval(e.operand), this.eval(e.index), e.optional);
      case 'call':
        return this.call(e);
      case 'list': {
        const items: CelValue[] = [];
        for (let i = 0; i < e.elems.length; i++) {
          const el = e.elems[i];
          if (el === undefined) continue;
          const v = this.eval(el);
          if (e.optional[i] === true) {
            if (!(v instanceof CelOptional)) throw noSuchOverload();
            if (v.value !== undefined) items.push(v.value);
          } else {
            items.push(v);
          }
        }
        return new ArrayList(items);
      }
      case 'map': {
        const m = new EntryMap();
        for (const ent of e.entries) {
          const k = this.eval(ent.key);
          let v = this.eval(ent.value);
          if (ent.optional) {
            if (!(v instanceof CelOptional)) throw noSuchOverload();
            if (v.value === undefined) continue;
            v = v.value;
          }
          if (!m.set(k, v)) throw new CelError(`Failed with repeated key: ${displayKey(k)}`);
        }
        return m;
      }
      case 'and':
        return this.logical(e.left, e.right, false);
      case 'or':
        return this.logical(e.left, e.right, true);
      case 'not': {
        const v = this.eval(e.operand);
        if (typeof v !== 'boolean') throw noSuchOverload();
        return !v;
      }
      case 'neg': {
        const v = this.eval(e.operand);
        if (typeof v === 'bigint') {
          if (v === INT64_MIN) throw new CelError('integer overflow');
          return -v;
        }
        if (typeof v === 'number') return -v;
        if (v instanceof CelDuration) return new CelDuration(checkDurationRange(-v.nanos));
        throw noSuchOverload();
      }
      case 'binary':
        return this.binary(e.op, this.eval(e.left), this.eval(e.right));
      case 'cond': {
        const c = this.eval(e.cond);
        if (typeof c !== 'boolean') throw noSuchOverload();
        return this.eval(c ? e.then : e.otherwise);
      }
      case 'comp':
        return this.comprehension(e);
    }
  }

  private select(operandExpr: Expr, field: string, optional: boolean): CelValue {
    // `optional.none()` style qualified names are calls; plain selection on an identifier
    // that is not a variable is a qualified type name (google.protobuf.Duration).
    const operand = this.eval(operandExpr);
    if (operand instanceof CelOptional) {
      if (operand.value === undefined) return CelOptional.NONE;
      const inner = operand.value;
      if (!isMap(inner)) throw noSuchOverload();
      const v = inner.get(field);
      return v === undefined ? CelOptional.NONE : new CelOptional(v);
    }
    if (isMap(operand)) {
      const v = operand.get(field);
      if (optional) return v === undefined ? CelOptional.NONE : new CelOptional(v);
      if (v === undefined) throw new CelError(`no such key: ${field}`);
      return v;
    }
    throw noSuchOverload();
  }

  /** `operand[index]` on lists and maps (and `[?index]` giving optionals). */
  index(operand: CelValue, index: CelValue, optional: boolean): CelValue {
    if (operand instanceof CelOptional) {
      if (operand.value === undefined) return CelOptional.NONE;
      return this.index(operand.value, index, true);
    }
    if (isList(operand)) {
      let i: number;
      if (typeof index === 'bigint') i = Number(index);
      else if (index instanceof CelUint) i = Number(index.v);
      else if (typeof index === 'number' && Number.isInteger(index)) i = index;
      else if (typeof index === 'number')
        throw new CelError(`unsupported index value ${index} in list`);
      else throw new CelError(`unsupported index type '${typeName(index)}' in list`);
      if (i < 0 || i >= operand.size) {
        if (optional) return CelOptional.NONE;
        throw new CelError(`index '${i}' out of range in list size '${operand.size}'`);
      }
      const v = operand.get(i);
      return optional ? new CelOptional(v) : v;
    }
    if (isMap(operand)) {
      const v = operand.get(index);
      if (v === undefined) {
        if (optional) return CelOptional.NONE;
        throw new CelError(`no such key: ${displayKey(index)}`);
      }
      return optional ? new CelOptional(v) : v;
    }
    throw noSuchOverload();
  }

  private logical(left: Expr, right: Expr, isOr: boolean): CelValue {
    // The decisive value (true for ||, false for &&) wins over an error on either side.
    let leftErr: CelError | undefined;
    let l: CelValue = null;
    try {
      l = this.eval(left);
    } catch (err) {
      if (err instanceof CelCostLimitError || !(err instanceof CelError)) throw err;
      leftErr = err;
    }
    if (leftErr === undefined) {
      if (l === isOr) return isOr;
      if (typeof l !== 'boolean') leftErr = noSuchOverload();
    }
    const r = this.eval(right);
    if (r === isOr) return isOr;
    if (typeof r !== 'boolean') throw leftErr ?? noSuchOverload();
    if (leftErr !== undefined) throw leftErr;
    return !isOr;
  }

  private call(e: Extract<Expr, { k: 'call' }>): CelValue {
    let targetVal: CelValue | undefined;
    let name = e.fn;
    if (e.target !== undefined) {
      const t = e.target;
      if (t.k === 'ident' && NAMESPACES.has(t.name) && this.lookup(t.name) === undefined) {
        name = `${t.name}.${e.fn}`;
      } else {
        targetVal = this.eval(t);
      }
    }
    const args: CelValue[] = [];
    for (const a of e.args) args.push(this.eval(a));
    return callFunction(this, name, targetVal, args);
  }

  private binary(op: string, l: CelValue, r: CelValue): CelValue {
    switch (op) {
      case '==':
        return celEquals(l, r);
      case '!=':
        return !celEquals(l, r);
      case '<': {
        const c = celCompare(l, r);
        return c !== undefined && c < 0;
      }
      case '<=': {
        const c = celCompare(l, r);
        return c !== undefined && c <= 0;
      }
      case '>': {
        const c = celCompare(l, r);
        return c !== undefined && c > 0;
      }
      case '>=': {
        const c = celCompare(l, r);
        return c !== undefined && c >= 0;
      }
      case 'in':
        return contains(this, r, l);
      default:
        return arithmetic(op, l, r, this);
    }
  }

  private comprehension(e: Extract<Expr, { k: 'comp' }>): CelValue {
    const range = this.eval(e.range);
    let items: Iterable<CelValue>;
    if (isList(range)) items = listIter(range);
    else if (isMap(range)) items = range.keys();
    else throw noSuchOverload();
    const slot = { name: e.iterVar, value: null as CelValue };
    this.locals.push(slot);
    try {
      switch (e.macro) {
        case 'all':
        case 'exists': {
          const decisive = e.macro === 'exists';
          let err: CelError | undefined;
          for (const it of items) {
            this.charge(1);
            slot.value = it;
            try {
              const v = this.eval(required(e.pred));
              if (v === decisive) return decisive;
              if (typeof v !== 'boolean') err = noSuchOverload();
            } catch (x) {
              if (x instanceof CelCostLimitError || !(x instanceof CelError)) throw x;
              err = x;
            }
          }
          if (err !== undefined) throw err;
          return !decisive;
        }
        case 'exists_one': {
          let n = 0;
          for (const it of items) {
            this.charge(1);
            slot.value = it;
            const v = this.eval(required(e.pred));
            if (typeof v !== 'boolean') throw noSuchOverload();
            if (v) n++;
          }
          return n === 1;
        }
        case 'filter': {
          const out: CelValue[] = [];
          for (const it of items) {
            this.charge(1);
            slot.value = it;
            const v = this.eval(required(e.pred));
            if (typeof v !== 'boolean') throw noSuchOverload();
            if (v) out.push(it);
          }
          return new ArrayList(out);
        }
        case 'map': {
          const out: CelValue[] = [];
          for (const it of items) {
            this.charge(1);
            slot.value = it;
            if (e.pred !== undefined) {
              const keep = this.eval(e.pred);
              if (typeof keep !== 'boolean') throw noSuchOverload();
              if (!keep) continue;
            }
            out.push(this.eval(required(e.transform)));
          }
          return new ArrayList(out);
        }
      }
    } finally {
      this.locals.pop();
    }
  }
}

/** The parser guarantees macro bodies; this narrows without a non-null assertion. */
function required(e: Expr | undefined): Expr {
  if (e === undefined) throw new CelError('malformed comprehension');
  return e;
}

function* listIter(l: CelList): Iterable<CelValue> {
  for (let i = 0; i < l.size; i++) yield l.get(i);
}

function displayKey(k: CelValue): string {
  if (typeof k === 'string' || typeof k === 'bigint' || typeof k === 'boolean') return String(k);
  if (k instanceof CelUint) return k.v.toString();
  if (typeof k === 'number') return String(k);
  return typeName(k);
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function arithmetic(op: string, l: CelValue, r: CelValue, interp: Interpreter): CelValue {
  if (typeof l === 'bigint' && typeof r === 'bigint') {
    switch (op) {
      case '+':
        return checkInt(l + r);
      case '-':
        return checkInt(l - r);
      case '*':
        return checkInt(l * r);
      case '/':
        if (r === 0n) throw new CelError('division by zero');
        return checkInt(l / r);
      case '%':
        if (r === 0n) throw new CelError('modulus by zero');
        if (l === INT64_MIN && r === -1n) throw new CelError('integer overflow');
        return l % r;
    }
  }
  if (typeof l === 'number' && typeof r === 'number') {
    switch (op) {
      case '+':
        return l + r;
      case '-':
        return l - r;
      case '*':
        return l * r;
      case '/':
        return l / r;
    }
    throw noSuchOverload();
  }
  if (l instanceof CelUint && r instanceof CelUint) {
    switch (op) {
      case '+':
        return checkUint(l.v + r.v);
      case '-':
        return checkUint(l.v - r.v);
      case '*':
        return checkUint(l.v * r.v);
      case '/':
        if (r.v === 0n) throw new CelError('division by zero');
        return new CelUint(l.v / r.v);
      case '%':
        if (r.v === 0n) throw new CelError('modulus by zero');
        return new CelUint(l.v % r.v);
    }
  }
  if (op === '+') {
    if (typeof l === 'string' && typeof r === 'string') {
      interp.charge(Math.ceil((l.length + r.length) * 0.1));
      return l + r;
    }
    if (l instanceof Uint8Array && r instanceof Uint8Array) return concatBytes(l, r);
    if (isList(l) && isList(r)) {
      interp.charge(Math.ceil((l.size + r.size) * 0.1));
      const items: CelValue[] = [];
      for (let i = 0; i < l.size; i++) items.push(l.get(i));
      for (let i = 0; i < r.size; i++) items.push(r.get(i));
      return new ArrayList(items);
    }
    if (l instanceof CelDuration && r instanceof CelDuration) {
      return new CelDuration(checkDurationRange(l.nanos + r.nanos));
    }
    if (l instanceof CelTimestamp && r instanceof CelDuration) {
      return new CelTimestamp(checkTimestampRange(l.nanos + r.nanos));
    }
    if (l instanceof CelDuration && r instanceof CelTimestamp) {
      return new CelTimestamp(checkTimestampRange(l.nanos + r.nanos));
    }
  }
  if (op === '-') {
    if (l instanceof CelDuration && r instanceof CelDuration) {
      return new CelDuration(checkDurationRange(l.nanos - r.nanos));
    }
    if (l instanceof CelTimestamp && r instanceof CelDuration) {
      return new CelTimestamp(checkTimestampRange(l.nanos - r.nanos));
    }
    if (l instanceof CelTimestamp && r instanceof CelTimestamp) {
      return new CelDuration(checkDurationRange(l.nanos - r.nanos));
    }
  }
  throw noSuchOverload();
}
