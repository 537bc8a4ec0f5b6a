/**
 * The Kubernetes JSONPath dialect (k8s.io/client-go/util/jsonpath) as printer columns use it:
 * fields (`.a.b`, `['a.b']`), `.*`, recursive descent (`..name`), indexes (`[0]`, `[-1]`),
 * slices (`[1:3]`, `[::2]`), `[*]`, unions (`[0,2]`, `['a','b']`) and filters
 * (`[?(@.type=="Ready")]`, `[?(@.x)]`, `<`, `>`, `<=`, `>=`, `!=`). Missing keys yield no
 * result (upstream AllowMissingKeys(true), which the CRD table convertor sets).
 */

type Step =
  | { kind: 'field'; names: readonly string[] }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'index'; indexes: readonly number[] }
  | { kind: 'slice'; start?: number; end?: number; step?: number }
  | {
      kind: 'filter';
      left: readonly Step[];
      op?: string;
      right?: unknown;
      rightPath?: readonly Step[];
    };

/** A parsed JSONPath; immutable, reusable across objects. */
export interface JsonPath {
  readonly source: string;
  readonly steps: readonly Step[];
}

/** A JSONPath syntax error, with a message in the spirit of upstream's parser errors. */
export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

/**
 * Parses a path such as `.status.conditions[?(@.type=="Ready")].status`. Surrounding `{...}`
 * is accepted (the template form); a leading `$` is allowed. Throws `JsonPathError`.
 */
export function parseJsonPath(src: string): JsonPath {
  let s = src.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  const p = new Parser(s);
  const steps = p.parseSteps(false);
  if (!p.done()) throw new JsonPathError(`unrecognized character in action: ${p.rest()}`);
  return { source: src, steps };
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  rest(): string {
    return this.s.slice(this.i);
  }

  private peek(n = 0): string {
    return this.s.charAt(this.i + n);
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.i++;
  }

  parseSteps(inFilter: boolean): Step[] {
    const steps: Step[] = [];
    if (this.peek() === '$' || (inFilter && this.peek() === '@')) this.i++;
    for (;;) {
      const c = this.peek();
      if (c === '.') {
        if (this.peek(1) === '.') {
          this.i += 2;
          steps.push({ kind: 'recursive' });
          if (this.peek() === '[') continue;
          steps.push(this.parseFieldName());
          continue;
        }
        this.i++;
        if (this.done() && steps.length === 0) break;
        steps.push(this.parseFieldName());
      } else if (c === '[') {
        steps.push(this.parseBracket());
      } else {
        break;
      }
    }
    return steps;
  }

  private parseFieldName(): Step {
    if (this.peek() === '*') {
      this.i++;
      return { kind: 'wildcard' };
    }
    const start = this.i;
    while (!this.done() && /[^.[\]()\s=!<>,]/.test(this.peek())) {
      if (this.peek() === '\\') this.i++;
      this.i++;
    }
    const name = this.s.slice(start, this.i).replace(/\\(.)/g, '$1');
    if (name === '') throw new JsonPathError(`invalid field name at ${String(start)}`);
    return { kind: 'field', names: [name] };
  }

  private parseBracket(): Step {
    this.i++; // [
    this.skipSpaces();
    let step: Step;
    if (this.peek() === '?') {
      step = this.parseFilter();
    } else if (this.peek() === '*') {
      this.i++;
      step = { kind: 'wildcard' };
    } else if (this.peek() === "'" || this.peek() === '"') {
      const names: string[] = [this.parseString()];
      this.skipSpaces();
      while (this.peek() === ',') {
        this.i++;
        this.skipSpaces();
        names.push(this.parseString());
        this.skipSpaces();
      }
      step = { kind: 'field', names };
    } else {
      step = this.parseIndexOrSlice();
    }
    this.skipSpaces();
    if (this.peek() !== ']') throw new JsonPathError(`unterminated array at ${String(this.i)}`);
    this.i++;
    return step;
  }

  private parseString(): string {
    const q = this.peek();
    this.i++;
    let out = '';
    while (!this.done() && this.peek() !== q) {
      if (this.peek() === '\\') this.i++;
      out += this.peek();
      this.i++;
    }
    if (this.done()) throw new JsonPathError('unterminated string');
    this.i++;
    return out;
  }

  private parseInt(): number | undefined {
    this.skipSpaces();
    const m = /^-?\d+/.exec(this.rest());
    if (m === null) return undefined;
    this.i += m[0].length;
    this.skipSpaces();
    return Number(m[0]);
  }

  private parseIndexOrSlice(): Step {
    const first = this.parseInt();
    if (this.peek() === ':') {
      this.i++;
      const end = this.parseInt();
      let step: number | undefined;
      if (this.peek() === ':') {
        this.i++;
        step = this.parseInt();
      }
      const r: { kind: 'slice'; start?: number; end?: number; step?: number } = { kind: 'slice' };
      if (first !== undefined) r.start = first;
      if (end !== undefined) r.end = end;
      if (step !== undefined) r.step = step;
      return r;
    }
    if (first === undefined) throw new JsonPathError(`invalid array index ${this.rest()}`);
    const indexes = [first];
    while (this.peek() === ',') {
      this.i++;
      const n = this.parseInt();
      if (n === undefined) throw new JsonPathError(`invalid array index ${this.rest()}`);
      indexes.push(n);
    }
    return { kind: 'index', indexes };
  }

  private parseFilter(): Step {
    this.i++; // ?
    if (this.peek() !== '(') throw new JsonPathError('unrecognized filter');
    this.i++;
    this.skipSpaces();
    const left = this.parseSteps(true);
    this.skipSpaces();
    const m = /^(==|!=|<=|>=|<|>|=~)/.exec(this.rest());
    const step: Step = { kind: 'filter', left };
    if (m !== null) {
      this.i += m[0].length;
      this.skipSpaces();
      step.op = m[0];
      const c = this.peek();
      if (c === "'" || c === '"') step.right = this.parseString();
      else if (c === '@' || c === '$') step.rightPath = this.parseSteps(true);
      else {
        const lit = /^[^)\s]+/.exec(this.rest());
        if (lit === null) throw new JsonPathError('invalid filter');
        this.i += lit[0].length;
        const v = lit[0];
        step.right = v === 'true' ? true : v === 'false' ? false : v === 'null' ? null : Number(v);
      }
      this.skipSpaces();
    }
    if (this.peek() !== ')') throw new JsonPathError('unterminated filter');
    this.i++;
    return step;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObject(v)) {
    // client-go walks map values in sorted key order
    return Object.keys(v)
      .sort()
      .map((k) => v[k]);
  }
  return [];
}

function descendants(v: unknown, out: unknown[]): void {
  out.push(v);
  for (const c of children(v)) descendants(c, out);
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === '==') return JSON.stringify(a) === JSON.stringify(b);
  if (op === '!=') return JSON.stringify(a) !== JSON.stringify(b);
  if (op === '=~') return typeof a === 'string' && typeof b === 'string' && new RegExp(b).test(a);
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
  }
  return false;
}

function applyStep(values: readonly unknown[], step: Step, root: unknown): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (step.kind) {
      case 'field':
        if (isObject(v)) {
          for (const n of step.names) if (Object.hasOwn(v, n)) out.push(v[n]);
        }
        break;
      case 'wildcard':
        out.push(...children(v));
        break;
      case 'recursive':
        descendants(v, out);
        break;
      case 'index':
        if (Array.isArray(v)) {
          for (let i of step.indexes) {
            if (i < 0) i += v.length;
            if (i >= 0 && i < v.length) out.push(v[i]);
          }
        }
        break;
      case 'slice':
        if (Array.isArray(v)) {
          const len = v.length;
          const stepN = step.step ?? 1;
          let start = step.start ?? 0;
          let end = step.end ?? len;
          if (start < 0) start += len;
          if (end < 0) end += len;
          start = Math.max(0, Math.min(start, len));
          end = Math.max(0, Math.min(end, len));
          if (stepN > 0) for (let i = start; i < end; i += stepN) out.push(v[i]);
        }
        break;
      case 'filter': {
        const items = Array.isArray(v) ? v : [];
        for (const item of items) {
          const lefts = evalSteps(step.left, item, root);
          if (step.op === undefined) {
            if (lefts.length > 0) out.push(item);
            continue;
          }
          const rights =
            step.rightPath !== undefined ? evalSteps(step.rightPath, item, root) : [step.right];
          const op = step.op;
          if (lefts.some((l) => rights.some((r) => compare(l, op, r)))) out.push(item);
        }
        break;
      }
    }
  }
  return out;
}

function evalSteps(steps: readonly Step[], start: unknown, root: unknown): unknown[] {
  let values: unknown[] = [start];
  for (const st of steps) {
    values = applyStep(values, st, root);
    if (values.length === 0) break;
  }
  return values;
}

/**
 * Evaluates `path` against `obj`: the matched values in document order (maps walked in sorted
 * key order for wildcards), empty when nothing matches. The values are the object's own
 * (not copies). Pure.
 */
export function findJsonPathResults(path: JsonPath, obj: unknown): unknown[] {
  return evalSteps(path.steps, obj, obj);
}
